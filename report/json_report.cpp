#include "report/json_report.h"

#include "base/config/yaml_json.h"
#include "base/io/atomic_file.h"
#include "report/sim_document.h"

namespace tessera {

using nlohmann::json;

json table_rows_json(const h5::Table& table) {
  json rows = json::array();
  for (std::size_t i = 0; i < table.rows(); ++i) {
    json row = json::object();
    for (const auto& c : table.columns())
      std::visit([&](const auto& values) { row[c.name] = values[i]; }, c.values);  // NaN -> null
    rows.push_back(std::move(row));
  }
  return rows;
}

json result_header_json(const ResultDocument& doc) {
  json j = json::object();
  j["tool_version"] = doc.tool_version;
  for (const ResultInput& in : doc.inputs)
    j[in.key] = in.is_config ? json{{"name", in.name}, {"config", yaml_to_json(in.config)}} : in.value;
  return j;
}

json result_header_json(const SimResult& r) {
  ResultDocument header;  // the inputs only: no need to build the tables
  header.tool_version = r.tool_version;
  header.inputs = run_inputs(r);
  return result_header_json(header);
}

namespace {

json document_json(const ResultDocument& doc) {
  json j = result_header_json(doc);
  json summary = json::object(), units = json::object();
  for (const auto& m : doc.summary.metrics()) {
    if (const double* v = std::get_if<double>(&m.value)) {
      summary[m.key] = *v;  // NaN/inf are written as null
      if (!m.unit.empty()) units[m.key] = m.unit;
    } else {
      summary[m.key] = std::get<std::string>(m.value);
    }
  }
  j["summary"] = std::move(summary);
  j["summary_units"] = std::move(units);
  for (const ResultTable& t : doc.tables)
    if (t.in_json) j[t.name] = t.json_rows.is_null() ? table_rows_json(t.columns) : t.json_rows;
  if (!doc.children.empty()) {
    json children = json::array();
    for (const ResultDocument& child : doc.children) {
      json c = document_json(child);
      c["name"] = child.name;
      children.push_back(std::move(c));
    }
    j["children"] = std::move(children);
  }
  return j;
}

}  // namespace

json to_json(const ResultDocument& doc) {
  json j = document_json(doc);
  j["format_version"] = doc.format_version;
  return j;
}

json to_json(const SimResult& r) { return to_json(to_document(r)); }

std::string to_json_text(const SimResult& r) { return to_json(r).dump(2) + "\n"; }

void write_json(const SimResult& r, const std::string& path) {
  write_text_atomically(path, to_json_text(r));
}

}  // namespace tessera
