#include "models/chip/core.h"

#include <fmt/core.h>

#include "models/chip/timeline.h"

namespace tessera {

Core::Core(sc_core::sc_module_name name, const CoreConfig& cfg, const ClockDomain& clock, DmaEndpoints endpoints,
           const CoreContext& ctx, StatsRegistry& stats)
    : sc_module(name),
      cfg_(cfg),
      clock_(clock),
      ctx_(ctx),
      scratchpad_("scratchpad", cfg.scratchpad, clock, stats),
      matrix_("matrix", cfg.matrix, clock, stats, *ctx.timeline, ctx.matrix_efficiency),
      vector_("vector", cfg.vector, clock, stats, *ctx.timeline),
      dma_("dma", DmaParams{.config = cfg.dma,
                            .clock = clock,
                            .endpoints = endpoints,
                            .noc = ctx.noc,
                            .sram = ctx.sram,
                            .scratchpad = scratchpad_,
                            .stats = stats,
                            .infinite_memory = ctx.infinite_memory}) {
  SC_HAS_PROCESS(Core);
  SC_THREAD(run);
}

bool Core::pull(Step& step, bool block) {
  for (;;) {
    if (ctx_.scheduler->next(step.task)) {
      step.index = 0;
      return true;
    }
    if (!block || ctx_.scheduler->all_issued()) return false;
    activity_ = Activity::waiting_for_work;
    sc_core::wait(ctx_.scheduler->work_available());
  }
}

void Core::issue_loads(Step& step) {
  const OpPlan& plan = (*ctx_.plans)[step.task.op];
  plan.step(step.task.tile, step.index, step.work);
  OpProgress* op = &ctx_.scheduler->progress()[step.task.op];
  for (std::uint32_t i = 0; i < step.work.load_count; ++i) {
    DmaJob& job = step.loads[i];
    job = DmaJob{};
    job.transfer = step.work.loads[i];
    job.banks = scratchpad_.slot(step.slot);
    job.op = op;
    dma_.submit(job);
  }
}

void Core::compute(Step& step) {
  const OpPlan& plan = (*ctx_.plans)[step.task.op];
  const std::string& label = (*ctx_.op_ids)[step.task.op];
  OpProgress& op = ctx_.scheduler->progress()[step.task.op];
  // Operands stream out of this step's scratchpad half while the arrays run.
  Bytes operand_bytes = 0;
  for (std::uint32_t i = 0; i < step.work.load_count; ++i) operand_bytes += step.work.loads[i].bytes;
  const std::uint64_t operands_read =
      ctx_.infinite_memory ? 0 : scratchpad_.access(scratchpad_.slot(step.slot), operand_bytes, false,
                                                    sc_core::sc_time_stamp().value());
  if (step.work.matrix) {
    const Cycles c = matrix_.tile_cycles(step.work.gemm, plan.dtype(), plan.dataflow());
    matrix_.run_tile(step.work.gemm, plan.dtype(), plan.dataflow(), label);
    op.engine_cycles += double(c);
  } else {
    const Cycles c = vector_.work_cycles(step.work.vector);
    vector_.run(step.work.vector, label);
    op.engine_cycles += double(c);
  }
  const std::uint64_t now = sc_core::sc_time_stamp().value();
  if (operands_read > now) sc_core::wait(sc_core::sc_time::from_value(operands_read - now));
}

void Core::store(const Step& step) {
  const OpPlan& plan = (*ctx_.plans)[step.task.op];
  // Recycle a finished store job, or make a new one.
  DmaJob* job = nullptr;
  const std::uint64_t now = sc_core::sc_time_stamp().value();
  for (auto& j : stores_)
    if (j->issued && j->done_fs <= now) {
      job = j.get();
      break;
    }
  if (!job) job = stores_.emplace_back(std::make_unique<DmaJob>()).get();
  *job = DmaJob{};
  job->store = true;
  job->transfer = plan.store(step.task.tile);
  job->banks = scratchpad_.slot(step.slot);
  job->op = &ctx_.scheduler->progress()[step.task.op];
  WorkScheduler* scheduler = ctx_.scheduler;
  const std::uint32_t op = step.task.op;
  job->on_issued = [scheduler, op](std::uint64_t done_fs) { scheduler->tile_done(op, done_fs); };
  dma_.submit(*job);
}

void Core::run() {
  // Two steps in flight: `cur` computes while `next` loads.
  Step steps[2];
  Step* cur = &steps[0];
  Step* next = &steps[1];
  if (!pull(*cur, true)) {
    activity_ = Activity::finished;
    return;
  }
  cur->slot = 0;
  issue_loads(*cur);
  for (;;) {
    // Prefetch the next step: the same tile's next k-step, or a new tile if one is ready.
    const OpPlan& plan = (*ctx_.plans)[cur->task.op];
    bool have_next = false;
    if (cur->index + 1 < plan.steps(cur->task.tile)) {
      next->task = cur->task;
      next->index = cur->index + 1;
      have_next = true;
    } else {
      have_next = pull(*next, false);
    }
    next->slot = cur->slot ^ 1;
    if (have_next) issue_loads(*next);

    activity_ = Activity::waiting_for_loads;
    activity_task_ = cur->task;
    for (std::uint32_t i = 0; i < cur->work.load_count; ++i) dma_.wait_done(cur->loads[i]);
    activity_ = Activity::computing;
    compute(*cur);
    if (cur->work.last) store(*cur);

    if (!have_next) {
      if (!pull(*next, true)) break;
      next->slot = cur->slot ^ 1;
      issue_loads(*next);
    }
    std::swap(cur, next);
  }
  activity_ = Activity::finished;
}

std::string Core::state() const {
  const std::string& op = activity_task_.op < ctx_.op_ids->size() ? (*ctx_.op_ids)[activity_task_.op] : "";
  switch (activity_) {
    case Activity::not_started: return "not started";
    case Activity::waiting_for_work: return "waiting for a ready operator";
    case Activity::waiting_for_loads:
      return fmt::format("waiting for operand loads of '{}' tile {} ({} DMA jobs queued)", op, activity_task_.tile,
                         dma_.queued());
    case Activity::computing: return fmt::format("computing '{}' tile {}", op, activity_task_.tile);
    case Activity::finished: return "finished";
  }
  return "";
}

}  // namespace tessera
