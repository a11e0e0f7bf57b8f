// One step of a parallel workload (a training step, a prefill, decode steps) on a cluster.
//
// The trace generator describes one chip of the layout with every pipeline stage's operators;
// every tensor-, data- and expert-parallel rank of a stage runs the same operators on the same
// shapes. The step simulator replays that trace for one representative chip per stage:
//   - compute operators take the time the cycle-level chip model gives them (OpTimer: each
//     distinct operator simulated once);
//   - collectives take the time the SystemC fabric gives them, simulated with every group of the
//     stage running the same collective at once, so groups that share links contend (each
//     distinct collective and placement simulated once);
//   - each chip issues its work in trace order on in-order streams, as Megatron-LM does: the
//     compute stream (operators, and the blocking tensor- and expert-parallel collectives), a
//     data-parallel stream (gradient reductions, overlapping the backward pass) and a pipeline
//     stream (sends between stages). An operator starts when its dependencies have finished and
//     its stream is free.
// With `symmetric = false` every chip of the layout gets its own streams and every collective
// waits for all its members, which is the reference the symmetric shortcut is tested against.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cluster/cluster_config.h"
#include "cluster/collectives.h"
#include "cluster/op_timer.h"
#include "cluster/parallel_layout.h"
#include "models/config/chip_config.h"
#include "sim/sim_result.h"
#include "sim/simulation.h"
#include "workloads/operator.h"

namespace tessera {

struct StepOptions {
  SimOptions chip;                      // operating point and power limit of every chip
  bool symmetric = true;                // one representative chip per pipeline stage
  bool record_timeline = false;         // keep per-operator tracks for the Perfetto trace
  std::optional<Algorithm> all_reduce;  // default: hierarchical (a flat ring inside one node)
  Bytes slice_bytes = 1 << 20;          // collective pipelining slice (see CollectiveOptions)
  /// Progress: called with a short description after each chip or fabric simulation.
  std::function<void(const std::string&)> progress;
};

/// What one pipeline stage's representative chip did over the step.
struct StageReport {
  double compute_busy_s = 0;    // time spent in compute operators
  double optimizer_busy_s = 0;  // of which in the optimizer step (phase "optimizer")
  std::map<std::string, double> collective_busy_s;  // time in collectives, per group ("tp", "dp", "pp", ...)
  double energy_j = 0;                     // one chip: its operators' energy + idle power while idle
  double flops = 0;                        // one chip
  std::size_t operators = 0;
};

struct StepReport {
  ParallelLayout layout;
  std::uint32_t cluster_chips = 0;
  double step_s = 0;           // the step's simulated time
  double step_no_comm_s = 0;   // the same replay with every collective free (compute and bubbles only)
  double tokens = 0;           // tokens processed by the whole layout in one step
  double samples = 0;
  double flops = 0;            // all chips of the layout
  double chip_energy_j = 0;    // all chips of the layout
  double link_energy_j = 0;    // chip-to-chip links
  double idle_power_w = 0;     // one chip
  std::vector<StageReport> stages;
  // Per operator of the trace (representative chip of its stage).
  std::vector<double> start_s, end_s, energy_j;
  std::vector<std::string> stream;
  std::vector<const OpTiming*> timing;          // null for collectives
  std::vector<CollectiveResult> collective;     // per operator; empty result for compute operators
  std::size_t distinct_ops = 0, distinct_collectives = 0, extrapolated_ops = 0;
  bool symmetric = true;
  double wall_s = 0;

  double energy_j_total() const { return chip_energy_j + link_energy_j; }
  /// Fraction of the step the stages' compute streams sit idle, over the replay without
  /// communication: the pipeline bubble (plus any load imbalance between stages).
  double bubble_fraction() const;
};

class StepSimulator {
 public:
  StepSimulator(ClusterConfig cluster, ChipConfig chip, StepOptions options);
  /// Shares another simulator's operator timings (the same chip and chip options): sizing runs
  /// many layouts whose operators repeat.
  StepSimulator(ClusterConfig cluster, std::shared_ptr<OpTimer> op_timer, StepOptions options);

  /// Simulates one step of `trace` (a generated trace of the layout) on the cluster.
  StepReport run(const Workload& trace, const ParallelLayout& layout);

  /// The report as a SimResult, for the table, JSON, HDF5 and Perfetto reporters.
  SimResult to_result(const Workload& trace, const StepReport& report) const;

  const ClusterConfig& cluster() const { return cluster_; }
  const ChipConfig& chip() const { return op_timer_->chip(); }
  OpTimer& op_timer() { return *op_timer_; }
  std::shared_ptr<OpTimer> shared_op_timer() const { return op_timer_; }

  /// The stream an operator runs on: "compute", or "dp" / "pp" for data-parallel and pipeline
  /// collectives ("edp" shares the "dp" stream).
  static std::string stream_of(const Operator& op);

  using Dependencies = std::vector<std::vector<std::uint32_t>>;  // per operator: indices of its dependencies

 private:
  /// Chips after which the scale-out fabric's structure repeats (whole leaves of nodes).
  std::uint32_t scale_out_period_chips() const;
  const CollectiveResult& time_collective(const Operator& op, const ParallelLayout& layout);
  void replay(const Workload& trace, const Dependencies& deps, const ParallelLayout& layout, bool with_comm,
              StepReport& rep);
  void replay_all_chips(const Workload& trace, const Dependencies& deps, const ParallelLayout& layout, StepReport& rep);

  ClusterConfig cluster_;
  std::shared_ptr<OpTimer> op_timer_;
  StepOptions options_;
  std::map<std::string, CollectiveResult> collectives_;
};

}  // namespace tessera
