// Fuzz target: `--set` overrides (one per input line) on the small shipped chip g1, then a small
// GEMM and a softmax simulated on it, as `tessera gemm --chip g1 --set ...` runs. What the loader
// accepts must simulate: no division by zero, no overflow of simulated time, no hang (libFuzzer's
// -timeout), no invariant violated (sim/invariants.h raises InvariantError, which is not a
// tessera::Error and so is reported as a crash).
#include <sstream>
#include <vector>

#include "models/config/chip_config.h"
#include "sim/simulation.h"
#include "tests/fuzz/fuzz_support.h"
#include "workloads/operator.h"

namespace {

tessera::Workload small_workload() {
  tessera::Workload w;
  w.name = "fuzz-gemm-softmax";
  tessera::Operator g;
  g.id = "gemm";
  g.kind = tessera::OpKind::gemm;
  g.m = 96, g.n = 80, g.k = 64;
  w.ops.push_back(g);
  tessera::Operator s;
  s.id = "softmax";
  s.kind = tessera::OpKind::softmax;
  s.rows = 96, s.cols = 80;
  s.deps = {"gemm"};
  w.ops.push_back(s);
  return w;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::vector<std::string> overrides;
  std::istringstream lines(tessera::fuzz::text_of(data, size));
  for (std::string line; std::getline(lines, line);) overrides.push_back(line);
  if (overrides.size() > 16) return 0;  // a few keys at a time keep each run short
  static const tessera::Workload workload = small_workload();
  return tessera::fuzz::refuse_only_with_error([&] {
    const tessera::ChipConfig chip = tessera::load_chip_config("g1", overrides);
    tessera::SimOptions options;
    options.fidelity = tessera::Fidelity::cycle_full;  // one simulation, no shared operator table
    tessera::simulate(chip, workload, options);
  });
}
