// A SimResult as a ResultDocument: the form every writer takes. `tessera run` and `gemm`
// files keep the layout of docs/results.md byte for byte: inputs chip, workload and (cluster
// runs) cluster; tables ops, units (JSON: stats nested per unit) and timeline (HDF5 only).
#pragma once

#include <string>
#include <vector>

#include "base/io/h5_file.h"
#include "base/result/result_document.h"
#include "sim/sim_result.h"

namespace tessera {

inline constexpr const char* kResultsFormat = "tessera.results";
inline constexpr std::int64_t kResultsFormatVersion = 1;

ResultDocument to_document(const SimResult& r);

/// The run's inputs: chip, workload and, for cluster runs, cluster.
std::vector<ResultInput> run_inputs(const SimResult& r);

/// The tables of a run, for layouts that need only some of them.
h5::Table ops_table(const std::vector<OpResult>& ops);
h5::Table units_table(const StatsRegistry* stats, const Summary& summary);
h5::Table timeline_table(const std::vector<TimelineEvent>& timeline);

/// "chip: NAME  |  workload: NAME", the run's terminal header after the tool version.
std::string run_title(const SimResult& r);

}  // namespace tessera
