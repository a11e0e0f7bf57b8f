#include "cluster/direct_collective.h"

#include "cluster/collective_patterns.h"

namespace tessera {

using namespace collective;

bool DirectCollective::supports(CollectiveKind kind) const { return kind != CollectiveKind::broadcast; }

void DirectCollective::build(const CollectiveCall& call, TransferGraph& g) const {
  const auto& group = call.group;
  const auto n = static_cast<std::uint32_t>(group.size());
  const Bytes bytes = call.bytes;
  const CollectiveOptions& opts = call.options;
  switch (call.kind) {
    case CollectiveKind::all_reduce: {
      const auto rs = direct(g, group, bytes / n, {}, opts);
      direct(g, group, bytes / n, rs, opts);
      break;
    }
    case CollectiveKind::all_gather:
    case CollectiveKind::reduce_scatter:
    case CollectiveKind::all_to_all: direct(g, group, bytes / n, {}, opts); break;
    case CollectiveKind::send_recv: {
      const std::uint32_t k = slices_for(bytes, opts);
      for (std::uint32_t j = 0; j < k; ++j)
        for (std::uint32_t i = 0; i < n; ++i) g.add(group[i], group[(i + n / 2) % n], piece(bytes, k, j));
      break;
    }
    case CollectiveKind::broadcast: break;  // not supported (see supports())
  }
}

}  // namespace tessera
