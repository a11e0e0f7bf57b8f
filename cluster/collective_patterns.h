// The transfer patterns collective algorithms are built from: rings, pipelined binary trees and
// all-to-all exchanges, each adding its transfers to a TransferGraph in a fixed order (the
// order is part of the timing: the engine issues ready transfers in graph order).
#pragma once

#include <cstdint>
#include <vector>

#include "cluster/collectives.h"
#include "cluster/transfer_graph.h"

namespace tessera::collective {

using Deps = std::vector<TransferId>;

/// Part `i` of `total` split into `parts` near-equal whole-byte pieces.
Bytes piece(Bytes total, std::uint64_t parts, std::uint64_t i);
/// Slices a chunk of `chunk` bytes is split into (opts.slice_bytes; 1 when slicing is off).
std::uint32_t slices_for(Bytes chunk, const CollectiveOptions& o);

/// Ring over `ranks` (rank i sends to rank i+1): `steps` steps; at step s rank i sends chunk
/// (i - s) mod n of `total` / n bytes, which it received at step s-1 (reduce-scatter, then
/// all-gather, have this same shape). Rank i's sends also wait for `init[i]`.
/// Returns, per rank, the transfers it received in the last step.
std::vector<Deps> ring(TransferGraph& g, const std::vector<std::uint32_t>& ranks, std::uint32_t steps, Bytes total,
                       const std::vector<Deps>& init, const CollectiveOptions& o);

/// In-order balanced binary tree over positions [0, n): parent of each position (root: -1).
std::vector<int> binary_tree(std::uint32_t n, int& root);

/// One pipelined tree over ranks (position p holds ranks[(p + shift) % n]): optional reduce to
/// the root, then broadcast from it, `total` bytes in slices.
void tree(TransferGraph& g, const std::vector<std::uint32_t>& ranks, std::uint32_t shift, Bytes total, bool reduce,
          const CollectiveOptions& o);

/// Every rank sends `per_pair` bytes to every other, in slices; slice j from rank i waits for the
/// j-th of k equal blocks of init[i] (all of init[i] when its size is not a multiple of k), so a
/// direct all-reduce's gather of slice j waits only for that slice's reduction.
/// Returns, per rank, the transfers it received, slice by slice (k blocks of n - 1).
std::vector<Deps> direct(TransferGraph& g, const std::vector<std::uint32_t>& ranks, Bytes per_pair,
                         const std::vector<Deps>& init, const CollectiveOptions& o);

/// The group reordered so the broadcast root (opts.root, checked by the caller) comes first.
std::vector<std::uint32_t> root_first(const std::vector<std::uint32_t>& group, const CollectiveOptions& o);

}  // namespace tessera::collective
