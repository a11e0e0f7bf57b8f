#include "report/unit_metrics.h"

#include <cmath>
#include <limits>
#include <unordered_set>
#include <variant>

namespace tessera {

std::optional<double> simulated_seconds(const Summary& summary) {
  for (const auto& m : summary.metrics()) {
    if (m.key != kSecondsMetric) continue;
    if (const double* v = std::get_if<double>(&m.value); v && std::isfinite(*v) && *v > 0) return *v;
    return std::nullopt;
  }
  return std::nullopt;
}

double busy_seconds(const StatGroup& group) {
  if (!(group.clock_mhz() > 0)) return 0.0;
  return group.value(stat_names::kBusyCycles) / (group.clock_mhz() * 1e6);
}

double utilisation(const StatGroup& group, std::optional<double> seconds) {
  if (!seconds) return std::numeric_limits<double>::quiet_NaN();
  return busy_seconds(group) / *seconds;
}

std::vector<StatColumn> stat_columns(const StatsRegistry* stats) {
  std::vector<StatColumn> out;
  if (!stats) return out;
  std::unordered_set<std::string> seen;
  for (const auto& g : stats->groups())
    for (const auto& s : g->stats())
      if (seen.insert(s.name).second) out.push_back({s.name, s.unit});
  return out;
}

}  // namespace tessera
