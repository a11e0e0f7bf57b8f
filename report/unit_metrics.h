// Per-unit figures every reporter derives the same way from a SimResult: which stat columns
// exist, how long each unit was busy and its utilisation over the simulated time.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "sim/sim_result.h"

namespace tessera {

/// The summary metric holding the simulated time in seconds.
inline constexpr const char* kSecondsMetric = "seconds";

/// The summary's numeric "seconds" metric when present and > 0.
std::optional<double> simulated_seconds(const Summary& summary);

/// busy_cycles / clock, in seconds; 0 for a unit without a clock (clock_mhz <= 0).
double busy_seconds(const StatGroup& group);

/// busy_seconds / simulated seconds (0..1 for a unit busy part of the time); NaN when the
/// simulated time is unknown.
double utilisation(const StatGroup& group, std::optional<double> seconds);

/// One stat name across all groups, with the unit of its first occurrence.
struct StatColumn {
  std::string name;
  std::string unit;
};

/// Union of stat names over every group, in order of first appearance; empty for null.
std::vector<StatColumn> stat_columns(const StatsRegistry* stats);

}  // namespace tessera
