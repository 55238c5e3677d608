/* SPDX-License-Identifier: Apache-2.0 */
/* Diameter over TCP (app_diameter.c): messages built here (CER/CEA, a
 * Credit-Control request and answer with Session-Id, Subscription-Id and
 * Experimental-Result in Grouped AVPs, a vendor AVP), request/answer
 * pairing by Hop-by-Hop id, several messages per segment and every split,
 * the rule buffers and integers, malformed AVPs, an unmatched answer,
 * garbage before a message, and content that is not Diameter. */
#include "app/app_test_util.h"
#include "ics/grid_test_util.h"
#include "test.h"

static void avp(struct ics_buf *b, uint32_t code, uint8_t flags, uint32_t vendor, const void *d,
                uint32_t n)
{
    uint32_t hdr = vendor ? 12 : 8, len = hdr + n;
    ics_be32(b, code);
    ics_be32(b, (uint32_t)(flags | (vendor ? 0x80 : 0)) << 24 | len);
    if (vendor)
        ics_be32(b, vendor);
    ics_put(b, d, n);
    while (len & 3) {
        ics_u8(b, 0);
        len++;
    }
}

static void avp_str(struct ics_buf *b, uint32_t code, const char *s)
{
    avp(b, code, 0x40, 0, s, (uint32_t)strlen(s));
}

static void avp_u32(struct ics_buf *b, uint32_t code, uint32_t v)
{
    uint8_t d[4] = {(uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v};
    avp(b, code, 0x40, 0, d, 4);
}

/* Wraps the AVPs of body into a message. */
static void msg(struct ics_buf *out, uint8_t flags, uint32_t cmd, uint32_t app, uint32_t hbh,
                uint32_t e2e, const struct ics_buf *body)
{
    uint32_t len = 20 + body->n;
    ics_be32(out, 0x01000000u | len);
    ics_be32(out, (uint32_t)flags << 24 | cmd);
    ics_be32(out, app);
    ics_be32(out, hbh);
    ics_be32(out, e2e);
    ics_put(out, body->b, body->n);
}

static struct ics_buf cer, cea, ccr, cca;

static void build(void)
{
    struct ics_buf b = {0};
    avp_str(&b, 264, "client.example.net");
    avp_str(&b, 296, "example.net");
    avp_u32(&b, 266, 10415);
    avp_str(&b, 269, "vigil-test");
    avp_u32(&b, 258, 4);
    msg(&cer, 0x80, 257, 0, 0x1111, 0xaaaa0001, &b);
    b.n = 0;
    avp_u32(&b, 268, 2001);
    avp_str(&b, 264, "ocs.example.org");
    avp_str(&b, 296, "example.org");
    avp_str(&b, 269, "OCS");
    msg(&cea, 0x00, 257, 0, 0x1111, 0xaaaa0001, &b);
    b.n = 0;
    avp_str(&b, 263, "client.example.net;1;42");
    avp_str(&b, 264, "client.example.net");
    avp_str(&b, 296, "example.net");
    avp_str(&b, 283, "example.org");
    avp_u32(&b, 258, 4);
    avp_u32(&b, 416, 1);
    avp_u32(&b, 415, 0);
    avp_str(&b, 1, "alice@example.net");
    struct ics_buf g = {0};
    avp_u32(&g, 450, 0);
    avp_str(&g, 444, "15551230000");
    avp(&b, 443, 0x40, 0, g.b, g.n);
    avp(&b, 1032, 0x80, 10415, "\x00\x00\x00\x06", 4); /* 3GPP RAT-Type */
    msg(&ccr, 0xc0, 272, 4, 0x2222, 0xbbbb0001, &b);
    b.n = 0;
    g.n = 0;
    avp_str(&b, 263, "client.example.net;1;42");
    avp_str(&b, 264, "ocs.example.org");
    avp_str(&b, 296, "example.org");
    avp_u32(&g, 266, 10415);
    avp_u32(&g, 298, 5030);
    avp(&b, 297, 0x40, 0, g.b, g.n);
    msg(&cca, 0x40, 272, 4, 0x2222, 0xbbbb0001, &b);
}

static void test_session(void)
{
    struct ics_buf two = {0};
    ics_put(&two, cea.b, cea.n);
    struct test_segment segs[] = {
        {0, cer.b, cer.n}, {1, cea.b, cea.n}, {0, ccr.b, ccr.n}, {1, cca.b, cca.n}};
    uint16_t proto = 0;
    char *log = test_run_tcp(segs, 4, 40000, 3868, -1, 0, &proto);
    CHECK_EQ_INT(proto, APP_PROTO_DIAMETER);
    CHECK_EQ_INT(ics_count(log, "\"event_type\":\"diameter\""), 4);
    CHECK(strstr(log, "\"direction\":0,\"diameter\":{\"version\":1,\"length\":") != NULL);
    CHECK(strstr(log, "\"command_code\":257,\"command_name\":\"Capabilities-Exchange\","
                      "\"request\":true") != NULL);
    CHECK(strstr(log, "\"origin_host\":\"ocs.example.org\",\"origin_realm\":\"example.org\","
                      "\"product_name\":\"OCS\",\"result_code\":2001,\"avps\":4,\"answers\":"
                      "{\"tx_id\":0,") != NULL);
    CHECK(strstr(log, "\"command_code\":272,\"command_name\":\"Credit-Control\",\"request\":true,"
                      "\"flags\":{\"proxiable\":true,\"error\":false,\"retransmitted\":false},"
                      "\"application_id\":4,\"hop_by_hop_id\":8738,\"end_to_end_id\":3149594625,"
                      "\"session_id\":\"client.example.net;1;42\",\"origin_host\":"
                      "\"client.example.net\",\"origin_realm\":\"example.net\","
                      "\"destination_realm\":\"example.org\",\"user_name\":\"alice@example.net\","
                      "\"auth_application_id\":4,\"cc_request_type\":1,\"cc_request_number\":0,"
                      "\"subscription_id\":{\"type\":0,\"data\":\"15551230000\"},\"avps\":10}") !=
          NULL);
    CHECK(strstr(log, "\"experimental_result_code\":5030,\"avps\":4,\"answers\":{\"tx_id\":2,") !=
          NULL);
    CHECK(strstr(log, "anomaly") == NULL);
    CHECK(strstr(log, "MEMUSE-LEAK") == NULL);
    if (test_failures)
        fprintf(stderr, "%s\n", log);
    free(log);
    CHECK_EQ_INT(test_tcp_split_invariance(segs, 4, 40000, 3868), 0);

    char *f = ics_run_fields(segs, 4, 6, 40000, 3868);
    CHECK(strstr(f, "diameter.cmd_code=272;diameter.application_id=4;diameter.request=1;"
                    "diameter.session_id=client.example.net;1;42;diameter.origin_host=client."
                    "example.net;diameter.origin_realm=example.net;diameter.destination_realm="
                    "example.org;diameter.user_name=alice@example.net;") != NULL);
    CHECK(strstr(f, "diameter.cmd_code=272;diameter.application_id=4;diameter.result_code=5030;"
                    "diameter.request=0;") != NULL);
    if (test_failures)
        fprintf(stderr, "%s\n", f);
    free(f);
}

static void test_anomalies(void)
{
    /* An AVP longer than its message, an answer nobody asked for, garbage. */
    struct ics_buf bad = {0}, b = {0};
    avp_str(&b, 264, "x.example");
    avp_str(&b, 296, "example");
    msg(&bad, 0x80, 280, 0, 7, 7, &b);
    bad.b[20 + 5] = 0x7f; /* first AVP's length: 0x7f.. */
    struct ics_buf stray = {0};
    b.n = 0;
    avp_u32(&b, 268, 2001);
    msg(&stray, 0x00, 280, 0, 0x9999, 9, &b);
    struct ics_buf junk = {0};
    ics_put(&junk, "junkjunk", 8);
    ics_put(&junk, cer.b, cer.n);
    struct test_segment segs[] = {
        {0, cer.b, cer.n}, {0, bad.b, bad.n}, {1, stray.b, stray.n}, {0, junk.b, junk.n}};
    char *log = test_run_tcp(segs, 4, 40000, 3868, -1, 0, NULL);
    CHECK_EQ_INT(ics_count(log, "\"event_type\":\"diameter\""), 4);
    CHECK_EQ_INT(ics_count(log, "anomaly diameter malformed_avp"), 1);
    CHECK_EQ_INT(ics_count(log, "anomaly diameter unmatched_answer"), 1);
    CHECK_EQ_INT(ics_count(log, "anomaly diameter missing_avp"), 2);
    CHECK_EQ_INT(ics_count(log, "anomaly diameter invalid_data"), 1);
    if (test_failures)
        fprintf(stderr, "%s\n", log);
    free(log);
    CHECK_EQ_INT(test_tcp_split_invariance(segs, 4, 40000, 3868), 0);

    /* Not Diameter on its port: no parser. */
    static const char http[] = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
    struct test_segment h[] = {{0, (const uint8_t *)http, sizeof http - 1}};
    uint16_t proto = 0;
    log = test_run_tcp(h, 1, 40000, 3868, -1, 0, &proto);
    CHECK(proto != APP_PROTO_DIAMETER);
    free(log);
}

/* mask-imsi / mask-msisdn: User-Name (an IMSI) and Subscription-Id-Data
 * logged with their first 5 digits only; rules still see them whole. */
static void test_masking_one(const char *number, const char *masked)
{
    struct ics_buf b = {0}, g = {0}, ulr = {0};
    avp_str(&b, 263, "mme.example.net;1;43");
    avp_str(&b, 264, "mme.example.net");
    avp_str(&b, 296, "example.net");
    avp_str(&b, 1, "001010123456789");
    avp_u32(&g, 450, 0); /* END_USER_E164 */
    avp_str(&g, 444, number);
    avp(&b, 443, 0x40, 0, g.b, g.n);
    msg(&ulr, 0xc0, 316, 16777251, 0x3333, 0xcccc0001, &b);
    char want_clear[128], want_masked[128];
    snprintf(want_clear, sizeof want_clear, "\"data\":\"%s\"", number);
    snprintf(want_masked, sizeof want_masked, "\"data\":\"%s\"", masked);
    for (int mode = 0; mode < 3; mode++) {
        struct test_capture cap = {0};
        struct app_event_sink sink = {
            .user = &cap, .emit = test_capture_emit, .anomaly = test_capture_anomaly};
        struct app_layer_config cfg;
        app_layer_config_load(&cfg, NULL);
        CHECK(!cfg.diameter_mask_imsi && !cfg.diameter_mask_msisdn); /* default: as sent */
        cfg.diameter_mask_imsi = mode >= 1;
        cfg.diameter_mask_msisdn = mode == 2;
        struct app_layer_thread_ctx *ctx = app_layer_thread_ctx_new(&cfg, &sink);
        struct flow f;
        struct packet p;
        test_flow_init(&f, &p, 6, 40000, 3868);
        struct app_flow_state *st = NULL;
        app_layer_handle_tcp_data(ctx, &st, &f, &p, 0, ulr.b, ulr.n, 0);
        app_layer_flow_end(ctx, st, &f);
        app_flow_state_free(st);
        app_layer_thread_ctx_free(ctx);
        const char *imsi = mode ? "\"user_name\":\"00101**********\""
                                : "\"user_name\":\"001010123456789\"";
        const char *msisdn = mode == 2 ? want_masked : want_clear;
        CHECK(cap.log && strstr(cap.log, imsi) != NULL);
        CHECK(cap.log && strstr(cap.log, msisdn) != NULL);
        if (test_failures)
            fprintf(stderr, "%s\n", cap.log ? cap.log : "");
        test_capture_reset(&cap);
    }
}

static void test_masking(void)
{
    test_masking_one("447700900123", "44770*******");
    /* RFC 3966 visual separators do not split the number */
    test_masking_one("tel:+1-201-555-0123", "tel:+1-201-5**-****");
    test_masking_one("+44 (7700) 900.123", "+44 (770*) ***.***");
}

int main(void)
{
    build();
    test_session();
    test_anomalies();
    test_masking();
    TEST_MAIN_END();
}
