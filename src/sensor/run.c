/* SPDX-License-Identifier: Apache-2.0 */
/* `vigil run`: reads captures or a live interface and drives the workers.
 *
 * Threading. With --threads 1 (the default) one thread reads and processes
 * every frame in order, so the output is deterministic. With N > 1:
 *  - pcap files and libpcap live capture: this thread reads frames and copies
 *    each into the ring of the worker chosen by a hash of the frame's
 *    outermost IP address pair, so every packet of a flow (and every fragment
 *    of a datagram, and every tunnelled flow inside one tunnel) reaches the
 *    same worker, which owns that flow without locks;
 *  - AF_PACKET: each worker opens its own socket in one fanout group and the
 *    kernel splits the traffic by flow; no copy, no hand-off. */
#include <errno.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "sensor/sensor.h"
#include "sensor/sensor_internal.h"
#include "sensor/frame_hash.h"
#include "detect/detect_engine.h"
#include "detect/rule_set.h"
#include "sensor/sensor_control.h"
#include "sensor/unix_pcap.h"
#include "util/config.h"
#include "util/control.h"
#include "util/log.h"

#define WORKER_RING_BYTES (8u << 20)

/* Frame record in a worker ring: header, then caplen bytes. */
struct ring_frame {
    uint64_t ts_usec;
    uint64_t pcap_cnt;
    uint32_t caplen, wirelen;
    int32_t datalink;
    uint32_t pad;
};

static volatile sig_atomic_t stop_requested;
static struct capture_source *volatile signal_sources[SENSOR_MAX_THREADS + 1];

static void on_signal(int sig)
{
    (void)sig;
    stop_requested = 1;
    for (int i = 0; i <= SENSOR_MAX_THREADS; i++)
        if (signal_sources[i])
            capture_break(signal_sources[i]);
}

void sensor_request_stop(void)
{
    on_signal(SIGTERM);
}

static void install_signal_handlers(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
}

static uint64_t monotonic_sec(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec;
}

static uint64_t wall_usec(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

struct run_state {
    struct sensor_options opts;
    struct sensor_config sc;
    struct config *cfg;
    struct eve_file *eve;
    struct worker *workers;
    int nworkers;
    uint64_t pcap_cnt;
    uint64_t last_ts_usec;
    struct capture_stats capture;
    uint64_t start_mono;
    bool threaded;
    struct sensor_rules_source rules_source;
    struct sensor_shared shared;
    struct sensor_runtime runtime;
    bool control_running;
    bool socket_mode; /* --unix-socket without -r / -i: pcap-file commands */
};

/* ---- threaded hand-off ---- */

static void *worker_ring_main(void *arg)
{
    struct worker *w = arg;
    for (;;) {
        size_t len;
        struct ring_frame *rf = spsc_ring_peek(&w->ring, &len);
        if (!rf) {
            if (atomic_load_explicit(&w->input_done, memory_order_acquire)) {
                rf = spsc_ring_peek(&w->ring, &len);
                if (!rf)
                    break;
            } else {
                worker_idle(w);
                struct timespec nap = {0, 50000};
                nanosleep(&nap, NULL);
                continue;
            }
        }
        struct capture_frame frame = {
            .data = (const uint8_t *)(rf + 1),
            .caplen = rf->caplen,
            .wirelen = rf->wirelen,
            .ts_usec = rf->ts_usec,
            .datalink = rf->datalink,
        };
        if (rf->caplen == 0 && rf->pcap_cnt == 0)
            worker_advance_time(w, rf->ts_usec); /* time tick from the reader */
        else
            worker_process_frame(w, &frame, rf->pcap_cnt);
        spsc_ring_release(&w->ring);
    }
    return NULL;
}

static void ring_push(struct worker *w, const struct ring_frame *hdr, const uint8_t *data)
{
    for (;;) {
        void *slot = spsc_ring_reserve(&w->ring, sizeof *hdr + hdr->caplen);
        if (slot) {
            memcpy(slot, hdr, sizeof *hdr);
            if (hdr->caplen)
                memcpy((uint8_t *)slot + sizeof *hdr, data, hdr->caplen);
            spsc_ring_commit(&w->ring);
            return;
        }
        struct timespec nap = {0, 20000};
        nanosleep(&nap, NULL);
    }
}

static void dispatch_frame(struct run_state *rs, const struct capture_frame *frame)
{
    rs->pcap_cnt++;
    if (frame->ts_usec > rs->last_ts_usec)
        rs->last_ts_usec = frame->ts_usec;
    if (!rs->threaded) {
        worker_process_frame(&rs->workers[0], frame, rs->pcap_cnt);
        return;
    }
    uint32_t h = frame_hash(frame->data, frame->caplen, frame->datalink);
    struct worker *w = &rs->workers[h % (uint32_t)rs->nworkers];
    struct ring_frame hdr = {
        .ts_usec = frame->ts_usec,
        .pcap_cnt = rs->pcap_cnt,
        .caplen = frame->caplen,
        .wirelen = frame->wirelen,
        .datalink = frame->datalink,
    };
    ring_push(w, &hdr, frame->data);
    /* Keep every worker's clock moving so idle workers time flows out too. */
    if ((rs->pcap_cnt & 1023) == 0) {
        struct ring_frame tick = {.ts_usec = rs->last_ts_usec};
        for (int i = 0; i < rs->nworkers; i++)
            if (&rs->workers[i] != w)
                ring_push(&rs->workers[i], &tick, NULL);
    }
}

/* ---- inputs ---- */

static int read_pcap_file(struct run_state *rs, const char *path)
{
    struct capture_options co = {.kind = CAPTURE_PCAP_FILE, .name = path,
                                 .bpf_filter = rs->opts.bpf_filter,
                                 .datalink_supported = decode_datalink_supported};
    char err[512];
    struct capture_source *src = capture_open(&co, err, sizeof err);
    if (!src) {
        fprintf(stderr, "vigil run: %s\n", err);
        return 2;
    }
    signal_sources[0] = src;
    struct capture_frame frame;
    enum capture_result r = CAPTURE_END;
    while (!stop_requested && !(rs->socket_mode && unix_pcap_interrupted()) &&
           (r = capture_next(src, &frame)) == CAPTURE_OK) {
        dispatch_frame(rs, &frame);
        sensor_capture_publish(0, src);
    }
    if (!stop_requested && r == CAPTURE_ERROR)
        log_warning("%s", capture_error(src));
    struct capture_stats cs;
    capture_get_stats(src, &cs);
    rs->capture.packets += cs.packets;
    rs->capture.bytes += cs.bytes;
    sensor_capture_forget(0, &rs->capture);
    signal_sources[0] = NULL;
    capture_close(src);
    return 0;
}

static void log_periodic_stats(struct run_state *rs, struct capture_source *src)
{
    struct capture_stats cs;
    capture_get_stats(src, &cs);
    sensor_log_stats(&rs->workers[0].eve, rs->workers, rs->nworkers, &cs, wall_usec(),
                     monotonic_sec() - rs->start_mono, false);
    eve_writer_flush(&rs->workers[0].eve);
}

/* libpcap live capture, or AF_PACKET with a single worker. */
static int read_live_single(struct run_state *rs)
{
    struct capture_options co = {.kind = rs->opts.live_kind, .name = rs->opts.interface,
                                 .bpf_filter = rs->opts.bpf_filter, .promiscuous = true,
                                 .datalink_supported = decode_datalink_supported,
                                 .fanout_group = (uint16_t)((getpid() & 0x7fff) | 1),
                                 .poll_timeout_ms = 100};
    char err[512];
    struct capture_source *src = capture_open(&co, err, sizeof err);
    if (!src) {
        fprintf(stderr, "vigil run: %s\n", err);
        return 2;
    }
    signal_sources[0] = src;
    uint64_t last_stats = monotonic_sec();
    struct capture_frame frame;
    while (!stop_requested) {
        enum capture_result r = capture_next(src, &frame);
        sensor_capture_publish(0, src);
        if (r == CAPTURE_OK) {
            dispatch_frame(rs, &frame);
        } else if (r == CAPTURE_TIMEOUT) {
            if (!rs->threaded) {
                /* No traffic: advance flow time with the wall clock. */
                worker_advance_time(&rs->workers[0], wall_usec());
                eve_writer_flush(&rs->workers[0].eve);
            }
        } else {
            if (r == CAPTURE_ERROR)
                log_error("%s", capture_error(src));
            break;
        }
        if (!rs->threaded && rs->sc.log_stats &&
            monotonic_sec() - last_stats >= rs->opts.stats_interval_sec) {
            last_stats = monotonic_sec();
            log_periodic_stats(rs, src);
        }
    }
    capture_get_stats(src, &rs->capture);
    sensor_capture_forget(0, &rs->capture);
    signal_sources[0] = NULL;
    capture_close(src);
    return 0;
}

/* AF_PACKET with several workers: each worker reads its own fanout socket. */
static void *afp_worker_main(void *arg)
{
    struct worker *w = arg;
    struct capture_frame frame;
    uint64_t cnt = 0;
    while (!stop_requested) {
        worker_publish_stats(w);
        enum capture_result r = capture_next(w->source, &frame);
        sensor_capture_publish(w->id, w->source);
        if (r == CAPTURE_OK) {
            /* pcap_cnt is per worker here; there is no global order. */
            worker_process_frame(w, &frame, ++cnt);
        } else if (r == CAPTURE_TIMEOUT) {
            worker_advance_time(w, wall_usec());
            eve_writer_flush(&w->eve);
        } else {
            break;
        }
    }
    return NULL;
}

static int read_afpacket_threaded(struct run_state *rs)
{
    uint16_t group = (uint16_t)((getpid() & 0x7fff) | 1);
    for (int i = 0; i < rs->nworkers; i++) {
        struct capture_options co = {.kind = CAPTURE_AF_PACKET, .name = rs->opts.interface,
                                     .bpf_filter = rs->opts.bpf_filter, .promiscuous = true,
                                 .datalink_supported = decode_datalink_supported,
                                     .fanout_group = group, .poll_timeout_ms = 100};
        char err[512];
        rs->workers[i].source = capture_open(&co, err, sizeof err);
        if (!rs->workers[i].source) {
            fprintf(stderr, "vigil run: %s\n", err);
            for (int j = 0; j < i; j++) {
                capture_close(rs->workers[j].source);
                rs->workers[j].source = NULL;
            }
            return 2;
        }
        signal_sources[i] = rs->workers[i].source;
    }
    for (int i = 0; i < rs->nworkers; i++)
        pthread_create(&rs->workers[i].thread, NULL, afp_worker_main, &rs->workers[i]);
    /* Periodic totals: ask every worker for a snapshot of its counters,
     * give them a moment, then sum what they published. The main thread
     * has its own EVE writer so workers' buffers are never shared. */
    struct eve_writer main_eve;
    bool have_main_eve = eve_writer_init(&main_eve, rs->eve, &rs->sc.eve) == 0;
    uint64_t last_stats = monotonic_sec();
    while (!stop_requested) {
        struct timespec nap = {0, 100 * 1000 * 1000};
        nanosleep(&nap, NULL);
        if (!have_main_eve || !rs->sc.log_stats ||
            monotonic_sec() - last_stats < rs->opts.stats_interval_sec)
            continue;
        last_stats = monotonic_sec();
        for (int i = 0; i < rs->nworkers; i++)
            atomic_store_explicit(&rs->workers[i].snap_requested, true, memory_order_release);
        nanosleep(&nap, NULL);
        struct capture_stats cs = {0};
        sensor_log_stats(&main_eve, rs->workers, rs->nworkers, &cs, wall_usec(),
                         monotonic_sec() - rs->start_mono, true);
        eve_writer_flush(&main_eve);
    }
    if (have_main_eve)
        eve_writer_free(&main_eve);
    for (int i = 0; i < rs->nworkers; i++)
        pthread_join(rs->workers[i].thread, NULL);
    for (int i = 0; i < rs->nworkers; i++) {
        struct capture_stats cs;
        capture_get_stats(rs->workers[i].source, &cs);
        sensor_capture_forget(i, &cs);
        rs->capture.packets += cs.packets;
        rs->capture.bytes += cs.bytes;
        rs->capture.kernel_drops += cs.kernel_drops;
        signal_sources[i] = NULL;
        capture_close(rs->workers[i].source);
        rs->workers[i].source = NULL;
    }
    return 0;
}

/* ---- set-up ---- */

static int load_configuration(struct run_state *rs)
{
    char err[512];
    if (rs->opts.config_path) {
        rs->cfg = config_load_file(rs->opts.config_path, err, sizeof err);
        if (!rs->cfg) {
            fprintf(stderr, "vigil run: %s\n", err);
            return 2;
        }
    } else {
        rs->cfg = config_new();
        if (!rs->cfg)
            return 1;
    }
    for (int i = 0; i < rs->opts.set_count; i++) {
        if (config_set_assignment(rs->cfg, rs->opts.sets[i]) != 0) {
            fprintf(stderr, "vigil run: --set %s: invalid key or value\n", rs->opts.sets[i]);
            return 2;
        }
    }
    /* --data-dir is where state files (datasets) live; the subsystems that
     * keep state read it as the configuration value "data-dir". */
    if (rs->opts.data_dir && config_set(rs->cfg, "data-dir", rs->opts.data_dir) != 0)
        return 1;
    return sensor_config_build(&rs->sc, rs->cfg, &rs->opts);
}

/* Checks inputs before anything starts, so a missing file or an unsupported
 * link type is one line and exit status 2, not a half-written log. */
static int check_inputs(struct run_state *rs)
{
    for (int i = 0; i < rs->opts.pcap_file_count; i++) {
        if (strcmp(rs->opts.pcap_files[i], "-") == 0)
            continue; /* stdin can be read only once: it is checked when read */
        struct capture_options co = {.kind = CAPTURE_PCAP_FILE, .name = rs->opts.pcap_files[i],
                                     .bpf_filter = rs->opts.bpf_filter,
                                 .datalink_supported = decode_datalink_supported};
        char err[512];
        struct capture_source *src = capture_open(&co, err, sizeof err);
        if (!src) {
            fprintf(stderr, "vigil run: %s\n", err);
            return 2;
        }
        capture_close(src);
    }
    return 0;
}

static int check_log_dir(const char *dir)
{
    struct stat st;
    if (stat(dir, &st) != 0) {
        fprintf(stderr, "vigil run: log directory '%s' does not exist\n", dir);
        return 2;
    }
    if (!S_ISDIR(st.st_mode)) {
        fprintf(stderr, "vigil run: log directory '%s' is not a directory\n", dir);
        return 2;
    }
    return 0;
}

/* eve.json, and fast.log when there are rules. */
static int open_output(struct run_state *rs)
{
    int rc = check_log_dir(rs->opts.log_dir);
    if (rc != 0)
        return rc;
    char path[4096], err[512];
    snprintf(path, sizeof path, "%s/eve.json", rs->opts.log_dir);
    rs->eve = eve_file_open(path, err, sizeof err);
    if (!rs->eve) {
        fprintf(stderr, "vigil run: %s\n", err);
        return 1;
    }
    const struct sensor_engine *e = sensor_engine_current();
    if (!e || !e->engine)
        return 0;
    snprintf(path, sizeof path, "%s/fast.log", rs->opts.log_dir);
    rs->shared.fast_log = fast_log_open(path, err, sizeof err);
    if (!rs->shared.fast_log) {
        fprintf(stderr, "vigil run: %s\n", err);
        return 1;
    }
    return 0;
}

static int close_output(struct run_state *rs, int rc)
{
    if (rs->eve && eve_file_close(rs->eve) != 0 && rc == 0) {
        fprintf(stderr, "vigil run: writing %s/eve.json failed\n", rs->opts.log_dir);
        rc = 1;
    }
    rs->eve = NULL;
    if (rs->shared.fast_log && fast_log_close(rs->shared.fast_log) != 0 && rc == 0)
        rc = 1;
    rs->shared.fast_log = NULL;
    return rc;
}

/* Rules: -S files only, or -s files plus the configuration's rule-files
 * (relative to default-rule-path); loaded, built and later reloaded by
 * sensor/reload.c. No rules at all means no detection. */
static int load_rules(struct run_state *rs)
{
    rs->rules_source = (struct sensor_rules_source){
        .cfg = rs->cfg,
        .rule_files = rs->opts.rule_files,
        .rule_file_count = rs->opts.rule_file_count,
        .exclusive = rs->opts.rules_exclusive,
        .disabled = rs->opts.disable_detection,
        .init_errors_fatal = rs->opts.init_errors_fatal,
    };
    char err[700] = "";
    int rc = sensor_engine_init(&rs->rules_source, err, sizeof err);
    if (rc != 0)
        fprintf(stderr, "vigil run: %s\n", err);
    return rc;
}

static int start_workers(struct run_state *rs)
{
    rs->nworkers = rs->opts.threads;
    rs->threaded = rs->nworkers > 1;
    rs->workers = calloc((size_t)rs->nworkers, sizeof *rs->workers);
    if (!rs->workers)
        return 1;
    for (int i = 0; i < rs->nworkers; i++) {
        int rc = worker_init(&rs->workers[i], i, &rs->sc, rs->eve, &rs->shared);
        if (rc != 0) {
            rs->nworkers = i;
            return rc == -EINVAL ? 2 : 1;
        }
    }
    return 0;
}

/* The control socket and the metrics endpoint (sensor_control.h). */
static int start_control(struct run_state *rs)
{
    struct sensor_runtime *rt = &rs->runtime;
    pthread_mutex_init(&rt->lock, NULL);
    bool live = rs->opts.interface != NULL;
    bool afp = rs->opts.live_kind == CAPTURE_AF_PACKET;
    rt->running_mode = rs->opts.threads == 1 ? "single" : live && afp ? "workers" : "autofp";
    rt->capture_mode = rs->socket_mode ? "UNIX_SOCKET"
                       : live          ? (afp ? "AF_PACKET_DEV" : "PCAP_DEV")
                                       : "PCAP_FILE";
    rt->iface = rs->opts.interface;
    rt->start_mono_sec = rs->start_mono;
    rt->cfg = rs->cfg;
    rt->sc = &rs->sc;
    rs->control_running = true;
    char path[4096], err[4200];
    if (rs->socket_mode && unix_pcap_register() != 0)
        return 1;
    if (sensor_control_register(rt) == 0 &&
        sensor_control_path(rs->cfg, &rs->opts, live, path, sizeof path)) {
        if (control_start(path, err, sizeof err) != 0) {
            if (rs->socket_mode) {
                fprintf(stderr, "vigil run: unix socket: %s\n", err);
                return 1;
            }
            log_warning("unix socket: %s", err);
            if (config_get_bool(rs->cfg, "engine.init-failure-fatal", false))
                return 1;
        } else {
            log_info("unix socket: listening on %s", path);
        }
    }
    if (sensor_metrics_start(rs->cfg, err, sizeof err) != 0) {
        log_error("%s", err);
        return 1;
    }
    return 0;
}

static void stop_control(struct run_state *rs)
{
    if (!rs->control_running)
        return;
    sensor_metrics_stop();
    control_stop();
    sensor_control_unregister();
    pthread_mutex_destroy(&rs->runtime.lock);
    rs->control_running = false;
}

static void finish(struct run_state *rs)
{
    for (int i = 0; i < rs->nworkers; i++)
        worker_shutdown(&rs->workers[i]);
    if (rs->sc.log_stats && rs->nworkers > 0) {
        uint64_t ts = rs->last_ts_usec ? rs->last_ts_usec : wall_usec();
        sensor_log_stats(&rs->workers[0].eve, rs->workers, rs->nworkers, &rs->capture, ts,
                         monotonic_sec() - rs->start_mono, false);
    }
    uint64_t pkts = 0, events = 0;
    for (int i = 0; i < rs->nworkers; i++) {
        eve_writer_flush(&rs->workers[i].eve);
        pkts += rs->workers[i].stats.packets;
        events += rs->workers[i].eve.events_written;
    }
    if (rs->opts.verbose)
        log_info("%llu packets, %llu events written to %s/eve.json",
                 (unsigned long long)pkts, (unsigned long long)events, rs->opts.log_dir);
}

/* One run over inputs: opens the outputs in the log directory, starts the
 * workers, reads the -r files (or only_file, in the unix-socket mode) or the
 * live interface, writes the final events, stops the workers and closes the
 * outputs. */
static int run_session(struct run_state *rs, const char *only_file)
{
    rs->pcap_cnt = 0;
    rs->last_ts_usec = 0;
    memset(&rs->capture, 0, sizeof rs->capture);
    int rc = open_output(rs);
    if (rc == 0)
        rc = start_workers(rs);
    pthread_mutex_lock(&rs->runtime.lock);
    rs->runtime.workers = rs->workers;
    rs->runtime.nworkers = rs->nworkers;
    pthread_mutex_unlock(&rs->runtime.lock);
    bool files = only_file || rs->opts.pcap_file_count > 0;
    if (rc == 0) {
        if (files) {
            if (rs->threaded) {
                for (int i = 0; i < rs->nworkers; i++) {
                    spsc_ring_init(&rs->workers[i].ring, WORKER_RING_BYTES);
                    pthread_create(&rs->workers[i].thread, NULL, worker_ring_main, &rs->workers[i]);
                }
            }
            if (only_file)
                rc = read_pcap_file(rs, only_file);
            for (int i = 0; !only_file && i < rs->opts.pcap_file_count && !stop_requested && rc == 0;
                 i++)
                rc = read_pcap_file(rs, rs->opts.pcap_files[i]);
        } else if (rs->opts.live_kind == CAPTURE_AF_PACKET && rs->threaded) {
            rc = read_afpacket_threaded(rs);
        } else {
            if (rs->threaded) {
                for (int i = 0; i < rs->nworkers; i++) {
                    spsc_ring_init(&rs->workers[i].ring, WORKER_RING_BYTES);
                    pthread_create(&rs->workers[i].thread, NULL, worker_ring_main, &rs->workers[i]);
                }
            }
            rc = read_live_single(rs);
        }
        if (rs->threaded && !(!files && rs->opts.live_kind == CAPTURE_AF_PACKET)) {
            for (int i = 0; i < rs->nworkers; i++)
                atomic_store_explicit(&rs->workers[i].input_done, true, memory_order_release);
            for (int i = 0; i < rs->nworkers; i++) {
                pthread_join(rs->workers[i].thread, NULL);
                spsc_ring_free(&rs->workers[i].ring);
            }
        }
        finish(rs);
    }
    pthread_mutex_lock(&rs->runtime.lock);
    rs->runtime.workers = NULL;
    rs->runtime.nworkers = 0;
    pthread_mutex_unlock(&rs->runtime.lock);
    for (int i = 0; i < rs->nworkers; i++)
        worker_fini(&rs->workers[i]);
    free(rs->workers);
    rs->workers = NULL;
    rs->nworkers = 0;
    return close_output(rs, rc);
}

/* Suricata's unix-socket run mode: the rules are loaded once; each queued
 * pcap-file is a session of its own with its own log directory. */
static int run_unix_socket(struct run_state *rs)
{
    log_info("unix socket: waiting for pcap-file commands on %s", control_path());
    while (!stop_requested) {
        struct unix_pcap_job job;
        if (!unix_pcap_next(&job, 200))
            continue;
        rs->opts.log_dir = job.output_dir;
        log_info("unix socket: processing %s, logs in %s", job.file, job.output_dir);
        int rc = run_session(rs, job.file);
        if (rc != 0)
            log_warning("unix socket: %s: processing failed", job.file);
        unix_pcap_done(&job, rs->last_ts_usec);
    }
    unix_pcap_clear();
    return 0;
}

int sensor_main(int argc, char **argv)
{
    struct run_state rs;
    memset(&rs, 0, sizeof rs);
    int rc = sensor_options_parse(&rs.opts, argc, argv);
    if (rc != 0) {
        sensor_options_free(&rs.opts);
        return rc == 1 ? 0 : rc;
    }
    if (rs.opts.verbose)
        log_set_level(LOG_LEVEL_INFO);
    rs.start_mono = monotonic_sec();
    rs.socket_mode = rs.opts.unix_socket_set && rs.opts.pcap_file_count == 0 && !rs.opts.interface;
    const char *log_dir = rs.opts.log_dir;

    rc = load_configuration(&rs);
    if (rc == 0 && !rs.socket_mode)
        rc = check_inputs(&rs);
    if (rc == 0 && !rs.socket_mode)
        rc = check_log_dir(rs.opts.log_dir);
    if (rc == 0)
        rc = load_rules(&rs);
    if (rc == 0 && sensor_reload_start(rs.socket_mode ? 0 : rs.opts.threads) != 0)
        log_warning("rule reload is not available: cannot start its thread");
    if (rc == 0)
        rc = start_control(&rs);
    if (rc == 0) {
        install_signal_handlers();
        rc = rs.socket_mode ? run_unix_socket(&rs) : run_session(&rs, NULL);
    }
    stop_control(&rs);
    sensor_engine_shutdown();
    rs.opts.log_dir = log_dir;
    config_free(rs.cfg);
    sensor_options_free(&rs.opts);
    return rc;
}
