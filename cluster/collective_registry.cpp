#include "cluster/collective_registry.h"

#include "base/registry.h"
#include "cluster/direct_collective.h"
#include "cluster/hierarchical_collective.h"
#include "cluster/ring_collective.h"
#include "cluster/tree_collective.h"

namespace tessera {

namespace {
// Algorithms are stateless, so the registry holds one instance of each instead of factories.
const Registry<const CollectiveAlgorithm*>& registry() {
  static const RingCollective ring;
  static const TreeCollective tree;
  static const HierarchicalCollective hierarchical;
  static const DirectCollective direct;
  static const Registry<const CollectiveAlgorithm*> r(
      "collective algorithm",
      {{ring.name(), &ring}, {tree.name(), &tree}, {hierarchical.name(), &hierarchical}, {direct.name(), &direct}});
  return r;
}
}  // namespace

const CollectiveAlgorithm* find_collective_algorithm(std::string_view name) {
  const auto* entry = registry().find(name);
  return entry ? *entry : nullptr;
}

const CollectiveAlgorithm& collective_algorithm(Algorithm id) { return *registry().at(to_string(id), "--algorithm"); }

std::vector<std::string_view> collective_algorithm_names() { return registry().names(); }

std::vector<std::string_view> algorithms_supporting(CollectiveKind kind) {
  std::vector<std::string_view> out;
  for (std::string_view name : collective_algorithm_names())
    if (find_collective_algorithm(name)->supports(kind)) out.push_back(name);
  return out;
}

}  // namespace tessera
