# SPDX-License-Identifier: Apache-2.0
# Installation directories. The configuration goes to /etc/vigil and state to
# /var whatever the prefix (as Suricata's --sysconfdir=/etc
# --localstatedir=/var): the binary looks for its files there, systemd units
# and logrotate name them. Override with -DCMAKE_INSTALL_SYSCONFDIR=... .
if(NOT DEFINED CACHE{CMAKE_INSTALL_SYSCONFDIR})
  set(CMAKE_INSTALL_SYSCONFDIR "/etc" CACHE PATH "read-only single-machine data (configuration)")
endif()
if(NOT DEFINED CACHE{CMAKE_INSTALL_LOCALSTATEDIR})
  set(CMAKE_INSTALL_LOCALSTATEDIR "/var" CACHE PATH "modifiable single-machine data")
endif()
include(GNUInstallDirs)
