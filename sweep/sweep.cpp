#include "sweep/sweep.h"

#include <algorithm>
#include <filesystem>
#include <sstream>

#include <fmt/core.h>

#include "base/types.h"
#include "sweep/coordinator.h"
#include "sweep/executor_registry.h"

namespace tessera::sweep {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

std::string first_line(const std::string& s, std::size_t max = 240) {
  std::string line = s.substr(0, s.find('\n'));
  if (line.size() > max) line = line.substr(0, max) + "...";
  return line;
}

/// Columns padded to their widest cell, two spaces apart, indented by two; the last column is not padded.
std::string aligned(const std::vector<std::string>& header, const std::vector<std::vector<std::string>>& rows) {
  std::vector<std::size_t> width(header.size(), 0);
  auto measure = [&](const std::vector<std::string>& r) {
    for (std::size_t k = 0; k < r.size() && k < width.size(); ++k) width[k] = std::max(width[k], r[k].size());
  };
  measure(header);
  for (const auto& r : rows) measure(r);
  std::string out;
  auto line = [&](const std::vector<std::string>& r) {
    out += " ";
    for (std::size_t k = 0; k < r.size(); ++k) {
      out += " ";
      out += r[k];
      if (k + 1 < r.size() && k < width.size()) out += std::string(width[k] - r[k].size() + 1, ' ');
    }
    out += "\n";
  };
  line(header);
  for (const auto& r : rows) line(r);
  return out;
}

}  // namespace

std::string output_path(const SweepOptions& options) {
  if (!options.out.empty()) return options.out;
  return fs::path(options.spec_path).stem().string() + ".h5";
}

Coordinator::Coordinator(const SweepOptions& options, const SweepSpec& spec, const std::vector<Point>& points,
                         std::string fingerprint, Clock::time_point start)
    : options_(options),
      spec_(spec),
      points_(points),
      fingerprint_(std::move(fingerprint)),
      out_(output_path(options)),
      journal_(out_ + ".journal", fingerprint_, points.size(), spec.name, options.journal_mode),
      start_(start) {
  const auto& done = journal_.finished();
  for (const auto& p : points_) {
    if (!p.skipped.empty()) continue;
    auto it = done.find(p.index);
    const bool finished = it != done.end() && !(options.retry_failed && it->second.status == "failed");
    if (finished) ++already_;
    else todo_.push_back(p.index);
  }
  std::uint64_t skipped = 0;
  for (const auto& p : points_) skipped += !p.skipped.empty();
  progress_ = std::make_unique<Progress>(points_.size() - skipped, already_, options.progress && Progress::terminal());
}

void Coordinator::record(std::vector<PointResult>&& rs) {
  journal_.append(rs);
  for (const auto& r : rs) {
    ++ran_;
    point_wall_ += r.wall_s;
    progress_->point_done(r.status != "ok");
  }
}

SweepOutcome Coordinator::finish(bool interrupted, const std::string& executor) {
  progress_->finish();
  SweepOutcome o;
  o.interrupted = interrupted;
  o.name = spec_.name;
  o.out = out_;
  o.journal = journal_.path();
  o.executor = executor;
  o.points = points_.size();
  o.already = already_;
  o.ran = ran_;
  o.point_wall_s = point_wall_;
  o.columns = point_columns(spec_);
  if (journal_.bad_lines())
    o.warnings.push_back(fmt::format("{}: {} unreadable line(s) ignored; those points were run again",
                                     journal_.path(), journal_.bad_lines()));
  const ResultTable table = build_table(spec_, points_, journal_.finished(), &o.warnings);
  const TableCounts counts = count_status(table);
  o.ok = counts.ok;
  o.failed = counts.failed;
  o.skipped = counts.skipped;
  o.pending = counts.pending;
  const TableColumn* status = table.find("status");
  const TableColumn* error = table.find("error");
  for (std::size_t i = 0; i < table.rows; ++i)
    if (status->texts[i] == "failed") o.failures.emplace_back(i, first_line(error->texts[i]));
  const auto pareto = spec_pareto(spec_, table, &o.warnings);
  if (pareto) {
    o.pareto_x = pareto->x;
    o.pareto_y = pareto->y;
    o.pareto_x_goal = pareto->maximise_x ? "max" : "min";
    o.pareto_y_goal = pareto->maximise_y ? "max" : "min";
    const TableColumn* cx = table.find(pareto->x);
    const TableColumn* cy = table.find(pareto->y);
    for (std::size_t r : pareto->rows) {
      FrontPoint f;
      f.index = r;
      for (const auto& v : points_[r].values) f.values.push_back(v.text);
      f.x = cx->numbers[r];
      f.y = cy->numbers[r];
      o.front.push_back(std::move(f));
    }
  }
  if (!interrupted && counts.pending == 0) write_sweep_h5(out_, spec_, fingerprint_, table, pareto);
  else o.out.clear();
  o.wall_s = std::chrono::duration<double>(Clock::now() - start_).count();
  return o;
}

SweepOutcome dry_run_outcome(const SweepSpec& spec, const std::vector<Point>& points) {
  SweepOutcome o;
  o.dry_run = true;
  o.name = spec.name;
  o.points = points.size();
  o.columns = point_columns(spec);
  for (const auto& p : points) {
    std::vector<std::string> row;
    for (const auto& v : p.values) row.push_back(v.text);
    row.push_back(p.skipped.empty() ? "run" : "skipped: " + p.skipped);
    if (p.skipped.empty()) ++o.pending;
    else ++o.skipped;
    o.dry_points.push_back(std::move(row));
  }
  return o;
}

SweepOutcome run_sweep(const SweepOptions& options) { return sweep_executor(options).run(options); }

nlohmann::json outcome_json(const SweepOutcome& o) {
  using nlohmann::json;
  json j;
  j["name"] = o.name;
  j["points"] = o.points;
  if (o.dry_run) {
    j["dry_run"] = true;
    j["columns"] = o.columns;
    j["to_run"] = o.pending;
    j["skipped"] = o.skipped;
    json rows = json::array();
    for (std::size_t i = 0; i < o.dry_points.size(); ++i) {
      json row{{"index", i}};
      for (std::size_t k = 0; k < o.columns.size(); ++k) row[o.columns[k]] = o.dry_points[i][k];
      row["status"] = o.dry_points[i].back();
      rows.push_back(std::move(row));
    }
    j["rows"] = std::move(rows);
    return j;
  }
  j["interrupted"] = o.interrupted;
  j["out"] = o.out.empty() ? json(nullptr) : json(o.out);
  j["journal"] = o.journal;
  j["executor"] = o.executor;
  j["ok"] = o.ok;
  j["failed"] = o.failed;
  j["skipped"] = o.skipped;
  j["pending"] = o.pending;
  j["resumed"] = o.already;
  j["ran"] = o.ran;
  j["wall_s"] = o.wall_s;
  j["point_wall_s"] = o.point_wall_s;
  json failures = json::array();
  for (const auto& [i, e] : o.failures) failures.push_back({{"index", i}, {"error", e}});
  j["failures"] = std::move(failures);
  if (!o.pareto_x.empty()) {
    json front = json::array();
    for (const auto& f : o.front) {
      json row{{"index", f.index}};
      for (std::size_t k = 0; k < o.columns.size() && k < f.values.size(); ++k) row[o.columns[k]] = f.values[k];
      row[o.pareto_x] = f.x;
      row[o.pareto_y] = f.y;
      front.push_back(std::move(row));
    }
    j["pareto"] = {{"x", o.pareto_x}, {"x_goal", o.pareto_x_goal}, {"y", o.pareto_y}, {"y_goal", o.pareto_y_goal},
                   {"front", std::move(front)}};
  }
  j["warnings"] = o.warnings;
  return j;
}

std::string outcome_text(const SweepOutcome& o) {
  std::ostringstream s;
  if (o.dry_run) {
    s << fmt::format("sweep {}: {} points ({} to run, {} ruled out by constraints)\n", o.name, o.points, o.pending,
                     o.skipped);
    std::vector<std::string> header{"index"};
    header.insert(header.end(), o.columns.begin(), o.columns.end());
    header.push_back("status");
    std::vector<std::vector<std::string>> rows;
    for (std::size_t i = 0; i < o.dry_points.size(); ++i) {
      rows.push_back({std::to_string(i)});
      rows.back().insert(rows.back().end(), o.dry_points[i].begin(), o.dry_points[i].end());
    }
    s << aligned(header, rows);
    return s.str();
  }
  s << fmt::format("sweep {}: {} points: {} ok, {} failed, {} skipped", o.name, o.points, o.ok, o.failed, o.skipped);
  if (o.pending) s << fmt::format(", {} not run yet", o.pending);
  s << "\n";
  s << fmt::format("ran {} point{} on {} in {:.2f} s", o.ran, o.ran == 1 ? "" : "s", o.executor, o.wall_s);
  if (o.already) s << fmt::format(" ({} finished earlier, from the journal)", o.already);
  s << "\n";
  constexpr std::size_t kShown = 10;
  for (std::size_t k = 0; k < o.failures.size() && k < kShown; ++k)
    s << fmt::format("  point {} failed: {}\n", o.failures[k].first, o.failures[k].second);
  if (o.failures.size() > kShown)
    s << fmt::format("  ... and {} more failed points (status and error columns of the table)\n",
                     o.failures.size() - kShown);
  for (const auto& w : o.warnings) s << "warning: " << w << "\n";
  if (!o.pareto_x.empty()) {
    s << fmt::format("Pareto front ({} {}, {} {}): {} point{}\n", o.pareto_x_goal, o.pareto_x, o.pareto_y_goal,
                     o.pareto_y, o.front.size(), o.front.size() == 1 ? "" : "s");
    std::vector<std::string> header{"index", o.pareto_x, o.pareto_y};
    std::vector<std::vector<std::string>> rows;
    for (std::size_t k = 0; k < o.columns.size(); ++k)
      if (o.columns[k] != o.pareto_x && o.columns[k] != o.pareto_y) header.push_back(o.columns[k]);
    for (const auto& f : o.front) {
      rows.push_back({std::to_string(f.index), fmt::format("{:.6g}", f.x), fmt::format("{:.6g}", f.y)});
      for (std::size_t k = 0; k < o.columns.size() && k < f.values.size(); ++k)
        if (o.columns[k] != o.pareto_x && o.columns[k] != o.pareto_y) rows.back().push_back(f.values[k]);
    }
    s << aligned(header, rows);
  }
  if (!o.out.empty()) s << "results: " << o.out << "\n";
  else if (o.interrupted)
    s << fmt::format("interrupted: the journal {} keeps the finished points; run again with --resume to finish\n",
                     o.journal);
  return s.str();
}

}  // namespace tessera::sweep
