#include "report/json_report.h"

#include <charconv>
#include <cmath>
#include <cstdint>

#include "base/config/yaml_json.h"
#include "base/io/atomic_file.h"
#include "report/hdf5_writer.h"
#include "report/unit_metrics.h"

namespace tessera {

using nlohmann::json;

json result_header_json(const SimResult& r) {
  json j = json::object();
  j["tool_version"] = r.tool_version;
  j["chip"] = {{"name", r.chip_name}, {"config", yaml_to_json(r.chip_config)}};
  j["workload"] = r.workload;
  if (r.cluster_config.IsDefined() && !r.cluster_config.IsNull())
    j["cluster"] = {{"name", r.cluster_name}, {"config", yaml_to_json(r.cluster_config)}};
  return j;
}

json to_json(const SimResult& r) {
  json j = result_header_json(r);
  j["format_version"] = kResultsFormatVersion;

  json summary = json::object(), units = json::object();
  for (const auto& m : r.summary.metrics()) {
    if (const double* v = std::get_if<double>(&m.value)) {
      summary[m.key] = *v;  // NaN/inf are written as null
      if (!m.unit.empty()) units[m.key] = m.unit;
    } else {
      summary[m.key] = std::get<std::string>(m.value);
    }
  }
  j["summary"] = std::move(summary);
  j["summary_units"] = std::move(units);

  json ops = json::array();
  for (const auto& o : r.ops) {
    ops.push_back({{"id", o.id},
                   {"name", o.name},
                   {"kind", o.kind},
                   {"phase", o.phase},
                   {"layer", o.layer},
                   {"start_s", o.start_s},
                   {"end_s", o.end_s},
                   {"start_cycle", o.start_cycle},
                   {"end_cycle", o.end_cycle},
                   {"flops", o.flops},
                   {"hbm_bytes", o.hbm_bytes},
                   {"sram_bytes", o.sram_bytes},
                   {"compute_s", o.compute_s},
                   {"ideal_s", o.ideal_s},
                   {"bound_by", o.bound_by},
                   {"tiles", o.tiles},
                   {"energy_j", o.energy_j}});
  }
  j["ops"] = std::move(ops);

  json unit_rows = json::array();
  if (r.stats) {
    const auto seconds = simulated_seconds(r.summary);
    for (const auto& g : r.stats->groups()) {
      json stats = json::object();
      for (const auto& s : g->stats()) stats[s.name] = s.value;
      double u = utilisation(*g, seconds);
      unit_rows.push_back({{"path", g->path()},
                           {"kind", g->kind()},
                           {"clock_mhz", g->clock_mhz()},
                           {"stats", std::move(stats)},
                           {"busy_seconds", busy_seconds(*g)},
                           {"utilisation", std::isfinite(u) ? json(u) : json(nullptr)}});
    }
  }
  j["units"] = std::move(unit_rows);
  return j;
}

std::string to_json_text(const SimResult& r) { return to_json(r).dump(2) + "\n"; }

void write_json(const SimResult& r, const std::string& path) {
  write_text_atomically(path, to_json_text(r));
}

}  // namespace tessera
