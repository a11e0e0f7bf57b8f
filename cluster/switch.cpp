#include "cluster/switch.h"

#include <fmt/format.h>

namespace tessera {

Switch::Switch(sc_core::sc_module_name name, const std::vector<SwitchPortParams>& ports,
               std::uint64_t switch_latency_fs, StatsRegistry& stats)
    : sc_module(name) {
  outputs_.reserve(ports.size());
  for (std::size_t p = 0; p < ports.size(); ++p)
    outputs_.push_back(std::make_unique<Port>(fmt::format("{}.port{}", this->name(), p), ports[p].bytes_per_s,
                                              switch_latency_fs + ports[p].link_latency_fs, stats));
}

}  // namespace tessera
