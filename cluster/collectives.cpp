#include "cluster/collectives.h"

#include <algorithm>
#include <limits>
#include <set>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "cluster/collective_registry.h"
#include "cluster/fabric.h"
#include "cluster/transfer_engine.h"
#include "sim/kernel_context.h"
#include "base/stats/stats_registry.h"

namespace tessera {
namespace {

[[noreturn]] void unsupported(CollectiveKind kind, Algorithm algo) {
  throw Error(fmt::format("{} does not support algorithm '{}' (supported: {})", to_string(kind), to_string(algo),
                          fmt::join(algorithms_supporting(kind), ", ")));
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
  if (const CollectiveAlgorithm* a = find_collective_algorithm(s)) return a->id();
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
  if (kind == CollectiveKind::broadcast && opts.root >= n)
    throw Error(fmt::format("broadcast: root {} outside a group of {}", opts.root, n));
  const CollectiveAlgorithm& algorithm = collective_algorithm(algo);
  if (!algorithm.supports(kind)) unsupported(kind, algo);
  algorithm.build(CollectiveCall{cfg, kind, bytes, group, opts}, g);
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
