/* SPDX-License-Identifier: Apache-2.0 */
/* bench_pipeline FILE [REPEAT]: throughput of the sensor's per-packet stages
 * on one thread, each as a ratio to plain libpcap reading of the same file
 * measured in the same run:
 *   1. read      capture_next() over the file, as the sensor reads it (the baseline)
 *   2. decode    1 + decode_packet()
 *   3. flows     2 + flow table + TCP tracking and reassembly
 * Each stage runs REPEAT times (default 3) and the best run counts, so a
 * cold page cache or a noisy neighbour doesn't decide the figure. Times are
 * the process's CPU time. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "capture/capture.h"
#include "decode/decode.h"
#include "flow/flow_table.h"
#include "stream/stream.h"

enum stage { STAGE_READ, STAGE_DECODE, STAGE_FLOWS, STAGE_MAX };
static const char *const stage_names[] = {"read (baseline)", "read+decode",
                                          "read+decode+flows+reassembly"};

/* CPU time of the process (user + system), not wall time: on a shared
 * machine other processes' load then does not count against a stage. */
static double now_sec(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static uint64_t sink_bytes;

static void on_data(void *user, struct flow *f, const struct packet *p, uint8_t dir,
                    const uint8_t *data, uint32_t len, uint32_t flags)
{
    (void)user; (void)f; (void)p; (void)dir; (void)data; (void)flags;
    sink_bytes += len;
}

static void on_event(void *user, struct flow *f, const struct packet *p, int ev)
{
    (void)user; (void)f; (void)p; (void)ev;
}

static void on_flow_end(void *user, struct flow *f)
{
    (void)user;
    (void)f;
}

static int run_stage(const char *path, enum stage stage, uint64_t *pkts, uint64_t *bytes,
                     double *secs)
{
    char errbuf[512];
    struct capture_options co = {.kind = CAPTURE_PCAP_FILE, .name = path};
    struct capture_source *pc = capture_open(&co, errbuf, sizeof errbuf);
    if (!pc) {
        fprintf(stderr, "bench_pipeline: %s\n", errbuf);
        return -1;
    }
    struct decode_config dc;
    decode_config_defaults(&dc);
    struct decode_thread_ctx *decode = stage >= STAGE_DECODE ? decode_thread_ctx_new(&dc) : NULL;
    struct stream_thread_ctx *stream = NULL;
    struct flow_table *flows = NULL;
    if (stage >= STAGE_FLOWS) {
        struct stream_config sc;
        stream_config_defaults(&sc);
        struct stream_callbacks cb = {.data = on_data, .event = on_event};
        stream = stream_thread_ctx_new(&sc, &cb);
        struct flow_config fc;
        flow_config_defaults(&fc);
        struct flow_hooks hooks = {.flow_end = on_flow_end};
        stream_flow_hooks_set(&hooks, stream);
        flows = flow_table_new(&fc, &hooks, NULL, 0);
    }
    struct packet p;
    memset(&p, 0, sizeof p);
    struct capture_frame fr;
    uint64_t n = 0, b = 0, checksum = 0;
    double t0 = now_sec();
    while (capture_next(pc, &fr) == CAPTURE_OK) {
        n++;
        b += fr.caplen;
        if (stage == STAGE_READ) {
            checksum += fr.data[0]; /* touch the frame as a real consumer would */
            continue;
        }
        p.data = fr.data;
        p.caplen = fr.caplen;
        p.wirelen = fr.wirelen;
        p.ts_usec = fr.ts_usec;
        p.pcap_cnt = n;
        p.datalink = fr.datalink;
        p.flow = NULL;
        decode_packet(decode, &p);
        checksum += p.proto;
        if (stage >= STAGE_FLOWS && !(p.flags & PACKET_FLAG_INVALID)) {
            flow_table_timeout(flows, p.ts_usec);
            struct flow *f = flow_table_get(flows, &p);
            if (f && p.proto == 6)
                stream_handle_packet(stream, f, &p);
        }
    }
    if (flows)
        flow_table_shutdown(flows);
    *secs = now_sec() - t0;
    *pkts = n;
    *bytes = b;
    if (flows)
        flow_table_free(flows);
    if (stream)
        stream_thread_ctx_free(stream);
    if (decode)
        decode_thread_ctx_free(decode);
    capture_close(pc);
    if (checksum == 42)
        fputs("", stderr); /* keeps the loop's work observable */
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: bench_pipeline FILE [REPEAT]\n");
        return 2;
    }
    int repeat = argc > 2 ? atoi(argv[2]) : 3;
    if (repeat < 1)
        repeat = 1;
    double best[STAGE_MAX];
    uint64_t pkts = 0, bytes = 0;
    for (int s = 0; s < STAGE_MAX; s++) {
        best[s] = 1e30;
        for (int r = 0; r < repeat; r++) {
            double secs;
            if (run_stage(argv[1], (enum stage)s, &pkts, &bytes, &secs) != 0)
                return 1;
            if (secs < best[s])
                best[s] = secs;
        }
    }
    printf("capture: %s: %llu packets, %.1f MB\n", argv[1], (unsigned long long)pkts,
           (double)bytes / 1e6);
    printf("%-32s %12s %10s %8s\n", "stage (1 thread)", "packets/s", "Gbit/s", "ratio");
    for (int s = 0; s < STAGE_MAX; s++) {
        double pps = (double)pkts / best[s];
        double gbps = (double)bytes * 8 / best[s] / 1e9;
        printf("%-32s %12.0f %10.2f %7.1f%%\n", stage_names[s], pps, gbps,
               100.0 * best[STAGE_READ] / best[s]);
    }
    return 0;
}
