/* SPDX-License-Identifier: Apache-2.0 */
/* DCE/RPC over TCP (connection-oriented, on 135 and on a dynamic port found
 * by content) and over UDP (connectionless): bind / bind_ack, a request
 * fragmented in two and its response, EVE, stub data in both directions,
 * the interface and opnum for detection; split at every offset; garbage. */
#include "app_test_util.h"
#include "test.h"
#include "util/config.h"

/* lsarpc 12345778-1234-abcd-ef00-0123456789ab, in wire (little-endian) order */
static const uint8_t lsarpc[16] = {0x78, 0x57, 0x34, 0x12, 0x34, 0x12, 0xcd, 0xab,
                                   0xef, 0x00, 0x01, 0x23, 0x45, 0x67, 0x89, 0xab};
static const uint8_t ndr[16] = {0x04, 0x5d, 0x88, 0x8a, 0xeb, 0x1c, 0xc9, 0x11,
                                0x9f, 0xe8, 0x08, 0x00, 0x2b, 0x10, 0x48, 0x60};

static void hdr(struct test_buf *b, uint8_t ptype, uint8_t flags, uint16_t frag_len, uint32_t call_id)
{
    test_buf_u8(b, 5), test_buf_u8(b, 0), test_buf_u8(b, ptype), test_buf_u8(b, flags);
    test_buf_le32(b, 0x10);
    test_buf_le16(b, frag_len);
    test_buf_le16(b, 0);
    test_buf_le32(b, call_id);
}

static void bind(struct test_buf *b)
{
    hdr(b, 11, 3, 72, 1);
    test_buf_le16(b, 4280), test_buf_le16(b, 4280), test_buf_le32(b, 0);
    test_buf_u8(b, 1), test_buf_u8(b, 0), test_buf_le16(b, 0);
    test_buf_le16(b, 0);
    test_buf_u8(b, 1), test_buf_u8(b, 0);
    test_buf_put(b, lsarpc, 16);
    test_buf_le16(b, 0), test_buf_le16(b, 0);
    test_buf_put(b, ndr, 16);
    test_buf_le32(b, 2);
}

static void bind_ack(struct test_buf *b)
{
    hdr(b, 12, 3, 60, 1);
    test_buf_le16(b, 4280), test_buf_le16(b, 4280), test_buf_le32(b, 0x1234);
    test_buf_le16(b, 4);
    test_buf_put(b, "135", 4);
    test_buf_le16(b, 0); /* align to 4 */
    test_buf_u8(b, 1), test_buf_u8(b, 0), test_buf_le16(b, 0);
    test_buf_le16(b, 0), test_buf_le16(b, 0);
    test_buf_put(b, ndr, 16);
    test_buf_le32(b, 2);
}

/* Request opnum 44 in two fragments (stub "hello" + "world"), response. */
static void request(struct test_buf *b)
{
    hdr(b, 0, 1, 24 + 5, 2);
    test_buf_le32(b, 10), test_buf_le16(b, 0), test_buf_le16(b, 44);
    test_buf_put(b, "hello", 5);
    hdr(b, 0, 2, 24 + 5, 2);
    test_buf_le32(b, 5), test_buf_le16(b, 0), test_buf_le16(b, 44);
    test_buf_put(b, "world", 5);
}

static void response(struct test_buf *b)
{
    hdr(b, 2, 3, 24 + 6, 2);
    test_buf_le32(b, 6), test_buf_le16(b, 0), test_buf_u8(b, 0), test_buf_u8(b, 0);
    test_buf_put(b, "answer", 6);
}

static struct {
    bool iface, stub_ts, stub_tc;
    uint64_t opnum;
} seen;

static int cb(struct app_tx *tx, void *user)
{
    (void)user;
    const uint8_t *d;
    uint32_t l;
    /* interface data: uuid (text order), major, minor, flags */
    if (app_tx_get_buffer_dir(tx, APP_BUFFER_DCERPC_IFACE_DATA, 0, 0, &d, &l) == 0 && l == 21 &&
        d[0] == 0x12 && d[1] == 0x34 && d[2] == 0x57 && d[3] == 0x78 && d[16] == 0)
        seen.iface = true;
    if (app_tx_get_buffer_dir(tx, APP_BUFFER_DCERPC_STUB_DATA, 0, 0, &d, &l) == 0 && l == 10 &&
        memcmp(d, "helloworld", 10) == 0)
        seen.stub_ts = true;
    if (app_tx_get_buffer_dir(tx, APP_BUFFER_DCERPC_STUB_DATA, 1, 0, &d, &l) == 0 && l == 14 &&
        memcmp(d + 8, "answer", 6) == 0)
        seen.stub_tc = true;
    uint64_t v;
    const char *name;
    if (app_tx_get_uint_by_name(tx, "dcerpc.opnum", 0, &v, &name) == 0)
        seen.opnum = v;
    return 0;
}

static int count_tx(struct app_tx *tx, void *user)
{
    (void)tx;
    (*(int *)user)++;
    return 0;
}

static void test_tcp(uint16_t port)
{
    struct test_buf c1 = {.n = 0}, s1 = {.n = 0}, c2 = {.n = 0}, s2 = {.n = 0};
    bind(&c1);
    bind_ack(&s1);
    request(&c2);
    response(&s2);
    struct test_segment segs[] = {
        {0, c1.d, c1.n}, {1, s1.d, s1.n}, {0, c2.d, c2.n}, {1, s2.d, s2.n}};
    uint16_t proto;
    char *log = test_run_tcp(segs, 4, 50000, port, -1, 0, &proto);
    CHECK_EQ_INT(proto, APP_PROTO_DCERPC);
    CHECK(strstr(log, "\"event_type\":\"dcerpc\"") != NULL);
    CHECK(strstr(log, "\"request\":\"BIND\",\"interfaces\"") != NULL);
    CHECK(strstr(log, "\"response\":\"BINDACK\"") != NULL);
    CHECK(strstr(log, "\"uuid\":\"12345778-1234-abcd-ef00-0123456789ab\",\"version\":\"0.0\","
                      "\"ack_result\":0") != NULL);
    CHECK(strstr(log, "\"request\":\"REQUEST\"") != NULL);
    CHECK(strstr(log, "\"response\":\"RESPONSE\"") != NULL);
    CHECK(strstr(log, "\"opnum\":44") != NULL);
    CHECK(strstr(log, "\"frag_cnt\":2") != NULL);
    CHECK(strstr(log, "\"stub_data_size\":10") != NULL);
    CHECK(strstr(log, "anomaly") == NULL);
    CHECK(strstr(log, "MEMUSE-LEAK") == NULL);
    if (test_failures)
        fprintf(stderr, "%s\n", log);
    free(log);
    CHECK_EQ_INT(test_tcp_split_invariance(segs, 4, 50000, port), 0);

    app_layer_set_detection_active(true);
    struct app_layer_thread_ctx *ctx = app_layer_thread_ctx_new(NULL, NULL);
    struct flow f;
    struct packet p;
    test_flow_init(&f, &p, 6, 50000, port);
    struct app_flow_state *st = NULL;
    memset(&seen, 0, sizeof(seen));
    for (size_t i = 0; i < 4; i++) {
        app_layer_handle_tcp_data(ctx, &st, &f, &p, segs[i].direction, segs[i].data, segs[i].len,
                                  0);
        app_flow_state_tx_foreach(st, cb, NULL);
    }
    CHECK(seen.iface);
    CHECK(seen.stub_ts);
    CHECK(seen.stub_tc);
    CHECK_EQ_INT(seen.opnum, 44);
    app_flow_state_free(st);
    app_layer_thread_ctx_free(ctx);
    app_layer_set_detection_active(false);
}

/* Connectionless header (80 bytes, little endian). */
static void cl_hdr(struct test_buf *b, uint8_t ptype, uint16_t opnum, uint16_t body_len, uint32_t seqnum)
{
    test_buf_u8(b, 4), test_buf_u8(b, ptype), test_buf_u8(b, 0x08), test_buf_u8(b, 0); /* flags1: idempotent */
    test_buf_u8(b, 0x10), test_buf_u8(b, 0), test_buf_u8(b, 0), test_buf_u8(b, 0);     /* drep, serial_hi */
    memset(b->d + b->n, 0, 16);                    /* object */
    b->n += 16;
    test_buf_put(b, lsarpc, 16);            /* interface */
    memset(b->d + b->n, 0x42, 16); /* activity */
    b->n += 16;
    test_buf_le32(b, 0);      /* server boot */
    test_buf_le32(b, 0);      /* interface version */
    test_buf_le32(b, seqnum); /* sequence */
    test_buf_le16(b, opnum);
    test_buf_le16(b, 0xffff), test_buf_le16(b, 0xffff); /* hints */
    test_buf_le16(b, body_len);
    test_buf_le16(b, 0); /* fragment */
    test_buf_u8(b, 0), test_buf_u8(b, 0);
}

static void test_udp(void)
{
    struct test_buf q = {.n = 0}, r = {.n = 0};
    cl_hdr(&q, 0, 7, 4, 1);
    test_buf_put(&q, "ping", 4);
    cl_hdr(&r, 2, 7, 4, 1);
    test_buf_put(&r, "pong", 4);
    struct test_capture cap = {0};
    struct app_event_sink sink = {
        .user = &cap, .emit = test_capture_emit, .anomaly = test_capture_anomaly};
    struct app_layer_thread_ctx *ctx = app_layer_thread_ctx_new(NULL, &sink);
    struct flow f;
    struct packet p;
    test_flow_init(&f, &p, 17, 50000, 40000); /* no port hint: content only */
    struct app_flow_state *st = NULL;
    app_layer_handle_udp(ctx, &st, &f, &p, 0, q.d, q.n);
    p.pcap_cnt++;
    app_layer_handle_udp(ctx, &st, &f, &p, 1, r.d, r.n);
    CHECK_EQ_INT(app_flow_state_proto(st), APP_PROTO_DCERPC);
    app_layer_flow_end(ctx, st, &f);
    app_flow_state_free(st);
    CHECK_EQ_INT(app_layer_thread_stats(ctx)->memuse, 0);
    app_layer_thread_ctx_free(ctx);
    test_capture_append(&cap, "", 0);
    CHECK(strstr(cap.log, "\"request\":\"REQUEST\"") != NULL);
    CHECK(strstr(cap.log, "\"response\":\"RESPONSE\"") != NULL);
    CHECK(strstr(cap.log, "\"opnum\":7") != NULL);
    CHECK(strstr(cap.log, "\"activityuuid\":\"42424242-4242-4242-4242-424242424242\"") != NULL);
    if (test_failures)
        fprintf(stderr, "%s\n", cap.log);
    test_capture_reset(&cap);
}

static void test_garbage(void)
{
    /* A bind, then a PDU claiming 65535 bytes with a bad version, then
     * truncated fragments: no crash, no leak. */
    struct test_buf c = {.n = 0}, s = {.n = 0};
    bind(&c);
    hdr(&c, 0, 3, 0xffff, 9);
    c.d[c.n - 16 + 1] = 7;
    memset(c.d + c.n, 0x41, 300);
    c.n += 300;
    hdr(&s, 2, 3, 10, 1); /* shorter than its own header */
    struct test_segment segs[] = {{0, c.d, c.n}, {1, s.d, s.n}};
    char *log = test_run_tcp(segs, 2, 50000, 135, -1, 0, NULL);
    CHECK(strstr(log, "MEMUSE-LEAK") == NULL);
    free(log);
}

/* app-layer.protocols.dcerpc.max-stub-size and max-tx, read through the
 * configuration loader: the request's stub is cut at 4 bytes (so the
 * 10-byte "helloworld" buffer is not seen), and with max-tx 1 the bind is
 * logged and dropped when the request opens the second transaction. */
static void test_limits(void)
{
    static const char yaml[] = "app-layer:\n  protocols:\n    dcerpc:\n      max-tx: 1\n"
                               "      max-stub-size: 4\n";
    char err[256];
    struct config *c = config_load_string(yaml, sizeof(yaml) - 1, "test", err, sizeof(err));
    CHECK(c != NULL);
    if (!c)
        return;
    struct app_layer_config cfg;
    app_layer_config_load(&cfg, c);
    config_free(c);
    CHECK_EQ_INT(cfg.dcerpc_max_tx, 1);
    CHECK_EQ_INT(cfg.dcerpc_max_stub_size, 4);

    struct test_buf c1 = {.n = 0}, s1 = {.n = 0}, c2 = {.n = 0}, s2 = {.n = 0};
    bind(&c1);
    bind_ack(&s1);
    request(&c2);
    response(&s2);
    struct test_segment segs[] = {
        {0, c1.d, c1.n}, {1, s1.d, s1.n}, {0, c2.d, c2.n}, {1, s2.d, s2.n}};
    app_layer_set_detection_active(true);
    struct app_layer_thread_ctx *ctx = app_layer_thread_ctx_new(&cfg, NULL);
    struct flow f;
    struct packet p;
    test_flow_init(&f, &p, 6, 50000, 135);
    struct app_flow_state *st = NULL;
    memset(&seen, 0, sizeof(seen));
    int max_live = 0;
    for (size_t i = 0; i < 4; i++) {
        app_layer_handle_tcp_data(ctx, &st, &f, &p, segs[i].direction, segs[i].data, segs[i].len,
                                  0);
        app_flow_state_tx_foreach(st, cb, NULL);
        int live = 0;
        app_flow_state_tx_foreach(st, count_tx, &live);
        if (live > max_live)
            max_live = live;
    }
    CHECK_EQ_INT(app_flow_state_proto(st), APP_PROTO_DCERPC);
    CHECK(!seen.stub_ts); /* cut at 4 bytes */
    CHECK_EQ_INT(seen.opnum, 44);
    CHECK_EQ_INT(max_live, 1);
    app_flow_state_free(st);
    CHECK_EQ_INT(app_layer_thread_stats(ctx)->memuse, 0);
    app_layer_thread_ctx_free(ctx);
    app_layer_set_detection_active(false);
}

int main(void)
{
    test_tcp(135);
    test_tcp(49667); /* a dynamic port the endpoint mapper handed out */
    test_udp();
    test_garbage();
    test_limits();
    TEST_MAIN_END();
}
