// Whole-chip simulations: matrix timing alone (compute-only), roofline sanity, determinism and
// the deadlock report. Expected values come from closed forms written in the comments.
#include <catch2/catch.hpp>

#include <string>

#include "models/chip/chip.h"
#include "models/config/chip_config.h"
#include "sim/mapper.h"
#include "sim/kernel_context.h"
#include "sim/invariants.h"
#include "sim/simulation.h"
#include "models/chip/timeline.h"
#include "report/json_report.h"
#include "tests/workload_builders.h"
#include "workloads/scenario.h"
#include "workloads/trace_generator.h"

using namespace tessera;
using namespace tessera::test;

namespace {
const std::string kRoot = TESSERA_TEST_DATA_DIR;

}  // namespace

TEST_CASE("compute-only GEMM on one core takes exactly the systolic cycles", "[chip]") {
  // g1 reduced to one core: 128 x 128 array, one engine, bf16 at 1 MAC per PE.
  const ChipConfig chip = load_chip_config(kRoot + "/configs/chips/g1.yaml", {"cores[0].count=1"});
  SimOptions opt;
  opt.compute_only = true;
  SECTION("weight-stationary 100x70x45") {
    // One fold: rows <- K=45, cols <- N=70, stream M=100. The partial fold still skews through
    // all 128 x 128 PEs (SCALE-Sim's convention): 2*128 + 128 + 100 - 2 = 482 cycles.
    opt.dataflow = Dataflow::weight_stationary;
    const SimResult r = simulate(chip, one_gemm(100, 70, 45), opt);
    CHECK(r.summary.number("cycles") == 482);
  }
  SECTION("output-stationary 100x70x45") {
    // One fold: rows <- M=100, cols <- N=70, stream K=45, no stationary preload:
    //   128 + 128 + 45 - 2 = 299 cycles.
    opt.dataflow = Dataflow::output_stationary;
    const SimResult r = simulate(chip, one_gemm(100, 70, 45), opt);
    CHECK(r.summary.number("cycles") == 299);
  }
  SECTION("weight-stationary 33x257x65: partial column folds") {
    // rows <- K=65 (1 fold), cols <- N=257 (128, 128, 1: 3 folds), stream M=33:
    //   3 x (2*128 + 128 + 33 - 2 = 415) = 1245 cycles.
    // The mapper may split N at multiples of the 128 columns; the folds are then the same.
    opt.dataflow = Dataflow::weight_stationary;
    const SimResult r = simulate(chip, one_gemm(33, 257, 65), opt);
    CHECK(r.summary.number("cycles") == 1245);
  }
}

TEST_CASE("no operator beats the roofline", "[chip][roofline]") {
  const ChipConfig chip = load_chip_config(kRoot + "/configs/chips/g1.yaml");
  const double peak_flops = 2.0 * chip.peak_macs_per_second(DataType::bf16);
  const double peak_bw = chip.hbm.peak_bytes_per_second();
  Workload w = one_gemm(2048, 2048, 2048);
  w.ops.push_back(vector_op("softmax", OpKind::softmax, 4096, 4096, {"gemm"}));
  w.ops.push_back(vector_op("norm", OpKind::layernorm, 8192, 1024, {"softmax"}));
  Workload decode = one_gemm(16, 4096, 4096);  // memory bound: 32 MiB of weights for 0.5 GFLOP
  decode.ops.front().id = "decode";
  w.ops.push_back(decode.ops.front());
  const SimResult r = simulate(chip, w);
  REQUIRE(r.ops.size() == 4);
  for (const OpResult& op : r.ops) {
    const Operator& src = *std::find_if(w.ops.begin(), w.ops.end(), [&](const Operator& o) { return o.id == op.id; });
    // Bytes each operand must cross the HBM interface once (bf16 everywhere).
    double bytes = 0, flops = 0;
    if (src.kind == OpKind::gemm) {
      bytes = 2.0 * (double(src.m) * src.k + double(src.k) * src.n + double(src.m) * src.n);
      flops = 2.0 * src.m * src.n * src.k;
    } else {
      bytes = 2.0 * 2 * src.rows * src.cols;
    }
    const double bound = std::max(flops / peak_flops, bytes / peak_bw);
    INFO(op.id << ": " << (op.end_s - op.start_s) << " s vs bound " << bound << " s");
    CHECK(op.end_s - op.start_s >= bound);
  }
}

TEST_CASE("a copy through one HBM pseudo-channel ends only when its writes are in the DRAM", "[chip][roofline]") {
  // h100 cut down to one 32-bit pseudo-channel at 5.23 Gb/s per pin: 32 x 5.23e9 / 8 = 20.92 GB/s.
  // A copy of 4096 x 1024 fp32 reads 16 MiB and writes 16 MiB: at least 33,554,432 / 20.92e9
  // = 1.604 ms. When the operator ended at its last on-chip write instead, this took 1.02 ms
  // ("157% of peak").
  const ChipConfig chip = load_chip_config(kRoot + "/configs/chips/h100.yaml",
                                           {"hbm.stacks=1", "hbm.channels_per_stack=1", "hbm.pseudo_channels_per_channel=1"});
  Workload w;
  w.name = "copy";
  Operator op = vector_op("copy", OpKind::elementwise, 4096, 1024, {});
  op.dtype = op.out_dtype = DataType::fp32;
  w.ops.push_back(op);
  const SimResult r = simulate(chip, w);
  const double bytes = 2.0 * 4096 * 1024 * 4;
  CHECK(chip.hbm.peak_bytes_per_second() == Approx(20.92e9));
  CHECK(r.summary.number("seconds") >= bytes / 20.92e9);
  CHECK(r.summary.number("hbm_bandwidth_utilisation") <= 1.0);
  CHECK(r.summary.number("hbm_bytes_written") == 4096.0 * 1024 * 4);
}

TEST_CASE("the same inputs give byte-identical results", "[chip][determinism]") {
  const ChipConfig chip = load_chip_config(kRoot + "/configs/chips/g1.yaml");
  Workload w = one_gemm(1024, 512, 768);
  w.ops.push_back(vector_op("softmax", OpKind::softmax, 1024, 512, {"gemm"}));
  const std::string a = to_json_text(simulate(chip, w));
  const std::string b = to_json_text(simulate(chip, w));
  CHECK(a == b);
}

TEST_CASE("a simulation that cannot make progress is reported, not hung", "[chip][deadlock]") {
  // Two operators waiting on each other (a cycle that workload validation would reject) built
  // directly against the chip: the kernel runs out of events with work left, and the report
  // names who waits for what.
  const ChipConfig chip = load_chip_config(kRoot + "/configs/chips/edge-npu.yaml");
  KernelContext kernel;
  StatsRegistry stats;
  Timeline timeline(false);
  Mapper mapper(chip, {});
  Workload w = one_gemm(64, 64, 64);
  w.ops.push_back(w.ops.front());
  w.ops.back().id = "other";
  std::vector<OpPlan> plans = {mapper.plan(w.ops[0]), mapper.plan(w.ops[1])};
  const std::vector<std::string> ids = {"gemm", "other"};
  WorkScheduler scheduler(plans, {{1}, {0}});
  Chip model("chip", ChipParams{.config = chip,
                                .plans = plans,
                                .op_ids = ids,
                                .scheduler = scheduler,
                                .stats = stats,
                                .timeline = timeline,
                                .sram_block_bytes = chip.cores.front().dma.packet_bytes});
  sc_core::sc_start();
  CHECK_FALSE(scheduler.all_finished());
  const auto lines = scheduler.waiting_report(ids);
  REQUIRE(lines.size() == 2);
  CHECK(lines[0].find("'gemm' waits for 1 unfinished dependencies: other") != std::string::npos);
  const auto units = model.waiting_report();
  REQUIRE_FALSE(units.empty());
  CHECK(units.front().find("waiting for a ready operator") != std::string::npos);
}

TEST_CASE("every run passes the invariants, and a result that breaks one is a bug report", "[invariants]") {
  // A real run passes (simulate() checks it before returning).
  const ChipConfig chip = load_chip_config("g1");
  SimResult r = simulate(chip, test::one_gemm(256, 256, 256));
  CHECK_NOTHROW(check_invariants(r));
  const double seconds = r.summary.number("seconds");
  REQUIRE(r.stats);

  // Each violation below is built by hand from that result; the message names what broke.
  const auto broken = [&](auto&& edit, const std::string& names) {
    SimResult b = simulate(chip, test::one_gemm(256, 256, 256));
    edit(b);
    CHECK_THROWS_WITH(check_invariants(b), Catch::Matchers::Contains(names) &&
                                               Catch::Matchers::Contains("bug in Tessera"));
  };
  // A unit busy 2x the run: utilisation 2.
  broken([&](SimResult& b) {
    for (const auto& g : b.stats->groups())
      if (g->kind() == "matrix") {
        for (const Stat& st : g->stats())
          if (st.name == stat_names::kBusyCycles) const_cast<Stat&>(st).value = 2 * seconds * g->clock_mhz() * 1e6;
        break;
      }
  }, "matrix");
  // An operator that ends after the run.
  broken([&](SimResult& b) { b.ops.front().end_s = 2 * seconds; }, r.ops.front().id);
  // A utilisation above 1 in the summary.
  broken([&](SimResult& b) { b.summary.set("matrix_utilisation", 1.5, "fraction", ""); }, "matrix_utilisation");
  // Energy that does not add up: one unit's energy doubled.
  broken([&](SimResult& b) {
    for (const auto& g : b.stats->groups())
      for (const Stat& st : g->stats())
        if (st.name == "energy_pj" && st.value > 0) {
          const_cast<Stat&>(st).value *= 2;
          return;
        }
  }, "energies sum");
  // Bytes the DMA engines read that the global SRAM never served.
  broken([&](SimResult& b) {
    for (const auto& g : b.stats->groups())
      if (g->kind() == "dma")
        for (const Stat& st : g->stats())
          if (st.name == stat_names::kBytesRead) {
            const_cast<Stat&>(st).value += 4096;
            return;
          }
  }, "bytes not conserved");
}

TEST_CASE("a chip run reports the memory the workload needs against the HBM", "[memory]") {
  // The small decoder (4 layers, hidden 512, 8 KV heads of 64) decoding batch 2 at context 128:
  // bf16 weights, 2 bytes per parameter; KV cache 4 layers x 2 (K and V) x 8 x 64 x 128 x 2
  // sequences x 2 bytes.
  const ModelCard card = small_decoder();
  const Workload w = generate_trace(card, parse_scenario_spec("decode:batch=2,context=128"));
  const SimResult r = simulate(load_chip_config("g1"), w);
  CHECK(r.summary.number("memory_weights_bytes") == 2.0 * double(count_parameters(card).total));
  CHECK(r.summary.number("memory_kv_cache_bytes") == 4.0 * 2 * 8 * 64 * 128 * 2 * 2);
  CHECK(r.summary.number("memory_fraction") > 0);
  CHECK(r.summary.number("memory_fraction") < 1);
}
