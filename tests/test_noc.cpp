// NoC and scratchpad contention. Expected latencies are derived by hand from the config:
// hops x hop_latency + ceil(bytes / link_bytes_per_cycle) NoC cycles.
#include <catch2/catch.hpp>

#include "models/memory/scratchpad.h"
#include "models/noc/noc.h"
#include "models/noc/noc_routing_registry.h"
#include "sim/kernel_context.h"
#include "base/stats/stats_registry.h"

using namespace tessera;

namespace {
NocConfig mesh_4x4() {
  NocConfig c;
  c.topology = NocTopology::mesh;
  c.dim_x = 4, c.dim_y = 4;
  c.link_bytes_per_cycle = 32;
  c.hop_latency_cycles = 3;
  return c;
}
std::vector<std::uint32_t> one_endpoint_per_router(std::uint32_t n) {
  std::vector<std::uint32_t> v(n);
  for (std::uint32_t i = 0; i < n; ++i) v[i] = i;
  return v;
}
}  // namespace

TEST_CASE("uncontended mesh packet: hops x hop latency + serialisation", "[noc]") {
  KernelContext kernel;
  StatsRegistry stats;
  const ClockDomain clock("noc", 1000.0);  // 1 ns cycles
  const NocConfig cfg = mesh_4x4();
  Noc noc("noc", cfg, clock, one_endpoint_per_router(16), stats);
  // Router 0 (0,0) to router 15 (3,3): XY route crosses 3 + 3 links, so 7 routers.
  CHECK(noc.hops(0, 15) == 7);
  // 256 B over 32 B/cycle = 8 cycles of serialisation. Tail arrives 7*3 + 8 = 29 cycles later.
  const std::uint64_t arrive = noc.send(0, 15, 256, 0);
  CHECK(arrive == clock.cycles(29).value());
  // Same router: one router traversal: 3 + 8 = 11 cycles (fresh ports: endpoints 5 -> 5 unused).
  CHECK(noc.hops(5, 5) == 1);
  CHECK(noc.send(5, 5, 256, 0) == clock.cycles(11).value());
}

TEST_CASE("ring routes the short way round", "[noc]") {
  KernelContext kernel;
  StatsRegistry stats;
  NocConfig cfg = mesh_4x4();
  cfg.topology = NocTopology::ring;
  cfg.dim_x = 8, cfg.dim_y = 1;
  Noc noc("noc", cfg, ClockDomain("noc", 1000.0), one_endpoint_per_router(8), stats);
  CHECK(noc.hops(0, 3) == 4);  // 3 links clockwise
  CHECK(noc.hops(0, 6) == 3);  // 2 links counter-clockwise
}

TEST_CASE("two flows sharing one link each get half of it", "[noc]") {
  KernelContext kernel;
  StatsRegistry stats;
  const ClockDomain clock("noc", 1000.0);
  const NocConfig cfg = mesh_4x4();
  Noc noc("noc", cfg, clock, one_endpoint_per_router(16), stats);
  // Flows 0 -> 2 and 1 -> 3 both use link (1,0)->(2,0). Each sends 64 packets of 256 B
  // (8 cycles each), injecting as fast as its own port allows.
  const int packets = 64;
  std::uint64_t last_a = 0, last_b = 0;
  for (int i = 0; i < packets; ++i) {
    last_a = noc.send(0, 2, 256, 0);
    last_b = noc.send(1, 3, 256, 0);
  }
  // The shared link carries 128 packets x 8 cycles = 1024 cycles of data; alone a flow would
  // need 512. Each flow finishes near the end of the 1024 cycles: it got half the link.
  const double shared_cycles = 2.0 * packets * 8;
  const double a_cycles = double(last_a) / clock.period_fs();
  const double b_cycles = double(last_b) / clock.period_fs();
  CHECK(a_cycles == Approx(shared_cycles).epsilon(0.05));
  CHECK(b_cycles == Approx(shared_cycles).epsilon(0.05));
  // Bandwidth per flow: 64*256 B over ~1024 cycles = 16 B/cycle = half of 32 B/cycle.
  CHECK(packets * 256.0 / a_cycles == Approx(cfg.link_bytes_per_cycle / 2.0).epsilon(0.05));
}

TEST_CASE("crossbar: contention only at the shared output port", "[noc]") {
  KernelContext kernel;
  StatsRegistry stats;
  const ClockDomain clock("noc", 1000.0);
  NocConfig cfg = mesh_4x4();
  cfg.topology = NocTopology::crossbar;
  Noc noc("noc", cfg, clock, std::vector<std::uint32_t>(4, 0), stats);
  // Two sources to two different destinations: both uncontended, 1 hop: 3 + 8 = 11 cycles.
  CHECK(noc.send(0, 2, 256, 0) == clock.cycles(11).value());
  CHECK(noc.send(1, 3, 256, 0) == clock.cycles(11).value());
  // A third packet to destination 2 queues behind the first at its ejection port: +8 cycles.
  CHECK(noc.send(3, 2, 256, 0) == clock.cycles(19).value());
}

TEST_CASE("two tiles on one scratchpad bank serialise, on different banks overlap", "[scratchpad]") {
  KernelContext kernel;
  StatsRegistry stats;
  const ClockDomain clock("core", 1000.0);
  ScratchpadConfig cfg;
  cfg.bytes = 1 << 20, cfg.banks = 8, cfg.bytes_per_cycle_per_bank = 16;
  Scratchpad sp("sp", cfg, clock, stats);
  // 4 KiB over 4 banks: 1 KiB per bank at 16 B/cycle = 64 cycles.
  const BankRange low = sp.slot(0), high = sp.slot(1);
  CHECK(low.count == 4);
  CHECK(sp.access(low, 4096, true, 0) == clock.cycles(64).value());
  // A second tile on the same banks waits for the first: done at 128 cycles.
  CHECK(sp.access(low, 4096, false, 0) == clock.cycles(128).value());
  // A tile on the other half of the banks proceeds in parallel: 64 cycles.
  CHECK(sp.access(high, 4096, true, 0) == clock.cycles(64).value());
}

TEST_CASE("NoC routings: one per noc.topology value, with the link slots Noc names", "[noc]") {
  CHECK(noc_routing_names() == std::vector<std::string_view>{"mesh", "ring", "crossbar"});
  NocConfig cfg = mesh_4x4();
  const auto mesh = make_noc_routing(cfg);
  CHECK(std::string(mesh->name()) == "mesh");
  CHECK(mesh->routers() == 16);
  CHECK(mesh->links_per_router() == 4);
  // 0 -> 5 is (0,0) -> (1,1): east out of router 0 (slot 0), then south out of router 1 (slot 3).
  std::vector<std::uint32_t> links;
  mesh->route(0, 5, links);
  CHECK(links == std::vector<std::uint32_t>{0 * 4 + 0, 1 * 4 + 3});
  cfg.topology = NocTopology::ring;
  const auto ring = make_noc_routing(cfg);
  // 16 routers: 0 -> 15 is one hop counter-clockwise (slot 1 of router 0).
  ring->route(0, 15, links);
  CHECK(links == std::vector<std::uint32_t>{0 * 2 + 1});
  cfg.topology = NocTopology::crossbar;
  const auto crossbar = make_noc_routing(cfg);
  CHECK(crossbar->routers() == 1);
  crossbar->route(0, 0, links);
  CHECK(links.empty());
}
