/* SPDX-License-Identifier: Apache-2.0 */
/* Helpers for application-layer unit tests: an event sink that captures EVE
 * bodies and anomalies into a string, hand-built flows and packets, and a
 * driver that replays a conversation whole, byte by byte and split in two at
 * every offset of every segment. Header-only, shared by tests/app/ tests. */
#ifndef VIGIL_TESTS_APP_TEST_UTIL_H
#define VIGIL_TESTS_APP_TEST_UTIL_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <errno.h>
#include <string.h>

#include "app/app.h"
#include "decode/packet.h"
#include "flow/flow.h"
#include "util/builtin_alert.h"
#include "util/json.h"

struct test_capture {
    char *log;
    size_t len, cap;
    unsigned events, anomalies;
};

static inline void test_capture_append(struct test_capture *c, const char *s, size_t n)
{
    if (c->len + n + 1 > c->cap) {
        size_t cap = c->cap ? c->cap : 1024;
        while (cap < c->len + n + 1)
            cap *= 2;
        c->log = realloc(c->log, cap);
        if (!c->log)
            abort();
        c->cap = cap;
    }
    memcpy(c->log + c->len, s, n);
    c->len += n;
    c->log[c->len] = 0;
}

static inline void test_capture_emit(void *user, const char *event_type, const struct flow *flow,
                                     const struct packet *packet, uint8_t direction,
                                     void (*write_body)(const void *object, struct json_writer *w),
                                     const void *object)
{
    struct test_capture *c = user;
    struct json_writer w;
    if (json_writer_init(&w, 256) != 0)
        abort();
    json_object_begin(&w);
    json_key_string(&w, "event_type", event_type);
    json_key_u64(&w, "direction", direction);
    write_body(object, &w);
    json_object_end(&w);
    test_capture_append(c, w.data, w.len);
    test_capture_append(c, "\n", 1);
    json_writer_free(&w);
    c->events++;
}

static inline void test_capture_anomaly(void *user, const struct flow *flow,
                                        const struct packet *packet, uint16_t app_proto,
                                        const char *event_name)
{
    struct test_capture *c = user;
    char line[256];
    int n = snprintf(line, sizeof(line), "anomaly %s %s\n", app_proto_name(app_proto), event_name);
    test_capture_append(c, line, (size_t)n);
    c->anomalies++;
}

/* Alerts of built-in detectors (struct app_event_sink.alert), as
 * "alert gid:sid signature" lines in the log. */
static inline void test_capture_alert(void *user, const struct flow *flow,
                                      const struct packet *packet, const struct builtin_alert *a)
{
    (void)flow;
    (void)packet;
    char line[160];
    int n = snprintf(line, sizeof line, "alert %u:%u %s\n", a->gid, a->sid, a->signature);
    test_capture_append(user, line, (size_t)n);
}

static inline void test_capture_reset(struct test_capture *c)
{
    free(c->log);
    memset(c, 0, sizeof(*c));
}

/* One flow between 10.0.0.1:sport and 10.0.0.2:dport. */
static inline void test_flow_init(struct flow *f, struct packet *p, uint8_t proto, uint16_t sport,
                                  uint16_t dport)
{
    memset(f, 0, sizeof(*f));
    memset(p, 0, sizeof(*p));
    f->key.src.family = f->key.dst.family = 4;
    f->key.src.addr.u8[15] = 1;
    f->key.dst.addr.u8[15] = 2;
    f->key.src.addr.u8[12] = f->key.dst.addr.u8[12] = 10;
    f->key.src_port = sport;
    f->key.dst_port = dport;
    f->key.proto = proto;
    f->flow_id = 1;
    p->ts_usec = 1700000000000000ull;
    p->pcap_cnt = 1;
    p->flow = f;
}

/* A protocol message built by hand in a test; writing past its 8 KiB
 * aborts the test rather than corrupting memory. */
struct test_buf {
    uint8_t d[8192];
    uint32_t n;
};

static inline void test_buf_put(struct test_buf *b, const void *p, uint32_t n)
{
    if (n > sizeof b->d - b->n)
        abort();
    memcpy(b->d + b->n, p, n);
    b->n += n;
}
static inline void test_buf_u8(struct test_buf *b, uint8_t v)
{
    test_buf_put(b, &v, 1);
}
static inline void test_buf_be16(struct test_buf *b, uint16_t v)
{
    test_buf_u8(b, (uint8_t)(v >> 8));
    test_buf_u8(b, (uint8_t)v);
}
static inline void test_buf_be32(struct test_buf *b, uint32_t v)
{
    test_buf_be16(b, (uint16_t)(v >> 16));
    test_buf_be16(b, (uint16_t)v);
}
static inline void test_buf_le16(struct test_buf *b, uint16_t v)
{
    test_buf_u8(b, (uint8_t)v);
    test_buf_u8(b, (uint8_t)(v >> 8));
}
static inline void test_buf_le32(struct test_buf *b, uint32_t v)
{
    test_buf_le16(b, (uint16_t)v);
    test_buf_le16(b, (uint16_t)(v >> 16));
}
static inline void test_buf_le64(struct test_buf *b, uint64_t v)
{
    test_buf_le32(b, (uint32_t)v);
    test_buf_le32(b, (uint32_t)(v >> 32));
}

struct test_segment {
    uint8_t direction;
    const uint8_t *data;
    uint32_t len;
};

/* Runs a TCP conversation through a fresh context. split_seg < 0: every
 * segment whole; split_at == 0 with split_seg >= 0: that segment byte by
 * byte; else that segment in two at split_at. Ends with EOF both ways and
 * flow end. Returns the captured log (caller frees). */
static inline char *test_run_tcp(const struct test_segment *segs, size_t nsegs, uint16_t sport,
                                 uint16_t dport, int split_seg, uint32_t split_at,
                                 uint16_t *proto_out)
{
    struct test_capture cap = {0};
    struct app_event_sink sink = {
        .user = &cap, .emit = test_capture_emit, .anomaly = test_capture_anomaly};
    struct app_layer_config cfg;
    app_layer_config_load(&cfg, NULL);
    struct app_layer_thread_ctx *ctx = app_layer_thread_ctx_new(&cfg, &sink);
    struct flow f;
    struct packet p;
    test_flow_init(&f, &p, 6, sport, dport);
    struct app_flow_state *st = NULL;
    for (size_t i = 0; i < nsegs; i++) {
        const struct test_segment *s = &segs[i];
        p.flow_direction = s->direction;
        p.pcap_cnt = i + 1;
        if ((int)i != split_seg) {
            app_layer_handle_tcp_data(ctx, &st, &f, &p, s->direction, s->data, s->len, 0);
        } else if (split_at == 0) {
            for (uint32_t k = 0; k < s->len; k++)
                app_layer_handle_tcp_data(ctx, &st, &f, &p, s->direction, s->data + k, 1, 0);
        } else {
            app_layer_handle_tcp_data(ctx, &st, &f, &p, s->direction, s->data, split_at, 0);
            app_layer_handle_tcp_data(ctx, &st, &f, &p, s->direction, s->data + split_at,
                                      s->len - split_at, 0);
        }
    }
    app_layer_handle_tcp_data(ctx, &st, &f, &p, 0, NULL, 0, APP_DATA_EOF);
    app_layer_handle_tcp_data(ctx, &st, &f, &p, 1, NULL, 0, APP_DATA_EOF);
    app_layer_flow_end(ctx, st, &f);
    if (proto_out)
        *proto_out = app_flow_state_proto(st);
    app_flow_state_free(st);
    uint64_t memuse = app_layer_thread_stats(ctx)->memuse;
    app_layer_thread_ctx_free(ctx);
    if (memuse != 0) {
        fprintf(stderr, "memory accounting leak: %llu bytes\n", (unsigned long long)memuse);
        test_capture_append(&cap, "MEMUSE-LEAK\n", 12);
    }
    if (!cap.log)
        test_capture_append(&cap, "", 0);
    return cap.log;
}

/* A TCP conversation held open between calls, for tests that look at the
 * transactions before the flow ends: open, feed segments (whole), look
 * with app_flow_state_tx_foreach(s->st, ...), close (flow end; the log
 * stays in s->cap until test_capture_reset). */
struct test_tcp_session {
    struct test_capture cap;
    struct app_event_sink sink;
    struct app_layer_thread_ctx *ctx;
    struct flow f;
    struct packet p;
    struct app_flow_state *st;
};

static inline void test_tcp_open(struct test_tcp_session *s, uint16_t sport, uint16_t dport)
{
    memset(s, 0, sizeof *s);
    s->sink = (struct app_event_sink){
        .user = &s->cap, .emit = test_capture_emit, .anomaly = test_capture_anomaly};
    struct app_layer_config cfg;
    app_layer_config_load(&cfg, NULL);
    s->ctx = app_layer_thread_ctx_new(&cfg, &s->sink);
    test_flow_init(&s->f, &s->p, 6, sport, dport);
}

static inline void test_tcp_feed(struct test_tcp_session *s, const struct test_segment *segs,
                                 size_t n)
{
    for (size_t i = 0; i < n; i++)
        app_layer_handle_tcp_data(s->ctx, &s->st, &s->f, &s->p, segs[i].direction, segs[i].data,
                                  segs[i].len, 0);
}

/* Ends the flow; returns the thread's memory still accounted (0 when all
 * was given back). */
static inline uint64_t test_tcp_close(struct test_tcp_session *s)
{
    app_layer_flow_end(s->ctx, s->st, &s->f);
    app_flow_state_free(s->st);
    s->st = NULL;
    uint64_t memuse = app_layer_thread_stats(s->ctx)->memuse;
    app_layer_thread_ctx_free(s->ctx);
    s->ctx = NULL;
    return memuse;
}

/* The app-layer stats of the last test_run_udp (its counters checked by
 * tests of limits and unreadable records). */
__attribute__((unused)) static struct app_layer_stats test_udp_stats;

/* Runs UDP datagrams (struct test_segment: direction, bytes) of one flow
 * between 10.0.0.1:sport and 10.0.0.2:dport through a fresh context, then
 * ends the flow. Returns the captured log (caller frees; "MEMUSE-LEAK" in
 * it when the accounting is not back to zero); counts and the flow's
 * protocol through the optional pointers. */
static inline char *test_run_udp(const struct test_segment *dgrams, size_t n, uint16_t sport,
                                 uint16_t dport, uint16_t *proto_out, unsigned *events_out,
                                 unsigned *anomalies_out)
{
    struct test_capture cap = {0};
    struct app_event_sink sink = {
        .user = &cap, .emit = test_capture_emit, .anomaly = test_capture_anomaly};
    struct app_layer_thread_ctx *ctx = app_layer_thread_ctx_new(NULL, &sink);
    struct flow f;
    struct packet p;
    test_flow_init(&f, &p, 17, sport, dport);
    struct app_flow_state *st = NULL;
    for (size_t i = 0; i < n; i++) {
        p.flow_direction = dgrams[i].direction;
        p.pcap_cnt = i + 1;
        app_layer_handle_udp(ctx, &st, &f, &p, dgrams[i].direction, dgrams[i].data, dgrams[i].len);
    }
    if (proto_out)
        *proto_out = app_flow_state_proto(st);
    app_layer_flow_end(ctx, st, &f);
    app_flow_state_free(st);
    test_udp_stats = *app_layer_thread_stats(ctx);
    uint64_t memuse = test_udp_stats.memuse;
    app_layer_thread_ctx_free(ctx);
    if (memuse != 0)
        test_capture_append(&cap, "MEMUSE-LEAK\n", 12);
    if (!cap.log)
        test_capture_append(&cap, "", 0);
    if (events_out)
        *events_out = cap.events;
    if (anomalies_out)
        *anomalies_out = cap.anomalies;
    return cap.log;
}

/* Checks that every split of every segment gives the same log as the whole
 * conversation. Returns the number of differing runs (0 = all identical). */
static inline int test_tcp_split_invariance(const struct test_segment *segs, size_t nsegs,
                                            uint16_t sport, uint16_t dport)
{
    int bad = 0;
    char *ref = test_run_tcp(segs, nsegs, sport, dport, -1, 0, NULL);
    for (size_t i = 0; i < nsegs; i++) {
        for (uint32_t k = 0; k < segs[i].len; k++) {
            char *got = test_run_tcp(segs, nsegs, sport, dport, (int)i, k, NULL);
            if (strcmp(ref, got) != 0) {
                if (bad < 3)
                    fprintf(stderr, "split seg %zu at %u differs:\n--- whole\n%s--- split\n%s", i,
                            k, ref, got);
                bad++;
            }
            free(got);
        }
    }
    free(ref);
    return bad;
}

#endif
