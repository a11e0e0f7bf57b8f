#include "serving/iteration_timer.h"

#include <algorithm>
#include <cmath>
#include <set>

#include <fmt/core.h>

#include "cluster/parallel_layout.h"
#include "cluster/step_simulator.h"
#include "models/power/energy_model.h"
#include "models/config/run_config.h"
#include "sim/mapper.h"
#include "sim/op_table.h"
#include "sim/table_simulation.h"  // op_table_config_key, timing_signature

namespace tessera {

namespace {

// The attention kernel's operators, which depend on each group's keys: attn.qk, attn.softmax,
// attn.pv (serving iterations add a group suffix, attn.qk.g0; not attn.qkv, the projection) and
// multi-head latent attention's per-group parts (attn.kv_up expands a prefill chunk's cached
// latents; attn.absorb and attn.v_up are the absorbed decode's per-head lifts).
bool is_attention(const std::string& name) {
  for (std::string_view base : {"attn.qk", "attn.softmax", "attn.pv", "attn.kv_up", "attn.absorb", "attn.v_up"})
    if (name.starts_with(base) && (name.size() == base.size() || name[base.size()] == '.')) return true;
  return false;
}

double lerp(double a, double b, double f) { return a + (b - a) * f; }

IterationCost lerp(const IterationCost& a, const IterationCost& b, double f) {
  return {lerp(a.seconds, b.seconds, f), lerp(a.energy_j, b.energy_j, f)};
}

IterationCost scaled(IterationCost c, double k) {
  c.seconds *= k;
  c.energy_j *= k;
  return c;
}

// The operators of `full` that `keep` selects. A dependency on a dropped operator becomes a
// dependency on what that one waited for, so the kept operators keep their order.
template <class Keep>
Workload subset(const Workload& full, const std::string& what, Keep keep) {
  Workload w;
  w.name = fmt::format("{} ({})", full.name, what);
  w.source = full.source;
  w.summary.model = full.summary.model;
  w.summary.scenario = full.summary.scenario;
  std::map<std::string, std::vector<std::string>> inherited;  // dropped operator -> kept ancestors
  std::set<std::string> kept;
  for (const Operator& op : full.ops) {
    std::vector<std::string> deps;
    for (const std::string& d : op.deps) {
      if (kept.count(d)) deps.push_back(d);
      else if (auto it = inherited.find(d); it != inherited.end()) deps.insert(deps.end(), it->second.begin(), it->second.end());
    }
    std::sort(deps.begin(), deps.end());
    deps.erase(std::unique(deps.begin(), deps.end()), deps.end());
    if (!keep(op)) {
      inherited[op.id] = std::move(deps);
      continue;
    }
    Operator o = op;
    o.deps = std::move(deps);
    kept.insert(o.id);
    w.ops.push_back(std::move(o));
  }
  validate_workload(w, w.source);
  return w;
}

double fraction(std::uint64_t x, std::uint64_t lo, std::uint64_t hi) {
  return hi == lo ? 0.0 : static_cast<double>(x - lo) / static_cast<double>(hi - lo);
}

}  // namespace

IterationTimer::IterationTimer(ReplicaSpec spec) : spec_(std::move(spec)) {
  const Parallelism& p = spec_.scenario.parallel;
  if (p.pp != 1 || p.dp != 1 || p.ep != 1)
    throw Error(fmt::format("serving replica: pipeline, data and expert parallelism are not modelled yet (pp={}, dp={}, "
                            "ep={}); use tp for the replica and replicas for more copies",
                            p.pp, p.dp, p.ep));
  if (p.tp > 1) {
    if (!spec_.cluster)
      throw Error(fmt::format("serving replica of tp={}: name the cluster that holds it (--cluster)", p.tp));
    ParallelLayout layout = layout_of(p);
    check_layout_fits(layout, *spec_.cluster);
    StepOptions step;
    step.chip = spec_.options;
    step.chip.record_timeline = false;
    step_ = std::make_unique<StepSimulator>(*spec_.cluster, spec_.chip, step);
  }
  spec_.options.record_timeline = false;
  kv_bytes_per_token_ = tessera::kv_bytes_per_token(spec_.model, spec_.scenario);
  idle_power_w_ = tessera::idle_power_w(spec_.chip, spec_.options.operating_point.value_or(spec_.chip.power.nominal_point)) *
                  spec_.chips();
}

IterationTimer::~IterationTimer() = default;

std::pair<std::uint64_t, std::uint64_t> IterationTimer::bracket(std::uint64_t x) {
  // Grid 1, 2, 3, 4, 6, 8, 12, 16, ...: powers of two and 1.5 x powers of two.
  std::uint64_t lo = 1, hi = 1;
  for (std::uint64_t p = 1; p <= x; p *= 2) {
    lo = p;
    if (p >= 2 && p + p / 2 <= x) lo = p + p / 2;
  }
  if (lo == x) return {x, x};
  // The next grid value above lo.
  const std::uint64_t pow2 = std::uint64_t{1} << (63 - std::countl_zero(lo));
  hi = lo == pow2 ? (pow2 >= 2 ? pow2 + pow2 / 2 : 2) : 2 * pow2;
  return {lo, hi};
}

std::pair<std::uint64_t, std::uint64_t> IterationTimer::bracket_pow2(std::uint64_t x) {
  std::uint64_t lo = 1;
  while (lo * 2 <= x) lo *= 2;
  return lo == x ? std::make_pair(x, x) : std::make_pair(lo, lo * 2);
}

std::pair<std::uint64_t, std::uint64_t> IterationTimer::bracket_pow4(std::uint64_t x) {
  std::uint64_t lo = 1;
  while (lo * 4 <= x) lo *= 4;
  return lo == x ? std::make_pair(x, x) : std::make_pair(lo, lo * 4);
}

IterationTimer::Components IterationTimer::measure_on_cluster(const Workload& trace) {
  // Operators in order of their end; each is charged from the previous end to its own (the
  // compute stream runs them one after another, the collectives blocking it).
  const StepReport rep = step_->run(trace, layout_of(spec_.scenario.parallel));
  std::vector<std::size_t> order(trace.ops.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return rep.end_s[a] < rep.end_s[b]; });
  Components c;
  double last_end = 0;
  for (std::size_t i : order) {
    const Operator& op = trace.ops[i];
    const double dur = std::max(0.0, rep.end_s[i] - last_end);
    last_end = std::max(last_end, rep.end_s[i]);
    // A collective's energy is its links'; the chips idle meanwhile. An operator's is one chip's.
    const IterationCost cost{dur, op.kind == OpKind::collective ? rep.energy_j[i] + idle_power_w_ * dur
                                                                : rep.energy_j[i] * spec_.chips()};
    if (is_attention(op.name)) c.attention += cost;
    else if (op.name.starts_with("head.")) c.head += cost;
    else c.dense += cost;
  }
  return c;
}

IterationCost IterationTimer::whole_cost(const Workload& w) {
  if (step_) return measure_on_cluster(w).total();  // a TP replica: operators and collectives
  // One simulation of the operators together, kept in the operator-timing table under a key
  // made of their timing signatures (a persistent --op-cache keeps it across runs).
  OpTable& table = spec_.options.op_table ? *spec_.options.op_table : shared_op_table();
  if (config_key_.empty()) config_key_ = op_table_config_key(spec_.chip, spec_.options);
  std::string key = "serving component, one simulation of:";
  for (const Operator& op : w.ops) {
    key += '\n';
    key += timing_signature(op);
    for (const std::string& d : op.deps) key += fmt::format(" <{}>", d.substr(d.rfind('.') + 1));
  }
  const OpRecord* rec = table.find(config_key_, key);
  if (!rec) {
    SimOptions o = spec_.options;
    o.fidelity = Fidelity::cycle_full;
    const SimResult r = simulate_whole(spec_.chip, w, o);
    OpRecord fresh;
    fresh.duration_fs = r.ops.empty() ? 0 : std::max_element(r.ops.begin(), r.ops.end(), [](const OpResult& a, const OpResult& b) {
                                              return a.end_fs < b.end_fs;
                                            })->end_fs;
    for (const OpResult& op : r.ops) fresh.energy_j += op.energy_j;
    rec = &table.insert(config_key_, key, std::move(fresh));
  }
  return {static_cast<double>(rec->duration_fs) * 1e-15, rec->energy_j * spec_.chips()};
}

IterationCost IterationTimer::dense_at(std::uint64_t tokens) {
  if (auto it = dense_points_.find(tokens); it != dense_points_.end()) return it->second;
  // No sequence samples: the trace has no logits head (that has its own grid).
  const Workload full = generate_iteration(spec_.model, spec_.scenario, {SequenceGroup{tokens, 1, 1, false}});
  IterationCost cost;
  if (step_) {
    cost = measure_on_cluster(full).dense;
  } else {
    // The embedding, then each layer without its attention kernel, each alone. Layers with the
    // same operators (all of a dense model's; a mixture-of-experts model's dense and MoE layers
    // form two kinds) share one simulation through the table.
    cost = whole_cost(subset(full, "embedding", [](const Operator& op) { return op.layer < 0 && !op.name.starts_with("head."); }));
    for (std::int32_t layer = 0; layer < static_cast<std::int32_t>(spec_.model.layers); ++layer)
      cost += whole_cost(subset(full, fmt::format("layer {}", layer),
                                [&](const Operator& op) { return op.layer == layer && !is_attention(op.name); }));
  }
  ++simulated_points_;
  return dense_points_.emplace(tokens, cost).first->second;
}

IterationCost IterationTimer::head_at(std::uint64_t seqs) {
  if (auto it = head_points_.find(seqs); it != head_points_.end()) return it->second;
  const Workload full = generate_iteration(spec_.model, spec_.scenario, {SequenceGroup{seqs, 1, 1, true}});
  const IterationCost cost = whole_cost(subset(full, "logits head", [](const Operator& op) { return op.name.starts_with("head."); }));
  ++simulated_points_;
  return head_points_.emplace(seqs, cost).first->second;
}

IterationCost IterationTimer::attention_point(std::uint64_t seqs, std::uint64_t q, std::uint64_t kv) {
  const auto key = std::make_tuple(seqs, q, kv);
  if (auto it = attention_points_.find(key); it != attention_points_.end()) return it->second;
  // The attention operators of one layer (every layer has the same ones), times the layers.
  const Workload full = generate_iteration(spec_.model, spec_.scenario, {SequenceGroup{seqs, q, kv, true}});
  std::int32_t layer = -1;
  for (const Operator& op : full.ops)
    if (is_attention(op.name)) {
      layer = op.layer;
      break;
    }
  const Workload w =
      subset(full, "attention", [&](const Operator& op) { return is_attention(op.name) && op.layer == layer; });
  const IterationCost cost = scaled(whole_cost(w), static_cast<double>(spec_.model.layers));
  ++simulated_points_;
  return attention_points_.emplace(key, cost).first->second;
}

IterationCost IterationTimer::decode_attention_at(std::uint64_t seqs, std::uint64_t kv) {
  const double per_seq_bytes = double(kv) * double(kv_bytes_per_token_) / double(spec_.model.layers);
  if (seqs <= 2 || double(seqs) * per_seq_bytes <= kAttentionSampleBytes) return attention_point(seqs, 1, kv);
  // Bandwidth-bound: extend linearly from the two largest grid counts under the byte limit
  // (both below seqs, which is over it).
  const std::uint64_t hi = bracket(static_cast<std::uint64_t>(std::max(2.0, kAttentionSampleBytes / per_seq_bytes))).first;
  const std::uint64_t lo = bracket(hi - 1).first;
  const IterationCost a = attention_point(lo, 1, kv), b = attention_point(hi, 1, kv);
  const double f = static_cast<double>(seqs - lo) / static_cast<double>(hi - lo);
  return lerp(a, b, f);
}

IterationCost IterationTimer::prefill_attention_at(std::uint64_t q, std::uint64_t kv) {
  return attention_point(1, q, std::max(kv, q));
}

std::pair<std::uint64_t, std::uint64_t> IterationTimer::bracket_tokens(std::uint64_t tokens, std::uint64_t quantum) {
  if (tokens <= quantum) {
    auto [lo, hi] = bracket(tokens);
    return {lo, std::min(hi, quantum)};
  }
  // Past one tile of rows the time steps up right after each multiple of the tile and rises
  // slowly up to the next: interpolate inside (k q, (k + 1) q] only.
  const std::uint64_t k = (tokens - 1) / quantum;
  const std::uint64_t lo = k * quantum + 1, hi = (k + 1) * quantum;
  if (tokens == lo || tokens == hi) return {tokens, tokens};
  return {lo, hi};
}

std::uint64_t IterationTimer::token_quantum() {
  if (quantum_) return quantum_;
  // The smallest row tile the mapper picks for the layer's weight GEMMs over a range of batch
  // sizes (it picks per shape, so one size does not show every step).
  const ChipConfig chip = run_config(spec_.chip, spec_.options.operating_point.value_or(spec_.chip.power.nominal_point));
  Mapper mapper(chip, MapperOptions{spec_.options.dataflow});
  std::uint64_t q = 0;
  for (std::uint64_t tokens = 256; tokens <= 8192; tokens *= 2) {
    const Workload w = generate_iteration(spec_.model, spec_.scenario, {SequenceGroup{tokens, 1, 1, false}});
    for (const Operator& op : w.ops)
      if (op.kind == OpKind::gemm && op.b_is_weight && op.layer >= 0) {
        const std::uint64_t tm = mapper.plan(op).gemm_plan().tm;
        if (tm > 0) q = q ? std::min(q, tm) : tm;
      }
  }
  quantum_ = std::max<std::uint64_t>(q, 1);
  return quantum_;
}

IterationCost IterationTimer::dense(std::uint64_t tokens) {
  const auto [lo, hi] = bracket_tokens(tokens, token_quantum());
  return lerp(dense_at(lo), lo == hi ? dense_at(lo) : dense_at(hi), fraction(tokens, lo, hi));
}

IterationCost IterationTimer::head(std::uint64_t seqs) {
  if (seqs == 0) return {};
  const auto [lo, hi] = bracket_pow4(seqs);
  return lerp(head_at(lo), lo == hi ? head_at(lo) : head_at(hi), fraction(seqs, lo, hi));
}

IterationCost IterationTimer::attention(const SequenceGroup& g) {
  if (g.q_len == 1) {  // decode sequences: bilinear in (sequences, keys)
    const auto [s0, s1] = bracket(g.seqs);
    const auto [k0, k1] = bracket_pow2(g.kv_len);
    const double fs = fraction(g.seqs, s0, s1), fk = fraction(g.kv_len, k0, k1);
    const IterationCost a = lerp(decode_attention_at(s0, k0), decode_attention_at(s0, k1), fk);
    const IterationCost b = s1 == s0 ? a : lerp(decode_attention_at(s1, k0), decode_attention_at(s1, k1), fk);
    return lerp(a, b, fs);
  }
  // A prefill chunk: bilinear in (chunk tokens, keys), per sequence.
  const auto [q0, q1] = bracket(g.q_len);
  const auto [k0, k1] = bracket_pow2(g.kv_len);
  const double fq = fraction(g.q_len, q0, q1), fk = fraction(g.kv_len, k0, k1);
  const IterationCost a = lerp(prefill_attention_at(q0, k0), prefill_attention_at(q0, k1), fk);
  const IterationCost b = q1 == q0 ? a : lerp(prefill_attention_at(q1, k0), prefill_attention_at(q1, k1), fk);
  return scaled(lerp(a, b, fq), static_cast<double>(g.seqs));
}

IterationCost IterationTimer::cost(const std::vector<SequenceGroup>& groups) {
  if (groups.empty()) throw Error("internal error: an empty serving iteration was timed");
  std::uint64_t tokens = 0, sampled = 0;
  for (const SequenceGroup& g : groups) {
    tokens += g.seqs * g.q_len;
    sampled += g.samples ? g.seqs : 0;
  }
  IterationCost c = dense(tokens);
  c += head(sampled);
  for (const SequenceGroup& g : groups) c += attention(g);
  return c;
}

IterationCost IterationTimer::simulate(const std::vector<SequenceGroup>& groups) {
  const Workload trace = generate_iteration(spec_.model, spec_.scenario, groups);
  if (step_) return measure_on_cluster(trace).total();
  // Every operator of the iteration in one cycle-level simulation.
  SimOptions o = spec_.options;
  o.fidelity = Fidelity::cycle_full;
  const SimResult r = tessera::simulate(spec_.chip, trace, o);
  double energy = 0;
  for (const OpResult& op : r.ops) energy += op.energy_j;
  return {r.summary.number("seconds"), energy * spec_.chips()};
}

}  // namespace tessera
