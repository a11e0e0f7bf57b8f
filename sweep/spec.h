// A design-space sweep spec: a base chip (and optionally a base cluster), a workload, the
// parameters to vary (by chip key path, or cluster key path with the `cluster.` prefix) and how
// to sample them, constraints, and what to keep. docs/sweeps.md describes the YAML.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "sim/simulation.h"
#include "sweep/expression.h"

namespace tessera::sweep {

enum class Mode { grid, list, random, lhs };
const char* to_string(Mode m);

enum class Scale { linear, log };

/// One value a parameter takes: `text` is what the chip override gets ("32MiB", "6.4", "mesh");
/// `number` its numeric value when it has one (byte sizes in bytes).
struct Value {
  std::string text;
  std::optional<double> number;
};

/// Key paths that start with this address the cluster config ("cluster.scale_out.nic_gb_per_s");
/// every other key path addresses the chip.
inline constexpr std::string_view kClusterPrefix = "cluster.";
inline bool is_cluster_key(std::string_view key) { return key.starts_with(kClusterPrefix); }

struct Parameter {
  std::string key;               // chip key path, e.g. "cores[*].matrix.rows" (or a cluster. path)
  std::vector<Value> values;     // the `values:` form
  // The range form (min/max): sampled (random, lhs) or spaced (grid).
  bool is_range = false;
  double min = 0, max = 0;
  Scale scale = Scale::linear;
  bool integer = false;          // values rounded to whole numbers (inferred from the chip, or `type`)
  double step = 0;               // > 0: values are min + k * step
  std::uint32_t count = 0;       // grid: number of evenly spaced values
  std::string unit;              // "B" when the bounds were byte sizes
};

/// A chip key set on every point from an expression over the point's values (`computed:`).
struct Computed {
  std::string key;
  Expression expr;
};

/// An extra table column computed from parameters, metrics and chip keys (`derived:`).
struct Derived {
  std::string name;
  Expression expr;
};

struct ParetoAxis {
  std::string column;  // a metric, derived metric, parameter or computed key
  bool maximise = true;
};

struct SweepSpec {
  std::string source;       // the spec file (for errors)
  std::string text;         // its contents, recorded in the results
  std::string name;
  std::string description;
  std::string chip;         // chip name or path, as written in the spec (or the cluster's chip)
  std::vector<std::string> set;  // chip overrides applied to every point ("key=value"): the spec's, then --set
  std::string chip_path;    // the chip file it resolved to
  YAML::Node chip_tree;     // that file's tree with `set` applied: the base of every point
  // Multi-chip sweeps: every point runs one step of the workload's parallel layout on a cluster.
  std::string cluster;      // cluster name or path, as written; empty: single-chip points
  std::vector<std::string> cluster_set;  // cluster overrides ("key=value", no prefix): cluster_set, then
                                         //   the `cluster.` entries of set and --set
  std::string cluster_path; // the cluster file it resolved to
  YAML::Node cluster_tree;  // that file's tree with cluster_set applied
  // The workload: a file or shipped name, or a model card + scenario.
  std::string workload;
  std::string model, scenario;
  std::optional<std::string> dataflow;
  bool compute_only = false;
  Fidelity fidelity = Fidelity::cycle;  // how each point is timed (sim/simulation.h)
  Mode mode = Mode::grid;
  std::uint64_t samples = 0;  // random, lhs
  std::uint64_t seed = 0;     // random, lhs
  std::vector<Parameter> parameters;
  std::vector<Computed> computed;
  std::vector<Expression> constraints;
  std::vector<std::string> metrics;  // summary keys to keep; empty = every key the points produce
  std::vector<Derived> derived;
  std::optional<std::array<ParetoAxis, 2>> pareto;

  /// What the workload is, for reports: the file/name, or "model @ scenario".
  std::string workload_label() const;

  bool has_cluster() const { return !cluster.empty(); }
  /// The tree a point's key paths address: a copy of the base chip, with a copy of the base
  /// cluster under `cluster` when the spec has one (so `cluster.` paths resolve in it).
  YAML::Node point_tree() const;
  /// Applies one "key=value" override to a point_tree(); errors name the chip or cluster file.
  void apply(YAML::Node& point_tree, const std::string& assignment) const;
};

/// Splits a point_tree() (which it changes) into the chip tree (returned) and the cluster tree
/// (into `cluster`; null when there is none).
YAML::Node split_point_tree(YAML::Node point_tree, YAML::Node& cluster);

/// Reads and validates a spec file. Relative chip, cluster and workload paths are looked up next
/// to the spec first. Errors name the file, the line, the key path and what was expected. The
/// key paths are checked against the base chip or cluster (an unknown path lists the nearest
/// valid ones). `extra_set` (the command line's --set) is applied after the spec's own `set`.
SweepSpec load_sweep_spec(const std::string& path, const std::vector<std::string>& extra_set = {});

/// The same from an already-loaded tree; `base_dir` is where relative paths are looked up.
SweepSpec parse_sweep_spec(const YAML::Node& root, const std::string& source, const std::string& base_dir,
                           const std::string& text = "", const std::vector<std::string>& extra_set = {});

}  // namespace tessera::sweep
