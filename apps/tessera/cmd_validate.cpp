// tessera validate: the model against the published measurements of the calibration set
// (sim/validation.h, docs/calibration.md). Prints measured vs model and the error of
// every case; --fit re-fits the calibration factors on their cases first and prints the values
// to put in the chip configs' calibration sections.
#include <cmath>
#include <iostream>
#include <map>
#include <set>
#include <sstream>

#include <fmt/core.h>
#include <fmt/format.h>

#include "apps/tessera/cli_common.h"
#include "apps/tessera/commands.h"
#include "models/config/chip_config.h"
#include "sim/validation.h"

namespace tessera::cli {

namespace {

std::vector<std::string> split_list(const std::string& text) {
  std::vector<std::string> out;
  std::stringstream ss(text);
  std::string item;
  while (std::getline(ss, item, ','))
    if (!item.empty()) out.push_back(item);
  return out;
}

// A case is selected by its id ("G6 4096^3") or the id's first word ("G6", "M7").
bool selected(const ValidationCase& c, const std::set<std::string>& wanted) {
  if (wanted.empty()) return true;
  return wanted.count(c.id) || wanted.count(c.id.substr(0, c.id.find(' ')));
}

std::string measured_text(const ValidationCase& c) {
  if (c.measured_low != c.measured_high) return fmt::format("{:g}-{:g}", c.measured_low, c.measured_high);
  return fmt::format("{:g}", c.measured);
}

}  // namespace

int cmd_validate(int argc, char** argv) {
  std::string cases_text, format_text;
  CommonOptions common;
  po::options_description desc("tessera validate options");
  desc.add_options()("help,h", "show this help")
      ("cases", po::value<std::string>(&cases_text),
       "comma-separated case ids or groups (e.g. G1,M7,'G6 4096^3'); default: all")
      ("quick", "leave out the cases that take long to simulate (16384^3 GEMMs)")
      ("fit", "fit the calibration factors on their cases first (in memory) and print the values");
  add_common_options(desc, common, format_text);
  po::variables_map vm;
  if (!parse_command_line(argc, argv, desc, vm,
                          "usage: tessera validate [--cases LIST] [--quick] [--fit]\n\n"
                          "Runs the calibration set (published GEMM, HBM-bandwidth and power measurements, "
                          "docs/calibration.md)\non the shipped chip configs and prints the model's error on every "
                          "case."))
    return 0;
  common.format = parse_format(format_text);
  if (!common.out.empty()) throw Error("--out: validate writes no results file; use --format json");
  const std::vector<std::string> wanted_list = split_list(cases_text);
  const std::set<std::string> wanted(wanted_list.begin(), wanted_list.end());
  const bool quick = vm.count("quick") > 0;

  std::vector<const ValidationCase*> cases;
  for (const ValidationCase& c : validation_cases())
    if (selected(c, wanted) && !(quick && c.large)) cases.push_back(&c);
  if (cases.empty()) throw Error(fmt::format("--cases: no case matches '{}'", cases_text));

  std::map<std::string, ChipConfig> chips;
  for (const ValidationCase* c : cases)
    if (!chips.count(c->chip)) chips.emplace(c->chip, load_chip_config(c->chip, common.overrides));

  nlohmann::json doc = {{"fits", nlohmann::json::array()}, {"cases", nlohmann::json::array()}};
  const bool table = common.format == OutputFormat::table;
  if (vm.count("fit")) {
    // Energy first (a stream, independent of the others), then the DRAM, then the matrix engines,
    // which run under the power limit the fitted energy scale implies.
    for (const char* factor : {"dynamic_energy_scale", "hbm_efficiency", "matrix_efficiency"}) {
      for (auto& [name, chip] : chips) {
        std::vector<const ValidationCase*> mine;
        for (const ValidationCase* c : cases)
          if (c->chip == name && c->factor == factor) mine.push_back(c);
        if (mine.empty()) continue;
        const FitResult f = fit_factor(chip, factor, mine);
        set_factor(chip, factor, f.value);
        std::vector<std::string> ids;
        for (const ValidationCase* c : mine) ids.push_back(c->id);
        doc["fits"].push_back({{"chip", name}, {"factor", factor}, {"before", f.before}, {"value", f.value},
                               {"iterations", f.iterations}, {"cases", ids}});
        if (table)
          std::cout << fmt::format("fit {:<6} calibration.{:<21} {:.4g} -> {:.4g}  ({} iterations; cases: {})\n", name,
                                   factor, f.before, f.value, f.iterations, fmt::join(ids, ", "));
      }
    }
    if (table) std::cout << "(put these values into the chip configs' calibration sections)\n\n";
  }

  if (table) {
    std::cout << fmt::format("{:<20} {:<6} {:<10} {:>13} {:>10} {:>8}  {}\n", "case", "chip", "unit", "measured",
                             "model", "error", "role / source");
    std::cout << std::string(100, '-') << "\n";
  }
  std::map<std::string, std::vector<double>> errors_by_group;  // "chip factor" -> |errors|
  for (const ValidationCase* c : cases) {
    const CaseResult r = run_case(*c, chips.at(c->chip));
    const std::string role = c->fitted() ? "fit: " + c->factor : "check";
    errors_by_group[c->chip + " " + (c->fitted() ? c->factor : "check: " + c->unit)].push_back(std::abs(r.error()));
    doc["cases"].push_back({{"id", c->id},
                            {"chip", c->chip},
                            {"source", c->source},
                            {"unit", c->unit},
                            {"measured", c->measured},
                            {"measured_low", c->measured_low},
                            {"measured_high", c->measured_high},
                            {"model", r.model},
                            {"error", r.error()},
                            {"role", role}});
    if (table)
      std::cout << fmt::format("{:<20} {:<6} {:<10} {:>13} {:>10.4g} {:>+7.1f}%  {} ({})\n", c->id, c->chip, c->unit,
                               measured_text(*c), r.model, 100 * r.error(), role, c->source)
                << std::flush;
  }
  if (table) {
    std::cout << "\nmean |error| by chip and factor\n";
    for (const auto& [group, errs] : errors_by_group) {
      double sum = 0;
      for (double e : errs) sum += e;
      std::cout << fmt::format("  {:<34} {:>5.1f}%  over {} case{}\n", group, 100 * sum / double(errs.size()),
                               errs.size(), errs.size() == 1 ? "" : "s");
    }
    std::cout << "\nfactors in use:\n";
    for (const auto& [name, chip] : chips)
      std::cout << fmt::format("  {:<6} matrix_efficiency {:.4g}, hbm_efficiency {:.4g}, dynamic_energy_scale {:.4g}\n",
                               name, chip.calibration.matrix_efficiency, chip.calibration.hbm_efficiency,
                               chip.calibration.dynamic_energy_scale);
  } else {
    print_json(doc);
  }
  return 0;
}

}  // namespace tessera::cli
