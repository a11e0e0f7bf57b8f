// Simulator speed benchmark: wall time, simulated cycles per second and SystemC events per
// second for the reference cases. Usage: tessera_bench [--repeat N] [--case NAME] [--json]
#include <chrono>
#include <cstring>
#include <iostream>
#include <string>
#include <vector>

#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include "base/version.h"
#include "models/config/chip_config.h"
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
  } catch (const Error& e) {
    std::cerr << "tessera_bench: error: " << e.what() << "\n";
    return 2;
  }
  if (json) std::cout << out.dump(2) << "\n";
  return 0;
}
