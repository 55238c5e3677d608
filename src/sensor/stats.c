/* SPDX-License-Identifier: Apache-2.0 */
/* The EVE "stats" event: counters of every subsystem summed over workers,
 * in Suricata's stats.json shape. */
#include <string.h>

#include "sensor/sensor_internal.h"

void worker_publish_stats(struct worker *w)
{
    if (!atomic_load_explicit(&w->snap_requested, memory_order_acquire))
        return;
    pthread_mutex_lock(&w->snap_lock);
    w->snap_decode = *decode_thread_stats(w->decode);
    w->snap_flow = *flow_table_stats(w->flows);
    w->snap_stream = *stream_thread_stats(w->stream);
    w->snap_app = *app_layer_thread_stats(w->app);
    if (w->detect)
        w->snap_detect = *detect_worker_stats(w->detect);
    w->snap_valid = true;
    pthread_mutex_unlock(&w->snap_lock);
    atomic_store_explicit(&w->snap_requested, false, memory_order_release);
}

void sensor_stats_write(struct json_writer *jw, struct worker *workers, int count,
                        const struct capture_stats *capture, uint64_t uptime_sec,
                        bool from_snapshots)
{
    struct decode_stats decode;
    struct flow_stats flow;
    struct stream_stats stream;
    struct app_layer_stats app;
    memset(&decode, 0, sizeof decode);
    memset(&flow, 0, sizeof flow);
    memset(&stream, 0, sizeof stream);
    memset(&app, 0, sizeof app);
    for (int i = 0; i < count; i++) {
        struct worker *w = &workers[i];
        if (from_snapshots) {
            pthread_mutex_lock(&w->snap_lock);
            if (w->snap_valid) {
                decode_stats_add(&decode, &w->snap_decode);
                flow_stats_add(&flow, &w->snap_flow);
                stream_stats_add(&stream, &w->snap_stream);
                app_layer_stats_add(&app, &w->snap_app);
            }
            pthread_mutex_unlock(&w->snap_lock);
            continue;
        }
        decode_stats_add(&decode, decode_thread_stats(w->decode));
        flow_stats_add(&flow, flow_table_stats(w->flows));
        stream_stats_add(&stream, stream_thread_stats(w->stream));
        app_layer_stats_add(&app, app_layer_thread_stats(w->app));
    }
    struct json_writer *w = jw;
    json_key_u64(w, "uptime", uptime_sec);
    json_key_object_begin(w, "capture");
    json_key_u64(w, "kernel_packets", capture->packets);
    json_key_u64(w, "kernel_drops", capture->kernel_drops);
    json_key_u64(w, "kernel_ifdrops", capture->if_drops);
    json_object_end(w);
    decode_stats_write_json(&decode, w);
    flow_stats_write_json(&flow, w);
    stream_stats_write_json(&stream, w);
    app_layer_stats_write_json(&app, w);
    struct detect_worker_stats det;
    memset(&det, 0, sizeof det);
    bool have_detect = false;
    for (int i = 0; i < count; i++) {
        if (!workers[i].detect)
            continue;
        const struct detect_worker_stats *d = from_snapshots ? &workers[i].snap_detect
                                                             : detect_worker_stats(workers[i].detect);
        if (from_snapshots)
            pthread_mutex_lock(&workers[i].snap_lock);
        det.alerts += d->alerts;
        det.alerts_suppressed += d->alerts_suppressed;
        det.alert_queue_overflow += d->alert_queue_overflow;
        det.packets_inspected += d->packets_inspected;
        det.passed_flows += d->passed_flows;
        if (from_snapshots)
            pthread_mutex_unlock(&workers[i].snap_lock);
        have_detect = true;
    }
    if (have_detect) {
        json_key_object_begin(w, "detect");
        json_key_u64(w, "alert", det.alerts);
        json_key_u64(w, "alerts_suppressed", det.alerts_suppressed);
        json_key_u64(w, "alert_queue_overflow", det.alert_queue_overflow);
        json_key_u64(w, "packets_inspected", det.packets_inspected);
        json_key_u64(w, "flows_passed", det.passed_flows);
        json_object_end(w);
    }
}

void sensor_log_stats(struct eve_writer *ew, struct worker *workers, int count,
                      const struct capture_stats *capture, uint64_t ts_usec, uint64_t uptime_sec,
                      bool from_snapshots)
{
    struct json_writer *w = eve_event_begin(ew, "stats", NULL, NULL, EVE_DIR_FLOW, ts_usec);
    json_key_object_begin(w, "stats");
    sensor_stats_write(w, workers, count, capture, uptime_sec, from_snapshots);
    json_object_end(w);
    eve_event_end(ew);
}
