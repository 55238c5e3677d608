/* SPDX-License-Identifier: Apache-2.0 */
/* Byte-order and checksum helpers shared by the decode subsystem's files. */
#ifndef VIGIL_DECODE_UTIL_H
#define VIGIL_DECODE_UTIL_H

#include <stdint.h>
#include <string.h>

static inline uint16_t decode_rd16(const uint8_t *p)
{
    return (uint16_t)((uint16_t)p[0] << 8 | p[1]);
}

static inline uint32_t decode_rd32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Adds big-endian 16-bit words of d to a one's-complement running sum. An odd
 * trailing byte is padded with zero, as the Internet checksum requires, so
 * only the last chunk of a message may have an odd length. */
static inline uint64_t decode_csum_add(uint64_t sum, const uint8_t *d, uint32_t len)
{
    while (len >= 4) {
        sum += decode_rd32(d);
        d += 4;
        len -= 4;
    }
    if (len >= 2) {
        sum += decode_rd16(d);
        d += 2;
        len -= 2;
    }
    if (len)
        sum += (uint32_t)d[0] << 8;
    return sum;
}

/* Folds a running sum into the 16-bit one's complement checksum. A message
 * whose stored checksum is correct yields 0. */
static inline uint16_t decode_csum_fold(uint64_t sum)
{
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return (uint16_t)~sum;
}

#endif
