// `tessera sweep`: runs every point of a sweep spec on local worker processes or MPI ranks,
// journals each finished point, and writes the results table (HDF5) and its Pareto front.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "sweep/journal.h"
#include "sweep/table.h"

namespace tessera::sweep {

struct SweepOptions {
  std::string spec_path;
  std::vector<std::string> extra_set;  // --set, applied after the spec's own `set`
  std::string out;                     // HDF5 results; empty: "<spec stem>.h5" in the working directory
  unsigned jobs = 0;                   // local worker processes; 0 = one per core
  bool mpi = false;                    // distribute over MPI ranks (rank 0 coordinates)
  Journal::OpenMode journal_mode = Journal::OpenMode::fresh;
  bool retry_failed = false;           // with resume: run failed points again
  bool dry_run = false;                // only generate the points
  bool progress = true;                // draw the progress bar when stderr is a terminal
};

struct FrontPoint {
  std::uint64_t index = 0;
  std::vector<std::string> values;  // the point's parameter and computed values, as text
  double x = 0, y = 0;
};

struct SweepOutcome {
  bool reporter = true;        // false on MPI ranks other than 0: they print nothing
  int exit_code = 0;           // for non-reporting ranks: 2 when the sweep could not start
  bool interrupted = false;    // stopped by a signal; the journal has the finished points
  bool dry_run = false;
  std::string name;
  std::string out, journal;
  std::string executor;        // "4 local workers", "3 MPI ranks (2 workers)"
  std::uint64_t points = 0;
  std::uint64_t already = 0;   // finished before this run (resumed)
  std::uint64_t ran = 0;       // run by this invocation
  std::uint64_t ok = 0, failed = 0, skipped = 0, pending = 0;
  double wall_s = 0;           // this invocation, setup to table
  double point_wall_s = 0;     // summed wall time of the points run now
  std::vector<std::string> columns;  // parameter and computed keys
  std::vector<std::pair<std::uint64_t, std::string>> failures;  // index, error (first line)
  std::string pareto_x, pareto_y, pareto_x_goal, pareto_y_goal;
  std::vector<FrontPoint> front;
  std::vector<std::string> warnings;
  std::vector<std::vector<std::string>> dry_points;  // dry run: each point's values (+ "skipped: ...")
};

/// Runs the sweep. With `mpi`, every rank calls it (rank 0 returns the outcome to report). Throws
/// tessera::Error for a bad spec, an unusable journal or output path.
SweepOutcome run_sweep(const SweepOptions& options);

/// The outcome as the JSON document `--format json` prints.
nlohmann::json outcome_json(const SweepOutcome& o);
/// The outcome as text for a terminal.
std::string outcome_text(const SweepOutcome& o);

}  // namespace tessera::sweep
