/* SPDX-License-Identifier: Apache-2.0 */
/* A bounded BER (ITU-T X.690) element reader for the parsers of MMS/ACSE/
 * presentation (app_mms.c) and GOOSE / Sampled Values (app_goose.c):
 * private to src/app/. Reads one TLV at a time from a byte range; never
 * reads past it. Tag numbers up to 2^28, definite lengths up to 2^32 - 1;
 * an indefinite length (0x80) is reported as running to the end of the
 * range (the caller stops at the end-of-contents element). Nesting depth is
 * the caller's to bound. */
#ifndef VIGIL_APP_BER_H
#define VIGIL_APP_BER_H

#include <stdbool.h>
#include <stdint.h>

enum ber_class { BER_UNIVERSAL = 0, BER_APPLICATION = 1, BER_CONTEXT = 2, BER_PRIVATE = 3 };

struct ber_tlv {
    uint8_t cls;          /* enum ber_class */
    bool constructed;
    bool indefinite;
    uint32_t tag;         /* tag number */
    uint8_t id;           /* the first identifier octet (class|constructed|low tag) */
    const uint8_t *val;   /* contents */
    uint32_t len;         /* contents length */
    uint32_t total;       /* identifier + length + contents */
};

/* Reads the element at d (n bytes available). Returns 0, or -1 when the
 * header is malformed or the contents run past n. */
static inline int ber_read(const uint8_t *d, uint32_t n, struct ber_tlv *t)
{
    if (n < 2)
        return -1;
    uint32_t p = 0;
    uint8_t b = d[p++];
    t->id = b;
    t->cls = (uint8_t)(b >> 6);
    t->constructed = (b & 0x20) != 0;
    t->tag = b & 0x1f;
    if (t->tag == 0x1f) {
        uint32_t tag = 0;
        for (int i = 0;; i++) {
            if (p >= n || i >= 4)
                return -1;
            b = d[p++];
            tag = tag << 7 | (b & 0x7f);
            if (!(b & 0x80))
                break;
        }
        t->tag = tag;
    }
    if (p >= n)
        return -1;
    b = d[p++];
    t->indefinite = false;
    uint32_t len;
    if (b < 0x80) {
        len = b;
    } else if (b == 0x80) {
        if (!t->constructed)
            return -1;
        t->indefinite = true;
        len = n - p;
    } else {
        uint32_t k = b & 0x7f;
        if (k > 4 || p + k > n)
            return -1;
        len = 0;
        for (uint32_t i = 0; i < k; i++)
            len = len << 8 | d[p++];
    }
    if (len > n - p)
        return -1;
    t->val = d + p;
    t->len = len;
    t->total = p + len;
    return 0;
}

/* An unsigned INTEGER's value (up to 8 contents octets; a leading zero
 * octet allowed). False if it does not fit or is negative. */
static inline bool ber_uint(const uint8_t *v, uint32_t len, uint64_t *out)
{
    if (len == 0 || len > 9 || (len == 9 && v[0] != 0) || (v[0] & 0x80))
        return false;
    uint64_t x = 0;
    for (uint32_t i = 0; i < len; i++)
        x = x << 8 | v[i];
    *out = x;
    return true;
}

/* A signed INTEGER's value (up to 8 contents octets). */
static inline bool ber_int(const uint8_t *v, uint32_t len, int64_t *out)
{
    if (len == 0 || len > 8)
        return false;
    uint64_t x = (v[0] & 0x80) ? ~(uint64_t)0 : 0;
    for (uint32_t i = 0; i < len; i++)
        x = x << 8 | v[i];
    *out = (int64_t)x;
    return true;
}

#endif
