// What one simulation produces: summary metrics, one row per operator, per-unit statistics,
// and (optionally) the timeline. Plain data: the reporters in report/ turn it into the
// terminal table, JSON, HDF5 and Perfetto files.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <yaml-cpp/yaml.h>

#include "base/result/result_document.h"
#include "base/stats/stats_registry.h"
#include "models/chip/timeline.h"

namespace tessera {

struct OpResult {
  std::string id;
  std::string name;
  std::string kind;
  std::string phase;
  int layer = -1;
  double start_s = 0, end_s = 0;
  std::uint64_t start_cycle = 0, end_cycle = 0;  // core clock cycles
  std::uint64_t start_fs = 0, end_fs = 0;        // the same instants in simulated femtoseconds
  double flops = 0;
  double hbm_bytes = 0;        // read + written at HBM
  double sram_bytes = 0;       // global SRAM traffic
  double engine_cycles = 0;    // matrix or vector unit cycles summed over the operator's tiles
  double compute_s = 0;        // busy time of the compute engines summed over cores / cores used
  double ideal_s = 0;          // roofline bound max(flops/peak, bytes/bandwidth)
  std::string bound_by;        // "compute", "hbm", "sram", "noc", "latency", "none"
  std::uint32_t tiles = 0;
  double energy_j = 0;         // the operator's share of the run's energy (docs/power.md)
};

struct SimResult {
  std::string tool_version;
  std::string chip_name;
  YAML::Node chip_config;        // the fully resolved chip config
  std::string cluster_name;      // multi-chip runs only
  YAML::Node cluster_config;     // multi-chip runs: the fully resolved cluster config (else null)
  nlohmann::json workload;       // name, source and the operator list that ran
  Summary summary;
  std::vector<OpResult> ops;
  std::unique_ptr<StatsRegistry> stats;  // per-unit groups
  std::vector<TimelineEvent> timeline;   // filled when the run asked for a trace
};

}  // namespace tessera
