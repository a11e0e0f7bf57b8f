#include "report/sim_document.h"

#include <cmath>
#include <unordered_set>

#include "report/unit_metrics.h"

namespace tessera {

namespace {

// Fixed columns of /units; a stat with one of these names is stored as "stat.<name>".
const std::unordered_set<std::string> kUnitFixedColumns = {"path", "kind", "clock_mhz",
                                                           "busy_seconds", "utilisation"};

/// The JSON form of the units: each unit's own stats as a nested object (the HDF5 table has
/// the union of stat names as columns instead).
nlohmann::json units_json(const StatsRegistry* stats, const Summary& summary) {
  using nlohmann::json;
  json rows = json::array();
  if (!stats) return rows;
  const auto seconds = simulated_seconds(summary);
  for (const auto& g : stats->groups()) {
    json values = json::object();
    for (const auto& s : g->stats()) values[s.name] = s.value;
    const double u = utilisation(*g, seconds);
    rows.push_back({{"path", g->path()},
                    {"kind", g->kind()},
                    {"clock_mhz", g->clock_mhz()},
                    {"stats", std::move(values)},
                    {"busy_seconds", busy_seconds(*g)},
                    {"utilisation", std::isfinite(u) ? json(u) : json(nullptr)}});
  }
  return rows;
}

std::string workload_name(const nlohmann::json& workload) {
  if (workload.is_object() && workload.contains("name") && workload["name"].is_string())
    return workload["name"].get<std::string>();
  return "";
}

}  // namespace

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

std::string run_title(const SimResult& r) {
  std::string title = "chip: " + (r.chip_name.empty() ? std::string("-") : r.chip_name);
  const std::string workload = workload_name(r.workload);
  if (!workload.empty()) title += "  |  workload: " + workload;
  return title;
}

std::vector<ResultInput> run_inputs(const SimResult& r) {
  std::vector<ResultInput> inputs;
  inputs.push_back(ResultInput::config_input("chip", r.chip_name, r.chip_config));
  inputs.push_back(ResultInput::value_input("workload", r.workload));
  if (r.cluster_config.IsDefined() && !r.cluster_config.IsNull())
    inputs.push_back(ResultInput::config_input("cluster", r.cluster_name, r.cluster_config));
  return inputs;
}

ResultDocument to_document(const SimResult& r) {
  ResultDocument d;
  d.job = "run";
  d.title = run_title(r);
  d.format = kResultsFormat;
  d.format_version = kResultsFormatVersion;
  d.tool_version = r.tool_version;
  d.inputs = run_inputs(r);
  d.summary = r.summary;
  d.tables.push_back({"ops", "Operators", ops_table(r.ops)});
  ResultTable units{"units", "Units", units_table(r.stats.get(), r.summary)};
  units.json_rows = units_json(r.stats.get(), r.summary);
  d.tables.push_back(std::move(units));
  ResultTable timeline{"timeline", "Timeline", timeline_table(r.timeline)};
  timeline.in_json = false;
  timeline.view = TableView::hidden;
  d.tables.push_back(std::move(timeline));
  return d;
}

}  // namespace tessera
