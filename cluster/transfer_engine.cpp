#include "cluster/transfer_engine.h"

#include <algorithm>
#include <functional>
#include <queue>
#include <utility>

#include <fmt/format.h>

namespace tessera {

TransferEngine::TransferEngine(sc_core::sc_module_name name, Fabric& fabric, const TransferGraph& graph)
    : sc_module(name), fabric_(fabric), graph_(graph) {
  SC_THREAD(run);
}

void TransferEngine::run() {
  const auto& ts = graph_.transfers();
  const std::size_t n = ts.size();
  arrival_fs_.assign(n, 0);
  // Reverse edges and pending-dependency counts.
  std::vector<std::uint32_t> pending(n, 0), out_begin(n + 1, 0), out;
  for (std::size_t i = 0; i < n; ++i) {
    const auto deps = graph_.deps(ts[i]);
    pending[i] = static_cast<std::uint32_t>(deps.size());
    for (TransferId d : deps) {
      if (d >= i) throw Error(fmt::format("transfer graph: transfer {} depends on later transfer {}", i, d));
      ++out_begin[d + 1];
    }
  }
  for (std::size_t i = 0; i < n; ++i) out_begin[i + 1] += out_begin[i];
  out.resize(out_begin[n]);
  {
    std::vector<std::uint32_t> fill(out_begin.begin(), out_begin.end() - 1);
    for (std::size_t i = 0; i < n; ++i)
      for (TransferId d : graph_.deps(ts[i])) out[fill[d]++] = static_cast<std::uint32_t>(i);
  }
  std::vector<std::uint64_t> ready(n, 0);
  using Item = std::pair<std::uint64_t, std::uint32_t>;  // (ready fs, id)
  std::priority_queue<Item, std::vector<Item>, std::greater<>> queue;
  for (std::size_t i = 0; i < n; ++i)
    if (pending[i] == 0) queue.emplace(0, static_cast<std::uint32_t>(i));
  while (!queue.empty()) {
    const auto [at, id] = queue.top();
    queue.pop();
    const std::uint64_t now = sc_core::sc_time_stamp().value();
    if (at > now) sc_core::wait(sc_core::sc_time::from_value(at - now));
    const auto& t = ts[id];
    const std::uint64_t arrive = fabric_.send(t.src, t.dst, t.bytes, at);
    arrival_fs_[id] = arrive;
    finish_fs_ = std::max(finish_fs_, arrive);
    ++issued_;
    for (std::uint32_t k = out_begin[id]; k < out_begin[id + 1]; ++k) {
      const std::uint32_t next = out[k];
      ready[next] = std::max(ready[next], arrive);
      if (--pending[next] == 0) queue.emplace(ready[next], next);
    }
  }
}

}  // namespace tessera
