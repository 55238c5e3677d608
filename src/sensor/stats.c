/* SPDX-License-Identifier: Apache-2.0 */
/* The sensor's counters: the EVE "stats" event (Suricata's stats.json shape)
 * and the stats.log text output, both from one sum over the workers. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "detect/detect_lua.h"
#include "detect/rule_set.h"
#include "sensor/sensor_internal.h"

void worker_publish_stats(struct worker *w)
{
    pthread_mutex_lock(&w->snap_lock);
    w->snap_decode = *decode_thread_stats(w->decode);
    w->snap_flow = *flow_table_stats(w->flows);
    w->snap_stream = *stream_thread_stats(w->stream);
    w->snap_app = *app_layer_thread_stats(w->app);
    if (w->detect)
        w->snap_detect = *detect_worker_stats(w->detect);
    w->snap_builtin_alerts = w->stats.builtin_alerts;
    w->snap_intel = w->intel_matcher.stats;
    behaviour_stats_get(w->behaviour, &w->snap_behaviour);
    w->snap_ips = w->ips_stats;
    w->snap_valid = true;
    pthread_mutex_unlock(&w->snap_lock);
    atomic_fetch_add_explicit(&w->snap_gen, 1, memory_order_release);
}

struct sensor_totals {
    struct decode_stats decode;
    struct flow_stats flow;
    struct stream_stats stream;
    struct app_layer_stats app;
    struct detect_worker_stats detect;
    bool have_detect;
    const struct rule_load_stats *rules; /* the running rule set's load figures, or NULL */
    struct rule_load_stats rules_copy;
    const struct sensor_intel *intel;   /* NULL without indicators or hub */
    struct intel_match_stats intel_match;
    struct behaviour_stats behaviour;
    bool have_behaviour;
    struct ips_stats ips;               /* inline mode only */
    bool have_ips;
    /* exception targets whose policy is not ignore (1 << enum ips_exception_target) */
    unsigned exception_targets;
};

static void add_intel(struct intel_match_stats *t, const struct intel_match_stats *s)
{
    t->lookups += s->lookups;
    t->hits += s->hits;
    t->lookalike_checks += s->lookalike_checks;
    t->lookalike_hits += s->lookalike_hits;
}

static void collect(struct sensor_totals *t, struct worker *workers, int count,
                    bool from_snapshots)
{
    memset(t, 0, sizeof *t);
    /* A copy under the engine lock: a reload may replace the engine. */
    sensor_engine_lock();
    const struct sensor_engine *eng = sensor_engine_current();
    if (eng && eng->rules) {
        t->rules_copy = *rule_set_stats(eng->rules);
        t->rules = &t->rules_copy;
    }
    sensor_engine_unlock();
    if (count > 0)
        t->intel = workers[0].shared->intel;
    for (int i = 0; i < count; i++) {
        struct worker *w = &workers[i];
        const struct detect_worker_stats *d = NULL;
        /* Alerts of built-in detectors (shared indicators, look-alikes, ...)
         * count in detect.alert like rule alerts. */
        uint64_t builtin = 0;
        if (from_snapshots) {
            pthread_mutex_lock(&w->snap_lock);
            if (w->snap_valid) {
                builtin = w->snap_builtin_alerts;
                add_intel(&t->intel_match, &w->snap_intel);
                decode_stats_add(&t->decode, &w->snap_decode);
                flow_stats_add(&t->flow, &w->snap_flow);
                stream_stats_add(&t->stream, &w->snap_stream);
                app_layer_stats_add(&t->app, &w->snap_app);
                behaviour_stats_add(&t->behaviour, &w->snap_behaviour);
                ips_stats_add(&t->ips, &w->snap_ips);
                if (w->detect)
                    d = &w->snap_detect;
            }
        } else {
            builtin = w->stats.builtin_alerts;
            add_intel(&t->intel_match, &w->intel_matcher.stats);
            decode_stats_add(&t->decode, decode_thread_stats(w->decode));
            flow_stats_add(&t->flow, flow_table_stats(w->flows));
            stream_stats_add(&t->stream, stream_thread_stats(w->stream));
            app_layer_stats_add(&t->app, app_layer_thread_stats(w->app));
            struct behaviour_stats bs;
            behaviour_stats_get(w->behaviour, &bs);
            behaviour_stats_add(&t->behaviour, &bs);
            ips_stats_add(&t->ips, &w->ips_stats);
            if (w->detect)
                d = detect_worker_stats(w->detect);
        }
        if (builtin) {
            t->detect.alerts += builtin;
            t->have_detect = true;
        }
        if (d) {
            t->detect.alerts += d->alerts;
            t->detect.alerts_suppressed += d->alerts_suppressed;
            t->detect.alert_queue_overflow += d->alert_queue_overflow;
            t->detect.packets_inspected += d->packets_inspected;
            t->detect.passed_flows += d->passed_flows;
            t->detect.frame_rules_prefiltered += d->frame_rules_prefiltered;
            t->detect.lua_errors += d->lua_errors;
            t->detect.lua_blocked_function_errors += d->lua_blocked_function_errors;
            t->detect.lua_instruction_limit_errors += d->lua_instruction_limit_errors;
            t->detect.lua_memory_limit_errors += d->lua_memory_limit_errors;
            t->have_detect = true;
        }
        t->have_behaviour |= w->behaviour != NULL;
        t->have_ips |= w->config->ips_mode;
        for (int e = 0; e < IPS_EXC_MAX; e++)
            if (w->config->exception_policy[e] != IPS_POLICY_IGNORE)
                t->exception_targets |= 1u << e;
        if (from_snapshots)
            pthread_mutex_unlock(&w->snap_lock);
    }
}

/* The members of the "stats" object, as the subsystems write them. */
static void write_raw_stats(struct json_writer *w, const struct sensor_totals *t,
                            const struct capture_stats *capture, uint64_t uptime_sec)
{
    json_key_u64(w, "uptime", uptime_sec);
    json_key_object_begin(w, "capture");
    json_key_u64(w, "kernel_packets", capture->packets);
    json_key_u64(w, "kernel_drops", capture->kernel_drops);
    json_key_u64(w, "kernel_ifdrops", capture->if_drops);
    json_object_end(w);
    if (t->have_ips)
        ips_stats_write_json(&t->ips, w);
    if (t->exception_targets)
        ips_exception_stats_write_json(&t->ips, t->exception_targets, w);
    decode_stats_write_json(&t->decode, w);
    flow_stats_write_json(&t->flow, w);
    stream_stats_write_json(&t->stream, w);
    app_layer_stats_write_json(&t->app, w);
    if (t->have_behaviour)
        behaviour_stats_write_json(&t->behaviour, w);
    if (t->have_detect) {
        json_key_object_begin(w, "detect");
        /* The rule set's load figures, as Suricata's per-engine entry. */
        if (t->rules) {
            json_key_array_begin(w, "engines");
            json_object_begin(w);
            json_key_u64(w, "id", 0);
            json_key_u64(w, "rules_loaded", t->rules->loaded);
            json_key_u64(w, "rules_failed", t->rules->failed);
            json_key_u64(w, "rules_skipped", t->rules->skipped);
            json_object_end(w);
            json_array_end(w);
        }
        json_key_u64(w, "alert", t->detect.alerts);
        json_key_u64(w, "alerts_suppressed", t->detect.alerts_suppressed);
        json_key_u64(w, "alert_queue_overflow", t->detect.alert_queue_overflow);
        json_key_u64(w, "frame_rules_prefiltered", t->detect.frame_rules_prefiltered);
        if (detect_lua_in_use()) {
            json_key_object_begin(w, "lua");
            json_key_u64(w, "errors", t->detect.lua_errors);
            json_key_u64(w, "blocked_function_errors", t->detect.lua_blocked_function_errors);
            json_key_u64(w, "instruction_limit_errors", t->detect.lua_instruction_limit_errors);
            json_key_u64(w, "memory_limit_errors", t->detect.lua_memory_limit_errors);
            json_object_end(w);
        }
        json_object_end(w);
    }
    sensor_intel_write_stats(t->intel, &t->intel_match, w);
}

/* ---- Suricata's stats object ----
 * EVE consumers (Elastic, Splunk) and Suricata's own schema know Suricata's
 * counter names only. Counters vigil has and Suricata does not are moved
 * out of the EVE "stats" object into a "vigil" object, written to EVE only
 * when asked (eve-log types: - stats: {vigil: yes}) and always to stats.log.
 * A '*' matches one name. */
static const char *const vigil_only[] = {
    "detect.frame_rules_prefiltered",
    "app_layer.memuse",
    "behaviour",
    "app_layer.memcap_drops",
    "app_layer.limit",
    "app_layer.undecrypted",
    "app_layer.iso8583_redact_dropped",
    "decoder.other_ip",
    "decoder.event.too_many_layers",
    "decoder.event.etag",
    "decoder.event.igmp",
    "decoder.event.*.checksum_invalid",
    "decoder.event.ipv4.unknown_protocol",
    "decoder.event.sctp.chunk_len_invalid",
    "decoder.event.sctp.chunk_too_small",
    "decoder.event.sctp.data_with_zero_vtag",
    "decoder.event.sctp.init_chunk_bundled",
    "decoder.event.sctp.init_with_non_zero_vtag",
    "decoder.event.sctp.too_many_chunks",
    "decoder.event.sctp.too_many_data_chunks",
    "defrag.memcap_exception",
    "defrag.timeouts",
    "defrag.overlaps",
    "defrag.overlaps_differ",
    "defrag.too_large",
    "defrag.trackers",
    "defrag.trackers_peak",
    "defrag.memuse_peak",
    "flow.timeout",
    "flow.shutdown",
    "tcp.retransmission",
    /* Control-network protocols Suricata has no parser for. */
    "app_layer.*.iec104",
    "app_layer.*.s7comm",
    "app_layer.*.mms",
    "app_layer.*.c37118",
    "app_layer.*.bacnet",
    "app_layer.*.opcua",
    "app_layer.*.goose",
    "app_layer.*.sv",
    "app_layer.*.profinet",
    /* Finance and telecom protocols Suricata has no parser for. */
    "app_layer.*.fix",
    "app_layer.*.diameter",
    "app_layer.*.gtp",
    "app_layer.*.iso8583",
    "intel",      /* shared indicators and look-alikes (sensor_intel.c) */
    "hub_report", /* alerts sent to the hub */
};

struct stat_node {
    char *key;
    char *raw; /* a value's JSON text; NULL for an object */
    struct stat_node *child, *next;
};

static void stat_free(struct stat_node *n)
{
    while (n) {
        struct stat_node *next = n->next;
        stat_free(n->child);
        free(n->key);
        free(n->raw);
        free(n);
        n = next;
    }
}

/* Parses the members of an object (p after its '{'), as our writers produce
 * them: string keys, values that are objects, numbers, strings, true/false. */
static struct stat_node *stat_parse_members(const char **pp, const char *end, int depth,
                                            bool *ok)
{
    struct stat_node *head = NULL, **tail = &head;
    const char *p = *pp;
    while (p < end && *p != '}') {
        if (*p == ',') {
            p++;
            continue;
        }
        if (*p != '"' || depth > 16) {
            *ok = false;
            break;
        }
        const char *k = ++p;
        while (p < end && *p != '"')
            p += *p == '\\' ? 2 : 1;
        struct stat_node *n = calloc(1, sizeof *n);
        if (!n || p >= end) {
            free(n);
            *ok = false;
            break;
        }
        n->key = strndup(k, (size_t)(p - k));
        p += 2; /* '"' ':' */
        if (p < end && *p == '{') {
            p++;
            n->child = stat_parse_members(&p, end, depth + 1, ok);
            p++; /* '}' */
        } else {
            const char *v = p;
            bool in_str = false;
            int nest = 0; /* arrays (detect.engines) are kept whole */
            while (p < end && (in_str || nest > 0 || (*p != ',' && *p != '}'))) {
                if (*p == '"')
                    in_str = !in_str;
                else if (!in_str && (*p == '[' || *p == '{'))
                    nest++;
                else if (!in_str && (*p == ']' || *p == '}'))
                    nest--;
                p += (*p == '\\' && in_str) ? 2 : 1;
            }
            n->raw = strndup(v, (size_t)(p - v));
        }
        *tail = n;
        tail = &n->next;
        if (!n->key || (!n->raw && !n->child && p[-1] != '}'))
            *ok = false;
        if (!*ok)
            break;
    }
    *pp = p;
    return head;
}

static void stat_emit(const struct stat_node *n, struct json_writer *w)
{
    for (; n; n = n->next) {
        if (n->raw) {
            json_key(w, n->key);
            json_append_raw(w, n->raw, strlen(n->raw));
            w->need_comma[w->depth] = true;
        } else {
            json_key_object_begin(w, n->key);
            stat_emit(n->child, w);
            json_object_end(w);
        }
    }
}

/* Moves every member matching the dotted pattern from *list into the same
 * place under *dest (creating the objects there). */
static void stat_move(struct stat_node **list, const char *pattern, struct stat_node **dest)
{
    const char *dot = strchr(pattern, '.');
    size_t seg = dot ? (size_t)(dot - pattern) : strlen(pattern);
    for (struct stat_node **pp = list; *pp;) {
        struct stat_node *n = *pp;
        bool match = (seg == 1 && pattern[0] == '*') ||
                     (strlen(n->key) == seg && memcmp(n->key, pattern, seg) == 0);
        if (!match) {
            pp = &n->next;
            continue;
        }
        /* the matching member's counterpart under dest */
        struct stat_node **dp = dest;
        while (*dp && strcmp((*dp)->key, n->key) != 0)
            dp = &(*dp)->next;
        if (!dot) {
            *pp = n->next; /* detach */
            n->next = NULL;
            if (*dp) {
                stat_free(n); /* already there */
            } else {
                *dp = n;
            }
            continue;
        }
        if (!n->raw) {
            if (!*dp) {
                *dp = calloc(1, sizeof **dp);
                if (*dp)
                    (*dp)->key = strdup(n->key);
            }
            if (*dp && (*dp)->key)
                stat_move(&n->child, dot + 1, &(*dp)->child);
        }
        pp = &n->next;
    }
}

/* Writes the "stats" members: Suricata's counters, then (vigil) the rest
 * under "vigil". Falls back to the raw counters if they cannot be parsed. */
static void write_stats_object(struct json_writer *w, const struct sensor_totals *t,
                               const struct capture_stats *capture, uint64_t uptime_sec,
                               bool vigil)
{
    struct json_writer raw;
    if (json_writer_init(&raw, 16384) != 0)
        return;
    json_object_begin(&raw);
    write_raw_stats(&raw, t, capture, uptime_sec);
    json_object_end(&raw);
    const char *p = raw.data + 1;
    bool ok = !raw.failed;
    struct stat_node *root = ok ? stat_parse_members(&p, raw.data + raw.len, 0, &ok) : NULL;
    if (!ok) {
        stat_free(root);
        write_raw_stats(w, t, capture, uptime_sec);
        json_writer_free(&raw);
        return;
    }
    struct stat_node *extra = NULL;
    for (size_t i = 0; i < sizeof vigil_only / sizeof vigil_only[0]; i++)
        stat_move(&root, vigil_only[i], &extra);
    stat_emit(root, w);
    if (vigil && extra) {
        json_key_object_begin(w, "vigil");
        stat_emit(extra, w);
        json_object_end(w);
    }
    stat_free(root);
    stat_free(extra);
    json_writer_free(&raw);
}

static void write_event(struct eve_writer *ew, const struct sensor_totals *t,
                        const struct capture_stats *capture, uint64_t ts_usec,
                        uint64_t uptime_sec, bool vigil)
{
    struct json_writer *w = eve_event_begin(ew, "stats", NULL, NULL, EVE_DIR_FLOW, ts_usec);
    json_key_object_begin(w, "stats");
    write_stats_object(w, t, capture, uptime_sec, vigil);
    json_object_end(w);
    eve_event_end(ew);
}

void sensor_log_stats(struct eve_writer *ew, struct worker *workers, int count,
                      const struct capture_stats *capture, uint64_t ts_usec, uint64_t uptime_sec,
                      bool from_snapshots)
{
    struct sensor_totals t;
    collect(&t, workers, count, from_snapshots);
    write_event(ew, &t, capture, ts_usec, uptime_sec, false);
}

/* ---- stats.log ----
 * Suricata's text table: a header with the date and uptime, then one
 * "name | Total | value" line per counter that is not zero. The names are
 * the EVE stats object's, flattened with dots (decoder.pkts, ...). */

struct flat_out {
    char *buf;
    size_t len, cap;
    bool failed;
};

static void flat_append(struct flat_out *o, const char *s, size_t n)
{
    if (o->failed)
        return;
    if (o->len + n + 1 > o->cap) {
        size_t cap = o->cap ? o->cap * 2 : 16384;
        while (cap < o->len + n + 1)
            cap *= 2;
        char *nb = realloc(o->buf, cap);
        if (!nb) {
            o->failed = true;
            return;
        }
        o->buf = nb;
        o->cap = cap;
    }
    memcpy(o->buf + o->len, s, n);
    o->len += n;
    o->buf[o->len] = '\0';
}

/* Walks the JSON text of the stats object (objects of objects of numbers,
 * as write_stats_object produces) and emits a line per non-zero number. */
static const char *flatten(const char *p, const char *end, char *prefix, size_t plen,
                           size_t pcap, struct flat_out *o, int depth)
{
    if (p >= end || *p != '{' || depth > 16)
        return end;
    p++;
    while (p < end && *p != '}') {
        if (*p == ',') {
            p++;
            continue;
        }
        if (*p != '"')
            return end;
        const char *k = ++p;
        while (p < end && *p != '"')
            p++;
        size_t klen = (size_t)(p - k);
        p += 2; /* closing quote and colon */
        size_t np = plen;
        if (np && np + 1 < pcap)
            prefix[np++] = '.';
        if (np + klen + 1 < pcap) {
            memcpy(prefix + np, k, klen);
            np += klen;
        }
        prefix[np] = '\0';
        if (p < end && *p == '{') {
            p = flatten(p, end, prefix, np, pcap, o, depth + 1);
            if (p < end)
                p++; /* '}' */
        } else {
            const char *v = p;
            while (p < end && *p != ',' && *p != '}')
                p++;
            if (!(p - v == 1 && v[0] == '0')) {
                char line[512];
                int n = snprintf(line, sizeof line, "%-45s | %-25s | %.*s\n", prefix, "Total",
                                 (int)(p - v), v);
                if (n > 0)
                    flat_append(o, line, (size_t)n < sizeof line ? (size_t)n : sizeof line - 1);
            }
        }
        prefix[plen] = '\0';
    }
    return p;
}

static void write_stats_log(struct log_file *lf, const struct sensor_totals *t,
                            const struct capture_stats *capture, uint64_t uptime_sec)
{
    struct json_writer w;
    if (json_writer_init(&w, 16384) != 0)
        return;
    json_object_begin(&w);
    write_stats_object(&w, t, capture, uptime_sec, true);
    json_object_end(&w);
    static const char rule[] = "-------------------------------------------------------------------"
                               "-----------------\n";
    struct flat_out o = {0};
    char head[256];
    time_t now = time(NULL);
    struct tm tm;
    localtime_r(&now, &tm);
    char date[64];
    strftime(date, sizeof date, "%m/%d/%Y -- %H:%M:%S", &tm);
    int n = snprintf(head, sizeof head, "%sDate: %s (uptime: %llud, %02lluh %02llum %02llus)\n%s",
                     rule, date, (unsigned long long)(uptime_sec / 86400),
                     (unsigned long long)(uptime_sec / 3600 % 24),
                     (unsigned long long)(uptime_sec / 60 % 60),
                     (unsigned long long)(uptime_sec % 60), rule);
    flat_append(&o, head, (size_t)n);
    n = snprintf(head, sizeof head, "%-45s | %-25s | %s\n%s", "Counter", "TM Name", "Value", rule);
    flat_append(&o, head, (size_t)n);
    char prefix[256] = "";
    if (!w.failed)
        flatten(w.data, w.data + w.len, prefix, 0, sizeof prefix, &o, 0);
    if (!o.failed && o.len)
        log_file_write(lf, o.buf, o.len); /* one write: the table is never cut */
    free(o.buf);
    json_writer_free(&w);
}

/* The hub's sensors view shows each sensor's capture counters (drops
 * above all: a sensor that drops misses attacks): a short stats event goes
 * with the alerts, at most once a minute. Short, because the whole object
 * (hundreds of counters) a minute from every sensor would be most of
 * what a sector's sensors send. */
#define STATS_REPORT_INTERVAL_MS 60000u

static void report_stats(struct run_state *rs, const struct sensor_totals *t,
                         const struct capture_stats *capture, uint64_t ts_usec,
                         uint64_t uptime, bool force)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    uint64_t now_ms = (uint64_t)now.tv_sec * 1000u + (uint64_t)now.tv_nsec / 1000000u;
    if (!force && rs->last_stats_report_ms &&
        now_ms - rs->last_stats_report_ms < STATS_REPORT_INTERVAL_MS)
        return;
    rs->last_stats_report_ms = now_ms;
    struct json_writer w;
    if (json_writer_init(&w, 512) < 0)
        return;
    char ts[64];
    eve_format_timestamp(ts_usec, ts, sizeof ts);
    json_object_begin(&w);
    json_key_string(&w, "timestamp", ts);
    json_key_string(&w, "event_type", "stats");
    json_key_object_begin(&w, "stats");
    json_key_u64(&w, "uptime", uptime);
    json_key_object_begin(&w, "capture");
    json_key_u64(&w, "kernel_packets", capture->packets);
    json_key_u64(&w, "kernel_drops", capture->kernel_drops);
    json_key_u64(&w, "kernel_ifdrops", capture->if_drops);
    json_object_end(&w);
    json_key_object_begin(&w, "decoder");
    json_key_u64(&w, "pkts", t->decode.pkts);
    json_key_u64(&w, "bytes", t->decode.bytes);
    json_object_end(&w);
    if (t->have_detect) {
        json_key_object_begin(&w, "detect");
        json_key_u64(&w, "alert", t->detect.alerts);
        json_object_end(&w);
    }
    json_object_end(&w);
    json_object_end(&w);
    if (!w.failed)
        sensor_intel_report_stats(rs->intel, w.data, w.len);
    json_writer_free(&w);
}

void sensor_write_stats(struct run_state *rs, struct worker *workers, int count,
                        const struct capture_stats *capture, uint64_t ts_usec, bool from_snapshots,
                        struct eve_writer *writers)
{
    struct sensor_totals t;
    collect(&t, workers, count, from_snapshots);
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    uint64_t uptime = (uint64_t)now.tv_sec - rs->start_mono;
    for (int i = 0; i < rs->sc.n_eve_out; i++) {
        if (!rs->sc.eve_out[i].log_stats)
            continue;
        write_event(&writers[i], &t, capture, ts_usec, uptime, rs->sc.eve_out[i].stats_vigil);
        eve_writer_flush(&writers[i]);
    }
    if (rs->stats_log)
        write_stats_log(rs->stats_log, &t, capture, uptime);
    if (sensor_intel_reports(rs->intel))
        report_stats(rs, &t, capture, ts_usec, uptime, false);
}

void sensor_report_final_stats(struct run_state *rs, const struct capture_stats *capture,
                               uint64_t ts_usec)
{
    if (!sensor_intel_reports(rs->intel) || rs->nworkers == 0)
        return;
    struct sensor_totals t;
    collect(&t, rs->workers, rs->nworkers, false);
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    report_stats(rs, &t, capture, ts_usec, (uint64_t)now.tv_sec - rs->start_mono, true);
}

void sensor_stats_write(struct json_writer *jw, struct worker *workers, int count,
                        const struct capture_stats *capture, uint64_t uptime_sec,
                        bool from_snapshots)
{
    struct sensor_totals t;
    collect(&t, workers, count, from_snapshots);
    write_stats_object(jw, &t, capture, uptime_sec, false);
}
