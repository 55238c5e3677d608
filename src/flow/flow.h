/* SPDX-License-Identifier: Apache-2.0 */
/* Flows: bidirectional conversations keyed by the 5-tuple plus VLAN ids and
 * tunnel depth. One struct flow_table per worker (no locks); flows are pinned
 * to workers by hash of the key, so a flow is only ever touched by one thread.
 * A flow owns its TCP session, application-layer state and detection state,
 * and frees them in one place (flow_free_state, via the hooks below). */
#ifndef VIGIL_FLOW_H
#define VIGIL_FLOW_H

#include <stdbool.h>
#include <stdint.h>

#include "decode/packet.h"

struct json_writer;
struct tcp_session;
struct app_flow_state;

enum flow_state {
    FLOW_STATE_NEW = 0,
    FLOW_STATE_ESTABLISHED,
    FLOW_STATE_CLOSED,
    FLOW_STATE_BYPASSED,
};

enum flow_end_reason {
    FLOW_END_TIMEOUT = 0,
    FLOW_END_FORCED,    /* evicted under memory pressure (emergency mode) */
    FLOW_END_SHUTDOWN,  /* still open when the capture ended */
};

/* Key as seen from the flow's "to server" side. */
struct flow_key {
    struct ip_address src, dst;
    uint16_t src_port, dst_port; /* ICMP: type/code-derived, see flow.c */
    uint8_t proto;
    uint8_t tunnel_depth;
    uint8_t vlan_count;
    uint16_t vlan_id[PACKET_MAX_VLANS];
};

struct flow {
    struct flow_key key;
    uint64_t flow_id;             /* Suricata-style 51-bit id, unique per run */
    uint32_t hash;                /* keyed hash of the direction-independent key */
    uint64_t start_usec, last_usec;
    uint64_t pkts_toserver, pkts_toclient;
    uint64_t bytes_toserver, bytes_toclient;
    uint8_t tcp_flags_toserver, tcp_flags_toclient; /* OR of flags seen */
    uint8_t state;                /* enum flow_state */
    uint8_t end_reason;           /* enum flow_end_reason, set when the flow ends */
    bool alerted;                 /* at least one alert was raised on the flow */
    bool has_packet_anomaly;
    uint16_t app_proto;           /* enum app_proto (app/app.h); 0 = unknown */
    uint16_t app_proto_toserver, app_proto_toclient;
    struct tcp_session *tcp;      /* owned; NULL for non-TCP */
    struct app_flow_state *app;   /* owned */
    void *detect_state;           /* owned; flowbits, flowints, per-flow detection progress */
    void *output_state;           /* owned by the sensor's output (e.g. MAC addresses seen) */
    bool app_closed;              /* the TCP session closed and the app layer was finished early */
    uint8_t behaviour_flags;      /* src/behaviour/: what the detectors noted on the flow */
    /* Exception policies applied to the flow (Suricata's flow.exception_policy):
     * midstream pickup, 0 none, else 1 + the stream config's midstream_policy. */
    uint8_t exception_midstream;
    /* app-layer parser error, session memcap, reassembly memcap: 0 none,
     * else 1 + enum ips_policy (sensor/ips.h; ignore included) */
    uint8_t exception_applayer;
    uint8_t exception_ssn_memcap, exception_reasm_memcap;
    bool action_pass;             /* no detection on the flow (pass-flow): flow.action "pass" */
    bool uninspected;             /* no detection on the flow (a reject policy in IDS mode) */
    uint16_t app_proto_orig;      /* kept when the app state is freed before the flow ends */
    uint32_t intel_generation;    /* indicator snapshot the endpoints were checked against */
    /* Capture-file inputs (sensor): indexes of the files of the flow's first
     * and last packets, so alerts are attributed to the files they came from
     * and a file is judged only once its flows ended (pcap-file
     * delete-when-done: non-alerts). */
    bool input_tracked;
    uint32_t input_first, input_last;
    uint32_t input_marked;        /* files below this one are marked alerted already */

    /* ICMP: type and code of the first packet each way (for EVE and the
     * Community ID); meaningful only when key.proto is ICMP or ICMPv6. */
    uint8_t icmp_type, icmp_code;
    uint8_t icmp_response_type, icmp_response_code;
    bool icmp_response_seen;
    /* ICMP errors attributed to the flow that travelled to its client
     * (saturating): a probe answered "unreachable" (behavioural detectors). */
    uint8_t icmp_errors_toclient;

    /* table internals */
    struct flow *hash_next;
    struct flow *lru_prev, *lru_next;
    uint32_t timeout_sec;         /* current idle timeout, by state and protocol */
    uint64_t create_seq;          /* creation order within the table (1-based) */
    uint8_t lru_class;            /* which timeout list the flow is filed in */
    /* Prevention (src/sensor/ips.h, enum flow_ips_flag): the flow was dropped by
     * a rule or an exception policy (flow.action "drop"), drop events logged
     * per direction. Kept last: it fills what was padding. */
    uint8_t ips_flags;
};

#endif
