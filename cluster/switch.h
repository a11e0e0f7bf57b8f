// A switch with a non-blocking core: a transfer crosses it in switch latency and contends only
// at its output port, which serialises onto the link to the attached device (a chip, a NIC, a
// leaf). The input side is serialised by the sender's own output (chip port, NIC, uplink).
#pragma once

#include <memory>
#include <vector>

#include <systemc>

#include "cluster/port.h"

namespace tessera {

struct SwitchPortParams {
  double bytes_per_s = 0;          // output link bandwidth, per direction
  std::uint64_t link_latency_fs = 0;  // output link, one way
};

class Switch : public sc_core::sc_module {
 public:
  /// One output port per entry of `ports`; `switch_latency_fs` is the core traversal time.
  Switch(sc_core::sc_module_name name, const std::vector<SwitchPortParams>& ports, std::uint64_t switch_latency_fs,
         StatsRegistry& stats);
  /// Output port p: its latency is switch traversal plus the output link.
  Port& output(std::size_t p) { return *outputs_.at(p); }
  std::size_t ports() const { return outputs_.size(); }

 private:
  std::vector<std::unique_ptr<Port>> outputs_;
};

}  // namespace tessera
