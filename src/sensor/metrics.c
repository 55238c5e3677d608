/* SPDX-License-Identifier: Apache-2.0 */
/* Prometheus text exposition of the sensor's counters (off by default):
 *
 *   metrics:
 *     enabled: yes
 *     listen: 127.0.0.1:9561      # address:port, [v6]:port or a port
 *
 * GET /metrics answers every counter of the EVE "stats" object as
 * vigil_<path> (counters as _total, memory and gauges as they are), plus
 * the capture drops, the configured memcaps, the rules and the rule
 * reloads. Each scrape takes a fresh snapshot of the workers' counters. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <microhttpd.h>

#include "detect/detect_hsdb.h"
#include "sensor/reload.h"
#include "sensor/sensor_control.h"
#include "capture/capture.h"
#include "util/config.h"
#include "util/log.h"

#define METRICS_DEFAULT_PORT 9561

struct text {
    char *data;
    size_t len, cap;
    bool failed;
};

static void put(struct text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(struct text *t, const char *fmt, ...)
{
    if (t->failed)
        return;
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(t->data + t->len, t->cap - t->len, fmt, ap);
        va_end(ap);
        if (n < 0) {
            t->failed = true;
            return;
        }
        if ((size_t)n < t->cap - t->len) {
            t->len += (size_t)n;
            return;
        }
        size_t nc = (t->cap + (size_t)n + 1) * 2;
        char *d = realloc(t->data, nc);
        if (!d) {
            t->failed = true;
            return;
        }
        t->data = d;
        t->cap = nc;
    }
}

static bool is_gauge(const char *key)
{
    static const char *const gauges[] = {"memuse", "memcap", "active", "spare", "peak",
                                         "uptime", "size", "_max", "in_use"};
    for (size_t i = 0; i < sizeof gauges / sizeof gauges[0]; i++)
        if (strstr(key, gauges[i]))
            return true;
    return false;
}

static void metric_name(char *out, size_t len, const char *path)
{
    size_t o = 0;
    for (const char *p = path; *p && o + 1 < len; p++) {
        char c = *p;
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '_';
        out[o++] = ok ? c : '_';
    }
    out[o] = '\0';
}

/* Every number under the stats object, flattened. */
static void walk(struct text *t, json_t *v, const char *path)
{
    if (json_is_object(v)) {
        const char *k;
        json_t *c;
        json_object_foreach(v, k, c) {
            char sub[512];
            snprintf(sub, sizeof sub, "%s_%s", path, k);
            walk(t, c, sub);
        }
        return;
    }
    if (!json_is_integer(v) && !json_is_real(v))
        return;
    char name[512];
    metric_name(name, sizeof name, path);
    bool gauge = is_gauge(name);
    const char *suffix = gauge ? "" : "_total";
    put(t, "# TYPE %s%s %s\n", name, suffix, gauge ? "gauge" : "counter");
    if (json_is_integer(v))
        put(t, "%s%s %lld\n", name, suffix, (long long)json_integer_value(v));
    else
        put(t, "%s%s %.17g\n", name, suffix, json_real_value(v));
}

char *sensor_metrics_text(void)
{
    struct text t = {0};
    t.cap = 16384;
    t.data = malloc(t.cap);
    if (!t.data)
        return NULL;
    t.data[0] = '\0';
    json_t *c = sensor_counters_json();
    if (c) {
        walk(&t, c, "vigil");
        json_decref(c);
    }
    const char *names[16];
    uint64_t values[16];
    size_t n = sensor_memcaps(names, values, 16);
    put(&t, "# HELP vigil_memcap_bytes Configured memory cap (0: unlimited).\n"
            "# TYPE vigil_memcap_bytes gauge\n");
    for (size_t i = 0; i < n; i++)
        put(&t, "vigil_memcap_bytes{name=\"%s\"} %llu\n", names[i], (unsigned long long)values[i]);
    struct sensor_engine_info info;
    sensor_engine_get_info(&info);
    uint32_t ndb;
    size_t dbbytes;
    hsdb_memory_usage(&ndb, &dbbytes);
    put(&t,
        "# HELP vigil_rules_loaded Rules of the running engine.\n"
        "# TYPE vigil_rules_loaded gauge\nvigil_rules_loaded %u\n"
        "# HELP vigil_rules_failed Rules that failed to load into the running engine.\n"
        "# TYPE vigil_rules_failed gauge\nvigil_rules_failed %u\n"
        "# HELP vigil_rule_reloads_total Successful rule reloads.\n"
        "# TYPE vigil_rule_reloads_total counter\nvigil_rule_reloads_total %llu\n"
        "# HELP vigil_rule_reload_failures_total Rule reloads that kept the running rules.\n"
        "# TYPE vigil_rule_reload_failures_total counter\nvigil_rule_reload_failures_total %llu\n"
        "# HELP vigil_rule_reload_last_success 1 if the last load attempt succeeded.\n"
        "# TYPE vigil_rule_reload_last_success gauge\nvigil_rule_reload_last_success %d\n"
        "# HELP vigil_rules_loaded_timestamp_seconds When the running rules were loaded.\n"
        "# TYPE vigil_rules_loaded_timestamp_seconds gauge\n"
        "vigil_rules_loaded_timestamp_seconds %.3f\n"
        "# HELP vigil_rules_load_seconds Time the running rules took to load and build.\n"
        "# TYPE vigil_rules_load_seconds gauge\nvigil_rules_load_seconds %.3f\n"
        "# HELP vigil_detect_databases Compiled prefilter databases in memory.\n"
        "# TYPE vigil_detect_databases gauge\nvigil_detect_databases %u\n"
        "# HELP vigil_detect_database_bytes Bytes of compiled prefilter databases in memory.\n"
        "# TYPE vigil_detect_database_bytes gauge\nvigil_detect_database_bytes %zu\n",
        info.rules_loaded, info.rules_failed, (unsigned long long)info.reloads,
        (unsigned long long)info.reloads_failed, info.last_attempt_ok ? 1 : 0,
        (double)info.loaded_wall_usec / 1e6, info.load_seconds, ndb, dbbytes);
    if (t.failed) {
        free(t.data);
        return NULL;
    }
    return t.data;
}

static struct MHD_Daemon *daemon_handle;

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version,
                                  const char *upload_data, size_t *upload_size, void **con_cls)
{
    (void)cls;
    (void)version;
    (void)upload_data;
    (void)con_cls;
    if (*upload_size)
        *upload_size = 0;
    const char *body = NULL;
    char *text = NULL;
    unsigned code = MHD_HTTP_OK;
    if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0) {
        code = MHD_HTTP_METHOD_NOT_ALLOWED;
        body = "only GET\n";
    } else if (strcmp(url, "/metrics") != 0) {
        code = MHD_HTTP_NOT_FOUND;
        body = "see /metrics\n";
    } else {
        text = sensor_metrics_text();
        body = text ? text : "out of memory\n";
        if (!text)
            code = MHD_HTTP_INTERNAL_SERVER_ERROR;
    }
    struct MHD_Response *r = MHD_create_response_from_buffer(strlen(body), (void *)body,
                                                             MHD_RESPMEM_MUST_COPY);
    free(text);
    if (!r)
        return MHD_NO;
    MHD_add_response_header(r, "Content-Type", "text/plain; version=0.0.4; charset=utf-8");
    enum MHD_Result ret = MHD_queue_response(conn, code, r);
    MHD_destroy_response(r);
    return ret;
}

/* "addr:port", "[v6]:port", "port" or "addr" (default port). */
static int parse_listen(const char *s, struct sockaddr_storage *ss, socklen_t *sl)
{
    char host[128] = "127.0.0.1";
    unsigned long port = METRICS_DEFAULT_PORT;
    const char *colon = strrchr(s, ':');
    char *end;
    if (s[0] == '[') {
        const char *rb = strchr(s, ']');
        if (!rb || (size_t)(rb - s - 1) >= sizeof host)
            return -EINVAL;
        memcpy(host, s + 1, (size_t)(rb - s - 1));
        host[rb - s - 1] = '\0';
        if (rb[1] == ':') {
            port = strtoul(rb + 2, &end, 10);
            if (*end)
                return -EINVAL;
        }
    } else if (colon && strchr(s, ':') == colon) {
        if ((size_t)(colon - s) >= sizeof host)
            return -EINVAL;
        memcpy(host, s, (size_t)(colon - s));
        host[colon - s] = '\0';
        port = strtoul(colon + 1, &end, 10);
        if (*end)
            return -EINVAL;
    } else {
        port = strtoul(s, &end, 10);
        if (*end) {
            snprintf(host, sizeof host, "%s", s);
            port = METRICS_DEFAULT_PORT;
        }
    }
    if (port == 0 || port > 65535)
        return -EINVAL;
    memset(ss, 0, sizeof *ss);
    struct sockaddr_in *v4 = (struct sockaddr_in *)ss;
    struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)ss;
    if (inet_pton(AF_INET, host, &v4->sin_addr) == 1) {
        v4->sin_family = AF_INET;
        v4->sin_port = htons((uint16_t)port);
        *sl = sizeof *v4;
    } else if (inet_pton(AF_INET6, host, &v6->sin6_addr) == 1) {
        v6->sin6_family = AF_INET6;
        v6->sin6_port = htons((uint16_t)port);
        *sl = sizeof *v6;
    } else {
        return -EINVAL;
    }
    return 0;
}

int sensor_metrics_start(const struct config *cfg, char *err, size_t errlen)
{
    if (!config_get_bool(cfg, "metrics.enabled", false))
        return 0;
    const char *listen = config_get(cfg, "metrics.listen");
    struct sockaddr_storage ss;
    socklen_t sl = 0;
    if (parse_listen(listen ? listen : "127.0.0.1", &ss, &sl) != 0) {
        snprintf(err, errlen, "metrics.listen: '%s' is not address:port", listen);
        return -EINVAL;
    }
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG;
    if (ss.ss_family == AF_INET6)
        flags |= MHD_USE_IPv6;
    daemon_handle = MHD_start_daemon(flags, 0, NULL, NULL, on_request, NULL, MHD_OPTION_SOCK_ADDR,
                                     (struct sockaddr *)&ss, MHD_OPTION_CONNECTION_LIMIT, 16u,
                                     MHD_OPTION_CONNECTION_TIMEOUT, 10u, MHD_OPTION_END);
    if (!daemon_handle) {
        snprintf(err, errlen, "metrics: cannot listen on %s", listen ? listen : "127.0.0.1");
        return -EADDRINUSE;
    }
    log_info("metrics: Prometheus endpoint on %s/metrics", listen ? listen : "127.0.0.1:9561");
    return 0;
}

void sensor_metrics_stop(void)
{
    if (daemon_handle)
        MHD_stop_daemon(daemon_handle);
    daemon_handle = NULL;
}
