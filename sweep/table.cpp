#include "sweep/table.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <set>

#include <fmt/core.h>

#include "base/types.h"
#include "base/version.h"
#include "base/config/config_tree.h"
#include "base/io/atomic_file.h"
#include "base/io/h5_file.h"
#include "sweep/key_path.h"

namespace tessera::sweep {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

/// A value that is legitimately absent at this row (a failed point has no metrics): NaN.
struct Missing {};

const MetricValue* find_metric(const PointResult* r, const std::string& key) {
  if (!r) return nullptr;
  for (const auto& m : r->metrics)
    if (m.key == key) return &m;
  return nullptr;
}

std::string clip_error(const std::string& e) {
  if (e.size() <= kMaxErrorChars) return e;
  return e.substr(0, kMaxErrorChars) + " ... (cut; the journal has the full text)";
}

}  // namespace

const TableColumn* ResultTable::find(const std::string& name) const {
  for (const auto& c : columns)
    if (c.name == name) return &c;
  return nullptr;
}

ResultTable build_table(const SweepSpec& spec, const std::vector<Point>& points,
                        const std::map<std::uint64_t, PointResult>& results, std::vector<std::string>* warnings) {
  const std::size_t n = points.size();
  ResultTable t;
  t.rows = n;
  std::vector<const PointResult*> res(n, nullptr);
  for (std::size_t i = 0; i < n; ++i) {
    auto it = results.find(i);
    if (it != results.end() && points[i].skipped.empty()) res[i] = &it->second;
  }

  TableColumn index{"index", "", TableColumn::Kind::integer, {}, {}};
  for (std::size_t i = 0; i < n; ++i) index.numbers.push_back(double(i));
  t.columns.push_back(std::move(index));

  // Parameters and computed keys: numeric when every value is a number.
  const auto names = point_columns(spec);
  for (std::size_t k = 0; k < names.size(); ++k) {
    TableColumn c;
    c.name = names[k];
    if (k < spec.parameters.size()) c.unit = spec.parameters[k].unit;
    bool numeric = true;
    for (const auto& p : points) numeric = numeric && p.values[k].number.has_value();
    c.kind = numeric ? TableColumn::Kind::number : TableColumn::Kind::text;
    for (const auto& p : points) {
      if (numeric) c.numbers.push_back(*p.values[k].number);
      else c.texts.push_back(p.values[k].text);
    }
    t.columns.push_back(std::move(c));
  }

  // Metrics: the listed ones, or every key the finished points produced (first-seen order).
  std::vector<std::string> metric_keys = spec.metrics;
  if (metric_keys.empty()) {
    std::set<std::string> seen;
    for (const auto* r : res)
      if (r)
        for (const auto& m : r->metrics)
          if (seen.insert(m.key).second) metric_keys.push_back(m.key);
  }
  for (const auto& key : metric_keys) {
    TableColumn c;
    c.name = key;
    bool text = false, present = false;
    for (const auto* r : res)
      if (const MetricValue* m = find_metric(r, key)) {
        present = true;
        if (c.unit.empty()) c.unit = m->unit;
        text = text || std::holds_alternative<std::string>(m->value);
      }
    if (!present && warnings && std::any_of(res.begin(), res.end(), [](auto* r) { return r && r->status == "ok"; }))
      warnings->push_back(fmt::format("metric '{}' was not produced by any point (its column is empty)", key));
    c.kind = text ? TableColumn::Kind::text : TableColumn::Kind::number;
    for (const auto* r : res) {
      const MetricValue* m = find_metric(r, key);
      if (text) {
        if (!m) c.texts.emplace_back();
        else if (const double* d = std::get_if<double>(&m->value)) c.texts.push_back(format_number(*d, false));
        else c.texts.push_back(std::get<std::string>(m->value));
      } else {
        c.numbers.push_back(m ? std::get<double>(m->value) : kNaN);
      }
    }
    t.columns.push_back(std::move(c));
  }

  // Derived columns, row by row: parameters, earlier derived columns, metrics, then chip keys
  // (and cluster. keys).
  if (!spec.derived.empty()) {
    std::vector<TableColumn> derived(spec.derived.size());
    for (std::size_t d = 0; d < spec.derived.size(); ++d) derived[d].name = spec.derived[d].name;
    std::set<std::string> warned;
    const YAML::Node base = spec.point_tree();
    for (std::size_t i = 0; i < n; ++i) {
      std::optional<YAML::Node> tree;
      auto lookup = [&](const std::string& name) -> double {
        for (std::size_t k = 0; k < names.size(); ++k)
          if (names[k] == name) {
            if (!points[i].values[k].number) throw Missing{};
            return *points[i].values[k].number;
          }
        for (std::size_t d = 0; d < spec.derived.size(); ++d)
          if (spec.derived[d].name == name && derived[d].numbers.size() == i + 1) return derived[d].numbers[i];
        if (const MetricValue* m = find_metric(res[i], name)) {
          if (const double* v = std::get_if<double>(&m->value)) return *v;
          throw Error(fmt::format("metric '{}' is text ('{}'), not a number", name, std::get<std::string>(m->value)));
        }
        if (!find_nodes(base, name).empty()) {
          if (!tree) {
            tree = YAML::Clone(base);
            for (const auto& o : points[i].overrides) spec.apply(*tree, o);
          }
          return tree_number(*tree, name);
        }
        if (res[i] && res[i]->status == "ok")
          throw Error(fmt::format("'{}' is not a parameter, metric, chip key or cluster. key", name));
        throw Missing{};
      };
      for (std::size_t d = 0; d < spec.derived.size(); ++d) {
        double v = kNaN;
        try {
          v = spec.derived[d].expr.evaluate(lookup);
        } catch (const Missing&) {
        } catch (const Error& e) {
          if (warnings && warned.insert(spec.derived[d].name).second)
            warnings->push_back(fmt::format("derived.{}: {}", spec.derived[d].name, e.what()));
        }
        derived[d].numbers.push_back(v);
      }
    }
    for (auto& c : derived) t.columns.push_back(std::move(c));
  }

  TableColumn status{"status", "", TableColumn::Kind::text, {}, {}};
  TableColumn error{"error", "", TableColumn::Kind::text, {}, {}};
  TableColumn wall{"wall_s", "s", TableColumn::Kind::number, {}, {}};
  for (std::size_t i = 0; i < n; ++i) {
    if (!points[i].skipped.empty()) {
      status.texts.push_back("skipped");
      error.texts.push_back(points[i].skipped);
      wall.numbers.push_back(0);
    } else if (!res[i]) {
      status.texts.push_back("pending");
      error.texts.emplace_back();
      wall.numbers.push_back(kNaN);
    } else {
      status.texts.push_back(res[i]->status);
      error.texts.push_back(clip_error(res[i]->error));
      wall.numbers.push_back(res[i]->wall_s);
    }
  }
  t.columns.push_back(std::move(status));
  t.columns.push_back(std::move(error));
  t.columns.push_back(std::move(wall));
  return t;
}

std::vector<std::size_t> pareto_front(const std::vector<double>& x, bool maximise_x, const std::vector<double>& y,
                                      bool maximise_y, const std::vector<bool>& eligible) {
  // Work in "larger is better" on both axes.
  const double sx = maximise_x ? 1 : -1, sy = maximise_y ? 1 : -1;
  std::vector<std::size_t> rows;
  for (std::size_t i = 0; i < x.size(); ++i)
    if ((eligible.empty() || eligible[i]) && !std::isnan(x[i]) && !std::isnan(y[i])) rows.push_back(i);
  std::stable_sort(rows.begin(), rows.end(), [&](std::size_t a, std::size_t b) {
    if (sx * x[a] != sx * x[b]) return sx * x[a] > sx * x[b];
    return sy * y[a] > sy * y[b];
  });
  // Sweep groups of equal x, best x first: a point is dominated when an earlier group (better x)
  // has a y at least as good, or its own group has a better y.
  std::vector<std::size_t> front;
  bool have_best = false;
  double best_prev = 0;  // best sy*y among groups with better x
  for (std::size_t g = 0; g < rows.size();) {
    std::size_t e = g;
    while (e < rows.size() && sx * x[rows[e]] == sx * x[rows[g]]) ++e;
    const double group_best = sy * y[rows[g]];
    for (std::size_t k = g; k < e; ++k) {
      const double v = sy * y[rows[k]];
      const bool dominated = (have_best && best_prev >= v) || v < group_best;
      if (!dominated) front.push_back(rows[k]);
    }
    if (!have_best || group_best > best_prev) best_prev = group_best;
    have_best = true;
    g = e;
  }
  return front;
}

std::optional<ParetoResult> spec_pareto(const SweepSpec& spec, const ResultTable& table,
                                        std::vector<std::string>* warnings) {
  if (!spec.pareto) return std::nullopt;
  const auto& [ax, ay] = *spec.pareto;
  const TableColumn* cx = table.find(ax.column);
  const TableColumn* cy = table.find(ay.column);
  using Axis = std::pair<const TableColumn*, const std::string*>;
  for (const auto& [c, name] : {Axis{cx, &ax.column}, Axis{cy, &ay.column}}) {
    if (!c || c->kind == TableColumn::Kind::text) {
      if (warnings)
        warnings->push_back(fmt::format("pareto: '{}' is not a numeric column of the table; no front computed", *name));
      return std::nullopt;
    }
  }
  const TableColumn* status = table.find("status");
  std::vector<bool> eligible(table.rows);
  for (std::size_t i = 0; i < table.rows; ++i) eligible[i] = status->texts[i] == "ok";
  ParetoResult p;
  p.x = ax.column;
  p.y = ay.column;
  p.maximise_x = ax.maximise;
  p.maximise_y = ay.maximise;
  p.rows = pareto_front(cx->numbers, ax.maximise, cy->numbers, ay.maximise, eligible);
  return p;
}

TableCounts count_status(const ResultTable& table) {
  TableCounts c;
  const TableColumn* status = table.find("status");
  if (!status) return c;
  for (const auto& s : status->texts) {
    if (s == "ok") ++c.ok;
    else if (s == "failed") ++c.failed;
    else if (s == "skipped") ++c.skipped;
    else ++c.pending;
  }
  return c;
}

void write_sweep_h5(const std::string& path, const SweepSpec& spec, const std::string& fingerprint,
                    const ResultTable& table, const std::optional<ParetoResult>& pareto) {
  const TableCounts counts = count_status(table);
  write_file_atomically(path, [&](const std::string& tmp) {
    h5::H5File file = h5::H5File::create(tmp);
    const hid_t root = file.root();
    h5::write_string_attribute(root, "format", "tessera-sweep");
    h5::write_int_attribute(root, "format_version", 1);
    h5::write_string_attribute(root, "tool_version", kVersion);
    h5::write_string_attribute(root, "name", spec.name);
    h5::write_string_attribute(root, "description", spec.description);
    h5::write_string_attribute(root, "spec", spec.text);
    h5::write_string_attribute(root, "chip", spec.chip);
    if (spec.has_cluster()) h5::write_string_attribute(root, "cluster", spec.cluster);
    h5::write_string_attribute(root, "workload", spec.workload_label());
    h5::write_string_attribute(root, "mode", to_string(spec.mode));
    h5::write_int_attribute(root, "seed", std::int64_t(spec.seed));
    h5::write_int_attribute(root, "samples", std::int64_t(spec.samples));
    h5::write_string_attribute(root, "fingerprint", fingerprint);
    h5::write_int_attribute(root, "points", std::int64_t(table.rows));
    h5::write_int_attribute(root, "ok", std::int64_t(counts.ok));
    h5::write_int_attribute(root, "failed", std::int64_t(counts.failed));
    h5::write_int_attribute(root, "skipped", std::int64_t(counts.skipped));
    h5::write_int_attribute(root, "pending", std::int64_t(counts.pending));

    h5::Table rows;
    for (const auto& c : table.columns) {
      switch (c.kind) {
        case TableColumn::Kind::integer: {
          std::vector<std::int64_t> v(c.numbers.begin(), c.numbers.end());
          rows.add_ints(c.name, std::move(v), c.unit);
          break;
        }
        case TableColumn::Kind::number: rows.add_doubles(c.name, c.numbers, c.unit); break;
        case TableColumn::Kind::text: rows.add_strings(c.name, c.texts); break;
      }
    }
    h5::write_table(root, "points", rows);

    if (pareto) {
      h5::Handle group = h5::create_group(root, "pareto");
      h5::write_string_attribute(group, "x", pareto->x);
      h5::write_string_attribute(group, "y", pareto->y);
      h5::write_string_attribute(group, "x_goal", pareto->maximise_x ? "max" : "min");
      h5::write_string_attribute(group, "y_goal", pareto->maximise_y ? "max" : "min");
      const TableColumn* cx = table.find(pareto->x);
      const TableColumn* cy = table.find(pareto->y);
      std::vector<std::int64_t> index;
      std::vector<double> xs, ys;
      for (std::size_t r : pareto->rows) {
        index.push_back(std::int64_t(r));
        xs.push_back(cx->numbers[r]);
        ys.push_back(cy->numbers[r]);
      }
      h5::Table front;
      front.add_ints("index", std::move(index)).add_doubles(pareto->x, std::move(xs), cx->unit);
      front.add_doubles(pareto->y, std::move(ys), cy->unit);
      h5::write_table(group, "front", front);
    }
    file.close();
  });
}

}  // namespace tessera::sweep
