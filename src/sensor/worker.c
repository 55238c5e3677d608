/* SPDX-License-Identifier: Apache-2.0 */
/* The per-packet pipeline of one worker: decode -> flow -> TCP stream or UDP
 * -> application layer -> (detection) -> output. Everything here is owned by
 * one thread; see docs/architecture.md for the whole path. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "app/app_parser.h"
#include "detect/rule.h"
#include "output/lua_output.h"
#include "sensor/ips_reject.h"
#include "sensor/sensor_internal.h"
#include "output/frame_log.h"
#include "util/log.h"

/* How often (packet time) idle flows and fragments are expired. */
#define WORKER_TIMEOUT_INTERVAL_USEC 1000000ull

static bool app_event_enabled(const struct sensor_eve_output *sc, const char *event_type,
                              const struct flow *flow)
{
    /* HTTP/2 transactions are "http" events of the eve-log "http2" type, as
     * in Suricata (its http2 logger). */
    if (flow && flow->app_proto == APP_PROTO_HTTP2 && strcmp(event_type, "http") == 0)
        return sc->log_app[APP_PROTO_HTTP2];
    if (strcmp(event_type, "fileinfo") == 0)
        return sc->log_app[0];
    /* A parser's own anomaly record (a layer-2 timer's): as the anomaly sink's. */
    if (strcmp(event_type, "anomaly") == 0)
        return sc->log_anomaly && sc->log_anomaly_applayer;
    int p = app_proto_from_name(event_type);
    if (p < 0) {
        if (strcmp(event_type, "email") == 0)
            p = APP_PROTO_SMTP;
        else if (strcmp(event_type, "ftp_data") == 0)
            p = APP_PROTO_FTP;
        else if (strcmp(event_type, "mdns") == 0 || strcmp(event_type, "llmnr") == 0)
            p = APP_PROTO_DNS;
        else
            return true;
    }
    return p < APP_PROTO_MAX && sc->log_app[p];
}

/* Protocols logged one event per message in the direction it travelled
 * (the grid and industrial ones: an APDU, a PDU, a frame, a chunk). */
static bool app_event_per_message(const char *event_type)
{
    static const char *const types[] = {"iec104", "s7comm", "mms", "c37118", "bacnet", "opcua",
                                         "sip", "fix", "diameter", "gtp", "quic",
                                         "iso8583"};
    for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
        if (strcmp(event_type, types[i]) == 0)
            return true;
    return false;
}

/* struct app_event_sink: app-layer events go to this worker's EVE writer.
 * DNS (and per-message protocols such as QUIC) is logged as the packet travelled
 * (Suricata does so too); transaction
 * logs of the other protocols from client to server. */
static void sink_emit(void *user, const char *event_type, const struct flow *flow,
                      const struct packet *packet, uint8_t direction,
                      void (*write_body)(const void *object, struct json_writer *w),
                      const void *object)
{
    struct worker *w = user;
    /* DNS messages are logged the way they travelled (Suricata logs them as
     * the packet did; with ACK-based delivery the packet at hand may be the
     * other side's ACK, so the message's own direction decides). */
    enum eve_direction dir = EVE_DIR_FLOW;
    if (flow && (strcmp(event_type, "dns") == 0 || strcmp(event_type, "mdns") == 0 ||
                 app_event_per_message(event_type)))
        dir = direction ? EVE_DIR_FLOW_REVERSED : EVE_DIR_FLOW;
    else if (flow && strcmp(event_type, "fileinfo") == 0)
        dir = direction ? EVE_DIR_FLOW_REVERSED : EVE_DIR_FLOW; /* as the file travelled */
    else if (flow && strcmp(event_type, "nfs") == 0)
        /* Suricata logs NFS as the packet at hand travelled (at flow end:
         * as the data last parsed did) */
        dir = packet ? EVE_DIR_PACKET : direction ? EVE_DIR_FLOW_REVERSED : EVE_DIR_FLOW;
    uint64_t ts = flow ? flow->last_usec : w->now_usec;
    for (int i = 0; i < w->neve; i++) {
        if (!app_event_enabled(&w->config->eve_out[i], event_type, flow))
            continue;
        struct json_writer *jw = eve_event_begin(&w->eve[i], event_type, packet, flow, dir, ts);
        /* File events name the protocol that carried the file, as Suricata's do. */
        if (flow && flow->app_proto && strcmp(event_type, "fileinfo") == 0)
            json_key_string(jw, "app_proto", app_proto_name(flow->app_proto));
        write_body(object, jw);
        eve_event_end(&w->eve[i]);
    }
}

/* One event in the first EVE output's shape, into its own file (the file
 * store's fileinfo records): built in that output's writer, then dropped
 * from it unwritten. */
static void sink_emit_to_file(void *user, const char *path, const char *event_type,
                              const struct flow *flow, const struct packet *packet,
                              uint8_t direction,
                              void (*write_body)(const void *object, struct json_writer *w),
                              const void *object)
{
    struct worker *w = user;
    if (w->neve == 0)
        return;
    struct eve_writer *ew = &w->eve[0];
    enum eve_direction dir = direction ? EVE_DIR_FLOW_REVERSED : EVE_DIR_FLOW;
    uint64_t ts = flow ? flow->last_usec : w->now_usec;
    struct json_writer *jw = eve_event_begin(ew, event_type, packet, flow, dir, ts);
    if (flow && flow->app_proto)
        json_key_string(jw, "app_proto", app_proto_name(flow->app_proto));
    write_body(object, jw);
    json_object_end(jw);
    ew->in_event = false;
    int fd = jw->failed ? -1 : open(path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC,
                                    0644);
    bool ok = fd >= 0 && write(fd, jw->data, jw->len) == (ssize_t)jw->len;
    if (fd >= 0)
        ok = close(fd) == 0 && ok;
    if (!ok) {
        app_file_store_error(w->app);
        log_warning("file store: cannot write %s: %s", path, strerror(errno));
        if (fd >= 0)
            unlink(path); /* no half record under the final name */
    }
    json_writer_reset(jw);
}

static void sink_anomaly(void *user, const struct flow *flow, const struct packet *packet,
                         uint16_t app_proto, const char *event_name)
{
    struct worker *w = user;
    if (w->events.napp < DETECT_MAX_PACKET_EVENTS) {
        w->events.app[w->events.napp].app_proto = app_proto;
        w->events.app[w->events.napp].name = event_name;
        w->events.napp++;
    }
    /* Protocol detection's own events (APPLAYER_*) come from layer
     * "proto_detect", parsers' from "proto_parser", as in Suricata. */
    const char *layer = strncasecmp(event_name, "APPLAYER_", 9) == 0 ? "proto_detect"
                                                                       : "proto_parser";
    for (int i = 0; i < w->neve; i++) {
        const struct sensor_eve_output *o = &w->config->eve_out[i];
        if (!o->log_anomaly || !o->log_anomaly_applayer)
            continue;
        eve_log_anomaly(&w->eve[i], packet, flow, "applayer", event_name,
                        app_proto_name(app_proto), layer);
        w->stats.anomalies_logged++;
    }
}

static void note_input_alert(struct worker *w, struct flow *f);
static inline void track_input_flow(struct worker *w, struct flow *f);

void worker_raise_alert(struct worker *w, const struct packet *packet, struct flow *flow,
                        uint64_t ts_usec, const struct builtin_alert *alert)
{
    if (!packet && !flow)
        return;
    w->stats.builtin_alerts++;
    if (flow)
        flow->alerted = true;
    note_input_alert(w, flow);
    if (!packet)
        ts_usec = ts_usec ? ts_usec : (flow->last_usec ? flow->last_usec : w->now_usec);
    atomic_fetch_add_explicit(&w->stats.alerts, 1, memory_order_relaxed);
    bool reported = false;
    for (int o = 0; o < w->neve; o++) {
        if (!w->config->eve_out[o].log_alert)
            continue;
        eve_log_builtin_alert(&w->eve[o], &w->config->eve_out[o].alert, packet, flow, ts_usec,
                              alert);
        if (!reported) /* to the hub once, as the first alert output wrote it */
            sensor_intel_report_alert(w, &w->eve[o]);
        reported = true;
    }
    if (w->shared->fast_log)
        fast_log_write_builtin(w->shared->fast_log, packet, flow, ts_usec, alert);
}

/* struct app_event_sink: a built-in detector in the application layer. */
static void sink_alert(void *user, const struct flow *flow, const struct packet *packet,
                       const struct builtin_alert *alert)
{
    struct worker *w = user;
    /* The sink hands out the flow as const (parsers log through it); the
     * worker owns the flow and marks it alerted. */
    worker_raise_alert(w, packet, (struct flow *)flow, w->now_usec, alert);
}

/* struct app_event_sink: built-in field inspection (shared indicators,
 * protected domains) of a transaction direction and of closed files. */
static void sink_tx_inspect(void *user, struct flow *flow, const struct packet *packet,
                            const struct app_tx *tx, uint8_t direction)
{
    struct worker *w = user;
    sensor_intel_tx(w, flow, packet, tx, direction);
    if (w->shared->lua_out)
        lua_output_tx(w->shared->lua_out, flow, packet, tx, direction);
    behaviour_tx(w->behaviour, flow, packet ? packet->ts_usec : w->now_usec, tx, direction);
}

static void sink_file_closed(void *user, struct flow *flow, const struct packet *packet,
                             const struct app_file *file)
{
    sensor_intel_file(user, flow, packet, file);
}

/* behaviour_alert_fn: a behavioural detector's alert on the flow at hand. */
static void behaviour_alert(void *user, struct flow *f, const struct builtin_alert *a)
{
    worker_raise_alert(user, NULL, f, f ? f->last_usec : 0, a);
}

/* struct eve_writer.flow_vars: the detection variables of the flow. */
static void eve_flow_vars(const void *user, const struct flow *f, struct json_writer *w)
{
    detect_flow_write_vars(user, f, w);
}

static void sync_app_proto(struct flow *f)
{
    if (f->app)
        f->app_proto = app_flow_state_proto(f->app);
}

/* struct stream_callbacks: reassembled bytes go to the application layer. */
static void stream_on_data(void *user, struct flow *f, const struct packet *p, uint8_t direction,
                           const uint8_t *data, uint32_t len, uint32_t flags)
{
    struct worker *w = user;
    if (f->app_closed)
        return; /* the session closed: late retransmissions go nowhere */
    if (w->detect)
        detect_stream_data(w->detect, f, direction, (flags & APP_DATA_GAP) ? NULL : data,
                           (flags & APP_DATA_GAP) ? 0 : len);
    app_layer_handle_tcp_data(w->app, &f->app, f, p, direction, data, len, flags);
    sync_app_proto(f);
}

static void stream_on_event(void *user, struct flow *f, const struct packet *p, int stream_event)
{
    struct worker *w = user;
    if (w->events.nstream < DETECT_MAX_PACKET_EVENTS)
        w->events.stream[w->events.nstream++] = stream_event;
    char name[96];
    name[0] = '\0';
    for (int i = 0; i < w->neve; i++) {
        const struct sensor_eve_output *o = &w->config->eve_out[i];
        if (!o->log_anomaly || !o->log_anomaly_stream)
            continue;
        if (!name[0])
            snprintf(name, sizeof name, "stream.%s", stream_event_name(stream_event));
        eve_log_anomaly(&w->eve[i], p, f, "stream", name, NULL, NULL);
        w->stats.anomalies_logged++;
    }
}

static void run_detection(struct worker *w, struct packet *p, struct flow *f);

/* Detection on what a flow leaves pending when it ends (transactions that
 * never completed, stream data flushed at the end), through one pseudo
 * packet per direction, as Suricata does with its flow-timeout packets. */
static void detect_flow_end(struct worker *w, struct flow *f)
{
    if (f->ips_flags & FLOW_IPS_DROP)
        return; /* a dropped flow is not inspected any more */
    for (uint8_t dir = 0; dir < 2; dir++) {
        struct packet *p = &w->pseudo;
        memset(p, 0, sizeof *p);
        p->flags = PACKET_FLAG_PSEUDO;
        p->ts_usec = f->last_usec;
        p->ip_version = f->key.src.family;
        p->proto = f->key.proto;
        p->src = dir ? f->key.dst : f->key.src;
        p->dst = dir ? f->key.src : f->key.dst;
        p->src_port = dir ? f->key.dst_port : f->key.src_port;
        p->dst_port = dir ? f->key.src_port : f->key.dst_port;
        p->vlan_count = f->key.vlan_count;
        memcpy(p->vlan_id, f->key.vlan_id, sizeof p->vlan_id);
        p->flow = f;
        p->flow_direction = dir;
        run_detection(w, p, f);
    }
}

/* When a TCP session has closed, all its data has been delivered: finish the
 * application layer now (log what is pending, a last detection pass per
 * direction, as Suricata's stream-end flush does) and free its state, rather
 * than holding transactions until the flow times out. */
static void app_close_if_session_closed(struct worker *w, struct flow *f)
{
    const char *st = stream_session_state_name(f);
    if (!st || (strcmp(st, "closed") != 0 && strcmp(st, "time_wait") != 0))
        return;
    /* Data the receiver never acknowledged (a RST ended it) is delivered now,
     * as it would be at flow end. */
    stream_flow_end(w->stream, f);
    app_layer_flow_end(w->app, f->app, f);
    sync_app_proto(f);
    if (w->detect)
        detect_flow_end(w, f);
    f->app_proto_toserver = app_flow_state_proto_dir(f->app, 0);
    f->app_proto_toclient = app_flow_state_proto_dir(f->app, 1);
    f->app_proto_orig = app_flow_state_proto_orig(f->app);
    app_flow_state_free(f->app);
    f->app = NULL;
    f->app_closed = true;
}

/* struct flow_hooks: a flow ends (timeout, eviction, reuse, shutdown). */
static void flow_on_end(void *user, struct flow *f)
{
    struct worker *w = user;
    if (f->tcp)
        stream_flow_end(w->stream, f);
    if (f->app) {
        app_layer_flow_end(w->app, f->app, f);
        sync_app_proto(f);
    }
    if (w->detect && !f->app_closed)
        detect_flow_end(w, f);
    /* Behavioural detectors see each flow once, as it ends (before it is
     * logged, so an alert marks it alerted); src/behaviour/. */
    behaviour_flow_end(w->behaviour, f);
    if (w->shared->lua_out)
        lua_output_flow(w->shared->lua_out, f);
    if (w->config->any_log_flow) {
        struct eve_flow_protos protos = {0};
        if (f->app_proto)
            protos.app_proto = app_proto_name(f->app_proto);
        if (f->app || f->app_closed) {
            uint16_t ts = f->app ? app_flow_state_proto_dir(f->app, 0) : f->app_proto_toserver;
            uint16_t tc = f->app ? app_flow_state_proto_dir(f->app, 1) : f->app_proto_toclient;
            uint16_t orig = f->app ? app_flow_state_proto_orig(f->app) : f->app_proto_orig;
            if (ts != f->app_proto)
                protos.app_proto_ts = app_proto_name(ts);
            if (tc != f->app_proto)
                protos.app_proto_tc = app_proto_name(tc);
            if (orig != APP_PROTO_UNKNOWN && orig != f->app_proto)
                protos.app_proto_orig = app_proto_name(orig);
        }
        for (int i = 0; i < w->neve; i++)
            if (w->config->eve_out[i].log_flow)
                eve_log_flow(&w->eve[i], f, &protos);
    }
    if (f->app) {
        app_flow_state_free(f->app);
        f->app = NULL;
    }
    detect_flow_state_free(f->detect_state);
    f->detect_state = NULL;
    eve_flow_macs_free(f);
    /* Last: every alert of the flow (flow-end inspection, stream and
     * application-layer final data) is noted before its file can be judged. */
    if (f->input_tracked && w->run) {
        struct sensor_input_track *t = sensor_input_track(w->run, f->input_first);
        if (t)
            atomic_fetch_sub_explicit(&t->live_flows, 1, memory_order_release);
        f->input_tracked = false;
    }
}

int worker_init(struct worker *w, int id, const struct sensor_config *sc,
                struct log_file *const *eve_files, const struct sensor_shared *shared)
{
    memset(w, 0, sizeof *w);
    pthread_mutex_init(&w->snap_lock, NULL);
    w->id = id;
    w->config = sc;
    w->shared = shared;
    w->input_index = UINT32_MAX;
    atomic_init(&w->oldest_cnt, UINT64_MAX); /* nothing to process yet */
    atomic_store_explicit(&w->input_seen, UINT32_MAX, memory_order_relaxed);
    char err[256] = "";
    for (int i = 0; i < sc->n_eve_out; i++) {
        if (eve_writer_init(&w->eve[i], eve_files[i], &sc->eve_out[i].eve) != 0) {
            worker_fini(w);
            return -ENOMEM;
        }
        w->neve = i + 1;
    }
    w->decode = decode_thread_ctx_new(&sc->decode);
    struct stream_callbacks scb = {.user = w, .data = stream_on_data, .event = stream_on_event};
    w->stream = stream_thread_ctx_new(&sc->stream, &scb);
    struct flow_config fc = sc->flow;
    fc.thread_id = (uint32_t)id;
    struct flow_hooks hooks = {.user = w, .flow_end = flow_on_end};
    stream_flow_hooks_set(&hooks, w->stream);
    w->flows = flow_table_new(&fc, &hooks, err, sizeof err);
    struct app_event_sink sink = {.user = w, .emit = sink_emit, .anomaly = sink_anomaly,
                                  .alert = sink_alert, .tx_inspect = sink_tx_inspect,
                                  .file_closed = sink_file_closed,
                                  .emit_to_file = sink_emit_to_file};
    sensor_intel_worker_init(w);
    if (shared->swap)
        w->swap_reader = swap_reader_register(shared->swap);
    if (sc->any_log_frame)
        app_layer_set_frames_active(true); /* parsers report frames for the frame log */
    w->app = app_layer_thread_ctx_new(&sc->app, &sink);
    if (w->app && sc->exception_per_proto &&
        sc->exception_policy[IPS_EXC_APPLAYER_ERROR] != IPS_POLICY_IGNORE)
        app_layer_error_policy_stats_enable(w->app);
    w->behaviour = behaviour_ctx_new(&sc->behaviour, shared->behaviour, behaviour_alert, w);
    /* The running engine; later ones are adopted between packets
     * (worker_sync, sensor/reload.h). */
    w->engine = sensor_engine_current();
    w->engine_slot = sensor_engine_slot();
    w->swap = swap_reader_register(sensor_swap_domain());
    for (int i = 0; i < w->neve; i++)
        w->eve[i].flow_vars = eve_flow_vars;
    if (w->engine && w->engine->engine) {
        w->detect = detect_worker_new(w->engine->engine);
        if (w->detect) {
            detect_worker_set_shared(w->detect, shared->detect);
            detect_worker_set_order(w->detect, worker_order_wait, w);
        }
        for (int i = 0; i < w->neve; i++)
            w->eve[i].flow_vars_user = detect_engine_rule_set(w->engine->engine);
    }
    if (!w->decode || !w->stream || !w->flows || !w->app || !w->swap ||
        (w->engine && w->engine->engine && !w->detect)) {
        /* A reason in err is a configuration problem (e.g. a memcap too
         * small for the hash size); without one, memory ran out. */
        bool config_problem = err[0] != '\0';
        log_error("worker %d: cannot initialise: %s", id, config_problem ? err : "out of memory");
        worker_fini(w);
        return config_problem ? -EINVAL : -ENOMEM;
    }
    return 0;
}

void worker_fini(struct worker *w)
{
    if (w->flows)
        flow_table_free(w->flows);
    if (w->app)
        app_layer_thread_ctx_free(w->app);
    behaviour_ctx_free(w->behaviour);
    w->behaviour = NULL;
    if (w->stream)
        stream_thread_ctx_free(w->stream);
    if (w->decode)
        decode_thread_ctx_free(w->decode);
    if (w->detect)
        detect_worker_free(w->detect);
    w->detect = NULL;
    swap_reader_unregister(w->swap);
    w->swap = NULL;
    for (int i = 0; i < w->neve; i++)
        eve_writer_free(&w->eve[i]);
    w->neve = 0;
    swap_reader_unregister(w->swap_reader);
    w->swap_reader = NULL;
    w->flows = NULL;
    w->app = NULL;
    w->stream = NULL;
    w->decode = NULL;
    pthread_mutex_destroy(&w->snap_lock);
}

void worker_advance_time(struct worker *w, uint64_t now_usec)
{
    worker_sync(w); /* every packet and every idle tick comes through here */
    worker_poll(w); /* requests of the main thread and the control socket */
    if (now_usec > w->now_usec)
        w->now_usec = now_usec;
    if (w->now_usec - w->last_timeout_check_usec < WORKER_TIMEOUT_INTERVAL_USEC)
        return;
    w->last_timeout_check_usec = w->now_usec;
    flow_table_timeout(w->flows, w->now_usec);
    decode_expire(w->decode, w->now_usec);
    app_layer_timeout(w->app, w->now_usec);
}

static void log_decode_anomalies(struct worker *w, const struct packet *p)
{
    char name[96];
    for (int o = 0; o < w->neve; o++) {
        const struct sensor_eve_output *out = &w->config->eve_out[o];
        if (!out->log_anomaly || !out->log_anomaly_decode)
            continue;
        for (uint8_t i = 0; i < p->event_count; i++) {
            snprintf(name, sizeof name, "decoder.%s", decode_event_name(p->events[i]));
            eve_log_anomaly(&w->eve[o], p, p->flow, "decode", name, NULL, NULL);
            w->stats.anomalies_logged++;
        }
    }
}

/* The rules' verdict on the packet (detect_last_verdict) applied as
 * Suricata does: the packet's actions, and a drop or pass that applies to
 * the flow marks it (flow.action "drop"/"pass"; no more inspection). */
static void apply_rule_verdict(struct worker *w, const struct packet *p, struct flow *f)
{
    const struct detect_verdict *v = detect_last_verdict(w->detect);
    if (!v->actions || (p->flags & PACKET_FLAG_PSEUDO))
        return;
    if (v->actions & DETECT_ACTION_DROP) {
        ips_packet_drop(&w->verdict,
                        v->rate_filter ? IPS_DROP_THRESHOLD_DETECTION_FILTER : IPS_DROP_RULES);
        w->verdict.actions |= v->actions;
        if (!w->verdict.drop_rule)
            w->verdict.drop_rule = v->drop_rule;
        /* First to set wins: a passed flow is not dropped later. */
        if (f && v->drop_flow && !f->action_pass)
            f->ips_flags |= FLOW_IPS_DROP;
    } else if (v->actions & DETECT_ACTION_PASS) {
        w->verdict.actions |= DETECT_ACTION_PASS;
        if (f && v->pass_flow && !(f->ips_flags & FLOW_IPS_DROP))
            f->action_pass = true;
    }
}

/* A rule with filestore matched: its files go to the file store (nothing
 * without one). Direction: the keyword's, else the rule's, else both; scope
 * file and tx: the matching transaction's files (Suricata's file scope is
 * the file a file rule inspected; vigil matches transactions, so their
 * files), flow: every file of the flow from now on. */
static void apply_filestore(struct flow *f, const struct detect_alert *a)
{
    const struct rule *r = a->rule;
    uint8_t dirs = r->filestore_dirs;
    if (!dirs) {
        uint32_t rd = r->flags & (RULE_FLAG_TOSERVER | RULE_FLAG_TOCLIENT);
        dirs = rd == RULE_FLAG_TOSERVER ? 1 : rd == RULE_FLAG_TOCLIENT ? 2 : 3;
    }
    if (r->filestore_scope == RULE_FILESTORE_FLOW)
        app_flow_files_store(f->app, dirs);
    else if (a->tx)
        /* The transaction belongs to this worker's flow: the alert only
         * keeps a read-only view of it. */
        app_tx_files_store((struct app_tx *)a->tx, dirs);
}

/* The n alerts of a packet (f NULL for a layer-2 frame) to every output. */
static void emit_alerts(struct worker *w, const struct packet *p, struct flow *f, uint32_t n)
{
    if (n) {
        atomic_fetch_add_explicit(&w->stats.alerts, n, memory_order_relaxed);
        note_input_alert(w, f);
    }
    for (uint32_t i = 0; i < n; i++) {
        if (w->alerts[i].rule->filestore && f && f->app)
            apply_filestore(f, &w->alerts[i]);
        /* A tagged packet (the pseudo signature 2:1) is no EVE alert: with
         * the alert output's tagged-packets it is a "packet" event. */
        bool tagged = w->alerts[i].rule->gid == 2 && w->alerts[i].rule->sid == 1;
        bool reported = false;
        for (int o = 0; o < w->neve; o++) {
            const struct sensor_eve_output *out = &w->config->eve_out[o];
            if (out->log_alert && tagged && out->alert.tagged_packets) {
                eve_log_packet(&w->eve[o], p, f);
            } else if (out->log_alert && !tagged) {
                eve_log_alert_verdict(&w->eve[o], &out->alert, p, f, &w->alerts[i],
                                      w->engine->engine, w->verdict.actions);
                if (!reported) /* to the hub once, as the first alert output wrote it */
                    sensor_intel_report_alert(w, &w->eve[o]);
                reported = true;
            }
        }
        if (w->shared->fast_log)
            fast_log_write(w->shared->fast_log, p, &w->alerts[i], w->engine->engine,
                               w->config->ips_mode);
        if (w->shared->lua_out && !tagged)
            lua_output_alert(w->shared->lua_out, p, f, w->alerts[i].rule,
                             w->engine->rules, w->alerts[i].tx);
    }
}

struct frame_log_run {
    struct worker *w;
    const struct packet *p;
    const struct flow *f;
};

static void log_one_frame(const struct app_frame_info *fi, void *user)
{
    struct frame_log_run *r = user;
    if (fi->type == APP_FRAME_TYPE_STREAM)
        return; /* the whole stream: not a frame of its own in the log */
    for (int o = 0; o < r->w->neve; o++)
        if (r->w->config->eve_out[o].log_frame)
            eve_log_frame(&r->w->eve[o], r->p, r->f, fi);
}

/* The frames the parsers reported in the packet's direction, after
 * detection saw them: to the EVE frame log, then forgotten. */
static void frames_done(struct worker *w, const struct packet *p, struct flow *f)
{
    if (!f || !f->app)
        return;
    uint8_t dir = p->flow_direction ? 1 : 0;
    bool final = (p->flags & PACKET_FLAG_PSEUDO) != 0; /* flow end */
    if (w->config->any_log_frame) {
        struct frame_log_run r = {.w = w, .p = p, .f = f};
        app_flow_frames_foreach(f->app, dir, final, log_one_frame, &r);
    }
    app_flow_frames_clear(f->app, dir, final);
}

static void run_detection(struct worker *w, struct packet *p, struct flow *f)
{
    uint32_t n = detect_packet(w->detect, p, f, &w->events, w->alerts,
                               DETECT_MAX_ALERTS_PER_PACKET);
    w->events.nstream = w->events.napp = 0;
    apply_rule_verdict(w, p, f);
    emit_alerts(w, p, f, n);
    frames_done(w, p, f);
}

/* Layer-2 industrial protocols (GOOSE, SV, PROFINET): parsed and logged by
 * the application layer outside flows; rules naming them see the frame's
 * transaction. */
static void l2_process(struct worker *w, struct packet *p)
{
    const struct app_tx *tx = app_layer_handle_l2(w->app, p);
    if (!w->detect || !tx) {
        w->events.nstream = w->events.napp = 0;
        return;
    }
    uint32_t n = detect_l2_packet(w->detect, p, tx, &w->events, w->alerts,
                                  DETECT_MAX_ALERTS_PER_PACKET);
    w->events.nstream = w->events.napp = 0;
    apply_rule_verdict(w, p, NULL);
    emit_alerts(w, p, NULL, n);
}

/* A tunnelled packet also counts in the flow of each UDP layer around it (a
 * GTP-U, VXLAN, Geneve or Teredo frame is a packet of its outer UDP flow
 * too), as Suricata tracks a UDP tunnel's root packet; GRE and IP-in-IP
 * outer layers get no flow there, and none here. Only accounting: the outer
 * payload is the tunnel, so no stream, application layer or detection runs
 * on it. */
static void count_outer_flows(struct worker *w, const struct packet *p)
{
    struct packet *v = &w->outer_view;
    for (uint8_t i = 0; i < p->outer_count; i++) {
        const struct packet_layer *l = &p->outer[i];
        if (l->proto != 17)
            continue;
        /* Only the fields the flow layer reads; the rest stay zero. */
        v->ts_usec = p->ts_usec;
        v->caplen = p->caplen;
        v->wirelen = p->wirelen;
        v->pcap_cnt = p->pcap_cnt;
        v->datalink = p->datalink;
        v->vlan_count = p->vlan_count;
        memcpy(v->vlan_id, p->vlan_id, sizeof v->vlan_id);
        v->ip_version = l->ip_version;
        v->src = l->src;
        v->dst = l->dst;
        v->proto = l->proto;
        v->src_port = l->src_port;
        v->dst_port = l->dst_port;
        v->tunnel_depth = l->tunnel_depth;
        v->data = p->data;
        struct flow *of = flow_table_get(w->flows, v);
        /* A GTP-U header: a "gtp" event on the outer flow, with the
         * addresses of the packet it carried (the next layer in, or the
         * packet itself), and gid 7301 sid 3 when that is GTP-U again. */
        if (of && l->tunnel_type == DECODE_TUNNEL_GTPU && l->tunnel_hdr) {
            bool last = i + 1 == p->outer_count;
            const struct packet_layer *in = last ? NULL : &p->outer[i + 1];
            bool gtp_inside = in && in->tunnel_type == DECODE_TUNNEL_GTPU;
            app_layer_tunnel_gtpu(w->app, of, v, v->flow_direction, l->tunnel_hdr,
                                  l->tunnel_hdr_len, in ? &in->src : &p->src,
                                  in ? &in->dst : &p->dst, gtp_inside);
        }
    }
}

/* The stream layer applied the midstream exception policy to the flow (on
 * this packet): drop-flow and reject drop the flow from this packet on,
 * the first packet for the reason "stream midstream". */
static void midstream_exception_verdict(struct worker *w, struct flow *f)
{
    int pol = w->config->exception_policy[IPS_EXC_MIDSTREAM];
    if (pol >= 0 && pol < IPS_POLICY_IGNORE)
        w->ips_stats.exception[IPS_EXC_MIDSTREAM][pol]++;
    /* IDS mode: reject leaves the flow uninspected only (the stream layer
     * marked it), it is not a dropped flow (as Suricata logs it). */
    if ((pol != IPS_POLICY_DROP_FLOW && pol != IPS_POLICY_REJECT) || !w->config->ips_mode)
        return;
    f->ips_flags |= FLOW_IPS_DROP | FLOW_IPS_EXCEPTION_DROP;
    ips_packet_drop(&w->verdict, IPS_DROP_STREAM_MIDSTREAM);
    if (pol == IPS_POLICY_REJECT)
        w->verdict.actions |= DETECT_ACTION_REJECT;
}

/* The packet met an exception (a memcap, a parser giving up): the target's
 * policy (Suricata's exception policies), counted by policy and recorded on
 * the flow (*record = 1 + policy, ignore included) when there is one.
 * Without a flow the policy applies to the packet only (drop-flow was
 * already made drop-packet for such targets). Returns true when the packet
 * is not to be inspected (dropped, or passed). */
static bool apply_exception(struct worker *w, struct flow *f, enum ips_exception_target t,
                            uint8_t *record, enum ips_drop_reason reason)
{
    int pol = w->config->exception_policy[t];
    if (pol < 0 || pol > IPS_POLICY_IGNORE)
        pol = IPS_POLICY_IGNORE;
    if (record && !*record)
        *record = (uint8_t)(1 + pol);
    if (pol == IPS_POLICY_IGNORE)
        return false;
    w->ips_stats.exception[t][pol]++;
    switch (pol) {
    case IPS_POLICY_REJECT:
        w->verdict.actions |= DETECT_ACTION_REJECT;
        /* fall through */
    case IPS_POLICY_DROP_FLOW:
        if (f)
            f->ips_flags |= FLOW_IPS_DROP | FLOW_IPS_EXCEPTION_DROP;
        /* fall through */
    case IPS_POLICY_DROP_PACKET:
        ips_packet_drop(&w->verdict, reason);
        return true;
    case IPS_POLICY_PASS_FLOW:
        if (f)
            f->action_pass = true;
        return true;
    case IPS_POLICY_BYPASS:
        if (f)
            f->state = FLOW_STATE_BYPASSED;
        return true;
    default: /* pass-packet */
        return true;
    }
}

/* stats.app_layer.error.<proto>.exception_policy (per-app-proto-errors). */
static void count_proto_exception(struct worker *w, const struct flow *f)
{
    int pol = w->config->exception_policy[IPS_EXC_APPLAYER_ERROR];
    if (w->config->exception_per_proto && pol >= 0 && pol < IPS_POLICY_IGNORE)
        app_layer_error_policy_count(w->app, f->app_proto, f->key.proto == 17, pol);
}

/* The drop rule of the packet, as the drop event's alert object. */
static void drop_rule_info(const struct worker *w, struct ips_alert_info *ai)
{
    const struct rule *r = w->verdict.drop_rule;
    memset(ai, 0, sizeof *ai);
    ai->gid = r->gid;
    ai->sid = r->sid;
    ai->rev = r->rev;
    ai->msg = r->msg;
    ai->category = detect_rule_category(w->engine->engine, r);
    ai->severity = detect_rule_severity(w->engine->engine, r);
}

/* IPS mode: the packet's final verdict - counted, and logged when dropped. */
static void ips_finish_packet(struct worker *w, const struct packet *p, struct flow *f)
{
    struct ips_packet *v = &w->verdict;
    if (!(v->actions & DETECT_ACTION_DROP)) {
        w->ips_stats.accepted++;
        return;
    }
    w->ips_stats.blocked++;
    w->ips_stats.drop_reason[v->reason < IPS_DROP_REASON_MAX ? v->reason : IPS_DROP_NONE]++;
    if (v->actions & DETECT_ACTION_REJECT_ANY)
        w->ips_stats.rejected++;
    for (int o = 0; o < w->neve; o++) {
        const struct sensor_eve_output *out = &w->config->eve_out[o];
        if (!out->log_drop || !ips_drop_log_wanted(&out->drop, p, f, v))
            continue;
        struct ips_alert_info ai;
        bool with_alert = out->drop.alerts && v->drop_rule && w->engine;
        if (with_alert)
            drop_rule_info(w, &ai);
        ips_log_drop(&w->eve[o], &out->drop, p, f, v, with_alert ? &ai : NULL);
    }
}

bool worker_packet_dropped(const struct worker *w)
{
    return w->config->ips_mode && (w->verdict.actions & DETECT_ACTION_DROP);
}

static int tx_detect_skipped(struct app_tx *tx, void *user)
{
    (void)user;
    app_tx_set_detect_done(tx, 0);
    app_tx_set_detect_done(tx, 1);
    return 0;
}

void worker_packet_respond(struct worker *w, struct capture_source *src)
{
    uint8_t a = w->verdict.actions;
    if (!(a & DETECT_ACTION_REJECT_ANY) || !capture_is_inline(src))
        return;
    const struct packet *p = &w->packet;
    bool dropped = worker_packet_dropped(w);
    uint8_t buf[IPS_REJECT_MAX];
    for (int back = 1; back >= 0; back--) {
        uint8_t want = back ? (DETECT_ACTION_REJECT | DETECT_ACTION_REJECT_BOTH)
                            : (DETECT_ACTION_REJECT_DST | DETECT_ACTION_REJECT_BOTH);
        if (!(a & want))
            continue;
        uint32_t len = ips_reject_build(p, back, dropped, buf, sizeof buf);
        if (len && capture_inject(src, back, buf, len) != 0)
            w->ips_stats.reject_errors++;
    }
}

void worker_process_frame(struct worker *w, const struct capture_frame *frame, uint64_t pcap_cnt)
{
    struct packet *p = &w->packet;
    p->data = frame->data;
    p->caplen = frame->caplen;
    p->wirelen = frame->wirelen;
    p->ts_usec = frame->ts_usec;
    p->pcap_cnt = pcap_cnt;
    p->datalink = frame->datalink;
    p->flow = NULL;
    w->events.nstream = w->events.napp = 0;
    memset(&w->verdict, 0, sizeof w->verdict);
    w->stats.packets++;
    w->stats.bytes += frame->caplen;

    worker_advance_time(w, p->ts_usec);
    decode_packet(w->decode, p);
    if (p->outer_count)
        count_outer_flows(w, p);

    struct flow *f = NULL;
    bool skip_detect = false;
    if (p->exceptions & PACKET_EXC_DEFRAG_MEMCAP)
        skip_detect |= apply_exception(w, NULL, IPS_EXC_DEFRAG_MEMCAP, NULL,
                                       IPS_DROP_DEFRAG_MEMCAP);
    if (!(p->flags & PACKET_FLAG_INVALID))
        f = flow_table_get(w->flows, p);
    if (p->exceptions & PACKET_EXC_FLOW_MEMCAP)
        skip_detect |= apply_exception(w, NULL, IPS_EXC_FLOW_MEMCAP, NULL, IPS_DROP_FLOW_MEMCAP);
    if (p->event_count)
        log_decode_anomalies(w, p);

    /* A dropped flow: its packets are blocked (inline) and not inspected;
     * inline, what is blocked never reaches the stream or application
     * layer either. */
    bool flow_dropped = f && (f->ips_flags & FLOW_IPS_DROP);
    if (flow_dropped)
        ips_packet_drop(&w->verdict, (f->ips_flags & FLOW_IPS_EXCEPTION_DROP)
                                         ? IPS_DROP_EXCEPTION_FLOW_DROP
                                         : IPS_DROP_FLOW_DROP);
    if ((flow_dropped && w->config->ips_mode) ||
        (f && f->state == FLOW_STATE_BYPASSED && f->tcp)) {
        /* A bypassed session is no longer tracked by the stream layer. */
        track_input_flow(w, f);
    } else if (f) {
        if (w->shared->intel)
            sensor_intel_flow(w, f, p);
        track_input_flow(w, f);
        if (w->config->track_macs)
            eve_flow_macs_track(f, p);
        if (p->proto == 6) {
            uint8_t had_exception = f->exception_midstream;
            stream_handle_packet(w->stream, f, p);
            if (!had_exception && f->exception_midstream)
                midstream_exception_verdict(w, f);
            else if (f->exception_midstream == 1 + STREAM_MIDSTREAM_PASS_FLOW &&
                     !w->config->stream.midstream)
                /* no session is picked up: every packet meets the exception */
                w->ips_stats.exception[IPS_EXC_MIDSTREAM][IPS_POLICY_PASS_FLOW]++;
            if (p->exceptions & PACKET_EXC_SSN_MEMCAP)
                skip_detect |= apply_exception(w, f, IPS_EXC_STREAM_MEMCAP,
                                               &f->exception_ssn_memcap, IPS_DROP_STREAM_MEMCAP);
            if (p->exceptions & PACKET_EXC_REASM_MEMCAP)
                skip_detect |= apply_exception(w, f, IPS_EXC_REASSEMBLY_MEMCAP,
                                               &f->exception_reasm_memcap,
                                               IPS_DROP_STREAM_REASSEMBLY);
        } else if (p->proto == 17 && p->payload_len > 0) {
            app_layer_handle_udp(w->app, &f->app, f, p, p->flow_direction, p->payload,
                                 p->payload_len);
            sync_app_proto(f);
        } else if (p->proto == 132 && p->payload_len > 0) {
            app_layer_handle_sctp(w->app, &f->app, f, p, p->flow_direction, p->payload,
                                  p->payload_len);
            sync_app_proto(f);
        }
        if (f->app && !f->exception_applayer && app_flow_state_parser_failed(f->app)) {
            skip_detect |= apply_exception(w, f, IPS_EXC_APPLAYER_ERROR, &f->exception_applayer,
                                           IPS_DROP_APPLAYER_ERROR);
            count_proto_exception(w, f);
        }
        /* The application layer found the first data to be the server's. */
        if (f->app && app_flow_state_take_reverse(f->app)) {
            if (f->tcp)
                stream_session_swap(f);
            p->flow_direction ^= 1;
        }
    }
    /* Invalid packets are inspected too (IP-only rules and decoder-event
     * rules still apply to them), as in Suricata. A flow passed or bypassed
     * by an exception policy is not. */
    if (w->detect && p->ip_version && !skip_detect &&
        !(f && (f->action_pass || f->uninspected || f->state == FLOW_STATE_BYPASSED ||
                flow_dropped)))
        run_detection(w, p, f);
    else if (p->l2_type && !p->ip_version)
        l2_process(w, p);
    else
        frames_done(w, p, f);
    /* Detection no longer runs on such a flow: its transactions must not
     * wait for it to be freed (Suricata's #8619: a passed UDP flow kept
     * every transaction until its parser's limit). */
    if (w->detect && f && f->app &&
        (f->action_pass || f->uninspected || f->state == FLOW_STATE_BYPASSED || flow_dropped))
        app_flow_state_tx_foreach(f->app, tx_detect_skipped, NULL);
    if (f && f->app && f->tcp && !f->app_closed)
        app_close_if_session_closed(w, f);
    if (w->config->ips_mode)
        ips_finish_packet(w, p, f);
    worker_quiescent(w);
}

void worker_quiescent(struct worker *w)
{
    if (w->swap_reader)
        swap_reader_quiescent(w->swap_reader);
}

void worker_offline(struct worker *w, bool idle)
{
    if (!w->swap_reader)
        return;
    if (idle)
        swap_reader_offline(w->swap_reader);
    else
        swap_reader_online(w->swap_reader);
}

void worker_shutdown(struct worker *w)
{
    worker_sync(w);
    flow_table_shutdown(w->flows);
    worker_flush_outputs(w);
}

void worker_flush_outputs(struct worker *w)
{
    for (int i = 0; i < w->neve; i++)
        eve_writer_flush(&w->eve[i]);
}

void worker_set_pcap_filename(struct worker *w, const char *name)
{
    for (int i = 0; i < w->neve; i++)
        w->eve[i].pcap_filename = name;
}

void worker_set_input(struct worker *w, uint32_t index, const char *name)
{
    worker_set_pcap_filename(w, name);
    w->input_index = index;
}

/* An alert: the files it came from (the flow's, else the packet's). */
static void note_input_alert(struct worker *w, struct flow *f)
{
    if (!w->run)
        return;
    if (f && f->input_tracked) {
        /* Every file holding the flow's packets; each file once per flow,
         * so a flow spanning many files costs no loop per alert. */
        uint32_t from = f->input_marked > f->input_first ? f->input_marked : f->input_first;
        for (uint32_t i = from; i <= f->input_last && i != UINT32_MAX; i++) {
            struct sensor_input_track *t = sensor_input_track(w->run, i);
            if (t)
                atomic_store_explicit(&t->alerted, true, memory_order_relaxed);
        }
        if (f->input_last + 1 > f->input_marked)
            f->input_marked = f->input_last + 1;
        return;
    }
    if (w->input_index != UINT32_MAX) {
        struct sensor_input_track *t = sensor_input_track(w->run, w->input_index);
        if (t)
            atomic_store_explicit(&t->alerted, true, memory_order_relaxed);
    }
}

/* A packet of flow f: the flow holds packets of the current file. */
static inline void track_input_flow(struct worker *w, struct flow *f)
{
    if (w->input_index == UINT32_MAX || !w->run)
        return;
    if (f->input_tracked) {
        f->input_last = w->input_index;
        return;
    }
    struct sensor_input_track *t = sensor_input_track(w->run, w->input_index);
    if (!t)
        return;
    f->input_tracked = true;
    f->input_first = f->input_last = w->input_index;
    atomic_fetch_add_explicit(&t->live_flows, 1, memory_order_relaxed);
}

void worker_serve_requests(struct worker *w, unsigned requests)
{
    if (requests & WORKER_REQ_STATS)
        worker_publish_stats(w);
    if (requests & WORKER_REQ_FLUSH)
        worker_flush_outputs(w);
}

void workers_request(struct worker *workers, int count, unsigned requests)
{
    for (int i = 0; i < count; i++)
        atomic_fetch_or_explicit(&workers[i].requests, requests, memory_order_release);
}
