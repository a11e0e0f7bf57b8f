#include "report/table_report.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <string>
#include <vector>

#include <fmt/core.h>

#include "report/unit_metrics.h"

namespace tessera {

namespace {

constexpr std::size_t kWidth = 100;

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

void print_table(const SimResult& r, std::ostream& os, std::size_t max_op_rows) {
  std::string out;
  // Header line.
  std::string workload_name;
  if (r.workload.is_object() && r.workload.contains("name") && r.workload["name"].is_string())
    workload_name = r.workload["name"].get<std::string>();
  std::string header = fmt::format("Tessera {}  |  chip: {}", r.tool_version,
                                   r.chip_name.empty() ? "-" : r.chip_name);
  if (!workload_name.empty()) header += "  |  workload: " + workload_name;
  out += fit(header, kWidth) + "\n\n";

  // Summary.
  const auto& metrics = r.summary.metrics();
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
    values.back() = fit(values.back(), 28);
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
