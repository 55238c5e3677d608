/* SPDX-License-Identifier: Apache-2.0 */
/* A bounded reader of ASN.1 DER/BER TLVs (definite lengths only), for the
 * parsers that meet ASN.1 on the wire: Kerberos (app_krb5.c) and the
 * GSS-API/SPNEGO blobs of SMB session setup (app_ntlmssp.c). Every read checks
 * the remaining length; nothing allocates. Private to src/app. */
#ifndef VIGIL_APP_DER_H
#define VIGIL_APP_DER_H

#include <stdbool.h>
#include <stdint.h>

/* Tag classes as in the first identifier octet (bits 7-6). */
#define DER_CLASS_UNIVERSAL 0x00
#define DER_CLASS_APPLICATION 0x40
#define DER_CLASS_CONTEXT 0x80

struct der_tlv {
    uint8_t cls; /* DER_CLASS_* */
    bool constructed;
    uint32_t tag; /* tag number */
    const uint8_t *value;
    uint32_t len; /* value length */
};

/* Reads the TLV at *p (at most *avail bytes) and advances past it. Returns
 * false on a truncated or indefinite-length encoding. */
static inline bool der_read(const uint8_t **p, uint32_t *avail, struct der_tlv *t)
{
    const uint8_t *d = *p;
    uint32_t n = *avail, i = 0;
    if (n < 2)
        return false;
    t->cls = d[0] & 0xc0;
    t->constructed = (d[0] & 0x20) != 0;
    t->tag = d[0] & 0x1f;
    i = 1;
    if (t->tag == 0x1f) {
        t->tag = 0;
        for (int k = 0; k < 4; k++) {
            if (i >= n)
                return false;
            uint8_t b = d[i++];
            t->tag = (t->tag << 7) | (b & 0x7f);
            if (!(b & 0x80))
                break;
            if (k == 3)
                return false;
        }
    }
    if (i >= n)
        return false;
    uint32_t l = d[i++];
    if (l & 0x80) {
        uint32_t nb = l & 0x7f;
        if (nb == 0 || nb > 4 || i + nb > n)
            return false;
        l = 0;
        for (uint32_t k = 0; k < nb; k++)
            l = (l << 8) | d[i++];
    }
    if (l > n - i)
        return false;
    t->value = d + i;
    t->len = l;
    *p = d + i + l;
    *avail = n - i - l;
    return true;
}

/* Reads a TLV that must have the given class and tag. */
static inline bool der_expect(const uint8_t **p, uint32_t *avail, uint8_t cls, uint32_t tag,
                              struct der_tlv *t)
{
    return der_read(p, avail, t) && t->cls == cls && t->tag == tag;
}

/* Finds, inside a constructed value, the context-tagged [tag] member. */
static inline bool der_find_context(const uint8_t *v, uint32_t len, uint32_t tag,
                                    struct der_tlv *out)
{
    while (len) {
        struct der_tlv t;
        if (!der_read(&v, &len, &t))
            return false;
        if (t.cls == DER_CLASS_CONTEXT && t.tag == tag) {
            *out = t;
            return true;
        }
    }
    return false;
}

/* An INTEGER (two's complement, at most 8 bytes) as signed 64-bit. */
static inline bool der_integer(const struct der_tlv *t, int64_t *out)
{
    if (t->len == 0 || t->len > 8)
        return false;
    int64_t v = (t->value[0] & 0x80) ? -1 : 0;
    for (uint32_t i = 0; i < t->len; i++)
        v = (int64_t)((uint64_t)v << 8) | t->value[i];
    *out = v;
    return true;
}

/* A context-tagged [tag] member holding an INTEGER. */
static inline bool der_context_integer(const uint8_t *v, uint32_t len, uint32_t tag, int64_t *out)
{
    struct der_tlv t, i;
    if (!der_find_context(v, len, tag, &t))
        return false;
    const uint8_t *p = t.value;
    uint32_t n = t.len;
    return der_expect(&p, &n, DER_CLASS_UNIVERSAL, 2, &i) && der_integer(&i, out);
}

#endif
