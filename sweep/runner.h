// Runs one design point: chip = base chip + the point's overrides, then simulate(). A point that
// fails (invalid config, simulation error, deadlock) becomes a "failed" result with its error
// text; it never stops the sweep.
#pragma once

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include "models/sim/simulation.h"
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
  /// Loads the workload once (throws tessera::Error if it cannot be read).
  explicit PointRunner(const SweepSpec& spec);
  /// Runs `point`; catches every exception into a failed result.
  PointResult run(const Point& point) const;

 private:
  const SweepSpec& spec_;
  Workload workload_;
  SimOptions options_;
};

}  // namespace tessera::sweep
