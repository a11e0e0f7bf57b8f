// Fidelity "cycle": a workload timed from the operator-timing table (sim/op_table.h).
//
// When a workload's operators run one after another (each depends on the one before it, as in
// an inference step), the run is the chain of its operators: each operator is simulated at
// cycle level once per (chip config, predecessor, operator) -- in one simulation right after
// its predecessor, and timed from the predecessor's end -- and every other occurrence reuses
// that record. The rows, counters and energy of the run are the records laid end to end.
// Against one whole simulation (cycle-full), what differs is only the state an operator
// inherits from further back than its predecessor (docs/model.md, "Fidelity levels").
#pragma once

#include <string>

#include "models/config/chip_config.h"
#include "sim/op_table.h"
#include "sim/simulation.h"
#include "workloads/operator.h"

namespace tessera {

/// The table is used when the records it must simulate (each with its predecessor) cost at most
/// this share of one whole simulation, costs estimated from the operators' bytes and FLOPs.
inline constexpr double kTableCostShare = 0.5;

/// Empty when `workload` can be timed from the table with `options`; otherwise the reason
/// (its operators may overlap, a timeline was asked for, or too few operators repeat).
std::string table_unusable_reason(const Workload& workload, const SimOptions& options);

/// Times `workload` from `table`, simulating the records it lacks. Requires
/// table_unusable_reason() to be empty.
SimResult simulate_by_table(const ChipConfig& chip, const Workload& workload, const SimOptions& options,
                            OpTable& table);

/// The part of every record's key that names the chip, the run options and the tool version.
std::string op_table_config_key(const ChipConfig& chip, const SimOptions& options);

/// Everything about an operator that its timing depends on (not its id, dependencies or labels).
std::string timing_signature(const Operator& op);

/// The record of `op` started right after `predecessor` (nullptr: on an idle chip at time zero),
/// from the table or measured by one simulation of the two.
const OpRecord& time_operator(const ChipConfig& chip, const SimOptions& options, OpTable& table,
                              const Operator* predecessor, const Operator& op);
/// The same, with op_table_config_key(chip, options) already computed (it dumps the chip config).
const OpRecord& time_operator(const ChipConfig& chip, const SimOptions& options, OpTable& table,
                              const Operator* predecessor, const Operator& op, const std::string& config_key);

}  // namespace tessera
