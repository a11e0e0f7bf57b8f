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
  std::uint64_t ffn = 0;       // MLP (per expert) intermediate size
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

  bool is_moe() const { return experts > 0; }
};

/// Parameter count by part; exact integers. `per_layer_*` are for one layer.
struct ParameterCount {
  std::uint64_t embedding = 0;      // token + position + token-type tables (+ embedding norm)
  std::uint64_t attention = 0;      // per layer: q, k, v, o (+ biases)
  std::uint64_t mlp = 0;            // per layer: all experts' MLPs
  std::uint64_t expert = 0;         // per layer: one expert's MLP (== mlp for a dense model)
  std::uint64_t router = 0;         // per layer: MoE gate
  std::uint64_t norms = 0;          // per layer
  std::uint64_t final_norm = 0;
  std::uint64_t head = 0;           // untied LM head, MLM transform + bias, or pooler
  std::uint64_t total = 0;
  std::uint64_t active = 0;         // used per token: top-k experts instead of all
};

ParameterCount count_parameters(const ModelCard& card);

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
