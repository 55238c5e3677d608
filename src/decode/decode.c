/* SPDX-License-Identifier: Apache-2.0 */
/* Packet decoder: link layer, VLAN, MPLS, PPPoE, IPv4, IPv6 and extension
 * headers, TCP, UDP, ICMPv4, ICMPv6, SCTP, and the tunnels GRE/ERSPAN,
 * VXLAN, Geneve, Teredo and IP-in-IP. Every decoder takes (data, len) of its
 * own layer, bounds-checks before each read, and on malformed input records
 * an event (Suricata's names) and, where the layer cannot be used, sets
 * PACKET_FLAG_INVALID. Nothing here allocates; fragments are handed to
 * defrag.c. The anomaly semantics follow Suricata's decoders so that
 * decode-event rules fire on the same packets. */
#include <assert.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "decode/decode.h"
#include "decode/decode_util.h"
#include "decode/defrag.h"

/* Link types (DLT_* / LINKTYPE_* values; spelled out so that no pcap header
 * is needed here). */
#define DLT_NULL_ 0
#define DLT_EN10MB_ 1
#define DLT_PPP_ 9
#define DLT_RAW_ 12
#define DLT_RAW_OPENBSD_ 14
#define LINKTYPE_RAW_ 101
#define DLT_LOOP_ 108
#define DLT_C_HDLC_ 104
#define DLT_LINUX_SLL_ 113
#define LINKTYPE_IPV4_ 228
#define LINKTYPE_IPV6_ 229
#define DLT_LINUX_SLL2_ 276

#define ETHERTYPE_IPV4 0x0800
#define ETHERTYPE_ARP 0x0806
#define ETHERTYPE_VLAN 0x8100
#define ETHERTYPE_QINQ 0x88a8
#define ETHERTYPE_QINQ_OLD 0x9100
#define ETHERTYPE_IPV6 0x86dd
#define ETHERTYPE_MPLS_UC 0x8847
#define ETHERTYPE_MPLS_MC 0x8848
#define ETHERTYPE_PPPOE_DISC 0x8863
#define ETHERTYPE_PPPOE_SESS 0x8864
#define ETHERTYPE_TEB 0x6558 /* transparent Ethernet bridging (GRE, Geneve) */
#define ETHERTYPE_ERSPAN_2 0x88be
#define ETHERTYPE_ERSPAN_3 0x22eb
#define ETHERTYPE_PPP 0x880b

#define DECODE_MAX_LAYERS 16

struct decode_thread_ctx {
    struct decode_config cfg;
    struct decode_stats stats;
    struct defrag_table *defrag;
    uint32_t layers; /* layers entered for the current packet */
};

void decode_config_defaults(struct decode_config *cfg)
{
    memset(cfg, 0, sizeof(*cfg));
    cfg->checksum_validate = false;
    cfg->defrag_memcap = 32u << 20;
    cfg->defrag_timeout_sec = 60;
    cfg->defrag_max_trackers = 65535;
    cfg->defrag_policy = DEFRAG_POLICY_BSD;
    cfg->vxlan_port = 4789;
    cfg->geneve_port = 6081;
    cfg->teredo_port = 3544;
    cfg->gtpu_port = 2152;
    cfg->max_tunnel_depth = 8;
}

struct decode_thread_ctx *decode_thread_ctx_new(const struct decode_config *cfg)
{
    struct decode_thread_ctx *ctx = calloc(1, sizeof(*ctx));
    if (ctx == NULL)
        return NULL;
    ctx->cfg = *cfg;
    ctx->defrag = defrag_table_new(&ctx->cfg, &ctx->stats);
    if (ctx->defrag == NULL) {
        free(ctx);
        return NULL;
    }
    return ctx;
}

void decode_thread_ctx_free(struct decode_thread_ctx *ctx)
{
    if (ctx == NULL)
        return;
    defrag_table_free(ctx->defrag);
    free(ctx);
}

const struct decode_stats *decode_thread_stats(const struct decode_thread_ctx *ctx)
{
    return &ctx->stats;
}

void decode_expire(struct decode_thread_ctx *ctx, uint64_t now_usec)
{
    defrag_table_expire(ctx->defrag, now_usec);
}

bool decode_datalink_supported(int datalink)
{
    switch (datalink) {
    case DLT_NULL_:
    case DLT_EN10MB_:
    case DLT_RAW_:
    case DLT_RAW_OPENBSD_:
    case LINKTYPE_RAW_:
    case DLT_LOOP_:
    case DLT_LINUX_SLL_:
    case DLT_LINUX_SLL2_:
    case LINKTYPE_IPV4_:
    case LINKTYPE_IPV6_:
    case DLT_PPP_:
    case DLT_C_HDLC_:
        return true;
    default:
        return false;
    }
}

/* ------------------------------------------------------------------ */
/* events and small helpers                                            */

/* Records an anomaly once per packet: a repeated condition (say, many bad
 * options) neither inflates the counter nor crowds out other events. */
static void decode_event_set(struct decode_thread_ctx *ctx, struct packet *p, enum decode_event e)
{
    for (uint8_t i = 0; i < p->event_count; i++)
        if (p->events[i] == e)
            return;
    ctx->stats.events[e]++;
    if (p->event_count < PACKET_MAX_EVENTS)
        p->events[p->event_count++] = (uint16_t)e;
}

static void decode_invalid(struct decode_thread_ctx *ctx, struct packet *p, enum decode_event e)
{
    decode_event_set(ctx, p, e);
    p->flags |= PACKET_FLAG_INVALID;
}

/* Counts a layer; false (with the too_many_layers anomaly) past the limit,
 * which bounds the work an adversarial stack of headers can cause. */
static bool decode_layer_enter(struct decode_thread_ctx *ctx, struct packet *p)
{
    if (++ctx->layers > DECODE_MAX_LAYERS) {
        if (ctx->layers == DECODE_MAX_LAYERS + 1) {
            decode_invalid(ctx, p, DECODE_EVENT_TOO_MANY_LAYERS);
            ctx->stats.too_many_layers++;
        }
        return false;
    }
    return true;
}

static void decode_set_ipv4_addr(struct ip_address *a, const uint8_t *src)
{
    a->family = 4;
    memset(a->addr.u8, 0, 12);
    memcpy(a->addr.u8 + 12, src, 4);
}

static void decode_set_ipv6_addr(struct ip_address *a, const uint8_t *src)
{
    a->family = 6;
    memcpy(a->addr.u8, src, 16);
}

/* Clears what the network and transport layers set, before decoding a
 * tunnel's inner packet; keeps flags, VLANs, events and the outer Ethernet. */
static void decode_reset_inner(struct packet *p)
{
    const uint8_t *eth = p->ethernet;
    uint8_t ttype = p->tunnel_type;
    uint16_t gproto = p->gre_proto;
    memset(&p->ip_version, 0,
           offsetof(struct packet, events) - offsetof(struct packet, ip_version));
    p->ethernet = eth;
    p->tunnel_type = ttype;
    p->gre_proto = gproto;
    p->flags &= ~(uint32_t)(PACKET_FLAG_HAS_TCP_TIMESTAMP | PACKET_FLAG_HAS_TCP_MSS |
                            PACKET_FLAG_HAS_TCP_WSCALE | PACKET_FLAG_HAS_TCP_SACKOK |
                            PACKET_FLAG_HAS_TCP_SACK | PACKET_FLAG_HAS_TCP_TFO |
                            PACKET_FLAG_FRAGMENT | PACKET_FLAG_IPV6_FRAGMENT_HEADER);
}

/* Enters a tunnel: false (anomaly, packet invalid) beyond max_tunnel_depth. */
static bool decode_tunnel_enter(struct decode_thread_ctx *ctx, struct packet *p,
                                enum decode_tunnel_type type)
{
    if (p->tunnel_depth >= ctx->cfg.max_tunnel_depth) {
        decode_invalid(ctx, p, DECODE_EVENT_TOO_MANY_LAYERS);
        ctx->stats.too_many_layers++;
        return false;
    }
    if (p->ip_version && p->outer_count < PACKET_MAX_OUTER) {
        struct packet_layer *l = &p->outer[p->outer_count++];
        l->src = p->src;
        l->dst = p->dst;
        l->src_port = p->src_port;
        l->dst_port = p->dst_port;
        l->proto = p->proto;
        l->ip_version = p->ip_version;
        l->tunnel_depth = p->tunnel_depth;
        l->tunnel_type = (uint8_t)type;
        l->tunnel_hdr = NULL;
        l->tunnel_hdr_len = 0;
    }
    decode_reset_inner(p);
    p->tunnel_depth++;
    p->tunnel_type = (uint8_t)type;
    p->flags |= PACKET_FLAG_TUNNELED;
    return true;
}

static void decode_ethernet(struct decode_thread_ctx *ctx, struct packet *p, const uint8_t *d,
                            uint32_t len);
static void decode_ipv4(struct decode_thread_ctx *ctx, struct packet *p, const uint8_t *d,
                        uint32_t len);
static void decode_ipv6(struct decode_thread_ctx *ctx, struct packet *p, const uint8_t *d,
                        uint32_t len);
static void decode_network(struct decode_thread_ctx *ctx, struct packet *p, uint16_t type,
                           const uint8_t *d, uint32_t len);
static void decode_ppp(struct decode_thread_ctx *ctx, struct packet *p, const uint8_t *d,
                       uint32_t len);

/* ------------------------------------------------------------------ */
/* checksums                                                           */

static uint64_t decode_pseudo_sum(const struct packet *p, uint8_t proto, uint32_t len)
{
    uint64_t sum;
    if (p->ip_version == 4) {
        sum = decode_csum_add(0, p->src.addr.u8 + 12, 4);
        sum = decode_csum_add(sum, p->dst.addr.u8 + 12, 4);
        sum += proto;
        sum += len;
    } else {
        sum = decode_csum_add(0, p->src.addr.u8, 16);
        sum = decode_csum_add(sum, p->dst.addr.u8, 16);
        sum += len >> 16;
        sum += len & 0xffff;
        sum += proto;
    }
    return sum;
}

/* ------------------------------------------------------------------ */
/* transport                                                           */

/* TCP options, validated as Suricata does: an option whose length is below
 * 2 or runs past the header makes the packet invalid (tcp.opt_invalid_len);
 * a known option with a wrong length is reported (tcp.opt_invalid_len) and
 * ignored; a repeated known option is reported (tcp.opt_duplicate). */
static void decode_tcp_options(struct decode_thread_ctx *ctx, struct packet *p, const uint8_t *o,
                               uint32_t len)
{
    uint64_t seen = 0; /* bit per validated option kind (all below 64) */
    while (len > 0) {
        uint8_t kind = o[0];
        if (kind == 0) /* EOL */
            break;
        if (kind == 1) { /* NOP */
            o++;
            len--;
            continue;
        }
        if (len < 2 || o[1] < 2 || o[1] > len) {
            decode_invalid(ctx, p, DECODE_EVENT_TCP_OPT_INVALID_LEN);
            return;
        }
        uint8_t olen = o[1];
        bool ok;
        switch (kind) {
        case 2: /* MSS */
            ok = olen == 4;
            break;
        case 3: /* window scale */
            ok = olen == 3;
            break;
        case 4: /* SACK permitted */
            ok = olen == 2;
            break;
        case 5: /* SACK: 1 to 4 blocks (an empty option is tolerated) */
            ok = olen == 2 || (olen >= 10 && olen <= 34 && (olen - 2) % 8 == 0);
            break;
        case 8: /* timestamps */
            ok = olen == 10;
            break;
        case 34: /* TCP Fast Open: empty (cookie request) or a 4..16 byte even cookie */
            ok = olen == 2 || (olen >= 6 && olen <= 18 && (olen & 1) == 0);
            break;
        case 253:
        case 254: /* experimental; magic 0xF989 is the pre-assignment TFO */
            ok = olen == 4 || olen == 12;
            if (ok && decode_rd16(o + 2) == 0xf989) {
                if (p->flags & PACKET_FLAG_HAS_TCP_TFO)
                    decode_event_set(ctx, p, DECODE_EVENT_TCP_OPT_DUPLICATE);
                p->flags |= PACKET_FLAG_HAS_TCP_TFO;
            }
            if (!ok)
                decode_event_set(ctx, p, DECODE_EVENT_TCP_OPT_INVALID_LEN);
            o += olen;
            len -= olen;
            continue;
        case 19: /* MD5 signature (RFC 2385) */
        case 29: /* TCP-AO (RFC 5925) */
            if ((kind == 19 && olen != 18) || (kind == 29 && olen < 4)) {
                decode_invalid(ctx, p, DECODE_EVENT_TCP_OPT_INVALID_LEN);
                return;
            }
            o += olen;
            len -= olen;
            continue;
        default: /* not interpreted */
            o += olen;
            len -= olen;
            continue;
        }
        if (!ok) {
            decode_event_set(ctx, p, DECODE_EVENT_TCP_OPT_INVALID_LEN);
        } else if (seen & (1ull << kind)) {
            decode_event_set(ctx, p, DECODE_EVENT_TCP_OPT_DUPLICATE);
        } else {
            seen |= 1ull << kind;
            switch (kind) {
            case 2:
                p->tcp_mss = decode_rd16(o + 2);
                p->flags |= PACKET_FLAG_HAS_TCP_MSS;
                break;
            case 3:
                p->tcp_wscale = o[2];
                p->flags |= PACKET_FLAG_HAS_TCP_WSCALE;
                break;
            case 4:
                p->flags |= PACKET_FLAG_HAS_TCP_SACKOK;
                break;
            case 5:
                p->flags |= PACKET_FLAG_HAS_TCP_SACK;
                break;
            case 8:
                p->tcp_tsval = decode_rd32(o + 2);
                p->tcp_tsecr = decode_rd32(o + 6);
                p->flags |= PACKET_FLAG_HAS_TCP_TIMESTAMP;
                break;
            case 34:
                p->flags |= PACKET_FLAG_HAS_TCP_TFO;
                break;
            default:
                break;
            }
        }
        o += olen;
        len -= olen;
    }
}

static void decode_tcp(struct decode_thread_ctx *ctx, struct packet *p, const uint8_t *d,
                       uint32_t len)
{
    if (len < 20) {
        decode_invalid(ctx, p, DECODE_EVENT_TCP_PKT_TOO_SMALL);
        return;
    }
    uint32_t hlen = (uint32_t)(d[12] >> 4) * 4;
    if (hlen > len) { /* Suricata's names: header longer than the segment */
        decode_invalid(ctx, p, DECODE_EVENT_TCP_HLEN_TOO_SMALL);
        return;
    }
    if (hlen < 20) { /* a data offset below 5: the option length is negative */
        decode_invalid(ctx, p, DECODE_EVENT_TCP_INVALID_OPTLEN);
        return;
    }
    ctx->stats.tcp++;
    p->src_port = decode_rd16(d);
    p->dst_port = decode_rd16(d + 2);
    p->tcp_seq = decode_rd32(d + 4);
    p->tcp_ack = decode_rd32(d + 8);
    p->tcp_flags = d[13];
    p->tcp_window = decode_rd16(d + 14);
    p->tcp_urgent = decode_rd16(d + 18);
    p->l4 = d;
    p->l4_len = len;
    p->payload = d + hlen;
    p->payload_len = len - hlen;
    if (hlen > 20)
        decode_tcp_options(ctx, p, d + 20, hlen - 20);
    if (ctx->cfg.checksum_validate && !(p->flags & PACKET_FLAG_TRUNCATED)) {
        uint64_t sum = decode_csum_add(decode_pseudo_sum(p, 6, len), d, len);
        if (decode_csum_fold(sum) != 0) {
            p->flags |= PACKET_FLAG_TCP_CSUM_BAD;
            decode_event_set(ctx, p, DECODE_EVENT_TCP_CHECKSUM_INVALID);
        }
    }
}

static void decode_udp_tunnels(struct decode_thread_ctx *ctx, struct packet *p);

static void decode_udp(struct decode_thread_ctx *ctx, struct packet *p, const uint8_t *d,
                       uint32_t len)
{
    if (len < 8) {
        decode_invalid(ctx, p, DECODE_EVENT_UDP_HLEN_TOO_SMALL);
        return;
    }
    uint32_t ulen = decode_rd16(d + 4);
    bool truncated = (p->flags & PACKET_FLAG_TRUNCATED) != 0;
    if (ulen > len && truncated) {
        ulen = len; /* cut short by the capture: decode what is there */
    } else if (ulen > len) {
        decode_invalid(ctx, p, DECODE_EVENT_UDP_PKT_TOO_SMALL);
        return;
    }
    if (ulen < 8) { /* a length below the IP payload is fine: trailing bytes are ignored */
        decode_invalid(ctx, p, DECODE_EVENT_UDP_LEN_INVALID);
        return;
    }
    ctx->stats.udp++;
    p->src_port = decode_rd16(d);
    p->dst_port = decode_rd16(d + 2);
    p->l4 = d;
    p->l4_len = ulen;
    p->payload = d + 8;
    p->payload_len = ulen - 8;
    uint16_t stored = decode_rd16(d + 6);
    if (ctx->cfg.checksum_validate && !truncated && !(p->ip_version == 4 && stored == 0)) {
        uint64_t sum = decode_csum_add(decode_pseudo_sum(p, 17, ulen), d, ulen);
        if (decode_csum_fold(sum) != 0) {
            p->flags |= PACKET_FLAG_UDP_CSUM_BAD;
            decode_event_set(ctx, p, DECODE_EVENT_UDP_CHECKSUM_INVALID);
        }
    }
    decode_udp_tunnels(ctx, p);
}

#define SCTP_MAX_CHUNKS 32
#define SCTP_MAX_DATA_CHUNKS 16

/* SCTP: common header (ports, verification tag) and a walk over the chunk
 * headers for Suricata's SCTP anomalies. Chunk lengths exclude the padding
 * to a multiple of 4 that follows each chunk. */
static void decode_sctp(struct decode_thread_ctx *ctx, struct packet *p, const uint8_t *d,
                        uint32_t len)
{
    if (len < 12) {
        decode_invalid(ctx, p, DECODE_EVENT_SCTP_PKT_TOO_SMALL);
        return;
    }
    ctx->stats.sctp++;
    p->src_port = decode_rd16(d);
    p->dst_port = decode_rd16(d + 2);
    p->l4 = d;
    p->l4_len = len;
    p->payload = d + 12;
    p->payload_len = len - 12;
    uint32_t vtag = decode_rd32(d + 4);
    uint32_t off = 12, chunks = 0, data_chunks = 0;
    bool has_init = false;
    while (off < len) {
        if (len - off < 4) {
            decode_invalid(ctx, p, DECODE_EVENT_SCTP_CHUNK_TOO_SMALL);
            return;
        }
        uint8_t type = d[off];
        uint32_t clen = decode_rd16(d + off + 2);
        if (clen < 4 || clen > len - off) {
            decode_invalid(ctx, p, DECODE_EVENT_SCTP_CHUNK_LEN_INVALID);
            return;
        }
        if (++chunks > SCTP_MAX_CHUNKS) {
            decode_event_set(ctx, p, DECODE_EVENT_SCTP_TOO_MANY_CHUNKS);
            return;
        }
        if (type == 0) {                       /* DATA */
            if (vtag == 0 && data_chunks == 0) /* once per packet */
                decode_event_set(ctx, p, DECODE_EVENT_SCTP_DATA_WITH_ZERO_VTAG);
            if (++data_chunks > SCTP_MAX_DATA_CHUNKS) {
                decode_event_set(ctx, p, DECODE_EVENT_SCTP_TOO_MANY_DATA_CHUNKS);
                return;
            }
        } else if (type == 1) { /* INIT: must be alone, with a zero tag */
            has_init = true;
            if (vtag != 0)
                decode_event_set(ctx, p, DECODE_EVENT_SCTP_INIT_WITH_NON_ZERO_VTAG);
        }
        off += (clen + 3) & ~3u;
    }
    if (has_init && chunks > 1)
        decode_event_set(ctx, p, DECODE_EVENT_SCTP_INIT_CHUNK_BUNDLED);
}

/* Reads the transport ports at the start of a quoted packet's L4 header. */
static void decode_icmp_inner_ports(struct packet *p, uint8_t proto, const uint8_t *l4,
                                    uint32_t avail)
{
    p->icmp_inner_proto = proto;
    if ((proto == 6 || proto == 17 || proto == 132) && avail >= 4) {
        p->icmp_inner_src_port = decode_rd16(l4);
        p->icmp_inner_dst_port = decode_rd16(l4 + 2);
    }
}

static void decode_icmpv4(struct decode_thread_ctx *ctx, struct packet *p, const uint8_t *d,
                          uint32_t len)
{
    if (len < 8) {
        decode_invalid(ctx, p, DECODE_EVENT_ICMPV4_PKT_TOO_SMALL);
        return;
    }
    ctx->stats.icmpv4++;
    uint8_t type = d[0], code = d[1];
    p->icmp_type = type;
    p->icmp_code = code;
    p->l4 = d;
    p->l4_len = len;
    p->payload = d + 8;
    p->payload_len = len - 8;
    uint8_t max_code = 0;
    bool error = false, known = true;
    switch (type) {
    case 0:
    case 8:
    case 13:
    case 14:
    case 15:
    case 16:
        p->icmp_id = decode_rd16(d + 4);
        p->icmp_seq = decode_rd16(d + 6);
        break;
    case 3:
        max_code = 15;
        error = true;
        break;
    case 4:
        error = true;
        break;
    case 5:
        max_code = 3;
        error = true;
        break;
    case 11:
        max_code = 1;
        error = true;
        break;
    case 12:
        max_code = 2;
        error = true;
        break;
    case 9:
    case 10:
    case 17:
    case 18:
        max_code = type == 9 ? 16 : 0;
        break;
    default:
        known = false;
        break;
    }
    if (!known)
        decode_event_set(ctx, p, DECODE_EVENT_ICMPV4_UNKNOWN_TYPE);
    else if (code > max_code)
        decode_event_set(ctx, p, DECODE_EVENT_ICMPV4_UNKNOWN_CODE);
    if (error) {
        const uint8_t *in = d + 8;
        uint32_t ilen = len - 8;
        if (ilen < 20) {
            decode_event_set(ctx, p, DECODE_EVENT_ICMPV4_IPV4_TRUNC_PKT);
        } else if ((in[0] >> 4) != 4) {
            decode_event_set(ctx, p, DECODE_EVENT_ICMPV4_IPV4_UNKNOWN_VER);
        } else {
            uint32_t ihl = (uint32_t)(in[0] & 0x0f) * 4;
            decode_set_ipv4_addr(&p->icmp_inner_src, in + 12);
            decode_set_ipv4_addr(&p->icmp_inner_dst, in + 16);
            if (ihl >= 20 && ihl <= ilen)
                decode_icmp_inner_ports(p, in[9], in + ihl, ilen - ihl);
            else
                p->icmp_inner_proto = in[9];
        }
    }
    if (ctx->cfg.checksum_validate && !(p->flags & PACKET_FLAG_TRUNCATED)) {
        if (decode_csum_fold(decode_csum_add(0, d, len)) != 0) {
            p->flags |= PACKET_FLAG_ICMP_CSUM_BAD;
            decode_event_set(ctx, p, DECODE_EVENT_ICMPV4_CHECKSUM_INVALID);
        }
    }
}

static void decode_icmpv6(struct decode_thread_ctx *ctx, struct packet *p, const uint8_t *d,
                          uint32_t len)
{
    if (len < 8) {
        decode_invalid(ctx, p, DECODE_EVENT_ICMPV6_PKT_TOO_SMALL);
        return;
    }
    ctx->stats.icmpv6++;
    uint8_t type = d[0], code = d[1];
    p->icmp_type = type;
    p->icmp_code = code;
    p->l4 = d;
    p->l4_len = len;
    p->payload = d + 8;
    p->payload_len = len - 8;
    int max_code = 0; /* -1: any code */
    bool error = false;
    switch (type) {
    case 1:
        max_code = 7;
        error = true;
        break;
    case 2:
        error = true;
        break;
    case 3:
        max_code = 1;
        error = true;
        break;
    case 4:
        max_code = 3;
        error = true;
        break;
    case 128:
    case 129:
        p->icmp_id = decode_rd16(d + 4);
        p->icmp_seq = decode_rd16(d + 6);
        break;
    case 130:
    case 131:
    case 132:
    case 143:
        if (p->ttl != 1)
            decode_event_set(ctx, p, DECODE_EVENT_ICMPV6_MLD_MESSAGE_WITH_INVALID_HL);
        break;
    case 100:
    case 101:
    case 200:
    case 201:
        decode_event_set(ctx, p, DECODE_EVENT_ICMPV6_EXPERIMENTATION_TYPE);
        max_code = -1;
        break;
    default:
        if (type >= 133 && type <= 161) {
            max_code = (type == 138 || type == 139 || type == 140) ? -1 : 0;
            if (type == 138 && code != 0 && code != 1 && code != 255)
                decode_event_set(ctx, p, DECODE_EVENT_ICMPV6_UNKNOWN_CODE);
        } else if (type == 127 || type == 255) {
            decode_event_set(ctx, p, DECODE_EVENT_ICMPV6_UNKNOWN_TYPE);
            max_code = -1;
        } else {
            decode_event_set(ctx, p, DECODE_EVENT_ICMPV6_UNASSIGNED_TYPE);
            max_code = -1;
        }
        break;
    }
    if (max_code >= 0 && code > max_code)
        decode_event_set(ctx, p, DECODE_EVENT_ICMPV6_UNKNOWN_CODE);
    if (error) {
        const uint8_t *in = d + 8;
        uint32_t ilen = len - 8;
        if (ilen < 40) {
            decode_event_set(ctx, p, DECODE_EVENT_ICMPV6_IPV6_TRUNC_PKT);
        } else if ((in[0] >> 4) != 6) {
            decode_event_set(ctx, p, DECODE_EVENT_ICMPV6_IPV6_UNKNOWN_VERSION);
        } else {
            decode_set_ipv6_addr(&p->icmp_inner_src, in + 8);
            decode_set_ipv6_addr(&p->icmp_inner_dst, in + 24);
            uint8_t nh = in[6];
            const uint8_t *q = in + 40;
            uint32_t rem = ilen - 40;
            /* Skip the common extension headers of the quoted packet. */
            for (int i = 0; i < 8; i++) {
                if ((nh == 0 || nh == 43 || nh == 60) && rem >= 8) {
                    uint32_t hl = ((uint32_t)q[1] + 1) * 8;
                    if (hl > rem)
                        break;
                    nh = q[0];
                    q += hl;
                    rem -= hl;
                } else if (nh == 44 && rem >= 8) {
                    nh = q[0];
                    q += 8;
                    rem -= 8;
                } else {
                    break;
                }
            }
            decode_icmp_inner_ports(p, nh, q, rem);
        }
    }
    if (ctx->cfg.checksum_validate && !(p->flags & PACKET_FLAG_TRUNCATED)) {
        uint64_t sum = decode_csum_add(decode_pseudo_sum(p, 58, len), d, len);
        if (decode_csum_fold(sum) != 0) {
            p->flags |= PACKET_FLAG_ICMP_CSUM_BAD;
            decode_event_set(ctx, p, DECODE_EVENT_ICMPV6_CHECKSUM_INVALID);
        }
    }
}

/* ------------------------------------------------------------------ */
/* tunnels                                                             */

static void decode_erspan(struct decode_thread_ctx *ctx, struct packet *p, int erspan_type,
                          const uint8_t *d, uint32_t len)
{
    ctx->stats.erspan++;
    if (erspan_type == 1) {
        decode_ethernet(ctx, p, d, len);
        return;
    }
    uint32_t hlen = erspan_type == 2 ? 8 : 12;
    if (len < hlen) {
        decode_invalid(ctx, p, DECODE_EVENT_ERSPAN_HEADER_TOO_SMALL);
        return;
    }
    uint8_t ver = d[0] >> 4;
    if ((erspan_type == 2 && ver != 1) || (erspan_type == 3 && ver != 2)) {
        decode_invalid(ctx, p, DECODE_EVENT_ERSPAN_UNSUPPORTED_VERSION);
        return;
    }
    if (erspan_type == 3 && (d[11] & 0x01)) { /* optional platform-specific subheader */
        hlen += 8;
        if (len < hlen) {
            decode_invalid(ctx, p, DECODE_EVENT_ERSPAN_HEADER_TOO_SMALL);
            return;
        }
    }
    uint16_t vlan = decode_rd16(d) & 0x0fff;
    if (vlan != 0) {
        if (p->vlan_count >= PACKET_MAX_VLANS) {
            decode_invalid(ctx, p, DECODE_EVENT_ERSPAN_TOO_MANY_VLAN_LAYERS);
            return;
        }
        p->vlan_id[p->vlan_count++] = vlan;
    }
    decode_ethernet(ctx, p, d + hlen, len - hlen);
}

static void decode_gre(struct decode_thread_ctx *ctx, struct packet *p, const uint8_t *d,
                       uint32_t len)
{
    if (len < 4) {
        decode_invalid(ctx, p, DECODE_EVENT_GRE_PKT_TOO_SMALL);
        return;
    }
    ctx->stats.gre++;
    uint16_t fl = decode_rd16(d);
    uint16_t proto = decode_rd16(d + 2);
    uint8_t version = fl & 0x0007;
    uint32_t hlen = 4;
    p->l4 = d;
    p->l4_len = len;
    if (version == 0) {
        if (fl & 0x0700) {
            decode_invalid(ctx, p, DECODE_EVENT_GRE_VERSION0_RECUR);
            return;
        }
        if (fl & 0x00f8) {
            decode_invalid(ctx, p, DECODE_EVENT_GRE_VERSION0_FLAGS);
            return;
        }
        if (fl & 0x8000 || fl & 0x4000) /* checksum or routing: 4 bytes */
            hlen += 4;
        if (fl & 0x2000) /* key */
            hlen += 4;
        if (fl & 0x1000) /* sequence */
            hlen += 4;
        if (hlen > len) {
            decode_invalid(ctx, p, DECODE_EVENT_GRE_VERSION0_HDR_TOO_BIG);
            return;
        }
        if (fl & 0x4000) { /* source route entries, ended by a null entry */
            for (;;) {
                if (hlen + 4 > len) {
                    decode_invalid(ctx, p, DECODE_EVENT_GRE_VERSION0_HDR_TOO_BIG);
                    return;
                }
                uint8_t sre_len = d[hlen + 3];
                uint16_t af = decode_rd16(d + hlen);
                hlen += 4;
                if (af == 0 && sre_len == 0)
                    break;
                hlen += sre_len;
            }
        }
    } else if (version == 1) {
        if (fl & 0x8000) {
            decode_invalid(ctx, p, DECODE_EVENT_GRE_VERSION1_CHKSUM);
            return;
        }
        if (fl & 0x4000) {
            decode_invalid(ctx, p, DECODE_EVENT_GRE_VERSION1_ROUTE);
            return;
        }
        if (fl & 0x0800) {
            decode_invalid(ctx, p, DECODE_EVENT_GRE_VERSION1_SSR);
            return;
        }
        if (fl & 0x0700) {
            decode_invalid(ctx, p, DECODE_EVENT_GRE_VERSION1_RECUR);
            return;
        }
        if (fl & 0x0078) {
            decode_invalid(ctx, p, DECODE_EVENT_GRE_VERSION1_FLAGS);
            return;
        }
        if (!(fl & 0x2000)) {
            decode_invalid(ctx, p, DECODE_EVENT_GRE_VERSION1_NO_KEY);
            return;
        }
        if (proto != ETHERTYPE_PPP) {
            decode_invalid(ctx, p, DECODE_EVENT_GRE_VERSION1_WRONG_PROTOCOL);
            return;
        }
        hlen = 8 + ((fl & 0x1000) ? 4 : 0) + ((fl & 0x0080) ? 4 : 0);
        if (hlen > len) {
            decode_invalid(ctx, p, DECODE_EVENT_GRE_VERSION1_HDR_TOO_BIG);
            return;
        }
        /* PPTP's enhanced GRE carries PPP (GRE v1 with a key); an
         * acknowledgement alone carries nothing. */
        if (hlen == len)
            return;
        if (!decode_tunnel_enter(ctx, p, DECODE_TUNNEL_GRE))
            return;
        p->gre_proto = proto;
        decode_ppp(ctx, p, d + hlen, len - hlen);
        return;
    } else {
        decode_invalid(ctx, p, DECODE_EVENT_GRE_WRONG_VERSION);
        return;
    }
    const uint8_t *in = d + hlen;
    uint32_t ilen = len - hlen;
    switch (proto) {
    case ETHERTYPE_IPV4:
    case ETHERTYPE_IPV6:
    case ETHERTYPE_TEB:
    case ETHERTYPE_MPLS_UC:
    case ETHERTYPE_MPLS_MC:
    case ETHERTYPE_VLAN:
    case ETHERTYPE_QINQ:
        if (!decode_tunnel_enter(ctx, p, DECODE_TUNNEL_GRE))
            return;
        p->gre_proto = proto;
        if (proto == ETHERTYPE_TEB)
            decode_ethernet(ctx, p, in, ilen);
        else
            decode_network(ctx, p, proto, in, ilen);
        return;
    case ETHERTYPE_PPP:
        if (!decode_tunnel_enter(ctx, p, DECODE_TUNNEL_GRE))
            return;
        p->gre_proto = proto;
        decode_ppp(ctx, p, in, ilen);
        return;
    case ETHERTYPE_ERSPAN_2:
    case ETHERTYPE_ERSPAN_3:
        if (!decode_tunnel_enter(ctx, p, DECODE_TUNNEL_ERSPAN))
            return;
        p->gre_proto = proto;
        decode_erspan(ctx, p, proto == ETHERTYPE_ERSPAN_3 ? 3 : ((fl & 0x1000) ? 2 : 1), in, ilen);
        return;
    default:
        p->payload = in;
        p->payload_len = ilen;
        return;
    }
}

static void decode_vxlan(struct decode_thread_ctx *ctx, struct packet *p)
{
    const uint8_t *d = p->payload;
    uint32_t len = p->payload_len;
    /* Flags must be exactly "VNI present"; reserved bytes zero. Anything else
     * is left as plain UDP, as Suricata does. */
    if (len < 8 + 14 || d[0] != 0x08 || d[1] != 0 || d[2] != 0 || d[3] != 0 || d[7] != 0)
        return;
    uint16_t et = decode_rd16(d + 8 + 12);
    if (!decode_tunnel_enter(ctx, p, DECODE_TUNNEL_VXLAN))
        return;
    ctx->stats.vxlan++;
    if (et != ETHERTYPE_IPV4 && et != ETHERTYPE_IPV6 && et != ETHERTYPE_VLAN &&
        et != ETHERTYPE_QINQ && et != ETHERTYPE_ARP && et != ETHERTYPE_MPLS_UC)
        decode_event_set(ctx, p, DECODE_EVENT_VXLAN_UNKNOWN_PAYLOAD_TYPE);
    decode_ethernet(ctx, p, d + 8, len - 8);
}

static void decode_geneve(struct decode_thread_ctx *ctx, struct packet *p)
{
    const uint8_t *d = p->payload;
    uint32_t len = p->payload_len;
    if (len < 8 || (d[0] >> 6) != 0) /* version 0 only */
        return;
    uint32_t hlen = 8 + (uint32_t)(d[0] & 0x3f) * 4;
    if (hlen > len)
        return;
    uint16_t proto = decode_rd16(d + 2);
    if (proto != ETHERTYPE_TEB && proto != ETHERTYPE_IPV4 && proto != ETHERTYPE_IPV6) {
        decode_event_set(ctx, p, DECODE_EVENT_GENEVE_UNKNOWN_PAYLOAD_TYPE);
        return;
    }
    if (!decode_tunnel_enter(ctx, p, DECODE_TUNNEL_GENEVE))
        return;
    ctx->stats.geneve++;
    if (proto == ETHERTYPE_TEB)
        decode_ethernet(ctx, p, d + hlen, len - hlen);
    else
        decode_network(ctx, p, proto, d + hlen, len - hlen);
}

/* Teredo (RFC 4380): optional authentication and origin indication headers,
 * then an IPv6 packet that must fill the UDP payload exactly; bubbles (no
 * next header, empty payload) are not tunnelled traffic. */
static void decode_teredo(struct decode_thread_ctx *ctx, struct packet *p)
{
    const uint8_t *d = p->payload;
    uint32_t len = p->payload_len;
    uint32_t off = 0;
    if (len >= 2 && d[0] == 0 && d[1] == 1) { /* authentication */
        if (len < 4)
            return;
        uint32_t alen = 4u + d[2] + d[3] + 8 + 1;
        if (alen > len)
            return;
        off = alen;
    }
    if (len >= off + 2 && d[off] == 0 && d[off + 1] == 0) /* origin indication */
        off += 8;
    if (len < off + 40)
        return;
    const uint8_t *ip6 = d + off;
    if ((ip6[0] >> 4) != 6)
        return;
    uint32_t plen = decode_rd16(ip6 + 4);
    if (ip6[6] == 59 && plen == 0)
        return;
    if (off + 40 + plen != len)
        return;
    if (!decode_tunnel_enter(ctx, p, DECODE_TUNNEL_TEREDO))
        return;
    ctx->stats.teredo++;
    decode_ipv6(ctx, p, ip6, len - off);
}

/* GTP-U (3GPP TS 29.281): an 8-byte header (version 1, protocol type GTP),
 * optional sequence/N-PDU/next-extension fields when E, S or PN is set, a
 * chain of extension headers (length in 4-byte units, last byte naming the
 * next), then for a G-PDU (type 255) the subscriber's IPv4 or IPv6 packet.
 * Signalling (echo, error indication, end marker) and anything malformed
 * stay plain UDP, so a non-GTP service on the port loses nothing. */
static void decode_gtpu(struct decode_thread_ctx *ctx, struct packet *p)
{
    const uint8_t *d = p->payload;
    uint32_t len = p->payload_len;
    if (len < 8 || (d[0] >> 5) != 1 || !(d[0] & 0x10) || d[1] != 255)
        return;
    uint32_t glen = decode_rd16(d + 2);
    if (8 + glen > len)
        return;
    len = 8 + glen; /* bytes after the G-PDU belong to nothing */
    uint32_t off = 8;
    if (d[0] & 0x07) {
        if (len < 12)
            return;
        off = 12;
        uint8_t next = (d[0] & 0x04) ? d[11] : 0;
        for (int n = 0; next != 0; n++) {
            if (n >= 16 || off >= len)
                return; /* a chain this long is not a real header */
            uint32_t elen = (uint32_t)d[off] * 4;
            if (elen == 0 || off + elen > len)
                return;
            next = d[off + elen - 1];
            off += elen;
        }
    }
    if (off >= len)
        return;
    uint8_t ipv = d[off] >> 4;
    if (ipv != 4 && ipv != 6)
        return;
    uint8_t layers = p->outer_count;
    if (!decode_tunnel_enter(ctx, p, DECODE_TUNNEL_GTPU))
        return;
    if (p->outer_count > layers) {
        p->outer[p->outer_count - 1].tunnel_hdr = d;
        p->outer[p->outer_count - 1].tunnel_hdr_len = (uint16_t)off;
    }
    ctx->stats.gtpu++;
    if (ipv == 4)
        decode_ipv4(ctx, p, d + off, len - off);
    else
        decode_ipv6(ctx, p, d + off, len - off);
}

static void decode_udp_tunnels(struct decode_thread_ctx *ctx, struct packet *p)
{
    uint16_t sp = p->src_port, dp = p->dst_port;
    if (ctx->cfg.gtpu_port && (dp == ctx->cfg.gtpu_port || sp == ctx->cfg.gtpu_port)) {
        decode_gtpu(ctx, p);
        return;
    }
    if (ctx->cfg.vxlan_port && dp == ctx->cfg.vxlan_port)
        decode_vxlan(ctx, p);
    else if (ctx->cfg.geneve_port && dp == ctx->cfg.geneve_port)
        decode_geneve(ctx, p);
    else if (ctx->cfg.teredo_port && (dp == ctx->cfg.teredo_port || sp == ctx->cfg.teredo_port))
        decode_teredo(ctx, p);
}

/* Dispatches an IP payload by protocol number. */
static void decode_ip_payload(struct decode_thread_ctx *ctx, struct packet *p, uint8_t proto,
                              const uint8_t *d, uint32_t len)
{
    p->proto = proto;
    switch (proto) {
    case 6:
        decode_tcp(ctx, p, d, len);
        return;
    case 17:
        decode_udp(ctx, p, d, len);
        return;
    case 1:
        if (p->ip_version == 6) { /* reported, not decoded (as Suricata) */
            decode_event_set(ctx, p, DECODE_EVENT_IPV6_ICMPV4);
            return;
        }
        decode_icmpv4(ctx, p, d, len);
        return;
    case 58:
        if (p->ip_version == 4) {
            decode_invalid(ctx, p, DECODE_EVENT_IPV4_ICMPV6);
            return;
        }
        decode_icmpv6(ctx, p, d, len);
        return;
    case 132:
        decode_sctp(ctx, p, d, len);
        return;
    case 47:
        decode_gre(ctx, p, d, len);
        return;
    case 4: { /* IPv4 in IPv4 / IPv6 */
        bool outer6 = p->ip_version == 6;
        if (outer6 && len < 20) {
            decode_invalid(ctx, p, DECODE_EVENT_IPV6_IPV4_IN_IPV6_TOO_SMALL);
            return;
        }
        if (outer6 && len > 0 && (d[0] >> 4) != 4) {
            decode_invalid(ctx, p, DECODE_EVENT_IPV6_IPV4_IN_IPV6_WRONG_VERSION);
            return;
        }
        if (!decode_tunnel_enter(ctx, p, DECODE_TUNNEL_IPIP))
            return;
        if (outer6)
            ctx->stats.ipv4_in_ipv6++;
        else
            ctx->stats.ipv4_in_ipv4++;
        decode_ipv4(ctx, p, d, len);
        return;
    }
    case 41: { /* IPv6 in IPv4 (6in4) / IPv6 */
        bool outer6 = p->ip_version == 6;
        if (outer6 && len < 40) {
            decode_invalid(ctx, p, DECODE_EVENT_IPV6_IPV6_IN_IPV6_TOO_SMALL);
            return;
        }
        if (outer6 && (d[0] >> 4) != 6) {
            decode_invalid(ctx, p, DECODE_EVENT_IPV6_IPV6_IN_IPV6_WRONG_VERSION);
            return;
        }
        if (!decode_tunnel_enter(ctx, p, DECODE_TUNNEL_IPIP))
            return;
        if (outer6)
            ctx->stats.ipv6_in_ipv6++;
        else
            ctx->stats.ipv6_in_ipv4++;
        decode_ipv6(ctx, p, d, len);
        return;
    }
    default:
        ctx->stats.other_ip++;
        p->l4 = d;
        p->l4_len = len;
        p->payload = d;
        p->payload_len = len;
        return;
    }
}

/* Protocol numbers IANA has not assigned (143-252); 253/254 are for
 * experiments and 255 is reserved. */
static bool decode_ip_proto_unassigned(uint8_t proto)
{
    return proto >= 143 && proto != 253 && proto != 254;
}

/* ------------------------------------------------------------------ */
/* IPv4                                                                */

/* Parses and validates IPv4 options with Suricata's rules, so that the same
 * decode-event rules fire: the option area should be a multiple of 8 bytes
 * (opt_pad_required, a warning), a truncated multi-byte option needs an
 * EOL (opt_eol_required), a length past the area is fatal (opt_invalid_len),
 * a known option with a bad length or pointer makes the packet invalid
 * (opt_invalid_len / opt_invalid) and is not recorded in ipv4_options, and
 * an unknown option is only reported (opt_invalid). Returns false if the
 * packet is invalid. */
static bool decode_ipv4_options(struct decode_thread_ctx *ctx, struct packet *p, const uint8_t *o,
                                uint32_t len)
{
    uint16_t seen = 0;
    bool valid = true;
    if (len % 8)
        decode_event_set(ctx, p, DECODE_EVENT_IPV4_OPT_PAD_REQUIRED);
    while (len > 0) {
        uint8_t type = o[0];
        if (type == 0) { /* EOL */
            p->ipv4_options |= IPV4_OPTION_EOL;
            break;
        }
        if (type == 1) {
            p->ipv4_options |= IPV4_OPTION_NOP;
            o++;
            len--;
            continue;
        }
        if (len < 2) {
            decode_event_set(ctx, p, DECODE_EVENT_IPV4_OPT_EOL_REQUIRED);
            break;
        }
        uint8_t olen = o[1];
        if (olen < 2 || olen > len) {
            decode_invalid(ctx, p, DECODE_EVENT_IPV4_OPT_INVALID_LEN);
            return false;
        }
        uint16_t bit = 0;
        enum decode_event bad = DECODE_EVENT_MAX;
        switch (type) {
        case 0x07: /* record route */
        case 0x83: /* loose source route */
        case 0x89: /* strict source route */
            bit = type == 0x07 ? IPV4_OPTION_RR
                               : (type == 0x83 ? IPV4_OPTION_LSRR : IPV4_OPTION_SSRR);
            if (olen < 3)
                bad = DECODE_EVENT_IPV4_OPT_INVALID_LEN;
            else if (o[2] < 4 || (o[2] % 4) != 0 || o[2] > (uint32_t)olen + 1)
                bad = DECODE_EVENT_IPV4_OPT_INVALID; /* pointer on an address slot */
            break;
        case 0x44: /* timestamp */
            bit = IPV4_OPTION_TS;
            if (olen < 5) {
                bad = DECODE_EVENT_IPV4_OPT_INVALID_LEN;
            } else {
                uint8_t flag = o[3] & 0x0f;
                uint32_t rec = flag == 0 ? 4 : 8;
                if (o[2] < 5 || o[2] > (uint32_t)olen + 1 ||
                    (flag != 0 && flag != 1 && flag != 3) || (o[2] - 5) % rec != 0)
                    bad = DECODE_EVENT_IPV4_OPT_INVALID;
            }
            break;
        case 0x19: /* quick-start */
            bit = IPV4_OPTION_QS;
            if (olen < 8)
                bad = DECODE_EVENT_IPV4_OPT_INVALID_LEN;
            break;
        case 0x88: /* stream id */
            bit = IPV4_OPTION_SATID;
            if (olen != 4)
                bad = DECODE_EVENT_IPV4_OPT_INVALID_LEN;
            break;
        case 0x82: /* security (RFC 1108) */
            bit = IPV4_OPTION_SEC;
            if (olen != 11)
                bad = DECODE_EVENT_IPV4_OPT_INVALID_LEN;
            break;
        case 0x85: /* extended security: not validated by Suricata either */
            bit = IPV4_OPTION_ESEC;
            break;
        case 0x86: /* CIPSO */
            bit = IPV4_OPTION_CIPSO;
            if (olen < 10)
                bad = DECODE_EVENT_IPV4_OPT_INVALID_LEN;
            break;
        case 0x94: /* router alert */
            bit = IPV4_OPTION_RTRALT;
            if (olen != 4)
                bad = DECODE_EVENT_IPV4_OPT_INVALID_LEN;
            break;
        default:
            p->ipv4_options |= IPV4_OPTION_UNKNOWN;
            decode_event_set(ctx, p, DECODE_EVENT_IPV4_OPT_INVALID);
            break;
        }
        if (bit != 0) {
            if (seen & bit) {
                decode_event_set(ctx, p, DECODE_EVENT_IPV4_OPT_DUPLICATE);
            } else if (bad != DECODE_EVENT_MAX) {
                decode_invalid(ctx, p, bad);
                valid = false;
            } else {
                p->ipv4_options |= bit;
            }
            seen |= bit;
        }
        o += olen;
        len -= olen;
    }
    return valid;
}

/* Hands a fragment (whose IP header is at d) to the defragmenter and
 * reports its events. True when it completed a datagram: p then describes
 * the reassembled datagram (out, out_len) replacing this IP layer, which the
 * caller decodes. */
static bool defrag_feed(struct decode_thread_ctx *ctx, struct packet *p,
                        const struct defrag_fragment *f, const uint8_t *d,
                        enum decode_event overlap_event, enum decode_event too_large_event,
                        const uint8_t **out, uint32_t *out_len)
{
    uint32_t events = 0;
    *out = NULL;
    *out_len = 0;
    if (ctx->cfg.simulate_defrag_memcap_at && p->pcap_cnt == ctx->cfg.simulate_defrag_memcap_at) {
        /* QA simulation: this fragment meets the memcap (not kept). */
        ctx->stats.frag_memcap_drops++;
        p->exceptions |= PACKET_EXC_DEFRAG_MEMCAP;
        return false;
    }
    enum defrag_result r = defrag_insert(ctx->defrag, f, out, out_len, &events);
    if (events & DEFRAG_EVENT_MEMCAP)
        p->exceptions |= PACKET_EXC_DEFRAG_MEMCAP;
    if (events & DEFRAG_EVENT_OVERLAP)
        decode_event_set(ctx, p, overlap_event);
    if (events & DEFRAG_EVENT_TOO_LARGE)
        decode_invalid(ctx, p, too_large_event);
    if (r != DEFRAG_COMPLETE)
        return false;
    p->flags = (p->flags & ~(uint32_t)PACKET_FLAG_FRAGMENT) | PACKET_FLAG_REASSEMBLED;
    ctx->layers--; /* the reassembled header replaces this one */
    if (d >= p->data && d < p->data + p->caplen)
        p->frame_l3_offset = (uint32_t)(d - p->data);
    return true;
}

static void decode_ipv4_fragment(struct decode_thread_ctx *ctx, struct packet *p, const uint8_t *d,
                                 uint32_t hlen, uint32_t iplen)
{
    ctx->stats.frag_ipv4_fragments++;
    p->flags |= PACKET_FLAG_FRAGMENT;
    struct defrag_fragment f = {
        .family = 4,
        .proto = d[9],
        .tunnel_depth = p->tunnel_depth,
        .vlan0 = p->vlan_count > 0 ? p->vlan_id[0] : 0,
        .vlan1 = p->vlan_count > 1 ? p->vlan_id[1] : 0,
        .id = p->ip_id,
        .src = p->src.addr.u8,
        .dst = p->dst.addr.u8,
        .hdr = d,
        .hdr_len = hlen,
        .data = d + hlen,
        .data_len = iplen - hlen,
        .offset = (uint32_t)p->frag_offset * 8,
        .more = p->frag_more,
        .ts_usec = p->ts_usec,
    };
    const uint8_t *out;
    uint32_t out_len;
    if (defrag_feed(ctx, p, &f, d, DECODE_EVENT_IPV4_FRAG_OVERLAP,
                    DECODE_EVENT_IPV4_FRAG_PKT_TOO_LARGE, &out, &out_len))
        decode_ipv4(ctx, p, out, out_len);
}

static void decode_ipv4(struct decode_thread_ctx *ctx, struct packet *p, const uint8_t *d,
                        uint32_t len)
{
    if (!decode_layer_enter(ctx, p))
        return;
    if (len < 20) {
        decode_invalid(ctx, p, DECODE_EVENT_IPV4_PKT_TOO_SMALL);
        return;
    }
    if ((d[0] >> 4) != 4) {
        decode_invalid(ctx, p, DECODE_EVENT_IPV4_WRONG_IP_VERSION);
        return;
    }
    uint32_t hlen = (uint32_t)(d[0] & 0x0f) * 4;
    if (hlen < 20) {
        decode_invalid(ctx, p, DECODE_EVENT_IPV4_HLEN_TOO_SMALL);
        return;
    }
    uint32_t iplen = decode_rd16(d + 2);
    if (iplen < hlen) {
        decode_invalid(ctx, p, DECODE_EVENT_IPV4_IPLEN_SMALLER_THAN_HLEN);
        return;
    }
    if (len < iplen) {
        /* The datagram is cut short (snaplen, or a damaged capture). Suricata
         * drops such a packet; vigil reports the same anomaly but decodes
         * the bytes that are there, flagged truncated, so the packet still
         * counts in its flow (as tshark counts it). */
        if (len < hlen) {
            decode_invalid(ctx, p, DECODE_EVENT_IPV4_TRUNC_PKT);
            return;
        }
        decode_event_set(ctx, p, DECODE_EVENT_IPV4_TRUNC_PKT);
        p->flags |= PACKET_FLAG_TRUNCATED;
        iplen = len;
    }
    ctx->stats.ipv4++;
    p->ip_version = 4;
    p->tos = d[1];
    p->ip_id = decode_rd16(d + 4);
    uint16_t fo = decode_rd16(d + 6);
    p->frag_reserved = (fo & 0x8000) != 0;
    p->frag_df = (fo & 0x4000) != 0;
    p->frag_more = (fo & 0x2000) != 0;
    p->frag_offset = fo & 0x1fff;
    p->ttl = d[8];
    p->proto = d[9];
    decode_set_ipv4_addr(&p->src, d + 12);
    decode_set_ipv4_addr(&p->dst, d + 16);
    p->l3 = d;
    p->l3_len = iplen;
    if (hlen > 20 && !decode_ipv4_options(ctx, p, d + 20, hlen - 20))
        return;
    if (ctx->cfg.checksum_validate && decode_csum_fold(decode_csum_add(0, d, hlen)) != 0) {
        p->flags |= PACKET_FLAG_IPV4_CSUM_BAD;
        decode_event_set(ctx, p, DECODE_EVENT_IPV4_CHECKSUM_INVALID);
    }
    if (decode_ip_proto_unassigned(d[9]))
        decode_event_set(ctx, p, DECODE_EVENT_IPV4_UNKNOWN_PROTOCOL);
    if (p->frag_more || p->frag_offset) {
        if (p->flags & PACKET_FLAG_TRUNCATED) { /* incomplete data cannot be reassembled */
            ctx->stats.frag_ipv4_fragments++;
            p->flags |= PACKET_FLAG_FRAGMENT | PACKET_FLAG_INVALID;
            return;
        }
        decode_ipv4_fragment(ctx, p, d, hlen, iplen);
        return;
    }
    decode_ip_payload(ctx, p, d[9], d + hlen, iplen - hlen);
}

/* ------------------------------------------------------------------ */
/* IPv6                                                                */

/* Validates the TLV options of a hop-by-hop or destination options header,
 * as Suricata does: Pad1, PadN, router alert, jumbo payload and home address
 * are known, anything else is an unknown option; an option running past the
 * header or too short for its type is invalid_optlen (packet invalid). */
static void decode_ipv6_options(struct decode_thread_ctx *ctx, struct packet *p, const uint8_t *o,
                                uint32_t len, bool hop)
{
    uint32_t pads = 0, others = 0;
    while (len > 0) {
        uint8_t type = o[0];
        if (type == 0) { /* Pad1 */
            pads++;
            o++;
            len--;
            continue;
        }
        if (len < 2 || (uint32_t)o[1] + 2 > len) {
            decode_invalid(ctx, p, DECODE_EVENT_IPV6_EXTHDR_INVALID_OPTLEN);
            return;
        }
        uint8_t olen = o[1];
        uint8_t min = 0;
        switch (type) {
        case 1: /* PadN */
            pads++;
            if (olen == 0)
                decode_event_set(ctx, p, DECODE_EVENT_IPV6_ZERO_LEN_PADN);
            break;
        case 0x05: /* router alert */
            min = 2;
            others++;
            break;
        case 0xc2: /* jumbo payload */
            min = 4;
            others++;
            break;
        case 0xc9: /* home address */
            min = 16;
            others++;
            break;
        default:
            others++;
            decode_event_set(ctx, p,
                             hop ? DECODE_EVENT_IPV6_HOPOPTS_UNKNOWN_OPT
                                 : DECODE_EVENT_IPV6_DSTOPTS_UNKNOWN_OPT);
            break;
        }
        if (olen < min) {
            decode_invalid(ctx, p, DECODE_EVENT_IPV6_EXTHDR_INVALID_OPTLEN);
            return;
        }
        o += (uint32_t)olen + 2;
        len -= (uint32_t)olen + 2;
    }
    if (pads > 0 && others == 0)
        decode_event_set(ctx, p,
                         hop ? DECODE_EVENT_IPV6_HOPOPTS_ONLY_PADDING
                             : DECODE_EVENT_IPV6_DSTOPTS_ONLY_PADDING);
}

/* fh: the fragment header; nh_offset: where, counted from d, the next-header
 * byte naming it is (kept for the reassembled datagram's header chain). */
static void decode_ipv6_fragment(struct decode_thread_ctx *ctx, struct packet *p, const uint8_t *d,
                                 const uint8_t *fh, uint32_t rem, uint32_t nh_offset)
{
    uint16_t offm = decode_rd16(fh + 2);
    uint32_t id = decode_rd32(fh + 4);
    p->flags |= PACKET_FLAG_IPV6_FRAGMENT_HEADER;
    p->frag_offset = offm >> 3;
    p->frag_more = (offm & 1) != 0;
    p->ip_id = (uint16_t)id;
    ctx->stats.frag_ipv6_fragments++;
    p->flags |= PACKET_FLAG_FRAGMENT;
    p->proto = fh[0];
    uint32_t dlen = rem - 8;
    if (p->frag_more && (dlen % 8) != 0) /* RFC 8200: all but the last are 8n bytes */
        decode_event_set(ctx, p, DECODE_EVENT_IPV6_FRAG_INVALID_LENGTH);
    struct defrag_fragment f = {
        .family = 6,
        .proto = fh[0],
        .tunnel_depth = p->tunnel_depth,
        .vlan0 = p->vlan_count > 0 ? p->vlan_id[0] : 0,
        .vlan1 = p->vlan_count > 1 ? p->vlan_id[1] : 0,
        .id = id,
        .src = p->src.addr.u8,
        .dst = p->dst.addr.u8,
        .hdr = d,
        .hdr_len = (uint32_t)(fh - d),
        .nh_offset = nh_offset,
        .data = fh + 8,
        .data_len = dlen,
        .offset = (uint32_t)p->frag_offset * 8,
        .more = p->frag_more,
        .ts_usec = p->ts_usec,
    };
    const uint8_t *out;
    uint32_t out_len;
    if (defrag_feed(ctx, p, &f, d, DECODE_EVENT_IPV6_FRAG_OVERLAP,
                    DECODE_EVENT_IPV6_FRAG_PKT_TOO_LARGE, &out, &out_len))
        decode_ipv6(ctx, p, out, out_len);
}

static void decode_ipv6(struct decode_thread_ctx *ctx, struct packet *p, const uint8_t *d,
                        uint32_t len)
{
    if (!decode_layer_enter(ctx, p))
        return;
    if (len < 40) {
        decode_invalid(ctx, p, DECODE_EVENT_IPV6_PKT_TOO_SMALL);
        return;
    }
    if ((d[0] >> 4) != 6) {
        decode_invalid(ctx, p, DECODE_EVENT_IPV6_WRONG_IP_VERSION);
        return;
    }
    uint32_t plen = decode_rd16(d + 4);
    if (len < 40 + plen) { /* decoded as far as captured, like IPv4 above */
        decode_event_set(ctx, p, DECODE_EVENT_IPV6_TRUNC_PKT);
        p->flags |= PACKET_FLAG_TRUNCATED;
        plen = len - 40;
    }
    ctx->stats.ipv6++;
    p->ip_version = 6;
    p->tos = (uint8_t)(decode_rd16(d) >> 4);
    p->ttl = d[7];
    decode_set_ipv6_addr(&p->src, d + 8);
    decode_set_ipv6_addr(&p->dst, d + 24);
    p->l3 = d;
    p->l3_len = 40 + plen;

    uint8_t nh = d[6];
    uint32_t nh_offset = 6; /* where the byte naming the current header is */
    const uint8_t *q = d + 40;
    uint32_t rem = plen;
    bool seen_hh = false, seen_rh = false, seen_fh = false, seen_ah = false, seen_eh = false;
    int dh_count = 0;
    for (;;) {
        switch (nh) {
        case 0:     /* hop-by-hop */
        case 60:    /* destination options */
        case 43:    /* routing */
        case 135:   /* mobility */
        case 139:   /* HIP */
        case 140: { /* shim6 */
            if (rem < 8) {
                decode_invalid(ctx, p, DECODE_EVENT_IPV6_TRUNC_EXTHDR);
                return;
            }
            uint32_t hl = ((uint32_t)q[1] + 1) * 8;
            if (hl > rem) {
                decode_invalid(ctx, p, DECODE_EVENT_IPV6_TRUNC_EXTHDR);
                return;
            }
            if (nh == 0) {
                if (seen_hh)
                    decode_event_set(ctx, p, DECODE_EVENT_IPV6_EXTHDR_DUPL_HH);
                seen_hh = true;
                decode_ipv6_options(ctx, p, q + 2, hl - 2, true);
            } else if (nh == 60) {
                /* one destination options header may precede the routing
                 * header and one may follow it; a third is a duplicate */
                dh_count++;
                if (dh_count > 2)
                    decode_event_set(ctx, p, DECODE_EVENT_IPV6_EXTHDR_DUPL_DH);
                decode_ipv6_options(ctx, p, q + 2, hl - 2, false);
            } else if (nh == 43) {
                if (seen_rh)
                    decode_event_set(ctx, p, DECODE_EVENT_IPV6_EXTHDR_DUPL_RH);
                seen_rh = true;
                if (q[2] == 0)
                    decode_event_set(ctx, p, DECODE_EVENT_IPV6_RH_TYPE_0);
            }
            nh = q[0];
            nh_offset = (uint32_t)(q - d);
            q += hl;
            rem -= hl;
            continue;
        }
        case 44: /* fragment */
            if (p->flags & PACKET_FLAG_TRUNCATED) {
                ctx->stats.frag_ipv6_fragments++;
                p->flags |= PACKET_FLAG_FRAGMENT | PACKET_FLAG_INVALID;
                return;
            }
            if (rem < 8) {
                decode_invalid(ctx, p, DECODE_EVENT_IPV6_TRUNC_EXTHDR);
                return;
            }
            if (q[1] != 0 || (decode_rd16(q + 2) & 0x0006) != 0)
                decode_event_set(ctx, p, DECODE_EVENT_IPV6_FH_NON_ZERO_RESERVED_FIELD);
            if (!seen_fh && (decode_rd16(q + 2) & 0xfff9) != 0) {
                decode_ipv6_fragment(ctx, p, d, q, rem, nh_offset);
                return;
            }
            /* A second fragment header is skipped, as is an atomic fragment
             * (offset 0, no more fragments): nothing to reassemble. */
            if (seen_fh) {
                decode_event_set(ctx, p, DECODE_EVENT_IPV6_EXTHDR_DUPL_FH);
            } else {
                decode_event_set(ctx, p, DECODE_EVENT_IPV6_EXTHDR_USELESS_FH);
                p->flags |= PACKET_FLAG_IPV6_FRAGMENT_HEADER;
                p->ip_id = (uint16_t)decode_rd32(q + 4);
            }
            seen_fh = true;
            nh = q[0];
            nh_offset = (uint32_t)(q - d);
            q += 8;
            rem -= 8;
            continue;
        case 51: { /* authentication header */
            if (rem < 12) {
                decode_invalid(ctx, p, DECODE_EVENT_IPV6_TRUNC_EXTHDR);
                return;
            }
            uint32_t hl = ((uint32_t)q[1] + 2) * 4;
            if (hl > rem || hl < 12) {
                decode_invalid(ctx, p, DECODE_EVENT_IPV6_TRUNC_EXTHDR);
                return;
            }
            if (seen_ah)
                decode_event_set(ctx, p, DECODE_EVENT_IPV6_EXTHDR_DUPL_AH);
            seen_ah = true;
            if (decode_rd16(q + 2) != 0)
                decode_event_set(ctx, p, DECODE_EVENT_IPV6_EXTHDR_AH_RES_NOT_NULL);
            nh = q[0];
            nh_offset = (uint32_t)(q - d);
            q += hl;
            rem -= hl;
            continue;
        }
        case 50: /* ESP: encrypted from here on */
            if (seen_eh)
                decode_event_set(ctx, p, DECODE_EVENT_IPV6_EXTHDR_DUPL_EH);
            seen_eh = true;
            p->proto = 50;
            ctx->stats.other_ip++;
            p->l4 = q;
            p->l4_len = rem;
            return;
        case 59: /* no next header */
            p->proto = 59;
            if (rem > 0)
                decode_event_set(ctx, p, DECODE_EVENT_IPV6_DATA_AFTER_NONE_HEADER);
            return;
        default:
            if (decode_ip_proto_unassigned(nh))
                decode_event_set(ctx, p, DECODE_EVENT_IPV6_UNKNOWN_NEXT_HEADER);
            decode_ip_payload(ctx, p, nh, q, rem);
            return;
        }
    }
}

/* ------------------------------------------------------------------ */
/* link layer, VLAN, MPLS, PPPoE                                       */

static void decode_vlan(struct decode_thread_ctx *ctx, struct packet *p, const uint8_t *d,
                        uint32_t len)
{
    if (!decode_layer_enter(ctx, p))
        return;
    if (len < 4) {
        decode_invalid(ctx, p, DECODE_EVENT_VLAN_HEADER_TOO_SMALL);
        return;
    }
    if (p->vlan_count >= PACKET_MAX_VLANS) {
        decode_invalid(ctx, p, DECODE_EVENT_VLAN_TOO_MANY_LAYERS);
        return;
    }
    p->vlan_id[p->vlan_count++] = decode_rd16(d) & 0x0fff;
    if (p->vlan_count == 1)
        ctx->stats.vlan++;
    else if (p->vlan_count == 2)
        ctx->stats.vlan_qinq++;
    else
        ctx->stats.vlan_qinqinq++;
    decode_network(ctx, p, decode_rd16(d + 2), d + 4, len - 4);
}

static void decode_mpls(struct decode_thread_ctx *ctx, struct packet *p, const uint8_t *d,
                        uint32_t len)
{
    if (!decode_layer_enter(ctx, p))
        return;
    ctx->stats.mpls++;
    uint32_t label;
    for (;;) {
        if (len < 4) {
            decode_invalid(ctx, p, DECODE_EVENT_MPLS_HEADER_TOO_SMALL);
            return;
        }
        uint32_t e = decode_rd32(d);
        label = e >> 12;
        d += 4;
        len -= 4;
        if (e & 0x100) /* bottom of stack */
            break;
    }
    if (label == 0) { /* IPv4 explicit null */
        decode_ipv4(ctx, p, d, len);
        return;
    }
    if (label == 2) { /* IPv6 explicit null */
        decode_ipv6(ctx, p, d, len);
        return;
    }
    if (label == 1) {
        decode_event_set(ctx, p, DECODE_EVENT_MPLS_BAD_LABEL_ROUTER_ALERT);
        return;
    }
    if (label == 3) {
        decode_event_set(ctx, p, DECODE_EVENT_MPLS_BAD_LABEL_IMPLICIT_NULL);
        return;
    }
    if (label < 16) {
        decode_event_set(ctx, p, DECODE_EVENT_MPLS_BAD_LABEL_RESERVED);
        return;
    }
    /* No protocol field: guess from the first nibble, as Suricata does. */
    if (len < 1) {
        decode_invalid(ctx, p, DECODE_EVENT_MPLS_PKT_TOO_SMALL);
        return;
    }
    switch (d[0] >> 4) {
    case 4:
        decode_ipv4(ctx, p, d, len);
        return;
    case 6:
        decode_ipv6(ctx, p, d, len);
        return;
    case 0: /* pseudowire control word, then Ethernet */
        if (len < 4 + 14) {
            decode_invalid(ctx, p, DECODE_EVENT_MPLS_PKT_TOO_SMALL);
            return;
        }
        decode_ethernet(ctx, p, d + 4, len - 4);
        return;
    default:
        decode_event_set(ctx, p, DECODE_EVENT_MPLS_UNKNOWN_PAYLOAD_TYPE);
        return;
    }
}

/* A PPP frame (link type PPP, PPPoE session, PPTP's GRE): an optional HDLC
 * address/control pair (ff 03), then the protocol, one byte when compressed
 * (RFC 1661 protocol-field compression: an odd first byte) or two. */
static void decode_ppp(struct decode_thread_ctx *ctx, struct packet *p, const uint8_t *d,
                       uint32_t len)
{
    ctx->stats.ppp++;
    if (len >= 2 && d[0] == 0xff && d[1] == 0x03) {
        d += 2;
        len -= 2;
    }
    if (len < 1) {
        decode_invalid(ctx, p, DECODE_EVENT_PPP_PKT_TOO_SMALL);
        return;
    }
    uint16_t proto;
    uint32_t off;
    if (d[0] & 1) {
        proto = d[0];
        off = 1;
    } else {
        if (len < 2) {
            decode_invalid(ctx, p, DECODE_EVENT_PPP_PKT_TOO_SMALL);
            return;
        }
        proto = decode_rd16(d);
        off = 2;
    }
    const uint8_t *in = d + off;
    uint32_t ilen = len - off;
    switch (proto) {
    case 0x0021:
        if (ilen < 20) {
            decode_invalid(ctx, p, DECODE_EVENT_PPP_IP4_PKT_TOO_SMALL);
            return;
        }
        decode_ipv4(ctx, p, in, ilen);
        return;
    case 0x0057:
        if (ilen < 40) {
            decode_invalid(ctx, p, DECODE_EVENT_PPP_IP6_PKT_TOO_SMALL);
            return;
        }
        decode_ipv6(ctx, p, in, ilen);
        return;
    case 0x002d: /* Van Jacobson compressed TCP/IP: not decoded */
        return;
    case 0x002f: /* VJ uncompressed: an IPv4 header whose protocol byte holds the slot */
        if (ilen < 20) {
            decode_invalid(ctx, p, DECODE_EVENT_PPP_VJU_PKT_TOO_SMALL);
            return;
        }
        if ((in[0] >> 4) == 4)
            decode_ipv4(ctx, p, in, ilen);
        return;
    default:
        /* PPP control protocols (LCP 0xc021, IPCP 0x8021, ...) have the
         * high bit set; anything else is a protocol vigil does not decode. */
        if (!(proto & 0x8000))
            decode_event_set(ctx, p, DECODE_EVENT_PPP_UNSUP_PROTO);
        return;
    }
}

static void decode_pppoe_session(struct decode_thread_ctx *ctx, struct packet *p, const uint8_t *d,
                                 uint32_t len)
{
    ctx->stats.pppoe++;
    if (len < 8) {
        decode_invalid(ctx, p, DECODE_EVENT_PPPOE_PKT_TOO_SMALL);
        return;
    }
    if (d[0] != 0x11 || d[1] != 0) {
        decode_invalid(ctx, p, DECODE_EVENT_PPPOE_WRONG_CODE);
        return;
    }
    uint32_t plen = decode_rd16(d + 4);
    if (plen < 1 || plen > len - 6) {
        decode_invalid(ctx, p, DECODE_EVENT_PPPOE_PKT_TOO_SMALL);
        return;
    }
    /* The PPP frame, its protocol field 8 or 16 bits. */
    decode_ppp(ctx, p, d + 6, plen);
}

static bool decode_ethertype_known(uint16_t type)
{
    switch (type) {
    case ETHERTYPE_ARP:
    case 0x8035: /* RARP */
    case 0x88cc: /* LLDP */
    case 0x888e: /* EAPOL */
    case 0x88e5: /* MACsec */
    case 0x8809: /* slow protocols */
    case 0x88f7: /* PTP */
    case 0x8137: /* IPX */
    case 0x9000: /* loopback */
    case 0x8906: /* FCoE */
    case 0x8914: /* FIP */
    case 0x88e7: /* 802.1ah */
    case 0x8902: /* CFM */
    case 0x893a: /* IEEE 1905 */
    case 0x88b5:
    case 0x88b6: /* local experimental */
    case 0x22f0: /* AVTP */
    case 0x8892: /* PROFINET */
    case 0x88b8: /* IEC 61850 GOOSE */
    case 0x88b9: /* IEC 61850 GSE management */
    case 0x88ba: /* IEC 61850 Sampled Values */
    case 0x88a4: /* EtherCAT */
    case 0x80f3: /* AARP */
    case 0x809b: /* AppleTalk */
    case 0x6002:
    case 0x6003:
    case 0x6004: /* DEC */
    case 0x86df: /* ATOMIC */
        return true;
    default:
        return false;
    }
}

static void decode_network(struct decode_thread_ctx *ctx, struct packet *p, uint16_t type,
                           const uint8_t *d, uint32_t len)
{
    switch (type) {
    case ETHERTYPE_IPV4:
        decode_ipv4(ctx, p, d, len);
        return;
    case ETHERTYPE_IPV6:
        decode_ipv6(ctx, p, d, len);
        return;
    case ETHERTYPE_VLAN:
    case ETHERTYPE_QINQ:
    case ETHERTYPE_QINQ_OLD:
        decode_vlan(ctx, p, d, len);
        return;
    case ETHERTYPE_MPLS_UC:
    case ETHERTYPE_MPLS_MC:
        decode_mpls(ctx, p, d, len);
        return;
    case ETHERTYPE_PPPOE_SESS:
        decode_pppoe_session(ctx, p, d, len);
        return;
    case ETHERTYPE_PPPOE_DISC:
        ctx->stats.pppoe++;
        return;
    case ETHERTYPE_ARP:
        ctx->stats.arp++;
        return;
    default:
        if (type < 0x0600) /* 802.3 length field: LLC frame, nothing to decode */
            return;
        /* Handed to the application layer's layer-2 parsers. */
        p->l2_type = type;
        p->l2_payload = d;
        p->l2_payload_len = len;
        if (!decode_ethertype_known(type)) {
            ctx->stats.unknown_ethertype++;
            decode_event_set(ctx, p, DECODE_EVENT_ETHERNET_UNKNOWN_ETHERTYPE);
        }
        return;
    }
}

static void decode_ethernet(struct decode_thread_ctx *ctx, struct packet *p, const uint8_t *d,
                            uint32_t len)
{
    if (!decode_layer_enter(ctx, p))
        return;
    if (len < 14) {
        decode_invalid(ctx, p, DECODE_EVENT_ETHERNET_PKT_TOO_SMALL);
        return;
    }
    ctx->stats.ethernet++;
    if (p->ethernet == NULL)
        p->ethernet = d;
    decode_network(ctx, p, decode_rd16(d + 12), d + 14, len - 14);
}

/* BSD loopback: the address family in the capturing host's byte order
 * (DLT_NULL) or network order (DLT_LOOP). AF_INET is 2 everywhere; AF_INET6
 * is 24 (NetBSD, OpenBSD, BSD/OS), 28 (FreeBSD, DragonFly), 30 (macOS), 10
 * (Linux) and 23 (Windows). */
static void decode_null(struct decode_thread_ctx *ctx, struct packet *p, const uint8_t *d,
                        uint32_t len, bool loop)
{
    if (len < 4) {
        decode_invalid(ctx, p, DECODE_EVENT_LTNULL_PKT_TOO_SMALL);
        return;
    }
    ctx->stats.null++;
    uint32_t be = decode_rd32(d);
    uint32_t le = (uint32_t)d[3] << 24 | (uint32_t)d[2] << 16 | (uint32_t)d[1] << 8 | d[0];
    uint32_t af = loop ? be : (be < 256 ? be : le);
    switch (af) {
    case 2:
        decode_ipv4(ctx, p, d + 4, len - 4);
        return;
    case 10:
    case 23:
    case 24:
    case 28:
    case 30:
        decode_ipv6(ctx, p, d + 4, len - 4);
        return;
    default:
        decode_event_set(ctx, p, DECODE_EVENT_LTNULL_UNSUPPORTED_TYPE);
        return;
    }
}

static void decode_raw(struct decode_thread_ctx *ctx, struct packet *p, const uint8_t *d,
                       uint32_t len, int want)
{
    ctx->stats.raw++;
    if (len < 1) {
        decode_invalid(ctx, p, DECODE_EVENT_IPRAW_INVALID_IP_VERSION);
        return;
    }
    int v = d[0] >> 4;
    if ((v != 4 && v != 6) || (want && v != want)) {
        decode_invalid(ctx, p, DECODE_EVENT_IPRAW_INVALID_IP_VERSION);
        return;
    }
    if (v == 4)
        decode_ipv4(ctx, p, d, len);
    else
        decode_ipv6(ctx, p, d, len);
}

void decode_packet(struct decode_thread_ctx *ctx, struct packet *p)
{
    /* Reset only the decoded part; events[] is not cleared, event_count is. */
    memset(&p->flags, 0, offsetof(struct packet, events) - offsetof(struct packet, flags));
    p->event_count = 0;
    ctx->layers = 0;
    struct decode_stats *st = &ctx->stats;
    const uint8_t *d = p->data;
    uint32_t len = p->caplen;
    st->pkts++;
    st->bytes += len;
    st->avg_pkt_size_sum += len;
    if (len > st->max_pkt_size)
        st->max_pkt_size = len;
    if (len < p->wirelen)
        p->flags |= PACKET_FLAG_TRUNCATED;
    if (d == NULL)
        len = 0;
    decode_expire(ctx, p->ts_usec);

    switch (p->datalink) {
    case DLT_EN10MB_:
        decode_ethernet(ctx, p, d, len);
        break;
    case DLT_LINUX_SLL_:
        if (len < 16) {
            decode_invalid(ctx, p, DECODE_EVENT_SLL_PKT_TOO_SMALL);
            break;
        }
        st->sll++;
        decode_network(ctx, p, decode_rd16(d + 14), d + 16, len - 16);
        break;
    case DLT_LINUX_SLL2_:
        if (len < 20) {
            decode_invalid(ctx, p, DECODE_EVENT_SLL_PKT_TOO_SMALL);
            break;
        }
        st->sll2++;
        decode_network(ctx, p, decode_rd16(d), d + 20, len - 20);
        break;
    case DLT_RAW_:
    case DLT_RAW_OPENBSD_:
    case LINKTYPE_RAW_:
        decode_raw(ctx, p, d, len, 0);
        break;
    case LINKTYPE_IPV4_:
        decode_raw(ctx, p, d, len, 4);
        break;
    case LINKTYPE_IPV6_:
        decode_raw(ctx, p, d, len, 6);
        break;
    case DLT_NULL_:
        decode_null(ctx, p, d, len, false);
        break;
    case DLT_PPP_:
        decode_ppp(ctx, p, d, len);
        break;
    case DLT_C_HDLC_:
        /* Cisco HDLC: address, control, then an Ethernet type. */
        st->chdlc++;
        if (len < 4) {
            p->flags |= PACKET_FLAG_INVALID;
            break;
        }
        decode_network(ctx, p, decode_rd16(d + 2), d + 4, len - 4);
        break;
    case DLT_LOOP_:
        decode_null(ctx, p, d, len, true);
        break;
    default:
        p->flags |= PACKET_FLAG_INVALID;
        break;
    }
    if (p->flags & PACKET_FLAG_INVALID)
        st->invalid++;
}
