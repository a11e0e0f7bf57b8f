// Multi-head latent attention and fine-grained mixtures of experts (DeepSeek-V3, Qwen2-MoE):
// parameter counts against the published totals, the compressed KV cache, and the traces. Every
// expected value is derived in a comment from the config or the cited source, never from the program.
#include <cmath>
#include <fstream>
#include <map>
#include <string>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "workloads/model_card.h"
#include "workloads/scenario.h"
#include "workloads/trace_generator.h"

using namespace tessera;
using nlohmann::json;

namespace {

const std::string kRoot = TESSERA_TEST_DATA_DIR;

ModelCard deepseek_hf() { return load_model_card(kRoot + "/configs/models/hf/deepseek-v3.config.json"); }
ModelCard deepseek_yaml() { return load_model_card(kRoot + "/configs/models/deepseek-v3.yaml"); }

Workload gen(const ModelCard& c, const std::string& spec) { return generate_trace(c, parse_scenario_spec(spec)); }

double rel_err(double got, double want) { return std::abs(got - want) / want; }

// Qwen/Qwen1.5-MoE-A2.7B's config.json (the architecture fields; Qwen2MoeForCausalLM).
json qwen_moe_config() {
  return json::parse(R"({
    "architectures": ["Qwen2MoeForCausalLM"], "model_type": "qwen2_moe", "hidden_act": "silu",
    "hidden_size": 2048, "intermediate_size": 5632, "num_hidden_layers": 24, "num_attention_heads": 16,
    "num_key_value_heads": 16, "vocab_size": 151936, "max_position_embeddings": 8192, "rms_norm_eps": 1e-06,
    "rope_theta": 1000000.0, "tie_word_embeddings": false, "torch_dtype": "bfloat16", "use_cache": true,
    "use_sliding_window": false, "sliding_window": 32768, "max_window_layers": 21, "decoder_sparse_step": 1,
    "num_experts": 60, "num_experts_per_tok": 4, "moe_intermediate_size": 1408,
    "shared_expert_intermediate_size": 5632, "norm_topk_prob": false, "output_router_logits": false,
    "router_aux_loss_coef": 0.001})");
}

}  // namespace

TEST_CASE("DeepSeek-V3 loads from its HF config and its YAML card", "[workloads][mla][hf]") {
  const ModelCard a = deepseek_hf(), b = deepseek_yaml();
  for (const ModelCard* c : {&a, &b}) {
    CHECK(c->is_mla());
    CHECK(c->layers == 61);
    CHECK(c->heads == 128);
    CHECK(c->head_dim == 128 + 64);  // qk_nope_head_dim + qk_rope_head_dim
    CHECK(c->q_lora_rank == 1536);
    CHECK(c->kv_lora_rank == 512);
    CHECK(c->v_head_dim == 128);
    CHECK(c->experts == 256);
    CHECK(c->experts_per_token == 8);
    CHECK(c->expert_width() == 2048);
    CHECK(c->ffn == 18432);
    CHECK(c->shared_experts == 1);
    CHECK(c->dense_layers == 3);
    CHECK(c->moe_layers() == 58);
    CHECK(c->router_bias);
    CHECK_THAT(c->notes, Catch::Contains("multi-token-prediction"));
  }
  CHECK(count_parameters(a).total == count_parameters(b).total);
  CHECK(count_parameters(a).active == count_parameters(b).active);
}

TEST_CASE("DeepSeek-V3 parameter counts", "[workloads][mla][params]") {
  // From the config (h = 7168, 128 heads, q_lora 1536, kv_lora 512, nope 128, rope 64, v 128):
  // attention per layer: q_a 7168*1536 = 11,010,048 + q norm 1,536 + q_b 1536*128*192 = 37,748,736;
  //   kv_a 7168*(512+64) = 4,128,768 + kv norm 512 + kv_b 512*128*(128+128) = 16,777,216;
  //   o 128*128*7168 = 117,440,512; sum 187,107,328. Two RMSNorms 2*7168 = 14,336.
  // Dense layer (x3): MLP 3*7168*18432 = 396,361,728; layer 583,483,392; x3 = 1,750,450,176.
  // MoE layer (x58): expert 3*7168*2048 = 44,040,192; 256 routed + 1 shared = 11,318,329,344;
  //   router 256*7168 + 256 correction biases = 1,835,264; layer 11,507,286,272; x58 = 667,422,603,776.
  // Embedding and untied LM head 2*129280*7168 = 1,853,358,080; final norm 7,168.
  // Total 671,026,419,200: the report's 671B (arXiv 2412.19437, abstract; the 14B MTP module excluded).
  const ParameterCount p = count_parameters(deepseek_hf());
  CHECK(p.attention == 187'107'328);
  CHECK(p.total == 671'026'419'200);
  CHECK(rel_err(static_cast<double>(p.total), 671e9) < 0.005);
  // Active: each MoE layer drops 256 - 8 = 248 routed experts: 58 * 248 * 44,040,192 = 633,474,121,728,
  // leaving 37,552,297,472. The report's "37B activated" is rounded to a whole billion and does not
  // say whether the 0.93B input-embedding table (a lookup) counts: with it 37.55B (+1.5%), without it
  // 36.63B (-1.0%). Hence a 2% tolerance, looser than Mixtral's 0.5% against a 12.9B figure.
  CHECK(p.active == 37'552'297'472);
  CHECK(rel_err(static_cast<double>(p.active), 37e9) < 0.02);
  CHECK(rel_err(static_cast<double>(p.active - 129280ull * 7168), 37e9) < 0.02);
}

TEST_CASE("MLA caches the compressed latent: KV bytes per token", "[workloads][mla][memory]") {
  const ModelCard m = deepseek_hf();
  // 61 layers x (kv_lora_rank 512 + qk_rope_head_dim 64) x 2 bytes (bf16) = 70,272 bytes, not
  // 2 x kv_heads x head_dim per layer. The latent is whole on every tensor-parallel rank.
  CHECK(kv_bytes_per_token(m, parse_scenario_spec("decode:context=16")) == 70'272);
  CHECK(kv_bytes_per_token(m, parse_scenario_spec("decode:context=16,tp=8")) == 70'272);
  CHECK(kv_bytes_per_token(m, parse_scenario_spec("decode:context=16,kv_dtype=fp8")) == 35'136);  // 61 x 576 x 1
  // The footprint: batch 4 at context 4096, bf16: 61 x 576 x 4096 x 4 x 2.
  const Workload w = gen(m, "decode:batch=4,context=4096");
  CHECK(w.summary.kv_cache_bytes == 61ull * 576 * 4096 * 4 * 2);
}

TEST_CASE("DeepSeek-V3 prefill and decode traces generate and validate", "[workloads][mla][trace]") {
  const ModelCard m = deepseek_hf();
  for (const std::string spec : {"prefill:batch=1,prompt=512", "decode:batch=8,context=4096",
                                 "generate:batch=2,prompt=64,output=2",
                                 "decode:batch=64,context=1024,tp=8,dp=8,ep=8"}) {
    INFO(spec);
    Workload w = gen(m, spec);
    CHECK_NOTHROW(validate_workload(w, spec));
    CHECK(w.summary.parameters == 671'026'419'200);
    CHECK_THAT(w.source, Catch::Contains("multi-token-prediction"));
  }
  // Shapes of one decode step, batch 8 at context 4096, in layer 5 (a MoE layer). Projections
  // over the 8 tokens: q_down [8 x 7168] x [7168 x 1536], q_up x [1536 x 128*192], kv_down
  // x [7168 x 576]. Absorbed attention: attn.absorb per head [8 x 128] x [128 x 512]; attn.qk per
  // sequence [128 heads x 576] x [576 x 4096 cached latents]; attn.pv (transposed) per sequence
  // [512 x 4096] x [4096 x 128]; attn.v_up per head [8 x 512] x [512 x 128]; out [8 x 16384] x [16384 x 7168].
  const Workload w = gen(m, "decode:batch=8,context=4096");
  std::map<std::string, const Operator*> ops;
  for (const Operator& op : w.ops)
    if (op.layer == 5) ops[op.name] = &op;
  auto shape = [&](const std::string& name) {
    REQUIRE(ops.count(name));
    const Operator& o = *ops[name];
    return std::vector<std::uint64_t>{o.batch, o.m, o.n, o.k};
  };
  using V = std::vector<std::uint64_t>;
  CHECK(shape("attn.q_down") == V{1, 8, 1536, 7168});
  CHECK(shape("attn.q_up") == V{1, 8, 128 * 192, 1536});
  CHECK(shape("attn.kv_down") == V{1, 8, 576, 7168});
  CHECK(shape("attn.absorb") == V{128, 8, 512, 128});
  CHECK(shape("attn.qk") == V{8, 128, 4096, 576});
  CHECK(shape("attn.pv") == V{8, 512, 128, 4096});
  CHECK(shape("attn.v_up") == V{128, 8, 128, 512});
  CHECK(shape("attn.out") == V{1, 8, 7168, 16384});
  CHECK(ops.count("attn.qkv") == 0);
  CHECK(ops.count("attn.kv_up") == 0);  // decode never expands the cache
  // Shared expert: every token, 2 x 2048 wide (SwiGLU gate and up). Layer 1 is dense: 2 x 18432.
  CHECK(shape("moe.shared.up") == V{1, 8, 2 * 2048, 7168});
  for (const Operator& op : w.ops)
    if (op.layer == 1 && op.name == "mlp.up") CHECK(op.n == 2 * 18432);
  // Prefill expands keys and values per head: kv_up [512 tokens x 512] x [512 x 128*(128+128)],
  // then multi-head attention with 192-wide keys and 128-wide values.
  const Workload pre = gen(m, "prefill:batch=1,prompt=512");
  for (const Operator& op : pre.ops) {
    if (op.layer != 5) continue;
    if (op.name == "attn.kv_up") CHECK((V{op.batch, op.m, op.n, op.k} == V{1, 512, 32768, 512}));
    if (op.name == "attn.qk") CHECK((V{op.batch, op.m, op.n, op.k} == V{128, 512, 512, 192}));
    if (op.name == "attn.pv") CHECK((V{op.batch, op.m, op.n, op.k} == V{128, 512, 128, 512}));
  }
}

TEST_CASE("an MLA decode step reads the latent cache once", "[workloads][mla][memory]") {
  const ModelCard m = deepseek_hf();
  // Batch 4 at context 2048 with an fp8 cache: 61 layers x 576 x 2048 keys x 4 sequences x 1 byte
  // = 287,834,112 bytes, all read by attn.qk (operand B); attn.pv takes the latent from on chip.
  const Workload w = gen(m, "decode:batch=4,context=2048,kv_dtype=fp8");
  const Bytes cache = 61ull * 576 * 2048 * 4 * 1;
  CHECK(w.summary.kv_cache_bytes == cache);
  Bytes qk_reads = 0, cache_reads = 0;
  for (const Operator& op : w.ops) {
    if (op.kind != OpKind::gemm || op.b_is_weight) continue;
    const Bytes b = op.batch * op.k * op.n * bytes_per_element(op.b_type());
    if (op.b_type() == DataType::fp8) cache_reads += b;
    if (op.name == "attn.qk") qk_reads += b;
    if (op.name == "attn.pv") {
      // Reads only its operand B, the bf16 probabilities: 4 x 2048 x 128 x 2 bytes.
      CHECK(op.fused_input);
      CHECK(op.bytes_read() == 4ull * 2048 * 128 * 2);
    }
  }
  CHECK(qk_reads == cache);
  CHECK(cache_reads == cache);
}

TEST_CASE("MLA decode FLOPs per token are 2 x active parameters + latent attention", "[workloads][mla][flops]") {
  // Per token every active weight is used once in a matrix product (W_UK by attn.absorb, W_UV by
  // attn.v_up), except the input-embedding lookup and the norms (38,912 per MoE layer, a 1e-6
  // share). Absorbed attention over c keys: attn.qk 2 x 128 x c x 576 and attn.pv 2 x 128 x c x 512
  // per layer, 61 layers.
  const ModelCard m = deepseek_hf();
  const Workload w = gen(m, "decode:batch=1,context=2048");
  double flops = 0;
  for (const Operator& op : w.ops) flops += op.flops();
  const double active = static_cast<double>(count_parameters(m).active) - 129280.0 * 7168;
  const double attention = 2.0 * 61 * 128 * 2048 * (576 + 512);
  CHECK(rel_err(flops, 2 * active + attention) < 0.002);
}

TEST_CASE("Qwen2-MoE: routed and shared experts from the HF config", "[workloads][moe][hf]") {
  const ModelCard q = model_card_from_hf_config(qwen_moe_config(), "qwen1.5-moe-a2.7b.config.json");
  CHECK(q.experts == 60);
  CHECK(q.expert_width() == 1408);
  CHECK(q.shared_experts == 1);
  CHECK(q.shared_width() == 5632);
  CHECK(q.shared_expert_gate);
  CHECK(q.qkv_bias);
  // Per layer: q, k, v with biases 3 x (2048^2 + 2048) and o 2048^2 = 16,783,360; 60 experts
  // 60 x 3 x 2048 x 1408 = 519,045,120; shared expert 3 x 2048 x 5632 = 34,603,008 and its gate
  // 2048; router 60 x 2048 = 122,880; norms 4096: 570,560,512, x24 = 13,693,452,288. Embedding and
  // LM head 2 x 151936 x 2048 = 622,329,856; final norm 2048. Total 14,315,784,192 (published 14.3B).
  const ParameterCount p = count_parameters(q);
  CHECK(p.total == 14'315'784'192);
  CHECK(rel_err(static_cast<double>(p.total), 14.3e9) < 0.005);
  // Active: 56 of 60 experts idle, 24 x 56 x 8,650,752 fewer: 2,689,173,504 (published 2.7B).
  CHECK(p.active == 2'689'173'504);
  CHECK(rel_err(static_cast<double>(p.active), 2.7e9) < 0.005);
  // Decode of 4 sequences: the shared expert and its gate see all 4 tokens; ordinary GQA cache.
  const Workload w = gen(q, "decode:batch=4,context=512");
  int shared = 0, gates = 0;
  for (const Operator& op : w.ops) {
    if (op.name == "moe.shared.up") {
      CHECK(op.m == 4);
      CHECK(op.n == 2 * 5632);
      ++shared;
    }
    if (op.name == "moe.shared.gate") {
      CHECK(op.n == 1);
      ++gates;
    }
  }
  CHECK(shared == 24);
  CHECK(gates == 24);
  CHECK(w.summary.kv_cache_bytes == 2ull * 24 * 16 * 128 * 512 * 4 * 2);
}

TEST_CASE("MLA and fine-grained MoE errors name the field", "[workloads][mla][errors]") {
  std::ifstream in(kRoot + "/configs/models/hf/deepseek-v3.config.json");
  const json base = json::parse(in);
  json cfg = base;
  cfg["moe_layer_freq"] = 2;
  CHECK_THROWS_WITH(model_card_from_hf_config(cfg, "x.json"), Catch::Contains("moe_layer_freq"));
  cfg = base;
  cfg["quantization_config"]["quant_method"] = "awq";
  CHECK_THROWS_WITH(model_card_from_hf_config(cfg, "x.json"), Catch::Contains("quantization_config"));
  cfg = base;
  cfg["num_key_value_heads"] = 8;
  CHECK_THROWS_WITH(model_card_from_hf_config(cfg, "x.json"), Catch::Contains("num_key_value_heads"));
  cfg = base;
  cfg["use_mla_magic"] = true;
  CHECK_THROWS_WITH(model_card_from_hf_config(cfg, "x.json"),
                    Catch::Contains("use_mla_magic") && Catch::Contains("DeepseekV3ForCausalLM"));
  json qc = qwen_moe_config();
  qc["mlp_only_layers"] = {0, 1};
  CHECK_THROWS_WITH(model_card_from_hf_config(qc, "x.json"), Catch::Contains("mlp_only_layers"));
  // Latent-attention widths without a latent, and a head_dim that is not nope + rope.
  ModelCard m = deepseek_hf();
  m.kv_lora_rank = 0;
  CHECK_THROWS_WITH(validate_model_card(m), Catch::Contains("kv_lora_rank"));
  m = deepseek_hf();
  m.head_dim = 128;
  CHECK_THROWS_WITH(validate_model_card(m), Catch::Contains("head_dim"));
}
