#include "cluster/op_timer.h"

#include <algorithm>

#include <fmt/format.h>

#include "base/clock.h"
#include "models/config/run_config.h"
#include "sim/op_table.h"
#include "sim/run_summary.h"
#include "sim/table_simulation.h"

namespace tessera {

OpTimer::OpTimer(const ChipConfig& chip, SimOptions options) : chip_(chip), options_(std::move(options)) {
  options_.record_timeline = false;
}

namespace {

bool is_vector(const Operator& op) { return op.kind != OpKind::gemm && op.kind != OpKind::collective; }

}  // namespace

OpTiming OpTimer::simulate_alone(const Operator& op) const {
  // The operator runs after an identical one, and is timed from that one's end: it then starts
  // with the global SRAM holding a predecessor's (dirty) data, as inside a trace, instead of an
  // empty cache whose write-backs never come due. The record comes from the operator-timing
  // table, shared with every other job in the process (and with --op-cache, across processes).
  OpTable& table = options_.op_table ? *options_.op_table : shared_op_table();
  const OpRecord& rec = time_operator(chip_, options_, table, &op, op);
  const std::uint32_t point = options_.operating_point.value_or(chip_.power.nominal_point);
  const ChipConfig run_chip = run_config(chip_, point);
  const ClockDomain core_clock("core", run_chip.clocks.core_mhz);
  RunSummariser summariser(chip_, run_chip, core_clock.mhz(), core_clock.period_fs());
  const OpResult o = summariser.row(
      op, OpMeasure{rec.start_offset_fs, rec.duration_fs, rec.tiles, rec.engine_cycles, rec.hbm_bytes, rec.sram_bytes});
  OpTiming t;
  t.seconds = double(rec.duration_fs) * 1e-15;  // from the warm-up copy's end
  t.energy_j = rec.energy_j;
  t.hbm_bytes = o.hbm_bytes;
  t.sram_bytes = o.sram_bytes;
  t.compute_s = o.compute_s;
  t.ideal_s = o.ideal_s;
  t.bound_by = o.bound_by;
  return t;
}

const OpTiming& OpTimer::time(const Operator& op) {
  std::string key = timing_signature(op);
  if (auto it = cache_.find(key); it != cache_.end()) return it->second;

  OpTiming t;
  const double bytes = double(op.bytes_read() + op.bytes_written());
  // Samples must dwarf the global SRAM, whose capacity otherwise hides part of their traffic.
  const double sample = std::max(double(sample_bytes_), 4.0 * double(chip_.global_sram.bytes));
  if (is_vector(op) && extrapolate_bytes_ > 0 && bytes > std::max(double(extrapolate_bytes_), 4 * sample) &&
      op.rows >= 64) {
    // A streaming vector operator over many rows runs at a steady rate once past its first
    // tiles: time two shorter versions (r1 and 2 r1 rows) and extend the line through them.
    const std::uint64_t r1 = std::max<std::uint64_t>(
        16, static_cast<std::uint64_t>(double(op.rows) * sample / bytes));
    Operator a = op, b = op;
    a.rows = r1;
    b.rows = 2 * r1;
    const OpTiming ta = simulate_alone(a), tb = simulate_alone(b);
    const double x = double(op.rows - r1) / double(r1);  // extra lengths of r1 rows beyond a
    auto line = [&](double va, double vb) { return va + (vb - va) * x; };
    t = tb;
    t.seconds = line(ta.seconds, tb.seconds);
    t.energy_j = line(ta.energy_j, tb.energy_j);
    t.hbm_bytes = line(ta.hbm_bytes, tb.hbm_bytes);
    t.sram_bytes = line(ta.sram_bytes, tb.sram_bytes);
    t.compute_s = line(ta.compute_s, tb.compute_s);
    t.ideal_s = line(ta.ideal_s, tb.ideal_s);
    t.extrapolated = true;
  } else {
    t = simulate_alone(op);
  }
  auto [it, inserted] = cache_.emplace(std::move(key), std::move(t));
  if (on_simulated_) on_simulated_(cache_.size());
  return it->second;
}

}  // namespace tessera
