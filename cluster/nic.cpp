#include "cluster/nic.h"

#include <string>

namespace tessera {

Nic::Nic(sc_core::sc_module_name name, double bytes_per_s, std::uint64_t link_latency_fs, StatsRegistry& stats)
    : sc_module(name) {
  tx_ = std::make_unique<Port>(std::string(this->name()) + ".tx", bytes_per_s, link_latency_fs, stats);
}

}  // namespace tessera
