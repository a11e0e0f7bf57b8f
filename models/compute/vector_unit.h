// The vector unit of one core: `lanes` lanes with a throughput per operation class
// (add/mul, exp/transcendental, reduction). A tile's cycles are, per class,
// ceil(ops / (lanes * ops_per_lane_per_cycle)), summed over the classes it uses
// (the classes share the lanes' issue slots).
#pragma once

#include <systemc>

#include "base/clock.h"
#include "models/config/chip_config.h"

namespace tessera {

struct Stat;
class StatGroup;
class StatsRegistry;
class Timeline;

/// Vector work of one tile, counted in operations per class.
struct VectorWork {
  double add_mul = 0;
  double exp = 0;
  double reduce = 0;
};

class VectorUnit : public sc_core::sc_module {
 public:
  VectorUnit(sc_core::sc_module_name name, const VectorUnitConfig& cfg, const ClockDomain& clock,
             StatsRegistry& stats, Timeline& timeline);

  Cycles work_cycles(const VectorWork& work) const;
  /// Waits the work's cycles from the calling thread and updates the statistics.
  void run(const VectorWork& work, const std::string& label);

 private:
  const VectorUnitConfig& cfg_;
  const ClockDomain& clock_;  // shared with the chip: DVFS may change its frequency
  Timeline& timeline_;
  std::string track_;
  StatGroup& group_;
  Stat& busy_cycles_;
  Stat& ops_add_mul_;
  Stat& ops_exp_;
  Stat& ops_reduce_;
};

}  // namespace tessera
