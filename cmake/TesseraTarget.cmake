# Common settings for every Tessera target.
# Debian's libsystemc is built as C++17; SC_CPLUSPLUS keeps its headers on that ABI under C++20.
function(tessera_target_defaults target)
  target_compile_definitions(${target} PUBLIC SC_CPLUSPLUS=201703L SC_INCLUDE_DYNAMIC_PROCESSES)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wno-unused-parameter)
  target_include_directories(${target} PUBLIC ${PROJECT_SOURCE_DIR})
  if(TESSERA_SANITIZE)
    # Known limitation: SystemC 2.3's QuickThreads coroutines switch stacks without telling ASan,
    # so an exception thrown after a simulation in the same process trips a false report inside
    # ASan's no-return handler (sigaltstack). Tests that expect such an exception fail under this
    # build for that reason alone.
    target_compile_options(${target} PUBLIC -fsanitize=address,undefined -fno-omit-frame-pointer)
    target_link_options(${target} PUBLIC -fsanitize=address,undefined)
  endif()
endfunction()
