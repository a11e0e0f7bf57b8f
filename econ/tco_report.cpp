#include "econ/tco_report.h"

#include <cmath>
#include <cstdio>
#include <limits>

#include <fmt/core.h>

#include "base/io/atomic_file.h"
#include "base/io/h5_file.h"
#include "base/types.h"
#include "base/version.h"

namespace tessera::econ {

namespace {

struct Column {
  const char* key;
  const char* label;
  double YearRow::*member;
  bool money;
};

// Every column of the cash-flow table, in table order.
const Column kColumns[] = {
    {"occupancy", "occupancy", &YearRow::occupancy, false},
    {"utilisation", "billed utilisation", &YearRow::utilisation, false},
    {"card_hours", "billed card-hours", &YearRow::card_hours, false},
    {"tokens", "tokens", &YearRow::tokens, false},
    {"energy_kwh", "facility energy (kWh)", &YearRow::energy_kwh, false},
    {"rental_revenue", "rental revenue", &YearRow::rental_revenue, true},
    {"voucher_revenue", "voucher revenue", &YearRow::voucher_revenue, true},
    {"revenue", "revenue", &YearRow::revenue, true},
    {"electricity", "electricity", &YearRow::electricity, true},
    {"hardware_maintenance", "hardware maintenance", &YearRow::hardware_maintenance, true},
    {"facility_maintenance", "facility maintenance", &YearRow::facility_maintenance, true},
    {"staff", "staff", &YearRow::staff, true},
    {"insurance", "insurance", &YearRow::insurance, true},
    {"colocation", "colocation", &YearRow::colocation, true},
    {"other", "other running costs", &YearRow::other, true},
    {"opex", "OpEx total", &YearRow::opex, true},
    {"ebitda", "EBITDA", &YearRow::ebitda, true},
    {"depreciation", "depreciation", &YearRow::depreciation, true},
    {"taxable_income", "taxable income", &YearRow::taxable_income, true},
    {"tax", "tax", &YearRow::tax, true},
    {"capex", "CapEx (net)", &YearRow::capex, true},
    {"residual", "residual sale", &YearRow::residual, true},
    {"cash_flow", "cash flow", &YearRow::cash_flow, true},
    {"cumulative", "cumulative", &YearRow::cumulative, true},
    {"discounted", "discounted cash flow", &YearRow::discounted, true},
    {"cumulative_discounted", "cumulative discounted", &YearRow::cumulative_discounted, true},
};

nlohmann::json opt(const std::optional<double>& v) { return v ? nlohmann::json(*v) : nlohmann::json(); }

std::string currency_name(const Deployment& d) { return std::string(to_string(d.currency)); }

/// (key, value, is_money, note) of the headline figures, shared by JSON and HDF5.
struct Headline {
  const char* key;
  std::optional<double> value;
  std::string note;
};

std::vector<Headline> headlines(const TcoRun& run) {
  const TcoResult& r = run.result;
  return {
      {"npv", r.npv, ""},
      {"irr", r.irr, r.irr_note},
      {"payback_years", r.payback_years, r.payback_note},
      {"discounted_payback_years", r.discounted_payback_years, ""},
      {"break_even_price_per_card_hour", r.break_even_price, r.break_even_price_note},
      {"break_even_utilisation", r.break_even_utilisation, r.break_even_utilisation_note},
      {"cost_per_million_tokens", r.cost_per_million_tokens, ""},
      {"energy_cost_per_million_tokens", r.energy_cost_per_million_tokens, ""},
      {"price_per_million_tokens", r.price_per_million_tokens, ""},
      {"average_utilisation", r.average_utilisation, ""},
      {"capex_gross", r.capex.gross, ""},
      {"capital_subsidy", r.capex.capital_subsidy, ""},
      {"capex_net", r.capex.net, ""},
      {"discount_rate", run.deployment.finance.discount_rate, ""},
      {"tokens_per_second_per_card", run.deployment.performance.tokens_per_second_per_card, ""},
      {"cards", static_cast<double>(run.deployment.cards()), ""},
  };
}

double total(const std::vector<YearRow>& rows, double YearRow::*m) {
  double s = 0;
  for (const auto& r : rows) s += r.*m;
  return s;
}

}  // namespace

// ---------------------------------------------------------------------------------------
// Comparison

Comparison compare(const TcoRun& a, const TcoRun& b) {
  const Deployment& da = a.deployment;
  const Deployment& db = b.deployment;
  Comparison c;
  c.currency = da.currency;
  double factor = 1.0;
  if (da.currency != db.currency) {
    // The first deployment's rate wins; the second's is used when the first has none.
    std::optional<double> rate;
    if (da.cny_per_usd > 0) rate = da.cny_per_usd;
    else if (db.cny_per_usd > 0) rate = db.cny_per_usd;
    if (!rate)
      throw Error(fmt::format("--compare: {} is in {} and {} in {}; mixing currencies needs "
                              "exchange_rate.CNY_per_USD in either deployment",
                              da.file, to_string(da.currency), db.file, to_string(db.currency)));
    c.cny_per_usd = rate;
    factor = ExchangeRate{rate}.factor(db.currency, da.currency);
  }
  const std::string cur(to_string(c.currency));
  auto money = [&](const std::optional<double>& v, double f) -> std::optional<double> {
    if (!v) return std::nullopt;
    return *v * f;
  };
  const TcoResult& ra = a.result;
  const TcoResult& rb = b.result;
  auto add = [&](std::string metric, std::string unit, std::optional<double> va,
                 std::optional<double> vb, bool is_money) {
    c.rows.push_back({std::move(metric), std::move(unit), money(va, 1.0), money(vb, is_money ? factor : 1.0)});
  };
  add("cards", "", da.cards(), db.cards(), false);
  add("tokens_per_second_per_card", "tokens/s", da.performance.tokens_per_second_per_card,
      db.performance.tokens_per_second_per_card, false);
  add("capex_net", cur, ra.capex.net, rb.capex.net, true);
  add("revenue_total", cur, total(ra.years, &YearRow::revenue), total(rb.years, &YearRow::revenue), true);
  add("opex_total", cur, total(ra.years, &YearRow::opex), total(rb.years, &YearRow::opex), true);
  add("npv", cur, ra.npv, rb.npv, true);
  add("irr", "", ra.irr, rb.irr, false);
  add("payback_years", "years", ra.payback_years, rb.payback_years, false);
  add("discounted_payback_years", "years", ra.discounted_payback_years, rb.discounted_payback_years, false);
  add("break_even_price_per_card_hour", cur, ra.break_even_price, rb.break_even_price, true);
  add("break_even_utilisation", "", ra.break_even_utilisation, rb.break_even_utilisation, false);
  add("average_utilisation", "", ra.average_utilisation, rb.average_utilisation, false);
  add("cost_per_million_tokens", cur, ra.cost_per_million_tokens, rb.cost_per_million_tokens, true);
  add("energy_cost_per_million_tokens", cur, ra.energy_cost_per_million_tokens,
      rb.energy_cost_per_million_tokens, true);
  add("price_per_million_tokens", cur, ra.price_per_million_tokens, rb.price_per_million_tokens, true);
  return c;
}

// ---------------------------------------------------------------------------------------
// JSON

nlohmann::json inputs_json(const Deployment& d_const) {
  Deployment d = d_const;  // field refs need a mutable object
  nlohmann::json doc = nlohmann::json::object();
  for (const auto& f : deployment_fields()) {
    nlohmann::json* node = &doc;
    std::string_view path = f.path;
    for (auto dot = path.find('.'); dot != std::string_view::npos; dot = path.find('.')) {
      node = &(*node)[std::string(path.substr(0, dot))];
      path.remove_prefix(dot + 1);
    }
    nlohmann::json& leaf = (*node)[std::string(path)];
    FieldRef ref = f.ref(d);
    std::visit(
        [&](auto* p) {
          using T = std::remove_pointer_t<decltype(p)>;
          if constexpr (std::is_same_v<T, Money>) leaf = p->in(d.currency);
          else leaf = *p;
        },
        ref);
  }
  doc["performance"]["origin"] = {{"tokens_per_second_per_card", d.performance.tokens_origin},
                                  {"busy_power_w", d.performance.busy_power_origin},
                                  {"idle_power_w", d.performance.idle_power_origin}};
  if (!d.performance.result_resolved.empty()) doc["performance"]["result"] = d.performance.result_resolved;
  if (!d.performance.simulation_note.empty())
    doc["performance"]["simulation"] = d.performance.simulation_note;
  return doc;
}

nlohmann::json run_json(const TcoRun& run) {
  const Deployment& d = run.deployment;
  const TcoResult& r = run.result;
  nlohmann::json j;
  j["name"] = d.name;
  j["file"] = d.file;
  j["currency"] = currency_name(d);
  j["inputs"] = inputs_json(d);
  nlohmann::json summary;
  summary["currency"] = currency_name(d);
  nlohmann::json notes = nlohmann::json::object();
  for (const auto& h : headlines(run)) {
    summary[h.key] = opt(h.value);
    if (!h.note.empty()) notes[h.key] = h.note;
  }
  summary["notes"] = notes;
  summary["capex"] = {{"servers", r.capex.servers},
                      {"network_storage", r.capex.network_storage},
                      {"facility", r.capex.facility},
                      {"software", r.capex.software},
                      {"cloud_platform", r.capex.cloud_platform},
                      {"preinstalled_models", r.capex.preinstalled_models},
                      {"gross", r.capex.gross},
                      {"capital_subsidy", r.capex.capital_subsidy},
                      {"net", r.capex.net}};
  j["summary"] = summary;
  nlohmann::json cf;
  cf["year"] = nlohmann::json::array();
  for (const auto& row : r.years) cf["year"].push_back(row.year);
  for (const auto& col : kColumns) {
    nlohmann::json arr = nlohmann::json::array();
    for (const auto& row : r.years) arr.push_back(row.*(col.member));
    cf[col.key] = arr;
  }
  j["cashflow"] = cf;
  j["sweeps"] = nlohmann::json::array();
  for (const auto& s : run.sweeps) {
    nlohmann::json js{{"key", s.spec.key}, {"lo", s.spec.lo}, {"hi", s.spec.hi}, {"step", s.spec.step},
                      {"base_value", s.base_value}};
    for (const char* k : {"value", "npv", "irr", "payback_years", "cost_per_million_tokens"})
      js[k] = nlohmann::json::array();
    for (const auto& p : s.points) {
      js["value"].push_back(p.value);
      js["npv"].push_back(p.npv);
      js["irr"].push_back(opt(p.irr));
      js["payback_years"].push_back(opt(p.payback_years));
      js["cost_per_million_tokens"].push_back(opt(p.cost_per_million_tokens));
    }
    j["sweeps"].push_back(js);
  }
  if (run.tornado) {
    const auto& t = *run.tornado;
    nlohmann::json jt{{"base_npv", t.base_npv}, {"fraction", t.fraction}, {"no_effect", t.no_effect},
                      {"skipped", t.skipped}};
    jt["entries"] = nlohmann::json::array();
    for (const auto& e : t.entries)
      jt["entries"].push_back({{"key", e.key},
                               {"base_value", e.base_value},
                               {"low_value", e.low_value},
                               {"high_value", e.high_value},
                               {"npv_low", e.npv_low},
                               {"npv_high", e.npv_high}});
    j["tornado"] = jt;
  }
  return j;
}

nlohmann::json report_json(const std::vector<TcoRun>& runs) {
  nlohmann::json doc;
  doc["tool"] = "tessera tco";
  doc["version"] = kVersion;
  doc["deployments"] = nlohmann::json::array();
  for (const auto& r : runs) doc["deployments"].push_back(run_json(r));
  if (runs.size() == 2) {
    const Comparison c = compare(runs[0], runs[1]);
    nlohmann::json jc{{"currency", std::string(to_string(c.currency))},
                      {"a", runs[0].deployment.name},
                      {"b", runs[1].deployment.name},
                      {"cny_per_usd", opt(c.cny_per_usd)}};
    jc["metrics"] = nlohmann::json::object();
    for (const auto& row : c.rows) {
      nlohmann::json diff = (row.a && row.b) ? nlohmann::json(*row.b - *row.a) : nlohmann::json();
      jc["metrics"][row.metric] = {{"a", opt(row.a)}, {"b", opt(row.b)}, {"b_minus_a", diff}, {"unit", row.unit}};
    }
    doc["comparison"] = jc;
  }
  return doc;
}

// ---------------------------------------------------------------------------------------
// Terminal

namespace {

std::string fmt_opt(const std::optional<double>& v, int decimals, const std::string& suffix = "") {
  return v ? group_thousands(*v, decimals) + suffix : "n/a";
}

std::string fmt_pct(const std::optional<double>& v) {
  return v ? fmt::format("{:.2f}%", *v * 100) : "n/a";
}

/// Decimals that show a money amount sensibly (prices per card-hour need cents).
int money_decimals(double v) {
  const double a = std::fabs(v);
  return a >= 1000 ? 0 : a >= 1 ? 2 : 4;
}

std::string with_note(std::string s, const std::string& note) {
  return note.empty() ? s : s + " (" + note + ")";
}

void print_run(std::ostream& os, const TcoRun& run) {
  const Deployment& d = run.deployment;
  const TcoResult& r = run.result;
  const std::string cur = currency_name(d);
  const auto& p = d.performance;

  os << fmt::format("Deployment {} ({})\n", d.name, d.file);
  os << fmt::format("  {} x {} cards of {} = {} cards{}; currency {}\n", d.hardware.servers,
                    d.hardware.cards_per_server, d.hardware.chip, d.cards(),
                    d.hardware.cluster.empty() ? "" : " (" + d.hardware.cluster + ")", cur);
  std::string perf_label = p.model;
  if (!p.scenario.empty()) perf_label += (perf_label.empty() ? "" : ", ") + p.scenario;
  os << fmt::format("  performance{}: {} tokens/s per card ({}), busy {} W ({}), idle {} W ({})\n",
                    perf_label.empty() ? "" : " [" + perf_label + "]",
                    group_thousands(p.tokens_per_second_per_card, 1), p.tokens_origin,
                    group_thousands(p.busy_power_w, 0), p.busy_power_origin,
                    group_thousands(p.idle_power_w, 0), p.idle_power_origin);
  if (!p.result_resolved.empty()) os << fmt::format("  simulation result: {}\n", p.result_resolved);
  if (!p.simulation_note.empty()) os << fmt::format("  performance {}\n", p.simulation_note);

  // Cash-flow table: line items down, years across.
  const std::size_t n = r.years.size();
  const int label_w = 24, col_w = 14;
  os << "\n" << fmt::format("{:<{}}", "Cash flow (" + cur + ")", label_w);
  for (std::size_t y = 0; y < n; ++y) os << fmt::format("{:>{}}", fmt::format("year {}", y), col_w);
  os << "\n";
  for (const auto& col : kColumns) {
    const std::string key = col.key;
    if (key == "tokens" || key == "card_hours" || key == "taxable_income" || key == "discounted") continue;
    bool all_zero = true;
    for (const auto& row : r.years) all_zero = all_zero && row.*(col.member) == 0;
    const bool always = key == "revenue" || key == "opex" || key == "cash_flow" || key == "cumulative" ||
                        key == "cumulative_discounted";
    if (all_zero && !always) continue;
    os << fmt::format("{:<{}}", "  " + std::string(col.label), label_w);
    for (std::size_t y = 0; y < n; ++y) {
      const double v = r.years[y].*(col.member);
      std::string cell;
      if (y == 0 && !col.money) cell = "";
      else if (key == "occupancy" || key == "utilisation") cell = fmt::format("{:.3f}", v);
      else cell = group_thousands(v, 0);
      os << fmt::format("{:>{}}", cell, col_w);
    }
    os << "\n";
  }

  os << "\nSummary\n";
  auto line = [&](const std::string& k, const std::string& v) { os << fmt::format("  {:<34}{}\n", k, v); };
  line("CapEx gross / subsidy / net",
       fmt::format("{} / {} / {} {}", group_thousands(r.capex.gross), group_thousands(r.capex.capital_subsidy),
                   group_thousands(r.capex.net), cur));
  line(fmt::format("NPV @ {:.1f}%", d.finance.discount_rate * 100), group_thousands(r.npv) + " " + cur);
  line("IRR", with_note(fmt_pct(r.irr), r.irr_note));
  line("payback (interpolated)",
       with_note(fmt_opt(r.payback_years, 2, " years"), r.payback_note) +
           (r.discounted_payback_years ? fmt::format("; discounted {:.2f} years", *r.discounted_payback_years)
                                       : "; discounted: not within the horizon"));
  line("break-even price",
       with_note(r.break_even_price
                     ? group_thousands(*r.break_even_price, money_decimals(*r.break_even_price)) + " " + cur +
                           " per card-hour (year 1, all segments)"
                     : "n/a",
                 r.break_even_price_note));
  line("break-even utilisation",
       with_note(r.break_even_utilisation ? fmt::format("{:.3f} of in-service card-hours", *r.break_even_utilisation)
                                          : "n/a",
                 r.break_even_utilisation_note));
  line("average billed utilisation", fmt::format("{:.3f}", r.average_utilisation));
  auto per_mtok = [&](const std::optional<double>& v) {
    return v ? fmt::format("{} {}", group_thousands(*v, money_decimals(*v)), cur) : std::string("n/a (no tokens)");
  };
  line("cost per million tokens", per_mtok(r.cost_per_million_tokens) + " (levelised, pre-tax)");
  line("energy cost per million tokens", per_mtok(r.energy_cost_per_million_tokens) + " (levelised)");
  line("rental price per million tokens", per_mtok(r.price_per_million_tokens) + " (year 1)");

  for (const auto& s : run.sweeps) {
    os << fmt::format("\nSweep {} = {}:{}:{} (deployment value {:.6g})\n", s.spec.key, s.spec.lo, s.spec.hi,
                      s.spec.step, s.base_value);
    os << fmt::format("  {:>12}{:>18}{:>10}{:>10}{:>14}\n", "value", "NPV (" + cur + ")", "IRR", "payback",
                      "cost/Mtok");
    for (const auto& pt : s.points)
      os << fmt::format("  {:>12.6g}{:>18}{:>10}{:>10}{:>14}\n", pt.value, group_thousands(pt.npv),
                        fmt_pct(pt.irr), fmt_opt(pt.payback_years, 2),
                        pt.cost_per_million_tokens
                            ? group_thousands(*pt.cost_per_million_tokens,
                                              money_decimals(*pt.cost_per_million_tokens))
                            : "n/a");
  }

  if (run.tornado) {
    const auto& t = *run.tornado;
    os << fmt::format("\nTornado: NPV with each input at -{0:.0f}% / +{0:.0f}% (base NPV {1} {2})\n",
                      t.fraction * 100, group_thousands(t.base_npv), cur);
    os << fmt::format("  {:<40}{:>16}{:>16}{:>16}\n", "input", "NPV at -", "NPV at +", "swing");
    for (const auto& e : t.entries)
      os << fmt::format("  {:<40}{:>16}{:>16}{:>16}\n", e.key, group_thousands(e.npv_low),
                        group_thousands(e.npv_high), group_thousands(e.swing()));
    if (!t.no_effect.empty()) {
      os << "  no effect on NPV:";
      for (const auto& k : t.no_effect) os << " " << k;
      os << "\n";
    }
    std::size_t zero = 0;
    for (const auto& s : t.skipped) {
      if (s.find(": zero in this deployment") != std::string::npos) ++zero;
      else os << "  skipped " << s << "\n";
    }
    if (zero) os << fmt::format("  ({} inputs are zero in this deployment and were not varied)\n", zero);
  }
}

}  // namespace

void print_report(std::ostream& os, const std::vector<TcoRun>& runs) {
  std::optional<Comparison> cmp;
  if (runs.size() == 2) cmp = compare(runs[0], runs[1]);  // currency errors before any output
  for (std::size_t i = 0; i < runs.size(); ++i) {
    if (i) os << "\n" << std::string(100, '-') << "\n\n";
    print_run(os, runs[i]);
  }
  if (!cmp) return;
  os << "\n" << std::string(100, '=') << "\n";
  os << fmt::format("Comparison in {}{}\n", to_string(cmp->currency),
                    cmp->cny_per_usd ? fmt::format(" (converted at {} CNY per USD)", *cmp->cny_per_usd) : "");
  const std::string an = runs[0].deployment.name, bn = runs[1].deployment.name;
  os << fmt::format("  {:<34}{:>20}{:>20}{:>20}\n", "metric", an.substr(0, 19), bn.substr(0, 19), "b - a");
  for (const auto& row : cmp->rows) {
    std::optional<double> diff;
    if (row.a && row.b) diff = *row.b - *row.a;
    const bool pct = row.metric == "irr";
    const bool frac = row.metric.find("utilisation") != std::string::npos;
    const bool count = row.metric == "cards" || row.metric == "tokens_per_second_per_card";
    const double size = std::max(row.a ? std::fabs(*row.a) : 0.0, row.b ? std::fabs(*row.b) : 0.0);
    auto cell = [&](const std::optional<double>& v) -> std::string {
      if (!v) return "n/a";
      if (pct) return fmt::format("{:.2f}%", *v * 100);
      if (frac) return fmt::format("{:.3f}", *v);
      if (row.metric.find("payback") != std::string::npos) return fmt::format("{:.2f}", *v);
      return group_thousands(*v, count ? 0 : money_decimals(size));
    };
    os << fmt::format("  {:<34}{:>20}{:>20}{:>20}\n",
                      row.metric + (row.unit.empty() ? "" : " (" + row.unit + ")"), cell(row.a), cell(row.b),
                      cell(diff));
  }
}

// ---------------------------------------------------------------------------------------
// HDF5

namespace {

double nan_if_empty(const std::optional<double>& v) {
  return v ? *v : std::numeric_limits<double>::quiet_NaN();
}

void write_run(hid_t parent, const std::string& name, const TcoRun& run) {
  const Deployment& d = run.deployment;
  h5::Handle g = h5::create_group(parent, name);
  h5::write_string_attribute(g, "name", d.name);
  h5::write_string_attribute(g, "file", d.file);
  h5::write_string_attribute(g, "currency", currency_name(d));
  h5::write_string_attribute(g, "chip", d.hardware.chip);
  h5::write_string_attribute(g, "model", d.performance.model);
  h5::write_string_attribute(g, "scenario", d.performance.scenario);
  if (!d.performance.simulation_note.empty())
    h5::write_string_attribute(g, "performance_simulation", d.performance.simulation_note);
  h5::write_string_attribute(g, "inputs_json", inputs_json(d).dump());

  {
    h5::Handle s = h5::create_group(g, "summary");
    h5::write_string_attribute(s, "currency", currency_name(d));
    for (const auto& h : headlines(run)) {
      h5::write_double_attribute(s, h.key, nan_if_empty(h.value));
      if (!h.note.empty()) h5::write_string_attribute(s, std::string(h.key) + "_note", h.note);
    }
  }
  {
    h5::Handle cf = h5::create_group(g, "cashflow");
    h5::write_string_attribute(cf, "currency", currency_name(d));
    std::vector<double> years;
    for (const auto& row : run.result.years) years.push_back(row.year);
    h5::write_double_column(cf, "year", years);
    for (const auto& col : kColumns) {
      std::vector<double> v;
      for (const auto& row : run.result.years) v.push_back(row.*(col.member));
      h5::write_double_column(cf, col.key, v);
    }
  }
  if (!run.sweeps.empty()) {
    h5::Handle sw = h5::create_group(g, "sweeps");
    for (const auto& s : run.sweeps) {
      h5::Handle k = h5::create_group(sw, s.spec.key);
      h5::write_string_attribute(k, "key", s.spec.key);
      h5::write_double_attribute(k, "base_value", s.base_value);
      std::vector<double> value, npv_v, irr_v, pb, cost;
      for (const auto& p : s.points) {
        value.push_back(p.value);
        npv_v.push_back(p.npv);
        irr_v.push_back(nan_if_empty(p.irr));
        pb.push_back(nan_if_empty(p.payback_years));
        cost.push_back(nan_if_empty(p.cost_per_million_tokens));
      }
      h5::write_double_column(k, "value", value);
      h5::write_double_column(k, "npv", npv_v);
      h5::write_double_column(k, "irr", irr_v);
      h5::write_double_column(k, "payback_years", pb);
      h5::write_double_column(k, "cost_per_million_tokens", cost);
    }
  }
  if (run.tornado) {
    const auto& t = *run.tornado;
    h5::Handle tg = h5::create_group(g, "tornado");
    h5::write_double_attribute(tg, "base_npv", t.base_npv);
    h5::write_double_attribute(tg, "fraction", t.fraction);
    std::vector<std::string> keys;
    std::vector<double> base, lo, hi, nlo, nhi;
    for (const auto& e : t.entries) {
      keys.push_back(e.key);
      base.push_back(e.base_value);
      lo.push_back(e.low_value);
      hi.push_back(e.high_value);
      nlo.push_back(e.npv_low);
      nhi.push_back(e.npv_high);
    }
    h5::write_string_column(tg, "key", keys);
    h5::write_double_column(tg, "base_value", base);
    h5::write_double_column(tg, "low_value", lo);
    h5::write_double_column(tg, "high_value", hi);
    h5::write_double_column(tg, "npv_low", nlo);
    h5::write_double_column(tg, "npv_high", nhi);
    h5::write_string_column(tg, "no_effect", t.no_effect);
  }
}


}  // namespace

void write_hdf5(const std::filesystem::path& file, const std::vector<TcoRun>& runs) {
  const std::filesystem::path folder = file.has_parent_path() ? file.parent_path() : ".";
  std::error_code dir_ec;
  if (!std::filesystem::is_directory(folder, dir_ec))
    throw Error(fmt::format("-o {}: folder {} does not exist", file.string(), folder.string()));
  std::optional<Comparison> cmp;
  if (runs.size() == 2) cmp = compare(runs[0], runs[1]);
  write_file_atomically(file.string(), [&](const std::string& tmp) {
    // HDF5's default layout (names listed alphabetically), as the format was first written.
    h5::H5File f = h5::H5File::create(tmp, h5::FileOptions{.track_creation_order = false});
    h5::write_string_attribute(f.root(), "kind", "tessera tco");
    h5::write_string_attribute(f.root(), "tessera_version", kVersion);
    {
      h5::Handle g = h5::create_group(f.root(), "deployments");
      for (std::size_t i = 0; i < runs.size(); ++i) write_run(g, std::to_string(i), runs[i]);
    }
    if (cmp) {
      h5::Handle c = h5::create_group(f.root(), "comparison");
      h5::write_string_attribute(c, "currency", std::string(to_string(cmp->currency)));
      h5::write_double_attribute(c, "cny_per_usd", nan_if_empty(cmp->cny_per_usd));
      h5::write_string_attribute(c, "a", runs[0].deployment.name);
      h5::write_string_attribute(c, "b", runs[1].deployment.name);
      std::vector<std::string> metric, unit;
      std::vector<double> a, b;
      for (const auto& row : cmp->rows) {
        metric.push_back(row.metric);
        unit.push_back(row.unit);
        a.push_back(nan_if_empty(row.a));
        b.push_back(nan_if_empty(row.b));
      }
      h5::write_string_column(c, "metric", metric);
      h5::write_string_column(c, "unit", unit);
      h5::write_double_column(c, "a", a);
      h5::write_double_column(c, "b", b);
    }
    f.close();
  });
}

}  // namespace tessera::econ
