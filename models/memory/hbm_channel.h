// One HBM pseudo-channel controller: request queue, FR-FCFS scheduler, per-bank open-row
// state, JEDEC timing (tRCD tRP tCL tWL tRAS tWR tRTP tCCD_S/L tRRD tFAW) and refresh (all-bank,
// tREFI/tRFC, or per-bank, tREFI/banks and tRFCpb), all in the HBM command clock. Each request is a RowRun; its command times are
// computed exactly from the bank and channel state, so a run of bursts costs one scheduling
// step, not one event per burst. Idle cycles are never ticked.
//
// How a request is served (cycles of the HBM clock):
//  - Each bank takes its next request once the previous request of that bank has issued its
//    last column command (or, for a request that needs a PRE, once the PRE is legal), so the
//    scheduler sees every request that arrived until then. Banks proceed independently;
//    requests of other banks keep flowing meanwhile.
//  - The chosen request's commands are reserved at once: PRE if another row is open, ACT, and
//    its bursts, at the earliest cycles the timings and the already-reserved commands allow
//    (see HbmCommandCalendar). Its completion is reported at the end of its last data beat.
//  - A queue slot (hbm.queue_depth) is held from arrival until the request's last column
//    command; requests beyond that wait in an overflow list, admitted in arrival order.
//  - All-bank refresh is due every tREFI: once due, the controller lets the already-committed
//    requests finish, precharges all banks (PREab) and refreshes for tRFC; later requests find
//    every row closed.
//  - Per-bank refresh (hbm.refresh: per_bank, HBM3's REFpb) refreshes one bank every
//    tREFI / banks, in turn: that bank's committed requests finish, it is precharged and
//    refreshed for tRFCpb while the other banks keep serving. The PRE and REFpb take row-bus
//    slots like any other row command.
//  - Every controller starts its refresh schedule at cycle 0 (not staggered; see the constructor).
#pragma once

#include <deque>
#include <functional>
#include <memory>
#include <vector>

#include <systemc>

#include "base/clock.h"
#include "models/memory/address_mapping.h"
#include "models/memory/hbm_command_calendar.h"
#include "models/memory/hbm_scheduler.h"
#include "models/memory/mem_completion.h"

namespace tessera {

class HbmWakeDispatcher;
class StatsRegistry;
struct Stat;

/// One DRAM command as the controller schedules it (for traces, power models and checks).
struct HbmCommand {
  enum class Kind : std::uint8_t { activate, precharge, precharge_all, refresh, refresh_bank, read, write };
  Kind kind = Kind::activate;
  HbmTick cycle = 0;         // HBM clock cycle at which it issues
  std::uint32_t bank = 0;    // flat bank index (bank_group * banks_per_group + bank); 0 for *_all/refresh
  std::uint64_t row = 0;     // activate, read, write: the row
};
/// Called as commands are scheduled. Commands are reported when they are decided, which is
/// before they issue and not always in cycle order (a later request may use an earlier gap).
using HbmCommandObserver = std::function<void(const HbmCommand&)>;

struct MemRequest {
  RowRun run;
  bool write = false;
  MemCompletion* completion = nullptr;  // complete_at(time data transfer ends) is called once
};

class HbmChannel : public sc_core::sc_module {
 public:
  SC_HAS_PROCESS(HbmChannel);
  HbmChannel(sc_core::sc_module_name name, const HbmConfig& cfg, std::uint32_t index, StatsRegistry& stats);
  ~HbmChannel() override;
  /// Enqueues at the current simulation time. If the queue is full the request waits in an
  /// overflow list (admitted in order as slots free), so callers never block here.
  void submit(const MemRequest& req);
  /// Requests queued or in service (for the deadlock watchdog).
  std::size_t outstanding() const;

  std::uint32_t index() const { return index_; }
  const ClockDomain& clock() const { return clock_; }
  /// Brings counters that accrue while idle (refreshes) up to the current time. Called at the
  /// end of simulation; call it before reading stats mid-run.
  void sync_stats();
  /// Has `dispatcher` trigger this channel instead of an event of its own (HbmSystem does this
  /// for all its channels; a lone channel, as in the tests, wakes itself).
  void use_wake_dispatcher(HbmWakeDispatcher& dispatcher);
  /// Called by the dispatcher at the start of HBM cycle `cycle`: runs a scheduling step if
  /// the channel still wants one then (an earlier wake-up may have replaced it).
  void wake_due(HbmTick cycle) {
    if (cycle == wake_pending_) run();
  }
  /// Installs an observer of every command (none by default; costs nothing when unset).
  void set_command_observer(HbmCommandObserver observer) { observer_ = std::move(observer); }

 protected:
  void end_of_simulation() override { sync_stats(); }

 private:
  struct Bank {
    std::uint64_t open_row = SchedulerBankView::kClosed;  // after every committed request
    HbmTick act_ready = 0;        // earliest ACT: tRP after PRE, end of refresh
    HbmTick col_ready = 0;        // ACT + tRCD
    HbmTick pre_ready = 0;        // earliest PRE: tRAS after ACT, tRTP after RD, tWR after write data
    HbmTick last_col = -(HbmTick(1) << 40);
    HbmTick last_pre = -(HbmTick(1) << 40);
  };
  struct Timing {
    HbmTick tRCD, tRP, tCL, tWL, tRAS, tWR, tRTP, tCCD_L, tREFI, tRFC, tRFCpb, burst;
  };
  struct Stats {
    Stat *busy_cycles, *bytes_read, *bytes_written, *activates, *precharges, *refreshes, *bank_refreshes,
        *row_hits, *row_misses, *reads, *writes;
  };

  void run();                          // the scheduling step (SC_METHOD)
  HbmTick current_cycle() const;
  void wake_at(HbmTick cycle);
  void admit(HbmTick now);
  void enqueue(const MemRequest& req);
  void catch_up_refresh(HbmTick now);
  void refresh(HbmTick due);
  void refresh_bank(std::uint32_t bank, HbmTick due);
  HbmTick first_command_bound(const Bank& b, std::uint64_t row) const;
  HbmTick earliest_decision(const Bank& b) const;
  void commit(std::size_t queue_index, HbmTick now);
  void report(HbmCommand::Kind kind, HbmTick cycle, std::uint32_t bank, std::uint64_t row) {
    if (observer_) observer_(HbmCommand{kind, cycle, bank, row});
  }

  HbmConfig cfg_;
  std::uint32_t index_;
  ClockDomain clock_;
  Timing t_;
  std::uint32_t banks_per_group_;
  std::unique_ptr<HbmScheduler> scheduler_;
  HbmCommandCalendar calendar_;
  std::vector<Bank> banks_;
  // Per bank, apart from Bank because every scheduling step reads them for all banks:
  std::vector<HbmTick> decide_at_;      // the bank may take its next request from this cycle on
  std::vector<std::uint32_t> waiting_;  // queued requests of the bank
  std::vector<SchedulerBankView> view_;
  std::vector<SchedulerEntry> queue_;   // waiting requests, arrival order
  std::vector<MemRequest> pool_;        // request storage for queue_ entries, by slot
  std::vector<std::uint32_t> free_slots_;
  std::deque<MemRequest> overflow_;
  std::vector<HbmTick> holding_;        // min-heap: last column cycle of committed requests holding a slot
  std::vector<HbmTick> in_flight_;      // data end cycles of committed requests (finished ones pruned now and then)
  bool per_bank_refresh_ = false;
  HbmTick refresh_interval_ = 0;        // tREFI, or tREFI / banks with per-bank refresh
  HbmTick next_refresh_;
  std::uint32_t next_refresh_bank_ = 0;  // per-bank refresh: the bank refreshed next
  HbmTick reserved_until_ = 0;           // no command is reserved after this cycle
  HbmTick wake_pending_ = -1;           // cycle of the pending wake-up, -1 if none
  sc_core::sc_event wake_;               // used when no dispatcher is set
  HbmWakeDispatcher* dispatcher_ = nullptr;
  std::uint32_t dispatcher_handle_ = 0;
  Stats stats_{};
  HbmCommandObserver observer_;
};

}  // namespace tessera
