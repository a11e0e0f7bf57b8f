// The mapper: turns each operator into an OpPlan for a chip. GEMM tiles are chosen so the
// double-buffered operand tiles fit the scratchpad and the output tile fits the accumulators,
// preferring the tiling with the lowest estimated time (waves of tiles over the cores, each
// step bounded by the array or by the operand bandwidth into the core). Vector operators are
// tiled by row blocks that fit half the scratchpad. Tensors get HBM addresses from a bump
// allocator, each in a tiled layout.
#pragma once

#include <optional>

#include "models/config/chip_config.h"
#include "models/chip/op_plan.h"
#include "workloads/operator.h"

namespace tessera {

struct MapperOptions {
  std::optional<Dataflow> dataflow;  // default: the chip's first listed dataflow
};

class Mapper {
 public:
  Mapper(const ChipConfig& chip, MapperOptions options);
  /// Throws Error naming the operator when the chip cannot run it (unsupported data type,
  /// dataflow the chip lacks).
  OpPlan plan(const Operator& op);
  Bytes allocated_bytes() const { return next_address_; }

 private:
  OpPlan plan_gemm(const Operator& op);
  OpPlan plan_vector(const Operator& op);
  std::uint64_t allocate(Bytes bytes);

  const ChipConfig& chip_;
  MapperOptions options_;
  std::uint64_t next_address_ = 0;
  // The smallest core group's resources bound every tile (tiles may land on any core).
  Bytes scratchpad_bytes_ = 0;
  Bytes accumulator_bytes_ = 0;
};

}  // namespace tessera
