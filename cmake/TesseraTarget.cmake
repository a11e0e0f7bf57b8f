# Common settings for every Tessera target.
# Debian's libsystemc is built as C++17; SC_CPLUSPLUS keeps its headers on that ABI under C++20.
function(tessera_target_defaults target)
  target_compile_definitions(${target} PUBLIC SC_CPLUSPLUS=201703L SC_INCLUDE_DYNAMIC_PROCESSES)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wno-unused-parameter)
  target_include_directories(${target} PUBLIC ${PROJECT_SOURCE_DIR})
  if(TESSERA_FUZZ)
    # Coverage for libFuzzer in every library; the fuzz programs add -fsanitize=fuzzer (its main).
    # ASan's runtime is linked as a shared library so that cmake/sanitize_systemc.cpp can replace
    # its fiber functions (clang's static runtime defines them strongly), as in the sanitizer build.
    target_compile_options(${target} PUBLIC -fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer)
    execute_process(COMMAND ${CMAKE_CXX_COMPILER} -print-file-name=libclang_rt.asan-x86_64.so
                    OUTPUT_VARIABLE asan_runtime OUTPUT_STRIP_TRAILING_WHITESPACE)
    get_filename_component(asan_runtime_dir "${asan_runtime}" DIRECTORY)
    target_link_options(${target} PUBLIC -fsanitize=address,undefined -shared-libasan -Wl,-rpath,${asan_runtime_dir})
    get_target_property(type ${target} TYPE)
    if(type STREQUAL "EXECUTABLE")
      target_sources(${target} PRIVATE ${PROJECT_SOURCE_DIR}/cmake/sanitize_systemc.cpp)
    endif()
  endif()
  if(TESSERA_SANITIZE)
    target_compile_options(${target} PUBLIC -fsanitize=address,undefined -fno-omit-frame-pointer)
    target_link_options(${target} PUBLIC -fsanitize=address,undefined)
    # Every program gets the fix for SystemC's stack-switch annotations and the sanitizer
    # options (see the file).
    get_target_property(type ${target} TYPE)
    if(type STREQUAL "EXECUTABLE")
      target_sources(${target} PRIVATE ${PROJECT_SOURCE_DIR}/cmake/sanitize_systemc.cpp)
    endif()
  endif()
endfunction()
