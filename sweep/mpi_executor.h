// The MPI executor (`tessera sweep --mpi`, under mpirun): rank 0 coordinates and hands out
// point indices; ranks 1..N-1 run points. Every rank calls run().
#pragma once

#include "sweep/executor.h"

namespace tessera::sweep {

class MpiExecutor final : public SweepExecutor {
 public:
  SweepOutcome run(const SweepOptions& options) const override;
  std::string_view name() const override { return "mpi"; }
};

}  // namespace tessera::sweep
