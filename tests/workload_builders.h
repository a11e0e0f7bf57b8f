// Small operator and workload builders shared by the simulation tests.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "workloads/model_card.h"
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

/// A Llama-style decoder card (RoPE, SwiGLU, RMSNorm, multi-head attention) of the given size.
inline ModelCard decoder_card(std::string name, std::uint64_t layers, std::uint64_t hidden, std::uint64_t heads,
                              std::uint64_t head_dim, std::uint64_t ffn, std::uint64_t vocab) {
  ModelCard c;
  c.name = std::move(name);
  c.source = "test";
  c.layers = layers;
  c.hidden = hidden;
  c.heads = c.kv_heads = heads;
  c.head_dim = head_dim;
  c.ffn = ffn;
  c.vocab = vocab;
  c.max_positions = 4096;
  return c;
}

/// Four small layers: cheap to simulate whole on one chip.
inline ModelCard small_decoder() { return decoder_card("small-decoder", 4, 512, 8, 64, 1536, 4096); }

}  // namespace tessera::test
