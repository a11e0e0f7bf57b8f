#include "base/config/config_tree.h"
#include "base/config/yaml_json.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>
#include <type_traits>

#include <fmt/format.h>

#include "base/text.h"
#include "base/types.h"

namespace tessera {
namespace {

// A short description of a node for "got ..." in errors.
std::string describe(const YAML::Node& n) {
  if (!n.IsDefined()) return "nothing (the key is missing)";
  switch (n.Type()) {
    case YAML::NodeType::Null: return "an empty value";
    case YAML::NodeType::Scalar: return fmt::format("'{}'", n.Scalar());
    case YAML::NodeType::Sequence: return fmt::format("a list of {} item(s)", n.size());
    case YAML::NodeType::Map: return "a map";
    case YAML::NodeType::Undefined: break;
  }
  return "nothing (the key is missing)";
}

// Line of a node read from a file; 0 when unknown. Nodes built in code (overrides, to_yaml())
// carry the default mark at position 0, which a value in a file never has.
int line_of(const YAML::Node& n) {
  if (!n.IsDefined()) return 0;
  YAML::Mark m = n.Mark();
  if (m.is_null() || m.pos <= 0) return 0;
  return m.line + 1;
}

// Deep copy that drops source marks, so that errors about an overridden value do not point
// into the override text, and so that [*] targets never share one node.
YAML::Node fresh_copy(const YAML::Node& n) {
  switch (n.Type()) {
    case YAML::NodeType::Scalar: return YAML::Node(n.Scalar());
    case YAML::NodeType::Sequence: {
      YAML::Node out(YAML::NodeType::Sequence);
      for (const auto& e : n) out.push_back(fresh_copy(e));
      return out;
    }
    case YAML::NodeType::Map: {
      YAML::Node out(YAML::NodeType::Map);
      for (const auto& kv : n) out[fresh_copy(kv.first)] = fresh_copy(kv.second);
      return out;
    }
    default: return YAML::Node(YAML::NodeType::Null);
  }
}

// --- scalar conversion (never throws; yaml-cpp's BadConversion is not used) ---

template <class T> std::optional<T> convert_scalar(const std::string& s);

template <> std::optional<std::string> convert_scalar<std::string>(const std::string& s) { return s; }

template <> std::optional<bool> convert_scalar<bool>(const std::string& s) {
  if (s == "true" || s == "True" || s == "TRUE") return true;
  if (s == "false" || s == "False" || s == "FALSE") return false;
  return std::nullopt;
}

template <class T> std::optional<T> convert_integer(const std::string& s) {
  std::string_view v = trim(s);
  if (v.empty()) return std::nullopt;
  if (v.front() == '+') v.remove_prefix(1);
  if (std::is_unsigned_v<T> && !v.empty() && v.front() == '-') return std::nullopt;
  T out{};
  auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), out, 10);
  if (ec != std::errc() || end != v.data() + v.size()) return std::nullopt;
  return out;
}
template <> std::optional<std::int32_t> convert_scalar<std::int32_t>(const std::string& s) { return convert_integer<std::int32_t>(s); }
template <> std::optional<std::int64_t> convert_scalar<std::int64_t>(const std::string& s) { return convert_integer<std::int64_t>(s); }
template <> std::optional<std::uint32_t> convert_scalar<std::uint32_t>(const std::string& s) { return convert_integer<std::uint32_t>(s); }
template <> std::optional<std::uint64_t> convert_scalar<std::uint64_t>(const std::string& s) { return convert_integer<std::uint64_t>(s); }

template <> std::optional<double> convert_scalar<double>(const std::string& s) {
  std::string_view v = trim(s);
  if (v.empty()) return std::nullopt;
  if (v.front() == '+') v.remove_prefix(1);
  double out = 0;
  auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), out);
  if (ec != std::errc() || end != v.data() + v.size() || !std::isfinite(out)) return std::nullopt;
  return out;
}

// --- key paths ---

struct Segment {
  enum Kind { key, index, star } kind = key;
  std::string name;     // key
  std::size_t pos = 0;  // index
};

// "a.b[2].c[*]" -> key a, key b, index 2, key c, star. nullopt on bad syntax.
std::optional<std::vector<Segment>> parse_key_path(std::string_view path) {
  std::vector<Segment> out;
  std::size_t i = 0;
  const std::size_t n = path.size();
  if (n == 0) return std::nullopt;
  while (i < n) {
    // a key name
    std::size_t start = i;
    while (i < n && path[i] != '.' && path[i] != '[' && path[i] != ']') ++i;
    if (i == start) return std::nullopt;
    out.push_back({Segment::key, std::string(path.substr(start, i - start)), 0});
    // any number of [N] / [*]
    while (i < n && path[i] == '[') {
      std::size_t close = path.find(']', i);
      if (close == std::string_view::npos) return std::nullopt;
      std::string_view inner = trim(path.substr(i + 1, close - i - 1));
      if (inner == "*") {
        out.push_back({Segment::star, "", 0});
      } else {
        auto idx = convert_integer<std::size_t>(std::string(inner));
        if (!idx || inner.front() == '+') return std::nullopt;
        out.push_back({Segment::index, "", *idx});
      }
      i = close + 1;
    }
    if (i < n) {
      if (path[i] != '.' || i + 1 == n) return std::nullopt;
      ++i;
    }
  }
  return out;
}

void collect_leaves(const YAML::Node& n, const std::string& prefix, std::vector<std::string>& out) {
  if (n.IsMap()) {
    for (const auto& kv : n) {
      std::string k = kv.first.IsScalar() ? kv.first.Scalar() : std::string("?");
      collect_leaves(kv.second, prefix.empty() ? k : prefix + "." + k, out);
    }
    return;
  }
  if (n.IsSequence()) {
    bool any_container = false;
    for (const auto& e : n) any_container = any_container || e.IsMap() || e.IsSequence();
    if (any_container) {
      for (std::size_t i = 0; i < n.size(); ++i) collect_leaves(n[i], fmt::format("{}[{}]", prefix, i), out);
      return;
    }
  }
  if (!prefix.empty()) out.push_back(prefix);
}

struct OverrideContext {
  std::string source;
  std::string assignment;
  std::string path;
  std::string raw_value;  // the text after '='
  const YAML::Node* root;
};

// The node to store over `target`. A scalar target given text that YAML reads as a map
// ("description=what if: slower") gets the text itself: a map there is never what was meant.
YAML::Node replacement(const YAML::Node& target, const YAML::Node& value, const OverrideContext& ctx) {
  if (target.IsScalar() && value.IsMap()) return YAML::Node(ctx.raw_value);
  return fresh_copy(value);
}

[[noreturn]] void unknown_path(const OverrideContext& ctx, const std::string& why) {
  std::string list;
  for (const auto& s : nearest_key_paths(ctx.path, *ctx.root)) list += (list.empty() ? "" : ", ") + s;
  throw Error(fmt::format("{}: --set {}: unknown key path '{}' ({}); nearest valid: {}", ctx.source, ctx.assignment,
                          ctx.path, why, list.empty() ? "(none)" : list));
}

// Collects the nodes segs[i..] names below `node`.
void find_path(const YAML::Node& node, const std::vector<Segment>& segs, std::size_t i, std::vector<YAML::Node>& out) {
  if (i == segs.size()) {
    out.push_back(node);
    return;
  }
  const Segment& s = segs[i];
  switch (s.kind) {
    case Segment::key: {
      if (!node.IsMap()) return;
      const YAML::Node child = node[s.name];
      if (child.IsDefined()) find_path(child, segs, i + 1, out);
      return;
    }
    case Segment::index:
      if (node.IsSequence() && s.pos < node.size()) find_path(node[s.pos], segs, i + 1, out);
      return;
    case Segment::star:
      if (node.IsSequence())
        for (std::size_t k = 0; k < node.size(); ++k) find_path(node[k], segs, i + 1, out);
      return;
  }
}

// Walks segs[i..] from `node` (reached by `at`) and replaces the target(s) with copies of `value`.
void set_path(YAML::Node node, const std::vector<Segment>& segs, std::size_t i, const YAML::Node& value,
              const std::string& at, const OverrideContext& ctx) {
  const Segment& s = segs[i];
  const bool last = i + 1 == segs.size();
  switch (s.kind) {
    case Segment::key: {
      const std::string here = at.empty() ? s.name : at + "." + s.name;
      if (!node.IsMap()) unknown_path(ctx, fmt::format("'{}' is not a map", at));
      const YAML::Node& cnode = node;
      if (!cnode[s.name].IsDefined()) unknown_path(ctx, fmt::format("no key '{}' in {}", s.name, at.empty() ? "the top level" : at));
      if (last) {
        node[s.name] = replacement(cnode[s.name], value, ctx);
      } else {
        set_path(node[s.name], segs, i + 1, value, here, ctx);
      }
      return;
    }
    case Segment::index: {
      if (!node.IsSequence()) unknown_path(ctx, fmt::format("'{}' is not a list", at));
      if (s.pos >= node.size())
        unknown_path(ctx, fmt::format("index {} out of range: {} has {} item(s)", s.pos, at, node.size()));
      const std::string here = fmt::format("{}[{}]", at, s.pos);
      if (last) {
        node[s.pos] = replacement(node[s.pos], value, ctx);
      } else {
        set_path(node[s.pos], segs, i + 1, value, here, ctx);
      }
      return;
    }
    case Segment::star: {
      if (!node.IsSequence()) unknown_path(ctx, fmt::format("'{}' is not a list", at));
      if (node.size() == 0) unknown_path(ctx, fmt::format("{} is an empty list", at));
      for (std::size_t k = 0; k < node.size(); ++k) {
        if (last) {
          node[k] = replacement(node[k], value, ctx);
        } else {
          set_path(node[k], segs, i + 1, value, fmt::format("{}[{}]", at, k), ctx);
        }
      }
      return;
    }
  }
}

}  // namespace

// --- free helpers ---

std::optional<std::uint64_t> parse_byte_size(std::string_view text) {
  std::string_view v = trim(text);
  std::size_t i = 0;
  while (i < v.size() && ((v[i] >= '0' && v[i] <= '9') || v[i] == '.')) ++i;
  std::string_view number = v.substr(0, i);
  std::string_view suffix = trim(v.substr(i));
  if (number.empty()) return std::nullopt;
  std::uint64_t scale = 0;
  if (suffix.empty() || suffix == "B") scale = 1;
  else if (suffix == "KiB") scale = 1ull << 10;
  else if (suffix == "MiB") scale = 1ull << 20;
  else if (suffix == "GiB") scale = 1ull << 30;
  else if (suffix == "TiB") scale = 1ull << 40;
  else return std::nullopt;
  if (number.find('.') == std::string_view::npos) {
    auto n = convert_integer<std::uint64_t>(std::string(number));
    if (!n || (*n != 0 && scale > std::numeric_limits<std::uint64_t>::max() / *n)) return std::nullopt;
    return *n * scale;
  }
  auto d = convert_scalar<double>(std::string(number));
  if (!d) return std::nullopt;
  const double bytes = *d * double(scale);
  if (bytes >= 1.8e19 || bytes != std::floor(bytes)) return std::nullopt;
  return static_cast<std::uint64_t>(bytes);
}

std::size_t edit_distance(std::string_view a, std::string_view b) {
  // Optimal string alignment: insertions, deletions, substitutions and swaps of two adjacent
  // characters (a common typo: tRDC for tRCD) each cost 1.
  const std::size_t n = a.size(), m = b.size();
  std::vector<std::vector<std::size_t>> d(n + 1, std::vector<std::size_t>(m + 1));
  for (std::size_t i = 0; i <= n; ++i) d[i][0] = i;
  for (std::size_t j = 0; j <= m; ++j) d[0][j] = j;
  for (std::size_t i = 1; i <= n; ++i) {
    for (std::size_t j = 1; j <= m; ++j) {
      const std::size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[n][m];
}

std::vector<std::string> nearest_matches(std::string_view word, const std::vector<std::string>& candidates,
                                         std::size_t n) {
  std::vector<std::pair<std::size_t, std::string>> scored;
  for (const auto& c : candidates) scored.emplace_back(edit_distance(word, c), c);
  std::sort(scored.begin(), scored.end());
  scored.erase(std::unique(scored.begin(), scored.end()), scored.end());
  std::vector<std::string> out;
  for (std::size_t i = 0; i < scored.size() && out.size() < n; ++i) out.push_back(scored[i].second);
  return out;
}

std::optional<std::string> did_you_mean(std::string_view word, const std::vector<std::string>& candidates) {
  const auto near = nearest_matches(word, candidates, 1);
  if (near.empty() || word.empty()) return std::nullopt;
  const std::string& c = near.front();
  if (edit_distance(word, c) <= std::max<std::size_t>(2, word.size() / 3)) return c;
  for (const auto& cand : candidates)
    if (cand.find(word) != std::string::npos || (!cand.empty() && word.find(cand) != std::string_view::npos))
      return cand;
  return std::nullopt;
}

std::vector<std::string> leaf_key_paths(const YAML::Node& root) {
  std::vector<std::string> out;
  collect_leaves(root, "", out);
  return out;
}

std::string star_indices(const std::string& path) {
  std::string out;
  for (std::size_t i = 0; i < path.size(); ++i) {
    if (path[i] == '[') {
      std::size_t close = path.find(']', i);
      out += "[*]";
      i = close == std::string::npos ? path.size() : close;
    } else {
      out += path[i];
    }
  }
  return out;
}

std::vector<YAML::Node> find_key_nodes(const YAML::Node& root, std::string_view path) {
  std::vector<YAML::Node> out;
  if (const auto segs = parse_key_path(path)) find_path(root, *segs, 0, out);
  return out;
}

std::vector<std::string> nearest_key_paths(std::string_view path, const YAML::Node& root,
                                           const std::vector<std::string>& extra, std::size_t n) {
  std::vector<std::string> candidates = extra;
  const bool starred = path.find("[*]") != std::string_view::npos;
  for (const auto& leaf : leaf_key_paths(root)) candidates.push_back(starred ? star_indices(leaf) : leaf);
  return nearest_matches(path, candidates, n);
}

void apply_override(YAML::Node& root, std::string_view assignment, const std::string& source) {
  const std::string text(assignment);
  const std::size_t eq = text.find('=');
  if (eq == std::string::npos)
    throw Error(fmt::format("{}: --set {}: expected key.path=value (e.g. cores[*].matrix.rows=256)", source, text));
  const std::string path(trim(std::string_view(text).substr(0, eq)));
  const std::string rhs(trim(std::string_view(text).substr(eq + 1)));
  require_utf8(text, fmt::format("{}: --set", source));
  if (rhs.empty()) throw Error(fmt::format("{}: --set {}: expected a value after '='", source, text));
  auto segs = parse_key_path(path);
  if (!segs)
    throw Error(fmt::format("{}: --set {}: bad key path '{}': expected keys joined by '.', each optionally "
                            "followed by [index] or [*], e.g. cores[0].matrix.rows",
                            source, text, path));
  YAML::Node value;
  try {
    value = YAML::Load(rhs);
  } catch (const YAML::Exception&) {
    value = YAML::Node(rhs);  // not valid YAML on its own: take the text as a plain string
  }
  if (value.IsNull()) value = YAML::Node(rhs);  // "~" / "null": keep the literal text
  require_utf8(value, fmt::format("{}: --set {}", source, path));
  OverrideContext ctx{source, text, path, rhs, &root};
  if (!root.IsMap()) unknown_path(ctx, "the config is not a map");
  set_path(root, *segs, 0, value, "", ctx);
}

// --- ConfigReader ---

ConfigReader::ConfigReader(YAML::Node node, std::string source, std::string path)
    : node_(std::move(node)), source_(std::move(source)), path_(std::move(path)) {
  if (!node_.IsMap()) return;
  std::set<std::string> seen;
  for (const auto& kv : node_) {
    if (!kv.first.IsScalar()) fail("", "expected plain keys, got a complex key");
    if (!seen.insert(kv.first.Scalar()).second) {
      const int line = line_of(kv.first);
      throw Error(fmt::format("{}{}: {}: duplicate key; each key may appear once", source_,
                              line ? fmt::format(":{}", line) : "", key_path(kv.first.Scalar())));
    }
  }
}

std::string ConfigReader::key_path(const std::string& key) const {
  if (key.empty()) return path_.empty() ? "(top level)" : path_;
  return path_.empty() ? key : path_ + "." + key;
}

bool ConfigReader::has(const std::string& key) const {
  if (!node_.IsMap()) return false;
  const YAML::Node& n = node_;
  return n[key].IsDefined();
}

void ConfigReader::fail(const std::string& key, const std::string& message) const {
  // The value's line when it came from the file; the enclosing map's line when the key is missing.
  // A value set by an override has no line, and then none is shown.
  int line = 0;
  if (!key.empty() && has(key)) {
    const YAML::Node& n = node_;
    line = line_of(n[key]);
  } else {
    line = line_of(node_);
  }
  throw Error(fmt::format("{}{}: {}: {}", source_, line ? fmt::format(":{}", line) : "", key_path(key), message));
}

void ConfigReader::fail_expected(const std::string& key, const std::string& expected) const {
  std::string got = "nothing (the key is missing)";
  if (has(key)) {
    const YAML::Node& n = node_;
    got = describe(n[key]);
  } else if (node_.IsMap()) {
    // A misspelt key shows up here first, as the correct key missing: point at the likely culprit.
    std::vector<std::string> present;
    for (const auto& kv : node_)
      if (kv.first.IsScalar()) present.push_back(kv.first.Scalar());
    if (auto near = did_you_mean(key, present))
      got = fmt::format("nothing (the key is missing; is '{}' a misspelling of it?)", *near);
  }
  fail(key, fmt::format("expected {}, got {}", expected, got));
}

template <class T> T ConfigReader::required(const std::string& key, const std::string& expected) {
  read_.insert(key);
  if (!has(key)) fail_expected(key, expected);
  const YAML::Node& n = node_;
  const YAML::Node v = n[key];
  if (!v.IsScalar()) fail_expected(key, expected);
  std::optional<T> out = convert_scalar<T>(v.Scalar());
  if (!out) fail_expected(key, expected);
  return *out;
}

template <class T> std::optional<T> ConfigReader::optional(const std::string& key, const std::string& expected) {
  read_.insert(key);
  if (!has(key)) return std::nullopt;
  return required<T>(key, expected);
}

#define TESSERA_CONFIG_READER_TYPE(T)                                                   \
  template T ConfigReader::required<T>(const std::string&, const std::string&);       \
  template std::optional<T> ConfigReader::optional<T>(const std::string&, const std::string&);
TESSERA_CONFIG_READER_TYPE(std::string)
TESSERA_CONFIG_READER_TYPE(bool)
TESSERA_CONFIG_READER_TYPE(std::int32_t)
TESSERA_CONFIG_READER_TYPE(std::int64_t)
TESSERA_CONFIG_READER_TYPE(std::uint32_t)
TESSERA_CONFIG_READER_TYPE(std::uint64_t)
TESSERA_CONFIG_READER_TYPE(double)
#undef TESSERA_CONFIG_READER_TYPE

std::uint64_t ConfigReader::bytes(const std::string& key, const std::string& expected) {
  const std::string what = expected +
                           ", written as a whole number of bytes or with a suffix B, KiB, MiB, GiB or TiB "
                           "(decimal kB, MB, GB are not accepted)";
  read_.insert(key);
  if (!has(key)) fail_expected(key, what);
  const YAML::Node& n = node_;
  const YAML::Node v = n[key];
  if (!v.IsScalar()) fail_expected(key, what);
  std::optional<std::uint64_t> out = parse_byte_size(v.Scalar());
  if (!out) fail_expected(key, what);
  return *out;
}

ConfigReader ConfigReader::child(const std::string& key) const {
  read_.insert(key);
  const YAML::Node& n = node_;
  if (!has(key) || !n[key].IsMap()) fail_expected(key, "a map of nested settings");
  return ConfigReader(n[key], source_, key_path(key));
}

std::vector<ConfigReader> ConfigReader::children(const std::string& key) const {
  read_.insert(key);
  const YAML::Node& n = node_;
  if (!has(key) || !n[key].IsSequence()) fail_expected(key, "a list of maps");
  const YAML::Node list = n[key];
  std::vector<ConfigReader> out;
  for (std::size_t i = 0; i < list.size(); ++i) {
    const std::string item = fmt::format("{}[{}]", key_path(key), i);
    if (!list[i].IsMap()) {
      const int line = line_of(list[i]);
      throw Error(fmt::format("{}{}: {}: expected a map, got {}", source_, line ? fmt::format(":{}", line) : "",
                              item, describe(list[i])));
    }
    out.emplace_back(list[i], source_, item);
  }
  return out;
}

std::vector<std::string> ConfigReader::string_list(const std::string& key, const std::string& expected) const {
  read_.insert(key);
  const YAML::Node& n = node_;
  if (!has(key) || !n[key].IsSequence()) fail_expected(key, expected);
  const YAML::Node list = n[key];
  std::vector<std::string> out;
  for (std::size_t i = 0; i < list.size(); ++i) {
    if (!list[i].IsScalar()) {
      const int line = line_of(list[i]);
      throw Error(fmt::format("{}{}: {}[{}]: expected {}, got {}", source_, line ? fmt::format(":{}", line) : "",
                              key_path(key), i, expected, describe(list[i])));
    }
    out.push_back(list[i].Scalar());
  }
  return out;
}

void ConfigReader::finish() const {
  if (!node_.IsMap()) return;
  std::vector<std::string> valid(read_.begin(), read_.end());
  for (const auto& kv : node_) {
    const std::string k = kv.first.Scalar();
    if (read_.count(k)) continue;
    std::string valid_list;
    for (const auto& v : valid) valid_list += (valid_list.empty() ? "" : ", ") + v;
    const auto near = did_you_mean(k, valid);
    const int line = line_of(kv.first);
    throw Error(fmt::format("{}{}: {}: unknown key '{}'{}; expected one of: {}", source_,
                            line ? fmt::format(":{}", line) : "", key_path(k), k,
                            near ? fmt::format(" (did you mean '{}'?)", *near) : "",
                            valid_list.empty() ? "(no keys)" : valid_list));
  }
}

}  // namespace tessera
