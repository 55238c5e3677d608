/* SPDX-License-Identifier: Apache-2.0 */
/* The baseline of every sensor benchmark: how fast src/capture hands out the
 * frames of a capture file, with nothing else done per frame than reading
 * its first and last byte. bench/ compares decode, flow and reassembly
 * throughput against this figure measured in the same run. */
#ifndef VIGIL_BENCH_CAPTURE_H
#define VIGIL_BENCH_CAPTURE_H

#include <stddef.h>
#include <stdint.h>

struct capture_bench_result {
    uint64_t packets;
    uint64_t bytes; /* captured bytes handed out (sum of caplen) */
    double seconds; /* wall clock of the best run */
    double packets_per_second;
    double gbit_per_second; /* bytes * 8 / seconds / 1e9 */
};

/* Reads the whole file through capture_open/capture_next `runs` times (at
 * least 1) and keeps the fastest run, so a cold page cache does not count.
 * bpf may be NULL. Returns 0, or a negative errno with a one-line reason
 * naming the file in err (a truncated file is an error: a benchmark must not
 * silently measure half a file). */
int capture_bench_read_file(const char *path, const char *bpf, int runs,
                            struct capture_bench_result *out, char *err, size_t errlen);

#endif
