#include "serving/kv_transfer.h"

#include <fmt/core.h>

#include "cluster/collectives.h"

namespace tessera {

KvTransferTimer::KvTransferTimer(ClusterConfig cluster, std::uint32_t tp, std::uint32_t replicas, double pj_per_bit)
    : cluster_(std::move(cluster)), tp_(tp), pj_per_bit_(pj_per_bit) {
  if (std::uint64_t(tp) * replicas > cluster_.chips())
    throw Error(fmt::format("disaggregated serving: {} replicas of {} chips need {} chips; cluster '{}' has {}", replicas,
                            tp, std::uint64_t(tp) * replicas, cluster_.name, cluster_.chips()));
}

IterationCost KvTransferTimer::transfer(std::uint32_t from, std::uint32_t to, double bytes_per_chip) {
  auto it = fits_.find({from, to});
  if (it == fits_.end()) {
    std::vector<std::vector<std::uint32_t>> groups;
    for (std::uint32_t i = 0; i < tp_; ++i) groups.push_back({from * tp_ + i, to * tp_ + i});
    auto at = [&](double bytes) {
      // send_recv on a pair: each sends `bytes` to the other; a full-duplex link carries both at
      // once, so the time is that of one direction (the energy counts both: halved).
      const CollectiveResult r = run_concurrent_collectives(cluster_, CollectiveKind::send_recv, Algorithm::direct,
                                                            static_cast<Bytes>(bytes), groups);
      return IterationCost{r.seconds, link_energy_j(r, pj_per_bit_) / 2};
    };
    it = fits_.emplace(std::make_pair(from, to), std::make_pair(at(kSmallBytes), at(kLargeBytes))).first;
  }
  const auto& [small, large] = it->second;
  const double f = (bytes_per_chip - kSmallBytes) / (kLargeBytes - kSmallBytes);
  IterationCost c{small.seconds + (large.seconds - small.seconds) * f, small.energy_j + (large.energy_j - small.energy_j) * f};
  // Below the small size the line would fall under the fabric's latency: keep the small time.
  if (bytes_per_chip < kSmallBytes) c = {small.seconds, small.energy_j * bytes_per_chip / kSmallBytes};
  return c;
}

}  // namespace tessera
