// The size job's result document: the request (model, scenario, chip, cluster, target, limits,
// price), a summary (required throughput, layout counts, the recommendation) and a
// "candidates" table with one row per layout considered (docs/cluster.md, "Sizing results").
#pragma once

#include "base/result/result_document.h"
#include "cluster/sizing.h"

namespace tessera {

inline constexpr const char* kSizingFormat = "tessera.size";
inline constexpr std::int64_t kSizingFormatVersion = 2;

ResultDocument sizing_document(const SizingOptions& options, const SizingTarget& target,
                               const SizingLimits& limits, const SizingResult& result);

}  // namespace tessera
