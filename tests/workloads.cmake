# Workload side: model cards, scenarios, the trace generator and the trace file format.
tessera_test(test_workloads
  ${CMAKE_CURRENT_SOURCE_DIR}/test_workloads.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/test_workloads_format.cpp
)
