#include "base/io/atomic_file.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <system_error>

#include <fcntl.h>
#include <unistd.h>

#include <fmt/core.h>

#include "base/types.h"

namespace tessera {

namespace fs = std::filesystem;

namespace {

std::string os_reason(int err) { return std::error_code(err, std::generic_category()).message(); }

void remove_quietly(const std::string& p) {
  std::error_code ec;
  fs::remove(p, ec);
}

/// Flushes the file's data to disk so the rename never publishes an empty file after a crash.
void sync_file(const std::string& tmp, const std::string& path) {
  int fd = ::open(tmp.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    int err = errno;
    throw Error(fmt::format("cannot write '{}': the temporary file is missing after writing ({})",
                            path, os_reason(err)));
  }
  int rc = ::fsync(fd);
  int err = errno;
  ::close(fd);
  if (rc != 0 && err != EINVAL && err != EROFS)  // some file systems cannot sync: not an error
    throw Error(fmt::format("cannot write '{}': {}", path, os_reason(err)));
}

/// Checks the target directory up front, so the error names the directory rather than
/// whatever library (HDF5, iostreams) first fails to create the temporary file.
void check_directory(const std::string& path) {
  fs::path dir = fs::path(path).parent_path();
  if (dir.empty()) dir = ".";
  std::error_code ec;
  auto st = fs::status(dir, ec);
  if (ec || !fs::exists(st))
    throw Error(fmt::format("cannot write '{}': directory '{}' does not exist ({})", path,
                            dir.string(), os_reason(ENOENT)));
  if (!fs::is_directory(st))
    throw Error(fmt::format("cannot write '{}': '{}' is not a directory ({})", path, dir.string(),
                            os_reason(ENOTDIR)));
  if (::access(dir.c_str(), W_OK | X_OK) != 0) {
    int err = errno;
    throw Error(fmt::format("cannot write '{}': directory '{}' is not writable ({})", path,
                            dir.string(), os_reason(err)));
  }
  if (fs::is_directory(fs::path(path), ec))
    throw Error(fmt::format("cannot write '{}': it is a directory ({})", path, os_reason(EISDIR)));
}

}  // namespace

std::string atomic_temp_path(const std::string& path) {
  return fmt::format("{}.tmp.{}", path, static_cast<long>(::getpid()));
}

void write_file_atomically(const std::string& path,
                           const std::function<void(const std::string& tmp_path)>& write) {
  if (path.empty()) throw Error("cannot write a file with an empty name");
  check_directory(path);
  const std::string tmp = atomic_temp_path(path);
  try {
    write(tmp);
    sync_file(tmp, path);
    std::error_code ec;
    fs::rename(tmp, path, ec);
    if (ec) throw Error(fmt::format("cannot write '{}': {}", path, ec.message()));
  } catch (...) {
    remove_quietly(tmp);
    throw;
  }
}

void write_text_atomically(const std::string& path, const std::string& text) {
  write_file_atomically(path, [&](const std::string& tmp) {
    std::FILE* f = std::fopen(tmp.c_str(), "wb");
    if (!f) {
      int err = errno;
      throw Error(fmt::format("cannot write '{}': {}", path, os_reason(err)));
    }
    std::size_t n = text.empty() ? 0 : std::fwrite(text.data(), 1, text.size(), f);
    int write_err = n == text.size() ? 0 : errno;
    int close_rc = std::fclose(f);
    int close_err = errno;
    if (write_err != 0 || n != text.size())
      throw Error(fmt::format("cannot write '{}': {}", path, os_reason(write_err ? write_err : EIO)));
    if (close_rc != 0) throw Error(fmt::format("cannot write '{}': {}", path, os_reason(close_err)));
  });
}

}  // namespace tessera
