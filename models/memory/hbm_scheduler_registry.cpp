#include "models/memory/hbm_scheduler_registry.h"

#include <functional>

#include "base/registry.h"
#include "models/memory/frfcfs_scheduler.h"

namespace tessera {

namespace {
using Factory = std::function<std::unique_ptr<HbmScheduler>()>;

const Registry<Factory>& registry() {
  static const Registry<Factory> r("HBM scheduler",
                                   {{"frfcfs", [] { return std::make_unique<FrFcfsScheduler>(); }}});
  return r;
}
}  // namespace

std::unique_ptr<HbmScheduler> make_hbm_scheduler(std::string_view name) {
  return registry().at(name, "hbm scheduler")();
}

std::vector<std::string_view> hbm_scheduler_names() { return registry().names(); }

}  // namespace tessera
