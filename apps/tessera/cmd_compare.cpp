// tessera compare: parses the chips and the workload, runs the compare job (report/compare.h)
// and writes its document: table or JSON on stdout, HDF5 with --out (docs/results.md).
#include <iostream>
#include <sstream>

#include <fmt/core.h>

#include "apps/tessera/cli_common.h"
#include "apps/tessera/commands.h"
#include "apps/tessera/sim_output.h"
#include "apps/tessera/workload_args.h"
#include "models/config/chip_config.h"
#include "report/compare.h"

namespace tessera::cli {

int cmd_compare(int argc, char** argv) {
  std::string chips_text, dataflow_text, format_text;
  WorkloadArgs workload_args;
  PowerArgs power_args;
  FidelityArgs fidelity_args;  // --fidelity, --op-cache
  CommonOptions common;
  po::options_description desc("tessera compare options");
  desc.add_options()("help,h", "show this help")
      ("chips", po::value<std::string>(&chips_text)->required(),
       "comma-separated chip names (configs/chips) or YAML paths; ratios are against the first")
      ("dataflow", po::value<std::string>(&dataflow_text), "ws, os or is for every chip (default: each chip's first)");
  add_workload_options(desc, workload_args);
  add_power_options(desc, power_args);
  add_fidelity_options(desc, fidelity_args);
  add_common_options(desc, common, format_text);
  add_list_keys_option(desc);
  po::variables_map vm;
  if (!parse_command_line(argc, argv, desc, vm,
                          "usage: tessera compare --chips A,B,C (--workload W | --trace F | --model M --scenario S) "
                          "[-o compare.h5]\n\n"
                          "Runs the same workload on each chip and prints time, throughput, utilisation, what bounds "
                          "it,\npower and perf/W side by side, with ratios against the first chip. --set and "
                          "--operating-point\napply to every chip. Plot the HDF5 file with scripts/plot_compare.py."))
    return 0;
  common.format = parse_format(format_text);
  std::vector<std::string> names;
  {
    std::stringstream ss(chips_text);
    std::string item;
    while (std::getline(ss, item, ','))
      if (!item.empty()) names.push_back(item);
  }
  if (names.empty()) throw Error("--chips: expected at least one chip name");
  if (!workload_given(vm)) throw Error("give a workload: --workload W, --trace F or --model M --scenario S");
  SimOptions options;
  apply_power_options(vm, power_args, options);
  apply_fidelity_options(fidelity_args, options);
  if (vm.count("dataflow")) {
    options.dataflow = parse_dataflow(dataflow_text);
    if (!options.dataflow) throw Error(fmt::format("--dataflow: expected ws, os or is, got '{}'", dataflow_text));
  }

  // Load every chip first, so that a bad name fails before any simulation.
  std::vector<ChipConfig> chips;
  for (const auto& n : names) {
    chips.push_back(load_chip_config(n, common.overrides));
    for (std::size_t i = 0; i + 1 < chips.size(); ++i)
      if (chips[i].name == chips.back().name)
        throw Error(fmt::format("--chips: chip '{}' is listed twice", chips.back().name));
  }
  const Workload workload = resolve_workload(vm, workload_args, "");
  const bool table = common.format == OutputFormat::table;
  const ResultDocument doc = compare_chips(chips, workload, options, [&](const std::string& chip) {
    if (table) std::cerr << fmt::format("simulating {} on {}...\n", workload.name, chip);
  });
  emit_document(doc, common, " (plot: scripts/plot_compare.py)");
  report_op_cache(fidelity_args);
  return 0;
}

}  // namespace tessera::cli
