// Direct algorithms: every rank sends its piece straight to every other (all_to_all,
// all_gather, reduce_scatter; all_reduce = direct reduce-scatter + direct all-gather);
// send_recv: rank i sends bytes to rank (i + n/2) mod n.
#pragma once

#include "cluster/collective_algorithm.h"

namespace tessera {

class DirectCollective final : public CollectiveAlgorithm {
 public:
  void build(const CollectiveCall& call, TransferGraph& graph) const override;
  bool supports(CollectiveKind kind) const override;
  Algorithm id() const override { return Algorithm::direct; }
};

}  // namespace tessera
