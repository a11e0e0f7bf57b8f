// Closed-form cycle count of one GEMM tile on an H x W (rows x cols) systolic array, per
// dataflow, following SCALE-Sim v2's compute model. Each fold maps a slice of the stationary
// operand onto the array and streams the moving operand through it. Data skews through the
// WHOLE array whatever the slice's size, so every fold, partial or not, costs the full array's
// fill and drain (SCALE-Sim charges it the same way):
//   ws, is:  fold = H (load the stationary slice, one row per cycle)
//                 + (H - 1) + (W - 1)   (skew: operands enter and results leave diagonally)
//                 + T                   (stream the moving operand)
//                 = 2H + W + T - 2
//   os:      fold = H + W + T - 2       (no stationary operand to load: outputs accumulate in
//                                        place and drain while the next fold's operands enter)
// The tile takes folds x fold cycles. SCALE-Sim's reported totals are one less (it counts the
// index of the last busy cycle); the one cycle per tile is left in (< 0.1% on any real tile).
// Mapping per dataflow, for C[M,N] = A[M,K] * B[K,N]:
//   weight-stationary (ws): B is stationary: rows <- K, cols <- N, stream T = M
//   output-stationary (os): C is stationary: rows <- M, cols <- N, stream T = K
//   input-stationary  (is): A is stationary: rows <- K, cols <- M, stream T = N
// folds = ceil(rows extent / H) x ceil(cols extent / W).
// When the engine does p = macs_per_cycle / (H*W) MACs per PE per cycle for a data type, each
// PE covers p consecutive elements of K: the K extent is divided by p (ceiling) first.
#pragma once

#include <cstdint>

#include "base/types.h"

namespace tessera {

struct SystolicArray {
  std::uint32_t rows = 0;
  std::uint32_t cols = 0;
  std::uint32_t macs_per_pe = 1;  // p: MACs per PE per cycle for the data type in use
};

struct GemmShape {
  std::uint64_t m = 0, n = 0, k = 0;
};

/// Cycles for one GEMM tile; 0 when any extent is 0.
Cycles systolic_cycles(const SystolicArray& array, Dataflow dataflow, const GemmShape& shape);
/// Number of folds (row folds x column folds) the tile needs.
std::uint64_t systolic_folds(const SystolicArray& array, Dataflow dataflow, const GemmShape& shape);
/// Cycles of one fold that are not streaming (fill and drain): fold cycles - T.
Cycles systolic_fold_overhead(const SystolicArray& array, Dataflow dataflow);

}  // namespace tessera
