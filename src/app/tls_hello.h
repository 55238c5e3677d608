/* SPDX-License-Identifier: Apache-2.0 */
/* The TLS ClientHello / ServerHello parser and its fingerprints (JA3, JA3S,
 * JA4), shared by TLS over TCP (app_tls.c) and QUIC's CRYPTO stream
 * (app_quic.c) so that SNI, ALPN and fingerprints come out the same way on
 * both. Private to src/app/. Bounded: fixed-size lists, no allocation. */
#ifndef VIGIL_TLS_HELLO_H
#define VIGIL_TLS_HELLO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

#define TLS_LIST_MAX 128 /* ciphers / extensions / groups kept for fingerprints */
#define TLS_ALPN_MAX 16
#define TLS_ALPN_BUF 512 /* ALPN names, NUL-terminated, back to back */

struct tls_hello {
    bool seen;
    uint16_t legacy_version;
    uint16_t version; /* negotiated (server) / highest offered (client, JA4) */
    uint8_t random[32];
    uint16_t ciphers[TLS_LIST_MAX];
    uint32_t cipher_count; /* non-GREASE, kept */
    uint32_t cipher_total; /* non-GREASE, all */
    uint16_t exts[TLS_LIST_MAX];
    uint32_t ext_count, ext_total;
    /* Every extension in wire order, GREASE included (QUIC's EVE list);
     * has_values: SNI / ALPN, whose values tls_hello_ext_value gives. */
    uint16_t ext_all[TLS_LIST_MAX];
    uint32_t ext_all_count;
    uint16_t groups[TLS_LIST_MAX];
    uint32_t group_count;
    uint8_t point_formats[32];
    uint32_t pf_count;
    uint16_t sigalgs[TLS_LIST_MAX];
    uint32_t sigalg_count;
    bool has_supported_versions;
    uint16_t sv_max; /* highest non-GREASE supported_versions entry */
    char sni[256];
    bool has_sni;
    char alpn_buf[TLS_ALPN_BUF];
    uint16_t alpn_off[TLS_ALPN_MAX];
    uint32_t alpn_count;
    uint8_t session_id[32];
    uint8_t session_id_len;
};

/* Anomalies tls_hello_parse reports (bits of its result). */
enum {
    TLS_HELLO_EV_INVALID = 1u << 0, /* invalid_handshake_message */
    TLS_HELLO_EV_MULTIPLE_SNI = 1u << 1,
    TLS_HELLO_EV_INVALID_SNI_TYPE = 1u << 2,
    TLS_HELLO_EV_INVALID_SNI_LENGTH = 1u << 3,
    /* with TLS_HELLO_EV_INVALID: the fixed part is cut short (no extensions
     * were parsed, h->version is not set) */
    TLS_HELLO_EV_TRUNCATED = 1u << 4,
};

/* Parses a ClientHello (client) or ServerHello body (after the 4-byte
 * handshake header) into *h (reset first). Returns TLS_HELLO_EV_* bits;
 * h->seen tells whether the fixed part was there. */
uint32_t tls_hello_parse(struct tls_hello *h, bool client, const uint8_t *m, uint32_t len);

/* ALPN protocol i (NUL-terminated). */
static inline const char *tls_hello_alpn(const struct tls_hello *h, uint32_t i)
{
    return h->alpn_buf + h->alpn_off[i];
}

/* JA3 string and MD5 (32 hex digits + NUL) of a ClientHello; JA3S of a
 * ServerHello. */
void tls_hello_ja3(const struct tls_hello *c, char *s, size_t n, char hash[33]);
void tls_hello_ja3s(const struct tls_hello *h, char *s, size_t n, char hash[33]);
/* JA4 of a ClientHello; transport 't' (TCP) or 'q' (QUIC). out: 40 bytes. */
void tls_hello_ja4(const struct tls_hello *c, char transport, char out[40]);

/* Suricata's name of a TLS extension type (its QUIC log), or NULL. */
const char *tls_extension_name(uint16_t type);

/* Hex digest of data (":"-separated when colons; at most max_bytes of it
 * when non-zero) into out (outn bytes, NUL-terminated). */
void tls_hex_digest(const EVP_MD *md, const void *data, size_t len, char *out, size_t outn,
                    bool colons, size_t max_bytes);

#endif
