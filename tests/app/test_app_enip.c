/* SPDX-License-Identifier: Apache-2.0 */
/* EtherNet/IP and CIP: encapsulation over TCP and UDP, RegisterSession,
 * SendRRData with a CIP request/response, ListIdentity, the EVE shape of
 * Suricata 8, the accessors, the enip keywords and buffers, split
 * invariance and garbage. */
#include "app/app_ics.h"
#include "detect/detect_tx_kw.h"
#include "ics_test_util.h"
#include "test.h"

static void le16w(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

static void le32w(uint8_t *p, uint32_t v)
{
    le16w(p, (uint16_t)v);
    le16w(p + 2, (uint16_t)(v >> 16));
}

/* Encapsulation header and payload. */
static size_t encap(uint8_t *out, uint16_t cmd, uint32_t session, uint32_t status,
                    const uint8_t *payload, size_t n)
{
    memset(out, 0, 24);
    le16w(out, cmd);
    le16w(out + 2, (uint16_t)n);
    le32w(out + 4, session);
    le32w(out + 8, status);
    memcpy(out + 12, "vigil-ct", 8);
    if (n)
        memcpy(out + 24, payload, n);
    return 24 + n;
}

/* SendRRData payload: interface handle, timeout, a null address item and
 * an unconnected data item holding cip. */
static size_t rr_data(uint8_t *out, const uint8_t *cip, size_t n)
{
    memset(out, 0, 16);
    le16w(out + 4, 5);     /* timeout */
    le16w(out + 6, 2);     /* item count */
    le16w(out + 8, 0);     /* null address */
    le16w(out + 10, 0);
    le16w(out + 12, 0xb2); /* unconnected data */
    le16w(out + 14, (uint16_t)n);
    memcpy(out + 16, cip, n);
    return 16 + n;
}

static bool kw(const char *name, const char *value, const struct app_tx *tx, uint8_t dir)
{
    const struct detect_tx_kw *k = detect_tx_kw_lookup(name);
    void *data = NULL;
    char err[128];
    if (!k || detect_tx_kw_parse(k, value, &data, err, sizeof(err)) != 0) {
        fprintf(stderr, "%s: %s does not parse\n", name, value);
        return false;
    }
    bool m = detect_tx_kw_match(k, tx, dir, data);
    detect_tx_kw_free(k, data);
    return m;
}

/* Get_Attribute_Single of class 1 instance 1 attribute 7, and its answer. */
static const uint8_t cip_req[] = {0x0e, 0x03, 0x20, 0x01, 0x24, 0x01, 0x30, 0x07};
static const uint8_t cip_resp[] = {0x8e, 0x00, 0x00, 0x00, 0x05, 'P', 'L', 'C', '-', '1'};

static size_t build_session(uint8_t *c, size_t *cn_out, uint8_t *s, size_t *sn_out)
{
    uint8_t pl[128];
    const uint8_t rs[] = {0x01, 0x00, 0x00, 0x00};
    size_t cn = encap(c, 0x65, 0, 0, rs, sizeof(rs));
    size_t sn = encap(s, 0x65, 0x11223344, 0, rs, sizeof(rs));
    size_t n = rr_data(pl, cip_req, sizeof(cip_req));
    cn += encap(c + cn, 0x6f, 0x11223344, 0, pl, n);
    n = rr_data(pl, cip_resp, sizeof(cip_resp));
    sn += encap(s + sn, 0x6f, 0x11223344, 0, pl, n);
    *cn_out = cn;
    *sn_out = sn;
    return cn + sn;
}

static void test_tcp_session(void)
{
    uint8_t c[512], sv[512];
    size_t cn, sn;
    build_session(c, &cn, sv, &sn);
    struct ics_session s;
    ics_open(&s, NULL, 6, 51000, 44818);
    /* One message at a time, so each transaction can be looked at. */
    ics_feed(&s, 0, c, 28);
    ics_feed(&s, 1, sv, 28);
    ics_feed(&s, 0, c + 28, (uint32_t)(cn - 28));
    ics_feed(&s, 1, sv + 28, (uint32_t)(sn - 28));
    const struct app_tx *tx = NULL;
    for (uint32_t i = 0; (tx = ics_tx(&s, i)) != NULL; i++) {
        const struct enip_pdu *q = enip_tx_request(tx);
        if (q && q->command == ENIP_CMD_SEND_RR_DATA)
            break;
    }
    CHECK(tx != NULL);
    if (tx) {
        const struct enip_pdu *q = enip_tx_request(tx), *r = enip_tx_response(tx);
        CHECK(q && r);
        if (q && r) {
            CHECK_EQ_INT(q->session, 0x11223344);
            CHECK_EQ_INT(q->nservices, 1);
            if (q->nservices == 1) {
                CHECK_EQ_INT(q->services[0].service, 0x0e);
                CHECK_EQ_INT(q->services[0].npath, 3);
            }
            CHECK(r->nservices == 1 && r->services[0].is_response && r->services[0].status == 0);
        }
        CHECK(kw("enip_command", "111", tx, 0));
        CHECK(kw("enip.command", "send_r_r_data", tx, 0));
        CHECK(kw("enip.command", "send_r_r_data", tx, 1));
        CHECK(!kw("enip.command", "list_identity", tx, 0));
        CHECK(kw("cip_service", "14", tx, 0));
        CHECK(kw("cip_service", "14,1", tx, 0));
        CHECK(kw("cip_service", "14,1,7", tx, 0));
        CHECK(!kw("cip_service", "14,2", tx, 0));
        CHECK(!kw("cip_service", "14,1,8", tx, 0));
        CHECK(kw("enip.cip_class", "1", tx, 0));
        CHECK(kw("enip.cip_instance", "1", tx, 0));
        CHECK(kw("enip.cip_attribute", "7", tx, 0));
        CHECK(kw("enip.cip_status", "0", tx, 1));
        CHECK(!kw("enip.cip_status", ">0", tx, 1));
        CHECK(kw("enip.status", "success", tx, 1));
    }
    char *log = ics_close(&s, NULL);
    CHECK(strstr(log, "\"event_type\":\"enip\"") != NULL);
    CHECK(strstr(log, "\"command\":\"register_session\"") != NULL);
    CHECK(strstr(log, "\"command\":\"send_r_r_data\"") != NULL);
    CHECK(strstr(log, "\"cip\":{\"service\":\"Get Attributes Single\",\"path\":[{\"segment_type\":"
                      "\"class\",\"value\":1},{\"segment_type\":\"instance\",\"value\":1},"
                      "{\"segment_type\":\"attribute\",\"value\":7}],\"class_name\":\"Identity\"}") !=
          NULL);
    CHECK(strstr(log, "\"cip\":{\"service\":\"Get Attributes Single\",\"status\":\"Success\"}") !=
          NULL);
    CHECK(strstr(log, "anomaly") == NULL);
    CHECK(strstr(log, "MEMUSE-LEAK") == NULL);
    if (getenv("ICS_TEST_VERBOSE"))
        fputs(log, stderr);
    free(log);

    struct test_segment segs[] = {{0, c, (uint32_t)cn}, {1, sv, (uint32_t)sn}};
    CHECK_EQ_INT(test_tcp_split_invariance(segs, 2, 51001, 44818), 0);
}

static void test_udp_list_identity(void)
{
    uint8_t q[64], r[256], item[128];
    size_t qn = encap(q, 0x63, 0, 0, NULL, 0);
    /* item count 1, identity item 0x0c */
    size_t n = 0;
    le16w(item, 1);
    le16w(item + 2, 0x0c);
    uint8_t *id = item + 6;
    size_t o = 0;
    le16w(id + o, 1); /* protocol version */
    o += 2;
    memset(id + o, 0, 16); /* socket address */
    id[o] = 0x00;
    id[o + 1] = 0x02;
    id[o + 2] = 0xaf;
    id[o + 3] = 0x12;
    o += 16;
    le16w(id + o, 1); /* vendor: Rockwell */
    o += 2;
    le16w(id + o, 14); /* device type: PLC */
    o += 2;
    le16w(id + o, 0x36); /* product code */
    o += 2;
    id[o++] = 20; /* revision 20.11 */
    id[o++] = 11;
    le16w(id + o, 0x0030); /* status */
    o += 2;
    le32w(id + o, 0xdeadbeef); /* serial */
    o += 4;
    const char *name = "1756-L61/B LOGIX5561";
    id[o++] = (uint8_t)strlen(name);
    memcpy(id + o, name, strlen(name));
    o += strlen(name);
    id[o++] = 3; /* state */
    le16w(item + 4, (uint16_t)o);
    n = 6 + o;
    size_t rn = encap(r, 0x63, 0, 0, item, n);

    struct ics_session s;
    ics_open(&s, NULL, 17, 52000, 44818);
    ics_feed(&s, 0, q, (uint32_t)qn);
    ics_feed(&s, 1, r, (uint32_t)rn);
    const struct app_tx *tx = ics_tx(&s, 0);
    const struct enip_pdu *p = enip_tx_response(tx);
    CHECK(p && p->has_identity);
    if (p && p->has_identity) {
        CHECK_EQ_INT(p->identity.vendor_id, 1);
        CHECK_EQ_INT(p->identity.serial, 0xdeadbeef);
        CHECK(kw("enip.vendor_id", "1", tx, 1));
        CHECK(kw("enip.device_type", "14", tx, 1));
        CHECK(kw("enip.serial", "0xdeadbeef", tx, 1));
        CHECK(kw("enip.state", "3", tx, 1));
        const uint8_t *d;
        uint32_t l;
        CHECK(app_tx_get_buffer(tx, APP_BUFFER_ENIP_PRODUCT_NAME, 0, &d, &l) == 0 &&
              l == strlen(name) && memcmp(d, name, l) == 0);
    }
    uint16_t proto = 0;
    char *log = ics_close(&s, &proto);
    CHECK_EQ_INT(proto, APP_PROTO_ENIP);
    CHECK(strstr(log, "\"command\":\"list_identity\"") != NULL);
    CHECK(strstr(log, "\"product_name\":\"1756-L61/B LOGIX5561\"") != NULL);
    CHECK(strstr(log, "\"vendor_id\":\"Rockwell Automation/Allen-Bradley\"") != NULL);
    CHECK(strstr(log, "\"revision\":\"20.11\"") != NULL);
    CHECK(strstr(log, "\"serial\":3735928559") != NULL);
    if (getenv("ICS_TEST_VERBOSE"))
        fputs(log, stderr);
    free(log);
}

static void test_garbage(void)
{
    /* Not ENIP on its port: not detected. */
    const char junk[] = "SSH-2.0-OpenSSH_9.0\r\n";
    struct test_segment g[] = {{0, (const uint8_t *)junk, sizeof(junk) - 1}};
    uint16_t proto = 0;
    char *log = test_run_tcp(g, 1, 51002, 44818, -1, 0, &proto);
    CHECK(proto != APP_PROTO_ENIP);
    free(log);

    /* A valid header then random bytes: no crash, no leak. */
    uint8_t c[512], sv[512], rnd[2048];
    size_t cn, sn;
    build_session(c, &cn, sv, &sn);
    memcpy(rnd, c, cn);
    uint32_t x = 777;
    for (size_t i = cn; i < sizeof(rnd); i++) {
        x = x * 1103515245u + 12345u;
        rnd[i] = (uint8_t)(x >> 16);
    }
    struct test_segment r[] = {{0, rnd, sizeof(rnd)}, {1, rnd, sizeof(rnd)}};
    log = test_run_tcp(r, 2, 51003, 44818, -1, 0, NULL);
    CHECK(strstr(log, "MEMUSE-LEAK") == NULL);
    free(log);
}

int main(void)
{
    test_tcp_session();
    test_udp_list_identity();
    test_garbage();
    TEST_MAIN_END();
}
