/* SPDX-License-Identifier: Apache-2.0 */
/* Builders for crafted test frames: each appends a header to a byte buffer;
 * decode_test_finish() fills in IPv4/IPv6 lengths and all checksums. */
#ifndef VIGIL_TESTS_DECODE_UTIL_H
#define VIGIL_TESTS_DECODE_UTIL_H

#include <stdint.h>
#include <string.h>

#include "decode/decode.h"

struct frame {
    uint8_t b[70000];
    uint32_t len;
};

static inline void put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static inline void put32(uint8_t *p, uint32_t v)
{
    put16(p, (uint16_t)(v >> 16));
    put16(p + 2, (uint16_t)v);
}

static inline uint8_t *frame_add(struct frame *f, const void *data, uint32_t n)
{
    uint8_t *at = f->b + f->len;
    if (data)
        memcpy(at, data, n);
    else
        memset(at, 0, n);
    f->len += n;
    return at;
}

static inline void frame_eth(struct frame *f, uint16_t type)
{
    uint8_t h[14] = {0, 1, 2, 3, 4, 5, 0, 6, 7, 8, 9, 10};
    put16(h + 12, type);
    frame_add(f, h, 14);
}

static inline void frame_vlan(struct frame *f, uint16_t id, uint16_t next_type)
{
    uint8_t h[4];
    put16(h, id);
    put16(h + 2, next_type);
    frame_add(f, h, 4);
}

/* IPv4 header without options; length and checksum set by ipv4_finish(). */
static inline uint8_t *frame_ipv4(struct frame *f, uint8_t proto, uint32_t src, uint32_t dst,
                                  uint16_t id, uint16_t frag)
{
    uint8_t h[20] = {0x45, 0, 0, 0, 0, 0, 0, 0, 64, proto};
    put16(h + 4, id);
    put16(h + 6, frag);
    put32(h + 12, src);
    put32(h + 16, dst);
    return frame_add(f, h, 20);
}

static inline uint8_t *frame_ipv6(struct frame *f, uint8_t nh, uint8_t src_last, uint8_t dst_last)
{
    uint8_t h[40] = {0x60, 0, 0, 0, 0, 0, nh, 64};
    h[8] = 0x20;
    h[9] = 0x01;
    h[10] = 0x0d;
    h[11] = 0xb8;
    h[23] = src_last;
    h[24] = 0x20;
    h[25] = 0x01;
    h[26] = 0x0d;
    h[27] = 0xb8;
    h[39] = dst_last;
    return frame_add(f, h, 40);
}

static inline uint8_t *frame_tcp(struct frame *f, uint16_t sp, uint16_t dp, uint32_t seq,
                                 uint8_t flags, const uint8_t *opts, uint32_t optlen)
{
    uint8_t h[20] = {0};
    put16(h, sp);
    put16(h + 2, dp);
    put32(h + 4, seq);
    put32(h + 8, 1000);
    h[12] = (uint8_t)(((20 + optlen) / 4) << 4);
    h[13] = flags;
    put16(h + 14, 8192);
    uint8_t *at = frame_add(f, h, 20);
    if (optlen)
        frame_add(f, opts, optlen);
    return at;
}

static inline uint8_t *frame_udp(struct frame *f, uint16_t sp, uint16_t dp)
{
    uint8_t h[8] = {0};
    put16(h, sp);
    put16(h + 2, dp);
    return frame_add(f, h, 8);
}

static inline uint16_t csum_fold_test(uint32_t sum)
{
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return (uint16_t)~sum;
}

static inline uint32_t csum_words(const uint8_t *d, uint32_t len, uint32_t sum)
{
    for (uint32_t i = 0; i + 1 < len; i += 2)
        sum += (uint32_t)d[i] << 8 | d[i + 1];
    if (len & 1)
        sum += (uint32_t)d[len - 1] << 8;
    return sum;
}

/* Sets the length fields of the IPv4 header at ip (to end of frame) and the
 * checksums of it and of its TCP/UDP/ICMP payload (no options on IP
 * assumed beyond the IHL). */
static inline void ipv4_finish(struct frame *f, uint8_t *ip)
{
    uint32_t total = (uint32_t)(f->b + f->len - ip);
    uint32_t hl = (uint32_t)(ip[0] & 0x0f) * 4;
    put16(ip + 2, (uint16_t)total);
    ip[10] = ip[11] = 0;
    put16(ip + 10, csum_fold_test(csum_words(ip, hl, 0)));
    if ((ip[6] & 0x3f) || ip[7]) /* not a first/whole datagram: leave L4 */
        return;
    if (ip[6] & 0x20)
        return;
    uint8_t *l4 = ip + hl;
    uint32_t l4len = total - hl;
    uint32_t ps = csum_words(ip + 12, 8, 0) + ip[9] + l4len;
    if (ip[9] == 6) {
        l4[16] = l4[17] = 0;
        put16(l4 + 16, csum_fold_test(csum_words(l4, l4len, ps)));
    } else if (ip[9] == 17) {
        put16(l4 + 4, (uint16_t)l4len);
        l4[6] = l4[7] = 0;
        put16(l4 + 6, csum_fold_test(csum_words(l4, l4len, ps)));
    } else if (ip[9] == 1) {
        l4[2] = l4[3] = 0;
        put16(l4 + 2, csum_fold_test(csum_words(l4, l4len, 0)));
    }
}

static inline void ipv6_finish(struct frame *f, uint8_t *ip, uint8_t *l4, uint8_t proto)
{
    uint32_t plen = (uint32_t)(f->b + f->len - ip) - 40;
    put16(ip + 4, (uint16_t)plen);
    if (l4 == NULL)
        return;
    uint32_t l4len = (uint32_t)(f->b + f->len - l4);
    uint32_t ps = csum_words(ip + 8, 32, 0) + proto + l4len;
    if (proto == 6) {
        l4[16] = l4[17] = 0;
        put16(l4 + 16, csum_fold_test(csum_words(l4, l4len, ps)));
    } else if (proto == 17) {
        put16(l4 + 4, (uint16_t)l4len);
        l4[6] = l4[7] = 0;
        put16(l4 + 6, csum_fold_test(csum_words(l4, l4len, ps)));
    } else if (proto == 58) {
        l4[2] = l4[3] = 0;
        put16(l4 + 2, csum_fold_test(csum_words(l4, l4len, ps)));
    }
}

static inline bool packet_has_event(const struct packet *p, enum decode_event e)
{
    for (int i = 0; i < p->event_count; i++)
        if (p->events[i] == e)
            return true;
    return false;
}

static inline void packet_set_frame(struct packet *p, const struct frame *f, int dlt, uint64_t ts)
{
    p->data = f->b;
    p->caplen = f->len;
    p->wirelen = f->len;
    p->datalink = dlt;
    p->ts_usec = ts;
}

#endif
