/* SPDX-License-Identifier: Apache-2.0 */
/* FIX tag=value over TCP (app_fix.c): messages built here with their real
 * BodyLength and CheckSum, a FIX 4.4 session (Logon, TestRequest,
 * Heartbeat, an order with a RawData field holding SOH, Logout), several
 * messages per segment and every split, the rule buffers and fix.tag:N,
 * checksum and body-length errors, sequence gaps/resets, a new
 * SenderCompID (with the gid 7302 alerts), bytes that are not FIX and
 * FIX-style framing of another protocol. */
#include "app/app_test_util.h"
#include "ics/grid_test_util.h"
#include "test.h"
#include "util/builtin_alert.h"

/* Builds "8=<bs>|9=<len>|<body>10=<sum>|" into out (| is SOH in body). */
static uint32_t fix_build(uint8_t *out, const char *bs, const char *body, int sum_delta)
{
    char b[1024];
    size_t bl = strlen(body);
    for (size_t i = 0; i < bl; i++)
        b[i] = body[i] == '|' ? '\x01' : body[i];
    int n = snprintf((char *)out, 2048, "8=%s\x01" "9=%zu\x01", bs, bl);
    memcpy(out + n, b, bl);
    n += (int)bl;
    unsigned sum = 0;
    for (int i = 0; i < n; i++)
        sum += out[i];
    n += snprintf((char *)out + n, 16, "10=%03u\x01", (sum + (unsigned)sum_delta) & 0xff);
    return (uint32_t)n;
}

static uint8_t m_logon[2048], m_logon_r[2048], m_test[2048], m_hb[2048], m_order[2048],
    m_logout[2048], m_logout_r[2048];
static uint32_t l_logon, l_logon_r, l_test, l_hb, l_order, l_logout, l_logout_r;

static void build_session(void)
{
    l_logon = fix_build(m_logon, "FIX.4.4",
                        "35=A|34=1|49=CLIENT1|52=20261207-18:00:00.000|56=EXCH|98=0|108=30|"
                        "553=trader|", 0);
    l_logon_r = fix_build(m_logon_r, "FIX.4.4",
                          "35=A|34=1|49=EXCH|52=20261207-18:00:00.010|56=CLIENT1|98=0|108=30|", 0);
    l_test = fix_build(m_test, "FIX.4.4", "35=1|34=2|49=CLIENT1|56=EXCH|112=PING-7|", 0);
    l_hb = fix_build(m_hb, "FIX.4.4", "35=0|34=2|49=EXCH|56=CLIENT1|112=PING-7|", 0);
    /* RawDataLength 7, RawData "ab|cd|e" holds SOH. */
    l_order = fix_build(m_order, "FIX.4.4",
                        "35=D|34=3|49=CLIENT1|56=EXCH|11=ORD-1|55=EURUSD|54=1|38=1000000|40=2|"
                        "44=1.0850|95=7|96=ab|cd|e|58=first order|", 0);
    l_logout = fix_build(m_logout, "FIX.4.4", "35=5|34=4|49=CLIENT1|56=EXCH|", 0);
    l_logout_r = fix_build(m_logout_r, "FIX.4.4", "35=5|34=3|49=EXCH|56=CLIENT1|", 0);
}

static char *run_tcp(const struct test_segment *segs, size_t nsegs, uint16_t *proto)
{
    struct test_capture cap = {0};
    struct app_event_sink sink = {.user = &cap,
                                  .emit = test_capture_emit,
                                  .anomaly = test_capture_anomaly,
                                  .alert = test_capture_alert};
    struct app_layer_config cfg;
    app_layer_config_load(&cfg, NULL);
    struct app_layer_thread_ctx *ctx = app_layer_thread_ctx_new(&cfg, &sink);
    struct flow f;
    struct packet p;
    test_flow_init(&f, &p, 6, 40000, 9878);
    struct app_flow_state *st = NULL;
    for (size_t i = 0; i < nsegs; i++) {
        p.flow_direction = segs[i].direction;
        app_layer_handle_tcp_data(ctx, &st, &f, &p, segs[i].direction, segs[i].data,
                                  segs[i].len, segs[i].data ? 0 : APP_DATA_GAP);
    }
    app_layer_flow_end(ctx, st, &f);
    if (proto)
        *proto = app_flow_state_proto(st);
    app_flow_state_free(st);
    uint64_t memuse = app_layer_thread_stats(ctx)->memuse;
    app_layer_thread_ctx_free(ctx);
    if (memuse)
        test_capture_append(&cap, "MEMUSE-LEAK\n", 12);
    if (!cap.log)
        test_capture_append(&cap, "", 0);
    return cap.log;
}

static void test_session(void)
{
    /* The client's TestRequest and order travel in one segment. */
    uint8_t two[4096];
    memcpy(two, m_test, l_test);
    memcpy(two + l_test, m_order, l_order);
    struct test_segment segs[] = {
        {0, m_logon, l_logon}, {1, m_logon_r, l_logon_r}, {0, two, l_test + l_order},
        {1, m_hb, l_hb},       {0, m_logout, l_logout},   {1, m_logout_r, l_logout_r},
    };
    uint16_t proto = 0;
    char *log = run_tcp(segs, 6, &proto);
    CHECK_EQ_INT(proto, APP_PROTO_FIX);
    CHECK_EQ_INT(ics_count(log, "\"event_type\":\"fix\""), 7);
    CHECK(strstr(log, "{\"event_type\":\"fix\",\"direction\":0,\"fix\":{\"begin_string\":\"FIX.4.4\","
                      "\"body_length\":") != NULL);
    CHECK(strstr(log, "\"msg_type\":\"A\",\"msg_type_name\":\"Logon\",\"sender_comp_id\":"
                      "\"CLIENT1\",\"target_comp_id\":\"EXCH\",\"msg_seq_num\":1,"
                      "\"sending_time\":\"20261207-18:00:00.000\",\"heart_bt_int\":30,"
                      "\"username\":\"trader\"") != NULL);
    CHECK(strstr(log, "\"msg_type\":\"D\",\"msg_type_name\":\"NewOrderSingle\","
                      "\"sender_comp_id\":\"CLIENT1\",\"target_comp_id\":\"EXCH\","
                      "\"msg_seq_num\":3,\"expected_seq_num\":3,\"text\":\"first order\","
                      "\"fields\":16,") != NULL);
    CHECK(strstr(log, "\"direction\":1,\"fix\":{\"begin_string\":\"FIX.4.4\"") != NULL);
    CHECK(strstr(log, "\"msg_type\":\"0\",\"msg_type_name\":\"Heartbeat\"") != NULL);
    CHECK_EQ_INT(ics_count(log, "\"checksum_valid\":true"), 7);
    CHECK(strstr(log, "anomaly") == NULL);
    CHECK(strstr(log, "alert") == NULL);
    CHECK(strstr(log, "MEMUSE-LEAK") == NULL);
    if (test_failures)
        fprintf(stderr, "%s\n", log);
    free(log);

    /* Every split of every segment gives the same events. */
    CHECK_EQ_INT(test_tcp_split_invariance(segs, 6, 40000, 9878), 0);

    /* Rule buffers and integers. */
    char *f = ics_run_fields(segs, 6, 6, 40000, 9878);
    CHECK(strstr(f, "fix.seqnum=1;fix.body_length=") != NULL);
    CHECK(strstr(f, "fix.heartbtint=30;fix.msgtype=A;fix.sender=CLIENT1;fix.target=EXCH;"
                    "fix.begin_string=FIX.4.4;fix.tag=FIX.4.4;") != NULL);
    CHECK(strstr(f, "fix.msgtype=D;fix.sender=CLIENT1;fix.target=EXCH;") != NULL);
    if (test_failures)
        fprintf(stderr, "%s\n", f);
    free(f);
}

/* fix.tag:N over a transaction: the value of each field N, RawData whole. */
struct tag_probe {
    uint32_t tag;
    char got[256];
};

static int tag_cb(struct app_tx *tx, void *user)
{
    struct tag_probe *tp = user;
    const uint8_t *d;
    uint32_t l;
    for (uint32_t i = 0; app_tx_get_buffer_arg(tx, APP_BUFFER_FIX_TAG, tp->tag, i, &d, &l) == 0;
         i++) {
        size_t n = strlen(tp->got);
        snprintf(tp->got + n, sizeof tp->got - n, "[%.*s]", (int)l, (const char *)d);
    }
    return 0;
}

static void test_tag_arg(void)
{
    struct app_layer_config cfg;
    app_layer_config_load(&cfg, NULL);
    struct app_layer_thread_ctx *ctx = app_layer_thread_ctx_new(&cfg, NULL);
    struct flow f;
    struct packet p;
    test_flow_init(&f, &p, 6, 40000, 9878);
    struct app_flow_state *st = NULL;
    app_layer_set_detection_active(true);
    app_layer_handle_tcp_data(ctx, &st, &f, &p, 0, m_order, l_order, 0);
    struct tag_probe tp = {96, ""};
    app_flow_state_tx_foreach(st, tag_cb, &tp);
    CHECK_EQ_STR(tp.got, "[ab\x01" "cd\x01" "e]");
    struct tag_probe tp2 = {55, ""};
    app_flow_state_tx_foreach(st, tag_cb, &tp2);
    CHECK_EQ_STR(tp2.got, "[EURUSD]");
    struct tag_probe tp3 = {9999, ""};
    app_flow_state_tx_foreach(st, tag_cb, &tp3);
    CHECK_EQ_STR(tp3.got, "");
    app_layer_flow_end(ctx, st, &f);
    app_flow_state_free(st);
    app_layer_thread_ctx_free(ctx);
    app_layer_set_detection_active(false);
}

static void test_anomalies(void)
{
    static uint8_t bad_sum[2048], gap[2048], low[2048], reset[2048], newsender[2048],
        badlen[4096], other[256], after[2048];
    uint32_t l_bad_sum = fix_build(bad_sum, "FIX.4.4", "35=0|34=2|49=CLIENT1|56=EXCH|", 3);
    uint32_t l_gap = fix_build(gap, "FIX.4.4", "35=0|34=9|49=CLIENT1|56=EXCH|", 0);
    uint32_t l_low = fix_build(low, "FIX.4.4", "35=0|34=5|49=CLIENT1|56=EXCH|", 0);
    uint32_t l_reset = fix_build(reset, "FIX.4.4", "35=4|34=10|49=CLIENT1|56=EXCH|36=100|", 0);
    uint32_t l_new = fix_build(newsender, "FIX.4.4", "35=0|34=100|49=INTRUDER|56=EXCH|", 0);
    /* BodyLength 5 too large: the trailer ends the message. */
    uint32_t l_badlen = fix_build(badlen, "FIX.4.4", "35=0|34=101|49=INTRUDER|56=EXCH|", 0);
    {
        char *nine = strstr((char *)badlen, "9=");
        nine[2] = (char)(nine[2] + 1); /* one more in the first digit: 3x -> 4x */
    }
    /* The framing of FIX around something else, then garbage. */
    static const char o[] = "8=O\x01" "9=0009\x01" "35=P\x01\x00\x60\x00\x00";
    memcpy(other, o, sizeof o - 1);
    uint32_t l_other = sizeof o - 1;
    uint32_t l_after = fix_build(after, "FIX.4.4", "35=0|34=102|49=INTRUDER|56=EXCH|", 0);
    uint8_t junk_after[2300];
    memcpy(junk_after, "garbage!", 8);
    memcpy(junk_after + 8, after, l_after);
    struct test_segment segs[] = {
        {0, m_logon, l_logon}, {0, bad_sum, l_bad_sum}, {0, gap, l_gap},
        {0, low, l_low},       {0, reset, l_reset},     {0, newsender, l_new},
        {0, badlen, l_badlen}, {0, other, l_other},     {0, junk_after, 8 + l_after},
    };
    char *log = run_tcp(segs, 9, NULL);
    CHECK_EQ_INT(ics_count(log, "\"event_type\":\"fix\""), 8);
    /* (the edited BodyLength changed the sum too) */
    CHECK_EQ_INT(ics_count(log, "anomaly fix checksum_mismatch"), 2);
    CHECK_EQ_INT(ics_count(log, "\"checksum_valid\":false"), 2);
    CHECK_EQ_INT(ics_count(log, "anomaly fix seq_gap"), 1);
    CHECK_EQ_INT(ics_count(log, "anomaly fix seq_too_low"), 1);
    CHECK_EQ_INT(ics_count(log, "anomaly fix seq_reset"), 1);
    CHECK_EQ_INT(ics_count(log, "anomaly fix sender_changed"), 1);
    CHECK_EQ_INT(ics_count(log, "anomaly fix body_length_mismatch"), 1);
    CHECK_EQ_INT(ics_count(log, "anomaly fix unknown_begin_string"), 1);
    CHECK_EQ_INT(ics_count(log, "anomaly fix invalid_data"), 1);
    CHECK_EQ_INT(ics_count(log, "alert 7302:1 "), 1);
    CHECK_EQ_INT(ics_count(log, "alert 7302:2 "), 1);
    CHECK_EQ_INT(ics_count(log, "alert 7302:3 "), 1);
    CHECK_EQ_INT(ics_count(log, "alert 7302:4 "), 1);
    /* After the reset to 100, 100, 101 and 102 follow in order. */
    CHECK(strstr(log, "\"msg_seq_num\":102,\"expected_seq_num\":102") != NULL);
    CHECK(strstr(log, "MEMUSE-LEAK") == NULL);
    if (test_failures)
        fprintf(stderr, "%s\n", log);
    free(log);
    CHECK_EQ_INT(test_tcp_split_invariance(segs, 9, 40000, 9878), 0);

    /* A gap in the stream: framing restarts at the next message, and the
     * sequence is no longer followed (no gap event for it). */
    struct test_segment g[] = {
        {0, m_logon, l_logon}, {0, NULL, 1000}, {0, gap + 5, l_gap - 5}, {0, low, l_low}};
    log = run_tcp(g, 4, NULL);
    CHECK_EQ_INT(ics_count(log, "\"event_type\":\"fix\""), 2);
    CHECK(strstr(log, "seq_gap") == NULL);
    CHECK_EQ_INT(ics_count(log, "anomaly fix seq_too_low"), 0);
    free(log);
}

static void test_not_fix(void)
{
    static const char http[] = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
    struct test_segment segs[] = {{0, (const uint8_t *)http, sizeof http - 1}};
    uint16_t proto = 0;
    char *log = run_tcp(segs, 1, &proto);
    CHECK(proto != APP_PROTO_FIX);
    free(log);
}

int main(void)
{
    build_session();
    test_session();
    test_tag_arg();
    test_anomalies();
    test_not_fix();
    TEST_MAIN_END();
}
