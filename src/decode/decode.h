/* SPDX-License-Identifier: Apache-2.0 */
/* Packet decoding: link layer to transport layer, tunnels, IP fragment
 * reassembly. One struct decode_thread_ctx per worker; nothing is shared. */
#ifndef VIGIL_DECODE_H
#define VIGIL_DECODE_H

#include <stdbool.h>
#include <stdint.h>

#include "decode/packet.h"
#include "decode/decode_events.h"

struct json_writer;

/* Bits of packet.ipv4_options: which IPv4 options appeared (rule keyword ipopts). */
enum ipv4_option_bit {
    IPV4_OPTION_EOL = 1u << 0,
    IPV4_OPTION_NOP = 1u << 1,
    IPV4_OPTION_RR = 1u << 2,     /* record route */
    IPV4_OPTION_TS = 1u << 3,     /* timestamp */
    IPV4_OPTION_QS = 1u << 4,     /* quick-start */
    IPV4_OPTION_LSRR = 1u << 5,   /* loose source route */
    IPV4_OPTION_SSRR = 1u << 6,   /* strict source route */
    IPV4_OPTION_SATID = 1u << 7,  /* stream identifier */
    IPV4_OPTION_SEC = 1u << 8,    /* security (RFC 1108) */
    IPV4_OPTION_ESEC = 1u << 9,   /* extended security */
    IPV4_OPTION_CIPSO = 1u << 10, /* commercial security */
    IPV4_OPTION_RTRALT = 1u << 11,/* router alert */
    IPV4_OPTION_UNKNOWN = 1u << 12,
};

/* packet.tunnel_type */
enum decode_tunnel_type {
    DECODE_TUNNEL_NONE = 0,
    DECODE_TUNNEL_GRE,
    DECODE_TUNNEL_ERSPAN,
    DECODE_TUNNEL_VXLAN,
    DECODE_TUNNEL_GENEVE,
    DECODE_TUNNEL_TEREDO,
    DECODE_TUNNEL_IPIP, /* 4in4, 6in4, 4in6, 6in6 */
    DECODE_TUNNEL_GTPU, /* GTP-U G-PDU (mobile core user plane) */
};

enum defrag_overlap_policy {
    DEFRAG_POLICY_FIRST,  /* first data received wins (BSD-right/Windows-like) */
    DEFRAG_POLICY_LAST,   /* last data received wins (Solaris-like) */
    DEFRAG_POLICY_BSD,
    DEFRAG_POLICY_LINUX,
};

struct decode_config {
    bool checksum_validate;       /* -k all: verify IPv4/TCP/UDP/ICMP checksums */
    uint64_t defrag_memcap;       /* bytes of fragment data held at most (default 32 MiB) */
    uint32_t defrag_timeout_sec;  /* a datagram not completed in this time is dropped (60) */
    uint32_t defrag_max_trackers; /* datagrams being reassembled at most (65535) */
    enum defrag_overlap_policy defrag_policy;
    uint16_t vxlan_port;          /* UDP port decoded as VXLAN (4789; 0 disables) */
    uint16_t geneve_port;         /* UDP port decoded as Geneve (6081; 0 disables) */
    uint16_t teredo_port;         /* 3544; 0 disables */
    uint16_t gtpu_port;           /* UDP port decoded as GTP-U (2152; 0 disables) */
    uint8_t max_tunnel_depth;     /* deeper nesting is an anomaly (8) */
    uint64_t simulate_defrag_memcap_at; /* QA: the fragment of this pcap_cnt meets the
                                         * defrag memcap (--simulate-packet-defrag-memcap) */
};

/* Fills cfg with the defaults above. */
void decode_config_defaults(struct decode_config *cfg);

struct decode_stats {
    uint64_t pkts, bytes, invalid;
    uint64_t ethernet, null, sll, sll2, raw;
    uint64_t vlan, vlan_qinq, vlan_qinqinq, mpls, erspan;
    uint64_t ipv4, ipv6, tcp, udp, icmpv4, icmpv6, sctp, other_ip;
    uint64_t gtpu;
    uint64_t gre, vxlan, geneve, teredo, ipv4_in_ipv4, ipv6_in_ipv4, ipv4_in_ipv6, ipv6_in_ipv6;
    uint64_t avg_pkt_size_sum, max_pkt_size;
    /* defrag */
    uint64_t frag_ipv4_fragments, frag_ipv4_reassembled, frag_ipv6_fragments, frag_ipv6_reassembled;
    uint64_t frag_timeouts, frag_memcap_drops, frag_tracker_drops, frag_overlaps;
    uint64_t frag_memuse, frag_memuse_peak;
    uint64_t unknown_ethertype, pppoe, arp, too_many_layers;
    uint64_t ppp, chdlc;
    uint64_t frag_overlaps_differ;   /* overlaps whose bytes differed */
    uint64_t frag_max_frags_drops;   /* fragment dropped: datagram already has too many pieces */
    uint64_t frag_too_large;         /* fragment would make a datagram > 65535 */
    uint64_t frag_trackers_active, frag_trackers_peak;
    uint64_t events[DECODE_EVENT_MAX];
};

struct decode_thread_ctx;

/* Creates a worker's decoder; NULL on allocation failure. Free with
 * decode_thread_ctx_free(), which releases every fragment still held. */
struct decode_thread_ctx *decode_thread_ctx_new(const struct decode_config *cfg);
void decode_thread_ctx_free(struct decode_thread_ctx *ctx);

/* Decodes p->data (p->caplen bytes of link type p->datalink) into p's decoded
 * fields, resetting them first. Malformed input sets PACKET_FLAG_INVALID and
 * records events; it never fails otherwise. When a fragment completes a
 * datagram, p->l3 and below point into a buffer owned by ctx that stays valid
 * until the next call, and PACKET_FLAG_REASSEMBLED is set; earlier fragments
 * carry PACKET_FLAG_FRAGMENT and no transport layer. Tunnels (GRE, VXLAN,
 * Geneve, Teredo, IP-in-IP, 6in4, ERSPAN) are decoded through: the decoded
 * fields describe the innermost packet and PACKET_FLAG_TUNNELED is set. */
void decode_packet(struct decode_thread_ctx *ctx, struct packet *p);

/* Drops fragment trackers older than the timeout at time now_usec. */
void decode_expire(struct decode_thread_ctx *ctx, uint64_t now_usec);

const struct decode_stats *decode_thread_stats(const struct decode_thread_ctx *ctx);
/* dst += src, for summing workers' statistics (peaks take the max). */
void decode_stats_add(struct decode_stats *dst, const struct decode_stats *src);
/* Writes "decoder": {...} and "defrag": {...} members (Suricata's stats names,
 * including "decoder": {"event": {"ipv4": {"trunc_pkt": N}, ...}}) into an
 * open JSON object. */
void decode_stats_write_json(const struct decode_stats *s, struct json_writer *w);

/* True if the datalink type is one vigil decodes. */
bool decode_datalink_supported(int datalink);

#endif
