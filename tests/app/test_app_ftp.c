/* SPDX-License-Identifier: Apache-2.0 */
/* FTP control channel (commands, multi-line replies, PASV/EPSV/PORT/EPRT,
 * line limits, buffers, split invariance) and ftp-data (file from the
 * expected data connection). */
#include <errno.h>

#include "app/app_parser.h"
#include "app_test_util.h"
#include "test.h"

#define SEG(d, s)                                                                                  \
    {                                                                                              \
        (d), (const uint8_t *)(s), sizeof(s) - 1                                                   \
    }

static int count(const char *log, const char *needle)
{
    int n = 0;
    for (const char *p = log; p && (p = strstr(p, needle)); p++)
        n++;
    return n;
}

static const char *find(const char *log, const char *needle)
{
    return log ? strstr(log, needle) : NULL;
}

static const struct test_segment session[] = {
    SEG(1, "220 ProFTPD Server ready\r\n"),
    SEG(0, "USER anonymous\r\n"),
    SEG(1, "331 Password required\r\n"),
    SEG(0, "PASS guest\r\n"),
    SEG(1, "230-Welcome\r\n line two\r\n230 Logged in\r\n"),
    SEG(0, "PASV\r\n"),
    SEG(1, "227 Entering Passive Mode (10,0,0,2,195,80).\r\n"),
    SEG(0, "RETR file.txt\r\n"),
    SEG(1, "150 Opening BINARY mode\r\n226 Transfer complete\r\n"),
    SEG(0, "EPSV\r\n"),
    SEG(1, "229 Entering Extended Passive Mode (|||58612|)\r\n"),
    SEG(0, "PORT 10,0,0,1,200,100\r\n"),
    SEG(1, "200 PORT ok\r\n"),
    SEG(0, "EPRT |2|2001:db8::1|5282|\r\n"),
    SEG(1, "200 EPRT ok\r\n"),
    SEG(0, "QUIT\r\n"),
    SEG(1, "221 Bye\r\n"),
};

static void test_session(void)
{
    size_t n = sizeof(session) / sizeof(session[0]);
    uint16_t proto = 0;
    char *log = test_run_tcp(session, n, 40000, 21, -1, 0, &proto);
    CHECK_EQ_INT(proto, APP_PROTO_FTP);
    CHECK_EQ_INT(count(log, "\"event_type\":\"ftp\""), 9); /* banner + 8 commands */
    CHECK(find(log, "\"tx_id\":0,\"ftp\":{\"reply\":[\"ProFTPD Server ready\"],"
                    "\"completion_code\":[\"220\"],\"reply_received\":\"yes\"") != NULL);
    CHECK(find(log, "\"ftp\":{\"command\":\"USER\",\"command_data\":\"anonymous\","
                    "\"command_truncated\":false,\"reply\":[\"Password required\"],"
                    "\"completion_code\":[\"331\"],\"reply_received\":\"yes\","
                    "\"reply_truncated\":false}") != NULL);
    CHECK(find(log, "\"reply\":[\"Welcome\",\" line two\",\"Logged in\"],"
                    "\"completion_code\":[\"230\",\"230\"]") != NULL);
    CHECK(find(log, "\"command\":\"PASV\",\"reply\":[\"Entering Passive Mode (10,0,0,2,195,80).\"],"
                    "\"completion_code\":[\"227\"],\"dynamic_port\":50000,\"mode\":\"passive\"") !=
          NULL);
    CHECK(find(log, "\"completion_code\":[\"150\",\"226\"]") != NULL);
    CHECK(find(log, "\"dynamic_port\":58612,\"mode\":\"passive\"") != NULL);
    CHECK(find(log, "\"command_data\":\"10,0,0,1,200,100\"") != NULL);
    CHECK(find(log, "\"dynamic_port\":51300,\"mode\":\"active\"") != NULL);
    CHECK(find(log, "\"dynamic_port\":5282,\"mode\":\"active\"") != NULL);
    CHECK_EQ_INT(count(log, "anomaly"), 0);
    free(log);
    CHECK_EQ_INT(test_tcp_split_invariance(session, n, 40000, 21), 0);
}

static void test_limits(void)
{
    char *big = malloc(6000);
    memcpy(big, "RETR ", 5);
    memset(big + 5, 'x', 5000);
    memcpy(big + 5005, "\r\nRETR index.html\r\n", 19);
    struct test_segment segs[] = {SEG(1, "220 FTP ready\r\n"),
                                  SEG(0, "PASV\r\n"),
                                  SEG(1, "227 Entering Passive Mode (1,2,3,4,5,6)\r\n"),
                                  {0, (const uint8_t *)big, 5024}};
    char *log = test_run_tcp(segs, 4, 40000, 21, -1, 0, NULL);
    CHECK(find(log, "anomaly ftp request_command_too_long") != NULL);
    CHECK(find(log, "\"command_truncated\":true") != NULL);
    CHECK(find(log, "\"command_data\":\"index.html\",\"command_truncated\":false") != NULL);
    const char *d = find(log, "\"command_data\":\"xxx");
    CHECK(d != NULL && strspn(d + 16, "x") == 4091);
    free(log);
    free(big);
    /* RETR with no PASV/PORT before it */
    struct test_segment s2[] = {SEG(1, "220 FTP\r\n"), SEG(0, "RETR a\r\n"), SEG(1, "425 no\r\n")};
    log = test_run_tcp(s2, 3, 40000, 21, -1, 0, NULL);
    CHECK(find(log, "anomaly ftp file_before_port") != NULL);
    free(log);
}

struct probe {
    enum app_buffer id;
    int rc;
    char got[64];
    int seen;
};

static int probe_tx(struct app_tx *tx, void *user)
{
    struct probe *p = user;
    const uint8_t *d;
    uint32_t n;
    /* the banner's transaction was logged and freed: USER is the oldest */
    p->seen++;
    p->rc = app_tx_get_buffer(tx, p->id, 0, &d, &n);
    if (p->rc == 0) {
        memcpy(p->got, d, n < 63 ? n : 63);
        p->got[n < 63 ? n : 63] = 0;
    }
    return 1;
}

static void test_buffers_and_data(void)
{
    struct test_capture cap = {0};
    struct app_event_sink sink = {
        .user = &cap, .emit = test_capture_emit, .anomaly = test_capture_anomaly};
    struct app_layer_config cfg;
    app_layer_config_load(&cfg, NULL);
    struct app_layer_thread_ctx *ctx = app_layer_thread_ctx_new(&cfg, &sink);
    struct flow f;
    struct packet p;
    test_flow_init(&f, &p, 6, 40000, 21);
    struct app_flow_state *st = NULL;
    for (size_t i = 0; i < 2; i++)
        app_layer_handle_tcp_data(ctx, &st, &f, &p, session[i].direction, session[i].data,
                                  session[i].len, 0);
    struct probe pr = {.id = APP_BUFFER_FTP_COMMAND, .rc = -99};
    app_flow_state_tx_foreach(st, probe_tx, &pr);
    CHECK_EQ_INT(pr.rc, 0);
    CHECK_EQ_STR(pr.got, "USER");
    struct probe pr2 = {.id = APP_BUFFER_FTP_COMMAND_DATA, .rc = -99};
    app_flow_state_tx_foreach(st, probe_tx, &pr2);
    CHECK_EQ_INT(pr2.rc, 0);
    CHECK_EQ_STR(pr2.got, "anonymous");
    app_layer_flow_end(ctx, st, &f);
    app_flow_state_free(st);

    /* ftp-data, driven directly with a transfer record as the control
     * channel would hand it over through the expectation */
    struct app_parse_ctx pc = {.thread = ctx, .flow = &f, .packet = &p, .ts_usec = p.ts_usec};
    struct {
        int refs;
        uint8_t cmd;
        char *filename;
        size_t filename_len;
    } *xfer = calloc(1, sizeof(*xfer));
    xfer->refs = 1;
    xfer->cmd = 1; /* RETR */
    xfer->filename = strdup("file.txt");
    xfer->filename_len = 8;
    pc.expectation_data = xfer;
    void *ds = app_parser_ftp_data.state_new(&pc);
    pc.expectation_data = NULL;
    CHECK(ds != NULL);
    /* the framework drops its reference after state_new */
    xfer->refs--;
    app_parser_ftp_data.parse(ds, &pc, 1, (const uint8_t *)"0123456789", 10, 0);
    app_parser_ftp_data.parse(ds, &pc, 1, NULL, 0, APP_DATA_EOF);
    CHECK(find(cap.log,
               "\"ftp_data\":{\"filename\":\"file.txt\",\"command\":\"RETR\"},"
               "\"fileinfo\":{\"filename\":\"file.txt\",\"gaps\":false,\"state\":\"CLOSED\","
               "\"stored\":false,\"size\":10") != NULL);
    CHECK(find(cap.log, "\"event_type\":\"ftp_data\"") != NULL);
    app_parser_ftp_data.state_free(ds);
    CHECK_EQ_INT(app_layer_thread_stats(ctx)->memuse, 0);
    app_layer_thread_ctx_free(ctx);
    test_capture_reset(&cap);
}

static void test_garbage(void)
{
    uint8_t junk[5000];
    uint32_t s = 99;
    for (size_t i = 0; i < sizeof(junk); i++) {
        s = s * 1103515245u + 12345u;
        junk[i] = (uint8_t)(s >> 16);
    }
    memcpy(junk, "USER x\r\n", 8);
    struct test_segment segs[] = {
        SEG(1, "220 FTP\r\n"), {0, junk, sizeof(junk)}, {1, junk + 3, 4000}};
    char *log = test_run_tcp(segs, 3, 40000, 21, -1, 0, NULL);
    CHECK(log != NULL && strstr(log, "MEMUSE-LEAK") == NULL);
    free(log);
}

int main(void)
{
    (void)app_parser_ftp;
    test_session();
    test_limits();
    test_buffers_and_data();
    test_garbage();
    TEST_MAIN_END();
}
