#include "sweep/runner.h"

#include <chrono>
#include <cmath>
#include <limits>

#include <fmt/core.h>

#include "cluster/cluster_config.h"
#include "cluster/step_simulator.h"
#include "base/types.h"
#include "models/config/chip_config.h"
#include "base/config/config_tree.h"
#include "workloads/workload_reader.h"

namespace tessera::sweep {

using nlohmann::json;

json PointResult::to_json() const {
  json m = json::array();
  for (const auto& x : metrics) {
    if (const double* d = std::get_if<double>(&x.value)) {
      // JSON has no NaN or infinity: those go as strings and come back as numbers.
      if (std::isfinite(*d)) m.push_back({x.key, *d, x.unit});
      else m.push_back({x.key, json{{"number", fmt::format("{}", *d)}}, x.unit});
    } else {
      m.push_back({x.key, std::get<std::string>(x.value), x.unit});
    }
  }
  return json{{"index", index}, {"status", status}, {"wall_s", wall_s}, {"error", error}, {"metrics", m}};
}

std::string PointResult::to_line() const {
  return to_json().dump(-1, ' ', false, json::error_handler_t::replace);
}

PointResult PointResult::from_json(const json& j) {
  try {
    PointResult r;
    r.index = j.at("index").get<std::uint64_t>();
    r.status = j.at("status").get<std::string>();
    if (r.status != "ok" && r.status != "failed") throw Error("bad status '" + r.status + "'");
    r.wall_s = j.at("wall_s").get<double>();
    r.error = j.at("error").get<std::string>();
    for (const auto& m : j.at("metrics")) {
      MetricValue v;
      v.key = m.at(0).get<std::string>();
      v.unit = m.at(2).get<std::string>();
      const json& val = m.at(1);
      if (val.is_number()) v.value = val.get<double>();
      else if (val.is_string()) v.value = val.get<std::string>();
      else if (val.is_object()) v.value = std::strtod(val.at("number").get<std::string>().c_str(), nullptr);
      else throw Error("bad metric value");
      r.metrics.push_back(std::move(v));
    }
    return r;
  } catch (const json::exception& e) {
    throw Error(fmt::format("not a sweep result record: {}", e.what()));
  }
}

PointRunner::PointRunner(const SweepSpec& spec) : spec_(spec) {
  workload_ = spec.model.empty() ? load_workload(spec.workload) : make_workload(spec.model, spec.scenario);
  if (spec.dataflow) options_.dataflow = parse_dataflow(*spec.dataflow);
  options_.compute_only = spec.compute_only;
  options_.fidelity = spec.fidelity;
  if (spec.has_cluster()) {
    // A generated trace describes one chip of its layout; the scenario says which layout.
    if (workload_.summary.scenario.empty())
      throw Error(fmt::format("{}: workload: a cluster sweep needs a generated trace (its scenario gives the parallel "
                              "layout), got '{}', which names no scenario",
                              spec.source, spec.workload_label()));
    layout_ = layout_of(workload_);
  }
}

std::vector<MetricValue> PointRunner::run_cluster(const YAML::Node& point_tree) const {
  YAML::Node cluster_tree;
  const YAML::Node chip_tree = split_point_tree(point_tree, cluster_tree);
  const ChipConfig chip = parse_chip_config(chip_tree, spec_.chip_path);
  const ClusterConfig cluster = parse_cluster_config(cluster_tree, spec_.cluster_path);
  // Operator timings depend on the chip, the options and the operator alone: keep them while the
  // points vary only the cluster.
  YAML::Emitter chip_text;
  chip_text << chip_tree;
  if (!timer_ || timer_chip_ != chip_text.c_str()) {
    timer_ = std::make_shared<OpTimer>(chip, options_);
    timer_chip_ = chip_text.c_str();
  }
  StepOptions step;
  step.chip = options_;
  StepSimulator sim(cluster, timer_, step);
  const StepReport rep = sim.run(workload_, layout_);
  const SimResult res = sim.to_result(workload_, rep);
  std::vector<MetricValue> metrics;
  for (const auto& m : res.summary.metrics()) metrics.push_back({m.key, m.value, m.unit});
  return metrics;
}

PointResult PointRunner::run(const Point& point) const {
  const auto start = std::chrono::steady_clock::now();
  PointResult r;
  r.index = point.index;
  try {
    YAML::Node tree = spec_.point_tree();
    for (const auto& o : point.overrides) spec_.apply(tree, o);
    if (spec_.has_cluster()) {
      r.metrics = run_cluster(tree);
    } else {
      const ChipConfig chip = parse_chip_config(tree, spec_.chip_path);
      const SimResult result = simulate(chip, workload_, options_);
      for (const auto& m : result.summary.metrics()) r.metrics.push_back({m.key, m.value, m.unit});
    }
    r.status = "ok";
  } catch (const DeadlockError& e) {
    r.status = "failed";
    r.error = fmt::format("deadlock: {}", e.what());
  } catch (const Error& e) {
    r.status = "failed";
    r.error = e.what();
  } catch (const std::exception& e) {
    r.status = "failed";
    r.error = fmt::format("internal error: {}", e.what());
  } catch (...) {
    r.status = "failed";
    r.error = "internal error: unknown exception";
  }
  if (r.status == "failed") r.metrics.clear();
  r.wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return r;
}

}  // namespace tessera::sweep
