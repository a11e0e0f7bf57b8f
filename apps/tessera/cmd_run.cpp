// tessera run: a workload (operator list, trace, or model + scenario) on one chip.
#include <fmt/core.h>

#include "apps/tessera/cli_common.h"
#include "apps/tessera/commands.h"
#include "apps/tessera/sim_output.h"
#include "models/config/chip_config.h"
#include "models/sim/simulation.h"
#include "workloads/workload_reader.h"

namespace tessera::cli {

namespace {
constexpr const char* kDefaultChip = "h100";
constexpr const char* kDefaultWorkload = "default";

}  // namespace

int cmd_run(int argc, char** argv) {
  std::string chip_name, workload_name, trace_path, model, scenario, dataflow_text, format_text, trace_out;
  CommonOptions common;
  po::options_description desc("tessera run options");
  desc.add_options()("help,h", "show this help")
      ("chip", po::value<std::string>(&chip_name)->default_value(kDefaultChip), "chip name (configs/chips) or YAML path")
      ("workload", po::value<std::string>(&workload_name),
       "operator-list file (YAML/JSON) or name under configs/workloads (default: 'default')")
      ("trace", po::value<std::string>(&trace_path), "trace file written by 'tessera trace gen' (JSON or HDF5)")
      ("model", po::value<std::string>(&model), "model card (with --scenario): generate the trace on the fly")
      ("scenario", po::value<std::string>(&scenario), "scenario for --model")
      ("dataflow", po::value<std::string>(&dataflow_text), "ws, os or is (default: the chip's first)")
      ("trace-out", po::value<std::string>(&trace_out), "write a Perfetto/Chrome trace JSON of the timeline");
  add_common_options(desc, common, format_text);
  po::variables_map vm;
  if (!parse_command_line(argc, argv, desc, vm,
                          "usage: tessera run [--chip C] [--workload W | --trace F | --model M --scenario S]\n\n"
                          "Simulates a workload on a chip. With no arguments: the default workload on the default chip."))
    return 0;
  common.format = parse_format(format_text);
  const int sources = int(vm.count("workload")) + int(vm.count("trace")) + int(vm.count("model"));
  if (sources > 1) throw Error("give one of --workload, --trace or --model");
  if (vm.count("model") != vm.count("scenario")) throw Error("--model and --scenario go together");
  SimOptions options;
  options.record_timeline = !trace_out.empty();
  if (vm.count("dataflow")) {
    options.dataflow = parse_dataflow(dataflow_text);
    if (!options.dataflow) throw Error(fmt::format("--dataflow: expected ws, os or is, got '{}'", dataflow_text));
  }

  const ChipConfig chip = load_chip_config(chip_name, common.overrides);
  Workload workload;
  if (vm.count("model")) workload = make_workload(model, scenario);
  else if (vm.count("trace")) workload = load_workload(trace_path);
  else workload = load_workload(find_config("workloads", vm.count("workload") ? workload_name : kDefaultWorkload).string());
  emit_results(simulate(chip, workload, options), common, trace_out);
  return 0;
}

}  // namespace tessera::cli
