// A core's scratchpad: `banks` banks, each moving bytes_per_cycle_per_bank per core cycle and
// serving one access at a time. Capacity is enforced by the mapper (tiles are sized to fit,
// double-buffered); this module models bandwidth and bank conflicts. Buffers live in bank
// ranges: two accesses to the same banks serialise, accesses to disjoint banks overlap.
#pragma once

#include <vector>

#include <systemc>

#include "base/clock.h"
#include "base/timed_resource.h"
#include "models/config/chip_config.h"

namespace tessera {

struct Stat;
class StatGroup;
class StatsRegistry;

struct BankRange {
  std::uint32_t first = 0;
  std::uint32_t count = 1;
};

class Scratchpad : public sc_core::sc_module {
 public:
  Scratchpad(sc_core::sc_module_name name, const ScratchpadConfig& cfg, const ClockDomain& clock,
             StatsRegistry& stats);

  /// Reserves the banks of `range` for `bytes` (spread evenly over them) from `earliest_fs`;
  /// returns the time (fs) the access completes.
  std::uint64_t access(BankRange range, Bytes bytes, bool write, std::uint64_t earliest_fs);
  /// Bank range of double-buffer slot 0 or 1 (each half of the banks; all banks if only one).
  BankRange slot(std::uint32_t index) const;
  const ScratchpadConfig& config() const { return cfg_; }

 private:
  const ScratchpadConfig& cfg_;
  const ClockDomain& clock_;  // shared with the chip: DVFS may change its frequency
  std::vector<TimedResource> banks_;
  StatGroup& group_;
  Stat& busy_cycles_;  // of the average bank, so busy/elapsed is a utilisation
  Stat& bytes_read_;
  Stat& bytes_written_;
};

}  // namespace tessera
