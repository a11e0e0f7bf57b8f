#include "cluster/step_simulator.h"
#include "sim/invariants.h"
#include "sim/run_summary.h"

#include <algorithm>
#include <array>
#include <chrono>
#include <numeric>
#include <unordered_map>
#include <unordered_set>

#include <fmt/format.h>

#include "base/version.h"
#include "models/power/energy_model.h"

namespace tessera {

namespace {

constexpr std::size_t kStreams = 3;
constexpr std::array<const char*, kStreams> kStreamNames{"compute", "dp", "pp"};

std::size_t stream_index(const Operator& op) {
  if (op.kind != OpKind::collective) return 0;
  if (op.collective.group == "dp" || op.collective.group == "edp") return 1;
  if (op.collective.group == "pp") return 2;
  return 0;  // tensor- and expert-parallel collectives block the compute stream
}

/// Dependencies as indices (the trace is topologically ordered).
StepSimulator::Dependencies dependency_indices(const Workload& trace) {
  std::unordered_map<std::string, std::uint32_t> index;
  index.reserve(trace.ops.size());
  std::vector<std::vector<std::uint32_t>> deps(trace.ops.size());
  for (std::uint32_t i = 0; i < trace.ops.size(); ++i) {
    for (const auto& d : trace.ops[i].deps) deps[i].push_back(index.at(d));
    index.emplace(trace.ops[i].id, i);
  }
  return deps;
}

/// True when every node holds the same number of the group's chips.
bool evenly_spread(const std::vector<std::uint32_t>& group, std::uint32_t chips_per_node) {
  std::map<std::uint32_t, std::size_t> per_node;
  for (auto c : group) ++per_node[c / chips_per_node];
  for (const auto& [node, count] : per_node)
    if (count != per_node.begin()->second) return false;
  return true;
}

bool inside_one_node(const std::vector<std::uint32_t>& group, std::uint32_t chips_per_node) {
  for (auto c : group)
    if (c / chips_per_node != group.front() / chips_per_node) return false;
  return true;
}

}  // namespace

double StepReport::bubble_fraction() const {
  if (stages.empty() || step_no_comm_s <= 0) return 0;
  double busy = 0;
  for (const auto& s : stages) busy += s.compute_busy_s;
  return std::max(0.0, 1 - busy / double(stages.size()) / step_no_comm_s);
}

StepSimulator::StepSimulator(ClusterConfig cluster, ChipConfig chip, StepOptions options)
    : StepSimulator(std::move(cluster), std::make_shared<OpTimer>(chip, options.chip), options) {}

StepSimulator::StepSimulator(ClusterConfig cluster, std::shared_ptr<OpTimer> op_timer, StepOptions options)
    : cluster_(std::move(cluster)), op_timer_(std::move(op_timer)), options_(std::move(options)) {
  if (options_.progress) {
    auto progress = options_.progress;
    op_timer_->on_simulated([progress](std::size_t n) { progress(fmt::format("chip model: {} distinct operators", n)); });
  }
}

std::uint32_t StepSimulator::scale_out_period_chips() const {
  const ScaleOutConfig& so = cluster_.scale_out;
  const std::uint32_t down = so.leaf_down_ports();
  std::uint32_t nodes = cluster_.nodes;  // no repetition known: the whole cluster
  if (so.topology == ScaleOutTopology::fat_tree) nodes = down / std::gcd(down, so.nics_per_node);
  else if (so.topology == ScaleOutTopology::rail_optimized) nodes = down;
  return std::max<std::uint32_t>(1, nodes) * cluster_.chips_per_node;
}

std::string StepSimulator::stream_of(const Operator& op) { return kStreamNames[stream_index(op)]; }

const CollectiveResult& StepSimulator::time_collective(const Operator& op, const ParallelLayout& layout) {
  const Collective& c = op.collective;
  std::vector<std::vector<std::uint32_t>> groups = concurrent_groups(layout, op);
  const std::size_t all_groups = groups.size();
  const std::uint32_t cpn = cluster_.chips_per_node;

  Algorithm algo = Algorithm::ring;
  if (c.kind == CollectiveKind::all_to_all || c.kind == CollectiveKind::send_recv) algo = Algorithm::direct;
  if (c.kind == CollectiveKind::all_reduce) {
    algo = options_.all_reduce.value_or(Algorithm::hierarchical);
    if (algo == Algorithm::hierarchical && !evenly_spread(groups.front(), cpn)) algo = Algorithm::ring;
  }

  // Groups that each stay inside one node do not share links with other nodes' groups: simulate
  // only those in the first group's node (placement inside a node is the same on every node).
  bool local = std::all_of(groups.begin(), groups.end(), [&](const auto& g) { return inside_one_node(g, cpn); });
  std::string key;
  if (local) {
    const std::uint32_t node = groups.front().front() / cpn;
    std::erase_if(groups, [&](const auto& g) { return g.front() / cpn != node; });
    std::string pattern;
    for (const auto& g : groups)
      for (auto chip : g) pattern += fmt::format("{},", chip % cpn);
    key = fmt::format("local|{}|{}|{}|{}", to_string(c.kind), to_string(algo), c.bytes, pattern);
  } else {
    // The scale-out fabric repeats every `period` chips (whole leaves), so groups shifted by a
    // multiple of it time the same: key them relative to that offset.
    std::uint32_t lowest = groups.front().front();
    for (const auto& g : groups) lowest = std::min(lowest, *std::min_element(g.begin(), g.end()));
    const std::uint32_t offset = lowest / scale_out_period_chips() * scale_out_period_chips();
    std::string placement;
    for (const auto& g : groups) placement += fmt::format("{}-{}-{},", g.front() - offset, g[1] - offset, g.back() - offset);
    key = fmt::format("span|{}|{}|{}|{}|{}", to_string(c.kind), to_string(algo), c.bytes, groups.front().size(), placement);
  }
  if (auto it = collectives_.find(key); it != collectives_.end()) return it->second;

  CollectiveOptions opts;
  opts.slice_bytes = options_.slice_bytes;
  CollectiveResult r = run_concurrent_collectives(cluster_, c.kind, algo, c.bytes, groups, opts);
  // Link traffic of every group of the stage, not only the ones simulated.
  r.port_bytes *= double(all_groups) / double(groups.size());
  r.fabric_bytes = static_cast<Bytes>(double(r.fabric_bytes) * double(all_groups) / double(groups.size()));
  auto [it, added] = collectives_.emplace(std::move(key), r);
  if (options_.progress)
    options_.progress(fmt::format("fabric: {} distinct collectives ({} {} over {} chips)", collectives_.size(),
                                  to_string(c.kind), c.group, c.group_size));
  return it->second;
}

void StepSimulator::replay(const Workload& trace, const Dependencies& deps, const ParallelLayout& layout,
                           bool with_comm, StepReport& rep) {
  const std::size_t n = trace.ops.size();
  std::vector<double> end(n, 0);
  std::vector<std::array<double, kStreams>> stream_free(layout.pp, std::array<double, kStreams>{});
  double step = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const Operator& op = trace.ops[i];
    double ready = 0;
    for (auto d : deps[i]) ready = std::max(ready, end[d]);
    const std::size_t st = stream_index(op);
    double& free = stream_free[static_cast<std::size_t>(op.stage)][st];
    const double start = std::max(ready, free);
    double duration = 0;
    if (op.kind != OpKind::collective) duration = rep.timing[i]->seconds;
    else if (with_comm) duration = rep.collective[i].seconds;
    end[i] = free = start + duration;
    step = std::max(step, end[i]);
    if (with_comm) rep.start_s[i] = start, rep.end_s[i] = end[i];
  }
  (with_comm ? rep.step_s : rep.step_no_comm_s) = step;
}

// Every chip of the layout with its own streams; a collective starts when all its members are
// ready. Records chip (t=0, d=0) of each stage as the stage's representative.
void StepSimulator::replay_all_chips(const Workload& trace, const Dependencies& deps, const ParallelLayout& L,
                                     StepReport& rep) {
  const std::size_t n = trace.ops.size(), per_stage = L.chips_per_stage();
  if (double(n) * double(per_stage) > 5e7)
    throw Error(fmt::format("full (non-symmetric) replay of {} operators on {} chips per stage is too large; "
                            "use the symmetric shortcut", n, per_stage));
  std::vector<std::vector<double>> end(n, std::vector<double>(per_stage, 0));
  std::vector<std::vector<std::array<double, kStreams>>> stream_free(
      L.pp, std::vector<std::array<double, kStreams>>(per_stage, std::array<double, kStreams>{}));
  std::vector<double> ready(per_stage);
  double step = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const Operator& op = trace.ops[i];
    const std::size_t st = stream_index(op);
    auto& free = stream_free[static_cast<std::size_t>(op.stage)];
    for (std::size_t r = 0; r < per_stage; ++r) {
      ready[r] = free[r][st];
      for (auto d : deps[i]) ready[r] = std::max(ready[r], end[d][r]);  // rank (t, d) of the dependency's stage
    }
    // Members of the collective group of rank r = t + tp x d.
    auto members = [&](std::size_t r) {
      const std::uint32_t t = static_cast<std::uint32_t>(r % L.tp), d = static_cast<std::uint32_t>(r / L.tp);
      std::vector<std::size_t> m;
      const std::string& g = op.collective.group;
      if (op.kind != OpKind::collective || g == "pp") m.push_back(r);
      else if (g == "tp") for (std::uint32_t x = 0; x < L.tp; ++x) m.push_back(x + L.tp * d);
      else if (g == "dp") for (std::uint32_t x = 0; x < L.dp; ++x) m.push_back(t + L.tp * x);
      else if (g == "ep") for (std::uint32_t x = 0; x < L.ep; ++x) m.push_back(t + L.tp * ((d / L.ep) * L.ep + x));
      else if (g == "edp") for (std::uint32_t x = 0; x < L.dp / L.ep; ++x) m.push_back(t + L.tp * (d % L.ep + L.ep * x));
      return m;
    };
    const double duration = op.kind == OpKind::collective ? rep.collective[i].seconds : rep.timing[i]->seconds;
    for (std::size_t r = 0; r < per_stage; ++r) {
      double start = 0;
      for (auto m : members(r)) start = std::max(start, ready[m]);
      end[i][r] = start + duration;
      step = std::max(step, end[i][r]);
      if (r == 0) rep.start_s[i] = start, rep.end_s[i] = end[i][r];
    }
    for (std::size_t r = 0; r < per_stage; ++r) free[r][st] = end[i][r];
  }
  rep.step_s = step;
}

StepReport StepSimulator::run(const Workload& trace, const ParallelLayout& layout) {
  const auto wall_start = std::chrono::steady_clock::now();
  check_layout_fits(layout, cluster_);
  StepReport rep;
  rep.layout = layout;
  rep.cluster_chips = cluster_.chips();
  rep.symmetric = options_.symmetric;
  const std::size_t n = trace.ops.size();
  rep.start_s.assign(n, 0);
  rep.end_s.assign(n, 0);
  rep.energy_j.assign(n, 0);
  rep.stream.resize(n);
  rep.timing.assign(n, nullptr);
  rep.collective.assign(n, CollectiveResult{});
  rep.stages.assign(layout.pp, StageReport{});

  // Time every distinct operator and collective first (the expensive part), then replay. The
  // counts are of the trace's distinct ones, whether timed now or by an earlier run.
  std::unordered_set<const void*> distinct_ops, distinct_collectives;
  for (std::size_t i = 0; i < n; ++i) {
    const Operator& op = trace.ops[i];
    if (op.stage < 0 || static_cast<std::uint32_t>(op.stage) >= layout.pp)
      throw Error(fmt::format("operator '{}': stage {} outside the layout's {} pipeline stages ({})", op.id, op.stage,
                              layout.pp, layout.describe()));
    rep.stream[i] = stream_of(op);
    if (op.kind == OpKind::collective) {
      const CollectiveResult& c = time_collective(op, layout);
      rep.collective[i] = c;
      distinct_collectives.insert(&c);
    } else {
      rep.timing[i] = &op_timer_->time(op);
      if (distinct_ops.insert(rep.timing[i]).second && rep.timing[i]->extrapolated) ++rep.extrapolated_ops;
    }
  }
  rep.distinct_ops = distinct_ops.size();
  rep.distinct_collectives = distinct_collectives.size();

  const Dependencies deps = dependency_indices(trace);
  replay(trace, deps, layout, false, rep);
  if (options_.symmetric) replay(trace, deps, layout, true, rep);
  else replay_all_chips(trace, deps, layout, rep);

  // Per stage: busy time, FLOPs and energy of its representative chip.
  const ChipConfig& chip = op_timer_->chip();
  rep.idle_power_w = idle_power_w(chip, options_.chip.operating_point.value_or(chip.power.nominal_point));
  const double pj_per_bit = chip.power.c2c_pj_per_bit * chip.calibration.dynamic_energy_scale;
  for (std::size_t i = 0; i < n; ++i) {
    const Operator& op = trace.ops[i];
    StageReport& st = rep.stages[static_cast<std::size_t>(op.stage)];
    const double busy = rep.end_s[i] - rep.start_s[i];
    if (op.kind == OpKind::collective) {
      // The simulated collective covers every group of the stage: its link energy, once.
      rep.energy_j[i] = link_energy_j(rep.collective[i], pj_per_bit);
      rep.link_energy_j += rep.energy_j[i];
      st.collective_busy_s[op.collective.group] += busy;
    } else {
      st.compute_busy_s += busy;
      if (op.phase == "optimizer") st.optimizer_busy_s += busy;
      st.flops += op.flops();
      rep.energy_j[i] = rep.timing[i]->energy_j;
      st.energy_j += rep.energy_j[i];
    }
    ++st.operators;
  }
  for (StageReport& st : rep.stages) {
    // Chips spend idle power whenever they are not running an operator (waiting, communicating).
    st.energy_j += rep.idle_power_w * std::max(0.0, rep.step_s - st.compute_busy_s);
    rep.chip_energy_j += st.energy_j * layout.chips_per_stage();
    rep.flops += st.flops * layout.chips_per_stage();
  }
  rep.tokens = trace.tokens * layout.dp;
  rep.samples = trace.samples * layout.dp;
  rep.wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count();
  return rep;
}

}  // namespace tessera

namespace tessera {

SimResult StepSimulator::to_result(const Workload& trace, const StepReport& rep) const {
  const ChipConfig& chip = op_timer_->chip();
  const ParallelLayout& L = rep.layout;
  SimResult result;
  result.tool_version = kVersion;
  result.chip_name = chip.name;
  result.chip_config = to_yaml(chip);
  result.cluster_name = cluster_.name;
  result.cluster_config = to_yaml(cluster_);
  // The trace is regenerated from its model and scenario (or read from its file); recording them
  // and the layout identifies it without repeating every operator.
  result.workload = {{"name", trace.name},
                     {"source", trace.source},
                     {"model", trace.summary.model},
                     {"scenario", trace.summary.scenario},
                     {"layout", {{"tp", L.tp}, {"pp", L.pp}, {"dp", L.dp}, {"ep", L.ep}}},
                     {"operators", trace.ops.size()},
                     {"tokens", trace.tokens},
                     {"samples", trace.samples}};
  result.stats = std::make_unique<StatsRegistry>();

  const double mhz = chip.clocks.core_mhz;
  const std::uint32_t point = options_.chip.operating_point.value_or(chip.power.nominal_point);
  const double step = rep.step_s, chips = double(L.chips());
  const DataType main = trace.ops.empty() ? DataType::bf16 : [&] {
    std::map<DataType, double> flops;
    for (const auto& op : trace.ops)
      if (op.kind == OpKind::gemm) flops[op.dtype] += op.flops();
    DataType best = DataType::bf16;
    double most = -1;
    for (auto [t, f] : flops)
      if (f > most) most = f, best = t;
    return best;
  }();
  const double peak = 2 * chip.peak_macs_per_second(main) * chip.power.operating_points[point].core_mhz / mhz;

  Summary& s = result.summary;
  s.set_text("cluster", cluster_.name, "cluster config name");
  s.set_text("chip", chip.name, "chip config name");
  s.set_text("workload", trace.name, "workload name");
  s.set_text("layout", L.describe(), "parallel layout: tensor, pipeline, data, expert parallel degrees");
  s.set("chips", chips, "count", "chips the layout uses (tp x pp x dp)");
  s.set("cluster_chips", double(rep.cluster_chips), "count", "chips in the cluster");
  s.set("seconds", step, "s", "simulated time of one step");
  s.set("step_no_comm_s", rep.step_no_comm_s, "s", "the same step with every collective free");
  s.set("comm_exposed_s", step - rep.step_no_comm_s, "s", "step time added by communication not hidden by compute");
  s.set("bubble_fraction", rep.bubble_fraction(), "fraction",
        "compute idle time without communication: pipeline bubble and stage imbalance");
  // The step broken down, averaged over the stages: compute + optimizer + bubble + exposed
  // communication = the step.
  {
    double busy = 0, optimizer = 0;
    for (const StageReport& st : rep.stages) busy += st.compute_busy_s, optimizer += st.optimizer_busy_s;
    const double n = std::max<double>(1, double(rep.stages.size()));
    const double compute = (busy - optimizer) / n, update = optimizer / n;
    const double bubble = rep.bubble_fraction() * rep.step_no_comm_s;
    const auto share = [&](double part) { return step > 0 ? part / step : 0; };
    s.set("compute_s", compute, "s", "step time in forward and backward operators (mean over stages)");
    s.set("optimizer_s", update, "s", "step time in the optimizer update (mean over stages)");
    s.set("bubble_s", bubble, "s", "compute idle without communication: pipeline bubble and stage imbalance");
    s.set("compute_share", share(compute), "fraction", "compute_s / seconds");
    s.set("optimizer_share", share(update), "fraction", "optimizer_s / seconds");
    s.set("bubble_share", share(bubble), "fraction", "bubble_s / seconds");
    s.set("comm_exposed_share", share(step - rep.step_no_comm_s), "fraction", "comm_exposed_s / seconds");
  }
  s.set("tokens_per_step", rep.tokens, "tokens", "tokens the whole layout processes in one step");
  if (rep.tokens > 0) s.set("tokens_per_second", step > 0 ? rep.tokens / step : 0, "tokens/s", "whole layout");
  if (rep.samples > 0) s.set("samples_per_second", step > 0 ? rep.samples / step : 0, "samples/s", "whole layout");
  s.set("flops", rep.flops, "FLOP", "all chips, as the trace counts them");
  s.set("achieved_tflops", step > 0 ? rep.flops / step / chips / 1e12 : 0, "TFLOP/s", "FLOPs per second per chip");
  s.set_text("main_dtype", std::string(to_string(main)), "data type with the most GEMM FLOPs");
  s.set("peak_tflops", peak / 1e12, "TFLOP/s", "matrix-engine peak per chip for the main data type");
  s.set("matrix_utilisation", step > 0 ? rep.flops / step / chips / peak : 0, "fraction",
        "achieved over peak FLOP/s (model FLOPs utilisation when the trace counts model FLOPs)");
  const double energy = rep.energy_j_total();
  s.set("energy_j", energy, "J", "all chips (operators + idle) and chip-to-chip links over the step");
  s.set("chip_energy_j", rep.chip_energy_j, "J", "all chips of the layout");
  s.set("link_energy_j", rep.link_energy_j, "J", "chip-to-chip links");
  s.set("avg_power_w", step > 0 ? energy / step : 0, "W", "whole layout");
  s.set("avg_power_per_chip_w", step > 0 ? energy / step / chips : 0, "W", "whole layout / chips");
  s.set("idle_power_w", rep.idle_power_w, "W", "one idle chip");
  if (rep.tokens > 0) {
    s.set("energy_per_token_j", energy / rep.tokens, "J/token", "energy per token processed");
    s.set("tokens_per_joule", energy > 0 ? rep.tokens / energy : 0, "tokens/J", "tokens per joule");
  }
  s.set("tflops_per_watt", energy > 0 ? rep.flops / energy / 1e12 : 0, "TFLOP/s/W", "FLOPs per joule, in TFLOP/s per W");
  add_memory_summary(s, chip, trace.summary);  // the fullest stage's chip
  s.set("operators", double(trace.ops.size()), "count", "operators of the trace (one chip per stage)");
  s.set("distinct_operators", double(rep.distinct_ops), "count", "distinct operators of the trace, each simulated once on the chip model");
  s.set("distinct_collectives", double(rep.distinct_collectives), "count", "distinct collectives and placements, each simulated once on the fabric");
  s.set("extrapolated_operators", double(rep.extrapolated_ops), "count",
        "distinct vector operators over 256 MiB timed by linear extension of two shorter simulations");
  s.set_text("symmetry",
             rep.symmetric ? "one chip per pipeline stage simulated (identical tp/dp/ep ranks); each distinct operator "
                             "and collective simulated once"
                           : "every chip replayed; each distinct operator and collective simulated once",
             "simulation shortcuts used (docs/cluster.md)");

  // Operators of the representative chips.
  result.ops.reserve(trace.ops.size());
  for (std::size_t i = 0; i < trace.ops.size(); ++i) {
    const Operator& op = trace.ops[i];
    OpResult o;
    o.id = op.id;
    o.name = op.name;
    o.kind = op.kind == OpKind::collective
                 ? fmt::format("{}:{}", to_string(op.collective.kind), op.collective.group)
                 : std::string(to_string(op.kind));
    o.phase = op.phase;
    o.layer = op.layer;
    o.start_s = rep.start_s[i];
    o.end_s = rep.end_s[i];
    o.start_cycle = static_cast<std::uint64_t>(o.start_s * mhz * 1e6);
    o.end_cycle = static_cast<std::uint64_t>(o.end_s * mhz * 1e6);
    o.flops = op.kind == OpKind::collective ? 0 : op.flops();
    o.energy_j = rep.energy_j[i];
    if (const OpTiming* t = rep.timing[i]) {
      o.hbm_bytes = t->hbm_bytes;
      o.sram_bytes = t->sram_bytes;
      o.compute_s = t->compute_s;
      o.ideal_s = t->ideal_s;
      o.bound_by = t->bound_by;
    } else {
      o.bound_by = "fabric";
    }
    result.ops.push_back(std::move(o));
  }

  // One stats group per stage's compute and per collective group; busy time in core cycles.
  for (std::uint32_t st = 0; st < L.pp; ++st) {
    const StageReport& r = rep.stages[st];
    StatGroup& g = result.stats->add_group(fmt::format("stage{}.compute", st), "stage_compute", mhz);
    g.add(stat_names::kBusyCycles, "cycles", "core cycles spent in compute operators").value = r.compute_busy_s * mhz * 1e6;
    g.add("flops", "FLOP", "FLOPs of one chip of the stage").value = r.flops;
    g.add("operators", "count", "operators of the stage").value = double(r.operators);
    g.add("energy_j", "J", "energy of one chip of the stage over the step").value = r.energy_j;
    for (const auto& [group, busy] : r.collective_busy_s) {
      StatGroup& c = result.stats->add_group(fmt::format("stage{}.comm.{}", st, group), "collective", mhz);
      c.add(stat_names::kBusyCycles, "cycles", "core cycles spent in this group's collectives").value = busy * mhz * 1e6;
    }
  }

  if (options_.record_timeline) {
    result.timeline.reserve(trace.ops.size());
    for (std::size_t i = 0; i < trace.ops.size(); ++i) {
      const Operator& op = trace.ops[i];
      if (rep.end_s[i] <= rep.start_s[i]) continue;
      result.timeline.push_back(TimelineEvent{fmt::format("stage{}.{}", op.stage, rep.stream[i]),
                                              op.name.empty() ? op.id : op.name, rep.start_s[i],
                                              rep.end_s[i] - rep.start_s[i]});
    }
  }
  check_invariants(result);  // operators inside the step, stage busy time at most the step
  return result;
}

}  // namespace tessera
