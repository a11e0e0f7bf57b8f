// tessera tco: the 5-year account of a compute-centre deployment (CapEx, OpEx, rental revenue,
// NPV, IRR, payback, break-even price and utilisation, cost per million tokens), with one-way
// sweeps, a +-20% tornado and a side-by-side comparison of two deployments.
#include <iostream>
#include <set>
#include <string>
#include <vector>

#include <fmt/core.h>

#include "apps/tessera/cli_common.h"
#include "apps/tessera/commands.h"
#include "econ/deployment.h"
#include "econ/tco.h"
#include "econ/tco_report.h"
#include "models/common/types.h"

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
    "--set applies to --deployment only; --sweep and --tornado apply to both deployments.\n\n"
    "examples:\n"
    "  tessera tco --deployment configs/deployments/h100-hgx-us.yaml\n"
    "  tessera tco -d configs/deployments/ascend-910b-cn.yaml --sweep utilisation=0.5:0.9:0.1 --tornado\n"
    "  tessera tco -d configs/deployments/ascend-910b-cn.yaml --compare configs/deployments/h100-hgx-cn.yaml";

void print_keys(std::ostream& os) {
  os << "Deployment keys (path, allowed values, meaning):\n";
  for (const auto& f : econ::deployment_fields())
    os << fmt::format("  {:<42} {}{}\n      {}\n", f.path, f.range_text(), f.required ? "  [required]" : "",
                      f.help);
  os << "Sweep aliases: utilisation (both rental segments), price (both segments' year-1 price)\n";
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
