#include "econ/money.h"

#include <cctype>
#include <charconv>
#include <cmath>
#include <string>

#include <fmt/core.h>

#include "base/types.h"

namespace tessera::econ {

std::string_view to_string(Currency c) {
  switch (c) {
    case Currency::CNY: return "CNY";
    case Currency::USD: return "USD";
  }
  return "?";
}

std::optional<Currency> parse_currency(std::string_view s) {
  if (s == "CNY") return Currency::CNY;
  if (s == "USD") return Currency::USD;
  return std::nullopt;
}

double ExchangeRate::factor(Currency from, Currency to) const {
  if (from == to) return 1.0;
  if (!cny_per_usd)
    throw Error(fmt::format("cannot mix {} and {} without an exchange rate (exchange_rate.CNY_per_USD)",
                            to_string(from), to_string(to)));
  return from == Currency::USD ? *cny_per_usd : 1.0 / *cny_per_usd;
}

double Money::in(Currency c) const {
  if (c != currency_)
    throw Error(fmt::format("amount {} is in {}, expected {}: convert it with an exchange rate first",
                            amount_, to_string(currency_), to_string(c)));
  return amount_;
}

Money Money::converted(Currency to, const ExchangeRate& rate) const {
  return {amount_ * rate.factor(currency_, to), to};
}

Money Money::operator+(const Money& o) const { return {amount_ + o.in(currency_), currency_}; }
Money Money::operator-(const Money& o) const { return {amount_ - o.in(currency_), currency_}; }

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

std::optional<double> parse_number(std::string_view s) {
  s = trim(s);
  if (s.empty()) return std::nullopt;
  if (s.front() == '+') s.remove_prefix(1);
  double v = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || ptr != s.data() + s.size() || !std::isfinite(v)) return std::nullopt;
  return v;
}

}  // namespace

Money parse_money(std::string_view text, Currency default_currency) {
  const std::string_view t = trim(text);
  if (auto v = parse_number(t)) return {*v, default_currency};
  const auto space = t.find_first_of(" \t");
  if (space != std::string_view::npos) {
    const std::string_view a = trim(t.substr(0, space));
    const std::string_view b = trim(t.substr(space + 1));
    if (auto c = parse_currency(b); c && parse_number(a)) return {*parse_number(a), *c};
    if (auto c = parse_currency(a); c && parse_number(b)) return {*parse_number(b), *c};
  }
  throw Error(fmt::format("'{}' is not an amount of money: write a number (in the deployment's "
                          "currency) or '<number> CNY' / '<number> USD'",
                          text));
}

std::string group_thousands(double value, int decimals) {
  if (!std::isfinite(value)) return "n/a";
  std::string s = fmt::format("{:.{}f}", std::fabs(value), decimals);
  const auto dot = s.find('.');
  std::string int_part = s.substr(0, dot);
  const std::string frac = dot == std::string::npos ? "" : s.substr(dot);
  std::string grouped;
  for (std::size_t i = 0; i < int_part.size(); ++i) {
    if (i > 0 && (int_part.size() - i) % 3 == 0) grouped += ',';
    grouped += int_part[i];
  }
  const bool negative = value < 0 && std::stod(s) != 0.0;
  return (negative ? "-" : "") + grouped + frac;
}

std::string format_money(const Money& m, int decimals) {
  return group_thousands(m.amount(), decimals) + " " + std::string(to_string(m.currency()));
}

}  // namespace tessera::econ
