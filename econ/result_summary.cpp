#include "econ/result_summary.h"

#include <array>
#include <cmath>
#include <fstream>
#include <sstream>

#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include "base/io/h5_reader.h"
#include "base/types.h"

namespace tessera::econ {

namespace {

constexpr std::array<const char*, 4> kFields = {"tokens_per_second", "seconds", "avg_power_w",
                                                "idle_power_w"};

std::optional<double>& slot(ResultSummary& s, std::string_view name) {
  if (name == "tokens_per_second") return s.tokens_per_second;
  if (name == "seconds") return s.seconds;
  if (name == "avg_power_w") return s.avg_power_w;
  return s.idle_power_w;
}

bool has_hdf5_signature(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  char sig[8] = {};
  in.read(sig, 8);
  return in.gcount() == 8 && std::string_view(sig, 8) == std::string_view("\x89HDF\r\n\x1a\n", 8);
}

ResultSummary read_json(const std::filesystem::path& file) {
  std::ifstream in(file);
  std::stringstream text;
  text << in.rdbuf();
  nlohmann::json doc;
  try {
    doc = nlohmann::json::parse(text.str());
  } catch (const nlohmann::json::exception& e) {
    throw Error(fmt::format("{}: not a JSON result of 'tessera run' nor an HDF5 file: {}",
                            file.string(), e.what()));
  }
  if (!doc.is_object() || !doc.contains("summary") || !doc["summary"].is_object())
    throw Error(fmt::format("{}: has no \"summary\" object (expected the JSON written by "
                            "'tessera run --format json')",
                            file.string()));
  ResultSummary s;
  s.format = "json";
  const auto& sum = doc["summary"];
  for (const char* name : kFields) {
    if (!sum.contains(name) || sum[name].is_null()) continue;
    if (!sum[name].is_number())
      throw Error(fmt::format("{}: summary.{} is not a number", file.string(), name));
    slot(s, name) = sum[name].get<double>();
  }
  return s;
}

/// A figure of /summary: a scalar attribute, or else a one-value dataset of that name. The
/// reader's errors name the file, the object and that a single number was expected.
std::optional<double> read_hdf5_field(hid_t group, const char* name) {
  if (h5::has_attribute(group, name)) return h5::read_double_attribute(group, name);
  if (h5::exists(group, name)) return h5::read_double_dataset(group, name);
  return std::nullopt;
}

ResultSummary read_hdf5(const std::filesystem::path& file) {
  const h5::H5Reader f = h5::H5Reader::open(file.string());
  if (!h5::exists(f.root(), "summary"))
    throw Error(fmt::format("{}: has no /summary group (expected the results file written by "
                            "'tessera run -o')",
                            file.string()));
  const h5::Handle g = h5::open_group(f.root(), "summary");
  ResultSummary s;
  s.format = "hdf5";
  for (const char* name : kFields) slot(s, name) = read_hdf5_field(g, name);
  return s;
}

}  // namespace

ResultSummary read_result_summary(const std::filesystem::path& file) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(file, ec))
    throw Error(fmt::format("{}: result file not found", file.string()));
  ResultSummary s = has_hdf5_signature(file) ? read_hdf5(file) : read_json(file);
  for (const char* name : kFields) {
    const auto& v = slot(s, name);
    if (v && !std::isfinite(*v))
      throw Error(fmt::format("{}: summary.{} is not a finite number", file.string(), name));
  }
  return s;
}

}  // namespace tessera::econ
