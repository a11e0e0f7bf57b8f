// Options every simulating subcommand shares beyond cli_common.h: which workload to run
// (--workload W | --trace F | --model M --scenario S) and the power settings of the run
// (--operating-point, --no-power-limit), and how it is timed (--fidelity, --op-cache). Used by run and compare; tco uses load_named_workload.
#pragma once

#include <cstdint>
#include <string>

#include "apps/tessera/cli_common.h"
#include "sim/simulation.h"
#include "workloads/operator.h"

namespace tessera::cli {

struct WorkloadArgs {
  std::string workload, trace, model, scenario;
};

/// The workload `args` names, whichever of its ways is filled in (model + scenario first, then
/// trace, then workload; a workload name is looked up with find_config under configs/workloads).
/// Throws Error when none is. Used where the names come from a file, not the command line
/// (tessera tco's performance.simulate).
Workload load_named_workload(const WorkloadArgs& args);

/// Adds --workload, --trace, --model and --scenario.
void add_workload_options(po::options_description& desc, WorkloadArgs& args);
/// True when the command line names a workload in any of the three ways.
bool workload_given(const po::variables_map& vm);
/// The workload the command line names (a --workload name is looked up with find_config, under
/// configs/workloads); when it names none, the shipped workload `fallback`
/// (an Error if `fallback` is empty). Checks that the three ways are not mixed.
Workload resolve_workload(const po::variables_map& vm, const WorkloadArgs& args, const std::string& fallback);

struct PowerArgs {
  std::uint32_t operating_point = 0;
};

/// Adds --operating-point N and --no-power-limit.
void add_power_options(po::options_description& desc, PowerArgs& args);
/// Copies them into `options` (the point only when given: the chip's nominal point otherwise).
void apply_power_options(const po::variables_map& vm, const PowerArgs& args, SimOptions& options);

struct FidelityArgs {
  std::string fidelity = "cycle";
  std::string op_cache;  // directory of the persistent operator-timing table; empty: memory only
  bool beyond_capacity = false;
};

/// Adds --fidelity cycle|cycle-full, --op-cache DIR and --beyond-capacity.
void add_fidelity_options(po::options_description& desc, FidelityArgs& args);
/// Parses --fidelity into `options`, points the process's operator-timing table at --op-cache,
/// and copies --beyond-capacity.
void apply_fidelity_options(const FidelityArgs& args, SimOptions& options);
/// With --op-cache: one line on stderr saying what the table loaded, simulated and recomputed.
void report_op_cache(const FidelityArgs& args);

}  // namespace tessera::cli
