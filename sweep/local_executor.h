// The local executor: points run in forked worker processes on this machine (-j N, default one
// per online core). The parent coordinates; each worker runs points one after another.
#pragma once

#include <csignal>
#include <cstdint>
#include <functional>
#include <vector>

#include "sweep/executor.h"
#include "sweep/points.h"
#include "sweep/runner.h"

namespace tessera::sweep {

class LocalExecutor final : public SweepExecutor {
 public:
  SweepOutcome run(const SweepOptions& options) const override;
  std::string_view name() const override { return "local"; }
};

/// Receives finished points; several at once when they arrived together (one journal fsync for all).
using ResultSink = std::function<void(std::vector<PointResult>&&)>;

/// Runs points[i] for every i in `todo` on `jobs` forked worker processes (each runs points one
/// after another; a worker that dies is replaced and its point recorded as failed). `close_in_child`
/// are descriptors the workers must not keep (e.g. the journal's). Returns false when `*stop`
/// became non-zero (a signal): the workers are killed and unfinished points are left out.
bool run_local(const std::vector<Point>& points, const std::vector<std::uint64_t>& todo, unsigned jobs,
               const PointRunner& runner, const ResultSink& sink, const std::vector<int>& close_in_child,
               const volatile std::sig_atomic_t* stop);

/// Number of local worker processes `-j 0` means: the online CPU cores.
unsigned default_jobs();

}  // namespace tessera::sweep
