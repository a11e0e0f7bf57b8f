#include "report/perfetto_trace.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <map>
#include <numeric>

#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include "base/io/atomic_file.h"
#include "report/json_report.h"

namespace tessera {

namespace {

using nlohmann::json;

constexpr const char* kOpsTrack = "ops";

std::string dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

std::int64_t to_ns(double seconds) {
  if (!std::isfinite(seconds)) return 0;
  return static_cast<std::int64_t>(std::llround(seconds * 1e9));
}

/// Nanoseconds as microseconds with three decimals, exactly ("12.345").
std::string us_text(std::int64_t ns) {
  const char* sign = ns < 0 ? "-" : "";
  std::uint64_t a = ns < 0 ? static_cast<std::uint64_t>(-(ns + 1)) + 1 : static_cast<std::uint64_t>(ns);
  return fmt::format("{}{}.{:03}", sign, a / 1000, a % 1000);
}

/// One slice before lane assignment.
struct Slice {
  std::string name;
  const char* category;
  std::int64_t start_ns, end_ns;
  json args;
};

/// A named track's slices split into non-overlapping lanes (in order of start time).
std::vector<std::vector<const Slice*>> assign_lanes(const std::vector<Slice>& slices) {
  std::vector<std::size_t> order(slices.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    return slices[a].start_ns < slices[b].start_ns;
  });
  std::vector<std::vector<const Slice*>> lanes;
  std::vector<std::int64_t> lane_end;
  for (std::size_t i : order) {
    const Slice& s = slices[i];
    std::size_t lane = 0;
    while (lane < lanes.size() && lane_end[lane] > s.start_ns) ++lane;
    if (lane == lanes.size()) {
      lanes.emplace_back();
      lane_end.push_back(0);
    }
    lanes[lane].push_back(&s);
    lane_end[lane] = std::max(s.end_ns, s.start_ns);
  }
  return lanes;
}

void metadata_event(std::string& out, const char* name, int pid, int tid, const json& args) {
  out += fmt::format("{{\"name\":\"{}\",\"ph\":\"M\",\"pid\":{},\"tid\":{},\"args\":{}}},\n", name,
                     pid, tid, dump(args));
}

void append_run(std::string& out, const SimResult& r, int pid) {
  std::string process = r.chip_name.empty() ? fmt::format("chip {}", pid) : r.chip_name;
  metadata_event(out, "process_name", pid, 0, {{"name", process}});
  metadata_event(out, "process_sort_index", pid, 0, {{"sort_index", pid}});

  // Tracks: operators first, then timeline tracks in sorted order.
  std::vector<std::pair<std::string, std::vector<Slice>>> tracks;
  {
    std::vector<Slice> ops;
    ops.reserve(r.ops.size());
    for (const auto& o : r.ops) {
      json args = {{"id", o.id},         {"kind", o.kind},           {"phase", o.phase},
                   {"layer", o.layer},   {"flops", o.flops},         {"hbm_bytes", o.hbm_bytes},
                   {"sram_bytes", o.sram_bytes}, {"bound_by", o.bound_by}, {"tiles", o.tiles},
                   {"start_cycle", o.start_cycle}, {"end_cycle", o.end_cycle}};
      ops.push_back(Slice{o.name.empty() ? o.id : o.name, "op", to_ns(o.start_s), to_ns(o.end_s),
                          std::move(args)});
    }
    tracks.emplace_back(kOpsTrack, std::move(ops));
  }
  std::map<std::string, std::vector<Slice>> by_track;
  for (const auto& e : r.timeline)
    by_track[e.track].push_back(
        Slice{e.name, "unit", to_ns(e.start_s), to_ns(e.start_s + e.dur_s), json()});
  for (auto& [name, slices] : by_track) tracks.emplace_back(name, std::move(slices));

  int tid = 0;
  std::string events;
  for (const auto& [track, slices] : tracks) {
    auto lanes = assign_lanes(slices);
    if (lanes.empty()) lanes.emplace_back();  // keep the (empty) track visible and numbered
    for (std::size_t lane = 0; lane < lanes.size(); ++lane) {
      ++tid;
      std::string thread = lane == 0 ? track : fmt::format("{} #{}", track, lane + 1);
      metadata_event(out, "thread_name", pid, tid, {{"name", thread}});
      metadata_event(out, "thread_sort_index", pid, tid, {{"sort_index", tid}});
      for (const Slice* s : lanes[lane]) {
        events += fmt::format("{{\"name\":{},\"cat\":\"{}\",\"ph\":\"X\",\"pid\":{},\"tid\":{},"
                              "\"ts\":{},\"dur\":{}",
                              dump(json(s->name)), s->category, pid, tid, us_text(s->start_ns),
                              us_text(std::max<std::int64_t>(0, s->end_ns - s->start_ns)));
        if (!s->args.is_null()) events += ",\"args\":" + dump(s->args);
        events += "},\n";
      }
    }
  }
  out += events;
}

}  // namespace

std::string perfetto_trace_text(const std::vector<const SimResult*>& runs) {
  // Keys are written in this order on purpose: Perfetto reads displayTimeUnit first and
  // stops at keys it does not know, so the metadata (otherData) comes after the events.
  std::string out = "{\"displayTimeUnit\":\"ns\",\n\"traceEvents\":[\n";
  json other = json::object();
  json run_list = json::array();
  int pid = 0;
  for (const SimResult* r : runs) {
    if (!r) continue;
    append_run(out, *r, ++pid);
    if (!other.contains("tool_version")) other["tool_version"] = r->tool_version;
    json header = result_header_json(*r);
    header.erase("tool_version");
    header["pid"] = pid;
    run_list.push_back(std::move(header));
  }
  if (!other.contains("tool_version")) other["tool_version"] = "";
  other["runs"] = std::move(run_list);
  // Drop the trailing ",\n" of the last event.
  if (out.size() >= 2 && out.compare(out.size() - 2, 2, ",\n") == 0) out.erase(out.size() - 2, 1);
  out += "],\n\"otherData\":" + dump(other) + "}\n";
  return out;
}

void write_perfetto_trace(const std::vector<const SimResult*>& runs, const std::string& path) {
  write_text_atomically(path, perfetto_trace_text(runs));
}

void write_perfetto_trace(const SimResult& r, const std::string& path) {
  write_perfetto_trace(std::vector<const SimResult*>{&r}, path);
}

}  // namespace tessera
