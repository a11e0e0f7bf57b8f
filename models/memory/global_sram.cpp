#include "models/memory/global_sram.h"

#include <algorithm>

#include "models/memory/main_memory.h"
#include "base/stats/stats_registry.h"

namespace tessera {

GlobalSram::GlobalSram(sc_core::sc_module_name name, const GlobalSramConfig& cfg, const ClockDomain& clock,
                       MainMemory& hbm, Bytes block_bytes, StatsRegistry& stats)
    : sc_module(name),
      cfg_(cfg),
      clock_(clock),
      hbm_(hbm),
      block_bytes_(block_bytes),
      capacity_blocks_(std::max<std::uint64_t>(1, cfg.bytes / block_bytes)),
      banks_(cfg.banks),
      group_(stats.add_group(this->name(), "global_sram", clock.mhz())),
      busy_cycles_(group_.add(stat_names::kBusyCycles, "cycles", "busy cycles of the average bank")),
      bytes_read_(group_.add(stat_names::kBytesRead, "bytes", "bytes read out of the banks")),
      bytes_written_(group_.add(stat_names::kBytesWritten, "bytes", "bytes written into the banks")),
      hits_(group_.add("hits", "blocks", "block reads found resident")),
      misses_(group_.add("misses", "blocks", "block reads fetched from HBM")),
      evictions_(group_.add("evictions", "blocks", "blocks evicted (LRU)")) {}

void GlobalSram::touch_or_insert(std::uint64_t block) {
  auto it = resident_.find(block);
  if (it != resident_.end()) {
    lru_.splice(lru_.begin(), lru_, it->second);
    return;
  }
  if (resident_.size() >= capacity_blocks_) {
    resident_.erase(lru_.back());
    lru_.pop_back();
    evictions_.value += 1;
  }
  lru_.push_front(block);
  resident_.emplace(block, lru_.begin());
}

Bytes GlobalSram::fetch(std::uint64_t address, Bytes bytes) {
  if (bytes == 0) return 0;
  const std::uint64_t first = address / block_bytes_;
  const std::uint64_t last = (address + bytes - 1) / block_bytes_;
  std::vector<std::shared_ptr<Fetch>> waits;
  std::vector<std::pair<std::uint64_t, std::uint64_t>> mine;  // [first, last] block runs we fetch
  std::uint64_t run_start = 0;
  bool in_run = false;
  Bytes fetched = 0;
  auto flush = [&](std::uint64_t end_block) {  // end exclusive
    if (!in_run) return;
    in_run = false;
    auto f = std::make_shared<Fetch>();
    const Bytes run_bytes = (end_block - run_start) * block_bytes_;
    hbm_.access(run_start * block_bytes_, run_bytes, /*write=*/false, f->completion);
    fetched += run_bytes;
    for (std::uint64_t b = run_start; b < end_block; ++b) in_flight_[b] = f;
    waits.push_back(f);
    mine.emplace_back(run_start, end_block);
  };
  for (std::uint64_t b = first; b <= last; ++b) {
    if (auto it = resident_.find(b); it != resident_.end()) {
      flush(b);
      lru_.splice(lru_.begin(), lru_, it->second);
      hits_.value += 1;
    } else if (auto fl = in_flight_.find(b); fl != in_flight_.end()) {
      flush(b);
      waits.push_back(fl->second);
      hits_.value += 1;  // the data arrives on chip once: a hit under miss
    } else {
      misses_.value += 1;
      if (!in_run) run_start = b, in_run = true;
    }
  }
  flush(last + 1);
  for (auto& f : waits) f->completion.wait_done();
  for (auto [begin, end] : mine)
    for (std::uint64_t b = begin; b < end; ++b) {
      in_flight_.erase(b);
      touch_or_insert(b);
    }
  return fetched;
}

Bytes GlobalSram::write_through(std::uint64_t address, Bytes bytes, MemCompletion& completion) {
  if (bytes == 0) return 0;
  for (std::uint64_t b = address / block_bytes_; b <= (address + bytes - 1) / block_bytes_; ++b) touch_or_insert(b);
  hbm_.access(address, bytes, /*write=*/true, completion);
  return bytes;
}

std::uint64_t GlobalSram::access(std::uint64_t address, Bytes bytes, bool write, std::uint64_t earliest_fs) {
  const Cycles cycles = ceil_div(bytes, cfg_.bytes_per_cycle_per_bank);
  const std::uint64_t start = banks_[bank_of(address)].reserve(earliest_fs, cycles, clock_);
  busy_cycles_.value += double(cycles) / cfg_.banks;
  (write ? bytes_written_ : bytes_read_).value += double(bytes);
  return start + (cycles + cfg_.latency_cycles) * clock_.period_fs();
}

}  // namespace tessera
