// The one rule for time: every module counts integer cycles of its own clock domain and
// converts to SystemC time only here. The kernel resolution is 1 fs (set by SimContext), so
// a period like 546.448 ps (1830 MHz) is represented to 1 fs and a cycle count times the
// period is exact integer arithmetic.
#pragma once

#include <cmath>
#include <string>

#include <systemc>

#include "base/types.h"

namespace tessera {

class ClockDomain {
 public:
  ClockDomain() = default;
  ClockDomain(std::string name, double mhz)
      : name_(std::move(name)), mhz_(mhz),
        period_fs_(static_cast<std::uint64_t>(std::llround(1e9 / mhz))) {}

  /// Changes the frequency (DVFS). Modules hold the domain by reference, so their next
  /// cycle-to-time conversion uses the new period.
  void set_mhz(double mhz) {
    mhz_ = mhz;
    period_fs_ = static_cast<std::uint64_t>(std::llround(1e9 / mhz));
  }

  const std::string& name() const { return name_; }
  double mhz() const { return mhz_; }
  std::uint64_t period_fs() const { return period_fs_; }
  sc_core::sc_time period() const { return sc_core::sc_time::from_value(period_fs_); }

  /// Duration of `n` cycles.
  sc_core::sc_time cycles(Cycles n) const { return sc_core::sc_time::from_value(period_fs_ * n); }
  /// Whole cycles elapsed at time `t` (floor), counted from time zero.
  Cycles cycle_at(const sc_core::sc_time& t) const { return t.value() / period_fs_; }
  /// Time of the first clock edge at or after `t`.
  sc_core::sc_time next_edge(const sc_core::sc_time& t) const {
    return sc_core::sc_time::from_value(ceil_div(t.value(), period_fs_) * period_fs_);
  }
  /// Cycles covering a duration (ceiling).
  Cycles cycles_in(const sc_core::sc_time& d) const { return ceil_div(d.value(), period_fs_); }

 private:
  std::string name_;
  double mhz_ = 0;
  std::uint64_t period_fs_ = 0;
};

}  // namespace tessera
