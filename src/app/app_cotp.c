/* SPDX-License-Identifier: Apache-2.0 */
/* TPKT + COTP framing and TSDU reassembly (app_cotp.h). */
#include "app/app_cotp.h"

#include <stdlib.h>
#include <string.h>

#define TPKT_HEADER 4u
#define TPKT_MAX 65535u

void app_cotp_init(struct app_cotp_dir *c)
{
    memset(c, 0, sizeof(*c));
    app_framer_init(&c->framer, TPKT_HEADER, TPKT_MAX);
}

void app_cotp_free(struct app_cotp_dir *c, struct app_layer_thread_ctx *thread)
{
    app_framer_free(&c->framer, thread);
    if (c->tsdu) {
        free(c->tsdu);
        app_thread_memory_release(thread, c->tsdu_cap);
    }
    c->tsdu = NULL;
    c->tsdu_cap = c->tsdu_len = 0;
}

static int64_t tpkt_len(const uint8_t *d, uint32_t n, void *user)
{
    (void)n;
    (void)user;
    if (d[0] != 3 || d[1] != 0)
        return APP_FRAME_INVALID;
    uint16_t l = app_rd16be(d + 2);
    return l < 7 ? APP_FRAME_INVALID : (int64_t)l;
}

static bool known_type(uint8_t t)
{
    switch (t & 0xf0) {
    case APP_COTP_ED: case APP_COTP_EA: case APP_COTP_RJ: case APP_COTP_AK: case APP_COTP_ER:
    case APP_COTP_DR: case APP_COTP_DC: case APP_COTP_CC: case APP_COTP_CR: case APP_COTP_DT:
        return true;
    default:
        return false;
    }
}

static bool tsdu_append(struct app_cotp_dir *c, const uint8_t *d, uint32_t n)
{
    if (c->tsdu_dropping)
        return false;
    if (n == 0)
        return true;
    if ((uint64_t)c->tsdu_len + n > APP_COTP_TSDU_MAX) {
        c->tsdu_dropping = true;
        c->tsdu_len = 0;
        if (c->ops->on_event)
            c->ops->on_event(c->user, c->ops->events[APP_COTP_EV_TSDU_LIMIT]);
        return false;
    }
    uint32_t need = c->tsdu_len + n;
    if (need > c->tsdu_cap) {
        uint32_t cap = c->tsdu_cap ? c->tsdu_cap : 1024;
        while (cap < need)
            cap *= 2;
        if (cap > APP_COTP_TSDU_MAX)
            cap = APP_COTP_TSDU_MAX;
        if (!app_memory_reserve(c->ctx, cap - c->tsdu_cap)) {
            c->tsdu_dropping = true;
            c->tsdu_len = 0;
            return false;
        }
        uint8_t *nb = realloc(c->tsdu, cap);
        if (!nb) {
            app_memory_release(c->ctx, cap - c->tsdu_cap);
            c->tsdu_dropping = true;
            c->tsdu_len = 0;
            return false;
        }
        c->tsdu = nb;
        c->tsdu_cap = cap;
    }
    memcpy(c->tsdu + c->tsdu_len, d, n);
    c->tsdu_len += n;
    return true;
}

static void on_tpkt(const uint8_t *pkt, uint32_t len, void *user)
{
    struct app_cotp_dir *c = user;
    if (app_frames_on(c->ctx))
        app_frame_add(c->ctx, c->dir, c->framer.pdu_offset, len, APP_COTP_FRAME_TPKT, -1, pkt,
                      len);
    const uint8_t *t = pkt + TPKT_HEADER;
    uint32_t n = len - TPKT_HEADER;
    uint8_t li = t[0];
    if (li < 1 || (uint32_t)li + 1 > n || !known_type(t[1])) {
        if (c->ops->on_event)
            c->ops->on_event(c->user, c->ops->events[APP_COTP_EV_BAD_COTP]);
        return;
    }
    uint8_t type = t[1] & 0xf0;
    if (type != APP_COTP_DT) {
        if (c->ops->on_tpdu)
            c->ops->on_tpdu(c->user, type, t, n);
        return;
    }
    bool eot = li >= 2 && (t[2] & 0x80);
    const uint8_t *ud = t + li + 1;
    uint32_t ulen = n - li - 1;
    if (eot && c->tsdu_len == 0 && !c->tsdu_dropping) {
        if (app_frames_on(c->ctx) && ulen)
            app_frame_add(c->ctx, c->dir, c->framer.pdu_offset + TPKT_HEADER + li + 1u, ulen,
                          APP_COTP_FRAME_PDU, -1, ud, ulen);
        c->ops->on_tsdu(c->user, ud, ulen);
        return;
    }
    bool ok = tsdu_append(c, ud, ulen);
    if (eot) {
        if (ok && c->tsdu_len)
            c->ops->on_tsdu(c->user, c->tsdu, c->tsdu_len);
        c->tsdu_len = 0;
        c->tsdu_dropping = false;
    }
}

static void on_skip(void *user, bool oversized)
{
    struct app_cotp_dir *c = user;
    if (c->ops->on_event)
        c->ops->on_event(c->user,
                         c->ops->events[oversized ? APP_COTP_EV_OVERSIZED : APP_COTP_EV_BAD_TPKT]);
}

static const struct app_framer_ops tpkt_ops = {
    .frame_len = tpkt_len, .on_pdu = on_tpkt, .on_skip = on_skip};

int app_cotp_feed(struct app_cotp_dir *c, struct app_parse_ctx *ctx, const uint8_t *data,
                  uint32_t len, uint32_t flags, const struct app_cotp_ops *ops, void *user)
{
    c->ops = ops;
    c->user = user;
    c->ctx = ctx;
    if (flags & APP_DATA_GAP) {
        c->tsdu_len = 0;
        c->tsdu_dropping = false;
    }
    int rc = app_framer_feed(&c->framer, ctx, data, len, flags, &tpkt_ops, c);
    c->ctx = NULL;
    return rc;
}

enum app_probe_result app_cotp_probe(const uint8_t *d, uint32_t len, uint8_t *type,
                                     uint32_t *user_off)
{
    if (len >= 1 && d[0] != 3)
        return APP_PROBE_NO;
    if (len >= 2 && d[1] != 0)
        return APP_PROBE_NO;
    if (len < 7)
        return APP_PROBE_NEED_MORE;
    uint16_t tl = app_rd16be(d + 2);
    uint8_t li = d[4];
    if (tl < 7 || li < 1 || (uint32_t)li + 5 > tl || !known_type(d[5]))
        return APP_PROBE_NO;
    *type = d[5] & 0xf0;
    *user_off = 5u + li;
    return APP_PROBE_MATCH;
}

enum app_probe_result app_cotp_probe_data(const uint8_t *d, uint32_t len, uint32_t need,
                                          uint32_t min_len,
                                          enum app_probe_result (*check)(const uint8_t *u,
                                                                         uint32_t avail,
                                                                         uint32_t ulen))
{
    uint32_t off = 0;
    for (int i = 0; i < 8; i++) {
        uint8_t type;
        uint32_t uoff;
        enum app_probe_result r = app_cotp_probe(d + off, len - off, &type, &uoff);
        if (r != APP_PROBE_MATCH)
            return r;
        uint16_t tl = app_rd16be(d + off + 2);
        if (type == APP_COTP_DT) {
            if (len - off < uoff + need)
                return APP_PROBE_NEED_MORE;
            if (uoff + min_len > tl)
                return APP_PROBE_NO;
            return check(d + off + uoff, len - off - uoff, tl - uoff);
        }
        off += tl;
        if (off >= len)
            return APP_PROBE_NEED_MORE;
    }
    return APP_PROBE_NO;
}

void *app_cotp_conn_new(struct app_parse_ctx *ctx, size_t size,
                        void (*tx_free)(struct app_pdu_queue *q, struct app_pdu_tx *tx))
{
    if (!app_memory_reserve(ctx, size))
        return NULL;
    struct app_cotp_conn *c = calloc(1, size);
    if (!c) {
        app_memory_release(ctx, size);
        return NULL;
    }
    app_pdu_queue_init(&c->q, ctx, tx_free);
    app_cotp_init(&c->cotp[0]);
    app_cotp_init(&c->cotp[1]);
    c->cotp[1].dir = 1;
    return c;
}

void app_cotp_conn_free(void *state, size_t size)
{
    struct app_cotp_conn *c = state;
    if (!c)
        return;
    struct app_layer_thread_ctx *t = c->q.thread;
    app_pdu_queue_free(&c->q);
    app_cotp_free(&c->cotp[0], t);
    app_cotp_free(&c->cotp[1], t);
    app_thread_memory_release(t, size);
    free(c);
}

int app_cotp_conn_parse(void *state, struct app_parse_ctx *ctx, uint8_t direction,
                        const uint8_t *data, uint32_t len, uint32_t flags,
                        const struct app_cotp_ops *ops)
{
    struct app_cotp_conn *c = state;
    c->ctx = ctx;
    c->dir = direction & 1;
    app_pdu_queue_gc(&c->q);
    int rc = app_cotp_feed(&c->cotp[c->dir], ctx, data, len, flags, ops, state);
    c->ctx = NULL;
    return rc;
}

int app_cotp_conn_tx_foreach(void *state, int (*fn)(struct app_tx *tx, void *user), void *user)
{
    return app_pdu_queue_foreach(&((struct app_cotp_conn *)state)->q, fn, user);
}
