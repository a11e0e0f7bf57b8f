// Scenarios: what a model is asked to do (prefill, decode, generate, train), with data
// types and parallelism annotations. Read from configs/scenarios/*.yaml or an inline spec
// such as "decode:batch=16,context=2048" (docs/workloads.md lists every key).
#pragma once

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "base/types.h"

namespace tessera {

enum class ScenarioKind {
  prefill,   // one forward pass over a prompt batch; fills the KV cache
  decode,    // `steps` token-generation steps against a KV cache of `context` tokens
  generate,  // prefill of `prompt` tokens, then `output` decode steps
  training,  // one optimizer step: forward + backward over the global batch, then Adam
};
std::string_view to_string(ScenarioKind k);

enum class PipelineSchedule { gpipe, one_f_one_b };
std::string_view to_string(PipelineSchedule s);

/// Parallelism annotations. The trace describes one chip of this layout; with every
/// degree at 1 there are no collectives.
struct Parallelism {
  std::uint64_t tp = 1;            // tensor parallel (Megatron column/row split)
  bool sequence_parallel = false;  // Megatron sequence parallelism inside the TP group
  std::uint64_t pp = 1;            // pipeline stages
  PipelineSchedule schedule = PipelineSchedule::one_f_one_b;
  // Interleaved 1F1B (Narayanan et al. SC'21 section 2.2): each stage holds this many model
  // chunks of layers / (pp x virtual_stages) layers; 1 is plain 1F1B.
  std::uint64_t virtual_stages = 1;
  std::uint64_t dp = 1;            // data-parallel replicas
  std::uint32_t zero = 0;          // ZeRO stage 0-3 (0: gradient all-reduce)
  // Data-parallel gradient reduction: gradients are reduced in buckets of at least this many MiB
  // (0: one reduction per layer), each as soon as it is full, overlapping the rest of the
  // backward; with dp_overlap false, in one reduction after the stage's last backward.
  double dp_bucket_mib = 0;
  bool dp_overlap = true;
  std::uint64_t ep = 1;            // expert parallel (MoE), taken from the data-parallel ranks
};

struct Scenario {
  std::string name;
  std::string source;  // file or inline spec it came from
  ScenarioKind kind = ScenarioKind::decode;
  // Inference.
  std::uint64_t batch = 1;    // sequences in flight (whole data-parallel group)
  std::uint64_t prompt = 0;   // prefill / generate: prompt tokens per sequence
  std::uint64_t output = 0;   // generate: decode steps (tokens generated per sequence)
  std::uint64_t context = 0;  // decode: keys attended by the first step (cache incl. the new token)
  std::uint64_t steps = 1;    // decode: steps; the context grows by one each step
  bool fused_attention = true;  // flash-style attention kernel (intermediates stay on chip)
  // Training.
  std::uint64_t seq_len = 0;
  std::uint64_t micro_batch = 1;   // sequences per micro-batch
  std::uint64_t global_batch = 0;  // sequences per optimizer step, whole data-parallel group
  bool recompute = false;          // full activation recomputation in the backward pass
  // Selective recomputation (Korthikanti et al. 2022): only the attention core (scores and
  // probabilities) is recomputed; `recompute: selective` in a scenario.
  bool selective_recompute = false;
  // Data types.
  DataType weight_dtype = DataType::bf16;
  DataType act_dtype = DataType::bf16;
  DataType kv_dtype = DataType::bf16;
  double moe_imbalance = 1.0;  // busiest expert's tokens / average tokens per expert
  Parallelism parallel;
};

/// Reads a scenario file's tree (YAML converted to JSON); unknown keys and keys that do not
/// apply to the kind are rejected, naming them.
Scenario scenario_from_yaml(const nlohmann::json& tree, const std::string& source);
/// Reads an inline spec "kind[:key=value,...]", e.g. "training:seq_len=4096,global_batch=16".
Scenario parse_scenario_spec(const std::string& spec);
/// Checks that the keys fit the kind and values are in range; throws Error naming the key.
void validate_scenario(const Scenario& s);
/// The scenario as an inline spec that parse_scenario_spec() reads back (every key given).
std::string to_spec(const Scenario& s);

}  // namespace tessera
