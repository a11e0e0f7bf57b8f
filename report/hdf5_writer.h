// The HDF5 results layout (docs/results.md). One run is a "result group":
//   meta/      attributes tool_version, chip_name, chip_config (YAML), workload (JSON),
//              workload_name (when the workload has a "name")
//   summary/   one scalar attribute per Metric (float64 or string), in the order the run set
//              them; summary/units and summary/descriptions hold string attributes of the same
//              names with each metric's unit ("" for text metrics) and description
//   ops        compound dataset, one row per OpResult (numpy structured array in h5py)
//   units      compound dataset, one row per StatGroup: path, kind, clock_mhz, one column per
//              stat name (union over groups, 0 where a group lacks it), busy_seconds, utilisation
//   timeline   compound dataset, one row per TimelineEvent (zero rows when no trace was taken)
// Compound datasets carry a "units" attribute parallel to their fields.
// write_hdf5 puts one result group at the file root, adds the root attributes format and
// format_version, and writes the file atomically. Later jobs reuse write_result_group (compare:
// one group per chip) and the table builders below.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "sim/sim_result.h"
#include "base/io/h5_file.h"

namespace tessera {

inline constexpr const char* kResultsFormat = "tessera.results";
inline constexpr std::int64_t kResultsFormatVersion = 1;

/// Writes `r` to `path` (replacing it) atomically. Throws tessera::Error on failure.
void write_hdf5(const SimResult& r, const std::string& path);

/// Writes meta, summary, ops, units and timeline as children of `group` (a file or group).
void write_result_group(const SimResult& r, hid_t group);

/// The pieces of a result group, for layouts that need only some of them.
void write_meta_group(const SimResult& r, hid_t parent);
void write_summary_group(const Summary& summary, hid_t parent);
h5::Table ops_table(const std::vector<OpResult>& ops);
h5::Table units_table(const StatsRegistry* stats, const Summary& summary);
h5::Table timeline_table(const std::vector<TimelineEvent>& timeline);

/// The resolved chip config as YAML text ("" for a null/undefined node).
std::string chip_config_yaml(const YAML::Node& config);

}  // namespace tessera
