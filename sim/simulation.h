// Runs one workload on one chip and returns the results. Each call builds its own SystemC
// kernel context, so calls are independent and may follow one another in one process.
#pragma once

#include <optional>

#include "models/config/chip_config.h"
#include "sim/sim_result.h"
#include "workloads/operator.h"

namespace tessera {

struct SimOptions {
  bool compute_only = false;          // memories with infinite bandwidth (matrix timing alone)
  bool record_timeline = false;       // fill SimResult::timeline (for --trace-out)
  std::optional<Dataflow> dataflow;   // default: the chip's first dataflow
  std::optional<std::uint32_t> operating_point;  // index into power.operating_points; default: nominal_point
  bool power_limit = true;            // throttle to power.tdp_w (false: stay at the operating point)
};

/// Raised when the simulation stops making progress while work remains; what() lists which
/// operators and units wait on what.
class DeadlockError : public Error {
 public:
  using Error::Error;
};

SimResult simulate(const ChipConfig& chip, const Workload& workload, const SimOptions& options = {});

}  // namespace tessera
