// Longer than 600 lines: the fault tests at the end share the helpers that run the CLI.
// `tessera sweep` end to end, through the built binary: a 50-point sweep gives the same table
// with -j 2 and with mpirun -np 3; a sweep killed with SIGKILL resumes to the same table without
// redoing finished points; a poisoned point is recorded with its error while the others succeed;
// workers and ranks share an operator cache. Fault tests ([fault]): a 1,000-point sweep killed at
// ten seeded moments, MPI ranks killed mid-sweep, and a full disk (a file size limit) while a
// result is written.
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>
#include <hdf5.h>
#include <nlohmann/json.hpp>

#include "sweep/journal.h"

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

/// Starts `args` with stdout and stderr going to files; returns the pid. With `own_group` the
/// process leads a process group of its own (kill(-pid) then reaches everything it started).
pid_t start(const std::vector<std::string>& args, const std::string& out, const std::string& err,
            bool own_group = false) {
  mpi_environment();
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO, out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addopen(&fa, STDERR_FILENO, err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  if (own_group) {
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP);
    posix_spawnattr_setpgroup(&attr, 0);
  }
  std::vector<char*> argv;
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  pid_t pid = -1;
  const int rc = posix_spawnp(&pid, argv[0], &fa, &attr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  posix_spawnattr_destroy(&attr);
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

Run ended(int st, const std::string& out, const std::string& err) {
  Run r;
  r.status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
  r.out = slurp(out);
  r.err = slurp(err);
  return r;
}

Run wait_for(pid_t pid, const std::string& out, const std::string& err) {
  int st = 0;
  while (::waitpid(pid, &st, 0) < 0 && errno == EINTR) {
  }
  return ended(st, out, err);
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

// --- Fault tests: kills at seeded moments, MPI ranks killed, a full disk ----------------------

namespace {

const std::string kSpec1000 = kData + "/sweep-1000.yaml";
constexpr auto kPatience = std::chrono::seconds(300);  // a stuck run, not a slow one (sanitizers)

/// Counts the complete lines of a growing journal, reading only what was appended since the last
/// look: polled every millisecond, it must not compete with the sweep for the CPU.
struct JournalWatch {
  std::string path;
  std::uint64_t offset = 0, lines = 0;

  /// Starts after what a killed run left: its complete lines. A resume cuts off a partial last
  /// line and appends from there.
  static JournalWatch after(const std::string& path) {
    const std::string text = slurp(path);
    const std::size_t end = text.rfind('\n');
    JournalWatch w{path};
    if (end != std::string::npos) {
      w.offset = end + 1;
      w.lines =
          std::uint64_t(std::count(text.begin(), text.begin() + std::ptrdiff_t(end + 1), '\n'));
    }
    return w;
  }
  /// Finished points journaled so far (the header is the first line).
  std::uint64_t records() {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
      char buf[65536];
      ssize_t n;
      while ((n = ::pread(fd, buf, sizeof buf, off_t(offset))) > 0) {
        lines += std::uint64_t(std::count(buf, buf + n, '\n'));
        offset += std::uint64_t(n);
      }
      ::close(fd);
    }
    return lines > 0 ? lines - 1 : 0;
  }
};

/// The exit status of `pid` if it has ended (reaped), else nothing.
std::optional<int> ended_status(pid_t pid) {
  int st = 0;
  pid_t r;
  while ((r = ::waitpid(pid, &st, WNOHANG)) < 0 && errno == EINTR) {
  }
  if (r != pid) return std::nullopt;
  return st;
}

/// Waits for a process started with own_group; one still running after kPatience is killed
/// with everything it started, and the test fails.
Run wait_patiently(pid_t pid, const std::string& out, const std::string& err) {
  const auto deadline = std::chrono::steady_clock::now() + kPatience;
  for (;;) {
    if (const auto st = ended_status(pid)) return ended(*st, out, err);
    if (std::chrono::steady_clock::now() > deadline) {
      ::kill(-pid, SIGKILL);
      const Run r = wait_for(pid, out, err);
      FAIL("still running after " << kPatience.count() << " s (killed): " << r.out << r.err);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

/// Every finished point of `before` is still in `after`, with the same record: none was lost or
/// run again (a rerun has its own wall time).
void check_kept(const std::map<std::uint64_t, tessera::sweep::PointResult>& before,
                const std::map<std::uint64_t, tessera::sweep::PointResult>& after) {
  std::size_t lost = 0, redone = 0;
  for (const auto& [index, r] : before) {
    const auto it = after.find(index);
    if (it == after.end())
      ++lost;
    else if (it->second.wall_s != r.wall_s || it->second.status != r.status)
      ++redone;
  }
  CHECK(lost == 0);
  CHECK(redone == 0);
}

/// Temporaries of `path` ("<path>.tmp.<pid>") in its directory.
std::vector<std::string> temporaries_of(const std::string& path) {
  std::vector<std::string> found;
  const std::string prefix = fs::path(path).filename().string() + ".tmp";
  for (const auto& e : fs::directory_iterator(fs::path(path).parent_path()))
    if (e.path().filename().string().rfind(prefix, 0) == 0) found.push_back(e.path().string());
  return found;
}

/// The pids of `tessera` processes whose command line holds `marker` (an output path unique to
/// the test), with their MPI rank (-1 if none).
std::vector<std::pair<pid_t, int>> tessera_processes(const std::string& marker) {
  std::vector<std::pair<pid_t, int>> found;
  std::error_code ec;
  for (fs::directory_iterator it("/proc", ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    const std::string cmd = slurp((it->path() / "cmdline").string());  // NUL-separated
    if (cmd.rfind(kTessera + '\0', 0) != 0 || cmd.find(marker) == std::string::npos) continue;
    const std::string env = '\0' + slurp((it->path() / "environ").string());
    const std::string key = std::string(1, '\0') + "OMPI_COMM_WORLD_RANK=";
    const std::size_t at = env.find(key);
    found.emplace_back(pid_t(std::stol(name)),
                       at == std::string::npos ? -1 : std::atoi(env.c_str() + at + key.size()));
  }
  return found;
}

/// Runs `args` under a file size limit of `limit` bytes (RLIMIT_FSIZE) with SIGXFSZ ignored: a
/// write past the limit fails with EFBIG, as on a full disk, instead of killing the process.
Run run_limited(const std::vector<std::string>& args, std::uint64_t limit, const TempDir& dir,
                const std::string& tag) {
  const std::string out = dir / (tag + ".stdout"), err = dir / (tag + ".stderr");
  mpi_environment();
  std::vector<char*> argv;
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  const pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {  // only async-signal-safe calls from here on
    const int o = ::open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    const int e = ::open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (o < 0 || e < 0 || ::dup2(o, STDOUT_FILENO) < 0 || ::dup2(e, STDERR_FILENO) < 0)
      ::_exit(126);
    ::close(o);
    ::close(e);
    struct sigaction ignore {};
    ignore.sa_handler = SIG_IGN;  // kept across exec
    const struct rlimit rl { rlim_t(limit), rlim_t(limit) };
    if (::sigaction(SIGXFSZ, &ignore, nullptr) != 0 || ::setrlimit(RLIMIT_FSIZE, &rl) != 0)
      ::_exit(126);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  return wait_for(pid, out, err);
}

}  // namespace

TEST_CASE(
    "sweep cli: 1000 points killed at 10 seeded moments resume to the table of an uninterrupted "
    "run",
    "[sweep][cli][fault]") {
  TempDir dir("kills");
  const Run ref = run({kTessera, "sweep", kSpec1000, "-j", "2", "-o", dir / "ref.h5"}, dir, "ref");
  INFO(ref.out << ref.err);
  REQUIRE(ref.status == 0);
  const Table reference = read_points(dir / "ref.h5");
  const std::size_t points = reference.at("index").ints.size();
  REQUIRE(points == 1000);
  REQUIRE(count_status(reference).at("ok") == 1000);

  // Kill k comes once the journal holds a number of points drawn from the k-th tenth of the
  // sweep (leaving at least 35 points to run), and 0-2 ms later: in a point, a journal write or
  // its fsync, between points.
  std::mt19937 rng(20240607);
  const std::string out = dir / "k.h5", journal = out + ".journal";
  std::map<std::uint64_t, tessera::sweep::PointResult>
      kept;  // what the journal held after the last kill
  for (int k = 0; k < 10; ++k) {
    const std::uint64_t target = std::uint64_t(k) * points / 10 + 5 + rng() % 60;
    const auto delay = std::chrono::microseconds(rng() % 2000);
    INFO("kill " << k << " at " << target << " points (+" << delay.count() << " us), "
                 << kept.size() << " journaled before");
    std::vector<std::string> args{kTessera, "sweep", kSpec1000, "-j", "2", "-o", out};
    if (k > 0) args.push_back("--resume");
    const std::string o = dir / "k.stdout", e = dir / "k.stderr";
    JournalWatch watch = JournalWatch::after(journal);
    const pid_t pid = start(args, o, e);
    const auto deadline = std::chrono::steady_clock::now() + kPatience;
    std::optional<int> early;
    while (watch.records() < target && std::chrono::steady_clock::now() < deadline &&
           !(early = ended_status(pid)))
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    if (!early) {
      std::this_thread::sleep_for(delay);
      ::kill(pid, SIGKILL);
    }
    const Run killed = early ? ended(*early, o, e) : wait_for(pid, o, e);
    INFO(killed.out << killed.err);
    REQUIRE(killed.status == 128 + SIGKILL);  // it was still running: killed mid-sweep
    CHECK_FALSE(fs::exists(out));             // no table, let alone a half-written one
    const auto now = tessera::sweep::read_journal(journal);
    check_kept(kept, now);
    // One record per finished point: none twice.
    CHECK(JournalWatch::after(journal).lines == 1 + now.size());
    CHECK(now.size() >= target);
    REQUIRE(now.size() < points);
    kept = now;
  }

  const Run last =
      run({kTessera, "sweep", kSpec1000, "-j", "2", "-o", out, "--resume", "--format", "json"}, dir,
          "last");
  INFO(last.out << last.err);
  REQUIRE(last.status == 0);
  const auto doc = nlohmann::json::parse(last.out);
  CHECK(doc.at("resumed").get<std::size_t>() == kept.size());
  CHECK(doc.at("ran").get<std::size_t>() == points - kept.size());  // nothing finished is redone
  check_kept(kept, tessera::sweep::read_journal(journal));
  CHECK(count_lines(journal) == 1 + points);
  check_same_table(reference, read_points(out));
  CHECK(temporaries_of(out).empty());
}

TEST_CASE("sweep cli: MPI ranks killed mid-sweep leave a journal that --resume with -j 2 completes",
          "[sweep][cli][fault]") {
  if (kMpiexec.empty() || ::access(kMpiexec.c_str(), X_OK) != 0) {
    WARN("no mpirun: skipped");
    return;
  }
  TempDir dir("rankkill");
  // 200 points of one 32x32x32 GEMM.
  const std::string spec = dir / "ranks.yaml";
  std::ofstream(spec)
      << "name: ranks\nchip: edge-npu\nworkload: " << kData << "/sweep-trivial.yaml\n"
      << "parameters:\n"
      << "  - {key: global_sram.latency_cycles, min: 10, max: 29, step: 1}\n"
      << "  - {key: noc.link_bytes_per_cycle, values: [8, 16, 24, 32, 48, 64, 96, 128, 160, 192]}\n"
      << "metrics: [seconds, achieved_tflops, bound_by]\n";
  const Run ref = run({kTessera, "sweep", spec, "-j", "2", "-o", dir / "ref.h5"}, dir, "ref");
  INFO(ref.out << ref.err);
  REQUIRE(ref.status == 0);
  const Table reference = read_points(dir / "ref.h5");
  const std::size_t points = reference.at("index").ints.size();
  REQUIRE(points == 200);

  // First the coordinator dies (rank 0 of 3), then, resumed under MPI, a worker (rank 1). mpirun
  // takes about a second to abort the job after a rank dies; meanwhile rank 0 goes on journaling
  // what rank 2 finishes, but never the point that died with rank 1.
  const std::string out = dir / "mpi.h5", journal = out + ".journal";
  std::map<std::uint64_t, tessera::sweep::PointResult> kept;
  const struct {
    int rank;
    std::uint64_t at;
  } kills[] = {{0, points / 4}, {1, points / 2}};
  for (const auto& k : kills) {
    INFO("killing rank " << k.rank << " once " << k.at << " points are journaled");
    std::vector<std::string> args =
        mpirun(3) + std::vector<std::string>{kTessera, "sweep", spec, "--mpi", "-o", out};
    if (!kept.empty()) args.push_back("--resume");
    const std::string o = dir / "mpi.stdout", e = dir / "mpi.stderr";
    JournalWatch watch = JournalWatch::after(journal);
    const pid_t launcher = start(args, o, e, true);
    const auto deadline = std::chrono::steady_clock::now() + kPatience;
    pid_t victim = -1;  // found as soon as the ranks are up, killed once the journal has its points
    std::optional<int> early;
    while (std::chrono::steady_clock::now() < deadline && !(early = ended_status(launcher))) {
      if (victim < 0) {
        for (const auto& [pid, rank] : tessera_processes(out))
          if (rank == k.rank) victim = pid;
      } else if (watch.records() >= k.at) {
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    if (early)
      FAIL("the MPI sweep ended before the kill: " << ended(*early, o, e).out
                                                   << ended(*early, o, e).err);
    REQUIRE(victim > 0);
    ::kill(victim, SIGKILL);
    const Run r = wait_patiently(launcher, o, e);
    INFO(r.out << r.err);
    CHECK(r.status != 0);  // MPI aborts the job when a rank dies
    // Every rank has gone (mpirun waits for them): none holds the journal's lock any more.
    while (!tessera_processes(out).empty() && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    REQUIRE(tessera_processes(out).empty());
    CHECK_FALSE(fs::exists(out));
    const auto now = tessera::sweep::read_journal(journal);
    check_kept(kept, now);
    CHECK(JournalWatch::after(journal).lines == 1 + now.size());
    CHECK(now.size() >= k.at);
    REQUIRE(now.size() < points);
    kept = now;
  }

  const Run last = run(
      {kTessera, "sweep", spec, "-j", "2", "-o", out, "--resume", "--format", "json"}, dir, "last");
  INFO(last.out << last.err);
  REQUIRE(last.status == 0);
  const auto doc = nlohmann::json::parse(last.out);
  CHECK(doc.at("resumed").get<std::size_t>() == kept.size());
  CHECK(doc.at("ran").get<std::size_t>() == points - kept.size());
  CHECK(count_lines(journal) == 1 + points);
  check_same_table(reference, read_points(out));
}

TEST_CASE("sweep cli: a full disk while tessera run writes a result keeps the previous file",
          "[sweep][cli][fault]") {
  TempDir dir("fullrun");
  const std::string out = dir / "out.h5", trace = dir / "trace.json";
  const Run first = run({kTessera, "run", "--chip", "edge-npu", "--workload",
                         kData + "/sweep-tiny.yaml", "-o", out, "--trace-out", trace},
                        dir, "first");
  INFO(first.out << first.err);
  REQUIRE(first.status == 0);
  const std::string before = slurp(out), trace_before = slurp(trace);
  REQUIRE(before.size() > 4096);
  REQUIRE(trace_before.size() > 1024);

  // Another workload into the same files, with room for neither.
  for (const bool h5 : {true, false}) {
    const std::string& path = h5 ? out : trace;
    INFO((h5 ? "-o" : "--trace-out") << " " << path);
    const Run full = run_limited({kTessera, "run", "--chip", "edge-npu", "--workload",
                                  kData + "/sweep-small.yaml", h5 ? "-o" : "--trace-out", path},
                                 (h5 ? before.size() : trace_before.size()) / 2, dir, "full");
    INFO(full.out << full.err);
    CHECK(full.status == 2);
    CHECK_THAT(full.err,
               Catch::Contains("cannot write '" + path + "'") && Catch::Contains("File too large"));
    CHECK(slurp(out) == before);
    CHECK(slurp(trace) == trace_before);
    CHECK(temporaries_of(path).empty());
  }
  // With room again the same command replaces the file.
  const Run again = run(
      {kTessera, "run", "--chip", "edge-npu", "--workload", kData + "/sweep-small.yaml", "-o", out},
      dir, "again");
  REQUIRE(again.status == 0);
  CHECK(slurp(out) != before);
  CHECK(temporaries_of(out).empty());
}

TEST_CASE(
    "sweep cli: a full disk while a sweep writes its table or journal keeps the previous table",
    "[sweep][cli][fault]") {
  TempDir dir("fullsweep");
  const std::string spec = dir / "full.yaml";
  std::ofstream(spec)
      << "name: full\nchip: edge-npu\nworkload: " << kData << "/sweep-trivial.yaml\n"
      << "parameters:\n  - {key: global_sram.latency_cycles, values: [10, 20, 30, 40, 50, 60]}\n";
  const std::string out = dir / "out.h5", journal = out + ".journal";
  const Run first = run({kTessera, "sweep", spec, "-j", "2", "-o", out}, dir, "first");
  INFO(first.out << first.err);
  REQUIRE(first.status == 0);
  const std::string before = slurp(out), journal_before = slurp(journal);
  const Table table_before = read_points(out);

  SECTION("the table: a resume has nothing to run and no room to write the table") {
    const Run full = run_limited({kTessera, "sweep", spec, "-o", out, "--resume"},
                                 before.size() / 2, dir, "full");
    INFO(full.out << full.err);
    CHECK(full.status == 2);
    CHECK_THAT(full.err,
               Catch::Contains("cannot write '" + out + "'") && Catch::Contains("File too large"));
    CHECK(slurp(out) == before);
    CHECK(slurp(journal) == journal_before);
    CHECK(temporaries_of(out).empty());
  }
  SECTION(
      "the journal: a restarted sweep runs out of room for its records, and a resume finishes it") {
    const Run full = run_limited({kTessera, "sweep", spec, "-j", "2", "-o", out, "--restart"},
                                 journal_before.size() / 2, dir, "full");
    INFO(full.out << full.err);
    CHECK(full.status == 2);
    CHECK_THAT(full.err, Catch::Contains(journal) && Catch::Contains("File too large"));
    CHECK(slurp(out) == before);
    CHECK(temporaries_of(out).empty());
    const std::size_t journaled = tessera::sweep::read_journal(journal).size();
    CHECK(journaled < 6);
    const Run resumed =
        run({kTessera, "sweep", spec, "-j", "2", "-o", out, "--resume", "--format", "json"}, dir,
            "resumed");
    INFO(resumed.out << resumed.err);
    REQUIRE(resumed.status == 0);
    CHECK(nlohmann::json::parse(resumed.out).at("resumed").get<std::size_t>() == journaled);
    check_same_table(table_before, read_points(out));
    CHECK(count_lines(journal) == 1 + 6);
  }
}
