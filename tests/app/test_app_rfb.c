/* SPDX-License-Identifier: Apache-2.0 */
/* RFB (VNC), hand-built handshakes: 3.8 with VNC authentication up to
 * ServerInit (EVE shape, split at every offset, the client's bytes arriving
 * before their turn), 3.3 where the server picks the type, a 3.8 failure
 * with its reason, an unsupported security type (unimplemented_security_type)
 * and a malformed version. */
#include "app/app_buffer.h"
#include "app/app_parser.h"
#include "app_test_util.h"
#include "test.h"

static const uint8_t challenge[16] = {0x1d, 0x03, 0xc5, 0x7f, 0x2d, 0xff, 0xcc, 0x72,
                                      0xa5, 0xae, 0x3a, 0xd5, 0x59, 0xc9, 0xc3, 0xdb};
static const uint8_t response[16] = {0x54, 0x7b, 0x7a, 0x6f, 0x36, 0xa1, 0x54, 0xdb,
                                     0x03, 0xa2, 0x57, 0x5c, 0x6f, 0x2a, 0x4e, 0xc5};
static const uint8_t types[] = {0x01, 0x02};
static const uint8_t select2[] = {0x02};
static const uint8_t ok[] = {0, 0, 0, 0};
static const uint8_t shared[] = {0x01};
/* 1024x768, 32 bpp, depth 24, little endian, true colour, 255/255/255, shifts 16/8/0, "desk" */
static const uint8_t server_init[] = {0x04, 0x00, 0x03, 0x00, 32,   24, 0, 1, 0, 255, 0, 255,
                                      0,    255,  16,   8,    0,    0,  0, 0, 0, 0,   0, 4,
                                      'd',  'e',  's',  'k'};

static void test_vnc_auth(void)
{
    struct test_segment segs[] = {
        {1, (const uint8_t *)"RFB 003.008\n", 12},
        {0, (const uint8_t *)"RFB 003.008\n", 12},
        {1, types, sizeof(types)},
        {0, select2, sizeof(select2)},
        {1, challenge, 16},
        {0, response, 16},
        {1, ok, 4},
        {0, shared, 1},
        {1, server_init, sizeof(server_init)},
    };
    uint16_t proto = 0;
    char *log = test_run_tcp(segs, 9, 50000, 5900, -1, 0, &proto);
    CHECK_EQ_INT(proto, APP_PROTO_RFB);
    CHECK(strstr(log, "\"rfb\":{\"server_protocol_version\":{\"major\":\"003\",\"minor\":\"008\"},"
                      "\"client_protocol_version\":{\"major\":\"003\",\"minor\":\"008\"},"
                      "\"authentication\":{\"security_type\":2,\"vnc\":{\"challenge\":"
                      "\"1d03c57f2dffcc72a5ae3ad559c9c3db\",\"response\":"
                      "\"547b7a6f36a154db03a2575c6f2a4ec5\"},\"security_result\":\"OK\"},"
                      "\"screen_shared\":true,\"framebuffer\":{\"width\":1024,\"height\":768,"
                      "\"name\":\"desk\",\"pixel_format\":{\"bits_per_pixel\":32,\"depth\":24,"
                      "\"big_endian\":false,\"true_color\":true,\"red_max\":255,\"green_max\":255,"
                      "\"blue_max\":255,\"red_shift\":16,\"green_shift\":8,\"blue_shift\":0}}}") !=
          NULL);
    CHECK(strstr(log, "anomaly") == NULL);
    CHECK(strstr(log, "MEMUSE-LEAK") == NULL);
    if (test_failures)
        fprintf(stderr, "%s\n", log);
    CHECK_EQ_INT(test_tcp_split_invariance(segs, 9, 50000, 5900), 0);

    /* The client sends its version and choice early (before the server's
     * list): the bytes wait for their turn, the log is the same. */
    uint8_t early[13];
    memcpy(early, "RFB 003.008\n", 12);
    early[12] = 0x02;
    struct test_segment eager[] = {
        {1, (const uint8_t *)"RFB 003.008\n", 12},
        {0, early, 13},
        {1, types, sizeof(types)},
        {1, challenge, 16},
        {0, response, 16},
        {1, ok, 4},
        {0, shared, 1},
        {1, server_init, sizeof(server_init)},
    };
    char *log2 = test_run_tcp(eager, 8, 50000, 5900, -1, 0, NULL);
    CHECK_EQ_STR(log2, log);
    free(log2);
    free(log);
}

static void test_v33_and_failures(void)
{
    static const uint8_t type2[] = {0, 0, 0, 2};
    struct test_segment v33[] = {
        {1, (const uint8_t *)"RFB 003.003\n", 12}, {0, (const uint8_t *)"RFB 003.003\n", 12},
        {1, type2, 4},                               {1, challenge, 16},
        {0, response, 16},                           {1, (const uint8_t *)"\0\0\0\1", 4},
    };
    char *log = test_run_tcp(v33, 6, 50000, 5900, -1, 0, NULL);
    CHECK(strstr(log, "\"authentication\":{\"security_type\":2,\"vnc\":{") != NULL);
    CHECK(strstr(log, "\"security_result\":\"FAIL\"") != NULL);
    CHECK(strstr(log, "framebuffer") == NULL);
    free(log);

    /* 3.8: no security type offered, a reason instead */
    static const uint8_t none[] = {0, 0, 0, 0, 4, 'n', 'o', 'p', 'e'};
    struct test_segment refused[] = {
        {1, (const uint8_t *)"RFB 003.008\n", 12},
        {0, (const uint8_t *)"RFB 003.008\n", 12},
        {1, none, sizeof(none)},
    };
    log = test_run_tcp(refused, 3, 50000, 5900, -1, 0, NULL);
    CHECK(strstr(log, "\"server_security_failure_reason\":\"nope\"") != NULL);
    free(log);

    /* Apple's 3.889 with its type 30: not followed further */
    static const uint8_t apple[] = {0x02, 0x1e, 0x23};
    static const uint8_t pick30[] = {0x1e};
    struct test_segment unimpl[] = {
        {1, (const uint8_t *)"RFB 003.889\n", 12},
        {0, (const uint8_t *)"RFB 003.008\n", 12},
        {1, apple, sizeof(apple)},
        {0, pick30, 1},
        {1, challenge, 16},
    };
    uint16_t proto = 0;
    log = test_run_tcp(unimpl, 5, 50000, 5900, -1, 0, &proto);
    CHECK_EQ_INT(proto, APP_PROTO_RFB);
    CHECK(strstr(log, "anomaly rfb unimplemented_security_type") != NULL);
    CHECK(strstr(log, "\"minor\":\"889\"") != NULL);
    CHECK(strstr(log, "\"authentication\":{\"security_type\":30}") != NULL);
    CHECK(strstr(log, "MEMUSE-LEAK") == NULL);
    free(log);

    /* A version line that is not one, after a good one */
    struct test_segment bad[] = {
        {1, (const uint8_t *)"RFB 003.008\n", 12},
        {0, (const uint8_t *)"RFB 3.8\n\n\n\n\n", 12},
    };
    log = test_run_tcp(bad, 2, 50000, 5900, -1, 0, NULL);
    CHECK(strstr(log, "anomaly rfb malformed_message") != NULL);
    CHECK(strstr(log, "MEMUSE-LEAK") == NULL);
    free(log);
}

int main(void)
{
    test_vnc_auth();
    test_v33_and_failures();
    TEST_MAIN_END();
}
