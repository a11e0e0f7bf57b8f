#include "sweep/key_path.h"

#include <cctype>
#include <cmath>
#include <cstdlib>

#include <fmt/core.h>

#include "base/types.h"
#include "base/config/config_tree.h"

namespace tessera::sweep {

namespace {

std::string trim(const std::string& s) {
  std::size_t a = 0, b = s.size();
  while (a < b && std::isspace(static_cast<unsigned char>(s[a]))) ++a;
  while (b > a && std::isspace(static_cast<unsigned char>(s[b - 1]))) --b;
  return s.substr(a, b - a);
}

std::optional<double> plain_number(const std::string& t) {
  if (t.empty()) return std::nullopt;
  const char c = t[0];
  if (!(std::isdigit(static_cast<unsigned char>(c)) || c == '-' || c == '+' || c == '.')) return std::nullopt;
  if (t.find_first_of("xXpP") != std::string::npos) return std::nullopt;  // no hex floats
  char* end = nullptr;
  const double v = std::strtod(t.c_str(), &end);
  if (end != t.c_str() + t.size() || !std::isfinite(v)) return std::nullopt;
  return v;
}

}  // namespace

std::optional<double> scalar_number(const std::string& text) {
  const std::string t = trim(text);
  if (auto v = plain_number(t)) return v;
  if (auto b = parse_byte_size(t)) return double(*b);
  return std::nullopt;
}

bool is_integer_text(const std::string& text) {
  const std::string t = trim(text);
  if (t.empty()) return false;
  std::size_t i = (t[0] == '-' || t[0] == '+') ? 1 : 0;
  if (i < t.size() && t.find_first_not_of("0123456789", i) == std::string::npos) return true;
  return parse_byte_size(t).has_value();
}

std::vector<YAML::Node> find_nodes(const YAML::Node& root, const std::string& path) {
  return find_key_nodes(root, path);
}

double tree_number(const YAML::Node& root, const std::string& path) {
  const auto nodes = find_nodes(root, path);
  if (nodes.empty()) throw Error(fmt::format("'{}' is not a parameter, metric or chip key", path));
  std::optional<double> value;
  for (const auto& n : nodes) {
    if (!n.IsScalar()) throw Error(fmt::format("chip key '{}' is not a single value", path));
    const auto v = scalar_number(n.Scalar());
    if (!v) throw Error(fmt::format("chip key '{}' is not a number (it is '{}')", path, n.Scalar()));
    if (value && *value != *v)
      throw Error(fmt::format("chip key '{}' differs between list elements ({} and {}); name one, e.g. with [0]",
                              path, *value, *v));
    value = v;
  }
  return *value;
}

}  // namespace tessera::sweep
