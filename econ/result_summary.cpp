#include "econ/result_summary.h"

#include <array>
#include <cmath>
#include <fstream>
#include <sstream>

#include <fmt/core.h>
#include <hdf5.h>
#include <nlohmann/json.hpp>

#include "base/types.h"
#include "base/io/hdf5_quiet.h"

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
  } catch (const nlohmann::json::parse_error& e) {
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

/// Closes an HDF5 handle on scope exit.
struct H5Handle {
  hid_t id = -1;
  herr_t (*close)(hid_t) = nullptr;
  ~H5Handle() {
    if (id >= 0 && close) close(id);
  }
};


std::optional<double> read_hdf5_field(hid_t group, const char* name, const std::string& file) {
  if (H5Aexists(group, name) > 0) {
    H5Handle attr{H5Aopen(group, name, H5P_DEFAULT), H5Aclose};
    H5Handle space{H5Aget_space(attr.id), H5Sclose};
    if (attr.id < 0 || space.id < 0 || H5Sget_simple_extent_npoints(space.id) != 1)
      throw Error(fmt::format("{}: /summary attribute '{}' is not a single number", file, name));
    H5Handle type{H5Aget_type(attr.id), H5Tclose};
    const H5T_class_t cls = H5Tget_class(type.id);
    if (cls != H5T_FLOAT && cls != H5T_INTEGER)
      throw Error(fmt::format("{}: /summary attribute '{}' is not a number", file, name));
    double v = 0;
    if (H5Aread(attr.id, H5T_NATIVE_DOUBLE, &v) < 0)
      throw Error(fmt::format("{}: cannot read /summary attribute '{}'", file, name));
    return v;
  }
  if (H5Lexists(group, name, H5P_DEFAULT) > 0) {
    H5Handle ds{H5Dopen2(group, name, H5P_DEFAULT), H5Dclose};
    if (ds.id < 0) throw Error(fmt::format("{}: /summary/{} is not a dataset", file, name));
    H5Handle space{H5Dget_space(ds.id), H5Sclose};
    H5Handle type{H5Dget_type(ds.id), H5Tclose};
    const H5T_class_t cls = H5Tget_class(type.id);
    if (H5Sget_simple_extent_npoints(space.id) != 1 || (cls != H5T_FLOAT && cls != H5T_INTEGER))
      throw Error(fmt::format("{}: dataset /summary/{} is not a single number", file, name));
    double v = 0;
    if (H5Dread(ds.id, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, &v) < 0)
      throw Error(fmt::format("{}: cannot read dataset /summary/{}", file, name));
    return v;
  }
  return std::nullopt;
}

ResultSummary read_hdf5(const std::filesystem::path& file) {
  QuietHdf5 quiet;
  H5Handle f{H5Fopen(file.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose};
  if (f.id < 0) throw Error(fmt::format("{}: cannot open as HDF5", file.string()));
  if (H5Lexists(f.id, "summary", H5P_DEFAULT) <= 0)
    throw Error(fmt::format("{}: has no /summary group (expected the results file written by "
                            "'tessera run -o')",
                            file.string()));
  H5Handle g{H5Gopen2(f.id, "summary", H5P_DEFAULT), H5Gclose};
  if (g.id < 0) throw Error(fmt::format("{}: /summary is not a group", file.string()));
  ResultSummary s;
  s.format = "hdf5";
  for (const char* name : kFields) slot(s, name) = read_hdf5_field(g.id, name, file.string());
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
