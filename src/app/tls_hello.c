/* SPDX-License-Identifier: Apache-2.0 */
/* TLS hello parsing and fingerprints shared by TLS and QUIC (tls_hello.h).
 * ClientHello: version, random, session id, ciphers, extensions (SNI, ALPN,
 * groups, point formats, signature algorithms, supported_versions); GREASE
 * values are left out of the fingerprints. ServerHello: version (also from
 * supported_versions), cipher, extensions. */
#include "app/tls_hello.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint16_t th_u16(const uint8_t *b)
{
    return (uint16_t)((b[0] << 8) | b[1]);
}

static bool th_grease(uint16_t v)
{
    return (v & 0x0f0f) == 0x0a0a && (v >> 8) == (v & 0xff);
}

void tls_hex_digest(const EVP_MD *md, const void *data, size_t len, char *out, size_t outn,
                    bool colons, size_t max_bytes)
{
    unsigned char d[EVP_MAX_MD_SIZE];
    unsigned int dl = 0;
    out[0] = 0;
    if (!EVP_Digest(data, len, d, &dl, md, NULL))
        return;
    if (max_bytes && dl > max_bytes)
        dl = (unsigned)max_bytes;
    size_t o = 0;
    for (unsigned i = 0; i < dl; i++) {
        size_t need = (colons && i ? 3u : 2u) + 1u;
        if (o + need > outn)
            break;
        o += (size_t)snprintf(out + o, outn - o, colons && i ? ":%02x" : "%02x", d[i]);
    }
}

static void th_alpn_add(struct tls_hello *h, const uint8_t *s, uint32_t n)
{
    uint32_t used = 0;
    if (h->alpn_count)
        used = h->alpn_off[h->alpn_count - 1] +
               (uint32_t)strlen(h->alpn_buf + h->alpn_off[h->alpn_count - 1]) + 1;
    if (h->alpn_count >= TLS_ALPN_MAX || used + n + 1 > TLS_ALPN_BUF)
        return;
    memcpy(h->alpn_buf + used, s, n);
    h->alpn_buf[used + n] = 0;
    h->alpn_off[h->alpn_count++] = (uint16_t)used;
}

static uint32_t th_extensions(struct tls_hello *h, bool client, const uint8_t *e, uint32_t len)
{
    uint32_t ev = 0;
    uint32_t pos = 0;
    bool sni_seen = false;
    while (pos + 4 <= len) {
        uint16_t type = th_u16(e + pos), elen = th_u16(e + pos + 2);
        pos += 4;
        if (pos + elen > len)
            return ev | TLS_HELLO_EV_INVALID;
        const uint8_t *d = e + pos;
        pos += elen;
        if (h->ext_all_count < TLS_LIST_MAX)
            h->ext_all[h->ext_all_count++] = type;
        if (th_grease(type))
            continue;
        h->ext_total++;
        if (h->ext_count < TLS_LIST_MAX)
            h->exts[h->ext_count++] = type;
        switch (type) {
        case 0: /* server_name */
            if (!client)
                break;
            if (sni_seen) {
                ev |= TLS_HELLO_EV_MULTIPLE_SNI;
                break;
            }
            sni_seen = true;
            h->has_sni = true;
            if (elen < 5) {
                if (elen)
                    ev |= TLS_HELLO_EV_INVALID_SNI_LENGTH;
                break;
            }
            if (d[2] != 0) {
                ev |= TLS_HELLO_EV_INVALID_SNI_TYPE;
                break;
            }
            {
                uint16_t nl = th_u16(d + 3);
                if (5u + nl > elen) {
                    ev |= TLS_HELLO_EV_INVALID_SNI_LENGTH;
                    break;
                }
                if (nl >= sizeof(h->sni)) {
                    ev |= TLS_HELLO_EV_INVALID_SNI_LENGTH;
                    nl = sizeof(h->sni) - 1;
                }
                memcpy(h->sni, d + 5, nl);
                h->sni[nl] = 0;
            }
            break;
        case 10: /* supported_groups */
            if (elen >= 2) {
                uint32_t l = th_u16(d);
                for (uint32_t i = 2; i + 1 < 2 + l && i + 1 < elen; i += 2) {
                    uint16_t g = th_u16(d + i);
                    if (!th_grease(g) && h->group_count < TLS_LIST_MAX)
                        h->groups[h->group_count++] = g;
                }
            }
            break;
        case 11: /* ec_point_formats */
            if (elen >= 1) {
                uint32_t l = d[0];
                for (uint32_t i = 1; i < 1 + l && i < elen && h->pf_count < 32; i++)
                    h->point_formats[h->pf_count++] = d[i];
            }
            break;
        case 13: /* signature_algorithms */
            if (elen >= 2) {
                uint32_t l = th_u16(d);
                for (uint32_t i = 2; i + 1 < 2 + l && i + 1 < elen; i += 2) {
                    uint16_t a = th_u16(d + i);
                    if (!th_grease(a) && h->sigalg_count < TLS_LIST_MAX)
                        h->sigalgs[h->sigalg_count++] = a;
                }
            }
            break;
        case 16: /* ALPN */
            if (elen >= 2) {
                uint32_t l = th_u16(d), i = 2;
                while (i < 2 + l && i < elen) {
                    uint8_t pl = d[i];
                    if (i + 1 + pl > elen)
                        break;
                    th_alpn_add(h, d + i + 1, pl);
                    i += 1u + pl;
                }
            }
            break;
        case 43: /* supported_versions */
            h->has_supported_versions = true;
            if (client) {
                if (elen >= 1) {
                    uint32_t l = d[0];
                    for (uint32_t i = 1; i + 1 < 1 + l && i + 1 < elen; i += 2) {
                        uint16_t v = th_u16(d + i);
                        if (!th_grease(v) && v > h->sv_max)
                            h->sv_max = v;
                    }
                }
            } else if (elen >= 2) {
                h->sv_max = th_u16(d);
            }
            break;
        default:
            break;
        }
    }
    return ev;
}

uint32_t tls_hello_parse(struct tls_hello *h, bool client, const uint8_t *m, uint32_t len)
{
    memset(h, 0, sizeof(*h));
    const uint32_t bad = TLS_HELLO_EV_INVALID | TLS_HELLO_EV_TRUNCATED;
    if (len < 2 + 32 + 1)
        return bad;
    h->seen = true;
    h->legacy_version = th_u16(m);
    memcpy(h->random, m + 2, 32);
    uint32_t pos = 2 + 32;
    uint8_t sidl = m[pos++];
    if (pos + sidl > len || sidl > 32)
        return bad;
    memcpy(h->session_id, m + pos, sidl);
    h->session_id_len = sidl;
    pos += sidl;
    if (client) {
        if (pos + 2 > len)
            return bad;
        uint32_t cl = th_u16(m + pos);
        pos += 2;
        if (pos + cl > len)
            return bad;
        for (uint32_t i = 0; i + 1 < cl; i += 2) {
            uint16_t c = th_u16(m + pos + i);
            if (th_grease(c))
                continue;
            h->cipher_total++;
            if (h->cipher_count < TLS_LIST_MAX)
                h->ciphers[h->cipher_count++] = c;
        }
        pos += cl;
        if (pos + 1 > len)
            return bad;
        uint32_t compl = m[pos++];
        if (pos + compl > len)
            return bad;
        pos += compl ;
    } else {
        if (pos + 3 > len)
            return bad;
        h->ciphers[0] = th_u16(m + pos);
        h->cipher_count = h->cipher_total = 1;
        pos += 3; /* cipher + compression method */
    }
    uint32_t ev = 0;
    if (pos + 2 <= len) {
        uint32_t el = th_u16(m + pos);
        pos += 2;
        if (pos + el > len) {
            ev |= TLS_HELLO_EV_INVALID;
            el = len - pos;
        }
        ev |= th_extensions(h, client, m + pos, el);
    }
    h->version = h->has_supported_versions && h->sv_max ? h->sv_max : h->legacy_version;
    return ev;
}

static size_t th_list(char *s, size_t n, size_t o, const uint16_t *v, uint32_t count)
{
    for (uint32_t i = 0; i < count && o < n; i++)
        o += (size_t)snprintf(s + o, n - o, i ? "-%u" : "%u", v[i]);
    return o;
}

void tls_hello_ja3(const struct tls_hello *c, char *s, size_t n, char hash[33])
{
    size_t o = 0;
    o += (size_t)snprintf(s + o, n - o, "%u,", c->legacy_version);
    o = th_list(s, n, o, c->ciphers, c->cipher_count);
    if (o < n)
        o += (size_t)snprintf(s + o, n - o, ",");
    o = th_list(s, n, o, c->exts, c->ext_count);
    if (o < n)
        o += (size_t)snprintf(s + o, n - o, ",");
    o = th_list(s, n, o, c->groups, c->group_count);
    if (o < n)
        o += (size_t)snprintf(s + o, n - o, ",");
    for (uint32_t i = 0; i < c->pf_count && o < n; i++)
        o += (size_t)snprintf(s + o, n - o, i ? "-%u" : "%u", c->point_formats[i]);
    if (o >= n)
        s[n - 1] = 0;
    tls_hex_digest(EVP_md5(), s, strlen(s), hash, 33, false, 0);
}

void tls_hello_ja3s(const struct tls_hello *h, char *s, size_t n, char hash[33])
{
    size_t o = 0;
    o += (size_t)snprintf(s + o, n - o, "%u,%u,", h->legacy_version,
                          h->cipher_count ? h->ciphers[0] : 0);
    o = th_list(s, n, o, h->exts, h->ext_count);
    if (o >= n)
        s[n - 1] = 0;
    tls_hex_digest(EVP_md5(), s, strlen(s), hash, 33, false, 0);
}

static int th_u16_cmp(const void *a, const void *b)
{
    uint16_t x = *(const uint16_t *)a, y = *(const uint16_t *)b;
    return x < y ? -1 : x > y;
}

/* JA4 (FoxIO): <t|q><ver><d|i><nciphers><nexts><alpn>_<sha256(ciphers)[12]>_
 * <sha256(exts_sigalgs)[12]>. */
void tls_hello_ja4(const struct tls_hello *c, char transport, char out[40])
{
    uint16_t v = c->has_supported_versions && c->sv_max ? c->sv_max : c->legacy_version;
    const char *vs;
    switch (v) {
    case 0x0304:
        vs = "13";
        break;
    case 0x0303:
        vs = "12";
        break;
    case 0x0302:
        vs = "11";
        break;
    case 0x0301:
        vs = "10";
        break;
    case 0x0300:
        vs = "s3";
        break;
    case 0x0200:
        vs = "s2";
        break;
    default:
        vs = (v >> 8) == 0x7f ? "13" : "00";
        break;
    }
    char alpn[3] = "00";
    if (c->alpn_count && tls_hello_alpn(c, 0)[0]) {
        const char *a = tls_hello_alpn(c, 0);
        size_t al = strlen(a);
        unsigned char f = (unsigned char)a[0], l = (unsigned char)a[al - 1];
        bool an = ((f >= '0' && f <= '9') || (f >= 'a' && f <= 'z') || (f >= 'A' && f <= 'Z')) &&
                  ((l >= '0' && l <= '9') || (l >= 'a' && l <= 'z') || (l >= 'A' && l <= 'Z'));
        if (an) {
            alpn[0] = (char)f;
            alpn[1] = (char)l;
        } else {
            static const char hx[] = "0123456789abcdef";
            alpn[0] = hx[f >> 4];
            alpn[1] = hx[l & 0xf];
        }
    }
    uint32_t nc = c->cipher_total > 99 ? 99 : c->cipher_total;
    uint32_t ne = c->ext_total > 99 ? 99 : c->ext_total;

    char buf[TLS_LIST_MAX * 5 * 2 + 8];
    uint16_t sorted[TLS_LIST_MAX];
    char hc[13] = "000000000000", he[13] = "000000000000";
    char hex[65];
    if (c->cipher_count) {
        memcpy(sorted, c->ciphers, c->cipher_count * sizeof(uint16_t));
        qsort(sorted, c->cipher_count, sizeof(uint16_t), th_u16_cmp);
        size_t o = 0;
        for (uint32_t i = 0; i < c->cipher_count; i++)
            o += (size_t)snprintf(buf + o, sizeof(buf) - o, i ? ",%04x" : "%04x", sorted[i]);
        tls_hex_digest(EVP_sha256(), buf, o, hex, sizeof(hex), false, 0);
        memcpy(hc, hex, 12);
    }
    uint32_t k = 0;
    for (uint32_t i = 0; i < c->ext_count; i++)
        if (c->exts[i] != 0 && c->exts[i] != 16)
            sorted[k++] = c->exts[i];
    if (k) {
        qsort(sorted, k, sizeof(uint16_t), th_u16_cmp);
        size_t o = 0;
        for (uint32_t i = 0; i < k; i++)
            o += (size_t)snprintf(buf + o, sizeof(buf) - o, i ? ",%04x" : "%04x", sorted[i]);
        if (c->sigalg_count) {
            o += (size_t)snprintf(buf + o, sizeof(buf) - o, "_");
            for (uint32_t i = 0; i < c->sigalg_count && o < sizeof(buf); i++)
                o +=
                    (size_t)snprintf(buf + o, sizeof(buf) - o, i ? ",%04x" : "%04x", c->sigalgs[i]);
        }
        if (o > sizeof(buf) - 1)
            o = sizeof(buf) - 1;
        tls_hex_digest(EVP_sha256(), buf, o, hex, sizeof(hex), false, 0);
        memcpy(he, hex, 12);
    }
    snprintf(out, 40, "%c%s%c%02u%02u%s_%s_%s", transport, vs, c->has_sni ? 'd' : 'i', nc, ne,
             alpn, hc, he);
}

const char *tls_extension_name(uint16_t e)
{
    static const char *const names[] = {
        "server_name", "max_fragment_length", "client_certificate_url", "trusted_ca_keys",
        "truncated_hmac", "status_request", "user_mapping", "client_authz", "server_authz",
        "cert_type", "supported_groups", "ec_point_formats", "srp", "signature_algorithms",
        "use_srtp", "heartbeat", "alpn", "status_request_v2", "signed_certificate_timestamp",
        "client_certificate_type", "server_certificate_type", "padding", "encrypt_then_mac",
        "extended_master_secret", "token_binding", "cached_info", "tls_lts",
        "compress_certificate", "record_size_limit", "pwd_protect", "pwd_clear", "password_salt",
        "ticket_pinning", "tls_cert_with_extern_psk", "delegated_credentials", "session_ticket",
        "tlmsp", "tlmsp_proxying", "tlmsp_delegate", "supported_ekt_ciphers", NULL,
        "pre_shared_key", "early_data", "supported_versions", "cookie", "psk_key_exchange_modes",
        NULL, "certificate_authorities", "oid_filters", "post_handshake_auth",
        "signature_algorithms_cert", "key_share", "transparency_info", "connection_id_deprecated",
        "connection_id", "external_id_hash", "external_session_id", "quic_transport_parameters",
        "ticket_request", "dnssec_chain"};
    if (e < sizeof(names) / sizeof(names[0]))
        return names[e];
    if (e == 13172)
        return "next_protocol_negotiation";
    if (e == 65281)
        return "renegotiation_info";
    return NULL;
}
