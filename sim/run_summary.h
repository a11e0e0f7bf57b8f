// The per-operator rows and the summary of one run, computed the same way whether the run was
// one cycle-level simulation of the whole workload (sim/simulation.cpp) or composed from the
// operator-timing table's records (sim/table_simulation.cpp).
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include <nlohmann/json.hpp>

#include "models/config/chip_config.h"
#include "sim/power_summary.h"
#include "sim/sim_result.h"
#include "workloads/operator.h"

namespace tessera {

/// The workload as every result records it: its name, source, token and sample counts, and
/// each operator's id, kind, type, shape and dependencies.
nlohmann::json workload_json(const Workload& w);

/// A result naming the tool version, the chip config and the workload, with an empty statistics
/// registry: what every run fills in.
SimResult new_result(const ChipConfig& chip, const Workload& workload);

/// The memory one chip needs for the workload (its trace's footprint: weights, KV cache,
/// activations, gradients, optimizer state) against the chip's HBM, as summary metrics
/// memory_*_bytes, hbm_capacity_bytes and memory_fraction. Chip and cluster runs both report them.
void add_memory_summary(Summary& s, const ChipConfig& chip, const WorkloadSummary& footprint);
/// Weights + KV cache + activations + gradients + optimizer state, in bytes.
double footprint_bytes(const WorkloadSummary& f);

/// What the chip model measured for one operator.
struct OpMeasure {
  std::uint64_t start_fs = 0, end_fs = 0;
  std::uint64_t tiles = 0;
  double engine_cycles = 0;  // matrix or vector unit cycles summed over tiles
  double hbm_bytes = 0;
  double sram_bytes = 0;
};

/// Figures of the whole run that come from the units' counters.
struct RunCounters {
  double hbm_bytes_read = 0, hbm_bytes_written = 0;
  double sram_bytes = 0;  // read + written at the global SRAM banks
  double sram_hits = 0, sram_misses = 0;
  double noc_bytes = 0;
  double delta_cycles = 0;  // SystemC delta cycles of the simulations that ran

  static RunCounters of(const StatsRegistry& stats, double delta_cycles);
};

class RunSummariser {
 public:
  /// `chip` as configured, `run_chip` at the run's operating point (models/config/run_config.h).
  RunSummariser(const ChipConfig& chip, const ChipConfig& run_chip, double core_mhz, std::uint64_t core_period_fs);

  /// The operator's result row; also accumulates the run's totals. Call in workload order.
  OpResult row(const Operator& op, const OpMeasure& m);

  /// The summary metrics, in the order every report shows them. Call after the last row.
  void summarise(Summary& s, const Workload& workload, const RunCounters& counters, const PowerFigures& power,
                 std::uint32_t point, bool compute_only) const;

  std::uint64_t end_fs() const { return end_fs_; }

 private:
  const ChipConfig& chip_;
  const ChipConfig& run_chip_;
  double core_mhz_;
  std::uint64_t period_fs_;
  double hbm_peak_, sram_peak_, cores_;
  std::uint64_t end_fs_ = 0;
  double total_macs_ = 0, mac_seconds_at_peak_ = 0;
  std::map<std::string, double> time_by_bound_;
  std::map<DataType, double> macs_by_dtype_;
};

}  // namespace tessera
