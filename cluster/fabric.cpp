#include "cluster/fabric.h"

#include <algorithm>

#include <fmt/format.h>

#include "base/stats/stats_registry.h"

namespace tessera {

Fabric::Fabric(sc_core::sc_module_name name, const ClusterConfig& cfg, StatsRegistry& stats)
    : sc_module(name), cfg_(cfg) {
  build_scale_up(stats);
  build_scale_out(stats);
}

void Fabric::build_scale_up(StatsRegistry& stats) {
  const auto& su = cfg_.scale_up;
  const std::uint32_t cpn = cfg_.chips_per_node;
  if (cpn < 2) return;
  const std::uint64_t link_lat = ns_to_fs(su.link_latency_ns);
  if (su.topology == ScaleUpTopology::switched) {
    const double bw = su.chip_bytes_per_s();
    std::vector<SwitchPortParams> ports(cpn, SwitchPortParams{bw, link_lat});
    for (std::uint32_t n = 0; n < cfg_.nodes; ++n) {
      for (std::uint32_t c = 0; c < cpn; ++c)
        chip_ports_.push_back(
            std::make_unique<Port>(fmt::format("{}.node{}.chip{}.scale_up", name(), n, c), bw, link_lat, stats));
      node_switches_.push_back(std::make_unique<Switch>(fmt::format("node{}_switch", n).c_str(), ports,
                                                        ns_to_fs(su.switch_latency_ns), stats));
    }
    return;
  }
  const std::vector<std::uint32_t> dims =
      su.topology == ScaleUpTopology::ring ? std::vector<std::uint32_t>{cpn} : su.dims;
  const LinkParams lp{double(su.links_per_neighbour()) * su.link_gb_per_s * 1e9, link_lat};
  links_.reserve(std::size_t(cfg_.nodes) * cpn * dims.size());
  for (std::uint32_t n = 0; n < cfg_.nodes; ++n)
    for (std::uint32_t c = 0; c < cpn; ++c)
      for (std::size_t d = 0; d < dims.size(); ++d)
        links_.push_back(std::make_unique<Link>(fmt::format("node{}_chip{}_dim{}", n, c, d).c_str(), lp, stats));
}

void Fabric::build_scale_out(StatsRegistry& stats) {
  const auto& so = cfg_.scale_out;
  if (so.topology == ScaleOutTopology::none || cfg_.nodes < 2) return;
  const double nic_bw = so.nic_gb_per_s * 1e9;
  const std::uint64_t link_lat = ns_to_fs(so.link_latency_ns), sw_lat = ns_to_fs(so.switch_latency_ns);
  const std::uint32_t down = so.leaf_down_ports();
  for (std::uint32_t n = 0; n < cfg_.nodes; ++n)
    for (std::uint32_t r = 0; r < so.nics_per_node; ++r)
      nics_.push_back(std::make_unique<Nic>(fmt::format("node{}_nic{}", n, r).c_str(), nic_bw, link_lat, stats));
  std::uint32_t leaves = 0;
  if (so.topology == ScaleOutTopology::fat_tree) {
    leaves = static_cast<std::uint32_t>(ceil_div(std::uint64_t(cfg_.nodes) * so.nics_per_node, down));
  } else {
    leaves_per_rail_ = static_cast<std::uint32_t>(ceil_div(cfg_.nodes, down));
    leaves = leaves_per_rail_ * so.nics_per_node;
  }
  const std::vector<SwitchPortParams> leaf_ports(down, SwitchPortParams{nic_bw, link_lat});
  for (std::uint32_t l = 0; l < leaves; ++l)
    leaves_.push_back(std::make_unique<Switch>(fmt::format("leaf{}", l).c_str(), leaf_ports, sw_lat, stats));
  if (leaves < 2) return;
  // The oversubscribed uplink capacity, explicit: down ports x NIC rate / ratio, per direction.
  const double up_bw = double(down) * nic_bw / so.oversubscription;
  for (std::uint32_t l = 0; l < leaves; ++l)
    leaf_up_.push_back(std::make_unique<Port>(fmt::format("{}.leaf{}.uplink", name(), l), up_bw, sw_lat + link_lat, stats));
  spine_ = std::make_unique<Switch>("spine", std::vector<SwitchPortParams>(leaves, SwitchPortParams{up_bw, link_lat}),
                                    sw_lat, stats);
}

std::uint32_t Fabric::leaf_of(std::uint32_t node, std::uint32_t nic) const {
  const auto& so = cfg_.scale_out;
  if (so.topology == ScaleOutTopology::fat_tree) return (node * so.nics_per_node + nic) / so.leaf_down_ports();
  return nic * leaves_per_rail_ + node / so.leaf_down_ports();
}

void Fabric::route_intra(std::uint32_t node, std::uint32_t a, std::uint32_t b, std::vector<Port*>& out) {
  const std::uint32_t cpn = cfg_.chips_per_node;
  if (cfg_.scale_up.topology == ScaleUpTopology::switched) {
    out.push_back(chip_ports_[std::size_t(node) * cpn + a].get());
    out.push_back(&node_switches_[node]->output(b));
    return;
  }
  const std::vector<std::uint32_t> dims =
      cfg_.scale_up.topology == ScaleUpTopology::ring ? std::vector<std::uint32_t>{cpn} : cfg_.scale_up.dims;
  const std::size_t nd = dims.size();
  // Coordinates: dimension 0 varies fastest.
  std::vector<std::uint32_t> coord(nd), target(nd), stride(nd);
  for (std::size_t d = 0, s = 1; d < nd; ++d) {
    stride[d] = static_cast<std::uint32_t>(s);
    coord[d] = (a / s) % dims[d];
    target[d] = (b / s) % dims[d];
    s *= dims[d];
  }
  auto chip_at = [&] {
    std::uint32_t c = 0;
    for (std::size_t d = 0; d < nd; ++d) c += coord[d] * stride[d];
    return c;
  };
  auto link = [&](std::uint32_t chip, std::size_t d) -> Link& {
    return *links_[(std::size_t(node) * cpn + chip) * nd + d];
  };
  for (std::size_t d = 0; d < nd; ++d) {
    const std::uint32_t k = dims[d];
    const std::uint32_t fwd = (target[d] + k - coord[d]) % k;
    const bool plus = fwd <= k - fwd;
    while (coord[d] != target[d]) {
      if (plus) {
        out.push_back(&link(chip_at(), d).direction(0));
        coord[d] = (coord[d] + 1) % k;
      } else {
        coord[d] = (coord[d] + k - 1) % k;
        out.push_back(&link(chip_at(), d).direction(1));
      }
    }
  }
}

void Fabric::route(std::uint32_t src, std::uint32_t dst, std::vector<Port*>& out) {
  out.clear();
  const std::uint32_t cpn = cfg_.chips_per_node;
  const std::uint32_t sn = src / cpn, dn = dst / cpn, sc = src % cpn, dc = dst % cpn;
  if (src == dst) return;
  if (sn == dn) return route_intra(sn, sc, dc, out);
  const std::uint32_t nics = cfg_.scale_out.nics_per_node;
  const std::uint32_t snic = sc % nics, dnic = dc % nics;
  const std::uint32_t sl = leaf_of(sn, snic), dl = leaf_of(dn, dnic);
  const std::uint32_t down = cfg_.scale_out.leaf_down_ports();
  const std::uint32_t dport = cfg_.scale_out.topology == ScaleOutTopology::fat_tree ? (dn * nics + dnic) % down
                                                                                    : dn % down;
  out.push_back(&nics_[std::size_t(sn) * nics + snic]->tx());
  if (sl != dl) {
    out.push_back(leaf_up_[sl].get());
    out.push_back(&spine_->output(dl));
  }
  out.push_back(&leaves_[dl]->output(dport));
}

std::size_t Fabric::path_length(std::uint32_t src, std::uint32_t dst) {
  route(src, dst, path_);
  return path_.size();
}

std::uint64_t Fabric::send(std::uint32_t src, std::uint32_t dst, Bytes bytes, std::uint64_t issue_fs) {
  if (src >= chips() || dst >= chips()) throw Error(fmt::format("fabric: transfer {} -> {} outside {} chips", src, dst, chips()));
  route(src, dst, path_);
  std::uint64_t head = issue_fs, tail = issue_fs;
  for (Port* p : path_) {
    const std::uint64_t ser = p->serialisation_fs(bytes);
    // Cut-through: the head may enter as soon as it arrives, but the tail cannot leave this
    // port before it has arrived from the previous one (matters when this port is faster).
    const std::uint64_t earliest = std::max(head, tail > ser ? tail - ser : 0);
    const std::uint64_t start = p->reserve(earliest, bytes);
    head = start + p->latency_fs();
    tail = start + ser + p->latency_fs();
  }
  return tail;
}

}  // namespace tessera
