// Longer than 600 lines: the HBM timing cases share the hand-derived hbm3_like() timings.
// HBM controller timing: command calendar boundaries, exact request latencies, FR-FCFS order,
// refresh. Expected cycle counts are derived by hand from the timings of hbm3_like():
// tRCD 26, tRP 26, tCL 26, tWL 8, tRAS 48, tWR 24, tRTP 6, tCCD_S 2, tCCD_L 4, tRRD 8, tFAW 24,
// tREFI 6240, tRFC 416, 2 cycles per burst (BL8 at 4 beats per clock), 32 bytes per burst.
#include <algorithm>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "models/memory/hbm_channel.h"
#include "models/memory/hbm_command_calendar.h"
#include "models/memory/hbm_scheduler_registry.h"
#include "models/memory/hbm_wake_dispatcher.h"
#include "base/stats/stats_registry.h"
#include "tests/sc_fixture.h"
#include "tests/test_hbm_common.h"

using namespace tessera;
using tessera::test::ScDriver;
using tessera::test::ScFixture;

namespace {

RowRun run_at(std::uint32_t bank_group, std::uint32_t bank, std::uint64_t row, std::uint32_t bursts) {
  RowRun r;
  r.at.controller = 0;
  r.at.bank_group = bank_group;
  r.at.bank = bank;
  r.at.row = row;
  r.at.column_byte = 0;
  r.bursts = bursts;
  r.bytes = Bytes(bursts) * 32;
  return r;
}

/// Waits until the start of HBM cycle `cycle`.
void wait_until_cycle(const ClockDomain& clk, Cycles cycle) {
  sc_core::wait(clk.cycles(cycle) - sc_core::sc_time_stamp());
}

}  // namespace

TEST_CASE("command calendar: each constraint is illegal one cycle early and legal on time", "[hbm]") {
  HbmBusTiming t;
  t.tCCD_S = 2;
  t.tCCD_L = 4;
  t.tRRD = 8;
  t.tFAW = 40;
  t.burst_cycles = 2;

  SECTION("tRRD and tFAW between activates") {
    HbmCommandCalendar cal(t);
    CHECK(cal.place_activate(0) == 0);
    CHECK(cal.place_activate(1) == 8);   // tRRD after 0: 7 is illegal, 8 legal
    CHECK(cal.place_activate(8) == 16);
    CHECK(cal.place_activate(16) == 24);
    // A fifth ACT: tRRD allows 32, but four ACTs (0, 8, 16, 24) already sit in [0, 40): 40.
    CHECK(cal.place_activate(25) == 40);
    // An ACT placed before an already-reserved later ACT still keeps tRRD to it.
    HbmCommandCalendar cal2(t);
    CHECK(cal2.place_activate(20) == 20);
    CHECK(cal2.place_activate(13) == 28);  // 13..27 are within tRRD of 20; 28 = 20 + tRRD
    CHECK(cal2.place_activate(0) == 0);    // far enough before 20
  }
  SECTION("tCCD_L in a bank group, tCCD_S across, data bus exclusive") {
    HbmCommandCalendar cal(t);
    CHECK(cal.place_column(0, 0, 10) == 0);
    CHECK(cal.place_column(0, 0, 10) == 4);  // same group: tCCD_L
    CHECK(cal.place_column(0, 1, 10) == 2);  // other group fills the gap: tCCD_S after 0 and before 4
    CHECK(cal.place_column(0, 2, 10) == 6);  // data of 0, 2, 4 fills [10, 16): 6 is the first free
    // A write (data latency 4) from 8 on: the reads' data fill [10, 18), so its data [c+4, c+6)
    // first fits at c = 14 (13 would overlap cycle 17).
    CHECK(cal.place_column(8, 3, 4) == 14);
  }
  SECTION("row bus: one row command per cycle, precharges fill free cycles") {
    HbmCommandCalendar cal(t);
    CHECK(cal.place_activate(5) == 5);
    CHECK(cal.place_precharge(5) == 6);
    CHECK(cal.place_precharge(0) == 0);
  }
}

namespace {

/// The calendar's rules written the slow, obvious way: every reservation kept in a list, every
/// candidate cycle tried in turn. The calendar must agree with it placement for placement.
class NaiveCalendar {
 public:
  explicit NaiveCalendar(const HbmBusTiming& t) : t_(t) {}
  void advance(HbmTick now) {
    // Commands far enough back cannot constrain one at or after now (every timing here is
    // below kHorizon cycles); dropping them only keeps the reference fast.
    now_ = now;
    auto old = [&](HbmTick c) { return c < now_ - kHorizon; };
    rows_.erase(std::remove_if(rows_.begin(), rows_.end(), old), rows_.end());
    acts_.erase(std::remove_if(acts_.begin(), acts_.end(), old), acts_.end());
    cols_.erase(std::remove_if(cols_.begin(), cols_.end(), [&](const Col& x) { return old(x.cycle); }), cols_.end());
  }
  HbmTick place_precharge(HbmTick earliest) {
    HbmTick c = std::max(earliest, now_);
    while (std::count(rows_.begin(), rows_.end(), c)) ++c;
    rows_.push_back(c);
    return c;
  }
  HbmTick place_activate(HbmTick earliest) {
    HbmTick t = std::max(earliest, now_);
    while (!activate_legal(t)) ++t;
    rows_.push_back(t);
    acts_.push_back(t);
    return t;
  }
  HbmTick place_column(HbmTick earliest, std::uint32_t group, HbmTick latency) {
    HbmTick c = std::max(earliest, now_);
    while (!column_legal(c, group, latency)) ++c;
    cols_.push_back({c, group, latency});
    return c;
  }

 private:
  struct Col {
    HbmTick cycle;
    std::uint32_t group;
    HbmTick latency;
  };
  bool activate_legal(HbmTick t) const {
    if (std::count(rows_.begin(), rows_.end(), t)) return false;
    std::vector<HbmTick> a = acts_;
    for (HbmTick x : a)
      if (std::abs(x - t) < t_.tRRD) return false;
    a.push_back(t);
    std::sort(a.begin(), a.end());
    for (std::size_t j = 0; j + 4 < a.size(); ++j)
      if (a[j + 4] - a[j] < t_.tFAW) return false;
    return true;
  }
  bool column_legal(HbmTick c, std::uint32_t group, HbmTick latency) const {
    for (const Col& x : cols_) {
      if (std::abs(c - x.cycle) < t_.tCCD_S) return false;
      if (x.group == group && std::abs(c - x.cycle) < t_.tCCD_L) return false;
      if (std::abs((c + latency) - (x.cycle + x.latency)) < t_.burst_cycles) return false;  // data overlap
    }
    return true;
  }
  static constexpr HbmTick kHorizon = 200;
  HbmBusTiming t_;
  HbmTick now_ = 0;
  std::vector<HbmTick> rows_, acts_;
  std::vector<Col> cols_;
};

}  // namespace

TEST_CASE("command calendar: agrees with a cycle-by-cycle reference on random placements", "[hbm]") {
  struct Timings {
    const char* name;
    HbmBusTiming t;
    HbmTick read_latency, write_latency;
  };
  // HBM3-like, a long burst, and a tCCD_L whose tested window (2 tCCD_L - 1) exceeds 64 cycles.
  const std::vector<Timings> cases = {
      {"hbm3-like", HbmBusTiming{2, 6, 6, 24, 2}, 19, 6},
      {"burst 4", HbmBusTiming{2, 4, 4, 16, 4}, 14, 3},
      {"tCCD_L 40", HbmBusTiming{3, 40, 5, 30, 3}, 70, 9},
  };
  for (const Timings& tc : cases) {
    INFO(tc.name);
    std::mt19937_64 rng(2026);
    HbmCommandCalendar cal(tc.t);
    NaiveCalendar ref(tc.t);
    HbmTick now = 0;
    const HbmTick min_step = std::max(tc.t.tCCD_L, tc.t.burst_cycles);
    for (int i = 0; i < 1500; ++i) {
      now += HbmTick(rng() % 64);  // keeps the buses busy but not booked far ahead
      cal.advance(now);
      ref.advance(now);
      // Now and then a placement far ahead, so that the calendar's rings have to grow.
      const HbmTick earliest = now + HbmTick(rng() % 64 == 0 ? 1000 + rng() % 6000 : rng() % 80);
      const auto group = std::uint32_t(rng() % 4);
      const HbmTick latency = rng() % 3 == 0 ? tc.write_latency : tc.read_latency;
      switch (rng() % 6) {
        case 0:
          REQUIRE(cal.place_precharge(earliest) == ref.place_precharge(earliest));
          break;
        case 1:
          REQUIRE(cal.place_activate(earliest) == ref.place_activate(earliest));
          break;
        case 2:
          REQUIRE(cal.place_column(earliest, group, latency) == ref.place_column(earliest, group, latency));
          break;
        default: {
          // A run: each burst at the first legal cycle at least `step` after the previous one.
          const auto bursts = std::uint32_t(1 + rng() % 8);
          const HbmTick step = min_step + HbmTick(rng() % 3);
          HbmTick expected = ref.place_column(earliest, group, latency);
          for (std::uint32_t k = 1; k < bursts; ++k) expected = ref.place_column(expected + step, group, latency);
          REQUIRE(cal.place_run(earliest, group, latency, bursts, step) == expected);
        }
      }
    }
  }
}

TEST_CASE_METHOD(ScFixture, "HBM channel: closed bank, row hit and row miss latencies are exact", "[hbm]") {
  const HbmConfig cfg = tessera::test::hbm3_like(1, 1, 1);
  StatsRegistry stats;
  HbmChannel ch("ch0", cfg, 0, stats);
  const ClockDomain& clk = ch.clock();
  MemCompletion c1, c2, c3, c4, c5;
  std::vector<Cycles> end;
  ScDriver drv("drv", [&] {
    // Closed bank at cycle 0: ACT 0, RD at tRCD = 26, data 26 + tCL = 52 .. 52 + 2 = 54.
    c1.add();
    ch.submit(MemRequest{run_at(1, 2, 7, 1), false, &c1});
    c1.wait_done();
    end.push_back(clk.cycle_at(c1.finish_time()));
    // Row hit at cycle 200: RD at 200, data ends 200 + tCL + 2 = 228.
    wait_until_cycle(clk, 200);
    c2.add();
    ch.submit(MemRequest{run_at(1, 2, 7, 1), false, &c2});
    c2.wait_done();
    end.push_back(clk.cycle_at(c2.finish_time()));
    // Row miss at cycle 400 (tRAS since ACT 0 and tRTP since RD 200 have passed): PRE 400,
    // ACT 400 + tRP = 426, RD 426 + tRCD = 452, data ends 452 + tCL + 2 = 480.
    wait_until_cycle(clk, 400);
    c3.add();
    ch.submit(MemRequest{run_at(1, 2, 8, 1), false, &c3});
    c3.wait_done();
    end.push_back(clk.cycle_at(c3.finish_time()));
    // A 4-burst row hit at 600: RD 600, 604, 608, 612 (max(tCCD_L, 2) apart); ends 612 + 26 + 2 = 640.
    wait_until_cycle(clk, 600);
    c4.add();
    ch.submit(MemRequest{run_at(1, 2, 8, 4), false, &c4});
    c4.wait_done();
    end.push_back(clk.cycle_at(c4.finish_time()));
    // A 2-burst write hit at 800: WR 800, 804; data ends 804 + tWL + 2 = 814.
    wait_until_cycle(clk, 800);
    c5.add();
    ch.submit(MemRequest{run_at(1, 2, 8, 2), true, &c5});
    c5.wait_done();
    end.push_back(clk.cycle_at(c5.finish_time()));
  });
  sc_core::sc_start();
  REQUIRE(end.size() == 5);
  CHECK(end[0] == 0 + cfg.timing.tRCD + cfg.timing.tCL + 2);
  CHECK(end[0] == 54);
  CHECK(end[1] - 200 == cfg.timing.tCL + 2);
  CHECK(end[1] == 228);
  CHECK(end[2] - 400 == cfg.timing.tRP + cfg.timing.tRCD + cfg.timing.tCL + 2);
  CHECK(end[2] == 480);
  CHECK(end[3] == 640);
  CHECK(end[4] == 814);
  // Completions land exactly on clock edges of the 625 ps clock.
  CHECK(c1.finish_time() == sc_core::sc_time(54 * 625, sc_core::SC_PS));

  const StatGroup* g = stats.find("ch0");
  REQUIRE(g != nullptr);
  CHECK(g->kind() == "hbm");
  CHECK(g->value("activates") == 2);
  CHECK(g->value("precharges") == 1);
  CHECK(g->value("row_hits") == 3);
  CHECK(g->value("row_misses") == 2);
  CHECK(g->value("reads") == 7);
  CHECK(g->value("writes") == 2);
  CHECK(g->value("busy_cycles") == 9 * 2);
  CHECK(g->value("bytes_read") == 7 * 32);
  CHECK(g->value("bytes_written") == 2 * 32);
  CHECK(g->value("refreshes") == 0);
  CHECK(ch.outstanding() == 0);
}

TEST_CASE_METHOD(ScFixture, "HBM channel: FR-FCFS serves a younger row hit before an older row miss", "[hbm]") {
  const HbmConfig cfg = tessera::test::hbm3_like(1, 1, 1);
  StatsRegistry stats;
  HbmChannel ch("ch0", cfg, 0, stats);
  const ClockDomain& clk = ch.clock();
  MemCompletion c, a, b;
  std::size_t outstanding_at_start = 0;
  ScDriver drv("drv", [&] {
    // All to bank (0,0), submitted together at cycle 0 in the order C, A, B:
    //  C: row 1, 8 bursts. Bank closed: ACT 0, RD 26, 30, ..., 54; data ends 54 + 28 = 82.
    //     The bank takes its next request at min(last RD + tCCD_L, earliest PRE) = min(58, 60).
    //  B (youngest): row 1, a hit, is chosen at 58 over the older miss A: RD 58, ends 58 + 28 = 86.
    //  A: row 2, a miss. PRE at max(ACT + tRAS = 48, RD 58 + tRTP = 64) = 64, ACT 90, RD 116,
    //     ends 116 + 28 = 144. (First-come first-served would have served A before B.)
    c.add();
    a.add();
    b.add();
    ch.submit(MemRequest{run_at(0, 0, 1, 8), false, &c});
    ch.submit(MemRequest{run_at(0, 0, 2, 1), false, &a});
    ch.submit(MemRequest{run_at(0, 0, 1, 1), false, &b});
    outstanding_at_start = ch.outstanding();
    c.wait_done();
    b.wait_done();
    a.wait_done();
  });
  sc_core::sc_start();
  CHECK(outstanding_at_start == 3);
  CHECK(clk.cycle_at(c.finish_time()) == 82);
  CHECK(clk.cycle_at(b.finish_time()) == 86);
  CHECK(clk.cycle_at(a.finish_time()) == 144);
  CHECK(b.finish_time() < a.finish_time());
}

TEST_CASE_METHOD(ScFixture, "HBM channel: bank parallelism overlaps a row miss with another bank's data", "[hbm]") {
  const HbmConfig cfg = tessera::test::hbm3_like(1, 1, 1);
  StatsRegistry stats;
  HbmChannel ch("ch0", cfg, 0, stats);
  const ClockDomain& clk = ch.clock();
  MemCompletion x, y;
  ScDriver drv("drv", [&] {
    // X: bank group 0, 16 bursts at 0: ACT 0, RD 26, 30, ..., 86; data ends 86 + 28 = 114.
    // Y: bank group 1 (closed), 1 burst, submitted at the same time: ACT at tRRD = 8, so RD no
    //    earlier than 8 + tRCD = 34. X has RD at 34 (26 + 2*4) with data [60, 62), so Y's RD goes
    //    to 36, tCCD_S after X's 34 and before X's 38; its data [62, 64) fills the gap between
    //    X's [60, 62) and [64, 66). Y ends 36 + 28 = 64, long before X.
    x.add();
    y.add();
    ch.submit(MemRequest{run_at(0, 0, 5, 16), false, &x});
    ch.submit(MemRequest{run_at(1, 0, 9, 1), false, &y});
    x.wait_done();
  });
  sc_core::sc_start();
  CHECK(clk.cycle_at(x.finish_time()) == 114);
  CHECK(clk.cycle_at(y.finish_time()) == 64);
}

TEST_CASE_METHOD(ScFixture, "HBM channel: a request in a refresh window waits for its end", "[hbm]") {
  const HbmConfig cfg = tessera::test::hbm3_like(1, 1, 1);
  const Cycles refi = cfg.timing.tREFI, rfc = cfg.timing.tRFC;
  StatsRegistry stats;
  HbmChannel ch("ch0", cfg, 0, stats);
  const ClockDomain& clk = ch.clock();
  MemCompletion open, closed_bank, open_bank;
  double refreshes_after_idle = -1;
  ScDriver drv("drv", [&] {
    // Open row 3 of bank (0,0) at cycle 0 (ACT 0, RD 26): the bank is open when refresh is due.
    open.add();
    ch.submit(MemRequest{run_at(0, 0, 3, 1), false, &open});
    open.wait_done();
    // Cycle tREFI + 10 = 6250, inside the first refresh: due at 6240; bank (0,0) is open and
    // may precharge (tRAS, tRTP long passed), so PREab 6240, REF 6240 + tRP = 6266, no ACT
    // before 6266 + tRFC = 6682.
    //  - bank (1,0), closed: ACT 6682, RD 6708, ends 6708 + 28 = 6736.
    //  - bank (0,0), same row 3 as before: the refresh closed it, so it is a miss too; its ACT
    //    comes tRRD after the other: 6690, RD 6716, ends 6744.
    wait_until_cycle(clk, refi + 10);
    closed_bank.add();
    open_bank.add();
    ch.submit(MemRequest{run_at(1, 0, 4, 1), false, &closed_bank});
    ch.submit(MemRequest{run_at(0, 0, 3, 1), false, &open_bank});
    closed_bank.wait_done();
    open_bank.wait_done();
    // Idle until ten refresh intervals have passed: refreshes keep being counted.
    wait_until_cycle(clk, 10 * refi + 5);
    ch.sync_stats();
    refreshes_after_idle = stats.find("ch0")->value("refreshes");
  });
  sc_core::sc_start();
  CHECK(clk.cycle_at(closed_bank.finish_time()) == refi + cfg.timing.tRP + rfc + cfg.timing.tRCD + cfg.timing.tCL + 2);
  CHECK(clk.cycle_at(closed_bank.finish_time()) == 6736);
  CHECK(clk.cycle_at(open_bank.finish_time()) == 6744);
  CHECK(refreshes_after_idle == 10);
  const StatGroup* g = stats.find("ch0");
  CHECK(g->value("row_hits") == 0);
  CHECK(g->value("activates") == 3);
  // Bank (0,0) closed by the first refresh; banks (0,0) and (1,0) by the second (12480).
  CHECK(g->value("precharges") == 3);
}

TEST_CASE_METHOD(ScFixture, "HBM channel: a full queue overflows and drains in order", "[hbm]") {
  HbmConfig cfg = tessera::test::hbm3_like(1, 1, 1);
  cfg.queue_depth = 2;
  StatsRegistry stats;
  HbmChannel ch("ch0", cfg, 0, stats);
  std::vector<std::unique_ptr<MemCompletion>> done;
  for (int i = 0; i < 40; ++i) done.push_back(std::make_unique<MemCompletion>());
  std::size_t outstanding_at_start = 0, outstanding_at_end = 99;
  ScDriver drv("drv", [&] {
    for (int i = 0; i < 40; ++i) {
      done[i]->add();
      ch.submit(MemRequest{run_at(i % 4, (i / 4) % 4, 100 + i, 2), i % 3 == 0, done[i].get()});
    }
    outstanding_at_start = ch.outstanding();
    for (auto& d : done) d->wait_done();
    outstanding_at_end = ch.outstanding();
  });
  sc_core::sc_start();
  CHECK(outstanding_at_start == 40);
  CHECK(outstanding_at_end == 0);
  CHECK(stats.find("ch0")->value("activates") == 40);
}

TEST_CASE("HBM channel: config errors name the key", "[hbm]") {
  ScFixture fixture;
  StatsRegistry stats;
  HbmConfig cfg = tessera::test::hbm3_like(1, 1, 1);
  cfg.burst_length = 6;  // 6 beats at 4 per clock: 1.5 clocks
  CHECK_THROWS_WITH(HbmChannel("a", cfg, 0, stats), Catch::Contains("hbm.burst_length"));
  cfg = tessera::test::hbm3_like(1, 1, 1);
  cfg.timing.tRFC = cfg.timing.tREFI;
  CHECK_THROWS_WITH(HbmChannel("b", cfg, 0, stats), Catch::Contains("hbm.timing.tRFC"));
  cfg = tessera::test::hbm3_like(1, 1, 1);
  cfg.timing.tCCD_L = 1;
  CHECK_THROWS_WITH(HbmChannel("c", cfg, 0, stats), Catch::Contains("tCCD_L"));
}

namespace {

/// Replays a command stream in cycle order and checks every JEDEC rule the controller models,
/// independently of how the controller computed the cycles.
struct CommandChecker {
  const HbmTimingConfig& t;
  std::uint32_t banks_per_group;
  HbmTick burst;
  std::vector<std::string> errors;

  void fail(const HbmCommand& c, const std::string& what) {
    if (errors.size() < 20) errors.push_back("cycle " + std::to_string(c.cycle) + " bank " + std::to_string(c.bank) + ": " + what);
  }

  void check(std::vector<HbmCommand> cmds, std::uint32_t banks) {
    constexpr HbmTick kLongAgo = -(HbmTick(1) << 40);
    auto is_row = [](HbmCommand::Kind k) {
      return k == HbmCommand::Kind::activate || k == HbmCommand::Kind::precharge ||
             k == HbmCommand::Kind::precharge_all || k == HbmCommand::Kind::refresh ||
             k == HbmCommand::Kind::refresh_bank;
    };
    std::stable_sort(cmds.begin(), cmds.end(), [](const HbmCommand& a, const HbmCommand& b) { return a.cycle < b.cycle; });
    struct BankState {
      bool open = false;
      std::uint64_t row = 0;
      HbmTick act = kLongAgo, pre = kLongAgo, rd = kLongAgo, wr_data_end = kLongAgo, ref = kLongAgo;
    };
    std::vector<BankState> bs(banks);
    std::vector<HbmTick> acts;
    HbmTick last_row_cmd = kLongAgo, last_col = kLongAgo, last_ref = kLongAgo;
    std::vector<HbmTick> last_col_in_group(banks / banks_per_group, kLongAgo);
    std::vector<std::pair<HbmTick, HbmTick>> data;  // [start, end)
    for (const HbmCommand& c : cmds) {
      if (is_row(c.kind)) {
        if (c.cycle == last_row_cmd) fail(c, "two row commands in one cycle");
        last_row_cmd = c.cycle;
      }
      auto precharge_ok = [&](const BankState& b) {
        if (c.cycle < b.act + HbmTick(t.tRAS)) fail(c, "PRE before tRAS");
        if (c.cycle < b.rd + HbmTick(t.tRTP)) fail(c, "PRE before tRTP");
        if (c.cycle < b.wr_data_end + HbmTick(t.tWR)) fail(c, "PRE before tWR");
      };
      switch (c.kind) {
        case HbmCommand::Kind::activate: {
          BankState& b = bs[c.bank];
          if (b.open) fail(c, "ACT to an open bank");
          if (c.cycle < b.pre + HbmTick(t.tRP)) fail(c, "ACT before tRP");
          if (c.cycle < last_ref + HbmTick(t.tRFC)) fail(c, "ACT during refresh");
          if (c.cycle < b.ref + HbmTick(t.tRFCpb)) fail(c, "ACT during the bank's refresh");
          if (!acts.empty() && c.cycle < acts.back() + HbmTick(t.tRRD)) fail(c, "ACT before tRRD");
          if (acts.size() >= 4 && c.cycle < acts[acts.size() - 4] + HbmTick(t.tFAW)) fail(c, "fifth ACT in tFAW");
          acts.push_back(c.cycle);
          b.open = true;
          b.row = c.row;
          b.act = c.cycle;
          break;
        }
        case HbmCommand::Kind::precharge: {
          BankState& b = bs[c.bank];
          if (!b.open) fail(c, "PRE to a closed bank");
          precharge_ok(b);
          b.open = false;
          b.pre = c.cycle;
          break;
        }
        case HbmCommand::Kind::precharge_all:
          for (BankState& b : bs) {
            if (!b.open) continue;
            precharge_ok(b);
            b.open = false;
            b.pre = c.cycle;
          }
          break;
        case HbmCommand::Kind::refresh:
          for (BankState& b : bs) {
            if (b.open) fail(c, "REF with an open bank");
            if (c.cycle < b.pre + HbmTick(t.tRP)) fail(c, "REF before tRP");
          }
          last_ref = c.cycle;
          break;
        case HbmCommand::Kind::refresh_bank: {
          BankState& b = bs[c.bank];
          if (b.open) fail(c, "REFpb to an open bank");
          if (c.cycle < b.pre + HbmTick(t.tRP)) fail(c, "REFpb before tRP");
          if (c.cycle < b.ref + HbmTick(t.tRFCpb)) fail(c, "REFpb during the bank's refresh");
          b.ref = c.cycle;
          break;
        }
        case HbmCommand::Kind::read:
        case HbmCommand::Kind::write: {
          BankState& b = bs[c.bank];
          const bool write = c.kind == HbmCommand::Kind::write;
          if (!b.open || b.row != c.row) fail(c, "column command to a row that is not open");
          if (c.cycle < b.act + HbmTick(t.tRCD)) fail(c, "RD/WR before tRCD");
          if (c.cycle < last_col + HbmTick(t.tCCD_S)) fail(c, "RD/WR before tCCD_S");
          HbmTick& group_last = last_col_in_group[c.bank / banks_per_group];
          if (c.cycle < group_last + HbmTick(t.tCCD_L)) fail(c, "RD/WR before tCCD_L");
          last_col = group_last = c.cycle;
          const HbmTick start = c.cycle + HbmTick(write ? t.tWL : t.tCL);
          data.emplace_back(start, start + burst);
          if (write) b.wr_data_end = start + burst; else b.rd = c.cycle;
          break;
        }
      }
    }
    std::sort(data.begin(), data.end());
    for (std::size_t i = 1; i < data.size(); ++i)
      if (data[i].first < data[i - 1].second)
        errors.push_back("data bus overlap at cycle " + std::to_string(data[i].first));
  }
};

}  // namespace

namespace {
void random_traffic_obeys_timing(HbmRefresh refresh) {
  HbmConfig cfg = tessera::test::hbm3_like(1, 1, 1);
  cfg.refresh = refresh;
  cfg.timing.tRFCpb = 200;  // below tREFI / 16 banks = 390
  cfg.timing.tFAW = 40;  // above 4 * tRRD = 32, so that tFAW binds
  StatsRegistry stats;
  HbmChannel ch("ch0", cfg, 0, stats);
  const ClockDomain& clk = ch.clock();
  std::vector<HbmCommand> cmds;
  ch.set_command_observer([&](const HbmCommand& c) { cmds.push_back(c); });
  constexpr int kRequests = 4000;
  std::vector<std::unique_ptr<MemCompletion>> done;
  for (int i = 0; i < kRequests; ++i) done.push_back(std::make_unique<MemCompletion>());
  std::vector<HbmTick> submitted(kRequests);
  std::uint64_t bursts = 0;
  ScDriver drv("drv", [&] {
    std::mt19937 rng(99);
    for (int i = 0; i < kRequests; ++i) {
      // Bursts of traffic with idle gaps, so that refreshes land both in busy and idle periods.
      if (rng() % 8 == 0) sc_core::wait(clk.cycles(rng() % 400) + sc_core::sc_time(rng() % 625, sc_core::SC_PS));
      RowRun r = run_at(rng() % 4, rng() % 4, rng() % 3, 1 + rng() % 8);  // 3 rows: hits and misses
      bursts += r.bursts;
      submitted[i] = static_cast<HbmTick>(clk.cycle_at(clk.next_edge(sc_core::sc_time_stamp())));
      done[i]->add();
      ch.submit(MemRequest{r, rng() % 10 < 3, done[i].get()});
    }
    for (auto& d : done) d->wait_done();
  });
  sc_core::sc_start();
  ch.sync_stats();
  for (int i = 0; i < kRequests; ++i) {
    REQUIRE(done[i]->pending() == 0);
    // Nothing completes faster than a row hit: tWL + one burst after submission.
    REQUIRE(HbmTick(clk.cycle_at(done[i]->finish_time())) >= submitted[i] + HbmTick(cfg.timing.tWL) + 2);
  }
  CommandChecker checker{cfg.timing, cfg.banks_per_group, 2, {}};
  checker.check(cmds, cfg.bank_groups * cfg.banks_per_group);
  std::string errors;
  for (const auto& e : checker.errors) errors += e + "\n";
  INFO(errors);
  CHECK(checker.errors.empty());
  const StatGroup* g = stats.find("ch0");
  CHECK(g->value("reads") + g->value("writes") == double(bursts));
  CHECK(g->value("refreshes") >= 2);
  std::size_t col = 0, act = 0, ref = 0;
  for (const auto& c : cmds) {
    col += c.kind == HbmCommand::Kind::read || c.kind == HbmCommand::Kind::write;
    act += c.kind == HbmCommand::Kind::activate;
    ref += c.kind == HbmCommand::Kind::refresh || c.kind == HbmCommand::Kind::refresh_bank;
  }
  CHECK(col == bursts);
  CHECK(double(act) == g->value("activates"));
  CHECK(double(ref) == g->value(refresh == HbmRefresh::per_bank ? "bank_refreshes" : "refreshes"));
}
}  // namespace

TEST_CASE_METHOD(ScFixture, "HBM channel: random mixed traffic obeys every timing rule", "[hbm]") {
  random_traffic_obeys_timing(HbmRefresh::all_bank);
}

TEST_CASE_METHOD(ScFixture, "HBM channel: random mixed traffic with per-bank refresh obeys every timing rule", "[hbm]") {
  random_traffic_obeys_timing(HbmRefresh::per_bank);
}

TEST_CASE_METHOD(ScFixture, "HBM channel: the shared wake-up dispatcher issues the same commands as a channel's own event",
                 "[hbm]") {
  // Two identical channels get the same random traffic at the same times; one wakes itself,
  // the other through an HbmWakeDispatcher (as every channel of an HbmSystem does).
  const HbmConfig cfg = tessera::test::hbm3_like(1, 1, 1);
  StatsRegistry stats;
  HbmChannel own("own", cfg, 0, stats);
  HbmChannel shared("shared", cfg, 0, stats);
  const ClockDomain& clk = own.clock();
  HbmWakeDispatcher dispatcher("dispatcher", clk);
  shared.use_wake_dispatcher(dispatcher);
  std::vector<HbmCommand> own_cmds, shared_cmds;
  own.set_command_observer([&](const HbmCommand& c) { own_cmds.push_back(c); });
  shared.set_command_observer([&](const HbmCommand& c) { shared_cmds.push_back(c); });
  constexpr int kRequests = 3000;
  std::vector<MemCompletion> own_done(kRequests), shared_done(kRequests);
  ScDriver drv("drv", [&] {
    std::mt19937 rng(7);
    for (int i = 0; i < kRequests; ++i) {
      if (rng() % 6 == 0) sc_core::wait(clk.cycles(rng() % 300) + sc_core::sc_time(rng() % 625, sc_core::SC_PS));
      const RowRun r = run_at(rng() % 4, rng() % 4, rng() % 3, 1 + rng() % 8);
      const bool write = rng() % 10 < 3;
      own_done[i].add();
      own.submit(MemRequest{r, write, &own_done[i]});
      shared_done[i].add();
      shared.submit(MemRequest{r, write, &shared_done[i]});
    }
    for (int i = 0; i < kRequests; ++i) {
      own_done[i].wait_done();
      shared_done[i].wait_done();
    }
  });
  sc_core::sc_start();
  REQUIRE(own_cmds.size() == shared_cmds.size());
  for (std::size_t i = 0; i < own_cmds.size(); ++i) {
    INFO("command " << i);
    REQUIRE(own_cmds[i].kind == shared_cmds[i].kind);
    REQUIRE(own_cmds[i].cycle == shared_cmds[i].cycle);
    REQUIRE(own_cmds[i].bank == shared_cmds[i].bank);
  }
  for (int i = 0; i < kRequests; ++i) REQUIRE(own_done[i].finish_time() == shared_done[i].finish_time());
}

TEST_CASE("HBM schedulers: FR-FCFS is the default, an unknown name lists the valid ones", "[hbm]") {
  CHECK(std::string(make_hbm_scheduler(kDefaultHbmScheduler)->name()) == "frfcfs");
  CHECK(hbm_scheduler_names() == std::vector<std::string_view>{"frfcfs"});
  CHECK_THROWS_WITH(make_hbm_scheduler("fcfs"), "hbm scheduler: unknown HBM scheduler 'fcfs' (valid: frfcfs)");
}
