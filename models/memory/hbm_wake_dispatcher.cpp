#include "models/memory/hbm_wake_dispatcher.h"

#include <algorithm>
#include <functional>
#include <stdexcept>

#include "models/memory/hbm_channel.h"

namespace tessera {

HbmWakeDispatcher::HbmWakeDispatcher(sc_core::sc_module_name name, const ClockDomain& hbm_clock)
    : sc_core::sc_module(name), clock_(hbm_clock), buckets_(kWindow), occupied_(kWindow / 64, 0), event_("wake") {
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

void HbmWakeDispatcher::add_to_bucket(HbmTick cycle, std::uint32_t handle) {
  const auto i = static_cast<std::size_t>(cycle & (kWindow - 1));
  buckets_[i].push_back(handle);
  occupied_[i >> 6] |= std::uint64_t{1} << (i & 63);
}

void HbmWakeDispatcher::wake(std::uint32_t handle, HbmTick cycle) {
  // A wake-up for the current cycle may come after the dispatcher ran in this cycle (from a
  // later delta cycle): base_ is then this cycle, so it still goes into a bucket.
  if (cycle < base_) throw std::logic_error("HbmWakeDispatcher: wake-up in the past");
  if (cycle - base_ < kWindow) {
    add_to_bucket(cycle, handle);
  } else {
    far_.push_back(Wake{cycle, handle});
    std::push_heap(far_.begin(), far_.end(), std::greater<>());
  }
  arm(cycle);
}

HbmTick HbmWakeDispatcher::next_bucket(HbmTick from) const {
  for (HbmTick c = from; c < base_ + kWindow;) {
    const auto i = static_cast<std::size_t>(c & (kWindow - 1));
    const std::uint64_t bits = occupied_[i >> 6] >> (i & 63);
    if (bits != 0) {
      const HbmTick found = c + __builtin_ctzll(bits);
      return found < base_ + kWindow ? found : kNever;
    }
    c += 64 - HbmTick(i & 63);
  }
  return kNever;
}

void HbmWakeDispatcher::dispatch() {
  armed_ = kNever;
  const auto now = static_cast<HbmTick>(clock_.cycle_at(clock_.next_edge(sc_core::sc_time_stamp())));
  // The event fires at the earliest wake-up, so no bucket before `now` holds one.
  base_ = now;
  while (!far_.empty() && far_.front().cycle < base_ + kWindow) {
    add_to_bucket(far_.front().cycle, far_.front().handle);
    std::pop_heap(far_.begin(), far_.end(), std::greater<>());
    far_.pop_back();
  }
  const auto i = static_cast<std::size_t>(now & (kWindow - 1));
  std::vector<std::uint32_t>& due = buckets_[i];
  // Channels run in index order (the order does not change a channel's commands, but it does
  // decide which completions the kernel sees first). They only ask for later cycles while they
  // run, so `due` does not grow here.
  if (due.size() > 1) std::sort(due.begin(), due.end());
  for (std::size_t k = 0; k < due.size(); ++k) channels_[due[k]]->wake_due(now);
  due.clear();
  occupied_[i >> 6] &= ~(std::uint64_t{1} << (i & 63));
  HbmTick next = next_bucket(now + 1);
  if (next == kNever && !far_.empty()) next = far_.front().cycle;
  if (next != kNever) arm(next);
}

}  // namespace tessera
