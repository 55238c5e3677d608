/* SPDX-License-Identifier: Apache-2.0 */
/* TCP session tracking and stream reassembly, per direction. One
 * struct stream_thread_ctx per worker; sessions belong to flows (f->tcp) and
 * are freed through tcp_session_free() when the flow is released (the flow
 * table does that via the hooks set by stream_flow_hooks_set()). Reassembled
 * bytes are delivered in order, exactly once, through struct
 * stream_callbacks. See docs/flow-and-stream.md. */
#ifndef VIGIL_STREAM_H
#define VIGIL_STREAM_H

#include <stdbool.h>
#include <stdint.h>

#include "decode/packet.h"
#include "flow/flow.h"
#include "flow/flow_table.h"

struct json_writer;

/* Which data wins when a new segment overlaps data already queued (the
 * stream.reassembly / host-os-policy names of Suricata). */
enum stream_overlap_policy {
    STREAM_POLICY_BSD = 0, /* Suricata's default: new data wins only where it starts before the old */
    STREAM_POLICY_FIRST,   /* old data always wins */
    STREAM_POLICY_LAST,    /* new data always wins */
    STREAM_POLICY_LINUX,   /* new wins if it starts before, or at the same place and ends after */
    STREAM_POLICY_OLD_LINUX,
    STREAM_POLICY_WINDOWS,
    STREAM_POLICY_VISTA,   /* old wins */
    STREAM_POLICY_SOLARIS, /* new wins if it ends after or at the same place */
    STREAM_POLICY_HPUX10,
    STREAM_POLICY_HPUX11,
    STREAM_POLICY_IRIX,
    STREAM_POLICY_MACOS,
    STREAM_POLICY_MAX,
};

/* "bsd", "first", "last", "linux", ...; -1 if unknown. */
int stream_policy_from_name(const char *name);
const char *stream_policy_name(int policy);

struct stream_config {
    bool midstream;               /* stream.midstream: pick up sessions without a 3WHS (false) */
    bool async_oneside;           /* stream.async-oneside: accept seeing one side only (false) */
    /* stream.midstream-policy: what happens to a session seen without its
     * handshake (the "stream_midstream" exception): ignore (default; no
     * pickup unless midstream), pass-flow (no detection on the flow),
     * bypass (no more inspection, midstream off only). */
    enum {
        STREAM_MIDSTREAM_IGNORE = 0,
        STREAM_MIDSTREAM_PASS_FLOW,
        STREAM_MIDSTREAM_BYPASS,
        STREAM_MIDSTREAM_REJECT, /* the flow is dropped (IDS: no longer inspected; no RST sent) */
        STREAM_MIDSTREAM_DROP_FLOW, /* inline only: the flow is dropped */
    } midstream_policy;
    bool checksum_validation;     /* stream.checksum-validation: skip PACKET_FLAG_TCP_CSUM_BAD (true) */
    uint32_t reassembly_depth;    /* stream.reassembly.depth bytes per direction, 0 = unlimited (1 MiB) */
    uint64_t memcap;              /* stream.memcap: session bytes at most (64 MiB) */
    uint64_t reassembly_memcap;   /* stream.reassembly.memcap: segment bytes at most (256 MiB) */
    /* QA simulation (Suricata's --simulate-packet-tcp-ssn-memcap /
     * -tcp-reassembly-memcap): the packet of this pcap_cnt meets the session
     * or the reassembly memcap; 0 = off. */
    uint64_t simulate_ssn_memcap_at, simulate_reassembly_memcap_at;
    uint8_t overlap_policy;       /* enum stream_overlap_policy (bsd) */
    uint32_t max_ooo_segments;    /* out-of-order segments queued per direction at most (1024) */
    uint32_t max_retained_bytes;  /* delivered-but-unacked bytes kept per direction for overlap
                                   * checks (256 KiB) */
    bool ack_based_delivery;      /* deliver data once the receiver ACKed it, on the ACK packet,
                                   * as Suricata's IDS mode does (true); false: as soon as it is
                                   * in order */
    uint32_t max_unacked_bytes;   /* with ack_based_delivery, deliver anyway beyond this much
                                   * unacknowledged in-order data per direction (1 MiB) */
};

void stream_config_defaults(struct stream_config *cfg);

/* Flags passed to the data callback: the same values as enum app_data_flag. */
enum stream_data_flag {
    STREAM_DATA_GAP = 1u << 0, /* data is NULL, len bytes were lost */
    STREAM_DATA_EOF = 1u << 1, /* the direction is closed; may come with len 0 */
};

struct stream_callbacks {
    void *user;
    /* In-order reassembled bytes of one direction (0 = to server), each byte
     * exactly once. p is the packet that caused the delivery: with
     * ack_based_delivery usually a packet of the OTHER direction (the one
     * carrying the ACK), so use `direction`, not p->flow_direction; NULL at
     * flow end. */
    void (*data)(void *user, struct flow *f, const struct packet *p, uint8_t direction,
                 const uint8_t *data, uint32_t len, uint32_t flags);
    /* A stream anomaly (enum stream_event) on packet p (NULL at flow end). */
    void (*event)(void *user, struct flow *f, const struct packet *p, int stream_event);
};

/* Stream events, named as Suricata's stream-event keyword / EVE anomaly
 * "stream.<name>". */
enum stream_event {
    STREAM_EVENT_3WHS_ACK_IN_WRONG_DIR = 0,
    STREAM_EVENT_3WHS_ASYNC_WRONG_SEQ,
    STREAM_EVENT_3WHS_RIGHT_SEQ_WRONG_ACK_EVASION,
    STREAM_EVENT_3WHS_SYNACK_IN_WRONG_DIRECTION,
    STREAM_EVENT_3WHS_SYNACK_RESEND_WITH_DIFFERENT_ACK,
    STREAM_EVENT_3WHS_SYNACK_RESEND_WITH_DIFF_SEQ,
    STREAM_EVENT_3WHS_SYNACK_TOSERVER_ON_SYN_RECV,
    STREAM_EVENT_3WHS_SYNACK_WITH_WRONG_ACK,
    STREAM_EVENT_3WHS_SYNACK_FLOOD,
    STREAM_EVENT_3WHS_SYNACK_TFO_DATA_IGNORED,
    STREAM_EVENT_3WHS_SYN_FLOOD,
    STREAM_EVENT_3WHS_SYN_RESEND_DIFF_SEQ_ON_SYN_RECV,
    STREAM_EVENT_3WHS_SYN_TOCLIENT_ON_SYN_RECV,
    STREAM_EVENT_3WHS_WRONG_SEQ_WRONG_ACK,
    STREAM_EVENT_3WHS_ACK_DATA_INJECT,
    STREAM_EVENT_4WHS_SYNACK_WITH_WRONG_ACK,
    STREAM_EVENT_4WHS_SYNACK_WITH_WRONG_SYN,
    STREAM_EVENT_4WHS_WRONG_SEQ,
    STREAM_EVENT_4WHS_INVALID_ACK,
    STREAM_EVENT_CLOSEWAIT_ACK_OUT_OF_WINDOW,
    STREAM_EVENT_CLOSEWAIT_FIN_OUT_OF_WINDOW,
    STREAM_EVENT_CLOSEWAIT_INVALID_ACK,
    STREAM_EVENT_CLOSING_ACK_WRONG_SEQ,
    STREAM_EVENT_CLOSING_INVALID_ACK,
    STREAM_EVENT_EST_PACKET_OUT_OF_WINDOW,
    STREAM_EVENT_EST_PKT_BEFORE_LAST_ACK,
    STREAM_EVENT_EST_SYNACK_RESEND,
    STREAM_EVENT_EST_SYNACK_RESEND_WITH_DIFFERENT_ACK,
    STREAM_EVENT_EST_SYNACK_RESEND_WITH_DIFF_SEQ,
    STREAM_EVENT_EST_SYNACK_TOSERVER,
    STREAM_EVENT_EST_SYN_RESEND,
    STREAM_EVENT_EST_SYN_RESEND_DIFF_SEQ,
    STREAM_EVENT_EST_SYN_TOCLIENT,
    STREAM_EVENT_EST_INVALID_ACK,
    STREAM_EVENT_FIN_INVALID_ACK,
    STREAM_EVENT_FIN1_ACK_WRONG_SEQ,
    STREAM_EVENT_FIN1_FIN_WRONG_SEQ,
    STREAM_EVENT_FIN1_INVALID_ACK,
    STREAM_EVENT_FIN2_ACK_WRONG_SEQ,
    STREAM_EVENT_FIN2_FIN_WRONG_SEQ,
    STREAM_EVENT_FIN2_INVALID_ACK,
    STREAM_EVENT_FIN_BUT_NO_SESSION,
    STREAM_EVENT_FIN_OUT_OF_WINDOW,
    STREAM_EVENT_FIN_SYN,
    STREAM_EVENT_LASTACK_ACK_WRONG_SEQ,
    STREAM_EVENT_LASTACK_INVALID_ACK,
    STREAM_EVENT_RST_BUT_NO_SESSION,
    STREAM_EVENT_TIMEWAIT_ACK_WRONG_SEQ,
    STREAM_EVENT_TIMEWAIT_INVALID_ACK,
    STREAM_EVENT_SHUTDOWN_SYN_RESEND,
    STREAM_EVENT_PKT_INVALID_TIMESTAMP,
    STREAM_EVENT_PKT_INVALID_ACK,
    STREAM_EVENT_PKT_BROKEN_ACK,
    STREAM_EVENT_RST_INVALID_ACK,
    STREAM_EVENT_PKT_RETRANSMISSION,
    STREAM_EVENT_PKT_SPURIOUS_RETRANSMISSION,
    STREAM_EVENT_PKT_BAD_WINDOW_UPDATE,
    STREAM_EVENT_SUSPECTED_RST_INJECT,
    STREAM_EVENT_WRONG_THREAD,
    STREAM_EVENT_CLOSEWAIT_PKT_BEFORE_LAST_ACK,
    STREAM_EVENT_REASSEMBLY_SEGMENT_BEFORE_BASE_SEQ,
    STREAM_EVENT_REASSEMBLY_NO_SEGMENT,
    STREAM_EVENT_REASSEMBLY_SEQ_GAP,
    STREAM_EVENT_REASSEMBLY_OVERLAP_DIFFERENT_DATA,
    STREAM_EVENT_REASSEMBLY_DEPTH_REACHED,
    STREAM_EVENT_REASSEMBLY_INSERT_MEMCAP,
    STREAM_EVENT_REASSEMBLY_INSERT_LIMIT,
    STREAM_EVENT_REASSEMBLY_URGENT_OOB_LIMIT_REACHED,
    STREAM_EVENT_MAX,
};

/* "3whs_synack_with_wrong_ack" etc. (without the "stream." prefix); NULL if
 * out of range. */
const char *stream_event_name(int ev);
/* Accepts the name with or without "stream."; -1 if unknown. */
int stream_event_from_name(const char *name);

struct stream_stats {
    uint64_t sessions;            /* sessions created */
    uint64_t active_sessions;     /* gauge */
    uint64_t ssn_memcap_drop;
    uint64_t pseudo;              /* flow-end flushes (Suricata's pseudo packets) */
    uint64_t invalid_checksum;
    uint64_t syn, synack, rst;
    uint64_t midstream_pickups;
    uint64_t pkt_on_wrong_thread;
    uint64_t segment_memcap_drop;
    uint64_t stream_depth_reached;
    uint64_t reassembly_gap;
    uint64_t overlap, overlap_diff_data;
    uint64_t insert_data_normal_fail;
    uint64_t ooo_limit_drop;      /* segments dropped: too many queued out of order */
    uint64_t retransmissions;
    uint64_t invalid_packets;     /* rejected by session validation (bad ack, window, ...) */
    uint64_t no_session;          /* TCP packets that created no session (no SYN, midstream off) */
    uint64_t memuse, memuse_peak;                       /* session bytes */
    uint64_t reassembly_memuse, reassembly_memuse_peak; /* segment bytes (pooled included) */
    uint64_t events[STREAM_EVENT_MAX];
};

struct stream_thread_ctx;
struct tcp_session;

/* Creates a worker's stream engine. cfg and cb are copied. NULL on ENOMEM.
 * Free with stream_thread_ctx_free() after every session was freed. */
struct stream_thread_ctx *stream_thread_ctx_new(const struct stream_config *cfg,
                                                const struct stream_callbacks *cb);
void stream_thread_ctx_free(struct stream_thread_ctx *ctx);

/* Fills the tcp_free hook of a flow table with this engine's session
 * release. */
void stream_flow_hooks_set(struct flow_hooks *hooks, struct stream_thread_ctx *ctx);

/* Tracks the TCP session of f (created on first use, owned by f->tcp) and
 * reassembles p's payload; delivers what became in order through the data
 * callback. Sets f->state. p must be TCP with p->flow == f and
 * p->flow_direction set by flow_table_get(); other packets are ignored. */
void stream_handle_packet(struct stream_thread_ctx *ctx, struct flow *f, struct packet *p);

/* At flow end: delivers whatever is still queued in each direction in order,
 * with the holes as gaps, then EOF both ways (once). Frees nothing. */
void stream_flow_end(struct stream_thread_ctx *ctx, struct flow *f);

/* Frees the session and returns its segments to the pools. */
void tcp_session_free(struct stream_thread_ctx *ctx, struct tcp_session *s);

/* True if f's session was picked up without its handshake (midstream). */
bool stream_session_midstream(const struct flow *f);
/* The offset in direction's delivered byte stream (what the application
 * layer was given, gaps included: struct app_parse_ctx.stream_offset) of
 * the byte at TCP sequence number seq; false when f has no session, the
 * direction's sequence is not known yet or its reassembly depth was
 * reached. */
bool stream_seq_offset(const struct flow *f, uint8_t direction, uint32_t seq, uint64_t *offset);
/* Copies at most want bytes of direction's stream from offset (as
 * stream_seq_offset counts) that the session still holds (queued, not yet
 * delivered, or kept after delivery), as far as they are contiguous;
 * returns how many. For outputs that must know what a packet's bytes
 * belong to before the application layer saw them. */
uint32_t stream_peek(const struct flow *f, uint8_t direction, uint64_t offset, uint8_t *out,
                     uint32_t want);
/* After the flow's direction was reversed (flow_swap: the application layer
 * found the first data seen to be the server's), swaps the session's two
 * sides so that later packets go to the right one. Call between packets,
 * never from a data callback. */
void stream_session_swap(struct flow *f);

/* Session state name ("syn_sent", "established", "closed", ...) of f->tcp, or
 * NULL if the flow has none: for EVE flow records ("tcp": {"state": ...}). */
const char *stream_session_state_name(const struct flow *f);

const struct stream_stats *stream_thread_stats(const struct stream_thread_ctx *ctx);
/* dst += src (peaks take the max). */
void stream_stats_add(struct stream_stats *dst, const struct stream_stats *src);
/* Writes the "tcp": {...} member (Suricata's names) into an open object. */
void stream_stats_write_json(const struct stream_stats *s, struct json_writer *w);
/* Writes "stream": {"<event name>": N, ...} for every stream event: Suricata
 * puts these counters under "decoder": {"event": {"stream": {...}}}. */
void stream_stats_write_events_json(const struct stream_stats *s, struct json_writer *w);

#endif
