// The collective algorithms by the --algorithm name that selects them, in the order the CLI
// lists them: ring, tree, hierarchical, direct.
#pragma once

#include <string_view>
#include <vector>

#include "cluster/collective_algorithm.h"

namespace tessera {

/// The algorithm registered as `name`, or null.
const CollectiveAlgorithm* find_collective_algorithm(std::string_view name);
/// The algorithm for `id` (every Algorithm value is registered).
const CollectiveAlgorithm& collective_algorithm(Algorithm id);
/// The registered names, in registration order.
std::vector<std::string_view> collective_algorithm_names();
/// The names of the algorithms that support `kind`, in registration order.
std::vector<std::string_view> algorithms_supporting(CollectiveKind kind);

}  // namespace tessera
