#include "base/result/result_document.h"

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

double Summary::number_or(const std::string& key, double fallback) const {
  for (const auto& m : metrics_)
    if (m.key == key)
      if (const double* v = std::get_if<double>(&m.value)) return *v;
  return fallback;
}

const std::string& Summary::text(const std::string& key) const {
  for (const auto& m : metrics_)
    if (m.key == key) return std::get<std::string>(m.value);
  throw std::out_of_range("summary has no metric '" + key + "'");
}

const ResultInput* ResultDocument::input(const std::string& key) const {
  for (const auto& i : inputs)
    if (i.key == key) return &i;
  return nullptr;
}

const ResultTable* ResultDocument::table(const std::string& table_name) const {
  for (const auto& t : tables)
    if (t.name == table_name) return &t;
  return nullptr;
}

}  // namespace tessera
