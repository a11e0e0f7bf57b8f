// The human-readable result: what a subcommand prints on the terminal with --format table.
// Every document starts with a header line and the summary metrics; a run then shows the
// operators (truncated with "... N more operators") and the units aggregated by kind, any
// other document its tables as each table's view asks (docs/results.md). Lines fit in 100
// columns where the tables allow it.
#pragma once

#include <cstddef>
#include <ostream>
#include <string>
#include <string_view>

#include "base/result/result_document.h"
#include "sim/sim_result.h"

namespace tessera {

/// Writes the summary, operator and unit tables for `r` to `os`. At most `max_op_rows`
/// operators are listed.
void print_table(const SimResult& r, std::ostream& os, std::size_t max_op_rows = 40);

/// Writes the header, summary and the tables of `doc` (not its children) to `os`.
void print_table(const ResultDocument& doc, std::ostream& os);

/// One table cell for people: format_quantity for numbers with an SI unit, "fraction" as a
/// percentage, "x" as a ratio ("1.23x", "-" for 0), a currency as "51.20M USD", text as it is.
std::string format_cell(const h5::Table::Column& column, std::size_t row);

/// A value with its unit for people: SI prefixes for SI units ("1.23 ms", "812.4 TFLOP/s",
/// "2.1 GB"; "bytes" is shown as "B"), four significant digits, integers as integers for
/// counts, "%" with one decimal. NaN/infinite values print as "-".
std::string format_quantity(double value, std::string_view unit);

}  // namespace tessera
