// The JSON form of a ResultDocument: what `--format json` prints on stdout and what a .json
// result file holds. Layout (docs/results.md):
//   format_version  integer (the root document only)
//   tool_version    string
//   <input key>     per input: a config as {"name", "config": the resolved config as JSON},
//                   any other input as its JSON value (a run: chip, workload, cluster)
//   summary         {metric key: number or string}, flat
//   summary_units   {metric key: unit string} for numeric metrics with a unit
//   <table name>    one object per row {column: value} (a run: ops; units nests each unit's
//                   stats; the timeline is HDF5 only)
//   children        [{"name": ..., the same layout again}] when the document has children
// nlohmann::json keeps object keys sorted, so the same result always gives the same text.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "base/result/result_document.h"
#include "sim/sim_result.h"

namespace tessera {

nlohmann::json to_json(const ResultDocument& doc);
nlohmann::json to_json(const SimResult& r);

/// One object per row of `table`, {column name: value}; NaN and infinities become null.
nlohmann::json table_rows_json(const h5::Table& table);

/// to_json(r).dump(2) plus a final newline.
std::string to_json_text(const SimResult& r);

/// Writes to_json_text(r) to `path` atomically.
void write_json(const SimResult& r, const std::string& path);

/// The header every JSON result document shares: tool_version and the inputs (a run: chip,
/// workload and, for cluster runs, cluster).
nlohmann::json result_header_json(const ResultDocument& doc);
nlohmann::json result_header_json(const SimResult& r);

}  // namespace tessera
