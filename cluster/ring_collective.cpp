#include "cluster/ring_collective.h"

#include "cluster/collective_patterns.h"

namespace tessera {

using namespace collective;

bool RingCollective::supports(CollectiveKind kind) const {
  return kind == CollectiveKind::all_reduce || kind == CollectiveKind::all_gather ||
         kind == CollectiveKind::reduce_scatter || kind == CollectiveKind::broadcast;
}

void RingCollective::build(const CollectiveCall& call, TransferGraph& g) const {
  const auto& group = call.group;
  const auto n = static_cast<std::uint32_t>(group.size());
  const CollectiveOptions& opts = call.options;
  switch (call.kind) {
    case CollectiveKind::all_reduce: ring(g, group, 2 * (n - 1), call.bytes, {}, opts); break;
    case CollectiveKind::all_gather:
    case CollectiveKind::reduce_scatter: ring(g, group, n - 1, call.bytes, {}, opts); break;
    case CollectiveKind::broadcast: {
      // Pipelined chain root -> 1 -> ... -> n-1: slice j moves on as soon as it arrives.
      const std::vector<std::uint32_t> order = root_first(group, opts);
      const std::uint32_t k = slices_for(call.bytes, opts);
      std::vector<TransferId> prev(k);
      for (std::uint32_t h = 0; h + 1 < n; ++h)
        for (std::uint32_t j = 0; j < k; ++j)
          prev[j] = h == 0 ? g.add(order[0], order[1], piece(call.bytes, k, j))
                           : g.add(order[h], order[h + 1], piece(call.bytes, k, j), {prev[j]});
      break;
    }
    default: break;  // not supported (see supports())
  }
}

}  // namespace tessera
