/* SPDX-License-Identifier: Apache-2.0 */
/* Per-PDU transactions and the length-delimited PDU framer (app_pdu.h). */
#include "app/app_pdu.h"

#include <stdlib.h>
#include <string.h>

#include "util/json.h"

/* ---------- per-PDU transactions ---------- */

void app_pdu_queue_init(struct app_pdu_queue *q, struct app_parse_ctx *ctx,
                        void (*tx_free)(struct app_pdu_queue *q, struct app_pdu_tx *tx))
{
    memset(q, 0, sizeof(*q));
    q->thread = ctx->thread;
    q->tx_free = tx_free;
}

static void app_pdu_tx_destroy(struct app_pdu_queue *q, struct app_pdu_tx *tx)
{
    if (q->tx_free)
        q->tx_free(q, tx);
    if (q->nspare < APP_PDU_SPARE) {
        /* Keep the parser's struct (still accounted) for the next PDU. */
        app_thread_memory_release(q->thread, tx->size - tx->base_size);
        tx->size = tx->base_size;
        tx->next = q->spare;
        q->spare = tx;
        q->nspare++;
        return;
    }
    app_thread_memory_release(q->thread, tx->size);
    free(tx);
}

static void app_pdu_pop_head(struct app_pdu_queue *q)
{
    struct app_pdu_tx *tx = q->head;
    q->head = tx->next;
    if (!q->head)
        q->tail = NULL;
    q->count--;
    app_pdu_tx_destroy(q, tx);
}

void app_pdu_queue_gc(struct app_pdu_queue *q)
{
    while (q->head && app_tx_can_free(&q->head->base))
        app_pdu_pop_head(q);
}

void *app_pdu_tx_new(struct app_pdu_queue *q, struct app_parse_ctx *ctx,
                     const struct app_parser *parser, size_t size, uint8_t direction)
{
    app_pdu_queue_gc(q);
    const struct app_layer_config *cfg = app_parser_config(ctx);
    uint32_t max_tx = cfg && cfg->max_tx_per_flow ? cfg->max_tx_per_flow : 512;
    while (q->head && q->count >= max_tx) {
        /* Detection has not caught up (e.g. rules of a direction that
         * never sends): the oldest goes. */
        if (!q->overflowed) {
            q->overflowed = true;
            app_parser_anomaly(ctx, parser->proto, "too_many_transactions");
        }
        app_pdu_pop_head(q);
    }
    if (size < sizeof(struct app_pdu_tx))
        return NULL;
    struct app_pdu_tx *tx = q->spare;
    if (tx && tx->base_size == size) {
        q->spare = tx->next;
        q->nspare--;
        memset(tx, 0, size);
    } else {
        if (!app_memory_reserve(ctx, size))
            return NULL;
        tx = calloc(1, size);
        if (!tx) {
            app_memory_release(ctx, size);
            return NULL;
        }
    }
    tx->base_size = size;
    tx->base.parser = parser;
    tx->base.id = q->next_id++;
    tx->size = size;
    tx->direction = direction & 1;
    if (q->tail)
        q->tail->next = tx;
    else
        q->head = tx;
    q->tail = tx;
    q->count++;
    app_parser_count_tx(ctx, parser->proto);
    return tx;
}

bool app_pdu_tx_reserve(struct app_pdu_queue *q, struct app_pdu_tx *tx, size_t size)
{
    if (!app_thread_memory_reserve(q->thread, size))
        return false;
    tx->size += size;
    return true;
}

void app_pdu_tx_log(struct app_pdu_queue *q, struct app_parse_ctx *ctx, struct app_pdu_tx *tx,
                    const char *event_type,
                    void (*write_body)(const void *object, struct json_writer *w))
{
    (void)q;
    if (!tx->base.logged) {
        tx->base.logged = true;
        app_parser_log(ctx, event_type, tx->direction, write_body, tx);
    }
    app_tx_set_detect_done(&tx->base, (uint8_t)(tx->direction ^ 1));
}

void app_pdu_queue_free(struct app_pdu_queue *q)
{
    while (q->head)
        app_pdu_pop_head(q);
    while (q->spare) {
        struct app_pdu_tx *tx = q->spare;
        q->spare = tx->next;
        app_thread_memory_release(q->thread, tx->size);
        free(tx);
    }
    q->nspare = 0;
}

int app_pdu_queue_foreach(struct app_pdu_queue *q, int (*fn)(struct app_tx *tx, void *user),
                          void *user)
{
    for (struct app_pdu_tx *tx = q->head; tx; tx = tx->next) {
        int rc = fn(&tx->base, user);
        if (rc)
            return rc;
    }
    return 0;
}

int app_pdu_tx_direction(const struct app_tx *tx)
{
    return ((const struct app_pdu_tx *)tx)->direction;
}

bool app_pdu_tx_complete(const struct app_tx *tx, uint8_t direction)
{
    (void)tx;
    (void)direction;
    return true;
}

void app_pdu_event(struct app_parse_ctx *ctx, uint16_t app_proto, struct app_pdu_tx *tx,
                   uint32_t *flow_events, const char *const *names, unsigned e)
{
    uint32_t bit = 1u << e;
    if (tx) {
        if (tx->events & bit)
            return;
        tx->events |= bit;
    } else if (flow_events) {
        /* No transaction to hang it on (framing): once per flow. */
        if (*flow_events & bit)
            return;
        *flow_events |= bit;
    }
    app_parser_anomaly(ctx, app_proto, names[e]);
}

bool app_pdu_has_event(const struct app_tx *tx, const char *const *names, unsigned count,
                       const char *name)
{
    uint32_t ev = ((const struct app_pdu_tx *)tx)->events;
    for (unsigned e = 0; e < count && e < 32; e++)
        if ((ev & (1u << e)) && strcmp(names[e], name) == 0)
            return true;
    return false;
}

/* ---------- framer ---------- */

void app_framer_init(struct app_framer *fr, uint32_t header, uint32_t max_pdu)
{
    memset(fr, 0, sizeof(*fr));
    fr->header = header ? header : 1;
    fr->max_pdu = max_pdu < fr->header ? fr->header : max_pdu;
}

void app_framer_free(struct app_framer *fr, struct app_layer_thread_ctx *thread)
{
    if (fr->buf) {
        free(fr->buf);
        app_thread_memory_release(thread, fr->cap);
    }
    fr->buf = NULL;
    fr->cap = fr->len = 0;
}

static bool app_framer_reserve(struct app_framer *fr, struct app_parse_ctx *ctx, uint32_t need)
{
    return app_buf_grow(ctx, &fr->buf, &fr->cap, need, 256, fr->max_pdu);
}

/* A frame length check result: > 0 length, or invalid. Oversized PDUs set
 * fr->skip. Returns the length, 0 when the bytes were consumed as invalid. */
static int64_t app_framer_check(struct app_framer *fr, const uint8_t *d, uint32_t n,
                                const struct app_framer_ops *ops, void *user)
{
    int64_t l = ops->frame_len(d, n, user);
    if (l == APP_FRAME_INVALID || l < (int64_t)fr->header) {
        if (!fr->resyncing && ops->on_skip)
            ops->on_skip(user, false);
        fr->resyncing = true;
        return 0;
    }
    return l;
}

int app_framer_feed(struct app_framer *fr, struct app_parse_ctx *ctx, const uint8_t *data,
                    uint32_t len, uint32_t flags, const struct app_framer_ops *ops, void *user)
{
    if (flags & APP_DATA_GAP) {
        fr->len = 0;
        fr->skip = 0;
        fr->resyncing = true;
        return 0;
    }
    const uint8_t *start = data;
    uint64_t base = ctx ? ctx->stream_offset : 0;
#define FRAMER_OFF(p) (base + (uint64_t)((p) - start))
    while (data && len > 0) {
        if (fr->skip) {
            uint32_t n = fr->skip < len ? fr->skip : len;
            fr->skip -= n;
            data += n;
            len -= n;
            continue;
        }
        if (fr->len == 0) {
            /* Nothing buffered: whole PDUs are handed over in place. */
            if (len < fr->header) {
                if (!app_framer_reserve(fr, ctx, fr->header))
                    return -1;
                memcpy(fr->buf, data, len);
                fr->len = len;
                return 0;
            }
            int64_t l = app_framer_check(fr, data, len, ops, user);
            if (l == 0) {
                data++;
                len--;
                continue;
            }
            fr->resyncing = false;
            if (l > (int64_t)fr->max_pdu) {
                if (ops->on_skip)
                    ops->on_skip(user, true);
                fr->skip = (uint32_t)(l > UINT32_MAX ? UINT32_MAX : l);
                continue;
            }
            if (l <= (int64_t)len) {
                fr->pdu_offset = FRAMER_OFF(data);
                ops->on_pdu(data, (uint32_t)l, user);
                data += l;
                len -= (uint32_t)l;
                continue;
            }
            if (!app_framer_reserve(fr, ctx, (uint32_t)l))
                return -1;
            memcpy(fr->buf, data, len);
            fr->len = len;
            return 0;
        }
        /* Something buffered: complete the header, then the PDU. */
        if (fr->len < fr->header) {
            uint32_t n = fr->header - fr->len;
            if (n > len)
                n = len;
            memcpy(fr->buf + fr->len, data, n);
            fr->len += n;
            data += n;
            len -= n;
            if (fr->len < fr->header)
                return 0;
        }
        int64_t l = app_framer_check(fr, fr->buf, fr->len, ops, user);
        if (l == 0) {
            /* Drop the first buffered byte and try again from the next. */
            memmove(fr->buf, fr->buf + 1, fr->len - 1);
            fr->len--;
            if (fr->len == 0)
                continue;
            /* Re-feed the buffered bytes through the in-place path. */
            uint32_t have = fr->len;
            uint8_t tmp[64];
            if (have <= sizeof(tmp)) {
                memcpy(tmp, fr->buf, have);
                fr->len = 0;
                /* the buffered bytes end where data starts */
                uint64_t saved = ctx->stream_offset;
                ctx->stream_offset = FRAMER_OFF(data) - have;
                int rc = app_framer_feed(fr, ctx, tmp, have, 0, ops, user);
                ctx->stream_offset = saved;
                if (rc < 0)
                    return -1;
            }
            continue;
        }
        fr->resyncing = false;
        if (l > (int64_t)fr->max_pdu) {
            if (ops->on_skip)
                ops->on_skip(user, true);
            uint64_t rest = (uint64_t)l - fr->len;
            fr->skip = (uint32_t)(rest > UINT32_MAX ? UINT32_MAX : rest);
            fr->len = 0;
            continue;
        }
        if (!app_framer_reserve(fr, ctx, (uint32_t)l))
            return -1;
        uint32_t n = (uint32_t)l - fr->len;
        if (n > len)
            n = len;
        memcpy(fr->buf + fr->len, data, n);
        fr->len += n;
        data += n;
        len -= n;
        if (fr->len == (uint32_t)l) {
            fr->len = 0;
            fr->pdu_offset = FRAMER_OFF(data) - (uint64_t)l;
            ops->on_pdu(fr->buf, (uint32_t)l, user);
        }
    }
#undef FRAMER_OFF
    return 0;
}

bool app_buf_grow(struct app_parse_ctx *ctx, uint8_t **buf, uint32_t *cap, uint32_t need,
                  uint32_t first, uint32_t max)
{
    if (need <= *cap)
        return true;
    uint64_t c = *cap ? *cap : first;
    if (c == 0)
        c = need;
    while (c < need)
        c *= 2;
    if (max && c > max)
        c = max;
    uint32_t nc = (uint32_t)c;
    if (!app_memory_reserve(ctx, nc - *cap))
        return false;
    uint8_t *nb = realloc(*buf, nc);
    if (!nb) {
        app_memory_release(ctx, nc - *cap);
        return false;
    }
    *buf = nb;
    *cap = nc;
    return true;
}

void app_buf_shrink(struct app_layer_thread_ctx *thread, uint8_t **buf, uint32_t *cap,
                    uint32_t used, uint32_t keep)
{
    if (*cap > keep && used == 0) {
        app_thread_memory_release(thread, *cap);
        free(*buf);
        *buf = NULL;
        *cap = 0;
    }
}

bool app_be32_gather(uint8_t mark[4], uint8_t *have, const uint8_t **data, uint32_t *len,
                     uint32_t *value)
{
    uint32_t n = 4u - *have;
    if (n > *len)
        n = *len;
    memcpy(mark + *have, *data, n);
    *have = (uint8_t)(*have + n);
    *data += n;
    *len -= n;
    if (*have < 4)
        return false;
    *value = (uint32_t)mark[0] << 24 | (uint32_t)mark[1] << 16 | (uint32_t)mark[2] << 8 | mark[3];
    return true;
}

void *app_state_alloc(struct app_parse_ctx *ctx, size_t size)
{
    if (!app_memory_reserve(ctx, size))
        return NULL;
    void *p = calloc(1, size);
    if (!p)
        app_memory_release(ctx, size);
    return p;
}

void *app_pdu_framed_new(struct app_parse_ctx *ctx, size_t size, uint32_t header,
                         uint32_t max_pdu,
                         void (*tx_free)(struct app_pdu_queue *q, struct app_pdu_tx *tx))
{
    struct app_pdu_framed *st = app_state_alloc(ctx, size);
    if (!st)
        return NULL;
    app_pdu_queue_init(&st->q, ctx, tx_free);
    for (int d = 0; d < 2; d++)
        app_framer_init(&st->framer[d], header, max_pdu);
    return st;
}

int app_pdu_framed_parse(void *state, struct app_parse_ctx *ctx, uint8_t direction,
                         const uint8_t *data, uint32_t len, uint32_t flags,
                         const struct app_framer_ops *ops)
{
    struct app_pdu_framed *st = state;
    st->ctx = ctx;
    st->dir = direction & 1;
    app_pdu_queue_gc(&st->q);
    int rc = app_framer_feed(&st->framer[st->dir], ctx, data, len, flags, ops, st);
    st->ctx = NULL;
    return rc;
}

void app_pdu_framed_free(void *state, size_t size)
{
    struct app_pdu_framed *st = state;
    if (!st)
        return;
    struct app_layer_thread_ctx *t = st->q.thread;
    app_pdu_queue_free(&st->q);
    for (int d = 0; d < 2; d++)
        app_framer_free(&st->framer[d], t);
    app_thread_memory_release(t, size);
    free(st);
}

int app_pdu_framed_foreach(void *state, int (*fn)(struct app_tx *tx, void *user), void *user)
{
    return app_pdu_queue_foreach(&((struct app_pdu_framed *)state)->q, fn, user);
}

int app_tx_list_foreach(void *first, size_t next_off, int (*fn)(struct app_tx *tx, void *user),
                        void *user)
{
    for (char *tx = first; tx;) {
        char *next = *(char **)(void *)(tx + next_off);
        int rc = fn((struct app_tx *)(void *)tx, user);
        if (rc)
            return rc;
        tx = next;
    }
    return 0;
}

void app_buf_free(struct app_layer_thread_ctx *thread, uint8_t **buf, uint32_t *cap)
{
    if (*buf)
        app_thread_memory_release(thread, *cap);
    free(*buf);
    *buf = NULL;
    *cap = 0;
}

void app_pdu_answer_set(struct app_pdu_answer *a, uint64_t request_tx_id, uint64_t request_usec,
                        uint64_t now)
{
    a->answered = true;
    a->request_tx_id = request_tx_id;
    a->rtt_usec = now >= request_usec ? now - request_usec : 0;
}

void app_pdu_write_answers(struct json_writer *w, const char *key,
                           const struct app_pdu_answer *a)
{
    if (!a->answered)
        return;
    json_key_object_begin(w, key);
    json_key_u64(w, "tx_id", a->request_tx_id);
    json_key_u64(w, "rtt_usec", a->rtt_usec);
    json_object_end(w);
}
