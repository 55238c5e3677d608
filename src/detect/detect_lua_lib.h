/* SPDX-License-Identifier: Apache-2.0 */
/* Suricata 8's Lua library modules for rule scripts (require("suricata.x")):
 * suricata.log, suricata.packet, suricata.flow, suricata.rule,
 * suricata.http, suricata.dns, suricata.ssh, suricata.tls, suricata.hashlib,
 * suricata.base64, suricata.bytevar, suricata.flowint and suricata.util. Each reads the struct detect_lua_ctx the
 * running call set in the sandbox's user pointer; outside a match call the
 * accessors return nil and an error message. */
#ifndef VIGIL_DETECT_LUA_LIB_H
#define VIGIL_DETECT_LUA_LIB_H

#ifdef VIGIL_HAVE_LUA
struct lua_sandbox;
void detect_lua_lib_register(struct lua_sandbox *sb);
#endif

#endif
