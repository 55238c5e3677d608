/* SPDX-License-Identifier: Apache-2.0 */
/* PostgreSQL, hand-built messages: a refused SSL request, startup with MD5
 * authentication, a query answered with rows, an error, COPY FROM STDIN and
 * Terminate; EVE shape, the pgsql.query buffer, passwords redacted, the
 * extended query protocol (no transactions), split at every offset;
 * malformed input (bad startup code, bad lengths) raises Suricata's events. */
#include "app/app_buffer.h"
#include "app/app_parser.h"
#include "app_test_util.h"
#include "test.h"

static void putz(struct test_buf *b, const char *s)
{
    test_buf_put(b, s, (uint32_t)strlen(s) + 1);
}

/* A typed message: type, length (body + 4), body. */
static void msg(struct test_buf *out, uint8_t type, const struct test_buf *body)
{
    out->d[out->n++] = type;
    test_buf_be32(out, body->n + 4);
    test_buf_put(out, body->d, body->n);
}

static void msg_str(struct test_buf *out, uint8_t type, const char *s)
{
    struct test_buf b = {.n = 0};
    putz(&b, s);
    msg(out, type, &b);
}

static void ready(struct test_buf *out)
{
    struct test_buf b = {.n = 0};
    b.d[b.n++] = 'I';
    msg(out, 'Z', &b);
}

static void param_status(struct test_buf *out, const char *name, const char *value)
{
    struct test_buf b = {.n = 0};
    putz(&b, name);
    putz(&b, value);
    msg(out, 'S', &b);
}

static void data_row(struct test_buf *out, const char *a, const char *b2)
{
    struct test_buf b = {.n = 0};
    test_buf_be16(&b, 2);
    test_buf_be32(&b, (uint32_t)strlen(a));
    test_buf_put(&b, a, (uint32_t)strlen(a));
    if (b2) {
        test_buf_be32(&b, (uint32_t)strlen(b2));
        test_buf_put(&b, b2, (uint32_t)strlen(b2));
    } else {
        test_buf_be32(&b, 0xffffffffu); /* NULL */
    }
    msg(out, 'D', &b);
}

/* The conversation, segment by segment as a client and server would send it. */
struct convo {
    struct test_buf seg[24];
    struct test_segment segs[24];
    size_t n;
};

static struct test_buf *next_seg(struct convo *c, uint8_t dir)
{
    if (c->n >= sizeof(c->seg) / sizeof(c->seg[0]))
        abort();
    struct test_buf *b = &c->seg[c->n];
    b->n = 0;
    c->segs[c->n].direction = dir;
    c->n++;
    return b;
}

static void convo_done(struct convo *c)
{
    for (size_t i = 0; i < c->n; i++) {
        c->segs[i].data = c->seg[i].d;
        c->segs[i].len = c->seg[i].n;
    }
}

static void build_session(struct convo *c)
{
    c->n = 0;
    struct test_buf *s = next_seg(c, 0); /* SSLRequest */
    test_buf_be32(s, 8);
    test_buf_be32(s, 80877103u);
    s = next_seg(c, 1);
    s->d[s->n++] = 'N';
    s = next_seg(c, 0); /* StartupMessage 3.0 */
    struct test_buf body = {.n = 0};
    test_buf_be32(&body, 0x00030000u);
    putz(&body, "user");
    putz(&body, "alice");
    putz(&body, "database");
    putz(&body, "inventory");
    putz(&body, "DateStyle");
    putz(&body, "ISO");
    body.d[body.n++] = 0;
    test_buf_be32(s, body.n + 4);
    test_buf_put(s, body.d, body.n);
    s = next_seg(c, 1); /* AuthenticationMD5Password, salt 01 02 03 04 */
    body.n = 0;
    test_buf_be32(&body, 5);
    test_buf_be32(&body, 0x61626364u);
    msg(s, 'R', &body);
    s = next_seg(c, 0);
    msg_str(s, 'p', "md5deadbeefdeadbeefdeadbeefdeadbeef");
    s = next_seg(c, 1); /* AuthenticationOk, parameters, key, ready */
    body.n = 0;
    test_buf_be32(&body, 0);
    msg(s, 'R', &body);
    param_status(s, "server_version", "16.2");
    param_status(s, "TimeZone", "Etc/UTC");
    body.n = 0;
    test_buf_be32(&body, 4242);
    test_buf_be32(&body, 99887766u);
    msg(s, 'K', &body);
    ready(s);
    s = next_seg(c, 0);
    msg_str(s, 'Q', "SELECT name, note FROM parts;");
    s = next_seg(c, 1); /* RowDescription (2 fields), two rows, complete */
    body.n = 0;
    test_buf_be16(&body, 2);
    const char *cols[] = {"name", "note"};
    for (int i = 0; i < 2; i++) {
        putz(&body, cols[i]);
        test_buf_be32(&body, 0);
        test_buf_be16(&body, 0);
        test_buf_be32(&body, 25);
        test_buf_be16(&body, 0xffff);
        test_buf_be32(&body, 0xffffffffu);
        test_buf_be16(&body, 0);
    }
    msg(s, 'T', &body);
    data_row(s, "bolt", "m6");
    data_row(s, "nut", NULL);
    msg_str(s, 'C', "SELECT 2");
    ready(s);
    s = next_seg(c, 0);
    msg_str(s, 'Q', "DROP TABLE nothing;");
    s = next_seg(c, 1); /* ErrorResponse */
    body.n = 0;
    putz(&body, "SERROR");
    putz(&body, "VERROR");
    putz(&body, "C42P01");
    putz(&body, "Mtable \"nothing\" does not exist");
    putz(&body, "Ftablecmds.c");
    putz(&body, "L1296");
    putz(&body, "RDropErrorMsgNonExistent");
    body.d[body.n++] = 0;
    msg(s, 'E', &body);
    ready(s);
    s = next_seg(c, 0);
    msg_str(s, 'Q', "COPY parts FROM STDIN");
    s = next_seg(c, 1); /* CopyInResponse, 2 columns */
    body.n = 0;
    body.d[body.n++] = 0;
    test_buf_be16(&body, 2);
    test_buf_be16(&body, 0);
    test_buf_be16(&body, 0);
    msg(s, 'G', &body);
    s = next_seg(c, 0); /* two CopyData, CopyDone */
    body.n = 0;
    test_buf_put(&body, "gear\tx1\n", 8);
    msg(s, 'd', &body);
    body.n = 0;
    test_buf_put(&body, "cog\t\\N\n", 7);
    msg(s, 'd', &body);
    body.n = 0;
    msg(s, 'c', &body);
    s = next_seg(c, 1);
    msg_str(s, 'C', "COPY 2");
    ready(s);
    s = next_seg(c, 0); /* extended query protocol: Parse, Sync */
    body.n = 0;
    putz(&body, "");
    putz(&body, "SELECT 1");
    test_buf_be16(&body, 0);
    msg(s, 'P', &body);
    body.n = 0;
    msg(s, 'S', &body);
    s = next_seg(c, 1); /* ParseComplete, ReadyForQuery */
    body.n = 0;
    msg(s, '1', &body);
    ready(s);
    s = next_seg(c, 0); /* Terminate */
    body.n = 0;
    msg(s, 'X', &body);
    convo_done(c);
}

static void test_session(void)
{
    static struct convo c;
    build_session(&c);
    uint16_t proto;
    char *log = test_run_tcp(c.segs, c.n, 50000, 5432, -1, 0, &proto);
    CHECK_EQ_INT(proto, APP_PROTO_PGSQL);
    static const char *const want[] = {
        "{\"tx_id\":1,\"request\":{\"message\":\"SSL Request\"},\"response\":{\"ssl_accepted\":false}}",
        "\"request\":{\"protocol_version\":\"3.0\",\"startup_parameters\":{\"user\":\"alice\","
        "\"optional_parameters\":[{\"database\":\"inventory\"},{\"date_style\":\"ISO\"}]}}",
        "\"response\":{\"authentication_md5_password\":\"abcd\"}",
        "{\"tx_id\":3,\"request\":{\"password_redacted\":true},\"response\":{\"message\":"
        "\"authentication_ok\",\"parameter_status\":[{\"server_version\":\"16.2\"},{\"time_zone\":"
        "\"Etc/UTC\"}],\"process_id\":4242,\"secret_key\":99887766}}",
        "{\"tx_id\":4,\"request\":{\"simple_query\":\"SELECT name, note FROM parts;\"},\"response\":"
        "{\"field_count\":2,\"data_rows\":2,\"data_size\":9,\"command_completed\":\"SELECT 2\"}}",
        "\"severity_localizable\":\"ERROR\",\"severity_non_localizable\":\"ERROR\",\"code\":"
        "\"42P01\",\"message\":\"table \\\"nothing\\\" does not exist\",\"file\":\"tablecmds.c\","
        "\"line\":\"1296\",\"routine\":\"DropErrorMsgNonExistent\"",
        "{\"tx_id\":6,\"request\":{\"simple_query\":\"COPY parts FROM STDIN\"},\"response\":"
        "{\"copy_in_response\":{\"columns\":2}}}",
        "{\"tx_id\":7,\"request\":{\"copy_data_in\":{\"msg_count\":2,\"data_size\":15},"
        "\"message\":\"copy_done\"},\"response\":{\"command_completed\":\"COPY 2\"}}",
        "{\"tx_id\":8,\"request\":{\"message\":\"termination_message\"}}",
    };
    for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
        if (!strstr(log, want[i])) {
            fprintf(stderr, "missing: %s\n", want[i]);
            CHECK(0);
        }
    }
    CHECK(strstr(log, "\"tx_id\":9") == NULL); /* Parse/Sync made no transaction */
    CHECK(strstr(log, "anomaly") == NULL);
    CHECK(strstr(log, "MEMUSE-LEAK") == NULL);
    if (test_failures)
        fprintf(stderr, "%s\n", log);
    free(log);
    CHECK_EQ_INT(test_tcp_split_invariance(c.segs, c.n, 50000, 5432), 0);
}

static int count_query(struct app_tx *tx, void *user)
{
    const uint8_t *d;
    uint32_t l;
    if (app_tx_get_buffer(tx, APP_BUFFER_PGSQL_QUERY, 0, &d, &l) == 0 &&
        l == strlen("SELECT name, note FROM parts;") && !memcmp(d, "SELECT name", 11))
        (*(int *)user)++;
    return 0;
}

/* The pgsql.query buffer of the query transactions, found by walking the
 * parser's transactions through the framework after each segment. */
static void test_query_buffer(void)
{
    static struct convo c;
    build_session(&c);
    struct test_capture cap = {0};
    struct app_event_sink sink = {
        .user = &cap, .emit = test_capture_emit, .anomaly = test_capture_anomaly};
    struct app_layer_config cfg;
    app_layer_config_load(&cfg, NULL);
    cfg.max_tx_per_flow = 64;
    struct app_layer_thread_ctx *ctx = app_layer_thread_ctx_new(&cfg, &sink);
    struct flow f;
    struct packet p;
    test_flow_init(&f, &p, 6, 50000, 5432);
    struct app_flow_state *st = NULL;
    int queries = 0;
    for (size_t i = 0; i < c.n; i++) {
        p.flow_direction = c.segs[i].direction;
        app_layer_handle_tcp_data(ctx, &st, &f, &p, c.segs[i].direction, c.segs[i].data,
                                  c.segs[i].len, 0);
        if (i == 6)
            app_flow_state_tx_foreach(st, count_query, &queries);
    }
    CHECK(queries >= 1);
    app_layer_flow_end(ctx, st, &f);
    app_flow_state_free(st);
    app_layer_thread_ctx_free(ctx);
    test_capture_reset(&cap);
}

static void test_malformed(void)
{
    /* An unknown startup code, then nothing sensible. */
    struct test_buf c = {.n = 0}, s = {.n = 0};
    test_buf_be32(&c, 8);
    test_buf_be32(&c, 0x00ff00ffu);
    s.d[s.n++] = 'N';
    struct test_segment segs[] = {{0, c.d, c.n}, {1, s.d, s.n}};
    uint16_t proto;
    char *log = test_run_tcp(segs, 2, 50000, 5432, -1, 0, &proto);
    CHECK_EQ_INT(proto, APP_PROTO_PGSQL); /* detected on the server's answer */
    CHECK(strstr(log, "anomaly pgsql malformed_request") != NULL);
    CHECK(strstr(log, "MEMUSE-LEAK") == NULL);
    free(log);

    /* A typed message whose length is below 4, and a DataRow whose column
     * length runs past the message. */
    static struct convo cv;
    build_session(&cv);
    struct test_buf *q = &cv.seg[6];
    q->n = 0;
    q->d[q->n++] = 'Q';
    test_buf_be32(q, 2);
    cv.segs[6].len = q->n;
    struct test_buf *r = &cv.seg[7];
    r->n = 0;
    struct test_buf body = {.n = 0};
    test_buf_be16(&body, 1);
    test_buf_be32(&body, 1000);
    test_buf_put(&body, "xy", 2);
    msg(r, 'D', &body);
    cv.segs[7].len = r->n;
    log = test_run_tcp(cv.segs, 8, 50000, 5432, -1, 0, NULL);
    CHECK(strstr(log, "anomaly pgsql invalid_length") != NULL);
    CHECK(strstr(log, "MEMUSE-LEAK") == NULL);
    free(log);

    /* Not PostgreSQL on 5432: no detection (Suricata bug 6080). */
    static const uint8_t junk[] = ":p1r473.server.org\x01\n";
    struct test_segment js[] = {{1, junk, sizeof(junk) - 1}};
    log = test_run_tcp(js, 1, 50000, 5432, -1, 0, &proto);
    CHECK(proto != APP_PROTO_PGSQL);
    free(log);
}

/* SSLRequest accepted: the flow becomes TLS, whose EVE names pgsql as the
 * protocol it came from (tls.from_proto). */
static void test_ssl_upgrade(void)
{
    struct test_buf c = {.n = 0}, s = {.n = 0}, hello = {.n = 0}, hs = {.n = 0};
    test_buf_be32(&c, 8);
    test_buf_be32(&c, 80877103u);
    s.d[s.n++] = 'S';
    /* a minimal TLS 1.2 ClientHello with SNI db.example */
    static const char sni[] = "db.example";
    struct test_buf ext = {.n = 0};
    test_buf_be16(&ext, 0);                              /* server_name */
    test_buf_be16(&ext, (uint16_t)(sizeof(sni) - 1 + 5));
    test_buf_be16(&ext, (uint16_t)(sizeof(sni) - 1 + 3));
    ext.d[ext.n++] = 0;
    test_buf_be16(&ext, sizeof(sni) - 1);
    test_buf_put(&ext, sni, sizeof(sni) - 1);
    test_buf_be16(&hs, 0x0303);
    memset(hs.d + hs.n, 0x11, 32);
    hs.n += 32;
    hs.d[hs.n++] = 0;  /* session id */
    test_buf_be16(&hs, 2);
    test_buf_be16(&hs, 0xc02f); /* one cipher */
    hs.d[hs.n++] = 1;
    hs.d[hs.n++] = 0;  /* null compression */
    test_buf_be16(&hs, (uint16_t)ext.n);
    test_buf_put(&hs, ext.d, ext.n);
    hello.d[hello.n++] = 1; /* ClientHello */
    hello.d[hello.n++] = 0;
    test_buf_be16(&hello, (uint16_t)hs.n);
    test_buf_put(&hello, hs.d, hs.n);
    struct test_buf rec = {.n = 0};
    rec.d[rec.n++] = 22;
    test_buf_be16(&rec, 0x0301);
    test_buf_be16(&rec, (uint16_t)hello.n);
    test_buf_put(&rec, hello.d, hello.n);
    struct test_segment segs[] = {{0, c.d, c.n}, {1, s.d, s.n}, {0, rec.d, rec.n}};
    uint16_t proto;
    char *log = test_run_tcp(segs, 3, 50000, 5432, -1, 0, &proto);
    CHECK_EQ_INT(proto, APP_PROTO_TLS);
    CHECK(strstr(log, "\"ssl_accepted\":true") != NULL);
    CHECK(strstr(log, "\"from_proto\":\"pgsql\"") != NULL);
    CHECK(strstr(log, "db.example") != NULL);
    if (test_failures)
        fprintf(stderr, "%s\n", log);
    free(log);
}

int main(void)
{
    test_session();
    test_ssl_upgrade();
    test_query_buffer();
    test_malformed();
    TEST_MAIN_END();
}
