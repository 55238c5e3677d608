/* SPDX-License-Identifier: Apache-2.0 */
/* Layer-2 protocols outside flows: GOOSE fields and the publisher checks
 * (stNum jump and rollback, sqNum gap and replay, sqNum not reset, late
 * message, silence past the time allowed to live by the timer, confRev
 * change, simulation, a restarted publisher reported once), truncated and
 * malformed PDUs; Sampled Values streams; PROFINET DCP identify and set;
 * the publisher table bounded by app-layer.l2.memcap; keywords. */
#include "grid_test_util.h"
#include "test.h"

struct l2_run {
    struct test_capture cap;
    struct app_layer_thread_ctx *ctx;
    struct packet p;
    uint8_t frame[1600];
    char fields[8192];
};

static void l2_init(struct l2_run *r, uint64_t l2_memcap)
{
    memset(r, 0, sizeof *r);
    struct app_event_sink sink = {
        .user = &r->cap, .emit = test_capture_emit, .anomaly = test_capture_anomaly};
    struct app_layer_config cfg;
    app_layer_config_load(&cfg, NULL);
    if (l2_memcap)
        cfg.l2_memcap = l2_memcap;
    r->ctx = app_layer_thread_ctx_new(&cfg, &sink);
    r->p.ts_usec = 1700000000000000ull;
}

/* Sends an Ethernet frame: src MAC ending in `src`, Ethertype, payload. */
static const struct app_tx *l2_send(struct l2_run *r, uint8_t src, uint16_t type,
                                    const struct ics_buf *payload)
{
    static const uint8_t dst[6] = {0x01, 0x0c, 0xcd, 0x01, 0x00, 0x01};
    uint8_t *f = r->frame;
    memcpy(f, dst, 6);
    memcpy(f + 6, "\x00\x30\xa7\x00\x00", 5);
    f[11] = src;
    f[12] = (uint8_t)(type >> 8);
    f[13] = (uint8_t)type;
    memcpy(f + 14, payload->b, payload->n);
    r->p.ethernet = f;
    r->p.l2_type = type;
    r->p.l2_payload = f + 14;
    r->p.l2_payload_len = payload->n;
    r->p.pcap_cnt++;
    const struct app_tx *tx = app_layer_handle_l2(r->ctx, &r->p);
    if (tx) {
        /* Integer keywords of the frame, as rules read them. */
        const struct app_parser *ps = tx->parser;
        size_t o = strlen(r->fields);
        for (uint16_t k = 0; k < ps->n_uint_fields && o < sizeof r->fields - 64; k++) {
            uint64_t v;
            if (app_tx_get_field_uint(tx, ps->proto, k, 0, &v, NULL) == 0)
                o += (size_t)snprintf(r->fields + o, sizeof r->fields - o, "%s=%llu;",
                                      ps->uint_fields[k].keyword, (unsigned long long)v);
        }
        if (o < sizeof r->fields - 1)
            r->fields[o++] = '\n';
    }
    return tx;
}

static char *l2_end(struct l2_run *r)
{
    app_layer_thread_ctx_free(r->ctx);
    if (!r->cap.log)
        test_capture_append(&r->cap, "", 0);
    return r->cap.log;
}

/* A GOOSE frame: APPID 1, the goosePdu with the given state. */
static void goose(struct ics_buf *o, uint32_t stnum, uint32_t sqnum, uint32_t ttl, bool test,
                  uint32_t confrev, uint8_t entries)
{
    struct ics_buf pdu = {0};
    const char *ref = "IED1CTRL/LLN0$GO$gcbTrip";
    const char *ds = "IED1CTRL/LLN0$dsTrip";
    ics_u8(&pdu, 0x80);
    ics_u8(&pdu, (uint8_t)strlen(ref));
    ics_put(&pdu, ref, (uint32_t)strlen(ref));
    ics_u8(&pdu, 0x81);
    ics_u8(&pdu, 4);
    ics_be32(&pdu, ttl);
    ics_u8(&pdu, 0x82);
    ics_u8(&pdu, (uint8_t)strlen(ds));
    ics_put(&pdu, ds, (uint32_t)strlen(ds));
    ics_hex(&pdu, "83 04 54 52 49 50");                     /* goID "TRIP" */
    ics_hex(&pdu, "84 08 65 53 f1 00 80 00 00 0a");          /* t */
    ics_u8(&pdu, 0x85);
    ics_u8(&pdu, 4);
    ics_be32(&pdu, stnum);
    ics_u8(&pdu, 0x86);
    ics_u8(&pdu, 4);
    ics_be32(&pdu, sqnum);
    ics_u8(&pdu, 0x87);
    ics_u8(&pdu, 1);
    ics_u8(&pdu, test ? 0xff : 0);
    ics_u8(&pdu, 0x88);
    ics_u8(&pdu, 4);
    ics_be32(&pdu, confrev);
    ics_hex(&pdu, "89 01 00");
    ics_u8(&pdu, 0x8a);
    ics_u8(&pdu, 1);
    ics_u8(&pdu, entries);
    ics_u8(&pdu, 0xab);
    ics_u8(&pdu, (uint8_t)(3 * entries));
    for (uint8_t i = 0; i < entries; i++)
        ics_hex(&pdu, "83 01 00");
    o->n = 0;
    ics_be16(o, 1);
    ics_be16(o, (uint16_t)(8 + 2 + pdu.n));
    ics_be32(o, 0);
    ics_u8(o, 0x61);
    ics_u8(o, (uint8_t)pdu.n);
    ics_put(o, pdu.b, pdu.n);
}

static void test_goose(void)
{
    struct l2_run r;
    l2_init(&r, 0);
    struct ics_buf g = {0};
    uint64_t t0 = r.p.ts_usec;
    /* normal heartbeat: stNum 5, sqNum 10, 11 every second */
    goose(&g, 5, 10, 2000, false, 1, 2);
    CHECK(l2_send(&r, 1, 0x88b8, &g) != NULL);
    r.p.ts_usec = t0 + 1000000;
    goose(&g, 5, 11, 2000, false, 1, 2);
    l2_send(&r, 1, 0x88b8, &g);
    /* state change: stNum 6, sqNum 0 */
    r.p.ts_usec += 100000;
    goose(&g, 6, 0, 20, false, 1, 2);
    l2_send(&r, 1, 0x88b8, &g);
    /* a jump of stNum (7, 8 missed) and an sqNum not reset */
    r.p.ts_usec += 10000;
    goose(&g, 9, 5, 2000, false, 1, 2);
    l2_send(&r, 1, 0x88b8, &g);
    /* sqNum gap, then a replay of an older message */
    r.p.ts_usec += 1000000;
    goose(&g, 9, 9, 2000, false, 1, 2);
    l2_send(&r, 1, 0x88b8, &g);
    r.p.ts_usec += 1000000;
    goose(&g, 5, 11, 2000, false, 1, 2);
    l2_send(&r, 1, 0x88b8, &g);
    /* the same gocbRef from another MAC is another publisher (no events) */
    goose(&g, 1, 1, 2000, false, 1, 2);
    l2_send(&r, 2, 0x88b8, &g);
    /* late by more than the TTL; confRev and simulation changed */
    r.p.ts_usec += 5000000;
    goose(&g, 9, 10, 2000, true, 2, 2);
    l2_send(&r, 1, 0x88b8, &g);
    /* silence: the timer reports the publisher once */
    app_layer_timeout(r.ctx, r.p.ts_usec + 3000000);
    app_layer_timeout(r.ctx, r.p.ts_usec + 4000000);
    /* a restart: sqNum back to 1 and counting up is reported once */
    r.p.ts_usec += 5000000;
    goose(&g, 9, 1, 2000, true, 2, 2);
    l2_send(&r, 1, 0x88b8, &g);
    r.p.ts_usec += 1000000;
    goose(&g, 9, 2, 2000, true, 2, 2);
    l2_send(&r, 1, 0x88b8, &g);
    r.p.ts_usec += 1000000;
    goose(&g, 9, 3, 2000, true, 2, 2);
    l2_send(&r, 1, 0x88b8, &g);
    /* numDatSetEntries that disagrees with allData; a truncated frame */
    goose(&g, 9, 4, 2000, true, 2, 2);
    g.b[g.n - 9] = 3;
    l2_send(&r, 1, 0x88b8, &g);
    goose(&g, 9, 5, 2000, true, 2, 2);
    g.n -= 20;
    l2_send(&r, 1, 0x88b8, &g);
    char fields[8192];
    snprintf(fields, sizeof fields, "%s", r.fields);
    char *log = l2_end(&r);
    CHECK(strstr(log, "\"goose\":{\"appid\":1,\"length\":") != NULL);
    CHECK(strstr(log, "\"gocb_ref\":\"IED1CTRL/LLN0$GO$gcbTrip\",\"time_allowed_to_live\":2000,"
                      "\"dat_set\":\"IED1CTRL/LLN0$dsTrip\",\"go_id\":\"TRIP\",\"t\":"
                      "\"2023-11-14T22:13:20.500Z\",\"st_num\":5,\"sq_num\":10,\"simulation\":false,"
                      "\"conf_rev\":1,\"nds_com\":false,\"num_dat_set_entries\":2,"
                      "\"all_data_count\":2,\"src_mac\":\"00:30:a7:00:00:01\",\"dst_mac\":"
                      "\"01:0c:cd:01:00:01\"}") != NULL);
    CHECK_EQ_INT(ics_count(log, "anomaly goose stnum_jump"), 1);
    CHECK_EQ_INT(ics_count(log, "anomaly goose sqnum_not_reset"), 1);
    CHECK_EQ_INT(ics_count(log, "anomaly goose sqnum_gap"), 1);
    CHECK_EQ_INT(ics_count(log, "anomaly goose stnum_rollback"), 1);
    CHECK_EQ_INT(ics_count(log, "anomaly goose ttl_expired"), 1);
    CHECK_EQ_INT(ics_count(log, "anomaly goose confrev_changed"), 1);
    CHECK_EQ_INT(ics_count(log, "anomaly goose simulation"), 1);
    CHECK_EQ_INT(ics_count(log, "anomaly goose sqnum_replay"), 1);
    CHECK_EQ_INT(ics_count(log, "anomaly goose malformed"), 1);
    CHECK_EQ_INT(ics_count(log, "anomaly goose truncated"), 1);
    /* the timer reports each silent publisher once (MAC 1 and MAC 2) */
    CHECK_EQ_INT(ics_count(log, "\"event_type\":\"anomaly\""), 2);
    /* in Suricata's anomaly shape (no protocol object: its schema has none),
     * the publisher in a goose event beside it */
    CHECK(strstr(log, "\"anomaly\":{\"app_proto\":\"goose\",\"type\":\"applayer\",\"event\":"
                      "\"ttl_expired\",\"layer\":\"proto_parser\"}}") != NULL);
    CHECK(strstr(log, "\"goose\":{\"appid\":1,"
                      "\"gocb_ref\":\"IED1CTRL/LLN0$GO$gcbTrip\",\"st_num\":9,\"sq_num\":10,"
                      "\"time_allowed_to_live\":2000,\"silent_ms\":3000,\"events\":[\"ttl_expired\"]") != NULL);
    CHECK(strstr(log, "\"events\":[\"stnum_jump\",\"sqnum_not_reset\"]") != NULL);
    CHECK(strstr(log, "MEMUSE") == NULL);
    CHECK(strstr(fields, "goose.appid=1;goose.stnum=5;goose.sqnum=10;goose.ttl=2000;"
                         "goose.confrev=1;goose.simulation=0;goose.ndscom=0;goose.num_entries=2;") !=
          NULL);
    if (test_failures)
        fprintf(stderr, "%s\n%s\n", log, fields);
    free(log);
}

static void sv(struct ics_buf *o, uint16_t smpcnt, uint8_t synch, uint32_t confrev)
{
    struct ics_buf asdu = {0};
    ics_hex(&asdu, "80 08 4d 55 30 31 5f 53 56 31");  /* svID "MU01_SV1" */
    ics_u8(&asdu, 0x82);
    ics_u8(&asdu, 2);
    ics_be16(&asdu, smpcnt);
    ics_u8(&asdu, 0x83);
    ics_u8(&asdu, 4);
    ics_be32(&asdu, confrev);
    ics_u8(&asdu, 0x85);
    ics_u8(&asdu, 1);
    ics_u8(&asdu, synch);
    ics_hex(&asdu, "87 08 00 00 00 01 00 00 00 00");
    struct ics_buf seq = {0}, pdu = {0};
    ics_u8(&seq, 0x30);
    ics_u8(&seq, (uint8_t)asdu.n);
    ics_put(&seq, asdu.b, asdu.n);
    ics_hex(&pdu, "80 01 01");
    ics_u8(&pdu, 0xa2);
    ics_u8(&pdu, (uint8_t)seq.n);
    ics_put(&pdu, seq.b, seq.n);
    o->n = 0;
    ics_be16(o, 0x4000);
    ics_be16(o, (uint16_t)(8 + 2 + pdu.n));
    ics_be32(o, 0);
    ics_u8(o, 0x60);
    ics_u8(o, (uint8_t)pdu.n);
    ics_put(o, pdu.b, pdu.n);
}

static void test_sv(void)
{
    struct l2_run r;
    l2_init(&r, 0);
    struct ics_buf f = {0};
    for (uint16_t i = 0; i < 100; i++) {
        sv(&f, i, 2, 1);
        l2_send(&r, 9, 0x88ba, &f);
    }
    sv(&f, 150, 2, 1); /* samples lost */
    l2_send(&r, 9, 0x88ba, &f);
    sv(&f, 151, 0, 2); /* synchronisation lost, confRev changed */
    l2_send(&r, 9, 0x88ba, &f);
    char *log = l2_end(&r);
    /* one event for the new stream, then only frames with events */
    CHECK_EQ_INT(ics_count(log, "\"event_type\":\"sv\""), 3);
    CHECK(strstr(log, "\"sv\":{\"appid\":16384,\"length\":") != NULL);
    CHECK(strstr(log, "\"asdu\":[{\"sv_id\":\"MU01_SV1\",\"smp_cnt\":0,\"conf_rev\":1,"
                      "\"smp_synch\":2}]") != NULL);
    CHECK(strstr(log, "anomaly sv smpcnt_gap") != NULL);
    CHECK(strstr(log, "anomaly sv sync_lost") != NULL);
    CHECK(strstr(log, "anomaly sv confrev_changed") != NULL);
    CHECK(strstr(r.fields, "sv.appid=16384;sv.smpcnt=151;sv.confrev=2;sv.smpsynch=0;"
                           "sv.no_asdu=1;") != NULL);
    if (test_failures)
        fprintf(stderr, "%s\n", log);
    free(log);
}

static void test_profinet(void)
{
    struct l2_run r;
    l2_init(&r, 0);
    struct ics_buf f = {0};
    /* Identify request for "plc-1" */
    ics_hex(&f, "fefe 05 00 00000010 0080 0009 0202 0005 706c632d31 00");
    l2_send(&r, 3, 0x8892, &f);
    /* Identify response: name, IP, device id */
    f.n = 0;
    ics_hex(&f, "feff 05 01 00000010 0000 002e 0202 0007 0000 706c632d31 00"
                "0102 000e 0001 c0a80002 ffffff00 c0a80001 0203 0006 0000 002a 0a01");
    l2_send(&r, 4, 0x8892, &f);
    /* Set request: a new IP, then a factory reset */
    f.n = 0;
    ics_hex(&f, "fefd 04 00 00000011 0000 0012 0102 000e 0001 0a000005 ff000000 0a000001");
    l2_send(&r, 3, 0x8892, &f);
    f.n = 0;
    ics_hex(&f, "fefd 04 00 00000012 0000 0006 0506 0002 0001");
    l2_send(&r, 3, 0x8892, &f);
    /* cyclic data is not logged; a DCP block longer than the frame */
    f.n = 0;
    ics_hex(&f, "8000 0102030405060708");
    l2_send(&r, 4, 0x8892, &f);
    f.n = 0;
    ics_hex(&f, "fefe 05 00 00000013 0080 0009 0202 00ff 706c63");
    l2_send(&r, 3, 0x8892, &f);
    char *log = l2_end(&r);
    CHECK_EQ_INT(ics_count(log, "\"event_type\":\"profinet\""), 5);
    CHECK(strstr(log, "\"profinet\":{\"frame_id\":65278,\"frame_class\":\"dcp\",\"src_mac\":"
                      "\"00:30:a7:00:00:03\",\"dst_mac\":\"01:0c:cd:01:00:01\",\"dcp\":{"
                      "\"service_id\":\"identify\",\"service_type\":0,\"xid\":16,\"data_length\":9,"
                      "\"blocks\":[{\"option\":2,\"suboption\":2}],\"name_of_station\":\"plc-1\"}}") !=
          NULL);
    CHECK(strstr(log, "\"name_of_station\":\"plc-1\",\"ip\":\"192.168.0.2\",\"netmask\":"
                      "\"255.255.255.0\",\"gateway\":\"192.168.0.1\",\"vendor_id\":42,"
                      "\"device_id\":2561}") != NULL);
    CHECK(strstr(log, "\"service_id\":\"set\",\"service_type\":0,\"xid\":17") != NULL);
    CHECK(strstr(log, "\"ip\":\"10.0.0.5\"") != NULL);
    CHECK(strstr(log, "anomaly profinet dcp_set_ip") != NULL);
    CHECK(strstr(log, "anomaly profinet dcp_factory_reset") != NULL);
    CHECK(strstr(log, "anomaly profinet malformed_dcp") != NULL);
    CHECK(strstr(log, "\"frame_class\":\"cyclic\"") == NULL);
    CHECK(strstr(r.fields, "profinet.frame_id=32768;") != NULL);
    CHECK(strstr(r.fields, "profinet.frame_id=65277;profinet.dcp_service=4;"
                           "profinet.dcp_service_type=0;profinet.dcp_xid=18;"
                           "profinet.dcp_option=1286;") != NULL);
    if (test_failures)
        fprintf(stderr, "%s\n%s\n", log, r.fields);
    free(log);
}

static void test_table_bounded(void)
{
    /* 20000 publishers with a memcap that fits a few hundred: the table
     * stays within it and the memory accounting balances. */
    struct l2_run r;
    l2_init(&r, 64 * 1024);
    struct ics_buf g = {0};
    for (int i = 0; i < 20000; i++) {
        goose(&g, 1, 1, 2000, false, 1, 1);
        g.b[0] = (uint8_t)(i >> 8);
        g.b[1] = (uint8_t)i;
        l2_send(&r, (uint8_t)(i >> 16), 0x88b8, &g);
        CHECK(app_layer_thread_stats(r.ctx)->memuse <= 64 * 1024 + 65536);
        if (test_failures)
            break;
    }
    char *log = l2_end(&r);
    CHECK(strstr(log, "anomaly") == NULL);
    free(log);
}

int main(void)
{
    test_goose();
    test_sv();
    test_profinet();
    test_table_bounded();
    TEST_MAIN_END();
}
