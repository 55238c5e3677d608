/* SPDX-License-Identifier: Apache-2.0 */
/* SMB2 over NetBIOS session framing, hand-built: negotiate, session setup
 * with NTLMSSP (user, domain, host), tree connect to a share and to IPC$,
 * a file written in two chunks and closed (fileinfo), a compound request,
 * an SMB3 transform record, DCE/RPC bind over a named pipe; buffers and
 * integer fields for detection; split at every offset; hostile input. */
#include "app_test_util.h"
#include "test.h"

static void zeros(struct test_buf *b, uint32_t n)
{
    memset(b->d + b->n, 0, n);
    b->n += n;
}
static void utf16(struct test_buf *b, const char *s)
{
    for (; *s; s++)
        test_buf_le16(b, (uint8_t)*s);
}

/* NBSS header for the record that starts at `at`, once complete. */
static void nbss_begin(struct test_buf *b, uint32_t *at)
{
    *at = b->n;
    zeros(b, 4);
}
static void nbss_end(struct test_buf *b, uint32_t at)
{
    uint32_t len = b->n - at - 4;
    b->d[at] = 0;
    b->d[at + 1] = (uint8_t)(len >> 16);
    b->d[at + 2] = (uint8_t)(len >> 8);
    b->d[at + 3] = (uint8_t)len;
}

static void smb2_hdr(struct test_buf *b, uint16_t cmd, uint64_t msg_id, bool response, uint32_t status,
                     uint32_t tree_id, uint32_t next)
{
    test_buf_put(b, "\xfeSMB", 4);
    test_buf_le16(b, 64);
    test_buf_le16(b, 0); /* credit charge */
    test_buf_le32(b, status);
    test_buf_le16(b, cmd);
    test_buf_le16(b, 1);                  /* credits */
    test_buf_le32(b, response ? 1u : 0u); /* flags */
    test_buf_le32(b, next);
    test_buf_le64(b, msg_id);
    test_buf_le32(b, 0); /* process id */
    test_buf_le32(b, tree_id);
    test_buf_le64(b, 0x1122334455667788ull); /* session id */
    zeros(b, 16);
}

static const uint8_t file_id[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
static const uint8_t pipe_id[16] = {9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9};

static void negotiate(struct test_buf *c, struct test_buf *s)
{
    uint32_t at;
    nbss_begin(c, &at);
    smb2_hdr(c, 0, 0, false, 0, 0, 0);
    test_buf_le16(c, 36);
    test_buf_le16(c, 2); /* dialect count */
    test_buf_le16(c, 1);
    test_buf_le16(c, 0);
    test_buf_le32(c, 0);
    zeros(c, 16 + 8);
    test_buf_le16(c, 0x0202);
    test_buf_le16(c, 0x0210);
    nbss_end(c, at);

    nbss_begin(s, &at);
    smb2_hdr(s, 0, 0, true, 0, 0, 0);
    test_buf_le16(s, 65);
    test_buf_le16(s, 1);
    test_buf_le16(s, 0x0210);
    test_buf_le16(s, 0);
    zeros(s, 16);
    test_buf_le32(s, 0);
    test_buf_le32(s, 65536);
    test_buf_le32(s, 65536);
    test_buf_le32(s, 65536);
    zeros(s, 16);
    test_buf_le16(s, 128);
    test_buf_le16(s, 0);
    test_buf_le32(s, 0);
    nbss_end(s, at);
}

/* NTLMSSP AUTHENTICATE (type 3) with domain, user and host. */
static uint32_t ntlmssp_auth(uint8_t *out)
{
    struct test_buf m = {.n = 0};
    test_buf_put(&m, "NTLMSSP\0", 8);
    test_buf_le32(&m, 3);
    const char *domain = "CONTOSO", *user = "alice", *host = "WS01";
    uint32_t off = 72;
    uint32_t dl = (uint32_t)strlen(domain) * 2, ul = (uint32_t)strlen(user) * 2,
             hl = (uint32_t)strlen(host) * 2;
    /* LM, NT: empty */
    test_buf_le16(&m, 0), test_buf_le16(&m, 0), test_buf_le32(&m, off);
    test_buf_le16(&m, 0), test_buf_le16(&m, 0), test_buf_le32(&m, off);
    test_buf_le16(&m, (uint16_t)dl), test_buf_le16(&m, (uint16_t)dl), test_buf_le32(&m, off);
    test_buf_le16(&m, (uint16_t)ul), test_buf_le16(&m, (uint16_t)ul), test_buf_le32(&m, off + dl);
    test_buf_le16(&m, (uint16_t)hl), test_buf_le16(&m, (uint16_t)hl), test_buf_le32(&m, off + dl + ul);
    test_buf_le16(&m, 0), test_buf_le16(&m, 0), test_buf_le32(&m, off + dl + ul + hl); /* session key */
    test_buf_le32(&m, 0x02088201);                                   /* flags: unicode, ... */
    zeros(&m, 8);                                           /* version */
    utf16(&m, domain);
    utf16(&m, user);
    utf16(&m, host);
    memcpy(out, m.d, m.n);
    return m.n;
}

static void session_setup(struct test_buf *c, struct test_buf *s)
{
    uint8_t tok[256];
    uint32_t tl = ntlmssp_auth(tok);
    uint32_t at;
    nbss_begin(c, &at);
    smb2_hdr(c, 1, 1, false, 0, 0, 0);
    test_buf_le16(c, 25);
    test_buf_u8(c, 0);
    test_buf_u8(c, 1);
    test_buf_le32(c, 0);
    test_buf_le32(c, 0);
    test_buf_le16(c, 64 + 24);
    test_buf_le16(c, (uint16_t)tl);
    test_buf_le64(c, 0);
    test_buf_put(c, tok, tl);
    nbss_end(c, at);

    nbss_begin(s, &at);
    smb2_hdr(s, 1, 1, true, 0, 0, 0);
    test_buf_le16(s, 9);
    test_buf_le16(s, 0);
    test_buf_le16(s, 72);
    test_buf_le16(s, 0);
    test_buf_u8(s, 0);
    nbss_end(s, at);
}

static void tree_connect(struct test_buf *c, struct test_buf *s, uint64_t mid, const char *path, uint32_t tid,
                         uint8_t share_type)
{
    uint32_t at;
    nbss_begin(c, &at);
    smb2_hdr(c, 3, mid, false, 0, 0, 0);
    test_buf_le16(c, 9);
    test_buf_le16(c, 0);
    test_buf_le16(c, 64 + 8);
    test_buf_le16(c, (uint16_t)(strlen(path) * 2));
    utf16(c, path);
    nbss_end(c, at);

    nbss_begin(s, &at);
    smb2_hdr(s, 3, mid, true, 0, tid, 0);
    test_buf_le16(s, 16);
    test_buf_u8(s, share_type);
    test_buf_u8(s, 0);
    test_buf_le32(s, 0);
    test_buf_le32(s, 0);
    test_buf_le32(s, 0x1f01ff);
    nbss_end(s, at);
}

static void create(struct test_buf *c, struct test_buf *s, uint64_t mid, uint32_t tid, const char *name,
                   const uint8_t fid[16])
{
    uint32_t at;
    nbss_begin(c, &at);
    smb2_hdr(c, 5, mid, false, 0, tid, 0);
    test_buf_le16(c, 57);
    test_buf_u8(c, 0);
    test_buf_u8(c, 0);
    test_buf_le32(c, 2);
    test_buf_le64(c, 0);
    test_buf_le64(c, 0);
    test_buf_le32(c, 0x12019f);
    test_buf_le32(c, 0x80);
    test_buf_le32(c, 7);
    test_buf_le32(c, 5); /* overwrite-if */
    test_buf_le32(c, 0x40);
    test_buf_le16(c, 64 + 56);
    test_buf_le16(c, (uint16_t)(strlen(name) * 2));
    test_buf_le32(c, 0);
    test_buf_le32(c, 0);
    utf16(c, name);
    nbss_end(c, at);

    nbss_begin(s, &at);
    smb2_hdr(s, 5, mid, true, 0, tid, 0);
    test_buf_le16(s, 89);
    test_buf_u8(s, 0);
    test_buf_u8(s, 0);
    test_buf_le32(s, 2);
    zeros(s, 32);
    test_buf_le64(s, 0);
    test_buf_le64(s, 0);
    test_buf_le32(s, 0x80);
    test_buf_le32(s, 0);
    test_buf_put(s, fid, 16);
    test_buf_le32(s, 0);
    test_buf_le32(s, 0);
    nbss_end(s, at);
}

static void write_req(struct test_buf *c, struct test_buf *s, uint64_t mid, uint32_t tid,
                      const uint8_t fid[16], uint64_t offset, const char *data)
{
    uint32_t n = (uint32_t)strlen(data);
    uint32_t at;
    nbss_begin(c, &at);
    smb2_hdr(c, 9, mid, false, 0, tid, 0);
    test_buf_le16(c, 49);
    test_buf_le16(c, 64 + 48);
    test_buf_le32(c, n);
    test_buf_le64(c, offset);
    test_buf_put(c, fid, 16);
    test_buf_le32(c, 0);
    test_buf_le32(c, 0);
    test_buf_le16(c, 0);
    test_buf_le16(c, 0);
    test_buf_le32(c, 0);
    test_buf_put(c, data, n);
    nbss_end(c, at);

    nbss_begin(s, &at);
    smb2_hdr(s, 9, mid, true, 0, tid, 0);
    test_buf_le16(s, 17);
    test_buf_le16(s, 0);
    test_buf_le32(s, n);
    test_buf_le32(s, 0);
    test_buf_le16(s, 0);
    test_buf_le16(s, 0);
    nbss_end(s, at);
}

static void close_req(struct test_buf *c, struct test_buf *s, uint64_t mid, uint32_t tid,
                      const uint8_t fid[16])
{
    uint32_t at;
    nbss_begin(c, &at);
    smb2_hdr(c, 6, mid, false, 0, tid, 0);
    test_buf_le16(c, 24);
    test_buf_le16(c, 0);
    test_buf_le32(c, 0);
    test_buf_put(c, fid, 16);
    nbss_end(c, at);

    nbss_begin(s, &at);
    smb2_hdr(s, 6, mid, true, 0, tid, 0);
    test_buf_le16(s, 60);
    test_buf_le16(s, 0);
    test_buf_le32(s, 0);
    zeros(s, 52);
    nbss_end(s, at);
}

/* A DCE/RPC bind to the srvsvc interface, written to the pipe; the answer
 * read back. */
static const uint8_t srvsvc[16] = {0xc8, 0x4f, 0x32, 0x4b, 0x70, 0x16, 0xd3, 0x01,
                                   0x12, 0x78, 0x5a, 0x47, 0xbf, 0x6e, 0xe1, 0x88};

static void dce_bind(struct test_buf *d)
{
    test_buf_u8(d, 5), test_buf_u8(d, 0), test_buf_u8(d, 11), test_buf_u8(d, 3);
    test_buf_le32(d, 0x10);
    test_buf_le16(d, 72);
    test_buf_le16(d, 0);
    test_buf_le32(d, 1);
    test_buf_le16(d, 4280), test_buf_le16(d, 4280), test_buf_le32(d, 0);
    test_buf_u8(d, 1), test_buf_u8(d, 0), test_buf_le16(d, 0); /* one context */
    test_buf_le16(d, 0);                     /* context id */
    test_buf_u8(d, 1), test_buf_u8(d, 0);
    test_buf_put(d, srvsvc, 16);
    test_buf_le16(d, 3), test_buf_le16(d, 0);
    static const uint8_t ndr[16] = {0x04, 0x5d, 0x88, 0x8a, 0xeb, 0x1c, 0xc9, 0x11,
                                    0x9f, 0xe8, 0x08, 0x00, 0x2b, 0x10, 0x48, 0x60};
    test_buf_put(d, ndr, 16);
    test_buf_le32(d, 2);
}

static void dce_bind_ack(struct test_buf *d)
{
    test_buf_u8(d, 5), test_buf_u8(d, 0), test_buf_u8(d, 12), test_buf_u8(d, 3);
    test_buf_le32(d, 0x10);
    test_buf_le16(d, 68);
    test_buf_le16(d, 0);
    test_buf_le32(d, 1);
    test_buf_le16(d, 4280), test_buf_le16(d, 4280), test_buf_le32(d, 0x1234);
    test_buf_le16(d, 13);
    test_buf_put(d, "\\PIPE\\srvsvc", 13);
    test_buf_u8(d, 0); /* align to 4 */
    test_buf_u8(d, 1), test_buf_u8(d, 0), test_buf_le16(d, 0);
    test_buf_le16(d, 0), test_buf_le16(d, 0); /* acceptance */
    static const uint8_t ndr[16] = {0x04, 0x5d, 0x88, 0x8a, 0xeb, 0x1c, 0xc9, 0x11,
                                    0x9f, 0xe8, 0x08, 0x00, 0x2b, 0x10, 0x48, 0x60};
    test_buf_put(d, ndr, 16);
    test_buf_le32(d, 2);
}

/* A DCE/RPC request (opnum 15, stub "ABCD") and its response. */
static void dce_request(struct test_buf *d)
{
    test_buf_u8(d, 5), test_buf_u8(d, 0), test_buf_u8(d, 0), test_buf_u8(d, 3);
    test_buf_le32(d, 0x10);
    test_buf_le16(d, 28);
    test_buf_le16(d, 0);
    test_buf_le32(d, 2);
    test_buf_le32(d, 4);
    test_buf_le16(d, 0);
    test_buf_le16(d, 15);
    test_buf_put(d, "ABCD", 4);
}

static void dce_response(struct test_buf *d)
{
    test_buf_u8(d, 5), test_buf_u8(d, 0), test_buf_u8(d, 2), test_buf_u8(d, 3);
    test_buf_le32(d, 0x10);
    test_buf_le16(d, 28);
    test_buf_le16(d, 0);
    test_buf_le32(d, 2);
    test_buf_le32(d, 4);
    test_buf_le16(d, 0);
    test_buf_u8(d, 0), test_buf_u8(d, 0);
    test_buf_put(d, "WXYZ", 4);
}

/* pdu written to the pipe, answer read back. */
static void pipe_write_read(struct test_buf *c, struct test_buf *s, uint64_t mid, uint32_t tid,
                            void (*req)(struct test_buf *), void (*res)(struct test_buf *))
{
    struct test_buf bind = {.n = 0}, ack = {.n = 0};
    req(&bind);
    res(&ack);
    uint32_t at;
    /* WRITE of the bind */
    nbss_begin(c, &at);
    smb2_hdr(c, 9, mid, false, 0, tid, 0);
    test_buf_le16(c, 49);
    test_buf_le16(c, 64 + 48);
    test_buf_le32(c, bind.n);
    test_buf_le64(c, 0);
    test_buf_put(c, pipe_id, 16);
    zeros(c, 16);
    test_buf_put(c, bind.d, bind.n);
    nbss_end(c, at);
    nbss_begin(s, &at);
    smb2_hdr(s, 9, mid, true, 0, tid, 0);
    test_buf_le16(s, 17);
    test_buf_le16(s, 0);
    test_buf_le32(s, bind.n);
    zeros(s, 8);
    nbss_end(s, at);
    /* READ of the bind_ack */
    nbss_begin(c, &at);
    smb2_hdr(c, 8, mid + 1, false, 0, tid, 0);
    test_buf_le16(c, 49);
    test_buf_u8(c, 0);
    test_buf_u8(c, 0);
    test_buf_le32(c, 1024);
    test_buf_le64(c, 0);
    test_buf_put(c, pipe_id, 16);
    test_buf_le32(c, 0);
    test_buf_le32(c, 0);
    test_buf_le32(c, 0);
    test_buf_le16(c, 0);
    test_buf_le16(c, 0);
    test_buf_u8(c, 0);
    nbss_end(c, at);
    nbss_begin(s, &at);
    smb2_hdr(s, 8, mid + 1, true, 0, tid, 0);
    test_buf_le16(s, 17);
    test_buf_u8(s, 64 + 16);
    test_buf_u8(s, 0);
    test_buf_le32(s, ack.n);
    test_buf_le32(s, 0);
    test_buf_le32(s, 0);
    test_buf_put(s, ack.d, ack.n);
    nbss_end(s, at);
}

struct conv {
    struct test_buf c[16], s[16];
    struct test_segment segs[32];
    size_t nsegs;
};

/* Client and server messages alternate, one segment each. */
static void conv_build(struct conv *v)
{
    int k = 0;
    negotiate(&v->c[k], &v->s[k]);
    k++;
    session_setup(&v->c[k], &v->s[k]);
    k++;
    tree_connect(&v->c[k], &v->s[k], 2, "\\\\srv\\docs", 5, 1);
    k++;
    create(&v->c[k], &v->s[k], 3, 5, "report.txt", file_id);
    k++;
    write_req(&v->c[k], &v->s[k], 4, 5, file_id, 0, "hello ");
    k++;
    write_req(&v->c[k], &v->s[k], 5, 5, file_id, 6, "world\n");
    k++;
    close_req(&v->c[k], &v->s[k], 6, 5, file_id);
    k++;
    tree_connect(&v->c[k], &v->s[k], 7, "\\\\srv\\IPC$", 6, 2);
    k++;
    create(&v->c[k], &v->s[k], 8, 6, "srvsvc", pipe_id);
    k++;
    pipe_write_read(&v->c[k], &v->s[k], 9, 6, dce_bind, dce_bind_ack);
    k++;
    pipe_write_read(&v->c[k], &v->s[k], 11, 6, dce_request, dce_response);
    k++;
    v->nsegs = 0;
    for (int i = 0; i < k; i++) {
        v->segs[v->nsegs++] = (struct test_segment){0, v->c[i].d, v->c[i].n};
        v->segs[v->nsegs++] = (struct test_segment){1, v->s[i].d, v->s[i].n};
    }
}

static int count(const char *log, const char *needle)
{
    int n = 0;
    for (const char *p = log; (p = strstr(p, needle)) != NULL; p += strlen(needle))
        n++;
    return n;
}

static struct {
    bool share, pipe, user, domain, stub, stub_tc, iface;
    uint64_t version, opnum;
} seen;

static int buffers_cb(struct app_tx *tx, void *user)
{
    (void)user;
    const uint8_t *d;
    uint32_t l;
    if (app_tx_get_buffer_dir(tx, APP_BUFFER_SMB_SHARE, 0, 0, &d, &l) == 0 && l == 10 &&
        memcmp(d, "\\\\srv\\docs", 10) == 0)
        seen.share = true;
    if (app_tx_get_buffer_dir(tx, APP_BUFFER_SMB_NAMED_PIPE, 0, 0, &d, &l) == 0 && l == 10 &&
        memcmp(d, "\\\\srv\\IPC$", 10) == 0)
        seen.pipe = true;
    if (app_tx_get_buffer_dir(tx, APP_BUFFER_SMB_NTLMSSP_USER, 0, 0, &d, &l) == 0 && l == 5 &&
        memcmp(d, "alice", 5) == 0)
        seen.user = true;
    if (app_tx_get_buffer_dir(tx, APP_BUFFER_SMB_NTLMSSP_DOMAIN, 0, 0, &d, &l) == 0 && l == 7 &&
        memcmp(d, "CONTOSO", 7) == 0)
        seen.domain = true;
    if (app_tx_get_buffer_dir(tx, APP_BUFFER_DCERPC_IFACE_DATA, 0, 0, &d, &l) == 0 && l >= 16 &&
        memcmp(d, "\x4b\x32\x4f\xc8", 4) == 0)
        seen.iface = true;
    if (app_tx_get_buffer_dir(tx, APP_BUFFER_DCERPC_STUB_DATA, 0, 0, &d, &l) == 0 && l == 4 &&
        memcmp(d, "ABCD", 4) == 0)
        seen.stub = true;
    /* a response's stub, as Suricata's, starts right after the common header */
    if (app_tx_get_buffer_dir(tx, APP_BUFFER_DCERPC_STUB_DATA, 1, 0, &d, &l) == 0 && l == 12 &&
        memcmp(d + 8, "WXYZ", 4) == 0)
        seen.stub_tc = true;
    uint64_t v;
    const char *name;
    if (app_tx_get_uint_by_name(tx, "smb.version", 0, &v, &name) == 0)
        seen.version = v;
    if (app_tx_get_uint_by_name(tx, "dcerpc.opnum", 0, &v, &name) == 0)
        seen.opnum = v;
    return 0;
}

static void test_session(void)
{
    static struct conv v;
    memset(&v, 0, sizeof(v));
    conv_build(&v);
    uint16_t proto;
    char *log = test_run_tcp(v.segs, v.nsegs, 50000, 445, -1, 0, &proto);
    CHECK_EQ_INT(proto, APP_PROTO_SMB);
    CHECK(strstr(log, "\"command\":\"SMB2_COMMAND_NEGOTIATE_PROTOCOL\"") != NULL);
    CHECK(strstr(log, "\"dialect\":\"2.10\"") != NULL);
    CHECK(strstr(log, "\"ntlmssp\":{\"domain\":\"CONTOSO\",\"user\":\"alice\",\"host\":\"WS01\"") !=
          NULL);
    CHECK(strstr(log, "\"share\":\"\\\\\\\\srv\\\\docs\"") != NULL);
    CHECK(strstr(log, "\"named_pipe\":\"\\\\\\\\srv\\\\IPC$\"") != NULL);
    CHECK(strstr(log, "\"filename\":\"report.txt\"") != NULL);
    /* the two writes make one 12-byte file, closed */
    CHECK_EQ_INT(count(log, "\"event_type\":\"fileinfo\""), 1);
    CHECK(strstr(log, "\"size\":12") != NULL);
    CHECK(strstr(log, "\"state\":\"CLOSED\"") != NULL);
    /* the bind over the pipe: interface and its acceptance */
    CHECK(strstr(log, "\"uuid\":\"4b324fc8-1670-01d3-1278-5a47bf6ee188\"") != NULL);
    CHECK(strstr(log, "\"ack_result\":0") != NULL);
    CHECK(strstr(log, "\"request\":\"REQUEST\",\"response\":\"RESPONSE\"") != NULL);
    CHECK(strstr(log, "\"opnum\":15") != NULL);
    CHECK(strstr(log, "anomaly") == NULL);
    CHECK(strstr(log, "MEMUSE-LEAK") == NULL);
    if (test_failures)
        fprintf(stderr, "%s\n", log);
    free(log);
    CHECK_EQ_INT(test_tcp_split_invariance(v.segs, v.nsegs, 50000, 445), 0);

    /* Detection's view: share and pipe to server, NTLMSSP, interface. */
    struct app_layer_thread_ctx *ctx = app_layer_thread_ctx_new(NULL, NULL);
    struct flow f;
    struct packet p;
    test_flow_init(&f, &p, 6, 50000, 445);
    struct app_flow_state *st = NULL;
    memset(&seen, 0, sizeof(seen));
    app_layer_set_detection_active(true); /* transactions wait for detection */
    for (size_t i = 0; i < v.nsegs; i++) {
        app_layer_handle_tcp_data(ctx, &st, &f, &p, v.segs[i].direction, v.segs[i].data,
                                  v.segs[i].len, 0);
        app_flow_state_tx_foreach(st, buffers_cb, NULL);
    }
    CHECK(seen.share);
    CHECK(seen.pipe);
    CHECK(seen.user);
    CHECK(seen.domain);
    CHECK(seen.iface);
    CHECK(seen.stub);
    CHECK(seen.stub_tc);
    CHECK_EQ_INT(seen.opnum, 15);
    CHECK_EQ_INT(seen.version, 2);
    app_flow_state_free(st);
    app_layer_thread_ctx_free(ctx);
    app_layer_set_detection_active(false);
}

static void test_compound_and_transform(void)
{
    /* Two requests in one record (NextCommand), then an encrypted record. */
    struct test_buf c = {.n = 0}, s = {.n = 0}, n1 = {.n = 0}, n2 = {.n = 0};
    negotiate(&n1, &n2);
    uint32_t at;
    nbss_begin(&c, &at);
    uint32_t first = c.n;
    smb2_hdr(&c, 3, 2, false, 0, 0, 0);
    test_buf_le16(&c, 9);
    test_buf_le16(&c, 0);
    test_buf_le16(&c, 64 + 8);
    test_buf_le16(&c, 12);
    utf16(&c, "\\\\a\\b\\");
    while ((c.n - first) % 8)
        test_buf_u8(&c, 0);
    uint32_t next = c.n - first;
    c.d[first + 20] = (uint8_t)next; /* NextCommand of the first */
    smb2_hdr(&c, 3, 3, false, 0, 0, 0);
    test_buf_le16(&c, 9);
    test_buf_le16(&c, 0);
    test_buf_le16(&c, 64 + 8);
    test_buf_le16(&c, 12);
    utf16(&c, "\\\\a\\c\\");
    nbss_end(&c, at);
    /* SMB3 transform header: 52 bytes then ciphertext */
    nbss_begin(&c, &at);
    test_buf_put(&c, "\xfdSMB", 4);
    zeros(&c, 16 + 16);
    test_buf_le32(&c, 32);
    test_buf_le16(&c, 0);
    test_buf_le16(&c, 1);
    test_buf_le64(&c, 0x1122334455667788ull);
    memset(c.d + c.n, 0xa5, 32);
    c.n += 32;
    nbss_end(&c, at);
    (void)s;
    struct test_segment segs[] = {{0, n1.d, n1.n}, {1, n2.d, n2.n}, {0, c.d, c.n}};
    char *log = test_run_tcp(segs, 3, 50000, 445, -1, 0, NULL);
    CHECK_EQ_INT(count(log, "\"command\":\"SMB2_COMMAND_TREE_CONNECT\""), 2);
    CHECK(strstr(log, "anomaly smb malformed_data") == NULL);
    CHECK(strstr(log, "MEMUSE-LEAK") == NULL);
    if (test_failures)
        fprintf(stderr, "%s\n", log);
    free(log);
    CHECK_EQ_INT(test_tcp_split_invariance(segs, 3, 50000, 445), 0);
}

static void test_hostile(void)
{
    /* A negotiate, then a record claiming 16 MB, then garbage: bounded, no
     * leak; a write beyond the negotiated size raises its event. */
    struct test_buf n1 = {.n = 0}, n2 = {.n = 0}, c = {.n = 0};
    negotiate(&n1, &n2);
    test_buf_u8(&c, 0), test_buf_u8(&c, 0xff), test_buf_u8(&c, 0xff), test_buf_u8(&c, 0xff);
    test_buf_put(&c, "\xfeSMB", 4);
    memset(c.d + c.n, 0x41, 200);
    c.n += 200;
    struct test_segment segs[] = {{0, n1.d, n1.n}, {1, n2.d, n2.n}, {0, c.d, c.n}};
    char *log = test_run_tcp(segs, 3, 50000, 445, -1, 0, NULL);
    CHECK(strstr(log, "MEMUSE-LEAK") == NULL);
    free(log);

    struct test_buf w = {.n = 0}, wr = {.n = 0};
    uint32_t at;
    nbss_begin(&w, &at);
    smb2_hdr(&w, 9, 2, false, 0, 0, 0);
    test_buf_le16(&w, 49);
    test_buf_le16(&w, 64 + 48);
    test_buf_le32(&w, 0x7fffffff); /* length far beyond max write size */
    test_buf_le64(&w, 0);
    test_buf_put(&w, file_id, 16);
    zeros(&w, 16);
    test_buf_put(&w, "abcd", 4);
    nbss_end(&w, at);
    (void)wr;
    struct test_segment segs2[] = {{0, n1.d, n1.n}, {1, n2.d, n2.n}, {0, w.d, w.n}};
    log = test_run_tcp(segs2, 3, 50000, 445, -1, 0, NULL);
    CHECK(strstr(log, "anomaly smb write_request_too_large") != NULL);
    CHECK(strstr(log, "MEMUSE-LEAK") == NULL);
    if (test_failures)
        fprintf(stderr, "%s\n", log);
    free(log);
}

int main(void)
{
    test_session();
    test_compound_and_transform();
    test_hostile();
    TEST_MAIN_END();
}
