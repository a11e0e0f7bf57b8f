#include "models/noc/noc_routing_registry.h"

#include <functional>

#include "base/registry.h"
#include "models/noc/crossbar_routing.h"
#include "models/noc/mesh_routing.h"
#include "models/noc/ring_routing.h"

namespace tessera {

namespace {
using Factory = std::function<std::unique_ptr<NocRouting>(const NocConfig&)>;

const Registry<Factory>& registry() {
  static const Registry<Factory> r(
      "NoC topology",
      {{"mesh", [](const NocConfig& c) { return std::make_unique<MeshRouting>(c.dim_x, c.dim_y); }},
       {"ring", [](const NocConfig& c) { return std::make_unique<RingRouting>(c.dim_x * c.dim_y); }},
       {"crossbar", [](const NocConfig&) { return std::make_unique<CrossbarRouting>(); }}});
  return r;
}
}  // namespace

std::unique_ptr<NocRouting> make_noc_routing(const NocConfig& cfg) {
  return registry().at(to_string(cfg.topology), "noc.topology")(cfg);
}

std::vector<std::string_view> noc_routing_names() { return registry().names(); }

}  // namespace tessera
