// `tessera sweep` end to end, through the built binary: a 50-point sweep gives the same table
// with -j 2 and with mpirun -np 3; a sweep killed with SIGKILL resumes to the same table without
// redoing finished points; a poisoned point is recorded with its error while the others succeed;
// workers and ranks share an operator cache.
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>
#include <hdf5.h>
#include <nlohmann/json.hpp>

extern char** environ;

namespace fs = std::filesystem;

namespace {

const std::string kTessera = TESSERA_BIN;
const std::string kMpiexec = TESSERA_MPIEXEC;

/// mpirun as root on a 2-core machine, starting `np` ranks. Open MPI keeps allocations until
/// exit inside plugins it has already unloaded, so in a sanitizer build LeakSanitizer reports
/// them at each rank's exit and no suppression can name their frames: leak checking is off in
/// the ranks (memory errors are still caught). A release build ignores the variable.
std::vector<std::string> mpirun(int np) {
  return {kMpiexec, "--allow-run-as-root", "--oversubscribe", "-x", "ASAN_OPTIONS=detect_leaks=0",
          "-np", std::to_string(np)};
}
std::vector<std::string> operator+(std::vector<std::string> a, const std::vector<std::string>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}
const std::string kData = std::string(TESSERA_TEST_DATA_DIR) + "/tests/data";
const std::string kSpec50 = kData + "/sweep-50.yaml";

struct TempDir {
  fs::path path;
  explicit TempDir(const std::string& tag) {
    path = fs::temp_directory_path() / ("tessera-sweep-" + tag + "-" + std::to_string(::getpid()));
    fs::remove_all(path);
    fs::create_directories(path);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
  std::string operator/(const std::string& name) const { return (path / name).string(); }
};

/// MPI as root on a small CI machine: allowed, and more ranks than cores.
void mpi_environment() {
  ::setenv("OMPI_ALLOW_RUN_AS_ROOT", "1", 1);
  ::setenv("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1", 1);
  ::setenv("OMPI_MCA_rmaps_base_oversubscribe", "1", 1);
  ::setenv("SC_COPYRIGHT_MESSAGE", "DISABLE", 1);
}

/// Starts `args` with stdout and stderr going to files; returns the pid.
pid_t start(const std::vector<std::string>& args, const std::string& out, const std::string& err) {
  mpi_environment();
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO, out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addopen(&fa, STDERR_FILENO, err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  std::vector<char*> argv;
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  pid_t pid = -1;
  const int rc = posix_spawnp(&pid, argv[0], &fa, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  REQUIRE(rc == 0);
  return pid;
}

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

struct Run {
  int status = -1;  // exit status, or 128 + signal
  std::string out, err;
};

Run wait_for(pid_t pid, const std::string& out, const std::string& err) {
  int st = 0;
  while (::waitpid(pid, &st, 0) < 0 && errno == EINTR) {
  }
  Run r;
  r.status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
  r.out = slurp(out);
  r.err = slurp(err);
  return r;
}

Run run(const std::vector<std::string>& args, const TempDir& dir, const std::string& tag) {
  const std::string out = dir / (tag + ".stdout"), err = dir / (tag + ".stderr");
  return wait_for(start(args, out, err), out, err);
}

// --- Reading the results table back with the HDF5 C API -------------------------------------

struct Column {
  enum { number, integer, text } kind = number;
  std::vector<double> numbers;
  std::vector<long long> ints;
  std::vector<std::string> texts;
};
using Table = std::map<std::string, Column>;

Table read_points(const std::string& path) {
  Table t;
  const hid_t file = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  REQUIRE(file >= 0);
  const hid_t ds = H5Dopen2(file, "points", H5P_DEFAULT);
  REQUIRE(ds >= 0);
  const hid_t type = H5Dget_type(ds);
  const hid_t space = H5Dget_space(ds);
  const hssize_t n = H5Sget_simple_extent_npoints(space);
  const int members = H5Tget_nmembers(type);
  for (int m = 0; m < members; ++m) {
    char* cname = H5Tget_member_name(type, unsigned(m));
    const std::string name = cname;
    H5free_memory(cname);
    const hid_t mtype = H5Tget_member_type(type, unsigned(m));
    Column c;
    const H5T_class_t cls = H5Tget_class(mtype);
    if (cls == H5T_FLOAT || cls == H5T_INTEGER) {
      // Read this one field through a one-member memory type.
      const bool integer = cls == H5T_INTEGER;
      const hid_t native = integer ? H5T_NATIVE_LLONG : H5T_NATIVE_DOUBLE;
      const hid_t mem = H5Tcreate(H5T_COMPOUND, 8);
      H5Tinsert(mem, name.c_str(), 0, native);
      if (integer) {
        c.kind = Column::integer;
        c.ints.resize(std::size_t(n));
        REQUIRE(H5Dread(ds, mem, H5S_ALL, H5S_ALL, H5P_DEFAULT, c.ints.data()) >= 0);
      } else {
        c.numbers.resize(std::size_t(n));
        REQUIRE(H5Dread(ds, mem, H5S_ALL, H5S_ALL, H5P_DEFAULT, c.numbers.data()) >= 0);
      }
      H5Tclose(mem);
    } else {
      REQUIRE(cls == H5T_STRING);
      c.kind = Column::text;
      const std::size_t size = H5Tget_size(mtype);
      const hid_t str = H5Tcopy(mtype);
      const hid_t mem = H5Tcreate(H5T_COMPOUND, size);
      H5Tinsert(mem, name.c_str(), 0, str);
      std::vector<char> buf(size * std::size_t(n));
      REQUIRE(H5Dread(ds, mem, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf.data()) >= 0);
      for (hssize_t i = 0; i < n; ++i) {
        const char* p = buf.data() + std::size_t(i) * size;
        c.texts.emplace_back(p, strnlen(p, size));
      }
      H5Tclose(mem);
      H5Tclose(str);
    }
    H5Tclose(mtype);
    t[name] = std::move(c);
  }
  H5Sclose(space);
  H5Tclose(type);
  H5Dclose(ds);
  H5Fclose(file);
  return t;
}

/// Every column but wall_s must be equal, value for value (NaN equals NaN).
void check_same_table(const Table& a, const Table& b) {
  REQUIRE(a.size() == b.size());
  for (const auto& [name, ca] : a) {
    INFO("column " << name);
    REQUIRE(b.count(name) == 1);
    if (name == "wall_s") continue;
    const Column& cb = b.at(name);
    REQUIRE(ca.kind == cb.kind);
    CHECK(ca.ints == cb.ints);
    CHECK(ca.texts == cb.texts);
    REQUIRE(ca.numbers.size() == cb.numbers.size());
    for (std::size_t i = 0; i < ca.numbers.size(); ++i) {
      INFO("row " << i);
      if (std::isnan(ca.numbers[i])) CHECK(std::isnan(cb.numbers[i]));
      else CHECK(ca.numbers[i] == cb.numbers[i]);
    }
  }
}

std::map<std::string, int> count_status(const Table& t) {
  std::map<std::string, int> n;
  for (const auto& s : t.at("status").texts) ++n[s];
  return n;
}

std::size_t count_lines(const std::string& path) {
  const std::string text = slurp(path);
  return std::size_t(std::count(text.begin(), text.end(), '\n'));
}

}  // namespace

TEST_CASE("sweep cli: 50 points with -j 2 and with mpirun -np 3 give identical tables", "[sweep][cli]") {
  TempDir dir("same");
  const Run local = run({kTessera, "sweep", kSpec50, "-j", "2", "-o", dir / "j2.h5"}, dir, "j2");
  INFO(local.out << local.err);
  REQUIRE(local.status == 0);
  const Run mpi = run(mpirun(3) + std::vector<std::string>{kTessera, "sweep", kSpec50,
                       "--mpi", "-o", dir / "mpi.h5"},
                      dir, "mpi");
  INFO(mpi.out << mpi.err);
  REQUIRE(mpi.status == 0);
  CHECK_THAT(mpi.out, Catch::Contains("3 MPI ranks (2 workers)"));
  const Table a = read_points(dir / "j2.h5"), b = read_points(dir / "mpi.h5");
  REQUIRE(a.at("index").ints.size() == 50);
  for (long long i = 0; i < 50; ++i) CHECK(a.at("index").ints[std::size_t(i)] == i);
  check_same_table(a, b);
  // The sweep exercises every outcome: results, invalid configs, points ruled out by the constraint.
  const auto n = count_status(a);
  CHECK(n.at("ok") > 20);
  CHECK(n.at("failed") > 0);
  CHECK(n.at("skipped") > 0);
  CHECK(n.at("ok") + n.at("failed") + n.at("skipped") == 50);
  // Wall time is recorded for every point that ran.
  for (std::size_t i = 0; i < 50; ++i)
    if (a.at("status").texts[i] != "skipped") CHECK(a.at("wall_s").numbers[i] > 0);
}

TEST_CASE("sweep cli: workers and MPI ranks share one --op-cache, a warm cache gives the same table", "[sweep][cli]") {
  TempDir dir("opcache");
  const std::string cache = (dir.path / "cache").string();
  const std::string spec = kData + "/sweep-cache.yaml";
  const Run cold = run({kTessera, "sweep", spec, "-j", "2", "--op-cache", cache, "-o", dir / "cold.h5"}, dir, "cold");
  INFO(cold.out << cold.err);
  REQUIRE(cold.status == 0);
  std::size_t entries = 0;
  for (const auto& e : fs::recursive_directory_iterator(cache))
    if (e.is_regular_file()) {
      ++entries;
      CHECK(e.path().string().find(".tmp.") == std::string::npos);  // every write finished by rename
    }
  CHECK(entries == 12 * (5 + 1));  // per point (chip config): 5 records and the counters' layout
  const Run warm = run(mpirun(3) + std::vector<std::string>{kTessera, "sweep", spec, "--mpi", "--op-cache", cache,
                                                            "-o", dir / "warm.h5"},
                       dir, "warm");
  INFO(warm.out << warm.err);
  REQUIRE(warm.status == 0);
  check_same_table(read_points(dir / "cold.h5"), read_points(dir / "warm.h5"));
}

TEST_CASE("sweep cli: a sweep killed mid-run resumes to the same table", "[sweep][cli]") {
  TempDir dir("resume");
  const Run ref = run({kTessera, "sweep", kSpec50, "-j", "2", "-o", dir / "ref.h5"}, dir, "ref");
  INFO(ref.out << ref.err);
  REQUIRE(ref.status == 0);
  const auto ref_status = count_status(read_points(dir / "ref.h5"));
  const std::size_t to_run = std::size_t(50 - ref_status.at("skipped"));

  const std::string out = dir / "k.h5", journal = out + ".journal";
  const pid_t pid = start({kTessera, "sweep", kSpec50, "-j", "2", "-o", out}, dir / "k.stdout", dir / "k.stderr");
  // Kill it (SIGKILL: no chance to clean up) once a few points are journaled.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (count_lines(journal) < 6 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  ::kill(pid, SIGKILL);
  const Run killed = wait_for(pid, dir / "k.stdout", dir / "k.stderr");
  REQUIRE(killed.status == 128 + SIGKILL);
  CHECK_FALSE(fs::exists(out));  // no table, let alone a half-written one
  const std::size_t records_before = count_lines(journal) - 1;
  INFO("records journaled before the kill: " << records_before);
  REQUIRE(records_before >= 5);
  REQUIRE(records_before < to_run);  // killed mid-run

  // Without --resume the journal is not touched.
  const Run refused = run({kTessera, "sweep", kSpec50, "-j", "2", "-o", out}, dir, "refused");
  CHECK(refused.status == 2);
  CHECK_THAT(refused.err, Catch::Contains("--resume"));

  const Run resumed = run({kTessera, "sweep", kSpec50, "-j", "2", "-o", out, "--resume", "--format", "json"}, dir,
                          "resumed");
  INFO(resumed.out << resumed.err);
  REQUIRE(resumed.status == 0);
  const auto doc = nlohmann::json::parse(resumed.out);
  CHECK(doc.at("resumed").get<std::size_t>() == records_before);
  CHECK(doc.at("ran").get<std::size_t>() == to_run - records_before);  // nothing finished is redone
  check_same_table(read_points(dir / "ref.h5"), read_points(out));
  // One journal record per point that ran: none lost, none twice.
  CHECK(count_lines(journal) == 1 + to_run);

  // Resuming a finished sweep runs nothing and rewrites the same table.
  const Run again = run({kTessera, "sweep", kSpec50, "-o", out, "--resume", "--format", "json"}, dir, "again");
  REQUIRE(again.status == 0);
  CHECK(nlohmann::json::parse(again.out).at("ran").get<int>() == 0);
  check_same_table(read_points(dir / "ref.h5"), read_points(out));
}

TEST_CASE("sweep cli: one poisoned point is recorded with its error and the others succeed", "[sweep][cli]") {
  TempDir dir("poison");
  const std::string spec = dir / "poison.yaml";
  std::ofstream(spec) << "name: poison\nchip: edge-npu\nworkload: " << kData << "/sweep-tiny.yaml\n"
                      << "mode: list\nparameters:\n"
                      << "  - key: global_sram.bytes\n"
                      << "    values: [1MiB, 2MiB, 1000001, 4MiB, 8MiB]   # 1000001 B is no multiple of 16 banks\n";
  for (const std::vector<std::string>& how :
       {std::vector<std::string>{kTessera, "sweep", spec, "-j", "2"},
        mpirun(2) + std::vector<std::string>{kTessera, "sweep", spec, "--mpi"}}) {
    const bool mpi = how.front() == kMpiexec;
    INFO((mpi ? "mpi" : "local"));
    std::vector<std::string> args = how;
    const std::string out = dir / (mpi ? "mpi.h5" : "local.h5");
    for (const char* a : {"-o", out.c_str(), "--format", "json"}) args.push_back(a);
    const Run r = run(args, dir, mpi ? "mpi" : "local");
    INFO(r.out << r.err);
    REQUIRE(r.status == 0);
    const auto doc = nlohmann::json::parse(r.out);
    CHECK(doc.at("ok") == 4);
    CHECK(doc.at("failed") == 1);
    REQUIRE(doc.at("failures").size() == 1);
    CHECK(doc.at("failures")[0].at("index") == 2);
    const Table t = read_points(out);
    CHECK(t.at("status").texts == std::vector<std::string>{"ok", "ok", "failed", "ok", "ok"});
    CHECK_THAT(t.at("error").texts[2], Catch::Contains("global_sram.bytes") && Catch::Contains("multiple of banks"));
    CHECK(t.at("error").texts[0].empty());
    CHECK(std::isnan(t.at("seconds").numbers[2]));
    for (std::size_t i : {0, 1, 3, 4}) CHECK(t.at("seconds").numbers[i] > 0);
  }
  // --resume --retry-failed runs the failed point again, and only it.
  const Run retry = run({kTessera, "sweep", spec, "-o", dir / "local.h5", "--resume", "--retry-failed", "--format",
                         "json"},
                        dir, "retry");
  INFO(retry.out << retry.err);
  REQUIRE(retry.status == 0);
  const auto doc = nlohmann::json::parse(retry.out);
  CHECK(doc.at("ran") == 1);
  CHECK(doc.at("resumed") == 4);
  CHECK(doc.at("failed") == 1);
}

TEST_CASE("sweep cli: help, dry run and a bad spec", "[sweep][cli]") {
  TempDir dir("misc");
  const Run help = run({kTessera, "sweep", "--help"}, dir, "help");
  CHECK(help.status == 0);
  CHECK_THAT(help.out, Catch::Contains("--resume") && Catch::Contains("--mpi") && Catch::Contains("--jobs"));
  const Run dry = run({kTessera, "sweep", kSpec50, "--dry-run", "--format", "json"}, dir, "dry");
  REQUIRE(dry.status == 0);
  const auto doc = nlohmann::json::parse(dry.out);
  CHECK(doc.at("points") == 50);
  CHECK(doc.at("rows").size() == 50);
  CHECK(doc.at("to_run").get<int>() + doc.at("skipped").get<int>() == 50);
  const std::string bad = dir / "bad.yaml";
  std::ofstream(bad) << "chip: edge-npu\nworkload: default\nparameters:\n  - {key: hbm.data_rate, values: [6.4]}\n";
  const Run r = run({kTessera, "sweep", bad}, dir, "bad");
  CHECK(r.status == 2);
  CHECK_THAT(r.err, Catch::Contains("parameters[0].key") && Catch::Contains("hbm.data_rate_gbps"));
  const Run r2 = run(mpirun(2) + std::vector<std::string>{kTessera, "sweep", bad, "--mpi"},
                     dir, "badmpi");
  CHECK(r2.status != 0);
  CHECK_THAT(r2.err, Catch::Contains("hbm.data_rate_gbps"));
}
