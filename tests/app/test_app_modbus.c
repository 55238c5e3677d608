/* SPDX-License-Identifier: Apache-2.0 */
/* Modbus/TCP: request/response matching, EVE shape (sawp's flag strings),
 * exceptions, validation events, the request flood, the app_ics.h
 * accessors, the modbus keyword, split invariance and garbage. */
#include "app/app_ics.h"
#include "detect/detect_tx_kw.h"
#include "ics_test_util.h"
#include "test.h"

/* One ADU: MBAP header (length computed) and PDU. */
static size_t adu(uint8_t *out, uint16_t tid, uint8_t unit, const uint8_t *pdu, size_t n)
{
    out[0] = (uint8_t)(tid >> 8);
    out[1] = (uint8_t)tid;
    out[2] = out[3] = 0;
    out[4] = (uint8_t)((n + 1) >> 8);
    out[5] = (uint8_t)(n + 1);
    out[6] = unit;
    memcpy(out + 7, pdu, n);
    return n + 7;
}

static const uint8_t rd_req[] = {0x03, 0x00, 0x10, 0x00, 0x02};
static const uint8_t rd_resp[] = {0x03, 0x04, 0x00, 0x0a, 0x00, 0x0b};
static const uint8_t wm_req[] = {0x10, 0x00, 0x20, 0x00, 0x02, 0x04, 0x01, 0x02, 0x03, 0x04};
static const uint8_t wm_resp[] = {0x10, 0x00, 0x20, 0x00, 0x02};
static const uint8_t ws_req[] = {0x05, 0x00, 0x07, 0xff, 0x00};
static const uint8_t exc_resp[] = {0x85, 0x02};

static bool kw(const char *name, const char *value, const struct app_tx *tx, uint8_t dir)
{
    const struct detect_tx_kw *k = detect_tx_kw_lookup(name);
    void *data = NULL;
    char err[128];
    if (!k || detect_tx_kw_parse(k, value, &data, err, sizeof(err)) != 0) {
        fprintf(stderr, "%s: %s does not parse: %s\n", name, value, err);
        return false;
    }
    bool m = detect_tx_kw_match(k, tx, dir, data);
    detect_tx_kw_free(k, data);
    return m;
}

static bool kw_rejects(const char *name, const char *value)
{
    const struct detect_tx_kw *k = detect_tx_kw_lookup(name);
    void *data = NULL;
    char err[128];
    return k && detect_tx_kw_parse(k, value, &data, err, sizeof(err)) != 0;
}

static void test_exchange(void)
{
    uint8_t c[256], sv[256];
    size_t cn = 0, sn = 0;
    cn += adu(c + cn, 1, 1, rd_req, sizeof(rd_req));
    sn += adu(sv + sn, 1, 1, rd_resp, sizeof(rd_resp));
    struct ics_session s;
    ics_open(&s, NULL, 6, 40000, 502);
    ics_feed(&s, 0, c, (uint32_t)cn);
    ics_feed(&s, 1, sv, (uint32_t)sn);
    const struct app_tx *tx = ics_tx(&s, 0);
    const struct modbus_msg *q = modbus_tx_request(tx), *r = modbus_tx_response(tx);
    CHECK(q && r);
    if (q && r) {
        CHECK_EQ_INT(q->function_code, MODBUS_FUNC_RD_HOLD_REGS);
        CHECK_EQ_INT(q->read_address, 16);
        CHECK_EQ_INT(q->read_quantity, 2);
        uint16_t first = 0, last = 0;
        CHECK(modbus_msg_address_range(q, &first, &last) && first == 17 && last == 18);
        CHECK_EQ_INT(r->data_len, 4);
        CHECK(kw("modbus", "function 3", tx, 0));
        CHECK(!kw("modbus", "function 4", tx, 0));
        CHECK(kw("modbus", "function !reserved", tx, 0));
        CHECK(kw("modbus", "access read holding", tx, 0));
        CHECK(kw("modbus", "access read holding, address 17", tx, 0));
        CHECK(kw("modbus", "access read, address >16", tx, 0));
        CHECK(!kw("modbus", "access read holding, address 30", tx, 0));
        CHECK(!kw("modbus", "access write", tx, 0));
        CHECK(kw("modbus", "unit 1, function 3", tx, 0));
        CHECK(!kw("modbus", "unit 2", tx, 0));
    }
    /* write multiple, then a single coil write answered by an exception */
    cn = adu(c, 2, 1, wm_req, sizeof(wm_req));
    cn += adu(c + cn, 3, 1, ws_req, sizeof(ws_req));
    sn = adu(sv, 2, 1, wm_resp, sizeof(wm_resp));
    sn += adu(sv + sn, 3, 1, exc_resp, sizeof(exc_resp));
    ics_feed(&s, 0, c, (uint32_t)cn);
    tx = ics_tx(&s, 0);
    q = modbus_tx_request(tx);
    CHECK(q != NULL);
    if (q) {
        uint16_t v = 0;
        CHECK(modbus_msg_write_value_at(q, 34, &v) && v == 0x0304);
        CHECK(kw("modbus", "access write holding, address 33", tx, 0));
        CHECK(kw("modbus", "access write, address 34, value 772", tx, 0));
        CHECK(!kw("modbus", "access write, address 34, value 773", tx, 0));
    }
    ics_feed(&s, 1, sv, (uint32_t)sn);
    char *log = ics_close(&s, NULL);
    CHECK(strstr(log, "\"modbus\":{\"id\":1,\"request\":{\"transaction_id\":1,\"protocol_id\":0,"
                      "\"unit_id\":1,\"function_raw\":3,\"function_code\":\"RdHoldRegs\","
                      "\"access_type\":\"READ | HOLDING\",\"category\":\"PUBLIC_ASSIGNED\","
                      "\"error_flags\":\"NONE\",\"read\":{\"address\":16,\"quantity\":2}},"
                      "\"response\":{") != NULL);
    CHECK(strstr(log, "\"write\":{\"address\":32,\"quantity\":2,\"data\":") != NULL);
    CHECK(strstr(log, "\"access_type\":\"WRITE | COILS | SINGLE | WRITE_SINGLE\"") != NULL);
    CHECK(strstr(log, "\"exception\":{\"raw\":2,\"code\":\"IllegalDataAddr\"}") != NULL);
    CHECK_EQ_INT(ics_count(log, "\"event_type\":\"modbus\""), 3);
    /* sawp (Suricata's Modbus parser) checks a read response's byte count
     * against the quantity as if every read were of bits, so a register
     * read of 2 answered with 4 octets is flagged; Suricata raises
     * value_mismatch there and so does vigil. */
    CHECK(strstr(log, "\"error_flags\":\"DATA_VALUE\",\"read\":{\"data\":") != NULL);
    CHECK_EQ_INT(ics_count(log, "anomaly modbus"), 1);
    CHECK_EQ_INT(ics_count(log, "anomaly modbus value_mismatch"), 1);
    CHECK(strstr(log, "MEMUSE-LEAK") == NULL);
    free(log);

    /* Values the keyword refuses, as Suricata does. */
    CHECK(kw_rejects("modbus", "function 256"));
    CHECK(kw_rejects("modbus", "access sideways"));
    CHECK(kw_rejects("modbus", "unit"));
}

static void test_events_and_flood(void)
{
    uint8_t c[512], sv[64];
    size_t cn = 0;
    /* a read of 0 registers (invalid value), function code 0 (invalid) */
    const uint8_t zero[] = {0x03, 0x00, 0x00, 0x00, 0x00};
    const uint8_t unknown[] = {0x00, 0x00};
    cn += adu(c + cn, 10, 1, zero, sizeof(zero));
    cn += adu(c + cn, 11, 1, unknown, sizeof(unknown));
    /* a response nobody asked for */
    size_t sn = adu(sv, 99, 1, rd_resp, sizeof(rd_resp));
    struct test_segment segs[] = {{0, c, (uint32_t)cn}, {1, sv, (uint32_t)sn}};
    char *log = test_run_tcp(segs, 2, 40001, 502, -1, 0, NULL);
    CHECK(strstr(log, "anomaly modbus invalid_value") != NULL);
    CHECK(strstr(log, "anomaly modbus invalid_function_code") != NULL);
    CHECK(strstr(log, "anomaly modbus unsolicited_response") != NULL);
    CHECK(strstr(log, "\"error_flags\":\"DATA_VALUE\"") != NULL);
    free(log);

    /* request-flood 2: the third unanswered request is flagged */
    struct app_layer_config cfg;
    app_layer_config_load(&cfg, NULL);
    cfg.ics.modbus_request_flood = 2;
    struct ics_session s;
    ics_open(&s, &cfg, 6, 40002, 502);
    cn = 0;
    for (uint16_t i = 0; i < 4; i++)
        cn += adu(c + cn, i, 1, rd_req, sizeof(rd_req));
    ics_feed(&s, 0, c, (uint32_t)cn);
    log = ics_close(&s, NULL);
    CHECK_EQ_INT(ics_count(log, "anomaly modbus flooded"), 1);
    CHECK_EQ_INT(ics_count(log, "\"event_type\":\"modbus\""), 3); /* the fourth is dropped */
    CHECK(strstr(log, "MEMUSE-LEAK") == NULL);
    free(log);
}

static void test_split_and_garbage(void)
{
    uint8_t c[256], sv[256];
    size_t cn = 0, sn = 0;
    cn += adu(c + cn, 1, 1, rd_req, sizeof(rd_req));
    cn += adu(c + cn, 2, 1, wm_req, sizeof(wm_req));
    sn += adu(sv + sn, 1, 1, rd_resp, sizeof(rd_resp));
    sn += adu(sv + sn, 2, 1, wm_resp, sizeof(wm_resp));
    struct test_segment segs[] = {{0, c, (uint32_t)cn}, {1, sv, (uint32_t)sn}};
    CHECK_EQ_INT(test_tcp_split_invariance(segs, 2, 40003, 502), 0);

    /* Not Modbus on its port (protocol id 0x4854): not detected. */
    const char junk[] = "HTTP/1.1 200 OK\r\n\r\n";
    struct test_segment g[] = {{0, (const uint8_t *)junk, sizeof(junk) - 1}};
    uint16_t proto = 0;
    char *log = test_run_tcp(g, 1, 40004, 502, -1, 0, &proto);
    CHECK(proto != APP_PROTO_MODBUS);
    free(log);

    /* Modbus bytes on another port: Suricata detects Modbus by port only. */
    log = test_run_tcp(segs, 2, 40005, 5020, -1, 0, &proto);
    CHECK(proto != APP_PROTO_MODBUS);
    free(log);

    /* A length outside 2..254 is an invalid_length error whose bytes are
     * skipped; the ADU after them parses. */
    uint8_t bad[600];
    memset(bad, 0, sizeof(bad));
    size_t bn = adu(bad, 6, 1, rd_req, sizeof(rd_req));
    size_t at = bn;
    bn += adu(bad + bn, 7, 1, rd_req, sizeof(rd_req));
    bad[at + 4] = 0x01;
    bad[at + 5] = 0x00; /* 256 */
    bn = at + 6 + 256;
    bn += adu(bad + bn, 8, 1, rd_req, sizeof(rd_req));
    struct test_segment b[] = {{0, bad, (uint32_t)bn}};
    log = test_run_tcp(b, 1, 40006, 502, -1, 0, NULL);
    CHECK(strstr(log, "anomaly modbus invalid_length") != NULL);
    CHECK(strstr(log, "\"transaction_id\":8,") != NULL);
    CHECK(strstr(log, "MEMUSE-LEAK") == NULL);
    free(log);
}

int main(void)
{
    test_exchange();
    test_events_and_flood();
    test_split_and_garbage();
    TEST_MAIN_END();
}
