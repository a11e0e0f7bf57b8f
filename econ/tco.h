// The compute-centre account: year-by-year cash flows of a deployment and what follows from
// them (NPV, IRR, payback, break-even price and utilisation, cost per million tokens), plus
// one-way sweeps and a +-20% tornado. Equations and conventions: docs/tco.md.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "econ/deployment.h"

namespace tessera::econ {

inline constexpr double kHoursPerYear = 8760.0;

/// One year of the account; year 0 holds the CapEx. Money in the deployment currency.
struct YearRow {
  int year = 0;
  double occupancy = 0;     // fraction of cards in service
  double utilisation = 0;   // fraction of all card-hours billed (and busy)
  double card_hours = 0;    // billed card-hours
  double tokens = 0;        // tokens produced in billed hours
  double energy_kwh = 0;    // facility energy (IT energy x PUE)
  double rental_revenue = 0;
  double voucher_revenue = 0;
  double revenue = 0;       // rental + voucher
  double electricity = 0;
  double hardware_maintenance = 0;
  double facility_maintenance = 0;
  double staff = 0;
  double insurance = 0;
  double colocation = 0;
  double other = 0;
  double opex = 0;
  double ebitda = 0;        // revenue - opex
  double depreciation = 0;
  double taxable_income = 0;  // ebitda - depreciation (+ gain on the residual sale)
  double tax = 0;
  double capex = 0;         // net of capital subsidies; year 0 only
  double residual = 0;      // equipment sale in the last year
  double cash_flow = 0;
  double cumulative = 0;
  double discounted = 0;
  double cumulative_discounted = 0;
};

struct CapexBreakdown {
  double servers = 0, network_storage = 0, facility = 0, software = 0, cloud_platform = 0,
         preinstalled_models = 0, gross = 0, capital_subsidy = 0, net = 0;
  double hardware() const { return servers + network_storage; }
};

struct TcoResult {
  Currency currency = Currency::USD;
  CapexBreakdown capex;
  std::vector<YearRow> years;  // 0..horizon
  double npv = 0;
  std::optional<double> irr;
  std::optional<double> payback_years;             // undiscounted, interpolated
  std::optional<double> discounted_payback_years;
  std::optional<double> break_even_price;          // year-1 price per card-hour, all segments
  std::optional<double> break_even_utilisation;    // same utilisation for all segments
  std::optional<double> cost_per_million_tokens;   // levelised, pre-tax
  std::optional<double> energy_cost_per_million_tokens;  // levelised electricity only
  std::optional<double> price_per_million_tokens;  // year-1 blended rental price, customer view
  double average_utilisation = 0;                  // mean over the horizon
  std::string irr_note, payback_note, break_even_price_note, break_even_utilisation_note;
};

/// Cash-flow table only (cheap; used by searches).
std::vector<YearRow> project_cash_flows(const Deployment& d, CapexBreakdown* capex = nullptr);
/// Full account with every metric.
TcoResult analyse(const Deployment& d);

// Finance helpers on a cash-flow vector cf[0..N] (end-of-year flows, cf[0] at t = 0).
double npv(const std::vector<double>& cf, double rate);
/// Rate where NPV = 0, by bisection on the first sign change of NPV over (-0.99, 10]; empty
/// when there is none.
std::optional<double> irr(const std::vector<double>& cf);
/// First time the cumulative flow reaches 0, interpolated linearly inside the year.
std::optional<double> payback(const std::vector<double>& cf);

struct SweepSpec {
  std::string key;  // a deployment key path, or the alias "utilisation" / "price"
  double lo = 0, hi = 0, step = 0;
};
/// Parses "key=lo:hi:step"; throws Error.
SweepSpec parse_sweep(const std::string& text);

struct SweepPoint {
  double value = 0;
  double npv = 0;
  std::optional<double> irr, payback_years, cost_per_million_tokens;
};
struct SweepResult {
  SweepSpec spec;
  double base_value = 0;
  std::vector<SweepPoint> points;
};
SweepResult run_sweep(const Deployment& d, const SweepSpec& spec);

struct TornadoEntry {
  std::string key;
  double base_value = 0, low_value = 0, high_value = 0;  // inputs at -20% / +20% (clamped)
  double npv_low = 0, npv_high = 0;
  double swing() const;  // |npv_high - npv_low|
};
struct TornadoResult {
  double base_npv = 0;
  double fraction = 0.2;
  std::vector<TornadoEntry> entries;  // largest swing first
  std::vector<std::string> no_effect;  // inputs whose change leaves NPV unchanged
  std::vector<std::string> skipped;    // "key: reason" (zero base value, invalid perturbation)
};
TornadoResult run_tornado(const Deployment& d, double fraction = 0.2);

}  // namespace tessera::econ
