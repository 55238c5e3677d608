/* SPDX-License-Identifier: Apache-2.0 */
/* Lua sandbox: see lua_sandbox.h. */
#ifdef VIGIL_HAVE_LUA

#include "util/lua_sandbox.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>
#include <lualib.h>

#define SANDBOX_KEY "vigil.sandbox"
#define MODULES_KEY "vigil.modules"
#define LOADED_KEY "vigil.loaded"
#define HOOK_EVERY 100

/* Counts what the state holds: a block that grows past the limit fails
 * (Lua raises a memory error); freeing and shrinking always succeed. When
 * ptr is NULL, osize is a type tag, not a size: the block is new. */
static void *sandbox_alloc(void *ud, void *ptr, size_t osize, size_t nsize)
{
    struct lua_sandbox *sb = ud;
    size_t old = ptr ? osize : 0;
    if (nsize == 0) {
        sb->alloc_bytes -= old <= sb->alloc_bytes ? old : sb->alloc_bytes;
        free(ptr);
        return NULL;
    }
    if (nsize > old && sb->alloc_limit &&
        (nsize - old > sb->alloc_limit || sb->alloc_bytes + (nsize - old) > sb->alloc_limit)) {
        sb->memory_error = true;
        return NULL;
    }
    void *n = realloc(ptr, nsize);
    if (!n)
        return NULL;
    sb->alloc_bytes = sb->alloc_bytes - (old <= sb->alloc_bytes ? old : sb->alloc_bytes) + nsize;
    return n;
}

static void sandbox_hook(lua_State *L, lua_Debug *ar)
{
    (void)ar;
    struct lua_sandbox *sb = lua_sandbox_of(L);
    sb->instructions += HOOK_EVERY;
    if (sb->instruction_limit && sb->instructions > sb->instruction_limit) {
        sb->instruction_error = true;
        luaL_error(L, "instruction limit exceeded");
    }
}

static int sandbox_blocked(lua_State *L)
{
    struct lua_sandbox *sb = lua_sandbox_of(L);
    sb->blocked_error = true;
    lua_Debug ar;
    if (lua_getstack(L, 0, &ar) && lua_getinfo(L, "n", &ar) && ar.name)
        return luaL_error(L, "Blocked Lua function called: %s", ar.name);
    return luaL_error(L, "Blocked Lua function called");
}

/* The functions a sandboxed script may call, per library (Suricata 8's
 * allow list). */
static bool sandbox_allowed(const char *lib, const char *fn)
{
    static const char *const base[] = {"assert", "error",  "ipairs",   "next",   "pairs",
                                       "print",  "rawequal", "rawlen", "rawget", "rawset",
                                       "select", "tonumber", "tostring", "type", "warn", NULL};
    static const char *const table[] = {"concat", "insert", "move", "pack",
                                        "remove", "sort",   "unpack", NULL};
    static const char *const string[] = {"byte",    "char", "dump",   "find", "format", "gmatch",
                                         "gsub",    "len",  "lower",  "match", "pack", "packsize",
                                         "rep",     "reverse", "sub", "unpack", "upper", NULL};
    static const char *const math[] = {
        "abs", "acos", "asin", "atan", "ceil",  "cos",  "deg",  "exp",       "floor", "fmod",
        "log", "max",  "min",  "modf", "rad",   "random", "randomseed", "sin", "sqrt",  "tan",
        "tointeger", "type", "ult", NULL};
    static const char *const utf8[] = {"char", "codepoint", "codes", "len", "offset", NULL};
    const char *const *list = NULL;
    if (!strcmp(lib, LUA_GNAME))
        list = base;
    else if (!strcmp(lib, LUA_TABLIBNAME))
        list = table;
    else if (!strcmp(lib, LUA_STRLIBNAME))
        list = string;
    else if (!strcmp(lib, LUA_MATHLIBNAME))
        list = math;
    else if (!strcmp(lib, LUA_UTF8LIBNAME))
        list = utf8;
    for (size_t i = 0; list && list[i]; i++)
        if (!strcmp(list[i], fn))
            return true;
    return false;
}

static void sandbox_open_libs(lua_State *L)
{
    static const luaL_Reg libs[] = {{LUA_GNAME, luaopen_base},
                                    {LUA_TABLIBNAME, luaopen_table},
                                    {LUA_STRLIBNAME, luaopen_string},
                                    {LUA_MATHLIBNAME, luaopen_math},
                                    {LUA_UTF8LIBNAME, luaopen_utf8},
                                    {NULL, NULL}};
    for (const luaL_Reg *lib = libs; lib->func; lib++) {
        luaL_requiref(L, lib->name, lib->func, 1);
        /* the library's table is on the stack: block what is not allowed */
        lua_pushnil(L);
        while (lua_next(L, -2)) {
            if (lua_type(L, -1) == LUA_TFUNCTION && lua_type(L, -2) == LUA_TSTRING &&
                !sandbox_allowed(lib->name, lua_tostring(L, -2))) {
                lua_pushvalue(L, -2);
                lua_pushcfunction(L, sandbox_blocked);
                lua_settable(L, -5);
            }
            lua_pop(L, 1);
        }
        lua_pop(L, 1);
    }
}

/* require(name): a registered module (opened once and cached), else, in
 * the unrestricted mode, Lua's own require. */
static int sandbox_require(lua_State *L)
{
    const char *name = luaL_checkstring(L, 1);
    lua_getfield(L, LUA_REGISTRYINDEX, LOADED_KEY);
    lua_getfield(L, -1, name);
    if (!lua_isnil(L, -1))
        return 1;
    lua_pop(L, 1);
    lua_getfield(L, LUA_REGISTRYINDEX, MODULES_KEY);
    lua_getfield(L, -1, name);
    if (lua_isnil(L, -1)) {
        if (lua_isfunction(L, lua_upvalueindex(1))) {
            lua_pushvalue(L, lua_upvalueindex(1));
            lua_pushvalue(L, 1);
            lua_call(L, 1, 1);
            return 1;
        }
        return luaL_error(L, "module '%s' not found", name);
    }
    lua_pushvalue(L, 1);
    lua_call(L, 1, 1);
    lua_pushvalue(L, -1);
    lua_setfield(L, 2, name); /* LOADED[name] */
    return 1;
}

/* Fills a new state (argument 1: the sandbox, 2: allow_restricted). Run
 * protected: a memory limit too small for it is an error, not a panic. */
static int sandbox_setup(lua_State *L)
{
    struct lua_sandbox *sb = lua_touserdata(L, 1);
    bool allow_restricted = lua_toboolean(L, 2);
    lua_pushlightuserdata(L, sb);
    lua_setfield(L, LUA_REGISTRYINDEX, SANDBOX_KEY);
    lua_newtable(L);
    lua_setfield(L, LUA_REGISTRYINDEX, MODULES_KEY);
    lua_newtable(L);
    lua_setfield(L, LUA_REGISTRYINDEX, LOADED_KEY);
    if (allow_restricted) {
        luaL_openlibs(L);
        lua_getglobal(L, "require");
    } else {
        sandbox_open_libs(L);
        lua_pushnil(L);
    }
    lua_pushcclosure(L, sandbox_require, 1);
    lua_setglobal(L, "require");
    return 0;
}

struct lua_sandbox *lua_sandbox_new(size_t max_bytes, uint64_t max_instructions,
                                    bool allow_restricted)
{
    struct lua_sandbox *sb = calloc(1, sizeof *sb);
    if (!sb)
        return NULL;
    sb->alloc_limit = max_bytes;
    sb->instruction_limit = max_instructions;
    sb->L = lua_newstate(sandbox_alloc, sb);
    if (!sb->L) {
        free(sb);
        return NULL;
    }
    lua_State *L = sb->L;
    lua_pushcfunction(L, sandbox_setup);
    lua_pushlightuserdata(L, sb);
    lua_pushboolean(L, allow_restricted);
    if (lua_pcall(L, 2, 0, 0) != LUA_OK) {
        lua_sandbox_free(sb);
        return NULL;
    }
    lua_sethook(L, sandbox_hook, LUA_MASKCOUNT, HOOK_EVERY);
    return sb;
}

void lua_sandbox_free(struct lua_sandbox *sb)
{
    if (!sb)
        return;
    if (sb->L)
        lua_close(sb->L);
    free(sb);
}

struct lua_sandbox *lua_sandbox_of(lua_State *L)
{
    lua_getfield(L, LUA_REGISTRYINDEX, SANDBOX_KEY);
    struct lua_sandbox *sb = lua_touserdata(L, -1);
    lua_pop(L, 1);
    return sb;
}

void lua_sandbox_add_module(struct lua_sandbox *sb, const char *name, lua_CFunction open)
{
    lua_getfield(sb->L, LUA_REGISTRYINDEX, MODULES_KEY);
    lua_pushcfunction(sb->L, open);
    lua_setfield(sb->L, -2, name);
    lua_pop(sb->L, 1);
}

void lua_sandbox_reset(struct lua_sandbox *sb)
{
    sb->instructions = 0;
    sb->memory_error = sb->instruction_error = sb->blocked_error = false;
}

int lua_sandbox_call(struct lua_sandbox *sb, int nargs, int nresults, char *err, size_t errlen)
{
    lua_sandbox_reset(sb);
    int rc = lua_pcall(sb->L, nargs, nresults, 0);
    if (rc == LUA_OK)
        return 0;
    if (rc == LUA_ERRMEM) {
        sb->memory_error = true;
        snprintf(err, errlen, "memory limit exceeded");
    } else {
        const char *m = lua_tostring(sb->L, -1);
        snprintf(err, errlen, "%s", m ? m : "(error object is not a string)");
    }
    lua_pop(sb->L, 1);
    return -1;
}

int lua_sandbox_load(struct lua_sandbox *sb, const char *chunkname, const char *text, size_t len,
                     char *err, size_t errlen)
{
    lua_sandbox_reset(sb);
    int rc = luaL_loadbufferx(sb->L, text, len, chunkname, "t");
    if (rc != LUA_OK) {
        const char *m = lua_tostring(sb->L, -1);
        snprintf(err, errlen, "%s", rc == LUA_ERRMEM ? "memory limit exceeded" : m ? m : "?");
        lua_pop(sb->L, 1);
        return -1;
    }
    return lua_sandbox_call(sb, 0, 0, err, errlen);
}

#endif /* VIGIL_HAVE_LUA */
