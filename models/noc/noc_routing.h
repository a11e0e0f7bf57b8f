// The router graph of the on-chip network and its routing function: the part of the NoC that a
// new topology replaces. Noc owns one (chosen by noc.topology through make_noc_routing) and
// does all the timing itself: ports, links, serialisation, hop latency and statistics.
#pragma once

#include <cstdint>
#include <vector>

namespace tessera {

class NocRouting {
 public:
  virtual ~NocRouting() = default;

  // Contract:
  //  - routers() and links_per_router() are fixed at construction. Noc creates one link for
  //    every (router, slot) pair, router-major, and names it "r<router>.out<slot>" in the stats
  //    whether or not any route uses it.
  //  - route() clears `links` and appends, in the order a packet crosses them, the router-to-
  //    router links from router `from` to router `to`, each as router * links_per_router() +
  //    slot. It appends nothing when from == to. Injection and ejection ports are Noc's and
  //    never appear in a route.
  //  - route() is deterministic and depends only on (from, to): the same pair always takes the
  //    same path (no adaptive routing), which keeps runs byte-identical. It must not keep state
  //    between calls, and it is called once per packet: no allocation beyond growing `links`.
  //  - Callers pass routers below routers(); Noc checks endpoint attachment before any route.
  virtual std::uint32_t routers() const = 0;
  virtual std::uint32_t links_per_router() const = 0;
  virtual void route(std::uint32_t from, std::uint32_t to, std::vector<std::uint32_t>& links) const = 0;
  /// The noc.topology value that selects this routing.
  virtual const char* name() const = 0;
};

}  // namespace tessera
