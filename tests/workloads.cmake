# Workload side: model cards, scenarios, the trace generator and the trace file format.
tessera_test(test_workloads
  ${CMAKE_CURRENT_SOURCE_DIR}/test_workloads.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/test_workloads_format.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/test_workloads_mla.cpp
)
tessera_test(test_gemm_topology ${CMAKE_CURRENT_SOURCE_DIR}/test_gemm_topology.cpp)
add_dependencies(test_gemm_topology tessera)
target_compile_definitions(test_gemm_topology PRIVATE TESSERA_BIN="$<TARGET_FILE:tessera>")
