/* SPDX-License-Identifier: Apache-2.0 */
/* Framework: names, buffers, config defaults, detection failure, memcap. */
#include "app_test_util.h"
#include "test.h"

static void test_names(void)
{
    CHECK_EQ_STR(app_proto_name(APP_PROTO_TLS), "tls");
    CHECK_EQ_STR(app_proto_name(APP_PROTO_FTP_DATA), "ftp-data");
    CHECK_EQ_STR(app_proto_name(999), "unknown");
    CHECK_EQ_INT(app_proto_from_name("ssl"), APP_PROTO_TLS);
    CHECK_EQ_INT(app_proto_from_name("dns"), APP_PROTO_DNS);
    CHECK_EQ_INT(app_proto_from_name("nope"), -1);
    CHECK_EQ_STR(app_buffer_name(APP_BUFFER_TLS_SNI), "tls.sni");
    CHECK_EQ_INT(app_buffer_from_name("tls.sni"), APP_BUFFER_TLS_SNI);
    CHECK_EQ_INT(app_buffer_from_name("dns_query"), APP_BUFFER_DNS_QUERY);
    CHECK_EQ_INT(app_buffer_from_name("no.such"), -1);
    for (int i = 0; i < APP_BUFFER_MAX; i++)
        CHECK_EQ_INT(app_buffer_from_name(app_buffer_name((enum app_buffer)i)), i);
}

static void test_config_defaults(void)
{
    struct app_layer_config c;
    app_layer_config_load(&c, NULL);
    CHECK(c.enabled[APP_PROTO_DNS]);
    CHECK(!c.enabled[APP_PROTO_UNKNOWN]);
    CHECK_EQ_INT(c.max_tx_per_flow, 512);
    CHECK_EQ_INT(c.http_request_body_limit, 100 * 1024);
    CHECK(c.ja3_fingerprints);
}

/* Unknown bytes in both directions: the flow becomes "failed" once both
 * directions give up, and memory accounting returns to zero. */
static void test_detection_failure(void)
{
    uint8_t junk[3000];
    for (size_t i = 0; i < sizeof(junk); i++)
        junk[i] = (uint8_t)(0x80 + (i % 50));
    struct test_segment segs[] = {
        {0, junk, 100}, {1, junk, 100}, {0, junk, sizeof(junk)}, {1, junk, sizeof(junk)}};
    uint16_t proto;
    char *log = test_run_tcp(segs, 4, 40000, 9999, -1, 0, &proto);
    CHECK_EQ_INT(proto, APP_PROTO_FAILED);
    CHECK(strstr(log, "MEMUSE-LEAK") == NULL);
    free(log);
}

/* A flow without payload (a SYN to a closed port, a handshake and nothing
 * more) was never detected: its protocol stays unknown (no app_proto in
 * EVE), as in Suricata. Unknown data in one direction and none in the other
 * is a failed detection. */
static void test_detection_without_data(void)
{
    uint16_t proto = 0xffff;
    char *log = test_run_tcp(NULL, 0, 40001, 3389, -1, 0, &proto);
    CHECK_EQ_INT(proto, APP_PROTO_UNKNOWN);
    CHECK(strstr(log, "MEMUSE-LEAK") == NULL);
    free(log);

    uint8_t junk[200];
    for (size_t i = 0; i < sizeof(junk); i++)
        junk[i] = (uint8_t)(0x90 + (i % 40));
    struct test_segment one_sided[] = {{0, junk, sizeof(junk)}};
    log = test_run_tcp(one_sided, 1, 40002, 9999, -1, 0, &proto);
    CHECK_EQ_INT(proto, APP_PROTO_FAILED);
    free(log);
    struct test_segment server_only[] = {{1, junk, sizeof(junk)}};
    log = test_run_tcp(server_only, 1, 40003, 9999, -1, 0, &proto);
    CHECK_EQ_INT(proto, APP_PROTO_FAILED);
    free(log);
}

/* A memcap too small for a flow state: nothing is created, nothing crashes. */
static void test_memcap(void)
{
    struct app_layer_config c;
    app_layer_config_load(&c, NULL);
    c.memcap = 16;
    struct app_layer_thread_ctx *ctx = app_layer_thread_ctx_new(&c, NULL);
    struct flow f;
    struct packet p;
    test_flow_init(&f, &p, 6, 1234, 80);
    struct app_flow_state *st = NULL;
    app_layer_handle_tcp_data(ctx, &st, &f, &p, 0, (const uint8_t *)"GET / HTTP/1.1\r\n", 16, 0);
    CHECK(st == NULL);
    CHECK(app_layer_thread_stats(ctx)->memcap_drops > 0);
    app_flow_state_free(st);
    app_layer_thread_ctx_free(ctx);
}

/* HTTP CONNECT hands the tunnel back to detection: TLS inside is detected
 * (app_proto_orig http); garbage inside leaves the flow http. */
static void test_connect_switch(void)
{
    static const char req[] = "CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n";
    static const char resp[] = "HTTP/1.1 200 Connection established\r\n\r\n";
    static const uint8_t hello[] = {0x16, 0x03, 0x01, 0x00, 0x05, 0x01, 0x00, 0x00, 0x01, 0x00};
    uint8_t junk[64];
    memset(junk, 0x99, sizeof(junk));
    for (int variant = 0; variant < 2; variant++) {
        struct app_layer_thread_ctx *ctx = app_layer_thread_ctx_new(NULL, NULL);
        struct flow f;
        struct packet p;
        test_flow_init(&f, &p, 6, 40000, 3128);
        struct app_flow_state *st = NULL;
        app_layer_handle_tcp_data(ctx, &st, &f, &p, 0, (const uint8_t *)req, sizeof(req) - 1, 0);
        app_layer_handle_tcp_data(ctx, &st, &f, &p, 1, (const uint8_t *)resp, sizeof(resp) - 1, 0);
        if (variant == 0)
            app_layer_handle_tcp_data(ctx, &st, &f, &p, 0, hello, sizeof(hello), 0);
        else
            app_layer_handle_tcp_data(ctx, &st, &f, &p, 0, junk, sizeof(junk), APP_DATA_EOF);
        app_layer_handle_tcp_data(ctx, &st, &f, &p, 1, junk, sizeof(junk), APP_DATA_EOF);
        app_layer_flow_end(ctx, st, &f);
        if (variant == 0) {
            CHECK_EQ_INT(app_flow_state_proto(st), APP_PROTO_TLS);
            CHECK_EQ_INT(app_flow_state_proto_orig(st), APP_PROTO_HTTP);
        } else {
            CHECK_EQ_INT(app_flow_state_proto(st), APP_PROTO_HTTP);
        }
        app_flow_state_free(st);
        CHECK_EQ_INT(app_layer_thread_stats(ctx)->memuse, 0);
        app_layer_thread_ctx_free(ctx);
    }
}

/* A client speaking TLS to an SMTP banner: mismatch, app_proto_tc smtp. */
static void test_mismatch(void)
{
    static const char banner[] = "220 mail.example.com ESMTP ready\r\n";
    static const uint8_t hello[] = {0x16, 0x03, 0x01, 0x00, 0x05, 0x01, 0x00, 0x00, 0x01, 0x00};
    struct app_layer_thread_ctx *ctx = app_layer_thread_ctx_new(NULL, NULL);
    struct flow f;
    struct packet p;
    test_flow_init(&f, &p, 6, 40000, 25);
    struct app_flow_state *st = NULL;
    app_layer_handle_tcp_data(ctx, &st, &f, &p, 1, (const uint8_t *)banner, sizeof(banner) - 1, 0);
    app_layer_handle_tcp_data(ctx, &st, &f, &p, 0, hello, sizeof(hello), 0);
    CHECK_EQ_INT(app_flow_state_proto_dir(st, 1), APP_PROTO_SMTP);
    CHECK_EQ_INT(app_flow_state_proto_dir(st, 0), APP_PROTO_TLS);
    CHECK_EQ_INT(app_flow_state_proto(st), APP_PROTO_TLS);
    CHECK(app_flow_state_has_event(st, "applayer_mismatch_protocol_both_directions"));
    app_flow_state_free(st);
    app_layer_thread_ctx_free(ctx);
}

int main(void)
{
    test_connect_switch();
    test_mismatch();
    test_names();
    test_config_defaults();
    test_detection_failure();
    test_detection_without_data();
    test_memcap();
    TEST_MAIN_END();
}
