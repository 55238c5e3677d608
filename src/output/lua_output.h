/* SPDX-License-Identifier: Apache-2.0 */
/* Lua output scripts (Suricata's `outputs: - lua: {scripts-dir, scripts}`):
 * each script's init(args) returns what it logs (needs.protocol = "http",
 * "dns", ... for transactions; needs.type = "packet" with needs.filter =
 * "alerts" for alerts; needs.type = "flow" for ended flows); setup() runs
 * once at start, log() per event with the event's packet, flow,
 * transaction and rule reachable through the suricata.* modules, deinit()
 * at the end. Output scripts are the operator's own configuration, so they
 * run with Lua's whole standard library (io for their files), with
 * suricata.config.log_path(). A script is shared by the workers: its calls
 * are serialised by a lock of its own. Without Lua (VIGIL_HAVE_LUA) a
 * configured lua output is reported and ignored. */
#ifndef VIGIL_OUTPUT_LUA_OUTPUT_H
#define VIGIL_OUTPUT_LUA_OUTPUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct config;
struct packet;
struct flow;
struct app_tx;
struct rule;
struct rule_set;
struct lua_output;

/* Loads the configured scripts and runs their init and setup. NULL when no
 * lua output is enabled, or on error (err filled: script and reason). */
struct lua_output *lua_output_open(const struct config *cfg, const char *log_dir, char *err,
                                   size_t errlen);
/* Runs deinit and frees. */
void lua_output_close(struct lua_output *lo);
/* Some script logs transactions (the application layer must hand them out). */
bool lua_output_wants_tx(const struct lua_output *lo);

/* A transaction side became complete (struct app_event_sink.tx_inspect). */
void lua_output_tx(struct lua_output *lo, const struct flow *f, const struct packet *p,
                   const struct app_tx *tx, uint8_t direction);
/* An alert of rule r on packet p. */
void lua_output_alert(struct lua_output *lo, const struct packet *p, const struct flow *f,
                      const struct rule *r, const struct rule_set *rs, const struct app_tx *tx);
/* A flow ended. */
void lua_output_flow(struct lua_output *lo, const struct flow *f);

#endif
