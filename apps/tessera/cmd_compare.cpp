// tessera compare: one workload on several chips, side by side -- time, throughput,
// utilisation, what bounds it, power, perf/W and ratios against the first chip -- plus one
// HDF5 file with a result group per chip (docs/results.md, "Compare files").
#include <iostream>
#include <sstream>

#include <fmt/core.h>

#include "apps/tessera/cli_common.h"
#include "apps/tessera/commands.h"
#include "apps/tessera/workload_args.h"
#include "models/config/chip_config.h"
#include "sim/simulation.h"
#include "base/io/atomic_file.h"
#include "report/hdf5_writer.h"
#include "report/json_report.h"
#include "report/table_report.h"

namespace tessera::cli {

namespace {

constexpr const char* kCompareFormat = "tessera.compare";
constexpr std::int64_t kCompareFormatVersion = 1;

/// One chip's line of the comparison.
struct Row {
  std::string chip;
  SimResult result;
  double seconds = 0, throughput = 0, perf_per_watt = 0;
  double matrix_util = 0, hbm_util = 0, avg_power = 0, peak_power = 0, throttled = 0, energy = 0;
  double hbm_peak = 0;
  std::string bound_by;
};

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

double metric(const Summary& s, const char* key) { return s.has(key) ? s.number(key) : 0.0; }

std::string ratio(double num, double den) { return den > 0 && num > 0 ? fmt::format("{:.3g}x", num / den) : "-"; }

void write_compare_file(const std::string& path, const std::vector<Row>& rows, const Workload& w, const Measure& m) {
  write_file_atomically(path, [&](const std::string& tmp) {
    h5::H5File file = h5::H5File::create(tmp);
    h5::write_string_attribute(file.root(), "format", kCompareFormat);
    h5::write_int_attribute(file.root(), "format_version", kCompareFormatVersion);
    h5::write_string_attribute(file.root(), "workload_name", w.name);
    std::vector<std::string> names;
    for (const Row& r : rows) names.push_back(r.chip);
    h5::write_string_list_attribute(file.root(), "chips", names);
    h5::write_string_attribute(file.root(), "throughput_unit", m.throughput_unit);
    h5::write_string_attribute(file.root(), "perf_per_watt_unit", m.per_watt_unit);

    const std::size_t n = rows.size();
    std::vector<std::string> chip(n), bound(n);
    std::vector<double> seconds(n), thr(n), ppw(n), mu(n), hu(n), avg(n), peak(n), thr_s(n), energy(n), speedup(n),
        thr_ratio(n), ppw_ratio(n);
    for (std::size_t i = 0; i < n; ++i) {
      const Row& r = rows[i];
      chip[i] = r.chip, bound[i] = r.bound_by;
      seconds[i] = r.seconds, thr[i] = r.throughput, ppw[i] = r.perf_per_watt;
      mu[i] = r.matrix_util, hu[i] = r.hbm_util, avg[i] = r.avg_power, peak[i] = r.peak_power;
      thr_s[i] = r.throttled, energy[i] = r.energy;
      speedup[i] = r.seconds > 0 ? rows[0].seconds / r.seconds : 0;
      thr_ratio[i] = rows[0].throughput > 0 ? r.throughput / rows[0].throughput : 0;
      ppw_ratio[i] = rows[0].perf_per_watt > 0 ? r.perf_per_watt / rows[0].perf_per_watt : 0;
    }
    h5::Table t;
    t.add_strings("chip", std::move(chip))
        .add_doubles("seconds", std::move(seconds), "s")
        .add_doubles("throughput", std::move(thr), m.throughput_unit)
        .add_doubles("matrix_utilisation", std::move(mu), "fraction")
        .add_doubles("hbm_bandwidth_utilisation", std::move(hu), "fraction")
        .add_strings("bound_by", std::move(bound))
        .add_doubles("avg_power_w", std::move(avg), "W")
        .add_doubles("peak_power_w", std::move(peak), "W")
        .add_doubles("throttled_s", std::move(thr_s), "s")
        .add_doubles("energy_j", std::move(energy), "J")
        .add_doubles("perf_per_watt", std::move(ppw), m.per_watt_unit)
        .add_doubles("speedup_vs_first", std::move(speedup), "x")
        .add_doubles("throughput_vs_first", std::move(thr_ratio), "x")
        .add_doubles("perf_per_watt_vs_first", std::move(ppw_ratio), "x");
    h5::write_table(file.root(), "comparison", t);

    for (const Row& r : rows) {
      h5::Handle g = h5::create_group(file.root(), r.chip);
      write_result_group(r.result, g);
      h5::write_double_attribute(g, "hbm_peak_bytes_per_second", r.hbm_peak);
    }
    file.close();
  });
}

}  // namespace

int cmd_compare(int argc, char** argv) {
  std::string chips_text, dataflow_text, format_text;
  WorkloadArgs workload_args;
  PowerArgs power_args;
  CommonOptions common;
  po::options_description desc("tessera compare options");
  desc.add_options()("help,h", "show this help")
      ("chips", po::value<std::string>(&chips_text)->required(),
       "comma-separated chip names (configs/chips) or YAML paths; ratios are against the first")
      ("dataflow", po::value<std::string>(&dataflow_text), "ws, os or is for every chip (default: each chip's first)");
  add_workload_options(desc, workload_args);
  add_power_options(desc, power_args);
  add_common_options(desc, common, format_text);
  add_list_keys_option(desc);
  po::variables_map vm;
  if (!parse_command_line(argc, argv, desc, vm,
                          "usage: tessera compare --chips A,B,C (--workload W | --trace F | --model M --scenario S) "
                          "[-o compare.h5]\n\n"
                          "Runs the same workload on each chip and prints time, throughput, utilisation, what bounds "
                          "it,\npower and perf/W side by side, with ratios against the first chip. --set and "
                          "--operating-point\napply to every chip. Plot the HDF5 file with scripts/plot_compare.py."))
    return 0;
  common.format = parse_format(format_text);
  std::vector<std::string> names;
  {
    std::stringstream ss(chips_text);
    std::string item;
    while (std::getline(ss, item, ','))
      if (!item.empty()) names.push_back(item);
  }
  if (names.empty()) throw Error("--chips: expected at least one chip name");
  if (!workload_given(vm)) throw Error("give a workload: --workload W, --trace F or --model M --scenario S");
  SimOptions options;
  apply_power_options(vm, power_args, options);
  if (vm.count("dataflow")) {
    options.dataflow = parse_dataflow(dataflow_text);
    if (!options.dataflow) throw Error(fmt::format("--dataflow: expected ws, os or is, got '{}'", dataflow_text));
  }

  // Load every chip first, so that a bad name fails before any simulation.
  std::vector<ChipConfig> chips;
  for (const auto& n : names) {
    chips.push_back(load_chip_config(n, common.overrides));
    for (std::size_t i = 0; i + 1 < chips.size(); ++i)
      if (chips[i].name == chips.back().name)
        throw Error(fmt::format("--chips: chip '{}' is listed twice", chips.back().name));
  }
  const Workload workload = resolve_workload(vm, workload_args, "");
  const Measure m = measure_for(workload);

  std::vector<Row> rows;
  for (const ChipConfig& chip : chips) {
    if (common.format == OutputFormat::table) std::cerr << fmt::format("simulating {} on {}...\n", workload.name, chip.name);
    Row r;
    r.chip = chip.name;
    r.result = simulate(chip, workload, options);
    const Summary& s = r.result.summary;
    r.seconds = metric(s, "seconds");
    r.throughput = metric(s, m.throughput_key);
    r.perf_per_watt = metric(s, m.per_watt_key);
    r.matrix_util = metric(s, "matrix_utilisation");
    r.hbm_util = metric(s, "hbm_bandwidth_utilisation");
    r.avg_power = metric(s, "avg_power_w");
    r.peak_power = metric(s, "peak_power_w");
    r.throttled = metric(s, "throttled_s");
    r.energy = metric(s, "energy_j");
    r.bound_by = s.has("bound_by") ? s.text("bound_by") : "-";
    r.hbm_peak = chip.hbm.peak_bytes_per_second();
    rows.push_back(std::move(r));
  }

  if (!common.out.empty()) write_compare_file(common.out, rows, workload, m);

  if (common.format == OutputFormat::json) {
    nlohmann::json doc = {{"workload", workload.name},
                          {"throughput_unit", m.throughput_unit},
                          {"perf_per_watt_unit", m.per_watt_unit},
                          {"chips", nlohmann::json::array()}};
    for (const Row& r : rows) {
      nlohmann::json j = {{"chip", r.chip},
                          {"seconds", r.seconds},
                          {"throughput", r.throughput},
                          {"matrix_utilisation", r.matrix_util},
                          {"hbm_bandwidth_utilisation", r.hbm_util},
                          {"bound_by", r.bound_by},
                          {"avg_power_w", r.avg_power},
                          {"peak_power_w", r.peak_power},
                          {"throttled_s", r.throttled},
                          {"energy_j", r.energy},
                          {"perf_per_watt", r.perf_per_watt},
                          {"speedup_vs_first", r.seconds > 0 ? rows[0].seconds / r.seconds : 0.0},
                          {"throughput_vs_first", rows[0].throughput > 0 ? r.throughput / rows[0].throughput : 0.0},
                          {"perf_per_watt_vs_first",
                           rows[0].perf_per_watt > 0 ? r.perf_per_watt / rows[0].perf_per_watt : 0.0},
                          {"result", to_json(r.result)}};
      doc["chips"].push_back(std::move(j));
    }
    print_json(doc);
    return 0;
  }

  // Metrics down, chips across.
  const std::size_t label_w = 22, col_w = std::max<std::size_t>(12, 76 / std::max<std::size_t>(1, rows.size()));
  std::string out = fmt::format("Tessera compare  |  workload: {}\n\n{:<{}}", workload.name, "", label_w);
  for (const Row& r : rows) out += fmt::format("{:>{}}", r.chip, col_w);
  out += "\n" + std::string(label_w + col_w * rows.size(), '-') + "\n";
  auto line = [&](const std::string& label, auto&& cell) {
    out += fmt::format("{:<{}}", label, label_w);
    for (const Row& r : rows) out += fmt::format("{:>{}}", cell(r), col_w);
    out += "\n";
  };
  line("time", [](const Row& r) { return format_quantity(r.seconds, "s"); });
  line(fmt::format("throughput ({})", m.throughput_unit),
       [](const Row& r) { return fmt::format("{:.4g}", r.throughput); });
  line("matrix utilisation", [](const Row& r) { return fmt::format("{:.1f}%", 100 * r.matrix_util); });
  line("HBM utilisation", [](const Row& r) { return fmt::format("{:.1f}%", 100 * r.hbm_util); });
  line("bound by", [](const Row& r) { return r.bound_by; });
  line("average power", [](const Row& r) { return format_quantity(r.avg_power, "W"); });
  line("peak power", [](const Row& r) { return format_quantity(r.peak_power, "W"); });
  line("throttled", [](const Row& r) { return format_quantity(r.throttled, "s"); });
  line("energy", [](const Row& r) { return format_quantity(r.energy, "J"); });
  line(fmt::format("perf/W ({})", m.per_watt_unit), [](const Row& r) { return fmt::format("{:.4g}", r.perf_per_watt); });
  line("speedup vs first", [&](const Row& r) { return ratio(rows[0].seconds, r.seconds); });
  line("throughput vs first", [&](const Row& r) { return ratio(r.throughput, rows[0].throughput); });
  line("perf/W vs first", [&](const Row& r) { return ratio(r.perf_per_watt, rows[0].perf_per_watt); });
  std::cout << out;
  if (!common.out.empty()) std::cout << "results: " << common.out << " (plot: scripts/plot_compare.py)\n";
  return 0;
}

}  // namespace tessera::cli
