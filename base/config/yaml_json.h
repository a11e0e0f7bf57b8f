// YAML -> JSON with YAML 1.2 core-schema scalars: the one conversion used for reading YAML
// inputs as JSON trees (workloads) and for writing resolved configs into JSON results.
#pragma once

#include <nlohmann/json.hpp>
#include <yaml-cpp/yaml.h>

namespace tessera {

/// Plain scalars become null, bool, integer or floating point where they read as one; quoted
/// scalars stay strings ("007" is a string, 007 the number 7).
nlohmann::json yaml_to_json(const YAML::Node& node);

}  // namespace tessera
