#include "cluster/link.h"

namespace tessera {

Link::Link(sc_core::sc_module_name name, const LinkParams& params, StatsRegistry& stats) : sc_module(name) {
  ab_ = std::make_unique<Port>(std::string(this->name()) + ".ab", params.bytes_per_s, params.latency_fs, stats);
  ba_ = std::make_unique<Port>(std::string(this->name()) + ".ba", params.bytes_per_s, params.latency_fs, stats);
}

}  // namespace tessera
