/* SPDX-License-Identifier: Apache-2.0 */
#include "sensor/frame_hash.h"

#include <pcap/dlt.h>
#include <string.h>

static uint64_t mix64(uint64_t x)
{
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdull;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ull;
    x ^= x >> 33;
    return x;
}

static uint64_t hash_bytes(const uint8_t *p, uint32_t n)
{
    uint64_t h = 0x9e3779b97f4a7c15ull;
    while (n >= 8) {
        uint64_t v;
        memcpy(&v, p, 8);
        h = mix64(h ^ v);
        p += 8;
        n -= 8;
    }
    uint64_t v = 0;
    memcpy(&v, p, n);
    return mix64(h ^ v ^ n);
}

static uint32_t hash_ip(const uint8_t *ip, uint32_t len)
{
    if (len < 1)
        return 0;
    uint8_t version = ip[0] >> 4;
    uint32_t alen, off;
    if (version == 4 && len >= 20) {
        alen = 4;
        off = 12;
    } else if (version == 6 && len >= 40) {
        alen = 16;
        off = 8;
    } else {
        return 0;
    }
    /* Sum of the two addresses' hashes: the same whichever way round. */
    uint64_t a = hash_bytes(ip + off, alen), b = hash_bytes(ip + off + alen, alen);
    return (uint32_t)mix64(a + b);
}

uint32_t frame_hash(const uint8_t *d, uint32_t len, int datalink)
{
    uint32_t off;
    uint16_t type;
    switch (datalink) {
    case DLT_EN10MB:
        if (len < 14)
            return 0;
        type = (uint16_t)(d[12] << 8 | d[13]);
        off = 14;
        break;
    case DLT_LINUX_SLL:
        if (len < 16)
            return 0;
        type = (uint16_t)(d[14] << 8 | d[15]);
        off = 16;
        break;
#ifdef DLT_LINUX_SLL2
    case DLT_LINUX_SLL2:
        if (len < 20)
            return 0;
        type = (uint16_t)(d[0] << 8 | d[1]);
        off = 20;
        break;
#endif
    case DLT_NULL:
    case DLT_LOOP:
        return len > 4 ? hash_ip(d + 4, len - 4) : 0;
    case DLT_RAW:
    case 228:
    case 229:
        return hash_ip(d, len);
    default:
        return 0;
    }
    for (int layers = 0; layers < 8; layers++) {
        if (type == 0x8100 || type == 0x88a8 || type == 0x9100) {
            if (len < off + 4)
                return 0;
            type = (uint16_t)(d[off + 2] << 8 | d[off + 3]);
            off += 4;
        } else if (type == 0x8847 || type == 0x8848) {
            /* MPLS: skip labels to the bottom of the stack, then IP. */
            while (len >= off + 4) {
                int bottom = d[off + 2] & 1;
                off += 4;
                if (bottom)
                    return len > off ? hash_ip(d + off, len - off) : 0;
            }
            return 0;
        } else if (type == 0x8864) {
            /* PPPoE session: 6 bytes, then a 2-byte PPP protocol. */
            if (len < off + 8)
                return 0;
            uint16_t ppp = (uint16_t)(d[off + 6] << 8 | d[off + 7]);
            off += 8;
            if (ppp == 0x0021 || ppp == 0x0057)
                return hash_ip(d + off, len - off);
            return 0;
        } else if (type == 0x0800 || type == 0x86dd) {
            return hash_ip(d + off, len - off);
        } else {
            return 0;
        }
    }
    return 0;
}
