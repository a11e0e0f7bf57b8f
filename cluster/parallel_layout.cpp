#include "cluster/parallel_layout.h"

#include <fmt/format.h>

#include "base/types.h"

namespace tessera {

std::string ParallelLayout::describe() const { return fmt::format("tp={} pp={} dp={} ep={}", tp, pp, dp, ep); }

ParallelLayout layout_of(const Parallelism& p) {
  return ParallelLayout{static_cast<std::uint32_t>(p.tp), static_cast<std::uint32_t>(p.pp),
                        static_cast<std::uint32_t>(p.dp), static_cast<std::uint32_t>(p.ep)};
}

ParallelLayout layout_of(const Workload& w) {
  if (w.summary.scenario.empty()) return ParallelLayout{};
  return layout_of(parse_scenario_spec(w.summary.scenario).parallel);
}

void check_layout_fits(const ParallelLayout& layout, const ClusterConfig& cluster) {
  if (layout.tp == 0 || layout.pp == 0 || layout.dp == 0 || layout.ep == 0)
    throw Error(fmt::format("parallel layout {}: every degree must be at least 1", layout.describe()));
  if (layout.dp % layout.ep != 0)
    throw Error(fmt::format("parallel layout {}: ep must divide dp (experts are spread over data-parallel ranks)",
                            layout.describe()));
  if (layout.chips() > cluster.chips())
    throw Error(fmt::format("parallel layout {} needs {} chips; cluster '{}' has {}", layout.describe(),
                            layout.chips(), cluster.name, cluster.chips()));
}

std::vector<std::vector<std::uint32_t>> concurrent_groups(const ParallelLayout& L, const Operator& op) {
  const Collective& c = op.collective;
  auto expect_size = [&](std::uint32_t n) {
    if (c.group_size != n)
      throw Error(fmt::format("operator '{}': collective group '{}' has {} ranks, but the layout ({}) gives {}", op.id,
                              c.group, c.group_size, L.describe(), n));
  };
  if (op.stage < 0 || static_cast<std::uint32_t>(op.stage) >= L.pp)
    throw Error(fmt::format("operator '{}': stage {} outside the layout's {} pipeline stages", op.id, op.stage, L.pp));
  const auto s = static_cast<std::uint32_t>(op.stage);
  std::vector<std::vector<std::uint32_t>> groups;
  if (c.group == "tp") {
    expect_size(L.tp);
    for (std::uint32_t d = 0; d < L.dp; ++d) {
      auto& g = groups.emplace_back();
      for (std::uint32_t t = 0; t < L.tp; ++t) g.push_back(L.chip(t, d, s));
    }
  } else if (c.group == "dp") {
    expect_size(L.dp);
    for (std::uint32_t t = 0; t < L.tp; ++t) {
      auto& g = groups.emplace_back();
      for (std::uint32_t d = 0; d < L.dp; ++d) g.push_back(L.chip(t, d, s));
    }
  } else if (c.group == "ep") {
    expect_size(L.ep);
    for (std::uint32_t t = 0; t < L.tp; ++t)
      for (std::uint32_t b = 0; b < L.dp / L.ep; ++b) {
        auto& g = groups.emplace_back();
        for (std::uint32_t j = 0; j < L.ep; ++j) g.push_back(L.chip(t, b * L.ep + j, s));
      }
  } else if (c.group == "edp") {
    expect_size(L.dp / L.ep);
    for (std::uint32_t t = 0; t < L.tp; ++t)
      for (std::uint32_t r = 0; r < L.ep; ++r) {
        auto& g = groups.emplace_back();
        for (std::uint32_t j = 0; j < L.dp / L.ep; ++j) g.push_back(L.chip(t, r + L.ep * j, s));
      }
  } else if (c.group == "pp") {
    expect_size(2);
    const bool backward = op.phase == "backward";
    if (L.pp < 2)
      throw Error(fmt::format("operator '{}': a pipeline send needs pp >= 2 stages, the layout has {}", op.id, L.pp));
    // Forward to the next stage, backward to the previous; interleaved 1F1B wraps around, from the
    // last stage's chunk c to the first stage's chunk c + 1 (and back).
    const std::uint32_t peer = backward ? (s + L.pp - 1) % L.pp : (s + 1) % L.pp;
    for (std::uint32_t d = 0; d < L.dp; ++d)
      for (std::uint32_t t = 0; t < L.tp; ++t) groups.push_back({L.chip(t, d, s), L.chip(t, d, peer)});
  } else {
    throw Error(fmt::format("operator '{}': unknown collective group '{}' (expected tp, dp, pp, ep or edp)", op.id, c.group));
  }
  return groups;
}

}  // namespace tessera
