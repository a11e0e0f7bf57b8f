// A core's DMA engine: moves tiles between the global SRAM and the scratchpad over the NoC.
// A transfer is split into packets (at most dma.packet_bytes, never crossing a global-SRAM
// block); at most dma.max_outstanding packets are in flight, across transfers. A load first
// makes its blocks resident in the global SRAM (fetching misses from HBM), then each packet
// is read from its SRAM bank, crosses the NoC and is written into the scratchpad banks of its
// buffer. A store goes the other way and is written through to HBM; it is done (and its
// on_issued callback runs) only once HBM holds the data, so an operator never ends before
// its writes have drained. Jobs are issued in order by one SC_THREAD; a second one retires
// stores as their HBM writes complete. With `infinite_memory` (gemm --compute-only)
// every job completes at once and moves nothing.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <vector>

#include <systemc>

#include "base/clock.h"
#include "models/config/chip_config.h"
#include "models/chip/op_plan.h"
#include "models/memory/mem_completion.h"
#include "models/memory/scratchpad.h"

namespace tessera {

class GlobalSram;
class Noc;
struct Stat;
class StatGroup;
class StatsRegistry;
struct OpProgress;

struct DmaJob {
  bool store = false;
  Transfer transfer;
  BankRange banks;                 // scratchpad buffer
  OpProgress* op = nullptr;        // traffic is attributed to this operator
  // Set by the engine once every packet is issued (a store: once HBM has its data too): the
  // time the last one completes.
  bool issued = false;
  std::uint64_t done_fs = 0;
  std::function<void(std::uint64_t done_fs)> on_issued;  // optional
};

struct DmaEndpoints {
  std::uint32_t core = 0;        // this core's NoC endpoint
  std::uint32_t first_bank = 0;  // NoC endpoint of global-SRAM bank 0 (banks are consecutive)
};

/// What a DMA engine is built from. The engine keeps the references and pointers: the core that
/// owns it (and the chip) must keep them alive.
struct DmaParams {
  const DmaConfig& config;
  const ClockDomain& clock;   // the core's clock, shared with the chip (DVFS may change it)
  DmaEndpoints endpoints;
  Noc* noc = nullptr;          // unused with infinite_memory
  GlobalSram* sram = nullptr;  // unused with infinite_memory
  Scratchpad& scratchpad;      // the owning core's
  StatsRegistry& stats;
  bool infinite_memory = false;
};

class DmaEngine : public sc_core::sc_module {
 public:
  DmaEngine(sc_core::sc_module_name name, const DmaParams& params);

  /// Queues a job; `job` must stay alive until it is issued and done.
  void submit(DmaJob& job);
  /// Waits (calling thread) until `job` has completed.
  void wait_done(DmaJob& job);
  /// Jobs queued, being issued or waiting for their HBM writes (deadlock report).
  std::size_t queued() const { return queue_.size() + retiring_.size(); }

 private:
  void process();
  void retire_stores();  // SC_THREAD: completes stores in order as HBM takes their data
  void issue(DmaJob& job);
  void mark_issued(DmaJob& job);
  std::uint64_t issue_slot();  // waits until a packet may be issued; returns now in fs

  const DmaConfig& cfg_;
  const ClockDomain& clock_;  // shared with the chip: DVFS may change its frequency
  DmaEndpoints endpoints_;
  Noc* noc_;
  GlobalSram* sram_;
  Scratchpad& scratchpad_;
  bool infinite_memory_;
  std::deque<DmaJob*> queue_;
  struct PendingStore {
    DmaJob* job;
    std::unique_ptr<MemCompletion> hbm_write;
  };
  std::deque<PendingStore> retiring_;  // stores issued on chip whose HBM writes may be in flight
  std::unique_ptr<MemCompletion> hbm_write_;  // the HBM write of the store being issued
  sc_core::sc_event store_posted_;
  std::deque<std::uint64_t> in_flight_;  // completion times of the last max_outstanding packets
  sc_core::sc_event job_queued_;
  sc_core::sc_event job_issued_;
  StatGroup& group_;
  Stat& bytes_read_;     // loaded into the scratchpad
  Stat& bytes_written_;  // stored from the scratchpad
  Stat& packets_;
  Stat& busy_cycles_;    // cycles with at least one packet in flight
  std::uint64_t busy_until_fs_ = 0;
};

}  // namespace tessera
