// tessera collective: time one collective (or a sweep over message sizes) on a cluster.
#include <iostream>
#include <optional>

#include <fmt/core.h>

#include "apps/tessera/cli_common.h"
#include "apps/tessera/commands.h"
#include "cluster/cluster_config.h"
#include "cluster/collectives.h"
#include "models/config/chip_config.h"
#include "base/types.h"
#include "base/config/config_tree.h"

namespace tessera::cli {
namespace {

Bytes parse_size(const std::string& option, const std::string& text) {
  const auto v = parse_byte_size(text);
  if (!v || *v == 0)
    throw Error(fmt::format("{}: expected a byte size such as 4096, 1MiB or 16GiB, got '{}'", option, text));
  return *v;
}

/// "1GiB" -> {1GiB}; "1MiB:16GiB:x2" -> 1, 2, 4, ... 16384 MiB.
std::vector<Bytes> parse_sizes(const std::string& text) {
  const auto a = text.find(':');
  if (a == std::string::npos) return {parse_size("--bytes", text)};
  const auto b = text.find(':', a + 1);
  const std::string expected = "--bytes: expected SIZE or FROM:TO:xFACTOR (e.g. 1MiB:16GiB:x2)";
  if (b == std::string::npos || b + 2 > text.size() || text[b + 1] != 'x')
    throw Error(fmt::format("{}, got '{}'", expected, text));
  const Bytes from = parse_size("--bytes", text.substr(0, a)), to = parse_size("--bytes", text.substr(a + 1, b - a - 1));
  char* end = nullptr;
  const std::string factor_text = text.substr(b + 2);
  const unsigned long factor = std::strtoul(factor_text.c_str(), &end, 10);
  if (factor_text.empty() || *end != '\0' || factor < 2 || from > to)
    throw Error(fmt::format("{} with FROM <= TO and an integer FACTOR >= 2, got '{}'", expected, text));
  std::vector<Bytes> sizes;
  for (Bytes s = from; s <= to; s *= factor) {
    sizes.push_back(s);
    if (sizes.size() > 64) break;
  }
  return sizes;
}

}  // namespace

int cmd_collective(int argc, char** argv) {
  std::string cluster_name, op_text, algo_text, bytes_text, format_text, slice_text;
  std::uint32_t chips = 0;
  std::vector<std::string> overrides;
  po::options_description desc("tessera collective options");
  desc.add_options()("help,h", "show this help")
      ("cluster", po::value<std::string>(&cluster_name)->required(), "cluster name (configs/clusters) or YAML path")
      ("op", po::value<std::string>(&op_text)->default_value("all_reduce"),
       "all_reduce, all_gather, reduce_scatter, all_to_all, broadcast or send_recv")
      ("bytes", po::value<std::string>(&bytes_text)->default_value("1GiB"),
       "message size as nccl-tests counts it (e.g. 1GiB), or a sweep FROM:TO:xFACTOR (e.g. 1MiB:16GiB:x2)")
      ("algorithm", po::value<std::string>(&algo_text),
       "ring, tree, hierarchical or direct (default: direct for all_to_all and send_recv, ring otherwise)")
      ("chips", whole_number(&chips, "chips")->default_value("0"), "use the first N chips only (0 = all)")
      ("slice", po::value<std::string>(&slice_text)->default_value("1MiB"),
       "pipelining slice size (0 = none: each step moves its whole chunk at once)")
      ("format", po::value<std::string>(&format_text)->default_value("table"), "table or json")
      ("set", po::value<std::vector<std::string>>(&overrides)->composing(),
       "override a cluster config key, e.g. --set scale_out.oversubscription=2 (repeatable)");
  po::variables_map vm;
  if (!parse_command_line(argc, argv, desc, vm,
                          "usage: tessera collective --cluster C [--op all_reduce] [--bytes 1GiB | 1MiB:16GiB:x2] "
                          "[--algorithm ring|tree|hierarchical|direct] [--format json]\n\n"
                          "Times a collective built from point-to-point transfers on the cluster fabric and prints "
                          "time, algorithm bandwidth and bus bandwidth (nccl-tests definitions)."))
    return 0;
  const OutputFormat format = parse_format(format_text);
  const auto kind = parse_collective_kind(op_text);
  if (!kind)
    throw Error(fmt::format("--op: expected all_reduce, all_gather, reduce_scatter, all_to_all, broadcast or "
                            "send_recv, got '{}'",
                            op_text));
  Algorithm algo = (*kind == CollectiveKind::all_to_all || *kind == CollectiveKind::send_recv) ? Algorithm::direct
                                                                                              : Algorithm::ring;
  if (vm.count("algorithm")) {
    const auto a = parse_algorithm(algo_text);
    if (!a) throw Error(fmt::format("--algorithm: expected ring, tree, hierarchical or direct, got '{}'", algo_text));
    algo = *a;
  }
  CollectiveOptions opts;
  if (slice_text != "0") opts.slice_bytes = parse_size("--slice", slice_text);
  else opts.slice_bytes = 0;
  const auto sizes = parse_sizes(bytes_text);
  const ClusterConfig cfg = load_cluster_config(cluster_name, overrides);
  if (chips > cfg.chips()) throw Error(fmt::format("--chips: expected at most {} (the cluster's chips), got {}", cfg.chips(), chips));
  std::vector<std::uint32_t> group(chips);
  for (std::uint32_t c = 0; c < chips; ++c) group[c] = c;
  // Link energy comes from the cluster's chip config (power.c2c_pj_per_bit); a cluster whose
  // chip has no config gets no energy column.
  std::optional<double> pj_per_bit;
  std::string no_energy_reason;
  try {
    const ChipConfig chip = load_chip_config(cfg.chip);
    pj_per_bit = chip.power.c2c_pj_per_bit * chip.calibration.dynamic_energy_scale;
  } catch (const Error& e) {
    no_energy_reason = e.what();
  }

  nlohmann::json rows = nlohmann::json::array();
  if (format == OutputFormat::table) {
    std::cout << fmt::format("{}: {} on {} chips ({} nodes x {}), algorithm {}\n", cfg.name, to_string(*kind),
                             chips ? chips : cfg.chips(), cfg.nodes, cfg.chips_per_node, to_string(algo));
    if (!pj_per_bit) std::cout << "link energy: n/a (" << no_energy_reason << ")\n";
    std::cout << fmt::format("{:>16} {:>14} {:>14} {:>14} {:>10} {:>14}\n", "bytes", "time (us)", "algbw (GB/s)",
                             "busbw (GB/s)", "transfers", "link energy (J)");
  }
  for (Bytes s : sizes) {
    const CollectiveResult r = run_collective(cfg, *kind, algo, s, group, opts);
    if (format == OutputFormat::table) {
      std::cout << fmt::format("{:>16} {:>14.3f} {:>14.2f} {:>14.2f} {:>10} {:>14}\n", s, r.seconds * 1e6,
                               r.algbw_bytes_per_s / 1e9, r.busbw_bytes_per_s / 1e9, r.transfers,
                               pj_per_bit ? fmt::format("{:.4g}", link_energy_j(r, *pj_per_bit)) : "n/a");
    } else {
      rows.push_back({{"bytes", s},
                      {"seconds", r.seconds},
                      {"algbw_gb_per_s", r.algbw_bytes_per_s / 1e9},
                      {"busbw_gb_per_s", r.busbw_bytes_per_s / 1e9},
                      {"transfers", r.transfers},
                      {"fabric_bytes", r.fabric_bytes},
                      {"port_bytes", r.port_bytes},
                      {"link_energy_j", pj_per_bit ? nlohmann::json(link_energy_j(r, *pj_per_bit)) : nlohmann::json()}});
    }
  }
  if (format == OutputFormat::json)
    print_json({{"cluster", cfg.name},
                {"op", to_string(*kind)},
                {"algorithm", to_string(algo)},
                {"ranks", chips ? chips : cfg.chips()},
                {"results", rows}});
  return 0;
}

}  // namespace tessera::cli
