#include "models/compute/systolic_timing.h"

namespace tessera {
namespace {

struct Mapping {
  std::uint64_t stationary_rows;  // Sr
  std::uint64_t stationary_cols;  // Sc
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

}  // namespace

std::uint64_t systolic_folds(const SystolicArray& a, Dataflow d, const GemmShape& s) {
  const Mapping m = map_dataflow(a, d, s);
  if (m.stationary_rows == 0 || m.stationary_cols == 0 || m.stream == 0) return 0;
  return ceil_div(m.stationary_rows, a.rows) * ceil_div(m.stationary_cols, a.cols);
}

Cycles systolic_cycles(const SystolicArray& a, Dataflow d, const GemmShape& s) {
  const Mapping m = map_dataflow(a, d, s);
  if (m.stationary_rows == 0 || m.stationary_cols == 0 || m.stream == 0) return 0;
  const std::uint64_t nr = ceil_div(m.stationary_rows, a.rows);
  const std::uint64_t nc = ceil_div(m.stationary_cols, a.cols);
  // Sum over folds of (2r + c + T - 2): the r's of one column of folds add up to Sr, etc.
  // Written so no intermediate goes negative (Sr >= nr, so 2*Sr*nc >= 2*nr*nc).
  return 2 * (m.stationary_rows - nr) * nc + m.stationary_cols * nr + nr * nc * m.stream;
}

}  // namespace tessera
