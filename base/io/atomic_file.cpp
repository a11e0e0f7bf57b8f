#include "base/io/atomic_file.h"

#include <array>
#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <mutex>
#include <system_error>

#include <fcntl.h>
#include <limits.h>
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

// --- Removing in-flight temporaries when SIGINT or SIGTERM ends the process ------------------
//
// While a write is in flight its temporary path sits in a fixed-size table; the handler (which
// may only use async-signal-safe calls) unlinks every path in the table, restores the default
// action and re-raises, so the process still ends by the signal. The handler is installed only
// while writes are in flight and only for signals left at their default action: a program that
// handles SIGINT itself (sweep's graceful stop) keeps its own behaviour.

constexpr std::size_t kMaxInFlight = 32;
constexpr int kCleanupSignals[] = {SIGINT, SIGTERM};

struct InFlightSlot {
  std::atomic<bool> used{false};
  char path[PATH_MAX] = {};
};
std::array<InFlightSlot, kMaxInFlight> g_in_flight;

std::mutex g_install_mutex;
int g_writes_in_flight = 0;  // guarded by g_install_mutex
struct sigaction g_previous[std::size(kCleanupSignals)];
bool g_installed[std::size(kCleanupSignals)] = {};

void remove_temporaries_and_reraise(int sig) {
  for (auto& slot : g_in_flight)
    if (slot.used.load(std::memory_order_acquire)) ::unlink(slot.path);
  struct sigaction dfl{};
  dfl.sa_handler = SIG_DFL;
  sigemptyset(&dfl.sa_mask);
  ::sigaction(sig, &dfl, nullptr);
  ::raise(sig);  // delivered with the default action once this handler returns
}

/// Registers `tmp` for removal on SIGINT/SIGTERM for its lifetime. Best effort: a path too long
/// for the table, or more than kMaxInFlight writes at once, go unregistered.
class InFlightTemporary {
 public:
  explicit InFlightTemporary(const std::string& tmp) {
    std::lock_guard lock(g_install_mutex);
    if (g_writes_in_flight++ == 0) install();
    if (tmp.size() >= PATH_MAX) return;
    for (auto& s : g_in_flight) {
      if (s.used.load(std::memory_order_relaxed)) continue;
      std::memcpy(s.path, tmp.c_str(), tmp.size() + 1);
      s.used.store(true, std::memory_order_release);  // the handler reads only complete paths
      slot_ = &s;
      return;
    }
  }
  ~InFlightTemporary() {
    std::lock_guard lock(g_install_mutex);
    if (slot_) slot_->used.store(false, std::memory_order_release);
    if (--g_writes_in_flight == 0) restore();
  }
  InFlightTemporary(const InFlightTemporary&) = delete;
  InFlightTemporary& operator=(const InFlightTemporary&) = delete;

 private:
  static void install() {
    for (std::size_t i = 0; i < std::size(kCleanupSignals); ++i) {
      struct sigaction current{};
      g_installed[i] = false;
      if (::sigaction(kCleanupSignals[i], nullptr, &current) != 0 || current.sa_handler != SIG_DFL ||
          (current.sa_flags & SA_SIGINFO))
        continue;
      struct sigaction sa{};
      sa.sa_handler = remove_temporaries_and_reraise;
      sigemptyset(&sa.sa_mask);
      for (int other : kCleanupSignals) sigaddset(&sa.sa_mask, other);  // one cleanup at a time
      g_installed[i] = ::sigaction(kCleanupSignals[i], &sa, &g_previous[i]) == 0;
    }
  }
  static void restore() {
    for (std::size_t i = 0; i < std::size(kCleanupSignals); ++i)
      if (g_installed[i]) ::sigaction(kCleanupSignals[i], &g_previous[i], nullptr);
  }

  InFlightSlot* slot_ = nullptr;
};

/// Removes "<path>.tmp.<pid>" files whose process is gone (a run killed with SIGKILL, or a
/// crash): they can never be finished, and their names say what they were.
void remove_stale_temporaries(const std::string& path) {
  const fs::path target(path);
  const fs::path dir = target.has_parent_path() ? target.parent_path() : fs::path(".");
  const std::string prefix = target.filename().string() + ".tmp.";
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (name.size() <= prefix.size() || name.compare(0, prefix.size(), prefix) != 0) continue;
    const std::string pid_text = name.substr(prefix.size());
    if (pid_text.size() > 9 || pid_text.find_first_not_of("0123456789") != std::string::npos) continue;
    const long pid = std::stol(pid_text);
    if (pid <= 0 || pid == long(::getpid())) continue;
    if (::kill(pid_t(pid), 0) == -1 && errno == ESRCH) remove_quietly(it->path().string());
  }
}

}  // namespace

std::string atomic_temp_path(const std::string& path) {
  return fmt::format("{}.tmp.{}", path, static_cast<long>(::getpid()));
}

void write_file_atomically(const std::string& path,
                           const std::function<void(const std::string& tmp_path)>& write) {
  if (path.empty()) throw Error("cannot write a file with an empty name");
  check_directory(path);
  remove_stale_temporaries(path);
  const std::string tmp = atomic_temp_path(path);
  const InFlightTemporary in_flight(tmp);
  try {
    write(tmp);
    sync_file(tmp, path);
    std::error_code ec;
    fs::rename(tmp, path, ec);
    if (ec) throw Error(fmt::format("cannot write '{}': {}", path, ec.message()));
  } catch (const Error& e) {
    remove_quietly(tmp);
    // The writer knew the file by its temporary name; the caller knows it by `path`.
    std::string message = e.what();
    if (message.find(tmp) == std::string::npos) throw;
    for (std::size_t at; (at = message.find(tmp)) != std::string::npos;)
      message.replace(at, tmp.size(), path);
    throw Error(message);
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
