/* SPDX-License-Identifier: Apache-2.0 */
/* The lua rule keyword: see detect_lua.h. Library modules for scripts are
 * in detect_lua_lib.c. */
#include "detect/detect_lua.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/config.h"
#include "util/log.h"

static struct {
    char rule_dir[4096];
    bool allow_rules;
    bool allow_restricted;
    uint64_t max_bytes, max_instructions;
} lua_cfg = {.allow_rules = true, .max_bytes = 500000, .max_instructions = 500000};
static atomic_bool lua_used;

void detect_lua_configure(const struct config *cfg)
{
    const char *dir = config_get(cfg, "default-rule-path");
    snprintf(lua_cfg.rule_dir, sizeof lua_cfg.rule_dir, "%s", dir ? dir : "");
    /* Suricata 8 allows Lua rules unless told not to (they run sandboxed). */
    lua_cfg.allow_rules = config_get_bool(cfg, "security.lua.allow-rules", true);
    lua_cfg.allow_restricted =
        config_get_bool(cfg, "security.lua.allow-restricted-functions", false);
    uint64_t v;
    if (config_get_size(cfg, "security.lua.max-bytes", &v) == 0)
        lua_cfg.max_bytes = v;
    if (config_get_size(cfg, "security.lua.max-instructions", &v) == 0)
        lua_cfg.max_instructions = v;
}

bool detect_lua_in_use(void)
{
    return atomic_load(&lua_used);
}

struct detect_lua_stats detect_lua_worker_stats(const struct detect_lua_worker *w);

#ifndef VIGIL_HAVE_LUA

struct detect_lua *detect_lua_parse(const char *value, const char *buffer, char *err,
                                    size_t errlen)
{
    (void)value;
    (void)buffer;
    snprintf(err, errlen, "no Lua support built in, needed for the lua keyword");
    return NULL;
}
void detect_lua_free(struct detect_lua *kw)
{
    (void)kw;
}
int detect_lua_buffer(const struct detect_lua *kw)
{
    (void)kw;
    return -1;
}
int detect_lua_register_flowint(struct detect_lua *kw, const char *name)
{
    (void)kw;
    (void)name;
    return -ENOSPC;
}
const char *detect_lua_flowint_name(const struct detect_lua *kw, unsigned i)
{
    (void)kw;
    (void)i;
    return NULL;
}
int detect_lua_match(struct detect_lua_worker **w, const struct detect_lua *kw,
                     const struct detect_lua_ctx *ctx)
{
    (void)w;
    (void)kw;
    (void)ctx;
    return 0;
}
void detect_lua_worker_free(struct detect_lua_worker *w)
{
    (void)w;
}
struct detect_lua_stats detect_lua_worker_stats(const struct detect_lua_worker *w)
{
    (void)w;
    return (struct detect_lua_stats){0};
}
void detect_lua_worker_carry_over(struct detect_lua_worker **to, const struct detect_lua_worker *from)
{
    (void)to;
    (void)from;
}

#else

#include <lauxlib.h>
#include <lua.h>

#include "app/app_buffer.h"
#include "detect/detect_lua_lib.h"
#include "decode/packet.h"
#include "util/lua_sandbox.h"

#define LUA_SCRIPT_MAX (1u << 20)

#define NEED_PAYLOAD (1u << 0)
#define NEED_PACKET (1u << 1)
#define NEED_BUFFER (1u << 2)

struct detect_lua {
    char *path;   /* for messages */
    char *name;   /* Lua's chunk name: "@" and the script as the rule names it
                   * (messages say "script.lua:LINE:") */
    char *script; /* the file's text */
    size_t script_len;
    bool negated;
    uint32_t needs;
    char *buffer_name; /* the key of args the buffer goes in */
    int app_buffer;    /* enum app_buffer of the needed/sticky buffer, -1 none */
    char *flowints[DETECT_LUA_MAX_FLOWINTS]; /* registered by init(), owned */
    unsigned nflowints;
};

int detect_lua_register_flowint(struct detect_lua *kw, const char *name)
{
    for (unsigned i = 0; i < kw->nflowints; i++)
        if (!strcmp(kw->flowints[i], name))
            return 0;
    if (kw->nflowints >= DETECT_LUA_MAX_FLOWINTS)
        return -ENOSPC;
    kw->flowints[kw->nflowints] = strdup(name);
    if (!kw->flowints[kw->nflowints])
        return -ENOMEM;
    kw->nflowints++;
    return 0;
}

const char *detect_lua_flowint_name(const struct detect_lua *kw, unsigned i)
{
    return i < kw->nflowints ? kw->flowints[i] : NULL;
}

struct lua_state_entry {
    const struct detect_lua *kw;
    struct lua_sandbox *sb; /* NULL: the script failed to start in this worker */
    bool logged;
};

struct detect_lua_worker {
    struct lua_state_entry *e;
    uint32_t n, cap;
    struct detect_lua_stats stats;
};

/* A name from init's needs that is an application-layer buffer; Suricata's
 * older names are mapped to the buffers vigil has. */
static int needs_app_buffer(const char *name)
{
    static const struct {
        const char *need;
        enum app_buffer b;
    } alias[] = {
        {"http.request_headers", APP_BUFFER_HTTP_HEADER},
        {"http.request_headers.raw", APP_BUFFER_HTTP_HEADER_RAW},
        {"http.response_headers", APP_BUFFER_HTTP_HEADER},
        {"http.response_headers.raw", APP_BUFFER_HTTP_RESPONSE_HEADER_RAW},
        {"http.request_cookie", APP_BUFFER_HTTP_COOKIE},
        {"http.response_cookie", APP_BUFFER_HTTP_COOKIE},
        {"http.request_user_agent", APP_BUFFER_HTTP_USER_AGENT},
        {"dns.rrname", APP_BUFFER_DNS_QUERY},
        {"dns.request", APP_BUFFER_DNS_QUERY},
    };
    for (size_t i = 0; i < sizeof alias / sizeof alias[0]; i++)
        if (!strcmp(name, alias[i].need))
            return (int)alias[i].b;
    return app_buffer_from_name(name);
}

static void register_modules(struct lua_sandbox *sb)
{
    detect_lua_lib_register(sb);
}

static struct lua_sandbox *new_state(void)
{
    struct lua_sandbox *sb = lua_sandbox_new((size_t)lua_cfg.max_bytes, lua_cfg.max_instructions,
                                             lua_cfg.allow_restricted);
    if (sb)
        register_modules(sb);
    return sb;
}

/* Reads the script (at most LUA_SCRIPT_MAX bytes). */
static char *read_script(const char *path, size_t *len, char *err, size_t errlen)
{
    FILE *fp = fopen(path, "rb");
    if (!fp) {
        snprintf(err, errlen, "couldn't load file: cannot open %s: %s", path, strerror(errno));
        return NULL;
    }
    char *buf = malloc(LUA_SCRIPT_MAX + 1);
    size_t n = buf ? fread(buf, 1, LUA_SCRIPT_MAX + 1, fp) : 0;
    bool bad = ferror(fp);
    fclose(fp);
    if (!buf || bad || n > LUA_SCRIPT_MAX) {
        snprintf(err, errlen, "couldn't load file %s: %s", path,
                 !buf ? "out of memory" : bad ? "read error" : "larger than 1 MiB");
        free(buf);
        return NULL;
    }
    buf[n] = 0;
    *len = n;
    return buf;
}

/* Runs init(args) in a temporary state: the script must load, define
 * match, and its needs must be known. */
static int probe_script(struct detect_lua *kw, char *err, size_t errlen)
{
    struct lua_sandbox *sb = new_state();
    if (!sb) {
        snprintf(err, errlen, "%s: cannot create a Lua state (security.lua.max-bytes too small?)",
                 kw->path);
        return -1;
    }
    char msg[512];
    int rc = -1;
    struct detect_lua_ctx none = {.loading = kw};
    sb->user = &none;
    if (lua_sandbox_load(sb, kw->name, kw->script, kw->script_len, msg, sizeof msg) != 0) {
        snprintf(err, errlen, "couldn't load file %s: %s", kw->path, msg);
        goto out;
    }
    lua_State *L = sb->L;
    if (lua_getglobal(L, "match") != LUA_TFUNCTION) {
        snprintf(err, errlen, "%s: no match function in script", kw->path);
        goto out;
    }
    lua_pop(L, 1);
    if (lua_getglobal(L, "init") != LUA_TFUNCTION) {
        snprintf(err, errlen, "%s: no init function in script", kw->path);
        goto out;
    }
    lua_newtable(L);
    if (lua_sandbox_call(sb, 1, 1, msg, sizeof msg) != 0) {
        snprintf(err, errlen, "%s: init failed: %s", kw->path, msg);
        goto out;
    }
    if (lua_type(L, -1) == LUA_TTABLE) {
        lua_pushnil(L);
        while (lua_next(L, -2)) {
            if (lua_type(L, -2) == LUA_TSTRING) {
                const char *k = lua_tostring(L, -2);
                int b;
                if (!strcmp(k, "payload"))
                    kw->needs |= NEED_PAYLOAD;
                else if (!strcmp(k, "packet"))
                    kw->needs |= NEED_PACKET;
                else if (!strcmp(k, "buffer"))
                    kw->needs |= NEED_BUFFER;
                else if ((b = needs_app_buffer(k)) >= 0 && !kw->buffer_name) {
                    kw->needs |= NEED_BUFFER;
                    kw->app_buffer = b;
                    kw->buffer_name = strdup(k);
                    if (!kw->buffer_name) {
                        snprintf(err, errlen, "out of memory");
                        lua_pop(L, 2);
                        goto out;
                    }
                }
            }
            lua_pop(L, 1);
        }
    }
    lua_pop(L, 1);
    rc = 0;
out:
    lua_sandbox_free(sb);
    return rc;
}

struct detect_lua *detect_lua_parse(const char *value, const char *buffer, char *err,
                                    size_t errlen)
{
    while (*value == ' ')
        value++;
    bool negated = *value == '!';
    if (negated)
        value++;
    while (*value == ' ')
        value++;
    size_t n = strlen(value);
    while (n && value[n - 1] == ' ')
        n--;
    if (!n) {
        snprintf(err, errlen, "lua: a script file name is required");
        return NULL;
    }
    if (!lua_cfg.allow_rules) {
        snprintf(err, errlen,
                 "lua rules are disabled by security configuration: security.lua.allow-rules");
        return NULL;
    }
    struct detect_lua *kw = calloc(1, sizeof *kw);
    if (!kw) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    kw->negated = negated;
    kw->app_buffer = -1;
    size_t plen = n + strlen(lua_cfg.rule_dir) + 2;
    kw->path = malloc(plen);
    kw->name = malloc(plen + 1);
    if (!kw->name || !kw->path) {
        snprintf(err, errlen, "out of memory");
        goto fail;
    }
    if (value[0] == '/' || !lua_cfg.rule_dir[0])
        snprintf(kw->path, plen, "%.*s", (int)n, value);
    else
        snprintf(kw->path, plen, "%s/%.*s", lua_cfg.rule_dir, (int)n, value);
    snprintf(kw->name, plen + 1, "@%.*s", (int)n, value);
    kw->script = read_script(kw->path, &kw->script_len, err, errlen);
    if (!kw->script)
        goto fail;
    if (buffer) {
        kw->app_buffer = app_buffer_from_name(buffer);
        kw->buffer_name = strdup(buffer);
        if (!kw->buffer_name) {
            snprintf(err, errlen, "out of memory");
            goto fail;
        }
    }
    if (probe_script(kw, err, errlen) != 0)
        goto fail;
    atomic_store(&lua_used, true);
    return kw;
fail:
    detect_lua_free(kw);
    return NULL;
}

void detect_lua_free(struct detect_lua *kw)
{
    if (!kw)
        return;
    free(kw->path);
    free(kw->name);
    free(kw->script);
    free(kw->buffer_name);
    for (unsigned i = 0; i < kw->nflowints; i++)
        free(kw->flowints[i]);
    free(kw);
}

int detect_lua_buffer(const struct detect_lua *kw)
{
    return kw->app_buffer;
}

static void count_error(struct detect_lua_worker *w, struct lua_state_entry *e, const char *msg)
{
    w->stats.errors++;
    if (e->sb && e->sb->blocked_error)
        w->stats.blocked_function_errors++;
    if (e->sb && e->sb->instruction_error)
        w->stats.instruction_limit_errors++;
    if (e->sb && e->sb->memory_error)
        w->stats.memory_limit_errors++;
    if (!e->logged) {
        e->logged = true;
        log_warning("Lua script failed to run successfully: %s", msg);
    }
}

static struct lua_state_entry *worker_entry(struct detect_lua_worker *w,
                                            const struct detect_lua *kw)
{
    for (uint32_t i = 0; i < w->n; i++)
        if (w->e[i].kw == kw)
            return &w->e[i];
    if (w->n == w->cap) {
        uint32_t cap = w->cap ? w->cap * 2 : 8;
        void *n = realloc(w->e, cap * sizeof *w->e);
        if (!n)
            return NULL;
        w->e = n;
        w->cap = cap;
    }
    struct lua_state_entry *e = &w->e[w->n++];
    *e = (struct lua_state_entry){.kw = kw};
    e->sb = new_state();
    char msg[512];
    if (!e->sb) {
        count_error(w, e, "cannot create a Lua state");
        return e;
    }
    struct detect_lua_ctx none = {0};
    e->sb->user = &none;
    if (lua_sandbox_load(e->sb, kw->name, kw->script, kw->script_len, msg, sizeof msg) != 0) {
        count_error(w, e, msg);
        lua_sandbox_free(e->sb);
        e->sb = NULL;
        return e;
    }
    if (lua_getglobal(e->sb->L, "thread_init") == LUA_TFUNCTION) {
        if (lua_sandbox_call(e->sb, 0, 0, msg, sizeof msg) != 0)
            count_error(w, e, msg);
    } else {
        lua_pop(e->sb->L, 1);
    }
    return e;
}

int detect_lua_match(struct detect_lua_worker **wp, const struct detect_lua *kw,
                     const struct detect_lua_ctx *ctx)
{
    if (!*wp) {
        *wp = calloc(1, sizeof **wp);
        if (!*wp)
            return 0;
    }
    struct detect_lua_worker *w = *wp;
    const struct packet *p = ctx->p;
    if ((kw->needs & NEED_PAYLOAD) && (!p || !p->payload_len))
        return 0;
    if ((kw->needs & NEED_BUFFER) && !ctx->buffer_len)
        return 0;
    struct lua_state_entry *e = worker_entry(w, kw);
    if (!e || !e->sb) {
        if (e)
            w->stats.errors++;
        return 0;
    }
    lua_State *L = e->sb->L;
    e->sb->user = (void *)ctx;
    lua_settop(L, 0);
    if (lua_getglobal(L, "match") != LUA_TFUNCTION) {
        lua_settop(L, 0);
        count_error(w, e, "no match function");
        return 0;
    }
    lua_newtable(L);
    if ((kw->needs & NEED_PAYLOAD) && p) {
        lua_pushlstring(L, (const char *)p->payload, p->payload_len);
        lua_setfield(L, -2, "payload");
    }
    if ((kw->needs & NEED_PACKET) && p && p->data) {
        lua_pushlstring(L, (const char *)p->data, p->caplen);
        lua_setfield(L, -2, "packet");
    }
    if ((kw->needs & NEED_BUFFER) && ctx->buffer) {
        lua_pushlstring(L, (const char *)ctx->buffer, ctx->buffer_len);
        lua_setfield(L, -2, kw->buffer_name ? kw->buffer_name : "buffer");
        lua_pushlstring(L, (const char *)ctx->buffer, ctx->buffer_len);
        lua_setfield(L, -2, "buffer");
        lua_pushinteger(L, 1);
        lua_setfield(L, -2, "offset");
    }
    char msg[512];
    int matched = 0;
    if (lua_sandbox_call(e->sb, 1, 1, msg, sizeof msg) != 0) {
        count_error(w, e, msg);
        lua_settop(L, 0);
        e->sb->user = NULL;
        return 0;
    }
    if (lua_type(L, -1) == LUA_TNUMBER)
        matched = lua_tonumber(L, -1) == 1.0;
    else if (lua_type(L, -1) == LUA_TBOOLEAN)
        matched = lua_toboolean(L, -1);
    else if (lua_type(L, -1) == LUA_TTABLE) {
        lua_getfield(L, -1, "retval");
        matched = lua_tonumber(L, -1) == 1.0;
        lua_pop(L, 1);
    }
    lua_settop(L, 0);
    e->sb->user = NULL;
    return kw->negated ? !matched : matched;
}

void detect_lua_worker_free(struct detect_lua_worker *w)
{
    if (!w)
        return;
    for (uint32_t i = 0; i < w->n; i++)
        lua_sandbox_free(w->e[i].sb);
    free(w->e);
    free(w);
}

struct detect_lua_stats detect_lua_worker_stats(const struct detect_lua_worker *w)
{
    return w ? w->stats : (struct detect_lua_stats){0};
}

void detect_lua_worker_carry_over(struct detect_lua_worker **to, const struct detect_lua_worker *from)
{
    if (!from)
        return;
    if (!*to)
        *to = calloc(1, sizeof **to);
    if (!*to)
        return;
    (*to)->stats.errors += from->stats.errors;
    (*to)->stats.blocked_function_errors += from->stats.blocked_function_errors;
    (*to)->stats.instruction_limit_errors += from->stats.instruction_limit_errors;
    (*to)->stats.memory_limit_errors += from->stats.memory_limit_errors;
}

#endif /* VIGIL_HAVE_LUA */
