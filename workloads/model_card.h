// Model cards: the architecture facts of a transformer that the trace generator needs,
// read from a Hugging Face config.json or from our own YAML card (docs/workloads.md).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace tessera {

enum class ModelFamily { decoder, encoder };     // causal LM (pre-norm) or BERT-style encoder (post-norm)
enum class MlpKind { swiglu, gelu };             // gated SiLU (3 matrices) or plain GELU (2 matrices)
enum class NormKind { rmsnorm, layernorm };
enum class PositionKind { rope, learned };       // rotary, or a learned position table
enum class HeadKind { lm, mlm, pooler, none };   // what sits on top of the last layer

struct ModelCard {
  std::string name;
  std::string source;        // where the facts come from (citation or file)
  std::string architecture;  // HF architecture name when known, else "tessera-card"
  ModelFamily family = ModelFamily::decoder;
  std::uint64_t layers = 0;
  std::uint64_t hidden = 0;
  std::uint64_t heads = 0;
  std::uint64_t kv_heads = 0;  // == heads: multi-head; 1: multi-query; otherwise grouped-query
  std::uint64_t head_dim = 0;
  std::uint64_t ffn = 0;       // dense MLP intermediate size (and each expert's, unless expert_ffn is set)
  std::uint64_t vocab = 0;
  std::uint64_t max_positions = 0;
  std::uint64_t type_vocab = 0;  // BERT token-type embeddings; 0 = none
  MlpKind mlp = MlpKind::swiglu;
  NormKind norm = NormKind::rmsnorm;
  PositionKind position = PositionKind::rope;
  double rotary_fraction = 1.0;  // share of head_dim that RoPE rotates (GPT-NeoX: 0.25)
  HeadKind head = HeadKind::lm;
  bool tied_embeddings = false;  // LM / MLM output matrix shares the token embedding
  bool qkv_bias = false;
  bool out_bias = false;         // attention output projection bias
  bool mlp_bias = false;
  bool parallel_residual = false;  // GPT-NeoX: attention and MLP read the same input
  std::uint64_t experts = 0;       // 0 = dense MLP; else number of experts per MoE layer
  std::uint64_t experts_per_token = 0;
  std::uint64_t sliding_window = 0;   // attention window in tokens; 0 = full context
  std::uint64_t published_parameters = 0;  // from the card's source, for reference; 0 = unknown
  // Fine-grained mixture of experts (DeepSeek, Qwen2-MoE); the defaults give Mixtral's layout.
  std::uint64_t expert_ffn = 0;         // routed expert intermediate size; 0 = ffn
  std::uint64_t shared_experts = 0;     // always-active experts per MoE layer, each shared_expert_ffn wide
  std::uint64_t shared_expert_ffn = 0;  // 0 = expert width
  bool shared_expert_gate = false;      // Qwen2-MoE: a sigmoid gate (hidden x 1) scales the shared expert
  bool router_bias = false;             // DeepSeek-V3: per-expert score correction bias on the router
  std::uint64_t dense_layers = 0;       // the first k layers use a dense MLP of ffn (first_k_dense_replace)
  // Multi-head latent attention (DeepSeek-V2/V3); kv_lora_rank 0 = ordinary attention. Each
  // head's query and key are qk_nope_head_dim + qk_rope_head_dim wide (head_dim is their sum),
  // its value v_head_dim; the cache holds one kv_lora_rank latent + one shared RoPE key per token.
  std::uint64_t q_lora_rank = 0;  // 0 = no query compression (a plain hidden x heads*head_dim q)
  std::uint64_t kv_lora_rank = 0;
  std::uint64_t qk_nope_head_dim = 0;
  std::uint64_t qk_rope_head_dim = 0;
  std::uint64_t v_head_dim = 0;
  std::string notes;  // what the loader left out or approximated (e.g. multi-token prediction layers)

  bool is_moe() const { return experts > 0; }
  bool is_mla() const { return kv_lora_rank > 0; }
  std::uint64_t expert_width() const { return expert_ffn ? expert_ffn : ffn; }
  std::uint64_t shared_width() const { return shared_expert_ffn ? shared_expert_ffn : expert_width(); }
  /// Layers whose MLP is a mixture of experts (all of them, less the leading dense ones).
  std::uint64_t moe_layers() const { return is_moe() ? layers - dense_layers : 0; }
  bool layer_is_moe(std::uint64_t layer) const { return is_moe() && layer >= dense_layers; }
};

/// Parameter count by part; exact integers. `per_layer_*` are for one layer.
struct ParameterCount {
  std::uint64_t embedding = 0;      // token + position + token-type tables (+ embedding norm)
  std::uint64_t attention = 0;      // per layer: q, k, v, o (+ biases); MLA: its down/up projections and norms
  std::uint64_t mlp = 0;            // per MoE layer: all routed experts' MLPs (dense model: the MLP)
  std::uint64_t expert = 0;         // one routed expert's MLP (== mlp for a dense model)
  std::uint64_t shared = 0;         // per MoE layer: the shared experts (+ their gate)
  std::uint64_t dense_mlp = 0;      // per leading dense layer of an MoE model (dense_layers)
  std::uint64_t router = 0;         // per MoE layer: MoE gate (+ its bias)
  std::uint64_t norms = 0;          // per layer
  std::uint64_t final_norm = 0;
  std::uint64_t head = 0;           // untied LM head, MLM transform + bias, or pooler
  std::uint64_t total = 0;
  std::uint64_t active = 0;         // used per token: top-k routed experts instead of all
};

ParameterCount count_parameters(const ModelCard& card);
/// One layer's attention parameters with `heads` query and `kv_heads` KV heads (a tensor-parallel
/// shard passes its share; MLA's down-projections and norms are whole in every shard).
std::uint64_t attention_parameters(const ModelCard& card, std::uint64_t heads, std::uint64_t kv_heads);

/// Reads a card: a Hugging Face config.json (by .json extension) or our YAML card.
ModelCard load_model_card(const std::string& path);
/// Interprets a parsed HF config.json. Unsupported architectures and fields throw Error naming them.
ModelCard model_card_from_hf_config(const nlohmann::json& config, const std::string& source);
/// Interprets a parsed YAML card (already converted to JSON).
ModelCard model_card_from_yaml(const nlohmann::json& card, const std::string& source);
/// Checks the card is self-consistent (heads divide, kv_heads divide heads, ...).
void validate_model_card(const ModelCard& card);

/// The HF architectures load_model_card understands.
const std::vector<std::string>& supported_hf_architectures();

std::string_view to_string(MlpKind k);
std::string_view to_string(NormKind k);
std::string_view to_string(PositionKind k);
std::string_view to_string(HeadKind k);
std::string_view to_string(ModelFamily f);

}  // namespace tessera
