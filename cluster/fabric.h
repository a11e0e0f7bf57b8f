// The cluster fabric, built from a ClusterConfig: one top module that owns every link,
// switch and NIC and routes chip-to-chip transfers over them.
//
//   scale-up (inside a node)   switch: chip port -> switch output port -> chip
//                              ring / torus2d / torus3d: direct links, dimension-order
//                              shortest-direction routing (ties go the + way)
//   scale-out (between nodes)  chip -> its NIC (chip c uses NIC c % nics_per_node) -> leaf
//                              -> [leaf uplink -> spine output] -> leaf output -> NIC -> chip
//
// Leaves have switch_radix/2 down ports. A leaf's uplinks to the spine are one aggregate
// port per direction of (down ports x NIC bandwidth) / oversubscription, so an oversubscribed
// fabric limits cross-leaf bandwidth explicitly. The spine is one non-blocking switch (a
// two-tier fabric; larger fabrics are modelled as if the spine were non-blocking).
//
// A transfer holds each port on its path for its serialisation time with cut-through: its
// head moves on after the port's latency, and its tail never overtakes the previous port's.
// Uncontended, a transfer over one port of bandwidth B and latency a takes a + bytes / B.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include <systemc>

#include "cluster/cluster_config.h"
#include "cluster/link.h"
#include "cluster/nic.h"
#include "cluster/switch.h"

namespace tessera {

class StatsRegistry;

class Fabric : public sc_core::sc_module {
 public:
  Fabric(sc_core::sc_module_name name, const ClusterConfig& cfg, StatsRegistry& stats);

  /// Sends `bytes` from chip src to chip dst, issued at `issue_fs`; returns when its tail
  /// arrives (fs). Calls must come in non-decreasing issue time (see Port).
  std::uint64_t send(std::uint32_t src, std::uint32_t dst, Bytes bytes, std::uint64_t issue_fs);
  /// Ports a transfer from src to dst crosses, in order (for tests and reports).
  std::size_t path_length(std::uint32_t src, std::uint32_t dst);
  std::uint32_t chips() const { return cfg_.chips(); }
  const ClusterConfig& config() const { return cfg_; }

 private:
  void build_scale_up(StatsRegistry& stats);
  void build_scale_out(StatsRegistry& stats);
  void route(std::uint32_t src, std::uint32_t dst, std::vector<Port*>& out);
  void route_intra(std::uint32_t node, std::uint32_t a, std::uint32_t b, std::vector<Port*>& out);
  std::uint32_t leaf_of(std::uint32_t node, std::uint32_t nic) const;

  const ClusterConfig& cfg_;
  // Scale-up, per node.
  std::vector<std::unique_ptr<Port>> chip_ports_;          // switched: chip -> switch, per chip
  std::vector<std::unique_ptr<Switch>> node_switches_;     // switched: one per node
  std::vector<std::unique_ptr<Link>> links_;               // direct: node-major, chip-major, one per (chip, dim) + direction
  // Scale-out.
  std::vector<std::unique_ptr<Nic>> nics_;                 // node-major
  std::vector<std::unique_ptr<Switch>> leaves_;            // ports: down ports..., then nothing (uplink separate)
  std::vector<std::unique_ptr<Port>> leaf_up_;             // per leaf, leaf -> spine aggregate
  std::unique_ptr<Switch> spine_;                          // one port per leaf: spine -> leaf aggregate
  std::uint32_t leaves_per_rail_ = 0;
  std::vector<Port*> path_;                                // scratch
};

}  // namespace tessera
