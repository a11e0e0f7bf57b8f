// Finding and loading chip configs (configs/chips/*.yaml) and the values derived from them. The
// schema itself (every key, its rule, reading and writing back) is declared in chip_fields.cpp.
#include "models/config/chip_config.h"
#include "base/config/yaml_json.h"

#include <algorithm>
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

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& s : items) out += (out.empty() ? "" : ", ") + s;
  return out;
}

std::vector<fs::path> chip_dirs() {
  std::vector<fs::path> dirs;
  if (const char* home = std::getenv("TESSERA_HOME"); home && *home) dirs.push_back(fs::path(home) / "configs" / "chips");
  dirs.push_back(fs::path(kSourceDir) / "configs" / "chips");
  return dirs;
}

}  // namespace

// --- public ---

std::string_view to_string(HbmRefresh r) {
  return r == HbmRefresh::per_bank ? "per_bank" : "all_bank";
}

std::string_view to_string(NocTopology t) {
  switch (t) {
    case NocTopology::mesh: return "mesh";
    case NocTopology::ring: return "ring";
    case NocTopology::crossbar: return "crossbar";
  }
  return "?";
}

std::optional<NocTopology> parse_noc_topology(std::string_view s) {
  if (s == "mesh") return NocTopology::mesh;
  if (s == "ring") return NocTopology::ring;
  if (s == "crossbar") return NocTopology::crossbar;
  return std::nullopt;
}

std::uint32_t HbmConfig::beats_per_clock() const {
  return clock_mhz > 0 ? static_cast<std::uint32_t>(std::lround(data_rate_gbps * 1000.0 / clock_mhz)) : 0;
}

std::uint32_t ChipConfig::total_cores() const {
  std::uint32_t n = 0;
  for (const auto& g : cores) n += g.count;
  return n;
}

double ChipConfig::peak_macs_per_second(DataType t) const {
  double total = 0;
  for (const auto& g : cores) {
    auto it = g.matrix.macs_per_cycle.find(t);
    if (it == g.matrix.macs_per_cycle.end()) continue;
    total += double(g.count) * g.matrix.count * double(it->second) * clocks.core_mhz * 1e6;
  }
  return total;
}

Bytes min_scratchpad_bytes(const CoreConfig& core) {
  Bytes widest = 0;
  for (const auto& [t, macs] : core.matrix.macs_per_cycle) widest = std::max(widest, bytes_per_element(t));
  const Bytes pes = Bytes(core.matrix.rows) * core.matrix.cols;
  return Bytes(core.matrix.count) * (2 * 2 * pes * widest + pes * 4);
}

std::vector<std::string> shipped_chip_names() {
  std::set<std::string> names;
  for (const auto& dir : chip_dirs()) {
    std::error_code ec;
    if (!fs::is_directory(dir, ec)) continue;
    for (const auto& e : fs::directory_iterator(dir, ec))
      if (e.path().extension() == ".yaml") names.insert(e.path().stem().string());
  }
  return {names.begin(), names.end()};
}

std::string resolve_chip_path(const std::string& name_or_path) {
  std::error_code ec;
  if (fs::is_regular_file(name_or_path, ec)) return name_or_path;
  const bool looks_like_path = name_or_path.find('/') != std::string::npos ||
                               fs::path(name_or_path).extension() == ".yaml" ||
                               fs::path(name_or_path).extension() == ".yml";
  if (looks_like_path) throw Error(fmt::format("{}: no such chip config file", name_or_path));
  for (const auto& dir : chip_dirs()) {
    const fs::path p = dir / (name_or_path + ".yaml");
    if (fs::is_regular_file(p, ec)) return p.string();
  }
  const auto names = shipped_chip_names();
  const auto near = did_you_mean(name_or_path, names);
  throw Error(fmt::format("unknown chip '{}': not a file, and no configs/chips/{}.yaml under $TESSERA_HOME or the "
                          "source tree{}; shipped chips: {}",
                          name_or_path, name_or_path, near ? fmt::format(" (did you mean '{}'?)", *near) : "",
                          names.empty() ? "(none found)" : join(names)));
}

ChipConfig load_chip_config(const std::string& name_or_path, const std::vector<std::string>& overrides) {
  const std::string path = resolve_chip_path(name_or_path);
  YAML::Node root = load_yaml_file(path, "chip config");
  if (overrides.empty()) return parse_chip_config(root, path);
  // --set may name any key of the schema, also an optional one the file leaves out (hbm.refresh):
  // the overrides apply to the resolved config, where every key is present.
  root = to_yaml(parse_chip_config(root, path));
  for (const auto& o : overrides) apply_override(root, o, path);
  return parse_chip_config(root, path);
}

}  // namespace tessera
