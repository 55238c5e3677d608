/* SPDX-License-Identifier: Apache-2.0 */
/* TLS: a TLS 1.2 handshake built byte by byte (ClientHello with GREASE, SNI,
 * ALPN; ServerHello; Certificate made with OpenSSL; CCS both ways), fields,
 * JA3/JA3S/JA4, buffers, record/handshake fragmentation at every offset,
 * TLS 1.3 and SSLv2 hellos, hostile lengths. */
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "app_test_util.h"
#include "test.h"

struct buf {
    uint8_t b[16384];
    uint32_t n;
};
static void b8(struct buf *b, uint8_t v)
{
    b->b[b->n++] = v;
}
static void b16(struct buf *b, uint16_t v)
{
    b8(b, (uint8_t)(v >> 8));
    b8(b, (uint8_t)v);
}
static void b24(struct buf *b, uint32_t v)
{
    b8(b, (uint8_t)(v >> 16));
    b16(b, (uint16_t)v);
}
static void bmem(struct buf *b, const void *d, uint32_t n)
{
    memcpy(b->b + b->n, d, n);
    b->n += n;
}
static void put16_at(struct buf *b, uint32_t at, uint16_t v)
{
    b->b[at] = (uint8_t)(v >> 8);
    b->b[at + 1] = (uint8_t)v;
}
static void put24_at(struct buf *b, uint32_t at, uint32_t v)
{
    b->b[at] = (uint8_t)(v >> 16);
    put16_at(b, at + 1, (uint16_t)v);
}

/* Wraps handshake bytes into records of at most frag bytes each. */
static void records(struct buf *out, uint8_t type, const struct buf *body, uint32_t frag)
{
    for (uint32_t o = 0; o < body->n; o += frag) {
        uint32_t n = body->n - o < frag ? body->n - o : frag;
        b8(out, type);
        b16(out, 0x0303);
        b16(out, (uint16_t)n);
        bmem(out, body->b + o, n);
    }
}

static void client_hello(struct buf *h, uint16_t sv13)
{
    b8(h, 1);
    uint32_t len_at = h->n;
    b24(h, 0);
    b16(h, 0x0303);
    for (int i = 0; i < 32; i++)
        b8(h, (uint8_t)i);
    b8(h, 0); /* session id */
    b16(h, 8);
    b16(h, 0x0a0a);
    b16(h, 0xc02f);
    b16(h, 0x1301);
    b16(h, 0x009c);
    b8(h, 1);
    b8(h, 0);
    uint32_t ext_at = h->n;
    b16(h, 0);
    b16(h, 0x1a1a);
    b16(h, 0); /* GREASE ext */
    b16(h, 0);
    b16(h, 16);
    b16(h, 14);
    b8(h, 0);
    b16(h, 11);
    bmem(h, "example.com", 11);
    b16(h, 10);
    b16(h, 6);
    b16(h, 4);
    b16(h, 0x2a2a);
    b16(h, 29);
    b16(h, 11);
    b16(h, 2);
    b8(h, 1);
    b8(h, 0);
    b16(h, 13);
    b16(h, 6);
    b16(h, 4);
    b16(h, 0x0403);
    b16(h, 0x0804);
    b16(h, 16);
    b16(h, 14);
    b16(h, 12);
    b8(h, 2);
    bmem(h, "h2", 2);
    b8(h, 8);
    bmem(h, "http/1.1", 8);
    if (sv13) {
        b16(h, 43);
        b16(h, 5);
        b8(h, 4);
        b16(h, 0x3a3a);
        b16(h, sv13);
    }
    put16_at(h, ext_at, (uint16_t)(h->n - ext_at - 2));
    put24_at(h, len_at, h->n - len_at - 3);
}

static void server_hello(struct buf *h, uint16_t sv13)
{
    b8(h, 2);
    uint32_t len_at = h->n;
    b24(h, 0);
    b16(h, 0x0303);
    for (int i = 0; i < 32; i++)
        b8(h, (uint8_t)(0x40 + i));
    b8(h, 0);
    b16(h, sv13 ? 0x1301 : 0xc02f);
    b8(h, 0);
    uint32_t ext_at = h->n;
    b16(h, 0);
    b16(h, 0xff01);
    b16(h, 1);
    b8(h, 0);
    if (sv13) {
        b16(h, 43);
        b16(h, 2);
        b16(h, sv13);
    } else {
        b16(h, 16);
        b16(h, 5);
        b16(h, 3);
        b8(h, 2);
        bmem(h, "h2", 2);
    }
    put16_at(h, ext_at, (uint16_t)(h->n - ext_at - 2));
    put24_at(h, len_at, h->n - len_at - 3);
}

/* A self-signed certificate: serial 0x00c7d4 (needs a leading zero byte),
 * subject C=HU, O=Test Org, CN=example.com. Returns DER length. */
static int make_cert(uint8_t *out, int cap)
{
    EVP_PKEY *key = EVP_RSA_gen(1024);
    X509 *x = X509_new();
    X509_set_version(x, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(x), 0xc7d4);
    ASN1_TIME_set(X509_getm_notBefore(x), 1523739327); /* 2018-04-14T20:55:27 */
    ASN1_TIME_set(X509_getm_notAfter(x), 1526331327);  /* 2018-05-14T20:55:27 */
    X509_NAME *n = X509_get_subject_name(x);
    X509_NAME_add_entry_by_txt(n, "C", MBSTRING_ASC, (const unsigned char *)"HU", -1, -1, 0);
    X509_NAME_add_entry_by_txt(n, "O", MBSTRING_ASC, (const unsigned char *)"Test Org", -1, -1, 0);
    X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC, (const unsigned char *)"example.com", -1, -1,
                               0);
    X509_set_issuer_name(x, n);
    X509_set_pubkey(x, key);
    X509_sign(x, key, EVP_sha256());
    int len = i2d_X509(x, NULL);
    if (len > cap)
        len = -1;
    else {
        unsigned char *p = out;
        i2d_X509(x, &p);
    }
    X509_free(x);
    EVP_PKEY_free(key);
    return len;
}

static void test_tls12(void)
{
    static struct buf ch, sh, cs, ss;
    memset(&ch, 0, sizeof(ch));
    memset(&sh, 0, sizeof(sh));
    memset(&cs, 0, sizeof(cs));
    memset(&ss, 0, sizeof(ss));
    client_hello(&ch, 0);
    server_hello(&sh, 0);
    uint8_t der[4096];
    int dl = make_cert(der, sizeof(der));
    CHECK(dl > 0);
    /* Certificate message */
    b8(&sh, 11);
    b24(&sh, (uint32_t)dl + 6);
    b24(&sh, (uint32_t)dl + 3);
    b24(&sh, (uint32_t)dl);
    bmem(&sh, der, (uint32_t)dl);
    b8(&sh, 14);
    b24(&sh, 0);                /* ServerHelloDone */
    records(&cs, 22, &ch, 50);  /* ClientHello fragmented over records */
    records(&ss, 22, &sh, 700); /* server flight fragmented too */
    uint8_t ccs[] = {20, 3, 3, 0, 1, 1, 22, 3, 3, 0, 4, 0xde, 0xad, 0xbe, 0xef};
    struct test_segment segs[] = {
        {0, cs.b, cs.n}, {1, ss.b, ss.n}, {0, ccs, sizeof(ccs)}, {1, ccs, sizeof(ccs)}};
    uint16_t proto;
    char *log = test_run_tcp(segs, 4, 50000, 8443, -1, 0, &proto);
    CHECK_EQ_INT(proto, APP_PROTO_TLS);
    CHECK(strstr(log, "\"subject\":\"C=HU, O=Test Org, CN=example.com\"") != NULL);
    CHECK(strstr(log, "\"issuerdn\":\"C=HU, O=Test Org, CN=example.com\"") != NULL);
    CHECK(strstr(log, "\"serial\":\"00:C7:D4\"") != NULL);
    CHECK(strstr(log, "\"notbefore\":\"2018-04-14T20:55:27\"") != NULL);
    CHECK(strstr(log, "\"notafter\":\"2018-05-14T20:55:27\"") != NULL);
    CHECK(strstr(log, "\"sni\":\"example.com\"") != NULL);
    CHECK(strstr(log, "\"version\":\"TLS 1.2\"") != NULL);
    /* JA3: GREASE dropped from ciphers, extensions and groups. */
    CHECK(strstr(log, "\"string\":\"771,49199-4865-156,0-10-11-13-16,29,0\"") != NULL);
    CHECK(strstr(log, "\"string\":\"771,49199,65281-16\"") != NULL);
    CHECK(strstr(log, "\"ja4\":\"t12d0305h2_") != NULL);
    CHECK(strstr(log, "\"client_alpns\":[\"h2\",\"http/1.1\"]") != NULL);
    CHECK(strstr(log, "\"server_alpns\":[\"h2\"]") != NULL);
    CHECK(strstr(log, "\"fingerprint\":\"") != NULL);
    if (test_failures)
        fprintf(stderr, "%s\n", log);
    /* exactly one tls event */
    const char *first = strstr(log, "\"event_type\":\"tls\"");
    CHECK(first && !strstr(first + 1, "\"event_type\":\"tls\""));
    free(log);
    CHECK_EQ_INT(test_tcp_split_invariance(segs, 4, 50000, 8443), 0);
}

static void test_tls13_and_sslv2(void)
{
    static struct buf ch, sh, cs, ss;
    memset(&ch, 0, sizeof(ch));
    memset(&sh, 0, sizeof(sh));
    memset(&cs, 0, sizeof(cs));
    memset(&ss, 0, sizeof(ss));
    client_hello(&ch, 0x0304);
    server_hello(&sh, 0x0304);
    records(&cs, 22, &ch, 16384);
    records(&ss, 22, &sh, 16384);
    uint8_t enc[] = {23, 3, 3, 0, 3, 1, 2, 3};
    struct test_segment segs[] = {{0, cs.b, cs.n}, {1, ss.b, ss.n}, {1, enc, sizeof(enc)}};
    char *log = test_run_tcp(segs, 3, 50000, 443, -1, 0, NULL);
    CHECK(strstr(log, "\"version\":\"TLS 1.3\"") != NULL);
    CHECK(strstr(log, "\"ja4\":\"t13d0306h2_") != NULL);
    free(log);

    /* SSLv2-format ClientHello offering TLS 1.0, then a TLS ServerHello. */
    uint8_t v2[] = {0x80, 0x1c, 0x01, 0x03, 0x01, 0x00, 0x03, 0x00, 0x00, 0x00,
                    0x10, 0x00, 0x00, 0x2f, 0,    1,    2,    3,    4,    5,
                    6,    7,    8,    9,    10,   11,   12,   13,   14,   15};
    struct test_segment segs2[] = {{0, v2, sizeof(v2)}, {1, ss.b, ss.n}};
    uint16_t proto;
    log = test_run_tcp(segs2, 2, 50000, 443, -1, 0, &proto);
    CHECK_EQ_INT(proto, APP_PROTO_TLS);
    CHECK(strstr(log, "\"version\":\"TLS 1.3\"") != NULL);
    free(log);
}

static void test_hostile(void)
{
    /* A record that announces 65535 bytes, then a handshake that announces
     * 16 MB split over records, then garbage. */
    static struct buf ch, cs;
    memset(&ch, 0, sizeof(ch));
    memset(&cs, 0, sizeof(cs));
    client_hello(&ch, 0);
    records(&cs, 22, &ch, 16384);
    uint8_t big[] = {22, 3, 1, 0xff, 0xff, 1, 2, 3};
    bmem(&cs, big, sizeof(big));
    char *log = test_run_tcp((struct test_segment[]){{0, cs.b, cs.n}}, 1, 1, 443, -1, 0, NULL);
    CHECK(strstr(log, "anomaly tls invalid_record_length") != NULL);
    free(log);
    static struct buf b;
    memset(&b, 0, sizeof(b));
    for (int i = 0; i < 8; i++) {
        b8(&b, 22);
        b16(&b, 0x0303);
        b16(&b, 1000);
        if (i == 0) {
            b8(&b, 11);
            b24(&b, 0xffffff);
            for (int k = 0; k < 996; k++)
                b8(&b, 0x41);
        } else
            for (int k = 0; k < 1000; k++)
                b8(&b, 0x42);
    }
    struct test_segment segs[] = {{0, b.b, b.n}};
    log = test_run_tcp(segs, 1, 1, 443, -1, 0, NULL);
    CHECK(strstr(log, "anomaly tls handshake_invalid_length") != NULL);
    CHECK(strstr(log, "MEMUSE-LEAK") == NULL);
    free(log);
}

static int buf_cb(struct app_tx *tx, void *user)
{
    int *n = user;
    const uint8_t *d;
    uint32_t l;
    if (app_tx_get_buffer(tx, APP_BUFFER_TLS_SNI, 0, &d, &l) == 0 && l == 11 &&
        !memcmp(d, "example.com", 11))
        *n += 1;
    if (app_tx_get_buffer(tx, APP_BUFFER_TLS_ALPN, 1, &d, &l) == 0 && l == 8)
        *n += 10;
    if (app_tx_get_buffer(tx, APP_BUFFER_JA3_HASH, 0, &d, &l) == 0 && l == 32)
        *n += 100;
    if (app_tx_get_buffer(tx, APP_BUFFER_TLS_CERTS, 0, &d, &l) == -ENOENT)
        *n += 1000;
    /* per-side: SNI falls back to the common buffer; no client certificate */
    if (app_tx_get_buffer_dir(tx, APP_BUFFER_TLS_SNI, 0, 0, &d, &l) == 0 && l == 11 &&
        app_tx_get_buffer_dir(tx, APP_BUFFER_TLS_CERT_SUBJECT, 0, 0, &d, &l) == -ENOENT)
        *n += 10000;
    return 0;
}

static void test_buffers(void)
{
    static struct buf ch, cs;
    memset(&ch, 0, sizeof(ch));
    memset(&cs, 0, sizeof(cs));
    client_hello(&ch, 0);
    records(&cs, 22, &ch, 16384);
    struct app_layer_thread_ctx *ctx = app_layer_thread_ctx_new(NULL, NULL);
    struct flow f;
    struct packet p;
    test_flow_init(&f, &p, 6, 1234, 443);
    struct app_flow_state *st = NULL;
    app_layer_handle_tcp_data(ctx, &st, &f, &p, 0, cs.b, cs.n, 0);
    int n = 0;
    app_flow_state_tx_foreach(st, buf_cb, &n);
    CHECK_EQ_INT(n, 11111);
    app_flow_state_free(st);
    app_layer_thread_ctx_free(ctx);
}

int main(void)
{
    test_tls12();
    test_tls13_and_sslv2();
    test_hostile();
    test_buffers();
    TEST_MAIN_END();
}
