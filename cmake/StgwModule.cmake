# stgw_module(NAME PUBLIC_LIBS ... PRIVATE_LIBS ...) makes one static library from every .cc file
# in the calling folder. One folder = one library (DESIGN.md); a new file needs no CMake edit.
function(stgw_module name)
  cmake_parse_arguments(M "" "" "PUBLIC_LIBS;PRIVATE_LIBS" ${ARGN})
  file(GLOB sources CONFIGURE_DEPENDS "${CMAKE_CURRENT_SOURCE_DIR}/*.cc")
  if(sources)
    add_library(${name} STATIC ${sources})
    target_link_libraries(${name} PUBLIC ${M_PUBLIC_LIBS} PRIVATE ${M_PRIVATE_LIBS})
  else()
    add_library(${name} INTERFACE)
    target_link_libraries(${name} INTERFACE ${M_PUBLIC_LIBS})
  endif()
endfunction()
