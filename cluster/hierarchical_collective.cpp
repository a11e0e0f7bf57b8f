#include "cluster/hierarchical_collective.h"

#include <map>

#include "cluster/collective_patterns.h"
#include "cluster/ring_collective.h"

namespace tessera {

using namespace collective;

void HierarchicalCollective::build(const CollectiveCall& call, TransferGraph& g) const {
  if (call.kind != CollectiveKind::all_reduce) return;  // not supported (see supports())
  const Bytes bytes = call.bytes;
  const CollectiveOptions& opts = call.options;
  // The group's members by node, in group order; every node must hold as many.
  const std::uint32_t cpn = call.cluster.chips_per_node;
  std::vector<std::vector<std::uint32_t>> by_node;
  std::map<std::uint32_t, std::size_t> node_index;
  for (std::uint32_t c : call.group) {
    auto [it, added] = node_index.emplace(c / cpn, by_node.size());
    if (added) by_node.emplace_back();
    by_node[it->second].push_back(c);
  }
  const auto k = static_cast<std::uint32_t>(by_node.front().size());
  for (const auto& members : by_node)
    if (members.size() != k)
      throw Error("all_reduce hierarchical: needs the same number of group members on every node it spans");
  const auto nodes = static_cast<std::uint32_t>(by_node.size());
  if (nodes < 2 || k < 2) return RingCollective().build(call, g);
  std::map<std::uint32_t, Deps> state;  // per chip: what it must have received before its next phase
  // 1. reduce-scatter inside each node: each chip ends with bytes/k reduced over its node.
  for (const auto& ranks : by_node) {
    const auto last = ring(g, ranks, k - 1, bytes, {}, opts);
    for (std::uint32_t c = 0; c < k; ++c) state[ranks[c]] = last[c];
  }
  // 2. all-reduce of each shard across nodes, between the chips at the same position.
  std::map<std::uint32_t, Deps> after;
  for (std::uint32_t l = 0; l < k; ++l) {
    std::vector<std::uint32_t> ranks(nodes);
    std::vector<Deps> init(nodes);
    for (std::uint32_t m = 0; m < nodes; ++m) ranks[m] = by_node[m][l], init[m] = state[ranks[m]];
    const auto last = ring(g, ranks, 2 * (nodes - 1), bytes / k, init, opts);
    for (std::uint32_t m = 0; m < nodes; ++m) after[ranks[m]] = last[m];
  }
  // 3. all-gather inside each node.
  for (const auto& ranks : by_node) {
    std::vector<Deps> init(k);
    for (std::uint32_t c = 0; c < k; ++c) init[c] = after[ranks[c]];
    ring(g, ranks, k - 1, bytes, init, opts);
  }
}

}  // namespace tessera
