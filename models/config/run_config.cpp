#include "models/config/run_config.h"

#include <fmt/core.h>

namespace tessera {

ClockConfig clocks_at_point(const ChipConfig& chip, std::uint32_t index) {
  const auto& points = chip.power.operating_points;
  if (index >= points.size())
    throw Error(fmt::format("chip '{}': operating point {} does not exist; power.operating_points has {} (0 .. {})",
                            chip.name, index, points.size(), points.size() == 0 ? 0 : points.size() - 1));
  // clocks.* describe the nominal point (the loader checks that its core_mhz matches).
  const double ratio = points[index].core_mhz / chip.clocks.core_mhz;
  ClockConfig c = chip.clocks;
  c.core_mhz = points[index].core_mhz;
  c.noc_mhz *= ratio;
  c.sram_mhz *= ratio;
  return c;
}

ChipConfig run_config(const ChipConfig& chip, std::uint32_t index) {
  ChipConfig run = chip;
  run.clocks = clocks_at_point(chip, index);
  const double e = chip.calibration.hbm_efficiency;
  run.hbm.clock_mhz *= e;
  run.hbm.data_rate_gbps *= e;
  return run;
}

}  // namespace tessera
