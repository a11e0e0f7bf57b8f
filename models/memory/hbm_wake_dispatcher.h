// Wakes the HBM channels of a chip through one SystemC event. All channels share the HBM
// clock, so their wake-ups fall on the same edges; keeping them in a calendar queue here costs
// far less than a timed kernel event per channel per wake-up (the kernel's timed queue was a
// fifth of a run's time). The dispatcher is an SC_METHOD like the channels it replaces as the
// trigger, so a channel still runs in the same delta cycle as with an event of its own.
#pragma once

#include <cstdint>
#include <limits>
#include <vector>

#include <systemc>

#include "base/clock.h"
#include "models/memory/hbm_command_calendar.h"

namespace tessera {

class HbmChannel;

class HbmWakeDispatcher : public sc_core::sc_module {
 public:
  SC_HAS_PROCESS(HbmWakeDispatcher);
  HbmWakeDispatcher(sc_core::sc_module_name name, const ClockDomain& hbm_clock);
  /// Registers a channel; returns the handle it passes to wake().
  std::uint32_t add(HbmChannel& channel);
  /// Calls channel `handle`'s wake_due(cycle) at the start of HBM cycle `cycle` (now or later).
  void wake(std::uint32_t handle, HbmTick cycle);

 private:
  struct Wake {
    HbmTick cycle;
    std::uint32_t handle;
    bool operator>(const Wake& o) const { return cycle != o.cycle ? cycle > o.cycle : handle > o.handle; }
  };
  static constexpr HbmTick kNever = std::numeric_limits<HbmTick>::max();
  // Wake-ups within kWindow cycles of base_ sit in a bucket per cycle (a calendar queue: O(1)
  // to add, a bit scan to find the next); later ones wait in a min-heap until they come close.
  static constexpr HbmTick kWindow = 1024;
  void dispatch();  // SC_METHOD
  void arm(HbmTick cycle);
  void add_to_bucket(HbmTick cycle, std::uint32_t handle);
  /// The first cycle in [from, base_ + kWindow) with a non-empty bucket, or kNever.
  HbmTick next_bucket(HbmTick from) const;

  const ClockDomain& clock_;
  std::vector<HbmChannel*> channels_;
  std::vector<std::vector<std::uint32_t>> buckets_;  // by cycle mod kWindow
  std::vector<std::uint64_t> occupied_;              // bit per bucket: not empty
  std::vector<Wake> far_;                            // min-heap of wake-ups at base_ + kWindow or later
  HbmTick base_ = 0;        // every bucketed wake-up lies in [base_, base_ + kWindow)
  HbmTick armed_ = kNever;  // cycle of the pending notification of event_
  sc_core::sc_event event_;
};

}  // namespace tessera
