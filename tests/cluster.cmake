tessera_test(test_cluster ${CMAKE_CURRENT_SOURCE_DIR}/test_cluster.cpp ${CMAKE_CURRENT_SOURCE_DIR}/test_cluster_config.cpp)
tessera_test(test_cluster_run ${CMAKE_CURRENT_SOURCE_DIR}/test_cluster_run.cpp)
tessera_test(test_sizing ${CMAKE_CURRENT_SOURCE_DIR}/test_sizing.cpp)
