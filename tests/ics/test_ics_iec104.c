/* SPDX-License-Identifier: Apache-2.0 */
/* IEC 60870-5-104: U/S/I frames, ASDU fields and IOAs, SQ=1, truncated and
 * malformed frames, sequence gaps, detection by content on another port,
 * integer keywords, and the same log at every split of every segment. */
#include "grid_test_util.h"
#include "test.h"

/* An I frame carrying one ASDU. */
static void iframe(struct ics_buf *o, uint16_t ns, uint16_t nr, const char *asdu_hex)
{
    struct ics_buf a = {0};
    ics_hex(&a, asdu_hex);
    ics_u8(o, 0x68);
    ics_u8(o, (uint8_t)(4 + a.n));
    ics_u8(o, (uint8_t)(ns << 1));
    ics_u8(o, (uint8_t)(ns >> 7));
    ics_u8(o, (uint8_t)(nr << 1));
    ics_u8(o, (uint8_t)(nr >> 7));
    ics_put(o, a.b, a.n);
}

static void test_session(void)
{
    struct ics_buf c = {0}, s = {0}, c2 = {0}, s2 = {0};
    ics_hex(&c, "68 04 07 00 00 00");           /* STARTDT act */
    ics_hex(&s, "68 04 0b 00 00 00");           /* STARTDT con */
    /* C_IC_NA_1 interrogation, act, CA 3, IOA 0, QOI 20 */
    iframe(&c2, 0, 0, "64 01 06 00 03 00 00 00 00 14");
    /* M_ME_NC_1 two floats, spont, CA 3, IOAs 1300 and 1301; then an S frame */
    iframe(&s2, 0, 1, "0d 02 03 00 03 00 14 05 00 00 00 80 3f 00  15 05 00 00 00 00 40 00");
    ics_hex(&s2, "68 04 01 00 02 00");
    /* C_SC_NA_1 single command, act, CA 3, IOA 5000 */
    iframe(&c2, 1, 1, "2d 01 06 00 03 00 88 13 00 81");
    struct test_segment segs[] = {
        {0, c.b, c.n}, {1, s.b, s.n}, {0, c2.b, c2.n}, {1, s2.b, s2.n}};
    uint16_t proto;
    char *log = test_run_tcp(segs, 4, 50000, 2404, -1, 0, &proto);
    CHECK_EQ_INT(proto, APP_PROTO_IEC104);
    CHECK_EQ_INT(ics_count(log, "\"event_type\":\"iec104\""), 6);
    CHECK(strstr(log, "\"direction\":0,\"iec104\":{\"apci_type\":\"U\",\"u_function\":"
                      "\"STARTDT_ACT\"}") != NULL);
    CHECK(strstr(log, "\"direction\":1,\"iec104\":{\"apci_type\":\"U\",\"u_function\":"
                      "\"STARTDT_CON\"}") != NULL);
    CHECK(strstr(log, "\"asdu\":{\"type_id\":100,\"type\":\"C_IC_NA_1\",\"cause_tx\":6,"
                      "\"cause\":\"act\",\"negative\":false,\"test\":false,\"originator\":0,"
                      "\"common_addr\":3,\"sq\":false,\"num_objects\":1,\"ioa\":[0]}") != NULL);
    CHECK(strstr(log, "\"type_id\":13,\"type\":\"M_ME_NC_1\",\"cause_tx\":3,\"cause\":\"spont\"") !=
          NULL);
    CHECK(strstr(log, "\"ioa\":[1300,1301]") != NULL);
    CHECK(strstr(log, "{\"apci_type\":\"S\",\"rx\":1}") != NULL);
    CHECK(strstr(log, "\"type_id\":45,\"type\":\"C_SC_NA_1\"") != NULL);
    CHECK(strstr(log, "\"ioa\":[5000]") != NULL);
    CHECK(strstr(log, "anomaly") == NULL);
    CHECK(strstr(log, "MEMUSE-LEAK") == NULL);
    if (test_failures)
        fprintf(stderr, "%s\n", log);
    free(log);
    CHECK_EQ_INT(test_tcp_split_invariance(segs, 4, 50000, 2404), 0);

    /* Integer keywords per transaction. */
    char *fields = ics_run_fields(segs, 4, 6, 50000, 2404);
    CHECK(strstr(fields, "iec104.apci=3;iec104.u_function=1;") != NULL);
    CHECK(strstr(fields, "iec104.typeid=100;iec104.cot=6;iec104.apci=0;iec104.common_addr=3;"
                         "iec104.ioa=0;iec104.originator=0;iec104.num_objects=1;"
                         "iec104.negative=0;iec104.test=0;") != NULL);
    CHECK(strstr(fields, "iec104.ioa=1300;iec104.ioa=1301;") != NULL);
    if (test_failures)
        fprintf(stderr, "%s\n", fields);
    free(fields);
}

static void test_sq_and_malformed(void)
{
    struct ics_buf s = {0};
    /* M_SP_NA_1, SQ=1, 4 objects from IOA 100, cause per/cyc */
    iframe(&s, 7, 0, "01 84 01 00 1e 04 64 00 00 01 00 01 00");
    /* a gap in N(S): 9 after 7 */
    iframe(&s, 9, 0, "01 01 03 00 1e 04 65 00 00 01");
    /* garbage, then a U frame with two function bits, then a truncated ASDU */
    ics_hex(&s, "ff ff 68 04 0f 00 00 00");
    ics_hex(&s, "68 06 14 00 00 00 18 18");
    /* unknown type id 99 and cause 0 */
    iframe(&s, 11, 0, "63 01 00 00 1e 04 01 00 00 00");
    /* an ASDU whose objects do not fill it */
    iframe(&s, 12, 0, "0d 02 03 00 1e 04 14 05 00 00 00 80 3f 00");
    struct test_segment segs[] = {{1, s.b, s.n}};
    uint16_t proto;
    char *log = test_run_tcp(segs, 1, 2404, 50001, -1, 0, &proto);
    CHECK_EQ_INT(proto, APP_PROTO_IEC104);
    CHECK(strstr(log, "\"sq\":true,\"num_objects\":4,\"ioa\":[100,101,102,103]") != NULL);
    CHECK(strstr(log, "anomaly iec104 sequence_gap") != NULL);
    CHECK(strstr(log, "anomaly iec104 invalid_start") != NULL);
    CHECK(strstr(log, "anomaly iec104 invalid_u_function") != NULL);
    /* truncated ASDU: the type id (24) is still reported, no cause */
    CHECK(strstr(log, "\"asdu\":{\"type_id\":24,\"sq\":false,\"num_objects\":24}") != NULL);
    CHECK(strstr(log, "anomaly iec104 invalid_length") != NULL);
    CHECK(strstr(log, "anomaly iec104 unknown_type_id") != NULL);
    CHECK(strstr(log, "anomaly iec104 invalid_cot") != NULL);
    CHECK(strstr(log, "anomaly iec104 object_length_mismatch") != NULL);
    CHECK(strstr(log, "MEMUSE-LEAK") == NULL);
    if (test_failures)
        fprintf(stderr, "%s\n", log);
    free(log);
    CHECK_EQ_INT(test_tcp_split_invariance(segs, 1, 2404, 50001), 0);
}

static void test_not_iec104(void)
{
    /* 0x68 followed by something that is no APCI: not detected. */
    const char *t = "hello world, this is not 104\r\n";
    struct test_segment segs[] = {{0, (const uint8_t *)t, (uint32_t)strlen(t)}};
    uint16_t proto;
    char *log = test_run_tcp(segs, 1, 50000, 2404, -1, 0, &proto);
    CHECK(proto != APP_PROTO_IEC104);
    free(log);
    uint8_t bad[] = {0x68, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00};
    struct test_segment s2[] = {{0, bad, sizeof bad}};
    log = test_run_tcp(s2, 1, 50000, 2404, -1, 0, &proto);
    CHECK(proto != APP_PROTO_IEC104);
    free(log);
}

static void test_many_apdus_bounded(void)
{
    /* 5000 TESTFR frames in one stream: transactions stay bounded by max-tx. */
    static uint8_t big[5000 * 6];
    for (int i = 0; i < 5000; i++)
        memcpy(big + i * 6, "\x68\x04\x43\x00\x00\x00", 6);
    struct test_segment segs[] = {{0, big, sizeof big}};
    uint16_t proto;
    char *log = test_run_tcp(segs, 1, 50000, 2404, -1, 0, &proto);
    CHECK_EQ_INT(proto, APP_PROTO_IEC104);
    CHECK_EQ_INT(ics_count(log, "TESTFR_ACT"), 5000);
    CHECK(strstr(log, "MEMUSE-LEAK") == NULL);
    free(log);
}

int main(void)
{
    test_session();
    test_sq_and_malformed();
    test_not_iec104();
    test_many_apdus_bounded();
    TEST_MAIN_END();
}
