// The HDF5 form of a ResultDocument (docs/results.md). A document is one group:
//   attributes   the document's own attributes (compare: workload_name, chips, units)
//   meta/        attributes tool_version, then per input: a config as <key>_name and
//                <key>_config (YAML), any other input as <key> (a string as itself, else JSON
//                text); last, <key>_name for a JSON input that has a "name"
//   summary/     one scalar attribute per Metric (float64 or string), in the order the job set
//                them; summary/units and summary/descriptions hold string attributes of the same
//                names with each metric's unit ("" for text metrics) and description
//   <table>      one compound dataset per table, with a "units" attribute parallel to its fields
//   <child>/     one group per child document, the same layout again
// A run (to_document(SimResult)) gives meta, summary, ops, units and timeline. write_hdf5 puts
// the document at the file root, adds the root attributes format and format_version, and
// writes the file atomically, so the same result always gives the same bytes.
#pragma once

#include <string>

#include "base/io/h5_file.h"
#include "base/result/result_document.h"
#include "report/sim_document.h"
#include "sim/sim_result.h"

namespace tessera {

/// Writes `doc` to `path` (replacing it) atomically. Throws tessera::Error on failure.
void write_hdf5(const ResultDocument& doc, const std::string& path);
void write_hdf5(const SimResult& r, const std::string& path);

/// Writes the document's attributes, meta, summary, tables and children under `group`.
void write_document_group(const ResultDocument& doc, hid_t group);

/// The pieces of a document group, for layouts that need only some of them.
void write_meta_group(const ResultDocument& doc, hid_t parent);
void write_summary_group(const Summary& summary, hid_t parent);

/// A resolved config as YAML text ("" for a null/undefined node).
std::string chip_config_yaml(const YAML::Node& config);

}  // namespace tessera
