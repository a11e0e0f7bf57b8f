// A scale-out NIC: its transmit side serialises onto the cable to its leaf switch at the NIC
// rate. Receive is serialised by the leaf's output port. The chip-to-NIC path (PCIe) is not
// modelled: a chip hands data to its NIC at no cost.
#pragma once

#include <memory>

#include <systemc>

#include "cluster/port.h"

namespace tessera {

class Nic : public sc_core::sc_module {
 public:
  Nic(sc_core::sc_module_name name, double bytes_per_s, std::uint64_t link_latency_fs, StatsRegistry& stats);
  Port& tx() { return *tx_; }

 private:
  std::unique_ptr<Port> tx_;
};

}  // namespace tessera
