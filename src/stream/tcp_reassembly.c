/* SPDX-License-Identifier: Apache-2.0 */
/* Per-direction reassembly: segment pools, ordered insertion with overlap
 * policies, in-order delivery, gaps and depth. */
#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "stream/tcp_internal.h"

/* Data capacity of each segment size class: small payloads (ACK-sized
 * requests, keepalives) do not pin a full-MTU buffer. */
static const uint32_t class_cap[TCP_SEGMENT_CLASSES] = {64, 256, 1024, 1536, 4096, 16384, 65536};

static uint64_t class_bytes(int c)
{
    return sizeof(struct tcp_segment) + class_cap[c];
}

static void memuse_add(struct stream_thread_ctx *ctx, int64_t delta)
{
    ctx->stats.reassembly_memuse = (uint64_t)((int64_t)ctx->stats.reassembly_memuse + delta);
    if (ctx->stats.reassembly_memuse > ctx->stats.reassembly_memuse_peak)
        ctx->stats.reassembly_memuse_peak = ctx->stats.reassembly_memuse;
}

/* Takes a segment for len bytes from the pools, growing them within the
 * reassembly memcap; pooled segments of other classes are released to make
 * room. NULL when the memcap does not allow it. */
static struct tcp_segment *segment_alloc(struct stream_thread_ctx *ctx, uint32_t len)
{
    int c = 0;
    while (c < TCP_SEGMENT_CLASSES - 1 && class_cap[c] < len)
        c++;
    if (class_cap[c] < len)
        return NULL;
    struct tcp_segment *s = ctx->segment_free[c];
    if (s) {
        ctx->segment_free[c] = s->next;
        return s;
    }
    uint64_t need = class_bytes(c);
    for (int o = TCP_SEGMENT_CLASSES - 1;
         o >= 0 && ctx->stats.reassembly_memuse + need > ctx->cfg.reassembly_memcap; o--) {
        while (ctx->segment_free[o] &&
               ctx->stats.reassembly_memuse + need > ctx->cfg.reassembly_memcap) {
            struct tcp_segment *f = ctx->segment_free[o];
            ctx->segment_free[o] = f->next;
            free(f);
            memuse_add(ctx, -(int64_t)class_bytes(o));
        }
    }
    if (ctx->stats.reassembly_memuse + need > ctx->cfg.reassembly_memcap)
        return NULL;
    s = malloc(need);
    if (!s)
        return NULL;
    s->size_class = (uint8_t)c;
    memuse_add(ctx, (int64_t)need);
    return s;
}

static void segment_free(struct stream_thread_ctx *ctx, struct tcp_segment *s)
{
    s->next = ctx->segment_free[s->size_class];
    s->prev = NULL;
    ctx->segment_free[s->size_class] = s;
}

void tcp_segment_pools_free(struct stream_thread_ctx *ctx)
{
    for (int c = 0; c < TCP_SEGMENT_CLASSES; c++) {
        while (ctx->segment_free[c]) {
            struct tcp_segment *f = ctx->segment_free[c];
            ctx->segment_free[c] = f->next;
            free(f);
            memuse_add(ctx, -(int64_t)class_bytes(c));
        }
    }
}

static void segment_unlink(struct tcp_stream *st, struct tcp_segment *s)
{
    if (s->prev)
        s->prev->next = s->next;
    else
        st->head = s->next;
    if (s->next)
        s->next->prev = s->prev;
    else
        st->tail = s->prev;
    if (st->undelivered == s)
        st->undelivered = s->next;
}

/* Links s before `before` (NULL: at the tail). */
static void segment_link_before(struct tcp_stream *st, struct tcp_segment *s,
                                struct tcp_segment *before)
{
    s->next = before;
    s->prev = before ? before->prev : st->tail;
    if (s->prev)
        s->prev->next = s;
    else
        st->head = s;
    if (before)
        before->prev = s;
    else
        st->tail = s;
}

/* Drops delivered segments that the peer acknowledged, or beyond the
 * retention budget. */
static void release_delivered(struct stream_thread_ctx *ctx, struct tcp_stream *st, bool all)
{
    struct tcp_segment *s;
    while ((s = st->head) != NULL && s != st->undelivered) {
        bool acked = (st->flags & TCP_STREAM_ACK_KNOWN) && SEQ_LEQ(s->seq + s->len, st->last_ack);
        if (!all && !acked && st->retained <= ctx->cfg.max_retained_bytes)
            break;
        segment_unlink(st, s);
        st->retained -= s->len;
        segment_free(ctx, s);
    }
}

void tcp_stream_release_all(struct stream_thread_ctx *ctx, struct tcp_stream *st)
{
    while (st->head) {
        struct tcp_segment *s = st->head;
        segment_unlink(st, s);
        segment_free(ctx, s);
    }
    st->undelivered = NULL;
    st->queued = 0;
    st->retained = 0;
}

static void drop_undelivered(struct stream_thread_ctx *ctx, struct tcp_stream *st)
{
    while (st->undelivered) {
        struct tcp_segment *s = st->undelivered;
        segment_unlink(st, s);
        segment_free(ctx, s);
    }
    st->queued = 0;
}

static void emit_data(struct stream_thread_ctx *ctx, uint8_t dir, const uint8_t *data, uint32_t len,
                      uint32_t flags)
{
    if (ctx->cb.data)
        ctx->cb.data(ctx->cb.user, ctx->cur_flow, ctx->cur_packet, dir, data, len, flags);
}

static void depth_reached(struct stream_thread_ctx *ctx, struct tcp_stream *st)
{
    st->flags |= TCP_STREAM_DEPTH;
    ctx->stats.stream_depth_reached++;
    stream_event_set(ctx, STREAM_EVENT_REASSEMBLY_DEPTH_REACHED);
    drop_undelivered(ctx, st);
}

/* Delivers len bytes (or a gap when data is NULL) at base_seq, honouring the
 * depth. Returns false when the depth stopped delivery. */
static bool deliver_bytes(struct stream_thread_ctx *ctx, struct tcp_stream *st, uint8_t dir,
                          const uint8_t *data, uint32_t len)
{
    uint32_t depth = ctx->cfg.reassembly_depth;
    uint32_t n = len;
    bool stop = false;
    if (depth && st->delivered + len > depth) {
        n = st->delivered >= depth ? 0 : (uint32_t)(depth - st->delivered);
        stop = true;
    }
    if (n) {
        if (data) {
            emit_data(ctx, dir, data, n, 0);
        } else {
            ctx->stats.reassembly_gap++;
            stream_event_set(ctx, STREAM_EVENT_REASSEMBLY_SEQ_GAP);
            emit_data(ctx, dir, NULL, n, STREAM_DATA_GAP);
        }
    }
    st->delivered += n;
    st->base_seq += len;
    if (stop)
        depth_reached(ctx, st);
    return !stop;
}

static void maybe_eof(struct stream_thread_ctx *ctx, struct tcp_stream *st, uint8_t dir)
{
    if ((st->flags & (TCP_STREAM_FIN | TCP_STREAM_EOF)) == TCP_STREAM_FIN &&
        (SEQ_GEQ(st->base_seq, st->fin_seq) || (st->flags & TCP_STREAM_DEPTH))) {
        st->flags |= TCP_STREAM_EOF;
        emit_data(ctx, dir, NULL, 0, STREAM_DATA_EOF);
    }
}

/* Whether delivery of st must wait for the receiver's ACK: Suricata's IDS
 * mode hands the application layer only acknowledged data, on the packet that
 * carries the ACK. Not for one-sided (async) sessions, and not when so much
 * unacknowledged data piled up that the receiver is evidently not visible. */
static bool wait_for_ack(const struct stream_thread_ctx *ctx, const struct tcp_stream *st)
{
    if (!ctx->cfg.ack_based_delivery || ctx->cur_async)
        return false;
    uint32_t acked = (st->flags & TCP_STREAM_ACK_KNOWN) ? st->last_ack : st->base_seq;
    if (SEQ_LT(acked, st->base_seq))
        acked = st->base_seq;
    return !(SEQ_GT(st->next_seq, acked) && st->next_seq - acked > ctx->cfg.max_unacked_bytes);
}

/* Delivers queued in-order data from base_seq: up to the receiver's ACK
 * unless force (flow end, RST) or immediate delivery is configured. A
 * segment may be delivered in parts as the ACKs advance. */
static void deliver(struct stream_thread_ctx *ctx, struct tcp_stream *st, uint8_t dir, bool force)
{
    bool wait = !force && wait_for_ack(ctx, st);
    struct tcp_segment *s;
    while (!(st->flags & (TCP_STREAM_DEPTH | TCP_STREAM_EOF)) && (s = st->undelivered) != NULL &&
           SEQ_LEQ(s->seq, st->base_seq)) {
        uint32_t end = s->seq + s->len;
        uint32_t stop = end;
        bool past_fin = false;
        if ((st->flags & TCP_STREAM_FIN) && SEQ_GT(stop, st->fin_seq)) {
            /* Queued before the FIN was known: nothing after it is stream data. */
            stop = st->fin_seq;
            past_fin = true;
        }
        if (wait) {
            uint32_t lim = (st->flags & TCP_STREAM_ACK_KNOWN) ? st->last_ack : st->base_seq;
            if (SEQ_LT(lim, stop)) {
                stop = SEQ_MAX(lim, st->base_seq);
                past_fin = false;
            }
        }
        uint32_t n = SEQ_GT(stop, st->base_seq) ? stop - st->base_seq : 0;
        if (n && !deliver_bytes(ctx, st, dir, s->data + (st->base_seq - s->seq), n))
            break;
        if (past_fin) {
            st->undelivered = s->next;
            st->queued--;
            s->len = st->fin_seq - s->seq;
            st->retained += s->len;
            drop_undelivered(ctx, st);
            break;
        }
        if (st->base_seq != end)
            break; /* partly delivered: wait for more ACKs */
        st->undelivered = s->next;
        st->queued--;
        /* s is now delivered; keep it for retransmission checks unless the
         * retention budget says otherwise. */
        st->retained += s->len;
        release_delivered(ctx, st, ctx->cfg.max_retained_bytes == 0);
    }
    maybe_eof(ctx, st, dir);
}

void tcp_stream_deliver(struct stream_thread_ctx *ctx, struct tcp_stream *st, uint8_t dir)
{
    deliver(ctx, st, dir, false);
}

/* In-order data without waiting for ACKs (no gaps, no EOF): on RST. */
void tcp_stream_deliver_unacked(struct stream_thread_ctx *ctx, struct tcp_stream *st, uint8_t dir)
{
    deliver(ctx, st, dir, true);
}

/* The peer acknowledged up to st->last_ack: release acked delivered data,
 * deliver what is now acknowledged and, when the acked range has bytes we
 * never saw, deliver them as a gap. */
void tcp_stream_ack_update(struct stream_thread_ctx *ctx, struct tcp_stream *st, uint8_t dir)
{
    release_delivered(ctx, st, false);
    if (!(st->flags & TCP_STREAM_ACK_KNOWN) || (st->flags & TCP_STREAM_DEPTH) ||
        !(st->flags & TCP_STREAM_SEQ_KNOWN))
        return;
    for (;;) {
        uint32_t limit = st->last_ack;
        if ((st->flags & TCP_STREAM_FIN) && SEQ_GT(limit, st->fin_seq))
            limit = st->fin_seq;
        if (!SEQ_GT(limit, st->base_seq) || (st->flags & (TCP_STREAM_DEPTH | TCP_STREAM_EOF)))
            break;
        struct tcp_segment *s = st->undelivered;
        if (s && SEQ_LEQ(s->seq, st->base_seq)) {
            uint32_t before = st->base_seq;
            deliver(ctx, st, dir, false);
            if (st->base_seq == before)
                break;
            continue;
        }
        uint32_t gap_end = s ? SEQ_MIN(s->seq, limit) : limit;
        if (!deliver_bytes(ctx, st, dir, NULL, gap_end - st->base_seq))
            break;
        if (SEQ_GT(st->base_seq, st->next_seq))
            st->next_seq = st->base_seq;
    }
    maybe_eof(ctx, st, dir);
}

/* Delivers everything queued, holes as gaps, then EOF (once). */
void tcp_stream_flush(struct stream_thread_ctx *ctx, struct tcp_stream *st, uint8_t dir)
{
    if ((st->flags & TCP_STREAM_SEQ_KNOWN) && !(st->flags & TCP_STREAM_EOF)) {
        deliver(ctx, st, dir, true);
        while (!(st->flags & (TCP_STREAM_DEPTH | TCP_STREAM_EOF)) && st->undelivered) {
            struct tcp_segment *s = st->undelivered;
            if ((st->flags & TCP_STREAM_FIN) && SEQ_GEQ(s->seq, st->fin_seq)) {
                drop_undelivered(ctx, st);
                break;
            }
            if (SEQ_GT(s->seq, st->base_seq)) {
                if (!deliver_bytes(ctx, st, dir, NULL, s->seq - st->base_seq))
                    break;
            }
            deliver(ctx, st, dir, true);
            if (st->undelivered == s) {
                /* Cannot happen (queued data never starts after base_seq
                 * here); drop it rather than loop. */
                assert(0);
                segment_unlink(st, s);
                st->queued--;
                segment_free(ctx, s);
            }
        }
        /* Data the peer acknowledged but that was never captured. */
        if (!(st->flags & (TCP_STREAM_DEPTH | TCP_STREAM_EOF)) && (st->flags & TCP_STREAM_ACK_KNOWN)) {
            uint32_t limit = st->last_ack;
            if ((st->flags & TCP_STREAM_FIN) && SEQ_GT(limit, st->fin_seq))
                limit = st->fin_seq;
            if (SEQ_GT(limit, st->base_seq))
                deliver_bytes(ctx, st, dir, NULL, limit - st->base_seq);
        }
    }
    if (!(st->flags & TCP_STREAM_EOF)) {
        st->flags |= TCP_STREAM_EOF;
        emit_data(ctx, dir, NULL, 0, STREAM_DATA_EOF);
    }
}

/* Whether new data wins over an existing segment it overlaps, by policy;
 * [ns, ne) is the new segment, [xs, xe) the existing one. */
static bool new_wins(uint8_t policy, uint32_t ns, uint32_t ne, uint32_t xs, uint32_t xe)
{
    bool start_before = SEQ_LT(ns, xs), start_same = ns == xs;
    bool end_after = SEQ_GT(ne, xe), end_same = ne == xe;
    switch (policy) {
    case STREAM_POLICY_FIRST:
    case STREAM_POLICY_VISTA:
        return false;
    case STREAM_POLICY_LAST:
        return true;
    case STREAM_POLICY_LINUX:
        return start_before || (start_same && end_after);
    case STREAM_POLICY_OLD_LINUX:
        return start_before || start_same;
    case STREAM_POLICY_SOLARIS:
    case STREAM_POLICY_HPUX11:
        return end_after || end_same;
    case STREAM_POLICY_BSD:
    case STREAM_POLICY_WINDOWS:
    case STREAM_POLICY_HPUX10:
    case STREAM_POLICY_IRIX:
    case STREAM_POLICY_MACOS:
    default:
        return start_before;
    }
}

/* Copies [seq, seq+len) of new data into a fresh segment linked before
 * `before`. Returns false (counted) if the memcap or the queue limit refused. */
static bool insert_piece(struct stream_thread_ctx *ctx, struct tcp_stream *st, uint32_t seq,
                         const uint8_t *data, uint32_t len, struct tcp_segment *before)
{
    struct tcp_segment *prev = before ? before->prev : st->tail;
    bool in_order = seq == st->base_seq || (prev && prev->seq + prev->len == seq);
    if (!in_order && st->queued >= ctx->cfg.max_ooo_segments) {
        ctx->stats.ooo_limit_drop++;
        ctx->stats.insert_data_normal_fail++;
        stream_event_set(ctx, STREAM_EVENT_REASSEMBLY_INSERT_LIMIT);
        return false;
    }
    while (len > 0) {
        uint32_t n = len > 65536 ? 65536 : len;
        struct tcp_segment *s = segment_alloc(ctx, n);
        if (!s) {
            /* Free what this direction keeps only for overlap checks, retry. */
            release_delivered(ctx, st, true);
            s = segment_alloc(ctx, n);
        }
        if (!s) {
            ctx->cur_exceptions |= PACKET_EXC_REASM_MEMCAP;
            ctx->stats.segment_memcap_drop++;
            ctx->stats.insert_data_normal_fail++;
            stream_event_set(ctx, STREAM_EVENT_REASSEMBLY_INSERT_MEMCAP);
            return false;
        }
        s->seq = seq;
        s->len = n;
        memcpy(s->data, data, n);
        segment_link_before(st, s, before);
        st->queued++;
        if (!st->undelivered || SEQ_LT(seq, st->undelivered->seq))
            st->undelivered = s;
        seq += n;
        data += n;
        len -= n;
    }
    return true;
}

/* Inserts new data of one direction; the list stays sorted and free of
 * overlaps. Bytes before base_seq (already delivered) are only compared with
 * what is retained. *retransmission is set when no byte was new. */
void tcp_stream_insert(struct stream_thread_ctx *ctx, struct tcp_session *ssn,
                       struct tcp_stream *st, uint8_t dir, uint32_t seq, const uint8_t *data,
                       uint32_t len, bool *retransmission)
{
    (void)ssn;
    *retransmission = false;
    if (len == 0)
        return;
    if (ctx->cfg.simulate_reassembly_memcap_at && ctx->cur_packet &&
        ctx->cur_packet->pcap_cnt == ctx->cfg.simulate_reassembly_memcap_at) {
        /* QA simulation: the segment meets the memcap and is not queued. */
        ctx->cur_exceptions |= PACKET_EXC_REASM_MEMCAP;
        ctx->stats.segment_memcap_drop++;
        ctx->stats.insert_data_normal_fail++;
        stream_event_set(ctx, STREAM_EVENT_REASSEMBLY_INSERT_MEMCAP);
        return;
    }
    const uint32_t ns = seq, ne = seq + len;
    bool overlapped = false, differs = false;
    uint32_t new_bytes = 0;

    /* Data past the FIN is not part of the stream. */
    if ((st->flags & TCP_STREAM_FIN) && SEQ_GT(ne, st->fin_seq)) {
        if (SEQ_GEQ(seq, st->fin_seq))
            return;
        len = st->fin_seq - seq;
    }
    uint32_t end = seq + len;

    /* Already delivered part: compare with retained segments. */
    if (SEQ_LT(seq, st->base_seq)) {
        uint32_t old_end = SEQ_MIN(end, st->base_seq);
        /* Walk back from the delivery point: retransmissions are usually of
         * recent data, and only overlapping segments are visited. */
        for (struct tcp_segment *x = st->undelivered ? st->undelivered : st->tail;
             x && SEQ_GT(x->seq + x->len, seq); x = x->prev) {
            uint32_t xs = x->seq, xe = x->seq + x->len;
            if (SEQ_GEQ(xs, old_end))
                continue;
            uint32_t os = SEQ_MAX(xs, seq), oe = SEQ_MIN(xe, old_end);
            overlapped = true;
            if (memcmp(x->data + (os - xs), data + (os - seq), oe - os) != 0)
                differs = true;
        }
        if (SEQ_LEQ(end, st->base_seq)) {
            len = 0;
        } else {
            data += st->base_seq - seq;
            len = end - st->base_seq;
            seq = st->base_seq;
        }
        if (!overlapped)
            stream_event_set(ctx, STREAM_EVENT_REASSEMBLY_SEGMENT_BEFORE_BASE_SEQ);
    }
    if (len == 0 || (st->flags & TCP_STREAM_DEPTH))
        goto done;
    /* Bytes beyond the reassembly depth are never delivered: do not queue them. */
    if (ctx->cfg.reassembly_depth) {
        uint64_t room = st->delivered >= ctx->cfg.reassembly_depth
                            ? 0
                            : ctx->cfg.reassembly_depth - st->delivered;
        uint32_t off = seq - st->base_seq;
        if (off >= room) {
            if (seq == st->base_seq)
                depth_reached(ctx, st);
            goto done;
        }
        if ((uint64_t)off + len > room + 1)
            len = (uint32_t)(room - off + 1); /* one byte over so delivery notices the depth */
    }

    /* Find the first undelivered segment that ends after seq; the common case
     * (appending in order) is found from the tail in one step. */
    struct tcp_segment *x = NULL;
    if (st->undelivered) {
        struct tcp_segment *t = st->tail;
        if (SEQ_GT(t->seq + t->len, seq)) {
            x = t;
            while (x != st->undelivered && SEQ_GT(x->prev->seq + x->prev->len, seq))
                x = x->prev;
        }
    }
    uint32_t cur = seq;
    end = seq + len;
    while (SEQ_LT(cur, end)) {
        if (!x || SEQ_GEQ(x->seq, end)) {
            if (insert_piece(ctx, st, cur, data + (cur - seq), end - cur, x))
                new_bytes += end - cur;
            break;
        }
        if (SEQ_LT(cur, x->seq)) {
            if (insert_piece(ctx, st, cur, data + (cur - seq), x->seq - cur, x))
                new_bytes += x->seq - cur;
            cur = x->seq;
        }
        uint32_t xe = x->seq + x->len;
        uint32_t oe = SEQ_MIN(end, xe);
        if (SEQ_LT(cur, oe)) {
            overlapped = true;
            uint8_t *old = x->data + (cur - x->seq);
            const uint8_t *nw = data + (cur - seq);
            if (memcmp(old, nw, oe - cur) != 0) {
                differs = true;
                if (new_wins(ctx->cfg.overlap_policy, ns, ne, x->seq, xe))
                    memcpy(old, nw, oe - cur);
            }
            cur = oe;
        }
        x = x->next;
    }
    tcp_stream_deliver(ctx, st, dir);

done:
    if (overlapped)
        ctx->stats.overlap++;
    if (differs) {
        ctx->stats.overlap_diff_data++;
        stream_event_set(ctx, STREAM_EVENT_REASSEMBLY_OVERLAP_DIFFERENT_DATA);
    }
    *retransmission = new_bytes == 0 && !differs;
}
