/* SPDX-License-Identifier: Apache-2.0 */
/* BACnet/IP: BVLC functions, NPDU with remote networks and network-layer
 * messages, the APDU types (confirmed request, unconfirmed, simple and
 * complex ACK with segmentation, segment ACK, error, reject, abort), object
 * and property, a wrong BVLC length, malformed NPDU/APDU, and keywords. */
#include "grid_test_util.h"
#include "test.h"

static void msg(struct ics_buf *o, uint8_t fn, const char *npdu_hex)
{
    struct ics_buf n = {0};
    ics_hex(&n, npdu_hex);
    o->n = 0;
    ics_u8(o, 0x81);
    ics_u8(o, fn);
    ics_be16(o, (uint16_t)(4 + n.n));
    ics_put(o, n.b, n.n);
}

static void test_messages(void)
{
    struct ics_buf m[12];
    memset(m, 0, sizeof m);
    /* who-Is broadcast; i-Am of device 1234 */
    msg(&m[0], 0x0b, "01 20 ff ff 00 ff 10 08");
    msg(&m[1], 0x0a, "01 00 10 00 c4 02 00 04 d2 22 05 c4 91 03 22 01 04");
    /* readProperty analog-input 1 present-value (85), invoke 3, expecting reply */
    msg(&m[2], 0x0a, "01 04 00 05 03 0c 0c 00 00 00 01 19 55");
    /* complex ACK, segmented, first segment */
    msg(&m[3], 0x0a, "01 00 3c 03 00 04 0c 0c 00 00 00 01 19 55 3e 44 41 20 00 00 3f");
    /* segment ACK; simple ACK of writeProperty; error; reject; abort */
    msg(&m[4], 0x0a, "01 00 40 03 00 04");
    msg(&m[5], 0x0a, "01 00 20 04 0f");
    msg(&m[6], 0x0a, "01 00 50 05 0f 91 02 91 28");
    msg(&m[7], 0x0a, "01 00 60 06 09");
    msg(&m[8], 0x0a, "01 00 71 07 04");
    /* network message (who-is-router-to-network) and a forwarded NPDU */
    msg(&m[9], 0x0b, "01 80 00");
    msg(&m[10], 0x04, "c0 a8 01 02 ba c0 01 00 10 08");
    /* register foreign device (TTL 60) with a BVLC length that is wrong */
    msg(&m[11], 0x05, "00 3c");
    m[11].b[3] = 9;
    struct test_segment segs[12];
    for (int i = 0; i < 12; i++) {
        segs[i].direction = (uint8_t)(i % 2);
        segs[i].data = m[i].b;
        segs[i].len = m[i].n;
    }
    uint16_t proto;
    char *log = ics_run_udp(segs, 12, 47808, 47808, &proto);
    CHECK_EQ_INT(proto, APP_PROTO_BACNET);
    CHECK_EQ_INT(ics_count(log, "\"event_type\":\"bacnet\""), 12);
    CHECK(strstr(log, "\"bacnet\":{\"bvlc_function\":\"original_broadcast_npdu\",\"bvlc_length\":12,"
                      "\"npdu\":{\"control\":32,\"dnet\":65535},\"apdu\":{\"type\":"
                      "\"unconfirmed_request\",\"service\":\"who-Is\"}}") != NULL);
    CHECK(strstr(log, "\"service\":\"i-Am\",\"object_type\":8,\"instance\":1234") != NULL);
    CHECK(strstr(log, "\"apdu\":{\"type\":\"confirmed_request\",\"service\":\"readProperty\","
                      "\"invoke_id\":3,\"object_type\":0,\"instance\":1,\"property\":85}") != NULL);
    CHECK(strstr(log, "\"type\":\"complex_ack\",\"service\":\"readProperty\",\"invoke_id\":3,"
                      "\"segmented\":true,\"more_follows\":true,\"sequence\":0,\"window\":4,"
                      "\"object_type\":0,\"instance\":1,\"property\":85}") != NULL);
    CHECK(strstr(log, "\"type\":\"segment_ack\",\"invoke_id\":3,\"segmented\":false,"
                      "\"more_follows\":false,\"sequence\":0,\"window\":4}") != NULL);
    CHECK(strstr(log, "{\"type\":\"simple_ack\",\"service\":\"writeProperty\",\"invoke_id\":4}") !=
          NULL);
    CHECK(strstr(log, "{\"type\":\"error\",\"service\":\"writeProperty\",\"invoke_id\":5,"
                      "\"error_class\":2,\"error_code\":40}") != NULL);
    CHECK(strstr(log, "{\"type\":\"reject\",\"invoke_id\":6,\"reject_reason\":9}") != NULL);
    CHECK(strstr(log, "{\"type\":\"abort\",\"invoke_id\":7,\"abort_reason\":4}") != NULL);
    CHECK(strstr(log, "\"npdu\":{\"control\":128,\"message_type\":0}") != NULL);
    CHECK(strstr(log, "\"bvlc_function\":\"forwarded_npdu\",\"bvlc_length\":14,\"npdu\":{\"control\":0}"
                      ",\"apdu\":{\"type\":\"unconfirmed_request\",\"service\":\"who-Is\"}") != NULL);
    CHECK(strstr(log, "\"bvlc_function\":\"register_foreign_device\"") != NULL);
    CHECK(strstr(log, "anomaly bacnet length_mismatch") != NULL);
    CHECK(strstr(log, "MEMUSE-LEAK") == NULL);
    if (test_failures)
        fprintf(stderr, "%s\n", log);
    free(log);

    char *f = ics_run_fields(segs, 12, 17, 47808, 47808);
    CHECK(strstr(f, "bacnet.bvlc_function=10;bacnet.apdu_type=0;bacnet.service=12;"
                    "bacnet.invoke_id=3;bacnet.object_type=0;bacnet.instance=1;"
                    "bacnet.property=85;") != NULL);
    CHECK(strstr(f, "bacnet.error_class=2;bacnet.error_code=40;") != NULL);
    CHECK(strstr(f, "bacnet.network_message=0;") != NULL);
    free(f);
}

static void test_malformed(void)
{
    struct ics_buf a = {0}, b = {0}, c = {0};
    msg(&a, 0x0a, "01 04 00 05 03 0c 0c 00 00 00 01 19 55");
    msg(&b, 0x0a, "01 20 ff");        /* DNET cut short */
    msg(&c, 0x0a, "01 04 00");        /* confirmed request cut short */
    uint8_t notb[] = {0x82, 0x0a, 0x00, 0x04};
    struct test_segment segs[] = {{0, a.b, a.n}, {0, b.b, b.n}, {0, c.b, c.n}, {0, notb, 4}};
    uint16_t proto;
    char *log = ics_run_udp(segs, 4, 50000, 47808, &proto);
    CHECK_EQ_INT(proto, APP_PROTO_BACNET);
    CHECK(strstr(log, "anomaly bacnet malformed_npdu") != NULL);
    CHECK(strstr(log, "anomaly bacnet malformed_apdu") != NULL);
    CHECK(strstr(log, "anomaly bacnet invalid_bvlc") != NULL);
    free(log);
    /* a datagram that is not BACnet/IP on the port is not taken for it */
    uint8_t dns[] = {0x12, 0x34, 0x01, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00};
    struct test_segment s2[] = {{0, dns, sizeof dns}};
    log = ics_run_udp(s2, 1, 50000, 47808, &proto);
    CHECK(proto != APP_PROTO_BACNET);
    free(log);
}

int main(void)
{
    test_messages();
    test_malformed();
    TEST_MAIN_END();
}
