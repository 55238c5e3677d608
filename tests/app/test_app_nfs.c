/* SPDX-License-Identifier: Apache-2.0 */
/* NFSv3 over ONC RPC, hand-built XDR: over UDP a LOOKUP names a handle and a
 * READ of it becomes a file (fileinfo with the name); over TCP (record
 * marking, a record split in two fragments) a CREATE and a FILE_SYNC WRITE
 * make a file; EVE nfs/rpc, integer fields for nfs_procedure/nfs.version;
 * split at every offset; hostile record marks. */
#include "app_test_util.h"
#include "test.h"

struct buf {
    uint8_t d[4096];
    uint32_t n;
};

static void u32(struct buf *b, uint32_t v)
{
    b->d[b->n++] = (uint8_t)(v >> 24);
    b->d[b->n++] = (uint8_t)(v >> 16);
    b->d[b->n++] = (uint8_t)(v >> 8);
    b->d[b->n++] = (uint8_t)v;
}
static void u64(struct buf *b, uint64_t v)
{
    u32(b, (uint32_t)(v >> 32));
    u32(b, (uint32_t)v);
}
static void opaque(struct buf *b, const void *p, uint32_t n)
{
    u32(b, n);
    memcpy(b->d + b->n, p, n);
    b->n += n;
    while (b->n % 4)
        b->d[b->n++] = 0;
}

static const uint8_t dir_fh[8] = {1, 1, 1, 1, 0, 0, 0, 1};
static const uint8_t file_fh[8] = {2, 2, 2, 2, 0, 0, 0, 2};

static void call(struct buf *b, uint32_t xid, uint32_t proc)
{
    u32(b, xid);
    u32(b, 0);
    u32(b, 2);
    u32(b, 100003);
    u32(b, 3);
    u32(b, proc);
    /* AUTH_UNIX: stamp, machine "host", uid 1000, gid 100, no gids */
    struct buf c = {.n = 0};
    u32(&c, 7);
    opaque(&c, "host", 4);
    u32(&c, 1000);
    u32(&c, 100);
    u32(&c, 0);
    u32(b, 1);
    opaque(b, c.d, c.n);
    u32(b, 0);
    u32(b, 0);
}

static void reply(struct buf *b, uint32_t xid)
{
    u32(b, xid);
    u32(b, 1);
    u32(b, 0);
    u32(b, 0);
    u32(b, 0);
    u32(b, 0);
}

static struct {
    uint64_t procs[16];
    int nprocs;
    bool v3;
} seen;

static int cb(struct app_tx *tx, void *user)
{
    (void)user;
    uint64_t v;
    const char *name;
    if (app_tx_get_uint_by_name(tx, "nfs.procedure", 0, &v, &name) == 0 && seen.nprocs < 16)
        seen.procs[seen.nprocs++] = v;
    if (app_tx_get_uint_by_name(tx, "nfs.version", 0, &v, &name) == 0 && v == 3)
        seen.v3 = true;
    app_tx_set_detect_done(tx, 0);
    app_tx_set_detect_done(tx, 1);
    return 0;
}

static void test_udp_lookup_read(void)
{
    struct buf q1 = {.n = 0}, r1 = {.n = 0}, q2 = {.n = 0}, r2 = {.n = 0};
    call(&q1, 100, 3); /* LOOKUP */
    opaque(&q1, dir_fh, 8);
    opaque(&q1, "notes.txt", 9);
    reply(&r1, 100);
    u32(&r1, 0);
    opaque(&r1, file_fh, 8);
    u32(&r1, 0);
    u32(&r1, 0);
    call(&q2, 101, 6); /* READ */
    opaque(&q2, file_fh, 8);
    u64(&q2, 0);
    u32(&q2, 4096);
    reply(&r2, 101);
    u32(&r2, 0);
    u32(&r2, 0);
    u32(&r2, 11);
    u32(&r2, 1); /* eof */
    opaque(&r2, "hello there", 11);

    struct test_capture cap = {0};
    struct app_event_sink sink = {
        .user = &cap, .emit = test_capture_emit, .anomaly = test_capture_anomaly};
    app_layer_set_detection_active(true);
    struct app_layer_thread_ctx *ctx = app_layer_thread_ctx_new(NULL, &sink);
    struct flow f;
    struct packet p;
    test_flow_init(&f, &p, 17, 800, 2049);
    struct app_flow_state *st = NULL;
    memset(&seen, 0, sizeof(seen));
    const struct buf *m[4] = {&q1, &r1, &q2, &r2};
    for (int i = 0; i < 4; i++) {
        p.flow_direction = (uint8_t)(i & 1);
        app_layer_handle_udp(ctx, &st, &f, &p, (uint8_t)(i & 1), m[i]->d, m[i]->n);
        app_flow_state_tx_foreach(st, cb, NULL);
        p.pcap_cnt++;
    }
    CHECK_EQ_INT(app_flow_state_proto(st), APP_PROTO_NFS);
    app_layer_flow_end(ctx, st, &f);
    app_flow_state_free(st);
    CHECK_EQ_INT(app_layer_thread_stats(ctx)->memuse, 0);
    app_layer_thread_ctx_free(ctx);
    app_layer_set_detection_active(false);
    test_capture_append(&cap, "", 0);
    const char *log = cap.log;
    CHECK(
        strstr(log, "\"nfs\":{\"version\":3,\"procedure\":\"LOOKUP\",\"filename\":\"notes.txt\"") !=
        NULL);
    CHECK(strstr(log, "\"rpc\":{\"xid\":100,\"status\":\"ACCEPTED\",\"auth_type\":\"UNIX\","
                      "\"creds\":{\"machine_name\":\"host\",\"uid\":1000,\"gid\":100}}") != NULL);
    CHECK(strstr(log, "\"event_type\":\"fileinfo\"") != NULL);
    CHECK(strstr(log, "\"fileinfo\":{\"filename\":\"notes.txt\"") != NULL);
    CHECK(strstr(log, "\"size\":11") != NULL);
    CHECK(strstr(log, "\"state\":\"CLOSED\"") != NULL);
    CHECK(strstr(log, "\"read\":{\"first\":true,\"last\":true,\"last_xid\":101,\"chunks\":1}") !=
          NULL);
    CHECK(strstr(log, "anomaly") == NULL);
    CHECK_EQ_INT(seen.nprocs >= 2, 1);
    CHECK_EQ_INT(seen.procs[0], 3);
    CHECK(seen.v3);
    if (test_failures)
        fprintf(stderr, "%s\n", log);
    test_capture_reset(&cap);
}

/* One RPC message as a record of two fragments. */
static void record2(struct buf *out, const struct buf *m)
{
    uint32_t half = (m->n / 2) & ~3u;
    u32(out, half);
    memcpy(out->d + out->n, m->d, half);
    out->n += half;
    u32(out, 0x80000000u | (m->n - half));
    memcpy(out->d + out->n, m->d + half, m->n - half);
    out->n += m->n - half;
}

static void record(struct buf *out, const struct buf *m)
{
    u32(out, 0x80000000u | m->n);
    memcpy(out->d + out->n, m->d, m->n);
    out->n += m->n;
}

static void test_tcp_create_write(void)
{
    struct buf q1 = {.n = 0}, r1 = {.n = 0}, q2 = {.n = 0}, r2 = {.n = 0};
    call(&q1, 7, 8); /* CREATE */
    opaque(&q1, dir_fh, 8);
    opaque(&q1, "upload.bin", 10);
    u32(&q1, 0); /* UNCHECKED */
    for (int i = 0; i < 6; i++)
        u32(&q1, 0); /* sattr3: nothing set */
    reply(&r1, 7);
    u32(&r1, 0);
    u32(&r1, 1); /* handle follows */
    opaque(&r1, file_fh, 8);
    u32(&r1, 0);
    u32(&r1, 0);
    u32(&r1, 0);
    call(&q2, 8, 7); /* WRITE, FILE_SYNC */
    opaque(&q2, file_fh, 8);
    u64(&q2, 0);
    u32(&q2, 10);
    u32(&q2, 2);
    opaque(&q2, "0123456789", 10);
    reply(&r2, 8);
    u32(&r2, 0);
    u32(&r2, 0);
    u32(&r2, 0);
    u32(&r2, 10);
    u32(&r2, 2);
    u64(&r2, 0);
    struct buf c1 = {.n = 0}, s1 = {.n = 0}, c2 = {.n = 0}, s2 = {.n = 0};
    record(&c1, &q1);
    record(&s1, &r1);
    record2(&c2, &q2);
    record(&s2, &r2);
    struct test_segment segs[] = {
        {0, c1.d, c1.n}, {1, s1.d, s1.n}, {0, c2.d, c2.n}, {1, s2.d, s2.n}};
    uint16_t proto;
    char *log = test_run_tcp(segs, 4, 800, 2049, -1, 0, &proto);
    CHECK_EQ_INT(proto, APP_PROTO_NFS);
    CHECK(strstr(log, "\"procedure\":\"CREATE\",\"filename\":\"upload.bin\"") != NULL);
    CHECK(strstr(log, "\"fileinfo\":{\"filename\":\"upload.bin\"") != NULL);
    CHECK(strstr(log, "\"size\":10") != NULL);
    CHECK(strstr(log, "\"write\":{\"first\":true,\"last\":true,\"last_xid\":8,\"chunks\":0}") !=
          NULL);
    CHECK(strstr(log, "anomaly") == NULL);
    CHECK(strstr(log, "MEMUSE-LEAK") == NULL);
    if (test_failures)
        fprintf(stderr, "%s\n", log);
    free(log);
    CHECK_EQ_INT(test_tcp_split_invariance(segs, 4, 800, 2049), 0);
}

static void test_hostile(void)
{
    /* A call, then record marks claiming 2 GB and zero bytes, then garbage. */
    struct buf q = {.n = 0}, c = {.n = 0};
    call(&q, 1, 0);
    record(&c, &q);
    u32(&c, 0xffffffffu);
    memset(c.d + c.n, 0xee, 64);
    c.n += 64;
    u32(&c, 0x80000000u);
    struct test_segment segs[] = {{0, c.d, c.n}};
    char *log = test_run_tcp(segs, 1, 800, 2049, -1, 0, NULL);
    CHECK(strstr(log, "MEMUSE-LEAK") == NULL);
    free(log);
}

int main(void)
{
    test_udp_lookup_read();
    test_tcp_create_write();
    test_hostile();
    TEST_MAIN_END();
}
