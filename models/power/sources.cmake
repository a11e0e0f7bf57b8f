list(APPEND TESSERA_MODEL_SOURCES
  ${CMAKE_CURRENT_LIST_DIR}/run_config.cpp
  ${CMAKE_CURRENT_LIST_DIR}/energy_model.cpp
  ${CMAKE_CURRENT_LIST_DIR}/power_manager.cpp
  ${CMAKE_CURRENT_LIST_DIR}/power_summary.cpp
)
