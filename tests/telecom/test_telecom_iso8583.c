/* SPDX-License-Identifier: Apache-2.0 */
/* ISO 8583 over TCP (app_iso8583.c): messages built here from the
 * ISO 8583:1987 field table (a generator written from the standard; the
 * end-to-end test uses a real implementation, the npm iso_8583 package):
 * ASCII with binary and with hexadecimal bitmaps, BCD (ISO87B), 2-byte
 * binary and 4-digit ASCII length prefixes, a secondary bitmap, request/
 * response pairing by STAN + terminal, several messages per segment and
 * every split, the card number masked everywhere (EVE, buffers, the output
 * redaction of payload bytes), anomalies, and content that is not ISO 8583. */
#include "app/app_iso8583.h"
#include "app/app_test_util.h"
#include "ics/grid_test_util.h"
#include "test.h"

#define PAN "4761739001010119"
#define PAN2 "5413330089604111"

struct fld {
    unsigned no;
    const char *v;
};

/* Field formats the builder needs (lentype 0 fixed, 2 LL, 3 LLL). */
static unsigned lentype(unsigned f)
{
    switch (f) {
    case 2: case 32: case 35: case 44: case 45: case 99: case 100: case 102: return 2;
    case 48: case 54: case 55: case 60: case 61: case 62: case 63: return 3;
    default: return 0;
    }
}

/* ASCII message (MTI, bitmaps binary or hex, fields) with its prefix:
 * prefix 2 (binary length) or 4 (ASCII digits). */
static void build_ascii(struct ics_buf *out, const char *mti, const struct fld *f, size_t n,
                        int prefix, bool hexmap)
{
    uint8_t bm[16] = {0};
    bool second = false;
    for (size_t i = 0; i < n; i++) {
        bm[(f[i].no - 1) / 8] |= (uint8_t)(0x80u >> ((f[i].no - 1) % 8));
        if (f[i].no > 64)
            second = true;
    }
    if (second)
        bm[0] |= 0x80;
    struct ics_buf b = {0};
    ics_put(&b, mti, 4);
    for (unsigned i = 0; i < (second ? 16u : 8u); i++) {
        if (hexmap) {
            char h[3];
            snprintf(h, sizeof h, "%02X", bm[i]);
            ics_put(&b, h, 2);
        } else {
            ics_u8(&b, bm[i]);
        }
    }
    for (size_t i = 0; i < n; i++) {
        size_t l = strlen(f[i].v);
        unsigned lt = lentype(f[i].no);
        if (lt) {
            char h[4];
            snprintf(h, sizeof h, lt == 2 ? "%02zu" : "%03zu", l);
            ics_put(&b, h, lt);
        }
        ics_put(&b, f[i].v, (uint32_t)l);
    }
    if (prefix == 2) {
        ics_u8(out, (uint8_t)(b.n >> 8));
        ics_u8(out, (uint8_t)b.n);
    } else {
        char h[5];
        snprintf(h, sizeof h, "%04u", b.n);
        ics_put(out, h, 4);
    }
    ics_put(out, b.b, b.n);
}

static void bcd(struct ics_buf *b, const char *digits, bool pad_left)
{
    size_t l = strlen(digits);
    size_t i = 0;
    if (l & 1) {
        uint8_t first = (uint8_t)(digits[0] - '0');
        ics_u8(b, pad_left ? first : (uint8_t)(first << 4));
        i = 1;
    }
    for (; i < l; i += 2)
        ics_u8(b, (uint8_t)((digits[i] - '0') << 4 | (digits[i + 1] - '0')));
}

/* A BCD (ISO87B) 0200 with PAN, processing code, amount, STAN, terminal. */
static void build_bcd(struct ics_buf *out)
{
    struct ics_buf b = {0};
    bcd(&b, "0200", true);
    uint8_t bm[8] = {0x70, 0x20, 0, 0, 0, 0x80, 0, 0}; /* 2 3 4 11 41 */
    ics_put(&b, bm, 8);
    ics_u8(&b, 0x16); /* LL 16, BCD */
    bcd(&b, PAN2, true);
    bcd(&b, "000000", true);
    bcd(&b, "000000012345", true);
    bcd(&b, "000777", true);
    ics_put(&b, "BCDTERM1", 8);
    ics_u8(out, (uint8_t)(b.n >> 8));
    ics_u8(out, (uint8_t)b.n);
    ics_put(out, b.b, b.n);
}

static struct ics_buf echo, echo_r, auth, auth_r, fin4, hexm, bcdm, emv, emvh, tpdu;

/* ICC data (field 55) as a terminal sends it: the card's PAN (5A) and
 * Track 2 Equivalent Data (57) packed, between other EMV tags. */
#define ICC "\x9f\x1a\x02\x02\x50" \
            "\x5a\x08\x47\x61\x73\x90\x01\x01\x01\x19" \
            "\x57\x11\x47\x61\x73\x90\x01\x01\x01\x19\xd2\x71\x22\x01\x17\x58\x92\x88\x89" \
            "\x95\x05\x80\x80\x80\x80\x80"
static const uint8_t pan_packed[] = {0x47, 0x61, 0x73, 0x90, 0x01, 0x01, 0x01, 0x19};

static void build(void)
{
    const struct fld e[] = {{7, "1207211500"}, {11, "000001"}, {70, "301"}};
    build_ascii(&echo, "0800", e, 3, 2, false);
    const struct fld er[] = {{7, "1207211500"}, {11, "000001"}, {39, "00"}, {70, "301"}};
    build_ascii(&echo_r, "0810", er, 4, 2, false);
    const struct fld a[] = {{2, PAN},          {3, "000000"},       {4, "000000005000"},
                            {7, "1207211501"}, {11, "000123"},      {12, "211501"},
                            {13, "1207"},      {22, "051"},         {35, PAN "D27122011758928889"},
                            {41, "TERM0001"},  {42, "MERCHANT000001 "}, {49, "978"}};
    build_ascii(&auth, "0100", a, 12, 2, false);
    const struct fld ar[] = {{3, "000000"},  {4, "000000005000"}, {11, "000123"},
                             {38, "A1B2C3"}, {39, "05"},          {41, "TERM0001"}};
    build_ascii(&auth_r, "0110", ar, 6, 2, false);
    const struct fld f4[] = {{2, PAN2}, {3, "000000"}, {4, "000000000100"}, {11, "000124"},
                             {41, "TERM0001"}};
    build_ascii(&fin4, "0200", f4, 5, 4, false);
    build_ascii(&hexm, "0200", f4, 5, 2, true);
    build_bcd(&bcdm);
    /* the BCD message as a terminal sends it: a TPDU (0x60, destination
     * NII 0001, source NII 0000) between the length and the MTI */
    uint32_t body = bcdm.n - 2 + 5;
    ics_u8(&tpdu, (uint8_t)(body >> 8));
    ics_u8(&tpdu, (uint8_t)body);
    ics_put(&tpdu, "\x60\x00\x01\x00\x00", 5);
    ics_put(&tpdu, bcdm.b + 2, bcdm.n - 2);
    /* an ASCII authorisation whose only card number is in the ICC data,
     * raw and as hexadecimal characters (both are sent) */
    char hex[2 * sizeof ICC];
    for (size_t i = 0; i + 1 < sizeof ICC; i++)
        snprintf(hex + 2 * i, 3, "%02X", (uint8_t)ICC[i]);
    const struct fld ic[] = {{3, "000000"}, {4, "000000005000"}, {11, "000125"},
                            {22, "051"},   {41, "TERM0001"},    {55, ICC}};
    build_ascii(&emv, "0100", ic, 6, 2, false);
    const struct fld eh[] = {{3, "000000"}, {4, "000000005000"}, {11, "000126"},
                             {22, "051"},   {41, "TERM0001"},    {55, hex}};
    build_ascii(&emvh, "0100", eh, 6, 4, false);
}

static void test_session(void)
{
    /* the response and the echo in one segment */
    struct ics_buf two = {0};
    ics_put(&two, auth_r.b, auth_r.n);
    ics_put(&two, echo_r.b, echo_r.n);
    struct test_segment segs[] = {{0, echo.b, echo.n}, {0, auth.b, auth.n}, {1, two.b, two.n},
                                  {0, fin4.b, fin4.n}, {0, hexm.b, hexm.n}, {0, bcdm.b, bcdm.n}};
    uint16_t proto = 0;
    char *log = test_run_tcp(segs, 6, 40000, 8583, -1, 0, &proto);
    CHECK_EQ_INT(proto, APP_PROTO_ISO8583);
    CHECK_EQ_INT(ics_count(log, "\"event_type\":\"iso8583\""), 7);
    CHECK(strstr(log, "\"iso8583\":{\"framing\":\"binary2\",\"encoding\":\"ascii\",\"length\":") !=
          NULL);
    CHECK(strstr(log, "\"mti\":\"0800\",\"version\":\"1987\",\"class\":\"network_management\","
                      "\"function\":\"request\",\"origin\":\"acquirer\",\"request\":true,"
                      "\"bitmap\":\"82200000000000000400000000000000\",\"fields\":[7,11,70]") !=
          NULL);
    CHECK(strstr(log, "\"mti\":\"0100\",\"version\":\"1987\",\"class\":\"authorization\"") != NULL);
    CHECK(strstr(log, "\"pan\":\"476173******0119\",\"processing_code\":\"000000\",\"amount\":5000,"
                      "\"currency\":\"978\",\"stan\":\"000123\",\"local_time\":\"211501\","
                      "\"local_date\":\"1207\",\"pos_entry_mode\":\"051\",\"terminal_id\":"
                      "\"TERM0001\",\"merchant_id\":\"MERCHANT000001 \",\"track2\":true}") != NULL);
    CHECK(strstr(log, "\"auth_code\":\"A1B2C3\",\"response_code\":\"05\",\"approved\":false,"
                      "\"terminal_id\":\"TERM0001\",\"track2\":false,\"answers\":{\"tx_id\":1,") !=
          NULL);
    CHECK(strstr(log, "\"response_code\":\"00\",\"approved\":true,\"track2\":false,\"answers\":"
                      "{\"tx_id\":0,") != NULL);
    CHECK(strstr(log, "\"framing\":\"ascii4\",\"encoding\":\"ascii\"") != NULL);
    CHECK_EQ_INT(ics_count(log, "\"pan\":\"541333******4111\",\"processing_code\":\"000000\","
                                "\"amount\":100,"), 2);
    CHECK(strstr(log, "\"encoding\":\"bcd\",\"length\":39,\"mti\":\"0200\"") != NULL);
    CHECK(strstr(log, "\"pan\":\"541333******4111\",\"processing_code\":\"000000\","
                      "\"amount\":12345,\"stan\":\"000777\",\"terminal_id\":\"BCDTERM1\"") != NULL);
    /* never a whole card number */
    CHECK(strstr(log, PAN) == NULL);
    CHECK(strstr(log, PAN2) == NULL);
    CHECK(strstr(log, "27122011758928889") == NULL);
    CHECK(strstr(log, "anomaly") == NULL);
    CHECK(strstr(log, "MEMUSE-LEAK") == NULL);
    if (test_failures)
        fprintf(stderr, "%s\n", log);
    free(log);
    CHECK_EQ_INT(test_tcp_split_invariance(segs, 6, 40000, 8583), 0);

    char *f = ics_run_fields(segs, 6, 6, 40000, 8583);
    CHECK(strstr(f, "iso8583.mti_code=100;iso8583.amount=5000;iso8583.request=1;"
                    "iso8583.field_count=12;iso8583.mti=0100;iso8583.pan=476173******0119;"
                    "iso8583.processing_code=000000;iso8583.terminal_id=TERM0001;"
                    "iso8583.merchant_id=MERCHANT000001 ;") != NULL);
    CHECK(strstr(f, "iso8583.response_code=05;") != NULL);
    CHECK(strstr(f, PAN) == NULL);
    if (test_failures)
        fprintf(stderr, "%s\n", f);
    free(f);
}

static void test_anomalies(void)
{
    /* an LL length above the field's maximum, a truncated message, a
     * response nobody asked for, garbage before a message */
    struct ics_buf bad = {0}, trunc = {0}, junk = {0};
    const struct fld big[] = {{2, "12345678901234567890123"}, {11, "000001"}};
    build_ascii(&bad, "0100", big, 2, 2, false);
    const struct fld t[] = {{3, "000000"}, {11, "000002"}};
    build_ascii(&trunc, "0100", t, 2, 2, false);
    trunc.b[1] = (uint8_t)(trunc.b[1] - 3); /* the length cuts field 11 */
    trunc.n -= 3;
    ics_put(&junk, "junkjunk", 8);
    ics_put(&junk, echo.b, echo.n);
    struct test_segment segs[] = {{0, echo.b, echo.n},   {0, bad.b, bad.n},
                                  {0, trunc.b, trunc.n}, {1, auth_r.b, auth_r.n},
                                  {0, junk.b, junk.n}};
    char *log = test_run_tcp(segs, 5, 40000, 8583, -1, 0, NULL);
    CHECK_EQ_INT(ics_count(log, "\"event_type\":\"iso8583\""), 5);
    CHECK_EQ_INT(ics_count(log, "anomaly iso8583 invalid_length"), 1);
    CHECK_EQ_INT(ics_count(log, "anomaly iso8583 truncated_field"), 1);
    CHECK_EQ_INT(ics_count(log, "anomaly iso8583 unmatched_response"), 1);
    CHECK_EQ_INT(ics_count(log, "anomaly iso8583 invalid_data"), 1);
    if (test_failures)
        fprintf(stderr, "%s\n", log);
    free(log);
    CHECK_EQ_INT(test_tcp_split_invariance(segs, 5, 40000, 8583), 0);

    /* not ISO 8583 on its port: no parser */
    static const char http[] = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
    struct test_segment h[] = {{0, (const uint8_t *)http, sizeof http - 1}};
    uint16_t proto = 0;
    log = test_run_tcp(h, 1, 40000, 8583, -1, 0, &proto);
    CHECK(proto != APP_PROTO_ISO8583);
    free(log);
}

/* An ISO 8583 flow on port 8583 whose client sent the echo test. */
static struct app_flow_state *iso_flow(struct app_layer_thread_ctx *ctx, struct flow *f,
                                       struct packet *p)
{
    test_flow_init(f, p, 6, 40000, 8583);
    struct app_flow_state *st = NULL;
    app_layer_handle_tcp_data(ctx, &st, f, p, 0, echo.b, echo.n, 0);
    f->app = st;
    f->app_proto = app_flow_state_proto(st);
    CHECK_EQ_INT(f->app_proto, APP_PROTO_ISO8583);
    return st;
}

/* The outputs' redaction of payload bytes (alert payload, packet, frames). */
static void test_redact(void)
{
    struct flow f;
    struct packet p;
    /* the flow's state (ASCII only) */
    struct app_layer_thread_ctx *ctx = app_layer_thread_ctx_new(NULL, NULL);
    struct app_flow_state *st = iso_flow(ctx, &f, &p);
    const uint8_t *r = app_iso8583_redact(&f, auth.b, auth.n);
    CHECK(r && r != auth.b);
    CHECK(memmem(r, auth.n, PAN, strlen(PAN)) == NULL);
    /* the message parses: its PAN masked whole, the other fields as sent */
    CHECK(memmem(r, auth.n, "16****************000000000000005000", 36) != NULL);
    /* a PAN cut by a segment boundary: neither half keeps more than 6 or 4 */
    static const char a[] = "xx16" "47617390", b[] = "01010119" "000000xx";
    r = app_iso8583_redact(&f, (const uint8_t *)a, sizeof a - 1);
    CHECK(memcmp(r, "xx164761****", 12) == 0);
    r = app_iso8583_redact(&f, (const uint8_t *)b, sizeof b - 1);
    CHECK(memcmp(r, "**********0000", 14) == 0);
    /* BCD (a flow whose state is gone: packed digits masked too) */
    f.app = NULL;
    r = app_iso8583_redact(&f, bcdm.b, bcdm.n);
    static const uint8_t pan_bcd[] = {0x54, 0x13, 0x33, 0x00, 0x89, 0x60, 0x41, 0x11};
    CHECK(memmem(r, bcdm.n, pan_bcd, sizeof pan_bcd) == NULL);
    /* longer than the redaction's buffer: not written, counted */
    static uint8_t big[128 * 1024 + 1];
    uint64_t dropped = app_iso8583_redact_dropped();
    CHECK(app_iso8583_redact(&f, big, sizeof big) == NULL);
    CHECK(app_iso8583_redact_dropped() == dropped + 1);
    /* other protocols: untouched, no copy */
    f.app_proto = APP_PROTO_HTTP;
    CHECK(app_iso8583_redact(&f, auth.b, auth.n) == auth.b);
    /* not detected yet (a packet inspected before the parser saw it) or
     * detection failed, on port 8583: masked all the same; elsewhere not */
    f.app_proto = APP_PROTO_UNKNOWN;
    r = app_iso8583_redact(&f, auth.b, auth.n);
    CHECK(r && memmem(r, auth.n, PAN, strlen(PAN)) == NULL);
    f.app_proto = APP_PROTO_FAILED;
    r = app_iso8583_redact(&f, auth.b, auth.n);
    CHECK(r && memmem(r, auth.n, PAN, strlen(PAN)) == NULL);
    f.key.dst_port = 8080;
    CHECK(app_iso8583_redact(&f, auth.b, auth.n) == auth.b);
    f.key.dst_port = 8583;
    app_layer_flow_end(ctx, st, &f);
    app_flow_state_free(st);
    app_layer_thread_ctx_free(ctx);
}

/* No card number of a redacted buffer: as characters (any 7 of its middle
 * digits), packed, or the middle of either. */
static bool no_card(const uint8_t *r, size_t n)
{
    return memmem(r, n, PAN, strlen(PAN)) == NULL && memmem(r, n, "7390010", 7) == NULL &&
           memmem(r, n, pan_packed, sizeof pan_packed) == NULL &&
           memmem(r, n, pan_packed + 2, 4) == NULL;
}

/* Card data inside ICC data (EMV tags 5A, 57) of an ASCII flow: masked in
 * every output buffer, whether the parser read the message already, reads
 * it in two parts, or not at all; the other fields stay as sent. */
static void test_redact_emv(void)
{
    struct app_layer_thread_ctx *ctx = app_layer_thread_ctx_new(NULL, NULL);
    struct flow f;
    struct packet p;
    struct app_flow_state *st = iso_flow(ctx, &f, &p);
    uint64_t off = echo.n;
    const struct ics_buf *msgs[] = {&emv, &emvh};
    static uint8_t out[1024];
    for (int m = 0; m < 2; m++) {
        const struct ics_buf *b = msgs[m];
        CHECK(b->n <= sizeof out);
        /* nothing known of the bytes' place: the message at their start */
        const uint8_t *r = app_iso8583_redact_at(&f, b->b, b->n, NULL);
        CHECK(r && no_card(r, b->n));
        CHECK(memmem(r, b->n, m ? "000000000000005000000126051TERM0001"
                                : "000000000000005000000125051TERM0001", 35) != NULL);
        /* every split: each part redacted before the parser has it */
        int bad = 0;
        for (uint32_t k = 1; k < b->n; k++) {
            struct app_iso8583_where w = {.len = k, .offset_known = true, .offset = off};
            r = app_iso8583_redact_at(&f, b->b, k, &w);
            memcpy(out, r, k);
            app_layer_handle_tcp_data(ctx, &st, &f, &p, 0, b->b, k, 0);
            w = (struct app_iso8583_where){.len = b->n - k, .offset_known = true, .offset = off + k};
            r = app_iso8583_redact_at(&f, b->b + k, b->n - k, &w);
            memcpy(out + k, r, b->n - k);
            app_layer_handle_tcp_data(ctx, &st, &f, &p, 0, b->b + k, b->n - k, 0);
            if (!no_card(out, b->n)) {
                if (!bad++)
                    fprintf(stderr, "message %d split at %u: card data in clear\n", m, k);
            }
            off += b->n;
        }
        CHECK_EQ_INT(bad, 0);
        /* read by the parser: its recorded ranges, exact */
        struct app_iso8583_where w = {.len = b->n, .offset_known = true, .offset = off - b->n};
        r = app_iso8583_redact_at(&f, b->b, b->n, &w);
        CHECK(r && no_card(r, b->n));
        CHECK(memmem(r, b->n, "000000000000005000", 18) != NULL);
        if (m == 0) /* the other EMV tags as sent */
            CHECK(memmem(r, b->n, "\x95\x05\x80\x80\x80\x80\x80", 7) != NULL);
    }
    app_layer_flow_end(ctx, st, &f);
    app_flow_state_free(st);
    app_layer_thread_ctx_free(ctx);
}

/* A TPDU header before the MTI: detected, parsed, logged, every split,
 * and the card number masked in the outputs' bytes. */
static void test_tpdu(void)
{
    struct test_segment segs[] = {{0, tpdu.b, tpdu.n}, {0, tpdu.b, tpdu.n}};
    uint16_t proto = 0;
    char *log = test_run_tcp(segs, 2, 40000, 9000, -1, 0, &proto);
    CHECK_EQ_INT(proto, APP_PROTO_ISO8583);
    CHECK_EQ_INT(ics_count(log, "\"event_type\":\"iso8583\""), 2);
    CHECK(strstr(log, "\"encoding\":\"bcd\",\"length\":44,\"tpdu\":{\"id\":96,"
                      "\"destination\":\"0001\",\"source\":\"0000\"},\"mti\":\"0200\"") != NULL);
    CHECK(strstr(log, "\"pan\":\"541333******4111\"") != NULL);
    CHECK(strstr(log, "anomaly") == NULL);
    if (test_failures)
        fprintf(stderr, "%s\n", log);
    free(log);
    CHECK_EQ_INT(test_tcp_split_invariance(segs, 2, 40000, 9000), 0);
    struct flow f;
    struct packet p;
    test_flow_init(&f, &p, 6, 40000, 8583);
    const uint8_t *r = app_iso8583_redact_at(&f, tpdu.b, tpdu.n, NULL);
    static const uint8_t pan_bcd[] = {0x54, 0x13, 0x33, 0x00, 0x89, 0x60, 0x41, 0x11};
    CHECK(r && memmem(r, tpdu.n, pan_bcd, sizeof pan_bcd) == NULL);
    CHECK(r && memmem(r, tpdu.n, "\x60\x00\x01\x00\x00\x02\x00", 7) != NULL); /* parsed */
}

int main(void)
{
    build();
    test_session();
    test_anomalies();
    test_redact();
    test_redact_emv();
    test_tpdu();
    TEST_MAIN_END();
}
