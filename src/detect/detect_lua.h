/* SPDX-License-Identifier: Apache-2.0 */
/* The `lua:[!]script.lua;` rule keyword (alias `luajit`), as Suricata 8:
 * the script, found under default-rule-path, defines init(args) returning
 * the buffers it needs ("payload", "packet", "buffer", "http.request_line",
 * ...) and match(args) returning 1 on a match. Scripts run in the Lua
 * sandbox (util/lua_sandbox.h, limits from security.lua) with Suricata's
 * library modules (suricata.packet, .flow, .rule, .http, .dns, .log).
 * Rules with Lua load unless security.lua.allow-rules is false (Suricata 8
 * enables them by default).
 *
 * The script's text is read once at rule load (init runs then, in a
 * temporary state, so that a broken script is a load error naming it);
 * each worker compiles it into its own state on first use: no lock and no
 * file access on the packet path. A script error at match time is no match
 * (negated or not), a counter (stats detect.lua.*) and one log line per
 * worker and script. */
#ifndef VIGIL_DETECT_LUA_H
#define VIGIL_DETECT_LUA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct config;
struct packet;
struct flow;
struct app_tx;
struct rule;
struct rule_set;
struct detect_lua;
struct detect_lua_worker;
struct detect_thread_ctx;

/* Reads default-rule-path and security.lua (allow-rules, max-bytes,
 * max-instructions, allow-restricted-functions); before rules are parsed. */
void detect_lua_configure(const struct config *cfg);

/* Parses the keyword's value; `buffer` is the name of the sticky buffer the
 * keyword follows (NULL: none). NULL with err filled on failure (Lua not
 * built in, rules not allowed, file missing, script error, no match
 * function). Freed with detect_lua_free. */
struct detect_lua *detect_lua_parse(const char *value, const char *buffer, char *err,
                                    size_t errlen);
void detect_lua_free(struct detect_lua *kw);

/* What a script may see when it runs. */
struct detect_lua_ctx {
    const struct packet *p;
    const struct flow *f;
    const struct app_tx *tx; /* the transaction inspected, or NULL */
    uint8_t direction;       /* 0 to server, 1 to client */
    const struct rule *rule;
    const struct rule_set *rs;
    const uint8_t *buffer; /* the sticky buffer's data, when the script needs it */
    uint32_t buffer_len;
    /* byte_extract / byte_math values of the rule's inspection (suricata.bytevar) */
    const struct detect_thread_ctx *thread;
    /* the flow's flowints (suricata.flowint): get false when unset */
    void *flow_state;
    bool (*flowint_get)(void *flow_state, uint32_t id, int64_t *value);
    void (*flowint_put)(void *flow_state, uint32_t id, int64_t value);
    /* during rule load: the keyword whose init() runs (flowint.register) */
    struct detect_lua *loading;
};

/* flowint.register(name) in a script's init(): at most
 * DETECT_LUA_MAX_FLOWINTS per script; -ENOSPC past it. The rule parser
 * registers the names with the rule set (detect_lua_flowint_name). */
#define DETECT_LUA_MAX_FLOWINTS 15
int detect_lua_register_flowint(struct detect_lua *kw, const char *name);
const char *detect_lua_flowint_name(const struct detect_lua *kw, unsigned i);

/* The sticky buffer a keyword reads (app buffer id), -1 none. */
int detect_lua_buffer(const struct detect_lua *kw);

/* 1 match, 0 no match (errors included). Creates the worker's state for
 * the script on first use; *w is the worker's Lua context (created when
 * NULL, freed with detect_lua_worker_free). */
int detect_lua_match(struct detect_lua_worker **w, const struct detect_lua *kw,
                     const struct detect_lua_ctx *ctx);
void detect_lua_worker_free(struct detect_lua_worker *w);

struct detect_lua_stats {
    uint64_t errors, blocked_function_errors, instruction_limit_errors, memory_limit_errors;
};
/* Counters of a worker (zeros for NULL). */
struct detect_lua_stats detect_lua_worker_stats(const struct detect_lua_worker *w);
/* Adds `from`'s counters to `to` (rule reload keeps a worker's counters). */
void detect_lua_worker_carry_over(struct detect_lua_worker **to, const struct detect_lua_worker *from);
/* True once a rule with a Lua script was loaded (the stats show detect.lua). */
bool detect_lua_in_use(void);

#endif
