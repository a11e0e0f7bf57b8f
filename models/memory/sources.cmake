list(APPEND TESSERA_MODEL_SOURCES
  # HBM: address mapping, per-pseudo-channel controllers and their scheduling policy
  ${CMAKE_CURRENT_LIST_DIR}/address_mapping.cpp
  ${CMAKE_CURRENT_LIST_DIR}/frfcfs_scheduler.cpp
  ${CMAKE_CURRENT_LIST_DIR}/hbm_channel.cpp
  ${CMAKE_CURRENT_LIST_DIR}/hbm_command_calendar.cpp
  ${CMAKE_CURRENT_LIST_DIR}/hbm_system.cpp
  ${CMAKE_CURRENT_LIST_DIR}/hbm_wake_dispatcher.cpp
  ${CMAKE_CURRENT_LIST_DIR}/scratchpad.cpp
  ${CMAKE_CURRENT_LIST_DIR}/global_sram.cpp
  ${CMAKE_CURRENT_LIST_DIR}/dma_engine.cpp
)
