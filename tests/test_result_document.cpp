// The result document (base/result/result_document.h) and its writers: JSON rows and children,
// the HDF5 layout read back with the C API (and byte-identical twice), and the terminal views
// (rows with "... N more rows", transposed). The document is built by hand so every expected
// value is known.
#include <catch2/catch.hpp>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <sstream>

#include <fmt/core.h>
#include <hdf5.h>
#include <nlohmann/json.hpp>
#include <unistd.h>

#include "base/result/result_document.h"
#include "report/hdf5_writer.h"
#include "report/json_report.h"
#include "report/table_report.h"
#include "tests/temp_dir.h"

namespace fs = std::filesystem;
using nlohmann::json;
using namespace tessera;

using tessera::test::TempDir;
using tessera::test::read_bytes;

namespace {

std::string string_attr(hid_t obj, const char* name) {
  hid_t attr = H5Aopen(obj, name, H5P_DEFAULT);
  REQUIRE(attr >= 0);
  hid_t type = H5Aget_type(attr);
  char* value = nullptr;
  REQUIRE(H5Aread(attr, type, &value) >= 0);
  std::string s = value ? value : "";
  H5free_memory(value);
  H5Tclose(type);
  H5Aclose(attr);
  return s;
}

double double_attr(hid_t obj, const char* name) {
  hid_t attr = H5Aopen(obj, name, H5P_DEFAULT);
  REQUIRE(attr >= 0);
  double v = 0;
  REQUIRE(H5Aread(attr, H5T_NATIVE_DOUBLE, &v) >= 0);
  H5Aclose(attr);
  return v;
}

/// A two-chip comparison-like document: config and value inputs, a table with text, integer
/// and numeric columns (one NaN), and a child per chip with an attribute.
ResultDocument make_document() {
  ResultDocument d;
  d.job = "compare";
  d.title = "compare  |  workload: tiny";
  d.format = "tessera.test";
  d.format_version = 3;
  d.tool_version = "0.1.0 (test)";
  d.inputs = {ResultInput::config_input("chip", "c1", YAML::Load("name: c1\ncores: 4\n")),
              ResultInput::value_input("model", "llama"),
              ResultInput::value_input("target", json{{"name", "t"}, {"days", 2}})};
  d.summary.set("chips", 2, "count", "chips compared");
  d.summary.set_text("fastest", "b", "the fastest chip");
  ResultTable t;
  t.name = "comparison";
  t.title = "Comparison";
  t.columns.add_strings("chip", {"a", "b"})
      .add_doubles("seconds", {2e-3, std::numeric_limits<double>::quiet_NaN()}, "s")
      .add_ints("tiles", {3, 4}, "count")
      .add_doubles("speedup", {1, 1.5}, "x");
  t.view = TableView::transposed;
  d.tables.push_back(std::move(t));
  for (const char* name : {"a", "b"}) {
    ResultDocument child;
    child.name = name;
    child.tool_version = d.tool_version;
    child.summary.set("seconds", 1e-3, "s", "time");
    child.attributes.push_back({"peak", 2.5});
    ResultTable rows;
    rows.name = "ops";
    rows.title = "Operators";
    rows.columns.add_strings("id", {"op0"});
    rows.view = TableView::hidden;
    child.tables.push_back(std::move(rows));
    d.children.push_back(std::move(child));
  }
  return d;
}

}  // namespace

TEST_CASE("a result document's JSON: inputs, summary, rows and named children", "[report][document]") {
  const json j = to_json(make_document());
  CHECK(j["format_version"] == 3);
  CHECK(j["tool_version"] == "0.1.0 (test)");
  CHECK(j["chip"]["name"] == "c1");
  CHECK(j["chip"]["config"]["cores"] == 4);
  CHECK(j["model"] == "llama");
  CHECK(j["target"]["days"] == 2);
  CHECK(j["summary"]["chips"] == 2);
  CHECK(j["summary"]["fastest"] == "b");
  CHECK(j["summary_units"] == json{{"chips", "count"}});
  REQUIRE(j["comparison"].size() == 2);
  CHECK(j["comparison"][0] == json{{"chip", "a"}, {"seconds", 2e-3}, {"tiles", 3}, {"speedup", 1.0}});
  CHECK(json::parse(j.dump())["comparison"][1]["seconds"].is_null());  // NaN is written as null
  REQUIRE(j["children"].size() == 2);
  CHECK(j["children"][1]["name"] == "b");
  CHECK(j["children"][1]["ops"][0]["id"] == "op0");
  CHECK_FALSE(j["children"][0].contains("format_version"));  // the root only
  CHECK_FALSE(j["children"][0].contains("children"));
}

TEST_CASE("a result document's HDF5: root format, meta inputs, tables and child groups", "[report][document]") {
  TempDir tmp("result_document");
  const ResultDocument d = make_document();
  const std::string path = tmp.file("doc.h5"), again = tmp.file("again.h5");
  write_hdf5(d, path);
  write_hdf5(d, again);
  CHECK(read_bytes(path) == read_bytes(again));

  hid_t f = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  REQUIRE(f >= 0);
  CHECK(string_attr(f, "format") == "tessera.test");
  hid_t meta = H5Gopen2(f, "meta", H5P_DEFAULT);
  CHECK(string_attr(meta, "tool_version") == "0.1.0 (test)");
  CHECK(string_attr(meta, "chip_name") == "c1");
  CHECK(string_attr(meta, "chip_config") == "name: c1\ncores: 4\n");
  CHECK(string_attr(meta, "model") == "llama");  // a string input as itself
  CHECK(json::parse(string_attr(meta, "target")) == json{{"name", "t"}, {"days", 2}});
  CHECK(string_attr(meta, "target_name") == "t");
  H5Gclose(meta);
  hid_t summary = H5Gopen2(f, "summary", H5P_DEFAULT);
  CHECK(double_attr(summary, "chips") == 2);
  CHECK(string_attr(summary, "fastest") == "b");
  H5Gclose(summary);
  hid_t table = H5Dopen2(f, "comparison", H5P_DEFAULT);
  REQUIRE(table >= 0);
  hid_t space = H5Dget_space(table);
  CHECK(H5Sget_simple_extent_npoints(space) == 2);
  H5Sclose(space);
  H5Dclose(table);
  hid_t child = H5Gopen2(f, "b", H5P_DEFAULT);
  REQUIRE(child >= 0);
  CHECK(double_attr(child, "peak") == 2.5);
  CHECK(H5Lexists(child, "ops", H5P_DEFAULT) > 0);
  CHECK(H5Lexists(child, "summary", H5P_DEFAULT) > 0);
  H5Gclose(child);
  H5Fclose(f);
}

TEST_CASE("a result document's terminal table: transposed and row views", "[report][document][table]") {
  ResultDocument d = make_document();
  std::ostringstream os;
  print_table(d, os);
  const std::string out = os.str();
  CHECK(out.rfind("Tessera 0.1.0 (test)  |  compare  |  workload: tiny\n", 0) == 0);
  CHECK_THAT(out, Catch::Contains("fastest") && Catch::Contains("the fastest chip"));
  // Transposed: one line per column, the chips across; NaN as "-", ratios with "x".
  CHECK_THAT(out, Catch::Contains("seconds") && Catch::Contains("2 ms") && Catch::Contains("1.5x"));
  CHECK_THAT(out, Catch::Contains("tiles (count)"));
  CHECK(out.find("op0") == std::string::npos);  // hidden tables and children stay in the files

  // Rows: the shown columns in the order asked for, at most max_rows rows.
  ResultTable& t = d.tables[0];
  t.view = TableView::rows;
  t.shown = {"speedup", "chip"};
  t.max_rows = 1;
  std::ostringstream rows;
  print_table(d, rows);
  const std::string r = rows.str();
  CHECK_THAT(r, Catch::Contains("speedup chip"));
  CHECK_THAT(r, Catch::Contains("... 1 more rows"));
  CHECK(r.find("tiles") == std::string::npos);
  std::istringstream lines(r);
  for (std::string line; std::getline(lines, line);) CHECK(line.size() <= 100);
}

TEST_CASE("table cells: SI units, percentages, ratios, currencies and plain counts", "[report][document][table]") {
  h5::Table t;
  t.add_doubles("s", {1.5e-3}, "s")
      .add_doubles("f", {0.256}, "fraction")
      .add_doubles("r", {0}, "x")
      .add_doubles("usd", {5.12e7}, "USD")
      .add_doubles("tok", {125.71}, "tokens/s")
      .add_ints("n", {42})
      .add_strings("text", {""});
  const auto& c = t.columns();
  CHECK(format_cell(c[0], 0) == "1.5 ms");
  CHECK(format_cell(c[1], 0) == "25.6%");
  CHECK(format_cell(c[2], 0) == "-");
  CHECK(format_cell(c[3], 0) == "51.20M USD");
  CHECK(format_cell(c[4], 0) == "125.7");
  CHECK(format_cell(c[5], 0) == "42");
  CHECK(format_cell(c[6], 0) == "");
}
