// Shared by the HBM tests: a small HBM3-like configuration built in code.
#pragma once

#include "models/config/chip_config.h"

namespace tessera::test {

/// One HBM3-like pseudo-channel layout at 6.4 Gb/s per pin with a 1600 MHz command clock
/// (tCK = 625 ps): 32-bit pseudo-channels, BL8 = 32-byte bursts, 4 beats per clock, so a burst
/// holds the data bus for 8 / 4 = 2 cycles and one pseudo-channel peaks at 4 B * 6.4 G = 25.6 GB/s.
/// Timings follow the 6400 Mb/s HBM3 presets of open DRAM simulators (tRRD 5 ns, tFAW 15 ns,
/// tREFI 3.9 us, tRFC 260 ns), in 625 ps cycles.
inline HbmConfig hbm3_like(std::uint32_t stacks, std::uint32_t channels_per_stack,
                           std::uint32_t pseudo_channels) {
  HbmConfig c;
  c.stacks = stacks;
  c.channels_per_stack = channels_per_stack;
  c.pseudo_channels_per_channel = pseudo_channels;
  c.bank_groups = 4;
  c.banks_per_group = 4;
  c.bus_width_bits = 32;
  c.data_rate_gbps = 6.4;
  c.clock_mhz = 1600;
  c.burst_length = 8;
  c.row_bytes = 1024;
  c.capacity_gib = 16;
  c.address_mapping = "Ro-Ba-Bg-Co-Pc-Ch";
  c.interleave_bytes = 256;
  c.queue_depth = 32;
  HbmTimingConfig& t = c.timing;
  t.tRCD = 26;
  t.tRP = 26;
  t.tCL = 26;
  t.tWL = 8;
  t.tRAS = 48;
  t.tWR = 24;
  t.tRTP = 6;
  t.tCCD_S = 2;
  t.tCCD_L = 4;
  t.tRRD = 8;
  t.tFAW = 24;
  t.tREFI = 6240;  // 3.9 us / 625 ps
  t.tRFC = 416;    // 260 ns / 625 ps
  return c;
}

}  // namespace tessera::test
