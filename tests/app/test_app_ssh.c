/* SPDX-License-Identifier: Apache-2.0 */
/* SSH: banners, KEXINIT -> HASSH, NEWKEYS, split invariance, garbage. */
#include "app_test_util.h"
#include "test.h"

static uint32_t put_namelists(uint8_t *b, const char *const *lists)
{
    uint32_t o = 0;
    for (int i = 0; i < 10; i++) {
        uint32_t n = (uint32_t)strlen(lists[i]);
        b[o++] = (uint8_t)(n >> 24);
        b[o++] = (uint8_t)(n >> 16);
        b[o++] = (uint8_t)(n >> 8);
        b[o++] = (uint8_t)n;
        memcpy(b + o, lists[i], n);
        o += n;
    }
    return o;
}

/* One binary packet: length, padding length 4, payload, 4 padding bytes. */
static uint32_t put_packet(uint8_t *b, const uint8_t *payload, uint32_t plen)
{
    uint32_t len = 1 + plen + 4;
    b[0] = (uint8_t)(len >> 24);
    b[1] = (uint8_t)(len >> 16);
    b[2] = (uint8_t)(len >> 8);
    b[3] = (uint8_t)len;
    b[4] = 4;
    memcpy(b + 5, payload, plen);
    memset(b + 5 + plen, 0, 4);
    return 4 + len;
}

static uint32_t kexinit(uint8_t *out, const char *const *lists)
{
    uint8_t payload[2048];
    payload[0] = 20;
    memset(payload + 1, 0xab, 16);
    uint32_t n = 17 + put_namelists(payload + 17, lists);
    payload[n++] = 0; /* first_kex_packet_follows */
    memset(payload + n, 0, 4);
    n += 4;
    return put_packet(out, payload, n);
}

static void test_session(void)
{
    static const char *const cl[10] = {"curve25519-sha256,diffie-hellman-group14-sha1",
                                       "ssh-ed25519",
                                       "aes128-ctr,aes256-gcm@openssh.com",
                                       "aes128-ctr",
                                       "hmac-sha2-256",
                                       "hmac-sha1",
                                       "none,zlib@openssh.com",
                                       "none",
                                       "",
                                       ""};
    static const char *const sv[10] = {
        "curve25519-sha256", "rsa-sha2-512", "aes128-ctr", "aes256-ctr", "hmac-sha2-512",
        "hmac-sha1",         "none",         "none",       "",           ""};
    uint8_t cbuf[4096], sbuf[4096];
    uint32_t cl_len = 0, sv_len = 0;
    const char *cb = "SSH-2.0-OpenSSH_8.9p1 Ubuntu-3\r\n";
    const char *sb = "SSH-2.0-OpenSSH_7.4\r\n";
    memcpy(cbuf, cb, strlen(cb));
    cl_len = (uint32_t)strlen(cb);
    memcpy(sbuf, sb, strlen(sb));
    sv_len = (uint32_t)strlen(sb);
    cl_len += kexinit(cbuf + cl_len, cl);
    sv_len += kexinit(sbuf + sv_len, sv);
    uint8_t nk = 21;
    cl_len += put_packet(cbuf + cl_len, &nk, 1);
    sv_len += put_packet(sbuf + sv_len, &nk, 1);
    memset(cbuf + cl_len, 0x5a, 40);
    cl_len += 40; /* encrypted */
    struct test_segment segs[] = {{0, cbuf, cl_len}, {1, sbuf, sv_len}};
    uint16_t proto;
    char *log = test_run_tcp(segs, 2, 50000, 22, -1, 0, &proto);
    CHECK_EQ_INT(proto, APP_PROTO_SSH);
    CHECK(strstr(log,
                 "\"client\":{\"proto_version\":\"2.0\",\"software_version\":\"OpenSSH_8.9p1\","
                 "\"hassh\":{\"hash\":\"") != NULL);
    CHECK(strstr(log, "\"string\":\"curve25519-sha256,diffie-hellman-group14-sha1;aes128-ctr,"
                      "aes256-gcm@openssh.com;hmac-sha2-256;none,zlib@openssh.com\"") != NULL);
    CHECK(strstr(log, "\"server\":{\"proto_version\":\"2.0\",\"software_version\":\"OpenSSH_7.4\","
                      "\"hassh\":{\"hash\":\"") != NULL);
    CHECK(strstr(log, "curve25519-sha256;aes256-ctr;hmac-sha1;none") != NULL);
    /* exactly one ssh event */
    CHECK(strstr(log, "\"event_type\":\"ssh\"") == strrchr(log, '{') - 0 ||
          strstr(strstr(log, "\"event_type\":\"ssh\"") + 1, "\"event_type\":\"ssh\"") == NULL);
    if (test_failures)
        fprintf(stderr, "%s\n", log);
    free(log);
    CHECK_EQ_INT(test_tcp_split_invariance(segs, 2, 50000, 22), 0);
}

static int side_cb(struct app_tx *tx, void *user)
{
    const uint8_t *d;
    uint32_t l;
    CHECK(app_tx_get_buffer_dir(tx, APP_BUFFER_SSH_SOFTWARE, 0, 0, &d, &l) == 0 && l == 18 &&
          memcmp(d, "PuTTY_Release_0.70", 18) == 0);
    CHECK(app_tx_get_buffer_dir(tx, APP_BUFFER_SSH_PROTO, 1, 0, &d, &l) == 0 && l == 4 &&
          memcmp(d, "1.99", 4) == 0);
    CHECK(app_tx_get_buffer_dir(tx, APP_BUFFER_SSH_PROTO, 1, 1, &d, &l) == -ENOENT);
    return 0;
}

static void test_banner_only_and_port(void)
{
    /* SSH on port 80, banners only: detected by content, logged at flow end. */
    const char *cb = "SSH-2.0-PuTTY_Release_0.70\r\n";
    const char *sb = "SSH-1.99-Cisco-1.25\n";
    struct test_segment segs[] = {{1, (const uint8_t *)sb, (uint32_t)strlen(sb)},
                                  {0, (const uint8_t *)cb, (uint32_t)strlen(cb)}};
    uint16_t proto;
    char *log = test_run_tcp(segs, 2, 50000, 80, -1, 0, &proto);
    CHECK_EQ_INT(proto, APP_PROTO_SSH);
    CHECK(strstr(log,
                 "\"server\":{\"proto_version\":\"1.99\",\"software_version\":\"Cisco-1.25\"}") !=
          NULL);
    CHECK(
        strstr(
            log,
            "\"client\":{\"proto_version\":\"2.0\",\"software_version\":\"PuTTY_Release_0.70\"}") !=
        NULL);
    free(log);

    /* Per-side buffers: to-server inspection sees the client's software. */
    struct app_layer_thread_ctx *ctx = app_layer_thread_ctx_new(NULL, NULL);
    struct flow f;
    struct packet p;
    test_flow_init(&f, &p, 6, 50000, 80);
    struct app_flow_state *st = NULL;
    app_layer_handle_tcp_data(ctx, &st, &f, &p, 1, (const uint8_t *)sb, (uint32_t)strlen(sb), 0);
    app_layer_handle_tcp_data(ctx, &st, &f, &p, 0, (const uint8_t *)cb, (uint32_t)strlen(cb), 0);
    app_flow_state_tx_foreach(st, side_cb, NULL);
    app_flow_state_free(st);
    app_layer_thread_ctx_free(ctx);
}

static void test_garbage(void)
{
    /* Banner then a hostile packet length, then a very long banner line. */
    uint8_t c[600];
    const char *cb = "SSH-2.0-x\r\n";
    memcpy(c, cb, strlen(cb));
    uint32_t n = (uint32_t)strlen(cb);
    c[n++] = 0xff;
    c[n++] = 0xff;
    c[n++] = 0xff;
    c[n++] = 0xff;
    c[n++] = 4;
    uint8_t s[600];
    memcpy(s, "SSH-2.0-", 8);
    memset(s + 8, 'A', 500);
    s[508] = '\n';
    struct test_segment segs[] = {{0, c, n}, {1, s, 509}};
    char *log = test_run_tcp(segs, 2, 50000, 22, -1, 0, NULL);
    CHECK(strstr(log, "anomaly ssh invalid_record") != NULL);
    CHECK(strstr(log, "anomaly ssh long_banner") != NULL);
    CHECK(strstr(log, "MEMUSE-LEAK") == NULL);
    free(log);
}

int main(void)
{
    test_session();
    test_banner_only_and_port();
    test_garbage();
    TEST_MAIN_END();
}
