// Tree algorithms: all_reduce on a double binary tree (reduce up + broadcast down, each tree
// half the data, pipelined); broadcast down one pipelined binary tree.
#pragma once

#include "cluster/collective_algorithm.h"

namespace tessera {

class TreeCollective final : public CollectiveAlgorithm {
 public:
  void build(const CollectiveCall& call, TransferGraph& graph) const override;
  bool supports(CollectiveKind kind) const override;
  Algorithm id() const override { return Algorithm::tree; }
};

}  // namespace tessera
