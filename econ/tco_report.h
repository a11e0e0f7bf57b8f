// Output of the compute-centre account: terminal tables, one JSON document and an HDF5 file
// (layout in docs/tco.md). A run is one deployment with its result and optional sweeps and
// tornado; two runs are compared side by side in the first run's currency.
#pragma once

#include <filesystem>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "econ/tco.h"

namespace tessera::econ {

struct TcoRun {
  Deployment deployment;
  TcoResult result;
  std::vector<SweepResult> sweeps;
  std::optional<TornadoResult> tornado;
};

struct ComparisonRow {
  std::string metric;
  std::string unit;  // the currency for money rows
  std::optional<double> a, b;
};
struct Comparison {
  Currency currency = Currency::USD;
  std::optional<double> cny_per_usd;  // the rate used when the currencies differ
  std::vector<ComparisonRow> rows;
};
/// Side-by-side metrics of two runs in a's currency. When the currencies differ the rate is
/// a's exchange_rate.CNY_per_USD, else b's; throws Error when neither gives one.
Comparison compare(const TcoRun& a, const TcoRun& b);

/// The resolved inputs of a deployment as nested JSON (money in the deployment currency).
nlohmann::json inputs_json(const Deployment& d);
nlohmann::json run_json(const TcoRun& run);
/// {"tool", "version", "deployments": [...], "comparison": {...} (two runs)}.
nlohmann::json report_json(const std::vector<TcoRun>& runs);

void print_report(std::ostream& os, const std::vector<TcoRun>& runs);

/// Writes the HDF5 file through write_file_atomically; the same runs give the same bytes.
void write_hdf5(const std::filesystem::path& file, const std::vector<TcoRun>& runs);

}  // namespace tessera::econ
