// HBM bandwidth against bounds derived from the timings of hbm3_like() (see test_hbm_common.h):
// 2 cycles per 32-byte burst, so one pseudo-channel moves at most 16 bytes per cycle (peak).
//  - All-bank refresh takes tRFC = 416 of every tREFI = 6240 cycles, so no stream exceeds
//    peak * (1 - 416/6240) = 93.33% of peak.
//  - A random 64-byte read needs its own ACT (rows are 1 KiB of a 16 GiB space: hits are rare).
//    ACTs are at least tRRD = 8 apart and at most 4 per tFAW = 24 cycles (one per 6), so a
//    pseudo-channel moves at most 64 bytes per 8 cycles = 8 B/cycle = 50% of peak, and with
//    refresh at most 50% * 93.33% = 46.67%.
#include <cstdio>
#include <memory>
#include <random>
#include <vector>

#include <catch2/catch.hpp>

#include "models/memory/hbm_system.h"
#include "base/stats/stats_registry.h"
#include "tests/sc_fixture.h"
#include "tests/test_hbm_common.h"

using namespace tessera;
using tessera::test::ScDriver;
using tessera::test::ScFixture;

namespace {

constexpr double kRefreshBound = 1.0 - 416.0 / 6240.0;

struct Stream {
  std::uint64_t base = 0;
  Bytes total = 0;
  Bytes chunk = 4096;
  std::size_t window = 64;  // accesses in flight
  bool random64 = false;    // 64-byte reads at random 64-byte-aligned addresses below `total`
  std::size_t count = 0;    // accesses when random64
  double seconds = 0;       // measured: from start until the last data beat
  Bytes bytes = 0;
};

/// Runs the streams concurrently on a fresh kernel; fills in seconds and bytes.
void run_streams(const HbmConfig& cfg, std::vector<Stream>& streams, StatsRegistry& stats) {
  ScFixture kernel;
  HbmSystem hbm("hbm", cfg, stats);
  std::vector<std::unique_ptr<ScDriver>> drivers;
  std::vector<std::vector<std::unique_ptr<MemCompletion>>> slots(streams.size());
  for (std::size_t s = 0; s < streams.size(); ++s) {
    for (std::size_t i = 0; i < streams[s].window; ++i) slots[s].push_back(std::make_unique<MemCompletion>());
    drivers.push_back(std::make_unique<ScDriver>(("drv" + std::to_string(s)).c_str(), [&, s] {
      Stream& st = streams[s];
      auto& sl = slots[s];
      std::mt19937_64 rng(1234 + s);
      const std::size_t n = st.random64 ? st.count : st.total / st.chunk;
      const Bytes size = st.random64 ? 64 : st.chunk;
      for (std::size_t i = 0; i < n; ++i) {
        MemCompletion& c = *sl[i % sl.size()];
        if (i >= sl.size()) c.wait_done();
        const std::uint64_t addr = st.random64 ? st.base + (rng() % (st.total / 64)) * 64 : st.base + i * st.chunk;
        hbm.access(addr, size, false, c);
        st.bytes += size;
      }
      sc_core::sc_time end = sc_core::SC_ZERO_TIME;
      for (auto& c : sl) {
        c->wait_done();
        end = std::max(end, c->finish_time());
      }
      st.seconds = end.to_seconds();
    }));
  }
  sc_core::sc_start();
  hbm.sync_stats();
  REQUIRE(hbm.outstanding() == 0);
}

double fraction_of_peak(const HbmConfig& cfg, const Stream& s) {
  return double(s.bytes) / s.seconds / cfg.peak_bytes_per_second();
}

}  // namespace

TEST_CASE("HBM bandwidth: a long sequential read stream reaches >= 90% of peak", "[hbm][bandwidth]") {
  const HbmConfig cfg = tessera::test::hbm3_like(1, 8, 2);  // 16 pseudo-channels, 409.6 GB/s
  StatsRegistry stats;
  std::vector<Stream> streams(1);
  streams[0].total = 64ull << 20;
  streams[0].chunk = 4096;
  streams[0].window = 128;
  run_streams(cfg, streams, stats);
  const double f = fraction_of_peak(cfg, streams[0]);
  std::printf("hbm sequential read: %.2f%% of peak (refresh bound %.2f%%)\n", 100 * f, 100 * kRefreshBound);
  CHECK(f >= 0.90);
  CHECK(f <= kRefreshBound + 0.002);
  CHECK(stats.total("hbm", "bytes_read") == double(64ull << 20));
  // One stat group per controller, named after its module under the system ("hbm").
  REQUIRE(stats.find("hbm.ch15") != nullptr);
  CHECK(stats.find("hbm.ch15")->kind() == "hbm");
  CHECK(stats.find("hbm.ch15")->value("bytes_read") == double(4ull << 20));  // 1/16 of the stream
  // Every byte moved is accounted as data-bus busy time: 2 cycles per 32-byte burst.
  CHECK(stats.total("hbm", "busy_cycles") == double(64ull << 20) / 32 * 2);
  // The stream opens each 1 KiB row once: 64 MiB / 1 KiB activates, plus re-activations of
  // rows a refresh closed while they still had requests: at most 16 banks per refresh.
  const double rows = double(64ull << 20) / 1024;
  const double refreshes = stats.total("hbm", "refreshes");
  CHECK(refreshes > 0);
  CHECK(stats.total("hbm", "activates") >= rows);
  CHECK(stats.total("hbm", "activates") <= rows + 16 * refreshes);
  CHECK(stats.total("hbm", "row_misses") == stats.total("hbm", "activates"));
}

TEST_CASE("HBM bandwidth: random 64-byte reads stay under the tRRD/tFAW bound", "[hbm][bandwidth]") {
  const HbmConfig cfg = tessera::test::hbm3_like(1, 8, 2);
  StatsRegistry stats;
  std::vector<Stream> streams(1);
  streams[0].total = 16ull << 30;
  streams[0].random64 = true;
  streams[0].count = 16 * 4096;
  streams[0].window = 1024;
  run_streams(cfg, streams, stats);
  const double f = fraction_of_peak(cfg, streams[0]);
  const double act_bound = 64.0 / 8 / 16;  // 64 bytes per tRRD = 8 cycles, of 16 B/cycle peak
  std::printf("hbm random 64 B reads: %.2f%% of peak (tRRD bound with refresh %.2f%%)\n", 100 * f,
              100 * act_bound * kRefreshBound);
  CHECK(f < 0.50);
  CHECK(f <= act_bound * kRefreshBound + 0.002);
  CHECK(f >= 0.6 * act_bound * kRefreshBound);  // sanity: the controllers keep many banks busy
  CHECK(stats.total("hbm", "row_hits") < 0.01 * streams[0].count);
}

TEST_CASE("HBM bandwidth: two streams to one pseudo-channel share it", "[hbm][bandwidth]") {
  const HbmConfig cfg = tessera::test::hbm3_like(1, 1, 1);  // one controller, 25.6 GB/s
  Stream proto;
  proto.total = 4ull << 20;
  proto.chunk = 4096;
  proto.window = 8;

  StatsRegistry single_stats;
  std::vector<Stream> single(1, proto);
  run_streams(cfg, single, single_stats);
  const double alone = fraction_of_peak(cfg, single[0]);

  StatsRegistry pair_stats;
  std::vector<Stream> pair(2, proto);
  pair[1].base = 1ull << 30;  // other rows of the same banks
  run_streams(cfg, pair, pair_stats);
  const double a = fraction_of_peak(cfg, pair[0]), b = fraction_of_peak(cfg, pair[1]);
  std::printf("hbm one channel: one stream %.2f%% of peak; two streams %.2f%% + %.2f%% = %.2f%%\n", 100 * alone,
              100 * a, 100 * b, 100 * (a + b));
  CHECK(alone >= 0.90);
  CHECK(a / (a + b) == Approx(0.5).margin(0.05));
  CHECK(a + b >= 0.90 * alone);
  CHECK(a + b <= alone * 1.01);
}
