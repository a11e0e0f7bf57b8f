// Longer than 600 lines: the deployment schema, its loader and cross-key checks share one table.
#include "econ/deployment.h"
#include "base/config/yaml_json.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <fstream>
#include <numeric>
#include <sstream>

#include <fmt/core.h>
#include <yaml-cpp/yaml.h>

#include "econ/result_summary.h"
#include "base/types.h"

namespace tessera::econ {

double Deployment::occupancy(int year) const {
  if (revenue.occupancy.empty()) return 0.0;
  const std::size_t i = std::min<std::size_t>(static_cast<std::size_t>(std::max(year, 1)) - 1,
                                              revenue.occupancy.size() - 1);
  return revenue.occupancy[i];
}

double Deployment::peak_it_kw() const {
  return hardware.servers *
         (hardware.cards_per_server * performance.busy_power_w + hardware.server_overhead_busy_w) /
         1000.0;
}

// ---------------------------------------------------------------------------------------
// Schema

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

std::string fmt_bound(double v) {
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  return fmt::format("{}", v);
}

#define REF(member) [](Deployment& d) -> FieldRef { return &d.member; }

std::vector<FieldSpec> build_fields() {
  std::vector<FieldSpec> f;
  auto add = [&](std::string path, FieldKind kind, double lo, double hi, bool required,
                 bool tornado, std::string help, std::function<FieldRef(Deployment&)> ref) {
    FieldSpec s;
    s.path = std::move(path);
    s.kind = kind;
    s.lo = lo;
    s.hi = hi;
    s.required = required;
    s.tornado = tornado;
    s.help = std::move(help);
    s.ref = std::move(ref);
    f.push_back(std::move(s));
    return &f.back();
  };
  using K = FieldKind;
  const bool req = true, opt = false, tor = true, no_tor = false;

  add("name", K::text, 0, 0, req, no_tor, "short name of the deployment", REF(name));
  add("description", K::text, 0, 0, opt, no_tor, "free text", REF(description));
  add("currency", K::choice, 0, 0, req, no_tor,
      "currency of every result; bare amounts are in it", REF(currency_text))
      ->choices = {"CNY", "USD"};
  add("exchange_rate.CNY_per_USD", K::real, 0, kInf, opt, no_tor,
      "CNY per USD; needed when an amount is written in the other currency", REF(cny_per_usd))
      ->lo_open = true;

  add("hardware.chip", K::text, 0, 0, req, no_tor, "accelerator (label)", REF(hardware.chip));
  add("hardware.cluster", K::text, 0, 0, opt, no_tor, "server/cluster type (label)",
      REF(hardware.cluster));
  add("hardware.servers", K::integer, 1, 1e6, req, no_tor, "number of servers",
      REF(hardware.servers));
  add("hardware.cards_per_server", K::integer, 1, 1024, req, no_tor, "accelerator cards per server",
      REF(hardware.cards_per_server));
  add("hardware.server_overhead.busy_w", K::real, 0, 1e6, opt, tor,
      "non-accelerator power per server while busy (W)", REF(hardware.server_overhead_busy_w));
  add("hardware.server_overhead.idle_w", K::real, 0, 1e6, opt, tor,
      "non-accelerator power per server while idle (W)", REF(hardware.server_overhead_idle_w));

  add("performance.model", K::text, 0, 0, opt, no_tor, "model served (label for cost per token)",
      REF(performance.model));
  add("performance.scenario", K::text, 0, 0, opt, no_tor, "serving scenario (label)",
      REF(performance.scenario));
  add("performance.source", K::text, 0, 0, opt, no_tor, "where the figures come from",
      REF(performance.source));
  add("performance.result", K::text, 0, 0, opt, no_tor,
      "result of 'tessera run' (JSON or HDF5), relative to this file", REF(performance.result));
  add("performance.simulate.chip", K::text, 0, 0, opt, no_tor,
      "simulate one card: chip name (configs/chips) or chip YAML path", REF(performance.simulate.chip));
  add("performance.simulate.model", K::text, 0, 0, opt, no_tor,
      "simulate: model card (with performance.simulate.scenario)", REF(performance.simulate.model));
  add("performance.simulate.scenario", K::text, 0, 0, opt, no_tor,
      "simulate: scenario name, file or inline spec", REF(performance.simulate.scenario));
  add("performance.simulate.workload", K::text, 0, 0, opt, no_tor,
      "simulate: operator-list/trace file (relative to this file) or name under configs/workloads",
      REF(performance.simulate.workload));
  add("performance.cards_in_result", K::integer, 1, 1e6, opt, no_tor,
      "cards the result's throughput and power cover", REF(performance.cards_in_result));
  add("performance.tokens_per_second_per_card", K::real, 0, kInf, opt, tor,
      "tokens/s one busy card delivers", REF(performance.tokens_per_second_per_card))
      ->lo_open = true;
  add("performance.busy_power_w", K::real, 0, 1e5, opt, tor, "card power while busy (W)",
      REF(performance.busy_power_w))
      ->lo_open = true;
  add("performance.idle_power_w", K::real, 0, 1e5, opt, tor, "card power while idle (W)",
      REF(performance.idle_power_w));

  add("capex.server_price", K::money, 0, kInf, req, tor, "price of one server, cards included",
      REF(capex.server_price));
  add("capex.network_storage_per_server", K::money, 0, kInf, opt, tor,
      "network and storage per server", REF(capex.network_storage_per_server));
  add("capex.facility_build_per_kw", K::money, 0, kInf, opt, tor,
      "facility build per kW of peak IT power (0 with colocation)", REF(capex.facility_build_per_kw));
  add("capex.software", K::money, 0, kInf, opt, tor, "software licences (one-off)",
      REF(capex.software));
  add("capex.cloud_platform", K::money, 0, kInf, opt, tor, "cloud/scheduling platform (one-off)",
      REF(capex.cloud_platform));
  add("capex.preinstalled_models", K::money, 0, kInf, opt, tor, "preinstalled models (one-off)",
      REF(capex.preinstalled_models));
  add("capex.capital_subsidy", K::money, 0, kInf, opt, tor, "capital subsidy received in year 0",
      REF(capex.capital_subsidy));

  add("opex.pue", K::real, 1, 3, req, tor, "power usage effectiveness", REF(opex.pue));
  add("opex.electricity_price_per_kwh", K::money, 0, kInf, req, tor, "electricity tariff per kWh",
      REF(opex.electricity_price_per_kwh));
  add("opex.electricity_subsidy_per_kwh", K::money, 0, kInf, opt, tor,
      "electricity subsidy per kWh (at most the tariff)", REF(opex.electricity_subsidy_per_kwh));
  add("opex.electricity_subsidy_years", K::integer, 1, 100, opt, no_tor,
      "years the electricity subsidy lasts (default: whole horizon)",
      REF(opex.electricity_subsidy_years));
  add("opex.hardware_maintenance_rate", K::real, 0, 1, opt, tor,
      "yearly hardware maintenance as a fraction of servers + network/storage, from year 2",
      REF(opex.hardware_maintenance_rate));
  add("opex.facility_maintenance_per_year", K::money, 0, kInf, opt, tor, "facility maintenance",
      REF(opex.facility_maintenance_per_year));
  add("opex.staff_per_year", K::money, 0, kInf, opt, tor, "staff", REF(opex.staff_per_year));
  add("opex.insurance_rate", K::real, 0, 1, opt, tor, "yearly insurance as a fraction of gross CapEx",
      REF(opex.insurance_rate));
  add("opex.colocation_per_kw_year", K::money, 0, kInf, opt, tor,
      "colocation fee per kW of peak IT power per year", REF(opex.colocation_per_kw_year));
  add("opex.other_per_year", K::money, 0, kInf, opt, tor, "other running costs",
      REF(opex.other_per_year));

  add("revenue.occupancy", K::real_list, 0, 1, req, tor,
      "fraction of cards in service, per year (a number or a list; the last value repeats)",
      REF(revenue.occupancy));
  add("revenue.long_term.share", K::real, 0, 1, opt, tor,
      "fraction of cards in service under long-term contracts", REF(revenue.long_term.share));
  add("revenue.long_term.price_per_card_hour", K::money, 0, kInf, opt, tor,
      "contract price per card-hour in year 1", REF(revenue.long_term.price_per_card_hour));
  add("revenue.long_term.utilisation", K::real, 0, 1, opt, tor,
      "fraction of contracted card-hours billed", REF(revenue.long_term.utilisation));
  add("revenue.short_term.price_per_card_hour", K::money, 0, kInf, opt, tor,
      "elastic rental price per card-hour in year 1", REF(revenue.short_term.price_per_card_hour));
  add("revenue.short_term.utilisation", K::real, 0, 1, opt, tor,
      "fraction of elastic card-hours rented", REF(revenue.short_term.utilisation));
  add("revenue.price_decline_per_year", K::real, 0, 1, opt, tor,
      "yearly relative decline of rental prices", REF(revenue.price_decline_per_year))
      ->hi_open = true;
  add("revenue.voucher.mode", K::choice, 0, 0, opt, no_tor,
      "how compute vouchers act", REF(revenue.voucher.mode_text))
      ->choices = {"none", "price_support", "demand_uplift"};
  add("revenue.voucher.rate", K::real, 0, 10, opt, tor,
      "price_support: fraction of eligible revenue paid by vouchers (<= 1); demand_uplift: "
      "relative increase of short-term utilisation",
      REF(revenue.voucher.rate));
  add("revenue.voucher.eligible_share", K::real, 0, 1, opt, tor,
      "price_support: fraction of rental revenue eligible for vouchers",
      REF(revenue.voucher.eligible_share));
  add("revenue.voucher.cap_per_year", K::money, 0, kInf, opt, tor,
      "price_support: most voucher income per year (default: no cap)",
      REF(revenue.voucher.cap_per_year));
  add("revenue.voucher.years", K::integer, 1, 100, opt, no_tor,
      "years vouchers apply (default: whole horizon)", REF(revenue.voucher.years));

  add("finance.horizon_years", K::integer, 1, 30, opt, no_tor, "years of operation (default 5)",
      REF(finance.horizon_years));
  add("finance.discount_rate", K::real, 0, 1, req, tor, "yearly discount rate for NPV",
      REF(finance.discount_rate));
  add("finance.tax_rate", K::real, 0, 1, req, tor, "profit tax rate", REF(finance.tax_rate))
      ->hi_open = true;
  add("finance.depreciation_years", K::integer, 1, 50, opt, no_tor,
      "straight-line depreciation period (default: horizon)", REF(finance.depreciation_years));
  add("finance.residual_value", K::money, 0, kInf, opt, tor,
      "sale value of the equipment at the end of the horizon", REF(finance.residual_value));
  add("finance.loss_carry_forward", K::boolean, 0, 0, opt, no_tor,
      "carry tax losses forward (default true)", REF(finance.loss_carry_forward));
  return f;
}

#undef REF

std::string join(const std::vector<std::string>& v, std::string_view sep) {
  std::string out;
  for (std::size_t i = 0; i < v.size(); ++i) out += (i ? std::string(sep) : "") + v[i];
  return out;
}

std::optional<double> strict_number(std::string_view s) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  if (!s.empty() && s.front() == '+') s.remove_prefix(1);
  if (s.empty()) return std::nullopt;
  double v = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || ptr != s.data() + s.size() || !std::isfinite(v)) return std::nullopt;
  return v;
}

}  // namespace

std::string FieldSpec::range_text() const {
  switch (kind) {
    case FieldKind::text: return "any text";
    case FieldKind::boolean: return "true or false";
    case FieldKind::choice: return "one of " + join(choices, ", ");
    default: break;
  }
  std::string r = fmt::format("{}{}, {}{}", lo_open ? "(" : "[", fmt_bound(lo), fmt_bound(hi),
                              (hi_open || std::isinf(hi)) ? ")" : "]");
  if (kind == FieldKind::integer) r = "integer in " + r;
  if (kind == FieldKind::money) r += " (amount; '<number> CNY|USD' or a bare number)";
  if (kind == FieldKind::real_list) r = "number or list, each in " + r;
  return r;
}

bool FieldSpec::in_range(double v) const {
  if (!std::isfinite(v)) return false;
  if (lo_open ? v <= lo : v < lo) return false;
  if (hi_open ? v >= hi : v > hi) return false;
  return true;
}

const std::vector<FieldSpec>& deployment_fields() {
  static const std::vector<FieldSpec> fields = build_fields();
  return fields;
}

const FieldSpec* find_field(std::string_view path) {
  for (const auto& f : deployment_fields())
    if (f.path == path) return &f;
  return nullptr;
}

// ---------------------------------------------------------------------------------------
// Loading

namespace {

/// Allowed child keys under a section prefix ("" = top level).
std::vector<std::string> children_of(const std::string& prefix) {
  std::vector<std::string> out;
  for (const auto& f : deployment_fields()) {
    std::string_view p = f.path;
    if (!prefix.empty()) {
      if (p.size() <= prefix.size() + 1 || p.substr(0, prefix.size()) != prefix ||
          p[prefix.size()] != '.')
        continue;
      p.remove_prefix(prefix.size() + 1);
    }
    std::string head(p.substr(0, p.find('.')));
    if (std::find(out.begin(), out.end(), head) == out.end()) out.push_back(head);
  }
  return out;
}

bool is_section(const std::string& path) {
  for (const auto& f : deployment_fields())
    if (f.path.size() > path.size() && f.path.compare(0, path.size(), path) == 0 &&
        f.path[path.size()] == '.')
      return true;
  return false;
}

struct PendingMoney {
  const FieldSpec* spec;
  Money value;
  std::string where;
};

class Loader {
 public:
  Loader(std::string origin, std::set<std::string> overridden)
      : origin_(std::move(origin)), overridden_(std::move(overridden)) {}

  std::string where(const YAML::Node& node, const std::string& path) const {
    for (const auto& o : overridden_)
      if (path == o || path.rfind(o + ".", 0) == 0) return fmt::format("{}: --set {}", origin_, path);
    if (node.Mark().line >= 0) return fmt::format("{}:{}: {}", origin_, node.Mark().line + 1, path);
    return fmt::format("{}: {}", origin_, path);
  }

  void walk(const YAML::Node& map, const std::string& prefix, Deployment& d) {
    for (auto it = map.begin(); it != map.end(); ++it) {
      if (!it->first.IsScalar())
        throw Error(fmt::format("{}: keys must be plain names", where(it->first, prefix)));
      const std::string key = it->first.Scalar();
      const std::string path = prefix.empty() ? key : prefix + "." + key;
      if (const FieldSpec* f = find_field(path)) {
        if (d.given.count(path))
          throw Error(fmt::format("{}: key given twice", where(it->first, path)));
        read_leaf(*f, it->second, d);
        d.given.insert(path);
      } else if (is_section(path)) {
        if (!it->second.IsMap())
          throw Error(fmt::format("{}: expected a map with keys {}", where(it->second, path),
                                  join(children_of(path), ", ")));
        walk(it->second, path, d);
      } else {
        throw Error(fmt::format("{}: unknown key; allowed {}: {}", where(it->first, path),
                                prefix.empty() ? "top-level keys" : "keys under " + prefix,
                                join(children_of(prefix), ", ")));
      }
    }
  }

  double number(const FieldSpec& f, const YAML::Node& n, const std::string& path) const {
    if (!n.IsScalar())
      throw Error(fmt::format("{}: expected a number, allowed {}", where(n, path), f.range_text()));
    auto v = strict_number(n.Scalar());
    if (!v)
      throw Error(fmt::format("{}: '{}' is not a number; allowed {}", where(n, path), n.Scalar(),
                              f.range_text()));
    return *v;
  }

  void check_range(const FieldSpec& f, const YAML::Node& n, const std::string& path, double v) const {
    if (!f.in_range(v))
      throw Error(fmt::format("{}: {} is out of range; allowed {}", where(n, path), v,
                              f.range_text()));
  }

  void read_leaf(const FieldSpec& f, const YAML::Node& n, Deployment& d) {
    const std::string& path = f.path;
    if (n.IsNull() || !n.IsDefined())
      throw Error(fmt::format("{}: has no value; allowed {}", where(n, path), f.range_text()));
    FieldRef ref = f.ref(d);
    switch (f.kind) {
      case FieldKind::real: {
        const double v = number(f, n, path);
        check_range(f, n, path, v);
        *std::get<double*>(ref) = v;
        break;
      }
      case FieldKind::integer: {
        const double v = number(f, n, path);
        if (v != std::floor(v))
          throw Error(fmt::format("{}: {} is not a whole number; allowed {}", where(n, path), v,
                                  f.range_text()));
        check_range(f, n, path, v);
        *std::get<int*>(ref) = static_cast<int>(v);
        break;
      }
      case FieldKind::money: {
        if (!n.IsScalar())
          throw Error(fmt::format("{}: expected an amount of money; allowed {}", where(n, path),
                                  f.range_text()));
        Money m;
        try {
          m = parse_money(n.Scalar(), d.currency);
        } catch (const Error& e) {
          throw Error(fmt::format("{}: {}", where(n, path), e.what()));
        }
        check_range(f, n, path, m.amount());
        *std::get<Money*>(ref) = m;
        pending_.push_back({&f, m, where(n, path)});
        break;
      }
      case FieldKind::text: {
        if (!n.IsScalar())
          throw Error(fmt::format("{}: expected text", where(n, path)));
        *std::get<std::string*>(ref) = n.Scalar();
        break;
      }
      case FieldKind::boolean: {
        const std::string s = n.IsScalar() ? n.Scalar() : "";
        if (s == "true") *std::get<bool*>(ref) = true;
        else if (s == "false") *std::get<bool*>(ref) = false;
        else throw Error(fmt::format("{}: expected true or false", where(n, path)));
        break;
      }
      case FieldKind::choice: {
        const std::string s = n.IsScalar() ? n.Scalar() : "";
        if (std::find(f.choices.begin(), f.choices.end(), s) == f.choices.end())
          throw Error(fmt::format("{}: '{}' is not allowed; allowed {}", where(n, path), s,
                                  f.range_text()));
        *std::get<std::string*>(ref) = s;
        break;
      }
      case FieldKind::real_list: {
        std::vector<double> values;
        if (n.IsScalar()) {
          values.push_back(number(f, n, path));
          check_range(f, n, path, values.back());
        } else if (n.IsSequence()) {
          if (n.size() == 0)
            throw Error(fmt::format("{}: empty list; allowed {}", where(n, path), f.range_text()));
          for (std::size_t i = 0; i < n.size(); ++i) {
            const std::string item = fmt::format("{}[{}]", path, i);
            values.push_back(number(f, n[i], item));
            check_range(f, n[i], item, values.back());
          }
        } else {
          throw Error(fmt::format("{}: expected a number or a list; allowed {}", where(n, path),
                                  f.range_text()));
        }
        *std::get<std::vector<double>*>(ref) = values;
        break;
      }
    }
  }

  /// Converts every amount to the deployment currency (needs the exchange rate when they differ).
  void convert_money(Deployment& d) {
    ExchangeRate rate;
    if (d.cny_per_usd > 0) rate.cny_per_usd = d.cny_per_usd;
    for (const auto& p : pending_) {
      if (p.value.currency() != d.currency && !rate.cny_per_usd)
        throw Error(fmt::format(
            "{}: amount is in {} but the deployment currency is {}; mixing currencies needs "
            "exchange_rate.CNY_per_USD",
            p.where, to_string(p.value.currency()), to_string(d.currency)));
      *std::get<Money*>(p.spec->ref(d)) = p.value.converted(d.currency, rate);
    }
    // Amounts not given are zero in the deployment currency.
    for (const auto& f : deployment_fields())
      if (f.kind == FieldKind::money && !d.given.count(f.path))
        *std::get<Money*>(f.ref(d)) = Money(0, d.currency);
  }

  const std::string& origin() const { return origin_; }

 private:
  std::string origin_;
  std::set<std::string> overridden_;
  std::vector<PendingMoney> pending_;
};

/// Applies "a.b.c=value" to the YAML tree, creating maps on the way.
void set_yaml_path(YAML::Node node, const std::vector<std::string>& parts, std::size_t i,
                   const YAML::Node& value, const std::string& full) {
  if (!node.IsMap() && !node.IsNull())
    throw Error(fmt::format("--set {}: '{}' is not a map in the deployment", full,
                            join({parts.begin(), parts.begin() + static_cast<long>(i)}, ".")));
  if (i + 1 == parts.size()) {
    node[parts[i]] = value;
    return;
  }
  YAML::Node child = node[parts[i]];
  if (!child.IsDefined() || child.IsNull()) {
    node[parts[i]] = YAML::Node(YAML::NodeType::Map);
    child = node[parts[i]];
  }
  set_yaml_path(child, parts, i + 1, value, full);
}

void apply_override(YAML::Node& root, const std::string& text, std::set<std::string>& overridden) {
  const auto eq = text.find('=');
  if (eq == std::string::npos || eq == 0)
    throw Error(fmt::format("--set '{}': expected key.path=value", text));
  const std::string key = text.substr(0, eq);
  const std::string value_text = text.substr(eq + 1);
  if (!find_field(key) && !is_section(key))
    throw Error(fmt::format("--set {}: unknown deployment key (see 'tessera tco --keys')", key));
  YAML::Node value;
  try {
    value = YAML::Load(value_text);
  } catch (const YAML::Exception&) {
    value = YAML::Node(value_text);
  }
  std::vector<std::string> parts;
  std::stringstream ss(key);
  for (std::string p; std::getline(ss, p, '.');) parts.push_back(p);
  if (root.IsNull()) root = YAML::Node(YAML::NodeType::Map);
  set_yaml_path(root, parts, 0, value, key);
  overridden.insert(key);
}

/// Fills tokens/s and the power figures the deployment does not give from a run's summary
/// covering `n` cards. `source` names the run in errors ("performance.result r.json");
/// `origin_tag` is what the origins say ("result", "simulation").
void fill_from_summary(Deployment& d, const ResultSummary& s, double n, const std::string& origin,
                       const std::string& source, const std::string& origin_tag) {
  auto& p = d.performance;
  if (!s.tokens_per_second || *s.tokens_per_second <= 0)
    throw Error(fmt::format("{}: {}: summary.tokens_per_second is {} (a throughput above 0 is "
                            "needed; was it a token-generating workload? an operator list needs "
                            "a `tokens:` count)",
                            origin, source, s.tokens_per_second ? "not positive" : "absent"));
  p.tokens_per_second_per_card = *s.tokens_per_second / n;
  p.tokens_origin = origin_tag;
  if (!d.given.count("performance.busy_power_w")) {
    if (!s.avg_power_w)
      throw Error(fmt::format(
          "{}: {} has no summary.avg_power_w (the simulator's power model is not in that "
          "result); give performance.busy_power_w and performance.idle_power_w explicitly",
          origin, source));
    p.busy_power_w = *s.avg_power_w / n;
    p.busy_power_origin = origin_tag;
  }
  if (!d.given.count("performance.idle_power_w")) {
    if (!s.idle_power_w)
      throw Error(fmt::format(
          "{}: {} has no summary.idle_power_w (the simulator's power model is not in that "
          "result); give performance.idle_power_w explicitly",
          origin, source));
    p.idle_power_w = *s.idle_power_w / n;
    p.idle_power_origin = origin_tag;
  }
  const FieldSpec* busy = find_field("performance.busy_power_w");
  if (!busy->in_range(p.busy_power_w))
    throw Error(fmt::format("{}: busy power {} W from {} is out of range; allowed {}", origin,
                            p.busy_power_w, source, busy->range_text()));
}

/// Checks a `performance.simulate` block: a chip, and either model + scenario or a workload.
void check_simulate_block(const Deployment& d, const std::string& origin) {
  const auto& p = d.performance;
  const auto& sim = p.simulate;
  auto fail = [&](const std::string& msg) { throw Error(fmt::format("{}: {}", origin, msg)); };
  if (!p.result.empty())
    fail("performance.simulate conflicts with performance.result (both supply the figures); give "
         "one of them");
  if (d.given.count("performance.tokens_per_second_per_card"))
    fail("performance.tokens_per_second_per_card conflicts with performance.simulate (which "
         "supplies the throughput); give one of them");
  if (sim.chip.empty())
    fail("missing performance.simulate.chip (chip name under configs/chips, or a chip YAML path)");
  const bool by_model = !sim.model.empty() || !sim.scenario.empty();
  if (by_model && !sim.workload.empty())
    fail("performance.simulate: give either workload or model + scenario, not both");
  if (!by_model && sim.workload.empty())
    fail("performance.simulate: missing the workload (give performance.simulate.workload, or "
         "performance.simulate.model with performance.simulate.scenario)");
  if (by_model && sim.model.empty())
    fail("missing performance.simulate.model (performance.simulate.scenario needs a model)");
  if (by_model && sim.scenario.empty())
    fail("missing performance.simulate.scenario (performance.simulate.model needs a scenario)");
}

void resolve_performance(Deployment& d, const std::filesystem::path& base_dir,
                         const std::string& origin) {
  auto& p = d.performance;
  const bool explicit_tokens = d.given.count("performance.tokens_per_second_per_card") > 0;
  p.tokens_origin = p.busy_power_origin = p.idle_power_origin = "deployment";
  if (d.given.count("performance.cards_in_result") && p.result.empty())
    throw Error(fmt::format("{}: performance.cards_in_result is only used with performance.result",
                            origin));
  if (p.simulate.given()) {
    check_simulate_block(d, origin);
    p.simulate.base_dir = base_dir;
    p.awaiting_simulation = true;
    return;
  }
  if (p.result.empty()) {
    for (const char* key : {"performance.tokens_per_second_per_card", "performance.busy_power_w",
                            "performance.idle_power_w"})
      if (!d.given.count(key))
        throw Error(fmt::format("{}: missing {} (give it explicitly, name a simulation result "
                                "with performance.result, or simulate with performance.simulate)",
                                origin, key));
    return;
  }
  if (explicit_tokens)
    throw Error(fmt::format("{}: performance.tokens_per_second_per_card conflicts with "
                            "performance.result (which supplies the throughput); give one of them",
                            origin));
  std::filesystem::path rp(p.result);
  if (rp.is_relative()) rp = base_dir / rp;
  p.result_resolved = rp.string();
  const ResultSummary s = read_result_summary(rp);
  fill_from_summary(d, s, p.cards_in_result, origin, "performance.result " + p.result, "result");
}

}  // namespace

Deployment parse_deployment(const std::string& yaml_text, const std::string& origin,
                            const std::filesystem::path& base_dir,
                            const std::vector<std::string>& overrides) {
  require_utf8(yaml_text, origin);
  YAML::Node root;
  try {
    root = YAML::Load(yaml_text);
  } catch (const YAML::Exception& e) {
    throw Error(fmt::format("{}:{}: YAML syntax error: {}", origin, e.mark.line + 1, e.msg));
  }
  require_utf8(root, origin);
  std::set<std::string> overridden;
  for (const auto& o : overrides) apply_override(root, o, overridden);
  if (!root.IsMap())
    throw Error(fmt::format("{}: a deployment is a YAML map with keys {}", origin,
                            join(children_of(""), ", ")));

  Loader loader(origin, overridden);
  Deployment d;
  d.file = origin;
  // The currency comes first: bare amounts are in it.
  if (const YAML::Node c = root["currency"]; c.IsDefined()) {
    loader.read_leaf(*find_field("currency"), c, d);
    d.currency = *parse_currency(d.currency_text);
  }
  loader.walk(root, "", d);
  for (const auto& f : deployment_fields())
    if (f.required && !d.given.count(f.path))
      throw Error(fmt::format("{}: missing required key {} ({}; allowed {})", origin, f.path,
                              f.help, f.range_text()));
  loader.convert_money(d);
  d.revenue.voucher.mode = d.revenue.voucher.mode_text == "price_support" ? VoucherMode::price_support
                           : d.revenue.voucher.mode_text == "demand_uplift" ? VoucherMode::demand_uplift
                                                                            : VoucherMode::none;
  resolve_performance(d, base_dir, origin);
  validate_deployment(d);
  return d;
}

Deployment load_deployment(const std::filesystem::path& file, const std::vector<std::string>& overrides) {
  std::ifstream in(file);
  if (!in) throw Error(fmt::format("{}: cannot read deployment file", file.string()));
  std::stringstream text;
  text << in.rdbuf();
  return parse_deployment(text.str(), file.string(), file.parent_path(), overrides);
}

std::string Deployment::Simulation::locate(const std::string& value) const {
  if (value.empty() || base_dir.empty()) return value;
  const std::filesystem::path v(value);
  if (v.is_absolute()) return value;
  std::error_code ec;
  const std::filesystem::path near = base_dir / v;
  if (std::filesystem::is_regular_file(near, ec)) return near.string();
  return value;
}

void apply_simulated_performance(Deployment& d, const ResultSummary& summary) {
  auto& p = d.performance;
  const std::string origin = d.file.empty() ? std::string("deployment") : d.file;
  if (!p.simulate.given())
    throw Error(fmt::format("{}: apply_simulated_performance needs a performance.simulate block",
                            origin));
  const std::string source = fmt::format("performance.simulate ({} on {})",
                                         p.simulate.workload_label(), p.simulate.chip);
  fill_from_summary(d, summary, 1.0, origin, source, "simulation");
  p.awaiting_simulation = false;
  p.simulation_note = fmt::format("simulated: {}, {}, {:.6g} tok/s, {:.6g} W", p.simulate.chip,
                                  p.simulate.workload_label(), *summary.tokens_per_second,
                                  summary.avg_power_w ? *summary.avg_power_w : p.busy_power_w);
  validate_deployment(d);
}

// ---------------------------------------------------------------------------------------
// Cross-key checks

void validate_deployment(const Deployment& d) {
  const std::string& o = d.file.empty() ? std::string("deployment") : d.file;
  auto fail = [&](const std::string& msg) { throw Error(fmt::format("{}: {}", o, msg)); };
  const auto& r = d.revenue;

  if (r.occupancy.empty()) fail("revenue.occupancy: give at least one value");
  if (static_cast<int>(r.occupancy.size()) > d.finance.horizon_years)
    fail(fmt::format("revenue.occupancy has {} yearly values but finance.horizon_years is {}",
                     r.occupancy.size(), d.finance.horizon_years));
  if (r.long_term.share > 0)
    for (const char* k : {"revenue.long_term.price_per_card_hour", "revenue.long_term.utilisation"})
      if (!d.given.count(k)) fail(fmt::format("missing {} (revenue.long_term.share is {})", k, r.long_term.share));
  if (d.short_term_share() > 0)
    for (const char* k : {"revenue.short_term.price_per_card_hour", "revenue.short_term.utilisation"})
      if (!d.given.count(k))
        fail(fmt::format("missing {} (the short-term share is 1 - revenue.long_term.share = {})", k,
                         d.short_term_share()));

  const auto& p = d.performance;
  // Checks that need the card power figures wait for the simulation that supplies them.
  const bool have_power = !p.awaiting_simulation;
  if (have_power && p.idle_power_w > p.busy_power_w)
    fail(fmt::format("performance.idle_power_w ({} W) exceeds performance.busy_power_w ({} W)",
                     p.idle_power_w, p.busy_power_w));
  if (d.hardware.server_overhead_idle_w > d.hardware.server_overhead_busy_w)
    fail(fmt::format("hardware.server_overhead.idle_w ({} W) exceeds busy_w ({} W)",
                     d.hardware.server_overhead_idle_w, d.hardware.server_overhead_busy_w));

  const Currency c = d.currency;
  if (d.opex.electricity_subsidy_per_kwh.in(c) > d.opex.electricity_price_per_kwh.in(c))
    fail(fmt::format("opex.electricity_subsidy_per_kwh ({}) exceeds opex.electricity_price_per_kwh "
                     "({}); allowed [0, tariff]",
                     d.opex.electricity_subsidy_per_kwh.in(c), d.opex.electricity_price_per_kwh.in(c)));

  const auto& cx = d.capex;
  const double gross = d.hardware.servers * (cx.server_price.in(c) + cx.network_storage_per_server.in(c)) +
                       cx.facility_build_per_kw.in(c) * d.peak_it_kw() + cx.software.in(c) +
                       cx.cloud_platform.in(c) + cx.preinstalled_models.in(c);
  if (have_power && cx.capital_subsidy.in(c) > gross)
    fail(fmt::format("capex.capital_subsidy ({}) exceeds the gross CapEx ({}); allowed [0, gross CapEx]",
                     cx.capital_subsidy.in(c), gross));

  const auto& v = r.voucher;
  if (v.mode == VoucherMode::none) {
    for (const char* k : {"revenue.voucher.rate", "revenue.voucher.eligible_share",
                          "revenue.voucher.cap_per_year", "revenue.voucher.years"})
      if (d.given.count(k)) fail(fmt::format("{} is given but revenue.voucher.mode is none", k));
  } else {
    if (!d.given.count("revenue.voucher.rate"))
      fail(fmt::format("missing revenue.voucher.rate (revenue.voucher.mode is {})", v.mode_text));
    if (v.mode == VoucherMode::price_support && v.rate > 1)
      fail(fmt::format("revenue.voucher.rate = {} is out of range for price_support; allowed [0, 1]", v.rate));
    if (v.mode == VoucherMode::demand_uplift)
      for (const char* k : {"revenue.voucher.eligible_share", "revenue.voucher.cap_per_year"})
        if (d.given.count(k)) fail(fmt::format("{} is only used with revenue.voucher.mode price_support", k));
  }
}

// ---------------------------------------------------------------------------------------
// Numeric access for sweeps and the tornado

void set_numeric(Deployment& d, const std::string& key, double value) {
  auto out_of_range = [&](const std::string& range) {
    return Error(fmt::format("{} = {} is out of range; allowed {}", key, value, range));
  };
  if (key == "utilisation") {
    if (!(value >= 0 && value <= 1)) throw out_of_range("[0, 1]");
    d.revenue.long_term.utilisation = d.revenue.short_term.utilisation = value;
    d.given.insert("revenue.long_term.utilisation");
    d.given.insert("revenue.short_term.utilisation");
    return;
  }
  if (key == "price") {
    if (!(value >= 0 && std::isfinite(value))) throw out_of_range("[0, inf)");
    d.revenue.long_term.price_per_card_hour = d.revenue.short_term.price_per_card_hour =
        Money(value, d.currency);
    d.given.insert("revenue.long_term.price_per_card_hour");
    d.given.insert("revenue.short_term.price_per_card_hour");
    return;
  }
  const FieldSpec* f = find_field(key);
  if (!f)
    throw Error(fmt::format("unknown key '{}' (aliases: utilisation, price; see 'tessera tco --keys')", key));
  if (!f->in_range(value)) throw out_of_range(f->range_text());
  FieldRef ref = f->ref(d);
  switch (f->kind) {
    case FieldKind::real: *std::get<double*>(ref) = value; break;
    case FieldKind::integer:
      if (value != std::floor(value))
        throw Error(fmt::format("{} = {} is not a whole number; allowed {}", key, value, f->range_text()));
      *std::get<int*>(ref) = static_cast<int>(value);
      break;
    case FieldKind::money: *std::get<Money*>(ref) = Money(value, d.currency); break;
    case FieldKind::real_list: *std::get<std::vector<double>*>(ref) = {value}; break;
    default: throw Error(fmt::format("{} is not a numeric key", key));
  }
  d.given.insert(key);
}

double get_numeric(const Deployment& d_const, const std::string& key) {
  Deployment& d = const_cast<Deployment&>(d_const);  // refs are read only here
  const double sl = d.revenue.long_term.share, ss = d.short_term_share();
  if (key == "utilisation")
    return sl * d.revenue.long_term.utilisation + ss * d.revenue.short_term.utilisation;
  if (key == "price")
    return sl * d.revenue.long_term.price_per_card_hour.in(d.currency) +
           ss * d.revenue.short_term.price_per_card_hour.in(d.currency);
  const FieldSpec* f = find_field(key);
  if (!f) throw Error(fmt::format("unknown key '{}' (see 'tessera tco --keys')", key));
  FieldRef ref = f->ref(d);
  switch (f->kind) {
    case FieldKind::real: return *std::get<double*>(ref);
    case FieldKind::integer: return *std::get<int*>(ref);
    case FieldKind::money: return std::get<Money*>(ref)->in(d.currency);
    case FieldKind::real_list: {
      const auto& v = *std::get<std::vector<double>*>(ref);
      return v.empty() ? 0.0 : std::accumulate(v.begin(), v.end(), 0.0) / static_cast<double>(v.size());
    }
    default: throw Error(fmt::format("{} is not a numeric key", key));
  }
}

}  // namespace tessera::econ
