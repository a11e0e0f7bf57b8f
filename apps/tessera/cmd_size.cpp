// tessera size: how many chips, in which parallel layout, meet a training or serving target.
#include <cmath>
#include <iostream>

#include <fmt/core.h>
#include <fmt/format.h>

#include "apps/tessera/cli_common.h"
#include "apps/tessera/commands.h"
#include "cluster/cluster_config.h"
#include "cluster/sizing.h"
#include "econ/deployment.h"
#include "base/version.h"
#include "models/config/chip_config.h"
#include "base/config/yaml_json.h"
#include "base/io/atomic_file.h"
#include "base/io/h5_file.h"
#include "base/io/hdf5_quiet.h"
#include "report/table_report.h"
#include "workloads/workload_reader.h"

namespace tessera::cli {
namespace {

constexpr const char* kDefaultCluster = "h100-1024";

/// "2e12", "300B", "1.5T", "15M" -> a count.
double parse_count(const std::string& option, const std::string& text) {
  char* end = nullptr;
  double v = std::strtod(text.c_str(), &end);
  const std::string suffix = end ? std::string(end) : "";
  if (suffix == "K" || suffix == "k") v *= 1e3;
  else if (suffix == "M") v *= 1e6;
  else if (suffix == "B" || suffix == "G") v *= 1e9;
  else if (suffix == "T") v *= 1e12;
  else if (!suffix.empty()) v = NAN;
  if (text.empty() || !std::isfinite(v) || v <= 0)
    throw Error(fmt::format("{}: expected a positive count such as 3e11, 300B or 1.5T, got '{}'", option, text));
  return v;
}

std::string money(double v, const std::string& currency) {
  if (v <= 0) return "-";
  if (v >= 1e6) return fmt::format("{:.2f}M {}", v / 1e6, currency);
  return fmt::format("{:.0f}k {}", v / 1e3, currency);
}

nlohmann::json candidate_json(const SizingCandidate& c) {
  return {{"layout", {{"tp", c.layout.tp}, {"pp", c.layout.pp}, {"dp", c.layout.dp}, {"ep", c.layout.ep}}},
          {"describe", c.describe()},
          {"micro_batch", c.micro_batch},
          {"recompute", c.recompute},
          {"zero", c.zero},
          {"batch", c.batch},
          {"replicas", c.replicas},
          {"chips", c.chips},
          {"status", c.status},
          {"reason", c.reason},
          {"memory_bytes_per_chip", c.memory_bytes},
          {"bound_throughput", c.bound_throughput},
          {"throughput", c.throughput},
          {"step_s", c.step_s},
          {"ttft_s", c.ttft_s},
          {"tpot_s", c.tpot_s},
          {"power_w", c.power_w},
          {"energy_per_token_j", c.energy_per_token_j},
          {"hardware_cost", c.hardware_cost},
          {"flops_utilisation", c.flops_utilisation},
          {"meets_target", c.meets_target},
          {"within_limits", c.within_limits},
          {"pareto", c.pareto}};
}

void write_h5(const std::string& path, const nlohmann::json& header, const SizingResult& r) {
  QuietHdf5 quiet;
  write_file_atomically(path, [&](const std::string& tmp) {
    h5::H5File f = h5::H5File::create(tmp);
    {
      h5::Handle meta = h5::create_group(f.root(), "meta");
      h5::write_string_attribute(meta, "tool_version", kVersion);
      h5::write_string_attribute(meta, "request", header.dump());
      h5::Handle summary = h5::create_group(f.root(), "summary");
      h5::write_double_attribute(summary, "required_throughput", r.required_throughput);
      h5::write_string_attribute(summary, "throughput_unit", r.throughput_unit);
      h5::write_int_attribute(summary, "recommended", r.recommended ? std::int64_t(*r.recommended) : -1);
      h5::Table t;
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
      t.add_ints("tp", ints([](auto& c) { return c.layout.tp; }))
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
          .add_doubles("ttft_s", doubles([](auto& c) { return c.ttft_s; }), "s")
          .add_doubles("tpot_s", doubles([](auto& c) { return c.tpot_s; }), "s")
          .add_doubles("power_w", doubles([](auto& c) { return c.power_w; }), "W")
          .add_doubles("energy_per_token_j", doubles([](auto& c) { return c.energy_per_token_j; }), "J/token")
          .add_doubles("hardware_cost", doubles([](auto& c) { return c.hardware_cost; }))
          .add_doubles("flops_utilisation", doubles([](auto& c) { return c.flops_utilisation; }), "fraction")
          .add_ints("meets_target", ints([](auto& c) { return c.meets_target; }))
          .add_ints("within_limits", ints([](auto& c) { return c.within_limits; }))
          .add_ints("pareto", ints([](auto& c) { return c.pareto; }));
      h5::write_table(f.root(), "candidates", t);
    }
    f.close();
  });
}

void print_table(const SizingResult& r, const SizingTarget& target, const std::string& title, const std::string& currency) {
  const bool training = r.kind == SizingKind::training;
  std::cout << fmt::format("Tessera {}  |  {}\n", kVersion, title);
  std::cout << fmt::format("target: {} {:.4g} {}{}\n\n", training ? "train at" : "serve", r.required_throughput,
                           r.throughput_unit,
                           training ? fmt::format(" ({:.4g} tokens in {:.4g} days)", target.train_tokens, target.days)
                                    : fmt::format(" (prompt {}, output {} tokens{}{})", target.prompt, target.output,
                                                  target.ttft_ms > 0 ? fmt::format(", TTFT <= {} ms", target.ttft_ms) : "",
                                                  target.tpot_ms > 0 ? fmt::format(", TPOT <= {} ms", target.tpot_ms) : ""));
  std::cout << "Simulated layouts (* = Pareto front over chips, throughput, latency, power, cost)\n";
  std::cout << fmt::format("  {:<1} {:<34} {:>6} {:>13} {:>10} {:>10} {:>9} {:>13} {:>5}  {}\n", "", "layout", "chips",
                           r.throughput_unit, training ? "step" : "TTFT", training ? "MFU" : "TPOT", "power",
                           "hardware", "meets", "note");
  std::cout << "  " << std::string(110, '-') << "\n";
  for (std::size_t i = 0; i < r.candidates.size(); ++i) {
    const auto& c = r.candidates[i];
    if (c.status != "simulated" && c.status != "failed") continue;
    std::cout << fmt::format(
        "  {:<1} {:<34} {:>6} {:>13.4g} {:>10} {:>10} {:>9} {:>13} {:>5}  {}\n", c.pareto ? "*" : "", c.describe(),
        c.chips, c.throughput, format_quantity(training ? c.step_s : c.ttft_s, "s"),
        training ? fmt::format("{:.1f}%", 100 * c.flops_utilisation) : format_quantity(c.tpot_s, "s"),
        format_quantity(c.power_w, "W"), money(c.hardware_cost, currency),
        c.status == "failed" ? "fail" : (c.meets_target && c.within_limits ? "yes" : "no"),
        (r.recommended && *r.recommended == i) ? "<- recommended" : c.reason.substr(0, 40));
  }
  std::cout << fmt::format("\n{} layouts considered: {} simulated, {} rejected (do not fit or invalid), {} pruned by bounds "
                           "or limits, {} not simulated\n",
                           r.candidates.size(), r.simulated, r.rejected, r.pruned,
                           r.candidates.size() - r.simulated - r.rejected - r.pruned);
  int shown = 0;
  for (const auto& c : r.candidates)
    if (c.status == "rejected" && shown < 3 && c.reason.find("HBM") != std::string::npos) {
      if (shown++ == 0) std::cout << "  e.g. rejected:\n";
      std::cout << fmt::format("    {}: {}\n", c.describe(), c.reason);
    }
  if (r.recommended) {
    const auto& c = r.candidates[*r.recommended];
    std::cout << fmt::format("\nRecommended: {} chips, {} ({:.4g} {}{})\n", c.chips, c.describe(), c.throughput,
                             r.throughput_unit, c.hardware_cost > 0 ? ", hardware " + money(c.hardware_cost, currency) : "");
  } else {
    std::cout << "\nNo simulated layout meets the target within the limits (see the notes above; raise --max-chips, "
                 "--max-simulations or relax the target).\n";
  }
}

}  // namespace

int cmd_size(int argc, char** argv) {
  std::string model, scenario, chip_name, cluster_name, format_text, deployment, tokens_text;
  std::vector<std::string> cluster_overrides;
  SizingTarget target;
  SizingLimits limits;
  SizingOptions options;
  double chip_price = 0;
  CommonOptions common;
  po::options_description desc("tessera size options");
  desc.add_options()("help,h", "show this help")
      ("model", po::value<std::string>(&model)->required(), "model card (configs/models) or HF config.json")
      ("scenario", po::value<std::string>(&scenario),
       "training: the step (seq_len, global_batch, dtypes; parallel degrees are searched); serving: optional, for "
       "dtypes and attention (a generate scenario also gives --prompt and --output)")
      ("cluster", po::value<std::string>(&cluster_name)->default_value(kDefaultCluster),
       "node and fabric template (configs/clusters); the number of nodes is chosen per layout")
      ("chip", po::value<std::string>(&chip_name), "chip config (default: the cluster's chip)")
      ("cluster-set", po::value<std::vector<std::string>>(&cluster_overrides)->composing(), "override a cluster key")
      ("train-tokens", po::value<std::string>(&tokens_text), "training target: tokens to train, e.g. 300B")
      ("days", po::value<double>(&target.days), "training target: in this many days")
      ("requests-per-s", po::value<double>(&target.requests_per_s), "serving target: requests per second")
      ("prompt", po::value<std::uint64_t>(&target.prompt), "serving: prompt tokens per request")
      ("output", po::value<std::uint64_t>(&target.output), "serving: output tokens per request")
      ("ttft-ms", po::value<double>(&target.ttft_ms)->default_value(0), "serving: time to first token limit (0 = none)")
      ("tpot-ms", po::value<double>(&target.tpot_ms)->default_value(0), "serving: time per output token limit (0 = none)")
      ("max-chips", po::value<std::uint32_t>(&limits.max_chips)->default_value(16384), "largest deployment")
      ("max-power-kw", po::value<double>(&limits.max_power_kw)->default_value(0), "power cap, chips and links (0 = none)")
      ("budget", po::value<double>(&limits.max_hardware_cost)->default_value(0), "hardware budget (0 = none)")
      ("deployment", po::value<std::string>(&deployment),
       "price chips from a deployment (configs/deployments): (server + network) / cards per server")
      ("chip-price", po::value<double>(&chip_price), "hardware cost per chip, USD (instead of --deployment)")
      ("max-simulations", po::value<std::uint32_t>(&options.max_simulations)->default_value(12),
       "layouts simulated at most (the rest are ranked by bounds)");
  add_common_options(desc, common, format_text);
  add_list_keys_option(desc);
  po::variables_map vm;
  if (!parse_command_line(argc, argv, desc, vm,
                          "usage: tessera size --model M --scenario S --train-tokens N --days D [limits]\n"
                          "       tessera size --model M --requests-per-s R --prompt P --output O [--ttft-ms X] "
                          "[--tpot-ms Y] [limits]\n\n"
                          "Searches chip counts and parallel layouts for a target, rejects layouts that do not fit in\n"
                          "memory, prunes with roofline bounds, simulates the most promising on the cluster model and\n"
                          "prints the Pareto front with the recommended layout (docs/cluster.md)."))
    return 0;
  common.format = parse_format(format_text);

  const bool training = vm.count("train-tokens") || vm.count("days");
  const bool serving = vm.count("requests-per-s");
  if (training == serving)
    throw Error("give one target: --train-tokens N --days D (training) or --requests-per-s R (serving)");
  options.model = resolve_model(model);
  if (training) {
    if (!vm.count("train-tokens") || !vm.count("days")) throw Error("a training target needs --train-tokens and --days");
    if (!vm.count("scenario")) throw Error("a training target needs --scenario (seq_len and global_batch of a step)");
    target.kind = SizingKind::training;
    target.train_tokens = parse_count("--train-tokens", tokens_text);
    options.scenario = resolve_scenario(scenario);
    if (options.scenario.kind != ScenarioKind::training)
      throw Error(fmt::format("--scenario: a training target needs a training scenario, got {}", to_string(options.scenario.kind)));
  } else {
    target.kind = SizingKind::serving;
    options.scenario = resolve_scenario(vm.count("scenario") ? scenario : "decode:batch=1,context=1");
    if (options.scenario.kind == ScenarioKind::generate) {
      if (!vm.count("prompt")) target.prompt = options.scenario.prompt;
      if (!vm.count("output")) target.output = options.scenario.output;
    } else if (options.scenario.kind == ScenarioKind::training) {
      throw Error("--scenario: a serving target needs an inference scenario (prefill, decode or generate)");
    }
  }

  const ClusterConfig cluster = load_cluster_config(cluster_name, cluster_overrides);
  options.fabric = cluster;
  options.chip = load_chip_config(vm.count("chip") ? chip_name : cluster.chip, common.overrides);
  if (vm.count("deployment") && vm.count("chip-price")) throw Error("give --deployment or --chip-price, not both");
  if (vm.count("deployment")) {
    const econ::Deployment d = econ::load_deployment(find_config("deployments", deployment));
    options.currency = d.currency_text;
    options.chip_price = (d.capex.server_price.amount() + d.capex.network_storage_per_server.amount()) /
                         double(d.hardware.cards_per_server);
  } else if (vm.count("chip-price")) {
    if (!(chip_price > 0)) throw Error(fmt::format("--chip-price: expected a positive price, got {}", chip_price));
    options.chip_price = chip_price;
  }
  if (limits.max_hardware_cost > 0 && options.chip_price <= 0)
    throw Error("--budget needs a chip price: give --deployment or --chip-price");

  StatusLine status;
  options.progress = [&status](const std::string& text) { status.show(text); };
  const SizingResult result = size_cluster(options, target, limits);

  nlohmann::json header = {{"tool_version", kVersion},
                           {"model", options.model.name},
                           {"scenario", to_spec(options.scenario)},
                           {"chip", {{"name", options.chip.name}, {"config", yaml_to_json(to_yaml(options.chip))}}},
                           {"cluster", {{"name", cluster.name}, {"config", yaml_to_json(to_yaml(cluster))}}},
                           {"target",
                            {{"kind", training ? "training" : "serving"},
                             {"train_tokens", target.train_tokens},
                             {"days", target.days},
                             {"requests_per_s", target.requests_per_s},
                             {"prompt", target.prompt},
                             {"output", target.output},
                             {"ttft_ms", target.ttft_ms},
                             {"tpot_ms", target.tpot_ms}}},
                           {"limits",
                            {{"max_chips", limits.max_chips},
                             {"max_power_kw", limits.max_power_kw},
                             {"budget", limits.max_hardware_cost}}},
                           {"chip_price", options.chip_price},
                           {"currency", options.currency}};
  if (!common.out.empty()) write_h5(common.out, header, result);
  if (common.format == OutputFormat::json) {
    nlohmann::json doc = header;
    doc["format_version"] = 1;
    doc["required_throughput"] = result.required_throughput;
    doc["throughput_unit"] = result.throughput_unit;
    doc["recommended"] = result.recommended ? nlohmann::json(*result.recommended) : nlohmann::json();
    nlohmann::json cs = nlohmann::json::array();
    for (const auto& c : result.candidates) cs.push_back(candidate_json(c));
    doc["candidates"] = std::move(cs);
    print_json(doc);
  } else {
    print_table(result, target,
                fmt::format("{} on {} ({}), {}", options.model.name, options.chip.name, cluster.name,
                            training ? to_spec(options.scenario) : "serving"),
                options.currency);
    if (!common.out.empty()) std::cout << "results: " << common.out << "\n";
  }
  return 0;
}

}  // namespace tessera::cli
