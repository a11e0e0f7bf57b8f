#include "sweep/executor_registry.h"

#include "base/registry.h"
#include "sweep/local_executor.h"
#include "sweep/mpi_executor.h"

namespace tessera::sweep {

namespace {
// Executors are stateless, so the registry holds one instance of each instead of factories.
const Registry<const SweepExecutor*>& registry() {
  static const LocalExecutor local;
  static const MpiExecutor mpi;
  static const Registry<const SweepExecutor*> r("sweep executor", {{local.name(), &local}, {mpi.name(), &mpi}});
  return r;
}
}  // namespace

const SweepExecutor& sweep_executor(std::string_view name) { return *registry().at(name, "sweep"); }

const SweepExecutor& sweep_executor(const SweepOptions& options) { return sweep_executor(options.mpi ? "mpi" : "local"); }

std::vector<std::string_view> sweep_executor_names() { return registry().names(); }

}  // namespace tessera::sweep
