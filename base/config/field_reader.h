// Strict reading of workload-side input files (operator lists, traces, model cards,
// scenarios). Every file becomes a JSON tree (YAML is converted), and each map is read with
// a FieldReader, so every error names the file, the key path and what was expected, and
// keys nobody read are rejected instead of silently ignored.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <set>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>
#include <yaml-cpp/yaml.h>

// Own namespace: other parts of Tessera have YAML/JSON helpers of their own.
namespace tessera::input {


/// Reads a YAML or JSON file (JSON is tried first when the text starts with '{' or '[').
/// Throws Error naming the file and, for syntax errors, the line.
nlohmann::json read_tree_file(const std::string& path);

/// Reads the keys of one JSON object. Contract: every accessor marks its key as read;
/// finish() then rejects the keys that were not read. Null values count as absent.
class FieldReader {
 public:
  /// Throws Error if `obj` is not an object. `path` is the key path of `obj` ("" for the root).
  FieldReader(const nlohmann::json& obj, std::string source, std::string path);

  bool has(std::string_view key) const;

  std::string string(std::string_view key);
  std::optional<std::string> opt_string(std::string_view key);
  /// Whole numbers >= `min`; an integral floating-point value (1e9) is accepted.
  std::uint64_t uint(std::string_view key, std::uint64_t min = 0);
  std::optional<std::uint64_t> opt_uint(std::string_view key, std::uint64_t min = 0);
  std::int64_t integer(std::string_view key);
  std::optional<std::int64_t> opt_integer(std::string_view key);
  double number(std::string_view key);
  std::optional<double> opt_number(std::string_view key);
  bool boolean(std::string_view key);
  std::optional<bool> opt_boolean(std::string_view key);
  /// The raw value (marks the key read); throws when the key is missing.
  const nlohmann::json& value(std::string_view key);
  const nlohmann::json* opt_value(std::string_view key);
  /// Marks keys as read without interpreting them (known not to matter).
  void ignore(std::initializer_list<std::string_view> keys);

  /// Rejects unread keys: "<source>: <path>.<key>: <what>".
  void finish(std::string_view what = "unknown key") const;

  std::string key_path(std::string_view key) const;
  const std::string& source() const { return source_; }
  const std::string& path() const { return path_; }
  [[noreturn]] void fail(std::string_view key, std::string_view message) const;
  [[noreturn]] void fail_expected(std::string_view key, std::string_view expected) const;

 private:
  const nlohmann::json* find(std::string_view key);
  const nlohmann::json& obj_;
  std::string source_;
  std::string path_;
  std::set<std::string, std::less<>> read_;
};

/// Short rendering of a JSON value for error messages.
std::string brief(const nlohmann::json& v);

}  // namespace tessera::input
