/* SPDX-License-Identifier: Apache-2.0 */
/* Siemens S7comm (protocol id 0x32) and the headers of S7comm-plus (0x72)
 * over ISO-on-TCP (TCP 102, TPKT + COTP: app_cotp.h).
 *
 * S7comm: the 10/12-byte header (ROSCTR job, ack, ack-data, userdata; PDU
 * reference; parameter and data lengths; error class and code of
 * acknowledgements), the parameter function of jobs and ack-data (setup
 * communication, read/write variable with their items, block up- and
 * download with the block name, PI service with its service name, PLC
 * stop), the userdata parameter head (method, type, function group,
 * subfunction, sequence number) and, for CPU functions "read SZL", the SZL
 * id and index. S7comm-plus: protocol version, opcode, function code and
 * sequence number of requests and responses (the integrity part of V2/V3
 * is skipped, not verified).
 *
 * One transaction per PDU: EVE "s7comm" for S7comm, "s7comm_plus" for
 * S7comm-plus (vigil's shapes, ../shared/pcaps/README.md). Limits: TSDUs
 * up to APP_COTP_TSDU_MAX; at most S7_MAX_ITEMS request items and names of
 * S7_NAME_MAX bytes are kept. The flow is "s7comm" for both. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/app_baseline.h"
#include "app/app_cotp.h"
#include "app/app_parser.h"
#include "app/app_pdu.h"
#include "util/json.h"

#define S7_PROTO_ID 0x32
#define S7PLUS_PROTO_ID 0x72
#define S7_MAX_ITEMS 32u
#define S7_NAME_MAX 64u

enum s7_rosctr { S7_JOB = 1, S7_ACK = 2, S7_ACK_DATA = 3, S7_USERDATA = 7 };

enum s7_event {
    S7_EV_BAD_TPKT = 0,
    S7_EV_BAD_COTP,
    S7_EV_TSDU_TOO_LONG,
    S7_EV_OVERSIZED_TPKT,
    S7_EV_INVALID_HEADER,     /* PDU shorter than its header, unknown ROSCTR */
    S7_EV_LENGTH_MISMATCH,    /* parameter + data lengths do not fit the PDU */
    S7_EV_INVALID_PARAMETER,  /* a parameter shorter than its function needs */
    S7_EV_UNKNOWN_PROTOCOL,   /* user data that is neither S7comm nor S7comm-plus */
    S7_EV_TOO_MANY_TX,
    S7_EV_COUNT,
};
static const char *const s7_event_names[S7_EV_COUNT + 1] = {
    "invalid_tpkt",          "invalid_cotp",        "tsdu_too_long",
    "oversized_tpkt",        "invalid_header",      "length_mismatch",
    "invalid_parameter",     "unknown_protocol",    "too_many_transactions",
};

static const char *s7_function_name(uint8_t f)
{
    switch (f) {
    case 0x00: return "cpu_services";
    case 0x04: return "read_var";
    case 0x05: return "write_var";
    case 0x1a: return "request_download";
    case 0x1b: return "download_block";
    case 0x1c: return "download_ended";
    case 0x1d: return "start_upload";
    case 0x1e: return "upload";
    case 0x1f: return "end_upload";
    case 0x28: return "pi_service";
    case 0x29: return "plc_stop";
    case 0xf0: return "setup_communication";
    default: return NULL;
    }
}

static const char *s7_rosctr_name(uint8_t r)
{
    switch (r) {
    case S7_JOB: return "job";
    case S7_ACK: return "ack";
    case S7_ACK_DATA: return "ack_data";
    case S7_USERDATA: return "userdata";
    default: return NULL;
    }
}

static const char *s7_group_name(uint8_t g)
{
    static const char *const names[16] = {
        [0] = "mode_transition", [1] = "programmer_commands", [2] = "cyclic_data",
        [3] = "block_functions", [4] = "cpu_functions",     [5] = "security",
        [6] = "pbc",             [7] = "time_functions",    [0xf] = "nc_programming"};
    return g < 16 ? names[g] : NULL;
}

static const char *s7_area_name(uint8_t a)
{
    switch (a) {
    case 0x03: return "SYSINFO";
    case 0x05: return "SYSFLAGS";
    case 0x06: return "ANAIN";
    case 0x07: return "ANAOUT";
    case 0x1c: return "C";
    case 0x1d: return "T";
    case 0x1e: return "C200";
    case 0x1f: return "T200";
    case 0x80: return "P";
    case 0x81: return "I";
    case 0x82: return "Q";
    case 0x83: return "M";
    case 0x84: return "DB";
    case 0x85: return "DI";
    case 0x86: return "L";
    case 0x87: return "V";
    default: return NULL;
    }
}

struct s7_item {
    uint8_t syntax;    /* 0x10 S7ANY, 0xb0 DBREAD, ... */
    uint8_t tsize;     /* transport size */
    uint16_t length;   /* elements */
    uint16_t db;
    uint8_t area;
    uint32_t address;  /* bit address (byte * 8 + bit) */
};

struct s7_tx {
    struct app_pdu_tx pdu;
    bool plus;            /* S7comm-plus */
    uint8_t rosctr;
    uint16_t pdu_ref;
    uint16_t param_len, data_len;
    bool has_error;
    uint8_t error_class, error_code;
    bool has_function;
    uint8_t function;
    uint8_t item_count;   /* as in the parameter */
    uint8_t nitems;       /* kept */
    struct s7_item items[S7_MAX_ITEMS];
    bool has_return_code;
    uint8_t return_code;  /* first data item's, or userdata data header's */
    /* userdata */
    uint8_t ud_method, ud_type, ud_group, ud_subfunc, ud_seq;
    bool has_szl;
    uint16_t szl_id, szl_index;
    /* setup communication */
    uint16_t pdu_size;
    /* block transfer / PI service / PLC stop: the name the parameter carries */
    char name[S7_NAME_MAX + 1];
    uint8_t name_len;
    /* S7comm-plus */
    uint8_t plus_version, plus_opcode;
    bool plus_has_function;
    uint16_t plus_function, plus_seq;
};

struct s7_state {
    struct app_cotp_conn c; /* transactions, transport, parse context */
};

static void s7_event(struct s7_state *st, struct s7_tx *tx, enum s7_event e)
{
    app_pdu_event(st->c.ctx, APP_PROTO_S7COMM, tx ? &tx->pdu : NULL, &st->c.flow_events,
                  s7_event_names, e);
}

static void s7_log_body(const void *object, struct json_writer *w);
static void s7plus_log_body(const void *object, struct json_writer *w);

static void s7_name(struct s7_tx *tx, const uint8_t *s, uint32_t n)
{
    if (n > S7_NAME_MAX)
        n = S7_NAME_MAX;
    memcpy(tx->name, s, n);
    tx->name[n] = 0;
    tx->name_len = (uint8_t)n;
}

/* Parameter of a job or ack-data. */
static void s7_job_param(struct s7_state *st, struct s7_tx *tx, const uint8_t *p, uint32_t n)
{
    if (n < 1)
        return;
    tx->has_function = true;
    tx->function = p[0];
    switch (p[0]) {
    case 0xf0:
        if (n >= 8)
            tx->pdu_size = app_rd16be(p + 6);
        else
            s7_event(st, tx, S7_EV_INVALID_PARAMETER);
        break;
    case 0x04:
    case 0x05: {
        if (n < 2) {
            s7_event(st, tx, S7_EV_INVALID_PARAMETER);
            break;
        }
        tx->item_count = p[1];
        if (tx->rosctr != S7_JOB)
            break; /* ack-data: function and count only */
        uint32_t off = 2;
        for (uint32_t i = 0; i < tx->item_count; i++) {
            if (off + 2 > n || p[off + 1] + 2u > n - off) {
                s7_event(st, tx, S7_EV_INVALID_PARAMETER);
                break;
            }
            uint8_t ilen = p[off + 1];
            const uint8_t *it = p + off;
            if (tx->nitems < S7_MAX_ITEMS && ilen >= 10 && it[2] == 0x10) {
                struct s7_item *x = &tx->items[tx->nitems++];
                x->syntax = it[2];
                x->tsize = it[3];
                x->length = app_rd16be(it + 4);
                x->db = app_rd16be(it + 6);
                x->area = it[8];
                x->address = (uint32_t)it[9] << 16 | (uint32_t)it[10] << 8 | it[11];
            } else if (tx->nitems < S7_MAX_ITEMS && ilen >= 1) {
                struct s7_item *x = &tx->items[tx->nitems++];
                memset(x, 0, sizeof(*x));
                x->syntax = it[2];
            }
            off += 2u + ilen;
        }
        break;
    }
    case 0x1a:
    case 0x1b:
    case 0x1c:
    case 0x1d:
    case 0x1e:
    case 0x1f:
        /* Jobs: function, status, 2 unknown, 4 id, then (most) a filename
         * length and the name ("_0A00001P": block type DB, number 1). */
        if (tx->rosctr == S7_JOB && n >= 9 && p[0] != 0x1c && p[0] != 0x1f) {
            uint8_t l = p[8];
            if (9u + l <= n)
                s7_name(tx, p + 9, l);
            else
                s7_event(st, tx, S7_EV_INVALID_PARAMETER);
        } else if (tx->rosctr == S7_JOB && p[0] == 0x1c && n >= 9) {
            uint8_t l = p[8];
            if (9u + l <= n)
                s7_name(tx, p + 9, l);
        }
        break;
    case 0x28:
        /* PI service: function, 7 unknown bytes, parameter block length
         * (2) and block, service name length and name. */
        if (tx->rosctr == S7_JOB) {
            if (n < 10) {
                s7_event(st, tx, S7_EV_INVALID_PARAMETER);
                break;
            }
            uint32_t pb = app_rd16be(p + 8);
            uint32_t off = 10 + pb;
            if (off + 1 > n || off + 1u + p[off] > n) {
                s7_event(st, tx, S7_EV_INVALID_PARAMETER);
                break;
            }
            s7_name(tx, p + off + 1, p[off]);
        }
        break;
    case 0x29:
        /* PLC stop: function, 5 unknown bytes, name length and name. */
        if (tx->rosctr == S7_JOB) {
            if (n < 7 || 7u + p[6] > n) {
                s7_event(st, tx, S7_EV_INVALID_PARAMETER);
                break;
            }
            s7_name(tx, p + 7, p[6]);
        }
        break;
    default:
        break;
    }
}

/* Data part: the first return code of read/write results, and the
 * userdata data header. */
static void s7_data(struct s7_state *st, struct s7_tx *tx, const uint8_t *d, uint32_t n)
{
    (void)st;
    if (n < 1)
        return;
    if (tx->rosctr == S7_USERDATA) {
        tx->has_return_code = true;
        tx->return_code = d[0];
        /* CPU functions / read SZL: return code, transport size, length,
         * then SZL id and index (request and first response PDU). */
        if (tx->ud_group == 4 && tx->ud_subfunc == 1 && n >= 8 && d[0] == 0xff) {
            tx->has_szl = true;
            tx->szl_id = app_rd16be(d + 4);
            tx->szl_index = app_rd16be(d + 6);
        }
        return;
    }
    if (tx->has_function && (tx->function == 0x04 || tx->function == 0x05)) {
        /* ack-data of read: items each start with a return code; write
         * ack-data: one return code byte per item; write job: data items. */
        tx->has_return_code = true;
        tx->return_code = d[0];
    }
}

static void s7_userdata_param(struct s7_state *st, struct s7_tx *tx, const uint8_t *p,
                              uint32_t n)
{
    if (n < 8 || p[2] != 0x12) {
        s7_event(st, tx, S7_EV_INVALID_PARAMETER);
        return;
    }
    tx->ud_method = p[4];
    tx->ud_type = p[5] >> 4;
    tx->ud_group = p[5] & 0x0f;
    tx->ud_subfunc = p[6];
    tx->ud_seq = p[7];
    tx->has_function = true;
}

/* Jobs and userdata requests for the behaviour baseline: each written item
 * is one operation with its area/DB and byte range. */
static void s7_baseline(struct s7_state *st, const struct s7_tx *tx)
{
    struct ics_op op = {.proto = APP_PROTO_S7COMM, .tx = &tx->pdu.base};
    if (tx->rosctr == S7_JOB && tx->has_function) {
        uint8_t f = tx->function;
        op.function = f;
        op.function_name = s7_function_name(f);
        op.kind = f == 0x05                        ? ICS_OP_WRITE
                  : (f >= 0x1a && f <= 0x1c)       ? ICS_OP_WRITE   /* download */
                  : (f == 0x28 || f == 0x29)       ? ICS_OP_CONTROL /* PI service, PLC stop */
                  : (f == 0x04 || (f >= 0x1d && f <= 0x1f)) ? ICS_OP_READ
                                                   : ICS_OP_OTHER;
        if (f == 0x05 && tx->nitems) {
            for (uint8_t i = 0; i < tx->nitems; i++) {
                const struct s7_item *x = &tx->items[i];
                if (x->syntax != 0x10)
                    continue;
                op.has_objects = true;
                op.space = (uint32_t)x->area << 16 | x->db;
                /* bytes touched: the length counts elements of the
                 * transport size (bits, bytes, words, double words) */
                uint32_t esz = x->tsize == 1 ? 0
                               : (x->tsize == 4 || x->tsize == 5 || x->tsize == 0x1c ||
                                  x->tsize == 0x1d)
                                   ? 2
                               : (x->tsize == 6 || x->tsize == 7 || x->tsize == 8) ? 4
                                                                                   : 1;
                uint64_t bytes = esz ? (uint64_t)x->length * esz : (x->length + 7u) / 8u;
                op.lo = x->address >> 3;
                op.hi = op.lo + (bytes ? bytes - 1 : 0);
                app_baseline_op(st->c.ctx, st->c.dir, &op);
            }
            return;
        }
    } else if (tx->rosctr == S7_USERDATA && tx->has_function && tx->ud_type == 4) {
        uint8_t g = tx->ud_group, sf = tx->ud_subfunc;
        op.function = 0x10000u | (uint32_t)g << 8 | sf;
        op.function_name = s7_group_name(g);
        op.kind = g == 1                ? ICS_OP_WRITE   /* programmer commands (force, modify) */
                  : (g == 7 && sf == 2) ? ICS_OP_CONTROL /* set clock */
                  : (g == 2 || g == 3 || g == 4 || g == 7) ? ICS_OP_READ
                                                           : ICS_OP_OTHER;
    } else {
        return;
    }
    app_baseline_op(st->c.ctx, st->c.dir, &op);
}

static void s7_pdu(struct s7_state *st, const uint8_t *d, uint32_t n)
{
    struct s7_tx *tx = app_pdu_tx_new(&st->c.q, st->c.ctx, &app_parser_s7comm, sizeof(struct s7_tx),
                                      st->c.dir);
    if (!tx)
        return;
    if (n < 10 || (d[1] != S7_JOB && d[1] != S7_ACK && d[1] != S7_ACK_DATA &&
                   d[1] != S7_USERDATA)) {
        if (n >= 2)
            tx->rosctr = d[1];
        s7_event(st, tx, S7_EV_INVALID_HEADER);
        app_pdu_tx_log(&st->c.q, st->c.ctx, &tx->pdu, "s7comm", s7_log_body);
        return;
    }
    tx->rosctr = d[1];
    tx->pdu_ref = app_rd16be(d + 4);
    tx->param_len = app_rd16be(d + 6);
    tx->data_len = app_rd16be(d + 8);
    uint32_t hl = 10;
    if (tx->rosctr == S7_ACK || tx->rosctr == S7_ACK_DATA) {
        if (n >= 12) {
            tx->has_error = true;
            tx->error_class = d[10];
            tx->error_code = d[11];
            hl = 12;
        } else {
            s7_event(st, tx, S7_EV_INVALID_HEADER);
        }
    }
    uint32_t plen = tx->param_len, dlen = tx->data_len;
    if (hl + plen + dlen != n)
        s7_event(st, tx, S7_EV_LENGTH_MISMATCH);
    if (plen > n - hl)
        plen = n - hl;
    if (dlen > n - hl - plen)
        dlen = n - hl - plen;
    const uint8_t *p = d + hl;
    if (tx->rosctr == S7_USERDATA)
        s7_userdata_param(st, tx, p, plen);
    else if (tx->rosctr != S7_ACK)
        s7_job_param(st, tx, p, plen);
    s7_data(st, tx, p + plen, dlen);
    app_pdu_tx_log(&st->c.q, st->c.ctx, &tx->pdu, "s7comm", s7_log_body);
    s7_baseline(st, tx);
}

static void s7plus_pdu(struct s7_state *st, const uint8_t *d, uint32_t n)
{
    struct s7_tx *tx = app_pdu_tx_new(&st->c.q, st->c.ctx, &app_parser_s7comm, sizeof(struct s7_tx),
                                      st->c.dir);
    if (!tx)
        return;
    tx->plus = true;
    if (n < 4) {
        s7_event(st, tx, S7_EV_INVALID_HEADER);
        app_pdu_tx_log(&st->c.q, st->c.ctx, &tx->pdu, "s7comm_plus", s7plus_log_body);
        return;
    }
    tx->plus_version = d[1];
    uint32_t off = 4;
    /* V2/V3 (and later): an integrity part (digest length, digest) first. */
    if (tx->plus_version >= 2 && tx->plus_version != 0xfe && n > off && d[off] == 0x20 &&
        n >= off + 33)
        off += 33;
    if (n > off) {
        tx->plus_opcode = d[off];
        if ((d[off] == 0x31 || d[off] == 0x32) && n >= off + 9) {
            tx->plus_has_function = true;
            tx->plus_function = app_rd16be(d + off + 3);
            tx->plus_seq = app_rd16be(d + off + 7);
        }
    }
    app_pdu_tx_log(&st->c.q, st->c.ctx, &tx->pdu, "s7comm_plus", s7plus_log_body);
    if (tx->plus_opcode == 0x31 && tx->plus_has_function) {
        uint16_t f = tx->plus_function;
        uint8_t kind = (f == 0x04f2 || f == 0x0542) ? ICS_OP_WRITE /* SetVariable, SetMultiVariables */
                       : f == 0x04d4               ? ICS_OP_CONTROL /* DeleteObject */
                       : (f == 0x054c || f == 0x04bb) ? ICS_OP_READ  /* GetMultiVariables, Explore */
                                                      : ICS_OP_OTHER;
        struct ics_op op = {.proto = APP_PROTO_S7COMM, .kind = kind, .function = 0x20000u | f,
                            .function_name = "s7comm-plus", .tx = &tx->pdu.base};
        app_baseline_op(st->c.ctx, st->c.dir, &op);
    }
}

static void s7_on_tsdu(void *user, const uint8_t *d, uint32_t n)
{
    struct s7_state *st = user;
    if (n == 0)
        return;
    if (d[0] == S7_PROTO_ID)
        s7_pdu(st, d, n);
    else if (d[0] == S7PLUS_PROTO_ID)
        s7plus_pdu(st, d, n);
    else
        s7_event(st, NULL, S7_EV_UNKNOWN_PROTOCOL);
}

static void s7_on_cotp_event(void *user, unsigned e)
{
    s7_event(user, NULL, (enum s7_event)e);
}

static const struct app_cotp_ops s7_cotp_ops = {
    .on_tsdu = s7_on_tsdu,
    .on_event = s7_on_cotp_event,
    .events = {[APP_COTP_EV_BAD_TPKT] = S7_EV_BAD_TPKT, [APP_COTP_EV_BAD_COTP] = S7_EV_BAD_COTP,
               [APP_COTP_EV_TSDU_LIMIT] = S7_EV_TSDU_TOO_LONG,
               [APP_COTP_EV_OVERSIZED] = S7_EV_OVERSIZED_TPKT},
};

static int s7_parse(void *state, struct app_parse_ctx *ctx, uint8_t direction,
                    const uint8_t *data, uint32_t len, uint32_t flags)
{
    return app_cotp_conn_parse(state, ctx, direction, data, len, flags, &s7_cotp_ops);
}

/* TPKT/COTP packets in the first bytes of a direction: the first data
 * TPDU's user data must start an S7comm or S7comm-plus PDU (connection
 * requests and confirms before it are skipped). */
static enum app_probe_result s7_probe_data(const uint8_t *u, uint32_t avail, uint32_t ulen)
{
    (void)avail;
    (void)ulen;
    if (u[0] == S7_PROTO_ID)
        return (u[1] == S7_JOB || u[1] == S7_ACK || u[1] == S7_ACK_DATA || u[1] == S7_USERDATA)
                   ? APP_PROBE_MATCH
                   : APP_PROBE_NO;
    if (u[0] == S7PLUS_PROTO_ID)
        return (u[1] >= 1 && u[1] <= 3) || u[1] == 0xfe ? APP_PROBE_MATCH : APP_PROBE_NO;
    return APP_PROBE_NO;
}

static enum app_probe_result s7_probe(const uint8_t *d, uint32_t len, uint8_t direction)
{
    (void)direction;
    return app_cotp_probe_data(d, len, 2, 1, s7_probe_data);
}

static const char *const s7_frame_names[] = {APP_COTP_FRAME_NAMES, NULL};

static void *s7_state_new(struct app_parse_ctx *ctx)
{
    struct s7_state *st = app_cotp_conn_new(ctx, sizeof(*st), NULL);
    return st;
}

static void s7_state_free(void *state)
{
    app_cotp_conn_free(state, sizeof(struct s7_state));
}

static void s7_write_json(const struct s7_tx *tx, struct json_writer *w)
{
    json_key_object_begin(w, "s7comm");
    json_key_u64(w, "rosctr", tx->rosctr);
    const char *rn = s7_rosctr_name(tx->rosctr);
    if (rn)
        json_key_string(w, "rosctr_name", rn);
    json_key_u64(w, "pdu_ref", tx->pdu_ref);
    if (tx->rosctr == S7_USERDATA && tx->has_function) {
        json_key_object_begin(w, "userdata");
        json_key_u64(w, "method", tx->ud_method);
        json_key_u64(w, "type", tx->ud_type);
        json_key_u64(w, "function_group", tx->ud_group);
        const char *g = s7_group_name(tx->ud_group);
        if (g)
            json_key_string(w, "function_group_name", g);
        json_key_u64(w, "subfunction", tx->ud_subfunc);
        json_key_u64(w, "sequence", tx->ud_seq);
        if (tx->has_szl) {
            json_key_u64(w, "szl_id", tx->szl_id);
            json_key_u64(w, "szl_index", tx->szl_index);
        }
        json_object_end(w);
    } else if (tx->has_function) {
        json_key_u64(w, "function", tx->function);
        const char *fn = s7_function_name(tx->function);
        if (fn)
            json_key_string(w, "function_name", fn);
        if (tx->function == 0xf0 && tx->pdu_size)
            json_key_u64(w, "pdu_size", tx->pdu_size);
        if (tx->function == 0x04 || tx->function == 0x05)
            json_key_u64(w, "item_count", tx->item_count);
        if (tx->nitems) {
            json_key_array_begin(w, "items");
            for (uint8_t i = 0; i < tx->nitems; i++) {
                const struct s7_item *x = &tx->items[i];
                json_object_begin(w);
                json_key_u64(w, "syntax", x->syntax);
                if (x->syntax == 0x10) {
                    const char *an = s7_area_name(x->area);
                    if (an)
                        json_key_string(w, "area", an);
                    else
                        json_key_u64(w, "area", x->area);
                    if (x->area == 0x84 || x->area == 0x85)
                        json_key_u64(w, "db", x->db);
                    json_key_u64(w, "byte", x->address >> 3);
                    json_key_u64(w, "bit", x->address & 7);
                    json_key_u64(w, "transport_size", x->tsize);
                    json_key_u64(w, "length", x->length);
                }
                json_object_end(w);
            }
            json_array_end(w);
        }
        if (tx->name_len) {
            const char *key = tx->function == 0x28   ? "pi_service"
                              : tx->function == 0x29 ? "pi_service"
                                                     : "block";
            json_key_string_len(w, key, tx->name, tx->name_len);
        }
    }
    if (tx->has_return_code)
        json_key_u64(w, "return_code", tx->return_code);
    if (tx->has_error) {
        json_key_u64(w, "error_class", tx->error_class);
        json_key_u64(w, "error_code", tx->error_code);
    }
    json_object_end(w);
}

static void s7plus_write_json(const struct s7_tx *tx, struct json_writer *w)
{
    json_key_object_begin(w, "s7comm_plus");
    json_key_u64(w, "version", tx->plus_version);
    if (tx->plus_opcode) {
        json_key_u64(w, "opcode", tx->plus_opcode);
        const char *on = tx->plus_opcode == 0x31   ? "request"
                         : tx->plus_opcode == 0x32 ? "response"
                         : tx->plus_opcode == 0x33 ? "notification"
                                                   : NULL;
        if (on)
            json_key_string(w, "opcode_name", on);
    }
    if (tx->plus_has_function) {
        json_key_u64(w, "function", tx->plus_function);
        json_key_u64(w, "sequence", tx->plus_seq);
    }
    json_object_end(w);
}

static void s7_tx_write_json(const struct app_tx *atx, struct json_writer *w)
{
    const struct s7_tx *tx = (const struct s7_tx *)atx;
    if (tx->plus)
        s7plus_write_json(tx, w);
    else
        s7_write_json(tx, w);
}

static void s7_log_body(const void *object, struct json_writer *w)
{
    s7_write_json(object, w);
}

static void s7plus_log_body(const void *object, struct json_writer *w)
{
    s7plus_write_json(object, w);
}

static bool s7_tx_has_event(const struct app_tx *tx, const char *name)
{
    return app_pdu_has_event(tx, s7_event_names, S7_EV_COUNT, name);
}

static int s7_tx_get_buffer(const struct app_tx *atx, enum app_buffer buffer, uint32_t index,
                            const uint8_t **data, uint32_t *len)
{
    const struct s7_tx *tx = (const struct s7_tx *)atx;
    if (index || tx->plus || !tx->name_len)
        return -ENOENT;
    bool pi = tx->function == 0x28 || tx->function == 0x29;
    if ((buffer == APP_BUFFER_S7COMM_PI_SERVICE && pi) ||
        (buffer == APP_BUFFER_S7COMM_BLOCK && !pi)) {
        *data = (const uint8_t *)tx->name;
        *len = tx->name_len;
        return 0;
    }
    return -ENOENT;
}

/* ---- integer keywords ---- */

enum {
    S7_F_ROSCTR,
    S7_F_FUNCTION,
    S7_F_GROUP,
    S7_F_SUBFUNCTION,
    S7_F_SZL_ID,
    S7_F_SZL_INDEX,
    S7_F_AREA,
    S7_F_DB,
    S7_F_ERROR_CLASS,
    S7_F_RETURN_CODE,
    S7_F_PLUS_FUNCTION,
    S7_F_PLUS_OPCODE,
    S7_F_COUNT,
};

static const struct app_uint_enum s7_rosctr_enum[] = {
    {"job", 1}, {"ack", 2}, {"ack_data", 3}, {"userdata", 7}, {NULL, 0}};
static const struct app_uint_enum s7_function_enum[] = {
    {"cpu_services", 0x00},     {"read_var", 0x04},       {"write_var", 0x05},
    {"request_download", 0x1a}, {"download_block", 0x1b}, {"download_ended", 0x1c},
    {"start_upload", 0x1d},     {"upload", 0x1e},         {"end_upload", 0x1f},
    {"pi_service", 0x28},       {"plc_stop", 0x29},       {"setup_communication", 0xf0},
    {NULL, 0}};
static const struct app_uint_enum s7_group_enum[] = {
    {"mode_transition", 0}, {"programmer_commands", 1}, {"cyclic_data", 2},
    {"block_functions", 3}, {"cpu_functions", 4},       {"security", 5},
    {"pbc", 6},             {"time_functions", 7},      {"nc_programming", 15},
    {NULL, 0}};
static const struct app_uint_enum s7_area_enum[] = {
    {"sysinfo", 0x03}, {"sysflags", 0x05}, {"anain", 0x06}, {"anaout", 0x07}, {"c", 0x1c},
    {"t", 0x1d},       {"p", 0x80},        {"i", 0x81},     {"q", 0x82},      {"m", 0x83},
    {"db", 0x84},      {"di", 0x85},       {"l", 0x86},     {"v", 0x87},      {NULL, 0}};

static const struct app_uint_field s7_fields[S7_F_COUNT] = {
    [S7_F_ROSCTR] = {"s7comm.rosctr", 3, 255, s7_rosctr_enum, false},
    [S7_F_FUNCTION] = {"s7comm.function", 3, 255, s7_function_enum, false},
    [S7_F_GROUP] = {"s7comm.function_group", 3, 15, s7_group_enum, false},
    [S7_F_SUBFUNCTION] = {"s7comm.subfunction", 3, 255, NULL, false},
    [S7_F_SZL_ID] = {"s7comm.szl_id", 3, 65535, NULL, false},
    [S7_F_SZL_INDEX] = {"s7comm.szl_index", 3, 65535, NULL, false},
    [S7_F_AREA] = {"s7comm.area", 3, 255, s7_area_enum, false},
    [S7_F_DB] = {"s7comm.db", 3, 65535, NULL, false},
    [S7_F_ERROR_CLASS] = {"s7comm.error_class", 3, 255, NULL, false},
    [S7_F_RETURN_CODE] = {"s7comm.return_code", 3, 255, NULL, false},
    [S7_F_PLUS_FUNCTION] = {"s7comm.plus_function", 3, 65535, NULL, false},
    [S7_F_PLUS_OPCODE] = {"s7comm.plus_opcode", 3, 255, NULL, false},
};

static int s7_tx_get_uint(const struct app_tx *atx, uint16_t field, uint32_t index, uint64_t *value,
                          const char **name)
{
    (void)name;
    const struct s7_tx *tx = (const struct s7_tx *)atx;
    if (tx->plus) {
        if (index)
            return -ENOENT;
        if (field == S7_F_PLUS_FUNCTION && tx->plus_has_function) {
            *value = tx->plus_function;
            return 0;
        }
        if (field == S7_F_PLUS_OPCODE && tx->plus_opcode) {
            *value = tx->plus_opcode;
            return 0;
        }
        return -ENOENT;
    }
    if (field == S7_F_AREA || field == S7_F_DB) {
        /* Items with an S7ANY address; db only for DB/DI items. */
        uint32_t k = 0;
        for (uint8_t i = 0; i < tx->nitems; i++) {
            const struct s7_item *x = &tx->items[i];
            if (x->syntax != 0x10)
                continue;
            if (field == S7_F_DB && x->area != 0x84 && x->area != 0x85)
                continue;
            if (k++ == index) {
                *value = field == S7_F_AREA ? x->area : x->db;
                return 0;
            }
        }
        return -ENOENT;
    }
    if (index)
        return -ENOENT;
    bool ud = tx->rosctr == S7_USERDATA;
    switch (field) {
    case S7_F_ROSCTR: *value = tx->rosctr; return 0;
    case S7_F_FUNCTION:
        if (ud || !tx->has_function)
            return -ENOENT;
        *value = tx->function;
        return 0;
    case S7_F_GROUP:
        if (!ud || !tx->has_function)
            return -ENOENT;
        *value = tx->ud_group;
        return 0;
    case S7_F_SUBFUNCTION:
        if (!ud || !tx->has_function)
            return -ENOENT;
        *value = tx->ud_subfunc;
        return 0;
    case S7_F_SZL_ID:
    case S7_F_SZL_INDEX:
        if (!tx->has_szl)
            return -ENOENT;
        *value = field == S7_F_SZL_ID ? tx->szl_id : tx->szl_index;
        return 0;
    case S7_F_ERROR_CLASS:
        if (!tx->has_error)
            return -ENOENT;
        *value = tx->error_class;
        return 0;
    case S7_F_RETURN_CODE:
        if (!tx->has_return_code)
            return -ENOENT;
        *value = tx->return_code;
        return 0;
    default:
        return -ENOENT;
    }
}

const struct app_parser app_parser_s7comm = {
    .vigil_only = true,
    .proto = APP_PROTO_S7COMM,
    .name = "s7comm",
    .ipprotos = APP_IPPROTO_TCP,
    .ports = {102},
    .probe = s7_probe,
    .state_new = s7_state_new,
    .state_free = s7_state_free,
    .parse = s7_parse,
    .tx_foreach = app_cotp_conn_tx_foreach,
    .frame_names = s7_frame_names,
    .tx_complete = app_pdu_tx_complete,
    .tx_get_buffer = s7_tx_get_buffer,
    .tx_write_json = s7_tx_write_json,
    .tx_has_event = s7_tx_has_event,
    .events_on_packet = true,
    .event_names = s7_event_names,
    .tx_direction = app_pdu_tx_direction,
    .uint_fields = s7_fields,
    .n_uint_fields = S7_F_COUNT,
    .tx_get_field_uint = s7_tx_get_uint,
};
