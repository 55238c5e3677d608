/* SPDX-License-Identifier: Apache-2.0 */
/* S7comm over TPKT/COTP: connection set-up, setup communication, read and
 * write variable items, SZL read, PLC stop, PI service, block download
 * names, S7comm-plus headers, a TSDU split over data TPDUs, malformed PDUs,
 * integer keywords and buffers, and the same log at every split. */
#include "grid_test_util.h"
#include "test.h"

/* TPKT + COTP DT (end of TSDU when eot) around a payload given in hex. */
static void dt(struct ics_buf *o, const char *hex, bool eot)
{
    struct ics_buf p = {0};
    ics_hex(&p, hex);
    ics_u8(o, 3);
    ics_u8(o, 0);
    ics_be16(o, (uint16_t)(7 + p.n));
    ics_u8(o, 2);
    ics_u8(o, 0xf0);
    ics_u8(o, eot ? 0x80 : 0x00);
    ics_put(o, p.b, p.n);
}

static void test_session(void)
{
    struct ics_buf c = {0}, s = {0}, c2 = {0}, s2 = {0}, c3 = {0};
    ics_hex(&c, "03 00 00 16 11 e0 00 00 00 01 00 c1 02 01 00 c2 02 01 02 c0 01 0a");
    ics_hex(&s, "03 00 00 16 11 d0 00 01 00 01 00 c1 02 01 00 c2 02 01 02 c0 01 0a");
    dt(&c, "32 01 0000 0000 0008 0000 f0 00 0001 0001 01e0", true);
    dt(&s, "32 03 0000 0000 0008 0000 00 00 f0 00 0001 0001 00f0", true);
    /* read DB1.DBB0 (4 bytes), then write 2 bytes at DB1.DBB8 */
    dt(&c2, "32 01 0000 0100 000e 0000 04 01 12 0a 10 02 0004 0001 84 000000", true);
    dt(&c2, "32 01 0000 0200 000e 0006 05 01 12 0a 10 02 0002 0001 84 000040 00 04 0010 1234",
       true);
    dt(&s2, "32 03 0000 0100 0002 0008 00 00 04 01 ff 04 0020 01020304", true);
    dt(&s2, "32 03 0000 0200 0002 0001 00 00 05 01 ff", true);
    /* userdata: read SZL 0x0011 index 0 */
    dt(&c3, "32 07 0000 0300 0008 0008 00 01 12 04 11 44 01 00 ff 09 0004 0011 0000", true);
    /* PLC stop, PI service start, request download of DB1 */
    dt(&c3, "32 01 0000 0400 0010 0000 29 00 00 00 00 00 09 50 5f 50 52 4f 47 52 41 4d", true);
    dt(&c3, "32 01 0000 0500 0014 0000 28 00 00 00 00 00 00 fd 0000 09 50 5f 50 52 4f 47 52 41 4d",
       true);
    dt(&c3, "32 01 0000 0600 0012 0000 1a 00 01 00 00 00 00 00 09 5f 30 41 30 30 30 30 31 50",
       true);
    /* a job split over two data TPDUs */
    dt(&c3, "32 01 0000 0700 000e", false);
    dt(&c3, "0000 04 01 12 0a 10 02 0001 0000 83 000010", true);
    /* S7comm-plus V1 request: opcode 0x31, function 0x04ca, sequence 1 */
    dt(&c3, "72 01 000f 31 0000 04ca 0000 0001 00000000 72 01 0000", true);
    struct test_segment segs[] = {
        {0, c.b, c.n}, {1, s.b, s.n}, {0, c2.b, c2.n}, {1, s2.b, s2.n}, {0, c3.b, c3.n}};
    uint16_t proto;
    char *log = test_run_tcp(segs, 5, 50000, 102, -1, 0, &proto);
    CHECK_EQ_INT(proto, APP_PROTO_S7COMM);
    CHECK_EQ_INT(ics_count(log, "\"event_type\":\"s7comm\""), 11);
    CHECK_EQ_INT(ics_count(log, "\"event_type\":\"s7comm_plus\""), 1);
    CHECK(strstr(log, "{\"rosctr\":1,\"rosctr_name\":\"job\",\"pdu_ref\":0,\"function\":240,"
                      "\"function_name\":\"setup_communication\",\"pdu_size\":480}") != NULL);
    CHECK(strstr(log, "\"rosctr\":3,\"rosctr_name\":\"ack_data\",\"pdu_ref\":0,\"function\":240") !=
          NULL);
    CHECK(strstr(log, "\"function_name\":\"read_var\",\"item_count\":1,\"items\":[{\"syntax\":16,"
                      "\"area\":\"DB\",\"db\":1,\"byte\":0,\"bit\":0,\"transport_size\":2,"
                      "\"length\":4}]") != NULL);
    CHECK(strstr(log, "\"function_name\":\"write_var\",\"item_count\":1,\"items\":[{\"syntax\":16,"
                      "\"area\":\"DB\",\"db\":1,\"byte\":8,\"bit\":0") != NULL);
    CHECK(strstr(log, "\"userdata\":{\"method\":17,\"type\":4,\"function_group\":4,"
                      "\"function_group_name\":\"cpu_functions\",\"subfunction\":1,\"sequence\":0,"
                      "\"szl_id\":17,\"szl_index\":0}") != NULL);
    CHECK(strstr(log, "\"function_name\":\"plc_stop\",\"pi_service\":\"P_PROGRAM\"") != NULL);
    CHECK(strstr(log, "\"function_name\":\"pi_service\",\"pi_service\":\"P_PROGRAM\"") != NULL);
    CHECK(strstr(log, "\"function_name\":\"request_download\",\"block\":\"_0A00001P\"") != NULL);
    CHECK(strstr(log, "\"pdu_ref\":1792,\"function\":4,\"function_name\":\"read_var\","
                      "\"item_count\":1,\"items\":[{\"syntax\":16,\"area\":\"M\",\"byte\":2") !=
          NULL);
    CHECK(strstr(log, "\"s7comm_plus\":{\"version\":1,\"opcode\":49,\"opcode_name\":\"request\","
                      "\"function\":1226,\"sequence\":1}}") != NULL);
    CHECK(strstr(log, "anomaly") == NULL);
    CHECK(strstr(log, "MEMUSE-LEAK") == NULL);
    if (test_failures)
        fprintf(stderr, "%s\n", log);
    free(log);
    CHECK_EQ_INT(test_tcp_split_invariance(segs, 5, 50000, 102), 0);

    char *f = ics_run_fields(segs, 5, 6, 50000, 102);
    CHECK(strstr(f, "s7comm.rosctr=1;s7comm.function=5;s7comm.area=132;s7comm.db=1;") != NULL);
    CHECK(strstr(f, "s7comm.rosctr=7;s7comm.function_group=4;s7comm.subfunction=1;"
                    "s7comm.szl_id=17;s7comm.szl_index=0;s7comm.return_code=255;") != NULL);
    CHECK(strstr(f, "s7comm.rosctr=1;s7comm.function=41;s7comm.pi_service=P_PROGRAM;") != NULL);
    CHECK(strstr(f, "s7comm.function=26;s7comm.block=_0A00001P;") != NULL);
    CHECK(strstr(f, "s7comm.plus_function=1226;s7comm.plus_opcode=49;") != NULL);
    if (test_failures)
        fprintf(stderr, "%s\n", f);
    free(f);
}

static void test_malformed(void)
{
    struct ics_buf c = {0};
    dt(&c, "32 01 0000 0000 0008 0000 f0 00 0001 0001 01e0", true);
    /* header too short, unknown ROSCTR, lengths past the PDU, short parameter */
    dt(&c, "32 01 0000", true);
    dt(&c, "32 05 0000 0000 0000 0000", true);
    dt(&c, "32 01 0000 0100 00ff 0000 04 01", true);
    dt(&c, "32 01 0000 0200 0003 0000 28 00 00", true);
    /* neither S7comm nor S7comm-plus; a TPKT with a bad COTP header; garbage */
    dt(&c, "99 99 99", true);
    ics_hex(&c, "03 00 00 07 09 f0 80");
    ics_hex(&c, "de ad be ef de ad be ef");
    dt(&c, "32 01 0000 0300 0008 0000 f0 00 0001 0001 01e0", true);
    struct test_segment segs[] = {{0, c.b, c.n}};
    uint16_t proto;
    char *log = test_run_tcp(segs, 1, 50000, 102, -1, 0, &proto);
    CHECK_EQ_INT(proto, APP_PROTO_S7COMM);
    CHECK(strstr(log, "anomaly s7comm invalid_header") != NULL);
    CHECK(strstr(log, "anomaly s7comm length_mismatch") != NULL);
    CHECK(strstr(log, "anomaly s7comm invalid_parameter") != NULL);
    CHECK(strstr(log, "anomaly s7comm unknown_protocol") != NULL);
    CHECK(strstr(log, "anomaly s7comm invalid_cotp") != NULL);
    CHECK(strstr(log, "anomaly s7comm invalid_tpkt") != NULL);
    /* the stream resynchronised: the last PDU is there */
    CHECK(strstr(log, "\"pdu_ref\":768,\"function\":240") != NULL);
    CHECK(strstr(log, "MEMUSE-LEAK") == NULL);
    if (test_failures)
        fprintf(stderr, "%s\n", log);
    free(log);
    CHECK_EQ_INT(test_tcp_split_invariance(segs, 1, 50000, 102), 0);
}

int main(void)
{
    test_session();
    test_malformed();
    TEST_MAIN_END();
}
