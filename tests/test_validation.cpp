// The calibration set (measurements.md) against the model: every case's error is within the
// bound docs/calibration.md states for its group, and re-fitting the cheap factors reproduces
// the values shipped in the chip configs. The cases that take long to simulate (16384^3 GEMMs)
// run only in `tessera validate` without --quick.
#include <catch2/catch.hpp>

#include <cmath>
#include <map>

#include "models/config/chip_config.h"
#include "sim/validation.h"

using namespace tessera;

namespace {

const std::string kChips = std::string(TESSERA_TEST_DATA_DIR) + "/configs/chips/";

const ChipConfig& chip(const std::string& name) {
  static std::map<std::string, ChipConfig> cache;
  auto it = cache.find(name);
  if (it == cache.end()) it = cache.emplace(name, load_chip_config(kChips + name + ".yaml")).first;
  return it->second;
}

/// The bound docs/calibration.md states for a case's group (|model / measured - 1|).
double bound(const ValidationCase& c) {
  if (c.kind == CaseKind::gemm && c.chip == "a100") return 0.20;
  if (c.kind == CaseKind::gemm) return 0.35;                          // h100: G3, G4 fitted, G7 check
  if (c.kind == CaseKind::stream && c.chip == "a100") return 0.08;
  if (c.kind == CaseKind::stream) return 0.10;                        // h100, h200 (HBM3/3e, per-bank refresh)
  if (c.kind == CaseKind::stream_power) return 0.01;                  // P4: the factor is fitted on it
  return 0.10;                                                        // idle power: P8, P9
}

}  // namespace

TEST_CASE("every calibration case is within its stated error bound", "[validation]") {
  std::size_t ran = 0;
  for (const ValidationCase& c : validation_cases()) {
    if (c.large) continue;
    const CaseResult r = run_case(c, chip(c.chip));
    INFO(c.id << " on " << c.chip << ": measured " << c.measured << " " << c.unit << ", model " << r.model
              << ", error " << 100 * r.error() << "%");
    CHECK(r.model > 0);
    CHECK(std::abs(r.error()) <= bound(c));
    if (c.kind == CaseKind::idle_power) {  // idle power falls inside the published range
      CHECK(r.model >= c.measured_low);
      CHECK(r.model <= c.measured_high);
    }
    ++ran;
  }
  CHECK(ran >= 25);
}

TEST_CASE("re-fitting reproduces the shipped calibration factors", "[validation]") {
  auto cases_for = [](const std::string& chip_name, const std::string& factor) {
    std::vector<const ValidationCase*> out;
    for (const ValidationCase& c : validation_cases())
      if (c.chip == chip_name && c.factor == factor) out.push_back(&c);
    return out;
  };
  // dynamic_energy_scale: a100 on P4, closed form.
  {
    ChipConfig a = chip("a100");
    const double shipped = a.calibration.dynamic_energy_scale;
    set_factor(a, "dynamic_energy_scale", 1.0);
    const FitResult f = fit_factor(a, "dynamic_energy_scale", cases_for("a100", "dynamic_energy_scale"));
    CHECK(f.value == Approx(shipped).epsilon(0.01));
    REQUIRE(f.cases.size() == 1);
    CHECK(std::abs(f.cases[0].error()) < 0.01);
  }
  // hbm_efficiency: a100 on M2 and M6; the model's DRAM already delivers the measured
  // bandwidth, so the efficiency stays at its upper bound, 1.
  {
    const FitResult f = fit_factor(chip("a100"), "hbm_efficiency", cases_for("a100", "hbm_efficiency"));
    CHECK(f.value == Approx(chip("a100").calibration.hbm_efficiency).epsilon(0.01));
    CHECK(f.cases.size() == 6);  // M2 read, triad, store; M6 copy, triad, dot
  }
}

TEST_CASE("calibration cases name their source and fit only their own factor", "[validation]") {
  std::map<std::string, int> fitted;
  for (const ValidationCase& c : validation_cases()) {
    CHECK_FALSE(c.source.empty());
    CHECK(c.measured > 0);
    CHECK(c.measured_low <= c.measured);
    CHECK(c.measured <= c.measured_high);
    if (c.fitted()) ++fitted[c.factor];
    if (c.id.rfind("G7", 0) == 0 || c.kind == CaseKind::idle_power) CHECK_FALSE(c.fitted());  // kept apart
  }
  CHECK(fitted["matrix_efficiency"] == 10);  // G1, G3, G4, G6 x 7
  CHECK(fitted["hbm_efficiency"] == 14);     // M2 x 3, M6 x 3, M7 x 3, M8 x 2, M9 x 3
  CHECK(fitted["dynamic_energy_scale"] == 1);  // P4
}
