/* SPDX-License-Identifier: Apache-2.0 */
/* OPC UA binary: HEL/ACK/OPN/MSG/CLO/ERR chunks, security policy None and
 * the insecure-session event (not for discovery), a multi-chunk message, an
 * encrypted channel whose bodies are not decoded, garbage resync, keywords
 * and buffers, and every split. */
#include "grid_test_util.h"
#include "test.h"

static const char none_uri[] = "http://opcfoundation.org/UA/SecurityPolicy#None";
static const char b256_uri[] = "http://opcfoundation.org/UA/SecurityPolicy#Basic256Sha256";

static void chunk(struct ics_buf *o, const char *type, char ct, const struct ics_buf *body)
{
    ics_put(o, type, 3);
    ics_u8(o, (uint8_t)ct);
    ics_le32(o, 8 + body->n);
    ics_put(o, body->b, body->n);
}

static void hello(struct ics_buf *o)
{
    struct ics_buf b = {0};
    ics_le32(&b, 0);
    ics_le32(&b, 65536);
    ics_le32(&b, 65536);
    ics_le32(&b, 0);
    ics_le32(&b, 0);
    const char *url = "opc.tcp://plc1.example:4840";
    ics_le32(&b, (uint32_t)strlen(url));
    ics_put(&b, url, (uint32_t)strlen(url));
    chunk(o, "HEL", 'F', &b);
}

static void ack(struct ics_buf *o)
{
    struct ics_buf b = {0};
    ics_le32(&b, 0);
    ics_le32(&b, 65536);
    ics_le32(&b, 65536);
    ics_le32(&b, 16777216);
    ics_le32(&b, 5000);
    chunk(o, "ACK", 'F', &b);
}

/* OPN with policy uri; for None, a plaintext OpenSecureChannel body. */
static void opn(struct ics_buf *o, uint32_t scid, const char *uri, uint16_t node, bool request)
{
    struct ics_buf b = {0};
    ics_le32(&b, scid);
    ics_le32(&b, (uint32_t)strlen(uri));
    ics_put(&b, uri, (uint32_t)strlen(uri));
    ics_le32(&b, 0xffffffff);
    ics_le32(&b, 0xffffffff);
    ics_le32(&b, 1); /* sequence number */
    ics_le32(&b, 1); /* request id */
    if (strcmp(uri, none_uri) == 0) {
        ics_u8(&b, 0x01);
        ics_u8(&b, 0x00);
        ics_le16(&b, node);
        if (request) {
            ics_hex(&b, "00 00  0000000000000000  01000000  00000000  ffffffff  10270000  00 00 00");
            ics_le32(&b, 0); /* client protocol version */
            ics_le32(&b, 0); /* issue */
            ics_le32(&b, 1); /* mode None */
            ics_le32(&b, 0); /* nonce */
            ics_le32(&b, 3600000);
        }
    } else {
        ics_hex(&b, "5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a");
    }
    chunk(o, "OPN", 'F', &b);
}

static void msg(struct ics_buf *o, const char *type, char ct, uint32_t scid, uint32_t seq,
                int node)
{
    struct ics_buf b = {0};
    ics_le32(&b, scid);
    ics_le32(&b, 1); /* token */
    ics_le32(&b, seq);
    ics_le32(&b, seq);
    if (node >= 0) {
        ics_u8(&b, 0x01);
        ics_u8(&b, 0x00);
        ics_le16(&b, (uint16_t)node);
    }
    ics_hex(&b, "0000 00000000 00000000");
    chunk(o, type, ct, &b);
}

static void test_none_channel(void)
{
    struct ics_buf c = {0}, s = {0}, c2 = {0}, s2 = {0};
    hello(&c);
    ack(&s);
    opn(&c, 0, none_uri, 446, true);
    opn(&s, 7, none_uri, 449, false);
    msg(&c2, "MSG", 'F', 7, 2, 428); /* GetEndpoints: discovery */
    msg(&c2, "MSG", 'F', 7, 3, 461); /* CreateSession */
    msg(&c2, "MSG", 'C', 7, 4, 673); /* a Write over two chunks */
    msg(&c2, "MSG", 'F', 7, 5, -1);
    msg(&c2, "CLO", 'F', 7, 6, 452);
    struct ics_buf e = {0};
    ics_le32(&e, 0x80820000);
    ics_le32(&e, 6);
    ics_put(&e, "closed", 6);
    chunk(&s2, "ERR", 'F', &e);
    struct test_segment segs[] = {{0, c.b, c.n}, {1, s.b, s.n}, {0, c2.b, c2.n}, {1, s2.b, s2.n}};
    uint16_t proto;
    char *log = test_run_tcp(segs, 4, 50000, 4840, -1, 0, &proto);
    CHECK_EQ_INT(proto, APP_PROTO_OPCUA);
    CHECK_EQ_INT(ics_count(log, "\"event_type\":\"opcua\""), 10);
    CHECK(strstr(log, "{\"msg_type\":\"HEL\",\"chunk_type\":\"F\",\"message_size\":59,"
                      "\"protocol_version\":0,\"receive_buffer_size\":65536,\"send_buffer_size\":"
                      "65536,\"max_message_size\":0,\"max_chunk_count\":0,\"endpoint_url\":"
                      "\"opc.tcp://plc1.example:4840\"}") != NULL);
    CHECK(strstr(log, "\"msg_type\":\"OPN\",\"chunk_type\":\"F\",\"message_size\":") != NULL);
    CHECK(strstr(log, "\"security_policy_uri\":\"http://opcfoundation.org/UA/SecurityPolicy#None\","
                      "\"sender_certificate_length\":-1,\"sequence_number\":1,\"request_id\":1,"
                      "\"service_id\":446,\"service\":\"OpenSecureChannelRequest\","
                      "\"security_mode\":\"none\",\"request_type\":\"issue\"}") != NULL);
    CHECK(strstr(log, "\"service_id\":449,\"service\":\"OpenSecureChannelResponse\"") != NULL);
    CHECK(strstr(log, "\"service_id\":428,\"service\":\"GetEndpointsRequest\"") != NULL);
    CHECK(strstr(log, "\"service_id\":673,\"service\":\"WriteRequest\"") != NULL);
    CHECK_EQ_INT(ics_count(log, "\"service_id\""), 6);
    CHECK(strstr(log, "\"msg_type\":\"ERR\",\"chunk_type\":\"F\",\"message_size\":22,"
                      "\"error\":2156003328,\"reason\":\"closed\"}") != NULL);
    CHECK_EQ_INT(ics_count(log, "anomaly opcua security_policy_none"), 2);
    CHECK_EQ_INT(ics_count(log, "anomaly opcua insecure_session"), 1);
    /* the insecure session is reported on CreateSession, not GetEndpoints */
    CHECK(strstr(log, "anomaly opcua insecure_session") > strstr(log, "GetEndpointsRequest"));
    CHECK(strstr(log, "MEMUSE-LEAK") == NULL);
    if (test_failures)
        fprintf(stderr, "%s\n", log);
    free(log);
    CHECK_EQ_INT(test_tcp_split_invariance(segs, 4, 50000, 4840), 0);

    char *f = ics_run_fields(segs, 4, 6, 50000, 4840);
    CHECK(strstr(f, "opcua.msg_type=5;opcua.service=446;opcua.security_mode=1;"
                    "opcua.secure_channel_id=0;opcua.security_policy="
                    "http://opcfoundation.org/UA/SecurityPolicy#None;") != NULL);
    CHECK(strstr(f, "opcua.msg_type=1;opcua.endpoint_url=opc.tcp://plc1.example:4840;") != NULL);
    CHECK(strstr(f, "opcua.msg_type=3;opcua.error=2156003328;") != NULL);
    free(f);
}

static void test_encrypted_channel(void)
{
    struct ics_buf c = {0}, s = {0};
    hello(&c);
    ack(&s);
    opn(&c, 0, b256_uri, 0, true);
    opn(&s, 9, b256_uri, 0, false);
    msg(&c, "MSG", 'F', 9, 2, 461); /* looks like CreateSession, but is ciphertext */
    ics_hex(&c, "00 11 22 33 44 55 66 77 88"); /* garbage between chunks */
    msg(&c, "CLO", 'F', 9, 3, 452);
    struct test_segment segs[] = {{0, c.b, c.n}, {1, s.b, s.n}};
    uint16_t proto;
    char *log = test_run_tcp(segs, 2, 50000, 4840, -1, 0, &proto);
    CHECK_EQ_INT(proto, APP_PROTO_OPCUA);
    CHECK(strstr(log, "\"service_id\"") == NULL);
    CHECK(strstr(log, "security_policy_none") == NULL);
    CHECK(strstr(log, "insecure_session") == NULL);
    CHECK(strstr(log, "anomaly opcua invalid_header") != NULL);
    CHECK_EQ_INT(ics_count(log, "\"msg_type\":\"CLO\""), 1);
    free(log);
    CHECK_EQ_INT(test_tcp_split_invariance(segs, 2, 50000, 4840), 0);
}

int main(void)
{
    test_none_channel();
    test_encrypted_channel();
    TEST_MAIN_END();
}
