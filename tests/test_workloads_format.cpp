// Workload files: operator lists, the trace format (JSON and HDF5), validation errors, model
// card and scenario parsing.
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <thread>

#include <catch2/catch.hpp>
#include <hdf5.h>
#include <nlohmann/json.hpp>

#include "base/config/field_reader.h"
#include "base/io/atomic_file.h"
#include "base/io/h5_file.h"
#include "workloads/model_card.h"
#include "workloads/scenario.h"
#include "workloads/trace_generator.h"
#include "workloads/trace_io.h"
#include "workloads/workload_reader.h"

using namespace tessera;
using nlohmann::json;

namespace {

const std::string kRoot = TESSERA_TEST_DATA_DIR;
namespace fs = std::filesystem;

// A scratch directory removed at the end of the test.
struct TempDir {
  fs::path path;
  TempDir() {
    path = fs::temp_directory_path() / fs::path("tessera-wl-" + std::to_string(std::rand()) + "-" +
                                                 std::to_string(reinterpret_cast<std::uintptr_t>(this)));
    fs::create_directories(path);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
  std::string file(const std::string& name) const { return (path / name).string(); }
};

std::string write(const TempDir& d, const std::string& name, const std::string& text) {
  std::ofstream(d.file(name)) << text;
  return d.file(name);
}

// A two-layer MoE model that exercises every operator field in a trace.
ModelCard tiny_moe() {
  ModelCard c;
  c.name = "tiny-moe";
  c.source = "test";
  c.layers = 4;
  c.hidden = 64;
  c.heads = 4;
  c.kv_heads = 2;
  c.head_dim = 16;
  c.ffn = 128;
  c.vocab = 1000;
  c.max_positions = 512;
  c.experts = 4;
  c.experts_per_token = 2;
  return c;
}

Workload parse(const std::string& text, const std::string& source = "test.json") {
  return workload_from_json(json::parse(text), source);
}

}  // namespace

TEST_CASE("the shipped default workload is the hand-derived Llama-2 7B decode layer", "[workloads][oplist]") {
  const Workload w = load_workload(kRoot + "/configs/workloads/default.yaml");
  CHECK(w.name == "llama-2-7b-decode-layer");
  CHECK(w.tokens == 16);
  REQUIRE(w.ops.size() == 14);
  // The generator's first layer of the same scenario has the same operators and shapes.
  const Workload g = generate_trace(load_model_card(kRoot + "/configs/models/llama-2-7b.yaml"),
                                    parse_scenario_spec("decode:batch=16,context=2048,attention=unfused"));
  std::vector<const Operator*> layer0;
  for (const Operator& op : g.ops)
    if (op.layer == 0) layer0.push_back(&op);
  REQUIRE(layer0.size() == w.ops.size());
  for (std::size_t i = 0; i < w.ops.size(); ++i) {
    const Operator &a = w.ops[i], &b = *layer0[i];
    INFO(a.id);
    CHECK(a.id == b.name);
    CHECK(a.kind == b.kind);
    CHECK(a.batch == b.batch);
    CHECK(a.m == b.m);
    CHECK(a.n == b.n);
    CHECK(a.k == b.k);
    CHECK(a.rows == b.rows);
    CHECK(a.cols == b.cols);
    CHECK(a.b_is_weight == b.b_is_weight);
    CHECK(a.inputs == b.inputs);
    CHECK(a.flops() == b.flops());
    CHECK(a.bytes_read() == b.bytes_read());
  }
  // Also found by name.
  CHECK(load_workload("default").ops.size() == 14);
}

TEST_CASE("operator costs", "[workloads][operator]") {
  Operator g;
  g.kind = OpKind::gemm;
  g.batch = 2;
  g.m = 3;
  g.n = 5;
  g.k = 7;
  g.dtype = DataType::bf16;
  g.b_dtype = DataType::int8;
  // 2 x batch x m x n x k; A 2*3*7 bf16, B 2*7*5 int8, C 2*3*5 bf16.
  CHECK(g.flops() == 2.0 * 2 * 3 * 5 * 7);
  CHECK(g.bytes_read() == 2u * 3 * 7 * 2 + 2u * 7 * 5 * 1);
  CHECK(g.bytes_written() == 2u * 3 * 5 * 2);
  g.fused_input = true;
  g.fused_output = true;
  CHECK(g.bytes_read() == 2u * 7 * 5);
  CHECK(g.bytes_written() == 0);
  Operator e;
  e.kind = OpKind::elementwise;
  e.rows = 10;
  e.cols = 4;
  e.inputs = 3;
  e.outputs = 2;
  e.ops_per_element = 5;
  e.dtype = DataType::fp32;
  e.out_dtype = DataType::fp32;
  CHECK(e.flops() == 200);
  CHECK(e.bytes_read() == 10u * 4 * 3 * 4);
  CHECK(e.bytes_written() == 10u * 4 * 2 * 4);
}

TEST_CASE("trace round trips JSON <-> HDF5 losslessly", "[workloads][format]") {
  TempDir dir;
  const Workload w = generate_trace(
      tiny_moe(), parse_scenario_spec("training:seq_len=32,micro_batch=2,global_batch=16,tp=2,sp=true,pp=2,dp=4,"
                                      "ep=2,zero=1,moe_imbalance=1.5,act_dtype=bf16,weight_dtype=fp8"));
  REQUIRE(w.ops.size() > 100);
  write_trace(w, dir.file("t.json"));
  write_trace(w, dir.file("t.h5"));
  CHECK_FALSE(fs::exists(dir.file("t.json.tmp")));
  CHECK_FALSE(fs::exists(dir.file("t.h5.tmp")));
  CHECK_FALSE(fs::exists(atomic_temp_path(dir.file("t.json"))));
  CHECK_FALSE(fs::exists(atomic_temp_path(dir.file("t.h5"))));
  const Workload from_json = load_workload(dir.file("t.json"));
  const Workload from_h5 = load_workload(dir.file("t.h5"));
  CHECK(from_json.ops == w.ops);
  CHECK(from_h5.ops == w.ops);
  CHECK(from_h5.summary == w.summary);
  CHECK(from_json.summary == w.summary);
  CHECK(from_h5.tokens == w.tokens);
  CHECK(from_h5.name == w.name);
  CHECK(from_h5.source == w.source);
  // HDF5 -> JSON gives the same text as the direct JSON.
  write_trace(from_h5, dir.file("u.json"));
  auto slurp = [](const std::string& p) {
    std::ifstream in(p);
    return std::string(std::istreambuf_iterator<char>(in), {});
  };
  CHECK(slurp(dir.file("u.json")) == slurp(dir.file("t.json")));
  // Inference traces carry KV-cache data types and fused flags.
  const Workload inf = generate_trace(tiny_moe(), parse_scenario_spec("generate:batch=4,prompt=16,output=3,kv_dtype=fp8"));
  write_trace(inf, dir.file("i.h5"));
  CHECK(load_workload(dir.file("i.h5")).ops == inf.ops);
}

TEST_CASE("traces are byte-identical run to run", "[workloads][format]") {
  TempDir dir;
  const Workload w = generate_trace(tiny_moe(), parse_scenario_spec("generate:batch=2,prompt=8,output=2"));
  auto slurp = [](const std::string& p) {
    std::ifstream in(p, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
  };
  write_trace(w, dir.file("a.h5"));
  write_trace(w, dir.file("a.json"));
  // HDF5 object timestamps have one-second resolution: wait past a tick so recorded times
  // would show up as a difference.
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));
  write_trace(w, dir.file("b.h5"));
  write_trace(w, dir.file("b.json"));
  const std::string a = slurp(dir.file("a.h5"));
  REQUIRE(a.size() > 1000);
  CHECK(a == slurp(dir.file("b.h5")));
  CHECK(slurp(dir.file("a.json")) == slurp(dir.file("b.json")));
  std::size_t files = 0;
  for ([[maybe_unused]] const auto& e : fs::directory_iterator(dir.path)) ++files;
  CHECK(files == 4);  // no temporary left behind
}

TEST_CASE("bad HDF5 traces are errors naming the file and the object", "[workloads][format]") {
  TempDir dir;
  const std::string text = dir.file("text.h5");
  std::ofstream(text) << "not HDF5\n";
  CHECK_THROWS_WITH(read_trace_hdf5(text), Catch::Contains(text) && Catch::Contains("cannot open as HDF5"));
  CHECK_THROWS_WITH(read_trace_hdf5(dir.file("absent.h5")),
                    Catch::Contains("absent.h5") && Catch::Contains("cannot open as HDF5"));

  const std::string other = dir.file("other.h5");
  write_file_atomically(other, [](const std::string& tmp) {
    h5::H5File f = h5::H5File::create(tmp);
    h5::write_string_attribute(f.root(), "kind", "something else");
    f.close();
  });
  CHECK_THROWS_WITH(read_trace_hdf5(other), Catch::Contains(other) && Catch::Contains("attribute 'format'") &&
                                                Catch::Contains("not a Tessera trace"));

  // A good trace with one column removed and one cut short.
  const Workload w = generate_trace(tiny_moe(), parse_scenario_spec("generate:batch=2,prompt=8,output=2"));
  const std::string cut = dir.file("cut.h5");
  write_trace(w, cut);
  hid_t f = H5Fopen(cut.c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
  REQUIRE(f >= 0);
  REQUIRE(H5Ldelete(f, "ops/layer", H5P_DEFAULT) >= 0);
  H5Fclose(f);
  CHECK_THROWS_WITH(read_trace_hdf5(cut), Catch::Contains(cut) && Catch::Contains("'/ops/layer' is missing"));
  f = H5Fopen(cut.c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
  REQUIRE(f >= 0);
  hid_t g = H5Gopen2(f, "ops", H5P_DEFAULT);
  h5::write_column(g, "layer", std::vector<std::int32_t>{1, 2});
  H5Gclose(g);
  H5Fclose(f);
  CHECK_THROWS_WITH(read_trace_hdf5(cut), Catch::Contains(cut) && Catch::Contains("'/ops/layer'") &&
                                              Catch::Contains("one-dimensional with"));
}

TEST_CASE("malformed traces are rejected with the operator id and the reason", "[workloads][format][errors]") {
  const std::string head = R"({"format": "tessera-trace", "version": 1, "name": "t", "ops": [)";
  auto reject = [&](const std::string& ops, const std::string& id, const std::string& reason) {
    INFO(ops);
    CHECK_THROWS_WITH(parse(head + ops + "]}"), Catch::Contains(id) && Catch::Contains(reason));
  };
  reject(R"({"id": "a", "kind": "conv2d", "rows": 1, "cols": 1})", "'a'", "unknown operator kind 'conv2d'");
  reject(R"({"id": "a", "kind": "softmax", "rows": 1, "cols": 1, "deps": ["b"]},
            {"id": "b", "kind": "softmax", "rows": 1, "cols": 1, "deps": ["c"]},
            {"id": "c", "kind": "softmax", "rows": 1, "cols": 1, "deps": ["a"]})",
         "operator '", "cycle in the DAG");
  reject(R"({"id": "a", "kind": "softmax", "rows": 1, "cols": 1, "deps": ["a"]})", "'a'", "cycle");
  reject(R"({"id": "a", "kind": "softmax", "rows": 4, "cols": 8, "deps": ["zz"]})", "'a'", "dangling dependency 'zz'");
  // A stated cost that disagrees with the shape: 2 x 4 x 4 x 4 = 128 FLOPs, not 100.
  reject(R"({"id": "g", "kind": "gemm", "m": 4, "n": 4, "k": 4, "flops": 100})", "'g'", "shape mismatch");
  reject(R"({"id": "g", "kind": "gemm", "m": 0, "n": 4, "k": 4})", "ops[0].m", "expected a whole number >= 1");
  reject(R"({"id": "g", "kind": "gemm", "m": 4, "n": 4, "k": 4, "rows": 3})", "'g'", "does not apply");
  reject(R"({"id": "g", "kind": "gemm", "m": 4, "n": 4, "k": 4, "colour": 3})", "ops[0].colour", "unknown key");
  reject(R"({"id": "g", "kind": "gemm", "m": "four", "n": 4, "k": 4})", "ops[0].m", "got \"four\"");
  reject(R"({"id": "g", "kind": "gemm", "n": 4, "k": 4})", "ops[0].m", "missing");
  reject(R"({"id": "a", "kind": "softmax", "rows": 1, "cols": 1}, {"id": "a", "kind": "softmax", "rows": 1, "cols": 1})",
         "'a'", "duplicate operator id");
  CHECK_THROWS_WITH(parse(R"({"format": "tessera-trace", "version": 9, "name": "t", "ops": []})"),
                    Catch::Contains("version 9 is not supported"));
}

TEST_CASE("operator lists are read from YAML with strict keys", "[workloads][oplist]") {
  TempDir dir;
  const std::string ok = write(dir, "ok.yaml", R"(
name: small
tokens: 8
ops:
  - {id: b, kind: softmax, rows: 8, cols: 16, deps: [a]}
  - {id: a, kind: gemm, m: 8, n: 16, k: 32, dtype: fp8}
  - {id: c, kind: collective, collective: {kind: all_reduce, group: tp, group_size: 4, bytes: 256}, deps: [b]}
)");
  const Workload w = load_workload(ok);
  // Reordered topologically: a before b.
  REQUIRE(w.ops.size() == 3);
  CHECK(w.ops[0].id == "a");
  CHECK(w.ops[0].out_dtype == DataType::fp8);  // defaults to the input type
  CHECK(w.ops[2].collective.bytes == 256);
  CHECK(w.tokens == 8);
  const std::string bad = write(dir, "bad.yaml", "name: x\nops:\n  - {id: a, kind: gemm, m: 8, n: 16, k: 32, dtype: fp4}\n");
  CHECK_THROWS_WITH(load_workload(bad), Catch::Contains("bad.yaml") && Catch::Contains("ops[0].dtype") &&
                                            Catch::Contains("fp4"));
  const std::string top = write(dir, "top.yaml", "name: x\nopz: []\n");
  CHECK_THROWS_WITH(load_workload(top), Catch::Contains("ops") && Catch::Contains("missing"));
  // A quoted number stays a string: wrong type.
  const std::string quoted = write(dir, "q.yaml", "name: x\nops:\n  - {id: a, kind: softmax, rows: \"8\", cols: 2}\n");
  CHECK_THROWS_WITH(load_workload(quoted), Catch::Contains("ops[0].rows"));
}

TEST_CASE("HF config errors name the architecture or field", "[workloads][hf][errors]") {
  std::ifstream in(kRoot + "/configs/models/hf/llama-2-7b.config.json");
  json cfg = json::parse(in);
  json other = cfg;
  other["architectures"] = {"FalconForCausalLM"};
  CHECK_THROWS_WITH(model_card_from_hf_config(other, "x.json"),
                    Catch::Contains("FalconForCausalLM") && Catch::Contains("not supported") &&
                        Catch::Contains("DeepseekV3ForCausalLM"));
  cfg["quantization_config"] = {{"quant_method", "awq"}};
  CHECK_THROWS_WITH(model_card_from_hf_config(cfg, "x.json"),
                    Catch::Contains("quantization_config") && Catch::Contains("LlamaForCausalLM"));
  cfg.erase("quantization_config");
  cfg["hidden_act"] = "relu";
  CHECK_THROWS_WITH(model_card_from_hf_config(cfg, "x.json"), Catch::Contains("hidden_act"));
  cfg["hidden_act"] = "silu";
  cfg["num_key_value_heads"] = 5;  // does not divide 32 heads
  CHECK_THROWS_WITH(model_card_from_hf_config(cfg, "x.json"), Catch::Contains("kv_heads"));
}

TEST_CASE("YAML model cards are strict", "[workloads][cards][errors]") {
  TempDir dir;
  const std::string base = "name: t\nsource: test\nlayers: 2\nhidden: 64\nheads: 4\nffn: 128\nvocab: 100\n"
                           "max_positions: 64\nmlp: swiglu\nnorm: rmsnorm\nposition: rope\n";
  CHECK(load_model_card(write(dir, "ok.yaml", base)).head_dim == 16);
  CHECK_THROWS_WITH(load_model_card(write(dir, "a.yaml", base + "flash: true\n")),
                    Catch::Contains("a.yaml") && Catch::Contains("flash") && Catch::Contains("unknown key"));
  CHECK_THROWS_WITH(load_model_card(write(dir, "b.yaml", base + "experts: 4\nexperts_per_token: 5\n")),
                    Catch::Contains("experts_per_token"));
}

TEST_CASE("scenarios: files, inline specs and their errors", "[workloads][scenario]") {
  const Scenario s = parse_scenario_spec("decode:batch=16,context=2048,kv_dtype=fp8,tp=2");
  CHECK(s.kind == ScenarioKind::decode);
  CHECK(s.batch == 16);
  CHECK(s.context == 2048);
  CHECK(s.kv_dtype == DataType::fp8);
  CHECK(s.parallel.tp == 2);
  // to_spec() reads back to the same scenario.
  const Scenario t = parse_scenario_spec(to_spec(s));
  CHECK(to_spec(t) == to_spec(s));
  CHECK_THROWS_WITH(parse_scenario_spec("decode:batch=16"), Catch::Contains("context"));
  CHECK_THROWS_WITH(parse_scenario_spec("decode:context=5,prompt=3"),
                    Catch::Contains("prompt") && Catch::Contains("does not apply to a decode"));
  CHECK_THROWS_WITH(parse_scenario_spec("decode:context=5,bacth=3"), Catch::Contains("bacth") && Catch::Contains("unknown"));
  CHECK_THROWS_WITH(parse_scenario_spec("training:seq_len=8,global_batch=10,micro_batch=4"),
                    Catch::Contains("multiple of micro_batch"));
  CHECK_THROWS_WITH(parse_scenario_spec("serve:batch=1"), Catch::Contains("kind"));
  CHECK_THROWS_WITH(parse_scenario_spec("decode:context=5,weight_dtype=fp4"), Catch::Contains("weight_dtype"));
  // Every shipped scenario loads and generates with a shipped model.
  for (const std::string& name : list_configs("scenarios")) {
    INFO(name);
    const Scenario sc = resolve_scenario(kRoot + "/configs/scenarios/" + name + ".yaml");
    if (sc.parallel.pp == 1 && sc.parallel.tp == 1) {
      ModelCard small = load_model_card(kRoot + "/configs/models/llama-2-7b.yaml");
      small.layers = 2;
      CHECK_NOTHROW(generate_trace(small, sc));
    }
  }
  // Scenario/model mismatches name the problem.
  CHECK_THROWS_WITH(make_workload(kRoot + "/configs/models/llama-2-7b.yaml", "decode:context=8,batch=4,tp=3"),
                    Catch::Contains("tp=3"));
}

TEST_CASE("every shipped model card loads", "[workloads][cards]") {
  for (const std::string& name : list_configs("models")) {
    INFO(name);
    CHECK_NOTHROW(resolve_model(kRoot + "/configs/models/" + name + ".yaml"));
  }
}
