// Longer than 600 lines: the comparison, JSON, terminal and HDF5 views of one TCO run.
#include "econ/tco_report.h"

#include <cmath>
#include <cstdio>
#include <limits>
#include <unistd.h>

#include <fmt/core.h>
#include <hdf5.h>

#include "base/types.h"
#include "base/io/hdf5_quiet.h"
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

struct H5Id {
  hid_t id;
  herr_t (*close)(hid_t);
  H5Id(hid_t i, herr_t (*c)(hid_t), const std::string& what) : id(i), close(c) {
    if (id < 0) throw Error("HDF5: cannot create " + what);
  }
  ~H5Id() {
    if (id >= 0) close(id);
  }
  H5Id(const H5Id&) = delete;
  H5Id& operator=(const H5Id&) = delete;
};

void check(herr_t status, const std::string& what) {
  if (status < 0) throw Error("HDF5: cannot write " + what);
}

void attr_double(hid_t loc, const std::string& name, double v) {
  H5Id space(H5Screate(H5S_SCALAR), H5Sclose, name);
  H5Id a(H5Acreate2(loc, name.c_str(), H5T_IEEE_F64LE, space.id, H5P_DEFAULT, H5P_DEFAULT), H5Aclose, name);
  check(H5Awrite(a.id, H5T_NATIVE_DOUBLE, &v), name);
}

void attr_string(hid_t loc, const std::string& name, const std::string& v) {
  H5Id type(H5Tcopy(H5T_C_S1), H5Tclose, name);
  check(H5Tset_size(type.id, H5T_VARIABLE), name);
  check(H5Tset_cset(type.id, H5T_CSET_UTF8), name);
  H5Id space(H5Screate(H5S_SCALAR), H5Sclose, name);
  H5Id a(H5Acreate2(loc, name.c_str(), type.id, space.id, H5P_DEFAULT, H5P_DEFAULT), H5Aclose, name);
  const char* p = v.c_str();
  check(H5Awrite(a.id, type.id, &p), name);
}

void dataset_doubles(hid_t loc, const std::string& name, const std::vector<double>& v) {
  const hsize_t dims[1] = {v.size()};
  H5Id space(H5Screate_simple(1, dims, nullptr), H5Sclose, name);
  H5Id ds(H5Dcreate2(loc, name.c_str(), H5T_IEEE_F64LE, space.id, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
          H5Dclose, name);
  if (!v.empty()) check(H5Dwrite(ds.id, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v.data()), name);
}

void dataset_strings(hid_t loc, const std::string& name, const std::vector<std::string>& v) {
  H5Id type(H5Tcopy(H5T_C_S1), H5Tclose, name);
  check(H5Tset_size(type.id, H5T_VARIABLE), name);
  check(H5Tset_cset(type.id, H5T_CSET_UTF8), name);
  const hsize_t dims[1] = {v.size()};
  H5Id space(H5Screate_simple(1, dims, nullptr), H5Sclose, name);
  H5Id ds(H5Dcreate2(loc, name.c_str(), type.id, space.id, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), H5Dclose,
          name);
  std::vector<const char*> ptrs;
  for (const auto& s : v) ptrs.push_back(s.c_str());
  if (!v.empty()) check(H5Dwrite(ds.id, type.id, H5S_ALL, H5S_ALL, H5P_DEFAULT, ptrs.data()), name);
}

double nan_if_empty(const std::optional<double>& v) {
  return v ? *v : std::numeric_limits<double>::quiet_NaN();
}

void write_run(hid_t parent, const std::string& name, const TcoRun& run) {
  const Deployment& d = run.deployment;
  H5Id g(H5Gcreate2(parent, name.c_str(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), H5Gclose, name);
  attr_string(g.id, "name", d.name);
  attr_string(g.id, "file", d.file);
  attr_string(g.id, "currency", currency_name(d));
  attr_string(g.id, "chip", d.hardware.chip);
  attr_string(g.id, "model", d.performance.model);
  attr_string(g.id, "scenario", d.performance.scenario);
  if (!d.performance.simulation_note.empty())
    attr_string(g.id, "performance_simulation", d.performance.simulation_note);
  attr_string(g.id, "inputs_json", inputs_json(d).dump());

  {
    H5Id s(H5Gcreate2(g.id, "summary", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), H5Gclose, "summary");
    attr_string(s.id, "currency", currency_name(d));
    for (const auto& h : headlines(run)) {
      attr_double(s.id, h.key, nan_if_empty(h.value));
      if (!h.note.empty()) attr_string(s.id, std::string(h.key) + "_note", h.note);
    }
  }
  {
    H5Id cf(H5Gcreate2(g.id, "cashflow", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), H5Gclose, "cashflow");
    attr_string(cf.id, "currency", currency_name(d));
    std::vector<double> years;
    for (const auto& row : run.result.years) years.push_back(row.year);
    dataset_doubles(cf.id, "year", years);
    for (const auto& col : kColumns) {
      std::vector<double> v;
      for (const auto& row : run.result.years) v.push_back(row.*(col.member));
      dataset_doubles(cf.id, col.key, v);
    }
  }
  if (!run.sweeps.empty()) {
    H5Id sw(H5Gcreate2(g.id, "sweeps", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), H5Gclose, "sweeps");
    for (const auto& s : run.sweeps) {
      H5Id k(H5Gcreate2(sw.id, s.spec.key.c_str(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), H5Gclose, s.spec.key);
      attr_string(k.id, "key", s.spec.key);
      attr_double(k.id, "base_value", s.base_value);
      std::vector<double> value, npv_v, irr_v, pb, cost;
      for (const auto& p : s.points) {
        value.push_back(p.value);
        npv_v.push_back(p.npv);
        irr_v.push_back(nan_if_empty(p.irr));
        pb.push_back(nan_if_empty(p.payback_years));
        cost.push_back(nan_if_empty(p.cost_per_million_tokens));
      }
      dataset_doubles(k.id, "value", value);
      dataset_doubles(k.id, "npv", npv_v);
      dataset_doubles(k.id, "irr", irr_v);
      dataset_doubles(k.id, "payback_years", pb);
      dataset_doubles(k.id, "cost_per_million_tokens", cost);
    }
  }
  if (run.tornado) {
    const auto& t = *run.tornado;
    H5Id tg(H5Gcreate2(g.id, "tornado", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), H5Gclose, "tornado");
    attr_double(tg.id, "base_npv", t.base_npv);
    attr_double(tg.id, "fraction", t.fraction);
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
    dataset_strings(tg.id, "key", keys);
    dataset_doubles(tg.id, "base_value", base);
    dataset_doubles(tg.id, "low_value", lo);
    dataset_doubles(tg.id, "high_value", hi);
    dataset_doubles(tg.id, "npv_low", nlo);
    dataset_doubles(tg.id, "npv_high", nhi);
    dataset_strings(tg.id, "no_effect", t.no_effect);
  }
}


}  // namespace

void write_hdf5(const std::filesystem::path& file, const std::vector<TcoRun>& runs) {
  QuietHdf5 quiet;
  const std::filesystem::path folder = file.has_parent_path() ? file.parent_path() : ".";
  std::error_code dir_ec;
  if (!std::filesystem::is_directory(folder, dir_ec))
    throw Error(fmt::format("-o {}: folder {} does not exist", file.string(), folder.string()));
  std::optional<Comparison> cmp;
  if (runs.size() == 2) cmp = compare(runs[0], runs[1]);
  const std::filesystem::path tmp = file.string() + fmt::format(".partial-{}", ::getpid());
  try {
    {
      H5Id f(H5Fcreate(tmp.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT), H5Fclose,
             "file " + tmp.string());
      attr_string(f.id, "kind", "tessera tco");
      attr_string(f.id, "tessera_version", kVersion);
      H5Id g(H5Gcreate2(f.id, "deployments", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), H5Gclose, "deployments");
      for (std::size_t i = 0; i < runs.size(); ++i) write_run(g.id, std::to_string(i), runs[i]);
      if (cmp) {
        H5Id c(H5Gcreate2(f.id, "comparison", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), H5Gclose, "comparison");
        attr_string(c.id, "currency", std::string(to_string(cmp->currency)));
        attr_double(c.id, "cny_per_usd", nan_if_empty(cmp->cny_per_usd));
        attr_string(c.id, "a", runs[0].deployment.name);
        attr_string(c.id, "b", runs[1].deployment.name);
        std::vector<std::string> metric, unit;
        std::vector<double> a, b;
        for (const auto& row : cmp->rows) {
          metric.push_back(row.metric);
          unit.push_back(row.unit);
          a.push_back(nan_if_empty(row.a));
          b.push_back(nan_if_empty(row.b));
        }
        dataset_strings(c.id, "metric", metric);
        dataset_strings(c.id, "unit", unit);
        dataset_doubles(c.id, "a", a);
        dataset_doubles(c.id, "b", b);
      }
      check(H5Fflush(f.id, H5F_SCOPE_GLOBAL), "file");
    }
    std::error_code ec;
    std::filesystem::rename(tmp, file, ec);
    if (ec) throw Error(fmt::format("{}: cannot move the results into place: {}", file.string(), ec.message()));
  } catch (...) {
    std::error_code ec;
    std::filesystem::remove(tmp, ec);
    throw;
  }
}

}  // namespace tessera::econ
