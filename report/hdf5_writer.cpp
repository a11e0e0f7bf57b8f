#include "report/hdf5_writer.h"

#include <unordered_set>

#include "base/io/atomic_file.h"
#include "report/unit_metrics.h"

namespace tessera {

namespace {

// Fixed columns of /units; a stat with one of these names is stored as "stat.<name>".
const std::unordered_set<std::string> kUnitFixedColumns = {"path", "kind", "clock_mhz",
                                                           "busy_seconds", "utilisation"};

}  // namespace

std::string chip_config_yaml(const YAML::Node& config) {
  if (!config.IsDefined() || config.IsNull()) return "";
  YAML::Emitter out;
  out << config;
  std::string text = out.c_str();
  if (!text.empty() && text.back() != '\n') text += '\n';
  return text;
}

void write_meta_group(const SimResult& r, hid_t parent) {
  h5::Handle meta = h5::create_group(parent, "meta");
  h5::write_string_attribute(meta, "tool_version", r.tool_version);
  h5::write_string_attribute(meta, "chip_name", r.chip_name);
  h5::write_string_attribute(meta, "chip_config", chip_config_yaml(r.chip_config));
  h5::write_string_attribute(meta, "workload", r.workload.dump());
  if (r.cluster_config.IsDefined() && !r.cluster_config.IsNull()) {
    h5::write_string_attribute(meta, "cluster_name", r.cluster_name);
    h5::write_string_attribute(meta, "cluster_config", chip_config_yaml(r.cluster_config));
  }
  if (r.workload.is_object() && r.workload.contains("name") && r.workload["name"].is_string())
    h5::write_string_attribute(meta, "workload_name", r.workload["name"].get<std::string>());
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

h5::Table ops_table(const std::vector<OpResult>& ops) {
  const std::size_t n = ops.size();
  std::vector<std::string> id(n), name(n), kind(n), phase(n), bound_by(n);
  std::vector<std::int64_t> layer(n), start_cycle(n), end_cycle(n), tiles(n);
  std::vector<double> start_s(n), end_s(n), flops(n), hbm_bytes(n), sram_bytes(n), compute_s(n),
      ideal_s(n), energy_j(n);
  for (std::size_t i = 0; i < n; ++i) {
    const OpResult& o = ops[i];
    id[i] = o.id;
    name[i] = o.name;
    kind[i] = o.kind;
    phase[i] = o.phase;
    layer[i] = o.layer;
    start_s[i] = o.start_s;
    end_s[i] = o.end_s;
    start_cycle[i] = static_cast<std::int64_t>(o.start_cycle);
    end_cycle[i] = static_cast<std::int64_t>(o.end_cycle);
    flops[i] = o.flops;
    hbm_bytes[i] = o.hbm_bytes;
    sram_bytes[i] = o.sram_bytes;
    compute_s[i] = o.compute_s;
    ideal_s[i] = o.ideal_s;
    bound_by[i] = o.bound_by;
    tiles[i] = o.tiles;
    energy_j[i] = o.energy_j;
  }
  h5::Table t;
  t.add_strings("id", std::move(id))
      .add_strings("name", std::move(name))
      .add_strings("kind", std::move(kind))
      .add_strings("phase", std::move(phase))
      .add_ints("layer", std::move(layer))
      .add_doubles("start_s", std::move(start_s), "s")
      .add_doubles("end_s", std::move(end_s), "s")
      .add_ints("start_cycle", std::move(start_cycle), "cycles")
      .add_ints("end_cycle", std::move(end_cycle), "cycles")
      .add_doubles("flops", std::move(flops), "FLOP")
      .add_doubles("hbm_bytes", std::move(hbm_bytes), "B")
      .add_doubles("sram_bytes", std::move(sram_bytes), "B")
      .add_doubles("compute_s", std::move(compute_s), "s")
      .add_doubles("ideal_s", std::move(ideal_s), "s")
      .add_strings("bound_by", std::move(bound_by))
      .add_ints("tiles", std::move(tiles), "count")
      .add_doubles("energy_j", std::move(energy_j), "J");
  return t;
}

h5::Table units_table(const StatsRegistry* stats, const Summary& summary) {
  std::vector<const StatGroup*> groups;
  if (stats)
    for (const auto& g : stats->groups()) groups.push_back(g.get());
  const std::size_t n = groups.size();
  const auto seconds = simulated_seconds(summary);

  std::vector<std::string> path(n), kind(n);
  std::vector<double> clock(n), busy(n), util(n);
  for (std::size_t i = 0; i < n; ++i) {
    path[i] = groups[i]->path();
    kind[i] = groups[i]->kind();
    clock[i] = groups[i]->clock_mhz();
    busy[i] = busy_seconds(*groups[i]);
    util[i] = utilisation(*groups[i], seconds);
  }
  h5::Table t;
  t.add_strings("path", std::move(path))
      .add_strings("kind", std::move(kind))
      .add_doubles("clock_mhz", std::move(clock), "MHz");
  for (const auto& col : stat_columns(stats)) {
    std::vector<double> values(n);
    for (std::size_t i = 0; i < n; ++i) values[i] = groups[i]->value(col.name);
    std::string name = kUnitFixedColumns.count(col.name) ? "stat." + col.name : col.name;
    t.add_doubles(std::move(name), std::move(values), col.unit);
  }
  t.add_doubles("busy_seconds", std::move(busy), "s").add_doubles("utilisation", std::move(util), "");
  return t;
}

h5::Table timeline_table(const std::vector<TimelineEvent>& timeline) {
  const std::size_t n = timeline.size();
  std::vector<std::string> track(n), name(n);
  std::vector<double> start(n), dur(n);
  for (std::size_t i = 0; i < n; ++i) {
    track[i] = timeline[i].track;
    name[i] = timeline[i].name;
    start[i] = timeline[i].start_s;
    dur[i] = timeline[i].dur_s;
  }
  h5::Table t;
  t.add_strings("track", std::move(track))
      .add_strings("name", std::move(name))
      .add_doubles("start_s", std::move(start), "s")
      .add_doubles("dur_s", std::move(dur), "s");
  return t;
}

void write_result_group(const SimResult& r, hid_t group) {
  write_meta_group(r, group);
  write_summary_group(r.summary, group);
  h5::write_table(group, "ops", ops_table(r.ops));
  h5::write_table(group, "units", units_table(r.stats.get(), r.summary));
  h5::write_table(group, "timeline", timeline_table(r.timeline));
}

void write_hdf5(const SimResult& r, const std::string& path) {
  write_file_atomically(path, [&](const std::string& tmp) {
    h5::H5File file = h5::H5File::create(tmp);
    h5::write_string_attribute(file.root(), "format", kResultsFormat);
    h5::write_int_attribute(file.root(), "format_version", kResultsFormatVersion);
    write_result_group(r, file.root());
    file.close();
  });
}

}  // namespace tessera
