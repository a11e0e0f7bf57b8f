#include "sweep/journal.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include <fmt/core.h>

#include "base/types.h"

namespace tessera::sweep {

using nlohmann::json;

namespace {

constexpr const char* kMagic = "tessera-sweep";

std::string read_all(int fd, const std::string& path) {
  std::string out;
  char buf[65536];
  if (::lseek(fd, 0, SEEK_SET) < 0) throw Error(fmt::format("{}: cannot read: {}", path, std::strerror(errno)));
  for (;;) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw Error(fmt::format("{}: cannot read: {}", path, std::strerror(errno)));
    }
    if (n == 0) break;
    out.append(buf, std::size_t(n));
  }
  return out;
}

struct Parsed {
  bool has_header = false;
  json header;
  std::map<std::uint64_t, PointResult> records;
  std::size_t bad = 0;
  std::size_t complete_bytes = 0;  // length of the text up to the last newline
};

Parsed parse(const std::string& text) {
  Parsed p;
  std::size_t pos = 0;
  bool first = true;
  while (pos < text.size()) {
    const std::size_t nl = text.find('\n', pos);
    if (nl == std::string::npos) break;  // a partial last line: ignored
    const std::string line = text.substr(pos, nl - pos);
    pos = nl + 1;
    p.complete_bytes = pos;
    json j = json::parse(line, nullptr, false);
    if (first) {
      first = false;
      if (!j.is_discarded() && j.is_object() && j.value("journal", "") == kMagic) {
        p.has_header = true;
        p.header = std::move(j);
        continue;
      }
      return p;  // not a journal
    }
    if (j.is_discarded()) {
      ++p.bad;
      continue;
    }
    try {
      PointResult r = PointResult::from_json(j);
      const std::uint64_t index = r.index;
      p.records[index] = std::move(r);
    } catch (const Error&) {
      ++p.bad;
    }
  }
  return p;
}

void fsync_dir_of(const std::string& path) {
  std::filesystem::path dir = std::filesystem::path(path).parent_path();
  if (dir.empty()) dir = ".";
  const int d = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (d >= 0) {
    ::fsync(d);
    ::close(d);
  }
}

}  // namespace

Journal::Journal(std::string path, const std::string& fingerprint, std::uint64_t points, const std::string& name,
                 OpenMode mode)
    : path_(std::move(path)) {
  fd_ = ::open(path_.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd_ < 0) throw Error(fmt::format("{}: cannot open the sweep journal: {}", path_, std::strerror(errno)));
  try {
    if (::flock(fd_, LOCK_EX | LOCK_NB) != 0)
      throw Error(fmt::format("{}: another sweep is using this journal (it is locked); wait for it or use another -o",
                              path_));
    const std::string text = read_all(fd_, path_);
    Parsed p = parse(text);
    // A journal without results (a run stopped before its first point finished) holds nothing
    // to keep: a fresh run simply starts it again.
    bool start_over = mode == OpenMode::restart || p.complete_bytes == 0 ||
                      (mode == OpenMode::fresh && p.has_header && p.records.empty());
    if (!start_over) {
      if (!p.has_header)
        throw Error(fmt::format("{}: exists and is not a sweep journal; remove it or choose another -o", path_));
      if (p.header.value("fingerprint", "") != fingerprint)
        throw Error(fmt::format("{}: was written for a different set of points (the spec, chip or workload has changed "
                                "since); pass --restart to discard it, or choose another -o",
                                path_));
      if (mode == OpenMode::fresh && !p.records.empty())
        throw Error(fmt::format("{}: holds {} finished point{} of an earlier run of this sweep; pass --resume to "
                                "continue it, or --restart to start over",
                                path_, p.records.size(), p.records.size() == 1 ? "" : "s"));
      for (auto& [index, r] : p.records) {
        if (index >= points) ++p.bad;
        else finished_.emplace(index, std::move(r));
      }
      bad_lines_ = p.bad;
      if (p.complete_bytes < text.size() && ::ftruncate(fd_, off_t(p.complete_bytes)) != 0)
        throw Error(fmt::format("{}: cannot cut off a partial last line: {}", path_, std::strerror(errno)));
    }
    if (::lseek(fd_, 0, SEEK_END) < 0) throw Error(fmt::format("{}: {}", path_, std::strerror(errno)));
    if (start_over) {
      if (::ftruncate(fd_, 0) != 0) throw Error(fmt::format("{}: cannot truncate: {}", path_, std::strerror(errno)));
      ::lseek(fd_, 0, SEEK_SET);
      const json header{{"journal", kMagic}, {"version", 1}, {"name", name}, {"fingerprint", fingerprint},
                        {"points", points}};
      write_line(header.dump());
      fsync_dir_of(path_);
    }
  } catch (...) {
    ::close(fd_);
    fd_ = -1;
    throw;
  }
}

Journal::~Journal() {
  if (fd_ >= 0) ::close(fd_);
}

void Journal::write_line(const std::string& line) {
  const std::string data = line + "\n";
  std::size_t done = 0;
  while (done < data.size()) {
    const ssize_t n = ::write(fd_, data.data() + done, data.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw Error(fmt::format("{}: cannot write the sweep journal: {}", path_, std::strerror(errno)));
    }
    done += std::size_t(n);
  }
  int rc;
  while ((rc = ::fdatasync(fd_)) != 0 && errno == EINTR) {
  }
  if (rc != 0) throw Error(fmt::format("{}: cannot flush the sweep journal to disk: {}", path_, std::strerror(errno)));
}

void Journal::append(const PointResult& r) { append(std::vector<PointResult>{r}); }

void Journal::append(const std::vector<PointResult>& rs) {
  if (rs.empty()) return;
  std::string lines;
  for (std::size_t i = 0; i < rs.size(); ++i) {
    if (i) lines += '\n';
    lines += rs[i].to_line();
  }
  write_line(lines);
  for (const auto& r : rs) finished_[r.index] = r;
}

std::map<std::uint64_t, PointResult> read_journal(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw Error(fmt::format("{}: cannot open: {}", path, std::strerror(errno)));
  std::string text;
  try {
    text = read_all(fd, path);
  } catch (...) {
    ::close(fd);
    throw;
  }
  ::close(fd);
  return parse(text).records;
}

}  // namespace tessera::sweep
