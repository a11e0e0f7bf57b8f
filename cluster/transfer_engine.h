// Runs a TransferGraph on a Fabric under SystemC: one thread issues every transfer at the
// simulated time its dependencies have all arrived (earliest first, ties by id), waiting in
// SystemC time between issues, so port reservations are made in time order and contention
// emerges. Nothing ticks: the kernel only wakes at issue times.
#pragma once

#include <cstdint>
#include <vector>

#include <systemc>

#include "cluster/fabric.h"
#include "cluster/transfer_graph.h"

namespace tessera {

class TransferEngine : public sc_core::sc_module {
 public:
  SC_HAS_PROCESS(TransferEngine);
  TransferEngine(sc_core::sc_module_name name, Fabric& fabric, const TransferGraph& graph);

  /// After sc_start(): arrival time (fs) of each transfer, and of the last one.
  const std::vector<std::uint64_t>& arrivals() const { return arrival_fs_; }
  std::uint64_t finish_fs() const { return finish_fs_; }
  bool done() const { return issued_ == graph_.size(); }

 private:
  void run();

  Fabric& fabric_;
  const TransferGraph& graph_;
  std::vector<std::uint64_t> arrival_fs_;
  std::uint64_t finish_fs_ = 0;
  std::size_t issued_ = 0;
};

}  // namespace tessera
