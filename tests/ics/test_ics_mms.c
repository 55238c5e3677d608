/* SPDX-License-Identifier: Apache-2.0 */
/* MMS over TPKT/COTP/session/presentation/ACSE: association set-up with
 * negotiated presentation contexts, initiate request/response, read and
 * write with domain-specific names, information reports, conclude,
 * confirmed-error, cancel, bare-COTP MMS, mid-session pick-up (not decoded
 * by default, decoded with app-layer.protocols.mms.midstream), malformed
 * session and BER, nesting limits, keywords, and every split. */
#include "grid_test_util.h"
#include "test.h"

/* BER TLV with a one- or two-octet long form length. */
static void tlv(struct ics_buf *o, uint8_t tag, const struct ics_buf *content)
{
    ics_u8(o, tag);
    if (content->n < 128) {
        ics_u8(o, (uint8_t)content->n);
    } else if (content->n < 256) {
        ics_u8(o, 0x81);
        ics_u8(o, (uint8_t)content->n);
    } else {
        ics_u8(o, 0x82);
        ics_be16(o, (uint16_t)content->n);
    }
    ics_put(o, content->b, content->n);
}

static void tlv_str(struct ics_buf *o, uint8_t tag, const char *s)
{
    struct ics_buf c = {0};
    ics_put(&c, s, (uint32_t)strlen(s));
    tlv(o, tag, &c);
}

/* domain-specific ObjectName inside VariableSpecification name [0], in a
 * listOfVariable SEQUENCE. */
static void var_entry(struct ics_buf *o, const char *dom, const char *item)
{
    struct ics_buf ds = {0}, name = {0}, seq = {0};
    tlv_str(&ds, 0x1a, dom);
    tlv_str(&ds, 0x1a, item);
    struct ics_buf a1 = {0};
    tlv(&a1, 0xa1, &ds);
    tlv(&name, 0xa0, &a1);
    tlv(&seq, 0x30, &name);
    ics_put(o, seq.b, seq.n);
}

/* TPKT + COTP DT + session GIVE-TOKENS/DATA-TRANSFER + presentation
 * fully-encoded-data with context 3 around an MMS PDU. */
static void data_pdu(struct ics_buf *o, const struct ics_buf *mms)
{
    struct ics_buf pdv = {0}, c = {0}, fed = {0};
    ics_hex(&pdv, "02 01 03");
    tlv(&pdv, 0xa0, mms);
    tlv(&c, 0x30, &pdv);
    tlv(&fed, 0x61, &c);
    ics_u8(o, 3);
    ics_u8(o, 0);
    ics_be16(o, (uint16_t)(7 + 4 + fed.n));
    ics_hex(o, "02 f0 80 01 00 01 00");
    ics_put(o, fed.b, fed.n);
}

static void dt_raw(struct ics_buf *o, const char *hex)
{
    struct ics_buf p = {0};
    ics_hex(&p, hex);
    ics_u8(o, 3);
    ics_u8(o, 0);
    ics_be16(o, (uint16_t)(7 + p.n));
    ics_hex(o, "02 f0 80");
    ics_put(o, p.b, p.n);
}

static const char connect_spdu[] =
    "0db20506130100160102140200023302000134020001c19c318199a003800101a28191810400000001820400"
    "000001a423300f0201010604520100013004060251013010020103060528ca22020130040602510188020600"
    "615a3058020101a053605180020780a107060528ca220203a20606042bce0f02a303020117be352833060251"
    "01020103a02aa82880027530810203e8820203e8830105a417800101810305fb00820d03ffffffffffffffff"
    "ffffff00";
/* ACCEPT with its user data parameter of the right length. */
static const char accept_spdu[] =
    "0e88050613010006010214020002c17a3178a003800100a271830400000001a512300780010081025201300780"
    "010081025101880206006151304f020101a04a614880020780a107060528ca220203a203020100a305a10302"
    "0100a40606042bce0f02a503020117be20281e020103a019a917800100810100820100830100a40980010081"
    "0100820100";

static void build_session(struct ics_buf *c, struct ics_buf *s, struct ics_buf *c2,
                          struct ics_buf *s2)
{
    ics_hex(c, "030000130ee00000000600c1020002c2020001");
    ics_hex(s, "030000130ed00001000600c1020002c2020001");
    dt_raw(c, connect_spdu);
    dt_raw(s, accept_spdu);
    /* read IED1LD0/LLN0$ST$Mod$stVal, invoke 7 */
    struct ics_buf lov = {0}, vas = {0}, rd = {0}, req = {0}, pdu = {0};
    var_entry(&lov, "IED1LD0", "LLN0$ST$Mod$stVal");
    tlv(&vas, 0xa0, &lov);
    struct ics_buf vas1 = {0};
    tlv(&vas1, 0xa1, &vas);
    tlv(&rd, 0xa4, &vas1);
    ics_hex(&req, "02 01 07");
    ics_put(&req, rd.b, rd.n);
    tlv(&pdu, 0xa0, &req);
    data_pdu(c2, &pdu);
    /* write IED1CTRL/CSWI1$CO$Pos$Oper := true, invoke 8 */
    struct ics_buf lov2 = {0}, w = {0}, wreq = {0}, wpdu = {0}, data = {0}, lod = {0};
    var_entry(&lov2, "IED1CTRL", "CSWI1$CO$Pos$Oper");
    tlv(&w, 0xa0, &lov2);
    ics_hex(&data, "83 01 ff");
    tlv(&lod, 0xa0, &data);
    ics_put(&w, lod.b, lod.n);
    ics_hex(&wreq, "02 01 08");
    struct ics_buf w5 = {0};
    tlv(&w5, 0xa5, &w);
    ics_put(&wreq, w5.b, w5.n);
    tlv(&wpdu, 0xa0, &wreq);
    data_pdu(c2, &wpdu);
    /* responses: read result, write success; an informationReport naming a
     * variable list; confirmed-error (class 7 access, code 3) for invoke 9 */
    struct ics_buf rr = {0};
    ics_hex(&rr, "a1 0c 02 01 07 a4 07 a1 05 a0 03 83 01 00");
    data_pdu(s2, &rr);
    struct ics_buf wr = {0};
    ics_hex(&wr, "a1 07 02 01 08 a5 02 81 00");
    data_pdu(s2, &wr);
    struct ics_buf ir = {0}, irc = {0}, vln = {0}, lvn = {0}, rep = {0};
    struct ics_buf ds = {0}, a1 = {0};
    tlv_str(&ds, 0x1a, "IED1LD0");
    tlv_str(&ds, 0x1a, "LLN0$dsEvents");
    tlv(&a1, 0xa1, &ds);
    tlv(&vln, 0xa1, &a1);
    tlv(&lvn, 0xa0, &vln);
    ics_hex(&lvn, "a0 03 83 01 00");
    tlv(&rep, 0xa0, &lvn);
    tlv(&irc, 0xa0, &rep);
    (void)ir;
    struct ics_buf up = {0};
    tlv(&up, 0xa3, &irc);
    data_pdu(s2, &up);
    struct ics_buf err = {0};
    ics_hex(&err, "a2 0b 80 01 09 a2 06 a0 04 87 02 00 03");
    data_pdu(s2, &err);
    struct ics_buf cc = {0};
    ics_hex(&cc, "8b 00");
    data_pdu(c2, &cc);
}

static void test_session(void)
{
    struct ics_buf c = {0}, s = {0}, c2 = {0}, s2 = {0};
    build_session(&c, &s, &c2, &s2);
    struct test_segment segs[] = {{0, c.b, c.n}, {1, s.b, s.n}, {0, c2.b, c2.n}, {1, s2.b, s2.n}};
    uint16_t proto;
    char *log = test_run_tcp(segs, 4, 50000, 102, -1, 0, &proto);
    CHECK_EQ_INT(proto, APP_PROTO_MMS);
    CHECK(strstr(log, "\"mms\":{\"pdu_type\":\"initiate_request\",\"initiate\":{"
                      "\"local_detail\":30000,\"max_serv_outstanding_calling\":1000,"
                      "\"max_serv_outstanding_called\":1000,\"data_structure_nesting_level\":5,"
                      "\"version\":1}}") != NULL);
    CHECK(strstr(log, "\"pdu_type\":\"initiate_response\"") != NULL);
    CHECK(strstr(log, "{\"pdu_type\":\"confirmed_request\",\"invoke_id\":7,\"service\":\"read\","
                      "\"objects\":[{\"domain_id\":\"IED1LD0\",\"item_id\":"
                      "\"LLN0$ST$Mod$stVal\"}]}") != NULL);
    CHECK(strstr(log, "{\"pdu_type\":\"confirmed_request\",\"invoke_id\":8,\"service\":\"write\","
                      "\"objects\":[{\"domain_id\":\"IED1CTRL\",\"item_id\":"
                      "\"CSWI1$CO$Pos$Oper\"}]}") != NULL);
    CHECK(strstr(log, "{\"pdu_type\":\"confirmed_response\",\"invoke_id\":7,\"service\":\"read\"}") !=
          NULL);
    CHECK(strstr(log, "\"invoke_id\":8,\"service\":\"write\"}") != NULL);
    CHECK(strstr(log, "{\"pdu_type\":\"unconfirmed\",\"service\":\"informationReport\","
                      "\"objects\":[{\"domain_id\":\"IED1LD0\",\"item_id\":\"LLN0$dsEvents\"}]}") !=
          NULL);
    CHECK(strstr(log, "{\"pdu_type\":\"confirmed_error\",\"invoke_id\":9,\"error\":{\"class\":7,"
                      "\"code\":3}}") != NULL);
    CHECK(strstr(log, "{\"pdu_type\":\"conclude_request\"}") != NULL);
    CHECK_EQ_INT(ics_count(log, "\"event_type\":\"mms\""), 9);
    CHECK(strstr(log, "anomaly") == NULL);
    CHECK(strstr(log, "MEMUSE-LEAK") == NULL);
    if (test_failures)
        fprintf(stderr, "%s\n", log);
    free(log);
    CHECK_EQ_INT(test_tcp_split_invariance(segs, 4, 50000, 102), 0);

    char *f = ics_run_fields(segs, 4, 6, 50000, 102);
    CHECK(strstr(f, "mms.pdu_type=0;mms.service=5;mms.invoke_id=8;mms.domain=IED1CTRL;"
                    "mms.item=CSWI1$CO$Pos$Oper;") != NULL);
    CHECK(strstr(f, "mms.pdu_type=2;mms.invoke_id=9;mms.error_class=7;") != NULL);
    if (test_failures)
        fprintf(stderr, "%s\n", f);
    free(f);
}

/* A session picked up mid-way: no CP seen, the contexts are unknown. */
static char *run_midstream(bool guess)
{
    struct ics_buf c = {0}, s = {0}, c2 = {0}, s2 = {0};
    build_session(&c, &s, &c2, &s2);
    struct test_capture cap = {0};
    struct app_event_sink sink = {
        .user = &cap, .emit = test_capture_emit, .anomaly = test_capture_anomaly};
    struct app_layer_config cfg;
    app_layer_config_load(&cfg, NULL);
    cfg.mms_midstream = guess;
    struct app_layer_thread_ctx *ctx = app_layer_thread_ctx_new(&cfg, &sink);
    struct flow f;
    struct packet p;
    test_flow_init(&f, &p, 6, 50000, 102);
    struct app_flow_state *st = NULL;
    app_layer_handle_tcp_data(ctx, &st, &f, &p, 0, c2.b, c2.n, 0);
    app_layer_handle_tcp_data(ctx, &st, &f, &p, 1, s2.b, s2.n, 0);
    CHECK_EQ_INT(app_flow_state_proto(st), APP_PROTO_MMS);
    app_layer_flow_end(ctx, st, &f);
    app_flow_state_free(st);
    CHECK_EQ_INT(app_layer_thread_stats(ctx)->memuse, 0);
    app_layer_thread_ctx_free(ctx);
    if (!cap.log)
        test_capture_append(&cap, "", 0);
    return cap.log;
}

static void test_midstream(void)
{
    char *log = run_midstream(false);
    CHECK(strstr(log, "\"event_type\":\"mms\"") == NULL);
    free(log);
    log = run_midstream(true);
    CHECK(strstr(log, "\"service\":\"write\",\"objects\":[{\"domain_id\":\"IED1CTRL\"") != NULL);
    CHECK_EQ_INT(ics_count(log, "\"event_type\":\"mms\""), 7);
    free(log);
}

static void test_bare_and_malformed(void)
{
    struct ics_buf c = {0}, s = {0};
    ics_hex(&c, "030000130ee00000000600c1020002c2020200");
    /* bare MMS: initiate request, cancel request 1, a getNameList with an
     * absurdly nested object class, conclude (empty: not taken as MMS) */
    dt_raw(&c, "a8 26 80 02 00 1f 81 01 03 82 01 03 83 02 08 08 a4 16 80 01 01 81 03 05 e8 00 82 "
               "0c 03 ff ff ff ff ff ff ff ff ff ff ff");
    dt_raw(&c, "85 01 01");
    struct ics_buf deep = {0}, inner = {0};
    ics_hex(&inner, "80 01 00");
    for (int i = 0; i < 40; i++) {
        struct ics_buf t = {0};
        tlv(&t, 0xa2, &inner);
        inner = t;
    }
    struct ics_buf svc = {0}, req = {0};
    tlv(&svc, 0xa1, &inner);
    ics_hex(&req, "02 01 05");
    ics_put(&req, svc.b, svc.n);
    tlv(&deep, 0xa0, &req);
    {
        struct ics_buf d = {0};
        ics_u8(&d, 3);
        ics_u8(&d, 0);
        ics_be16(&d, (uint16_t)(7 + deep.n));
        ics_hex(&d, "02 f0 80");
        ics_put(&d, deep.b, deep.n);
        ics_put(&c, d.b, d.n);
    }
    dt_raw(&c, "8b 00");
    /* server: a session SPDU whose parameter overruns it, then BER garbage
     * in a data transfer */
    ics_hex(&s, "030000130ed00001000600c1020002c2020200");
    dt_raw(&s, "0e 10 c1 30 31 32");
    dt_raw(&s, "01 00 01 00 61 85 ff ff");
    struct test_segment segs[] = {{0, c.b, c.n}, {1, s.b, s.n}};
    uint16_t proto;
    char *log = test_run_tcp(segs, 2, 50000, 102, -1, 0, &proto);
    CHECK_EQ_INT(proto, APP_PROTO_MMS);
    CHECK(strstr(log, "\"pdu_type\":\"initiate_request\"") != NULL);
    CHECK(strstr(log, "{\"pdu_type\":\"cancel_request\",\"invoke_id\":1}") != NULL);
    CHECK(strstr(log, "{\"pdu_type\":\"confirmed_request\",\"invoke_id\":5,\"service\":"
                      "\"getNameList\"}") != NULL);
    CHECK(strstr(log, "anomaly mms nesting_too_deep") != NULL);
    CHECK(strstr(log, "conclude_request") == NULL);
    CHECK(strstr(log, "anomaly mms malformed_session") != NULL);
    CHECK(strstr(log, "anomaly mms malformed_presentation") != NULL);
    CHECK(strstr(log, "MEMUSE-LEAK") == NULL);
    if (test_failures)
        fprintf(stderr, "%s\n", log);
    free(log);
    CHECK_EQ_INT(test_tcp_split_invariance(segs, 2, 50000, 102), 0);
}

int main(void)
{
    test_session();
    test_midstream();
    test_bare_and_malformed();
    TEST_MAIN_END();
}
