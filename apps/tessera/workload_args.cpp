#include "apps/tessera/workload_args.h"

#include <iostream>

#include <fmt/core.h>

#include "sim/op_table.h"

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
      ("operating-point", whole_number(&args.operating_point, "operating-point", 0, 255),
       "DVFS point: index into the chip's power.operating_points (default: its nominal_point)")
      ("no-power-limit", "do not throttle to power.tdp_w: stay at the operating point");
}

void apply_power_options(const po::variables_map& vm, const PowerArgs& args, SimOptions& options) {
  if (vm.count("operating-point")) options.operating_point = args.operating_point;
  options.power_limit = vm.count("no-power-limit") == 0;
}

void add_fidelity_options(po::options_description& desc, FidelityArgs& args) {
  desc.add_options()
      ("fidelity", po::value<std::string>(&args.fidelity)->default_value("cycle"),
       "cycle: each distinct operator simulated once at cycle level and reused (operator-timing table); "
       "cycle-full: every operator in one simulation (docs/model.md, Fidelity levels)")
      ("op-cache", po::value<std::string>(&args.op_cache),
       "keep the operator-timing table in directory DIR across runs (safe for parallel sweeps and MPI ranks)")
      ("beyond-capacity", po::bool_switch(&args.beyond_capacity),
       "simulate even when the workload's weights, KV cache and activations exceed the chip's HBM (a what-if)");
}

void apply_fidelity_options(const FidelityArgs& args, SimOptions& options) {
  const auto f = parse_fidelity(args.fidelity);
  if (!f) throw Error(fmt::format("--fidelity: expected cycle or cycle-full, got '{}'", args.fidelity));
  options.fidelity = *f;
  options.beyond_capacity = args.beyond_capacity;
  if (!args.op_cache.empty()) shared_op_table().set_cache_dir(args.op_cache);
}

void report_op_cache(const FidelityArgs& args) {
  if (args.op_cache.empty()) return;
  const OpTableCounts& c = shared_op_table().counts();
  std::cerr << fmt::format("operator cache {}: {} records loaded, {} simulated{}\n", args.op_cache, c.loaded, c.simulated,
                           c.corrupt ? fmt::format(", {} unreadable entries recomputed", c.corrupt) : "");
}

}  // namespace tessera::cli
