// Per-operator timing for multi-chip runs: each distinct operator is simulated once on the
// cycle-level chip model (after a copy of itself, so that it meets the L2 state a predecessor
// leaves), and every other instance with the same shape reuses the result.
// A training step of a large model repeats a few dozen distinct operators hundreds of thousands
// of times (identical layers and micro-batches); this is the "identical layers" shortcut that
// docs/cluster.md describes and tests/test_cluster_run.cpp checks against whole-trace runs.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <unordered_map>

#include "models/config/chip_config.h"
#include "sim/simulation.h"
#include "workloads/operator.h"

namespace tessera {

/// What one operator costs on one chip, from its own simulation.
struct OpTiming {
  double seconds = 0;     // simulated time of the operator on the chip (after its warm-up copy)
  double energy_j = 0;    // chip energy over that time (dynamic + static)
  double hbm_bytes = 0;
  double sram_bytes = 0;
  double compute_s = 0;
  double ideal_s = 0;
  std::string bound_by;
  bool extrapolated = false;  // timed on shorter versions of the operator (see OpTimer)
};

class OpTimer {
 public:
  OpTimer(const ChipConfig& chip, SimOptions options);

  /// The timing of `op` (a compute operator; collectives are the fabric's business).
  const OpTiming& time(const Operator& op);

  /// Called after each new chip simulation with the number done so far.
  void on_simulated(std::function<void(std::size_t)> callback) { on_simulated_ = std::move(callback); }

  const ChipConfig& chip() const { return chip_; }

  /// Vector operators (elementwise, reduction, softmax, norms) moving more than
  /// max(kExtrapolateBytes, 4 x sample) bytes are not simulated whole: their time, energy and
  /// traffic are extended linearly from two simulations of `sample` and twice that many bytes
  /// (the rows cut down in proportion), sample = max(kSampleBytes, 4 x the global SRAM). A
  /// streaming operator's cost grows linearly with its rows once past its first tiles and the
  /// SRAM's capacity; tests/test_cluster_run.cpp checks the extension against whole runs (< 1%).
  static constexpr Bytes kExtrapolateBytes = Bytes{256} << 20;
  static constexpr Bytes kSampleBytes = Bytes{64} << 20;
  /// Changes both thresholds (tests use small ones); extrapolate_bytes 0 turns extension off.
  void set_extrapolation(Bytes extrapolate_bytes, Bytes sample_bytes) {
    extrapolate_bytes_ = extrapolate_bytes;
    sample_bytes_ = sample_bytes;
  }

 private:
  OpTiming simulate_alone(const Operator& op) const;

  ChipConfig chip_;
  SimOptions options_;
  std::unordered_map<std::string, OpTiming> cache_;
  Bytes extrapolate_bytes_ = kExtrapolateBytes, sample_bytes_ = kSampleBytes;
  std::function<void(std::size_t)> on_simulated_;
};

}  // namespace tessera
