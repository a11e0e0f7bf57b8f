#include "sim/run_summary.h"

#include <algorithm>
#include <stdexcept>

#include <fmt/format.h>

#include "base/types.h"
#include "base/version.h"

namespace tessera {

namespace {
// Simulated femtoseconds to seconds, as sc_time::to_seconds() computes it at the kernel's 1 fs
// resolution (sim/kernel_context.h), but also outside a kernel context.
double seconds_of(std::uint64_t fs) { return double(fs) * 1e-15; }

double gemm_macs(const Operator& op) { return double(op.batch) * double(op.m) * double(op.n) * double(op.k); }
}  // namespace

nlohmann::json workload_json(const Workload& w) {
  nlohmann::json ops = nlohmann::json::array();
  for (const Operator& op : w.ops) {
    nlohmann::json j{{"id", op.id}, {"kind", std::string(to_string(op.kind))}, {"dtype", std::string(to_string(op.dtype))},
                     {"deps", op.deps}};
    if (op.kind == OpKind::gemm) j.update({{"batch", op.batch}, {"m", op.m}, {"n", op.n}, {"k", op.k}});
    else if (op.kind != OpKind::collective) j.update({{"rows", op.rows}, {"cols", op.cols}});
    ops.push_back(std::move(j));
  }
  return {{"name", w.name}, {"source", w.source}, {"tokens", w.tokens}, {"samples", w.samples}, {"ops", std::move(ops)}};
}

SimResult new_result(const ChipConfig& chip, const Workload& workload) {
  SimResult result;
  result.tool_version = kVersion;
  result.chip_name = chip.name;
  result.chip_config = to_yaml(chip);
  result.workload = workload_json(workload);
  result.stats = std::make_unique<StatsRegistry>();
  return result;
}

RunCounters RunCounters::of(const StatsRegistry& stats, double delta_cycles) {
  RunCounters c;
  c.hbm_bytes_read = stats.total("hbm", stat_names::kBytesRead);
  c.hbm_bytes_written = stats.total("hbm", stat_names::kBytesWritten);
  c.sram_bytes = stats.total("global_sram", stat_names::kBytesRead) + stats.total("global_sram", stat_names::kBytesWritten);
  c.sram_hits = stats.total("global_sram", "hits");
  c.sram_misses = stats.total("global_sram", "misses");
  c.noc_bytes = stats.total("noc_link", "bytes");
  c.delta_cycles = delta_cycles;
  return c;
}

RunSummariser::RunSummariser(const ChipConfig& chip, const ChipConfig& run_chip, double core_mhz,
                             std::uint64_t core_period_fs)
    : chip_(chip),
      run_chip_(run_chip),
      core_mhz_(core_mhz),
      period_fs_(core_period_fs),
      hbm_peak_(chip.hbm.peak_bytes_per_second()),
      sram_peak_(double(run_chip.global_sram.banks) * run_chip.global_sram.bytes_per_cycle_per_bank *
                 run_chip.clocks.sram_mhz * 1e6),
      cores_(chip.total_cores()) {}

OpResult RunSummariser::row(const Operator& op, const OpMeasure& m) {
  OpResult r;
  r.id = op.id;
  r.name = op.name;
  r.kind = std::string(to_string(op.kind));
  r.phase = op.phase;
  r.layer = op.layer;
  r.start_fs = m.start_fs;
  r.end_fs = m.end_fs;
  r.start_s = seconds_of(m.start_fs);
  r.end_s = seconds_of(m.end_fs);
  r.start_cycle = m.start_fs / period_fs_;
  r.end_cycle = ceil_div(m.end_fs, period_fs_);
  r.tiles = static_cast<std::uint32_t>(m.tiles);
  r.hbm_bytes = m.hbm_bytes;
  r.sram_bytes = m.sram_bytes;
  r.engine_cycles = m.engine_cycles;
  const double duration = r.end_s - r.start_s;
  const double used_cores = std::min<double>(cores_, double(m.tiles));
  r.compute_s = used_cores > 0 ? m.engine_cycles / used_cores / (core_mhz_ * 1e6) : 0;
  double compute_bound_s = 0;
  if (op.kind == OpKind::gemm) {
    const double macs = gemm_macs(op);
    r.flops = 2 * macs;
    const double peak = run_chip_.peak_macs_per_second(op.dtype);
    compute_bound_s = peak > 0 ? macs / peak : 0;
    total_macs_ += macs;
    mac_seconds_at_peak_ += compute_bound_s;
    macs_by_dtype_[op.dtype] += macs;
  } else if (op.kind != OpKind::collective) {
    r.flops = op.flops();
  }
  // Operator::bytes_read/written are the ideal traffic: each operand once, the result once,
  // fused operands and mixed element types accounted for.
  r.ideal_s = std::max(compute_bound_s, double(op.bytes_read() + op.bytes_written()) / hbm_peak_);
  // What bounded it: the resource whose busy time comes closest to the operator's duration.
  const std::pair<const char*, double> candidates[] = {
      {"compute", r.compute_s}, {"hbm", r.hbm_bytes / hbm_peak_}, {"sram", r.sram_bytes / sram_peak_}};
  r.bound_by = "none";
  if (duration > 0) {
    double best = 0;
    for (auto [name, t] : candidates)
      if (t > best) best = t, r.bound_by = name;
    if (best < 0.5 * duration) r.bound_by = "latency";
    time_by_bound_[r.bound_by] += duration;
  }
  end_fs_ = std::max(end_fs_, m.end_fs);
  return r;
}

namespace {
/// A utilisation above 1 means the model lost track of time (work finished before it was done):
/// an internal error, never a result.
double at_most_one(const char* name, double fraction) {
  if (fraction > 1 + 1e-9)
    throw std::logic_error(fmt::format("internal error: {} = {} exceeds 1; the simulation ended before its "
                                       "work did (please report this with the inputs)",
                                       name, fraction));
  return fraction;
}
}  // namespace

void RunSummariser::summarise(Summary& s, const Workload& workload, const RunCounters& c, const PowerFigures& power,
                              std::uint32_t point, bool compute_only) const {
  DataType main_dtype = DataType::bf16;
  double main_dtype_macs = -1;
  for (auto [t, macs] : macs_by_dtype_)
    if (macs > main_dtype_macs) main_dtype = t, main_dtype_macs = macs;
  const double seconds = seconds_of(end_fs_);
  s.set_text("chip", chip_.name, "chip config name");
  s.set_text("workload", workload.name, "workload name");
  s.set("seconds", seconds, "s", "simulated time to finish the workload");
  s.set("cycles", double(ceil_div(end_fs_, period_fs_)), "cycles", "core-clock cycles");
  s.set("core_clock_mhz", core_mhz_, "MHz", "core clock");
  s.set("operators", double(workload.ops.size()), "count", "operators simulated");
  s.set("matrix_flops", 2 * total_macs_, "FLOP", "GEMM floating-point operations (2 per MAC)");
  s.set("achieved_tflops", seconds > 0 ? 2 * total_macs_ / seconds / 1e12 : 0, "TFLOP/s", "GEMM FLOPs per second");
  s.set_text("main_dtype", std::string(to_string(main_dtype)), "data type with the most MACs");
  s.set("peak_tflops", 2 * run_chip_.peak_macs_per_second(main_dtype) / 1e12, "TFLOP/s",
        "matrix-engine peak for the main data type");
  s.set("matrix_utilisation", at_most_one("matrix_utilisation", seconds > 0 ? mac_seconds_at_peak_ / seconds : 0),
        "fraction",
        "GEMM work at peak rate divided by simulated time");
  s.set("hbm_bytes_read", c.hbm_bytes_read, "B", "bytes read from HBM");
  s.set("hbm_bytes_written", c.hbm_bytes_written, "B", "bytes written to HBM");
  s.set("hbm_bandwidth_utilisation",
        at_most_one("hbm_bandwidth_utilisation",
                    seconds > 0 ? (c.hbm_bytes_read + c.hbm_bytes_written) / seconds / hbm_peak_ : 0),
        "fraction",
        "HBM bytes per second over peak");
  s.set("sram_bytes", c.sram_bytes, "B", "bytes through the global SRAM banks");
  s.set("sram_hit_rate", c.sram_hits + c.sram_misses > 0 ? c.sram_hits / (c.sram_hits + c.sram_misses) : 0, "fraction",
        "global-SRAM block hit rate");
  s.set("noc_bytes", c.noc_bytes, "B", "bytes carried over NoC links and ports");
  if (workload.tokens > 0)
    s.set("tokens_per_second", seconds > 0 ? workload.tokens / seconds : 0, "tokens/s", "tokens processed per second");
  if (workload.samples > 0)
    s.set("samples_per_second", seconds > 0 ? workload.samples / seconds : 0, "samples/s", "samples per second");
  std::string bound = "none";
  double longest = 0;
  for (auto& [name, t] : time_by_bound_)
    if (t > longest) longest = t, bound = name;
  s.set_text("bound_by", bound, "what bounded most of the run time");
  s.set("kernel_delta_cycles", c.delta_cycles, "count", "SystemC delta cycles (simulation events)");
  if (compute_only) s.set_text("memory_model", "infinite bandwidth (compute only)", "memory model used");
  add_power_summary(s, chip_, power, RunTotals{seconds, 2 * total_macs_, workload.tokens, workload.samples, point});
  add_memory_summary(s, chip_, workload.summary);
}

double footprint_bytes(const WorkloadSummary& f) {
  return double(f.weight_bytes) + double(f.kv_cache_bytes) + double(f.activation_bytes) + double(f.gradient_bytes) +
         double(f.optimizer_bytes);
}

void add_memory_summary(Summary& s, const ChipConfig& chip, const WorkloadSummary& f) {
  const double total = footprint_bytes(f);
  if (total <= 0) return;  // an operator list without a footprint
  const double capacity = chip.hbm.capacity_gib * double(1ull << 30);
  s.set("memory_bytes", total, "B", "memory one chip needs: weights + KV cache + activations + gradients + optimizer state");
  s.set("memory_weights_bytes", double(f.weight_bytes), "B", "weights on one chip (its shard)");
  s.set("memory_kv_cache_bytes", double(f.kv_cache_bytes), "B", "KV cache on one chip at the scenario's longest context");
  s.set("memory_activations_bytes", double(f.activation_bytes), "B",
        "activations kept on one chip (training: the micro-batches in flight, with the recompute mode)");
  s.set("memory_gradients_bytes", double(f.gradient_bytes), "B", "weight gradients on one chip (training)");
  s.set("memory_optimizer_bytes", double(f.optimizer_bytes), "B", "optimizer state on one chip (training)");
  s.set("hbm_capacity_bytes", capacity, "B", "the chip's HBM capacity (hbm.capacity_gib)");
  s.set("memory_fraction", capacity > 0 ? total / capacity : 0, "fraction",
        "memory_bytes over the HBM capacity (> 1 only with --beyond-capacity)");
}

}  // namespace tessera
