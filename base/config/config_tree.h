// Generic helpers over YAML config trees: --set overrides with "did you mean" suggestions,
// and a reader that validates keys and values with errors naming file and key path.
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <yaml-cpp/yaml.h>

namespace tessera {

/// Parses a byte size: a whole number ("4096") or a number with a binary suffix
/// B, KiB, MiB, GiB, TiB (powers of 1024): "228KiB", "1.5MiB", "50 MiB". The result must be a
/// whole number of bytes. Decimal suffixes (kB, MB, GB) are rejected as ambiguous. nullopt if invalid.
std::optional<std::uint64_t> parse_byte_size(std::string_view text);

/// Levenshtein edit distance.
std::size_t edit_distance(std::string_view a, std::string_view b);

/// Up to `n` of `candidates` nearest to `word` by edit distance (ties: alphabetical).
std::vector<std::string> nearest_matches(std::string_view word, const std::vector<std::string>& candidates,
                                         std::size_t n = 5);

/// The candidate a user most likely meant by `word`: the nearest one if it is close (edit distance
/// <= max(2, length/3)) or one contains the other; nullopt if nothing is plausibly meant.
std::optional<std::string> did_you_mean(std::string_view word, const std::vector<std::string>& candidates);

/// All leaf key paths in `root`, e.g. "hbm.timing.tRCD", "cores[0].matrix.rows". A list of
/// scalars (e.g. "cores[0].matrix.dataflows") is one leaf; a list of maps is descended per element.
std::vector<std::string> leaf_key_paths(const YAML::Node& root);

/// `path` with every list index written as [*]: "cores[3].x" -> "cores[*].x".
std::string star_indices(const std::string& path);

/// The nodes `path` ("a.b[1].c", "cores[*].matrix.rows") names in `root`, one per list element
/// for [*]; empty when the path is malformed or a step of it does not exist.
std::vector<YAML::Node> find_key_nodes(const YAML::Node& root, std::string_view path);

/// Up to `n` leaf key paths of `root`, and names in `extra`, nearest to `path`, for "nearest
/// valid: ..." in errors. When `path` uses [*], the leaves are offered with [*] indices too.
std::vector<std::string> nearest_key_paths(std::string_view path, const YAML::Node& root,
                                           const std::vector<std::string>& extra = {}, std::size_t n = 5);

/// Applies "a.b[1].c=value" (value parsed as YAML scalar/flow) to `root`. `[*]` applies to every
/// element of a list. Only existing keys can be overridden: an unknown path throws Error listing
/// the nearest valid paths. `source` names the config in errors. The value replaces the existing
/// node whatever its kind (the caller's validation then checks it); an empty value is an error.
void apply_override(YAML::Node& root, std::string_view assignment, const std::string& source);

/// Reads one YAML map with validation. Every error names source, the key path and what was expected.
class ConfigReader {
 public:
  ConfigReader(YAML::Node node, std::string source, std::string path = "");

  // `expected` describes the accepted value and its unit ("an integer >= 1 (systolic array rows)");
  // it appears in the error. Defined for std::string, bool, int32, int64, uint32, uint64, double.
  template <class T> T required(const std::string& key, const std::string& expected);
  template <class T> std::optional<T> optional(const std::string& key, const std::string& expected);
  /// A required byte size, as parse_byte_size() accepts it.
  std::uint64_t bytes(const std::string& key, const std::string& expected);
  ConfigReader child(const std::string& key) const;            // required nested map
  std::vector<ConfigReader> children(const std::string& key) const;  // required list of maps
  std::vector<std::string> string_list(const std::string& key, const std::string& expected) const;
  bool has(const std::string& key) const;
  /// Rejects keys of this map that were never read (unknown keys), naming them.
  void finish() const;
  /// Throws Error "<source>[:line]: <key path>: <message>"; the line is that of the key's value
  /// (or of this map when the key is missing) when the tree came from a file.
  [[noreturn]] void fail(const std::string& key, const std::string& message) const;
  /// Throws Error "... expected <expected>, got <value of key>".
  [[noreturn]] void fail_expected(const std::string& key, const std::string& expected) const;
  std::string key_path(const std::string& key) const;
  const YAML::Node& node() const { return node_; }

 private:
  YAML::Node node_;
  std::string source_;
  std::string path_;
  mutable std::set<std::string> read_;
};

}  // namespace tessera
