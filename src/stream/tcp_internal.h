/* SPDX-License-Identifier: Apache-2.0 */
/* Internals shared by the stream engine's files; not for other subsystems. */
#ifndef VIGIL_STREAM_TCP_INTERNAL_H
#define VIGIL_STREAM_TCP_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "stream/stream.h"

#define SEQ_LT(a, b) ((int32_t)((uint32_t)(a) - (uint32_t)(b)) < 0)
#define SEQ_LEQ(a, b) ((int32_t)((uint32_t)(a) - (uint32_t)(b)) <= 0)
#define SEQ_GT(a, b) ((int32_t)((uint32_t)(a) - (uint32_t)(b)) > 0)
#define SEQ_GEQ(a, b) ((int32_t)((uint32_t)(a) - (uint32_t)(b)) >= 0)
#define SEQ_MIN(a, b) (SEQ_LT(a, b) ? (a) : (b))
#define SEQ_MAX(a, b) (SEQ_GT(a, b) ? (a) : (b))

enum tcp_state {
    TCP_STATE_NONE = 0,
    TCP_STATE_SYN_SENT,
    TCP_STATE_SYN_RECV,
    TCP_STATE_ESTABLISHED,
    TCP_STATE_FIN_WAIT1,
    TCP_STATE_FIN_WAIT2,
    TCP_STATE_TIME_WAIT,
    TCP_STATE_LAST_ACK,
    TCP_STATE_CLOSE_WAIT,
    TCP_STATE_CLOSING,
    TCP_STATE_CLOSED,
};

/* One queued piece of stream data. Segments of a direction form a list
 * sorted by seq that never overlap; those before the stream's base_seq have
 * been delivered and are only kept (until acked) to detect retransmissions
 * carrying different data. */
struct tcp_segment {
    struct tcp_segment *prev, *next;
    uint32_t seq;
    uint32_t len;
    uint8_t size_class;
    uint8_t data[];
};

enum tcp_stream_flag {
    TCP_STREAM_FIN = 1u << 0,        /* FIN seen; fin_seq valid */
    TCP_STREAM_FIN_ACKED = 1u << 1,
    TCP_STREAM_EOF = 1u << 2,        /* EOF delivered */
    TCP_STREAM_DEPTH = 1u << 3,      /* reassembly depth reached */
    TCP_STREAM_ACK_KNOWN = 1u << 4,  /* last_ack valid */
    TCP_STREAM_WSCALE_KNOWN = 1u << 5, /* windows can be checked */
    TCP_STREAM_SEQ_KNOWN = 1u << 6,  /* base_seq/next_seq valid */
    TCP_STREAM_RST_RECV = 1u << 7,   /* this side received an RST (session closed by it) */
};

/* The data sent by one side. */
struct tcp_stream {
    struct tcp_segment *head, *tail;
    struct tcp_segment *undelivered; /* first segment not yet delivered */
    uint32_t isn;
    uint32_t base_seq;    /* next byte to deliver */
    uint32_t next_seq;    /* end of the highest data seen (+1 after FIN) */
    uint32_t last_ack;    /* highest ack the peer sent for this data */
    uint32_t peer_window; /* window the peer advertised for this data, scaled */
    uint32_t next_win;    /* highest last_ack + peer_window seen */
    uint32_t fin_seq;     /* sequence number of the FIN */
    uint32_t queued;      /* undelivered segments */
    uint32_t retained;    /* delivered bytes still kept */
    uint64_t delivered;   /* bytes delivered or skipped as gaps */
    uint8_t wscale;       /* shift applied to windows this side advertises */
    uint8_t flags;        /* enum tcp_stream_flag */
    uint32_t tfo_len;     /* data carried in the SYN (TCP Fast Open) */
    uint32_t last_ts;     /* highest TCP timestamp value this side sent */
    uint32_t last_ts_sec; /* packet time (s) when last_ts was taken; 0 = none yet */
};

enum tcp_session_flag {
    TCP_SESSION_MIDSTREAM = 1u << 0,
    TCP_SESSION_ASYNC = 1u << 1,
    TCP_SESSION_RST = 1u << 2,
    TCP_SESSION_CLIENT_CLOSED_FIRST = 1u << 4,
    TCP_SESSION_FLUSHED = 1u << 5,
    TCP_SESSION_SYN_WSCALE = 1u << 6, /* the SYN carried a window scale option */
    TCP_SESSION_SYN_TS = 1u << 3,     /* the SYN carried a timestamp option */
    TCP_SESSION_TIMESTAMPS = 1u << 7, /* both sides use timestamps: PAWS checks apply */
};

#define TCP_SYN_QUEUE_MAX 10
#define TCP_NO_WSCALE 0xff

/* A SYN with another ISN seen while waiting for the SYN/ACK. */
struct tcp_syn_queued {
    uint32_t isn;
    uint16_t window;
    uint8_t wscale; /* TCP_NO_WSCALE if the SYN had no window scale option */
};

struct tcp_session {
    struct tcp_stream client; /* data to server (direction 0) */
    struct tcp_stream server; /* data to client (direction 1) */
    struct tcp_syn_queued syn_queue[TCP_SYN_QUEUE_MAX];
    uint8_t syn_queued;
    uint8_t state;            /* enum tcp_state */
    uint8_t pstate;           /* state before an RST closed the session */
    uint8_t flags;            /* enum tcp_session_flag */
    uint8_t syn_wscale;
    struct tcp_session *free_next;
};

#define TCP_SEGMENT_CLASSES 7

struct stream_thread_ctx {
    struct stream_config cfg;
    struct stream_callbacks cb;
    struct stream_stats stats;
    struct tcp_session *session_free;
    uint64_t sessions_allocated;
    struct tcp_segment *segment_free[TCP_SEGMENT_CLASSES];
    /* Set while handling a packet; events and deliveries refer to it. */
    struct flow *cur_flow;
    const struct packet *cur_packet;
    bool cur_async; /* the session of cur_flow is one-sided */
    uint8_t cur_exceptions; /* enum packet_exception the packet met (memcaps) */
};

/* tcp_reassembly.c */
void tcp_stream_insert(struct stream_thread_ctx *ctx, struct tcp_session *ssn,
                       struct tcp_stream *s, uint8_t direction, uint32_t seq,
                       const uint8_t *data, uint32_t len, bool *retransmission);
void tcp_stream_deliver(struct stream_thread_ctx *ctx, struct tcp_stream *s, uint8_t direction);
void tcp_stream_deliver_unacked(struct stream_thread_ctx *ctx, struct tcp_stream *s,
                                uint8_t direction);
void tcp_stream_ack_update(struct stream_thread_ctx *ctx, struct tcp_stream *s, uint8_t direction);
void tcp_stream_flush(struct stream_thread_ctx *ctx, struct tcp_stream *s, uint8_t direction);
void tcp_stream_release_all(struct stream_thread_ctx *ctx, struct tcp_stream *s);
void tcp_segment_pools_free(struct stream_thread_ctx *ctx);

/* tcp_events.c */
void stream_event_set(struct stream_thread_ctx *ctx, int ev);

#endif
