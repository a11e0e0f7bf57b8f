// One compute core: matrix engines, vector unit, scratchpad and DMA engine, driven by one
// SC_THREAD that runs tiles handed out by the WorkScheduler. Operand loads are double
// buffered: while step s computes out of one scratchpad half, the DMA fills the other half
// with step s+1 (possibly the first step of the next tile).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <systemc>

#include "models/chip/work_scheduler.h"
#include "base/clock.h"
#include "models/compute/matrix_engine.h"
#include "models/compute/vector_unit.h"
#include "models/config/chip_config.h"
#include "models/memory/dma_engine.h"
#include "models/memory/scratchpad.h"

namespace tessera {

class GlobalSram;
class Noc;
class Timeline;

struct CoreContext {
  const std::vector<OpPlan>* plans = nullptr;
  const std::vector<std::string>* op_ids = nullptr;
  WorkScheduler* scheduler = nullptr;
  Noc* noc = nullptr;
  GlobalSram* sram = nullptr;
  bool infinite_memory = false;
  Timeline* timeline = nullptr;
  double matrix_efficiency = 1.0;  // calibration.matrix_efficiency
};

class Core : public sc_core::sc_module {
 public:
  Core(sc_core::sc_module_name name, const CoreConfig& cfg, const ClockDomain& clock, DmaEndpoints endpoints,
       const CoreContext& ctx, StatsRegistry& stats);

  /// What the core is doing, for the deadlock report.
  std::string state() const;

 private:
  struct Step {
    TileTask task;
    std::uint32_t index = 0;
    TileStep work;
    DmaJob loads[2];
    std::uint32_t slot = 0;
  };
  void run();
  bool pull(Step& step, bool block);
  void issue_loads(Step& step);
  void compute(Step& step);
  void store(const Step& step);

  const CoreConfig& cfg_;
  const ClockDomain& clock_;  // shared with the chip: DVFS may change its frequency
  CoreContext ctx_;
  Scratchpad scratchpad_;
  MatrixEngine matrix_;
  VectorUnit vector_;
  DmaEngine dma_;
  std::vector<std::unique_ptr<DmaJob>> stores_;  // in flight; recycled once done
  // Cheap to update on every step; formatted only when someone asks.
  enum class Activity { not_started, waiting_for_work, waiting_for_loads, computing, finished };
  Activity activity_ = Activity::not_started;
  TileTask activity_task_;
};

}  // namespace tessera
