// The chip's off-chip memory as the global SRAM sees it: block fetches and write-throughs.
// HbmSystem (JEDEC-timed controllers, one per pseudo-channel) is the implementation the chip
// builds. gemm --compute-only does not swap this memory: its DMA engines complete every job at
// once and never reach the SRAM or the memory (DmaParams::infinite_memory).
#pragma once

#include <cstddef>
#include <cstdint>

#include "base/types.h"
#include "models/memory/mem_completion.h"

namespace tessera {

class MainMemory {
 public:
  virtual ~MainMemory() = default;

  // Contract:
  //  - access() is called from the simulation (an SC_THREAD or method) at the current time. It
  //    must add() every request it makes to `completion` before it returns and call
  //    complete_at() once per added request with the time its data is done (now or later;
  //    never earlier than now). It must not wait: the caller waits on `completion`.
  //  - Requests issued at the same time are served in the order access() was called, as far as
  //    the memory's own scheduling allows; the same calls always give the same times.
  //  - `completion` belongs to the caller and stays alive until it is done; the memory keeps
  //    only a pointer to it until then.
  //  - outstanding() counts accepted requests not yet completed (for the deadlock report).
  //  - sync_stats() brings lazily accrued statistics up to the current time (the power
  //    manager calls it before it reads them); it must not change any timing.
  virtual void access(std::uint64_t address, Bytes bytes, bool write, MemCompletion& completion) = 0;
  virtual std::size_t outstanding() const = 0;
  virtual void sync_stats() = 0;
};

}  // namespace tessera
