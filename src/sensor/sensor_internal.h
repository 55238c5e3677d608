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
#include "behaviour/behaviour.h"
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
#include "intel/intel_match.h"
#include "intel/intel_report.h"
#include "sensor/reload.h"
#include "sensor/sensor_control.h"
#include "sensor/ips.h"

struct config;
struct config_node;

#define SENSOR_MAX_INPUTS 64
#define SENSOR_MAX_SETS 128
#define SENSOR_MAX_RULE_FILES 64
#define SENSOR_MAX_THREADS 64
#define SENSOR_MAX_INTERFACES 16
#define SENSOR_MAX_EVE_OUTPUTS 8
#define SENSOR_PATH_MAX 4096

enum checksum_mode { CHECKSUM_AUTO, CHECKSUM_ALL, CHECKSUM_NONE };

struct sensor_options {
    const char *pcap_files[SENSOR_MAX_INPUTS]; /* files or directories (-r) */
    int pcap_file_count;
    bool pcap_continuous;               /* --pcap-file-continuous: follow new files of a directory */
    bool pcap_recursive;                /* --pcap-file-recursive */
    bool pcap_delete;                   /* --pcap-file-delete */
    const char *interfaces[SENSOR_MAX_INTERFACES]; /* -i (repeatable) */
    int interface_count;
    bool live_kind_set;                 /* --pcap / --af-packet / --capture given */
    bool live_from_config;              /* --af-packet / --pcap without a device: the config's list */
    enum capture_kind live_kind;        /* CAPTURE_PCAP_LIVE or CAPTURE_AF_PACKET */
    char *bpf_filter;                   /* owned: trailing arguments or --bpf */
    const char *bpf_file;               /* -F FILE (Suricata's meaning) */
    const char *config_path;
    const char *includes[SENSOR_MAX_INPUTS]; /* --include FILE */
    int include_count;
    const char *rule_files[SENSOR_MAX_RULE_FILES];
    int rule_file_count;
    bool rules_exclusive;               /* -S: only these files, not the config's */
    const char *log_dir;                /* -l, NULL if not given */
    enum checksum_mode checksum;
    bool checksum_set;                  /* -k given */
    const char *sets[SENSOR_MAX_SETS];
    int set_count;
    int threads;                        /* --threads, 0 if not given */
    bool disable_detection;
    bool simulate_ips;                  /* --simulate-ips: capture files as if inline */
    uint64_t simulate_applayer_error[2]; /* --simulate-applayer-error-at-offset-ts/-tc, + 1 */
    /* --simulate-packet-flow-memcap / -tcp-ssn-memcap / -tcp-reassembly-memcap /
     * -defrag-memcap=N: the packet N meets that memcap (Suricata's QA options) */
    uint64_t simulate_flow_memcap, simulate_ssn_memcap, simulate_reassembly_memcap,
        simulate_defrag_memcap;
    const char *nfq_queues[SENSOR_MAX_INTERFACES]; /* -q N / --nfqueue N: inline (NFQUEUE) */
    int nfq_count;
    int verbose;                        /* number of -v */
    bool quiet;                         /* -q / --quiet: warnings and errors only, no progress */
    bool init_errors_fatal;             /* --init-errors-fatal (also implied by -T) */
    bool test_config;                   /* -T */
    bool daemon;                        /* -D */
    const char *pid_file;               /* --pidfile */
    const char *user, *group;           /* --user / --group */
    bool dump_config;                   /* --dump-config */
    bool build_info;                    /* --build-info */
    bool list_app_layer_protos;         /* --list-app-layer-protos */
    bool list_keywords;                 /* --list-keywords[=all|csv|NAME] */
    const char *list_keywords_arg;
    bool stats_interval_set;
    uint32_t stats_interval_sec;        /* --stats-interval (else stats.interval, default 8) */
    bool progress_forced;               /* --progress: the progress line even when not a TTY */
    bool show_version;                  /* -V */
    bool list_runmodes;                 /* --list-runmodes */
    const char *runmode;                /* --runmode */
    const char *data_dir;               /* --data-dir: state files (datasets); NULL: log dir */
    /* Shared indicators and the hub (sensor_intel.c) */
    const char *intel_files[SENSOR_MAX_INPUTS];   /* --intel FILE */
    int intel_file_count;
    const char *protected_domains[SENSOR_MAX_INPUTS]; /* --protect DOMAIN|FILE */
    int protected_count;
    const char *hub_url, *hub_token, *hub_token_file, *hub_ca, *hub_pin; /* --hub... */
    uint32_t hub_poll_ms;               /* --hub-poll-interval (0: configuration/default) */
    bool unix_socket_set;               /* --unix-socket[=FILE] */
    const char *unix_socket;            /* its FILE, or NULL */
};

/* Parses `vigil run` arguments. Returns 0, 1 if --help was printed, or 2
 * after printing a one-line usage error. */
int sensor_options_parse(struct sensor_options *o, int argc, char **argv);
void sensor_options_free(struct sensor_options *o);

/* One eve-log output of the configuration (Suricata allows several, each
 * with its own file, filetype and event types). */
struct sensor_eve_output {
    char path[SENSOR_PATH_MAX];         /* file or socket path ("" for syslog) */
    struct log_file_options file;
    char syslog_ident[64], prefix[64];
    struct eve_options eve;
    bool log_flow, log_anomaly, log_stats, log_alert, log_app[APP_PROTO_MAX];
    bool log_anomaly_decode, log_anomaly_stream, log_anomaly_applayer;
    bool stats_vigil;                   /* types: - stats: {vigil: yes}: vigil's own counters too */
    struct alert_log_options alert;
    bool log_drop;                      /* types: - drop (IPS mode only) */
    bool log_frame;                     /* types: - frame (frames the parsers report) */
    struct ips_drop_log_options drop;
};

/* An AF_PACKET interface of the `af-packet:` section (or of -i). */
struct sensor_afp_iface {
    char name[64];
    int threads;                        /* 0 = auto (one per CPU, at most SENSOR_MAX_THREADS) */
    uint16_t cluster_id;                /* fanout group (0 = derived from the pid) */
    uint16_t fanout_mode;               /* PACKET_FANOUT_HASH / _CPU / _LB / _QM */
    bool defrag;                        /* PACKET_FANOUT_FLAG_DEFRAG */
    bool promisc;
    uint32_t block_size, block_count;   /* 0 = default (from ring-size) */
    uint32_t ring_size;                 /* frames per thread (Suricata's ring-size), 0 = default */
    uint32_t snaplen;                   /* 0 = from the MTU */
    uint32_t block_timeout_ms;          /* 0 = default */
    enum checksum_mode checksum;        /* checksum-checks */
    char bpf_filter[1024];
    /* Inline (copy-mode ips|tap, copy-iface): this entry reads both
     * interfaces of the pair; copy_cluster_id is the fanout group of
     * copy_iface. */
    uint8_t copy_mode;                  /* enum capture_copy_mode */
    char copy_iface[64];
    uint16_t copy_cluster_id;
};

/* Per-worker configuration derived from the config file and options. */
struct sensor_config {
    struct decode_config decode;
    struct flow_config flow;
    struct stream_config stream;
    struct app_layer_config app;
    struct behaviour_config behaviour;  /* behaviour: (scan detection, ...) */
    struct sensor_eve_output eve_out[SENSOR_MAX_EVE_OUTPUTS];
    int n_eve_out;
    bool track_macs;                    /* an output logs "ether": flows remember MACs */
    bool ips_mode;                      /* inline: packets are accepted or blocked (ips.h) */
    int8_t applayer_error_policy;       /* app-layer.error-policy: enum ips_policy */
    /* Each exception target's policy (enum ips_policy by enum
     * ips_exception_target; the midstream entry mirrors stream.midstream_policy,
     * the app-layer one applayer_error_policy). */
    int8_t exception_policy[IPS_EXC_MAX];
    bool exception_per_proto;           /* stats.exception-policy.per-app-proto-errors */
    struct capture_nfq_options nfq;     /* nfq: section (NFQUEUE inline) */
    bool any_log_flow, any_log_stats;
    bool any_log_frame;                 /* an output logs frames: parsers report them */

    char log_dir[SENSOR_PATH_MAX];      /* -l, else default-log-dir, else "." */
    char file_store_dir[SENSOR_PATH_MAX]; /* outputs.file-store.dir, made absolute-or-log-relative */
    /* fast.log */
    bool fast_enabled;
    char fast_path[SENSOR_PATH_MAX];
    struct log_file_options fast_file;
    /* stats: the "stats" section, and the stats.log text output */
    bool stats_enabled;
    uint32_t stats_interval_sec;
    bool stats_log_enabled, stats_log_totals, stats_log_threads;
    char stats_log_path[SENSOR_PATH_MAX];
    struct log_file_options stats_log_file;

    char sensor_name[256];              /* sensor-name: "host" in EVE */
    char pid_file[SENSOR_PATH_MAX];     /* pid-file (daemon mode) */
    char run_as_user[64], run_as_group[64];
    int threads;                        /* threading.* / --threads, resolved */
    struct sensor_afp_iface afp[SENSOR_MAX_INTERFACES];
    int n_afp;
    uint32_t pcap_snaplen;              /* pcap.snaplen (0 = from the MTU) */
    bool pcap_promisc;
    uint32_t pcap_buffer_size;          /* pcap.buffer-size (0 = default) */
    enum checksum_mode pcap_checksum;
    char pcap_bpf[1024];
};

/* capture_config.c: run-as, pid-file, af-packet and pcap sections. */
int sensor_capture_config_load(struct sensor_config *sc, const struct config *cfg,
                               const char *pcap_iface);

int sensor_config_build(struct sensor_config *sc, const struct config *cfg,
                        const struct sensor_options *o);

struct worker_stats {
    uint64_t packets, bytes;
    uint64_t anomalies_logged;
    uint64_t builtin_alerts;            /* alerts raised by built-in detectors */
    _Atomic uint64_t alerts;            /* read by the progress line from the main thread */
};

/* Requests from the main thread, served by the worker between two packets
 * (or while idle) with worker_poll(). */
enum {
    WORKER_REQ_FLUSH = 1u << 0,         /* write the buffered EVE lines (buffer-size > 0) */
    WORKER_REQ_STATS = 1u << 1,         /* publish a snapshot of the counters */
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
    struct eve_writer eve[SENSOR_MAX_EVE_OUTPUTS]; /* one per eve-log output */
    int neve;
    struct packet packet;
    struct packet pseudo;       /* flow-end inspection */
    struct packet outer_view;   /* a tunnel's outer layer, for its own flow */
    struct worker_stats stats;
    const struct sensor_shared *shared;
    struct detect_worker *detect;       /* for engine->engine; NULL without rules */
    const struct sensor_engine *engine; /* the engine this worker uses (sensor/reload.h) */
    struct swap_slot *engine_slot;
    struct swap_reader *swap;
    struct behaviour_ctx *behaviour;    /* NULL when behaviour detection is off */
    struct detect_alert alerts[DETECT_MAX_ALERTS_PER_PACKET];
    struct detect_packet_events events;  /* stream/app anomalies of the current packet */
    struct ips_packet verdict;           /* of the current packet (ips.h) */
    struct ips_stats ips_stats;
    struct swap_reader *swap_reader;     /* reader of shared swapped structures, or NULL */
    struct intel_matcher intel_matcher;
    uint64_t last_timeout_check_usec;
    uint64_t now_usec;

    /* threaded modes */
    pthread_t thread;
    struct spsc_ring ring;              /* pcap reader -> worker */
    struct capture_source *source;      /* af-packet: the worker's own socket */
    const char *in_iface;               /* live capture: the interface (EVE in_iface) */
    struct run_state *run;              /* the sensor this worker belongs to */
    uint32_t input_index;               /* capture file of the current packet; UINT32_MAX: none */
    _Atomic uint32_t input_seen;        /* input_index published once its frame was processed */
    _Atomic bool input_done;
    /* Ring mode: the number (pcap_cnt) of the oldest frame this worker has
     * not finished, UINT64_MAX when its ring is empty (worker_order_wait). */
    _Atomic uint64_t oldest_cnt;
    _Atomic unsigned requests;          /* WORKER_REQ_* */
    int result;

    /* Periodic statistics in threaded live mode: the main thread asks, the
     * worker copies its counters here between two packets. */
    pthread_mutex_t snap_lock;
    bool snap_valid;
    _Atomic uint64_t snap_gen;          /* +1 per published snapshot (control socket waits) */
    struct decode_stats snap_decode;
    struct flow_stats snap_flow;
    struct stream_stats snap_stream;
    struct app_layer_stats snap_app;
    struct detect_worker_stats snap_detect;
    uint64_t snap_builtin_alerts;
    struct intel_match_stats snap_intel;
    struct behaviour_stats snap_behaviour;
    struct ips_stats snap_ips;
};

/* Worker side of the request protocol: one relaxed load when nothing was
 * asked. Call between packets and while idle. */
void worker_serve_requests(struct worker *w, unsigned requests);
/* Inline capture: whether the packet worker_process_frame just processed is
 * to be blocked (always false in IDS mode). */
bool worker_packet_dropped(const struct worker *w);
/* Inline: sends the answers of a reject rule (TCP resets, ICMP
 * unreachables) for the packet just processed through src. */
void worker_packet_respond(struct worker *w, struct capture_source *src);
static inline void worker_poll(struct worker *w)
{
    unsigned r = atomic_load_explicit(&w->requests, memory_order_relaxed);
    if (r)
        worker_serve_requests(w, atomic_exchange_explicit(&w->requests, 0, memory_order_acquire));
}
/* Copies the worker's counters into its snapshot (worker thread). */
void worker_publish_stats(struct worker *w);
/* Main-thread side: ask every worker (bits of WORKER_REQ_*). */
void workers_request(struct worker *workers, int count, unsigned requests);
/* Writes every output's buffered lines (the worker's own thread, or any
 * thread once the worker has stopped). */
void worker_flush_outputs(struct worker *w);
/* Sets the capture file name written as EVE pcap_filename. */
void worker_set_pcap_filename(struct worker *w, const char *name);

/* Shared by all workers. */
struct lua_output;
struct sensor_shared {
    struct fast_log *fast_log;
    struct swap_domain *swap;           /* readers of swapped structures (workers) */
    const struct sensor_intel *intel;   /* NULL without indicators or hub */
    struct behaviour_store *behaviour;  /* scan trackers of all workers (NULL: off) */
    struct detect_shared *detect;       /* thresholds and host tags of all workers */
    struct lua_output *lua_out;         /* Lua output scripts, NULL none (output/lua_output.h) */
};

/* Moves a worker to engine e (its per-thread detection context, keeping
 * thresholds and counters). */
void worker_adopt_engine(struct worker *w, const struct sensor_engine *e);
/* detect_worker_set_order's wait for worker user (struct worker *). */
void worker_order_wait(void *user, uint64_t pcap_cnt);

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
    worker_poll(w);
}

int worker_init(struct worker *w, int id, const struct sensor_config *sc,
                struct log_file *const *eve_files, const struct sensor_shared *shared);
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
/* A worker that waits for input goes offline for the shared indicators
 * (it never delays their swap). Only that domain: the worker keeps holding
 * its rule engine (worker_sync), whose reload waits for it. */
void worker_offline(struct worker *w, bool idle);

/* The data directory: the configuration's data-dir (--data-dir sets it),
 * else default-data-dir when writable, else the log directory (datasets'
 * state, the indicator cache, the spool). */
const char *sensor_data_dir(const struct config *cfg, const char *log_dir);

/* sensor_intel.c. Reads the intel and hub configuration and starts the
 * feed and reporter threads (signals blocked: the main thread takes them).
 * readers NULL (-T): the configuration is read and checked, nothing starts.
 * Returns 0, or 2 after logging a configuration error. */
int sensor_intel_start(struct sensor_intel **out, const struct config *cfg,
                       const struct sensor_options *o, const char *log_dir, const char *data_dir,
                       struct swap_domain *readers);
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
void sensor_intel_report_alert(struct worker *w, const struct eve_writer *ew);
/* Whether alerts are reported to a hub; a stats event (one EVE line) sent
 * with them, through the same spool. */
bool sensor_intel_reports(const struct sensor_intel *si);
void sensor_intel_report_stats(struct sensor_intel *si, const char *line, size_t len);
/* The "intel" and "hub_report" members of the stats object (vigil-only
 * counters: stats.c moves them under "vigil"). */
void sensor_intel_write_stats(const struct sensor_intel *si, const struct intel_match_stats *ms,
                              struct json_writer *w);


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

struct run_state;
/* Writes the stats records of every output that wants them (EVE "stats" to
 * each eve-log output with the stats type, through writers[i]; stats.log)
 * from one sum over the workers. */
/* The counters at the end of a run to the hub (with the last alerts, before
 * the reporter drains); periodic ones go at most once a minute from
 * sensor_write_stats. */
void sensor_report_final_stats(struct run_state *rs, const struct capture_stats *capture,
                               uint64_t ts_usec);
void sensor_write_stats(struct run_state *rs, struct worker *workers, int count,
                        const struct capture_stats *capture, uint64_t ts_usec, bool from_snapshots,
                        struct eve_writer *writers);

/* ---- the running sensor (run.c) ----
 *
 * One struct run_state exists while `vigil run` runs. The main thread owns
 * it; workers only see their struct worker and the struct sensor_shared.
 * The main loop calls sensor_housekeeping() at least every 100 ms in every
 * mode (between packets when it reads them itself, from its idle loop
 * otherwise); that is where signals are acted upon and periodic work is
 * done. See docs/architecture.md, "Main loop and signals". */
struct rule_set;
struct detect_engine;

#define SENSOR_INPUT_CHUNK 1024u
#define SENSOR_INPUT_CHUNKS 4096u
struct sensor_input_track {
    _Atomic uint32_t live_flows;        /* flows whose first packet came from the file */
    _Atomic bool alerted;               /* an alert on a packet or flow of the file */
    bool read_ok;                       /* main thread: read to its end without error */
    /* Set by the main thread before any worker sees the index (the ring's
     * release/acquire orders it), never changed while the workers run: the
     * workers read the name (pcap_filename) without a lock. */
    char *name;
    bool from_dir;                      /* found in a -r directory */
};

static inline struct sensor_input_track *sensor_input_track(const struct run_state *rs, uint32_t i);

struct run_state {
    struct sensor_options opts;
    struct sensor_config sc;
    struct config *cfg;
    struct log_file *eve_files[SENSOR_MAX_EVE_OUTPUTS];
    struct log_file *stats_log;
    struct worker *workers;
    int nworkers;
    uint64_t pcap_cnt;
    uint64_t last_ts_usec;
    struct capture_stats capture;
    uint64_t start_mono;
    bool threaded;
    struct sensor_rules_source rules_source; /* what reload.c loads, at start and on reloads */
    struct sensor_shared shared;
    struct swap_domain swap;            /* workers, as readers of swapped structures */
    struct sensor_intel *intel;         /* shared indicators and the hub, or NULL */
    const char *data_dir;               /* state files: sensor_data_dir() */
    bool ran;                           /* the inputs were run (datasets are saved) */
    struct sensor_runtime runtime;      /* what the control socket reads (sensor_control.h) */
    bool control_running;
    bool socket_mode;                   /* --unix-socket without -r / -i: pcap-file commands */

    /* housekeeping */
    uint64_t last_flush_ms, last_stats_ms, last_progress_ms, last_hk_ms;
    uint32_t hk_countdown;              /* packets until the next clock check */
    struct eve_writer main_eve[SENSOR_MAX_EVE_OUTPUTS]; /* main thread's (periodic stats) */
    bool have_main_eve;
    struct capture_source *live_source; /* single-reader live capture, for its counters */
    /* progress line (capture files on a terminal) */
    bool progress;
    uint64_t progress_total_bytes, progress_done_bytes; /* all files */
    uint64_t progress_file_bytes;       /* size of the file being read */
    struct capture_source *progress_source;
    uint64_t progress_start_ms;
    uint64_t reloads_requested;
    uint64_t stats_requested_ms;        /* snapshots asked for (threaded), 0 if none */

    /* inputs (inputs.c): -r files, and the capture files of -r directories */
    char *bpf;                          /* effective BPF filter (owned), or NULL */
    uint32_t ninputs, input_index;      /* ninputs: main thread only */
    bool pcap_continuous, pcap_recursive;
    enum { PCAP_DELETE_NO, PCAP_DELETE_ALWAYS, PCAP_DELETE_NON_ALERTS } pcap_delete;
    uint32_t pcap_delay_sec, pcap_poll_sec;
    /* Per input file: its name, live flows holding its packets and whether
     * an alert came from it; chunks of SENSOR_INPUT_CHUNK, allocated by the
     * main thread before a worker sees the index, never moved (the list
     * grows while workers read it, pcap-file continuous mode). */
    struct sensor_input_track *input_track[SENSOR_INPUT_CHUNKS];
    uint32_t inputs_read;               /* files read (in order); those below are judged ... */
    uint32_t inputs_decided;            /* ... up to here (deleted or kept) */
    bool afp_threaded;                  /* AF_PACKET: every worker reads its own socket */
    int status_fd;                      /* -D: pipe to the waiting parent, -1 otherwise */
    const char *live_iface;             /* the (first) live interface */
    char live_iface_buf[64];
    /* behavioural host profiles kept across restarts (profiles_state.c) */
    bool profiles_persist;
    char profiles_path[4096];
    uint64_t last_profiles_save_ms;
    pthread_t profiles_writer;          /* the periodic save's disk work */
    bool profiles_writer_started;       /* joinable */
    _Atomic bool profiles_writer_done;  /* set by the writer as it ends */
    uint64_t profiles_saves_skipped;    /* the previous write was still running */
    uint64_t last_stats_report_ms;      /* stats last sent to the hub */
};

/* profiles_state.c: the behavioural detectors' host profiles across
 * restarts (behaviour.profiles.persist): restored once the workers' store
 * exists, saved every save-interval by housekeeping (the copy there, the
 * write, fsync and rename on a thread of their own) and at the end. */
void sensor_profiles_restore(struct run_state *rs);
void sensor_profiles_save(struct run_state *rs);
/* The save at stop: waits for a periodic write still running, then writes
 * on the calling thread (the workers are done). */
void sensor_profiles_save_final(struct run_state *rs);

/* capture_config.c */
int sensor_live_resolve(struct run_state *rs);
/* Whether an af-packet entry of the configuration is inline (copy-mode: ips). */
bool sensor_afp_config_ips(const struct config *cfg);
struct capture_options sensor_afp_capture_options(struct run_state *rs,
                                                  const struct sensor_afp_iface *a);
/* rules_load.c: rules, classification/reference/threshold files; with
 * for_run the engine is built and fast.log opened too. 0, 1 or 2. */
int sensor_load_rules(struct run_state *rs, bool for_run);
/* fast.log (when enabled and there is an engine), if not open yet. */
int sensor_open_fast_log(struct run_state *rs);
/* config_check.c: one warning per configuration key vigil does not use. */
void sensor_config_check(struct run_state *rs);
/* The same warning for one key (path as in the configuration, node for the
 * file and line); said once per path. */
void sensor_config_warn(const char *path, const struct config_node *n);
/* info.c */
void sensor_print_version(void);
void sensor_print_build_info(void);
void sensor_print_app_layer_protos(void);
int sensor_print_keywords(const char *mode);
void sensor_print_runmodes(void);
/* process.c */
int sensor_daemonize(int *status_fd);
void sensor_daemon_ready(int *status_fd, bool ok);
int sensor_pidfile_create(const char *path);
void sensor_pidfile_remove(const char *path);
int sensor_drop_privileges(const char *user, const char *group, const char *log_dir);

/* run.c */
/* SIGINT/SIGTERM (stop), SIGHUP (reopen logs), SIGUSR2 (reload rules): only
 * flags, acted upon by sensor_housekeeping(). Installed before the first
 * log file is opened, so a rotation during start-up is not fatal. */
void sensor_install_signal_handlers(void);
int sensor_run_inputs(struct run_state *rs);
int sensor_read_pcap_file(struct run_state *rs, const char *path, uint32_t index);
/* The control socket and metrics endpoint (sensor_control.h), and, in the
 * unix-socket mode, the queue of pcap-file commands. */
int sensor_control_start(struct run_state *rs);
void sensor_control_stop(struct run_state *rs);
/* Suricata's unix-socket run mode: each queued pcap-file is a session of
 * its own (outputs in its directory, workers, final flows). */
int sensor_run_unix_socket(struct run_state *rs);
bool sensor_stop_requested(void);
void sensor_request_stop(void);
uint64_t sensor_monotonic_ms(void);
uint64_t sensor_alert_count(struct run_state *rs);
/* inputs.c */
int sensor_inputs_expand(struct run_state *rs);
int sensor_read_inputs(struct run_state *rs);
const char *sensor_input_name(const struct run_state *rs, uint32_t index);
/* Replaces the inputs with one file (unix-socket mode). 0 or -ENOMEM. */
int sensor_inputs_set_one(struct run_state *rs, const char *path);
void sensor_inputs_free(struct run_state *rs);
static inline struct sensor_input_track *sensor_input_track(const struct run_state *rs, uint32_t i)
{
    if (i >= SENSOR_INPUT_CHUNK * SENSOR_INPUT_CHUNKS)
        return NULL;
    struct sensor_input_track *c = rs->input_track[i / SENSOR_INPUT_CHUNK];
    return c ? &c[i % SENSOR_INPUT_CHUNK] : NULL;
}
/* Sets the capture file of the packets that follow (index, EVE name). */
void worker_set_input(struct worker *w, uint32_t index, const char *name);
/* Judges the files read whose flows all ended (delete-when-done); with
 * final, every file read (the workers have stopped, every flow ended). */
void sensor_inputs_reap(struct run_state *rs, bool final);
/* progress.c: the progress line on a terminal (final: the last one). */
void sensor_progress_update(struct run_state *rs, bool final);

/* Main-thread housekeeping (run.c): signals (stop, SIGHUP log reopening,
 * SIGUSR2 rule reload), EVE flushing at least once a second, periodic stats,
 * the progress line. Cheap when nothing is due. */
void sensor_housekeeping(struct run_state *rs);

#endif
