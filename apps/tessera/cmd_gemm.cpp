// tessera gemm: one GEMM on one chip, or every layer of a SCALE-Sim-style topology file; the
// chip may come from a SCALE-Sim array config (.cfg).
#include <fmt/core.h>

#include "apps/tessera/cli_common.h"
#include "apps/tessera/commands.h"
#include "apps/tessera/sim_output.h"
#include "apps/tessera/workload_args.h"
#include "models/config/chip_config.h"
#include "models/config/scalesim_config.h"
#include "report/topology_job.h"
#include "sim/simulation.h"
#include "workloads/gemm_topology.h"

namespace tessera::cli {

namespace {
// Bounds against typing errors (no GEMM of interest comes near them); a shape whose simulated
// time would not fit the kernel's clock is refused by simulate() (sim/simulation.h).
constexpr std::uint64_t kMaxExtent = std::uint64_t{1} << 24;
constexpr std::uint64_t kMaxBatch = std::uint64_t{1} << 20;
}  // namespace

int cmd_gemm(int argc, char** argv) {
  std::string chip_name, dtype_text, dataflow_text, format_text, trace_out, topology, scalesim_cfg;
  std::uint64_t m = 0, n = 0, k = 0, batch = 1;
  CommonOptions common;
  PowerArgs power_args;        // --operating-point, --no-power-limit
  FidelityArgs fidelity_args;  // --fidelity, --op-cache
  po::options_description desc("tessera gemm options");
  desc.add_options()("help,h", "show this help")
      ("chip", po::value<std::string>(&chip_name)->default_value("h100"),
       "chip name (configs/chips) or YAML path; with --scalesim-config the base chip (default g1)")
      ("m", whole_number(&m, "m", 1, kMaxExtent), "rows of A and C")
      ("n", whole_number(&n, "n", 1, kMaxExtent), "columns of B and C")
      ("k", whole_number(&k, "k", 1, kMaxExtent), "reduction extent")
      ("topology", po::value<std::string>(&topology),
       "run every layer of a SCALE-Sim-style topology CSV (Layer,M,N,K or the conv columns) instead of one GEMM")
      ("scalesim-config", po::value<std::string>(&scalesim_cfg),
       "take the array from a SCALE-Sim .cfg (ArrayHeight, ArrayWidth, Dataflow, SRAM sizes) on one core of --chip")
      ("batch", whole_number(&batch, "batch", 1, kMaxBatch)->default_value("1"), "independent GEMMs of this shape")
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
                          "[--compute-only]\n"
                          "       tessera gemm --topology LAYERS.csv [--scalesim-config ARRAY.cfg | --chip C] [-o out.h5]\n\n"
                          "Simulates C[m,n] = A[m,k] * B[k,n] with A and B in HBM; with --topology, every layer of the\n"
                          "file in one process, one table row per layer (docs/workloads.md, GEMM topologies)."))
    return 0;
  common.format = parse_format(format_text);
  const bool shape_given = vm.count("m") + vm.count("n") + vm.count("k") > 0;
  if (!topology.empty()) {
    if (shape_given || !vm["batch"].defaulted())
      throw Error("--topology gives the shapes: leave out --m, --n, --k and --batch");
    if (!trace_out.empty()) throw Error("--trace-out records one GEMM: leave out --topology");
  } else {
    if (!vm.count("m") || !vm.count("n") || !vm.count("k")) throw Error("give --m, --n and --k (or --topology FILE)");
    if (m == 0 || n == 0 || k == 0 || batch == 0) throw Error("--m, --n, --k and --batch must be positive");
  }
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

  ChipConfig chip;
  std::string array_source;
  if (!scalesim_cfg.empty()) {
    const ScaleSimArray array = load_scalesim_config(scalesim_cfg);
    if (options.dataflow && *options.dataflow != array.dataflow)
      throw Error(fmt::format("--dataflow {} contradicts {}'s Dataflow {}", dataflow_text, scalesim_cfg,
                              to_string(array.dataflow)));
    if (!common.overrides.empty()) throw Error("--set applies to --chip files; edit the SCALE-Sim config instead");
    chip = scalesim_chip(array, vm["chip"].defaulted() ? "g1" : chip_name);
    array_source = scalesim_cfg;
  } else {
    chip = load_chip_config(chip_name, common.overrides);
  }

  if (!topology.empty()) {
    const std::vector<TopologyLayer> layers = load_gemm_topology(topology);
    StatusLine status;
    const ResultDocument doc = run_gemm_topology(chip, layers, TopologyRun{topology, *dtype, array_source}, options,
                                                 [&](const std::string& layer) { status.show("layer " + layer); });
    emit_document(doc, common);
    report_op_cache(fidelity_args);
    return 0;
  }

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
