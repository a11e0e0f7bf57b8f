#include "sweep/spec.h"
#include "base/config/yaml_json.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include <fmt/core.h>
#include <fmt/format.h>

#include "cluster/cluster_config.h"
#include "base/types.h"
#include "base/version.h"
#include "models/config/chip_config.h"
#include "base/config/config_tree.h"
#include "sweep/key_path.h"
#include "workloads/workload_reader.h"

namespace tessera::sweep {

namespace fs = std::filesystem;

const char* to_string(Mode m) {
  switch (m) {
    case Mode::grid: return "grid";
    case Mode::list: return "list";
    case Mode::random: return "random";
    case Mode::lhs: return "lhs";
  }
  return "?";
}

std::string SweepSpec::workload_label() const {
  if (!model.empty()) return fmt::format("{} @ {}", model, scenario);
  return workload;
}

YAML::Node SweepSpec::point_tree() const {
  YAML::Node tree = YAML::Clone(chip_tree);
  if (has_cluster()) tree["cluster"] = YAML::Clone(cluster_tree);
  return tree;
}

void SweepSpec::apply(YAML::Node& tree, const std::string& assignment) const {
  apply_override(tree, assignment, has_cluster() && is_cluster_key(assignment) ? cluster_path : chip_path);
}

YAML::Node split_point_tree(YAML::Node tree, YAML::Node& cluster) {
  cluster = YAML::Node();
  const YAML::Node& view = tree;  // a non-const lookup would add the key
  if (!tree.IsMap() || !view["cluster"].IsDefined()) return tree;
  cluster = view["cluster"];
  tree.remove("cluster");
  return tree;
}

namespace {

constexpr const char* kTopKeys =
    "name, description, chip, set, cluster, cluster_set, workload, dataflow, compute_only, fidelity, mode, samples, seed, "
    "parameters, computed, constraints, metrics, derived, pareto";

const std::vector<std::string> kTopKeyList = {
    "name",         "description", "chip",    "set",  "cluster",    "cluster_set", "workload", "dataflow",
    "compute_only", "fidelity",    "mode",    "samples", "seed", "parameters", "computed",    "constraints",
    "metrics",      "derived",     "pareto"};

/// Why a `cluster.` key path cannot be used: the spec names no cluster.
std::string no_cluster_message(const std::string& key) {
  return fmt::format("'{}' is a cluster key path (prefix '{}'), but the spec has no cluster: (add cluster: NAME, "
                     "e.g. cluster: h100-64)",
                     key, kClusterPrefix);
}

/// The cluster's `chip` only picks the default chip when the spec is read; a point's chip is
/// varied by chip key paths.
constexpr const char* kClusterChipKey = "cluster.chip";
constexpr const char* kClusterChipMessage =
    "the cluster's chip is only the default chip of the sweep; vary the chip with chip key paths, or set chip: in "
    "the spec";

/// Up to five key paths of `tree` (indices as [*] when `name` uses [*]) or names in `keys`
/// nearest to `name`.
std::vector<std::string> nearest_key_paths(const std::string& name, const YAML::Node& tree,
                                           const std::set<std::string>& keys) {
  return tessera::nearest_key_paths(name, tree, {keys.begin(), keys.end()});
}

/// A path written in the spec: next to the spec when such a file exists there, else as written
/// (a shipped name, or a path relative to the working directory).
std::string near_spec(const std::string& value, const std::string& base_dir) {
  if (value.empty() || fs::path(value).is_absolute() || base_dir.empty()) return value;
  std::error_code ec;
  const fs::path p = fs::path(base_dir) / value;
  if (fs::is_regular_file(p, ec)) return p.lexically_normal().string();
  return value;
}

/// A byte size written with a suffix ("64MiB"), not a plain number.
bool has_byte_suffix(const std::string& t) {
  return parse_byte_size(t).has_value() &&
         std::any_of(t.begin(), t.end(), [](char c) { return std::isalpha(static_cast<unsigned char>(c)); });
}

std::string line_prefix(const std::string& source, const YAML::Node& n) {
  const int line = n.Mark().line;
  return line >= 0 ? fmt::format("{}:{}", source, line + 1) : source;
}

Parameter parse_parameter(ConfigReader& r, Mode mode, const SweepSpec& spec, const YAML::Node& base_tree) {
  Parameter p;
  p.key = r.required<std::string>("key", "a chip key path, e.g. cores[*].matrix.rows, or a cluster key path, "
                                         "e.g. cluster.scale_out.nic_gb_per_s");
  const bool has_values = r.has("values");
  const bool has_range = r.has("min") || r.has("max");
  // Read every key once so that finish() can name them all.
  const auto type = r.optional<std::string>("type", "int or float");
  const auto scale = r.optional<std::string>("scale", "linear or log");
  const auto step_text = r.optional<std::string>("step", "a number > 0 (or a byte size)");
  const auto count = r.optional<std::uint32_t>("count", "a whole number >= 1 of grid values");
  const auto min_text = r.optional<std::string>("min", "a number or a byte size");
  const auto max_text = r.optional<std::string>("max", "a number or a byte size");
  if (has_values) {
    const auto texts = r.string_list("values", "a list of values (numbers, byte sizes or words)");
    if (texts.empty()) r.fail("values", "expected at least one value");
    for (const auto& t : texts) {
      if (t.empty()) r.fail("values", "expected non-empty values");
      p.values.push_back({t, scalar_number(t)});
      if (has_byte_suffix(t)) p.unit = "B";
    }
  }
  r.finish();

  // The key must name existing chip or cluster keys (apply_override's error lists the nearest ones).
  if (is_cluster_key(p.key) && !spec.has_cluster()) r.fail("key", no_cluster_message(p.key));
  if (p.key == kClusterChipKey) r.fail("key", kClusterChipMessage);
  const auto base = find_nodes(base_tree, p.key);
  {
    YAML::Node probe = YAML::Clone(base_tree);
    const std::string probe_value = has_values ? p.values.front().text : (min_text ? *min_text : "1");
    try {
      spec.apply(probe, p.key + "=" + probe_value);
    } catch (const Error& e) {
      r.fail("key", e.what());
    }
  }

  if (has_values == has_range) r.fail("", "expected either values: [...] or min: and max: (a range)");
  if (has_values) {
    for (const char* k : {"type", "scale", "step", "count"})
      if (r.has(k)) r.fail(k, "applies to a range (min/max), not to a values list");
    return p;
  }
  if (mode == Mode::list) r.fail("min", "a list sweep takes values: [...] for every parameter, not a range");
  if (!min_text || !max_text) r.fail(min_text ? "max" : "min", "a range needs both min and max");
  p.is_range = true;
  const auto lo = scalar_number(*min_text), hi = scalar_number(*max_text);
  if (!lo) r.fail_expected("min", "a number or a byte size");
  if (!hi) r.fail_expected("max", "a number or a byte size");
  p.min = *lo;
  p.max = *hi;
  if (p.min > p.max) r.fail("max", fmt::format("expected max >= min ({}), got {}", *min_text, *max_text));
  const bool bytes_bounds = has_byte_suffix(*min_text) || has_byte_suffix(*max_text);
  if (bytes_bounds) p.unit = "B";
  if (scale) {
    if (*scale == "log") p.scale = Scale::log;
    else if (*scale != "linear") r.fail_expected("scale", "linear or log");
  }
  if (p.scale == Scale::log && !(p.min > 0)) r.fail("min", "a log scale needs min > 0");
  if (type) {
    if (*type == "int" || *type == "integer") p.integer = true;
    else if (*type != "float" && *type != "real") r.fail_expected("type", "int or float");
  } else {
    // Inferred: integer when the chip's (or cluster's) value is written as a whole number or a
    // byte size, or when the bounds are byte sizes.
    bool integer_key = !base.empty();
    for (const auto& n : base) integer_key = integer_key && n.IsScalar() && is_integer_text(n.Scalar());
    p.integer = integer_key || bytes_bounds;
  }
  if (p.integer && (p.min != std::floor(p.min) || p.max != std::floor(p.max)))
    r.fail("min", fmt::format("key '{}' takes whole numbers, so min and max must be whole numbers (or say type: float)",
                              p.key));
  if (step_text) {
    const auto s = scalar_number(*step_text);
    if (!s || !(*s > 0)) r.fail_expected("step", "a number > 0 (or a byte size)");
    p.step = *s;
    if (p.integer && p.step != std::floor(p.step)) r.fail("step", "an integer key needs a whole-number step");
  }
  if (count) {
    if (mode != Mode::grid) r.fail("count", "applies to grid sweeps (random and lhs sweeps draw `samples` points)");
    if (*count < 1) r.fail_expected("count", "a whole number >= 1 of grid values");
    p.count = *count;
  }
  if (mode == Mode::grid) {
    if (!count && !step_text) r.fail("", "a range in a grid sweep needs count: N (evenly spaced values) or step: S");
    if (count && step_text && p.scale == Scale::log)
      r.fail("step", "with scale: log the grid values are spaced by count; step would only round them");
    if (!count && p.scale == Scale::log) r.fail("", "a log-scale grid range needs count: N");
  }
  return p;
}

}  // namespace

SweepSpec parse_sweep_spec(const YAML::Node& root, const std::string& source, const std::string& base_dir,
                           const std::string& text, const std::vector<std::string>& extra_set) {
  if (!root.IsMap())
    throw Error(fmt::format("{}: (top level): expected a map of sweep settings ({})", source, kTopKeys));
  ConfigReader r(root, source);
  // Unknown top-level keys (checked against every key a spec may have, not only those present).
  for (const auto& kv : root) {
    const std::string key = kv.first.Scalar();
    if (std::find(kTopKeyList.begin(), kTopKeyList.end(), key) != kTopKeyList.end()) continue;
    const auto near = did_you_mean(key, kTopKeyList);
    throw Error(fmt::format("{}: {}: unknown key '{}'{}; a sweep spec has: {}", line_prefix(source, kv.first), key, key,
                            near ? fmt::format(" (did you mean '{}'?)", *near) : "", kTopKeys));
  }
  SweepSpec s;
  s.source = source;
  s.text = text;
  s.name = r.optional<std::string>("name", "a sweep name (string)").value_or(fs::path(source).stem().string());
  s.description = r.optional<std::string>("description", "a one-line description").value_or("");
  // chip: may be left out when a cluster names its chip.
  s.cluster =
      r.optional<std::string>("cluster", "a cluster name (configs/clusters) or a cluster YAML path").value_or("");
  if (r.has("chip") || s.cluster.empty())
    s.chip = near_spec(r.required<std::string>("chip", "a chip name (configs/chips) or a chip YAML path"), base_dir);
  if (r.has("cluster_set")) {
    if (s.cluster.empty()) r.fail("cluster_set", "applies to cluster sweeps: add cluster: NAME (e.g. h100-64)");
    s.cluster_set = r.string_list("cluster_set", "a list of key.path=value cluster overrides");
  }
  // `set` and --set entries with the cluster. prefix go to the cluster, after cluster_set.
  std::vector<std::string> set_entries;
  if (r.has("set")) set_entries = r.string_list("set", "a list of key.path=value overrides");
  for (const auto& o : extra_set) set_entries.push_back(o);
  for (const auto& o : set_entries) {
    if (!is_cluster_key(o)) {
      s.set.push_back(o);
      continue;
    }
    if (s.cluster.empty()) r.fail("set", no_cluster_message(o.substr(0, o.find('='))));
    s.cluster_set.push_back(o.substr(kClusterPrefix.size()));
  }

  // workload: NAME_OR_PATH, or {model: M, scenario: S}.
  if (!r.has("workload")) r.fail_expected("workload", "a workload name or file, or {model: M, scenario: S}");
  if (root["workload"].IsMap()) {
    ConfigReader w = r.child("workload");
    s.model = w.required<std::string>("model", "a model card name or path");
    s.scenario = w.required<std::string>("scenario", "a scenario name, file or inline spec (decode:batch=16,...)");
    w.finish();
    s.model = near_spec(s.model, base_dir);
    s.scenario = near_spec(s.scenario, base_dir);
  } else {
    s.workload = near_spec(r.required<std::string>("workload", "a workload name or file, or {model: M, scenario: S}"),
                           base_dir);
  }
  if (auto df = r.optional<std::string>("dataflow", "ws, os or is")) {
    if (!parse_dataflow(*df)) r.fail_expected("dataflow", "ws, os or is");
    s.dataflow = *df;
  }
  s.compute_only = r.optional<bool>("compute_only", "true or false").value_or(false);
  if (auto f = r.optional<std::string>("fidelity", "cycle or cycle-full")) {
    if (!parse_fidelity(*f)) r.fail_expected("fidelity", "cycle or cycle-full");
    s.fidelity = *parse_fidelity(*f);
  }

  const std::string mode = r.optional<std::string>("mode", "grid, list, random or lhs").value_or("grid");
  if (mode == "grid") s.mode = Mode::grid;
  else if (mode == "list") s.mode = Mode::list;
  else if (mode == "random") s.mode = Mode::random;
  else if (mode == "lhs" || mode == "latin-hypercube") s.mode = Mode::lhs;
  else r.fail_expected("mode", "grid, list, random or lhs");
  const auto samples = r.optional<std::uint64_t>("samples", "a whole number >= 1 of points to draw");
  const auto seed = r.optional<std::uint64_t>("seed", "a whole number >= 0");
  const bool sampled = s.mode == Mode::random || s.mode == Mode::lhs;
  if (sampled) {
    if (!samples || *samples < 1) r.fail_expected("samples", "a whole number >= 1 of points to draw");
    s.samples = *samples;
    s.seed = seed.value_or(1);
  } else {
    if (samples) r.fail("samples", fmt::format("applies to random and lhs sweeps; a {} sweep has one point per "
                                               "combination", mode));
    if (seed) r.fail("seed", "applies to random and lhs sweeps");
  }

  // The base cluster, with its overrides applied; its chip is the default chip.
  if (!s.cluster.empty()) {
    s.cluster = near_spec(s.cluster, base_dir);
    try {
      s.cluster_path = resolve_cluster_path(s.cluster);
      s.cluster_tree = load_yaml_file(s.cluster_path, "cluster config");
    } catch (const YAML::Exception& e) {
      throw Error(fmt::format("{}: cannot read cluster config: {}", s.cluster_path, e.what()));
    } catch (const Error& e) {
      r.fail("cluster", e.what());
    }
    if (!s.cluster_tree.IsMap())
      r.fail("cluster", fmt::format("{}: expected a map of cluster settings", s.cluster_path));
    for (const auto& o : s.cluster_set) {
      try {
        apply_override(s.cluster_tree, o, s.cluster_path);
      } catch (const Error& e) {
        r.fail("cluster_set", e.what());
      }
    }
    if (s.chip.empty()) {
      const YAML::Node& tree = s.cluster_tree;
      if (!tree["chip"].IsDefined() || !tree["chip"].IsScalar() || tree["chip"].Scalar().empty())
        r.fail("cluster", fmt::format("{}: chip: expected a chip config name (the chip of every point; or give chip: "
                                      "in the spec)",
                                      s.cluster_path));
      // A chip file is looked up next to the cluster file first.
      s.chip = near_spec(tree["chip"].Scalar(), fs::path(s.cluster_path).parent_path().string());
    }
  }

  // The base chip, with `set` applied: key paths are checked against it.
  try {
    s.chip_path = resolve_chip_path(s.chip);
    s.chip_tree = load_yaml_file(s.chip_path, "chip config");
  } catch (const YAML::Exception& e) {
    throw Error(fmt::format("{}: cannot read chip config: {}", s.chip_path, e.what()));
  } catch (const Error& e) {
    r.fail("chip", e.what());
  }
  for (const auto& o : s.set) {
    try {
      apply_override(s.chip_tree, o, s.chip_path);
    } catch (const Error& e) {
      r.fail("set", e.what());
    }
  }

  // A cluster step needs the parallel layout, which only a generated trace carries.
  if (!s.cluster.empty() && s.model.empty()) {
    Workload w;
    try {
      w = load_workload(s.workload);
    } catch (const Error& e) {
      r.fail("workload", e.what());
    }
    if (w.summary.scenario.empty())
      r.fail("workload", fmt::format("a cluster sweep runs the parallel layout (tp, pp, dp, ep) of a generated trace: "
                                     "expected {{model: M, scenario: S}} or a trace file whose summary names its "
                                     "scenario, got '{}', an operator list without a scenario",
                                     s.workload));
  }

  const YAML::Node base_tree = s.point_tree();  // key paths are checked against it
  std::set<std::string> keys;
  for (auto& pr : r.children("parameters")) {
    Parameter p = parse_parameter(pr, s.mode, s, base_tree);
    if (!keys.insert(p.key).second) pr.fail("key", fmt::format("'{}' is already a parameter", p.key));
    s.parameters.push_back(std::move(p));
  }
  if (s.parameters.empty()) r.fail("parameters", "expected at least one parameter");
  if (s.mode == Mode::list) {
    const std::size_t n = s.parameters.front().values.size();
    for (const auto& p : s.parameters)
      if (p.values.size() != n)
        r.fail("parameters", fmt::format("a list sweep zips the values lists, so they must be the same length; "
                                         "'{}' has {} values, '{}' has {}",
                                         s.parameters.front().key, n, p.key, p.values.size()));
  }

  if (r.has("computed")) {
    const YAML::Node c = root["computed"];
    if (!c.IsMap()) r.fail_expected("computed", "a map of chip key path -> expression");
    ConfigReader cr = r.child("computed");  // checks duplicate keys
    for (const auto& kv : c) {
      const std::string key = kv.first.Scalar();
      if (!kv.second.IsScalar()) cr.fail_expected(key, "an expression (a string)");
      if (keys.count(key)) cr.fail(key, "is already a parameter");
      Expression e;
      try {
        e = Expression::parse(kv.second.Scalar(), fmt::format("computed.{}", key));
      } catch (const Error& err) {
        throw Error(fmt::format("{}: {}", line_prefix(source, kv.second), err.what()));
      }
      if (e.is_comparison()) cr.fail(key, "expected a value, not a comparison");
      if (is_cluster_key(key) && !s.has_cluster()) cr.fail(key, no_cluster_message(key));
      if (key == kClusterChipKey) cr.fail(key, kClusterChipMessage);
      YAML::Node probe = YAML::Clone(base_tree);
      try {
        s.apply(probe, key + "=1");
      } catch (const Error& err) {
        cr.fail(key, err.what());
      }
      keys.insert(key);
      s.computed.push_back({key, std::move(e)});
    }
  }

  if (r.has("constraints")) {
    const auto texts = r.string_list("constraints", "a list of comparisons, e.g. \"a * b <= 65536\"");
    for (std::size_t i = 0; i < texts.size(); ++i) {
      Expression e;
      try {
        e = Expression::parse(texts[i], fmt::format("constraints[{}]", i));
      } catch (const Error& err) {
        throw Error(fmt::format("{}: {}", line_prefix(source, root["constraints"][i]), err.what()));
      }
      if (!e.is_comparison())
        throw Error(fmt::format("{}: constraints[{}]: expected a comparison (<, <=, >, >=, ==, !=), got '{}'",
                                line_prefix(source, root["constraints"][i]), i, texts[i]));
      for (const auto& n : e.names()) {
        if (keys.count(n)) continue;
        if (is_cluster_key(n) && !s.has_cluster())
          throw Error(fmt::format("{}: constraints[{}]: {}", line_prefix(source, root["constraints"][i]), i,
                                  no_cluster_message(n)));
        if (find_nodes(base_tree, n).empty())
          throw Error(fmt::format("{}: constraints[{}]: '{}' is not a parameter, computed key, chip key or cluster "
                                  "key; nearest valid: {}",
                                  line_prefix(source, root["constraints"][i]), i, n,
                                  fmt::join(nearest_key_paths(n, base_tree, keys), ", ")));
      }
      s.constraints.push_back(std::move(e));
    }
  }

  if (r.has("metrics")) s.metrics = r.string_list("metrics", "a list of summary metric names");
  if (r.has("derived")) {
    const YAML::Node d = root["derived"];
    if (!d.IsMap()) r.fail_expected("derived", "a map of column name -> expression");
    ConfigReader dr = r.child("derived");
    for (const auto& kv : d) {
      const std::string name = kv.first.Scalar();
      if (!kv.second.IsScalar()) dr.fail_expected(name, "an expression (a string)");
      if (keys.count(name) || std::count(s.metrics.begin(), s.metrics.end(), name))
        dr.fail(name, "is already a parameter, computed key or metric");
      Expression e;
      try {
        e = Expression::parse(kv.second.Scalar(), fmt::format("derived.{}", name));
      } catch (const Error& err) {
        throw Error(fmt::format("{}: {}", line_prefix(source, kv.second), err.what()));
      }
      keys.insert(name);
      s.derived.push_back({name, std::move(e)});
    }
  }

  if (r.has("pareto")) {
    auto axes = r.children("pareto");
    if (axes.size() != 2) r.fail("pareto", fmt::format("expected two entries {{metric: M, goal: max|min}}, got {}",
                                                       axes.size()));
    std::array<ParetoAxis, 2> pa;
    for (std::size_t i = 0; i < 2; ++i) {
      pa[i].column = axes[i].required<std::string>("metric", "a metric, derived column or parameter");
      const std::string goal = axes[i].required<std::string>("goal", "max or min");
      if (goal != "max" && goal != "min") axes[i].fail_expected("goal", "max or min");
      pa[i].maximise = goal == "max";
      axes[i].finish();
      if (!s.metrics.empty() && !keys.count(pa[i].column) &&
          !std::count(s.metrics.begin(), s.metrics.end(), pa[i].column))
        axes[i].fail("metric", fmt::format("'{}' is not a kept metric, derived column or parameter", pa[i].column));
    }
    if (pa[0].column == pa[1].column) r.fail("pareto", "expected two different metrics");
    s.pareto = pa;
  }
  return s;
}

SweepSpec load_sweep_spec(const std::string& path, const std::vector<std::string>& extra_set) {
  const std::string text = read_text_file(path, "sweep spec");
  return parse_sweep_spec(parse_yaml_text(text, path), path, fs::path(path).parent_path().string(), text, extra_set);
}

}  // namespace tessera::sweep
