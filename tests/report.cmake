# Result reporters: HDF5 (byte-identical, read back with the C API), JSON, Perfetto, table,
# atomic file writing; the result document and its writers.
tessera_test(test_report ${CMAKE_CURRENT_SOURCE_DIR}/test_report.cpp)
tessera_test(test_result_document ${CMAKE_CURRENT_SOURCE_DIR}/test_result_document.cpp)
