// The human-readable result: what a subcommand prints on the terminal with --format table.
// Three blocks, each fitting in 100 columns: the summary metrics, the operators (truncated with
// "... N more operators") and the units aggregated by kind.
#pragma once

#include <cstddef>
#include <ostream>
#include <string>
#include <string_view>

#include "sim/sim_result.h"

namespace tessera {

/// Writes the summary, operator and unit tables for `r` to `os`. At most `max_op_rows`
/// operators are listed.
void print_table(const SimResult& r, std::ostream& os, std::size_t max_op_rows = 40);

/// A value with its unit for people: SI prefixes for SI units ("1.23 ms", "812.4 TFLOP/s",
/// "2.1 GB"; "bytes" is shown as "B"), four significant digits, integers as integers for
/// counts, "%" with one decimal. NaN/infinite values print as "-".
std::string format_quantity(double value, std::string_view unit);

}  // namespace tessera
