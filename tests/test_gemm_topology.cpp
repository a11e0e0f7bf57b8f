// tessera gemm: SCALE-Sim-style topology files and array configs (workloads/gemm_topology.h,
// models/config/scalesim_config.h), the topology job (report/topology_job.h) and
// `tessera gemm --topology` end to end, and strict numbers on the command line.
#include <sys/wait.h>

#include <cmath>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include <catch2/catch.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "models/config/scalesim_config.h"
#include "tests/scalesim_reference.h"
#include "report/topology_job.h"
#include "sim/op_table.h"
#include "tests/temp_dir.h"
#include "workloads/gemm_topology.h"

using namespace tessera;
using namespace tessera::test;

namespace {

const std::string kSource = TESSERA_TEST_DATA_DIR;
const std::string kTessera = TESSERA_BIN;

std::string write(const TempDir& dir, const std::string& name, const std::string& text) {
  std::ofstream(dir.file(name)) << text;
  return dir.file(name);
}

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

/// A SCALE-Sim array config with operand SRAMs large enough for the shapes below.
std::string array_cfg(int h, int w, const std::string& dataflow) {
  return fmt::format("[general]\nrun_name = t\n\n[architecture_presets]\nArrayHeight: {}\nArrayWidth: {}\n"
                     "IfmapSramSzkB: 4096\nFilterSramSzkB: 4096\nOfmapSramSzkB: 1024\nDataflow : {}\nBandwidth : 10\n"
                     "\n[run_presets]\nInterfaceBandwidth: CALC\n",
                     h, w, dataflow);
}

}  // namespace

TEST_CASE("GEMM and conv topology files are read as SCALE-Sim reads them", "[topology]") {
  TempDir dir("topology");
  const auto gemm = load_gemm_topology(write(dir, "g.csv", "Layer,M,N,K,\nqkv, 1024, 4800, 1600,\n\nout,1024,1600,1600\n"));
  REQUIRE(gemm.size() == 2);
  CHECK(gemm[0].name == "qkv");
  CHECK((gemm[0].m == 1024 && gemm[0].n == 4800 && gemm[0].k == 1600));
  CHECK(gemm[1].line == 4);
  // Conv, im2col without padding: a 224x224x3 input, 11x11 filters, stride 4 -> (224-11)/4+1 =
  // 54 per side: M = 54*54 = 2916 output pixels, N = 96 filters, K = 11*11*3 = 363.
  const auto conv = load_gemm_topology(write(
      dir, "c.csv",
      "Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, Channels, Num Filter, Strides,\n"
      "Conv1, 224, 224, 11, 11, 3, 96, 4,\nConv2, 27, 27, 5, 5, 96, 256, 1,\n"));
  REQUIRE(conv.size() == 2);
  CHECK((conv[0].m == 2916 && conv[0].n == 96 && conv[0].k == 363));
  CHECK((conv[1].m == 23 * 23 && conv[1].n == 256 && conv[1].k == 5 * 5 * 96));
}

TEST_CASE("bad topology files name the file, the line and what was expected", "[topology]") {
  TempDir dir("topology_bad");
  CHECK_THAT(error_of([&] { load_gemm_topology(dir.file("missing.csv")); }), Catch::Contains("cannot open"));
  CHECK_THAT(error_of([&] { load_gemm_topology(write(dir, "h.csv", "Name,A,B\nx,1,2\n")); }),
             Catch::Contains("h.csv:1: expected the header 'Layer, M, N, K'"));
  CHECK_THAT(error_of([&] { load_gemm_topology(write(dir, "f.csv", "Layer,M,N,K\nx,1,2\n")); }),
             Catch::Contains("f.csv:2: expected 4 fields"));
  CHECK_THAT(error_of([&] { load_gemm_topology(write(dir, "v.csv", "Layer,M,N,K\nx,1,2,-3\n")); }),
             Catch::Contains("v.csv:2: K: expected a positive integer, got '-3'"));
  CHECK_THAT(error_of([&] { load_gemm_topology(write(dir, "z.csv", "Layer,M,N,K\nx,0,2,3\n")); }),
             Catch::Contains("M: expected a positive integer, got '0'"));
  CHECK_THAT(error_of([&] { load_gemm_topology(write(dir, "e.csv", "Layer,M,N,K\n")); }),
             Catch::Contains("no layers"));
  CHECK_THAT(error_of([&] {
               load_gemm_topology(write(dir, "k.csv",
                                        "Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, Channels, "
                                        "Num Filter, Strides\nc, 3, 3, 5, 5, 1, 1, 1\n"));
             }),
             Catch::Contains("k.csv:2: the 5x5 filter is larger than the 3x3 input feature map"));
}

TEST_CASE("a SCALE-Sim .cfg becomes one core with that array", "[topology]") {
  TempDir dir("scalesim_cfg");
  const ScaleSimArray a = load_scalesim_config(write(dir, "a.cfg", array_cfg(32, 16, "os")));
  CHECK((a.height == 32 && a.width == 16 && a.dataflow == Dataflow::output_stationary));
  const ChipConfig chip = scalesim_chip(a, "g1");
  REQUIRE(chip.cores.size() == 1);
  CHECK(chip.total_cores() == 1);
  CHECK(chip.cores[0].matrix.rows == 32);
  CHECK(chip.cores[0].matrix.cols == 16);
  CHECK(chip.cores[0].matrix.dataflows == std::vector<Dataflow>{Dataflow::output_stationary});
  CHECK(chip.peak_macs_per_second(DataType::bf16) == Approx(32.0 * 16 * chip.clocks.core_mhz * 1e6));
  CHECK(chip.cores[0].scratchpad.bytes == 8192 * 1024);
  CHECK(chip.cores[0].matrix.accumulator_bytes == 1024 * 1024);

  CHECK_THAT(error_of([&] { load_scalesim_config(write(dir, "m.cfg", "[architecture_presets]\nArrayHeight: 8\n")); }),
             Catch::Contains("needs ArrayWidth"));
  CHECK_THAT(error_of([&] {
               load_scalesim_config(write(dir, "d.cfg", array_cfg(8, 8, "xs")));
             }),
             Catch::Contains("d.cfg:10: Dataflow: expected ws, os or is, got 'xs'"));
  CHECK_THAT(error_of([&] {
               load_scalesim_config(write(dir, "u.cfg", array_cfg(8, 8, "ws") + "[architecture_presets]\nArrayDepth: 3\n"));
             }),
             Catch::Contains("unknown key 'arraydepth'"));
}

TEST_CASE("compute-only cycles of SCALE-Sim's reference cases, three arrays and three dataflows", "[topology]") {
  // scalesim-cycles.csv (shared reference): SCALE-Sim v2's own total cycles, stall-free. The
  // model's fold formula (models/compute/systolic_timing.h) follows SCALE-Sim's convention (every
  // fold pays the full array's fill; os loads no stationary operand), so through the whole job
  // (mapper, tiles, simulation) every case must agree within 1%.
  TempDir dir("scalesim_cases");
  SimOptions o;
  o.compute_only = true;
  for (const tessera::test::ScaleSimCase& c : tessera::test::kScaleSimCases) {
    const ChipConfig chip =
        scalesim_chip(load_scalesim_config(write(dir, "a.cfg", array_cfg(c.h, c.w, c.df))), "g1");
    const std::vector<TopologyLayer> layers{{"l", c.m, c.n, c.k, 2}};
    const ResultDocument doc = run_gemm_topology(chip, layers, TopologyRun{"cases", DataType::bf16, "a.cfg"}, o);
    const double cycles = doc.summary.number("cycles");
    INFO(fmt::format("{}x{} {} {}x{}x{}: model {} vs SCALE-Sim {}", c.h, c.w, c.df, c.m, c.n, c.k, cycles, c.scalesim));
    CHECK(std::abs(cycles - double(c.scalesim)) <= 0.01 * double(c.scalesim));
  }
  // 128^3 weight-stationary on 16x16: 8 x 8 full folds of 2*16 + 16 + 128 - 2 = 174 cycles =
  // 11136, one more than SCALE-Sim's 11135 (it reports the index of the last busy cycle).
  const ChipConfig chip = scalesim_chip(load_scalesim_config(write(dir, "a.cfg", array_cfg(16, 16, "ws"))), "g1");
  const ResultDocument doc =
      run_gemm_topology(chip, {{"l", 128, 128, 128, 2}}, TopologyRun{"cases", DataType::bf16, "a.cfg"}, o);
  CHECK(doc.summary.number("cycles") == 11136);
}

TEST_CASE("tessera gemm --topology writes one table: terminal, JSON and HDF5", "[topology]") {
  TempDir dir("topology_cli");
  const std::string topo = kSource + "/configs/scalesim/transformer-block.csv";
  const std::string cfg = kSource + "/configs/scalesim/tpu-like-32x32-ws.cfg";
  auto run = [&](const std::string& args) {
    const std::string cmd = fmt::format("SC_COPYRIGHT_MESSAGE=DISABLE {} {} >{} 2>{}", kTessera, args,
                                        dir.file("out"), dir.file("err"));
    const int st = std::system(cmd.c_str());
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  };
  REQUIRE(run(fmt::format("gemm --topology {} --scalesim-config {} --compute-only --format json -o {}", topo, cfg,
                          dir.file("t.h5"))) == 0);
  const auto j = nlohmann::json::parse(read_bytes(dir.file("out")));
  const auto& rows = j.at("layers");
  REQUIRE(rows.size() == 6);
  CHECK(rows[0].at("layer") == "qkv");
  CHECK(rows[0].at("M") == 512);
  // Weight-stationary on 32x32, M = 512 streams: every fold is 2*32 + 32 + 512 - 2 = 606 cycles
  // for 32*32*512 MACs, so the array is 512/606 = 84.5% busy in every layer.
  for (const auto& r : rows) CHECK(r.at("matrix_utilisation").get<double>() == Approx(512.0 / 606).epsilon(1e-3));
  CHECK(read_bytes(dir.file("t.h5")).substr(1, 3) == "HDF");
  REQUIRE(run(fmt::format("gemm --topology {} --scalesim-config {} --compute-only", topo, cfg)) == 0);
  CHECK_THAT(read_bytes(dir.file("out")), Catch::Contains("ff2"));
  CHECK(run(fmt::format("gemm --topology {} --m 5", topo)) != 0);
  CHECK_THAT(read_bytes(dir.file("err")), Catch::Contains("--topology gives the shapes"));
  CHECK(run(fmt::format("gemm --topology {} --scalesim-config {} --dataflow os", topo, cfg)) != 0);
  CHECK_THAT(read_bytes(dir.file("err")), Catch::Contains("contradicts"));
  CHECK(run("gemm --m 4 --n 4") != 0);
  CHECK_THAT(read_bytes(dir.file("err")), Catch::Contains("give --m, --n and --k"));
}

TEST_CASE("command-line numbers are read strictly and runs longer than the clock are refused", "[cli]") {
  // Each of these once wrapped around (a 2^64 - 5 row GEMM, 4,294,967,294 sweep workers, a
  // never-ending batch) or overflowed the femtosecond clock into a 0 s result.
  TempDir dir("cli_numbers");
  auto err = [&](const std::string& args) {
    const std::string cmd = fmt::format("SC_COPYRIGHT_MESSAGE=DISABLE timeout 60 {} {} >{} 2>{}", kTessera, args,
                                        dir.file("out"), dir.file("err"));
    const int st = std::system(cmd.c_str());
    CHECK((WIFEXITED(st) && WEXITSTATUS(st) == 2));
    return read_bytes(dir.file("err"));
  };
  CHECK_THAT(err("gemm --chip g1 --m -5 --n 64 --k 64"), Catch::Contains("--m: expected a whole number from 1 to"));
  CHECK_THAT(err("gemm --chip g1 --m 5 --n 64 --k 64 --batch -1"), Catch::Contains("--batch: expected a whole number"));
  CHECK_THAT(err("gemm --chip g1 --m 1.5 --n 64 --k 64"), Catch::Contains("got '1.5'"));
  CHECK_THAT(err("run --operating-point -1"), Catch::Contains("--operating-point: expected a whole number from 0 to 255"));
  CHECK_THAT(err("sweep spec.yaml -j -2"), Catch::Contains("--jobs: expected a whole number from 0 to 4096"));
  // 2^24 cubed on h100: 2^72 MACs at 989 TFLOP/s dense bf16 is ~9.5e6 s, past the 18,446 s
  // that 64-bit femtoseconds hold.
  CHECK_THAT(err("gemm --chip h100 --m 16777216 --n 16777216 --k 16777216"),
             Catch::Contains("the simulation clock (femtoseconds in 64 bits) ends at 18446 s"));
}
