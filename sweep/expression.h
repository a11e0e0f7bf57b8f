// The small expression language of sweep specs (constraints, computed keys, derived metrics).
//
//   expression := sum [ compare sum ]          compare: <  <=  >  >=  ==  !=
//   sum        := product { (+ | -) product }
//   product    := unary { (* | /) unary }
//   unary      := - unary | primary
//   primary    := number | name | ( sum )
//   number     := 12, 0.5, 1e9, or a byte size with a binary suffix: 64KiB, 1.5MiB (B, KiB, MiB, GiB, TiB)
//   name       := a key path or metric name: letters, digits, '_' and '.', with list indices
//                 [0] or [*]: cores[*].matrix.rows, hbm.data_rate_gbps, achieved_tflops
//
// Inside [...] a '*' is part of the name; elsewhere it multiplies. A comparison gives 1 (true)
// or 0 (false) and may appear only once, at the top. Arithmetic is in doubles.
#pragma once

#include <functional>
#include <string>
#include <vector>

namespace tessera::sweep {

class Expression {
 public:
  /// Parses `text`; throws tessera::Error "<what>: <reason> at column N" on a syntax error.
  static Expression parse(const std::string& text, const std::string& what = "expression");

  /// Resolves a name to its value; throws tessera::Error when the name is unknown.
  using Lookup = std::function<double(const std::string& name)>;
  double evaluate(const Lookup& lookup) const;

  bool is_comparison() const;
  /// The distinct names the expression uses, in order of first appearance.
  const std::vector<std::string>& names() const { return names_; }
  const std::string& text() const { return text_; }

 private:
  enum class Op { number, name, neg, add, sub, mul, div, lt, le, gt, ge, eq, ne };
  struct Node {
    Op op = Op::number;
    double value = 0;
    std::string name;
    int a = -1, b = -1;
  };
  friend class ExpressionParser;
  double eval(int node, const Lookup& lookup) const;

  std::string text_;
  std::vector<Node> nodes_;
  int root_ = -1;
  std::vector<std::string> names_;
};

}  // namespace tessera::sweep
