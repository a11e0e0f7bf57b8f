#include "workloads/workload_stats.h"

#include <algorithm>
#include <unordered_map>

namespace tessera {

namespace {

// Groups in order of first appearance.
class Grouper {
 public:
  OpGroup& at(const std::string& key) {
    auto [it, added] = index_.emplace(key, groups_.size());
    if (added) groups_.push_back(OpGroup{key});
    return groups_[it->second];
  }
  std::vector<OpGroup> take() { return std::move(groups_); }

 private:
  std::unordered_map<std::string, std::size_t> index_;
  std::vector<OpGroup> groups_;
};

void count(OpGroup& g, const Operator& op, double flops, Bytes read, Bytes written) {
  ++g.count;
  g.flops += flops;
  g.bytes_read += read;
  g.bytes_written += written;
  if (op.kind == OpKind::collective) g.collective_bytes += op.collective.bytes;
}

}  // namespace

WorkloadStats workload_stats(const Workload& w) {
  WorkloadStats s;
  s.total.key = "total";
  Grouper kinds, phases, names, colls;
  for (const Operator& op : w.ops) {
    const double f = op.flops();
    const Bytes r = op.bytes_read(), wr = op.bytes_written();
    count(s.total, op, f, r, wr);
    if (op.kind == OpKind::gemm) s.gemm_flops += f;
    count(kinds.at(std::string(to_string(op.kind))), op, f, r, wr);
    count(phases.at(op.phase.empty() ? "-" : op.phase), op, f, r, wr);
    count(names.at(op.name.empty() ? op.id : op.name), op, f, r, wr);
    if (op.kind == OpKind::collective)
      count(colls.at(std::string(to_string(op.collective.kind)) + "/" + op.collective.group), op, f, r, wr);
  }
  s.by_kind = kinds.take();
  // Present kinds in the enum's order, which reads better than appearance order.
  std::stable_sort(s.by_kind.begin(), s.by_kind.end(), [](const OpGroup& a, const OpGroup& b) {
    return parse_op_kind(a.key) < parse_op_kind(b.key);
  });
  s.by_phase = phases.take();
  s.by_name = names.take();
  std::stable_sort(s.by_name.begin(), s.by_name.end(),
                   [](const OpGroup& a, const OpGroup& b) { return a.flops > b.flops; });
  s.collectives = colls.take();
  return s;
}

}  // namespace tessera
