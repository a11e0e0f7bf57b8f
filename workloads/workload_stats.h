// Totals and the operator mix of a workload, for `tessera trace info` and reports.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "workloads/operator.h"

namespace tessera {

/// Totals over a group of operators (one kind, one phase, one label, one collective group).
struct OpGroup {
  std::string key;
  std::uint64_t count = 0;
  double flops = 0;
  Bytes bytes_read = 0;
  Bytes bytes_written = 0;
  Bytes collective_bytes = 0;
};

struct WorkloadStats {
  OpGroup total;                    // key "total"
  double gemm_flops = 0;            // matrix-engine share of total.flops
  std::vector<OpGroup> by_kind;     // in OpKind order, kinds present only
  std::vector<OpGroup> by_phase;    // in order of first appearance
  std::vector<OpGroup> by_name;     // operator labels, most FLOPs first
  std::vector<OpGroup> collectives; // "<kind>/<group>", in order of first appearance
};

WorkloadStats workload_stats(const Workload& w);

}  // namespace tessera
