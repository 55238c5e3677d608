/* SPDX-License-Identifier: Apache-2.0 */
/* Helpers for the grid/industrial protocol tests: a UDP runner, a TCP
 * runner that also reads every transaction's integer keywords and buffers
 * as rules would, byte builders (occurrence counting: ics_count of app/ics_test_util.h).
 * Header-only. */
#ifndef VIGIL_TESTS_GRID_TEST_UTIL_H
#define VIGIL_TESTS_GRID_TEST_UTIL_H

#include "app/app_parser.h"
#include "app/app_test_util.h"
#include "app/ics_test_util.h" /* ics_count */

/* Appends "keyword=value;" for every integer field of every transaction
 * (each instance), and "buffer=text;" for the protocol's buffers. */
static inline int ics_collect_tx(struct app_tx *tx, void *user)
{
    struct test_capture *c = user;
    const struct app_parser *p = tx->parser;
    /* As detection does: done with it in both directions. */
    app_tx_set_detect_done(tx, 0);
    app_tx_set_detect_done(tx, 1);
    if (tx->id < c->events)
        return 0; /* seen already (ids grow) */
    c->events = (unsigned)tx->id + 1;
    char line[512];
    for (uint16_t f = 0; p && f < p->n_uint_fields; f++) {
        uint64_t v;
        for (uint32_t i = 0; i < 8 && app_tx_get_field_uint(tx, p->proto, f, i, &v, NULL) == 0; i++) {
            int n = snprintf(line, sizeof line, "%s=%llu;", p->uint_fields[f].keyword,
                             (unsigned long long)v);
            test_capture_append(c, line, (size_t)n);
        }
    }
    for (int b = 0; b < APP_BUFFER_MAX; b++) {
        const uint8_t *d;
        uint32_t l;
        for (uint32_t i = 0; i < 8 && app_tx_get_buffer(tx, (enum app_buffer)b, i, &d, &l) == 0;
             i++) {
            int n = snprintf(line, sizeof line, "%s=%.*s;", app_buffer_name((enum app_buffer)b),
                             (int)l, (const char *)d);
            test_capture_append(c, line, (size_t)n);
        }
    }
    test_capture_append(c, "\n", 1);
    return 0;
}

/* Runs segments (TCP) or datagrams (UDP) and returns the integer keyword
 * and buffer values of each transaction, one line per transaction. */
static inline char *ics_run_fields(const struct test_segment *segs, size_t nsegs, uint8_t proto,
                                   uint16_t sport, uint16_t dport)
{
    struct test_capture cap = {0};
    struct app_layer_config cfg;
    app_layer_config_load(&cfg, NULL);
    struct app_layer_thread_ctx *ctx = app_layer_thread_ctx_new(&cfg, NULL);
    struct flow f;
    struct packet p;
    test_flow_init(&f, &p, proto, sport, dport);
    /* Transactions wait for detection, which the collector stands in for. */
    app_layer_set_detection_active(true);
    struct app_flow_state *st = NULL;
    for (size_t i = 0; i < nsegs; i++) {
        p.flow_direction = segs[i].direction;
        if (proto == 17)
            app_layer_handle_udp(ctx, &st, &f, &p, segs[i].direction, segs[i].data, segs[i].len);
        else
            app_layer_handle_tcp_data(ctx, &st, &f, &p, segs[i].direction, segs[i].data,
                                      segs[i].len, 0);
        app_flow_state_tx_foreach(st, ics_collect_tx, &cap);
    }
    app_layer_flow_end(ctx, st, &f);
    app_flow_state_free(st);
    app_layer_thread_ctx_free(ctx);
    app_layer_set_detection_active(false);
    if (!cap.log)
        test_capture_append(&cap, "", 0);
    return cap.log;
}

/* Runs UDP datagrams through a fresh context; returns the EVE/anomaly log. */
static inline char *ics_run_udp(const struct test_segment *segs, size_t nsegs, uint16_t sport,
                                uint16_t dport, uint16_t *proto_out)
{
    struct test_capture cap = {0};
    struct app_event_sink sink = {
        .user = &cap, .emit = test_capture_emit, .anomaly = test_capture_anomaly};
    struct app_layer_config cfg;
    app_layer_config_load(&cfg, NULL);
    struct app_layer_thread_ctx *ctx = app_layer_thread_ctx_new(&cfg, &sink);
    struct flow f;
    struct packet p;
    test_flow_init(&f, &p, 17, sport, dport);
    struct app_flow_state *st = NULL;
    for (size_t i = 0; i < nsegs; i++) {
        p.flow_direction = segs[i].direction;
        p.pcap_cnt = i + 1;
        app_layer_handle_udp(ctx, &st, &f, &p, segs[i].direction, segs[i].data, segs[i].len);
    }
    app_layer_flow_end(ctx, st, &f);
    if (proto_out)
        *proto_out = app_flow_state_proto(st);
    app_flow_state_free(st);
    uint64_t memuse = app_layer_thread_stats(ctx)->memuse;
    app_layer_thread_ctx_free(ctx);
    if (memuse != 0)
        test_capture_append(&cap, "MEMUSE-LEAK\n", 12);
    if (!cap.log)
        test_capture_append(&cap, "", 0);
    return cap.log;
}

/* A byte builder. */
struct ics_buf {
    uint8_t b[8192];
    uint32_t n;
};

static inline void ics_put(struct ics_buf *o, const void *d, uint32_t n)
{
    if (o->n + n > sizeof o->b)
        abort();
    memcpy(o->b + o->n, d, n);
    o->n += n;
}
static inline void ics_u8(struct ics_buf *o, uint8_t v)
{
    ics_put(o, &v, 1);
}
static inline void ics_be16(struct ics_buf *o, uint16_t v)
{
    uint8_t b[2] = {(uint8_t)(v >> 8), (uint8_t)v};
    ics_put(o, b, 2);
}
static inline void ics_be32(struct ics_buf *o, uint32_t v)
{
    uint8_t b[4] = {(uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v};
    ics_put(o, b, 4);
}
static inline void ics_le16(struct ics_buf *o, uint16_t v)
{
    uint8_t b[2] = {(uint8_t)v, (uint8_t)(v >> 8)};
    ics_put(o, b, 2);
}
static inline void ics_le32(struct ics_buf *o, uint32_t v)
{
    uint8_t b[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};
    ics_put(o, b, 4);
}
/* Hex string ("0a 1b ..." with optional spaces) into the buffer. */
static inline void ics_hex(struct ics_buf *o, const char *hex)
{
    int hi = -1;
    for (const char *p = hex; *p; p++) {
        int v;
        if (*p >= '0' && *p <= '9')
            v = *p - '0';
        else if (*p >= 'a' && *p <= 'f')
            v = *p - 'a' + 10;
        else if (*p >= 'A' && *p <= 'F')
            v = *p - 'A' + 10;
        else
            continue;
        if (hi < 0) {
            hi = v;
        } else {
            ics_u8(o, (uint8_t)(hi << 4 | v));
            hi = -1;
        }
    }
}

#endif
