#include "cluster/sizing.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <memory>
#include <set>
#include <tuple>

#include <fmt/format.h>

#include "cluster/collectives.h"
#include "cluster/op_timer.h"
#include "cluster/step_simulator.h"
#include "base/types.h"
#include "models/power/energy_model.h"
#include "workloads/trace_generator.h"

namespace tessera {

namespace {

constexpr double kSecondsPerDay = 86400;

std::vector<std::uint32_t> powers_of_two(std::uint32_t limit) {
  std::vector<std::uint32_t> v;
  for (std::uint32_t x = 1; x <= limit; x *= 2) v.push_back(x);
  return v;
}

std::string gb(double bytes) { return fmt::format("{:.1f} GB", bytes / 1e9); }

/// The template with enough nodes for `chips`.
ClusterConfig cluster_for(const ClusterConfig& fabric, std::uint32_t chips) {
  ClusterConfig c = fabric;
  c.nodes = static_cast<std::uint32_t>(ceil_div(chips, fabric.chips_per_node));
  c.name = fmt::format("{} ({} nodes)", fabric.name, c.nodes);
  if (c.nodes > 1 && c.scale_out.topology == ScaleOutTopology::none)
    throw Error(fmt::format("cluster '{}' has no scale-out fabric, so it cannot grow past one node of {} chips; "
                            "size with a cluster that has one (e.g. h100-1024)", fabric.name, fabric.chips_per_node));
  return c;
}

/// Sum over compute operators of the roofline time max(flops / peak, bytes / bandwidth): no
/// operator runs faster (tests/test_chip.cpp checks the chip model against it).
double roofline_s(const Workload& w, double peak_flops, double hbm_bytes_per_s) {
  double t = 0;
  for (const auto& op : w.ops)
    if (op.kind != OpKind::collective)
      t += std::max(op.flops() / peak_flops, double(op.bytes_read() + op.bytes_written()) / hbm_bytes_per_s);
  return t;
}

double total_flops(const Workload& w) {
  double f = 0;
  for (const auto& op : w.ops) f += op.kind == OpKind::collective ? 0 : op.flops();
  return f;
}

/// Pareto front over simulated candidates that satisfy the latency targets and limits.
void mark_pareto(std::vector<SizingCandidate>& cs) {
  auto eligible = [](const SizingCandidate& c) { return c.status == "simulated" && c.within_limits; };
  for (auto& a : cs) {
    if (!eligible(a)) continue;
    a.pareto = true;
    for (const auto& b : cs) {
      if (&a == &b || !eligible(b)) continue;
      const bool no_worse = b.chips <= a.chips && b.throughput >= a.throughput && b.latency_s() <= a.latency_s() &&
                            b.power_w <= a.power_w && b.hardware_cost <= a.hardware_cost;
      const bool better = b.chips < a.chips || b.throughput > a.throughput || b.latency_s() < a.latency_s() ||
                          b.power_w < a.power_w || b.hardware_cost < a.hardware_cost;
      if (no_worse && better) {
        a.pareto = false;
        break;
      }
    }
  }
}

/// The candidates still to decide (no status yet), fewest chips first, then best estimate.
std::vector<std::size_t> simulation_order(const std::vector<SizingCandidate>& cs) {
  std::vector<std::size_t> order;
  for (std::size_t i = 0; i < cs.size(); ++i)
    if (cs[i].status.empty()) order.push_back(i);
  std::stable_sort(order.begin(), order.end(), [&](auto a, auto b) {
    return std::make_tuple(cs[a].chips, -cs[a].estimate) < std::make_tuple(cs[b].chips, -cs[b].estimate);
  });
  return order;
}

std::optional<std::size_t> recommend(const std::vector<SizingCandidate>& cs) {
  std::optional<std::size_t> best;
  for (std::size_t i = 0; i < cs.size(); ++i) {
    const auto& c = cs[i];
    if (c.status != "simulated" || !c.meets_target || !c.within_limits) continue;
    if (!best) {
      best = i;
      continue;
    }
    const auto& b = cs[*best];
    if (std::tie(c.chips, c.hardware_cost) < std::tie(b.chips, b.hardware_cost) ||
        (c.chips == b.chips && c.hardware_cost == b.hardware_cost && c.throughput > b.throughput))
      best = i;
  }
  return best;
}

class Search {
 public:
  Search(const SizingOptions& o, const SizingTarget& t, const SizingLimits& l)
      : o_(o), t_(t), l_(l),
        timer_(std::make_shared<OpTimer>(o.chip, SimOptions{})),
        peak_(2 * o.chip.peak_macs_per_second(o.scenario.act_dtype)),
        hbm_bw_(o.chip.hbm.peak_bytes_per_second()),
        hbm_bytes_(o.chip.hbm.capacity_gib * double(1ull << 30)),
        idle_w_(idle_power_w(o.chip, o.chip.power.nominal_point)) {
    if (peak_ <= 0) throw Error(fmt::format("chip '{}' has no matrix throughput for {}", o.chip.name, to_string(o.scenario.act_dtype)));
  }

  SizingResult run() {
    SizingResult r;
    r.kind = t_.kind;
    r.required_throughput = t_.required_throughput();
    r.throughput_unit = t_.kind == SizingKind::training ? "tokens/s" : "requests/s";
    if (t_.kind == SizingKind::training) training(r);
    else serving(r);
    mark_pareto(r.candidates);
    for (const auto& c : r.candidates) {
      r.simulated += c.status == "simulated";
      r.rejected += c.status == "rejected";
      r.pruned += c.status == "pruned";
    }
    // Simulated candidates first, by chips; then the rest in search order.
    std::stable_sort(r.candidates.begin(), r.candidates.end(), [](const auto& a, const auto& b) {
      const bool sa = a.status == "simulated", sb = b.status == "simulated";
      if (sa != sb) return sa;
      return sa && std::tie(a.chips, a.throughput) < std::tie(b.chips, b.throughput);
    });
    r.recommended = recommend(r.candidates);
    return r;
  }

 private:
  void progress(const std::string& text) const {
    if (o_.progress) o_.progress(text);
  }

  /// Limits that can be checked before simulating; sets status and reason when one fails.
  bool prune_by_limits(SizingCandidate& c) const {
    c.hardware_cost = double(c.chips) * o_.chip_price;
    if (c.chips > l_.max_chips) {
      c.status = "pruned";
      c.reason = fmt::format("{} chips > max_chips {}", c.chips, l_.max_chips);
    } else if (l_.max_hardware_cost > 0 && c.hardware_cost > l_.max_hardware_cost) {
      c.status = "pruned";
      c.reason = fmt::format("hardware {:.0f} {} > budget {:.0f}", c.hardware_cost, o_.currency, l_.max_hardware_cost);
    } else if (l_.max_power_kw > 0 && double(c.chips) * idle_w_ / 1e3 > l_.max_power_kw) {
      c.status = "pruned";
      c.reason = fmt::format("idle power alone {:.1f} kW > max_power {:.1f} kW", double(c.chips) * idle_w_ / 1e3,
                             l_.max_power_kw);
    }
    return !c.status.empty();
  }

  void check_limits_after(SizingCandidate& c) const {
    c.within_limits = c.chips <= l_.max_chips && (l_.max_power_kw <= 0 || c.power_w / 1e3 <= l_.max_power_kw) &&
                      (l_.max_hardware_cost <= 0 || c.hardware_cost <= l_.max_hardware_cost);
    if (!c.within_limits && c.reason.empty())
      c.reason = fmt::format("average power {:.1f} kW > max_power {:.1f} kW", c.power_w / 1e3, l_.max_power_kw);
  }

  // --- Training ---------------------------------------------------------------------------

  struct Probe {
    bool ok = false;
    std::string error;
    WorkloadSummary footprint;  // dp = 1, zero = 0, m = pp micro-batches
    double flops_per_micro_batch = 0;  // one tensor-parallel rank, all stages
    double roofline_per_micro_batch = 0;
    double tp_comm_per_micro_batch = 0;  // blocking tensor-parallel collectives at link bandwidth
  };

  Scenario training_scenario(std::uint32_t tp, std::uint32_t pp, std::uint32_t dp, std::uint32_t ep, std::uint64_t mb,
                             bool recompute, std::uint32_t zero, std::uint64_t global_batch) const {
    Scenario s = o_.scenario;
    s.parallel.tp = tp;
    s.parallel.pp = pp;
    s.parallel.dp = dp;
    s.parallel.ep = ep;
    s.parallel.zero = zero;
    s.parallel.sequence_parallel = o_.scenario.parallel.sequence_parallel && tp > 1;
    s.micro_batch = mb;
    s.recompute = recompute;
    s.global_batch = global_batch;
    return s;
  }

  const Probe& probe(std::uint32_t tp, std::uint32_t pp, std::uint64_t mb, bool recompute) {
    const auto key = std::make_tuple(tp, pp, mb, recompute);
    if (auto it = probes_.find(key); it != probes_.end()) return it->second;
    Probe p;
    try {
      // One data-parallel rank and pp micro-batches: every stage holds its 1F1B maximum.
      const Workload w = generate_trace(o_.model, training_scenario(tp, pp, 1, 1, mb, recompute, 0, mb * pp));
      p.ok = true;
      p.footprint = w.summary;
      p.flops_per_micro_batch = total_flops(w) / double(pp);
      p.roofline_per_micro_batch = roofline_s(w, peak_, hbm_bw_) / double(pp);
      const double link = o_.fabric.scale_up.chip_bytes_per_s();
      for (const auto& op : w.ops)
        if (op.kind == OpKind::collective && op.collective.group == "tp")
          p.tp_comm_per_micro_batch += double(op.collective.bytes) * bus_factor(op.collective.kind, tp) / link / double(pp);
    } catch (const Error& e) {
      p.error = e.what();
    }
    return probes_.emplace(key, std::move(p)).first->second;
  }

  void training(SizingResult& r) {
    const Scenario& sc = o_.scenario;
    if (sc.kind != ScenarioKind::training) throw Error("training target: the scenario must be a training scenario");
    const std::uint64_t B = sc.global_batch;
    const double tokens_per_step = double(B) * double(sc.seq_len);
    const double required = t_.required_throughput();
    const std::uint32_t cpn = o_.fabric.chips_per_node;
    std::vector<SizingCandidate> cs;
    for (auto tp : powers_of_two(cpn))
      for (auto pp : powers_of_two(static_cast<std::uint32_t>(o_.model.layers)))
        for (std::uint64_t mb : {1, 2, 4})
          for (bool recompute : {false, true})
            for (auto dp : powers_of_two(l_.max_chips / (tp * pp))) {
              if (B % (mb * dp) != 0) continue;
              const std::uint64_t m = B / (mb * dp);
              for (std::uint32_t zero : {0u, 1u}) {
                if (zero == 1 && dp == 1) continue;
                SizingCandidate c;
                std::uint32_t ep = 1;
                if (o_.model.is_moe())
                  while (ep * 2 <= dp && dp % (ep * 2) == 0 && o_.model.experts % (ep * 2) == 0) ep *= 2;
                c.layout = ParallelLayout{tp, pp, dp, ep};
                c.micro_batch = mb;
                c.recompute = recompute;
                c.zero = zero;
                c.chips = c.layout.chips();
                const Probe& p = probe(tp, pp, mb, recompute);
                if (!p.ok) {
                  c.status = "rejected";
                  c.reason = p.error;
                  cs.push_back(std::move(c));
                  continue;
                }
                const WorkloadSummary& f = p.footprint;
                const double optimizer = double(f.optimizer_bytes) / (zero >= 1 ? dp : 1);
                c.memory_bytes = double(f.weight_bytes + f.gradient_bytes + f.activation_bytes) + optimizer;
                // Per chip per step: m micro-batches of the slowest stage's share (ceil(L / pp)
                // layers), with the 1F1B bubble; the ranking estimate adds the blocking
                // tensor-parallel collectives at link bandwidth.
                const double L = double(o_.model.layers);
                const double share = std::ceil(L / pp) / L * double(m + pp - 1);
                c.bound_throughput = tokens_per_step / (p.roofline_per_micro_batch * share);
                c.estimate = tokens_per_step / ((p.roofline_per_micro_batch + p.tp_comm_per_micro_batch) * share);
                if (c.memory_bytes > hbm_bytes_) {
                  c.status = "rejected";
                  c.reason = fmt::format("needs {} per chip (weights {}, gradients {}, optimizer {}, activations {}) > {} HBM",
                                         gb(c.memory_bytes), gb(double(f.weight_bytes)), gb(double(f.gradient_bytes)),
                                         gb(optimizer), gb(double(f.activation_bytes)), gb(hbm_bytes_));
                } else if (!prune_by_limits(c) && c.bound_throughput < required) {
                  c.status = "pruned";
                  c.reason = fmt::format("bound {:.4g} tokens/s < required {:.4g}", c.bound_throughput, required);
                }
                cs.push_back(std::move(c));
              }
            }
    progress(fmt::format("{} layouts considered", cs.size()));

    // Simulate the most promising: by chips, then optimistic throughput; two per chip count,
    // and stop two chip counts after the first that meets the target.
    const std::vector<std::size_t> order = simulation_order(cs);
    std::map<std::uint32_t, int> per_count;
    std::optional<std::uint32_t> first_meeting;
    std::size_t simulated = 0;
    counts_since_met_.clear();
    for (std::size_t idx : order) {
      SizingCandidate& c = cs[idx];
      if (first_meeting && counts_since_met_.size() >= 3 && !counts_since_met_.count(c.chips)) {
        c.status = "not simulated";
        c.reason = "search stopped: enough chip counts past the first that meets the target";
        continue;
      }
      if (simulated >= o_.max_simulations || per_count[c.chips] >= 2) {
        c.status = "not simulated";
        c.reason = simulated >= o_.max_simulations ? "search stopped: max_simulations reached"
                                                   : "two better-bounded layouts of this chip count simulated";
        continue;
      }
      ++per_count[c.chips];
      ++simulated;
      progress(fmt::format("simulating {}/{}: {} chips, {}", simulated, std::min<std::size_t>(order.size(), o_.max_simulations),
                           c.chips, c.describe()));
      simulate_training(c, tokens_per_step);
      if (c.status == "simulated" && c.meets_target && c.within_limits && !first_meeting) first_meeting = c.chips;
      if (first_meeting) counts_since_met_.insert(c.chips);
    }
    r.candidates = std::move(cs);
  }

  void simulate_training(SizingCandidate& c, double tokens_per_step) {
    try {
      const Scenario s = training_scenario(c.layout.tp, c.layout.pp, c.layout.dp, c.layout.ep, c.micro_batch, c.recompute,
                                           c.zero, o_.scenario.global_batch);
      const Workload w = generate_trace(o_.model, s);
      StepOptions opts;
      opts.progress = o_.progress;
      StepSimulator sim(cluster_for(o_.fabric, c.chips), timer_, opts);
      const StepReport rep = sim.run(w, c.layout);
      c.status = "simulated";
      c.step_s = rep.step_s;
      c.throughput = tokens_per_step / rep.step_s;
      c.power_w = rep.energy_j_total() / rep.step_s;
      c.energy_per_token_j = rep.energy_j_total() / tokens_per_step;
      c.flops_utilisation = rep.flops / rep.step_s / double(c.chips) / peak_;
      c.meets_target = c.throughput >= t_.required_throughput();
      if (!c.meets_target)
        c.reason = fmt::format("{:.4g} tokens/s < required {:.4g}", c.throughput, t_.required_throughput());
      check_limits_after(c);
    } catch (const Error& e) {
      c.status = "failed";
      c.reason = e.what();
    }
  }

  // --- Serving ----------------------------------------------------------------------------
  //
  // A replica is tp x pp chips holding `batch` sequences. It prefills each new request alone
  // (batch 1, `prompt` tokens), one after another, and decodes the batch together, one step per
  // output token at the mean context prompt + output/2 (the time per output token). The last
  // request of a batch sees its first token after all batch prefills: its TTFT is batch x the
  // prefill, and that is what the TTFT limit is held to. Serving `batch` requests takes
  // batch x prefill + output x TPOT, so a replica serves batch / (batch x prefill + output x TPOT)
  // requests per second; replicas are added until the target rate is met. Replicas are
  // independent, so one is simulated. (`tessera serve` simulates continuous batching instead.)

  Scenario serving_scenario(ScenarioKind kind, std::uint32_t tp, std::uint32_t pp, std::uint64_t batch,
                            std::uint64_t context) const {
    Scenario s = o_.scenario;
    s.kind = kind;
    s.parallel = Parallelism{};
    s.parallel.tp = tp;
    s.parallel.pp = pp;
    s.batch = batch;
    if (kind == ScenarioKind::prefill) {
      s.prompt = t_.prompt;
      s.context = 0;
      s.steps = 1;
    } else {
      s.context = context;
      s.steps = 1;
      s.prompt = 0;
    }
    s.output = 0;
    return s;
  }

  void serving(SizingResult& r) {
    const double required = t_.required_throughput();
    const std::uint32_t cpn = o_.fabric.chips_per_node;
    const std::uint64_t P = t_.prompt, O = t_.output;
    std::vector<SizingCandidate> cs;
    for (auto tp : powers_of_two(cpn))
      for (auto pp : powers_of_two(std::min<std::uint32_t>(8, static_cast<std::uint32_t>(o_.model.layers))))
        for (std::uint64_t b : {1, 2, 4, 8, 16, 32, 64, 128, 256}) {
          SizingCandidate c;
          c.layout = ParallelLayout{tp, pp, 1, 1};
          c.batch = b;
          try {
            // At the shortest context the decode step is fastest (an optimistic bound); the
            // KV cache is sized for the longest (prompt + output).
            const Workload d = generate_trace(o_.model, serving_scenario(ScenarioKind::decode, tp, pp, b, P));
            const Workload& pre = prefill_probe(tp, pp);
            const WorkloadSummary& f = d.summary;
            const double kv = double(f.kv_cache_bytes) * double(P + O) / double(P);
            c.memory_bytes = double(f.weight_bytes) + kv + double(f.activation_bytes);
            const double tpot = roofline_s(d, peak_, hbm_bw_), prefill = roofline_s(pre, peak_, hbm_bw_);
            const double ttft = double(b) * prefill;  // the batch's last request
            const double rate = double(b) / (ttft + double(O) * tpot);
            c.replicas = static_cast<std::uint32_t>(std::max(1.0, std::ceil(required / rate)));
            c.chips = c.replicas * tp * pp;
            c.bound_throughput = c.estimate = rate * c.replicas;
            if (c.memory_bytes > hbm_bytes_) {
              c.status = "rejected";
              c.reason = fmt::format("needs {} per chip (weights {}, KV cache {}, activations {}) > {} HBM", gb(c.memory_bytes),
                                     gb(double(f.weight_bytes)), gb(kv), gb(double(f.activation_bytes)), gb(hbm_bytes_));
            } else if (t_.tpot_ms > 0 && tpot * 1e3 > t_.tpot_ms) {
              c.status = "pruned";
              c.reason = fmt::format("time per output token >= {:.3g} ms (bound) > {:.3g} ms", tpot * 1e3, t_.tpot_ms);
            } else if (t_.ttft_ms > 0 && ttft * 1e3 > t_.ttft_ms) {
              c.status = "pruned";
              c.reason = fmt::format("time to first token >= {:.3g} ms (bound) > {:.3g} ms", ttft * 1e3, t_.ttft_ms);
            } else {
              prune_by_limits(c);
            }
          } catch (const Error& e) {
            c.status = "rejected";
            c.reason = e.what();
          }
          cs.push_back(std::move(c));
        }
    progress(fmt::format("{} layouts considered", cs.size()));

    const std::vector<std::size_t> order = simulation_order(cs);
    std::size_t simulated = 0;
    std::optional<std::uint32_t> best_chips;
    for (std::size_t idx : order) {
      SizingCandidate& c = cs[idx];
      if (simulated >= o_.max_simulations) {
        c.status = "not simulated";
        c.reason = "search stopped: max_simulations reached";
        continue;
      }
      if (best_chips && c.chips > 2 * *best_chips) {
        c.status = "not simulated";
        c.reason = fmt::format("bound needs {} chips, over twice the best found ({})", c.chips, *best_chips);
        continue;
      }
      ++simulated;
      progress(fmt::format("simulating {}/{}: {}", simulated, std::min<std::size_t>(order.size(), o_.max_simulations),
                           c.describe()));
      simulate_serving(c);
      if (c.status == "simulated" && c.meets_target && c.within_limits)
        best_chips = best_chips ? std::min(*best_chips, c.chips) : c.chips;
    }
    r.candidates = std::move(cs);
  }

  const Workload& prefill_probe(std::uint32_t tp, std::uint32_t pp) {
    const auto key = std::make_pair(tp, pp);
    if (auto it = prefills_.find(key); it != prefills_.end()) return it->second;
    Workload w = generate_trace(o_.model, serving_scenario(ScenarioKind::prefill, tp, pp, 1, 0));
    return prefills_.emplace(key, std::move(w)).first->second;
  }

  void simulate_serving(SizingCandidate& c) {
    try {
      const std::uint32_t replica_chips = c.layout.chips();
      StepOptions opts;
      opts.progress = o_.progress;
      StepSimulator sim(cluster_for(o_.fabric, replica_chips), timer_, opts);
      const Workload& pre = prefill_probe(c.layout.tp, c.layout.pp);
      const StepReport rp = sim.run(pre, c.layout);
      const Workload dec = generate_trace(
          o_.model, serving_scenario(ScenarioKind::decode, c.layout.tp, c.layout.pp, c.batch, t_.prompt + t_.output / 2));
      const StepReport rd = sim.run(dec, c.layout);
      const double O = double(t_.output), b = double(c.batch);
      c.prefill_s = rp.step_s;
      c.ttft_s = b * rp.step_s;  // the batch's last request waits for every prefill
      c.tpot_s = rd.step_s;
      const double cycle = c.ttft_s + O * c.tpot_s;
      const double rate = b / cycle;
      c.replicas = static_cast<std::uint32_t>(std::max(1.0, std::ceil(t_.required_throughput() / rate)));
      c.chips = c.replicas * replica_chips;
      c.hardware_cost = double(c.chips) * o_.chip_price;
      c.throughput = rate * c.replicas;
      const double cycle_energy = b * rp.energy_j_total() + O * rd.energy_j_total();
      c.power_w = cycle_energy / cycle * c.replicas;
      c.energy_per_token_j = cycle_energy / (b * O);
      c.flops_utilisation = (b * rp.flops + O * rd.flops) / cycle / double(replica_chips) / peak_;
      c.status = "simulated";
      std::vector<std::string> misses;
      if (t_.ttft_ms > 0 && c.ttft_s * 1e3 > t_.ttft_ms)
        misses.push_back(fmt::format("TTFT {:.3g} ms > {:.3g}", c.ttft_s * 1e3, t_.ttft_ms));
      if (t_.tpot_ms > 0 && c.tpot_s * 1e3 > t_.tpot_ms)
        misses.push_back(fmt::format("TPOT {:.3g} ms > {:.3g}", c.tpot_s * 1e3, t_.tpot_ms));
      c.meets_target = misses.empty();
      c.reason = fmt::format("{}", fmt::join(misses, "; "));
      check_limits_after(c);
    } catch (const Error& e) {
      c.status = "failed";
      c.reason = e.what();
    }
  }

  const SizingOptions& o_;
  const SizingTarget& t_;
  const SizingLimits& l_;
  std::shared_ptr<OpTimer> timer_;
  double peak_, hbm_bw_, hbm_bytes_, idle_w_;
  std::map<std::tuple<std::uint32_t, std::uint32_t, std::uint64_t, bool>, Probe> probes_;
  std::map<std::pair<std::uint32_t, std::uint32_t>, Workload> prefills_;
  std::set<std::uint32_t> counts_since_met_;  // chip counts simulated since one met the target
};

}  // namespace

double SizingTarget::required_throughput() const {
  if (kind == SizingKind::training) return days > 0 ? train_tokens / (days * kSecondsPerDay) : 0;
  return requests_per_s;
}

std::string SizingCandidate::describe() const {
  if (batch > 0)
    return fmt::format("tp={} pp={} batch={} x {} replica{}", layout.tp, layout.pp, batch, replicas, replicas == 1 ? "" : "s");
  return fmt::format("tp={} pp={} dp={}{} mb={}{}{}", layout.tp, layout.pp, layout.dp,
                     layout.ep > 1 ? fmt::format(" ep={}", layout.ep) : "", micro_batch, recompute ? " recompute" : "",
                     zero ? fmt::format(" zero={}", zero) : "");
}

SizingResult size_cluster(const SizingOptions& options, const SizingTarget& target, const SizingLimits& limits) {
  if (target.kind == SizingKind::training && (target.train_tokens <= 0 || target.days <= 0))
    throw Error("training target: give the tokens to train (> 0) and the days (> 0)");
  if (target.kind == SizingKind::serving && (target.requests_per_s <= 0 || target.prompt == 0 || target.output == 0))
    throw Error("serving target: give requests per second (> 0), prompt tokens (> 0) and output tokens (> 0)");
  if (limits.max_chips == 0) throw Error("max_chips must be at least 1");
  if (options.max_simulations == 0) throw Error("max_simulations must be at least 1");
  return Search(options, target, limits).run();
}

}  // namespace tessera
