// Reads the few summary figures the economics need from a `tessera run` result: the JSON
// document (`--format json`, object "summary") or the HDF5 results file (`-o`, group
// /summary, one scalar attribute per figure; a scalar or one-element dataset of the same
// name is accepted too). Absent figures stay empty; JSON null counts as absent. Anything
// else that is not a number is an error.
#pragma once

#include <filesystem>
#include <optional>
#include <string>

namespace tessera::econ {

struct ResultSummary {
  std::string format;  // "json" or "hdf5"
  std::optional<double> tokens_per_second;
  std::optional<double> seconds;
  std::optional<double> avg_power_w;
  std::optional<double> idle_power_w;
};

/// The file's format is told by its content (the HDF5 signature), not its name.
ResultSummary read_result_summary(const std::filesystem::path& file);

}  // namespace tessera::econ
