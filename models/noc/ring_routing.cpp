#include "models/noc/ring_routing.h"

namespace tessera {

namespace {
enum RingDir : std::uint32_t { kClockwise, kCounter };  // link slots of a router
}  // namespace

void RingRouting::route(std::uint32_t from, std::uint32_t to, std::vector<std::uint32_t>& out) const {
  out.clear();
  if (from == to) return;
  const std::uint32_t n = routers_;
  const std::uint32_t cw = (to + n - from) % n;
  const bool clockwise = cw <= n - cw;  // ties go clockwise
  for (std::uint32_t r = from; r != to; r = clockwise ? (r + 1) % n : (r + n - 1) % n)
    out.push_back(r * 2 + (clockwise ? kClockwise : kCounter));
}

}  // namespace tessera
