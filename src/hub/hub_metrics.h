/* SPDX-License-Identifier: Apache-2.0 */
/* Counters of the running hub, exported in the Prometheus text format by
 * GET /metrics (hub_ops.c). Lock-free: relaxed atomic adds from any thread. */
#ifndef VIGIL_HUB_METRICS_H
#define VIGIL_HUB_METRICS_H

#include <stdatomic.h>
#include <stdint.h>

#define HUB_METRICS_ROUTES 64
/* Request latency histogram bucket upper bounds in microseconds (+Inf last). */
#define HUB_METRICS_BUCKETS 12
extern const int64_t hub_metrics_bucket_us[HUB_METRICS_BUCKETS - 1];

typedef _Atomic uint64_t hub_counter;

struct hub_route_metrics {
    hub_counter by_class[6]; /* responses by status class: [2] = 2xx ... [5] = 5xx */
    hub_counter buckets[HUB_METRICS_BUCKETS];
    hub_counter latency_sum_us;
};

struct hub_metrics {
    /* One entry per route line; the last one counts requests matching none. */
    struct hub_route_metrics routes[HUB_METRICS_ROUTES + 1];
    hub_counter auth_failures;
    hub_counter bodies_too_large;
    hub_counter connections_accepted;
    hub_counter connections_refused; /* over a limit at accept time */
    hub_counter connections_evicted; /* unauthenticated, closed to make room */
    hub_counter header_timeouts;     /* request headers not complete in time */
    _Atomic int64_t connections_open;
    _Atomic int64_t connections_unauthenticated;
    hub_counter objects_stored;
    hub_counter objects_refused;
    hub_counter eve_lines;
    hub_counter eve_alerts;
    hub_counter audit_reads_written;
    hub_counter reloads;
    _Atomic int64_t objects_total; /* counted by the housekeeping thread, + stored since */
    _Atomic int64_t db_ok;         /* 1 when the last storage probe succeeded */
    _Atomic int64_t db_probe_us;   /* duration of that probe */
    _Atomic int64_t started_us;
};

static inline void hub_count(hub_counter *c, uint64_t n)
{
    atomic_fetch_add_explicit(c, n, memory_order_relaxed);
}

/* Records one finished request on route index (HUB_METRICS_ROUTES for none). */
void hub_metrics_request(struct hub_metrics *m, int route, int status, int64_t elapsed_us);

#endif
