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

struct Segment {
  std::string key;
  std::vector<std::string> indices;  // "*" or digits, in order: key[0][1]
};

std::optional<std::vector<Segment>> split_path(const std::string& path) {
  std::vector<Segment> out;
  std::size_t i = 0;
  while (i <= path.size()) {
    Segment seg;
    while (i < path.size() && path[i] != '.' && path[i] != '[') seg.key += path[i++];
    while (i < path.size() && path[i] == '[') {
      const std::size_t close = path.find(']', i);
      if (close == std::string::npos) return std::nullopt;
      seg.indices.push_back(path.substr(i + 1, close - i - 1));
      i = close + 1;
    }
    if (seg.key.empty()) return std::nullopt;
    out.push_back(std::move(seg));
    if (i == path.size()) break;
    if (path[i] != '.') return std::nullopt;
    ++i;
  }
  return out;
}

void descend(const YAML::Node& node, const std::vector<Segment>& segs, std::size_t s, std::size_t idx,
             std::vector<YAML::Node>& out) {
  if (s == segs.size()) {
    out.push_back(node);
    return;
  }
  const Segment& seg = segs[s];
  if (idx == 0) {
    if (!node.IsMap()) return;
    const YAML::Node child = node[seg.key];
    if (!child.IsDefined()) return;
    if (seg.indices.empty()) return descend(child, segs, s + 1, 0, out);
    return descend(child, segs, s, 1, out);
  }
  // Apply index idx-1 of this segment to `node`, which must be a list.
  if (!node.IsSequence()) return;
  const std::string& ix = seg.indices[idx - 1];
  const bool last_index = idx == seg.indices.size();
  auto next = [&](const YAML::Node& n) {
    if (last_index) descend(n, segs, s + 1, 0, out);
    else descend(n, segs, s, idx + 1, out);
  };
  if (ix == "*") {
    for (std::size_t k = 0; k < node.size(); ++k) next(node[k]);
  } else {
    char* end = nullptr;
    const unsigned long k = std::strtoul(ix.c_str(), &end, 10);
    if (ix.empty() || *end != '\0' || k >= node.size()) return;
    next(node[k]);
  }
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
  std::vector<YAML::Node> out;
  const auto segs = split_path(path);
  if (!segs) return out;
  descend(root, *segs, 0, 0, out);
  return out;
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
