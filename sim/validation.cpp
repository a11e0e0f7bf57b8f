#include "sim/validation.h"

#include <algorithm>
#include <cmath>

#include <fmt/core.h>

#include "models/power/energy_model.h"
#include "sim/simulation.h"

namespace tessera {

namespace {

constexpr const char* kMatrix = "matrix_efficiency";
constexpr const char* kHbm = "hbm_efficiency";
constexpr const char* kEnergy = "dynamic_energy_scale";

// BabelStream's default array: 2^25 elements; fp32 here, so 128 MiB per array.
constexpr std::uint64_t kStreamRows = 8192, kStreamCols = 4096;

ValidationCase gemm(std::string id, std::string source, std::string chip, const char* factor, std::uint64_t m,
                    std::uint64_t n, std::uint64_t k, DataType dtype, double tflops, bool large = false) {
  ValidationCase c;
  c.id = std::move(id);
  c.source = std::move(source);
  c.chip = std::move(chip);
  c.kind = CaseKind::gemm;
  c.factor = factor;
  c.m = m, c.n = n, c.k = k, c.dtype = dtype;
  c.measured = c.measured_low = c.measured_high = tflops;
  c.unit = "TFLOP/s";
  c.large = large;
  return c;
}

ValidationCase stream(std::string id, std::string source, std::string chip, const char* factor, StreamPattern p,
                      double gbps) {
  ValidationCase c;
  c.id = std::move(id);
  c.source = std::move(source);
  c.chip = std::move(chip);
  c.kind = CaseKind::stream;
  c.factor = factor;
  c.pattern = p;
  c.measured = c.measured_low = c.measured_high = gbps;
  c.unit = "GB/s";
  return c;
}

ValidationCase power(std::string id, std::string source, std::string chip, const char* factor, CaseKind kind,
                     double low, double high, double rate_gbps = 0) {
  ValidationCase c;
  c.id = std::move(id);
  c.source = std::move(source);
  c.chip = std::move(chip);
  c.kind = kind;
  c.factor = factor;
  c.measured_low = low, c.measured_high = high, c.measured = (low + high) / 2;
  c.unit = "W";
  c.pattern = StreamPattern::copy;
  c.rate_gbps = rate_gbps;
  return c;
}

std::vector<ValidationCase> make_cases() {
  using D = DataType;
  using P = StreamPattern;
  std::vector<ValidationCase> v;
  // 1. GEMM throughput (measurements.md section 1).
  v.push_back(gemm("G1", "G1 [ML-ENG] MAMF best shape, torch bf16", "a100", kMatrix, 1024, 10240, 5120, D::bf16, 271.2));
  v.push_back(gemm("G3", "G3 [ML-ENG] MAMF best shape, torch bf16", "h100", kMatrix, 2048, 2048, 13312, D::bf16, 794.5));
  v.push_back(gemm("G4", "G4 [ML-ENG] MAMF best shape, torch fp8 e4m3", "h100", kMatrix, 1024, 9216, 14336, D::fp8,
                   1402.6));
  const char* az_a100 = "G6 [AZ] ND A100 v4, cuBLASLt fp16";
  v.push_back(gemm("G6 1024^3", az_a100, "a100", kMatrix, 1024, 1024, 1024, D::fp16, 119.4));
  v.push_back(gemm("G6 2048^3", az_a100, "a100", kMatrix, 2048, 2048, 2048, D::fp16, 221.8));
  v.push_back(gemm("G6 4096^3", az_a100, "a100", kMatrix, 4096, 4096, 4096, D::fp16, 228.0));
  v.push_back(gemm("G6 8192^3", az_a100, "a100", kMatrix, 8192, 8192, 8192, D::fp16, 253.7));
  v.push_back(gemm("G6 16384^3", az_a100, "a100", kMatrix, 16384, 16384, 16384, D::fp16, 256.5, /*large=*/true));
  v.push_back(gemm("G6 6144x12288x12288", az_a100, "a100", kMatrix, 6144, 12288, 12288, D::fp16, 250.8));
  v.push_back(gemm("G6 802816x192x768", az_a100, "a100", kMatrix, 802816, 192, 768, D::fp16, 157.8));
  // G7 is kept apart: a check on data the fit did not see.
  const char* az_h100 = "G7 [AZ] ND H100 v5, cuBLASLt fp8 (check)";
  v.push_back(gemm("G7 1024^3", az_h100, "h100", "", 1024, 1024, 1024, D::fp8, 274.1));
  v.push_back(gemm("G7 2048^3", az_h100, "h100", "", 2048, 2048, 2048, D::fp8, 1011.3));
  v.push_back(gemm("G7 4096^3", az_h100, "h100", "", 4096, 4096, 4096, D::fp8, 1216.9));
  v.push_back(gemm("G7 8192^3", az_h100, "h100", "", 8192, 8192, 8192, D::fp8, 1290.1));
  v.push_back(gemm("G7 16384^3", az_h100, "h100", "", 16384, 16384, 16384, D::fp8, 1377.3, /*large=*/true));
  // 2. Achievable HBM bandwidth (section 2). M2 "store" (write only) has no Tessera operator.
  v.push_back(stream("M2 read", "M2 [GB] gpu-stream a100_80", "a100", kHbm, P::read, 1769));
  v.push_back(stream("M2 triad", "M2 [GB] gpu-stream a100_80", "a100", kHbm, P::triad, 1759));
  v.push_back(stream("M2 store", "M2 [GB] gpu-stream a100_80", "a100", kHbm, P::store, 1897));
  v.push_back(stream("M6 copy", "M6 [AZ] BabelStream", "a100", kHbm, P::copy, 1610));
  v.push_back(stream("M6 triad", "M6 [AZ] BabelStream", "a100", kHbm, P::triad, 1700));
  v.push_back(stream("M6 dot", "M6 [AZ] BabelStream", "a100", kHbm, P::dot, 1750));
  v.push_back(stream("M7 copy", "M7 [AZ] BabelStream", "h100", kHbm, P::copy, 2900));
  v.push_back(stream("M7 triad", "M7 [AZ] BabelStream", "h100", kHbm, P::triad, 2970));
  v.push_back(stream("M7 dot", "M7 [AZ] BabelStream", "h100", kHbm, P::dot, 3180));
  v.push_back(stream("M8 copy", "M8 [KEMP] STREAM-GPU, ECC off", "h100", kHbm, P::copy, 3071.1));
  v.push_back(stream("M8 triad", "M8 [KEMP] STREAM-GPU, ECC off", "h100", kHbm, P::triad, 3127.1));
  v.push_back(stream("M9 copy", "M9 [AZ] BabelStream", "h200", kHbm, P::copy, 4010));
  v.push_back(stream("M9 triad", "M9 [AZ] BabelStream", "h200", kHbm, P::triad, 4150));
  v.push_back(stream("M9 dot", "M9 [AZ] BabelStream", "h200", kHbm, P::dot, 4480));
  // 6. Power (section 6). P4 was measured on the 40 GB A100; a100.yaml is the 80 GB part.
  v.push_back(power("P4 streaming", "P4 [GB] gpu-roofline alex_a100_40, 1372 GB/s", "a100", kEnergy,
                    CaseKind::stream_power, 224, 235, 1372));
  v.push_back(power("P8 idle", "P8 nvidia-smi, H100 idle at P0 (check)", "h100", "", CaseKind::idle_power, 68, 73));
  v.push_back(power("P9 idle", "P9 nvidia-smi, A100 80GB idle at P0 (check)", "a100", "", CaseKind::idle_power, 50, 68));
  return v;
}

Operator stream_op(StreamPattern p) {
  Operator op;
  op.id = "stream";
  op.dtype = op.out_dtype = DataType::fp32;
  op.rows = kStreamRows;
  op.cols = kStreamCols;
  switch (p) {
    case StreamPattern::copy:  // c = a
      op.kind = OpKind::elementwise;
      break;
    case StreamPattern::triad:  // a = b + s * c
      op.kind = OpKind::elementwise;
      op.inputs = 2;
      op.ops_per_element = 2;
      break;
    case StreamPattern::dot:  // sum(a * b): both arrays read, one scalar out
      op.kind = OpKind::reduction;
      op.rows = 2 * kStreamRows;
      break;
    case StreamPattern::read:  // sum(a)
      op.kind = OpKind::reduction;
      break;
    case StreamPattern::store:  // a = s: the value is made on chip, nothing is read from memory
      op.kind = OpKind::elementwise;
      op.fused_input = true;
      break;
  }
  return op;
}

const char* pattern_name(StreamPattern p) {
  switch (p) {
    case StreamPattern::copy: return "copy";
    case StreamPattern::triad: return "triad";
    case StreamPattern::dot: return "dot";
    case StreamPattern::read: return "read";
    case StreamPattern::store: return "store";
  }
  return "?";
}

}  // namespace

const std::vector<ValidationCase>& validation_cases() {
  static const std::vector<ValidationCase> cases = make_cases();
  return cases;
}

Workload case_workload(const ValidationCase& c) {
  Workload w;
  w.source = "tessera validate: " + c.source;
  if (c.kind == CaseKind::gemm) {
    Operator op;
    op.id = "gemm";
    op.kind = OpKind::gemm;
    op.dtype = op.out_dtype = c.dtype;
    op.m = c.m, op.n = c.n, op.k = c.k;
    w.name = fmt::format("{} gemm {}x{}x{} {}", c.id, c.m, c.n, c.k, to_string(c.dtype));
    w.ops.push_back(op);
  } else {
    w.name = fmt::format("{} stream {} ({} x {} fp32)", c.id, pattern_name(c.pattern), kStreamRows, kStreamCols);
    w.ops.push_back(stream_op(c.pattern));
  }
  return w;
}

CaseResult run_case(const ValidationCase& c, const ChipConfig& chip) {
  CaseResult r{&c, 0};
  if (c.kind == CaseKind::idle_power) {
    r.model = idle_power_w(chip, chip.power.nominal_point);
    return r;
  }
  const Workload w = case_workload(c);
  const SimResult s = simulate(chip, w);
  const double seconds = s.summary.number("seconds");
  if (c.kind == CaseKind::gemm) {
    r.model = s.summary.number("achieved_tflops");
  } else if (c.kind == CaseKind::stream) {
    const Operator& op = w.ops.front();
    r.model = seconds > 0 ? double(op.bytes_read() + op.bytes_written()) / seconds / 1e9 : 0;
  } else {  // stream_power: idle power plus the model's dynamic energy per HBM byte at the measured rate
    const double hbm_bytes = s.summary.number("hbm_bytes_read") + s.summary.number("hbm_bytes_written");
    const double refresh_j = s.stats->total("hbm", "refreshes") * chip.power.hbm_refresh_pj * 1e-12;
    const double per_byte_j = hbm_bytes > 0 ? (s.summary.number("dynamic_energy_j") - refresh_j) / hbm_bytes : 0;
    r.model = idle_power_w(chip, chip.power.nominal_point) + per_byte_j * c.rate_gbps * 1e9;
  }
  return r;
}

void set_factor(ChipConfig& chip, const std::string& factor, double value) {
  if (factor == kMatrix) chip.calibration.matrix_efficiency = value;
  else if (factor == kHbm) chip.calibration.hbm_efficiency = value;
  else if (factor == kEnergy) chip.calibration.dynamic_energy_scale = value;
  else throw Error(fmt::format("unknown calibration factor '{}'", factor));
}

double get_factor(const ChipConfig& chip, const std::string& factor) {
  if (factor == kMatrix) return chip.calibration.matrix_efficiency;
  if (factor == kHbm) return chip.calibration.hbm_efficiency;
  if (factor == kEnergy) return chip.calibration.dynamic_energy_scale;
  throw Error(fmt::format("unknown calibration factor '{}'", factor));
}

FitResult fit_factor(const ChipConfig& chip, const std::string& factor, const std::vector<const ValidationCase*>& cases) {
  FitResult fit;
  fit.chip = chip.name;
  fit.factor = factor;
  fit.before = fit.value = get_factor(chip, factor);
  if (cases.empty()) return fit;
  ChipConfig c = chip;
  auto run_all = [&] {
    std::vector<CaseResult> out;
    for (const ValidationCase* vc : cases) out.push_back(run_case(*vc, c));
    return out;
  };
  double f = fit.value;
  std::vector<CaseResult> results = run_all();
  for (int it = 0; it < 6; ++it) {
    ++fit.iterations;
    double next = f;
    if (factor == kEnergy) {
      // Power = idle + f x (energy per byte at f = 1) x rate: solve each case for f, take the mean.
      double sum = 0;
      for (const CaseResult& r : results) {
        const double idle = idle_power_w(c, c.power.nominal_point);
        sum += (r.model > idle) ? f * (r.c->measured - idle) / (r.model - idle) : f;
      }
      next = sum / double(results.size());
    } else {
      double log_sum = 0;
      for (const CaseResult& r : results) log_sum += std::log(r.c->measured / std::max(r.model, 1e-30));
      next = std::min(1.0, f * std::exp(log_sum / double(results.size())));
    }
    if (std::abs(next - f) <= 1e-3 * f) break;  // converged: `results` are at f
    f = next;
    set_factor(c, factor, f);
    results = run_all();
  }
  fit.value = f;
  fit.cases = std::move(results);
  return fit;
}

}  // namespace tessera
