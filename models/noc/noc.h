// On-chip network: mesh (XY routing), bidirectional ring (shortest direction) or crossbar
// (one switch). The router graph and its routing are a NocRouting chosen by noc.topology
// (noc_routing_registry.h); the timing below is the same for all. Endpoints (cores,
// global-SRAM banks) attach to routers through their own injection and ejection ports. A
// packet holds each port/link on its path for its serialisation time,
// ceil(bytes / link_bytes_per_cycle) NoC cycles, with virtual cut-through:
// its head moves on after hop_latency_cycles. Uncontended, a packet's tail arrives
//   hops * hop_latency + serialisation   after injection, hops = routers traversed.
// Links are reserved when the packet is injected, so two flows on one link interleave their
// packets and each gets half the link.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include <systemc>

#include "base/clock.h"
#include "base/timed_resource.h"
#include "models/config/chip_config.h"
#include "models/noc/noc_routing.h"

namespace tessera {

struct Stat;
class StatsRegistry;

class Noc : public sc_core::sc_module {
 public:
  /// `endpoint_nodes[e]` is the router endpoint e attaches to.
  Noc(sc_core::sc_module_name name, const NocConfig& cfg, const ClockDomain& clock,
      std::vector<std::uint32_t> endpoint_nodes, StatsRegistry& stats);

  /// Sends `bytes` from endpoint src to dst, injected at `inject_fs`; returns the time (fs)
  /// its tail arrives at dst. Call from the simulation at time <= inject_fs.
  std::uint64_t send(std::uint32_t src, std::uint32_t dst, Bytes bytes, std::uint64_t inject_fs);
  /// Routers a packet from src to dst traverses.
  std::uint32_t hops(std::uint32_t src, std::uint32_t dst) const;
  std::uint32_t nodes() const { return nodes_; }
  const ClockDomain& clock() const { return clock_; }

 private:
  struct Link {
    TimedResource slot;
    Stat* bytes = nullptr;
    Stat* busy = nullptr;
  };
  void make_link(StatsRegistry& stats, const std::string& label);

  const NocConfig& cfg_;
  const ClockDomain& clock_;  // shared with the chip: DVFS may change its frequency
  std::unique_ptr<NocRouting> routing_;
  std::vector<std::uint32_t> endpoint_nodes_;
  std::uint32_t nodes_ = 1;
  std::vector<Link> links_;  // router links (indexed by NocRouting::route()), then inject, then eject ports
  std::uint32_t inject_base_ = 0, eject_base_ = 0;
  std::vector<std::uint32_t> path_;    // scratch, reused per packet
  Stat* packets_ = nullptr;
};

}  // namespace tessera
