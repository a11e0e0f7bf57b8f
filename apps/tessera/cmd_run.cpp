// tessera run: a workload (operator list, trace, or model + scenario) on one chip.
#include <fmt/core.h>

#include "apps/tessera/cli_common.h"
#include "apps/tessera/commands.h"
#include "apps/tessera/sim_output.h"
#include "apps/tessera/workload_args.h"
#include "cluster/cluster_config.h"
#include "cluster/step_simulator.h"
#include "models/config/chip_config.h"
#include "sim/simulation.h"
#include "workloads/workload_reader.h"

namespace tessera::cli {

namespace {
constexpr const char* kDefaultChip = "h100";
constexpr const char* kDefaultWorkload = "default";

}  // namespace

int cmd_run(int argc, char** argv) {
  std::string chip_name, dataflow_text, format_text, trace_out, cluster_name, algorithm_text;
  std::vector<std::string> cluster_overrides;
  WorkloadArgs workload_args;  // --workload (default: 'default'), --trace, --model, --scenario
  PowerArgs power_args;        // --operating-point, --no-power-limit
  FidelityArgs fidelity_args;  // --fidelity, --op-cache
  CommonOptions common;
  po::options_description desc("tessera run options");
  desc.add_options()("help,h", "show this help")
      ("chip", po::value<std::string>(&chip_name)->default_value(kDefaultChip), "chip name (configs/chips) or YAML path")
      ("dataflow", po::value<std::string>(&dataflow_text), "ws, os or is (default: the chip's first)")
      ("trace-out", po::value<std::string>(&trace_out), "write a Perfetto/Chrome trace JSON of the timeline")
      ("cluster", po::value<std::string>(&cluster_name),
       "run across a cluster (configs/clusters) in the trace's parallel layout; the chip defaults to the cluster's")
      ("cluster-set", po::value<std::vector<std::string>>(&cluster_overrides)->composing(),
       "override a cluster config key, e.g. --cluster-set scale_out.oversubscription=2 (repeatable)")
      ("all-reduce", po::value<std::string>(&algorithm_text),
       "cluster runs: all-reduce algorithm ring, tree or hierarchical (default hierarchical: ring inside a node)")
      ("no-symmetry", "cluster runs: replay every chip instead of one per pipeline stage (small layouts; for checking)");
  add_workload_options(desc, workload_args);
  add_power_options(desc, power_args);
  add_fidelity_options(desc, fidelity_args);
  add_common_options(desc, common, format_text);
  add_list_keys_option(desc);
  po::variables_map vm;
  if (!parse_command_line(argc, argv, desc, vm,
                          "usage: tessera run [--chip C] [--workload W | --trace F | --model M --scenario S]\n"
                          "       tessera run --cluster C --model M --scenario S   (or --trace F)\n\n"
                          "Simulates a workload on a chip. With no arguments: the default workload on the default chip.\n"
                          "With --cluster: one step of the scenario's parallel layout (tp x pp x dp x ep) on the cluster;\n"
                          "the chip model times each distinct operator, the fabric each collective (docs/cluster.md)."))
    return 0;
  common.format = parse_format(format_text);
  SimOptions options;
  apply_power_options(vm, power_args, options);
  apply_fidelity_options(fidelity_args, options);
  options.record_timeline = !trace_out.empty();
  if (vm.count("dataflow")) {
    options.dataflow = parse_dataflow(dataflow_text);
    if (!options.dataflow) throw Error(fmt::format("--dataflow: expected ws, os or is, got '{}'", dataflow_text));
  }

  if (!vm.count("cluster")) {
    for (const char* o : {"cluster-set", "all-reduce", "no-symmetry"})
      if (vm.count(o)) throw Error(fmt::format("--{} applies to cluster runs only: add --cluster", o));
    const ChipConfig chip = load_chip_config(chip_name, common.overrides);
    const Workload workload = resolve_workload(vm, workload_args, kDefaultWorkload);
    emit_results(simulate(chip, workload, options), common, trace_out);
    report_op_cache(fidelity_args);
    return 0;
  }

  if (!workload_given(vm)) throw Error("--cluster: name the workload with --model M --scenario S or --trace F");
  const ClusterConfig cluster = load_cluster_config(cluster_name, cluster_overrides);
  const ChipConfig chip = load_chip_config(vm["chip"].defaulted() ? cluster.chip : chip_name, common.overrides);
  const Workload workload = resolve_workload(vm, workload_args, kDefaultWorkload);
  // The trace describes one chip of its layout: its footprint is that chip's.
  if (!fidelity_args.beyond_capacity)
    if (const std::string problem = capacity_problem(chip, workload); !problem.empty()) throw Error(problem);
  StepOptions step;
  step.chip = options;
  step.chip.record_timeline = false;
  step.record_timeline = !trace_out.empty();
  step.symmetric = !vm.count("no-symmetry");
  if (vm.count("all-reduce")) {
    const auto a = parse_algorithm(algorithm_text);
    if (!a || *a == Algorithm::direct)
      throw Error(fmt::format("--all-reduce: expected ring, tree or hierarchical, got '{}'", algorithm_text));
    step.all_reduce = a;
  }
  StatusLine status;
  step.progress = [&status](const std::string& text) { status.show(text); };
  StepSimulator simulator(cluster, chip, step);
  const StepReport report = simulator.run(workload, layout_of(workload));
  SimResult result = simulator.to_result(workload, report);
  emit_results(result, common, trace_out);
  report_op_cache(fidelity_args);
  return 0;
}

}  // namespace tessera::cli
