// Cluster sizing: how many chips, in which parallel layout, meet a training or serving target.
//
// The search enumerates layouts, rejects those whose per-chip memory (weights, gradients,
// optimizer state, activations, KV cache) exceeds the chip's HBM, prunes those whose optimistic
// bound (peak FLOP/s and HBM bandwidth, pipeline bubble) already misses the target or a limit,
// simulates the most promising of the rest on the cluster model (StepSimulator), and marks the
// Pareto front over chips, throughput, latency, power and hardware cost. docs/cluster.md
// describes the targets, the search space and the serving model.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "cluster/cluster_config.h"
#include "cluster/parallel_layout.h"
#include "models/config/chip_config.h"
#include "workloads/model_card.h"
#include "workloads/scenario.h"

namespace tessera {

enum class SizingKind { training, serving };

struct SizingTarget {
  SizingKind kind = SizingKind::training;
  // Training: train `train_tokens` tokens in `days` days.
  double train_tokens = 0;
  double days = 0;
  // Serving: `requests_per_s` requests of `prompt` prompt tokens and `output` generated tokens,
  // time to first token <= ttft_ms and time per output token <= tpot_ms (0 = no limit).
  double requests_per_s = 0;
  std::uint64_t prompt = 0, output = 0;
  double ttft_ms = 0, tpot_ms = 0;

  /// Tokens per second (training) or requests per second (serving) the target needs.
  double required_throughput() const;
};

struct SizingLimits {
  std::uint32_t max_chips = 16384;
  double max_power_kw = 0;        // 0 = no limit; chips' average power while running
  double max_hardware_cost = 0;   // 0 = no limit; in the price's currency
};

struct SizingOptions {
  ModelCard model;
  Scenario scenario;             // training: seq_len, global_batch, dtypes; serving: dtypes, attention
  ChipConfig chip;
  ClusterConfig fabric;          // node and fabric template: the node count is set per candidate
  double chip_price = 0;         // hardware cost per chip (0 = unknown: no cost column)
  std::string currency = "USD";
  std::uint32_t max_simulations = 12;  // candidates simulated, at most
  std::function<void(const std::string&)> progress;
};

struct SizingCandidate {
  ParallelLayout layout;
  std::uint64_t micro_batch = 1;  // training
  bool recompute = false;         // training
  std::uint32_t zero = 0;         // training
  std::uint64_t batch = 0;        // serving: sequences per replica
  std::uint32_t replicas = 1;     // serving: copies of the tp x pp replica
  std::uint32_t chips = 0;
  std::string status;             // "simulated", "rejected" (memory), "pruned" (bound or limit), "not simulated", "failed"
  std::string reason;
  double memory_bytes = 0;        // per chip, fullest pipeline stage
  double bound_throughput = 0;    // optimistic: tokens/s (training) or requests/s (serving)
  double estimate = 0;            // ranking only: training adds tensor-parallel communication to the bound; serving = bound
  // Simulated figures.
  double throughput = 0;          // tokens/s (training) or requests/s (serving), whole deployment
  double step_s = 0;              // training: one optimizer step
  // Serving: one request's prefill; the time to first token of the batch's last request (its
  // batch x prefill: the formula prefills a batch's requests one after another); the decode step.
  double prefill_s = 0, ttft_s = 0, tpot_s = 0;
  double power_w = 0;             // average, all chips
  double energy_per_token_j = 0;
  double hardware_cost = 0;       // chips x chip price
  double flops_utilisation = 0;
  bool meets_target = false;
  bool within_limits = false;
  bool pareto = false;

  std::string describe() const;   // "tp=8 pp=4 dp=16 mb=1 zero=1" / "tp=4 pp=1 batch=64 x 3 replicas"
  double latency_s() const { return step_s > 0 ? step_s : tpot_s; }
};

struct SizingResult {
  SizingKind kind = SizingKind::training;
  double required_throughput = 0;
  std::string throughput_unit;    // "tokens/s" or "requests/s"
  std::vector<SizingCandidate> candidates;  // every layout considered, simulated ones first
  std::optional<std::size_t> recommended;   // index into candidates
  std::size_t simulated = 0, rejected = 0, pruned = 0;
};

/// Runs the search. Throws Error for a target or template it cannot work with.
SizingResult size_cluster(const SizingOptions& options, const SizingTarget& target, const SizingLimits& limits);

}  // namespace tessera
