/* SPDX-License-Identifier: Apache-2.0 */
/* Building BER messages by hand for the LDAP and SNMP tests: nested TLVs
 * written into a buffer, lengths patched when an element closes (short or
 * two-byte long form). Header-only, tests/app/ only. */
#ifndef VIGIL_TESTS_BER_BUILD_H
#define VIGIL_TESTS_BER_BUILD_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct berb {
    uint8_t d[8192];
    uint32_t n;
    uint32_t open[16]; /* offsets of the open elements' length octets */
    int depth;
};

static inline void berb_raw(struct berb *b, const void *p, uint32_t n)
{
    if (b->n + n > sizeof(b->d))
        abort();
    memcpy(b->d + b->n, p, n);
    b->n += n;
}

/* Opens a constructed element with identifier octet id (e.g. 0x30). */
static inline void berb_open(struct berb *b, uint8_t id)
{
    uint8_t h[4] = {id, 0x82, 0, 0}; /* two-byte length, patched on close */
    berb_raw(b, h, 4);
    b->open[b->depth++] = b->n - 2;
}

static inline void berb_close(struct berb *b)
{
    uint32_t at = b->open[--b->depth];
    uint32_t len = b->n - (at + 2);
    b->d[at] = (uint8_t)(len >> 8);
    b->d[at + 1] = (uint8_t)len;
}

/* A primitive element with short-form length. */
static inline void berb_prim(struct berb *b, uint8_t id, const void *p, uint32_t n)
{
    uint8_t h[2] = {id, (uint8_t)n};
    if (n > 127)
        abort();
    berb_raw(b, h, 2);
    berb_raw(b, p, n);
}

static inline void berb_str(struct berb *b, uint8_t id, const char *s)
{
    berb_prim(b, id, s, (uint32_t)strlen(s));
}

static inline void berb_int(struct berb *b, uint8_t id, uint32_t v)
{
    uint8_t x[5];
    uint32_t n = 0;
    if (v >= 0x800000)
        x[n++] = (uint8_t)(v >> 24);
    if (v >= 0x8000)
        x[n++] = (uint8_t)(v >> 16);
    if (v >= 0x80)
        x[n++] = (uint8_t)(v >> 8);
    x[n++] = (uint8_t)v;
    berb_prim(b, id, x, n);
}

#endif
