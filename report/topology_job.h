// The GEMM-topology job (`tessera gemm --topology FILE.csv`): every layer of a SCALE-Sim-style
// layer list (workloads/gemm_topology.h) simulated on one chip in one process, one row per layer
// in a "layers" table -- cycles, time, TFLOP/s, matrix utilisation, what bounded it, bytes and
// energy -- and the totals in the summary (docs/results.md, "GEMM topology files").
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "base/result/result_document.h"
#include "models/config/chip_config.h"
#include "sim/simulation.h"
#include "workloads/gemm_topology.h"

namespace tessera {

inline constexpr const char* kTopologyFormat = "tessera.gemm_topology";
inline constexpr std::int64_t kTopologyFormatVersion = 1;

struct TopologyRun {
  std::string topology;        // the file, as given
  DataType dtype = DataType::bf16;
  std::string array_source;    // the SCALE-Sim .cfg the chip came from; empty: a Tessera chip
};

/// Simulates each layer of `layers` as one GEMM (batch 1, A and B in HBM, C written back) on
/// `chip`. `progress` is told each layer's name before it runs.
ResultDocument run_gemm_topology(const ChipConfig& chip, const std::vector<TopologyLayer>& layers,
                                 const TopologyRun& run, const SimOptions& options,
                                 const std::function<void(const std::string& layer)>& progress = {});

}  // namespace tessera
