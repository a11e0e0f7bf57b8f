// Systolic-array tile timing. Expected values are SCALE-Sim v2's own cycle counts (the shared
// reference scalesim-cycles.csv) or derived by hand (arithmetic in the comments), never taken
// from the simulator's output.
#include <catch2/catch.hpp>

#include "models/compute/systolic_timing.h"
#include "tests/scalesim_reference.h"

using namespace tessera;

namespace {
Dataflow dataflow_of(const std::string& s) {
  if (s == "ws") return Dataflow::weight_stationary;
  if (s == "os") return Dataflow::output_stationary;
  return Dataflow::input_stationary;
}
}  // namespace

TEST_CASE("SCALE-Sim v2's compute cycles, every reference case, to the cycle", "[systolic]") {
  // SCALE-Sim reports the index of the last busy cycle, one less than the cycles the model counts.
  for (const test::ScaleSimCase& c : test::kScaleSimCases) {
    INFO(c.h << "x" << c.w << " " << c.df << " " << c.m << "x" << c.n << "x" << c.k);
    CHECK(systolic_cycles({c.h, c.w, 1}, dataflow_of(c.df), {c.m, c.n, c.k}) == c.scalesim + 1);
  }
}

TEST_CASE("one full fold: 2H + W + T - 2 (ws, is) and H + W + T - 2 (os)", "[systolic]") {
  const SystolicArray a{4, 4, 1};
  // WS: K=4 on rows, N=4 on cols, M=10 streams: 2*4 + 4 + 10 - 2 = 20.
  CHECK(systolic_cycles(a, Dataflow::weight_stationary, {10, 4, 4}) == 20);
  // OS: M=4 on rows, N=4 on cols, K=10 streams, nothing to preload: 4 + 4 + 10 - 2 = 16.
  CHECK(systolic_cycles(a, Dataflow::output_stationary, {4, 4, 10}) == 16);
  // IS: K=4 on rows, M=4 on cols, N=10 streams: 20.
  CHECK(systolic_cycles(a, Dataflow::input_stationary, {4, 10, 4}) == 20);
  CHECK(systolic_fold_overhead(a, Dataflow::weight_stationary) == 10);
  CHECK(systolic_fold_overhead(a, Dataflow::output_stationary) == 6);
}

TEST_CASE("multiples of the array: folds x fold cycles", "[systolic]") {
  const SystolicArray a{16, 16, 1};
  // WS 128x64x32: nr = 32/16 = 2, nc = 64/16 = 4 -> 8 folds of 2*16 + 16 + 128 - 2 = 174 -> 1392.
  CHECK(systolic_cycles(a, Dataflow::weight_stationary, {128, 64, 32}) == 1392);
  CHECK(systolic_folds(a, Dataflow::weight_stationary, {128, 64, 32}) == 8);
  // OS 32x64x128: nr = 2, nc = 4, T = 128: 8 x (16 + 16 + 128 - 2 = 158) = 1264.
  CHECK(systolic_cycles(a, Dataflow::output_stationary, {32, 64, 128}) == 1264);
  // IS 64x128x32: K=32 -> nr = 2, M=64 -> nc = 4, T = N = 128: 1392.
  CHECK(systolic_cycles(a, Dataflow::input_stationary, {64, 128, 32}) == 1392);
}

TEST_CASE("a partial fold costs as much as a full one", "[systolic]") {
  const SystolicArray a{16, 16, 1};
  // WS 100x70x45: rows <- K=45 (3 folds), cols <- N=70 (5 folds), T = M = 100:
  //   15 x (32 + 16 + 100 - 2 = 146) = 2190.
  CHECK(systolic_cycles(a, Dataflow::weight_stationary, {100, 70, 45}) == 2190);
  // OS: rows <- M=100 (7 folds), cols <- N=70 (5 folds), T = K = 45: 35 x (16 + 16 + 45 - 2) = 2625.
  CHECK(systolic_cycles(a, Dataflow::output_stationary, {100, 70, 45}) == 2625);
  // IS: rows <- K=45 (3), cols <- M=100 (7), T = N = 70: 21 x (32 + 16 + 70 - 2 = 116) = 2436.
  CHECK(systolic_cycles(a, Dataflow::input_stationary, {100, 70, 45}) == 2436);
  // One column of weights on one row of the array still skews through all 16 x 16 PEs.
  CHECK(systolic_cycles(a, Dataflow::weight_stationary, {100, 1, 1}) ==
        systolic_cycles(a, Dataflow::weight_stationary, {100, 16, 16}));
}

TEST_CASE("non-square array, 33x257x65", "[systolic]") {
  const SystolicArray a{32, 8, 1};
  const GemmShape s{33, 257, 65};
  // WS: rows <- K=65 (3 folds), cols <- N=257 (33), T = 33: 99 x (64 + 8 + 33 - 2 = 103) = 10197.
  CHECK(systolic_cycles(a, Dataflow::weight_stationary, s) == 10197);
  // OS: rows <- M=33 (2), cols <- N=257 (33), T = K = 65: 66 x (32 + 8 + 65 - 2 = 103) = 6798.
  CHECK(systolic_cycles(a, Dataflow::output_stationary, s) == 6798);
  // IS: rows <- K=65 (3), cols <- M=33 (5), T = N = 257: 15 x (64 + 8 + 257 - 2 = 327) = 4905.
  CHECK(systolic_cycles(a, Dataflow::input_stationary, s) == 4905);
}

TEST_CASE("several MACs per PE divide the K extent", "[systolic]") {
  // fp8 at twice the bf16 rate: p = 2, so K=64 occupies 32 rows: one fold on a 32x32 array.
  const SystolicArray a{32, 32, 2};
  // WS M=100, N=32, K=64: 2*32 + 32 + 100 - 2 = 194.
  CHECK(systolic_cycles(a, Dataflow::weight_stationary, {100, 32, 64}) == 194);
  // OS: K is the stream: T = 64/2 = 32; M=32, N=32: 32 + 32 + 32 - 2 = 94.
  CHECK(systolic_cycles(a, Dataflow::output_stationary, {32, 32, 64}) == 94);
}

TEST_CASE("single-row stream (decode, M=1) and empty tiles", "[systolic]") {
  const SystolicArray a{16, 16, 1};
  // WS M=1, N=16, K=16: 2*16 + 16 + 1 - 2 = 47.
  CHECK(systolic_cycles(a, Dataflow::weight_stationary, {1, 16, 16}) == 47);
  CHECK(systolic_cycles(a, Dataflow::weight_stationary, {0, 16, 16}) == 0);
  // A 1 x 1 array in os: no skew at all, one cycle per streamed element.
  CHECK(systolic_cycles({1, 1, 1}, Dataflow::output_stationary, {1, 1, 7}) == 7);
}
