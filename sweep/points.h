// The design points of a sweep: generated deterministically from the spec (grid, list, random,
// Latin hypercube with a seed), with computed keys filled in and constraints checked. Every MPI
// rank and every run of a resumed sweep generates the same list, so a point is named by its index.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "sweep/spec.h"

namespace tessera::sweep {

struct Point {
  std::uint64_t index = 0;
  /// One value per parameter, then one per computed key (the order of SweepSpec::parameters and
  /// SweepSpec::computed).
  std::vector<Value> values;
  /// "key=value" overrides that make this point (applied to SweepSpec::point_tree(): chip keys,
  /// and `cluster.` keys for the cluster).
  std::vector<std::string> overrides;
  /// Non-empty when a constraint rules the point out: the reason, e.g. "constraint 'a <= b' is false".
  std::string skipped;
};

/// All points, index 0..n-1. Throws tessera::Error when a computed key or a constraint cannot be
/// evaluated (e.g. it names a key that is not a number).
std::vector<Point> generate_points(const SweepSpec& spec);

/// Names every column a point has: parameter keys, then computed keys.
std::vector<std::string> point_columns(const SweepSpec& spec);

/// A stable digest of what decides the points' results (chip, cluster, overrides, workload, options and
/// every point's overrides): a journal written for another digest is not resumed.
std::string fingerprint(const SweepSpec& spec, const std::vector<Point>& points);

/// Shortest text that reads back as `v`; whole numbers (within 1e-9 relative) without a fraction.
std::string format_number(double v, bool integer);

}  // namespace tessera::sweep
