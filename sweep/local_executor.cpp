// The local process pool: fork()ed workers, one pipe each way. The parent writes "INDEX\n" to a
// worker and reads back one JSON line (PointResult) per point.
#include <fcntl.h>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <deque>
#include <iostream>
#include <optional>
#include <string>

#include <fmt/core.h>

#include "base/types.h"
#include "sweep/coordinator.h"
#include "sweep/local_executor.h"

namespace tessera::sweep {

namespace {

using Clock = std::chrono::steady_clock;

volatile std::sig_atomic_t g_stop = 0;
void on_stop_signal(int) { g_stop = 1; }

/// SIGINT/SIGTERM stop the sweep between points (no SA_RESTART: poll() wakes up at once).
class StopSignals {
 public:
  StopSignals() {
    g_stop = 0;
    struct sigaction sa{};
    sa.sa_handler = on_stop_signal;
    sigemptyset(&sa.sa_mask);
    ::sigaction(SIGINT, &sa, &old_int_);
    ::sigaction(SIGTERM, &sa, &old_term_);
  }
  ~StopSignals() {
    ::sigaction(SIGINT, &old_int_, nullptr);
    ::sigaction(SIGTERM, &old_term_, nullptr);
  }

 private:
  struct sigaction old_int_{}, old_term_{};
};

struct Worker {
  pid_t pid = -1;
  int to = -1;    // parent writes point indices
  int from = -1;  // parent reads results
  std::string buf;
  std::optional<std::uint64_t> current;
  Clock::time_point started;
};

bool write_all(int fd, const std::string& data) {
  std::size_t done = 0;
  while (done < data.size()) {
    const ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    done += std::size_t(n);
  }
  return true;
}

void close_fd(int& fd) {
  if (fd >= 0) ::close(fd);
  fd = -1;
}

[[noreturn]] void worker_main(int in, int out, const std::vector<Point>& points, const PointRunner& runner) {
  std::string buf;
  char tmp[256];
  for (;;) {
    std::size_t nl;
    while ((nl = buf.find('\n')) == std::string::npos) {
      const ssize_t n = ::read(in, tmp, sizeof tmp);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) ::_exit(0);  // the parent closed the pipe (or died): done
      buf.append(tmp, std::size_t(n));
    }
    const std::uint64_t index = std::strtoull(buf.substr(0, nl).c_str(), nullptr, 10);
    buf.erase(0, nl + 1);
    PointResult r;
    if (index < points.size()) {
      r = runner.run(points[index]);
    } else {
      r.index = index;
      r.status = "failed";
      r.error = "internal error: no such point";
    }
    if (!write_all(out, r.to_line() + "\n")) ::_exit(1);
  }
}

std::string describe_exit(int status) {
  if (WIFSIGNALED(status)) {
    const int sig = WTERMSIG(status);
    const char* name = ::strsignal(sig);
    return fmt::format("killed by signal {} ({})", sig, name ? name : "?");
  }
  if (WIFEXITED(status)) return fmt::format("exited with status {}", WEXITSTATUS(status));
  return "stopped";
}

class Pool {
 public:
  Pool(const std::vector<Point>& points, const PointRunner& runner, const std::vector<int>& close_in_child)
      : points_(points), runner_(runner), close_in_child_(close_in_child) {}
  ~Pool() { kill_all(); }

  void spawn(Worker& w) {
    int to[2], from[2];
    if (::pipe2(to, O_CLOEXEC) != 0) throw Error(fmt::format("cannot create a pipe: {}", std::strerror(errno)));
    if (::pipe2(from, O_CLOEXEC) != 0) {
      ::close(to[0]);
      ::close(to[1]);
      throw Error(fmt::format("cannot create a pipe: {}", std::strerror(errno)));
    }
    std::cout.flush();
    std::cerr.flush();
    std::fflush(nullptr);
    const pid_t parent = ::getpid();
    const pid_t pid = ::fork();
    if (pid < 0) {
      for (int fd : {to[0], to[1], from[0], from[1]}) ::close(fd);
      throw Error(fmt::format("cannot start a worker process: {}", std::strerror(errno)));
    }
    if (pid == 0) {
      // The worker: dies with the parent, leaves Ctrl-C to the parent, keeps only its own pipes.
      ::prctl(PR_SET_PDEATHSIG, SIGKILL);
      if (::getppid() != parent) ::_exit(0);
      ::signal(SIGINT, SIG_IGN);
      ::signal(SIGTERM, SIG_DFL);
      ::signal(SIGPIPE, SIG_DFL);
      for (int fd : close_in_child_) ::close(fd);
      for (const Worker* o : workers_) {
        if (o->to >= 0) ::close(o->to);
        if (o->from >= 0) ::close(o->from);
      }
      ::close(to[1]);
      ::close(from[0]);
      const int devnull = ::open("/dev/null", O_WRONLY);
      if (devnull >= 0) {
        ::dup2(devnull, STDOUT_FILENO);  // simulator chatter must not mix with the sweep's output
        ::close(devnull);
      }
      worker_main(to[0], from[1], points_, runner_);
    }
    ::close(to[0]);
    ::close(from[1]);
    w.pid = pid;
    w.to = to[1];
    w.from = from[0];
    w.buf.clear();
    w.current.reset();
  }

  void track(Worker* w) { workers_.push_back(w); }

  /// Waits for a worker that has exited (its pipe is closed) and says how it ended.
  std::string reap(Worker& w) {
    close_fd(w.to);
    close_fd(w.from);
    int status = 0;
    std::string how = "ended";
    if (w.pid > 0) {
      while (::waitpid(w.pid, &status, 0) < 0 && errno == EINTR) {
      }
      how = describe_exit(status);
    }
    w.pid = -1;
    return how;
  }

  void kill_all() {
    for (Worker* w : workers_)
      if (w->pid > 0) ::kill(w->pid, SIGKILL);
    for (Worker* w : workers_)
      if (w->pid > 0) reap(*w);
  }

 private:
  const std::vector<Point>& points_;
  const PointRunner& runner_;
  const std::vector<int>& close_in_child_;
  std::vector<Worker*> workers_;
};

}  // namespace

unsigned default_jobs() {
  const long n = ::sysconf(_SC_NPROCESSORS_ONLN);
  return n > 0 ? unsigned(n) : 1u;
}

bool run_local(const std::vector<Point>& points, const std::vector<std::uint64_t>& todo, unsigned jobs,
               const PointRunner& runner, const ResultSink& sink, const std::vector<int>& close_in_child,
               const volatile std::sig_atomic_t* stop) {
  if (todo.empty()) return true;
  if (jobs == 0) jobs = default_jobs();
  std::deque<std::uint64_t> queue(todo.begin(), todo.end());
  std::vector<Worker> workers(std::min<std::size_t>(jobs, queue.size()));
  Pool pool(points, runner, close_in_child);
  for (auto& w : workers) pool.track(&w);

  // A worker that died takes its pipe with it: writing there must not kill the parent.
  struct sigaction ignore{}, old_pipe{};
  ignore.sa_handler = SIG_IGN;
  ::sigaction(SIGPIPE, &ignore, &old_pipe);
  struct RestorePipe {
    struct sigaction old;
    ~RestorePipe() { ::sigaction(SIGPIPE, &old, nullptr); }
  } restore{old_pipe};

  auto assign = [&](Worker& w) {
    if (queue.empty()) {
      close_fd(w.to);  // no more work: the worker exits when it reads EOF
      return;
    }
    const std::uint64_t index = queue.front();
    queue.pop_front();
    w.current = index;
    w.started = Clock::now();
    // A failed write means the worker died; the EOF on its result pipe reports the point.
    write_all(w.to, fmt::format("{}\n", index));
  };

  for (auto& w : workers) {
    pool.spawn(w);
    assign(w);
  }

  std::vector<pollfd> fds;
  std::vector<Worker*> polled;
  char buf[65536];
  for (;;) {
    if (stop && *stop) {
      pool.kill_all();
      return false;
    }
    fds.clear();
    polled.clear();
    for (auto& w : workers)
      if (w.pid > 0) {
        fds.push_back({w.from, POLLIN, 0});
        polled.push_back(&w);
      }
    if (fds.empty()) break;
    std::vector<PointResult> batch;
    const int n = ::poll(fds.data(), fds.size(), 200);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw Error(fmt::format("poll failed: {}", std::strerror(errno)));
    }
    for (std::size_t i = 0; i < fds.size(); ++i) {
      if (!fds[i].revents) continue;
      Worker& w = *polled[i];
      const ssize_t got = ::read(w.from, buf, sizeof buf);
      if (got < 0) {
        if (errno == EINTR || errno == EAGAIN) continue;
      }
      if (got > 0) {
        w.buf.append(buf, std::size_t(got));
        std::size_t nl;
        while ((nl = w.buf.find('\n')) != std::string::npos) {
          const std::string line = w.buf.substr(0, nl);
          w.buf.erase(0, nl + 1);
          PointResult r;
          bool ok = false;
          try {
            r = PointResult::from_json(nlohmann::json::parse(line));
            ok = w.current && r.index == *w.current;
          } catch (const std::exception&) {
          }
          if (!ok) {
            if (!w.current) continue;  // nothing was asked: ignore
            r = PointResult{};
            r.index = *w.current;
            r.status = "failed";
            r.error = "internal error: the worker process sent a malformed result";
          }
          w.current.reset();
          assign(w);  // the worker goes on with its next point while the result is journaled
          batch.push_back(std::move(r));
        }
        continue;
      }
      // EOF (or a read error): the worker has exited.
      const std::optional<std::uint64_t> lost = w.current;
      const double wall = std::chrono::duration<double>(Clock::now() - w.started).count();
      const std::string how = pool.reap(w);
      if (lost) {
        PointResult r;
        r.index = *lost;
        r.status = "failed";
        r.error = fmt::format("the worker process running this point {}", how);
        r.wall_s = wall;
        w.current.reset();
        batch.push_back(std::move(r));
      }
      if (!queue.empty()) {
        pool.spawn(w);
        assign(w);
      }
    }
    if (!batch.empty()) sink(std::move(batch));
  }
  return true;
}

SweepOutcome LocalExecutor::run(const SweepOptions& options) const {
  const auto start = Clock::now();
  const SweepSpec spec = load_sweep_spec(options.spec_path, options.extra_set);
  const std::vector<Point> points = generate_points(spec);
  if (options.dry_run) return dry_run_outcome(spec, points);
  const PointRunner runner(spec);  // loads the workload once; the workers inherit it
  Coordinator coordinator(options, spec, points, fingerprint(spec, points), start);
  const unsigned jobs = options.jobs ? options.jobs : default_jobs();
  bool completed;
  {
    StopSignals signals;
    completed = run_local(points, coordinator.todo(), jobs, runner,
                          [&](std::vector<PointResult>&& rs) { coordinator.record(std::move(rs)); }, {coordinator.journal_fd()},
                          &g_stop);
  }
  return coordinator.finish(!completed,
                            fmt::format("{} local worker process{}", jobs, jobs == 1 ? "" : "es"));
}

}  // namespace tessera::sweep
