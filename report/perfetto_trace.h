// The timeline as a Chrome trace-event JSON file, opened by ui.perfetto.dev and chrome://tracing:
//   {"displayTimeUnit":"ns", "traceEvents":[...], "otherData":{tool_version, runs:[{chip, workload}]}}
//  - one process per chip (pid 1, 2, ... in the order given), named by a "process_name" event;
//  - one thread per track: first the operators ("ops"), then every TimelineEvent.track in sorted
//    order, each named by a "thread_name" event and ordered by "thread_sort_index";
//  - one "X" (complete) event per operator and per timeline event; ts and dur are in
//    microseconds, printed with three decimals (whole nanoseconds, Perfetto's resolution);
//  - a track whose events overlap is split into lanes "<track>", "<track> #2", ... (events in a
//    lane never overlap, so viewers draw every slice), in order of start time.
// The output depends only on the results, so the same run gives the same bytes.
#pragma once

#include <string>
#include <vector>

#include "sim/sim_result.h"

namespace tessera {

/// Writes the trace of one run to `path` atomically.
void write_perfetto_trace(const SimResult& r, const std::string& path);

/// Several runs in one trace, one process per run (e.g. compare).
void write_perfetto_trace(const std::vector<const SimResult*>& runs, const std::string& path);

/// The trace document as text (what the functions above write).
std::string perfetto_trace_text(const std::vector<const SimResult*>& runs);

}  // namespace tessera
