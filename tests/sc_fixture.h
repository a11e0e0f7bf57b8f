// SystemC test support: a fresh kernel per test and a tiny thread driver.
//
//   TEST_CASE_METHOD(tessera::test::ScFixture, "my test") {
//     MyModule dut("dut", ...);                       // elaborate
//     tessera::test::ScDriver drv("drv", [&] { ... sc_core::wait(...); ... });
//     sc_core::sc_start();                            // run until no events remain
//     CHECK(...);                                     // check what the driver recorded
//   }
//
// The fixture gives each test its own kernel context (time resolution 1 fs, no banner; see
// sim/kernel_context.h) and deletes it afterwards. Construct modules inside the test
// body (or after a local ScFixture) so that they are destroyed before the kernel. Record values
// in the driver and assert after sc_start(): a failing REQUIRE inside a SystemC thread would
// unwind through the kernel.
#pragma once

#include <functional>
#include <utility>

#include <systemc>

#include "sim/kernel_context.h"

namespace tessera::test {

class ScFixture {
 private:
  KernelContext kernel_;
};

/// Runs `body` as an SC_THREAD (it may call sc_core::wait).
class ScDriver : public sc_core::sc_module {
 public:
  SC_HAS_PROCESS(ScDriver);
  ScDriver(sc_core::sc_module_name name, std::function<void()> body)
      : sc_core::sc_module(name), body_(std::move(body)) {
    SC_THREAD(run);
  }

 private:
  void run() { body_(); }
  std::function<void()> body_;
};

}  // namespace tessera::test
