tessera_test(test_chip ${CMAKE_CURRENT_SOURCE_DIR}/test_chip.cpp)
