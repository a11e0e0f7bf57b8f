// The request-selection policy of one HBM controller, behind a small interface so that FR-FCFS
// can be swapped (FCFS, batching, read/write grouping) without touching HbmChannel. Each
// controller owns its own instance, made by make_hbm_scheduler (hbm_scheduler_registry.h).
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <span>

namespace tessera {

/// A request waiting in a controller queue, as the scheduler sees it.
struct SchedulerEntry {
  std::uint32_t bank = 0;  // flat bank index in the controller: bank_group * banks_per_group + bank
  std::uint64_t row = 0;
  bool write = false;
  std::uint32_t slot = 0;  // the controller's handle for the request; schedulers ignore it
};

/// The planned state of one bank: after every request committed so far has been served.
struct SchedulerBankView {
  static constexpr std::uint64_t kClosed = std::numeric_limits<std::uint64_t>::max();
  std::uint64_t open_row = kClosed;
  bool ready = false;  // the bank may take its next request now
};

class HbmScheduler {
 public:
  static constexpr std::size_t kNone = std::numeric_limits<std::size_t>::max();
  virtual ~HbmScheduler() = default;

  // Contract:
  //  - `queue` holds the waiting requests in arrival order (index 0 is the oldest); `banks` is
  //    indexed by SchedulerEntry::bank.
  //  - pick() returns the index of the request to commit next, which must belong to a bank with
  //    `ready` set, or kNone if no waiting request has a ready bank. It must not return a
  //    request of a bank that is not ready.
  //  - The controller decides when the chosen request's commands issue (it computes them from
  //    the JEDEC timings); the policy only chooses. It may keep its own state but must not
  //    assume a returned request is committed: the controller may defer it and call pick() again.
  //  - Called several times per scheduling step; keep it O(queue size), no allocation.
  //  - Each controller owns its own instance and calls it only from its own process, so state
  //    kept by a policy is per controller; a policy never sees another controller's queue.
  virtual std::size_t pick(std::span<const SchedulerEntry> queue,
                           std::span<const SchedulerBankView> banks) = 0;
  virtual const char* name() const = 0;
};

}  // namespace tessera
