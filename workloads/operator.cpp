#include "workloads/operator.h"

#include <algorithm>
#include <functional>
#include <queue>
#include <unordered_map>

#include <fmt/core.h>

namespace tessera {

namespace {

constexpr OpKind kAllOpKinds[] = {OpKind::gemm,      OpKind::elementwise, OpKind::reduction,
                                  OpKind::softmax,   OpKind::layernorm,   OpKind::rmsnorm,
                                  OpKind::collective};
constexpr VectorClass kAllVectorClasses[] = {VectorClass::add_mul, VectorClass::exp,
                                             VectorClass::reduce};
constexpr CollectiveKind kAllCollectiveKinds[] = {
    CollectiveKind::all_reduce, CollectiveKind::all_gather, CollectiveKind::reduce_scatter,
    CollectiveKind::all_to_all, CollectiveKind::broadcast,  CollectiveKind::send_recv};

template <class E, std::size_t N>
std::optional<E> parse_by_name(std::string_view s, const E (&all)[N]) {
  for (E e : all)
    if (to_string(e) == s) return e;
  return std::nullopt;
}

// Vector-unit operation counts per element (documented in docs/trace-format.md):
// softmax = max, subtract, exp, sum, divide; LayerNorm = mean, subtract, square, sum,
// normalise, scale, shift (+1 for the rsqrt, amortised); RMSNorm = square, sum, normalise, scale.
constexpr double kSoftmaxOpsPerElement = 5;
constexpr double kLayerNormOpsPerElement = 8;
constexpr double kRmsNormOpsPerElement = 4;

}  // namespace

std::string_view to_string(OpKind k) {
  switch (k) {
    case OpKind::gemm: return "gemm";
    case OpKind::elementwise: return "elementwise";
    case OpKind::reduction: return "reduction";
    case OpKind::softmax: return "softmax";
    case OpKind::layernorm: return "layernorm";
    case OpKind::rmsnorm: return "rmsnorm";
    case OpKind::collective: return "collective";
  }
  return "?";
}
std::optional<OpKind> parse_op_kind(std::string_view s) { return parse_by_name(s, kAllOpKinds); }

std::string_view to_string(VectorClass c) {
  switch (c) {
    case VectorClass::add_mul: return "add_mul";
    case VectorClass::exp: return "exp";
    case VectorClass::reduce: return "reduce";
  }
  return "?";
}
std::optional<VectorClass> parse_vector_class(std::string_view s) {
  return parse_by_name(s, kAllVectorClasses);
}

std::string_view to_string(CollectiveKind c) {
  switch (c) {
    case CollectiveKind::all_reduce: return "all_reduce";
    case CollectiveKind::all_gather: return "all_gather";
    case CollectiveKind::reduce_scatter: return "reduce_scatter";
    case CollectiveKind::all_to_all: return "all_to_all";
    case CollectiveKind::broadcast: return "broadcast";
    case CollectiveKind::send_recv: return "send_recv";
  }
  return "?";
}
std::optional<CollectiveKind> parse_collective_kind(std::string_view s) {
  return parse_by_name(s, kAllCollectiveKinds);
}

double Operator::flops() const {
  const double elements = static_cast<double>(rows) * static_cast<double>(cols);
  switch (kind) {
    case OpKind::gemm:
      return 2.0 * static_cast<double>(batch) * static_cast<double>(m) * static_cast<double>(n) *
             static_cast<double>(k);
    case OpKind::elementwise: return elements * ops_per_element;
    case OpKind::reduction: return elements;
    case OpKind::softmax: return elements * kSoftmaxOpsPerElement;
    case OpKind::layernorm: return elements * kLayerNormOpsPerElement;
    case OpKind::rmsnorm: return elements * kRmsNormOpsPerElement;
    case OpKind::collective: return 0;
  }
  return 0;
}

Bytes Operator::bytes_read() const {
  const Bytes in = bytes_per_element(dtype);
  switch (kind) {
    case OpKind::gemm: {
      const Bytes a = fused_input ? 0 : batch * m * k * in;
      return a + batch * k * n * bytes_per_element(b_type());
    }
    case OpKind::elementwise: return fused_input ? 0 : rows * cols * inputs * in;
    case OpKind::reduction:
    case OpKind::softmax: return fused_input ? 0 : rows * cols * in;
    // The scale (and LayerNorm's shift) vector is read once per operator.
    case OpKind::layernorm: return (fused_input ? 0 : rows * cols * in) + 2 * cols * in;
    case OpKind::rmsnorm: return (fused_input ? 0 : rows * cols * in) + cols * in;
    case OpKind::collective: return 0;  // link traffic: collective.bytes
  }
  return 0;
}

Bytes Operator::bytes_written() const {
  if (fused_output) return 0;
  const Bytes out = bytes_per_element(out_dtype);
  switch (kind) {
    case OpKind::gemm: return batch * m * n * out;
    case OpKind::elementwise: return rows * cols * outputs * out;
    case OpKind::reduction: return rows * out;
    case OpKind::softmax:
    case OpKind::layernorm:
    case OpKind::rmsnorm: return rows * cols * out;
    case OpKind::collective: return 0;
  }
  return 0;
}

namespace {

[[noreturn]] void fail(const std::string& source, const Operator& op, const std::string& reason) {
  throw Error(fmt::format("{}: operator '{}': {}", source, op.id, reason));
}

void check_shape(const Operator& op, const std::string& source) {
  if (op.kind == OpKind::gemm) {
    if (op.batch == 0 || op.m == 0 || op.n == 0 || op.k == 0)
      fail(source, op,
           fmt::format("shape mismatch: gemm needs batch, m, n, k >= 1 (got batch={} m={} n={} k={})",
                       op.batch, op.m, op.n, op.k));
  } else if (op.kind == OpKind::collective) {
    if (op.collective.group.empty()) fail(source, op, "collective needs a group name");
    if (op.collective.group_size == 0) fail(source, op, "collective group_size must be >= 1");
  } else {
    if (op.rows == 0 || op.cols == 0)
      fail(source, op,
           fmt::format("shape mismatch: {} needs rows, cols >= 1 (got rows={} cols={})",
                       to_string(op.kind), op.rows, op.cols));
    if (op.kind == OpKind::elementwise && (op.inputs == 0 || op.ops_per_element == 0 || op.outputs == 0))
      fail(source, op, "elementwise needs inputs, outputs and ops_per_element >= 1");
  }
}

// Finds one cycle among `pending` operators (those Kahn's algorithm could not order) and
// returns {an operator on it, "a -> b -> a"} for the error message.
std::pair<std::size_t, std::string> find_cycle(const std::vector<std::vector<std::size_t>>& deps_of,
                           const std::vector<std::uint32_t>& pending_in, const Workload& w) {
  // Walk dependency edges from any pending node: every pending node has a pending dependency,
  // so the walk must revisit a node; the revisited part is a cycle.
  std::size_t start = 0;
  while (pending_in[start] == 0) ++start;
  std::vector<int> seen_at(w.ops.size(), -1);
  std::vector<std::size_t> path;
  std::size_t cur = start;
  while (seen_at[cur] < 0) {
    seen_at[cur] = static_cast<int>(path.size());
    path.push_back(cur);
    for (std::size_t d : deps_of[cur])
      if (pending_in[d] != 0) {
        cur = d;
        break;
      }
  }
  std::string text;
  for (std::size_t i = static_cast<std::size_t>(seen_at[cur]); i < path.size(); ++i)
    text += w.ops[path[i]].id + " -> ";
  return {cur, text + w.ops[cur].id};
}

}  // namespace

void validate_workload(Workload& w, const std::string& source) {
  const std::size_t n = w.ops.size();
  std::unordered_map<std::string_view, std::size_t> index;
  index.reserve(n * 2);
  for (std::size_t i = 0; i < n; ++i) {
    const Operator& op = w.ops[i];
    if (op.id.empty()) throw Error(fmt::format("{}: operator #{} has an empty id", source, i));
    if (!index.emplace(op.id, i).second) fail(source, op, "duplicate operator id");
    check_shape(op, source);
  }

  // Resolve dependencies; note whether the list is already in topological order.
  std::vector<std::vector<std::size_t>> deps_of(n);
  bool ordered = true;
  for (std::size_t i = 0; i < n; ++i) {
    const Operator& op = w.ops[i];
    deps_of[i].reserve(op.deps.size());
    for (const std::string& d : op.deps) {
      auto it = index.find(d);
      if (it == index.end()) fail(source, op, fmt::format("dangling dependency '{}' (no such operator)", d));
      if (it->second == i) fail(source, op, "cycle in the DAG: the operator depends on itself");
      if (it->second > i) ordered = false;
      deps_of[i].push_back(it->second);
    }
  }
  if (ordered) return;

  // Kahn's algorithm, always taking the earliest-listed ready operator (stable order).
  std::vector<std::vector<std::size_t>> users(n);
  std::vector<std::uint32_t> pending_in(n, 0);
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t d : deps_of[i]) {
      users[d].push_back(i);
      ++pending_in[i];
    }
  std::priority_queue<std::size_t, std::vector<std::size_t>, std::greater<>> ready;
  for (std::size_t i = 0; i < n; ++i)
    if (pending_in[i] == 0) ready.push(i);
  std::vector<std::size_t> order;
  order.reserve(n);
  while (!ready.empty()) {
    const std::size_t i = ready.top();
    ready.pop();
    order.push_back(i);
    for (std::size_t u : users[i])
      if (--pending_in[u] == 0) ready.push(u);
  }
  if (order.size() != n) {
    const auto [at, cycle] = find_cycle(deps_of, pending_in, w);
    fail(source, w.ops[at], "cycle in the DAG: " + cycle);
  }
  std::vector<Operator> sorted;
  sorted.reserve(n);
  for (std::size_t i : order) sorted.push_back(std::move(w.ops[i]));
  w.ops = std::move(sorted);
}

}  // namespace tessera
