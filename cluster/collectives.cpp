#include "cluster/collectives.h"

#include <algorithm>
#include <limits>
#include <map>
#include <set>

#include <fmt/format.h>

#include "cluster/fabric.h"
#include "cluster/transfer_engine.h"
#include "sim/kernel_context.h"
#include "base/stats/stats_registry.h"

namespace tessera {
namespace {

using Deps = std::vector<TransferId>;

/// Part `i` of `total` split into `parts` near-equal whole-byte pieces.
Bytes piece(Bytes total, std::uint64_t parts, std::uint64_t i) { return total / parts + (i < total % parts ? 1 : 0); }

std::uint32_t slices_for(Bytes chunk, const CollectiveOptions& o) {
  if (o.slice_bytes == 0 || chunk <= o.slice_bytes) return 1;
  return static_cast<std::uint32_t>(ceil_div(chunk, o.slice_bytes));
}

/// Ring over `ranks` (rank i sends to rank i+1): `steps` steps; at step s rank i sends chunk
/// (i - s) mod n of `total` / n bytes, which it received at step s-1 (reduce-scatter, then
/// all-gather, have this same shape). Rank i's sends also wait for `init[i]`.
/// Returns, per rank, the transfers it received in the last step.
std::vector<Deps> ring(TransferGraph& g, const std::vector<std::uint32_t>& ranks, std::uint32_t steps, Bytes total,
                       const std::vector<Deps>& init, const CollectiveOptions& o) {
  const std::uint32_t n = static_cast<std::uint32_t>(ranks.size());
  std::vector<Deps> last(n);
  if (n < 2 || steps == 0) return init.empty() ? last : init;
  const std::uint32_t k = slices_for(piece(total, n, 0), o);
  std::vector<Deps> prev(n, Deps(k)), cur(n, Deps(k)), first;
  Deps deps;
  for (std::uint32_t s = 0; s < steps; ++s) {
    for (std::uint32_t i = 0; i < n; ++i) {
      const std::uint32_t chunk = (i + n * steps - s) % n;
      const Bytes size = piece(total, n, chunk);
      for (std::uint32_t j = 0; j < k; ++j) {
        deps.clear();
        if (s == 0) {
          if (!init.empty()) deps.insert(deps.end(), init[i].begin(), init[i].end());
        } else {
          deps.push_back(prev[(i + n - 1) % n][j]);
          // After a previous phase, rank i's later sends also wait for init[i], through its
          // own step-0 send of the slice (one dependency instead of all of init[i]).
          if (!init.empty()) deps.push_back(first[i][j]);
        }
        cur[i][j] = g.add(ranks[i], ranks[(i + 1) % n], piece(size, k, j), deps);
      }
    }
    if (s == 0) first = cur;
    std::swap(prev, cur);
  }
  for (std::uint32_t i = 0; i < n; ++i) last[(i + 1) % n] = prev[i];
  return last;
}

/// In-order balanced binary tree over positions [0, n): parent of each position (root: -1).
std::vector<int> binary_tree(std::uint32_t n, int& root) {
  std::vector<int> parent(n, -1);
  auto build = [&](auto&& self, int lo, int hi, int up) -> void {
    if (lo > hi) return;
    const int mid = (lo + hi) / 2;
    parent[mid] = up;
    self(self, lo, mid - 1, mid);
    self(self, mid + 1, hi, mid);
  };
  root = (int(n) - 1) / 2;
  build(build, 0, int(n) - 1, -1);
  return parent;
}

/// One pipelined tree over ranks (position p holds ranks[(p + shift) % n]): optional reduce to
/// the root, then broadcast from it, `total` bytes in slices.
void tree(TransferGraph& g, const std::vector<std::uint32_t>& ranks, std::uint32_t shift, Bytes total, bool reduce,
          const CollectiveOptions& o) {
  const std::uint32_t n = static_cast<std::uint32_t>(ranks.size());
  if (n < 2 || total == 0) return;
  int root = 0;
  const std::vector<int> parent = binary_tree(n, root);
  std::vector<std::vector<int>> children(n);
  for (std::uint32_t p = 0; p < n; ++p)
    if (parent[p] >= 0) children[parent[p]].push_back(int(p));
  auto rank = [&](int p) { return ranks[(std::uint32_t(p) + shift) % n]; };
  // Post-order (children first) and pre-order (parent first) position lists.
  std::vector<int> post, pre;
  auto walk = [&](auto&& self, int p) -> void {
    pre.push_back(p);
    for (int c : children[p]) self(self, c);
    post.push_back(p);
  };
  walk(walk, root);
  const std::uint32_t k = slices_for(total, o);
  std::vector<Deps> up(n, Deps(k)), down(n, Deps(k));
  Deps deps;
  for (std::uint32_t j = 0; j < k; ++j) {
    const Bytes size = piece(total, k, j);
    if (reduce)
      for (int p : post) {
        if (p == root) continue;
        deps.clear();
        for (int c : children[p]) deps.push_back(up[c][j]);
        up[p][j] = g.add(rank(p), rank(parent[p]), size, deps);
      }
    for (int p : pre) {
      if (p == root) continue;
      deps.clear();
      if (parent[p] == root) {
        if (reduce)
          for (int c : children[root]) deps.push_back(up[c][j]);
      } else {
        deps.push_back(down[parent[p]][j]);
      }
      down[p][j] = g.add(rank(parent[p]), rank(p), size, deps);
    }
  }
}

/// Every rank sends `per_pair` bytes to every other; sends from rank i wait for init[i].
/// Returns, per rank, the transfers it received.
std::vector<Deps> direct(TransferGraph& g, const std::vector<std::uint32_t>& ranks, Bytes per_pair,
                         const std::vector<Deps>& init, const CollectiveOptions& o) {
  const std::uint32_t n = static_cast<std::uint32_t>(ranks.size());
  std::vector<Deps> in(n);
  const std::uint32_t k = slices_for(per_pair, o);
  for (std::uint32_t j = 0; j < k; ++j)
    for (std::uint32_t d = 1; d < n; ++d)
      for (std::uint32_t i = 0; i < n; ++i) {
        const std::uint32_t to = (i + d) % n;
        in[to].push_back(g.add(ranks[i], ranks[to], piece(per_pair, k, j),
                               init.empty() ? std::span<const TransferId>{} : std::span<const TransferId>(init[i])));
      }
  return in;
}

[[noreturn]] void unsupported(CollectiveKind kind, Algorithm algo, std::string_view supported) {
  throw Error(fmt::format("{} does not support algorithm '{}' (supported: {})", to_string(kind), to_string(algo),
                          supported));
}

}  // namespace

std::string_view to_string(Algorithm a) {
  switch (a) {
    case Algorithm::ring: return "ring";
    case Algorithm::tree: return "tree";
    case Algorithm::hierarchical: return "hierarchical";
    case Algorithm::direct: return "direct";
  }
  return "?";
}

std::optional<Algorithm> parse_algorithm(std::string_view s) {
  for (auto a : {Algorithm::ring, Algorithm::tree, Algorithm::hierarchical, Algorithm::direct})
    if (s == to_string(a)) return a;
  return std::nullopt;
}

double bus_factor(CollectiveKind kind, std::uint32_t n) {
  if (n < 2) return 0;
  switch (kind) {
    case CollectiveKind::all_reduce: return 2.0 * (n - 1) / n;
    case CollectiveKind::all_gather:
    case CollectiveKind::reduce_scatter:
    case CollectiveKind::all_to_all: return double(n - 1) / n;
    case CollectiveKind::broadcast:
    case CollectiveKind::send_recv: return 1.0;
  }
  return 0;
}

TransferGraph build_collective(const ClusterConfig& cfg, CollectiveKind kind, Algorithm algo, Bytes bytes,
                               const std::vector<std::uint32_t>& group, const CollectiveOptions& opts) {
  TransferGraph g;
  const std::uint32_t n = static_cast<std::uint32_t>(group.size());
  if (n < 2) return g;
  switch (kind) {
    case CollectiveKind::all_reduce:
      switch (algo) {
        case Algorithm::ring: ring(g, group, 2 * (n - 1), bytes, {}, opts); break;
        case Algorithm::tree:
          // Double binary tree: each tree reduces and broadcasts half; tree 2 is tree 1 shifted by
          // one rank, so (almost) every leaf of one tree is an inner node of the other.
          tree(g, group, 0, bytes / 2, true, opts);
          tree(g, group, 1, bytes - bytes / 2, true, opts);
          break;
        case Algorithm::direct: {
          const auto rs = direct(g, group, bytes / n, {}, opts);
          direct(g, group, bytes / n, rs, opts);
          break;
        }
        case Algorithm::hierarchical: {
          // The group's members by node, in group order; every node must hold as many.
          const std::uint32_t cpn = cfg.chips_per_node;
          std::vector<std::vector<std::uint32_t>> by_node;
          std::map<std::uint32_t, std::size_t> node_index;
          for (std::uint32_t c : group) {
            auto [it, added] = node_index.emplace(c / cpn, by_node.size());
            if (added) by_node.emplace_back();
            by_node[it->second].push_back(c);
          }
          const auto k = static_cast<std::uint32_t>(by_node.front().size());
          for (const auto& members : by_node)
            if (members.size() != k)
              throw Error("all_reduce hierarchical: needs the same number of group members on every node it spans");
          const auto nodes = static_cast<std::uint32_t>(by_node.size());
          if (nodes < 2 || k < 2) return build_collective(cfg, kind, Algorithm::ring, bytes, group, opts);
          std::map<std::uint32_t, Deps> state;  // per chip: what it must have received before its next phase
          // 1. reduce-scatter inside each node: each chip ends with bytes/k reduced over its node.
          for (const auto& ranks : by_node) {
            const auto last = ring(g, ranks, k - 1, bytes, {}, opts);
            for (std::uint32_t c = 0; c < k; ++c) state[ranks[c]] = last[c];
          }
          // 2. all-reduce of each shard across nodes, between the chips at the same position.
          std::map<std::uint32_t, Deps> after;
          for (std::uint32_t l = 0; l < k; ++l) {
            std::vector<std::uint32_t> ranks(nodes);
            std::vector<Deps> init(nodes);
            for (std::uint32_t m = 0; m < nodes; ++m) ranks[m] = by_node[m][l], init[m] = state[ranks[m]];
            const auto last = ring(g, ranks, 2 * (nodes - 1), bytes / k, init, opts);
            for (std::uint32_t m = 0; m < nodes; ++m) after[ranks[m]] = last[m];
          }
          // 3. all-gather inside each node.
          for (const auto& ranks : by_node) {
            std::vector<Deps> init(k);
            for (std::uint32_t c = 0; c < k; ++c) init[c] = after[ranks[c]];
            ring(g, ranks, k - 1, bytes, init, opts);
          }
          break;
        }
      }
      break;
    case CollectiveKind::all_gather:
    case CollectiveKind::reduce_scatter:
      if (algo == Algorithm::ring) ring(g, group, n - 1, bytes, {}, opts);
      else if (algo == Algorithm::direct) direct(g, group, bytes / n, {}, opts);
      else unsupported(kind, algo, "ring, direct");
      break;
    case CollectiveKind::all_to_all:
      if (algo != Algorithm::direct) unsupported(kind, algo, "direct");
      direct(g, group, bytes / n, {}, opts);
      break;
    case CollectiveKind::broadcast: {
      if (opts.root >= n) throw Error(fmt::format("broadcast: root {} outside a group of {}", opts.root, n));
      std::vector<std::uint32_t> order(n);  // the root first
      for (std::uint32_t i = 0; i < n; ++i) order[i] = group[(opts.root + i) % n];
      if (algo == Algorithm::ring) {
        // Pipelined chain root -> 1 -> ... -> n-1: slice j moves on as soon as it arrives.
        const std::uint32_t k = slices_for(bytes, opts);
        std::vector<TransferId> prev(k);
        for (std::uint32_t h = 0; h + 1 < n; ++h)
          for (std::uint32_t j = 0; j < k; ++j)
            prev[j] = h == 0 ? g.add(order[0], order[1], piece(bytes, k, j))
                             : g.add(order[h], order[h + 1], piece(bytes, k, j), {prev[j]});
      } else if (algo == Algorithm::tree) {
        // Root at position 0 of the tree: shift the in-order tree so its root holds order[0].
        int root = 0;
        binary_tree(n, root);
        tree(g, order, (n - std::uint32_t(root)) % n, bytes, false, opts);
      } else {
        unsupported(kind, algo, "ring, tree");
      }
      break;
    }
    case CollectiveKind::send_recv: {
      if (algo != Algorithm::direct) unsupported(kind, algo, "direct");
      const std::uint32_t k = slices_for(bytes, opts);
      for (std::uint32_t j = 0; j < k; ++j)
        for (std::uint32_t i = 0; i < n; ++i) g.add(group[i], group[(i + n / 2) % n], piece(bytes, k, j));
      break;
    }
  }
  return g;
}

namespace {

void check_group(const ClusterConfig& cfg, const std::vector<std::uint32_t>& group, std::set<std::uint32_t>& seen) {
  for (auto c : group) {
    if (c >= cfg.chips()) throw Error(fmt::format("collective group: chip {} outside the {} chips of '{}'", c, cfg.chips(), cfg.name));
    if (!seen.insert(c).second) throw Error(fmt::format("collective group: chip {} listed twice", c));
  }
}

/// Times `graph` on a fresh fabric; fills seconds and port_bytes.
void time_graph(const ClusterConfig& cfg, const TransferGraph& graph, CollectiveResult& r) {
  KernelContext kernel;
  StatsRegistry stats;
  Fabric fabric("fabric", cfg, stats);
  TransferEngine engine("collective", fabric, graph);
  sc_core::sc_start();
  if (!engine.done()) throw Error("collective: transfers left waiting (dependency cycle)");
  r.seconds = double(engine.finish_fs()) * 1e-15;
  r.port_bytes = stats.total("fabric_port", "bytes");
}

}  // namespace

CollectiveResult run_collective(const ClusterConfig& cfg, CollectiveKind kind, Algorithm algo, Bytes bytes,
                                std::vector<std::uint32_t> group, const CollectiveOptions& opts) {
  if (group.empty()) {
    group.resize(cfg.chips());
    for (std::uint32_t c = 0; c < cfg.chips(); ++c) group[c] = c;
  }
  return run_concurrent_collectives(cfg, kind, algo, bytes, {group}, opts, std::numeric_limits<std::size_t>::max());
}

CollectiveResult run_concurrent_collectives(const ClusterConfig& cfg, CollectiveKind kind, Algorithm algo, Bytes bytes,
                                            const std::vector<std::vector<std::uint32_t>>& groups,
                                            const CollectiveOptions& opts, std::size_t max_transfers) {
  if (groups.empty() || groups.front().empty()) throw Error("collective: no group to run");
  std::set<std::uint32_t> seen;
  for (const auto& g : groups) check_group(cfg, g, seen);
  if (bytes == 0) throw Error("collective: message size must be at least 1 byte");
  // Size on the first group (all groups have the same shape), coarsening the slices as needed.
  CollectiveOptions o = opts;
  TransferGraph graph = build_collective(cfg, kind, algo, bytes, groups.front(), o);
  while (graph.size() > max_transfers / groups.size() && o.slice_bytes != 0 && o.slice_bytes < bytes) {
    o.slice_bytes *= 2;
    graph = build_collective(cfg, kind, algo, bytes, groups.front(), o);
  }
  for (std::size_t i = 1; i < groups.size(); ++i) graph.append(build_collective(cfg, kind, algo, bytes, groups[i], o));
  CollectiveResult r;
  r.ranks = static_cast<std::uint32_t>(groups.front().size());
  r.transfers = graph.size();
  r.fabric_bytes = graph.total_bytes();
  if (graph.size() == 0) return r;
  time_graph(cfg, graph, r);
  r.algbw_bytes_per_s = double(bytes) / r.seconds;
  r.busbw_bytes_per_s = r.algbw_bytes_per_s * bus_factor(kind, r.ranks);
  return r;
}

}  // namespace tessera
