#include "sim/table_simulation.h"

#include <algorithm>
#include <unordered_set>

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include "base/version.h"
#include "models/config/run_config.h"
#include "models/power/energy_model.h"
#include "sim/invariants.h"
#include "sim/run_summary.h"

namespace tessera {

namespace {

constexpr double kPjPerJoule = 1e12;

StatsLayout layout_of(const StatsRegistry& stats) {
  StatsLayout l;
  for (const auto& g : stats.groups()) {
    StatsLayout::Group& out = l.groups.emplace_back();
    out.path = g->path();
    out.kind = g->kind();
    out.clock_mhz = g->clock_mhz();
    for (const Stat& st : g->stats()) {
      out.names.push_back(st.name);
      out.units.push_back(st.unit);
      out.descriptions.push_back(st.description);
    }
  }
  return l;
}

/// Measures `op` after `predecessor` with one cycle-level simulation of the two.
OpRecord measure(const ChipConfig& chip, const SimOptions& options, const Operator* predecessor, const Operator& op,
                 OpTable& table, const std::string& config_key) {
  Workload w;
  w.name = op.name;
  w.source = "one operator, after its predecessor (operator-timing table)";
  if (predecessor) {
    Operator before = *predecessor;
    before.deps.clear();
    w.ops.push_back(std::move(before));
  }
  Operator timed = op;
  timed.deps.clear();
  if (predecessor) {
    if (w.ops.front().id == timed.id) w.ops.front().id += "@before";  // an operator after a copy of itself
    timed.deps = {w.ops.front().id};
  }
  w.ops.push_back(std::move(timed));

  SimOptions whole = options;
  whole.fidelity = Fidelity::cycle_full;
  whole.record_timeline = false;
  whole.op_table = nullptr;
  StatsSnapshot snapshot;
  snapshot.at_op_start = static_cast<std::uint32_t>(w.ops.size() - 1);
  const SimResult r = simulate_whole(chip, w, whole, predecessor ? &snapshot : nullptr);
  if (predecessor && !snapshot.taken)
    throw Error(fmt::format("operator '{}': its timing simulation never started it", op.id));

  const OpResult& row = r.ops.back();
  const std::uint64_t from_fs = predecessor ? r.ops.front().end_fs : 0;
  OpRecord rec;
  rec.duration_fs = row.end_fs - from_fs;
  rec.start_offset_fs = row.start_fs - from_fs;
  rec.tiles = row.tiles;
  rec.engine_cycles = row.engine_cycles;
  rec.hbm_bytes = row.hbm_bytes;
  rec.sram_bytes = row.sram_bytes;
  rec.throttled_s = r.summary.number("throttled_s") - (predecessor ? snapshot.throttled_s : 0.0);
  rec.peak_window_w = r.summary.number("peak_power_w");
  rec.delta_cycles = r.summary.number("kernel_delta_cycles");
  // Counters: their increments since the operator started (the energy model was brought up to
  // that instant, so the units' energies are increments too). Without a predecessor the
  // operator is the whole simulation.
  const auto& groups = r.stats->groups();
  rec.stats.resize(groups.size());
  double dynamic_pj = 0, static_pj = 0;
  for (std::size_t g = 0; g < groups.size(); ++g) {
    const std::vector<double>* before = predecessor && g < snapshot.values.size() ? &snapshot.values[g] : nullptr;
    const auto energy_before = snapshot.energy.find(groups[g]->path());
    const std::pair<double, double> e0 =
        predecessor && energy_before != snapshot.energy.end() ? energy_before->second : std::pair<double, double>{0, 0};
    for (std::size_t k = 0; k < groups[g]->stats().size(); ++k) {
      const Stat& st = groups[g]->stats()[k];
      double v = st.value;
      if (st.name == energy_stats::kDynamic) v -= e0.first, dynamic_pj += v;
      else if (st.name == energy_stats::kStatic) v -= e0.second, static_pj += v;
      else if (st.name == energy_stats::kEnergy) v -= e0.first + e0.second;
      else if (before && k < before->size()) v -= (*before)[k];
      rec.stats[g].push_back(v);
    }
  }
  rec.energy_j = (dynamic_pj + static_pj) / kPjPerJoule;
  rec.static_pj = static_pj;
  if (!table.layout(config_key)) table.set_layout(config_key, layout_of(*r.stats));
  return rec;
}

}  // namespace

std::string timing_signature(const Operator& op) {
  return fmt::format("{}|{}|{}|{}|{}x{}x{}x{}|w{}|{}x{}|{}|{}|{}|{}|{}{}", to_string(op.kind), to_string(op.dtype),
                     to_string(op.out_dtype), op.b_dtype ? to_string(*op.b_dtype) : "-", op.batch, op.m, op.n, op.k,
                     op.b_is_weight ? 1 : 0, op.rows, op.cols, to_string(op.vector_class), op.ops_per_element,
                     op.inputs, op.outputs, op.fused_input ? 1 : 0, op.fused_output ? 1 : 0);
}

std::string op_table_config_key(const ChipConfig& chip, const SimOptions& options) {
  YAML::Emitter chip_yaml;
  chip_yaml << to_yaml(chip);
  return fmt::format("tessera {}\ncompute_only={} dataflow={} operating_point={} power_limit={}\n{}", kVersion,
                     options.compute_only ? 1 : 0, options.dataflow ? to_string(*options.dataflow) : "default",
                     options.operating_point.value_or(chip.power.nominal_point), options.power_limit ? 1 : 0,
                     chip_yaml.c_str());
}

const OpRecord& time_operator(const ChipConfig& chip, const SimOptions& options, OpTable& table,
                              const Operator* predecessor, const Operator& op) {
  return time_operator(chip, options, table, predecessor, op, op_table_config_key(chip, options));
}

const OpRecord& time_operator(const ChipConfig& chip, const SimOptions& options, OpTable& table,
                              const Operator* predecessor, const Operator& op, const std::string& config_key) {
  const std::string op_key =
      fmt::format("{}\n{}", predecessor ? timing_signature(*predecessor) : "idle", timing_signature(op));
  if (const OpRecord* r = table.find(config_key, op_key); r && table.layout(config_key)) return *r;
  return table.insert(config_key, op_key, measure(chip, options, predecessor, op, table, config_key));
}

std::string table_unusable_reason(const Workload& workload, const SimOptions& options) {
  if (options.record_timeline) return "a timeline was asked for";
  std::unordered_set<std::string> earlier;
  for (std::size_t i = 0; i < workload.ops.size(); ++i) {
    const Operator& op = workload.ops[i];
    for (const auto& dep : op.deps)
      if (!earlier.count(dep))
        throw Error(fmt::format("operator '{}': dependency '{}' is not an earlier operator", op.id, dep));
    if (i > 0 && std::find(op.deps.begin(), op.deps.end(), workload.ops[i - 1].id) == op.deps.end())
      return fmt::format("operators '{}' and '{}' may overlap", workload.ops[i - 1].id, op.id);
    earlier.insert(op.id);
  }
  // Each record simulates its predecessor too: the table pays off only when operators repeat.
  // The decision depends on the workload alone, never on what a cache holds.
  auto cost = [](const Operator& op) { return double(op.bytes_read() + op.bytes_written()) + op.flops() / 512; };
  std::unordered_set<std::string> pairs;
  double whole = 0, by_table = 0;
  for (std::size_t i = 0; i < workload.ops.size(); ++i) {
    const Operator& op = workload.ops[i];
    whole += cost(op);
    const Operator* pred = i > 0 ? &workload.ops[i - 1] : nullptr;
    if (pairs.insert(fmt::format("{}\n{}", pred ? timing_signature(*pred) : "idle", timing_signature(op))).second)
      by_table += cost(op) + (pred ? cost(*pred) : 0.0);
  }
  if (workload.ops.size() > 1 && by_table > kTableCostShare * whole)
    return fmt::format("{} of its {} operators are distinct: the operator table would not save time", pairs.size(),
                       workload.ops.size());
  return "";
}

SimResult simulate_by_table(const ChipConfig& chip, const Workload& workload, const SimOptions& options,
                            OpTable& table) {
  SimResult result = new_result(chip, workload);

  const std::uint32_t point = options.operating_point.value_or(chip.power.nominal_point);
  const ChipConfig run_chip = run_config(chip, point);
  const ClockDomain core_clock("core", run_chip.clocks.core_mhz);
  RunSummariser summariser(chip, run_chip, core_clock.mhz(), core_clock.period_fs());
  const std::string config_key = op_table_config_key(chip, options);

  std::vector<const OpRecord*> records;
  std::unordered_set<const OpRecord*> distinct;
  PowerFigures power;
  power.trace.final_point = point;
  double delta_cycles = 0;
  std::uint64_t t_fs = 0;
  for (std::size_t i = 0; i < workload.ops.size(); ++i) {
    const Operator& op = workload.ops[i];
    const OpRecord& rec = time_operator(chip, options, table, i > 0 ? &workload.ops[i - 1] : nullptr, op, config_key);
    records.push_back(&rec);
    const std::uint64_t start = t_fs + rec.start_offset_fs, end = t_fs + rec.duration_fs;
    OpResult row = summariser.row(op, OpMeasure{start, end, rec.tiles, rec.engine_cycles, rec.hbm_bytes, rec.sram_bytes});
    row.energy_j = rec.energy_j;
    result.ops.push_back(std::move(row));
    t_fs = end;
    power.static_pj += rec.static_pj;
    power.dynamic_pj += rec.energy_j * kPjPerJoule - rec.static_pj;
    power.trace.throttled_s += rec.throttled_s;
    power.trace.peak_window_w = std::max(power.trace.peak_window_w, rec.peak_window_w);
    if (distinct.insert(&rec).second) delta_cycles += rec.delta_cycles;
  }

  // The units' counters: the records' increments summed, under the chip's group layout.
  const StatsLayout* layout = table.layout(config_key);
  if (layout) {
    std::vector<std::vector<Stat*>> counters;
    for (const auto& g : layout->groups) {
      StatGroup& out = result.stats->add_group(g.path, g.kind, g.clock_mhz);
      std::vector<Stat*>& group = counters.emplace_back();
      for (std::size_t k = 0; k < g.names.size(); ++k) group.push_back(&out.add(g.names[k], g.units[k], g.descriptions[k]));
    }
    for (const OpRecord* rec : records)
      for (std::size_t g = 0; g < counters.size() && g < rec->stats.size(); ++g)
        for (std::size_t k = 0; k < counters[g].size() && k < rec->stats[g].size(); ++k)
          counters[g][k]->value += rec->stats[g][k];
  }

  summariser.summarise(result.summary, workload, RunCounters::of(*result.stats, delta_cycles), power, point,
                       options.compute_only);
  Summary& s = result.summary;
  s.set_text("fidelity", "cycle",
             "timing: each distinct operator simulated once at cycle level, after its predecessor (operator-timing table)");
  s.set("op_table_records", double(distinct.size()), "count", "distinct operators simulated at cycle level");
  s.set("op_table_reused", double(workload.ops.size() - distinct.size()), "count",
        "operators that reused an earlier operator's record");
  check_invariants(result);
  return result;
}

}  // namespace tessera
