// Where a sweep's points run: the part `--mpi` swaps. SystemC's kernel context is a process-
// global, so points never run in threads of one process: locally they run in forked worker
// processes (local_executor.h), under MPI in the ranks (mpi_executor.h). executor_registry.h
// maps the executor names to them.
#pragma once

#include <string_view>

#include "sweep/sweep.h"

namespace tessera::sweep {

class SweepExecutor {
 public:
  virtual ~SweepExecutor() = default;

  // Contract:
  //  - run() does the whole sweep for `options`: loads the spec (with --set applied), generates
  //    the points, and for a dry run returns dry_run_outcome without opening a journal or
  //    simulating. Otherwise the coordinating process opens the journal through a Coordinator,
  //    runs every point in its todo() list at most once, each in a process of its own that holds
  //    no other point's kernel, records each result with Coordinator::record as it finishes
  //    (completion order; the table is sorted by point index later), and ends with
  //    Coordinator::finish, naming itself in words ("4 local worker processes").
  //  - Points go to whichever worker is free, one index at a time (points differ widely in
  //    cost). A point that crashes its worker is recorded as failed; the sweep goes on.
  //  - A stop signal (SIGINT/SIGTERM) ends the sweep between points with interrupted set; the
  //    journal keeps every finished point so a resume runs only the rest.
  //  - Setup problems (bad spec, unusable journal or output path) throw Error with the same
  //    message whichever executor runs. Processes that do not coordinate return an outcome with
  //    reporter == false and print nothing.
  //  - Executors hold no state between runs: one instance serves every call.
  virtual SweepOutcome run(const SweepOptions& options) const = 0;
  /// The name that selects it in executor_registry.h.
  virtual std::string_view name() const = 0;
};

}  // namespace tessera::sweep
