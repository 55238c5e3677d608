/* SPDX-License-Identifier: Apache-2.0 */
/* Helpers for the industrial protocol tests (Modbus, DNP3, ENIP, MQTT): a
 * session that keeps its application-layer context open so the tests can
 * look at the transactions through the app_ics.h accessors, with a chosen
 * configuration, over TCP or UDP. Builds on app_test_util.h. */
#ifndef VIGIL_TESTS_ICS_TEST_UTIL_H
#define VIGIL_TESTS_ICS_TEST_UTIL_H

#include "app_test_util.h"

struct ics_session {
    struct test_capture cap;
    struct app_layer_config cfg;
    struct app_layer_thread_ctx *ctx;
    struct app_flow_state *st;
    struct flow f;
    struct packet p;
    uint8_t proto;
};

/* cfg NULL: the defaults. proto 6 or 17. */
static inline void ics_open(struct ics_session *s, const struct app_layer_config *cfg,
                            uint8_t proto, uint16_t sport, uint16_t dport)
{
    memset(s, 0, sizeof(*s));
    if (cfg)
        s->cfg = *cfg;
    else
        app_layer_config_load(&s->cfg, NULL);
    struct app_event_sink sink = {
        .user = &s->cap, .emit = test_capture_emit, .anomaly = test_capture_anomaly};
    s->ctx = app_layer_thread_ctx_new(&s->cfg, &sink);
    if (!s->ctx)
        abort();
    test_flow_init(&s->f, &s->p, proto, sport, dport);
    if (proto == 6)
        s->f.tcp_flags_toserver = 0x02; /* a SYN was seen: not picked up midstream */
    s->proto = proto;
}

static inline void ics_feed(struct ics_session *s, uint8_t direction, const void *data,
                            uint32_t len)
{
    s->p.flow_direction = direction;
    s->p.pcap_cnt++;
    if (s->proto == 17)
        app_layer_handle_udp(s->ctx, &s->st, &s->f, &s->p, direction, data, len);
    else
        app_layer_handle_tcp_data(s->ctx, &s->st, &s->f, &s->p, direction, data, len, 0);
}

struct ics_nth {
    uint32_t want, seen;
    struct app_tx *tx;
};

static inline int ics_nth_cb(struct app_tx *tx, void *user)
{
    struct ics_nth *n = user;
    if (n->seen++ == n->want) {
        n->tx = tx;
        return 1;
    }
    return 0;
}

/* The i-th live transaction of the flow, or NULL. */
static inline struct app_tx *ics_tx(struct ics_session *s, uint32_t i)
{
    struct ics_nth n = {.want = i};
    if (s->st)
        app_flow_state_tx_foreach(s->st, ics_nth_cb, &n);
    return n.tx;
}

/* Ends the flow; returns the log (caller frees). A memory accounting leak
 * adds "MEMUSE-LEAK" to it. */
static inline char *ics_close(struct ics_session *s, uint16_t *proto_out)
{
    if (s->proto == 6) {
        app_layer_handle_tcp_data(s->ctx, &s->st, &s->f, &s->p, 0, NULL, 0, APP_DATA_EOF);
        app_layer_handle_tcp_data(s->ctx, &s->st, &s->f, &s->p, 1, NULL, 0, APP_DATA_EOF);
    }
    app_layer_flow_end(s->ctx, s->st, &s->f);
    if (proto_out)
        *proto_out = app_flow_state_proto(s->st);
    app_flow_state_free(s->st);
    uint64_t memuse = app_layer_thread_stats(s->ctx)->memuse;
    app_layer_thread_ctx_free(s->ctx);
    if (memuse != 0)
        test_capture_append(&s->cap, "MEMUSE-LEAK\n", 12);
    if (!s->cap.log)
        test_capture_append(&s->cap, "", 0);
    return s->cap.log;
}

/* Number of occurrences of needle in hay. */
static inline int ics_count(const char *hay, const char *needle)
{
    int n = 0;
    size_t l = strlen(needle);
    for (const char *p = hay; (p = strstr(p, needle)) != NULL; p += l)
        n++;
    return n;
}

/* A DNP3 link frame: header (05 64 len ctrl dst src crc) and user data in
 * blocks of at most 16 octets, each with its CRC. */
static inline uint16_t ics_dnp3_crc(const uint8_t *p, uint32_t n)
{
    uint16_t crc = 0;
    while (n--) {
        crc ^= *p++;
        for (int i = 0; i < 8; i++)
            crc = (crc & 1) ? (uint16_t)((crc >> 1) ^ 0xA6BC) : (uint16_t)(crc >> 1);
    }
    return (uint16_t)~crc;
}

static inline uint32_t ics_dnp3_link(uint8_t *out, uint8_t ctrl, const uint8_t *user, uint32_t n)
{
    uint32_t o = 0;
    out[o++] = 0x05;
    out[o++] = 0x64;
    out[o++] = (uint8_t)(5 + n);
    out[o++] = ctrl;
    out[o++] = 0x0a; /* destination 10 */
    out[o++] = 0x00;
    out[o++] = 0x01; /* source 1 */
    out[o++] = 0x00;
    uint16_t c = ics_dnp3_crc(out, 8);
    out[o++] = (uint8_t)c;
    out[o++] = (uint8_t)(c >> 8);
    for (uint32_t i = 0; i < n; i += 16) {
        uint32_t b = n - i < 16 ? n - i : 16;
        memcpy(out + o, user + i, b);
        c = ics_dnp3_crc(user + i, b);
        o += b;
        out[o++] = (uint8_t)c;
        out[o++] = (uint8_t)(c >> 8);
    }
    return o;
}

#endif
