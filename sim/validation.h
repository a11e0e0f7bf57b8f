// The calibration set (the reference notes' measurements.md) as runnable cases, the model's
// figure for each, and the fit of the three calibration factors (docs/calibration.md):
//   calibration.matrix_efficiency     fit on the GEMM throughput cases of the chip (G1, G6 on
//                                     a100; G3, G4 on h100)
//   calibration.hbm_efficiency        fit on the HBM stream cases of the chip (M2, M6 on a100;
//                                     M7, M8 on h100; M9 on h200)
//   calibration.dynamic_energy_scale  fit on the one loaded power case, P4 (A100 streaming)
// Cases marked `check` are never fitted on: they show the error on data the factors did not see
// (G7, and the idle-power cases P8/P9, which the static power in the chip configs comes from).
// Built into tessera_sim (it runs simulations); `tessera validate` and tests/test_validation.cpp
// use it.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "models/config/chip_config.h"
#include "workloads/operator.h"

namespace tessera {

enum class CaseKind {
  gemm,          // one GEMM; figure: achieved TFLOP/s
  stream,        // one streaming operator; figure: counted bytes / time, GB/s
  idle_power,    // figure: the idle chip's power, W
  stream_power,  // figure: power while streaming at the measured rate, W
};

enum class StreamPattern { copy, triad, dot, read, store };

struct ValidationCase {
  std::string id;       // e.g. "G6 4096^3", "M7 copy"
  std::string source;   // measurements.md row and source key
  std::string chip;     // chip config name
  CaseKind kind = CaseKind::gemm;
  std::string factor;   // the calibration factor it is fitted with; "" for a check case
  double measured = 0;  // in `unit`; for a measured range, its middle
  double measured_low = 0, measured_high = 0;  // the published range (= measured when one figure)
  std::string unit;     // "TFLOP/s", "GB/s", "W"
  // gemm
  std::uint64_t m = 0, n = 0, k = 0;
  DataType dtype = DataType::bf16;
  // stream, stream_power
  StreamPattern pattern = StreamPattern::copy;
  double rate_gbps = 0;  // stream_power: the measured streaming rate the power was read at
  bool large = false;    // more than a few seconds to simulate (left out by --quick and the tests)
  bool fitted() const { return !factor.empty(); }
};

/// Every case, in measurements.md order.
const std::vector<ValidationCase>& validation_cases();

/// The workload a case runs (gemm and stream cases; streams use 2^25 fp32 elements per array,
/// BabelStream's default array length, so each array is 128 MiB, well above any L2 modelled).
Workload case_workload(const ValidationCase& c);

struct CaseResult {
  const ValidationCase* c = nullptr;
  double model = 0;
  double error() const { return c->measured != 0 ? model / c->measured - 1 : 0; }  // signed, fraction
};

/// The model's figure for `c` on `chip` (loaded by the caller, overrides and calibration applied).
CaseResult run_case(const ValidationCase& c, const ChipConfig& chip);

/// Sets calibration `factor` ("matrix_efficiency", "hbm_efficiency", "dynamic_energy_scale").
void set_factor(ChipConfig& chip, const std::string& factor, double value);
double get_factor(const ChipConfig& chip, const std::string& factor);

struct FitResult {
  std::string chip;
  std::string factor;
  double before = 0, value = 0;
  std::vector<CaseResult> cases;  // at the fitted value
  int iterations = 0;
};

/// Fits `factor` of `chip` on the cases in `cases` (all fitted with that factor on that chip):
/// the value minimising the mean squared log error, found by fixed-point iteration
/// (f <- f x geometric mean of measured / model) since the model is not exactly proportional to
/// the factor; efficiencies are clamped to (0, 1]. dynamic_energy_scale is solved in closed form
/// (power is linear in it).
FitResult fit_factor(const ChipConfig& chip, const std::string& factor, const std::vector<const ValidationCase*>& cases);

}  // namespace tessera
