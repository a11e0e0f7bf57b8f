#include "models/compute/systolic_timing.h"

namespace tessera {
namespace {

struct Mapping {
  std::uint64_t stationary_rows;  // extent mapped onto the array's rows
  std::uint64_t stationary_cols;  // extent mapped onto the array's columns
  std::uint64_t stream;           // T
};

Mapping map_dataflow(const SystolicArray& a, Dataflow d, const GemmShape& s) {
  const std::uint64_t k = ceil_div(s.k, a.macs_per_pe);  // p MACs per PE along K
  switch (d) {
    case Dataflow::weight_stationary: return {k, s.n, s.m};
    case Dataflow::output_stationary: return {s.m, s.n, k};
    case Dataflow::input_stationary: return {k, s.m, s.n};
  }
  return {0, 0, 0};
}

std::uint64_t folds_of(const SystolicArray& a, const Mapping& m) {
  if (m.stationary_rows == 0 || m.stationary_cols == 0 || m.stream == 0) return 0;
  return ceil_div(m.stationary_rows, a.rows) * ceil_div(m.stationary_cols, a.cols);
}

}  // namespace

Cycles systolic_fold_overhead(const SystolicArray& a, Dataflow d) {
  const Cycles h = a.rows, w = a.cols;
  // H + W - 2 of skew; ws and is also load the stationary slice (H cycles) before streaming.
  return (d == Dataflow::output_stationary ? h : 2 * h) + w - 2;
}

std::uint64_t systolic_folds(const SystolicArray& a, Dataflow d, const GemmShape& s) {
  return folds_of(a, map_dataflow(a, d, s));
}

Cycles systolic_cycles(const SystolicArray& a, Dataflow d, const GemmShape& s) {
  const Mapping m = map_dataflow(a, d, s);
  return folds_of(a, m) * (systolic_fold_overhead(a, d) + m.stream);
}

}  // namespace tessera
