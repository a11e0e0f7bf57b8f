#include "report/topology_job.h"

#include <fmt/format.h>

#include "base/version.h"

namespace tessera {

ResultDocument run_gemm_topology(const ChipConfig& chip, const std::vector<TopologyLayer>& layers,
                                 const TopologyRun& run, const SimOptions& options,
                                 const std::function<void(const std::string& layer)>& progress) {
  ResultDocument doc;
  doc.job = "gemm-topology";
  doc.title = fmt::format("gemm topology {}  |  chip: {}", run.topology, chip.name);
  doc.format = kTopologyFormat;
  doc.format_version = kTopologyFormatVersion;
  doc.tool_version = kVersion;
  doc.inputs.push_back(ResultInput::config_input("chip", chip.name, to_yaml(chip)));
  doc.inputs.push_back(ResultInput::value_input("topology", run.topology));
  if (!run.array_source.empty()) doc.inputs.push_back(ResultInput::value_input("scalesim_config", run.array_source));
  doc.inputs.push_back(ResultInput::value_input("dtype", std::string(to_string(run.dtype))));

  std::vector<std::string> names, bound, fidelity;
  std::vector<std::int64_t> ms, ns, ks;
  std::vector<double> cycles, seconds, tflops, util, hbm, energy;
  double total_cycles = 0, total_s = 0, total_flops = 0, total_j = 0, mac_s = 0;
  for (const TopologyLayer& l : layers) {
    if (progress) progress(l.name);
    Workload w;
    w.name = fmt::format("{} {}x{}x{}", l.name, l.m, l.n, l.k);
    w.source = fmt::format("{}:{}", run.topology, l.line);
    Operator op;
    op.id = l.name;
    op.name = l.name;
    op.kind = OpKind::gemm;
    op.dtype = op.out_dtype = run.dtype;
    op.m = l.m, op.n = l.n, op.k = l.k;
    w.ops.push_back(op);
    SimResult r;
    try {
      r = simulate(chip, w, options);
    } catch (const Error& e) {
      throw Error(fmt::format("{}:{}: layer '{}': {}", run.topology, l.line, l.name, e.what()));
    }
    const Summary& s = r.summary;
    names.push_back(l.name);
    ms.push_back(std::int64_t(l.m)), ns.push_back(std::int64_t(l.n)), ks.push_back(std::int64_t(l.k));
    cycles.push_back(s.number("cycles"));
    seconds.push_back(s.number("seconds"));
    tflops.push_back(s.number("achieved_tflops"));
    util.push_back(s.number("matrix_utilisation"));
    bound.push_back(s.text("bound_by"));
    hbm.push_back(s.number("hbm_bytes_read") + s.number("hbm_bytes_written"));
    energy.push_back(s.number("energy_j"));
    fidelity.push_back(s.text("fidelity"));
    total_cycles += cycles.back(), total_s += seconds.back(), total_j += energy.back();
    total_flops += s.number("matrix_flops");
    mac_s += util.back() * seconds.back();
  }

  Summary& sum = doc.summary;
  sum.set_text("chip", chip.name, "chip config name");
  sum.set_text("topology", run.topology, "layer list");
  sum.set("layers", double(layers.size()), "count", "layers simulated, one GEMM each, one after another");
  sum.set("cycles", total_cycles, "cycles", "core-clock cycles, summed over the layers");
  sum.set("seconds", total_s, "s", "simulated time, summed over the layers");
  sum.set("matrix_flops", total_flops, "FLOP", "GEMM floating-point operations (2 per MAC)");
  sum.set("achieved_tflops", total_s > 0 ? total_flops / total_s / 1e12 : 0, "TFLOP/s", "FLOPs over the summed time");
  sum.set("matrix_utilisation", total_s > 0 ? mac_s / total_s : 0, "fraction",
          "time-weighted matrix-engine utilisation over the layers");
  sum.set("energy_j", total_j, "J", "chip energy, summed over the layers");
  if (options.compute_only) sum.set_text("memory_model", "infinite bandwidth (compute only)", "memory model used");

  ResultTable t;
  t.name = "layers";
  t.title = "Layers";
  t.columns.add_strings("layer", names)
      .add_ints("M", ms)
      .add_ints("N", ns)
      .add_ints("K", ks)
      .add_doubles("cycles", cycles, "cycles")
      .add_doubles("seconds", seconds, "s")
      .add_doubles("achieved_tflops", tflops, "TFLOP/s")
      .add_doubles("matrix_utilisation", util, "fraction")
      .add_strings("bound_by", bound)
      .add_doubles("hbm_bytes", hbm, "B")
      .add_doubles("energy_j", energy, "J")
      .add_strings("fidelity", fidelity);
  t.max_rows = 200;
  doc.tables.push_back(std::move(t));
  return doc;
}

}  // namespace tessera
