/* SPDX-License-Identifier: Apache-2.0 */
/* Lua output scripts: see lua_output.h. */
#include "output/lua_output.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/config.h"
#include "util/log.h"

#ifndef VIGIL_HAVE_LUA

struct lua_output *lua_output_open(const struct config *cfg, const char *log_dir, char *err,
                                   size_t errlen)
{
    (void)log_dir;
    (void)err;
    (void)errlen;
    const struct config_node *outs = cfg ? config_find(cfg, "outputs") : NULL;
    for (const struct config_node *n = outs ? config_node_first_child(outs) : NULL; n;
         n = config_node_next(n)) {
        const char *name = config_node_peek_value(n);
        if (name && !strcmp(name, "lua"))
            log_warning("outputs.lua: vigil was built without Lua: the lua output is ignored");
    }
    return NULL;
}
void lua_output_close(struct lua_output *lo)
{
    (void)lo;
}
bool lua_output_wants_tx(const struct lua_output *lo)
{
    (void)lo;
    return false;
}
void lua_output_tx(struct lua_output *lo, const struct flow *f, const struct packet *p,
                   const struct app_tx *tx, uint8_t direction)
{
    (void)lo, (void)f, (void)p, (void)tx, (void)direction;
}
void lua_output_alert(struct lua_output *lo, const struct packet *p, const struct flow *f,
                      const struct rule *r, const struct rule_set *rs, const struct app_tx *tx)
{
    (void)lo, (void)p, (void)f, (void)r, (void)rs, (void)tx;
}
void lua_output_flow(struct lua_output *lo, const struct flow *f)
{
    (void)lo, (void)f;
}

#else

#include <pthread.h>

#include <lauxlib.h>
#include <lua.h>

#include "app/app.h"
#include "decode/packet.h"
#include "detect/detect_lua.h"
#include "detect/detect_lua_lib.h"
#include "flow/flow.h"
#include "util/lua_sandbox.h"

enum lua_out_kind { LUA_OUT_TX, LUA_OUT_ALERT, LUA_OUT_PACKET, LUA_OUT_FLOW, LUA_OUT_NONE };

struct lua_out_script {
    char path[4096];
    struct lua_sandbox *sb;
    pthread_mutex_t lock;
    uint8_t kind;
    char protocol[32];
    bool failed_logged;
};

struct lua_output {
    struct lua_out_script *s;
    size_t n;
    char log_dir[4096];
};

static char lua_out_log_dir[4096];

/* suricata.config */
static int c_log_path(lua_State *L)
{
    lua_pushstring(L, lua_out_log_dir);
    return 1;
}

static int open_config(lua_State *L)
{
    static const luaL_Reg fns[] = {{"log_path", c_log_path}, {NULL, NULL}};
    luaL_newlib(L, fns);
    return 1;
}

/* Calls the global function `fn` with an args table, under the script's
 * lock; a missing optional function is fine. */
static void script_call(struct lua_out_script *s, const char *fn, const struct detect_lua_ctx *ctx)
{
    pthread_mutex_lock(&s->lock);
    lua_State *L = s->sb->L;
    s->sb->user = (void *)ctx;
    if (lua_getglobal(L, fn) == LUA_TFUNCTION) {
        lua_newtable(L);
        char err[512];
        if (lua_sandbox_call(s->sb, 1, 0, err, sizeof err) != 0 && !s->failed_logged) {
            s->failed_logged = true;
            log_warning("outputs.lua: %s: %s() failed: %s", s->path, fn, err);
        }
    }
    lua_settop(L, 0);
    s->sb->user = NULL;
    pthread_mutex_unlock(&s->lock);
}

static int script_load(struct lua_out_script *s, char *err, size_t errlen)
{
    FILE *fp = fopen(s->path, "rb");
    if (!fp) {
        snprintf(err, errlen, "outputs.lua: cannot open %s", s->path);
        return -1;
    }
    size_t cap = 1u << 20;
    char *text = malloc(cap + 1);
    size_t len = text ? fread(text, 1, cap + 1, fp) : 0;
    fclose(fp);
    if (!text || len > cap) {
        snprintf(err, errlen, "outputs.lua: %s: %s", s->path,
                 text ? "larger than 1 MiB" : "out of memory");
        free(text);
        return -1;
    }
    /* No limits: an output script is the operator's configuration. */
    s->sb = lua_sandbox_new(0, 0, true);
    if (!s->sb) {
        free(text);
        snprintf(err, errlen, "outputs.lua: %s: out of memory", s->path);
        return -1;
    }
    detect_lua_lib_register(s->sb);
    lua_sandbox_add_module(s->sb, "suricata.config", open_config);
    char chunk[4200], msg[512];
    snprintf(chunk, sizeof chunk, "@%s", s->path);
    struct detect_lua_ctx none = {0};
    s->sb->user = &none;
    int rc = lua_sandbox_load(s->sb, chunk, text, len, msg, sizeof msg);
    free(text);
    if (rc != 0) {
        snprintf(err, errlen, "outputs.lua: %s", msg);
        return -1;
    }
    lua_State *L = s->sb->L;
    if (lua_getglobal(L, "init") != LUA_TFUNCTION || lua_getglobal(L, "log") != LUA_TFUNCTION) {
        snprintf(err, errlen, "outputs.lua: %s: init and log functions are required", s->path);
        return -1;
    }
    lua_pop(L, 1);
    lua_newtable(L);
    if (lua_sandbox_call(s->sb, 1, 1, msg, sizeof msg) != 0) {
        snprintf(err, errlen, "outputs.lua: %s: init() failed: %s", s->path, msg);
        return -1;
    }
    s->kind = LUA_OUT_NONE;
    if (lua_type(L, -1) == LUA_TTABLE) {
        lua_getfield(L, -1, "protocol");
        lua_getfield(L, -2, "type");
        lua_getfield(L, -3, "filter");
        const char *proto = lua_tostring(L, -3), *type = lua_tostring(L, -2),
                   *filter = lua_tostring(L, -1);
        if (proto) {
            s->kind = LUA_OUT_TX;
            snprintf(s->protocol, sizeof s->protocol, "%s", proto);
        } else if (type && !strcmp(type, "flow")) {
            s->kind = LUA_OUT_FLOW;
        } else if (type && !strcmp(type, "packet")) {
            s->kind = filter && !strcmp(filter, "alerts") ? LUA_OUT_ALERT : LUA_OUT_PACKET;
        }
        lua_pop(L, 3);
    }
    lua_settop(L, 0);
    if (s->kind == LUA_OUT_NONE || s->kind == LUA_OUT_PACKET)
        log_warning("outputs.lua: %s: this kind of script (needs) is not supported by vigil: "
                    "its log() is never called",
                    s->path);
    script_call(s, "setup", &none);
    return 0;
}

struct lua_output *lua_output_open(const struct config *cfg, const char *log_dir, char *err,
                                   size_t errlen)
{
    const struct config_node *outs = cfg ? config_find(cfg, "outputs") : NULL;
    const struct config_node *body = NULL;
    for (const struct config_node *n = outs ? config_node_first_child(outs) : NULL; n;
         n = config_node_next(n)) {
        const char *name = config_node_peek_value(n);
        if (name && !strcmp(name, "lua")) {
            config_node_value(n);
            body = config_node_child(n, name);
            break;
        }
    }
    if (!body)
        return NULL;
    const struct config_node *en = config_node_child(body, "enabled");
    bool on = true;
    if (en && config_node_value(en))
        config_parse_bool(config_node_value(en), &on);
    if (!on)
        return NULL;
    const struct config_node *dirn = config_node_child(body, "scripts-dir");
    const char *dir = dirn ? config_node_value(dirn) : NULL;
    const struct config_node *list = config_node_child(body, "scripts");
    size_t count = list ? config_node_child_count(list) : 0;
    if (!count)
        return NULL;
    struct lua_output *lo = calloc(1, sizeof *lo);
    struct lua_out_script *s = calloc(count, sizeof *s);
    if (!lo || !s) {
        free(lo);
        free(s);
        snprintf(err, errlen, "outputs.lua: out of memory");
        return NULL;
    }
    lo->s = s;
    snprintf(lua_out_log_dir, sizeof lua_out_log_dir, "%s", log_dir ? log_dir : ".");
    for (const struct config_node *c = config_node_first_child(list); c; c = config_node_next(c)) {
        const char *name = config_node_value(c);
        if (!name || !*name)
            continue;
        struct lua_out_script *sc = &s[lo->n++];
        pthread_mutex_init(&sc->lock, NULL);
        if (name[0] == '/' || !dir || !*dir)
            snprintf(sc->path, sizeof sc->path, "%s", name);
        else
            snprintf(sc->path, sizeof sc->path, "%s/%s", dir, name);
        if (script_load(sc, err, errlen) != 0) {
            lua_output_close(lo);
            return NULL;
        }
    }
    return lo;
}

void lua_output_close(struct lua_output *lo)
{
    if (!lo)
        return;
    struct detect_lua_ctx none = {0};
    for (size_t i = 0; i < lo->n; i++) {
        if (lo->s[i].sb) {
            script_call(&lo->s[i], "deinit", &none);
            lua_sandbox_free(lo->s[i].sb);
        }
        pthread_mutex_destroy(&lo->s[i].lock);
    }
    free(lo->s);
    free(lo);
}

bool lua_output_wants_tx(const struct lua_output *lo)
{
    for (size_t i = 0; lo && i < lo->n; i++)
        if (lo->s[i].kind == LUA_OUT_TX)
            return true;
    return false;
}

/* "http" names HTTP/1 (vigil's "http"); other names are the protocol's. */
static bool proto_matches(const char *want, const struct flow *f)
{
    const char *name = f ? app_proto_name(f->app_proto) : NULL;
    if (!name)
        return false;
    return !strcmp(want, name) || (!strcmp(want, "http1") && !strcmp(name, "http"));
}

void lua_output_tx(struct lua_output *lo, const struct flow *f, const struct packet *p,
                   const struct app_tx *tx, uint8_t direction)
{
    /* Once per transaction: when its own side (one-sided ones) or the
     * response side completes. */
    int own = app_tx_direction(tx);
    if (own >= 0 ? direction != own : direction != 1)
        return;
    for (size_t i = 0; i < lo->n; i++) {
        struct lua_out_script *s = &lo->s[i];
        if (s->kind != LUA_OUT_TX || !proto_matches(s->protocol, f))
            continue;
        struct detect_lua_ctx c = {.p = p, .f = f, .tx = tx, .direction = direction};
        script_call(s, "log", &c);
    }
}

void lua_output_alert(struct lua_output *lo, const struct packet *p, const struct flow *f,
                      const struct rule *r, const struct rule_set *rs, const struct app_tx *tx)
{
    for (size_t i = 0; i < lo->n; i++) {
        struct lua_out_script *s = &lo->s[i];
        if (s->kind != LUA_OUT_ALERT)
            continue;
        struct detect_lua_ctx c = {.p = p, .f = f, .tx = tx, .rule = r, .rs = rs,
                                   .direction = p ? p->flow_direction : 0};
        script_call(s, "log", &c);
    }
}

void lua_output_flow(struct lua_output *lo, const struct flow *f)
{
    for (size_t i = 0; i < lo->n; i++) {
        struct lua_out_script *s = &lo->s[i];
        if (s->kind != LUA_OUT_FLOW)
            continue;
        struct detect_lua_ctx c = {.f = f};
        script_call(s, "log", &c);
    }
}

#endif /* VIGIL_HAVE_LUA */
