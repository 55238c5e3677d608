/* SPDX-License-Identifier: Apache-2.0 */
/* Operations endpoints: GET /healthz (no token: load balancers and service
 * managers) and GET /metrics (Prometheus text format 0.0.4, any token:
 * Prometheus sends it with `authorization: {credentials: TOKEN}`). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hub/hub_handlers.h"
#include "hub/hub_util.h"

void ops_healthz(struct hub_request *req, struct hub_response *resp)
{
    struct hub_server *s = req->server;
    char err[256];
    int64_t t0 = hub_now_us(), one = 0;
    int rc = hub_db_query_i64(req->db, "SELECT 1", 0, NULL, 0, &one, err, sizeof err);
    int64_t dt = hub_now_us() - t0;
    atomic_store(&s->metrics.db_ok, rc == 0 && one == 1);
    atomic_store(&s->metrics.db_probe_us, dt);
    bool ok = rc == 0 && one == 1;
    hub_response_json(
        resp, ok ? 200 : 503, "application/json",
        json_pack("{s:s, s:s, s:I, s:I}", "status", ok ? "ok" : "unavailable", "database",
                  ok ? "ok" : err, "database_ms", (json_int_t)(dt / 1000), "uptime_s",
                  (json_int_t)((hub_now_us() - atomic_load(&s->metrics.started_us)) / 1000000)));
}

struct text {
    char *buf;
    size_t len, cap;
    bool failed;
};

static void out(struct text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void out(struct text *t, const char *fmt, ...)
{
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        int n = t->failed ? 0 : vsnprintf(t->buf + t->len, t->cap - t->len, fmt, ap);
        va_end(ap);
        if (t->failed || n < 0)
            return;
        if ((size_t)n < t->cap - t->len) {
            t->len += (size_t)n;
            return;
        }
        size_t ncap = t->cap * 2 + (size_t)n;
        char *nb = realloc(t->buf, ncap);
        if (!nb) {
            t->failed = true;
            return;
        }
        t->buf = nb;
        t->cap = ncap;
    }
}

static void counter(struct text *t, const char *name, const char *help, uint64_t v)
{
    out(t, "# HELP %s %s\n# TYPE %s counter\n%s %llu\n", name, help, name, name,
        (unsigned long long)v);
}

static void gauge(struct text *t, const char *name, const char *help, int64_t v)
{
    out(t, "# HELP %s %s\n# TYPE %s gauge\n%s %lld\n", name, help, name, name, (long long)v);
}

void ops_metrics(struct hub_request *req, struct hub_response *resp)
{
    struct hub_server *s = req->server;
    if (!s->cfg.metrics) {
        hub_response_error(resp, 404, "Not found", "metrics are disabled (metrics: no)");
        return;
    }
    struct hub_metrics *m = &s->metrics;
    struct text t = {.cap = 16384};
    t.buf = malloc(t.cap);
    if (!t.buf) {
        hub_response_error(resp, 500, "Internal error", "out of memory");
        return;
    }
    out(&t, "# HELP vigil_hub_requests_total HTTP requests by route and status class.\n"
            "# TYPE vigil_hub_requests_total counter\n");
    for (size_t i = 0; i <= hub_route_count && i <= HUB_METRICS_ROUTES; i++) {
        size_t r = i == hub_route_count ? HUB_METRICS_ROUTES : i;
        const char *method = i == hub_route_count ? "" : hub_routes[i].method;
        const char *route = i == hub_route_count ? "unmatched" : hub_routes[i].pattern;
        for (int c = 1; c <= 5; c++) {
            uint64_t v = atomic_load(&m->routes[r].by_class[c]);
            if (v)
                out(&t, "vigil_hub_requests_total{method=\"%s\",route=\"%s\",code=\"%dxx\"} %llu\n",
                    method, route, c, (unsigned long long)v);
        }
    }
    out(&t, "# HELP vigil_hub_request_duration_seconds Time from request headers to response.\n"
            "# TYPE vigil_hub_request_duration_seconds histogram\n");
    for (size_t i = 0; i <= hub_route_count && i <= HUB_METRICS_ROUTES; i++) {
        size_t r = i == hub_route_count ? HUB_METRICS_ROUTES : i;
        const char *method = i == hub_route_count ? "" : hub_routes[i].method;
        const char *route = i == hub_route_count ? "unmatched" : hub_routes[i].pattern;
        uint64_t cum = 0;
        for (int b = 0; b < HUB_METRICS_BUCKETS; b++)
            cum += atomic_load(&m->routes[r].buckets[b]);
        if (!cum)
            continue;
        cum = 0;
        for (int b = 0; b < HUB_METRICS_BUCKETS; b++) {
            cum += atomic_load(&m->routes[r].buckets[b]);
            if (b < HUB_METRICS_BUCKETS - 1)
                out(&t,
                    "vigil_hub_request_duration_seconds_bucket{method=\"%s\",route=\"%s\","
                    "le=\"%g\"} %llu\n",
                    method, route, (double)hub_metrics_bucket_us[b] / 1e6, (unsigned long long)cum);
            else
                out(&t,
                    "vigil_hub_request_duration_seconds_bucket{method=\"%s\",route=\"%s\","
                    "le=\"+Inf\"} %llu\n",
                    method, route, (unsigned long long)cum);
        }
        out(&t, "vigil_hub_request_duration_seconds_sum{method=\"%s\",route=\"%s\"} %.6f\n", method,
            route, (double)atomic_load(&m->routes[r].latency_sum_us) / 1e6);
        out(&t, "vigil_hub_request_duration_seconds_count{method=\"%s\",route=\"%s\"} %llu\n",
            method, route, (unsigned long long)cum);
    }
    counter(&t, "vigil_hub_auth_failures_total",
            "Requests refused for a missing, malformed, unknown, revoked or expired token.",
            atomic_load(&m->auth_failures));
    counter(&t, "vigil_hub_bodies_too_large_total", "Requests refused with 413.",
            atomic_load(&m->bodies_too_large));
    counter(&t, "vigil_hub_connections_accepted_total", "Connections accepted.",
            atomic_load(&m->connections_accepted));
    counter(&t, "vigil_hub_connections_evicted_total",
            "Unauthenticated connections closed to make room for new ones.",
            atomic_load(&m->connections_evicted));
    counter(&t, "vigil_hub_header_timeouts_total",
            "Connections closed because their request headers did not arrive in time.",
            atomic_load(&m->header_timeouts));
    gauge(&t, "vigil_hub_connections_open", "Connections open now.",
          atomic_load(&m->connections_open));
    gauge(&t, "vigil_hub_connections_unauthenticated",
          "Open connections that have not presented a valid token yet.",
          atomic_load(&m->connections_unauthenticated));
    counter(&t, "vigil_hub_objects_stored_total", "STIX objects stored (TAXII and EVE).",
            atomic_load(&m->objects_stored));
    counter(&t, "vigil_hub_objects_refused_total", "STIX objects refused with a reason.",
            atomic_load(&m->objects_refused));
    counter(&t, "vigil_hub_eve_lines_total", "EVE lines received on /api/v1/eve.",
            atomic_load(&m->eve_lines));
    counter(&t, "vigil_hub_eve_alerts_total", "EVE alerts received on /api/v1/eve.",
            atomic_load(&m->eve_alerts));
    counter(&t, "vigil_hub_reloads_total", "SIGHUP/SIGUSR2 reloads.", atomic_load(&m->reloads));
    counter(&t, "vigil_hub_db_errors_total", "Failed storage statements.", hub_db_error_count());
    uint64_t group_commits, group_jobs;
    hub_db_group_stats(hub_db_group_of(s->db), &group_commits, &group_jobs);
    counter(&t, "vigil_hub_group_commits_total",
            "Transactions committing the writes of one or more TAXII POSTs (group commit).",
            group_commits);
    counter(&t, "vigil_hub_group_commit_posts_total",
            "TAXII POSTs written through group commit (divided by the commits: POSTs per commit).",
            group_jobs);
    gauge(&t, "vigil_hub_objects", "Object versions stored (counted every 30 s per 100,000, plus those stored since).",
          atomic_load(&m->objects_total));
    /* A storage probe on every scrape. */
    char err[256];
    int64_t t0 = hub_now_us(), one = 0;
    int rc = hub_db_query_i64(req->db, "SELECT 1", 0, NULL, 0, &one, err, sizeof err);
    gauge(&t, "vigil_hub_db_up", "1 when the database answers.", rc == 0 && one == 1);
    out(&t,
        "# HELP vigil_hub_db_probe_seconds Time of a trivial query.\n"
        "# TYPE vigil_hub_db_probe_seconds gauge\nvigil_hub_db_probe_seconds %.6f\n",
        (double)(hub_now_us() - t0) / 1e6);
    out(&t,
        "# HELP vigil_hub_start_time_seconds Start time of the hub (Unix time).\n"
        "# TYPE vigil_hub_start_time_seconds gauge\nvigil_hub_start_time_seconds %.3f\n",
        (double)atomic_load(&m->started_us) / 1e6);
    if (t.failed) {
        free(t.buf);
        hub_response_error(resp, 500, "Internal error", "out of memory");
        return;
    }
    resp->status = 200;
    resp->content_type = "text/plain; version=0.0.4; charset=utf-8";
    resp->body = t.buf;
    resp->len = t.len;
}
