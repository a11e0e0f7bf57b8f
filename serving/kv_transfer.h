// KV-cache transfers between serving replicas (disaggregated prefill and decode), timed on the
// cluster fabric model.
//
// A replica is `tp` consecutive chips of the cluster (replica r holds chips r*tp .. r*tp+tp-1).
// Moving a sequence's cache from a prefill replica to a decode replica is tp concurrent
// point-to-point transfers, one per tensor-parallel rank (rank i to rank i: each holds its
// shard), simulated on the fabric together so that they share links. The time of a pair of
// replicas is linear in the bytes (a latency plus bytes over the path's bandwidth), so each pair
// is simulated at two sizes and the line through them is used for every transfer.
#pragma once

#include <cstdint>
#include <map>
#include <utility>

#include "cluster/cluster_config.h"
#include "serving/iteration_timer.h"

namespace tessera {

class KvTransferTimer {
 public:
  /// Throws Error when the cluster has fewer than `replicas` x `tp` chips.
  KvTransferTimer(ClusterConfig cluster, std::uint32_t tp, std::uint32_t replicas, double pj_per_bit);

  /// Moving `bytes_per_chip` of KV cache from replica `from` to replica `to` (time; link energy).
  IterationCost transfer(std::uint32_t from, std::uint32_t to, double bytes_per_chip);

  static constexpr double kSmallBytes = 1 << 20, kLargeBytes = 64 << 20;

 private:
  ClusterConfig cluster_;
  std::uint32_t tp_;
  double pj_per_bit_;
  std::map<std::pair<std::uint32_t, std::uint32_t>, std::pair<IterationCost, IterationCost>> fits_;  // at small, large
};

}  // namespace tessera
