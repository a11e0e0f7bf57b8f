# Power and energy model: sums of parts, idle power, DVFS, TDP throttling (test_power.cpp);
# the calibration set's errors within the bounds docs/calibration.md states (test_validation.cpp).
tessera_test(test_power ${CMAKE_CURRENT_SOURCE_DIR}/test_power.cpp)
tessera_test(test_validation ${CMAKE_CURRENT_SOURCE_DIR}/test_validation.cpp)
