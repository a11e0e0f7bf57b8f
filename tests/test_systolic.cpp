// Systolic-array tile timing. Expected values are derived by hand (arithmetic in the
// comments) or by an independent fold-by-fold enumeration written here, never taken from
// the simulator's output.
#include <catch2/catch.hpp>

#include "models/compute/systolic_timing.h"

using namespace tessera;

namespace {
// Independent reference: walk every fold explicitly and add 2r + c + T - 2 for its real
// (possibly partial) r x c footprint.
Cycles enumerate_folds(std::uint64_t rows_extent, std::uint64_t cols_extent, std::uint64_t stream,
                       std::uint32_t R, std::uint32_t C) {
  Cycles total = 0;
  for (std::uint64_t r0 = 0; r0 < rows_extent; r0 += R)
    for (std::uint64_t c0 = 0; c0 < cols_extent; c0 += C) {
      const std::uint64_t r = std::min<std::uint64_t>(R, rows_extent - r0);
      const std::uint64_t c = std::min<std::uint64_t>(C, cols_extent - c0);
      total += 2 * r + c + stream - 2;
    }
  return total;
}
}  // namespace

TEST_CASE("one full fold on a square array matches SCALE-Sim's 2R + C + T - 2", "[systolic]") {
  const SystolicArray a{4, 4, 1};
  // WS: K=4 on rows, N=4 on cols, M=10 streams: 2*4 + 4 + 10 - 2 = 20.
  CHECK(systolic_cycles(a, Dataflow::weight_stationary, {10, 4, 4}) == 20);
  // OS: M=4 on rows, N=4 on cols, K=10 streams: 20 as well.
  CHECK(systolic_cycles(a, Dataflow::output_stationary, {4, 4, 10}) == 20);
  // IS: K=4 on rows, M=4 on cols, N=10 streams: 20.
  CHECK(systolic_cycles(a, Dataflow::input_stationary, {4, 10, 4}) == 20);
}

TEST_CASE("multiples of the array: folds x (2R + C + T - 2)", "[systolic]") {
  const SystolicArray a{16, 16, 1};
  // WS 128x64x32: nr = 32/16 = 2, nc = 64/16 = 4 -> 8 folds of 2*16 + 16 + 128 - 2 = 174 -> 1392.
  CHECK(systolic_cycles(a, Dataflow::weight_stationary, {128, 64, 32}) == 1392);
  CHECK(systolic_folds(a, Dataflow::weight_stationary, {128, 64, 32}) == 8);
  // OS 32x64x128: nr = 2, nc = 4, T = 128: same 1392.
  CHECK(systolic_cycles(a, Dataflow::output_stationary, {32, 64, 128}) == 1392);
  // IS 64x128x32: K=32 -> nr = 2, M=64 -> nc = 4, T = N = 128: 1392.
  CHECK(systolic_cycles(a, Dataflow::input_stationary, {64, 128, 32}) == 1392);
}

TEST_CASE("partial folds on 100x70x45 (M x N x K), 16x16 array", "[systolic]") {
  const SystolicArray a{16, 16, 1};
  // WS: rows <- K=45 (16,16,13), cols <- N=70 (16,16,16,16,6), T = M = 100.
  //   sum = 5*2*45 + 3*70 + 15*(100-2) = 450 + 210 + 1470 = 2130.
  CHECK(systolic_cycles(a, Dataflow::weight_stationary, {100, 70, 45}) == 2130);
  // OS: rows <- M=100 (7 folds, 6x16 + 4), cols <- N=70 (5 folds), T = K = 45.
  //   sum = 5*2*100 + 7*70 + 35*(45-2) = 1000 + 490 + 1505 = 2995.
  CHECK(systolic_cycles(a, Dataflow::output_stationary, {100, 70, 45}) == 2995);
  // IS: rows <- K=45 (3 folds), cols <- M=100 (7 folds), T = N = 70.
  //   sum = 7*2*45 + 3*100 + 21*(70-2) = 630 + 300 + 1428 = 2358.
  CHECK(systolic_cycles(a, Dataflow::input_stationary, {100, 70, 45}) == 2358);
}

TEST_CASE("non-square array and 33x257x65 agree with fold enumeration", "[systolic]") {
  const SystolicArray a{32, 8, 1};
  const GemmShape s{33, 257, 65};
  CHECK(systolic_cycles(a, Dataflow::weight_stationary, s) == enumerate_folds(65, 257, 33, 32, 8));
  CHECK(systolic_cycles(a, Dataflow::output_stationary, s) == enumerate_folds(33, 257, 65, 32, 8));
  CHECK(systolic_cycles(a, Dataflow::input_stationary, s) == enumerate_folds(65, 33, 257, 32, 8));
  // One worked by hand: WS rows <- K=65 (32,32,1: nr=3), cols <- N=257 (32 folds of 8 + 1: nc=33), T=33.
  //   sum = 33*2*65 + 3*257 + 99*(33-2) = 4290 + 771 + 3069 = 8130.
  CHECK(systolic_cycles(a, Dataflow::weight_stationary, s) == 8130);
}

TEST_CASE("several MACs per PE divide the K extent", "[systolic]") {
  // fp8 at twice the bf16 rate: p = 2, so K=64 occupies 32 rows: one fold on a 32x32 array.
  const SystolicArray a{32, 32, 2};
  // WS M=100, N=32, K=64: 2*32 + 32 + 100 - 2 = 194.
  CHECK(systolic_cycles(a, Dataflow::weight_stationary, {100, 32, 64}) == 194);
  // OS: K is the stream: T = 64/2 = 32; M=32, N=32: 2*32 + 32 + 32 - 2 = 126.
  CHECK(systolic_cycles(a, Dataflow::output_stationary, {32, 32, 64}) == 126);
}

TEST_CASE("single-row stream (decode, M=1) does not underflow", "[systolic]") {
  const SystolicArray a{16, 16, 1};
  // WS M=1, N=16, K=16: 2*16 + 16 + 1 - 2 = 47.
  CHECK(systolic_cycles(a, Dataflow::weight_stationary, {1, 16, 16}) == 47);
  CHECK(systolic_cycles(a, Dataflow::weight_stationary, {0, 16, 16}) == 0);
}
