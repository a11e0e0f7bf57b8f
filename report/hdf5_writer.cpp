#include "report/hdf5_writer.h"

#include "base/io/atomic_file.h"

namespace tessera {

namespace {

void write_attribute(hid_t object, const ResultAttribute& a) {
  std::visit(
      [&](const auto& v) {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, double>) h5::write_double_attribute(object, a.name, v);
        else if constexpr (std::is_same_v<T, std::int64_t>) h5::write_int_attribute(object, a.name, v);
        else if constexpr (std::is_same_v<T, std::string>) h5::write_string_attribute(object, a.name, v);
        else h5::write_string_list_attribute(object, a.name, v);
      },
      a.value);
}

}  // namespace

std::string chip_config_yaml(const YAML::Node& config) {
  if (!config.IsDefined() || config.IsNull()) return "";
  YAML::Emitter out;
  out << config;
  std::string text = out.c_str();
  if (!text.empty() && text.back() != '\n') text += '\n';
  return text;
}

void write_meta_group(const ResultDocument& doc, hid_t parent) {
  h5::Handle meta = h5::create_group(parent, "meta");
  h5::write_string_attribute(meta, "tool_version", doc.tool_version);
  for (const ResultInput& in : doc.inputs) {
    if (in.is_config) {
      h5::write_string_attribute(meta, in.key + "_name", in.name);
      h5::write_string_attribute(meta, in.key + "_config", chip_config_yaml(in.config));
    } else {
      h5::write_string_attribute(meta, in.key,
                                 in.value.is_string() ? in.value.get<std::string>() : in.value.dump());
    }
  }
  // Names of JSON inputs last, where readers of the first layout found workload_name.
  for (const ResultInput& in : doc.inputs)
    if (!in.is_config && in.value.is_object() && in.value.contains("name") && in.value["name"].is_string())
      h5::write_string_attribute(meta, in.key + "_name", in.value["name"].get<std::string>());
}

void write_summary_group(const Summary& summary, hid_t parent) {
  h5::Handle group = h5::create_group(parent, "summary");
  for (const auto& m : summary.metrics()) {
    if (const double* v = std::get_if<double>(&m.value))
      h5::write_double_attribute(group, m.key, *v);
    else
      h5::write_string_attribute(group, m.key, std::get<std::string>(m.value));
  }
  h5::Handle units = h5::create_group(group, "units");
  for (const auto& m : summary.metrics()) h5::write_string_attribute(units, m.key, m.unit);
  h5::Handle descriptions = h5::create_group(group, "descriptions");
  for (const auto& m : summary.metrics())
    h5::write_string_attribute(descriptions, m.key, m.description);
}

void write_document_group(const ResultDocument& doc, hid_t group) {
  for (const ResultAttribute& a : doc.attributes) write_attribute(group, a);
  write_meta_group(doc, group);
  write_summary_group(doc.summary, group);
  for (const ResultTable& t : doc.tables) h5::write_table(group, t.name, t.columns);
  for (const ResultDocument& child : doc.children) {
    h5::Handle g = h5::create_group(group, child.name);
    write_document_group(child, g);
  }
}

void write_hdf5(const ResultDocument& doc, const std::string& path) {
  write_file_atomically(path, [&](const std::string& tmp) {
    h5::H5File file = h5::H5File::create(tmp);
    h5::write_string_attribute(file.root(), "format", doc.format);
    h5::write_int_attribute(file.root(), "format_version", doc.format_version);
    write_document_group(doc, file.root());
    file.close();
  });
}

void write_hdf5(const SimResult& r, const std::string& path) { write_hdf5(to_document(r), path); }

}  // namespace tessera
