// A bidirectional point-to-point link (chip-to-chip, or an aggregate of parallel cables):
// one independent Port per direction, each with the link's bandwidth and latency.
#pragma once

#include <memory>
#include <string>

#include <systemc>

#include "cluster/port.h"

namespace tessera {

struct LinkParams {
  double bytes_per_s = 0;     // per direction (all parallel lanes/links together)
  std::uint64_t latency_fs = 0;  // one way
};

class Link : public sc_core::sc_module {
 public:
  Link(sc_core::sc_module_name name, const LinkParams& params, StatsRegistry& stats);
  /// Direction 0 carries a -> b, direction 1 b -> a.
  Port& direction(int d) { return d == 0 ? *ab_ : *ba_; }

 private:
  std::unique_ptr<Port> ab_, ba_;
};

}  // namespace tessera
