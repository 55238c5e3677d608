/* SPDX-License-Identifier: Apache-2.0 */
/* SNMP, hand-built datagrams: a v2c get-next and its response (EVE shape,
 * version 2, community, vars), a v1 trap (trap type, enterprise OID, agent
 * address), a v3 message with USM and an encrypted one; every truncation of
 * a datagram either decodes or raises malformed_data, never more, and the
 * memory accounting ends at zero. */
#include "app/app_buffer.h"
#include "app/app_parser.h"
#include "app_test_util.h"
#include "ber_build.h"
#include "test.h"

/* 1.3.6.1.2.1.1.5.0 (sysName.0) */
static const uint8_t sysname[] = {0x2b, 6, 1, 2, 1, 1, 5, 0};

static void v2c(struct berb *b, uint8_t pdu, uint32_t reqid, uint32_t err)
{
    berb_open(b, 0x30);
    berb_int(b, 0x02, 1);
    berb_str(b, 0x04, "n0t-public");
    berb_open(b, pdu);
    berb_int(b, 0x02, reqid);
    berb_int(b, 0x02, err);
    berb_int(b, 0x02, 0);
    berb_open(b, 0x30);
    berb_open(b, 0x30);
    berb_prim(b, 0x06, sysname, sizeof(sysname));
    if (pdu == 0xa2)
        berb_str(b, 0x04, "router1");
    else
        berb_prim(b, 0x05, "", 0);
    berb_close(b);
    berb_close(b);
    berb_close(b);
    berb_close(b);
}

static void v1_trap(struct berb *b)
{
    static const uint8_t ent[] = {0x2b, 6, 1, 4, 1, 0x81, 0x8b, 0x1f, 2}; /* 1.3.6.1.4.1.17823.2 */
    static const uint8_t addr[] = {192, 0, 2, 7};
    berb_open(b, 0x30);
    berb_int(b, 0x02, 0);
    berb_str(b, 0x04, "traps");
    berb_open(b, 0xa4);
    berb_prim(b, 0x06, ent, sizeof(ent));
    berb_prim(b, 0x40, addr, 4);
    berb_int(b, 0x02, 3); /* linkUp */
    berb_int(b, 0x02, 0);
    berb_int(b, 0x43, 1234);
    berb_open(b, 0x30);
    berb_close(b);
    berb_close(b);
    berb_close(b);
}

static void v3(struct berb *b, bool encrypted)
{
    berb_open(b, 0x30);
    berb_int(b, 0x02, 3);
    berb_open(b, 0x30);
    berb_int(b, 0x02, 77);
    berb_int(b, 0x02, 65507);
    berb_prim(b, 0x04, encrypted ? "\x07" : "\x04", 1);
    berb_int(b, 0x02, 3);
    berb_close(b);
    /* msgSecurityParameters: an OCTET STRING holding the USM SEQUENCE */
    struct berb usm = {0};
    berb_open(&usm, 0x30);
    berb_str(&usm, 0x04, "engine");
    berb_int(&usm, 0x02, 1);
    berb_int(&usm, 0x02, 2);
    berb_str(&usm, 0x04, "operator");
    berb_str(&usm, 0x04, "");
    berb_str(&usm, 0x04, "");
    berb_close(&usm);
    berb_prim(b, 0x04, usm.d, usm.n);
    if (encrypted) {
        berb_str(b, 0x04, "\x11\x22\x33\x44\x55\x66\x77\x88");
    } else {
        berb_open(b, 0x30);
        berb_str(b, 0x04, "engine");
        berb_str(b, 0x04, "");
        berb_open(b, 0xa5); /* get-bulk */
        berb_int(b, 0x02, 9);
        berb_int(b, 0x02, 0);
        berb_int(b, 0x02, 10);
        berb_open(b, 0x30);
        berb_close(b);
        berb_close(b);
        berb_close(b);
    }
    berb_close(b);
}

struct run {
    char *log;
    unsigned events, anomalies;
    uint16_t proto;
};

/* The datagrams m (directions dirs) of one flow; the last one cut to
 * trunc_last bytes when that is not 0. */
static void run_udp(struct run *r, uint16_t dport, const struct berb *const *m, const uint8_t *dirs,
                    size_t n, uint32_t trunc_last)
{
    struct test_segment dg[4];
    for (size_t i = 0; i < n && i < 4; i++) {
        uint32_t len = i + 1 == n && trunc_last ? trunc_last : m[i]->n;
        dg[i] = (struct test_segment){dirs[i], m[i]->d, len};
    }
    r->log = test_run_udp(dg, n < 4 ? n : 4, 40000, dport, &r->proto, &r->events, &r->anomalies);
    CHECK(strstr(r->log, "MEMUSE-LEAK") == NULL);
}

static void test_v2c_and_trap(void)
{
    struct berb q = {0}, a = {0}, t = {0};
    v2c(&q, 0xa1, 4242, 0);
    v2c(&a, 0xa2, 4242, 2);
    const struct berb *m[] = {&q, &a};
    const uint8_t dirs[] = {0, 1};
    struct run r;
    run_udp(&r, 161, m, dirs, 2, 0);
    CHECK_EQ_INT(r.proto, APP_PROTO_SNMP);
    CHECK_EQ_INT(r.events, 2);
    CHECK(strstr(r.log, "\"snmp\":{\"version\":2,\"pdu_type\":\"get_next_request\","
                            "\"vars\":[\"1.3.6.1.2.1.1.5.0\"],\"community\":\"n0t-public\"}") !=
          NULL);
    CHECK(strstr(r.log, "\"pdu_type\":\"response\",\"error\":\"NoSuchName\"") != NULL);
    CHECK_EQ_INT(r.anomalies, 0);
    free(r.log);

    v1_trap(&t);
    const struct berb *tm[] = {&t};
    run_udp(&r, 162, tm, dirs, 1, 0);
    CHECK_EQ_INT(r.proto, APP_PROTO_SNMP);
    CHECK(strstr(r.log, "\"snmp\":{\"version\":1,\"pdu_type\":\"trap_v1\",\"trap_type\":"
                            "\"LinkUp\",\"trap_oid\":\"1.3.6.1.4.1.17823.2\",\"trap_address\":"
                            "\"192.0.2.7\",\"community\":\"traps\"}") != NULL);
    if (test_failures)
        fprintf(stderr, "%s\n", r.log);
    free(r.log);
}

static void test_v3(void)
{
    struct berb plain = {0}, enc = {0};
    v3(&plain, false);
    v3(&enc, true);
    const struct berb *m[] = {&plain, &enc};
    const uint8_t dirs[] = {0, 0};
    struct run r;
    run_udp(&r, 161, m, dirs, 2, 0);
    CHECK_EQ_INT(r.proto, APP_PROTO_SNMP);
    CHECK(strstr(r.log, "\"snmp\":{\"version\":3,\"pdu_type\":\"get_bulk_request\","
                            "\"usm\":\"operator\"}") != NULL);
    CHECK(strstr(r.log, "\"snmp\":{\"version\":3,\"pdu_type\":\"encrypted\"}") != NULL);
    CHECK_EQ_INT(r.anomalies, 0);
    if (test_failures)
        fprintf(stderr, "%s\n", r.log);
    free(r.log);
}

/* Every truncation of the second datagram of a flow (the first one decoded
 * and detected the protocol): a truncated BER message never decodes, so
 * each raises malformed_data once and logs nothing more. */
static void test_truncations(void)
{
    struct berb q = {0}, a = {0};
    v2c(&q, 0xa0, 1, 0);
    v2c(&a, 0xa2, 1, 0);
    const struct berb *m[] = {&q, &a};
    const uint8_t dirs[] = {0, 1};
    for (uint32_t k = 1; k < a.n; k++) {
        struct run r;
        run_udp(&r, 161, m, dirs, 2, k);
        CHECK_EQ_INT(r.events, 1);
        CHECK_EQ_INT(r.anomalies, 1);
        CHECK(strstr(r.log, "anomaly snmp malformed_data") != NULL);
        free(r.log);
    }
}

int main(void)
{
    test_v2c_and_trap();
    test_v3();
    test_truncations();
    TEST_MAIN_END();
}
