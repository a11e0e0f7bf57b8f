// A fresh SystemC kernel for one simulation. SystemC elaborates once per kernel context, so
// every simulation (a test case, each chip of `compare`, each sweep point) gets its own
// context, created here and destroyed when this object goes out of scope. The time
// resolution is 1 fs (see ClockDomain).
#pragma once

#include <cstdlib>

#include <systemc>

namespace tessera {

class KernelContext {
 public:
  KernelContext() {
    setenv("SC_COPYRIGHT_MESSAGE", "DISABLE", 0);
    previous_ = sc_core::sc_curr_simcontext;
    context_ = new sc_core::sc_simcontext();
    sc_core::sc_curr_simcontext = context_;
    sc_core::sc_default_global_context = context_;
    sc_core::sc_set_time_resolution(1, sc_core::SC_FS);
  }
  ~KernelContext() {
    delete context_;
    sc_core::sc_curr_simcontext = previous_;
    sc_core::sc_default_global_context = previous_;
  }
  KernelContext(const KernelContext&) = delete;
  KernelContext& operator=(const KernelContext&) = delete;

 private:
  sc_core::sc_simcontext* previous_ = nullptr;
  sc_core::sc_simcontext* context_ = nullptr;
};

}  // namespace tessera
