/* SPDX-License-Identifier: Apache-2.0 */
/* SMB 1/2/3 over TCP (445, and 139 with NetBIOS session framing).
 *
 * Framing: each direction is a sequence of NBSS records (4-byte header: type
 * and length, 24 bits as SMB over TCP uses it). Session messages carry SMB1 (0xff 'SMB'), SMB2/3
 * (0xfe 'SMB', possibly several compounded through NextCommand) or an SMB3
 * transform header (0xfd 'SMB': encrypted, counted and skipped); other NBSS
 * types (session request, keep-alive, ...) are skipped. Records are
 * buffered up to SMB_RECORD_MAX bytes, except the data of write requests and
 * read responses on files, which streams straight into the file (the command
 * header is parsed first), so a 1 MiB write costs no 1 MiB buffer. A record
 * larger than the limit is parsed from its first SMB_RECORD_MAX bytes and the
 * rest skipped. After a gap, or when a capture starts in the middle of a
 * record, the parser looks for the next NBSS header followed by an SMB magic;
 * transactions begun before the gap are then complete in that direction,
 * except file transfers, which take the gap into their file and are given
 * up 60 seconds after their last data.
 *
 * Transactions (app_smb.h) are logged as EVE "smb" when both sides are done,
 * or at flow end; files as "fileinfo" when closed. DCE/RPC carried on named
 * pipes (writes/reads, SMB1 transact, SMB2 ioctl FSCTL_PIPE_TRANSCEIVE) is
 * parsed with app_dcerpc's call logic into the smb transaction ("dcerpc"
 * member), so dcerpc.iface/opnum/stub_data match SMB flows too.
 *
 * Limits: app-layer.protocols.smb.max-read-size / max-write-size (records
 * beyond are skipped with an event), max-{read,write}-queue-{size,cnt}
 * (out-of-order file chunks waiting), max-tx transactions per flow (oldest
 * given up, too_many_transactions), APP_MAP_MAX entries per lookup table
 * (oldest evicted), all memory against the app-layer memcap. */
#include <errno.h>
#include <stdio.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "app/app_pdu.h"
#include "app/app_smb.h"
#include "app/app_text.h"
#include "util/config.h"
#include "util/json.h"

#define SMB_POST_GAP_USEC (60ull * 1000000ull)
#define SMB_LOST_BUF_MAX (64u * 1024u)

static const char *const smb_event_names[SMB_EV_COUNT + 1] = {
#define SMB_EVENT_NAME(id, name) name,
    SMB_EVENT_LIST(SMB_EVENT_NAME)
#undef SMB_EVENT_NAME
};

/* ---------- text ---------- */

void smb_text(const uint8_t *d, uint32_t n, bool unicode, char *buf, size_t cap)
{
    if (unicode)
        app_utf16le_to_utf8(d, n, buf, cap);
    else
        app_bytes_to_text(d, n, buf, cap);
}

char *smb_tx_strdup(struct smb_tx *tx, struct app_parse_ctx *ctx, const char *s)
{
    size_t n = strlen(s) + 1;
    if (!app_memory_reserve(ctx, n))
        return NULL;
    char *c = malloc(n);
    if (!c) {
        app_memory_release(ctx, n);
        return NULL;
    }
    memcpy(c, s, n);
    tx->mem += n;
    return c;
}

char *smb_strdup_utf16(struct smb_tx *tx, struct app_parse_ctx *ctx, const uint8_t *d, uint32_t n,
                       bool unicode)
{
    char buf[1024];
    smb_text(d, n, unicode, buf, sizeof(buf));
    return smb_tx_strdup(tx, ctx, buf);
}

/* ---------- transactions ---------- */

void smb_event(struct smb_state *st, struct app_parse_ctx *ctx, struct smb_tx *tx,
               enum smb_event ev)
{
    (void)st;
    /* Every occurrence is an event of its packet (two overlapping writes to
     * one file are two events, as Suricata counts them). */
    if (tx)
        tx->events |= 1u << ev;
    app_parser_anomaly(ctx, APP_PROTO_SMB, smb_event_names[ev]);
}

void smb_tx_set_status(struct smb_tx *tx, uint32_t status, bool dos)
{
    tx->status_set = true;
    tx->status_dos = dos;
    if (dos) {
        tx->dos_class = (uint8_t)(status & 0xff);
        tx->status = status >> 16;
    } else {
        tx->status = status;
    }
}

static void smb_tx_free(struct smb_state *st, struct smb_tx *tx)
{
    for (int d = 0; d < 2; d++)
        if (st->dir[d].file_tx == tx) {
            st->dir[d].file_tx = NULL;
            st->dir[d].file_left = 0;
        }
    char **strs[] = {&tx->share,         &tx->req_service,   &tx->res_service,
                     &tx->filename,      &tx->newname,       &tx->req_native_os,
                     &tx->req_native_lm, &tx->res_native_os, &tx->res_native_lm};
    for (size_t i = 0; i < sizeof(strs) / sizeof(strs[0]); i++)
        free(*strs[i]);
    for (uint16_t i = 0; i < tx->ndialects; i++)
        free(tx->dialects[i]);
    free(tx->dialects);
    ftrack_free(&tx->ft, st->thread);
    dcerpc_call_release(&tx->call, st->thread);
    app_thread_memory_release(st->thread, sizeof(*tx) + tx->mem);
    free(tx);
}

static void smb_log_body(const void *object, struct json_writer *w);

static bool smb_log_wanted(const struct smb_state *st, const struct smb_tx *tx,
                           struct app_parse_ctx *ctx)
{
    uint32_t types = app_parser_config(ctx)->smb_log_types;
    (void)st;
    return !types || (types & (1u << tx->type));
}

static void smb_tx_log(struct smb_state *st, struct app_parse_ctx *ctx, struct smb_tx *tx)
{
    if (tx->base.logged)
        return;
    tx->base.logged = true;
    if (smb_log_wanted(st, tx, ctx))
        app_parser_log(ctx, "smb", 0, smb_log_body, &tx->base);
}

static void smb_file_log_tx(const void *object, struct json_writer *w);

/* Logs what is complete (everything at flow end), gives up file transfers
 * that went quiet after a gap, frees what detection is done with. */
static void smb_sweep(struct smb_state *st, struct app_parse_ctx *ctx, bool at_end)
{
    uint64_t now = ctx->ts_usec;
    struct smb_tx **pp = &st->head, *prev = NULL;
    while (*pp) {
        struct smb_tx *tx = *pp;
        if (tx->type == SMB_TX_FILE && !tx->base.logged &&
            (at_end || (tx->post_gap_usec && now > tx->post_gap_usec))) {
            smb_file_close(st, ctx, tx, FILE_STATE_TRUNCATED);
            tx->req_done = tx->res_done = true;
        }
        if (!tx->base.logged && (at_end || (tx->req_done && tx->res_done)))
            smb_tx_log(st, ctx, tx);
        if (tx->base.logged && (!tx->ft.file || tx->ft.file->logged) &&
            app_tx_can_free(&tx->base)) {
            *pp = tx->next;
            if (st->tail == tx)
                st->tail = prev;
            st->ntx--;
            smb_tx_free(st, tx);
            continue;
        }
        prev = tx;
        pp = &tx->next;
    }
}

struct smb_tx *smb_tx_new(struct smb_state *st, struct app_parse_ctx *ctx, uint8_t type,
                          uint8_t vers, uint16_t command)
{
    const struct app_layer_config *cfg = app_parser_config(ctx);
    uint32_t max_tx = cfg->smb_max_tx ? cfg->smb_max_tx : 1024;
    if (st->ntx >= max_tx && st->head) {
        /* The oldest is given up on: logged as it is. */
        struct smb_tx *old = st->head;
        smb_event(st, ctx, NULL, SMB_EV_TOO_MANY_TRANSACTIONS);
        if (old->type == SMB_TX_FILE)
            smb_file_close(st, ctx, old, FILE_STATE_TRUNCATED);
        old->req_done = old->res_done = true;
        smb_tx_log(st, ctx, old);
        old->base.detect_done = 3;
        smb_sweep(st, ctx, false);
    }
    if (!app_memory_reserve(ctx, sizeof(struct smb_tx)))
        return NULL;
    struct smb_tx *tx = calloc(1, sizeof(*tx));
    if (!tx) {
        app_memory_release(ctx, sizeof(struct smb_tx));
        return NULL;
    }
    tx->base.parser = &app_parser_smb;
    tx->base.id = st->next_id++;
    tx->state = st;
    tx->type = type;
    tx->vers = vers;
    tx->command = command;
    tx->call.bindings = &st->bindings;
    if (st->tail)
        st->tail->next = tx;
    else
        st->head = tx;
    st->tail = tx;
    st->ntx++;
    app_parser_count_tx(ctx, APP_PROTO_SMB);
    return tx;
}

struct smb_tx *smb_tx_find(struct smb_state *st, uint8_t vers, uint16_t command, uint64_t msg_id,
                           uint32_t pid)
{
    for (struct smb_tx *tx = st->head; tx; tx = tx->next)
        if (tx->vers == vers && tx->command == command && tx->msg_id == msg_id &&
            (vers != 1 || tx->pid == pid) && !tx->res_done && tx->type != SMB_TX_FILE)
            return tx;
    return NULL;
}

struct smb_tx *smb_tx_find_type(struct smb_state *st, uint8_t type, uint8_t vers)
{
    for (struct smb_tx *tx = st->head; tx; tx = tx->next)
        if (tx->type == type && (!vers || tx->vers == vers))
            return tx;
    return NULL;
}

/* ---------- trees and names ---------- */

static uint8_t smb_tree_key(uint8_t key[12], uint64_t ssn, uint32_t tree)
{
    memcpy(key, &ssn, 8);
    memcpy(key + 8, &tree, 4);
    return 12;
}

void smb_tree_set(struct smb_state *st, struct app_parse_ctx *ctx, uint64_t ssn, uint32_t tree,
                  const char *name, bool is_pipe)
{
    uint8_t key[12], val[1024];
    size_t n = strlen(name);
    if (n > sizeof(val) - 1)
        n = sizeof(val) - 1;
    val[0] = is_pipe;
    memcpy(val + 1, name, n);
    app_map_put(&st->trees, ctx, key, smb_tree_key(key, ssn, tree), val, (uint32_t)n + 1);
}

const char *smb_tree_get(struct smb_state *st, uint64_t ssn, uint32_t tree, bool *is_pipe)
{
    static _Thread_local char name[1024];
    uint8_t key[12];
    uint32_t vlen;
    const uint8_t *v = app_map_get(&st->trees, key, smb_tree_key(key, ssn, tree), &vlen);
    *is_pipe = false;
    if (!v || vlen < 1)
        return NULL;
    *is_pipe = v[0] != 0;
    memcpy(name, v + 1, vlen - 1);
    name[vlen - 1] = 0;
    return name;
}

void smb_tree_del(struct smb_state *st, uint64_t ssn, uint32_t tree)
{
    uint8_t key[12];
    app_map_del(&st->trees, st->thread, key, smb_tree_key(key, ssn, tree));
}

const char *smb_fuid_name(struct smb_state *st, const uint8_t *fuid, uint8_t fuid_len)
{
    static _Thread_local char name[1024];
    uint32_t vlen;
    const uint8_t *v = app_map_get(&st->names, fuid, fuid_len, &vlen);
    if (!v)
        return NULL;
    if (vlen >= sizeof(name))
        vlen = sizeof(name) - 1;
    memcpy(name, v, vlen);
    name[vlen] = 0;
    return name;
}

void smb_fuid_name_set(struct smb_state *st, struct app_parse_ctx *ctx, const uint8_t *fuid,
                       uint8_t fuid_len, const char *name)
{
    app_map_put(&st->names, ctx, fuid, fuid_len, name, (uint32_t)strlen(name));
}

bool smb_fuid_is_dcerpc(struct smb_state *st, const uint8_t *fuid, uint8_t fuid_len,
                        const uint8_t *data, uint32_t len, bool is_pipe)
{
    const char *n = smb_fuid_name(st, fuid, fuid_len);
    if (n) {
        if (n[0] == '\\')
            n++;
        static const char *const pipes[] = {
            "svcctl",   "srvsvc", "atsvc",    "lsarpc",   "samr",    "spoolss", "winreg",
            "netlogon", "wkssvc", "eventlog", "epmapper", "drsuapi", "browser", "suricata::dcerpc"};
        for (size_t i = 0; i < sizeof(pipes) / sizeof(pipes[0]); i++)
            if (strcasecmp(n, pipes[i]) == 0)
                return true;
    }
    /* Unknown pipe (or no tree connect seen): DCE/RPC if it looks like it. */
    return (is_pipe || !n) && len >= DCERPC_HDR_LEN && dcerpc_looks_like_pdu(data, len);
}

/* ---------- files ---------- */

struct smb_tx *smb_file_tx_get(struct smb_state *st, const uint8_t *fuid, uint8_t fuid_len,
                               uint8_t dir)
{
    for (struct smb_tx *tx = st->head; tx; tx = tx->next)
        if (tx->type == SMB_TX_FILE && tx->file_dir == dir && !tx->res_done &&
            tx->fuid_len == fuid_len && memcmp(tx->fuid, fuid, fuid_len) == 0)
            return tx;
    return NULL;
}

struct smb_tx *smb_file_tx_new(struct smb_state *st, struct app_parse_ctx *ctx, const uint8_t *fuid,
                               uint8_t fuid_len, uint8_t dir, const char *name, const char *share,
                               uint8_t vers, uint16_t command, uint64_t ssn, uint32_t tree)
{
    struct smb_tx *tx = smb_tx_new(st, ctx, SMB_TX_FILE, vers, command);
    if (!tx)
        return NULL;
    tx->file_dir = dir;
    tx->ssn_id = ssn;
    tx->tree_id = tree;
    if (fuid_len > SMB_FUID_MAX)
        fuid_len = SMB_FUID_MAX;
    memcpy(tx->fuid, fuid, fuid_len);
    tx->fuid_len = fuid_len;
    tx->filename = smb_tx_strdup(tx, ctx, name ? name : "");
    tx->share = smb_tx_strdup(tx, ctx, share ? share : "");
    tx->ft.file = file_open(ctx, name ? name : "", name ? strlen(name) : 0, tx->base.id, dir,
                            SMB_FILE_INSPECT);
    return tx;
}

void smb_file_chunk(struct smb_state *st, struct app_parse_ctx *ctx, struct smb_tx *tx, uint8_t dir,
                    uint64_t offset, const uint8_t *data, uint32_t len, uint32_t total)
{
    (void)dir;
    if (!tx || tx->type != SMB_TX_FILE)
        return;
    tx->post_gap_usec = 0;
    const struct app_layer_config *cfg = app_parser_config(ctx);
    bool wr = tx->file_dir == 0;
    uint32_t f = ftrack_chunk(ctx, &tx->ft, offset, data, len, total,
                              wr ? cfg->smb_max_write_queue_size : cfg->smb_max_read_queue_size,
                              wr ? cfg->smb_max_write_queue_cnt : cfg->smb_max_read_queue_cnt);
    if (f & FTRACK_OVERLAP)
        smb_event(st, ctx, tx, SMB_EV_FILE_OVERLAP);
    if (f & FTRACK_QUEUE_SIZE)
        smb_event(st, ctx, tx,
                  wr ? SMB_EV_WRITE_QUEUE_SIZE_EXCEEDED : SMB_EV_READ_QUEUE_SIZE_EXCEEDED);
    if (f & FTRACK_QUEUE_CNT)
        smb_event(st, ctx, tx,
                  wr ? SMB_EV_WRITE_QUEUE_CNT_EXCEEDED : SMB_EV_READ_QUEUE_CNT_EXCEEDED);
}

void smb_file_close(struct smb_state *st, struct app_parse_ctx *ctx, struct smb_tx *tx,
                    enum file_state how)
{
    (void)st;
    if (!tx->ft.file || tx->ft.file->state != FILE_STATE_OPEN)
        return;
    ftrack_close(ctx, &tx->ft, how);
    file_log(ctx, tx->ft.file, smb_file_log_tx, tx);
}

void smb_file_close_fuid(struct smb_state *st, struct app_parse_ctx *ctx, const uint8_t *fuid,
                         uint8_t fuid_len)
{
    for (uint8_t dir = 0; dir < 2; dir++) {
        struct smb_tx *tx = smb_file_tx_get(st, fuid, fuid_len, dir);
        if (!tx)
            continue;
        smb_tx_set_status(tx, 0, false);
        smb_file_close(st, ctx, tx, FILE_STATE_CLOSED);
        tx->req_done = tx->res_done = true;
    }
}

/* ---------- DCE/RPC over pipes ---------- */

static uint8_t smb_pipe_key(uint8_t key[SMB_FUID_MAX + 1], const uint8_t *fuid, uint8_t n,
                            uint8_t dir)
{
    memcpy(key, fuid, n);
    key[n] = dir;
    return (uint8_t)(n + 1);
}

/* Calls the PDUs complete in data (plus what was held back for the pipe). */
static void smb_dcerpc_pdus(struct smb_state *st, struct app_parse_ctx *ctx, uint8_t dir,
                            const uint8_t *fuid, uint8_t fuid_len, const uint8_t *data,
                            uint32_t len,
                            void (*fn)(struct smb_state *, struct app_parse_ctx *, void *,
                                       const struct dcerpc_hdr *, const uint8_t *, uint32_t),
                            void *user)
{
    uint8_t key[SMB_FUID_MAX + 1];
    uint8_t klen = smb_pipe_key(key, fuid, fuid_len, dir);
    uint32_t plen = 0;
    const uint8_t *prev = app_map_get(&st->pipes, key, klen, &plen);
    uint8_t *joined = NULL;
    if (prev && plen) {
        if (!app_memory_reserve(ctx, plen + len))
            return;
        joined = malloc(plen + len);
        if (!joined) {
            app_memory_release(ctx, plen + len);
            return;
        }
        memcpy(joined, prev, plen);
        memcpy(joined + plen, data, len);
        data = joined;
        len += plen;
        app_map_del(&st->pipes, st->thread, key, klen);
    }
    uint32_t off = 0;
    while (off < len) {
        struct dcerpc_hdr h;
        int rc = dcerpc_hdr_parse(data + off, len - off, &h);
        if (rc == -EINVAL)
            break;
        if (rc == -EAGAIN || h.frag_len > len - off) {
            /* The rest of this PDU comes with the next write/read. */
            if (len - off <= 65536)
                app_map_put(&st->pipes, ctx, key, klen, data + off, len - off);
            break;
        }
        fn(st, ctx, user, &h, data + off, h.frag_len);
        off += h.frag_len;
    }
    if (joined) {
        free(joined);
        app_memory_release(ctx, len);
    }
}

struct smb_dcerpc_ctx {
    uint8_t vers;
    uint16_t command;
    uint32_t status;
    bool dos;
    uint64_t ssn, msg_id;
    uint32_t tree;
};

static struct smb_tx *smb_dcerpc_tx_by_call(struct smb_state *st, uint32_t call_id,
                                            bool for_response)
{
    for (struct smb_tx *tx = st->head; tx; tx = tx->next)
        if (tx->type == SMB_TX_DCERPC && tx->call.call_id == call_id &&
            (for_response ? !tx->call.res_done : !tx->call.req_done) && !tx->base.logged)
            return tx;
    return NULL;
}

static void smb_dcerpc_req_pdu(struct smb_state *st, struct app_parse_ctx *ctx, void *user,
                               const struct dcerpc_hdr *h, const uint8_t *pdu, uint32_t len)
{
    const struct smb_dcerpc_ctx *c = user;
    if (h->ptype == DCERPC_AUTH3)
        return;
    struct smb_tx *tx = NULL;
    if (h->ptype == DCERPC_REQUEST && !(h->flags & DCERPC_PFC_FIRST_FRAG))
        tx = smb_dcerpc_tx_by_call(st, h->call_id, false);
    if (!tx) {
        tx = smb_tx_new(st, ctx, SMB_TX_DCERPC, c->vers, c->command);
        if (!tx)
            return;
        tx->ssn_id = c->ssn;
        tx->tree_id = c->tree;
        tx->msg_id = c->msg_id;
    }
    dcerpc_call_apply(&tx->call, &st->bindings, ctx, 0, h, pdu, len);
    tx->req_done = true;
}

static void smb_dcerpc_res_pdu(struct smb_state *st, struct app_parse_ctx *ctx, void *user,
                               const struct dcerpc_hdr *h, const uint8_t *pdu, uint32_t len)
{
    const struct smb_dcerpc_ctx *c = user;
    struct smb_tx *tx = smb_dcerpc_tx_by_call(st, h->call_id, true);
    if (!tx) {
        tx = smb_tx_new(st, ctx, SMB_TX_DCERPC, c->vers, c->command);
        if (!tx)
            return;
        tx->ssn_id = c->ssn;
        tx->tree_id = c->tree;
        tx->msg_id = c->msg_id;
        tx->req_done = true;
    }
    dcerpc_call_apply(&tx->call, &st->bindings, ctx, 1, h, pdu, len);
    smb_tx_set_status(tx, c->status, c->dos);
    if (tx->call.res_done)
        tx->res_done = true;
}

void smb_dcerpc_request(struct smb_state *st, struct app_parse_ctx *ctx, uint8_t vers,
                        uint16_t command, uint64_t ssn, uint32_t tree, uint64_t msg_id,
                        const uint8_t *fuid, uint8_t fuid_len, const uint8_t *data, uint32_t len)
{
    struct smb_dcerpc_ctx c = {
        .vers = vers, .command = command, .ssn = ssn, .tree = tree, .msg_id = msg_id};
    smb_dcerpc_pdus(st, ctx, 0, fuid, fuid_len, data, len, smb_dcerpc_req_pdu, &c);
}

void smb_dcerpc_response(struct smb_state *st, struct app_parse_ctx *ctx, uint8_t vers,
                         uint16_t command, uint32_t status, bool dos, uint64_t ssn, uint32_t tree,
                         uint64_t msg_id, const uint8_t *fuid, uint8_t fuid_len,
                         const uint8_t *data, uint32_t len)
{
    struct smb_dcerpc_ctx c = {.vers = vers,
                               .command = command,
                               .status = status,
                               .dos = dos,
                               .ssn = ssn,
                               .tree = tree,
                               .msg_id = msg_id};
    smb_dcerpc_pdus(st, ctx, 1, fuid, fuid_len, data, len, smb_dcerpc_res_pdu, &c);
}

/* ---------- framing ---------- */

static bool smb_magic(const uint8_t *d)
{
    return (d[0] == 0xff || d[0] == 0xfe || d[0] == 0xfd) && d[1] == 'S' && d[2] == 'M' &&
           d[3] == 'B';
}

static bool nbss_type_valid(uint8_t t)
{
    return t == 0x00 || (t >= 0x81 && t <= 0x85);
}

/* 24 bits: SMB over TCP 445 (MS-SMB2 2.1) uses the whole field; NetBIOS
 * session service (139) has 7 zero flag bits before a 17-bit length. */
static uint32_t nbss_len(const uint8_t *h)
{
    return (uint32_t)h[1] << 16 | (uint32_t)h[2] << 8 | h[3];
}

/* An NBSS session message header followed by an SMB magic. */
static bool smb_record_start(const uint8_t *d, uint32_t avail)
{
    return avail >= 8 && d[0] == 0x00 && smb_magic(d + 4) && nbss_len(d) >= 4;
}

static bool smb_buf_reserve(struct smb_state *st, struct app_parse_ctx *ctx, struct smb_dir *d,
                            uint32_t need)
{
    (void)st;
    return app_buf_grow(ctx, &d->buf, &d->buf_cap, need, 512, 0);
}

static void smb_buf_shrink(struct smb_state *st, struct smb_dir *d)
{
    app_buf_shrink(st->thread, &d->buf, &d->buf_cap, d->buf_len, 4096);
}

/* Suricata's SMB frames: nbss.pdu / nbss.hdr / nbss.data (an NBSS record,
 * its 4-byte header, its payload), and for the SMB message(s) it carries
 * smb1.*, smb2.* (each command of a compound) or smb3.* (a transform
 * header): pdu, hdr (32, 64 or 52 bytes) and data. */
enum {
    SMB_FRAME_NBSS_PDU, SMB_FRAME_NBSS_HDR, SMB_FRAME_NBSS_DATA,
    SMB_FRAME_SMB1_PDU, SMB_FRAME_SMB1_HDR, SMB_FRAME_SMB1_DATA,
    SMB_FRAME_SMB2_PDU, SMB_FRAME_SMB2_HDR, SMB_FRAME_SMB2_DATA,
    SMB_FRAME_SMB3_PDU, SMB_FRAME_SMB3_HDR, SMB_FRAME_SMB3_DATA,
};
static const char *const smb_frame_names[] = {
    "nbss.pdu", "nbss.hdr", "nbss.data", "smb1.pdu", "smb1.hdr", "smb1.data",
    "smb2.pdu", "smb2.hdr", "smb2.data", "smb3.pdu", "smb3.hdr", "smb3.data", NULL};
#define SMB3_TRANSFORM_HDR_LEN 52

/* pdu/hdr/data frames of `full` bytes at `off`, `avail` of them at `m`. */
static void smb_frames3(struct app_parse_ctx *ctx, uint8_t dir, uint64_t off, const uint8_t *m,
                        uint32_t avail, uint32_t full, uint32_t hdr, uint8_t t_pdu)
{
    if (hdr > full)
        hdr = full;
    app_frame_add(ctx, dir, off, full, t_pdu, -1, m, avail);
    app_frame_add(ctx, dir, off, hdr, (uint8_t)(t_pdu + 1), -1, m, avail < hdr ? avail : hdr);
    if (full > hdr)
        app_frame_add(ctx, dir, off + hdr, full - hdr, (uint8_t)(t_pdu + 2), -1,
                      avail > hdr ? m + hdr : NULL, avail > hdr ? avail - hdr : 0);
}

/* The stream offset of the next byte at `data` (frames on), else UINT64_MAX. */
static uint64_t smb_pos(const struct smb_dir *d, const uint8_t *data)
{
    return d->call_start ? d->call_base + (uint64_t)(data - d->call_start) : UINT64_MAX;
}

/* One whole (or truncated: avail < full) SMB message of an NBSS record. */
static void smb_message(struct smb_state *st, struct app_parse_ctx *ctx, uint8_t dir,
                        const uint8_t *m, uint32_t avail, uint32_t full, struct smb_stream *s)
{
    memset(s, 0, sizeof(*s));
    bool frames = app_frames_on(ctx) && st->dir[dir].call_start;
    uint64_t moff = st->dir[dir].rec_off + 4;
    if (frames && avail && m[0] == 0xff)
        smb_frames3(ctx, dir, moff, m, avail, full, SMB1_HDR_LEN, SMB_FRAME_SMB1_PDU);
    else if (frames && avail && m[0] == 0xfd)
        smb_frames3(ctx, dir, moff, m, avail, full, SMB3_TRANSFORM_HDR_LEN, SMB_FRAME_SMB3_PDU);
    if (avail < 4)
        return;
    if (m[0] == 0xff) {
        smb1_record(st, ctx, dir, m, avail, full, s);
    } else if (m[0] == 0xfe) {
        uint32_t off = 0;
        while (off + SMB2_HDR_LEN <= avail) {
            struct smb2_hdr h;
            if (smb2_hdr_parse(m + off, avail - off, &h) != 0) {
                smb_event(st, ctx, NULL, SMB_EV_MALFORMED_DATA);
                return;
            }
            uint32_t rec_full = h.next ? h.next : full - off;
            uint32_t rec_avail = avail - off < rec_full ? avail - off : rec_full;
            if (h.next && (h.next < SMB2_HDR_LEN || h.next > full - off)) {
                smb_event(st, ctx, NULL, SMB_EV_MALFORMED_DATA);
                return;
            }
            if (frames)
                smb_frames3(ctx, dir, moff + off, m + off, rec_avail, rec_full, SMB2_HDR_LEN,
                            SMB_FRAME_SMB2_PDU);
            struct smb_stream one;
            memset(&one, 0, sizeof(one));
            smb2_record(st, ctx, dir, &h, m + off, rec_avail, rec_full, &one);
            if (one.left && off == 0 && !h.next)
                *s = one;
            if (!h.next)
                break;
            off += h.next;
        }
    } else if (m[0] == 0xfd) {
        st->encrypted_records++;
    }
}

static int smb_parse_dir(struct smb_state *st, struct app_parse_ctx *ctx, uint8_t dir,
                         const uint8_t *data, uint32_t len);

/* Looks for the next record start in lost mode; bytes are collected until one
 * is found (at most SMB_LOST_BUF_MAX, then all but the last 7 are dropped). */
static int smb_lost(struct smb_state *st, struct app_parse_ctx *ctx, uint8_t dir,
                    const uint8_t *data, uint32_t len, uint32_t *used)
{
    struct smb_dir *d = &st->dir[dir];
    uint32_t n = len;
    if (d->buf_len + n > SMB_LOST_BUF_MAX)
        n = SMB_LOST_BUF_MAX - d->buf_len;
    if (!smb_buf_reserve(st, ctx, d, d->buf_len + n))
        return -1;
    memcpy(d->buf + d->buf_len, data, n);
    d->buf_len += n;
    *used = n;
    uint32_t i = 0;
    for (; i + 8 <= d->buf_len; i++)
        if (smb_record_start(d->buf + i, d->buf_len - i))
            break;
    if (i + 8 > d->buf_len) {
        uint32_t keep = d->buf_len < 7 ? d->buf_len : 7;
        memmove(d->buf, d->buf + d->buf_len - keep, keep);
        d->buf_len = keep;
        return 0;
    }
    /* Found: replay from there through the normal path. */
    d->lost = false;
    uint32_t rest = d->buf_len - i;
    uint8_t *tmp = malloc(rest);
    if (!tmp)
        return -1;
    memcpy(tmp, d->buf + i, rest);
    d->buf_len = 0;
    /* the replayed bytes end where the collected ones did */
    const uint8_t *cs = d->call_start;
    uint64_t cb = d->call_base, end = smb_pos(d, data + n);
    if (cs) {
        d->call_start = tmp;
        d->call_base = end - rest;
    }
    int rc = smb_parse_dir(st, ctx, dir, tmp, rest);
    d->call_start = cs;
    d->call_base = cb;
    free(tmp);
    return rc;
}

/* A gap made the direction lose its place: Suricata then treats the
 * transactions begun so far as complete in that direction. */
static void smb_post_gap(struct smb_state *st, struct app_parse_ctx *ctx, uint8_t dir)
{
    for (struct smb_tx *tx = st->head; tx; tx = tx->next) {
        if (tx->type == SMB_TX_FILE) {
            if (!tx->post_gap_usec)
                tx->post_gap_usec = ctx->ts_usec + SMB_POST_GAP_USEC;
            continue;
        }
        tx->req_done = true;
        if (dir == 1)
            tx->res_done = true;
    }
}

static void smb_record_done(struct smb_state *st, struct smb_dir *d)
{
    d->in_record = false;
    d->nbss_len = 0;
    d->buf_len = 0;
    smb_buf_shrink(st, d);
}

static int smb_parse_dir(struct smb_state *st, struct app_parse_ctx *ctx, uint8_t dir,
                         const uint8_t *data, uint32_t len)
{
    struct smb_dir *d = &st->dir[dir];
    while (len) {
        if (d->skip) {
            uint32_t n = d->skip < len ? d->skip : len;
            d->skip -= n;
            data += n;
            len -= n;
            continue;
        }
        if (d->file_left) {
            uint32_t n = d->file_left < len ? d->file_left : len;
            if (d->file_tx)
                ftrack_more(ctx, &d->file_tx->ft, data, n);
            d->file_left -= n;
            d->rec_seen += n;
            data += n;
            len -= n;
            if (!d->file_left) {
                d->file_tx = NULL;
                if (d->rec_seen < d->rec_len)
                    d->skip = d->rec_len - d->rec_seen;
                smb_record_done(st, d);
            }
            continue;
        }
        if (d->lost) {
            uint32_t used = 0;
            if (smb_lost(st, ctx, dir, data, len, &used) < 0)
                return -1;
            data += used;
            len -= used;
            continue;
        }
        if (!d->in_record) {
            if (d->nbss_len == 0 && len >= 8 && !smb_record_start(data, len) &&
                (!nbss_type_valid(data[0]) || (data[0] == 0 && !smb_magic(data + 4)))) {
                /* Not a record boundary (midstream pick-up or garbage). */
                d->lost = true;
                continue;
            }
            uint32_t n = 4u - d->nbss_len;
            if (n > len)
                n = len;
            memcpy(d->nbss + d->nbss_len, data, n);
            d->nbss_len = (uint8_t)(d->nbss_len + n);
            data += n;
            len -= n;
            if (d->nbss_len < 4)
                continue;
            if (!nbss_type_valid(d->nbss[0])) {
                smb_event(st, ctx, NULL, SMB_EV_MALFORMED_DATA);
                d->nbss_len = 0;
                d->lost = true;
                continue;
            }
            d->rec_len = nbss_len(d->nbss);
            d->rec_seen = 0;
            d->buf_len = 0;
            if (d->call_start) {
                d->rec_off = smb_pos(d, data) - 4;
                if (app_frames_on(ctx))
                    smb_frames3(ctx, dir, d->rec_off, d->nbss, 4, 4 + d->rec_len, 4,
                                SMB_FRAME_NBSS_PDU);
            }
            if (d->nbss[0] != 0x00) {
                d->skip = d->rec_len;
                d->nbss_len = 0;
                continue;
            }
            if (d->rec_len == 0) {
                d->nbss_len = 0;
                continue;
            }
            d->in_record = true;
            continue;
        }
        /* In a session message: buffer what its handling needs, which is the
         * whole record (up to SMB_RECORD_MAX) or, for file data that can
         * stream, the command header (smb*_stream_head). */
        uint32_t full_target = d->rec_len < SMB_RECORD_MAX ? d->rec_len : SMB_RECORD_MAX;
        for (;;) {
            uint32_t target = full_target < 4 ? full_target : 4;
            uint32_t head = 0;
            if (d->buf_len >= 4) {
                if (d->buf[0] == 0xfe)
                    head = smb2_stream_head(st, dir, d->buf, d->buf_len, d->rec_len);
                else if (d->buf[0] == 0xff)
                    head = smb1_stream_head(st, dir, d->buf, d->buf_len, d->rec_len);
                if (head > full_target)
                    head = 0;
                target = head ? head : full_target;
            }
            if (d->buf_len < target) {
                uint32_t n = target - d->buf_len;
                if (n > len)
                    n = len;
                if (n == 0)
                    break;
                if (!smb_buf_reserve(st, ctx, d, d->buf_len + n))
                    return -1;
                memcpy(d->buf + d->buf_len, data, n);
                d->buf_len += n;
                d->rec_seen += n;
                data += n;
                len -= n;
                continue; /* decide again with more bytes */
            }
            /* Process: the whole record, or its head with the data to stream. */
            struct smb_stream s;
            smb_message(st, ctx, dir, d->buf, d->buf_len, d->rec_len, &s);
            if (d->buf_len < d->rec_len && s.left && s.tx) {
                d->file_left = s.left;
                d->file_tx = s.tx;
                if (d->rec_seen + d->file_left > d->rec_len)
                    d->file_left = d->rec_len - d->rec_seen;
                d->buf_len = 0;
                if (!d->file_left) {
                    d->file_tx = NULL;
                    smb_record_done(st, d);
                }
                break;
            }
            if (d->rec_seen < d->rec_len)
                d->skip = d->rec_len - d->rec_seen;
            smb_record_done(st, d);
            break;
        }
    }
    return 0;
}

static int smb_parse(void *state, struct app_parse_ctx *ctx, uint8_t direction, const uint8_t *data,
                     uint32_t len, uint32_t flags)
{
    struct smb_state *st = state;
    uint8_t dir = direction & 1;
    struct smb_dir *d = &st->dir[dir];
    if (flags & APP_DATA_GAP) {
        uint32_t g = len;
        if (d->skip >= g) {
            d->skip -= g;
            smb_sweep(st, ctx, false);
            return 0;
        }
        g -= d->skip;
        d->skip = 0;
        if (d->file_left) {
            uint32_t n = d->file_left < g ? d->file_left : g;
            if (d->file_tx)
                ftrack_gap(&d->file_tx->ft, n);
            d->file_left -= n;
            d->rec_seen += n;
            g -= n;
            if (!d->file_left) {
                d->file_tx = NULL;
                if (d->rec_seen < d->rec_len) {
                    uint32_t rest = d->rec_len - d->rec_seen;
                    d->skip = rest > g ? rest - g : 0;
                    g = rest > g ? 0 : g - rest;
                }
                smb_record_done(st, d);
            }
            if (!g) {
                smb_sweep(st, ctx, false);
                return 0;
            }
        }
        smb_record_done(st, d);
        d->buf_len = 0;
        d->lost = true;
        d->gap_seen = true;
        smb_post_gap(st, ctx, dir);
        smb_sweep(st, ctx, false);
        return 0;
    }
    d->call_start = app_frames_on(ctx) ? data : NULL;
    d->call_base = app_frames_on(ctx) ? ctx->stream_offset : 0;
    int rc = data && len ? smb_parse_dir(st, ctx, dir, data, len) : 0;
    d->call_start = NULL;
    if (rc < 0) {
        smb_event(st, ctx, NULL, SMB_EV_INTERNAL_ERROR);
        return -1;
    }
    smb_sweep(st, ctx, false);
    return 0;
}

/* ---------- EVE ---------- */

static void smb_write_guid(struct json_writer *w, const char *key, const uint8_t *g)
{
    char s[40];
    snprintf(s, sizeof(s), "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
             g[3], g[2], g[1], g[0], g[5], g[4], g[7], g[6], g[9], g[8], g[11], g[10], g[15], g[14],
             g[13], g[12]);
    json_key_string(w, key, s);
}

static void smb_write_fuid(struct json_writer *w, const struct smb_tx *tx)
{
    char s[8];
    if (tx->fuid_len == 16) {
        smb_write_guid(w, "fuid", tx->fuid);
    } else if (tx->fuid_len >= 2) {
        snprintf(s, sizeof(s), "%02x%02x", tx->fuid[1], tx->fuid[0]);
        json_key_string(w, "fuid", s);
    } else {
        json_key_string(w, "fuid", "");
    }
}

static void smb_write_tx(const struct smb_tx *tx, struct json_writer *w)
{
    const struct smb_state *st = tx->state;
    char buf[24];
    json_key_object_begin(w, "smb");
    json_key_u64(w, "id", tx->base.id + 1);
    if (st->dialect)
        json_key_string(w, "dialect", smb2_dialect_name(st->dialect, buf));
    else
        json_key_string(w, "dialect", st->dialect1 ? st->dialect1 : "unknown");
    if (tx->vers == 1) {
        json_key_string(w, "command", smb1_command_name((uint8_t)tx->command, buf));
    } else if (tx->vers == 2) {
        const char *c = smb2_command_name(tx->command);
        if (c) {
            json_key_string(w, "command", c);
        } else {
            snprintf(buf, sizeof(buf), "%u", tx->command);
            json_key_string(w, "command", buf);
        }
    }
    if (tx->status_set && !tx->status_dos) {
        const char *n = smb_ntstatus_name(tx->status);
        if (n) {
            json_key_string(w, "status", n);
        } else {
            snprintf(buf, sizeof(buf), "%u", tx->status);
            json_key_string(w, "status", buf);
        }
        snprintf(buf, sizeof(buf), "0x%x", tx->status);
        json_key_string(w, "status_code", buf);
    } else if (tx->status_set) {
        json_key_string(w, "status", smb_dos_error_name(tx->dos_class, (uint16_t)tx->status, buf));
        snprintf(buf, sizeof(buf), "0x%04x", tx->status & 0xffff);
        json_key_string(w, "status_code", buf);
    }
    json_key_u64(w, "session_id", tx->ssn_id);
    json_key_u64(w, "tree_id", tx->tree_id);
    switch (tx->type) {
    case SMB_TX_SESSIONSETUP:
        if (tx->ntlmssp.present) {
            json_key_object_begin(w, "ntlmssp");
            json_key_string(w, "domain", tx->ntlmssp.domain);
            json_key_string(w, "user", tx->ntlmssp.user);
            json_key_string(w, "host", tx->ntlmssp.host);
            if (tx->ntlmssp.have_version) {
                char v[48];
                snprintf(v, sizeof(v), "%u.%u build %u rev %u", tx->ntlmssp.ver_major,
                         tx->ntlmssp.ver_minor, tx->ntlmssp.ver_build, tx->ntlmssp.ntlm_rev);
                json_key_string(w, "version", v);
            }
            json_object_end(w);
        }
        if (tx->krb.present) {
            json_key_object_begin(w, "kerberos");
            json_key_string(w, "realm", tx->krb.realm);
            if (tx->krb.nsnames) {
                json_key_array_begin(w, "snames");
                for (uint8_t i = 0; i < tx->krb.nsnames; i++)
                    json_write_string(w, tx->krb.snames[i]);
                json_array_end(w);
            }
            json_object_end(w);
        }
        if (tx->have_req_host) {
            json_key_object_begin(w, "request");
            json_key_string(w, "native_os", tx->req_native_os ? tx->req_native_os : "");
            json_key_string(w, "native_lm", tx->req_native_lm ? tx->req_native_lm : "");
            json_object_end(w);
        }
        if (tx->have_res_host) {
            json_key_object_begin(w, "response");
            json_key_string(w, "native_os", tx->res_native_os ? tx->res_native_os : "");
            json_key_string(w, "native_lm", tx->res_native_lm ? tx->res_native_lm : "");
            json_object_end(w);
        }
        break;
    case SMB_TX_CREATE: {
        const char *name = tx->filename && tx->filename[0] ? tx->filename : "<share_root>";
        json_key_string(
            w, tx->directory && tx->filename && tx->filename[0] ? "directory" : "filename", name);
        static const char *const disp[] = {"FILE_SUPERSEDE", "FILE_OPEN",      "FILE_CREATE",
                                           "FILE_OPEN_IF",   "FILE_OVERWRITE", "FILE_OVERWRITE_IF"};
        json_key_string(w, "disposition", tx->disposition < 6 ? disp[tx->disposition] : "UNKNOWN");
        json_key_string(w, "access", tx->delete_on_close ? "delete on close" : "normal");
        json_key_u64(w, "created", tx->create_ts);
        json_key_u64(w, "accessed", tx->access_ts);
        json_key_u64(w, "modified", tx->write_ts);
        json_key_u64(w, "changed", tx->change_ts);
        json_key_u64(w, "size", tx->size);
        smb_write_fuid(w, tx);
        break;
    }
    case SMB_TX_NEGOTIATE:
        if (tx->ndialects) {
            json_key_array_begin(w, "client_dialects");
            for (uint16_t i = 0; i < tx->ndialects; i++)
                json_write_string(w, tx->dialects[i] ? tx->dialects[i] : "");
            json_array_end(w);
        }
        if (tx->have_client_guid)
            smb_write_guid(w, "client_guid", tx->client_guid);
        smb_write_guid(w, "server_guid", tx->server_guid);
        if (st->max_read_size)
            json_key_u64(w, "max_read_size", st->max_read_size);
        if (st->max_write_size)
            json_key_u64(w, "max_write_size", st->max_write_size);
        break;
    case SMB_TX_TREECONNECT:
        json_key_string(w, tx->is_pipe ? "named_pipe" : "share", tx->share ? tx->share : "");
        if (tx->vers == 1) {
            json_key_object_begin(w, "service");
            if (tx->req_service)
                json_key_string(w, "request", tx->req_service);
            if (tx->res_service)
                json_key_string(w, "response", tx->res_service);
            json_object_end(w);
        } else {
            static const char *const types[] = {"UNKNOWN", "FILE", "PIPE", "PRINT"};
            json_key_string(w, "share_type",
                            tx->share_type <= 3 ? types[tx->share_type] : "UNKNOWN");
        }
        break;
    case SMB_TX_FILE:
        json_key_string(w, "filename", tx->filename ? tx->filename : "");
        json_key_string(w, "share", tx->share ? tx->share : "");
        smb_write_fuid(w, tx);
        break;
    case SMB_TX_RENAME:
        if (tx->vers == 2) {
            json_key_object_begin(w, "set_info");
            json_key_string(w, "class", "FILE_INFO");
            json_key_string(w, "info_level", "SMB2_FILE_RENAME_INFO");
            json_object_end(w);
        }
        json_key_object_begin(w, "rename");
        json_key_string(w, "from", tx->filename ? tx->filename : "");
        json_key_string(w, "to", tx->newname ? tx->newname : "");
        json_object_end(w);
        smb_write_fuid(w, tx);
        break;
    case SMB_TX_DCERPC:
        json_key_object_begin(w, "dcerpc");
        dcerpc_call_write_json(&tx->call, w, DCERPC_LOG_SMB, NULL);
        json_object_end(w);
        break;
    case SMB_TX_IOCTL:
        json_key_string(w, "function", smb_fsctl_name(tx->ioctl_func, buf));
        break;
    case SMB_TX_SETFILEPATHINFO:
        json_key_string(w, "filename",
                        tx->filename && tx->filename[0] ? tx->filename : "<share_root>");
        json_key_string(w, "access", tx->delete_on_close ? "delete on close" : "normal");
        if (tx->subcmd == 8)
            json_key_string(w, "subcmd", "SET_FILE_INFO");
        else if (tx->subcmd == 6)
            json_key_string(w, "subcmd", "SET_PATH_INFO");
        if (tx->loi == 1013)
            json_key_string(w, "level_of_interest", "Set Disposition Information");
        smb_write_fuid(w, tx);
        break;
    default:
        break;
    }
    json_object_end(w);
}

static void smb_log_body(const void *object, struct json_writer *w)
{
    smb_write_tx(object, w);
}

static void smb_file_log_tx(const void *object, struct json_writer *w)
{
    smb_write_tx(object, w);
}

/* Alert metadata: the smb object, and the files of the transaction as
 * Suricata's "files" array. */
static void smb_tx_write_json(const struct app_tx *atx, struct json_writer *w)
{
    const struct smb_tx *tx = (const struct smb_tx *)atx;
    smb_write_tx(tx, w);
    ftrack_write_alert_files(&tx->ft, w);
}

/* ---------- detection ---------- */

static int smb_tx_get_buffer_dir(const struct app_tx *atx, enum app_buffer buffer,
                                 uint8_t direction, uint32_t index, const uint8_t **data,
                                 uint32_t *len)
{
    const struct smb_tx *tx = (const struct smb_tx *)atx;
    const char *s = NULL;
    switch (buffer) {
    case APP_BUFFER_SMB_SHARE:
    case APP_BUFFER_SMB_NAMED_PIPE:
        /* Share or pipe is known from the answer (as in Suricata, where the
         * transaction is inspected once the response updated it). */
        if (tx->type != SMB_TX_TREECONNECT || !(tx->res_done || tx->base.logged) ||
            tx->is_pipe != (buffer == APP_BUFFER_SMB_NAMED_PIPE))
            return -ENOENT;
        s = tx->share;
        break;
    case APP_BUFFER_SMB_NTLMSSP_USER:
        s = tx->type == SMB_TX_SESSIONSETUP && tx->ntlmssp.present ? tx->ntlmssp.user : NULL;
        break;
    case APP_BUFFER_SMB_NTLMSSP_DOMAIN:
        s = tx->type == SMB_TX_SESSIONSETUP && tx->ntlmssp.present ? tx->ntlmssp.domain : NULL;
        break;
    case APP_BUFFER_FILE_NAME:
        if (!tx->ft.file || index || tx->file_dir != (direction & 1))
            return -ENOENT;
        *data = tx->ft.file->name;
        *len = tx->ft.file->name_len;
        return 0;
    case APP_BUFFER_FILE_DATA:
        if (!tx->ft.file || index || tx->file_dir != (direction & 1) || !tx->ft.file->data_len)
            return -ENOENT;
        *data = tx->ft.file->data;
        *len = tx->ft.file->data_len;
        return 0;
    case APP_BUFFER_DCERPC_STUB_DATA:
    case APP_BUFFER_DCERPC_IFACE_DATA:
        if (tx->type != SMB_TX_DCERPC)
            return -ENOENT;
        return dcerpc_call_get_buffer(&tx->call, buffer, direction, index, data, len);
    default:
        return -ENOENT;
    }
    if (!s || index)
        return -ENOENT;
    *data = (const uint8_t *)s;
    *len = (uint32_t)strlen(s);
    return 0;
}

static int smb_tx_get_buffer(const struct app_tx *atx, enum app_buffer buffer, uint32_t index,
                             const uint8_t **data, uint32_t *len)
{
    const struct smb_tx *tx = (const struct smb_tx *)atx;
    uint32_t i = index & ~(APP_BUFFER_INDEX_TOCLIENT | APP_BUFFER_INDEX_TOSERVER);
    uint8_t dir = (index & APP_BUFFER_INDEX_TOCLIENT) ? 1 : 0;
    if (!(index & (APP_BUFFER_INDEX_TOCLIENT | APP_BUFFER_INDEX_TOSERVER)) &&
        (buffer == APP_BUFFER_FILE_DATA || buffer == APP_BUFFER_FILE_NAME))
        dir = tx->file_dir;
    return smb_tx_get_buffer_dir(atx, buffer, dir, i, data, len);
}

/* Integer fields: smb.version and the opnum of DCE/RPC over SMB (both with
 * Suricata's own keyword syntax, detect_kw_winrpc.c). */
enum { SMB_F_VERSION, SMB_F_OPNUM, SMB_F_COUNT };
static const struct app_uint_field smb_uint_fields[SMB_F_COUNT] = {
    [SMB_F_VERSION] = {"smb.version", 3, 255, NULL, true},
    [SMB_F_OPNUM] = {"dcerpc.opnum", 3, 65535, NULL, true},
};

static int smb_tx_get_uint(const struct app_tx *atx, uint16_t field, uint32_t index,
                           uint64_t *value, const char **name)
{
    const struct smb_tx *tx = (const struct smb_tx *)atx;
    (void)name;
    if (index)
        return -ENOENT;
    if (field == SMB_F_VERSION) {
        if (!tx->vers)
            return -ENOENT;
        *value = tx->vers;
        return 0;
    }
    if (field == SMB_F_OPNUM && tx->type == SMB_TX_DCERPC)
        return dcerpc_call_opnum(&tx->call, value);
    return -ENOENT;
}

static bool smb_tx_has_event(const struct app_tx *atx, const char *name)
{
    const struct smb_tx *tx = (const struct smb_tx *)atx;
    for (int e = 0; e < SMB_EV_COUNT; e++)
        if ((tx->events & (1u << e)) && strcasecmp(smb_event_names[e], name) == 0)
            return true;
    return false;
}

static bool smb_tx_complete(const struct app_tx *atx, uint8_t direction)
{
    const struct smb_tx *tx = (const struct smb_tx *)atx;
    return direction ? tx->res_done : tx->req_done;
}

static int smb_tx_foreach(void *state, int (*fn)(struct app_tx *tx, void *user), void *user)
{
    struct smb_state *st = state;
    return app_tx_list_foreach(st->head, offsetof(struct smb_tx, next), fn, user);
}

/* ---------- framework glue ---------- */

/* A session message with an SMB magic, possibly after a short NetBIOS
 * message (session request), or - when the capture starts in the middle -
 * a record start anywhere in the first bytes. */
static enum app_probe_result smb_probe(const uint8_t *data, uint32_t len, uint8_t direction)
{
    (void)direction;
    if (len < 8)
        return len && !nbss_type_valid(data[0]) ? APP_PROBE_NO : APP_PROBE_NEED_MORE;
    if (smb_record_start(data, len))
        return APP_PROBE_MATCH;
    if (nbss_type_valid(data[0]) && data[0] != 0x00) {
        uint32_t l = nbss_len(data);
        if (len >= 4 + l + 8)
            return smb_record_start(data + 4 + l, len - 4 - l) ? APP_PROBE_MATCH : APP_PROBE_NO;
        return l < 256 ? APP_PROBE_NEED_MORE : APP_PROBE_NO;
    }
    for (uint32_t i = 1; i + 8 <= len; i++)
        if (smb_record_start(data + i, len - i))
            return APP_PROBE_MATCH;
    return APP_PROBE_NO;
}

static void *smb_state_new(struct app_parse_ctx *ctx)
{
    struct smb_state *st = app_state_alloc(ctx, sizeof(*st));
    if (!st)
        return NULL;
    st->thread = ctx->thread;
    return st;
}

static void smb_state_free(void *state)
{
    struct smb_state *st = state;
    if (!st)
        return;
    while (st->head) {
        struct smb_tx *n = st->head->next;
        smb_tx_free(st, st->head);
        st->head = n;
    }
    for (int d = 0; d < 2; d++)
        app_buf_free(st->thread, &st->dir[d].buf, &st->dir[d].buf_cap);
    app_map_free(&st->trees, st->thread);
    app_map_free(&st->names, st->thread);
    app_map_free(&st->reads, st->thread);
    app_map_free(&st->pipes, st->thread);
    app_map_free(&st->creates, st->thread);
    if (st->dialect1) {
        app_thread_memory_release(st->thread, strlen(st->dialect1) + 1);
        free(st->dialect1);
    }
    app_thread_memory_release(st->thread, sizeof(*st));
    free(st);
}

static void smb_flow_end(void *state, struct app_parse_ctx *ctx)
{
    smb_sweep(state, ctx, true);
}

static const char *const smb_type_names[SMB_TX_TYPES] = {
    [SMB_TX_GENERIC] = "generic",
    [SMB_TX_FILE] = "file",
    [SMB_TX_TREECONNECT] = "tree_connect",
    [SMB_TX_NEGOTIATE] = "negotiate",
    [SMB_TX_DCERPC] = "dcerpc",
    [SMB_TX_CREATE] = "create",
    [SMB_TX_SESSIONSETUP] = "session_setup",
    [SMB_TX_IOCTL] = "ioctl",
    [SMB_TX_RENAME] = "rename",
    [SMB_TX_SETFILEPATHINFO] = "set_file_path_info",
};

static void smb_config_u32(const struct config *cfg, const char *key, uint32_t *out)
{
    uint64_t v;
    if (config_get_size(cfg, key, &v) == 0)
        *out = v > UINT32_MAX ? UINT32_MAX : (uint32_t)v;
}

void app_smb_config_load(struct app_layer_config *out, const struct config *cfg)
{
    out->smb_max_read_size = out->smb_max_write_size = 0;
    out->smb_max_read_queue_size = out->smb_max_write_queue_size = 64u * 1024 * 1024;
    out->smb_max_read_queue_cnt = out->smb_max_write_queue_cnt = 64;
    out->smb_max_tx = 1024;
    out->smb_log_types = 0;
    out->dcerpc_max_tx = out->nfs_max_tx = 0;
    out->dcerpc_max_stub_size = DCERPC_STUB_MAX;
    dcerpc_set_log_names(cfg &&
                         config_get_bool(cfg, "app-layer.protocols.dcerpc.log-names", false));
    if (!cfg)
        return;
    smb_config_u32(cfg, "app-layer.protocols.smb.max-read-size", &out->smb_max_read_size);
    smb_config_u32(cfg, "app-layer.protocols.smb.max-write-size", &out->smb_max_write_size);
    smb_config_u32(cfg, "app-layer.protocols.smb.max-read-queue-size",
                   &out->smb_max_read_queue_size);
    smb_config_u32(cfg, "app-layer.protocols.smb.max-read-queue-cnt", &out->smb_max_read_queue_cnt);
    smb_config_u32(cfg, "app-layer.protocols.smb.max-write-queue-size",
                   &out->smb_max_write_queue_size);
    smb_config_u32(cfg, "app-layer.protocols.smb.max-write-queue-cnt",
                   &out->smb_max_write_queue_cnt);
    long long n;
    if (config_get_int(cfg, "app-layer.protocols.smb.max-tx", &n) == 0 && n > 0 && n <= UINT32_MAX)
        out->smb_max_tx = (uint32_t)n;
    if (config_get_int(cfg, "app-layer.protocols.dcerpc.max-tx", &n) == 0 && n > 0 &&
        n <= UINT32_MAX)
        out->dcerpc_max_tx = (uint32_t)n;
    if (config_get_int(cfg, "app-layer.protocols.nfs.max-tx", &n) == 0 && n > 0 && n <= UINT32_MAX)
        out->nfs_max_tx = (uint32_t)n;
    smb_config_u32(cfg, "app-layer.protocols.dcerpc.max-stub-size", &out->dcerpc_max_stub_size);
    /* outputs.N.eve-log.types.M.smb.types: [create, file, ...] */
    const struct config_node *outputs = config_find(cfg, "outputs");
    for (const struct config_node *o = outputs ? config_node_first_child(outputs) : NULL; o;
         o = config_node_next(o)) {
        const struct config_node *types = config_node_find(o, "eve-log.types");
        for (const struct config_node *t = types ? config_node_first_child(types) : NULL; t;
             t = config_node_next(t)) {
            const char *tv = config_node_value(t);
            const struct config_node *body =
                tv && !strcmp(tv, "smb") ? config_node_child(t, "smb") : NULL;
            const struct config_node *list = body ? config_node_child(body, "types") : NULL;
            for (const struct config_node *e = list ? config_node_first_child(list) : NULL; e;
                 e = config_node_next(e)) {
                const char *ev = config_node_value(e);
                for (int k = 0; ev && k < SMB_TX_TYPES; k++)
                    if (!strcmp(ev, smb_type_names[k]))
                        out->smb_log_types |= 1u << k;
            }
        }
    }
}

const struct app_parser app_parser_smb = {
    .proto = APP_PROTO_SMB,
    .name = "smb",
    .ipprotos = APP_IPPROTO_TCP,
    .ports = {445, 139},
    .probe = smb_probe,
    .frame_names = smb_frame_names,
    .state_new = smb_state_new,
    .state_free = smb_state_free,
    .parse = smb_parse,
    .flow_end = smb_flow_end,
    .tx_foreach = smb_tx_foreach,
    .tx_complete = smb_tx_complete,
    .tx_get_buffer = smb_tx_get_buffer,
    .tx_write_json = smb_tx_write_json,
    .tx_has_event = smb_tx_has_event,
    .event_names = smb_event_names,
    .tx_get_buffer_dir = smb_tx_get_buffer_dir,
    .uint_fields = smb_uint_fields,
    .n_uint_fields = SMB_F_COUNT,
    .tx_get_field_uint = smb_tx_get_uint,
};

bool smb_pipe_check(struct smb_state *st, struct app_parse_ctx *ctx, uint64_t ssn, uint32_t tree,
                    const uint8_t *fuid, uint8_t fuid_len, const uint8_t *data, uint32_t len,
                    bool name_fuid, bool *is_pipe, const char **share)
{
    *share = smb_tree_get(st, ssn, tree, is_pipe);
    if (*share && !*is_pipe)
        return false;
    bool dcerpc = smb_fuid_is_dcerpc(st, fuid, fuid_len, data, len, *is_pipe);
    if (!*share && dcerpc && ctx) {
        smb_tree_set(st, ctx, ssn, tree, "suricata::dcerpc", true);
        if (name_fuid && !smb_fuid_name(st, fuid, fuid_len))
            smb_fuid_name_set(st, ctx, fuid, fuid_len, "suricata::dcerpc");
        *is_pipe = true;
        *share = NULL;
    }
    return dcerpc;
}

void smb_io_data(struct smb_state *st, struct app_parse_ctx *ctx, const struct smb_io *io,
                 uint64_t offset, const uint8_t *data, uint32_t have, uint32_t n,
                 struct smb_stream *s)
{
    struct smb_tx *tx = smb_file_tx_get(st, io->fuid, io->fuid_len, io->dir);
    if (!tx) {
        bool is_pipe;
        const char *share;
        bool dcerpc = smb_pipe_check(st, ctx, io->ssn, io->tree, io->fuid, io->fuid_len, data, have,
                                     io->name_fuid, &is_pipe, &share);
        if (is_pipe) {
            if (dcerpc && io->dir == 0)
                smb_dcerpc_request(st, ctx, io->vers, io->command, io->ssn, io->tree, io->msg_id,
                                   io->fuid, io->fuid_len, data, have);
            else if (dcerpc)
                smb_dcerpc_response(st, ctx, io->vers, io->command, io->status, io->dos, io->ssn,
                                    io->tree, io->msg_id, io->fuid, io->fuid_len, data, have);
            return;
        }
        char sharebuf[1024];
        snprintf(sharebuf, sizeof(sharebuf), "%s", share ? share : "");
        const char *name = smb_fuid_name(st, io->fuid, io->fuid_len);
        tx = smb_file_tx_new(st, ctx, io->fuid, io->fuid_len, io->dir,
                             name ? name : io->unnamed_file, sharebuf, io->vers, io->command,
                             io->ssn, io->tree);
        if (!tx)
            return;
    }
    smb_file_chunk(st, ctx, tx, io->dir, offset, data, have, n);
    if (have < n) {
        s->left = n - have;
        s->tx = tx;
        s->offset = offset + have;
    }
}
