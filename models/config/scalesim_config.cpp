#include "models/config/scalesim_config.h"

#include <algorithm>
#include <charconv>
#include <fstream>
#include <map>

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include "base/text.h"

namespace tessera {

namespace {

// Keys scale-sim-v2 reads from [architecture_presets] that do not shape the array.
const char* const kIgnoredArchitectureKeys[] = {"ifmapoffset", "filteroffset", "ofmapoffset", "bandwidth",
                                                 "memorybanks", "readrequestbuffer", "writerequestbuffer"};

}  // namespace

ScaleSimArray load_scalesim_config(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw Error(fmt::format("{}: cannot open the SCALE-Sim config file", path));
  ScaleSimArray a;
  a.source = path;
  std::map<std::string, std::pair<std::string, int>> arch;  // lower-case key -> (value, line)
  std::string section, line;
  int number = 0;
  while (std::getline(in, line)) {
    ++number;
    const std::string t(trim(line));
    if (t.empty() || t[0] == '#' || t[0] == ';') continue;
    if (t.front() == '[') {
      if (t.back() != ']') throw Error(fmt::format("{}:{}: expected a section header like [general], got '{}'", path, number, t));
      section = std::string(trim(std::string_view(t).substr(1, t.size() - 2)));
      continue;
    }
    const std::size_t sep = t.find_first_of(":=");
    if (sep == std::string::npos)
      throw Error(fmt::format("{}:{}: expected 'key : value' or 'key = value', got '{}'", path, number, t));
    const std::string key = to_lower(std::string(trim(std::string_view(t).substr(0, sep))));
    const std::string value(trim(std::string_view(t).substr(sep + 1)));
    if (section == "general" && key == "run_name") a.run_name = value;
    else if (section == "architecture_presets") arch[key] = {value, number};
  }
  auto number_of = [&](const char* key, const char* name) -> std::uint64_t {
    const auto it = arch.find(key);
    if (it == arch.end()) throw Error(fmt::format("{}: [architecture_presets] needs {}", path, name));
    std::uint64_t v = 0;
    const std::string& s = it->second.first;
    const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || end != s.data() + s.size() || v == 0)
      throw Error(fmt::format("{}:{}: {}: expected a positive integer, got '{}'", path, it->second.second, name, s));
    return v;
  };
  const std::uint64_t h = number_of("arrayheight", "ArrayHeight"), w = number_of("arraywidth", "ArrayWidth");
  if (h > 65536 || w > 65536) throw Error(fmt::format("{}: ArrayHeight x ArrayWidth {}x{} is too large", path, h, w));
  a.height = static_cast<std::uint32_t>(h), a.width = static_cast<std::uint32_t>(w);
  a.ifmap_kb = number_of("ifmapsramszkb", "IfmapSramSzkB");
  a.filter_kb = number_of("filtersramszkb", "FilterSramSzkB");
  a.ofmap_kb = number_of("ofmapsramszkb", "OfmapSramSzkB");
  const auto df = arch.find("dataflow");
  if (df == arch.end()) throw Error(fmt::format("{}: [architecture_presets] needs Dataflow (ws, os or is)", path));
  const auto parsed = parse_dataflow(df->second.first);
  if (!parsed) throw Error(fmt::format("{}:{}: Dataflow: expected ws, os or is, got '{}'", path, df->second.second, df->second.first));
  a.dataflow = *parsed;
  for (const auto& [key, value] : arch) {
    const bool known = key == "arrayheight" || key == "arraywidth" || key == "ifmapsramszkb" ||
                       key == "filtersramszkb" || key == "ofmapsramszkb" || key == "dataflow" ||
                       std::find(std::begin(kIgnoredArchitectureKeys), std::end(kIgnoredArchitectureKeys), key) !=
                           std::end(kIgnoredArchitectureKeys);
    if (!known) throw Error(fmt::format("{}:{}: [architecture_presets]: unknown key '{}'", path, value.second, key));
  }
  if (a.run_name.empty()) a.run_name = fmt::format("{}x{}-{}", a.height, a.width, to_string(a.dataflow));
  return a;
}

ChipConfig scalesim_chip(const ScaleSimArray& a, const std::string& base) {
  const std::string path = resolve_chip_path(base);
  YAML::Node root = YAML::LoadFile(path);
  YAML::Node cores = root["cores"];
  if (!cores || !cores.IsSequence() || cores.size() != 1)
    throw Error(fmt::format("{}: a SCALE-Sim array needs a base chip with one core group, '{}' has {}", a.source, base,
                            cores && cores.IsSequence() ? cores.size() : 0));
  YAML::Node core = cores[0];
  core["count"] = 1;
  YAML::Node matrix = core["matrix"];
  matrix["count"] = 1;
  matrix["rows"] = a.height;
  matrix["cols"] = a.width;
  YAML::Node flows(YAML::NodeType::Sequence);
  flows.push_back(std::string(to_string(a.dataflow)));
  matrix["dataflows"] = flows;
  // One MAC per PE per cycle, whatever the type (SCALE-Sim counts MACs, not bytes).
  for (auto it = matrix["macs_per_cycle"].begin(); it != matrix["macs_per_cycle"].end(); ++it)
    it->second = std::uint64_t(a.height) * a.width;
  core["scratchpad"]["bytes"] = (a.ifmap_kb + a.filter_kb) * 1024;
  matrix["accumulator_bytes"] = a.ofmap_kb * 1024;
  root["noc"]["dim_x"] = 1;
  root["noc"]["dim_y"] = 1;
  root["name"] = "scalesim-" + a.run_name;
  root["description"] = fmt::format("SCALE-Sim array {}x{} {} from {} on the {} chip", a.height, a.width,
                                    to_string(a.dataflow), a.source, base);
  try {
    return parse_chip_config(root, fmt::format("{} (as a core of {})", a.source, path));
  } catch (const Error& e) {
    throw Error(fmt::format("{}: this array does not make a valid chip: {}", a.source, e.what()));
  }
}

}  // namespace tessera
