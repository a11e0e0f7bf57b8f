// Hands out tiles to cores in dependency order. An operator becomes ready when all its
// dependencies have finished (their last tile stored); ready operators' tiles go to whichever
// core asks first, earliest operator first, so independent operators overlap and faster cores
// take more tiles. Operators without on-chip work (collectives on one chip) finish as soon as
// they are ready.
#pragma once

#include <cstdint>
#include <functional>
#include <set>
#include <string>
#include <vector>

#include <systemc>

#include "models/chip/op_plan.h"

namespace tessera {

struct TileTask {
  std::uint32_t op = 0;
  std::uint64_t tile = 0;
};

/// Run-time record of one operator, also the source of its result row.
struct OpProgress {
  std::vector<std::uint32_t> dependents;
  std::uint32_t deps_left = 0;
  std::uint64_t tiles_total = 0, tiles_issued = 0, tiles_done = 0;
  bool ready = false, finished = false, started = false;
  std::uint64_t ready_fs = 0, start_fs = 0, end_fs = 0;
  // Attribution, summed over the operator's tiles.
  double engine_cycles = 0;  // matrix or vector unit cycles
  double hbm_bytes = 0;
  double sram_bytes = 0;
};

class WorkScheduler {
 public:
  /// `deps[i]` lists the operators operator i waits for (indices < i: topological order).
  WorkScheduler(const std::vector<OpPlan>& plans, const std::vector<std::vector<std::uint32_t>>& deps);

  /// Readies the operators without dependencies; call once at time zero from a process.
  void start();
  /// Next tile of the earliest ready operator; false when none is ready now (then
  /// work_available() is notified when one may be).
  bool next(TileTask& task);
  /// Every tile has been handed out: cores may stop asking.
  bool all_issued() const { return issued_ == total_tiles_; }
  bool all_finished() const { return finished_ops_ == progress_.size(); }
  /// A tile's output is stored at `done_fs` (may be in the future).
  void tile_done(std::uint32_t op, std::uint64_t done_fs);
  sc_core::sc_event& work_available() { return work_available_; }
  /// Notified at the instant the last operator finishes (watchers stop there, so the kernel
  /// does not run on to their next timeout).
  const sc_core::sc_event& all_done() const { return all_done_; }
  /// Called once per operator when its first tile is handed out (or, without tiles, when it
  /// is ready), before the tile runs: the operator-timing table reads the counters there.
  void on_start(std::function<void(std::uint32_t op)> observer) { on_start_ = std::move(observer); }

  std::vector<OpProgress>& progress() { return progress_; }
  const std::vector<OpProgress>& progress() const { return progress_; }
  /// One line per unfinished operator saying what it waits for (deadlock report).
  std::vector<std::string> waiting_report(const std::vector<std::string>& op_ids) const;

 private:
  void make_ready(std::uint32_t op, std::uint64_t at_fs);
  void finish(std::uint32_t op, std::uint64_t at_fs);
  void arm_for_future();

  const std::vector<OpPlan>& plans_;
  std::vector<OpProgress> progress_;
  std::set<std::uint32_t> ready_;  // ready operators with tiles left, by index
  std::uint64_t total_tiles_ = 0, issued_ = 0;
  std::size_t finished_ops_ = 0;
  sc_core::sc_event work_available_;
  sc_core::sc_event all_done_;
  std::function<void(std::uint32_t)> on_start_;
};

}  // namespace tessera
