// Emitting a simulation's results the way every simulating subcommand does: table or JSON on
// stdout, optional HDF5 (--out) and Perfetto trace (--trace-out), files written atomically.
#pragma once

#include <string>

#include "apps/tessera/cli_common.h"
#include "sim/sim_result.h"

namespace tessera::cli {

void emit_results(const SimResult& result, const CommonOptions& opts, const std::string& trace_out);

}  // namespace tessera::cli
