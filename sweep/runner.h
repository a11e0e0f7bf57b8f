// Runs one design point: chip = base chip + the point's overrides, then simulate(); with a
// cluster, also cluster = base cluster + the point's cluster. overrides, then one step of the
// workload's parallel layout on the cluster (StepSimulator). A point that fails (invalid config,
// simulation error, deadlock, a layout larger than the cluster) becomes a "failed" result with
// its error text; it never stops the sweep.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include "cluster/op_timer.h"
#include "cluster/parallel_layout.h"
#include "sim/simulation.h"
#include "sweep/points.h"
#include "sweep/spec.h"
#include "workloads/operator.h"

namespace tessera::sweep {

struct MetricValue {
  std::string key;
  std::variant<double, std::string> value;
  std::string unit;
  bool operator==(const MetricValue&) const = default;
};

/// What one point produced. Its JSON form is one line of the journal and the message a worker
/// sends back: {"index":3,"status":"ok","wall_s":0.12,"error":"","metrics":[["seconds",1e-3,"s"],...]}.
struct PointResult {
  std::uint64_t index = 0;
  std::string status;                 // "ok" or "failed"
  std::vector<MetricValue> metrics;   // every summary metric, in the simulator's order
  std::string error;                  // why it failed
  double wall_s = 0;                  // wall time of this point in its worker

  nlohmann::json to_json() const;
  /// to_json() as one line of text (no newline); invalid UTF-8 in texts is replaced.
  std::string to_line() const;
  /// Throws tessera::Error when `j` is not a result record.
  static PointResult from_json(const nlohmann::json& j);
};

class PointRunner {
 public:
  /// Loads or generates the workload once (throws tessera::Error if it cannot be read, or, for
  /// a cluster sweep, carries no scenario to take the parallel layout from).
  explicit PointRunner(const SweepSpec& spec);
  /// Runs `point`; catches every exception into a failed result.
  PointResult run(const Point& point) const;

  /// Cluster sweeps: the layout every point runs (from the workload's scenario).
  const ParallelLayout& layout() const { return layout_; }

 private:
  /// One step on the point's cluster; throws on failure.
  std::vector<MetricValue> run_cluster(const YAML::Node& point_tree) const;

  const SweepSpec& spec_;
  Workload workload_;
  SimOptions options_;
  ParallelLayout layout_;
  // Cluster sweeps: the operator timings of the last chip config, reused while the points vary
  // only the cluster (they are a function of the chip, the options and the operator alone).
  mutable std::shared_ptr<OpTimer> timer_;
  mutable std::string timer_chip_;  // the chip tree they belong to, as YAML text
};

}  // namespace tessera::sweep
