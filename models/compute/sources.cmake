list(APPEND TESSERA_MODEL_SOURCES
  ${CMAKE_CURRENT_LIST_DIR}/systolic_timing.cpp
  ${CMAKE_CURRENT_LIST_DIR}/matrix_engine.cpp
  ${CMAKE_CURRENT_LIST_DIR}/vector_unit.cpp
)
