// Entry points for `tessera run` and `tessera trace`: turn what the user names (a file, a
// shipped config name, a model + scenario) into a validated Workload.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "workloads/model_card.h"
#include "workloads/operator.h"
#include "workloads/scenario.h"

namespace tessera {

/// Reads a workload file: an operator list (YAML or JSON) or a trace (JSON or HDF5, detected
/// by content). A name that is not an existing file is looked up as configs/workloads/<name>.yaml.
/// Errors name the file, the key path and what was expected, or the operator id and the reason.
Workload load_workload(const std::string& path);

/// Generates the trace of `model` running `scenario`.
///  model:    a name under configs/models ("llama-2-7b"), or a path to a HF config.json or YAML card.
///  scenario: a name under configs/scenarios ("decode-2k"), a path to a scenario YAML file, or an
///            inline spec "kind:key=value,..." ("decode:batch=16,context=2048").
Workload make_workload(const std::string& model, const std::string& scenario);

/// The model card / scenario a name or path refers to (the resolution make_workload uses).
ModelCard resolve_model(const std::string& model);
Scenario resolve_scenario(const std::string& scenario);

/// Finds a shipped config: `name` itself if it is an existing file, else configs/<kind>/<name>
/// with .yaml, .yml or .json appended, searched under the current directory, then
/// $TESSERA_HOME/configs, then the source tree this binary was built from. Throws Error listing the
/// places tried. `kind` is "models", "scenarios" or "workloads".
std::filesystem::path find_config(const std::string& kind, const std::string& name);

/// The names (file stems) of the shipped configs of `kind`, sorted, for help texts.
std::vector<std::string> list_configs(const std::string& kind);

}  // namespace tessera
