#include "models/power/energy_model.h"

#include <algorithm>
#include <numeric>

#include <fmt/core.h>

namespace tessera {

namespace {

constexpr double kPjPerJoule = 1e12;

// Unit kinds that carry static power, in the order of StaticPowerConfig's fields; the NoC's
// static power goes to its links ("noc_link"), or to the "noc" group when there are no links.
enum StaticKind : std::size_t { kMatrix, kVector, kScratchpad, kGlobalSram, kNoc, kHbm, kStaticKinds };

double static_w(const StaticPowerConfig& s, std::size_t kind) {
  switch (kind) {
    case kMatrix: return s.matrix;
    case kVector: return s.vector;
    case kScratchpad: return s.scratchpad;
    case kGlobalSram: return s.global_sram;
    case kNoc: return s.noc;
    case kHbm: return s.hbm;
  }
  return 0;
}

}  // namespace

EnergyTable energy_table(const ChipConfig& chip, std::uint32_t index) {
  const PowerConfig& p = chip.power;
  if (index >= p.operating_points.size())
    throw Error(fmt::format("chip '{}': operating point {} does not exist (power.operating_points has {})", chip.name,
                            index, p.operating_points.size()));
  EnergyTable t;
  t.point = p.operating_points[index];
  const double v = t.point.volts / p.nominal().volts;
  t.dynamic_scale = v * v;
  t.leakage_scale = v;
  const double s = chip.calibration.dynamic_energy_scale;
  const double on_die = s * t.dynamic_scale;
  for (DataType dt : kAllDataTypes)
    if (auto it = p.pj_per_mac.find(dt); it != p.pj_per_mac.end())
      t.mac_pj[static_cast<std::size_t>(dt)] = it->second * on_die;
  t.vector_add_mul_pj = p.vector_pj_per_op.add_mul * on_die;
  t.vector_exp_pj = p.vector_pj_per_op.exp * on_die;
  t.vector_reduce_pj = p.vector_pj_per_op.reduce * on_die;
  t.scratchpad_read_pj = p.scratchpad_pj_per_byte.read * on_die;
  t.scratchpad_write_pj = p.scratchpad_pj_per_byte.write * on_die;
  t.sram_read_pj = p.sram_pj_per_byte.read * on_die;
  t.sram_write_pj = p.sram_pj_per_byte.write * on_die;
  t.noc_byte_hop_pj = p.noc_pj_per_byte_hop * on_die;
  // The DRAM and the links have their own supplies: the core voltage does not scale them.
  t.hbm_read_pj = p.hbm_pj_per_byte.read * s;
  t.hbm_write_pj = p.hbm_pj_per_byte.write * s;
  t.hbm_activate_pj = p.hbm_activate_pj * s;
  t.hbm_refresh_pj = p.hbm_refresh_pj;  // background: no work-proportional overhead
  t.c2c_byte_pj = p.c2c_pj_per_bit * 8 * s;
  t.static_w = p.static_w;
  t.static_w.matrix *= v;
  t.static_w.vector *= v;
  t.static_w.scratchpad *= v;
  t.static_w.global_sram *= v;
  t.static_w.noc *= v;
  return t;
}

double idle_power_w(const ChipConfig& chip, std::uint32_t index) {
  const EnergyTable t = energy_table(chip, index);
  const HbmConfig& h = chip.hbm;
  double refresh_w = 0;
  if (h.timing.tREFI > 0 && h.clock_mhz > 0) {
    // The simulated DRAM clock runs at hbm_efficiency x clock_mhz (see run_config.h).
    const double trefi_s = h.timing.tREFI / (h.clock_mhz * 1e6 * chip.calibration.hbm_efficiency);
    refresh_w = double(h.controllers()) * t.hbm_refresh_pj / kPjPerJoule / trefi_s;
  }
  return t.static_w.total() + refresh_w;
}

double EnergyModel::price(const EnergyTable& t, Event e) {
  switch (e) {
    case Event::mac_fp32: return t.mac_pj[0];
    case Event::mac_bf16: return t.mac_pj[1];
    case Event::mac_fp16: return t.mac_pj[2];
    case Event::mac_fp8: return t.mac_pj[3];
    case Event::mac_int8: return t.mac_pj[4];
    case Event::vector_add_mul: return t.vector_add_mul_pj;
    case Event::vector_exp: return t.vector_exp_pj;
    case Event::vector_reduce: return t.vector_reduce_pj;
    case Event::scratchpad_read: return t.scratchpad_read_pj;
    case Event::scratchpad_write: return t.scratchpad_write_pj;
    case Event::sram_read: return t.sram_read_pj;
    case Event::sram_write: return t.sram_write_pj;
    case Event::noc_byte_hop: return t.noc_byte_hop_pj;
    case Event::hbm_read: return t.hbm_read_pj;
    case Event::hbm_write: return t.hbm_write_pj;
    case Event::hbm_activate: return t.hbm_activate_pj;
    case Event::hbm_refresh: return t.hbm_refresh_pj;
    case Event::c2c_byte: return t.c2c_byte_pj;
  }
  return 0;
}

EnergyModel::EnergyModel(const ChipConfig& chip, const StatsRegistry& stats) {
  for (std::uint32_t i = 0; i < chip.power.operating_points.size(); ++i) tables_.push_back(energy_table(chip, i));

  // Which counter of which kind of unit is which event.
  struct Rule {
    const char* kind;
    const char* stat;
    Event event;
  };
  static constexpr Rule kRules[] = {
      {"matrix", "macs_fp32", Event::mac_fp32},
      {"matrix", "macs_bf16", Event::mac_bf16},
      {"matrix", "macs_fp16", Event::mac_fp16},
      {"matrix", "macs_fp8", Event::mac_fp8},
      {"matrix", "macs_int8", Event::mac_int8},
      {"vector", "ops_add_mul", Event::vector_add_mul},
      {"vector", "ops_exp", Event::vector_exp},
      {"vector", "ops_reduce", Event::vector_reduce},
      {"scratchpad", stat_names::kBytesRead, Event::scratchpad_read},
      {"scratchpad", stat_names::kBytesWritten, Event::scratchpad_write},
      {"global_sram", stat_names::kBytesRead, Event::sram_read},
      {"global_sram", stat_names::kBytesWritten, Event::sram_write},
      {"noc_link", "bytes", Event::noc_byte_hop},  // one link or port traversal = one hop
      {"hbm", stat_names::kBytesRead, Event::hbm_read},
      {"hbm", stat_names::kBytesWritten, Event::hbm_write},
      {"hbm", "activates", Event::hbm_activate},
      {"hbm", "refreshes", Event::hbm_refresh},
      {"c2c_link", "bytes", Event::c2c_byte},
  };

  bool has_noc_links = false;
  for (const auto& g : stats.groups()) has_noc_links |= g->kind() == "noc_link";
  auto static_kind = [&](const std::string& kind) -> std::size_t {
    if (kind == "matrix") return kMatrix;
    if (kind == "vector") return kVector;
    if (kind == "scratchpad") return kScratchpad;
    if (kind == "global_sram") return kGlobalSram;
    if (kind == "noc_link" || (kind == "noc" && !has_noc_links)) return kNoc;
    if (kind == "hbm") return kHbm;
    return kStaticKinds;  // draws no static power of its own
  };

  units_of_kind_.assign(kStaticKinds + 1, 0);
  for (const auto& g : stats.groups()) {
    Observed o;
    o.group = g.get();
    o.kind_index = static_kind(g->kind());
    ++units_of_kind_[o.kind_index];
    for (const Rule& r : kRules)
      if (g->kind() == r.kind)
        if (const Stat* s = g->find(r.stat)) o.terms.push_back(Term{s, r.event, s->value});
    observed_.push_back(std::move(o));
  }
}

EnergyDelta EnergyModel::account(double seconds, std::uint32_t point) {
  const EnergyTable& t = tables_.at(point);
  EnergyDelta d;
  // Static watts per unit of each kind at this point; kinds without units go to the board.
  double per_unit_w[kStaticKinds + 1] = {};
  double board_w = t.static_w.other;
  for (std::size_t k = 0; k < kStaticKinds; ++k) {
    const double w = static_w(t.static_w, k);
    if (units_of_kind_[k] > 0) per_unit_w[k] = w / double(units_of_kind_[k]);
    else board_w += w;
  }
  const double to_pj = std::max(0.0, seconds) * kPjPerJoule;
  for (Observed& o : observed_) {
    double dynamic = 0;
    for (Term& term : o.terms) {
      const double v = term.stat->value;
      if (v == term.last) continue;
      const double e = (v - term.last) * price(t, term.event);
      term.last = v;
      if (term.event == Event::hbm_refresh) {
        d.refresh_pj += e;
        by_kind_["hbm_refresh"] += e;
      } else {
        d.dynamic_pj += e;
        by_kind_[o.group->kind()] += e;
      }
      dynamic += e;
    }
    const double st = per_unit_w[o.kind_index] * to_pj;
    o.dynamic_pj += dynamic;
    o.static_pj += st;
    d.static_pj += st;
  }
  const double board = board_w * to_pj;
  board_static_pj_ += board;
  d.static_pj += board;
  dynamic_pj_ += d.dynamic_pj + d.refresh_pj;
  static_pj_ += d.static_pj;
  return d;
}

void EnergyModel::write_stats(StatsRegistry& stats) const {
  auto write = [](StatGroup& g, double dynamic, double st) {
    g.add(energy_stats::kDynamic, "pJ", "dynamic energy: counted events x energy per event").value = dynamic;
    g.add(energy_stats::kStatic, "pJ", "static energy: the unit's share of static power x time").value = st;
    g.add(energy_stats::kEnergy, "pJ", "dynamic + static energy").value = dynamic + st;
  };
  for (const Observed& o : observed_) write(*o.group, o.dynamic_pj, o.static_pj);
  write(stats.add_group(kBoardGroup, kBoardKind, 0), 0, board_static_pj_);
}

std::map<std::string, std::pair<double, double>> EnergyModel::group_energies() const {
  std::map<std::string, std::pair<double, double>> out;
  for (const Observed& o : observed_) out[o.group->path()] = {o.dynamic_pj, o.static_pj};
  out[kBoardGroup] = {0.0, board_static_pj_};
  return out;
}

std::vector<double> attribute_energy_j(const EnergyModel& model, const std::vector<OpEnergyShare>& ops) {
  const std::size_t n = ops.size();
  std::vector<double> out(n, 0.0);
  if (n == 0) return out;
  std::vector<double> by_time(n);
  for (std::size_t i = 0; i < n; ++i) by_time[i] = std::max(0.0, ops[i].seconds);
  if (std::accumulate(by_time.begin(), by_time.end(), 0.0) <= 0) std::fill(by_time.begin(), by_time.end(), 1.0);

  auto spread = [&](double pj, const std::vector<double>& weights) {
    if (pj == 0) return;
    double total = std::accumulate(weights.begin(), weights.end(), 0.0);
    const std::vector<double>& w = total > 0 ? weights : by_time;
    if (total <= 0) total = std::accumulate(by_time.begin(), by_time.end(), 0.0);
    for (std::size_t i = 0; i < n; ++i) out[i] += pj * w[i] / total;
  };
  std::vector<double> mac(n), vec(n), sram(n), hbm(n);
  for (std::size_t i = 0; i < n; ++i) {
    mac[i] = ops[i].mac_pj;
    vec[i] = ops[i].vector_cycles;
    sram[i] = ops[i].sram_bytes;
    hbm[i] = ops[i].hbm_bytes;
  }
  for (const auto& [kind, pj] : model.dynamic_pj_by_kind()) {
    if (kind == "matrix") spread(pj, mac);
    else if (kind == "vector") spread(pj, vec);
    else if (kind == "scratchpad" || kind == "global_sram" || kind == "noc_link") spread(pj, sram);
    else if (kind == "hbm") spread(pj, hbm);
    else spread(pj, by_time);  // refresh and anything else
  }
  spread(model.static_pj(), by_time);
  for (double& e : out) e /= kPjPerJoule;
  return out;
}

}  // namespace tessera
