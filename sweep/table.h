// The results table of a sweep (a row per point, sorted by point index) built from the journal,
// its Pareto front, and the HDF5 file they are written to (atomically, in one go).
//
// HDF5 layout (docs/sweeps.md):
//   /            attributes: format "tessera-sweep", tool_version, name, description, spec (YAML text),
//                chip, workload, mode, seed, samples, fingerprint, points, ok, failed, skipped
//   /points      compound table: index, one column per parameter and computed key, the kept
//                metrics, the derived columns, status, error, wall_s
//   /pareto      group (when the spec names two metrics): attributes x, y, x_goal, y_goal;
//   /pareto/front  table: index and the two metrics of the non-dominated "ok" points, by x
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "sweep/points.h"
#include "sweep/runner.h"
#include "sweep/spec.h"

namespace tessera::sweep {

struct TableColumn {
  std::string name;
  std::string unit;
  enum class Kind { integer, number, text } kind = Kind::number;
  std::vector<double> numbers;     // integer, number
  std::vector<std::string> texts;  // text
};

struct ResultTable {
  std::vector<TableColumn> columns;
  std::size_t rows = 0;
  const TableColumn* find(const std::string& name) const;
};

/// One row per point in index order. Points without a result are "pending"; ruled out by a
/// constraint, "skipped". Problems that do not stop the table (a derived column that names an
/// unknown metric) are added to `warnings`.
ResultTable build_table(const SweepSpec& spec, const std::vector<Point>& points,
                        const std::map<std::uint64_t, PointResult>& results, std::vector<std::string>* warnings);

/// Rows (indices into x/y) of the points no other eligible point dominates: at least as good on
/// both metrics and better on one. Sorted by x, best first. Rows that are not eligible or have a
/// NaN are left out.
std::vector<std::size_t> pareto_front(const std::vector<double>& x, bool maximise_x, const std::vector<double>& y,
                                      bool maximise_y, const std::vector<bool>& eligible);

struct ParetoResult {
  std::string x, y;
  bool maximise_x = true, maximise_y = true;
  std::vector<std::size_t> rows;  // table rows on the front
};

/// The spec's Pareto front over `table` (nullopt when the spec names none). A metric that is not a
/// numeric column gives a warning and no front.
std::optional<ParetoResult> spec_pareto(const SweepSpec& spec, const ResultTable& table,
                                        std::vector<std::string>* warnings);

struct TableCounts {
  std::uint64_t ok = 0, failed = 0, skipped = 0, pending = 0;
};
TableCounts count_status(const ResultTable& table);

/// Writes the HDF5 file atomically (temporary file, fsync, rename).
void write_sweep_h5(const std::string& path, const SweepSpec& spec, const std::string& fingerprint,
                    const ResultTable& table, const std::optional<ParetoResult>& pareto);

/// Longest error text stored in the table; the journal keeps the full text.
inline constexpr std::size_t kMaxErrorChars = 2000;

}  // namespace tessera::sweep
