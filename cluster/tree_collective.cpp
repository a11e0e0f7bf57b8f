#include "cluster/tree_collective.h"

#include "cluster/collective_patterns.h"

namespace tessera {

using namespace collective;

bool TreeCollective::supports(CollectiveKind kind) const {
  return kind == CollectiveKind::all_reduce || kind == CollectiveKind::broadcast;
}

void TreeCollective::build(const CollectiveCall& call, TransferGraph& g) const {
  const auto& group = call.group;
  const auto n = static_cast<std::uint32_t>(group.size());
  if (call.kind == CollectiveKind::all_reduce) {
    // Double binary tree: each tree reduces and broadcasts half; tree 2 is tree 1 shifted by
    // one rank, so (almost) every leaf of one tree is an inner node of the other.
    tree(g, group, 0, call.bytes / 2, true, call.options);
    tree(g, group, 1, call.bytes - call.bytes / 2, true, call.options);
  } else if (call.kind == CollectiveKind::broadcast) {
    // Root at position 0 of the tree: shift the in-order tree so its root holds the root chip.
    int root = 0;
    binary_tree(n, root);
    tree(g, root_first(group, call.options), (n - std::uint32_t(root)) % n, call.bytes, false, call.options);
  }
}

}  // namespace tessera
