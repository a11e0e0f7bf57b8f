// The serving simulation: a request stream served by replicas that batch continuously.
//
// A discrete-event simulation over iterations. Each replica runs one engine: a waiting queue,
// running sequences, a paged KV cache (blocks of `block_size` tokens) and a scheduler that
// decides, whenever the replica is free, which decode tokens and prefill chunks form the next
// iteration. The iteration's duration and energy come from IterationTimer (the cycle-level
// chip and cluster model); the engine then advances every sequence in it and starts the next
// iteration at once if there is work. A router assigns each request to a replica on arrival.
//
// Disaggregated serving (DistServe, Splitwise): prefill replicas run only prefill chunks; when a
// sequence's prompt is done (its first token out), its cache moves to a decode replica chosen by
// the same router over the decode pool, timed by KvTransferTimer on the cluster fabric, and joins
// that replica's queue as a decode once it has arrived and blocks are free.
// docs/serving.md describes how each scheduler decides a batch.
//
// Prefix caching (vLLM's automatic prefix caching, at the granularity of whole blocks): the first
// request of a prefix_id to finish prefilling its prefix leaves those blocks in a per-replica
// cache; later requests of that id map them (reference-counted) instead of computing them, and
// prefill only the rest (always at least one token). Blocks no sequence references stay cached
// until a new allocation needs them, then the least recently used prefix is evicted.
//
// Contract: deterministic (the same requests and options give bit-identical results); every
// request finishes (one that could never fit the KV cache is rejected before the run); the KV
// blocks in use never exceed the capacity and, at the end, every block is free or held by an
// unreferenced cached prefix; an iteration that
// schedules nothing while work is waiting is an internal error, never a hang.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "serving/iteration_timer.h"
#include "serving/request_stream.h"

namespace tessera {

enum class SchedulerKind {
  chunked,        // vLLM v1 / Sarathi-Serve: decodes first, prefill chunks fill the token budget
  prefill_first,  // vLLM v0 default: whole prompts run first and pause the decodes
  static_batch,   // a batch is formed, prefilled and decoded to its end before the next one
};
std::optional<SchedulerKind> parse_scheduler(const std::string& text);
const char* to_string(SchedulerKind k);

enum class RouterKind { round_robin, least_outstanding, least_kv };
std::optional<RouterKind> parse_router(const std::string& text);
const char* to_string(RouterKind k);

struct ServingOptions {
  std::uint32_t replicas = 1;               // aggregated: replicas; disaggregated: decode replicas
  std::uint32_t prefill_replicas = 0;       // > 0: disaggregated, this many prefill-only replicas
  SchedulerKind scheduler = SchedulerKind::chunked;
  RouterKind router = RouterKind::least_outstanding;
  std::uint64_t max_seqs = 256;             // sequences running at once per replica (vLLM max_num_seqs)
  std::uint64_t max_batched_tokens = 2048;  // tokens per iteration (vLLM max_num_batched_tokens)
  std::uint64_t block_size = 16;            // tokens per KV block (vLLM's default)
  double memory_reserve = 0.10;             // HBM fraction kept free (vLLM gpu_memory_utilization 0.9)
  std::uint64_t kv_blocks = 0;              // 0: from the memory left; otherwise this many blocks (what-if)
  double ttft_slo_s = 0, tpot_slo_s = 0;    // goodput: requests meeting both (0 = no limit)
  bool prefix_caching = true;               // requests sharing a prefix_id reuse its cached blocks
  std::function<void(double sim_s, std::size_t done, std::size_t total)> progress;
};

struct RequestOutcome {
  Request request;
  std::uint32_t replica = 0;
  double scheduled_s = 0;    // first iteration that included it
  double first_token_s = 0;
  double finish_s = 0;
  double max_itl_s = 0;      // longest gap between two of its tokens
  double kv_transfer_s = 0;  // disaggregated: moving its cache from the prefill to the decode replica
  std::uint32_t decode_replica = 0;  // disaggregated: where it decoded
  std::uint32_t preemptions = 0;
  std::uint64_t prefix_hit_tokens = 0;  // prompt tokens found in the prefix cache

  double queue_s() const { return scheduled_s - request.arrival_s; }
  double ttft_s() const { return first_token_s - request.arrival_s; }
  double e2e_s() const { return finish_s - request.arrival_s; }
  /// Mean time per output token after the first (0 for one-token outputs).
  double tpot_s() const {
    return request.output_tokens > 1 ? (finish_s - first_token_s) / double(request.output_tokens - 1) : 0.0;
  }
};

struct IterationRecord {
  std::uint32_t replica = 0;
  double start_s = 0, end_s = 0, energy_j = 0;
  std::uint32_t decode_seqs = 0, prefill_seqs = 0;
  std::uint64_t prefill_tokens = 0;
  std::uint64_t kv_blocks_used = 0;  // after the iteration
  std::uint32_t waiting = 0;         // queue length at its start
};

struct ServingResult {
  std::vector<RequestOutcome> requests;   // by request id
  std::vector<IterationRecord> iterations;
  std::vector<double> itl_s;              // every gap between two tokens of one request
  std::uint64_t kv_blocks = 0;            // per replica
  std::uint64_t kv_bytes_per_block = 0;   // per chip
  double weight_bytes = 0, activation_bytes = 0;  // per chip
  std::uint64_t preemptions = 0;
  std::uint64_t kv_transfers = 0;
  double kv_transfer_bytes = 0;           // per chip, all transfers
  std::uint64_t prefill_tokens_computed = 0;  // prompt tokens prefilled, recomputation included
  std::uint64_t prefix_hit_tokens = 0;        // prompt tokens found in the prefix cache instead
  double energy_j = 0;                    // all replicas: iterations + idle power while idle
  double makespan_s = 0;                  // first arrival to last finish
  std::size_t grid_points = 0;            // component grid points simulated
  double kv_blocks_peak = 0;              // one replica's peak
  double kv_blocks_mean = 0;              // time-weighted over the busy time, all replicas
  std::uint32_t chips_per_replica = 1;
};

/// KV blocks one replica holds: (HBM x (1 - reserve) - weights - activations) / block bytes.
/// Throws Error naming the sizes when nothing is left for the cache.
std::uint64_t kv_block_capacity(const ReplicaSpec& spec, const ServingOptions& options, double* weight_bytes = nullptr,
                                double* activation_bytes = nullptr);

class KvTransferTimer;

/// Runs the stream. Throws Error for bad options or a request that can never fit. Disaggregated
/// (options.prefill_replicas > 0) needs `transfer` to time the cache moves; replicas 0 ..
/// prefill_replicas - 1 prefill, the next options.replicas decode.
ServingResult simulate_serving(IterationTimer& timer, const std::vector<Request>& requests, const ServingOptions& options,
                               KvTransferTimer* transfer = nullptr);

/// Percentile by linear interpolation between order statistics (numpy's default); 0 when empty.
double percentile(std::vector<double> values, double p);

}  // namespace tessera
