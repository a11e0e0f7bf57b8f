#include "models/memory/hbm_wake_dispatcher.h"

#include <algorithm>
#include <functional>

#include "models/memory/hbm_channel.h"

namespace tessera {

HbmWakeDispatcher::HbmWakeDispatcher(sc_core::sc_module_name name, const ClockDomain& hbm_clock)
    : sc_core::sc_module(name), clock_(hbm_clock), event_("wake") {
  SC_METHOD(dispatch);
  sensitive << event_;
  dont_initialize();
}

std::uint32_t HbmWakeDispatcher::add(HbmChannel& channel) {
  channels_.push_back(&channel);
  return static_cast<std::uint32_t>(channels_.size() - 1);
}

void HbmWakeDispatcher::arm(HbmTick cycle) {
  if (cycle >= armed_) return;
  armed_ = cycle;
  event_.notify(clock_.cycles(static_cast<Cycles>(cycle)) - sc_core::sc_time_stamp());
}

void HbmWakeDispatcher::wake(std::uint32_t handle, HbmTick cycle) {
  heap_.push_back(Wake{cycle, handle});
  std::push_heap(heap_.begin(), heap_.end(), std::greater<>());
  arm(cycle);
}

void HbmWakeDispatcher::dispatch() {
  armed_ = kNever;
  const auto now = static_cast<HbmTick>(clock_.cycle_at(clock_.next_edge(sc_core::sc_time_stamp())));
  while (!heap_.empty() && heap_.front().cycle <= now) {
    const Wake w = heap_.front();
    std::pop_heap(heap_.begin(), heap_.end(), std::greater<>());
    heap_.pop_back();
    channels_[w.handle]->wake_due(w.cycle);  // may add wake-ups for later cycles
  }
  if (!heap_.empty()) arm(heap_.front().cycle);
}

}  // namespace tessera
