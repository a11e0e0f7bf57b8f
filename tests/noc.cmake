tessera_test(test_noc ${CMAKE_CURRENT_SOURCE_DIR}/test_noc.cpp)
