/* SPDX-License-Identifier: Apache-2.0 */
/* Kerberos 5, hand-built DER: AS-REQ / AS-REP with a weak (RC4) reply
 * encryption and an AES ticket, TGS-REQ answered by KRB-ERROR; over UDP and
 * over TCP (record marking, split at every offset); EVE, events, integer
 * fields and name buffers for detection; malformed input. */
#include "app_test_util.h"
#include "test.h"

struct buf {
    uint8_t d[2048];
    uint32_t n;
};

static void put(struct buf *b, const void *p, uint32_t n)
{
    memcpy(b->d + b->n, p, n);
    b->n += n;
}

/* tag, DER length, content */
static void tlv(struct buf *b, uint8_t tag, const struct buf *c)
{
    b->d[b->n++] = tag;
    if (c->n < 128) {
        b->d[b->n++] = (uint8_t)c->n;
    } else {
        b->d[b->n++] = 0x82;
        b->d[b->n++] = (uint8_t)(c->n >> 8);
        b->d[b->n++] = (uint8_t)c->n;
    }
    put(b, c->d, c->n);
}

static void integer(struct buf *b, uint8_t ctx, int v)
{
    struct buf i = {.n = 0}, w = {.n = 0};
    if (v >= 0 && v < 128) {
        i.d[i.n++] = (uint8_t)v;
    } else {
        i.d[i.n++] = (uint8_t)(v >> 8);
        i.d[i.n++] = (uint8_t)v;
    }
    tlv(&w, 0x02, &i);
    tlv(b, (uint8_t)(0xa0 | ctx), &w);
}

static void gstring(struct buf *b, uint8_t ctx, const char *s)
{
    struct buf i = {.n = 0}, w = {.n = 0};
    put(&i, s, (uint32_t)strlen(s));
    tlv(&w, 0x1b, &i);
    tlv(b, (uint8_t)(0xa0 | ctx), &w);
}

/* PrincipalName { [0] name-type, [1] SEQUENCE OF GeneralString } */
static void principal(struct buf *b, uint8_t ctx, int type, const char *a, const char *c2)
{
    struct buf names = {.n = 0}, one = {.n = 0}, seq = {.n = 0}, ns = {.n = 0}, body = {.n = 0},
               s = {.n = 0};
    put(&one, a, (uint32_t)strlen(a));
    tlv(&names, 0x1b, &one);
    if (c2) {
        struct buf two = {.n = 0};
        put(&two, c2, (uint32_t)strlen(c2));
        tlv(&names, 0x1b, &two);
    }
    tlv(&seq, 0x30, &names);
    tlv(&ns, 0xa1, &seq);
    integer(&body, 0, type);
    put(&body, ns.d, ns.n);
    tlv(&s, 0x30, &body);
    tlv(b, (uint8_t)(0xa0 | ctx), &s);
}

/* EncryptedData { [0] etype, [2] cipher } */
static void encrypted(struct buf *b, uint8_t ctx, int etype)
{
    struct buf body = {.n = 0}, s = {.n = 0}, ciph = {.n = 0}, oc = {.n = 0};
    integer(&body, 0, etype);
    memset(ciph.d, 0x5a, 24);
    ciph.n = 24;
    tlv(&oc, 0x04, &ciph);
    struct buf wrapped = {.n = 0};
    tlv(&wrapped, 0xa2, &oc);
    put(&body, wrapped.d, wrapped.n);
    tlv(&s, 0x30, &body);
    tlv(b, (uint8_t)(0xa0 | ctx), &s);
}

static void wrap(struct buf *out, uint8_t app, const struct buf *fields)
{
    struct buf seq = {.n = 0};
    tlv(&seq, 0x30, fields);
    tlv(out, (uint8_t)(0x60 | app), &seq);
}

static void kdc_req(struct buf *out, int type, const char *user, const char *svc)
{
    struct buf body = {.n = 0}, bs = {.n = 0}, f = {.n = 0};
    struct buf opts = {.n = 5, .d = {0, 0x40, 0x81, 0, 0x10}}, bit = {.n = 0}, bo = {.n = 0};
    tlv(&bit, 0x03, &opts);
    tlv(&bo, 0xa0, &bit);
    put(&body, bo.d, bo.n);
    if (user)
        principal(&body, 1, 1, user, NULL);
    gstring(&body, 2, "EXAMPLE.COM");
    principal(&body, 3, 2, svc, "EXAMPLE.COM");
    integer(&body, 7, 12345);
    tlv(&bs, 0x30, &body);
    integer(&f, 1, 5);
    integer(&f, 2, type);
    struct buf rb = {.n = 0};
    tlv(&rb, 0xa4, &bs);
    put(&f, rb.d, rb.n);
    wrap(out, (uint8_t)type, &f);
}

static void as_rep(struct buf *out, int reply_etype, int ticket_etype)
{
    struct buf f = {.n = 0}, tf = {.n = 0}, ticket = {.n = 0}, tw = {.n = 0};
    integer(&f, 0, 5);
    integer(&f, 1, 11);
    gstring(&f, 3, "EXAMPLE.COM");
    principal(&f, 4, 1, "alice", NULL);
    integer(&tf, 0, 5);
    gstring(&tf, 1, "EXAMPLE.COM");
    principal(&tf, 2, 2, "krbtgt", "EXAMPLE.COM");
    encrypted(&tf, 3, ticket_etype);
    wrap(&ticket, 1, &tf);
    tlv(&tw, 0xa5, &ticket);
    put(&f, tw.d, tw.n);
    encrypted(&f, 6, reply_etype);
    wrap(out, 11, &f);
}

static void krb_error(struct buf *out, int code)
{
    struct buf f = {.n = 0}, t = {.n = 0}, gt = {.n = 0}, tw = {.n = 0};
    integer(&f, 0, 5);
    integer(&f, 1, 30);
    put(&t, "20240101000000Z", 15);
    tlv(&gt, 0x18, &t);
    tlv(&tw, 0xa4, &gt);
    put(&f, tw.d, tw.n);
    integer(&f, 5, 0);
    integer(&f, 6, code);
    gstring(&f, 9, "EXAMPLE.COM");
    principal(&f, 10, 2, "cifs", "fs01.example.com");
    wrap(out, 30, &f);
}

static struct {
    uint64_t types[8];
    int ntypes;
    bool err25, sname, cname, ticket18;
} seen;

static int cb(struct app_tx *tx, void *user)
{
    (void)user;
    uint64_t v;
    const char *name;
    if (app_tx_get_uint_by_name(tx, "krb5.msg_type", 0, &v, &name) == 0 && seen.ntypes < 8)
        seen.types[seen.ntypes++] = v;
    if (app_tx_get_uint_by_name(tx, "krb5.err_code", 0, &v, &name) == 0 && v == 25)
        seen.err25 = true;
    if (app_tx_get_uint_by_name(tx, "krb5.ticket_encryption", 0, &v, &name) == 0 && v == 18)
        seen.ticket18 = true;
    const uint8_t *d;
    uint32_t l;
    for (uint32_t i = 0; i < 4; i++)
        if (app_tx_get_buffer_dir(tx, APP_BUFFER_KRB5_SNAME, 1, i, &d, &l) == 0 && l == 6 &&
            memcmp(d, "krbtgt", 6) == 0)
            seen.sname = true;
    if (app_tx_get_buffer_dir(tx, APP_BUFFER_KRB5_CNAME, 1, 0, &d, &l) == 0 && l == 5 &&
        memcmp(d, "alice", 5) == 0)
        seen.cname = true;
    app_tx_set_detect_done(tx, 0);
    app_tx_set_detect_done(tx, 1);
    return 0;
}

static void test_udp(void)
{
    struct buf req = {.n = 0}, rep = {.n = 0}, tgs = {.n = 0}, err = {.n = 0};
    kdc_req(&req, 10, "alice", "krbtgt");
    as_rep(&rep, 23, 18);
    kdc_req(&tgs, 12, NULL, "cifs");
    krb_error(&err, 25);
    struct test_capture cap = {0};
    struct app_event_sink sink = {
        .user = &cap, .emit = test_capture_emit, .anomaly = test_capture_anomaly};
    app_layer_set_detection_active(true);
    struct app_layer_thread_ctx *ctx = app_layer_thread_ctx_new(NULL, &sink);
    struct flow f;
    struct packet p;
    test_flow_init(&f, &p, 17, 50000, 88);
    struct app_flow_state *st = NULL;
    memset(&seen, 0, sizeof(seen));
    const struct buf *msgs[4] = {&req, &rep, &tgs, &err};
    for (int i = 0; i < 4; i++) {
        p.flow_direction = (uint8_t)(i & 1);
        app_layer_handle_udp(ctx, &st, &f, &p, (uint8_t)(i & 1), msgs[i]->d, msgs[i]->n);
        app_flow_state_tx_foreach(st, cb, NULL);
        p.pcap_cnt++;
    }
    CHECK_EQ_INT(app_flow_state_proto(st), APP_PROTO_KRB5);
    app_layer_flow_end(ctx, st, &f);
    app_flow_state_free(st);
    CHECK_EQ_INT(app_layer_thread_stats(ctx)->memuse, 0);
    app_layer_thread_ctx_free(ctx);
    app_layer_set_detection_active(false);
    test_capture_append(&cap, "", 0);
    const char *log = cap.log;
    CHECK(strstr(log, "\"msg_type\":\"KRB_AS_REQ\",\"cname\":\"alice\",\"realm\":\"EXAMPLE.COM\","
                      "\"sname\":\"krbtgt/EXAMPLE.COM\"") != NULL);
    CHECK(strstr(log, "\"msg_type\":\"KRB_AS_REP\"") != NULL);
    CHECK(strstr(log, "\"encryption\":\"rc4-hmac\",\"weak_encryption\":true") != NULL);
    CHECK(strstr(log, "\"ticket_encryption\":\"aes256-cts-hmac-sha1-96\","
                      "\"ticket_weak_encryption\":false") != NULL);
    CHECK(strstr(log, "anomaly krb5 weak_encryption") != NULL);
    CHECK(strstr(log, "\"msg_type\":\"KRB_ERROR\",\"failed_request\":\"KRB_TGS_REQ\","
                      "\"error_code\":\"KDC_ERR_PREAUTH_REQUIRED\"") != NULL);
    CHECK(strstr(log, "malformed_data") == NULL);
    CHECK_EQ_INT(seen.ntypes, 4);
    CHECK_EQ_INT(seen.types[0], 10);
    CHECK_EQ_INT(seen.types[1], 11);
    CHECK_EQ_INT(seen.types[2], 12);
    CHECK_EQ_INT(seen.types[3], 30);
    CHECK(seen.err25);
    CHECK(seen.ticket18);
    CHECK(seen.sname);
    CHECK(seen.cname);
    if (test_failures)
        fprintf(stderr, "%s\n", log);
    test_capture_reset(&cap);
}

static void mark(struct buf *out, const struct buf *m)
{
    out->d[out->n++] = (uint8_t)(m->n >> 24);
    out->d[out->n++] = (uint8_t)(m->n >> 16);
    out->d[out->n++] = (uint8_t)(m->n >> 8);
    out->d[out->n++] = (uint8_t)m->n;
    put(out, m->d, m->n);
}

static void test_tcp(void)
{
    struct buf req = {.n = 0}, rep = {.n = 0}, c = {.n = 0}, s = {.n = 0};
    kdc_req(&req, 10, "alice", "krbtgt");
    as_rep(&rep, 18, 18);
    mark(&c, &req);
    mark(&s, &rep);
    struct test_segment segs[] = {{0, c.d, c.n}, {1, s.d, s.n}};
    uint16_t proto;
    char *log = test_run_tcp(segs, 2, 50000, 88, -1, 0, &proto);
    CHECK_EQ_INT(proto, APP_PROTO_KRB5);
    CHECK(strstr(log, "\"msg_type\":\"KRB_AS_REQ\"") != NULL);
    CHECK(strstr(log, "\"encryption\":\"aes256-cts-hmac-sha1-96\",\"weak_encryption\":false") !=
          NULL);
    CHECK(strstr(log, "anomaly") == NULL);
    CHECK(strstr(log, "MEMUSE-LEAK") == NULL);
    if (test_failures)
        fprintf(stderr, "%s\n", log);
    free(log);
    CHECK_EQ_INT(test_tcp_split_invariance(segs, 2, 50000, 88), 0);
}

static void test_malformed(void)
{
    /* An AS-REP whose enc-part lacks its etype, a record mark of 2 GB, DER
     * lengths beyond the message. */
    struct buf req = {.n = 0}, c = {.n = 0}, s = {.n = 0};
    kdc_req(&req, 10, "alice", "krbtgt");
    mark(&c, &req);
    c.d[c.n++] = 0x7f, c.d[c.n++] = 0xff, c.d[c.n++] = 0xff, c.d[c.n++] = 0xff;
    memset(c.d + c.n, 0x30, 100);
    c.n += 100;
    static const uint8_t bad[] = {0, 0, 0, 8, 0x6b, 0x84, 0x7f, 0xff, 0xff, 0xff, 0x30, 0x00};
    put(&s, bad, sizeof(bad));
    struct test_segment segs[] = {{0, c.d, c.n}, {1, s.d, s.n}};
    char *log = test_run_tcp(segs, 2, 50000, 88, -1, 0, NULL);
    CHECK(strstr(log, "MEMUSE-LEAK") == NULL);
    free(log);
}

int main(void)
{
    test_udp();
    test_tcp();
    test_malformed();
    TEST_MAIN_END();
}
