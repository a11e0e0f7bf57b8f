// tessera tco: the 5-year account of a compute-centre deployment (CapEx, OpEx, rental revenue,
// NPV, IRR, payback, break-even price and utilisation, cost per million tokens), with one-way
// sweeps, a +-20% tornado and a side-by-side comparison of two deployments.
#include <iostream>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <fmt/core.h>

#include "apps/tessera/cli_common.h"
#include "apps/tessera/commands.h"
#include "apps/tessera/workload_args.h"
#include "econ/deployment.h"
#include "econ/result_summary.h"
#include "econ/tco.h"
#include "econ/tco_report.h"
#include "base/types.h"
#include "models/config/chip_config.h"
#include "sim/simulation.h"

namespace tessera::cli {

namespace {

constexpr const char* kUsage =
    "usage: tessera tco --deployment D.yaml [--compare D2.yaml] [--sweep key=lo:hi:step]...\n"
    "                   [--tornado] [--set key=value]... [--format table|json] [-o out.h5]\n"
    "       tessera tco --keys\n\n"
    "The 5-year account of a compute-centre deployment: year-by-year cash flow, NPV, IRR,\n"
    "payback, break-even rental price and utilisation, cost and energy cost per million tokens.\n"
    "Deployments live in configs/deployments/; docs/tco.md gives the equations.\n"
    "--sweep keys are deployment key paths (see --keys) or the aliases 'utilisation' (both\n"
    "rental segments) and 'price' (both segments' year-1 price, in the deployment currency).\n"
    "--set applies to --deployment only; --sweep and --tornado apply to both deployments.\n"
    "A deployment with performance.simulate runs that simulation (one card) first.\n\n"
    "examples:\n"
    "  tessera tco --deployment configs/deployments/h100-hgx-us.yaml\n"
    "  tessera tco -d configs/deployments/ascend-910b-cn.yaml --sweep utilisation=0.5:0.9:0.1 --tornado\n"
    "  tessera tco -d configs/deployments/ascend-910b-cn.yaml --compare configs/deployments/h100-hgx-cn.yaml\n"
    "  tessera tco -d configs/deployments/h100-sim-llama2-7b.yaml";

void print_keys(std::ostream& os) {
  os << "Deployment keys (path, allowed values, meaning):\n";
  for (const auto& f : econ::deployment_fields())
    os << fmt::format("  {:<42} {}{}\n      {}\n", f.path, f.range_text(), f.required ? "  [required]" : "",
                      f.help);
  os << "Sweep aliases: utilisation (both rental segments), price (both segments' year-1 price)\n";
}

/// Runs a deployment's `performance.simulate` block (one card, the chip's nominal operating
/// point, power limit on, as `tessera run` does by default) and fills its performance figures.
void run_performance_simulation(econ::Deployment& d) {
  const auto& sim = d.performance.simulate;
  WorkloadArgs args;
  if (!sim.workload.empty()) {
    args.workload = sim.locate(sim.workload);
  } else {
    args.model = sim.locate(sim.model);
    args.scenario = sim.locate(sim.scenario);
  }
  SimResult result;
  try {
    const ChipConfig chip = load_chip_config(sim.locate(sim.chip));
    const Workload workload = load_named_workload(args);
    result = simulate(chip, workload, SimOptions{});
  } catch (const Error& e) {
    throw Error(fmt::format("{}: performance.simulate ({} on {}): {}", d.file, sim.workload_label(),
                            sim.chip, e.what()));
  }
  auto figure = [&](const char* key) -> std::optional<double> {
    if (!result.summary.has(key)) return std::nullopt;
    return result.summary.number(key);
  };
  econ::ResultSummary summary;
  summary.format = "simulation";
  summary.tokens_per_second = figure("tokens_per_second");
  summary.seconds = figure("seconds");
  summary.avg_power_w = figure("avg_power_w");
  summary.idle_power_w = figure("idle_power_w");
  econ::apply_simulated_performance(d, summary);
}

}  // namespace

int cmd_tco(int argc, char** argv) {
  std::string deployment_path, compare_path, format_text;
  std::vector<std::string> sweep_texts;
  CommonOptions common;
  po::options_description desc("options");
  desc.add_options()("help,h", "show this help")(
      "deployment,d", po::value<std::string>(&deployment_path), "deployment YAML (configs/deployments/*.yaml)")(
      "compare", po::value<std::string>(&compare_path), "a second deployment to compare side by side")(
      "sweep", po::value<std::vector<std::string>>(&sweep_texts)->composing(),
      "one-way sweep key=lo:hi:step, e.g. utilisation=0.5:0.9:0.1 (repeatable)")(
      "tornado", "NPV against -20%/+20% on each input")(
      "keys", "list every deployment key with its allowed range and exit");
  add_common_options(desc, common, format_text);
  po::positional_options_description pos;
  pos.add("deployment", 1);
  po::variables_map vm;
  if (!parse_command_line(argc, argv, desc, vm, kUsage, &pos)) return 0;
  if (vm.count("keys")) {
    print_keys(std::cout);
    return 0;
  }
  common.format = parse_format(format_text);
  if (deployment_path.empty()) throw Error("--deployment is required (see 'tessera tco --help')");

  std::vector<econ::SweepSpec> sweeps;
  std::set<std::string> sweep_keys;
  for (const auto& s : sweep_texts) {
    sweeps.push_back(econ::parse_sweep(s));
    if (!sweep_keys.insert(sweeps.back().key).second)
      throw Error(fmt::format("--sweep {}: the same key is swept twice", sweeps.back().key));
  }

  std::vector<econ::TcoRun> runs;
  runs.push_back({econ::load_deployment(deployment_path, common.overrides), {}, {}, {}});
  if (!compare_path.empty()) runs.push_back({econ::load_deployment(compare_path), {}, {}, {}});
  if (runs.size() == 2) econ::compare(runs[0], runs[1]);  // currency check before the work
  for (auto& run : runs)
    if (run.deployment.performance.awaiting_simulation) run_performance_simulation(run.deployment);

  for (auto& run : runs) {
    run.result = econ::analyse(run.deployment);
    for (const auto& s : sweeps) run.sweeps.push_back(econ::run_sweep(run.deployment, s));
    if (vm.count("tornado")) run.tornado = econ::run_tornado(run.deployment);
  }

  if (!common.out.empty()) econ::write_hdf5(common.out, runs);
  if (common.format == OutputFormat::json) {
    print_json(econ::report_json(runs));
  } else {
    econ::print_report(std::cout, runs);
    if (!common.out.empty()) std::cout << "\nresults written to " << common.out << "\n";
  }
  return 0;
}

}  // namespace tessera::cli
