#include "base/config/yaml_json.h"

#include <charconv>
#include <cstdint>
#include <fstream>
#include <sstream>
#include <string>

#include <fmt/format.h>

#include "base/text.h"
#include "base/types.h"

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

void require_utf8(std::string_view text, std::string_view source) {
  const std::size_t at = invalid_utf8_at(text);
  if (at == std::string_view::npos) return;
  const auto [line, column] = line_column(text, at);
  throw Error(fmt::format("{}:{}:{}: not UTF-8 text (byte 0x{:02X} does not belong to a UTF-8 character)", source, line, column,
                          static_cast<unsigned>(static_cast<unsigned char>(text[at]))));
}

void require_utf8(const YAML::Node& root, std::string_view source) {
  switch (root.Type()) {
    case YAML::NodeType::Scalar:
      if (const std::size_t at = invalid_utf8_at(root.Scalar()); at != std::string_view::npos)
        throw Error(fmt::format("{}:{}:{}: the value is not UTF-8 text (byte 0x{:02X} at offset {})",
                                source, root.Mark().line + 1, root.Mark().column + 1,
                                static_cast<unsigned>(static_cast<unsigned char>(root.Scalar()[at])), at));
      break;
    case YAML::NodeType::Sequence:
      for (const auto& item : root) require_utf8(item, source);
      break;
    case YAML::NodeType::Map:
      for (const auto& kv : root) {
        require_utf8(kv.first, source);
        require_utf8(kv.second, source);
      }
      break;
    default: break;
  }
}

std::string read_text_file(const std::string& path, std::string_view what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(fmt::format("{}: cannot open the {} file", path, what));
  std::stringstream buffer;
  buffer << in.rdbuf();
  std::string text = buffer.str();
  require_utf8(text, path);
  return text;
}

YAML::Node parse_yaml_text(const std::string& text, const std::string& source) {
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    throw Error(fmt::format("{}:{}:{}: YAML syntax error: {}", source, e.mark.line + 1, e.mark.column + 1, e.msg));
  }
  require_utf8(root, source);
  return root;
}

YAML::Node load_yaml_file(const std::string& path, std::string_view what) {
  return parse_yaml_text(read_text_file(path, what), path);
}

}  // namespace tessera
