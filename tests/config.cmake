tessera_test(test_config ${CMAKE_CURRENT_SOURCE_DIR}/test_config.cpp)
