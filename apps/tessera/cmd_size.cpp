// tessera size: how many chips, in which parallel layout, meet a training or serving target.
// Parses the target and limits, runs the search (cluster/sizing.h) and writes its document
// (cluster/sizing_result.h): table or JSON on stdout, HDF5 with --out.
#include <cmath>
#include <iostream>

#include <fmt/core.h>
#include <fmt/format.h>

#include "apps/tessera/cli_common.h"
#include "apps/tessera/commands.h"
#include "apps/tessera/sim_output.h"
#include "cluster/cluster_config.h"
#include "cluster/sizing.h"
#include "cluster/sizing_result.h"
#include "econ/deployment.h"
#include "models/config/chip_config.h"
#include "sim/op_table.h"
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
      ("prompt", whole_number(&target.prompt, "prompt", 1, 1 << 24), "serving: prompt tokens per request")
      ("output", whole_number(&target.output, "output", 1, 1 << 24), "serving: output tokens per request")
      ("ttft-ms", po::value<double>(&target.ttft_ms)->default_value(0), "serving: time to first token limit (0 = none)")
      ("tpot-ms", po::value<double>(&target.tpot_ms)->default_value(0), "serving: time per output token limit (0 = none)")
      ("max-chips", whole_number(&limits.max_chips, "max-chips", 1, 1 << 24)->default_value("16384"), "largest deployment")
      ("max-power-kw", po::value<double>(&limits.max_power_kw)->default_value(0), "power cap, chips and links (0 = none)")
      ("budget", po::value<double>(&limits.max_hardware_cost)->default_value(0), "hardware budget (0 = none)")
      ("deployment", po::value<std::string>(&deployment),
       "price chips from a deployment (configs/deployments): (server + network) / cards per server")
      ("chip-price", po::value<double>(&chip_price), "hardware cost per chip, USD (instead of --deployment)")
      ("max-simulations", whole_number(&options.max_simulations, "max-simulations", 1, 100000)->default_value("12"),
       "layouts simulated at most (the rest are ranked by bounds)");
  std::string op_cache;
  desc.add_options()("op-cache", po::value<std::string>(&op_cache),
                     "keep the operator-timing table in directory DIR: a later search reuses what this one simulated");
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
  if (!op_cache.empty()) shared_op_table().set_cache_dir(op_cache);
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

  const ResultDocument doc = sizing_document(options, target, limits, result);
  emit_document(doc, common);
  return 0;
}

}  // namespace tessera::cli
