// A bidirectional ring of dim_x * dim_y routers; a packet takes the shorter direction (ties go
// clockwise). Each router has two outgoing links: clockwise (to n+1) and counter-clockwise.
#pragma once

#include "models/noc/noc_routing.h"

namespace tessera {

class RingRouting final : public NocRouting {
 public:
  explicit RingRouting(std::uint32_t routers) : routers_(routers) {}
  std::uint32_t routers() const override { return routers_; }
  std::uint32_t links_per_router() const override { return 2; }
  void route(std::uint32_t from, std::uint32_t to, std::vector<std::uint32_t>& links) const override;
  const char* name() const override { return "ring"; }

 private:
  std::uint32_t routers_;
};

}  // namespace tessera
