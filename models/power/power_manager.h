// The chip's power manager: once per throttle window, while work remains, it prices the
// window's counter increments with the EnergyModel, records the window's average power, and
// -- when the power limit is on -- steps the on-die clocks through the operating points the
// way a real chip's controller does:
//   - window power above power.tdp_w and a lower point exists: step down one point;
//   - below the point the run asked for, and the window's power re-scaled to the next point up
//     (dynamic x f'/f x (V'/V)^2, static x V'/V) stays within tdp_w: step up one point.
// A step takes effect at the window boundary (transition latency is not modelled). Time spent
// below the requested point is reported as throttled. The manager adds one event per window
// and reads counters only; it never touches a tile.
//
// Contract: the chip builds it after every unit has registered its stats. It stops when the
// scheduler reports all operators finished, or after kIdleWindows windows without any
// work-proportional energy (a stall), so that a deadlock still ends the simulation and is
// reported by the caller.
#pragma once

#include <cstdint>
#include <vector>

#include <systemc>

#include "base/clock.h"
#include "models/config/chip_config.h"
#include "models/power/energy_model.h"

namespace tessera {

class HbmSystem;
class WorkScheduler;

struct PowerRunOptions {
  bool enabled = false;          // build a power manager at all (simulate() turns it on)
  std::uint32_t start_point = 0; // operating point the chip's clocks were built at
  bool limit = true;             // hold average window power to power.tdp_w
};

/// What the power manager saw, for the run's summary.
struct PowerTrace {
  double peak_window_w = 0;            // highest window average power; 0 if no full window
  double throttled_s = 0;              // time below the requested point
  std::uint32_t windows = 0;
  std::uint32_t throttle_steps = 0;    // step-downs
  std::uint32_t final_point = 0;
  std::vector<double> seconds_at_point;  // time spent at each operating point
};

class PowerManager : public sc_core::sc_module {
 public:
  static constexpr std::uint32_t kIdleWindows = 64;

  struct Clocks {
    ClockDomain* core = nullptr;
    ClockDomain* noc = nullptr;
    ClockDomain* sram = nullptr;
  };

  SC_HAS_PROCESS(PowerManager);
  PowerManager(sc_core::sc_module_name name, const ChipConfig& chip, const PowerRunOptions& options, Clocks clocks,
               const StatsRegistry& stats, const WorkScheduler& scheduler, HbmSystem* hbm);

  /// Accounts the last partial window, up to `end_fs` (the end of the run). Call once, after
  /// sc_start() has returned.
  void finish(std::uint64_t end_fs);
  /// Accounts the energy up to `now_fs` without ending the throttle window, so that the energy
  /// model's totals are current at that instant (the operator-timing table reads them there).
  void checkpoint(std::uint64_t now_fs) { accrue(now_fs); }

  EnergyModel& energy() { return energy_; }
  const EnergyModel& energy() const { return energy_; }
  // Not trace(): that name is sc_object's virtual trace(sc_trace_file*), which it would hide.
  const PowerTrace& throttle_trace() const { return trace_; }
  std::uint32_t point() const { return point_; }

 private:
  void run();
  void account_until(std::uint64_t now_fs);  // accrue(), then close the window
  void accrue(std::uint64_t now_fs);
  void set_point(std::uint32_t index);

  const ChipConfig& chip_;
  PowerRunOptions options_;
  Clocks clocks_;
  ClockConfig base_clocks_;  // the clocks the chip was built with (at options_.start_point)
  const WorkScheduler& scheduler_;
  HbmSystem* hbm_;
  EnergyModel energy_;
  std::uint32_t point_ = 0;
  std::uint64_t last_fs_ = 0;
  EnergyDelta last_window_;
  double last_window_s_ = 0;
  EnergyDelta window_;     // the open window's energy so far (checkpoints split it)
  double window_s_ = 0;
  PowerTrace trace_;
};

}  // namespace tessera
