/* SPDX-License-Identifier: Apache-2.0 */
/* Turns a suricata.yaml-style configuration plus command-line options into
 * the per-subsystem configurations. Keys nobody reads are reported by the
 * configuration check (config_check.c), one warning each. */
#include <stdbool.h>
#include <stdio.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "app/file.h"
#include "detect/rule_set.h"
#include "sensor/sensor_internal.h"
#include "util/log.h"
#include "util/config.h"

/* The first invalid value met while building the configuration: a value
 * that is present but cannot be used is an error naming file, line and key,
 * never silently replaced by the default. Start-up only (one thread). */
static char config_error[600];

/* "FILE:LINE: KEY: invalid value 'V' (WHY)", or "--set KEY: ..." for a
 * value from the command line; each part bounded so that the whole fits. */
static void config_error_invalid(const char *file, int line, const char *key, const char *value,
                                 const char *why)
{
    if (file)
        snprintf(config_error, sizeof config_error,
                 "%.200s:%d: %.64s: invalid value '%.64s' (%.200s)", file, line, key,
                 value ? value : "", why);
    else
        snprintf(config_error, sizeof config_error, "--set %.64s: invalid value '%.64s' (%.200s)",
                 key, value ? value : "", why);
}

static void invalid_value(const struct config *cfg, const char *key, const char *why)
{
    if (config_error[0])
        return;
    const struct config_node *n = config_find(cfg, key);
    const char *file = n ? config_node_file(n) : NULL;
    const char *value = config_get(cfg, key);
    config_error_invalid(file, file ? config_node_line(n) : 0, key, value, why);
}

/* A memcap's exception policy (Suricata's stream.memcap-policy, ...): its
 * key's value, else the exception-policy master switch, else auto (drop-flow
 * inline, ignore in IDS mode). A target without a flow (flow and defrag
 * memcaps) applies drop-flow as drop-packet, pass-flow and bypass as
 * pass-packet, as Suricata does. */
static int8_t load_exception_policy(const struct config *cfg, const char *key, bool ips,
                                    bool packet_only)
{
    const char *v = cfg ? config_get(cfg, key) : NULL;
    if (!v && cfg && (v = config_get(cfg, "exception-policy")))
        key = "exception-policy";
    int pol = ips_policy_parse(v ? v : "auto", ips);
    if (pol < 0) {
        invalid_value(cfg, key, "expected auto, ignore, drop-flow, drop-packet, pass-flow, "
                                "pass-packet, bypass or reject");
        pol = IPS_POLICY_IGNORE;
    }
    return (int8_t)(packet_only ? ips_policy_packet_only(pol) : pol);
}

/* stream.midstream-policy (Suricata's exception policy for sessions picked
 * up without their handshake), else the exception-policy master switch where
 * it applies. With midstream pickup enabled only ignore and pass-flow apply.
 * In IDS mode policies that drop or pass single packets need an inline
 * engine and are errors, as Suricata rejects them (reject is accepted with
 * pickup off: the flow is dropped, i.e. no longer inspected); auto is ignore.
 * Inline (ips), auto is drop-flow (pickup off), and drop-flow, bypass and
 * reject apply; drop-packet and pass-packet are errors for this exception,
 * as in Suricata. */
static void load_midstream_policy(const struct config *cfg, struct stream_config *s, bool ips)
{
    const char *key = "stream.midstream-policy";
    const char *v = config_get(cfg, key);
    if (!v) {
        v = config_get(cfg, "exception-policy"); /* the master switch */
        if (!v)
            v = "auto";
        /* The master switch is only applied where valid. */
        if (!strcmp(v, "pass-flow"))
            s->midstream_policy = STREAM_MIDSTREAM_PASS_FLOW;
        else if (!strcmp(v, "bypass") && !s->midstream)
            s->midstream_policy = STREAM_MIDSTREAM_BYPASS;
        else if (ips && !s->midstream &&
                 (!strcmp(v, "auto") || !strcmp(v, "drop-flow") || !strcmp(v, "drop-packet")))
            s->midstream_policy = STREAM_MIDSTREAM_DROP_FLOW;
        else if (ips && !s->midstream && !strcmp(v, "reject"))
            s->midstream_policy = STREAM_MIDSTREAM_REJECT;
        return;
    }
    if (!strcmp(v, "auto"))
        s->midstream_policy = ips && !s->midstream ? STREAM_MIDSTREAM_DROP_FLOW
                                                   : STREAM_MIDSTREAM_IGNORE;
    else if (!strcmp(v, "ignore"))
        s->midstream_policy = STREAM_MIDSTREAM_IGNORE;
    else if (!strcmp(v, "pass-flow"))
        s->midstream_policy = STREAM_MIDSTREAM_PASS_FLOW;
    else if (!strcmp(v, "bypass") && !s->midstream)
        s->midstream_policy = STREAM_MIDSTREAM_BYPASS;
    else if (!strcmp(v, "reject") && !s->midstream)
        s->midstream_policy = STREAM_MIDSTREAM_REJECT;
    else if (!strcmp(v, "drop-flow") && !s->midstream && ips)
        s->midstream_policy = STREAM_MIDSTREAM_DROP_FLOW;
    else if (!strcmp(v, "bypass") || !strcmp(v, "reject") ||
             (!strcmp(v, "drop-flow") && ips))
        invalid_value(cfg, key, "with stream.midstream enabled only ignore and pass-flow apply");
    else if (!strcmp(v, "drop-packet") || !strcmp(v, "pass-packet"))
        invalid_value(cfg, key, ips ? "not valid for the midstream exception"
                                    : "not valid in IDS mode");
    else if (!strcmp(v, "drop-flow"))
        invalid_value(cfg, key, "not valid in IDS mode");
    else
        invalid_value(cfg, key, "expected auto, ignore, pass-flow, bypass, drop-flow or reject");
}

static void get_size(const struct config *cfg, const char *key, uint64_t *out)
{
    uint64_t v;
    if (!cfg || !config_find(cfg, key))
        return;
    if (config_get_size(cfg, key, &v) == 0)
        *out = v;
    else
        invalid_value(cfg, key, "expected a size such as 64mb");
}

static void get_u32(const struct config *cfg, const char *key, uint32_t *out)
{
    long long v;
    if (!cfg || !config_find(cfg, key))
        return;
    if (config_get_int(cfg, key, &v) == 0 && v >= 0 && v <= UINT32_MAX)
        *out = (uint32_t)v;
    else
        invalid_value(cfg, key, "expected a number from 0 to 4294967295");
}

/* A port setting as Suricata writes them: a number, a "[4789, 8472]" list
 * (vigil decodes the first), or a $VARIABLE from vars.port-groups. */
static void get_port(const struct config *cfg, const char *key, uint16_t *out)
{
    if (!cfg || !config_find(cfg, key) || !config_get(cfg, key))
        return;
    const char *v = config_get(cfg, key);
    char var_key[160];
    if (v[0] == '$') {
        snprintf(var_key, sizeof var_key, "vars.port-groups.%s", v + 1);
        v = config_get(cfg, var_key);
        if (!v) {
            invalid_value(cfg, key, "undefined port variable");
            return;
        }
    }
    while (*v == '[' || *v == ' ' || *v == '"')
        v++;
    char *end;
    long n = strtol(v, &end, 10);
    if (end != v && n >= 0 && n <= 65535 && (*end == '\0' || *end == ',' || *end == ']' ||
                                             *end == ' ' || *end == '"'))
        *out = (uint16_t)n;
    else
        invalid_value(cfg, key, "expected a port number");
}

static void load_timeouts(const struct config *cfg, struct flow_config *fc)
{
    static const char *const classes[FLOW_PROTO_CLASS_MAX] = {"default", "tcp", "udp", "icmp"};
    static const char *const states[] = {"new", "established", "closed", "bypassed"};
    char key[96];
    for (int c = 0; c < FLOW_PROTO_CLASS_MAX; c++) {
        for (int s = 0; s < 4; s++) {
            snprintf(key, sizeof key, "flow-timeouts.%s.%s", classes[c], states[s]);
            get_u32(cfg, key, &fc->timeouts[c].normal[s]);
            snprintf(key, sizeof key, "flow-timeouts.%s.emergency-%s", classes[c], states[s]);
            get_u32(cfg, key, &fc->timeouts[c].emergency[s]);
        }
    }
}

static bool node_bool(const struct config_node *n, const char *key, bool dflt)
{
    const struct config_node *c = n ? config_node_find(n, key) : NULL;
    bool b;
    if (c && config_node_value(c) && config_parse_bool(config_node_value(c), &b) == 0)
        return b;
    return dflt;
}

/* outputs.eve-log.types.alert.xff: enabled, mode (extra-data|overwrite),
 * deployment (reverse|forward), header. */
static void alert_xff_config(struct alert_log_options *o, const struct config_node *body)
{
    const struct config_node *x = body ? config_node_child(body, "xff") : NULL;
    if (!x || !node_bool(x, "enabled", false))
        return;
    const struct config_node *m = config_node_child(x, "mode");
    const char *mode = m ? config_node_value(m) : NULL;
    o->xff_mode = mode && strcasecmp(mode, "overwrite") == 0 ? ALERT_XFF_OVERWRITE
                                                              : ALERT_XFF_EXTRA_DATA;
    const struct config_node *dep = config_node_child(x, "deployment");
    const char *d = dep ? config_node_value(dep) : NULL;
    o->xff_forward = d && strcasecmp(d, "forward") == 0;
    const struct config_node *h = config_node_child(x, "header");
    if (h && config_node_value(h))
        snprintf(o->xff_header, sizeof o->xff_header, "%s", config_node_value(h));
}

static const char *node_str(const struct config_node *n, const char *key)
{
    const struct config_node *c = n ? config_node_find(n, key) : NULL;
    const char *v = c ? config_node_value(c) : NULL;
    return v && *v ? v : NULL;
}

/* An invalid value under an output node (file:line of the node itself). */
static void invalid_node(const struct config_node *n, const char *key, const char *value,
                         const char *why)
{
    if (config_error[0])
        return;
    const char *file = n ? config_node_file(n) : NULL;
    config_error_invalid(file, file ? config_node_line(n) : 0, key, value, why);
}

/* A file name of an output: absolute, or relative to the log directory. */
static void output_path(const struct sensor_config *sc, const char *name, char *out, size_t outlen)
{
    int n = name[0] == '/' ? snprintf(out, outlen, "%s", name)
                           : snprintf(out, outlen, "%s/%s", sc->log_dir, name);
    if (n < 0 || (size_t)n >= outlen)
        out[0] = '\0'; /* too long: opening "" fails with a clear message */
}

/* filetype/filename/append/buffer-size and the syslog settings shared by
 * Suricata's file outputs. what names the output in messages. */
static void load_sink(const struct sensor_config *sc, const struct config_node *n,
                      const char *what, const char *default_name, char *path, size_t pathlen,
                      struct log_file_options *lo, char *ident, size_t identlen, char *prefix,
                      size_t prefixlen)
{
    memset(lo, 0, sizeof *lo);
    lo->syslog_priority = -1;
    const char *ft = node_str(n, "filetype");
    if (!ft)
        ft = node_str(n, "type"); /* Suricata 4's spelling of filetype */
    if (ft) {
        int k = log_file_kind_from_name(ft);
        if (k < 0) {
            char key[96];
            snprintf(key, sizeof key, "%s.filetype", what);
            invalid_node(config_node_find(n, "filetype") ? config_node_find(n, "filetype")
                                                         : config_node_find(n, "type"),
                         key, ft,
                         strcasecmp(ft, "redis") == 0
                             ? "redis output is not supported by vigil; use regular, "
                               "unix_stream, unix_dgram or syslog"
                             : "expected regular, unix_stream, unix_dgram or syslog");
            return;
        }
        lo->kind = (enum log_file_kind)k;
    }
    const char *name = node_str(n, "filename");
    output_path(sc, name ? name : default_name, path, pathlen);
    lo->truncate = !node_bool(n, "append", true);
    if (lo->kind == LOG_FILE_SYSLOG) {
        const char *fac = node_str(n, "facility");
        const char *lvl = node_str(n, "level");
        if (fac) {
            lo->syslog_facility = log_file_syslog_facility(fac);
            if (lo->syslog_facility < 0) {
                char key[96];
                snprintf(key, sizeof key, "%s.facility", what);
                invalid_node(config_node_find(n, "facility"), key, fac,
                             "expected a syslog facility such as local5");
            }
        }
        if (lvl) {
            lo->syslog_priority = log_file_syslog_priority(lvl);
            if (lo->syslog_priority < 0) {
                char key[96];
                snprintf(key, sizeof key, "%s.level", what);
                invalid_node(config_node_find(n, "level"), key, lvl,
                             "expected Emergency, Alert, Critical, Error, Warning, Notice, "
                             "Info or Debug");
            }
        }
        const char *id = node_str(n, "identity");
        if (id && ident) {
            snprintf(ident, identlen, "%s", id);
            lo->syslog_ident = ident;
        }
    }
    const char *pfx = node_str(n, "prefix");
    if (pfx && prefix) {
        snprintf(prefix, prefixlen, "%s", pfx);
        lo->prefix = prefix;
    }
}

/* Event types of one eve-log output (its `types` list; without one,
 * everything is logged). */
static void load_eve_types(struct sensor_eve_output *eo, const struct config_node *eve)
{
    const struct config_node *types = eve ? config_node_child(eve, "types") : NULL;
    bool all = types == NULL;
    eo->log_flow = eo->log_stats = eo->log_anomaly = eo->log_alert = all;
    alert_log_options_defaults(&eo->alert);
    eo->log_anomaly_decode = eo->log_anomaly_stream = all;
    eo->log_anomaly_applayer = true;
    for (int p = 0; p < APP_PROTO_MAX; p++)
        eo->log_app[p] = all;
    if (!types)
        return;
    for (const struct config_node *t = config_node_first_child(types); t;
         t = config_node_next(t)) {
        /* Peek: a type vigil cannot log must stay unread, so that the
         * configuration check names it. */
        const char *name = config_node_peek_value(t);
        if (!name)
            continue;
        const struct config_node *body = config_node_child(t, name);
        int proto = -1;
        bool known = strcmp(name, "alert") == 0 || strcmp(name, "flow") == 0 ||
                     strcmp(name, "stats") == 0 || strcmp(name, "anomaly") == 0 ||
                     strcmp(name, "files") == 0 || strcmp(name, "drop") == 0 ||
                     strcmp(name, "frame") == 0;
        if (!known) {
            proto = app_proto_from_name(name);
            if (proto > 0 && proto < APP_PROTO_MAX && app_layer_has_parser(name))
                known = true;
            else if (strcmp(name, "llmnr") == 0 && app_layer_has_parser("dns"))
                known = true, proto = APP_PROTO_DNS; /* logged by the DNS parser */
        }
        if (!known) {
            /* An event type vigil cannot log: said here (the list's values
             * are data to the configuration check), unless switched off. */
            const struct config_node *en = body ? config_node_child(body, "enabled") : NULL;
            bool on = true;
            if (en && config_parse_bool(config_node_peek_value(en), &on) != 0)
                on = true;
            if (on) {
                char path[128];
                snprintf(path, sizeof path, "outputs.eve-log.types.%s", name);
                sensor_config_warn(path, t);
            }
            config_node_mark_subtree_used(t);
            continue;
        }
        config_node_mark_used(t);
        config_node_mark_used(body);
        if (!node_bool(body, "enabled", true))
            continue;
        if (strcmp(name, "alert") == 0) {
            eo->log_alert = true;
            eo->alert.payload = node_bool(body, "payload", false);
            eo->alert.payload_printable = node_bool(body, "payload-printable", false);
            eo->alert.packet = node_bool(body, "packet", false);
            eo->alert.tagged_packets = node_bool(body, "tagged-packets", false);
            eo->alert.verdict = node_bool(body, "verdict", false);
            eo->alert.vigil_protocols = node_bool(body, "vigil-protocols", false);
            alert_xff_config(&eo->alert, body);
            const struct config_node *md = body ? config_node_child(body, "metadata") : NULL;
            if (md && config_node_peek_value(md) && !config_node_first_child(md)) {
                bool on = node_bool(body, "metadata", true);
                eo->alert.app_layer = eo->alert.flow = eo->alert.rule_metadata = on;
            } else if (md) {
                config_node_mark_used(md);
                eo->alert.app_layer = node_bool(md, "app-layer", true);
                eo->alert.flow = node_bool(md, "flow", true);
                eo->alert.rule_metadata = node_bool(md, "rule.metadata", true);
            }
        } else if (strcmp(name, "drop") == 0) {
            /* Suricata's drop logger: alerts (the drop rule's alert object),
             * flows: start|all, verdict. */
            eo->log_drop = true;
            eo->drop.alerts = node_bool(body, "alerts", false);
            eo->drop.verdict = node_bool(body, "verdict", false);
            const struct config_node *fl = body ? config_node_child(body, "flows") : NULL;
            const char *fv = fl ? config_node_peek_value(fl) : NULL;
            if (fl)
                config_node_mark_used(fl);
            eo->drop.flows_all = fv && !strcmp(fv, "all");
        } else if (strcmp(name, "flow") == 0) {
            eo->log_flow = true;
        } else if (strcmp(name, "frame") == 0) {
            eo->log_frame = true;
        } else if (strcmp(name, "stats") == 0) {
            eo->log_stats = true;
            /* totals: yes is what vigil writes; threads/deltas are not
             * supported and stay unread (reported) when switched on. */
            if (!node_bool(body, "totals", true))
                eo->log_stats = false;
            eo->stats_vigil = node_bool(body, "vigil", false);
            const struct config_node *th = body ? config_node_child(body, "threads") : NULL;
            const struct config_node *de = body ? config_node_child(body, "deltas") : NULL;
            bool b;
            if (th && config_parse_bool(config_node_peek_value(th), &b) == 0 && !b)
                config_node_mark_used(th);
            if (de && config_parse_bool(config_node_peek_value(de), &b) == 0 && !b)
                config_node_mark_used(de);
        } else if (strcmp(name, "anomaly") == 0) {
            eo->log_anomaly = true;
            const struct config_node *at = body ? config_node_child(body, "types") : NULL;
            config_node_mark_used(at);
            eo->log_anomaly_decode = node_bool(at, "decode", false);
            eo->log_anomaly_stream = node_bool(at, "stream", false);
            eo->log_anomaly_applayer = node_bool(at, "applayer", true);
        } else if (strcmp(name, "files") == 0) {
            eo->log_app[0] = true; /* slot 0 (unknown) stands for fileinfo */
        } else {
            eo->log_app[proto] = true;
        }
    }
}

/* ics-baseline: industrial behaviour baselines (docs/ics-baselines.md). */
static void load_baseline(struct app_layer_config *app, const struct config *cfg)
{
    if (!cfg)
        return;
    const char *v = config_get(cfg, "ics-baseline.enabled");
    bool b;
    if (v && config_parse_bool(v, &b) == 0)
        app->baseline_enabled = b;
    else if (v)
        invalid_value(cfg, "ics-baseline.enabled", "expected yes or no");
    v = config_get(cfg, "ics-baseline.file");
    if (v && *v)
        app->baseline_file = v;
    v = config_get(cfg, "ics-baseline.learning-time");
    if (v) {
        /* seconds, or a number with s, m, h or d */
        char *end;
        double n = strtod(v, &end);
        double mult = 1;
        if (*end == 's')
            end++;
        else if (*end == 'm')
            mult = 60, end++;
        else if (*end == 'h')
            mult = 3600, end++;
        else if (*end == 'd')
            mult = 86400, end++;
        if (end == v || *end || n < 0 || n * mult > 3.0e8)
            invalid_value(cfg, "ics-baseline.learning-time", "expected a duration such as 24h");
        else
            app->baseline_learn_usec = (uint64_t)(n * mult * 1e6);
    }
    long long m;
    if (config_find(cfg, "ics-baseline.learning-messages")) {
        if (config_get_int(cfg, "ics-baseline.learning-messages", &m) == 0 && m >= 0)
            app->baseline_learn_messages = (uint64_t)m;
        else
            invalid_value(cfg, "ics-baseline.learning-messages", "expected a number");
    }
    get_size(cfg, "ics-baseline.memcap", &app->baseline_memcap);
    char err[400];
    if (!config_error[0] && app_layer_baseline_check(app, err, sizeof err) != 0)
        snprintf(config_error, sizeof config_error, "ics-baseline.file: %s", err);
}

static void load_eve_output(struct sensor_config *sc, const struct config_node *eve)
{
    if (sc->n_eve_out >= SENSOR_MAX_EVE_OUTPUTS) {
        if (!config_error[0])
            snprintf(config_error, sizeof config_error,
                     "%s:%d: outputs: more than %d eve-log outputs",
                     config_node_file(eve) ? config_node_file(eve) : "--set",
                     config_node_line(eve), SENSOR_MAX_EVE_OUTPUTS);
        return;
    }
    struct sensor_eve_output *eo = &sc->eve_out[sc->n_eve_out++];
    memset(eo, 0, sizeof *eo);
    load_sink(sc, eve, "outputs.eve-log", "eve.json", eo->path, sizeof eo->path, &eo->file,
              eo->syslog_ident, sizeof eo->syslog_ident, eo->prefix, sizeof eo->prefix);
    load_eve_types(eo, eve);
    if (eve) {
        eo->eve.community_id = node_bool(eve, "community-id", false);
        eo->eve.ethernet = node_bool(eve, "ethernet", false);
        eo->eve.pcap_file = node_bool(eve, "pcap-file", false);
        const char *seed = node_str(eve, "community-id-seed");
        if (seed) {
            char *end;
            unsigned long v = strtoul(seed, &end, 10);
            if (*end || v > 65535)
                invalid_node(config_node_find(eve, "community-id-seed"),
                             "outputs.eve-log.community-id-seed", seed, "expected 0 to 65535");
            eo->eve.community_id_seed = (uint16_t)v;
        }
        const char *bs = node_str(eve, "buffer-size");
        if (bs) {
            uint64_t v;
            if (config_parse_size(bs, &v) != 0 || v > (1u << 30))
                invalid_node(config_node_find(eve, "buffer-size"), "outputs.eve-log.buffer-size",
                             bs, "expected a size of at most 1 GiB, such as 64kb; 0 = no buffering");
            else
                eo->eve.buffer_size = (uint32_t)v;
        }
    }
    eo->eve.sensor_name = sc->sensor_name[0] ? sc->sensor_name : NULL;
    /* The stats event needs the stats subsystem. */
    if (!sc->stats_enabled)
        eo->log_stats = false;
}

/* outputs.file-store, as Suricata's file-store v2. Its v1 is gone (as in
 * Suricata, a file-store without version: 2 is a start-up error), and one
 * file store at most. The directory tree (00..ff and tmp) is made at start;
 * a failure is a configuration error naming the directory. */
static void load_file_store(struct sensor_config *sc, const struct config_node *body)
{
    const char *ver = node_str(body, "version");
    if (!ver || strtol(ver, NULL, 10) < 2) {
        const struct config_node *vn = body ? config_node_find(body, "version") : NULL;
        invalid_node(vn ? vn : body, "outputs.file-store.version", ver ? ver : "",
                     "file-store v1 has been removed: use version: 2");
        return;
    }
    if (sc->app.file_store_dir) {
        snprintf(config_error, sizeof config_error,
                 "outputs.file-store: a file store is already enabled (one at most)");
        return;
    }
    const char *dir = node_str(body, "dir");
    if (!dir || !*dir)
        dir = "filestore";
    int n = dir[0] == '/' ? snprintf(sc->file_store_dir, sizeof sc->file_store_dir, "%s", dir)
                          : snprintf(sc->file_store_dir, sizeof sc->file_store_dir, "%s/%s",
                                     sc->log_dir, dir);
    char err[SENSOR_PATH_MAX + 80];
    if (n <= 0 || (size_t)n >= sizeof sc->file_store_dir - 80) {
        invalid_node(config_node_find(body, "dir"), "outputs.file-store.dir", dir,
                     "path too long");
        return;
    }
    if (file_store_prepare(sc->file_store_dir, err, sizeof err) != 0) {
        invalid_node(config_node_find(body, "dir"), "outputs.file-store.dir", dir, err);
        return;
    }
    sc->app.file_store_dir = sc->file_store_dir;
    sc->app.file_store_force = node_bool(body, "force-filestore", false);
    sc->app.file_store_fileinfo = node_bool(body, "write-fileinfo", false);
    if (node_bool(body, "force-magic", false))
        sc->app.file_force_magic = true;
    /* force-hash: [md5, sha1, sha256]; the store needs sha256 anyway. */
    const struct config_node *fh = config_node_find(body, "force-hash");
    for (const struct config_node *it = fh ? config_node_first_child(fh) : NULL; it;
         it = config_node_next(it)) {
        const char *h = config_node_value(it);
        if (h && strcasecmp(h, "md5") == 0)
            sc->app.file_hash_md5 = true;
        else if (h && strcasecmp(h, "sha1") == 0)
            sc->app.file_hash_sha1 = true;
        else if (h && strcasecmp(h, "sha256") == 0)
            sc->app.file_hash_sha256 = true;
    }
    /* Files written at once (a descriptor each until the transfer ends):
     * Suricata's yaml value by default, so that slow transfers cannot use
     * up the descriptors the logs, reloads and control socket need. */
    sc->app.file_store_max_open = 1000;
    const char *mof = node_str(body, "max-open-files");
    if (mof) {
        char *end;
        errno = 0;
        unsigned long v = strtoul(mof, &end, 10);
        if (errno || end == mof || *end || v > 1000000 || mof[0] == '-') {
            invalid_node(config_node_find(body, "max-open-files"),
                         "outputs.file-store.max-open-files", mof,
                         "expected 0 (no limit) to 1000000");
            return;
        }
        sc->app.file_store_max_open = (uint32_t)v;
    }
    /* Read, with no effect of its own in vigil: files are followed to the
     * app-layer's own limits. */
    (void)node_str(body, "stream-depth");
}

/* The outputs list. Without one (no -c, or a file that has none) vigil
 * writes eve.json with every event type and fast.log, as before, and the
 * stats event in Suricata's shape only. */
static void load_outputs(struct sensor_config *sc, const struct config *cfg)
{
    const struct config_node *outputs = cfg ? config_find(cfg, "outputs") : NULL;
    memset(&sc->fast_file, 0, sizeof sc->fast_file);
    if (!outputs) {
        load_eve_output(sc, NULL);
        /* vigil's own counters stay out of the stats event unless asked
         * for (`- stats: {vigil: yes}`): Suricata's EVE schema rejects
         * unknown keys there, and EVE consumers validate against it. */
        sc->eve_out[0].stats_vigil = false;
        sc->fast_enabled = true;
        output_path(sc, "fast.log", sc->fast_path, sizeof sc->fast_path);
        return;
    }
    for (const struct config_node *n = config_node_first_child(outputs); n;
         n = config_node_next(n)) {
        const char *name = config_node_value(n);
        const struct config_node *body = name ? config_node_child(n, name) : NULL;
        if (!name)
            continue;
        /* Suricata: an output is on only with enabled: yes; vigil also takes
         * one that does not say (a hand-written file), but not "no". */
        if (!node_bool(body, "enabled", true))
            continue;
        if (strcmp(name, "eve-log") == 0) {
            load_eve_output(sc, body);
        } else if (strcmp(name, "fast") == 0) {
            sc->fast_enabled = true;
            load_sink(sc, body, "outputs.fast", "fast.log", sc->fast_path, sizeof sc->fast_path,
                      &sc->fast_file, NULL, 0, NULL, 0);
            if (sc->fast_file.kind == LOG_FILE_SYSLOG)
                invalid_node(config_node_find(body, "filetype"), "outputs.fast.filetype",
                             "syslog", "fast.log takes regular, unix_stream or unix_dgram");
        } else if (strcmp(name, "stats") == 0) {
            sc->stats_log_enabled = true;
            load_sink(sc, body, "outputs.stats", "stats.log", sc->stats_log_path,
                      sizeof sc->stats_log_path, &sc->stats_log_file, NULL, 0, NULL, 0);
            sc->stats_log_totals = node_bool(body, "totals", true);
            sc->stats_log_threads = node_bool(body, "threads", false);
        } else if (strcmp(name, "file-store") == 0) {
            load_file_store(sc, body);
        }
        /* Other outputs (pcap-log, lua, ...) are reported as unsupported by
         * the configuration check. */
    }
    if (!sc->stats_enabled)
        sc->stats_log_enabled = false;
}

/* A fresh seed for the flow ids at every start (getrandom, the clock and the
 * process id), so that two runs or two sensors never number flows alike.
 * VIGIL_FLOW_ID_SEED=N fixes it for reproducible runs (tests, benchmarks). */
static uint64_t sensor_flow_id_seed(void)
{
    const char *env = getenv("VIGIL_FLOW_ID_SEED");
    if (env && *env)
        return strtoull(env, NULL, 0);
    uint64_t seed = 0;
    if (getrandom(&seed, sizeof seed, GRND_NONBLOCK) != (ssize_t)sizeof seed)
        seed = 0;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    seed ^= (uint64_t)ts.tv_sec * 1000000007ull ^ (uint64_t)ts.tv_nsec ^ ((uint64_t)getpid() << 32);
    /* splitmix64 finaliser: every input bit reaches every output bit. */
    seed += 0x9e3779b97f4a7c15ull;
    seed = (seed ^ (seed >> 30)) * 0xbf58476d1ce4e5b9ull;
    seed = (seed ^ (seed >> 27)) * 0x94d049bb133111ebull;
    return (seed ^ (seed >> 31)) | 1;
}

int sensor_config_build(struct sensor_config *sc, const struct config *cfg,
                        const struct sensor_options *o)
{
    memset(sc, 0, sizeof *sc);

    decode_config_defaults(&sc->decode);
    get_size(cfg, "defrag.memcap", &sc->decode.defrag_memcap);
    get_u32(cfg, "defrag.timeout", &sc->decode.defrag_timeout_sec);
    get_u32(cfg, "defrag.trackers", &sc->decode.defrag_max_trackers);
    if (cfg && !config_get_bool(cfg, "decoder.vxlan.enabled", true))
        sc->decode.vxlan_port = 0;
    get_port(cfg, "decoder.vxlan.ports", &sc->decode.vxlan_port);
    if (cfg && !config_get_bool(cfg, "decoder.geneve.enabled", true))
        sc->decode.geneve_port = 0;
    get_port(cfg, "decoder.geneve.ports", &sc->decode.geneve_port);
    /* vigil's own: GTP-U user plane decapsulated as a tunnel (Suricata has no
     * GTP decoder; tshark and Zeek do). */
    if (cfg && !config_get_bool(cfg, "decoder.gtpu.enabled", true))
        sc->decode.gtpu_port = 0;
    get_port(cfg, "decoder.gtpu.ports", &sc->decode.gtpu_port);
    if (cfg && !config_get_bool(cfg, "decoder.teredo.enabled", true))
        sc->decode.teredo_port = 0;
    get_port(cfg, "decoder.teredo.ports", &sc->decode.teredo_port);
    /* -k all validates; none and auto do not. Offline captures very often
     * carry offloaded (wrong) checksums, which is why Suricata's auto mode
     * ends up not validating them. */
    sc->decode.checksum_validate = o->checksum == CHECKSUM_ALL;

    flow_config_defaults(&sc->flow);
    sc->flow.id_seed = sensor_flow_id_seed();
    get_size(cfg, "flow.memcap", &sc->flow.memcap);
    get_u32(cfg, "flow.hash-size", &sc->flow.hash_size);
    get_u32(cfg, "flow.prealloc", &sc->flow.prealloc);
    get_u32(cfg, "flow.emergency-recovery", &sc->flow.emergency_recovery);
    load_timeouts(cfg, &sc->flow);

    /* Inline (IPS) mode: capture files with --simulate-ips, or a live
     * inline capture (capture_config.c turns it on for those). */
    sc->ips_mode = o->simulate_ips || o->live_kind == CAPTURE_NFQUEUE ||
                   (o->live_kind == CAPTURE_AF_PACKET && sensor_afp_config_ips(cfg));
    if (cfg) {
        uint8_t rank[RULE_ORDER_MAX];
        char why[128];
        if (rule_action_order_parse(cfg, rank, why, sizeof why) != 0)
            invalid_value(cfg, "action-order", why);
    }
    /* nfq: Suricata's keys - fail-open, mode accept|repeat|route,
     * repeat-mark/-mask, route-queue. */
    if (cfg) {
        sc->nfq.fail_open = config_get_bool(cfg, "nfq.fail-open", false);
        const char *m = config_get(cfg, "nfq.mode");
        if (m && !strcmp(m, "repeat"))
            sc->nfq.mode = CAPTURE_NFQ_REPEAT;
        else if (m && !strcmp(m, "route"))
            sc->nfq.mode = CAPTURE_NFQ_ROUTE;
        else if (m && strcmp(m, "accept"))
            invalid_value(cfg, "nfq.mode", "expected accept, repeat or route");
        get_u32(cfg, "nfq.repeat-mark", &sc->nfq.repeat_mark);
        get_u32(cfg, "nfq.repeat-mask", &sc->nfq.repeat_mask);
        uint32_t rq = 0;
        get_u32(cfg, "nfq.route-queue", &rq);
        sc->nfq.route_queue = (uint16_t)rq;
        get_u32(cfg, "nfq.queue-maxlen", &sc->nfq.queue_maxlen);
    }
    stream_config_defaults(&sc->stream);
    if (cfg) {
        sc->stream.midstream = config_get_bool(cfg, "stream.midstream", sc->stream.midstream);
        sc->stream.async_oneside =
            config_get_bool(cfg, "stream.async-oneside", sc->stream.async_oneside);
        /* Inline mode inspects data as it arrives; IDS mode once the
         * receiver acknowledged it, as Suricata does. */
        const char *inl = config_get(cfg, "stream.inline");
        bool inline_stream = !inl || !strcmp(inl, "auto") ? sc->ips_mode
                                                           : config_get_bool(cfg, "stream.inline", false);
        sc->stream.ack_based_delivery = !inline_stream;
        load_midstream_policy(cfg, &sc->stream, sc->ips_mode);
    }
    /* app-layer.error-policy (a parser gave up on the flow's data), else
     * the exception-policy master switch; auto: drop-flow inline. */
    {
        const char *key = "app-layer.error-policy";
        const char *v = cfg ? config_get(cfg, key) : NULL;
        if (!v && cfg && (v = config_get(cfg, "exception-policy")))
            key = "exception-policy";
        int pol = ips_policy_parse(v ? v : "auto", sc->ips_mode);
        if (pol < 0)
            invalid_value(cfg, key, "expected auto, ignore, drop-flow, drop-packet, pass-flow, "
                                    "pass-packet, bypass or reject");
        sc->applayer_error_policy = (int8_t)(pol < 0 ? IPS_POLICY_IGNORE : pol);
    }
    sc->exception_policy[IPS_EXC_APPLAYER_ERROR] = sc->applayer_error_policy;
    sc->exception_policy[IPS_EXC_DEFRAG_MEMCAP] =
        load_exception_policy(cfg, "defrag.memcap-policy", sc->ips_mode, true);
    sc->exception_policy[IPS_EXC_FLOW_MEMCAP] =
        load_exception_policy(cfg, "flow.memcap-policy", sc->ips_mode, true);
    sc->exception_policy[IPS_EXC_STREAM_MEMCAP] =
        load_exception_policy(cfg, "stream.memcap-policy", sc->ips_mode, false);
    sc->exception_policy[IPS_EXC_REASSEMBLY_MEMCAP] =
        load_exception_policy(cfg, "stream.reassembly.memcap-policy", sc->ips_mode, false);
    {
        static const int8_t mid[] = {
            [STREAM_MIDSTREAM_IGNORE] = IPS_POLICY_IGNORE,
            [STREAM_MIDSTREAM_PASS_FLOW] = IPS_POLICY_PASS_FLOW,
            [STREAM_MIDSTREAM_BYPASS] = IPS_POLICY_BYPASS,
            [STREAM_MIDSTREAM_REJECT] = IPS_POLICY_REJECT,
            [STREAM_MIDSTREAM_DROP_FLOW] = IPS_POLICY_DROP_FLOW,
        };
        sc->exception_policy[IPS_EXC_MIDSTREAM] = mid[sc->stream.midstream_policy];
    }
    sc->exception_per_proto =
        cfg && config_get_bool(cfg, "stats.exception-policy.per-app-proto-errors", false);
    sc->decode.simulate_defrag_memcap_at = o->simulate_defrag_memcap;
    sc->flow.simulate_memcap_at = o->simulate_flow_memcap;
    sc->stream.simulate_ssn_memcap_at = o->simulate_ssn_memcap;
    sc->stream.simulate_reassembly_memcap_at = o->simulate_reassembly_memcap;
    get_size(cfg, "stream.memcap", &sc->stream.memcap);
    get_size(cfg, "stream.reassembly.memcap", &sc->stream.reassembly_memcap);
    uint64_t depth = sc->stream.reassembly_depth;
    get_size(cfg, "stream.reassembly.depth", &depth);
    sc->stream.reassembly_depth = depth > UINT32_MAX ? UINT32_MAX : (uint32_t)depth;
    sc->stream.checksum_validation = o->checksum == CHECKSUM_ALL;
    if (cfg && config_get(cfg, "stream.checksum-validation") && o->checksum != CHECKSUM_NONE)
        sc->stream.checksum_validation =
            config_get_bool(cfg, "stream.checksum-validation", false) && o->checksum == CHECKSUM_ALL;

    app_layer_config_load(&sc->app, cfg);
    sc->app.simulate_error_at[0] = o->simulate_applayer_error[0];
    sc->app.simulate_error_at[1] = o->simulate_applayer_error[1];
    behaviour_config_defaults(&sc->behaviour);
    char beh_err[256];
    if (behaviour_config_load(&sc->behaviour, cfg, beh_err, sizeof beh_err) != 0 &&
        !config_error[0]) {
        /* The message starts with the key: name the file and line too. */
        char key[128];
        size_t kl = strcspn(beh_err, ":");
        const struct config_node *n = NULL;
        if (kl < sizeof key && beh_err[kl] == ':') {
            memcpy(key, beh_err, kl);
            key[kl] = '\0';
            n = config_find(cfg, key);
        }
        const char *file = n ? config_node_file(n) : NULL;
        if (file)
            snprintf(config_error, sizeof config_error, "%s:%d: %s", file, config_node_line(n),
                     beh_err);
        else
            snprintf(config_error, sizeof config_error, "%s", beh_err);
    }
    char ics_err[300];
    if (app_ics_config_load(&sc->app, cfg, ics_err, sizeof ics_err) != 0 && !config_error[0])
        snprintf(config_error, sizeof config_error, "%s", ics_err);
    load_baseline(&sc->app, cfg);

    /* Log directory: -l, else default-log-dir, else the current one. */
    const char *dir = o->log_dir ? o->log_dir : (cfg ? config_get(cfg, "default-log-dir") : NULL);
    snprintf(sc->log_dir, sizeof sc->log_dir, "%s", dir && *dir ? dir : ".");
    size_t dl = strlen(sc->log_dir);
    while (dl > 1 && sc->log_dir[dl - 1] == '/')
        sc->log_dir[--dl] = '\0';
    const char *name = cfg ? config_get(cfg, "sensor-name") : NULL;
    if (name)
        snprintf(sc->sensor_name, sizeof sc->sensor_name, "%s", name);

    /* stats: enabled (default yes) and the interval of periodic records. */
    sc->stats_enabled = !cfg || config_get_bool(cfg, "stats.enabled", true);
    sc->stats_interval_sec = 8;
    get_u32(cfg, "stats.interval", &sc->stats_interval_sec);
    if (o->stats_interval_set)
        sc->stats_interval_sec = o->stats_interval_sec;
    if (sc->stats_interval_sec == 0)
        sc->stats_interval_sec = 1;

    load_outputs(sc, cfg);

    /* Reading capture files: pcap-file.checksum-checks unless -k. */
    const char *cc = cfg ? config_get(cfg, "pcap-file.checksum-checks") : NULL;
    if (cc && !o->checksum_set && o->pcap_file_count > 0) {
        bool b;
        if (config_parse_bool(cc, &b) == 0)
            sc->decode.checksum_validate = b;
        else if (strcasecmp(cc, "auto") != 0)
            invalid_value(cfg, "pcap-file.checksum-checks", "expected yes, no or auto");
    }
    /* runmode: single means one thread (--runmode and --threads win). */
    const char *rm = cfg ? config_get(cfg, "runmode") : NULL;
    if (rm && strcmp(rm, "single") && strcmp(rm, "autofp") && strcmp(rm, "workers"))
        invalid_value(cfg, "runmode", "expected single, autofp or workers");
    if (cfg && sensor_capture_config_load(sc, cfg, o->interface_count ? o->interfaces[0] : NULL))
        return 2;
    for (int i = 0; i < sc->n_eve_out; i++) {
        sc->track_macs |= sc->eve_out[i].eve.ethernet;
        sc->any_log_flow |= sc->eve_out[i].log_flow;
        sc->any_log_stats |= sc->eve_out[i].log_stats;
        sc->any_log_frame |= sc->eve_out[i].log_frame;
        sc->eve_out[i].alert.ips = sc->ips_mode;
        /* Suricata's drop logger only runs inline. */
        if (!sc->ips_mode)
            sc->eve_out[i].log_drop = false;
    }

    if (config_error[0]) {
        /* As Suricata: a configuration it cannot use stops start-up with
         * exit status 1 (EXIT_FAILURE); 2 stays for command-line misuse. */
        log_error("%s", config_error);
        return 1;
    }
    return 0;
}
