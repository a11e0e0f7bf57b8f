// The operator DAG that every workload becomes: a list of operators with shapes,
// data types, dependencies and (for multi-chip runs) collectives. Both the plain
// operator-list files (tessera run --workload) and generated transformer traces
// (tessera trace gen) produce a Workload.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/types.h"

namespace tessera {

enum class OpKind {
  gemm,          // C[m,n] = A[m,k] * B[k,n], repeated `batch` times (batched GEMM when batch > 1)
  elementwise,   // rows x cols elements, `ops_per_element` vector ops of class `vector_class`
  reduction,     // rows x cols -> rows (reduce along cols)
  softmax,       // row-wise softmax over rows x cols
  layernorm,     // row-wise LayerNorm over rows x cols
  rmsnorm,       // row-wise RMSNorm over rows x cols
  collective,    // communication between chips; on one chip it costs nothing
};
std::string_view to_string(OpKind k);
std::optional<OpKind> parse_op_kind(std::string_view s);

/// Vector-unit operation classes; each has its own throughput in the chip config.
enum class VectorClass { add_mul, exp, reduce };
std::string_view to_string(VectorClass c);
std::optional<VectorClass> parse_vector_class(std::string_view s);

enum class CollectiveKind { all_reduce, all_gather, reduce_scatter, all_to_all, broadcast, send_recv };
std::string_view to_string(CollectiveKind c);
std::optional<CollectiveKind> parse_collective_kind(std::string_view s);

struct Collective {
  CollectiveKind kind = CollectiveKind::all_reduce;
  std::string group;          // e.g. "tp", "dp", "pp", "ep"
  std::uint32_t group_size = 1;
  Bytes bytes = 0;            // payload per participating chip (docs/trace-format.md defines it per kind)

  bool operator==(const Collective&) const = default;
};

struct Operator {
  std::string id;                   // unique within the workload
  OpKind kind = OpKind::gemm;
  DataType dtype = DataType::bf16;  // input/activation element type
  DataType out_dtype = DataType::bf16;
  // GEMM shape (kind == gemm): batch x [m,k] * [k,n].
  std::uint64_t batch = 1, m = 0, n = 0, k = 0;
  bool b_is_weight = true;  // operand B is a resident weight (read from HBM), not an activation
  // Vector shape (elementwise, reduction, softmax, norms): rows x cols.
  std::uint64_t rows = 0, cols = 0;
  VectorClass vector_class = VectorClass::add_mul;  // elementwise only
  std::uint32_t ops_per_element = 1;               // elementwise only
  std::uint32_t inputs = 1;                        // elementwise: number of input tensors
  Collective collective;                           // kind == collective
  std::vector<std::string> deps;                   // ids of operators that must finish first
  // Provenance, for reports and traces.
  std::int32_t layer = -1;
  std::string phase;  // e.g. "prefill", "decode", "forward", "backward", "optimizer"
  std::string name;   // human label, e.g. "attn.qkv"

  // Added for generated traces; the defaults keep hand-written operator lists unchanged.
  /// Operand B's element type when it differs from `dtype` (int8/fp8 weights with bf16
  /// activations, an fp8 KV cache). The matrix engine runs at `dtype`'s rate.
  std::optional<DataType> b_dtype;
  std::uint32_t outputs = 1;  // elementwise: number of output tensors (e.g. Adam writes 3)
  /// Fusion (flash-style attention): operand A / the vector input comes from the previous
  /// operator of the same fused kernel (fused_input), or the result stays on chip for the
  /// next one (fused_output). That traffic is left out of bytes_read()/bytes_written().
  bool fused_input = false;
  bool fused_output = false;
  std::int32_t stage = 0;   // pipeline stage that runs this operator
  std::int32_t pass = -1;   // micro-batch (training) or decode step (inference); -1 = none

  DataType b_type() const { return b_dtype.value_or(dtype); }

  /// Arithmetic work: 2 per multiply-accumulate for GEMM, ops for vector kinds.
  double flops() const;
  /// Minimum bytes read / written from/to off-chip memory by an ideal implementation
  /// (each operand once, the result once).
  Bytes bytes_read() const;
  Bytes bytes_written() const;

  bool operator==(const Operator&) const = default;
};

/// Model-level facts a generated trace carries; zero/empty for hand-written operator lists.
struct WorkloadSummary {
  std::string model;                   // model card name
  std::string scenario;                // resolved scenario, as an inline spec
  std::uint64_t parameters = 0;        // whole model
  std::uint64_t active_parameters = 0; // used per token (MoE: top-k experts only)
  // Memory footprint of the chip this trace describes (all its pipeline stages together).
  Bytes weight_bytes = 0;
  Bytes kv_cache_bytes = 0;
  Bytes activation_bytes = 0;
  Bytes gradient_bytes = 0;
  Bytes optimizer_bytes = 0;

  bool operator==(const WorkloadSummary&) const = default;
};

/// A workload: an operator DAG plus what its throughput is measured in.
struct Workload {
  std::string name;
  std::string source;            // file it came from, or generator description
  std::vector<Operator> ops;     // topologically ordered after validate()
  double tokens = 0;             // tokens processed by one pass (0 = not a token workload)
  double samples = 0;            // samples (sequences) processed by one pass
  WorkloadSummary summary;       // filled by the trace generator
};

/// Checks ids are unique, deps exist, the DAG has no cycle, shapes are non-zero;
/// reorders ops topologically (stable). Throws Error naming the operator id and the reason.
void validate_workload(Workload& w, const std::string& source);

}  // namespace tessera
