// tessera: one executable, one subcommand per job. Each job is a thin layer over the
// libraries under models/, workloads/, report/ and econ/.
#include <cstring>
#include <exception>
#include <iostream>
#include <string_view>
#include <vector>

#include <fmt/core.h>

#include "apps/tessera/commands.h"
#include "base/types.h"
#include "base/version.h"

namespace {

struct Command {
  std::string_view name;
  int (*run)(int, char**);
  std::string_view summary;
};

constexpr Command kCommands[] = {
    {"gemm", tessera::cli::cmd_gemm, "simulate one GEMM on a chip"},
    {"run", tessera::cli::cmd_run, "simulate a workload (operator list or trace) on a chip, or one step across a cluster"},
    {"trace", tessera::cli::cmd_trace, "generate and inspect transformer workload traces"},
    {"tco", tessera::cli::cmd_tco, "5-year compute-centre economics of a deployment"},
    {"sweep", tessera::cli::cmd_sweep, "design-space sweep over many chip configs (local cores or MPI)"},
    {"collective", tessera::cli::cmd_collective, "time a collective (all-reduce, all-to-all, ...) on a cluster"},
    {"size", tessera::cli::cmd_size, "how many chips, in which parallel layout, meet a training or serving target"},
    {"serve", tessera::cli::cmd_serve, "a request stream served with continuous batching: TTFT, TPOT, goodput, capacity"},
    {"compare", tessera::cli::cmd_compare, "one workload on several chips side by side: time, power, perf/W"},
    {"validate", tessera::cli::cmd_validate, "the model against published measurements (calibration set)"},
};

void print_usage(std::ostream& os) {
  os << "tessera " << tessera::kVersion << " - cycle-level performance model of AI accelerators\n\n"
     << "usage: tessera <command> [options]    (tessera <command> --help for its options)\n\n"
     << "commands:\n";
  for (const auto& c : kCommands) os << fmt::format("  {:<10} {}\n", c.name, c.summary);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2 || std::strcmp(argv[1], "--help") == 0 || std::strcmp(argv[1], "-h") == 0) {
    print_usage(std::cout);
    return argc < 2 ? 1 : 0;
  }
  if (std::strcmp(argv[1], "--version") == 0) {
    std::cout << "tessera " << tessera::kVersion << "\n";
    return 0;
  }
  // A hidden maintenance command, left out of the usage text.
  constexpr Command kChipConfigDoc = {"chip-config-doc", tessera::cli::cmd_chip_config_doc, ""};
  std::vector<Command> commands(std::begin(kCommands), std::end(kCommands));
  commands.push_back(kChipConfigDoc);
  for (const auto& c : commands) {
    if (c.name != argv[1]) continue;
    try {
      return c.run(argc - 1, argv + 1);
    } catch (const tessera::Error& e) {
      std::cerr << "tessera " << c.name << ": error: " << e.what() << "\n";
      return 2;
    } catch (const std::exception& e) {
      std::cerr << "tessera " << c.name << ": internal error: " << e.what() << "\n";
      return 3;
    }
  }
  std::cerr << "tessera: unknown command '" << argv[1] << "'\n\n";
  print_usage(std::cerr);
  return 2;
}
