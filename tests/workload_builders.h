// Small operator and workload builders shared by the simulation tests.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "workloads/operator.h"

namespace tessera::test {

inline Operator gemm_op(std::string id, std::uint64_t m, std::uint64_t n, std::uint64_t k,
                        std::vector<std::string> deps = {}, DataType t = DataType::bf16) {
  Operator op;
  op.id = std::move(id);
  op.kind = OpKind::gemm;
  op.dtype = op.out_dtype = t;
  op.m = m, op.n = n, op.k = k;
  op.deps = std::move(deps);
  return op;
}

inline Operator vector_op(std::string id, OpKind kind, std::uint64_t rows, std::uint64_t cols,
                          std::vector<std::string> deps) {
  Operator op;
  op.id = std::move(id);
  op.kind = kind;
  op.rows = rows, op.cols = cols;
  op.deps = std::move(deps);
  return op;
}

/// A workload of one GEMM with id "gemm".
inline Workload one_gemm(std::uint64_t m, std::uint64_t n, std::uint64_t k, DataType t = DataType::bf16) {
  Workload w;
  w.name = "gemm";
  w.ops.push_back(gemm_op("gemm", m, n, k, {}, t));
  return w;
}

}  // namespace tessera::test
