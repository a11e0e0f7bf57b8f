// Money that carries its currency. Amounts in different currencies never mix silently:
// arithmetic between them throws, and conversion needs an explicit exchange rate.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace tessera::econ {

enum class Currency { CNY, USD };

std::string_view to_string(Currency c);
/// Accepts "CNY" and "USD" (case-sensitive, as written in configs).
std::optional<Currency> parse_currency(std::string_view s);

/// The one exchange rate the model knows: how many CNY buy one USD. Unset = no conversion.
struct ExchangeRate {
  std::optional<double> cny_per_usd;
  /// Multiplier that turns an amount in `from` into `to`; throws Error when the currencies
  /// differ and no rate is set.
  double factor(Currency from, Currency to) const;
};

class Money {
 public:
  Money() = default;
  Money(double amount, Currency currency) : amount_(amount), currency_(currency) {}

  double amount() const { return amount_; }
  Currency currency() const { return currency_; }
  /// The amount, asserting that it is in `c`: throws Error otherwise (no silent mixing).
  double in(Currency c) const;
  Money converted(Currency to, const ExchangeRate& rate) const;

  Money operator+(const Money& o) const;
  Money operator-(const Money& o) const;
  Money operator*(double k) const { return {amount_ * k, currency_}; }
  Money operator/(double k) const { return {amount_ / k, currency_}; }
  Money& operator+=(const Money& o) { return *this = *this + o; }
  Money& operator-=(const Money& o) { return *this = *this - o; }

 private:
  double amount_ = 0;
  Currency currency_ = Currency::USD;
};

/// Parses "310000 USD", "USD 310000" or a bare number (then in `default_currency`).
/// Throws Error (without file/key context) on anything else.
Money parse_money(std::string_view text, Currency default_currency);

/// "1,234,567" style grouping with `decimals` digits after the point.
std::string group_thousands(double value, int decimals = 0);
/// e.g. "1,234,567 USD".
std::string format_money(const Money& m, int decimals = 0);

}  // namespace tessera::econ
