#include "sweep/expression.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>

#include <fmt/core.h>

#include "base/types.h"
#include "base/config/config_tree.h"

namespace tessera::sweep {

namespace {

bool name_start(char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_'; }
bool name_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.'; }
bool digit(char c) { return c >= '0' && c <= '9'; }

}  // namespace

class ExpressionParser {
 public:
  ExpressionParser(Expression& e, std::string what) : e_(e), s_(e.text_), what_(std::move(what)) {}

  void run() {
    e_.root_ = comparison();
    skip_space();
    if (pos_ < s_.size()) fail(fmt::format("unexpected '{}'", s_.substr(pos_, 1)));
  }

 private:
  using Op = Expression::Op;

  [[noreturn]] void fail(const std::string& reason) const {
    throw Error(fmt::format("{}: {} at column {} of '{}'", what_, reason, pos_ + 1, s_));
  }

  void skip_space() {
    while (pos_ < s_.size() && std::isspace(static_cast<unsigned char>(s_[pos_]))) ++pos_;
  }

  bool accept(std::string_view token) {
    skip_space();
    if (s_.compare(pos_, token.size(), token) != 0) return false;
    pos_ += token.size();
    return true;
  }

  int add(Expression::Node n) {
    e_.nodes_.push_back(std::move(n));
    return int(e_.nodes_.size()) - 1;
  }
  int binary(Op op, int a, int b) { return add({op, 0, "", a, b}); }

  int comparison() {
    const int left = sum();
    static constexpr std::pair<std::string_view, Op> kCompare[] = {
        {"<=", Op::le}, {">=", Op::ge}, {"==", Op::eq}, {"!=", Op::ne}, {"<", Op::lt}, {">", Op::gt}};
    for (const auto& [token, op] : kCompare) {
      if (!accept(token)) continue;
      const int right = sum();
      skip_space();
      for (const auto& [t2, op2] : kCompare)
        if (s_.compare(pos_, t2.size(), t2) == 0) fail("only one comparison is allowed");
      return binary(op, left, right);
    }
    return left;
  }

  int sum() {
    int left = product();
    for (;;) {
      if (accept("+")) left = binary(Op::add, left, product());
      else if (accept("-")) left = binary(Op::sub, left, product());
      else return left;
    }
  }

  int product() {
    int left = unary();
    for (;;) {
      if (accept("*")) left = binary(Op::mul, left, unary());
      else if (accept("/")) left = binary(Op::div, left, unary());
      else return left;
    }
  }

  int unary() {
    if (accept("-")) return add({Op::neg, 0, "", unary(), -1});
    if (accept("+")) return unary();
    return primary();
  }

  int primary() {
    skip_space();
    if (pos_ >= s_.size()) fail("expected a number, a name or '('");
    if (accept("(")) {
      const int inner = sum();
      if (!accept(")")) fail("expected ')'");
      return inner;
    }
    const char c = s_[pos_];
    if (digit(c) || (c == '.' && pos_ + 1 < s_.size() && digit(s_[pos_ + 1]))) return number();
    if (name_start(c)) return name();
    fail(fmt::format("unexpected '{}'", std::string(1, c)));
  }

  int number() {
    const std::size_t start = pos_;
    while (pos_ < s_.size() && digit(s_[pos_])) ++pos_;
    if (pos_ < s_.size() && s_[pos_] == '.') {
      ++pos_;
      while (pos_ < s_.size() && digit(s_[pos_])) ++pos_;
    }
    if (pos_ + 1 < s_.size() && (s_[pos_] == 'e' || s_[pos_] == 'E')) {
      std::size_t p = pos_ + 1;
      if (s_[p] == '+' || s_[p] == '-') ++p;
      if (p < s_.size() && digit(s_[p])) {
        pos_ = p;
        while (pos_ < s_.size() && digit(s_[pos_])) ++pos_;
      }
    }
    const std::string mantissa = s_.substr(start, pos_ - start);
    std::size_t suffix_end = pos_;
    while (suffix_end < s_.size() && std::isalpha(static_cast<unsigned char>(s_[suffix_end]))) ++suffix_end;
    if (suffix_end > pos_) {
      const std::string token = s_.substr(start, suffix_end - start);
      const auto bytes = parse_byte_size(token);
      if (!bytes) fail(fmt::format("'{}' is neither a number nor a byte size (suffixes: B, KiB, MiB, GiB, TiB)", token));
      pos_ = suffix_end;
      return add({Op::number, double(*bytes), "", -1, -1});
    }
    return add({Op::number, std::strtod(mantissa.c_str(), nullptr), "", -1, -1});
  }

  int name() {
    const std::size_t start = pos_;
    while (pos_ < s_.size()) {
      if (name_char(s_[pos_])) {
        ++pos_;
      } else if (s_[pos_] == '[') {
        const std::size_t close = s_.find(']', pos_);
        if (close == std::string::npos) fail("'[' without ']'");
        const std::string inside = s_.substr(pos_ + 1, close - pos_ - 1);
        const bool ok = inside == "*" || (!inside.empty() && std::all_of(inside.begin(), inside.end(), digit));
        if (!ok) fail("a list index is a whole number or '*'");
        pos_ = close + 1;
      } else {
        break;
      }
    }
    std::string n = s_.substr(start, pos_ - start);
    if (n.back() == '.') fail("a name cannot end with '.'");
    if (std::find(e_.names_.begin(), e_.names_.end(), n) == e_.names_.end()) e_.names_.push_back(n);
    return add({Op::name, 0, std::move(n), -1, -1});
  }

  Expression& e_;
  const std::string& s_;
  std::string what_;
  std::size_t pos_ = 0;
};

Expression Expression::parse(const std::string& text, const std::string& what) {
  Expression e;
  e.text_ = text;
  ExpressionParser(e, what).run();
  return e;
}

bool Expression::is_comparison() const {
  if (root_ < 0) return false;
  switch (nodes_[root_].op) {
    case Op::lt: case Op::le: case Op::gt: case Op::ge: case Op::eq: case Op::ne: return true;
    default: return false;
  }
}

double Expression::evaluate(const Lookup& lookup) const { return eval(root_, lookup); }

double Expression::eval(int i, const Lookup& lookup) const {
  const Node& n = nodes_[i];
  switch (n.op) {
    case Op::number: return n.value;
    case Op::name: return lookup(n.name);
    case Op::neg: return -eval(n.a, lookup);
    default: break;
  }
  const double a = eval(n.a, lookup), b = eval(n.b, lookup);
  switch (n.op) {
    case Op::add: return a + b;
    case Op::sub: return a - b;
    case Op::mul: return a * b;
    case Op::div: return a / b;
    case Op::lt: return a < b;
    case Op::le: return a <= b;
    case Op::gt: return a > b;
    case Op::ge: return a >= b;
    case Op::eq: return a == b;
    case Op::ne: return a != b;
    default: return 0;
  }
}

}  // namespace tessera::sweep
