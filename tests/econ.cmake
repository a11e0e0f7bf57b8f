# Compute-centre economics: hand-computed account, input checks, sweeps, tornado, file I/O
# (test_tco.cpp), and performance.simulate: the block's checks and `tessera tco` end to end
# through the built binary, cross-checked against `tessera run` (test_tco_sim.cpp).
tessera_test(test_tco ${CMAKE_CURRENT_SOURCE_DIR}/test_tco.cpp ${CMAKE_CURRENT_SOURCE_DIR}/test_tco_sim.cpp)
target_include_directories(test_tco PRIVATE ${HDF5_C_INCLUDE_DIRS})
add_dependencies(test_tco tessera)
target_compile_definitions(test_tco PRIVATE TESSERA_BIN="$<TARGET_FILE:tessera>")
