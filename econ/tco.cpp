#include "econ/tco.h"

#include <algorithm>
#include <cmath>
#include <sstream>

#include <fmt/core.h>

#include "base/types.h"

namespace tessera::econ {

// ---------------------------------------------------------------------------------------
// Cash flows

std::vector<YearRow> project_cash_flows(const Deployment& d, CapexBreakdown* capex_out) {
  if (d.performance.awaiting_simulation)
    throw Error(fmt::format("{}: performance.simulate has not been run yet (the tessera CLI runs "
                            "it; see apply_simulated_performance)",
                            d.file.empty() ? std::string("deployment") : d.file));
  const Currency c = d.currency;
  const int n_years = d.finance.horizon_years;
  const double cards = d.cards();
  const double servers = d.hardware.servers;
  const auto& cx = d.capex;
  const auto& ox = d.opex;
  const auto& rv = d.revenue;
  const auto& pf = d.performance;

  CapexBreakdown cap;
  cap.servers = servers * cx.server_price.in(c);
  cap.network_storage = servers * cx.network_storage_per_server.in(c);
  cap.facility = cx.facility_build_per_kw.in(c) * d.peak_it_kw();
  cap.software = cx.software.in(c);
  cap.cloud_platform = cx.cloud_platform.in(c);
  cap.preinstalled_models = cx.preinstalled_models.in(c);
  cap.gross = cap.servers + cap.network_storage + cap.facility + cap.software + cap.cloud_platform +
              cap.preinstalled_models;
  cap.capital_subsidy = cx.capital_subsidy.in(c);
  cap.net = cap.gross - cap.capital_subsidy;
  if (capex_out) *capex_out = cap;

  const int dep_years = d.depreciation_years();
  const double dep_per_year = cap.net / dep_years;
  const double book_value_end = cap.net - dep_per_year * std::min(n_years, dep_years);
  const double r = d.finance.discount_rate;

  std::vector<YearRow> rows(static_cast<std::size_t>(n_years) + 1);
  rows[0].year = 0;
  rows[0].capex = cap.net;
  rows[0].cash_flow = -cap.net;

  const double share_l = rv.long_term.share, share_s = d.short_term_share();
  const double price_l = rv.long_term.price_per_card_hour.in(c);
  const double price_s = rv.short_term.price_per_card_hour.in(c);
  double loss_carried = 0;

  for (int y = 1; y <= n_years; ++y) {
    YearRow& row = rows[static_cast<std::size_t>(y)];
    row.year = y;
    const auto& v = rv.voucher;
    const bool voucher_on = v.mode != VoucherMode::none && (v.years == 0 || y <= v.years);
    const double util_l = rv.long_term.utilisation;
    double util_s = rv.short_term.utilisation;
    if (voucher_on && v.mode == VoucherMode::demand_uplift) util_s = std::min(1.0, util_s * (1.0 + v.rate));

    row.occupancy = d.occupancy(y);
    row.utilisation = row.occupancy * (share_l * util_l + share_s * util_s);
    const double decline = std::pow(1.0 - rv.price_decline_per_year, y - 1);
    row.rental_revenue = cards * kHoursPerYear * row.occupancy *
                         (share_l * util_l * price_l + share_s * util_s * price_s) * decline;
    if (voucher_on && v.mode == VoucherMode::price_support) {
      row.voucher_revenue = v.rate * v.eligible_share * row.rental_revenue;
      if (d.has_voucher_cap()) row.voucher_revenue = std::min(row.voucher_revenue, v.cap_per_year.in(c));
    }
    row.revenue = row.rental_revenue + row.voucher_revenue;
    row.card_hours = cards * kHoursPerYear * row.utilisation;
    row.tokens = row.card_hours * 3600.0 * pf.tokens_per_second_per_card;

    // Billed hours are busy hours; every other card-hour (unrented or not in service) idles.
    const double u = row.utilisation;
    const double it_kwh =
        kHoursPerYear *
        (cards * (u * pf.busy_power_w + (1 - u) * pf.idle_power_w) +
         servers * (u * d.hardware.server_overhead_busy_w + (1 - u) * d.hardware.server_overhead_idle_w)) /
        1000.0;
    row.energy_kwh = it_kwh * ox.pue;
    const bool subsidy_on = ox.electricity_subsidy_years == 0 || y <= ox.electricity_subsidy_years;
    const double tariff =
        ox.electricity_price_per_kwh.in(c) - (subsidy_on ? ox.electricity_subsidy_per_kwh.in(c) : 0.0);
    row.electricity = row.energy_kwh * tariff;
    row.hardware_maintenance = y >= 2 ? ox.hardware_maintenance_rate * cap.hardware() : 0.0;
    row.facility_maintenance = ox.facility_maintenance_per_year.in(c);
    row.staff = ox.staff_per_year.in(c);
    row.insurance = ox.insurance_rate * cap.gross;
    row.colocation = ox.colocation_per_kw_year.in(c) * d.peak_it_kw();
    row.other = ox.other_per_year.in(c);
    row.opex = row.electricity + row.hardware_maintenance + row.facility_maintenance + row.staff +
               row.insurance + row.colocation + row.other;
    row.ebitda = row.revenue - row.opex;

    row.depreciation = y <= dep_years ? dep_per_year : 0.0;
    row.residual = y == n_years ? d.finance.residual_value.in(c) : 0.0;
    // The sale at the end is taxed as a gain over the remaining book value (a loss if below).
    const double gain = y == n_years ? row.residual - book_value_end : 0.0;
    row.taxable_income = row.ebitda - row.depreciation + gain;
    if (d.finance.loss_carry_forward) {
      if (row.taxable_income < 0) {
        loss_carried += -row.taxable_income;
      } else {
        const double used = std::min(loss_carried, row.taxable_income);
        loss_carried -= used;
        row.tax = d.finance.tax_rate * (row.taxable_income - used);
      }
    } else {
      row.tax = d.finance.tax_rate * std::max(0.0, row.taxable_income);
    }
    row.cash_flow = row.ebitda - row.tax + row.residual;
  }

  double cum = 0, cum_disc = 0;
  for (auto& row : rows) {
    cum += row.cash_flow;
    row.cumulative = cum;
    row.discounted = row.cash_flow / std::pow(1.0 + r, row.year);
    cum_disc += row.discounted;
    row.cumulative_discounted = cum_disc;
  }
  return rows;
}

// ---------------------------------------------------------------------------------------
// Finance helpers

double npv(const std::vector<double>& cf, double rate) {
  double v = 0;
  for (std::size_t t = 0; t < cf.size(); ++t) v += cf[t] / std::pow(1.0 + rate, static_cast<double>(t));
  return v;
}

std::optional<double> irr(const std::vector<double>& cf) {
  // Scan (-0.99, 10] on a grid dense near 0, then bisect the first bracket.
  constexpr int kGrid = 4000;
  auto rate_at = [](int k) {
    const double x = static_cast<double>(k) / kGrid;  // 0..1
    return -0.99 + 10.99 * x * x;
  };
  double a = rate_at(0), fa = npv(cf, a);
  if (fa == 0) return a;
  for (int k = 1; k <= kGrid; ++k) {
    double b = rate_at(k);
    const double fb = npv(cf, b);
    if (fb == 0) return b;
    if ((fa < 0) != (fb < 0)) {
      for (int i = 0; i < 200 && b - a > 1e-15; ++i) {
        const double m = 0.5 * (a + b), fm = npv(cf, m);
        if ((fm < 0) == (fa < 0)) {
          a = m;
          fa = fm;
        } else {
          b = m;
        }
      }
      return 0.5 * (a + b);
    }
    a = b;
    fa = fb;
  }
  return std::nullopt;
}

std::optional<double> payback(const std::vector<double>& cf) {
  double cum = cf.empty() ? 0.0 : cf[0];
  if (cum >= 0) return 0.0;
  for (std::size_t t = 1; t < cf.size(); ++t) {
    const double prev = cum;
    cum += cf[t];
    if (cum >= 0) return static_cast<double>(t - 1) + (-prev) / cf[t];
  }
  return std::nullopt;
}

// ---------------------------------------------------------------------------------------
// Metrics

namespace {

std::vector<double> flows(const std::vector<YearRow>& rows) {
  std::vector<double> cf;
  cf.reserve(rows.size());
  for (const auto& r : rows) cf.push_back(r.cash_flow);
  return cf;
}

std::vector<double> discounted_flows(const std::vector<YearRow>& rows) {
  std::vector<double> cf;
  for (const auto& r : rows) cf.push_back(r.discounted);
  return cf;
}

double npv_of(const Deployment& d) {
  const auto rows = project_cash_flows(d);
  return rows.back().cumulative_discounted;
}

/// Everything except the break-even searches.
TcoResult analyse_basic(const Deployment& d) {
  TcoResult res;
  res.currency = d.currency;
  res.years = project_cash_flows(d, &res.capex);
  const auto cf = flows(res.years);
  res.npv = res.years.back().cumulative_discounted;

  const bool any_pos = std::any_of(cf.begin(), cf.end(), [](double v) { return v > 0; });
  const bool any_neg = std::any_of(cf.begin(), cf.end(), [](double v) { return v < 0; });
  if (any_pos && any_neg) {
    res.irr = irr(cf);
    if (!res.irr) res.irr_note = "no rate in (-99%, 1000%] makes the NPV zero";
  } else {
    res.irr_note = "the cash flows never change sign";
  }
  res.payback_years = payback(cf);
  res.discounted_payback_years = payback(discounted_flows(res.years));
  if (!res.payback_years) res.payback_note = "not within the horizon";

  const double r = d.finance.discount_rate;
  double pv_cost = res.capex.net, pv_energy = 0, pv_tokens = 0, util_sum = 0;
  for (const auto& row : res.years) {
    if (row.year == 0) continue;
    const double df = std::pow(1.0 + r, row.year);
    pv_cost += (row.opex - row.residual) / df;
    pv_energy += row.electricity / df;
    pv_tokens += row.tokens / df;
    util_sum += row.utilisation;
  }
  res.average_utilisation = util_sum / d.finance.horizon_years;
  if (pv_tokens > 0) {
    res.cost_per_million_tokens = pv_cost / pv_tokens * 1e6;
    res.energy_cost_per_million_tokens = pv_energy / pv_tokens * 1e6;
  }
  if (res.years.size() > 1 && res.years[1].card_hours > 0) {
    const double price_per_hour = res.years[1].rental_revenue / res.years[1].card_hours;
    res.price_per_million_tokens =
        price_per_hour / (d.performance.tokens_per_second_per_card * 3600.0) * 1e6;
  }
  return res;
}

/// Bisection for an increasing function f on [lo, hi] with f(lo) < 0 <= f(hi).
template <typename F>
double bisect(F f, double lo, double hi) {
  for (int i = 0; i < 300 && hi - lo > 1e-13 * std::max(1.0, std::fabs(hi)); ++i) {
    const double m = 0.5 * (lo + hi);
    if (f(m) < 0) lo = m;
    else hi = m;
  }
  return 0.5 * (lo + hi);
}

}  // namespace

TcoResult analyse(const Deployment& d) {
  TcoResult res = analyse_basic(d);

  {  // break-even price: one year-1 price for every card-hour, declining as configured
    Deployment x = d;
    auto f = [&](double p) {
      x.revenue.long_term.price_per_card_hour = x.revenue.short_term.price_per_card_hour =
          Money(p, d.currency);
      return npv_of(x);
    };
    if (f(0) >= 0) {
      res.break_even_price = 0.0;
      res.break_even_price_note = "NPV is not negative even at price 0";
    } else {
      double hi = 1.0;
      while (f(hi) < 0 && hi < 1e12) hi *= 2;
      if (f(hi) < 0) res.break_even_price_note = "no price recovers the costs (no card-hours are billed)";
      else res.break_even_price = bisect(f, 0.0, hi);
    }
  }
  {  // break-even utilisation: one utilisation for both segments, occupancy ramp unchanged
    Deployment x = d;
    auto f = [&](double u) {
      x.revenue.long_term.utilisation = x.revenue.short_term.utilisation = u;
      return npv_of(x);
    };
    const double at_one = f(1.0);
    if (f(0) >= 0) {
      res.break_even_utilisation = 0.0;
      res.break_even_utilisation_note = "NPV is not negative even at utilisation 0";
    } else if (at_one < 0) {
      res.break_even_utilisation_note =
          fmt::format("not reached: NPV is still {} {} at utilisation 1", group_thousands(at_one),
                      to_string(d.currency));
    } else {
      res.break_even_utilisation = bisect(f, 0.0, 1.0);
    }
  }
  return res;
}

// ---------------------------------------------------------------------------------------
// Sweeps and tornado

SweepSpec parse_sweep(const std::string& text) {
  const auto bad = [&](const std::string& why) {
    return Error(fmt::format("--sweep '{}': {} (expected key=lo:hi:step, e.g. utilisation=0.5:0.9:0.1)",
                             text, why));
  };
  const auto eq = text.find('=');
  if (eq == std::string::npos || eq == 0) throw bad("no key");
  SweepSpec s;
  s.key = text.substr(0, eq);
  std::vector<double> v;
  std::stringstream ss(text.substr(eq + 1));
  for (std::string part; std::getline(ss, part, ':');) {
    try {
      std::size_t used = 0;
      v.push_back(std::stod(part, &used));
      if (used != part.size() || !std::isfinite(v.back())) throw std::invalid_argument(part);
    } catch (const std::exception&) {
      throw bad(fmt::format("'{}' is not a number", part));
    }
  }
  if (v.size() != 3) throw bad("give three numbers lo:hi:step");
  s.lo = v[0];
  s.hi = v[1];
  s.step = v[2];
  if (!(s.step > 0)) throw bad("step must be above 0");
  if (s.hi < s.lo) throw bad("hi is below lo");
  if ((s.hi - s.lo) / s.step > 10000) throw bad("more than 10001 points");
  if (s.key != "utilisation" && s.key != "price") {
    const FieldSpec* f = find_field(s.key);
    if (!f) throw bad("unknown key (aliases: utilisation, price; see 'tessera tco --keys')");
    if (f->kind == FieldKind::text || f->kind == FieldKind::choice || f->kind == FieldKind::boolean)
      throw bad("not a numeric key");
  }
  return s;
}

SweepResult run_sweep(const Deployment& d, const SweepSpec& spec) {
  SweepResult out;
  out.spec = spec;
  out.base_value = get_numeric(d, spec.key);
  const long n = static_cast<long>(std::floor((spec.hi - spec.lo) / spec.step + 1e-9)) + 1;
  for (long i = 0; i < n; ++i) {
    double value = spec.lo + static_cast<double>(i) * spec.step;
    value = std::stod(fmt::format("{:.12g}", value));  // 0.7000000000000001 -> 0.7
    Deployment x = d;
    try {
      set_numeric(x, spec.key, value);
      validate_deployment(x);
    } catch (const Error& e) {
      throw Error(fmt::format("--sweep {}: at {}: {}", spec.key, value, e.what()));
    }
    const TcoResult r = analyse_basic(x);
    out.points.push_back({value, r.npv, r.irr, r.payback_years, r.cost_per_million_tokens});
  }
  return out;
}

double TornadoEntry::swing() const { return std::fabs(npv_high - npv_low); }

TornadoResult run_tornado(const Deployment& d, double fraction) {
  TornadoResult out;
  out.fraction = fraction;
  out.base_npv = npv_of(d);
  const double tol = 1e-9 * std::max(1.0, std::fabs(out.base_npv));

  auto clamp_to = [](const FieldSpec& f, double v) {
    const double lo = f.lo_open ? std::nextafter(f.lo, f.hi) : f.lo;
    const double hi = std::isinf(f.hi) ? f.hi : (f.hi_open ? std::nextafter(f.hi, f.lo) : f.hi);
    return std::clamp(v, lo, hi);
  };

  for (const auto& f : deployment_fields()) {
    if (!f.tornado) continue;
    // Vary what the deployment states: its keys, and performance figures read from a result
    // or a simulation.
    const bool from_result = f.path.rfind("performance.", 0) == 0 && d.performance.derived();
    if (!d.given.count(f.path) && !from_result) continue;
    const double base = get_numeric(d, f.path);
    if (base == 0) {
      out.skipped.push_back(f.path + ": zero in this deployment");
      continue;
    }
    TornadoEntry e;
    e.key = f.path;
    e.base_value = base;
    bool ok = true;
    for (int side = 0; side < 2 && ok; ++side) {
      const double k = side == 0 ? 1.0 - fraction : 1.0 + fraction;
      Deployment x = d;
      double used = 0;
      if (f.kind == FieldKind::real_list) {
        auto& list = *std::get<std::vector<double>*>(f.ref(x));
        double sum = 0;
        for (double& v : list) sum += (v = clamp_to(f, v * k));
        used = sum / static_cast<double>(list.size());
      } else {
        used = clamp_to(f, base * k);
        set_numeric(x, f.path, used);
      }
      try {
        validate_deployment(x);
      } catch (const Error& err) {
        out.skipped.push_back(fmt::format("{}: {:+.0f}% is not a valid deployment ({})", f.path,
                                          (k - 1) * 100, err.what()));
        ok = false;
        break;
      }
      (side == 0 ? e.low_value : e.high_value) = used;
      (side == 0 ? e.npv_low : e.npv_high) = npv_of(x);
    }
    if (!ok) continue;
    if (std::fabs(e.npv_low - out.base_npv) <= tol && std::fabs(e.npv_high - out.base_npv) <= tol)
      out.no_effect.push_back(f.path);
    else
      out.entries.push_back(e);
  }
  std::stable_sort(out.entries.begin(), out.entries.end(),
                   [](const TornadoEntry& a, const TornadoEntry& b) { return a.swing() > b.swing(); });
  return out;
}

}  // namespace tessera::econ
