// A crossbar: one switch that every endpoint attaches to. There are no router-to-router links,
// so a packet crosses only its injection and ejection ports.
#pragma once

#include "models/noc/noc_routing.h"

namespace tessera {

class CrossbarRouting final : public NocRouting {
 public:
  std::uint32_t routers() const override { return 1; }
  std::uint32_t links_per_router() const override { return 0; }
  void route(std::uint32_t, std::uint32_t, std::vector<std::uint32_t>& links) const override { links.clear(); }
  const char* name() const override { return "crossbar"; }
};

}  // namespace tessera
