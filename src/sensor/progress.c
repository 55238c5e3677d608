/* SPDX-License-Identifier: Apache-2.0 */
/* The progress line of long capture-file runs: packets, throughput, alerts
 * and the estimated time left, rewritten in place on stderr once a second.
 * Only on a terminal and not with -q (sensor_main decides), so logs and
 * scripts never see it. */
#include <stdio.h>
#include <string.h>

#include "sensor/sensor_internal.h"
#include "util/log.h"

static void format_eta(uint64_t sec, char *out, size_t outlen)
{
    if (sec >= 3600)
        snprintf(out, outlen, "%lluh%02llum", (unsigned long long)(sec / 3600),
                 (unsigned long long)(sec / 60 % 60));
    else
        snprintf(out, outlen, "%llum%02llus", (unsigned long long)(sec / 60),
                 (unsigned long long)(sec % 60));
}

void sensor_progress_update(struct run_state *rs, bool final)
{
    uint64_t now = sensor_monotonic_ms();
    if (!rs->progress_start_ms)
        rs->progress_start_ms = now;
    double elapsed = (double)(now - rs->progress_start_ms) / 1000.0;
    if (elapsed <= 0.0)
        elapsed = 0.001;
    uint64_t pkts = rs->capture.packets, bytes = rs->capture.bytes;
    uint64_t file_done = 0;
    if (rs->progress_source) {
        struct capture_stats cs;
        capture_get_stats(rs->progress_source, &cs);
        pkts += cs.packets;
        bytes += cs.bytes;
        /* Bytes of the file consumed: frame bytes plus the 16-byte record
         * headers, a close estimate of the read position. */
        file_done = cs.bytes + cs.packets * 16;
        if (rs->progress_file_bytes && file_done > rs->progress_file_bytes)
            file_done = rs->progress_file_bytes;
    }
    uint64_t done = rs->progress_done_bytes + file_done;
    double gbps = (double)bytes * 8.0 / elapsed / 1e9;
    char eta[32] = "--";
    if (!final && rs->progress_total_bytes > done && done > 0) {
        double rate = (double)done / elapsed;
        format_eta((uint64_t)((double)(rs->progress_total_bytes - done) / rate), eta, sizeof eta);
    } else if (final) {
        snprintf(eta, sizeof eta, "done in %.1f s", elapsed);
    }
    double pct = rs->progress_total_bytes ? 100.0 * (double)done / (double)rs->progress_total_bytes
                                          : 0.0;
    if (pct > 100.0)
        pct = 100.0;
    fprintf(stderr, "\r\033[K%5.1f%%  %llu packets  %.2f Gbit/s  %llu alerts  %s%s%s",
            final ? 100.0 : pct, (unsigned long long)pkts, gbps,
            (unsigned long long)sensor_alert_count(rs), final ? "" : "ETA ", eta,
            final ? "\n" : "");
    fflush(stderr);
    log_set_progress_line(!final);
}
