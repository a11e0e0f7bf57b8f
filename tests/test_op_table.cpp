// The operator-timing table (sim/op_table.h, sim/table_simulation.h): fidelity "cycle" against
// one whole simulation ("cycle-full"), bit-identical results from a cold and a warm cache, a
// corrupt cache entry recomputed, and the fallback for workloads whose operators may overlap.
#include <filesystem>
#include <fstream>

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include "models/config/chip_config.h"
#include "sim/op_table.h"
#include "sim/simulation.h"
#include "sim/table_simulation.h"
#include "tests/temp_dir.h"
#include "tests/workload_builders.h"
#include "workloads/workload_reader.h"

using namespace tessera;
using namespace tessera::test;

namespace {

const std::string kChips = std::string(TESSERA_TEST_DATA_DIR) + "/configs/chips/";

/// A chain of eight identical transformer-like layers: every operator depends on the one before.
Workload layers() {
  Workload w;
  w.name = "eight layers";
  w.tokens = 256;
  std::string prev;
  for (int layer = 0; layer < 8; ++layer) {
    const std::string p = fmt::format("l{}.", layer);
    auto deps = [&]() { return prev.empty() ? std::vector<std::string>{} : std::vector<std::string>{prev}; };
    w.ops.push_back(vector_op(p + "norm", OpKind::reduction, 256, 1024, deps()));
    prev = p + "norm";
    w.ops.push_back(gemm_op(p + "up", 256, 2048, 1024, deps()));
    prev = p + "up";
    w.ops.push_back(vector_op(p + "act", OpKind::elementwise, 256, 2048, deps()));
    prev = p + "act";
    w.ops.push_back(gemm_op(p + "down", 256, 1024, 2048, deps()));
    prev = p + "down";
  }
  return w;
}

/// Every number of a result: the summary and every operator row, for exact comparison.
std::vector<double> numbers(const SimResult& r) {
  std::vector<double> v;
  for (const auto& m : r.summary.metrics())
    if (const double* x = std::get_if<double>(&m.value)) v.push_back(*x);
  for (const OpResult& o : r.ops)
    v.insert(v.end(), {o.start_s, o.end_s, double(o.start_cycle), double(o.end_cycle), o.hbm_bytes, o.sram_bytes,
                       o.compute_s, o.energy_j});
  for (const auto& g : r.stats->groups())
    for (const Stat& s : g->stats()) v.push_back(s.value);
  return v;
}

std::string description(const SimResult& r, const std::string& key) {
  for (const auto& m : r.summary.metrics())
    if (m.key == key) return m.description;
  return "";
}

}  // namespace

TEST_CASE("a Llama-2-7B decode step from the operator table is within 0.5% of one whole simulation", "[op_table]") {
  // The 32 layers are identical, so the table simulates 17 distinct (predecessor, operator)
  // pairs instead of 452 operators. What differs is only the state an operator inherits from
  // before its predecessor (docs/model.md, "Fidelity levels"); the bytes moved are the same.
  const ChipConfig chip = load_chip_config(kChips + "h100.yaml");
  const Workload w = make_workload("llama-2-7b", "decode:batch=1,context=512");
  OpTable table;
  SimOptions by_table;
  by_table.op_table = &table;
  SimOptions whole;
  whole.fidelity = Fidelity::cycle_full;
  const SimResult t = simulate(chip, w, by_table);
  const SimResult f = simulate(chip, w, whole);
  CHECK(t.summary.text("fidelity") == "cycle");
  CHECK(f.summary.text("fidelity") == "cycle-full");
  REQUIRE(t.ops.size() == f.ops.size());
  CHECK(t.summary.number("operators") == 452);
  CHECK(t.summary.number("op_table_records") + t.summary.number("op_table_reused") == 452);
  CHECK(t.summary.number("op_table_records") < 20);
  // Counted from the trace's shapes: idle->embed, embed->attn.norm, the 13 pairs inside a layer
  // of 14 operators, and head.norm->logits, logits->sample. The pairs across layers and into
  // the head repeat pairs inside a layer: both residual adds have one shape, and so do the
  // three RMSNorms (attn.norm, mlp.norm, head.norm), so residual->norm is one record. 2 + 13 + 2 = 17.
  CHECK(t.summary.number("op_table_records") == 17);
  CHECK(t.summary.number("seconds") == Approx(f.summary.number("seconds")).epsilon(0.005));
  CHECK(t.summary.number("energy_j") == Approx(f.summary.number("energy_j")).epsilon(0.005));
  // Traffic is the workload's, whatever the timing.
  CHECK(t.summary.number("hbm_bytes_read") == Approx(f.summary.number("hbm_bytes_read")).epsilon(1e-9));
  CHECK(t.summary.number("matrix_flops") == f.summary.number("matrix_flops"));
}

TEST_CASE("the operator table gives bit-identical results from a cold and a warm cache", "[op_table]") {
  const ChipConfig chip = load_chip_config(kChips + "g1.yaml");
  const Workload w = layers();
  TempDir dir("op_table");
  SimResult cold, warm, memory_only;
  {
    OpTable table(dir.file("cache"));
    SimOptions o;
    o.op_table = &table;
    cold = simulate(chip, w, o);
    CHECK(table.counts().simulated == 5);  // layer 0: 4 records; layer 1 adds norm after down
    CHECK(table.counts().loaded == 0);
  }
  {
    OpTable table(dir.file("cache"));  // a later process: everything comes from disk
    SimOptions o;
    o.op_table = &table;
    warm = simulate(chip, w, o);
    CHECK(table.counts().simulated == 0);
    CHECK(table.counts().loaded == 5);
    CHECK(table.counts().corrupt == 0);
  }
  {
    OpTable table;
    SimOptions o;
    o.op_table = &table;
    memory_only = simulate(chip, w, o);
  }
  CHECK(cold.summary.number("op_table_records") == 5);
  CHECK(cold.summary.number("op_table_reused") == 27);
  CHECK(numbers(cold) == numbers(warm));
  CHECK(numbers(cold) == numbers(memory_only));
}

TEST_CASE("a corrupt operator-table entry is detected and recomputed", "[op_table]") {
  const ChipConfig chip = load_chip_config(kChips + "g1.yaml");
  const Workload w = layers();
  TempDir dir("op_table_corrupt");
  SimResult first;
  {
    OpTable table(dir.file("cache"));
    SimOptions o;
    o.op_table = &table;
    first = simulate(chip, w, o);
  }
  // Damage every record in three ways: truncated, a flipped digit (checksum), not JSON at all.
  int n = 0;
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir.file("cache"))) {
    if (!e.is_regular_file() || e.path().filename() == "layout.json") continue;
    std::string text = read_bytes(e.path().string());
    if (n % 3 == 0) text.resize(text.size() / 2);
    else if (n % 3 == 1) text[text.find("duration_fs") + 15] ^= 1;
    else text = "garbage";
    std::ofstream(e.path(), std::ios::binary | std::ios::trunc) << text;
    ++n;
  }
  REQUIRE(n == 5);
  OpTable table(dir.file("cache"));
  SimOptions o;
  o.op_table = &table;
  const SimResult again = simulate(chip, w, o);
  CHECK(table.counts().corrupt == 5);
  CHECK(table.counts().simulated == 5);
  CHECK(numbers(again) == numbers(first));
  // The rewritten entries are good again.
  OpTable reread(dir.file("cache"));
  o.op_table = &reread;
  CHECK(numbers(simulate(chip, w, o)) == numbers(first));
  CHECK(reread.counts().loaded == 5);
  CHECK(reread.counts().corrupt == 0);
}

TEST_CASE("workloads whose operators may overlap, and timeline runs, are simulated whole", "[op_table]") {
  const ChipConfig chip = load_chip_config(kChips + "g1.yaml");
  Workload w;
  w.name = "fork";
  w.ops.push_back(gemm_op("a", 256, 256, 256));
  w.ops.push_back(gemm_op("b", 256, 256, 256));  // independent of a: runs beside it
  OpTable table;
  SimOptions o;
  o.op_table = &table;
  const SimResult r = simulate(chip, w, o);
  CHECK(r.summary.text("fidelity") == "cycle-full");
  CHECK_THAT(description(r, "fidelity"), Catch::Contains("'a' and 'b' may overlap"));
  CHECK(table.counts().simulated == 0);
  // With the same options at cycle-full the result is the same simulation.
  SimOptions full = o;
  full.fidelity = Fidelity::cycle_full;
  CHECK(simulate(chip, w, full).summary.number("seconds") == r.summary.number("seconds"));

  w.ops[1].deps = {"a"};
  o.record_timeline = true;
  const SimResult traced = simulate(chip, w, o);
  CHECK(traced.summary.text("fidelity") == "cycle-full");
  CHECK_THAT(description(traced, "fidelity"), Catch::Contains("timeline"));
  CHECK(!traced.timeline.empty());
}

TEST_CASE("an operator after a copy of itself is timed from the copy's end", "[op_table]") {
  // The cluster path times every operator this way (cluster/op_timer.h); the record must not
  // confuse the two instances, and must be what one whole simulation of the two gives.
  const ChipConfig chip = load_chip_config(kChips + "g1.yaml");
  const Operator g = gemm_op("g", 512, 512, 512);
  OpTable table;
  const OpRecord& rec = time_operator(chip, SimOptions{}, table, &g, g);
  Workload w;
  w.name = "twice";
  w.ops.push_back(g);
  w.ops.push_back(gemm_op("g2", 512, 512, 512, {"g"}));
  SimOptions full;
  full.fidelity = Fidelity::cycle_full;
  const SimResult f = simulate(chip, w, full);
  CHECK(rec.duration_fs == f.ops[1].end_fs - f.ops[0].end_fs);
  CHECK(rec.hbm_bytes == f.ops[1].hbm_bytes);
  CHECK(rec.tiles == f.ops[1].tiles);
  CHECK(table.counts().simulated == 1);
  time_operator(chip, SimOptions{}, table, &g, g);
  CHECK(table.counts().reused == 1);
}

TEST_CASE("a workload whose operators do not repeat is simulated whole", "[op_table]") {
  const ChipConfig chip = load_chip_config(kChips + "g1.yaml");
  Workload w;
  w.name = "distinct";
  w.ops.push_back(gemm_op("a", 512, 512, 512));
  w.ops.push_back(gemm_op("b", 512, 1024, 512, {"a"}));
  w.ops.push_back(gemm_op("c", 512, 512, 1024, {"b"}));
  OpTable table;
  SimOptions o;
  o.op_table = &table;
  const SimResult r = simulate(chip, w, o);
  CHECK(r.summary.text("fidelity") == "cycle-full");
  CHECK_THAT(description(r, "fidelity"), Catch::Contains("3 of its 3 operators are distinct"));
  CHECK(table.counts().simulated == 0);
}

TEST_CASE("a workload larger than the chip's memory is refused unless asked for", "[capacity]") {
  // g1.yaml: 64 GiB of HBM = 68.72 GB. 100 GiB of weights (107.37 GB) do not fit.
  const ChipConfig chip = load_chip_config(kChips + "g1.yaml");
  Workload w;
  w.name = "too big";
  w.ops.push_back(gemm_op("g", 256, 256, 256));
  w.summary.weight_bytes = Bytes{100} << 30;
  w.summary.kv_cache_bytes = Bytes{1} << 30;
  try {
    simulate(chip, w);
    FAIL("expected a capacity error");
  } catch (const Error& e) {
    CHECK_THAT(e.what(), Catch::Contains("needs 108.45 GB of memory (weights 107.37 GB, KV cache 1.07 GB"));
    CHECK_THAT(e.what(), Catch::Contains("chip 'g1' has 68.72 GB of HBM (64 GiB)"));
  }
  SimOptions o;
  o.beyond_capacity = true;
  CHECK(simulate(chip, w, o).summary.number("seconds") > 0);
  w.summary.weight_bytes = Bytes{60} << 30;  // 60 + 1 GiB fit
  CHECK_NOTHROW(simulate(chip, w));
}
