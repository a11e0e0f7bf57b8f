#include "models/chip/work_scheduler.h"

#include <algorithm>
#include <limits>

#include <fmt/format.h>

namespace tessera {

WorkScheduler::WorkScheduler(const std::vector<OpPlan>& plans, const std::vector<std::vector<std::uint32_t>>& deps)
    : plans_(plans), progress_(plans.size()) {
  for (std::uint32_t i = 0; i < plans.size(); ++i) {
    progress_[i].tiles_total = plans[i].tiles();
    progress_[i].deps_left = static_cast<std::uint32_t>(deps[i].size());
    for (std::uint32_t d : deps[i]) progress_[d].dependents.push_back(i);
    total_tiles_ += progress_[i].tiles_total;
  }
}

void WorkScheduler::start() {
  const std::uint64_t now = sc_core::sc_time_stamp().value();
  for (std::uint32_t i = 0; i < progress_.size(); ++i)
    if (progress_[i].deps_left == 0) make_ready(i, now);
}

void WorkScheduler::make_ready(std::uint32_t op, std::uint64_t at_fs) {
  OpProgress& p = progress_[op];
  p.ready = true;
  p.ready_fs = at_fs;
  if (p.tiles_total == 0) {
    p.start_fs = at_fs;
    if (on_start_) on_start_(op);
    finish(op, at_fs);
    return;
  }
  ready_.insert(op);
  const std::uint64_t now = sc_core::sc_time_stamp().value();
  work_available_.notify(sc_core::sc_time::from_value(at_fs > now ? at_fs - now : 0));
}

void WorkScheduler::finish(std::uint32_t op, std::uint64_t at_fs) {
  OpProgress& p = progress_[op];
  p.finished = true;
  p.end_fs = at_fs;
  if (++finished_ops_ == progress_.size()) {
    const std::uint64_t now = sc_core::sc_time_stamp().value();
    all_done_.notify(sc_core::sc_time::from_value(at_fs > now ? at_fs - now : 0));
  }
  for (std::uint32_t d : p.dependents) {
    OpProgress& q = progress_[d];
    q.ready_fs = std::max(q.ready_fs, at_fs);
    if (--q.deps_left == 0) make_ready(d, q.ready_fs);
  }
}

bool WorkScheduler::next(TileTask& task) {
  const std::uint64_t now = sc_core::sc_time_stamp().value();
  for (std::uint32_t op : ready_) {
    OpProgress& p = progress_[op];
    if (p.ready_fs > now) continue;  // its inputs land later
    if (!p.started) {
      p.started = true, p.start_fs = now;
      if (on_start_) on_start_(op);
    }
    task = {op, p.tiles_issued++};
    ++issued_;
    if (p.tiles_issued == p.tiles_total) ready_.erase(op);
    return true;
  }
  arm_for_future();
  return false;
}

void WorkScheduler::arm_for_future() {
  // An sc_event keeps only its earliest pending notification, so re-arm for the earliest
  // operator that becomes ready later than now.
  const std::uint64_t now = sc_core::sc_time_stamp().value();
  std::uint64_t earliest = std::numeric_limits<std::uint64_t>::max();
  for (std::uint32_t op : ready_)
    if (progress_[op].ready_fs > now) earliest = std::min(earliest, progress_[op].ready_fs);
  if (earliest != std::numeric_limits<std::uint64_t>::max())
    work_available_.notify(sc_core::sc_time::from_value(earliest - now));
}

void WorkScheduler::tile_done(std::uint32_t op, std::uint64_t done_fs) {
  OpProgress& p = progress_[op];
  p.end_fs = std::max(p.end_fs, done_fs);
  if (++p.tiles_done == p.tiles_total) finish(op, p.end_fs);
}

std::vector<std::string> WorkScheduler::waiting_report(const std::vector<std::string>& op_ids) const {
  std::vector<std::string> lines;
  for (std::uint32_t i = 0; i < progress_.size(); ++i) {
    const OpProgress& p = progress_[i];
    if (p.finished) continue;
    if (!p.ready) {
      std::vector<std::string> waits;
      for (std::uint32_t j = 0; j < progress_.size(); ++j)
        if (!progress_[j].finished &&
            std::find(progress_[j].dependents.begin(), progress_[j].dependents.end(), i) != progress_[j].dependents.end())
          waits.push_back(op_ids[j]);
      lines.push_back(fmt::format("operator '{}' waits for {} unfinished dependencies: {}", op_ids[i], p.deps_left,
                                  fmt::join(waits, ", ")));
    } else {
      lines.push_back(fmt::format("operator '{}' is ready: {} of {} tiles issued, {} stored", op_ids[i], p.tiles_issued,
                                  p.tiles_total, p.tiles_done));
    }
  }
  return lines;
}

}  // namespace tessera
