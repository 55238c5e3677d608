/* SPDX-License-Identifier: Apache-2.0 */
/* DNP3: link frames with CRCs, transport reassembly, objects and points,
 * EVE shape, events and limits, UDP, the app_ics.h accessors, the dnp3_*
 * keywords, split invariance and garbage. */
#include "app/app_ics.h"
#include "detect/detect_tx_kw.h"
#include "ics_test_util.h"
#include "test.h"

/* DNP3's CRC (polynomial 0x3D65, reflected, complemented), written again
 * here so the test does not share the parser's code. */
static uint16_t crc16(const uint8_t *p, size_t n)
{
    uint16_t c = 0;
    for (size_t i = 0; i < n; i++) {
        c ^= p[i];
        for (int b = 0; b < 8; b++)
            c = (c & 1) ? (uint16_t)((c >> 1) ^ 0xA6BC) : (uint16_t)(c >> 1);
    }
    return (uint16_t)~c;
}

/* One link frame around user data ud (transport header first). */
static size_t frame(uint8_t *out, uint8_t ctrl, uint16_t dst, uint16_t src, const uint8_t *ud,
                    size_t n)
{
    out[0] = 0x05;
    out[1] = 0x64;
    out[2] = (uint8_t)(5 + n);
    out[3] = ctrl;
    out[4] = (uint8_t)dst;
    out[5] = (uint8_t)(dst >> 8);
    out[6] = (uint8_t)src;
    out[7] = (uint8_t)(src >> 8);
    uint16_t c = crc16(out, 8);
    out[8] = (uint8_t)c;
    out[9] = (uint8_t)(c >> 8);
    size_t o = 10;
    for (size_t i = 0; i < n; i += 16) {
        size_t k = n - i < 16 ? n - i : 16;
        memcpy(out + o, ud + i, k);
        c = crc16(out + o, k);
        out[o + k] = (uint8_t)c;
        out[o + k + 1] = (uint8_t)(c >> 8);
        o += k + 2;
    }
    return o;
}

/* An application fragment in transport segments of at most seg app octets. */
static size_t message(uint8_t *out, uint8_t ctrl, uint16_t dst, uint16_t src, uint8_t seq,
                      const uint8_t *app, size_t n, size_t seg)
{
    size_t o = 0;
    for (size_t i = 0; i < n; i += seg) {
        size_t k = n - i < seg ? n - i : seg;
        uint8_t ud[250];
        ud[0] = (uint8_t)(((i == 0) ? 0x40 : 0) | ((i + k >= n) ? 0x80 : 0) | (seq & 0x3f));
        memcpy(ud + 1, app + i, k);
        o += frame(out + o, ctrl, dst, src, ud, k + 1);
        seq++;
    }
    return o;
}

#define MASTER 1
#define OUTSTATION 10
#define REQ_CTRL 0xc4  /* DIR, PRM, unconfirmed user data */
#define RESP_CTRL 0x44 /* PRM, unconfirmed user data */

static const uint8_t read_req[] = {0xc1, 0x01, 60, 2, 0x06, 60, 3, 0x06, 60, 4, 0x06, 60, 1, 0x06};
static const uint8_t read_resp[] = {
    0xc1, 0x81, 0x90, 0x00,
    /* g30v1, start 0 stop 1: flags + int32, -5 and 16 */
    30, 1, 0x00, 0, 1, 0x01, 0xfb, 0xff, 0xff, 0xff, 0x01, 0x10, 0, 0, 0,
    /* g30v5, index 2: flags + float 1.5 */
    30, 5, 0x00, 2, 2, 0x01, 0x00, 0x00, 0xc0, 0x3f,
    /* g1v1 packed, 0..9: points 0, 2 and 9 on */
    1, 1, 0x00, 0, 9, 0x05, 0x02,
    /* g12v1 CROB, 2-octet index prefix, 2-octet count 1, index 7, latch on */
    12, 1, 0x28, 0x01, 0x00, 0x07, 0x00, 0x03, 0x01, 0x64, 0, 0, 0, 0x64, 0, 0, 0, 0x00};

static void test_crc_vector(void)
{
    /* The link header of a frame from IEEE 1815 examples: CRC 0xe9a5. */
    const uint8_t h[] = {0x05, 0x64, 0x1a, 0xc4, 0x02, 0x00, 0x01, 0x00};
    CHECK_EQ_INT(crc16(h, sizeof(h)), 0xe9a5);
}

/* The dnp3_* keywords on a request (side 0) or a response (side 1). */
static void check_keywords(const struct app_tx *tx, uint8_t side)
{
    struct {
        uint8_t side;
        const char *kw, *value;
        uint8_t dir;
        bool want;
    } cases[] = {
        {0, "dnp3_func", "read", 0, true},
        {0, "dnp3_func", "1", 0, true},
        {0, "dnp3_func", "READ", 0, true},
        {0, "dnp3_func", "write", 0, false},
        {0, "dnp3_func", "read", 1, false}, /* not inspected on the other side */
        {0, "dnp3_obj", "60,1", 0, true},
        {0, "dnp3_obj", "60,5", 0, false},
        {0, "dnp3.ind", "!0", 0, false}, /* requests have no IIN */
        {1, "dnp3_func", "response", 1, true},
        {1, "dnp3.func", ">128", 1, true},
        {1, "dnp3_ind", "device_restart", 1, true},
        {1, "dnp3_ind", "device_trouble, need_time", 1, true},
        {1, "dnp3_ind", "device_trouble", 1, false},
        {1, "dnp3.ind", "device_restart,!need_time", 1, false},
        {1, "dnp3.ind", "device_restart,need_time", 1, true},
        {1, "dnp3.ind", "0x9000", 1, true},
        {1, "dnp3.ind", "!0", 1, true},
        {1, "dnp3_obj", "30,5", 1, true},
        {1, "dnp3_obj", "30,6", 1, false},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        if (cases[i].side != side)
            continue;
        const struct detect_tx_kw *kw = detect_tx_kw_lookup(cases[i].kw);
        void *data = NULL;
        char err[128];
        CHECK(kw != NULL);
        if (!kw)
            continue;
        CHECK_EQ_INT(detect_tx_kw_parse(kw, cases[i].value, &data, err, sizeof(err)), 0);
        bool got = detect_tx_kw_match(kw, tx, cases[i].dir, data);
        if (got != cases[i].want)
            fprintf(stderr, "case %zu: %s:%s\n", i, cases[i].kw, cases[i].value);
        CHECK(got == cases[i].want);
        detect_tx_kw_free(kw, data);
    }
    /* Values Suricata refuses. */
    const char *bad[][2] = {{"dnp3_ind", "device_restart,bogus"}, {"dnp3_obj", "1"},
                            {"dnp3_obj", "256,1"}, {"dnp3_func", "nosuch"}, {"dnp3.ind", "nosuch"}};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        const struct detect_tx_kw *kw = detect_tx_kw_lookup(bad[i][0]);
        void *data = NULL;
        char err[128];
        CHECK(kw && detect_tx_kw_parse(kw, bad[i][1], &data, err, sizeof(err)) != 0);
    }
}

static void test_read_exchange(void)
{
    uint8_t req[512], resp[512];
    size_t rl = message(req, REQ_CTRL, OUTSTATION, MASTER, 0, read_req, sizeof(read_req), 249);
    size_t sl = message(resp, RESP_CTRL, MASTER, OUTSTATION, 0, read_resp, sizeof(read_resp), 249);
    struct ics_session s;
    ics_open(&s, NULL, 6, 50000, 20000);
    /* A transaction is freed once logged, at the next data: look at the
     * request before the response comes. */
    ics_feed(&s, 0, req, (uint32_t)rl);
    const struct app_tx *qtx = ics_tx(&s, 0);
    const struct dnp3_message *q = dnp3_tx_message(qtx);
    CHECK(q != NULL);
    if (q) {
        CHECK(q->request);
        CHECK_EQ_INT(q->function_code, 1);
        CHECK_EQ_INT(q->nobjects, 4);
        CHECK_EQ_INT(q->link_src, MASTER);
        CHECK_EQ_INT(q->link_dst, OUTSTATION);
        check_keywords(qtx, 0);
    }
    ics_feed(&s, 1, resp, (uint32_t)sl);
    const struct app_tx *rtx = ics_tx(&s, 0);
    const struct dnp3_message *r = dnp3_tx_message(rtx);
    CHECK(r != NULL);
    if (r) {
        CHECK(!r->request);
        CHECK_EQ_INT(r->iin, DNP3_IIN_DEVICE_RESTART | DNP3_IIN_NEED_TIME);
        CHECK(r->complete && r->done);
        CHECK_EQ_INT(r->nobjects, 4);
        CHECK_EQ_INT(r->data_len, sizeof(read_resp));
        if (r->nobjects == 4) {
            const struct dnp3_object *o = &r->objects[0];
            CHECK_EQ_INT(o->group, 30);
            CHECK_EQ_INT(o->npoints, 2);
            struct dnp3_field f[16];
            uint32_t n = dnp3_point_fields(r, o, &o->points[0], f, 16);
            CHECK_EQ_INT(n, 9);
            CHECK(n == 9 && strcmp(f[8].name, "value") == 0 && f[8].type == DNP3_FIELD_INT &&
                  f[8].i == -5);
            n = dnp3_point_fields(r, &r->objects[1], &r->objects[1].points[0], f, 16);
            CHECK(n == 9 && f[8].type == DNP3_FIELD_FLOAT && f[8].f == 1.5);
            CHECK_EQ_INT(r->objects[1].points[0].index, 2);
            CHECK_EQ_INT(r->objects[2].npoints, 10);
            n = dnp3_point_fields(r, &r->objects[2], &r->objects[2].points[9], f, 16);
            CHECK(n == 1 && f[0].u == 1);
            n = dnp3_point_fields(r, &r->objects[2], &r->objects[2].points[1], f, 16);
            CHECK(n == 1 && f[0].u == 0);
            CHECK_EQ_INT(r->objects[3].prefix_code, 2);
            CHECK_EQ_INT(r->objects[3].points[0].index, 7);
        }
        check_keywords(rtx, 1);
    }
    char *log = ics_close(&s, NULL);
    CHECK(strstr(log, "\"type\":\"request\",\"control\":{\"dir\":true,\"pri\":true,\"fcb\":false,"
                      "\"fcv\":false,\"function_code\":4},\"src\":1,\"dst\":10,\"application\":"
                      "{\"control\":{\"fir\":true,\"fin\":true,\"con\":false,\"uns\":false,"
                      "\"sequence\":1},\"function_code\":1,\"objects\":[{\"group\":60,"
                      "\"variation\":2,\"qualifier\":6,\"prefix_code\":0,\"range_code\":6,"
                      "\"start\":0,\"stop\":0,\"count\":0}") != NULL);
    CHECK(strstr(log, "\"iin\":{\"indicators\":[\"need_time\",\"device_restart\"]}") != NULL);
    CHECK(strstr(log, "{\"prefix\":0,\"index\":0,\"online\":1,\"restart\":0,\"comm_lost\":0,"
                      "\"remote_forced\":0,\"local_forced\":0,\"over_range\":0,"
                      "\"reference_err\":0,\"reserved0\":0,\"value\":18446744073709551611}") !=
          NULL);
    CHECK(strstr(log, "\"value\":16}") != NULL);
    CHECK(strstr(log, "\"value\":1.5}") != NULL);
    CHECK(strstr(log, "{\"prefix\":0,\"index\":9,\"state\":1}") != NULL);
    CHECK(strstr(log, "{\"prefix\":7,\"index\":7,\"op_type\":3,\"qu\":0,\"cr\":0,\"tcc\":0,"
                      "\"count\":1,\"ontime\":100,\"offtime\":100,\"status_code\":0,"
                      "\"reserved\":0}") != NULL);
    CHECK_EQ_INT(ics_count(log, "\"event_type\":\"dnp3\""), 2);
    CHECK(strstr(log, "\"complete\":true}") != NULL);
    CHECK(strstr(log, "anomaly") == NULL);
    CHECK(strstr(log, "MEMUSE-LEAK") == NULL);
    free(log);
}

/* A response in three transport segments reassembles into one message. */
static void test_multi_segment(void)
{
    uint8_t app[4 + 5 + 60 * 5];
    size_t n = 0;
    app[n++] = 0xc2;
    app[n++] = 0x81;
    app[n++] = 0;
    app[n++] = 0;
    app[n++] = 30;
    app[n++] = 1;
    app[n++] = 0x00;
    app[n++] = 0;
    app[n++] = 59;
    for (int i = 0; i < 60; i++) {
        app[n++] = 0x01;
        app[n++] = (uint8_t)i;
        app[n++] = 0;
        app[n++] = 0;
        app[n++] = 0;
    }
    uint8_t req[64], resp[1024];
    const uint8_t rq[] = {0xc2, 0x01, 30, 0, 0x06};
    size_t rl = message(req, REQ_CTRL, OUTSTATION, MASTER, 5, rq, sizeof(rq), 249);
    size_t sl = message(resp, RESP_CTRL, MASTER, OUTSTATION, 62, app, n, 120); /* wraps 63 -> 0 */
    struct test_segment segs[] = {{0, req, (uint32_t)rl}, {1, resp, (uint32_t)sl}};
    char *log = test_run_tcp(segs, 2, 50001, 20000, -1, 0, NULL);
    CHECK(strstr(log, "\"group\":30,\"variation\":1,\"qualifier\":0,\"prefix_code\":0,"
                      "\"range_code\":0,\"start\":0,\"stop\":59,\"count\":60,\"points\":[") !=
          NULL);
    CHECK(strstr(log, "{\"prefix\":0,\"index\":59,\"online\":1,") != NULL);
    CHECK(strstr(log, "\"value\":59}") != NULL);
    CHECK_EQ_INT(ics_count(log, "\"event_type\":\"dnp3\""), 2);
    CHECK_EQ_INT(ics_count(log, "\"complete\":true"), 2);
    free(log);

    /* A segment out of sequence is not part of the message: it stays
     * unfinished and is not logged. */
    uint8_t bad[1024];
    memcpy(bad, resp, sl);
    size_t first = 10 + 120 / 16 * 18 + (121 % 16) + 2; /* first frame length */
    /* the second frame's sequence number, FIR/FIN kept */
    bad[first + 10] = (uint8_t)((bad[first + 10] & 0xc0) | ((bad[first + 10] + 5) & 0x3f));
    uint16_t c = crc16(bad + first + 10, 16);
    bad[first + 26] = (uint8_t)c;
    bad[first + 27] = (uint8_t)(c >> 8);
    segs[1].data = bad;
    log = test_run_tcp(segs, 2, 50001, 20000, -1, 0, NULL);
    CHECK_EQ_INT(ics_count(log, "\"event_type\":\"dnp3\""), 1);
    free(log);
}

static void test_events(void)
{
    uint8_t buf[4096];
    size_t n = 0;
    /* unknown object (g99v1, one object by count): logged, not complete */
    const uint8_t unk[] = {0xc3, 0x01, 99, 1, 0x07, 1, 0xaa};
    n += message(buf + n, REQ_CTRL, OUTSTATION, MASTER, 1, unk, sizeof(unk), 249);
    /* frame too short for the application header: len_too_small */
    const uint8_t th_only[] = {0xc2};
    n += frame(buf + n, REQ_CTRL, OUTSTATION, MASTER, th_only, 1);
    /* a damaged user-data CRC: bad_transport_crc, frame skipped */
    size_t at = n;
    n += message(buf + n, REQ_CTRL, OUTSTATION, MASTER, 3, read_req, sizeof(read_req), 249);
    buf[at + 12] ^= 0xff;
    /* a confirm request is a transaction in vigil (Suricata skips it) */
    const uint8_t confirm[] = {0xc4, 0x00};
    n += message(buf + n, REQ_CTRL, OUTSTATION, MASTER, 4, confirm, sizeof(confirm), 249);
    /* then a header with a bad CRC ends parsing: the read after it is lost */
    at = n;
    n += message(buf + n, REQ_CTRL, OUTSTATION, MASTER, 5, read_req, sizeof(read_req), 249);
    buf[at + 8] ^= 0x01;
    n += message(buf + n, REQ_CTRL, OUTSTATION, MASTER, 6, read_req, sizeof(read_req), 249);
    struct test_segment segs[] = {{0, buf, (uint32_t)n}};
    char *log = test_run_tcp(segs, 1, 50002, 20000, -1, 0, NULL);
    CHECK(strstr(log, "anomaly dnp3 unknown_object") != NULL);
    CHECK(strstr(log, "anomaly dnp3 len_too_small") != NULL);
    CHECK(strstr(log, "anomaly dnp3 bad_transport_crc") != NULL);
    CHECK(strstr(log, "anomaly dnp3 bad_link_crc") != NULL);
    CHECK(strstr(log, "{\"group\":99,\"variation\":1,\"qualifier\":7,\"prefix_code\":0,"
                      "\"range_code\":7,\"start\":0,\"stop\":0,\"count\":1}],\"complete\":false") !=
          NULL);
    CHECK(strstr(log, "\"function_code\":0,\"complete\":true") != NULL);
    CHECK_EQ_INT(ics_count(log, "\"event_type\":\"dnp3\""), 2);
    free(log);

    /* Suricata's behaviour on request: confirms are not transactions. */
    struct app_layer_config cfg;
    app_layer_config_load(&cfg, NULL);
    cfg.ics.dnp3_log_confirms = false;
    struct ics_session s;
    ics_open(&s, &cfg, 6, 50003, 20000);
    n = message(buf, REQ_CTRL, OUTSTATION, MASTER, 4, confirm, sizeof(confirm), 249);
    ics_feed(&s, 0, buf, (uint32_t)n);
    log = ics_close(&s, NULL);
    CHECK_EQ_INT(ics_count(log, "\"event_type\":\"dnp3\""), 0);
    free(log);
}

static void test_limits(void)
{
    uint8_t buf[20000];
    struct app_layer_config cfg;
    app_layer_config_load(&cfg, NULL);
    cfg.ics.dnp3_max_tx = 2;
    cfg.ics.dnp3_max_points = 5;
    cfg.ics.dnp3_max_objects = 3;
    struct ics_session s;
    ics_open(&s, &cfg, 6, 50004, 20000);
    size_t n = 0;
    const uint8_t one[] = {0xc1, 0x01, 60, 1, 0x06};
    for (int i = 0; i < 3; i++) /* three live transactions: flooded */
        n += message(buf + n, REQ_CTRL, OUTSTATION, MASTER, (uint8_t)i, one, sizeof(one), 249);
    ics_feed(&s, 0, buf, (uint32_t)n);
    /* four objects, three allowed; then 10 points, 5 allowed */
    n = message(buf, REQ_CTRL, OUTSTATION, MASTER, 9, read_req, sizeof(read_req), 249);
    const uint8_t pts[] = {0xc1, 0x81, 0, 0, 1, 1, 0x00, 0, 9, 0x05, 0x02};
    size_t m = message(buf + n, RESP_CTRL, MASTER, OUTSTATION, 0, pts, sizeof(pts), 249);
    ics_feed(&s, 0, buf, (uint32_t)n);
    ics_feed(&s, 1, buf + n, (uint32_t)m);
    char *log = ics_close(&s, NULL);
    CHECK_EQ_INT(ics_count(log, "anomaly dnp3 flooded"), 1);
    CHECK_EQ_INT(ics_count(log, "anomaly dnp3 too_many_objects"), 1);
    CHECK_EQ_INT(ics_count(log, "anomaly dnp3 too_many_points"), 1);
    CHECK(strstr(log, "MEMUSE-LEAK") == NULL);
    free(log);

    /* Flooded with messages that never complete (an unknown object): the
     * ones max-tx behind the newest are logged and freed, as Suricata counts
     * them complete, so they do not pile up. */
    ics_open(&s, &cfg, 6, 50009, 20000);
    const uint8_t unk[] = {0xc1, 0x01, 99, 1, 0x07, 1, 0xaa};
    for (int i = 0; i < 8; i++) {
        n = message(buf, REQ_CTRL, OUTSTATION, MASTER, (uint8_t)i, unk, sizeof(unk), 249);
        ics_feed(&s, 0, buf, (uint32_t)n);
    }
    uint32_t live = 0;
    while (ics_tx(&s, live))
        live++;
    CHECK(live <= 3);
    log = ics_close(&s, NULL);
    CHECK_EQ_INT(ics_count(log, "\"event_type\":\"dnp3\""), 8);
    CHECK(strstr(log, "MEMUSE-LEAK") == NULL);
    free(log);

    /* 65 full segments exceed 63 * 255 octets: too_long_reassembly */
    uint8_t *big = malloc(65 * 292);
    uint8_t app[65 * 249];
    memset(app, 0x41, sizeof(app));
    app[0] = 0xc0;
    app[1] = 0x01;
    n = message(big, REQ_CTRL, OUTSTATION, MASTER, 0, app, sizeof(app), 249);
    struct test_segment segs[] = {{0, big, (uint32_t)n}};
    log = test_run_tcp(segs, 1, 50005, 20000, -1, 0, NULL);
    CHECK_EQ_INT(ics_count(log, "anomaly dnp3 too_long_reassembly"), 1);
    CHECK(strstr(log, "MEMUSE-LEAK") == NULL);
    free(log);
    free(big);
}

static void test_udp_and_unsolicited(void)
{
    uint8_t a[256], b[256];
    const uint8_t unsol[] = {0xf0, 0x82, 0x80, 0x00, 1, 2, 0x17, 1, 3, 0x81};
    const uint8_t confirm[] = {0xd0, 0x00};
    size_t an = message(a, RESP_CTRL, MASTER, OUTSTATION, 0, unsol, sizeof(unsol), 249);
    size_t bn = message(b, REQ_CTRL, OUTSTATION, MASTER, 0, confirm, sizeof(confirm), 249);
    struct ics_session s;
    /* The outstation speaks first: the DIR bit turns the flow around. */
    ics_open(&s, NULL, 17, 20000, 20000);
    ics_feed(&s, 0, a, (uint32_t)an);
    ics_feed(&s, 1, b, (uint32_t)bn);
    uint16_t proto = 0;
    char *log = ics_close(&s, &proto);
    CHECK_EQ_INT(proto, APP_PROTO_DNP3);
    CHECK(strstr(log, "\"type\":\"unsolicited_response\"") != NULL);
    CHECK(strstr(log, "{\"prefix\":3,\"index\":3,\"online\":1,\"restart\":0,\"comm_lost\":0,"
                      "\"remote_forced\":0,\"local_forced\":0,\"chatter_filter\":0,"
                      "\"reserved\":0,\"state\":1}") != NULL);
    CHECK(strstr(log, "\"iin\":{\"indicators\":[\"device_restart\"]}") != NULL);
    CHECK(strstr(log, "\"type\":\"request\"") != NULL);
    free(log);
}

static void test_split_and_garbage(void)
{
    uint8_t req[512], resp[512];
    size_t rl = message(req, REQ_CTRL, OUTSTATION, MASTER, 0, read_req, sizeof(read_req), 249);
    size_t sl = message(resp, RESP_CTRL, MASTER, OUTSTATION, 0, read_resp, sizeof(read_resp), 8);
    struct test_segment segs[] = {{0, req, (uint32_t)rl}, {1, resp, (uint32_t)sl}};
    CHECK_EQ_INT(test_tcp_split_invariance(segs, 2, 50006, 20000), 0);

    /* Not DNP3 on its port: not detected, nothing logged. */
    const char junk[] = "GET / HTTP/1.0\r\n\r\n";
    struct test_segment g[] = {{0, (const uint8_t *)junk, sizeof(junk) - 1}};
    uint16_t proto = 0;
    char *log = test_run_tcp(g, 1, 50007, 20000, -1, 0, &proto);
    CHECK(proto != APP_PROTO_DNP3);
    CHECK(strstr(log, "dnp3") == NULL);
    free(log);

    /* Random bytes after a valid start must not crash or leak. */
    uint8_t rnd[3000];
    uint32_t x = 12345;
    memcpy(rnd, req, rl);
    for (size_t i = rl; i < sizeof(rnd); i++) {
        x = x * 1103515245u + 12345u;
        rnd[i] = (uint8_t)(x >> 16);
        if (i % 97 == 0) {
            rnd[i] = 0x05;
        }
    }
    struct test_segment r[] = {{0, rnd, sizeof(rnd)}, {1, rnd, sizeof(rnd)}};
    log = test_run_tcp(r, 2, 50008, 20000, -1, 0, NULL);
    CHECK(strstr(log, "MEMUSE-LEAK") == NULL);
    free(log);
}

int main(void)
{
    test_crc_vector();
    test_read_exchange();
    test_multi_segment();
    test_events();
    test_limits();
    test_udp_and_unsolicited();
    test_split_and_garbage();
    TEST_MAIN_END();
}
