#include "serving/serving_sim.h"

#include <algorithm>
#include <cmath>
#include <deque>
#include <limits>
#include <map>
#include <optional>

#include <fmt/core.h>

#include "base/types.h"
#include "serving/kv_transfer.h"

namespace tessera {

std::optional<SchedulerKind> parse_scheduler(const std::string& text) {
  if (text == "chunked") return SchedulerKind::chunked;
  if (text == "prefill_first" || text == "prefill-first") return SchedulerKind::prefill_first;
  if (text == "static") return SchedulerKind::static_batch;
  return std::nullopt;
}

const char* to_string(SchedulerKind k) {
  switch (k) {
    case SchedulerKind::chunked: return "chunked";
    case SchedulerKind::prefill_first: return "prefill_first";
    case SchedulerKind::static_batch: return "static";
  }
  return "?";
}

std::optional<RouterKind> parse_router(const std::string& text) {
  if (text == "round_robin" || text == "round-robin") return RouterKind::round_robin;
  if (text == "least_outstanding" || text == "least-outstanding") return RouterKind::least_outstanding;
  if (text == "least_kv" || text == "least-kv") return RouterKind::least_kv;
  return std::nullopt;
}

const char* to_string(RouterKind k) {
  switch (k) {
    case RouterKind::round_robin: return "round_robin";
    case RouterKind::least_outstanding: return "least_outstanding";
    case RouterKind::least_kv: return "least_kv";
  }
  return "?";
}

double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const double pos = p / 100.0 * static_cast<double>(v.size() - 1);
  const auto i = static_cast<std::size_t>(std::floor(pos));
  if (i + 1 >= v.size()) return v.back();
  return v[i] + (v[i + 1] - v[i]) * (pos - static_cast<double>(i));
}

std::uint64_t kv_block_capacity(const ReplicaSpec& spec, const ServingOptions& o, double* weight_bytes,
                                double* activation_bytes) {
  // Weights and the activations of the largest iteration, from the trace generator's footprint.
  const std::uint64_t tokens = std::max<std::uint64_t>(o.max_batched_tokens, 1);
  const Workload w = generate_iteration(spec.model, spec.scenario, {SequenceGroup{1, tokens, tokens, true}});
  const double weights = static_cast<double>(w.summary.weight_bytes);
  const double activations = static_cast<double>(w.summary.activation_bytes);
  if (weight_bytes) *weight_bytes = weights;
  if (activation_bytes) *activation_bytes = activations;
  const double block = static_cast<double>(kv_bytes_per_token(spec.model, spec.scenario) * o.block_size);
  if (o.kv_blocks) return o.kv_blocks;
  const double hbm = spec.chip.hbm.capacity_gib * double(1ull << 30);
  const double left = hbm * (1.0 - o.memory_reserve) - weights - activations;
  if (left < block)
    throw Error(fmt::format("model '{}' on chip '{}' x {} (tp={}): weights {:.2f} GB and activations {:.2f} GB leave no room "
                            "for the KV cache in {:.2f} GB of HBM with {:.0f}% reserved: use more chips per replica (tp) or a "
                            "smaller data type",
                            spec.model.name, spec.chip.name, spec.chips(), spec.chips(), weights / 1e9, activations / 1e9,
                            hbm / 1e9, o.memory_reserve * 100));
  return static_cast<std::uint64_t>(std::floor(left / block));
}

namespace {

using u64 = std::uint64_t;

struct Sequence {
  std::size_t request = 0;  // index into the request list
  u64 prompt = 0, output = 0;
  u64 cached = 0;        // tokens whose K and V are in the cache
  u64 target = 0;        // tokens to prefill: the prompt, plus what was generated before a preemption
  u64 generated = 0;     // output tokens produced so far
  u64 blocks = 0;        // KV blocks mapped, shared prefix blocks included
  u64 shared = 0;        // of which belong to the replica's prefix cache
  std::optional<u64> prefix_id;
  u64 prefix_tokens = 0;
  bool scheduled = false;
  double last_token_s = 0;
  bool prefilling() const { return cached < target; }
};

struct PlannedWork {
  std::size_t seq;  // index into Replica::seqs
  u64 tokens;       // 1 for a decode
  bool decode;
};

struct CachedPrefix {
  u64 blocks = 0;
  u64 refs = 0;       // sequences mapping it now
  u64 last_use = 0;   // for least-recently-used eviction
};

struct Replica {
  std::uint32_t index = 0;
  bool prefill_only = false;
  std::map<u64, CachedPrefix> prefixes;  // by prefix_id
  u64 evictable = 0;                     // blocks of cached prefixes no sequence references
  std::deque<std::size_t> waiting;  // sequence indices, FCFS
  std::vector<std::size_t> running; // in admission order
  u64 free_blocks = 0, capacity = 0;
  bool busy = false;
  double busy_until = 0, idle_since = 0;
  std::vector<PlannedWork> plan;
  double plan_energy = 0, plan_start = 0;
  std::size_t incoming = 0;  // caches on their way here (disaggregated decode replicas)
  std::size_t outstanding() const { return waiting.size() + running.size() + incoming; }
};

class Engine {
 public:
  Engine(IterationTimer& timer, const std::vector<Request>& requests, const ServingOptions& o, KvTransferTimer* transfer)
      : timer_(timer), reqs_(requests), o_(o), transfer_(transfer) {}

  ServingResult run();

 private:
  u64 blocks_for(u64 tokens) const { return ceil_div(tokens, o_.block_size); }
  std::size_t route(std::size_t first, std::size_t count);
  void hand_over(Replica& from, std::size_t seq, double now);
  void start(Replica& rep, double now);
  bool plan_chunked(Replica& rep);
  bool plan_prefill_first(Replica& rep);
  bool plan_static(Replica& rep);
  bool schedule_decodes(Replica& rep);
  void preempt(Replica& rep, std::size_t seq);
  void finish_iteration(Replica& rep, double now);
  bool grow(Replica& rep, Sequence& s, u64 tokens);
  bool allocate(Replica& rep, u64 blocks);
  void release(Replica& rep, Sequence& s);
  void attach_prefix(Replica& rep, Sequence& s);
  void publish_prefix(Replica& rep, Sequence& s);
  u64 available(const Replica& rep) const { return rep.free_blocks + rep.evictable; }

  IterationTimer& timer_;
  const std::vector<Request>& reqs_;
  const ServingOptions& o_;
  KvTransferTimer* transfer_;
  std::vector<Replica> replicas_;
  struct Arrival {  // a sequence's cache reaching a decode replica
    double at;
    std::size_t seq, replica;
    bool operator>(const Arrival& o) const { return at != o.at ? at > o.at : seq > o.seq; }
  };
  std::vector<Arrival> handovers_;  // a min-heap by time
  std::vector<Sequence> seqs_;
  ServingResult result_;
  std::size_t done_ = 0, rr_next_ = 0;
  u64 clock_ = 0;  // prefix-cache use counter
  std::vector<double> kv_weighted_;  // per replica: integral of blocks used over busy time
};

// The replica among [first, first + count) that the router picks.
std::size_t Engine::route(std::size_t first, std::size_t count) {
  if (o_.router == RouterKind::round_robin) return first + rr_next_++ % count;
  std::size_t best = first;
  for (std::size_t i = first + 1; i < first + count; ++i) {
    const Replica& a = replicas_[i];
    const Replica& b = replicas_[best];
    if (o_.router == RouterKind::least_outstanding) {
      if (a.outstanding() < b.outstanding()) best = i;
    } else {
      const u64 ua = a.capacity - a.free_blocks, ub = b.capacity - b.free_blocks;
      if (ua < ub || (ua == ub && a.outstanding() < b.outstanding())) best = i;
    }
  }
  return best;
}

// Disaggregated: a sequence whose prompt is done leaves the prefill replica; its cache travels
// to a decode replica.
void Engine::hand_over(Replica& from, std::size_t idx, double now) {
  Sequence& s = seqs_[idx];
  const std::size_t to = route(o_.prefill_replicas, o_.replicas);
  const double bytes = double(s.cached) * double(timer_.kv_bytes_per_token());
  const IterationCost move = transfer_->transfer(from.index, static_cast<std::uint32_t>(to), bytes);
  release(from, s);
  std::erase(from.running, idx);
  RequestOutcome& out = result_.requests[s.request];
  out.kv_transfer_s += move.seconds;
  out.decode_replica = static_cast<std::uint32_t>(to);
  result_.energy_j += move.energy_j;
  ++result_.kv_transfers;
  result_.kv_transfer_bytes += bytes;
  // Counted as outstanding on the decode replica from now, so the router sees it.
  ++replicas_[to].incoming;
  handovers_.push_back({now + move.seconds, idx, to});
  std::push_heap(handovers_.begin(), handovers_.end(), std::greater<>());
}

bool Engine::allocate(Replica& rep, u64 blocks) {
  // Evict unreferenced cached prefixes, least recently used first, until the blocks are free.
  while (rep.free_blocks < blocks && rep.evictable > 0) {
    auto victim = rep.prefixes.end();
    for (auto it = rep.prefixes.begin(); it != rep.prefixes.end(); ++it)
      if (it->second.refs == 0 && (victim == rep.prefixes.end() || it->second.last_use < victim->second.last_use))
        victim = it;
    rep.free_blocks += victim->second.blocks;
    rep.evictable -= victim->second.blocks;
    rep.prefixes.erase(victim);
  }
  if (rep.free_blocks < blocks) return false;
  rep.free_blocks -= blocks;
  return true;
}

bool Engine::grow(Replica& rep, Sequence& s, u64 tokens) {
  const u64 need = blocks_for(tokens);
  if (need <= s.blocks) return true;
  if (!allocate(rep, need - s.blocks)) return false;
  s.blocks = need;
  return true;
}

void Engine::release(Replica& rep, Sequence& s) {
  rep.free_blocks += s.blocks - s.shared;
  if (s.shared) {
    CachedPrefix& p = rep.prefixes.at(*s.prefix_id);
    if (--p.refs == 0) rep.evictable += p.blocks;
  }
  s.blocks = s.shared = 0;
}

// A sequence about to prefill from scratch maps the cached blocks of its prefix.
void Engine::attach_prefix(Replica& rep, Sequence& s) {
  if (!o_.prefix_caching || !s.prefix_id || s.cached > 0 || s.blocks > 0) return;
  auto it = rep.prefixes.find(*s.prefix_id);
  if (it == rep.prefixes.end()) return;
  // Whole blocks of the prefix only, and the last prompt token is always computed (it samples).
  const u64 hit = std::min({it->second.blocks, s.prefix_tokens / o_.block_size, (s.target - 1) / o_.block_size});
  if (hit == 0) return;
  if (it->second.refs++ == 0) rep.evictable -= it->second.blocks;
  it->second.last_use = ++clock_;
  s.shared = s.blocks = hit;
  s.cached = hit * o_.block_size;
  result_.requests[s.request].prefix_hit_tokens += s.cached;
  result_.prefix_hit_tokens += s.cached;
}

// The first sequence of a prefix_id to have prefilled its whole prefix leaves those blocks cached.
void Engine::publish_prefix(Replica& rep, Sequence& s) {
  if (!o_.prefix_caching || !s.prefix_id || s.shared > 0 || rep.prefixes.count(*s.prefix_id)) return;
  const u64 blocks = std::min(s.prefix_tokens, s.cached) / o_.block_size;
  if (blocks == 0 || s.cached < s.prefix_tokens) return;
  rep.prefixes[*s.prefix_id] = CachedPrefix{blocks, 1, ++clock_};
  s.shared = blocks;
}

void Engine::preempt(Replica& rep, std::size_t idx) {
  // Recompute: the blocks are freed and the sequence prefills its prompt and what it had
  // generated again when it is readmitted (vLLM's default for single-sequence requests).
  Sequence& s = seqs_[idx];
  release(rep, s);
  s.cached = 0;
  s.target = s.prompt + s.generated;
  std::erase(rep.running, idx);
  rep.waiting.push_front(idx);
  ++result_.requests[s.request].preemptions;
  ++result_.preemptions;
}

// Every running sequence past its prefill gets one token, the latest admitted being preempted
// while a block is missing.
bool Engine::schedule_decodes(Replica& rep) {
  for (std::size_t i = 0; i < rep.running.size(); ++i) {
    const std::size_t idx = rep.running[i];
    Sequence& s = seqs_[idx];
    if (s.prefilling()) continue;
    bool self_preempted = false;
    while (!grow(rep, s, s.cached + 1)) {
      const std::size_t victim = rep.running.back();
      preempt(rep, victim);
      if (victim == idx) {
        self_preempted = true;
        break;
      }
    }
    if (self_preempted) break;  // it was the last: nothing after it remains
    rep.plan.push_back({idx, 1, true});
  }
  return !rep.plan.empty();
}

bool Engine::plan_chunked(Replica& rep) {
  schedule_decodes(rep);
  u64 budget = o_.max_batched_tokens > rep.plan.size() ? o_.max_batched_tokens - rep.plan.size() : 0;
  auto chunk_for = [&](Sequence& s) -> u64 {
    u64 chunk = std::min(s.target - s.cached, budget);
    // As many tokens as the free blocks (and the partly filled last block) hold.
    const u64 room = (s.blocks + available(rep)) * o_.block_size - s.cached;
    chunk = std::min(chunk, room);
    if (chunk == 0) return 0;
    grow(rep, s, s.cached + chunk);
    return chunk;
  };
  // Running sequences still in their prefill continue first.
  for (std::size_t idx : rep.running) {
    if (budget == 0) break;
    Sequence& s = seqs_[idx];
    if (!s.prefilling()) continue;
    if (std::any_of(rep.plan.begin(), rep.plan.end(), [&](const PlannedWork& p) { return p.seq == idx; })) continue;
    if (const u64 c = chunk_for(s)) {
      rep.plan.push_back({idx, c, false});
      budget -= c;
    }
  }
  // Then waiting requests, first come first served.
  while (budget > 0 && !rep.waiting.empty() && rep.running.size() < o_.max_seqs) {
    Sequence& s = seqs_[rep.waiting.front()];
    if (!s.prefilling()) {  // a cache that arrived from a prefill replica: it decodes here
      if (!grow(rep, s, s.cached + 1)) break;
      const std::size_t idx = rep.waiting.front();
      rep.waiting.pop_front();
      rep.running.push_back(idx);
      rep.plan.push_back({idx, 1, true});
      --budget;
      continue;
    }
    attach_prefix(rep, s);
    const u64 c = chunk_for(s);
    if (c == 0) break;
    const std::size_t idx = rep.waiting.front();
    rep.waiting.pop_front();
    rep.running.push_back(idx);
    rep.plan.push_back({idx, c, false});
    budget -= c;
  }
  return !rep.plan.empty();
}

bool Engine::plan_prefill_first(Replica& rep) {
  // Whole prompts while they fit the token budget (a longer one runs alone) and the cache.
  u64 tokens = 0;
  while (!rep.waiting.empty() && rep.running.size() < o_.max_seqs) {
    Sequence& s = seqs_[rep.waiting.front()];
    attach_prefix(rep, s);
    const u64 need = s.target - s.cached;
    if (tokens > 0 && tokens + need > o_.max_batched_tokens) break;
    // Room for the whole prompt and the first decode token (vLLM's can_allocate keeps one spare).
    if (blocks_for(s.target + 1) > available(rep) + s.blocks) break;
    grow(rep, s, s.target);
    const std::size_t idx = rep.waiting.front();
    rep.waiting.pop_front();
    rep.running.push_back(idx);
    rep.plan.push_back({idx, need, false});
    tokens += need;
  }
  if (!rep.plan.empty()) return true;
  if (schedule_decodes(rep)) return true;
  // Every decode was preempted (the cache is free again): prefill instead.
  return !rep.waiting.empty() && plan_prefill_first(rep);
}

bool Engine::plan_static(Replica& rep) {
  if (!rep.running.empty()) return schedule_decodes(rep);
  // A new batch: as many waiting requests as max_seqs allows whose whole sequence fits now.
  while (!rep.waiting.empty() && rep.running.size() < o_.max_seqs) {
    Sequence& s = seqs_[rep.waiting.front()];
    attach_prefix(rep, s);
    if (blocks_for(s.prompt + s.output) > available(rep) + s.blocks) break;
    grow(rep, s, s.prompt + s.output);  // reserved for the whole sequence: never preempted
    const std::size_t idx = rep.waiting.front();
    rep.waiting.pop_front();
    rep.running.push_back(idx);
    rep.plan.push_back({idx, s.target - s.cached, false});
  }
  return !rep.plan.empty();
}

void Engine::start(Replica& rep, double now) {
  if (rep.busy) return;
  if (rep.waiting.empty() && rep.running.empty()) return;
  rep.plan.clear();
  const std::uint32_t waiting = static_cast<std::uint32_t>(rep.waiting.size());
  bool any = false;
  switch (o_.scheduler) {
    case SchedulerKind::chunked: any = plan_chunked(rep); break;
    case SchedulerKind::prefill_first: any = plan_prefill_first(rep); break;
    case SchedulerKind::static_batch: any = plan_static(rep); break;
  }
  if (!any)
    throw Error(fmt::format("internal error: serving replica {} scheduled nothing at t = {:.6f} s with {} waiting and {} "
                            "running sequences ({} of {} KV blocks free)",
                            rep.index, now, rep.waiting.size(), rep.running.size(), rep.free_blocks, rep.capacity));
  // The batch as the iteration timer sees it: decodes as one group at their mean context.
  std::vector<SequenceGroup> groups;
  u64 decode_seqs = 0, decode_keys = 0, prefill_tokens = 0;
  std::uint32_t prefill_seqs = 0;
  for (const PlannedWork& p : rep.plan) {
    const Sequence& s = seqs_[p.seq];
    if (!s.scheduled) {
      seqs_[p.seq].scheduled = true;
      result_.requests[s.request].scheduled_s = now;
    }
    if (p.decode) {
      ++decode_seqs;
      decode_keys += s.cached + 1;
    } else {
      groups.push_back(SequenceGroup{1, p.tokens, s.cached + p.tokens, s.cached + p.tokens == s.target});
      prefill_tokens += p.tokens;
      result_.prefill_tokens_computed += p.tokens;
      ++prefill_seqs;
    }
  }
  if (decode_seqs)
    groups.insert(groups.begin(),
                  SequenceGroup{decode_seqs, 1, std::max<u64>(1, (decode_keys + decode_seqs / 2) / decode_seqs), true});
  const IterationCost cost = timer_.cost(groups);
  result_.energy_j += timer_.idle_power_w() * (now - rep.idle_since);  // idle until now
  rep.busy = true;
  rep.plan_start = now;
  rep.busy_until = now + cost.seconds;
  rep.plan_energy = cost.energy_j;
  IterationRecord rec;
  rec.replica = rep.index;
  rec.start_s = now;
  rec.end_s = rep.busy_until;
  rec.energy_j = cost.energy_j;
  rec.decode_seqs = static_cast<std::uint32_t>(decode_seqs);
  rec.prefill_seqs = prefill_seqs;
  rec.prefill_tokens = prefill_tokens;
  rec.kv_blocks_used = rep.capacity - rep.free_blocks;
  rec.waiting = waiting;
  result_.iterations.push_back(rec);
  kv_weighted_[rep.index] += static_cast<double>(rec.kv_blocks_used) * cost.seconds;
  result_.kv_blocks_peak = std::max(result_.kv_blocks_peak, static_cast<double>(rec.kv_blocks_used));
}

void Engine::finish_iteration(Replica& rep, double now) {
  rep.busy = false;
  rep.idle_since = now;
  result_.energy_j += rep.plan_energy;
  std::vector<std::size_t> finished, handed;
  for (const PlannedWork& p : rep.plan) {
    Sequence& s = seqs_[p.seq];
    RequestOutcome& out = result_.requests[s.request];
    s.cached += p.tokens;
    if (!p.decode) publish_prefix(rep, s);
    if (!p.decode && s.prefilling()) continue;  // a chunk before the prompt's last
    // A decode, or the prefill's last chunk: one more token.
    if (s.generated == 0) out.first_token_s = now;
    else {
      out.max_itl_s = std::max(out.max_itl_s, now - s.last_token_s);
      result_.itl_s.push_back(now - s.last_token_s);
    }
    s.last_token_s = now;
    ++s.generated;
    if (s.generated == s.output) finished.push_back(p.seq);
    else if (rep.prefill_only) handed.push_back(p.seq);
  }
  for (std::size_t idx : handed) hand_over(rep, idx, now);
  for (std::size_t idx : finished) {
    Sequence& s = seqs_[idx];
    release(rep, s);
    std::erase(rep.running, idx);
    result_.requests[s.request].finish_s = now;
    ++done_;
  }
  u64 cached = 0;
  for (const auto& [id, p] : rep.prefixes) cached += p.blocks;
  if (rep.free_blocks + cached > rep.capacity) throw Error("internal error: serving KV blocks freed twice");
}

ServingResult Engine::run() {
  if (o_.replicas == 0) throw Error("serving: replicas must be >= 1");
  if (o_.max_seqs == 0) throw Error("serving: max_seqs must be >= 1");
  if (o_.max_batched_tokens == 0) throw Error("serving: max_batched_tokens must be >= 1");
  if (o_.block_size == 0 || o_.block_size > 4096) throw Error("serving: block_size must be in [1, 4096] tokens");
  if (!(o_.memory_reserve >= 0 && o_.memory_reserve < 1)) throw Error("serving: memory_reserve must be in [0, 1)");
  if (reqs_.empty()) throw Error("serving: the request stream is empty");
  double weights = 0, activations = 0;
  result_.kv_blocks = kv_block_capacity(timer_.spec(), o_, &weights, &activations);
  result_.weight_bytes = weights;
  result_.activation_bytes = activations;
  result_.kv_bytes_per_block = timer_.kv_bytes_per_token() * o_.block_size;
  result_.chips_per_replica = timer_.spec().chips();
  if (o_.max_batched_tokens < o_.max_seqs && o_.scheduler == SchedulerKind::chunked)
    throw Error(fmt::format("serving: max_batched_tokens ({}) must be >= max_seqs ({}): every running sequence's decode "
                            "token must fit one iteration", o_.max_batched_tokens, o_.max_seqs));
  const ModelCard& card = timer_.spec().model;
  for (const Request& r : reqs_) {
    const u64 total = r.prompt_tokens + r.output_tokens;
    if (r.output_tokens == 0 || r.prompt_tokens == 0)
      throw Error(fmt::format("request {}: needs >= 1 prompt and >= 1 output token", r.id));
    if (blocks_for(total) > result_.kv_blocks)
      throw Error(fmt::format("request {} ({} prompt + {} output tokens) needs {} KV blocks but a replica has {}: it could "
                              "never run; shorten it or add chips per replica",
                              r.id, r.prompt_tokens, r.output_tokens, blocks_for(total), result_.kv_blocks));
    if (card.position == PositionKind::learned && total > card.max_positions)
      throw Error(fmt::format("request {}: {} tokens exceed model '{}''s {} positions", r.id, total, card.name,
                              card.max_positions));
  }
  const std::uint32_t total = o_.prefill_replicas + o_.replicas;
  if (o_.prefill_replicas > 0) {
    if (!transfer_) throw Error("internal error: disaggregated serving without a KV transfer timer");
    if (o_.scheduler != SchedulerKind::chunked)
      throw Error("disaggregated serving runs the chunked scheduler on both pools (--scheduler chunked)");
  }
  replicas_.resize(total);
  kv_weighted_.assign(total, 0);
  for (std::uint32_t i = 0; i < total; ++i) {
    replicas_[i].index = i;
    replicas_[i].prefill_only = i < o_.prefill_replicas;
    replicas_[i].capacity = replicas_[i].free_blocks = result_.kv_blocks;
    replicas_[i].idle_since = reqs_.front().arrival_s;
  }
  result_.requests.resize(reqs_.size());
  seqs_.resize(reqs_.size());
  for (std::size_t i = 0; i < reqs_.size(); ++i) {
    result_.requests[i].request = reqs_[i];
    Sequence& s = seqs_[i];
    s.request = i;
    s.prompt = s.target = reqs_[i].prompt_tokens;
    s.output = reqs_[i].output_tokens;
    s.prefix_id = reqs_[i].prefix_id;
    s.prefix_tokens = std::min(reqs_[i].prefix_tokens, reqs_[i].prompt_tokens);
  }

  std::size_t next = 0;
  std::size_t steps = 0;
  const double inf = std::numeric_limits<double>::infinity();
  while (true) {
    const double t_arrival = next < reqs_.size() ? reqs_[next].arrival_s : inf;
    const double t_handover = handovers_.empty() ? inf : handovers_.front().at;
    double t_done = inf;
    std::size_t which = 0;
    for (std::size_t i = 0; i < replicas_.size(); ++i)
      if (replicas_[i].busy && replicas_[i].busy_until < t_done) {
        t_done = replicas_[i].busy_until;
        which = i;
      }
    if (t_arrival == inf && t_done == inf && t_handover == inf) break;
    if (t_arrival <= t_done && t_arrival <= t_handover) {
      // New requests go to the prefill pool when there is one.
      const std::size_t r = o_.prefill_replicas ? route(0, o_.prefill_replicas) : route(0, o_.replicas);
      result_.requests[next].replica = static_cast<std::uint32_t>(r);
      result_.requests[next].decode_replica = static_cast<std::uint32_t>(r);
      replicas_[r].waiting.push_back(next);
      ++next;
      start(replicas_[r], t_arrival);
    } else if (t_handover <= t_done) {
      std::pop_heap(handovers_.begin(), handovers_.end(), std::greater<>());
      const Arrival a = handovers_.back();
      handovers_.pop_back();
      Replica& rep = replicas_[a.replica];
      --rep.incoming;
      rep.waiting.push_back(a.seq);
      start(rep, a.at);
    } else {
      finish_iteration(replicas_[which], t_done);
      start(replicas_[which], t_done);
    }
    if (o_.progress && (++steps % 4096) == 0) o_.progress(std::min({t_arrival, t_done, t_handover}), done_, reqs_.size());
  }
  if (done_ != reqs_.size())
    throw Error(fmt::format("internal error: serving ended with {} of {} requests finished", done_, reqs_.size()));
  double last = 0;
  for (const RequestOutcome& r : result_.requests) last = std::max(last, r.finish_s);
  result_.makespan_s = last - reqs_.front().arrival_s;
  double busy = 0, weighted = 0;
  for (std::size_t i = 0; i < replicas_.size(); ++i) {
    u64 cached = 0;
    for (const auto& [id, p] : replicas_[i].prefixes) {
      if (p.refs) throw Error(fmt::format("internal error: replica {} ends with prefix {} still referenced", i, id));
      cached += p.blocks;
    }
    if (replicas_[i].free_blocks + cached != replicas_[i].capacity)
      throw Error(fmt::format("internal error: replica {} ends with {} KV blocks still held", i,
                              replicas_[i].capacity - replicas_[i].free_blocks - cached));
    result_.energy_j += timer_.idle_power_w() * std::max(0.0, last - replicas_[i].idle_since);
    weighted += kv_weighted_[i];
  }
  for (const IterationRecord& it : result_.iterations) busy += it.end_s - it.start_s;
  result_.kv_blocks_mean = busy > 0 ? weighted / busy : 0;
  result_.grid_points = timer_.grid_points_simulated();
  return std::move(result_);
}

}  // namespace

ServingResult simulate_serving(IterationTimer& timer, const std::vector<Request>& requests, const ServingOptions& options,
                               KvTransferTimer* transfer) {
  return Engine(timer, requests, options, transfer).run();
}

}  // namespace tessera
