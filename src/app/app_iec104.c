/* SPDX-License-Identifier: Apache-2.0 */
/* IEC 60870-5-104 (TCP 2404): APCI frames (I, S, U) and the IEC 60870-5-101
 * ASDU they carry (type id, variable structure qualifier, cause of
 * transmission, common address, information objects), with the parameters
 * 104 fixes: 2-octet cause of transmission (with originator address),
 * 2-octet common address, 3-octet information object address.
 *
 * One transaction and one EVE "iec104" event per APDU, in the direction it
 * travelled. Limits: an APDU is at most 255 bytes by definition (start byte,
 * length <= 253); at most IEC104_MAX_IOA information object addresses are
 * kept per ASDU (the count is always reported). Malformed frames raise
 * anomalies (below) and the stream resynchronises on the next start byte. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "app/app_baseline.h"
#include "app/app_parser.h"
#include "app/app_pdu.h"
#include "util/json.h"

#define IEC104_START 0x68
#define IEC104_APDU_MAX 255u
#define IEC104_MAX_IOA 64u

enum iec104_event {
    IEC104_EV_INVALID_START = 0,     /* bytes that are not an APDU start */
    IEC104_EV_INVALID_LENGTH,        /* APDU length < 4 or ASDU too short */
    IEC104_EV_INVALID_U_FUNCTION,    /* U frame without exactly one function bit */
    IEC104_EV_INVALID_S_FRAME,       /* S frame with extra bytes or bits */
    IEC104_EV_UNKNOWN_TYPE_ID,       /* type id not defined by 101/104 */
    IEC104_EV_INVALID_COT,           /* cause 0 or undefined */
    IEC104_EV_OBJECT_LENGTH_MISMATCH,/* objects do not fill the ASDU exactly */
    IEC104_EV_SEQUENCE_GAP,          /* N(S) not the next expected */
    IEC104_EV_TOO_MANY_TX,
    IEC104_EV_COUNT,
};
static const char *const iec104_event_names[IEC104_EV_COUNT + 1] = {
    "invalid_start",       "invalid_length", "invalid_u_function",
    "invalid_s_frame",     "unknown_type_id", "invalid_cot",
    "object_length_mismatch", "sequence_gap", "too_many_transactions",
};

/* Information element length (without the IOA) per type id; 0 = not
 * defined; -1 = variable (file segment). */
static int8_t iec104_elem_len(uint8_t t)
{
    static const int8_t len[128] = {
        [1] = 1,   [2] = 4,   [3] = 1,   [4] = 4,   [5] = 2,   [6] = 5,   [7] = 5,
        [8] = 8,   [9] = 3,   [10] = 6,  [11] = 3,  [12] = 6,  [13] = 5,  [14] = 8,
        [15] = 5,  [16] = 8,  [17] = 6,  [18] = 7,  [19] = 7,  [20] = 5,  [21] = 2,
        [30] = 8,  [31] = 8,  [32] = 9,  [33] = 12, [34] = 10, [35] = 10, [36] = 12,
        [37] = 12, [38] = 10, [39] = 11, [40] = 11, [45] = 1,  [46] = 1,  [47] = 1,
        [48] = 3,  [49] = 3,  [50] = 5,  [51] = 4,  [58] = 8,  [59] = 8,  [60] = 8,
        [61] = 10, [62] = 10, [63] = 12, [64] = 11, [70] = 1,  [100] = 1, [101] = 1,
        [102] = -2, [103] = 7, [104] = 2, [105] = 1, [106] = 2, [107] = 9, [110] = 3,
        [111] = 3, [112] = 5, [113] = 1, [120] = 6, [121] = 7, [122] = 4, [123] = 5,
        [124] = 4, [125] = -1, [126] = 13, [127] = 16,
    };
    return t < 128 ? len[t] : 0;
}
/* -2 above: C_RD_NA_1 (read) has an IOA and no element. */

static const char *const iec104_type_names[128] = {
    [1] = "M_SP_NA_1",   [2] = "M_SP_TA_1",   [3] = "M_DP_NA_1",   [4] = "M_DP_TA_1",
    [5] = "M_ST_NA_1",   [6] = "M_ST_TA_1",   [7] = "M_BO_NA_1",   [8] = "M_BO_TA_1",
    [9] = "M_ME_NA_1",   [10] = "M_ME_TA_1",  [11] = "M_ME_NB_1",  [12] = "M_ME_TB_1",
    [13] = "M_ME_NC_1",  [14] = "M_ME_TC_1",  [15] = "M_IT_NA_1",  [16] = "M_IT_TA_1",
    [17] = "M_EP_TA_1",  [18] = "M_EP_TB_1",  [19] = "M_EP_TC_1",  [20] = "M_PS_NA_1",
    [21] = "M_ME_ND_1",  [30] = "M_SP_TB_1",  [31] = "M_DP_TB_1",  [32] = "M_ST_TB_1",
    [33] = "M_BO_TB_1",  [34] = "M_ME_TD_1",  [35] = "M_ME_TE_1",  [36] = "M_ME_TF_1",
    [37] = "M_IT_TB_1",  [38] = "M_EP_TD_1",  [39] = "M_EP_TE_1",  [40] = "M_EP_TF_1",
    [45] = "C_SC_NA_1",  [46] = "C_DC_NA_1",  [47] = "C_RC_NA_1",  [48] = "C_SE_NA_1",
    [49] = "C_SE_NB_1",  [50] = "C_SE_NC_1",  [51] = "C_BO_NA_1",  [58] = "C_SC_TA_1",
    [59] = "C_DC_TA_1",  [60] = "C_RC_TA_1",  [61] = "C_SE_TA_1",  [62] = "C_SE_TB_1",
    [63] = "C_SE_TC_1",  [64] = "C_BO_TA_1",  [70] = "M_EI_NA_1",  [100] = "C_IC_NA_1",
    [101] = "C_CI_NA_1", [102] = "C_RD_NA_1", [103] = "C_CS_NA_1", [104] = "C_TS_NA_1",
    [105] = "C_RP_NA_1", [106] = "C_CD_NA_1", [107] = "C_TS_TA_1", [110] = "P_ME_NA_1",
    [111] = "P_ME_NB_1", [112] = "P_ME_NC_1", [113] = "P_AC_NA_1", [120] = "F_FR_NA_1",
    [121] = "F_SR_NA_1", [122] = "F_SC_NA_1", [123] = "F_LS_NA_1", [124] = "F_AF_NA_1",
    [125] = "F_SG_NA_1", [126] = "F_DR_TA_1", [127] = "F_SC_NB_1",
};

static const char *const iec104_cot_names[64] = {
    [1] = "per",        [2] = "back",       [3] = "spont",      [4] = "init",
    [5] = "req",        [6] = "act",        [7] = "actcon",     [8] = "deact",
    [9] = "deactcon",   [10] = "actterm",   [11] = "retrem",    [12] = "retloc",
    [13] = "file",      [20] = "inrogen",   [21] = "inro1",     [22] = "inro2",
    [23] = "inro3",     [24] = "inro4",     [25] = "inro5",     [26] = "inro6",
    [27] = "inro7",     [28] = "inro8",     [29] = "inro9",     [30] = "inro10",
    [31] = "inro11",    [32] = "inro12",    [33] = "inro13",    [34] = "inro14",
    [35] = "inro15",    [36] = "inro16",    [37] = "reqcogen",  [38] = "reqco1",
    [39] = "reqco2",    [40] = "reqco3",    [41] = "reqco4",    [44] = "unknown_type",
    [45] = "unknown_cause", [46] = "unknown_asdu_address", [47] = "unknown_ioa",
};

/* U-format functions: control field 1 bits 2..7. */
static const char *const iec104_u_names[6] = {"STARTDT_ACT", "STARTDT_CON", "STOPDT_ACT",
                                              "STOPDT_CON",  "TESTFR_ACT",  "TESTFR_CON"};

enum iec104_apci { IEC104_I = 0, IEC104_S = 1, IEC104_U = 3 };

struct iec104_tx {
    struct app_pdu_tx pdu;
    uint8_t apci;       /* enum iec104_apci */
    uint8_t u_func;     /* U: the function bits (cf1 >> 2) */
    uint16_t tx_seq, rx_seq;
    bool has_asdu;
    uint8_t asdu_len; /* bytes of ASDU (a truncated one lacks later fields) */
    uint8_t type_id;
    uint8_t num_objects;
    bool sq, negative, test;
    uint8_t cot;
    uint8_t originator;
    uint16_t common_addr;
    uint8_t nioa;
    uint32_t ioa[IEC104_MAX_IOA];
};

struct iec104_state {
    struct app_pdu_queue q;
    struct app_framer framer[2];
    uint32_t flow_events;
    bool ns_known[2];
    uint16_t ns_next[2];
    struct app_parse_ctx *ctx; /* during parse */
    uint8_t dir;
};

static void iec104_event(struct iec104_state *st, struct iec104_tx *tx, enum iec104_event e)
{
    app_pdu_event(st->ctx, APP_PROTO_IEC104, tx ? &tx->pdu : NULL, &st->flow_events,
                  iec104_event_names, e);
}

static void iec104_log_body(const void *object, struct json_writer *w);

/* The ASDU of an I frame: a bytes. */
static void iec104_asdu(struct iec104_state *st, struct iec104_tx *tx, const uint8_t *a,
                        uint32_t n)
{
    if (n == 0)
        return;
    tx->has_asdu = true;
    tx->asdu_len = n > 255 ? 255 : (uint8_t)n;
    tx->type_id = a[0];
    if (n < 6) {
        /* A truncated ASDU: what is there is reported (as tshark does). */
        iec104_event(st, tx, IEC104_EV_INVALID_LENGTH);
        if (n >= 2) {
            tx->sq = (a[1] & 0x80) != 0;
            tx->num_objects = a[1] & 0x7f;
        }
        if (n >= 3) {
            tx->cot = a[2] & 0x3f;
            tx->negative = (a[2] & 0x40) != 0;
            tx->test = (a[2] & 0x80) != 0;
        }
        if (n >= 4)
            tx->originator = a[3];
        return;
    }
    tx->sq = (a[1] & 0x80) != 0;
    tx->num_objects = a[1] & 0x7f;
    tx->cot = a[2] & 0x3f;
    tx->negative = (a[2] & 0x40) != 0;
    tx->test = (a[2] & 0x80) != 0;
    tx->originator = a[3];
    tx->common_addr = app_rd16le(a + 4);
    if (!iec104_cot_names[tx->cot])
        iec104_event(st, tx, IEC104_EV_INVALID_COT);
    int elen = iec104_elem_len(tx->type_id);
    if (elen == 0) {
        iec104_event(st, tx, IEC104_EV_UNKNOWN_TYPE_ID);
        return;
    }
    const uint8_t *o = a + 6;
    uint32_t left = n - 6;
    if (elen == -1) {
        /* F_SG_NA_1: one object, a segment of LOS bytes. */
        if (left >= 3) {
            tx->ioa[tx->nioa++] = (uint32_t)o[0] | (uint32_t)o[1] << 8 | (uint32_t)o[2] << 16;
            if (left < 3 + 4 || left != 3u + 4u + o[3 + 3])
                iec104_event(st, tx, IEC104_EV_OBJECT_LENGTH_MISMATCH);
        } else {
            iec104_event(st, tx, IEC104_EV_OBJECT_LENGTH_MISMATCH);
        }
        return;
    }
    uint32_t el = elen < 0 ? 0 : (uint32_t)elen;
    uint32_t count = tx->num_objects;
    uint32_t need = tx->sq ? (count ? 3 + count * el : 0) : count * (3 + el);
    if (need != left)
        iec104_event(st, tx, IEC104_EV_OBJECT_LENGTH_MISMATCH);
    if (tx->sq) {
        if (count && left >= 3) {
            uint32_t base = (uint32_t)o[0] | (uint32_t)o[1] << 8 | (uint32_t)o[2] << 16;
            for (uint32_t i = 0; i < count && tx->nioa < IEC104_MAX_IOA; i++)
                tx->ioa[tx->nioa++] = (base + i) & 0xffffff;
        }
        return;
    }
    for (uint32_t i = 0; i < count && left >= 3 && tx->nioa < IEC104_MAX_IOA; i++) {
        tx->ioa[tx->nioa++] = (uint32_t)o[0] | (uint32_t)o[1] << 8 | (uint32_t)o[2] << 16;
        if (left < 3 + el)
            break;
        o += 3 + el;
        left -= 3 + el;
    }
}

static void iec104_baseline(struct app_parse_ctx *ctx, uint8_t dir, const struct iec104_tx *tx);

/* Frames: apdu (the whole APDU: start byte, length, control field and
 * any ASDU) and asdu (the ASDU of an I-format APDU). */
enum { IEC104_FRAME_APDU, IEC104_FRAME_ASDU };
static const char *const iec104_frame_names[] = {"apdu", "asdu", NULL};

static void iec104_on_pdu(const uint8_t *d, uint32_t len, void *user)
{
    struct iec104_state *st = user;
    struct app_parse_ctx *ctx = st->ctx;
    struct iec104_tx *tx =
        app_pdu_tx_new(&st->q, ctx, &app_parser_iec104, sizeof(struct iec104_tx), st->dir);
    if (app_frames_on(ctx)) {
        uint64_t off = st->framer[st->dir].pdu_offset;
        int64_t tx_id = tx ? (int64_t)tx->pdu.base.id : -1;
        app_frame_add(ctx, st->dir, off, len, IEC104_FRAME_APDU, tx_id, d, len);
        if (len > 6 && (d[2] & 1) == 0)
            app_frame_add(ctx, st->dir, off + 6, len - 6, IEC104_FRAME_ASDU, tx_id, d + 6,
                          len - 6);
    }
    if (!tx)
        return;
    uint8_t alen = d[1];
    const uint8_t *cf = d + 2;
    if (alen < 4) {
        iec104_event(st, tx, IEC104_EV_INVALID_LENGTH);
        tx->apci = (cf[0] & 1) == 0 ? IEC104_I : (cf[0] & 3);
    } else if ((cf[0] & 1) == 0) {
        tx->apci = IEC104_I;
        tx->tx_seq = (uint16_t)((cf[0] >> 1) | (uint16_t)cf[1] << 7);
        tx->rx_seq = (uint16_t)((cf[2] >> 1) | (uint16_t)cf[3] << 7);
        uint8_t d1 = st->dir;
        if (st->ns_known[d1] && tx->tx_seq != st->ns_next[d1])
            iec104_event(st, tx, IEC104_EV_SEQUENCE_GAP);
        st->ns_known[d1] = true;
        st->ns_next[d1] = (uint16_t)((tx->tx_seq + 1) & 0x7fff);
        iec104_asdu(st, tx, d + 6, len - 6);
    } else if ((cf[0] & 3) == 1) {
        tx->apci = IEC104_S;
        tx->rx_seq = (uint16_t)((cf[2] >> 1) | (uint16_t)cf[3] << 7);
        if (alen != 4 || cf[0] != 1 || cf[1] != 0)
            iec104_event(st, tx, IEC104_EV_INVALID_S_FRAME);
    } else {
        tx->apci = IEC104_U;
        tx->u_func = cf[0] >> 2;
        bool one = tx->u_func && (tx->u_func & (tx->u_func - 1)) == 0;
        if (!one || alen != 4 || cf[1] || cf[2] || cf[3])
            iec104_event(st, tx, IEC104_EV_INVALID_U_FUNCTION);
        /* STARTDT/STOPDT restart the numbering. */
        if (tx->u_func & 0x05)
            st->ns_known[0] = st->ns_known[1] = false;
    }
    app_pdu_tx_log(&st->q, ctx, &tx->pdu, "iec104", iec104_log_body);
    iec104_baseline(ctx, st->dir, tx);
}

/* What a command (a request cause: act, deact, req) asks the outstation. */
static uint8_t iec104_kind(uint8_t t)
{
    if ((t >= 45 && t <= 47) || (t >= 58 && t <= 60) || t == 103 || t == 105)
        return ICS_OP_CONTROL; /* commands, clock synchronisation, reset process */
    if ((t >= 48 && t <= 51) || (t >= 61 && t <= 64) || (t >= 110 && t <= 113) || t == 125)
        return ICS_OP_WRITE;   /* set points, bitstrings, parameters, file segments */
    if (t == 100 || t == 101 || t == 102)
        return ICS_OP_READ;    /* interrogations, read */
    return ICS_OP_OTHER;
}

static void iec104_baseline(struct app_parse_ctx *ctx, uint8_t dir, const struct iec104_tx *tx)
{
    app_baseline_link(ctx, dir, APP_PROTO_IEC104, 2404, &tx->pdu.base);
    if (!tx->has_asdu || tx->asdu_len < 6 || (tx->cot != 5 && tx->cot != 6 && tx->cot != 8) ||
        tx->type_id < 45)
        return;
    struct ics_op op = {
        .proto = APP_PROTO_IEC104,
        .kind = iec104_kind(tx->type_id),
        .function = tx->type_id,
        .function_name = tx->type_id < 128 ? iec104_type_names[tx->type_id] : NULL,
        .space = tx->common_addr,
        .tx = &tx->pdu.base,
    };
    if (tx->nioa) {
        op.has_objects = true;
        op.lo = op.hi = tx->ioa[0];
        for (uint8_t i = 1; i < tx->nioa; i++) {
            if (tx->ioa[i] < op.lo)
                op.lo = tx->ioa[i];
            if (tx->ioa[i] > op.hi)
                op.hi = tx->ioa[i];
        }
    }
    app_baseline_op(ctx, dir, &op);
}

static int64_t iec104_frame_len(const uint8_t *d, uint32_t n, void *user)
{
    (void)n;
    (void)user;
    if (d[0] != IEC104_START || d[1] < 4)
        return APP_FRAME_INVALID;
    return (int64_t)d[1] + 2;
}

static void iec104_on_skip(void *user, bool oversized)
{
    struct iec104_state *st = user;
    (void)oversized;
    iec104_event(st, NULL, IEC104_EV_INVALID_START);
}

static const struct app_framer_ops iec104_framer_ops = {
    .frame_len = iec104_frame_len, .on_pdu = iec104_on_pdu, .on_skip = iec104_on_skip};

static int iec104_parse(void *state, struct app_parse_ctx *ctx, uint8_t direction,
                        const uint8_t *data, uint32_t len, uint32_t flags)
{
    struct iec104_state *st = state;
    st->ctx = ctx;
    st->dir = direction & 1;
    app_pdu_queue_gc(&st->q);
    if (flags & APP_DATA_GAP)
        st->ns_known[st->dir] = false;
    int rc = app_framer_feed(&st->framer[st->dir], ctx, data, len, flags, &iec104_framer_ops, st);
    st->ctx = NULL;
    return rc;
}

/* A frame start that 104 allows: U and S frames are fixed; an I frame needs
 * an ASDU with a defined type id and cause. */
static enum app_probe_result iec104_probe(const uint8_t *d, uint32_t len, uint8_t direction)
{
    (void)direction;
    if (len < 1)
        return APP_PROBE_NEED_MORE;
    if (d[0] != IEC104_START)
        return APP_PROBE_NO;
    if (len < 6)
        return APP_PROBE_NEED_MORE;
    uint8_t alen = d[1];
    if (alen < 4)
        return APP_PROBE_NO;
    const uint8_t *cf = d + 2;
    if ((cf[0] & 3) == 3) {
        uint8_t u = cf[0] >> 2;
        return alen == 4 && u && (u & (u - 1)) == 0 && !cf[1] && !cf[2] && !cf[3]
                   ? APP_PROBE_MATCH
                   : APP_PROBE_NO;
    }
    if ((cf[0] & 3) == 1)
        return alen == 4 && cf[0] == 1 && cf[1] == 0 && !(cf[2] & 1) ? APP_PROBE_MATCH
                                                                    : APP_PROBE_NO;
    if (alen < 10)
        return APP_PROBE_NO;
    if (len < 12)
        return APP_PROBE_NEED_MORE;
    const uint8_t *a = d + 6;
    if (iec104_elem_len(a[0]) == 0 || !iec104_cot_names[a[2] & 0x3f] || (a[1] & 0x7f) == 0)
        return APP_PROBE_NO;
    return APP_PROBE_MATCH;
}

static void *iec104_state_new(struct app_parse_ctx *ctx)
{
    if (!app_memory_reserve(ctx, sizeof(struct iec104_state)))
        return NULL;
    struct iec104_state *st = calloc(1, sizeof(*st));
    if (!st) {
        app_memory_release(ctx, sizeof(struct iec104_state));
        return NULL;
    }
    app_pdu_queue_init(&st->q, ctx, NULL);
    for (int d = 0; d < 2; d++)
        app_framer_init(&st->framer[d], 2, IEC104_APDU_MAX);
    return st;
}

static void iec104_state_free(void *state)
{
    struct iec104_state *st = state;
    if (!st)
        return;
    struct app_layer_thread_ctx *t = st->q.thread;
    app_pdu_queue_free(&st->q);
    for (int d = 0; d < 2; d++)
        app_framer_free(&st->framer[d], t);
    app_thread_memory_release(t, sizeof(*st));
    free(st);
}

static int iec104_tx_foreach(void *state, int (*fn)(struct app_tx *tx, void *user), void *user)
{
    return app_pdu_queue_foreach(&((struct iec104_state *)state)->q, fn, user);
}

static const char *iec104_apci_name(uint8_t apci)
{
    return apci == IEC104_I ? "I" : apci == IEC104_S ? "S" : "U";
}

static void iec104_tx_write_json(const struct app_tx *atx, struct json_writer *w)
{
    const struct iec104_tx *tx = (const struct iec104_tx *)atx;
    json_key_object_begin(w, "iec104");
    json_key_string(w, "apci_type", iec104_apci_name(tx->apci));
    if (tx->apci == IEC104_I)
        json_key_u64(w, "tx", tx->tx_seq);
    if (tx->apci != IEC104_U)
        json_key_u64(w, "rx", tx->rx_seq);
    if (tx->apci == IEC104_U) {
        int bit = -1;
        for (int b = 0; b < 6; b++)
            if (tx->u_func == (1u << b))
                bit = b;
        if (bit >= 0)
            json_key_string(w, "u_function", iec104_u_names[bit]);
        else
            json_key_u64(w, "u_function", tx->u_func);
    }
    if (tx->has_asdu) {
        json_key_object_begin(w, "asdu");
        json_key_u64(w, "type_id", tx->type_id);
        if (tx->type_id < 128 && iec104_type_names[tx->type_id])
            json_key_string(w, "type", iec104_type_names[tx->type_id]);
        if (tx->asdu_len >= 3) {
            json_key_u64(w, "cause_tx", tx->cot);
            if (iec104_cot_names[tx->cot])
                json_key_string(w, "cause", iec104_cot_names[tx->cot]);
            json_key_bool(w, "negative", tx->negative);
            json_key_bool(w, "test", tx->test);
        }
        if (tx->asdu_len >= 4)
            json_key_u64(w, "originator", tx->originator);
        if (tx->asdu_len >= 6)
            json_key_u64(w, "common_addr", tx->common_addr);
        if (tx->asdu_len >= 2) {
            json_key_bool(w, "sq", tx->sq);
            json_key_u64(w, "num_objects", tx->num_objects);
        }
        if (tx->nioa) {
            json_key_array_begin(w, "ioa");
            for (uint8_t i = 0; i < tx->nioa; i++)
                json_u64(w, tx->ioa[i]);
            json_array_end(w);
        }
        json_object_end(w);
    }
    json_object_end(w);
}

static void iec104_log_body(const void *object, struct json_writer *w)
{
    iec104_tx_write_json(object, w);
}

static bool iec104_tx_has_event(const struct app_tx *tx, const char *name)
{
    return app_pdu_has_event(tx, iec104_event_names, IEC104_EV_COUNT, name);
}

/* ---- integer keywords ---- */

enum {
    IEC104_F_TYPEID,
    IEC104_F_COT,
    IEC104_F_APCI,
    IEC104_F_UFUNC,
    IEC104_F_COMMON_ADDR,
    IEC104_F_IOA,
    IEC104_F_ORIGINATOR,
    IEC104_F_NUM_OBJECTS,
    IEC104_F_NEGATIVE,
    IEC104_F_TEST,
    IEC104_F_COUNT,
};

static const struct app_uint_enum iec104_type_enum[] = {
    {"M_SP_NA_1", 1},   {"M_SP_TA_1", 2},   {"M_DP_NA_1", 3},   {"M_DP_TA_1", 4},
    {"M_ST_NA_1", 5},   {"M_ST_TA_1", 6},   {"M_BO_NA_1", 7},   {"M_BO_TA_1", 8},
    {"M_ME_NA_1", 9},   {"M_ME_TA_1", 10},  {"M_ME_NB_1", 11},  {"M_ME_TB_1", 12},
    {"M_ME_NC_1", 13},  {"M_ME_TC_1", 14},  {"M_IT_NA_1", 15},  {"M_IT_TA_1", 16},
    {"M_EP_TA_1", 17},  {"M_EP_TB_1", 18},  {"M_EP_TC_1", 19},  {"M_PS_NA_1", 20},
    {"M_ME_ND_1", 21},  {"M_SP_TB_1", 30},  {"M_DP_TB_1", 31},  {"M_ST_TB_1", 32},
    {"M_BO_TB_1", 33},  {"M_ME_TD_1", 34},  {"M_ME_TE_1", 35},  {"M_ME_TF_1", 36},
    {"M_IT_TB_1", 37},  {"M_EP_TD_1", 38},  {"M_EP_TE_1", 39},  {"M_EP_TF_1", 40},
    {"C_SC_NA_1", 45},  {"C_DC_NA_1", 46},  {"C_RC_NA_1", 47},  {"C_SE_NA_1", 48},
    {"C_SE_NB_1", 49},  {"C_SE_NC_1", 50},  {"C_BO_NA_1", 51},  {"C_SC_TA_1", 58},
    {"C_DC_TA_1", 59},  {"C_RC_TA_1", 60},  {"C_SE_TA_1", 61},  {"C_SE_TB_1", 62},
    {"C_SE_TC_1", 63},  {"C_BO_TA_1", 64},  {"M_EI_NA_1", 70},  {"C_IC_NA_1", 100},
    {"C_CI_NA_1", 101}, {"C_RD_NA_1", 102}, {"C_CS_NA_1", 103}, {"C_TS_NA_1", 104},
    {"C_RP_NA_1", 105}, {"C_CD_NA_1", 106}, {"C_TS_TA_1", 107}, {"P_ME_NA_1", 110},
    {"P_ME_NB_1", 111}, {"P_ME_NC_1", 112}, {"P_AC_NA_1", 113}, {"F_FR_NA_1", 120},
    {"F_SR_NA_1", 121}, {"F_SC_NA_1", 122}, {"F_LS_NA_1", 123}, {"F_AF_NA_1", 124},
    {"F_SG_NA_1", 125}, {"F_DR_TA_1", 126}, {"F_SC_NB_1", 127}, {NULL, 0},
};
static const struct app_uint_enum iec104_cot_enum[] = {
    {"per", 1},          {"cyc", 1},        {"back", 2},       {"spont", 3},
    {"init", 4},         {"req", 5},        {"act", 6},        {"actcon", 7},
    {"deact", 8},        {"deactcon", 9},   {"actterm", 10},   {"retrem", 11},
    {"retloc", 12},      {"file", 13},      {"inrogen", 20},   {"reqcogen", 37},
    {"unknown_type", 44}, {"unknown_cause", 45}, {"unknown_asdu_address", 46},
    {"unknown_ioa", 47}, {NULL, 0},
};
static const struct app_uint_enum iec104_apci_enum[] = {
    {"i", IEC104_I}, {"s", IEC104_S}, {"u", IEC104_U}, {NULL, 0}};
static const struct app_uint_enum iec104_u_enum[] = {
    {"startdt_act", 0x01}, {"startdt_con", 0x02}, {"stopdt_act", 0x04},
    {"stopdt_con", 0x08},  {"testfr_act", 0x10},  {"testfr_con", 0x20}, {NULL, 0}};

static const struct app_uint_field iec104_fields[IEC104_F_COUNT] = {
    [IEC104_F_TYPEID] = {"iec104.typeid", 3, 255, iec104_type_enum, false},
    [IEC104_F_COT] = {"iec104.cot", 3, 63, iec104_cot_enum, false},
    [IEC104_F_APCI] = {"iec104.apci", 3, 3, iec104_apci_enum, false},
    [IEC104_F_UFUNC] = {"iec104.u_function", 3, 63, iec104_u_enum, false},
    [IEC104_F_COMMON_ADDR] = {"iec104.common_addr", 3, 65535, NULL, false},
    [IEC104_F_IOA] = {"iec104.ioa", 3, 0xffffff, NULL, false},
    [IEC104_F_ORIGINATOR] = {"iec104.originator", 3, 255, NULL, false},
    [IEC104_F_NUM_OBJECTS] = {"iec104.num_objects", 3, 127, NULL, false},
    [IEC104_F_NEGATIVE] = {"iec104.negative", 3, 1, NULL, false},
    [IEC104_F_TEST] = {"iec104.test", 3, 1, NULL, false},
};

static int iec104_tx_get_uint(const struct app_tx *atx, uint16_t field, uint32_t index, uint64_t *value,
                              const char **name)
{
    (void)name;
    const struct iec104_tx *tx = (const struct iec104_tx *)atx;
    if (field == IEC104_F_APCI || field == IEC104_F_UFUNC) {
        if (index || (field == IEC104_F_UFUNC && tx->apci != IEC104_U))
            return -ENOENT;
        *value = field == IEC104_F_APCI ? tx->apci : tx->u_func;
        return 0;
    }
    if (!tx->has_asdu)
        return -ENOENT;
    if (field == IEC104_F_IOA) {
        if (index >= tx->nioa)
            return -ENOENT;
        *value = tx->ioa[index];
        return 0;
    }
    if (index)
        return -ENOENT;
    static const uint8_t need[IEC104_F_COUNT] = {
        [IEC104_F_TYPEID] = 1,      [IEC104_F_COT] = 3,         [IEC104_F_COMMON_ADDR] = 6,
        [IEC104_F_ORIGINATOR] = 4,  [IEC104_F_NUM_OBJECTS] = 2, [IEC104_F_NEGATIVE] = 3,
        [IEC104_F_TEST] = 3,
    };
    if (field >= IEC104_F_COUNT || tx->asdu_len < need[field])
        return -ENOENT;
    switch (field) {
    case IEC104_F_TYPEID: *value = tx->type_id; return 0;
    case IEC104_F_COT: *value = tx->cot; return 0;
    case IEC104_F_COMMON_ADDR: *value = tx->common_addr; return 0;
    case IEC104_F_ORIGINATOR: *value = tx->originator; return 0;
    case IEC104_F_NUM_OBJECTS: *value = tx->num_objects; return 0;
    case IEC104_F_NEGATIVE: *value = tx->negative; return 0;
    case IEC104_F_TEST: *value = tx->test; return 0;
    default: return -ENOENT;
    }
}

const struct app_parser app_parser_iec104 = {
    .vigil_only = true,
    .proto = APP_PROTO_IEC104,
    .name = "iec104",
    .ipprotos = APP_IPPROTO_TCP,
    .ports = {2404},
    .probe = iec104_probe,
    .state_new = iec104_state_new,
    .state_free = iec104_state_free,
    .parse = iec104_parse,
    .tx_foreach = iec104_tx_foreach,
    .tx_complete = app_pdu_tx_complete,
    .tx_write_json = iec104_tx_write_json,
    .tx_has_event = iec104_tx_has_event,
    .events_on_packet = true,
    .event_names = iec104_event_names,
    .tx_direction = app_pdu_tx_direction,
    .frame_names = iec104_frame_names,
    .uint_fields = iec104_fields,
    .n_uint_fields = IEC104_F_COUNT,
    .tx_get_field_uint = iec104_tx_get_uint,
};
