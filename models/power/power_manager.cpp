#include "models/power/power_manager.h"

#include <algorithm>

#include "models/chip/work_scheduler.h"
#include "models/memory/hbm_system.h"

namespace tessera {

namespace {
constexpr double kFsPerSecond = 1e15;
constexpr double kPjPerJoule = 1e12;
}  // namespace

PowerManager::PowerManager(sc_core::sc_module_name name, const ChipConfig& chip, const PowerRunOptions& options,
                           Clocks clocks, const StatsRegistry& stats, const WorkScheduler& scheduler, HbmSystem* hbm)
    : sc_module(name),
      chip_(chip),
      options_(options),
      clocks_(clocks),
      base_clocks_(chip.clocks),
      scheduler_(scheduler),
      hbm_(hbm),
      energy_(chip, stats),
      point_(options.start_point) {
  trace_.seconds_at_point.assign(chip.power.operating_points.size(), 0.0);
  trace_.final_point = point_;
  SC_THREAD(run);
}

void PowerManager::set_point(std::uint32_t index) {
  const double ratio = chip_.power.operating_points[index].core_mhz /
                       chip_.power.operating_points[options_.start_point].core_mhz;
  if (clocks_.core) clocks_.core->set_mhz(base_clocks_.core_mhz * ratio);
  if (clocks_.noc) clocks_.noc->set_mhz(base_clocks_.noc_mhz * ratio);
  if (clocks_.sram) clocks_.sram->set_mhz(base_clocks_.sram_mhz * ratio);
  point_ = index;
}

void PowerManager::accrue(std::uint64_t now_fs) {
  if (hbm_) hbm_->sync_stats();  // refreshes accrue lazily while a channel idles
  const std::uint64_t from = last_fs_;
  const double seconds = now_fs > from ? double(now_fs - from) / kFsPerSecond : 0.0;
  const EnergyDelta d = energy_.account(seconds, point_);
  window_.dynamic_pj += d.dynamic_pj;
  window_.refresh_pj += d.refresh_pj;
  window_.static_pj += d.static_pj;
  window_s_ += seconds;
  trace_.seconds_at_point[point_] += seconds;
  if (point_ < options_.start_point) trace_.throttled_s += seconds;
  last_fs_ = std::max(last_fs_, now_fs);
}

void PowerManager::account_until(std::uint64_t now_fs) {
  accrue(now_fs);
  last_window_ = window_;
  last_window_s_ = window_s_;
  window_ = {};
  window_s_ = 0;
}

void PowerManager::run() {
  const sc_core::sc_time window(chip_.power.throttle_window_us, sc_core::SC_US);
  const double tdp = chip_.power.tdp_w;
  std::uint32_t idle = 0;
  for (;;) {
    sc_core::wait(window, scheduler_.all_done());
    if (scheduler_.all_finished()) return;  // simulate() accounts the rest up to the run's end
    account_until(sc_core::sc_time_stamp().value());
    if (last_window_s_ <= 0) continue;
    ++trace_.windows;
    const double watts = last_window_.total_pj() / kPjPerJoule / last_window_s_;
    trace_.peak_window_w = std::max(trace_.peak_window_w, watts);
    if (last_window_.dynamic_pj > 0) idle = 0;
    else if (++idle >= kIdleWindows) return;  // stalled: let the kernel run dry
    if (!options_.limit) continue;
    if (watts > tdp && point_ > 0) {
      set_point(point_ - 1);
      ++trace_.throttle_steps;
    } else if (point_ < options_.start_point) {
      // Would the next point up fit? Re-scale this window's power to it.
      const EnergyTable& cur = energy_.table(point_);
      const EnergyTable& up = energy_.table(point_ + 1);
      const double refresh_w = last_window_.refresh_pj / kPjPerJoule / last_window_s_;
      const double dynamic_w = std::max(0.0, watts - cur.static_w.total() - refresh_w);
      const double f = up.point.core_mhz / cur.point.core_mhz;
      const double v = up.point.volts / cur.point.volts;
      if (up.static_w.total() + refresh_w + dynamic_w * f * v * v <= tdp) set_point(point_ + 1);
    }
  }
}

void PowerManager::finish(std::uint64_t end_fs) {
  account_until(std::max(end_fs, last_fs_));
  trace_.final_point = point_;
}

}  // namespace tessera
