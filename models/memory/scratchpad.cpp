#include "models/memory/scratchpad.h"

#include <algorithm>

#include "base/stats/stats_registry.h"

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
  // The banks of a range are nearly always reserved together and so free at the same time:
  // then one reservation stands for all of them.
  const std::uint32_t end = range.first + range.count;
  bool aligned = true;
  for (std::uint32_t b = range.first + 1; b < end && aligned; ++b)
    aligned = banks_[b].free_fs() == banks_[range.first].free_fs();
  std::uint64_t done = earliest_fs;
  if (aligned) {
    banks_[range.first].reserve(earliest_fs, per_bank, clock_);
    for (std::uint32_t b = range.first + 1; b < end; ++b) banks_[b] = banks_[range.first];
    done = std::max(done, banks_[range.first].free_fs());
  } else {
    for (std::uint32_t b = range.first; b < end; ++b) {
      const std::uint64_t start = banks_[b].reserve(earliest_fs, per_bank, clock_);
      done = std::max(done, start + per_bank * clock_.period_fs());
    }
  }
  busy_cycles_.value += double(per_bank) * range.count / cfg_.banks;
  (write ? bytes_written_ : bytes_read_).value += double(bytes);
  return done;
}

}  // namespace tessera
