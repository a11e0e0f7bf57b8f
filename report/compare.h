// The compare job: one workload on several chips, side by side -- time, throughput,
// utilisation, what bounds it, power, perf/W and ratios against the first chip. The document
// holds a "comparison" table (one row per chip) and one child run document per chip
// (docs/results.md, "Compare files").
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "base/result/result_document.h"
#include "models/config/chip_config.h"
#include "sim/simulation.h"
#include "workloads/operator.h"

namespace tessera {

inline constexpr const char* kCompareFormat = "tessera.compare";
inline constexpr std::int64_t kCompareFormatVersion = 2;

/// Simulates `workload` on each chip in turn (ratios are against the first) and builds the
/// document. `progress`, when set, is told the chip before each simulation.
ResultDocument compare_chips(const std::vector<ChipConfig>& chips, const Workload& workload,
                             const SimOptions& options,
                             const std::function<void(const std::string& chip)>& progress = {});

}  // namespace tessera
