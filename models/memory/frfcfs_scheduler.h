// First-ready, first-come first-served: among requests whose bank is ready, the oldest row hit
// (the bank's open row after everything already committed), else the oldest request.
#pragma once

#include "models/memory/hbm_scheduler.h"

namespace tessera {

class FrFcfsScheduler final : public HbmScheduler {
 public:
  std::size_t pick(std::span<const SchedulerEntry> queue,
                   std::span<const SchedulerBankView> banks) override;
  const char* name() const override { return "frfcfs"; }
};

}  // namespace tessera
