/* SPDX-License-Identifier: Apache-2.0 */
/* LDAP (RFC 4511) over TCP and connectionless LDAP over UDP (port 389), as
 * Suricata 8 parses it:
 *
 * - Messages: LDAPMessage (BER, definite lengths): messageID, protocolOp
 *   ([APPLICATION n]) and controls ([0]). Every operation of RFC 4511 is
 *   decoded for the log; a message that does not decode is `invalid_data`
 *   and the parser gives up on the flow, as Suricata's does.
 * - Transactions: one per request; responses join the transaction whose
 *   request has their message id (a search's entries, references and its
 *   done). A response for no request starts its own transaction:
 *   unsolicited notifications (extended responses, message id 0) quietly,
 *   others with `request_not_found`. A transaction is complete at an unbind
 *   request or a final response (bind, search done, modify, add, del,
 *   mod_dn, compare, extended). With more than ldap_max_tx live
 *   transactions the oldest incomplete one is closed with
 *   `too_many_transactions`.
 * - StartTLS: a successful extended response to the StartTLS request
 *   (1.3.6.1.4.1.1466.20037) hands the flow to TLS (tls.from_proto "ldap").
 * - EVE "ldap": {"request": {...}, "responses": [...]}; rule keywords
 *   ldap.request.operation, ldap.responses.operation, ldap.responses.count,
 *   ldap.responses.result_code (integers, with Suricata's names) and the
 *   buffers ldap.request.dn, ldap.responses.dn, ldap.responses.message,
 *   ldap.request.attribute_type, ldap.responses.attribute_type; frame
 *   ldap.pdu (one per message).
 * Limits: a message is at most LDAP_PDU_MAX bytes (longer: invalid_data);
 * a transaction keeps at most LDAP_MAX_RESPONSES responses (later ones are
 * counted in ldap.responses.count, not kept). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "app/app_ber.h"
#include "app/app_ldap.h"
#include "app/app_parser.h"
#include "app/app_txlist.h"
#include "flow/flow.h"
#include "util/json.h"

#define LDAP_PORT 389
#define LDAP_PDU_MAX (4u << 20)
#define LDAP_MAX_RESPONSES 4096u
#define LDAP_MAX_TX 256u
#define LDAP_STARTTLS_OID "1.3.6.1.4.1.1466.20037"

enum ldap_event {
    LDAP_EV_TOO_MANY_TRANSACTIONS = 0,
    LDAP_EV_INVALID_DATA,
    LDAP_EV_REQUEST_NOT_FOUND,
    LDAP_EV_INCOMPLETE_DATA,
    LDAP_EV_COUNT,
};
static const char *const ldap_event_names[LDAP_EV_COUNT + 1] = {
    "too_many_transactions", "invalid_data", "request_not_found", "incomplete_data", NULL};

/* Suricata's names of the operations (enum ldap_op) and result codes. */
static const struct app_uint_enum ldap_op_enum[] = {
    {"bind_request", 0},       {"bind_response", 1},       {"unbind_request", 2},
    {"search_request", 3},     {"search_result_entry", 4}, {"search_result_done", 5},
    {"modify_request", 6},     {"modify_response", 7},     {"add_request", 8},
    {"add_response", 9},       {"del_request", 10},        {"del_response", 11},
    {"mod_dn_request", 12},    {"mod_dn_response", 13},    {"compare_request", 14},
    {"compare_response", 15},  {"abandon_request", 16},    {"search_result_reference", 19},
    {"extended_request", 23},  {"extended_response", 24},  {"intermediate_response", 25},
    {NULL, 0}};

static const struct app_uint_enum ldap_result_enum[] = {
    {"success", 0},
    {"operations_error", 1},
    {"protocol_error", 2},
    {"time_limit_exceeded", 3},
    {"size_limit_exceeded", 4},
    {"compare_false", 5},
    {"compare_true", 6},
    {"auth_method_not_supported", 7},
    {"stronger_auth_required", 8},
    {"referral", 10},
    {"admin_limit_exceeded", 11},
    {"unavailable_critical_extension", 12},
    {"confidentiality_required", 13},
    {"sasl_bind_in_progress", 14},
    {"no_such_attribute", 16},
    {"undefined_attribute_type", 17},
    {"inappropriate_matching", 18},
    {"constraint_violation", 19},
    {"attribute_or_value_exists", 20},
    {"invalid_attribute_syntax", 21},
    {"no_such_object", 32},
    {"alias_problem", 33},
    {"invalid_dns_syntax", 34},
    {"is_leaf", 35},
    {"alias_dereferencing_problem", 36},
    {"inappropriate_authentication", 48},
    {"invalid_credentials", 49},
    {"insufficient_access_rights", 50},
    {"busy", 51},
    {"unavailable", 52},
    {"unwilling_to_perform", 53},
    {"loop_detect", 54},
    {"sort_control_missing", 60},
    {"offset_range_error", 61},
    {"naming_violation", 64},
    {"object_class_violation", 65},
    {"not_allowed_on_non_leaf", 66},
    {"not_allowed_on_rdn", 67},
    {"entry_already_exists", 68},
    {"object_class_mods_prohibited", 69},
    {"results_too_large", 70},
    {"affects_multiple_dsas", 71},
    {"control_error", 76},
    {"other", 80},
    {"server_down", 81},
    {"local_error", 82},
    {"encoding_error", 83},
    {"decoding_error", 84},
    {"timeout", 85},
    {"auth_unknown", 86},
    {"filter_error", 87},
    {"user_canceled", 88},
    {"param_error", 89},
    {"no_memory", 90},
    {"connect_error", 91},
    {"not_supported", 92},
    {"control_not_found", 93},
    {"no_results_returned", 94},
    {"more_results_to_return", 95},
    {"client_loop", 96},
    {"referral_limit_exceeded", 97},
    {"invalid_response", 100},
    {"ambiguous_response", 101},
    {"tls_not_supported", 112},
    {"intermediate_response", 113},
    {"unknown_type", 114},
    {"canceled", 118},
    {"no_such_operation", 119},
    {"too_late", 120},
    {"cannot_cancel", 121},
    {"assertion_failed", 122},
    {"authorization_denied", 123},
    {"e_sync_refresh_required", 4096},
    {"no_operation", 16654},
    {NULL, 0}};

enum {
    LDAP_F_REQUEST_OPERATION,
    LDAP_F_RESPONSES_OPERATION,
    LDAP_F_RESPONSES_COUNT,
    LDAP_F_RESPONSES_RESULT_CODE,
    LDAP_F_COUNT
};
static const struct app_uint_field ldap_fields[LDAP_F_COUNT] = {
    [LDAP_F_REQUEST_OPERATION] = {"ldap.request.operation", 1, 255, ldap_op_enum, false},
    [LDAP_F_RESPONSES_OPERATION] = {"ldap.responses.operation", 2, 255, ldap_op_enum, false},
    [LDAP_F_RESPONSES_COUNT] = {"ldap.responses.count", 2, UINT32_MAX, NULL, false},
    [LDAP_F_RESPONSES_RESULT_CODE] = {"ldap.responses.result_code", 2, UINT32_MAX,
                                      ldap_result_enum, false},
};

static const char *enum_name(const struct app_uint_enum *e, uint64_t v)
{
    for (; e->name; e++)
        if (e->value == v)
            return e->name;
    return NULL;
}

const char *ldap_op_name(uint8_t op)
{
    return enum_name(ldap_op_enum, op);
}

const char *ldap_result_name(uint32_t code)
{
    return enum_name(ldap_result_enum, code);
}

struct ldap_state {
    struct app_layer_thread_ctx *thread;
    struct app_parse_ctx *ctx; /* during a parse call */
    struct app_txlist txs;
    struct app_msgbuf buf[2];
    bool udp;
    bool gap[2];
    bool failed;
    uint16_t switch_to;
    uint8_t feed_dir;
    uint64_t frame_base;
};

extern const struct app_parser app_parser_ldap_tcp;
extern const struct app_parser app_parser_ldap_udp;

/* ------------------------------------------------------------ decoding */

/* Whether the op tag is a request (true) or a response (false). */
static bool ldap_op_is_request(uint8_t op)
{
    switch (op) {
    case LDAP_BIND_REQ:
    case LDAP_UNBIND_REQ:
    case LDAP_SEARCH_REQ:
    case LDAP_MODIFY_REQ:
    case LDAP_ADD_REQ:
    case LDAP_DEL_REQ:
    case LDAP_MODDN_REQ:
    case LDAP_COMPARE_REQ:
    case LDAP_ABANDON_REQ:
    case LDAP_EXTENDED_REQ:
        return true;
    default:
        return false;
    }
}

static bool ldap_op_known(uint8_t op)
{
    return op <= LDAP_ABANDON_REQ || op == LDAP_SEARCH_REF || op == LDAP_EXTENDED_REQ ||
           op == LDAP_EXTENDED_RESP || op == LDAP_INTERMEDIATE_RESP;
}

/* Ops whose contents start with an LDAPResult. */
static bool ldap_op_has_result(uint8_t op)
{
    switch (op) {
    case LDAP_BIND_RESP:
    case LDAP_SEARCH_DONE:
    case LDAP_MODIFY_RESP:
    case LDAP_ADD_RESP:
    case LDAP_DEL_RESP:
    case LDAP_MODDN_RESP:
    case LDAP_COMPARE_RESP:
    case LDAP_EXTENDED_RESP:
        return true;
    default:
        return false;
    }
}

/* Ops that finish a transaction, by direction (Suricata's progress). */
static bool ldap_op_completes(uint8_t op, bool request)
{
    if (request)
        return op == LDAP_UNBIND_REQ;
    return ldap_op_has_result(op);
}

/* A sequence of PartialAttribute / Attribute: SEQUENCE { type, SET OF value }. */
static bool ldap_attr_list_valid(const uint8_t *p, uint32_t n)
{
    struct ber_iter it = ber_iter_make(p, n);
    struct ber_tlv a, v;
    while (ber_next(&it, &a)) {
        if (!a.constructed)
            return false;
        struct ber_iter ai = ber_iter_make(a.val, a.len);
        const uint8_t *s;
        uint32_t sl;
        if (!ldap_octets(&ai, &s, &sl) || !ber_next(&ai, &v) || !v.constructed)
            return false;
        struct ber_iter vi = ber_iter_make(v.val, v.len);
        while (ldap_octets(&vi, &s, &sl))
            ;
        if (vi.bad || vi.n)
            return false;
    }
    return !it.bad;
}

/* Checks the op's contents against RFC 4511 (the fields the log and the
 * keywords read); fills the result of result-bearing responses. */
static bool ldap_op_valid(struct ldap_msg *m, bool constructed)
{
    struct ber_iter it = ldap_body(m);
    const uint8_t *s;
    uint32_t n, u;
    bool b;
    struct ber_tlv t;
    if (ldap_op_has_result(m->op)) {
        struct ldap_result r;
        if (!constructed || !ldap_result(&it, &r))
            return false;
        m->has_result = true;
        m->result_code = r.code;
        return !it.bad;
    }
    switch (m->op) {
    case LDAP_UNBIND_REQ:
        return !constructed && m->body_len == 0;
    case LDAP_DEL_REQ:
        return !constructed;
    case LDAP_ABANDON_REQ: {
        uint64_t v;
        return !constructed && ber_uint(m->body, m->body_len, &v);
    }
    case LDAP_BIND_REQ:
        return constructed && ldap_uint(&it, 2, &u) && ldap_octets(&it, &s, &n) &&
               ber_next(&it, &t) && t.cls == BER_CONTEXT;
    case LDAP_SEARCH_REQ:
        if (!constructed || !ldap_octets(&it, &s, &n) || !ldap_uint(&it, 10, &u) ||
            !ldap_uint(&it, 10, &u) || !ldap_uint(&it, 2, &u) || !ldap_uint(&it, 2, &u) ||
            !ldap_bool(&it, &b) || !ber_next(&it, &t) || t.cls != BER_CONTEXT ||
            !ber_next(&it, &t) || !t.constructed)
            return false;
        {
            struct ber_iter ai = ber_iter_make(t.val, t.len);
            while (ldap_octets(&ai, &s, &n))
                ;
            return !ai.bad && ai.n == 0;
        }
    case LDAP_SEARCH_ENTRY:
        return constructed && ldap_octets(&it, &s, &n) && ber_next(&it, &t) && t.constructed &&
               ldap_attr_list_valid(t.val, t.len);
    case LDAP_SEARCH_REF:
        if (!constructed)
            return false;
        while (ldap_octets(&it, &s, &n))
            ;
        return !it.bad && it.n == 0;
    case LDAP_MODIFY_REQ:
        if (!constructed || !ldap_octets(&it, &s, &n) || !ber_next(&it, &t) || !t.constructed)
            return false;
        {
            struct ber_iter ci = ber_iter_make(t.val, t.len);
            struct ber_tlv c, a;
            while (ber_next(&ci, &c)) {
                struct ber_iter x = ber_iter_make(c.val, c.len);
                if (!c.constructed || !ldap_uint(&x, 10, &u) || !ber_next(&x, &a) ||
                    !a.constructed || !ldap_attr_list_valid(x.p - a.total, a.total))
                    return false;
            }
            return !ci.bad;
        }
    case LDAP_ADD_REQ:
        return constructed && ldap_octets(&it, &s, &n) && ber_next(&it, &t) && t.constructed &&
               ldap_attr_list_valid(t.val, t.len);
    case LDAP_MODDN_REQ:
        return constructed && ldap_octets(&it, &s, &n) && ldap_octets(&it, &s, &n) &&
               ldap_bool(&it, &b);
    case LDAP_COMPARE_REQ: {
        if (!constructed || !ldap_octets(&it, &s, &n) || !ber_next(&it, &t) || !t.constructed)
            return false;
        struct ber_iter ai = ber_iter_make(t.val, t.len);
        return ldap_octets(&ai, &s, &n) && ldap_octets(&ai, &s, &n);
    }
    case LDAP_EXTENDED_REQ:
        return constructed && ber_next(&it, &t) && t.cls == BER_CONTEXT && t.tag == 0 &&
               !t.constructed;
    case LDAP_INTERMEDIATE_RESP:
        if (!constructed)
            return false;
        while (ber_next(&it, &t))
            if (t.cls != BER_CONTEXT)
                return false;
        return !it.bad;
    default:
        return false;
    }
}

/* Length of the LDAPMessage at the start of p: > 0 the whole length, 0 more
 * bytes are needed, -1 not an LDAPMessage (or longer than LDAP_PDU_MAX). */
static int64_t ldap_pdu_len(const uint8_t *p, uint32_t n)
{
    if (n < 1)
        return 0;
    if (p[0] != 0x30)
        return -1;
    if (n < 2)
        return 0;
    uint32_t len, hdr;
    if (p[1] < 0x80) {
        len = p[1];
        hdr = 2;
    } else {
        uint32_t k = p[1] & 0x7f;
        if (k == 0 || k > 4)
            return -1; /* indefinite lengths are not LDAP */
        if (n < 2 + k)
            return 0;
        len = 0;
        for (uint32_t i = 0; i < k; i++)
            len = len << 8 | p[2 + i];
        hdr = 2 + k;
    }
    if (len > LDAP_PDU_MAX - hdr)
        return -1;
    return (int64_t)hdr + len;
}

/* Decodes the whole message in p (exactly len bytes, from ldap_pdu_len) into
 * a new struct ldap_msg; NULL when malformed (*bad) or out of memory. */
static struct ldap_msg *ldap_msg_decode(struct ldap_state *st, const uint8_t *p, uint32_t len,
                                        bool *bad)
{
    *bad = false;
    struct ber_tlv seq, op, t;
    if (ber_read(p, len, &seq) != 0 || seq.total != len || !seq.constructed)
        goto bad;
    struct ber_iter it = ber_iter_make(seq.val, seq.len);
    uint32_t id;
    if (!ldap_uint(&it, 2, &id) || id > INT32_MAX || !ber_next(&it, &op) ||
        op.cls != BER_APPLICATION || op.tag > 255 || !ldap_op_known((uint8_t)op.tag))
        goto bad;
    const uint8_t *controls = NULL;
    uint32_t controls_len = 0;
    if (ber_next(&it, &t)) {
        if (t.cls != BER_CONTEXT || t.tag != 0 || !t.constructed)
            goto bad;
        controls = t.val;
        controls_len = t.len;
    }
    if (it.bad || it.n)
        goto bad;
    size_t size = sizeof(struct ldap_msg) + len;
    if (!app_thread_memory_reserve(st->thread, size))
        return NULL;
    struct ldap_msg *m = malloc(size);
    if (!m) {
        app_thread_memory_release(st->thread, size);
        return NULL;
    }
    memset(m, 0, sizeof(*m));
    memcpy(m->raw, p, len);
    m->len = len;
    m->id = id;
    m->op = (uint8_t)op.tag;
    m->body = m->raw + (op.val - p);
    m->body_len = op.len;
    if (controls) {
        m->controls = m->raw + (controls - p);
        m->controls_len = controls_len;
    }
    if (!ldap_op_valid(m, op.constructed)) {
        free(m);
        app_thread_memory_release(st->thread, size);
        goto bad;
    }
    return m;
bad:
    *bad = true;
    return NULL;
}

static void ldap_msg_free(struct ldap_state *st, struct ldap_msg *m)
{
    if (!m)
        return;
    app_thread_memory_release(st->thread, sizeof(*m) + m->len);
    free(m);
}

/* ------------------------------------------------------------ transactions */

static struct ldap_tx *ldap_first(struct ldap_state *st)
{
    return (struct ldap_tx *)st->txs.head;
}

static struct ldap_tx *ldap_next(struct ldap_tx *tx)
{
    return (struct ldap_tx *)tx->lt.next;
}

static void ldap_tx_free(struct app_list_tx *ltx, void *user)
{
    struct ldap_state *st = user;
    struct ldap_tx *tx = (struct ldap_tx *)ltx;
    ldap_msg_free(st, tx->request);
    for (uint32_t i = 0; i < tx->nresp; i++)
        ldap_msg_free(st, tx->responses[i]);
    free(tx->responses);
    if (tx->alloc)
        app_thread_memory_release(st->thread, tx->alloc);
}

static void ldap_event(struct ldap_state *st, struct ldap_tx *tx, enum ldap_event e)
{
    if (tx)
        tx->events |= 1u << e;
    if (st->ctx)
        app_parser_anomaly(st->ctx, APP_PROTO_LDAP, ldap_event_names[e]);
}

static const struct app_parser *ldap_parser(const struct ldap_state *st)
{
    return st->udp ? &app_parser_ldap_udp : &app_parser_ldap_tcp;
}

static struct ldap_tx *ldap_tx_new(struct ldap_state *st)
{
    uint32_t max = st->ctx ? app_parser_config(st->ctx)->ldap_max_tx : LDAP_MAX_TX;
    if (max == 0)
        max = LDAP_MAX_TX;
    if (st->txs.live >= max) {
        /* Suricata closes the oldest transaction still open. */
        for (struct ldap_tx *o = ldap_first(st); o; o = ldap_next(o)) {
            if (!o->complete) {
                o->complete = true;
                ldap_event(st, o, LDAP_EV_TOO_MANY_TRANSACTIONS);
                break;
            }
        }
    }
    struct ldap_tx *tx = app_txlist_new(&st->txs, ldap_parser(st), sizeof(*tx));
    if (tx && st->ctx)
        app_parser_count_tx(st->ctx, APP_PROTO_LDAP);
    return tx;
}

static bool ldap_add_response(struct ldap_state *st, struct ldap_tx *tx, struct ldap_msg *m)
{
    tx->resp_total++;
    if (tx->nresp >= LDAP_MAX_RESPONSES) {
        ldap_msg_free(st, m);
        return true;
    }
    if (tx->nresp == tx->cap_resp) {
        uint32_t cap = tx->cap_resp ? tx->cap_resp * 2 : 4;
        size_t grow = (size_t)(cap - tx->cap_resp) * sizeof(*tx->responses);
        if (!app_thread_memory_reserve(st->thread, grow))
            goto fail;
        struct ldap_msg **r = realloc(tx->responses, cap * sizeof(*r));
        if (!r) {
            app_thread_memory_release(st->thread, grow);
            goto fail;
        }
        tx->responses = r;
        tx->cap_resp = cap;
        tx->alloc += grow;
    }
    tx->responses[tx->nresp++] = m;
    tx->base.changes++; /* detection looks at the transaction again */
    return true;
fail:
    ldap_msg_free(st, m);
    return false;
}

static bool ldap_oid_is(const uint8_t *s, uint32_t n, const char *oid)
{
    return n == strlen(oid) && memcmp(s, oid, n) == 0;
}

/* The StartTLS request's name, when the request is one. */
static bool ldap_is_starttls(const struct ldap_msg *req)
{
    if (!req || req->op != LDAP_EXTENDED_REQ)
        return false;
    struct ber_iter it = ldap_body(req);
    struct ber_tlv t;
    return ber_next(&it, &t) && ldap_oid_is(t.val, t.len, LDAP_STARTTLS_OID);
}

/* Handles one decoded message; returns the transaction it went to (for its
 * frame), or NULL. */
static struct ldap_tx *ldap_handle(struct ldap_state *st, struct ldap_msg *m, uint8_t wire)
{
    struct ldap_tx *tx = NULL;
    bool to_server = wire == 0;
    if (to_server) {
        tx = ldap_tx_new(st);
        if (!tx) {
            ldap_msg_free(st, m);
            return NULL;
        }
        tx->request = m;
        tx->complete = ldap_op_completes(m->op, true);
        return tx;
    }
    for (struct ldap_tx *t = ldap_first(st); t; t = ldap_next(t)) {
        if (t->request && t->request->id == m->id) {
            tx = t;
            break;
        }
    }
    bool orphan = !tx;
    if (orphan) {
        tx = ldap_tx_new(st);
        if (!tx) {
            ldap_msg_free(st, m);
            return NULL;
        }
        tx->complete = true;
        /* An extended response for no request is an unsolicited
         * notification (RFC 4511 4.4), not an anomaly. */
        if (m->op != LDAP_EXTENDED_RESP)
            ldap_event(st, tx, LDAP_EV_REQUEST_NOT_FOUND);
    } else {
        tx->complete = ldap_op_completes(m->op, false);
    }
    uint8_t op = m->op;
    uint32_t code = m->result_code;
    if (!ldap_add_response(st, tx, m))
        return tx;
    if (!orphan && op == LDAP_EXTENDED_RESP && code == 0 && ldap_is_starttls(tx->request) &&
        !st->udp)
        st->switch_to = APP_PROTO_TLS;
    return tx;
}

/* ------------------------------------------------------------ parsing */

/* Frames: one "pdu" per message. Suricata numbers LDAP frames' transactions
 * from 1 (its internal transaction id), so that is what frame.tx_id says. */
enum { LDAP_FRAME_PDU };
static const char *const ldap_frame_names[] = {"pdu", NULL};

static void ldap_frame(struct ldap_state *st, uint8_t wire, uint64_t off, const uint8_t *d,
                       uint32_t len, const struct ldap_tx *tx)
{
    if (!app_frames_on(st->ctx))
        return;
    app_frame_add(st->ctx, wire, off, len, LDAP_FRAME_PDU, tx ? (int64_t)tx->base.id : -1, d,
                  len);
}

static void ldap_invalid(struct ldap_state *st)
{
    struct ldap_tx *last = (struct ldap_tx *)st->txs.tail;
    ldap_event(st, last, LDAP_EV_INVALID_DATA);
    st->failed = true;
}

static uint32_t ldap_consume(void *user, const uint8_t *p, uint32_t n)
{
    struct ldap_state *st = user;
    uint8_t d = st->feed_dir;
    uint32_t pos = 0;
    while (pos < n && !st->switch_to) {
        int64_t l = ldap_pdu_len(p + pos, n - pos);
        if (l < 0) {
            ldap_invalid(st);
            return UINT32_MAX;
        }
        if (l == 0 || (uint64_t)l > n - pos)
            break;
        bool bad;
        struct ldap_msg *m = ldap_msg_decode(st, p + pos, (uint32_t)l, &bad);
        if (bad) {
            ldap_invalid(st);
            return UINT32_MAX;
        }
        struct ldap_tx *tx = m ? ldap_handle(st, m, d) : NULL;
        ldap_frame(st, d, st->frame_base - st->buf[d].held + pos, p + pos, (uint32_t)l, tx);
        pos += (uint32_t)l;
    }
    return pos;
}

static void ldap_log_body(const void *object, struct json_writer *w);

static void ldap_log_ready(struct ldap_state *st, bool all)
{
    if (!st->ctx)
        return;
    for (struct ldap_tx *tx = ldap_first(st); tx; tx = ldap_next(tx)) {
        if (tx->base.logged || (!all && !tx->complete))
            continue;
        tx->base.logged = true;
        app_parser_log(st->ctx, "ldap", 0, ldap_log_body, tx);
    }
}

/* One datagram: a request holds one message, a response one or more. */
static int ldap_parse_udp(struct ldap_state *st, uint8_t d, const uint8_t *data, uint32_t len,
                          uint64_t off)
{
    uint32_t pos = 0;
    while (pos < len) {
        int64_t l = ldap_pdu_len(data + pos, len - pos);
        if (l == 0 || (l > 0 && (uint64_t)l > len - pos)) {
            ldap_event(st, (struct ldap_tx *)st->txs.tail, LDAP_EV_INCOMPLETE_DATA);
            return -1;
        }
        bool bad = l < 0;
        struct ldap_msg *m = bad ? NULL : ldap_msg_decode(st, data + pos, (uint32_t)l, &bad);
        if (bad) {
            ldap_invalid(st);
            return -1;
        }
        struct ldap_tx *tx = m ? ldap_handle(st, m, d) : NULL;
        ldap_frame(st, d, off + pos, data + pos, (uint32_t)l, tx);
        pos += (uint32_t)l;
        if (tx && tx->request && !tx->nresp)
            break; /* one request per datagram */
    }
    return 0;
}

static int ldap_parse(void *state, struct app_parse_ctx *ctx, uint8_t direction,
                      const uint8_t *data, uint32_t len, uint32_t flags)
{
    struct ldap_state *st = state;
    uint8_t d = direction & 1;
    int rc = 0;
    st->ctx = ctx;
    app_txlist_free_done(&st->txs, sizeof(struct ldap_tx), ldap_tx_free, st);
    if (st->failed || st->switch_to)
        goto out;
    if (st->udp) {
        if (data && len)
            rc = ldap_parse_udp(st, d, data, len, ctx->stream_offset);
        goto out;
    }
    if (flags & APP_DATA_GAP) {
        st->gap[d] = true;
        app_msgbuf_reset(&st->buf[d]);
        goto out;
    }
    if (!data || !len)
        goto out;
    if (st->gap[d]) {
        /* After a gap, parsing resumes only at a chunk that starts with a
         * whole, valid message (Suricata gives up otherwise). */
        int64_t l = ldap_pdu_len(data, len);
        bool bad = true;
        if (l > 0 && (uint64_t)l <= len) {
            struct ldap_msg *m = ldap_msg_decode(st, data, (uint32_t)l, &bad);
            ldap_msg_free(st, m);
        }
        if (bad) {
            st->failed = true;
            rc = -1;
            goto out;
        }
        st->gap[d] = false;
    }
    st->feed_dir = d;
    st->frame_base = ctx->stream_offset;
    rc = app_msgbuf_feed(&st->buf[d], st->thread, data, len, ldap_consume, st);
    if (rc)
        st->failed = true;
out:
    ldap_log_ready(st, false);
    st->ctx = NULL;
    return rc;
}

/* Requests to the server, responses to the client: data that only fits the
 * other side (a capture picked up with a server's notice) lets the
 * framework reverse the flow, as Suricata's probe does. */
static enum app_probe_result ldap_probe(const uint8_t *data, uint32_t len, uint8_t direction)
{
    int64_t l = ldap_pdu_len(data, len);
    if (l < 0)
        return APP_PROBE_NO;
    /* The header up to the op tag decides early; the whole message must
     * decode when it is there. */
    if (l == 0 || (uint64_t)l > len) {
        struct ber_tlv t;
        uint32_t hdr = len >= 2 ? (data[1] < 0x80 ? 2u : 2u + (data[1] & 0x7fu)) : 2;
        if (len < hdr + 3)
            return APP_PROBE_NEED_MORE;
        /* messageID INTEGER, then an [APPLICATION n] op tag */
        if (data[hdr] != 0x02)
            return APP_PROBE_NO;
        if (ber_read(data + hdr, len - hdr, &t) != 0) {
            uint32_t il = data[hdr + 1];
            if (il == 0 || il > 4)
                return APP_PROBE_NO;
            return APP_PROBE_NEED_MORE;
        }
        if (t.len == 0 || t.len > 4 || hdr + t.total >= len)
            return t.len == 0 || t.len > 4 ? APP_PROBE_NO : APP_PROBE_NEED_MORE;
        uint8_t op = data[hdr + t.total];
        if ((op & 0xc0) != 0x40 || !ldap_op_known(op & 0x1f) ||
            ldap_op_is_request(op & 0x1f) != (direction == 0))
            return APP_PROBE_NO;
        return APP_PROBE_NEED_MORE;
    }
    struct ber_tlv seq, id, op;
    if (ber_read(data, (uint32_t)l, &seq) != 0)
        return APP_PROBE_NO;
    struct ber_iter it = ber_iter_make(seq.val, seq.len);
    uint64_t v;
    if (!ber_next_prim(&it, 2, &id) || !ber_uint(id.val, id.len, &v) || !ber_next(&it, &op) ||
        op.cls != BER_APPLICATION || op.tag > 255 || !ldap_op_known((uint8_t)op.tag) ||
        ldap_op_is_request((uint8_t)op.tag) != (direction == 0))
        return APP_PROBE_NO;
    return APP_PROBE_MATCH;
}

static void *ldap_state_new(struct app_parse_ctx *ctx)
{
    if (!app_memory_reserve(ctx, sizeof(struct ldap_state)))
        return NULL;
    struct ldap_state *st = calloc(1, sizeof(*st));
    if (!st) {
        app_memory_release(ctx, sizeof(struct ldap_state));
        return NULL;
    }
    st->thread = ctx->thread;
    app_txlist_init(&st->txs, ctx->thread);
    st->udp = ctx->flow && ctx->flow->key.proto == 17;
    return st;
}

static void ldap_state_free(void *state)
{
    struct ldap_state *st = state;
    if (!st)
        return;
    app_txlist_free_all(&st->txs, sizeof(struct ldap_tx), ldap_tx_free, st);
    for (int d = 0; d < 2; d++)
        app_msgbuf_free(&st->buf[d], st->thread);
    app_thread_memory_release(st->thread, sizeof(*st));
    free(st);
}

static void ldap_flow_end(void *state, struct app_parse_ctx *ctx)
{
    struct ldap_state *st = state;
    st->ctx = ctx;
    ldap_log_ready(st, true);
    st->ctx = NULL;
}

static uint16_t ldap_switch_proto(void *state)
{
    return ((struct ldap_state *)state)->switch_to;
}

static int ldap_tx_foreach(void *state, int (*fn)(struct app_tx *tx, void *user), void *user)
{
    struct ldap_state *st = state;
    return app_txlist_foreach(&st->txs, fn, user);
}

static bool ldap_tx_complete(const struct app_tx *atx, uint8_t direction)
{
    const struct ldap_tx *tx = (const struct ldap_tx *)atx;
    if (tx->complete)
        return true;
    return direction == 0 && tx->request != NULL;
}

static bool ldap_tx_has_event(const struct app_tx *atx, const char *name)
{
    const struct ldap_tx *tx = (const struct ldap_tx *)atx;
    for (int e = 0; e < LDAP_EV_COUNT; e++)
        if ((tx->events & (1u << e)) && strcasecmp(ldap_event_names[e], name) == 0)
            return true;
    return false;
}

/* ------------------------------------------------------------ keywords */

static int ldap_tx_get_uint(const struct app_tx *atx, uint16_t field, uint32_t index,
                            uint64_t *value, const char **name)
{
    const struct ldap_tx *tx = (const struct ldap_tx *)atx;
    *name = NULL;
    switch (field) {
    case LDAP_F_REQUEST_OPERATION:
        if (index || !tx->request)
            return -ENOENT;
        *value = tx->request->op;
        *name = enum_name(ldap_op_enum, *value);
        return 0;
    case LDAP_F_RESPONSES_OPERATION:
        if (index >= tx->nresp)
            return -ENOENT;
        *value = tx->responses[index]->op;
        *name = enum_name(ldap_op_enum, *value);
        return 0;
    case LDAP_F_RESPONSES_COUNT:
        if (index)
            return -ENOENT;
        *value = tx->resp_total;
        return 0;
    case LDAP_F_RESPONSES_RESULT_CODE: {
        /* the result codes of the responses that carry one, in order */
        uint32_t k = 0;
        for (uint32_t i = 0; i < tx->nresp; i++) {
            if (!tx->responses[i]->has_result)
                continue;
            if (k++ == index) {
                *value = tx->responses[i]->result_code;
                *name = enum_name(ldap_result_enum, *value);
                return 0;
            }
        }
        return -ENOENT;
    }
    default:
        return -ENOENT;
    }
}

/* The DN a request names (bind name, search base, modify object, add
 * entry, del dn, mod_dn entry, compare entry). */
static bool ldap_request_dn(const struct ldap_msg *m, const uint8_t **d, uint32_t *n)
{
    struct ber_iter it = ldap_body(m);
    uint32_t u;
    switch (m->op) {
    case LDAP_DEL_REQ:
        *d = m->body;
        *n = m->body_len;
        return true;
    case LDAP_BIND_REQ:
        return ldap_uint(&it, 2, &u) && ldap_octets(&it, d, n);
    case LDAP_SEARCH_REQ:
    case LDAP_MODIFY_REQ:
    case LDAP_ADD_REQ:
    case LDAP_MODDN_REQ:
    case LDAP_COMPARE_REQ:
        return ldap_octets(&it, d, n);
    default:
        return false;
    }
}

/* The index-th attribute type in a list of (Partial)Attributes. */
static bool ldap_attr_type_at(const uint8_t *p, uint32_t n, uint32_t *index, const uint8_t **d,
                              uint32_t *len)
{
    struct ber_iter it = ber_iter_make(p, n);
    struct ber_tlv a;
    while (ber_next(&it, &a)) {
        struct ber_iter ai = ber_iter_make(a.val, a.len);
        const uint8_t *s;
        uint32_t sl;
        if (!ldap_octets(&ai, &s, &sl))
            return false;
        if ((*index)-- == 0) {
            *d = s;
            *len = sl;
            return true;
        }
    }
    return false;
}

/* The index-th attribute type a request names: search attributes, add
 * attribute types, modify changes' types, the compared attribute. */
static bool ldap_request_attr(const struct ldap_msg *m, uint32_t index, const uint8_t **d,
                              uint32_t *n)
{
    struct ber_iter it = ldap_body(m);
    struct ber_tlv t;
    const uint8_t *s;
    uint32_t sl;
    switch (m->op) {
    case LDAP_SEARCH_REQ:
        for (int i = 0; i < 8; i++) /* base .. filter, then the attributes */
            if (!ber_next(&it, &t))
                return false;
        it = ber_iter_make(t.val, t.len);
        for (uint32_t i = 0; ldap_octets(&it, &s, &sl); i++)
            if (i == index) {
                *d = s;
                *n = sl;
                return true;
            }
        return false;
    case LDAP_ADD_REQ:
        if (!ldap_octets(&it, &s, &sl) || !ber_next(&it, &t))
            return false;
        return ldap_attr_type_at(t.val, t.len, &index, d, n);
    case LDAP_MODIFY_REQ: {
        if (!ldap_octets(&it, &s, &sl) || !ber_next(&it, &t))
            return false;
        struct ber_iter ci = ber_iter_make(t.val, t.len);
        struct ber_tlv c, a;
        uint32_t u;
        while (ber_next(&ci, &c)) {
            struct ber_iter x = ber_iter_make(c.val, c.len);
            if (!ldap_uint(&x, 10, &u) || !ber_next(&x, &a))
                return false;
            struct ber_iter ai = ber_iter_make(a.val, a.len);
            if (!ldap_octets(&ai, &s, &sl))
                return false;
            if (index-- == 0) {
                *d = s;
                *n = sl;
                return true;
            }
        }
        return false;
    }
    case LDAP_COMPARE_REQ:
        if (index || !ldap_octets(&it, &s, &sl) || !ber_next(&it, &t))
            return false;
        it = ber_iter_make(t.val, t.len);
        return ldap_octets(&it, d, n);
    default:
        return false;
    }
}

static int ldap_tx_get_buffer(const struct app_tx *atx, enum app_buffer buffer, uint32_t index,
                              const uint8_t **data, uint32_t *len)
{
    const struct ldap_tx *tx = (const struct ldap_tx *)atx;
    uint32_t i = index & ~(APP_BUFFER_INDEX_TOCLIENT | APP_BUFFER_INDEX_TOSERVER);
    switch (buffer) {
    case APP_BUFFER_LDAP_REQUEST_DN:
        if (i || !tx->request || !ldap_request_dn(tx->request, data, len))
            return -ENOENT;
        return 0;
    case APP_BUFFER_LDAP_REQUEST_ATTRIBUTE_TYPE:
        if (!tx->request || !ldap_request_attr(tx->request, i, data, len))
            return -ENOENT;
        return 0;
    case APP_BUFFER_LDAP_RESPONSES_DN:
    case APP_BUFFER_LDAP_RESPONSES_MESSAGE: {
        /* search entries' object names and results' matched DN / message */
        bool want_dn = buffer == APP_BUFFER_LDAP_RESPONSES_DN;
        uint32_t k = 0;
        for (uint32_t r = 0; r < tx->nresp; r++) {
            const struct ldap_msg *m = tx->responses[r];
            struct ber_iter it = ldap_body(m);
            const uint8_t *s = NULL;
            uint32_t sl = 0;
            if (m->has_result) {
                struct ldap_result res;
                if (!ldap_result(&it, &res))
                    continue;
                s = want_dn ? res.dn : res.msg;
                sl = want_dn ? res.dn_len : res.msg_len;
            } else if (want_dn && m->op == LDAP_SEARCH_ENTRY) {
                if (!ldap_octets(&it, &s, &sl))
                    continue;
            } else {
                continue;
            }
            if (k++ == i) {
                *data = s;
                *len = sl;
                return 0;
            }
        }
        return -ENOENT;
    }
    case APP_BUFFER_LDAP_RESPONSES_ATTRIBUTE_TYPE: {
        uint32_t left = i;
        for (uint32_t r = 0; r < tx->nresp; r++) {
            const struct ldap_msg *m = tx->responses[r];
            if (m->op != LDAP_SEARCH_ENTRY)
                continue;
            struct ber_iter it = ldap_body(m);
            const uint8_t *s;
            uint32_t sl;
            struct ber_tlv t;
            if (!ldap_octets(&it, &s, &sl) || !ber_next(&it, &t))
                continue;
            if (ldap_attr_type_at(t.val, t.len, &left, data, len))
                return 0;
        }
        return -ENOENT;
    }
    default:
        return -ENOENT;
    }
}

static void ldap_log_body(const void *object, struct json_writer *w)
{
    ldap_tx_write_json(object, w);
}

#define LDAP_PARSER_COMMON                                                                         \
    .proto = APP_PROTO_LDAP, .name = "ldap", .ports = {LDAP_PORT}, .probe = ldap_probe,            \
    .probe_needs_port = true, .state_new = ldap_state_new, .state_free = ldap_state_free,          \
    .parse = ldap_parse, .flow_end = ldap_flow_end, .tx_foreach = ldap_tx_foreach,                 \
    .tx_complete = ldap_tx_complete, .tx_get_buffer = ldap_tx_get_buffer,                          \
    .tx_write_json = ldap_tx_write_json, .tx_has_event = ldap_tx_has_event,                        \
    .event_names = ldap_event_names, .frame_names = ldap_frame_names,                              \
    .frame_tx_id_from_one = true,                                                                  \
    .uint_fields = ldap_fields, .n_uint_fields = LDAP_F_COUNT,                                     \
    .tx_get_field_uint = ldap_tx_get_uint

const struct app_parser app_parser_ldap_tcp = {
    LDAP_PARSER_COMMON,
    .ipprotos = APP_IPPROTO_TCP,
    .switch_proto = ldap_switch_proto,
};

const struct app_parser app_parser_ldap_udp = {
    LDAP_PARSER_COMMON,
    .ipprotos = APP_IPPROTO_UDP,
};
