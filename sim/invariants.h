// Cheap checks every simulation's result must pass. A violation is a bug in Tessera, not a
// result: it is raised as InvariantError naming the unit or operator, never printed as a number.
#pragma once

#include <stdexcept>
#include <string>

#include "sim/sim_result.h"

namespace tessera {

/// A result that cannot be (a unit busy longer than the run, energy that does not add up, ...).
/// Derives from logic_error, not Error: it is a bug report, and the CLI says so.
class InvariantError : public std::logic_error {
 public:
  using std::logic_error::logic_error;
};

/// Checks, on one chip's result:
///  - operators: 0 <= start <= end <= the run's simulated time, finite;
///  - every utilisation in the summary within [0, 1]; every unit busy at most the simulated time;
///  - bytes conserved: what the DMA engines read and wrote is what the global SRAM served;
///  - energy: every unit's energy >= 0, and the units' energies sum to the summary's energy_j.
/// Throws InvariantError with the first violation found.
void check_invariants(const SimResult& result);

}  // namespace tessera
