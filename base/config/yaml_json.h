// YAML -> JSON with YAML 1.2 core-schema scalars: the one conversion used for reading YAML
// inputs as JSON trees (workloads) and for writing resolved configs into JSON results.
#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>
#include <yaml-cpp/yaml.h>

namespace tessera {

/// Plain scalars become null, bool, integer or floating point where they read as one; quoted
/// scalars stay strings ("007" is a string, 007 the number 7).
nlohmann::json yaml_to_json(const YAML::Node& node);

/// Throws Error "<source>:<line>:<column>: not UTF-8 text ..." when `text` is not well-formed
/// UTF-8: such bytes would otherwise reach the JSON results (whose writer rejects them) and the
/// error messages that quote them.
void require_utf8(std::string_view text, std::string_view source);

/// The same for every key and string of a parsed tree: yaml-cpp decodes a text that starts like
/// UTF-16 or UTF-32 (NUL bytes) into strings that need not be UTF-8. Errors name the scalar's
/// line and column.
void require_utf8(const YAML::Node& root, std::string_view source);

/// Reads a YAML file as `what` ("chip config"): a missing file, text that is not UTF-8 and YAML
/// syntax errors are Errors naming the file, line and column.
YAML::Node load_yaml_file(const std::string& path, std::string_view what);
/// Its two halves: the file's text (checked for UTF-8), and that text parsed (`source` names it).
std::string read_text_file(const std::string& path, std::string_view what);
YAML::Node parse_yaml_text(const std::string& text, const std::string& source);

}  // namespace tessera
