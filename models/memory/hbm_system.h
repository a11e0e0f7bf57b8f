// All HBM controllers of a chip plus the address mapping: the entry point for memory traffic,
// behind the MainMemory contract.
#pragma once

#include <memory>
#include <vector>

#include <systemc>

#include "models/memory/address_mapping.h"
#include "models/memory/hbm_channel.h"
#include "models/memory/hbm_wake_dispatcher.h"
#include "models/memory/main_memory.h"

namespace tessera {

class HbmSystem final : public sc_core::sc_module, public MainMemory {
 public:
  /// Builds one controller per pseudo-channel, named ch0 .. ch<N-1> below this module; each
  /// registers its stats under its full name (e.g. "hbm.ch12"). Throws Error on a bad mapping.
  HbmSystem(sc_core::sc_module_name name, const HbmConfig& cfg, StatsRegistry& stats);
  /// Splits [address, address+bytes) into row runs, adds one request per run to `completion`
  /// and submits each to its controller at the current time.
  void access(std::uint64_t address, Bytes bytes, bool write, MemCompletion& completion) override;
  const HbmConfig& config() const;
  std::size_t outstanding() const override;

  const AddressMapping& mapping() const { return mapping_; }
  std::size_t channel_count() const { return channels_.size(); }
  HbmChannel& channel(std::size_t i) { return *channels_.at(i); }
  /// See HbmChannel::sync_stats.
  void sync_stats() override;

 private:
  HbmConfig cfg_;
  AddressMapping mapping_;
  ClockDomain clock_;              // the HBM command clock every channel runs on
  HbmWakeDispatcher dispatcher_;   // triggers the channels (one kernel event for all)
  std::vector<std::unique_ptr<HbmChannel>> channels_;
  std::vector<RowRun> runs_;  // scratch for access(), reused to avoid allocation
};

}  // namespace tessera
