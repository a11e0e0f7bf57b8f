// tessera sweep: a design-space sweep (docs/sweeps.md) on local worker processes or MPI ranks.
#include <iostream>

#include <fmt/core.h>

#include "apps/tessera/cli_common.h"
#include "apps/tessera/commands.h"
#include "base/types.h"
#include "sim/op_table.h"
#include "sweep/sweep.h"

namespace tessera::cli {

namespace {

constexpr const char* kUsage =
    "usage: tessera sweep SPEC [-j N] [-o OUT.h5] [--resume | --restart] [--format table|json]\n"
    "       mpirun -np N tessera sweep SPEC --mpi [...]\n\n"
    "Runs every design point of a sweep spec (YAML: base chip, workload, parameters by chip key path,\n"
    "grid/list/random/lhs sampling, constraints, metrics, Pareto front; see docs/sweeps.md and\n"
    "configs/sweeps/). Points run in N local worker processes, or over MPI ranks with --mpi (rank 0\n"
    "coordinates, the other ranks run points). Each finished point is journaled to OUT.h5.journal;\n"
    "when all are done the table is written to OUT.h5 (a row per point: parameters, metrics, status,\n"
    "error, wall_s) with its Pareto front. A failed point is recorded with its error and the sweep\n"
    "goes on; an interrupted sweep continues with --resume without redoing finished points.\n"
    "OUT.h5 defaults to the spec's file name with .h5, in the working directory.";

}  // namespace

int cmd_sweep(int argc, char** argv) {
  std::string spec, format_text;
  CommonOptions common;
  sweep::SweepOptions options;
  std::string op_cache;  // the spec's `fidelity:` says how points are timed
  po::options_description desc("tessera sweep options");
  desc.add_options()("help,h", "show this help")
      ("spec", po::value<std::string>(&spec), "sweep spec (YAML)")
      ("jobs,j", whole_number(&options.jobs, "jobs", 0, 4096)->default_value("0"),
       "local worker processes (0: one per CPU core)")
      ("mpi", po::bool_switch(&options.mpi), "distribute the points over MPI ranks (run under mpirun)")
      ("resume", "continue an interrupted sweep from its journal (OUT.h5.journal)")
      ("restart", "discard an existing journal and run every point again")
      ("retry-failed", po::bool_switch(&options.retry_failed), "with --resume: run the failed points again")
      ("dry-run", po::bool_switch(&options.dry_run), "list the points (and those constraints skip); simulate nothing")
      ("op-cache", po::value<std::string>(&op_cache),
       "keep the operator-timing table in directory DIR: workers and ranks share it, later sweeps reuse it")
      ("no-progress", "never draw the progress bar (it is drawn only when stderr is a terminal)");
  add_common_options(desc, common, format_text);
  add_list_keys_option(desc);
  po::positional_options_description pos;
  pos.add("spec", 1);
  po::variables_map vm;
  if (!parse_command_line(argc, argv, desc, vm, kUsage, &pos)) return 0;
  const OutputFormat format = parse_format(format_text);
  if (spec.empty()) throw Error("give the sweep spec file (see 'tessera sweep --help')");
  if (vm.count("resume") && vm.count("restart")) throw Error("--resume and --restart exclude each other");
  if (options.retry_failed && !vm.count("resume")) throw Error("--retry-failed goes with --resume");
  if (options.mpi && !vm["jobs"].defaulted())
    throw Error("-j sets local worker processes; with --mpi the ranks are the workers (mpirun -np N)");
  options.spec_path = spec;
  options.extra_set = common.overrides;
  options.out = common.out;
  options.journal_mode = vm.count("resume")    ? sweep::Journal::OpenMode::resume
                         : vm.count("restart") ? sweep::Journal::OpenMode::restart
                                               : sweep::Journal::OpenMode::fresh;
  options.progress = !vm.count("no-progress");

  if (!op_cache.empty()) shared_op_table().set_cache_dir(op_cache);
  const sweep::SweepOutcome outcome = sweep::run_sweep(options);
  if (!outcome.reporter) return outcome.exit_code;
  if (format == OutputFormat::json) print_json(sweep::outcome_json(outcome));
  else std::cout << sweep::outcome_text(outcome);
  return outcome.interrupted ? 130 : 0;
}

}  // namespace tessera::cli
