// The chip's global SRAM (L2): `banks` banks interleaved by block, each moving
// bytes_per_cycle_per_bank per SRAM cycle plus latency_cycles, in front of HBM. It caches
// blocks (the DMA packet size) with LRU replacement: a read of a block that is not resident
// fetches it from HBM first; concurrent misses to one block share the fetch. Writes allocate
// and are written through to HBM; the writer learns when HBM has taken the data through the
// completion it passes (a store is done only then).
#pragma once

#include <cstdint>
#include <deque>
#include <list>
#include <memory>
#include <unordered_map>
#include <vector>

#include <systemc>

#include "base/clock.h"
#include "base/timed_resource.h"
#include "models/config/chip_config.h"
#include "models/memory/mem_completion.h"

namespace tessera {

class MainMemory;
struct Stat;
class StatGroup;
class StatsRegistry;

class GlobalSram : public sc_core::sc_module {
 public:
  GlobalSram(sc_core::sc_module_name name, const GlobalSramConfig& cfg, const ClockDomain& clock,
             MainMemory& hbm, Bytes block_bytes, StatsRegistry& stats);

  /// Makes every block of [address, address+bytes) resident, fetching misses from HBM. Call
  /// from an SC_THREAD: it waits until the data is on chip. Returns the bytes read from HBM.
  Bytes fetch(std::uint64_t address, Bytes bytes);
  /// Allocates the blocks of a write and sends the write to HBM; `completion` completes when the
  /// last write burst is in the DRAM (it must outlive that). Returns the bytes written to HBM.
  Bytes write_through(std::uint64_t address, Bytes bytes, MemCompletion& completion);
  /// Reserves the bank holding `address` for `bytes` from `earliest_fs`; returns when the data
  /// is out (read) or in (write), latency included.
  std::uint64_t access(std::uint64_t address, Bytes bytes, bool write, std::uint64_t earliest_fs);
  std::uint32_t bank_of(std::uint64_t address) const {
    return static_cast<std::uint32_t>((address / block_bytes_) % cfg_.banks);
  }
  Bytes block_bytes() const { return block_bytes_; }
  /// HBM fetches in flight (for the deadlock report).
  std::size_t fetches_in_flight() const { return in_flight_.size(); }

 private:
  struct Fetch {
    MemCompletion completion;
  };
  void touch_or_insert(std::uint64_t block);

  const GlobalSramConfig& cfg_;
  const ClockDomain& clock_;  // shared with the chip: DVFS may change its frequency
  MainMemory& hbm_;
  Bytes block_bytes_;
  std::uint64_t capacity_blocks_;
  std::vector<TimedResource> banks_;
  std::list<std::uint64_t> lru_;  // most recent first
  std::unordered_map<std::uint64_t, std::list<std::uint64_t>::iterator> resident_;
  std::unordered_map<std::uint64_t, std::shared_ptr<Fetch>> in_flight_;
  StatGroup& group_;
  Stat& busy_cycles_;
  Stat& bytes_read_;
  Stat& bytes_written_;
  Stat& hits_;
  Stat& misses_;
  Stat& evictions_;
};

}  // namespace tessera
