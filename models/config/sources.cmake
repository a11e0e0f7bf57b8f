list(APPEND TESSERA_MODEL_SOURCES
  ${CMAKE_CURRENT_LIST_DIR}/chip_config.cpp
  ${CMAKE_CURRENT_LIST_DIR}/config_tree.cpp
  ${CMAKE_CURRENT_LIST_DIR}/yaml_json.cpp
)
