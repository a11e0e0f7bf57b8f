// `tessera sweep --mpi`: rank 0 coordinates (journal, progress, table) and hands out one point
// index at a time to whichever rank asks next; ranks 1..N-1 run points. Every rank reads the spec
// and generates the same points itself, so only indices and result lines travel.
#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <algorithm>
#include <chrono>
#include <deque>
#include <thread>

#include <boost/mpi/collectives.hpp>
#include <boost/mpi/communicator.hpp>
#include <boost/mpi/environment.hpp>
#include <boost/serialization/string.hpp>
#include <boost/serialization/vector.hpp>
#include <fmt/core.h>

#include "base/types.h"
#include "sweep/coordinator.h"
#include "sweep/mpi_executor.h"
#include "sweep/runner.h"

namespace tessera::sweep {

namespace mpi = boost::mpi;
using Clock = std::chrono::steady_clock;

namespace {

/// What a rank other than 0 returns: nothing to print.
SweepOutcome quiet(int exit_code) {
  SweepOutcome o;
  o.reporter = false;
  o.exit_code = exit_code;
  return o;
}

constexpr int kWorkTag = 1;    // rank 0 -> worker: a point index, or -1 to stop
constexpr int kResultTag = 2;  // worker -> rank 0: one PointResult line

void master(const mpi::communicator& world, const std::vector<std::uint64_t>& todo, Coordinator& c) {
  std::deque<std::uint64_t> queue(todo.begin(), todo.end());
  std::vector<long long> current(std::size_t(world.size()), -1);
  int active = 0;
  auto hand_out = [&](int rank) {
    long long index = -1;
    if (!queue.empty()) {
      index = static_cast<long long>(queue.front());
      queue.pop_front();
      ++active;
    }
    current[std::size_t(rank)] = index;
    world.send(rank, kWorkTag, index);
  };
  for (int rank = 1; rank < world.size(); ++rank) hand_out(rank);
  auto receive = [&](const std::string& line, int rank) {
    PointResult r;
    try {
      r = PointResult::from_json(nlohmann::json::parse(line));
    } catch (const std::exception&) {
      r = PointResult{};
      r.index = std::uint64_t(current[std::size_t(rank)]);
      r.status = "failed";
      r.error = fmt::format("internal error: MPI rank {} sent a malformed result", rank);
    }
    --active;
    hand_out(rank);  // the worker goes on with its next point while the result is journaled
    return r;
  };
  // Rank 0 waits by polling with a short sleep rather than in a blocking receive, which MPI
  // implementations spin in: on an oversubscribed node (more ranks than cores) the core goes to a
  // worker instead.
  auto wait_result = [&]() -> mpi::status {
    auto pause = std::chrono::microseconds(20);
    for (;;) {
      if (const auto st = world.iprobe(mpi::any_source, kResultTag)) return *st;
      std::this_thread::sleep_for(pause);
      pause = std::min(pause * 2, std::chrono::microseconds(100));
    }
  };
  while (active > 0) {
    std::vector<PointResult> batch;
    std::string line;
    const mpi::status ready = wait_result();
    world.recv(ready.source(), kResultTag, line);
    batch.push_back(receive(line, ready.source()));
    // Results that arrived meanwhile go to the journal together: one fsync for all.
    while (const auto more = world.iprobe(mpi::any_source, kResultTag)) {
      world.recv(more->source(), kResultTag, line);
      batch.push_back(receive(line, more->source()));
    }
    c.record(std::move(batch));
  }
}

void worker(const mpi::communicator& world, const std::vector<Point>& points, const PointRunner& runner) {
  // Simulator chatter must not mix with rank 0's output (mpirun merges every rank's stdout).
  std::fflush(stdout);
  const int devnull = ::open("/dev/null", O_WRONLY | O_CLOEXEC);
  if (devnull >= 0) {
    ::dup2(devnull, STDOUT_FILENO);
    ::close(devnull);
  }
  for (;;) {
    long long index = -1;
    world.recv(0, kWorkTag, index);
    if (index < 0) return;
    PointResult r;
    if (std::uint64_t(index) < points.size()) {
      r = runner.run(points[std::size_t(index)]);
    } else {
      r.index = std::uint64_t(index);
      r.status = "failed";
      r.error = "internal error: no such point";
    }
    world.send(0, kResultTag, r.to_line());
  }
}

}  // namespace

namespace {

/// The sweep on one rank, inside the MPI environment. A problem every rank knows about (a bad spec,
/// an unusable journal) goes to `setup_error` so that all ranks can finalize MPI normally and rank 0
/// can report it; an exception that escapes (e.g. the journal's disk fills up mid-run) aborts the job.
SweepOutcome run_ranks(const SweepOptions& options, std::string& setup_error) {
  mpi::communicator world;
  const auto start = Clock::now();
  const bool root = world.rank() == 0;

  // Every rank sets up on its own; then all learn whether every rank succeeded.
  std::string error, print;
  std::optional<SweepSpec> spec;
  std::vector<Point> points;
  std::unique_ptr<PointRunner> runner;
  std::unique_ptr<Coordinator> coordinator;
  try {
    spec = load_sweep_spec(options.spec_path, options.extra_set);
    points = generate_points(*spec);
    print = fingerprint(*spec, points);
    if (!options.dry_run) {
      runner = std::make_unique<PointRunner>(*spec);
      if (root) coordinator = std::make_unique<Coordinator>(options, *spec, points, print, start);
    }
  } catch (const Error& e) {
    error = e.what();
  }
  std::vector<std::string> errors, prints;
  mpi::all_gather(world, error, errors);
  mpi::all_gather(world, print, prints);
  // A setup error is reported by rank 0 alone, and only rank 0 exits non-zero: mpirun aborts the
  // whole job at the first non-zero exit, which could kill rank 0 before it prints the error.
  for (int rank = 0; rank < world.size(); ++rank) {
    const std::string& e = errors[std::size_t(rank)];
    if (e.empty()) continue;
    if (!root) return quiet(0);
    setup_error = rank == 0 ? e : fmt::format("MPI rank {}: {}", rank, e);
    return quiet(2);
  }
  for (int rank = 1; rank < world.size(); ++rank)
    if (prints[std::size_t(rank)] != prints[0]) {
      if (!root) return quiet(0);
      setup_error = fmt::format("MPI rank {} generated different points than rank 0 (do all ranks see the same "
                                "spec, chip and workload files?)",
                                rank);
      return quiet(2);
    }
  if (options.dry_run) {
    if (!root) return quiet(0);
    return dry_run_outcome(*spec, points);
  }

  if (!root) {
    if (world.size() > 1) worker(world, points, *runner);
    return quiet(0);
  }
  std::string executor;
  if (world.size() == 1) {
    // A single rank has no workers: it runs the points itself, one after another.
    for (std::uint64_t index : coordinator->todo()) coordinator->record({runner->run(points[index])});
    executor = "1 MPI rank (no workers: points ran in rank 0)";
  } else {
    master(world, coordinator->todo(), *coordinator);
    executor = fmt::format("{} MPI ranks ({} worker{})", world.size(), world.size() - 1, world.size() == 2 ? "" : "s");
  }
  return coordinator->finish(false, executor);
}

}  // namespace

SweepOutcome MpiExecutor::run(const SweepOptions& options) const {
  std::string setup_error;
  SweepOutcome outcome;
  {
    mpi::environment env;  // MPI_Init; MPI_Finalize at the end of this scope (MPI_Abort if an exception escapes)
    outcome = run_ranks(options, setup_error);
  }
  if (!setup_error.empty()) throw Error(setup_error);
  return outcome;
}

}  // namespace tessera::sweep
