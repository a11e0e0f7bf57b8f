# Compute-centre economics: hand-computed account, input checks, sweeps, tornado, file I/O.
tessera_test(test_tco ${CMAKE_CURRENT_SOURCE_DIR}/test_tco.cpp)
target_include_directories(test_tco PRIVATE ${HDF5_C_INCLUDE_DIRS})
