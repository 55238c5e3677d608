/* SPDX-License-Identifier: Apache-2.0 */
/* QUIC over UDP (RFC 9000/9001, QUIC v2 RFC 9369, IETF drafts 23-34, and
 * Google QUIC Q043-Q046 with its plaintext CHLO), as Suricata parses it:
 *
 * - Each datagram may carry several long-header packets (coalesced); each
 *   one up to the TLS hello of its direction becomes a transaction (logged
 *   at once as EVE "quic"); once a direction's hello was seen, the rest of
 *   it is encrypted with keys an observer does not have and is skipped, as
 *   are short-header packets.
 * - Initial packets are decrypted with the initial secrets (RFC 9001 5.2:
 *   HKDF-SHA256 from the version's salt and the client's first Destination
 *   Connection ID; header protection AES-128-ECB, payload AES-128-GCM, all
 *   with OpenSSL). Both directions' keys come from that one DCID, which
 *   only the client's first Initials carry: the server's Initials carry the
 *   client's SCID, and once the client heard the server it addresses the
 *   server's SCID. So keys are taken from an Initial only when its DCID's
 *   client keys open it (the AEAD tag proves it), whichever direction of
 *   the flow it came in: that direction is the QUIC client's (ClientHello,
 *   JA3/JA4) and the other the server's. Initials seen before (a capture
 *   that starts with the server's Initial) cannot be read: they are logged
 *   with their header and counted (app_layer.undecrypted.quic), the first
 *   one with the failed_decrypt event (corrupted or not the client's: no
 *   telling without keys); after
 *   QUIC_KEY_TRIES Initials without keys the flow stops trying. A server's
 *   Retry makes the client start over with new keys (at most once per
 *   flow, RFC 9000 17.2.5.2).
 * - CRYPTO frames are reassembled per direction across packets, in any
 *   order, up to QUIC_CRYPTO_MAX bytes; the ClientHello / ServerHello is
 *   parsed by the same code as TLS over TCP (tls_hello.c): SNI, ALPN,
 *   extensions, JA3/JA3S, JA4 ("q" prefix).
 * - gQUIC: the CHLO's tags in STREAM frames give the SNI, the user agent
 *   (UAID) and the CYU fingerprint (version number and tag list, MD5).
 * - EVE "quic": version, sni, ua, cyu[{hash, string}], ja3 / ja3s, ja4,
 *   extensions[{name, type, values}] in Suricata's shape.
 * - Buffers quic.version (the 4 version bytes), quic.sni, quic.ua,
 *   quic.cyu.hash, quic.cyu.string, and ja3.hash/ja3.string (client hello),
 *   ja3s.hash/ja3s.string (server hello), ja4.hash.
 * - Events: failed_decrypt, error_on_data (frames that do not decode),
 *   error_on_header, crypto_frag_too_long (CRYPTO data past QUIC_CRYPTO_MAX).
 * Limits: QUIC_CRYPTO_MAX bytes of CRYPTO stream per direction,
 * QUIC_MAX_TXS live transactions per flow (a packet past it is skipped and
 * counted in app_layer.limit.quic), QUIC_CYU_MAX CHLOs per packet. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/evp.h>
#include <openssl/kdf.h>

#include "app/app_parser.h"
#include "app/app_txlist.h"
#include "app/tls_hello.h"
#include "util/json.h"

#define QUIC_CRYPTO_MAX 16384u /* CRYPTO stream bytes kept per direction */
#define QUIC_MAX_TXS 256u      /* transactions per flow (handshake packets) */
#define QUIC_KEY_TRIES 8u      /* Initials tried for keys per flow (HKDF + AES-GCM each) */
#define QUIC_CYU_MAX 2u
#define QUIC_CYU_STR 512
#define QUIC_DATAGRAM_MAX 65536u

enum quic_event {
    QUIC_EV_FAILED_DECRYPT = 0,
    QUIC_EV_ERROR_ON_DATA,
    QUIC_EV_ERROR_ON_HEADER,
    QUIC_EV_CRYPTO_FRAG_TOO_LONG,
    QUIC_EV_COUNT,
};
static const char *const quic_event_names[QUIC_EV_COUNT + 1] = {
    "failed_decrypt", "error_on_data", "error_on_header", "crypto_frag_too_long", NULL};

enum quic_type {
    QUIC_T_INITIAL,
    QUIC_T_ZERO_RTT,
    QUIC_T_HANDSHAKE,
    QUIC_T_RETRY,
    QUIC_T_VERSION_NEG,
    QUIC_T_SHORT,
};

#define QUIC_V1 0x00000001u
#define QUIC_V2 0x6b3343cfu

struct quic_cyu {
    char string[QUIC_CYU_STR];
    char hash[33];
};

struct quic_tx {
    union {
        struct app_list_tx lt;
        struct app_tx base;
    };
    uint8_t dir;
    uint8_t role; /* 0 the QUIC client's packet, 1 the server's (dir until keys tell) */
    uint8_t type; /* enum quic_type */
    uint32_t version;
    uint8_t version_buf[4];
    uint32_t events;
    char sni[256];
    bool has_sni;
    char ua[256];
    bool has_ua;
    struct quic_cyu cyu[QUIC_CYU_MAX];
    uint32_t cyu_count;
    bool has_hello;
    struct tls_hello hello;
    char ja3_string[2048], ja3_hash[33];
    char ja4[40];
};

struct quic_keys {
    uint8_t key[16], iv[12], hp[16];
};

struct quic_crypto {
    uint8_t *buf;  /* QUIC_CRYPTO_MAX bytes, made at the first fragment */
    uint8_t *have; /* bitmap of the bytes received */
    uint32_t end;  /* highest offset + 1 received */
};

struct quic_state {
    struct app_layer_thread_ctx *thread;
    struct app_txlist txs;
    bool has_keys, has_retried, failed;
    struct quic_keys keys[2]; /* [0] client (to server), [1] server */
    int8_t client_dir;        /* the flow direction of the QUIC client; -1 unknown */
    uint8_t key_tries;        /* Initials tried for keys (QUIC_KEY_TRIES) */
    bool told_undecrypted;    /* failed_decrypt raised for an Initial without keys */
    bool hello[2];
    struct quic_crypto crypto[2];
    EVP_CIPHER_CTX *ecb, *gcm;
    bool ja3;
};

/* Scratch for a decrypted packet: per worker thread, no allocation. */
static _Thread_local uint8_t quic_plain[QUIC_DATAGRAM_MAX];

/* ---------- helpers ---------- */

/* RFC 9000 16: variable-length integer. Returns bytes used, 0 if short. */
static uint32_t quic_varint(const uint8_t *p, uint32_t len, uint64_t *v)
{
    if (len < 1)
        return 0;
    uint32_t n = 1u << (p[0] >> 6);
    if (len < n)
        return 0;
    uint64_t x = p[0] & 0x3f;
    for (uint32_t i = 1; i < n; i++)
        x = (x << 8) | p[i];
    *v = x;
    return n;
}

static bool quic_is_gquic(uint32_t v)
{
    return (v >> 8) == 0x513034 && (v & 0xff) >= '3' && (v & 0xff) <= '9' && (v >> 24) == 'Q';
}

/* Q0xx: the version number as CYU writes it ("43", "46"); 0 if none. */
static unsigned quic_gquic_number(uint32_t v)
{
    if ((v >> 24) != 'Q')
        return 0;
    unsigned a = (v >> 16) & 0xff, b = (v >> 8) & 0xff, c = v & 0xff;
    if (a < '0' || a > '9' || b < '0' || b > '9' || c < '0' || c > '9')
        return 0;
    return (a - '0') * 100 + (b - '0') * 10 + (c - '0');
}

/* The Initial salt of a version (RFC 9001 5.2, RFC 9369 3.3.1, drafts). */
static const uint8_t *quic_salt(uint32_t v)
{
    static const uint8_t v1[20] = {0x38, 0x76, 0x2c, 0xf7, 0xf5, 0x59, 0x34, 0xb3, 0x4d, 0x17,
                                   0x9a, 0xe6, 0xa4, 0xc8, 0x0c, 0xad, 0xcc, 0xbb, 0x7f, 0x0a};
    static const uint8_t v2[20] = {0x0d, 0xed, 0xe3, 0xde, 0xf7, 0x00, 0xa6, 0xdb, 0x81, 0x93,
                                   0x81, 0xbe, 0x6e, 0x26, 0x9d, 0xcb, 0xf9, 0xbd, 0x2e, 0xd9};
    static const uint8_t d29[20] = {0xaf, 0xbf, 0xec, 0x28, 0x99, 0x93, 0xd2, 0x4c, 0x9e, 0x97,
                                    0x86, 0xf1, 0x9c, 0x61, 0x11, 0xe0, 0x43, 0x90, 0xa8, 0x99};
    static const uint8_t d23[20] = {0xc3, 0xee, 0xf7, 0x12, 0xc7, 0x2e, 0xbb, 0x5a, 0x11, 0xa7,
                                    0xd2, 0x43, 0x2b, 0xb4, 0x63, 0x65, 0xbe, 0xf9, 0xf5, 0x02};
    if (v == QUIC_V1)
        return v1;
    if (v == QUIC_V2)
        return v2;
    if (v >= 0xff00001du && v <= 0xff000022u)
        return d29;
    if (v >= 0xff000017u && v <= 0xff00001cu)
        return d23;
    return NULL;
}

/* HKDF-Expand-Label (RFC 8446 7.1) with an empty context. */
static bool quic_expand_label(const uint8_t *secret, const char *label, uint8_t *out, size_t n)
{
    uint8_t info[2 + 1 + 64 + 1];
    size_t ll = strlen(label);
    if (6 + ll > 64)
        return false;
    info[0] = (uint8_t)(n >> 8);
    info[1] = (uint8_t)n;
    info[2] = (uint8_t)(6 + ll);
    memcpy(info + 3, "tls13 ", 6);
    memcpy(info + 9, label, ll);
    info[9 + ll] = 0;
    EVP_PKEY_CTX *pc = EVP_PKEY_CTX_new_id(EVP_PKEY_HKDF, NULL);
    bool ok = pc && EVP_PKEY_derive_init(pc) > 0 &&
              EVP_PKEY_CTX_hkdf_mode(pc, EVP_PKEY_HKDEF_MODE_EXPAND_ONLY) > 0 &&
              EVP_PKEY_CTX_set_hkdf_md(pc, EVP_sha256()) > 0 &&
              EVP_PKEY_CTX_set1_hkdf_key(pc, secret, 32) > 0 &&
              EVP_PKEY_CTX_add1_hkdf_info(pc, info, (int)(10 + ll)) > 0 &&
              EVP_PKEY_derive(pc, out, &n) > 0;
    EVP_PKEY_CTX_free(pc);
    return ok;
}

/* The Initial keys of both sides for the client's first DCID. */
bool quic_initial_keys(uint32_t version, const uint8_t *dcid, uint32_t dcid_len,
                       struct quic_keys keys[2]);
bool quic_initial_keys(uint32_t version, const uint8_t *dcid, uint32_t dcid_len,
                       struct quic_keys keys[2])
{
    const uint8_t *salt = quic_salt(version);
    if (!salt)
        return false;
    uint8_t initial[32];
    size_t il = sizeof(initial);
    EVP_PKEY_CTX *pc = EVP_PKEY_CTX_new_id(EVP_PKEY_HKDF, NULL);
    bool ok = pc && EVP_PKEY_derive_init(pc) > 0 &&
              EVP_PKEY_CTX_hkdf_mode(pc, EVP_PKEY_HKDEF_MODE_EXTRACT_ONLY) > 0 &&
              EVP_PKEY_CTX_set_hkdf_md(pc, EVP_sha256()) > 0 &&
              EVP_PKEY_CTX_set1_hkdf_salt(pc, salt, 20) > 0 &&
              EVP_PKEY_CTX_set1_hkdf_key(pc, dcid_len ? dcid : (const uint8_t *)"", (int)dcid_len) > 0 &&
              EVP_PKEY_derive(pc, initial, &il) > 0;
    EVP_PKEY_CTX_free(pc);
    if (!ok)
        return false;
    bool v2 = version == QUIC_V2;
    const char *lk = v2 ? "quicv2 key" : "quic key", *li = v2 ? "quicv2 iv" : "quic iv",
               *lh = v2 ? "quicv2 hp" : "quic hp";
    static const char *const side[2] = {"client in", "server in"};
    for (int s = 0; s < 2; s++) {
        uint8_t secret[32];
        if (!quic_expand_label(initial, side[s], secret, 32) ||
            !quic_expand_label(secret, lk, keys[s].key, 16) ||
            !quic_expand_label(secret, li, keys[s].iv, 12) ||
            !quic_expand_label(secret, lh, keys[s].hp, 16))
            return false;
    }
    return true;
}

/* ---------- header ---------- */

struct quic_hdr {
    uint8_t first;
    enum quic_type type;
    uint32_t version;
    const uint8_t *dcid, *scid;
    uint32_t dcid_len, scid_len;
    uint32_t hdr_len;     /* bytes before the packet number (IETF) / payload (gQUIC) */
    uint32_t payload_len; /* packet number + payload (IETF), payload (gQUIC) */
};

/* Parses the header of the packet at p. Returns 0, or -1 when it does not
 * decode (error_on_header). */
static int quic_header(const uint8_t *p, uint32_t len, struct quic_hdr *h)
{
    memset(h, 0, sizeof(*h));
    if (len < 1)
        return -1;
    h->first = p[0];
    uint32_t pos = 1;
    if (!(p[0] & 0x80)) {
        if (p[0] & 0x40) { /* IETF short header */
            h->type = QUIC_T_SHORT;
            h->hdr_len = 1;
            h->payload_len = len - 1;
            return 0;
        }
        /* gQUIC public header (Q043 and older): flags, [CID 8], [version 4],
         * packet number (1-4 bytes by flags 0x30)[, message hash 12]. */
        bool has_cid = p[0] & 0x08, has_version = p[0] & 0x01;
        if (has_cid) {
            if (pos + 8 > len)
                return -1;
            h->dcid = p + pos;
            h->dcid_len = 8;
            pos += 8;
        }
        if ((p[0] & 0x04) && !has_cid) { /* diversification nonce */
            if (pos + 32 > len)
                return -1;
            pos += 32;
        }
        if (has_version) {
            if (pos + 4 > len)
                return -1;
            h->version = ((uint32_t)p[pos] << 24) | ((uint32_t)p[pos + 1] << 16) |
                         ((uint32_t)p[pos + 2] << 8) | p[pos + 3];
            pos += 4;
        }
        pos += 1u + ((p[0] & 0x30) >> 4);
        if (has_cid)
            pos += 12;
        if (pos > len)
            return -1;
        h->type = has_version ? QUIC_T_INITIAL : QUIC_T_SHORT;
        h->hdr_len = pos;
        h->payload_len = len - pos;
        return 0;
    }
    if (pos + 4 > len)
        return -1;
    h->version = ((uint32_t)p[1] << 24) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 8) | p[4];
    pos += 4;
    bool gquic = quic_is_gquic(h->version);
    if (h->version == 0) {
        h->type = QUIC_T_VERSION_NEG;
    } else if (gquic && h->version != 0x51303436u) {
        switch (p[0] & 0x7f) {
        case 0x7f:
            h->type = QUIC_T_INITIAL;
            break;
        case 0x7e:
            h->type = QUIC_T_RETRY;
            break;
        case 0x7d:
            h->type = QUIC_T_HANDSHAKE;
            break;
        case 0x7c:
            h->type = QUIC_T_ZERO_RTT;
            break;
        default:
            return -1;
        }
    } else {
        static const enum quic_type v1t[4] = {QUIC_T_INITIAL, QUIC_T_ZERO_RTT, QUIC_T_HANDSHAKE,
                                              QUIC_T_RETRY};
        static const enum quic_type v2t[4] = {QUIC_T_RETRY, QUIC_T_INITIAL, QUIC_T_ZERO_RTT,
                                              QUIC_T_HANDSHAKE};
        unsigned t = (p[0] >> 4) & 3;
        h->type = h->version == QUIC_V2 ? v2t[t] : v1t[t];
    }
    if (gquic) {
        if (pos + 1 > len)
            return -1;
        uint32_t dl = p[pos] >> 4, sl = p[pos] & 0x0f;
        pos++;
        if (dl)
            dl += 3;
        if (sl)
            sl += 3;
        if (pos + dl + sl > len)
            return -1;
        h->dcid = p + pos;
        h->dcid_len = dl;
        h->scid = p + pos + dl;
        h->scid_len = sl;
        pos += dl + sl;
    } else {
        if (pos + 1 > len || p[pos] > 20 || pos + 1 + p[pos] > len)
            return -1;
        h->dcid_len = p[pos];
        h->dcid = p + pos + 1;
        pos += 1 + h->dcid_len;
        if (pos + 1 > len || p[pos] > 20 || pos + 1 + p[pos] > len)
            return -1;
        h->scid_len = p[pos];
        h->scid = p + pos + 1;
        pos += 1 + h->scid_len;
    }
    if (h->type == QUIC_T_VERSION_NEG || h->type == QUIC_T_RETRY) {
        h->hdr_len = pos;
        h->payload_len = len - pos;
        return 0;
    }
    if (gquic) {
        if (h->type == QUIC_T_INITIAL) {
            if (pos + 4 + 12 > len)
                return -1;
            pos += 4 + 12; /* packet number, message authentication hash */
        }
        h->hdr_len = pos;
        h->payload_len = len - pos;
        return 0;
    }
    uint64_t v;
    uint32_t n;
    if (h->type == QUIC_T_INITIAL) {
        n = quic_varint(p + pos, len - pos, &v);
        if (!n || v > len - pos - n)
            return -1;
        pos += n + (uint32_t)v; /* token */
    }
    n = quic_varint(p + pos, len - pos, &v);
    if (!n || v > len - pos - n)
        return -1;
    pos += n;
    h->hdr_len = pos;
    h->payload_len = (uint32_t)v;
    return 0;
}

/* ---------- decryption ---------- */

/* Removes header protection and decrypts the Initial packet at p (whose
 * header is h) into quic_plain (*plain). Returns the plaintext length, or -1. */
static int quic_decrypt(struct quic_state *st, const struct quic_keys *k, const uint8_t *p,
                        const struct quic_hdr *h, const uint8_t **plain)
{
    uint32_t pn_off = h->hdr_len;
    if (h->payload_len < 4 + 16 || (size_t)pn_off + 4 > sizeof(quic_plain))
        return -1;
    if (!st->ecb && !(st->ecb = EVP_CIPHER_CTX_new()))
        return -1;
    if (!st->gcm && !(st->gcm = EVP_CIPHER_CTX_new()))
        return -1;
    uint8_t mask[32];
    int ml = 0;
    if (EVP_EncryptInit_ex(st->ecb, EVP_aes_128_ecb(), NULL, k->hp, NULL) != 1 ||
        EVP_CIPHER_CTX_set_padding(st->ecb, 0) != 1 ||
        EVP_EncryptUpdate(st->ecb, mask, &ml, p + pn_off + 4, 16) != 1 || ml != 16)
        return -1;
    uint8_t first = p[0] ^ (mask[0] & 0x0f);
    uint32_t pn_len = (first & 3u) + 1u;
    /* The unprotected header is the AAD: build it at the start of the scratch. */
    uint8_t *aad = quic_plain;
    uint32_t aad_len = pn_off + pn_len; /* < the datagram: fits the scratch */
    memcpy(aad, p, pn_off);
    aad[0] = first;
    uint64_t pn = 0;
    for (uint32_t i = 0; i < pn_len; i++) {
        aad[pn_off + i] = p[pn_off + i] ^ mask[1 + i];
        pn = (pn << 8) | aad[pn_off + i];
    }
    uint8_t nonce[12];
    memcpy(nonce, k->iv, 12);
    for (int i = 0; i < 8; i++)
        nonce[11 - i] ^= (uint8_t)(pn >> (8 * i));
    uint32_t ct_len = h->payload_len - pn_len - 16;
    const uint8_t *ct = p + pn_off + pn_len;
    /* The plaintext follows the AAD in the scratch. */
    uint8_t *out = quic_plain + aad_len;
    if ((size_t)aad_len + ct_len > sizeof(quic_plain))
        return -1;
    int ol = 0, fl = 0;
    if (EVP_DecryptInit_ex(st->gcm, EVP_aes_128_gcm(), NULL, NULL, NULL) != 1 ||
        EVP_CIPHER_CTX_ctrl(st->gcm, EVP_CTRL_GCM_SET_IVLEN, 12, NULL) != 1 ||
        EVP_DecryptInit_ex(st->gcm, NULL, NULL, k->key, nonce) != 1 ||
        EVP_DecryptUpdate(st->gcm, NULL, &ol, aad, (int)aad_len) != 1 ||
        EVP_DecryptUpdate(st->gcm, out, &ol, ct, (int)ct_len) != 1 ||
        EVP_CIPHER_CTX_ctrl(st->gcm, EVP_CTRL_GCM_SET_TAG, 16, (void *)(ct + ct_len)) != 1 ||
        EVP_DecryptFinal_ex(st->gcm, out + ol, &fl) != 1)
        return -1;
    *plain = out;
    return ol + fl;
}

/* 0 for the QUIC client's direction of the flow, 1 for the server's (the
 * flow direction itself until an Initial told which is which). */
static uint8_t quic_role(const struct quic_state *st, uint8_t dir)
{
    return st->client_dir < 0 ? dir : (uint8_t)(dir != (uint8_t)st->client_dir);
}

/* No keys yet: the Initial at p opens with the client keys of its own DCID
 * only if it is one of the client's first Initials (RFC 9001 5.2); then
 * both sides' keys are known and dir is the client's. Returns the plaintext
 * length as quic_decrypt, -1 when the packet cannot be read, -2 for a
 * version without known Initial salt (not tried, not counted). */
static int quic_keys_try(struct quic_state *st, uint8_t dir, const uint8_t *p,
                         const struct quic_hdr *h, const uint8_t **plain)
{
    if (!quic_salt(h->version))
        return -2;
    if (st->key_tries >= QUIC_KEY_TRIES)
        return -1;
    st->key_tries++;
    struct quic_keys k[2];
    if (!quic_initial_keys(h->version, h->dcid, h->dcid_len, k))
        return -1;
    int pl = quic_decrypt(st, &k[0], p, h, plain);
    if (pl < 0)
        return -1;
    memcpy(st->keys, k, sizeof(k));
    st->has_keys = true;
    st->client_dir = (int8_t)dir;
    return pl;
}

/* ---------- transactions ---------- */

static struct quic_tx *quic_tx_new(struct quic_state *st, uint8_t dir, const struct quic_hdr *h)
{
    if (st->txs.live >= QUIC_MAX_TXS)
        return NULL;
    struct quic_tx *tx = app_txlist_new(&st->txs, &app_parser_quic, sizeof(*tx));
    if (!tx)
        return NULL;
    tx->dir = dir;
    tx->role = quic_role(st, dir);
    tx->type = (uint8_t)h->type;
    tx->version = h->version;
    tx->version_buf[0] = (uint8_t)(h->version >> 24);
    tx->version_buf[1] = (uint8_t)(h->version >> 16);
    tx->version_buf[2] = (uint8_t)(h->version >> 8);
    tx->version_buf[3] = (uint8_t)h->version;
    return tx;
}

static void quic_log_body(const void *object, struct json_writer *w);

static void quic_tx_done(struct quic_state *st, struct app_parse_ctx *ctx, struct quic_tx *tx)
{
    for (int e = 0; e < QUIC_EV_COUNT; e++)
        if (tx->events & (1u << e))
            app_parser_anomaly(ctx, APP_PROTO_QUIC, quic_event_names[e]);
    app_parser_count_tx(ctx, APP_PROTO_QUIC);
    tx->base.logged = true;
    app_parser_log(ctx, "quic", tx->dir, quic_log_body, tx);
    (void)st;
}

/* An event with no transaction of its own to carry it: Suricata makes an
 * empty one. */
static void quic_event_tx(struct quic_state *st, struct app_parse_ctx *ctx, uint8_t dir,
                          const struct quic_hdr *h, enum quic_event e)
{
    struct quic_tx *tx = quic_tx_new(st, dir, h);
    if (!tx) {
        app_parser_anomaly(ctx, APP_PROTO_QUIC, quic_event_names[e]);
        return;
    }
    tx->events |= 1u << e;
    quic_tx_done(st, ctx, tx);
}

/* ---------- CRYPTO stream ---------- */

#define QUIC_CRYPTO_ALLOC (QUIC_CRYPTO_MAX + QUIC_CRYPTO_MAX / 8)

/* Forgets the direction's CRYPTO data and gives its window back (the
 * hello is through, or a Retry starts it over). */
static void quic_crypto_reset(struct quic_state *st, struct quic_crypto *c)
{
    if (c->buf) {
        free(c->buf);
        app_thread_memory_release(st->thread, QUIC_CRYPTO_ALLOC);
    }
    memset(c, 0, sizeof(*c));
}

/* Stores CRYPTO data at off. false: past QUIC_CRYPTO_MAX or no memory. */
static bool quic_crypto_add(struct quic_state *st, struct quic_crypto *c, uint64_t off,
                            const uint8_t *d, uint32_t n)
{
    if (off > QUIC_CRYPTO_MAX || n > QUIC_CRYPTO_MAX - off)
        return false;
    if (!c->buf) {
        size_t need = QUIC_CRYPTO_ALLOC;
        if (!app_thread_memory_reserve(st->thread, need))
            return false;
        c->buf = malloc(need);
        if (!c->buf) {
            app_thread_memory_release(st->thread, need);
            return false;
        }
        c->have = c->buf + QUIC_CRYPTO_MAX;
        memset(c->have, 0, QUIC_CRYPTO_MAX / 8);
    }
    memcpy(c->buf + off, d, n);
    for (uint32_t i = (uint32_t)off; i < off + n; i++)
        c->have[i >> 3] |= (uint8_t)(1u << (i & 7));
    if (off + n > c->end)
        c->end = (uint32_t)(off + n);
    return true;
}

/* Bytes received without a hole from offset 0. */
static uint32_t quic_crypto_contiguous(const struct quic_crypto *c)
{
    uint32_t i = 0;
    while (i < c->end && (c->have[i >> 3] & (1u << (i & 7))))
        i++;
    return i;
}

/* The hello of this direction, if the CRYPTO data holds it whole: parsed
 * into tx. Returns true when found. */
static bool quic_hello_from(struct quic_state *st, struct quic_tx *tx, const uint8_t *d,
                            uint32_t n)
{
    if (n < 4)
        return false;
    uint8_t role = tx->role;
    uint8_t want = role == 0 ? 1 : 2;
    if (d[0] != want) {
        return false;
    }
    uint32_t ml = ((uint32_t)d[1] << 16) | ((uint32_t)d[2] << 8) | d[3];
    if (4 + (uint64_t)ml > n)
        return false;
    uint32_t ev = tls_hello_parse(&tx->hello, role == 0, d + 4, ml);
    if (ev & TLS_HELLO_EV_TRUNCATED) {
        tx->events |= 1u << QUIC_EV_ERROR_ON_DATA;
        return false;
    }
    tx->has_hello = true;
    if (role == 0) {
        if (tx->hello.has_sni && tx->hello.sni[0]) {
            snprintf(tx->sni, sizeof(tx->sni), "%s", tx->hello.sni);
            tx->has_sni = true;
        }
        if (st->ja3)
            tls_hello_ja3(&tx->hello, tx->ja3_string, sizeof(tx->ja3_string), tx->ja3_hash);
        tls_hello_ja4(&tx->hello, 'q', tx->ja4);
    } else if (st->ja3) {
        tls_hello_ja3s(&tx->hello, tx->ja3_string, sizeof(tx->ja3_string), tx->ja3_hash);
    }
    return true;
}

/* ---------- gQUIC CHLO ---------- */

/* The tags of a gQUIC handshake message (CHLO): SNI, UAID and the CYU. */
static void quic_chlo(struct quic_tx *tx, const uint8_t *d, uint32_t n)
{
    /* tag(4) count(u16 le) pad(2) then count x (tag(4) end offset(u32 le)), values */
    if (n < 8)
        return;
    uint32_t count = d[4] | ((uint32_t)d[5] << 8);
    if (count > 128 || 8 + (uint64_t)count * 8 > n)
        return;
    const uint8_t *values = d + 8 + count * 8;
    uint32_t vlen = n - 8 - count * 8;
    unsigned vnum = quic_gquic_number(tx->version);
    struct quic_cyu *cy = NULL;
    size_t o = 0;
    if (vnum && tx->cyu_count < QUIC_CYU_MAX) {
        cy = &tx->cyu[tx->cyu_count];
        /* Q045 shares Q044's CYU version number. */
        o = (size_t)snprintf(cy->string, sizeof(cy->string), "%u,", vnum == 45 ? 44 : vnum % 100);
    }
    uint32_t prev = 0;
    for (uint32_t i = 0; i < count; i++) {
        const uint8_t *e = d + 8 + i * 8;
        uint32_t end = e[4] | ((uint32_t)e[5] << 8) | ((uint32_t)e[6] << 16) | ((uint32_t)e[7] << 24);
        if (end < prev || end > vlen)
            return; /* not a CHLO: no CYU either */
        const uint8_t *val = values + prev;
        uint32_t len = end - prev;
        prev = end;
        char name[5];
        uint32_t nl = 0;
        for (uint32_t k = 0; k < 4 && e[k]; k++)
            name[nl++] = (char)e[k];
        name[nl] = 0;
        if (cy && o < sizeof(cy->string))
            o += (size_t)snprintf(cy->string + o, sizeof(cy->string) - o, i ? "-%s" : "%s", name);
        if (memcmp(e, "SNI\0", 4) == 0) {
            uint32_t l = len < sizeof(tx->sni) - 1 ? len : (uint32_t)sizeof(tx->sni) - 1;
            memcpy(tx->sni, val, l);
            tx->sni[l] = 0;
            tx->has_sni = true;
        } else if (memcmp(e, "UAID", 4) == 0) {
            uint32_t l = len < sizeof(tx->ua) - 1 ? len : (uint32_t)sizeof(tx->ua) - 1;
            memcpy(tx->ua, val, l);
            tx->ua[l] = 0;
            tx->has_ua = true;
        }
    }
    if (cy && o < sizeof(cy->string)) {
        tls_hex_digest(EVP_md5(), cy->string, strlen(cy->string), cy->hash, sizeof(cy->hash),
                       false, 0);
        tx->cyu_count++;
    }
}

/* gQUIC frames: STREAM frames (type 1fdooossB) carry the handshake; padding
 * ends the packet. Other frame types end parsing. */
static int quic_gquic_frames(struct quic_tx *tx, const uint8_t *p, uint32_t n)
{
    uint32_t pos = 0;
    while (pos < n) {
        uint8_t t = p[pos++];
        if (t == 0x00)
            return 0; /* padding to the end */
        if (!(t & 0x80))
            return 0; /* frames we do not read */
        uint32_t idl = (t & 0x03) + 1u;
        uint32_t offl = (t >> 2) & 7;
        if (offl)
            offl++;
        if (pos + idl + offl > n)
            return -1;
        pos += idl + offl;
        uint32_t dl;
        if (t & 0x20) {
            if (pos + 2 > n)
                return -1;
            dl = ((uint32_t)p[pos] << 8) | p[pos + 1];
            pos += 2;
        } else {
            dl = n - pos;
        }
        if (dl > n - pos)
            return -1;
        quic_chlo(tx, p + pos, dl);
        pos += dl;
    }
    return 0;
}

/* ---------- IETF frames ---------- */

/* Frames of a decrypted Initial packet. Returns 0, or -1 when they do not
 * decode. CRYPTO data goes to the direction's reassembly. */
static int quic_frames(struct quic_state *st, struct quic_tx *tx, uint8_t dir, const uint8_t *p,
                       uint32_t n)
{
    uint32_t pos = 0;
    struct quic_crypto *c = &st->crypto[dir];
    bool crypto = false;
    while (pos < n) {
        uint64_t t, a, b;
        uint32_t k = quic_varint(p + pos, n - pos, &t);
        if (!k)
            return -1;
        pos += k;
        switch (t) {
        case 0x00: /* PADDING */
        case 0x01: /* PING */
        case 0x1e: /* HANDSHAKE_DONE */
            break;
        case 0x02: /* ACK */
        case 0x03: { /* ACK with ECN counts */
            uint64_t cnt;
            if (!(k = quic_varint(p + pos, n - pos, &a)))
                return -1;
            pos += k;
            if (!(k = quic_varint(p + pos, n - pos, &a)))
                return -1;
            pos += k;
            if (!(k = quic_varint(p + pos, n - pos, &cnt)))
                return -1;
            pos += k;
            if (!(k = quic_varint(p + pos, n - pos, &a)))
                return -1;
            pos += k;
            uint64_t more = cnt * 2 + (t == 0x03 ? 3 : 0);
            if (more > n)
                return -1;
            for (uint64_t i = 0; i < more; i++) {
                if (!(k = quic_varint(p + pos, n - pos, &a)))
                    return -1;
                pos += k;
            }
            break;
        }
        case 0x06: /* CRYPTO */
            if (!(k = quic_varint(p + pos, n - pos, &a)))
                return -1;
            pos += k;
            if (!(k = quic_varint(p + pos, n - pos, &b)))
                return -1;
            pos += k;
            if (b > n - pos)
                return -1;
            if (a == 0 && !c->end && !crypto && quic_hello_from(st, tx, p + pos, (uint32_t)b)) {
                /* the whole hello in one frame: no reassembly */
            } else if (!quic_crypto_add(st, c, a, p + pos, (uint32_t)b)) {
                tx->events |= 1u << QUIC_EV_CRYPTO_FRAG_TOO_LONG;
            } else {
                crypto = true;
            }
            pos += (uint32_t)b;
            break;
        case 0x07: /* NEW_TOKEN */
            if (!(k = quic_varint(p + pos, n - pos, &a)) || a > n - pos - k)
                return -1;
            pos += k + (uint32_t)a;
            break;
        case 0x1c: /* CONNECTION_CLOSE (transport) */
        case 0x1d: /* CONNECTION_CLOSE (application) */
            if (!(k = quic_varint(p + pos, n - pos, &a)))
                return -1;
            pos += k;
            if (t == 0x1c) {
                if (!(k = quic_varint(p + pos, n - pos, &a)))
                    return -1;
                pos += k;
            }
            if (!(k = quic_varint(p + pos, n - pos, &a)) || a > n - pos - k)
                return -1;
            pos += k + (uint32_t)a;
            break;
        default:
            /* Not allowed in Initial packets (RFC 9000 12.4): stop here. */
            pos = n;
            break;
        }
    }
    if (crypto && !tx->has_hello) {
        uint32_t have = quic_crypto_contiguous(c);
        if (quic_hello_from(st, tx, c->buf, have))
            quic_crypto_reset(st, c);
    }
    return 0;
}

/* ---------- parse ---------- */

static int quic_parse(void *state, struct app_parse_ctx *ctx, uint8_t direction,
                      const uint8_t *data, uint32_t len, uint32_t flags)
{
    struct quic_state *st = state;
    (void)flags;
    if (st->failed || !data)
        return st->failed ? -1 : 0;
    uint8_t dir = direction & 1;
    app_txlist_free_done(&st->txs, sizeof(struct quic_tx), NULL, st);
    uint32_t pos = 0;
    while (pos < len) {
        const uint8_t *p = data + pos;
        uint32_t n = len - pos;
        struct quic_hdr h;
        if (quic_header(p, n, &h) != 0) {
            if (pos == 0) {
                st->failed = true;
                return -1;
            }
            return 0; /* trailing bytes after coalesced packets: padding */
        }
        if (st->hello[dir] || h.type == QUIC_T_SHORT)
            return 0;
        uint32_t plen = h.payload_len;
        if (h.hdr_len + (uint64_t)plen > n) {
            quic_event_tx(st, ctx, dir, &h, QUIC_EV_ERROR_ON_HEADER);
            st->failed = true;
            return -1;
        }
        bool gquic = quic_is_gquic(h.version) || (!(h.first & 0x80));
        if (h.type == QUIC_T_RETRY && st->has_keys && dir != (uint8_t)st->client_dir &&
            !st->has_retried) {
            /* The client starts over with keys from the Retry's new CID. */
            uint8_t cd = (uint8_t)st->client_dir;
            st->has_keys = false;
            st->hello[cd] = false;
            st->has_retried = true;
            st->key_tries = 0;
            quic_crypto_reset(st, &st->crypto[cd]);
        }
        pos += h.hdr_len + plen;
        struct quic_tx *tx = quic_tx_new(st, dir, &h);
        if (!tx) {
            /* Transactions not yet inspected and freed fill the flow's
             * quota: this packet is skipped, and said so. */
            app_parser_count_limit(ctx, APP_PROTO_QUIC);
            return 0;
        }
        if (h.type != QUIC_T_INITIAL) {
            quic_tx_done(st, ctx, tx);
            continue;
        }
        int rc;
        if (gquic) {
            rc = quic_gquic_frames(tx, p + h.hdr_len, plen);
        } else if (st->has_keys) {
            const uint8_t *plain = NULL;
            int pl = quic_decrypt(st, &st->keys[tx->role], p, &h, &plain);
            if (pl < 0) {
                tx->events |= 1u << QUIC_EV_FAILED_DECRYPT;
                quic_tx_done(st, ctx, tx);
                st->failed = true;
                return -1;
            }
            rc = quic_frames(st, tx, dir, plain, (uint32_t)pl);
        } else {
            const uint8_t *plain = NULL;
            int pl = quic_keys_try(st, dir, p, &h, &plain);
            if (pl >= 0) {
                tx->role = quic_role(st, dir);
                rc = quic_frames(st, tx, dir, plain, (uint32_t)pl);
            } else {
                /* Unknown version, or no keys for this Initial (see the
                 * top): the header is all we can read. */
                if (pl == -1) {
                    app_parser_count_undecrypted(ctx, APP_PROTO_QUIC);
                    /* Corrupted or not the client's first: undecidable
                     * without keys, so said once per flow, and the flow
                     * goes on (a later Initial may bring the keys). */
                    if (!st->told_undecrypted)
                        tx->events |= 1u << QUIC_EV_FAILED_DECRYPT;
                    st->told_undecrypted = true;
                }
                rc = 0;
            }
        }
        if (rc != 0) {
            tx->events |= 1u << QUIC_EV_ERROR_ON_DATA;
            quic_tx_done(st, ctx, tx);
            st->failed = true;
            return -1;
        }
        if (tx->has_hello)
            st->hello[dir] = true;
        quic_tx_done(st, ctx, tx);
    }
    return 0;
}

/* ---------- detection ---------- */

/* Long header with a known version (IETF v1, v2, drafts; gQUIC Q0xx;
 * version negotiation), or a gQUIC public header announcing its version. */
static enum app_probe_result quic_probe(const uint8_t *data, uint32_t len, uint8_t direction)
{
    (void)direction;
    struct quic_hdr h;
    if (len < 1 || quic_header(data, len, &h) != 0 || h.type == QUIC_T_SHORT)
        return APP_PROBE_NO;
    uint32_t v = h.version;
    bool known = v == QUIC_V1 || v == QUIC_V2 || (v >> 8) == 0xff0000u || quic_is_gquic(v) ||
                 (v == 0 && (data[0] & 0x80));
    if (!known)
        return APP_PROBE_NO;
    if ((data[0] & 0x80) && !quic_is_gquic(v) && v != 0 && !(data[0] & 0x40))
        return APP_PROBE_NO; /* the fixed bit (RFC 9000 17.2) */
    if (h.hdr_len + (uint64_t)h.payload_len > len)
        return APP_PROBE_NO;
    return APP_PROBE_MATCH;
}

static void quic_tx_free(struct app_list_tx *ltx, void *user)
{
    (void)ltx;
    (void)user;
}

static void *quic_state_new(struct app_parse_ctx *ctx)
{
    if (!app_memory_reserve(ctx, sizeof(struct quic_state)))
        return NULL;
    struct quic_state *st = calloc(1, sizeof(*st));
    if (!st) {
        app_memory_release(ctx, sizeof(struct quic_state));
        return NULL;
    }
    st->thread = ctx->thread;
    st->ja3 = app_parser_config(ctx)->ja3_fingerprints;
    st->client_dir = -1;
    app_txlist_init(&st->txs, ctx->thread);
    return st;
}

static void quic_state_free(void *state)
{
    struct quic_state *st = state;
    if (!st)
        return;
    app_txlist_free_all(&st->txs, sizeof(struct quic_tx), quic_tx_free, st);
    for (int d = 0; d < 2; d++)
        quic_crypto_reset(st, &st->crypto[d]);
    EVP_CIPHER_CTX_free(st->ecb);
    EVP_CIPHER_CTX_free(st->gcm);
    app_thread_memory_release(st->thread, sizeof(*st));
    free(st);
}

static int quic_tx_foreach(void *state, int (*fn)(struct app_tx *tx, void *user), void *user)
{
    struct quic_state *st = state;
    return app_txlist_foreach(&st->txs, fn, user);
}

static bool quic_tx_complete(const struct app_tx *atx, uint8_t direction)
{
    (void)atx;
    (void)direction;
    return true;
}

static bool quic_tx_has_event(const struct app_tx *atx, const char *name)
{
    const struct quic_tx *tx = (const struct quic_tx *)atx;
    for (int e = 0; e < QUIC_EV_COUNT; e++)
        if ((tx->events & (1u << e)) && strcasecmp(quic_event_names[e], name) == 0)
            return true;
    return false;
}

static int quic_tx_direction(const struct app_tx *atx)
{
    return ((const struct quic_tx *)atx)->dir;
}

static int quic_str(const char *s, bool have, const uint8_t **data, uint32_t *len)
{
    if (!have || !s[0])
        return -ENOENT;
    *data = (const uint8_t *)s;
    *len = (uint32_t)strlen(s);
    return 0;
}

static int quic_tx_get_buffer(const struct app_tx *atx, enum app_buffer buffer, uint32_t index,
                              const uint8_t **data, uint32_t *len)
{
    const struct quic_tx *tx = (const struct quic_tx *)atx;
    index &= ~(APP_BUFFER_INDEX_TOCLIENT | APP_BUFFER_INDEX_TOSERVER);
    switch (buffer) {
    case APP_BUFFER_QUIC_CYU_HASH:
    case APP_BUFFER_QUIC_CYU_STRING:
        if (index >= tx->cyu_count)
            return -ENOENT;
        return quic_str(buffer == APP_BUFFER_QUIC_CYU_HASH ? tx->cyu[index].hash
                                                           : tx->cyu[index].string,
                        true, data, len);
    default:
        break;
    }
    if (index)
        return -ENOENT;
    switch (buffer) {
    case APP_BUFFER_QUIC_VERSION:
        if (tx->type == QUIC_T_SHORT)
            return -ENOENT;
        *data = tx->version_buf;
        *len = 4;
        return 0;
    case APP_BUFFER_QUIC_SNI:
        return quic_str(tx->sni, tx->has_sni, data, len);
    case APP_BUFFER_QUIC_UA:
        return quic_str(tx->ua, tx->has_ua, data, len);
    case APP_BUFFER_JA3_HASH:
        return quic_str(tx->ja3_hash, tx->role == 0, data, len);
    case APP_BUFFER_JA3_STRING:
        return quic_str(tx->ja3_hash[0] ? tx->ja3_string : "", tx->role == 0, data, len);
    case APP_BUFFER_JA3S_HASH:
        return quic_str(tx->ja3_hash, tx->role == 1, data, len);
    case APP_BUFFER_JA3S_STRING:
        return quic_str(tx->ja3_hash[0] ? tx->ja3_string : "", tx->role == 1, data, len);
    case APP_BUFFER_JA4_HASH:
        return quic_str(tx->ja4, tx->role == 0, data, len);
    default:
        return -ENOENT;
    }
}

/* ---------- EVE ---------- */

static void quic_version_string(uint32_t v, char out[16])
{
    if (quic_gquic_number(v))
        snprintf(out, 16, "%c%c%c%c", (char)(v >> 24), (char)(v >> 16), (char)(v >> 8), (char)v);
    else
        snprintf(out, 16, "%x", v);
}

static void quic_tx_write_json(const struct app_tx *atx, struct json_writer *w)
{
    const struct quic_tx *tx = (const struct quic_tx *)atx;
    json_key_object_begin(w, "quic");
    if (tx->type != QUIC_T_SHORT) {
        char vs[16];
        quic_version_string(tx->version, vs);
        json_key_string(w, "version", vs);
        if (tx->has_sni)
            json_key_string_from_bytes(w, "sni", tx->sni, strlen(tx->sni));
        if (tx->has_ua)
            json_key_string_from_bytes(w, "ua", tx->ua, strlen(tx->ua));
    }
    if (tx->cyu_count) {
        json_key_array_begin(w, "cyu");
        for (uint32_t i = 0; i < tx->cyu_count; i++) {
            json_object_begin(w);
            json_key_string(w, "hash", tx->cyu[i].hash);
            json_key_string(w, "string", tx->cyu[i].string);
            json_object_end(w);
        }
        json_array_end(w);
    }
    if (tx->ja3_hash[0]) {
        json_key_object_begin(w, tx->role == 0 ? "ja3" : "ja3s");
        json_key_string(w, "hash", tx->ja3_hash);
        json_key_string(w, "string", tx->ja3_string);
        json_object_end(w);
    }
    if (tx->ja4[0])
        json_key_string(w, "ja4", tx->ja4);
    const struct tls_hello *h = &tx->hello;
    if (tx->has_hello && h->ext_all_count) {
        json_key_array_begin(w, "extensions");
        for (uint32_t i = 0; i < h->ext_all_count; i++) {
            uint16_t t = h->ext_all[i];
            json_object_begin(w);
            const char *name = tls_extension_name(t);
            if (name)
                json_key_string(w, "name", name);
            json_key_u64(w, "type", t);
            if (t == 0 && h->sni[0]) {
                json_key_array_begin(w, "values");
                json_write_string_from_bytes(w, h->sni, strlen(h->sni), NULL);
                json_array_end(w);
            } else if (t == 16 && h->alpn_count) {
                json_key_array_begin(w, "values");
                for (uint32_t a = 0; a < h->alpn_count; a++) {
                    const char *s = tls_hello_alpn(h, a);
                    json_write_string_from_bytes(w, s, strlen(s), NULL);
                }
                json_array_end(w);
            }
            json_object_end(w);
        }
        json_array_end(w);
    }
    json_object_end(w);
}

static void quic_log_body(const void *object, struct json_writer *w)
{
    quic_tx_write_json(object, w);
}

const struct app_parser app_parser_quic = {
    .proto = APP_PROTO_QUIC,
    .name = "quic",
    .ipprotos = APP_IPPROTO_UDP,
    .ports = {443, 80},
    .probe = quic_probe,
    .state_new = quic_state_new,
    .state_free = quic_state_free,
    .parse = quic_parse,
    .tx_foreach = quic_tx_foreach,
    .tx_complete = quic_tx_complete,
    .tx_get_buffer = quic_tx_get_buffer,
    .tx_write_json = quic_tx_write_json,
    .tx_has_event = quic_tx_has_event,
    .tx_direction = quic_tx_direction,
    .event_names = quic_event_names,
};
