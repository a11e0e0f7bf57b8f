#include "models/memory/scratchpad.h"

#include <algorithm>

#include "models/stats/stats_registry.h"

namespace tessera {

Scratchpad::Scratchpad(sc_core::sc_module_name name, const ScratchpadConfig& cfg, const ClockDomain& clock,
                       StatsRegistry& stats)
    : sc_module(name),
      cfg_(cfg),
      clock_(clock),
      banks_(cfg.banks),
      group_(stats.add_group(this->name(), "scratchpad", clock.mhz())),
      busy_cycles_(group_.add(stat_names::kBusyCycles, "cycles", "busy cycles of the average bank")),
      bytes_read_(group_.add(stat_names::kBytesRead, "bytes", "bytes read")),
      bytes_written_(group_.add(stat_names::kBytesWritten, "bytes", "bytes written")) {}

BankRange Scratchpad::slot(std::uint32_t index) const {
  if (cfg_.banks < 2) return {0, cfg_.banks};
  const std::uint32_t half = cfg_.banks / 2;
  return {index % 2 == 0 ? 0 : half, index % 2 == 0 ? half : cfg_.banks - half};
}

std::uint64_t Scratchpad::access(BankRange range, Bytes bytes, bool write, std::uint64_t earliest_fs) {
  const Cycles per_bank = ceil_div(ceil_div(bytes, range.count), cfg_.bytes_per_cycle_per_bank);
  std::uint64_t done = earliest_fs;
  for (std::uint32_t b = range.first; b < range.first + range.count; ++b) {
    const std::uint64_t start = banks_[b].reserve(earliest_fs, per_bank, clock_);
    done = std::max(done, start + per_bank * clock_.period_fs());
  }
  busy_cycles_.value += double(per_bank) * range.count / cfg_.banks;
  (write ? bytes_written_ : bytes_read_).value += double(bytes);
  return done;
}

}  // namespace tessera
