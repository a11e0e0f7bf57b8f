// Loading and validating cluster configs (configs/clusters/*.yaml). Every key is required
// (no silent defaults), unknown keys are errors, and every error names file, key path and
// the expected value.
#include "cluster/cluster_config.h"
#include "base/config/yaml_json.h"

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <set>

#include <fmt/format.h>

#include "base/version.h"
#include "base/config/config_tree.h"

namespace tessera {
namespace {

namespace fs = std::filesystem;

std::uint32_t count_at_least(ConfigReader& r, const std::string& key, std::uint32_t min, const std::string& what) {
  const std::string expected = fmt::format("an integer >= {} ({})", min, what);
  const auto v = r.required<std::uint32_t>(key, expected);
  if (v < min) r.fail_expected(key, expected);
  return v;
}

double positive(ConfigReader& r, const std::string& key, const std::string& what) {
  const std::string expected = fmt::format("a number > 0 ({})", what);
  const auto v = r.required<double>(key, expected);
  if (!(v > 0) || !std::isfinite(v)) r.fail_expected(key, expected);
  return v;
}

double non_negative(ConfigReader& r, const std::string& key, const std::string& what) {
  const std::string expected = fmt::format("a number >= 0 ({})", what);
  const auto v = r.required<double>(key, expected);
  if (!(v >= 0) || !std::isfinite(v)) r.fail_expected(key, expected);
  return v;
}

ScaleUpConfig parse_scale_up(ConfigReader r, std::uint32_t chips_per_node) {
  ScaleUpConfig c;
  const std::string topo_expected = "one of switch, ring, torus2d, torus3d";
  const auto topo = parse_scale_up_topology(r.required<std::string>("topology", topo_expected));
  if (!topo) r.fail_expected("topology", topo_expected);
  c.topology = *topo;
  c.links_per_chip = count_at_least(r, "links_per_chip", 1, "chip-to-chip links per chip");
  c.link_gb_per_s = positive(r, "link_gb_per_s", "GB/s per link per direction");
  c.link_latency_ns = non_negative(r, "link_latency_ns", "one-way link latency, ns");
  if (c.topology == ScaleUpTopology::switched) {
    c.switch_latency_ns = non_negative(r, "switch_latency_ns", "switch traversal latency, ns");
  } else if (c.topology == ScaleUpTopology::ring) {
    if (chips_per_node < 2) r.fail("topology", "a ring needs chips_per_node >= 2");
    if (c.links_per_chip % 2 != 0)
      r.fail_expected("links_per_chip", "an even number (a ring splits the links between 2 neighbours)");
  } else {
    const std::uint32_t rank = c.topology == ScaleUpTopology::torus2d ? 2 : 3;
    const std::string expected = fmt::format("a list of {} integers >= 2 whose product is chips_per_node ({})",
                                             rank, chips_per_node);
    std::uint64_t product = 1;
    for (const auto& s : r.string_list("dims", expected)) {
      char* end = nullptr;
      const unsigned long v = std::strtoul(s.c_str(), &end, 10);
      if (s.empty() || *end != '\0' || v < 2 || v > 1u << 20) r.fail_expected("dims", expected);
      c.dims.push_back(static_cast<std::uint32_t>(v));
      product *= v;
    }
    if (c.dims.size() != rank || product != chips_per_node) r.fail_expected("dims", expected);
    if (c.links_per_chip % (2 * rank) != 0)
      r.fail_expected("links_per_chip",
                      fmt::format("a multiple of {} (the links are split evenly between 2 x {} neighbours)", 2 * rank,
                                  rank));
  }
  r.finish();
  return c;
}

ScaleOutConfig parse_scale_out(ConfigReader r, std::uint32_t nodes, std::uint32_t chips_per_node) {
  ScaleOutConfig c;
  const std::string topo_expected = "one of none, fat_tree, rail_optimized";
  const auto topo = parse_scale_out_topology(r.required<std::string>("topology", topo_expected));
  if (!topo) r.fail_expected("topology", topo_expected);
  c.topology = *topo;
  if (c.topology == ScaleOutTopology::none) {
    if (nodes > 1) r.fail("topology", "expected fat_tree or rail_optimized: a cluster of several nodes needs a scale-out fabric, got none");
    r.finish();
    return c;
  }
  c.nics_per_node = count_at_least(r, "nics_per_node", 1, "scale-out NICs per node");
  if (chips_per_node % c.nics_per_node != 0)
    r.fail_expected("nics_per_node", fmt::format("a divisor of chips_per_node ({})", chips_per_node));
  c.nic_gb_per_s = positive(r, "nic_gb_per_s", "GB/s per NIC per direction");
  c.link_latency_ns = non_negative(r, "link_latency_ns", "one-way cable + PHY latency, ns");
  c.switch_latency_ns = non_negative(r, "switch_latency_ns", "switch traversal latency, ns");
  c.switch_radix = count_at_least(r, "switch_radix", 2, "ports per switch");
  if (c.switch_radix % 2 != 0) r.fail_expected("switch_radix", "an even number of ports per switch");
  const std::string os_expected = "a number >= 1 (leaf down:up bandwidth ratio; 2 = 2:1 oversubscribed)";
  c.oversubscription = r.required<double>("oversubscription", os_expected);
  if (!(c.oversubscription >= 1) || !std::isfinite(c.oversubscription)) r.fail_expected("oversubscription", os_expected);
  r.finish();
  return c;
}

std::vector<fs::path> cluster_dirs() {
  std::vector<fs::path> dirs;
  if (const char* home = std::getenv("TESSERA_HOME"); home && *home)
    dirs.push_back(fs::path(home) / "configs" / "clusters");
  dirs.push_back(fs::path(kSourceDir) / "configs" / "clusters");
  return dirs;
}

}  // namespace

std::string resolve_cluster_path(const std::string& name_or_path) {
  std::error_code ec;
  if (fs::is_regular_file(name_or_path, ec)) return name_or_path;
  const fs::path p(name_or_path);
  if (name_or_path.find('/') != std::string::npos || p.extension() == ".yaml" || p.extension() == ".yml")
    throw Error(fmt::format("{}: no such cluster config file", name_or_path));
  for (const auto& dir : cluster_dirs()) {
    const fs::path f = dir / (name_or_path + ".yaml");
    if (fs::is_regular_file(f, ec)) return f.string();
  }
  const auto names = shipped_cluster_names();
  const auto near = did_you_mean(name_or_path, names);
  throw Error(fmt::format("unknown cluster '{}': not a file, and no configs/clusters/{}.yaml{}; shipped clusters: {}",
                          name_or_path, name_or_path, near ? fmt::format(" (did you mean '{}'?)", *near) : "",
                          names.empty() ? "(none found)" : fmt::format("{}", fmt::join(names, ", "))));
}


std::string_view to_string(ScaleUpTopology t) {
  switch (t) {
    case ScaleUpTopology::switched: return "switch";
    case ScaleUpTopology::ring: return "ring";
    case ScaleUpTopology::torus2d: return "torus2d";
    case ScaleUpTopology::torus3d: return "torus3d";
  }
  return "?";
}

std::optional<ScaleUpTopology> parse_scale_up_topology(std::string_view s) {
  if (s == "switch") return ScaleUpTopology::switched;
  if (s == "ring") return ScaleUpTopology::ring;
  if (s == "torus2d") return ScaleUpTopology::torus2d;
  if (s == "torus3d") return ScaleUpTopology::torus3d;
  return std::nullopt;
}

std::string_view to_string(ScaleOutTopology t) {
  switch (t) {
    case ScaleOutTopology::none: return "none";
    case ScaleOutTopology::fat_tree: return "fat_tree";
    case ScaleOutTopology::rail_optimized: return "rail_optimized";
  }
  return "?";
}

std::optional<ScaleOutTopology> parse_scale_out_topology(std::string_view s) {
  if (s == "none") return ScaleOutTopology::none;
  if (s == "fat_tree") return ScaleOutTopology::fat_tree;
  if (s == "rail_optimized") return ScaleOutTopology::rail_optimized;
  return std::nullopt;
}

std::uint32_t ScaleUpConfig::links_per_neighbour() const {
  switch (topology) {
    case ScaleUpTopology::switched: return links_per_chip;
    case ScaleUpTopology::ring: return links_per_chip / 2;
    case ScaleUpTopology::torus2d: return links_per_chip / 4;
    case ScaleUpTopology::torus3d: return links_per_chip / 6;
  }
  return 0;
}

std::vector<std::string> shipped_cluster_names() {
  std::set<std::string> names;
  for (const auto& dir : cluster_dirs()) {
    std::error_code ec;
    if (!fs::is_directory(dir, ec)) continue;
    for (const auto& e : fs::directory_iterator(dir, ec))
      if (e.path().extension() == ".yaml") names.insert(e.path().stem().string());
  }
  return {names.begin(), names.end()};
}

ClusterConfig load_cluster_config(const std::string& name_or_path, const std::vector<std::string>& overrides) {
  const std::string path = resolve_cluster_path(name_or_path);
  YAML::Node root = load_yaml_file(path, "cluster config");
  for (const auto& o : overrides) apply_override(root, o, path);
  return parse_cluster_config(root, path);
}

ClusterConfig parse_cluster_config(const YAML::Node& root, const std::string& source) {
  if (!root.IsMap())
    throw Error(fmt::format("{}: (top level): expected a map of cluster settings (name, description, chip, nodes, "
                            "chips_per_node, scale_up, scale_out), got {}",
                            source, root.IsNull() || !root.IsDefined() ? "an empty document" : "something else"));
  try {
    ConfigReader r(root, source);
    ClusterConfig c;
    c.name = r.required<std::string>("name", "a cluster name (string)");
    if (c.name.empty()) r.fail_expected("name", "a non-empty cluster name");
    c.description = r.required<std::string>("description", "a one-line description (string)");
    c.chip = r.required<std::string>("chip", "a chip config name (configs/chips)");
    if (c.chip.empty()) r.fail_expected("chip", "a non-empty chip config name");
    c.nodes = count_at_least(r, "nodes", 1, "nodes in the cluster");
    c.chips_per_node = count_at_least(r, "chips_per_node", 1, "chips per node");
    if (std::uint64_t(c.nodes) * c.chips_per_node > (1u << 24))
      r.fail_expected("nodes", "at most 16,777,216 chips in all (nodes x chips_per_node)");
    c.scale_up = parse_scale_up(r.child("scale_up"), c.chips_per_node);
    c.scale_out = parse_scale_out(r.child("scale_out"), c.nodes, c.chips_per_node);
    r.finish();
    return c;
  } catch (const YAML::Exception& e) {
    throw Error(fmt::format("{}: malformed config: {}", source, e.what()));
  }
}

YAML::Node to_yaml(const ClusterConfig& c) {
  YAML::Node n;
  n["name"] = c.name;
  n["description"] = c.description;
  n["chip"] = c.chip;
  n["nodes"] = c.nodes;
  n["chips_per_node"] = c.chips_per_node;
  YAML::Node up;
  up["topology"] = std::string(to_string(c.scale_up.topology));
  if (!c.scale_up.dims.empty()) up["dims"] = c.scale_up.dims;
  up["links_per_chip"] = c.scale_up.links_per_chip;
  up["link_gb_per_s"] = c.scale_up.link_gb_per_s;
  up["link_latency_ns"] = c.scale_up.link_latency_ns;
  if (c.scale_up.topology == ScaleUpTopology::switched) up["switch_latency_ns"] = c.scale_up.switch_latency_ns;
  n["scale_up"] = up;
  YAML::Node out;
  out["topology"] = std::string(to_string(c.scale_out.topology));
  if (c.scale_out.topology != ScaleOutTopology::none) {
    out["nics_per_node"] = c.scale_out.nics_per_node;
    out["nic_gb_per_s"] = c.scale_out.nic_gb_per_s;
    out["link_latency_ns"] = c.scale_out.link_latency_ns;
    out["switch_latency_ns"] = c.scale_out.switch_latency_ns;
    out["switch_radix"] = c.scale_out.switch_radix;
    out["oversubscription"] = c.scale_out.oversubscription;
  }
  n["scale_out"] = out;
  return n;
}

}  // namespace tessera
