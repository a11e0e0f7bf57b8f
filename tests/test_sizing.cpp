// Cluster sizing (cluster/sizing.h): memory-fit rejection with hand-computed footprints, the
// required throughput of a target, and small end-to-end searches whose recommendation must meet
// the target.
#include <catch2/catch.hpp>

#include <fmt/format.h>

#include "cluster/cluster_config.h"
#include "cluster/sizing.h"
#include "cluster/sizing_result.h"
#include "models/config/chip_config.h"
#include "tests/workload_builders.h"
#include "workloads/scenario.h"
#include "workloads/workload_reader.h"

using namespace tessera;

namespace {

using test::small_decoder;

SizingOptions options_for(const ModelCard& model, const std::string& scenario) {
  SizingOptions o;
  o.model = model;
  o.scenario = parse_scenario_spec(scenario);
  o.fabric = load_cluster_config("dgx-h100");
  o.chip = load_chip_config("h100");
  o.chip_price = 50000;
  o.max_simulations = 3;
  return o;
}

}  // namespace

TEST_CASE("a training target needs tokens / (days x 86400) tokens per second", "[sizing]") {
  SizingTarget t;
  t.train_tokens = 2e12;
  t.days = 30;
  CHECK(t.required_throughput() == Approx(2e12 / (30 * 86400.0)));
}

TEST_CASE("layouts whose weights and optimizer state exceed HBM are rejected with the footprint", "[sizing]") {
  // Llama-2 70B: 68,976,648,192 parameters (tests/test_workloads.cpp checks the count).
  // Unsplit: bf16 weights and gradients 2 B each = 137.95 GB; Adam state 12 B = 827.7 GB.
  SizingOptions o = options_for(resolve_model("llama-2-70b"), "training:seq_len=4096,micro_batch=1,global_batch=64");
  SizingTarget t;
  t.train_tokens = 1e9;
  t.days = 1;
  SizingLimits l;
  l.max_chips = 4;  // nothing of 4 chips holds 70B with Adam: every layout is rejected or pruned
  const SizingResult r = size_cluster(o, t, l);
  CHECK(r.simulated == 0);
  CHECK_FALSE(r.recommended);
  bool found = false;
  for (const auto& c : r.candidates) {
    if (c.layout.tp == 1 && c.layout.pp == 1 && c.layout.dp == 1 && c.micro_batch == 1 && !c.recompute) {
      found = true;
      CHECK(c.status == "rejected");
      CHECK_THAT(c.reason, Catch::Contains("weights 138.0 GB") && Catch::Contains("optimizer 827.7 GB") &&
                               Catch::Contains("> 85.9 GB HBM"));  // 80 GiB
    }
    CHECK(c.status != "simulated");
  }
  CHECK(found);
}

TEST_CASE("a training search recommends a simulated layout that meets the target", "[sizing]") {
  const SizingOptions o = options_for(small_decoder(), "training:seq_len=512,micro_batch=1,global_batch=16");
  SizingTarget t;
  t.train_tokens = 5e9;
  t.days = 1;  // 57,870 tokens/s
  const SizingResult r = size_cluster(o, t, SizingLimits{8});
  REQUIRE(r.recommended);
  const SizingCandidate& c = r.candidates[*r.recommended];
  CHECK(c.status == "simulated");
  CHECK(c.throughput >= 5e9 / 86400);
  CHECK(c.chips == c.layout.tp * c.layout.pp * c.layout.dp);
  CHECK(c.hardware_cost == Approx(50000.0 * c.chips));
  // Its throughput is what a step of 16 x 512 tokens in step_s gives.
  CHECK(c.throughput == Approx(16 * 512 / c.step_s));
  // No simulated layout with fewer chips met the target.
  for (const auto& x : r.candidates)
    if (x.status == "simulated" && x.chips < c.chips) CHECK_FALSE((x.meets_target && x.within_limits));
  // Bounds are optimistic: no simulated layout beats its bound.
  for (const auto& x : r.candidates)
    if (x.status == "simulated") CHECK(x.throughput <= x.bound_throughput * (1 + 1e-9));

  // The document states the same recommendation, one candidates row per layout considered.
  const ResultDocument doc = sizing_document(o, t, SizingLimits{8}, r);
  CHECK(doc.format == "tessera.size");
  CHECK(doc.summary.number("recommended") == double(*r.recommended));
  CHECK(doc.summary.text("recommended_layout") == c.describe());
  CHECK(doc.summary.number("recommended_chips") == c.chips);
  CHECK(doc.summary.number("simulated") == double(r.simulated));
  const ResultTable* table = doc.table("candidates");
  REQUIRE(table);
  CHECK(table->columns.rows() == r.candidates.size());
  REQUIRE(doc.input("chip"));
  CHECK(doc.input("chip")->name == "h100");
}

TEST_CASE("a serving search meets the latency limits with whole replicas", "[sizing]") {
  const SizingOptions o = options_for(small_decoder(), "decode:batch=1,context=1");
  SizingTarget t;
  t.kind = SizingKind::serving;
  t.requests_per_s = 200;
  t.prompt = 256;
  t.output = 64;
  t.ttft_ms = 5;
  t.tpot_ms = 2;
  const SizingResult r = size_cluster(o, t, SizingLimits{8});
  REQUIRE(r.recommended);
  const SizingCandidate& c = r.candidates[*r.recommended];
  CHECK(c.ttft_s * 1e3 <= 5);
  CHECK(c.tpot_s * 1e3 <= 2);
  CHECK(c.throughput >= 200);
  CHECK(c.chips == c.replicas * c.layout.tp * c.layout.pp);
  // The batch's last request gets its first token after all batch prefills; one replica
  // serves batch / (batch x prefill + output x TPOT) requests per second.
  CHECK(c.ttft_s == Approx(double(c.batch) * c.prefill_s));
  const double per_replica = double(c.batch) / (double(c.batch) * c.prefill_s + 64 * c.tpot_s);
  CHECK(c.throughput == Approx(per_replica * c.replicas));
  CHECK(c.replicas == static_cast<std::uint32_t>(std::ceil(200 / per_replica)));
}

TEST_CASE("sizing rejects targets it cannot work with", "[sizing][errors]") {
  SizingOptions o = options_for(small_decoder(), "training:seq_len=512,micro_batch=1,global_batch=16");
  SizingTarget t;
  t.train_tokens = 1e9;  // no days
  CHECK_THROWS_WITH(size_cluster(o, t, SizingLimits{}), Catch::Contains("days"));
  t.days = 1;
  o.max_simulations = 0;
  CHECK_THROWS_WITH(size_cluster(o, t, SizingLimits{}), Catch::Contains("max_simulations"));
  SizingTarget serve;
  serve.kind = SizingKind::serving;
  serve.requests_per_s = 10;  // no prompt or output
  o.max_simulations = 1;
  CHECK_THROWS_WITH(size_cluster(o, serve, SizingLimits{}), Catch::Contains("prompt tokens"));
}
