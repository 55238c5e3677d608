/* SPDX-License-Identifier: Apache-2.0 */
/* GTP (app_gtp.c) and Diameter over SCTP (app_layer_handle_sctp): GTPv2-C
 * Create Session request/response and GTPv1-C Create PDP Context
 * request/response built here with their IEs (IMSI, MSISDN, APN, RAT
 * type, cause, F-TEID / TEID Control Plane, Bearer Context), pairing by
 * sequence number, a piggybacked message, IMSI/MSISDN masking, the rule
 * buffers and integers, every truncation of every message, anomalies; the
 * G-PDU log of a decapsulated tunnel; Diameter in SCTP DATA chunks (one
 * chunk, a message fragmented at every offset, a retransmitted TSN, other
 * PPIDs); and the gid 7301 detector (peers after the learning period,
 * GTP-U in GTP-U, GTP-C inside a tunnel). */
#include "app/app_test_util.h"
#include "decode/decode.h"
#include "ics/grid_test_util.h"
#include "test.h"
#include "util/builtin_alert.h"

static void tbcd(struct ics_buf *b, const char *digits)
{
    size_t n = strlen(digits);
    for (size_t i = 0; i < n; i += 2) {
        uint8_t lo = (uint8_t)(digits[i] - '0');
        uint8_t hi = i + 1 < n ? (uint8_t)(digits[i + 1] - '0') : 0x0f;
        ics_u8(b, (uint8_t)(hi << 4 | lo));
    }
}

static void apn(struct ics_buf *b, const char *name)
{
    const char *s = name;
    while (*s) {
        const char *dot = strchr(s, '.');
        size_t l = dot ? (size_t)(dot - s) : strlen(s);
        ics_u8(b, (uint8_t)l);
        ics_put(b, s, (uint32_t)l);
        s += l + (dot ? 1 : 0);
    }
}

/* GTPv2 IE: type, length, instance, value. */
static void ie2(struct ics_buf *b, uint8_t type, uint8_t inst, const struct ics_buf *v)
{
    ics_u8(b, type);
    ics_be16(b, (uint16_t)v->n);
    ics_u8(b, inst);
    ics_put(b, v->b, v->n);
}

static void msg2(struct ics_buf *out, uint8_t type, bool piggy, uint32_t teid, uint32_t seq,
                 const struct ics_buf *ies)
{
    ics_u8(out, (uint8_t)(0x48 | (piggy ? 0x10 : 0)));
    ics_u8(out, type);
    ics_be16(out, (uint16_t)(8 + ies->n));
    ics_be32(out, teid);
    ics_u8(out, (uint8_t)(seq >> 16));
    ics_be16(out, (uint16_t)seq);
    ics_u8(out, 0);
    ics_put(out, ies->b, ies->n);
}

/* GTPv1-C with the S flag: sequence number, N-PDU, next extension 0. */
static void msg1(struct ics_buf *out, uint8_t type, uint32_t teid, uint16_t seq,
                 const struct ics_buf *ies)
{
    ics_u8(out, 0x32);
    ics_u8(out, type);
    ics_be16(out, (uint16_t)(4 + ies->n));
    ics_be32(out, teid);
    ics_be16(out, seq);
    ics_u8(out, 0);
    ics_u8(out, 0);
    ics_put(out, ies->b, ies->n);
}

static struct ics_buf csreq, csresp, pdpreq, pdpresp, piggy;

static void build(void)
{
    struct ics_buf ies = {0}, v = {0}, bc = {0};
    tbcd(&v, "001010123456789");
    ie2(&ies, 1, 0, &v);
    v.n = 0;
    tbcd(&v, "447700900123");
    ie2(&ies, 76, 0, &v);
    v.n = 0;
    ics_u8(&v, 6); /* E-UTRAN */
    ie2(&ies, 82, 0, &v);
    v.n = 0;
    ics_hex(&v, "8a00abcdef0a650002"); /* F-TEID: S11 MME GTP-C, TEID, IPv4 */
    ie2(&ies, 87, 0, &v);
    v.n = 0;
    apn(&v, "internet.mnc001.mcc001.gprs");
    ie2(&ies, 71, 0, &v);
    v.n = 0;
    ics_hex(&v, "010a0a0a01");
    ie2(&ies, 79, 0, &v);
    v.n = 0;
    ics_u8(&v, 5);
    ie2(&bc, 73, 0, &v);
    ie2(&ies, 93, 0, &bc);
    msg2(&csreq, 32, false, 0, 0x4b5462, &ies);

    ies.n = bc.n = 0;
    v.n = 0;
    ics_hex(&v, "1000");
    ie2(&ies, 2, 0, &v);
    v.n = 0;
    ics_hex(&v, "8b35529204" "0a660002");
    ie2(&ies, 87, 0, &v);
    v.n = 0;
    ics_u8(&v, 5);
    ie2(&bc, 73, 0, &v);
    v.n = 0;
    ics_hex(&v, "8135529206" "0a660003");
    ie2(&bc, 87, 2, &v);
    ie2(&ies, 93, 0, &bc);
    msg2(&csresp, 33, false, 0xabcdef, 0x4b5462, &ies);

    /* GTPv1: IMSI (TV 2), Recovery (14), Selection mode (15), TEID Data I
     * (16), TEID C (17), NSAPI (20), EUA (128), APN (131), GSN (133),
     * MSISDN (134), RAT (151). */
    ies.n = 0;
    ics_u8(&ies, 2);
    tbcd(&ies, "2620212345678901");
    ics_hex(&ies, "0e05" "0ffd" "1000001111" "1100002222" "1405");
    ics_hex(&ies, "800002f121");
    ics_u8(&ies, 131);
    v.n = 0;
    apn(&v, "web.example");
    ics_be16(&ies, (uint16_t)v.n);
    ics_put(&ies, v.b, v.n);
    ics_hex(&ies, "850004c0a86401");
    ics_hex(&ies, "86000791");
    tbcd(&ies, "491721234567");
    ics_hex(&ies, "9700" "0101");
    msg1(&pdpreq, 16, 0, 0x130b, &ies);
    ies.n = 0;
    ics_hex(&ies, "0180" "1000003333" "1100004444" "800006f1210a000001");
    msg1(&pdpresp, 17, 0x2222, 0x130b, &ies);

    /* An echo request with a piggybacked... GTPv2 echo response is not
     * piggybacked in practice; a Create Session Response with a Create
     * Bearer Request after it is (TS 29.274 5.5.1). */
    ies.n = 0;
    v.n = 0;
    ics_hex(&v, "10");
    ie2(&ies, 2, 0, &v);
    msg2(&piggy, 33, true, 0x1234, 77, &ies);
    ies.n = 0;
    v.n = 0;
    ics_u8(&v, 6);
    ie2(&ies, 73, 0, &v);
    msg2(&piggy, 95, false, 0x1234, 78, &ies);
}

/* Datagrams of one flow (10.0.0.1 -> 10.0.0.<dst>), at ts_usec + i seconds,
 * in a context of its own or the one given (peer learning spans flows). */
static void run_flow(struct app_layer_thread_ctx *ctx, const struct test_segment *d, size_t n,
                     uint8_t src_last, uint64_t t0, uint8_t tunnel_type, uint8_t proto)
{
    struct flow f;
    struct packet p;
    test_flow_init(&f, &p, proto, 2123, 2123);
    f.key.src.addr.u8[15] = src_last;
    p.src = f.key.src;
    p.tunnel_type = tunnel_type;
    struct app_flow_state *st = NULL;
    for (size_t i = 0; i < n; i++) {
        p.flow_direction = d[i].direction;
        p.pcap_cnt = i + 1;
        p.ts_usec = t0 + i * 1000000ull;
        if (proto == 132)
            app_layer_handle_sctp(ctx, &st, &f, &p, d[i].direction, d[i].data, d[i].len);
        else
            app_layer_handle_udp(ctx, &st, &f, &p, d[i].direction, d[i].data, d[i].len);
    }
    app_layer_flow_end(ctx, st, &f);
    app_flow_state_free(st);
}

static struct test_capture cap;

static struct app_layer_thread_ctx *new_ctx(struct app_layer_config *cfg)
{
    struct app_event_sink sink = {.user = &cap,
                                  .emit = test_capture_emit,
                                  .anomaly = test_capture_anomaly,
                                  .alert = test_capture_alert};
    return app_layer_thread_ctx_new(cfg, &sink);
}

static char *run(const struct test_segment *d, size_t n, const struct app_layer_config *over,
                 uint8_t proto)
{
    struct app_layer_config cfg;
    app_layer_config_load(&cfg, NULL);
    if (over)
        cfg = *over;
    test_capture_reset(&cap);
    struct app_layer_thread_ctx *ctx = new_ctx(&cfg);
    run_flow(ctx, d, n, 1, 1700000000000000ull, 0, proto);
    uint64_t memuse = app_layer_thread_stats(ctx)->memuse;
    app_layer_thread_ctx_free(ctx);
    if (memuse != 0)
        test_capture_append(&cap, "MEMUSE-LEAK\n", 12);
    if (!cap.log)
        test_capture_append(&cap, "", 0);
    char *log = cap.log;
    memset(&cap, 0, sizeof cap);
    return log;
}

static void test_v2(void)
{
    struct test_segment d[] = {{0, csreq.b, csreq.n}, {1, csresp.b, csresp.n}};
    uint16_t proto = 0;
    char *log = ics_run_udp(d, 2, 2123, 2123, &proto);
    CHECK_EQ_INT(proto, APP_PROTO_GTP);
    CHECK_EQ_INT(ics_count(log, "\"event_type\":\"gtp\""), 2);
    CHECK(strstr(log, "{\"event_type\":\"gtp\",\"direction\":0,\"gtp\":{\"version\":2,"
                      "\"message_type\":32,\"message_name\":\"create_session_request\","
                      "\"request\":true,\"length\":") != NULL);
    CHECK(strstr(log, "\"teid\":0,\"seq\":4936802,\"imsi\":\"001010123456789\",\"msisdn\":"
                      "\"447700900123\",\"apn\":\"internet.mnc001.mcc001.gprs\",\"rat_type\":6,"
                      "\"ebi\":5,\"sender_teid_c\":11259375,\"end_user_address\":\"10.10.10.1\","
                      "\"ies\":7}") != NULL);
    CHECK(strstr(log, "\"message_type\":33,\"message_name\":\"create_session_response\","
                      "\"request\":false") != NULL);
    CHECK(strstr(log, "\"teid\":11259375,\"seq\":4936802,\"cause\":16,\"ebi\":5,\"sender_teid_c\":"
                      "894603780,\"teid_u\":894603782,\"ies\":3,\"response_to\":{\"tx_id\":0,") !=
          NULL);
    CHECK(strstr(log, "anomaly") == NULL);
    CHECK(strstr(log, "MEMUSE-LEAK") == NULL);
    if (test_failures)
        fprintf(stderr, "%s\n", log);
    free(log);

    char *f = ics_run_fields(d, 2, 17, 2123, 2123);
    CHECK(strstr(f, "gtp.msgtype=32;gtp.version=2;gtp.teid=0;gtp.rat_type=6;gtp.imsi="
                    "001010123456789;gtp.msisdn=447700900123;gtp.apn=internet.mnc001.mcc001."
                    "gprs;") != NULL);
    CHECK(strstr(f, "gtp.msgtype=33;gtp.version=2;gtp.teid=11259375;gtp.cause=16;\n") != NULL);
    if (test_failures)
        fprintf(stderr, "%s\n", f);
    free(f);

    /* Masked IMSI and MSISDN in the log; rules still see the digits. */
    struct app_layer_config cfg;
    app_layer_config_load(&cfg, NULL);
    cfg.gtp_mask_imsi = cfg.gtp_mask_msisdn = true;
    log = run(d, 2, &cfg, 17);
    CHECK(strstr(log, "\"imsi\":\"00101**********\",\"msisdn\":\"44770*******\"") != NULL);
    CHECK(strstr(log, "0123456789") == NULL);
    free(log);
}

static void test_v1(void)
{
    struct test_segment d[] = {{0, pdpreq.b, pdpreq.n}, {1, pdpresp.b, pdpresp.n}};
    char *log = ics_run_udp(d, 2, 2123, 2123, NULL);
    CHECK(strstr(log, "\"gtp\":{\"version\":1,\"message_type\":16,\"message_name\":"
                      "\"create_pdp_context_request\",\"request\":true,") != NULL);
    CHECK(strstr(log, "\"teid\":0,\"seq\":4875,\"imsi\":\"2620212345678901\",\"msisdn\":"
                      "\"491721234567\",\"apn\":\"web.example\",\"rat_type\":1,\"recovery\":5,"
                      "\"nsapi\":5,\"sender_teid_c\":8738,\"teid_u\":4369,\"ies\":11}") != NULL);
    CHECK(strstr(log, "\"message_type\":17,\"message_name\":\"create_pdp_context_response\","
                      "\"request\":false,\"length\":") != NULL);
    CHECK(strstr(log, "\"teid\":8738,\"seq\":4875,\"cause\":128,\"sender_teid_c\":17476,"
                      "\"teid_u\":13107,\"end_user_address\":\"10.0.0.1\",\"ies\":4,"
                      "\"response_to\":{\"tx_id\":0,") != NULL);
    CHECK(strstr(log, "anomaly") == NULL);
    if (test_failures)
        fprintf(stderr, "%s\n", log);
    free(log);

    /* Piggybacked: two events from one datagram, the second marked. */
    struct test_segment pg[] = {{1, piggy.b, piggy.n}};
    log = ics_run_udp(pg, 1, 2123, 2123, NULL);
    CHECK_EQ_INT(ics_count(log, "\"event_type\":\"gtp\""), 2);
    CHECK(strstr(log, "\"message_type\":95,\"message_name\":\"create_bearer_request\","
                      "\"request\":true,\"length\":13,\"teid\":4660,\"seq\":78,"
                      "\"piggybacked\":true") != NULL);
    CHECK_EQ_INT(ics_count(log, "anomaly gtp unmatched_response"), 1);
    free(log);
}

/* Every truncation of every message: no crash, every byte accounted for,
 * each truncated message logged with an anomaly (an event per datagram
 * that still has a header). */
static void test_truncation(void)
{
    const struct ics_buf *m[] = {&csreq, &csresp, &pdpreq, &pdpresp, &piggy};
    for (size_t i = 0; i < 5; i++) {
        for (uint32_t k = 1; k < m[i]->n; k++) {
            /* A whole message starts the flow, the truncated one follows. */
            struct test_segment d[] = {{0, csreq.b, csreq.n}, {0, m[i]->b, k}};
            uint16_t proto = 0;
            unsigned ev = 0;
            char *log = test_run_udp(d, 2, 2123, 2123, &proto, &ev, NULL);
            CHECK(strstr(log, "MEMUSE-LEAK") == NULL);
            CHECK_EQ_INT(proto, APP_PROTO_GTP);
            CHECK(ev >= 2);
            CHECK(strstr(log, "anomaly gtp truncated_message") != NULL ||
                  strstr(log, "anomaly gtp invalid_header") != NULL);
            if (test_failures) {
                fprintf(stderr, "message %zu cut at %u:\n%s\n", i, k, log);
                free(log);
                return;
            }
            free(log);
        }
    }
    /* Anomalies of whole messages. */
    struct ics_buf bad = {0}, ies = {0}, v = {0};
    ics_hex(&v, "1a");
    ie2(&ies, 1, 0, &v); /* an IMSI digit that is not BCD */
    ics_hex(&ies, "4700ff00"); /* an APN IE of 255 bytes that are not there */
    msg2(&bad, 34, false, 1, 9, &ies);
    struct ics_buf junk = {0};
    ics_put(&junk, csreq.b, csreq.n);
    ics_put(&junk, "\x01\x02", 2);
    struct ics_buf unk = {0};
    ies.n = 0;
    msg2(&unk, 250, false, 1, 10, &ies);
    struct test_segment d[] = {{0, bad.b, bad.n}, {1, csresp.b, csresp.n}, {0, junk.b, junk.n},
                               {0, unk.b, unk.n}};
    char *log = ics_run_udp(d, 4, 2123, 2123, NULL);
    CHECK_EQ_INT(ics_count(log, "\"event_type\":\"gtp\""), 4);
    CHECK_EQ_INT(ics_count(log, "anomaly gtp malformed_ie"), 1);
    CHECK_EQ_INT(ics_count(log, "anomaly gtp invalid_tbcd"), 1);
    CHECK_EQ_INT(ics_count(log, "anomaly gtp unmatched_response"), 1);
    CHECK_EQ_INT(ics_count(log, "anomaly gtp trailing_data"), 1);
    CHECK_EQ_INT(ics_count(log, "anomaly gtp unknown_message_type"), 1);
    if (test_failures)
        fprintf(stderr, "%s\n", log);
    free(log);

    /* Not GTP on its port: no parser. */
    static const char dns[] = "\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00";
    struct test_segment h[] = {{0, (const uint8_t *)dns, sizeof dns - 1}};
    uint16_t proto = 0;
    log = test_run_udp(h, 1, 40000, 2123, &proto, NULL, NULL);
    CHECK(proto != APP_PROTO_GTP);
    free(log);
}

/* A GTP-U header the decoder decapsulated. */
static void test_tunnel(void)
{
    static const uint8_t hdr[] = {0x32, 0xff, 0x00, 0x40, 0x00, 0x10, 0x06, 0x57,
                                  0x00, 0x05, 0x00, 0x00};
    struct app_layer_config cfg;
    app_layer_config_load(&cfg, NULL);
    CHECK(!cfg.gtp_log_gpdu); /* off by default: one event per user-plane packet */
    cfg.gtp_log_gpdu = true;
    test_capture_reset(&cap);
    struct app_layer_thread_ctx *ctx = new_ctx(&cfg);
    struct flow f;
    struct packet p;
    test_flow_init(&f, &p, 17, 2152, 2152);
    struct ip_address a = {.family = 4}, b = {.family = 4};
    a.addr.u8[10] = a.addr.u8[11] = b.addr.u8[10] = b.addr.u8[11] = 0xff;
    a.addr.u8[12] = 192, a.addr.u8[13] = 168, a.addr.u8[15] = 7;
    b.addr.u8[12] = 8, b.addr.u8[13] = 8, b.addr.u8[14] = 8, b.addr.u8[15] = 8;
    app_layer_tunnel_gtpu(ctx, &f, &p, 1, hdr, sizeof hdr, &a, &b, false);
    app_layer_tunnel_gtpu(ctx, &f, &p, 0, hdr, sizeof hdr, &a, &b, true);
    app_layer_thread_ctx_free(ctx);
    CHECK_EQ_INT(ics_count(cap.log, "\"event_type\":\"gtp\""), 2);
    CHECK(strstr(cap.log, "{\"event_type\":\"gtp\",\"direction\":1,\"gtp\":{\"version\":1,"
                          "\"message_type\":255,\"message_name\":\"g_pdu\",\"length\":64,"
                          "\"teid\":1050199,\"seq\":5,\"inner\":{\"src_ip\":\"192.168.0.7\","
                          "\"dest_ip\":\"8.8.8.8\"}}}") != NULL);
    CHECK_EQ_INT(ics_count(cap.log, "alert 7301:3 "), 1);
    if (test_failures)
        fprintf(stderr, "%s\n", cap.log);
    test_capture_reset(&cap);
}

/* The peer detector: peers seen during the learning period are known; a
 * new one after it alerts once; GTP-C inside GTP-U alerts. */
static void test_peers(void)
{
    struct app_layer_config cfg;
    app_layer_config_load(&cfg, NULL);
    cfg.telecom_peers_learn_usec = 60ull * 1000000;
    test_capture_reset(&cap);
    struct app_layer_thread_ctx *ctx = new_ctx(&cfg);
    struct test_segment d[] = {{0, csreq.b, csreq.n}, {1, csresp.b, csresp.n}};
    uint64_t t0 = 1700000000000000ull;
    run_flow(ctx, d, 2, 1, t0, 0, 17);                   /* learning: 10.0.0.1 and .2 */
    run_flow(ctx, d, 2, 1, t0 + 120000000ull, 0, 17);    /* known peers */
    CHECK(strstr(cap.log, "alert") == NULL);
    run_flow(ctx, d, 2, 9, t0 + 130000000ull, 0, 17);    /* 10.0.0.9 is new */
    run_flow(ctx, d, 2, 9, t0 + 140000000ull, 0, 17);    /* and now known */
    CHECK_EQ_INT(ics_count(cap.log, "alert 7301:1 VIGIL GTP message from an unexpected peer"), 1);
    run_flow(ctx, d, 1, 1, t0 + 150000000ull, DECODE_TUNNEL_GTPU, 17);
    CHECK_EQ_INT(ics_count(cap.log, "alert 7301:4 "), 1);
    if (test_failures)
        fprintf(stderr, "%s\n", cap.log);
    app_layer_thread_ctx_free(ctx);
    test_capture_reset(&cap);

    /* Disabled: nothing. */
    cfg.telecom_peers_enabled = false;
    ctx = new_ctx(&cfg);
    run_flow(ctx, d, 2, 1, t0, 0, 17);
    run_flow(ctx, d, 2, 9, t0 + 130000000ull, 0, 17);
    CHECK(cap.log == NULL || strstr(cap.log, "alert 7301:1") == NULL);
    app_layer_thread_ctx_free(ctx);
    test_capture_reset(&cap);
}

/* ---- Diameter over SCTP ---- */

static void dia_avp(struct ics_buf *b, uint32_t code, const char *s)
{
    uint32_t len = 8 + (uint32_t)strlen(s);
    ics_be32(b, code);
    ics_be32(b, 0x40000000u | len);
    ics_put(b, s, (uint32_t)strlen(s));
    while (len & 3) {
        ics_u8(b, 0);
        len++;
    }
}

static void dia_msg(struct ics_buf *out, uint8_t flags, uint32_t cmd, uint32_t hbh)
{
    struct ics_buf b = {0};
    dia_avp(&b, 264, flags & 0x80 ? "mme.example.net" : "hss.example.net");
    dia_avp(&b, 296, "example.net");
    dia_avp(&b, 263, "mme.example.net;1;99");
    ics_be32(out, 0x01000000u | (20 + b.n));
    ics_be32(out, (uint32_t)flags << 24 | cmd);
    ics_be32(out, 16777251);
    ics_be32(out, hbh);
    ics_be32(out, 0x5000 + hbh);
    ics_put(out, b.b, b.n);
}

/* One SCTP DATA chunk (padded) of flags B/E, TSN and PPID. */
static void chunk(struct ics_buf *out, uint8_t be, uint32_t tsn, uint32_t ppid, const uint8_t *d,
                  uint32_t n)
{
    ics_u8(out, 0);
    ics_u8(out, be);
    ics_be16(out, (uint16_t)(16 + n));
    ics_be32(out, tsn);
    ics_be16(out, 0);
    ics_be16(out, 0);
    ics_be32(out, ppid);
    ics_put(out, d, n);
    while (out->n & 3)
        ics_u8(out, 0);
}

static void test_sctp(void)
{
    struct ics_buf ulr = {0}, ula = {0};
    dia_msg(&ulr, 0xc0, 316, 0x77);
    dia_msg(&ula, 0x40, 316, 0x77);
    /* One chunk each way, a SACK before the answer's DATA, and the
     * request's chunk retransmitted. */
    struct ics_buf p1 = {0}, p2 = {0}, p3 = {0};
    chunk(&p1, 3, 1000, 46, ulr.b, ulr.n);
    ics_hex(&p2, "03000010000003e80001000000000000"); /* a SACK chunk */
    chunk(&p2, 3, 5000, 46, ula.b, ula.n);
    chunk(&p3, 3, 1000, 46, ulr.b, ulr.n);
    struct test_segment d[] = {{0, p1.b, p1.n}, {1, p2.b, p2.n}, {0, p3.b, p3.n}};
    char *whole = run(d, 3, NULL, 132);
    CHECK_EQ_INT(ics_count(whole, "\"event_type\":\"diameter\""), 2);
    CHECK(strstr(whole, "\"command_code\":316,\"command_name\":\"Update-Location\","
                        "\"request\":true") != NULL);
    CHECK(strstr(whole, "\"answers\":{\"tx_id\":0,") != NULL);
    CHECK(strstr(whole, "anomaly") == NULL);
    CHECK(strstr(whole, "MEMUSE-LEAK") == NULL);
    if (test_failures)
        fprintf(stderr, "%s\n", whole);

    /* The request fragmented in two chunks at every offset (and in three):
     * the same log. */
    int bad = 0;
    for (uint32_t k = 1; k < ulr.n; k++) {
        struct ics_buf q1 = {0}, q2 = {0};
        chunk(&q1, 2, 1000, 46, ulr.b, k);
        chunk(&q2, 1, 1001, 46, ulr.b + k, ulr.n - k);
        struct test_segment s[] = {{0, q1.b, q1.n}, {0, q2.b, q2.n}, {1, p2.b, p2.n}};
        char *got = run(s, 3, NULL, 132);
        if (strcmp(got, whole) != 0 && bad++ < 2)
            fprintf(stderr, "split at %u differs:\n%s", k, got);
        free(got);
    }
    CHECK_EQ_INT(bad, 0);
    struct ics_buf t1 = {0};
    chunk(&t1, 2, 1000, 46, ulr.b, 10);
    chunk(&t1, 0, 1001, 46, ulr.b + 10, 30);
    chunk(&t1, 1, 1002, 46, ulr.b + 40, ulr.n - 40);
    struct test_segment s3[] = {{0, t1.b, t1.n}, {1, p2.b, p2.n}};
    char *got = run(s3, 2, NULL, 132);
    CHECK_EQ_STR(got, whole);
    free(got);
    free(whole);

    /* A lost middle fragment: the message is dropped, the next one parsed. */
    struct ics_buf l1 = {0}, l2 = {0};
    chunk(&l1, 2, 1000, 46, ulr.b, 10);
    chunk(&l2, 1, 1002, 46, ulr.b + 40, ulr.n - 40);
    chunk(&l2, 3, 1003, 46, ulr.b, ulr.n);
    struct test_segment sl[] = {{0, l1.b, l1.n}, {0, l2.b, l2.n}};
    got = run(sl, 2, NULL, 132);
    CHECK_EQ_INT(ics_count(got, "\"event_type\":\"diameter\""), 1);
    free(got);

    /* Other PPIDs (M3UA 3) are not Diameter. */
    struct ics_buf o = {0};
    chunk(&o, 3, 1, 3, ulr.b, ulr.n);
    struct test_segment so[] = {{0, o.b, o.n}};
    got = run(so, 1, NULL, 132);
    CHECK(strstr(got, "diameter") == NULL);
    free(got);
}

int main(void)
{
    build();
    test_v2();
    test_v1();
    test_truncation();
    test_tunnel();
    test_peers();
    test_sctp();
    TEST_MAIN_END();
}
