// Collective operations as sequences of point-to-point transfers, timed on the cluster fabric.
//
// Sizes follow nccl-tests: `bytes` is the per-rank buffer of all_reduce, broadcast and
// send_recv, the total output of all_gather, the total input of reduce_scatter, and the
// per-rank send buffer of all_to_all. algbw = bytes / time; busbw = algbw x factor, with
// factor 2(n-1)/n (all_reduce), (n-1)/n (all_gather, reduce_scatter, all_to_all), 1 (others).
//
// Algorithms (docs/cluster.md has the step-by-step), each a CollectiveAlgorithm
// (collective_algorithm.h) registered by name in collective_registry.h:
//   ring          all_reduce = reduce-scatter + all-gather, 2(n-1) steps of bytes/n per rank;
//                 all_gather / reduce_scatter n-1 steps; broadcast = pipelined chain
//   tree          double binary tree (all_reduce: reduce up + broadcast down, each tree half
//                 the data, pipelined); broadcast: one binary tree, pipelined
//   hierarchical  all_reduce: ring reduce-scatter in each node, ring all-reduce across nodes
//                 between chips of the same local rank, ring all-gather in each node
//   direct        every rank sends its piece straight to every other (all_to_all, all_gather,
//                 reduce_scatter; all_reduce = direct reduce-scatter + direct all-gather)
// send_recv: rank i sends bytes to rank (i + n/2) mod n (every rank sends and receives once).
// Reduction arithmetic and memory traffic on the chips are not modelled (free and instant).
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "cluster/cluster_config.h"
#include "cluster/transfer_graph.h"
#include "workloads/operator.h"  // CollectiveKind, shared with workload traces

namespace tessera {

enum class Algorithm { ring, tree, hierarchical, direct };
std::string_view to_string(Algorithm a);
std::optional<Algorithm> parse_algorithm(std::string_view s);

struct CollectiveOptions {
  /// Pipelining: each chunk a step moves is split into slices of at most this many bytes, each
  /// forwarded as soon as it arrives. 0 = no slicing (one transfer per chunk per step).
  Bytes slice_bytes = 1 << 20;
  std::uint32_t root = 0;  // broadcast root (index into the group)
};

struct CollectiveResult {
  double seconds = 0;
  double algbw_bytes_per_s = 0;
  double busbw_bytes_per_s = 0;
  std::size_t transfers = 0;
  Bytes fabric_bytes = 0;   // bytes sent chip to chip (sum over transfers)
  double port_bytes = 0;    // bytes serialised by fabric ports: a transfer counts once per link it crosses
  std::uint32_t ranks = 0;
};

/// Energy the fabric's links spend on a collective: every byte crossing a link port costs
/// 8 x pj_per_bit (the chip config's power.c2c_pj_per_bit, times its dynamic_energy_scale).
inline double link_energy_j(const CollectiveResult& r, double pj_per_bit) { return r.port_bytes * 8 * pj_per_bit * 1e-12; }

/// busbw / algbw for `kind` on n ranks (nccl-tests).
double bus_factor(CollectiveKind kind, std::uint32_t n);

/// The transfers of one collective over `group` (chip ids, in ring order). Throws Error if the
/// algorithm does not support the operation.
TransferGraph build_collective(const ClusterConfig& cfg, CollectiveKind kind, Algorithm algo, Bytes bytes,
                               const std::vector<std::uint32_t>& group, const CollectiveOptions& opts = {});

/// Builds a fresh kernel context and fabric, simulates the collective and returns its time and
/// bandwidths. An empty group means every chip of the cluster.
CollectiveResult run_collective(const ClusterConfig& cfg, CollectiveKind kind, Algorithm algo, Bytes bytes,
                                std::vector<std::uint32_t> group = {}, const CollectiveOptions& opts = {});

/// Runs the same collective on several disjoint groups at once (e.g. the tensor-parallel
/// all-reduce of every data-parallel replica), all issued at time 0 on one fabric, so groups
/// that share links or switch ports contend. `seconds` is when the last group finishes; the
/// bandwidths are those of one group; transfers, fabric_bytes and port_bytes cover all groups.
/// Chunks are sliced at opts.slice_bytes, coarsened (doubling) until the whole graph has at
/// most `max_transfers` transfers, so large clusters stay tractable.
CollectiveResult run_concurrent_collectives(const ClusterConfig& cfg, CollectiveKind kind, Algorithm algo, Bytes bytes,
                                            const std::vector<std::vector<std::uint32_t>>& groups,
                                            const CollectiveOptions& opts = {}, std::size_t max_transfers = 1u << 21);

}  // namespace tessera
