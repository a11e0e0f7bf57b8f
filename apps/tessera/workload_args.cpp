#include "apps/tessera/workload_args.h"

#include <fmt/core.h>

#include "workloads/workload_reader.h"

namespace tessera::cli {

void add_workload_options(po::options_description& desc, WorkloadArgs& args) {
  desc.add_options()
      ("workload", po::value<std::string>(&args.workload),
       "operator-list file (YAML/JSON) or name under configs/workloads")
      ("trace", po::value<std::string>(&args.trace), "trace file written by 'tessera trace gen' (JSON or HDF5)")
      ("model", po::value<std::string>(&args.model), "model card (with --scenario): generate the trace on the fly")
      ("scenario", po::value<std::string>(&args.scenario), "scenario for --model");
}

bool workload_given(const po::variables_map& vm) {
  return vm.count("workload") + vm.count("trace") + vm.count("model") > 0;
}

Workload resolve_workload(const po::variables_map& vm, const WorkloadArgs& args, const std::string& fallback) {
  const int sources = int(vm.count("workload")) + int(vm.count("trace")) + int(vm.count("model"));
  if (sources > 1) throw Error("give one of --workload, --trace or --model");
  if (vm.count("model") != vm.count("scenario")) throw Error("--model and --scenario go together");
  if (workload_given(vm)) return load_named_workload(args);
  if (fallback.empty()) throw Error("give a workload: --workload W, --trace F or --model M --scenario S");
  return load_workload(find_config("workloads", fallback).string());
}

Workload load_named_workload(const WorkloadArgs& args) {
  if (!args.model.empty()) return make_workload(args.model, args.scenario);
  if (!args.trace.empty()) return load_workload(args.trace);
  if (!args.workload.empty()) return load_workload(find_config("workloads", args.workload).string());
  throw Error("no workload named: give a workload, a trace or a model with a scenario");
}

void add_power_options(po::options_description& desc, PowerArgs& args) {
  desc.add_options()
      ("operating-point", po::value<std::uint32_t>(&args.operating_point),
       "DVFS point: index into the chip's power.operating_points (default: its nominal_point)")
      ("no-power-limit", "do not throttle to power.tdp_w: stay at the operating point");
}

void apply_power_options(const po::variables_map& vm, const PowerArgs& args, SimOptions& options) {
  if (vm.count("operating-point")) options.operating_point = args.operating_point;
  options.power_limit = vm.count("no-power-limit") == 0;
}

}  // namespace tessera::cli
