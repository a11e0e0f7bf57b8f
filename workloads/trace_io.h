// Reading and writing workloads: the operator JSON schema shared by hand-written operator
// lists and trace files, and the two trace forms, JSON text and HDF5 columns (both specified
// in docs/trace-format.md). Round trips between them are lossless.
#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "workloads/operator.h"

namespace tessera {

inline constexpr std::string_view kTraceFormat = "tessera-trace";
inline constexpr int kTraceVersion = 1;

/// One operator as JSON: the keys that apply to its kind (defaults omitted), plus its derived
/// flops, bytes_read and bytes_written when `with_costs`. Keys keep a readable order.
nlohmann::ordered_json operator_to_json(const Operator& op, bool with_costs);
/// Reads one operator; `path` is its key path ("ops[3]"). Unknown keys, keys of another kind,
/// wrong types and stated costs that disagree with the shape throw Error naming file, path and id.
Operator operator_from_json(const nlohmann::json& j, const std::string& source, const std::string& path);

/// Reads a trace document ("format": "tessera-trace") or an operator list (no "format" key);
/// validates the DAG.
Workload workload_from_json(const nlohmann::json& doc, const std::string& source);

/// The trace header (everything but the operators) as JSON.
nlohmann::ordered_json trace_header_to_json(const Workload& w);

/// Writes `w` as a trace: HDF5 when the path ends in .h5 or .hdf5, otherwise JSON. Written
/// through write_file_atomically (base/io/atomic_file.h), so readers never see a partial
/// trace; the same workload always gives the same bytes.
void write_trace(const Workload& w, const std::string& path);
void write_trace_json(const Workload& w, const std::string& path);
void write_trace_hdf5(const Workload& w, const std::string& path);

/// Reads an HDF5 trace and validates it.
Workload read_trace_hdf5(const std::string& path);
/// True when the file starts with the HDF5 signature.
bool is_hdf5_file(const std::string& path);

}  // namespace tessera
