/* SPDX-License-Identifier: Apache-2.0 */
/* Industrial behaviour baselines (gid 7100): learn normal polling, then
 * crafted attacks each raise their alert once and normal traffic none:
 * S7 new writer, PLC stop, write outside the learned DB range, a new read
 * function; DNP3 operate outside the learned outputs, cold restart, new
 * master; IEC 104 new master; GOOSE publisher
 * from a new MAC and stNum rollback; the learned baseline saved, loaded by a
 * new context (no more learning) and still right. */
#include <unistd.h>

#include "grid_test_util.h"
#include "test.h"
#include "util/builtin_alert.h"

struct alerts {
    int count[16];
    char last_md[512];
};

static void on_alert(void *user, const struct flow *flow, const struct packet *packet,
                     const struct builtin_alert *a)
{
    struct alerts *al = user;
    if (a->gid == 7100 && a->sid < 16)
        al->count[a->sid]++;
    size_t o = 0;
    for (const char *const *m = a->metadata; m && m[0] && o < sizeof al->last_md - 1; m += 2)
        o += (size_t)snprintf(al->last_md + o, sizeof al->last_md - o, "%s=%s;", m[0], m[1]);
}

struct env {
    struct alerts al;
    struct app_layer_thread_ctx *ctx;
    struct flow f[4];
    struct packet p;
    struct app_flow_state *st[4];
};

static void env_init(struct env *e, uint64_t learn_msgs, const char *file)
{
    memset(e, 0, sizeof *e);
    struct app_event_sink sink = {.user = &e->al, .alert = on_alert};
    struct app_layer_config cfg;
    app_layer_config_load(&cfg, NULL);
    cfg.baseline_enabled = true;
    cfg.baseline_learn_messages = learn_msgs;
    cfg.baseline_learn_usec = 0;
    cfg.baseline_file = file;
    e->ctx = app_layer_thread_ctx_new(&cfg, &sink);
    for (int i = 0; i < 4; i++) {
        test_flow_init(&e->f[i], &e->p, 6, (uint16_t)(50000 + i), 102);
        e->f[i].key.src.addr.u8[15] = (uint8_t)(1 + i); /* client 10.0.0.(1+i) */
    }
    e->f[2].key.dst_port = 2404;
    e->f[3].key.dst_port = 2404;
    e->p.ts_usec = 1700000000000000ull;
}

static void env_free(struct env *e)
{
    for (int i = 0; i < 4; i++) {
        if (e->st[i]) {
            app_layer_flow_end(e->ctx, e->st[i], &e->f[i]);
            app_flow_state_free(e->st[i]);
        }
    }
    /* what is left in use is the baseline's table (freed with the context) */
    CHECK(app_layer_thread_stats(e->ctx)->memuse <= 16u * 1024 * 1024);
}

static void send(struct env *e, int flow, uint8_t dir, const struct ics_buf *b)
{
    e->p.flow = &e->f[flow];
    e->p.flow_direction = dir;
    e->p.ts_usec += 100000;
    app_layer_handle_tcp_data(e->ctx, &e->st[flow], &e->f[flow], &e->p, dir, b->b, b->n, 0);
}

static void dt(struct ics_buf *o, const char *hex)
{
    struct ics_buf p = {0};
    ics_hex(&p, hex);
    o->n = 0;
    ics_u8(o, 3);
    ics_u8(o, 0);
    ics_be16(o, (uint16_t)(7 + p.n));
    ics_hex(o, "02 f0 80");
    ics_put(o, p.b, p.n);
}

static const char s7_read[] = "32 01 0000 0100 000e 0000 04 01 12 0a 10 02 0004 0001 84 000000";
static const char s7_write8[] =
    "32 01 0000 0200 000e 0006 05 01 12 0a 10 02 0002 0001 84 000040 00 04 0010 1234";
static const char s7_write100[] =
    "32 01 0000 0200 000e 0006 05 01 12 0a 10 02 0002 0001 84 000320 00 04 0010 1234";
static const char s7_stop[] =
    "32 01 0000 0400 0010 0000 29 00 00 00 00 00 09 50 5f 50 52 4f 47 52 41 4d";
static const char s7_upload[] = "32 01 0000 0500 0012 0000 1d 00 01 00 00 00 00 00 09 "
                                "5f 30 41 30 30 30 30 31 50";

/* A learned S7 pattern: client 1 reads DB1 and writes DB1.DBB8. */
static void s7_normal(struct env *e, int rounds)
{
    struct ics_buf b = {0};
    for (int i = 0; i < rounds; i++) {
        dt(&b, s7_read);
        send(e, 0, 0, &b);
        dt(&b, s7_write8);
        send(e, 0, 0, &b);
    }
}

static void iec104_normal(struct env *e, int flow)
{
    struct ics_buf b = {0};
    ics_hex(&b, "68 04 07 00 00 00");
    send(e, flow, 0, &b);
    b.n = 0;
    ics_hex(&b, "68 0e 00 00 00 00 64 01 06 00 03 00 00 00 00 14");
    send(e, flow, 0, &b);
}

static void test_attacks(void)
{
    struct env e;
    char path[] = "/tmp/vigil-baseline-XXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    close(fd);
    unlink(path);
    env_init(&e, 40, path);
    s7_normal(&e, 10);    /* 20 messages */
    iec104_normal(&e, 2); /* master 10.0.0.3 */
    s7_normal(&e, 10);    /* learning ends */
    for (int k = 0; k < 16; k++)
        CHECK_EQ_INT(e.al.count[k], 0);
    /* normal traffic after learning: nothing */
    s7_normal(&e, 50);
    iec104_normal(&e, 2);
    for (int k = 0; k < 16; k++)
        CHECK_EQ_INT(e.al.count[k], 0);

    struct ics_buf b = {0};
    /* a write outside the learned range (DB1.DBB100), twice: one alert */
    dt(&b, s7_write100);
    send(&e, 0, 0, &b);
    send(&e, 0, 0, &b);
    CHECK_EQ_INT(e.al.count[4], 1);
    CHECK(strstr(e.al.last_md, "ics_protocol=s7comm;ics_function=write_var;ics_client=10.0.0.1;"
                               "ics_server=10.0.0.2;ics_objects=8650753:100-101;") != NULL);
    /* PLC stop from the known client: a new control function */
    dt(&b, s7_stop);
    send(&e, 0, 0, &b);
    CHECK_EQ_INT(e.al.count[2], 1);
    CHECK(strstr(e.al.last_md, "ics_function=plc_stop") != NULL);
    /* a new read function from the known client */
    dt(&b, s7_upload);
    send(&e, 0, 0, &b);
    CHECK_EQ_INT(e.al.count[3], 1);
    /* a new client (10.0.0.2) writes: one alert, not also new function/range */
    dt(&b, s7_write8);
    send(&e, 1, 0, &b);
    CHECK_EQ_INT(e.al.count[1], 1);
    CHECK_EQ_INT(e.al.count[2], 1);
    CHECK_EQ_INT(e.al.count[4], 1);
    /* a new master on the IEC 104 link (10.0.0.4), once */
    iec104_normal(&e, 3);
    iec104_normal(&e, 3);
    CHECK_EQ_INT(e.al.count[5], 1);
    CHECK(strstr(e.al.last_md, "ics_protocol=iec104;ics_function=link;ics_client=10.0.0.4;") !=
          NULL);
    /* the outstation's messages on a known link say nothing */
    b.n = 0;
    ics_hex(&b, "68 04 0b 00 00 00");
    send(&e, 2, 1, &b);
    CHECK_EQ_INT(e.al.count[5], 1);
    env_free(&e);
    /* save, then a new context loads it: learning is over, the same
     * normal traffic raises nothing, the attacks (not learned as normal:
     * they were alerted) do not alert again either, a new one does */
    struct app_layer_thread_ctx *ctxs[1] = {e.ctx};
    CHECK_EQ_INT(app_layer_baseline_save(ctxs, 1, path), 0);
    app_layer_thread_ctx_free(e.ctx);
    FILE *fp = fopen(path, "r");
    CHECK(fp != NULL);
    char line[512];
    bool state_done = false, range = false;
    while (fp && fgets(line, sizeof line, fp)) {
        if (strncmp(line, "state\tdone\t", 11) == 0)
            state_done = true;
        if (strstr(line, "range\ts7comm\t10.0.0.1\t10.0.0.2\t8650753\t8-9,100-101\t"))
            range = true;
    }
    if (fp)
        fclose(fp);
    CHECK(state_done);
    CHECK(range);

    struct env e2;
    env_init(&e2, 1000000, path); /* would learn for long: the file says done */
    s7_normal(&e2, 20);
    iec104_normal(&e2, 2);
    dt(&b, s7_write100);
    send(&e2, 0, 0, &b);
    for (int k = 0; k < 16; k++)
        CHECK_EQ_INT(e2.al.count[k], 0);
    /* a write to DB2 (another space) */
    dt(&b, "32 01 0000 0200 000e 0006 05 01 12 0a 10 02 0002 0002 84 000040 00 04 0010 1234");
    send(&e2, 0, 0, &b);
    CHECK_EQ_INT(e2.al.count[4], 1);
    env_free(&e2);
    app_layer_thread_ctx_free(e2.ctx);
    unlink(path);
}

static void goose(struct ics_buf *o, uint32_t stnum, uint32_t sqnum)
{
    struct ics_buf pdu = {0};
    ics_hex(&pdu, "80 0a 49 45 44 31 2f 4c 4c 4e 30 24");   /* gocbRef "IED1/LLN0$" */
    ics_hex(&pdu, "81 02 07 d0");                           /* TTL 2000 */
    ics_u8(&pdu, 0x85);
    ics_u8(&pdu, 4);
    ics_be32(&pdu, stnum);
    ics_u8(&pdu, 0x86);
    ics_u8(&pdu, 4);
    ics_be32(&pdu, sqnum);
    o->n = 0;
    ics_be16(o, 3);
    ics_be16(o, (uint16_t)(8 + 2 + pdu.n));
    ics_be32(o, 0);
    ics_u8(o, 0x61);
    ics_u8(o, (uint8_t)pdu.n);
    ics_put(o, pdu.b, pdu.n);
}

static void goose_send(struct env *e, uint8_t mac, const struct ics_buf *g)
{
    static uint8_t frame[256];
    memcpy(frame, "\x01\x0c\xcd\x01\x00\x01\x00\x30\xa7\x00\x00", 11);
    frame[11] = mac;
    frame[12] = 0x88;
    frame[13] = 0xb8;
    memcpy(frame + 14, g->b, g->n);
    e->p.ethernet = frame;
    e->p.l2_type = 0x88b8;
    e->p.l2_payload = frame + 14;
    e->p.l2_payload_len = g->n;
    e->p.ts_usec += 1000000;
    app_layer_handle_l2(e->ctx, &e->p);
}

static void test_goose(void)
{
    struct env e;
    env_init(&e, 10, NULL);
    struct ics_buf g = {0};
    uint32_t sq = 1;
    for (int i = 0; i < 10; i++) {
        goose(&g, 4, sq++);
        goose_send(&e, 1, &g);
    }
    for (int i = 0; i < 10; i++) {
        goose(&g, 4, sq++);
        goose_send(&e, 1, &g);
    }
    CHECK_EQ_INT(e.al.count[6] + e.al.count[7], 0);
    /* the same control block from another MAC: new publisher MAC, once */
    goose(&g, 5, 0);
    goose_send(&e, 9, &g);
    goose(&g, 5, 1);
    goose_send(&e, 9, &g);
    CHECK_EQ_INT(e.al.count[6], 1);
    CHECK(strstr(e.al.last_md, "ics_client=00:30:a7:00:00:09;goose_gocb_ref=IED1/LLN0$;") != NULL);
    /* the real publisher's stNum goes back */
    goose(&g, 2, 0);
    goose_send(&e, 1, &g);
    CHECK_EQ_INT(e.al.count[7], 1);
    env_free(&e);
    app_layer_thread_ctx_free(e.ctx);
}

/* DNP3 (master 10.0.0.1 polls and operates output 3 of outstation
 * 10.0.0.2): after learning, operating another output, a cold restart and
 * a new master operating each raise their alert once; the polling none. */
static void dnp3_send(struct env *e, int flow, const char *user_hex)
{
    struct ics_buf u = {0}, b = {0};
    ics_hex(&u, user_hex);
    uint8_t frame[300];
    uint32_t n = ics_dnp3_link(frame, 0xc4, u.b, (uint32_t)u.n);
    ics_put(&b, frame, n);
    send(e, flow, 0, &b);
}

static const char dnp3_read[] = "c0 c1 01 3c 01 06";
static const char dnp3_operate3[] =
    "c0 c2 05 0c 01 28 01 00 03 00 03 01 64 00 00 00 64 00 00 00 00";
static const char dnp3_operate7[] =
    "c0 c3 05 0c 01 28 01 00 07 00 03 01 64 00 00 00 64 00 00 00 00";

static void test_dnp3(void)
{
    struct env e;
    env_init(&e, 20, NULL);
    e.f[0].key.dst_port = 20000;
    e.f[1].key.dst_port = 20000;
    for (int i = 0; i < 20; i++) {
        dnp3_send(&e, 0, dnp3_read);
        dnp3_send(&e, 0, dnp3_operate3);
    }
    for (int k = 0; k < 16; k++)
        CHECK_EQ_INT(e.al.count[k], 0);
    dnp3_send(&e, 0, dnp3_operate7);
    dnp3_send(&e, 0, dnp3_operate7);
    CHECK_EQ_INT(e.al.count[4], 1);
    CHECK(strstr(e.al.last_md, "ics_protocol=dnp3;ics_function=5;ics_client=10.0.0.1;"
                               "ics_server=10.0.0.2;ics_objects=12:7-7;") != NULL);
    dnp3_send(&e, 0, "c0 c4 0d"); /* cold restart */
    CHECK_EQ_INT(e.al.count[2], 1);
    CHECK(strstr(e.al.last_md, "ics_function=13;") != NULL);
    /* after a restart the master clears IIN1.7 (g80v1 index 7):
     * housekeeping, not judged */
    int before = 0;
    for (int k = 0; k < 16; k++)
        before += e.al.count[k];
    dnp3_send(&e, 0, "c0 c5 02 50 01 00 07 07 00");
    int after = 0;
    for (int k = 0; k < 16; k++)
        after += e.al.count[k];
    CHECK_EQ_INT(after, before);
    dnp3_send(&e, 1, dnp3_operate3); /* a new master operates */
    CHECK_EQ_INT(e.al.count[1], 1);
    CHECK_EQ_INT(e.al.count[4], 1);
    dnp3_send(&e, 0, dnp3_read);
    dnp3_send(&e, 0, dnp3_operate3);
    CHECK_EQ_INT(e.al.count[1] + e.al.count[2] + e.al.count[3] + e.al.count[4], 3);
    env_free(&e);
    app_layer_thread_ctx_free(e.ctx);
}

int main(void)
{
    test_attacks();
    test_goose();
    test_dnp3();
    TEST_MAIN_END();
}
