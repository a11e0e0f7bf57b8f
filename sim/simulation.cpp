#include "sim/simulation.h"

#include <algorithm>
#include <map>
#include <unordered_map>

#include <fmt/format.h>

#include "models/chip/chip.h"
#include "models/chip/work_scheduler.h"
#include "base/version.h"
#include "sim/mapper.h"
#include "sim/power_summary.h"
#include "models/config/run_config.h"
#include "sim/kernel_context.h"
#include "models/chip/timeline.h"

namespace tessera {

namespace {

double gemm_macs(const Operator& op) { return double(op.batch) * double(op.m) * double(op.n) * double(op.k); }

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

}  // namespace

SimResult simulate(const ChipConfig& chip, const Workload& workload, const SimOptions& options) {
  KernelContext kernel;
  SimResult result;
  result.tool_version = kVersion;
  result.chip_name = chip.name;
  result.chip_config = to_yaml(chip);
  result.workload = workload_json(workload);
  result.stats = std::make_unique<StatsRegistry>();

  // The chip at the requested DVFS point, DRAM calibration applied (models/config/run_config.h).
  const std::uint32_t point = options.operating_point.value_or(chip.power.nominal_point);
  const ChipConfig run_chip = run_config(chip, point);

  // Map every operator and resolve dependencies to indices (ops are topologically ordered).
  Mapper mapper(run_chip, MapperOptions{options.dataflow});
  std::vector<OpPlan> plans;
  std::vector<std::string> op_ids;
  std::vector<std::vector<std::uint32_t>> deps;
  std::unordered_map<std::string, std::uint32_t> index_of;
  for (const Operator& op : workload.ops) {
    std::vector<std::uint32_t> d;
    for (const auto& dep : op.deps) {
      auto it = index_of.find(dep);
      if (it == index_of.end())
        throw Error(fmt::format("operator '{}': dependency '{}' is not an earlier operator", op.id, dep));
      d.push_back(it->second);
    }
    index_of.emplace(op.id, static_cast<std::uint32_t>(plans.size()));
    plans.push_back(mapper.plan(op));
    op_ids.push_back(op.id);
    deps.push_back(std::move(d));
  }

  Timeline timeline(options.record_timeline);
  WorkScheduler scheduler(plans, deps);
  // Global-SRAM blocks are DMA packets: a packet is the unit the SRAM caches and serves.
  const Bytes block = chip.cores.front().dma.packet_bytes;
  Chip model("chip", ChipParams{.config = run_chip,
                                .plans = plans,
                                .op_ids = op_ids,
                                .scheduler = scheduler,
                                .stats = *result.stats,
                                .timeline = timeline,
                                .sram_block_bytes = block,
                                .infinite_memory = options.compute_only,
                                .power = PowerRunOptions{true, point, options.power_limit}});
  sc_core::sc_start();

  if (!scheduler.all_finished()) {
    std::vector<std::string> lines = scheduler.waiting_report(op_ids);
    for (auto& l : model.waiting_report()) lines.push_back(std::move(l));
    throw DeadlockError(fmt::format("simulation of '{}' on '{}' stopped making progress at {:.6g} s with work left:\n  {}",
                                    workload.name, chip.name, sc_core::sc_time_stamp().to_seconds(),
                                    fmt::join(lines, "\n  ")));
  }

  // Per-operator rows.
  const ClockDomain& clock = model.core_clock();
  const double hbm_peak = chip.hbm.peak_bytes_per_second();
  const double sram_peak = double(run_chip.global_sram.banks) * run_chip.global_sram.bytes_per_cycle_per_bank *
                           run_chip.clocks.sram_mhz * 1e6;
  const double cores = chip.total_cores();
  std::uint64_t end_fs = 0;
  double total_macs = 0, mac_seconds_at_peak = 0;
  std::map<std::string, double> time_by_bound;
  DataType main_dtype = DataType::bf16;
  double main_dtype_macs = -1;
  std::map<DataType, double> macs_by_dtype;
  for (std::size_t i = 0; i < workload.ops.size(); ++i) {
    const Operator& op = workload.ops[i];
    const OpProgress& p = scheduler.progress()[i];
    OpResult r;
    r.id = op.id;
    r.name = op.name;
    r.kind = std::string(to_string(op.kind));
    r.phase = op.phase;
    r.layer = op.layer;
    r.start_s = sc_core::sc_time::from_value(p.start_fs).to_seconds();
    r.end_s = sc_core::sc_time::from_value(p.end_fs).to_seconds();
    r.start_cycle = p.start_fs / clock.period_fs();
    r.end_cycle = ceil_div(p.end_fs, clock.period_fs());
    r.tiles = static_cast<std::uint32_t>(p.tiles_total);
    r.hbm_bytes = p.hbm_bytes;
    r.sram_bytes = p.sram_bytes;
    const double duration = r.end_s - r.start_s;
    const double used_cores = std::min<double>(cores, double(p.tiles_total));
    r.compute_s = used_cores > 0 ? p.engine_cycles / used_cores / (clock.mhz() * 1e6) : 0;
    double compute_bound_s = 0;
    if (op.kind == OpKind::gemm) {
      const double macs = gemm_macs(op);
      r.flops = 2 * macs;
      const double peak = run_chip.peak_macs_per_second(op.dtype);
      compute_bound_s = peak > 0 ? macs / peak : 0;
      total_macs += macs;
      mac_seconds_at_peak += compute_bound_s;
      macs_by_dtype[op.dtype] += macs;
    } else if (op.kind != OpKind::collective) {
      r.flops = op.flops();
    }
    // Operator::bytes_read/written are the ideal traffic: each operand once, the result once,
    // fused operands and mixed element types accounted for.
    r.ideal_s = std::max(compute_bound_s, double(op.bytes_read() + op.bytes_written()) / hbm_peak);
    // What bounded it: the resource whose busy time comes closest to the operator's duration.
    const std::pair<const char*, double> candidates[] = {
        {"compute", r.compute_s}, {"hbm", r.hbm_bytes / hbm_peak}, {"sram", r.sram_bytes / sram_peak}};
    r.bound_by = "none";
    if (duration > 0) {
      double best = 0;
      for (auto [name, t] : candidates)
        if (t > best) best = t, r.bound_by = name;
      if (best < 0.5 * duration) r.bound_by = "latency";
      time_by_bound[r.bound_by] += duration;
    }
    end_fs = std::max(end_fs, p.end_fs);
    result.ops.push_back(std::move(r));
  }
  for (auto [t, macs] : macs_by_dtype)
    if (macs > main_dtype_macs) main_dtype = t, main_dtype_macs = macs;

  // Energy: the last partial window, then each operator's share (models/power/energy_model.h).
  PowerManager& power = *model.power();
  power.finish(end_fs);
  {
    const EnergyTable& nominal = power.energy().table(chip.power.nominal_point);
    std::vector<OpEnergyShare> shares(workload.ops.size());
    for (std::size_t i = 0; i < workload.ops.size(); ++i) {
      const Operator& op = workload.ops[i];
      const OpProgress& p = scheduler.progress()[i];
      OpEnergyShare& sh = shares[i];
      if (op.kind == OpKind::gemm) sh.mac_pj = gemm_macs(op) * nominal.mac_pj[static_cast<std::size_t>(op.dtype)];
      else sh.vector_cycles = p.engine_cycles;
      sh.sram_bytes = p.sram_bytes;
      sh.hbm_bytes = p.hbm_bytes;
      sh.seconds = result.ops[i].end_s - result.ops[i].start_s;
    }
    const std::vector<double> joules = attribute_energy_j(power.energy(), shares);
    for (std::size_t i = 0; i < joules.size(); ++i) result.ops[i].energy_j = joules[i];
  }

  // Summary.
  const double seconds = sc_core::sc_time::from_value(end_fs).to_seconds();
  Summary& s = result.summary;
  const StatsRegistry& stats = *result.stats;
  s.set_text("chip", chip.name, "chip config name");
  s.set_text("workload", workload.name, "workload name");
  s.set("seconds", seconds, "s", "simulated time to finish the workload");
  s.set("cycles", double(ceil_div(end_fs, clock.period_fs())), "cycles", "core-clock cycles");
  s.set("core_clock_mhz", clock.mhz(), "MHz", "core clock");
  s.set("operators", double(workload.ops.size()), "count", "operators simulated");
  s.set("matrix_flops", 2 * total_macs, "FLOP", "GEMM floating-point operations (2 per MAC)");
  s.set("achieved_tflops", seconds > 0 ? 2 * total_macs / seconds / 1e12 : 0, "TFLOP/s", "GEMM FLOPs per second");
  s.set_text("main_dtype", std::string(to_string(main_dtype)), "data type with the most MACs");
  s.set("peak_tflops", 2 * run_chip.peak_macs_per_second(main_dtype) / 1e12, "TFLOP/s",
        "matrix-engine peak for the main data type");
  s.set("matrix_utilisation", seconds > 0 ? mac_seconds_at_peak / seconds : 0, "fraction",
        "GEMM work at peak rate divided by simulated time");
  const double hbm_read = stats.total("hbm", stat_names::kBytesRead);
  const double hbm_written = stats.total("hbm", stat_names::kBytesWritten);
  s.set("hbm_bytes_read", hbm_read, "B", "bytes read from HBM");
  s.set("hbm_bytes_written", hbm_written, "B", "bytes written to HBM");
  s.set("hbm_bandwidth_utilisation", seconds > 0 ? (hbm_read + hbm_written) / seconds / hbm_peak : 0, "fraction",
        "HBM bytes per second over peak");
  s.set("sram_bytes", stats.total("global_sram", stat_names::kBytesRead) + stats.total("global_sram", stat_names::kBytesWritten),
        "B", "bytes through the global SRAM banks");
  const double hits = stats.total("global_sram", "hits"), misses = stats.total("global_sram", "misses");
  s.set("sram_hit_rate", hits + misses > 0 ? hits / (hits + misses) : 0, "fraction", "global-SRAM block hit rate");
  s.set("noc_bytes", stats.total("noc_link", "bytes"), "B", "bytes carried over NoC links and ports");
  if (workload.tokens > 0)
    s.set("tokens_per_second", seconds > 0 ? workload.tokens / seconds : 0, "tokens/s", "tokens processed per second");
  if (workload.samples > 0)
    s.set("samples_per_second", seconds > 0 ? workload.samples / seconds : 0, "samples/s", "samples per second");
  std::string bound = "none";
  double longest = 0;
  for (auto& [name, t] : time_by_bound)
    if (t > longest) longest = t, bound = name;
  s.set_text("bound_by", bound, "what bounded most of the run time");
  s.set("kernel_delta_cycles", double(sc_core::sc_delta_count()), "count", "SystemC delta cycles (simulation events)");
  if (options.compute_only) s.set_text("memory_model", "infinite bandwidth (compute only)", "memory model used");
  add_power_summary(s, chip, power, RunTotals{seconds, 2 * total_macs, workload.tokens, workload.samples, point});
  power.energy().write_stats(*result.stats);

  result.timeline = timeline.take();
  return result;
}

}  // namespace tessera
