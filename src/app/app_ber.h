/* SPDX-License-Identifier: Apache-2.0 */
/* A bounded BER (ITU-T X.690) element reader for the parsers of MMS/ACSE/
 * presentation (app_mms.c), GOOSE / Sampled Values (app_goose.c), LDAP
 * (app_ldap.c) and SNMP (app_snmp.c):
 * private to src/app/. Reads one TLV at a time from a byte range; never
 * reads past it. Tag numbers up to 2^28, definite lengths up to 2^32 - 1;
 * an indefinite length (0x80) is reported as running to the end of the
 * range (the caller stops at the end-of-contents element). Nesting depth is
 * the caller's to bound. */
#ifndef VIGIL_APP_BER_H
#define VIGIL_APP_BER_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

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

/* Walking the elements of a constructed value in order: ber_next reads the
 * next one into *t and advances; false at the end or on a malformed element
 * (then it->bad is set and the walk is over). */
struct ber_iter {
    const uint8_t *p;
    uint32_t n;
    bool bad;
};

static inline struct ber_iter ber_iter_make(const uint8_t *p, uint32_t n)
{
    return (struct ber_iter){.p = p, .n = n, .bad = false};
}

static inline bool ber_next(struct ber_iter *it, struct ber_tlv *t)
{
    if (it->n == 0 || it->bad)
        return false;
    if (ber_read(it->p, it->n, t) != 0 || t->indefinite) {
        it->bad = true;
        it->n = 0;
        return false;
    }
    it->p += t->total;
    it->n -= t->total;
    return true;
}

/* The next element when it is a primitive universal element of `tag`
 * (4 OCTET STRING, 2 INTEGER, 10 ENUMERATED, 1 BOOLEAN, 6 OID, ...). */
static inline bool ber_next_prim(struct ber_iter *it, uint32_t tag, struct ber_tlv *t)
{
    return ber_next(it, t) && t->cls == BER_UNIVERSAL && !t->constructed && t->tag == tag;
}

/* An OBJECT IDENTIFIER's contents in dotted form ("1.3.6.1.2.1.1.1.0") into
 * buf (NUL-terminated). False when malformed (an arc over 64 bits, a
 * truncated arc) or when it does not fit in cap. */
static inline bool ber_oid_string(const uint8_t *v, uint32_t len, char *buf, size_t cap)
{
    size_t o = 0;
    uint64_t arc = 0;
    bool first = true;
    if (len == 0 || cap == 0)
        return false;
    for (uint32_t i = 0; i < len; i++) {
        if (arc > (UINT64_MAX >> 7))
            return false;
        arc = arc << 7 | (v[i] & 0x7f);
        if (v[i] & 0x80) {
            if (i + 1 == len)
                return false;
            continue;
        }
        uint64_t a = arc, b = 0;
        bool two = first;
        if (first) {
            a = arc < 80 ? arc / 40 : 2;
            b = arc - a * 40;
            first = false;
        }
        char tmp[48];
        int k = two ? snprintf(tmp, sizeof(tmp), "%llu.%llu", (unsigned long long)a,
                               (unsigned long long)b)
                    : snprintf(tmp, sizeof(tmp), ".%llu", (unsigned long long)a);
        if (k < 0 || o + (size_t)k + 1 > cap)
            return false;
        memcpy(buf + o, tmp, (size_t)k);
        o += (size_t)k;
        arc = 0;
    }
    buf[o] = 0;
    return true;
}

#endif
