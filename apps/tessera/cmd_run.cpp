// tessera run: a workload (operator list, trace, or model + scenario) on one chip.
#include <fmt/core.h>

#include "apps/tessera/cli_common.h"
#include "apps/tessera/commands.h"
#include "apps/tessera/sim_output.h"
#include "apps/tessera/workload_args.h"
#include "models/config/chip_config.h"
#include "models/sim/simulation.h"
#include "workloads/workload_reader.h"

namespace tessera::cli {

namespace {
constexpr const char* kDefaultChip = "h100";
constexpr const char* kDefaultWorkload = "default";

}  // namespace

int cmd_run(int argc, char** argv) {
  std::string chip_name, dataflow_text, format_text, trace_out;
  WorkloadArgs workload_args;  // --workload (default: 'default'), --trace, --model, --scenario
  PowerArgs power_args;        // --operating-point, --no-power-limit
  CommonOptions common;
  po::options_description desc("tessera run options");
  desc.add_options()("help,h", "show this help")
      ("chip", po::value<std::string>(&chip_name)->default_value(kDefaultChip), "chip name (configs/chips) or YAML path")
      ("dataflow", po::value<std::string>(&dataflow_text), "ws, os or is (default: the chip's first)")
      ("trace-out", po::value<std::string>(&trace_out), "write a Perfetto/Chrome trace JSON of the timeline");
  add_workload_options(desc, workload_args);
  add_power_options(desc, power_args);
  add_common_options(desc, common, format_text);
  po::variables_map vm;
  if (!parse_command_line(argc, argv, desc, vm,
                          "usage: tessera run [--chip C] [--workload W | --trace F | --model M --scenario S]\n\n"
                          "Simulates a workload on a chip. With no arguments: the default workload on the default chip."))
    return 0;
  common.format = parse_format(format_text);
  SimOptions options;
  apply_power_options(vm, power_args, options);
  options.record_timeline = !trace_out.empty();
  if (vm.count("dataflow")) {
    options.dataflow = parse_dataflow(dataflow_text);
    if (!options.dataflow) throw Error(fmt::format("--dataflow: expected ws, os or is, got '{}'", dataflow_text));
  }

  const ChipConfig chip = load_chip_config(chip_name, common.overrides);
  const Workload workload = resolve_workload(vm, workload_args, kDefaultWorkload);
  emit_results(simulate(chip, workload, options), common, trace_out);
  return 0;
}

}  // namespace tessera::cli
