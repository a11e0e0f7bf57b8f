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

/// Adds energy_j, dynamic/static energy, avg/peak/idle power, the operating point, throttled
/// time, energy per token, tokens per joule and TFLOP/s per watt. `power` must be finished.
/// The energy model reports the chip's configured power limit next to them.
void add_power_summary(Summary& summary, const ChipConfig& chip, const PowerManager& power, const RunTotals& run);

}  // namespace tessera
