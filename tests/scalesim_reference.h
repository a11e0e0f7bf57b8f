// SCALE-Sim v2's own compute cycles for ten GEMMs (the shared reference scalesim-cycles.csv:
// GEMM mode, stall-free, ifmap M x K, filter K x N). Used by the systolic-timing test and the
// topology-job test, so both check the same published numbers.
#pragma once

#include <cstdint>

namespace tessera::test {

struct ScaleSimCase {
  std::uint32_t h, w;  // array rows x columns
  const char* df;      // ws, os or is
  std::uint64_t m, n, k;
  std::uint64_t scalesim;  // SCALE-Sim's total_cycles (the index of the last busy cycle)
};

inline constexpr ScaleSimCase kScaleSimCases[] = {
    {16, 16, "ws", 128, 128, 128, 11135}, {16, 16, "ws", 100, 70, 45, 2189}, {16, 16, "os", 128, 128, 128, 10111},
    {16, 16, "os", 33, 257, 65, 4844},    {16, 16, "is", 256, 64, 512, 56319}, {32, 32, "ws", 100, 70, 45, 1163},
    {32, 32, "os", 256, 64, 512, 9183},   {32, 32, "is", 33, 257, 65, 2105},  {8, 32, "os", 128, 128, 128, 10623},
    {8, 32, "is", 33, 257, 65, 5453}};

}  // namespace tessera::test
