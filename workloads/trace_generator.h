// The transformer trace generator: model card + scenario -> operator DAG (docs/workloads.md
// describes the operators each layer becomes; docs/trace-format.md the file it is saved as).
//
// Contract: the result is validated and topologically ordered; FLOPs follow the closed-form
// transformer counts (attention scores over the full s x s matrix, no causal-mask savings);
// the trace describes one chip of the scenario's parallel layout (one tensor-, data- and
// expert-parallel rank) with every pipeline stage's operators, each tagged with its stage.
#pragma once

#include <cstdint>
#include <vector>

#include "workloads/model_card.h"
#include "workloads/operator.h"
#include "workloads/scenario.h"

namespace tessera {

/// Throws Error when the scenario does not fit the model (a head count that tensor
/// parallelism does not divide, decode on an encoder, ...).
Workload generate_trace(const ModelCard& card, const Scenario& scenario);

/// One group of sequences in a serving iteration: `seqs` sequences that each run `q_len` new
/// tokens against `kv_len` keys (their cached context plus the new tokens). A decode group has
/// q_len 1; a prefill chunk q_len = chunk and kv_len = tokens already cached + chunk.
struct SequenceGroup {
  std::uint64_t seqs = 1, q_len = 1, kv_len = 1;
  bool samples = true;  // the group's last position produces logits (false: a prefill chunk before the last)

  bool operator==(const SequenceGroup&) const = default;
};

/// One iteration of a serving engine (continuous batching): every group's new tokens go through
/// the layers together (one GEMM per projection over all tokens), attention runs once per group,
/// and logits are computed for the sampling groups' last positions. The scenario supplies the data
/// types, attention fusion and parallel layout (tp; pp must be 1); its kind and sizes are ignored.
/// Throws Error for an empty iteration or a group whose q_len exceeds its kv_len.
Workload generate_iteration(const ModelCard& card, const Scenario& scenario, const std::vector<SequenceGroup>& groups);

/// KV-cache bytes one token occupies on one chip of the scenario's layout (every layer; K and V).
Bytes kv_bytes_per_token(const ModelCard& card, const Scenario& scenario);

/// Tokens routed to each of `experts` experts when `tokens` tokens each pick `top_k`: the first
/// expert is the busiest and gets max(ceil(avg), round(imbalance x avg)) tokens, capped at
/// `tokens` (avg = tokens x top_k / experts); the rest share the remaining assignments as
/// evenly as whole tokens allow. The counts always sum to tokens x top_k.
std::vector<std::uint64_t> expert_token_counts(std::uint64_t tokens, std::uint64_t experts,
                                               std::uint64_t top_k, double imbalance);

}  // namespace tessera
