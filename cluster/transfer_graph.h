// A collective as data: point-to-point transfers and the transfers each one waits for.
// Algorithms (collectives.cpp) build it; the TransferEngine times it on a Fabric.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <span>
#include <vector>

#include "base/types.h"

namespace tessera {

using TransferId = std::uint32_t;

class TransferGraph {
 public:
  struct Transfer {
    std::uint32_t src = 0, dst = 0;
    Bytes bytes = 0;
    std::uint32_t dep_begin = 0, dep_end = 0;  // range in deps()
  };

  /// Adds a transfer that may start once every transfer in `deps` has arrived.
  TransferId add(std::uint32_t src, std::uint32_t dst, Bytes bytes, std::span<const TransferId> deps = {}) {
    Transfer t{src, dst, bytes, static_cast<std::uint32_t>(deps_.size()), 0};
    deps_.insert(deps_.end(), deps.begin(), deps.end());
    t.dep_end = static_cast<std::uint32_t>(deps_.size());
    transfers_.push_back(t);
    return static_cast<TransferId>(transfers_.size() - 1);
  }
  TransferId add(std::uint32_t src, std::uint32_t dst, Bytes bytes, std::initializer_list<TransferId> deps) {
    return add(src, dst, bytes, std::span<const TransferId>(deps.begin(), deps.size()));
  }

  /// Appends every transfer of `other` (its dependencies renumbered), so several independent
  /// collectives can run on one fabric at once.
  void append(const TransferGraph& other) {
    const auto offset = static_cast<TransferId>(transfers_.size());
    std::vector<TransferId> deps;
    for (const Transfer& t : other.transfers_) {
      deps.clear();
      for (TransferId d : other.deps(t)) deps.push_back(d + offset);
      add(t.src, t.dst, t.bytes, deps);
    }
  }

  const std::vector<Transfer>& transfers() const { return transfers_; }
  std::span<const TransferId> deps(const Transfer& t) const {
    return std::span<const TransferId>(deps_.data() + t.dep_begin, t.dep_end - t.dep_begin);
  }
  std::size_t size() const { return transfers_.size(); }
  Bytes total_bytes() const {
    Bytes b = 0;
    for (const auto& t : transfers_) b += t.bytes;
    return b;
  }

 private:
  std::vector<Transfer> transfers_;
  std::vector<TransferId> deps_;
};

}  // namespace tessera
