# SPDX-License-Identifier: Apache-2.0
# `make install` (cmake --install build; DESTDIR is honoured): the binary,
# the man pages vigil(8) and vigil.yaml(5), the default configuration in
# SYSCONFDIR/vigil (an existing file is never overwritten: the shipped one
# is installed beside it as FILE.new), systemd units (vigil@.service per
# interface, vigil-hub.service), the vigil system user (sysusers.d) and a
# logrotate file.
set(VIGIL_CONFDIR "${CMAKE_INSTALL_FULL_SYSCONFDIR}/vigil")
set(VIGIL_BINDIR "${CMAKE_INSTALL_FULL_BINDIR}")
set(VIGIL_DOCDIR "${CMAKE_INSTALL_FULL_DOCDIR}")
set(VIGIL_VERSION "${PROJECT_VERSION}")
if(CMAKE_INSTALL_PREFIX STREQUAL "/usr")
  set(_unitdir "/lib/systemd/system")
  set(_sysusersdir "/usr/lib/sysusers.d")
else()
  set(_unitdir "/etc/systemd/system")
  set(_sysusersdir "/etc/sysusers.d")
endif()
set(VIGIL_UNITDIR "${_unitdir}" CACHE PATH "where systemd units are installed")
set(VIGIL_SYSUSERSDIR "${_sysusersdir}" CACHE PATH "where sysusers.d files are installed")
set(VIGIL_LOGROTATEDIR "/etc/logrotate.d" CACHE PATH "where the logrotate file is installed")

install(TARGETS vigil RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})

foreach(page vigil.8 vigil.yaml.5)
  configure_file(${CMAKE_SOURCE_DIR}/dist/man/${page} ${CMAKE_BINARY_DIR}/man/${page} @ONLY)
  string(REGEX MATCH "[0-9]$" section ${page})
  install(FILES ${CMAKE_BINARY_DIR}/man/${page} DESTINATION ${CMAKE_INSTALL_MANDIR}/man${section})
endforeach()

foreach(unit vigil@.service vigil-hub.service)
  configure_file(${CMAKE_SOURCE_DIR}/dist/systemd/${unit}.in ${CMAKE_BINARY_DIR}/systemd/${unit} @ONLY)
  install(FILES ${CMAKE_BINARY_DIR}/systemd/${unit} DESTINATION ${VIGIL_UNITDIR})
endforeach()
configure_file(${CMAKE_SOURCE_DIR}/dist/logrotate/vigil.in ${CMAKE_BINARY_DIR}/logrotate/vigil @ONLY)
install(FILES ${CMAKE_BINARY_DIR}/logrotate/vigil DESTINATION ${VIGIL_LOGROTATEDIR})
install(FILES ${CMAKE_SOURCE_DIR}/dist/sysusers/vigil.conf DESTINATION ${VIGIL_SYSUSERSDIR})

# Configuration: shipped by etc/; kept if the administrator has one.
foreach(conf vigil.yaml classification.config reference.config threshold.config)
  if(EXISTS ${CMAKE_SOURCE_DIR}/etc/${conf})
    install(CODE "
      set(_dst \"\$ENV{DESTDIR}${VIGIL_CONFDIR}\")
      file(MAKE_DIRECTORY \"\${_dst}\")
      if(EXISTS \"\${_dst}/${conf}\")
        file(READ \"${CMAKE_SOURCE_DIR}/etc/${conf}\" _new)
        file(READ \"\${_dst}/${conf}\" _old)
        if(NOT _new STREQUAL _old)
          message(STATUS \"Keeping \${_dst}/${conf}; the shipped one is ${conf}.new\")
          file(COPY_FILE \"${CMAKE_SOURCE_DIR}/etc/${conf}\" \"\${_dst}/${conf}.new\")
        endif()
      else()
        message(STATUS \"Installing: \${_dst}/${conf}\")
        file(COPY_FILE \"${CMAKE_SOURCE_DIR}/etc/${conf}\" \"\${_dst}/${conf}\")
      endif()")
  endif()
endforeach()

foreach(doc README.md docs/operations.md docs/hub.md docs/performance.md docs/architecture.md)
  if(EXISTS ${CMAKE_SOURCE_DIR}/${doc})
    install(FILES ${CMAKE_SOURCE_DIR}/${doc} DESTINATION ${CMAKE_INSTALL_DOCDIR})
  endif()
endforeach()
