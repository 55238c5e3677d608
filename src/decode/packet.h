/* SPDX-License-Identifier: Apache-2.0 */
/* struct packet: one captured frame and everything the decoders learned about
 * it. Packet data belongs to the capture layer (or, for a reassembled IP
 * datagram, to the worker's defrag context) and is valid until the packet is
 * released; decoders store pointers into it, never copies. A packet struct is
 * reused for every frame a worker processes: decode_packet() resets the
 * decoded part, so nothing here is allocated per packet. */
#ifndef VIGIL_DECODE_PACKET_H
#define VIGIL_DECODE_PACKET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct flow;

/* An IPv4 address is stored as an IPv4-mapped value in the last 4 bytes with
 * the first 12 bytes zero; `family` says which it is. */
struct ip_address {
    uint8_t family; /* 4 or 6 */
    union {
        uint8_t u8[16];
        uint32_t u32[4];
    } addr;
};

enum packet_flag {
    PACKET_FLAG_IPV4_CSUM_BAD = 1u << 0,
    PACKET_FLAG_TCP_CSUM_BAD = 1u << 1,
    PACKET_FLAG_UDP_CSUM_BAD = 1u << 2,
    PACKET_FLAG_ICMP_CSUM_BAD = 1u << 3,
    PACKET_FLAG_FRAGMENT = 1u << 4,          /* an IP fragment, not (yet) reassembled */
    PACKET_FLAG_REASSEMBLED = 1u << 5,       /* l3.. points at a reassembled datagram */
    PACKET_FLAG_TUNNELED = 1u << 6,          /* decoded fields describe the inner packet */
    PACKET_FLAG_TRUNCATED = 1u << 7,         /* caplen < wirelen */
    PACKET_FLAG_INVALID = 1u << 8,           /* a layer could not be decoded; no flow */
    PACKET_FLAG_HAS_TCP_TIMESTAMP = 1u << 9,
    PACKET_FLAG_HAS_TCP_MSS = 1u << 10,
    PACKET_FLAG_HAS_TCP_WSCALE = 1u << 11,
    PACKET_FLAG_HAS_TCP_SACKOK = 1u << 12,
    PACKET_FLAG_HAS_TCP_SACK = 1u << 13,
    PACKET_FLAG_HAS_TCP_TFO = 1u << 14,
    PACKET_FLAG_IPV6_FRAGMENT_HEADER = 1u << 15,
    /* Not a captured frame: made by the sensor at flow end so detection can
     * inspect what the flow's last real packet left pending. */
    PACKET_FLAG_PSEUDO = 1u << 31,
};

/* TCP flag bits as on the wire (byte 13), plus ECE/CWR. */
enum tcp_flag {
    TCP_FLAG_FIN = 0x01,
    TCP_FLAG_SYN = 0x02,
    TCP_FLAG_RST = 0x04,
    TCP_FLAG_PSH = 0x08,
    TCP_FLAG_ACK = 0x10,
    TCP_FLAG_URG = 0x20,
    TCP_FLAG_ECE = 0x40,
    TCP_FLAG_CWR = 0x80,
};

/* Maximum number of decoder anomaly events kept on one packet; more are
 * counted but not attached (Suricata keeps 15). */
#define PACKET_MAX_EVENTS 15
#define PACKET_MAX_VLANS 3

/* An IP layer a tunnelled packet was carried in. */
#define PACKET_MAX_OUTER 4
struct packet_layer {
    struct ip_address src, dst;
    uint16_t src_port, dst_port;     /* UDP ports (VXLAN, Geneve, Teredo, GTP-U), else 0 */
    uint8_t proto;                   /* IPPROTO_* (17 UDP, 47 GRE, 4/41 IP-in-IP) */
    uint8_t ip_version;
    uint8_t tunnel_depth;            /* tunnels crossed before this layer */
    uint8_t tunnel_type;             /* enum decode_tunnel_type of the tunnel it carried */
    /* GTP-U: the tunnel header (GTP header, optional fields and extension
     * headers) in the frame, for the "gtp" event; valid with the packet. */
    const uint8_t *tunnel_hdr;
    uint16_t tunnel_hdr_len;
};

/* struct packet exceptions: the memcaps a packet met on its way (Suricata's
 * exception targets; the sensor applies the configured policy, sensor/ips.h). */
enum packet_exception {
    PACKET_EXC_DEFRAG_MEMCAP = 1u << 0,   /* defrag.memcap: the fragment was not kept */
    PACKET_EXC_FLOW_MEMCAP = 1u << 1,     /* flow.memcap: no flow for the packet */
    PACKET_EXC_SSN_MEMCAP = 1u << 2,      /* stream.memcap: no TCP session for the flow */
    PACKET_EXC_REASM_MEMCAP = 1u << 3,    /* stream.reassembly.memcap: data not queued */
};

struct packet {
    /* --- set by the capture layer --- */
    const uint8_t *data;  /* frame bytes, caplen long */
    uint32_t caplen;      /* bytes captured */
    uint32_t wirelen;     /* bytes on the wire */
    uint64_t ts_usec;     /* capture timestamp, microseconds since the epoch */
    uint64_t pcap_cnt;    /* 1-based frame number within the run (Suricata's pcap_cnt) */
    int datalink;         /* DLT_* of the frame */

    /* --- set by decode_packet() (reset for every frame) --- */
    uint32_t flags;                  /* enum packet_flag */
    uint8_t exceptions;              /* enum packet_exception: memcaps this packet hit */
    uint16_t vlan_id[PACKET_MAX_VLANS];
    uint8_t vlan_count;
    uint8_t tunnel_depth;            /* number of tunnel layers crossed */
    uint8_t outer_count;             /* valid entries of outer[] */
    uint8_t ip_version;              /* 4, 6, or 0 if no IP layer */
    uint8_t proto;                   /* IPPROTO_* of the transport (after extension headers) */
    uint8_t ttl;                     /* IPv4 TTL or IPv6 hop limit */
    uint8_t tos;                     /* IPv4 TOS or IPv6 traffic class */
    uint16_t ip_id;                  /* IPv4 identification (IPv6: low 16 bits of frag ident) */
    uint16_t frag_offset;            /* in 8-byte units, as in the header */
    bool frag_more;                  /* MF bit / IPv6 M flag */
    bool frag_df;                    /* IPv4 DF bit */
    bool frag_reserved;              /* IPv4 reserved (evil) bit */
    uint16_t ipv4_options;           /* bitmask of IPv4 options seen (enum ipv4_option_bit in decode.h) */
    struct ip_address src, dst;
    const uint8_t *ethernet;         /* Ethernet header of the outermost frame, or NULL */
    const uint8_t *l3;               /* IP header (inner one for tunnels) */
    uint32_t frame_l3_offset;        /* reassembled datagrams: where the last fragment's IP
                                      * header starts in the frame (for logging the packet) */
    uint32_t l3_len;                 /* IP header + payload, bounded by the IP total length */
    const uint8_t *l4;               /* transport header */
    uint32_t l4_len;                 /* transport header + payload */
    uint16_t src_port, dst_port;     /* TCP/UDP ports; for ICMP 0 */

    /* TCP */
    uint32_t tcp_seq, tcp_ack;
    uint16_t tcp_window;
    uint8_t tcp_flags;               /* enum tcp_flag */
    uint8_t tcp_wscale;
    uint16_t tcp_mss;
    uint32_t tcp_tsval, tcp_tsecr;
    uint16_t tcp_urgent;

    /* ICMPv4 / ICMPv6 */
    uint8_t icmp_type, icmp_code;
    uint16_t icmp_id, icmp_seq;      /* echo request/reply only */
    /* ICMP errors (unreachable, time exceeded, ...): the header of the
     * original packet quoted in the message, so the flow layer can attribute
     * the error to that packet's flow. icmp_inner_proto is 0 when absent. */
    uint8_t icmp_inner_proto;        /* IPPROTO_* of the quoted packet, 0 if none */
    uint16_t icmp_inner_src_port, icmp_inner_dst_port; /* TCP/UDP/SCTP only, else 0 */
    struct ip_address icmp_inner_src, icmp_inner_dst;

    uint8_t tunnel_type;             /* enum decode_tunnel_type of the innermost tunnel, 0 if none */
    uint16_t gre_proto;              /* GRE protocol type of the innermost GRE layer */

    /* Layer 2: the innermost Ethertype when it is none that the decoder
     * decodes further (no IP inside), and what follows it, for the
     * application layer's layer-2 parsers (GOOSE 0x88b8, Sampled Values
     * 0x88ba, PROFINET 0x8892). l2_type is 0 when there is none. */
    uint16_t l2_type;
    const uint8_t *l2_payload;
    uint32_t l2_payload_len;

    /* Transport payload */
    const uint8_t *payload;
    uint32_t payload_len;

    /* Decoder anomalies attached to this packet (enum decode_event). */
    uint16_t events[PACKET_MAX_EVENTS];
    uint8_t event_count;

    /* --- set by the flow layer --- */
    struct flow *flow;
    uint8_t flow_direction;          /* 0: to server, 1: to client */

    /* Tunnelled packets: the IP layers the decoder left, outermost first
     * (outer_count of them; not cleared between frames). Each gets a flow of
     * its own, as Suricata gives one to a tunnel's root packet. */
    struct packet_layer outer[PACKET_MAX_OUTER];
};

#endif
