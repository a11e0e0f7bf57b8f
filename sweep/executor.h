// Where points run. SystemC's kernel context is a process-global, so points never run in threads
// of one process: locally they run in forked worker processes, under MPI in the ranks. Both hand
// out one point index at a time to whichever worker is free (dynamic load balancing: points differ
// widely in cost), and report each result to `sink` in completion order.
#pragma once

#include <csignal>
#include <cstdint>
#include <functional>
#include <vector>

#include "sweep/points.h"
#include "sweep/runner.h"

namespace tessera::sweep {

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
