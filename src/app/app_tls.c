/* SPDX-License-Identifier: Apache-2.0 */
/* TLS / SSL (RFC 5246, RFC 8446; SSLv2 ClientHello compatibility format).
 *
 * Records are reassembled per direction (split across calls at any byte,
 * several per call) and handshake messages across records. Parsed:
 * ClientHello (version, ciphers, extensions, SNI, ALPN, groups, point
 * formats, signature algorithms, supported_versions; GREASE ignored for
 * fingerprints), ServerHello (version incl. supported_versions, cipher,
 * extensions, ALPN, session resumption), Certificate for TLS <= 1.2 in both
 * directions (X.509 via OpenSSL), ChangeCipherSpec (a direction is encrypted
 * after it; TLS 1.3 after ServerHello), alerts and heartbeats (anomalies).
 * Fingerprints: JA3/JA3S (MD5) and JA4 (FoxIO).
 *
 * One transaction per flow, logged once as EVE "tls" (Suricata's extended
 * fields) when both directions are encrypted, else at flow end if a hello
 * was seen. Limits: records larger than TLS_RECORD_MAX are an anomaly and
 * stop parsing; a handshake message larger than TLS_HANDSHAKE_MAX is skipped
 * with an anomaly; at most TLS_CERTS_MAX certificates are kept per chain. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/asn1.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "app/app_parser.h"
#include "app/tls_hello.h"
#include "util/json.h"

#define TLS_RECORD_MAX (16384u + 2048u)
#define TLS_HANDSHAKE_MAX (256u * 1024)
#define TLS_CERTS_MAX 16

enum tls_content {
    TLS_CT_CCS = 20,
    TLS_CT_ALERT = 21,
    TLS_CT_HANDSHAKE = 22,
    TLS_CT_APPDATA = 23,
    TLS_CT_HEARTBEAT = 24,
};

enum tls_event {
    TLS_EV_INVALID_RECORD_TYPE = 0,
    TLS_EV_INVALID_RECORD_VERSION,
    TLS_EV_INVALID_RECORD_LENGTH,
    TLS_EV_INVALID_HANDSHAKE_MESSAGE,
    TLS_EV_HANDSHAKE_INVALID_LENGTH,
    TLS_EV_INVALID_CERTIFICATE,
    TLS_EV_CERTIFICATE_INVALID_LENGTH,
    TLS_EV_MULTIPLE_SNI_EXTENSIONS,
    TLS_EV_INVALID_SNI_TYPE,
    TLS_EV_INVALID_SNI_LENGTH,
    TLS_EV_OVERFLOW_HEARTBEAT_MESSAGE,
    TLS_EV_INVALID_HEARTBEAT_MESSAGE,
    TLS_EV_ERROR_MESSAGE_ENCOUNTERED,
    TLS_EV_INVALID_SSL_RECORD,
    TLS_EV_COUNT,
};
static const char *const tls_event_names[TLS_EV_COUNT + 1] = {
    "invalid_record_type",        "invalid_record_version",     "invalid_record_length",
    "invalid_handshake_message",  "handshake_invalid_length",   "invalid_certificate",
    "certificate_invalid_length", "multiple_sni_extensions",    "invalid_sni_type",
    "invalid_sni_length",         "overflow_heartbeat_message", "invalid_heartbeat_message",
    "error_message_encountered",  "invalid_ssl_record",
};

/* Certificate facts, for cert 0 of a chain. Strings are owned. */
struct tls_cert_info {
    char *subject, *issuer, *serial, *fingerprint;
    uint32_t subject_len, issuer_len; /* values may hold NUL bytes */
    char notbefore[80], notafter[80];
    char **san;
    uint32_t *san_len;
    uint32_t san_count;
    /* The chain as DER (owned), for tls.certs and "chain". */
    uint8_t *der[TLS_CERTS_MAX];
    uint32_t der_len[TLS_CERTS_MAX];
    uint32_t count;
};

struct tls_side {
    uint8_t hdr[5];
    uint32_t hdr_len;
    uint8_t rec_type;
    uint32_t rec_remaining; /* body bytes left of the current record */
    uint8_t *rec;           /* owned; TLS_RECORD_MAX bytes, for records we parse */
    uint32_t rec_len;
    bool buffering; /* the current record's body is collected */
    uint8_t *hs;    /* owned; handshake reassembly, hs_cap bytes */
    uint32_t hs_len, hs_cap;
    uint32_t hs_skip; /* bytes of an oversized handshake message to drop */
    bool encrypted;   /* CCS seen / TLS 1.3 keys in use */
    bool broken;      /* unparseable stream: ignore the rest */
    bool sslv2;       /* first record was an SSLv2 ClientHello */
};

struct tls_tx {
    struct app_tx base;
    uint16_t from_proto; /* the protocol that upgraded to TLS (STARTTLS, SSLRequest), or 0 */
    struct tls_hello client, server;
    struct tls_cert_info cert[2]; /* [0] client cert, [1] server cert */
    char ja3_string[2048], ja3_hash[33];
    char ja3s_string[1024], ja3s_hash[33];
    char ja4[40];
    char version_str[32];
    uint8_t version_wire[2]; /* negotiated (else offered) version, big-endian */
    bool session_resumed;
    uint32_t events;
    /* EVE options copied from the configuration at state creation. */
    bool log_cert, log_chain, log_client_cert, log_client_chain, log_san;
};

struct tls_state {
    struct app_layer_thread_ctx *thread;
    bool server_hello_done; /* ServerHelloDone seen */
    bool cert_requested;    /* CertificateRequest seen: wait for the client's */
    bool client_cert_seen;
    struct tls_side side[2];
    struct tls_tx tx;
    bool counted;
    bool ja3, ja4;
};

/* ---------- helpers ---------- */

static uint16_t tls_u16(const uint8_t *b)
{
    return (uint16_t)((b[0] << 8) | b[1]);
}

static uint32_t tls_u24(const uint8_t *b)
{
    return ((uint32_t)b[0] << 16) | ((uint32_t)b[1] << 8) | b[2];
}

static bool tls_grease(uint16_t v)
{
    return (v & 0x0f0f) == 0x0a0a && (v >> 8) == (v & 0xff);
}

static void tls_event(struct app_parse_ctx *ctx, struct tls_tx *tx, enum tls_event e)
{
    if (tx->events & (1u << e))
        return;
    tx->events |= 1u << e;
    app_parser_anomaly(ctx, APP_PROTO_TLS, tls_event_names[e]);
}

/* Suricata's names for protocol versions. */
static void tls_version_string(uint16_t v, char *out, size_t n)
{
    switch (v) {
    case 0x0200:
        snprintf(out, n, "SSLv2");
        return;
    case 0x0300:
        snprintf(out, n, "SSLv3");
        return;
    case 0x0301:
        snprintf(out, n, "TLSv1");
        return;
    case 0x0302:
        snprintf(out, n, "TLS 1.1");
        return;
    case 0x0303:
        snprintf(out, n, "TLS 1.2");
        return;
    case 0x0304:
        snprintf(out, n, "TLS 1.3");
        return;
    default:
        break;
    }
    if ((v >> 8) == 0x7f && (v & 0xff) > 0) {
        if ((v & 0xff) < 16)
            snprintf(out, n, "TLS 1.3 draft-<16");
        else
            snprintf(out, n, "TLS 1.3 draft-%u", v & 0xff);
        return;
    }
    if ((v >> 8) == 0xfb) {
        snprintf(out, n, "TLS 1.3 draft-%u-fb", v & 0xff);
        return;
    }
    snprintf(out, n, "UNDETERMINED");
}

/* ---------- X.509 ---------- */

/* "C=US, O=Org, CN=host": attributes in certificate order, OpenSSL's short
 * names except emailAddress, which Suricata writes "Email"; values as UTF-8,
 * unescaped (as Suricata prints them). The caller frees the result. */
static char *tls_name_string(const X509_NAME *name, uint32_t *out_len)
{
    *out_len = 0;
    size_t cap = 256, len = 0;
    char *s = malloc(cap);
    if (!s)
        return NULL;
    s[0] = 0;
    int n = X509_NAME_entry_count(name);
    for (int i = 0; i < n; i++) {
        const X509_NAME_ENTRY *e = X509_NAME_get_entry(name, i);
        const ASN1_OBJECT *obj = X509_NAME_ENTRY_get_object(e);
        int nid = OBJ_obj2nid(obj);
        char attr[80];
        if (nid == NID_pkcs9_emailAddress)
            snprintf(attr, sizeof(attr), "Email");
        else if (nid != NID_undef && OBJ_nid2sn(nid))
            snprintf(attr, sizeof(attr), "%s", OBJ_nid2sn(nid));
        else
            OBJ_obj2txt(attr, sizeof(attr), obj, 1);
        unsigned char *val = NULL;
        int vl = ASN1_STRING_to_UTF8(&val, X509_NAME_ENTRY_get_data(e));
        if (vl < 0)
            vl = 0;
        size_t need = len + strlen(attr) + (size_t)vl + 4;
        if (need > cap) {
            while (cap < need)
                cap *= 2;
            char *ns = realloc(s, cap);
            if (!ns) {
                OPENSSL_free(val);
                free(s);
                return NULL;
            }
            s = ns;
        }
        len += (size_t)snprintf(s + len, cap - len, "%s%s=", i ? ", " : "", attr);
        if (vl)
            memcpy(s + len, val, (size_t)vl);
        len += (size_t)vl;
        s[len] = 0;
        OPENSSL_free(val);
    }
    *out_len = (uint32_t)len;
    return s;
}

static void tls_time_string(const ASN1_TIME *t, char out[80])
{
    struct tm tm;
    memset(&tm, 0, sizeof(tm));
    out[0] = 0;
    if (!t || !ASN1_TIME_to_tm(t, &tm))
        return;
    snprintf(out, 80, "%04d-%02d-%02dT%02d:%02d:%02d", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
             tm.tm_hour, tm.tm_min, tm.tm_sec);
}

/* "00:C7:D4:...": the DER INTEGER content bytes, upper-case, colon-separated. */
static char *tls_serial_string(const ASN1_INTEGER *serial)
{
    unsigned char *der = NULL;
    int n = i2d_ASN1_INTEGER(serial, &der);
    if (n <= 2) {
        OPENSSL_free(der);
        return NULL;
    }
    /* Skip tag and length (short or long form). */
    int off = 2;
    if (der[1] & 0x80)
        off = 2 + (der[1] & 0x7f);
    char *s = NULL;
    if (off < n) {
        size_t count = (size_t)(n - off);
        s = malloc(count * 3 + 1);
        if (s) {
            size_t o = 0;
            for (size_t i = 0; i < count; i++)
                o += (size_t)snprintf(s + o, 4, i ? ":%02X" : "%02X", der[off + (int)i]);
            s[o] = 0;
        }
    }
    OPENSSL_free(der);
    return s;
}

static void tls_cert_info_clear(struct tls_cert_info *c)
{
    free(c->subject);
    free(c->issuer);
    free(c->serial);
    free(c->fingerprint);
    for (uint32_t i = 0; i < c->san_count; i++)
        free(c->san[i]);
    free(c->san);
    free(c->san_len);
    for (uint32_t i = 0; i < c->count; i++)
        free(c->der[i]);
    memset(c, 0, sizeof(*c));
}

/* Bytes of a cert_info for the memcap (an estimate the same on reserve and release). */
static size_t tls_cert_info_size(const struct tls_cert_info *c)
{
    size_t n = 0;
    for (uint32_t i = 0; i < c->count; i++)
        n += c->der_len[i];
    return n + 1024;
}

static void tls_cert0_parse(struct tls_cert_info *c, const uint8_t *der, uint32_t len, bool *bad)
{
    const unsigned char *p = der;
    X509 *x = d2i_X509(NULL, &p, (long)len);
    if (!x) {
        *bad = true;
        return;
    }
    c->subject = tls_name_string(X509_get_subject_name(x), &c->subject_len);
    c->issuer = tls_name_string(X509_get_issuer_name(x), &c->issuer_len);
    c->serial = tls_serial_string(X509_get0_serialNumber(x));
    c->fingerprint = malloc(64);
    if (c->fingerprint)
        tls_hex_digest(EVP_sha1(), der, len, c->fingerprint, 64, true, 0);
    tls_time_string(X509_get0_notBefore(x), c->notbefore);
    tls_time_string(X509_get0_notAfter(x), c->notafter);
    GENERAL_NAMES *gens = X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL);
    if (gens) {
        int n = sk_GENERAL_NAME_num(gens);
        if (n > 64)
            n = 64;
        c->san = calloc((size_t)(n > 0 ? n : 1), sizeof(char *));
        c->san_len = calloc((size_t)(n > 0 ? n : 1), sizeof(uint32_t));
        for (int i = 0; c->san && c->san_len && i < n; i++) {
            const GENERAL_NAME *g = sk_GENERAL_NAME_value(gens, i);
            if (g->type != GEN_DNS)
                continue;
            const ASN1_IA5STRING *ia5 = g->d.dNSName;
            char *s = malloc((size_t)ia5->length + 1);
            if (!s)
                continue;
            memcpy(s, ia5->data, (size_t)ia5->length);
            s[ia5->length] = 0;
            c->san_len[c->san_count] = (uint32_t)ia5->length;
            c->san[c->san_count++] = s;
        }
        GENERAL_NAMES_free(gens);
    }
    X509_free(x);
}

/* Certificate message (TLS <= 1.2): 3-byte list length, then 3-byte length +
 * DER per certificate. */
static void tls_certificate(struct tls_state *st, struct app_parse_ctx *ctx, uint8_t d,
                            const uint8_t *m, uint32_t len)
{
    struct tls_tx *tx = &st->tx;
    struct tls_cert_info *c = &tx->cert[d == 1 ? 1 : 0];
    if (len < 3) {
        tls_event(ctx, tx, TLS_EV_CERTIFICATE_INVALID_LENGTH);
        return;
    }
    uint32_t total = tls_u24(m);
    if (total + 3 > len) {
        tls_event(ctx, tx, TLS_EV_CERTIFICATE_INVALID_LENGTH);
        return;
    }
    if (c->count) {
        app_memory_release(ctx, tls_cert_info_size(c));
        tls_cert_info_clear(c);
    }
    uint32_t pos = 3, end = 3 + total;
    while (pos + 3 <= end) {
        uint32_t cl = tls_u24(m + pos);
        if (pos + 3 + cl > end) {
            tls_event(ctx, tx, TLS_EV_CERTIFICATE_INVALID_LENGTH);
            break;
        }
        const uint8_t *der = m + pos + 3;
        if (c->count == 0) {
            bool bad = false;
            tls_cert0_parse(c, der, cl, &bad);
            if (bad)
                tls_event(ctx, tx, TLS_EV_INVALID_CERTIFICATE);
        }
        if (c->count < TLS_CERTS_MAX) {
            c->der[c->count] = malloc(cl ? cl : 1);
            if (c->der[c->count]) {
                memcpy(c->der[c->count], der, cl);
                c->der_len[c->count] = cl;
                c->count++;
            }
        }
        pos += 3 + cl;
    }
    /* Account what is kept (bounded by the handshake message size); over
     * the memcap, the chain is dropped. */
    if (c->count && !app_memory_reserve(ctx, tls_cert_info_size(c)))
        tls_cert_info_clear(c);
}

/* ---------- hello parsing ---------- */

/* ClientHello / ServerHello body. */
static void tls_hello(struct tls_state *st, struct app_parse_ctx *ctx, bool client,
                      const uint8_t *m, uint32_t len)
{
    struct tls_tx *tx = &st->tx;
    struct tls_hello *h = client ? &tx->client : &tx->server;
    if (h->seen) {
        /* A second ClientHello after HelloRetryRequest: keep the first for
         * fingerprints (as JA3 implementations do). */
        if (client)
            return;
    }
    uint32_t ev = tls_hello_parse(h, client, m, len);
    if (ev & TLS_HELLO_EV_INVALID)
        tls_event(ctx, tx, TLS_EV_INVALID_HANDSHAKE_MESSAGE);
    if (ev & TLS_HELLO_EV_MULTIPLE_SNI)
        tls_event(ctx, tx, TLS_EV_MULTIPLE_SNI_EXTENSIONS);
    if (ev & TLS_HELLO_EV_INVALID_SNI_TYPE)
        tls_event(ctx, tx, TLS_EV_INVALID_SNI_TYPE);
    if (ev & TLS_HELLO_EV_INVALID_SNI_LENGTH)
        tls_event(ctx, tx, TLS_EV_INVALID_SNI_LENGTH);
    if (ev & TLS_HELLO_EV_TRUNCATED)
        return;
    {
        uint16_t v = tx->server.seen ? tx->server.version : tx->client.legacy_version;
        tx->version_wire[0] = (uint8_t)(v >> 8);
        tx->version_wire[1] = (uint8_t)v;
    }
    if (client) {
        if (st->ja3)
            tls_hello_ja3(h, tx->ja3_string, sizeof(tx->ja3_string), tx->ja3_hash);
        if (st->ja4)
            tls_hello_ja4(h, 't', tx->ja4);
    } else {
        if (st->ja3)
            tls_hello_ja3s(h, tx->ja3s_string, sizeof(tx->ja3s_string), tx->ja3s_hash);
        /* HelloRetryRequest carries a fixed random; the real ServerHello follows. */
        static const uint8_t hrr[32] = {0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11,
                                        0xbe, 0x1d, 0x8c, 0x02, 0x1e, 0x65, 0xb8, 0x91,
                                        0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb, 0x8c, 0x5e,
                                        0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c};
        bool is_hrr = memcmp(m + 2, hrr, 32) == 0;
        bool tls13 = h->version == 0x0304 || (h->version >> 8) == 0x7f || (h->version >> 8) == 0xfb;
        if (tls13 && !is_hrr) {
            st->side[1].encrypted = true;
            st->side[0].encrypted = true;
        }
        const struct tls_hello *c = &tx->client;
        if (c->session_id_len && c->session_id_len == h->session_id_len &&
            memcmp(c->session_id, h->session_id, c->session_id_len) == 0 && !tls13)
            tx->session_resumed = true;
    }
}

static void tls_handshake_message(struct tls_state *st, struct app_parse_ctx *ctx, uint8_t d,
                                  uint8_t type, const uint8_t *m, uint32_t len)
{
    switch (type) {
    case 1: /* ClientHello */
        if (d == 0) {
            tls_hello(st, ctx, true, m, len);
            if (!st->counted) {
                st->counted = true;
                app_parser_count_tx(ctx, APP_PROTO_TLS);
            }
        }
        break;
    case 2: /* ServerHello */
        if (d == 1)
            tls_hello(st, ctx, false, m, len);
        break;
    case 11: /* Certificate (TLS 1.3 ones are encrypted and never reach here) */
        tls_certificate(st, ctx, d, m, len);
        if (d == 0)
            st->client_cert_seen = true;
        break;
    case 13: /* CertificateRequest */
        if (d == 1)
            st->cert_requested = true;
        break;
    case 14: /* ServerHelloDone */
        if (d == 1)
            st->server_hello_done = true;
        break;
    default:
        break;
    }
}

/* Appends handshake-record bytes and processes every complete message. */
static void tls_handshake_data(struct tls_state *st, struct app_parse_ctx *ctx, uint8_t d,
                               const uint8_t *data, uint32_t len)
{
    struct tls_side *s = &st->side[d];
    while (len > 0) {
        if (s->hs_skip) {
            uint32_t c = s->hs_skip < len ? s->hs_skip : len;
            s->hs_skip -= c;
            data += c;
            len -= c;
            continue;
        }
        /* Fast path: whole messages in this record, nothing buffered. */
        if (s->hs_len == 0 && len >= 4) {
            uint32_t ml = tls_u24(data + 1);
            if (4 + ml <= len) {
                tls_handshake_message(st, ctx, d, data[0], data + 4, ml);
                data += 4 + ml;
                len -= 4 + ml;
                if (s->encrypted)
                    return;
                continue;
            }
        }
        uint32_t need;
        if (s->hs_len >= 4) {
            need = 4 + tls_u24(s->hs + 1);
        } else {
            uint8_t tmp[4];
            uint32_t have = s->hs_len;
            memcpy(tmp, s->hs ? s->hs : tmp, have);
            uint32_t c = 4 - have < len ? 4 - have : len;
            memcpy(tmp + have, data, c);
            if (have + c < 4) {
                need = 4;
            } else {
                need = 4 + tls_u24(tmp + 1);
            }
        }
        if (need > TLS_HANDSHAKE_MAX) {
            tls_event(ctx, &st->tx, TLS_EV_HANDSHAKE_INVALID_LENGTH);
            s->hs_skip = need - s->hs_len;
            s->hs_len = 0;
            continue;
        }
        if (need > s->hs_cap) {
            uint32_t cap = s->hs_cap ? s->hs_cap : 4096;
            while (cap < need)
                cap *= 2;
            if (!app_memory_reserve(ctx, cap - s->hs_cap)) {
                s->broken = true;
                return;
            }
            uint8_t *nb = realloc(s->hs, cap);
            if (!nb) {
                app_memory_release(ctx, cap - s->hs_cap);
                s->broken = true;
                return;
            }
            s->hs = nb;
            s->hs_cap = cap;
        }
        uint32_t c = need - s->hs_len < len ? need - s->hs_len : len;
        memcpy(s->hs + s->hs_len, data, c);
        s->hs_len += c;
        data += c;
        len -= c;
        if (s->hs_len >= 4 && s->hs_len == 4 + tls_u24(s->hs + 1)) {
            s->hs_len = 0;
            tls_handshake_message(st, ctx, d, s->hs[0], s->hs + 4, tls_u24(s->hs + 1));
            if (s->encrypted)
                return;
        }
    }
}

static void tls_log_body(const void *object, struct json_writer *w);

static void tls_maybe_log(struct tls_state *st, struct app_parse_ctx *ctx, bool at_end)
{
    struct tls_tx *tx = &st->tx;
    if (tx->base.logged)
        return;
    /* As Suricata: the handshake is "done" for logging once the server's
     * flight is complete (ServerHelloDone), or the client's certificate is in
     * when one was requested, or both sides encrypt. */
    bool done = (st->side[0].encrypted && st->side[1].encrypted) ||
                (st->server_hello_done &&
                 (!st->cert_requested || st->client_cert_seen || st->side[0].encrypted));
    if (!(tx->client.seen || tx->server.seen))
        return;
    if (!done && !at_end)
        return;
    uint16_t v = tx->server.seen ? tx->server.version : tx->client.legacy_version;
    tls_version_string(v, tx->version_str, sizeof(tx->version_str));
    tx->base.logged = true;
    app_parser_log(ctx, "tls", 0, tls_log_body, &tx->base);
}

static void tls_record(struct tls_state *st, struct app_parse_ctx *ctx, uint8_t d, uint8_t type,
                       const uint8_t *body, uint32_t len)
{
    struct tls_side *s = &st->side[d];
    struct tls_tx *tx = &st->tx;
    switch (type) {
    case TLS_CT_HANDSHAKE:
        if (!s->encrypted)
            tls_handshake_data(st, ctx, d, body, len);
        break;
    case TLS_CT_CCS:
        s->encrypted = true;
        s->hs_len = 0;
        break;
    case TLS_CT_ALERT:
        if (!s->encrypted && len >= 2 && body[0] == 2)
            tls_event(ctx, tx, TLS_EV_ERROR_MESSAGE_ENCOUNTERED);
        break;
    case TLS_CT_HEARTBEAT:
        if (!s->encrypted) {
            if (len < 3) {
                tls_event(ctx, tx, TLS_EV_INVALID_HEARTBEAT_MESSAGE);
            } else {
                uint32_t pl = tls_u16(body + 1);
                /* payload + at least 16 bytes of padding must fit the record */
                if (3 + pl + 16 > len)
                    tls_event(ctx, tx, TLS_EV_OVERFLOW_HEARTBEAT_MESSAGE);
            }
        } else if (len > 0 && len < 3 + 16) {
            tls_event(ctx, tx, TLS_EV_INVALID_HEARTBEAT_MESSAGE);
        }
        break;
    case TLS_CT_APPDATA:
        /* Application data means keys are in use in this direction. */
        s->encrypted = true;
        break;
    default:
        break;
    }
}

/* SSLv2 ClientHello (2-byte header with the top bit set): records the
 * offered version as the client's; the server usually answers in TLS. */
static void tls_sslv2_client_hello(struct tls_state *st, struct app_parse_ctx *ctx,
                                   const uint8_t *body, uint32_t len)
{
    struct tls_hello *h = &st->tx.client;
    if (len < 9 || body[0] != 1) {
        tls_event(ctx, &st->tx, TLS_EV_INVALID_SSL_RECORD);
        return;
    }
    memset(h, 0, sizeof(*h));
    h->seen = true;
    h->legacy_version = h->version = tls_u16(body + 1);
    uint32_t cl = tls_u16(body + 3);
    for (uint32_t i = 9; i + 2 < 9 + cl && i + 2 < len; i += 3) {
        if (body[i] != 0)
            continue; /* SSLv2-only cipher kinds */
        uint16_t c = tls_u16(body + i + 1);
        if (tls_grease(c))
            continue;
        h->cipher_total++;
        if (h->cipher_count < TLS_LIST_MAX)
            h->ciphers[h->cipher_count++] = c;
    }
    if (!st->counted) {
        st->counted = true;
        app_parser_count_tx(ctx, APP_PROTO_TLS);
    }
    /* No JA3 for the SSLv2 format (Suricata and tshark compute none). */
}

/* Suricata's TLS frames: pdu (a whole record, header included), hdr (its
 * 5-byte header), data (its body), alert and heartbeat (the body of an
 * alert or heartbeat record). Reported when a record's header is read, at
 * stream offset `at` (the header's first byte); the body's bytes come from
 * the stream as it is parsed. */
enum { TLS_FRAME_PDU, TLS_FRAME_HDR, TLS_FRAME_DATA, TLS_FRAME_ALERT, TLS_FRAME_HEARTBEAT };
static const char *const tls_frame_names[] = {"pdu", "hdr", "data", "alert", "heartbeat", NULL};

static void tls_frames(struct app_parse_ctx *ctx, uint8_t d, uint64_t at, const uint8_t *hdr,
                       uint8_t type, uint32_t rl)
{
    if (!app_frames_on(ctx))
        return;
    app_frame_add(ctx, d, at, 5 + (int64_t)rl, TLS_FRAME_PDU, -1, hdr, 5);
    app_frame_add(ctx, d, at, 5, TLS_FRAME_HDR, -1, hdr, 5);
    if (!rl)
        return;
    app_frame_add(ctx, d, at + 5, rl, TLS_FRAME_DATA, -1, NULL, 0);
    if (type == TLS_CT_ALERT)
        app_frame_add(ctx, d, at + 5, rl, TLS_FRAME_ALERT, -1, NULL, 0);
    else if (type == TLS_CT_HEARTBEAT)
        app_frame_add(ctx, d, at + 5, rl, TLS_FRAME_HEARTBEAT, -1, NULL, 0);
}

static int tls_parse(void *state, struct app_parse_ctx *ctx, uint8_t direction, const uint8_t *data,
                     uint32_t len, uint32_t flags)
{
    const uint8_t *start = data;
    struct tls_state *st = state;
    uint8_t d = direction & 1;
    struct tls_side *s = &st->side[d];
    if (flags & APP_DATA_GAP) {
        /* Record framing is lost: nothing more can be parsed this way. */
        s->broken = true;
        s->encrypted = true;
        tls_maybe_log(st, ctx, false);
        return 0;
    }
    while (data && len > 0 && !s->broken) {
        if (s->rec_remaining == 0) {
            /* Record header (5 bytes; SSLv2: 2). */
            uint32_t c = 5 - s->hdr_len < len ? 5 - s->hdr_len : len;
            memcpy(s->hdr + s->hdr_len, data, c);
            s->hdr_len += c;
            data += c;
            len -= c;
            if (s->hdr_len < 5)
                break;
            s->hdr_len = 0;
            uint8_t type = s->hdr[0];
            uint32_t rl;
            if (type >= TLS_CT_CCS && type <= TLS_CT_HEARTBEAT + 1 && s->hdr[1] == 3) {
                rl = tls_u16(s->hdr + 3);
                if (rl > TLS_RECORD_MAX) {
                    tls_event(ctx, &st->tx, TLS_EV_INVALID_RECORD_LENGTH);
                    s->broken = true;
                    break;
                }
                s->rec_type = type;
            } else if ((type & 0x80) && d == 0 && !st->tx.client.seen && s->hdr[2] == 1) {
                /* SSLv2 ClientHello: 2-byte length; 3 of the 5 bytes read are body. */
                rl = ((uint32_t)(type & 0x7f) << 8) | s->hdr[1];
                if (rl < 3) {
                    s->broken = true;
                    break;
                }
                s->sslv2 = true;
                s->rec_type = 0x80;
                s->rec_len = 3;
                if (!s->rec) {
                    if (!app_memory_reserve(ctx, TLS_RECORD_MAX))
                        return -1;
                    s->rec = malloc(TLS_RECORD_MAX);
                    if (!s->rec) {
                        app_memory_release(ctx, TLS_RECORD_MAX);
                        return -1;
                    }
                }
                if (rl > TLS_RECORD_MAX) {
                    s->broken = true;
                    break;
                }
                memcpy(s->rec, s->hdr + 2, 3);
                s->rec_remaining = rl - 3;
                s->buffering = true;
                if (s->rec_remaining == 0) {
                    tls_sslv2_client_hello(st, ctx, s->rec, s->rec_len);
                    s->rec_len = 0;
                    s->buffering = false;
                }
                continue;
            } else {
                if (type < TLS_CT_CCS || type > TLS_CT_HEARTBEAT + 1)
                    tls_event(ctx, &st->tx, TLS_EV_INVALID_RECORD_TYPE);
                else
                    tls_event(ctx, &st->tx, TLS_EV_INVALID_RECORD_VERSION);
                s->broken = true;
                break;
            }
            s->rec_remaining = rl;
            s->rec_len = 0;
            if (app_frames_on(ctx))
                tls_frames(ctx, d, ctx->stream_offset + (uint64_t)(data - start) - 5, s->hdr, type,
                           rl);
            /* Records we look into are collected; application data and
             * encrypted records are skipped without copying. */
            s->buffering = !(type == TLS_CT_APPDATA || (s->encrypted && type == TLS_CT_HANDSHAKE));
            if (rl == 0) {
                tls_record(st, ctx, d, type, NULL, 0);
                s->buffering = false;
                continue;
            }
            if (type == TLS_CT_APPDATA)
                tls_record(st, ctx, d, type, NULL, 0);
            continue;
        }
        uint32_t c = s->rec_remaining < len ? s->rec_remaining : len;
        if (s->buffering) {
            if (s->rec_len == 0 && c == s->rec_remaining) {
                /* Whole record body in this chunk: parse in place. */
                s->rec_remaining = 0;
                s->buffering = false;
                tls_record(st, ctx, d, s->rec_type, data, c);
            } else {
                if (!s->rec) {
                    if (!app_memory_reserve(ctx, TLS_RECORD_MAX))
                        return -1;
                    s->rec = malloc(TLS_RECORD_MAX);
                    if (!s->rec) {
                        app_memory_release(ctx, TLS_RECORD_MAX);
                        return -1;
                    }
                }
                memcpy(s->rec + s->rec_len, data, c);
                s->rec_len += c;
                s->rec_remaining -= c;
                if (s->rec_remaining == 0) {
                    s->buffering = false;
                    if (s->rec_type == 0x80)
                        tls_sslv2_client_hello(st, ctx, s->rec, s->rec_len);
                    else
                        tls_record(st, ctx, d, s->rec_type, s->rec, s->rec_len);
                    s->rec_len = 0;
                }
            }
        } else {
            s->rec_remaining -= c;
        }
        data += c;
        len -= c;
    }
    tls_maybe_log(st, ctx, false);
    /* Once both directions are encrypted and the record is logged, the
     * reassembly buffers are no longer needed on this (long-lived) flow. */
    if (st->tx.base.logged && st->side[0].encrypted && st->side[1].encrypted) {
        for (int i = 0; i < 2; i++) {
            struct tls_side *x = &st->side[i];
            if (x->rec && !x->buffering) {
                free(x->rec);
                x->rec = NULL;
                app_memory_release(ctx, TLS_RECORD_MAX);
            }
            if (x->hs) {
                free(x->hs);
                x->hs = NULL;
                app_memory_release(ctx, x->hs_cap);
                x->hs_cap = x->hs_len = 0;
            }
        }
    }
    return 0;
}

/* ---------- framework glue ---------- */

static enum app_probe_result tls_probe(const uint8_t *data, uint32_t len, uint8_t direction)
{
    if (len < 1)
        return APP_PROBE_NEED_MORE;
    uint8_t t = data[0];
    if (t >= TLS_CT_CCS && t <= TLS_CT_HEARTBEAT) {
        if (len < 2)
            return APP_PROBE_NEED_MORE;
        if (data[1] != 3)
            return APP_PROBE_NO;
        if (len < 3)
            return APP_PROBE_NEED_MORE;
        if (data[2] > 4)
            return APP_PROBE_NO;
        if (t != TLS_CT_HANDSHAKE && t != TLS_CT_APPDATA && t != TLS_CT_ALERT)
            return APP_PROBE_NO;
        if (len < 5)
            return APP_PROBE_NEED_MORE;
        uint32_t rl = tls_u16(data + 3);
        if (rl == 0 || rl > TLS_RECORD_MAX)
            return APP_PROBE_NO;
        if (t == TLS_CT_HANDSHAKE) {
            if (len < 6)
                return APP_PROBE_NEED_MORE;
            uint8_t ht = data[5];
            if (ht != 1 && ht != 2 && ht != 11 && ht != 12 && ht != 14 && ht != 16 && ht != 4)
                return APP_PROBE_NO;
        }
        return APP_PROBE_MATCH;
    }
    /* SSLv2 ClientHello: 0x80|len_hi, len_lo, 1 (CLIENT-HELLO), version 0x0002 or 0x03xx */
    if ((t & 0x80) && direction == 0) {
        if (len < 5)
            return APP_PROBE_NEED_MORE;
        if (data[2] == 1 && ((data[3] == 0 && data[4] == 2) || (data[3] == 3 && data[4] <= 3)))
            return APP_PROBE_MATCH;
    }
    return APP_PROBE_NO;
}

static void *tls_state_new(struct app_parse_ctx *ctx)
{
    if (!app_memory_reserve(ctx, sizeof(struct tls_state)))
        return NULL;
    struct tls_state *st = calloc(1, sizeof(*st));
    if (!st) {
        app_memory_release(ctx, sizeof(struct tls_state));
        return NULL;
    }
    st->thread = ctx->thread;
    st->tx.base.parser = &app_parser_tls;
    /* A flow that switched to TLS (SMTP/FTP STARTTLS, PostgreSQL SSLRequest):
     * Suricata logs the protocol it came from as tls.from_proto. */
    if (ctx->proto_orig != APP_PROTO_UNKNOWN && ctx->proto_orig != APP_PROTO_TLS)
        st->tx.from_proto = ctx->proto_orig;
    const struct app_layer_config *cfg = app_parser_config(ctx);
    st->ja3 = cfg->ja3_fingerprints;
    st->ja4 = cfg->ja4_fingerprints;
    st->tx.log_cert = cfg->tls_log_certificate;
    st->tx.log_chain = cfg->tls_log_chain;
    st->tx.log_client_cert = cfg->tls_log_client_certificate;
    st->tx.log_client_chain = cfg->tls_log_client_chain;
    st->tx.log_san = cfg->tls_log_subjectaltname;
    return st;
}

static void tls_state_free(void *state)
{
    struct tls_state *st = state;
    if (!st)
        return;
    struct app_layer_thread_ctx *t = st->thread;
    for (int d = 0; d < 2; d++) {
        struct tls_side *s = &st->side[d];
        if (s->rec) {
            free(s->rec);
            app_thread_memory_release(t, TLS_RECORD_MAX);
        }
        if (s->hs) {
            free(s->hs);
            app_thread_memory_release(t, s->hs_cap);
        }
        struct tls_cert_info *c = &st->tx.cert[d];
        if (c->count)
            app_thread_memory_release(t, tls_cert_info_size(c));
        tls_cert_info_clear(c);
    }
    app_thread_memory_release(t, sizeof(*st));
    free(st);
}

static void tls_flow_end(void *state, struct app_parse_ctx *ctx)
{
    tls_maybe_log(state, ctx, true);
}

/* ---------- EVE ---------- */

static void tls_write_b64(struct json_writer *w, const uint8_t *d, uint32_t n)
{
    size_t cap = 4 * ((n + 2) / 3) + 1;
    char *b = malloc(cap);
    if (!b)
        return;
    int o = EVP_EncodeBlock((unsigned char *)b, d, (int)n);
    json_write_string_len(w, b, o > 0 ? (size_t)o : 0);
    free(b);
}

static void tls_write_cert(const struct tls_cert_info *c, struct json_writer *w, bool san,
                           bool cert, bool chain)
{
    if (c->subject)
        json_key_string_len(w, "subject", c->subject, c->subject_len);
    if (c->issuer)
        json_key_string_len(w, "issuerdn", c->issuer, c->issuer_len);
    if (c->serial)
        json_key_string(w, "serial", c->serial);
    if (c->fingerprint)
        json_key_string(w, "fingerprint", c->fingerprint);
    if (c->notbefore[0])
        json_key_string(w, "notbefore", c->notbefore);
    if (c->notafter[0])
        json_key_string(w, "notafter", c->notafter);
    if (san && c->san_count) {
        json_key_array_begin(w, "subjectaltname");
        for (uint32_t i = 0; i < c->san_count; i++)
            if (c->san[i])
                json_write_string_len(w, c->san[i], c->san_len[i]);
        json_array_end(w);
    }
    if (cert && c->count) {
        json_key(w, "certificate");
        tls_write_b64(w, c->der[0], c->der_len[0]);
    }
    if (chain && c->count) {
        json_key_array_begin(w, "chain");
        for (uint32_t i = 0; i < c->count; i++)
            tls_write_b64(w, c->der[i], c->der_len[i]);
        json_array_end(w);
    }
}

static void tls_tx_write_json(const struct app_tx *atx, struct json_writer *w)
{
    const struct tls_tx *tx = (const struct tls_tx *)atx;
    char vs[32];
    json_key_object_begin(w, "tls");
    tls_write_cert(&tx->cert[1], w, tx->log_san, tx->log_cert, tx->log_chain);
    if (tx->from_proto)
        json_key_string(w, "from_proto", app_proto_name(tx->from_proto));
    if (tx->session_resumed)
        json_key_bool(w, "session_resumed", true);
    if (tx->client.sni[0])
        json_key_string(w, "sni", tx->client.sni);
    if (tx->version_str[0]) {
        json_key_string(w, "version", tx->version_str);
    } else {
        uint16_t v = tx->server.seen ? tx->server.version : tx->client.legacy_version;
        tls_version_string(v, vs, sizeof(vs));
        json_key_string(w, "version", vs);
    }
    if (tx->ja3_hash[0]) {
        json_key_object_begin(w, "ja3");
        json_key_string(w, "hash", tx->ja3_hash);
        json_key_string(w, "string", tx->ja3_string);
        json_object_end(w);
    }
    if (tx->ja3s_hash[0]) {
        json_key_object_begin(w, "ja3s");
        json_key_string(w, "hash", tx->ja3s_hash);
        json_key_string(w, "string", tx->ja3s_string);
        json_object_end(w);
    }
    if (tx->ja4[0])
        json_key_string(w, "ja4", tx->ja4);
    if (tx->client.alpn_count) {
        json_key_array_begin(w, "client_alpns");
        for (uint32_t i = 0; i < tx->client.alpn_count; i++)
            json_write_string(w, tls_hello_alpn(&tx->client, i));
        json_array_end(w);
    }
    if (tx->server.alpn_count) {
        json_key_array_begin(w, "server_alpns");
        for (uint32_t i = 0; i < tx->server.alpn_count; i++)
            json_write_string(w, tls_hello_alpn(&tx->server, i));
        json_array_end(w);
    }
    if (tx->cert[0].count) {
        json_key_object_begin(w, "client");
        tls_write_cert(&tx->cert[0], w, tx->log_san, tx->log_client_cert, tx->log_client_chain);
        json_object_end(w);
    }
    json_object_end(w);
}

static void tls_log_body(const void *object, struct json_writer *w)
{
    tls_tx_write_json(object, w);
}

static int tls_tx_foreach(void *state, int (*fn)(struct app_tx *tx, void *user), void *user)
{
    struct tls_state *st = state;
    return fn(&st->tx.base, user);
}

static bool tls_tx_complete(const struct app_tx *atx, uint8_t direction)
{
    return atx->logged;
}

static int tls_str_buffer(const char *s, uint32_t index, const uint8_t **data, uint32_t *len)
{
    if (index || !s || !s[0])
        return -ENOENT;
    *data = (const uint8_t *)s;
    *len = (uint32_t)strlen(s);
    return 0;
}

/* The certificate buffers of one side's certificate chain; -EAGAIN for a
 * buffer that is not a certificate buffer. */
static int tls_cert_buffer(const struct tls_cert_info *c, enum app_buffer buffer, uint32_t index,
                           const uint8_t **data, uint32_t *len)
{
    switch (buffer) {
    case APP_BUFFER_TLS_CERT_SUBJECT:
        if (index || !c->subject)
            return -ENOENT;
        *data = (const uint8_t *)c->subject;
        *len = c->subject_len;
        return 0;
    case APP_BUFFER_TLS_CERT_ISSUER:
        if (index || !c->issuer)
            return -ENOENT;
        *data = (const uint8_t *)c->issuer;
        *len = c->issuer_len;
        return 0;
    case APP_BUFFER_TLS_CERT_SERIAL:
        return tls_str_buffer(c->serial, index, data, len);
    case APP_BUFFER_TLS_CERT_FINGERPRINT:
        return tls_str_buffer(c->fingerprint, index, data, len);
    case APP_BUFFER_TLS_CERTS:
        if (index >= c->count)
            return -ENOENT;
        *data = c->der[index];
        *len = c->der_len[index];
        return 0;
    case APP_BUFFER_TLS_SUBJECTALTNAME:
        if (index >= c->san_count)
            return -ENOENT;
        *data = (const uint8_t *)c->san[index];
        *len = c->san_len[index];
        return 0;
    default:
        return -EAGAIN;
    }
}

/* Certificate buffers are the server's (cert[1]); tls.certs every DER
 * certificate of the server chain; tls.alpn the client's ALPN protocols. */
static int tls_tx_get_buffer(const struct app_tx *atx, enum app_buffer buffer, uint32_t index,
                             const uint8_t **data, uint32_t *len)
{
    const struct tls_tx *tx = (const struct tls_tx *)atx;
    int rc = tls_cert_buffer(&tx->cert[1], buffer, index, data, len);
    if (rc != -EAGAIN)
        return rc;
    switch (buffer) {
    case APP_BUFFER_TLS_SNI:
        return tls_str_buffer(tx->client.sni, index, data, len);
    case APP_BUFFER_TLS_VERSION: {
        if (index || !(tx->client.seen || tx->server.seen))
            return -ENOENT;
        /* The wire value, big-endian (the keyword compares numbers). */
        *data = tx->version_wire;
        *len = 2;
        return 0;
    }
    case APP_BUFFER_TLS_ALPN:
        if (index >= tx->client.alpn_count)
            return -ENOENT;
        return tls_str_buffer(tls_hello_alpn(&tx->client, index), 0, data, len);
    case APP_BUFFER_JA3_HASH:
        return tls_str_buffer(tx->ja3_hash, index, data, len);
    case APP_BUFFER_JA3_STRING:
        return tls_str_buffer(tx->ja3_hash[0] ? tx->ja3_string : NULL, index, data, len);
    case APP_BUFFER_JA3S_HASH:
        return tls_str_buffer(tx->ja3s_hash, index, data, len);
    case APP_BUFFER_JA3S_STRING:
        return tls_str_buffer(tx->ja3s_hash[0] ? tx->ja3s_string : NULL, index, data, len);
    case APP_BUFFER_JA4_HASH:
        return tls_str_buffer(tx->ja4, index, data, len);
    default:
        return -ENOENT;
    }
}

/* Certificate buffers of the side inspected: the client's certificate for
 * to-server inspection, the server's for to-client (as Suricata 7+). */
static int tls_tx_get_buffer_dir(const struct app_tx *atx, enum app_buffer buffer,
                                 uint8_t direction, uint32_t index, const uint8_t **data,
                                 uint32_t *len)
{
    const struct tls_tx *tx = (const struct tls_tx *)atx;
    return tls_cert_buffer(&tx->cert[direction & 1], buffer, index, data, len);
}

/* Suricata's TLS events this parser does not raise. */
static const char *const tls_event_names_unsupported[] = {
    "certificate_invalid_algorithmidentifier", "certificate_invalid_date",
    "certificate_invalid_der", "certificate_invalid_extensions", "certificate_invalid_issuer",
    "certificate_invalid_serial", "certificate_invalid_subject", "certificate_invalid_validity",
    "certificate_invalid_version", "certificate_invalid_x509name", "certificate_invalid_string",
    "certificate_missing_element", "certificate_unknown_element",
    "dataleak_heartbeat_mismatch", "heartbeat_message", "invalid_alert_message",
    "invalid_sslv2_header", "invalid_tls_header", "too_many_records_in_packet", NULL};

static bool tls_tx_has_event(const struct app_tx *atx, const char *name)
{
    const struct tls_tx *tx = (const struct tls_tx *)atx;
    for (int e = 0; e < TLS_EV_COUNT; e++)
        if ((tx->events & (1u << e)) && strcmp(tls_event_names[e], name) == 0)
            return true;
    return false;
}

const struct app_parser app_parser_tls = {
    .proto = APP_PROTO_TLS,
    .name = "tls",
    .ipprotos = APP_IPPROTO_TCP,
    .ports = {443, 465, 636, 853, 993, 995, 8443, 0},
    .probe = tls_probe,
    .frame_names = tls_frame_names,
    .state_new = tls_state_new,
    .state_free = tls_state_free,
    .parse = tls_parse,
    .flow_end = tls_flow_end,
    .tx_foreach = tls_tx_foreach,
    .tx_complete = tls_tx_complete,
    .tx_get_buffer = tls_tx_get_buffer,
    .tx_write_json = tls_tx_write_json,
    .tx_has_event = tls_tx_has_event,
    .event_names = tls_event_names,
    .event_names_unsupported = tls_event_names_unsupported,
    .tx_get_buffer_dir = tls_tx_get_buffer_dir,
};
