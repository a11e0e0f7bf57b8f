// The sweep journal: an append-only JSON-lines file next to the results ("<out>.journal").
// Line 1 is a header naming the sweep and the fingerprint of its points; every later line is one
// finished point (PointResult::to_json). Each line goes out in one write() and is fsync'ed before
// the next point is counted as done, so a crash loses at most the points still running. A last
// line without its newline (a crash mid-write) is ignored and cut off when the journal is resumed.
// The journal is locked (flock) while a sweep uses it.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "sweep/runner.h"

namespace tessera::sweep {

class Journal {
 public:
  enum class OpenMode {
    fresh,    // start a new journal; an existing one with finished points is an error
    resume,   // continue an existing journal (or start one if there is none)
    restart,  // discard any existing journal
  };

  /// Opens `path` for the sweep with `fingerprint` and `points` points. Throws tessera::Error
  /// when the journal belongs to other points, is locked by another sweep, or (fresh) already
  /// holds results.
  Journal(std::string path, const std::string& fingerprint, std::uint64_t points, const std::string& name,
          OpenMode mode);
  ~Journal();
  Journal(const Journal&) = delete;
  Journal& operator=(const Journal&) = delete;

  /// Finished points read back on open (the last record of an index wins).
  const std::map<std::uint64_t, PointResult>& finished() const { return finished_; }
  /// Records that were unreadable (complete lines that are not valid records), for a warning.
  std::size_t bad_lines() const { return bad_lines_; }
  /// Appends one record and fsyncs it; also keeps it in finished().
  void append(const PointResult& r);
  /// Appends several records with one write and one fsync (results that arrived together).
  void append(const std::vector<PointResult>& rs);
  const std::string& path() const { return path_; }
  int fd() const { return fd_; }

 private:
  void write_line(const std::string& line);
  std::string path_;
  int fd_ = -1;
  std::map<std::uint64_t, PointResult> finished_;
  std::size_t bad_lines_ = 0;
};

/// Reads a journal without locking or changing it (for tests and tools): its finished records.
std::map<std::uint64_t, PointResult> read_journal(const std::string& path);

}  // namespace tessera::sweep
