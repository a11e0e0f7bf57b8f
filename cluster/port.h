// One direction of a fabric port: the serialiser of a link, a switch output port or a NIC.
// It moves one byte per cycle of its own clock (period = 1 / bandwidth), serves one transfer
// at a time in reservation order (TimedResource), then adds its one-way latency.
//
// Contract: callers reserve in non-decreasing time order (the TransferEngine issues transfers
// in time order); a reservation never moves an earlier one. Bandwidth and latency are fixed
// after construction.
#pragma once

#include <cstdint>
#include <string>

#include "base/clock.h"
#include "base/timed_resource.h"
#include "base/stats/stats_registry.h"

namespace tessera {

class Port {
 public:
  /// `path` names the stat group ("node0.nvswitch.port3"); bandwidth in bytes/s, latency in fs.
  Port(const std::string& path, double bytes_per_s, std::uint64_t latency_fs, StatsRegistry& stats)
      : clock_(path, bytes_per_s / 1e6), latency_fs_(latency_fs) {
    StatGroup& g = stats.add_group(path, "fabric_port", clock_.mhz());
    busy_ = &g.add(stat_names::kBusyCycles, "cycles", "cycles the port serialises data (1 byte per cycle)");
    bytes_ = &g.add("bytes", "bytes", "bytes carried");
    transfers_ = &g.add("transfers", "count", "transfers carried");
  }

  /// Serialises `bytes` starting no earlier than `earliest_fs`; returns the start time (fs).
  std::uint64_t reserve(std::uint64_t earliest_fs, Bytes bytes) {
    const std::uint64_t start = slot_.reserve(earliest_fs, bytes, clock_);
    busy_->value += double(bytes);
    bytes_->value += double(bytes);
    transfers_->value += 1;
    return start;
  }
  std::uint64_t serialisation_fs(Bytes bytes) const { return bytes * clock_.period_fs(); }
  std::uint64_t latency_fs() const { return latency_fs_; }
  double bytes_per_s() const { return clock_.mhz() * 1e6; }
  const Stat& bytes() const { return *bytes_; }

 private:
  ClockDomain clock_;  // 1 byte per cycle: mhz = bytes/s / 1e6
  TimedResource slot_;
  std::uint64_t latency_fs_ = 0;
  Stat* busy_ = nullptr;
  Stat* bytes_ = nullptr;
  Stat* transfers_ = nullptr;
};

/// Nanoseconds to femtoseconds, rounded.
inline std::uint64_t ns_to_fs(double ns) { return static_cast<std::uint64_t>(std::llround(ns * 1e6)); }

}  // namespace tessera
