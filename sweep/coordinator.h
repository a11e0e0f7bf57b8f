// Internal to the sweep library: what the coordinating process (the local parent, or MPI rank 0)
// does around the executor: opens the journal, decides which points still have to run, records
// each result (journal + progress bar), and at the end writes the table.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "sweep/journal.h"
#include "sweep/points.h"
#include "sweep/progress.h"
#include "sweep/spec.h"
#include "sweep/sweep.h"

namespace tessera::sweep {

class Coordinator {
 public:
  Coordinator(const SweepOptions& options, const SweepSpec& spec, const std::vector<Point>& points,
              std::string fingerprint, std::chrono::steady_clock::time_point start);

  /// Point indices that still have to run, in index order.
  const std::vector<std::uint64_t>& todo() const { return todo_; }
  int journal_fd() const { return journal_.fd(); }
  /// Journals finished points (one write, one fsync) and advances the progress bar.
  void record(std::vector<PointResult>&& rs);
  /// Builds the table; writes the HDF5 file unless interrupted or points are missing.
  SweepOutcome finish(bool interrupted, const std::string& executor);

 private:
  const SweepOptions& options_;
  const SweepSpec& spec_;
  const std::vector<Point>& points_;
  std::string fingerprint_;
  std::string out_;
  Journal journal_;
  std::vector<std::uint64_t> todo_;
  std::uint64_t already_ = 0, ran_ = 0;
  double point_wall_ = 0;
  std::unique_ptr<Progress> progress_;
  std::chrono::steady_clock::time_point start_;
};

/// The results path for `options`: --out, or "<spec stem>.h5" in the working directory.
std::string output_path(const SweepOptions& options);

/// The outcome of a dry run (no journal, nothing simulated).
SweepOutcome dry_run_outcome(const SweepSpec& spec, const std::vector<Point>& points);

}  // namespace tessera::sweep
