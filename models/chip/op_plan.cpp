#include "models/chip/op_plan.h"

#include <algorithm>

#include <fmt/core.h>

namespace tessera {

OpPlan OpPlan::gemm(const GemmPlan& g, DataType dtype, Dataflow dataflow) {
  OpPlan p;
  p.kind_ = Kind::gemm;
  p.gemm_ = g;
  p.dtype_ = dtype;
  p.dataflow_ = dataflow;
  return p;
}

OpPlan OpPlan::vector(const VectorPlan& v) {
  OpPlan p;
  p.kind_ = Kind::vector;
  p.vector_ = v;
  return p;
}

std::uint64_t OpPlan::tiles() const {
  switch (kind_) {
    case Kind::gemm: return gemm_.batch * gemm_.tiles_m * gemm_.tiles_n;
    case Kind::vector: return vector_.tiles_r * vector_.tiles_c;
    case Kind::none: return 0;
  }
  return 0;
}

std::uint32_t OpPlan::steps(std::uint64_t) const {
  return kind_ == Kind::gemm ? static_cast<std::uint32_t>(gemm_.tiles_k) : 1;
}

namespace {
struct TileCoord {
  std::uint64_t b, i, j;
};

/// Grouped raster order (see GemmPlan::group_m): tile index -> batch, tile row, tile column.
TileCoord gemm_coord(const GemmPlan& g, std::uint64_t tile) {
  const std::uint64_t per_batch = g.tiles_m * g.tiles_n;
  const std::uint64_t b = tile / per_batch, t = tile % per_batch;
  const std::uint64_t group = t / (g.group_m * g.tiles_n);
  const std::uint64_t first_row = group * g.group_m;
  const std::uint64_t rows = std::min(g.group_m, g.tiles_m - first_row);
  const std::uint64_t in_group = t - first_row * g.tiles_n;
  return {b, first_row + in_group % rows, in_group / rows};
}

std::uint64_t extent(std::uint64_t total, std::uint64_t tile, std::uint64_t index) {
  return std::min(tile, total - index * tile);
}
}  // namespace

void OpPlan::step(std::uint64_t tile, std::uint32_t s, TileStep& out) const {
  out = TileStep{};
  if (kind_ == Kind::gemm) {
    const GemmPlan& g = gemm_;
    const auto [b, i, j] = gemm_coord(g, tile);
    const std::uint64_t m = extent(g.m, g.tm, i), n = extent(g.n, g.tn, j), k = extent(g.k, g.tk, s);
    out.matrix = true;
    out.gemm = {m, n, k};
    const Transfer a{g.a_base + ((b * g.tiles_m + i) * g.tiles_k + s) * g.tm * g.tk * g.in_bytes, m * k * g.in_bytes};
    const Transfer bt{g.b_base + ((b * g.tiles_k + s) * g.tiles_n + j) * g.tk * g.tn * g.b_bytes, k * n * g.b_bytes};
    if (g.load_a) out.loads[out.load_count++] = a;
    out.loads[out.load_count++] = bt;
    out.last = s + 1 == g.tiles_k;
    return;
  }
  const VectorPlan& v = vector_;
  const std::uint64_t c = tile % v.tiles_c, r = tile / v.tiles_c;
  const std::uint64_t rows = extent(v.rows, v.tr, r), cols = extent(v.cols, v.tc, c);
  const double elements = double(rows) * double(cols);
  out.matrix = false;
  out.vector.add_mul = v.per_element.add_mul * elements + (c == 0 ? v.per_row.add_mul * rows : 0);
  out.vector.exp = v.per_element.exp * elements + (c == 0 ? v.per_row.exp * rows : 0);
  out.vector.reduce = v.per_element.reduce * elements + (c == 0 ? v.per_row.reduce * rows : 0);
  // A row split into chunks is read once per pass (e.g. max/sum, then normalise).
  if (v.load_in) {
    out.loads[0] = {v.in_base + tile * v.tr * v.tc * v.in_bytes * v.inputs,
                    rows * cols * v.in_bytes * v.inputs * v.passes};
    out.load_count = 1;
  }
  out.last = true;
}

Transfer OpPlan::store(std::uint64_t tile) const {
  if (kind_ == Kind::gemm) {
    const GemmPlan& g = gemm_;
    const auto [b, i, j] = gemm_coord(g, tile);
    if (!g.store_c) return {};
    return {g.c_base + ((b * g.tiles_m + i) * g.tiles_n + j) * g.tm * g.tn * g.out_bytes,
            extent(g.m, g.tm, i) * extent(g.n, g.tn, j) * g.out_bytes};
  }
  const VectorPlan& v = vector_;
  const std::uint64_t c = tile % v.tiles_c, r = tile / v.tiles_c;
  const std::uint64_t rows = extent(v.rows, v.tr, r), cols = extent(v.cols, v.tc, c);
  if (!v.store_out) return {};
  return {v.out_base + tile * v.tr * v.tc * v.out_bytes * v.outputs,
          (v.reduces_rows ? rows : rows * cols) * v.out_bytes * v.outputs};
}

std::string OpPlan::describe() const {
  switch (kind_) {
    case Kind::gemm:
      return fmt::format("gemm tile {}x{}x{} ({} tiles x {} k-steps, {})", gemm_.tm, gemm_.tn, gemm_.tk, tiles(),
                         gemm_.tiles_k, to_string(dataflow_));
    case Kind::vector:
      return fmt::format("vector tile {}x{} ({} tiles, {} pass{})", vector_.tr, vector_.tc, tiles(), vector_.passes,
                         vector_.passes > 1 ? "es" : "");
    case Kind::none: return "no on-chip work";
  }
  return "";
}

}  // namespace tessera
