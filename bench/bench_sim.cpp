// Simulator speed benchmark: wall time, simulated cycles per second and SystemC events per
// second for the reference cases, and the serving simulation's wall time cold and warm.
// Usage: tessera_bench [--repeat N] [--case NAME] [--json]
#include <array>
#include <chrono>
#include <cstring>
#include <iostream>
#include <string>
#include <vector>

#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include "base/version.h"
#include "models/config/chip_config.h"
#include "cluster/cluster_config.h"
#include "serving/iteration_timer.h"
#include "serving/request_stream.h"
#include "serving/serving_sim.h"
#include "sim/op_table.h"
#include "sim/simulation.h"
#include "workloads/workload_reader.h"

using namespace tessera;

namespace {

struct Case {
  std::string name;
  std::string chip;
  Workload (*make)();
  Fidelity fidelity = Fidelity::cycle;
};

Workload gemm_8192() {
  Workload w;
  w.name = "gemm 8192x8192x8192 bf16";
  Operator op;
  op.id = "gemm";
  op.kind = OpKind::gemm;
  op.m = op.n = op.k = 8192;
  w.ops.push_back(op);
  return w;
}

Workload decode_layer_7b() {
  // One decoder layer of a 7B-class model in decode, batch 16, context 2048 (the shipped default workload).
  return load_workload(std::string(kSourceDir) + "/configs/workloads/default.yaml");
}

Workload decode_step_7b() {
  // A whole Llama-2-7B decode step (32 layers, 452 operators), batch 1, context 512.
  return make_workload("llama-2-7b", "decode:batch=1,context=512");
}

const std::vector<Case>& cases() {
  static const std::vector<Case> all = {
      {"gemm-8192-bf16", "h100", gemm_8192},
      {"decode-layer-7b-b16-ctx2048", "h100", decode_layer_7b},
      {"decode-step-llama-2-7b-b1-ctx512", "h100", decode_step_7b},
      {"decode-step-llama-2-7b-b1-ctx512-full", "h100", decode_step_7b, Fidelity::cycle_full},
  };
  return all;
}

// Serving: ten minutes of simulated chat traffic (configs/serving/chat.yaml lengths). Llama-3-8B
// on one H100 at 20 requests/s, about 80% of the 25.5 requests/s that `tessera serve
// --find-capacity --ttft-p99-ms 1000 --tpot-p99-ms 50` finds; Llama-3-70B on 8 H100 at 8
// requests/s, an assumed moderate load (no capacity search behind it).
struct ServeCase {
  std::string name;
  std::string model, chip, cluster;
  std::uint64_t tp = 1;
  double rate = 0;
};

const std::vector<ServeCase>& serve_cases() {
  static const std::vector<ServeCase> all = {
      {"serve-llama-3-8b-h100-chat-10min", "llama-3-8b", "h100", "", 1, 20},
      {"serve-llama-3-70b-8xh100-tp8-chat-10min", "llama-3-70b", "h100", "dgx-h100", 8, 8},
  };
  return all;
}

/// Runs one serving case with a fresh operator table (cold), then again on the same table
/// (warm: every grid point already measured). Returns {cold s, warm s, requests, simulated s}.
std::array<double, 4> run_serve(const ServeCase& c) {
  ReplicaSpec spec;
  spec.model = resolve_model(c.model);
  spec.scenario = parse_scenario_spec("decode:context=1");
  spec.scenario.parallel.tp = c.tp;
  spec.chip = load_chip_config(c.chip);
  if (!c.cluster.empty()) spec.cluster = load_cluster_config(c.cluster);
  OpTable table;
  spec.options.op_table = &table;
  StreamSpec stream = load_stream_spec("chat");
  stream.rate_per_s = c.rate;
  stream.requests = 0;
  stream.duration_s = 600;
  const std::vector<Request> reqs = make_requests(stream);
  ServingOptions options;
  std::array<double, 4> out{};
  for (int pass = 0; pass < 2; ++pass) {
    const auto t0 = std::chrono::steady_clock::now();
    IterationTimer timer(spec);
    const ServingResult r = simulate_serving(timer, reqs, options);
    out[pass] = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    out[2] = double(r.requests.size());
    out[3] = r.makespan_s;
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  int repeat = 3;
  bool json = false;
  std::string only;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--repeat") && i + 1 < argc) repeat = std::max(1, std::atoi(argv[++i]));
    else if (!std::strcmp(argv[i], "--case") && i + 1 < argc) only = argv[++i];
    else if (!std::strcmp(argv[i], "--json")) json = true;
    else {
      std::cout << "usage: tessera_bench [--repeat N] [--case NAME] [--json]\n"
                << "Times each reference simulation (best of N runs) on one core.\n";
      return std::strcmp(argv[i], "--help") == 0 ? 0 : 2;
    }
  }
  nlohmann::json out = nlohmann::json::array();
  if (!json)
    std::cout << fmt::format("{:<40} {:>10} {:>14} {:>14} {:>14} {:>12}\n", "case", "wall s", "sim time s",
                             "sim cycles", "cycles/s", "events/s");
  try {
    for (const Case& c : cases()) {
      if (!only.empty() && only != c.name) continue;
      const ChipConfig chip = load_chip_config(c.chip);
      const Workload w = c.make();
      double best = 1e300;
      SimResult r;
      for (int i = 0; i < repeat; ++i) {
        const auto t0 = std::chrono::steady_clock::now();
        OpTable table;  // cold: every repeat simulates what the table needs
        SimOptions options;
        options.fidelity = c.fidelity;
        options.op_table = &table;
        r = simulate(chip, w, options);
        const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        best = std::min(best, wall);
      }
      const double cycles = r.summary.number("cycles");
      const double events = r.summary.number("kernel_delta_cycles");
      if (json) {
        out.push_back({{"case", c.name}, {"chip", c.chip}, {"wall_s", best}, {"simulated_s", r.summary.number("seconds")},
                       {"simulated_cycles", cycles}, {"cycles_per_s", cycles / best}, {"events", events},
                       {"events_per_s", events / best}});
      } else {
        std::cout << fmt::format("{:<40} {:>10.3f} {:>14.6g} {:>14.0f} {:>14.3g} {:>12.3g}\n", c.name, best,
                                 r.summary.number("seconds"), cycles, cycles / best, events / best);
      }
    }
    if (!json)
      std::cout << fmt::format("\n{:<40} {:>10} {:>10} {:>10} {:>14}\n", "serving case", "cold s", "warm s", "requests",
                               "simulated s");
    for (const ServeCase& c : serve_cases()) {
      if (!only.empty() && only != c.name) continue;
      const auto [cold, warm, requests, simulated] = run_serve(c);
      if (json)
        out.push_back({{"case", c.name}, {"cold_wall_s", cold}, {"warm_wall_s", warm}, {"requests", requests},
                       {"simulated_s", simulated}});
      else
        std::cout << fmt::format("{:<40} {:>10.2f} {:>10.2f} {:>10.0f} {:>14.1f}\n", c.name, cold, warm, requests, simulated);
    }
  } catch (const Error& e) {
    std::cerr << "tessera_bench: error: " << e.what() << "\n";
    return 2;
  }
  if (json) std::cout << out.dump(2) << "\n";
  return 0;
}
