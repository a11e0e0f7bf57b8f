#include "models/memory/hbm_channel.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <stdexcept>

#include <fmt/format.h>

#include "models/memory/hbm_scheduler_registry.h"
#include "models/memory/hbm_wake_dispatcher.h"
#include "base/stats/stats_registry.h"

namespace tessera {
namespace {

constexpr HbmTick kNever = std::numeric_limits<HbmTick>::max();

/// Data-bus cycles per column command: burst_length beats at data_rate*1000/clock_mhz beats per
/// clock. Must be a whole number of clocks.
HbmTick burst_cycles(const HbmConfig& c) {
  if (c.clock_mhz <= 0 || c.data_rate_gbps <= 0)
    throw Error("hbm.clock_mhz and hbm.data_rate_gbps must be positive");
  const double cycles = double(c.burst_length) * c.clock_mhz / (c.data_rate_gbps * 1000.0);
  const double whole = std::round(cycles);
  if (whole < 1 || std::abs(cycles - whole) > 1e-6)
    throw Error(fmt::format(
        "hbm.burst_length: {} beats at {} beats per clock (hbm.data_rate_gbps * 1000 / "
        "hbm.clock_mhz) is {} clocks; expected a whole number of clocks, at least 1",
        c.burst_length, c.data_rate_gbps * 1000.0 / c.clock_mhz, cycles));
  return static_cast<HbmTick>(whole);
}

HbmBusTiming bus_timing(const HbmConfig& c) {
  const HbmTimingConfig& t = c.timing;
  if (t.tCCD_S < 1 || t.tCCD_L < t.tCCD_S)
    throw Error(fmt::format("hbm.timing: tCCD_S = {}, tCCD_L = {}; expected 1 <= tCCD_S <= tCCD_L",
                            t.tCCD_S, t.tCCD_L));
  if (t.tRRD < 1) throw Error("hbm.timing.tRRD: expected at least 1 cycle");
  if (t.tREFI != 0 && t.tRFC >= t.tREFI)
    throw Error(fmt::format("hbm.timing.tRFC: {} must be below hbm.timing.tREFI ({}); tREFI = 0 "
                            "disables refresh",
                            t.tRFC, t.tREFI));
  return HbmBusTiming{t.tCCD_S, t.tCCD_L, t.tRRD, t.tFAW, burst_cycles(c)};
}

void push_min(std::vector<HbmTick>& heap, HbmTick v) {
  heap.push_back(v);
  std::push_heap(heap.begin(), heap.end(), std::greater<>());
}

void pop_until(std::vector<HbmTick>& heap, HbmTick now) {
  while (!heap.empty() && heap.front() <= now) {
    std::pop_heap(heap.begin(), heap.end(), std::greater<>());
    heap.pop_back();
  }
}

}  // namespace

HbmChannel::HbmChannel(sc_core::sc_module_name name, const HbmConfig& cfg, std::uint32_t index,
                       StatsRegistry& stats)
    : sc_core::sc_module(name),
      cfg_(cfg),
      index_(index),
      clock_("hbm", cfg.clock_mhz),
      banks_per_group_(cfg.banks_per_group),
      scheduler_(make_hbm_scheduler(kDefaultHbmScheduler)),
      calendar_(bus_timing(cfg)),
      wake_("wake") {
  const HbmTimingConfig& tc = cfg.timing;
  t_ = Timing{tc.tRCD, tc.tRP, tc.tCL, tc.tWL, tc.tRAS, tc.tWR, tc.tRTP, tc.tCCD_L, tc.tREFI, tc.tRFC, tc.tRFCpb,
              burst_cycles(cfg)};
  if (cfg.queue_depth < 1) throw Error("hbm.queue_depth: expected at least 1 request");
  const std::uint32_t banks = cfg.bank_groups * cfg.banks_per_group;
  if (banks < 1) throw Error("hbm.bank_groups, hbm.banks_per_group: expected at least one bank");
  banks_.resize(banks);
  decide_at_.assign(banks, 0);
  waiting_.assign(banks, 0);
  view_.resize(banks);
  queue_.reserve(cfg.queue_depth);
  pool_.resize(cfg.queue_depth);
  for (std::uint32_t s = cfg.queue_depth; s-- > 0;) free_slots_.push_back(s);
  holding_.reserve(cfg.queue_depth);
  in_flight_.reserve(4 * std::size_t(cfg.queue_depth));
  per_bank_refresh_ = cfg.refresh == HbmRefresh::per_bank && t_.tREFI > 0;
  refresh_interval_ = per_bank_refresh_ ? t_.tREFI / banks : t_.tREFI;
  if (per_bank_refresh_ && (t_.tRFCpb < 1 || t_.tRFCpb >= refresh_interval_))
    throw Error(fmt::format("hbm.timing.tRFCpb: {} must be from 1 to below tREFI / banks ({}) with per-bank refresh",
                            t_.tRFCpb, refresh_interval_));
  // Not staggered across controllers: a stream interleaved over pseudo-channels with a bounded
  // number of requests in flight then stalls once per controller's refresh. Staggered, the
  // HBM2/HBM3 sequential reads of tests/test_hbm_ramulator.cpp lost 18-20% to refresh where
  // Ramulator 2 loses 10-11%; in step they agree within 1%.
  next_refresh_ = refresh_interval_ > 0 ? refresh_interval_ : kNever;

  StatGroup& g = stats.add_group(this->name(), "hbm", cfg.clock_mhz);
  stats_.busy_cycles = &g.add(stat_names::kBusyCycles, "cycles", "data-bus busy cycles (bursts x burst cycles)");
  stats_.bytes_read = &g.add(stat_names::kBytesRead, "bytes", "bytes read (requested bytes)");
  stats_.bytes_written = &g.add(stat_names::kBytesWritten, "bytes", "bytes written (requested bytes)");
  stats_.activates = &g.add("activates", "count", "ACT commands");
  stats_.precharges = &g.add("precharges", "count", "banks precharged (PRE, and each open bank closed by a refresh)");
  stats_.refreshes = &g.add("refreshes", "count",
                            "refreshes of the whole device: REFab commands, or REFpb commands / banks");
  stats_.bank_refreshes = &g.add("bank_refreshes", "count", "per-bank REFpb commands");
  stats_.row_hits = &g.add("row_hits", "count", "requests served from an already open row");
  stats_.row_misses = &g.add("row_misses", "count", "requests that needed an ACT (bank closed or other row open)");
  stats_.reads = &g.add("reads", "count", "read column commands (bursts)");
  stats_.writes = &g.add("writes", "count", "write column commands (bursts)");

  SC_METHOD(run);
  sensitive << wake_;
  dont_initialize();
}

HbmChannel::~HbmChannel() = default;

HbmTick HbmChannel::current_cycle() const {
  return static_cast<HbmTick>(clock_.cycle_at(clock_.next_edge(sc_core::sc_time_stamp())));
}

void HbmChannel::wake_at(HbmTick cycle) {
  if (wake_pending_ >= 0 && wake_pending_ <= cycle) return;
  wake_pending_ = cycle;
  if (dispatcher_ != nullptr)
    dispatcher_->wake(dispatcher_handle_, cycle);
  else
    wake_.notify(clock_.cycles(static_cast<Cycles>(cycle)) - sc_core::sc_time_stamp());
}

void HbmChannel::use_wake_dispatcher(HbmWakeDispatcher& dispatcher) {
  dispatcher_ = &dispatcher;
  dispatcher_handle_ = dispatcher.add(*this);
}

void HbmChannel::submit(const MemRequest& req) {
  const DramCoord& at = req.run.at;
  if (at.controller != index_ || at.bank_group >= cfg_.bank_groups || at.bank >= banks_per_group_ ||
      req.run.bursts == 0 || req.completion == nullptr)
    throw std::logic_error(fmt::format("{}: malformed request (controller {}, bank group {}, bank {}, {} bursts)",
                                       name(), at.controller, at.bank_group, at.bank, req.run.bursts));
  const HbmTick now = current_cycle();
  pop_until(holding_, now);
  if (overflow_.empty() && queue_.size() + holding_.size() < cfg_.queue_depth)
    enqueue(req);
  else
    overflow_.push_back(req);
  wake_at(now);
}

void HbmChannel::enqueue(const MemRequest& req) {
  const std::uint32_t slot = free_slots_.back();
  free_slots_.pop_back();
  pool_[slot] = req;
  const std::uint32_t bank = req.run.at.bank_group * banks_per_group_ + req.run.at.bank;
  queue_.push_back(SchedulerEntry{bank, req.run.at.row, req.write, slot});
  Bank& b = banks_[bank];
  ++waiting_[bank];
  // A new arrival may be a better choice than a request the bank deferred: re-decide.
  decide_at_[bank] = std::min(decide_at_[bank], earliest_decision(b));
}

void HbmChannel::admit(HbmTick now) {
  pop_until(holding_, now);
  while (!overflow_.empty() && queue_.size() + holding_.size() < cfg_.queue_depth) {
    enqueue(overflow_.front());
    overflow_.pop_front();
  }
}

std::size_t HbmChannel::outstanding() const {
  const HbmTick now = current_cycle();
  std::size_t busy = 0;
  for (HbmTick end : in_flight_) busy += end > now;
  return overflow_.size() + queue_.size() + busy;
}

HbmTick HbmChannel::first_command_bound(const Bank& b, std::uint64_t row) const {
  if (b.open_row == row) return std::max(b.col_ready, b.last_col + t_.tCCD_L);  // RD/WR
  if (b.open_row != SchedulerBankView::kClosed) return b.pre_ready;             // PRE
  return b.act_ready;                                                            // ACT
}

HbmTick HbmChannel::earliest_decision(const Bank& b) const {
  if (b.open_row == SchedulerBankView::kClosed) return b.act_ready;
  return std::min(std::max(b.col_ready, b.last_col + t_.tCCD_L), b.pre_ready);
}

void HbmChannel::sync_stats() { catch_up_refresh(current_cycle()); }

void HbmChannel::catch_up_refresh(HbmTick now) {
  const HbmTick interval = refresh_interval_;
  const auto banks = static_cast<std::uint32_t>(banks_.size());
  while (next_refresh_ <= now) {
    if (next_refresh_ + interval <= now) {
      // Idle stretch: the refreshes before the last one due change nothing but the counts.
      const HbmTick skipped = (now - next_refresh_) / interval;
      if (per_bank_refresh_) {
        // Only the last `banks` can still hold a bank; earlier ones only rotate the turn.
        const HbmTick quiet = observer_ ? 0 : std::max<HbmTick>(0, skipped - HbmTick(banks));
        next_refresh_bank_ = static_cast<std::uint32_t>((next_refresh_bank_ + quiet) % banks);
        for (HbmTick k = quiet; k < skipped; ++k) {
          refresh_bank(next_refresh_bank_, next_refresh_ + k * interval);
          next_refresh_bank_ = (next_refresh_bank_ + 1) % banks;
        }
        stats_.bank_refreshes->value += double(quiet);
        stats_.refreshes->value += double(quiet) / banks;
      } else {
        if (observer_)
          for (HbmTick k = 0; k < skipped; ++k) report(HbmCommand::Kind::refresh, next_refresh_ + k * interval, 0, 0);
        stats_.refreshes->value += double(skipped);
      }
      next_refresh_ += skipped * interval;
      continue;
    }
    if (per_bank_refresh_) {
      refresh_bank(next_refresh_bank_, next_refresh_);
      next_refresh_bank_ = (next_refresh_bank_ + 1) % banks;
    } else {
      refresh(next_refresh_);
    }
    next_refresh_ += interval;
  }
}

void HbmChannel::refresh_bank(std::uint32_t i, HbmTick due) {
  // The bank's committed requests finish first; then PRE (if a row is open) and REFpb, each on
  // a free row-bus cycle. A refresh found late (due after every reserved command: the channel
  // was idle) happened on time.
  Bank& b = banks_[i];
  auto row_command = [&](HbmTick earliest) {
    return earliest >= calendar_.now() ? calendar_.place_precharge(earliest) : earliest;
  };
  HbmTick ref_earliest = std::max({due, b.last_pre + t_.tRP, b.act_ready});
  if (b.open_row != SchedulerBankView::kClosed) {
    const HbmTick pre = row_command(std::max(due, b.pre_ready));
    report(HbmCommand::Kind::precharge, pre, i, b.open_row);
    stats_.precharges->value += 1;
    b.last_pre = pre;
    b.open_row = SchedulerBankView::kClosed;
    view_[i].open_row = SchedulerBankView::kClosed;
    ref_earliest = std::max(ref_earliest, pre + t_.tRP);
  }
  const HbmTick ref = row_command(ref_earliest);
  reserved_until_ = std::max(reserved_until_, ref);
  report(HbmCommand::Kind::refresh_bank, ref, i, 0);
  b.act_ready = ref + t_.tRFCpb;
  decide_at_[i] = b.act_ready;
  stats_.bank_refreshes->value += 1;
  stats_.refreshes->value += 1.0 / double(banks_.size());
}

void HbmChannel::refresh(HbmTick due) {
  // Committed requests finish first; then PREab (if any row is open), REF tRP later.
  HbmTick pre = due;
  HbmTick last_pre = -(HbmTick(1) << 40);
  bool any_open = false;
  for (const Bank& b : banks_) {
    if (b.open_row != SchedulerBankView::kClosed) {
      any_open = true;
      pre = std::max(pre, b.pre_ready);
    } else {
      last_pre = std::max(last_pre, b.last_pre);
    }
  }
  const HbmTick ref = any_open ? pre + t_.tRP : std::max(due, last_pre + t_.tRP);
  if (any_open) report(HbmCommand::Kind::precharge_all, pre, 0, 0);
  report(HbmCommand::Kind::refresh, ref, 0, 0);
  for (std::size_t i = 0; i < banks_.size(); ++i) {
    Bank& b = banks_[i];
    if (b.open_row != SchedulerBankView::kClosed) {
      stats_.precharges->value += 1;
      b.last_pre = pre;
      b.open_row = SchedulerBankView::kClosed;
    }
    b.act_ready = ref + t_.tRFC;
    decide_at_[i] = b.act_ready;
    view_[i].open_row = SchedulerBankView::kClosed;
  }
  stats_.refreshes->value += 1;
}

void HbmChannel::commit(std::size_t qi, HbmTick now) {
  const SchedulerEntry e = queue_[qi];
  const MemRequest req = pool_[e.slot];
  free_slots_.push_back(e.slot);
  queue_.erase(queue_.begin() + static_cast<std::ptrdiff_t>(qi));
  Bank& b = banks_[e.bank];
  --waiting_[e.bank];
  const std::uint32_t group = e.bank / banks_per_group_;

  if (b.open_row == e.row) {
    stats_.row_hits->value += 1;
  } else {
    HbmTick act_earliest = b.act_ready;
    if (b.open_row != SchedulerBankView::kClosed) {
      const HbmTick pre = calendar_.place_precharge(std::max(now, b.pre_ready));
      b.last_pre = pre;
      act_earliest = pre + t_.tRP;
      stats_.precharges->value += 1;
      report(HbmCommand::Kind::precharge, pre, e.bank, b.open_row);
    }
    const HbmTick act = calendar_.place_activate(std::max(now, act_earliest));
    report(HbmCommand::Kind::activate, act, e.bank, e.row);
    b.open_row = e.row;
    b.col_ready = act + t_.tRCD;
    b.pre_ready = act + t_.tRAS;
    stats_.activates->value += 1;
    stats_.row_misses->value += 1;
    view_[e.bank].open_row = e.row;
  }

  // Bursts of one bank: back to back, at least max(tCCD_L, burst) apart.
  const HbmTick latency = e.write ? t_.tWL : t_.tCL;
  const HbmTick step = std::max(t_.tCCD_L, t_.burst);
  HbmTick col = std::max({now, b.col_ready, b.last_col + t_.tCCD_L});
  if (observer_) {
    for (std::uint32_t k = 0; k < req.run.bursts; ++k) {
      col = calendar_.place_column(col, group, latency);
      report(e.write ? HbmCommand::Kind::write : HbmCommand::Kind::read, col, e.bank, e.row);
      if (k + 1 < req.run.bursts) col += step;
    }
  } else {
    col = calendar_.place_run(col, group, latency, req.run.bursts, step);
  }
  b.last_col = col;
  b.pre_ready = std::max(b.pre_ready, e.write ? col + t_.tWL + t_.burst + t_.tWR : col + t_.tRTP);
  const HbmTick data_end = col + latency + t_.burst;
  reserved_until_ = std::max(reserved_until_, data_end);

  stats_.busy_cycles->value += double(req.run.bursts) * double(t_.burst);
  (e.write ? stats_.bytes_written : stats_.bytes_read)->value += double(req.run.bytes);
  (e.write ? stats_.writes : stats_.reads)->value += double(req.run.bursts);

  if (col > now) push_min(holding_, col);
  if (in_flight_.size() >= 4 * std::size_t(cfg_.queue_depth)) {  // drop finished ones, amortised
    std::erase_if(in_flight_, [now](HbmTick end) { return end <= now; });
  }
  in_flight_.push_back(data_end);
  req.completion->complete_at(clock_.cycles(static_cast<Cycles>(data_end)));
}

void HbmChannel::run() {
  wake_pending_ = -1;
  const HbmTick now = current_cycle();
  calendar_.advance(now);
  catch_up_refresh(now);
  admit(now);

  // A ready bank has a waiting request, so the scheduler finds something exactly while some
  // bank is ready: counting them saves the last, empty, pass over the queue.
  std::size_t ready_banks = 0;
  for (std::size_t i = 0; i < banks_.size(); ++i) {
    view_[i].ready = waiting_[i] > 0 && decide_at_[i] <= now;
    ready_banks += view_[i].ready;
  }
  while (ready_banks > 0) {
    const std::size_t qi = scheduler_->pick(queue_, view_);
    if (qi == HbmScheduler::kNone)
      throw std::logic_error(fmt::format("{}: scheduler {} picked nothing while {} bank(s) with waiting requests "
                                         "were ready",
                                         name(), scheduler_->name(), ready_banks));
    const std::uint32_t bank = queue_[qi].bank;
    if (bank >= banks_.size() || !view_[bank].ready)
      throw std::logic_error(fmt::format("{}: scheduler {} picked a request of a bank that is not ready",
                                         name(), scheduler_->name()));
    Bank& b = banks_[bank];
    const HbmTick first = first_command_bound(b, queue_[qi].row);
    if (first > now) {
      decide_at_[bank] = first;  // decide again when its first command could issue
    } else {
      commit(qi, now);
      decide_at_[bank] = earliest_decision(b);
    }
    view_[bank].ready = waiting_[bank] > 0 && decide_at_[bank] <= now;
    ready_banks -= !view_[bank].ready;
  }

  HbmTick next = kNever;
  for (std::size_t i = 0; i < banks_.size(); ++i)
    if (waiting_[i] > 0) next = std::min(next, decide_at_[i]);
  if (!overflow_.empty() && !holding_.empty() && queue_.size() + holding_.size() >= cfg_.queue_depth)
    next = std::min(next, holding_.front());
  // Per-bank refresh takes row-bus slots between other commands: while there is work or a
  // reserved command ahead, be awake when each is due, so that it is placed at its own cycle.
  // One found late (due after every reservation) cannot collide with anything and keeps its cycle.
  if (per_bank_refresh_ && (!queue_.empty() || next_refresh_ <= reserved_until_))
    next = std::min(next, next_refresh_);
  if (next != kNever) wake_at(std::max(next, now + 1));
}

}  // namespace tessera
