// The serving simulation (serving/): iteration times built from interpolated components against
// direct cycle-level simulations of the same batches; the engine against what can be worked out
// independently (a lone request's TTFT and TPOT from `run`-style simulations of the same shapes,
// the M/D/1 queue's Pollaczek-Khinchine mean wait, KV-block accounting); request streams and
// trace files, including bad input.
#include <cmath>
#include <filesystem>
#include <fstream>
#include <numeric>

#include <catch2/catch.hpp>

#include "models/config/chip_config.h"
#include "cluster/cluster_config.h"
#include "serving/iteration_timer.h"
#include "serving/kv_transfer.h"
#include "serving/request_stream.h"
#include "serving/serving_sim.h"
#include "sim/simulation.h"
#include "temp_dir.h"
#include "workload_builders.h"
#include "workloads/trace_generator.h"
#include "workloads/workload_reader.h"

using namespace tessera;

namespace {

ReplicaSpec replica(const ModelCard& card, const std::string& chip = "h100") {
  ReplicaSpec spec;
  spec.model = card;
  spec.scenario = parse_scenario_spec("decode:context=1");
  spec.chip = load_chip_config(chip);
  return spec;
}

/// A small decoder (8 layers of 1024) whose grid points simulate in a fraction of a second.
ModelCard engine_model() { return test::decoder_card("serve-test", 8, 1024, 16, 64, 2816, 8192); }

std::vector<Request> fixed_requests(std::size_t n, double gap_s, std::uint64_t prompt, std::uint64_t output) {
  std::vector<Request> v;
  for (std::size_t i = 0; i < n; ++i) v.push_back(Request{i, gap_s * double(i), prompt, output, std::nullopt});
  return v;
}

double mean_of(const std::vector<RequestOutcome>& r, double (RequestOutcome::*f)() const) {
  double s = 0;
  for (const auto& q : r) s += (q.*f)();
  return s / double(r.size());
}

}  // namespace

TEST_CASE("Serving: grid brackets are powers of two and 1.5 x powers of two") {
  CHECK(IterationTimer::bracket(1) == std::pair<std::uint64_t, std::uint64_t>{1, 1});
  CHECK(IterationTimer::bracket(5) == std::pair<std::uint64_t, std::uint64_t>{4, 6});
  CHECK(IterationTimer::bracket(7) == std::pair<std::uint64_t, std::uint64_t>{6, 8});
  CHECK(IterationTimer::bracket(1536) == std::pair<std::uint64_t, std::uint64_t>{1536, 1536});
  CHECK(IterationTimer::bracket(1537) == std::pair<std::uint64_t, std::uint64_t>{1536, 2048});
  CHECK(IterationTimer::bracket_pow2(3000) == std::pair<std::uint64_t, std::uint64_t>{2048, 4096});
  CHECK(IterationTimer::bracket_pow4(100) == std::pair<std::uint64_t, std::uint64_t>{64, 256});
}

TEST_CASE("Serving: an iteration built from interpolated components is within 3% of simulating it directly") {
  // Llama-2-7B's layers on an H100 (two of them: every layer is the same, and the reference
  // simulates all of them in one run), mixed batches of decodes at several contexts and chunks.
  ModelCard card = resolve_model("llama-2-7b");
  card.layers = 2;
  IterationTimer timer(replica(card));
  const std::vector<std::vector<SequenceGroup>> batches = {
      {{16, 1, 600, true}, {1, 256, 256, true}},                     // decodes + a whole short prompt
      {{40, 1, 1500, true}, {1, 512, 1536, false}},                  // decodes + a middle chunk
      {{3, 1, 100, true}, {1, 1000, 1000, true}},                    // a long prompt with few decodes
      {{100, 1, 300, true}},                                         // decodes only
      {{8, 1, 3000, true}, {1, 200, 200, true}, {1, 700, 1000, true}},  // two chunks
      {{1, 2000, 2000, true}},                                       // one prompt alone
  };
  for (const auto& b : batches) {
    const double direct = timer.simulate(b).seconds;
    const double built = timer.cost(b).seconds;
    INFO("groups " << b.size() << " first " << b[0].seqs << "x" << b[0].q_len << "@" << b[0].kv_len << ": direct "
                   << direct << " s, built " << built << " s");
    CHECK(std::abs(built / direct - 1) < 0.03);
  }
}

TEST_CASE("Serving: a lone request's TTFT and TPOT equal the prefill and decode simulations of its shapes") {
  const ModelCard card = engine_model();
  ReplicaSpec spec = replica(card);
  IterationTimer timer(spec);
  // Arrivals 10 s apart: no two requests overlap.
  const std::uint64_t P = 700, O = 33;
  ServingOptions o;
  const ServingResult r = simulate_serving(timer, fixed_requests(3, 10.0, P, O), o);
  // Independently: the prefill scenario of the prompt, and O - 1 decode steps from context P + 1
  // (the first token comes from the prefill), each a whole workload on the cycle-level model.
  const double prefill = simulate(spec.chip, generate_trace(card, parse_scenario_spec(fmt::format("prefill:batch=1,prompt={}", P))))
                             .summary.number("seconds");
  const double decode =
      simulate(spec.chip, generate_trace(card, parse_scenario_spec(fmt::format("decode:batch=1,context={},steps={}", P + 1, O - 1))))
          .summary.number("seconds") / double(O - 1);
  for (const RequestOutcome& q : r.requests) {
    CHECK(q.queue_s() == 0);
    CHECK(q.ttft_s() == Approx(prefill).epsilon(0.03));
    CHECK(q.tpot_s() == Approx(decode).epsilon(0.03));
    CHECK(q.preemptions == 0);
  }
}

TEST_CASE("Serving: static batching of one request is an M/D/1 queue (Pollaczek-Khinchine mean wait)") {
  IterationTimer timer(replica(engine_model()));
  ServingOptions o;
  o.scheduler = SchedulerKind::static_batch;
  o.max_seqs = 1;
  const std::uint64_t P = 256, O = 16;
  // The service time S: one request alone.
  const double S = simulate_serving(timer, fixed_requests(1, 1.0, P, O), o).requests[0].e2e_s();
  const double rho = 0.6;
  StreamSpec s;
  s.source = "test";
  s.rate_per_s = rho / S;
  s.prompt = LengthDistribution{LengthKind::fixed, P};
  s.output = LengthDistribution{LengthKind::fixed, O};
  s.requests = 20000;
  s.seed = 7;
  const ServingResult r = simulate_serving(timer, generate_requests(s), o);
  const double wq = mean_of(r.requests, &RequestOutcome::queue_s);
  const double pk = rho * S / (2 * (1 - rho));
  INFO("S = " << S << " s, mean wait " << wq << " s, Pollaczek-Khinchine " << pk << " s");
  CHECK(std::abs(wq / pk - 1) < 0.10);
}

TEST_CASE("Serving: KV blocks run out -> preemptions, ample blocks -> none, all blocks free at the end") {
  IterationTimer timer(replica(engine_model()));
  // 64 requests arriving together, 1000 tokens each at the end: 63 blocks of 16 tokens.
  const auto reqs = fixed_requests(64, 0.0, 500, 500);
  ServingOptions tight;
  tight.kv_blocks = 400;  // about 6 whole sequences at once
  const ServingResult a = simulate_serving(timer, reqs, tight);
  CHECK(a.preemptions > 0);
  CHECK(a.kv_blocks_peak <= 400);
  ServingOptions ample;
  ample.kv_blocks = 64 * 63 + 64;
  const ServingResult b = simulate_serving(timer, reqs, ample);
  CHECK(b.preemptions == 0);
  // simulate_serving() itself throws if a replica ends with blocks held; every request finished.
  for (const ServingResult* r : {&a, &b})
    for (const RequestOutcome& q : r->requests) {
      CHECK(q.finish_s >= q.first_token_s);
      CHECK(q.first_token_s > q.request.arrival_s);
    }
  // A request that needs more blocks than a replica has is rejected before the run.
  ServingOptions tiny;
  tiny.kv_blocks = 10;
  CHECK_THROWS_WITH(simulate_serving(timer, reqs, tiny), Catch::Contains("could never run"));
}

TEST_CASE("Serving: chunked prefill lowers p99 TPOT against prefill-first on the same stream") {
  // Llama-2-7B's layers (four of them): a 2k-token prefill takes about ten decode steps, the
  // stall that prefill-first puts between two tokens of every running request.
  ModelCard card = resolve_model("llama-2-7b");
  card.layers = 4;
  IterationTimer timer(replica(card));
  StreamSpec s;
  s.source = "test";
  s.rate_per_s = 40;
  s.prompt = LengthDistribution{LengthKind::uniform, 0, 1000, 3000};
  s.output = LengthDistribution{LengthKind::uniform, 0, 50, 150};
  s.requests = 120;
  const auto reqs = generate_requests(s);
  auto p99_tpot = [&](SchedulerKind k) {
    ServingOptions o;
    o.scheduler = k;
    o.max_batched_tokens = 512;
    const ServingResult r = simulate_serving(timer, reqs, o);
    std::vector<double> v;
    for (const auto& q : r.requests) v.push_back(q.tpot_s());
    return percentile(v, 99);
  };
  const double chunked = p99_tpot(SchedulerKind::chunked), blocking = p99_tpot(SchedulerKind::prefill_first);
  INFO("p99 TPOT chunked " << chunked << " s, prefill-first " << blocking << " s");
  CHECK(chunked < blocking);
}

TEST_CASE("Serving: the same stream and options give identical results") {
  IterationTimer timer(replica(engine_model()));
  StreamSpec s;
  s.source = "test";
  s.arrival = ArrivalProcess::gamma;
  s.cv = 2;
  s.rate_per_s = 20;
  s.prompt = LengthDistribution{LengthKind::lognormal, 0, 16, 2000, 300, 0.8};
  s.output = LengthDistribution{LengthKind::lognormal, 0, 4, 500, 100, 0.7};
  s.requests = 100;
  ServingOptions o;
  o.replicas = 2;
  const ServingResult a = simulate_serving(timer, generate_requests(s), o);
  const ServingResult b = simulate_serving(timer, generate_requests(s), o);
  REQUIRE(a.requests.size() == b.requests.size());
  for (std::size_t i = 0; i < a.requests.size(); ++i) {
    CHECK(a.requests[i].finish_s == b.requests[i].finish_s);
    CHECK(a.requests[i].replica == b.requests[i].replica);
  }
  CHECK(a.energy_j == b.energy_j);
}

TEST_CASE("Serving: request streams follow their distributions and are reproducible") {
  StreamSpec s;
  s.source = "test";
  s.rate_per_s = 5;
  s.prompt = LengthDistribution{LengthKind::lognormal, 0, 1, 0, 600, 0.9};
  s.output = LengthDistribution{LengthKind::uniform, 0, 10, 20};
  s.requests = 20000;
  const auto a = generate_requests(s);
  REQUIRE(a.size() == 20000);
  // Mean gap 1 / rate (standard error of the mean ~0.7%).
  CHECK(a.back().arrival_s / double(a.size() - 1) == Approx(0.2).epsilon(0.03));
  std::vector<double> prompts;
  for (const auto& r : a) {
    prompts.push_back(double(r.prompt_tokens));
    CHECK(r.output_tokens >= 10);
    CHECK(r.output_tokens <= 20);
  }
  CHECK(percentile(prompts, 50) == Approx(600).epsilon(0.03));
  // Gamma gaps with cv 3: the gaps' coefficient of variation.
  s.arrival = ArrivalProcess::gamma;
  s.cv = 3;
  const auto g = generate_requests(s);
  double sum = 0, sq = 0;
  for (std::size_t i = 1; i < g.size(); ++i) {
    const double gap = g[i].arrival_s - g[i - 1].arrival_s;
    sum += gap;
    sq += gap * gap;
  }
  const double n = double(g.size() - 1), mean = sum / n, sd = std::sqrt(sq / n - mean * mean);
  CHECK(mean == Approx(0.2).epsilon(0.08));
  CHECK(sd / mean == Approx(3).epsilon(0.1));
  // Reproducible.
  const auto b = generate_requests(s);
  CHECK(b.back().arrival_s == g.back().arrival_s);
  CHECK(b[123].prompt_tokens == g[123].prompt_tokens);
}

TEST_CASE("Serving: request traces are read with clear errors for bad lines") {
  test::TempDir dir("serving_trace");
  auto write = [&](const std::string& name, const std::string& text) {
    const auto p = dir.dir / name;
    std::ofstream(p) << text;
    return p.string();
  };
  const auto ok = read_request_trace(write("ok.csv", "# comment\nprompt_tokens,arrival_s,output_tokens\n10,0.5,3\n20,0.1,4\n"));
  REQUIRE(ok.size() == 2);
  CHECK(ok[0].arrival_s == 0.1);  // sorted by arrival
  CHECK(ok[0].prompt_tokens == 20);
  // A prefix id without a length: the shortest prompt that shares it.
  const auto pre = read_request_trace(write("pre.csv", "arrival_s,prompt_tokens,output_tokens,prefix_id\n0.1,100,3,5\n0.2,80,3,5\n0.3,90,3,\n"));
  CHECK(pre[0].prefix_tokens == 80);
  CHECK(pre[1].prefix_tokens == 80);
  CHECK(!pre[2].prefix_id);
  CHECK_THROWS_WITH(read_request_trace(write("long.csv", "arrival_s,prompt_tokens,output_tokens,prefix_id,prefix_tokens\n0,10,3,1,20\n")),
                    Catch::Contains("long.csv:2") && Catch::Contains("exceeds prompt_tokens"));
  const auto jl = read_request_trace(write("ok.jsonl", "{\"arrival_s\": 1, \"prompt_tokens\": 5, \"output_tokens\": 2}\n"));
  CHECK(jl.size() == 1);
  CHECK_THROWS_WITH(read_request_trace(write("neg.csv", "arrival_s,prompt_tokens,output_tokens\n-1,10,3\n")),
                    Catch::Contains("neg.csv:2") && Catch::Contains("arrival_s"));
  CHECK_THROWS_WITH(read_request_trace(write("zero.csv", "arrival_s,prompt_tokens,output_tokens\n1,10,0\n")),
                    Catch::Contains("zero.csv:2") && Catch::Contains("output_tokens"));
  CHECK_THROWS_WITH(read_request_trace(write("col.csv", "arrival,prompt_tokens,output_tokens\n1,10,3\n")),
                    Catch::Contains("unknown column 'arrival'"));
  CHECK_THROWS_WITH(read_request_trace(write("short.csv", "arrival_s,prompt_tokens,output_tokens\n1,10\n")),
                    Catch::Contains("short.csv:2"));
  CHECK_THROWS_WITH(read_request_trace(write("bad.jsonl", "{\"arrival_s\": 1, \"prompt_tokens\": 5}\n")),
                    Catch::Contains("bad.jsonl:1") && Catch::Contains("output_tokens"));
  CHECK_THROWS_WITH(read_request_trace(write("empty.csv", "arrival_s,prompt_tokens,output_tokens\n")),
                    Catch::Contains("no requests"));
  StreamSpec zero;
  zero.source = "test";
  zero.rate_per_s = 0;
  zero.requests = 10;
  CHECK_THROWS_WITH(generate_requests(zero), Catch::Contains("rate_per_s"));
}

TEST_CASE("Serving: prefix caching reuses a shared prompt prefix and frees every block") {
  IterationTimer timer(replica(engine_model()));
  // 30 requests sharing a 1024-token prefix of their 1100-token prompts, arriving 50 ms apart.
  std::vector<Request> reqs = fixed_requests(30, 0.05, 1100, 20);
  for (Request& r : reqs) {
    r.prefix_id = 7;
    r.prefix_tokens = 1024;
  }
  ServingOptions on, off;
  off.prefix_caching = false;
  const ServingResult a = simulate_serving(timer, reqs, on), b = simulate_serving(timer, reqs, off);
  // The first request computes the prefix; each later one finds its 64 whole blocks (1024 tokens).
  CHECK(a.prefix_hit_tokens == 29 * 1024);
  CHECK(a.prefill_tokens_computed == 1100 + 29 * (1100 - 1024));
  CHECK(b.prefix_hit_tokens == 0);
  CHECK(b.prefill_tokens_computed == 30 * 1100);
  CHECK(mean_of(a.requests, &RequestOutcome::ttft_s) < mean_of(b.requests, &RequestOutcome::ttft_s));
  // A cache too small for the prefix plus the running sequences evicts it and stays consistent
  // (simulate_serving throws if a block is leaked or a prefix is still referenced at the end).
  ServingOptions tight;
  tight.kv_blocks = 80;  // one 1120-token sequence needs 70 blocks
  const ServingResult c = simulate_serving(timer, reqs, tight);
  CHECK(c.requests.size() == 30);
}

TEST_CASE("Serving: disaggregated prefill and decode move caches over the fabric and remove prefill stalls from decodes") {
  ReplicaSpec spec = replica(engine_model());
  spec.cluster = load_cluster_config("dgx-h100");
  IterationTimer timer(spec);
  StreamSpec s;
  s.source = "test";
  s.rate_per_s = 40;
  s.prompt = LengthDistribution{LengthKind::uniform, 0, 2000, 6000};
  s.output = LengthDistribution{LengthKind::uniform, 0, 100, 300};
  s.requests = 300;
  const auto reqs = generate_requests(s);
  ServingOptions together;
  together.replicas = 2;
  ServingOptions apart;
  apart.prefill_replicas = 1;
  apart.replicas = 1;
  KvTransferTimer mover(*spec.cluster, 1, 2, spec.chip.power.c2c_pj_per_bit);
  const ServingResult a = simulate_serving(timer, reqs, together);
  const ServingResult d = simulate_serving(timer, reqs, apart, &mover);
  REQUIRE(d.kv_transfers == 300);
  // Each cache moved over one NVLink path: at least its bytes over the link's bandwidth.
  const double per_token = double(kv_bytes_per_token(spec.model, spec.scenario));
  for (const RequestOutcome& q : d.requests) {
    CHECK(q.replica == 0);
    CHECK(q.decode_replica == 1);
    CHECK(q.kv_transfer_s >= double(q.request.prompt_tokens) * per_token / spec.cluster->scale_up.chip_bytes_per_s());
  }
  // The gaps between tokens: mixed iterations (a prefill chunk with the decodes) stall every
  // decode of the batch; a decode-only replica has none.
  const double p99_together = percentile(a.itl_s, 99), p99_apart = percentile(d.itl_s, 99);
  INFO("p99 ITL aggregated " << p99_together << " s, disaggregated " << p99_apart << " s");
  CHECK(p99_apart < p99_together);
}
