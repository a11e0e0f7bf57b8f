// How one operator runs on the chip: its tiling and where its tensors live in HBM. Tiles are
// described by index and computed on demand (an 8192^3 GEMM has ~10^5 tile steps; none of
// them is stored). Every tile is a sequence of steps (load operands -> compute); the last step
// stores the tile's output.
#pragma once

#include <cstdint>
#include <string>

#include "base/types.h"
#include "models/compute/systolic_timing.h"
#include "models/compute/vector_unit.h"

namespace tessera {

struct Transfer {
  std::uint64_t address = 0;
  Bytes bytes = 0;
};

/// One step of a tile: bring operands on chip, then compute.
struct TileStep {
  Transfer loads[2];       // GEMM: A and B tiles; vector: the packed inputs
  std::uint32_t load_count = 0;
  bool matrix = true;      // matrix engine (GEMM) or vector unit
  GemmShape gemm;          // matrix step
  VectorWork vector;       // vector step
  bool last = false;       // the tile's output is stored after this step
};

struct GemmPlan {
  std::uint64_t batch = 1, m = 0, n = 0, k = 0;
  std::uint64_t tm = 0, tn = 0, tk = 0;                // full tile extents
  std::uint64_t tiles_m = 0, tiles_n = 0, tiles_k = 0;
  // Output tiles are handed out in groups of `group_m` tile rows, column by column inside a
  // group, so the A panels of a group stay in the global SRAM while B streams past them.
  std::uint64_t group_m = 1;
  Bytes in_bytes = 2, b_bytes = 2, out_bytes = 2;     // per element
  bool load_a = true;    // false: A is already on chip (fused with the previous operator)
  bool store_c = true;   // false: C stays on chip for the next operator
  std::uint64_t a_base = 0, b_base = 0, c_base = 0;    // tiled layouts, a full-tile slot per tile
};

struct VectorPlan {
  std::uint64_t rows = 0, cols = 0;
  std::uint64_t tr = 0, tc = 0;                        // rows per tile, columns per chunk
  std::uint64_t tiles_r = 0, tiles_c = 0;
  std::uint32_t inputs = 1;
  std::uint32_t outputs = 1;
  bool load_in = true;    // false: the input is already on chip (fused)
  bool store_out = true;  // false: the result stays on chip (fused)
  std::uint32_t passes = 1;                           // 2 when a row is split into chunks
  Bytes in_bytes = 2, out_bytes = 2;
  bool reduces_rows = false;                          // output is one value per row
  VectorWork per_element;                             // ops for one element
  VectorWork per_row;                                 // extra ops once per row (e.g. rsqrt)
  std::uint64_t in_base = 0, out_base = 0;
};

class OpPlan {
 public:
  enum class Kind { none, gemm, vector };

  static OpPlan none() { return OpPlan(); }
  static OpPlan gemm(const GemmPlan& g, DataType dtype, Dataflow dataflow);
  static OpPlan vector(const VectorPlan& v);

  Kind kind() const { return kind_; }
  std::uint64_t tiles() const;
  std::uint32_t steps(std::uint64_t tile) const;
  void step(std::uint64_t tile, std::uint32_t index, TileStep& out) const;
  Transfer store(std::uint64_t tile) const;
  DataType dtype() const { return dtype_; }
  Dataflow dataflow() const { return dataflow_; }
  const GemmPlan& gemm_plan() const { return gemm_; }
  const VectorPlan& vector_plan() const { return vector_; }
  /// One line describing the tiling, for reports.
  std::string describe() const;

 private:
  Kind kind_ = Kind::none;
  DataType dtype_ = DataType::bf16;
  Dataflow dataflow_ = Dataflow::weight_stationary;
  GemmPlan gemm_;
  VectorPlan vector_;
};

}  // namespace tessera
