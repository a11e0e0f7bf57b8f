// The chip: cores, on-chip network, global SRAM and HBM, wired in one place. Endpoints on the
// NoC are the cores (0 .. cores-1) followed by the global-SRAM banks; both are spread evenly
// over the routers. The global SRAM sits in front of the HBM controllers (memory-side), so
// SRAM<->HBM traffic does not cross the NoC.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <systemc>

#include "models/chip/core.h"
#include "models/chip/work_scheduler.h"
#include "base/clock.h"
#include "models/config/chip_config.h"
#include "models/memory/global_sram.h"
#include "models/memory/hbm_system.h"
#include "models/noc/noc.h"
#include "models/power/power_manager.h"

namespace tessera {

class Timeline;

/// What a chip is built from. The chip keeps references to all of it: every referenced object
/// must outlive the chip.
struct ChipParams {
  const ChipConfig& config;               // resolved at the run's operating point
  const std::vector<OpPlan>& plans;       // one per operator, executed by the cores
  const std::vector<std::string>& op_ids;  // operator names, parallel to plans
  WorkScheduler& scheduler;               // hands the plans' tiles to the cores
  StatsRegistry& stats;                   // every unit registers its statistics here
  Timeline& timeline;                     // per-tile records, when the run keeps them
  Bytes sram_block_bytes = 0;             // global-SRAM block (caching unit), normally a DMA packet
  bool infinite_memory = false;           // gemm --compute-only: every DMA job completes at once
  PowerRunOptions power = {};             // power management, off unless enabled
};

class Chip : public sc_core::sc_module {
 public:
  Chip(sc_core::sc_module_name name, const ChipParams& params);

  /// One line per unit that still has work (for the deadlock report).
  std::vector<std::string> waiting_report() const;
  const ClockDomain& core_clock() const { return core_clock_; }
  /// The power manager, when the run asked for one (PowerRunOptions::enabled); else null.
  PowerManager* power() { return power_.get(); }

 private:
  void start();

  const ChipConfig& cfg_;
  WorkScheduler& scheduler_;
  ClockDomain core_clock_, noc_clock_, sram_clock_;
  HbmSystem hbm_;
  GlobalSram sram_;
  std::unique_ptr<Noc> noc_;
  std::vector<std::unique_ptr<Core>> cores_;
  std::unique_ptr<PowerManager> power_;  // built last: it observes every unit's stats
};

}  // namespace tessera
