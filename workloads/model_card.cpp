#include "workloads/model_card.h"

#include <algorithm>
#include <filesystem>

#include <fmt/core.h>
#include <fmt/format.h>

#include "base/types.h"
#include "base/config/field_reader.h"

namespace tessera {

using nlohmann::json;
using input::FieldReader;

std::string_view to_string(MlpKind k) { return k == MlpKind::swiglu ? "swiglu" : "gelu"; }
std::string_view to_string(NormKind k) { return k == NormKind::rmsnorm ? "rmsnorm" : "layernorm"; }
std::string_view to_string(PositionKind k) { return k == PositionKind::rope ? "rope" : "learned"; }
std::string_view to_string(ModelFamily f) { return f == ModelFamily::decoder ? "decoder" : "encoder"; }
std::string_view to_string(HeadKind k) {
  switch (k) {
    case HeadKind::lm: return "lm";
    case HeadKind::mlm: return "mlm";
    case HeadKind::pooler: return "pooler";
    case HeadKind::none: return "none";
  }
  return "?";
}

namespace {

// One MLP of `width` (a dense MLP or one expert).
std::uint64_t mlp_parameters(const ModelCard& c, std::uint64_t width) {
  const std::uint64_t h = c.hidden;
  return c.mlp == MlpKind::swiglu ? 3 * h * width + (c.mlp_bias ? 2 * width + h : 0)
                                  : 2 * h * width + (c.mlp_bias ? width + h : 0);
}

}  // namespace

std::uint64_t attention_parameters(const ModelCard& c, std::uint64_t heads, std::uint64_t kv_heads) {
  const std::uint64_t h = c.hidden;
  if (c.is_mla()) {
    // q: hidden -> q_lora_rank (+ its RMSNorm) -> heads x (nope + rope), or hidden -> heads x (nope + rope);
    // kv: hidden -> kv_lora_rank + one shared RoPE key (+ the latent's RMSNorm) -> heads x (nope + v);
    // output: heads x v -> hidden.
    const std::uint64_t qk = c.qk_nope_head_dim + c.qk_rope_head_dim;
    const std::uint64_t q = c.q_lora_rank ? h * c.q_lora_rank + c.q_lora_rank + c.q_lora_rank * heads * qk
                                          : h * heads * qk;
    const std::uint64_t kv = h * (c.kv_lora_rank + c.qk_rope_head_dim) + c.kv_lora_rank +
                             c.kv_lora_rank * heads * (c.qk_nope_head_dim + c.v_head_dim);
    return q + kv + heads * c.v_head_dim * h + (c.out_bias ? h : 0);
  }
  const std::uint64_t q = heads * c.head_dim, kv = kv_heads * c.head_dim;
  return h * q + 2 * h * kv + q * h + (c.qkv_bias ? q + 2 * kv : 0) + (c.out_bias ? h : 0);
}

ParameterCount count_parameters(const ModelCard& c) {
  ParameterCount p;
  const std::uint64_t h = c.hidden;
  const std::uint64_t norm = c.norm == NormKind::rmsnorm ? h : 2 * h;  // scale (+ shift)
  p.attention = attention_parameters(c, c.heads, c.kv_heads);
  p.expert = mlp_parameters(c, c.expert_width());
  p.mlp = c.is_moe() ? c.experts * p.expert : p.expert;
  p.router = c.is_moe() ? h * c.experts + (c.router_bias ? c.experts : 0) : 0;
  p.shared = c.shared_experts * mlp_parameters(c, c.shared_width()) + (c.shared_expert_gate ? h : 0);
  p.dense_mlp = c.is_moe() && c.dense_layers ? mlp_parameters(c, c.ffn) : 0;
  p.norms = 2 * norm;
  // Pre-norm decoders end with a norm; post-norm encoders normalise the embeddings instead.
  p.final_norm = c.family == ModelFamily::decoder ? norm : 0;
  p.embedding = c.vocab * h + (c.position == PositionKind::learned ? c.max_positions * h : 0) +
                c.type_vocab * h + (c.family == ModelFamily::encoder ? norm : 0);
  const std::uint64_t out_matrix = c.tied_embeddings ? 0 : c.vocab * h;
  switch (c.head) {
    case HeadKind::lm: p.head = out_matrix; break;
    case HeadKind::mlm: p.head = h * h + h + norm + c.vocab + out_matrix; break;  // transform + LN + bias
    case HeadKind::pooler: p.head = h * h + h; break;
    case HeadKind::none: p.head = 0; break;
  }
  const std::uint64_t moe_layers = c.moe_layers(), dense_layers = c.layers - moe_layers;
  p.total = p.embedding + c.layers * (p.attention + p.norms) +
            moe_layers * (p.mlp + p.router + p.shared) + dense_layers * (c.is_moe() ? p.dense_mlp : p.mlp) +
            p.final_norm + p.head;
  p.active = p.total;
  if (c.is_moe()) p.active -= moe_layers * (c.experts - c.experts_per_token) * p.expert;
  return p;
}

void validate_model_card(const ModelCard& c) {
  auto bad = [&](const std::string& what) {
    throw Error(fmt::format("{}: model '{}': {}", c.source, c.name, what));
  };
  if (c.layers == 0 || c.hidden == 0 || c.heads == 0 || c.ffn == 0 || c.vocab == 0 || c.head_dim == 0)
    bad("layers, hidden, heads, head_dim, ffn and vocab must all be >= 1");
  if (c.kv_heads == 0 || c.heads % c.kv_heads != 0)
    bad(fmt::format("kv_heads ({}) must divide heads ({})", c.kv_heads, c.heads));
  if (c.is_moe() && (c.experts_per_token == 0 || c.experts_per_token > c.experts))
    bad(fmt::format("experts_per_token ({}) must be between 1 and experts ({})", c.experts_per_token,
                    c.experts));
  if (!c.is_moe() && c.experts_per_token != 0) bad("experts_per_token given without experts");
  if (!(c.rotary_fraction > 0 && c.rotary_fraction <= 1)) bad("rotary_fraction must be in (0, 1]");
  if (c.max_positions == 0) bad("max_positions must be >= 1");
  if (c.family == ModelFamily::encoder && c.head == HeadKind::lm)
    bad("an encoder has no causal LM head (use mlm, pooler or none)");
  if (c.family == ModelFamily::decoder && (c.head == HeadKind::mlm || c.head == HeadKind::pooler))
    bad("mlm and pooler heads belong to encoders");
  if (!c.is_moe() && (c.expert_ffn || c.shared_experts || c.shared_expert_ffn || c.shared_expert_gate ||
                      c.router_bias || c.dense_layers))
    bad("expert_ffn, shared experts, router_bias and dense_layers need experts");
  if (c.dense_layers >= c.layers)
    bad(fmt::format("dense_layers ({}) must be fewer than layers ({})", c.dense_layers, c.layers));
  if ((c.shared_expert_ffn || c.shared_expert_gate) && c.shared_experts == 0)
    bad("shared_expert_ffn and shared_expert_gate need shared_experts >= 1");
  const bool mla_field = c.q_lora_rank || c.qk_nope_head_dim || c.qk_rope_head_dim || c.v_head_dim;
  if (mla_field && !c.is_mla())
    bad("q_lora_rank, qk_nope_head_dim, qk_rope_head_dim and v_head_dim need kv_lora_rank (latent attention)");
  if (c.is_mla()) {
    if (c.qk_nope_head_dim == 0 || c.qk_rope_head_dim == 0 || c.v_head_dim == 0)
      bad("latent attention needs qk_nope_head_dim, qk_rope_head_dim and v_head_dim >= 1");
    if (c.head_dim != c.qk_nope_head_dim + c.qk_rope_head_dim)
      bad(fmt::format("latent attention: head_dim ({}) must be qk_nope_head_dim + qk_rope_head_dim ({})", c.head_dim,
                      c.qk_nope_head_dim + c.qk_rope_head_dim));
    if (c.kv_heads != c.heads)
      bad(fmt::format("latent attention: kv_heads ({}) must equal heads ({}): every head expands its own keys",
                      c.kv_heads, c.heads));
    if (c.family != ModelFamily::decoder || c.position != PositionKind::rope || c.qkv_bias || c.sliding_window ||
        c.parallel_residual)
      bad("latent attention is modelled for pre-norm RoPE decoders without q/k/v biases, sliding windows or "
          "parallel residuals");
  }
}

// ---------------------------------------------------------------------------------------------
// Hugging Face config.json

namespace {

// Keys that change nothing Tessera models (numerics, dropout, token ids, bookkeeping).
constexpr std::string_view kHfNoCostKeys[] = {
    "_name_or_path", "bos_token_id", "eos_token_id", "pad_token_id", "sep_token_id",
    "initializer_range", "torch_dtype", "transformers_version", "use_cache", "attention_dropout",
    "hidden_dropout", "hidden_dropout_prob", "attention_probs_dropout_prob", "classifier_dropout",
    "rms_norm_eps", "layer_norm_eps", "layer_norm_epsilon", "rope_theta", "rope_scaling",
    "rotary_emb_base", "pretraining_tp", "output_router_logits", "router_aux_loss_coef",
    "router_jitter_noise", "gradient_checkpointing", "tokenizer_class", "output_past",
    "attn_pdrop", "embd_pdrop", "resid_pdrop", "summary_activation", "summary_first_dropout",
    "summary_proj_to_labels", "summary_type", "summary_use_proj", "task_specific_params",
    "scale_attn_weights", "scale_attn_by_inverse_layer_idx", "reorder_and_upcast_attn", "use_mrope",
    "id2label", "label2id", "problem_type", "return_dict", "tie_encoder_decoder"};

const std::vector<std::string> kSupportedArchitectures = {
    "LlamaForCausalLM", "MistralForCausalLM",    "MixtralForCausalLM",    "Qwen2ForCausalLM",
    "Qwen2MoeForCausalLM", "DeepseekV2ForCausalLM", "DeepseekV3ForCausalLM", "GPT2LMHeadModel",
    "GPTNeoXForCausalLM", "BertModel",             "BertForMaskedLM"};

void add_note(ModelCard& c, const std::string& note) { c.notes += (c.notes.empty() ? "" : "; ") + note; }

MlpKind gelu_activation(FieldReader& r, std::string_view key) {
  const std::string act = r.string(key);
  static const std::string_view kGelus[] = {"gelu", "gelu_new", "gelu_fast", "gelu_pytorch_tanh",
                                            "gelu_python"};
  if (std::find(std::begin(kGelus), std::end(kGelus), act) == std::end(kGelus))
    r.fail(key, fmt::format("activation '{}' is not supported for this architecture (expected a GELU "
                            "variant: gelu, gelu_new, gelu_fast, gelu_pytorch_tanh)", act));
  return MlpKind::gelu;
}

void read_llama_like(FieldReader& r, const std::string& arch, ModelCard& c) {
  c.family = ModelFamily::decoder;
  c.norm = NormKind::rmsnorm;
  c.position = PositionKind::rope;
  c.head = HeadKind::lm;
  c.hidden = r.uint("hidden_size", 1);
  c.ffn = r.uint("intermediate_size", 1);
  c.heads = r.uint("num_attention_heads", 1);
  c.layers = r.uint("num_hidden_layers", 1);
  c.kv_heads = r.opt_uint("num_key_value_heads", 1).value_or(c.heads);
  c.head_dim = r.opt_uint("head_dim", 1).value_or(c.hidden / c.heads);
  c.vocab = r.uint("vocab_size", 1);
  c.max_positions = r.uint("max_position_embeddings", 1);
  const std::string act = r.string("hidden_act");
  if (act != "silu" && act != "swish")
    r.fail("hidden_act", fmt::format("activation '{}' is not supported for {} (expected silu)", act, arch));
  c.mlp = MlpKind::swiglu;
  c.tied_embeddings = r.opt_boolean("tie_word_embeddings").value_or(false);
  if (arch == "LlamaForCausalLM") {
    c.qkv_bias = c.out_bias = r.opt_boolean("attention_bias").value_or(false);
    c.mlp_bias = r.opt_boolean("mlp_bias").value_or(false);
  }
  if (arch == "Qwen2ForCausalLM" || arch == "Qwen2MoeForCausalLM") {
    c.qkv_bias = true;  // Qwen2 always has q/k/v biases (no output bias)
    if (r.opt_boolean("use_sliding_window").value_or(false))
      r.fail("use_sliding_window", "sliding-window attention on a subset of layers is not supported");
    r.ignore({"sliding_window", "max_window_layers"});  // unused while use_sliding_window is false
  }
  if (arch == "MistralForCausalLM" || arch == "MixtralForCausalLM")
    c.sliding_window = r.opt_uint("sliding_window", 1).value_or(0);
  if (arch == "MixtralForCausalLM") {
    c.experts = r.uint("num_local_experts", 1);
    c.experts_per_token = r.uint("num_experts_per_tok", 1);
  }
  if (arch == "Qwen2MoeForCausalLM") {
    // Every layer: routed experts of moe_intermediate_size plus one shared expert of
    // shared_expert_intermediate_size scaled by a sigmoid gate (hidden x 1).
    c.experts = r.uint("num_experts", 1);
    c.experts_per_token = r.uint("num_experts_per_tok", 1);
    c.expert_ffn = r.uint("moe_intermediate_size", 1);
    c.shared_experts = 1;
    c.shared_expert_ffn = r.uint("shared_expert_intermediate_size", 1);
    c.shared_expert_gate = true;
    if (auto step = r.opt_uint("decoder_sparse_step"); step && *step != 1)
      r.fail("decoder_sparse_step", fmt::format("{}: only every layer being sparse (1) is supported", *step));
    if (const json* dense = r.opt_value("mlp_only_layers"); dense && !(dense->is_array() && dense->empty()))
      r.fail("mlp_only_layers", "dense layers among the sparse ones are not supported (expected [])");
    r.ignore({"norm_topk_prob"});  // renormalising the top-k weights costs nothing we model
  }
}

// DeepSeek-V2/V3: multi-head latent attention and fine-grained experts (routed + shared, the
// first k layers dense).
void read_deepseek(FieldReader& r, const std::string& arch, ModelCard& c) {
  c.family = ModelFamily::decoder;
  c.norm = NormKind::rmsnorm;
  c.position = PositionKind::rope;
  c.head = HeadKind::lm;
  c.mlp = MlpKind::swiglu;
  c.hidden = r.uint("hidden_size", 1);
  c.ffn = r.uint("intermediate_size", 1);
  c.heads = r.uint("num_attention_heads", 1);
  c.layers = r.uint("num_hidden_layers", 1);
  c.vocab = r.uint("vocab_size", 1);
  c.max_positions = r.uint("max_position_embeddings", 1);
  const std::string act = r.string("hidden_act");
  if (act != "silu" && act != "swish")
    r.fail("hidden_act", fmt::format("activation '{}' is not supported for {} (expected silu)", act, arch));
  c.tied_embeddings = r.opt_boolean("tie_word_embeddings").value_or(false);
  if (r.opt_boolean("attention_bias").value_or(false))
    r.fail("attention_bias", "biases on the latent-attention projections are not supported");
  // Latent attention: every head expands its own keys and values from the shared latent.
  c.kv_heads = r.opt_uint("num_key_value_heads", 1).value_or(c.heads);
  if (c.kv_heads != c.heads)
    r.fail("num_key_value_heads", fmt::format("{} differs from num_attention_heads ({}); latent attention expands "
                                              "keys and values for every head", c.kv_heads, c.heads));
  c.q_lora_rank = r.opt_uint("q_lora_rank", 1).value_or(0);  // null (V2-Lite): a plain query projection
  c.kv_lora_rank = r.uint("kv_lora_rank", 1);
  c.qk_nope_head_dim = r.uint("qk_nope_head_dim", 1);
  c.qk_rope_head_dim = r.uint("qk_rope_head_dim", 1);
  c.v_head_dim = r.uint("v_head_dim", 1);
  c.head_dim = c.qk_nope_head_dim + c.qk_rope_head_dim;
  // Experts; a config without n_routed_experts is dense.
  if (auto experts = r.opt_uint("n_routed_experts", 1)) {
    c.experts = *experts;
    c.experts_per_token = r.uint("num_experts_per_tok", 1);
    c.expert_ffn = r.uint("moe_intermediate_size", 1);
    c.shared_experts = r.opt_uint("n_shared_experts").value_or(0);
    c.dense_layers = r.opt_uint("first_k_dense_replace").value_or(0);
    if (auto freq = r.opt_uint("moe_layer_freq"); freq && *freq != 1)
      r.fail("moe_layer_freq", fmt::format("{}: only every layer after first_k_dense_replace being sparse (1) is "
                                           "supported", *freq));
  } else {
    r.ignore({"num_experts_per_tok", "moe_intermediate_size", "n_shared_experts", "first_k_dense_replace",
              "moe_layer_freq"});
  }
  if (auto method = r.opt_string("topk_method")) {
    if (*method == "noaux_tc") c.router_bias = c.is_moe();  // the score-correction bias: one per expert
    else if (*method != "greedy" && *method != "group_limited_greedy")
      r.fail("topk_method", fmt::format("'{}' is not supported (expected greedy, group_limited_greedy or noaux_tc)",
                                        *method));
  }
  if (auto scoring = r.opt_string("scoring_func"); scoring && *scoring != "softmax" && *scoring != "sigmoid")
    r.fail("scoring_func", fmt::format("'{}' is not supported (expected softmax or sigmoid)", *scoring));
  // Routing details that change which experts a token picks, not the shapes: group-limited
  // selection, score scaling and renormalisation, auxiliary losses; and the deployment hint ep_size.
  r.ignore({"n_group", "topk_group", "routed_scaling_factor", "norm_topk_prob", "aux_loss_alpha", "seq_aux",
            "ep_size", "auto_map"});
  if (auto mtp = r.opt_uint("num_nextn_predict_layers"); mtp && *mtp > 0)
    add_note(c, fmt::format("{} multi-token-prediction layer(s) (num_nextn_predict_layers) not modelled or counted",
                            *mtp));
  if (const json* q = r.opt_value("quantization_config")) {
    // The released DeepSeek-V3 weights are fp8 with block scales; the scenario's weight_dtype
    // decides the data type here, as for every other model.
    const json* method = q->is_object() && q->contains("quant_method") ? &(*q)["quant_method"] : nullptr;
    if (!method || *method != "fp8")
      r.fail("quantization_config", "only the fp8 block format of the released checkpoint is understood; choose "
                                    "data types in the scenario instead");
    add_note(c, "checkpoint published in fp8 (quantization_config); weight_dtype=fp8 in the scenario matches it");
  }
}

void read_gpt2(FieldReader& r, ModelCard& c) {
  c.family = ModelFamily::decoder;
  c.norm = NormKind::layernorm;
  c.position = PositionKind::learned;
  c.head = HeadKind::lm;
  c.hidden = r.uint("n_embd", 1);
  c.heads = r.uint("n_head", 1);
  c.kv_heads = c.heads;
  c.head_dim = c.hidden / c.heads;
  c.layers = r.uint("n_layer", 1);
  c.max_positions = r.uint("n_positions", 1);
  if (auto ctx = r.opt_uint("n_ctx"); ctx && *ctx != c.max_positions)
    r.fail("n_ctx", fmt::format("differs from n_positions ({}); not supported", c.max_positions));
  c.ffn = r.opt_uint("n_inner", 1).value_or(4 * c.hidden);
  c.vocab = r.uint("vocab_size", 1);
  c.mlp = gelu_activation(r, "activation_function");
  c.tied_embeddings = r.opt_boolean("tie_word_embeddings").value_or(true);  // GPT-2 ties by default
  c.qkv_bias = c.out_bias = c.mlp_bias = true;
  if (r.opt_boolean("add_cross_attention").value_or(false))
    r.fail("add_cross_attention", "cross-attention is not supported");
}

void read_gpt_neox(FieldReader& r, ModelCard& c) {
  c.family = ModelFamily::decoder;
  c.norm = NormKind::layernorm;
  c.position = PositionKind::rope;
  c.head = HeadKind::lm;
  c.hidden = r.uint("hidden_size", 1);
  c.ffn = r.uint("intermediate_size", 1);
  c.heads = r.uint("num_attention_heads", 1);
  c.kv_heads = c.heads;
  c.head_dim = c.hidden / c.heads;
  c.layers = r.uint("num_hidden_layers", 1);
  c.vocab = r.uint("vocab_size", 1);
  c.max_positions = r.uint("max_position_embeddings", 1);
  c.mlp = gelu_activation(r, "hidden_act");
  c.rotary_fraction = r.opt_number("rotary_pct").value_or(0.25);
  c.parallel_residual = r.opt_boolean("use_parallel_residual").value_or(true);  // library default
  c.tied_embeddings = r.opt_boolean("tie_word_embeddings").value_or(false);
  c.qkv_bias = c.out_bias = r.opt_boolean("attention_bias").value_or(true);
  c.mlp_bias = true;
}

void read_bert(FieldReader& r, const std::string& arch, ModelCard& c) {
  c.family = ModelFamily::encoder;
  c.norm = NormKind::layernorm;
  c.position = PositionKind::learned;
  c.head = arch == "BertModel" ? HeadKind::pooler : HeadKind::mlm;
  c.tied_embeddings = true;  // the MLM decoder shares the word embeddings
  c.hidden = r.uint("hidden_size", 1);
  c.ffn = r.uint("intermediate_size", 1);
  c.heads = r.uint("num_attention_heads", 1);
  c.kv_heads = c.heads;
  c.head_dim = c.hidden / c.heads;
  c.layers = r.uint("num_hidden_layers", 1);
  c.vocab = r.uint("vocab_size", 1);
  c.max_positions = r.uint("max_position_embeddings", 1);
  c.type_vocab = r.opt_uint("type_vocab_size").value_or(2);
  c.mlp = gelu_activation(r, "hidden_act");
  if (auto pos = r.opt_string("position_embedding_type"); pos && *pos != "absolute")
    r.fail("position_embedding_type", fmt::format("'{}' is not supported (expected absolute)", *pos));
  if (r.opt_boolean("is_decoder").value_or(false)) r.fail("is_decoder", "BERT as a decoder is not supported");
  if (r.opt_boolean("add_cross_attention").value_or(false))
    r.fail("add_cross_attention", "cross-attention is not supported");
  c.qkv_bias = c.out_bias = c.mlp_bias = true;
}

std::string name_from_path(const std::string& path) {
  std::filesystem::path p(path);
  std::string stem = p.stem().string();  // "llama-2-7b.config" or "config"
  if (stem == "config" && p.has_parent_path()) return p.parent_path().filename().string();
  if (stem.size() > 7 && stem.ends_with(".config")) stem.resize(stem.size() - 7);
  return stem;
}

}  // namespace

const std::vector<std::string>& supported_hf_architectures() { return kSupportedArchitectures; }

ModelCard model_card_from_hf_config(const json& config, const std::string& source) {
  FieldReader r(config, source, "");
  const json& archs = r.value("architectures");
  if (!archs.is_array() || archs.size() != 1 || !archs[0].is_string())
    r.fail_expected("architectures", "a list with one architecture name");
  ModelCard c;
  c.architecture = archs[0].get<std::string>();
  c.source = source;
  c.name = name_from_path(source);
  if (std::find(kSupportedArchitectures.begin(), kSupportedArchitectures.end(), c.architecture) ==
      kSupportedArchitectures.end())
    throw Error(fmt::format("{}: architecture '{}' is not supported (supported: {})", source,
                            c.architecture, fmt::join(kSupportedArchitectures, ", ")));
  r.opt_string("model_type");  // informative; the architecture decides
  for (auto key : kHfNoCostKeys) r.ignore({key});
  const std::string& a = c.architecture;
  if (a == "GPT2LMHeadModel") read_gpt2(r, c);
  else if (a == "GPTNeoXForCausalLM") read_gpt_neox(r, c);
  else if (a == "BertModel" || a == "BertForMaskedLM") read_bert(r, a, c);
  else if (a == "DeepseekV2ForCausalLM" || a == "DeepseekV3ForCausalLM") read_deepseek(r, a, c);
  else read_llama_like(r, a, c);
  r.finish(fmt::format("field not supported for {} (Tessera does not know how it changes the model; "
                       "remove it or write a YAML card)", a));
  validate_model_card(c);
  return c;
}

// ---------------------------------------------------------------------------------------------
// Our YAML card

namespace {

template <class E>
E read_choice(FieldReader& r, std::string_view key, std::initializer_list<std::pair<std::string_view, E>> choices,
              std::optional<E> fallback = std::nullopt) {
  std::string names;
  for (const auto& [n, e] : choices) names += (names.empty() ? "" : " | ") + std::string(n);
  auto v = r.opt_string(key);
  if (!v) {
    if (fallback) return *fallback;
    r.fail_expected(key, names);
  }
  for (const auto& [n, e] : choices)
    if (n == *v) return e;
  r.fail_expected(key, names);
}

}  // namespace

ModelCard model_card_from_yaml(const json& card, const std::string& source) {
  FieldReader r(card, source, "");
  ModelCard c;
  c.source = source;
  c.name = r.string("name");
  c.architecture = r.opt_string("architecture").value_or("tessera-card");
  r.string("source");  // required citation; c.source keeps the file for error messages
  c.family = read_choice<ModelFamily>(r, "family", {{"decoder", ModelFamily::decoder}, {"encoder", ModelFamily::encoder}},
                                      ModelFamily::decoder);
  c.layers = r.uint("layers", 1);
  c.hidden = r.uint("hidden", 1);
  c.heads = r.uint("heads", 1);
  c.kv_heads = r.opt_uint("kv_heads", 1).value_or(c.heads);
  c.head_dim = r.opt_uint("head_dim", 1).value_or(c.hidden / c.heads);
  c.ffn = r.uint("ffn", 1);
  c.vocab = r.uint("vocab", 1);
  c.max_positions = r.uint("max_positions", 1);
  c.type_vocab = r.opt_uint("type_vocab").value_or(0);
  c.mlp = read_choice<MlpKind>(r, "mlp", {{"swiglu", MlpKind::swiglu}, {"gelu", MlpKind::gelu}});
  c.norm = read_choice<NormKind>(r, "norm", {{"rmsnorm", NormKind::rmsnorm}, {"layernorm", NormKind::layernorm}});
  c.position = read_choice<PositionKind>(r, "position", {{"rope", PositionKind::rope}, {"learned", PositionKind::learned}});
  c.rotary_fraction = r.opt_number("rotary_fraction").value_or(1.0);
  c.head = read_choice<HeadKind>(
      r, "head", {{"lm", HeadKind::lm}, {"mlm", HeadKind::mlm}, {"pooler", HeadKind::pooler}, {"none", HeadKind::none}},
      c.family == ModelFamily::decoder ? HeadKind::lm : HeadKind::pooler);
  c.tied_embeddings = r.opt_boolean("tied_embeddings").value_or(false);
  c.qkv_bias = r.opt_boolean("qkv_bias").value_or(false);
  c.out_bias = r.opt_boolean("out_bias").value_or(false);
  c.mlp_bias = r.opt_boolean("mlp_bias").value_or(false);
  c.parallel_residual = r.opt_boolean("parallel_residual").value_or(false);
  c.experts = r.opt_uint("experts").value_or(0);
  c.experts_per_token = r.opt_uint("experts_per_token").value_or(0);
  c.sliding_window = r.opt_uint("sliding_window").value_or(0);
  c.published_parameters = r.opt_uint("published_parameters").value_or(0);
  c.expert_ffn = r.opt_uint("expert_ffn", 1).value_or(0);
  c.shared_experts = r.opt_uint("shared_experts").value_or(0);
  c.shared_expert_ffn = r.opt_uint("shared_expert_ffn", 1).value_or(0);
  c.shared_expert_gate = r.opt_boolean("shared_expert_gate").value_or(false);
  c.router_bias = r.opt_boolean("router_bias").value_or(false);
  c.dense_layers = r.opt_uint("dense_layers").value_or(0);
  c.q_lora_rank = r.opt_uint("q_lora_rank").value_or(0);
  c.kv_lora_rank = r.opt_uint("kv_lora_rank").value_or(0);
  c.qk_nope_head_dim = r.opt_uint("qk_nope_head_dim").value_or(0);
  c.qk_rope_head_dim = r.opt_uint("qk_rope_head_dim").value_or(0);
  c.v_head_dim = r.opt_uint("v_head_dim").value_or(0);
  // Latent attention: a head's query/key width is nope + rope unless head_dim says otherwise
  // (validation rejects a head_dim that disagrees).
  if (c.is_mla() && !r.has("head_dim")) c.head_dim = c.qk_nope_head_dim + c.qk_rope_head_dim;
  c.notes = r.opt_string("notes").value_or("");
  r.finish();
  validate_model_card(c);
  return c;
}

ModelCard load_model_card(const std::string& path) {
  const json tree = input::read_tree_file(path);
  if (std::filesystem::path(path).extension() == ".json") return model_card_from_hf_config(tree, path);
  return model_card_from_yaml(tree, path);
}

}  // namespace tessera
