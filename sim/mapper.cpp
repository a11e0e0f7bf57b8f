#include "sim/mapper.h"

#include <algorithm>
#include <limits>

#include <fmt/core.h>

namespace tessera {

namespace {
constexpr Bytes kAlignment = 4096;

std::uint64_t round_up(std::uint64_t v, std::uint64_t g) { return ceil_div(v, g) * g; }

/// Candidate extents g, 2g, 4g, ... up to round_up(limit, g), plus round_up(limit, g) itself.
std::vector<std::uint64_t> candidates(std::uint64_t granule, std::uint64_t limit) {
  std::vector<std::uint64_t> out;
  const std::uint64_t top = round_up(limit, granule);
  for (std::uint64_t v = granule; v < top; v *= 2) out.push_back(v);
  out.push_back(top);
  return out;
}
}  // namespace

Mapper::Mapper(const ChipConfig& chip, MapperOptions options) : chip_(chip), options_(options) {
  scratchpad_bytes_ = std::numeric_limits<Bytes>::max();
  accumulator_bytes_ = std::numeric_limits<Bytes>::max();
  for (const auto& g : chip_.cores) {
    scratchpad_bytes_ = std::min(scratchpad_bytes_, g.scratchpad.bytes);
    accumulator_bytes_ = std::min(accumulator_bytes_, g.matrix.accumulator_bytes);
  }
}

std::uint64_t Mapper::allocate(Bytes bytes) {
  const std::uint64_t base = next_address_;
  next_address_ += round_up(std::max<Bytes>(bytes, 1), kAlignment);
  return base;
}

OpPlan Mapper::plan(const Operator& op) {
  switch (op.kind) {
    case OpKind::gemm: return plan_gemm(op);
    case OpKind::elementwise:
    case OpKind::reduction:
    case OpKind::softmax:
    case OpKind::layernorm:
    case OpKind::rmsnorm: return plan_vector(op);
    case OpKind::collective: return OpPlan::none();  // costs nothing on one chip
  }
  return OpPlan::none();
}

OpPlan Mapper::plan_gemm(const Operator& op) {
  const CoreConfig& core = chip_.cores.front();
  const MatrixEngineConfig& mx = core.matrix;
  const auto macs = mx.macs_per_cycle.find(op.dtype);
  if (macs == mx.macs_per_cycle.end())
    throw Error(fmt::format("operator '{}': chip '{}' has no matrix-engine support for {}", op.id, chip_.name,
                            to_string(op.dtype)));
  const Dataflow dataflow = options_.dataflow.value_or(mx.dataflows.front());
  if (std::find(mx.dataflows.begin(), mx.dataflows.end(), dataflow) == mx.dataflows.end())
    throw Error(fmt::format("operator '{}': chip '{}' does not support the {} dataflow", op.id, chip_.name,
                            to_string(dataflow)));

  const std::uint64_t R = mx.rows, C = mx.cols, E = mx.count;
  const std::uint64_t p = macs->second / (R * C);
  const Bytes e = bytes_per_element(op.dtype);
  const Bytes eb = bytes_per_element(op.b_type());
  const SystolicArray array{mx.rows, mx.cols, static_cast<std::uint32_t>(p)};
  // Granules: the extent mapped onto array rows/cols should fill them; stream extents are free.
  const bool ws = dataflow == Dataflow::weight_stationary, os = dataflow == Dataflow::output_stationary;
  const std::uint64_t gm = os ? R : ws ? 16 : C;
  const std::uint64_t gn = (ws || os) ? C * E : 8 * E;
  const std::uint64_t gk = os ? 8 * p : R * p;

  const std::uint32_t cores = chip_.total_cores();
  // Bytes per core cycle one core can pull in: its NoC port, its share of the global SRAM.
  const double core_mhz = chip_.clocks.core_mhz;
  const double port_bw = double(chip_.noc.link_bytes_per_cycle) * chip_.clocks.noc_mhz / core_mhz;
  const double sram_bw = double(chip_.global_sram.banks) * chip_.global_sram.bytes_per_cycle_per_bank *
                         chip_.clocks.sram_mhz / core_mhz;

  GemmPlan best;
  double best_cost = std::numeric_limits<double>::infinity();
  for (std::uint64_t tm : candidates(gm, op.m)) {
    for (std::uint64_t tn : candidates(gn, op.n)) {
      if (tm * ceil_div(tn, E) * 4 > accumulator_bytes_) continue;
      std::uint64_t tk = scratchpad_bytes_ / (2 * (e * tm + eb * tn));
      tk = std::min(tk / gk * gk, round_up(op.k, gk));
      if (tk == 0) continue;
      const std::uint64_t tiles = op.batch * ceil_div(op.m, tm) * ceil_div(op.n, tn);
      const std::uint64_t steps = ceil_div(op.k, tk);
      const std::uint64_t waves = ceil_div(tiles, cores);
      const double active = double(std::min<std::uint64_t>(tiles, cores));
      const double bw = std::min(port_bw, sram_bw / active);
      const double compute = double(systolic_cycles(array, dataflow, {tm, ceil_div(tn, E), tk}));
      const double memory = double((op.fused_input ? 0 : tm * tk * e) + tk * tn * eb) / bw;
      // Larger tiles win ties: fewer steps, fewer events.
      const double cost = double(waves * steps) * std::max(compute, memory) * (1.0 + 1e-9 * double(steps));
      if (cost < best_cost) {
        best_cost = cost;
        best.tm = tm, best.tn = tn, best.tk = tk;
      }
    }
  }
  if (best.tm == 0)
    throw Error(fmt::format("operator '{}': no GEMM tile fits chip '{}' (scratchpad {} B, accumulator {} B)", op.id,
                            chip_.name, scratchpad_bytes_, accumulator_bytes_));
  best.batch = op.batch, best.m = op.m, best.n = op.n, best.k = op.k;
  best.tiles_m = ceil_div(op.m, best.tm), best.tiles_n = ceil_div(op.n, best.tn), best.tiles_k = ceil_div(op.k, best.tk);
  // Tile rows per raster group: as many A panels (tm x K) as fit in half the global SRAM.
  const Bytes a_panel = best.tm * op.k * e;
  best.group_m = std::clamp<std::uint64_t>(chip_.global_sram.bytes / 2 / std::max<Bytes>(a_panel, 1), 1, best.tiles_m);
  best.in_bytes = e;
  best.b_bytes = eb;
  best.out_bytes = bytes_per_element(op.out_dtype);
  best.load_a = !op.fused_input;
  best.store_c = !op.fused_output;
  if (best.load_a) best.a_base = allocate(op.batch * best.tiles_m * best.tiles_k * best.tm * best.tk * e);
  best.b_base = allocate(op.batch * best.tiles_k * best.tiles_n * best.tk * best.tn * eb);
  if (best.store_c) best.c_base = allocate(op.batch * best.tiles_m * best.tiles_n * best.tm * best.tn * best.out_bytes);
  return OpPlan::gemm(best, op.dtype, dataflow);
}

OpPlan Mapper::plan_vector(const Operator& op) {
  VectorPlan v;
  v.rows = op.rows, v.cols = op.cols;
  v.in_bytes = bytes_per_element(op.dtype);
  v.out_bytes = bytes_per_element(op.out_dtype);
  v.inputs = std::max<std::uint32_t>(1, op.inputs);
  v.outputs = std::max<std::uint32_t>(1, op.outputs);
  v.load_in = !op.fused_input;
  v.store_out = !op.fused_output;
  bool row_wise = true;  // needs a whole row (or two passes over it)
  switch (op.kind) {
    case OpKind::elementwise: {
      row_wise = false;
      const double ops = op.ops_per_element;
      if (op.vector_class == VectorClass::add_mul) v.per_element.add_mul = ops;
      if (op.vector_class == VectorClass::exp) v.per_element.exp = ops;
      if (op.vector_class == VectorClass::reduce) v.per_element.reduce = ops;
      break;
    }
    case OpKind::reduction:
      v.per_element.reduce = 1;
      v.reduces_rows = true;
      break;
    case OpKind::softmax:  // max (reduce), subtract, exp, sum (reduce), scale
      v.per_element = {2, 1, 2};
      break;
    case OpKind::layernorm:  // mean, (x-mean)^2 and sum, normalise, scale and shift
      v.per_element = {6, 0, 2};
      v.per_row = {0, 1, 0};  // rsqrt
      break;
    case OpKind::rmsnorm:  // square and sum, normalise, scale
      v.per_element = {3, 0, 1};
      v.per_row = {0, 1, 0};
      break;
    default: break;
  }
  // Half the scratchpad per buffer: double buffering.
  const Bytes budget = scratchpad_bytes_ / 2;
  const Bytes per_element = v.in_bytes * v.inputs + v.out_bytes * v.outputs;
  v.tc = std::min<std::uint64_t>(op.cols, std::max<Bytes>(1, budget / per_element));
  if (v.tc < op.cols && row_wise) v.passes = 2;
  v.tr = std::max<std::uint64_t>(1, budget / (v.tc * per_element));
  v.tr = std::min(v.tr, std::max<std::uint64_t>(1, ceil_div(op.rows, chip_.total_cores())));
  v.tiles_r = ceil_div(op.rows, v.tr), v.tiles_c = ceil_div(op.cols, v.tc);
  if (v.load_in) v.in_base = allocate(v.tiles_r * v.tiles_c * v.tr * v.tc * v.in_bytes * v.inputs);
  if (v.store_out) v.out_base = allocate(v.tiles_r * v.tiles_c * v.tr * v.tc * v.out_bytes * v.outputs);
  return OpPlan::vector(v);
}

}  // namespace tessera
