// Longer than 600 lines: every writer is checked against the same hand-built result.
// Result reporters: HDF5 layout and reproducibility, JSON, Perfetto trace, terminal table and
// the atomic file writer. The result is built by hand so every expected value is known.
//
// Set TESSERA_TEST_KEEP_DIR=<dir> to also leave results.h5, big.h5, results.json, trace.json and
// table.txt there (e.g. to open them with scripts/check_results.py).
#include <catch2/catch.hpp>

#include <chrono>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <set>
#include <sstream>
#include <stdexcept>
#include <thread>

#include <fmt/core.h>
#include <hdf5.h>
#include <nlohmann/json.hpp>
#include <csignal>
#include <sys/wait.h>
#include <unistd.h>

#include "base/types.h"
#include "sim/sim_result.h"
#include "base/io/atomic_file.h"
#include "base/io/h5_file.h"
#include "base/io/h5_reader.h"
#include "report/hdf5_writer.h"
#include "report/json_report.h"
#include "report/perfetto_trace.h"
#include "report/table_report.h"
#include "tests/temp_dir.h"

namespace fs = std::filesystem;
using nlohmann::json;
using namespace tessera;

using tessera::test::TempDir;
using tessera::test::read_bytes;

namespace {

/// Two groups with different stat sets, two operators, three timeline events (two overlapping
/// on one track). Simulated time 1.23 ms.
SimResult make_result() {
  SimResult r;
  r.tool_version = "0.1.0 (test)";
  r.chip_name = "test-chip";
  r.chip_config = YAML::Load(
      "name: test-chip\n"
      "cores: 4\n"
      "clock_mhz: 1500\n"
      "hbm: {channels: 8, data_rate_gbps: 6.4}\n"
      "dataflow: ws\n"
      "label: \"007\"\n"
      "ecc: true\n");
  r.workload = json{{"name", "tiny"},
                    {"source", "hand-built"},
                    {"operators", json::array({json{{"id", "op0"}, {"kind", "gemm"}},
                                               json{{"id", "op1"}, {"kind", "softmax"}}})}};
  r.summary.set("seconds", 1.23e-3, "s", "simulated time");
  r.summary.set("tokens_per_second", 812.4, "tokens/s", "generated tokens per second");
  r.summary.set("avg_power_w", 350.0, "W", "average power");
  r.summary.set("idle_power_w", 90.0, "W", "idle power");
  r.summary.set_text("bottleneck", "hbm", "unit that bounds most operators");
  r.summary.set("achieved_flops", 812.4e12, "FLOP/s", "achieved throughput");

  r.stats = std::make_unique<StatsRegistry>();
  StatGroup& mx = r.stats->add_group("core0.matrix", "matrix", 1500.0);
  mx.add(stat_names::kBusyCycles, "cycles", "busy cycles").value = 922500;  // 0.615 ms
  mx.add(stat_names::kBytesRead, "bytes", "bytes read").value = 1e6;
  mx.add("macs", "MAC", "multiply-accumulates").value = 4e9;
  StatGroup& hbm = r.stats->add_group("hbm0", "hbm", 1000.0);
  hbm.add(stat_names::kBusyCycles, "cycles", "busy cycles").value = 615000;  // 0.615 ms
  hbm.add(stat_names::kBytesRead, "bytes", "bytes read").value = 2e9;
  hbm.add(stat_names::kBytesWritten, "bytes", "bytes written").value = 1e9;
  hbm.add("refreshes", "count", "refresh commands").value = 12;

  OpResult a;
  a.id = "op0";
  a.name = "layer0.qkv";
  a.kind = "gemm";
  a.phase = "prefill";
  a.layer = 0;
  a.start_s = 0;
  a.end_s = 1.0e-3;
  a.start_cycle = 0;
  a.end_cycle = 1500000;
  a.flops = 8e11;
  a.hbm_bytes = 2.1e9;
  a.sram_bytes = 4e9;
  a.compute_s = 0.9e-3;
  a.ideal_s = 0.8e-3;
  a.bound_by = "compute";
  a.tiles = 64;
  OpResult b = a;
  b.id = "op1";
  b.name = "layer0.softmax";
  b.kind = "softmax";
  b.start_s = 1.0e-3;
  b.end_s = 1.23e-3;
  b.start_cycle = 1500000;
  b.end_cycle = 1845000;
  b.flops = 1e8;
  b.hbm_bytes = 5e8;
  b.bound_by = "hbm";
  b.tiles = 8;
  r.ops = {a, b};

  r.timeline = {{"hbm0", "op0", 0.0, 0.4e-3},
                {"core0.matrix", "op0", 0.0, 1.0e-3},
                {"core0.matrix", "op0.extra", 0.5e-3, 1.0e-3}};  // overlaps the previous one
  return r;
}

/// A larger result: enough metrics, groups, links and text that HDF5 would normally move
/// attributes to dense storage and strings to several global heap collections.
SimResult make_big_result() {
  SimResult r = make_result();
  std::string yaml;
  for (int i = 0; i < 3000; ++i) yaml += fmt::format("key_{}: value number {}\n", i, i);
  r.chip_config = YAML::Load(yaml);  // ~80 kB of YAML text in one attribute
  for (int i = 0; i < 40; ++i)
    r.summary.set(fmt::format("metric_{}", i), i * 0.5, "s", fmt::format("metric {}", i));
  for (int i = 0; i < 64; ++i) {
    StatGroup& g = r.stats->add_group(fmt::format("core{}.vector", i), "vector", 1500.0);
    g.add(stat_names::kBusyCycles, "cycles", "").value = 1000.0 * i;
    g.add(fmt::format("lane_ops_{}", i % 5), "count", "").value = i;
  }
  for (int i = 0; i < 500; ++i) {
    OpResult o = r.ops[i % 2];
    o.id = fmt::format("op{}", i + 2);
    o.name = std::string(static_cast<std::size_t>(i % 37), 'n');
    r.ops.push_back(o);
    r.timeline.push_back({fmt::format("core{}.vector", i % 7), o.id, i * 1e-6, 2e-6});
  }
  return r;
}

void keep_big_copy(const SimResult& r) {
  const char* keep = std::getenv("TESSERA_TEST_KEEP_DIR");
  if (!keep || !*keep) return;
  fs::create_directories(keep);
  write_hdf5(r, (fs::path(keep) / "big.h5").string());
}

// --- small HDF5 C API readers for the checks -------------------------------------------------

std::string read_string_attr(hid_t obj, const char* name) {
  hid_t attr = H5Aopen(obj, name, H5P_DEFAULT);
  REQUIRE(attr >= 0);
  hid_t type = H5Aget_type(attr);
  REQUIRE(H5Tis_variable_str(type) > 0);
  char* value = nullptr;
  REQUIRE(H5Aread(attr, type, &value) >= 0);
  std::string s = value ? value : "";
  H5free_memory(value);
  H5Tclose(type);
  H5Aclose(attr);
  return s;
}

template <class T>
T read_scalar_attr(hid_t obj, const char* name, hid_t mem_type) {
  hid_t attr = H5Aopen(obj, name, H5P_DEFAULT);
  REQUIRE(attr >= 0);
  T v{};
  REQUIRE(H5Aread(attr, mem_type, &v) >= 0);
  H5Aclose(attr);
  return v;
}

std::vector<std::string> attr_names_in_creation_order(hid_t obj) {
  H5O_info_t info;
  REQUIRE(H5Oget_info(obj, &info) >= 0);
  std::vector<std::string> names;
  for (hsize_t i = 0; i < info.num_attrs; ++i) {
    char buf[256] = {};
    REQUIRE(H5Aget_name_by_idx(obj, ".", H5_INDEX_CRT_ORDER, H5_ITER_INC, i, buf, sizeof buf,
                               H5P_DEFAULT) >= 0);
    names.emplace_back(buf);
  }
  return names;
}

/// Reads one double field of a compound dataset by name.
std::vector<double> read_double_field(hid_t ds, const char* field) {
  hid_t space = H5Dget_space(ds);
  hssize_t n = H5Sget_simple_extent_npoints(space);
  H5Sclose(space);
  hid_t mt = H5Tcreate(H5T_COMPOUND, sizeof(double));
  H5Tinsert(mt, field, 0, H5T_NATIVE_DOUBLE);
  std::vector<double> v(static_cast<std::size_t>(n));
  REQUIRE(H5Dread(ds, mt, H5S_ALL, H5S_ALL, H5P_DEFAULT, v.data()) >= 0);
  H5Tclose(mt);
  return v;
}

std::vector<std::int64_t> read_int_field(hid_t ds, const char* field) {
  hid_t space = H5Dget_space(ds);
  hssize_t n = H5Sget_simple_extent_npoints(space);
  H5Sclose(space);
  hid_t mt = H5Tcreate(H5T_COMPOUND, sizeof(std::int64_t));
  H5Tinsert(mt, field, 0, H5T_NATIVE_INT64);
  std::vector<std::int64_t> v(static_cast<std::size_t>(n));
  REQUIRE(H5Dread(ds, mt, H5S_ALL, H5S_ALL, H5P_DEFAULT, v.data()) >= 0);
  H5Tclose(mt);
  return v;
}

std::vector<std::string> read_string_field(hid_t ds, const char* field) {
  constexpr std::size_t kLen = 64;
  hid_t space = H5Dget_space(ds);
  hssize_t n = H5Sget_simple_extent_npoints(space);
  H5Sclose(space);
  hid_t st = H5Tcopy(H5T_C_S1);
  H5Tset_size(st, kLen);
  H5Tset_strpad(st, H5T_STR_NULLPAD);
  H5Tset_cset(st, H5T_CSET_UTF8);
  hid_t mt = H5Tcreate(H5T_COMPOUND, kLen);
  H5Tinsert(mt, field, 0, st);
  std::vector<char> buf(static_cast<std::size_t>(n) * kLen, 0);
  REQUIRE(H5Dread(ds, mt, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf.data()) >= 0);
  H5Tclose(mt);
  H5Tclose(st);
  std::vector<std::string> out;
  for (hssize_t i = 0; i < n; ++i) {
    const char* p = buf.data() + i * kLen;
    out.emplace_back(p, strnlen(p, kLen));
  }
  return out;
}

std::vector<std::string> field_names(hid_t ds) {
  hid_t t = H5Dget_type(ds);
  std::vector<std::string> names;
  for (int i = 0; i < H5Tget_nmembers(t); ++i) {
    char* n = H5Tget_member_name(t, static_cast<unsigned>(i));
    names.emplace_back(n);
    H5free_memory(n);
  }
  H5Tclose(t);
  return names;
}

void keep_copies(const SimResult& r) {
  const char* keep = std::getenv("TESSERA_TEST_KEEP_DIR");
  if (!keep || !*keep) return;
  fs::create_directories(keep);
  write_hdf5(r, (fs::path(keep) / "results.h5").string());
  write_json(r, (fs::path(keep) / "results.json").string());
  write_perfetto_trace(r, (fs::path(keep) / "trace.json").string());
  std::ostringstream table;
  print_table(r, table);
  write_text_atomically((fs::path(keep) / "table.txt").string(), table.str());
}

}  // namespace

TEST_CASE("HDF5 results are byte-identical run to run", "[report][hdf5]") {
  TempDir tmp("report");
  SimResult r = make_result();
  keep_copies(r);
  write_hdf5(r, tmp.file("a.h5"));
  // HDF5 object timestamps have one-second resolution: wait past a tick so recorded times
  // would show up as a difference.
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));
  write_hdf5(r, tmp.file("b.h5"));
  const std::string a = read_bytes(tmp.file("a.h5")), b = read_bytes(tmp.file("b.h5"));
  REQUIRE(!a.empty());
  CHECK(a.size() == b.size());
  CHECK(a == b);
  // No temporary files are left behind.
  std::size_t files = 0;
  for (const auto& e : fs::directory_iterator(tmp.dir)) {
    (void)e;
    ++files;
  }
  CHECK(files == 2);
}

TEST_CASE("Large HDF5 results are byte-identical run to run", "[report][hdf5]") {
  TempDir tmp("report");
  SimResult r = make_big_result();
  keep_big_copy(r);
  write_hdf5(r, tmp.file("a.h5"));
  write_hdf5(make_big_result(), tmp.file("b.h5"));
  const std::string a = read_bytes(tmp.file("a.h5")), b = read_bytes(tmp.file("b.h5"));
  REQUIRE(a.size() > 80000);
  CHECK(a == b);
  hid_t f = H5Fopen(tmp.file("a.h5").c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  REQUIRE(f >= 0);
  hid_t s = H5Gopen2(f, "summary", H5P_DEFAULT);
  const auto names = attr_names_in_creation_order(s);
  REQUIRE(names.size() == 46);
  CHECK(names.front() == "seconds");
  CHECK(names.back() == "metric_39");
  H5Gclose(s);
  hid_t meta = H5Gopen2(f, "meta", H5P_DEFAULT);
  CHECK(read_string_attr(meta, "chip_config") == chip_config_yaml(r.chip_config));
  H5Gclose(meta);
  hid_t ops = H5Dopen2(f, "ops", H5P_DEFAULT);
  CHECK(read_double_field(ops, "flops").size() == 502);
  H5Dclose(ops);
  H5Fclose(f);
}

TEST_CASE("HDF5 results read back with the C API", "[report][hdf5]") {
  TempDir tmp("report");
  SimResult r = make_result();
  const std::string path = tmp.file("r.h5");
  write_hdf5(r, path);

  hid_t f = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  REQUIRE(f >= 0);
  CHECK(read_string_attr(f, "format") == "tessera.results");
  CHECK(read_scalar_attr<std::int64_t>(f, "format_version", H5T_NATIVE_INT64) == 1);

  SECTION("meta") {
    hid_t meta = H5Gopen2(f, "meta", H5P_DEFAULT);
    REQUIRE(meta >= 0);
    CHECK(read_string_attr(meta, "tool_version") == "0.1.0 (test)");
    CHECK(read_string_attr(meta, "chip_name") == "test-chip");
    CHECK(read_string_attr(meta, "workload_name") == "tiny");
    const std::string yaml = read_string_attr(meta, "chip_config");
    CHECK(yaml == chip_config_yaml(r.chip_config));
    YAML::Node back = YAML::Load(yaml);
    CHECK(back["hbm"]["channels"].as<int>() == 8);
    CHECK(back["label"].as<std::string>() == "007");
    CHECK(json::parse(read_string_attr(meta, "workload")) == r.workload);
    H5Gclose(meta);
  }

  SECTION("summary: values, order, units and descriptions") {
    hid_t s = H5Gopen2(f, "summary", H5P_DEFAULT);
    REQUIRE(s >= 0);
    CHECK(read_scalar_attr<double>(s, "seconds", H5T_NATIVE_DOUBLE) == 1.23e-3);
    CHECK(read_scalar_attr<double>(s, "tokens_per_second", H5T_NATIVE_DOUBLE) == 812.4);
    CHECK(read_scalar_attr<double>(s, "avg_power_w", H5T_NATIVE_DOUBLE) == 350.0);
    CHECK(read_scalar_attr<double>(s, "idle_power_w", H5T_NATIVE_DOUBLE) == 90.0);
    CHECK(read_string_attr(s, "bottleneck") == "hbm");
    CHECK(attr_names_in_creation_order(s) ==
          std::vector<std::string>{"seconds", "tokens_per_second", "avg_power_w", "idle_power_w",
                                   "bottleneck", "achieved_flops"});
    hid_t units = H5Gopen2(s, "units", H5P_DEFAULT);
    CHECK(read_string_attr(units, "seconds") == "s");
    CHECK(read_string_attr(units, "achieved_flops") == "FLOP/s");
    CHECK(read_string_attr(units, "bottleneck") == "");
    H5Gclose(units);
    hid_t desc = H5Gopen2(s, "descriptions", H5P_DEFAULT);
    CHECK(read_string_attr(desc, "seconds") == "simulated time");
    H5Gclose(desc);
    H5Gclose(s);
  }

  SECTION("ops: one row per operator") {
    hid_t ds = H5Dopen2(f, "ops", H5P_DEFAULT);
    REQUIRE(ds >= 0);
    CHECK(field_names(ds) == std::vector<std::string>{"id", "name", "kind", "phase", "layer",
                                                      "start_s", "end_s", "start_cycle",
                                                      "end_cycle", "flops", "hbm_bytes",
                                                      "sram_bytes", "compute_s", "ideal_s",
                                                      "bound_by", "tiles", "energy_j"});
    CHECK(read_string_field(ds, "id") == std::vector<std::string>{"op0", "op1"});
    CHECK(read_string_field(ds, "name") ==
          std::vector<std::string>{"layer0.qkv", "layer0.softmax"});
    CHECK(read_string_field(ds, "bound_by") == std::vector<std::string>{"compute", "hbm"});
    CHECK(read_double_field(ds, "end_s") == std::vector<double>{1.0e-3, 1.23e-3});
    CHECK(read_double_field(ds, "flops") == std::vector<double>{8e11, 1e8});
    CHECK(read_int_field(ds, "end_cycle") == std::vector<std::int64_t>{1500000, 1845000});
    CHECK(read_int_field(ds, "tiles") == std::vector<std::int64_t>{64, 8});
    H5Dclose(ds);
  }

  SECTION("units: union of stat columns, busy time and utilisation") {
    hid_t ds = H5Dopen2(f, "units", H5P_DEFAULT);
    REQUIRE(ds >= 0);
    CHECK(field_names(ds) ==
          std::vector<std::string>{"path", "kind", "clock_mhz", "busy_cycles", "bytes_read",
                                   "macs", "bytes_written", "refreshes", "busy_seconds",
                                   "utilisation"});
    CHECK(read_string_field(ds, "path") == std::vector<std::string>{"core0.matrix", "hbm0"});
    CHECK(read_string_field(ds, "kind") == std::vector<std::string>{"matrix", "hbm"});
    CHECK(read_double_field(ds, "clock_mhz") == std::vector<double>{1500.0, 1000.0});
    CHECK(read_double_field(ds, "macs") == std::vector<double>{4e9, 0.0});  // 0 where absent
    CHECK(read_double_field(ds, "refreshes") == std::vector<double>{0.0, 12.0});
    const auto busy = read_double_field(ds, "busy_seconds");
    CHECK(busy[0] == Approx(0.615e-3));  // 922500 cycles / 1500 MHz
    CHECK(busy[1] == Approx(0.615e-3));  // 615000 cycles / 1000 MHz
    const auto util = read_double_field(ds, "utilisation");
    CHECK(util[0] == Approx(0.5));  // 0.615 ms of 1.23 ms
    CHECK(util[1] == Approx(0.5));
    H5Dclose(ds);
  }

  SECTION("timeline") {
    hid_t ds = H5Dopen2(f, "timeline", H5P_DEFAULT);
    REQUIRE(ds >= 0);
    CHECK(read_string_field(ds, "track") ==
          std::vector<std::string>{"hbm0", "core0.matrix", "core0.matrix"});
    CHECK(read_double_field(ds, "dur_s") == std::vector<double>{0.4e-3, 1.0e-3, 1.0e-3});
    H5Dclose(ds);
  }
  H5Fclose(f);
}

TEST_CASE("HDF5 results without stats, ops or a simulated time", "[report][hdf5]") {
  TempDir tmp("report");
  SimResult r;
  r.tool_version = "v";
  r.chip_name = "empty";
  r.stats = std::make_unique<StatsRegistry>();
  r.stats->add_group("dma0", "dma", 1000.0).add(stat_names::kBusyCycles, "cycles", "").value = 10;
  write_hdf5(r, tmp.file("e.h5"));
  hid_t f = H5Fopen(tmp.file("e.h5").c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  REQUIRE(f >= 0);
  hid_t ops = H5Dopen2(f, "ops", H5P_DEFAULT);
  REQUIRE(ops >= 0);
  CHECK(read_double_field(ops, "flops").empty());
  H5Dclose(ops);
  hid_t units = H5Dopen2(f, "units", H5P_DEFAULT);
  CHECK(std::isnan(read_double_field(units, "utilisation").at(0)));  // no "seconds" metric
  H5Dclose(units);
  hid_t meta = H5Gopen2(f, "meta", H5P_DEFAULT);
  CHECK(read_string_attr(meta, "chip_config") == "");
  CHECK(read_string_attr(meta, "workload") == "null");
  H5Gclose(meta);
  H5Fclose(f);
}

TEST_CASE("HDF5 helpers reject bad tables and report unwritable paths", "[report][hdf5]") {
  h5::Table t;
  t.add_doubles("x", {1.0, 2.0});
  CHECK_THROWS_AS(t.add_ints("y", {1}), std::invalid_argument);
  CHECK_THROWS_AS(t.add_strings("x", {"a", "b"}), std::invalid_argument);
  try {
    h5::H5File::create("/nonexistent-dir-for-tessera/x.h5");
    FAIL("expected an Error");
  } catch (const Error& e) {
    CHECK_THAT(e.what(), Catch::Contains("/nonexistent-dir-for-tessera/x.h5"));
  }
  SimResult r = make_result();
  try {
    write_hdf5(r, "/nonexistent-dir-for-tessera/r.h5");
    FAIL("expected an Error");
  } catch (const Error& e) {
    CHECK_THAT(e.what(), Catch::Contains("/nonexistent-dir-for-tessera/r.h5"));
    CHECK_THAT(e.what(), Catch::Contains("No such file or directory"));
  }
}

TEST_CASE("HDF5 reader reads back what the writer wrote", "[report][hdf5]") {
  TempDir tmp("report");
  const std::string path = tmp.file("rw.h5");
  for (bool ordered : {true, false}) {
    write_file_atomically(path, [&](const std::string& tmp_path) {
      h5::H5File f = h5::H5File::create(tmp_path, h5::FileOptions{.track_creation_order = ordered});
      h5::write_string_attribute(f.root(), "name", "caf\xc3\xa9");
      h5::write_double_attribute(f.root(), "x", 2.5);
      h5::write_int_attribute(f.root(), "n", -7);
      h5::write_int32_attribute(f.root(), "v", 3);
      h5::Handle g = h5::create_group(f.root(), "g");
      h5::write_double_column(g, "d", {1.5, -2.0}, "s");
      h5::write_int_column(g, "i", {4, 5, 6});
      h5::write_string_column(g, "s", {"a", "", "ccc"});
      h5::write_fixed_string_column(g, "f", {"ab", "", "abcd"}, {.compress = true});
      h5::write_column(g, "u", std::vector<std::uint64_t>{1, 2, 3}, {.compress = true});
      h5::write_column(g, "e", std::vector<std::uint8_t>{});
      h5::Table t;
      t.add_strings("chip", {"a100", "h100"}).add_doubles("w", {400, 700}, "W").add_ints("k", {1, -1});
      h5::write_table(g, "t", t);
      g.reset();
      f.close();
    });
    const h5::H5Reader r = h5::H5Reader::open(path);
    CHECK(h5::read_string_attribute(r.root(), "name") == "caf\xc3\xa9");
    CHECK(h5::read_double_attribute(r.root(), "x") == 2.5);
    CHECK(h5::read_int_attribute(r.root(), "n") == -7);
    CHECK(h5::read_int_attribute(r.root(), "v") == 3);
    CHECK(h5::read_double_attribute(r.root(), "v") == 3.0);
    CHECK(h5::exists(r.root(), "g/d"));
    CHECK_FALSE(h5::exists(r.root(), "g/nope"));
    CHECK_FALSE(h5::exists(r.root(), "nope/d"));
    CHECK(h5::has_attribute(r.root(), "x"));
    CHECK_FALSE(h5::has_attribute(r.root(), "y"));
    const h5::Handle g = h5::open_group(r.root(), "g");
    CHECK(h5::read_column<double>(g, "d") == std::vector<double>{1.5, -2.0});
    CHECK(h5::read_string_attribute(h5::open_dataset(g, "d"), "unit") == "s");
    CHECK(h5::read_column<std::int64_t>(g, "i", 3) == std::vector<std::int64_t>{4, 5, 6});
    CHECK(h5::read_column<double>(g, "i") == std::vector<double>{4, 5, 6});
    CHECK(h5::read_string_column(g, "s") == std::vector<std::string>{"a", "", "ccc"});
    CHECK(h5::read_string_column(g, "f", 3) == std::vector<std::string>{"ab", "", "abcd"});
    CHECK(h5::read_column<std::uint64_t>(g, "u") == std::vector<std::uint64_t>{1, 2, 3});
    CHECK(h5::read_column<std::uint8_t>(g, "e").empty());
    CHECK(h5::column_rows(g, "s") == 3);
    const h5::Table t = h5::read_table(g, "t");
    REQUIRE(t.columns().size() == 3);
    CHECK(t.rows() == 2);
    CHECK(t.columns()[0].name == "chip");
    CHECK(std::get<std::vector<std::string>>(t.columns()[0].values) == std::vector<std::string>{"a100", "h100"});
    CHECK(t.columns()[1].unit == "W");
    CHECK(std::get<std::vector<double>>(t.columns()[1].values) == std::vector<double>{400, 700});
    CHECK(std::get<std::vector<std::int64_t>>(t.columns()[2].values) == std::vector<std::int64_t>{1, -1});

    // Errors start with the file and say which object was expected to be what.
    auto fails_with = [&](auto read, const std::string& what) {
      try {
        read();
        FAIL("expected an Error: " + what);
      } catch (const Error& e) {
        CHECK_THAT(e.what(), Catch::StartsWith(path) && Catch::Contains(what));
      }
    };
    fails_with([&] { h5::read_string_attribute(r.root(), "y"); }, "attribute 'y' on '/' is missing");
    fails_with([&] { h5::read_string_attribute(r.root(), "x"); }, "attribute 'x' on '/' is not a string");
    fails_with([&] { h5::read_double_attribute(r.root(), "name"); }, "attribute 'name' on '/' is not a single number");
    fails_with([&] { h5::open_group(r.root(), "h"); }, "group '/h' is missing");
    fails_with([&] { h5::open_group(g, "d"); }, "'/g/d' is not a group");
    fails_with([&] { h5::open_dataset(g, "z"); }, "dataset '/g/z' is missing");
    fails_with([&] { h5::read_column<double>(g, "d", 3); }, "dataset '/g/d' must be one-dimensional with 3 rows");
    fails_with([&] { h5::read_column<double>(g, "s"); }, "dataset '/g/s' must hold numbers");
    fails_with([&] { h5::read_string_column(g, "d"); }, "dataset '/g/d' must hold strings");
    fails_with([&] { h5::read_table(g, "d"); }, "dataset '/g/d' must be a table");
    fails_with([&] { h5::read_double_dataset(g, "d"); }, "dataset '/g/d' must hold a single number");
  }
  const std::string text = tmp.file("text.h5");
  write_text_atomically(text, "not HDF5");
  CHECK_THROWS_WITH(h5::H5Reader::open(text), Catch::StartsWith(text + ": cannot open as HDF5"));
}

TEST_CASE("Atomic writes leave no file when the writer fails", "[report][atomic]") {
  TempDir tmp("report");
  const std::string path = tmp.file("out.txt");

  SECTION("a throwing writer leaves neither the file nor the temporary") {
    CHECK_THROWS_AS(write_file_atomically(path,
                                          [](const std::string& t) {
                                            std::ofstream(t) << "half";
                                            throw std::runtime_error("boom");
                                          }),
                    std::runtime_error);
    CHECK_FALSE(fs::exists(path));
    CHECK_FALSE(fs::exists(atomic_temp_path(path)));
  }

  SECTION("a failed rewrite keeps the previous contents") {
    write_text_atomically(path, "first\n");
    CHECK_THROWS(write_file_atomically(path, [](const std::string& t) {
      std::ofstream(t) << "second";
      throw Error("failed half way");
    }));
    CHECK(read_bytes(path) == "first\n");
    write_text_atomically(path, "third\n");
    CHECK(read_bytes(path) == "third\n");
    CHECK_FALSE(fs::exists(atomic_temp_path(path)));
  }

  SECTION("a temporary left by a killed process is removed by the next write") {
    // 999999999 is above Linux's largest pid (2^22), so no process has it; the parent's pid
    // names a live process, whose temporary must stay.
    const std::string stale = path + ".tmp.999999999", live = path + ".tmp." + std::to_string(::getppid());
    const std::string other = tmp.file("other.txt.tmp.999999999");
    std::ofstream(stale) << "half";
    std::ofstream(live) << "in progress";
    std::ofstream(other) << "not ours";
    write_text_atomically(path, "done\n");
    CHECK_FALSE(fs::exists(stale));
    CHECK(fs::exists(live));
    CHECK(fs::exists(other));
    CHECK(read_bytes(path) == "done\n");
  }

  SECTION("the temporary sits beside the target and names the process") {
    std::string seen;
    write_file_atomically(path, [&](const std::string& t) {
      seen = t;
      std::ofstream(t) << "x";
    });
    CHECK(seen == path + ".tmp." + std::to_string(::getpid()));
    CHECK(read_bytes(path) == "x");
  }

  SECTION("a missing directory is an Error naming the path and the reason") {
    const std::string bad = tmp.file("no/such/dir/out.txt");
    try {
      write_text_atomically(bad, "x");
      FAIL("expected an Error");
    } catch (const Error& e) {
      CHECK_THAT(e.what(), Catch::Contains(bad));
      CHECK_THAT(e.what(), Catch::Contains("No such file or directory"));
    }
  }

  SECTION("an unwritable directory is an Error") {
    if (::geteuid() == 0) return;  // root may write anywhere
    fs::path ro = tmp.dir / "ro";
    fs::create_directories(ro);
    fs::permissions(ro, fs::perms::owner_read | fs::perms::owner_exec);
    const std::string bad = (ro / "out.txt").string();
    try {
      write_text_atomically(bad, "x");
      FAIL("expected an Error");
    } catch (const Error& e) {
      CHECK_THAT(e.what(), Catch::Contains(bad));
      CHECK_THAT(e.what(), Catch::Contains("Permission denied"));
    }
    fs::permissions(ro, fs::perms::owner_all);
    CHECK_FALSE(fs::exists(bad));
  }
}

TEST_CASE("JSON report round-trips the result", "[report][json]") {
  SimResult r = make_result();
  const std::string text = to_json_text(r);
  CHECK(text == to_json_text(make_result()));  // same input, same text
  const json j = json::parse(text);

  CHECK(j["format_version"] == 1);
  CHECK(j["tool_version"] == "0.1.0 (test)");
  CHECK(j["chip"]["name"] == "test-chip");
  const json& cfg = j["chip"]["config"];
  CHECK(cfg["cores"] == 4);
  CHECK(cfg["cores"].is_number_integer());
  CHECK(cfg["hbm"]["data_rate_gbps"] == 6.4);
  CHECK(cfg["dataflow"] == "ws");
  CHECK(cfg["label"] == "007");  // quoted in YAML: stays a string
  CHECK(cfg["ecc"] == true);
  CHECK(j["workload"] == r.workload);

  CHECK(j["summary"]["seconds"] == 1.23e-3);
  CHECK(j["summary"]["tokens_per_second"] == 812.4);
  CHECK(j["summary"]["bottleneck"] == "hbm");
  CHECK(j["summary_units"]["seconds"] == "s");
  CHECK(j["summary_units"]["avg_power_w"] == "W");
  CHECK_FALSE(j["summary_units"].contains("bottleneck"));

  REQUIRE(j["ops"].size() == 2);
  const json& op = j["ops"][1];
  CHECK(op["id"] == "op1");
  CHECK(op["name"] == "layer0.softmax");
  CHECK(op["kind"] == "softmax");
  CHECK(op["phase"] == "prefill");
  CHECK(op["layer"] == 0);
  CHECK(op["start_s"] == 1.0e-3);
  CHECK(op["end_s"] == 1.23e-3);
  CHECK(op["start_cycle"] == 1500000);
  CHECK(op["end_cycle"] == 1845000);
  CHECK(op["flops"] == 1e8);
  CHECK(op["hbm_bytes"] == 5e8);
  CHECK(op["sram_bytes"] == 4e9);
  CHECK(op["compute_s"] == 0.9e-3);
  CHECK(op["ideal_s"] == 0.8e-3);
  CHECK(op["bound_by"] == "hbm");
  CHECK(op["tiles"] == 8);

  REQUIRE(j["units"].size() == 2);
  const json& u = j["units"][1];
  CHECK(u["path"] == "hbm0");
  CHECK(u["kind"] == "hbm");
  CHECK(u["clock_mhz"] == 1000.0);
  CHECK(u["stats"]["refreshes"] == 12.0);
  CHECK(u["stats"]["bytes_written"] == 1e9);
  CHECK_FALSE(u["stats"].contains("macs"));
  CHECK(u["busy_seconds"].get<double>() == Approx(0.615e-3));
  CHECK(u["utilisation"].get<double>() == Approx(0.5));

  SimResult no_time;
  no_time.stats = std::make_unique<StatsRegistry>();
  no_time.stats->add_group("x", "dma", 1000.0);
  CHECK(to_json(no_time)["units"][0]["utilisation"].is_null());
  CHECK(to_json(no_time)["ops"].is_array());
}

TEST_CASE("Perfetto trace has tracks, slices and the run's metadata", "[report][perfetto]") {
  TempDir tmp("report");
  SimResult r = make_result();
  const std::string path = tmp.file("trace.json");
  write_perfetto_trace(r, path);
  const std::string text = read_bytes(path);
  CHECK(text == perfetto_trace_text({&r}));
  const json j = json::parse(text);

  CHECK(j["displayTimeUnit"] == "ns");
  CHECK(j["otherData"]["tool_version"] == "0.1.0 (test)");
  CHECK(j["otherData"]["runs"][0]["chip"]["name"] == "test-chip");
  CHECK(j["otherData"]["runs"][0]["chip"]["config"]["cores"] == 4);
  CHECK(j["otherData"]["runs"][0]["workload"] == r.workload);

  std::map<int, std::string> threads;
  std::string process;
  std::vector<json> slices;
  for (const auto& e : j["traceEvents"]) {
    CHECK(e["pid"] == 1);
    if (e["ph"] == "M" && e["name"] == "thread_name") threads[e["tid"]] = e["args"]["name"];
    if (e["ph"] == "M" && e["name"] == "process_name") process = e["args"]["name"];
    if (e["ph"] == "X") slices.push_back(e);
  }
  CHECK(process == "test-chip");
  // ops first, then the timeline tracks sorted; the overlapping matrix slice gets a lane.
  CHECK(threads == std::map<int, std::string>{
                       {1, "ops"}, {2, "core0.matrix"}, {3, "core0.matrix #2"}, {4, "hbm0"}});
  REQUIRE(slices.size() == 5);  // 2 ops + 3 timeline events

  // Operators on tid 1 in microseconds.
  CHECK(slices[0]["name"] == "layer0.qkv");
  CHECK(slices[0]["tid"] == 1);
  CHECK(slices[0]["ts"].get<double>() == 0.0);
  CHECK(slices[0]["dur"].get<double>() == Approx(1000.0));
  CHECK(slices[1]["name"] == "layer0.softmax");
  CHECK(slices[1]["ts"].get<double>() == Approx(1000.0));
  CHECK(slices[1]["dur"].get<double>() == Approx(230.0));
  CHECK(slices[1]["args"]["bound_by"] == "hbm");
  CHECK(slices[1]["args"]["id"] == "op1");
  // Timeline slices.
  CHECK(slices[2]["tid"] == 2);
  CHECK(slices[2]["name"] == "op0");
  CHECK(slices[3]["tid"] == 3);
  CHECK(slices[3]["name"] == "op0.extra");
  CHECK(slices[3]["ts"].get<double>() == Approx(500.0));
  CHECK(slices[4]["tid"] == 4);
  CHECK(slices[4]["dur"].get<double>() == Approx(400.0));
  // Times are written as fixed-point microseconds with three decimals.
  CHECK(text.find("\"ts\":1000.000,\"dur\":230.000") != std::string::npos);

  SECTION("several runs: one process each") {
    SimResult other = make_result();
    other.chip_name = "other-chip";
    const json both = json::parse(perfetto_trace_text({&r, &other}));
    std::set<int> pids;
    for (const auto& e : both["traceEvents"]) pids.insert(e["pid"].get<int>());
    CHECK(pids == std::set<int>{1, 2});
    CHECK(both["otherData"]["runs"].size() == 2);
  }
}

TEST_CASE("Quantities are formatted with SI prefixes", "[report][table]") {
  CHECK(format_quantity(1.23e-3, "s") == "1.23 ms");
  CHECK(format_quantity(812.4e12, "FLOP/s") == "812.4 TFLOP/s");
  CHECK(format_quantity(2.1e9, "bytes") == "2.1 GB");
  CHECK(format_quantity(2.1e9, "B") == "2.1 GB");
  CHECK(format_quantity(999.96e-6, "s") == "1 ms");  // rounding moves to the next prefix
  CHECK(format_quantity(3600, "s") == "3600 s");
  CHECK(format_quantity(350, "W") == "350 W");
  CHECK(format_quantity(0.25, "W") == "250 mW");
  CHECK(format_quantity(1.5e9, "Hz") == "1.5 GHz");
  CHECK(format_quantity(42, "count") == "42 count");
  CHECK(format_quantity(1234567, "cycles") == "1234567 cycles");
  CHECK(format_quantity(0.1234567, "") == "0.1235");
  CHECK(format_quantity(12.345, "%") == "12.3%");
  CHECK(format_quantity(0, "s") == "0 s");
  CHECK(format_quantity(std::nan(""), "s") == "-");
}

TEST_CASE("Terminal table fits in 100 columns and truncates long operator lists",
          "[report][table]") {
  SimResult r = make_result();
  for (int i = 2; i < 60; ++i) {
    OpResult o = r.ops[1];
    o.id = fmt::format("op{}_with_a_rather_long_identifier_that_needs_cutting", i);
    r.ops.push_back(o);
  }
  std::ostringstream os;
  print_table(r, os);
  const std::string text = os.str();
  std::istringstream lines(text);
  std::string line;
  std::size_t n = 0;
  while (std::getline(lines, line)) {
    ++n;
    INFO(line);
    CHECK(line.size() <= 100);
    CHECK((line.empty() || line.back() != ' '));
  }
  CHECK(n > 10);
  CHECK_THAT(text, Catch::Contains("test-chip"));
  CHECK_THAT(text, Catch::Contains("workload: tiny"));
  CHECK_THAT(text, Catch::Contains("1.23 ms"));
  CHECK_THAT(text, Catch::Contains("812.4 tokens/s"));
  CHECK_THAT(text, Catch::Contains("812.4 TFLOP/s"));
  CHECK_THAT(text, Catch::Contains("... 20 more operators"));  // 60 ops, 40 shown
  CHECK_THAT(text, Catch::Contains("compute"));
  CHECK_THAT(text, Catch::Contains("50.0%"));  // both units busy half the time
  CHECK_THAT(text, Catch::Contains("2 GB"));   // hbm bytes read

  std::ostringstream few;
  print_table(r, few, 1);
  CHECK_THAT(few.str(), Catch::Contains("... 59 more operators"));
}

TEST_CASE("A signal during an atomic write removes the temporary file", "[report][atomic]") {
  TempDir tmp("report");
  for (int sig : {SIGINT, SIGTERM}) {
    const std::string path = tmp.file(fmt::format("killed-{}.h5", sig));
    const pid_t child = ::fork();
    REQUIRE(child >= 0);
    if (child == 0) {  // writes half a file, then is interrupted
      ::signal(sig, SIG_DFL);
      try {
        write_file_atomically(path, [&](const std::string& t) {
          std::ofstream(t) << "half";
          ::raise(sig);
        });
      } catch (...) {
      }
      ::_exit(0);  // not reached: the signal ends the process
    }
    int status = 0;
    REQUIRE(::waitpid(child, &status, 0) == child);
    CHECK(WIFSIGNALED(status));
    CHECK(WTERMSIG(status) == sig);
    CHECK_FALSE(fs::exists(path));
    CHECK_FALSE(fs::exists(path + ".tmp." + std::to_string(child)));
  }
  // A handler the program installed itself stays in charge (the sweep stops gracefully).
  static volatile std::sig_atomic_t seen = 0;
  struct sigaction sa{}, old{};
  sa.sa_handler = [](int) { seen = 1; };
  ::sigaction(SIGINT, &sa, &old);
  const std::string path = tmp.file("kept.txt");
  write_file_atomically(path, [&](const std::string& t) {
    std::ofstream(t) << "whole";
    ::raise(SIGINT);
  });
  ::sigaction(SIGINT, &old, nullptr);
  CHECK(seen == 1);
  CHECK(read_bytes(path) == "whole");
}
