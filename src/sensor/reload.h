/* SPDX-License-Identifier: Apache-2.0 */
/* The detection engine of a running sensor, and its reload.
 *
 * The engine (a finalized rule set and the detect engine built from it) is
 * published in a swap slot (util/swap.h). Workers pick it up between two
 * packets (worker_sync in sensor_internal.h): the first packet after a
 * reload is inspected entirely by the new engine, the one before entirely by
 * the old one, none by both, and no packet waits for the build.
 *
 * A reload (SIGUSR2, or `reload-rules` / `ruleset-reload-nonblocking` on the
 * control socket) runs on its own low-priority thread: it loads the same
 * rule files and auxiliary files again into a rule set that takes over the
 * running set's unchanged rules and flowbit ids (rule_set_inherit), builds
 * the engine reusing every unchanged Hyperscan database
 * (detect/detect_hsdb.h: shared in memory, or from the on-disk cache), gives
 * each worker its per-thread context ready-made, publishes, waits until
 * every worker has passed a packet boundary, then frees the old engine (what
 * was shared stays). Memory during a reload is therefore the steady state
 * plus what changed.
 *
 * A reload fails - the running rules stay, the log and the socket answer say
 * why, `ruleset-failed-rules` lists the errors - when a rule file cannot be
 * read, when a file yields no rule but errors (a truncated or foreign file),
 * when rules fail and engine.init-failure-fatal is set, or when the engine
 * cannot be built. Single bad rules are skipped and reported, as Suricata
 * does.
 *
 * Per-flow detection state survives a reload: flowbits and flowints keep
 * their ids, transactions already decided for a rule (by gid:sid) are not
 * alerted again, thresholds count on by gid:sid; see flow_state_upgrade in
 * detect/detect_engine_packet.c. */
#ifndef VIGIL_SENSOR_RELOAD_H
#define VIGIL_SENSOR_RELOAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "detect/detect_engine.h"
#include "util/swap.h"

struct config;
struct rule_set;
struct detect_worker;

/* What rules are loaded from; kept (by pointer) for reloads. */
struct sensor_rules_source {
    const struct config *cfg;
    const char *const *rule_files; /* -S / -s */
    int rule_file_count;
    bool exclusive;                /* -S: only these files, not the configuration's */
    bool disabled;                 /* detection off: no engine, reloads refused */
    bool init_errors_fatal;        /* --init-errors-fatal: any rule that fails stops start-up
                                    * and fails a reload */
    bool test_config;              /* -T: rules are checked, no engine is built; an invalid
                                    * rule (one Suricata rejects too) fails */
    const char *config_path;       /* -c FILE: relative auxiliary paths, data-file lookup */
    const char *data_dir;          /* datasets' state files (sensor_data_dir) */
    bool ja3, ja4;                 /* TLS fingerprints computed: `requires: feature ja3` */
};

/* One published engine; immutable once published. */
struct sensor_engine {
    struct rule_set *rules;        /* NULL when no rule file is configured */
    struct detect_engine *engine;  /* NULL when rules is NULL */
    uint64_t generation;           /* 1 at start-up, +1 per successful reload */
    /* Per-worker contexts built by the reload thread, taken by each worker
     * (sensor_engine_take_worker) when it adopts the engine. */
    _Atomic(struct detect_worker *) *prepared;
    int nprepared;
};

/* Summary for the control socket, metrics and logs. */
struct sensor_engine_info {
    uint64_t generation;
    uint64_t loaded_wall_usec;     /* when the running engine was published */
    uint32_t rules_loaded, rules_failed, rules_reused;
    struct detect_engine_stats engine;
    double load_seconds;           /* parse + build of the running engine */
    uint64_t reloads, reloads_failed;
    uint64_t last_attempt_wall_usec;
    bool last_attempt_ok;
    char last_message[512];        /* of the last load attempt */
};

/* Start-up: configures the compiled-database cache from cfg
 * (detect.sgh-mpm-caching, -path, -max-age), loads the rules and builds the
 * first engine (compiling on every CPU). Returns 0, 1 (runtime failure) or 2
 * (a rule file named on the command line cannot be read), with err set. */
int sensor_engine_init(const struct sensor_rules_source *src, char *err, size_t errlen);
/* The running engine (never NULL after sensor_engine_init). From workers use
 * worker_sync; from other threads this is only valid while no reload can
 * finish (start-up, shutdown, or under sensor_engine_lock). */
const struct sensor_engine *sensor_engine_current(void);
void sensor_engine_lock(void);
void sensor_engine_unlock(void);

struct swap_domain *sensor_swap_domain(void);
struct swap_slot *sensor_engine_slot(void);
/* A worker's context for engine e, or NULL if none was prepared (then the
 * worker builds one). Ownership passes to the caller. */
struct detect_worker *sensor_engine_take_worker(const struct sensor_engine *e, int worker_id);

/* Starts the reload thread; nworkers contexts are prepared per reload. */
int sensor_reload_start(int nworkers);
/* Asks for a reload and returns at once (SIGUSR2; requests made while one
 * runs are merged into one more run). Returns a ticket for
 * sensor_reload_wait, 0 if reloading is not possible (detection off). */
uint64_t sensor_reload_rules(void);
/* The same, from a signal handler (async-signal-safe; no ticket). The
 * reload thread installs it for SIGUSR2 itself. */
void sensor_reload_rules_signal(void);
/* Waits for the reload of ticket to finish: true if it succeeded; msg gets
 * the result ("done" or why it failed). */
bool sensor_reload_wait(uint64_t ticket, char *msg, size_t msglen);
/* Asynchronous completion: fn(ok, msg, user) is called from the reload
 * thread once the reload of ticket finished (or at once if it has). */
void sensor_reload_notify(uint64_t ticket, void (*fn)(bool ok, const char *msg, void *user),
                          void *user);
/* Stops the reload thread (a reload in progress completes or is abandoned
 * before publishing) and frees the running engine. Call after the workers
 * are gone. */
void sensor_engine_shutdown(void);

void sensor_engine_get_info(struct sensor_engine_info *out);
/* The errors of the last load attempt, as Suricata's ruleset-failed-rules
 * answer: [{"tenant_id":0,"rule":...,"filename":...,"line":N,"error":...}]. */
json_t *sensor_engine_failed_rules(void);

#endif
