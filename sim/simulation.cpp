#include "sim/simulation.h"

#include <unordered_map>

#include <fmt/format.h>

#include "models/chip/chip.h"
#include "models/chip/work_scheduler.h"
#include "sim/invariants.h"
#include "sim/mapper.h"
#include "sim/power_summary.h"
#include "sim/run_summary.h"
#include "sim/table_simulation.h"
#include "sim/op_table.h"
#include "models/config/run_config.h"
#include "sim/kernel_context.h"
#include "models/chip/timeline.h"

namespace tessera {

namespace {
double gemm_macs(const Operator& op) { return double(op.batch) * double(op.m) * double(op.n) * double(op.k); }
}  // namespace

namespace {
void check_time_fits(const ChipConfig& chip, const Workload& workload, const SimOptions& options) {
  // The least time the work needs at the chip's peak rates; the kernel's clock (64-bit
  // femtoseconds) ends at 18,446 s.
  const double hbm_peak = chip.hbm.peak_bytes_per_second();
  double at_least_s = 0;
  for (const Operator& op : workload.ops) {
    if (op.kind == OpKind::gemm) {
      const double peak = chip.peak_macs_per_second(op.dtype);
      if (peak > 0) at_least_s += gemm_macs(op) / peak;
    } else if (op.kind != OpKind::collective && !options.compute_only && hbm_peak > 0) {
      at_least_s += double(op.bytes_read() + op.bytes_written()) / hbm_peak;
    }
  }
  if (!(at_least_s <= kMaxSimulatedSeconds))
    throw Error(fmt::format("workload '{}' needs at least {:.4g} s on chip '{}' at its peak rates; the simulation "
                            "clock (femtoseconds in 64 bits) ends at {:.0f} s: split the workload or shrink it",
                            workload.name, at_least_s, chip.name, kMaxSimulatedSeconds));
}
}  // namespace

std::optional<Fidelity> parse_fidelity(const std::string& text) {
  if (text == "cycle") return Fidelity::cycle;
  if (text == "cycle-full") return Fidelity::cycle_full;
  return std::nullopt;
}

const char* to_string(Fidelity f) { return f == Fidelity::cycle ? "cycle" : "cycle-full"; }

std::string capacity_problem(const ChipConfig& chip, const Workload& workload) {
  const WorkloadSummary& f = workload.summary;
  const double need = footprint_bytes(f);
  const double have = chip.hbm.capacity_gib * double(1ull << 30);
  if (need <= have) return "";
  const double gb = 1e9;
  std::string parts = fmt::format("weights {:.2f} GB, KV cache {:.2f} GB, activations {:.2f} GB", f.weight_bytes / gb,
                                  f.kv_cache_bytes / gb, f.activation_bytes / gb);
  if (f.gradient_bytes + f.optimizer_bytes > 0)
    parts += fmt::format(", gradients {:.2f} GB, optimizer state {:.2f} GB", f.gradient_bytes / gb, f.optimizer_bytes / gb);
  return fmt::format("workload '{}' needs {:.2f} GB of memory ({}) but chip '{}' has {:.2f} GB of HBM ({:g} GiB): "
                     "spread it over more chips (tp or pp in the scenario, tessera size) or pass --beyond-capacity for a "
                     "what-if",
                     workload.name, need / gb, parts, chip.name, have / gb, chip.hbm.capacity_gib);
}

SimResult simulate(const ChipConfig& chip, const Workload& workload, const SimOptions& options) {
  check_time_fits(chip, workload, options);
  if (!options.beyond_capacity)
    if (const std::string problem = capacity_problem(chip, workload); !problem.empty()) throw Error(problem);
  if (options.fidelity == Fidelity::cycle) {
    const std::string reason = table_unusable_reason(workload, options);
    if (reason.empty()) {
      return simulate_by_table(chip, workload, options, options.op_table ? *options.op_table : shared_op_table());
    }
    SimResult r = simulate_whole(chip, workload, options);
    r.summary.set_text("fidelity", "cycle-full", fmt::format("timing: every operator in one simulation ({})", reason));
    return r;
  }
  SimResult r = simulate_whole(chip, workload, options);
  r.summary.set_text("fidelity", "cycle-full", "timing: every operator in one simulation");
  return r;
}

SimResult simulate_whole(const ChipConfig& chip, const Workload& workload, const SimOptions& options,
                         StatsSnapshot* snapshot) {
  check_time_fits(chip, workload, options);
  KernelContext kernel;
  SimResult result = new_result(chip, workload);

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
  if (snapshot) {
    scheduler.on_start([snapshot, &result, &model](std::uint32_t op) {
      if (op != snapshot->at_op_start) return;
      PowerManager& power = *model.power();
      power.checkpoint(sc_core::sc_time_stamp().value());
      snapshot->taken = true;
      snapshot->values.clear();
      for (const auto& g : result.stats->groups()) {
        std::vector<double>& v = snapshot->values.emplace_back();
        for (const Stat& st : g->stats()) v.push_back(st.value);
      }
      snapshot->energy = power.energy().group_energies();
      snapshot->throttled_s = power.throttle_trace().throttled_s;
    });
  }
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
  RunSummariser summariser(chip, run_chip, clock.mhz(), clock.period_fs());
  for (std::size_t i = 0; i < workload.ops.size(); ++i) {
    const OpProgress& p = scheduler.progress()[i];
    result.ops.push_back(summariser.row(
        workload.ops[i], OpMeasure{p.start_fs, p.end_fs, p.tiles_total, p.engine_cycles, p.hbm_bytes, p.sram_bytes}));
  }

  // Energy: the last partial window, then each operator's share (models/power/energy_model.h).
  PowerManager& power = *model.power();
  power.finish(summariser.end_fs());
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

  summariser.summarise(result.summary, workload, RunCounters::of(*result.stats, double(sc_core::sc_delta_count())),
                       PowerFigures::of(power), point, options.compute_only);
  power.energy().write_stats(*result.stats);

  result.timeline = timeline.take();
  check_invariants(result);
  return result;
}

}  // namespace tessera
