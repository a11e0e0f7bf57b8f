// Reading values out of a chip YAML tree by key path ("cores[*].matrix.rows", "hbm.data_rate_gbps"),
// for constraints, computed keys and derived metrics.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <yaml-cpp/yaml.h>

namespace tessera::sweep {

/// The number a scalar's text denotes: a plain number ("6.4", "-2", "1e9") or a byte size
/// ("32MiB" = 33554432); nullopt for anything else ("mesh").
std::optional<double> scalar_number(const std::string& text);

/// True when `text` is a whole number or a byte size (the value of an integer-valued key).
bool is_integer_text(const std::string& text);

/// The nodes `path` names in `root` ([*] gives one per list element); empty when a step of
/// the path does not exist. The one key-path walker, shared with --set: find_key_nodes().
std::vector<YAML::Node> find_nodes(const YAML::Node& root, const std::string& path);

/// The numeric value at `path`. Throws tessera::Error when the path does not exist, is not a
/// number, or (with [*]) differs between list elements.
double tree_number(const YAML::Node& root, const std::string& path);

}  // namespace tessera::sweep
