#include "base/config/yaml_json.h"

#include <charconv>
#include <cstdint>
#include <string>

namespace tessera {

namespace {

using nlohmann::json;

json plain_scalar(const std::string& s) {
  if (s.empty() || s == "~" || s == "null" || s == "Null" || s == "NULL") return nullptr;
  if (s == "true" || s == "True" || s == "TRUE") return true;
  if (s == "false" || s == "False" || s == "FALSE") return false;
  const char* first = s.data();
  const char* last = s.data() + s.size();
  if (s[0] != '-') {
    std::uint64_t u = 0;
    const char* p = first + (s[0] == '+' ? 1 : 0);
    auto r = std::from_chars(p, last, u);
    if (r.ec == std::errc() && r.ptr == last) return u;
  } else {
    std::int64_t i = 0;
    auto r = std::from_chars(first, last, i);
    if (r.ec == std::errc() && r.ptr == last) return i;
  }
  const char c = s[0] == '+' || s[0] == '-' ? (s.size() > 1 ? s[1] : 'x') : s[0];
  if ((c >= '0' && c <= '9') || c == '.') {
    double d = 0;
    const char* p = first + (s[0] == '+' ? 1 : 0);
    auto r = std::from_chars(p, last, d);
    if (r.ec == std::errc() && r.ptr == last) return d;
  }
  return s;
}

}  // namespace

json yaml_to_json(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Undefined:
    case YAML::NodeType::Null: return nullptr;
    case YAML::NodeType::Scalar:
      // yaml-cpp tags quoted scalars "!" and plain ones "?".
      return node.Tag() == "!" ? json(node.Scalar()) : plain_scalar(node.Scalar());
    case YAML::NodeType::Sequence: {
      json a = json::array();
      for (const auto& item : node) a.push_back(yaml_to_json(item));
      return a;
    }
    case YAML::NodeType::Map: {
      json o = json::object();
      for (const auto& kv : node) o[kv.first.IsScalar() ? kv.first.Scalar() : YAML::Dump(kv.first)] = yaml_to_json(kv.second);
      return o;
    }
  }
  return nullptr;
}

}  // namespace tessera
