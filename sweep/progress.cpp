#include "sweep/progress.h"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include <fmt/core.h>

namespace tessera::sweep {

namespace {

std::string clock_text(double seconds) {
  if (!(seconds >= 0) || seconds > 99 * 3600.0) return "--:--";
  const long s = long(seconds + 0.5);
  if (s >= 3600) return fmt::format("{}:{:02}:{:02}", s / 3600, (s / 60) % 60, s % 60);
  return fmt::format("{}:{:02}", s / 60, s % 60);
}

}  // namespace

Progress::Progress(std::uint64_t total, std::uint64_t already, bool enabled)
    : total_(total), already_(already), enabled_(enabled), start_(Clock::now()), last_draw_(start_) {
  if (enabled_) draw(true);
}

bool Progress::terminal() {
  if (!::isatty(STDERR_FILENO)) return false;
  const char* term = std::getenv("TERM");
  return !(term && std::strcmp(term, "dumb") == 0);
}

void Progress::point_done(bool failed) {
  ++done_;
  if (failed) ++failed_;
  draw(false);
}

void Progress::finish() {
  if (!enabled_) return;
  draw(true);
  std::fputc('\n', stderr);
  std::fflush(stderr);
  enabled_ = false;
}

void Progress::draw(bool force) {
  if (!enabled_) return;
  const auto now = Clock::now();
  if (!force && now - last_draw_ < std::chrono::milliseconds(100)) return;
  last_draw_ = now;
  const std::uint64_t finished = already_ + done_;
  const double elapsed = std::chrono::duration<double>(now - start_).count();
  const double rate = elapsed > 0 ? double(done_) / elapsed : 0;
  const std::uint64_t left = total_ > finished ? total_ - finished : 0;
  constexpr int kWidth = 28;
  const int filled = total_ ? int(double(kWidth) * double(finished) / double(total_)) : kWidth;
  std::string bar(std::size_t(filled), '#');
  bar.resize(kWidth, '.');
  std::string line = fmt::format("\r[{}] {}/{} points  {:.3g} pt/s  ETA {}", bar, finished, total_, rate,
                                 done_ ? clock_text(double(left) / rate) : "--:--");
  if (failed_) line += fmt::format("  {} failed", failed_);
  line += "\x1b[K";
  std::fputs(line.c_str(), stderr);
  std::fflush(stderr);
  drawn_ = true;
}

}  // namespace tessera::sweep
