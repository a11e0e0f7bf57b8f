// SCALE-Sim-style topology files: one GEMM per line, read so that a layer list runs in one
// process (`tessera gemm --topology FILE.csv`, docs/workloads.md "GEMM topologies").
//
// Two forms, told apart by the header (names compared without case or surrounding spaces):
//  - GEMM:  Layer, M, N, K
//  - conv:  Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, Channels,
//           Num Filter, Strides  -- lowered as SCALE-Sim lowers it (im2col, no padding):
//           M = output pixels, N = filters, K = filter height x width x channels, where an
//           output side is (ifmap - filter) / stride + 1.
// A trailing comma and blank lines are allowed; anything else malformed is an Error naming
// the file, the line and what was expected.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace tessera {

struct TopologyLayer {
  std::string name;
  std::uint64_t m = 0, n = 0, k = 0;
  int line = 0;  // in the file, for messages
};

std::vector<TopologyLayer> load_gemm_topology(const std::string& path);

}  // namespace tessera
