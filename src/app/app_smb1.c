/* SPDX-License-Identifier: Apache-2.0 */
/* SMB1 (MS-CIFS, MS-SMB): the header, AndX chains (each command of a chain
 * is handled, the way a server would), and the commands that carry what is
 * logged or extracted: negotiate, session setup (NTLMSSP, native OS/LM),
 * tree connect, NT create, reads and writes (files, and DCE/RPC on pipes),
 * named-pipe transactions, TRANS2 set-info (rename, delete on close),
 * rename and close. Other commands are generic transactions. A file is keyed
 * by FID and UID (FIDs are per session); "fuid" logs the FID. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/app_smb.h"

enum {
    SMB1_CLOSE = 0x04,
    SMB1_RENAME = 0x07,
    SMB1_WRITE = 0x0b,
    SMB1_TRANS = 0x25,
    SMB1_READ_ANDX = 0x2e,
    SMB1_WRITE_ANDX = 0x2f,
    SMB1_TRANS2 = 0x32,
    SMB1_TREE_DISCONNECT = 0x71,
    SMB1_NEGOTIATE = 0x72,
    SMB1_SESSION_SETUP_ANDX = 0x73,
    SMB1_LOGOFF_ANDX = 0x74,
    SMB1_TREE_CONNECT_ANDX = 0x75,
    SMB1_NT_CREATE_ANDX = 0xa2,
};

#define SMB1_FLAGS_REPLY 0x80
#define SMB1_FLAGS2_UNICODE 0x8000
#define SMB1_FLAGS2_NT_STATUS 0x4000
#define SMB1_CAP_EXTENDED_SECURITY 0x80000000u
#define SMB1_ANDX_MAX 8

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

static uint32_t filetime_unix(uint64_t ft)
{
    if (ft <= 116444736000000000ull)
        return 0;
    return (uint32_t)(ft / 10000000ull - 11644473600ull);
}

struct smb1_hdr {
    uint8_t command, flags;
    uint16_t flags2, tid, uid, mid;
    uint32_t status, pid;
    bool reply, unicode, nt_status;
};

/* One command block of the chain: word and byte areas, offsets from the
 * start of the SMB header (strings align relative to it). */
struct smb1_block {
    uint8_t cmd;
    uint8_t wc;
    const uint8_t *words;
    uint32_t bytes_off, bc; /* byte area offset (from header start) and its length */
    bool truncated;
};

static bool smb1_hdr_parse(const uint8_t *d, uint32_t len, struct smb1_hdr *h)
{
    if (len < SMB1_HDR_LEN || d[0] != 0xff || d[1] != 'S' || d[2] != 'M' || d[3] != 'B')
        return false;
    h->command = d[4];
    h->status = le32(d + 5);
    h->flags = d[9];
    h->flags2 = le16(d + 10);
    h->tid = le16(d + 24);
    h->pid = (uint32_t)le16(d + 26) | (uint32_t)le16(d + 12) << 16;
    h->uid = le16(d + 28);
    h->mid = le16(d + 30);
    h->reply = (h->flags & SMB1_FLAGS_REPLY) != 0;
    h->unicode = (h->flags2 & SMB1_FLAGS2_UNICODE) != 0;
    h->nt_status = (h->flags2 & SMB1_FLAGS2_NT_STATUS) != 0;
    return true;
}

static bool smb1_block_at(const uint8_t *rec, uint32_t avail, uint32_t off, struct smb1_block *b)
{
    memset(b, 0, sizeof(*b));
    if (off >= avail)
        return false;
    b->wc = rec[off];
    uint32_t words_end = off + 1 + 2u * b->wc;
    if (words_end + 2 > avail)
        return false;
    b->words = rec + off + 1;
    b->bc = le16(rec + words_end);
    b->bytes_off = words_end + 2;
    if (b->bytes_off + b->bc > avail) {
        b->truncated = true;
        b->bc = avail - b->bytes_off;
    }
    return true;
}

static bool smb1_is_andx(uint8_t cmd)
{
    return cmd == 0x24 || cmd == 0x2d || cmd == SMB1_READ_ANDX || cmd == SMB1_WRITE_ANDX ||
           cmd == SMB1_SESSION_SETUP_ANDX || cmd == SMB1_LOGOFF_ANDX ||
           cmd == SMB1_TREE_CONNECT_ANDX || cmd == SMB1_NT_CREATE_ANDX;
}

/* A string in the byte area at *pos (offset from header start): Unicode
 * strings are 2-byte aligned and end with a 16-bit NUL. Advances *pos. */
static void smb1_string(const uint8_t *rec, uint32_t end, uint32_t *pos, bool unicode, char *out,
                        size_t cap)
{
    out[0] = 0;
    uint32_t p = *pos;
    if (unicode) {
        if (p & 1)
            p++;
        uint32_t q = p;
        while (q + 1 < end && (rec[q] || rec[q + 1]))
            q += 2;
        if (q > end)
            q = end;
        smb_text(rec + p, q > p ? q - p : 0, true, out, cap);
        *pos = q + 2 <= end ? q + 2 : end;
    } else {
        uint32_t q = p;
        while (q < end && rec[q])
            q++;
        smb_text(rec + p, q > p ? q - p : 0, false, out, cap);
        *pos = q < end ? q + 1 : end;
    }
}

static uint8_t smb1_fuid(uint8_t out[6], const uint8_t *fid, uint16_t uid)
{
    out[0] = fid[0];
    out[1] = fid[1];
    out[2] = (uint8_t)uid;
    out[3] = (uint8_t)(uid >> 8);
    out[4] = out[5] = 0;
    return 6;
}

static uint8_t smb1_mid_key(uint8_t key[10], const struct smb1_hdr *h)
{
    memcpy(key, &h->uid, 2);
    memcpy(key + 2, &h->mid, 2);
    memcpy(key + 4, &h->pid, 4);
    key[8] = 1;
    key[9] = 0;
    return 10;
}

static void smb1_tx_hdr(struct smb_tx *tx, const struct smb1_hdr *h)
{
    tx->ssn_id = h->uid;
    tx->tree_id = h->tid;
    tx->msg_id = h->mid;
    tx->pid = h->pid;
}

static struct smb_tx *smb1_new(struct smb_state *st, struct app_parse_ctx *ctx, uint8_t type,
                               uint8_t cmd, const struct smb1_hdr *h)
{
    struct smb_tx *tx = smb_tx_new(st, ctx, type, 1, cmd);
    if (tx) {
        smb1_tx_hdr(tx, h);
        tx->req_done = true;
    }
    return tx;
}

static void smb1_finish(struct smb_tx *tx, const struct smb1_hdr *h)
{
    smb_tx_set_status(tx, h->status, !h->nt_status);
    tx->res_done = true;
}

/* ---- requests ---- */

static void smb1_negotiate_req(struct smb_state *st, struct app_parse_ctx *ctx,
                               const struct smb1_hdr *h, const uint8_t *rec,
                               const struct smb1_block *b)
{
    if (smb_tx_find_type(st, SMB_TX_NEGOTIATE, 1)) {
        smb_event(st, ctx, NULL, SMB_EV_DUPLICATE_NEGOTIATE);
        return;
    }
    struct smb_tx *tx = smb1_new(st, ctx, SMB_TX_NEGOTIATE, SMB1_NEGOTIATE, h);
    if (!tx)
        return;
    uint32_t p = b->bytes_off, end = b->bytes_off + b->bc;
    uint16_t n = 0;
    for (uint32_t q = p; q < end; q++)
        if (rec[q] == 0)
            n++;
    if (!n)
        return;
    if (!app_memory_reserve(ctx, n * sizeof(char *)))
        return;
    tx->dialects = calloc(n, sizeof(char *));
    if (!tx->dialects) {
        app_memory_release(ctx, n * sizeof(char *));
        return;
    }
    tx->mem += n * sizeof(char *);
    while (p < end && tx->ndialects < n) {
        if (rec[p] != 0x02) {
            smb_event(st, ctx, tx, SMB_EV_NEGOTIATE_MALFORMED_DIALECTS);
            break;
        }
        p++;
        char name[256];
        smb1_string(rec, end, &p, false, name, sizeof(name));
        tx->dialects[tx->ndialects++] = smb_tx_strdup(tx, ctx, name);
    }
}

static void smb1_session_setup_req(struct smb_state *st, struct app_parse_ctx *ctx,
                                   const struct smb1_hdr *h, const uint8_t *rec,
                                   const struct smb1_block *b)
{
    struct smb_tx *tx = smb1_new(st, ctx, SMB_TX_SESSIONSETUP, SMB1_SESSION_SETUP_ANDX, h);
    if (!tx)
        return;
    uint32_t p = b->bytes_off, end = b->bytes_off + b->bc;
    if (b->wc == 12) {
        uint32_t blob = le16(b->words + 14);
        if (blob > b->bc) {
            smb_event(st, ctx, tx, SMB_EV_MALFORMED_DATA);
            return;
        }
        if (gssapi_parse_blob(rec + p, blob, &tx->ntlmssp, &tx->krb) != 0)
            smb_event(st, ctx, tx, SMB_EV_MALFORMED_NTLMSSP_REQUEST);
        p += blob;
    } else if (b->wc == 13) {
        uint32_t pw = (uint32_t)le16(b->words + 14) + le16(b->words + 16);
        if (pw > b->bc) {
            smb_event(st, ctx, tx, SMB_EV_MALFORMED_DATA);
            return;
        }
        p += pw;
        char skip[256];
        smb1_string(rec, end, &p, h->unicode, skip, sizeof(skip)); /* account */
        smb1_string(rec, end, &p, h->unicode, skip, sizeof(skip)); /* primary domain */
    } else {
        return;
    }
    char os[256], lm[256];
    smb1_string(rec, end, &p, h->unicode, os, sizeof(os));
    smb1_string(rec, end, &p, h->unicode, lm, sizeof(lm));
    tx->req_native_os = smb_tx_strdup(tx, ctx, os);
    tx->req_native_lm = smb_tx_strdup(tx, ctx, lm);
    tx->have_req_host = true;
}

static void smb1_tree_connect_req(struct smb_state *st, struct app_parse_ctx *ctx,
                                  const struct smb1_hdr *h, const uint8_t *rec,
                                  const struct smb1_block *b)
{
    if (b->wc < 4) {
        smb_event(st, ctx, NULL, SMB_EV_MALFORMED_DATA);
        return;
    }
    struct smb_tx *tx = smb1_new(st, ctx, SMB_TX_TREECONNECT, SMB1_TREE_CONNECT_ANDX, h);
    if (!tx)
        return;
    uint32_t pw = le16(b->words + 6);
    uint32_t p = b->bytes_off + pw, end = b->bytes_off + b->bc;
    if (p > end)
        return;
    char path[1024], service[64];
    smb1_string(rec, end, &p, h->unicode, path, sizeof(path));
    smb1_string(rec, end, &p, false, service, sizeof(service));
    tx->share = smb_tx_strdup(tx, ctx, path);
    tx->req_service = smb_tx_strdup(tx, ctx, service);
}

static void smb1_create_req(struct smb_state *st, struct app_parse_ctx *ctx,
                            const struct smb1_hdr *h, const uint8_t *rec,
                            const struct smb1_block *b)
{
    if (b->wc < 24) {
        smb_event(st, ctx, NULL, SMB_EV_MALFORMED_DATA);
        return;
    }
    struct smb_tx *tx = smb1_new(st, ctx, SMB_TX_CREATE, SMB1_NT_CREATE_ANDX, h);
    if (!tx)
        return;
    tx->disposition = le32(b->words + 35);
    uint32_t options = le32(b->words + 39);
    tx->delete_on_close = (options & 0x00001000u) != 0;
    tx->directory = (options & 0x00000001u) != 0;
    uint32_t p = b->bytes_off, end = b->bytes_off + b->bc;
    char name[1024];
    smb1_string(rec, end, &p, h->unicode, name, sizeof(name));
    tx->filename = smb_tx_strdup(tx, ctx, name);
}

static void smb1_write(struct smb_state *st, struct app_parse_ctx *ctx, const struct smb1_hdr *h,
                       uint8_t cmd, const uint8_t *fid, uint64_t offset, const uint8_t *rec,
                       uint32_t avail, uint32_t data_off, uint32_t n, uint32_t full,
                       struct smb_stream *s)
{
    const struct app_layer_config *cfg = app_parser_config(ctx);
    if (cfg->smb_max_write_size && n > cfg->smb_max_write_size) {
        smb_event(st, ctx, NULL, SMB_EV_WRITE_REQUEST_TOO_LARGE);
        return;
    }
    if (data_off > full || n > full - data_off) {
        smb_event(st, ctx, NULL, SMB_EV_MALFORMED_DATA);
        return;
    }
    uint8_t fuid[6];
    uint8_t fl = smb1_fuid(fuid, fid, h->uid);
    uint32_t have = avail > data_off ? avail - data_off : 0;
    if (have > n)
        have = n;
    const uint8_t *data = rec + (data_off < avail ? data_off : avail);
    struct smb_io io = {.vers = 1, .dir = 0, .command = cmd, .ssn = h->uid, .tree = h->tid,
                        .msg_id = h->mid, .fuid = fuid, .fuid_len = fl, .unnamed_file = ""};
    smb_io_data(st, ctx, &io, offset, data, have, n, s);
}

static void smb1_trans_req(struct smb_state *st, struct app_parse_ctx *ctx,
                           const struct smb1_hdr *h, const uint8_t *rec, uint32_t avail,
                           const struct smb1_block *b)
{
    /* 14 parameter words, then SetupCount setup words: [0] subcommand, [1] FID */
    if (b->wc >= 16 && b->words[26] >= 2 && le16(b->words + 28) == 0x26) {
        uint32_t n = le16(b->words + 22), off = le16(b->words + 24);
        const uint8_t *fid = b->words + 30;
        if (off <= avail && n <= avail - off) {
            uint8_t fuid[6];
            uint8_t fl = smb1_fuid(fuid, fid, h->uid);
            /* Remember the pipe for the answer. */
            uint8_t key[10];
            app_map_put(&st->creates, ctx, key, smb1_mid_key(key, h), fuid, fl);
            smb_dcerpc_request(st, ctx, 1, SMB1_TRANS, h->uid, h->tid, h->mid, fuid, fl, rec + off,
                               n);
            return;
        }
    }
    smb1_new(st, ctx, SMB_TX_GENERIC, SMB1_TRANS, h);
}

/* TRANS2 SET_PATH_INFO (6) / SET_FILE_INFO (8): rename (1010) and
 * delete-on-close (1013) become their own transactions. */
static void smb1_trans2_req(struct smb_state *st, struct app_parse_ctx *ctx,
                            const struct smb1_hdr *h, const uint8_t *rec, uint32_t avail,
                            const struct smb1_block *b)
{
    if (b->wc < 15) {
        smb1_new(st, ctx, SMB_TX_GENERIC, SMB1_TRANS2, h);
        return;
    }
    uint16_t sub = le16(b->words + 28);
    uint32_t pn = le16(b->words + 18), poff = le16(b->words + 20);
    uint32_t dn = le16(b->words + 22), doff = le16(b->words + 24);
    if ((sub != 6 && sub != 8) || poff > avail || pn > avail - poff || doff > avail ||
        dn > avail - doff) {
        smb1_new(st, ctx, SMB_TX_GENERIC, SMB1_TRANS2, h);
        return;
    }
    const uint8_t *prm = rec + poff, *dat = rec + doff;
    uint16_t loi;
    char name[1024] = "";
    uint8_t fuid[6] = {0};
    uint8_t fl = 0;
    if (sub == 8) {
        if (pn < 4) {
            smb1_new(st, ctx, SMB_TX_GENERIC, SMB1_TRANS2, h);
            return;
        }
        fl = smb1_fuid(fuid, prm, h->uid);
        loi = le16(prm + 2);
        const char *known = smb_fuid_name(st, fuid, fl);
        snprintf(name, sizeof(name), "%s", known ? known : "<unknown>");
    } else {
        if (pn < 6) {
            smb1_new(st, ctx, SMB_TX_GENERIC, SMB1_TRANS2, h);
            return;
        }
        loi = le16(prm);
        uint32_t p = poff + 6;
        smb1_string(rec, poff + pn, &p, h->unicode, name, sizeof(name));
    }
    if (loi == 1010 && dn >= 12) {
        uint32_t nl = le32(dat + 8);
        struct smb_tx *tx = smb1_new(st, ctx, SMB_TX_RENAME, SMB1_TRANS2, h);
        if (!tx)
            return;
        tx->filename = smb_tx_strdup(tx, ctx, name);
        tx->newname = nl <= dn - 12 ? smb_strdup_utf16(tx, ctx, dat + 12, nl, h->unicode)
                                    : smb_tx_strdup(tx, ctx, "");
        memcpy(tx->fuid, fuid, fl);
        tx->fuid_len = fl;
        return;
    }
    if (loi == 1013 && dn >= 1) {
        struct smb_tx *tx = smb1_new(st, ctx, SMB_TX_SETFILEPATHINFO, SMB1_TRANS2, h);
        if (!tx)
            return;
        tx->filename = smb_tx_strdup(tx, ctx, name);
        tx->delete_on_close = dat[0] != 0;
        tx->subcmd = sub;
        tx->loi = loi;
        memcpy(tx->fuid, fuid, fl);
        tx->fuid_len = fl;
        return;
    }
    smb1_new(st, ctx, SMB_TX_GENERIC, SMB1_TRANS2, h);
}

static void smb1_rename_req(struct smb_state *st, struct app_parse_ctx *ctx,
                            const struct smb1_hdr *h, const uint8_t *rec,
                            const struct smb1_block *b)
{
    uint32_t p = b->bytes_off, end = b->bytes_off + b->bc;
    char from[1024], to[1024];
    if (p < end && rec[p] == 0x04)
        p++;
    smb1_string(rec, end, &p, h->unicode, from, sizeof(from));
    if (p < end && rec[p] == 0x04)
        p++;
    smb1_string(rec, end, &p, h->unicode, to, sizeof(to));
    struct smb_tx *tx = smb1_new(st, ctx, SMB_TX_RENAME, SMB1_RENAME, h);
    if (!tx)
        return;
    tx->filename = smb_tx_strdup(tx, ctx, from);
    tx->newname = smb_tx_strdup(tx, ctx, to);
}

static void smb1_request(struct smb_state *st, struct app_parse_ctx *ctx, const struct smb1_hdr *h,
                         const uint8_t *rec, uint32_t avail, uint32_t full,
                         const struct smb1_block *b, struct smb_stream *s)
{
    switch (b->cmd) {
    case SMB1_NEGOTIATE:
        smb1_negotiate_req(st, ctx, h, rec, b);
        return;
    case SMB1_SESSION_SETUP_ANDX:
        smb1_session_setup_req(st, ctx, h, rec, b);
        return;
    case SMB1_TREE_CONNECT_ANDX:
        smb1_tree_connect_req(st, ctx, h, rec, b);
        return;
    case SMB1_NT_CREATE_ANDX:
        smb1_create_req(st, ctx, h, rec, b);
        return;
    case SMB1_WRITE_ANDX:
        if (b->wc == 12 || b->wc == 14) {
            uint64_t offset = le32(b->words + 6);
            if (b->wc == 14)
                offset |= (uint64_t)le32(b->words + 24) << 32;
            uint32_t n = le16(b->words + 20) | (uint32_t)le16(b->words + 18) << 16;
            smb1_write(st, ctx, h, SMB1_WRITE_ANDX, b->words + 4, offset, rec, avail,
                       le16(b->words + 22), n, full, s);
        } else {
            smb_event(st, ctx, NULL, SMB_EV_MALFORMED_DATA);
        }
        return;
    case SMB1_WRITE:
        if (b->wc == 5 && b->bc >= 3) {
            uint32_t n = le16(rec + b->bytes_off + 1);
            smb1_write(st, ctx, h, SMB1_WRITE, b->words, le32(b->words + 4), rec, avail,
                       b->bytes_off + 3, n, full, s);
        } else {
            smb_event(st, ctx, NULL, SMB_EV_MALFORMED_DATA);
        }
        return;
    case SMB1_READ_ANDX:
        if (b->wc == 10 || b->wc == 12) {
            const struct app_layer_config *cfg = app_parser_config(ctx);
            uint32_t n = le16(b->words + 10);
            if (cfg->smb_max_read_size && n > cfg->smb_max_read_size) {
                smb_event(st, ctx, NULL, SMB_EV_READ_REQUEST_TOO_LARGE);
                return;
            }
            uint64_t offset = le32(b->words + 6);
            if (b->wc == 12)
                offset |= (uint64_t)le32(b->words + 20) << 32;
            uint8_t key[10], val[14];
            smb1_fuid(val, b->words + 4, h->uid);
            memcpy(val + 6, &offset, 8);
            app_map_put(&st->reads, ctx, key, smb1_mid_key(key, h), val, sizeof(val));
        } else {
            smb_event(st, ctx, NULL, SMB_EV_MALFORMED_DATA);
        }
        return;
    case SMB1_TRANS:
        smb1_trans_req(st, ctx, h, rec, avail, b);
        return;
    case SMB1_TRANS2:
        smb1_trans2_req(st, ctx, h, rec, avail, b);
        return;
    case SMB1_RENAME:
        smb1_rename_req(st, ctx, h, rec, b);
        return;
    case SMB1_CLOSE:
        if (b->wc >= 1) {
            uint8_t fuid[6];
            smb_file_close_fuid(st, ctx, fuid, smb1_fuid(fuid, b->words, h->uid));
        }
        smb1_new(st, ctx, SMB_TX_GENERIC, SMB1_CLOSE, h);
        return;
    case SMB1_TREE_DISCONNECT:
        smb_tree_del(st, h->uid, h->tid);
        smb1_new(st, ctx, SMB_TX_GENERIC, SMB1_TREE_DISCONNECT, h);
        return;
    default:
        smb1_new(st, ctx, SMB_TX_GENERIC, b->cmd, h);
        return;
    }
}

/* ---- responses ---- */

static void smb1_negotiate_res(struct smb_state *st, struct app_parse_ctx *ctx,
                               const struct smb1_hdr *h, const uint8_t *rec,
                               const struct smb1_block *b)
{
    struct smb_tx *tx = smb_tx_find_type(st, SMB_TX_NEGOTIATE, 1);
    if (b->wc >= 1 && tx) {
        uint16_t idx = le16(b->words);
        if (idx < tx->ndialects && tx->dialects[idx]) {
            size_t n = strlen(tx->dialects[idx]) + 1;
            if (!st->dialect1 && app_memory_reserve(ctx, n)) {
                st->dialect1 = malloc(n);
                if (st->dialect1)
                    memcpy(st->dialect1, tx->dialects[idx], n);
                else
                    app_memory_release(ctx, n);
            }
        }
    }
    if (tx && b->wc == 17) {
        uint32_t caps = le32(b->words + 19);
        if ((caps & SMB1_CAP_EXTENDED_SECURITY) && b->bc >= 16)
            memcpy(tx->server_guid, rec + b->bytes_off, 16);
    }
    if (tx)
        smb1_finish(tx, h);
}

static void smb1_session_setup_res(struct smb_state *st, struct app_parse_ctx *ctx,
                                   const struct smb1_hdr *h, const uint8_t *rec,
                                   const struct smb1_block *b)
{
    struct smb_tx *tx = smb_tx_find(st, 1, SMB1_SESSION_SETUP_ANDX, h->mid, h->pid);
    if (!tx)
        return;
    tx->ssn_id = h->uid;
    smb1_finish(tx, h);
    uint32_t p = b->bytes_off, end = b->bytes_off + b->bc;
    if (b->wc == 4) {
        uint32_t blob = le16(b->words + 6);
        if (blob > b->bc)
            return;
        p += blob;
    } else if (b->wc != 3) {
        return;
    }
    char os[256], lm[256];
    smb1_string(rec, end, &p, h->unicode, os, sizeof(os));
    smb1_string(rec, end, &p, h->unicode, lm, sizeof(lm));
    tx->res_native_os = smb_tx_strdup(tx, ctx, os);
    tx->res_native_lm = smb_tx_strdup(tx, ctx, lm);
    tx->have_res_host = true;
}

static void smb1_tree_connect_res(struct smb_state *st, struct app_parse_ctx *ctx,
                                  const struct smb1_hdr *h, const uint8_t *rec,
                                  const struct smb1_block *b)
{
    struct smb_tx *tx = smb_tx_find(st, 1, SMB1_TREE_CONNECT_ANDX, h->mid, h->pid);
    if (!tx)
        return;
    smb1_finish(tx, h);
    if (b->wc < 3)
        return;
    uint32_t p = b->bytes_off, end = b->bytes_off + b->bc;
    char service[64];
    smb1_string(rec, end, &p, false, service, sizeof(service));
    tx->res_service = smb_tx_strdup(tx, ctx, service);
    tx->is_pipe = strcmp(service, "IPC") == 0;
    tx->tree_id = h->tid;
    smb_tree_set(st, ctx, h->uid, h->tid, tx->share ? tx->share : "", tx->is_pipe);
}

static void smb1_create_res(struct smb_state *st, struct app_parse_ctx *ctx,
                            const struct smb1_hdr *h, const struct smb1_block *b)
{
    struct smb_tx *tx = smb_tx_find(st, 1, SMB1_NT_CREATE_ANDX, h->mid, h->pid);
    if (!tx)
        return;
    smb1_finish(tx, h);
    if (h->status != 0 || b->wc < 34)
        return;
    uint8_t fuid[6];
    uint8_t fl = smb1_fuid(fuid, b->words + 5, h->uid);
    memcpy(tx->fuid, fuid, fl);
    tx->fuid_len = fl;
    tx->create_ts = filetime_unix(le64(b->words + 11));
    tx->access_ts = filetime_unix(le64(b->words + 19));
    tx->write_ts = filetime_unix(le64(b->words + 27));
    tx->change_ts = filetime_unix(le64(b->words + 35));
    tx->size = le64(b->words + 55);
    if (tx->filename)
        smb_fuid_name_set(st, ctx, fuid, fl, tx->filename);
}

static void smb1_read_res(struct smb_state *st, struct app_parse_ctx *ctx, const struct smb1_hdr *h,
                          const uint8_t *rec, uint32_t avail, uint32_t full,
                          const struct smb1_block *b, struct smb_stream *s)
{
    uint8_t key[10];
    uint8_t klen = smb1_mid_key(key, h);
    uint32_t vlen;
    const uint8_t *r = app_map_get(&st->reads, key, klen, &vlen);
    uint8_t fuid[6];
    uint64_t offset = 0;
    if (!r || vlen < 14)
        return;
    memcpy(fuid, r, 6);
    memcpy(&offset, r + 6, 8);
    app_map_del(&st->reads, st->thread, key, klen);
    if (h->status != 0 || b->wc != 12)
        return;
    uint32_t n = le16(b->words + 10) | (uint32_t)le16(b->words + 14) << 16;
    uint32_t off = le16(b->words + 12);
    if (off > full || n > full - off) {
        smb_event(st, ctx, NULL, SMB_EV_MALFORMED_DATA);
        return;
    }
    const struct app_layer_config *cfg = app_parser_config(ctx);
    if (cfg->smb_max_read_size && n > cfg->smb_max_read_size) {
        smb_event(st, ctx, NULL, SMB_EV_READ_RESPONSE_TOO_LARGE);
        return;
    }
    uint32_t have = avail > off ? avail - off : 0;
    if (have > n)
        have = n;
    const uint8_t *data = rec + (off < avail ? off : avail);
    struct smb_io io = {.vers = 1, .dir = 1, .command = SMB1_READ_ANDX, .status = h->status,
                        .dos = !h->nt_status, .ssn = h->uid, .tree = h->tid, .msg_id = h->mid,
                        .fuid = fuid, .fuid_len = 6, .unnamed_file = "<unknown>"};
    smb_io_data(st, ctx, &io, offset, data, have, n, s);
}

static void smb1_trans_res(struct smb_state *st, struct app_parse_ctx *ctx,
                           const struct smb1_hdr *h, const uint8_t *rec, uint32_t avail,
                           const struct smb1_block *b)
{
    uint8_t key[10];
    uint8_t klen = smb1_mid_key(key, h);
    uint32_t vlen;
    const uint8_t *fuid = app_map_get(&st->creates, key, klen, &vlen);
    if (fuid && vlen == 6 && b->wc >= 10) {
        uint8_t f[6];
        memcpy(f, fuid, 6);
        app_map_del(&st->creates, st->thread, key, klen);
        uint32_t n = le16(b->words + 12), off = le16(b->words + 14);
        if (off <= avail && n <= avail - off)
            smb_dcerpc_response(st, ctx, 1, SMB1_TRANS, h->status, !h->nt_status, h->uid, h->tid,
                                h->mid, f, 6, rec + off, n);
        return;
    }
    struct smb_tx *tx = smb_tx_find(st, 1, SMB1_TRANS, h->mid, h->pid);
    if (tx)
        smb1_finish(tx, h);
}

static void smb1_response(struct smb_state *st, struct app_parse_ctx *ctx, const struct smb1_hdr *h,
                          const uint8_t *rec, uint32_t avail, uint32_t full,
                          const struct smb1_block *b, struct smb_stream *s)
{
    switch (b->cmd) {
    case SMB1_NEGOTIATE:
        smb1_negotiate_res(st, ctx, h, rec, b);
        return;
    case SMB1_SESSION_SETUP_ANDX:
        smb1_session_setup_res(st, ctx, h, rec, b);
        return;
    case SMB1_TREE_CONNECT_ANDX:
        smb1_tree_connect_res(st, ctx, h, rec, b);
        return;
    case SMB1_NT_CREATE_ANDX:
        smb1_create_res(st, ctx, h, b);
        return;
    case SMB1_READ_ANDX:
        smb1_read_res(st, ctx, h, rec, avail, full, b, s);
        return;
    case SMB1_WRITE_ANDX:
    case SMB1_WRITE:
        return;
    case SMB1_TRANS:
        smb1_trans_res(st, ctx, h, rec, avail, b);
        return;
    default: {
        struct smb_tx *tx = smb_tx_find(st, 1, b->cmd, h->mid, h->pid);
        if (tx)
            smb1_finish(tx, h);
        return;
    }
    }
}

void smb1_record(struct smb_state *st, struct app_parse_ctx *ctx, uint8_t dir, const uint8_t *rec,
                 uint32_t avail, uint32_t full, struct smb_stream *s)
{
    struct smb1_hdr h;
    if (!smb1_hdr_parse(rec, avail, &h)) {
        smb_event(st, ctx, NULL, SMB_EV_MALFORMED_DATA);
        return;
    }
    if (dir == 0 && h.reply) {
        smb_event(st, ctx, NULL, SMB_EV_RESPONSE_TO_SERVER);
        return;
    }
    if (dir == 1 && !h.reply) {
        smb_event(st, ctx, NULL, SMB_EV_REQUEST_TO_CLIENT);
        return;
    }
    uint8_t cmd = h.command;
    uint32_t off = SMB1_HDR_LEN;
    for (int i = 0; i < SMB1_ANDX_MAX; i++) {
        struct smb1_block b;
        if (!smb1_block_at(rec, avail, off, &b)) {
            /* An error answer may carry no words; generic matching still works. */
            if (dir == 1 && off == SMB1_HDR_LEN) {
                struct smb1_block empty = {.cmd = cmd};
                empty.bytes_off = off;
                smb1_response(st, ctx, &h, rec, avail, full, &empty, s);
            } else if (off == SMB1_HDR_LEN && avail == full) {
                smb_event(st, ctx, NULL, SMB_EV_MALFORMED_DATA);
            }
            return;
        }
        b.cmd = cmd;
        if (dir == 0)
            smb1_request(st, ctx, &h, rec, avail, full, &b, s);
        else
            smb1_response(st, ctx, &h, rec, avail, full, &b, s);
        if (!smb1_is_andx(cmd) || b.wc < 2 || s->left)
            return;
        uint8_t next = b.words[0];
        uint32_t next_off = le16(b.words + 2);
        if (next == 0xff || next_off <= off || next_off >= avail)
            return;
        cmd = next;
        off = next_off;
    }
}

uint32_t smb1_stream_head(struct smb_state *st, uint8_t dir, const uint8_t *rec, uint32_t avail,
                          uint32_t full)
{
    /* header, word count, 14 words (the larger WRITE_ANDX), byte count */
    const uint32_t need = SMB1_HDR_LEN + 1 + 28 + 2;
    if (avail < SMB1_HDR_LEN)
        return full >= SMB1_HDR_LEN ? SMB1_HDR_LEN : 0;
    struct smb1_hdr h;
    if (!smb1_hdr_parse(rec, avail, &h))
        return 0;
    bool write = dir == 0 && !h.reply && h.command == SMB1_WRITE_ANDX;
    bool read = dir == 1 && h.reply && h.command == SMB1_READ_ANDX && h.status == 0;
    if (!write && !read)
        return 0;
    if (avail < need)
        return full >= need ? need : 0;
    struct smb1_block b;
    if (!smb1_block_at(rec, avail, SMB1_HDR_LEN, &b))
        return 0;
    if (write && b.wc != 12 && b.wc != 14)
        return 0;
    if (read && b.wc != 12)
        return 0;
    if (b.words[0] != 0xff)
        return 0; /* more commands follow the data: buffer all */
    uint32_t off = write ? le16(b.words + 22) : le16(b.words + 12);
    uint32_t n = write ? (le16(b.words + 20) | (uint32_t)le16(b.words + 18) << 16)
                       : (le16(b.words + 10) | (uint32_t)le16(b.words + 14) << 16);
    if (off < need || off > full || n > full - off)
        return 0;
    uint8_t fuid[6];
    const uint8_t *fid = write ? b.words + 4 : NULL;
    if (read) {
        uint8_t key[10];
        uint32_t vlen;
        const uint8_t *r = app_map_get(&st->reads, key, smb1_mid_key(key, &h), &vlen);
        if (!r || vlen < 14)
            return 0;
        memcpy(fuid, r, 6);
    } else {
        smb1_fuid(fuid, fid, h.uid);
    }
    bool is_pipe;
    const char *share = smb_tree_get(st, h.uid, h.tid, &is_pipe);
    if (is_pipe)
        return 0;
    if (!share && !smb_file_tx_get(st, fuid, 6, dir)) {
        uint32_t probe = off + (n < DCERPC_HDR_LEN ? n : DCERPC_HDR_LEN);
        if (avail < probe)
            return probe;
        if (smb_fuid_is_dcerpc(st, fuid, 6, rec + off, avail - off, false))
            return 0;
    }
    return off > avail ? off : avail;
}
