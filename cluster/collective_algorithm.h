// How a collective operation becomes point-to-point transfers: the part a new algorithm
// (e.g. a 2D torus ring, a recursive halving/doubling) replaces. Algorithms only build a
// TransferGraph; the TransferEngine times it on the fabric. collective_registry.h maps the
// --algorithm names to them.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "cluster/collectives.h"
#include "cluster/transfer_graph.h"

namespace tessera {

/// One collective to build. Everything is borrowed for the duration of the build.
struct CollectiveCall {
  const ClusterConfig& cluster;
  CollectiveKind kind;
  Bytes bytes;                               // sized as collectives.h describes (nccl-tests)
  const std::vector<std::uint32_t>& group;   // chip ids in ring order, at least 2, no repeats
  const CollectiveOptions& options;          // slicing; the broadcast root, already checked
};

class CollectiveAlgorithm {
 public:
  virtual ~CollectiveAlgorithm() = default;

  // Contract:
  //  - build() is only called for a kind supports() accepts, on a group of at least 2 chips of
  //    call.cluster (build_collective checks the group, the root and support first).
  //  - It appends to `graph` the transfers that complete the collective on every member, each
  //    with the transfers it must wait for; it never removes or changes earlier transfers
  //    (several groups may share one graph). The order of add() calls is part of the result:
  //    the engine issues ready transfers in graph order, so the same call must always add the
  //    same transfers in the same order.
  //  - Every transfer moves data between two members of the group; reductions and chip memory
  //    traffic are free. Slicing follows call.options.slice_bytes (0 = one transfer per chunk).
  //  - It may throw Error for a group it cannot handle (e.g. uneven nodes), naming the
  //    operation and algorithm. Algorithms are stateless: one instance serves every call.
  virtual void build(const CollectiveCall& call, TransferGraph& graph) const = 0;
  virtual bool supports(CollectiveKind kind) const = 0;
  virtual Algorithm id() const = 0;
  /// The --algorithm value that selects it (to_string(id())).
  std::string_view name() const { return to_string(id()); }
};

}  // namespace tessera
