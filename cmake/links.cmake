# SPDX-License-Identifier: Apache-2.0
# External libraries every vigil target links against. Kept as one list so
# tests, fuzzers and benchmarks link exactly what the binary links.
# GnuTLS: the hub hands libmicrohttpd its certificate per handshake, so that
# SIGHUP reloads it (libmicrohttpd itself is built on GnuTLS).
pkg_check_modules(GNUTLS REQUIRED IMPORTED_TARGET gnutls)
# libnghttp2: the HPACK header decompression of the HTTP/2 parser (app_http2.c).
pkg_check_modules(NGHTTP2 REQUIRED IMPORTED_TARGET libnghttp2)
# libbrotlidec: "Content-Encoding: br" bodies of HTTP/2 streams.
pkg_check_modules(BROTLIDEC REQUIRED IMPORTED_TARGET libbrotlidec)
set(VIGIL_EXTERNAL_LIBS
  PkgConfig::PCAP PkgConfig::HS PkgConfig::PCRE2 vigil_htp PkgConfig::OPENSSL
  PkgConfig::ZLIB PkgConfig::JANSSON PkgConfig::YAML PkgConfig::MHD PkgConfig::SQLITE
  PkgConfig::PQ PkgConfig::CURL PkgConfig::GNUTLS PkgConfig::ICU PkgConfig::PSL PkgConfig::LIBSSL
  PkgConfig::NGHTTP2 PkgConfig::BROTLIDEC Threads::Threads m)
if(MAGIC_FOUND)
  list(APPEND VIGIL_EXTERNAL_LIBS PkgConfig::MAGIC)
endif()
# libnetfilter_queue (optional): inline prevention through NFQUEUE (-q).
pkg_check_modules(NFQ IMPORTED_TARGET libnetfilter_queue)
if(NFQ_FOUND)
  add_compile_definitions(VIGIL_HAVE_NFQ=1)
  list(APPEND VIGIL_EXTERNAL_LIBS PkgConfig::NFQ)
endif()
# Lua 5.4 (optional): `lua:` rule scripts and Lua output scripts, run in a
# sandbox (src/util/lua_sandbox.c, src/detect/detect_lua.c).
pkg_check_modules(LUA IMPORTED_TARGET lua5.4)
if(LUA_FOUND)
  add_compile_definitions(VIGIL_HAVE_LUA=1)
  list(APPEND VIGIL_EXTERNAL_LIBS PkgConfig::LUA)
endif()
foreach(lib ${VIGIL_LIBS})
  target_link_libraries(${lib} PUBLIC ${VIGIL_EXTERNAL_LIBS})
endforeach()

# vigil_link(target): link a test, fuzzer or benchmark against all of vigil.
function(vigil_link target)
  target_link_libraries(${target} PRIVATE -Wl,--start-group ${VIGIL_LIBS} -Wl,--end-group ${VIGIL_EXTERNAL_LIBS})
endfunction()
