#include "models/noc/mesh_routing.h"

namespace tessera {

namespace {
enum MeshDir : std::uint32_t { kEast, kWest, kNorth, kSouth };  // link slots of a router
}  // namespace

void MeshRouting::route(std::uint32_t from, std::uint32_t to, std::vector<std::uint32_t>& out) const {
  out.clear();
  if (from == to) return;
  std::uint32_t x = from % dim_x_, y = from / dim_x_;
  const std::uint32_t tx = to % dim_x_, ty = to / dim_x_;
  while (x != tx) {
    const std::uint32_t n = y * dim_x_ + x;
    out.push_back(n * 4 + (tx > x ? kEast : kWest));
    x = tx > x ? x + 1 : x - 1;
  }
  while (y != ty) {
    const std::uint32_t n = y * dim_x_ + x;
    out.push_back(n * 4 + (ty > y ? kSouth : kNorth));
    y = ty > y ? y + 1 : y - 1;
  }
}

}  // namespace tessera
