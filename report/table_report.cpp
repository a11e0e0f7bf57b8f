#include "report/table_report.h"

#include <algorithm>
#include <array>
#include <type_traits>
#include <cmath>
#include <string>
#include <vector>

#include <fmt/core.h>

#include "report/sim_document.h"
#include "report/unit_metrics.h"

namespace tessera {

namespace {

constexpr std::size_t kWidth = 100;
// Summary values are cut to this width: a run's are short; other jobs state a few longer texts
// (a recommended serving layout).
constexpr std::size_t kRunValueWidth = 28, kDocumentValueWidth = 32;

/// A currency code ("USD", "CNY") as a unit.
bool is_currency(std::string_view unit) {
  return unit.size() == 3 && std::all_of(unit.begin(), unit.end(), [](char c) { return c >= 'A' && c <= 'Z'; });
}

/// Base units that take SI prefixes (the part before any "/").
bool takes_si_prefix(std::string_view base) {
  static constexpr std::array<std::string_view, 15> kBases = {
      "s", "B", "bit", "FLOP", "FLOPs", "MAC", "W", "J", "Wh", "Hz", "op", "ops", "token", "tokens",
      "bytes"};
  return std::find(kBases.begin(), kBases.end(), base) != kBases.end();
}

/// Rounds to four significant digits, so the prefix is picked from the number as printed.
double round4(double v) {
  if (v == 0) return 0;
  return std::stod(fmt::format("{:.3e}", v));
}

std::string trim_mantissa(double m) { return fmt::format("{:.4g}", m); }

std::string fit(std::string_view s, std::size_t width) {
  if (s.size() <= width) return std::string(s);
  if (width <= 3) return std::string(s.substr(0, width));
  return std::string(s.substr(0, width - 3)) + "...";
}

std::string rule(std::size_t n) { return std::string(n, '-'); }

/// Drops the padding that left-aligned last columns leave at the end of lines.
std::string trim_line_ends(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    if (c == '\n')
      while (!out.empty() && out.back() == ' ') out.pop_back();
    out += c;
  }
  return out;
}

}  // namespace

std::string format_quantity(double value, std::string_view unit) {
  if (!std::isfinite(value)) return "-";
  const std::string u =
      (unit == "bytes" || unit == "byte") ? std::string(1, 'B') : std::string(unit);
  const std::string_view base = std::string_view(u).substr(0, u.find('/'));

  if (u == "%") return fmt::format("{:.1f}%", value);
  if (!takes_si_prefix(base)) {
    std::string num = (std::floor(value) == value && std::fabs(value) < 1e15)
                          ? fmt::format("{}", static_cast<long long>(value))
                          : fmt::format("{:.4g}", value);
    return u.empty() ? num : num + " " + u;
  }

  struct Prefix {
    double scale;
    const char* symbol;
  };
  static constexpr Prefix kPrefixes[] = {{1e18, "E"}, {1e15, "P"}, {1e12, "T"}, {1e9, "G"},
                                         {1e6, "M"},  {1e3, "k"},  {1, ""},     {1e-3, "m"},
                                         {1e-6, "u"}, {1e-9, "n"}, {1e-12, "p"}};
  const bool is_time = base == "s";
  const double v = round4(value);
  const double a = std::fabs(v);
  if (a == 0) return "0 " + u;
  if (is_time && a >= 1) return fmt::format("{:.4g} {}", v, u);  // 3600 s, not 3.6 ks
  const Prefix* chosen = &kPrefixes[std::size(kPrefixes) - 1];
  for (const auto& p : kPrefixes) {
    if (a >= p.scale) {
      chosen = &p;
      break;
    }
  }
  return fmt::format("{} {}{}", trim_mantissa(v / chosen->scale), chosen->symbol, u);
}

namespace {

/// The header line and the summary block every document starts with.
std::string header_and_summary(const std::string& tool_version, const std::string& title,
                               const Summary& summary, std::size_t value_w) {
  std::string out = fit(fmt::format("Tessera {}  |  {}", tool_version, title), kWidth) + "\n\n";
  const auto& metrics = summary.metrics();
  std::size_t key_w = 6;
  for (const auto& m : metrics) key_w = std::max(key_w, m.key.size());
  key_w = std::min<std::size_t>(key_w, 32);
  std::vector<std::string> values;
  std::size_t val_w = 5;
  for (const auto& m : metrics) {
    if (const double* v = std::get_if<double>(&m.value))
      values.push_back(format_quantity(*v, m.unit));
    else
      values.push_back(std::get<std::string>(m.value));
    values.back() = fit(values.back(), value_w);
    val_w = std::max(val_w, values.back().size());
  }
  const std::size_t desc_w = kWidth - 2 - key_w - 2 - val_w - 2;
  out += "Summary\n";
  out += fmt::format("  {:<{}}  {:>{}}  {}\n", "metric", key_w, "value", val_w, "description");
  out += "  " + rule(kWidth - 2) + "\n";
  for (std::size_t i = 0; i < metrics.size(); ++i)
    out += fmt::format("  {:<{}}  {:>{}}  {}\n", fit(metrics[i].key, key_w), key_w, values[i],
                       val_w, fit(metrics[i].description, desc_w));
  if (metrics.empty()) out += "  (no metrics)\n";
  return out;
}

bool is_text(const h5::Table::Column& c) {
  return std::holds_alternative<std::vector<std::string>>(c.values);
}

/// Whether a numeric column's cells carry their unit with an SI prefix ("7.95 ms", "2.1 GB");
/// counts of tokens, samples or requests read better as plain numbers ("125.7").
bool prefixed_cells(const h5::Table::Column& c) {
  const std::string_view base = std::string_view(c.unit).substr(0, c.unit.find('/'));
  static constexpr std::array<std::string_view, 6> kCounts = {"token", "tokens", "sample", "samples",
                                                              "request", "requests"};
  return std::holds_alternative<std::vector<double>>(c.values) && takes_si_prefix(base) &&
         std::find(kCounts.begin(), kCounts.end(), base) == kCounts.end();
}

/// A column's heading: its name, with the unit when the cells do not show it.
std::string heading(const h5::Table::Column& c) {
  const bool unit_in_cells = prefixed_cells(c) || c.unit == "fraction" || c.unit == "x" || is_currency(c.unit);
  return c.unit.empty() || unit_in_cells || is_text(c) ? c.name : fmt::format("{} ({})", c.name, c.unit);
}

/// One line per row, the shown columns; text left-aligned, numbers right-aligned.
std::string rows_view(const ResultTable& t, const std::vector<const h5::Table::Column*>& cols) {
  const std::size_t shown = std::min(t.max_rows, t.columns.rows());
  std::vector<std::size_t> widths;
  for (const auto* c : cols) {
    std::size_t w = heading(*c).size();
    for (std::size_t i = 0; i < shown; ++i) w = std::max(w, std::min<std::size_t>(format_cell(*c, i).size(), 32));
    widths.push_back(w);
  }
  auto line = [&](auto&& cell) {
    std::string l = " ";
    for (std::size_t k = 0; k < cols.size(); ++k) {
      const std::string text = fit(cell(k), widths[k]);
      l += is_text(*cols[k]) ? fmt::format(" {:<{}}", text, widths[k]) : fmt::format(" {:>{}}", text, widths[k]);
    }
    return l + "\n";
  };
  std::size_t total = 1;
  for (std::size_t w : widths) total += w + 1;
  std::string out = line([&](std::size_t k) { return heading(*cols[k]); });
  out += "  " + rule(std::max<std::size_t>(total, 3) - 2) + "\n";
  for (std::size_t i = 0; i < shown; ++i) out += line([&](std::size_t k) { return format_cell(*cols[k], i); });
  if (t.columns.rows() > shown)
    out += fmt::format("  ... {} more rows (in the JSON and HDF5 forms)\n", t.columns.rows() - shown);
  if (t.columns.rows() == 0) out += "  (no rows)\n";
  return out;
}

/// One line per column, rows across; the first column (a name) heads the row columns.
std::string transposed_view(const ResultTable& t, const std::vector<const h5::Table::Column*>& cols) {
  if (cols.empty()) return "";
  const std::size_t rows = t.columns.rows();
  const std::size_t label_w = 30, col_w = std::clamp<std::size_t>(68 / std::max<std::size_t>(1, rows), 12, 18);
  std::string out = fmt::format("  {:<{}}", "", label_w);
  for (std::size_t i = 0; i < rows; ++i) out += fmt::format("{:>{}}", fit(format_cell(*cols[0], i), col_w - 1), col_w);
  out += "\n  " + rule(label_w + col_w * rows) + "\n";
  for (std::size_t k = 1; k < cols.size(); ++k) {
    const auto* c = cols[k];
    out += fmt::format("  {:<{}}", fit(heading(*c), label_w), label_w);
    for (std::size_t i = 0; i < rows; ++i) out += fmt::format("{:>{}}", fit(format_cell(*c, i), col_w - 1), col_w);
    out += "\n";
  }
  return out;
}

}  // namespace

std::string format_cell(const h5::Table::Column& column, std::size_t row) {
  return std::visit(
      [&](const auto& values) -> std::string {
        using T = std::decay_t<decltype(values[0])>;
        if constexpr (std::is_same_v<T, std::string>) {
          return values[row];
        } else if constexpr (std::is_same_v<T, std::int64_t>) {
          return fmt::format("{}", values[row]);
        } else {
          const double v = values[row];
          if (column.unit == "fraction") return std::isfinite(v) ? fmt::format("{:.1f}%", 100 * v) : "-";
          if (column.unit == "x") return v > 0 && std::isfinite(v) ? fmt::format("{:.3g}x", v) : "-";
          if (is_currency(column.unit)) {
            if (!(v > 0) || !std::isfinite(v)) return "-";
            return v >= 1e6 ? fmt::format("{:.2f}M {}", v / 1e6, column.unit)
                            : fmt::format("{:.0f}k {}", v / 1e3, column.unit);
          }
          if (!prefixed_cells(column)) return std::isfinite(v) ? fmt::format("{:.4g}", v) : "-";
          return format_quantity(v, column.unit);
        }
      },
      column.values);
}

void print_table(const ResultDocument& doc, std::ostream& os) {
  std::string out = header_and_summary(doc.tool_version, doc.title, doc.summary, kDocumentValueWidth);
  for (const ResultTable& t : doc.tables) {
    if (t.view == TableView::hidden) continue;
    std::vector<const h5::Table::Column*> cols;
    for (const auto& c : t.columns.columns())
      if (t.shown.empty() || std::find(t.shown.begin(), t.shown.end(), c.name) != t.shown.end()) cols.push_back(&c);
    if (!t.shown.empty())  // in the order asked for
      std::sort(cols.begin(), cols.end(), [&](const auto* a, const auto* b) {
        return std::find(t.shown.begin(), t.shown.end(), a->name) < std::find(t.shown.begin(), t.shown.end(), b->name);
      });
    out += fmt::format("\n{}\n", t.title.empty() ? t.name : t.title);
    out += t.view == TableView::transposed ? transposed_view(t, cols) : rows_view(t, cols);
  }
  os << trim_line_ends(out);
}

void print_table(const SimResult& r, std::ostream& os, std::size_t max_op_rows) {
  std::string out = header_and_summary(r.tool_version, run_title(r), r.summary, kRunValueWidth);

  // Operators.
  out += fmt::format("\nOperators ({})\n", r.ops.size());
  constexpr auto kOpRow = "  {:<24}  {:<12}  {:>10}  {:>10}  {:>9}  {:>10}  {:<9}\n";
  out += fmt::format(kOpRow, "id", "kind", "start", "duration", "TFLOP/s", "HBM bytes", "bound by");
  out += "  " + rule(kWidth - 2) + "\n";
  const std::size_t shown = std::min(max_op_rows, r.ops.size());
  for (std::size_t i = 0; i < shown; ++i) {
    const OpResult& o = r.ops[i];
    const double dur = o.end_s - o.start_s;
    std::string tflops = dur > 0 ? fmt::format("{:.1f}", o.flops / dur / 1e12) : "-";
    out += fmt::format(kOpRow, fit(o.id, 24), fit(o.kind, 12), format_quantity(o.start_s, "s"),
                       format_quantity(dur, "s"), tflops, format_quantity(o.hbm_bytes, "B"),
                       fit(o.bound_by.empty() ? "-" : o.bound_by, 9));
  }
  if (r.ops.size() > shown) out += fmt::format("  ... {} more operators\n", r.ops.size() - shown);
  if (r.ops.empty()) out += "  (no operators)\n";

  // Units by kind.
  struct KindRow {
    std::string kind;
    std::size_t count = 0;
    double clock_mhz = 0;
    bool mixed_clock = false;
    double busy_s = 0, busy_max_s = 0, read = 0, written = 0, energy_pj = 0;
  };
  std::vector<KindRow> kinds;
  if (r.stats) {
    for (const auto& g : r.stats->groups()) {
      auto it = std::find_if(kinds.begin(), kinds.end(),
                             [&](const KindRow& k) { return k.kind == g->kind(); });
      if (it == kinds.end()) {
        kinds.push_back(KindRow{g->kind()});
        it = kinds.end() - 1;
        it->clock_mhz = g->clock_mhz();
      }
      if (g->clock_mhz() != it->clock_mhz) it->mixed_clock = true;
      ++it->count;
      const double b = busy_seconds(*g);
      it->busy_s += b;
      it->busy_max_s = std::max(it->busy_max_s, b);
      it->read += g->value(stat_names::kBytesRead);
      it->written += g->value(stat_names::kBytesWritten);
      it->energy_pj += g->value("energy_pj");  // written by the power model (docs/power.md)
    }
  }
  const auto seconds = simulated_seconds(r.summary);
  out += fmt::format("\nUnits by kind ({} units)\n", r.stats ? r.stats->groups().size() : 0);
  constexpr auto kUnitRow = "  {:<12}  {:>5}  {:>10}  {:>9}  {:>9}  {:>11}  {:>13}  {:>10}\n";
  out += fmt::format(kUnitRow, "kind", "units", "clock", "busy avg", "busy max", "bytes read",
                     "bytes written", "energy");
  out += "  " + rule(kWidth - 2) + "\n";
  for (const auto& k : kinds) {
    std::string avg = "-", mx = "-";
    if (seconds && k.count > 0) {
      avg = format_quantity(100.0 * k.busy_s / (static_cast<double>(k.count) * *seconds), "%");
      mx = format_quantity(100.0 * k.busy_max_s / *seconds, "%");
    }
    std::string clock = k.mixed_clock ? "mixed"
                        : k.clock_mhz > 0 ? format_quantity(k.clock_mhz * 1e6, "Hz")
                                          : "-";
    out += fmt::format(kUnitRow, fit(k.kind, 12), k.count, clock, avg, mx,
                       format_quantity(k.read, "B"), format_quantity(k.written, "B"),
                       format_quantity(k.energy_pj * 1e-12, "J"));
  }
  if (kinds.empty()) out += "  (no unit statistics)\n";
  os << trim_line_ends(out);
}

}  // namespace tessera
