// Longer than 600 lines: the sweep library from spec parsing to journal recovery, in one file.
// Sweep library: expressions, spec validation, point generation (determinism, LHS strata,
// rounding), constraints and computed keys, Pareto front, journal recovery, and cluster sweeps
// (cluster. key paths, one step per point on a cluster).
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>

#include <catch2/catch.hpp>

#include "base/types.h"
#include "sweep/expression.h"
#include "sweep/executor_registry.h"
#include "sweep/journal.h"
#include "sweep/points.h"
#include "sweep/runner.h"
#include "sweep/spec.h"
#include "sweep/table.h"
#include "workloads/trace_io.h"
#include "workloads/workload_reader.h"

using namespace tessera;
using namespace tessera::sweep;
namespace fs = std::filesystem;

namespace {

const std::string kData = std::string(TESSERA_TEST_DATA_DIR) + "/tests/data";

/// A spec from text, with relative paths looked up in tests/data.
SweepSpec spec_from(const std::string& text) {
  return parse_sweep_spec(YAML::Load(text), "spec.yaml", kData, text);
}

std::string spec_error(const std::string& text) {
  try {
    spec_from(text);
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

constexpr const char* kHead = "chip: edge-npu\nworkload: sweep-tiny.yaml\n";

/// A fresh scratch directory, removed at the end of the test.
struct TempDir {
  fs::path path;
  TempDir() {
    path = fs::temp_directory_path() /
           ("tessera-sweep-unit-" + std::to_string(::getpid()) + "-" + std::to_string(counter()++));
    fs::remove_all(path);
    fs::create_directories(path);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
  static int& counter() {
    static int n = 0;
    return n;
  }
};

}  // namespace

TEST_CASE("sweep expressions: precedence, byte sizes, key paths, comparisons", "[sweep]") {
  auto eval = [](const std::string& text) {
    return Expression::parse(text).evaluate([](const std::string& name) -> double {
      if (name == "cores[*].matrix.rows") return 128;
      if (name == "cores[0].matrix.cols") return 64;
      if (name == "hbm.data_rate_gbps") return 6.4;
      throw Error("unknown " + name);
    });
  };
  CHECK(eval("1 + 2 * 3") == 7);
  CHECK(eval("(1 + 2) * 3") == 9);
  CHECK(eval("-2 * -3") == 6);
  CHECK(eval("10 / 4") == 2.5);
  CHECK(eval("1e3 + .5") == 1000.5);
  CHECK(eval("64KiB") == 65536);
  CHECK(eval("1.5MiB / 1KiB") == 1536);
  CHECK(eval("cores[*].matrix.rows * cores[0].matrix.cols") == 8192);
  CHECK(eval("cores[*].matrix.rows * cores[0].matrix.cols <= 65536") == 1);
  CHECK(eval("hbm.data_rate_gbps * 125 == 800") == 1);
  CHECK(eval("2 > 3") == 0);
  CHECK(eval("2 != 3") == 1);
  const auto e = Expression::parse("cores[*].matrix.rows * cores[*].matrix.rows + x.y");
  CHECK(e.names() == std::vector<std::string>{"cores[*].matrix.rows", "x.y"});
  CHECK_FALSE(e.is_comparison());
  CHECK(Expression::parse("a < b").is_comparison());

  CHECK_THROWS_WITH(Expression::parse("1 +"), Catch::Contains("expected a number, a name or '('"));
  CHECK_THROWS_WITH(Expression::parse("(1 + 2"), Catch::Contains("expected ')'"));
  CHECK_THROWS_WITH(Expression::parse("a < b < c"), Catch::Contains("only one comparison"));
  CHECK_THROWS_WITH(Expression::parse("12MB"), Catch::Contains("neither a number nor a byte size"));
  CHECK_THROWS_WITH(Expression::parse("cores[x].rows"), Catch::Contains("whole number or '*'"));
  CHECK_THROWS_WITH(Expression::parse("a $ b"), Catch::Contains("column 3"));
  CHECK_THROWS_WITH(eval("nope + 1"), Catch::Contains("unknown nope"));
}

TEST_CASE("sweep spec: a valid spec is read with every field", "[sweep]") {
  const SweepSpec s = spec_from(std::string(kHead) + R"(
name: t
mode: lhs
samples: 8
seed: 3
set: ["noc.hop_latency_cycles=3"]
parameters:
  - key: cores[*].matrix.rows
    values: [16, 32]
  - key: global_sram.bytes
    min: 1MiB
    max: 8MiB
    scale: log
    step: 64KiB
  - key: hbm.data_rate_gbps
    min: 3.2
    max: 6.4
computed:
  "cores[*].matrix.cols": "cores[*].matrix.rows"
constraints: ["cores[*].matrix.rows * cores[*].matrix.cols <= 65536"]
metrics: [seconds, achieved_tflops]
derived:
  pe: "cores[*].matrix.rows * cores[*].matrix.cols * cores[0].count"
pareto:
  - {metric: achieved_tflops, goal: max}
  - {metric: pe, goal: min}
)");
  CHECK(s.name == "t");
  CHECK(s.mode == Mode::lhs);
  CHECK(s.samples == 8);
  CHECK(s.seed == 3);
  REQUIRE(s.parameters.size() == 3);
  CHECK(s.parameters[0].values.size() == 2);
  CHECK(s.parameters[1].is_range);
  CHECK(s.parameters[1].integer);  // byte sizes are whole numbers
  CHECK(s.parameters[1].unit == "B");
  CHECK(s.parameters[1].min == 1048576);
  CHECK(s.parameters[1].scale == Scale::log);
  CHECK_FALSE(s.parameters[2].integer);  // the chip writes 6.4
  CHECK(s.computed.size() == 1);
  CHECK(s.constraints.size() == 1);
  CHECK(s.derived.size() == 1);
  REQUIRE(s.pareto);
  CHECK((*s.pareto)[1].column == "pe");
  CHECK_FALSE((*s.pareto)[1].maximise);
  CHECK(s.workload == kData + "/sweep-tiny.yaml");
  CHECK(s.chip_tree["noc"]["hop_latency_cycles"].as<int>() == 3);
}

TEST_CASE("sweep spec: validation errors name the key path and what was expected", "[sweep]") {
  const std::string head = kHead;
  // An unknown chip key lists the nearest valid ones.
  CHECK_THAT(spec_error(head + "parameters:\n  - key: hbm.data_rate_gpbs\n    values: [3.2]\n"),
             Catch::Contains("parameters[0].key") && Catch::Contains("hbm.data_rate_gbps"));
  CHECK_THAT(spec_error(head + "parameters:\n  - key: cores[*].matrix.rowz\n    values: [16]\n"),
             Catch::Contains("cores[*].matrix.rowz") && Catch::Contains("rows"));
  // Missing pieces.
  CHECK_THAT(spec_error("chip: edge-npu\nparameters:\n  - {key: noc.dim_x, values: [2]}\n"),
             Catch::Contains("workload") && Catch::Contains("expected a workload name or file"));
  CHECK_THAT(spec_error(head), Catch::Contains("parameters") && Catch::Contains("expected a list of maps"));
  CHECK_THAT(spec_error(head + "parameters: []\n"), Catch::Contains("at least one parameter"));
  CHECK_THAT(spec_error(std::string("chip: nope-chip\nworkload: sweep-tiny.yaml\nparameters:\n  - {key: a, values: [1]}\n")),
             Catch::Contains("chip") && Catch::Contains("unknown chip 'nope-chip'"));
  // Unknown keys, with a suggestion.
  CHECK_THAT(spec_error(head + "paramters: []\n"), Catch::Contains("unknown key 'paramters'") &&
                                                       Catch::Contains("did you mean 'parameters'"));
  CHECK_THAT(spec_error(head + "parameters:\n  - {key: noc.dim_x, values: [2]}\nmetric: [seconds]\n"),
             Catch::Contains("unknown key 'metric'") && Catch::Contains("did you mean 'metrics'"));
  CHECK_THAT(spec_error(head + "parameters:\n  - {key: noc.dim_x, values: [2], stepp: 1}\n"),
             Catch::Contains("parameters[0].stepp") && Catch::Contains("unknown key"));
  // Modes and sampling.
  CHECK_THAT(spec_error(head + "mode: sobol\nparameters:\n  - {key: noc.dim_x, values: [2]}\n"),
             Catch::Contains("mode") && Catch::Contains("grid, list, random or lhs"));
  CHECK_THAT(spec_error(head + "mode: random\nparameters:\n  - {key: noc.dim_x, values: [2]}\n"),
             Catch::Contains("samples"));
  CHECK_THAT(spec_error(head + "samples: 4\nparameters:\n  - {key: noc.dim_x, values: [2]}\n"),
             Catch::Contains("samples") && Catch::Contains("applies to random and lhs"));
  CHECK_THAT(spec_error(head + "parameters:\n  - {key: clocks.core_mhz, min: 500, max: 1000}\n"),
             Catch::Contains("needs count: N") );
  CHECK_THAT(spec_error(head + "parameters:\n  - {key: clocks.core_mhz, min: 900, max: 500, count: 2}\n"),
             Catch::Contains("max >= min"));
  CHECK_THAT(spec_error(head + "parameters:\n  - {key: clocks.core_mhz, min: 0, max: 500, count: 2, scale: log}\n"),
             Catch::Contains("log scale needs min > 0"));
  CHECK_THAT(spec_error(head + "parameters:\n  - {key: clocks.core_mhz, min: 100.5, max: 500, count: 2}\n"),
             Catch::Contains("whole numbers"));
  CHECK_THAT(spec_error(head + "parameters:\n  - {key: noc.dim_x, values: [2], min: 1, max: 2}\n"),
             Catch::Contains("either values"));
  CHECK_THAT(spec_error(head + "mode: list\nparameters:\n  - {key: noc.dim_x, values: [2, 1]}\n"
                               "  - {key: noc.dim_y, values: [2]}\n"),
             Catch::Contains("same length"));
  CHECK_THAT(spec_error(head + "parameters:\n  - {key: noc.dim_x, values: [2]}\n  - {key: noc.dim_x, values: [1]}\n"),
             Catch::Contains("already a parameter"));
  // Expressions.
  CHECK_THAT(spec_error(head + "parameters:\n  - {key: noc.dim_x, values: [2]}\nconstraints: [\"noc.dim_x + 1\"]\n"),
             Catch::Contains("constraints[0]") && Catch::Contains("expected a comparison"));
  CHECK_THAT(spec_error(head + "parameters:\n  - {key: noc.dim_x, values: [2]}\nconstraints: [\"noc.dimx < 3\"]\n"),
             Catch::Contains("'noc.dimx' is not a parameter"));
  CHECK_THAT(spec_error(head + "parameters:\n  - {key: noc.dim_x, values: [2]}\nconstraints: [\"noc.dim_x <\"]\n"),
             Catch::Contains("spec.yaml:") && Catch::Contains("constraints[0]"));
  CHECK_THAT(spec_error(head + "parameters:\n  - {key: noc.dim_x, values: [2]}\ncomputed: {noc.dim_q: \"1\"}\n"),
             Catch::Contains("computed.noc.dim_q"));
  // Pareto.
  CHECK_THAT(spec_error(head + "parameters:\n  - {key: noc.dim_x, values: [2]}\npareto:\n  - {metric: seconds, goal: up}\n"
                               "  - {metric: cycles, goal: min}\n"),
             Catch::Contains("pareto[0].goal") && Catch::Contains("max or min"));
  CHECK_THAT(spec_error(head + "parameters:\n  - {key: noc.dim_x, values: [2]}\npareto:\n  - {metric: seconds, goal: min}\n"),
             Catch::Contains("two entries"));
  CHECK_THAT(spec_error(head + "parameters:\n  - {key: noc.dim_x, values: [2]}\nmetrics: [seconds]\n"
                               "pareto:\n  - {metric: seconds, goal: min}\n  - {metric: watts, goal: min}\n"),
             Catch::Contains("'watts' is not a kept metric"));
  // Errors carry the line of the spec file.
  CHECK_THAT(spec_error(head + "parameters:\n  - key: noc.dim_x\n    values: [2]\n    scale: log\n"),
             Catch::Contains("spec.yaml:6") && Catch::Contains("parameters[0].scale"));
}

TEST_CASE("sweep points: a grid is the cartesian product, last parameter fastest", "[sweep]") {
  const SweepSpec s = spec_from(std::string(kHead) + R"(
parameters:
  - {key: noc.link_bytes_per_cycle, values: [16, 32, 64]}
  - {key: global_sram.bytes, values: [1MiB, 2MiB]}
  - {key: hbm.data_rate_gbps, min: 3.2, max: 6.4, count: 3}
)");
  const auto pts = generate_points(s);
  REQUIRE(pts.size() == 18);
  CHECK(pts[0].overrides == std::vector<std::string>{"noc.link_bytes_per_cycle=16", "global_sram.bytes=1MiB",
                                                     "hbm.data_rate_gbps=3.2"});
  CHECK(pts[1].values[2].text == "4.8");
  CHECK(pts[2].values[2].text == "6.4");
  CHECK(pts[3].values[1].text == "2MiB");
  CHECK(*pts[3].values[1].number == 2097152);
  CHECK(pts[6].values[0].text == "32");
  for (std::size_t i = 0; i < pts.size(); ++i) CHECK(pts[i].index == i);

  // Log-spaced integer grid, rounded; and a step grid.
  const SweepSpec g = spec_from(std::string(kHead) + R"(
parameters:
  - {key: global_sram.bytes, min: 1MiB, max: 16MiB, count: 5, scale: log}
  - {key: clocks.core_mhz, min: 500, max: 1000, step: 250}
)");
  const auto gp = generate_points(g);
  REQUIRE(gp.size() == 15);
  std::vector<std::string> sram;
  for (std::size_t i = 0; i < gp.size(); i += 3) sram.push_back(gp[i].values[0].text);
  CHECK(sram == std::vector<std::string>{"1048576", "2097152", "4194304", "8388608", "16777216"});
  CHECK(gp[0].values[1].text == "500");
  CHECK(gp[1].values[1].text == "750");
  CHECK(gp[2].values[1].text == "1000");
}

TEST_CASE("sweep points: list mode zips the values lists", "[sweep]") {
  const SweepSpec s = spec_from(std::string(kHead) + R"(
mode: list
parameters:
  - {key: noc.dim_x, values: [1, 2, 4]}
  - {key: noc.dim_y, values: [4, 2, 1]}
)");
  const auto pts = generate_points(s);
  REQUIRE(pts.size() == 3);
  CHECK(pts[2].overrides == std::vector<std::string>{"noc.dim_x=4", "noc.dim_y=1"});
}

TEST_CASE("sweep points: random and LHS samples are deterministic given the seed", "[sweep]") {
  const std::string body = R"(
samples: 40
parameters:
  - {key: clocks.core_mhz, min: 500, max: 1500}
  - {key: hbm.data_rate_gbps, min: 1.0, max: 10.0, scale: log}
  - {key: global_sram.bytes, min: 1MiB, max: 8MiB, step: 64KiB}
  - {key: noc.link_bytes_per_cycle, values: [8, 16, 32, 64]}
)";
  for (const char* mode : {"random", "lhs"}) {
    INFO(mode);
    const auto a = generate_points(spec_from(std::string(kHead) + "mode: " + mode + "\nseed: 11\n" + body));
    const auto b = generate_points(spec_from(std::string(kHead) + "mode: " + mode + "\nseed: 11\n" + body));
    const auto c = generate_points(spec_from(std::string(kHead) + "mode: " + mode + "\nseed: 12\n" + body));
    REQUIRE(a.size() == 40);
    bool differs = false;
    for (std::size_t i = 0; i < a.size(); ++i) {
      CHECK(a[i].overrides == b[i].overrides);
      differs = differs || a[i].overrides != c[i].overrides;
      // Integer keys are whole numbers inside the range; steps are respected.
      const double mhz = *a[i].values[0].number;
      CHECK(mhz == std::floor(mhz));
      CHECK((mhz >= 500 && mhz <= 1500));
      CHECK(a[i].values[0].text.find('.') == std::string::npos);
      const double rate = *a[i].values[1].number;
      CHECK((rate >= 1.0 && rate <= 10.0));
      const double sram = *a[i].values[2].number;
      CHECK(std::fmod(sram - 1048576, 65536) == 0);
      CHECK((sram >= 1048576 && sram <= 8388608));
    }
    CHECK(differs);
  }
  // Stable across builds and platforms: the generator (mt19937_64) and the mapping to values are
  // ours, not the standard library's implementation-defined distributions.
  const auto fixed = generate_points(spec_from(std::string(kHead) + "mode: random\nseed: 11\n" + body));
  CHECK(fixed[0].overrides == std::vector<std::string>{"clocks.core_mhz=665", "hbm.data_rate_gbps=5.93507014531",
                                                       "global_sram.bytes=3801088", "noc.link_bytes_per_cycle=32"});
}

TEST_CASE("sweep points: a Latin hypercube uses every stratum of every parameter once", "[sweep]") {
  const SweepSpec s = spec_from(std::string(kHead) + R"(
mode: lhs
samples: 25
seed: 5
parameters:
  - {key: hbm.data_rate_gbps, min: 2.0, max: 7.0}
  - {key: clocks.core_mhz, min: 100, max: 10100, type: float, scale: log}
  - {key: noc.link_bytes_per_cycle, values: [8, 16, 32, 64, 128]}
)");
  const auto pts = generate_points(s);
  REQUIRE(pts.size() == 25);
  std::set<int> lin, log;
  std::map<std::string, int> per_value;
  for (const auto& p : pts) {
    lin.insert(int(std::floor((*p.values[0].number - 2.0) / 5.0 * 25)));
    log.insert(int(std::floor((std::log(*p.values[1].number) - std::log(100.0)) /
                              (std::log(10100.0) - std::log(100.0)) * 25)));
    ++per_value[p.values[2].text];
  }
  CHECK(lin.size() == 25);
  CHECK(log.size() == 25);
  for (const auto& [v, n] : per_value) CHECK(n == 5);  // 25 strata over 5 values: 5 each
}

TEST_CASE("sweep points: computed keys and constraints", "[sweep]") {
  const SweepSpec s = spec_from(std::string(kHead) + R"(
parameters:
  - {key: "cores[*].matrix.rows", values: [16, 32, 64]}
computed:
  "cores[*].matrix.cols": "cores[*].matrix.rows"
  "cores[*].matrix.macs_per_cycle.bf16": "cores[*].matrix.rows * cores[*].matrix.cols"
constraints:
  - "cores[*].matrix.rows * cores[*].matrix.cols * cores[0].count <= 4 * 32 * 32"
)");
  const auto pts = generate_points(s);
  REQUIRE(pts.size() == 3);
  CHECK(point_columns(s) ==
        std::vector<std::string>{"cores[*].matrix.rows", "cores[*].matrix.cols", "cores[*].matrix.macs_per_cycle.bf16"});
  CHECK(pts[0].overrides == std::vector<std::string>{"cores[*].matrix.rows=16", "cores[*].matrix.cols=16",
                                                     "cores[*].matrix.macs_per_cycle.bf16=256"});
  CHECK(pts[0].skipped.empty());
  CHECK(pts[1].skipped.empty());
  CHECK_THAT(pts[2].skipped, Catch::Contains("violates constraint"));
  CHECK(format_number(3200.0000000000005, false) == "3200");
  CHECK(format_number(6.3999999999999995, false) == "6.4");
  CHECK(format_number(1099511627776.0, false) == "1099511627776");
  CHECK(format_number(2.5, true) == "3");
}

TEST_CASE("sweep points: the fingerprint follows the points, not the file names", "[sweep]") {
  const std::string body = "parameters:\n  - {key: noc.dim_x, values: [1, 2]}\n";
  const SweepSpec a = spec_from(std::string(kHead) + body);
  const SweepSpec b = spec_from(std::string(kHead) + "name: other\nmetrics: [seconds]\n" + body);
  const SweepSpec c = spec_from(std::string(kHead) + "parameters:\n  - {key: noc.dim_x, values: [1, 4]}\n");
  const SweepSpec d = spec_from(std::string(kHead) + "set: [noc.hop_latency_cycles=5]\n" + body);
  const auto fa = fingerprint(a, generate_points(a));
  CHECK(fa == fingerprint(b, generate_points(b)));  // what is kept does not change the points
  CHECK(fa != fingerprint(c, generate_points(c)));
  CHECK(fa != fingerprint(d, generate_points(d)));
}

TEST_CASE("sweep pareto front: non-dominated points, ties, directions", "[sweep]") {
  //            0    1    2    3    4    5    6
  std::vector<double> x{1.0, 2.0, 3.0, 2.0, 3.0, 0.5, NAN};
  std::vector<double> y{1.0, 3.0, 5.0, 1.0, 5.0, 9.0, 0.0};
  // Maximise x, minimise y: 0 (x1,y1) vs 3 (x2,y1): 3 dominates 0. 1 (2,3) dominated by 3 (2,1).
  // 2 and 4 are identical: neither dominates the other. 5 has the worst x and the worst y.
  auto front = pareto_front(x, true, y, false, {});
  CHECK(front == std::vector<std::size_t>{2, 4, 3});
  // Maximise both: 5 (y=9) joins; 2 and 4 (x3, y5) stay; 3 is dominated by 1? (2,3) vs (2,1): yes.
  front = pareto_front(x, true, y, true, {});
  CHECK(front == std::vector<std::size_t>{2, 4, 5});
  // Minimise both: 5 (0.5, 9) and 0 (1, 1).
  front = pareto_front(x, false, y, false, {});
  CHECK(front == std::vector<std::size_t>{5, 0});
  // Ineligible rows are left out.
  front = pareto_front(x, true, y, false, {true, true, false, true, false, true, true});
  CHECK(front == std::vector<std::size_t>{3});
}

TEST_CASE("sweep journal: records survive, a partial last line is ignored and cut off", "[sweep]") {
  TempDir dir;
  const std::string path = (dir.path / "j.journal").string();
  PointResult r;
  r.status = "ok";
  r.metrics = {{"seconds", 1.5e-3, "s"}, {"bound_by", std::string("hbm"), ""}, {"odd", NAN, ""}};
  {
    Journal j(path, "fp1", 10, "t", Journal::OpenMode::fresh);
    CHECK(j.finished().empty());
    r.index = 3;
    j.append(r);
    r.index = 7;
    r.status = "failed";
    r.error = "bad \"config\"\nsecond line";
    r.metrics.clear();
    j.append(r);
    // A second sweep on the same journal is refused while this one holds it.
    CHECK_THROWS_WITH(Journal(path, "fp1", 10, "t", Journal::OpenMode::resume), Catch::Contains("locked"));
  }
  // A crash in the middle of a write leaves a line without its newline.
  { std::ofstream(path, std::ios::app) << "{\"index\":5,\"status\":\"ok\",\"wa"; }
  CHECK_THROWS_WITH(Journal(path, "fp1", 10, "t", Journal::OpenMode::fresh),
                    Catch::Contains("2 finished points") && Catch::Contains("--resume"));
  CHECK_THROWS_WITH(Journal(path, "other", 10, "t", Journal::OpenMode::resume),
                    Catch::Contains("different set of points"));
  {
    Journal j(path, "fp1", 10, "t", Journal::OpenMode::resume);
    REQUIRE(j.finished().size() == 2);
    const PointResult& a = j.finished().at(3);
    CHECK(a.status == "ok");
    REQUIRE(a.metrics.size() == 3);
    CHECK(std::get<double>(a.metrics[0].value) == 1.5e-3);
    CHECK(std::get<std::string>(a.metrics[1].value) == "hbm");
    CHECK(std::isnan(std::get<double>(a.metrics[2].value)));
    CHECK(j.finished().at(7).error == "bad \"config\"\nsecond line");
    r.index = 5;
    r.status = "ok";
    r.error.clear();
    j.append(r);  // goes on a line of its own: the partial line was cut off
  }
  const auto records = read_journal(path);
  CHECK(records.size() == 3);
  CHECK(records.count(5) == 1);
  {
    Journal j(path, "fp2", 10, "t", Journal::OpenMode::restart);
    CHECK(j.finished().empty());
  }
  CHECK(read_journal(path).empty());
}

namespace {

constexpr const char* kClusterHead =
    "cluster: dgx-h100\nworkload: {model: llama-2-7b, scenario: \"decode:batch=8,context=512,tp=8\"}\n";

double metric(const PointResult& r, const std::string& key) {
  for (const auto& m : r.metrics)
    if (m.key == key) return std::get<double>(m.value);
  FAIL("no metric " << key);
  return 0;
}

}  // namespace

TEST_CASE("sweep spec: a cluster sweep addresses the cluster with cluster. key paths", "[sweep][cluster]") {
  const SweepSpec s = spec_from(std::string(kClusterHead) + R"(
cluster_set: ["scale_out.link_latency_ns=200"]
set: ["noc.hop_latency_cycles=3", "cluster.scale_up.switch_latency_ns=300"]
parameters:
  - {key: cluster.scale_up.link_gb_per_s, values: [25, 50]}
  - {key: cluster.scale_out.oversubscription, min: 1, max: 2, count: 2}
  - {key: hbm.data_rate_gbps, values: [5.2]}
computed:
  cluster.scale_out.nic_gb_per_s: "cluster.scale_up.link_gb_per_s * 2"
constraints: ["cluster.scale_up.link_gb_per_s * cluster.scale_up.links_per_chip <= 900"]
derived:
  nvlink_gb_per_s: "cluster.scale_up.link_gb_per_s * cluster.scale_up.links_per_chip"
)");
  CHECK(s.has_cluster());
  CHECK(fs::path(s.cluster_path).filename() == "dgx-h100.yaml");
  CHECK(s.chip == "h100");  // no chip: the cluster's
  CHECK(fs::path(s.chip_path).filename() == "h100.yaml");
  // cluster_set, then the cluster. entries of set; the rest of set is the chip's.
  CHECK(s.cluster_set == std::vector<std::string>{"scale_out.link_latency_ns=200", "scale_up.switch_latency_ns=300"});
  CHECK(s.set == std::vector<std::string>{"noc.hop_latency_cycles=3"});
  CHECK(s.cluster_tree["scale_out"]["link_latency_ns"].as<int>() == 200);
  CHECK(s.cluster_tree["scale_up"]["switch_latency_ns"].as<int>() == 300);
  CHECK(s.chip_tree["noc"]["hop_latency_cycles"].as<int>() == 3);
  CHECK(s.parameters[1].integer);  // the cluster file writes oversubscription: 1

  // 2 x 2 x 1 points; 18 links x 50 GB/s = 900 passes the constraint, as does 25.
  const auto pts = generate_points(s);
  REQUIRE(pts.size() == 4);
  CHECK(pts[2].overrides == std::vector<std::string>{"cluster.scale_up.link_gb_per_s=50",
                                                     "cluster.scale_out.oversubscription=1", "hbm.data_rate_gbps=5.2",
                                                     "cluster.scale_out.nic_gb_per_s=100"});
  for (const auto& p : pts) CHECK(p.skipped.empty());

  // A point's tree splits into the chip and the cluster, each with its own overrides.
  YAML::Node tree = s.point_tree();
  for (const auto& o : pts[2].overrides) s.apply(tree, o);
  YAML::Node cluster;
  const YAML::Node chip = split_point_tree(tree, cluster);
  CHECK_FALSE(chip["cluster"].IsDefined());
  CHECK(chip["hbm"]["data_rate_gbps"].as<double>() == 5.2);
  CHECK(cluster["scale_up"]["link_gb_per_s"].as<int>() == 50);
  CHECK(cluster["scale_out"]["nic_gb_per_s"].as<int>() == 100);
  CHECK(s.cluster_tree["scale_up"]["link_gb_per_s"].as<int>() == 25);  // the base is untouched

  // The cluster's content is part of the fingerprint.
  const std::string body = "parameters:\n  - {key: cluster.scale_up.link_gb_per_s, values: [25]}\n";
  const SweepSpec a = spec_from(std::string(kClusterHead) + body);
  const SweepSpec b = spec_from(std::string(kClusterHead) + "cluster_set: [scale_out.oversubscription=2]\n" + body);
  CHECK(fingerprint(a, generate_points(a)) != fingerprint(b, generate_points(b)));

  // A trace file that names its scenario carries the layout, so it may be the workload.
  TempDir dir;
  const std::string trace = (dir.path / "decode-tp8.json").string();
  write_trace_json(make_workload("llama-2-7b", "decode:batch=8,context=512,tp=8"), trace);
  CHECK(spec_from("cluster: dgx-h100\nworkload: " + trace + "\n" + body).workload == trace);
}

TEST_CASE("sweep spec: cluster errors name the key path and what was expected", "[sweep][cluster]") {
  const std::string head = kClusterHead;
  // An unknown cluster key lists the nearest valid ones.
  CHECK_THAT(spec_error(head + "parameters:\n  - {key: cluster.scale_out.nic_gbps, values: [25]}\n"),
             Catch::Contains("spec.yaml:4") && Catch::Contains("parameters[0].key") &&
                 Catch::Contains("dgx-h100.yaml") && Catch::Contains("nearest valid") &&
                 Catch::Contains("cluster.scale_out.nic_gb_per_s"));
  CHECK_THAT(spec_error(head + "parameters:\n  - {key: cluster.scale_up.link_gb_per_s, values: [25]}\n"
                               "computed: {cluster.scale_up.lnks_per_chip: \"18\"}\n"),
             Catch::Contains("computed.cluster.scale_up.lnks_per_chip") &&
                 Catch::Contains("cluster.scale_up.links_per_chip"));
  CHECK_THAT(spec_error(head + "parameters:\n  - {key: cluster.scale_up.link_gb_per_s, values: [25]}\n"
                               "constraints: [\"cluster.nodez <= 2\"]\n"),
             Catch::Contains("constraints[0]") && Catch::Contains("'cluster.nodez'") &&
                 Catch::Contains("cluster.nodes"));
  CHECK_THAT(spec_error(head + "cluster_set: [scale_up.link_gbps=50]\n"
                               "parameters:\n  - {key: cluster.scale_up.link_gb_per_s, values: [25]}\n"),
             Catch::Contains("cluster_set") && Catch::Contains("scale_up.link_gb_per_s"));
  CHECK_THAT(spec_error(head + "parameters:\n  - {key: cluster.chip, values: [a100]}\n"),
             Catch::Contains("parameters[0].key") && Catch::Contains("vary the chip with chip key paths"));
  CHECK_THAT(spec_error("cluster: no-such-cluster\nworkload: {model: llama-2-7b, scenario: decode}\n"
                        "parameters:\n  - {key: cluster.nodes, values: [1]}\n"),
             Catch::Contains("spec.yaml:1") && Catch::Contains("cluster") && Catch::Contains("dgx-h100"));

  // cluster. key paths need a cluster.
  const std::string chip_only = kHead;
  CHECK_THAT(spec_error(chip_only + "parameters:\n  - {key: cluster.scale_out.nic_gb_per_s, values: [25]}\n"),
             Catch::Contains("parameters[0].key") && Catch::Contains("no cluster:"));
  CHECK_THAT(spec_error(chip_only + "parameters:\n  - {key: noc.dim_x, values: [2]}\n"
                                    "computed: {cluster.scale_out.nic_gb_per_s: \"50\"}\n"),
             Catch::Contains("computed.cluster.scale_out.nic_gb_per_s") && Catch::Contains("no cluster:"));
  CHECK_THAT(spec_error(chip_only + "parameters:\n  - {key: noc.dim_x, values: [2]}\n"
                                    "constraints: [\"cluster.nodes <= 2\"]\n"),
             Catch::Contains("constraints[0]") && Catch::Contains("no cluster:"));
  CHECK_THAT(spec_error(chip_only + "set: [cluster.nodes=2]\nparameters:\n  - {key: noc.dim_x, values: [2]}\n"),
             Catch::Contains("set") && Catch::Contains("no cluster:"));
  CHECK_THAT(spec_error(chip_only + "cluster_set: [nodes=2]\nparameters:\n  - {key: noc.dim_x, values: [2]}\n"),
             Catch::Contains("cluster_set") && Catch::Contains("add cluster:"));

  // An operator list has no parallel layout to run on a cluster.
  CHECK_THAT(spec_error("cluster: dgx-h100\nworkload: sweep-tiny.yaml\n"
                        "parameters:\n  - {key: cluster.scale_up.link_gb_per_s, values: [25]}\n"),
             Catch::Contains("spec.yaml:2") && Catch::Contains("workload") && Catch::Contains("operator list") &&
                 Catch::Contains("{model: M, scenario: S}"));
}

TEST_CASE("sweep runner: a cluster point runs one step of the scenario's layout", "[sweep][cluster]") {
  // A one-node cluster of our own next to the spec (found there first); its chip is the chip.
  TempDir dir;
  {
    std::ifstream in(std::string(TESSERA_TEST_DATA_DIR) + "/configs/clusters/dgx-h100.yaml");
    std::stringstream text;
    text << in.rdbuf();
    std::ofstream(dir.path / "node.yaml") << text.str();
  }
  const std::string body = R"(
mode: list
parameters:
  - {key: cluster.scale_up.link_gb_per_s, values: [25, 50]}
)";
  auto spec_in_dir = [&](const std::string& scenario) {
    const std::string text =
        "cluster: node.yaml\nworkload: {model: llama-2-7b, scenario: \"" + scenario + "\"}\n" + body;
    std::ofstream(dir.path / "spec.yaml") << text;
    return load_sweep_spec((dir.path / "spec.yaml").string());
  };
  const SweepSpec s = spec_in_dir("decode:batch=8,context=512,tp=8");
  CHECK(s.cluster_path == (dir.path / "node.yaml").string());
  const auto pts = generate_points(s);
  REQUIRE(pts.size() == 2);
  const PointRunner runner(s);
  CHECK(runner.layout().tp == 8);
  const PointResult slow = runner.run(pts[0]);
  const PointResult fast = runner.run(pts[1]);
  INFO(slow.error << fast.error);
  REQUIRE(slow.status == "ok");
  REQUIRE(fast.status == "ok");
  // tp x pp x dp = 8 x 1 x 1 chips; one decode step of 8 sequences is 8 tokens.
  CHECK(metric(slow, "chips") == 8);
  CHECK(metric(slow, "cluster_chips") == 8);
  CHECK(metric(slow, "tokens_per_step") == 8);
  // Twice the NVLink bandwidth: the chips do the same work, the tensor-parallel all-reduces (on
  // the compute stream, so exposed) get faster, and the step cannot get slower.
  CHECK(metric(fast, "step_no_comm_s") == metric(slow, "step_no_comm_s"));
  CHECK(metric(fast, "comm_exposed_s") < metric(slow, "comm_exposed_s"));
  CHECK(metric(fast, "seconds") <= metric(slow, "seconds"));
  // The second point reused the first one's operator timings, and reports what a run of its own
  // reports: the same metrics as a fresh runner that only ran it.
  const PointResult alone = PointRunner(s).run(pts[1]);
  REQUIRE(alone.status == "ok");
  CHECK(alone.metrics == fast.metrics);
  CHECK(metric(fast, "distinct_operators") > 0);

  // Two data-parallel replicas of tp=8 need 16 chips: the point fails with the reason.
  const SweepSpec big = spec_in_dir("decode:batch=8,context=512,tp=8,dp=2");
  const PointResult r = PointRunner(big).run(generate_points(big)[0]);
  CHECK(r.status == "failed");
  CHECK_THAT(r.error, Catch::Contains("needs 16 chips") && Catch::Contains("has 8"));
  CHECK(r.metrics.empty());
}

TEST_CASE("sweep executors: local by default, mpi with --mpi, an unknown name lists the valid ones", "[sweep]") {
  SweepOptions options;
  CHECK(sweep_executor(options).name() == "local");
  options.mpi = true;
  CHECK(sweep_executor(options).name() == "mpi");
  CHECK(sweep_executor_names() == std::vector<std::string_view>{"local", "mpi"});
  CHECK_THROWS_WITH(sweep_executor("slurm"), "sweep: unknown sweep executor 'slurm' (valid: local, mpi)");
}
