// The JSON form of a SimResult: what `--format json` prints on stdout and what a .json result
// file holds. Layout (docs/results.md):
//   format_version  integer
//   tool_version    string
//   chip            {"name": string, "config": the resolved chip config, YAML converted to JSON}
//   workload        the workload JSON as the run recorded it
//   summary         {metric key: number or string}, flat
//   summary_units   {metric key: unit string} for numeric metrics with a unit
//   ops             [{id, name, kind, phase, layer, start_s, end_s, start_cycle, end_cycle,
//                     flops, hbm_bytes, sram_bytes, compute_s, ideal_s, bound_by, tiles}]
//   units           [{path, kind, clock_mhz, stats: {name: value}, busy_seconds,
//                     utilisation (null when the simulated time is unknown)}]
// nlohmann::json keeps object keys sorted, so the same result always gives the same text.
#pragma once

#include <string>

#include <nlohmann/json.hpp>
#include <yaml-cpp/yaml.h>

#include "sim/sim_result.h"

namespace tessera {

nlohmann::json to_json(const SimResult& r);

/// to_json(r).dump(2) plus a final newline.
std::string to_json_text(const SimResult& r);

/// Writes to_json_text(r) to `path` atomically.
void write_json(const SimResult& r, const std::string& path);


/// The header every JSON result document shares: tool_version, chip {name, config}, workload.
nlohmann::json result_header_json(const SimResult& r);

}  // namespace tessera
