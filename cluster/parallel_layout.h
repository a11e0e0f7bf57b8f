// Where the ranks of a parallel layout sit in a cluster, and which chips take part in each
// collective of a trace.
//
// Chip id = t + tp x (d + dp x s) for tensor rank t, data-parallel rank d and pipeline stage s
// (Megatron-LM's default order: tensor-parallel ranks are neighbours, so a TP group stays inside
// a node; pipeline stages are outermost). Expert parallelism takes its ranks from the data-parallel
// ones: an EP group is ep consecutive data-parallel ranks, and the "edp" group (ranks holding the
// same experts) is every ep-th one.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "cluster/cluster_config.h"
#include "workloads/operator.h"
#include "workloads/scenario.h"

namespace tessera {

struct ParallelLayout {
  std::uint32_t tp = 1, pp = 1, dp = 1, ep = 1;

  std::uint32_t chips() const { return tp * pp * dp; }
  std::uint32_t chips_per_stage() const { return tp * dp; }
  std::uint32_t chip(std::uint32_t t, std::uint32_t d, std::uint32_t s) const { return t + tp * (d + dp * s); }
  std::string describe() const;  // "tp=8 pp=16 dp=8 ep=1"
};

/// The layout a scenario's parallelism annotations describe.
ParallelLayout layout_of(const Parallelism& p);

/// The layout a workload was generated for (its summary's scenario); all degrees 1 for a
/// hand-written operator list, which names no scenario.
ParallelLayout layout_of(const Workload& w);

/// Throws Error when the layout needs more chips than `cluster` has, or ep does not divide dp.
void check_layout_fits(const ParallelLayout& layout, const ClusterConfig& cluster);

/// Every group of chips that runs `op` (a collective of the trace's representative chip) at the
/// same time: all instances of that collective in the operator's pipeline stage, one vector of
/// chip ids per group, in ring order. Pipeline sends ("pp") pair stage s with s + 1 (forward)
/// or s - 1 (backward phase). Throws Error when the collective's group or size does not match
/// the layout.
std::vector<std::vector<std::uint32_t>> concurrent_groups(const ParallelLayout& layout, const Operator& op);

}  // namespace tessera
