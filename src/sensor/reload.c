/* SPDX-License-Identifier: Apache-2.0 */
/* The running sensor's detection engine: start-up load, reload thread,
 * swap, reclamation. See reload.h. */
#include "detect/detect_lua.h"
#include "sensor/reload.h"

#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <malloc.h>
#include <poll.h>
#include <signal.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "app/app.h"
#include "detect/detect_dataset.h"
#include "detect/detect_engine_packet.h"
#include "detect/detect_hsdb.h"
#include "detect/rule_set.h"
#include "sensor/sensor_internal.h"
#include "util/config.h"
#include "util/log.h"
#include "util/paths.h"

#define DEFAULT_CACHE_PATH "/var/lib/vigil/cache/sgh"
#define DEFAULT_CACHE_MAX_AGE (7u * 86400u)
#define MAX_FAILURES_KEPT 1000
#define MAX_FAILURES_LOGGED 20
#define RESULTS_KEPT 8

struct reload_result {
    uint64_t covers; /* tickets up to this one */
    bool ok;
    char msg[512];
};

struct notify {
    uint64_t ticket;
    void (*fn)(bool ok, const char *msg, void *user);
    void *user;
    struct notify *next;
};

static struct {
    struct sensor_rules_source src;
    struct swap_domain domain;
    struct swap_slot slot;
    const struct sensor_engine *current;
    uint64_t next_generation;

    pthread_mutex_t lock; /* everything below */
    pthread_cond_t cond;
    pthread_t thread;
    bool thread_running, stop;
    int wake[2]; /* to the reload thread: 'R' request, 'S' from a signal, 'Q' stop */
    int nworkers;
    uint64_t requested, started, completed;
    struct reload_result results[RESULTS_KEPT];
    unsigned nresults;
    struct notify *notifies;
    struct sensor_engine_info info;
    json_t *failures; /* of the last load attempt */
} R = {.lock = PTHREAD_MUTEX_INITIALIZER, .cond = PTHREAD_COND_INITIALIZER, .wake = {-1, -1}};

static void install_sigusr2(void);

static uint64_t wall_usec(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static double mono_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---- loading ---- */

/* One load attempt: what it found wrong. */
struct load_report {
    json_t *failures;
    uint32_t nfailures;
    bool at_start;
    uint32_t logged;
};

static void add_failure(struct load_report *lr, const char *file, uint32_t line, const char *text,
                        const char *error)
{
    if (lr->failures && lr->nfailures < MAX_FAILURES_KEPT) {
        json_t *o = json_pack("{s:i,s:s,s:s,s:I,s:s}", "tenant_id", 0, "rule", text ? text : "",
                              "filename", file ? file : "", "line", (json_int_t)line, "error",
                              error ? error : "");
        if (o)
            json_array_append_new(lr->failures, o);
    }
    lr->nfailures++;
    /* At start-up the loader prints every failure itself; a reload logs
     * the first ones. */
    if (!lr->at_start && lr->logged < MAX_FAILURES_LOGGED) {
        lr->logged++;
        if (line)
            log_warning("rule reload: %s:%u: %s", file ? file : "?", line, error ? error : "");
        else
            log_warning("rule reload: %s: %s", file ? file : "?", error ? error : "");
    }
}

static void on_rule_failure(void *ctx, const char *file, uint32_t line, const char *text,
                            const struct rule_error *e)
{
    char msg[700];
    if (e->sid && e->keyword[0])
        snprintf(msg, sizeof msg, "sid %u: keyword '%s': %s", e->sid, e->keyword, e->message);
    else if (e->sid)
        snprintf(msg, sizeof msg, "sid %u: %s", e->sid, e->message);
    else if (e->keyword[0])
        snprintf(msg, sizeof msg, "keyword '%s': %s", e->keyword, e->message);
    else
        snprintf(msg, sizeof msg, "%s", e->message);
    add_failure(ctx, file, line, text, msg);
}

/* An auxiliary file: the configuration's key if set (a missing file is a
 * warning, as in Suricata), else the first of the usual places
 * (util/paths.h), so alerts get their severity even without -c. */
static void load_aux_file(const struct sensor_rules_source *src, struct rule_set *rs,
                          const char *key, const char *default_name, struct load_report *lr)
{
    const char *value = config_get(src->cfg, key);
    char path[4096];
    if (value && *value) {
        vigil_config_relative_path(value, src->config_path, path, sizeof path);
        if (access(path, R_OK) != 0) {
            log_warning("%s: %s: cannot read: %s", key, path, strerror(errno));
            return;
        }
    } else if (!default_name ||
               !vigil_find_data_file(default_name, src->config_path, path, sizeof path)) {
        if (!default_name)
            return;
        if (lr->at_start && strcmp(key, "threshold-file") != 0)
            log_warning("%s: no %s found (looked in %s, next to the configuration file and in "
                        "%s): alerts get severity 3",
                        key, default_name, vigil_config_dir(), vigil_source_etc_dir());
        return;
    }
    char err[512] = "";
    int rc = 0;
    if (strcmp(key, "classification-file") == 0)
        rc = rule_set_load_classification(rs, path, err, sizeof err);
    else if (strcmp(key, "reference-config-file") == 0)
        rc = rule_set_load_reference_config(rs, path, err, sizeof err);
    else if (strcmp(key, "snort-lua-file") == 0)
        rc = rule_set_load_snort_lua(rs, path, lr->at_start ? stderr : NULL) < 0 ? -1 : 0;
    else
        rc = rule_set_load_threshold_config(rs, path, lr->at_start ? stderr : NULL) < 0 ? -1 : 0;
    if (rc != 0 && err[0])
        log_warning("%s", err);
    else if (rc == 0 && lr->at_start)
        log_config("%s: %s", key, path);
}

/* Loads one rule file. Returns 0; 2 when it cannot be read or, on a
 * reload, when it is broken (errors but not one rule). */
static int load_rule_file(struct rule_set *rs, const char *path, struct load_report *lr,
                          char *msg, size_t msglen)
{
    const struct rule_load_stats *st = rule_set_stats(rs);
    uint32_t loaded0 = st->loaded, failed0 = st->failed, unsupported0 = st->unsupported;
    int rc = rule_set_load_file(rs, path, lr->at_start ? stderr : NULL);
    if (rc != 0) {
        snprintf(msg, msglen, "%s: cannot read: %s", path, strerror(-rc));
        add_failure(lr, path, 0, NULL, msg);
        return 2;
    }
    /* Rules vigil does not support (a keyword or protocol it lacks) are not
     * errors of the file. */
    uint32_t invalid = (st->failed - failed0) - (st->unsupported - unsupported0);
    if (!lr->at_start && st->loaded == loaded0 && invalid > 0) {
        snprintf(msg, msglen, "%s: broken rule file (%u errors, no rule loaded)", path, invalid);
        return 2;
    }
    return 0;
}

static bool has_glob_chars(const char *s)
{
    return strpbrk(s, "*?[") != NULL;
}

/* Loads one path or glob, as Suricata's rule-files entries. required (the
 * command line's -S/-s, and every file on a reload): a pattern matching
 * nothing or an unreadable file fails the load; otherwise it is a warning
 * and the file is skipped. */
static int load_rule_pattern(struct rule_set *rs, const char *pattern, bool required,
                             struct load_report *lr, char *msg, size_t msglen)
{
    if (!has_glob_chars(pattern)) {
        if (access(pattern, R_OK) != 0) {
            snprintf(msg, msglen, "rule file %s: %s", pattern, strerror(errno));
            add_failure(lr, pattern, 0, NULL, msg);
            if (required)
                return 2;
            log_warning("%s (skipped)", msg);
            msg[0] = '\0';
            return 0;
        }
        return load_rule_file(rs, pattern, lr, msg, msglen);
    }
    glob_t g;
    int grc = glob(pattern, GLOB_ERR, NULL, &g);
    if (grc == GLOB_NOMATCH || (grc == 0 && g.gl_pathc == 0)) {
        if (grc == 0)
            globfree(&g);
        snprintf(msg, msglen, "rule files %s: no file matches", pattern);
        add_failure(lr, pattern, 0, NULL, msg);
        if (required)
            return 2;
        log_warning("%s (skipped)", msg);
        msg[0] = '\0';
        return 0;
    }
    if (grc != 0) {
        snprintf(msg, msglen, "rule files %s: cannot expand the pattern", pattern);
        return 2;
    }
    int rc = 0;
    for (size_t i = 0; i < g.gl_pathc && rc == 0; i++)
        rc = load_rule_file(rs, g.gl_pathv[i], lr, msg, msglen);
    globfree(&g);
    return rc;
}

static void engine_free(struct sensor_engine *e)
{
    if (!e)
        return;
    for (int i = 0; i < e->nprepared; i++)
        detect_worker_free(atomic_load(&e->prepared[i]));
    free(e->prepared);
    detect_engine_free(e->engine);
    rule_set_free(e->rules);
    free(e);
}

/* Builds an engine from the configured files, beside prev (may be NULL).
 * Returns NULL with msg set on failure; *rc is 1 or 2 then. */
static struct sensor_engine *engine_load(const struct sensor_engine *prev, bool at_start,
                                         unsigned compile_threads, int nworkers,
                                         struct load_report *lr, char *msg, size_t msglen,
                                         int *rc, struct sensor_engine_info *info)
{
    const struct sensor_rules_source *src = &R.src;
    const struct config *cfg = src->cfg;
    double t0 = mono_seconds();
    *rc = 1;
    struct sensor_engine *e = calloc(1, sizeof *e);
    if (!e) {
        snprintf(msg, msglen, "out of memory");
        return NULL;
    }
    const struct config_node *files =
        src->exclusive ? NULL : config_find(cfg, "rule-files");
    if (src->disabled || (src->rule_file_count == 0 && !files)) {
        snprintf(msg, msglen, "no rule files configured: detection is off");
        if (src->test_config && !src->disabled)
            log_warning("no rule files: give -S FILE or rule-files in the configuration");
        info->last_attempt_ok = true;
        return e; /* no rules: no engine */
    }
    e->rules = rule_set_new(cfg);
    if (!e->rules || (prev && rule_set_inherit(e->rules, prev->rules) != 0)) {
        snprintf(msg, msglen, "out of memory");
        goto fail;
    }
    rule_set_on_failure(e->rules, on_rule_failure, lr);
    /* The sensor feeds decoder, stream and application-layer anomalies to
     * detection, so rules using them can load. */
    rule_set_enable_packet_events(e->rules, true);
    rule_set_enable_app_layer_events(e->rules, true);
    /* Fingerprint features exist only while computed (Suricata provides
     * them when the TLS parser's ja3/ja4-fingerprints are on). */
    rule_set_set_feature(e->rules, "ja3", src->ja3);
    rule_set_set_feature(e->rules, "ja4", src->ja4);
    /* dataset/datarep/iprep: their configuration and the data directory,
     * before the first rules that name them are parsed. Sets live for the
     * whole run (their contents are state): a reload reuses them. */
    if (at_start) {
        detect_datasets_configure(cfg, src->data_dir);
        /* Lua settings are read once: workers' states are made from them. */
        detect_lua_configure(cfg);
    }
    load_aux_file(src, e->rules, "classification-file", "classification.config", lr);
    load_aux_file(src, e->rules, "reference-config-file", "reference.config", lr);
    for (int i = 0; i < src->rule_file_count; i++) {
        if (load_rule_pattern(e->rules, src->rule_files[i], true, lr, msg, msglen) != 0) {
            *rc = 2;
            goto fail;
        }
    }
    const char *dir = config_get(cfg, "default-rule-path");
    for (const struct config_node *n = files ? config_node_first_child(files) : NULL; n;
         n = config_node_next(n)) {
        const char *name = config_node_value(n);
        if (!name || !*name)
            continue;
        char path[4096];
        if (name[0] == '/' || !dir || !*dir)
            snprintf(path, sizeof path, "%s", name);
        else
            snprintf(path, sizeof path, "%s/%s", dir, name);
        /* As Suricata: a listed file that is missing at start-up is a
         * warning (an error with -T or --init-errors-fatal); on a reload it
         * keeps the running rules. */
        bool required = !at_start || src->init_errors_fatal || src->test_config;
        if (load_rule_pattern(e->rules, path, required, lr, msg, msglen) != 0) {
            *rc = 2;
            goto fail;
        }
    }
    load_aux_file(src, e->rules, "threshold-file", "threshold.config", lr);
    /* Snort 3's event_filter / suppress / rate_filter tables (vigil's key). */
    load_aux_file(src, e->rules, "snort-lua-file", NULL, lr);
    if (detect_datasets_error()) {
        /* As Suricata: a set that cannot be created or loaded stops start-up
         * (and fails a reload, keeping the running rules). Each failure was
         * logged as it happened: the verdict does not repeat it. */
        snprintf(msg, msglen, "datasets: a set could not be created or loaded (see the errors "
                              "above)");
        goto fail;
    }
    rule_set_finalize(e->rules);
    rule_set_on_failure(e->rules, NULL, NULL);
    const struct rule_load_stats *st = rule_set_stats(e->rules);
    /* As Suricata: with --init-errors-fatal (or engine.init-failure-fatal)
     * any rule that fails to load stops start-up or fails the reload;
     * without it, only when not one rule loads and some were invalid (rules
     * vigil does not support are reported, never fatal). -T fails on a rule
     * Suricata would reject too (syntax, unknown keyword, duplicate sid), so
     * suricata-update's test of a merged ruleset passes as with Suricata. */
    bool fatal = src->init_errors_fatal || config_get_bool(cfg, "engine.init-failure-fatal", false);
    uint32_t invalid = st->failed - st->unsupported;
    if (fatal ? st->failed > 0 : src->test_config ? invalid > 0 : st->loaded == 0 && invalid > 0) {
        if (at_start && st->failed)
            log_warning("rules: %u loaded, %u failed", st->loaded, st->failed);
        snprintf(msg, msglen, "%s",
                 fatal              ? "rule load errors are fatal (--init-errors-fatal)"
                 : src->test_config ? "invalid rules (-T)"
                                    : "no rule could be loaded");
        goto fail;
    }
    if (at_start) {
        char summary[512];
        size_t unmatchable = rule_set_report_unmatchable(e->rules, NULL, summary, sizeof summary);
        if (unmatchable)
            log_warning("rules: %zu of %u loaded rules cannot match: no parser for their "
                        "protocol (%s); 'vigil rules check' lists them",
                        unmatchable, st->loaded, summary);
    }
    if (src->test_config) {
        info->rules_loaded = st->loaded;
        info->rules_failed = st->failed;
        info->last_attempt_ok = true;
        *rc = 0;
        return e; /* checked: no engine */
    }
    char err[512] = "";
    struct detect_engine_options opt = {.compile_threads = compile_threads,
                                        .prev = prev ? prev->engine : NULL};
    /* detect.hyperscan-patterns-per-db: the most literals in one Hyperscan
     * database (default DETECT_PATTERNS_PER_DB). Larger: fewer scans of each
     * buffer, more memory while a database compiles (a cold cache). */
    long long per_db;
    if (config_get(cfg, "detect.hyperscan-patterns-per-db")) {
        if (config_get_int(cfg, "detect.hyperscan-patterns-per-db", &per_db) == 0 && per_db >= 16 &&
            per_db <= 1000000)
            opt.patterns_per_db = (uint32_t)per_db;
        else if (at_start)
            log_warning("detect.hyperscan-patterns-per-db: '%s' is not a number from 16 to "
                        "1000000; using %u",
                        config_get(cfg, "detect.hyperscan-patterns-per-db"),
                        DETECT_PATTERNS_PER_DB);
    }
    /* detect.any-port-in-port-groups: yes copies the any-port rules into
     * every port group (one scan of each buffer, many more databases; see
     * detect_engine.h). For measuring; off by default. */
    opt.any_port_in_port_groups = config_get_bool(cfg, "detect.any-port-in-port-groups", false);
    e->engine = detect_engine_build(e->rules, &opt, &info->engine, err, sizeof err);
    if (!e->engine) {
        snprintf(msg, msglen, "cannot build the detection engine: %s", err);
        goto fail;
    }
    if (nworkers > 0) {
        e->prepared = calloc((size_t)nworkers, sizeof *e->prepared);
        if (!e->prepared) {
            snprintf(msg, msglen, "out of memory");
            goto fail;
        }
        e->nprepared = nworkers;
        for (int i = 0; i < nworkers; i++) {
            struct detect_worker *dw = detect_worker_new(e->engine);
            if (!dw) {
                snprintf(msg, msglen, "out of memory preparing the workers");
                goto fail;
            }
            atomic_store(&e->prepared[i], dw);
        }
    }
    info->rules_loaded = st->loaded;
    info->rules_failed = st->failed;
    info->rules_reused = rule_set_reused_count(e->rules);
    info->load_seconds = mono_seconds() - t0;
    info->last_attempt_ok = true;
    *rc = 0;
    return e;
fail:
    engine_free(e);
    info->last_attempt_ok = false;
    return NULL;
}

static uint64_t parse_duration(const char *s, bool *ok)
{
    /* Suricata's units: s, m, h, d, w, y, combinable ("1d12h"); a bare
     * number is seconds. */
    uint64_t total = 0;
    *ok = s && *s;
    while (*ok && *s) {
        char *end;
        unsigned long long v = strtoull(s, &end, 10);
        if (end == s) {
            *ok = false;
            break;
        }
        uint64_t mul = 1;
        switch (*end) {
        case '\0': mul = 1; break;
        case 's': mul = 1; end++; break;
        case 'm': mul = 60; end++; break;
        case 'h': mul = 3600; end++; break;
        case 'd': mul = 86400; end++; break;
        case 'w': mul = 7 * 86400; end++; break;
        case 'y': mul = 365 * 86400; end++; break;
        default: *ok = false; break;
        }
        total += (uint64_t)v * mul;
        s = end;
    }
    return total;
}

static void configure_cache(const struct config *cfg)
{
    if (!config_get_bool(cfg, "detect.sgh-mpm-caching", true)) {
        hsdb_cache_configure(NULL, 0, NULL, 0);
        return;
    }
    const char *path = config_get(cfg, "detect.sgh-mpm-caching-path");
    bool explicit_path = path != NULL;
    if (!path)
        path = DEFAULT_CACHE_PATH;
    uint64_t max_age = DEFAULT_CACHE_MAX_AGE;
    const char *age = config_get(cfg, "detect.sgh-mpm-caching-max-age");
    if (age) {
        bool ok;
        uint64_t v = parse_duration(age, &ok);
        if (ok)
            max_age = v;
        else
            log_warning("detect.sgh-mpm-caching-max-age: '%s' is not a duration (e.g. 7d, 12h); "
                        "using 7d", age);
    }
    char err[600];
    if (hsdb_cache_configure(path, max_age, err, sizeof err) != 0) {
        if (explicit_path)
            log_warning("detect.sgh-mpm-caching-path: %s; compiled databases are not cached", err);
        else
            log_info("compiled-database cache off: %s", err);
    }
}

static void record_info(const struct sensor_engine_info *attempt, bool ok, const char *msg,
                        bool published)
{
    pthread_mutex_lock(&R.lock);
    uint64_t reloads = R.info.reloads, failed = R.info.reloads_failed;
    if (published) {
        uint64_t keep_reloads = reloads, keep_failed = failed;
        R.info = *attempt;
        R.info.reloads = keep_reloads;
        R.info.reloads_failed = keep_failed;
        R.info.loaded_wall_usec = wall_usec();
        R.info.generation = R.current ? R.current->generation : 0;
    }
    R.info.last_attempt_wall_usec = wall_usec();
    R.info.last_attempt_ok = ok;
    snprintf(R.info.last_message, sizeof R.info.last_message, "%.500s", msg);
    pthread_mutex_unlock(&R.lock);
}

int sensor_engine_init(const struct sensor_rules_source *src, char *err, size_t errlen)
{
    R.src = *src;
    swap_domain_init(&R.domain);
    install_sigusr2();
    configure_cache(src->cfg);
    struct load_report lr = {.failures = json_array(), .at_start = true};
    struct sensor_engine_info info;
    memset(&info, 0, sizeof info);
    char msg[600] = "";
    int rc = 0;
    /* Databases the cache lacks are compiled on every CPU (faster start,
     * but compile transients add up); detect.hyperscan-compile-threads caps
     * it (0 or auto: every CPU). */
    unsigned threads = 0;
    const char *ct = config_get(src->cfg, "detect.hyperscan-compile-threads");
    if (ct && strcmp(ct, "auto") != 0) {
        long long v;
        if (config_get_int(src->cfg, "detect.hyperscan-compile-threads", &v) == 0 && v >= 0 &&
            v <= 64)
            threads = (unsigned)v;
        else
            log_warning("detect.hyperscan-compile-threads: '%s' is not auto or 0-64", ct);
    }
    struct sensor_engine *e =
        engine_load(NULL, true, threads, 0, &lr, msg, sizeof msg, &rc, &info);
    pthread_mutex_lock(&R.lock);
    json_decref(R.failures);
    R.failures = lr.failures;
    pthread_mutex_unlock(&R.lock);
    if (!e) {
        snprintf(err, errlen, "%s", msg);
        return rc;
    }
    e->generation = ++R.next_generation;
    R.current = e;
    swap_slot_publish(&R.slot, e);
    if (e->rules) {
        const struct rule_load_stats *st = rule_set_stats(e->rules);
        if (st->failed)
            log_warning("rules: %u loaded, %u failed", st->loaded, st->failed);
        else
            log_info("rules: %u loaded", st->loaded);
    }
    if (e->engine) {
        const struct detect_engine_stats *es = &info.engine;
        log_info("detection engine: %u groups, %u prefilter databases (%u from the cache, %u "
                 "compiled), %u patterns, %u rules without prefilter (summed over groups), "
                 "built in %.2f s",
                 es->groups, es->databases, es->db_from_disk, es->db_compiled, es->patterns,
                 es->non_prefilter_rules, es->build_seconds);
        if (es->db_cache_write_errors)
            log_warning("compiled-database cache %s: %u databases could not be written",
                        hsdb_cache_dir(), es->db_cache_write_errors);
        app_layer_set_detection_active(true);
        hsdb_cache_prune();
    }
    malloc_trim(0); /* what loading needed and no longer does goes back to the system */
    record_info(&info, true, "loaded", true);
    return 0;
}

const struct sensor_engine *sensor_engine_current(void)
{
    return R.current;
}

void sensor_engine_lock(void)
{
    pthread_mutex_lock(&R.lock);
}

void sensor_engine_unlock(void)
{
    pthread_mutex_unlock(&R.lock);
}

struct swap_domain *sensor_swap_domain(void)
{
    return &R.domain;
}

struct swap_slot *sensor_engine_slot(void)
{
    return &R.slot;
}

struct detect_worker *sensor_engine_take_worker(const struct sensor_engine *e, int worker_id)
{
    if (!e || worker_id < 0 || worker_id >= e->nprepared)
        return NULL;
    return atomic_exchange(&e->prepared[worker_id], NULL);
}

/* ---- the worker side ---- */

void worker_adopt_engine(struct worker *w, const struct sensor_engine *e)
{
    struct detect_worker *nd = NULL;
    if (e && e->engine) {
        nd = sensor_engine_take_worker(e, w->id);
        if (!nd)
            nd = detect_worker_new(e->engine);
        if (!nd)
            log_error("worker %d: out of memory adopting the new rules: detection is off in "
                      "this worker",
                      w->id);
    }
    if (nd && w->detect)
        detect_worker_carry_over(nd, w->detect);
    detect_worker_free(w->detect);
    w->detect = nd;
    w->engine = e;
    /* Flowbit names in EVE come from the rule set in use (ids are stable
     * across reloads). */
    for (int i = 0; i < w->neve; i++)
        w->eve[i].flow_vars_user = nd ? detect_engine_rule_set(e->engine) : NULL;
}

/* ---- the reload thread ---- */

static void record_result(uint64_t covers, bool ok, const char *msg)
{
    struct reload_result *r = &R.results[R.nresults++ % RESULTS_KEPT];
    r->covers = covers;
    r->ok = ok;
    snprintf(r->msg, sizeof r->msg, "%.500s", msg);
}

/* Result of the run that covered ticket (caller holds the lock). */
static const struct reload_result *result_for(uint64_t ticket)
{
    unsigned n = R.nresults < RESULTS_KEPT ? R.nresults : RESULTS_KEPT;
    const struct reload_result *best = NULL;
    for (unsigned k = 0; k < n; k++) {
        const struct reload_result *r = &R.results[(R.nresults - n + k) % RESULTS_KEPT];
        if (r->covers >= ticket && (!best || r->covers < best->covers))
            best = r;
    }
    if (!best && n)
        best = &R.results[(R.nresults - 1) % RESULTS_KEPT];
    return best;
}

static double thread_cpu_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void run_reload(uint64_t covers)
{
    double t0 = mono_seconds(), c0 = thread_cpu_seconds();
    const struct sensor_engine *old = R.current;
    struct load_report lr = {.failures = json_array(), .at_start = false};
    struct sensor_engine_info info;
    memset(&info, 0, sizeof info);
    char msg[600] = "";
    int rc = 0;
    log_notice("rule reload: started");
    struct sensor_engine *e =
        engine_load(old, false, 1, R.nworkers, &lr, msg, sizeof msg, &rc, &info);
    pthread_mutex_lock(&R.lock);
    json_decref(R.failures);
    R.failures = lr.failures;
    pthread_mutex_unlock(&R.lock);
    if (!e) {
        log_error("rule reload failed, the running rules are kept: %s", msg);
        char m[700];
        snprintf(m, sizeof m, "reload failed, the running rules are kept: %s", msg);
        record_info(&info, false, m, false);
        pthread_mutex_lock(&R.lock);
        R.info.reloads_failed++;
        record_result(covers, false, m);
        pthread_mutex_unlock(&R.lock);
        return;
    }
    e->generation = ++R.next_generation;
    if (e->engine)
        app_layer_set_detection_active(true);
    swap_slot_publish(&R.slot, e);
    pthread_mutex_lock(&R.lock);
    R.current = e;
    pthread_mutex_unlock(&R.lock);
    double t_pub = mono_seconds();
    /* Every worker has moved to the new engine once it has passed a packet
     * boundary (or gone idle): then nothing uses the old one. */
    while (swap_synchronize(&R.domain, NULL, 1000) != 0)
        ;
    engine_free((struct sensor_engine *)old);
    malloc_trim(0);
    hsdb_cache_prune();
    double t1 = mono_seconds();
    const struct detect_engine_stats *es = &info.engine;
    char m[700];
    snprintf(m, sizeof m,
             "rules: %u loaded (%u unchanged), %u failed; databases: %u shared, %u from the "
             "cache, %u compiled (%u of them deltas); %.2f s, cpu %.2f s (swap %.3f s)",
             info.rules_loaded, info.rules_reused, info.rules_failed, es->db_shared,
             es->db_from_disk, es->db_compiled, es->db_delta, t1 - t0,
             thread_cpu_seconds() - c0, t1 - t_pub); /* it compiles on this thread */
    log_notice("rule reload done: %s", m);
    record_info(&info, true, m, true);
    pthread_mutex_lock(&R.lock);
    R.info.reloads++;
    record_result(covers, true, "done");
    pthread_mutex_unlock(&R.lock);
}

static void fire_notifies(void)
{
    /* Caller holds the lock; callbacks run without it. */
    struct notify *ready = NULL, **pp = &R.notifies;
    while (*pp) {
        struct notify *n = *pp;
        if (n->ticket <= R.completed) {
            *pp = n->next;
            n->next = ready;
            ready = n;
        } else {
            pp = &n->next;
        }
    }
    while (ready) {
        struct notify *n = ready;
        ready = n->next;
        const struct reload_result *r = result_for(n->ticket);
        bool ok = r ? r->ok : false;
        char msg[512];
        snprintf(msg, sizeof msg, "%s", r ? r->msg : "no result");
        pthread_mutex_unlock(&R.lock);
        n->fn(ok, msg, n->user);
        free(n);
        pthread_mutex_lock(&R.lock);
    }
}

static void *reload_main(void *arg)
{
    (void)arg;
    /* Below the workers: a reload never takes their CPU. */
    if (setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid), 10) != 0)
        log_debug("rule reload thread: cannot lower its priority: %s", strerror(errno));
    pthread_mutex_lock(&R.lock);
    while (!R.stop) {
        if (R.started == R.requested) {
            pthread_mutex_unlock(&R.lock);
            struct pollfd pfd = {.fd = R.wake[0], .events = POLLIN};
            if (poll(&pfd, 1, -1) < 0 && errno != EINTR)
                log_error("rule reload thread: poll: %s", strerror(errno));
            char buf[64];
            ssize_t n;
            unsigned signals = 0;
            bool quit = false;
            while ((n = read(R.wake[0], buf, sizeof buf)) > 0)
                for (ssize_t i = 0; i < n; i++) {
                    signals += buf[i] == 'S';
                    quit |= buf[i] == 'Q';
                }
            pthread_mutex_lock(&R.lock);
            if (quit)
                R.stop = true;
            if (signals && !R.stop && !R.src.disabled) {
                log_notice("rule reload requested by signal (SIGUSR2)");
                R.requested++;
            }
            continue;
        }
        uint64_t covers = R.requested;
        R.started = covers;
        pthread_mutex_unlock(&R.lock);
        run_reload(covers);
        pthread_mutex_lock(&R.lock);
        R.completed = covers;
        pthread_cond_broadcast(&R.cond);
        fire_notifies();
    }
    /* Whoever still waits gets an answer. */
    if (R.requested > R.completed) {
        record_result(R.requested, false, "the sensor is stopping");
        R.completed = R.requested;
    }
    pthread_cond_broadcast(&R.cond);
    fire_notifies();
    pthread_mutex_unlock(&R.lock);
    return NULL;
}

static void wake_reload_thread(char why)
{
    int fd = R.wake[1];
    if (fd >= 0) {
        ssize_t w = write(fd, &why, 1); /* async-signal-safe */
        (void)w; /* a full pipe already holds a wake-up */
    }
}

void sensor_reload_rules_signal(void)
{
    wake_reload_thread('S');
}

int sensor_reload_start(int nworkers)
{
    pthread_mutex_lock(&R.lock);
    R.nworkers = nworkers;
    R.stop = false;
    int rc = 0;
    if (!R.thread_running) {
        if (R.wake[0] < 0)
            rc = EBADF;
        if (rc == 0)
            rc = pthread_create(&R.thread, NULL, reload_main, NULL);
        R.thread_running = rc == 0;
    }
    pthread_mutex_unlock(&R.lock);
    return -rc;
}

/* The reload thread's wake-up pipe. SIGUSR2 itself is caught by run.c's
 * handler from the start (a signal that arrives while the first rules load
 * is a reload request for later); the main loop passes it on here. */
static void install_sigusr2(void)
{
    if (R.wake[0] < 0 && pipe2(R.wake, O_NONBLOCK | O_CLOEXEC) != 0)
        log_warning("rule reload by signal is not available: %s", strerror(errno));
}

uint64_t sensor_reload_rules(void)
{
    pthread_mutex_lock(&R.lock);
    uint64_t t = 0;
    if (R.thread_running && !R.stop && !R.src.disabled)
        t = ++R.requested;
    pthread_mutex_unlock(&R.lock);
    if (t)
        wake_reload_thread('R');
    if (!t)
        log_warning("rule reload: not possible now (%s)",
                    R.src.disabled ? "detection is disabled" : "the sensor is not running");
    return t;
}

bool sensor_reload_wait(uint64_t ticket, char *msg, size_t msglen)
{
    if (!ticket) {
        snprintf(msg, msglen, "rule reload is not possible: %s",
                 R.src.disabled ? "detection is disabled" : "the sensor is not running");
        return false;
    }
    pthread_mutex_lock(&R.lock);
    while (R.completed < ticket)
        pthread_cond_wait(&R.cond, &R.lock);
    const struct reload_result *r = result_for(ticket);
    bool ok = r && r->ok;
    snprintf(msg, msglen, "%s", r ? r->msg : "no result");
    pthread_mutex_unlock(&R.lock);
    return ok;
}

void sensor_reload_notify(uint64_t ticket, void (*fn)(bool ok, const char *msg, void *user),
                          void *user)
{
    if (!ticket) {
        char m[200];
        snprintf(m, sizeof m, "rule reload is not possible: %s",
                 R.src.disabled ? "detection is disabled" : "the sensor is not running");
        fn(false, m, user);
        return;
    }
    struct notify *n = calloc(1, sizeof *n);
    pthread_mutex_lock(&R.lock);
    if (R.completed >= ticket || !n) {
        const struct reload_result *r = result_for(ticket);
        bool ok = n && r && r->ok;
        char msg[512];
        snprintf(msg, sizeof msg, "%s", !n ? "out of memory" : r ? r->msg : "no result");
        pthread_mutex_unlock(&R.lock);
        free(n);
        fn(ok, msg, user);
        return;
    }
    n->ticket = ticket;
    n->fn = fn;
    n->user = user;
    n->next = R.notifies;
    R.notifies = n;
    pthread_mutex_unlock(&R.lock);
}

void sensor_engine_shutdown(void)
{
    pthread_mutex_lock(&R.lock);
    bool running = R.thread_running;
    R.stop = true;
    pthread_mutex_unlock(&R.lock);
    if (running) {
        wake_reload_thread('Q');
        pthread_join(R.thread, NULL);
    }
    signal(SIGUSR2, SIG_IGN); /* a late signal must not kill the process */
    pthread_mutex_lock(&R.lock);
    R.thread_running = false;
    struct sensor_engine *e = (struct sensor_engine *)R.current;
    R.current = NULL;
    swap_slot_publish(&R.slot, NULL);
    json_decref(R.failures);
    R.failures = NULL;
    pthread_mutex_unlock(&R.lock);
    engine_free(e);
}

void sensor_engine_get_info(struct sensor_engine_info *out)
{
    pthread_mutex_lock(&R.lock);
    *out = R.info;
    pthread_mutex_unlock(&R.lock);
}

json_t *sensor_engine_failed_rules(void)
{
    pthread_mutex_lock(&R.lock);
    json_t *a = R.failures ? json_deep_copy(R.failures) : json_array();
    pthread_mutex_unlock(&R.lock);
    return a;
}
