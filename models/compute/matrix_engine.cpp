#include "models/compute/matrix_engine.h"

#include <algorithm>
#include <cmath>

#include <fmt/core.h>

#include "models/chip/timeline.h"
#include "base/stats/stats_registry.h"

namespace tessera {

MatrixEngine::MatrixEngine(sc_core::sc_module_name name, const MatrixEngineConfig& cfg,
                           const ClockDomain& clock, StatsRegistry& stats, Timeline& timeline, double efficiency)
    : sc_module(name),
      cfg_(cfg),
      clock_(clock),
      timeline_(timeline),
      efficiency_(efficiency),
      track_(this->name()),
      group_(stats.add_group(track_, "matrix", clock.mhz())),
      busy_cycles_(group_.add(stat_names::kBusyCycles, "cycles", "cycles with a tile in the arrays")),
      tiles_(group_.add("tiles", "count", "tiles computed")) {
  for (DataType t : kAllDataTypes)
    if (cfg_.macs_per_cycle.count(t))
      macs_[static_cast<int>(t)] =
          &group_.add(fmt::format("macs_{}", to_string(t)), "MAC", "multiply-accumulates done");
}

bool MatrixEngine::supports(Dataflow dataflow) const {
  return std::find(cfg_.dataflows.begin(), cfg_.dataflows.end(), dataflow) != cfg_.dataflows.end();
}

Cycles MatrixEngine::tile_cycles(const GemmShape& tile, DataType dtype, Dataflow dataflow) const {
  const auto it = cfg_.macs_per_cycle.find(dtype);
  if (it == cfg_.macs_per_cycle.end()) return 0;
  const std::uint64_t pes = std::uint64_t(cfg_.rows) * cfg_.cols;
  const SystolicArray array{cfg_.rows, cfg_.cols, static_cast<std::uint32_t>(it->second / pes)};
  // The engines share the tile's N extent; the slowest (largest) slice sets the time.
  const GemmShape slice{tile.m, ceil_div(tile.n, cfg_.count), tile.k};
  const Cycles cycles = systolic_cycles(array, dataflow, slice);
  if (efficiency_ >= 1.0) return cycles;
  // Calibration: stretch by 1 / efficiency (the 1e-9 keeps exact quotients from rounding up).
  return static_cast<Cycles>(std::ceil(double(cycles) / efficiency_ - 1e-9));
}

void MatrixEngine::run_tile(const GemmShape& tile, DataType dtype, Dataflow dataflow,
                            const std::string& label) {
  const Cycles cycles = tile_cycles(tile, dtype, dataflow);
  const sc_core::sc_time start = sc_core::sc_time_stamp();
  sc_core::wait(clock_.cycles(cycles));
  busy_cycles_.value += double(cycles);
  tiles_.value += 1;
  if (Stat* macs = macs_[static_cast<int>(dtype)]) macs->value += double(tile.m) * tile.n * tile.k;
  timeline_.record(track_, label, start, sc_core::sc_time_stamp());
}

}  // namespace tessera
