/* SPDX-License-Identifier: Apache-2.0 */
/* NFS versions 2, 3 and 4 over ONC RPC (RFC 5531), on UDP (one message per
 * datagram) and TCP (record marking: 4-byte header, last-fragment bit and
 * 31-bit length; fragments of a record are joined), port 2049.
 *
 * Transactions, as Suricata makes them: a call and its reply (matched by
 * xid) for every procedure except READ, WRITE and COMMIT; file transfers
 * are transactions of their own, one per file handle and direction, fed by
 * WRITE calls (to the server) and READ replies (to the client) at their
 * offsets (app_ftrack), and closed by a FILE_SYNC write, COMMIT, CLOSE (v4)
 * or an end-of-file read. Names come from the calls (LOOKUP, CREATE, ...)
 * and are remembered per file handle from the replies. NFSv4 COMPOUNDs are
 * walked op by op: PUTFH/READ/WRITE/COMMIT/CLOSE drive files, OPEN/LOOKUP +
 * GETFH name handles, CREATE and REMOVE make transactions.
 *
 * EVE "nfs" with "rpc" (xid, status, auth, AUTH_UNIX credentials) in
 * Suricata's shape; GETATTR is not logged (Suricata filters it) but rules
 * see it. Keywords nfs_procedure (numbers, or names in the transaction's
 * version), nfs.version, file.name/file.data. Events: malformed_data,
 * too_many_transactions. Limits: records of NFS_RECORD_MAX bytes (larger
 * ones are skipped with an event), NFS_XID_MAX outstanding calls and
 * APP_MAP_MAX known handles (oldest evicted), max-tx transactions. */
#include <errno.h>
#include <stdio.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <zlib.h>

#include "app/app_ftrack.h"
#include "app/app_map.h"
#include "app/app_parser.h"
#include "app/app_pdu.h"
#include "app/app_text.h"
#include "decode/packet.h"
#include "util/json.h"

#define RPC_PROG_NFS 100003u
#define NFS_RECORD_MAX (1024u * 1024u + 64u * 1024u)
#define NFS_FH_MAX 128
#define NFS_NAME_MAX 256
#define NFS_FILE_INSPECT 65536
#define NFS_XID_MAX 1024

enum {
    NFS3_NULL = 0,
    NFS3_GETATTR = 1,
    NFS3_LOOKUP = 3,
    NFS3_ACCESS = 4,
    NFS3_READ = 6,
    NFS3_WRITE = 7,
    NFS3_CREATE = 8,
    NFS3_MKDIR = 9,
    NFS3_SYMLINK = 10,
    NFS3_MKNOD = 11,
    NFS3_REMOVE = 12,
    NFS3_RMDIR = 13,
    NFS3_RENAME = 14,
    NFS3_LINK = 15,
    NFS3_READDIRPLUS = 17,
    NFS3_COMMIT = 21
};
enum {
    NFS2_GETATTR = 1,
    NFS2_LOOKUP = 4,
    NFS2_READ = 6,
    NFS2_WRITE = 8,
    NFS2_CREATE = 9,
    NFS2_REMOVE = 10,
    NFS2_RENAME = 11,
    NFS2_MKDIR = 14,
    NFS2_RMDIR = 15
};
enum { NFS4_COMPOUND = 1 };
enum {
    OP4_ACCESS = 3,
    OP4_CLOSE = 4,
    OP4_COMMIT = 5,
    OP4_CREATE = 6,
    OP4_GETATTR = 9,
    OP4_GETFH = 10,
    OP4_LOOKUP = 15,
    OP4_OPEN = 18,
    OP4_PUTFH = 22,
    OP4_PUTPUBFH = 23,
    OP4_PUTROOTFH = 24,
    OP4_READ = 25,
    OP4_REMOVE = 28,
    OP4_RESTOREFH = 31,
    OP4_SAVEFH = 32,
    OP4_WRITE = 38,
    OP4_SEQUENCE = 53
};

enum nfs_event { NFS_EV_MALFORMED_DATA = 0, NFS_EV_TOO_MANY_TRANSACTIONS, NFS_EV_COUNT };
static const char *const nfs_event_names[NFS_EV_COUNT + 1] = {"malformed_data",
                                                              "too_many_transactions"};

/* ---------- names ---------- */

static const char *const nfs2_procs[] = {
    "NULL",   "GETATTR", "SETATTR", "ROOT", "LOOKUP",  "READLINK", "READ",  "WRITECACHE", "WRITE",
    "CREATE", "REMOVE",  "RENAME",  "LINK", "SYMLINK", "MKDIR",    "RMDIR", "READDIR",    "STATFS"};
static const char *const nfs3_procs[] = {
    "NULL",    "GETATTR",     "SETATTR", "LOOKUP", "ACCESS",   "READLINK", "READ",   "WRITE",
    "CREATE",  "MKDIR",       "SYMLINK", "MKNOD",  "REMOVE",   "RMDIR",    "RENAME", "LINK",
    "READDIR", "READDIRPLUS", "FSSTAT",  "FSINFO", "PATHCONF", "COMMIT"};
static const char *const nfs4_ops[] = {"NULL",
                                       "COMPOUND",
                                       NULL,
                                       "ACCESS",
                                       "CLOSE",
                                       "COMMIT",
                                       "CREATE",
                                       "DELEGPURGE",
                                       "DELEGRETURN",
                                       "GETATTR",
                                       "GETFH",
                                       "LINK",
                                       "LOCK",
                                       "LOCKT",
                                       "LOCKU",
                                       "LOOKUP",
                                       "LOOKUPP",
                                       "NVERIFY",
                                       "OPEN",
                                       "OPENATTR",
                                       "OPEN_CONFIRM",
                                       "OPEN_DOWNGRADE",
                                       "PUTFH",
                                       "PUTPUBFH",
                                       "PUTROOTFH",
                                       "READ",
                                       "READDIR",
                                       "READLINK",
                                       "REMOVE",
                                       "RENAME",
                                       "RENEW",
                                       "RESTOREFH",
                                       "SAVEFH",
                                       "SECINFO",
                                       "SETATTR",
                                       "SETCLIENTID",
                                       "SETCLIENTID_CONFIRM",
                                       "VERIFY",
                                       "WRITE",
                                       "RELEASE_LOCKOWNER",
                                       "BACKCHANNEL_CTL",
                                       "BIND_CONN_TO_SESSION",
                                       "EXCHANGE_ID",
                                       "CREATE_SESSION",
                                       "DESTROY_SESSION",
                                       "FREE_STATEID",
                                       "GET_DIR_DELEGATION",
                                       "GETDEVICEINFO",
                                       "GETDEVICELIST",
                                       "LAYOUTCOMMIT",
                                       "LAYOUTGET",
                                       "LAYOUTRETURN",
                                       "SECINFO_NO_NAME",
                                       "SEQUENCE",
                                       "SET_SSV",
                                       "TEST_STATEID",
                                       "WANT_DELEGATION",
                                       "DESTROY_CLIENTID",
                                       "RECLAIM_COMPLETE"};

#define N(a) (sizeof(a) / sizeof(a[0]))

static const char *nfs_proc_name(uint32_t version, uint32_t proc)
{
    if (version == 2)
        return proc < N(nfs2_procs) ? nfs2_procs[proc] : NULL;
    if (version >= 4)
        return proc < N(nfs4_ops) ? nfs4_ops[proc] : NULL;
    return proc < N(nfs3_procs) ? nfs3_procs[proc] : NULL;
}

static const char *nfs_status_name(uint32_t s)
{
    static const struct {
        uint32_t code;
        const char *name;
    } t[] = {{0, "OK"},
             {1, "ERR_PERM"},
             {2, "ERR_NOENT"},
             {5, "ERR_IO"},
             {6, "ERR_NXIO"},
             {13, "ERR_ACCES"},
             {17, "ERR_EXIST"},
             {18, "ERR_XDEV"},
             {19, "ERR_NODEV"},
             {20, "ERR_NOTDIR"},
             {21, "ERR_ISDIR"},
             {22, "ERR_INVAL"},
             {27, "ERR_FBIG"},
             {28, "ERR_NOSPC"},
             {30, "ERR_ROFS"},
             {31, "ERR_MLINK"},
             {63, "ERR_NAMETOOLONG"},
             {66, "ERR_NOTEMPTY"},
             {69, "ERR_DQUOT"},
             {70, "ERR_STALE"},
             {71, "ERR_REMOTE"},
             {10001, "ERR_BADHANDLE"},
             {10002, "ERR_NOT_SYNC"},
             {10003, "ERR_BAD_COOKIE"},
             {10004, "ERR_NOTSUPP"},
             {10005, "ERR_TOOSMALL"},
             {10006, "ERR_SERVERFAULT"},
             {10007, "ERR_BADTYPE"},
             {10008, "ERR_JUKEBOX"}};
    for (size_t i = 0; i < N(t); i++)
        if (t[i].code == s)
            return t[i].name;
    return NULL;
}

static const char *rpc_auth_name(uint32_t a)
{
    switch (a) {
    case 0:
        return "NULL";
    case 1:
        return "UNIX";
    case 2:
        return "SHORT";
    case 3:
        return "DH";
    case 6:
        return "RPCSEC_GSS";
    default:
        return NULL;
    }
}

/* ---------- XDR ---------- */

struct xdr {
    const uint8_t *p;
    uint32_t n;
    bool err;
};

static uint32_t xdr_u32(struct xdr *x)
{
    if (x->err || x->n < 4) {
        x->err = true;
        return 0;
    }
    uint32_t v =
        (uint32_t)x->p[0] << 24 | (uint32_t)x->p[1] << 16 | (uint32_t)x->p[2] << 8 | x->p[3];
    x->p += 4;
    x->n -= 4;
    return v;
}

static uint64_t xdr_u64(struct xdr *x)
{
    uint64_t hi = xdr_u32(x);
    return hi << 32 | xdr_u32(x);
}

static void xdr_skip(struct xdr *x, uint32_t n)
{
    if (x->err || x->n < n) {
        x->err = true;
        return;
    }
    x->p += n;
    x->n -= n;
}

/* Variable-length opaque (4-byte padded); *len is the declared length, the
 * bytes returned may be fewer when truncated is allowed (streamed data). */
static const uint8_t *xdr_opaque(struct xdr *x, uint32_t *len, uint32_t max)
{
    uint32_t l = xdr_u32(x);
    if (x->err || l > max || l > x->n) {
        x->err = true;
        return NULL;
    }
    const uint8_t *d = x->p;
    *len = l;
    uint32_t padded = (l + 3) & ~3u;
    xdr_skip(x, padded <= x->n ? padded : x->n);
    return d;
}

static const uint8_t *xdr_fixed(struct xdr *x, uint32_t n)
{
    const uint8_t *d = x->p;
    xdr_skip(x, n);
    return x->err ? NULL : d;
}

/* ---------- state ---------- */

/* A call waiting for its reply (value of the xid table). */
struct nfs_call {
    uint32_t vers, proc;
    uint8_t fh_len;
    uint8_t fh[NFS_FH_MAX];
    uint64_t offset;
    char name[NFS_NAME_MAX];
    bool v4_open; /* OPEN seen: the GETFH of the reply names the file */
    bool v4_write, v4_main;
};

struct nfs_tx {
    struct app_tx base;
    struct nfs_tx *next;
    struct nfs_state *state;
    uint32_t xid, procedure, version;
    bool req_done, res_done;
    bool file_tx, file_closed, is_first, is_last, has_rename;
    uint8_t file_dir;
    uint8_t fh_len;
    uint8_t fh[NFS_FH_MAX];
    char name[NFS_NAME_MAX], rename_to[NFS_NAME_MAX];
    uint32_t auth_type;
    bool unix_creds;
    char machine[NFS_NAME_MAX];
    uint32_t uid, gid;
    uint32_t rpc_status, nfs_status;
    uint32_t chunks, last_xid;
    struct ftrack ft;
    uint32_t events;
};

struct nfs_record {
    uint8_t mark[4];
    uint8_t mark_len;
    uint32_t frag_left; /* bytes of the current fragment still to come */
    bool last_frag;
    uint8_t *buf; /* owned: the record so far */
    uint32_t len, cap;
    uint32_t skip; /* oversized record being skipped */
    bool lost;     /* after a gap: look for the next record */
};

struct nfs_state {
    struct app_layer_thread_ctx *thread;
    bool tcp;
    uint8_t eof;          /* bit per direction that ended (TCP) */
    uint8_t last_dir;     /* direction of the data parsed last (logging at flow end) */
    uint32_t nfs_version; /* first seen, as Suricata logs it */
    struct nfs_tx *head, *tail;
    uint32_t ntx;
    uint64_t next_id;
    struct app_map calls; /* xid -> struct nfs_call */
    struct app_map names; /* file handle -> name */
    struct nfs_record dir[2];
};

static void nfs_event(struct app_parse_ctx *ctx, struct nfs_tx *tx, enum nfs_event e)
{
    if (tx)
        tx->events |= 1u << e;
    app_parser_anomaly(ctx, APP_PROTO_NFS, nfs_event_names[e]);
}

static void nfs_log_body(const void *object, struct json_writer *w);
static void nfs_write_tx(const struct nfs_tx *tx, struct json_writer *w);

static void nfs_file_log_tx(const void *object, struct json_writer *w)
{
    nfs_write_tx(object, w);
}

static void nfs_tx_free(struct nfs_state *st, struct nfs_tx *tx)
{
    ftrack_free(&tx->ft, st->thread);
    app_thread_memory_release(st->thread, sizeof(*tx));
    free(tx);
}

static void nfs_file_close(struct app_parse_ctx *ctx, struct nfs_tx *tx, enum file_state how)
{
    tx->file_closed = true;
    if (!tx->ft.file || tx->ft.file->state != FILE_STATE_OPEN)
        return;
    ftrack_close(ctx, &tx->ft, how);
    file_log(ctx, tx->ft.file, nfs_file_log_tx, tx);
}

static void nfs_sweep(struct nfs_state *st, struct app_parse_ctx *ctx, bool at_end)
{
    struct nfs_tx **pp = &st->head, *prev = NULL;
    while (*pp) {
        struct nfs_tx *tx = *pp;
        if (at_end && tx->file_tx && !tx->file_closed)
            nfs_file_close(ctx, tx, FILE_STATE_TRUNCATED);
        if (!tx->base.logged && (at_end || (tx->req_done && tx->res_done))) {
            tx->base.logged = true;
            if (tx->procedure != NFS3_GETATTR || tx->version >= 4)
                app_parser_log(ctx, "nfs", ctx->packet ? ctx->packet->flow_direction : st->last_dir,
                               nfs_log_body, &tx->base);
        }
        if (tx->base.logged && (!tx->ft.file || tx->ft.file->logged) &&
            app_tx_can_free(&tx->base)) {
            *pp = tx->next;
            if (st->tail == tx)
                st->tail = prev;
            st->ntx--;
            nfs_tx_free(st, tx);
            continue;
        }
        prev = tx;
        pp = &tx->next;
    }
}

static struct nfs_tx *nfs_tx_new(struct nfs_state *st, struct app_parse_ctx *ctx, uint32_t xid,
                                 uint32_t version, uint32_t procedure)
{
    const struct app_layer_config *cfg = app_parser_config(ctx);
    uint32_t max_tx = cfg->nfs_max_tx        ? cfg->nfs_max_tx
                      : cfg->max_tx_per_flow ? cfg->max_tx_per_flow
                                             : 512;
    if (st->ntx >= max_tx && st->head) {
        struct nfs_tx *old = st->head;
        nfs_event(ctx, NULL, NFS_EV_TOO_MANY_TRANSACTIONS);
        if (old->file_tx && !old->file_closed)
            nfs_file_close(ctx, old, FILE_STATE_TRUNCATED);
        old->req_done = old->res_done = true;
        old->base.detect_done = 3;
        nfs_sweep(st, ctx, false);
    }
    if (!app_memory_reserve(ctx, sizeof(struct nfs_tx)))
        return NULL;
    struct nfs_tx *tx = calloc(1, sizeof(*tx));
    if (!tx) {
        app_memory_release(ctx, sizeof(struct nfs_tx));
        return NULL;
    }
    tx->base.parser = st->tcp ? &app_parser_nfs_tcp : &app_parser_nfs_udp;
    tx->base.id = st->next_id++;
    tx->state = st;
    tx->xid = xid;
    tx->version = version;
    tx->procedure = procedure;
    if (st->tail)
        st->tail->next = tx;
    else
        st->head = tx;
    st->tail = tx;
    st->ntx++;
    app_parser_count_tx(ctx, APP_PROTO_NFS);
    return tx;
}

static void nfs_name_of(struct nfs_state *st, const uint8_t *fh, uint8_t fh_len, char *out)
{
    uint32_t vlen;
    const uint8_t *v = fh_len ? app_map_get(&st->names, fh, fh_len, &vlen) : NULL;
    out[0] = 0;
    if (v) {
        if (vlen >= NFS_NAME_MAX)
            vlen = NFS_NAME_MAX - 1;
        memcpy(out, v, vlen);
        out[vlen] = 0;
    }
}

static void nfs_name_set(struct nfs_state *st, struct app_parse_ctx *ctx, const uint8_t *fh,
                         uint8_t fh_len, const char *name)
{
    if (fh_len && fh_len <= APP_MAP_KEY_MAX && name[0])
        app_map_put(&st->names, ctx, fh, fh_len, name, (uint32_t)strlen(name));
}

/* The open file transaction of a handle in a direction. */
static struct nfs_tx *nfs_file_tx(struct nfs_state *st, const uint8_t *fh, uint8_t fh_len,
                                  uint8_t dir)
{
    for (struct nfs_tx *tx = st->head; tx; tx = tx->next)
        if (tx->file_tx && !tx->file_closed && tx->file_dir == dir && tx->fh_len == fh_len &&
            memcmp(tx->fh, fh, fh_len) == 0)
            return tx;
    return NULL;
}

/* RPC credentials of a call, copied to a transaction. */
struct rpc_call {
    uint32_t xid, prog, vers, proc, cred_flavor;
    const uint8_t *cred;
    uint32_t cred_len;
    struct xdr args;
};

static void nfs_tx_creds(struct nfs_tx *tx, const struct rpc_call *c)
{
    tx->auth_type = c->cred_flavor;
    if (c->cred_flavor != 1)
        return;
    struct xdr x = {c->cred, c->cred_len, false};
    xdr_u32(&x); /* stamp */
    /* Suricata reads uid and gid right after the machine name, without the
     * XDR padding; names whose length is not a multiple of 4 therefore log
     * shifted ids there, and we log the same. */
    uint32_t n = xdr_u32(&x);
    if (x.err || n >= 256)
        return;
    const uint8_t *m = xdr_fixed(&x, n);
    uint32_t uid = xdr_u32(&x), gid = xdr_u32(&x);
    if (x.err)
        return;
    app_bytes_to_text(m, n, tx->machine, sizeof(tx->machine));
    tx->uid = uid;
    tx->gid = gid;
    tx->unix_creds = true;
}

static bool xdr_fh(struct xdr *x, uint32_t vers, uint8_t *fh, uint8_t *fh_len)
{
    uint32_t n = 32;
    const uint8_t *d = vers == 2 ? xdr_fixed(x, 32) : xdr_opaque(x, &n, NFS_FH_MAX);
    if (!d)
        return false;
    memcpy(fh, d, n);
    *fh_len = (uint8_t)n;
    return true;
}

static bool xdr_name(struct xdr *x, char *out)
{
    uint32_t n;
    const uint8_t *d = xdr_opaque(x, &n, 4096);
    if (!d)
        return false;
    app_bytes_to_text(d, n, out, NFS_NAME_MAX);
    return true;
}

/* A chunk of a file transfer (write call or read reply). */
static void nfs_file_data(struct nfs_state *st, struct app_parse_ctx *ctx, uint8_t dir,
                          uint32_t xid, uint32_t vers, uint32_t proc, const uint8_t *fh,
                          uint8_t fh_len, uint64_t offset, const uint8_t *data, uint32_t len,
                          bool last, const struct rpc_call *c, uint32_t rpc_status,
                          uint32_t nfs_status)
{
    struct nfs_tx *tx = nfs_file_tx(st, fh, fh_len, dir);
    bool first = false;
    if (!tx) {
        tx = nfs_tx_new(st, ctx, xid, vers, proc);
        if (!tx)
            return;
        char name[NFS_NAME_MAX];
        nfs_name_of(st, fh, fh_len, name);
        memcpy(tx->name, name, sizeof(name));
        memcpy(tx->fh, fh, fh_len);
        tx->fh_len = fh_len;
        tx->file_tx = true;
        tx->file_dir = dir;
        tx->is_first = first = true;
        /* Suricata's file transactions carry no credentials, except reads
         * opened at the call (nfs_read_call). */
        (void)c;
        tx->ft.file = file_open(ctx, name, strlen(name), tx->base.id, dir, NFS_FILE_INSPECT);
    }
    if (!first)
        tx->chunks++; /* the chunk that opened the transaction is not counted */
    ftrack_chunk(ctx, &tx->ft, offset, data, len, len, 64u * 1024 * 1024, 1024);
    if (dir == 1) {
        tx->rpc_status = rpc_status;
        tx->nfs_status = nfs_status;
    }
    if (last) {
        tx->last_xid = xid;
        tx->is_last = true;
        tx->req_done = true;
        if (dir == 1)
            tx->res_done = true;
        nfs_file_close(ctx, tx, FILE_STATE_CLOSED);
    }
}

/* A v3 READ call opens the read transaction of its handle (with the call's
 * credentials) unless one is open, as Suricata does. */
static void nfs_read_call(struct nfs_state *st, struct app_parse_ctx *ctx, const struct rpc_call *c,
                          const uint8_t *fh, uint8_t fh_len, const char *name)
{
    if (!fh_len || nfs_file_tx(st, fh, fh_len, 1))
        return;
    struct nfs_tx *tx = nfs_tx_new(st, ctx, c->xid, c->vers, NFS3_READ);
    if (!tx)
        return;
    snprintf(tx->name, sizeof(tx->name), "%s", name);
    memcpy(tx->fh, fh, fh_len);
    tx->fh_len = fh_len;
    tx->file_tx = true;
    tx->file_dir = 1;
    tx->is_first = true;
    nfs_tx_creds(tx, c);
    tx->ft.file = file_open(ctx, tx->name, strlen(tx->name), tx->base.id, 1, NFS_FILE_INSPECT);
}

/* COMMIT / CLOSE of a handle: its write transfer ends. */
static void nfs_file_commit(struct nfs_state *st, struct app_parse_ctx *ctx, uint32_t xid,
                            const uint8_t *fh, uint8_t fh_len)
{
    struct nfs_tx *tx = nfs_file_tx(st, fh, fh_len, 0);
    if (!tx)
        return;
    tx->last_xid = xid;
    tx->is_last = true;
    tx->req_done = true;
    nfs_file_close(ctx, tx, FILE_STATE_CLOSED);
}

/* ---------- calls ---------- */

static void nfs_call_store(struct nfs_state *st, struct app_parse_ctx *ctx, uint32_t xid,
                           const struct nfs_call *call)
{
    if (st->calls.count >= NFS_XID_MAX) {
        /* app_map evicts the oldest at APP_MAP_MAX; keep the xid table smaller. */
        uint32_t oldest = 0;
        for (uint32_t i = 0; i < st->calls.cap; i++)
            if (st->calls.e[i].hash &&
                (!st->calls.e[oldest].hash || st->calls.e[i].age < st->calls.e[oldest].age))
                oldest = i;
        app_map_del(&st->calls, st->thread, st->calls.e[oldest].key, st->calls.e[oldest].klen);
    }
    app_map_put(&st->calls, ctx, &xid, 4, call, sizeof(*call));
}

static struct nfs_tx *nfs_call_tx(struct nfs_state *st, struct app_parse_ctx *ctx,
                                  const struct rpc_call *c, const struct nfs_call *call,
                                  const char *rename_to)
{
    struct nfs_tx *tx = nfs_tx_new(st, ctx, c->xid, c->vers, call->proc);
    if (!tx)
        return NULL;
    tx->req_done = true;
    memcpy(tx->name, call->name, sizeof(tx->name));
    memcpy(tx->fh, call->fh, call->fh_len);
    tx->fh_len = call->fh_len;
    if (rename_to) {
        snprintf(tx->rename_to, sizeof(tx->rename_to), "%s", rename_to);
        tx->has_rename = true;
    }
    nfs_tx_creds(tx, c);
    return tx;
}

static void nfs23_call(struct nfs_state *st, struct app_parse_ctx *ctx, const struct rpc_call *c)
{
    struct nfs_call call;
    memset(&call, 0, sizeof(call));
    call.vers = c->vers;
    call.proc = c->proc;
    struct xdr x = c->args;
    bool v2 = c->vers == 2;
    uint32_t p = c->proc;
    char to[NFS_NAME_MAX] = "";
    bool make_tx = true, rename = false;
    if (v2) {
        /* v2 numbers the procedures differently: map the ones handled alike */
        static const int8_t v2to3[] = {
            NFS3_NULL, NFS3_GETATTR, 2,          -1,          NFS3_LOOKUP, 5,
            NFS3_READ, -1,           NFS3_WRITE, NFS3_CREATE, NFS3_REMOVE, NFS3_RENAME,
            NFS3_LINK, NFS3_SYMLINK, NFS3_MKDIR, NFS3_RMDIR,  16,          18};
        p = p < N(v2to3) ? (uint32_t)(int32_t)v2to3[p] : UINT32_MAX;
    }
    switch (p) {
    case NFS3_GETATTR:
    case NFS3_ACCESS:
    case NFS3_READDIRPLUS:
        if (!xdr_fh(&x, c->vers, call.fh, &call.fh_len))
            break;
        nfs_name_of(st, call.fh, call.fh_len, call.name);
        break;
    case NFS3_LOOKUP:
        if (xdr_fh(&x, c->vers, call.fh, &call.fh_len))
            xdr_name(&x, call.name);
        call.fh_len = 0; /* the handle logged is the one found */
        break;
    case NFS3_CREATE:
    case NFS3_MKDIR:
    case NFS3_REMOVE:
    case NFS3_RMDIR:
        if (xdr_fh(&x, c->vers, call.fh, &call.fh_len))
            xdr_name(&x, call.name);
        break;
    case NFS3_RENAME: {
        uint8_t fh2[NFS_FH_MAX], l2;
        if (xdr_fh(&x, c->vers, call.fh, &call.fh_len) && xdr_name(&x, call.name) &&
            xdr_fh(&x, c->vers, fh2, &l2))
            xdr_name(&x, to);
        rename = true;
        break;
    }
    case NFS3_READ:
        make_tx = false;
        if (xdr_fh(&x, c->vers, call.fh, &call.fh_len))
            call.offset = v2 ? xdr_u32(&x) : xdr_u64(&x);
        nfs_name_of(st, call.fh, call.fh_len, call.name);
        if (!v2 && !x.err)
            nfs_read_call(st, ctx, c, call.fh, call.fh_len, call.name);
        break;
    case NFS3_WRITE: {
        make_tx = false;
        uint8_t fh[NFS_FH_MAX], fl;
        if (!xdr_fh(&x, c->vers, fh, &fl))
            break;
        uint64_t offset;
        uint32_t stable = 0;
        if (v2) {
            xdr_u32(&x); /* beginoffset */
            offset = xdr_u32(&x);
            xdr_u32(&x); /* totalcount */
        } else {
            offset = xdr_u64(&x);
            xdr_u32(&x); /* count */
            stable = xdr_u32(&x);
        }
        uint32_t n;
        const uint8_t *d = xdr_opaque(&x, &n, NFS_RECORD_MAX);
        if (!d || n == 0)
            break;
        memcpy(call.fh, fh, fl);
        call.fh_len = fl;
        nfs_file_data(st, ctx, 0, c->xid, c->vers, c->vers == 2 ? NFS2_WRITE : NFS3_WRITE, fh, fl,
                      offset, d, n, stable == 2, c, 0, 0);
        break;
    }
    case NFS3_COMMIT:
        make_tx = false;
        if (xdr_fh(&x, c->vers, call.fh, &call.fh_len))
            nfs_file_commit(st, ctx, c->xid, call.fh, call.fh_len);
        break;
    default:
        break;
    }
    if (x.err && p != NFS3_NULL)
        nfs_event(ctx, NULL, NFS_EV_MALFORMED_DATA);
    if (make_tx)
        nfs_call_tx(st, ctx, c, &call, rename ? to : NULL);
    nfs_call_store(st, ctx, c->xid, &call);
}

/* Skips the arguments of a v4 op; false if unknown or malformed. */
static bool nfs4_skip_attrs(struct xdr *x)
{
    uint32_t words = xdr_u32(x);
    if (words > 64)
        return false;
    xdr_skip(x, 4 * words);
    uint32_t n;
    xdr_opaque(x, &n, 1 << 20);
    return !x->err;
}

static void nfs4_call(struct nfs_state *st, struct app_parse_ctx *ctx, const struct rpc_call *c)
{
    struct nfs_call call;
    memset(&call, 0, sizeof(call));
    call.vers = 4;
    call.proc = c->proc;
    if (c->proc != NFS4_COMPOUND) {
        nfs_call_store(st, ctx, c->xid, &call);
        return;
    }
    struct xdr x = c->args;
    uint32_t n;
    xdr_opaque(&x, &n, 1024); /* tag */
    xdr_u32(&x);              /* minorversion */
    uint32_t nops = xdr_u32(&x);
    uint8_t fh[NFS_FH_MAX], fl = 0;
    uint32_t main_op = 0;
    for (uint32_t i = 0; i < nops && i < 128 && !x.err; i++) {
        uint32_t op = xdr_u32(&x);
        switch (op) {
        case OP4_PUTFH:
            if (!xdr_fh(&x, 4, fh, &fl))
                fl = 0;
            break;
        case OP4_PUTROOTFH:
        case OP4_PUTPUBFH:
        case OP4_GETFH:
        case OP4_SAVEFH:
        case OP4_RESTOREFH:
            break;
        case OP4_SEQUENCE:
            xdr_skip(&x, 16 + 4 * 4);
            break;
        case OP4_ACCESS:
            xdr_u32(&x);
            break;
        case OP4_GETATTR: {
            uint32_t words = xdr_u32(&x);
            if (words > 64)
                x.err = true;
            xdr_skip(&x, 4 * words);
            break;
        }
        case OP4_LOOKUP:
            xdr_name(&x, call.name);
            break;
        case OP4_READ:
            xdr_skip(&x, 16);
            call.offset = xdr_u64(&x);
            xdr_u32(&x);
            if (fl) {
                memcpy(call.fh, fh, fl);
                call.fh_len = fl;
                nfs_name_of(st, fh, fl, call.name);
            }
            break;
        case OP4_WRITE: {
            xdr_skip(&x, 16);
            uint64_t offset = xdr_u64(&x);
            uint32_t stable = xdr_u32(&x);
            const uint8_t *d = xdr_opaque(&x, &n, NFS_RECORD_MAX);
            if (d && n && fl)
                nfs_file_data(st, ctx, 0, c->xid, 4, OP4_WRITE, fh, fl, offset, d, n, stable == 2,
                              c, 0, 0);
            call.v4_write = true;
            if (fl) {
                memcpy(call.fh, fh, fl);
                call.fh_len = fl;
            }
            break;
        }
        case OP4_COMMIT:
            xdr_skip(&x, 12);
            if (fl)
                nfs_file_commit(st, ctx, c->xid, fh, fl);
            break;
        case OP4_CLOSE:
            xdr_skip(&x, 20);
            if (fl)
                nfs_file_commit(st, ctx, c->xid, fh, fl);
            break;
        case OP4_REMOVE:
            xdr_name(&x, call.name);
            main_op = OP4_REMOVE;
            break;
        case OP4_CREATE: {
            uint32_t type = xdr_u32(&x);
            if (type == 5) /* NF4LNK: linkdata */
                xdr_opaque(&x, &n, 4096);
            else if (type == 3 || type == 4) /* NF4BLK/NF4CHR: specdata */
                xdr_skip(&x, 8);
            xdr_name(&x, call.name);
            nfs4_skip_attrs(&x);
            if (fl) {
                memcpy(call.fh, fh, fl);
                call.fh_len = fl;
            }
            main_op = OP4_CREATE;
            break;
        }
        case OP4_OPEN: {
            xdr_u32(&x); /* seqid */
            xdr_u32(&x); /* share_access */
            xdr_u32(&x); /* share_deny */
            xdr_skip(&x, 8);
            xdr_opaque(&x, &n, 1024); /* owner */
            uint32_t opentype = xdr_u32(&x);
            if (opentype == 1) {
                uint32_t mode = xdr_u32(&x);
                if (mode == 0 || mode == 1)
                    nfs4_skip_attrs(&x);
                else if (mode == 2)
                    xdr_skip(&x, 8);
                else if (mode == 3) {
                    xdr_skip(&x, 8);
                    nfs4_skip_attrs(&x);
                }
            }
            uint32_t claim = xdr_u32(&x);
            if (claim == 0 || claim == 3)
                xdr_name(&x, call.name);
            else if (claim == 1)
                xdr_u32(&x);
            else if (claim == 2) {
                xdr_skip(&x, 16);
                xdr_name(&x, call.name);
            } else if (claim == 5)
                xdr_skip(&x, 16);
            call.v4_open = true;
            break;
        }
        default:
            i = nops; /* an op we cannot size: stop walking */
            break;
        }
    }
    if (x.err)
        nfs_event(ctx, NULL, NFS_EV_MALFORMED_DATA);
    if (main_op) {
        call.proc = main_op;
        call.v4_main = true;
        nfs_call_tx(st, ctx, c, &call, NULL);
    }
    call.proc = NFS4_COMPOUND;
    nfs_call_store(st, ctx, c->xid, &call);
}

/* ---------- replies ---------- */

static struct nfs_tx *nfs_tx_by_xid(struct nfs_state *st, uint32_t xid)
{
    for (struct nfs_tx *tx = st->head; tx; tx = tx->next)
        if (tx->xid == xid && !tx->res_done && !tx->file_tx)
            return tx;
    return NULL;
}

static void nfs_reply_done(struct nfs_state *st, uint32_t xid, uint32_t rpc_status, uint32_t status,
                           const uint8_t *fh, uint8_t fh_len)
{
    struct nfs_tx *tx = nfs_tx_by_xid(st, xid);
    if (!tx)
        return;
    tx->res_done = true;
    tx->rpc_status = rpc_status;
    tx->nfs_status = status;
    if (fh_len) {
        memcpy(tx->fh, fh, fh_len);
        tx->fh_len = fh_len;
    }
}

static void nfs23_reply(struct nfs_state *st, struct app_parse_ctx *ctx, uint32_t xid,
                        uint32_t rpc_status, const struct nfs_call *call, struct xdr *x)
{
    bool v2 = call->vers == 2;
    uint32_t status = xdr_u32(x);
    uint32_t p = call->proc;
    if (v2) {
        if (p == NFS2_LOOKUP || p == NFS2_CREATE || p == NFS2_MKDIR)
            p = NFS3_LOOKUP;
        else if (p == NFS2_READ)
            p = NFS3_READ;
        else if (p == NFS2_WRITE)
            p = NFS3_WRITE;
        else
            p = 1000 + p; /* nothing more to read */
    }
    uint8_t fh[NFS_FH_MAX], fl = 0;
    if (p == NFS3_READ) {
        if (status != 0) {
            nfs_reply_done(st, xid, rpc_status, status, NULL, 0);
            return;
        }
        uint64_t fsize = 0;
        bool eof = false;
        if (v2) {
            const uint8_t *attr = xdr_fixed(x, 68);
            if (attr)
                fsize = (uint32_t)attr[20] << 24 | (uint32_t)attr[21] << 16 |
                        (uint32_t)attr[22] << 8 | attr[23];
        } else {
            if (xdr_u32(x))
                xdr_skip(x, 84);
            xdr_u32(x); /* count */
            eof = xdr_u32(x) != 0;
        }
        uint32_t n;
        const uint8_t *d = xdr_opaque(x, &n, NFS_RECORD_MAX);
        if (!d) {
            nfs_event(ctx, NULL, NFS_EV_MALFORMED_DATA);
            return;
        }
        if (v2 && fsize == call->offset + n)
            eof = true;
        if (n || eof)
            nfs_file_data(st, ctx, 1, xid, call->vers, call->vers == 2 ? NFS2_READ : NFS3_READ,
                          call->fh, call->fh_len, call->offset, d, n, eof, NULL, rpc_status,
                          status);
        return;
    }
    if (p == NFS3_WRITE)
        return;
    if (status == 0 && !v2 && (call->proc == NFS3_LOOKUP)) {
        if (xdr_fh(x, 3, fh, &fl))
            nfs_name_set(st, ctx, fh, fl, call->name);
    } else if (status == 0 && !v2 &&
               call->proc == NFS3_CREATE) { /* (not MKDIR etc., as in Suricata) */
        if (xdr_u32(x) && xdr_fh(x, 3, fh, &fl))
            nfs_name_set(st, ctx, fh, fl, call->name);
        fl = 0; /* the transaction keeps the directory's handle */
    } else if (status == 0 && v2 && p == NFS3_LOOKUP) {
        if (xdr_fh(x, 2, fh, &fl))
            nfs_name_set(st, ctx, fh, fl, call->name);
    }
    nfs_reply_done(st, xid, rpc_status, status, fh, fl);
}

static void nfs4_reply(struct nfs_state *st, struct app_parse_ctx *ctx, uint32_t xid,
                       uint32_t rpc_status, const struct nfs_call *call, struct xdr *x)
{
    if (call->proc != NFS4_COMPOUND)
        return;
    uint32_t status = xdr_u32(x);
    uint32_t n;
    xdr_opaque(x, &n, 1024); /* tag */
    uint32_t nres = xdr_u32(x);
    bool open_seen = false;
    for (uint32_t i = 0; i < nres && i < 128 && !x->err; i++) {
        uint32_t op = xdr_u32(x);
        uint32_t st4 = xdr_u32(x);
        if (op == OP4_READ && st4 == 0) {
            bool eof = xdr_u32(x) != 0;
            const uint8_t *d = xdr_opaque(x, &n, NFS_RECORD_MAX);
            if (d && call->fh_len)
                nfs_file_data(st, ctx, 1, xid, 4, OP4_READ, call->fh, call->fh_len, call->offset, d,
                              n, eof, NULL, rpc_status, st4);
            continue;
        }
        /* A WRITE's reply leaves its file transaction as it is: Suricata
         * completes v4 write transactions only at the end of the flow. */
        if (st4 != 0)
            break;
        switch (op) {
        case OP4_PUTFH:
        case OP4_PUTROOTFH:
        case OP4_PUTPUBFH:
        case OP4_SAVEFH:
        case OP4_RESTOREFH:
        case OP4_LOOKUP:
            break;
        case OP4_SEQUENCE:
            xdr_skip(x, 16 + 5 * 4);
            break;
        case OP4_ACCESS:
            xdr_skip(x, 8);
            break;
        case OP4_GETATTR:
            nfs4_skip_attrs(x);
            break;
        case OP4_WRITE:
            xdr_skip(x, 16);
            break;
        case OP4_COMMIT:
            xdr_skip(x, 8);
            break;
        case OP4_CLOSE:
            xdr_skip(x, 16);
            break;
        case OP4_GETFH: {
            uint8_t fh[NFS_FH_MAX], fl;
            if (xdr_fh(x, 4, fh, &fl) && open_seen)
                nfs_name_set(st, ctx, fh, fl, call->name);
            break;
        }
        case OP4_OPEN: {
            xdr_skip(x, 16 + 20 + 4); /* stateid, change_info, rflags */
            uint32_t words = xdr_u32(x);
            if (words > 64) {
                x->err = true;
                break;
            }
            xdr_skip(x, 4 * words);
            uint32_t deleg = xdr_u32(x);
            if (deleg == 1 || deleg == 2) {
                xdr_skip(x, 16 + 4);
                if (deleg == 2)
                    xdr_skip(x, 12);
                xdr_skip(x, 12);
                xdr_opaque(x, &n, 1024);
            } else if (deleg == 3) {
                uint32_t why = xdr_u32(x);
                if (why == 1 || why == 2)
                    xdr_u32(x);
            }
            open_seen = true;
            break;
        }
        default:
            i = nres;
            break;
        }
    }
    if (call->v4_main)
        nfs_reply_done(st, xid, rpc_status, status, NULL, 0);
}

/* ---------- RPC ---------- */

/* One RPC message of direction dir. */
static void rpc_message(struct nfs_state *st, struct app_parse_ctx *ctx, uint8_t dir,
                        const uint8_t *d, uint32_t len)
{
    struct xdr x = {d, len, false};
    uint32_t xid = xdr_u32(&x), type = xdr_u32(&x);
    if (x.err)
        return;
    if (type == 0) {
        struct rpc_call c;
        memset(&c, 0, sizeof(c));
        c.xid = xid;
        uint32_t rpcvers = xdr_u32(&x);
        c.prog = xdr_u32(&x);
        c.vers = xdr_u32(&x);
        c.proc = xdr_u32(&x);
        c.cred_flavor = xdr_u32(&x);
        c.cred = xdr_opaque(&x, &c.cred_len, 400);
        xdr_u32(&x); /* verifier flavor */
        uint32_t vl;
        xdr_opaque(&x, &vl, 400);
        if (x.err || rpcvers != 2) {
            nfs_event(ctx, NULL, NFS_EV_MALFORMED_DATA);
            return;
        }
        if (c.prog != RPC_PROG_NFS || c.vers < 2 || c.vers > 4)
            return;
        if (!st->nfs_version)
            st->nfs_version = c.vers;
        c.args = x;
        if (c.vers == 4)
            nfs4_call(st, ctx, &c);
        else
            nfs23_call(st, ctx, &c);
        return;
    }
    if (type != 1)
        return;
    uint32_t reply_state = xdr_u32(&x);
    uint32_t klen;
    const uint8_t *cv = app_map_get(&st->calls, &xid, 4, &klen);
    if (!cv || klen != sizeof(struct nfs_call))
        return; /* a reply to a call not seen */
    struct nfs_call call;
    memcpy(&call, cv, sizeof(call));
    app_map_del(&st->calls, st->thread, &xid, 4);
    if (reply_state == 0) {
        xdr_u32(&x);
        uint32_t vl;
        xdr_opaque(&x, &vl, 400);
        uint32_t accept = xdr_u32(&x);
        if (x.err)
            return;
        if (accept != 0) {
            nfs_reply_done(st, xid, reply_state, accept, NULL, 0);
            return;
        }
    } else {
        nfs_reply_done(st, xid, reply_state, 0, NULL, 0);
        return;
    }
    (void)dir;
    if (call.vers == 4)
        nfs4_reply(st, ctx, xid, reply_state, &call, &x);
    else
        nfs23_reply(st, ctx, xid, reply_state, &call, &x);
}

static int nfs_parse_udp(void *state, struct app_parse_ctx *ctx, uint8_t direction,
                         const uint8_t *data, uint32_t len, uint32_t flags)
{
    struct nfs_state *st = state;
    (void)flags;
    st->last_dir = direction & 1;
    if (data && len)
        rpc_message(st, ctx, direction & 1, data, len);
    nfs_sweep(st, ctx, false);
    return 0;
}

/* A record mark followed by a plausible RPC call or a reply to a known xid. */
static bool rpc_record_start(struct nfs_state *st, const uint8_t *d, uint32_t len)
{
    if (len < 16)
        return false;
    uint32_t mark = (uint32_t)d[0] << 24 | (uint32_t)d[1] << 16 | (uint32_t)d[2] << 8 | d[3];
    uint32_t flen = mark & 0x7fffffffu;
    if (flen < 12 || flen > NFS_RECORD_MAX)
        return false;
    uint32_t type = (uint32_t)d[8] << 24 | (uint32_t)d[9] << 16 | (uint32_t)d[10] << 8 | d[11];
    if (type == 0) {
        if (len < 24)
            return false;
        uint32_t rv = (uint32_t)d[12] << 24 | (uint32_t)d[13] << 16 | (uint32_t)d[14] << 8 | d[15];
        uint32_t prog =
            (uint32_t)d[16] << 24 | (uint32_t)d[17] << 16 | (uint32_t)d[18] << 8 | d[19];
        return rv == 2 && prog == RPC_PROG_NFS;
    }
    if (type == 1) {
        uint32_t vl;
        return st && app_map_get(&st->calls, d + 4, 4, &vl) != NULL;
    }
    return false;
}

static bool nfs_rec_grow(struct app_parse_ctx *ctx, struct nfs_record *r, uint32_t need)
{
    return app_buf_grow(ctx, &r->buf, &r->cap, need, 1024, 0);
}

static int nfs_parse_tcp(void *state, struct app_parse_ctx *ctx, uint8_t direction,
                         const uint8_t *data, uint32_t len, uint32_t flags);

/* Lost mode: collect bytes until a record start shows up, then replay. */
static int nfs_lost(struct nfs_state *st, struct app_parse_ctx *ctx, uint8_t d, const uint8_t *data,
                    uint32_t len, uint32_t *used)
{
    struct nfs_record *r = &st->dir[d];
    uint32_t n = len;
    if (r->len + n > 65536)
        n = 65536 - r->len;
    if (!nfs_rec_grow(ctx, r, r->len + n))
        return -1;
    memcpy(r->buf + r->len, data, n);
    r->len += n;
    *used = n;
    uint32_t i = 0;
    for (; i + 24 <= r->len; i++)
        if (rpc_record_start(st, r->buf + i, r->len - i))
            break;
    if (i + 24 > r->len) {
        uint32_t keep = r->len < 23 ? r->len : 23;
        memmove(r->buf, r->buf + r->len - keep, keep);
        r->len = keep;
        return 0;
    }
    r->lost = false;
    uint32_t rest = r->len - i;
    uint8_t *tmp = malloc(rest);
    if (!tmp)
        return -1;
    memcpy(tmp, r->buf + i, rest);
    r->len = 0;
    r->mark_len = 0;
    int rc = nfs_parse_tcp(st, ctx, d, tmp, rest, 0);
    free(tmp);
    return rc;
}

static int nfs_parse_tcp(void *state, struct app_parse_ctx *ctx, uint8_t direction,
                         const uint8_t *data, uint32_t len, uint32_t flags)
{
    struct nfs_state *st = state;
    uint8_t d = direction & 1;
    st->last_dir = d;
    struct nfs_record *r = &st->dir[d];
    if (flags & APP_DATA_GAP) {
        if (r->skip >= len) {
            r->skip -= len;
            return 0;
        }
        r->skip = 0;
        r->len = 0;
        r->mark_len = 0;
        r->frag_left = 0;
        r->lost = true;
        /* Calls begun before the gap are complete in this direction. */
        for (struct nfs_tx *tx = st->head; tx; tx = tx->next) {
            if (tx->file_tx)
                continue;
            tx->req_done = true;
            if (d == 1)
                tx->res_done = true;
        }
        nfs_sweep(st, ctx, false);
        return 0;
    }
    while (data && len) {
        if (r->skip) {
            uint32_t n = r->skip < len ? r->skip : len;
            r->skip -= n;
            data += n;
            len -= n;
            continue;
        }
        if (r->lost) {
            uint32_t used = 0;
            if (nfs_lost(st, ctx, d, data, len, &used) < 0)
                return -1;
            data += used;
            len -= used;
            continue;
        }
        if (r->frag_left == 0) {
            uint32_t mark;
            if (!app_be32_gather(r->mark, &r->mark_len, &data, &len, &mark))
                break;
            r->mark_len = 0;
            r->last_frag = (mark & 0x80000000u) != 0;
            r->frag_left = mark & 0x7fffffffu;
            if (r->len + (uint64_t)r->frag_left > NFS_RECORD_MAX) {
                nfs_event(ctx, NULL, NFS_EV_MALFORMED_DATA);
                r->skip = r->frag_left;
                r->frag_left = 0;
                r->len = 0;
                continue;
            }
            if (r->frag_left == 0 && r->last_frag && r->len) {
                rpc_message(st, ctx, d, r->buf, r->len);
                r->len = 0;
            }
            continue;
        }
        uint32_t n = r->frag_left < len ? r->frag_left : len;
        if (r->len == 0 && n == r->frag_left && r->last_frag) {
            /* A whole single-fragment record in place. */
            rpc_message(st, ctx, d, data, n);
            r->frag_left = 0;
            data += n;
            len -= n;
            continue;
        }
        if (!nfs_rec_grow(ctx, r, r->len + n))
            return -1;
        memcpy(r->buf + r->len, data, n);
        r->len += n;
        r->frag_left -= n;
        data += n;
        len -= n;
        if (r->frag_left == 0 && r->last_frag) {
            rpc_message(st, ctx, d, r->buf, r->len);
            r->len = 0;
            app_buf_shrink(st->thread, &r->buf, &r->cap, r->len, 65536);
        }
    }
    if (flags & APP_DATA_EOF)
        st->eof |= (uint8_t)(1u << d);
    /* Both sides closed: every transaction is complete (Suricata logs the
     * ones still waiting, such as v4 writes, on that packet). */
    nfs_sweep(st, ctx, st->eof == 3);
    return 0;
}

/* ---------- EVE ---------- */

static void nfs_write_tx(const struct nfs_tx *tx, struct json_writer *w)
{
    const struct nfs_state *st = tx->state;
    char buf[32];
    uint32_t version = st->nfs_version ? st->nfs_version : tx->version;
    json_key_object_begin(w, "nfs");
    json_key_u64(w, "version", version);
    const char *pn = nfs_proc_name(tx->version, tx->procedure);
    if (!pn) {
        snprintf(buf, sizeof(buf), "%u", tx->procedure);
        pn = buf;
    }
    json_key_string(w, "procedure", pn);
    json_key_string(w, "filename", tx->name);
    if (tx->fh_len) {
        snprintf(buf, sizeof(buf), "%lx", crc32(0L, tx->fh, tx->fh_len));
        json_key_string(w, "hhash", buf);
    }
    json_key_u64(w, "id", tx->base.id + 1);
    json_key_bool(w, "file_tx", tx->file_tx);
    json_key_string(w, "type", "response");
    const char *sn = nfs_status_name(tx->nfs_status);
    if (!sn) {
        snprintf(buf, sizeof(buf), "%u", tx->nfs_status);
        sn = buf;
    }
    json_key_string(w, "status", sn);
    if (tx->file_tx) {
        json_key_object_begin(w, tx->file_dir ? "read" : "write");
        json_key_bool(w, "first", tx->is_first);
        json_key_bool(w, "last", tx->is_last);
        json_key_u64(w, "last_xid", tx->last_xid);
        json_key_u64(w, "chunks", tx->chunks);
        json_object_end(w);
    } else if (tx->has_rename) {
        json_key_object_begin(w, "rename");
        json_key_string(w, "from", tx->name);
        json_key_string(w, "to", tx->rename_to);
        json_object_end(w);
    }
    json_object_end(w);
    json_key_object_begin(w, "rpc");
    json_key_u64(w, "xid", tx->xid);
    json_key_string(w, "status", tx->rpc_status == 0 ? "ACCEPTED" : "DENIED");
    const char *an = rpc_auth_name(tx->auth_type);
    if (!an) {
        snprintf(buf, sizeof(buf), "%u", tx->auth_type);
        an = buf;
    }
    json_key_string(w, "auth_type", an);
    if (tx->unix_creds) {
        json_key_object_begin(w, "creds");
        json_key_string(w, "machine_name", tx->machine);
        json_key_u64(w, "uid", tx->uid);
        json_key_u64(w, "gid", tx->gid);
        json_object_end(w);
    }
    json_object_end(w);
}

static void nfs_log_body(const void *object, struct json_writer *w)
{
    nfs_write_tx(object, w);
}

static void nfs_tx_write_json(const struct app_tx *atx, struct json_writer *w)
{
    const struct nfs_tx *tx = (const struct nfs_tx *)atx;
    nfs_write_tx(tx, w);
    if (tx->file_tx)
        ftrack_write_alert_files(&tx->ft, w);
}

/* ---------- detection ---------- */

static int nfs_tx_get_buffer_dir(const struct app_tx *atx, enum app_buffer buffer,
                                 uint8_t direction, uint32_t index, const uint8_t **data,
                                 uint32_t *len)
{
    const struct nfs_tx *tx = (const struct nfs_tx *)atx;
    if (!tx->file_tx || !tx->ft.file || index || tx->file_dir != (direction & 1))
        return -ENOENT;
    if (buffer == APP_BUFFER_FILE_NAME) {
        *data = tx->ft.file->name;
        *len = tx->ft.file->name_len;
        return 0;
    }
    if (buffer == APP_BUFFER_FILE_DATA && tx->ft.file->data_len) {
        *data = tx->ft.file->data;
        *len = tx->ft.file->data_len;
        return 0;
    }
    return -ENOENT;
}

static int nfs_tx_get_buffer(const struct app_tx *atx, enum app_buffer buffer, uint32_t index,
                             const uint8_t **data, uint32_t *len)
{
    const struct nfs_tx *tx = (const struct nfs_tx *)atx;
    uint8_t dir = (index & APP_BUFFER_INDEX_TOCLIENT)   ? 1
                  : (index & APP_BUFFER_INDEX_TOSERVER) ? 0
                                                        : tx->file_dir;
    return nfs_tx_get_buffer_dir(atx, buffer, dir,
                                 index & ~(APP_BUFFER_INDEX_TOCLIENT | APP_BUFFER_INDEX_TOSERVER),
                                 data, len);
}

/* Integer fields of requests (Suricata's keyword syntax: detect_kw_winrpc.c).
 * A procedure's name depends on the version: the getter names it. */
enum { NFS_F_PROCEDURE, NFS_F_VERSION, NFS_F_COUNT };
static const struct app_uint_field nfs_uint_fields[NFS_F_COUNT] = {
    [NFS_F_PROCEDURE] = {"nfs.procedure", 1, UINT32_MAX, NULL, true},
    [NFS_F_VERSION] = {"nfs.version", 1, UINT32_MAX, NULL, true},
};

static int nfs_tx_get_uint(const struct app_tx *atx, uint16_t field, uint32_t index,
                           uint64_t *value, const char **name)
{
    const struct nfs_tx *tx = (const struct nfs_tx *)atx;
    if (index)
        return -ENOENT;
    if (field == NFS_F_PROCEDURE) {
        *value = tx->procedure;
        *name = nfs_proc_name(tx->version, tx->procedure);
        return 0;
    }
    if (field == NFS_F_VERSION) {
        *value = tx->version;
        return 0;
    }
    return -ENOENT;
}

static int nfs_uint_value_from_name(uint16_t field, const char *name, uint64_t *value)
{
    (void)value;
    if (field != NFS_F_PROCEDURE)
        return -1;
    for (uint32_t v = 2; v <= 4; v++)
        for (uint32_t p = 0; p < 64; p++) {
            const char *n = nfs_proc_name(v, p);
            if (n && !strcasecmp(n, name))
                return 0; /* its number depends on the version */
        }
    return -1;
}

static bool nfs_tx_has_event(const struct app_tx *atx, const char *name)
{
    const struct nfs_tx *tx = (const struct nfs_tx *)atx;
    for (int e = 0; e < NFS_EV_COUNT; e++)
        if ((tx->events & (1u << e)) && !strcasecmp(nfs_event_names[e], name))
            return true;
    return false;
}

static bool nfs_tx_complete(const struct app_tx *atx, uint8_t direction)
{
    const struct nfs_tx *tx = (const struct nfs_tx *)atx;
    return direction ? tx->res_done : tx->req_done;
}

static int nfs_tx_foreach(void *state, int (*fn)(struct app_tx *tx, void *user), void *user)
{
    struct nfs_state *st = state;
    return app_tx_list_foreach(st->head, offsetof(struct nfs_tx, next), fn, user);
}

/* ---------- framework glue ---------- */

/* Probing as Suricata's: a call to the NFS program whose header and
 * credentials parse, or an accepted reply. Over UDP a call must be at least
 * 48 bytes and version 2 or 3, a reply at least 32 bytes; over TCP a call
 * record at least 40 bytes, version 3 or 4, a known procedure and
 * credential flavour, a reply record 24 to 35000 bytes. */
enum { RPC_PROBE_OK, RPC_PROBE_SHORT, RPC_PROBE_BAD };

struct rpc_probe_hdr {
    uint32_t type, rpcver, prog, vers, proc, flavor, reply_state, accept_state;
};

static int rpc_probe_parse(const uint8_t *d, uint32_t len, struct rpc_probe_hdr *h)
{
    struct xdr x = {d, len, false};
    xdr_u32(&x); /* xid */
    h->type = xdr_u32(&x);
    if (x.err)
        return RPC_PROBE_SHORT;
    uint32_t n;
    if (h->type == 0) {
        h->rpcver = xdr_u32(&x);
        h->prog = xdr_u32(&x);
        h->vers = xdr_u32(&x);
        h->proc = xdr_u32(&x);
        h->flavor = xdr_u32(&x);
        n = xdr_u32(&x);
        if (!x.err && n > 4096)
            return RPC_PROBE_BAD;
        xdr_skip(&x, (n + 3) & ~3u);
        xdr_u32(&x); /* verifier flavour */
        n = xdr_u32(&x);
        if (!x.err && n > 4096)
            return RPC_PROBE_BAD;
        xdr_skip(&x, (n + 3) & ~3u);
        return x.err ? RPC_PROBE_SHORT : RPC_PROBE_OK;
    }
    if (h->type != 1)
        return RPC_PROBE_BAD;
    h->reply_state = xdr_u32(&x);
    if (!x.err && h->reply_state == 0) {
        xdr_u32(&x); /* verifier flavour */
        n = xdr_u32(&x);
        if (!x.err && n > 4096)
            return RPC_PROBE_BAD;
        xdr_skip(&x, (n + 3) & ~3u);
        h->accept_state = xdr_u32(&x);
    }
    return x.err ? RPC_PROBE_SHORT : RPC_PROBE_OK;
}

static enum app_probe_result nfs_probe_udp(const uint8_t *data, uint32_t len, uint8_t direction)
{
    struct rpc_probe_hdr h;
    memset(&h, 0, sizeof(h));
    if (rpc_probe_parse(data, len, &h) != RPC_PROBE_OK)
        return APP_PROBE_NO;
    if (direction)
        return len >= 32 && h.type == 1 && h.reply_state == 0 && h.accept_state == 0
                   ? APP_PROBE_MATCH
                   : APP_PROBE_NO;
    return len >= 48 && h.type == 0 && h.prog == RPC_PROG_NFS && (h.vers == 2 || h.vers == 3)
               ? APP_PROBE_MATCH
               : APP_PROBE_NO;
}

static enum app_probe_result nfs_probe_tcp(const uint8_t *data, uint32_t len, uint8_t direction)
{
    if (len < 8)
        return APP_PROBE_NEED_MORE;
    uint32_t flen =
        ((uint32_t)data[0] << 24 | (uint32_t)data[1] << 16 | (uint32_t)data[2] << 8 | data[3]) &
        0x7fffffffu;
    struct rpc_probe_hdr h;
    memset(&h, 0, sizeof(h));
    int r = rpc_probe_parse(data + 4, len - 4, &h);
    if (r == RPC_PROBE_BAD)
        return APP_PROBE_NO;
    if (direction) {
        if (h.type != 1 || flen < 24 || flen > 35000)
            return APP_PROBE_NO;
        if (r == RPC_PROBE_SHORT)
            return APP_PROBE_NEED_MORE;
        return h.reply_state == 0 && h.accept_state == 0 ? APP_PROBE_MATCH : APP_PROBE_NO;
    }
    if (r == RPC_PROBE_SHORT)
        return len >= 12 && h.type != 0 ? APP_PROBE_NO : APP_PROBE_NEED_MORE;
    return flen >= 40 && h.type == 0 && h.rpcver == 2 && (h.vers == 3 || h.vers == 4) &&
                   h.prog == RPC_PROG_NFS && h.proc <= 21 && h.flavor <= 6
               ? APP_PROBE_MATCH
               : APP_PROBE_NO;
}

static void *nfs_state_new_common(struct app_parse_ctx *ctx, bool tcp)
{
    struct nfs_state *st = app_state_alloc(ctx, sizeof(*st));
    if (!st)
        return NULL;
    st->thread = ctx->thread;
    st->tcp = tcp;
    return st;
}

static void *nfs_state_new_tcp(struct app_parse_ctx *ctx)
{
    return nfs_state_new_common(ctx, true);
}

static void *nfs_state_new_udp(struct app_parse_ctx *ctx)
{
    return nfs_state_new_common(ctx, false);
}

static void nfs_state_free(void *state)
{
    struct nfs_state *st = state;
    if (!st)
        return;
    while (st->head) {
        struct nfs_tx *n = st->head->next;
        nfs_tx_free(st, st->head);
        st->head = n;
    }
    for (int d = 0; d < 2; d++)
        app_buf_free(st->thread, &st->dir[d].buf, &st->dir[d].cap);
    app_map_free(&st->calls, st->thread);
    app_map_free(&st->names, st->thread);
    app_thread_memory_release(st->thread, sizeof(*st));
    free(st);
}

static void nfs_flow_end(void *state, struct app_parse_ctx *ctx)
{
    nfs_sweep(state, ctx, true);
}

#define NFS_PARSER_COMMON                                                                          \
    .proto = APP_PROTO_NFS, .name = "nfs", .ports = {2049}, .state_free = nfs_state_free,          \
    .flow_end = nfs_flow_end, .tx_foreach = nfs_tx_foreach, .tx_complete = nfs_tx_complete,        \
    .tx_get_buffer = nfs_tx_get_buffer, .tx_write_json = nfs_tx_write_json,                        \
    .tx_has_event = nfs_tx_has_event, .event_names = nfs_event_names,                              \
    .tx_get_buffer_dir = nfs_tx_get_buffer_dir, .uint_fields = nfs_uint_fields,                    \
    .n_uint_fields = NFS_F_COUNT, .tx_get_field_uint = nfs_tx_get_uint,                            \
    .uint_value_from_name = nfs_uint_value_from_name, .probe_needs_port = true

const struct app_parser app_parser_nfs_tcp = {
    NFS_PARSER_COMMON,      .ipprotos = APP_IPPROTO_TCP,
    .probe = nfs_probe_tcp, .state_new = nfs_state_new_tcp,
    .parse = nfs_parse_tcp,
};

const struct app_parser app_parser_nfs_udp = {
    NFS_PARSER_COMMON,      .ipprotos = APP_IPPROTO_UDP,
    .probe = nfs_probe_udp, .state_new = nfs_state_new_udp,
    .parse = nfs_parse_udp,
};
