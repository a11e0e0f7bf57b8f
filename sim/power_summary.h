// The power figures of one run, added to its Summary (docs/power.md lists them), and the
// energy of each operator.
#pragma once

#include <cstdint>
#include <vector>

#include "models/config/chip_config.h"
#include "models/power/power_manager.h"
#include "sim/sim_result.h"

namespace tessera {

struct RunTotals {
  double seconds = 0;       // simulated time of the run
  double flops = 0;         // GEMM FLOPs (as in achieved_tflops)
  double tokens = 0;        // 0 when the workload does not count tokens
  double samples = 0;
  std::uint32_t requested_point = 0;  // operating point the run asked for
};

/// The energy totals and power trace of a run: from its power manager (one simulation) or
/// summed over the operator-timing table's records (sim/table_simulation.h).
struct PowerFigures {
  double dynamic_pj = 0;  // refresh included
  double static_pj = 0;
  PowerTrace trace;

  static PowerFigures of(const PowerManager& power) {
    return {power.energy().dynamic_pj(), power.energy().static_pj(), power.throttle_trace()};
  }
};

/// Adds energy_j, dynamic/static energy, avg/peak/idle power, the operating point, throttled
/// time, energy per token, tokens per joule and TFLOP/s per watt. A power manager must be
/// finished before PowerFigures::of() reads it. The chip's configured power limit is reported next to them.
void add_power_summary(Summary& summary, const ChipConfig& chip, const PowerFigures& power, const RunTotals& run);

}  // namespace tessera
