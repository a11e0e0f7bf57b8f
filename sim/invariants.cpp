#include "sim/invariants.h"

#include <fmt/format.h>

#include <cmath>
#include <variant>

#include "models/power/energy_model.h"

namespace tessera {

namespace {

// Relative slack for sums of doubles; time is compared with one core cycle of slack on top.
constexpr double kRelative = 1e-9;

[[noreturn]] void violated(const SimResult& r, const std::string& what) {
  throw InvariantError(fmt::format("invariant violated in the run of '{}' on '{}': {}. This is a bug in Tessera, "
                                   "not a result: please report it with the command and its input files",
                                   r.workload.value("name", std::string("?")), r.chip_name, what));
}

bool close(double a, double b, double abs_slack) {
  return std::abs(a - b) <= kRelative * std::max(std::abs(a), std::abs(b)) + abs_slack;
}

}  // namespace

void check_invariants(const SimResult& r) {
  const double seconds = r.summary.number_or("seconds", 0.0);
  const double mhz = r.summary.number_or("core_clock_mhz", 0.0);
  const double cycle_s = mhz > 0 ? 1e-6 / mhz : 0.0;
  const double time_slack = seconds * kRelative + cycle_s;
  if (!std::isfinite(seconds) || seconds < 0) violated(r, fmt::format("simulated time is {} s", seconds));

  for (const OpResult& op : r.ops) {
    if (!std::isfinite(op.start_s) || !std::isfinite(op.end_s) || op.start_s < 0 || op.end_s < op.start_s)
      violated(r, fmt::format("operator '{}' runs from {} s to {} s", op.id, op.start_s, op.end_s));
    if (op.end_s > seconds + time_slack)
      violated(r, fmt::format("operator '{}' ends at {} s, after the run's end at {} s", op.id, op.end_s, seconds));
    if (!(op.energy_j >= 0)) violated(r, fmt::format("operator '{}' has energy {} J", op.id, op.energy_j));
  }

  for (const auto& m : r.summary.metrics()) {
    const double* v = std::get_if<double>(&m.value);
    if (!v || !m.key.ends_with("utilisation")) continue;
    if (!(*v >= 0 && *v <= 1 + kRelative)) violated(r, fmt::format("{} is {}, outside [0, 1]", m.key, *v));
  }

  if (!r.stats) return;
  double energy_pj = 0, dma_read = 0, dma_written = 0, sram_read = 0, sram_written = 0;
  bool has_energy = false, has_dma = false, has_sram = false;
  for (const auto& g : r.stats->groups()) {
    const double busy = g->value(stat_names::kBusyCycles);
    if (busy < 0) violated(r, fmt::format("unit '{}' has {} busy cycles", g->path(), busy));
    if (g->clock_mhz() > 0 && seconds > 0) {
      const double busy_s = busy / (g->clock_mhz() * 1e6);
      if (busy_s > seconds + time_slack + 1e-6 / g->clock_mhz())
        violated(r, fmt::format("unit '{}' ({}) is busy {} s of a {} s run (utilisation {:.4f} > 1)", g->path(),
                                g->kind(), busy_s, seconds, busy_s / seconds));
    }
    if (const Stat* e = g->find(energy_stats::kEnergy)) {
      if (!(e->value >= 0)) violated(r, fmt::format("unit '{}' has energy {} pJ", g->path(), e->value));
      energy_pj += e->value;
      has_energy = true;
    }
    if (g->kind() == "dma") {
      has_dma = true;
      dma_read += g->value(stat_names::kBytesRead);
      dma_written += g->value(stat_names::kBytesWritten);
    } else if (g->kind() == "global_sram") {
      has_sram = true;
      sram_read += g->value(stat_names::kBytesRead);
      sram_written += g->value(stat_names::kBytesWritten);
    }
  }
  if (has_dma && has_sram && (!close(dma_read, sram_read, 0.5) || !close(dma_written, sram_written, 0.5)))
    violated(r, fmt::format("bytes not conserved: the DMA engines read {} and wrote {} bytes, the global SRAM "
                            "served {} read and {} written",
                            dma_read, dma_written, sram_read, sram_written));
  if (has_energy && r.summary.has("energy_j")) {
    const double joules = r.summary.number_or("energy_j", 0.0);
    if (!close(energy_pj * 1e-12, joules, 1e-15))
      violated(r, fmt::format("the units' energies sum to {} J, the run's energy_j is {} J", energy_pj * 1e-12, joules));
  }
}

}  // namespace tessera
