#include "report/compare.h"

#include <fmt/core.h>

#include "base/version.h"
#include "report/sim_document.h"

namespace tessera {

namespace {

/// What throughput is counted in: tokens when the workload counts them, else samples, else FLOPs.
struct Measure {
  const char* throughput_key;
  const char* throughput_unit;
  const char* per_watt_key;
  const char* per_watt_unit;
};

Measure measure_for(const Workload& w) {
  if (w.tokens > 0) return {"tokens_per_second", "tokens/s", "tokens_per_joule", "tokens/J"};
  if (w.samples > 0) return {"samples_per_second", "samples/s", "samples_per_joule", "samples/J"};
  return {"achieved_tflops", "TFLOP/s", "tflops_per_watt", "TFLOP/s/W"};
}

/// A ratio against the first chip, 0 where it is undefined.
double ratio(double num, double den) { return den > 0 ? num / den : 0; }

h5::Table comparison_table(const std::vector<ResultDocument>& runs, const Measure& m) {
  const std::size_t n = runs.size();
  auto column = [&](const char* key) {
    std::vector<double> v(n);
    for (std::size_t i = 0; i < n; ++i) v[i] = runs[i].summary.number_or(key, 0.0);
    return v;
  };
  std::vector<std::string> chip(n), bound(n);
  for (std::size_t i = 0; i < n; ++i) {
    chip[i] = runs[i].name;
    bound[i] = runs[i].summary.has("bound_by") ? runs[i].summary.text("bound_by") : "-";
  }
  const auto seconds = column("seconds"), throughput = column(m.throughput_key), ppw = column(m.per_watt_key);
  std::vector<double> speedup(n), thr_ratio(n), ppw_ratio(n);
  for (std::size_t i = 0; i < n; ++i) {
    speedup[i] = seconds[i] > 0 ? seconds[0] / seconds[i] : 0;
    thr_ratio[i] = ratio(throughput[i], throughput[0]);
    ppw_ratio[i] = ratio(ppw[i], ppw[0]);
  }
  h5::Table t;
  t.add_strings("chip", std::move(chip))
      .add_doubles("seconds", seconds, "s")
      .add_doubles("throughput", throughput, m.throughput_unit)
      .add_doubles("matrix_utilisation", column("matrix_utilisation"), "fraction")
      .add_doubles("hbm_bandwidth_utilisation", column("hbm_bandwidth_utilisation"), "fraction")
      .add_strings("bound_by", std::move(bound))
      .add_doubles("avg_power_w", column("avg_power_w"), "W")
      .add_doubles("peak_power_w", column("peak_power_w"), "W")
      .add_doubles("throttled_s", column("throttled_s"), "s")
      .add_doubles("energy_j", column("energy_j"), "J")
      .add_doubles("perf_per_watt", ppw, m.per_watt_unit)
      .add_doubles("speedup_vs_first", std::move(speedup), "x")
      .add_doubles("throughput_vs_first", std::move(thr_ratio), "x")
      .add_doubles("perf_per_watt_vs_first", std::move(ppw_ratio), "x");
  return t;
}

/// The chip with the highest value of `key` ("" when none is above zero).
std::string best_chip(const std::vector<ResultDocument>& runs, const char* key, bool lowest) {
  std::string best;
  double best_value = 0;
  for (const auto& r : runs) {
    const double v = r.summary.number_or(key, 0.0);
    if (v > 0 && (best.empty() || (lowest ? v < best_value : v > best_value))) best = r.name, best_value = v;
  }
  return best.empty() ? "-" : best;
}

}  // namespace

ResultDocument compare_chips(const std::vector<ChipConfig>& chips, const Workload& workload,
                             const SimOptions& options,
                             const std::function<void(const std::string& chip)>& progress) {
  const Measure m = measure_for(workload);
  ResultDocument doc;
  doc.job = "compare";
  doc.title = "compare  |  workload: " + workload.name;
  doc.format = kCompareFormat;
  doc.format_version = kCompareFormatVersion;
  doc.tool_version = kVersion;
  doc.inputs.push_back(ResultInput::value_input("workload", workload.name));

  std::vector<std::string> names;
  for (const ChipConfig& chip : chips) {
    if (progress) progress(chip.name);
    ResultDocument run = to_document(simulate(chip, workload, options));
    run.name = chip.name;
    run.attributes.push_back({"hbm_peak_bytes_per_second", chip.hbm.peak_bytes_per_second()});
    names.push_back(chip.name);
    doc.children.push_back(std::move(run));
  }

  // Root attributes as the first layout had them, for readers of the file root.
  doc.attributes = {{"workload_name", workload.name},
                    {"chips", names},
                    {"throughput_unit", std::string(m.throughput_unit)},
                    {"perf_per_watt_unit", std::string(m.per_watt_unit)}};
  doc.summary.set("chips", double(chips.size()), "count", "chips compared, in --chips order");
  doc.summary.set_text("throughput_unit", m.throughput_unit, "what throughput counts");
  doc.summary.set_text("perf_per_watt_unit", m.per_watt_unit, "what perf/W counts");
  doc.summary.set_text("fastest", best_chip(doc.children, "seconds", true), "chip with the shortest time");
  doc.summary.set_text("most_efficient", best_chip(doc.children, m.per_watt_key, false), "chip with the best perf/W");

  ResultTable table;
  table.name = "comparison";
  table.title = "Comparison (ratios against the first chip)";
  table.columns = comparison_table(doc.children, m);
  table.view = TableView::transposed;
  doc.tables.push_back(std::move(table));
  for (auto& run : doc.children)  // a child's tables are for the files, not the terminal
    for (auto& t : run.tables) t.view = TableView::hidden;
  return doc;
}

}  // namespace tessera
