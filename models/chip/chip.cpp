#include "models/chip/chip.h"

#include <fmt/core.h>

#include "models/chip/timeline.h"
#include "models/noc/noc_routing_registry.h"

namespace tessera {

namespace {
/// Spreads `count` endpoints evenly over `nodes` routers.
std::uint32_t spread(std::uint32_t index, std::uint32_t count, std::uint32_t nodes) {
  return static_cast<std::uint32_t>(std::uint64_t(index) * nodes / count);
}
}  // namespace

Chip::Chip(sc_core::sc_module_name name, const ChipParams& params)
    : sc_module(name),
      cfg_(params.config),
      scheduler_(params.scheduler),
      core_clock_("core", cfg_.clocks.core_mhz),
      noc_clock_("noc", cfg_.clocks.noc_mhz),
      sram_clock_("sram", cfg_.clocks.sram_mhz),
      hbm_("hbm", cfg_.hbm, params.stats),
      sram_("l2", cfg_.global_sram, sram_clock_, hbm_, params.sram_block_bytes, params.stats) {
  const ChipConfig& cfg = cfg_;
  StatsRegistry& stats = params.stats;
  const std::uint32_t cores = cfg.total_cores();
  const std::uint32_t nodes = make_noc_routing(cfg.noc)->routers();
  std::vector<std::uint32_t> endpoint_nodes;
  for (std::uint32_t c = 0; c < cores; ++c) endpoint_nodes.push_back(spread(c, cores, nodes));
  for (std::uint32_t b = 0; b < cfg.global_sram.banks; ++b)
    endpoint_nodes.push_back(spread(b, cfg.global_sram.banks, nodes));
  noc_ = std::make_unique<Noc>("noc", cfg.noc, noc_clock_, std::move(endpoint_nodes), stats);

  CoreContext ctx;
  ctx.plans = &params.plans;
  ctx.op_ids = &params.op_ids;
  ctx.scheduler = &params.scheduler;
  ctx.noc = noc_.get();
  ctx.sram = &sram_;
  ctx.infinite_memory = params.infinite_memory;
  ctx.timeline = &params.timeline;
  ctx.matrix_efficiency = cfg.calibration.matrix_efficiency;
  std::uint32_t index = 0;
  for (const CoreConfig& group : cfg.cores)
    for (std::uint32_t i = 0; i < group.count; ++i, ++index)
      cores_.push_back(std::make_unique<Core>(fmt::format("core{}", index).c_str(), group, core_clock_,
                                              DmaEndpoints{index, cores}, ctx, stats));
  if (params.power.enabled)
    power_ = std::make_unique<PowerManager>("power", cfg, params.power,
                                            PowerManager::Clocks{&core_clock_, &noc_clock_, &sram_clock_}, stats,
                                            params.scheduler, &hbm_);
  SC_HAS_PROCESS(Chip);
  SC_THREAD(start);
}

void Chip::start() { scheduler_.start(); }

std::vector<std::string> Chip::waiting_report() const {
  std::vector<std::string> lines;
  for (const auto& core : cores_) {
    const std::string state = core->state();
    if (state != "finished") lines.push_back(fmt::format("{}: {}", core->name(), state));
  }
  if (hbm_.outstanding() > 0) lines.push_back(fmt::format("hbm: {} requests outstanding", hbm_.outstanding()));
  if (sram_.fetches_in_flight() > 0)
    lines.push_back(fmt::format("l2: {} block fetches from HBM in flight", sram_.fetches_in_flight()));
  return lines;
}

}  // namespace tessera
