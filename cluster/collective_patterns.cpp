#include "cluster/collective_patterns.h"

#include <span>

namespace tessera::collective {

Bytes piece(Bytes total, std::uint64_t parts, std::uint64_t i) { return total / parts + (i < total % parts ? 1 : 0); }

std::uint32_t slices_for(Bytes chunk, const CollectiveOptions& o) {
  if (o.slice_bytes == 0 || chunk <= o.slice_bytes) return 1;
  return static_cast<std::uint32_t>(ceil_div(chunk, o.slice_bytes));
}

std::vector<Deps> ring(TransferGraph& g, const std::vector<std::uint32_t>& ranks, std::uint32_t steps, Bytes total,
                       const std::vector<Deps>& init, const CollectiveOptions& o) {
  const std::uint32_t n = static_cast<std::uint32_t>(ranks.size());
  std::vector<Deps> last(n);
  if (n < 2 || steps == 0) return init.empty() ? last : init;
  const std::uint32_t k = slices_for(piece(total, n, 0), o);
  std::vector<Deps> prev(n, Deps(k)), cur(n, Deps(k)), first;
  Deps deps;
  for (std::uint32_t s = 0; s < steps; ++s) {
    for (std::uint32_t i = 0; i < n; ++i) {
      const std::uint32_t chunk = (i + n * steps - s) % n;
      const Bytes size = piece(total, n, chunk);
      for (std::uint32_t j = 0; j < k; ++j) {
        deps.clear();
        if (s == 0) {
          if (!init.empty()) deps.insert(deps.end(), init[i].begin(), init[i].end());
        } else {
          deps.push_back(prev[(i + n - 1) % n][j]);
          // After a previous phase, rank i's later sends also wait for init[i], through its
          // own step-0 send of the slice (one dependency instead of all of init[i]).
          if (!init.empty()) deps.push_back(first[i][j]);
        }
        cur[i][j] = g.add(ranks[i], ranks[(i + 1) % n], piece(size, k, j), deps);
      }
    }
    if (s == 0) first = cur;
    std::swap(prev, cur);
  }
  for (std::uint32_t i = 0; i < n; ++i) last[(i + 1) % n] = prev[i];
  return last;
}

std::vector<int> binary_tree(std::uint32_t n, int& root) {
  std::vector<int> parent(n, -1);
  auto build = [&](auto&& self, int lo, int hi, int up) -> void {
    if (lo > hi) return;
    const int mid = (lo + hi) / 2;
    parent[mid] = up;
    self(self, lo, mid - 1, mid);
    self(self, mid + 1, hi, mid);
  };
  root = (int(n) - 1) / 2;
  build(build, 0, int(n) - 1, -1);
  return parent;
}

void tree(TransferGraph& g, const std::vector<std::uint32_t>& ranks, std::uint32_t shift, Bytes total, bool reduce,
          const CollectiveOptions& o) {
  const std::uint32_t n = static_cast<std::uint32_t>(ranks.size());
  if (n < 2 || total == 0) return;
  int root = 0;
  const std::vector<int> parent = binary_tree(n, root);
  std::vector<std::vector<int>> children(n);
  for (std::uint32_t p = 0; p < n; ++p)
    if (parent[p] >= 0) children[parent[p]].push_back(int(p));
  auto rank = [&](int p) { return ranks[(std::uint32_t(p) + shift) % n]; };
  // Post-order (children first) and pre-order (parent first) position lists.
  std::vector<int> post, pre;
  auto walk = [&](auto&& self, int p) -> void {
    pre.push_back(p);
    for (int c : children[p]) self(self, c);
    post.push_back(p);
  };
  walk(walk, root);
  const std::uint32_t k = slices_for(total, o);
  std::vector<Deps> up(n, Deps(k)), down(n, Deps(k));
  Deps deps;
  for (std::uint32_t j = 0; j < k; ++j) {
    const Bytes size = piece(total, k, j);
    if (reduce)
      for (int p : post) {
        if (p == root) continue;
        deps.clear();
        for (int c : children[p]) deps.push_back(up[c][j]);
        up[p][j] = g.add(rank(p), rank(parent[p]), size, deps);
      }
    for (int p : pre) {
      if (p == root) continue;
      deps.clear();
      if (parent[p] == root) {
        if (reduce)
          for (int c : children[root]) deps.push_back(up[c][j]);
      } else {
        deps.push_back(down[parent[p]][j]);
      }
      down[p][j] = g.add(rank(parent[p]), rank(p), size, deps);
    }
  }
}

std::vector<Deps> direct(TransferGraph& g, const std::vector<std::uint32_t>& ranks, Bytes per_pair,
                         const std::vector<Deps>& init, const CollectiveOptions& o) {
  const std::uint32_t n = static_cast<std::uint32_t>(ranks.size());
  std::vector<Deps> in(n);
  const std::uint32_t k = slices_for(per_pair, o);
  // Waiting for all of init[i] in every slice made the dependency lists grow with the square of the
  // message size (k slices x k (n - 1) entries each).
  const auto deps_of = [&](std::uint32_t i, std::uint32_t j) -> std::span<const TransferId> {
    if (init.empty()) return {};
    const Deps& d = init[i];
    if (d.size() % k != 0) return d;
    const std::size_t block = d.size() / k;
    return std::span<const TransferId>(d).subspan(j * block, block);
  };
  for (std::uint32_t j = 0; j < k; ++j)
    for (std::uint32_t d = 1; d < n; ++d)
      for (std::uint32_t i = 0; i < n; ++i) {
        const std::uint32_t to = (i + d) % n;
        in[to].push_back(g.add(ranks[i], ranks[to], piece(per_pair, k, j), deps_of(i, j)));
      }
  return in;
}

std::vector<std::uint32_t> root_first(const std::vector<std::uint32_t>& group, const CollectiveOptions& o) {
  const auto n = static_cast<std::uint32_t>(group.size());
  std::vector<std::uint32_t> order(n);
  for (std::uint32_t i = 0; i < n; ++i) order[i] = group[(o.root + i) % n];
  return order;
}

}  // namespace tessera::collective
