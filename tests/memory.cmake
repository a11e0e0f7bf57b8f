# Memory system tests.
tessera_test(test_hbm
  ${CMAKE_CURRENT_SOURCE_DIR}/test_hbm.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/test_hbm_mapping.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/test_hbm_bandwidth.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/test_hbm_ramulator.cpp
)
