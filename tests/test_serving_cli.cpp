// `tessera serve` end to end through the binary: JSON and HDF5 results with the per-request
// table, byte-identical reruns, trace replay, the capacity search, and clear errors with a
// non-zero exit for bad input.
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include <sys/wait.h>

#include <catch2/catch.hpp>
#include <hdf5.h>
#include <nlohmann/json.hpp>

#include "temp_dir.h"

namespace {

const std::string kTessera = TESSERA_BIN;
const std::string kModel = std::string(TESSERA_TEST_DATA_DIR) + "/tests/data/serve-small.yaml";
const std::string kTrace = std::string(TESSERA_TEST_DATA_DIR) + "/configs/serving/sample-trace.csv";

struct Run {
  int status = -1;
  std::string out, err;
};

std::string slurp(const std::string& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

Run serve(const std::string& args, const tessera::test::TempDir& dir) {
  const std::string out = dir.file("stdout"), err = dir.file("stderr");
  const std::string cmd =
      "SC_COPYRIGHT_MESSAGE=DISABLE " + kTessera + " serve --model " + kModel + " " + args + " >" + out + " 2>" + err;
  const int st = std::system(cmd.c_str());
  return {WIFEXITED(st) ? WEXITSTATUS(st) : -1, slurp(out), slurp(err)};
}

}  // namespace

TEST_CASE("serve CLI: JSON summary and HDF5 per-request table, reruns are byte-identical") {
  tessera::test::TempDir dir("serve_cli");
  const Run r = serve("--requests 40 --rate 20 --format json -o " + dir.file("a.h5"), dir);
  INFO(r.err);
  REQUIRE(r.status == 0);
  const auto j = nlohmann::json::parse(r.out);
  const auto& s = j["summary"];
  CHECK(s["requests"] == 40);
  CHECK(s["ttft_p99_s"].get<double>() >= s["ttft_p50_s"].get<double>());
  CHECK(s["tpot_p50_s"].get<double>() > 0);
  CHECK(j["summary_units"]["ttft_p99_s"] == "s");
  CHECK(j["chip"]["name"] == "h100");
  CHECK(j["stream"]["arrival"]["rate_per_s"] == 20.0);
  REQUIRE(j.contains("requests"));
  CHECK(j["requests"].size() == 40);
  CHECK(j["requests"][0].contains("ttft_s"));
  CHECK(!j.contains("iterations"));  // files only
  // The HDF5 file holds the request and iteration tables.
  const hid_t f = H5Fopen(dir.file("a.h5").c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  REQUIRE(f >= 0);
  CHECK(H5Lexists(f, "requests", H5P_DEFAULT) > 0);
  CHECK(H5Lexists(f, "iterations", H5P_DEFAULT) > 0);
  H5Fclose(f);
  const Run again = serve("--requests 40 --rate 20 --format json -o " + dir.file("b.h5"), dir);
  REQUIRE(again.status == 0);
  CHECK(slurp(dir.file("a.h5")) == slurp(dir.file("b.h5")));
  // The plotting script reads it (two files: the latency-against-load panel too).
  const std::string plot = "/usr/bin/python3 " + std::string(TESSERA_TEST_DATA_DIR) + "/scripts/plot_serving.py " +
                           dir.file("a.h5") + " " + dir.file("b.h5") + " -o " + dir.file("serve.png") + " >/dev/null";
  CHECK(std::system(plot.c_str()) == 0);
  CHECK(std::filesystem::file_size(dir.file("serve.png")) > 1000);
}

TEST_CASE("serve CLI: a trace file replays, the capacity search finds a rate meeting the limits") {
  tessera::test::TempDir dir("serve_cli_trace");
  const Run r = serve("--trace " + kTrace + " --format json --trace-out " + dir.file("timeline.json"), dir);
  INFO(r.err);
  REQUIRE(r.status == 0);
  const auto doc = nlohmann::json::parse(r.out);
  CHECK(doc["summary"]["requests"] == 40);
  // The timeline has one event per iteration on the replica's track.
  const auto tl = nlohmann::json::parse(slurp(dir.file("timeline.json")));
  std::size_t iterations = 0;
  for (const auto& e : tl["traceEvents"]) iterations += e["ph"] == "X";
  CHECK(double(iterations) == doc["summary"]["iterations"].get<double>());
  CHECK(tl["otherData"]["model"] == "serve-small");
  const Run c = serve("--requests 200 --rate 50 --prompt 512 --output 64 --find-capacity --ttft-p99-ms 200 "
                        "--tpot-p99-ms 20 --format json", dir);
  INFO(c.err);
  REQUIRE(c.status == 0);
  const auto j = nlohmann::json::parse(c.out);
  const double rate = j["summary"]["capacity_rate"];
  CHECK(rate > 0);
  CHECK(j["summary"]["ttft_p99_s"].get<double>() <= 0.2);
  CHECK(j["summary"]["tpot_p99_s"].get<double>() <= 0.02);
  CHECK(j["capacity_search"].size() >= 3);
}

TEST_CASE("serve CLI: bad input is a clear error and exit 2") {
  tessera::test::TempDir dir("serve_cli_bad");
  struct Case {
    std::string args, message;
  };
  const std::vector<Case> cases = {
      {"--scheduler fifo", "--scheduler: expected chunked, prefill_first or static"},
      {"--rate 0", "--rate: expected a number in (0"},
      {"--rate -3", "--rate"},
      {"--requests -1", "--requests"},
      {"--tp 2", "needs the cluster"},
      {"--trace /nonexistent.csv", "cannot open the request trace"},
      {"--kv-blocks 10 --prompt 1000 --output 10", "could never run"},
      {"--find-capacity", "give the limits"},
      {"--requests 20 --find-capacity --ttft-p99-ms 0.001", "no arrival rate"},
      {"--memory-reserve 1", "--memory-reserve"},
      {"--prefill-replicas 1", "name the cluster"},
      {"--cluster dgx-h100 --prefill-replicas 4 --replicas 5", "cluster 'dgx-h100' has 8"},
  };
  for (const Case& c : cases) {
    const Run r = serve(c.args, dir);
    INFO(c.args << " -> " << r.err);
    CHECK(r.status == 2);
    CHECK(r.err.find(c.message) != std::string::npos);
  }
}
