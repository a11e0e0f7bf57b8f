#include "models/compute/vector_unit.h"

#include <cmath>

#include "models/chip/timeline.h"
#include "base/stats/stats_registry.h"

namespace tessera {

VectorUnit::VectorUnit(sc_core::sc_module_name name, const VectorUnitConfig& cfg, const ClockDomain& clock,
                       StatsRegistry& stats, Timeline& timeline)
    : sc_module(name),
      cfg_(cfg),
      clock_(clock),
      timeline_(timeline),
      track_(this->name()),
      group_(stats.add_group(track_, "vector", clock.mhz())),
      busy_cycles_(group_.add(stat_names::kBusyCycles, "cycles", "cycles with vector work")),
      ops_add_mul_(group_.add("ops_add_mul", "op", "add/multiply operations")),
      ops_exp_(group_.add("ops_exp", "op", "exp/transcendental operations")),
      ops_reduce_(group_.add("ops_reduce", "op", "reduction operations")) {}

namespace {
Cycles class_cycles(double ops, double per_cycle) {
  if (ops <= 0) return 0;
  // ops and rates are exact small binary fractions in practice; the epsilon guards against
  // 1e-16 noise turning an exact quotient into one extra cycle.
  return static_cast<Cycles>(std::ceil(ops / per_cycle - 1e-9));
}
}  // namespace

Cycles VectorUnit::work_cycles(const VectorWork& w) const {
  return class_cycles(w.add_mul, cfg_.lanes * cfg_.add_mul_per_lane) +
         class_cycles(w.exp, cfg_.lanes * cfg_.exp_per_lane) +
         class_cycles(w.reduce, cfg_.lanes * cfg_.reduce_per_lane);
}

void VectorUnit::run(const VectorWork& work, const std::string& label) {
  const Cycles cycles = work_cycles(work);
  const sc_core::sc_time start = sc_core::sc_time_stamp();
  sc_core::wait(clock_.cycles(cycles));
  busy_cycles_.value += double(cycles);
  ops_add_mul_.value += work.add_mul;
  ops_exp_.value += work.exp;
  ops_reduce_.value += work.reduce;
  timeline_.record(track_, label, start, sc_core::sc_time_stamp());
}

}  // namespace tessera
