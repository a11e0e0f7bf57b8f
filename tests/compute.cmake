tessera_test(test_systolic ${CMAKE_CURRENT_SOURCE_DIR}/test_systolic.cpp)
