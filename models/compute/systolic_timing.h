// Closed-form cycle count of one GEMM tile on a rows x cols systolic array, per dataflow.
// This is the classic per-fold model (as in SCALE-Sim): each fold maps a slice of the
// stationary operand onto r <= rows PE rows and c <= cols PE columns, then
//   fold cycles = r (preload the stationary slice, one row per cycle)
//               + (r - 1) + (c - 1)  (skew: operands enter and results leave diagonally)
//               + T                  (stream the moving operand)
//               = 2r + c + T - 2.
// Partial folds (a dimension that is not a multiple of the array) use their real r and c.
// Mapping per dataflow, for C[M,N] = A[M,K] * B[K,N]:
//   weight-stationary (ws): B is stationary: rows <- K, cols <- N, stream T = M
//   output-stationary (os): C is stationary: rows <- M, cols <- N, stream T = K
//   input-stationary  (is): A is stationary: rows <- K, cols <- M, stream T = N
// When the engine does p = macs_per_cycle / (rows*cols) MACs per PE per cycle for a data type,
// each PE covers p consecutive elements of K: the K extent is divided by p (ceiling) first.
// Summing the folds gives an exact O(1) formula, with Sr, Sc the mapped extents and
// nr = ceil(Sr/rows), nc = ceil(Sc/cols):  2*Sr*nc + Sc*nr + nr*nc*(T - 2).
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

}  // namespace tessera
