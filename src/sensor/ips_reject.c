/* SPDX-License-Identifier: Apache-2.0 */
/* reject / rejectsrc / rejectdst / rejectboth: the answers vigil sends for
 * a rejected packet, as Suricata's respond-reject does - a TCP reset for
 * TCP, an ICMP destination unreachable "host administratively
 * prohibited" (ICMPv6: "administratively prohibited") for anything else -
 * what the EVE verdict calls "icmp-prohib".
 *
 * The reset to the source carries the sequence number the source expects
 * (the packet's ACK) and acknowledges the packet; the reset to the
 * destination carries the sequence number the destination expects next:
 * the packet's own when it was dropped inline (it never arrived), one past
 * its data otherwise. Either passes the receiver's RFC 5961 check.
 *
 * Frames are built in the capture's link type: raw IP for NFQUEUE, Ethernet
 * for AF_PACKET inline (the received frame's link header, its addresses
 * swapped for the way back, VLAN tags kept). */
#include "sensor/ips_reject.h"

#include <string.h>

#include "decode/packet.h"

#define DLT_EN10MB_ 1
#define DLT_RAW_ 12
#define DLT_RAW_LINKTYPE 101

static uint32_t csum_add(uint32_t sum, const uint8_t *d, size_t n)
{
    for (size_t i = 0; i + 1 < n; i += 2)
        sum += (uint32_t)d[i] << 8 | d[i + 1];
    if (n & 1)
        sum += (uint32_t)d[n - 1] << 8;
    return sum;
}

static uint16_t csum_fold(uint32_t sum)
{
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return (uint16_t)~sum;
}

static void put16(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

/* The link header of the answer; returns its length, or -1 when the
 * packet's link type or layout cannot be answered. */
static int link_header(const struct packet *p, bool back, uint8_t *buf, uint32_t cap)
{
    if (p->datalink == DLT_RAW_ || p->datalink == DLT_RAW_LINKTYPE)
        return 0;
    if (p->datalink != DLT_EN10MB_ || !p->l3 || p->l3 < p->data + 14)
        return -1;
    size_t l2 = (size_t)(p->l3 - p->data);
    if (l2 > 64 || l2 > cap || l2 > p->caplen)
        return -1;
    memcpy(buf, p->data, l2);
    if (back) {
        memcpy(buf, p->data + 6, 6);
        memcpy(buf + 6, p->data, 6);
    }
    return (int)l2;
}

/* IP header for an answer of `len` payload bytes and protocol `proto`;
 * returns its length and the pseudo-header sum for the transport
 * checksum. */
static uint32_t ip_header(const struct packet *p, bool back, uint8_t proto, uint32_t len,
                          uint8_t *ip, uint32_t *pseudo)
{
    const struct ip_address *s = back ? &p->dst : &p->src, *d = back ? &p->src : &p->dst;
    if (p->ip_version == 4) {
        memset(ip, 0, 20);
        ip[0] = 0x45;
        put16(ip + 2, 20 + len);
        ip[6] = 0x40; /* DF */
        ip[8] = 64;
        ip[9] = proto;
        memcpy(ip + 12, &s->addr.u8[12], 4);
        memcpy(ip + 16, &d->addr.u8[12], 4);
        put16(ip + 10, csum_fold(csum_add(0, ip, 20)));
        uint32_t sum = csum_add(0, ip + 12, 8);
        *pseudo = sum + proto + len;
        return 20;
    }
    memset(ip, 0, 40);
    ip[0] = 0x60;
    put16(ip + 4, len);
    ip[6] = proto;
    ip[7] = 64;
    memcpy(ip + 8, s->addr.u8, 16);
    memcpy(ip + 24, d->addr.u8, 16);
    *pseudo = csum_add(0, ip + 8, 32) + proto + len;
    return 40;
}

static bool icmp_is_error(const struct packet *p)
{
    if (p->proto == 1)
        return p->icmp_type == 3 || p->icmp_type == 4 || p->icmp_type == 5 ||
               p->icmp_type == 11 || p->icmp_type == 12;
    if (p->proto == 58)
        return p->icmp_type < 128;
    return false;
}

uint32_t ips_reject_build(const struct packet *p, bool back, bool dropped, uint8_t *buf,
                          uint32_t cap)
{
    if (!p->l3 || (p->ip_version != 4 && p->ip_version != 6) || cap < IPS_REJECT_MAX ||
        (p->flags & (PACKET_FLAG_TUNNELED | PACKET_FLAG_PSEUDO)) || p->outer_count)
        return 0;
    int l2 = link_header(p, back, buf, cap);
    if (l2 < 0)
        return 0;
    uint8_t *ip = buf + l2;
    uint32_t iphl = p->ip_version == 4 ? 20 : 40, pseudo = 0;
    if (p->proto == 6) {
        if (!p->l4 || (p->tcp_flags & 0x04)) /* never answer a reset */
            return 0;
        uint32_t seglen = p->payload_len + ((p->tcp_flags & 0x02) ? 1 : 0) +
                          ((p->tcp_flags & 0x01) ? 1 : 0);
        uint8_t *t = ip + iphl;
        memset(t, 0, 20);
        if (back) {
            put16(t, p->dst_port);
            put16(t + 2, p->src_port);
            put32(t + 4, (p->tcp_flags & 0x10) ? p->tcp_ack : 0);
            put32(t + 8, p->tcp_seq + seglen);
            t[13] = 0x14; /* RST ACK */
        } else {
            put16(t, p->src_port);
            put16(t + 2, p->dst_port);
            put32(t + 4, dropped ? p->tcp_seq : p->tcp_seq + seglen);
            put32(t + 8, p->tcp_ack);
            t[13] = (p->tcp_flags & 0x10) ? 0x14 : 0x04;
        }
        t[12] = 5 << 4;
        ip_header(p, back, 6, 20, ip, &pseudo);
        put16(t + 16, csum_fold(csum_add(pseudo, t, 20)));
        return (uint32_t)l2 + iphl + 20;
    }
    if (icmp_is_error(p))
        return 0;
    /* ICMP destination unreachable quoting the packet's IP header and the
     * first 8 bytes after it (ICMPv6: more, within the minimum MTU). */
    uint32_t inner_hl = (uint32_t)(p->l4 ? p->l4 - p->l3 : (p->ip_version == 4 ? 20 : 40));
    uint32_t quote = inner_hl + 8;
    if (p->ip_version == 6)
        quote = inner_hl + 256;
    if (quote > p->l3_len)
        quote = p->l3_len;
    if ((uint64_t)l2 + iphl + 8 + quote > cap)
        quote = cap - (uint32_t)l2 - iphl - 8;
    uint8_t *ic = ip + iphl;
    memset(ic, 0, 8);
    memcpy(ic + 8, p->l3, quote);
    uint8_t proto = p->ip_version == 4 ? 1 : 58;
    ic[0] = p->ip_version == 4 ? 3 : 1;  /* destination unreachable */
    ic[1] = p->ip_version == 4 ? 10 : 1; /* (host) administratively prohibited */
    ip_header(p, back, proto, 8 + quote, ip, &pseudo);
    put16(ic + 2, csum_fold(csum_add(p->ip_version == 4 ? 0 : pseudo, ic, 8 + quote)));
    return (uint32_t)l2 + iphl + 8 + quote;
}
