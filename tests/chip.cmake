tessera_test(test_chip ${CMAKE_CURRENT_SOURCE_DIR}/test_chip.cpp)
tessera_test(test_op_table ${CMAKE_CURRENT_SOURCE_DIR}/test_op_table.cpp)
