# Result reporters: HDF5 (byte-identical, read back with the C API), JSON, Perfetto, table,
# atomic file writing.
tessera_test(test_report ${CMAKE_CURRENT_SOURCE_DIR}/test_report.cpp)
