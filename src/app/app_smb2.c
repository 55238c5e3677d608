/* SPDX-License-Identifier: Apache-2.0 */
/* SMB 2 and 3 commands (MS-SMB2 2.2): which transaction each request and
 * response creates or completes, the fields logged, files read and written,
 * and DCE/RPC on pipes (writes, reads, FSCTL_PIPE_TRANSCEIVE). Offsets are
 * from the start of the SMB2 header, as the protocol gives them. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/app_smb.h"

enum {
    SMB2_NEGOTIATE = 0,
    SMB2_SESSION_SETUP = 1,
    SMB2_LOGOFF = 2,
    SMB2_TREE_CONNECT = 3,
    SMB2_TREE_DISCONNECT = 4,
    SMB2_CREATE = 5,
    SMB2_CLOSE = 6,
    SMB2_READ = 8,
    SMB2_WRITE = 9,
    SMB2_IOCTL = 11,
    SMB2_GET_INFO = 16,
    SMB2_SET_INFO = 17,
};

#define NT_SUCCESS 0x00000000u
#define NT_PENDING 0x00000103u
#define NT_BUFFER_OVERFLOW 0x80000005u
#define NT_END_OF_FILE 0xc0000011u
#define FSCTL_PIPE_TRANSCEIVE 0x0011c017u

static uint16_t le16(const uint8_t *p)
{
    return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t le64(const uint8_t *p)
{
    return (uint64_t)le32(p) | (uint64_t)le32(p + 4) << 32;
}

int smb2_hdr_parse(const uint8_t *d, uint32_t len, struct smb2_hdr *h)
{
    if (len < SMB2_HDR_LEN || d[0] != 0xfe || d[1] != 'S' || d[2] != 'M' || d[3] != 'B' ||
        le16(d + 4) != 64)
        return -EINVAL;
    h->status = le32(d + 8);
    h->command = le16(d + 12);
    h->flags = le32(d + 16);
    h->next = le32(d + 20);
    h->msg_id = le64(d + 24);
    h->async = (h->flags & SMB2_FLAGS_ASYNC_COMMAND) != 0;
    h->tree_id = h->async ? 0 : le32(d + 36);
    h->session_id = le64(d + 40);
    h->response = (h->flags & SMB2_FLAGS_SERVER_TO_REDIR) != 0;
    return 0;
}

/* FILETIME (100 ns since 1601) to Unix seconds; 0 before 1970 */
static uint32_t filetime_unix(uint64_t ft)
{
    if (ft <= 116444736000000000ull)
        return 0;
    return (uint32_t)(ft / 10000000ull - 11644473600ull);
}

static uint8_t read_key(uint8_t key[16], uint64_t ssn, uint64_t msg)
{
    memcpy(key, &ssn, 8);
    memcpy(key + 8, &msg, 8);
    return 16;
}

uint32_t smb2_stream_head(struct smb_state *st, uint8_t dir, const uint8_t *rec, uint32_t avail,
                          uint32_t full)
{
    if (avail < SMB2_HDR_LEN)
        return full >= SMB2_HDR_LEN ? SMB2_HDR_LEN : 0;
    struct smb2_hdr h;
    if (smb2_hdr_parse(rec, avail, &h) != 0 || h.next)
        return 0;
    if (dir == 0 && !h.response && h.command == SMB2_WRITE) {
        if (avail < SMB2_HDR_LEN + 48)
            return full >= SMB2_HDR_LEN + 48 ? SMB2_HDR_LEN + 48 : 0;
        const uint8_t *b = rec + SMB2_HDR_LEN;
        uint32_t off = le16(b + 2), n = le32(b + 4);
        if (off < SMB2_HDR_LEN + 48 || off > full || n > full - off)
            return 0;
        bool is_pipe;
        const char *share = smb_tree_get(st, h.session_id, h.tree_id, &is_pipe);
        if (is_pipe)
            return 0;
        if (!share) {
            /* Unknown tree: the first data bytes tell whether it is DCE/RPC. */
            uint32_t probe = off + (n < DCERPC_HDR_LEN ? n : DCERPC_HDR_LEN);
            if (avail < probe)
                return probe;
            if (smb_fuid_is_dcerpc(st, b + 16, 16, rec + off, avail - off, false))
                return 0;
        }
        return off > avail ? off : avail;
    }
    if (dir == 1 && h.response && h.command == SMB2_READ &&
        (h.status == NT_SUCCESS || h.status == NT_BUFFER_OVERFLOW)) {
        if (avail < SMB2_HDR_LEN + 16)
            return full >= SMB2_HDR_LEN + 16 ? SMB2_HDR_LEN + 16 : 0;
        const uint8_t *b = rec + SMB2_HDR_LEN;
        uint32_t off = b[2], n = le32(b + 4);
        if (off < SMB2_HDR_LEN + 16 || off > full || n > full - off)
            return 0;
        uint8_t key[16];
        uint32_t vlen;
        const uint8_t *r =
            app_map_get(&st->reads, key, read_key(key, h.session_id, h.msg_id), &vlen);
        if (!r || vlen < 24)
            return 0; /* unknown request: the record is skipped anyway */
        bool is_pipe;
        const char *share = smb_tree_get(st, h.session_id, h.tree_id, &is_pipe);
        if (is_pipe)
            return 0;
        if (!share || h.async) {
            if (smb_file_tx_get(st, r, 16, 1))
                return off > avail ? off : avail;
            uint32_t probe = off + (n < DCERPC_HDR_LEN ? n : DCERPC_HDR_LEN);
            if (avail < probe)
                return probe;
            if (smb_fuid_is_dcerpc(st, r, 16, rec + off, avail - off, false))
                return 0;
        }
        return off > avail ? off : avail;
    }
    return 0;
}

static void smb2_tx_hdr(struct smb_tx *tx, const struct smb2_hdr *h)
{
    tx->ssn_id = h->session_id;
    tx->tree_id = h->tree_id;
    tx->msg_id = h->msg_id;
}

static struct smb_tx *smb2_generic(struct smb_state *st, struct app_parse_ctx *ctx,
                                   const struct smb2_hdr *h)
{
    struct smb_tx *tx = smb_tx_new(st, ctx, SMB_TX_GENERIC, 2, h->command);
    if (tx) {
        smb2_tx_hdr(tx, h);
        tx->req_done = true;
    }
    return tx;
}

/* ---- requests ---- */

static void smb2_negotiate_req(struct smb_state *st, struct app_parse_ctx *ctx,
                               const struct smb2_hdr *h, const uint8_t *b, uint32_t blen)
{
    if (blen < 36) {
        smb_event(st, ctx, NULL, SMB_EV_MALFORMED_DATA);
        return;
    }
    uint16_t count = le16(b + 2);
    if ((uint32_t)count * 2 > blen - 36) {
        smb_event(st, ctx, NULL, SMB_EV_NEGOTIATE_MALFORMED_DIALECTS);
        count = (uint16_t)((blen - 36) / 2);
    }
    if (smb_tx_find_type(st, SMB_TX_NEGOTIATE, 2)) {
        smb_event(st, ctx, NULL, SMB_EV_DUPLICATE_NEGOTIATE);
        return;
    }
    struct smb_tx *tx = smb_tx_new(st, ctx, SMB_TX_NEGOTIATE, 2, SMB2_NEGOTIATE);
    if (!tx)
        return;
    smb2_tx_hdr(tx, h);
    tx->req_done = true;
    memcpy(tx->client_guid, b + 12, 16);
    tx->have_client_guid = true;
    if (count && app_memory_reserve(ctx, count * sizeof(char *))) {
        tx->dialects = calloc(count, sizeof(char *));
        if (tx->dialects) {
            tx->mem += count * sizeof(char *);
            for (uint16_t i = 0; i < count; i++) {
                char buf[8];
                tx->dialects[i] =
                    smb_tx_strdup(tx, ctx, smb2_dialect_name(le16(b + 36 + 2u * i), buf));
            }
            tx->ndialects = count;
        } else {
            app_memory_release(ctx, count * sizeof(char *));
        }
    }
}

static void smb2_session_setup_req(struct smb_state *st, struct app_parse_ctx *ctx,
                                   const struct smb2_hdr *h, const uint8_t *rec, uint32_t avail)
{
    const uint8_t *b = rec + SMB2_HDR_LEN;
    uint32_t blen = avail - SMB2_HDR_LEN;
    struct smb_tx *tx = smb_tx_new(st, ctx, SMB_TX_SESSIONSETUP, 2, SMB2_SESSION_SETUP);
    if (!tx)
        return;
    smb2_tx_hdr(tx, h);
    tx->req_done = true;
    if (blen < 16)
        return;
    uint32_t off = le16(b + 12), n = le16(b + 14);
    if (off > avail || n > avail - off) {
        smb_event(st, ctx, tx, SMB_EV_MALFORMED_DATA);
        return;
    }
    if (n && gssapi_parse_blob(rec + off, n, &tx->ntlmssp, &tx->krb) != 0)
        smb_event(st, ctx, tx, SMB_EV_MALFORMED_NTLMSSP_REQUEST);
}

static void smb2_tree_connect_req(struct smb_state *st, struct app_parse_ctx *ctx,
                                  const struct smb2_hdr *h, const uint8_t *rec, uint32_t avail)
{
    const uint8_t *b = rec + SMB2_HDR_LEN;
    uint32_t blen = avail - SMB2_HDR_LEN;
    if (blen < 8) {
        smb_event(st, ctx, NULL, SMB_EV_MALFORMED_DATA);
        return;
    }
    uint32_t off = le16(b + 4), n = le16(b + 6);
    if (off > avail || n > avail - off) {
        smb_event(st, ctx, NULL, SMB_EV_MALFORMED_DATA);
        return;
    }
    struct smb_tx *tx = smb_tx_new(st, ctx, SMB_TX_TREECONNECT, 2, SMB2_TREE_CONNECT);
    if (!tx)
        return;
    smb2_tx_hdr(tx, h);
    tx->req_done = true;
    tx->share = smb_strdup_utf16(tx, ctx, rec + off, n, true);
}

static void smb2_create_req(struct smb_state *st, struct app_parse_ctx *ctx,
                            const struct smb2_hdr *h, const uint8_t *rec, uint32_t avail)
{
    const uint8_t *b = rec + SMB2_HDR_LEN;
    uint32_t blen = avail - SMB2_HDR_LEN;
    if (blen < 56) {
        smb_event(st, ctx, NULL, SMB_EV_MALFORMED_DATA);
        return;
    }
    uint32_t off = le16(b + 44), n = le16(b + 46);
    if (n && (off > avail || n > avail - off)) {
        smb_event(st, ctx, NULL, SMB_EV_MALFORMED_DATA);
        return;
    }
    struct smb_tx *tx = smb_tx_new(st, ctx, SMB_TX_CREATE, 2, SMB2_CREATE);
    if (!tx)
        return;
    smb2_tx_hdr(tx, h);
    tx->req_done = true;
    tx->disposition = le32(b + 36);
    uint32_t options = le32(b + 40);
    tx->delete_on_close = (options & 0x00001000u) != 0;
    tx->directory = (options & 0x00000001u) != 0;
    tx->filename = n ? smb_strdup_utf16(tx, ctx, rec + off, n, true) : smb_tx_strdup(tx, ctx, "");
}

static void smb2_write_req(struct smb_state *st, struct app_parse_ctx *ctx,
                           const struct smb2_hdr *h, const uint8_t *rec, uint32_t avail,
                           uint32_t full, struct smb_stream *s)
{
    const uint8_t *b = rec + SMB2_HDR_LEN;
    if (avail < SMB2_HDR_LEN + 48) {
        smb_event(st, ctx, NULL, SMB_EV_MALFORMED_DATA);
        return;
    }
    uint32_t off = le16(b + 2), n = le32(b + 4);
    uint64_t offset = le64(b + 8);
    const uint8_t *fuid = b + 16;
    const struct app_layer_config *cfg = app_parser_config(ctx);
    if ((st->max_write_size && n > st->max_write_size) ||
        (cfg->smb_max_write_size && n > cfg->smb_max_write_size)) {
        smb_event(st, ctx, NULL, SMB_EV_WRITE_REQUEST_TOO_LARGE);
        return;
    }
    if (off > full || n > full - off) {
        smb_event(st, ctx, NULL, SMB_EV_MALFORMED_DATA);
        return;
    }
    uint32_t have = avail > off ? avail - off : 0;
    if (have > n)
        have = n;
    const uint8_t *data = rec + (off < avail ? off : avail);
    struct smb_io io = {.vers = 2, .dir = 0, .command = SMB2_WRITE, .ssn = h->session_id,
                        .tree = h->tree_id, .msg_id = h->msg_id, .fuid = fuid, .fuid_len = 16,
                        .name_fuid = true, .unnamed_file = ""};
    smb_io_data(st, ctx, &io, offset, data, have, n, s);
}

static void smb2_read_req(struct smb_state *st, struct app_parse_ctx *ctx, const struct smb2_hdr *h,
                          const uint8_t *b, uint32_t blen)
{
    if (blen < 32) {
        smb_event(st, ctx, NULL, SMB_EV_MALFORMED_DATA);
        return;
    }
    uint32_t n = le32(b + 4);
    const struct app_layer_config *cfg = app_parser_config(ctx);
    if ((st->max_read_size && n > st->max_read_size) ||
        (cfg->smb_max_read_size && n > cfg->smb_max_read_size)) {
        smb_event(st, ctx, NULL, SMB_EV_READ_REQUEST_TOO_LARGE);
        return;
    }
    uint8_t key[16], val[24];
    memcpy(val, b + 16, 16);
    memcpy(val + 16, b + 8, 8);
    app_map_put(&st->reads, ctx, key, read_key(key, h->session_id, h->msg_id), val, sizeof(val));
}

static void smb2_ioctl_req(struct smb_state *st, struct app_parse_ctx *ctx,
                           const struct smb2_hdr *h, const uint8_t *rec, uint32_t avail)
{
    const uint8_t *b = rec + SMB2_HDR_LEN;
    if (avail < SMB2_HDR_LEN + 56) {
        smb_event(st, ctx, NULL, SMB_EV_MALFORMED_DATA);
        return;
    }
    uint32_t func = le32(b + 4);
    const uint8_t *fuid = b + 8;
    uint32_t off = le32(b + 24), n = le32(b + 28);
    if (func == FSCTL_PIPE_TRANSCEIVE && off <= avail && n <= avail - off &&
        smb_fuid_is_dcerpc(st, fuid, 16, rec + off, n, true)) {
        smb_dcerpc_request(st, ctx, 2, SMB2_IOCTL, h->session_id, h->tree_id, h->msg_id, fuid, 16,
                           rec + off, n);
        return;
    }
    struct smb_tx *tx = smb_tx_new(st, ctx, SMB_TX_IOCTL, 2, SMB2_IOCTL);
    if (!tx)
        return;
    smb2_tx_hdr(tx, h);
    tx->req_done = true;
    tx->ioctl_func = func;
}

static void smb2_set_info_req(struct smb_state *st, struct app_parse_ctx *ctx,
                              const struct smb2_hdr *h, const uint8_t *rec, uint32_t avail)
{
    const uint8_t *b = rec + SMB2_HDR_LEN;
    if (avail < SMB2_HDR_LEN + 32) {
        smb_event(st, ctx, NULL, SMB_EV_MALFORMED_DATA);
        return;
    }
    uint8_t info_type = b[2], info_class = b[3];
    uint32_t n = le32(b + 4), off = le16(b + 8);
    const uint8_t *fuid = b + 16;
    if (info_type != 1 || (info_class != 10 && info_class != 13))
        return;
    if (off > avail || n > avail - off) {
        smb_event(st, ctx, NULL, SMB_EV_MALFORMED_DATA);
        return;
    }
    const uint8_t *d = rec + off;
    const char *known = smb_fuid_name(st, fuid, 16);
    char oldname[1024];
    snprintf(oldname, sizeof(oldname), "%s", known ? known : "<unknown>");
    if (info_class == 10) {
        /* FILE_RENAME_INFORMATION_TYPE_2: replace(1) reserved(7) root(8) len(4) name */
        if (n < 20 || le32(d + 16) > n - 20) {
            smb_event(st, ctx, NULL, SMB_EV_MALFORMED_DATA);
            return;
        }
        struct smb_tx *tx = smb_tx_new(st, ctx, SMB_TX_RENAME, 2, SMB2_SET_INFO);
        if (!tx)
            return;
        smb2_tx_hdr(tx, h);
        tx->req_done = true;
        memcpy(tx->fuid, fuid, 16);
        tx->fuid_len = 16;
        tx->filename = smb_tx_strdup(tx, ctx, oldname);
        tx->newname = smb_strdup_utf16(tx, ctx, d + 20, le32(d + 16), true);
        return;
    }
    if (n < 1) {
        smb_event(st, ctx, NULL, SMB_EV_MALFORMED_DATA);
        return;
    }
    if (!known && h->msg_id) {
        /* A compounded create just before names the file. */
        for (struct smb_tx *c = st->head; c; c = c->next)
            if (c->type == SMB_TX_CREATE && c->vers == 2 && c->msg_id == h->msg_id - 1 &&
                c->filename)
                snprintf(oldname, sizeof(oldname), "%s", c->filename);
    }
    struct smb_tx *tx = smb_tx_new(st, ctx, SMB_TX_SETFILEPATHINFO, 2, SMB2_SET_INFO);
    if (!tx)
        return;
    smb2_tx_hdr(tx, h);
    tx->req_done = true;
    memcpy(tx->fuid, fuid, 16);
    tx->fuid_len = 16;
    tx->filename = smb_tx_strdup(tx, ctx, oldname);
    tx->delete_on_close = d[0] != 0;
    tx->subcmd = info_type;
    tx->loi = info_class;
}

static void smb2_request(struct smb_state *st, struct app_parse_ctx *ctx, const struct smb2_hdr *h,
                         const uint8_t *rec, uint32_t avail, uint32_t full, struct smb_stream *s)
{
    const uint8_t *b = rec + SMB2_HDR_LEN;
    uint32_t blen = avail - SMB2_HDR_LEN;
    switch (h->command) {
    case SMB2_NEGOTIATE:
        smb2_negotiate_req(st, ctx, h, b, blen);
        return;
    case SMB2_SESSION_SETUP:
        smb2_session_setup_req(st, ctx, h, rec, avail);
        return;
    case SMB2_TREE_CONNECT:
        smb2_tree_connect_req(st, ctx, h, rec, avail);
        return;
    case SMB2_TREE_DISCONNECT:
        smb_tree_del(st, h->session_id, h->tree_id);
        smb2_generic(st, ctx, h);
        return;
    case SMB2_CREATE:
        smb2_create_req(st, ctx, h, rec, avail);
        return;
    case SMB2_CLOSE:
        if (blen >= 24)
            smb_file_close_fuid(st, ctx, b + 8, 16);
        else
            smb_event(st, ctx, NULL, SMB_EV_MALFORMED_DATA);
        smb2_generic(st, ctx, h);
        return;
    case SMB2_READ:
        smb2_read_req(st, ctx, h, b, blen);
        return;
    case SMB2_WRITE:
        smb2_write_req(st, ctx, h, rec, avail, full, s);
        return;
    case SMB2_IOCTL:
        smb2_ioctl_req(st, ctx, h, rec, avail);
        return;
    case SMB2_SET_INFO:
        smb2_set_info_req(st, ctx, h, rec, avail);
        return;
    case SMB2_GET_INFO:
        return;
    default:
        smb2_generic(st, ctx, h);
        return;
    }
}

/* ---- responses ---- */

static void smb2_finish(struct smb_tx *tx, const struct smb2_hdr *h)
{
    smb_tx_set_status(tx, h->status, false);
    if (h->status != NT_PENDING)
        tx->res_done = true;
}

static void smb2_read_res(struct smb_state *st, struct app_parse_ctx *ctx, const struct smb2_hdr *h,
                          const uint8_t *rec, uint32_t avail, uint32_t full, struct smb_stream *s)
{
    uint8_t key[16];
    uint8_t klen = read_key(key, h->session_id, h->msg_id);
    uint32_t vlen;
    const uint8_t *r = app_map_get(&st->reads, key, klen, &vlen);
    uint8_t fuid[16];
    uint64_t offset = 0;
    bool known = r && vlen >= 24;
    if (known) {
        memcpy(fuid, r, 16);
        memcpy(&offset, r + 16, 8);
        app_map_del(&st->reads, st->thread, key, klen);
    }
    if (h->status == NT_END_OF_FILE) {
        struct smb_tx *tx = known ? smb_file_tx_get(st, fuid, 16, 1) : NULL;
        if (tx) {
            smb_tx_set_status(tx, h->status, false);
            smb_file_close(st, ctx, tx, FILE_STATE_CLOSED);
            tx->req_done = true;
        }
        return;
    }
    if (h->status != NT_SUCCESS && h->status != NT_BUFFER_OVERFLOW)
        return;
    if (avail < SMB2_HDR_LEN + 16) {
        smb_event(st, ctx, NULL, SMB_EV_MALFORMED_DATA);
        return;
    }
    const uint8_t *b = rec + SMB2_HDR_LEN;
    uint32_t off = b[2], n = le32(b + 4);
    if (off > full || n > full - off) {
        smb_event(st, ctx, NULL, SMB_EV_MALFORMED_DATA);
        return;
    }
    const struct app_layer_config *cfg = app_parser_config(ctx);
    if ((st->max_read_size && n > st->max_read_size) ||
        (cfg->smb_max_read_size && n > cfg->smb_max_read_size)) {
        smb_event(st, ctx, NULL, SMB_EV_READ_RESPONSE_TOO_LARGE);
        return;
    }
    if (!known)
        return; /* reply to a request not seen: nothing to attach it to */
    uint32_t have = avail > off ? avail - off : 0;
    if (have > n)
        have = n;
    const uint8_t *data = rec + (off < avail ? off : avail);
    struct smb_io io = {.vers = 2, .dir = 1, .command = SMB2_READ, .status = h->status,
                        .ssn = h->session_id, .tree = h->tree_id, .msg_id = h->msg_id,
                        .fuid = fuid, .fuid_len = 16, .name_fuid = true,
                        .unnamed_file = "<unknown>"};
    smb_io_data(st, ctx, &io, offset, data, have, n, s);
}

static void smb2_create_res(struct smb_state *st, struct app_parse_ctx *ctx,
                            const struct smb2_hdr *h, const uint8_t *b, uint32_t blen)
{
    struct smb_tx *tx = smb_tx_find(st, 2, SMB2_CREATE, h->msg_id, 0);
    if (h->status != NT_SUCCESS) {
        if (tx)
            smb2_finish(tx, h);
        return;
    }
    if (blen < 80) {
        smb_event(st, ctx, tx, SMB_EV_MALFORMED_DATA);
        return;
    }
    const uint8_t *fuid = b + 64;
    if (tx && tx->filename)
        smb_fuid_name_set(st, ctx, fuid, 16, tx->filename);
    if (!tx)
        return;
    tx->create_ts = filetime_unix(le64(b + 8));
    tx->access_ts = filetime_unix(le64(b + 16));
    tx->write_ts = filetime_unix(le64(b + 24));
    tx->change_ts = filetime_unix(le64(b + 32));
    tx->size = le64(b + 48);
    memcpy(tx->fuid, fuid, 16);
    tx->fuid_len = 16;
    smb2_finish(tx, h);
}

static void smb2_negotiate_res(struct smb_state *st, struct app_parse_ctx *ctx,
                               const struct smb2_hdr *h, const uint8_t *b, uint32_t blen)
{
    struct smb_tx *tx = smb_tx_find_type(st, SMB_TX_NEGOTIATE, 2);
    if (!tx)
        tx = smb_tx_find_type(st, SMB_TX_NEGOTIATE, 1); /* SMB2 answer to SMB1 negotiate */
    if (h->status == NT_SUCCESS) {
        if (blen < 40) {
            smb_event(st, ctx, tx, SMB_EV_MALFORMED_DATA);
            return;
        }
        const struct app_layer_config *cfg = app_parser_config(ctx);
        uint32_t max_read = le32(b + 32), max_write = le32(b + 36);
        if (cfg->smb_max_read_size && max_read > cfg->smb_max_read_size)
            smb_event(st, ctx, tx, SMB_EV_NEGOTIATE_MAX_READ_SIZE_TOO_LARGE);
        if (cfg->smb_max_write_size && max_write > cfg->smb_max_write_size)
            smb_event(st, ctx, tx, SMB_EV_NEGOTIATE_MAX_WRITE_SIZE_TOO_LARGE);
        st->dialect = le16(b + 4);
        st->max_read_size = max_read;
        st->max_write_size = max_write;
        if (tx)
            memcpy(tx->server_guid, b + 8, 16);
    }
    if (tx && !tx->res_done)
        smb2_finish(tx, h);
}

static void smb2_response(struct smb_state *st, struct app_parse_ctx *ctx, const struct smb2_hdr *h,
                          const uint8_t *rec, uint32_t avail, uint32_t full, struct smb_stream *s)
{
    const uint8_t *b = rec + SMB2_HDR_LEN;
    uint32_t blen = avail - SMB2_HDR_LEN;
    struct smb_tx *tx;
    switch (h->command) {
    case SMB2_NEGOTIATE:
        smb2_negotiate_res(st, ctx, h, b, blen);
        return;
    case SMB2_SESSION_SETUP:
        tx = smb_tx_find(st, 2, SMB2_SESSION_SETUP, h->msg_id, 0);
        if (tx) {
            tx->ssn_id = h->session_id;
            smb2_finish(tx, h);
        }
        return;
    case SMB2_TREE_CONNECT:
        tx = smb_tx_find(st, 2, SMB2_TREE_CONNECT, h->msg_id, 0);
        if (h->status == NT_SUCCESS && blen >= 16) {
            uint8_t type = b[2];
            if (tx) {
                tx->share_type = type;
                tx->is_pipe = type == 2;
                tx->ssn_id = h->session_id;
                tx->tree_id = h->tree_id;
                smb_tree_set(st, ctx, h->session_id, h->tree_id, tx->share ? tx->share : "",
                             tx->is_pipe);
            }
        } else if (h->status == NT_SUCCESS) {
            smb_event(st, ctx, tx, SMB_EV_MALFORMED_DATA);
        }
        if (tx)
            smb2_finish(tx, h);
        return;
    case SMB2_TREE_DISCONNECT:
        smb_tree_del(st, h->session_id, h->tree_id);
        break;
    case SMB2_CREATE:
        smb2_create_res(st, ctx, h, b, blen);
        return;
    case SMB2_READ:
        smb2_read_res(st, ctx, h, rec, avail, full, s);
        return;
    case SMB2_WRITE:
        return;
    case SMB2_IOCTL:
        if (blen >= 40) {
            uint32_t func = le32(b + 4);
            const uint8_t *fuid = b + 8;
            uint32_t off = le32(b + 32), n = le32(b + 36);
            if (func == FSCTL_PIPE_TRANSCEIVE && off <= avail && n <= avail - off &&
                smb_fuid_is_dcerpc(st, fuid, 16, rec + off, n, true)) {
                smb_dcerpc_response(st, ctx, 2, SMB2_IOCTL, h->status, false, h->session_id,
                                    h->tree_id, h->msg_id, fuid, 16, rec + off, n);
                return;
            }
        }
        tx = smb_tx_find(st, 2, SMB2_IOCTL, h->msg_id, 0);
        if (tx)
            smb2_finish(tx, h);
        return;
    default:
        break;
    }
    tx = smb_tx_find(st, 2, h->command, h->msg_id, 0);
    if (tx)
        smb2_finish(tx, h);
}

void smb2_record(struct smb_state *st, struct app_parse_ctx *ctx, uint8_t dir,
                 const struct smb2_hdr *h, const uint8_t *rec, uint32_t avail, uint32_t full,
                 struct smb_stream *s)
{
    if (dir == 0 && h->response) {
        smb_event(st, ctx, NULL, SMB_EV_RESPONSE_TO_SERVER);
        return;
    }
    if (dir == 1 && !h->response) {
        smb_event(st, ctx, NULL, SMB_EV_REQUEST_TO_CLIENT);
        return;
    }
    if (dir == 0)
        smb2_request(st, ctx, h, rec, avail, full, s);
    else
        smb2_response(st, ctx, h, rec, avail, full, s);
}
