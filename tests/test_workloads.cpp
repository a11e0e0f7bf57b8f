// Workload generator checks against published numbers and closed-form formulas. Every expected
// value is derived in a comment from the cited source or formula, never from the program.
#include <chrono>
#include <cmath>
#include <map>
#include <string>

#include <catch2/catch.hpp>
#include <fmt/core.h>

#include "workloads/model_card.h"
#include "workloads/scenario.h"
#include "workloads/trace_generator.h"
#include "workloads/workload_reader.h"
#include "workloads/workload_stats.h"

using namespace tessera;

namespace {

const std::string kRoot = TESSERA_TEST_DATA_DIR;

ModelCard card(const std::string& name) { return load_model_card(kRoot + "/configs/models/" + name + ".yaml"); }
ModelCard hf(const std::string& file) { return load_model_card(kRoot + "/configs/models/hf/" + file + ".config.json"); }

Workload gen(const ModelCard& c, const std::string& spec) { return generate_trace(c, parse_scenario_spec(spec)); }

double total_flops(const Workload& w) {
  double f = 0;
  for (const Operator& op : w.ops) f += op.flops();
  return f;
}
double gemm_flops(const Workload& w) {
  double f = 0;
  for (const Operator& op : w.ops)
    if (op.kind == OpKind::gemm) f += op.flops();
  return f;
}
double rel_err(double got, double want) { return std::abs(got - want) / want; }

}  // namespace

// Published totals: Llama-2-7B 6,738,415,616; Llama-2-13B 13,015,864,320; Llama-2-70B 68,976,648,192;
// Llama-3-8B 8,030,261,248; Llama-3-70B 70,553,706,496; Mistral-7B 7,241,732,096;
// Mixtral-8x7B 46,702,792,704 (total parameter counts of the released checkpoints).
TEST_CASE("parameter counts match the published totals exactly", "[workloads][params]") {
  const std::map<std::string, std::uint64_t> published = {
      {"llama-2-7b", 6'738'415'616},   {"llama-2-13b", 13'015'864'320}, {"llama-2-70b", 68'976'648'192},
      {"llama-3-8b", 8'030'261'248},   {"llama-3-70b", 70'553'706'496}, {"mistral-7b", 7'241'732'096},
      {"mixtral-8x7b", 46'702'792'704}};
  for (const auto& [name, want] : published) {
    INFO(name);
    CHECK(count_parameters(card(name)).total == want);
  }
}

TEST_CASE("parameter counts read straight from HF config.json files", "[workloads][params][hf]") {
  // Same published totals as above, plus gpt2 124,439,808 (tied LM head) and gpt-neox-20b
  // 20,554,567,680.
  CHECK(count_parameters(hf("llama-2-7b")).total == 6'738'415'616);
  CHECK(count_parameters(hf("llama-2-70b")).total == 68'976'648'192);
  CHECK(count_parameters(hf("meta-llama-3-8b")).total == 8'030'261'248);
  CHECK(count_parameters(hf("mistral-7b-v0.1")).total == 7'241'732'096);
  CHECK(count_parameters(hf("mixtral-8x7b-v0.1")).total == 46'702'792'704);
  CHECK(count_parameters(hf("gpt2")).total == 124'439'808);
  CHECK(count_parameters(hf("gpt-neox-20b")).total == 20'554'567'680);
  // Qwen2-7B: q/k/v biases. Per layer: q 3584^2+3584, k and v 3584*512+512 each, o 3584^2,
  // MLP 3*3584*18944, norms 2*3584 = 233,057,792; x28 = 6,525,618,176; embeddings + LM head
  // 2*152064*3584 = 1,089,994,752; final norm 3584. Total 7,615,616,512 (published "7.6B").
  CHECK(count_parameters(hf("qwen2-7b")).total == 7'615'616'512);
}

TEST_CASE("parameter counts within 0.5% of rounded published figures", "[workloads][params]") {
  // GPT-3 paper Table 2.1: 175.0B. Llama 3 herd paper: 405B.
  CHECK(rel_err(static_cast<double>(count_parameters(card("gpt3-175b")).total), 175.0e9) < 0.005);
  CHECK(rel_err(static_cast<double>(count_parameters(card("llama-3-405b")).total), 405e9) < 0.005);
  // Mixtral: about 12.9B active per token (2 of 8 experts).
  CHECK(rel_err(static_cast<double>(count_parameters(card("mixtral-8x7b")).active), 12.9e9) < 0.005);
}

TEST_CASE("BERT-large parameter count from its architecture", "[workloads][params]") {
  // BertModel: embeddings 30522*1024 + 512*1024 + 2*1024 + LayerNorm 2*1024 = 31,782,912;
  // per layer: QKV 3*(1024^2+1024), output 1024^2+1024, LN 2048, FFN 1024*4096+4096 and
  // 4096*1024+1024, LN 2048 = 12,596,224, x24 = 302,309,376; pooler 1024^2+1024 = 1,049,600.
  // Total 335,141,888 (the paper's "340M" is rounded).
  CHECK(count_parameters(card("bert-large")).total == 335'141'888);
  // BertForMaskedLM (the HF file): no pooler; MLM head transform 1024^2+1024, LN 2048, decoder
  // bias 30522, decoder matrix tied: 1,049,600 + 2,048 + 30,522 = 1,082,170; total
  // 31,782,912 + 302,309,376 + 1,082,170 = 335,174,458.
  CHECK(count_parameters(hf("bert-large-uncased")).total == 335'174'458);
}

TEST_CASE("YAML cards mirror their HF config.json", "[workloads][hf]") {
  const std::map<std::string, std::string> pairs = {
      {"llama-2-7b", "llama-2-7b"},           {"llama-2-13b", "llama-2-13b"},
      {"llama-2-70b", "llama-2-70b"},         {"llama-3-8b", "meta-llama-3-8b"},
      {"llama-3-70b", "meta-llama-3-70b"},    {"llama-3-405b", "llama-3.1-405b"},
      {"mistral-7b", "mistral-7b-v0.1"},      {"mixtral-8x7b", "mixtral-8x7b-v0.1"},
      {"bert-large", "bert-large-uncased"}};
  for (const auto& [yaml, json] : pairs) {
    INFO(yaml);
    const ModelCard a = card(yaml), b = hf(json);
    CHECK(a.layers == b.layers);
    CHECK(a.hidden == b.hidden);
    CHECK(a.heads == b.heads);
    CHECK(a.kv_heads == b.kv_heads);
    CHECK(a.head_dim == b.head_dim);
    CHECK(a.ffn == b.ffn);
    CHECK(a.vocab == b.vocab);
    CHECK(a.max_positions == b.max_positions);
    CHECK(a.mlp == b.mlp);
    CHECK(a.norm == b.norm);
    CHECK(a.position == b.position);
    CHECK(a.experts == b.experts);
    CHECK(a.experts_per_token == b.experts_per_token);
    CHECK(a.sliding_window == b.sliding_window);
    CHECK(a.family == b.family);
    CHECK(a.qkv_bias == b.qkv_bias);
    CHECK(a.mlp_bias == b.mlp_bias);
  }
}

TEST_CASE("training FLOPs match the Megatron-LM closed form", "[workloads][flops]") {
  // Narayanan et al. (SC'21) eq. 3 without recomputation: F = 72 B s l h^2 (1 + s/(6h) + V/(12 l h));
  // with full recomputation: 96 B s l h^2 (1 + s/(6h) + V/(16 l h)). GPT-3 175B: l = 96, h = 12288,
  // V = 50257; a step of B = 4 sequences of s = 2048. The formula counts the attention scores
  // over the full s x s matrix and no causal saving, as the trace does.
  const ModelCard gpt3 = card("gpt3-175b");
  const double B = 4, s = 2048, l = 96, h = 12288, V = 50257;
  const double f72 = 72 * B * s * l * h * h * (1 + s / (6 * h) + V / (12 * l * h));
  const double f96 = 96 * B * s * l * h * h * (1 + s / (6 * h) + V / (16 * l * h));

  const Workload plain = gen(gpt3, "training:seq_len=2048,micro_batch=1,global_batch=4,attention=unfused");
  WARN("GPT-3 175B step FLOPs / Megatron formula: all " << total_flops(plain) / f72 << ", matrix "
       << gemm_flops(plain) / f72);
  CHECK(rel_err(total_flops(plain), f72) < 0.01);
  CHECK(rel_err(gemm_flops(plain), f72) < 0.001);  // the formula counts matrix products only

  const Workload rc = gen(gpt3, "training:seq_len=2048,micro_batch=1,global_batch=4,attention=unfused,recompute=true");
  CHECK(rel_err(total_flops(rc), f96) < 0.01);
  CHECK(rel_err(gemm_flops(rc), f96) < 0.001);

  // Flash-style attention recomputes QK^T in its backward kernel: + 2 B s^2 h per layer.
  const Workload fused = gen(gpt3, "training:seq_len=2048,micro_batch=1,global_batch=4,attention=fused");
  CHECK(rel_err(gemm_flops(fused), f72 + 2 * B * s * s * h * l) < 0.001);

  // Tokens processed by the step: 4 x 2048.
  CHECK(plain.tokens == 8192);
  CHECK(plain.samples == 4);
}

TEST_CASE("decode FLOPs per token are 2 x active parameters + attention", "[workloads][flops]") {
  // Per generated token: 2 FLOPs per parameter used in a matrix product, plus attention over the
  // context c: QK^T and PV each take 2 c (heads x head_dim) per layer. The input embedding is a
  // table lookup, so it is not in the count (as in Kaplan et al. 2020, whose N excludes it);
  // the LM head is a matrix product and is.
  auto attention = [](const ModelCard& m, double c) {
    return 4.0 * static_cast<double>(m.layers) * c * static_cast<double>(m.heads * m.head_dim);
  };
  for (const std::string name : {"llama-2-7b", "llama-2-70b", "mixtral-8x7b", "llama-3-8b", "llama-3-70b"}) {
    INFO(name);
    const ModelCard m = card(name);
    const Workload w = gen(m, "decode:batch=1,context=2048");
    REQUIRE(w.tokens == 1);
    const double per_token = total_flops(w) / w.tokens;
    const double active = static_cast<double>(count_parameters(m).active);
    const double embedding = static_cast<double>(m.vocab * m.hidden);
    CHECK(rel_err(per_token, 2 * (active - embedding) + attention(m, 2048)) < 0.002);
    WARN(name << " decode FLOPs per token / (2 x (active - embedding) + attention): "
              << per_token / (2 * (active - embedding) + attention(m, 2048)) << ", / (2 x active + attention): "
              << per_token / (2 * active + attention(m, 2048)));
  }
  // Counting every active parameter, embedding included, is within 2% where the embedding table
  // is a small share of the model (not for Llama-3 8B, whose 128256 x 4096 table is 6.5% of it).
  for (const std::string name : {"llama-2-7b", "llama-2-70b", "mixtral-8x7b", "llama-3-70b"}) {
    INFO(name);
    const ModelCard m = card(name);
    const Workload w = gen(m, "decode:batch=1,context=2048");
    const double active = static_cast<double>(count_parameters(m).active);
    CHECK(rel_err(total_flops(w) / w.tokens, 2 * active + attention(m, 2048)) < 0.02);
  }
}

TEST_CASE("KV-cache bytes follow 2 x layers x kv_heads x head_dim x context x batch x bytes", "[workloads][memory]") {
  // Llama-2 70B, fp8 cache, batch 8 at context 4096: 2 * 80 * 8 * 128 * 4096 * 8 * 1.
  const Workload w = gen(card("llama-2-70b"), "decode:batch=8,context=4096,kv_dtype=fp8");
  CHECK(w.summary.kv_cache_bytes == 2ull * 80 * 8 * 128 * 4096 * 8 * 1);
  // The attention GEMMs of that step read exactly the cache: K by QK^T and V by PV.
  Bytes cache_reads = 0;
  for (const Operator& op : w.ops)
    if (op.kind == OpKind::gemm && !op.b_is_weight) cache_reads += op.batch * op.k * op.n * bytes_per_element(op.b_type());
  CHECK(cache_reads == w.summary.kv_cache_bytes);

  // Llama-2 7B generating 128 tokens after 512-token prompts, batch 4, bf16: the cache ends at
  // 640 tokens: 2 * 32 * 32 * 128 * 640 * 4 * 2.
  const Workload g = gen(card("llama-2-7b"), "generate:batch=4,prompt=512,output=128");
  CHECK(g.summary.kv_cache_bytes == 2ull * 32 * 32 * 128 * 640 * 4 * 2);
  CHECK(g.tokens == 4 * (512 + 128));

  // Mistral's 4096-token sliding window caps the cache: batch 2 at context 8192 keeps 4096:
  // 2 * 32 * 8 * 128 * 4096 * 2 * 2.
  const Workload mw = gen(card("mistral-7b"), "decode:batch=2,context=8192");
  CHECK(mw.summary.kv_cache_bytes == 2ull * 32 * 8 * 128 * 4096 * 2 * 2);
}

TEST_CASE("decode context grows by one token per step", "[workloads][decode]") {
  const Workload w = gen(card("llama-2-7b"), "decode:batch=2,context=100,steps=3");
  std::vector<std::uint64_t> keys;
  for (const Operator& op : w.ops)
    if (op.name == "attn.qk" && op.layer == 0) keys.push_back(op.n);
  CHECK(keys == std::vector<std::uint64_t>{100, 101, 102});
  CHECK(w.tokens == 6);
}

TEST_CASE("training memory footprint follows mixed-precision Adam accounting", "[workloads][memory]") {
  // ZeRO paper (Rajbhandari et al. 2020) section 3.1: bf16 weights 2 bytes and gradients 2 bytes
  // per parameter, Adam state (fp32 master weights, momentum, variance) 12 bytes per parameter.
  const ModelCard m = card("llama-2-7b");
  const double P = 6'738'415'616;
  const Workload w = gen(m, "training:seq_len=1024,micro_batch=1,global_batch=2");
  CHECK(w.summary.weight_bytes == 2 * P);
  CHECK(w.summary.gradient_bytes == 2 * P);
  CHECK(w.summary.optimizer_bytes == 12 * P);
  // ZeRO-1 over 8 ranks shards the optimizer state only; ZeRO-3 shards all three.
  const Workload z1 = gen(m, "training:seq_len=1024,micro_batch=1,global_batch=16,dp=8,zero=1");
  CHECK(z1.summary.optimizer_bytes == 12 * 6'738'415'616ull / 8);
  CHECK(z1.summary.gradient_bytes == 2 * P);
  const Workload z3 = gen(m, "training:seq_len=1024,micro_batch=1,global_batch=16,dp=8,zero=3");
  CHECK(z3.summary.weight_bytes == 2 * 6'738'415'616ull / 8);
  // Recomputation keeps less: only each layer's input.
  const Workload rc = gen(m, "training:seq_len=1024,micro_batch=1,global_batch=2,recompute=true");
  CHECK(rc.summary.activation_bytes < w.summary.activation_bytes / 4);
}

TEST_CASE("full recomputation re-materialises one layer, not one per micro-batch in flight", "[workloads][memory]") {
  // Korthikanti et al. 2022 (arXiv 2205.05198) section 4: with full recomputation a layer keeps only its
  // input, 2 s b h bytes in bf16, and one layer's activations are rebuilt at a time. With GPipe on one
  // stage all m micro-batches are in flight, so with k = bytes kept per micro-batch and R = the rebuilt
  // layer: A(m) = m k + R. The rebuilt layer holds what a layer stores without recomputation (W = e + L R
  // where e is what the embedding and head keep), and k = e + L x 2 s b h.
  const ModelCard m = card("llama-2-7b");
  const double s = 1024, b = 1, h = 4096, L = 32;
  const auto act = [&](const std::string& extra, int mbs) {
    return double(gen(m, fmt::format("training:seq_len=1024,micro_batch=1,global_batch={},schedule=gpipe{}", mbs, extra))
                      .summary.activation_bytes);
  };
  const double a1 = act(",recompute=true", 1), a4 = act(",recompute=true", 4), w1 = act("", 1);
  const double kept = (a4 - a1) / 3, rebuilt = a1 - kept;
  CHECK(rebuilt > 0);
  // e from both sides: what recomputation keeps minus the layer inputs, and what no recomputation keeps
  // minus L rebuilt layers.
  CHECK(kept - L * 2 * s * b * h == Approx(w1 - L * rebuilt).margin(1.0));
}

TEST_CASE("mixture of experts: tokens per expert and load imbalance", "[workloads][moe]") {
  // 4096 tokens x top-2 over 8 experts: 1024 each when balanced.
  CHECK(expert_token_counts(4096, 8, 2, 1.0) == std::vector<std::uint64_t>(8, 1024));
  // Imbalance 1.5: the busiest expert takes 1536; the other 7 share 8192 - 1536 = 6656 = 7 x 950 + 6.
  const auto skew = expert_token_counts(4096, 8, 2, 1.5);
  CHECK(skew[0] == 1536);
  CHECK(std::count(skew.begin() + 1, skew.end(), 951u) == 6);
  CHECK(std::count(skew.begin() + 1, skew.end(), 950u) == 1);
  // One token picks exactly two experts.
  const auto one = expert_token_counts(1, 8, 2, 1.0);
  CHECK(std::count(one.begin(), one.end(), 1u) == 2);

  // In the trace: Mixtral decode of batch 1 runs two experts; expert GEMM FLOPs per token are
  // 2 experts x 3 matrices x 2 x 4096 x 14336 per layer, x 32 layers.
  const Workload w = gen(card("mixtral-8x7b"), "decode:batch=1,context=512");
  double expert_flops = 0;
  int expert_gemms = 0;
  for (const Operator& op : w.ops)
    if (op.kind == OpKind::gemm && op.name.rfind("moe.e", 0) == 0) {
      expert_flops += op.flops();
      ++expert_gemms;
    }
  CHECK(expert_gemms == 32 * 2 * 2);  // up (gate+up fused) and down, 2 experts, 32 layers
  CHECK(expert_flops == 32.0 * 2 * 3 * 2 * 4096 * 14336);
  // Expert parallelism over 4 ranks: dispatch and combine all-to-alls of T x top_k x h x 2 bytes.
  const Workload ep = gen(card("mixtral-8x7b"), "decode:batch=64,context=512,dp=4,ep=4");
  int a2a = 0;
  for (const Operator& op : ep.ops)
    if (op.kind == OpKind::collective && op.collective.kind == CollectiveKind::all_to_all) {
      ++a2a;
      CHECK(op.collective.bytes == 16u * 2 * 4096 * 2);  // 64 / dp 4 = 16 tokens per rank
      CHECK(op.collective.group_size == 4);
    }
  CHECK(a2a == 2 * 32);
}

TEST_CASE("attention variants: MHA, GQA, MQA and fused traffic", "[workloads][attention]") {
  ModelCard m = card("llama-2-7b");
  m.layers = 2;
  // Multi-query: one KV head. QK^T becomes one GEMM per sequence with all 32 heads as rows.
  m.kv_heads = 1;
  Workload mqa = gen(m, "decode:batch=4,context=256,attention=unfused");
  for (const Operator& op : mqa.ops)
    if (op.name == "attn.qk") {
      CHECK(op.batch == 4);
      CHECK(op.m == 32);
      CHECK(op.k == 128);
      CHECK(op.n == 256);
    }
  // QKV projection output: (32 + 2 x 1) x 128.
  for (const Operator& op : mqa.ops)
    if (op.name == "attn.qkv") CHECK(op.n == 34 * 128);
  // Fused attention: scores and probabilities never touch memory.
  Workload fused = gen(card("llama-2-7b"), "prefill:batch=1,prompt=1024");
  Workload unfused = gen(card("llama-2-7b"), "prefill:batch=1,prompt=1024,attention=unfused");
  for (const Operator& op : fused.ops) {
    if (op.name == "attn.softmax") {
      CHECK(op.bytes_read() == 0);
      CHECK(op.bytes_written() == 0);
    }
    if (op.name == "attn.qk") CHECK(op.bytes_written() == 0);
  }
  // Unfused writes the 32 x 1024 x 1024 bf16 scores: 64 MiB per layer.
  for (const Operator& op : unfused.ops)
    if (op.name == "attn.qk" && op.layer == 0) CHECK(op.bytes_written() == 32ull * 1024 * 1024 * 2);
  CHECK(total_flops(fused) == total_flops(unfused));
}

TEST_CASE("tensor, sequence and data parallel collectives carry their byte counts", "[workloads][parallel]") {
  const ModelCard m = card("llama-2-70b");
  // TP 8, decode batch 16: per layer two all-reduces of 16 tokens x 8192 x 2 bytes.
  const Workload tp = gen(m, "decode:batch=16,context=1024,tp=8");
  int ar = 0;
  for (const Operator& op : tp.ops)
    if (op.kind == OpKind::collective && op.layer == 3) {
      CHECK(op.collective.kind == CollectiveKind::all_reduce);
      CHECK(op.collective.bytes == 16u * 8192 * 2);
      ++ar;
    }
  CHECK(ar == 2);
  // Sharded shapes: 64/8 = 8 query heads and 8/8 = 1 KV head per rank; MLP 28672/8 = 3584.
  for (const Operator& op : tp.ops) {
    if (op.name == "attn.qkv") CHECK(op.n == (8 + 2) * 128);
    if (op.name == "mlp.down") CHECK(op.k == 3584);
  }
  // The KV cache of one rank is 1/8 of the whole.
  CHECK(tp.summary.kv_cache_bytes == 2ull * 80 * 1 * 128 * 1024 * 16 * 2);

  // Sequence parallel: reduce-scatter + all-gather instead of each all-reduce.
  const Workload sp = gen(m, "training:seq_len=2048,micro_batch=1,global_batch=1,tp=8,sp=true");
  std::map<CollectiveKind, int> kinds;
  for (const Operator& op : sp.ops)
    if (op.kind == OpKind::collective && op.layer == 5 && op.phase == "forward") ++kinds[op.collective.kind];
  CHECK(kinds[CollectiveKind::all_gather] == 2);
  CHECK(kinds[CollectiveKind::reduce_scatter] == 2);
  CHECK(kinds[CollectiveKind::all_reduce] == 0);

  // Data parallel: one gradient all-reduce per layer of its bf16 gradients. Llama-2 7B layer:
  // 4 x 4096^2 + 3 x 4096 x 11008 + 2 x 4096 = 202,383,360 parameters x 2 bytes.
  const Workload dp = gen(card("llama-2-7b"), "training:seq_len=512,micro_batch=1,global_batch=4,dp=2");
  int grads = 0;
  for (const Operator& op : dp.ops)
    if (op.kind == OpKind::collective && op.collective.group == "dp" && op.layer >= 0) {
      CHECK(op.collective.kind == CollectiveKind::all_reduce);
      CHECK(op.collective.bytes == 202'383'360ull * 2);
      ++grads;
    }
  CHECK(grads == 32);
}

TEST_CASE("pipeline schedules: GPipe and 1F1B", "[workloads][pipeline]") {
  ModelCard m = card("llama-2-7b");
  m.layers = 8;
  auto order = [](const Workload& w, int stage) {
    // Sequence of F<mb>/B<mb> items on one stage, from the first operator of each pass.
    std::vector<std::string> items;
    std::string last;
    for (const Operator& op : w.ops) {
      if (op.stage != stage || op.pass < 0) continue;
      std::string item(op.phase == "forward" ? "F" : "B");
      item += std::to_string(op.pass);
      if (item != last) items.push_back(item);
      last = item;
    }
    return items;
  };
  const Workload gpipe = gen(m, "training:seq_len=256,micro_batch=1,global_batch=4,pp=4,schedule=gpipe");
  CHECK(order(gpipe, 0) == std::vector<std::string>{"F0", "F1", "F2", "F3", "B0", "B1", "B2", "B3"});
  // 1F1B on 4 stages, 4 micro-batches: stage 0 warms up with 3 forwards; the last stage alternates.
  const Workload ofob = gen(m, "training:seq_len=256,micro_batch=1,global_batch=4,pp=4,schedule=1f1b");
  CHECK(order(ofob, 0) == std::vector<std::string>{"F0", "F1", "F2", "F3", "B0", "B1", "B2", "B3"});
  CHECK(order(ofob, 3) == std::vector<std::string>{"F0", "B0", "F1", "B1", "F2", "B2", "F3", "B3"});
  CHECK(order(ofob, 2) == std::vector<std::string>{"F0", "F1", "B0", "F2", "B1", "F3", "B2", "B3"});
  // Activation sends: 3 stage boundaries x 4 micro-batches forward and backward.
  int sends = 0;
  for (const Operator& op : ofob.ops)
    if (op.kind == OpKind::collective && op.collective.kind == CollectiveKind::send_recv) ++sends;
  CHECK(sends == 2 * 3 * 4);
  // Activations in flight on a stage: GPipe all m micro-batches, 1F1B at most (stages - stage).
  // So GPipe's footprint doubles from 4 to 8 micro-batches and 1F1B's stays (4 >= 4 - stage).
  const auto g4 = gpipe.summary.activation_bytes;
  const auto o4 = ofob.summary.activation_bytes;
  const Workload g8 = gen(m, "training:seq_len=256,micro_batch=1,global_batch=8,pp=4,schedule=gpipe");
  const Workload o8 = gen(m, "training:seq_len=256,micro_batch=1,global_batch=8,pp=4,schedule=1f1b");
  CHECK(g8.summary.activation_bytes == 2 * g4);
  CHECK(o8.summary.activation_bytes == o4);
  CHECK(o4 <= g4);
}

TEST_CASE("interleaved 1F1B: Megatron's order of model chunks, and its activations in flight", "[workloads][pipeline]") {
  // 8 layers on p = 2 stages with v = 2 chunks each: virtual stage c x p + s holds 2 layers, so
  // stage 0 runs layers 0-1 (chunk 0) and 4-5 (chunk 1).
  ModelCard m = card("llama-2-7b");
  m.layers = 8;
  const auto order = [](const Workload& w, int stage) {
    std::vector<std::string> items;
    std::string last;
    for (const Operator& op : w.ops) {
      if (op.stage != stage || op.pass < 0 || op.layer < 0) continue;
      const std::string item = fmt::format("{}{}c{}", op.phase == "forward" ? "F" : "B", op.pass, op.layer / 4);
      if (item != last) items.push_back(item);
      last = item;
    }
    return items;
  };
  // Narayanan et al. SC'21 figure 4 / Megatron-LM's schedule, derived by hand for p = 2, v = 2,
  // m = 4: stage 0 warms up with (p - 1) x 2 + (v - 1) x p = 4 chunk-forwards, stage 1 with 2;
  // forward item k is chunk (k mod 4) / 2 of micro-batch (k / 4) x 2 + k mod 2, backward item k
  // the chunk counted from the last.
  const Workload w = gen(m, "training:seq_len=256,micro_batch=1,global_batch=4,pp=2,virtual_stages=2");
  CHECK(order(w, 0) == std::vector<std::string>{"F0c0", "F1c0", "F0c1", "F1c1", "F2c0", "B0c1", "F3c0", "B1c1",
                                                "F2c1", "B0c0", "F3c1", "B1c0", "B2c1", "B3c1", "B2c0", "B3c0"});
  CHECK(order(w, 1) == std::vector<std::string>{"F0c0", "F1c0", "F0c1", "B0c1", "F1c1", "B1c1", "F2c0", "B0c0",
                                                "F3c0", "B1c0", "F2c1", "B2c1", "F3c1", "B3c1", "B2c0", "B3c0"});
  // Every stage-crossing of a micro-batch is a send: 3 virtual-stage boundaries x 4 micro-batches,
  // forward and backward (the wrap from stage 1's chunk 0 to stage 0's chunk 1 included).
  int sends = 0;
  for (const Operator& op : w.ops)
    if (op.kind == OpKind::collective && op.collective.kind == CollectiveKind::send_recv) ++sends;
  CHECK(sends == 2 * 3 * 4);
  // Activations: stage 0 keeps up to warm-up + 1 chunks, each 1/v of its layers. On p = 4, v = 2
  // that is 2 x 3 + 4 + 1 = 11 half-stages against 1F1B's 4 whole ones: p (1 + (p - 1)/(p v)) = 5.5
  // micro-batches' worth (Narayanan et al. section 2.2.1).
  const Workload plain = gen(m, "training:seq_len=256,micro_batch=1,global_batch=8,pp=4");
  const Workload inter = gen(m, "training:seq_len=256,micro_batch=1,global_batch=8,pp=4,virtual_stages=2");
  CHECK(double(inter.summary.activation_bytes) / double(plain.summary.activation_bytes) == Approx(5.5 / 4));
  // What interleaving cannot take: one stage, GPipe, micro-batches not a multiple of pp, more
  // chunks than layers.
  for (const char* bad : {"training:seq_len=256,micro_batch=1,global_batch=4,virtual_stages=2",
                          "training:seq_len=256,micro_batch=1,global_batch=4,pp=2,schedule=gpipe,virtual_stages=2",
                          "training:seq_len=256,micro_batch=1,global_batch=3,pp=2,virtual_stages=2",
                          "training:seq_len=256,micro_batch=1,global_batch=8,pp=4,virtual_stages=4"})
    CHECK_THROWS_AS(gen(m, bad), Error);
}

TEST_CASE("selective recomputation drops the attention core's s^2 tensors, rebuilt in the backward", "[workloads][memory]") {
  // Korthikanti et al. 2022 (arXiv 2205.05198) section 4.2: selective recomputation keeps a layer's
  // activations but the attention core's, 5 a s^2 b bytes with dropout; without dropout the scores
  // QK^T and the softmax probabilities, 2 x 2 a s^2 b bytes in bf16. One layer's core is rebuilt at
  // a time. Llama-2-7B, s = 1024, b = 1, a = 32, unfused attention, one micro-batch in flight.
  const ModelCard m = card("llama-2-7b");
  const double a = 32, s = 1024, b = 1, L = 32;
  const auto run = [&](const std::string& extra) {
    return gen(m, "training:seq_len=1024,micro_batch=1,global_batch=1,attention=unfused" + extra);
  };
  const Workload none = run(""), selective = run(",recompute=selective");
  const double core = 2 * 2 * a * s * s * b;
  CHECK(double(none.summary.activation_bytes) - double(selective.summary.activation_bytes) == (L - 1) * core);
  // The backward rebuilds QK^T and the softmax of every layer: two recompute operators per layer.
  int rebuilt = 0;
  for (const Operator& op : selective.ops) rebuilt += op.phase == "recompute";
  CHECK(rebuilt == 2 * 32);
  CHECK(selective.ops.size() == none.ops.size() + 2 * 32);
  // Flash-style attention keeps no scores: selective changes nothing there.
  const Workload fused = gen(m, "training:seq_len=1024,micro_batch=1,global_batch=1,recompute=selective");
  const Workload fused_none = gen(m, "training:seq_len=1024,micro_batch=1,global_batch=1");
  CHECK(fused.summary.activation_bytes == fused_none.summary.activation_bytes);
  CHECK(fused.ops.size() == fused_none.ops.size());
  CHECK_THROWS_AS(gen(m, "training:seq_len=1024,micro_batch=1,global_batch=1,recompute=some"), Error);
}

TEST_CASE("data-parallel gradients reduce in buckets, overlapped or after the backward", "[workloads][dp]") {
  // Llama-2-7B on dp = 8, bf16 gradients, in backward order: the head (32000 x 4096 + a 4096 norm
  // = 131,076,096 parameters, 262,152,192 B), 32 layers of 202,383,360 parameters (404,766,720 B),
  // the embedding (131,072,000 parameters, 262,144,000 B); 6,738,415,616 parameters in all.
  const ModelCard m = card("llama-2-7b");
  const auto trace = [&](const std::string& extra) {
    return gen(m, "training:seq_len=1024,micro_batch=1,global_batch=8,dp=8" + extra);
  };
  // The data-parallel gradient all-reduces of a trace, in order (indices into its operators).
  const auto reductions = [](const Workload& w) {
    std::vector<std::size_t> out;
    for (std::size_t i = 0; i < w.ops.size(); ++i)
      if (w.ops[i].kind == OpKind::collective && w.ops[i].collective.group == "dp" &&
          w.ops[i].collective.kind == CollectiveKind::all_reduce)
        out.push_back(i);
    return out;
  };
  const auto total_bytes = [](const Workload& w, const std::vector<std::size_t>& ops) {
    double b = 0;
    for (std::size_t i : ops) b += double(w.ops[i].collective.bytes);
    return b;
  };
  const double all = 2.0 * 6'738'415'616;
  // Default: one reduction per layer, plus the embedding and the head.
  const Workload plain = trace("");
  CHECK(reductions(plain).size() == 34);
  CHECK(total_bytes(plain, reductions(plain)) == all);
  // 1000 MiB = 1,048,576,000 B buckets: head + L31 + L30 = 1,071,685,632 B fills the first; the
  // other 30 layers fill 10 buckets of 3 (2 layers, 809,533,440 B, do not); the embedding is left
  // and goes at the end: 12 reductions, the same bytes.
  const Workload bucketed_w = trace(",dp_bucket_mib=1000");
  const auto bucketed = reductions(bucketed_w);
  REQUIRE(bucketed.size() == 12);
  CHECK(double(bucketed_w.ops[bucketed.front()].collective.bytes) == 262'152'192.0 + 2 * 404'766'720.0);
  CHECK(double(bucketed_w.ops[bucketed.back()].collective.bytes) == 262'144'000.0);
  CHECK(total_bytes(bucketed_w, bucketed) == all);
  // Without overlap: one reduction of everything, after the last backward operator.
  const Workload serial_w = trace(",dp_overlap=false");
  const auto serial = reductions(serial_w);
  REQUIRE(serial.size() == 1);
  CHECK(total_bytes(serial_w, serial) == all);
  std::size_t last_backward = 0;
  for (std::size_t i = 0; i < serial_w.ops.size(); ++i)
    if (serial_w.ops[i].phase == "backward" && serial_w.ops[i].kind != OpKind::collective) last_backward = i;
  CHECK(serial.front() > last_backward);
  const auto& deps = serial_w.ops[serial.front()].deps;
  CHECK(std::find(deps.begin(), deps.end(), serial_w.ops[last_backward].id) != deps.end());
}

TEST_CASE("encoders and other families generate", "[workloads][families]") {
  // BERT-large forward of 8 x 512 tokens: FLOPs of the matrix products per token
  // 2 x (24 x 12 x 1024^2) + attention 4 x 24 x 512 x 1024, plus the pooler on 8 tokens.
  const Workload bert = gen(card("bert-large"), "prefill:batch=8,prompt=512");
  const double T = 8 * 512;
  const double want = T * (2 * 24 * 12 * 1024.0 * 1024 + 4 * 24 * 512 * 1024.0) + 8 * 2 * 1024.0 * 1024;
  CHECK(rel_err(gemm_flops(bert), want) < 1e-9);
  CHECK(bert.summary.kv_cache_bytes == 0);
  CHECK_THROWS_WITH(gen(card("bert-large"), "decode:batch=1,context=10"), Catch::Contains("encoder"));
  // GPT-NeoX (parallel residual, partial rotary) and GPT-2 (learned positions, tied) read from HF.
  CHECK_NOTHROW(gen(hf("pythia-160m"), "training:seq_len=512,micro_batch=2,global_batch=4"));
  CHECK_NOTHROW(gen(hf("gpt2"), "generate:batch=2,prompt=100,output=4"));
  CHECK_THROWS_WITH(gen(hf("gpt2"), "prefill:batch=1,prompt=2048"), Catch::Contains("1024 learned positions"));
}

TEST_CASE("generating a 70B 80-layer training trace is fast", "[workloads][perf]") {
  const ModelCard m = card("llama-2-70b");
  const auto t0 = std::chrono::steady_clock::now();
  const Workload w = gen(m, "training:seq_len=4096,micro_batch=1,global_batch=16");
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  WARN("70B training trace: " << w.ops.size() << " operators in " << seconds << " s");
#ifdef NDEBUG
  CHECK(seconds < 1.0);
#endif
  // Closed form for this GQA/SwiGLU model (no recomputation, flash attention): 3 x forward matrix
  // FLOPs + one QK^T recompute. Forward per token: 2 x (non-embedding parameters) + attention
  // 4 s (heads x head_dim) per layer; the LM head is a parameter matrix.
  const double s = 4096, B = 16, l = 80, d = 64 * 128;
  const double P = 68'976'648'192.0 - 32000.0 * 8192;  // minus the input embedding (a lookup)
  const double fwd = B * s * (2 * P + 4 * l * s * d);
  CHECK(rel_err(gemm_flops(w), 3 * fwd + 2 * B * s * s * d * l) < 0.001);
}
