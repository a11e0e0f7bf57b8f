// Parallel workloads on a cluster (cluster/step_simulator.h): pipeline schedules against the
// closed-form step time, the symmetry and identical-operator shortcuts against full simulations,
// data-parallel overlap, and layout errors.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "cluster/cluster_config.h"
#include "cluster/step_simulator.h"
#include "models/config/chip_config.h"
#include "sim/simulation.h"
#include "tests/workload_builders.h"
#include "workloads/model_card.h"
#include "workloads/scenario.h"
#include "workloads/trace_generator.h"

using namespace tessera;

namespace {

using test::small_decoder;

/// Two layers of a 1B-class decoder: operators large enough to fill an H100, as real ones do.
ModelCard one_b_class() { return test::decoder_card("1b-class", 2, 2048, 16, 128, 5632, 8192); }

ModelCard small_moe() {
  ModelCard c = small_decoder();
  c.name = "small-moe";
  c.experts = 4;
  c.experts_per_token = 2;
  return c;
}

Workload gen(const ModelCard& card, const std::string& spec) { return generate_trace(card, parse_scenario_spec(spec)); }

ParallelLayout layout_for(const std::string& spec) { return layout_of(parse_scenario_spec(spec).parallel); }

/// A hand-built pipeline: p stages, m micro-batches, forward F = one GEMM, backward B = a GEMM
/// twice as deep; stage s+1's forward waits for stage s's, stage s's backward for stage s+1's.
/// Collectives are left out (free sends), so the closed forms hold exactly.
Workload hand_pipeline(std::uint32_t p, std::uint32_t m, bool one_f_one_b) {
  Workload w;
  w.name = "hand-pipeline";
  auto f = [](std::uint32_t s, std::uint32_t mb) { return fmt::format("F{}.{}", s, mb); };
  auto b = [](std::uint32_t s, std::uint32_t mb) { return fmt::format("B{}.{}", s, mb); };
  for (std::uint32_t s = 0; s < p; ++s) {
    // The stage's issue order.
    std::vector<std::pair<bool, std::uint32_t>> order;  // (forward?, micro-batch)
    if (one_f_one_b) {
      const std::uint32_t warmup = std::min(p - s - 1, m);
      std::uint32_t nf = 0, nb = 0;
      for (; nf < warmup; ++nf) order.push_back({true, nf});
      while (nb < m) {
        if (nf < m) order.push_back({true, nf++});
        order.push_back({false, nb++});
      }
    } else {
      for (std::uint32_t i = 0; i < m; ++i) order.push_back({true, i});
      for (std::uint32_t i = 0; i < m; ++i) order.push_back({false, i});
    }
    std::string previous;
    for (auto [fwd, mb] : order) {
      std::vector<std::string> deps;
      if (!previous.empty()) deps.push_back(previous);
      if (fwd && s > 0) deps.push_back(f(s - 1, mb));
      if (!fwd) deps.push_back(s + 1 < p ? b(s + 1, mb) : f(s, mb));
      Operator op = fwd ? test::gemm_op(f(s, mb), 256, 256, 256, deps) : test::gemm_op(b(s, mb), 256, 256, 512, deps);
      op.stage = static_cast<std::int32_t>(s);
      previous = op.id;
      w.ops.push_back(std::move(op));
    }
  }
  validate_workload(w, "hand-pipeline");  // stable topological order; each stage keeps its own order
  return w;
}

StepOptions compute_only() {
  StepOptions o;
  o.chip.compute_only = true;
  return o;
}

}  // namespace

TEST_CASE("1F1B and GPipe steps take (m + p - 1)(tf + tb) with a bubble of (p - 1)/(m + p - 1)",
          "[cluster][pipeline]") {
  const ClusterConfig cluster = load_cluster_config("dgx-h100");
  const ChipConfig chip = load_chip_config("h100");
  for (bool one_f_one_b : {true, false}) {
    for (auto [p, m] : {std::pair{4u, 8u}, std::pair{4u, 2u}, std::pair{8u, 16u}}) {
      CAPTURE(one_f_one_b, p, m);
      StepSimulator sim(cluster, chip, compute_only());
      const Workload w = hand_pipeline(p, m, one_f_one_b);
      const double tf = sim.op_timer().time(w.ops.front()).seconds;
      Operator back = test::gemm_op("b", 256, 256, 512);
      const double tb = sim.op_timer().time(back).seconds;
      REQUIRE(tf > 0);
      REQUIRE(tb > tf);
      const StepReport r = sim.run(w, ParallelLayout{1, p, 1, 1});
      CHECK(r.step_s == Approx((m + p - 1) * (tf + tb)).epsilon(1e-12));
      CHECK(r.bubble_fraction() == Approx(double(p - 1) / double(m + p - 1)).epsilon(1e-9));
    }
  }
}

TEST_CASE("one chip per stage gives the same step as replaying every chip", "[cluster][symmetry]") {
  const ClusterConfig cluster = load_cluster_config("dgx-h100");
  const ChipConfig chip = load_chip_config("h100");
  for (const std::string spec : {"training:seq_len=256,micro_batch=1,global_batch=8,tp=2,pp=2,dp=2",
                                 "training:seq_len=256,micro_batch=1,global_batch=8,tp=2,sp=true,pp=2,dp=2,zero=1",
                                 "prefill:batch=4,prompt=256,tp=2,pp=2,dp=2"}) {
    CAPTURE(spec);
    const Workload w = gen(small_decoder(), spec);
    StepOptions full;
    full.symmetric = false;
    StepSimulator a(cluster, chip, StepOptions{}), b(cluster, chip, full);
    const StepReport ra = a.run(w, layout_for(spec)), rb = b.run(w, layout_for(spec));
    CHECK(ra.step_s == Approx(rb.step_s).epsilon(1e-12));
    CHECK(ra.energy_j_total() == Approx(rb.energy_j_total()).epsilon(1e-12));
  }
  // Expert parallelism: all-to-all inside each group of ep data-parallel ranks.
  const std::string moe = "training:seq_len=128,micro_batch=1,global_batch=8,tp=2,pp=1,dp=4,ep=2";
  const Workload w = gen(small_moe(), moe);
  StepOptions full;
  full.symmetric = false;
  StepSimulator a(cluster, chip, StepOptions{}), b(cluster, chip, full);
  CHECK(a.run(w, layout_for(moe)).step_s == Approx(b.run(w, layout_for(moe)).step_s).epsilon(1e-12));
}

TEST_CASE("timing each distinct operator alone matches simulating the whole trace within 1%", "[cluster][symmetry]") {
  // Layout 1 x 1 x 1: the replay of isolated operators against one chip running every operator
  // of the trace in a single simulation (operators then share the L2 and may overlap).
  const ClusterConfig cluster = load_cluster_config("dgx-h100");
  const ChipConfig chip = load_chip_config("h100");
  for (const std::string spec : {"training:seq_len=1024,micro_batch=1,global_batch=2", "prefill:batch=2,prompt=1024",
                                 "decode:batch=16,context=2048,steps=2"}) {
    CAPTURE(spec);
    const Workload w = gen(one_b_class(), spec);
    // One compute stream: each operator after the previous one, as the replay issues them.
    Workload serial = w;
    std::string previous;
    for (Operator& op : serial.ops) {
      if (!previous.empty() && std::find(op.deps.begin(), op.deps.end(), previous) == op.deps.end())
        op.deps.push_back(previous);
      previous = op.id;
    }
    const double whole = simulate(chip, serial).summary.number("seconds");
    StepSimulator sim(cluster, chip, StepOptions{});
    const StepReport r = sim.run(w, ParallelLayout{});
    INFO("replay " << r.step_s << " whole " << whole);
    CHECK(std::abs(r.step_s / whole - 1) < 0.01);
  }
}

TEST_CASE("a long vector operator's time extends linearly from two shorter runs within 1%", "[cluster][extrapolation]") {
  // The edge NPU's 4 MiB global SRAM lets 16 MiB samples stand for the h100's 200 MB ones.
  const ChipConfig chip = load_chip_config("edge-npu");
  // An Adam update in fp32: 4 tensors in, 3 out, 16 ops per element: 2048 x 4096 elements of
  // 28 bytes, 235 MB.
  Operator adam = test::vector_op("adam", OpKind::elementwise, 2048, 4096, {});
  adam.dtype = adam.out_dtype = DataType::fp32;
  adam.inputs = 4;
  adam.outputs = 3;
  adam.ops_per_element = 16;
  OpTimer whole(chip, SimOptions{}), extended(chip, SimOptions{});
  whole.set_extrapolation(0, 0);
  extended.set_extrapolation(Bytes{64} << 20, Bytes{16} << 20);
  const OpTiming& a = whole.time(adam);
  const OpTiming& b = extended.time(adam);
  CHECK_FALSE(a.extrapolated);
  CHECK(b.extrapolated);
  INFO("whole " << a.seconds << " s, extended " << b.seconds << " s");
  CHECK(b.seconds == Approx(a.seconds).epsilon(0.01));
  CHECK(b.energy_j == Approx(a.energy_j).epsilon(0.01));
  CHECK(b.hbm_bytes == Approx(a.hbm_bytes).epsilon(0.01));
}

TEST_CASE("gradient all-reduce overlaps the backward pass", "[cluster][overlap]") {
  const ClusterConfig cluster = load_cluster_config("dgx-h100");
  const ChipConfig chip = load_chip_config("h100");
  const std::string spec = "training:seq_len=512,micro_batch=1,global_batch=8,dp=8";
  const Workload w = gen(small_decoder(), spec);
  StepSimulator sim(cluster, chip, StepOptions{});
  const StepReport r = sim.run(w, layout_for(spec));
  double dp_time = 0;
  for (const auto& [group, busy] : r.stages.front().collective_busy_s) dp_time += group == "dp" ? busy : 0;
  REQUIRE(dp_time > 0);
  // Only the reductions issued after the last backward operator can be exposed: the last layer's
  // (the embedding's and first layer's gradients finish last).
  const double exposed = r.step_s - r.step_no_comm_s;
  CHECK(exposed >= 0);
  CHECK(exposed < 0.5 * dp_time);
}

TEST_CASE("layouts that do not fit the cluster are rejected with the reason", "[cluster][errors]") {
  const ClusterConfig cluster = load_cluster_config("dgx-h100");
  const ChipConfig chip = load_chip_config("h100");
  StepSimulator sim(cluster, chip, StepOptions{});
  const std::string spec = "training:seq_len=128,micro_batch=1,global_batch=8,tp=4,pp=2,dp=2";
  const Workload w = gen(small_decoder(), spec);
  CHECK_THROWS_WITH(sim.run(w, layout_for(spec)), Catch::Contains("needs 16 chips") && Catch::Contains("has 8"));
  // A trace generated for tp=2 run as tp=4: the collective's group does not match.
  const std::string tp2 = "training:seq_len=128,micro_batch=1,global_batch=8,tp=2";
  CHECK_THROWS_WITH(sim.run(gen(small_decoder(), tp2), ParallelLayout{4, 1, 1, 1}),
                    Catch::Contains("group 'tp' has 2 ranks") && Catch::Contains("gives 4"));
}

TEST_CASE("Megatron-LM's 39.1B GPT on 512 A100s: within 25% of the published 138 TFLOP/s per GPU",
          "[cluster][calibration]") {
  // Reference measurements.md section 4 (Narayanan et al. SC'21, Table 1): TP 8, PP 2, 512 GPUs
  // (DP 32), batch 1536 of 2048 tokens, 138 TFLOP/s per GPU, counted with the paper's formula
  // 96 B s l h^2 (1 + s/6h + V/16lh) (activation recomputation included). The model has no
  // kernel-launch or NCCL software overheads, so it is expected to be optimistic (docs/calibration.md).
  const ClusterConfig cluster = load_cluster_config("dgx-a100-512");
  const ChipConfig chip = load_chip_config("a100");
  const std::string spec = "training:seq_len=2048,micro_batch=1,global_batch=1536,tp=8,pp=2,dp=32,recompute=true";
  const Workload w = generate_trace(load_model_card(std::string(TESSERA_TEST_DATA_DIR) + "/configs/models/megatron-gpt-39b.yaml"),
                                    parse_scenario_spec(spec));
  StepSimulator sim(cluster, chip, StepOptions{});
  const StepReport r = sim.run(w, layout_for(spec));
  const double B = 1536, s = 2048, l = 48, h = 8192, V = 51200;
  const double paper_flops = 96 * B * s * l * h * h * (1 + s / (6 * h) + V / (16 * l * h));
  const double tflops_per_gpu = paper_flops / r.step_s / 512 / 1e12;
  INFO("model " << tflops_per_gpu << " TFLOP/s per GPU, published 138");
  CHECK(tflops_per_gpu == Approx(138).epsilon(0.25));
}

TEST_CASE("interleaved 1F1B shrinks the bubble to (p - 1)/(v m) of the ideal step", "[cluster][pipeline]") {
  // Narayanan et al. SC'21 section 2.2.1: with v model chunks per stage the bubble is
  // (p - 1)/v of one micro-batch's forward + backward, so a step takes (m + (p - 1)/v) t where t
  // is one micro-batch's work on one stage. Eight equal layers on p = 4 stages, m = 8, a vocabulary
  // of 256 so the embedding and head are small against the layers; compute-only chips, and
  // micro-batches of 256 tokens so the sends are short against the layers (they are timed on the
  // fabric and add a little to both).
  const ClusterConfig cluster = load_cluster_config("dgx-h100");
  const ChipConfig chip = load_chip_config("h100");
  const ModelCard card = test::decoder_card("eight-layers", 8, 2048, 16, 128, 8192, 256);
  const auto step = [&](std::uint64_t v) {
    const std::string spec =
        fmt::format("training:seq_len=256,micro_batch=1,global_batch=8,pp=4,virtual_stages={}", v);
    StepSimulator sim(cluster, chip, compute_only());
    return sim.run(gen(card, spec), layout_for(spec));
  };
  const StepReport plain = step(1), two = step(2);
  const double p = 4, m = 8;
  INFO(fmt::format("steps: v=1 {:.1f} us, v=2 {:.1f} us; bubbles {:.3f} / {:.3f}", plain.step_s * 1e6,
                   two.step_s * 1e6, plain.bubble_fraction(), two.bubble_fraction()));
  // Bubble over the whole step: ((p - 1)/v) / (m + (p - 1)/v).
  CHECK(plain.bubble_fraction() == Approx((p - 1) / (m + p - 1)).epsilon(0.05));
  CHECK(two.bubble_fraction() == Approx((p - 1) / 2 / (m + (p - 1) / 2)).epsilon(0.05));
  CHECK(plain.step_s / two.step_s == Approx((m + p - 1) / (m + (p - 1) / 2)).epsilon(0.02));
}

TEST_CASE("run --cluster reports one chip's memory against its HBM", "[cluster][memory]") {
  // One replica (tp = pp = dp = 1) of the small decoder in training: bf16 weights and gradients,
  // 2 bytes per parameter each, and Adam's 12 bytes per parameter (ZeRO paper, section 3.1).
  const ClusterConfig cluster = load_cluster_config("dgx-h100");
  const ChipConfig chip = load_chip_config("h100");
  const std::string spec = "training:seq_len=256,micro_batch=1,global_batch=2";
  const ModelCard card = small_decoder();
  const Workload w = gen(card, spec);
  StepSimulator sim(cluster, chip, compute_only());
  const SimResult r = sim.to_result(w, sim.run(w, layout_for(spec)));
  const double params = double(count_parameters(card).total);
  CHECK(r.summary.number("memory_weights_bytes") == 2 * params);
  CHECK(r.summary.number("memory_gradients_bytes") == 2 * params);
  CHECK(r.summary.number("memory_optimizer_bytes") == 12 * params);
  CHECK(r.summary.number("memory_activations_bytes") == double(w.summary.activation_bytes));
  CHECK(r.summary.number("memory_bytes") == 16 * params + double(w.summary.activation_bytes));
  CHECK(r.summary.number("hbm_capacity_bytes") == 80.0 * (1ull << 30));  // configs/chips/h100.yaml
  CHECK(r.summary.number("memory_fraction") == Approx(r.summary.number("memory_bytes") / (80.0 * (1ull << 30))));
}

TEST_CASE("the step breaks down into compute, optimizer, bubble and exposed communication", "[cluster][pipeline]") {
  const ClusterConfig cluster = load_cluster_config("dgx-h100");
  const ChipConfig chip = load_chip_config("h100");
  // The hand-built pipeline: its bubble is (p - 1)(tf + tb) exactly, it has no optimizer and no
  // collectives, and each stage computes m (tf + tb).
  {
    StepSimulator sim(cluster, chip, compute_only());
    const Workload w = hand_pipeline(4, 8, true);
    const double tf = sim.op_timer().time(w.ops.front()).seconds;
    const double tb = sim.op_timer().time(test::gemm_op("b", 256, 256, 512)).seconds;
    const SimResult r = sim.to_result(w, sim.run(w, ParallelLayout{1, 4, 1, 1}));
    CHECK(r.summary.number("bubble_s") == Approx(3 * (tf + tb)).epsilon(1e-9));
    CHECK(r.summary.number("compute_s") == Approx(8 * (tf + tb)).epsilon(1e-9));
    CHECK(r.summary.number("optimizer_s") == 0);
    CHECK(r.summary.number("comm_exposed_share") == Approx(0).margin(1e-12));
  }
  // A generated 3-D layout: the four parts add up to the step, and the optimizer has a share.
  const std::string spec = "training:seq_len=256,micro_batch=1,global_batch=8,tp=2,pp=2,dp=2";
  StepSimulator sim(cluster, chip, StepOptions{});
  const Workload w = gen(small_decoder(), spec);
  const SimResult r = sim.to_result(w, sim.run(w, layout_for(spec)));
  const Summary& s = r.summary;
  CHECK(s.number("compute_s") + s.number("optimizer_s") + s.number("bubble_s") + s.number("comm_exposed_s") ==
        Approx(s.number("seconds")).epsilon(1e-9));
  CHECK(s.number("compute_share") + s.number("optimizer_share") + s.number("bubble_share") +
            s.number("comm_exposed_share") ==
        Approx(1).epsilon(1e-9));
  CHECK(s.number("optimizer_s") > 0);
}
