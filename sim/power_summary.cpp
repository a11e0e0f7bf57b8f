#include "sim/power_summary.h"

#include <algorithm>

#include <fmt/core.h>

namespace tessera {

namespace {
constexpr double kPjPerJoule = 1e12;

std::string describe_point(const ChipConfig& chip, std::uint32_t index) {
  const OperatingPoint& p = chip.power.operating_points.at(index);
  return fmt::format("{} MHz, {} V (point {} of 0..{})", p.core_mhz, p.volts, index,
                     chip.power.operating_points.size() - 1);
}
}  // namespace

void add_power_summary(Summary& s, const ChipConfig& chip, const PowerFigures& power, const RunTotals& run) {
  const PowerTrace& t = power.trace;
  const double joules = (power.dynamic_pj + power.static_pj) / kPjPerJoule;
  const double avg_w = run.seconds > 0 ? joules / run.seconds : 0;
  s.set("energy_j", joules, "J", "energy of the whole chip over the run: dynamic + static");
  s.set("dynamic_energy_j", power.dynamic_pj / kPjPerJoule, "J", "counted events x energy per event (DRAM refresh included)");
  s.set("static_energy_j", power.static_pj / kPjPerJoule, "J", "static power x time, all units and the board");
  s.set("avg_power_w", avg_w, "W", "average power: energy / simulated time");
  s.set("peak_power_w", std::max(t.peak_window_w, avg_w), "W", "highest average power over one throttle window");
  s.set("idle_power_w", idle_power_w(chip, run.requested_point), "W",
        "power of the idle chip at the requested point: static + DRAM refresh");
  s.set("tdp_w", chip.power.tdp_w, "W", "power limit (power.tdp_w)");
  s.set_text("operating_point", describe_point(chip, run.requested_point), "DVFS point the run asked for");
  if (t.final_point != run.requested_point)
    s.set_text("final_operating_point", describe_point(chip, t.final_point), "DVFS point at the end of the run");
  s.set("throttled_s", t.throttled_s, "s", "time spent below the requested point to stay within tdp_w");
  s.set("throttled_fraction", run.seconds > 0 ? std::min(1.0, t.throttled_s / run.seconds) : 0, "fraction",
        "throttled time over simulated time");
  if (run.tokens > 0) {
    s.set("energy_per_token_j", joules / run.tokens, "J/token", "energy per token processed");
    s.set("tokens_per_joule", joules > 0 ? run.tokens / joules : 0, "tokens/J", "tokens processed per joule");
  }
  if (run.samples > 0) {
    s.set("energy_per_sample_j", joules / run.samples, "J/sample", "energy per sample processed");
    s.set("samples_per_joule", joules > 0 ? run.samples / joules : 0, "samples/J", "samples processed per joule");
  }
  s.set("tflops_per_watt", joules > 0 ? run.flops / joules / 1e12 : 0, "TFLOP/s/W",
        "GEMM FLOPs per second per watt: achieved_tflops / avg_power_w");
}

}  // namespace tessera
