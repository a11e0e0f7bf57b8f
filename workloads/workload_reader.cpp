#include "workloads/workload_reader.h"

#include <algorithm>
#include <cstdlib>
#include <set>

#include <fmt/core.h>
#include <fmt/format.h>

#include "base/version.h"
#include "base/config/field_reader.h"
#include "workloads/trace_generator.h"
#include "workloads/trace_io.h"

namespace tessera {

namespace fs = std::filesystem;

namespace {

// Config roots in search order: the working directory, $TESSERA_HOME, the source tree (the same
// places chip configs are looked up in).
std::vector<fs::path> config_roots() {
  std::vector<fs::path> roots{fs::path("configs")};
  if (const char* home = std::getenv("TESSERA_HOME"); home && *home) roots.emplace_back(fs::path(home) / "configs");
  roots.emplace_back(fs::path(kSourceDir) / "configs");
  return roots;
}

bool is_file(const fs::path& p) {
  std::error_code ec;
  return fs::is_regular_file(p, ec);
}

}  // namespace

fs::path find_config(const std::string& kind, const std::string& name) {
  if (is_file(name)) return name;
  std::vector<std::string> tried{name};
  // A bare name only: anything with a directory part was meant as a path.
  if (name.find('/') == std::string::npos && !name.empty()) {
    for (const fs::path& root : config_roots()) {
      for (const char* ext : {".yaml", ".yml", ".json", ""})
        if (is_file(root / kind / (name + ext))) return root / kind / (name + ext);
      tried.push_back((root / kind / (name + ".yaml")).string());
    }
  }
  std::string hint;
  const auto names = list_configs(kind);
  if (!names.empty()) hint = fmt::format("; shipped {}: {}", kind, fmt::join(names, ", "));
  throw Error(fmt::format("'{}' is not a file or a shipped {} name (tried {}){}", name, kind, fmt::join(tried, ", "),
                          hint));
}

std::vector<std::string> list_configs(const std::string& kind) {
  std::set<std::string> names;
  for (const fs::path& root : config_roots()) {
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(root / kind, ec)) {
      const fs::path& p = entry.path();
      if (entry.is_regular_file() && (p.extension() == ".yaml" || p.extension() == ".yml")) names.insert(p.stem().string());
    }
  }
  return {names.begin(), names.end()};
}

Workload load_workload(const std::string& path) {
  const fs::path file = find_config("workloads", path);
  const std::string source = file.string();
  if (is_hdf5_file(source)) return read_trace_hdf5(source);
  return workload_from_json(input::read_tree_file(source), source);
}

ModelCard resolve_model(const std::string& model) { return load_model_card(find_config("models", model).string()); }

Scenario resolve_scenario(const std::string& scenario) {
  // "kind:..." or a bare kind is an inline spec unless a file of that name exists.
  const bool inline_spec = !is_file(scenario) && (scenario.find(':') != std::string::npos ||
                                                  scenario == "prefill" || scenario == "decode" ||
                                                  scenario == "generate" || scenario == "training");
  if (inline_spec) return parse_scenario_spec(scenario);
  const std::string path = find_config("scenarios", scenario).string();
  return scenario_from_yaml(input::read_tree_file(path), path);
}

Workload make_workload(const std::string& model, const std::string& scenario) {
  return generate_trace(resolve_model(model), resolve_scenario(scenario));
}

}  // namespace tessera
