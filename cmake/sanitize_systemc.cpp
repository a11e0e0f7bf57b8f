// Linked into every executable of a TESSERA_SANITIZE build only (cmake/TesseraTarget.cmake).
//
// Debian's SystemC 2.3.4 tells ASan about its QuickThreads stack switches through weak
// references to the fiber API, but wrongly: a switch back to the main coroutine is announced as
// a switch to a null stack of size 0, and a terminating thread's switch is not announced at all.
// After the first simulation ASan's idea of the current stack is then wrong, so the next
// exception (its __asan_handle_no_return) cannot unpoison the stack it unwinds and reports a
// false stack-buffer-overflow inside its own sigaltstack call. Defining the two functions here
// binds SystemC's weak references to these no-ops instead: ASan keeps the main thread's real
// stack, where every exception after a simulation is thrown. Memory errors are found as before.
#include <cstddef>

extern "C" {

void __sanitizer_start_switch_fiber(void** /*fake_stack_save*/, const void* /*bottom*/,
                                    std::size_t /*size*/) {}
void __sanitizer_finish_switch_fiber(void* /*fake_stack_save*/, const void** /*bottom_old*/,
                                     std::size_t* /*size_old*/) {}

// The sanitizer options every run gets, by ctest or by hand (ASAN_OPTIONS/UBSAN_OPTIONS in the
// environment still override them). Fake stacks (use-after-return) cannot follow stack switches
// ASan is not told about, so they stay off; any undefined behaviour stops the program.
const char* __asan_default_options() { return "detect_stack_use_after_return=0:verify_asan_link_order=0"; }
const char* __ubsan_default_options() { return "halt_on_error=1:print_stacktrace=1"; }

}  // extern "C"
