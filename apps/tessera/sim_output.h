// Emitting a simulation's results (or a job's document) the way every subcommand does: table or JSON on
// stdout, optional HDF5 (--out) and Perfetto trace (--trace-out), files written atomically.
#pragma once

#include <string>

#include "apps/tessera/cli_common.h"
#include "base/result/result_document.h"
#include "sim/sim_result.h"

namespace tessera::cli {

void emit_results(const SimResult& result, const CommonOptions& opts, const std::string& trace_out);

/// The same for a job's document (compare, size, gemm --topology): HDF5 with --out, then JSON
/// or the terminal table; the table ends with "results: <file><results_hint>".
void emit_document(const ResultDocument& doc, const CommonOptions& opts, const std::string& results_hint = "");

}  // namespace tessera::cli
