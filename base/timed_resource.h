// A resource that serves one transfer at a time, in the order reservations are made: a link,
// a port or an SRAM bank. Reservations are made when a transfer is issued (its future start
// is computed, not polled), so contention emerges without ticking idle cycles. Times are
// integer femtoseconds aligned to the owner's clock edges.
#pragma once

#include <algorithm>
#include <cstdint>

#include "base/clock.h"

namespace tessera {

class TimedResource {
 public:
  /// Occupies the resource for `cycles` of `clock`, starting at the first clock edge at or after
  /// max(earliest_fs, when it frees). Returns the start time in fs.
  std::uint64_t reserve(std::uint64_t earliest_fs, Cycles cycles, const ClockDomain& clock) {
    const std::uint64_t p = clock.period_fs();
    const std::uint64_t start = ceil_div(std::max(earliest_fs, free_fs_), p) * p;
    free_fs_ = start + cycles * p;
    busy_cycles_ += cycles;
    return start;
  }
  std::uint64_t free_fs() const { return free_fs_; }
  Cycles busy_cycles() const { return busy_cycles_; }

 private:
  std::uint64_t free_fs_ = 0;
  Cycles busy_cycles_ = 0;
};

}  // namespace tessera
