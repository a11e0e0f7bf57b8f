#include "base/config/field_table.h"

#include <cmath>

#include "base/types.h"

namespace tessera::config {
namespace {

bool is_pow2(std::uint64_t v) { return v != 0 && (v & (v - 1)) == 0; }

Rule make(Rule::Kind kind, Rule::Check check, double bound, std::string expected, std::string range) {
  Rule r;
  r.kind = kind;
  r.check = check;
  r.bound = bound;
  r.expected = std::move(expected);
  r.range = std::move(range);
  return r;
}

}  // namespace

Rule Rule::at_most(double max) const {
  Rule r = *this;
  r.upper = max;
  r.expected = fmt::format("{} and <= {:g}", expected, max);
  r.range = fmt::format("{}, <= {:g}", range, max);
  return r;
}

bool Rule::accepts(double v) const {
  if (!std::isfinite(v) || v > upper) return false;
  switch (check) {
    case Check::none: return true;
    case Check::at_least: return v >= bound;
    case Check::above: return v > bound;
    case Check::power_of_two: return v >= 1 && v == std::floor(v) && is_pow2(std::uint64_t(v));
    case Check::multiple_of: return v >= bound && std::fmod(v, bound) == 0;
    case Check::fraction: return v > 0 && v <= 1;
  }
  return false;
}

bool Rule::accepts(std::uint64_t v) const {
  if (double(v) > upper) return false;
  switch (check) {
    case Check::none: return true;
    case Check::at_least: return double(v) >= bound;
    case Check::above: return double(v) > bound;
    case Check::power_of_two: return is_pow2(v);
    case Check::multiple_of: {
      const auto k = std::uint64_t(bound);
      return v >= k && v % k == 0;
    }
    case Check::fraction: return false;
  }
  return false;
}

std::string Rule::expected_text(const std::string& help) const {
  if (kind == Kind::text || help.empty()) return expected;
  return fmt::format("{} ({})", expected, help);
}

std::string Rule::type_name() const {
  switch (kind) {
    case Kind::integer: return "integer";
    case Kind::number: return "number";
    case Kind::size: return "size";
    case Kind::text: return "string";
  }
  return "?";
}

Rule at_least(std::uint64_t min) {
  return make(Rule::Kind::integer, Rule::Check::at_least, double(min), fmt::format("an integer >= {}", min),
              fmt::format(">= {}", min));
}
Rule power_of_two() {
  return make(Rule::Kind::integer, Rule::Check::power_of_two, 0, "a power of two >= 1", "power of two");
}
Rule multiple_of(std::uint64_t k) {
  return make(Rule::Kind::integer, Rule::Check::multiple_of, double(k), fmt::format("a multiple of {} >= {}", k, k),
              fmt::format("multiple of {}", k));
}
Rule positive() { return make(Rule::Kind::number, Rule::Check::above, 0, "a number > 0", "> 0"); }
Rule at_least_number(double min) {
  return make(Rule::Kind::number, Rule::Check::at_least, min, fmt::format("a number >= {:g}", min),
              fmt::format(">= {:g}", min));
}
Rule non_negative() { return make(Rule::Kind::number, Rule::Check::at_least, 0, "a number >= 0", ">= 0"); }
Rule fraction() { return make(Rule::Kind::number, Rule::Check::fraction, 0, "a number in (0, 1]", "(0, 1]"); }
Rule positive_size() { return make(Rule::Kind::size, Rule::Check::above, 0, "a size > 0", "> 0"); }
Rule power_of_two_size() {
  return make(Rule::Kind::size, Rule::Check::power_of_two, 0, "a power of two", "power of two");
}
Rule text(std::string expected) { return make(Rule::Kind::text, Rule::Check::none, 0, std::move(expected), ""); }

std::uint64_t read_u64(ConfigReader& r, const std::string& key, const Rule& rule, const std::string& help) {
  const std::string expected = rule.expected_text(help);
  const std::uint64_t v =
      rule.kind == Rule::Kind::size ? r.bytes(key, expected) : r.required<std::uint64_t>(key, expected);
  if (!rule.accepts(std::uint64_t(v))) r.fail_expected(key, expected);
  return v;
}

std::uint32_t read_u32(ConfigReader& r, const std::string& key, const Rule& rule, const std::string& help) {
  const std::string expected = rule.expected_text(help);
  const auto v = r.required<std::uint32_t>(key, expected);
  if (!rule.accepts(std::uint64_t(v))) r.fail_expected(key, expected);
  return v;
}

double read_number(ConfigReader& r, const std::string& key, const Rule& rule, const std::string& help) {
  const std::string expected = rule.expected_text(help);
  const double v = r.required<double>(key, expected);
  if (!rule.accepts(v)) r.fail_expected(key, expected);
  return v;
}

std::string read_text(ConfigReader& r, const std::string& key, const Rule& rule, const std::string& help) {
  return r.required<std::string>(key, rule.expected_text(help));
}

std::string format_key_listing(const std::vector<KeyInfo>& keys) {
  std::string out;
  for (const auto& k : keys) {
    std::string kind = k.type;
    if (!k.range.empty()) kind += " " + k.range;
    if (!k.unit.empty()) kind += fmt::format(" [{}]", k.unit);
    const std::string help = k.constraints.empty() ? k.help : k.help + "; " + k.constraints;
    out += fmt::format("  {:<44} {}\n      {}\n", k.path, kind, help);
  }
  return out;
}

std::string format_key_table(const std::vector<KeyInfo>& keys) {
  std::string out = "| key | type | meaning | constraints |\n|---|---|---|---|\n";
  for (const auto& k : keys) {
    const std::string type = k.unit.empty() ? k.type : fmt::format("{}, {}", k.type, k.unit);
    std::string rules = k.range;
    if (!k.constraints.empty()) rules += (rules.empty() ? "" : "; ") + k.constraints;
    out += fmt::format("| `{}` | {} | {} | {} |\n", k.path, type, k.help, rules);
  }
  return out;
}

std::string replace_generated_block(const std::string& doc, const std::string& name, const std::string& table) {
  const std::string begin = fmt::format("<!-- BEGIN GENERATED {} -->\n", name);
  const std::string end = fmt::format("<!-- END GENERATED {} -->", name);
  const auto b = doc.find(begin);
  const auto e = b == std::string::npos ? std::string::npos : doc.find(end, b);
  if (e == std::string::npos)
    throw Error(fmt::format("the markers '{}' and '{}' are missing or out of order", begin.substr(0, begin.size() - 1),
                            end));
  return doc.substr(0, b + begin.size()) + table + doc.substr(e);
}

}  // namespace tessera::config
