// Chip configuration layer: every shipped chip loads and round-trips; each class of bad input
// gives an error naming the file, the key path and what was expected; --set overrides; and the
// H100 config reproduces the published peaks.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <cstring>
#include <unistd.h>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "models/config/chip_config.h"
#include "base/config/config_tree.h"
#include "base/config/yaml_json.h"
#include "base/text.h"
#include "base/config/field_table.h"

using namespace tessera;
namespace fs = std::filesystem;

namespace {

const fs::path kChips = fs::path(TESSERA_TEST_DATA_DIR) / "configs" / "chips";

std::string chip_file(const std::string& name) { return (kChips / (name + ".yaml")).string(); }

YAML::Node load_tree(const std::string& name) { return YAML::LoadFile(chip_file(name)); }

// The Error message of parsing `root`, or "" if it parsed.
std::string parse_error(const YAML::Node& root, const std::string& source = "test.yaml") {
  try {
    parse_chip_config(root, source);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

std::string override_error(YAML::Node root, const std::string& assignment) {
  try {
    apply_override(root, assignment, "test.yaml");
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

using Catch::Matchers::Contains;
using Catch::Matchers::StartsWith;

}  // namespace

TEST_CASE("every shipped chip loads, by name and by path", "[config]") {
  const auto names = shipped_chip_names();
  for (const char* expected : {"edge-npu", "g1", "g2", "h100", "a100", "h200", "b200", "enflame-t20", "enflame-i20"})
    CHECK(std::find(names.begin(), names.end(), expected) != names.end());
  for (const auto& name : names) {
    INFO(name);
    ChipConfig by_name = load_chip_config(name);
    ChipConfig by_path = load_chip_config(chip_file(name));
    CHECK(by_name == by_path);
    CHECK(by_name.name == name);
    CHECK(by_name.total_cores() > 0);
    CHECK(by_name.peak_macs_per_second(DataType::bf16) > 0);
    CHECK(by_name.hbm.peak_bytes_per_second() > 0);
  }
}

TEST_CASE("to_yaml round-trips every shipped chip", "[config]") {
  for (const auto& name : shipped_chip_names()) {
    INFO(name);
    const ChipConfig c = load_chip_config(name);
    CHECK(parse_chip_config(to_yaml(c), "resolved") == c);
    // Through text as well, as a result file stores it.
    const std::string text = YAML::Dump(to_yaml(c));
    CHECK(parse_chip_config(YAML::Load(text), "resolved") == c);
  }
}

TEST_CASE("H100 reproduces its published peaks", "[config]") {
  const ChipConfig h = load_chip_config("h100");
  // 989.4 TFLOP/s dense bf16 [gk-h100] = 132 SMs x 4 TCs x 512 MAC x 2 x 1.83 GHz.
  CHECK(h.total_cores() == 132);
  CHECK(2 * h.peak_macs_per_second(DataType::bf16) == Approx(989.4e12).epsilon(0.005));
  CHECK(2 * h.peak_macs_per_second(DataType::fp8) == Approx(1978.9e12).epsilon(0.005));
  CHECK(2 * h.peak_macs_per_second(DataType::fp32) == Approx(494.7e12).epsilon(0.005));  // TF32
  // 3.35 TB/s [gk-h100]: 160 pseudo-channels x 4 B x 5.23 Gb/s.
  CHECK(h.hbm.controllers() == 160);
  CHECK(h.hbm.peak_bytes_per_second() == Approx(3.35e12).epsilon(0.01));
  CHECK(h.hbm.beats_per_clock() == 4);
  CHECK(h.hbm.burst_bytes() == 32);
  CHECK(h.global_sram.bytes == 50ull << 20);
  CHECK(h.cores[0].scratchpad.bytes == 228ull << 10);
}

TEST_CASE("the other chips' headline numbers", "[config]") {
  const ChipConfig g1 = load_chip_config("g1");
  const ChipConfig g2 = load_chip_config("g2");
  const ChipConfig edge = load_chip_config("edge-npu");
  // g1: 16 x 128 x 128 x 1.2 GHz x 2 = 629.1 TFLOP/s; 4 stacks x 1024 bits x 3.2 Gb/s = 1.6384 TB/s.
  CHECK(2 * g1.peak_macs_per_second(DataType::bf16) == Approx(629.1456e12));
  CHECK(g1.hbm.peak_bytes_per_second() == Approx(1.6384e12));
  CHECK(g1.peak_macs_per_second(DataType::fp8) == 0);  // unsupported in g1
  // g2: 16 x 128 x 256 x 1.4 GHz x 2 = 1468.0 TFLOP/s; 4 x 1024 bits x 6.4 Gb/s = 3.2768 TB/s.
  CHECK(2 * g2.peak_macs_per_second(DataType::bf16) == Approx(1468.006e12));
  CHECK(g2.hbm.peak_bytes_per_second() == Approx(3.2768e12));
  CHECK(g2.global_sram.bytes == 2 * g1.global_sram.bytes);
  CHECK(g2.cores[0].scratchpad.bytes == 2 * g1.cores[0].scratchpad.bytes);
  // edge: 4 x 32 x 32 x 1 GHz x 2 = 8.19 TFLOP/s; LPDDR5-6400 x64 = 51.2 GB/s.
  CHECK(2 * edge.peak_macs_per_second(DataType::bf16) == Approx(8.192e12));
  CHECK(edge.hbm.peak_bytes_per_second() == Approx(51.2e9));
}

TEST_CASE("byte sizes accept binary suffixes only", "[config]") {
  CHECK(parse_byte_size("4096") == 4096u);
  CHECK(parse_byte_size("228KiB") == 228u * 1024);
  CHECK(parse_byte_size("50 MiB") == 50ull << 20);
  CHECK(parse_byte_size("1.5MiB") == 3ull << 19);
  CHECK(parse_byte_size("2GiB") == 2ull << 30);
  CHECK(parse_byte_size("64B") == 64u);
  CHECK_FALSE(parse_byte_size("50MB"));
  CHECK_FALSE(parse_byte_size("4k"));
  CHECK_FALSE(parse_byte_size("1.3B"));
  CHECK_FALSE(parse_byte_size("-4"));
  CHECK_FALSE(parse_byte_size("KiB"));
  CHECK_FALSE(parse_byte_size("99999999999TiB"));
}

TEST_CASE("unknown keys are named with a suggestion", "[config][errors]") {
  YAML::Node root = load_tree("h100");
  root["hbm"]["data_rate"] = 6.4;
  const std::string msg = parse_error(root);
  CHECK_THAT(msg, StartsWith("test.yaml"));
  CHECK_THAT(msg, Contains("hbm.data_rate: unknown key 'data_rate'"));
  CHECK_THAT(msg, Contains("did you mean 'data_rate_gbps'?"));

  YAML::Node top = load_tree("g1");
  top["thermal"]["limit_c"] = 90;  // not part of the schema
  CHECK_THAT(parse_error(top), Contains("thermal: unknown key 'thermal'; expected one of: calibration, clocks, cores, "
                                        "description, global_sram, hbm, name, noc, power"));
}

TEST_CASE("missing keys are named", "[config][errors]") {
  YAML::Node root = load_tree("g1");
  root["hbm"]["timing"].remove("tRFC");
  const std::string msg = parse_error(root);
  CHECK_THAT(msg, Contains("hbm.timing.tRFC: expected"));
  CHECK_THAT(msg, Contains("the key is missing"));

  YAML::Node renamed = load_tree("h100");
  renamed["hbm"]["data_rate"] = renamed["hbm"]["data_rate_gbps"].as<double>();
  renamed["hbm"].remove("data_rate_gbps");
  CHECK_THAT(parse_error(renamed), Contains("hbm.data_rate_gbps: expected a number > 0 and <= 100 (data rate per pin in Gb/s), got "
                                            "nothing (the key is missing; is 'data_rate' a misspelling of it?)"));

  YAML::Node no_noc = load_tree("g1");
  no_noc.remove("noc");
  CHECK_THAT(parse_error(no_noc), Contains("noc: expected a map"));
}

TEST_CASE("wrong types are rephrased, never a yaml-cpp exception", "[config][errors]") {
  YAML::Node root = load_tree("g1");
  root["cores"][0]["matrix"]["rows"] = "abc";
  std::string msg = parse_error(root);
  CHECK_THAT(msg, Contains("cores[0].matrix.rows: expected an integer >= 1"));
  CHECK_THAT(msg, Contains("got 'abc'"));

  YAML::Node list = load_tree("g1");
  list["clocks"]["core_mhz"] = YAML::Load("[1, 2]");
  CHECK_THAT(parse_error(list), Contains("clocks.core_mhz: expected a number >= 1 and <= 100000"));

  YAML::Node frac = load_tree("g1");
  frac["hbm"]["stacks"] = 1.5;
  CHECK_THAT(parse_error(frac), Contains("hbm.stacks: expected an integer"));

  YAML::Node neg = load_tree("g1");
  neg["noc"]["dim_x"] = -4;
  CHECK_THAT(parse_error(neg), Contains("noc.dim_x: expected an integer >= 1"));

  YAML::Node sect = load_tree("g1");
  sect["global_sram"] = 7;
  CHECK_THAT(parse_error(sect), Contains("global_sram: expected a map"));

  YAML::Node suffix = load_tree("g1");
  suffix["global_sram"]["bytes"] = "64MB";
  msg = parse_error(suffix);
  CHECK_THAT(msg, Contains("global_sram.bytes: expected"));
  CHECK_THAT(msg, Contains("KiB"));
  CHECK_THAT(msg, Contains("got '64MB'"));
}

TEST_CASE("impossible values are rejected", "[config][errors]") {
  auto with = [](const std::string& chip, const std::string& assignment) {
    YAML::Node root = load_tree(chip);
    apply_override(root, assignment, "test.yaml");
    return parse_error(root);
  };
  CHECK_THAT(with("g1", "cores[0].scratchpad.banks=0"), Contains("cores[0].scratchpad.banks: expected a power of two"));
  CHECK_THAT(with("g1", "global_sram.banks=48"), Contains("global_sram.banks: expected a power of two"));
  CHECK_THAT(with("g1", "hbm.row_bytes=1000"), Contains("hbm.row_bytes: expected a power of two"));
  CHECK_THAT(with("g1", "hbm.interleave_bytes=96"), Contains("hbm.interleave_bytes: expected a power of two"));
  CHECK_THAT(with("g1", "hbm.timing.tRAS=10"), Contains("hbm.timing.tRAS: expected >= tRCD"));
  CHECK_THAT(with("g1", "hbm.timing.tREFI=500"), Contains("hbm.timing.tREFI: expected > tRFC"));
  CHECK_THAT(with("g1", "hbm.clock_mhz=1500"), Contains("hbm.clock_mhz: expected a clock that makes"));
  CHECK_THAT(with("h100", "hbm.burst_length=6"), Contains("hbm.burst_length: expected a whole multiple of the 4 beats"));
  CHECK_THAT(with("g1", "hbm.address_mapping=Ro-Ba-Co-Pc-Ch"), Contains("hbm.address_mapping: expected the six fields"));
  CHECK_THAT(with("g1", "clocks.noc_mhz=0"), Contains("clocks.noc_mhz: expected a number >= 1 and <= 100000"));
  CHECK_THAT(with("g1", "cores[0].count=0"), Contains("cores[0].count: expected an integer >= 1"));
  // Bounds that keep the cycle arithmetic finite (a SIGFPE, a 9223 s result and a 7 GB calendar
  // before): clocks from 1 MHz to 100 GHz, DRAM timings of at most 16384 command clocks.
  CHECK_THAT(with("g1", "clocks.sram_mhz=1e30"), Contains("clocks.sram_mhz: expected a number >= 1 and <= 100000"));
  CHECK_THAT(with("g1", "clocks.sram_mhz=1e-300"), Contains("clocks.sram_mhz: expected a number >= 1 and <= 100000"));
  CHECK_THAT(with("g1", "hbm.timing.tCCD_L=1e9"), Contains("hbm.timing.tCCD_L: expected an integer >= 1 and <= 16384"));
  CHECK_THAT(with("g1", "cores[0].matrix.rows=100000"), Contains("cores[0].matrix.rows: expected an integer >= 1 and <= 65536"));
  CHECK_THAT(with("g1", "cores[0].matrix.macs_per_cycle.bf16=1000"),
             Contains("cores[0].matrix.macs_per_cycle.bf16: expected MACs per cycle per engine: a whole multiple"));
  CHECK_THAT(with("g1", "cores[0].matrix.dataflows=[]"), Contains("cores[0].matrix.dataflows: expected a non-empty list"));
  CHECK_THAT(with("g1", "cores[0].matrix.dataflows=[ws, xs]"), Contains("got 'xs'"));
  CHECK_THAT(with("g1", "cores[0].matrix.accumulator_bytes=1KiB"),
             Contains("cores[0].matrix.accumulator_bytes: expected a size >= rows x cols x 4 B = 65536"));
  CHECK_THAT(with("g1", "noc.topology=torus"), Contains("noc.topology: expected one of mesh, ring, crossbar"));
  CHECK_THAT(with("h100", "noc.dim_x=4"), Contains("noc.dim_x: expected 1 for a crossbar"));
  CHECK_THAT(with("g1", "hbm.capacity_gib=0.001"), Contains("hbm.capacity_gib: expected a capacity"));

  YAML::Node bad_type = load_tree("g1");
  bad_type["cores"][0]["matrix"]["macs_per_cycle"]["bf17"] = 16384;
  CHECK_THAT(parse_error(bad_type), Contains("cores[0].matrix.macs_per_cycle.bf17: unknown data type 'bf17' (did you mean 'bf16'?)"));
}

TEST_CASE("a scratchpad smaller than one double-buffered tile is rejected", "[config][errors]") {
  YAML::Node root = load_tree("g1");
  root["cores"][0]["scratchpad"]["bytes"] = "128KiB";
  // 128 x 128 bf16: 2 x 2 x 16384 x 2 B + 16384 x 4 B = 196608 B.
  const std::string msg = parse_error(root);
  CHECK_THAT(msg, Contains("cores[0].scratchpad.bytes: expected at least 196608 bytes"));
  CHECK_THAT(msg, Contains("double-buffered minimal tile"));
  CHECK(min_scratchpad_bytes(load_chip_config("g1").cores[0]) == 196608);
  // h100: 4 engines x (2 x 2 x 256 x 4 B (tf32) + 256 x 4 B).
  CHECK(min_scratchpad_bytes(load_chip_config("h100").cores[0]) == 4 * (4096 + 1024));
}

TEST_CASE("errors in a file carry its line number", "[config][errors]") {
  const fs::path dir = fs::temp_directory_path() / "tessera_test_config";
  fs::create_directories(dir);
  const fs::path bad = dir / "bad.yaml";
  {
    std::ifstream in(chip_file("g1"));
    std::ofstream out(bad);
    std::string line;
    while (std::getline(in, line)) {
      if (line.rfind("    tRCD:", 0) == 0) line = "    tRCD: fast";
      out << line << "\n";
    }
  }
  std::string msg;
  try {
    load_chip_config(bad.string());
  } catch (const Error& e) {
    msg = e.what();
  }
  CHECK_THAT(msg, StartsWith(bad.string() + ":"));
  CHECK_THAT(msg, Contains("hbm.timing.tRCD: expected an integer >= 1"));
  CHECK_THAT(msg, Contains("got 'fast'"));

  const fs::path syntax = dir / "syntax.yaml";
  std::ofstream(syntax) << "name: x\nclocks: [1, 2\n";
  msg.clear();
  try {
    load_chip_config(syntax.string());
  } catch (const Error& e) {
    msg = e.what();
  }
  CHECK_THAT(msg, Contains("syntax.yaml:"));
  CHECK_THAT(msg, Contains("YAML syntax error"));

  const fs::path dup = dir / "dup.yaml";
  std::ofstream(dup) << "name: x\nname: y\n";
  msg.clear();
  try {
    load_chip_config(dup.string());
  } catch (const Error& e) {
    msg = e.what();
  }
  CHECK_THAT(msg, Contains("dup.yaml:2: name: duplicate key"));
  fs::remove_all(dir);
}

TEST_CASE("unknown chip names list the shipped chips", "[config][errors]") {
  try {
    load_chip_config("h101");
    FAIL("expected an error");
  } catch (const Error& e) {
    CHECK_THAT(e.what(), Contains("unknown chip 'h101'"));
    CHECK_THAT(e.what(), Contains("did you mean 'h100'?"));
    CHECK_THAT(e.what(), Contains("a100, b200, edge-npu"));
    CHECK_THAT(e.what(), Contains("g1, g2, h100, h200"));
  }
  CHECK_THROWS_WITH(load_chip_config("no/such/file.yaml"), Contains("no such chip config file"));
}

TEST_CASE("TESSERA_HOME chips take precedence", "[config]") {
  const fs::path home = fs::temp_directory_path() / "tessera_test_home";
  fs::create_directories(home / "configs" / "chips");
  fs::copy_file(chip_file("edge-npu"), home / "configs" / "chips" / "my-npu.yaml", fs::copy_options::overwrite_existing);
  setenv("TESSERA_HOME", home.c_str(), 1);
  CHECK(resolve_chip_path("my-npu") == (home / "configs" / "chips" / "my-npu.yaml").string());
  CHECK(load_chip_config("my-npu").name == "edge-npu");
  unsetenv("TESSERA_HOME");
  fs::remove_all(home);
}

TEST_CASE("set overrides change existing keys", "[config][override]") {
  const ChipConfig base = load_chip_config("g1");
  const ChipConfig c = load_chip_config("g1", {"hbm.data_rate_gbps=3.6", "hbm.clock_mhz=1800",
                                               "cores[0].matrix.dataflows=[os]", "global_sram.bytes=32MiB",
                                               "description=what if: slower"});
  CHECK(c.hbm.data_rate_gbps == 3.6);
  CHECK(c.hbm.clock_mhz == 1800);
  CHECK(c.cores[0].matrix.dataflows == std::vector<Dataflow>{Dataflow::output_stationary});
  CHECK(c.global_sram.bytes == 32ull << 20);
  CHECK(c.description == "what if: slower");
  CHECK(c.noc == base.noc);

  // A bad value through an override is caught by validation, without a line number.
  try {
    load_chip_config("g1", {"cores[0].matrix.rows=0"});
    FAIL("expected an error");
  } catch (const Error& e) {
    CHECK_THAT(e.what(), Contains("g1.yaml: cores[0].matrix.rows: expected an integer >= 1"));
  }
}

TEST_CASE("[*] applies an override to every element", "[config][override]") {
  YAML::Node root = load_tree("g1");
  // Make a second core group: 8 + 8 cores.
  root["cores"][0]["count"] = 8;
  root["cores"].push_back(YAML::Clone(root["cores"][0]));
  apply_override(root, "cores[*].matrix.rows=64", "test.yaml");
  apply_override(root, "cores[1].matrix.cols=64", "test.yaml");
  const ChipConfig c = parse_chip_config(root, "test.yaml");
  REQUIRE(c.cores.size() == 2);
  CHECK(c.total_cores() == 16);
  CHECK(c.cores[0].matrix.rows == 64);
  CHECK(c.cores[1].matrix.rows == 64);
  CHECK(c.cores[0].matrix.cols == 128);  // [*] targets do not share one node
  CHECK(c.cores[1].matrix.cols == 64);
}

TEST_CASE("an override reaches an optional key the file leaves out", "[config][override]") {
  // a100.yaml has no hbm.refresh and no hbm.timing.tRFCpb: all-bank refresh by default.
  CHECK(load_chip_config("a100").hbm.refresh == HbmRefresh::all_bank);
  const ChipConfig c = load_chip_config("a100", {"hbm.refresh=per_bank", "hbm.timing.tRFCpb=320"});
  CHECK(c.hbm.refresh == HbmRefresh::per_bank);
  CHECK(c.hbm.timing.tRFCpb == 320);
  // Everything else is the file's.
  CHECK(c.hbm.timing.tREFI == load_chip_config("a100").hbm.timing.tREFI);
  CHECK_THROWS_WITH(load_chip_config("a100", {"hbm.refresh=per_bank"}), Contains("hbm.timing.tRFCpb"));
}

TEST_CASE("bad override paths list the nearest valid ones", "[config][override]") {
  const YAML::Node root = load_tree("h100");
  std::string msg = override_error(root, "hbm.data_rate=6.4");
  CHECK_THAT(msg, Contains("--set hbm.data_rate=6.4: unknown key path 'hbm.data_rate'"));
  CHECK_THAT(msg, Contains("nearest valid: hbm.data_rate_gbps"));

  msg = override_error(root, "cores[*].matrix.row=8");
  CHECK_THAT(msg, Contains("nearest valid: cores[*].matrix.rows"));

  msg = override_error(root, "cores[3].count=8");
  CHECK_THAT(msg, Contains("index 3 out of range"));
  CHECK_THAT(msg, Contains("cores[0].count"));

  CHECK_THAT(override_error(root, "hbm.stacks"), Contains("expected key.path=value"));
  CHECK_THAT(override_error(root, "hbm.stacks="), Contains("expected a value after '='"));
  CHECK_THAT(override_error(root, "hbm..stacks=4"), Contains("bad key path"));
  CHECK_THAT(override_error(root, "name.x=4"), Contains("unknown key path 'name.x'"));
  CHECK_THROWS_WITH(load_chip_config("h100", {"hbm.timing.tRDC=20"}), Contains("nearest valid: hbm.timing.tRCD"));
}

TEST_CASE("suggestions are offered only when plausible", "[config]") {
  const std::vector<std::string> keys = {"rows", "cols", "count", "data_rate_gbps", "tRCD", "tRFC"};
  CHECK(edit_distance("tRDC", "tRCD") == 1);  // adjacent swap
  CHECK(did_you_mean("rowz", keys) == "rows");
  CHECK(did_you_mean("data_rate", keys) == "data_rate_gbps");
  CHECK(did_you_mean("tRDC", keys) == "tRCD");
  CHECK_FALSE(did_you_mean("power", keys));
}

TEST_CASE("leaf key paths", "[config]") {
  const auto leaves = leaf_key_paths(load_tree("h100"));
  auto has = [&](const char* p) { return std::find(leaves.begin(), leaves.end(), p) != leaves.end(); };
  CHECK(has("name"));
  CHECK(has("cores[0].matrix.rows"));
  CHECK(has("cores[0].matrix.dataflows"));
  CHECK(has("cores[0].matrix.macs_per_cycle.bf16"));
  CHECK(has("hbm.timing.tRFC"));
  CHECK_FALSE(has("hbm"));
}

TEST_CASE("power and calibration sections are validated", "[config][power][errors]") {
  auto with = [](const std::string& chip, const std::string& assignment) {
    YAML::Node root = load_tree(chip);
    apply_override(root, assignment, "test.yaml");
    return parse_error(root);
  };
  // Every data type a matrix engine supports needs an energy.
  YAML::Node no_fp8 = load_tree("h100");
  no_fp8["power"]["pj_per_mac"].remove("fp8");
  CHECK_THAT(parse_error(no_fp8), Contains("power.pj_per_mac.fp8: expected a number >= 0 (pJ per MAC)"));
  YAML::Node bad_type = load_tree("g1");
  bad_type["power"]["pj_per_mac"]["fp7"] = 0.1;
  CHECK_THAT(parse_error(bad_type), Contains("power.pj_per_mac.fp7: unknown data type 'fp7' (did you mean 'fp8'?)"));
  CHECK_THAT(with("g1", "power.hbm_activate_pj=-1"), Contains("power.hbm_activate_pj: expected a number >= 0"));
  CHECK_THAT(with("g1", "power.sram_pj_per_byte.read=x"), Contains("power.sram_pj_per_byte.read: expected a number >= 0"));
  CHECK_THAT(with("g1", "power.static_w.matrix=-3"), Contains("power.static_w.matrix: expected a number >= 0"));
  // Operating points: ascending, and the nominal one is the clocks section's.
  CHECK_THAT(with("g1", "power.operating_points[1].core_mhz=500"),
             Contains("power.operating_points[1].core_mhz: expected points in ascending order of clock: above the "
                      "previous point's 600 MHz, got 500"));
  CHECK_THAT(with("g1", "power.operating_points[2].volts=0.6"),
             Contains("power.operating_points[2].volts: expected a voltage not below the previous (slower) point's "
                      "0.65 V, got 0.6"));
  CHECK_THAT(with("g1", "power.nominal_point=1"),
             Contains("power.nominal_point: expected an index into operating_points, 0 .. 2, of the point whose "
                      "core_mhz equals clocks.core_mhz (1200)"));
  CHECK_THAT(with("g1", "power.nominal_point=7"), Contains("power.nominal_point: expected an index"));
  CHECK_THAT(with("g1", "clocks.core_mhz=1000"), Contains("power.nominal_point: expected an index"));
  CHECK_THAT(with("g1", "power.operating_points=[]"), Contains("power.operating_points: expected a non-empty list"));
  CHECK_THAT(with("g1", "power.tdp_w=20"), Contains("power.tdp_w: expected a limit above the idle power (static_w sums to 49 W)"));
  CHECK_THAT(with("g1", "power.throttle_window_us=0"), Contains("power.throttle_window_us: expected a number > 0"));
  CHECK_THAT(with("g1", "calibration.matrix_efficiency=1.2"),
             Contains("calibration.matrix_efficiency: expected a number in (0, 1]"));
  CHECK_THAT(with("g1", "calibration.hbm_efficiency=0"), Contains("calibration.hbm_efficiency: expected a number in (0, 1]"));
  CHECK_THAT(with("g1", "calibration.dynamic_energy_scale=0"),
             Contains("calibration.dynamic_energy_scale: expected a number > 0"));
  YAML::Node no_power = load_tree("g1");
  no_power.remove("power");
  CHECK_THAT(parse_error(no_power), Contains("power: expected a map"));
  YAML::Node no_cal = load_tree("g1");
  no_cal.remove("calibration");
  CHECK_THAT(parse_error(no_cal), Contains("calibration: expected a map"));
}

TEST_CASE("power settings read back and can be overridden", "[config][power]") {
  const ChipConfig h = load_chip_config("h100");
  CHECK(h.power.tdp_w == 700);                          // [hpctech]
  CHECK(h.power.nominal().core_mhz == h.clocks.core_mhz);
  CHECK(h.power.pj_per_mac.at(DataType::bf16) == 0.24);  // energy.md section 7, 4-5 nm
  // Idle 67-73 W (measurements.md P8): static 68 W plus refresh, see h100.yaml.
  CHECK(h.power.static_w.total() == Approx(68));
  const ChipConfig a = load_chip_config("a100");
  CHECK(a.power.tdp_w == 400);                           // [fud-a100]
  CHECK(a.power.static_w.total() == Approx(53));
  const ChipConfig g = load_chip_config("g1", {"power.tdp_w=200", "power.operating_points[0].volts=0.5",
                                               "calibration.matrix_efficiency=0.9"});
  CHECK(g.power.tdp_w == 200);
  CHECK(g.power.operating_points[0].volts == 0.5);
  CHECK(g.calibration.matrix_efficiency == 0.9);
}

TEST_CASE("the generation ladder reproduces its published peaks", "[config][ladder]") {
  // A100: 312 TFLOP/s bf16, 156 TF32, 624 int8 [gk-a100]; 2039 GB/s [gk-a100][sysrq-a100].
  const ChipConfig a = load_chip_config("a100");
  CHECK(2 * a.peak_macs_per_second(DataType::bf16) == Approx(312e12).epsilon(0.005));
  CHECK(2 * a.peak_macs_per_second(DataType::fp32) == Approx(156e12).epsilon(0.005));
  CHECK(2 * a.peak_macs_per_second(DataType::int8) == Approx(624e12).epsilon(0.005));
  CHECK(a.peak_macs_per_second(DataType::fp8) == 0);
  CHECK(a.hbm.peak_bytes_per_second() == Approx(2039e9).epsilon(0.001));
  // H200: the H100 die with 4.8 TB/s of HBM3e [pl].
  const ChipConfig h200 = load_chip_config("h200");
  CHECK(2 * h200.peak_macs_per_second(DataType::bf16) == Approx(989.5e12).epsilon(0.005));
  CHECK(h200.hbm.peak_bytes_per_second() == Approx(4.8e12).epsilon(0.001));
  // B200: 2250 TFLOP/s bf16, 4500 fp8 dense, 8 TB/s [gk-b200][tt-b200].
  const ChipConfig b = load_chip_config("b200");
  CHECK(2 * b.peak_macs_per_second(DataType::bf16) == Approx(2250e12).epsilon(0.005));
  CHECK(2 * b.peak_macs_per_second(DataType::fp8) == Approx(4500e12).epsilon(0.005));
  CHECK(b.hbm.peak_bytes_per_second() == Approx(8e12).epsilon(0.001));
  // Enflame T20 card: 128 TFLOP/s bf16, 256 TOPS int8, 1.6 TB/s [notes-a][pl]; i20: 819 GB/s [md-i20].
  const ChipConfig t20 = load_chip_config("enflame-t20");
  CHECK(2 * t20.peak_macs_per_second(DataType::bf16) == Approx(128e12).epsilon(0.005));
  CHECK(2 * t20.peak_macs_per_second(DataType::int8) == Approx(256e12).epsilon(0.005));
  CHECK(t20.hbm.peak_bytes_per_second() == Approx(1.6e12).epsilon(0.001));
  const ChipConfig i20 = load_chip_config("enflame-i20");
  CHECK(2 * i20.peak_macs_per_second(DataType::bf16) == Approx(128e12).epsilon(0.005));
  CHECK(i20.hbm.peak_bytes_per_second() == Approx(819.2e9).epsilon(0.001));
  CHECK(i20.power.tdp_w == 150);
  CHECK(t20.power.tdp_w == 300);
}

TEST_CASE("the key listing covers every key a chip file has", "[config][keys]") {
  std::set<std::string> listed;
  for (const auto& k : chip_config_keys()) {
    INFO(k.path);
    CHECK(!k.type.empty());
    CHECK(!k.help.empty());
    CHECK(listed.insert(k.path).second);  // each key once
  }
  // Every leaf of a resolved chip, list indices as [*]; a map keyed by data type is one key.
  for (const auto& name : shipped_chip_names()) {
    for (std::string path : leaf_key_paths(to_yaml(load_chip_config(name)))) {
      for (std::size_t open = path.find('['); open != std::string::npos; open = path.find('[', open + 3))
        path.replace(open, path.find(']', open) - open + 1, "[*]");
      for (const char* map_key : {"macs_per_cycle", "pj_per_mac"})
        if (auto at = path.find(map_key); at != std::string::npos) path = path.substr(0, at + std::strlen(map_key));
      INFO(name << ": " << path);
      CHECK(listed.count(path) == 1);
    }
  }
  CHECK(listed.count("hbm.timing.tREFI") == 1);
  CHECK(listed.count("power.operating_points[*].volts") == 1);
}

TEST_CASE("the key tables of docs/chip-config.md are generated from the schema", "[config][keys]") {
  const fs::path doc_path = fs::path(TESSERA_TEST_DATA_DIR) / "docs" / "chip-config.md";
  std::ifstream in(doc_path, std::ios::binary);
  REQUIRE(in);
  std::stringstream text;
  text << in.rdbuf();
  // On failure: cmake --build build --target chip-config-doc, then commit docs/chip-config.md.
  INFO("docs/chip-config.md is stale: regenerate it with 'cmake --build build --target chip-config-doc'");
  CHECK(update_chip_config_doc(text.str()) == text.str());
  CHECK_THROWS_WITH(update_chip_config_doc("no markers"), Contains("BEGIN GENERATED chip top level"));
}

TEST_CASE("tREFI = 0 disables refresh, any other value must exceed tRFC", "[config]") {
  // One rule for the loader, the HBM channel and the energy model (all read 0 as no refresh).
  const ChipConfig c = load_chip_config("g1", {"hbm.timing.tREFI=0"});
  CHECK(c.hbm.timing.tREFI == 0);
  CHECK(parse_chip_config(to_yaml(c), "resolved") == c);
  CHECK_THROWS_WITH(load_chip_config("g1", {"hbm.timing.tREFI=1"}), Contains("hbm.timing.tREFI: expected > tRFC"));
  CHECK_THROWS_WITH(load_chip_config("g1", {"hbm.timing.tREFI=-1"}), Contains("hbm.timing.tREFI: expected an integer >= 0"));
}

TEST_CASE("text that is not UTF-8 is an error with its line and column, in every reader", "[config][utf8]") {
  // RFC 3629: ASCII, 2-, 3- and 4-byte forms pass; a stray continuation byte, an overlong form,
  // a surrogate, a code point above U+10FFFF and a truncated sequence do not.
  CHECK(invalid_utf8_at("name: h100") == std::string_view::npos);
  CHECK(invalid_utf8_at("\xC3\xA9t\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80") == std::string_view::npos);  // été € 😀
  CHECK(invalid_utf8_at("ab\x80") == 2);
  CHECK(invalid_utf8_at("\xC0\xAF") == 0);          // overlong '/'
  CHECK(invalid_utf8_at("x\xED\xA0\x80") == 1);     // U+D800, a surrogate
  CHECK(invalid_utf8_at("\xF4\x90\x80\x80") == 0);  // U+110000
  CHECK(invalid_utf8_at("ok\xE2\x82") == 2);        // truncated
  // The bytes fuzzing found reaching the JSON writer (which threw a C++ type_error, "internal error").
  const fs::path dir = fs::temp_directory_path() / ("tessera-utf8-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const std::string path = (dir / "bad.yaml").string();
  {
    std::ifstream in(chip_file("g1"));
    std::stringstream text;
    text << in.rdbuf();
    std::string body = text.str();
    body.replace(body.find("name: g1"), 8, "name: g\xFF" "1");  // line 6 of g1.yaml
    std::ofstream(path) << body;
  }
  CHECK_THROWS_WITH(load_chip_config(path), Contains(path + ":6:8: not UTF-8 text (byte 0xFF"));
  CHECK_THROWS_WITH(load_chip_config("g1", {"name=\xE4"}), Contains("not UTF-8 text (byte 0xE4"));
  // A parsed tree is checked too: yaml-cpp decodes text that starts with NUL bytes as UTF-32 or
  // UTF-16 into strings that need not be UTF-8 (fuzzing found such inputs in every YAML reader).
  CHECK_THROWS_WITH(require_utf8(YAML::Node(std::string("a\x80")), "t.yaml"), Contains("the value is not UTF-8 text"));
  fs::remove_all(dir);
}
