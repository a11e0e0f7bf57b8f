#include "cluster/sizing_result.h"

#include <fmt/format.h>

#include "base/version.h"

namespace tessera {

namespace {

/// The target as summary metrics, each with its unit.
void set_target(Summary& s, const SizingTarget& t) {
  if (t.kind == SizingKind::training) {
    s.set_text("target", "training", "train train_tokens tokens in days days");
    s.set("train_tokens", t.train_tokens, "tokens", "tokens to train");
    s.set("days", t.days, "days", "in this many days");
    return;
  }
  s.set_text("target", "serving", "serve requests_per_s requests within the latency limits");
  s.set("requests_per_s", t.requests_per_s, "requests/s", "requests per second to serve");
  s.set("prompt", double(t.prompt), "tokens", "prompt tokens per request");
  s.set("output", double(t.output), "tokens", "output tokens per request");
  if (t.ttft_ms > 0) s.set("ttft_limit_s", t.ttft_ms / 1e3, "s", "time to first token limit");
  if (t.tpot_ms > 0) s.set("tpot_limit_s", t.tpot_ms / 1e3, "s", "time per output token limit");
}

ResultTable candidates_table(const SizingResult& r, const std::string& currency) {
  const auto& cs = r.candidates;
  auto ints = [&](auto get) {
    std::vector<std::int64_t> v;
    for (const auto& c : cs) v.push_back(static_cast<std::int64_t>(get(c)));
    return v;
  };
  auto doubles = [&](auto get) {
    std::vector<double> v;
    for (const auto& c : cs) v.push_back(get(c));
    return v;
  };
  auto strings = [&](auto get) {
    std::vector<std::string> v;
    for (const auto& c : cs) v.push_back(get(c));
    return v;
  };
  std::vector<std::string> note;
  for (std::size_t i = 0; i < cs.size(); ++i)
    note.push_back(r.recommended && *r.recommended == i ? "<- recommended" : cs[i].reason.substr(0, 160));

  ResultTable t;
  t.name = "candidates";
  t.title = "Layouts (front * = Pareto front over chips, throughput, latency, power, cost)";
  t.columns.add_strings("front", strings([](auto& c) { return c.pareto ? "*" : ""; }))
      .add_strings("layout", strings([](auto& c) { return c.describe(); }))
      .add_ints("tp", ints([](auto& c) { return c.layout.tp; }))
      .add_ints("pp", ints([](auto& c) { return c.layout.pp; }))
      .add_ints("dp", ints([](auto& c) { return c.layout.dp; }))
      .add_ints("ep", ints([](auto& c) { return c.layout.ep; }))
      .add_ints("micro_batch", ints([](auto& c) { return c.micro_batch; }))
      .add_ints("recompute", ints([](auto& c) { return c.recompute; }))
      .add_ints("zero", ints([](auto& c) { return c.zero; }))
      .add_ints("batch", ints([](auto& c) { return c.batch; }))
      .add_ints("replicas", ints([](auto& c) { return c.replicas; }))
      .add_ints("chips", ints([](auto& c) { return c.chips; }))
      .add_strings("status", strings([](auto& c) { return c.status; }))
      .add_strings("reason", strings([](auto& c) { return c.reason.substr(0, 160); }))
      .add_doubles("memory_per_chip", doubles([](auto& c) { return c.memory_bytes; }), "B")
      .add_doubles("bound_throughput", doubles([](auto& c) { return c.bound_throughput; }), r.throughput_unit)
      .add_doubles("throughput", doubles([](auto& c) { return c.throughput; }), r.throughput_unit)
      .add_doubles("step_s", doubles([](auto& c) { return c.step_s; }), "s")
      .add_doubles("prefill_s", doubles([](auto& c) { return c.prefill_s; }), "s")
      .add_doubles("ttft_s", doubles([](auto& c) { return c.ttft_s; }), "s")
      .add_doubles("tpot_s", doubles([](auto& c) { return c.tpot_s; }), "s")
      .add_doubles("power_w", doubles([](auto& c) { return c.power_w; }), "W")
      .add_doubles("energy_per_token_j", doubles([](auto& c) { return c.energy_per_token_j; }), "J/token")
      .add_doubles("hardware_cost", doubles([](auto& c) { return c.hardware_cost; }), currency)
      .add_doubles("matrix_utilisation", doubles([](auto& c) { return c.flops_utilisation; }), "fraction")
      .add_ints("meets_target", ints([](auto& c) { return c.meets_target; }))
      .add_ints("within_limits", ints([](auto& c) { return c.within_limits; }))
      .add_ints("pareto", ints([](auto& c) { return c.pareto; }))
      .add_strings("meets", strings([](auto& c) {
        return c.status == "failed" ? "fail" : c.status != "simulated" ? "" : c.meets_target && c.within_limits ? "yes" : "no";
      }))
      .add_strings("note", std::move(note));
  if (r.kind == SizingKind::training)
    t.shown = {"front", "layout", "chips", "throughput", "step_s", "matrix_utilisation", "power_w", "hardware_cost", "meets", "note"};
  else
    t.shown = {"front", "layout", "chips", "throughput", "ttft_s", "tpot_s", "power_w", "hardware_cost", "meets", "note"};
  // Simulated (and failed) layouts come first; the terminal lists those.
  t.max_rows = 0;
  for (const auto& c : cs)
    if (c.status == "simulated" || c.status == "failed") ++t.max_rows;
  return t;
}

}  // namespace

ResultDocument sizing_document(const SizingOptions& options, const SizingTarget& target,
                               const SizingLimits& limits, const SizingResult& result) {
  const bool training = target.kind == SizingKind::training;
  ResultDocument doc;
  doc.job = "size";
  doc.title = fmt::format("{} on {} ({}), {}", options.model.name, options.chip.name, options.fabric.name,
                          training ? to_spec(options.scenario) : "serving");
  doc.format = kSizingFormat;
  doc.format_version = kSizingFormatVersion;
  doc.tool_version = kVersion;
  doc.inputs = {ResultInput::value_input("model", options.model.name),
                ResultInput::value_input("scenario", to_spec(options.scenario)),
                ResultInput::config_input("chip", options.chip.name, to_yaml(options.chip)),
                ResultInput::config_input("cluster", options.fabric.name, to_yaml(options.fabric)),
                ResultInput::value_input("target", {{"kind", training ? "training" : "serving"},
                                                    {"train_tokens", target.train_tokens},
                                                    {"days", target.days},
                                                    {"requests_per_s", target.requests_per_s},
                                                    {"prompt", target.prompt},
                                                    {"output", target.output},
                                                    {"ttft_ms", target.ttft_ms},
                                                    {"tpot_ms", target.tpot_ms}}),
                ResultInput::value_input("limits", {{"max_chips", limits.max_chips},
                                                    {"max_power_kw", limits.max_power_kw},
                                                    {"budget", limits.max_hardware_cost}}),
                ResultInput::value_input("chip_price", options.chip_price),
                ResultInput::value_input("currency", options.currency)};

  Summary& s = doc.summary;
  const std::size_t n = result.candidates.size();
  set_target(s, target);
  s.set("required_throughput", result.required_throughput, result.throughput_unit, "throughput the target needs");
  s.set_text("throughput_unit", result.throughput_unit, "what throughput counts");
  s.set("layouts", double(n), "count", "layouts considered");
  s.set("simulated", double(result.simulated), "count", "layouts simulated on the cluster model");
  s.set("rejected", double(result.rejected), "count", "layouts that do not fit in memory or are invalid");
  s.set("pruned", double(result.pruned), "count", "layouts pruned by roofline bounds or limits");
  s.set("not_simulated", double(n - result.simulated - result.rejected - result.pruned), "count",
        "layouts left after --max-simulations");
  s.set("recommended", result.recommended ? double(*result.recommended) : -1.0, "",
        "row of the recommended layout in candidates (-1: none meets the target within the limits)");
  if (result.recommended) {
    const SizingCandidate& c = result.candidates[*result.recommended];
    s.set_text("recommended_layout", c.describe(), "fewest chips that meet the target, then cost, then throughput");
    s.set("recommended_chips", double(c.chips), "count", "chips of the recommended layout");
    s.set("recommended_throughput", c.throughput, result.throughput_unit, "simulated throughput of the recommended layout");
    if (c.hardware_cost > 0)
      s.set("recommended_hardware_cost", c.hardware_cost, options.currency, "chips x chip price");
  } else {
    s.set_text("recommended_layout", "none",
               "no simulated layout meets the target within the limits: raise --max-chips, --max-simulations or relax the target");
  }
  doc.tables.push_back(candidates_table(result, options.currency));
  return doc;
}

}  // namespace tessera
