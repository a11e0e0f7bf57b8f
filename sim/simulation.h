// Runs one workload on one chip and returns the results. Each cycle-level simulation builds its
// own SystemC kernel context, so calls are independent and may follow one another in one process.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "models/config/chip_config.h"
#include "sim/sim_result.h"
#include "workloads/operator.h"

namespace tessera {

class OpTable;

/// How a workload is timed (docs/model.md, "Fidelity levels").
enum class Fidelity {
  cycle,       // cycle level, each distinct operator simulated once (the operator-timing table)
  cycle_full,  // cycle level, every operator of the workload in one simulation
};
std::optional<Fidelity> parse_fidelity(const std::string& text);
const char* to_string(Fidelity f);

struct SimOptions {
  bool compute_only = false;          // memories with infinite bandwidth (matrix timing alone)
  bool record_timeline = false;       // fill SimResult::timeline (for --trace-out); implies cycle_full
  std::optional<Dataflow> dataflow;   // default: the chip's first dataflow
  std::optional<std::uint32_t> operating_point;  // index into power.operating_points; default: nominal_point
  bool power_limit = true;            // throttle to power.tdp_w (false: stay at the operating point)
  bool beyond_capacity = false;       // simulate a workload whose footprint exceeds the chip's HBM
  Fidelity fidelity = Fidelity::cycle;
  OpTable* op_table = nullptr;        // fidelity cycle: the table to read and fill (default: shared_op_table())
};

/// Raised when the simulation stops making progress while work remains; what() lists which
/// operators and units wait on what.
class DeadlockError : public Error {
 public:
  using Error::Error;
};

/// Empty when the workload's memory footprint (weights, KV cache, activations, gradients and
/// optimizer state, as its trace records them) fits the chip's HBM; otherwise why not, with
/// the sizes.
std::string capacity_problem(const ChipConfig& chip, const Workload& workload);

/// The longest run the SystemC clock can hold: 2^64 fs is 18,446.7 s of simulated time.
inline constexpr double kMaxSimulatedSeconds = 18446.0;

/// Times `workload` on `chip` at the fidelity the options ask for. Throws Error when the work
/// needs more simulated time than kMaxSimulatedSeconds even at the chip's peak rates, or when
/// it does not fit the chip's memory (capacity_problem(); unless options.beyond_capacity). Fidelity cycle falls back to
/// one whole simulation (and says so in the summary) when the workload's operators may overlap
/// or a timeline was asked for.
SimResult simulate(const ChipConfig& chip, const Workload& workload, const SimOptions& options = {});

/// Every counter of every unit at one instant: values[g][k] is stat k of registry group g;
/// energy[path] is the (dynamic, static) pJ the unit has drawn so far; throttled_s the time
/// spent below the requested operating point so far.
struct StatsSnapshot {
  std::uint32_t at_op_start = 0;  // taken when this operator starts
  bool taken = false;
  std::vector<std::vector<double>> values;
  std::map<std::string, std::pair<double, double>> energy;
  double throttled_s = 0;
};

/// One cycle-level simulation of the whole workload (fidelity cycle_full). With `snapshot`,
/// also records the counters when operator snapshot->at_op_start starts.
SimResult simulate_whole(const ChipConfig& chip, const Workload& workload, const SimOptions& options,
                         StatsSnapshot* snapshot = nullptr);

}  // namespace tessera
