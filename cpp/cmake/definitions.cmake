# ugatit_read_definition(PATH_VAR FILE WHAT TEXT_VAR): one of the package's shared definitions,
# ugatit_deploy/core/FILE (limits.json, faces.json): its path as the cache variable PATH_VAR (override it to build
# cpp/ outside its checkout), a configure error naming it when it is missing, a reconfigure when it changes, and
# its text in TEXT_VAR.
function(ugatit_read_definition path_var file what text_var)
  set(${path_var} "${CMAKE_CURRENT_SOURCE_DIR}/../ugatit_deploy/core/${file}" CACHE FILEPATH
      "${what} (ugatit_deploy/core/${file})")
  if(NOT EXISTS "${${path_var}}")
    message(FATAL_ERROR "${what} ${${path_var}} is missing: build cpp/ inside its ugatit-deploy checkout, or set "
                        "-D${path_var}=<path to ${file}>")
  endif()
  set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS "${${path_var}}")
  file(READ "${${path_var}}" _text)
  set(${text_var} "${_text}" PARENT_SCOPE)
endfunction()
