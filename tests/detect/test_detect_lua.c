/* SPDX-License-Identifier: Apache-2.0 */
/* Lua rule scripts (detect_lua.c) and their sandbox (lua_sandbox.c): hostile
 * scripts (endless loop, huge allocation, io/os, blocked functions,
 * bytecode) stop with the sandbox's errors; a script's match decides the
 * keyword, negation included, and errors are no match and counted. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "decode/packet.h"
#include "detect/detect_lua.h"
#include "detect/rule.h"
#include "util/config.h"
#include "test.h"

#ifdef VIGIL_HAVE_LUA
#include "util/lua_sandbox.h"

/* Runs a script's main chunk in a default sandbox; 0 or -1 with err. */
static int run(const char *text, char *err, size_t errlen, struct lua_sandbox **out)
{
    struct lua_sandbox *sb = lua_sandbox_new(LUA_SANDBOX_DEFAULT_MAX_BYTES,
                                             LUA_SANDBOX_DEFAULT_MAX_INSTRUCTIONS, false);
    if (!sb) {
        snprintf(err, errlen, "no state");
        return -1;
    }
    int rc = lua_sandbox_load(sb, "=t", text, strlen(text), err, errlen);
    if (out)
        *out = sb;
    else
        lua_sandbox_free(sb);
    return rc;
}

static void test_sandbox(void)
{
    char err[256];
    struct lua_sandbox *sb;
    CHECK_EQ_INT(run("x = 1 + 1", err, sizeof err, NULL), 0);
    /* endless loop: stopped by the instruction limit */
    CHECK_EQ_INT(run("while true do end", err, sizeof err, &sb), -1);
    CHECK(strstr(err, "instruction limit exceeded") != NULL);
    CHECK(sb->instruction_error);
    lua_sandbox_free(sb);
    /* huge allocation: stopped by the memory limit, the process is fine */
    CHECK_EQ_INT(run("local s = string.rep('A', 100000000)", err, sizeof err, &sb), -1);
    CHECK_EQ_STR(err, "memory limit exceeded");
    CHECK(sb->memory_error);
    CHECK(sb->alloc_bytes <= LUA_SANDBOX_DEFAULT_MAX_BYTES);
    lua_sandbox_free(sb);
    CHECK_EQ_INT(run("local t = {} for i = 1, 1e9 do t[i] = i end", err, sizeof err, NULL), -1);
    /* no file, OS, module or debug access */
    CHECK_EQ_INT(run("io.open('/etc/passwd')", err, sizeof err, NULL), -1);
    CHECK(strstr(err, "global 'io'") != NULL);
    CHECK_EQ_INT(run("os.execute('true')", err, sizeof err, NULL), -1);
    CHECK_EQ_INT(run("debug.sethook()", err, sizeof err, NULL), -1);
    CHECK_EQ_INT(run("require('io')", err, sizeof err, NULL), -1);
    CHECK(strstr(err, "module 'io' not found") != NULL);
    CHECK_EQ_INT(run("dofile('/etc/passwd')", err, sizeof err, &sb), -1);
    CHECK(strstr(err, "Blocked Lua function called: dofile") != NULL);
    CHECK(sb->blocked_error);
    lua_sandbox_free(sb);
    /* pcall would let a script swallow the limits' errors */
    CHECK_EQ_INT(run("pcall(function() while true do end end)", err, sizeof err, NULL), -1);
    CHECK(strstr(err, "Blocked Lua function called: pcall") != NULL);
    CHECK_EQ_INT(run("load('return 1')()", err, sizeof err, NULL), -1);
    CHECK_EQ_INT(run("setmetatable({}, {__gc = function() end})", err, sizeof err, NULL), -1);
    /* precompiled bytecode is refused (Lua does not verify it) */
    struct lua_sandbox *b = lua_sandbox_new(0, 0, false);
    CHECK(b != NULL);
    if (b) {
        CHECK_EQ_INT(lua_sandbox_load(b, "=t", "\x1bLua\x54", 5, err, sizeof err), -1);
        CHECK(strstr(err, "binary") != NULL);
        lua_sandbox_free(b);
    }
    /* the allowed library functions work */
    CHECK_EQ_INT(run("assert(string.format('%d', 5) == '5' and math.floor(1.5) == 1 and "
                     "table.concat({'a','b'}) == 'ab' and utf8.char(65) == 'A')",
                     err, sizeof err, NULL), 0);
    /* a state too small for Lua itself is refused, not aborted */
    CHECK(lua_sandbox_new(64, 0, false) == NULL);
    /* one big enough for the state but not for its libraries: refused too */
    for (size_t limit = 1024; limit <= 16384; limit += 512) {
        struct lua_sandbox *t = lua_sandbox_new(limit, 0, false);
        lua_sandbox_free(t);
    }
}

static const char *dir;

static void write_script(const char *name, const char *text)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *fp = fopen(path, "w");
    CHECK(fp != NULL);
    if (fp) {
        fputs(text, fp);
        fclose(fp);
    }
}

static void test_keyword(void)
{
    char tmpl[] = "/tmp/vigil-lua-XXXXXX";
    dir = mkdtemp(tmpl);
    CHECK(dir != NULL);
    if (!dir)
        return;
    struct config *cfg = config_new();
    config_set(cfg, "default-rule-path", dir);
    detect_lua_configure(cfg);
    write_script("m.lua", "local packet = require('suricata.packet')\n"
                          "function init(args) return {payload = true} end\n"
                          "function match(args)\n"
                          "  local p = packet.get()\n"
                          "  local sp, err = p:sp()\n"
                          "  if args['payload']:find('evil') and sp == 1234 then return 1 end\n"
                          "  return 0\n"
                          "end\n");
    write_script("loop.lua", "function init(args) return {} end\n"
                             "function match(args) while true do end end\n");
    write_script("nomatch.lua", "function init(args) return {} end\n");
    write_script("rule.lua", "local rule = require('suricata.rule')\n"
                             "function init(args) return {} end\n"
                             "function match(args)\n"
                             "  local r = rule.get_rule()\n"
                             "  if r:sid() == 7 and r:msg() == 'hi' then return 1 end\n"
                             "  return 0\n"
                             "end\n");
    write_script("fi.lua", "local fi = require('suricata.flowint')\n"
                           "function init(args)\n"
                           "  for i = 1, 16 do fi.register('v' .. i) end\n"
                           "  return {}\n"
                           "end\n"
                           "function match(args) return 1 end\n");
    write_script("b64.lua", "local b = require('suricata.base64')\n"
                            "local h = require('suricata.hashlib')\n"
                            "function init(args) return {} end\n"
                            "function match(args)\n"
                            "  if b.encode('abc') ~= 'YWJj' or b.decode('YWJj') ~= 'abc' then return 0 end\n"
                            "  if b.decode('Y') ~= nil then return 0 end\n"
                            "  if h.md5_hexdigest('abc') ~= '900150983cd24fb0d6963f7d28e17f72' then\n"
                            "    return 0 end\n"
                            "  return 1\n"
                            "end\n");
    char err[512];
    struct detect_lua *m = detect_lua_parse("m.lua", NULL, err, sizeof err);
    CHECK(m != NULL);
    struct detect_lua *neg = detect_lua_parse(" !m.lua", NULL, err, sizeof err);
    CHECK(neg != NULL);
    struct detect_lua *loop = detect_lua_parse("loop.lua", NULL, err, sizeof err);
    CHECK(loop != NULL);
    struct detect_lua *rl = detect_lua_parse("rule.lua", NULL, err, sizeof err);
    CHECK(rl != NULL);
    /* load errors name the script */
    CHECK(detect_lua_parse("nomatch.lua", NULL, err, sizeof err) == NULL);
    CHECK(strstr(err, "no match function") != NULL);
    CHECK(detect_lua_parse("missing.lua", NULL, err, sizeof err) == NULL);
    CHECK(strstr(err, "missing.lua") != NULL && strstr(err, "No such file") != NULL);
    CHECK(detect_lua_parse("", NULL, err, sizeof err) == NULL);
    /* a script registering more flowints than Suricata allows fails to load */
    CHECK(detect_lua_parse("fi.lua", NULL, err, sizeof err) == NULL);
    CHECK(strstr(err, "too many flowints registered") != NULL);
    struct detect_lua *b64 = detect_lua_parse("b64.lua", NULL, err, sizeof err);
    CHECK(b64 != NULL);

    struct packet p = {0};
    p.proto = 6;
    p.ip_version = 4;
    p.src_port = 1234;
    p.payload = (const uint8_t *)"some evil bytes";
    p.payload_len = 15;
    struct rule r = {.sid = 7, .msg = "hi"};
    struct detect_lua_ctx c = {.p = &p, .rule = &r};
    struct detect_lua_worker *w = NULL;
    if (m && neg && loop && rl) {
        CHECK_EQ_INT(detect_lua_match(&w, m, &c), 1);
        CHECK_EQ_INT(detect_lua_match(&w, neg, &c), 0);
        CHECK_EQ_INT(detect_lua_match(&w, rl, &c), 1);
        if (b64)
            CHECK_EQ_INT(detect_lua_match(&w, b64, &c), 1);
        p.payload = (const uint8_t *)"harmless bytes!";
        CHECK_EQ_INT(detect_lua_match(&w, m, &c), 0);
        CHECK_EQ_INT(detect_lua_match(&w, neg, &c), 1);
        /* a script that never ends: no match, counted, the next call runs */
        CHECK_EQ_INT(detect_lua_match(&w, loop, &c), 0);
        CHECK_EQ_INT(detect_lua_match(&w, loop, &c), 0);
        struct detect_lua_stats st = detect_lua_worker_stats(w);
        CHECK_EQ_INT((int)st.errors, 2);
        CHECK_EQ_INT((int)st.instruction_limit_errors, 2);
        CHECK_EQ_INT(detect_lua_match(&w, m, &c), 0);
        r.sid = 8;
        CHECK_EQ_INT(detect_lua_match(&w, rl, &c), 0);
    }
    detect_lua_worker_free(w);
    detect_lua_free(m);
    detect_lua_free(neg);
    detect_lua_free(loop);
    detect_lua_free(rl);
    detect_lua_free(b64);
    /* security.lua.allow-rules: false refuses Lua rules */
    config_set(cfg, "security.lua.allow-rules", "false");
    detect_lua_configure(cfg);
    CHECK(detect_lua_parse("m.lua", NULL, err, sizeof err) == NULL);
    CHECK(strstr(err, "allow-rules") != NULL);
    config_free(cfg);
    const char *names[] = {"m.lua", "loop.lua", "nomatch.lua", "rule.lua", "fi.lua", "b64.lua"};
    for (size_t i = 0; i < 6; i++) {
        char path[512];
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        unlink(path);
    }
    rmdir(dir);
}
#endif

int main(void)
{
#ifdef VIGIL_HAVE_LUA
    test_sandbox();
    test_keyword();
#else
    char err[128];
    CHECK(detect_lua_parse("x.lua", NULL, err, sizeof err) == NULL);
#endif
    TEST_MAIN_END();
}
