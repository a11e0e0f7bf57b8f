// The multi-chip commands end to end through the tessera binary: `run --cluster` prints a JSON
// result naming the cluster and layout and writes an HDF5 file recording the cluster config;
// the same run twice gives byte-identical files; `size` gives a clear error and a non-zero exit on bad targets.
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include <unistd.h>

#include <catch2/catch.hpp>
#include <hdf5.h>
#include <nlohmann/json.hpp>

namespace fs = std::filesystem;

namespace {

const std::string kTessera = TESSERA_BIN;

struct Run {
  int status = -1;
  std::string out, err;
};

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

/// Runs tessera with `args` (already shell-quoted where needed); stdout and stderr to files.
Run tessera(const std::string& args, const fs::path& dir) {
  const fs::path out = dir / "stdout", err = dir / "stderr";
  const std::string cmd = "SC_COPYRIGHT_MESSAGE=DISABLE " + kTessera + " " + args + " >" + out.string() + " 2>" + err.string();
  const int st = std::system(cmd.c_str());
  Run r;
  r.status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  r.out = slurp(out);
  r.err = slurp(err);
  return r;
}

struct TempDir {
  fs::path path = fs::temp_directory_path() / ("tessera-cluster-cli-" + std::to_string(::getpid()));
  TempDir() { fs::create_directories(path); }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

}  // namespace

TEST_CASE("tessera run --cluster: JSON names the cluster and layout, HDF5 records the cluster config", "[cluster][cli]") {
  TempDir dir;
  const std::string h5 = (dir.path / "step.h5").string();
  const Run r = tessera("run --cluster dgx-h100 --model llama-2-7b --scenario decode:batch=8,context=512,tp=4,pp=2 "
                        "--format json -o " + h5, dir.path);
  REQUIRE(r.status == 0);
  const auto doc = nlohmann::json::parse(r.out);
  CHECK(doc["cluster"]["name"] == "dgx-h100");
  CHECK(doc["cluster"]["config"]["chips_per_node"] == 8);
  CHECK(doc["summary"]["chips"] == 8);  // tp 4 x pp 2
  CHECK(doc["summary"]["layout"] == "tp=4 pp=2 dp=1 ep=1");
  CHECK(doc["summary"]["tokens_per_step"] == 8);  // one decode step of 8 sequences
  CHECK(doc["workload"]["layout"]["pp"] == 2);
  const hid_t f = H5Fopen(h5.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  REQUIRE(f >= 0);
  CHECK(H5Aexists_by_name(f, "meta", "cluster_config", H5P_DEFAULT) > 0);
  H5Fclose(f);
  // The same inputs give byte-identical results.
  const std::string h5b = (dir.path / "again.h5").string();
  const Run again = tessera("run --cluster dgx-h100 --model llama-2-7b --scenario decode:batch=8,context=512,tp=4,pp=2 "
                            "--format json -o " + h5b, dir.path);
  REQUIRE(again.status == 0);
  CHECK(again.out == r.out);
  CHECK(slurp(h5) == slurp(h5b));
}

TEST_CASE("tessera size and run --cluster reject bad requests with a clear error", "[cluster][cli][errors]") {
  TempDir dir;
  Run r = tessera("size --model llama-2-7b", dir.path);
  CHECK(r.status != 0);
  CHECK_THAT(r.err, Catch::Contains("give one target"));
  r = tessera("size --model llama-2-7b --train-tokens 1T --days 10 --scenario decode-2k", dir.path);
  CHECK(r.status != 0);
  CHECK_THAT(r.err, Catch::Contains("needs a training scenario"));
  r = tessera("size --model llama-2-7b --train-tokens lots --days 10 --scenario train-4k", dir.path);
  CHECK(r.status != 0);
  CHECK_THAT(r.err, Catch::Contains("--train-tokens: expected a positive count"));
  r = tessera("run --cluster dgx-h100 --model llama-2-7b --scenario decode:batch=8,context=512,tp=16", dir.path);
  CHECK(r.status != 0);
  CHECK_THAT(r.err, Catch::Contains("needs 16 chips") && Catch::Contains("has 8"));
}
