// Hierarchical all_reduce: ring reduce-scatter in each node, ring all-reduce across nodes
// between the chips of the same local rank, ring all-gather in each node. A group inside one
// node (or with one member per node) gets the flat ring.
#pragma once

#include "cluster/collective_algorithm.h"

namespace tessera {

class HierarchicalCollective final : public CollectiveAlgorithm {
 public:
  void build(const CollectiveCall& call, TransferGraph& graph) const override;
  bool supports(CollectiveKind kind) const override { return kind == CollectiveKind::all_reduce; }
  Algorithm id() const override { return Algorithm::hierarchical; }
};

}  // namespace tessera
