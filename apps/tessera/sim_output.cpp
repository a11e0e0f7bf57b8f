#include "apps/tessera/sim_output.h"

#include <iostream>

#include "report/hdf5_writer.h"
#include "report/json_report.h"
#include "report/perfetto_trace.h"
#include "report/table_report.h"

namespace tessera::cli {

void emit_results(const SimResult& result, const CommonOptions& opts, const std::string& trace_out) {
  if (!opts.out.empty()) write_hdf5(result, opts.out);
  if (!trace_out.empty()) write_perfetto_trace(result, trace_out);
  if (opts.format == OutputFormat::json) {
    print_json(to_json(result));
  } else {
    print_table(result, std::cout);
    if (!opts.out.empty()) std::cout << "results: " << opts.out << "\n";
    if (!trace_out.empty()) std::cout << "timeline: " << trace_out << " (open in ui.perfetto.dev)\n";
  }
}

void emit_document(const ResultDocument& doc, const CommonOptions& opts, const std::string& results_hint) {
  if (!opts.out.empty()) write_hdf5(doc, opts.out);
  if (opts.format == OutputFormat::json) {
    print_json(to_json(doc));
  } else {
    print_table(doc, std::cout);
    if (!opts.out.empty()) std::cout << "results: " << opts.out << results_hint << "\n";
  }
}

}  // namespace tessera::cli
