/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "capture/capture.h"
#include "capture_bench.h"

static double bench_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The checksum of touched bytes keeps the compiler from dropping the reads. */
static volatile uint64_t bench_sink;

int capture_bench_read_file(const char *path, const char *bpf, int runs,
                            struct capture_bench_result *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof(*out));
    if (runs < 1)
        runs = 1;
    for (int run = 0; run < runs; run++) {
        struct capture_options o = {.kind = CAPTURE_PCAP_FILE, .name = path, .bpf_filter = bpf};
        double t0 = bench_now();
        struct capture_source *src = capture_open(&o, err, errlen);
        if (!src)
            return -EINVAL;
        struct capture_frame f;
        enum capture_result r;
        uint64_t packets = 0, bytes = 0, sum = 0;
        while ((r = capture_next(src, &f)) == CAPTURE_OK) {
            packets++;
            bytes += f.caplen;
            if (f.caplen)
                sum += (uint64_t)f.data[0] + f.data[f.caplen - 1];
        }
        double seconds = bench_now() - t0;
        if (r == CAPTURE_ERROR) {
            snprintf(err, errlen, "%s", capture_error(src));
            capture_close(src);
            return -EIO;
        }
        capture_close(src);
        bench_sink += sum;
        if (run == 0 || seconds < out->seconds) {
            out->packets = packets;
            out->bytes = bytes;
            out->seconds = seconds;
        }
    }
    if (out->seconds > 0) {
        out->packets_per_second = (double)out->packets / out->seconds;
        out->gbit_per_second = (double)out->bytes * 8.0 / out->seconds / 1e9;
    }
    return 0;
}
