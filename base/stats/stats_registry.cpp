#include "base/stats/stats_registry.h"

#include "base/types.h"

namespace tessera {

Stat& StatGroup::add(std::string name, std::string unit, std::string description) {
  if (find(name)) throw std::logic_error("stat registered twice: " + path_ + "." + name);
  return stats_.emplace_back(Stat{std::move(name), std::move(unit), std::move(description), 0.0});
}

const Stat* StatGroup::find(const std::string& name) const {
  for (const auto& s : stats_)
    if (s.name == name) return &s;
  return nullptr;
}

double StatGroup::value(const std::string& name) const {
  const Stat* s = find(name);
  return s ? s->value : 0.0;
}

StatGroup& StatsRegistry::add_group(std::string path, std::string kind, double clock_mhz) {
  if (find(path)) throw std::logic_error("stat group registered twice: " + path);
  groups_.push_back(std::make_unique<StatGroup>(std::move(path), std::move(kind), clock_mhz));
  return *groups_.back();
}

const StatGroup* StatsRegistry::find(const std::string& path) const {
  for (const auto& g : groups_)
    if (g->path() == path) return g.get();
  return nullptr;
}

double StatsRegistry::total(const std::string& kind, const std::string& name) const {
  double sum = 0;
  for (const auto& g : groups_)
    if (g->kind() == kind) sum += g->value(name);
  return sum;
}

}  // namespace tessera
