// tessera trace: generate transformer traces from a model and a scenario, inspect them, and
// convert between the JSON and HDF5 forms.
#include <chrono>
#include <iostream>
#include <string>
#include <vector>

#include <fmt/core.h>

#include "apps/tessera/cli_common.h"
#include "apps/tessera/commands.h"
#include "base/types.h"
#include "workloads/trace_io.h"
#include "workloads/workload_reader.h"
#include "workloads/workload_stats.h"

namespace tessera::cli {

namespace {

constexpr const char* kUsage =
    "usage: tessera trace <subcommand> [options]\n\n"
    "subcommands:\n"
    "  gen      generate a trace: tessera trace gen --model M --scenario S -o F\n"
    "  info     parameter count, FLOPs, memory footprint and operator mix of a trace or operator list\n"
    "  convert  convert a trace between JSON and HDF5 (by the output's extension)\n\n"
    "Models are names under configs/models, HF config.json files or YAML cards; scenarios are names\n"
    "under configs/scenarios, YAML files or inline specs such as \"decode:batch=16,context=2048\"\n"
    "(docs/workloads.md). Trace format: docs/trace-format.md.";

// Runs a subcommand's parser with argv[0] reading "tessera trace <sub>" in messages.
bool parse_sub(int argc, char** argv, const po::options_description& desc, po::variables_map& vm,
               const std::string& usage, const po::positional_options_description* pos = nullptr) {
  std::string prog = std::string("tessera trace ") + argv[0];
  std::vector<char*> args(argv, argv + argc);
  args[0] = prog.data();
  return parse_command_line(argc, args.data(), desc, vm, usage, pos);
}

std::string si(double v, const char* unit) {
  const char* prefixes[] = {"", "k", "M", "G", "T", "P", "E"};
  int i = 0;
  while (std::abs(v) >= 1000 && i < 6) {
    v /= 1000;
    ++i;
  }
  return fmt::format("{:.4g} {}{}", v, prefixes[i], unit);
}

std::string bytes(Bytes b) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
  double v = static_cast<double>(b);
  int i = 0;
  while (v >= 1024 && i < 5) {
    v /= 1024;
    ++i;
  }
  return i == 0 ? fmt::format("{} B", b) : fmt::format("{:.4g} {}", v, units[i]);
}

int trace_gen(int argc, char** argv) {
  std::string model, scenario, out;
  po::options_description desc("options");
  desc.add_options()("help,h", "show this help")
      ("model,m", po::value<std::string>(&model)->required(),
       "model: name under configs/models (e.g. llama-2-7b), HF config.json or YAML card")
      ("scenario,s", po::value<std::string>(&scenario)->required(),
       "scenario: name under configs/scenarios, YAML file, or inline spec \"kind:key=value,...\"")
      ("out,o", po::value<std::string>(&out)->required(), "output trace: .json, or .h5/.hdf5 for HDF5");
  po::variables_map vm;
  if (!parse_sub(argc, argv, desc, vm, "usage: tessera trace gen --model M --scenario S -o F")) return 0;
  const auto start = std::chrono::steady_clock::now();
  const Workload w = make_workload(model, scenario);
  const double gen_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  write_trace(w, out);
  const WorkloadStats st = workload_stats(w);
  std::cout << fmt::format("wrote {}: {} operators, {} ({}), generated in {:.3f} s\n", out, w.ops.size(),
                           si(st.total.flops, "FLOP"), w.summary.scenario, gen_s);
  return 0;
}

nlohmann::ordered_json group_json(const OpGroup& g, double total_flops) {
  return {{"key", g.key},
          {"count", g.count},
          {"flops", g.flops},
          {"flops_share", total_flops > 0 ? g.flops / total_flops : 0.0},
          {"bytes_read", g.bytes_read},
          {"bytes_written", g.bytes_written},
          {"collective_bytes", g.collective_bytes}};
}

void print_groups(const std::string& title, const std::vector<OpGroup>& groups, double total, std::size_t limit) {
  std::cout << fmt::format("\n{}\n  {:<28} {:>9} {:>14} {:>7} {:>12} {:>12}\n", title, "", "ops", "FLOPs", "share",
                           "read", "written");
  for (std::size_t i = 0; i < groups.size() && i < limit; ++i) {
    const OpGroup& g = groups[i];
    std::cout << fmt::format("  {:<28} {:>9} {:>14} {:>6.2f}% {:>12} {:>12}\n", g.key, g.count, si(g.flops, "FLOP"),
                             total > 0 ? 100 * g.flops / total : 0.0, bytes(g.bytes_read), bytes(g.bytes_written));
  }
  if (groups.size() > limit) std::cout << fmt::format("  ... {} more\n", groups.size() - limit);
}

int trace_info(int argc, char** argv) {
  std::string file, format_text;
  std::size_t top = 12;
  po::options_description desc("options");
  desc.add_options()("help,h", "show this help")
      ("trace", po::value<std::string>(&file)->required(), "trace (JSON or HDF5) or operator list")
      ("format", po::value<std::string>(&format_text)->default_value("table"), "output: table or json")
      ("top", whole_number(&top, "top")->default_value("12"), "operator labels to list, most FLOPs first");
  po::positional_options_description pos;
  pos.add("trace", 1);
  po::variables_map vm;
  if (!parse_sub(argc, argv, desc, vm, "usage: tessera trace info F [--format table|json]", &pos)) return 0;
  const OutputFormat format = parse_format(format_text);
  const Workload w = load_workload(file);
  const WorkloadStats st = workload_stats(w);
  const WorkloadSummary& s = w.summary;
  const double total = st.total.flops;
  const Bytes footprint = s.weight_bytes + s.kv_cache_bytes + s.activation_bytes + s.gradient_bytes + s.optimizer_bytes;

  if (format == OutputFormat::json) {
    nlohmann::ordered_json doc = trace_header_to_json(w);
    doc["file"] = file;
    doc["operators"] = w.ops.size();
    doc["flops"] = {{"total", total},
                    {"gemm", st.gemm_flops},
                    {"per_token", w.tokens > 0 ? total / w.tokens : 0.0}};
    doc["bytes_read"] = st.total.bytes_read;
    doc["bytes_written"] = st.total.bytes_written;
    doc["memory_footprint_bytes"] = footprint;
    auto list = [&](const std::vector<OpGroup>& groups, std::size_t limit) {
      auto a = nlohmann::ordered_json::array();
      for (std::size_t i = 0; i < groups.size() && i < limit; ++i) a.push_back(group_json(groups[i], total));
      return a;
    };
    doc["by_kind"] = list(st.by_kind, SIZE_MAX);
    doc["by_phase"] = list(st.by_phase, SIZE_MAX);
    doc["top_operators"] = list(st.by_name, top);
    doc["collectives"] = list(st.collectives, SIZE_MAX);
    std::cout << doc.dump(2) << "\n";  // ordered keys: header first, as in the trace
    return 0;
  }

  std::cout << fmt::format("trace       {}\nname        {}\nsource      {}\n", file, w.name, w.source);
  if (!s.model.empty()) std::cout << fmt::format("model       {}\nscenario    {}\n", s.model, s.scenario);
  std::cout << fmt::format("operators   {}\ntokens      {}\nsamples     {}\n", w.ops.size(), w.tokens, w.samples);
  if (s.parameters > 0)
    std::cout << fmt::format("parameters  {} ({}), active per token {} ({})\n", si(static_cast<double>(s.parameters), ""),
                             s.parameters, si(static_cast<double>(s.active_parameters), ""), s.active_parameters);
  std::cout << fmt::format("FLOPs       {} (matrix {:.2f}%)", si(total, "FLOP"),
                           total > 0 ? 100 * st.gemm_flops / total : 0.0);
  if (w.tokens > 0) std::cout << fmt::format(", {} per token", si(total / w.tokens, "FLOP"));
  std::cout << fmt::format("\nmemory      {} read, {} written (each operator's operands once)\n",
                           bytes(st.total.bytes_read), bytes(st.total.bytes_written));
  if (footprint > 0)
    std::cout << fmt::format("footprint   {} per chip: weights {}, KV cache {}, activations {}, gradients {}, "
                             "optimizer state {}\n", bytes(footprint), bytes(s.weight_bytes), bytes(s.kv_cache_bytes),
                             bytes(s.activation_bytes), bytes(s.gradient_bytes), bytes(s.optimizer_bytes));
  print_groups("operator mix by kind", st.by_kind, total, SIZE_MAX);
  print_groups("by phase", st.by_phase, total, SIZE_MAX);
  print_groups(fmt::format("top {} operator labels by FLOPs", top), st.by_name, total, top);
  if (!st.collectives.empty()) {
    std::cout << fmt::format("\ncollectives (kind/group)\n  {:<28} {:>9} {:>14}\n", "", "ops", "bytes");
    for (const OpGroup& g : st.collectives)
      std::cout << fmt::format("  {:<28} {:>9} {:>14}\n", g.key, g.count, bytes(g.collective_bytes));
  }
  return 0;
}

int trace_convert(int argc, char** argv) {
  std::string in, out;
  po::options_description desc("options");
  desc.add_options()("help,h", "show this help")
      ("input", po::value<std::string>(&in)->required(), "trace to read (JSON or HDF5)")
      ("output", po::value<std::string>(&out)->required(), "trace to write: .json, or .h5/.hdf5 for HDF5");
  po::positional_options_description pos;
  pos.add("input", 1).add("output", 1);
  po::variables_map vm;
  if (!parse_sub(argc, argv, desc, vm, "usage: tessera trace convert IN OUT", &pos)) return 0;
  const Workload w = load_workload(in);
  write_trace(w, out);
  std::cout << fmt::format("wrote {}: {} operators\n", out, w.ops.size());
  return 0;
}

}  // namespace

int cmd_trace(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << kUsage << "\n";
    return 2;
  }
  const std::string sub = argv[1];
  if (sub == "--help" || sub == "-h") {
    std::cout << kUsage << "\n";
    return 0;
  }
  if (sub == "gen") return trace_gen(argc - 1, argv + 1);
  if (sub == "info") return trace_info(argc - 1, argv + 1);
  if (sub == "convert") return trace_convert(argc - 1, argv + 1);
  throw Error(fmt::format("unknown subcommand '{}' (expected gen, info or convert; see 'tessera trace --help')", sub));
}

}  // namespace tessera::cli
