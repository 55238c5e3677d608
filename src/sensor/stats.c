/* SPDX-License-Identifier: Apache-2.0 */
/* The EVE "stats" event: counters of every subsystem summed over workers,
 * in Suricata's stats.json shape. */
#include <string.h>

#include "sensor/sensor_internal.h"

void sensor_log_stats(struct eve_writer *ew, struct worker *workers, int count,
                      const struct capture_stats *capture, uint64_t ts_usec, uint64_t uptime_sec)
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
        decode_stats_add(&decode, decode_thread_stats(workers[i].decode));
        flow_stats_add(&flow, flow_table_stats(workers[i].flows));
        stream_stats_add(&stream, stream_thread_stats(workers[i].stream));
        app_layer_stats_add(&app, app_layer_thread_stats(workers[i].app));
    }
    struct json_writer *w = eve_event_begin(ew, "stats", NULL, NULL, EVE_DIR_FLOW, ts_usec);
    json_key_object_begin(w, "stats");
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
    json_object_end(w);
    eve_event_end(ew);
}
