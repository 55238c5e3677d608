# SPDX-License-Identifier: Apache-2.0
# The hub's dashboard (src/hub/web: plain ES modules, CSS, HTML; no build
# step) is embedded into the binary, so `vigil hub` serves it with no files
# to install and no web server besides.
file(GLOB VIGIL_WEB_FILES RELATIVE ${CMAKE_SOURCE_DIR}/src/hub/web CONFIGURE_DEPENDS
     ${CMAKE_SOURCE_DIR}/src/hub/web/*.html ${CMAKE_SOURCE_DIR}/src/hub/web/*.js
     ${CMAKE_SOURCE_DIR}/src/hub/web/*.css ${CMAKE_SOURCE_DIR}/src/hub/web/*.svg)
list(SORT VIGIL_WEB_FILES)
set(VIGIL_WEB_DEPS "")
foreach(f ${VIGIL_WEB_FILES})
  list(APPEND VIGIL_WEB_DEPS ${CMAKE_SOURCE_DIR}/src/hub/web/${f})
endforeach()
set(VIGIL_WEB_C ${CMAKE_BINARY_DIR}/generated/hub_web_assets.c)
add_custom_command(OUTPUT ${VIGIL_WEB_C}
  COMMAND ${CMAKE_COMMAND} -E make_directory ${CMAKE_BINARY_DIR}/generated
  COMMAND ${CMAKE_COMMAND} -DOUT=${VIGIL_WEB_C} -DBASE=${CMAKE_SOURCE_DIR}/src/hub/web
          "-DFILES=${VIGIL_WEB_FILES}" -P ${CMAKE_SOURCE_DIR}/cmake/embed.cmake
  DEPENDS ${VIGIL_WEB_DEPS} ${CMAKE_SOURCE_DIR}/cmake/embed.cmake
  COMMENT "Embedding the hub dashboard" VERBATIM)
target_sources(vigil_hub PRIVATE ${VIGIL_WEB_C})
