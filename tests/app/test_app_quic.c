/* SPDX-License-Identifier: Apache-2.0 */
/* QUIC, hand-built packets protected here with the Initial keys of RFC 9001
 * appendix A.1 (DCID 8394c8f03e515708; the parser derives its own keys, so
 * a decrypted hello proves its key schedule): a ClientHello in one Initial
 * (EVE quic: version, sni, ja3, ja4 "q...", extensions with GREASE first),
 * fingerprints equal to those of the same hello over TLS/TCP (one shared
 * parser), the ServerHello (ja3s), the CRYPTO stream split at every offset
 * over two packets in both orders (same hello every time), every
 * truncation of the datagram and a corrupted tag (failed_decrypt, never a
 * crash), and a gQUIC Q046 CHLO (SNI, UA, CYU hash checked with MD5 here). */
#include <openssl/evp.h>

#include "app/app_buffer.h"
#include "app/app_parser.h"
#include "app_test_util.h"
#include "test.h"

static const uint8_t dcid[8] = {0x83, 0x94, 0xc8, 0xf0, 0x3e, 0x51, 0x57, 0x08};
/* RFC 9001 A.1 */
static const uint8_t c_key[16] = {0x1f, 0x36, 0x96, 0x13, 0xdd, 0x76, 0xd5, 0x46,
                                  0x77, 0x30, 0xef, 0xcb, 0xe3, 0xb1, 0xa2, 0x2d};
static const uint8_t c_iv[12] = {0xfa, 0x04, 0x4b, 0x2f, 0x42, 0xa3, 0xfd, 0x3b, 0x46, 0xfb, 0x25, 0x5c};
static const uint8_t c_hp[16] = {0x9f, 0x50, 0x44, 0x9e, 0x04, 0xa0, 0xe8, 0x10,
                                 0x28, 0x3a, 0x1e, 0x99, 0x33, 0xad, 0xed, 0xd2};
static const uint8_t s_key[16] = {0xcf, 0x3a, 0x53, 0x31, 0x65, 0x3c, 0x36, 0x4c,
                                  0x88, 0xf0, 0xf3, 0x79, 0xb6, 0x06, 0x7e, 0x37};
static const uint8_t s_iv[12] = {0x0a, 0xc1, 0x49, 0x3c, 0xa1, 0x90, 0x58, 0x53, 0xb0, 0xbb, 0xa0, 0x3e};
static const uint8_t s_hp[16] = {0xc2, 0x06, 0xb8, 0xd9, 0xb9, 0xf0, 0xf3, 0x76,
                                 0x44, 0x43, 0x0b, 0x49, 0x0e, 0xea, 0xa3, 0x14};

/* QUIC varint, 2-byte form. */
static void vi2(struct test_buf *b, uint32_t v)
{
    test_buf_be16(b, (uint16_t)(0x4000 | v));
}

static void ext(struct test_buf *b, uint16_t type, const void *d, uint16_t n)
{
    test_buf_be16(b, type);
    test_buf_be16(b, n);
    test_buf_put(b, d, n);
}

/* A TLS 1.3 ClientHello handshake message (type, u24 length, body). */
static void client_hello(struct test_buf *m)
{
    struct test_buf e = {.n = 0};
    ext(&e, 0x0a0a, "", 0); /* GREASE */
    static const uint8_t sni[] = {0, 20, 0, 0, 17, 'q', 'u', 'i', 'c', '.', 'e', 'x', 'a', 'm',
                                  'p',  'l', 'e', '.', 't', 'e', 's', 't'};
    ext(&e, 0, sni, sizeof(sni));
    static const uint8_t groups[] = {0, 2, 0, 0x1d};
    ext(&e, 10, groups, sizeof(groups));
    static const uint8_t sig[] = {0, 2, 4, 3};
    ext(&e, 13, sig, sizeof(sig));
    static const uint8_t alpn[] = {0, 3, 2, 'h', '3'};
    ext(&e, 16, alpn, sizeof(alpn));
    static const uint8_t sv[] = {2, 3, 4};
    ext(&e, 43, sv, sizeof(sv));
    uint8_t ks[2 + 2 + 2 + 32] = {0, 36, 0, 0x1d, 0, 32};
    ext(&e, 51, ks, sizeof(ks));
    static const uint8_t tp[] = {0x01, 0x02, 0x67, 0x10};
    ext(&e, 57, tp, sizeof(tp));
    struct test_buf body = {.n = 0};
    test_buf_be16(&body, 0x0303);
    uint8_t rnd[32];
    for (int i = 0; i < 32; i++)
        rnd[i] = (uint8_t)(i * 7);
    test_buf_put(&body, rnd, 32);
    test_buf_u8(&body, 0);
    test_buf_be16(&body, 6);
    test_buf_be16(&body, 0x1301);
    test_buf_be16(&body, 0x1302);
    test_buf_be16(&body, 0x1303);
    test_buf_u8(&body, 1);
    test_buf_u8(&body, 0);
    test_buf_be16(&body, (uint16_t)e.n);
    test_buf_put(&body, e.d, e.n);
    m->n = 0;
    test_buf_u8(m, 1);
    test_buf_u8(m, 0);
    test_buf_be16(m, (uint16_t)body.n);
    test_buf_put(m, body.d, body.n);
}

static void server_hello(struct test_buf *m)
{
    struct test_buf e = {.n = 0};
    static const uint8_t sv[] = {3, 4};
    ext(&e, 43, sv, sizeof(sv));
    uint8_t ks[2 + 2 + 32] = {0, 0x1d, 0, 32};
    ext(&e, 51, ks, sizeof(ks));
    struct test_buf body = {.n = 0};
    test_buf_be16(&body, 0x0303);
    uint8_t rnd[32] = {9};
    test_buf_put(&body, rnd, 32);
    test_buf_u8(&body, 0);
    test_buf_be16(&body, 0x1301);
    test_buf_u8(&body, 0);
    test_buf_be16(&body, (uint16_t)e.n);
    test_buf_put(&body, e.d, e.n);
    m->n = 0;
    test_buf_u8(m, 2);
    test_buf_u8(m, 0);
    test_buf_be16(m, (uint16_t)body.n);
    test_buf_put(m, body.d, body.n);
}

/* An Initial packet (v1, packet number pn in 2 bytes, a token of tok bytes)
 * of frames, protected with the given keys (RFC 9001 5.3, 5.4). */
static void initial_tok(struct test_buf *out, bool client, uint16_t pn, const struct test_buf *frames,
                        uint32_t tok)
{
    const uint8_t *key = client ? c_key : s_key, *iv = client ? c_iv : s_iv,
                  *hp = client ? c_hp : s_hp;
    struct test_buf pl = *frames;
    while (pl.n < 40)
        test_buf_u8(&pl, 0); /* PADDING */
    out->n = 0;
    test_buf_u8(out, 0xc1); /* long, fixed, Initial, pn length 2 */
    test_buf_put(out, "\x00\x00\x00\x01", 4);
    if (client) {
        test_buf_u8(out, 8);
        test_buf_put(out, dcid, 8);
        test_buf_u8(out, 0);
    } else {
        test_buf_u8(out, 0);
        test_buf_u8(out, 8);
        test_buf_put(out, "\x11\x22\x33\x44\x55\x66\x77\x88", 8);
    }
    vi2(out, tok); /* token */
    for (uint32_t i = 0; i < tok; i++)
        test_buf_u8(out, (uint8_t)i);
    vi2(out, 2 + pl.n + 16);
    uint32_t pn_off = out->n;
    test_buf_be16(out, pn);
    uint8_t nonce[12];
    memcpy(nonce, iv, 12);
    nonce[10] ^= (uint8_t)(pn >> 8);
    nonce[11] ^= (uint8_t)pn;
    EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
    int l = 0;
    CHECK(EVP_EncryptInit_ex(c, EVP_aes_128_gcm(), NULL, key, nonce) == 1);
    CHECK(EVP_EncryptUpdate(c, NULL, &l, out->d, (int)out->n) == 1);
    CHECK(EVP_EncryptUpdate(c, out->d + out->n, &l, pl.d, (int)pl.n) == 1);
    out->n += (uint32_t)l;
    CHECK(EVP_EncryptFinal_ex(c, out->d + out->n, &l) == 1);
    CHECK(EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_GET_TAG, 16, out->d + out->n) == 1);
    out->n += 16;
    uint8_t mask[32];
    CHECK(EVP_EncryptInit_ex(c, EVP_aes_128_ecb(), NULL, hp, NULL) == 1);
    EVP_CIPHER_CTX_set_padding(c, 0);
    CHECK(EVP_EncryptUpdate(c, mask, &l, out->d + pn_off + 4, 16) == 1);
    EVP_CIPHER_CTX_free(c);
    out->d[0] ^= mask[0] & 0x0f;
    out->d[pn_off] ^= mask[1];
    out->d[pn_off + 1] ^= mask[2];
}

static void initial(struct test_buf *out, bool client, uint16_t pn, const struct test_buf *frames)
{
    initial_tok(out, client, pn, frames, 0);
}

static void crypto_frame(struct test_buf *f, uint32_t off, const uint8_t *d, uint32_t n)
{
    test_buf_u8(f, 0x06);
    vi2(f, off);
    vi2(f, n);
    test_buf_put(f, d, n);
}

static char *run(const struct test_buf *const *pk, const uint8_t *dirs, size_t n, uint16_t *proto,
                 unsigned *anomalies)
{
    struct test_segment dg[4];
    for (size_t i = 0; i < n; i++)
        dg[i] = (struct test_segment){dirs[i], pk[i]->d, pk[i]->n};
    unsigned ev = 0;
    char *log = test_run_udp(dg, n, 40000, 443, proto, &ev, anomalies);
    CHECK(strstr(log, "MEMUSE-LEAK") == NULL);
    return log;
}

/* The value of "key":"..." in log (the first one), into out. */
static bool field(const char *log, const char *key, char *out, size_t n)
{
    char pat[64];
    snprintf(pat, sizeof(pat), "\"%s\":\"", key);
    const char *p = strstr(log, pat);
    if (!p)
        return false;
    p += strlen(pat);
    const char *e = strchr(p, '"');
    if (!e || (size_t)(e - p) >= n)
        return false;
    memcpy(out, p, (size_t)(e - p));
    out[e - p] = 0;
    return true;
}

static void test_hello_one_packet(void)
{
    struct test_buf ch, f = {.n = 0}, pk, sh, f2 = {.n = 0}, pk2;
    client_hello(&ch);
    test_buf_u8(&f, 0x01); /* PING */
    crypto_frame(&f, 0, ch.d, ch.n);
    initial(&pk, true, 0, &f);
    server_hello(&sh);
    static const uint8_t ack[] = {0x02, 0x00, 0x00, 0x00, 0x00};
    test_buf_put(&f2, ack, sizeof(ack));
    crypto_frame(&f2, 0, sh.d, sh.n);
    initial(&pk2, false, 0, &f2);
    const struct test_buf *m[] = {&pk, &pk2};
    const uint8_t dirs[] = {0, 1};
    uint16_t proto = 0;
    unsigned an = 9;
    char *log = run(m, dirs, 2, &proto, &an);
    CHECK_EQ_INT(proto, APP_PROTO_QUIC);
    CHECK_EQ_INT(an, 0);
    CHECK(strstr(log, "\"quic\":{\"version\":\"1\",\"sni\":\"quic.example.test\",\"ja3\":{") !=
          NULL);
    CHECK(strstr(log, "\"ja4\":\"q13d0307h3_") != NULL);
    CHECK(strstr(log, "\"extensions\":[{\"type\":2570},{\"name\":\"server_name\",\"type\":0,"
                      "\"values\":[\"quic.example.test\"]},{\"name\":\"supported_groups\"") != NULL);
    CHECK(strstr(log, "{\"name\":\"alpn\",\"type\":16,\"values\":[\"h3\"]}") != NULL);
    CHECK(strstr(log, "\"ja3s\":{\"hash\":") != NULL);
    CHECK(strstr(log, "\"string\":\"771,4865,43-51\"") != NULL);

    /* The same ClientHello over TLS/TCP: the same fingerprints. */
    struct test_buf rec = {.n = 0};
    test_buf_u8(&rec, 22);
    test_buf_be16(&rec, 0x0301);
    test_buf_be16(&rec, (uint16_t)ch.n);
    test_buf_put(&rec, ch.d, ch.n);
    struct test_segment seg = {0, rec.d, rec.n};
    char *tls = test_run_tcp(&seg, 1, 40000, 443, -1, 0, NULL);
    char qa[64], ta[64], qj[64], tj[64];
    CHECK(field(log, "hash", qa, sizeof(qa)) && field(tls, "hash", ta, sizeof(ta)));
    CHECK(strcmp(qa, ta) == 0);
    CHECK(field(log, "ja4", qj, sizeof(qj)) && field(tls, "ja4", tj, sizeof(tj)));
    CHECK(qj[0] == 'q' && tj[0] == 't' && strcmp(qj + 1, tj + 1) == 0);
    if (test_failures)
        fprintf(stderr, "%s\n%s\n", log, tls);
    free(tls);
    free(log);
}

/* The CRYPTO stream cut at every offset into two packets, delivered in
 * order and reversed: the hello comes out whole (same JA4) on the second
 * datagram, the first one logs a transaction without it. */
static void test_crypto_split(void)
{
    struct test_buf ch;
    client_hello(&ch);
    char ref[64] = "";
    for (uint32_t k = 1; k < ch.n; k++) {
        for (int rev = 0; rev < 2; rev++) {
            struct test_buf fa = {.n = 0}, fb = {.n = 0}, a, b;
            crypto_frame(&fa, 0, ch.d, k);
            crypto_frame(&fb, k, ch.d + k, ch.n - k);
            initial(&a, true, 0, &fa);
            initial(&b, true, 1, &fb);
            const struct test_buf *m[] = {rev ? &b : &a, rev ? &a : &b};
            const uint8_t dirs[] = {0, 0};
            unsigned an = 9;
            char *log = run(m, dirs, 2, NULL, &an);
            CHECK_EQ_INT(an, 0);
            char ja4[64];
            CHECK(field(log, "ja4", ja4, sizeof(ja4)));
            if (!ref[0])
                snprintf(ref, sizeof(ref), "%s", ja4);
            CHECK(strcmp(ref, ja4) == 0);
            /* first line: no hello yet */
            const char *nl = strchr(log, '\n');
            CHECK(nl && !memmem(log, (size_t)(nl - log), "ja4", 3));
            if (test_failures) {
                fprintf(stderr, "k=%u rev=%d\n%s\n", k, rev, log);
                free(log);
                return;
            }
            free(log);
        }
    }
}

/* Every truncation of the Initial datagram, and a corrupted AEAD tag:
 * anomalies at most, never a hello, nothing leaked. */
static void test_truncation_and_corruption(void)
{
    struct test_buf ch, f = {.n = 0}, pk;
    client_hello(&ch);
    crypto_frame(&f, 0, ch.d, ch.n);
    initial(&pk, true, 0, &f);
    for (uint32_t k = 1; k < pk.n; k++) {
        struct test_buf t = pk;
        t.n = k;
        const struct test_buf *m[] = {&t};
        const uint8_t dirs[] = {0};
        unsigned an = 0;
        char *log = run(m, dirs, 1, NULL, &an);
        CHECK(strstr(log, "ja4") == NULL);
        CHECK(an <= 1);
        free(log);
    }
    /* A long token (a client's after a Retry): the header is longer than
     * any fixed scratch offset. */
    struct test_buf tk;
    initial_tok(&tk, true, 0, &f, 900);
    const struct test_buf *mt[] = {&tk};
    const uint8_t dt[] = {0};
    unsigned at = 9;
    char *lt = run(mt, dt, 1, NULL, &at);
    CHECK_EQ_INT(at, 0);
    CHECK(strstr(lt, "\"ja4\":\"q13d0307h3_") != NULL);
    free(lt);

    struct test_buf bad = pk;
    bad.d[bad.n - 1] ^= 0x40;
    const struct test_buf *m[] = {&bad};
    const uint8_t dirs[] = {0};
    unsigned an = 0;
    char *log = run(m, dirs, 1, NULL, &an);
    CHECK(strstr(log, "anomaly quic failed_decrypt") != NULL);
    CHECK(strstr(log, "ja4") == NULL);
    free(log);
}

/* A capture that starts with the server's Initial (the flow's first
 * direction is the server's): its DCID is the client's SCID, not the one
 * the keys come from, so it cannot be read (counted, failed_decrypt once);
 * the client's first Initial that follows gives both sides' keys (its
 * DCID opens it), its hello is the ClientHello (ja3, ja4, sni) although it
 * goes the flow's second way, and the server's next Initial is read with
 * the server keys (ja3s). */
static void test_server_initial_first(void)
{
    struct test_buf ch, sh, fc = {.n = 0}, fs = {.n = 0}, pc, ps;
    client_hello(&ch);
    server_hello(&sh);
    crypto_frame(&fc, 0, ch.d, ch.n);
    crypto_frame(&fs, 0, sh.d, sh.n);
    initial(&pc, true, 0, &fc);
    initial(&ps, false, 0, &fs);
    const struct test_buf *m[] = {&ps, &pc, &ps};
    const uint8_t dirs[] = {0, 1, 0};
    uint16_t proto = 0;
    unsigned an = 9;
    char *log = run(m, dirs, 3, &proto, &an);
    CHECK_EQ_INT(proto, APP_PROTO_QUIC);
    CHECK_EQ_INT(an, 1);
    CHECK(strstr(log, "anomaly quic failed_decrypt") != NULL);
    CHECK_EQ_INT(test_udp_stats.undecrypted[APP_PROTO_QUIC], 1);
    CHECK(strstr(log, "\"sni\":\"quic.example.test\",\"ja3\":{") != NULL);
    CHECK(strstr(log, "\"ja4\":\"q13d0307h3_") != NULL);
    CHECK(strstr(log, "\"ja3s\":{\"hash\":") != NULL);
    /* In order the keys come at once: nothing counted. */
    const struct test_buf *m2[] = {&pc, &ps};
    const uint8_t d2[] = {0, 1};
    char *log2 = run(m2, d2, 2, &proto, &an);
    CHECK_EQ_INT(an, 0);
    CHECK_EQ_INT(test_udp_stats.undecrypted[APP_PROTO_QUIC], 0);
    CHECK(strstr(log2, "\"ja3s\":{\"hash\":") != NULL);
    /* Only the server's side: nothing readable, counted every time, and
     * the flow stops trying after a few (no keys to be had). */
    const struct test_buf *m3[] = {&ps, &ps, &ps, &ps};
    const uint8_t d3[] = {0, 0, 1, 1};
    char *log3 = run(m3, d3, 4, &proto, &an);
    CHECK_EQ_INT(an, 1);
    CHECK_EQ_INT(test_udp_stats.undecrypted[APP_PROTO_QUIC], 4);
    CHECK(strstr(log3, "ja3") == NULL);
    if (test_failures)
        fprintf(stderr, "%s\n%s\n%s\n", log, log2, log3);
    free(log);
    free(log2);
    free(log3);
}

/* More handshake packets coalesced in one datagram than a flow may have
 * live transactions: the rest of the datagram is skipped and counted
 * (app_layer.limit.quic); the next datagram is parsed again. */
static void test_tx_limit_counted(void)
{
    static struct test_buf dg, one;
    dg.n = 0;
    for (int i = 0; i < 300; i++) {
        one.n = 0;
        test_buf_u8(&one, 0xe1); /* long, fixed, Handshake, pn length 2 */
        test_buf_put(&one, "\x00\x00\x00\x01", 4);
        test_buf_u8(&one, 0);
        test_buf_u8(&one, 0);
        test_buf_u8(&one, 4);
        for (int k = 0; k < 4; k++)
            test_buf_u8(&one, (uint8_t)k);
        test_buf_put(&dg, one.d, one.n);
    }
    const struct test_buf *m[] = {&one, &dg, &one};
    const uint8_t dirs[] = {0, 0, 0};
    uint16_t proto = 0;
    char *log = run(m, dirs, 3, &proto, NULL);
    CHECK_EQ_INT(proto, APP_PROTO_QUIC);
    CHECK_EQ_INT(test_udp_stats.limits[APP_PROTO_QUIC], 1);
    size_t events = 0;
    for (const char *q = log; (q = strstr(q, "\"quic\":{")) != NULL; q++)
        events++;
    CHECK_EQ_INT(events, 1 + 256 + 1); /* 256 live at most */
    free(log);
}

/* gQUIC Q046: the CHLO's tags in a STREAM frame, in the clear. */
static void test_gquic_chlo(void)
{
    struct test_buf v = {.n = 0}, c = {.n = 0}, pk = {.n = 0};
    static const char *const tags[] = {"PAD", "SNI", "VER", "UAID"};
    static const char *const vals[] = {"\0\0\0\0", "www.example.org", "Q046", "Chrome/99"};
    static const uint32_t lens[] = {4, 15, 4, 9};
    test_buf_put(&c, "CHLO", 4);
    test_buf_u8(&c, 4);
    test_buf_u8(&c, 0);
    test_buf_be16(&c, 0);
    uint32_t end = 0;
    for (int i = 0; i < 4; i++) {
        uint8_t t[4] = {0};
        memcpy(t, tags[i], strlen(tags[i]));
        test_buf_put(&c, t, 4);
        end += lens[i];
        test_buf_u8(&c, (uint8_t)end);
        test_buf_u8(&c, 0);
        test_buf_be16(&c, 0);
        test_buf_put(&v, vals[i], lens[i]);
    }
    test_buf_put(&c, v.d, v.n);
    test_buf_u8(&pk, 0xc3);
    test_buf_put(&pk, "Q046", 4);
    test_buf_u8(&pk, 0x50); /* DCID 8 bytes, no SCID */
    test_buf_put(&pk, dcid, 8);
    test_buf_put(&pk, "\x00\x00\x00\x01", 4);
    uint8_t hash[12] = {0};
    test_buf_put(&pk, hash, 12);
    test_buf_u8(&pk, 0xa0); /* STREAM, data length present, 1-byte stream id */
    test_buf_u8(&pk, 1);
    test_buf_be16(&pk, (uint16_t)c.n);
    test_buf_put(&pk, c.d, c.n);
    for (int i = 0; i < 50; i++)
        test_buf_u8(&pk, 0);
    const struct test_buf *m[] = {&pk};
    const uint8_t dirs[] = {0};
    uint16_t proto = 0;
    unsigned an = 9;
    char *log = run(m, dirs, 1, &proto, &an);
    CHECK_EQ_INT(proto, APP_PROTO_QUIC);
    CHECK_EQ_INT(an, 0);
    unsigned char md[16];
    unsigned int ml = 0;
    static const char cyu[] = "46,PAD-SNI-VER-UAID";
    EVP_Digest(cyu, strlen(cyu), md, &ml, EVP_md5(), NULL);
    char want[200];
    int o = snprintf(want, sizeof(want), "\"quic\":{\"version\":\"Q046\",\"sni\":\"www.example.org\","
                                         "\"ua\":\"Chrome/99\",\"cyu\":[{\"hash\":\"");
    for (int i = 0; i < 16; i++)
        o += snprintf(want + o, sizeof(want) - (size_t)o, "%02x", md[i]);
    snprintf(want + o, sizeof(want) - (size_t)o, "\",\"string\":\"%s\"}]}", cyu);
    CHECK(strstr(log, want) != NULL);
    if (test_failures)
        fprintf(stderr, "%s\nwant %s\n", log, want);
    free(log);
}

int main(void)
{
    test_hello_one_packet();
    test_crypto_split();
    test_truncation_and_corruption();
    test_gquic_chlo();
    test_server_initial_first();
    test_tx_limit_counted();
    TEST_MAIN_END();
}
