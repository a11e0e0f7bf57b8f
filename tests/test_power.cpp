// Power and energy model (docs/power.md): energy totals are the sum of their parts and match
// energies derived here from the workload and the config; an idle chip draws its idle power;
// doubling the clock at a fixed voltage halves compute time and leaves energy per MAC alone;
// the H100 stays within its TDP on a GEMM-heavy workload, and throttles when the limit is low.
#include <catch2/catch.hpp>

#include <cmath>
#include <numeric>

#include "models/chip/chip.h"
#include "models/config/chip_config.h"
#include "models/power/energy_model.h"
#include "models/config/run_config.h"
#include "sim/kernel_context.h"
#include "sim/simulation.h"
#include "models/chip/timeline.h"
#include "tests/workload_builders.h"

using namespace tessera;
using namespace tessera::test;

namespace {

const std::string kChips = std::string(TESSERA_TEST_DATA_DIR) + "/configs/chips/";

/// Sum of stat `name` over every group (kind "" = all kinds).
double sum_stat(const StatsRegistry& stats, const std::string& name, const std::string& kind = "") {
  double s = 0;
  for (const auto& g : stats.groups())
    if (kind.empty() || g->kind() == kind) s += g->value(name);
  return s;
}

}  // namespace

TEST_CASE("energy totals equal the sum of their parts", "[power]") {
  const ChipConfig chip = load_chip_config(kChips + "g1.yaml");
  Workload w;
  w.name = "mixed";
  w.tokens = 512;
  w.ops.push_back(gemm_op("qkv", 512, 3072, 1024));
  w.ops.push_back(vector_op("softmax", OpKind::softmax, 512, 2048, {"qkv"}));
  w.ops.push_back(gemm_op("out", 512, 1024, 1024, {"softmax"}));
  w.ops.push_back(vector_op("residual", OpKind::elementwise, 512, 1024, {"out"}));
  const SimResult r = simulate(chip, w);
  const Summary& s = r.summary;
  const StatsRegistry& st = *r.stats;
  const double total_pj = s.number("energy_j") * 1e12;
  REQUIRE(total_pj > 0);

  // The units' energies, the board's included, add up to the total; so do dynamic and static.
  CHECK(sum_stat(st, energy_stats::kEnergy) == Approx(total_pj).epsilon(1e-9));
  CHECK(sum_stat(st, energy_stats::kDynamic) == Approx(s.number("dynamic_energy_j") * 1e12).epsilon(1e-9));
  CHECK(sum_stat(st, energy_stats::kStatic) == Approx(s.number("static_energy_j") * 1e12).epsilon(1e-9));
  CHECK(s.number("dynamic_energy_j") + s.number("static_energy_j") == Approx(s.number("energy_j")).epsilon(1e-12));
  // The operators' shares add up to the total.
  double ops_j = 0;
  for (const OpResult& o : r.ops) {
    CHECK(o.energy_j > 0);
    ops_j += o.energy_j;
  }
  CHECK(ops_j == Approx(s.number("energy_j")).epsilon(1e-9));
  // Power and per-token figures follow from the energy and the time.
  const double seconds = s.number("seconds");
  CHECK(s.number("avg_power_w") * seconds == Approx(s.number("energy_j")).epsilon(1e-9));
  CHECK(s.number("energy_per_token_j") * 512 == Approx(s.number("energy_j")).epsilon(1e-9));
  CHECK(s.number("tokens_per_joule") * s.number("energy_j") == Approx(512).epsilon(1e-9));
  CHECK(s.number("tflops_per_watt") == Approx(s.number("achieved_tflops") / s.number("avg_power_w")).epsilon(1e-9));

  // Derived independently of the counters: g1 runs at its nominal point, so the matrix engines'
  // dynamic energy is the workload's MACs x 0.30 pJ (g1.yaml pj_per_mac.bf16, scale 1).
  const double macs = 512.0 * 3072 * 1024 + 512.0 * 1024 * 1024;
  CHECK(sum_stat(st, energy_stats::kDynamic, "matrix") == Approx(macs * 0.30).epsilon(1e-9));
  // Static energy is the configured static power (49 W in g1.yaml) over the run.
  CHECK(s.number("static_energy_j") == Approx(49.0 * seconds).epsilon(1e-9));
  // DRAM: bytes, activates and refreshes priced as g1.yaml says.
  const double hbm_pj = sum_stat(st, "bytes_read", "hbm") * 22.2 + sum_stat(st, "bytes_written", "hbm") * 26.4 +
                        sum_stat(st, "activates", "hbm") * 828 + sum_stat(st, "refreshes", "hbm") * 105984;
  CHECK(sum_stat(st, energy_stats::kDynamic, "hbm") == Approx(hbm_pj).epsilon(1e-9));
  CHECK(sum_stat(st, "bytes_read", "hbm") > 0);
  // The per-unit table carries the energy columns.
  const StatGroup* board = st.find(kBoardGroup);
  REQUIRE(board);
  CHECK(board->value(energy_stats::kEnergy) == Approx(14.5 * seconds * 1e12).epsilon(1e-9));  // static_w.other
}

TEST_CASE("an idle chip draws its idle power", "[power]") {
  // Nothing to do for 1 ms: static power plus DRAM refresh, and nothing else. Expected power
  // from the config alone: h100 static_w sums to 68 W; 160 pseudo-channels refresh every
  // tREFI = 5099 cycles of the DRAM clock, which calibration.hbm_efficiency = 0.9827 slows to
  // 1307.5 x 0.9827 MHz (3.969 us), 52992 pJ each: 160 x 52992e-12 / 3.969e-6 = 2.136 W.
  const ChipConfig chip = load_chip_config(kChips + "h100.yaml");
  const double trefi_s = 5099 / (1307.5e6 * 0.9827);
  const double expected_w = 68.0 + 160 * 52992e-12 / trefi_s;
  CHECK(expected_w == Approx(70.14).epsilon(1e-3));
  // Measured: 68-73 W (measurements.md P8).
  CHECK(expected_w >= 68);
  CHECK(expected_w <= 73);
  CHECK(idle_power_w(chip, chip.power.nominal_point) == Approx(expected_w).epsilon(1e-9));

  KernelContext kernel;
  const ChipConfig run = run_config(chip, chip.power.nominal_point);
  StatsRegistry stats;
  Timeline timeline(false);
  const std::vector<OpPlan> plans;
  const std::vector<std::string> ids;
  WorkScheduler scheduler(plans, {});
  Chip model("chip", ChipParams{.config = run,
                                .plans = plans,
                                .op_ids = ids,
                                .scheduler = scheduler,
                                .stats = stats,
                                .timeline = timeline,
                                .sram_block_bytes = 4096,
                                .power = PowerRunOptions{true, chip.power.nominal_point, true}});
  const double seconds = 1e-3;
  sc_core::sc_start(sc_core::sc_time(seconds, sc_core::SC_SEC));
  PowerManager& power = *model.power();
  power.finish(sc_core::sc_time(seconds, sc_core::SC_SEC).value());
  const double watts = power.energy().total_pj() * 1e-12 / seconds;
  // Refreshes come in whole tREFI intervals: 256 of the 256.4 per channel in 1 ms.
  CHECK(watts == Approx(expected_w).epsilon(1e-3));
  CHECK(power.energy().dynamic_pj_by_kind().count("matrix") == 0);
  CHECK(power.energy().static_pj() * 1e-12 / seconds == Approx(68.0).epsilon(1e-9));
  CHECK(power.throttle_trace().throttled_s == 0);
}

TEST_CASE("doubling the clock at a fixed voltage halves compute time, not energy per MAC", "[power][dvfs]") {
  // g1 with two operating points at the same voltage: 600 and 1200 MHz at 0.75 V.
  ChipConfig chip = load_chip_config(kChips + "g1.yaml");
  chip.power.operating_points = {{600, 0.75}, {1200, 0.75}};
  chip.power.nominal_point = 1;
  SimOptions opt;
  opt.compute_only = true;
  opt.power_limit = false;
  const Workload w = one_gemm(1024, 2048, 4096);
  const double macs = 1024.0 * 2048 * 4096;
  opt.operating_point = 0;
  const SimResult slow = simulate(chip, w, opt);
  opt.operating_point = 1;
  const SimResult fast = simulate(chip, w, opt);

  CHECK(slow.summary.number("core_clock_mhz") == 600);
  CHECK(fast.summary.number("core_clock_mhz") == 1200);
  // Same cycles, twice the period (periods are whole femtoseconds: 1666667 vs 833333 fs).
  CHECK(slow.summary.number("cycles") == fast.summary.number("cycles"));
  CHECK(slow.summary.number("seconds") / fast.summary.number("seconds") == Approx(2.0).epsilon(1e-5));
  // Dynamic energy per MAC: 0.30 pJ at both points (same voltage, same events).
  const double slow_mac = sum_stat(*slow.stats, energy_stats::kDynamic, "matrix") / macs;
  const double fast_mac = sum_stat(*fast.stats, energy_stats::kDynamic, "matrix") / macs;
  CHECK(slow_mac == Approx(0.30).epsilon(1e-9));
  CHECK(fast_mac == Approx(0.30).epsilon(1e-9));
  // Static energy follows the time: twice as long, twice the static energy.
  CHECK(slow.summary.number("static_energy_j") / fast.summary.number("static_energy_j") == Approx(2.0).epsilon(1e-5));
  // Asking for the slower point is not throttling.
  CHECK(slow.summary.number("throttled_s") == 0);

  // Voltage scales dynamic energy with V^2: at 0.375 V a MAC costs a quarter.
  chip.power.operating_points[0].volts = 0.375;
  opt.operating_point = 0;
  const SimResult low_v = simulate(chip, w, opt);
  CHECK(sum_stat(*low_v.stats, energy_stats::kDynamic, "matrix") / macs == Approx(0.30 / 4).epsilon(1e-9));
  CHECK(low_v.summary.number("seconds") == Approx(slow.summary.number("seconds")).epsilon(1e-12));
}

TEST_CASE("H100 stays within its TDP on a GEMM-heavy workload", "[power][tdp]") {
  const ChipConfig chip = load_chip_config(kChips + "h100.yaml");
  const SimResult r = simulate(chip, one_gemm(8192, 8192, 8192));
  const Summary& s = r.summary;
  INFO("avg " << s.number("avg_power_w") << " W, peak " << s.number("peak_power_w") << " W");
  CHECK(s.number("avg_power_w") <= 700);  // [hpctech]
  // The controller is reactive (models/power/power_manager.h): it steps down after a window
  // above the limit and steps up when the re-scaled window fits, so one window can land above
  // it when the work's intensity changes between windows; it never runs away.
  CHECK(s.number("peak_power_w") <= 1.05 * 700);
  // A busy chip draws more than an idle one.
  CHECK(s.number("avg_power_w") > s.number("idle_power_w"));
  // A lower bound derived from the workload: static power plus the MACs' energy alone.
  const double macs = 8192.0 * 8192 * 8192;
  const double lower_w = 68 + macs * 0.24e-12 * chip.calibration.dynamic_energy_scale / s.number("seconds");
  CHECK(s.number("avg_power_w") > lower_w);
}

TEST_CASE("a power limit below the draw throttles the clock", "[power][tdp]") {
  ChipConfig chip = load_chip_config(kChips + "h100.yaml");
  const Workload w = one_gemm(4096, 4096, 8192);
  SimOptions free_run;
  free_run.power_limit = false;
  const SimResult unlimited = simulate(chip, w, free_run);
  const double draw = unlimited.summary.number("avg_power_w");
  REQUIRE(unlimited.summary.number("throttled_s") == 0);
  // A limit 20% under the unthrottled draw.
  chip.power.tdp_w = 0.8 * draw;
  const SimResult limited = simulate(chip, w);
  const Summary& s = limited.summary;
  INFO("draw " << draw << " W, limit " << chip.power.tdp_w << " W, limited avg " << s.number("avg_power_w"));
  CHECK(s.number("throttled_s") > 0);
  CHECK(s.number("seconds") > unlimited.summary.number("seconds"));
  // The controller acts per window, so the first window(s) may overshoot; the average stays
  // within a few percent of the limit, and far below the unthrottled draw.
  CHECK(s.number("avg_power_w") <= chip.power.tdp_w * 1.05);
  CHECK(s.number("avg_power_w") < 0.9 * draw);
  CHECK(s.number("throttled_fraction") > 0.5);
}

TEST_CASE("operating points and calibration reach the run", "[power][dvfs]") {
  const ChipConfig chip = load_chip_config(kChips + "h100.yaml");
  // Point 2 is 1395 MHz: the NoC and L2 clocks follow the core clock's ratio.
  const ClockConfig c = clocks_at_point(chip, 2);
  CHECK(c.core_mhz == 1395);
  CHECK(c.noc_mhz == Approx(1830.0 * 1395 / 1830));
  CHECK(c.sram_mhz == Approx(1395));
  CHECK_THROWS_AS(run_config(chip, 9), Error);
  // hbm_efficiency scales the DRAM clock and data rate together.
  ChipConfig cal = chip;
  cal.calibration.hbm_efficiency = 0.5;
  const ChipConfig run = run_config(cal, chip.power.nominal_point);
  CHECK(run.hbm.clock_mhz == Approx(chip.hbm.clock_mhz * 0.5));
  CHECK(run.hbm.peak_bytes_per_second() == Approx(chip.hbm.peak_bytes_per_second() * 0.5));
  CHECK(run.hbm.beats_per_clock() == chip.hbm.beats_per_clock());
  // matrix_efficiency stretches tile cycles: compute-only time grows by 1 / efficiency.
  SimOptions opt;
  opt.compute_only = true;
  const Workload w = one_gemm(2048, 2048, 2048);
  ChipConfig slow = load_chip_config(kChips + "g1.yaml");
  const double base = simulate(slow, w, opt).summary.number("seconds");
  slow.calibration.matrix_efficiency = 0.5;
  CHECK(simulate(slow, w, opt).summary.number("seconds") == Approx(2 * base).epsilon(1e-3));
}
