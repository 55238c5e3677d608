/* SPDX-License-Identifier: Apache-2.0 */
/* `vigil run`: reads captures or live interfaces and drives the workers.
 *
 * Threading. With one thread (the default for capture files) one thread
 * reads and processes every frame in order, so the output is deterministic.
 * With N > 1:
 *  - pcap files and libpcap live capture: this thread reads frames and copies
 *    each into the ring of the worker chosen by a hash of the frame's
 *    outermost IP address pair, so every packet of a flow (and every fragment
 *    of a datagram, and every tunnelled flow inside one tunnel) reaches the
 *    same worker, which owns that flow without locks;
 *  - AF_PACKET: each worker opens its own socket in one fanout group per
 *    interface and the kernel splits the traffic by flow; no copy, no
 *    hand-off; this thread only does housekeeping.
 *
 * Main loop and signals (docs/architecture.md): signal handlers only set
 * flags; the main thread acts on them in sensor_housekeeping(), which every
 * mode calls at least every 100 ms. Worker threads block all signals. */
#include <errno.h>
#include <sched.h>
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
/* Packets between two looks at the clock when the main thread processes
 * packets itself (a signal is noticed at once regardless). */
#define HOUSEKEEPING_PACKETS 256u
#define FLUSH_INTERVAL_MS 1000u
#define PROGRESS_INTERVAL_MS 1000u

/* Frame record in a worker ring: header, then caplen bytes. */
struct ring_frame {
    uint64_t ts_usec;
    uint64_t pcap_cnt;
    uint32_t caplen, wirelen;
    int32_t datalink;
    uint32_t file_index; /* capture file the frame came from (pcap_filename) */
};

/* ---- signals ---- */

static volatile sig_atomic_t sig_stop, sig_hup, sig_usr2, sig_any;
static struct capture_source *volatile signal_sources[SENSOR_MAX_THREADS + 1];

static void on_signal(int sig)
{
    switch (sig) {
    case SIGHUP:
        sig_hup = 1;
        break;
    case SIGUSR2:
        sig_usr2 = 1;
        break;
    default: /* SIGINT, SIGTERM */
        sig_stop = 1;
        for (int i = 0; i <= SENSOR_MAX_THREADS; i++)
            if (signal_sources[i])
                capture_break(signal_sources[i]);
        break;
    }
    sig_any = 1;
}

void sensor_install_signal_handlers(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    /* Restarted reads and writes: a SIGHUP must never look like a truncated
     * capture file or a failed log write. Sleeps and polls still wake up. */
    sa.sa_flags = SA_RESTART;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    sigaction(SIGUSR2, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
}

bool sensor_stop_requested(void)
{
    return sig_stop != 0;
}

void sensor_request_stop(void)
{
    sig_stop = 1;
    sig_any = 1;
    for (int i = 0; i <= SENSOR_MAX_THREADS; i++)
        if (signal_sources[i])
            capture_break(signal_sources[i]);
}

/* Worker threads never take signals: the main thread's sleeps and polls are
 * what they must interrupt. */
static int start_thread(pthread_t *t, void *(*fn)(void *), void *arg)
{
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    int rc = pthread_create(t, NULL, fn, arg);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    return rc;
}

uint64_t sensor_monotonic_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static uint64_t wall_usec(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

/* ---- housekeeping ---- */

static void write_periodic_stats(struct run_state *rs)
{
    if (!rs->threaded) {
        /* The main thread is the worker: its counters are consistent now. */
        struct capture_stats cs = rs->capture;
        if (rs->live_source)
            capture_get_stats(rs->live_source, &cs);
        sensor_write_stats(rs, rs->workers, rs->nworkers, &cs, wall_usec(), false,
                           rs->workers[0].eve);
        return;
    }
    struct capture_stats cs = {0};
    if (rs->live_source)
        capture_get_stats(rs->live_source, &cs);
    for (int i = 0; i < rs->nworkers; i++) {
        if (rs->workers[i].source) {
            struct capture_stats ws;
            capture_get_stats(rs->workers[i].source, &ws);
            cs.packets += ws.packets;
            cs.bytes += ws.bytes;
            cs.kernel_drops += ws.kernel_drops;
            cs.if_drops += ws.if_drops;
        }
    }
    if (rs->have_main_eve)
        sensor_write_stats(rs, rs->workers, rs->nworkers, &cs, wall_usec(), true, rs->main_eve);
}

void sensor_housekeeping(struct run_state *rs)
{
    sig_any = 0;
    uint64_t now = sensor_monotonic_ms();
    rs->last_hk_ms = now;
    /* With one thread the main thread is the worker, between two packets
     * here (also while it waits for input): a swap need not wait for it. */
    if (!rs->threaded && rs->nworkers > 0)
        worker_quiescent(&rs->workers[0]);
    if (sig_hup) {
        sig_hup = 0;
        /* logrotate renamed the files: reopen them by name. Lines are whole
         * in the old file or the new one; nothing is lost in between.
         * Batched lines (eve-log buffer-size) written before the rename go
         * to the old file (threaded workers' batches: to the new one). */
        if (!rs->threaded && rs->nworkers > 0)
            worker_flush_outputs(&rs->workers[0]);
        for (int i = 0; rs->have_main_eve && i < rs->sc.n_eve_out; i++)
            eve_writer_flush(&rs->main_eve[i]);
        int failed = log_files_reopen_all();
        log_output_reopen();
        log_notice("SIGHUP: log files reopened%s", failed ? " (some failed, see above)" : "");
    }
    if (sig_usr2) {
        sig_usr2 = 0;
        rs->reloads_requested++;
        /* As Suricata: SIGUSR2 reloads the rules, on the reload thread
         * (sensor/reload.h); packets keep flowing meanwhile. */
        sensor_reload_rules_signal();
    }
    if (rs->profiles_persist &&
        now - rs->last_profiles_save_ms >= (uint64_t)rs->sc.behaviour.profiles_save_sec * 1000u)
        sensor_profiles_save(rs);
    if (now - rs->last_flush_ms >= FLUSH_INTERVAL_MS) {
        rs->last_flush_ms = now;
        if (rs->threaded)
            workers_request(rs->workers, rs->nworkers, WORKER_REQ_FLUSH);
        else if (rs->nworkers > 0)
            worker_flush_outputs(&rs->workers[0]);
    }
    if (rs->sc.stats_enabled &&
        (rs->sc.any_log_stats || rs->stats_log || sensor_intel_reports(rs->intel)) &&
        rs->nworkers > 0) {
        uint64_t interval = (uint64_t)rs->sc.stats_interval_sec * 1000u;
        if (rs->stats_requested_ms && now - rs->stats_requested_ms >= 50) {
            /* Workers had time to publish the snapshots asked for. */
            rs->stats_requested_ms = 0;
            write_periodic_stats(rs);
        } else if (!rs->stats_requested_ms && now - rs->last_stats_ms >= interval) {
            rs->last_stats_ms = now;
            if (rs->threaded) {
                workers_request(rs->workers, rs->nworkers, WORKER_REQ_STATS);
                rs->stats_requested_ms = now;
            } else {
                write_periodic_stats(rs);
            }
        }
    }
    if (rs->progress && now - rs->last_progress_ms >= PROGRESS_INTERVAL_MS) {
        rs->last_progress_ms = now;
        sensor_progress_update(rs, false);
    }
}

/* Called for every frame the main thread reads: a clock look every
 * HOUSEKEEPING_PACKETS frames, at once when a signal arrived. */
static inline void housekeeping_tick(struct run_state *rs)
{
    if (sig_any || --rs->hk_countdown == 0) {
        rs->hk_countdown = HOUSEKEEPING_PACKETS;
        if (sig_any || sensor_monotonic_ms() - rs->last_hk_ms >= 100)
            sensor_housekeeping(rs);
    }
}

/* ---- threaded hand-off ---- */

/* A reader facing a full ring and a worker facing an empty one nap, each
 * nap twice the last up to RING_NAP_MAX_NS, back to the minimum once frames
 * move: a fixed 20-50 us nap woke the reader tens of thousands of times a
 * second while a worker was busy (13 % of a --threads 2 run's CPU went to
 * sleeping and waking). The ring (WORKER_RING_BYTES) holds far more than
 * the longest nap's worth of traffic. */
#define RING_NAP_MIN_NS 20000L
#define RING_NAP_MAX_NS 1000000L

static inline long ring_nap_next(long ns)
{
    return ns * 2 < RING_NAP_MAX_NS ? ns * 2 : RING_NAP_MAX_NS;
}

/* Shared detection decisions (thresholds, host tags) in capture order: the
 * worker at frame cnt waits until no other worker has an older frame left.
 * The worker holding the oldest frame never waits, so all progress; the wait
 * is bounded (1 s) all the same, after which the decision is taken as is. */
void worker_order_wait(void *user, uint64_t cnt)
{
    struct worker *w = user;
    struct run_state *rs = w->run;
    if (!rs || !rs->threaded || rs->nworkers < 2 || w->source)
        return;
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (unsigned spin = 0;; spin++) {
        bool ready = true;
        for (int i = 0; i < rs->nworkers && ready; i++) {
            struct worker *o = &rs->workers[i];
            if (o != w && atomic_load_explicit(&o->oldest_cnt, memory_order_acquire) < cnt)
                ready = false;
        }
        if (ready)
            return;
        if (spin < 64) {
            sched_yield();
            continue;
        }
        struct timespec now, nap = {0, 20000};
        clock_gettime(CLOCK_MONOTONIC, &now);
        if (now.tv_sec - t0.tv_sec >= 2 ||
            (now.tv_sec - t0.tv_sec) * 1000000000L + (now.tv_nsec - t0.tv_nsec) >= 1000000000L)
            return;
        nanosleep(&nap, NULL);
    }
}

static void *worker_ring_main(void *arg)
{
    struct worker *w = arg;
    uint32_t file_index = UINT32_MAX;
    long nap_ns = RING_NAP_MIN_NS;
    for (;;) {
        worker_poll(w);
        size_t len;
        struct ring_frame *rf = spsc_ring_peek(&w->ring, &len);
        if (!rf) {
            atomic_store_explicit(&w->oldest_cnt, UINT64_MAX, memory_order_release);
            if (atomic_load_explicit(&w->input_done, memory_order_acquire)) {
                rf = spsc_ring_peek(&w->ring, &len);
                if (!rf)
                    break;
            } else if (spsc_ring_peek(&w->ring, &len)) {
                continue; /* came meanwhile: its number is published first */
            } else {
                worker_idle(w); /* adopts a reloaded engine */
                struct timespec nap = {0, nap_ns};
                worker_offline(w, true); /* a waiting worker never delays an indicator swap */
                nanosleep(&nap, NULL);
                worker_offline(w, false);
                nap_ns = ring_nap_next(nap_ns);
                continue;
            }
        }
        nap_ns = RING_NAP_MIN_NS;
        atomic_store_explicit(&w->oldest_cnt, rf->pcap_cnt, memory_order_release);
        struct capture_frame frame = {
            .data = (const uint8_t *)(rf + 1),
            .caplen = rf->caplen,
            .wirelen = rf->wirelen,
            .ts_usec = rf->ts_usec,
            .datalink = rf->datalink,
        };
        if (rf->file_index != file_index) {
            /* Every frame of the previous file was processed. */
            if (file_index != UINT32_MAX)
                atomic_store_explicit(&w->input_seen, file_index, memory_order_release);
            file_index = rf->file_index;
            worker_set_input(w, file_index, sensor_input_name(w->run, file_index));
        }
        if (rf->caplen == 0 && rf->pcap_cnt == 0) {
            worker_advance_time(w, rf->ts_usec); /* time tick from the reader */
            worker_quiescent(w);
        } else {
            worker_process_frame(w, &frame, rf->pcap_cnt);
        }
        spsc_ring_release(&w->ring);
    }
    return NULL;
}

static void ring_push(struct run_state *rs, struct worker *w, const struct ring_frame *hdr,
                      const uint8_t *data)
{
    long nap_ns = RING_NAP_MIN_NS;
    for (;;) {
        void *slot = spsc_ring_reserve(&w->ring, sizeof *hdr + hdr->caplen);
        if (slot) {
            memcpy(slot, hdr, sizeof *hdr);
            /* A time tick has no data (NULL, caplen 0). */
            if (data && hdr->caplen)
                memcpy((uint8_t *)slot + sizeof *hdr, data, hdr->caplen);
            spsc_ring_commit(&w->ring);
            return;
        }
        struct timespec nap = {0, nap_ns};
        nanosleep(&nap, NULL);
        nap_ns = ring_nap_next(nap_ns);
        housekeeping_tick(rs);
    }
}

static void dispatch_frame(struct run_state *rs, const struct capture_frame *frame)
{
    rs->pcap_cnt++;
    if (frame->ts_usec > rs->last_ts_usec)
        rs->last_ts_usec = frame->ts_usec;
    if (!rs->threaded) {
        worker_process_frame(&rs->workers[0], frame, rs->pcap_cnt);
        housekeeping_tick(rs);
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
        .file_index = rs->input_index,
    };
    ring_push(rs, w, &hdr, frame->data);
    /* An idle worker now has this frame to do (worker_order_wait); a busy
     * one has published an older number already. */
    uint64_t idle = UINT64_MAX;
    atomic_compare_exchange_strong_explicit(&w->oldest_cnt, &idle, rs->pcap_cnt,
                                            memory_order_acq_rel, memory_order_relaxed);
    /* Keep every worker's clock moving so idle workers time flows out too. */
    if ((rs->pcap_cnt & 1023) == 0) {
        struct ring_frame tick = {.ts_usec = rs->last_ts_usec, .file_index = rs->input_index};
        for (int i = 0; i < rs->nworkers; i++)
            if (&rs->workers[i] != w)
                ring_push(rs, &rs->workers[i], &tick, NULL);
    }
    housekeeping_tick(rs);
}

/* ---- inputs ---- */

static struct capture_options file_capture_options(struct run_state *rs, const char *path)
{
    struct capture_options co = {.kind = CAPTURE_PCAP_FILE, .name = path,
                                 .bpf_filter = rs->bpf,
                                 .datalink_supported = decode_datalink_supported};
    return co;
}

static bool input_interrupted(struct run_state *rs)
{
    return sig_stop || (rs->socket_mode && unix_pcap_interrupted());
}

/* While a pipe input (stdin, a FIFO) waits for its writer (capture.h,
 * capture_options.idle): the main loop's work goes on, so SIGHUP reopens
 * the logs, stats and flushes keep their interval and SIGTERM ends the run
 * without waiting for another packet. With one thread the main thread's
 * worker is offline for the shared indicators while it waits; it comes
 * online for the housekeeping, which may touch them. */
static bool pipe_input_idle(void *arg)
{
    struct run_state *rs = arg;
    if (input_interrupted(rs))
        return true;
    struct worker *self = !rs->threaded && rs->nworkers > 0 ? &rs->workers[0] : NULL;
    if (self)
        worker_offline(self, false);
    sensor_housekeeping(rs);
    if (self)
        worker_offline(self, true);
    return input_interrupted(rs);
}

int sensor_read_pcap_file(struct run_state *rs, const char *path, uint32_t index)
{
    struct capture_options co = file_capture_options(rs, path);
    co.idle = pipe_input_idle;
    co.idle_arg = rs;
    char err[512];
    struct stat st;
    /* stdin or a FIFO can block for as long as the writer likes (also for
     * its header, at open): the main thread's worker goes offline for shared
     * indicators around each read, so an indicator swap never waits for the
     * next packet (a regular file never blocks long). Rule engines are
     * another matter: the worker holds its engine, so a reload waits for
     * the next packet or the end. */
    struct worker *self = !rs->threaded && rs->nworkers > 0 ? &rs->workers[0] : NULL;
    bool may_block = self && (strcmp(path, "-") == 0 ||
                              (stat(path, &st) == 0 && !S_ISREG(st.st_mode)));
    if (may_block)
        worker_offline(self, true);
    struct capture_source *src = capture_open(&co, err, sizeof err);
    if (may_block)
        worker_offline(self, false);
    if (!src) {
        if (input_interrupted(rs))
            return 0; /* stopped while waiting for a pipe's header: not an error */
        log_error("%s", err);
        return 2;
    }
    rs->input_index = index;
    if (!rs->threaded) {
        worker_set_input(&rs->workers[0], index, path);
    } else {
        /* Every worker learns at once that the previous file ended (its
         * flows can then be judged, sensor_inputs_reap). */
        struct ring_frame tick = {.ts_usec = rs->last_ts_usec, .file_index = index};
        for (int i = 0; i < rs->nworkers; i++)
            ring_push(rs, &rs->workers[i], &tick, NULL);
    }
    signal_sources[0] = src;
    rs->progress_source = src;
    rs->progress_file_bytes = strcmp(path, "-") != 0 && stat(path, &st) == 0 ? (uint64_t)st.st_size : 0;
    struct capture_frame frame;
    enum capture_result r = CAPTURE_END;
    while (!input_interrupted(rs)) {
        if (may_block)
            worker_offline(self, true);
        r = capture_next(src, &frame);
        if (may_block)
            worker_offline(self, false);
        if (r != CAPTURE_OK)
            break;
        dispatch_frame(rs, &frame);
        sensor_capture_publish(0, src);
    }
    if (!sig_stop && r == CAPTURE_ERROR)
        log_warning("%s", capture_error(src));
    struct capture_stats cs;
    capture_get_stats(src, &cs);
    rs->capture.packets += cs.packets;
    rs->capture.bytes += cs.bytes;
    sensor_capture_forget(0, &rs->capture);
    rs->progress_done_bytes += rs->progress_file_bytes;
    rs->progress_file_bytes = 0;
    rs->progress_source = NULL;
    signal_sources[0] = NULL;
    capture_close(src);
    return 0;
}

/* libpcap live capture, or AF_PACKET with a single worker. The source was
 * opened before privileges were dropped. */
static int read_live_single(struct run_state *rs)
{
    struct capture_source *src = rs->live_source;
    signal_sources[0] = src;
    struct capture_frame frame;
    while (!sig_stop) {
        enum capture_result r = capture_next(src, &frame);
        sensor_capture_publish(0, src);
        if (r == CAPTURE_OK) {
            dispatch_frame(rs, &frame);
            /* Inline (one worker, same thread): the packet's verdict. */
            if (!rs->threaded) {
                capture_verdict(src, worker_packet_dropped(&rs->workers[0]));
                worker_packet_respond(&rs->workers[0], src);
            }
            continue;
        }
        if (r == CAPTURE_TIMEOUT) {
            if (!rs->threaded) {
                worker_advance_time(&rs->workers[0], wall_usec()); /* idle: flow time by the clock */
                worker_quiescent(&rs->workers[0]);
            }
            sensor_housekeeping(rs);
            continue;
        }
        if (r == CAPTURE_ERROR)
            log_error("%s", capture_error(src));
        break;
    }
    capture_get_stats(src, &rs->capture);
    sensor_capture_forget(0, &rs->capture);
    signal_sources[0] = NULL;
    return 0;
}

/* AF_PACKET with several workers: each worker reads its own fanout socket. */
static void *afp_worker_main(void *arg)
{
    struct worker *w = arg;
    struct capture_frame frame;
    uint64_t cnt = 0;
    while (!sig_stop) {
        worker_poll(w);
        enum capture_result r = capture_next(w->source, &frame);
        sensor_capture_publish(w->id, w->source);
        if (r == CAPTURE_OK) {
            /* pcap_cnt is per worker here; there is no global order. */
            worker_process_frame(w, &frame, ++cnt);
            capture_verdict(w->source, worker_packet_dropped(w));
            worker_packet_respond(w, w->source);
        } else if (r == CAPTURE_TIMEOUT) {
            worker_advance_time(w, wall_usec());
            worker_quiescent(w);
        } else {
            if (r == CAPTURE_ERROR && !sig_stop)
                log_error("%s", capture_error(w->source));
            break;
        }
    }
    worker_flush_outputs(w);
    return NULL;
}

static int read_afpacket_threaded(struct run_state *rs)
{
    for (int i = 0; i < rs->nworkers; i++) {
        signal_sources[i] = rs->workers[i].source;
        start_thread(&rs->workers[i].thread, afp_worker_main, &rs->workers[i]);
    }
    while (!sig_stop) {
        struct timespec nap = {0, 100 * 1000 * 1000};
        nanosleep(&nap, NULL);
        sensor_housekeeping(rs);
        /* A worker whose interface failed stops; the others go on. */
        bool any_running = false;
        for (int i = 0; i < rs->nworkers; i++)
            if (!capture_failed(rs->workers[i].source))
                any_running = true;
        if (!any_running)
            break;
    }
    sensor_request_stop();
    for (int i = 0; i < rs->nworkers; i++)
        pthread_join(rs->workers[i].thread, NULL);
    for (int i = 0; i < rs->nworkers; i++) {
        struct capture_stats cs;
        capture_get_stats(rs->workers[i].source, &cs);
        sensor_capture_forget(i, &cs);
        rs->capture.packets += cs.packets;
        rs->capture.bytes += cs.bytes;
        rs->capture.kernel_drops += cs.kernel_drops;
        rs->capture.if_drops += cs.if_drops;
        signal_sources[i] = NULL;
    }
    return 0;
}

/* ---- start and end ---- */

static void start_ring_workers(struct run_state *rs)
{
    for (int i = 0; i < rs->nworkers; i++) {
        spsc_ring_init(&rs->workers[i].ring, WORKER_RING_BYTES);
        start_thread(&rs->workers[i].thread, worker_ring_main, &rs->workers[i]);
    }
}

static void stop_ring_workers(struct run_state *rs)
{
    for (int i = 0; i < rs->nworkers; i++)
        atomic_store_explicit(&rs->workers[i].input_done, true, memory_order_release);
    for (int i = 0; i < rs->nworkers; i++) {
        pthread_join(rs->workers[i].thread, NULL);
        spsc_ring_free(&rs->workers[i].ring);
    }
}

/* The control socket and the metrics endpoint (sensor_control.h). */
int sensor_control_start(struct run_state *rs)
{
    struct sensor_runtime *rt = &rs->runtime;
    pthread_mutex_init(&rt->lock, NULL);
    bool live = !rs->socket_mode && rs->ninputs == 0 && !rs->pcap_continuous;
    bool afp = rs->opts.live_kind == CAPTURE_AF_PACKET;
    rt->running_mode = rs->nworkers <= 1 && !rs->threaded ? "single"
                       : rs->afp_threaded                 ? "workers"
                                                          : "autofp";
    rt->capture_mode = rs->socket_mode ? "UNIX_SOCKET"
                       : live          ? (afp ? "AF_PACKET_DEV" : "PCAP_DEV")
                                       : "PCAP_FILE";
    rt->iface = live ? rs->live_iface : NULL;
    rt->workers = rs->workers;
    rt->nworkers = rs->nworkers;
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
                log_error("unix socket: %s", err);
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

void sensor_control_stop(struct run_state *rs)
{
    if (!rs->control_running)
        return;
    sensor_metrics_stop();
    control_stop();
    sensor_control_unregister();
    pthread_mutex_destroy(&rs->runtime.lock);
    rs->control_running = false;
}

/* ics-baseline: what the workers learned is written to its file at the end,
 * so that it survives restarts (docs/ics-baselines.md). */
static void save_baseline(struct run_state *rs)
{
    const struct app_layer_config *ac = &rs->sc.app;
    if (!ac->baseline_enabled || !ac->baseline_file || rs->nworkers <= 0)
        return;
    struct app_layer_thread_ctx *ctxs[SENSOR_MAX_THREADS];
    int n = 0;
    for (int i = 0; i < rs->nworkers && n < SENSOR_MAX_THREADS; i++)
        ctxs[n++] = rs->workers[i].app;
    int rc = app_layer_baseline_save(ctxs, (size_t)n, ac->baseline_file);
    if (rc != 0)
        log_error("ics-baseline: cannot write %s: %s", ac->baseline_file, strerror(-rc));
}

static void finish(struct run_state *rs)
{
    for (int i = 0; i < rs->nworkers; i++)
        worker_shutdown(&rs->workers[i]);
    uint64_t ts = rs->last_ts_usec ? rs->last_ts_usec : wall_usec();
    if (rs->sc.stats_enabled)
        sensor_report_final_stats(rs, &rs->capture, ts);
    sensor_intel_drain(rs->intel); /* alerts still queued for the hub: before the stats */
    save_baseline(rs);
    if (rs->sc.stats_enabled && rs->nworkers > 0) {
        sensor_write_stats(rs, rs->workers, rs->nworkers, &rs->capture, ts, false,
                           rs->workers[0].eve);
    }
    uint64_t pkts = 0, events = 0;
    for (int i = 0; i < rs->nworkers; i++) {
        worker_flush_outputs(&rs->workers[i]);
        pkts += rs->workers[i].stats.packets;
        for (int o = 0; o < rs->workers[i].neve; o++)
            events += rs->workers[i].eve[o].events_written;
    }
    if (rs->progress)
        sensor_progress_update(rs, true);
    log_info("%llu packets, %llu events written", (unsigned long long)pkts,
             (unsigned long long)events);
}

/* Runs the inputs until they end or a signal stops the sensor. */
int sensor_run_inputs(struct run_state *rs)
{
    uint64_t now = sensor_monotonic_ms();
    rs->last_flush_ms = rs->last_stats_ms = rs->last_progress_ms = rs->last_hk_ms = now;
    rs->hk_countdown = HOUSEKEEPING_PACKETS;
    if (rs->threaded) {
        for (int i = 0; i < rs->sc.n_eve_out; i++)
            if (eve_writer_init(&rs->main_eve[i], rs->eve_files[i], &rs->sc.eve_out[i].eve) != 0)
                return 1;
        rs->have_main_eve = true;
    }
    int rc = 0;
    if (rs->ninputs > 0 || rs->opts.pcap_continuous) {
        if (rs->threaded)
            start_ring_workers(rs);
        rc = sensor_read_inputs(rs);
        if (rs->threaded)
            stop_ring_workers(rs);
    } else if (rs->afp_threaded) {
        rc = read_afpacket_threaded(rs);
    } else {
        if (rs->threaded)
            start_ring_workers(rs);
        rc = read_live_single(rs);
        if (rs->threaded)
            stop_ring_workers(rs);
    }
    finish(rs);
    sensor_inputs_reap(rs, true); /* every flow ended */
    if (rs->have_main_eve) {
        for (int i = 0; i < rs->sc.n_eve_out; i++)
            eve_writer_free(&rs->main_eve[i]);
        rs->have_main_eve = false;
    }
    return rc;
}

uint64_t sensor_alert_count(struct run_state *rs)
{
    uint64_t n = 0;
    for (int i = 0; i < rs->nworkers; i++)
        n += atomic_load_explicit(&rs->workers[i].stats.alerts, memory_order_relaxed);
    return n;
}
