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
#include "detect/detect_engine_packet.h"
#include "stream/stream.h"
#include "util/spsc_ring.h"
#include "util/swap.h"
#include "intel/intel_match.h"
#include "intel/intel_report.h"

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
    /* Shared indicators and the hub (sensor_intel.c) */
    const char *intel_files[SENSOR_MAX_INPUTS];   /* --intel FILE */
    int intel_file_count;
    const char *protected_domains[SENSOR_MAX_INPUTS]; /* --protect DOMAIN|FILE */
    int protected_count;
    const char *hub_url, *hub_token, *hub_token_file, *hub_ca, *hub_pin; /* --hub... */
    uint32_t hub_poll_ms;               /* --hub-poll-interval (0: configuration/default) */
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

/* Shared indicators, protected domains and the hub (sensor_intel.c). */
struct intel_feed;
struct intel_reporter;
struct sensor_intel {
    bool active;                  /* indicator sources, protected domains or a hub */
    struct swap_slot slot;        /* the current struct intel_snapshot */
    struct intel_feed *feed;
    struct intel_reporter *reporter; /* NULL unless alerts go to a hub */
    char *token;                  /* read from a token file */
    bool report_drained;          /* the reporter stopped; its last counters are below */
    struct intel_reporter_stats report_final;
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
    struct detect_worker *detect;
    struct detect_alert alerts[DETECT_MAX_ALERTS_PER_PACKET];
    struct detect_packet_events events;  /* stream/app anomalies of the current packet */
    struct swap_reader *swap_reader;     /* reader of shared swapped structures, or NULL */
    struct intel_matcher intel_matcher;
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
    uint64_t snap_builtin_alerts;
    struct intel_match_stats snap_intel;
};

/* Worker side of the snapshot protocol: cheap when nothing was asked. */
void worker_publish_stats(struct worker *w);

/* Shared by all workers; detection may be NULL (no rules). */
struct sensor_shared {
    const struct detect_engine *engine;
    struct fast_log *fast_log;
    struct swap_domain *swap;           /* readers of swapped structures (workers) */
    const struct sensor_intel *intel;   /* NULL without indicators or hub */
};

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
/* Between two packets: the worker holds nothing read from swapped slots. */
void worker_quiescent(struct worker *w);
/* A worker that waits for input goes offline (it never delays a swap). */
void worker_idle(struct worker *w, bool idle);

/* The data directory: --data-dir, else default-data-dir when writable, else
 * the log directory (datasets' state, the indicator cache, the spool). */
const char *sensor_data_dir(const struct sensor_options *o, const struct config *cfg);

/* sensor_intel.c */
int sensor_intel_start(struct sensor_intel **out, const struct config *cfg,
                       const struct sensor_options *o, struct swap_domain *readers);
void sensor_intel_stop(struct sensor_intel *si);
/* After the workers' last alerts: delivers (or spools) what the reporter
 * holds, so the final stats count it. */
void sensor_intel_drain(struct sensor_intel *si);
void sensor_intel_worker_init(struct worker *w);
void sensor_intel_flow(struct worker *w, struct flow *f, const struct packet *p);
void sensor_intel_tx(struct worker *w, struct flow *f, const struct packet *p,
                     const struct app_tx *tx, uint8_t direction);
void sensor_intel_file(struct worker *w, struct flow *f, const struct packet *p,
                       const struct app_file *file);
/* The alert just written by the worker's EVE writer goes to the hub. */
void sensor_intel_report_alert(struct worker *w);
void sensor_intel_write_stats(const struct sensor_intel *si, struct worker *workers, int count,
                              bool from_snapshots, struct json_writer *w);

/* Writes a "stats" event summing the workers: their live counters (only
 * when they are stopped) or, with from_snapshots, their last snapshots. */
void sensor_log_stats(struct eve_writer *ew, struct worker *workers, int count,
                      const struct capture_stats *capture, uint64_t ts_usec, uint64_t uptime_sec,
                      bool from_snapshots);

#endif
