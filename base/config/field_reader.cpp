#include "base/config/field_reader.h"

#include <charconv>
#include <cmath>

#include <fmt/core.h>

#include "base/types.h"
#include "base/config/yaml_json.h"

namespace tessera::input {

using nlohmann::json;

json read_tree_file(const std::string& path) {
  const std::string text = read_text_file(path, "input");
  const auto start = text.find_first_not_of(" \t\r\n");
  if (start != std::string::npos && (text[start] == '{' || text[start] == '[')) {
    try {
      return json::parse(text);
    } catch (const json::exception& e) {  // a syntax error, or a number too large for 64 bits
      throw Error(fmt::format("{}: invalid JSON: {}", path, e.what()));
    }
  }
  return yaml_to_json(parse_yaml_text(text, path));
}

std::string brief(const json& v) {
  // Replacing bytes that are not UTF-8 keeps an error message from throwing in its turn.
  std::string s = v.dump(-1, ' ', false, json::error_handler_t::replace);
  if (s.size() > 60) s = s.substr(0, 57) + "...";
  return s;
}

FieldReader::FieldReader(const json& obj, std::string source, std::string path)
    : obj_(obj), source_(std::move(source)), path_(std::move(path)) {
  if (!obj_.is_object())
    throw Error(fmt::format("{}: {}: expected a map of keys, got {}", source_,
                            path_.empty() ? "top level" : path_, brief(obj_)));
}

std::string FieldReader::key_path(std::string_view key) const {
  return path_.empty() ? std::string(key) : fmt::format("{}.{}", path_, key);
}

void FieldReader::fail(std::string_view key, std::string_view message) const {
  throw Error(fmt::format("{}: {}: {}", source_, key_path(key), message));
}

void FieldReader::fail_expected(std::string_view key, std::string_view expected) const {
  auto it = obj_.find(std::string(key));
  if (it == obj_.end() || it->is_null()) fail(key, fmt::format("missing; expected {}", expected));
  fail(key, fmt::format("expected {}, got {}", expected, brief(*it)));
}

bool FieldReader::has(std::string_view key) const {
  auto it = obj_.find(std::string(key));
  return it != obj_.end() && !it->is_null();
}

const json* FieldReader::find(std::string_view key) {
  read_.emplace(key);
  auto it = obj_.find(std::string(key));
  if (it == obj_.end() || it->is_null()) return nullptr;
  return &*it;
}

void FieldReader::ignore(std::initializer_list<std::string_view> keys) {
  for (auto k : keys) read_.emplace(k);
}

const json* FieldReader::opt_value(std::string_view key) { return find(key); }

const json& FieldReader::value(std::string_view key) {
  const json* v = find(key);
  if (!v) fail(key, "missing");
  return *v;
}

std::optional<std::string> FieldReader::opt_string(std::string_view key) {
  const json* v = find(key);
  if (!v) return std::nullopt;
  if (!v->is_string()) fail_expected(key, "a string");
  return v->get<std::string>();
}
std::string FieldReader::string(std::string_view key) {
  auto v = opt_string(key);
  if (!v) fail_expected(key, "a string");
  return *v;
}

std::optional<std::uint64_t> FieldReader::opt_uint(std::string_view key, std::uint64_t min) {
  const json* v = find(key);
  if (!v) return std::nullopt;
  const std::string expected =
      min == 0 ? "a whole number >= 0" : fmt::format("a whole number >= {}", min);
  std::uint64_t u = 0;
  if (v->is_number_unsigned()) {
    u = v->get<std::uint64_t>();
  } else if (v->is_number_integer()) {
    if (v->get<std::int64_t>() < 0) fail_expected(key, expected);
    u = static_cast<std::uint64_t>(v->get<std::int64_t>());
  } else if (v->is_number_float()) {
    const double d = v->get<double>();
    if (!(d >= 0) || d != std::floor(d) || d >= 18446744073709551616.0) fail_expected(key, expected);
    u = static_cast<std::uint64_t>(d);
  } else {
    fail_expected(key, expected);
  }
  if (u < min) fail_expected(key, expected);
  return u;
}
std::uint64_t FieldReader::uint(std::string_view key, std::uint64_t min) {
  auto v = opt_uint(key, min);
  if (!v) fail_expected(key, min == 0 ? "a whole number >= 0" : fmt::format("a whole number >= {}", min));
  return *v;
}

std::optional<std::int64_t> FieldReader::opt_integer(std::string_view key) {
  const json* v = find(key);
  if (!v) return std::nullopt;
  if (v->is_number_integer() && !(v->is_number_unsigned() && v->get<std::uint64_t>() > INT64_MAX))
    return v->get<std::int64_t>();
  if (v->is_number_float()) {
    const double d = v->get<double>();
    if (d == std::floor(d) && std::abs(d) < 9.2e18) return static_cast<std::int64_t>(d);
  }
  fail_expected(key, "a whole number");
}
std::int64_t FieldReader::integer(std::string_view key) {
  auto v = opt_integer(key);
  if (!v) fail_expected(key, "a whole number");
  return *v;
}

std::optional<double> FieldReader::opt_number(std::string_view key) {
  const json* v = find(key);
  if (!v) return std::nullopt;
  if (!v->is_number()) fail_expected(key, "a number");
  return v->get<double>();
}
double FieldReader::number(std::string_view key) {
  auto v = opt_number(key);
  if (!v) fail_expected(key, "a number");
  return *v;
}

std::optional<bool> FieldReader::opt_boolean(std::string_view key) {
  const json* v = find(key);
  if (!v) return std::nullopt;
  if (!v->is_boolean()) fail_expected(key, "true or false");
  return v->get<bool>();
}
bool FieldReader::boolean(std::string_view key) {
  auto v = opt_boolean(key);
  if (!v) fail_expected(key, "true or false");
  return *v;
}

void FieldReader::finish(std::string_view what) const {
  for (auto it = obj_.begin(); it != obj_.end(); ++it)
    if (!read_.count(it.key())) fail(it.key(), what);
}

}  // namespace tessera::input
