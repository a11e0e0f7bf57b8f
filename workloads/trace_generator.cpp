// Longer than 600 lines: one trace builder for every model family, forward, backward and layout.
#include "workloads/trace_generator.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <span>
#include <stdexcept>
#include <tuple>
#include <unordered_map>

#include <fmt/core.h>

namespace tessera {

namespace {

using u64 = std::uint64_t;
constexpr std::size_t kNone = std::numeric_limits<std::size_t>::max();
constexpr std::int32_t kNoLayer = -1;

// Vector-unit operation counts per element, for operators the generator emits (approximate;
// they change vector-unit time, not the matrix FLOPs the closed-form checks use).
constexpr std::uint32_t kRopeOps = 3;        // x*cos + rotate(x)*sin
constexpr std::uint32_t kSwigluOps = 5;      // silu(g) * u: exp, add, divide, 2 multiplies
constexpr std::uint32_t kGeluOps = 8;        // tanh approximation
constexpr std::uint32_t kTanhOps = 4;
constexpr std::uint32_t kSoftmaxBwdOps = 4;  // dS = P * (dP - rowsum(P * dP))
constexpr std::uint32_t kLayerNormBwdOps = 10;
constexpr std::uint32_t kRmsNormBwdOps = 6;
// Adam with weight decay, per parameter: moment updates (7), bias corrections (2), update (7).
constexpr std::uint32_t kAdamOps = 16;
// Mixed-precision Adam keeps an fp32 master weight and two fp32 moments: 12 bytes per
// parameter (Rajbhandari et al., ZeRO, SC'20, section 3.1).
constexpr Bytes kAdamStateBytesPerParam = 12;

// How the backward pass treats a forward operator.
enum class Bwd {
  none,         // no gradient work (KV-cache write, loss statistics, pipeline send)
  weight_gemm,  // Y = X W: data gradient dX = dY W^T and weight gradient dW = X^T dY
  column_gemm,  // as weight_gemm; under tensor parallelism dX is then all-reduced (Megatron's f)
  act_gemm,     // C = A B of two activations (attention): dA = dC B^T and dB = A^T dC
  vector,       // softmax, norm, activation: one elementwise operator of the same shape
  residual,     // residual add: the two gradient streams are summed
  embedding,    // table lookup: the gradient is scattered into the table (a weight gradient)
  collective,   // its conjugate: all-gather <-> reduce-scatter, all-to-all -> all-to-all
};

struct Rec {
  std::size_t op;
  Bwd rule;
};

// One forward pass over a block of sequences on this chip.
struct Pass {
  std::string tag;    // id prefix: "prefill", "step3", "mb2"
  std::string phase;  // "prefill", "decode", "forward"
  std::int32_t index = -1;
  u64 seqs = 0, q_len = 0, kv_len = 0;
  bool training = false;
  bool reads_cache = false;  // decode: K and V are read from the KV cache
  std::vector<SequenceGroup> groups;  // serving iteration: mixed groups (seqs/q_len/kv_len unused)
  u64 tokens() const {
    if (groups.empty()) return seqs * q_len;
    u64 t = 0;
    for (const SequenceGroup& g : groups) t += g.seqs * g.q_len;
    return t;
  }
  u64 sampled() const {  // sequences whose logits are computed
    if (groups.empty()) return seqs;
    u64 n = 0;
    for (const SequenceGroup& g : groups) n += g.samples ? g.seqs : 0;
    return n;
  }
};

// Where new operators go: ids are prefix + name.
struct Ctx {
  std::string prefix;
  std::int32_t layer = kNoLayer;
  std::int32_t stage = 0;
  std::int32_t pass = -1;
  std::string phase;
};

struct Params {
  u64 dense = 0;   // replicated across expert-parallel ranks
  u64 expert = 0;  // this chip's experts
  u64 total() const { return dense + expert; }
};

class TraceBuilder {
 public:
  TraceBuilder(const ModelCard& card, const Scenario& sc);
  Workload build();
  Workload build_iteration(const std::vector<SequenceGroup>& groups);
  Bytes kv_bytes_per_token() const { return kv_per_layer_token() * L_ * bytes_per_element(kv_); }

 private:
  // Operator construction.
  Operator base(const Ctx& c, OpKind kind, std::string name) const;
  Operator gemm(const Ctx& c, std::string name, u64 batch, u64 m, u64 n, u64 k, bool weight,
                DataType b) const;
  Operator vec(const Ctx& c, OpKind kind, std::string name, u64 rows, u64 cols) const;
  Operator ew(const Ctx& c, std::string name, u64 rows, u64 cols, std::uint32_t inputs, std::uint32_t ops,
              VectorClass vc = VectorClass::add_mul) const;
  Operator coll(const Ctx& c, std::string name, CollectiveKind kind, std::string group, u64 size,
                Bytes bytes) const;
  std::size_t add(Operator op, std::vector<std::size_t> deps, Bwd rule = Bwd::none);
  const std::string& id(std::size_t i) const { return w_.ops[i].id; }

  // Forward building blocks; each returns the operator whose output flows on.
  std::size_t gather_sp(const Ctx& c, const std::string& name, u64 rows, std::size_t dep);
  std::size_t reduce_tp(const Ctx& c, const std::string& name, u64 rows, std::size_t dep);
  std::size_t embedding(const Ctx& c, const Pass& p);
  std::size_t layer_forward(const Ctx& c, const Pass& p, std::size_t x);
  std::size_t attention(const Ctx& c, const Pass& p, std::size_t qkv_ready);
  std::size_t mla_projections(const Ctx& c, const Pass& p, std::size_t in);
  std::size_t mla_kernel(const Ctx& c, const std::string& suffix, bool training, u64 seqs, u64 q_len, u64 kv_len,
                         bool reads_cache, std::size_t after, std::size_t ready);
  std::size_t mlp(const Ctx& c, const Pass& p, std::size_t x);
  std::size_t head(const Ctx& c, const Pass& p, std::size_t x);
  std::size_t send(const Ctx& c, const std::string& name, u64 tokens, std::size_t dep);

  // Backward.
  std::size_t backward(const Ctx& c, const std::vector<Rec>& recs, std::size_t grad,
                       std::vector<std::size_t>& wgrads);
  std::vector<Rec> recompute(const Ctx& c, const std::vector<Rec>& recs, std::size_t after);
  static bool is_attention_core(const Operator& op);

  // Flows.
  void inference();
  std::size_t inference_pass(const Pass& p, std::size_t after);
  void training();
  std::size_t train_forward(u64 vstage, u64 mb);
  std::size_t train_backward(u64 vstage, u64 mb, bool last_mb);
  std::vector<std::pair<bool, u64>> interleaved_plan(u64 stage) const;  // (forward?, chunk item k)
  u64 interleaved_warmup(u64 stage) const { return (pp_ - stage - 1) * 2 + (v_ - 1) * pp_; }
  void grad_sync(std::int32_t stage, std::size_t slot, const std::vector<std::size_t>& wgrads);
  void flush_bucket(std::int32_t stage, std::size_t which, std::span<const std::size_t> after);
  void optimizer(std::int32_t stage);

  // Layout.
  u64 first_layer(std::int32_t s) const;
  u64 layer_count(std::int32_t s) const;
  // Virtual stages (model chunks): virtual stage c x pp + s is chunk c of stage s; with
  // virtual_stages = 1 they are the stages.
  u64 vstages() const { return pp_ * v_; }
  u64 vfirst_layer(u64 vs) const { return vs * (L_ / vstages()) + std::min(vs, L_ % vstages()); }
  u64 vlayer_count(u64 vs) const { return L_ / vstages() + (vs < L_ % vstages() ? 1 : 0); }
  std::int32_t last_stage() const { return static_cast<std::int32_t>(pp_) - 1; }
  Ctx ctx(const std::string& prefix, std::int32_t layer, std::int32_t stage, std::int32_t pass,
          const std::string& phase) const;
  Params slot_params(std::size_t slot) const;  // 0: embedding, 1..L: layers, L+1: head
  std::size_t slot_stage(std::size_t slot) const;
  u64 rows(u64 tokens) const { return sp_ ? ceil_div(tokens, tp_) : tokens; }
  // Cached elements per token and layer: K and V of each KV head, or MLA's latent + RoPE key
  // (one copy on every tensor-parallel rank).
  u64 kv_per_layer_token() const {
    return mla_ ? card_.kv_lora_rank + card_.qk_rope_head_dim : 2 * kvh_ * hd_;
  }
  u64 mlp_params(u64 width) const {  // one MLP shard of `width`
    return card_.mlp == MlpKind::swiglu ? 3 * h_ * width + (card_.mlp_bias ? 2 * width + h_ : 0)
                                        : 2 * h_ * width + (card_.mlp_bias ? width + h_ : 0);
  }
  Pass train_pass(u64 mb) const;
  void summarise();

  const ModelCard& card_;
  const Scenario& sc_;
  Workload w_;
  // Layout and per-chip shapes.
  u64 L_, h_, hd_, tp_, pp_, v_, dp_, ep_, heads_, kvh_, ffn_, vocab_, experts_;
  u64 eff_ = 0, sff_ = 0;  // routed expert width and all shared experts' width, per TP rank
  bool sp_, fused_, moe_, encoder_, mla_;
  DataType act_, wt_, kv_;
  // Generation state.
  std::vector<Rec>* recording_ = nullptr;
  std::size_t order_dep_ = kNone;  // consumed by the next add(): keeps a chip's schedule order
  Bytes max_output_ = 0;           // largest single operator output (inference activations)
  u64 max_tokens_ = 0;
  // Training state.
  u64 micro_batches_ = 0;
  std::vector<std::vector<std::vector<Rec>>> recs_;   // [micro-batch][slot]
  std::vector<std::vector<std::size_t>> wgrads_;      // [slot]: latest weight gradients
  std::vector<std::vector<std::size_t>> synced_;      // [slot]: what the optimizer waits for
  struct Bucket {                                     // gradients waiting for one reduction
    std::vector<std::size_t> slots, deps;
    Bytes bytes = 0;
  };
  std::vector<std::array<Bucket, 2>> buckets_;        // [stage][dense, expert]
  std::vector<std::uint32_t> bucket_count_;           // [stage]: buckets reduced so far
  std::vector<std::vector<std::size_t>> fwd_send_, bwd_send_;  // [virtual stage][micro-batch]
  std::vector<Bytes> stored_;                         // [stage]: activations kept per micro-batch (all chunks)
  std::vector<Bytes> rematerialised_;                 // [stage]: one layer's activations rebuilt by recomputation
};

TraceBuilder::TraceBuilder(const ModelCard& card, const Scenario& sc) : card_(card), sc_(sc) {
  const Parallelism& p = sc.parallel;
  L_ = card.layers;
  h_ = card.hidden;
  hd_ = card.head_dim;
  tp_ = p.tp;
  pp_ = p.pp;
  v_ = sc.kind == ScenarioKind::training ? p.virtual_stages : 1;
  dp_ = p.dp;
  ep_ = p.ep;
  sp_ = p.sequence_parallel && tp_ > 1;
  fused_ = sc.fused_attention;
  moe_ = card.is_moe();
  mla_ = card.is_mla();
  encoder_ = card.family == ModelFamily::encoder;
  act_ = sc.act_dtype;
  wt_ = sc.weight_dtype;
  kv_ = sc.kv_dtype;
  auto bad = [&](const std::string& what) {
    throw Error(fmt::format("model '{}' with scenario '{}': {}", card.name, sc.name, what));
  };
  if (card.heads % tp_ != 0) bad(fmt::format("tp={} does not divide the {} attention heads", tp_, card.heads));
  if (card.kv_heads % tp_ != 0 && tp_ % card.kv_heads != 0)
    bad(fmt::format("tp={} and the {} KV heads: one must divide the other", tp_, card.kv_heads));
  if (card.ffn % tp_ != 0) bad(fmt::format("tp={} does not divide the MLP size {}", tp_, card.ffn));
  if (moe_ && card.expert_width() % tp_ != 0)
    bad(fmt::format("tp={} does not divide the expert MLP size {}", tp_, card.expert_width()));
  if (card.shared_experts && card.shared_width() % tp_ != 0)
    bad(fmt::format("tp={} does not divide the shared expert MLP size {}", tp_, card.shared_width()));
  if (pp_ > L_) bad(fmt::format("pp={} exceeds the {} layers", pp_, L_));
  if (v_ > 1 && pp_ * v_ > L_)
    bad(fmt::format("pp x virtual_stages = {} x {} exceeds the {} layers: each model chunk needs a layer", pp_, v_, L_));
  if (ep_ > 1 && !moe_) bad("ep > 1 needs a mixture-of-experts model");
  if (moe_ && card.experts % ep_ != 0) bad(fmt::format("ep={} does not divide the {} experts", ep_, card.experts));
  if (moe_ && sc.moe_imbalance > static_cast<double>(card.experts) / static_cast<double>(card.experts_per_token))
    bad(fmt::format("moe_imbalance {} exceeds experts / top_k = {}: one expert cannot take more than every token",
                    sc.moe_imbalance, static_cast<double>(card.experts) / card.experts_per_token));
  if (encoder_ && (sc.kind == ScenarioKind::decode || sc.kind == ScenarioKind::generate))
    bad("an encoder has no KV cache or token generation; use a prefill or training scenario");
  const u64 longest = sc.kind == ScenarioKind::training ? sc.seq_len
                      : sc.kind == ScenarioKind::decode ? sc.context + sc.steps - 1
                      : sc.prompt + sc.output;
  if (card.position == PositionKind::learned && longest > card.max_positions)
    bad(fmt::format("sequences of {} tokens exceed the {} learned positions", longest, card.max_positions));
  heads_ = card.heads / tp_;
  kvh_ = card.kv_heads >= tp_ ? card.kv_heads / tp_ : 1;  // fewer KV heads than ranks: replicated
  ffn_ = card.ffn / tp_;
  vocab_ = ceil_div(card.vocab, tp_);  // vocabulary-parallel embedding and logits
  experts_ = moe_ ? card.experts / ep_ : 0;
  eff_ = moe_ ? card.expert_width() / tp_ : 0;
  sff_ = card.shared_experts * (card.shared_experts ? card.shared_width() / tp_ : 0);
}

// --- Operator construction --------------------------------------------------------------------

Operator TraceBuilder::base(const Ctx& c, OpKind kind, std::string name) const {
  Operator op;
  op.id = c.prefix + name;
  op.name = std::move(name);
  op.kind = kind;
  op.dtype = act_;
  op.out_dtype = act_;
  op.layer = c.layer;
  op.stage = c.stage;
  op.pass = c.pass;
  op.phase = c.phase;
  return op;
}

Operator TraceBuilder::gemm(const Ctx& c, std::string name, u64 batch, u64 m, u64 n, u64 k, bool weight,
                            DataType b) const {
  Operator op = base(c, OpKind::gemm, std::move(name));
  op.batch = batch;
  op.m = m;
  op.n = n;
  op.k = k;
  op.b_is_weight = weight;
  if (b != act_) op.b_dtype = b;
  return op;
}

Operator TraceBuilder::vec(const Ctx& c, OpKind kind, std::string name, u64 rows, u64 cols) const {
  Operator op = base(c, kind, std::move(name));
  op.rows = rows;
  op.cols = cols;
  return op;
}

Operator TraceBuilder::ew(const Ctx& c, std::string name, u64 rows, u64 cols, std::uint32_t inputs,
                          std::uint32_t ops, VectorClass vc) const {
  Operator op = vec(c, OpKind::elementwise, std::move(name), rows, cols);
  op.inputs = inputs;
  op.ops_per_element = ops;
  op.vector_class = vc;
  return op;
}

Operator TraceBuilder::coll(const Ctx& c, std::string name, CollectiveKind kind, std::string group, u64 size,
                            Bytes bytes) const {
  Operator op = base(c, OpKind::collective, std::move(name));
  op.collective = Collective{kind, std::move(group), static_cast<std::uint32_t>(size), bytes};
  return op;
}

std::size_t TraceBuilder::add(Operator op, std::vector<std::size_t> deps, Bwd rule) {
  if (order_dep_ != kNone) deps.push_back(std::exchange(order_dep_, kNone));
  op.deps.reserve(deps.size());
  for (std::size_t d : deps) {
    if (d == kNone) continue;
    const std::string& dep = id(d);
    if (std::find(op.deps.begin(), op.deps.end(), dep) == op.deps.end()) op.deps.push_back(dep);
  }
  if (op.kind != OpKind::collective) max_output_ = std::max(max_output_, op.bytes_written());
  w_.ops.push_back(std::move(op));
  const std::size_t index = w_.ops.size() - 1;
  if (recording_) recording_->push_back({index, rule});
  return index;
}

// --- Forward building blocks ------------------------------------------------------------------

// Megatron sequence parallelism: the activations between blocks are split over the TP ranks
// and gathered before each column-parallel GEMM.
std::size_t TraceBuilder::gather_sp(const Ctx& c, const std::string& name, u64 tokens, std::size_t dep) {
  if (!sp_) return dep;
  return add(coll(c, name, CollectiveKind::all_gather, "tp", tp_, tokens * h_ * bytes_per_element(act_)), {dep},
             Bwd::collective);
}

// After a row-parallel GEMM the partial sums are all-reduced (reduce-scattered under SP).
std::size_t TraceBuilder::reduce_tp(const Ctx& c, const std::string& name, u64 tokens, std::size_t dep) {
  if (tp_ == 1) return dep;
  const auto kind = sp_ ? CollectiveKind::reduce_scatter : CollectiveKind::all_reduce;
  return add(coll(c, name, kind, "tp", tp_, tokens * h_ * bytes_per_element(act_)), {dep}, Bwd::collective);
}

std::size_t TraceBuilder::send(const Ctx& c, const std::string& name, u64 tokens, std::size_t dep) {
  return add(coll(c, name, CollectiveKind::send_recv, "pp", 2, rows(tokens) * h_ * bytes_per_element(act_)), {dep});
}

std::size_t TraceBuilder::embedding(const Ctx& c, const Pass& p) {
  const u64 T = p.tokens();
  std::size_t x = add(ew(c, "embed.tokens", T, h_, 1, 1), {}, Bwd::embedding);  // table gather
  x = reduce_tp(c, "embed.reduce", T, x);  // vocabulary-parallel table: partial rows summed
  if (card_.position == PositionKind::learned) x = add(ew(c, "embed.positions", rows(T), h_, 2, 1), {x}, Bwd::embedding);
  if (card_.type_vocab > 0) x = add(ew(c, "embed.types", rows(T), h_, 2, 1), {x}, Bwd::embedding);
  if (encoder_) x = add(vec(c, card_.norm == NormKind::rmsnorm ? OpKind::rmsnorm : OpKind::layernorm, "embed.norm",
                            rows(T), h_), {x}, Bwd::vector);
  return x;
}

std::size_t TraceBuilder::attention(const Ctx& c, const Pass& p, std::size_t ready) {
  if (mla_) {
    if (p.groups.empty()) return mla_kernel(c, "", p.training, p.seqs, p.q_len, p.kv_len, p.reads_cache, kNone, ready);
    std::size_t last = kNone;
    for (std::size_t i = 0; i < p.groups.size(); ++i) {
      const SequenceGroup& grp = p.groups[i];
      last = mla_kernel(c, fmt::format(".g{}", i), false, grp.seqs, grp.q_len, grp.kv_len, grp.kv_len > grp.q_len,
                        last, ready);
    }
    return last;
  }
  // Grouped-query layout: the g query heads sharing one KV head form the rows of one GEMM,
  // so each K/V block is read once per KV head (multi-head: g = 1; multi-query: one KV head).
  const u64 g = heads_ / kvh_;
  auto kernel = [&](const std::string& suffix, u64 seqs, u64 q_len, u64 kv_len, bool reads_cache, std::size_t after) {
    const u64 batch = seqs * kvh_;
    const DataType kb = reads_cache ? kv_ : act_;
    Operator qk = gemm(c, "attn.qk" + suffix, batch, g * q_len, kv_len, hd_, false, kb);
    Operator sm = vec(c, OpKind::softmax, "attn.softmax" + suffix, seqs * heads_ * q_len, kv_len);
    Operator pv = gemm(c, "attn.pv" + suffix, batch, g * q_len, hd_, kv_len, false, kb);
    // Flash-style: scores and probabilities stay on chip.
    qk.fused_output = sm.fused_input = sm.fused_output = pv.fused_input = fused_;
    const std::size_t s = add(std::move(qk), {after, ready}, Bwd::act_gemm);
    const std::size_t pr = add(std::move(sm), {s}, Bwd::vector);
    return add(std::move(pv), {pr, ready}, Bwd::act_gemm);
  };
  if (p.groups.empty()) return kernel("", p.seqs, p.q_len, p.kv_len, p.reads_cache, kNone);
  // A serving iteration: one attention kernel per group, one after another. A group with
  // cached context reads its keys from the KV cache; a whole prompt attends to its own tokens.
  std::size_t last = kNone;
  for (std::size_t i = 0; i < p.groups.size(); ++i) {
    const SequenceGroup& grp = p.groups[i];
    last = kernel(fmt::format(".g{}", i), grp.seqs, grp.q_len, grp.kv_len, grp.kv_len > grp.q_len, last);
  }
  return last;
}

// Multi-head latent attention's projections (DeepSeek-V2 report, section 2.1): queries through
// an optional low-rank bottleneck, keys and values through one latent plus a shared RoPE key.
// The down-projections are small and whole on every tensor-parallel rank; the up-projections
// are split by heads.
std::size_t TraceBuilder::mla_projections(const Ctx& c, const Pass& p, std::size_t in) {
  const u64 T = p.tokens(), qk = card_.qk_nope_head_dim + card_.qk_rope_head_dim, rope = card_.qk_rope_head_dim;
  const u64 latent = card_.kv_lora_rank, qr = card_.q_lora_rank;
  std::size_t q = in;
  if (qr) {
    q = add(gemm(c, "attn.q_down", 1, T, qr, h_, true, wt_), {q}, Bwd::weight_gemm);
    q = add(vec(c, OpKind::rmsnorm, "attn.q_norm", T, qr), {q}, Bwd::vector);
    q = add(gemm(c, "attn.q_up", 1, T, heads_ * qk, qr, true, wt_), {q}, Bwd::column_gemm);
  } else {
    q = add(gemm(c, "attn.q", 1, T, heads_ * qk, h_, true, wt_), {q}, Bwd::column_gemm);
  }
  std::size_t kv = add(gemm(c, "attn.kv_down", 1, T, latent + rope, h_, true, wt_), {in, q}, Bwd::weight_gemm);
  kv = add(vec(c, OpKind::rmsnorm, "attn.kv_norm", T, latent), {kv}, Bwd::vector);
  // RoPE on each head's rotary query part and on the one shared rotary key.
  std::size_t ready = add(ew(c, "attn.rope", T, (heads_ + 1) * rope, 1, kRopeOps), {q, kv}, Bwd::vector);
  if (!p.training) {  // the cache keeps the compressed latent and the rotary key, not K and V
    Operator kvw = ew(c, "attn.kv_write", T, latent + rope, 1, 1);
    kvw.out_dtype = kv_;
    ready = add(std::move(kvw), {ready}, Bwd::none);
  }
  return ready;
}

// One latent-attention kernel over `seqs` sequences of q_len new tokens against kv_len keys.
// Decode (q_len 1) uses the absorbed form of inference engines: W_UK is folded into the query
// (attn.absorb), every query head attends the cached latents directly (one shared KV "head",
// k = kv_lora_rank + rope), and W_UV lifts the latent-space output to each head's values
// (attn.v_up). Prefill and training expand per-head keys and values from the latents
// (attn.kv_up) and run ordinary multi-head attention: with many queries per key that costs
// fewer FLOPs than attending in the 576-wide latent space.
std::size_t TraceBuilder::mla_kernel(const Ctx& c, const std::string& suffix, bool training, u64 seqs, u64 q_len,
                                     u64 kv_len, bool reads_cache, std::size_t after, std::size_t ready) {
  const u64 nope = card_.qk_nope_head_dim, rope = card_.qk_rope_head_dim, latent = card_.kv_lora_rank;
  const u64 v = card_.v_head_dim, t = seqs * q_len;
  if (q_len == 1 && !training) {
    const DataType kb = reads_cache ? kv_ : act_;
    std::size_t q = add(gemm(c, "attn.absorb" + suffix, heads_, t, latent, nope, true, wt_), {after, ready},
                        Bwd::weight_gemm);
    Operator qk = gemm(c, "attn.qk" + suffix, seqs, heads_ * q_len, kv_len, latent + rope, false, kb);
    Operator sm = vec(c, OpKind::softmax, "attn.softmax" + suffix, seqs * heads_ * q_len, kv_len);
    // Written transposed, O^T = C^T P^T, so that the latent C is operand A: a fused kernel
    // keeps the tile attn.qk loaded and the cache is read once (a trace can mark only operand
    // A as on chip; the probabilities, operand B, are then counted as read).
    Operator pv = gemm(c, "attn.pv" + suffix, seqs, latent, heads_ * q_len, kv_len, false, act_);
    qk.fused_output = sm.fused_input = sm.fused_output = pv.fused_input = fused_;
    const std::size_t s = add(std::move(qk), {q}, Bwd::act_gemm);
    const std::size_t pr = add(std::move(sm), {s}, Bwd::vector);
    const std::size_t o = add(std::move(pv), {pr, ready}, Bwd::act_gemm);
    return add(gemm(c, "attn.v_up" + suffix, heads_, t, v, latent, true, wt_), {o}, Bwd::weight_gemm);
  }
  // Expanded: every key's latent (cached context included) becomes per-head K (nope part) and V.
  std::size_t kv = add(gemm(c, "attn.kv_up" + suffix, 1, seqs * kv_len, heads_ * (nope + v), latent, true, wt_),
                       {after, ready}, Bwd::column_gemm);
  const u64 batch = seqs * heads_;
  Operator qk = gemm(c, "attn.qk" + suffix, batch, q_len, kv_len, nope + rope, false, act_);
  Operator sm = vec(c, OpKind::softmax, "attn.softmax" + suffix, seqs * heads_ * q_len, kv_len);
  Operator pv = gemm(c, "attn.pv" + suffix, batch, q_len, v, kv_len, false, act_);
  qk.fused_output = sm.fused_input = sm.fused_output = pv.fused_input = fused_;
  const std::size_t s = add(std::move(qk), {kv, ready}, Bwd::act_gemm);
  const std::size_t pr = add(std::move(sm), {s}, Bwd::vector);
  return add(std::move(pv), {pr, kv}, Bwd::act_gemm);
}

std::size_t TraceBuilder::mlp(const Ctx& c, const Pass& p, std::size_t x) {
  const u64 T = p.tokens();
  const bool gated = card_.mlp == MlpKind::swiglu;
  auto up_width = [&](u64 width) { return (gated ? 2 : 1) * width; };  // SwiGLU: gate and up as one GEMM
  const u64 up_n = up_width(ffn_);
  auto activation = [&](const std::string& name, u64 tokens, u64 width) {
    return gated ? ew(c, name, tokens, width, 2, kSwigluOps, VectorClass::exp)
                 : ew(c, name, tokens, width, 1, kGeluOps, VectorClass::exp);
  };
  if (!card_.layer_is_moe(static_cast<u64>(c.layer))) {  // dense model, or one of the leading dense layers
    std::size_t up = add(gemm(c, "mlp.up", 1, T, up_n, h_, true, wt_), {x}, Bwd::column_gemm);
    std::size_t act = add(activation("mlp.act", T, ffn_), {up}, Bwd::vector);
    return add(gemm(c, "mlp.down", 1, T, h_, ffn_, true, wt_), {act}, Bwd::weight_gemm);
  }
  // Mixture of experts: route, dispatch to the experts' ranks, run each local expert on its
  // tokens, return and combine the top-k outputs.
  const u64 E = card_.experts, k = card_.experts_per_token;
  std::size_t router = add(gemm(c, "moe.router", 1, T, E, h_, true, wt_), {x}, Bwd::weight_gemm);
  std::size_t probs = add(vec(c, OpKind::softmax, "moe.softmax", T, E), {router}, Bwd::vector);
  std::size_t topk = add(vec(c, OpKind::reduction, "moe.topk", T, E), {probs}, Bwd::none);
  const Bytes routed = T * k * h_ * bytes_per_element(act_);
  std::size_t in = topk;
  if (ep_ > 1) in = add(coll(c, "moe.dispatch", CollectiveKind::all_to_all, "ep", ep_, routed), {x, topk}, Bwd::collective);
  // This chip's experts serve tokens from the whole expert-parallel group; expert 0 (the
  // busiest under imbalance) is local, so the trace shows the critical chip.
  const auto counts = expert_token_counts(T * ep_, E, k, sc_.moe_imbalance);
  std::vector<std::size_t> outs;
  for (u64 e = 0; e < experts_; ++e) {
    const u64 t = counts[e];
    if (t == 0) continue;  // an expert no token chose does no work and reads no weights
    const std::string pre = fmt::format("moe.e{}.", e);
    std::size_t up = add(gemm(c, pre + "up", 1, t, up_width(eff_), h_, true, wt_), {in, x}, Bwd::weight_gemm);
    std::size_t act = add(activation(pre + "act", t, eff_), {up}, Bwd::vector);
    outs.push_back(add(gemm(c, pre + "down", 1, t, h_, eff_, true, wt_), {act}, Bwd::weight_gemm));
  }
  // Shared experts see every token; being replicated across expert-parallel ranks, they need
  // no dispatch and may overlap it. Several shared experts run as one MLP of their summed width.
  std::size_t shared = kNone, shared_gate = kNone;
  if (sff_ > 0) {
    std::size_t up = add(gemm(c, "moe.shared.up", 1, T, up_width(sff_), h_, true, wt_), {x}, Bwd::weight_gemm);
    std::size_t act = add(activation("moe.shared.act", T, sff_), {up}, Bwd::vector);
    shared = add(gemm(c, "moe.shared.down", 1, T, h_, sff_, true, wt_), {act}, Bwd::weight_gemm);
    // Qwen2-MoE: sigmoid(x w) scales the shared output; the sigmoid is folded into moe.combine.
    if (card_.shared_expert_gate)
      shared_gate = add(gemm(c, "moe.shared.gate", 1, T, 1, h_, true, wt_), {x}, Bwd::weight_gemm);
  }
  std::size_t back = outs.empty() ? in : outs.back();
  if (ep_ > 1) {
    outs.push_back(in);
    back = add(coll(c, "moe.combine_a2a", CollectiveKind::all_to_all, "ep", ep_, routed), outs, Bwd::collective);
    outs = {back};
  }
  outs.push_back(probs);
  if (shared == kNone)
    return add(ew(c, "moe.combine", T, h_, static_cast<std::uint32_t>(k), static_cast<std::uint32_t>(2 * k - 1)), outs,
               Bwd::vector);
  // The top-k weighted sum plus the shared output (gated: times its gate, one multiply more).
  outs.push_back(shared);
  outs.push_back(shared_gate);
  const auto extra = static_cast<std::uint32_t>(shared_gate == kNone ? 1 : 2);
  return add(ew(c, "moe.combine", T, h_, static_cast<std::uint32_t>(k + 1),
                static_cast<std::uint32_t>(2 * k - 1) + extra),
             outs, Bwd::vector);
}

std::size_t TraceBuilder::layer_forward(const Ctx& c, const Pass& p, std::size_t x) {
  const u64 T = p.tokens();
  const OpKind norm_kind = card_.norm == NormKind::rmsnorm ? OpKind::rmsnorm : OpKind::layernorm;
  auto norm = [&](const std::string& name, std::size_t dep) {
    return add(vec(c, norm_kind, name, rows(T), h_), {dep}, Bwd::vector);
  };
  auto residual = [&](const std::string& name, std::vector<std::size_t> deps) {
    const auto inputs = static_cast<std::uint32_t>(deps.size());
    return add(ew(c, name, rows(T), h_, inputs, inputs - 1), std::move(deps), Bwd::residual);
  };

  // Attention block. Pre-norm decoders normalise its input; post-norm encoders its output.
  std::size_t in = encoder_ ? x : norm("attn.norm", x);
  in = gather_sp(c, "attn.gather", T, in);
  std::size_t ready;
  if (mla_) {
    ready = mla_projections(c, p, in);
  } else {
    const u64 qkv_n = (heads_ + 2 * kvh_) * hd_;
    ready = add(gemm(c, "attn.qkv", 1, T, qkv_n, h_, true, wt_), {in}, Bwd::column_gemm);
    if (card_.position == PositionKind::rope) {
      const u64 rotated = static_cast<u64>(std::llround(static_cast<double>(hd_) * card_.rotary_fraction));
      ready = add(ew(c, "attn.rope", T, (heads_ + kvh_) * rotated, 1, kRopeOps), {ready}, Bwd::vector);
    }
    if (!p.training && !encoder_) {  // append this pass's K and V to the cache
      Operator kvw = ew(c, "attn.kv_write", T, 2 * kvh_ * hd_, 1, 1);
      kvw.out_dtype = kv_;
      ready = add(std::move(kvw), {ready}, Bwd::none);
    }
  }
  std::size_t att = attention(c, p, ready);
  const u64 values = heads_ * (mla_ ? card_.v_head_dim : hd_);
  att = add(gemm(c, "attn.out", 1, T, h_, values, true, wt_), {att}, Bwd::weight_gemm);
  att = reduce_tp(c, "attn.reduce", T, att);

  // MLP block.
  std::size_t mlp_in, skip;
  if (encoder_) {
    skip = norm("attn.norm", residual("attn.residual", {att, x}));
    mlp_in = skip;
  } else if (card_.parallel_residual) {  // GPT-NeoX: x + attn(ln1(x)) + mlp(ln2(x))
    skip = x;
    mlp_in = norm("mlp.norm", x);
  } else {
    skip = residual("attn.residual", {att, x});
    mlp_in = norm("mlp.norm", skip);
  }
  mlp_in = gather_sp(c, "mlp.gather", T, mlp_in);
  std::size_t out = reduce_tp(c, "mlp.reduce", T, mlp(c, p, mlp_in));
  if (encoder_) return norm("mlp.norm", residual("mlp.residual", {out, skip}));
  if (card_.parallel_residual) return residual("residual", {att, out, x});
  return residual("mlp.residual", {out, skip});
}

std::size_t TraceBuilder::head(const Ctx& c, const Pass& p, std::size_t x) {
  const u64 T = p.tokens();
  // Generation needs logits at each sequence's last position only; training and the MLM
  // head need every position.
  const bool all_positions = p.training || card_.head == HeadKind::mlm;
  const u64 n = all_positions ? T : p.sampled();
  if (n == 0) return x;  // a serving iteration of prefill chunks only: nothing samples yet
  const OpKind norm_kind = card_.norm == NormKind::rmsnorm ? OpKind::rmsnorm : OpKind::layernorm;
  const u64 norm_rows = all_positions ? rows(T) : n;
  std::size_t y = x;
  switch (card_.head) {
    case HeadKind::none: return x;
    case HeadKind::pooler: {  // BERT pooler: dense + tanh on each sequence's first token
      y = add(gemm(c, "head.pooler", 1, p.seqs, h_, h_, true, wt_), {x}, Bwd::weight_gemm);
      return add(ew(c, "head.tanh", p.seqs, h_, 1, kTanhOps, VectorClass::exp), {y}, Bwd::vector);
    }
    case HeadKind::mlm:
      y = gather_sp(c, "head.gather", T, y);
      y = add(gemm(c, "head.transform", 1, T, h_, h_, true, wt_), {y}, Bwd::weight_gemm);
      y = add(ew(c, "head.act", T, h_, 1, kGeluOps, VectorClass::exp), {y}, Bwd::vector);
      y = add(vec(c, norm_kind, "head.norm", T, h_), {y}, Bwd::vector);
      break;
    case HeadKind::lm:
      y = add(vec(c, norm_kind, "head.norm", norm_rows, h_), {y}, Bwd::vector);
      y = gather_sp(c, "head.gather", n, y);
      break;
  }
  y = add(gemm(c, "head.logits", 1, n, vocab_, h_, true, wt_), {y}, Bwd::column_gemm);
  if (p.training) {
    y = add(vec(c, OpKind::softmax, "head.loss", n, vocab_), {y}, Bwd::vector);  // cross-entropy
    // Vocabulary-parallel cross-entropy all-reduces max, sum and target logit (fp32) per token.
    if (tp_ > 1) y = add(coll(c, "head.loss_reduce", CollectiveKind::all_reduce, "tp", tp_, n * 3 * 4), {y});
    return y;
  }
  if (tp_ > 1)
    y = add(coll(c, "head.gather_logits", CollectiveKind::all_gather, "tp", tp_, n * card_.vocab * bytes_per_element(act_)), {y});
  return add(vec(c, OpKind::softmax, "head.sample", n, card_.vocab), {y});
}

// --- Backward ---------------------------------------------------------------------------------

std::size_t TraceBuilder::backward(const Ctx& c, const std::vector<Rec>& recs, std::size_t grad,
                                   std::vector<std::size_t>& wgrads) {
  std::vector<std::size_t> side;  // gradients the next operator must also wait for (dK, dV)
  std::size_t n_wgrad = 0;
  // A weight gradient accumulates onto the previous micro-batch's one for the same weight.
  auto note_wgrad = [&](std::size_t i) {
    if (n_wgrad < wgrads.size()) {
      w_.ops[i].deps.push_back(id(wgrads[n_wgrad]));
      wgrads[n_wgrad] = i;
    } else {
      wgrads.push_back(i);
    }
    ++n_wgrad;
  };
  auto flow = [&](std::size_t fwd) {
    std::vector<std::size_t> d{grad, fwd};  // incoming gradient + saved activations
    d.insert(d.end(), side.begin(), side.end());
    side.clear();
    return d;
  };
  for (std::size_t r = recs.size(); r-- > 0;) {
    const Rec& rec = recs[r];
    const Operator f = w_.ops[rec.op];  // a copy: add() may reallocate
    switch (rec.rule) {
      case Bwd::none: break;
      case Bwd::weight_gemm:
      case Bwd::column_gemm: {
        const auto deps = flow(rec.op);
        // Y[m,n] = X[m,k] W[k,n]: dX[m,k] = dY[m,n] W^T[n,k]; dW[k,n] = X^T[k,m] dY[m,n].
        grad = add(gemm(c, f.name + ".dgrad", f.batch, f.m, f.k, f.n, true, f.b_type()), deps);
        note_wgrad(add(gemm(c, f.name + ".wgrad", f.batch, f.k, f.n, f.m, false, act_), deps));
        if (rec.rule == Bwd::column_gemm && tp_ > 1 && !sp_)
          grad = add(coll(c, f.name + ".dgrad_reduce", CollectiveKind::all_reduce, "tp", tp_,
                          f.m * f.k * bytes_per_element(act_)), {grad});
        break;
      }
      case Bwd::act_gemm: {
        std::vector<std::size_t> deps = flow(rec.op);
        if (f.fused_input && r >= 2) {
          // Flash-style backward recomputes the scores and probabilities on chip.
          Operator qk = w_.ops[recs[r - 2].op], sm = w_.ops[recs[r - 1].op];
          for (Operator* op : {&qk, &sm}) {
            op->name += ".recompute";
            op->id = c.prefix + op->name;
            op->phase = c.phase;
            op->layer = c.layer;
            op->pass = c.pass;
            op->deps.clear();
          }
          const std::size_t q = add(std::move(qk), deps);
          deps.push_back(add(std::move(sm), {q}));
        }
        // C[m,n] = A[m,k] B[k,n]: dA[m,k] = dC[m,n] B^T[n,k]; dB[k,n] = A^T[k,m] dC[m,n].
        Operator da = gemm(c, f.name + ".da", f.batch, f.m, f.k, f.n, false, f.b_type());
        Operator db = gemm(c, f.name + ".db", f.batch, f.k, f.n, f.m, false, act_);
        da.fused_input = f.fused_output;  // dC stays on chip when C did
        da.fused_output = f.fused_input;  // dA stays on chip when A came from on chip
        db.fused_input = f.fused_input || f.fused_output;
        grad = add(std::move(da), deps);
        side.push_back(add(std::move(db), deps));
        break;
      }
      case Bwd::vector: {
        std::uint32_t ops = kSoftmaxBwdOps;
        VectorClass vc = VectorClass::add_mul;
        if (f.kind == OpKind::layernorm) ops = kLayerNormBwdOps;
        if (f.kind == OpKind::rmsnorm) ops = kRmsNormBwdOps;
        if (f.kind == OpKind::elementwise) {
          ops = 2 * f.ops_per_element;
          vc = f.vector_class;
        }
        Operator g = ew(c, f.name + ".bwd", f.rows, f.cols, 2, ops, vc);
        if (f.kind == OpKind::elementwise) {
          g.inputs = f.inputs + 1;  // dY and the saved inputs
          g.outputs = f.inputs;     // one gradient per input
        }
        g.fused_input = f.fused_output;
        g.fused_output = f.fused_input;
        grad = add(std::move(g), flow(rec.op));
        break;
      }
      case Bwd::residual:
        grad = add(ew(c, f.name + ".bwd", f.rows, f.cols, 2, 1), flow(rec.op));
        break;
      case Bwd::embedding: {
        const std::size_t e = add(ew(c, f.name + ".bwd", f.rows, f.cols, 2, 1), flow(rec.op));
        note_wgrad(e);
        grad = e;
        break;
      }
      case Bwd::collective: {
        CollectiveKind k = f.collective.kind;
        if (k == CollectiveKind::all_gather) k = CollectiveKind::reduce_scatter;
        else if (k == CollectiveKind::reduce_scatter) k = CollectiveKind::all_gather;
        else if (k != CollectiveKind::all_to_all) break;  // all-reduce after a row-parallel GEMM: identity
        grad = add(coll(c, f.name + ".bwd", k, f.collective.group, f.collective.group_size, f.collective.bytes),
                   flow(rec.op));
        break;
      }
    }
  }
  // `side` is empty here: QK's dK is consumed by the QKV projection's backward in the same layer.
  return grad;
}

// The attention core Korthikanti et al. recompute selectively: the scores (QK^T) and their
// softmax, the tensors that grow with the square of the sequence.
bool TraceBuilder::is_attention_core(const Operator& op) {
  const auto named = [&](std::string_view base) {  // "attn.qk" or "attn.qk.g1", never "attn.qkv"
    return op.name == base || (op.name.starts_with(base) && op.name[base.size()] == '.');
  };
  return op.kind != OpKind::collective && (named("attn.qk") || named("attn.softmax"));
}

// Full activation recomputation: the layer's forward operators run again before its backward.
std::vector<Rec> TraceBuilder::recompute(const Ctx& c, const std::vector<Rec>& recs, std::size_t after) {
  std::unordered_map<std::string, std::string> renamed;  // forward id -> recomputed id
  std::vector<Rec> out;
  out.reserve(recs.size());
  for (const Rec& r : recs) {
    Operator op = w_.ops[r.op];
    renamed.emplace(op.id, c.prefix + op.name);
    op.id = c.prefix + op.name;
    op.phase = c.phase;
    for (std::string& d : op.deps)
      if (auto it = renamed.find(d); it != renamed.end()) d = it->second;
    // The first recomputed operator waits for the incoming gradient: recomputation is part
    // of the backward pass.
    out.push_back({add(std::move(op), {out.empty() ? after : kNone}), r.rule});
  }
  return out;
}

// --- Layout -----------------------------------------------------------------------------------

// Layers are split over the stages as evenly as possible; the first stages take the remainder.
u64 TraceBuilder::first_layer(std::int32_t s) const {
  const u64 us = static_cast<u64>(s);
  return us * (L_ / pp_) + std::min(us, L_ % pp_);
}
u64 TraceBuilder::layer_count(std::int32_t s) const {
  return L_ / pp_ + (static_cast<u64>(s) < L_ % pp_ ? 1 : 0);
}

std::size_t TraceBuilder::slot_stage(std::size_t slot) const {
  if (slot == 0) return 0;
  if (slot == L_ + 1) return static_cast<std::size_t>(last_stage());
  for (u64 vs = 0; vs + 1 < vstages(); ++vs)
    if (slot - 1 < vfirst_layer(vs) + vlayer_count(vs)) return static_cast<std::size_t>(vs % pp_);
  return static_cast<std::size_t>(last_stage());
}

Ctx TraceBuilder::ctx(const std::string& prefix, std::int32_t layer, std::int32_t stage, std::int32_t pass,
                      const std::string& phase) const {
  return Ctx{prefix, layer, stage, pass, phase};
}

// Parameters this chip holds for one slot (tensor- and expert-parallel shards).
Params TraceBuilder::slot_params(std::size_t slot) const {
  const ModelCard& c = card_;
  const u64 h = h_, norm = c.norm == NormKind::rmsnorm ? h : 2 * h;
  Params p;
  if (slot == 0) {
    p.dense = vocab_ * h + (c.position == PositionKind::learned ? c.max_positions * h : 0) + c.type_vocab * h +
              (encoder_ ? norm : 0);
    return p;
  }
  if (slot == L_ + 1) {
    const u64 out_matrix = vocab_ * h;
    switch (c.head) {
      // Tied weights live with the embedding, except that a separate last pipeline stage
      // keeps its own copy (Megatron synchronises the two).
      case HeadKind::lm: p.dense = (c.tied_embeddings && pp_ == 1) ? 0 : out_matrix; break;
      case HeadKind::mlm: p.dense = h * h + h + norm + c.vocab + ((c.tied_embeddings && pp_ == 1) ? 0 : out_matrix); break;
      case HeadKind::pooler: p.dense = h * h + h; break;
      case HeadKind::none: break;
    }
    if (!encoder_) p.dense += norm;  // final norm
    return p;
  }
  const u64 attention = attention_parameters(c, heads_, kvh_);
  if (!c.layer_is_moe(slot - 1)) {
    p.dense = attention + 2 * norm + mlp_params(ffn_);
    return p;
  }
  // Router (+ bias) and shared experts are replicated across expert-parallel ranks.
  const u64 router = h * c.experts + (c.router_bias ? c.experts : 0);
  const u64 shared = c.shared_experts ? c.shared_experts * mlp_params(c.shared_width() / tp_) +
                                            (c.shared_expert_gate ? h : 0)
                                      : 0;
  p.dense = attention + 2 * norm + router + shared;
  p.expert = experts_ * mlp_params(eff_);
  return p;
}

// --- Inference --------------------------------------------------------------------------------

std::size_t TraceBuilder::inference_pass(const Pass& p, std::size_t after) {
  max_tokens_ = std::max(max_tokens_, p.tokens());
  std::size_t x = kNone;
  for (std::int32_t s = 0; s <= last_stage(); ++s) {
    if (s == 0) {
      order_dep_ = after;
      x = embedding(ctx(p.tag + ".", kNoLayer, 0, p.index, p.phase), p);
    }
    for (u64 l = first_layer(s); l < first_layer(s) + layer_count(s); ++l)
      x = layer_forward(ctx(fmt::format("{}.L{}.", p.tag, l), static_cast<std::int32_t>(l), s, p.index, p.phase), p, x);
    const Ctx c = ctx(p.tag + ".", kNoLayer, s, p.index, p.phase);
    x = s < last_stage() ? send(c, fmt::format("s{}.send", s), p.tokens(), x) : head(c, p, x);
  }
  return x;
}

void TraceBuilder::inference() {
  const u64 seqs = sc_.batch / dp_;
  const u64 window = card_.sliding_window ? card_.sliding_window : std::numeric_limits<u64>::max();
  auto step = [&](std::int32_t i, u64 attended) {
    return Pass{fmt::format("step{}", i), "decode", i, seqs, 1, std::min(attended, window), false, true, {}};
  };
  std::size_t last = kNone;
  switch (sc_.kind) {
    case ScenarioKind::prefill:
      last = inference_pass(Pass{"prefill", encoder_ ? "forward" : "prefill", -1, seqs, sc_.prompt,
                                 std::min(sc_.prompt, window), false, false, {}}, last);
      w_.tokens = static_cast<double>(seqs * sc_.prompt);
      break;
    case ScenarioKind::decode:
      for (u64 i = 0; i < sc_.steps; ++i) last = inference_pass(step(static_cast<std::int32_t>(i), sc_.context + i), last);
      w_.tokens = static_cast<double>(seqs * sc_.steps);
      break;
    case ScenarioKind::generate:
      last = inference_pass(Pass{"prefill", "prefill", -1, seqs, sc_.prompt, std::min(sc_.prompt, window), false, false, {}}, last);
      for (u64 i = 0; i < sc_.output; ++i) last = inference_pass(step(static_cast<std::int32_t>(i), sc_.prompt + 1 + i), last);
      w_.tokens = static_cast<double>(seqs * (sc_.prompt + sc_.output));
      break;
    case ScenarioKind::training: break;
  }
  w_.samples = static_cast<double>(seqs);
}

// --- Training ---------------------------------------------------------------------------------

Pass TraceBuilder::train_pass(u64 mb) const {
  const u64 window = card_.sliding_window ? card_.sliding_window : std::numeric_limits<u64>::max();
  return Pass{fmt::format("mb{}", mb), "forward", static_cast<std::int32_t>(mb), sc_.micro_batch, sc_.seq_len,
              std::min(sc_.seq_len, window), true, false, {}};
}

std::size_t TraceBuilder::train_forward(u64 vs, u64 mb) {
  const auto s = static_cast<std::int32_t>(vs % pp_);
  const bool last_vstage = vs + 1 == vstages();
  const Pass p = train_pass(mb);
  const auto pass = static_cast<std::int32_t>(mb);
  const bool zero3 = sc_.parallel.zero == 3 && dp_ > 1;
  std::size_t x = vs == 0 ? kNone : fwd_send_[vs - 1][mb];
  if (vs == 0) {
    recording_ = &recs_[mb][0];
    x = embedding(ctx(p.tag + ".", kNoLayer, s, pass, p.phase), p);
  }
  for (u64 l = vfirst_layer(vs); l < vfirst_layer(vs) + vlayer_count(vs); ++l) {
    const Ctx c = ctx(fmt::format("{}.L{}.", p.tag, l), static_cast<std::int32_t>(l), s, pass, p.phase);
    recording_ = nullptr;
    if (zero3)  // ZeRO-3 gathers each layer's weights before using them
      order_dep_ = add(coll(c, "zero.gather", CollectiveKind::all_gather, "dp", dp_,
                            slot_params(l + 1).total() * bytes_per_element(wt_)), {x});
    recording_ = &recs_[mb][l + 1];
    x = layer_forward(c, p, x);
  }
  const Ctx c = ctx(p.tag + ".", kNoLayer, s, pass, p.phase);
  if (last_vstage) {
    recording_ = &recs_[mb][L_ + 1];
    x = head(c, p, x);
  } else {
    recording_ = nullptr;
    x = fwd_send_[vs][mb] = send(c, v_ > 1 ? fmt::format("v{}.send", vs) : fmt::format("s{}.send", s), p.tokens(), x);
  }
  recording_ = nullptr;
  if (mb == 0 && vs + pp_ >= vstages()) {  // after the stage's last chunk: activations kept per micro-batch
    Bytes kept = 0, largest_layer = 0;
    for (std::size_t slot = 0; slot <= L_ + 1; ++slot) {
      if (slot_stage(slot) != static_cast<std::size_t>(s)) continue;
      Bytes b = 0;
      for (const Rec& r : recs_[0][slot])
        if (w_.ops[r.op].kind != OpKind::collective) b += w_.ops[r.op].bytes_written();
      const bool layer = slot >= 1 && slot <= L_;
      if (layer && sc_.recompute) {
        kept += rows(p.tokens()) * h_ * bytes_per_element(act_);  // only the layer input
        largest_layer = std::max(largest_layer, b);               // one layer re-materialised
      } else if (layer && sc_.selective_recompute) {
        Bytes core = 0;  // the attention core's scores and probabilities, rebuilt in the backward
        for (const Rec& r : recs_[0][slot])
          if (is_attention_core(w_.ops[r.op])) core += w_.ops[r.op].bytes_written();
        kept += b - core;
        largest_layer = std::max(largest_layer, core);
      } else {
        kept += b;
      }
    }
    stored_[static_cast<std::size_t>(s)] = kept;
    rematerialised_[static_cast<std::size_t>(s)] = largest_layer;
  }
  return x;
}

std::size_t TraceBuilder::train_backward(u64 vs, u64 mb, bool last_mb) {
  const auto s = static_cast<std::int32_t>(vs % pp_);
  const bool last_vstage = vs + 1 == vstages();
  const std::string tag = fmt::format("mb{}", mb);
  const auto pass = static_cast<std::int32_t>(mb);
  const bool zero3 = sc_.parallel.zero == 3 && dp_ > 1;
  std::size_t grad = last_vstage ? kNone : bwd_send_[vs + 1][mb];
  if (last_vstage) {
    grad = backward(ctx(tag + ".bwd.", kNoLayer, s, pass, "backward"), recs_[mb][L_ + 1], grad, wgrads_[L_ + 1]);
    if (last_mb) grad_sync(s, L_ + 1, wgrads_[L_ + 1]);
  }
  for (u64 l = vfirst_layer(vs) + vlayer_count(vs); l-- > vfirst_layer(vs);) {
    const auto layer = static_cast<std::int32_t>(l);
    const Ctx c = ctx(fmt::format("{}.L{}.bwd.", tag, l), layer, s, pass, "backward");
    if (zero3)
      order_dep_ = add(coll(c, "zero.gather", CollectiveKind::all_gather, "dp", dp_,
                            slot_params(l + 1).total() * bytes_per_element(wt_)), {grad});
    std::vector<Rec> recs = std::move(recs_[mb][l + 1]);
    if (sc_.recompute) recs = recompute(ctx(fmt::format("{}.L{}.rc.", tag, l), layer, s, pass, "recompute"), recs, grad);
    // Flash-style attention already rebuilds its scores on chip in the backward (nothing kept).
    if (sc_.selective_recompute && !fused_) {  // rebuild the attention core only, in place in the records
      std::vector<std::size_t> at;
      std::vector<Rec> core;
      for (std::size_t i = 0; i < recs.size(); ++i)
        if (is_attention_core(w_.ops[recs[i].op])) at.push_back(i), core.push_back(recs[i]);
      core = recompute(ctx(fmt::format("{}.L{}.rc.", tag, l), layer, s, pass, "recompute"), core, grad);
      for (std::size_t i = 0; i < at.size(); ++i) recs[at[i]] = core[i];
    }
    grad = backward(c, recs, grad, wgrads_[l + 1]);
    if (last_mb) grad_sync(s, l + 1, wgrads_[l + 1]);
  }
  const Ctx c = ctx(tag + ".bwd.", kNoLayer, s, pass, "backward");
  if (vs == 0) {
    grad = backward(c, recs_[mb][0], grad, wgrads_[0]);
    if (last_mb) grad_sync(s, 0, wgrads_[0]);
    recs_[mb][0].clear();
  } else {
    grad = bwd_send_[vs][mb] = send(c, v_ > 1 ? fmt::format("v{}.send_grad", vs) : fmt::format("s{}.send_grad", s),
                                    sc_.micro_batch * sc_.seq_len, grad);
  }
  if (last_vstage) recs_[mb][L_ + 1].clear();
  return grad;
}

// Data-parallel gradient synchronisation for one slot, once its last micro-batch is done: its
// gradients join the stage's bucket, reduced once the bucket holds dp_bucket_mib (at once with
// 0, at the stage's end without overlap).
void TraceBuilder::grad_sync(std::int32_t s, std::size_t slot, const std::vector<std::size_t>& wgrads) {
  const Params p = slot_params(slot);
  const Parallelism& par = sc_.parallel;
  // Expert weights are replicated only across the dp/ep ranks that hold the same experts.
  const std::array<Bytes, 2> bytes = {dp_ > 1 ? p.dense * bytes_per_element(wt_) : 0,
                                      dp_ / ep_ > 1 ? p.expert * bytes_per_element(wt_) : 0};
  synced_[slot] = bytes[0] + bytes[1] == 0 ? wgrads : std::vector<std::size_t>{};
  const auto threshold = static_cast<Bytes>(par.dp_bucket_mib * double(1u << 20));
  for (std::size_t which = 0; which < 2; ++which) {
    if (bytes[which] == 0) continue;
    Bucket& b = buckets_[static_cast<std::size_t>(s)][which];
    b.slots.push_back(slot);
    b.deps.insert(b.deps.end(), wgrads.begin(), wgrads.end());
    b.bytes += bytes[which];
    if (par.dp_overlap && b.bytes >= threshold) flush_bucket(s, which, {});
  }
}

void TraceBuilder::flush_bucket(std::int32_t s, std::size_t which, std::span<const std::size_t> after) {
  Bucket& b = buckets_[static_cast<std::size_t>(s)][which];
  if (b.slots.empty()) return;
  // One slot keeps its own name and layer (sync.L7.grads); a bucket of several is numbered.
  const std::size_t slot = b.slots.front();
  const std::int32_t layer =
      b.slots.size() == 1 && slot >= 1 && slot <= L_ ? static_cast<std::int32_t>(slot - 1) : kNoLayer;
  const std::string prefix = b.slots.size() > 1 ? fmt::format("sync.s{}.bucket{}.", s, bucket_count_[static_cast<std::size_t>(s)]++)
                             : layer >= 0       ? fmt::format("sync.L{}.", layer)
                             : slot == 0        ? "sync.embed."
                                                : "sync.head.";
  const Ctx c = ctx(prefix, layer, s, -1, "backward");
  const auto kind = sc_.parallel.zero == 0 ? CollectiveKind::all_reduce : CollectiveKind::reduce_scatter;
  std::vector<std::size_t> deps = std::move(b.deps);
  deps.insert(deps.end(), after.begin(), after.end());
  const std::size_t done = which == 0 ? add(coll(c, "grads", kind, "dp", dp_, b.bytes), deps)
                                      : add(coll(c, "expert_grads", kind, "edp", dp_ / ep_, b.bytes), deps);
  for (std::size_t sl : b.slots) synced_[sl].push_back(done);
  b = Bucket{};
}

void TraceBuilder::optimizer(std::int32_t s) {
  const bool sharded = sc_.parallel.zero >= 1 && dp_ > 1;
  for (std::size_t slot = 0; slot <= L_ + 1; ++slot) {
    if (slot_stage(slot) != static_cast<std::size_t>(s)) continue;
    const u64 params = slot_params(slot).total();
    if (params == 0) continue;
    const std::int32_t layer = slot >= 1 && slot <= L_ ? static_cast<std::int32_t>(slot - 1) : kNoLayer;
    const std::string prefix = layer >= 0 ? fmt::format("opt.L{}.", layer) : (slot == 0 ? "opt.embed." : "opt.head.");
    const Ctx c = ctx(prefix, layer, s, -1, "optimizer");
    const u64 shard = sharded ? ceil_div(params, dp_) : params;
    // fp32 master weight, gradient, two moments in; weight and moments out.
    Operator adam = ew(c, "adam", ceil_div(shard, h_), h_, 4, kAdamOps);
    adam.dtype = adam.out_dtype = DataType::fp32;
    adam.outputs = 3;
    std::size_t done = add(std::move(adam), synced_[slot]);
    if (sharded)  // every rank needs the whole updated weight again
      add(coll(c, "zero.gather", CollectiveKind::all_gather, "dp", dp_, params * bytes_per_element(wt_)), {done});
  }
}

// Megatron-LM's interleaved 1F1B (forward_backward_pipelining_with_interleaving): stage s runs
// (p - s - 1) x 2 + (v - 1) x p warm-up forwards, then alternates one forward and one backward,
// then drains the backwards; each item is one chunk of one micro-batch (k counts them).
std::vector<std::pair<bool, u64>> TraceBuilder::interleaved_plan(u64 s) const {
  const u64 total = micro_batches_ * v_;
  const u64 warmup = std::min(total, interleaved_warmup(s));
  std::vector<std::pair<bool, u64>> items;
  for (u64 k = 0; k < warmup; ++k) items.emplace_back(true, k);
  for (u64 k = 0; k + warmup < total; ++k) {
    items.emplace_back(true, k + warmup);
    items.emplace_back(false, k);
  }
  for (u64 k = total - warmup; k < total; ++k) items.emplace_back(false, k);
  return items;
}

void TraceBuilder::training() {
  micro_batches_ = sc_.global_batch / (sc_.micro_batch * dp_);
  const u64 m = micro_batches_;
  recs_.assign(m, std::vector<std::vector<Rec>>(L_ + 2));
  wgrads_.assign(L_ + 2, {});
  synced_.assign(L_ + 2, {});
  buckets_.assign(pp_, {});
  bucket_count_.assign(pp_, 0);
  fwd_send_.assign(vstages(), std::vector<std::size_t>(m, kNone));
  bwd_send_.assign(vstages(), std::vector<std::size_t>(m, kNone));
  stored_.assign(pp_, 0);
  rematerialised_.assign(pp_, 0);

  // Each stage's order of forward (true) and backward (false) work: (micro-batch, virtual stage).
  std::vector<std::vector<std::tuple<bool, u64, u64>>> plan(pp_);
  for (std::int32_t s = 0; s <= last_stage(); ++s) {
    auto& items = plan[static_cast<std::size_t>(s)];
    const auto us = static_cast<u64>(s);
    if (v_ > 1) {
      // Megatron-LM's interleaved order: work item k of a direction runs chunk (k mod pv) / p
      // (backwards from the last chunk) of micro-batch (k / pv) p + k mod p.
      for (const auto& [fwd, k] : interleaved_plan(us)) {
        const u64 chunk = (k % (pp_ * v_)) / pp_;
        items.emplace_back(fwd, (k / (pp_ * v_)) * pp_ + k % pp_, (fwd ? chunk : v_ - 1 - chunk) * pp_ + us);
      }
      continue;
    }
    std::vector<std::pair<bool, u64>> order;
    if (sc_.parallel.schedule == PipelineSchedule::gpipe) {
      for (u64 i = 0; i < m; ++i) order.emplace_back(true, i);
      for (u64 i = 0; i < m; ++i) order.emplace_back(false, i);
    } else {  // 1F1B: warm-up forwards, then alternate, then drain the backwards
      const u64 warmup = std::min<u64>(pp_ - 1 - us, m);
      for (u64 i = 0; i < warmup; ++i) order.emplace_back(true, i);
      for (u64 i = 0; i + warmup < m; ++i) {
        order.emplace_back(true, i + warmup);
        order.emplace_back(false, i);
      }
      for (u64 i = m - warmup; i < m; ++i) order.emplace_back(false, i);
    }
    for (const auto& [fwd, mb] : order) items.emplace_back(fwd, mb, us);
  }
  // Emit items in an order that respects the cross-stage dependencies, so the list comes out
  // topologically ordered; within a stage each item waits for the previous one.
  std::vector<std::size_t> next(pp_, 0), last(pp_, kNone);
  for (bool progress = true; progress;) {
    progress = false;
    for (std::int32_t s = 0; s <= last_stage(); ++s) {
      const auto us = static_cast<std::size_t>(s);
      while (next[us] < plan[us].size()) {
        const auto [fwd, mb, vs] = plan[us][next[us]];
        if (fwd && vs > 0 && fwd_send_[vs - 1][mb] == kNone) break;
        if (!fwd && vs + 1 < vstages() && bwd_send_[vs + 1][mb] == kNone) break;
        order_dep_ = last[us];
        last[us] = fwd ? train_forward(vs, mb) : train_backward(vs, mb, mb + 1 == m);
        ++next[us];
        progress = true;
      }
    }
  }
  for (std::size_t s = 0; s < pp_; ++s)
    if (next[s] != plan[s].size()) throw std::logic_error("pipeline schedule deadlocked");
  for (std::int32_t s = 0; s <= last_stage(); ++s) {
    // What is left in the buckets; without overlap, everything, after the stage's last backward.
    const std::size_t end = last[static_cast<std::size_t>(s)];
    const std::span<const std::size_t> after = sc_.parallel.dp_overlap ? std::span<const std::size_t>{}
                                                                       : std::span<const std::size_t>(&end, 1);
    order_dep_ = kNone;
    for (std::size_t which = 0; which < 2; ++which) flush_bucket(s, which, after);
    order_dep_ = last[static_cast<std::size_t>(s)];
    optimizer(s);
  }
  w_.samples = static_cast<double>(sc_.global_batch / dp_);
  w_.tokens = w_.samples * static_cast<double>(sc_.seq_len);
}

// --- Summary ----------------------------------------------------------------------------------

void TraceBuilder::summarise() {
  const ParameterCount pc = count_parameters(card_);
  WorkloadSummary& sum = w_.summary;
  sum.model = card_.name;
  sum.scenario = to_spec(sc_);
  sum.parameters = pc.total;
  sum.active_parameters = pc.active;
  const bool training = sc_.kind == ScenarioKind::training;
  const u64 zero = dp_ > 1 ? sc_.parallel.zero : 0;
  // KV-cache length at the end of the scenario (a sliding window caps it).
  u64 ctx_len = sc_.kind == ScenarioKind::prefill  ? sc_.prompt
                : sc_.kind == ScenarioKind::decode ? sc_.context + sc_.steps - 1
                                                   : sc_.prompt + sc_.output;
  if (card_.sliding_window) ctx_len = std::min(ctx_len, card_.sliding_window);
  // The footprint reported is that of the fullest pipeline stage.
  Bytes best_total = 0;
  for (std::int32_t s = 0; s <= last_stage(); ++s) {
    u64 params = 0;
    for (std::size_t slot = 0; slot <= L_ + 1; ++slot)
      if (slot_stage(slot) == static_cast<std::size_t>(s)) params += slot_params(slot).total();
    const Bytes wb = bytes_per_element(wt_);
    WorkloadSummary f;
    f.weight_bytes = params * wb / (training && zero == 3 ? dp_ : 1);
    if (training) {
      f.gradient_bytes = params * wb / (zero >= 2 ? dp_ : 1);
      f.optimizer_bytes = params * kAdamStateBytesPerParam / (zero >= 1 ? dp_ : 1);
      // GPipe keeps every micro-batch's activations; 1F1B at most (stages - s) of them; interleaved
      // 1F1B at most its warm-up + 1 chunks, each 1/v of the stage's layers (Narayanan et al. 2.2.1).
      const auto us = static_cast<u64>(s);
      const u64 in_flight_chunks = sc_.parallel.schedule == PipelineSchedule::gpipe ? micro_batches_ * v_
                                   : v_ > 1 ? std::min(micro_batches_ * v_, interleaved_warmup(us) + 1)
                                            : std::min<u64>(pp_ - us, micro_batches_);
      // Recomputation re-materialises one layer at a time, whichever micro-batch it serves: counted once.
      f.activation_bytes = in_flight_chunks * stored_[us] / v_ + rematerialised_[us];
    } else {
      if (!encoder_)
        f.kv_cache_bytes = layer_count(s) * kv_per_layer_token() * ctx_len * (sc_.batch / dp_) * bytes_per_element(kv_);
      // The residual stream plus the largest intermediate tensor of any operator.
      f.activation_bytes = max_tokens_ * h_ * bytes_per_element(act_) + max_output_;
    }
    const Bytes total = f.weight_bytes + f.kv_cache_bytes + f.activation_bytes + f.gradient_bytes + f.optimizer_bytes;
    if (s == 0 || total > best_total) {
      best_total = total;
      sum.weight_bytes = f.weight_bytes;
      sum.kv_cache_bytes = f.kv_cache_bytes;
      sum.activation_bytes = f.activation_bytes;
      sum.gradient_bytes = f.gradient_bytes;
      sum.optimizer_bytes = f.optimizer_bytes;
    }
  }
}

Workload TraceBuilder::build_iteration(const std::vector<SequenceGroup>& groups) {
  if (groups.empty()) throw Error(fmt::format("model '{}': a serving iteration needs at least one sequence", card_.name));
  if (pp_ != 1) throw Error(fmt::format("model '{}': a serving iteration is timed on one pipeline stage (pp = 1), got pp={}",
                                        card_.name, pp_));
  if (encoder_) throw Error(fmt::format("model '{}': an encoder does not generate tokens", card_.name));
  u64 kv_tokens = 0, decode_seqs = 0, prefill_tokens = 0;
  for (const SequenceGroup& g : groups) {
    if (g.seqs == 0 || g.q_len == 0 || g.kv_len < g.q_len)
      throw Error(fmt::format("model '{}': iteration group of {} sequences x {} new tokens against {} keys: need seqs >= 1, "
                              "1 <= q_len <= kv_len", card_.name, g.seqs, g.q_len, g.kv_len));
    if (card_.position == PositionKind::learned && g.kv_len > card_.max_positions)
      throw Error(fmt::format("model '{}': sequences of {} tokens exceed the {} learned positions", card_.name, g.kv_len,
                              card_.max_positions));
    kv_tokens += g.seqs * g.kv_len;
    (g.q_len == 1 ? decode_seqs : prefill_tokens) += g.seqs * g.q_len;
  }
  Pass p{"iter", "serve", -1, 0, 0, 0, false, false, {}};
  p.groups = groups;
  if (card_.sliding_window)  // a sliding window caps the keys each query attends
    for (SequenceGroup& g : p.groups) g.kv_len = std::max(std::min(g.kv_len, card_.sliding_window), std::min(g.q_len, g.kv_len));
  inference_pass(p, kNone);
  w_.tokens = static_cast<double>(p.tokens());
  w_.samples = static_cast<double>(p.sampled());
  w_.name = fmt::format("{} iteration ({} decode sequences, {} prefill tokens)", card_.name, decode_seqs, prefill_tokens);
  w_.source = fmt::format("generated from model '{}' ({}): serving iteration of {} groups", card_.name, card_.source,
                          groups.size());
  if (!card_.notes.empty()) w_.source += fmt::format(" (model notes: {})", card_.notes);
  summarise();
  // The KV cache this iteration reads and writes, whatever the scenario's own sizes say.
  w_.summary.kv_cache_bytes = kv_tokens * kv_bytes_per_token();
  w_.summary.activation_bytes = max_tokens_ * h_ * bytes_per_element(act_) + max_output_;
  validate_workload(w_, w_.source);
  return std::move(w_);
}

Workload TraceBuilder::build() {
  w_.name = fmt::format("{} {}", card_.name, sc_.name);
  w_.source = fmt::format("generated from model '{}' ({}), scenario '{}'", card_.name, card_.source, to_spec(sc_));
  if (!card_.notes.empty()) w_.source += fmt::format(" (model notes: {})", card_.notes);
  if (sc_.kind == ScenarioKind::training) training();
  else inference();
  summarise();
  validate_workload(w_, w_.source);
  return std::move(w_);
}

}  // namespace

std::vector<std::uint64_t> expert_token_counts(std::uint64_t tokens, std::uint64_t experts, std::uint64_t top_k,
                                               double imbalance) {
  if (experts == 0) return {};
  const u64 total = tokens * top_k;
  const double avg = static_cast<double>(total) / static_cast<double>(experts);
  u64 hot = std::max(static_cast<u64>(std::ceil(avg)), static_cast<u64>(std::llround(imbalance * avg)));
  hot = std::min({hot, tokens, total});
  std::vector<u64> counts(experts, 0);
  counts[0] = hot;
  if (experts == 1) {
    counts[0] = total;
    return counts;
  }
  const u64 rest = total - hot, others = experts - 1;
  for (u64 e = 1; e < experts; ++e) counts[e] = rest / others + (e <= rest % others ? 1 : 0);
  return counts;
}

Workload generate_iteration(const ModelCard& card, const Scenario& scenario, const std::vector<SequenceGroup>& groups) {
  validate_model_card(card);
  return TraceBuilder(card, scenario).build_iteration(groups);
}

Bytes kv_bytes_per_token(const ModelCard& card, const Scenario& scenario) {
  validate_model_card(card);
  if (card.family == ModelFamily::encoder) return 0;
  return TraceBuilder(card, scenario).kv_bytes_per_token();
}

Workload generate_trace(const ModelCard& card, const Scenario& scenario) {
  validate_model_card(card);
  validate_scenario(scenario);
  return TraceBuilder(card, scenario).build();
}

}  // namespace tessera
