/* SPDX-License-Identifier: Apache-2.0 */
/* HTTP parser (libhtp): EVE http/fileinfo, pipelining, chunked + gzip bodies,
 * 100-continue, multipart upload, detection buffers, split invariance,
 * anomalies and garbage. */
#include <dirent.h>
#include <errno.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <openssl/evp.h>

#include "app/app_parser.h"
#include "app/file.h"
#include "app_test_util.h"
#include "test.h"

#define SEG(d, s)                                                                                  \
    {                                                                                              \
        (d), (const uint8_t *)(s), sizeof(s) - 1                                                   \
    }

static const char *find(const char *log, const char *needle)
{
    return log ? strstr(log, needle) : NULL;
}

static int count(const char *log, const char *needle)
{
    int n = 0;
    for (const char *p = log; p && (p = strstr(p, needle)); p++)
        n++;
    return n;
}

static void test_simple_get(void)
{
    struct test_segment segs[] = {
        SEG(0, "GET /a/b.html?x=1 HTTP/1.1\r\nHost: Www.Example.COM:8080\r\nUser-Agent: ua/1\r\n"
               "Referer: http://r/\r\nCookie: c=1\r\n\r\n"),
        SEG(1, "HTTP/1.1 302 Found\r\nContent-Type: text/html; charset=utf-8\r\n"
               "Location: /next\r\nContent-Length: 5\r\n\r\nhello"),
    };
    uint16_t proto = 0;
    char *log = test_run_tcp(segs, 2, 40000, 80, -1, 0, &proto);
    CHECK_EQ_INT(proto, APP_PROTO_HTTP);
    CHECK(find(log, "\"event_type\":\"http\"") != NULL);
    CHECK(find(log,
               "\"hostname\":\"Www.Example.COM\",\"http_port\":8080,\"url\":\"/a/b.html?x=1\","
               "\"http_user_agent\":\"ua/1\",\"http_content_type\":\"text/html\","
               "\"http_refer\":\"http://r/\",\"http_method\":\"GET\",\"protocol\":\"HTTP/1.1\","
               "\"status\":302,\"redirect\":\"/next\",\"length\":5}") != NULL);
    CHECK(find(log, "\"event_type\":\"fileinfo\"") != NULL);
    CHECK(find(log,
               "\"filename\":\"/a/b.html\",\"gaps\":false,\"state\":\"CLOSED\",\"stored\":false,"
               "\"size\":5,\"tx_id\":0") != NULL);
    CHECK_EQ_INT(count(log, "\"event_type\":\"http\""), 1);
    free(log);
    CHECK_EQ_INT(test_tcp_split_invariance(segs, 2, 40000, 80), 0);
}

static void test_pipelining_chunked(void)
{
    struct test_segment segs[] = {
        SEG(0, "GET /1 HTTP/1.1\r\nHost: a\r\n\r\nGET /2 HTTP/1.1\r\nHost: b\r\n\r\n"),
        SEG(1,
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n"
            "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n"),
    };
    char *log = test_run_tcp(segs, 2, 40000, 80, -1, 0, NULL);
    CHECK_EQ_INT(count(log, "\"event_type\":\"http\""), 2);
    CHECK(find(log, "\"hostname\":\"a\",\"url\":\"/1\"") != NULL);
    CHECK(find(log, "\"hostname\":\"b\",\"url\":\"/2\"") != NULL);
    CHECK(find(log, "\"status\":200,\"length\":") != NULL);
    CHECK(find(log, "\"status\":404,\"length\":0") != NULL);
    CHECK(find(log, "\"size\":5,\"tx_id\":0") != NULL);
    /* tx ids in order */
    CHECK(find(log, "\"tx_id\":1,\"http\":{\"hostname\":\"b\"") != NULL);
    free(log);
    CHECK_EQ_INT(test_tcp_split_invariance(segs, 2, 40000, 80), 0);
}

static size_t gzip_bytes(const char *in, uint8_t *out, size_t cap)
{
    z_stream z;
    memset(&z, 0, sizeof(z));
    deflateInit2(&z, 9, Z_DEFLATED, 31, 8, Z_DEFAULT_STRATEGY);
    z.next_in = (Bytef *)in;
    z.avail_in = (uInt)strlen(in);
    z.next_out = out;
    z.avail_out = (uInt)cap;
    deflate(&z, Z_FINISH);
    size_t n = z.total_out;
    deflateEnd(&z);
    return n;
}

struct buf_probe {
    enum app_buffer id;
    uint32_t index;
    char got[2048];
    int rc;
};

static int probe_tx(struct app_tx *tx, void *user)
{
    struct buf_probe *b = user;
    const uint8_t *d = NULL;
    uint32_t n = 0;
    b->rc = app_tx_get_buffer(tx, b->id, b->index, &d, &n);
    if (b->rc == 0) {
        if (n >= sizeof(b->got))
            n = sizeof(b->got) - 1;
        memcpy(b->got, d, n);
        b->got[n] = 0;
    }
    return 1; /* first tx only */
}

static void test_gzip_and_buffers(void)
{
    uint8_t gz[512];
    size_t gzn = gzip_bytes("the quick brown fox jumps over the lazy dog", gz, sizeof(gz));
    char resp[1024];
    int rl = snprintf(resp, sizeof(resp),
                      "HTTP/1.1 200 OK\r\nServer: ng1nx\r\nContent-Encoding: gzip\r\n"
                      "Set-Cookie: s=2\r\nContent-Length: %zu\r\n\r\n",
                      gzn);
    memcpy(resp + rl, gz, gzn);
    const char *req = "GET /%61b/../c//d.php?q=%41 HTTP/1.1\r\nHost: WWW.X.org\r\nCookie: k=v\r\n"
                      "User-Agent: Mozilla\r\nAccept: */*\r\n\r\n";

    struct test_capture cap = {0};
    struct app_event_sink sink = {
        .user = &cap, .emit = test_capture_emit, .anomaly = test_capture_anomaly};
    struct app_layer_config cfg;
    app_layer_config_load(&cfg, NULL);
    struct app_layer_thread_ctx *ctx = app_layer_thread_ctx_new(&cfg, &sink);
    struct flow f;
    struct packet p;
    test_flow_init(&f, &p, 6, 40000, 80);
    struct app_flow_state *st = NULL;
    app_layer_handle_tcp_data(ctx, &st, &f, &p, 0, (const uint8_t *)req, (uint32_t)strlen(req), 0);
    app_layer_handle_tcp_data(ctx, &st, &f, &p, 1, (const uint8_t *)resp, (uint32_t)(rl + gzn), 0);

    struct {
        enum app_buffer id;
        uint32_t index;
        const char *want;
    } cases[] = {
        {APP_BUFFER_HTTP_URI, 0, "/c/d.php?q=A"},
        {APP_BUFFER_HTTP_URI_RAW, 0, "/%61b/../c//d.php?q=%41"},
        {APP_BUFFER_HTTP_METHOD, 0, "GET"},
        {APP_BUFFER_HTTP_PROTOCOL, 0, "HTTP/1.1"},
        {APP_BUFFER_HTTP_HOST, 0, "www.x.org"},
        {APP_BUFFER_HTTP_HOST_RAW, 0, "WWW.X.org"},
        {APP_BUFFER_HTTP_USER_AGENT, 0, "Mozilla"},
        {APP_BUFFER_HTTP_COOKIE, 0, "k=v"},
        {APP_BUFFER_HTTP_HEADER, 0, "Host: WWW.X.org\r\nUser-Agent: Mozilla\r\nAccept: */*\r\n"},
        {APP_BUFFER_HTTP_HEADER_NAMES, 0, "\r\nHost\r\nCookie\r\nUser-Agent\r\nAccept\r\n\r\n"},
        {APP_BUFFER_HTTP_REQUEST_LINE, 0, "GET /%61b/../c//d.php?q=%41 HTTP/1.1"},
        {APP_BUFFER_HTTP_START, 0,
         "GET /%61b/../c//d.php?q=%41 HTTP/1.1\r\nHost: WWW.X.org\r\nCookie: k=v\r\n"
         "User-Agent: Mozilla\r\nAccept: */*\r\n\r\n"},
        {APP_BUFFER_HTTP_ACCEPT, 0, "*/*"},
        {APP_BUFFER_HTTP_STAT_CODE, 0, "200"},
        {APP_BUFFER_HTTP_STAT_MSG, 0, "OK"},
        {APP_BUFFER_HTTP_SERVER, 0, "ng1nx"},
        {APP_BUFFER_HTTP_RESPONSE_LINE, 0, "HTTP/1.1 200 OK"},
        {APP_BUFFER_HTTP_HEADER, APP_BUFFER_INDEX_TOCLIENT,
         "Server: ng1nx\r\nContent-Encoding: gzip\r\nContent-Length: 63\r\n"},
        {APP_BUFFER_HTTP_COOKIE, APP_BUFFER_INDEX_TOCLIENT, "s=2"},
        {APP_BUFFER_HTTP_REQUEST_HEADER, 0, "Host: WWW.X.org"},
        {APP_BUFFER_HTTP_REQUEST_HEADER, 2, "User-Agent: Mozilla"},
        {APP_BUFFER_HTTP_RESPONSE_HEADER, 0, "Server: ng1nx"},
        {APP_BUFFER_HTTP_RESPONSE_HEADER, 2, "Set-Cookie: s=2"},
        {APP_BUFFER_HTTP_RESPONSE_BODY, 0, "the quick brown fox jumps over the lazy dog"},
        {APP_BUFFER_FILE_DATA, APP_BUFFER_INDEX_TOCLIENT,
         "the quick brown fox jumps over the lazy dog"},
        {APP_BUFFER_FILE_NAME, APP_BUFFER_INDEX_TOCLIENT, "/c/d.php"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct buf_probe b = {.id = cases[i].id, .index = cases[i].index, .rc = -99};
        app_flow_state_tx_foreach(st, probe_tx, &b);
        if (cases[i].id == APP_BUFFER_HTTP_HEADER && cases[i].index) {
            /* Content-Length depends on the gzip output size */
            CHECK_EQ_INT(b.rc, 0);
            CHECK(strncmp(b.got,
                          "Server: ng1nx\r\nContent-Encoding: gzip\r\nContent-Length: ", 55) == 0);
            continue;
        }
        if (b.rc != 0 || strcmp(b.got, cases[i].want) != 0)
            fprintf(stderr, "buffer %s: rc %d got \"%s\" want \"%s\"\n",
                    app_buffer_name(cases[i].id), b.rc, b.got, cases[i].want);
        CHECK_EQ_INT(b.rc, 0);
        CHECK_EQ_STR(b.got, cases[i].want);
    }
    /* absent buffers */
    struct buf_probe b = {.id = APP_BUFFER_HTTP_REFERER, .rc = 0};
    app_flow_state_tx_foreach(st, probe_tx, &b);
    CHECK_EQ_INT(b.rc, -ENOENT);
    b.id = APP_BUFFER_HTTP_REQUEST_HEADER;
    b.index = 4; /* four request headers: 0..3 */
    app_flow_state_tx_foreach(st, probe_tx, &b);
    CHECK_EQ_INT(b.rc, -ENOENT);
    b.id = APP_BUFFER_FILE_DATA;
    b.index = APP_BUFFER_INDEX_TOSERVER; /* no request file */
    app_flow_state_tx_foreach(st, probe_tx, &b);
    CHECK_EQ_INT(b.rc, -ENOENT);
    b.id = APP_BUFFER_FILE_NAME; /* a download's name is not the request's */
    app_flow_state_tx_foreach(st, probe_tx, &b);
    CHECK_EQ_INT(b.rc, -ENOENT);
    b.index = APP_BUFFER_INDEX_TOCLIENT | 1; /* one file */
    app_flow_state_tx_foreach(st, probe_tx, &b);
    CHECK_EQ_INT(b.rc, -ENOENT);
    b.id = APP_BUFFER_FILE_DATA;
    /* without a direction bit: request instances, then response ones */
    b.index = 0;
    app_flow_state_tx_foreach(st, probe_tx, &b);
    CHECK_EQ_INT(b.rc, 0);
    CHECK_EQ_STR(b.got, "the quick brown fox jumps over the lazy dog");
    b.id = APP_BUFFER_HTTP_HEADER_NAMES;
    b.index = 1;
    app_flow_state_tx_foreach(st, probe_tx, &b);
    CHECK_EQ_INT(b.rc, 0);
    CHECK_EQ_STR(b.got, "\r\nServer\r\nContent-Encoding\r\nSet-Cookie\r\nContent-Length\r\n\r\n");
    b.index = 2;
    app_flow_state_tx_foreach(st, probe_tx, &b);
    CHECK_EQ_INT(b.rc, -ENOENT);

    app_layer_flow_end(ctx, st, &f);
    CHECK(find(cap.log, "\"length\":") != NULL);
    CHECK(find(cap.log, "\"size\":43") != NULL); /* decompressed */
    app_flow_state_free(st);
    CHECK_EQ_INT(app_layer_thread_stats(ctx)->memuse, 0);
    app_layer_thread_ctx_free(ctx);
    test_capture_reset(&cap);
}

static void test_continue_and_multipart(void)
{
    struct test_segment segs[] = {
        SEG(0, "POST /upload HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\n"
               "Content-Type: multipart/form-data; boundary=XyZ\r\nContent-Length: 133\r\n\r\n"),
        SEG(1, "HTTP/1.1 100 Continue\r\n\r\n"),
        SEG(0, "--XyZ\r\nContent-Disposition: form-data; name=\"f\"; filename=\"eicar.com\"\r\n"
               "Content-Type: application/octet-stream\r\n\r\nX5O!P%@AP\r\n--XyZ--\r\n"),
        SEG(1, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"),
    };
    char *log = test_run_tcp(segs, 4, 40000, 80, -1, 0, NULL);
    CHECK_EQ_INT(count(log, "\"event_type\":\"http\""), 1);
    CHECK(find(log, "\"http_method\":\"POST\",\"protocol\":\"HTTP/1.1\",\"status\":200") != NULL);
    CHECK(find(log, "\"filename\":\"eicar.com\",\"gaps\":false,\"state\":\"CLOSED\","
                    "\"stored\":false,\"size\":9") != NULL);
    free(log);
    CHECK_EQ_INT(test_tcp_split_invariance(segs, 4, 40000, 80), 0);
}

static void test_flow_end_logs_open_tx(void)
{
    struct test_segment segs[] = {
        SEG(0, "GET /x HTTP/1.0\r\n\r\n"),
        SEG(1, "HTTP/1.0 200 OK\r\n\r\npartial body without length"),
    };
    char *log = test_run_tcp(segs, 2, 40000, 8081, -1, 0, NULL);
    CHECK_EQ_INT(count(log, "\"event_type\":\"http\""), 1);
    CHECK(find(log, "\"url\":\"/x\"") != NULL);
    CHECK(find(log, "\"filename\":\"/x\"") != NULL);
    free(log);
}

static void test_anomalies(void)
{
    struct test_segment segs[] = {
        SEG(0, "POST /p HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\nContent-Length: 4\r\n"
               "Authorization: Weird abc\r\n\r\nabc"),
        SEG(1, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"),
    };
    char *log = test_run_tcp(segs, 2, 40000, 80, -1, 0, NULL);
    CHECK(find(log, "anomaly http REQUEST_AUTH_UNRECOGNIZED") != NULL);
    CHECK(find(log, "anomaly http DUPLICATE_CONTENT_LENGTH_FIELD_IN_REQUEST") != NULL ||
          find(log, "anomaly http REQUEST_HEADER_REPETITION") != NULL);
    free(log);
}

static void test_garbage(void)
{
    /* random bytes after a valid start must not crash; memory is released */
    uint8_t junk[4096];
    uint32_t s = 12345;
    for (size_t i = 0; i < sizeof(junk); i++) {
        s = s * 1103515245u + 12345u;
        junk[i] = (uint8_t)(s >> 16);
    }
    memcpy(junk, "GET / HTTP/1.1\r\n", 16);
    struct test_segment segs[] = {{0, junk, sizeof(junk)}, {1, junk + 100, 2000}};
    char *log = test_run_tcp(segs, 2, 40000, 80, -1, 0, NULL);
    CHECK(log != NULL && strstr(log, "MEMUSE-LEAK") == NULL);
    free(log);
    /* many pipelined requests: bounded by max_tx_per_flow */
    size_t n = 2000 * 40;
    char *many = malloc(n + 1);
    size_t off = 0;
    for (int i = 0; i < 2000; i++)
        off +=
            (size_t)snprintf(many + off, n + 1 - off, "GET /%04d HTTP/1.1\r\nHost: a\r\n\r\n", i);
    struct test_segment segs2[] = {{0, (const uint8_t *)many, (uint32_t)off}};
    log = test_run_tcp(segs2, 1, 40000, 80, -1, 0, NULL);
    CHECK(log != NULL && strstr(log, "MEMUSE-LEAK") == NULL);
    CHECK(find(log, "TOO_MANY_TRANSACTIONS") != NULL);
    CHECK(count(log, "\"event_type\":\"http\"") <= 512);
    free(log);
    free(many);
}

/* Bug found by fuzz_app_http: a multipart/form-data request whose body never
 * came (nothing buffered) made the part scanner do arithmetic on NULL. */
static void test_multipart_without_body(void)
{
    struct test_segment segs[] = {
        SEG(0, "POST /u HTTP/1.1\r\nHost: h\r\nContent-Type: multipart/form-data; boundary=zz\r\n"
               "Content-Length: 0\r\n\r\n"),
        SEG(0, "POST /v HTTP/1.1\r\nHost: h\r\nContent-Type: multipart/form-data; boundary=zz\r\n"
               "Content-Length: 50\r\n\r\n"),
    };
    char *log = test_run_tcp(segs, 2, 40000, 80, -1, 0, NULL);
    CHECK_EQ_INT(count(log, "\"event_type\":\"http\""), 2);
    CHECK_EQ_INT(count(log, "\"event_type\":\"fileinfo\""), 0);
    free(log);
}

/* Two interim "100 Continue" responses to one request (http-multiple100):
 * libhtp alone fails the stream; the second is skipped with an event. */
static void test_double_continue(void)
{
    struct test_segment segs[] = {
        SEG(0, "PUT /f HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\n"),
        SEG(1, "HTTP/1.1 100 Continue\r\n\r\n"),
        SEG(0, "abcd"),
        SEG(1, "HTTP/1.1 100 Continue\r\n\r\n"),
        SEG(1, "HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n"),
    };
    char *log = test_run_tcp(segs, 5, 40000, 80, -1, 0, NULL);
    CHECK(find(log, "\"status\":201") != NULL);
    CHECK(find(log, "anomaly http 100_CONTINUE_ALREADY_SEEN") != NULL);
    CHECK(find(log, "\"filename\":\"/f\",\"gaps\":false,\"state\":\"CLOSED\",\"stored\":false,"
                    "\"size\":4") != NULL);
    free(log);
}

static int store_mark_tx(struct app_tx *tx, void *user)
{
    app_tx_files_store(tx, *(const uint8_t *)user);
    return 0;
}

/* One HTTP response body through the file store (mode 0: force-filestore;
 * 1: a rule's filestore on the transaction after the body closed; 2:
 * scope flow set after the request, before the body; 3: no rule). Returns
 * the log; *on_disk: the file is at <dir>/<xx>/<sha256> with the body. */
static char *store_run(const char *dir, int mode, bool *on_disk)
{
    static const char body[] = "vigil file store test body";
    char resp[256];
    snprintf(resp, sizeof(resp), "HTTP/1.1 200 OK\r\nContent-Length: %zu\r\n\r\n%s",
             sizeof(body) - 1, body);
    const char *req = "GET /doc.bin HTTP/1.1\r\nHost: h\r\n\r\n";
    struct test_capture cap = {0};
    struct app_event_sink sink = {
        .user = &cap, .emit = test_capture_emit, .anomaly = test_capture_anomaly};
    struct app_layer_config cfg;
    app_layer_config_load(&cfg, NULL);
    cfg.file_store_dir = dir;
    cfg.file_store_force = mode == 0;
    struct app_layer_thread_ctx *ctx = app_layer_thread_ctx_new(&cfg, &sink);
    struct flow f;
    struct packet p;
    test_flow_init(&f, &p, 6, 40000, 80);
    struct app_flow_state *st = NULL;
    app_layer_handle_tcp_data(ctx, &st, &f, &p, 0, (const uint8_t *)req, (uint32_t)strlen(req), 0);
    f.app = st;
    uint8_t to_client = 2;
    if (mode == 2)
        app_flow_files_store(st, to_client);
    app_layer_handle_tcp_data(ctx, &st, &f, &p, 1, (const uint8_t *)resp, (uint32_t)strlen(resp),
                              0);
    if (mode == 1)
        app_flow_state_tx_foreach(st, store_mark_tx, &to_client);
    app_layer_flow_end(ctx, st, &f);
    app_flow_state_free(st);
    f.app = NULL;
    CHECK_EQ_INT(app_layer_thread_stats(ctx)->file_store_fs_errors, 0);
    app_layer_thread_ctx_free(ctx);

    uint8_t md[32];
    unsigned mdl = 0;
    EVP_Digest(body, sizeof(body) - 1, md, &mdl, EVP_sha256(), NULL);
    char hex[65], path[512];
    file_hex(md, 32, hex);
    snprintf(path, sizeof(path), "%s/%c%c/%s", dir, hex[0], hex[1], hex);
    char got[128] = "";
    FILE *in = fopen(path, "r");
    if (in) {
        size_t n = fread(got, 1, sizeof(got) - 1, in);
        got[n] = 0;
        fclose(in);
        unlink(path);
    }
    *on_disk = in && strcmp(got, body) == 0;
    /* Nothing left behind in tmp. */
    snprintf(path, sizeof(path), "%s/tmp", dir);
    CHECK_EQ_INT(rmdir(path), 0);
    mkdir(path, 0755);
    return cap.log;
}

/* outputs.file-store v2: <dir>/<xx>/<sha256>, fileinfo stored/file_id;
 * kept with force-filestore or when a rule chose the file (before it
 * opened, or after it closed while its transaction lives), removed
 * otherwise. */
static void test_file_store(void)
{
    char dir[] = "/tmp/vigil-filestore-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    char err[256];
    CHECK_EQ_INT(file_store_prepare(dir, err, sizeof(err)), 0);
    struct stat sb;
    char leaf[600];
    snprintf(leaf, sizeof(leaf), "%s/ff", dir);
    CHECK(stat(leaf, &sb) == 0 && S_ISDIR(sb.st_mode));
    bool disk = false;
    char *log = store_run(dir, 0, &disk);
    CHECK(disk);
    CHECK(find(log, "\"stored\":true,\"file_id\":") != NULL);
    free(log);
    log = store_run(dir, 1, &disk);
    CHECK(disk);
    free(log);
    log = store_run(dir, 2, &disk);
    CHECK(disk);
    CHECK(find(log, "\"stored\":true,\"file_id\":") != NULL);
    free(log);
    log = store_run(dir, 3, &disk);
    CHECK(!disk);
    CHECK(find(log, "\"stored\":false") != NULL);
    free(log);
    for (int i = 0; i < 256; i++) {
        snprintf(leaf, sizeof(leaf), "%s/%02x", dir, i);
        CHECK_EQ_INT(rmdir(leaf), 0);
    }
    snprintf(leaf, sizeof(leaf), "%s/tmp", dir);
    rmdir(leaf);
    CHECK_EQ_INT(rmdir(dir), 0);
}

/* max-open-files: at most that many files are written at once; past it a
 * file is followed but not stored (counted), and a descriptor given back
 * at the end of a transfer serves the next file. */
static void test_file_store_max_open(void)
{
    char dir[] = "/tmp/vigil-filestore-max-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    char err[256];
    CHECK_EQ_INT(file_store_prepare(dir, err, sizeof(err)), 0);
    struct test_capture cap = {0};
    struct app_event_sink sink = {
        .user = &cap, .emit = test_capture_emit, .anomaly = test_capture_anomaly};
    struct app_layer_config cfg;
    app_layer_config_load(&cfg, NULL);
    cfg.file_store_dir = dir;
    cfg.file_store_force = true;
    cfg.file_store_max_open = 1;
    struct app_layer_thread_ctx *ctx = app_layer_thread_ctx_new(&cfg, &sink);
    const char *req = "GET /big HTTP/1.1\r\nHost: h\r\n\r\n";
    const char *head = "HTTP/1.1 200 OK\r\nContent-Length: 20\r\n\r\n0123456789";
    struct flow f[3];
    struct packet p[3];
    struct app_flow_state *st[3] = {NULL, NULL, NULL};
    for (int i = 0; i < 3; i++) {
        test_flow_init(&f[i], &p[i], 6, (uint16_t)(40000 + i), 80);
        app_layer_handle_tcp_data(ctx, &st[i], &f[i], &p[i], 0, (const uint8_t *)req,
                                  (uint32_t)strlen(req), 0);
        f[i].app = st[i];
        if (i < 2) /* two transfers open at once: the second is not written */
            app_layer_handle_tcp_data(ctx, &st[i], &f[i], &p[i], 1, (const uint8_t *)head,
                                      (uint32_t)strlen(head), 0);
    }
    CHECK_EQ_INT(app_layer_thread_stats(ctx)->file_store_open_max_hit, 1);
    for (int i = 0; i < 2; i++) {
        app_layer_handle_tcp_data(ctx, &st[i], &f[i], &p[i], 1, (const uint8_t *)"abcdefghij",
                                  10, 0);
        app_layer_flow_end(ctx, st[i], &f[i]);
        app_flow_state_free(st[i]);
        f[i].app = NULL;
    }
    /* the first transfer's descriptor went back: a third one is written */
    app_layer_handle_tcp_data(ctx, &st[2], &f[2], &p[2], 1, (const uint8_t *)head,
                              (uint32_t)strlen(head), 0);
    app_layer_handle_tcp_data(ctx, &st[2], &f[2], &p[2], 1, (const uint8_t *)"ABCDEFGHIJ", 10, 0);
    app_layer_flow_end(ctx, st[2], &f[2]);
    app_flow_state_free(st[2]);
    CHECK_EQ_INT(app_layer_thread_stats(ctx)->file_store_open_max_hit, 1);
    CHECK_EQ_INT(app_layer_thread_stats(ctx)->file_store_fs_errors, 0);
    app_layer_thread_ctx_free(ctx);
    /* two stored (the first and the third body), the second not */
    int stored = 0;
    char leaf[600];
    for (int i = 0; i < 256; i++) {
        snprintf(leaf, sizeof(leaf), "%s/%02x", dir, i);
        DIR *d = opendir(leaf);
        for (struct dirent *e = d ? readdir(d) : NULL; e; e = readdir(d))
            if (e->d_name[0] != '.') {
                char path[1200];
                snprintf(path, sizeof(path), "%s/%s", leaf, e->d_name);
                unlink(path);
                stored++;
            }
        if (d)
            closedir(d);
        rmdir(leaf);
    }
    CHECK_EQ_INT(stored, 2);
    CHECK(cap.log && find(cap.log, "\"stored\":false") != NULL);
    free(cap.log);
    snprintf(leaf, sizeof(leaf), "%s/tmp", dir);
    CHECK_EQ_INT(rmdir(leaf), 0);
    CHECK_EQ_INT(rmdir(dir), 0);
}

int main(void)
{
    (void)app_parser_http;
    test_simple_get();
    test_pipelining_chunked();
    test_gzip_and_buffers();
    test_continue_and_multipart();
    test_flow_end_logs_open_tx();
    test_anomalies();
    test_garbage();
    test_multipart_without_body();
    test_double_continue();
    test_file_store();
    test_file_store_max_open();
    TEST_MAIN_END();
}
