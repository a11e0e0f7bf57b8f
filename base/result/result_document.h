// The one result document every job produces (run, gemm, compare, size): what the job was, the
// inputs it resolved, its metrics with units, typed tables, and child documents (compare: one
// per chip). Plain data in base/ so that the jobs in sim/ and cluster/ can build it; the
// writers in report/ turn it into the terminal table, JSON and HDF5 (docs/results.md).
#pragma once

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>
#include <yaml-cpp/yaml.h>

#include "base/io/h5_file.h"

namespace tessera {

/// One named summary figure with its unit, e.g. {"seconds", 1.2e-3, "s", "simulated time"}.
struct Metric {
  std::string key;
  std::variant<double, std::string> value;
  std::string unit;
  std::string description;
};

class Summary {
 public:
  void set(std::string key, double value, std::string unit, std::string description);
  void set_text(std::string key, std::string value, std::string description);
  double number(const std::string& key) const;  // throws std::out_of_range when absent
  const std::string& text(const std::string& key) const;
  bool has(const std::string& key) const;
  /// The number, or `fallback` when the key is absent or not a number.
  double number_or(const std::string& key, double fallback) const;
  const std::vector<Metric>& metrics() const { return metrics_; }

 private:
  Metric& slot(const std::string& key);
  std::vector<Metric> metrics_;  // in insertion order: reports keep it
};

/// One input the job resolved. A config input (`is_config`) is written as
/// {"name", "config"} in JSON and as meta/<key>_name, meta/<key>_config (YAML) in HDF5; any
/// other input as its JSON `value` (HDF5: meta/<key>, the text itself for a string, else JSON).
struct ResultInput {
  std::string key;
  bool is_config = false;
  std::string name;
  YAML::Node config;
  nlohmann::json value;

  static ResultInput config_input(std::string key, std::string name, YAML::Node config) {
    return {std::move(key), true, std::move(name), std::move(config), nullptr};
  }
  static ResultInput value_input(std::string key, nlohmann::json value) {
    return {std::move(key), false, "", YAML::Node(), std::move(value)};
  }
};

/// A scalar or string-list attribute on a document's own HDF5 group (file root or child group).
struct ResultAttribute {
  std::string name;
  std::variant<double, std::int64_t, std::string, std::vector<std::string>> value;
};

/// How the terminal writer shows a table.
enum class TableView {
  rows,        // one line per row (at most `max_rows` of them), the `shown` columns
  transposed,  // one line per column, rows across: a few rows with many columns (compare)
  hidden,      // files only
};

/// A named table of equal-length columns with units, numeric or text. The columns reuse the
/// HDF5 layer's value type (it is exactly "named columns with units"); HDF5 writes them as one
/// compound dataset, JSON as an array with one object per row.
// Default member initializers let `ResultTable{name, title, columns}` leave the rest out.
struct ResultTable {
  std::string name;
  std::string title{};       // terminal heading; the name when empty
  h5::Table columns{};
  TableView view = TableView::rows;
  std::vector<std::string> shown{};  // terminal columns, in order; all when empty
  std::size_t max_rows = 40;       // terminal rows, then "... N more rows"
  bool in_json = true;             // false: the JSON form leaves it out (a run's timeline)
  /// The JSON form when it is not one object per row (a run's units nest their stats).
  nlohmann::json json_rows{};      // null: derived from `columns`
};

struct ResultDocument {
  std::string job;               // "run", "compare", "size"
  std::string title;             // terminal header after the tool version
  std::string format;            // HDF5 root attribute "format", e.g. "tessera.results"
  std::int64_t format_version = 1;
  std::string tool_version;
  std::string name;              // a child's group name (compare: the chip)
  std::vector<ResultInput> inputs;
  Summary summary;
  std::vector<ResultTable> tables;
  std::vector<ResultDocument> children;
  /// HDF5 only: attributes on the document's own group, e.g. a compared chip's HBM peak.
  std::vector<ResultAttribute> attributes;

  const ResultInput* input(const std::string& key) const;
  const ResultTable* table(const std::string& name) const;
};

}  // namespace tessera
