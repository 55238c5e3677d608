/* SPDX-License-Identifier: Apache-2.0 */
/* DNS parser: UDP and TCP messages through the real framework, record types,
 * compression (loops, bombs), events, buffers, split invariance. */
#include "app_test_util.h"
#include "test.h"

struct msg {
    uint8_t b[4096];
    uint32_t len;
};

static void put8(struct msg *m, uint8_t v)
{
    m->b[m->len++] = v;
}
static void put16(struct msg *m, uint16_t v)
{
    put8(m, (uint8_t)(v >> 8));
    put8(m, (uint8_t)v);
}
static void put32(struct msg *m, uint32_t v)
{
    put16(m, (uint16_t)(v >> 16));
    put16(m, (uint16_t)v);
}
static void putname(struct msg *m, const char *name)
{
    while (*name) {
        const char *dot = strchr(name, '.');
        size_t n = dot ? (size_t)(dot - name) : strlen(name);
        put8(m, (uint8_t)n);
        memcpy(m->b + m->len, name, n);
        m->len += (uint32_t)n;
        name += n + (dot ? 1 : 0);
    }
    put8(m, 0);
}
static void header(struct msg *m, uint16_t id, uint16_t flags, uint16_t qd, uint16_t an,
                   uint16_t ns, uint16_t ar)
{
    m->len = 0;
    put16(m, id);
    put16(m, flags);
    put16(m, qd);
    put16(m, an);
    put16(m, ns);
    put16(m, ar);
}
/* rr with owner as a pointer to offset 12 (the question name). */
static uint32_t rr_begin(struct msg *m, uint16_t type, uint32_t ttl)
{
    put16(m, 0xc00c);
    put16(m, type);
    put16(m, 1);
    put32(m, ttl);
    uint32_t at = m->len;
    put16(m, 0);
    return at;
}
static void rr_end(struct msg *m, uint32_t at)
{
    uint16_t n = (uint16_t)(m->len - at - 2);
    m->b[at] = (uint8_t)(n >> 8);
    m->b[at + 1] = (uint8_t)n;
}

static void build_query(struct msg *m, uint16_t id, const char *name, uint16_t type)
{
    header(m, id, 0x0100, 1, 0, 0, 0);
    putname(m, name);
    put16(m, type);
    put16(m, 1);
}

static void build_response(struct msg *m)
{
    header(m, 0x1234, 0x8180, 1, 6, 1, 1);
    putname(m, "www.example.com");
    put16(m, 1);
    put16(m, 1);
    uint32_t at = rr_begin(m, 5, 300);
    putname(m, "example.com");
    rr_end(m, at); /* CNAME */
    at = rr_begin(m, 1, 60);
    put8(m, 93);
    put8(m, 184);
    put8(m, 216);
    put8(m, 34);
    rr_end(m, at);
    at = rr_begin(m, 28, 60);
    for (int i = 0; i < 16; i++)
        put8(m, i == 0 ? 0x20 : i == 1 ? 0x01 : i == 15 ? 1 : 0);
    rr_end(m, at);
    at = rr_begin(m, 15, 10);
    put16(m, 10);
    put16(m, 0xc00c);
    rr_end(m, at); /* MX -> pointer */
    at = rr_begin(m, 16, 5);
    put8(m, 3);
    put8(m, 'a');
    put8(m, 'b');
    put8(m, 'c');
    put8(m, 2);
    put8(m, 'x');
    put8(m, 'y');
    rr_end(m, at); /* TXT with two strings */
    at = rr_begin(m, 33, 7);
    put16(m, 1);
    put16(m, 2);
    put16(m, 5060);
    putname(m, "sip.example.com");
    rr_end(m, at);
    at = rr_begin(m, 6, 100);
    putname(m, "ns1.example.com");
    putname(m, "host.example.com");
    put32(m, 2024);
    put32(m, 7200);
    put32(m, 3600);
    put32(m, 86400);
    put32(m, 300);
    rr_end(m, at);
    /* OPT */
    put8(m, 0);
    put16(m, 41);
    put16(m, 4096);
    put32(m, 0);
    put16(m, 0);
}

static char *run_udp(const struct msg *const *msgs, const uint8_t *dirs, size_t n,
                     struct test_capture *cap_out, uint16_t *proto)
{
    struct test_capture cap = {0};
    struct app_event_sink sink = {
        .user = &cap, .emit = test_capture_emit, .anomaly = test_capture_anomaly};
    struct app_layer_thread_ctx *ctx = app_layer_thread_ctx_new(NULL, &sink);
    struct flow f;
    struct packet p;
    test_flow_init(&f, &p, 17, 40000, 53);
    struct app_flow_state *st = NULL;
    for (size_t i = 0; i < n; i++)
        app_layer_handle_udp(ctx, &st, &f, &p, dirs[i], msgs[i]->b, msgs[i]->len);
    if (proto)
        *proto = app_flow_state_proto(st);
    app_flow_state_free(st);
    CHECK_EQ_INT(app_layer_thread_stats(ctx)->memuse, 0);
    app_layer_thread_ctx_free(ctx);
    if (cap_out)
        *cap_out = cap;
    return cap.log;
}

static void test_udp_query_response(void)
{
    struct msg q, r;
    build_query(&q, 0x1234, "www.example.com", 1);
    build_response(&r);
    const struct msg *ms[] = {&q, &r};
    uint8_t dirs[] = {0, 1};
    uint16_t proto;
    struct test_capture cap;
    char *log = run_udp(ms, dirs, 2, &cap, &proto);
    CHECK_EQ_INT(proto, APP_PROTO_DNS);
    CHECK_EQ_INT(cap.events, 2);
    CHECK_EQ_INT(cap.anomalies, 0);
    CHECK(strstr(log, "\"dns\":{\"version\":3,\"type\":\"request\",\"tx_id\":0,\"id\":4660,"
                      "\"flags\":\"100\",\"rd\":true,\"opcode\":0,\"rcode\":\"NOERROR\","
                      "\"queries\":[{\"rrname\":\"www.example.com\",\"rrtype\":\"A\"}]}") != NULL);
    CHECK(strstr(log,
                 "\"type\":\"response\",\"tx_id\":1,\"id\":4660,\"flags\":\"8180\",\"qr\":true,"
                 "\"rd\":true,\"ra\":true") != NULL);
    CHECK(strstr(log, "{\"rrname\":\"www.example.com\",\"rrtype\":\"CNAME\",\"ttl\":300,"
                      "\"rdata\":\"example.com\"}") != NULL);
    CHECK(strstr(log, "\"rdata\":\"93.184.216.34\"") != NULL);
    CHECK(strstr(log, "\"rdata\":\"2001:0000:0000:0000:0000:0000:0000:0001\"") != NULL);
    CHECK(strstr(log, "\"rrtype\":\"MX\",\"ttl\":10,\"rdata\":\"www.example.com\"") != NULL);
    CHECK(strstr(log, "\"rrtype\":\"TXT\",\"ttl\":5,\"rdata\":\"abc\"}") != NULL);
    CHECK(strstr(log, "\"rrtype\":\"TXT\",\"ttl\":5,\"rdata\":\"xy\"}") != NULL);
    CHECK(strstr(
              log,
              "\"srv\":{\"priority\":1,\"weight\":2,\"port\":5060,\"name\":\"sip.example.com\"}") !=
          NULL);
    CHECK(strstr(log,
                 "\"authorities\":[{\"rrname\":\"www.example.com\",\"rrtype\":\"SOA\",\"ttl\":100,"
                 "\"soa\":{\"mname\":\"ns1.example.com\",\"rname\":\"host.example.com\","
                 "\"serial\":2024,\"refresh\":7200,\"retry\":3600,\"expire\":86400,"
                 "\"minimum\":300}}]") != NULL);
    CHECK(strstr(log, "\"additionals\":[{\"rrname\":\"\",\"rrtype\":\"OPT\",\"ttl\":0}]") != NULL);
    CHECK(strstr(log, "\"grouped\":{\"CNAME\":[\"example.com\"],\"A\":[\"93.184.216.34\"]") !=
          NULL);
    if (test_failures)
        fprintf(stderr, "%s", log);
    free(log);
}

static void test_udp_not_dns(void)
{
    struct msg g;
    g.len = 0;
    for (int i = 0; i < 40; i++)
        put8(&g, (uint8_t)(i * 37 + 11));
    const struct msg *ms[] = {&g, &g};
    uint8_t dirs[] = {0, 1};
    uint16_t proto;
    char *log = run_udp(ms, dirs, 2, NULL, &proto);
    CHECK_EQ_INT(proto, APP_PROTO_FAILED);
    free(log);
}

static void test_events_and_loops(void)
{
    /* Query with the Z bit; response whose answer owner is a pointer loop. */
    struct msg q, r;
    build_query(&q, 7, "a.b", 1);
    q.b[3] |= 0x40;
    header(&r, 7, 0x8180, 1, 1, 0, 0);
    putname(&r, "a.b");
    put16(&r, 1);
    put16(&r, 1);
    uint32_t loop_at = r.len;
    put16(&r, (uint16_t)(0xc000 | loop_at)); /* points at itself */
    put16(&r, 1);
    put16(&r, 1);
    put32(&r, 1);
    put16(&r, 4);
    put32(&r, 0x01020304);
    const struct msg *ms[] = {&q, &r};
    uint8_t dirs[] = {0, 1};
    struct test_capture cap;
    char *log = run_udp(ms, dirs, 2, &cap, NULL);
    CHECK(strstr(log, "anomaly dns z_flag_set") != NULL);
    CHECK(strstr(log, "\"z\":true") != NULL);
    CHECK(strstr(log, "anomaly dns infinite_loop") != NULL);
    CHECK(strstr(log, "anomaly dns malformed_data") != NULL);
    CHECK_EQ_INT(cap.events, 1); /* the malformed response is not logged */
    free(log);

    /* A response sent to the server, once the flow is known to be DNS (a
     * response seen first reverses the flow instead). */
    struct msg q2, r2;
    build_query(&q2, 0x1234, "example.com", 1);
    build_response(&r2);
    const struct msg *ms2[] = {&q2, &r2};
    uint8_t dirs2[] = {0, 0};
    log = run_udp(ms2, dirs2, 2, NULL, NULL);
    CHECK(strstr(log, "anomaly dns not_a_request") != NULL);
    free(log);
}

/* Compression bomb: thousands of records whose owners all point at one
 * maximal name chain; memory and time stay bounded. */
static void test_bomb(void)
{
    static struct msg r;
    header(&r, 1, 0x8180, 1, 0, 0, 0);
    /* question: 120 labels of 1 char, chained by pointers backwards */
    putname(&r, "a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a");
    put16(&r, 1);
    put16(&r, 1);
    uint16_t an = 0;
    while (r.len + 20 < sizeof(r.b)) {
        put16(&r, 0xc00c);
        put16(&r, 5);
        put16(&r, 1);
        put32(&r, 1);
        put16(&r, 2);
        put16(&r, 0xc00c);
        an++;
    }
    r.b[6] = (uint8_t)(an >> 8);
    r.b[7] = (uint8_t)an;
    const struct msg *ms[] = {&r};
    uint8_t dirs[] = {1};
    struct test_capture cap;
    char *log = run_udp(ms, dirs, 1, &cap, NULL);
    CHECK_EQ_INT(cap.events, 1);
    CHECK(cap.len < 4u * 1024 * 1024);
    free(log);
}

static void test_tcp_framing_and_splits(void)
{
    struct msg q1, q2, r;
    build_query(&q1, 1, "one.example", 1);
    build_query(&q2, 2, "two.example", 28);
    build_response(&r);
    uint8_t ts[2 * 4096], tc[4096 + 2];
    uint32_t tl = 0;
    ts[tl++] = (uint8_t)(q1.len >> 8);
    ts[tl++] = (uint8_t)q1.len;
    memcpy(ts + tl, q1.b, q1.len);
    tl += q1.len;
    ts[tl++] = (uint8_t)(q2.len >> 8);
    ts[tl++] = (uint8_t)q2.len;
    memcpy(ts + tl, q2.b, q2.len);
    tl += q2.len;
    tc[0] = (uint8_t)(r.len >> 8);
    tc[1] = (uint8_t)r.len;
    memcpy(tc + 2, r.b, r.len);
    struct test_segment segs[] = {{0, ts, tl}, {1, tc, r.len + 2}};
    uint16_t proto;
    char *log = test_run_tcp(segs, 2, 40000, 53, -1, 0, &proto);
    CHECK_EQ_INT(proto, APP_PROTO_DNS);
    CHECK(strstr(log, "\"rrname\":\"one.example\",\"rrtype\":\"A\"") != NULL);
    CHECK(strstr(log, "\"rrname\":\"two.example\",\"rrtype\":\"AAAA\"") != NULL);
    CHECK(strstr(log, "\"type\":\"response\",\"tx_id\":2") != NULL);
    free(log);
    CHECK_EQ_INT(test_tcp_split_invariance(segs, 2, 40000, 53), 0);
}

static int buf_cb(struct app_tx *tx, void *user)
{
    int *n = user;
    const uint8_t *d;
    uint32_t l;
    /* a response: question names via dns.queries.rrname; dns.query is
     * to-server only (requests) */
    if (app_tx_get_buffer(tx, APP_BUFFER_DNS_QUERIES_RRNAME, 0, &d, &l) == 0 && l == 15 &&
        memcmp(d, "www.example.com", 15) == 0 &&
        app_tx_get_buffer(tx, APP_BUFFER_DNS_QUERY, 0, &d, &l) == -ENOENT)
        (*n)++;
    if (app_tx_get_buffer(tx, APP_BUFFER_DNS_ANSWER_NAME, 1, &d, &l) == 0 && l == 15)
        (*n) += 10;
    if (app_tx_get_buffer(tx, APP_BUFFER_DNS_OPCODE, 0, &d, &l) == 0 && l == 1 && d[0] == 0)
        (*n) += 100;
    if (app_tx_has_event(tx, "dns.z_flag_set"))
        (*n) += 1000;
    if (app_tx_direction(tx) == 1)
        (*n) += 10000;
    /* response names: question; answers CNAME+target, A, AAAA, MX+target, TXT once,
     * SRV+target; SOA+mname+rname; OPT = 14 */
    if (app_tx_get_buffer(tx, APP_BUFFER_DNS_RESPONSE_RRNAME, 13, &d, &l) == 0 && l == 0 &&
        app_tx_get_buffer(tx, APP_BUFFER_DNS_RESPONSE_RRNAME, 14, &d, &l) == -ENOENT)
        (*n) += 100000;
    if (app_tx_get_buffer(tx, APP_BUFFER_DNS_AUTHORITIES_RRNAME, 0, &d, &l) == 0 && l == 15)
        (*n) += 1000000;
    return 0;
}

static void test_buffers(void)
{
    struct msg r;
    build_response(&r);
    struct app_layer_thread_ctx *ctx = app_layer_thread_ctx_new(NULL, NULL);
    struct flow f;
    struct packet p;
    test_flow_init(&f, &p, 17, 40000, 53);
    struct app_flow_state *st = NULL;
    app_layer_handle_udp(ctx, &st, &f, &p, 1, r.b, r.len);
    int n = 0;
    app_flow_state_tx_foreach(st, buf_cb, &n);
    CHECK_EQ_INT(n, 1110111);
    CHECK_EQ_INT(f.app_proto, APP_PROTO_DNS);
    app_flow_state_free(st);
    app_layer_thread_ctx_free(ctx);
}

/* dns.opcode, dns.rcode and dns.rrtype (Suricata 8's integer keywords): the
 * header of the message at hand, and the rrtype of each of its queries. */
struct uint_seen {
    uint64_t opcode, rcode, rrtypes[4];
    int nrr, ntx;
};

static int uint_cb(struct app_tx *tx, void *user)
{
    struct uint_seen *u = user;
    uint64_t v;
    u->ntx++;
    CHECK_EQ_INT(app_tx_get_uint_by_name(tx, "dns.opcode", 0, &u->opcode, NULL), 0);
    CHECK_EQ_INT(app_tx_get_uint_by_name(tx, "dns.opcode", 1, &v, NULL), -ENOENT);
    CHECK_EQ_INT(app_tx_get_uint_by_name(tx, "dns.rcode", 0, &u->rcode, NULL), 0);
    while (u->nrr < 4 && app_tx_get_uint_by_name(tx, "dns.rrtype", (uint32_t)u->nrr,
                                                 &u->rrtypes[u->nrr], NULL) == 0)
        u->nrr++;
    return 0;
}

static void test_uint_keywords(void)
{
    /* a NOTIFY (opcode 4) with two questions, SOA and TXT; then an NXDOMAIN
     * response */
    struct msg q;
    header(&q, 7, 0x2000, 2, 0, 0, 0);
    putname(&q, "zone.example");
    put16(&q, 6);
    put16(&q, 1);
    putname(&q, "t.zone.example");
    put16(&q, 16);
    put16(&q, 1);
    struct msg r;
    header(&r, 8, 0x8183, 1, 0, 0, 0);
    putname(&r, "gone.example");
    put16(&r, 28);
    put16(&r, 1);
    struct app_layer_thread_ctx *ctx = app_layer_thread_ctx_new(NULL, NULL);
    struct flow f;
    struct packet p;
    test_flow_init(&f, &p, 17, 40001, 53);
    struct app_flow_state *st = NULL;
    app_layer_handle_udp(ctx, &st, &f, &p, 0, q.b, q.len);
    struct uint_seen u = {0};
    app_flow_state_tx_foreach(st, uint_cb, &u);
    CHECK_EQ_INT(u.ntx, 1);
    CHECK_EQ_INT(u.opcode, 4);
    CHECK_EQ_INT(u.rcode, 0);
    CHECK_EQ_INT(u.nrr, 2);
    CHECK_EQ_INT(u.rrtypes[0], 6);
    CHECK_EQ_INT(u.rrtypes[1], 16);
    app_flow_state_free(st);
    st = NULL;
    test_flow_init(&f, &p, 17, 40002, 53);
    app_layer_handle_udp(ctx, &st, &f, &p, 1, r.b, r.len);
    memset(&u, 0, sizeof u);
    app_flow_state_tx_foreach(st, uint_cb, &u);
    CHECK_EQ_INT(u.ntx, 1);
    CHECK_EQ_INT(u.opcode, 0);
    CHECK_EQ_INT(u.rcode, 3);
    CHECK_EQ_INT(u.nrr, 1);
    CHECK_EQ_INT(u.rrtypes[0], 28);
    uint64_t v = 0;
    CHECK_EQ_INT(app_uint_value_from_name("dns.rcode", "NXDOMAIN", &v), 1);
    CHECK_EQ_INT(v, 3);
    app_flow_state_free(st);
    app_layer_thread_ctx_free(ctx);
}

/* Every truncation of a valid response must be handled without crash. */
static void test_truncations(void)
{
    struct msg r;
    build_response(&r);
    for (uint32_t n = 0; n <= r.len; n++) {
        struct msg t = r;
        t.len = n;
        const struct msg *ms[] = {&t};
        uint8_t dirs[] = {1};
        char *log = run_udp(ms, dirs, 1, NULL, NULL);
        free(log);
    }
    CHECK(1);
}

/* Multicast DNS on 5353: logged as "mdns" with rdata keyed by type. */
static void test_mdns(void)
{
    struct msg r;
    header(&r, 0, 0x8400, 0, 2, 0, 0);
    putname(&r, "printer.local");
    put16(&r, 1);
    put16(&r, 0x8001);
    put32(&r, 120);
    put16(&r, 4);
    put32(&r, 0x0a000007);
    put16(&r, 0xc00c);
    put16(&r, 16);
    put16(&r, 0x8001);
    put32(&r, 120);
    put16(&r, 6);
    put8(&r, 2);
    put8(&r, 'a');
    put8(&r, '=');
    put8(&r, 2);
    put8(&r, 'b');
    put8(&r, '=');
    struct test_capture cap = {0};
    struct app_event_sink sink = {
        .user = &cap, .emit = test_capture_emit, .anomaly = test_capture_anomaly};
    struct app_layer_thread_ctx *ctx = app_layer_thread_ctx_new(NULL, &sink);
    struct flow f;
    struct packet p;
    test_flow_init(&f, &p, 17, 5353, 5353);
    struct app_flow_state *st = NULL;
    app_layer_handle_udp(ctx, &st, &f, &p, 0, r.b, r.len);
    CHECK_EQ_INT(app_flow_state_proto(st), APP_PROTO_MDNS);
    CHECK(cap.log && strstr(cap.log, "\"event_type\":\"mdns\"") != NULL);
    CHECK(cap.log && strstr(cap.log, "\"mdns\":{\"type\":\"response\",\"id\":0,"
                                     "\"flags\":[\"aa\"],\"opcode\":0,\"rcode\":0,"
                                     "\"answers\":[{\"rrname\":\"printer.local\","
                                     "\"a\":\"10.0.0.7\"},{\"rrname\":\"printer.local\","
                                     "\"txt\":[\"a=\",\"b=\"]}]}") != NULL);
    if (test_failures && cap.log)
        fprintf(stderr, "%s", cap.log);
    app_flow_state_free(st);
    CHECK_EQ_INT(app_layer_thread_stats(ctx)->memuse, 0);
    app_layer_thread_ctx_free(ctx);
    test_capture_reset(&cap);
}

int main(void)
{
    test_mdns();
    test_udp_query_response();
    test_udp_not_dns();
    test_events_and_loops();
    test_bomb();
    test_tcp_framing_and_splits();
    test_buffers();
    test_uint_keywords();
    test_truncations();
    TEST_MAIN_END();
}
