// Iteration times of a serving replica, from the cycle-level chip (and cluster) model.
//
// An iteration (one forward pass of a continuous-batching engine) is a list of SequenceGroups:
// decode sequences (one new token each) and prefill chunks. Its cost is built from components
// that were each measured on the cycle-level model at grid points and interpolated between them:
//   - the token-parallel part (embedding, every layer's projections, MLP, norms, residuals and,
//     on a TP replica, the collectives) as a function of the tokens in the batch T;
//   - the logits head as a function of the sequences that sample n (grid: powers of four; the
//     head is memory-bound and flat up to a few hundred rows);
//   - attention, per group, as a function of (sequences, keys) for decodes and of (chunk
//     tokens, keys) for prefill chunks; all decode sequences of an iteration form one group at
//     their mean context (the KV bytes read are exact; docs/serving.md).
// Grid points are geometric: sequences and chunk lengths on 1, 2, 3, 4, 6, 8, 12, ... (powers of
// two and 1.5 x powers of two), key counts on powers of two; tokens the same up to the row tile q
// that the mapper picks for the weight GEMMs, then both ends of each step of q (k q + 1 and
// (k + 1) q: the GEMMs' time jumps right after each multiple of the tile); values in between are
// interpolated linearly (bilinearly for attention). A grid point is simulated when first needed,
// on a chip replica as one simulation of the component's operators (one layer's, times the
// layers), kept in the operator-timing table (sim/op_table.h), so that a persistent --op-cache
// makes a second run fast. Decode attention that would move more than
// kAttentionSampleBytes per layer is simulated on fewer sequences and extended linearly in the
// sequence count (it is bandwidth-bound there).
// simulate() times the same iteration directly, every operator in one cycle-level simulation
// (fidelity cycle-full; the cluster model for a TP replica): the reference that
// tests/test_serving.cpp holds the interpolation to (within 3%).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "cluster/cluster_config.h"
#include "models/config/chip_config.h"
#include "sim/simulation.h"
#include "workloads/model_card.h"
#include "workloads/scenario.h"
#include "workloads/trace_generator.h"

namespace tessera {

class StepSimulator;

struct IterationCost {
  double seconds = 0;
  double energy_j = 0;  // all chips of the replica (and its links)

  IterationCost& operator+=(const IterationCost& o) {
    seconds += o.seconds;
    energy_j += o.energy_j;
    return *this;
  }
};

/// What a replica is: the model, its data types and tensor-parallel degree (scenario.parallel.tp;
/// pp, dp must be 1), the chip, and for tp > 1 the cluster whose first tp chips hold it.
struct ReplicaSpec {
  ModelCard model;
  Scenario scenario;
  ChipConfig chip;
  std::optional<ClusterConfig> cluster;
  SimOptions options;
  std::uint32_t chips() const { return static_cast<std::uint32_t>(scenario.parallel.tp); }
};

class IterationTimer {
 public:
  explicit IterationTimer(ReplicaSpec spec);
  ~IterationTimer();

  /// The iteration's cost from the interpolated components (simulating grid points it lacks).
  IterationCost cost(const std::vector<SequenceGroup>& groups);
  /// The iteration simulated directly, all its operators in one simulation (the reference for cost()).
  IterationCost simulate(const std::vector<SequenceGroup>& groups);

  /// Power of the whole replica while it has no work.
  double idle_power_w() const { return idle_power_w_; }
  /// KV-cache bytes one token takes on one chip of the replica.
  Bytes kv_bytes_per_token() const { return kv_bytes_per_token_; }
  const ReplicaSpec& spec() const { return spec_; }
  std::size_t grid_points_simulated() const { return simulated_points_; }

  static constexpr double kAttentionSampleBytes = 256.0 * (1 << 20);

  /// The grid values at and around x: lo <= x <= hi (lo == hi when x is a grid value).
  static std::pair<std::uint64_t, std::uint64_t> bracket(std::uint64_t x);
  /// The dense part's token grid: geometric up to `quantum` (the mapper's row tile), then the
  /// two ends of each step (k q + 1 and (k + 1) q), since the time jumps right after each multiple.
  static std::pair<std::uint64_t, std::uint64_t> bracket_tokens(std::uint64_t tokens, std::uint64_t quantum);
  /// The same on the grid of key counts, powers of two (attention is linear in the keys).
  static std::pair<std::uint64_t, std::uint64_t> bracket_pow2(std::uint64_t x);
  /// The same on the logits head's coarser grid, powers of four.
  static std::pair<std::uint64_t, std::uint64_t> bracket_pow4(std::uint64_t x);

 private:
  struct Components {
    IterationCost dense, head, attention;
    IterationCost total() const {
      IterationCost t = dense;
      t += head;
      t += attention;
      return t;
    }
  };
  /// A TP replica: runs the trace on the cluster model and splits its operators' costs into components.
  Components measure_on_cluster(const Workload& trace);
  /// The cost of `w`'s operators run together: one simulation (a chip replica; kept in the
  /// operator-timing table) or the cluster model (a tensor-parallel replica).
  IterationCost whole_cost(const Workload& w);
  IterationCost dense_at(std::uint64_t tokens);  // grid point
  IterationCost head_at(std::uint64_t seqs);     // grid point
  IterationCost decode_attention_at(std::uint64_t seqs, std::uint64_t kv);
  IterationCost prefill_attention_at(std::uint64_t q, std::uint64_t kv);
  IterationCost attention_point(std::uint64_t seqs, std::uint64_t q, std::uint64_t kv);
  IterationCost dense(std::uint64_t tokens);
  IterationCost head(std::uint64_t seqs);
  IterationCost attention(const SequenceGroup& g);

  ReplicaSpec spec_;
  std::unique_ptr<StepSimulator> step_;  // tp > 1
  double idle_power_w_ = 0;
  Bytes kv_bytes_per_token_ = 0;
  std::map<std::uint64_t, IterationCost> dense_points_;  // by T
  std::map<std::uint64_t, IterationCost> head_points_;  // by sampled sequences
  std::map<std::tuple<std::uint64_t, std::uint64_t, std::uint64_t>, IterationCost> attention_points_;
  std::size_t simulated_points_ = 0;
  std::string config_key_;
  std::uint64_t quantum_ = 0;
  std::uint64_t token_quantum();
};

}  // namespace tessera
