list(APPEND TESSERA_MODEL_SOURCES
  ${CMAKE_CURRENT_LIST_DIR}/work_scheduler.cpp
  ${CMAKE_CURRENT_LIST_DIR}/core.cpp
  ${CMAKE_CURRENT_LIST_DIR}/chip.cpp
  # TODO(move to memory/sources.cmake once the HBM files land there)
  ${CMAKE_CURRENT_LIST_DIR}/../memory/scratchpad.cpp
  ${CMAKE_CURRENT_LIST_DIR}/../memory/global_sram.cpp
  ${CMAKE_CURRENT_LIST_DIR}/../memory/dma_engine.cpp
)
