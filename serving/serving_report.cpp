#include "serving/serving_report.h"

#include <algorithm>

#include <fmt/format.h>

#include "base/io/atomic_file.h"
#include "base/version.h"
#include "cluster/cluster_config.h"
#include "models/config/chip_config.h"

namespace tessera {

namespace {

nlohmann::json stream_json(const StreamSpec& s) {
  if (!s.trace.empty()) return {{"trace", s.trace}};
  auto length = [](const LengthDistribution& d) -> nlohmann::json {
    switch (d.kind) {
      case LengthKind::fixed: return {{"distribution", "fixed"}, {"value", d.value}};
      case LengthKind::uniform: return {{"distribution", "uniform"}, {"min", d.min}, {"max", d.max}};
      case LengthKind::lognormal:
        return {{"distribution", "lognormal"}, {"median", d.median}, {"sigma", d.sigma}, {"min", d.min}, {"max", d.max}};
    }
    return nullptr;
  };
  nlohmann::json arrival = {{"process", s.arrival == ArrivalProcess::poisson ? "poisson" : "gamma"},
                            {"rate_per_s", s.rate_per_s}};
  if (s.arrival == ArrivalProcess::gamma) arrival["cv"] = s.cv;
  return {{"name", s.name},         {"arrival", arrival},     {"prompt", length(s.prompt)},
          {"output", length(s.output)}, {"requests", s.requests}, {"duration_s", s.duration_s},
          {"seed", s.seed}};
}

void set_percentiles(Summary& s, const std::string& key, const std::vector<double>& v, const std::string& what) {
  double mean = 0;
  for (double x : v) mean += x;
  mean = v.empty() ? 0 : mean / static_cast<double>(v.size());
  s.set(key + "_mean_s", mean, "s", "mean " + what);
  s.set(key + "_p50_s", percentile(v, 50), "s", "median " + what);
  s.set(key + "_p90_s", percentile(v, 90), "s", "90th percentile " + what);
  s.set(key + "_p99_s", percentile(v, 99), "s", "99th percentile " + what);
}

}  // namespace

ResultDocument serving_document(const ServingInputs& in, const ServingResult& r) {
  const ServingOptions& o = in.options;
  const ReplicaSpec& rep = in.replica;
  ResultDocument doc;
  doc.job = "serve";
  const std::uint32_t total = o.prefill_replicas + o.replicas;
  doc.title = o.prefill_replicas
                  ? fmt::format("{}: {} prefill + {} decode replicas of {} x {} (disaggregated)", rep.model.name,
                                o.prefill_replicas, o.replicas, rep.chips(), rep.chip.name)
                  : fmt::format("{}: {} replica{} of {} x {}, {} scheduler", rep.model.name, o.replicas,
                                o.replicas > 1 ? "s" : "", rep.chips(), rep.chip.name, to_string(o.scheduler));
  doc.format = kServingFormat;
  doc.format_version = kServingFormatVersion;
  doc.tool_version = kVersion;
  doc.inputs = {ResultInput::value_input("model", rep.model.name),
                ResultInput::value_input("model_source", in.model_source),
                ResultInput::value_input("scenario", to_spec(rep.scenario)),
                ResultInput::config_input("chip", rep.chip.name, to_yaml(rep.chip)),
                ResultInput::value_input("stream", stream_json(in.stream)),
                ResultInput::value_input("serving", {{"replicas", o.replicas},
                                                     {"prefill_replicas", o.prefill_replicas},
                                                     {"scheduler", to_string(o.scheduler)},
                                                     {"router", to_string(o.router)},
                                                     {"max_seqs", o.max_seqs},
                                                     {"max_batched_tokens", o.max_batched_tokens},
                                                     {"block_size", o.block_size},
                                                     {"memory_reserve", o.memory_reserve},
                                                     {"kv_blocks", o.kv_blocks},
                                                     {"prefix_caching", o.prefix_caching},
                                                     {"ttft_slo_s", o.ttft_slo_s},
                                                     {"tpot_slo_s", o.tpot_slo_s}})};
  if (rep.cluster) doc.inputs.push_back(ResultInput::config_input("cluster", rep.cluster->name, to_yaml(*rep.cluster)));

  // Figures.
  std::vector<double> ttft, tpot, e2e, queue;
  double in_tokens = 0, out_tokens = 0;
  std::size_t good = 0;
  for (const RequestOutcome& q : r.requests) {
    ttft.push_back(q.ttft_s());
    if (q.request.output_tokens > 1) tpot.push_back(q.tpot_s());
    e2e.push_back(q.e2e_s());
    queue.push_back(q.queue_s());
    in_tokens += static_cast<double>(q.request.prompt_tokens);
    out_tokens += static_cast<double>(q.request.output_tokens);
    const bool ok = (o.ttft_slo_s <= 0 || q.ttft_s() <= o.ttft_slo_s) && (o.tpot_slo_s <= 0 || q.tpot_s() <= o.tpot_slo_s);
    good += ok;
  }
  const double T = std::max(r.makespan_s, 1e-12);
  Summary& s = doc.summary;
  s.set_text("model", rep.model.name, "model served");
  s.set_text("chip", rep.chip.name, "chip of every replica");
  s.set("replicas", total, "count", "replicas serving the stream (prefill and decode)");
  s.set("prefill_replicas", o.prefill_replicas, "count", "prefill-only replicas (0: aggregated serving)");
  s.set("chips_per_replica", rep.chips(), "count", "chips per replica (tensor parallel)");
  s.set("chips", double(total) * rep.chips(), "count", "chips in the deployment");
  s.set("requests", double(r.requests.size()), "count", "requests served");
  s.set("duration_s", r.makespan_s, "s", "first arrival to last completion (simulated)");
  s.set("offered_rate", r.requests.size() > 1 ? double(r.requests.size() - 1) /
                                                    std::max(1e-12, r.requests.back().request.arrival_s -
                                                                        r.requests.front().request.arrival_s)
                                              : 0.0,
        "requests/s", "arrival rate of the stream");
  s.set("request_throughput", double(r.requests.size()) / T, "requests/s", "requests completed per second");
  s.set("input_tokens_per_s", in_tokens / T, "tokens/s", "prompt tokens served per second");
  s.set("output_tokens_per_s", out_tokens / T, "tokens/s", "output tokens generated per second");
  set_percentiles(s, "ttft", ttft, "time to first token (arrival to first token)");
  set_percentiles(s, "tpot", tpot, "time per output token after the first, per request");
  set_percentiles(s, "itl", r.itl_s, "gap between consecutive tokens of a request");
  set_percentiles(s, "e2e", e2e, "arrival to last token");
  set_percentiles(s, "queue", queue, "arrival to first scheduled iteration");
  s.set("goodput", double(good) / T, "requests/s", "requests per second meeting the TTFT and TPOT limits");
  s.set("slo_attainment", r.requests.empty() ? 0 : double(good) / double(r.requests.size()), "fraction",
        "requests meeting the TTFT and TPOT limits");
  s.set("kv_blocks", double(r.kv_blocks), "blocks", fmt::format("KV blocks per replica ({} tokens each)", o.block_size));
  s.set("kv_cache_bytes", double(r.kv_blocks) * double(r.kv_bytes_per_block), "B", "KV cache per chip");
  s.set("weight_bytes", r.weight_bytes, "B", "weights per chip");
  s.set("kv_blocks_peak", r.kv_blocks_peak, "blocks", "most KV blocks in use on one replica");
  s.set("kv_usage_mean", r.kv_blocks ? r.kv_blocks_mean / double(r.kv_blocks) : 0, "fraction",
        "KV blocks in use over capacity, averaged over busy time");
  s.set("preemptions", double(r.preemptions), "count", "sequences preempted for lack of KV blocks (recomputed)");
  if (o.prefill_replicas) {
    std::vector<double> moves;
    for (const RequestOutcome& q : r.requests)
      if (q.kv_transfer_s > 0) moves.push_back(q.kv_transfer_s);
    s.set("kv_transfers", double(r.kv_transfers), "count", "caches moved from prefill to decode replicas");
    s.set("kv_transfer_bytes", r.kv_transfer_bytes, "B", "KV bytes moved per chip, all transfers");
    set_percentiles(s, "kv_transfer", moves, "time to move a cache from its prefill to its decode replica");
  }
  const double prompt_seen = double(r.prefix_hit_tokens + r.prefill_tokens_computed);
  s.set("prefix_hit_rate", prompt_seen > 0 ? double(r.prefix_hit_tokens) / prompt_seen : 0, "fraction",
        "prompt tokens found in the prefix cache over all prompt tokens prefilled or found");
  s.set("prefill_tokens_computed", double(r.prefill_tokens_computed), "tokens",
        "prompt tokens prefilled (recomputation after preemption included)");
  double batch = 0;
  for (const IterationRecord& it : r.iterations) batch += it.decode_seqs + it.prefill_seqs;
  s.set("iterations", double(r.iterations.size()), "count", "engine iterations, all replicas");
  s.set("batch_mean", r.iterations.empty() ? 0 : batch / double(r.iterations.size()), "sequences",
        "sequences per iteration");
  s.set("energy_j", r.energy_j, "J", "all chips: iterations plus idle power while idle");
  s.set("energy_per_output_token_j", out_tokens > 0 ? r.energy_j / out_tokens : 0, "J/token", "energy per output token");
  s.set("avg_power_w", r.energy_j / T, "W", "average power of the deployment");
  s.set("grid_points_simulated", double(r.grid_points), "count",
        "iteration-component grid points simulated on the cycle-level model");

  // Per request.
  ResultTable req;
  req.name = "requests";
  req.title = "Requests";
  req.view = TableView::hidden;
  std::vector<std::int64_t> id, prompt, output, replica, preempt, hits, decode_replica;
  std::vector<double> moved;
  std::vector<double> arrival, qd, tt, tp, mx, ee, fin;
  for (const RequestOutcome& q : r.requests) {
    id.push_back(static_cast<std::int64_t>(q.request.id));
    prompt.push_back(static_cast<std::int64_t>(q.request.prompt_tokens));
    output.push_back(static_cast<std::int64_t>(q.request.output_tokens));
    replica.push_back(q.replica);
    preempt.push_back(q.preemptions);
    hits.push_back(static_cast<std::int64_t>(q.prefix_hit_tokens));
    decode_replica.push_back(q.decode_replica);
    moved.push_back(q.kv_transfer_s);
    arrival.push_back(q.request.arrival_s);
    qd.push_back(q.queue_s());
    tt.push_back(q.ttft_s());
    tp.push_back(q.tpot_s());
    mx.push_back(q.max_itl_s);
    ee.push_back(q.e2e_s());
    fin.push_back(q.finish_s);
  }
  req.columns.add_ints("id", id)
      .add_doubles("arrival_s", arrival, "s")
      .add_ints("prompt_tokens", prompt, "tokens")
      .add_ints("output_tokens", output, "tokens")
      .add_ints("replica", replica)
      .add_doubles("queue_s", qd, "s")
      .add_doubles("ttft_s", tt, "s")
      .add_doubles("tpot_s", tp, "s")
      .add_doubles("max_itl_s", mx, "s")
      .add_doubles("e2e_s", ee, "s")
      .add_doubles("finish_s", fin, "s")
      .add_ints("preemptions", preempt)
      .add_ints("prefix_hit_tokens", hits, "tokens")
      .add_ints("decode_replica", decode_replica)
      .add_doubles("kv_transfer_s", moved, "s");
  doc.tables.push_back(std::move(req));

  // Per iteration (files only; the JSON leaves it out, it can be long).
  ResultTable its;
  its.name = "iterations";
  its.view = TableView::hidden;
  its.in_json = false;
  std::vector<std::int64_t> ir, ids, ips, ipt, ikv, iw;
  std::vector<double> is, ie, ien;
  for (const IterationRecord& it : r.iterations) {
    ir.push_back(it.replica);
    is.push_back(it.start_s);
    ie.push_back(it.end_s);
    ien.push_back(it.energy_j);
    ids.push_back(it.decode_seqs);
    ips.push_back(it.prefill_seqs);
    ipt.push_back(static_cast<std::int64_t>(it.prefill_tokens));
    ikv.push_back(static_cast<std::int64_t>(it.kv_blocks_used));
    iw.push_back(it.waiting);
  }
  its.columns.add_ints("replica", ir)
      .add_doubles("start_s", is, "s")
      .add_doubles("end_s", ie, "s")
      .add_doubles("energy_j", ien, "J")
      .add_ints("decode_seqs", ids)
      .add_ints("prefill_seqs", ips)
      .add_ints("prefill_tokens", ipt, "tokens")
      .add_ints("kv_blocks_used", ikv, "blocks")
      .add_ints("waiting", iw);
  doc.tables.push_back(std::move(its));
  return doc;
}

void write_serving_timeline(const std::string& path, const ServingInputs& in, const ServingResult& r) {
  // Built as text, one event per line: a long run has tens of thousands of iterations.
  std::string out = "{\"displayTimeUnit\":\"ms\",\n\"traceEvents\":[\n";
  auto meta = [&](std::uint32_t pid, std::uint32_t tid, const char* kind, const std::string& name) {
    out += fmt::format("{{\"name\":\"{}\",\"ph\":\"M\",\"pid\":{},\"tid\":{},\"args\":{{\"name\":{}}}}},\n", kind, pid,
                       tid, nlohmann::json(name).dump());
  };
  for (std::uint32_t i = 0; i < in.options.prefill_replicas + in.options.replicas; ++i) {
    meta(i + 1, 0, "process_name",
         fmt::format("{} {} ({} x {})", i < in.options.prefill_replicas ? "prefill replica" : "replica", i, in.replica.chips(),
                     in.replica.chip.name));
    meta(i + 1, 1, "thread_name", "iterations");
  }
  for (const IterationRecord& it : r.iterations) {
    const std::string name = it.prefill_seqs == 0   ? fmt::format("decode {}", it.decode_seqs)
                             : it.decode_seqs == 0 ? fmt::format("prefill {} tok", it.prefill_tokens)
                                                   : fmt::format("mixed {} + {} tok", it.decode_seqs, it.prefill_tokens);
    out += fmt::format(
        "{{\"name\":\"{}\",\"cat\":\"iteration\",\"ph\":\"X\",\"pid\":{},\"tid\":1,\"ts\":{:.3f},\"dur\":{:.3f},"
        "\"args\":{{\"decode_seqs\":{},\"prefill_seqs\":{},\"prefill_tokens\":{},\"energy_j\":{:.6g}}}}},\n",
        name, it.replica + 1, it.start_s * 1e6, (it.end_s - it.start_s) * 1e6, it.decode_seqs, it.prefill_seqs,
        it.prefill_tokens, it.energy_j);
    out += fmt::format("{{\"name\":\"kv_blocks_used\",\"ph\":\"C\",\"pid\":{},\"ts\":{:.3f},\"args\":{{\"blocks\":{}}}}},\n",
                       it.replica + 1, it.start_s * 1e6, it.kv_blocks_used);
    out += fmt::format("{{\"name\":\"waiting\",\"ph\":\"C\",\"pid\":{},\"ts\":{:.3f},\"args\":{{\"requests\":{}}}}},\n",
                       it.replica + 1, it.start_s * 1e6, it.waiting);
  }
  if (out.ends_with(",\n")) out.resize(out.size() - 2);
  nlohmann::json other = {{"tool_version", kVersion},
                          {"model", in.replica.model.name},
                          {"chip", in.replica.chip.name},
                          {"replicas", in.options.replicas},
                          {"scheduler", to_string(in.options.scheduler)},
                          {"stream", stream_json(in.stream)}};
  out += "\n],\n\"otherData\":" + other.dump() + "}\n";
  write_text_atomically(path, out);
}

}  // namespace tessera
