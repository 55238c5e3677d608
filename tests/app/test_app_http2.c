/* SPDX-License-Identifier: Apache-2.0 */
/* HTTP/2, conversations built here with libnghttp2's HPACK encoder: prior
 * knowledge (preface, SETTINGS both ways, a GET answered with a body, a
 * request whose header block is continued with CONTINUATION, a stream reset,
 * WINDOW_UPDATE, GOAWAY), its EVE (version "2", headers, the http2 object),
 * the http.* buffers on an HTTP/2 stream, the http2.* keyword values, a
 * split at every offset; an h2c upgrade from HTTP/1 (the request becomes
 * stream 1, HTTP2-Settings the client's settings); malformed input raises
 * Suricata's events; split cookies joined, a brotli body decoded. */
#include <nghttp2/nghttp2.h>

#include "app/app_buffer.h"
#include "app/app_http2.h"
#include "app/app_parser.h"
#include "app_test_util.h"
#include "test.h"

struct buf {
    uint8_t d[8192];
    uint32_t n;
};

static void put(struct buf *b, const void *p, uint32_t n)
{
    memcpy(b->d + b->n, p, n);
    b->n += n;
}

static void frame(struct buf *b, uint8_t type, uint8_t flags, uint32_t sid, const void *p,
                  uint32_t n)
{
    uint8_t h[9] = {
        (uint8_t)(n >> 16),   (uint8_t)(n >> 8),    (uint8_t)n,          type,        flags,
        (uint8_t)(sid >> 24), (uint8_t)(sid >> 16), (uint8_t)(sid >> 8), (uint8_t)sid};
    put(b, h, 9);
    if (n)
        put(b, p, n);
}

static uint32_t hpack(nghttp2_hd_deflater *def, const char *const *nv, size_t n, uint8_t *out,
                      size_t cap)
{
    nghttp2_nv v[16];
    for (size_t i = 0; i < n; i++) {
        v[i].name = (uint8_t *)(uintptr_t)nv[2 * i];
        v[i].namelen = strlen(nv[2 * i]);
        v[i].value = (uint8_t *)(uintptr_t)nv[2 * i + 1];
        v[i].valuelen = strlen(nv[2 * i + 1]);
        v[i].flags = NGHTTP2_NV_FLAG_NONE;
    }
    ssize_t r = nghttp2_hd_deflate_hd(def, out, cap, v, n);
    CHECK(r > 0);
    return r > 0 ? (uint32_t)r : 0;
}

static const uint8_t preface[] = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

struct conv {
    struct buf b[8];
    struct test_segment segs[8];
    size_t n;
};

static void seg(struct conv *c, uint8_t dir)
{
    c->segs[c->n].direction = dir;
    c->segs[c->n].data = c->b[c->n].d;
    c->segs[c->n].len = c->b[c->n].n;
    c->n++;
}

static void build_prior_knowledge(struct conv *c)
{
    memset(c, 0, sizeof(*c));
    nghttp2_hd_deflater *req, *rsp;
    CHECK(nghttp2_hd_deflate_new(&req, 4096) == 0);
    CHECK(nghttp2_hd_deflate_new(&rsp, 4096) == 0);
    uint8_t hb[1024];
    /* client: preface, SETTINGS, GET /index.html */
    struct buf *b = &c->b[0];
    put(b, preface, 24);
    static const uint8_t set_c[] = {0, 3, 0, 0, 0, 100, 0, 4, 0, 0, 0xff, 0xff};
    frame(b, 4, 0, 0, set_c, sizeof set_c);
    static const char *const get[] = {":method",    "GET",
                                      ":path",      "/index.html?x=1",
                                      ":scheme",    "http",
                                      ":authority", "Example.org:8080",
                                      "user-agent", "vigil-test/1.0",
                                      "cookie",     "sid=42"};
    uint32_t n = hpack(req, get, 6, hb, sizeof hb);
    frame(b, 1, 0x5, 1, hb, n); /* END_STREAM | END_HEADERS */
    seg(c, 0);
    /* server: SETTINGS, ACK, response with a body in two DATA frames (one padded) */
    b = &c->b[1];
    static const uint8_t set_s[] = {0, 1, 0, 0, 0x20, 0, 0, 5, 0, 0, 0x40, 0};
    frame(b, 4, 0, 0, set_s, sizeof set_s);
    frame(b, 4, 1, 0, NULL, 0);
    static const char *const ok[] = {":status",        "200", "content-type", "text/html",
                                     "content-length", "11",  "server",       "test-h2"};
    n = hpack(rsp, ok, 4, hb, sizeof hb);
    frame(b, 1, 0x4, 1, hb, n);
    frame(b, 0, 0, 1, "hello", 5);
    uint8_t padded[1 + 6 + 3] = {3, ' ', 'w', 'o', 'r', 'l', 'd', 0, 0, 0};
    frame(b, 0, 0x9, 1, padded, sizeof padded); /* END_STREAM | PADDED */
    seg(c, 1);
    /* client: ACK, WINDOW_UPDATE on 0 and 1, a POST whose block is continued,
     * with a priority, then a body */
    b = &c->b[2];
    frame(b, 4, 1, 0, NULL, 0);
    static const uint8_t win[] = {0, 0, 0x80, 0};
    frame(b, 8, 0, 0, win, 4);
    frame(b, 8, 0, 1, win, 4);
    static const char *const post[] = {
        ":method",      "POST",
        ":path",        "/upload",
        ":scheme",      "http",
        ":authority",   "example.org",
        "content-type", "application/octet-stream",
        "x-long",       "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"};
    n = hpack(req, post, 6, hb, sizeof hb);
    uint8_t first[64];
    first[0] = 0, first[1] = 0, first[2] = 0, first[3] = 0; /* depends on stream 0 */
    first[4] = 200;                                         /* weight 201 - 1 */
    uint32_t cut = n / 2;
    memcpy(first + 5, hb, cut);
    frame(b, 1, 0x20, 3, first, 5 + cut); /* PRIORITY, no END_HEADERS */
    frame(b, 9, 0x4, 3, hb + cut, n - cut);
    frame(b, 0, 0x1, 3, "payload-bytes", 13);
    seg(c, 0);
    /* server: stream 3 refused with a reset, then GOAWAY */
    b = &c->b[3];
    static const uint8_t rst[] = {0, 0, 0, 7};
    frame(b, 3, 0, 3, rst, 4);
    static const uint8_t ga[] = {0, 0, 0, 3, 0, 0, 0, 2};
    frame(b, 7, 0, 0, ga, 8);
    seg(c, 1);
    nghttp2_hd_deflate_del(req);
    nghttp2_hd_deflate_del(rsp);
}

static void test_prior_knowledge(void)
{
    struct conv c;
    build_prior_knowledge(&c);
    uint16_t proto = 0;
    char *log = test_run_tcp(c.segs, c.n, 50000, 8080, -1, 0, &proto);
    CHECK_EQ_INT(proto, APP_PROTO_HTTP2);
    static const char *const want[] = {
        "\"http2\":{\"stream_id\":0,\"request\":{\"settings\":[{\"settings_id\":"
        "\"SETTINGSMAXCONCURRENTSTREAMS\",\"settings_value\":100},{\"settings_id\":"
        "\"SETTINGSINITIALWINDOWSIZE\",\"settings_value\":65535}]}}",
        "\"response\":{\"settings\":[{\"settings_id\":\"SETTINGSHEADERTABLESIZE\","
        "\"settings_value\":8192},{\"settings_id\":\"SETTINGSMAXFRAMESIZE\",\"settings_value\":"
        "16384}]}",
        "\"hostname\":\"Example.org:8080\",\"url\":\"/index.html?x=1\",\"http_user_agent\":"
        "\"vigil-test/1.0\",\"http_method\":\"GET\",\"status\":200,\"length\":11,\"version\":\"2\","
        "\"request_headers\":[{\"name\":\":method\",\"value\":\"GET\"}",
        "{\"name\":\"cookie\",\"value\":\"sid=42\"}],\"response_headers\":[{\"name\":\":status\","
        "\"value\":\"200\"}",
        "\"http2\":{\"stream_id\":1}}",
        "\"url\":\"/upload\"",
        "\"http2\":{\"stream_id\":3,\"request\":{\"priority\":200},\"response\":{\"error_code\":"
        "\"REFUSEDSTREAM\"}}",
        "\"http2\":{\"stream_id\":0,\"response\":{\"error_code\":\"INTERNALERROR\"}}",
        "\"name\":\"x-long\",\"value\":\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"",
    };
    for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
        if (!strstr(log, want[i])) {
            fprintf(stderr, "missing: %s\n", want[i]);
            CHECK(0);
        }
    }
    /* WINDOW_UPDATE and SETTINGS ACK alone are no event */
    int http = 0;
    for (const char *p = log; (p = strstr(p, "\"event_type\":\"http\"")) != NULL; p++)
        http++;
    CHECK_EQ_INT(http, 5);
    CHECK(strstr(log, "anomaly") == NULL);
    CHECK(strstr(log, "MEMUSE-LEAK") == NULL);
    if (test_failures)
        fprintf(stderr, "%s\n", log);
    free(log);
    CHECK_EQ_INT(test_tcp_split_invariance(c.segs, c.n, 50000, 8080), 0);
}

/* Buffers and keyword values, read from the live transactions. */
struct look {
    int stream1, stream3, settings_global;
};

static int expect_buf(const struct app_tx *tx, enum app_buffer b, uint32_t index, const char *want)
{
    const uint8_t *d;
    uint32_t l;
    if (app_tx_get_buffer(tx, b, index, &d, &l) != 0) {
        fprintf(stderr, "buffer %s[%u]: absent, want '%s'\n", app_buffer_name(b), index, want);
        return 0;
    }
    if (l != strlen(want) || memcmp(d, want, l) != 0) {
        fprintf(stderr, "buffer %s[%u]: '%.*s', want '%s'\n", app_buffer_name(b), index, (int)l, d,
                want);
        return 0;
    }
    return 1;
}

static int look_tx(struct app_tx *tx, void *user)
{
    struct look *lk = user;
    const uint8_t *d;
    uint32_t l;
    uint64_t v[8];
    uint16_t id;
    uint32_t val;
    if (app_tx_get_buffer(tx, APP_BUFFER_HTTP_URI, 0, &d, &l) != 0) {
        if (http2_tx_setting(tx, 1, 0, &id, &val) == 0 && id == 1 && val == 8192)
            lk->settings_global++;
        return 0;
    }
    if (l == 15 && !memcmp(d, "/index.html?x=1", 15)) {
        int ok = expect_buf(tx, APP_BUFFER_HTTP_METHOD, 0, "GET") &&
                 expect_buf(tx, APP_BUFFER_HTTP_HOST, 0, "example.org") &&
                 expect_buf(tx, APP_BUFFER_HTTP_HOST_RAW, 0, "Example.org:8080") &&
                 expect_buf(tx, APP_BUFFER_HTTP_USER_AGENT, 0, "vigil-test/1.0") &&
                 expect_buf(tx, APP_BUFFER_HTTP_COOKIE, 0, "sid=42") &&
                 expect_buf(tx, APP_BUFFER_HTTP_STAT_CODE, 0, "200") &&
                 expect_buf(tx, APP_BUFFER_HTTP_PROTOCOL, 0, "HTTP/2") &&
                 expect_buf(tx, APP_BUFFER_HTTP_REQUEST_LINE, 0, "GET /index.html?x=1 HTTP/2") &&
                 expect_buf(tx, APP_BUFFER_HTTP_RESPONSE_BODY, 0, "hello world") &&
                 expect_buf(tx, APP_BUFFER_HTTP_SERVER, 0, "test-h2") &&
                 expect_buf(tx, APP_BUFFER_HTTP_REQUEST_HEADER, 0, ":method: GET") &&
                 expect_buf(tx, APP_BUFFER_HTTP2_HEADER_NAME, 0 | APP_BUFFER_INDEX_TOCLIENT,
                            ":status") &&
                 expect_buf(tx, APP_BUFFER_HTTP_HEADER | 0, 0,
                            "user-agent: vigil-test/1.0\r\ncookie: sid=42\r\n") &&
                 expect_buf(tx, APP_BUFFER_FILE_DATA, 0 | APP_BUFFER_INDEX_TOCLIENT, "hello world");
        CHECK(ok);
        /* frame types to the client: HEADERS, DATA, DATA */
        CHECK_EQ_INT(http2_tx_field_values(tx, HTTP2_FIELD_FRAMETYPE, 1, v, 8), 3);
        CHECK(v[0] == 1 && v[1] == 0 && v[2] == 0);
        lk->stream1++;
    } else if (l == 7 && !memcmp(d, "/upload", 7)) {
        CHECK(expect_buf(tx, APP_BUFFER_HTTP_REQUEST_BODY, 0, "payload-bytes"));
        CHECK_EQ_INT(http2_tx_field_values(tx, HTTP2_FIELD_PRIORITY, 0, v, 8), 1);
        CHECK(v[0] == 200);
        CHECK_EQ_INT(http2_tx_field_values(tx, HTTP2_FIELD_ERRORCODE, 1, v, 8), 1);
        CHECK(v[0] == 7);
        /* HEADERS, CONTINUATION, DATA */
        CHECK_EQ_INT(http2_tx_field_values(tx, HTTP2_FIELD_FRAMETYPE, 0, v, 8), 3);
        CHECK(v[1] == 9);
        lk->stream3++;
    }
    return 0;
}

/* Feeds the conversation through a live context; fn walks the transactions
 * after segment mid_seg (-1: never) with mid, and after the last with end. */
static void run_live(const struct conv *c, uint16_t sport, int mid_seg,
                     int (*fn)(struct app_tx *tx, void *user), void *mid, void *end)
{
    struct test_capture cap = {0};
    struct app_event_sink sink = {
        .user = &cap, .emit = test_capture_emit, .anomaly = test_capture_anomaly};
    struct app_layer_config cfg;
    app_layer_config_load(&cfg, NULL);
    struct app_layer_thread_ctx *ctx = app_layer_thread_ctx_new(&cfg, &sink);
    struct flow f;
    struct packet p;
    test_flow_init(&f, &p, 6, sport, 8080);
    struct app_flow_state *st = NULL;
    for (size_t i = 0; i < c->n; i++) {
        p.flow_direction = c->segs[i].direction;
        app_layer_handle_tcp_data(ctx, &st, &f, &p, c->segs[i].direction, c->segs[i].data,
                                  c->segs[i].len, 0);
        if ((int)i == mid_seg)
            app_flow_state_tx_foreach(st, fn, mid);
    }
    app_flow_state_tx_foreach(st, fn, end);
    app_layer_flow_end(ctx, st, &f);
    app_flow_state_free(st);
    app_layer_thread_ctx_free(ctx);
    test_capture_reset(&cap);
}

static void test_buffers(void)
{
    struct conv c;
    build_prior_knowledge(&c);
    struct look lk = {0}, lk2 = {0};
    run_live(&c, 50000, 1, look_tx, &lk, &lk2); /* stream 1 answered (freed at the next data) */
    CHECK_EQ_INT(lk.stream1, 1);
    CHECK_EQ_INT(lk2.stream3, 1);
    CHECK(lk.settings_global >= 1);
}

/* h2c: the HTTP/1 request with Upgrade and HTTP2-Settings, 101, then the
 * server's frames in the same segment; the client's preface follows. */
static void test_upgrade(void)
{
    struct conv c;
    memset(&c, 0, sizeof c);
    nghttp2_hd_deflater *rsp;
    CHECK(nghttp2_hd_deflate_new(&rsp, 4096) == 0);
    struct buf *b = &c.b[0];
    const char *req = "GET /robots.txt HTTP/1.1\r\nHost: h2.example\r\nUser-Agent: curl/8\r\n"
                      "Connection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\n"
                      "HTTP2-Settings: AAMAAABkAAQAoAAAAAIAAAAA\r\n\r\n";
    put(b, req, (uint32_t)strlen(req));
    seg(&c, 0);
    b = &c.b[1];
    const char *sw =
        "HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: h2c\r\n\r\n";
    put(b, sw, (uint32_t)strlen(sw));
    static const uint8_t set_s[] = {0, 3, 0, 0, 0, 100};
    frame(b, 4, 0, 0, set_s, sizeof set_s);
    uint8_t hb[256];
    static const char *const ok[] = {":status", "200", "content-length", "4"};
    uint32_t n = hpack(rsp, ok, 2, hb, sizeof hb);
    frame(b, 1, 0x4, 1, hb, n);
    frame(b, 0, 0x1, 1, "ok\r\n", 4);
    seg(&c, 1);
    b = &c.b[2];
    put(b, preface, 24);
    frame(b, 4, 0, 0, NULL, 0);
    frame(b, 4, 1, 0, NULL, 0);
    seg(&c, 0);
    nghttp2_hd_deflate_del(rsp);
    uint16_t proto = 0;
    char *log = test_run_tcp(c.segs, c.n, 50001, 80, -1, 0, &proto);
    CHECK_EQ_INT(proto, APP_PROTO_HTTP2);
    static const char *const want[] = {
        "\"url\":\"/robots.txt\",\"http_user_agent\":\"curl/8\",\"http_method\":\"GET\","
        "\"protocol\":\"HTTP/1.1\",\"status\":101",
        /* HTTP2-Settings: max streams 100, window 0xa00000, no push */
        "\"request\":{\"settings\":[{\"settings_id\":\"SETTINGSMAXCONCURRENTSTREAMS\","
        "\"settings_value\":100},{\"settings_id\":\"SETTINGSINITIALWINDOWSIZE\","
        "\"settings_value\":10485760},{\"settings_id\":\"SETTINGSENABLEPUSH\",\"settings_value\":0}"
        "]}",
        "\"hostname\":\"h2.example\",\"url\":\"/"
        "robots.txt\",\"http_method\":\"GET\",\"status\":200,"
        "\"length\":4,\"version\":\"2\",\"request_headers\":[{\"name\":\":method\",\"value\":"
        "\"GET\"},"
        "{\"name\":\":path\",\"value\":\"/robots.txt\"},{\"name\":\":authority\",\"value\":"
        "\"h2.example\"},{\"name\":\"User-Agent\"",
        "\"http2\":{\"stream_id\":1}",
    };
    for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
        if (!strstr(log, want[i])) {
            fprintf(stderr, "missing: %s\n", want[i]);
            CHECK(0);
        }
    }
    CHECK(strstr(log, "anomaly") == NULL);
    CHECK(strstr(log, "MEMUSE-LEAK") == NULL);
    if (test_failures)
        fprintf(stderr, "%s\n", log);
    free(log);
    CHECK_EQ_INT(test_tcp_split_invariance(c.segs, c.n, 50001, 80), 0);
}

/* Malformed input: Suricata's events. */
static void test_events(void)
{
    struct conv c;
    memset(&c, 0, sizeof c);
    struct buf *b = &c.b[0];
    put(b, preface, 24);
    static const uint8_t bad_set[] = {0, 3, 0, 0, 0};
    frame(b, 4, 0, 0, bad_set, sizeof bad_set); /* not a multiple of 6 */
    static const uint8_t junk[] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
    frame(b, 1, 0x5, 1, junk, sizeof junk); /* an HPACK integer overflow */
    frame(b, 0, 0, 0, "x", 1);              /* DATA on stream 0 */
    frame(b, 9, 0x4, 5, NULL, 0);           /* CONTINUATION with no block open */
    seg(&c, 0);
    char *log = test_run_tcp(c.segs, c.n, 50002, 8080, -1, 0, NULL);
    static const char *const want[] = {
        "anomaly http2 invalid_frame_length",
        "anomaly http2 invalid_header",
        "anomaly http2 data_stream_zero",
        "anomaly http2 invalid_frame_header",
    };
    for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
        if (!strstr(log, want[i])) {
            fprintf(stderr, "missing: %s\n", want[i]);
            CHECK(0);
        }
    }
    CHECK(strstr(log, "MEMUSE-LEAK") == NULL);
    if (test_failures)
        fprintf(stderr, "%s\n", log);
    free(log);
    CHECK_EQ_INT(test_tcp_split_invariance(c.segs, c.n, 50002, 8080), 0);
}

/* A cookie split over two fields is one http.cookie ("a=1; b=2", RFC 9113
 * 8.2.3); a "Content-Encoding: br" body is decoded (file, response body). */
static const char br_text[] = "hello brotli body, hello brotli body";

static int look_br(struct app_tx *tx, void *user)
{
    const uint8_t *d;
    uint32_t l;
    if (app_tx_get_buffer(tx, APP_BUFFER_HTTP_URI, 0, &d, &l) != 0)
        return 0;
    CHECK(expect_buf(tx, APP_BUFFER_HTTP_COOKIE, 0, "a=1; b=2"));
    CHECK(expect_buf(tx, APP_BUFFER_HTTP_RESPONSE_BODY, 0, br_text));
    (*(int *)user)++;
    return 0;
}

static void test_cookie_brotli(void)
{
    static const uint8_t br[] = {0x1b, 0x23, 0x00, 0x00, 0x04, 0x74, 0x63, 0xa9, 0x8e, 0xfe,
                                 0x9a, 0x8e, 0x45, 0x10, 0x0e, 0x62, 0xb1, 0x06, 0x51, 0xaa,
                                 0x28, 0xcf, 0xe9, 0x8c, 0x37, 0x37, 0x8d, 0x53, 0x2f, 0x18};
    struct conv c;
    memset(&c, 0, sizeof c);
    nghttp2_hd_deflater *req, *rsp;
    CHECK(nghttp2_hd_deflate_new(&req, 4096) == 0);
    CHECK(nghttp2_hd_deflate_new(&rsp, 4096) == 0);
    uint8_t hb[512];
    struct buf *b = &c.b[0];
    put(b, preface, 24);
    frame(b, 4, 0, 0, NULL, 0);
    static const char *const get[] = {":method", "GET",  ":path",      "/br",
                                      ":scheme", "http", ":authority", "example.org",
                                      "cookie",  "a=1",  "cookie",     "b=2"};
    uint32_t n = hpack(req, get, 6, hb, sizeof hb);
    frame(b, 1, 0x5, 1, hb, n);
    seg(&c, 0);
    b = &c.b[1];
    frame(b, 4, 0, 0, NULL, 0);
    static const char *const ok[] = {":status", "200", "content-encoding", "br"};
    n = hpack(rsp, ok, 2, hb, sizeof hb);
    frame(b, 1, 0x4, 1, hb, n);
    frame(b, 0, 0, 1, br, 10);
    frame(b, 0, 0x1, 1, br + 10, sizeof br - 10);
    seg(&c, 1);
    nghttp2_hd_deflate_del(req);
    nghttp2_hd_deflate_del(rsp);
    char *log = test_run_tcp(c.segs, c.n, 50003, 8080, -1, 0, NULL);
    CHECK(strstr(log, "\"filename\":\"/br\",\"gaps\":false,\"state\":\"CLOSED\",\"stored\":false,"
                      "\"size\":36") != NULL);
    CHECK(strstr(log, "anomaly") == NULL);
    CHECK(strstr(log, "MEMUSE-LEAK") == NULL);
    if (test_failures)
        fprintf(stderr, "%s\n", log);
    free(log);
    CHECK_EQ_INT(test_tcp_split_invariance(c.segs, c.n, 50003, 8080), 0);

    int seen = 0, unused = 0;
    run_live(&c, 50003, -1, look_br, &unused, &seen);
    CHECK_EQ_INT(seen, 1);
}

int main(void)
{
    test_prior_knowledge();
    test_buffers();
    test_upgrade();
    test_events();
    test_cookie_brotli();
    TEST_MAIN_END();
}
