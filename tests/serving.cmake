tessera_test(test_serving ${CMAKE_CURRENT_SOURCE_DIR}/test_serving.cpp)
target_link_libraries(test_serving PRIVATE tessera_serving)
