/* SPDX-License-Identifier: Apache-2.0 */
/* capture_probe: opens N live sources on one interface (AF_PACKET sockets in
 * one fanout group, or one libpcap handle), captures until SIGINT/SIGTERM or
 * a time limit, and prints what each source saw. Used by live-capture.sh.
 *
 *   capture_probe [--ring BLOCK_SIZExCOUNT] [--stall MS] [--snaplen N] pcap|afp IFACE
 *                 MAX_SECONDS SOCKETS [BPF]
 *
 * --stall makes every source wait MS milliseconds before reading, so a small
 * ring overflows and the kernel's drop counter can be checked.
 *
 * Prints "ready" once every source is open, then at the end one line per
 * source and a total:
 *   source 0 packets 345 bytes 48300 vlan 25 vlan100 25 drops 0 end break
 *   total packets 690 vlan 50 vlan100 50 bad 0 signal drops 0 marked 640 maxcaplen 124
 * "bad" counts frames that break the contract (caplen > wirelen, caplen 0,
 * a timestamp far from now, a re-inserted VLAN tag not followed by IPv4, an
 * untagged IPv4/UDP frame without the test's payload marker). Exit status 0 if every source ended
 * by capture_break, 1 on any capture error. */
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <stdio.h>

#include "capture/capture.h"

#define PROBE_MAX_SOURCES 8

struct probe_source {
    struct capture_source *src;
    pthread_t thread;
    uint64_t packets, bytes, vlan, vlan100, bad, timeouts, marked;
    uint32_t max_caplen;
    enum capture_result last;
};

static struct probe_source sources[PROBE_MAX_SOURCES];
static int nsources;
static long stall_ms;
static uint32_t snaplen;

static volatile sig_atomic_t got_signal;
static atomic_int finished; /* sources whose thread has returned */

static void probe_on_signal(int sig)
{
    (void)sig;
    got_signal = 1;
    for (int i = 0; i < nsources; i++)
        capture_break(sources[i].src);
}

static void *probe_run(void *arg)
{
    struct probe_source *p = arg;
    struct capture_frame f;
    struct timeval now;
    gettimeofday(&now, NULL);
    uint64_t now_usec = (uint64_t)now.tv_sec * 1000000u + (uint64_t)now.tv_usec;
    if (stall_ms > 0) {
        struct timespec d = {stall_ms / 1000, (stall_ms % 1000) * 1000000};
        nanosleep(&d, NULL);
    }
    for (;;) {
        enum capture_result r = capture_next(p->src, &f);
        if (r == CAPTURE_TIMEOUT) {
            p->timeouts++;
            continue;
        }
        if (r != CAPTURE_OK) {
            p->last = r;
            atomic_fetch_add(&finished, 1);
            break;
        }
        p->packets++;
        p->bytes += f.caplen;
        if (f.caplen > p->max_caplen)
            p->max_caplen = f.caplen;
        /* The test's UDP payloads start with a marker: the view must point
         * at the frame's first byte (Ethernet, IPv4 without options). */
        static const char marker[] = "vigil-";
        if (f.datalink == 1 && f.caplen >= 42 + 6 && f.data[12] == 0x08 && f.data[13] == 0x00) {
            if (memcmp(f.data + 42, marker, 6) == 0)
                p->marked++;
            else
                p->bad++;
        }
        if (f.caplen == 0 || f.caplen > f.wirelen || f.ts_usec + 600000000u < now_usec ||
            f.ts_usec > now_usec + 600000000u)
            p->bad++;
        if (f.datalink == 1 && f.caplen >= 18 && f.data[12] == 0x81 && f.data[13] == 0x00) {
            p->vlan++;
            if ((((f.data[14] << 8) | f.data[15]) & 0x0fff) == 100)
                p->vlan100++;
            /* The re-inserted tag must be followed by the original ethertype. */
            if (!(f.data[16] == 0x08 && f.data[17] == 0x00))
                p->bad++;
        }
    }
    return NULL;
}

int main(int argc, char **argv)
{
    uint32_t block_size = 1u << 16, block_count = 16;
    while (argc > 2 && argv[1][0] == '-') {
        if (strcmp(argv[1], "--ring") == 0 &&
            sscanf(argv[2], "%ux%u", &block_size, &block_count) == 2) {
        } else if (strcmp(argv[1], "--snaplen") == 0) {
            snaplen = (uint32_t)atol(argv[2]);
        } else if (strcmp(argv[1], "--stall") == 0) {
            stall_ms = atol(argv[2]);
        } else {
            fprintf(stderr, "capture_probe: bad option '%s'\n", argv[1]);
            return 2;
        }
        argv += 2;
        argc -= 2;
    }
    if (argc < 5 || argc > 6) {
        fprintf(stderr, "usage: capture_probe [--ring BLOCK_SIZExCOUNT] [--stall MS] pcap|afp "
                        "IFACE MAX_SECONDS SOCKETS [BPF]\n");
        return 2;
    }
    enum capture_kind kind;
    if (strcmp(argv[1], "pcap") == 0)
        kind = CAPTURE_PCAP_LIVE;
    else if (strcmp(argv[1], "afp") == 0)
        kind = CAPTURE_AF_PACKET;
    else {
        fprintf(stderr, "capture_probe: unknown kind '%s'\n", argv[1]);
        return 2;
    }
    int seconds = atoi(argv[3]);
    nsources = atoi(argv[4]);
    if (seconds <= 0 || nsources <= 0 || nsources > PROBE_MAX_SOURCES ||
        (kind == CAPTURE_PCAP_LIVE && nsources != 1)) {
        fprintf(stderr, "capture_probe: bad MAX_SECONDS or SOCKETS\n");
        return 2;
    }
    struct capture_options o = {
        .kind = kind,
        .name = argv[2],
        .bpf_filter = argc == 6 ? argv[5] : NULL,
        .fanout_group = (uint16_t)((getpid() & 0x7fff) | 1),
        .snaplen = snaplen,
        .ring_block_size = block_size,
        .ring_block_count = block_count,
        .poll_timeout_ms = 50,
    };
    char err[1024];
    for (int i = 0; i < nsources; i++) {
        sources[i].src = capture_open(&o, err, sizeof(err));
        if (!sources[i].src) {
            fprintf(stderr, "capture_probe: %s\n", err);
            return 1;
        }
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = probe_on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    /* Signals go to the main thread, which only waits. */
    sigset_t block, old;
    sigemptyset(&block);
    sigaddset(&block, SIGINT);
    sigaddset(&block, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &block, &old);
    for (int i = 0; i < nsources; i++)
        pthread_create(&sources[i].thread, NULL, probe_run, &sources[i]);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    printf("ready\n");
    fflush(stdout);

    /* Time limit: break the sources from here if no signal came. */
    struct timespec start, now;
    clock_gettime(CLOCK_MONOTONIC, &start);
    bool timed_out = false;
    while (!got_signal && atomic_load(&finished) < nsources) {
        struct timespec d = {0, 20 * 1000 * 1000};
        nanosleep(&d, NULL);
        clock_gettime(CLOCK_MONOTONIC, &now);
        if (now.tv_sec - start.tv_sec >= seconds) {
            timed_out = true;
            for (int i = 0; i < nsources; i++)
                capture_break(sources[i].src);
            break;
        }
    }
    for (int i = 0; i < nsources; i++)
        pthread_join(sources[i].thread, NULL);

    uint64_t packets = 0, vlan = 0, vlan100 = 0, bad = 0, drops = 0, marked = 0;
    uint32_t max_caplen = 0;
    int status = 0;
    for (int i = 0; i < nsources; i++) {
        struct probe_source *p = &sources[i];
        struct capture_stats st;
        capture_get_stats(p->src, &st);
        const char *end = p->last == CAPTURE_END ? "break" : "error";
        printf("source %d packets %llu bytes %llu vlan %llu vlan100 %llu drops %llu stats_packets "
               "%llu timeouts %llu end %s\n",
               i, (unsigned long long)p->packets, (unsigned long long)p->bytes,
               (unsigned long long)p->vlan, (unsigned long long)p->vlan100,
               (unsigned long long)st.kernel_drops, (unsigned long long)st.packets,
               (unsigned long long)p->timeouts, end);
        if (p->last != CAPTURE_END) {
            fprintf(stderr, "capture_probe: source %d: %s\n", i, capture_error(p->src));
            status = 1;
        }
        if (st.packets != p->packets)
            bad++;
        packets += p->packets;
        vlan += p->vlan;
        vlan100 += p->vlan100;
        bad += p->bad;
        drops += st.kernel_drops;
        marked += p->marked;
        if (p->max_caplen > max_caplen)
            max_caplen = p->max_caplen;
        capture_close(p->src);
    }
    printf("total packets %llu vlan %llu vlan100 %llu bad %llu %s drops %llu marked %llu "
           "maxcaplen %u\n",
           (unsigned long long)packets, (unsigned long long)vlan, (unsigned long long)vlan100,
           (unsigned long long)bad,
           timed_out    ? "timeout"
           : got_signal ? "signal"
                        : "ended",
           (unsigned long long)drops, (unsigned long long)marked, max_caplen);
    return status;
}
