#include "models/memory/hbm_system.h"

#include <string>

namespace tessera {

HbmSystem::HbmSystem(sc_core::sc_module_name name, const HbmConfig& cfg, StatsRegistry& stats)
    : sc_core::sc_module(name), cfg_(cfg), mapping_(cfg), clock_("hbm", cfg.clock_mhz), dispatcher_("wake", clock_) {
  const std::uint32_t n = cfg_.controllers();
  channels_.reserve(n);
  for (std::uint32_t i = 0; i < n; ++i) {
    channels_.push_back(std::make_unique<HbmChannel>(("ch" + std::to_string(i)).c_str(), cfg_, i, stats));
    channels_.back()->use_wake_dispatcher(dispatcher_);
  }
}

void HbmSystem::access(std::uint64_t address, Bytes bytes, bool write, MemCompletion& completion) {
  runs_.clear();
  mapping_.split(address, bytes, runs_);
  completion.add(static_cast<unsigned>(runs_.size()));
  for (const RowRun& run : runs_) channels_[run.at.controller]->submit(MemRequest{run, write, &completion});
}

const HbmConfig& HbmSystem::config() const { return cfg_; }

std::size_t HbmSystem::outstanding() const {
  std::size_t n = 0;
  for (const auto& c : channels_) n += c->outstanding();
  return n;
}

void HbmSystem::sync_stats() {
  for (auto& c : channels_) c->sync_stats();
}

}  // namespace tessera
