/* SPDX-License-Identifier: Apache-2.0 */
/* bench_capture FILE [-n RUNS] [-F BPF]: raw capture-file read speed, the
 * baseline (1) of the sensor benchmark. Prints packets/s and Gbit/s of the
 * fastest of RUNS reads (default 3). Exit 0, 1 (read error), 2 (usage). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capture_bench.h"

int main(int argc, char **argv)
{
    const char *path = NULL, *bpf = NULL;
    int runs = 3;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "-n") == 0 && i + 1 < argc) {
            char *end;
            long v = strtol(argv[++i], &end, 10);
            if (*end || v < 1 || v > 1000) {
                fprintf(stderr, "bench_capture: -n: '%s' is not a number of runs (1-1000)\n",
                        argv[i]);
                return 2;
            }
            runs = (int)v;
        } else if (strcmp(argv[i], "-F") == 0 && i + 1 < argc) {
            bpf = argv[++i];
        } else if (argv[i][0] == '-' && argv[i][1]) {
            fprintf(stderr, "bench_capture: unknown option '%s'\n", argv[i]);
            return 2;
        } else if (!path) {
            path = argv[i];
        } else {
            fprintf(stderr, "bench_capture: one capture file only ('%s')\n", argv[i]);
            return 2;
        }
    }
    if (!path) {
        fprintf(stderr, "usage: bench_capture FILE [-n RUNS] [-F BPF]\n");
        return 2;
    }
    struct capture_bench_result r;
    char err[1024];
    if (capture_bench_read_file(path, bpf, runs, &r, err, sizeof(err)) != 0) {
        fprintf(stderr, "bench_capture: %s\n", err);
        return 1;
    }
    printf("capture read (baseline): %s\n", path);
    printf("  packets %llu, bytes %llu, best of %d runs %.3f s\n", (unsigned long long)r.packets,
           (unsigned long long)r.bytes, runs, r.seconds);
    printf("  %.0f packets/s, %.2f Gbit/s\n", r.packets_per_second, r.gbit_per_second);
    return 0;
}
