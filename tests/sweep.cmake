# Design-space sweeps: spec validation, point generation, constraints, Pareto front, journal,
# cluster sweeps (test_sweep.cpp), and end to end through the tessera binary: -j 2 vs
# mpirun -np 3, kill and --resume, a poisoned point, and the fault tests -- seeded kills, MPI
# ranks killed, a full disk (test_sweep_cli.cpp, [fault]).
tessera_test(test_sweep ${CMAKE_CURRENT_SOURCE_DIR}/test_sweep.cpp ${CMAKE_CURRENT_SOURCE_DIR}/test_sweep_cli.cpp)
target_link_libraries(test_sweep PRIVATE tessera_sweep)
add_dependencies(test_sweep tessera)
target_compile_definitions(test_sweep PRIVATE TESSERA_BIN="$<TARGET_FILE:tessera>"
                           TESSERA_MPIEXEC="${MPIEXEC_EXECUTABLE}")
