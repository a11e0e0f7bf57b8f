#include "models/noc/noc.h"

#include <cstdlib>

#include <fmt/core.h>

#include "base/stats/stats_registry.h"

namespace tessera {

namespace {
// Mesh link directions; a mesh has 4 outgoing link slots per router, a ring 2.
enum MeshDir : std::uint32_t { kEast, kWest, kNorth, kSouth };
enum RingDir : std::uint32_t { kClockwise, kCounter };
}  // namespace

void Noc::make_link(StatsRegistry& stats, const std::string& label) {
  StatGroup& g = stats.add_group(fmt::format("{}.{}", name(), label), "noc_link", clock_.mhz());
  Link link;
  link.busy = &g.add(stat_names::kBusyCycles, "cycles", "cycles the link carries a packet");
  link.bytes = &g.add("bytes", "bytes", "bytes carried");
  links_.push_back(link);
}

Noc::Noc(sc_core::sc_module_name name, const NocConfig& cfg, const ClockDomain& clock,
         std::vector<std::uint32_t> endpoint_nodes, StatsRegistry& stats)
    : sc_module(name), cfg_(cfg), clock_(clock), endpoint_nodes_(std::move(endpoint_nodes)) {
  nodes_ = cfg.topology == NocTopology::crossbar ? 1 : cfg.dim_x * cfg.dim_y;
  for (auto n : endpoint_nodes_)
    if (n >= nodes_) throw Error(fmt::format("noc: endpoint attached to router {} of {}", n, nodes_));
  const std::uint32_t slots = cfg.topology == NocTopology::mesh ? 4 : cfg.topology == NocTopology::ring ? 2 : 0;
  const std::size_t endpoints = endpoint_nodes_.size();
  // One vector: router links [0, nodes*slots), then injection ports, then ejection ports.
  links_.reserve(std::size_t(nodes_) * slots + 2 * endpoints);
  for (std::uint32_t n = 0; n < nodes_; ++n)
    for (std::uint32_t d = 0; d < slots; ++d) make_link(stats, fmt::format("r{}.out{}", n, d));
  inject_base_ = static_cast<std::uint32_t>(links_.size());
  for (std::size_t e = 0; e < endpoints; ++e) make_link(stats, fmt::format("ep{}.inject", e));
  eject_base_ = static_cast<std::uint32_t>(links_.size());
  for (std::size_t e = 0; e < endpoints; ++e) make_link(stats, fmt::format("ep{}.eject", e));
  StatGroup& g = stats.add_group(this->name(), "noc", clock_.mhz());
  packets_ = &g.add("packets", "count", "packets delivered");
}

void Noc::route(std::uint32_t from, std::uint32_t to, std::vector<std::uint32_t>& out) const {
  out.clear();
  if (cfg_.topology == NocTopology::crossbar || from == to) return;
  if (cfg_.topology == NocTopology::ring) {
    const std::uint32_t cw = (to + nodes_ - from) % nodes_;
    const bool clockwise = cw <= nodes_ - cw;  // ties go clockwise
    for (std::uint32_t n = from; n != to; n = clockwise ? (n + 1) % nodes_ : (n + nodes_ - 1) % nodes_)
      out.push_back(n * 2 + (clockwise ? kClockwise : kCounter));
    return;
  }
  // Mesh, XY routing: first along x, then along y.
  std::uint32_t x = from % cfg_.dim_x, y = from / cfg_.dim_x;
  const std::uint32_t tx = to % cfg_.dim_x, ty = to / cfg_.dim_x;
  while (x != tx) {
    const std::uint32_t n = y * cfg_.dim_x + x;
    out.push_back(n * 4 + (tx > x ? kEast : kWest));
    x = tx > x ? x + 1 : x - 1;
  }
  while (y != ty) {
    const std::uint32_t n = y * cfg_.dim_x + x;
    out.push_back(n * 4 + (ty > y ? kSouth : kNorth));
    y = ty > y ? y + 1 : y - 1;
  }
}

std::uint32_t Noc::hops(std::uint32_t src, std::uint32_t dst) const {
  std::vector<std::uint32_t> path;
  route(endpoint_nodes_.at(src), endpoint_nodes_.at(dst), path);
  return static_cast<std::uint32_t>(path.size()) + 1;
}

std::uint64_t Noc::send(std::uint32_t src, std::uint32_t dst, Bytes bytes, std::uint64_t inject_fs) {
  const Cycles ser = ceil_div(bytes, cfg_.link_bytes_per_cycle);
  const std::uint64_t hop_fs = clock_.period_fs() * cfg_.hop_latency_cycles;
  auto hold = [&](Link& link, std::uint64_t head_fs) {
    const std::uint64_t start = link.slot.reserve(head_fs, ser, clock_);
    link.busy->value += double(ser);
    link.bytes->value += double(bytes);
    return start;
  };
  route(endpoint_nodes_[src], endpoint_nodes_[dst], path_);
  // Head enters the first router when the injection port takes it, then spends hop_latency
  // in each router before taking the next link; the ejection port delivers the tail.
  std::uint64_t head = hold(links_[inject_base_ + src], inject_fs);
  for (std::uint32_t l : path_) head = hold(links_[l], head + hop_fs);
  const std::uint64_t eject_start = hold(links_[eject_base_ + dst], head + hop_fs);
  packets_->value += 1;
  return eject_start + ser * clock_.period_fs();
}

}  // namespace tessera
