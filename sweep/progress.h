// A one-line progress bar on stderr: points done, rate, ETA, failures. Drawn only when stderr
// is a terminal (and TERM is not "dumb"); otherwise every call does nothing.
#pragma once

#include <chrono>
#include <cstdint>

namespace tessera::sweep {

class Progress {
 public:
  /// `total` points of which `already` were finished before this run (resumed).
  Progress(std::uint64_t total, std::uint64_t already, bool enabled);
  /// True when stderr is a terminal that can redraw a line.
  static bool terminal();

  /// One more point finished (failed or not); redraws at most 10 times a second.
  void point_done(bool failed);
  /// Draws the final state and ends the line.
  void finish();

 private:
  void draw(bool force);
  using Clock = std::chrono::steady_clock;
  std::uint64_t total_, already_, done_ = 0, failed_ = 0;
  bool enabled_;
  bool drawn_ = false;
  Clock::time_point start_, last_draw_;
};

}  // namespace tessera::sweep
