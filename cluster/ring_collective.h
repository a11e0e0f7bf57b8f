// Ring algorithms: all_reduce = reduce-scatter + all-gather, 2(n-1) steps of bytes/n per rank;
// all_gather / reduce_scatter n-1 steps; broadcast = a pipelined chain from the root.
#pragma once

#include "cluster/collective_algorithm.h"

namespace tessera {

class RingCollective final : public CollectiveAlgorithm {
 public:
  void build(const CollectiveCall& call, TransferGraph& graph) const override;
  bool supports(CollectiveKind kind) const override;
  Algorithm id() const override { return Algorithm::ring; }
};

}  // namespace tessera
