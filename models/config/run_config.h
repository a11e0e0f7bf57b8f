// The chip as one run simulates it. Two things differ from the config file's nominal chip:
//  - DVFS: the run starts at an operating point. The core clock is that point's core_mhz; the
//    NoC and global-SRAM clocks scale by the same ratio (one on-die clock tree), so a point at
//    half the core clock halves all three.
//  - Calibration: the DRAM clock and per-pin data rate are both multiplied by
//    calibration.hbm_efficiency, so every DRAM timing and every burst stretches by 1/efficiency
//    and achievable bandwidth drops by that factor (docs/calibration.md).
// calibration.matrix_efficiency is applied by the matrix engine itself (tile cycles).
#pragma once

#include <cstdint>

#include "models/config/chip_config.h"

namespace tessera {

/// Scales clocks.core_mhz, noc_mhz and sram_mhz from the nominal point to point `index`.
ClockConfig clocks_at_point(const ChipConfig& chip, std::uint32_t index);

/// `chip` with clocks_at_point(index) and the DRAM derated by calibration.hbm_efficiency.
/// Throws Error when the point does not exist.
ChipConfig run_config(const ChipConfig& chip, std::uint32_t index);

}  // namespace tessera
