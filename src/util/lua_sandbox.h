/* SPDX-License-Identifier: Apache-2.0 */
/* A Lua 5.4 state in Suricata 8's sandbox (security.lua in suricata.yaml):
 * - memory: every allocation of the state is counted; past max_bytes the
 *   allocator fails, which Lua raises as an error ("memory limit exceeded");
 * - instructions: a count hook every 100 VM instructions stops a call past
 *   max_instructions ("instruction limit exceeded"); the count restarts with
 *   every call (lua_sandbox_reset);
 * - libraries: only base, table, string, math and utf8 are opened, and in
 *   them only the functions on an allow list: the others (load, dofile,
 *   pcall, setmetatable, collectgarbage, ...) are replaced by a function
 *   that raises "Blocked Lua function called: NAME". No io, os, package or
 *   debug library: a script cannot read files, run programs or load code.
 *   `require` only returns the modules registered with
 *   lua_sandbox_add_module (suricata.*).
 * With allow_restricted (security.lua.allow-restricted-functions) every
 * standard library is opened as is; the limits still apply.
 * Only available when built with Lua (VIGIL_HAVE_LUA). */
#ifndef VIGIL_UTIL_LUA_SANDBOX_H
#define VIGIL_UTIL_LUA_SANDBOX_H

#ifdef VIGIL_HAVE_LUA

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <lua.h>

struct lua_sandbox {
    lua_State *L;
    size_t alloc_bytes, alloc_limit;        /* limit 0: none */
    uint64_t instructions, instruction_limit; /* limit 0: none */
    bool memory_error, instruction_error, blocked_error;
    void *user; /* the caller's context (lua_sandbox_of(L)->user) */
};

/* Defaults of Suricata 8's security.lua.max-bytes / max-instructions. */
#define LUA_SANDBOX_DEFAULT_MAX_BYTES 500000u
#define LUA_SANDBOX_DEFAULT_MAX_INSTRUCTIONS 500000u

/* A new state with the sandboxed libraries; NULL when out of memory (or
 * when the limit is too small for Lua's own start-up). Freed with
 * lua_sandbox_free. */
struct lua_sandbox *lua_sandbox_new(size_t max_bytes, uint64_t max_instructions,
                                    bool allow_restricted);
void lua_sandbox_free(struct lua_sandbox *sb);
/* The sandbox a state belongs to. */
struct lua_sandbox *lua_sandbox_of(lua_State *L);
/* Makes `require(name)` return the table `open` pushes (called once per
 * state, cached). */
void lua_sandbox_add_module(struct lua_sandbox *sb, const char *name, lua_CFunction open);
/* Before each call into the script: restarts the instruction count and
 * clears the error flags. */
void lua_sandbox_reset(struct lua_sandbox *sb);
/* Loads a script's text (text chunks only: precompiled bytecode is
 * refused, Lua does not verify it) and runs its main chunk. 0, or -1 with
 * the reason in err ("NAME:LINE: message"). */
int lua_sandbox_load(struct lua_sandbox *sb, const char *chunkname, const char *text,
                     size_t len, char *err, size_t errlen);
/* Runs lua_pcall(nargs, nresults) under the sandbox; on failure puts the
 * error text in err, with Suricata's wording for the limits ("memory limit
 * exceeded", "instruction limit exceeded"), pops it, and returns -1. */
int lua_sandbox_call(struct lua_sandbox *sb, int nargs, int nresults, char *err, size_t errlen);

#endif /* VIGIL_HAVE_LUA */
#endif
