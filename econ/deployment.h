// A compute-centre deployment: hardware, per-card performance and the economics, as read
// from a deployment YAML (configs/deployments/). Every key is checked against one table
// (deployment_fields()): unknown keys, wrong types and out-of-range values are rejected with
// the file, the key path and the allowed range. All money is converted to the deployment's
// `currency` at load time, which needs exchange_rate.CNY_per_USD whenever an amount is
// written in the other currency.
#pragma once

#include <filesystem>
#include <functional>
#include <limits>
#include <set>
#include <string>
#include <variant>
#include <vector>

#include "econ/money.h"
#include "econ/result_summary.h"

namespace tessera::econ {

enum class VoucherMode { none, price_support, demand_uplift };

struct Deployment {
  std::string name;
  std::string description;
  Currency currency = Currency::USD;
  std::string currency_text = "USD";
  double cny_per_usd = 0;  // 0 = not given

  struct Hardware {
    std::string chip;
    std::string cluster;
    int servers = 0;
    int cards_per_server = 0;
    double server_overhead_busy_w = 0;  // CPUs, NICs, fans per server while cards are busy
    double server_overhead_idle_w = 0;
  } hardware;

  /// `performance.simulate`: one simulation of a workload on a chip, run by the caller (the
  /// tessera CLI) before the account is computed; econ itself never simulates. The workload is
  /// `model` + `scenario`, or `workload` (an operator list or trace file, or a name under
  /// configs/workloads). The simulation is of one card.
  struct Simulation {
    std::string chip;      // name under configs/chips, or a chip YAML path
    std::string model;     // with scenario
    std::string scenario;
    std::string workload;
    std::filesystem::path base_dir;  // the deployment file's folder
    bool given() const { return !chip.empty() || !model.empty() || !scenario.empty() || !workload.empty(); }
    /// A path relative to the deployment file when that file exists, else `value` as written
    /// (a shipped config name, or a path relative to the working directory).
    std::string locate(const std::string& value) const;
    /// "llama-2-7b decode-2k" or the workload as written.
    std::string workload_label() const { return workload.empty() ? model + " " + scenario : workload; }
  };

  struct Performance {
    std::string model;
    std::string scenario;
    std::string source;
    std::string result;        // path of a `tessera run` result (JSON or HDF5), as written
    std::string result_resolved;  // ... resolved against the deployment file's folder
    int cards_in_result = 1;
    double tokens_per_second_per_card = 0;
    double busy_power_w = 0;
    double idle_power_w = 0;
    Simulation simulate;
    // True from parsing a `simulate` block until apply_simulated_performance fills the figures;
    // the account refuses to run meanwhile.
    bool awaiting_simulation = false;
    // "simulated: h100, llama-2-7b decode-2k, 1234 tok/s, 456 W" once the simulation ran.
    std::string simulation_note;
    // Where each figure came from: "deployment", "result" or "simulation".
    std::string tokens_origin, busy_power_origin, idle_power_origin;
    /// True when the figures come from a result file or a simulation, not the deployment.
    bool derived() const { return !result.empty() || simulate.given(); }
  } performance;

  struct Capex {
    Money server_price;  // per server, cards included
    Money network_storage_per_server;
    Money facility_build_per_kw;  // per kW of peak IT power
    Money software;
    Money cloud_platform;
    Money preinstalled_models;
    Money capital_subsidy;
  } capex;

  struct Opex {
    double pue = 0;
    Money electricity_price_per_kwh;
    Money electricity_subsidy_per_kwh;
    int electricity_subsidy_years = 0;  // 0 = whole horizon
    double hardware_maintenance_rate = 0;  // of servers + network/storage, from year 2
    Money facility_maintenance_per_year;
    Money staff_per_year;
    double insurance_rate = 0;  // of gross CapEx per year
    Money colocation_per_kw_year;
    Money other_per_year;
  } opex;

  struct Segment {
    double share = 0;  // long_term only; short_term gets 1 - long_term.share
    Money price_per_card_hour;
    double utilisation = 0;
  };
  struct Voucher {
    VoucherMode mode = VoucherMode::none;
    std::string mode_text = "none";
    double rate = 0;
    double eligible_share = 1;
    Money cap_per_year;  // applies when the key is given (Deployment::has_voucher_cap)
    int years = 0;  // 0 = whole horizon
  };
  struct Revenue {
    std::vector<double> occupancy;  // per year, last value repeats
    Segment long_term;
    Segment short_term;
    double price_decline_per_year = 0;
    Voucher voucher;
  } revenue;

  struct Finance {
    int horizon_years = 5;
    double discount_rate = 0;
    double tax_rate = 0;
    int depreciation_years = 0;  // 0 = horizon
    Money residual_value;
    bool loss_carry_forward = true;
  } finance;

  std::string file;         // where it was read from ("" when built in code)
  std::set<std::string> given;  // key paths present in the file or --set

  bool has_voucher_cap() const { return given.count("revenue.voucher.cap_per_year") > 0; }
  int cards() const { return hardware.servers * hardware.cards_per_server; }
  double short_term_share() const { return 1.0 - revenue.long_term.share; }
  /// Occupancy in year y (1-based): the list's y-th entry, the last one repeating.
  double occupancy(int year) const;
  int depreciation_years() const {
    return finance.depreciation_years > 0 ? finance.depreciation_years : finance.horizon_years;
  }
  /// Peak IT power of the whole deployment in kW (all cards busy plus server overhead).
  double peak_it_kw() const;
};

enum class FieldKind { real, integer, money, text, boolean, real_list, choice };

using FieldRef = std::variant<double*, int*, Money*, std::string*, bool*, std::vector<double>*>;

/// One key of the deployment schema.
struct FieldSpec {
  std::string path;  // e.g. "revenue.long_term.utilisation"
  FieldKind kind;
  double lo = 0;
  double hi = std::numeric_limits<double>::infinity();
  bool lo_open = false;
  bool hi_open = false;
  bool required = false;
  bool tornado = false;  // varied by the +-20% tornado
  std::vector<std::string> choices;  // FieldKind::choice
  std::string help;
  std::function<FieldRef(Deployment&)> ref;

  /// "[0, 1]", "(0, inf)", "one of none, price_support" ...
  std::string range_text() const;
  bool in_range(double v) const;
};

/// The whole schema, in documentation order.
const std::vector<FieldSpec>& deployment_fields();
/// The spec for `path`, or nullptr.
const FieldSpec* find_field(std::string_view path);

/// Reads and validates a deployment; `overrides` are "key.path=value" (--set) applied to the
/// YAML before validation. Loads the performance result file when one is named; with a
/// `performance.simulate` block the figures stay to be filled (apply_simulated_performance).
Deployment load_deployment(const std::filesystem::path& file,
                           const std::vector<std::string>& overrides = {});
/// Same from YAML text (`origin` names it in errors; relative result paths resolve against
/// `base_dir`).
Deployment parse_deployment(const std::string& yaml_text, const std::string& origin,
                            const std::filesystem::path& base_dir = {},
                            const std::vector<std::string>& overrides = {});

/// Fills the performance figures of a deployment with a `performance.simulate` block from the
/// simulation's summary (`format` is ignored; figures the file gives explicitly are kept), sets
/// the simulation note and runs validate_deployment. Throws Error, naming the file and the
/// summary key, when tokens_per_second or a needed power figure is absent.
void apply_simulated_performance(Deployment& d, const ResultSummary& summary);

/// Cross-key checks (segment shares, idle <= busy, subsidy <= tariff, ...). load/parse call
/// it; sweeps and the tornado call it after changing a value. Throws Error.
void validate_deployment(const Deployment& d);

/// Sets a numeric key (real, integer, money amount in the deployment currency, or a flat
/// occupancy) after checking its range; the aliases "utilisation" and "price" set both rental
/// segments. Does not run validate_deployment.
void set_numeric(Deployment& d, const std::string& key, double value);
/// The current value of a numeric key (for a list: its mean).
double get_numeric(const Deployment& d, const std::string& key);

}  // namespace tessera::econ
