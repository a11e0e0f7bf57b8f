// performance.simulate: the parser's checks on the block, and `tessera tco` end to end through
// the built binary, cross-checked against a separate `tessera run` of the same workload.
#include <catch2/catch.hpp>

#include <sys/wait.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <hdf5.h>
#include <nlohmann/json.hpp>

#include "econ/deployment.h"
#include "econ/result_summary.h"
#include "econ/tco.h"
#include "base/types.h"

using namespace tessera;
using namespace tessera::econ;
using Catch::Matchers::Contains;

namespace fs = std::filesystem;

namespace {

const std::string kTessera = TESSERA_BIN;

// The economics of a small deployment; the performance block is appended by each test.
const std::string kEconomics = R"(
name: sim-case
currency: USD
hardware:
  chip: test-chip
  servers: 1
  cards_per_server: 8
capex:
  server_price: 168080
opex:
  pue: 1.25
  electricity_price_per_kwh: 0.10
revenue:
  occupancy: 1.0
  long_term:
    share: 1.0
    price_per_card_hour: 2.00 USD
    utilisation: 0.5
finance:
  horizon_years: 5
  discount_rate: 0.10
  tax_rate: 0
)";

const std::string kSimulateModel = R"(
performance:
  simulate:
    chip: h100
    model: llama-2-7b
    scenario: decode-2k
)";

Deployment parse(const std::string& performance) {
  return parse_deployment(kEconomics + performance, "sim-case.yaml");
}

std::string error_of(const std::string& performance) {
  try {
    parse(performance);
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

struct TempDir {
  fs::path path;
  TempDir() {
    path = fs::temp_directory_path() / ("tessera_test_tco_sim_" + std::to_string(::getpid()));
    fs::remove_all(path);
    fs::create_directories(path);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

/// A variable-length string attribute of `group` in an HDF5 file ("" when absent).
std::string h5_string_attr(const fs::path& file, const char* group, const char* name) {
  std::string out;
  const hid_t f = H5Fopen(file.string().c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  if (f < 0) return out;
  const hid_t g = H5Gopen2(f, group, H5P_DEFAULT);
  if (g >= 0 && H5Aexists(g, name) > 0) {
    const hid_t a = H5Aopen(g, name, H5P_DEFAULT);
    const hid_t t = H5Aget_type(a);
    char* v = nullptr;
    if (H5Aread(a, t, &v) >= 0 && v) {
      out = v;
      H5free_memory(v);
    }
    H5Tclose(t);
    H5Aclose(a);
  }
  if (g >= 0) H5Gclose(g);
  H5Fclose(f);
  return out;
}

/// Runs the tessera binary with `args`, stdout to `out` and stderr to `err`; returns the exit code.
int run_tessera(const std::string& args, const fs::path& out, const fs::path& err) {
  ::setenv("SC_COPYRIGHT_MESSAGE", "DISABLE", 1);
  const std::string cmd = "'" + kTessera + "' " + args + " > '" + out.string() + "' 2> '" + err.string() + "'";
  const int status = std::system(cmd.c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

}  // namespace

TEST_CASE("tco simulate: the parser accepts a simulate block and waits for the figures", "[tco][simulate]") {
  const Deployment d = parse(kSimulateModel);
  const auto& sim = d.performance.simulate;
  CHECK(sim.chip == "h100");
  CHECK(sim.model == "llama-2-7b");
  CHECK(sim.scenario == "decode-2k");
  CHECK(sim.workload.empty());
  CHECK(sim.workload_label() == "llama-2-7b decode-2k");
  CHECK(d.performance.awaiting_simulation);
  CHECK(d.performance.derived());
  // The account refuses to run on figures it does not have yet.
  CHECK_THROWS_WITH(analyse(d), Contains("performance.simulate has not been run"));

  const Deployment w = parse("performance:\n  simulate: {chip: edge-npu, workload: tiny.yaml}\n");
  CHECK(w.performance.simulate.chip == "edge-npu");
  CHECK(w.performance.simulate.workload == "tiny.yaml");
  CHECK(w.performance.simulate.workload_label() == "tiny.yaml");
}

TEST_CASE("tco simulate: the parser rejects bad simulate blocks with the key path", "[tco][simulate]") {
  CHECK_THAT(error_of("performance:\n  simulate: {chip: h100, model: llama-2-7b, scenario: decode-2k, "
                      "batch: 4}\n"),
             Contains("sim-case.yaml") && Contains("performance.simulate.batch: unknown key") &&
                 Contains("keys under performance.simulate") && Contains("workload"));
  CHECK_THAT(error_of("performance:\n  simulate: {model: llama-2-7b, scenario: decode-2k}\n"),
             Contains("sim-case.yaml") && Contains("missing performance.simulate.chip"));
  CHECK_THAT(error_of("performance:\n  simulate: {chip: h100, model: llama-2-7b}\n"),
             Contains("missing performance.simulate.scenario"));
  CHECK_THAT(error_of("performance:\n  simulate: {chip: h100, scenario: decode-2k}\n"),
             Contains("missing performance.simulate.model"));
  CHECK_THAT(error_of("performance:\n  simulate: {chip: h100}\n"),
             Contains("performance.simulate: missing the workload"));
  CHECK_THAT(error_of("performance:\n  simulate: {chip: h100, workload: w.yaml, model: m, scenario: s}\n"),
             Contains("either workload or model + scenario"));
  CHECK_THAT(error_of("performance:\n  simulate: h100\n"),
             Contains("performance.simulate: expected a map with keys chip, model, scenario, workload"));
  CHECK_THAT(error_of("performance:\n  simulate: {chip: [a, b], workload: w}\n"),
             Contains("performance.simulate.chip: expected text"));
  CHECK_THAT(error_of("performance:\n  tokens_per_second_per_card: 1000\n  simulate: {chip: h100, workload: w}\n"),
             Contains("performance.tokens_per_second_per_card conflicts with performance.simulate"));
  CHECK_THAT(error_of("performance:\n  result: r.json\n  simulate: {chip: h100, workload: w}\n"),
             Contains("performance.simulate conflicts with performance.result"));
  CHECK_THAT(error_of("performance:\n  cards_in_result: 8\n  simulate: {chip: h100, workload: w}\n"),
             Contains("performance.cards_in_result is only used with performance.result"));
}

TEST_CASE("tco simulate: the summary fills the figures, no tokens is an error", "[tco][simulate]") {
  ResultSummary s;
  s.tokens_per_second = 1234.5;
  s.avg_power_w = 456;
  s.idle_power_w = 80;
  Deployment d = parse(kSimulateModel);
  apply_simulated_performance(d, s);
  CHECK_FALSE(d.performance.awaiting_simulation);
  CHECK(d.performance.tokens_per_second_per_card == 1234.5);
  CHECK(d.performance.busy_power_w == 456);
  CHECK(d.performance.idle_power_w == 80);
  CHECK(d.performance.tokens_origin == "simulation");
  CHECK(d.performance.busy_power_origin == "simulation");
  CHECK(d.performance.simulation_note == "simulated: h100, llama-2-7b decode-2k, 1234.5 tok/s, 456 W");
  CHECK_NOTHROW(analyse(d));

  // An explicit idle power wins over the simulated one.
  Deployment e = parse(kSimulateModel + "  idle_power_w: 50\n");
  apply_simulated_performance(e, s);
  CHECK(e.performance.idle_power_w == 50);
  CHECK(e.performance.idle_power_origin == "deployment");

  ResultSummary no_tokens = s;
  no_tokens.tokens_per_second.reset();
  Deployment f = parse(kSimulateModel);
  try {
    apply_simulated_performance(f, no_tokens);
    FAIL("no error for a workload without tokens");
  } catch (const Error& err) {
    CHECK_THAT(std::string(err.what()),
               Contains("sim-case.yaml") && Contains("summary.tokens_per_second is absent") &&
                   Contains("llama-2-7b decode-2k on h100"));
  }

  ResultSummary no_power = s;
  no_power.avg_power_w.reset();
  Deployment g = parse(kSimulateModel);
  CHECK_THROWS_WITH(apply_simulated_performance(g, no_power), Contains("summary.avg_power_w"));
}

TEST_CASE("tco simulate: tessera tco simulates the workload, tokens per second match tessera run", "[tco][simulate][cli]") {
  TempDir tmp;
  const int tokens = 8;
  {
    std::ofstream w(tmp.path / "tiny.yaml");
    w << "name: tco-sim-tiny\n"
         "description: one small GEMM and a softmax\n"
         "tokens: " << tokens << "\n"
         "ops:\n"
         "  - {id: mm, kind: gemm, m: 64, n: 64, k: 64}\n"
         "  - {id: sm, kind: softmax, rows: 64, cols: 64, deps: [mm]}\n";
    std::ofstream dep(tmp.path / "deployment.yaml");
    // The workload path is relative to the deployment file.
    dep << kEconomics << "performance:\n  simulate: {chip: edge-npu, workload: tiny.yaml}\n";
  }

  // The simulated seconds from a separate run of the same workload.
  const fs::path run_out = tmp.path / "run.json", run_err = tmp.path / "run.err";
  REQUIRE(run_tessera("run --chip edge-npu --workload '" + (tmp.path / "tiny.yaml").string() + "' --format json",
                      run_out, run_err) == 0);
  const nlohmann::json run = nlohmann::json::parse(slurp(run_out));
  const double seconds = run.at("summary").at("seconds").get<double>();
  REQUIRE(seconds > 0);
  const double expected_tps = tokens / seconds;

  // The account, from another directory so that the workload must be found next to the file.
  const fs::path tco_out = tmp.path / "tco.json", tco_err = tmp.path / "tco.err";
  const int rc = run_tessera("tco --deployment '" + (tmp.path / "deployment.yaml").string() + "' --format json",
                             tco_out, tco_err);
  INFO(slurp(tco_err));
  REQUIRE(rc == 0);
  const nlohmann::json tco = nlohmann::json::parse(slurp(tco_out));
  const nlohmann::json& perf = tco.at("deployments").at(0).at("inputs").at("performance");
  const double tps = perf.at("tokens_per_second_per_card").get<double>();
  CHECK(tps == Approx(expected_tps).epsilon(1e-9));
  CHECK(perf.at("origin").at("tokens_per_second_per_card") == "simulation");
  CHECK(perf.at("origin").at("busy_power_w") == "simulation");
  CHECK(perf.at("busy_power_w").get<double>() ==
        Approx(run.at("summary").at("avg_power_w").get<double>()).epsilon(1e-9));
  CHECK(perf.at("idle_power_w").get<double>() ==
        Approx(run.at("summary").at("idle_power_w").get<double>()).epsilon(1e-9));
  CHECK(perf.at("simulate").at("chip") == "edge-npu");
  CHECK_THAT(perf.at("simulation").get<std::string>(),
             Contains("simulated: edge-npu, tiny.yaml, ") && Contains(" tok/s, ") && Contains(" W"));

  // The table and the HDF5 file say where the figures came from too.
  const fs::path table_out = tmp.path / "tco.txt", h5 = tmp.path / "tco.h5";
  REQUIRE(run_tessera("tco '" + (tmp.path / "deployment.yaml").string() + "' -o '" + h5.string() + "'",
                      table_out, tco_err) == 0);
  CHECK_THAT(slurp(table_out), Contains("(simulation)") && Contains("performance simulated: edge-npu, tiny.yaml"));
  CHECK(h5_string_attr(h5, "/deployments/0", "performance_simulation") == perf.at("simulation").get<std::string>());

  // A workload without tokens fails, naming the key.
  {
    std::ofstream w(tmp.path / "no-tokens.yaml");
    w << "name: tco-sim-no-tokens\nops:\n  - {id: mm, kind: gemm, m: 64, n: 64, k: 64}\n";
    std::ofstream dep(tmp.path / "no-tokens-deployment.yaml");
    dep << kEconomics << "performance:\n  simulate: {chip: edge-npu, workload: no-tokens.yaml}\n";
  }
  CHECK(run_tessera("tco '" + (tmp.path / "no-tokens-deployment.yaml").string() + "'", table_out, tco_err) != 0);
  CHECK_THAT(slurp(tco_err), Contains("summary.tokens_per_second is absent") &&
                                 Contains("no-tokens-deployment.yaml"));
}
