// A config schema declared once as a table of fields. Each field names its key, the struct
// member it fills, the accepted values, the unit and a help text; reading (with the errors of
// ConfigReader), writing back to YAML, the key listing (--list-keys) and the documentation
// table are all produced from the same table, so a key cannot be added to one and forgotten
// in another. The structs stay plain structs; the table lives next to their loader.
#pragma once

#include <cmath>
#include <cstdint>
#include <functional>
#include <string>
#include <type_traits>
#include <vector>

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include "base/config/config_tree.h"

namespace tessera::config {

/// Which values a scalar key accepts. The texts are those of the error messages:
/// "expected <expected> (<help>), got ...".
struct Rule {
  enum class Kind { integer, number, size, text };
  enum class Check { none, at_least, above, power_of_two, multiple_of, fraction };
  Kind kind = Kind::number;
  Check check = Check::none;
  double bound = 0;      // at_least, above: the bound; multiple_of: the factor
  std::string expected;  // "an integer >= 1"
  std::string range;     // for listings: ">= 1", "power of two", "(0, 1]"

  double upper = HUGE_VAL;  // and at most this (at_most())

  /// This rule, also bounded above by `max` (the texts say so).
  Rule at_most(double max) const;

  bool accepts(double v) const;
  bool accepts(std::uint64_t v) const;  // integers and sizes: exact, no rounding through double
  /// "<expected> (<help>)", or `expected` alone for text rules (their text is complete).
  std::string expected_text(const std::string& help) const;
  /// "integer", "number", "size", "string".
  std::string type_name() const;
};

Rule at_least(std::uint64_t min);  // integer >= min
Rule power_of_two();               // integer, a power of two >= 1
Rule multiple_of(std::uint64_t k); // integer, a multiple of k >= k
Rule positive();                   // number > 0
Rule at_least_number(double min);  // number >= min
Rule non_negative();               // number >= 0
Rule fraction();                   // number in (0, 1]
Rule positive_size();              // byte size > 0
Rule power_of_two_size();          // byte size, a power of two
Rule text(std::string expected);   // any string; `expected` is the whole error text

/// One key as the key listing and the documentation show it.
struct KeyInfo {
  std::string path;         // "hbm.timing.tRCD", "cores[*].matrix.rows"
  std::string type;         // "integer", "size", "list of maps", ...
  std::string range;        // ">= 1", "one of mesh, ring, crossbar", "" when anything goes
  std::string unit;         // "MHz", "B", "" when none
  std::string help;         // what the value means
  std::string constraints;  // rules on other keys ("a whole multiple of banks"); "" when none
};

/// One key of a section S.
template <class S> struct Field {
  KeyInfo info;  // info.path is the key within the section
  std::function<void(ConfigReader&, S&)> read;
  std::function<YAML::Node(const S&)> write;
  /// A nested section lists its own keys under this key (prefix, out).
  std::function<void(const std::string&, std::vector<KeyInfo>&)> list_nested;

  /// Adds a check run right after the value is read (rules between keys); returns *this.
  Field&& then(std::function<void(ConfigReader&, S&)> check) && {
    read = [read = std::move(read), check = std::move(check)](ConfigReader& r, S& s) {
      read(r, s);
      check(r, s);
    };
    return std::move(*this);
  }
  /// Documents a rule on other keys; returns *this.
  Field&& constraints(std::string text) && {
    info.constraints = std::move(text);
    return std::move(*this);
  }
};

/// The fields of one YAML map, in file order (to_yaml writes them in this order), plus an
/// optional check across them run before unknown keys are rejected.
template <class S> struct Section {
  std::vector<Field<S>> fields;
  std::function<void(ConfigReader&, S&)> check = nullptr;
};

// --- reading and writing ---

/// Reads every field of `section` from `r` into `s`, runs the section check, rejects unknown keys.
template <class S> void read_section(ConfigReader& r, const Section<S>& section, S& s) {
  for (const auto& f : section.fields) f.read(r, s);
  if (section.check) section.check(r, s);
  r.finish();
}

template <class S> YAML::Node write_section(const Section<S>& section, const S& s) {
  YAML::Node node(YAML::NodeType::Map);
  for (const auto& f : section.fields) node[f.info.path] = f.write(s);
  return node;
}

/// Every key of `section`, paths prefixed by `prefix` ("" at the top level).
template <class S> std::vector<KeyInfo> list_keys(const Section<S>& section, const std::string& prefix = "") {
  std::vector<KeyInfo> out;
  for (const auto& f : section.fields) {
    const std::string path = prefix.empty() ? f.info.path : prefix + "." + f.info.path;
    if (f.list_nested) {
      f.list_nested(path, out);
      continue;
    }
    KeyInfo k = f.info;
    k.path = path;
    out.push_back(std::move(k));
  }
  return out;
}

/// A number in its shortest form that reads back to the same value.
template <class T> YAML::Node number_node(T v) { return YAML::Node(fmt::format("{}", v)); }

/// Reads a scalar with `rule`; errors are "expected <rule> (<help>), got ...".
std::uint32_t read_u32(ConfigReader& r, const std::string& key, const Rule& rule, const std::string& help);
std::uint64_t read_u64(ConfigReader& r, const std::string& key, const Rule& rule, const std::string& help);
double read_number(ConfigReader& r, const std::string& key, const Rule& rule, const std::string& help);
std::string read_text(ConfigReader& r, const std::string& key, const Rule& rule, const std::string& help);

namespace detail {
template <class T>
T read_as(ConfigReader& r, const std::string& key, const Rule& rule, const std::string& help) {
  if constexpr (std::is_same_v<T, std::string>) return read_text(r, key, rule, help);
  else if constexpr (std::is_same_v<T, double>) return read_number(r, key, rule, help);
  else if constexpr (std::is_same_v<T, std::uint32_t>) return read_u32(r, key, rule, help);
  else return read_u64(r, key, rule, help);
}
template <class T> YAML::Node write_as(const T& v) {
  if constexpr (std::is_same_v<T, std::string>) return YAML::Node(v);
  else return number_node(v);
}
}  // namespace detail

// --- field makers ---

/// A scalar member: `key` read with `rule` into `s.*member`. `help` appears in errors and listings.
template <class S, class T>
Field<S> value(std::string key, T S::*member, Rule rule, std::string unit, std::string help) {
  Field<S> f;
  f.info = {key, rule.type_name(), rule.range, std::move(unit), help, ""};
  f.read = [key, member, rule, help](ConfigReader& r, S& s) { s.*member = detail::read_as<T>(r, key, rule, help); };
  f.write = [member](const S& s) { return detail::write_as<T>(s.*member); };
  return f;
}

/// A nested map read with its own section.
template <class S, class C> Field<S> section(std::string key, C S::*member, const Section<C>& inner,
                                             std::string help) {
  Field<S> f;
  f.info = {key, "map", "", "", std::move(help), ""};
  f.read = [key, member, &inner](ConfigReader& r, S& s) {
    ConfigReader child = r.child(key);
    read_section(child, inner, s.*member);
  };
  f.write = [member, &inner](const S& s) { return write_section(inner, s.*member); };
  f.list_nested = [&inner](const std::string& path, std::vector<KeyInfo>& out) {
    for (auto& k : list_keys(inner, path)) out.push_back(std::move(k));
  };
  return f;
}

/// A non-empty list of maps, each read with `inner`; listed as key[*].
template <class S, class C> Field<S> section_list(std::string key, std::vector<C> S::*member,
                                                  const Section<C>& inner, std::string what) {
  Field<S> f;
  f.info = {key, "list of maps", "non-empty", "", what, ""};
  f.read = [key, member, &inner, what](ConfigReader& r, S& s) {
    auto items = r.children(key);
    if (items.empty()) r.fail_expected(key, "a non-empty list of " + what);
    for (auto& item : items) read_section(item, inner, (s.*member).emplace_back());
  };
  f.write = [member, &inner](const S& s) {
    YAML::Node list(YAML::NodeType::Sequence);
    for (const auto& item : s.*member) list.push_back(write_section(inner, item));
    return list;
  };
  f.list_nested = [&inner](const std::string& path, std::vector<KeyInfo>& out) {
    for (auto& k : list_keys(inner, path + "[*]")) out.push_back(std::move(k));
  };
  return f;
}

/// A key read and written by hand (lists, maps, enums, values whose rule depends on other keys).
template <class S>
Field<S> custom(KeyInfo info, std::function<void(ConfigReader&, S&)> read, std::function<YAML::Node(const S&)> write) {
  Field<S> f;
  f.info = std::move(info);
  f.read = std::move(read);
  f.write = std::move(write);
  return f;
}

// --- listings ---

/// The key listing of --list-keys: "  path  type range [unit]\n      help; constraints\n" per key.
std::string format_key_listing(const std::vector<KeyInfo>& keys);

/// A markdown table "| key | type | meaning | constraints |" of `keys`.
std::string format_key_table(const std::vector<KeyInfo>& keys);

/// Replaces the text between "<!-- BEGIN GENERATED <name> -->" and "<!-- END GENERATED <name> -->"
/// in `doc` with `table` (each marker on its own line). Throws Error when a marker is missing.
std::string replace_generated_block(const std::string& doc, const std::string& name, const std::string& table);

}  // namespace tessera::config
