// The NoC routings by the noc.topology value that selects them.
#pragma once

#include <memory>
#include <string_view>
#include <vector>

#include "models/config/chip_config.h"
#include "models/noc/noc_routing.h"

namespace tessera {

/// The routing for `cfg.topology` over cfg.dim_x x cfg.dim_y routers. Throws Error naming
/// noc.topology and the valid names if no routing is registered under it.
std::unique_ptr<NocRouting> make_noc_routing(const NocConfig& cfg);
/// The registered topology names, in registration order.
std::vector<std::string_view> noc_routing_names();

}  // namespace tessera
