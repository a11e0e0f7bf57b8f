// SCALE-Sim's array description (.cfg, as scale-sim-v2 reads it) as a Tessera chip, so that its
// users can bring their files unchanged (`tessera gemm --topology T.csv --scalesim-config A.cfg`).
//
// From [architecture_presets]: ArrayHeight x ArrayWidth PEs, one MAC per PE per cycle, the
// Dataflow (ws, os, is), IfmapSramSzkB + FilterSramSzkB as the core's operand scratchpad and
// OfmapSramSzkB as its accumulators. The chip is a base chip (g1 unless --chip says otherwise)
// cut to one core with that array; clocks, global SRAM and HBM stay the base chip's. SCALE-Sim's
// stall-free cycle counts compare with `--compute-only`. The other SCALE-Sim keys (offsets,
// Bandwidth, MemoryBanks, [run_presets], [general]) are read and ignored; an unknown key in
// [architecture_presets], a missing required key or a bad value is an Error naming the file and line.
#pragma once

#include <cstdint>
#include <string>

#include "base/types.h"
#include "models/config/chip_config.h"

namespace tessera {

struct ScaleSimArray {
  std::string run_name;
  std::uint32_t height = 0, width = 0;
  Dataflow dataflow = Dataflow::weight_stationary;
  std::uint64_t ifmap_kb = 0, filter_kb = 0, ofmap_kb = 0;
  std::string source;  // the file
};

ScaleSimArray load_scalesim_config(const std::string& path);

/// `base` (a chip name or path) with one core holding the array.
ChipConfig scalesim_chip(const ScaleSimArray& array, const std::string& base);

}  // namespace tessera
