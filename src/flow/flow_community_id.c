/* SPDX-License-Identifier: Apache-2.0 */
/* Community ID v1 (https://github.com/corelight/community-id-spec):
 * "1:" + base64(SHA-1(seed, saddr, daddr, proto, 0, sport, dport)) over the
 * ordered tuple. ICMP types map to port equivalents: a type with a
 * request/reply counterpart is two-way (dport = counterpart type), any other
 * type is one-way (dport = code) and keeps the sender first. */
#include <netinet/in.h>
#include <openssl/evp.h>
#include <string.h>

#include "flow/flow_table.h"

#define ICMP6_PROTO 58

/* Returns the counterpart type, or -1 if the type is one-way. */
static int icmp_counterpart(uint8_t proto, uint8_t type)
{
    if (proto == IPPROTO_ICMP) {
        switch (type) {
        case 8: return 0;    /* echo -> echo reply */
        case 0: return 8;
        case 13: return 14;  /* timestamp */
        case 14: return 13;
        case 15: return 16;  /* information */
        case 16: return 15;
        case 10: return 9;   /* router solicitation / advertisement */
        case 9: return 10;
        case 17: return 18;  /* address mask */
        case 18: return 17;
        default: return -1;
        }
    }
    switch (type) {
    case 128: return 129;    /* echo */
    case 129: return 128;
    case 133: return 134;    /* router solicitation / advertisement */
    case 134: return 133;
    case 135: return 136;    /* neighbor solicitation / advertisement */
    case 136: return 135;
    case 130: return 131;    /* MLD query / report */
    case 131: return 130;
    case 139: return 140;    /* node information query / response */
    case 140: return 139;
    case 144: return 145;    /* home agent address discovery */
    case 145: return 144;
    default: return -1;
    }
}

static void base64_encode(const uint8_t *in, size_t len, char *out)
{
    static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t o = 0;
    for (size_t i = 0; i < len; i += 3) {
        uint32_t v = (uint32_t)in[i] << 16;
        if (i + 1 < len)
            v |= (uint32_t)in[i + 1] << 8;
        if (i + 2 < len)
            v |= in[i + 2];
        out[o++] = tab[(v >> 18) & 63];
        out[o++] = tab[(v >> 12) & 63];
        out[o++] = i + 1 < len ? tab[(v >> 6) & 63] : '=';
        out[o++] = i + 2 < len ? tab[v & 63] : '=';
    }
    out[o] = '\0';
}

static const uint8_t *addr_bytes(const struct ip_address *a, size_t *len)
{
    if (a->family == 4) {
        *len = 4;
        return a->addr.u8 + 12;
    }
    *len = 16;
    return a->addr.u8;
}

void flow_community_id_tuple(const struct ip_address *src, const struct ip_address *dst,
                             uint8_t proto, uint16_t src_port, uint16_t dst_port,
                             uint16_t seed, char out[64])
{
    bool has_ports = proto == IPPROTO_TCP || proto == IPPROTO_UDP || proto == IPPROTO_SCTP ||
                     proto == IPPROTO_ICMP || proto == ICMP6_PROTO;
    bool one_way = false;
    if (proto == IPPROTO_ICMP || proto == ICMP6_PROTO) {
        int cp = icmp_counterpart(proto, (uint8_t)src_port);
        if (cp >= 0)
            dst_port = (uint16_t)cp;
        else
            one_way = true;
    }
    size_t la, lb;
    const uint8_t *a = addr_bytes(src, &la), *b = addr_bytes(dst, &lb);
    uint16_t pa = src_port, pb = dst_port;
    if (!one_way) {
        int c = la == lb ? memcmp(a, b, la) : (la < lb ? -1 : 1);
        if (c > 0 || (c == 0 && has_ports && pa > pb)) {
            const uint8_t *tb = a;
            a = b;
            b = tb;
            size_t tl = la;
            la = lb;
            lb = tl;
            uint16_t tp = pa;
            pa = pb;
            pb = tp;
        }
    }
    uint8_t buf[2 + 16 + 16 + 2 + 4];
    size_t n = 0;
    buf[n++] = (uint8_t)(seed >> 8);
    buf[n++] = (uint8_t)seed;
    memcpy(buf + n, a, la);
    n += la;
    memcpy(buf + n, b, lb);
    n += lb;
    buf[n++] = proto;
    buf[n++] = 0;
    if (has_ports) {
        buf[n++] = (uint8_t)(pa >> 8);
        buf[n++] = (uint8_t)pa;
        buf[n++] = (uint8_t)(pb >> 8);
        buf[n++] = (uint8_t)pb;
    }
    uint8_t md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    if (!EVP_Digest(buf, n, md, &mdlen, EVP_sha1(), NULL) || mdlen != 20) {
        out[0] = '\0';
        return;
    }
    out[0] = '1';
    out[1] = ':';
    base64_encode(md, 20, out + 2);
}

void flow_community_id(const struct flow *f, uint16_t seed, char out[64])
{
    const struct flow_key *k = &f->key;
    if (k->proto == IPPROTO_ICMP || k->proto == ICMP6_PROTO) {
        /* The flow's first packet decides, as Suricata does; a flow first
         * seen from the responder side is described from the responder. */
        if (f->pkts_toserver == 0 && f->icmp_response_seen)
            flow_community_id_tuple(&k->dst, &k->src, k->proto, f->icmp_response_type,
                                    f->icmp_response_code, seed, out);
        else
            flow_community_id_tuple(&k->src, &k->dst, k->proto, f->icmp_type, f->icmp_code,
                                    seed, out);
        return;
    }
    flow_community_id_tuple(&k->src, &k->dst, k->proto, k->src_port, k->dst_port, seed, out);
}
