// The matrix engines of one core: `count` identical systolic arrays working on one output
// tile together (the tile's N extent is split evenly across them). Tile time follows the
// per-fold systolic model in systolic_timing.h, counted in core-clock cycles.
#pragma once

#include <systemc>

#include "base/clock.h"
#include "models/compute/systolic_timing.h"
#include "models/config/chip_config.h"

namespace tessera {

class StatsRegistry;
struct Stat;
class StatGroup;
class Timeline;

class MatrixEngine : public sc_core::sc_module {
 public:
  /// `efficiency` is calibration.matrix_efficiency (docs/calibration.md): tile cycles are the
  /// dataflow model's cycles divided by it, rounded up. 1 = the dataflow model as is.
  MatrixEngine(sc_core::sc_module_name name, const MatrixEngineConfig& cfg, const ClockDomain& clock,
               StatsRegistry& stats, Timeline& timeline, double efficiency = 1.0);

  /// Cycles one tile takes (no simulation side effects).
  Cycles tile_cycles(const GemmShape& tile, DataType dtype, Dataflow dataflow) const;
  /// Runs one tile: waits its cycles from the calling thread and updates the statistics.
  void run_tile(const GemmShape& tile, DataType dtype, Dataflow dataflow, const std::string& label);

  bool supports(DataType dtype) const { return cfg_.macs_per_cycle.count(dtype) != 0; }
  bool supports(Dataflow dataflow) const;
  const MatrixEngineConfig& config() const { return cfg_; }
  const std::string& track() const { return track_; }

 private:
  const MatrixEngineConfig& cfg_;
  const ClockDomain& clock_;  // shared with the chip: DVFS may change its frequency
  Timeline& timeline_;
  double efficiency_;
  std::string track_;
  StatGroup& group_;
  Stat& busy_cycles_;
  Stat& tiles_;
  Stat* macs_[5] = {};  // MACs done, by DataType (energy counters)
};

}  // namespace tessera
