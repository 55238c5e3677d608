/* SPDX-License-Identifier: Apache-2.0 */
/* The sensor: options, configuration and the worker pipeline behind
 * `vigil run`. Internal to src/sensor/. */
#ifndef VIGIL_SENSOR_INTERNAL_H
#define VIGIL_SENSOR_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "app/app.h"
#include "capture/capture.h"
#include "decode/decode.h"
#include "flow/flow_table.h"
#include "output/alert.h"
#include "output/builtin_alert.h"
#include "output/eve.h"
#include "detect/detect_engine.h"
#include "detect/detect_engine_packet.h"
#include "stream/stream.h"
#include "util/spsc_ring.h"
#include "util/swap.h"
#include "sensor/reload.h"

struct config;

#define SENSOR_MAX_INPUTS 64
#define SENSOR_MAX_SETS 128
#define SENSOR_MAX_RULE_FILES 64
#define SENSOR_MAX_THREADS 64

enum checksum_mode { CHECKSUM_AUTO, CHECKSUM_ALL, CHECKSUM_NONE };

struct sensor_options {
    const char *pcap_files[SENSOR_MAX_INPUTS];
    int pcap_file_count;
    const char *interface;
    enum capture_kind live_kind;        /* CAPTURE_PCAP_LIVE or CAPTURE_AF_PACKET */
    char *bpf_filter;                   /* owned */
    const char *config_path;
    const char *rule_files[SENSOR_MAX_RULE_FILES];
    int rule_file_count;
    bool rules_exclusive;               /* -S: only these files, not the config's */
    const char *log_dir;
    enum checksum_mode checksum;
    const char *sets[SENSOR_MAX_SETS];
    int set_count;
    int threads;
    bool disable_detection;
    bool init_errors_fatal;             /* a rule load failure is fatal (exit 1) */
    const char *data_dir;               /* --data-dir: state files; NULL: log_dir */
    bool verbose;
    uint32_t stats_interval_sec;        /* live mode periodic stats (default 8) */
    bool unix_socket_set;               /* --unix-socket[=FILE] */
    const char *unix_socket;            /* its FILE, or NULL */
};

/* Parses `vigil run` arguments. Returns 0, 1 if --help was printed, or 2
 * after printing a one-line usage error. */
int sensor_options_parse(struct sensor_options *o, int argc, char **argv);
void sensor_options_free(struct sensor_options *o);

/* Per-worker configuration derived from the config file and options. */
struct sensor_config {
    struct decode_config decode;
    struct flow_config flow;
    struct stream_config stream;
    struct app_layer_config app;
    struct eve_options eve;
    bool log_flow, log_anomaly, log_stats, log_alert, log_app[APP_PROTO_MAX];
    struct alert_log_options alert;
    bool log_anomaly_decode, log_anomaly_stream, log_anomaly_applayer;
};

int sensor_config_build(struct sensor_config *sc, const struct config *cfg,
                        const struct sensor_options *o);

struct worker_stats {
    uint64_t packets, bytes;
    uint64_t anomalies_logged;
    uint64_t builtin_alerts;            /* alerts raised by built-in detectors */
};

struct worker {
    int id;
    const struct sensor_config *config;
    struct decode_thread_ctx *decode;
    struct flow_table *flows;
    struct stream_thread_ctx *stream;
    struct app_layer_thread_ctx *app;
    struct eve_writer eve;
    struct packet packet;
    struct packet pseudo;       /* flow-end inspection */
    struct packet outer_view;   /* a tunnel's outer layer, for its own flow */
    struct worker_stats stats;
    const struct sensor_shared *shared;
    struct detect_worker *detect;       /* for engine->engine; NULL without rules */
    const struct sensor_engine *engine; /* the engine this worker uses (sensor/reload.h) */
    struct swap_slot *engine_slot;
    struct swap_reader *swap;
    struct detect_alert alerts[DETECT_MAX_ALERTS_PER_PACKET];
    struct detect_packet_events events;  /* stream/app anomalies of the current packet */
    uint64_t last_timeout_check_usec;
    uint64_t now_usec;

    /* threaded modes */
    pthread_t thread;
    struct spsc_ring ring;              /* pcap reader -> worker */
    struct capture_source *source;      /* af-packet: the worker's own socket */
    _Atomic bool input_done;
    int result;

    /* Periodic statistics in threaded live mode: the main thread asks, the
     * worker copies its counters here between two packets. */
    pthread_mutex_t snap_lock;
    _Atomic bool snap_requested;
    bool snap_valid;
    struct decode_stats snap_decode;
    struct flow_stats snap_flow;
    struct stream_stats snap_stream;
    struct app_layer_stats snap_app;
    struct detect_worker_stats snap_detect;
};

/* Worker side of the snapshot protocol: cheap when nothing was asked. */
void worker_publish_stats(struct worker *w);

/* Shared by all workers. */
struct sensor_shared {
    struct fast_log *fast_log;
};

/* Moves a worker to engine e (its per-thread detection context, keeping
 * thresholds and counters). */
void worker_adopt_engine(struct worker *w, const struct sensor_engine *e);

static inline void worker_sync(struct worker *w);
/* A worker with nothing to do: it holds no engine and publishes counters
 * when asked. */
static inline void worker_idle(struct worker *w);

/* Between two packets: this worker holds nothing from an engine it read
 * before; it moves to a newly published engine here. Cheap: one load and a
 * compare when nothing changed. */
static inline void worker_sync(struct worker *w)
{
    if (!w->swap)
        return;
    swap_reader_quiescent(w->swap);
    const struct sensor_engine *e = swap_slot_get(w->engine_slot);
    if (e != w->engine)
        worker_adopt_engine(w, e);
}

static inline void worker_idle(struct worker *w)
{
    worker_sync(w);
    worker_publish_stats(w);
}

int worker_init(struct worker *w, int id, const struct sensor_config *sc, struct eve_file *eve,
                const struct sensor_shared *shared);
void worker_fini(struct worker *w);
/* Processes one frame (bytes valid for the duration of the call). */
void worker_process_frame(struct worker *w, const struct capture_frame *frame, uint64_t pcap_cnt);
/* Ends idle flows and expires fragments at packet time now_usec. */
void worker_advance_time(struct worker *w, uint64_t now_usec);
/* Writes a built-in detector's alert (EVE alert, fast.log) for the packet
 * being processed or, with packet NULL, for the flow at time ts_usec (flow
 * end, timers); marks the flow as alerted. packet and flow may not both be
 * NULL. */
void worker_raise_alert(struct worker *w, const struct packet *packet, struct flow *flow,
                        uint64_t ts_usec, const struct builtin_alert *alert);
/* Ends every flow (reason shutdown) and flushes output. */
void worker_shutdown(struct worker *w);

/* Asks the running sensor to stop as SIGTERM does (safe from any thread and
 * from a signal handler). */
void sensor_request_stop(void);

/* The members of the "stats" object (uptime, capture, decoder, flow, ...):
 * what sensor_log_stats writes, for the control socket and metrics. */
void sensor_stats_write(struct json_writer *w, struct worker *workers, int count,
                        const struct capture_stats *capture, uint64_t uptime_sec,
                        bool from_snapshots);

/* Writes a "stats" event summing the workers: their live counters (only
 * when they are stopped) or, with from_snapshots, their last snapshots. */
void sensor_log_stats(struct eve_writer *ew, struct worker *workers, int count,
                      const struct capture_stats *capture, uint64_t ts_usec, uint64_t uptime_sec,
                      bool from_snapshots);

#endif
