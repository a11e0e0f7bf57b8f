// The HBM request-selection policies by name. No chip-config key chooses one yet: every
// controller uses kDefaultHbmScheduler; a key would pass its value to make_hbm_scheduler.
#pragma once

#include <memory>
#include <string_view>
#include <vector>

#include "models/memory/hbm_scheduler.h"

namespace tessera {

inline constexpr std::string_view kDefaultHbmScheduler = "frfcfs";

/// A fresh policy (one per controller: a policy may keep per-controller state). Throws Error
/// naming the setting and the valid names for an unknown name.
std::unique_ptr<HbmScheduler> make_hbm_scheduler(std::string_view name);
/// The registered policy names, in registration order.
std::vector<std::string_view> hbm_scheduler_names();

}  // namespace tessera
