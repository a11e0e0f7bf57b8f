// tessera gemm: one GEMM on one chip.
#include <fmt/core.h>

#include "apps/tessera/cli_common.h"
#include "apps/tessera/commands.h"
#include "apps/tessera/sim_output.h"
#include "apps/tessera/workload_args.h"
#include "models/config/chip_config.h"
#include "sim/simulation.h"

namespace tessera::cli {

int cmd_gemm(int argc, char** argv) {
  std::string chip_name, dtype_text, dataflow_text, format_text, trace_out;
  std::uint64_t m = 0, n = 0, k = 0, batch = 1;
  CommonOptions common;
  PowerArgs power_args;
  FidelityArgs fidelity_args;  // --fidelity, --op-cache  // --operating-point, --no-power-limit
  po::options_description desc("tessera gemm options");
  desc.add_options()("help,h", "show this help")
      ("chip", po::value<std::string>(&chip_name)->default_value("h100"), "chip name (configs/chips) or YAML path")
      ("m", po::value<std::uint64_t>(&m)->required(), "rows of A and C")
      ("n", po::value<std::uint64_t>(&n)->required(), "columns of B and C")
      ("k", po::value<std::uint64_t>(&k)->required(), "reduction extent")
      ("batch", po::value<std::uint64_t>(&batch)->default_value(1), "independent GEMMs of this shape")
      ("dtype", po::value<std::string>(&dtype_text)->default_value("bf16"), "fp32, bf16, fp16, fp8 or int8")
      ("dataflow", po::value<std::string>(&dataflow_text), "ws, os or is (default: the chip's first)")
      ("compute-only", "memories with infinite bandwidth: time the matrix engines alone")
      ("trace-out", po::value<std::string>(&trace_out), "write a Perfetto/Chrome trace JSON of the timeline");
  add_power_options(desc, power_args);
  add_fidelity_options(desc, fidelity_args);
  add_common_options(desc, common, format_text);
  add_list_keys_option(desc);
  po::variables_map vm;
  if (!parse_command_line(argc, argv, desc, vm,
                          "usage: tessera gemm --m M --n N --k K [--chip C] [--dtype bf16] [--dataflow ws|os|is] "
                          "[--compute-only]\n\nSimulates C[m,n] = A[m,k] * B[k,n] with A and B in HBM."))
    return 0;
  common.format = parse_format(format_text);
  if (m == 0 || n == 0 || k == 0 || batch == 0) throw Error("--m, --n, --k and --batch must be positive");
  const auto dtype = parse_data_type(dtype_text);
  if (!dtype) throw Error(fmt::format("--dtype: expected fp32, bf16, fp16, fp8 or int8, got '{}'", dtype_text));
  SimOptions options;
  options.compute_only = vm.count("compute-only") > 0;
  options.record_timeline = !trace_out.empty();
  apply_power_options(vm, power_args, options);
  apply_fidelity_options(fidelity_args, options);
  if (vm.count("dataflow")) {
    options.dataflow = parse_dataflow(dataflow_text);
    if (!options.dataflow) throw Error(fmt::format("--dataflow: expected ws, os or is, got '{}'", dataflow_text));
  }

  const ChipConfig chip = load_chip_config(chip_name, common.overrides);
  Workload w;
  w.name = fmt::format("gemm {}x{}x{}{} {}", m, n, k, batch > 1 ? fmt::format(" x{}", batch) : "", dtype_text);
  w.source = "tessera gemm";
  Operator op;
  op.id = "gemm";
  op.name = "gemm";
  op.kind = OpKind::gemm;
  op.dtype = *dtype;
  op.out_dtype = *dtype;
  op.batch = batch, op.m = m, op.n = n, op.k = k;
  w.ops.push_back(op);
  emit_results(simulate(chip, w, options), common, trace_out);
  report_op_cache(fidelity_args);
  return 0;
}

}  // namespace tessera::cli
