/* SPDX-License-Identifier: Apache-2.0 */
/* TCP session tracking: the state machine (3WHS, established, FIN/RST
 * closing), validation with Suricata's stream events, midstream and
 * async-oneside pick-up, and the glue between packets and reassembly. */
#include <assert.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "stream/tcp_internal.h"

/* Largest plausible amount of data in flight when the window scale is not
 * known (midstream, async): beyond it, data and ACKs are out of window. */
#define STREAM_UNKNOWN_WINDOW (16u * 1024 * 1024)

void stream_config_defaults(struct stream_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->midstream = false;
    cfg->async_oneside = false;
    cfg->checksum_validation = true;
    cfg->reassembly_depth = 1024 * 1024;
    cfg->memcap = 64ull * 1024 * 1024;
    cfg->reassembly_memcap = 256ull * 1024 * 1024;
    cfg->overlap_policy = STREAM_POLICY_BSD;
    cfg->max_ooo_segments = 2048;
    cfg->max_retained_bytes = 256 * 1024;
    cfg->ack_based_delivery = true;
    cfg->max_unacked_bytes = 1024 * 1024;
}

struct stream_thread_ctx *stream_thread_ctx_new(const struct stream_config *cfg,
                                                const struct stream_callbacks *cb)
{
    struct stream_thread_ctx *ctx = calloc(1, sizeof *ctx);
    if (!ctx)
        return NULL;
    ctx->cfg = *cfg;
    if (cb)
        ctx->cb = *cb;
    return ctx;
}

void stream_thread_ctx_free(struct stream_thread_ctx *ctx)
{
    if (!ctx)
        return;
    while (ctx->session_free) {
        struct tcp_session *s = ctx->session_free;
        ctx->session_free = s->free_next;
        free(s);
    }
    tcp_segment_pools_free(ctx);
    free(ctx);
}

const struct stream_stats *stream_thread_stats(const struct stream_thread_ctx *ctx)
{
    return &ctx->stats;
}

static void session_memuse(struct stream_thread_ctx *ctx)
{
    ctx->stats.memuse = ctx->sessions_allocated * sizeof(struct tcp_session);
    if (ctx->stats.memuse > ctx->stats.memuse_peak)
        ctx->stats.memuse_peak = ctx->stats.memuse;
}

/* A session from the pool, within the session memcap; NULL (counted) if full. */
static struct tcp_session *session_alloc(struct stream_thread_ctx *ctx)
{
    if (ctx->cfg.simulate_ssn_memcap_at && ctx->cur_packet &&
        ctx->cur_packet->pcap_cnt == ctx->cfg.simulate_ssn_memcap_at) {
        ctx->stats.ssn_memcap_drop++; /* QA simulation: as if the memcap was reached */
        ctx->cur_exceptions |= PACKET_EXC_SSN_MEMCAP;
        return NULL;
    }
    struct tcp_session *s = ctx->session_free;
    if (s) {
        ctx->session_free = s->free_next;
    } else {
        if ((ctx->sessions_allocated + 1) * sizeof(struct tcp_session) > ctx->cfg.memcap ||
            (s = malloc(sizeof *s)) == NULL) {
            ctx->stats.ssn_memcap_drop++;
            ctx->cur_exceptions |= PACKET_EXC_SSN_MEMCAP;
            return NULL;
        }
        ctx->sessions_allocated++;
        session_memuse(ctx);
    }
    memset(s, 0, sizeof *s);
    ctx->stats.sessions++;
    ctx->stats.active_sessions++;
    return s;
}

void tcp_session_free(struct stream_thread_ctx *ctx, struct tcp_session *s)
{
    if (!s)
        return;
    tcp_stream_release_all(ctx, &s->client);
    tcp_stream_release_all(ctx, &s->server);
    s->free_next = ctx->session_free;
    ctx->session_free = s;
    ctx->stats.active_sessions--;
}

static void hook_tcp_free(void *user, struct flow *f)
{
    tcp_session_free(user, f->tcp);
    f->tcp = NULL;
}

void stream_flow_hooks_set(struct flow_hooks *hooks, struct stream_thread_ctx *ctx)
{
    hooks->tcp_user = ctx;
    hooks->tcp_free = hook_tcp_free;
}

static const char *const state_names[] = {
    [TCP_STATE_NONE] = "none",           [TCP_STATE_SYN_SENT] = "syn_sent",
    [TCP_STATE_SYN_RECV] = "syn_recv",   [TCP_STATE_ESTABLISHED] = "established",
    [TCP_STATE_FIN_WAIT1] = "fin_wait1", [TCP_STATE_FIN_WAIT2] = "fin_wait2",
    [TCP_STATE_TIME_WAIT] = "time_wait", [TCP_STATE_LAST_ACK] = "last_ack",
    [TCP_STATE_CLOSE_WAIT] = "close_wait", [TCP_STATE_CLOSING] = "closing",
    [TCP_STATE_CLOSED] = "closed",
};

const char *stream_session_state_name(const struct flow *f)
{
    if (!f || !f->tcp || f->tcp->state > TCP_STATE_CLOSED)
        return NULL;
    return state_names[f->tcp->state];
}

/* Flow state as Suricata derives it from the TCP state. */
static void flow_state_update(struct flow *f, const struct tcp_session *ssn)
{
    switch (ssn->state) {
    case TCP_STATE_NONE:
    case TCP_STATE_SYN_SENT:
    case TCP_STATE_SYN_RECV:
        f->state = FLOW_STATE_NEW;
        break;
    case TCP_STATE_LAST_ACK:
    case TCP_STATE_TIME_WAIT:
    case TCP_STATE_CLOSED:
        f->state = FLOW_STATE_CLOSED;
        break;
    default:
        f->state = FLOW_STATE_ESTABLISHED;
        break;
    }
}

static void stream_init_seq(struct tcp_stream *st, uint32_t next)
{
    st->isn = next - 1;
    st->base_seq = next;
    st->next_seq = next;
    st->flags |= TCP_STREAM_SEQ_KNOWN;
}

/* A valid RST sent by direction dir closes the session. In-order data goes
 * to the application without waiting for ACKs; gaps and EOF wait for the flow
 * end, because if the RST's sender keeps talking the receiver evidently
 * ignored it (an injected or evasive RST) and the session resumes. */
static void close_rst(struct stream_thread_ctx *ctx, struct tcp_session *ssn, uint8_t dir)
{
    if (ssn->state != TCP_STATE_CLOSED)
        ssn->pstate = ssn->state;
    (dir == 0 ? &ssn->server : &ssn->client)->flags |= TCP_STREAM_RST_RECV;
    ssn->state = TCP_STATE_CLOSED;
    ssn->flags |= TCP_SESSION_RST;
    tcp_stream_deliver_unacked(ctx, &ssn->client, 0);
    tcp_stream_deliver_unacked(ctx, &ssn->server, 1);
}

/* An RST is accepted when its sequence number is within what the receiver
 * could accept (Suricata's default, BSD-like validation). */
static bool rst_valid(const struct tcp_stream *s, const struct packet *p)
{
    if (!(s->flags & TCP_STREAM_SEQ_KNOWN))
        return true;
    uint32_t seq = p->tcp_seq;
    uint32_t lo = s->base_seq;
    if ((s->flags & TCP_STREAM_ACK_KNOWN) && SEQ_LT(s->last_ack, lo))
        lo = s->last_ack;
    uint32_t hi = s->next_seq;
    if (s->flags & TCP_STREAM_WSCALE_KNOWN) {
        if ((s->flags & TCP_STREAM_ACK_KNOWN) && SEQ_GT(s->next_win, hi))
            hi = s->next_win;
    } else {
        hi += 1u << 30;
    }
    return SEQ_GEQ(seq, lo - 1) && SEQ_LEQ(seq, hi + 1);
}

static int invalid_ack_event(uint8_t state)
{
    switch (state) {
    case TCP_STATE_FIN_WAIT1: return STREAM_EVENT_FIN1_INVALID_ACK;
    case TCP_STATE_FIN_WAIT2: return STREAM_EVENT_FIN2_INVALID_ACK;
    case TCP_STATE_CLOSE_WAIT: return STREAM_EVENT_CLOSEWAIT_INVALID_ACK;
    case TCP_STATE_CLOSING: return STREAM_EVENT_CLOSING_INVALID_ACK;
    case TCP_STATE_LAST_ACK: return STREAM_EVENT_LASTACK_INVALID_ACK;
    case TCP_STATE_TIME_WAIT: return STREAM_EVENT_TIMEWAIT_INVALID_ACK;
    default: return STREAM_EVENT_EST_INVALID_ACK;
    }
}

static void update_close_state(struct tcp_session *ssn)
{
    const struct tcp_stream *c = &ssn->client, *s = &ssn->server;
    bool cf = c->flags & TCP_STREAM_FIN, sf = s->flags & TCP_STREAM_FIN;
    bool ca = c->flags & TCP_STREAM_FIN_ACKED, sa = s->flags & TCP_STREAM_FIN_ACKED;
    if (!cf && !sf)
        return;
    if (cf && sf) {
        if (ca && sa)
            ssn->state = TCP_STATE_CLOSED;
        else if (ssn->flags & TCP_SESSION_CLIENT_CLOSED_FIRST)
            ssn->state = ca ? TCP_STATE_TIME_WAIT : TCP_STATE_CLOSING;
        else
            ssn->state = TCP_STATE_LAST_ACK;
    } else if (cf) {
        ssn->state = ca ? TCP_STATE_FIN_WAIT2 : TCP_STATE_FIN_WAIT1;
    } else {
        ssn->state = TCP_STATE_CLOSE_WAIT;
    }
}

static void ts_update(struct tcp_stream *st, const struct packet *p)
{
    if (!(p->flags & PACKET_FLAG_HAS_TCP_TIMESTAMP))
        return;
    if (st->last_ts_sec == 0 || (int32_t)(p->tcp_tsval - st->last_ts) > 0) {
        st->last_ts = p->tcp_tsval;
        st->last_ts_sec = (uint32_t)(p->ts_usec / 1000000u);
        if (st->last_ts_sec == 0)
            st->last_ts_sec = 1;
    }
}

#define PAWS_24DAYS (24u * 24 * 60 * 60)

/* PAWS (RFC 7323) as Suricata checks it when both sides use timestamps: a
 * timestamp older than the sender's last one is invalid, unless the sender
 * was idle for 24 days. The overlap policy doubles as the OS policy: linux
 * accepts off-by-one, old-linux/windows/vista accept a zero timestamp. */
static bool ts_valid(const struct stream_thread_ctx *ctx, const struct tcp_stream *st,
                     const struct packet *p)
{
    if (!(p->flags & PACKET_FLAG_HAS_TCP_TIMESTAMP) || st->last_ts_sec == 0)
        return true;
    uint8_t policy = ctx->cfg.overlap_policy;
    uint32_t ts = p->tcp_tsval;
    if (ts == 0 && (policy == STREAM_POLICY_OLD_LINUX || policy == STREAM_POLICY_WINDOWS ||
                    policy == STREAM_POLICY_VISTA))
        return true;
    int32_t diff = (int32_t)(ts - st->last_ts);
    if (policy == STREAM_POLICY_LINUX)
        diff += 1;
    uint32_t now = (uint32_t)(p->ts_usec / 1000000u);
    if (diff >= 0 && !(now > st->last_ts_sec + PAWS_24DAYS))
        return true;
    /* An old stream timestamp is no reason to reject an in-sequence packet. */
    return p->tcp_seq == st->next_seq && now > st->last_ts_sec + PAWS_24DAYS;
}

/* Established and closing states: validation, data, FIN, ACK. */
static void state_established(struct stream_thread_ctx *ctx, struct tcp_session *ssn,
                              struct packet *p, uint8_t dir)
{
    struct tcp_stream *S = dir == 0 ? &ssn->client : &ssn->server;
    struct tcp_stream *O = dir == 0 ? &ssn->server : &ssn->client;
    uint8_t fl = p->tcp_flags;
    uint32_t seq = p->tcp_seq, len = p->payload_len;

    if (ssn->state == TCP_STATE_CLOSED)
        return;
    if (fl & TCP_FLAG_SYN) {
        int ev;
        if (ssn->state != TCP_STATE_ESTABLISHED)
            ev = STREAM_EVENT_SHUTDOWN_SYN_RESEND;
        else if (fl & TCP_FLAG_ACK)
            ev = dir == 0                 ? STREAM_EVENT_EST_SYNACK_TOSERVER
                 : seq != S->isn          ? STREAM_EVENT_EST_SYNACK_RESEND_WITH_DIFF_SEQ
                 : p->tcp_ack != O->isn + 1 ? STREAM_EVENT_EST_SYNACK_RESEND_WITH_DIFFERENT_ACK
                                          : STREAM_EVENT_EST_SYNACK_RESEND;
        else
            ev = dir == 1 ? STREAM_EVENT_EST_SYN_TOCLIENT
                 : seq != S->isn ? STREAM_EVENT_EST_SYN_RESEND_DIFF_SEQ
                                 : STREAM_EVENT_EST_SYN_RESEND;
        stream_event_set(ctx, ev);
        ctx->stats.invalid_packets++;
        return;
    }
    if (!(S->flags & TCP_STREAM_SEQ_KNOWN))
        stream_init_seq(S, seq);
    if (ssn->flags & TCP_SESSION_TIMESTAMPS) {
        if (!ts_valid(ctx, S, p)) {
            stream_event_set(ctx, STREAM_EVENT_PKT_INVALID_TIMESTAMP);
            ctx->stats.invalid_packets++;
            return;
        }
        ts_update(S, p);
    }
    if (fl & TCP_FLAG_RST) {
        if (rst_valid(S, p)) {
            close_rst(ctx, ssn, dir);
        } else {
            ctx->stats.invalid_packets++;
            if (ssn->state != TCP_STATE_ESTABLISHED)
                stream_event_set(ctx, STREAM_EVENT_RST_INVALID_ACK);
        }
        return;
    }
    bool checks = !(ssn->flags & TCP_SESSION_ASYNC);
    bool known_o = (O->flags & TCP_STREAM_WSCALE_KNOWN) && checks;
    if ((fl & TCP_FLAG_ACK) && (O->flags & TCP_STREAM_SEQ_KNOWN) &&
        SEQ_GT(p->tcp_ack, O->next_seq) &&
        ((known_o && (O->flags & TCP_STREAM_ACK_KNOWN) && SEQ_GT(p->tcp_ack, O->next_win)) ||
         (!known_o && p->tcp_ack - O->next_seq > STREAM_UNKNOWN_WINDOW))) {
        /* Acknowledges data the peer could not have sent within its window
         * (or, when windows are unknown, implausibly far ahead). */
        stream_event_set(ctx, invalid_ack_event(ssn->state));
        ctx->stats.invalid_packets++;
        return;
    }
    bool known_s = (S->flags & TCP_STREAM_WSCALE_KNOWN) && checks;
    if (len > 0 && ((known_s && (S->flags & TCP_STREAM_ACK_KNOWN) &&
                     SEQ_GT(seq + len, S->next_win + 1)) ||
                    (!known_s && SEQ_GT(seq + len, S->base_seq) &&
                     seq + len - S->base_seq > STREAM_UNKNOWN_WINDOW))) {
        int ev = (fl & TCP_FLAG_FIN) ? STREAM_EVENT_FIN_OUT_OF_WINDOW
                 : ssn->state == TCP_STATE_CLOSE_WAIT ? STREAM_EVENT_CLOSEWAIT_ACK_OUT_OF_WINDOW
                                                      : STREAM_EVENT_EST_PACKET_OUT_OF_WINDOW;
        stream_event_set(ctx, ev);
        ctx->stats.invalid_packets++;
        return;
    }
    /* The sender's window applies to the other side's data. */
    if (S->flags & TCP_STREAM_WSCALE_KNOWN)
        O->peer_window = (uint32_t)p->tcp_window << S->wscale;
    else
        O->peer_window = p->tcp_window;

    if (len > 0) {
        bool retrans = false;
        if (SEQ_GT(seq + len, S->next_seq) &&
            (!(S->flags & TCP_STREAM_FIN) || SEQ_LEQ(seq + len, S->fin_seq)))
            S->next_seq = seq + len;
        tcp_stream_insert(ctx, ssn, S, dir, seq, p->payload, len, &retrans);
        if (retrans) {
            ctx->stats.retransmissions++;
            if ((S->flags & TCP_STREAM_ACK_KNOWN) && SEQ_LEQ(seq + len, S->last_ack))
                stream_event_set(ctx, ssn->state == TCP_STATE_CLOSE_WAIT
                                          ? STREAM_EVENT_CLOSEWAIT_PKT_BEFORE_LAST_ACK
                                          : STREAM_EVENT_EST_PKT_BEFORE_LAST_ACK);
            else
                stream_event_set(ctx, STREAM_EVENT_PKT_RETRANSMISSION);
        }
    }
    if ((fl & TCP_FLAG_FIN) && !(S->flags & TCP_STREAM_FIN)) {
        S->flags |= TCP_STREAM_FIN;
        S->fin_seq = seq + len;
        if (SEQ_GT(S->fin_seq + 1, S->next_seq))
            S->next_seq = S->fin_seq + 1;
        if (!(O->flags & TCP_STREAM_FIN) && dir == 0)
            ssn->flags |= TCP_SESSION_CLIENT_CLOSED_FIRST;
        tcp_stream_deliver(ctx, S, dir);
    }
    if (fl & TCP_FLAG_ACK) {
        uint32_t a = p->tcp_ack;
        if (!(O->flags & TCP_STREAM_SEQ_KNOWN))
            stream_init_seq(O, a);
        if (!(O->flags & TCP_STREAM_ACK_KNOWN) || SEQ_GT(a, O->last_ack)) {
            O->last_ack = a;
            O->flags |= TCP_STREAM_ACK_KNOWN;
        }
        if ((O->flags & TCP_STREAM_FIN) && SEQ_GT(O->last_ack, O->fin_seq))
            O->flags |= TCP_STREAM_FIN_ACKED;
        uint32_t nw = O->last_ack + O->peer_window;
        if (O->next_win == 0 || SEQ_GT(nw, O->next_win))
            O->next_win = nw;
        tcp_stream_ack_update(ctx, O, (uint8_t)(dir ^ 1));
    }
    update_close_state(ssn);
}

/* Makes the SYN with this ISN the session's client SYN (forgetting any data
 * of the previous one). */
static void syn_adopt(struct stream_thread_ctx *ctx, struct tcp_session *ssn, uint32_t isn,
                      uint8_t wscale, uint16_t window)
{
    struct tcp_stream *c = &ssn->client;
    tcp_stream_release_all(ctx, c);
    memset(c, 0, sizeof *c);
    stream_init_seq(c, isn + 1);
    ssn->flags &= (uint8_t)~TCP_SESSION_SYN_WSCALE;
    if (wscale != TCP_NO_WSCALE) {
        ssn->flags |= TCP_SESSION_SYN_WSCALE;
        ssn->syn_wscale = wscale;
    }
    ssn->server.peer_window = window;
}

static void state_syn_sent(struct stream_thread_ctx *ctx, struct tcp_session *ssn,
                           struct packet *p, uint8_t dir)
{
    struct tcp_stream *c = &ssn->client, *s = &ssn->server;
    uint8_t fl = p->tcp_flags;
    uint8_t sa = fl & (TCP_FLAG_SYN | TCP_FLAG_ACK);
    if (fl & TCP_FLAG_RST) {
        bool ok = dir == 1 ? (!(fl & TCP_FLAG_ACK) || p->tcp_ack == c->isn + 1 ||
                              p->tcp_ack == c->isn + 1 + c->tfo_len)
                           : (p->tcp_seq == c->isn + 1 || p->tcp_seq == c->next_seq);
        if (ok)
            close_rst(ctx, ssn, dir);
        else
            ctx->stats.invalid_packets++;
        return;
    }
    if (dir == 1 && sa == (TCP_FLAG_SYN | TCP_FLAG_ACK)) {
        if (p->tcp_ack != c->isn + 1 && p->tcp_ack != c->isn + 1 + c->tfo_len) {
            /* Acknowledges one of the other SYNs? Then that one is the
             * session's. */
            int q = -1;
            for (int i = 0; i < ssn->syn_queued; i++)
                if (p->tcp_ack == ssn->syn_queue[i].isn + 1)
                    q = i;
            if (q < 0) {
                stream_event_set(ctx, STREAM_EVENT_3WHS_SYNACK_WITH_WRONG_ACK);
                ctx->stats.invalid_packets++;
                return;
            }
            syn_adopt(ctx, ssn, ssn->syn_queue[q].isn, ssn->syn_queue[q].wscale,
                      ssn->syn_queue[q].window);
        }
        ssn->syn_queued = 0;
        if (c->tfo_len && p->tcp_ack == c->isn + 1)
            stream_event_set(ctx, STREAM_EVENT_3WHS_SYNACK_TFO_DATA_IGNORED);
        s->isn = p->tcp_seq;
        s->base_seq = s->next_seq = p->tcp_seq + 1;
        s->flags |= TCP_STREAM_SEQ_KNOWN;
        if ((ssn->flags & TCP_SESSION_SYN_WSCALE) && (p->flags & PACKET_FLAG_HAS_TCP_WSCALE)) {
            c->wscale = ssn->syn_wscale;
            s->wscale = p->tcp_wscale > 14 ? 14 : p->tcp_wscale;
        }
        c->flags |= TCP_STREAM_WSCALE_KNOWN;
        s->flags |= TCP_STREAM_WSCALE_KNOWN;
        if ((ssn->flags & TCP_SESSION_SYN_TS) && (p->flags & PACKET_FLAG_HAS_TCP_TIMESTAMP)) {
            ssn->flags |= TCP_SESSION_TIMESTAMPS;
            ts_update(s, p);
        }
        c->last_ack = p->tcp_ack;
        c->flags |= TCP_STREAM_ACK_KNOWN;
        c->peer_window = p->tcp_window; /* never scaled in a SYN */
        c->next_win = c->last_ack + c->peer_window;
        s->last_ack = s->base_seq;
        s->flags |= TCP_STREAM_ACK_KNOWN;
        s->next_win = s->last_ack + s->peer_window;
        ssn->state = TCP_STATE_SYN_RECV;
        return;
    }
    if (dir == 0 && sa == TCP_FLAG_SYN) {
        if (p->tcp_seq != c->isn) {
            /* Another SYN with a different ISN (a retry, or spoofed ones in
             * a flood): it becomes the current attempt and the previous one
             * is remembered, the SYN/ACK will say which one counts
             * (Suricata's stream.max-syn-queued, 10). */
            if (ssn->syn_queued < TCP_SYN_QUEUE_MAX) {
                struct tcp_syn_queued *q = &ssn->syn_queue[ssn->syn_queued++];
                q->isn = c->isn;
                q->wscale = (ssn->flags & TCP_SESSION_SYN_WSCALE) ? ssn->syn_wscale : TCP_NO_WSCALE;
                q->window = (uint16_t)s->peer_window;
            } else {
                stream_event_set(ctx, STREAM_EVENT_3WHS_SYN_FLOOD);
            }
            syn_adopt(ctx, ssn, p->tcp_seq,
                      (p->flags & PACKET_FLAG_HAS_TCP_WSCALE)
                          ? (uint8_t)(p->tcp_wscale > 14 ? 14 : p->tcp_wscale)
                          : TCP_NO_WSCALE,
                      p->tcp_window);
            if (p->payload_len && (p->flags & PACKET_FLAG_HAS_TCP_TFO)) {
                bool r;
                c->tfo_len = p->payload_len;
                tcp_stream_insert(ctx, ssn, c, 0, p->tcp_seq + 1, p->payload, p->payload_len, &r);
            }
        } else {
            ctx->stats.retransmissions++;
        }
        return;
    }
    if (dir == 0 && sa == (TCP_FLAG_SYN | TCP_FLAG_ACK)) {
        stream_event_set(ctx, STREAM_EVENT_3WHS_SYNACK_IN_WRONG_DIRECTION);
        ctx->stats.invalid_packets++;
        return;
    }
    if (dir == 0 && (fl & TCP_FLAG_ACK) && !(fl & TCP_FLAG_SYN) && ctx->cfg.async_oneside) {
        if (p->tcp_seq != c->next_seq) {
            stream_event_set(ctx, STREAM_EVENT_3WHS_ASYNC_WRONG_SEQ);
            ctx->stats.invalid_packets++;
            return;
        }
        /* Only the client side is visible: continue without the SYN/ACK. */
        ssn->flags |= TCP_SESSION_ASYNC;
        ctx->cur_async = true;
        ssn->state = TCP_STATE_ESTABLISHED;
        stream_init_seq(s, p->tcp_ack);
        state_established(ctx, ssn, p, dir);
        return;
    }
    ctx->stats.invalid_packets++;
}

static void state_syn_recv(struct stream_thread_ctx *ctx, struct tcp_session *ssn,
                           struct packet *p, uint8_t dir)
{
    struct tcp_stream *c = &ssn->client, *s = &ssn->server;
    uint8_t fl = p->tcp_flags;
    if (fl & TCP_FLAG_RST) {
        if (rst_valid(dir == 0 ? c : s, p))
            close_rst(ctx, ssn, dir);
        else
            ctx->stats.invalid_packets++;
        return;
    }
    if ((fl & (TCP_FLAG_SYN | TCP_FLAG_ACK)) == (TCP_FLAG_SYN | TCP_FLAG_ACK)) {
        if (dir == 0)
            stream_event_set(ctx, STREAM_EVENT_3WHS_SYNACK_TOSERVER_ON_SYN_RECV);
        else if (p->tcp_seq != s->isn)
            stream_event_set(ctx, STREAM_EVENT_3WHS_SYNACK_RESEND_WITH_DIFF_SEQ);
        else if (p->tcp_ack != c->last_ack)
            stream_event_set(ctx, STREAM_EVENT_3WHS_SYNACK_RESEND_WITH_DIFFERENT_ACK);
        else
            ctx->stats.retransmissions++;
        return;
    }
    if (fl & TCP_FLAG_SYN) {
        if (dir == 1)
            stream_event_set(ctx, STREAM_EVENT_3WHS_SYN_TOCLIENT_ON_SYN_RECV);
        else if (p->tcp_seq != c->isn)
            stream_event_set(ctx, STREAM_EVENT_3WHS_SYN_RESEND_DIFF_SEQ_ON_SYN_RECV);
        else
            ctx->stats.retransmissions++;
        return;
    }
    if (!(fl & TCP_FLAG_ACK)) {
        ctx->stats.invalid_packets++;
        return;
    }
    if (dir == 1) {
        if (ctx->cfg.async_oneside) {
            /* Only the server side is visible: continue without the
             * client's ACK (Suricata's async-oneside). */
            ssn->flags |= TCP_SESSION_ASYNC;
            ctx->cur_async = true;
            ssn->state = TCP_STATE_ESTABLISHED;
            state_established(ctx, ssn, p, dir);
            return;
        }
        stream_event_set(ctx, STREAM_EVENT_3WHS_ACK_IN_WRONG_DIR);
        ctx->stats.invalid_packets++;
        return;
    }
    if (p->tcp_ack != s->isn + 1) {
        stream_event_set(ctx, p->tcp_seq == c->next_seq
                                  ? STREAM_EVENT_3WHS_RIGHT_SEQ_WRONG_ACK_EVASION
                                  : STREAM_EVENT_3WHS_WRONG_SEQ_WRONG_ACK);
        ctx->stats.invalid_packets++;
        return;
    }
    ssn->state = TCP_STATE_ESTABLISHED;
    state_established(ctx, ssn, p, dir);
}

/* A session seen without its handshake: Suricata's "stream_midstream"
 * exception, recorded on the flow with the policy applied. pass-flow: no
 * detection on the flow; bypass (midstream pickup off): no more inspection. */
static void midstream_exception(const struct stream_thread_ctx *ctx, struct flow *f)
{
    if (f->exception_midstream)
        return;
    f->exception_midstream = (uint8_t)(1 + ctx->cfg.midstream_policy);
    if (ctx->cfg.midstream_policy == STREAM_MIDSTREAM_PASS_FLOW)
        f->action_pass = true;
    else if (ctx->cfg.midstream_policy == STREAM_MIDSTREAM_BYPASS && !ctx->cfg.midstream)
        f->state = FLOW_STATE_BYPASSED;
    else if (ctx->cfg.midstream_policy == STREAM_MIDSTREAM_REJECT ||
             ctx->cfg.midstream_policy == STREAM_MIDSTREAM_DROP_FLOW)
        f->uninspected = true; /* the sensor drops the flow (sensor/ips.h) */
}

/* First TCP packet of a flow with no session: SYN starts one; SYN/ACK and
 * other packets only with midstream (or async-oneside for SYN/ACK). */
static void session_start(struct stream_thread_ctx *ctx, struct flow *f, struct packet *p)
{
    uint8_t fl = p->tcp_flags;
    uint8_t sa = fl & (TCP_FLAG_SYN | TCP_FLAG_ACK);
    struct tcp_session *ssn;
    if (fl & TCP_FLAG_RST) {
        ctx->stats.no_session++;
        stream_event_set(ctx, STREAM_EVENT_RST_BUT_NO_SESSION);
        return;
    }
    if (sa == TCP_FLAG_SYN) {
        if (p->flow_direction == 1) {
            flow_swap(f);
            p->flow_direction = 0;
        }
        if (!(ssn = session_alloc(ctx)))
            return;
        f->tcp = ssn;
        ssn->state = TCP_STATE_SYN_SENT;
        stream_init_seq(&ssn->client, p->tcp_seq + 1);
        if (p->flags & PACKET_FLAG_HAS_TCP_WSCALE) {
            ssn->flags |= TCP_SESSION_SYN_WSCALE;
            ssn->syn_wscale = p->tcp_wscale > 14 ? 14 : p->tcp_wscale;
        }
        if (p->flags & PACKET_FLAG_HAS_TCP_TIMESTAMP) {
            ssn->flags |= TCP_SESSION_SYN_TS;
            ts_update(&ssn->client, p);
        }
        ssn->server.peer_window = p->tcp_window;
        if (p->payload_len && (p->flags & PACKET_FLAG_HAS_TCP_TFO)) {
            /* TCP Fast Open: data in a SYN with the TFO option is stream data
             * at isn+1 (other SYN payloads are ignored, as Suricata does). */
            bool r;
            ssn->client.tfo_len = p->payload_len;
            tcp_stream_insert(ctx, ssn, &ssn->client, 0, p->tcp_seq + 1, p->payload,
                              p->payload_len, &r);
        }
        return;
    }
    if (sa == (TCP_FLAG_SYN | TCP_FLAG_ACK)) {
        if (!ctx->cfg.midstream && !ctx->cfg.async_oneside) {
            ctx->stats.no_session++;
            /* A session whose SYN was not seen is a midstream session to
             * the exception policy too (drop-flow, bypass, ...). */
            if (ctx->cfg.midstream_policy != STREAM_MIDSTREAM_IGNORE)
                midstream_exception(ctx, f);
            return;
        }
        if (p->flow_direction == 0) {
            flow_swap(f);
            p->flow_direction = 1;
        }
        if (!(ssn = session_alloc(ctx)))
            return;
        f->tcp = ssn;
        ctx->stats.midstream_pickups++;
        if (ctx->cfg.midstream)
            midstream_exception(ctx, f);
        ssn->flags |= TCP_SESSION_MIDSTREAM;
        ssn->state = TCP_STATE_SYN_RECV;
        struct tcp_stream *c = &ssn->client, *s = &ssn->server;
        stream_init_seq(s, p->tcp_seq + 1);
        stream_init_seq(c, p->tcp_ack);
        c->last_ack = p->tcp_ack;
        c->flags |= TCP_STREAM_ACK_KNOWN;
        c->peer_window = p->tcp_window;
        c->next_win = c->last_ack + c->peer_window;
        if (p->flags & PACKET_FLAG_HAS_TCP_WSCALE)
            s->wscale = p->tcp_wscale > 14 ? 14 : p->tcp_wscale;
        return;
    }
    if (!ctx->cfg.midstream || (fl & TCP_FLAG_SYN)) {
        ctx->stats.no_session++;
        if (fl & TCP_FLAG_FIN)
            stream_event_set(ctx, STREAM_EVENT_FIN_BUT_NO_SESSION);
        if (!(fl & TCP_FLAG_SYN))
            midstream_exception(ctx, f);
        return;
    }
    if (!(ssn = session_alloc(ctx)))
        return;
    f->tcp = ssn;
    ctx->stats.midstream_pickups++;
    midstream_exception(ctx, f);
    ssn->flags |= TCP_SESSION_MIDSTREAM;
    ssn->state = TCP_STATE_ESTABLISHED;
    uint8_t dir = p->flow_direction;
    struct tcp_stream *S = dir == 0 ? &ssn->client : &ssn->server;
    struct tcp_stream *O = dir == 0 ? &ssn->server : &ssn->client;
    stream_init_seq(S, p->tcp_seq);
    if (fl & TCP_FLAG_ACK)
        stream_init_seq(O, p->tcp_ack);
    state_established(ctx, ssn, p, dir);
}

void stream_handle_packet(struct stream_thread_ctx *ctx, struct flow *f, struct packet *p)
{
    if (!f || p->proto != IPPROTO_TCP || p->flow != f || !p->l4)
        return;
    ctx->cur_flow = f;
    ctx->cur_packet = p;
    uint8_t fl = p->tcp_flags;
    if (ctx->cfg.checksum_validation && (p->flags & PACKET_FLAG_TCP_CSUM_BAD)) {
        ctx->stats.invalid_checksum++;
        goto out;
    }
    if ((fl & (TCP_FLAG_SYN | TCP_FLAG_ACK)) == TCP_FLAG_SYN)
        ctx->stats.syn++;
    else if ((fl & (TCP_FLAG_SYN | TCP_FLAG_ACK)) == (TCP_FLAG_SYN | TCP_FLAG_ACK))
        ctx->stats.synack++;
    if (fl & TCP_FLAG_RST)
        ctx->stats.rst++;
    if ((fl & TCP_FLAG_SYN) && (fl & (TCP_FLAG_FIN | TCP_FLAG_RST))) {
        stream_event_set(ctx, STREAM_EVENT_FIN_SYN);
        ctx->stats.invalid_packets++;
        goto out;
    }
    struct tcp_session *ssn = f->tcp;
    ctx->cur_async = ssn && (ssn->flags & TCP_SESSION_ASYNC);
    if (ssn && ssn->state == TCP_STATE_CLOSED && (ssn->flags & TCP_SESSION_RST) &&
        !(fl & TCP_FLAG_RST)) {
        struct tcp_stream *S = p->flow_direction == 0 ? &ssn->client : &ssn->server;
        struct tcp_stream *O = p->flow_direction == 0 ? &ssn->server : &ssn->client;
        if (!(S->flags & TCP_STREAM_RST_RECV) && (O->flags & TCP_STREAM_RST_RECV)) {
            /* The RST's sender goes on as if nothing happened: the RST was
             * injected or ignored by its receiver; resume (as Suricata). */
            stream_event_set(ctx, STREAM_EVENT_SUSPECTED_RST_INJECT);
            O->flags &= (uint8_t)~TCP_STREAM_RST_RECV;
            ssn->flags &= (uint8_t)~TCP_SESSION_RST;
            ssn->state = ssn->pstate;
        }
    }
    if (!ssn) {
        session_start(ctx, f, p);
    } else {
        switch (ssn->state) {
        case TCP_STATE_SYN_SENT: state_syn_sent(ctx, ssn, p, p->flow_direction); break;
        case TCP_STATE_SYN_RECV: state_syn_recv(ctx, ssn, p, p->flow_direction); break;
        default: state_established(ctx, ssn, p, p->flow_direction); break;
        }
    }
    if (f->tcp)
        flow_state_update(f, f->tcp);
out:
    p->exceptions |= ctx->cur_exceptions;
    ctx->cur_exceptions = 0;
    ctx->cur_flow = NULL;
    ctx->cur_packet = NULL;
    ctx->cur_async = false;
}

bool stream_session_midstream(const struct flow *f)
{
    return f && f->tcp && (f->tcp->flags & TCP_SESSION_MIDSTREAM);
}

bool stream_seq_offset(const struct flow *f, uint8_t direction, uint32_t seq, uint64_t *offset)
{
    const struct tcp_session *ssn = f ? f->tcp : NULL;
    if (!ssn)
        return false;
    const struct tcp_stream *st = direction ? &ssn->server : &ssn->client;
    /* past the depth base_seq runs on without delivered: no mapping */
    if (!(st->flags & TCP_STREAM_SEQ_KNOWN) || (st->flags & TCP_STREAM_DEPTH))
        return false;
    int64_t off = (int64_t)st->delivered + (int32_t)(seq - st->base_seq);
    if (off < 0)
        return false;
    *offset = (uint64_t)off;
    return true;
}

uint32_t stream_peek(const struct flow *f, uint8_t direction, uint64_t offset, uint8_t *out,
                     uint32_t want)
{
    const struct tcp_session *ssn = f ? f->tcp : NULL;
    if (!ssn || want == 0)
        return 0;
    const struct tcp_stream *st = direction ? &ssn->server : &ssn->client;
    if (!(st->flags & TCP_STREAM_SEQ_KNOWN) || (st->flags & TCP_STREAM_DEPTH))
        return 0;
    int64_t rel = (int64_t)offset - (int64_t)st->delivered;
    if (rel < INT32_MIN || rel > INT32_MAX)
        return 0;
    uint32_t cur = st->base_seq + (uint32_t)(int32_t)rel, got = 0;
    /* segments are in sequence order; overlapping ones may follow */
    for (const struct tcp_segment *sg = st->head; sg && got < want; sg = sg->next) {
        if (SEQ_GT(sg->seq, cur))
            break;
        if (!SEQ_LT(cur, sg->seq + sg->len))
            continue;
        uint32_t from = cur - sg->seq, k = sg->len - from;
        if (k > want - got)
            k = want - got;
        memcpy(out + got, sg->data + from, k);
        got += k;
        cur += k;
    }
    return got;
}

void stream_session_swap(struct flow *f)
{
    struct tcp_session *ssn = f ? f->tcp : NULL;
    if (!ssn)
        return;
    struct tcp_stream t = ssn->client;
    ssn->client = ssn->server;
    ssn->server = t;
    /* Which side closed first is relative to the client. */
    if ((ssn->client.flags | ssn->server.flags) & TCP_STREAM_FIN)
        ssn->flags ^= TCP_SESSION_CLIENT_CLOSED_FIRST;
}

void stream_flow_end(struct stream_thread_ctx *ctx, struct flow *f)
{
    struct tcp_session *ssn = f ? f->tcp : NULL;
    if (!ssn || (ssn->flags & TCP_SESSION_FLUSHED))
        return;
    ctx->cur_flow = f;
    ctx->cur_packet = NULL;
    ssn->flags |= TCP_SESSION_FLUSHED;
    ctx->stats.pseudo++;
    tcp_stream_flush(ctx, &ssn->client, 0);
    tcp_stream_flush(ctx, &ssn->server, 1);
    ctx->cur_exceptions = 0;
    ctx->cur_flow = NULL;
}
