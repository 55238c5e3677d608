/* SPDX-License-Identifier: Apache-2.0 */
/* The sensor's commands on the unix control socket (util/control.h), with
 * Suricata's names, arguments and answers, and the counter snapshots they
 * and the metrics endpoint read. */
#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "detect/detect_hsdb.h"
#include "sensor/sensor_control.h"
#include "sensor/sensor_internal.h"
#include "util/config.h"
#include "util/control.h"
#include "util/json.h"
#include "util/log.h"

#ifndef VIGIL_VERSION
#define VIGIL_VERSION "0.0.0"
#endif

static struct sensor_runtime *RT;

/* ---- counter snapshots ---- */

/* Capture counters are read by the thread that owns each source
 * (sensor_capture_publish from the read loops) when asked: reading a live
 * source's kernel counters resets them, so no other thread may. */
static struct {
    pthread_mutex_t lock;
    _Atomic uint64_t requested;
    uint64_t seen[SENSOR_MAX_THREADS + 1];
    struct capture_stats stats[SENSOR_MAX_THREADS + 1];
    bool valid[SENSOR_MAX_THREADS + 1];
} caps = {.lock = PTHREAD_MUTEX_INITIALIZER};

void sensor_capture_publish(int slot, struct capture_source *src)
{
    uint64_t want = atomic_load_explicit(&caps.requested, memory_order_acquire);
    if (slot < 0 || slot > SENSOR_MAX_THREADS || caps.seen[slot] == want || !src)
        return;
    struct capture_stats cs;
    capture_get_stats(src, &cs);
    pthread_mutex_lock(&caps.lock);
    caps.stats[slot] = cs;
    caps.valid[slot] = true;
    caps.seen[slot] = want;
    pthread_mutex_unlock(&caps.lock);
}

void sensor_capture_forget(int slot, const struct capture_stats *final)
{
    if (slot < 0 || slot > SENSOR_MAX_THREADS)
        return;
    pthread_mutex_lock(&caps.lock);
    if (final) {
        caps.stats[slot] = *final;
        caps.valid[slot] = true;
    }
    caps.seen[slot] = UINT64_MAX;
    pthread_mutex_unlock(&caps.lock);
}

static uint64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* Asks every worker and capture owner for fresh counters and waits for
 * them (a worker publishes between two packets and at least every 100 ms
 * when idle). */
static void collect_snapshots(struct sensor_runtime *rt, struct capture_stats *capture)
{
    atomic_fetch_add(&caps.requested, 1);
    uint64_t gen[SENSOR_MAX_THREADS];
    int n = rt->nworkers < SENSOR_MAX_THREADS ? rt->nworkers : SENSOR_MAX_THREADS;
    for (int i = 0; i < n; i++)
        gen[i] = atomic_load_explicit(&rt->workers[i].snap_gen, memory_order_acquire);
    workers_request(rt->workers, n, WORKER_REQ_STATS);
    uint64_t deadline = mono_ms() + 500;
    for (;;) {
        bool done = true;
        for (int i = 0; i < n; i++)
            if (atomic_load_explicit(&rt->workers[i].snap_gen, memory_order_acquire) == gen[i])
                done = false;
        uint64_t want = atomic_load(&caps.requested);
        pthread_mutex_lock(&caps.lock);
        for (int s = 0; s <= SENSOR_MAX_THREADS; s++)
            if (caps.valid[s] && caps.seen[s] != UINT64_MAX && caps.seen[s] != want)
                done = false;
        pthread_mutex_unlock(&caps.lock);
        if (done || mono_ms() >= deadline)
            break;
        struct timespec nap = {0, 2 * 1000 * 1000};
        nanosleep(&nap, NULL);
    }
    memset(capture, 0, sizeof *capture);
    pthread_mutex_lock(&caps.lock);
    for (int s = 0; s <= SENSOR_MAX_THREADS; s++) {
        if (!caps.valid[s])
            continue;
        capture->packets += caps.stats[s].packets;
        capture->bytes += caps.stats[s].bytes;
        capture->kernel_drops += caps.stats[s].kernel_drops;
        capture->if_drops += caps.stats[s].if_drops;
    }
    pthread_mutex_unlock(&caps.lock);
}

static uint64_t mono_sec(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec;
}

json_t *sensor_counters_json(void)
{
    struct sensor_runtime *rt = RT;
    if (!rt)
        return NULL;
    pthread_mutex_lock(&rt->lock);
    struct capture_stats cs;
    collect_snapshots(rt, &cs);
    struct json_writer w;
    json_t *out = NULL;
    if (json_writer_init(&w, 4096) == 0) {
        json_object_begin(&w);
        sensor_stats_write(&w, rt->workers, rt->nworkers, &cs, mono_sec() - rt->start_mono_sec,
                           true);
        json_object_end(&w);
        if (!w.failed)
            out = json_loadb(w.data, w.len, 0, NULL);
        json_writer_free(&w);
    }
    pthread_mutex_unlock(&rt->lock);
    return out;
}

void sensor_counters_capture(struct capture_stats *out)
{
    memset(out, 0, sizeof *out);
    if (RT) {
        pthread_mutex_lock(&RT->lock);
        collect_snapshots(RT, out);
        pthread_mutex_unlock(&RT->lock);
    }
}

/* ---- memcaps ---- */

struct memcap_info {
    const char *name;
    uint64_t value;
};

static size_t memcaps(struct memcap_info *out)
{
    const struct sensor_config *sc = RT->sc;
    size_t n = 0;
    out[n++] = (struct memcap_info){"stream", sc->stream.memcap};
    out[n++] = (struct memcap_info){"stream-reassembly", sc->stream.reassembly_memcap};
    out[n++] = (struct memcap_info){"flow", sc->flow.memcap};
    out[n++] = (struct memcap_info){"defrag", sc->decode.defrag_memcap};
    out[n++] = (struct memcap_info){"app-layer", sc->app.memcap};
    return n;
}

size_t sensor_memcaps(const char **names, uint64_t *values, size_t max)
{
    if (!RT)
        return 0;
    struct memcap_info m[8];
    size_t n = memcaps(m);
    for (size_t i = 0; i < n && i < max; i++) {
        names[i] = m[i].name;
        values[i] = m[i].value;
    }
    return n < max ? n : max;
}

/* Suricata's way of showing a size. */
static void size_text(uint64_t v, char *out, size_t len)
{
    if (v == 0)
        snprintf(out, len, "unlimited");
    else if (v / (1024ull * 1024 * 1024))
        snprintf(out, len, "%llugb", (unsigned long long)(v / (1024ull * 1024 * 1024)));
    else if (v / (1024 * 1024))
        snprintf(out, len, "%llumb", (unsigned long long)(v / (1024 * 1024)));
    else
        snprintf(out, len, "%llukb", (unsigned long long)(v / 1024));
}

static int cmd_memcap_show(const json_t *args, json_t *answer, void *data)
{
    (void)data;
    const char *name = json_string_value(json_object_get(args, "config"));
    if (!name)
        return control_answer_error(answer, "memcap name is not a string");
    struct memcap_info m[8];
    size_t n = memcaps(m);
    for (size_t i = 0; i < n; i++) {
        if (strcmp(m[i].name, name) == 0) {
            char v[32];
            size_text(m[i].value, v, sizeof v);
            return control_answer(answer, json_pack("{s:s}", "value", v));
        }
    }
    return control_answer_error(answer, "Memcap value not found. Use 'memcap-list' to show all");
}

static int cmd_memcap_list(const json_t *args, json_t *answer, void *data)
{
    (void)args;
    (void)data;
    struct memcap_info m[8];
    size_t n = memcaps(m);
    json_t *a = json_array();
    for (size_t i = 0; a && i < n; i++) {
        char v[32];
        size_text(m[i].value, v, sizeof v);
        json_array_append_new(a, json_pack("{s:s,s:s}", "name", m[i].name, "value", v));
    }
    return control_answer(answer, a);
}

static int cmd_memcap_set(const json_t *args, json_t *answer, void *data)
{
    (void)args;
    (void)data;
    return control_answer_error(answer, "memcaps cannot be changed while vigil runs: set them in "
                                        "the configuration and restart");
}

/* ---- simple commands ---- */

static int cmd_version(const json_t *args, json_t *answer, void *data)
{
    (void)args;
    (void)data;
    return control_answer_string(answer, VIGIL_VERSION " RELEASE");
}

static int cmd_uptime(const json_t *args, json_t *answer, void *data)
{
    (void)args;
    (void)data;
    return control_answer(answer, json_integer((json_int_t)(mono_sec() - RT->start_mono_sec)));
}

static int cmd_running_mode(const json_t *args, json_t *answer, void *data)
{
    (void)args;
    (void)data;
    return control_answer_string(answer, RT->running_mode);
}

static int cmd_capture_mode(const json_t *args, json_t *answer, void *data)
{
    (void)args;
    (void)data;
    return control_answer_string(answer, RT->capture_mode);
}

static int cmd_shutdown(const json_t *args, json_t *answer, void *data)
{
    (void)args;
    (void)data;
    log_info("shutdown requested on the control socket");
    sensor_request_stop();
    return control_answer_string(answer, "Closing vigil");
}

static int cmd_command_list(const json_t *args, json_t *answer, void *data)
{
    (void)args;
    (void)data;
    json_t *list = control_command_list();
    return control_answer(answer, json_pack("{s:I,s:o}", "count", (json_int_t)json_array_size(list),
                                            "commands", list));
}

static int cmd_conf_get(const json_t *args, json_t *answer, void *data)
{
    (void)data;
    const char *var = json_string_value(json_object_get(args, "variable"));
    if (!var)
        return control_answer_error(answer, "variable is not a string");
    const char *v = config_get(RT->cfg, var);
    if (!v)
        return control_answer_error(answer, "Unable to get value");
    return control_answer_string(answer, v);
}

static int cmd_dump_counters(const json_t *args, json_t *answer, void *data)
{
    (void)args;
    (void)data;
    json_t *c = sensor_counters_json();
    if (!c)
        return control_answer_error(answer, "counters are not available");
    return control_answer(answer, c);
}

static int cmd_iface_list(const json_t *args, json_t *answer, void *data)
{
    (void)args;
    (void)data;
    json_t *a = json_array();
    if (RT->iface)
        json_array_append_new(a, json_string(RT->iface));
    return control_answer(answer, json_pack("{s:I,s:o}", "count", (json_int_t)json_array_size(a),
                                            "ifaces", a));
}

static int cmd_iface_stat(const json_t *args, json_t *answer, void *data)
{
    (void)data;
    const char *name = json_string_value(json_object_get(args, "iface"));
    if (!name)
        return control_answer_error(answer, "iface is not a string");
    if (!RT->iface || strcmp(name, RT->iface) != 0)
        return control_answer_error(answer, "Interface not found");
    struct capture_stats cs;
    sensor_counters_capture(&cs);
    return control_answer(answer,
                          json_pack("{s:I,s:I,s:I,s:I}", "pkts", (json_int_t)cs.packets, "drop",
                                    (json_int_t)(cs.kernel_drops + cs.if_drops),
                                    "invalid-checksums", (json_int_t)0, "bypassed",
                                    (json_int_t)0));
}

/* ---- rules ---- */

static void iso_time(uint64_t usec, char *out, size_t len)
{
    time_t t = (time_t)(usec / 1000000u);
    struct tm tm;
    localtime_r(&t, &tm);
    char base[32], zone[8];
    strftime(base, sizeof base, "%Y-%m-%dT%H:%M:%S", &tm);
    strftime(zone, sizeof zone, "%z", &tm);
    snprintf(out, len, "%s.%06u%s", base, (unsigned)(usec % 1000000u), zone);
}

static int cmd_reload_time(const json_t *args, json_t *answer, void *data)
{
    (void)args;
    (void)data;
    struct sensor_engine_info info;
    sensor_engine_get_info(&info);
    char t[128];
    iso_time(info.loaded_wall_usec, t, sizeof t);
    return control_answer(answer, json_pack("[{s:i,s:s}]", "id", 0, "last_reload", t));
}

static int cmd_ruleset_stats(const json_t *args, json_t *answer, void *data)
{
    (void)args;
    (void)data;
    struct sensor_engine_info info;
    sensor_engine_get_info(&info);
    return control_answer(answer, json_pack("[{s:i,s:I,s:I}]", "id", 0, "rules_loaded",
                                            (json_int_t)info.rules_loaded, "rules_failed",
                                            (json_int_t)info.rules_failed));
}

static int cmd_failed_rules(const json_t *args, json_t *answer, void *data)
{
    (void)args;
    (void)data;
    return control_answer(answer, sensor_engine_failed_rules());
}

static void reload_done(bool ok, const char *msg, void *user)
{
    control_reply_send(user, ok, json_string(msg));
}

static void cmd_reload_rules(const json_t *args, struct control_reply *reply, void *data)
{
    (void)args;
    (void)data;
    log_info("rule reload requested on the control socket");
    sensor_reload_notify(sensor_reload_rules(), reload_done, reply);
}

static int cmd_reload_nonblocking(const json_t *args, json_t *answer, void *data)
{
    (void)args;
    (void)data;
    log_info("rule reload requested on the control socket");
    if (!sensor_reload_rules())
        return control_answer_error(answer, "rule reload is not possible now");
    return control_answer_string(answer, "done");
}

/* ---- set-up ---- */

#define CONTROL_RUN_DIR "/run/vigil"
#define CONTROL_DEFAULT_NAME "vigil-command.socket"

bool sensor_control_path(const struct config *cfg, const struct sensor_options *o, bool live,
                         char *path, size_t len)
{
    const char *name = NULL;
    if (o->unix_socket_set) {
        name = o->unix_socket; /* may be NULL: the configured or default name */
    } else {
        const char *en = config_get(cfg, "unix-command.enabled");
        bool on = live; /* auto */
        if (en && strcmp(en, "auto") != 0) {
            bool b;
            if (config_parse_bool(en, &b) != 0) {
                log_warning("unix-command.enabled: '%s' is not yes, no or auto; using auto", en);
            } else {
                on = b;
            }
        }
        if (!on)
            return false;
    }
    if (!name)
        name = config_get(cfg, "unix-command.filename");
    if (!name || !*name)
        name = CONTROL_DEFAULT_NAME;
    if (name[0] == '/')
        snprintf(path, len, "%s", name);
    else
        snprintf(path, len, "%s/%s", CONTROL_RUN_DIR, name);
    return true;
}

int sensor_control_register(struct sensor_runtime *rt)
{
    RT = rt;
    struct {
        const char *name;
        control_handler fn;
        unsigned flags;
    } cmds[] = {
        {"shutdown", cmd_shutdown, 0},
        {"command-list", cmd_command_list, 0},
        {"help", cmd_command_list, 0},
        {"version", cmd_version, 0},
        {"uptime", cmd_uptime, 0},
        {"running-mode", cmd_running_mode, 0},
        {"capture-mode", cmd_capture_mode, 0},
        {"conf-get", cmd_conf_get, CONTROL_TAKES_ARGS},
        {"dump-counters", cmd_dump_counters, 0},
        {"ruleset-reload-nonblocking", cmd_reload_nonblocking, 0},
        {"ruleset-reload-time", cmd_reload_time, 0},
        {"ruleset-stats", cmd_ruleset_stats, 0},
        {"ruleset-failed-rules", cmd_failed_rules, 0},
        {"memcap-set", cmd_memcap_set, CONTROL_TAKES_ARGS},
        {"memcap-show", cmd_memcap_show, CONTROL_TAKES_ARGS},
        {"memcap-list", cmd_memcap_list, 0},
    };
    for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++) {
        int rc = control_register(cmds[i].name, cmds[i].fn, NULL, cmds[i].flags);
        if (rc != 0 && rc != -EEXIST)
            return rc;
    }
    int rc = control_register_async("reload-rules", cmd_reload_rules, NULL, 0);
    if (rc == 0 || rc == -EEXIST)
        rc = control_register_async("ruleset-reload-rules", cmd_reload_rules, NULL, 0);
    if (rc != 0 && rc != -EEXIST)
        return rc;
    rc = sensor_control_register_datasets();
    if (rc != 0)
        return rc;
    if (rt->iface) {
        /* As Suricata: interfaces only when capturing live. */
        control_register("iface-list", cmd_iface_list, NULL, 0);
        control_register("iface-stat", cmd_iface_stat, NULL, CONTROL_TAKES_ARGS);
    }
    return 0;
}

void sensor_control_unregister(void)
{
    RT = NULL;
}
