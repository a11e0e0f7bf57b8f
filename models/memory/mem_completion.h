// Completion tracking for a group of memory requests issued together (one DMA packet or one
// tile fetch). Servers call complete_at() once per request with the time its data is done; the
// requester calls wait_done() from its SC_THREAD.
//
// Contract: add() all requests before yielding to the kernel; complete_at() may be called with a
// time in the future (servers compute completion times exactly); `done` fires at the latest
// completion time once every request has completed.
#pragma once

#include <algorithm>
#include <systemc>

namespace tessera {

class MemCompletion {
 public:
  void add(unsigned n = 1) { pending_ += n; }
  void complete_at(const sc_core::sc_time& t) {
    finish_ = std::max(finish_, t);
    if (--pending_ == 0) done_.notify(finish_ - sc_core::sc_time_stamp());
  }
  bool is_done() const { return pending_ == 0 && sc_core::sc_time_stamp() >= finish_; }
  void wait_done() {
    while (!is_done()) sc_core::wait(done_);
  }
  const sc_core::sc_time& finish_time() const { return finish_; }
  unsigned pending() const { return pending_; }

 private:
  unsigned pending_ = 0;
  sc_core::sc_time finish_ = sc_core::SC_ZERO_TIME;
  sc_core::sc_event done_;  // unnamed: completions are created during simulation
};

}  // namespace tessera
