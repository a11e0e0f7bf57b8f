// One registry for every statistic. Each unit owns a StatGroup (its path, e.g. "core3.matrix",
// its kind and its clock) and keeps references to its Stat counters, which it bumps directly.
// Reporters (table, JSON, HDF5, power model) read the same tree.
#pragma once

#include <deque>
#include <memory>
#include <string>
#include <vector>

namespace tessera {

struct Stat {
  std::string name;
  std::string unit;         // "cycles", "bytes", "count", "MAC", ...
  std::string description;
  double value = 0;
};

/// Standard stat names every unit with a clock provides, so reports can read them uniformly.
namespace stat_names {
inline constexpr const char* kBusyCycles = "busy_cycles";
inline constexpr const char* kBytesRead = "bytes_read";
inline constexpr const char* kBytesWritten = "bytes_written";
}  // namespace stat_names

class StatGroup {
 public:
  StatGroup(std::string path, std::string kind, double clock_mhz)
      : path_(std::move(path)), kind_(std::move(kind)), clock_mhz_(clock_mhz) {}

  /// Registers a counter; the returned reference stays valid for the registry's lifetime.
  Stat& add(std::string name, std::string unit, std::string description);
  const Stat* find(const std::string& name) const;
  double value(const std::string& name) const;  // 0 when absent

  const std::string& path() const { return path_; }
  const std::string& kind() const { return kind_; }
  double clock_mhz() const { return clock_mhz_; }
  const std::deque<Stat>& stats() const { return stats_; }

 private:
  std::string path_;
  std::string kind_;
  double clock_mhz_;
  std::deque<Stat> stats_;  // deque: references stay valid as stats are added
};

class StatsRegistry {
 public:
  /// Creates the group for one unit. Paths must be unique.
  StatGroup& add_group(std::string path, std::string kind, double clock_mhz);
  const std::vector<std::unique_ptr<StatGroup>>& groups() const { return groups_; }
  const StatGroup* find(const std::string& path) const;
  /// Sum of stat `name` over all groups of `kind`.
  double total(const std::string& kind, const std::string& name) const;

 private:
  std::vector<std::unique_ptr<StatGroup>> groups_;
};

}  // namespace tessera
