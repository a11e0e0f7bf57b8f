#include "models/memory/frfcfs_scheduler.h"

namespace tessera {

std::size_t FrFcfsScheduler::pick(std::span<const SchedulerEntry> queue,
                                  std::span<const SchedulerBankView> banks) {
  std::size_t oldest = kNone;
  for (std::size_t i = 0; i < queue.size(); ++i) {
    const SchedulerBankView& b = banks[queue[i].bank];
    if (!b.ready) continue;
    if (b.open_row == queue[i].row) return i;  // oldest row hit
    if (oldest == kNone) oldest = i;
  }
  return oldest;
}

}  // namespace tessera
