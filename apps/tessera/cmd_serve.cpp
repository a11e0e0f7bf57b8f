// tessera serve: a request stream served by replicas of a model that batch continuously; the
// iterations are timed on the cycle-level chip (and cluster) model (serving/, docs/serving.md).
// With --find-capacity: the highest arrival rate whose p99 TTFT and TPOT meet the limits.
#include <cmath>
#include <iostream>

#include <fmt/core.h>
#include <fmt/format.h>

#include "apps/tessera/cli_common.h"
#include "apps/tessera/commands.h"
#include "apps/tessera/sim_output.h"
#include "apps/tessera/workload_args.h"
#include "cluster/cluster_config.h"
#include "models/config/chip_config.h"
#include "serving/kv_transfer.h"
#include "serving/serving_report.h"
#include "serving/serving_sim.h"
#include "workloads/workload_reader.h"

namespace tessera::cli {
namespace {

constexpr const char* kDefaultChip = "h100";
constexpr const char* kDefaultModel = "llama-3-8b";
constexpr const char* kDefaultStream = "chat";

void check_positive(const po::variables_map& vm, const char* option, double value, double max = 1e9) {
  if (vm.count(option) && !(value > 0 && value <= max))
    throw Error(fmt::format("--{}: expected a number in (0, {:g}], got {}", option, max, value));
}

struct CapacityPoint {
  double rate = 0, ttft_p99 = 0, tpot_p99 = 0, goodput = 0;
  bool meets = false;
};

}  // namespace

int cmd_serve(int argc, char** argv) {
  std::string chip_name, cluster_name, model = kDefaultModel, scenario_text = "decode:context=1", stream_name = kDefaultStream,
              trace_file, scheduler_text = "chunked", router_text = "least_outstanding", format_text, trace_out;
  std::vector<std::string> cluster_overrides;
  double rate = 0, duration = 0, memory_reserve = 0.10, ttft_slo_ms = 0, tpot_slo_ms = 0, ttft_p99_ms = 0,
         tpot_p99_ms = 0;
  std::uint64_t requests = 0, seed = 0, prompt = 0, output = 0, tp = 1;
  ServingOptions so;
  PowerArgs power_args;
  FidelityArgs fidelity_args;
  CommonOptions common;
  po::options_description desc("tessera serve options");
  desc.add_options()("help,h", "show this help")
      ("model", po::value<std::string>(&model), "model card (configs/models) or HF config.json (default llama-3-8b)")
      ("scenario", po::value<std::string>(&scenario_text),
       "data types and attention of the replica as an inline scenario, e.g. decode:context=1,weight_dtype=fp8")
      ("chip", po::value<std::string>(&chip_name), "chip config (default h100, or the cluster's chip)")
      ("tp", whole_number(&tp, "tp", 1, 1024), "chips per replica, tensor parallel (> 1 needs --cluster)")
      ("cluster", po::value<std::string>(&cluster_name), "cluster whose first tp chips hold a replica (configs/clusters)")
      ("cluster-set", po::value<std::vector<std::string>>(&cluster_overrides)->composing(), "override a cluster key")
      ("requests-file", po::value<std::string>(&stream_name),
       "request stream: a name under configs/serving (chat, summarise, code) or a YAML path (default chat)")
      ("trace", po::value<std::string>(&trace_file),
       "request trace instead: CSV or JSONL with arrival_s, prompt_tokens, output_tokens")
      ("rate", po::value<double>(&rate), "arrival rate, requests per second (overrides the stream's)")
      ("requests", whole_number(&requests, "requests", 1, 10'000'000), "number of requests (overrides the stream's)")
      ("duration", po::value<double>(&duration), "seconds of arrivals instead of a request count")
      ("seed", whole_number(&seed, "seed", 0), "random seed of the stream")
      ("prompt", whole_number(&prompt, "prompt", 1, 1 << 22), "every prompt this many tokens (overrides the stream's)")
      ("output", whole_number(&output, "output", 1, 1 << 22), "every output this many tokens (overrides the stream's)")
      ("replicas", whole_number(&so.replicas, "replicas", 1, 4096),
       "replicas behind the router (default 1); with --prefill-replicas, the decode replicas")
      ("prefill-replicas", whole_number(&so.prefill_replicas, "prefill-replicas", 1, 4096),
       "disaggregated serving: this many prefill-only replicas hand their caches to the decode replicas over the "
       "cluster fabric (needs --cluster)")
      ("scheduler", po::value<std::string>(&scheduler_text), "chunked (default), prefill_first or static")
      ("router", po::value<std::string>(&router_text), "round_robin, least_outstanding (default) or least_kv")
      ("max-seqs", whole_number(&so.max_seqs, "max-seqs", 1, 1 << 16), "sequences running at once per replica (256)")
      ("max-batched-tokens", whole_number(&so.max_batched_tokens, "max-batched-tokens", 1, 1 << 20),
       "tokens per iteration (2048)")
      ("block-size", whole_number(&so.block_size, "block-size", 1, 4096), "tokens per KV block (16)")
      ("memory-reserve", po::value<double>(&memory_reserve), "fraction of HBM kept free (0.10)")
      ("kv-blocks", whole_number(&so.kv_blocks, "kv-blocks", 1), "KV blocks per replica instead of what memory leaves")
      ("no-prefix-caching", "do not reuse cached blocks of shared prompt prefixes (trace prefix_id)")
      ("ttft-slo-ms", po::value<double>(&ttft_slo_ms), "goodput: time-to-first-token limit per request")
      ("tpot-slo-ms", po::value<double>(&tpot_slo_ms), "goodput: time-per-output-token limit per request")
      ("find-capacity", "search the highest arrival rate meeting --ttft-p99-ms and --tpot-p99-ms")
      ("ttft-p99-ms", po::value<double>(&ttft_p99_ms), "capacity search: p99 time-to-first-token limit")
      ("tpot-p99-ms", po::value<double>(&tpot_p99_ms), "capacity search: p99 time-per-output-token limit")
      ("trace-out", po::value<std::string>(&trace_out),
       "write a Perfetto/Chrome trace JSON: iterations per replica, KV blocks and queue length over time");
  add_power_options(desc, power_args);
  add_fidelity_options(desc, fidelity_args);
  add_common_options(desc, common, format_text);
  po::variables_map vm;
  if (!parse_command_line(argc, argv, desc, vm,
                          "usage: tessera serve [--model M] [--chip C | --cluster C --tp N] [--requests-file S | --trace F]\n"
                          "                     [--rate R] [--scheduler chunked|prefill_first|static] [--replicas N]\n"
                          "       tessera serve ... --find-capacity --ttft-p99-ms X --tpot-p99-ms Y\n\n"
                          "Simulates a serving deployment under a request stream: continuous batching, paged KV cache,\n"
                          "preemption; each iteration is timed on the cycle-level chip model (docs/serving.md)."))
    return 0;
  common.format = parse_format(format_text);
  check_positive(vm, "rate", rate);
  check_positive(vm, "duration", duration, 1e7);
  check_positive(vm, "ttft-slo-ms", ttft_slo_ms, 1e9);
  check_positive(vm, "tpot-slo-ms", tpot_slo_ms, 1e9);
  check_positive(vm, "ttft-p99-ms", ttft_p99_ms, 1e9);
  check_positive(vm, "tpot-p99-ms", tpot_p99_ms, 1e9);
  if (vm.count("memory-reserve") && !(memory_reserve >= 0 && memory_reserve < 1))
    throw Error(fmt::format("--memory-reserve: expected a fraction in [0, 1), got {}", memory_reserve));
  so.memory_reserve = memory_reserve;
  so.prefix_caching = vm.count("no-prefix-caching") == 0;
  so.ttft_slo_s = ttft_slo_ms / 1e3;
  so.tpot_slo_s = tpot_slo_ms / 1e3;
  if (vm.count("scheduler")) {
    const auto s = parse_scheduler(scheduler_text);
    if (!s) throw Error(fmt::format("--scheduler: expected chunked, prefill_first or static, got '{}'", scheduler_text));
    so.scheduler = *s;
  }
  if (vm.count("router")) {
    const auto r = parse_router(router_text);
    if (!r) throw Error(fmt::format("--router: expected round_robin, least_outstanding or least_kv, got '{}'", router_text));
    so.router = *r;
  }
  const bool find_capacity = vm.count("find-capacity") > 0;
  if (find_capacity && !vm.count("ttft-p99-ms") && !vm.count("tpot-p99-ms"))
    throw Error("--find-capacity: give the limits, --ttft-p99-ms and/or --tpot-p99-ms");
  if (!find_capacity && (vm.count("ttft-p99-ms") || vm.count("tpot-p99-ms")))
    throw Error("--ttft-p99-ms / --tpot-p99-ms set the capacity search's limits: add --find-capacity");

  // The replica.
  ReplicaSpec spec;
  spec.model = resolve_model(model);
  spec.scenario = resolve_scenario(scenario_text);
  if (vm.count("tp")) spec.scenario.parallel.tp = tp;
  if (!vm.count("cluster") && vm.count("cluster-set")) throw Error("--cluster-set needs --cluster");
  if (vm.count("cluster")) spec.cluster = load_cluster_config(cluster_name, cluster_overrides);
  else if (spec.scenario.parallel.tp > 1)
    throw Error(fmt::format("--tp {}: a tensor-parallel replica needs the cluster that links its chips (--cluster)",
                            spec.scenario.parallel.tp));
  const std::string chip = !chip_name.empty() ? chip_name : spec.cluster ? spec.cluster->chip : kDefaultChip;
  spec.chip = load_chip_config(chip, common.overrides);
  apply_power_options(vm, power_args, spec.options);
  apply_fidelity_options(fidelity_args, spec.options);

  // The stream.
  StreamSpec stream;
  if (vm.count("trace")) {
    if (vm.count("requests-file")) throw Error("give --requests-file or --trace, not both");
    for (const char* o : {"rate", "requests", "duration", "seed", "prompt", "output"})
      if (vm.count(o)) throw Error(fmt::format("--{} shapes a generated stream; a --trace gives its own requests", o));
    stream.name = trace_file;
    stream.source = trace_file;
    stream.trace = trace_file;
  } else {
    stream = load_stream_spec(stream_name);
    if (!stream.trace.empty())
      for (const char* o : {"rate", "requests", "duration", "seed", "prompt", "output"})
        if (vm.count(o)) throw Error(fmt::format("--{}: stream '{}' replays a trace file", o, stream.name));
    if (vm.count("rate")) stream.rate_per_s = rate;
    if (vm.count("requests")) {
      stream.requests = requests;
      stream.duration_s = 0;
    }
    if (vm.count("duration")) {
      stream.duration_s = duration;
      if (!vm.count("requests")) stream.requests = 0;
    }
    if (vm.count("seed")) stream.seed = seed;
    if (vm.count("prompt")) stream.prompt = LengthDistribution{LengthKind::fixed, prompt};
    if (vm.count("output")) stream.output = LengthDistribution{LengthKind::fixed, output};
    stream.source = stream.source.empty() ? "command line" : stream.source;
    validate_stream_spec(stream);
  }
  if (find_capacity && !stream.trace.empty())
    throw Error("--find-capacity varies the arrival rate of a generated stream; a trace has fixed arrival times");

  std::optional<KvTransferTimer> transfer;
  if (so.prefill_replicas > 0) {
    if (!spec.cluster)
      throw Error("--prefill-replicas: disaggregated serving moves caches over a fabric: name the cluster (--cluster)");
    transfer.emplace(*spec.cluster, static_cast<std::uint32_t>(spec.scenario.parallel.tp), so.prefill_replicas + so.replicas,
                     spec.chip.power.c2c_pj_per_bit * spec.chip.calibration.dynamic_energy_scale);
  }
  KvTransferTimer* mover = transfer ? &*transfer : nullptr;
  IterationTimer timer(spec);
  StatusLine status;
  so.progress = [&status](double t, std::size_t done, std::size_t total) {
    status.show(fmt::format("serving: {:.1f} s simulated, {} of {} requests done", t, done, total));
  };
  ServingInputs inputs{spec, stream, so, model};

  if (!find_capacity) {
    const std::vector<Request> reqs = make_requests(stream);
    const ServingResult r = simulate_serving(timer, reqs, so, mover);
    if (!trace_out.empty()) write_serving_timeline(trace_out, inputs, r);
    emit_document(serving_document(inputs, r), common);
    report_op_cache(fidelity_args);
    return 0;
  }

  // Capacity search: double (or halve) the rate until the limits flip, then bisect.
  const double ttft_lim = ttft_p99_ms / 1e3, tpot_lim = tpot_p99_ms / 1e3;
  std::vector<CapacityPoint> tried;
  std::optional<ServingResult> best_result;
  double best_rate = 0;
  auto evaluate = [&](double r) {
    StreamSpec s = stream;
    s.rate_per_s = r;
    if (s.requests == 0) s.requests = std::max<std::uint64_t>(200, static_cast<std::uint64_t>(r * s.duration_s));
    s.duration_s = 0;
    ServingResult res = simulate_serving(timer, make_requests(s), so, mover);
    const ResultDocument d = serving_document(inputs, res);
    CapacityPoint p{r, d.summary.number("ttft_p99_s"), d.summary.number("tpot_p99_s"), d.summary.number("goodput")};
    p.meets = (ttft_lim <= 0 || p.ttft_p99 <= ttft_lim) && (tpot_lim <= 0 || p.tpot_p99 <= tpot_lim);
    tried.push_back(p);
    status.show(fmt::format("capacity search: {:.3g} requests/s {}", r, p.meets ? "meets" : "misses"));
    if (p.meets && r > best_rate) {
      best_rate = r;
      best_result = std::move(res);
    }
    return p.meets;
  };
  double lo = 0, hi = 0;
  double r0 = stream.rate_per_s;
  if (evaluate(r0)) {
    lo = r0;
    for (int i = 0; i < 16 && hi == 0; ++i) {
      const double r = lo * 2;
      if (evaluate(r)) lo = r;
      else hi = r;
    }
  } else {
    hi = r0;
    for (int i = 0; i < 16 && lo == 0; ++i) {
      const double r = hi / 2;
      if (evaluate(r)) lo = r;
      else hi = r;
    }
  }
  if (lo == 0)
    throw Error(fmt::format("--find-capacity: no arrival rate down to {:.3g} requests/s meets p99 TTFT <= {} ms and p99 "
                            "TPOT <= {} ms on this deployment: the limits are below what one request alone takes "
                            "(try more chips per replica or a looser limit)",
                            hi, ttft_p99_ms, tpot_p99_ms));
  if (hi > 0)
    for (int i = 0; i < 7 && (hi - lo) / lo > 0.02; ++i) {
      const double mid = 0.5 * (lo + hi);
      if (evaluate(mid)) lo = mid;
      else hi = mid;
    }
  inputs.stream.rate_per_s = lo;
  ResultDocument doc = serving_document(inputs, *best_result);
  if (!trace_out.empty()) write_serving_timeline(trace_out, inputs, *best_result);
  doc.job = "serve-capacity";
  doc.summary.set("capacity_rate", lo, "requests/s",
                  fmt::format("highest arrival rate tried that meets p99 TTFT <= {} ms and p99 TPOT <= {} ms",
                              ttft_p99_ms, tpot_p99_ms));
  ResultTable t;
  t.name = "capacity_search";
  t.title = "Capacity search (each rate one simulation of the stream)";
  std::vector<double> rates, tt, tp99, gp;
  std::vector<std::string> meets;
  for (const CapacityPoint& p : tried) {
    rates.push_back(p.rate);
    tt.push_back(p.ttft_p99);
    tp99.push_back(p.tpot_p99);
    gp.push_back(p.goodput);
    meets.push_back(p.meets ? "yes" : "no");
  }
  t.columns.add_doubles("rate", rates, "requests/s")
      .add_doubles("ttft_p99_s", tt, "s")
      .add_doubles("tpot_p99_s", tp99, "s")
      .add_doubles("goodput", gp, "requests/s")
      .add_strings("meets", meets);
  doc.tables.insert(doc.tables.begin(), std::move(t));
  emit_document(doc, common);
  report_op_cache(fidelity_args);
  return 0;
}

}  // namespace tessera::cli
