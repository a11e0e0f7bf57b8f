// The sweep executors by name: "local" (forked worker processes) and "mpi" (chosen by --mpi).
#pragma once

#include <string_view>
#include <vector>

#include "sweep/executor.h"

namespace tessera::sweep {

/// The executor registered as `name`; throws Error listing the valid names otherwise.
const SweepExecutor& sweep_executor(std::string_view name);
/// The executor `options` asks for: "mpi" with --mpi, else "local".
const SweepExecutor& sweep_executor(const SweepOptions& options);
/// The registered names, in registration order.
std::vector<std::string_view> sweep_executor_names();

}  // namespace tessera::sweep
