/* SPDX-License-Identifier: Apache-2.0 */
/* SPNEGO / GSS-API unwrapping and NTLMSSP AUTHENTICATE parsing (see
 * app_ntlmssp.h). Strings are read by their offset fields, wherever the
 * sender put them, and converted from UTF-16LE (NEGOTIATE_UNICODE) or OEM. */
#include <errno.h>
#include <string.h>

#include "app/app_der.h"
#include "app/app_ntlmssp.h"
#include "app/app_text.h"

#define NTLMSSP_NEGOTIATE_UNICODE 0x00000001u
#define NTLMSSP_NEGOTIATE_VERSION 0x02000000u

static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint16_t le16(const uint8_t *p)
{
    return (uint16_t)(p[0] | p[1] << 8);
}

/* One security-buffer field (length, max length, offset) at d+at. */
static bool ntlm_field(const uint8_t *d, uint32_t len, uint32_t at, bool unicode, char *out,
                       size_t cap)
{
    out[0] = 0;
    if (at + 8 > len)
        return false;
    uint32_t n = le16(d + at), off = le32(d + at + 4);
    if (n == 0)
        return true;
    if (off > len || n > len - off)
        return false;
    if (unicode)
        app_utf16le_to_utf8(d + off, n, out, cap);
    else
        app_bytes_to_text(d + off, n, out, cap);
    return true;
}

int ntlmssp_parse(const uint8_t *d, uint32_t len, struct ntlmssp_auth *auth)
{
    if (len < 12 || memcmp(d, "NTLMSSP\0", 8) != 0)
        return -EINVAL;
    uint32_t type = le32(d + 8);
    if (type != 3)
        return 0; /* NEGOTIATE and CHALLENGE carry nothing logged */
    if (len < 64)
        return -EINVAL;
    uint32_t flags = le32(d + 60);
    bool unicode = flags & NTLMSSP_NEGOTIATE_UNICODE;
    struct ntlmssp_auth a;
    memset(&a, 0, sizeof(a));
    if (!ntlm_field(d, len, 28, unicode, a.domain, sizeof(a.domain)) ||
        !ntlm_field(d, len, 36, unicode, a.user, sizeof(a.user)) ||
        !ntlm_field(d, len, 44, unicode, a.host, sizeof(a.host)))
        return -EINVAL;
    if ((flags & NTLMSSP_NEGOTIATE_VERSION) && len >= 72) {
        a.have_version = true;
        a.ver_major = d[64];
        a.ver_minor = d[65];
        a.ver_build = le16(d + 66);
        a.ntlm_rev = d[71];
    }
    a.present = true;
    *auth = a;
    return 0;
}

/* A GeneralString / KerberosString into out. */
static void krb_string(const struct der_tlv *t, char *out, size_t cap)
{
    app_bytes_to_text(t->value, t->len, out, cap);
}

/* Ticket ::= [APPLICATION 1] SEQUENCE { tkt-vno [0], realm [1], sname [2], enc-part [3] } */
static void krb_ticket_parse(const uint8_t *v, uint32_t len, struct krb_ticket *k)
{
    struct der_tlv seq, f, s, names;
    if (!der_expect(&v, &len, DER_CLASS_UNIVERSAL, 16, &seq))
        return;
    if (der_find_context(seq.value, seq.len, 1, &f)) {
        const uint8_t *p = f.value;
        uint32_t n = f.len;
        if (der_read(&p, &n, &s))
            krb_string(&s, k->realm, sizeof(k->realm));
    }
    if (der_find_context(seq.value, seq.len, 2, &f)) {
        const uint8_t *p = f.value;
        uint32_t n = f.len;
        if (der_expect(&p, &n, DER_CLASS_UNIVERSAL, 16, &s) &&
            der_find_context(s.value, s.len, 1, &names)) {
            const uint8_t *q = names.value;
            uint32_t m = names.len;
            struct der_tlv l;
            if (der_expect(&q, &m, DER_CLASS_UNIVERSAL, 16, &l)) {
                const uint8_t *r = l.value;
                uint32_t rn = l.len;
                struct der_tlv str;
                while (rn && k->nsnames < KRB_TICKET_SNAMES && der_read(&r, &rn, &str))
                    krb_string(&str, k->snames[k->nsnames++], sizeof(k->snames[0]));
            }
        }
    }
    k->present = true;
}

/* AP-REQ ::= [APPLICATION 14] SEQUENCE { ..., ticket [3] Ticket, ... } */
static void krb_ap_req(const uint8_t *d, uint32_t len, struct krb_ticket *k)
{
    struct der_tlv app, seq, tkt, inner;
    if (!der_expect(&d, &len, DER_CLASS_APPLICATION, 14, &app))
        return;
    const uint8_t *p = app.value;
    uint32_t n = app.len;
    if (!der_expect(&p, &n, DER_CLASS_UNIVERSAL, 16, &seq) ||
        !der_find_context(seq.value, seq.len, 3, &tkt))
        return;
    p = tkt.value;
    n = tkt.len;
    if (der_expect(&p, &n, DER_CLASS_APPLICATION, 1, &inner))
        krb_ticket_parse(inner.value, inner.len, k);
}

/* A mechanism token: NTLMSSP, or GSS-API framed Kerberos
 * ([APPLICATION 0] { OID, 2-byte token id, AP-REQ }). */
static int mech_token(const uint8_t *d, uint32_t len, struct ntlmssp_auth *auth,
                      struct krb_ticket *ticket)
{
    if (len >= 8 && memcmp(d, "NTLMSSP\0", 8) == 0)
        return ntlmssp_parse(d, len, auth);
    struct der_tlv app, oid;
    if (!der_expect(&d, &len, DER_CLASS_APPLICATION, 0, &app))
        return 0;
    const uint8_t *p = app.value;
    uint32_t n = app.len;
    if (!der_expect(&p, &n, DER_CLASS_UNIVERSAL, 6, &oid) || n < 2)
        return 0;
    /* Kerberos 1.2.840.113554.1.2.2 and Microsoft's 1.2.840.48018.1.2.2 */
    static const uint8_t krb5[] = {0x2a, 0x86, 0x48, 0x86, 0xf7, 0x12, 0x01, 0x02, 0x02};
    static const uint8_t mskrb5[] = {0x2a, 0x86, 0x48, 0x82, 0xf7, 0x12, 0x01, 0x02, 0x02};
    bool is_krb = (oid.len == sizeof(krb5) && !memcmp(oid.value, krb5, sizeof(krb5))) ||
                  (oid.len == sizeof(mskrb5) && !memcmp(oid.value, mskrb5, sizeof(mskrb5)));
    if (is_krb && p[0] == 0x01 && p[1] == 0x00 && ticket)
        krb_ap_req(p + 2, n - 2, ticket);
    return 0;
}

int gssapi_parse_blob(const uint8_t *d, uint32_t len, struct ntlmssp_auth *auth,
                      struct krb_ticket *ticket)
{
    if (len >= 8 && memcmp(d, "NTLMSSP\0", 8) == 0)
        return ntlmssp_parse(d, len, auth);
    struct der_tlv t;
    const uint8_t *p = d;
    uint32_t n = len;
    if (!der_read(&p, &n, &t))
        return 0;
    if (t.cls == DER_CLASS_APPLICATION && t.tag == 0) {
        /* InitialContextToken: SPNEGO OID, then NegTokenInit [0] */
        const uint8_t *q = t.value;
        uint32_t m = t.len;
        struct der_tlv oid, init, seq, tok, octets;
        if (!der_expect(&q, &m, DER_CLASS_UNIVERSAL, 6, &oid))
            return 0;
        static const uint8_t spnego[] = {0x2b, 0x06, 0x01, 0x05, 0x05, 0x02};
        if (oid.len != sizeof(spnego) || memcmp(oid.value, spnego, sizeof(spnego)) != 0)
            return mech_token(d, len, auth, ticket); /* bare Kerberos GSS-API token */
        if (!der_expect(&q, &m, DER_CLASS_CONTEXT, 0, &init))
            return 0;
        q = init.value;
        m = init.len;
        if (!der_expect(&q, &m, DER_CLASS_UNIVERSAL, 16, &seq) ||
            !der_find_context(seq.value, seq.len, 2, &tok))
            return 0;
        q = tok.value;
        m = tok.len;
        if (!der_expect(&q, &m, DER_CLASS_UNIVERSAL, 4, &octets))
            return 0;
        return mech_token(octets.value, octets.len, auth, ticket);
    }
    if (t.cls == DER_CLASS_CONTEXT && t.tag == 1) {
        /* NegTokenResp: responseToken [2] OCTET STRING */
        const uint8_t *q = t.value;
        uint32_t m = t.len;
        struct der_tlv seq, tok, octets;
        if (!der_expect(&q, &m, DER_CLASS_UNIVERSAL, 16, &seq) ||
            !der_find_context(seq.value, seq.len, 2, &tok))
            return 0;
        q = tok.value;
        m = tok.len;
        if (!der_expect(&q, &m, DER_CLASS_UNIVERSAL, 4, &octets))
            return 0;
        return mech_token(octets.value, octets.len, auth, ticket);
    }
    return 0;
}
