/* SPDX-License-Identifier: Apache-2.0 */
/* ISO 9506 MMS (IEC 61850-8-1, ICCP/TASE.2) over the OSI upper layers on
 * ISO-on-TCP (TCP 102): TPKT + COTP (app_cotp.h), ISO 8327 session
 * (CONNECT/ACCEPT/REFUSE/FINISH/DISCONNECT/ABORT parameters, GIVE-TOKENS +
 * DATA-TRANSFER), ISO 8823 presentation (CP/CPA user data, fully encoded
 * data PDV lists), ISO 8650 ACSE (AARQ/AARE/RLRQ/RLRE/ABRT user
 * information) and the MMS PDU: its type, invoke ID, confirmed or
 * unconfirmed service, the initiate parameters, and every domain-specific
 * object name (domain and item) and VMD-specific name it holds.
 *
 * One transaction and one EVE "mms" event per MMS PDU (vigil's shape,
 * ../shared/pcaps/README.md). Limits: BER nesting depth MMS_MAX_DEPTH and
 * MMS_MAX_ELEMENTS elements per PDU when looking for object names; at most
 * MMS_MAX_OBJECTS names per PDU, each up to MMS_NAME_MAX bytes; TSDUs up to
 * APP_COTP_TSDU_MAX. A session SPDU whose parameters overrun it is not
 * decoded further (malformed_session), as is presentation or ACSE data that
 * is not well-formed BER. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/app_baseline.h"
#include "app/app_ber.h"
#include "app/app_cotp.h"
#include "app/app_parser.h"
#include "app/app_pdu.h"
#include "util/json.h"

#define MMS_MAX_DEPTH 24u
#define MMS_MAX_ELEMENTS 8192u
#define MMS_MAX_OBJECTS 64u
#define MMS_NAME_MAX 129u

enum mms_event {
    MMS_EV_BAD_TPKT = 0,
    MMS_EV_BAD_COTP,
    MMS_EV_TSDU_TOO_LONG,
    MMS_EV_OVERSIZED_TPKT,
    MMS_EV_MALFORMED_SESSION,
    MMS_EV_MALFORMED_PRESENTATION,
    MMS_EV_MALFORMED_PDU,
    MMS_EV_DEPTH_LIMIT,
    MMS_EV_TOO_MANY_OBJECTS,
    MMS_EV_TOO_MANY_TX,
    MMS_EV_COUNT,
};
static const char *const mms_event_names[MMS_EV_COUNT + 1] = {
    "invalid_tpkt",          "invalid_cotp",     "tsdu_too_long",
    "oversized_tpkt",        "malformed_session", "malformed_presentation",
    "malformed_pdu",         "nesting_too_deep", "too_many_objects",
    "too_many_transactions",
};

static const char *const mms_pdu_names[14] = {
    "confirmed_request",  "confirmed_response", "confirmed_error",   "unconfirmed",
    "reject",             "cancel_request",     "cancel_response",   "cancel_error",
    "initiate_request",   "initiate_response",  "initiate_error",    "conclude_request",
    "conclude_response",  "conclude_error",
};

static const char *const mms_confirmed_names[78] = {
    "status", "getNameList", "identify", "rename", "read", "write",
    "getVariableAccessAttributes", "defineNamedVariable", "defineScatteredAccess",
    "getScatteredAccessAttributes", "deleteVariableAccess", "defineNamedVariableList",
    "getNamedVariableListAttributes", "deleteNamedVariableList", "defineNamedType",
    "getNamedTypeAttributes", "deleteNamedType", "input", "output", "takeControl",
    "relinquishControl", "defineSemaphore", "deleteSemaphore", "reportSemaphoreStatus",
    "reportPoolSemaphoreStatus", "reportSemaphoreEntryStatus", "initiateDownloadSequence",
    "downloadSegment", "terminateDownloadSequence", "initiateUploadSequence", "uploadSegment",
    "terminateUploadSequence", "requestDomainDownload", "requestDomainUpload",
    "loadDomainContent", "storeDomainContent", "deleteDomain", "getDomainAttributes",
    "createProgramInvocation", "deleteProgramInvocation", "start", "stop", "resume", "reset",
    "kill", "getProgramInvocationAttributes", "obtainFile", "defineEventCondition",
    "deleteEventCondition", "getEventConditionAttributes", "reportEventConditionStatus",
    "alterEventConditionMonitoring", "triggerEvent", "defineEventAction", "deleteEventAction",
    "getEventActionAttributes", "reportEventActionStatus", "defineEventEnrollment",
    "deleteEventEnrollment", "alterEventEnrollment", "reportEventEnrollmentStatus",
    "getEventEnrollmentAttributes", "acknowledgeEventNotification", "getAlarmSummary",
    "getAlarmEnrollmentSummary", "readJournal", "writeJournal", "initializeJournal",
    "reportJournalStatus", "createJournal", "deleteJournal", "getCapabilityList", "fileOpen",
    "fileRead", "fileClose", "fileRename", "fileDelete", "fileDirectory",
};
static const char *const mms_unconfirmed_names[3] = {"informationReport", "unsolicitedStatus",
                                                     "eventNotification"};

enum mms_pdu_type {
    MMS_CONFIRMED_REQUEST = 0,
    MMS_CONFIRMED_RESPONSE = 1,
    MMS_CONFIRMED_ERROR = 2,
    MMS_UNCONFIRMED = 3,
    MMS_REJECT = 4,
    MMS_CANCEL_REQUEST = 5,
    MMS_CANCEL_RESPONSE = 6,
    MMS_CANCEL_ERROR = 7,
    MMS_INITIATE_REQUEST = 8,
    MMS_INITIATE_RESPONSE = 9,
    MMS_INITIATE_ERROR = 10,
    MMS_CONCLUDE_REQUEST = 11,
    MMS_CONCLUDE_RESPONSE = 12,
    MMS_CONCLUDE_ERROR = 13,
};

struct mms_name {
    uint16_t dom_off, dom_len; /* into names; dom_len 0 for a VMD-specific name */
    uint16_t item_off, item_len;
};

struct mms_tx {
    struct app_pdu_tx pdu;
    uint8_t pdu_type;
    bool has_invoke;
    uint32_t invoke_id;
    bool has_service;
    uint32_t service;
    /* initiate */
    bool has_init;
    int64_t local_detail;
    int64_t max_serv_calling, max_serv_called;
    int64_t nesting;
    int64_t version;
    /* confirmed-error / reject: the error class tag and code */
    bool has_error;
    uint32_t error_class, error_code;
    uint16_t nnames, ndomain;
    struct mms_name *names; /* owned */
    char *arena;            /* owned, names' bytes */
    uint32_t arena_len, arena_cap;
};

#define MMS_MAX_CONTEXTS 16u

struct mms_state {
    struct app_cotp_conn c; /* first: transactions, transport, parse context */
    /* Presentation contexts negotiated in CP-type: identifier and whether
     * its abstract syntax is MMS or ACSE. Unknown on sessions picked up
     * after their set-up. */
    bool contexts_known;
    bool guess_contexts; /* app-layer.protocols.mms.midstream */
    uint8_t ncontexts;
    struct {
        int64_t id;
        uint8_t syntax; /* MMS_SYNTAX_* */
    } contexts[MMS_MAX_CONTEXTS];
};

static void mms_event(struct mms_state *st, struct mms_tx *tx, enum mms_event e)
{
    app_pdu_event(st->c.ctx, APP_PROTO_MMS, tx ? &tx->pdu : NULL, &st->c.flow_events,
                  mms_event_names, e);
}

static void mms_log_body(const void *object, struct json_writer *w);

static void mms_tx_free(struct app_pdu_queue *q, struct app_pdu_tx *ptx)
{
    (void)q;
    struct mms_tx *tx = (struct mms_tx *)ptx;
    free(tx->names);
    free(tx->arena);
}

/* ---- object names ---- */

static bool mms_arena_add(struct mms_state *st, struct mms_tx *tx, const uint8_t *s, uint32_t n,
                          uint16_t *off, uint16_t *len)
{
    if (n > MMS_NAME_MAX)
        n = MMS_NAME_MAX;
    if (tx->arena_len + n + 1 > tx->arena_cap) {
        uint32_t cap = tx->arena_cap ? tx->arena_cap * 2 : 256;
        while (cap < tx->arena_len + n + 1)
            cap *= 2;
        if (!app_pdu_tx_reserve(&st->c.q, &tx->pdu, cap - tx->arena_cap))
            return false;
        char *a = realloc(tx->arena, cap);
        if (!a)
            return false; /* the reservation is released with the tx */
        tx->arena = a;
        tx->arena_cap = cap;
    }
    memcpy(tx->arena + tx->arena_len, s, n);
    tx->arena[tx->arena_len + n] = 0;
    *off = (uint16_t)tx->arena_len;
    *len = (uint16_t)n;
    tx->arena_len += n + 1;
    return true;
}

static void mms_add_name(struct mms_state *st, struct mms_tx *tx, const uint8_t *dom,
                         uint32_t dlen, const uint8_t *item, uint32_t ilen)
{
    if (tx->nnames >= MMS_MAX_OBJECTS) {
        mms_event(st, tx, MMS_EV_TOO_MANY_OBJECTS);
        return;
    }
    if (!tx->names) {
        size_t sz = MMS_MAX_OBJECTS * sizeof(struct mms_name);
        if (!app_pdu_tx_reserve(&st->c.q, &tx->pdu, sz))
            return;
        tx->names = calloc(MMS_MAX_OBJECTS, sizeof(struct mms_name));
        if (!tx->names)
            return;
    }
    struct mms_name *nm = &tx->names[tx->nnames];
    memset(nm, 0, sizeof(*nm));
    if (dom && !mms_arena_add(st, tx, dom, dlen, &nm->dom_off, &nm->dom_len))
        return;
    if (!mms_arena_add(st, tx, item, ilen, &nm->item_off, &nm->item_len))
        return;
    tx->nnames++;
    if (dom)
        tx->ndomain++;
    else
        nm->dom_off = UINT16_MAX; /* marks VMD-specific */
}

static bool mms_identifier(const uint8_t *s, uint32_t n)
{
    if (n == 0 || n > MMS_NAME_MAX)
        return false;
    for (uint32_t i = 0; i < n; i++) {
        uint8_t c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '$' || c == '-' || c == '.' || c == '/'))
            return false;
    }
    return true;
}

enum { MMS_SYNTAX_OTHER = 0, MMS_SYNTAX_MMS, MMS_SYNTAX_ACSE };

/* 1.0.9506.2.x (MMS abstract syntaxes) and 2.2.1.0.1 (ACSE). */
static uint8_t mms_syntax_of(const uint8_t *oid, uint32_t n)
{
    static const uint8_t mms[] = {0x28, 0xca, 0x22, 0x02};
    static const uint8_t acse[] = {0x52, 0x01, 0x00, 0x01};
    if (n == 5 && memcmp(oid, mms, 4) == 0)
        return MMS_SYNTAX_MMS;
    if (n == 4 && memcmp(oid, acse, 4) == 0)
        return MMS_SYNTAX_ACSE;
    return MMS_SYNTAX_OTHER;
}

/* presentation-context-definition-list [4]: SEQUENCE OF SEQUENCE {
 * identifier INTEGER, abstract-syntax-name OID, transfer syntaxes }. */
static void mms_context_list(struct mms_state *st, const uint8_t *d, uint32_t n)
{
    st->contexts_known = true;
    st->ncontexts = 0;
    uint32_t off = 0;
    while (off < n) {
        struct ber_tlv item, id, oid;
        if (ber_read(d + off, n - off, &item) != 0)
            return;
        off += item.total;
        if (item.id != 0x30 || ber_read(item.val, item.len, &id) != 0 || id.id != 0x02 ||
            id.total >= item.len ||
            ber_read(item.val + id.total, item.len - id.total, &oid) != 0 || oid.id != 0x06)
            continue;
        int64_t v;
        if (!ber_int(id.val, id.len, &v) || st->ncontexts >= MMS_MAX_CONTEXTS)
            continue;
        st->contexts[st->ncontexts].id = v;
        st->contexts[st->ncontexts].syntax = mms_syntax_of(oid.val, oid.len);
        st->ncontexts++;
    }
}

/* The abstract syntax of a presentation context: known from the set-up,
 * else (mid-session pick-up) unknown, which decodes as nothing unless
 * guessing by content is configured. */
static int mms_context_syntax(const struct mms_state *st, bool have_id, int64_t id)
{
    if (!st->contexts_known)
        return st->guess_contexts ? -1 : MMS_SYNTAX_OTHER;
    if (!have_id)
        return -1;
    for (uint8_t i = 0; i < st->ncontexts; i++)
        if (st->contexts[i].id == id)
            return st->contexts[i].syntax;
    return MMS_SYNTAX_OTHER;
}

struct mms_walk {
    struct mms_state *st;
    struct mms_tx *tx;
    uint32_t elements;
    bool too_deep;
};

/* Finds ObjectNames anywhere below: a domain-specific one is [1] IMPLICIT
 * SEQUENCE { Identifier, Identifier } (two VisibleStrings), a VMD-specific
 * one [0] IMPLICIT Identifier inside the [0] CHOICE of a variable name. */
static void mms_walk(struct mms_walk *wk, const uint8_t *d, uint32_t n, uint32_t depth)
{
    if (depth > MMS_MAX_DEPTH) {
        wk->too_deep = true;
        return;
    }
    uint32_t off = 0;
    while (off < n && wk->elements < MMS_MAX_ELEMENTS) {
        struct ber_tlv t;
        if (ber_read(d + off, n - off, &t) != 0)
            return;
        if (t.id == 0 && t.len == 0)
            return; /* end of contents */
        wk->elements++;
        if (t.constructed) {
            struct ber_tlv a, b;
            if (t.id == 0xa1 && ber_read(t.val, t.len, &a) == 0 && a.id == 0x1a &&
                a.total < t.len && ber_read(t.val + a.total, t.len - a.total, &b) == 0 &&
                b.id == 0x1a && a.total + b.total == t.len) {
                mms_add_name(wk->st, wk->tx, a.val, a.len, b.val, b.len);
            } else if (t.id == 0xa0 && ber_read(t.val, t.len, &a) == 0 && a.id == 0x80 &&
                       a.total == t.len && mms_identifier(a.val, a.len)) {
                mms_add_name(wk->st, wk->tx, NULL, 0, a.val, a.len);
            } else {
                mms_walk(wk, t.val, t.len, depth + 1);
            }
        }
        off += t.total;
    }
}

/* ---- MMS PDU ---- */

static void mms_initiate(struct mms_tx *tx, const uint8_t *d, uint32_t n)
{
    tx->has_init = true;
    tx->local_detail = tx->max_serv_calling = tx->max_serv_called = tx->nesting = -1;
    tx->version = -1;
    uint32_t off = 0;
    while (off < n) {
        struct ber_tlv t;
        if (ber_read(d + off, n - off, &t) != 0)
            return;
        int64_t v;
        if (t.cls == BER_CONTEXT && !t.constructed && ber_int(t.val, t.len, &v)) {
            switch (t.tag) {
            case 0: tx->local_detail = v; break;
            case 1: tx->max_serv_calling = v; break;
            case 2: tx->max_serv_called = v; break;
            case 3: tx->nesting = v; break;
            default: break;
            }
        } else if (t.cls == BER_CONTEXT && t.constructed && t.tag == 4) {
            struct ber_tlv x;
            if (ber_read(t.val, t.len, &x) == 0 && x.cls == BER_CONTEXT && x.tag == 0 &&
                ber_int(x.val, x.len, &v))
                tx->version = v;
        }
        off += t.total;
    }
}

static const char *mms_service_name(const struct mms_tx *tx);

/* What a confirmed service does to the server (ISO 9506 service classes). */
static uint8_t mms_kind(uint32_t s)
{
    switch (s) {
    case 5:  /* write */
    case 7: case 8: case 11: case 14: /* define variables, lists, types */
    case 10: case 13: case 16: case 36: case 39: case 48: case 54: case 58: /* deletes */
    case 26: case 27: case 28: case 32: case 34: /* downloads */
    case 46: case 66: case 67: case 69: case 70: case 75: case 76: /* files, journals */
    case 21: case 22: case 38: case 47: case 53: case 57: case 59: case 51:
        return ICS_OP_WRITE;
    case 40: case 41: case 42: case 43: case 44: /* start, stop, resume, reset, kill */
    case 19: case 20: case 52: case 62: /* semaphores, trigger, acknowledge */
        return ICS_OP_CONTROL;
    case 0: case 1: case 2: case 4: case 6: case 9: case 12: case 15: case 37: case 45:
    case 49: case 55: case 61: case 63: case 64: case 65: case 71: case 72: case 73: case 74:
    case 77: case 29: case 30: case 31: case 33: case 35:
        return ICS_OP_READ;
    default:
        return ICS_OP_OTHER;
    }
}

static uint64_t mms_name_hash(const char *s, uint16_t n)
{
    uint64_t h = 0xcbf29ce484222325ull;
    for (uint16_t i = 0; i < n; i++)
        h = (h ^ (uint8_t)s[i]) * 0x100000001b3ull;
    return h;
}

/* A confirmed request for the behaviour baseline; a write names its
 * variables: each is one operation on object (domain hash, item hash). */
static void mms_baseline(struct mms_state *st, const struct mms_tx *tx)
{
    struct ics_op op = {.proto = APP_PROTO_MMS, .kind = mms_kind(tx->service),
                        .function = tx->service, .function_name = mms_service_name(tx),
                        .tx = &tx->pdu.base};
    if (op.kind == ICS_OP_WRITE && tx->nnames) {
        for (uint16_t i = 0; i < tx->nnames; i++) {
            const struct mms_name *nm = &tx->names[i];
            bool vmd = nm->dom_off == UINT16_MAX;
            op.has_objects = true;
            op.space = vmd ? 0 : (uint32_t)mms_name_hash(tx->arena + nm->dom_off, nm->dom_len);
            op.lo = op.hi = mms_name_hash(tx->arena + nm->item_off, nm->item_len);
            app_baseline_op(st->c.ctx, st->c.dir, &op);
        }
        return;
    }
    app_baseline_op(st->c.ctx, st->c.dir, &op);
}

static void mms_pdu(struct mms_state *st, const struct ber_tlv *pdu)
{
    struct mms_tx *tx =
        app_pdu_tx_new(&st->c.q, st->c.ctx, &app_parser_mms, sizeof(struct mms_tx), st->c.dir);
    if (!tx)
        return;
    tx->pdu_type = (uint8_t)pdu->tag;
    const uint8_t *d = pdu->val;
    uint32_t n = pdu->len;
    uint64_t u;
    struct ber_tlv t;
    switch (pdu->tag) {
    case MMS_CONFIRMED_REQUEST:
    case MMS_CONFIRMED_RESPONSE: {
        if (ber_read(d, n, &t) != 0 || t.id != 0x02 || !ber_uint(t.val, t.len, &u) ||
            u > UINT32_MAX) {
            mms_event(st, tx, MMS_EV_MALFORMED_PDU);
            break;
        }
        tx->has_invoke = true;
        tx->invoke_id = (uint32_t)u;
        uint32_t off = t.total;
        /* listOfModifier (request, SEQUENCE OF Modifier) comes first. */
        if (pdu->tag == MMS_CONFIRMED_REQUEST && off < n && ber_read(d + off, n - off, &t) == 0 &&
            t.id == 0x30)
            off += t.total;
        if (off < n) {
            if (ber_read(d + off, n - off, &t) != 0 || t.cls != BER_CONTEXT) {
                mms_event(st, tx, MMS_EV_MALFORMED_PDU);
                break;
            }
            tx->has_service = true;
            tx->service = t.tag;
            struct mms_walk wk = {.st = st, .tx = tx};
            if (t.constructed)
                mms_walk(&wk, t.val, t.len, 0);
            if (wk.too_deep)
                mms_event(st, tx, MMS_EV_DEPTH_LIMIT);
        }
        break;
    }
    case MMS_CONFIRMED_ERROR:
    case MMS_CANCEL_ERROR: {
        uint32_t off = 0;
        while (off < n && ber_read(d + off, n - off, &t) == 0) {
            if (t.cls == BER_CONTEXT && t.tag == 0 && !t.constructed &&
                ber_uint(t.val, t.len, &u) && u <= UINT32_MAX) {
                tx->has_invoke = true;
                tx->invoke_id = (uint32_t)u;
            } else if (t.cls == BER_CONTEXT && t.constructed &&
                       t.tag == (pdu->tag == MMS_CONFIRMED_ERROR ? 2u : 1u)) {
                /* ServiceError { errorClass [0] CHOICE { class [n] INTEGER } } */
                struct ber_tlv ec, cl;
                if (ber_read(t.val, t.len, &ec) == 0 && ec.cls == BER_CONTEXT && ec.tag == 0 &&
                    ec.constructed && ber_read(ec.val, ec.len, &cl) == 0 &&
                    cl.cls == BER_CONTEXT && ber_uint(cl.val, cl.len, &u)) {
                    tx->has_error = true;
                    tx->error_class = cl.tag;
                    tx->error_code = (uint32_t)u;
                }
            }
            off += t.total;
        }
        break;
    }
    case MMS_UNCONFIRMED:
        if (ber_read(d, n, &t) != 0 || t.cls != BER_CONTEXT) {
            mms_event(st, tx, MMS_EV_MALFORMED_PDU);
            break;
        }
        tx->has_service = true;
        tx->service = t.tag;
        if (t.constructed) {
            struct mms_walk wk = {.st = st, .tx = tx};
            mms_walk(&wk, t.val, t.len, 0);
            if (wk.too_deep)
                mms_event(st, tx, MMS_EV_DEPTH_LIMIT);
        }
        break;
    case MMS_REJECT:
        if (ber_read(d, n, &t) == 0 && t.cls == BER_CONTEXT && t.tag == 0 && !t.constructed &&
            ber_uint(t.val, t.len, &u) && u <= UINT32_MAX) {
            tx->has_invoke = true;
            tx->invoke_id = (uint32_t)u;
            if (t.total < n && ber_read(d + t.total, n - t.total, &t) == 0 &&
                t.cls == BER_CONTEXT && ber_uint(t.val, t.len, &u)) {
                tx->has_error = true;
                tx->error_class = t.tag;
                tx->error_code = (uint32_t)u;
            }
        }
        break;
    case MMS_CANCEL_REQUEST:
    case MMS_CANCEL_RESPONSE:
        if (!pdu->constructed && ber_uint(d, n, &u) && u <= UINT32_MAX) {
            tx->has_invoke = true;
            tx->invoke_id = (uint32_t)u;
        } else {
            mms_event(st, tx, MMS_EV_MALFORMED_PDU);
        }
        break;
    case MMS_INITIATE_REQUEST:
    case MMS_INITIATE_RESPONSE:
        mms_initiate(tx, d, n);
        break;
    default:
        break;
    }
    app_pdu_tx_log(&st->c.q, st->c.ctx, &tx->pdu, "mms", mms_log_body);
    if (tx->pdu_type == MMS_CONFIRMED_REQUEST && tx->has_service)
        mms_baseline(st, tx);
}

/* An element that should be an MMS PDU (the contents of a presentation
 * single-ASN1-type or an ACSE EXTERNAL). */
static void mms_maybe_pdu(struct mms_state *st, const uint8_t *d, uint32_t n, unsigned depth)
{
    struct ber_tlv t;
    if (depth > 2) {
        mms_event(st, NULL, MMS_EV_DEPTH_LIMIT);
        return;
    }
    if (ber_read(d, n, &t) != 0) {
        mms_event(st, NULL, MMS_EV_MALFORMED_PRESENTATION);
        return;
    }
    if (t.cls == BER_CONTEXT && t.tag <= MMS_CONCLUDE_ERROR) {
        mms_pdu(st, &t);
        return;
    }
    if (t.cls != BER_APPLICATION || t.tag > 4 || !t.constructed)
        return; /* another application's PDU */
    /* ACSE AARQ/AARE/RLRQ/RLRE/ABRT: user-information [30] is a SEQUENCE OF
     * EXTERNAL whose single-ASN1-type [0] holds the MMS PDU. */
    uint32_t off = 0;
    while (off < t.len) {
        struct ber_tlv c;
        if (ber_read(t.val + off, t.len - off, &c) != 0) {
            mms_event(st, NULL, MMS_EV_MALFORMED_PRESENTATION);
            return;
        }
        if (c.cls == BER_CONTEXT && c.tag == 30 && c.constructed) {
            uint32_t eo = 0;
            while (eo < c.len) {
                struct ber_tlv ext;
                if (ber_read(c.val + eo, c.len - eo, &ext) != 0)
                    break;
                if (ext.id == 0x28) {
                    uint32_t xo = 0;
                    while (xo < ext.len) {
                        struct ber_tlv x;
                        if (ber_read(ext.val + xo, ext.len - xo, &x) != 0)
                            break;
                        if (x.id == 0xa0)
                            mms_maybe_pdu(st, x.val, x.len, depth + 1);
                        xo += x.total;
                    }
                }
                eo += ext.total;
            }
        }
        off += c.total;
    }
}

/* fully-encoded-data [APPLICATION 1]: PDV lists, each with a context
 * identifier and the presentation data values. */
static void mms_fully_encoded(struct mms_state *st, const uint8_t *d, uint32_t n)
{
    uint32_t off = 0;
    while (off < n) {
        struct ber_tlv pdv;
        if (ber_read(d + off, n - off, &pdv) != 0 || pdv.id != 0x30) {
            mms_event(st, NULL, MMS_EV_MALFORMED_PRESENTATION);
            return;
        }
        uint32_t po = 0;
        bool have_id = false;
        int64_t id = 0;
        while (po < pdv.len) {
            struct ber_tlv x;
            if (ber_read(pdv.val + po, pdv.len - po, &x) != 0) {
                mms_event(st, NULL, MMS_EV_MALFORMED_PRESENTATION);
                break;
            }
            if (x.id == 0x02)
                have_id = ber_int(x.val, x.len, &id);
            if (x.id == 0xa0) { /* single-ASN1-type */
                int syn = mms_context_syntax(st, have_id, id);
                if (syn != MMS_SYNTAX_OTHER)
                    mms_maybe_pdu(st, x.val, x.len, 0);
            }
            po += x.total;
        }
        off += pdv.total;
    }
}

/* Presentation user data: CP/CPA-type (a SET with normal-mode parameters
 * [2] holding the user data) or, in the data phase, fully-encoded-data. */
static void mms_presentation(struct mms_state *st, const uint8_t *d, uint32_t n)
{
    if (n == 0)
        return;
    struct ber_tlv t;
    if (ber_read(d, n, &t) != 0) {
        mms_event(st, NULL, MMS_EV_MALFORMED_PRESENTATION);
        return;
    }
    if (t.id == 0x61) {
        mms_fully_encoded(st, t.val, t.len);
        return;
    }
    if (t.id != 0x31)
        return; /* refuse, abort, typed data: no MMS PDU */
    uint32_t off = 0;
    while (off < t.len) {
        struct ber_tlv c;
        if (ber_read(t.val + off, t.len - off, &c) != 0) {
            mms_event(st, NULL, MMS_EV_MALFORMED_PRESENTATION);
            return;
        }
        if (c.id == 0xa2) {
            uint32_t o2 = 0;
            while (o2 < c.len) {
                struct ber_tlv u;
                if (ber_read(c.val + o2, c.len - o2, &u) != 0) {
                    mms_event(st, NULL, MMS_EV_MALFORMED_PRESENTATION);
                    return;
                }
                if (u.id == 0xa4 && t.id == 0x31)
                    mms_context_list(st, u.val, u.len);
                else if (u.id == 0x61)
                    mms_fully_encoded(st, u.val, u.len);
                o2 += u.total;
            }
        }
        off += c.total;
    }
}

/* Session SPDU parameters: PI/PGI units; user data (PGI 193) and extended
 * user data (194) carry the presentation PPDU. */
static bool mms_session_params(struct mms_state *st, const uint8_t *p, uint32_t n)
{
    uint32_t off = 0;
    while (off < n) {
        if (off + 2 > n)
            return false;
        uint8_t code = p[off];
        uint32_t l = p[off + 1], h = 2;
        if (l == 0xff) {
            if (off + 4 > n)
                return false;
            l = app_rd16be(p + off + 2);
            h = 4;
        }
        if (l > n - off - h)
            return false;
        if (code == 193 || code == 194)
            mms_presentation(st, p + off + h, l);
        off += h + l;
    }
    return true;
}

/* MMS PDU tags: [0]..[13], constructed except the cancel request/response
 * (Unsigned32) and conclude request/response (NULL). */
static bool mms_pdu_tag(uint8_t b)
{
    return (b >= 0xa0 && b <= 0xad) || b == 0x85 || b == 0x86 || b == 0x8b || b == 0x8c;
}

static void mms_on_tsdu(void *user, const uint8_t *d, uint32_t n)
{
    struct mms_state *st = user;
    uint32_t off = 0;
    /* Some stacks (and test tools) put MMS straight into the transport
     * connection, without session and presentation: a TSDU that is one
     * MMS PDU exactly. */
    struct ber_tlv t;
    if (n && mms_pdu_tag(d[0]) && ber_read(d, n, &t) == 0 && t.total == n && t.len > 0) {
        mms_pdu(st, &t);
        return;
    }
    while (off < n) {
        if (off + 2 > n) {
            mms_event(st, NULL, MMS_EV_MALFORMED_SESSION);
            return;
        }
        uint8_t si = d[off];
        uint32_t li = d[off + 1], h = 2;
        if (li == 0xff) {
            if (off + 4 > n) {
                mms_event(st, NULL, MMS_EV_MALFORMED_SESSION);
                return;
            }
            li = app_rd16be(d + off + 2);
            h = 4;
        }
        if (li > n - off - h) {
            mms_event(st, NULL, MMS_EV_MALFORMED_SESSION);
            return;
        }
        const uint8_t *params = d + off + h;
        uint32_t next = off + h + li;
        switch (si) {
        case 1: /* GIVE-TOKENS, then DATA-TRANSFER (both SI 1) */
            if (next < n && d[next] == 1 && off == 0) {
                off = next;
                continue;
            }
            /* DATA-TRANSFER: user information follows the parameters. */
            mms_presentation(st, d + next, n - next);
            return;
        case 13: /* CONNECT */
        case 14: /* ACCEPT */
        case 12: /* REFUSE */
        case 9:  /* FINISH */
        case 10: /* DISCONNECT */
        case 25: /* ABORT */
            if (!mms_session_params(st, params, li)) {
                mms_event(st, NULL, MMS_EV_MALFORMED_SESSION);
                return;
            }
            break;
        default:
            break;
        }
        off = next;
    }
}

static void mms_on_cotp_event(void *user, unsigned e)
{
    mms_event(user, NULL, (enum mms_event)e);
}

static const struct app_cotp_ops mms_cotp_ops = {
    .on_tsdu = mms_on_tsdu,
    .on_event = mms_on_cotp_event,
    .events = {[APP_COTP_EV_BAD_TPKT] = MMS_EV_BAD_TPKT, [APP_COTP_EV_BAD_COTP] = MMS_EV_BAD_COTP,
               [APP_COTP_EV_TSDU_LIMIT] = MMS_EV_TSDU_TOO_LONG,
               [APP_COTP_EV_OVERSIZED] = MMS_EV_OVERSIZED_TPKT},
};

static int mms_parse(void *state, struct app_parse_ctx *ctx, uint8_t direction,
                     const uint8_t *data, uint32_t len, uint32_t flags)
{
    return app_cotp_conn_parse(state, ctx, direction, data, len, flags, &mms_cotp_ops);
}

/* The first data TPDU must start an ISO session SPDU: CONNECT, ACCEPT or,
 * mid-session, GIVE-TOKENS + DATA-TRANSFER with presentation data. */
static enum app_probe_result mms_probe_data(const uint8_t *u, uint32_t avail, uint32_t ulen)
{
    if (mms_pdu_tag(u[0])) {
        struct ber_tlv t;
        if (avail < ulen)
            return APP_PROBE_NEED_MORE;
        return ber_read(u, ulen, &t) == 0 && t.total == ulen && t.len > 0 ? APP_PROBE_MATCH
                                                                           : APP_PROBE_NO;
    }
    switch (u[0]) {
    case 13: case 14: case 12: case 9: case 10: case 25:
        return u[1] >= 1 ? APP_PROBE_MATCH : APP_PROBE_NO;
    case 1:
        if (u[1] == 0 && u[2] == 1 && u[3] == 0) {
            if (avail < 5)
                return APP_PROBE_NEED_MORE;
            return u[4] == 0x61 ? APP_PROBE_MATCH : APP_PROBE_NO;
        }
        return APP_PROBE_NO;
    default:
        return APP_PROBE_NO;
    }
}

static enum app_probe_result mms_probe(const uint8_t *d, uint32_t len, uint8_t direction)
{
    (void)direction;
    return app_cotp_probe_data(d, len, 4, 2, mms_probe_data);
}

static const char *const mms_frame_names[] = {APP_COTP_FRAME_NAMES, NULL};

static void *mms_state_new(struct app_parse_ctx *ctx)
{
    struct mms_state *st = app_cotp_conn_new(ctx, sizeof(*st), mms_tx_free);
    if (st)
        st->guess_contexts = app_parser_config(ctx)->mms_midstream;
    return st;
}

static void mms_state_free(void *state)
{
    app_cotp_conn_free(state, sizeof(struct mms_state));
}

static const char *mms_service_name(const struct mms_tx *tx)
{
    if (tx->pdu_type == MMS_UNCONFIRMED)
        return tx->service < 3 ? mms_unconfirmed_names[tx->service] : NULL;
    return tx->service < 78 ? mms_confirmed_names[tx->service] : NULL;
}

static void mms_tx_write_json(const struct app_tx *atx, struct json_writer *w)
{
    const struct mms_tx *tx = (const struct mms_tx *)atx;
    json_key_object_begin(w, "mms");
    if (tx->pdu_type < 14)
        json_key_string(w, "pdu_type", mms_pdu_names[tx->pdu_type]);
    else
        json_key_u64(w, "pdu_type", tx->pdu_type);
    if (tx->has_invoke)
        json_key_u64(w, "invoke_id", tx->invoke_id);
    if (tx->has_service) {
        const char *sn = mms_service_name(tx);
        if (sn)
            json_key_string(w, "service", sn);
        else
            json_key_u64(w, "service", tx->service);
    }
    if (tx->ndomain) {
        json_key_array_begin(w, "objects");
        for (uint16_t i = 0; i < tx->nnames; i++) {
            const struct mms_name *nm = &tx->names[i];
            if (nm->dom_off == UINT16_MAX)
                continue;
            json_object_begin(w);
            json_key_string_len(w, "domain_id", tx->arena + nm->dom_off, nm->dom_len);
            json_key_string_len(w, "item_id", tx->arena + nm->item_off, nm->item_len);
            json_object_end(w);
        }
        json_array_end(w);
    }
    if (tx->nnames > tx->ndomain) {
        json_key_array_begin(w, "vmd_specific");
        for (uint16_t i = 0; i < tx->nnames; i++) {
            const struct mms_name *nm = &tx->names[i];
            if (nm->dom_off == UINT16_MAX)
                json_write_string_len(w, tx->arena + nm->item_off, nm->item_len);
        }
        json_array_end(w);
    }
    if (tx->has_init) {
        json_key_object_begin(w, "initiate");
        if (tx->local_detail >= 0)
            json_key_i64(w, "local_detail", tx->local_detail);
        if (tx->max_serv_calling >= 0)
            json_key_i64(w, "max_serv_outstanding_calling", tx->max_serv_calling);
        if (tx->max_serv_called >= 0)
            json_key_i64(w, "max_serv_outstanding_called", tx->max_serv_called);
        if (tx->nesting >= 0)
            json_key_i64(w, "data_structure_nesting_level", tx->nesting);
        if (tx->version >= 0)
            json_key_i64(w, "version", tx->version);
        json_object_end(w);
    }
    if (tx->has_error) {
        json_key_object_begin(w, "error");
        json_key_u64(w, "class", tx->error_class);
        json_key_u64(w, "code", tx->error_code);
        json_object_end(w);
    }
    json_object_end(w);
}

static void mms_log_body(const void *object, struct json_writer *w)
{
    mms_tx_write_json(object, w);
}

static bool mms_tx_has_event(const struct app_tx *tx, const char *name)
{
    return app_pdu_has_event(tx, mms_event_names, MMS_EV_COUNT, name);
}

/* mms.domain / mms.item: one instance per domain-specific name (mms.item
 * also has the VMD-specific ones). */
static int mms_tx_get_buffer(const struct app_tx *atx, enum app_buffer buffer, uint32_t index,
                             const uint8_t **data, uint32_t *len)
{
    const struct mms_tx *tx = (const struct mms_tx *)atx;
    if (buffer != APP_BUFFER_MMS_DOMAIN && buffer != APP_BUFFER_MMS_ITEM)
        return -ENOENT;
    uint32_t k = 0;
    for (uint16_t i = 0; i < tx->nnames; i++) {
        const struct mms_name *nm = &tx->names[i];
        bool vmd = nm->dom_off == UINT16_MAX;
        if (buffer == APP_BUFFER_MMS_DOMAIN && vmd)
            continue;
        if (k++ != index)
            continue;
        if (buffer == APP_BUFFER_MMS_DOMAIN) {
            *data = (const uint8_t *)tx->arena + nm->dom_off;
            *len = nm->dom_len;
        } else {
            *data = (const uint8_t *)tx->arena + nm->item_off;
            *len = nm->item_len;
        }
        return 0;
    }
    return -ENOENT;
}

/* ---- integer keywords ---- */

enum { MMS_F_PDU_TYPE, MMS_F_SERVICE, MMS_F_INVOKE_ID, MMS_F_ERROR_CLASS, MMS_F_COUNT };

static const struct app_uint_enum mms_pdu_enum[] = {
    {"confirmed_request", 0},  {"confirmed_response", 1}, {"confirmed_error", 2},
    {"unconfirmed", 3},        {"reject", 4},             {"cancel_request", 5},
    {"cancel_response", 6},    {"cancel_error", 7},       {"initiate_request", 8},
    {"initiate_response", 9},  {"initiate_error", 10},    {"conclude_request", 11},
    {"conclude_response", 12}, {"conclude_error", 13},    {NULL, 0}};

/* Service names as in ISO 9506 (case-insensitive); the unconfirmed ones
 * share numbers 0..2 with status/getNameList/identify and are matched on
 * unconfirmed PDUs. */
static const struct app_uint_enum mms_service_enum[] = {
    {"status", 0}, {"getNameList", 1}, {"identify", 2}, {"rename", 3}, {"read", 4},
    {"write", 5}, {"getVariableAccessAttributes", 6}, {"defineNamedVariable", 7},
    {"defineScatteredAccess", 8}, {"getScatteredAccessAttributes", 9},
    {"deleteVariableAccess", 10}, {"defineNamedVariableList", 11},
    {"getNamedVariableListAttributes", 12}, {"deleteNamedVariableList", 13},
    {"defineNamedType", 14}, {"getNamedTypeAttributes", 15}, {"deleteNamedType", 16},
    {"input", 17}, {"output", 18}, {"takeControl", 19}, {"relinquishControl", 20},
    {"defineSemaphore", 21}, {"deleteSemaphore", 22}, {"initiateDownloadSequence", 26},
    {"downloadSegment", 27}, {"terminateDownloadSequence", 28}, {"initiateUploadSequence", 29},
    {"uploadSegment", 30}, {"terminateUploadSequence", 31}, {"requestDomainDownload", 32},
    {"requestDomainUpload", 33}, {"loadDomainContent", 34}, {"storeDomainContent", 35},
    {"deleteDomain", 36}, {"getDomainAttributes", 37}, {"createProgramInvocation", 38},
    {"deleteProgramInvocation", 39}, {"start", 40}, {"stop", 41}, {"resume", 42},
    {"reset", 43}, {"kill", 44}, {"getProgramInvocationAttributes", 45}, {"obtainFile", 46},
    {"defineEventCondition", 47}, {"deleteEventCondition", 48}, {"triggerEvent", 52},
    {"defineEventEnrollment", 57}, {"deleteEventEnrollment", 58},
    {"acknowledgeEventNotification", 62}, {"getAlarmSummary", 63}, {"readJournal", 65},
    {"writeJournal", 66}, {"initializeJournal", 67}, {"createJournal", 69},
    {"deleteJournal", 70}, {"getCapabilityList", 71}, {"fileOpen", 72}, {"fileRead", 73},
    {"fileClose", 74}, {"fileRename", 75}, {"fileDelete", 76}, {"fileDirectory", 77},
    {"informationReport", 0}, {"unsolicitedStatus", 1}, {"eventNotification", 2}, {NULL, 0}};

static const struct app_uint_field mms_fields[MMS_F_COUNT] = {
    [MMS_F_PDU_TYPE] = {"mms.pdu_type", 3, 13, mms_pdu_enum, false},
    [MMS_F_SERVICE] = {"mms.service", 3, 0xffffff, mms_service_enum, false},
    [MMS_F_INVOKE_ID] = {"mms.invoke_id", 3, UINT32_MAX, NULL, false},
    [MMS_F_ERROR_CLASS] = {"mms.error_class", 3, 255, NULL, false},
};

static int mms_tx_get_uint(const struct app_tx *atx, uint16_t field, uint32_t index, uint64_t *value,
                           const char **name)
{
    (void)name;
    const struct mms_tx *tx = (const struct mms_tx *)atx;
    if (index)
        return -ENOENT;
    switch (field) {
    case MMS_F_PDU_TYPE:
        *value = tx->pdu_type;
        return 0;
    case MMS_F_SERVICE:
        if (!tx->has_service)
            return -ENOENT;
        *value = tx->service;
        return 0;
    case MMS_F_INVOKE_ID:
        if (!tx->has_invoke)
            return -ENOENT;
        *value = tx->invoke_id;
        return 0;
    case MMS_F_ERROR_CLASS:
        if (!tx->has_error)
            return -ENOENT;
        *value = tx->error_class;
        return 0;
    default:
        return -ENOENT;
    }
}

const struct app_parser app_parser_mms = {
    .vigil_only = true,
    .proto = APP_PROTO_MMS,
    .name = "mms",
    .ipprotos = APP_IPPROTO_TCP,
    .ports = {102},
    .probe = mms_probe,
    .state_new = mms_state_new,
    .state_free = mms_state_free,
    .parse = mms_parse,
    .tx_foreach = app_cotp_conn_tx_foreach,
    .frame_names = mms_frame_names,
    .tx_complete = app_pdu_tx_complete,
    .tx_get_buffer = mms_tx_get_buffer,
    .tx_write_json = mms_tx_write_json,
    .tx_has_event = mms_tx_has_event,
    .events_on_packet = true,
    .event_names = mms_event_names,
    .tx_direction = app_pdu_tx_direction,
    .uint_fields = mms_fields,
    .n_uint_fields = MMS_F_COUNT,
    .tx_get_field_uint = mms_tx_get_uint,
};
