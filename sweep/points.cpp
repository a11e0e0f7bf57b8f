#include "sweep/points.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <numeric>
#include <random>

#include <fmt/core.h>

#include "base/hash.h"
#include "base/types.h"
#include "base/config/config_tree.h"
#include "sweep/key_path.h"

namespace tessera::sweep {

namespace {

/// Deterministic on every platform: mt19937_64's output sequence is fixed by the standard, and
/// the conversions below are ours (the standard distributions are implementation-defined).
class Rng {
 public:
  explicit Rng(std::uint64_t seed) : gen_(seed) {}
  double uniform() { return double(gen_() >> 11) * 0x1.0p-53; }  // [0, 1)
  std::uint64_t below(std::uint64_t n) { return n <= 1 ? 0 : gen_() % n; }

 private:
  std::mt19937_64 gen_;
};

Value make_value(double v, const Parameter& p) {
  std::string text = format_number(v, p.integer);
  const double number = std::strtod(text.c_str(), nullptr);
  return {std::move(text), number};
}

/// Number of whole steps from min that stay <= max.
std::uint64_t lattice_steps(const Parameter& p, double step) {
  return static_cast<std::uint64_t>(std::floor((p.max - p.min) / step + 1e-9));
}

double snap(const Parameter& p, double v) {
  if (p.step > 0) {
    const std::uint64_t k = lattice_steps(p, p.step);
    const double j = std::clamp(std::round((v - p.min) / p.step), 0.0, double(k));
    v = p.min + j * p.step;
  }
  if (p.integer) v = std::clamp(std::round(v), std::ceil(p.min), std::floor(p.max));
  return std::clamp(v, p.min, p.max);
}

/// The value at quantile u in [0, 1) of a parameter's range or values list.
Value value_at(const Parameter& p, double u) {
  if (!p.is_range) {
    const std::size_t n = p.values.size();
    return p.values[std::min<std::size_t>(static_cast<std::size_t>(u * double(n)), n - 1)];
  }
  if (p.scale == Scale::linear && (p.integer || p.step > 0)) {
    // Uniform over the lattice min, min + step, ... <= max (step 1 for integers).
    const double step = p.step > 0 ? p.step : 1.0;
    const std::uint64_t k = lattice_steps(p, step);
    const std::uint64_t j = std::min<std::uint64_t>(static_cast<std::uint64_t>(u * double(k + 1)), k);
    return make_value(p.min + double(j) * step, p);
  }
  double v;
  if (p.scale == Scale::linear) v = p.min + u * (p.max - p.min);
  else v = std::exp(std::log(p.min) + u * (std::log(p.max) - std::log(p.min)));
  return make_value(snap(p, v), p);
}

std::vector<Value> grid_values(const Parameter& p) {
  if (!p.is_range) return p.values;
  std::vector<Value> out;
  auto push = [&](double v) {
    Value val = make_value(v, p);
    if (out.empty() || out.back().text != val.text) out.push_back(std::move(val));
  };
  if (p.count > 0) {
    for (std::uint32_t i = 0; i < p.count; ++i) {
      const double t = p.count == 1 ? 0.0 : double(i) / double(p.count - 1);
      double v;
      if (p.scale == Scale::linear) v = p.min + t * (p.max - p.min);
      else v = std::exp(std::log(p.min) + t * (std::log(p.max) - std::log(p.min)));
      if (i + 1 == p.count && p.count > 1) v = p.max;  // exact end points
      if (i == 0) v = p.min;
      push(snap(p, v));
    }
  } else {
    const std::uint64_t k = lattice_steps(p, p.step);
    for (std::uint64_t j = 0; j <= k; ++j) push(p.min + double(j) * p.step);
  }
  return out;
}

/// The values of every point, before computed keys and constraints.
std::vector<std::vector<Value>> raw_points(const SweepSpec& spec) {
  const std::size_t np = spec.parameters.size();
  std::vector<std::vector<Value>> out;
  switch (spec.mode) {
    case Mode::grid: {
      std::vector<std::vector<Value>> axes;
      std::uint64_t total = 1;
      for (const auto& p : spec.parameters) {
        axes.push_back(grid_values(p));
        total *= axes.back().size();
        if (total > 100'000'000) throw Error(fmt::format("{}: the grid has more than 10^8 points", spec.source));
      }
      // The last parameter varies fastest, as in nested loops written in spec order.
      std::vector<std::size_t> at(np, 0);
      for (std::uint64_t i = 0; i < total; ++i) {
        std::vector<Value> point;
        for (std::size_t d = 0; d < np; ++d) point.push_back(axes[d][at[d]]);
        out.push_back(std::move(point));
        for (std::size_t d = np; d-- > 0;) {
          if (++at[d] < axes[d].size()) break;
          at[d] = 0;
        }
      }
      break;
    }
    case Mode::list: {
      const std::size_t n = spec.parameters.front().values.size();
      for (std::size_t i = 0; i < n; ++i) {
        std::vector<Value> point;
        for (const auto& p : spec.parameters) point.push_back(p.values[i]);
        out.push_back(std::move(point));
      }
      break;
    }
    case Mode::random: {
      Rng rng(spec.seed);
      for (std::uint64_t i = 0; i < spec.samples; ++i) {
        std::vector<Value> point;
        for (const auto& p : spec.parameters) point.push_back(value_at(p, rng.uniform()));
        out.push_back(std::move(point));
      }
      break;
    }
    case Mode::lhs: {
      // Each parameter's [0, 1) is cut into `samples` equal strata; every stratum is used once,
      // in an order shuffled per parameter, at a random position inside the stratum.
      Rng rng(spec.seed);
      const std::uint64_t n = spec.samples;
      out.assign(n, {});
      for (const auto& p : spec.parameters) {
        std::vector<std::uint64_t> perm(n);
        std::iota(perm.begin(), perm.end(), 0);
        for (std::uint64_t i = n; i > 1; --i) std::swap(perm[i - 1], perm[rng.below(i)]);  // Fisher-Yates
        for (std::uint64_t i = 0; i < n; ++i) {
          const double u = (double(perm[i]) + rng.uniform()) / double(n);
          out[i].push_back(value_at(p, std::min(u, std::nextafter(1.0, 0.0))));
        }
      }
      break;
    }
  }
  return out;
}

}  // namespace

std::string format_number(double v, bool integer) {
  if (!std::isfinite(v)) return fmt::format("{}", v);
  const double r = std::round(v);
  if ((integer || std::fabs(v - r) <= 1e-9 * std::max(1.0, std::fabs(v))) && std::fabs(r) < 9.2e18)
    return fmt::format("{}", static_cast<long long>(r));
  return fmt::format("{:.12g}", v);
}

std::vector<std::string> point_columns(const SweepSpec& spec) {
  std::vector<std::string> out;
  for (const auto& p : spec.parameters) out.push_back(p.key);
  for (const auto& c : spec.computed) out.push_back(c.key);
  return out;
}

std::vector<Point> generate_points(const SweepSpec& spec) {
  const auto raw = raw_points(spec);
  const auto columns = point_columns(spec);
  const bool needs_tree = !spec.computed.empty() || !spec.constraints.empty();
  std::vector<Point> points;
  points.reserve(raw.size());
  for (std::size_t i = 0; i < raw.size(); ++i) {
    Point pt;
    pt.index = i;
    pt.values = raw[i];
    for (std::size_t k = 0; k < spec.parameters.size(); ++k)
      pt.overrides.push_back(spec.parameters[k].key + "=" + pt.values[k].text);
    if (needs_tree) {
      YAML::Node tree = spec.point_tree();
      for (const auto& o : pt.overrides) spec.apply(tree, o);
      auto lookup = [&](const std::string& name) -> double {
        for (std::size_t k = 0; k < pt.values.size(); ++k) {
          if (columns[k] != name) continue;
          if (!pt.values[k].number)
            throw Error(fmt::format("'{}' is not a number at this point ('{}')", name, pt.values[k].text));
          return *pt.values[k].number;
        }
        return tree_number(tree, name);
      };
      for (const auto& c : spec.computed) {
        double v;
        try {
          v = c.expr.evaluate(lookup);
        } catch (const Error& e) {
          throw Error(fmt::format("{}: computed.{} at point {}: {}", spec.source, c.key, i, e.what()));
        }
        std::string text = format_number(v, false);
        const auto number = std::strtod(text.c_str(), nullptr);
        const std::string o = c.key + "=" + text;
        spec.apply(tree, o);
        pt.overrides.push_back(o);
        pt.values.push_back({std::move(text), number});
      }
      for (std::size_t k = 0; k < spec.constraints.size() && pt.skipped.empty(); ++k) {
        double ok;
        try {
          ok = spec.constraints[k].evaluate(lookup);
        } catch (const Error& e) {
          throw Error(fmt::format("{}: constraints[{}] at point {}: {}", spec.source, k, i, e.what()));
        }
        if (ok == 0) pt.skipped = fmt::format("violates constraint '{}'", spec.constraints[k].text());
      }
    }
    points.push_back(std::move(pt));
  }
  return points;
}

std::string fingerprint(const SweepSpec& spec, const std::vector<Point>& points) {
  Fnv1a64 hash;
  auto mix = [&](const std::string& text) { hash.add(text); };
  // The base chip by content (with `set` applied), so moving the files does not matter.
  YAML::Emitter chip;
  chip << spec.chip_tree;
  mix(chip.c_str());
  if (spec.has_cluster()) {  // only then, so that single-chip journals keep their fingerprint
    YAML::Emitter cluster;
    cluster << spec.cluster_tree;
    mix("cluster");
    mix(cluster.c_str());
  }
  auto where = [](const std::string& name) {
    std::error_code ec;
    if (name.empty() || !std::filesystem::is_regular_file(name, ec)) return name;
    return std::filesystem::weakly_canonical(name, ec).string();
  };
  mix(where(spec.workload));
  mix(where(spec.model));
  mix(where(spec.scenario));
  mix(spec.dataflow.value_or(""));
  mix(spec.compute_only ? "compute_only" : "");
  mix(to_string(spec.fidelity));
  mix(std::to_string(points.size()));
  for (const auto& p : points) {
    for (const auto& o : p.overrides) mix(o);
    mix(p.skipped.empty() ? "run" : "skip");
  }
  return fmt::format("{:016x}", hash.value());
}

}  // namespace tessera::sweep
