// Cluster fabric and collectives: boundary timing of one transfer, the ring all-reduce formula,
// the 8-chip NVSwitch bus bandwidth against its link bound, and oversubscription.
#include <catch2/catch.hpp>

#include <cmath>

#include <fmt/format.h>

#include "cluster/collectives.h"
#include "cluster/collective_registry.h"
#include "cluster/fabric.h"
#include "sim/kernel_context.h"
#include "base/stats/stats_registry.h"

using namespace tessera;

namespace {

constexpr Bytes kMiB = 1 << 20;
constexpr Bytes kGiB = Bytes(1) << 30;

/// One node of n chips on a bidirectional ring, one link of `gb_per_s` (per direction) and
/// `latency_ns` to each neighbour.
ClusterConfig ring_node(std::uint32_t n, double gb_per_s, double latency_ns) {
  ClusterConfig c;
  c.name = "ring";
  c.chip = "h100";
  c.nodes = 1;
  c.chips_per_node = n;
  c.scale_up.topology = ScaleUpTopology::ring;
  c.scale_up.links_per_chip = 2;
  c.scale_up.link_gb_per_s = gb_per_s;
  c.scale_up.link_latency_ns = latency_ns;
  return c;
}

/// Ring all-reduce of S bytes on n chips, link bandwidth B, latency a: 2(n-1) steps, each moving
/// S/n bytes one hop: T = 2(n-1)/n * S/B + 2(n-1) a.
double ring_formula_s(std::uint32_t n, double S, double B, double a) {
  return 2.0 * (n - 1) / n * S / B + 2.0 * (n - 1) * a;
}

}  // namespace

TEST_CASE("a transfer over a path takes hops x latency + bytes / bandwidth", "[cluster][fabric]") {
  // 4-chip ring, 25 GB/s (40 ps per byte), 1 us per link. 25,000 bytes take 1 us to serialise.
  // 0 -> 1: 1 hop: 1 us + 1 us = 2 us. 0 -> 2: 2 hops, cut-through: 2 x 1 us + 1 us = 3 us.
  // A second 0 -> 1 transfer issued at 0 waits for the first to leave the port: starts at 1 us,
  // arrives at 3 us.
  KernelContext kernel;
  StatsRegistry stats;
  const ClusterConfig cfg = ring_node(4, 25, 1000);
  Fabric fabric("fabric", cfg, stats);
  CHECK(fabric.path_length(0, 1) == 1);
  CHECK(fabric.path_length(0, 2) == 2);
  CHECK(fabric.path_length(0, 3) == 1);  // the short way round
  CHECK(fabric.send(0, 2, 25000, 0) == 3'000'000'000ull);
  CHECK(fabric.send(0, 1, 25000, 0) == 3'000'000'000ull);  // shares link 0->1 with the first
  CHECK(fabric.send(3, 2, 25000, 0) == 2'000'000'000ull);  // its own link: no contention
}

TEST_CASE("switched, torus and fat-tree paths", "[cluster][fabric]") {
  KernelContext kernel;
  StatsRegistry stats;
  ClusterConfig t = ring_node(16, 25, 100);
  t.scale_up.topology = ScaleUpTopology::torus2d;
  t.scale_up.dims = {4, 4};
  t.scale_up.links_per_chip = 4;
  Fabric torus("torus", t, stats);
  CHECK(torus.path_length(0, 5) == 2);   // (0,0) -> (1,1)
  CHECK(torus.path_length(0, 15) == 2);  // (0,0) -> (3,3): one wrap-around hop in each dimension
  CHECK(torus.path_length(0, 10) == 4);  // (0,0) -> (2,2): 2 + 2

  ClusterConfig f = load_cluster_config("h100-64", {"scale_out.topology=fat_tree", "scale_out.switch_radix=16"});
  Fabric fat("fat", f, stats);
  CHECK(fat.path_length(0, 7) == 2);    // same node: chip port, NVSwitch output
  CHECK(fat.path_length(0, 8) == 4);    // next node: NIC, leaf uplink, spine, leaf output
  ClusterConfig r = load_cluster_config("h100-64");  // rail-optimised: one leaf per rail holds all 8 nodes
  Fabric rail("rail", r, stats);
  CHECK(rail.path_length(0, 8) == 2);   // same rail: NIC, leaf output
  CHECK(rail.path_length(0, 9) == 4);   // another rail: through the spine
}

TEST_CASE("ring all-reduce matches 2(n-1)/n S/B + 2(n-1) a", "[cluster][collective]") {
  struct Row {
    std::uint32_t n;
    Bytes S;
    double gb_per_s, latency_ns;
  };
  // Hand-derived: n=4, 64 MiB, 25 GB/s, 1 us: 6 x (1 us + 16 MiB / 25 GB/s = 671.09 us) = 4032.5 us.
  //               n=8, 1 MiB, 50 GB/s, 5 us: 14 x (5 us + 128 KiB / 50 GB/s = 2.62 us) = 106.7 us.
  //               n=16, 256 MiB, 100 GB/s, 0.5 us: 30 x (0.5 us + 16 MiB / 100 GB/s = 167.77 us) = 5048.2 us.
  //               n=6, 6 MB, 40 GB/s, 2 us: 10 x (2 us + 1 MB / 40 GB/s = 25 us) = 270 us.
  const Row rows[] = {{4, 64 * kMiB, 25, 1000}, {8, kMiB, 50, 5000}, {16, 256 * kMiB, 100, 500}, {6, 6'000'000, 40, 2000}};
  CollectiveOptions unsliced;
  unsliced.slice_bytes = 0;  // the formula assumes each step moves its whole chunk at once
  for (const auto& row : rows) {
    const double expected = ring_formula_s(row.n, double(row.S), row.gb_per_s * 1e9, row.latency_ns * 1e-9);
    const auto r = run_collective(ring_node(row.n, row.gb_per_s, row.latency_ns), CollectiveKind::all_reduce,
                                  Algorithm::ring, row.S, {}, unsliced);
    INFO(fmt::format("n={} S={} B={} GB/s a={} ns: simulated {:.3f} us, formula {:.3f} us, error {:.4f}%", row.n,
                     row.S, row.gb_per_s, row.latency_ns, r.seconds * 1e6, expected * 1e6,
                     100 * (r.seconds / expected - 1)));
    CHECK(r.seconds == Approx(expected).epsilon(0.02));
    CHECK(r.transfers == std::size_t(2) * (row.n - 1) * row.n);
  }
  // Through a switch the latency per step is link + switch + link.
  const ClusterConfig dgx = load_cluster_config("dgx-h100");
  const double a = (2 * dgx.scale_up.link_latency_ns + dgx.scale_up.switch_latency_ns) * 1e-9;
  const auto r = run_collective(dgx, CollectiveKind::all_reduce, Algorithm::ring, 64 * kMiB, {}, unsliced);
  CHECK(r.seconds == Approx(ring_formula_s(8, double(64 * kMiB), dgx.scale_up.chip_bytes_per_s(), a)).epsilon(0.02));
}

TEST_CASE("8-chip NVSwitch all-reduce bus bandwidth approaches the per-chip link bound", "[cluster][collective]") {
  const ClusterConfig dgx = load_cluster_config("dgx-h100");
  const double bound = dgx.scale_up.chip_bytes_per_s();  // 18 x 25 GB/s = 450 GB/s per direction
  CHECK(bound == Approx(450e9));
  double previous = 0;
  for (Bytes s = kMiB; s <= kGiB; s *= 4) {
    const auto r = run_collective(dgx, CollectiveKind::all_reduce, Algorithm::ring, s);
    INFO(fmt::format("{} bytes: busbw {:.1f} GB/s", s, r.busbw_bytes_per_s / 1e9));
    CHECK(r.busbw_bytes_per_s > previous);
    CHECK(r.busbw_bytes_per_s <= bound * 1.0001);
    previous = r.busbw_bytes_per_s;
  }
  // 1 GiB: within 3% of the bound.
  CHECK(previous == Approx(bound).epsilon(0.03));
  // Published (measurements.md C3, Azure ND H100 v5, NCCL 2.18.5 with NVLS): 466.4 GB/s at 1 GiB.
  // NVLS reduces inside the NVSwitch, so it can beat the ring bound this model uses; the model
  // (pure ring, no in-switch reduction, no protocol overhead) is ~3-4% below it. For 8x A100 (C1)
  // NCCL reaches 229 GB/s at 1 GiB = 76% of the 300 GB/s bound: a ring model with no protocol or
  // software overhead overestimates that by ~30%. Loose check only:
  CHECK(previous == Approx(466.4e9).epsilon(0.15));
}

TEST_CASE("a 2:1 oversubscribed fat tree halves cross-node bandwidth", "[cluster][collective]") {
  // Radix 16: a leaf has 8 down ports = one node's 8 NICs. Chips 0-7 (node 0) send to chips 8-15
  // (node 1) and back: all 8 NICs of each node cross the leaf uplink, 8 x 50 = 400 GB/s at 1:1,
  // 200 GB/s at 2:1.
  const std::vector<std::string> base = {"scale_out.topology=fat_tree", "scale_out.switch_radix=16"};
  auto with = [&](const char* ratio) {
    auto o = base;
    o.push_back(fmt::format("scale_out.oversubscription={}", ratio));
    return load_cluster_config("h100-64", o);
  };
  std::vector<std::uint32_t> two_nodes(16);
  for (std::uint32_t c = 0; c < 16; ++c) two_nodes[c] = c;
  const auto full = run_collective(with("1"), CollectiveKind::send_recv, Algorithm::direct, 256 * kMiB, two_nodes);
  const auto half = run_collective(with("2"), CollectiveKind::send_recv, Algorithm::direct, 256 * kMiB, two_nodes);
  INFO(fmt::format("send_recv busbw 1:1 {:.2f} GB/s, 2:1 {:.2f} GB/s", full.busbw_bytes_per_s / 1e9,
                   half.busbw_bytes_per_s / 1e9));
  CHECK(full.busbw_bytes_per_s == Approx(50e9).epsilon(0.02));  // NIC-bound
  CHECK(full.busbw_bytes_per_s / half.busbw_bytes_per_s == Approx(2).epsilon(0.02));
  // All-to-all over all 64 chips: 56 of every 63 pieces cross nodes, so it slows by nearly 2x.
  const auto a2a_full = run_collective(with("1"), CollectiveKind::all_to_all, Algorithm::direct, 64 * kMiB);
  const auto a2a_half = run_collective(with("2"), CollectiveKind::all_to_all, Algorithm::direct, 64 * kMiB);
  INFO(fmt::format("all_to_all busbw 1:1 {:.2f} GB/s, 2:1 {:.2f} GB/s", a2a_full.busbw_bytes_per_s / 1e9,
                   a2a_half.busbw_bytes_per_s / 1e9));
  CHECK(a2a_full.busbw_bytes_per_s / a2a_half.busbw_bytes_per_s == Approx(2).epsilon(0.1));
}

TEST_CASE("a direct all-reduce's gather of a slice waits only for that slice's reduction", "[cluster][collective]") {
  // Reduce-scatter then all-gather, each rank sending S/n to every other in k = S/(n x slice) slices.
  // Gathering slice j needs the n - 1 contributions to slice j, so the graph holds k n (n - 1)^2
  // dependencies: linear in S (waiting for the whole reduce-scatter made it k^2 n (n - 1)^2, which
  // took more than 12.9 GB for 16 GiB on 8 chips).
  const ClusterConfig dgx = load_cluster_config("dgx-h100");
  const std::vector<std::uint32_t> group = {0, 1, 2, 3, 4, 5, 6, 7};
  const CollectiveOptions options;  // 1 MiB slices
  const std::uint64_t n = 8;
  for (const Bytes S : {64 * kMiB, 256 * kMiB}) {
    TransferGraph graph;
    collective_algorithm(Algorithm::direct).build({dgx, CollectiveKind::all_reduce, S, group, options}, graph);
    const std::uint64_t k = S / n / options.slice_bytes;
    std::uint64_t deps = 0;
    for (const auto& t : graph.transfers()) deps += graph.deps(t).size();
    CHECK(graph.size() == 2 * k * n * (n - 1));
    CHECK(deps == k * n * (n - 1) * (n - 1));
  }
  // Bandwidth-bound on the switch: T = 2 (n - 1)/n x S / B, so busbw is the chip's port rate B.
  const auto r = run_collective(dgx, CollectiveKind::all_reduce, Algorithm::direct, 4 * kGiB);
  CHECK(r.busbw_bytes_per_s == Approx(dgx.scale_up.chip_bytes_per_s()).epsilon(0.01));
}

TEST_CASE("tree, direct and hierarchical algorithms", "[cluster][collective]") {
  const ClusterConfig dgx = load_cluster_config("dgx-h100");
  const Bytes S = 256 * kMiB;
  // Every all-reduce algorithm moves 2(n-1) S bytes in all (n = 8).
  for (auto algo : {Algorithm::ring, Algorithm::tree, Algorithm::direct}) {
    const auto r = run_collective(dgx, CollectiveKind::all_reduce, algo, S);
    INFO(to_string(algo));
    CHECK(r.fabric_bytes == 2 * 7 * S);
    CHECK(r.busbw_bytes_per_s > 0);
    CHECK(r.busbw_bytes_per_s <= dgx.scale_up.chip_bytes_per_s() * 1.0001);
  }
  // Broadcast: chain and tree both deliver S to 7 chips.
  for (auto algo : {Algorithm::ring, Algorithm::tree}) {
    const auto r = run_collective(dgx, CollectiveKind::broadcast, algo, S);
    CHECK(r.fabric_bytes == 7 * S);
  }
  CHECK_THROWS_WITH(run_collective(dgx, CollectiveKind::all_to_all, Algorithm::ring, S),
                    Catch::Matchers::Contains("supported: direct"));
  // 64 chips: a flat ring crosses nodes through one 50 GB/s NIC per hop; hierarchical keeps most
  // bytes on NVLink and splits the cross-node part over 8 rails, so it is several times faster.
  const ClusterConfig c64 = load_cluster_config("h100-64");
  const auto flat = run_collective(c64, CollectiveKind::all_reduce, Algorithm::ring, S);
  const auto hier = run_collective(c64, CollectiveKind::all_reduce, Algorithm::hierarchical, S);
  INFO(fmt::format("64 chips: ring busbw {:.1f} GB/s, hierarchical {:.1f} GB/s", flat.busbw_bytes_per_s / 1e9,
                   hier.busbw_bytes_per_s / 1e9));
  CHECK(flat.busbw_bytes_per_s == Approx(50e9).epsilon(0.05));
  CHECK(hier.busbw_bytes_per_s > 3 * flat.busbw_bytes_per_s);
}

TEST_CASE("every shipped cluster runs a small collective", "[cluster][collective][smoke]") {
  for (const auto& name : shipped_cluster_names()) {
    INFO(name);
    const auto r = run_collective(load_cluster_config(name), CollectiveKind::send_recv, Algorithm::direct, kMiB);
    CHECK(r.seconds > 0);
  }
}

TEST_CASE("link energy counts every link a byte crosses", "[cluster][collective][energy]") {
  // On an NVSwitch node every transfer crosses two links: chip -> switch and switch -> chip.
  // A ring all-reduce of S bytes on n chips sends 2(n-1)/n * S from each of the n chips, so
  // the ports serialise 2 * 2(n-1) * S bytes: 4 * 7 * 64 MiB on 8 chips.
  const ClusterConfig dgx = load_cluster_config("dgx-h100");
  const Bytes s = 64 * kMiB;
  const auto r = run_collective(dgx, CollectiveKind::all_reduce, Algorithm::ring, s);
  CHECK(r.port_bytes == Approx(4.0 * 7 * double(s)));
  // At 5.5 pJ/bit that is 4 * 7 * 64 MiB * 8 bit * 5.5e-12 J = 82.7 mJ.
  CHECK(link_energy_j(r, 5.5) == Approx(4.0 * 7 * 64 * 1048576 * 8 * 5.5e-12));
}

TEST_CASE("collective algorithms: registered by --algorithm name, each says what it supports", "[cluster][collective]") {
  CHECK(collective_algorithm_names() == std::vector<std::string_view>{"ring", "tree", "hierarchical", "direct"});
  for (auto name : collective_algorithm_names()) CHECK(to_string(*parse_algorithm(name)) == name);
  CHECK_FALSE(parse_algorithm("butterfly"));
  CHECK(algorithms_supporting(CollectiveKind::all_reduce).size() == 4);
  CHECK(algorithms_supporting(CollectiveKind::broadcast) == std::vector<std::string_view>{"ring", "tree"});
  CHECK(algorithms_supporting(CollectiveKind::all_to_all) == std::vector<std::string_view>{"direct"});
}
