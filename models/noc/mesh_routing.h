// A dim_x x dim_y mesh with dimension-order (XY) routing: first along x, then along y. Router
// n sits at (n % dim_x, n / dim_x); each has four outgoing links: east, west, north, south.
#pragma once

#include "models/noc/noc_routing.h"

namespace tessera {

class MeshRouting final : public NocRouting {
 public:
  MeshRouting(std::uint32_t dim_x, std::uint32_t dim_y) : dim_x_(dim_x), dim_y_(dim_y) {}
  std::uint32_t routers() const override { return dim_x_ * dim_y_; }
  std::uint32_t links_per_router() const override { return 4; }
  void route(std::uint32_t from, std::uint32_t to, std::vector<std::uint32_t>& links) const override;
  const char* name() const override { return "mesh"; }

 private:
  std::uint32_t dim_x_, dim_y_;
};

}  // namespace tessera
