#include "sim/sim_result.h"

#include <stdexcept>

namespace tessera {

Metric& Summary::slot(const std::string& key) {
  for (auto& m : metrics_)
    if (m.key == key) return m;
  return metrics_.emplace_back(Metric{key, 0.0, "", ""});
}

void Summary::set(std::string key, double value, std::string unit, std::string description) {
  Metric& m = slot(key);
  m.value = value;
  m.unit = std::move(unit);
  m.description = std::move(description);
}

void Summary::set_text(std::string key, std::string value, std::string description) {
  Metric& m = slot(key);
  m.value = std::move(value);
  m.unit.clear();
  m.description = std::move(description);
}

bool Summary::has(const std::string& key) const {
  for (const auto& m : metrics_)
    if (m.key == key) return true;
  return false;
}

double Summary::number(const std::string& key) const {
  for (const auto& m : metrics_)
    if (m.key == key) return std::get<double>(m.value);
  throw std::out_of_range("summary has no metric '" + key + "'");
}

const std::string& Summary::text(const std::string& key) const {
  for (const auto& m : metrics_)
    if (m.key == key) return std::get<std::string>(m.value);
  throw std::out_of_range("summary has no metric '" + key + "'");
}

}  // namespace tessera
