#include "models/noc/noc.h"

#include <cstdlib>

#include <fmt/core.h>

#include "base/stats/stats_registry.h"
#include "models/noc/noc_routing_registry.h"

namespace tessera {

void Noc::make_link(StatsRegistry& stats, const std::string& label) {
  StatGroup& g = stats.add_group(fmt::format("{}.{}", name(), label), "noc_link", clock_.mhz());
  Link link;
  link.busy = &g.add(stat_names::kBusyCycles, "cycles", "cycles the link carries a packet");
  link.bytes = &g.add("bytes", "bytes", "bytes carried");
  links_.push_back(link);
}

Noc::Noc(sc_core::sc_module_name name, const NocConfig& cfg, const ClockDomain& clock,
         std::vector<std::uint32_t> endpoint_nodes, StatsRegistry& stats)
    : sc_module(name),
      cfg_(cfg),
      clock_(clock),
      routing_(make_noc_routing(cfg)),
      endpoint_nodes_(std::move(endpoint_nodes)) {
  nodes_ = routing_->routers();
  for (auto n : endpoint_nodes_)
    if (n >= nodes_) throw Error(fmt::format("noc: endpoint attached to router {} of {}", n, nodes_));
  const std::uint32_t slots = routing_->links_per_router();
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

std::uint32_t Noc::hops(std::uint32_t src, std::uint32_t dst) const {
  std::vector<std::uint32_t> path;
  routing_->route(endpoint_nodes_.at(src), endpoint_nodes_.at(dst), path);
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
  routing_->route(endpoint_nodes_[src], endpoint_nodes_[dst], path_);
  // Head enters the first router when the injection port takes it, then spends hop_latency
  // in each router before taking the next link; the ejection port delivers the tail.
  std::uint64_t head = hold(links_[inject_base_ + src], inject_fs);
  for (std::uint32_t l : path_) head = hold(links_[l], head + hop_fs);
  const std::uint64_t eject_start = hold(links_[eject_base_ + dst], head + hop_fs);
  packets_->value += 1;
  return eject_start + ser * clock_.period_fs();
}

}  // namespace tessera
