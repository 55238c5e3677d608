/* SPDX-License-Identifier: Apache-2.0 */
/* SNMP v1 (RFC 1157), v2c (RFC 1901/3416) and v3 (RFC 3412/3414) over UDP
 * (ports 161 and 162), as Suricata parses it:
 *
 * - Messages (BER): v1/v2c {version, community, PDU}; v3 {version,
 *   msgGlobalData, msgSecurityParameters (USM: engine id, boots, time, user
 *   name, ...), ScopedPDU or its encryption}. PDUs: get, get-next, response,
 *   set, trap (v1: enterprise, agent address, generic and specific trap),
 *   get-bulk, inform, trap (v2), report; their variable bindings' names.
 * - One transaction per datagram (complete at once), EVE "snmp" in
 *   Suricata's shape: version (of the flow's first message: 1, 2 or 3),
 *   pdu_type ("encrypted" for an encrypted v3 PDU), error, trap_type,
 *   trap_oid, trap_address, vars, community, usm.
 * - Events: malformed_data (a datagram that does not decode; the parser
 *   stops), unknown_security_model (v3 without USM), version_mismatch (a
 *   message of another version than the flow's first).
 * - Rule keywords snmp.version, snmp.pdu_type, snmp.trap_type (integers,
 *   with Suricata's names) and the buffers snmp.community, snmp.usm,
 *   snmp.trap_oid, snmp.trap_address.
 * Limits: a transaction keeps the names of at most SNMP_MAX_VARS variable
 * bindings (the EVE vars list). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "app/app_ber.h"
#include "app/app_parser.h"
#include "app/app_txlist.h"
#include "flow/flow.h"
#include "util/json.h"

#define SNMP_MAX_VARS 256u
#define SNMP_OID_MAX 256 /* dotted OID text, bytes */

enum snmp_event {
    SNMP_EV_MALFORMED_DATA = 0,
    SNMP_EV_UNKNOWN_SECURITY_MODEL,
    SNMP_EV_VERSION_MISMATCH,
    SNMP_EV_COUNT,
};
static const char *const snmp_event_names[SNMP_EV_COUNT + 1] = {
    "malformed_data", "unknown_security_model", "version_mismatch", NULL};

enum { SNMP_PDU_TRAP_V1 = 4, SNMP_PDU_ENCRYPTED = 0x100 };

static const struct app_uint_enum snmp_pdu_enum[] = {
    {"get_request", 0},      {"get_next_request", 1}, {"response", 2},
    {"set_request", 3},      {"trap_v1", 4},          {"get_bulk_request", 5},
    {"inform_request", 6},   {"trap_v2", 7},          {"report", 8},
    {NULL, 0}};
static const struct app_uint_enum snmp_trap_enum[] = {
    {"coldstart", 0}, {"warmstart", 1},          {"linkdown", 2},          {"linkup", 3},
    {"authenticationfailure", 4}, {"egpneighborloss", 5}, {"enterprisespecific", 6},
    {NULL, 0}};

enum { SNMP_F_VERSION, SNMP_F_PDU_TYPE, SNMP_F_TRAP_TYPE, SNMP_F_COUNT };
static const struct app_uint_field snmp_fields[SNMP_F_COUNT] = {
    [SNMP_F_VERSION] = {"snmp.version", 3, UINT32_MAX, NULL, false},
    [SNMP_F_PDU_TYPE] = {"snmp.pdu_type", 3, UINT32_MAX, snmp_pdu_enum, false},
    [SNMP_F_TRAP_TYPE] = {"snmp.trap_type", 3, UINT32_MAX, snmp_trap_enum, false},
};

struct snmp_tx {
    union {
        struct app_list_tx lt;
        struct app_tx base;
    };
    uint32_t version;     /* the flow's: 1, 2 or 3 */
    uint32_t pdu_type;    /* PDU tag, SNMP_PDU_ENCRYPTED, or UINT32_MAX (none) */
    int64_t error;        /* error-status of generic PDUs */
    bool has_trap;
    uint32_t trap_type;
    char trap_oid[SNMP_OID_MAX];
    char trap_address[16];
    const uint8_t *community, *usm; /* into raw */
    uint32_t community_len, usm_len;
    bool has_community, has_usm;
    const uint8_t *vars;  /* the variable bindings' contents, into raw */
    uint32_t vars_len;
    uint32_t events;
    uint8_t dir;          /* the datagram's direction: 0 to server */
    uint32_t raw_len;
    uint8_t *raw;         /* the datagram (owned) */
};

struct snmp_state {
    struct app_layer_thread_ctx *thread;
    struct app_parse_ctx *ctx;
    struct app_txlist txs;
    uint32_t version; /* of the first message: 1, 2, 3; 0 none yet */
    bool failed;
};

extern const struct app_parser app_parser_snmp;

static const char *enum_name(const struct app_uint_enum *e, uint64_t v)
{
    for (; e->name; e++)
        if (e->value == v)
            return e->name;
    return NULL;
}

static void snmp_tx_free(struct app_list_tx *ltx, void *user)
{
    struct snmp_state *st = user;
    struct snmp_tx *tx = (struct snmp_tx *)ltx;
    if (tx->raw) {
        app_thread_memory_release(st->thread, tx->raw_len);
        free(tx->raw);
    }
}

static void snmp_event(struct snmp_state *st, struct snmp_tx *tx, enum snmp_event e)
{
    if (tx)
        tx->events |= 1u << e;
    if (st->ctx)
        app_parser_anomaly(st->ctx, APP_PROTO_SNMP, snmp_event_names[e]);
}

/* The message version: 0 (v1), 1 (v2c) or 3 (v3), from the envelope; -1
 * when it is not an SNMP message. */
static int snmp_envelope(const uint8_t *p, uint32_t n, struct ber_iter *body)
{
    struct ber_tlv seq, v;
    uint64_t ver;
    if (ber_read(p, n, &seq) != 0 || seq.cls != BER_UNIVERSAL || seq.tag != 16 ||
        !seq.constructed || seq.indefinite)
        return -1;
    *body = ber_iter_make(seq.val, seq.len);
    if (!ber_next_prim(body, 2, &v) || !ber_uint(v.val, v.len, &ver) ||
        (ver != 0 && ver != 1 && ver != 3))
        return -1;
    return (int)ver;
}

/* Decodes a PDU (its tag and contents) into tx. */
static bool snmp_pdu(struct snmp_tx *tx, const struct ber_tlv *pdu)
{
    if (pdu->cls != BER_CONTEXT || !pdu->constructed || pdu->tag > 8)
        return false;
    tx->pdu_type = pdu->tag;
    struct ber_iter it = ber_iter_make(pdu->val, pdu->len);
    struct ber_tlv t, vb;
    int64_t x;
    if (pdu->tag == SNMP_PDU_TRAP_V1) {
        struct ber_tlv ent, addr, gen;
        if (!ber_next_prim(&it, 6, &ent) || !ber_next(&it, &addr) ||
            addr.cls != BER_APPLICATION || addr.tag != 0 || addr.len != 4 ||
            !ber_next_prim(&it, 2, &gen) || !ber_int(gen.val, gen.len, &x) ||
            !ber_next_prim(&it, 2, &t) || !ber_next(&it, &t) /* time-stamp */)
            return false;
        if (!ber_oid_string(ent.val, ent.len, tx->trap_oid, sizeof(tx->trap_oid)))
            return false;
        snprintf(tx->trap_address, sizeof(tx->trap_address), "%u.%u.%u.%u", addr.val[0],
                 addr.val[1], addr.val[2], addr.val[3]);
        tx->has_trap = true;
        tx->trap_type = (uint32_t)x;
    } else {
        /* request-id, error-status (non-repeaters), error-index (max-repetitions) */
        if (!ber_next_prim(&it, 2, &t) || !ber_next_prim(&it, 2, &t) ||
            !ber_int(t.val, t.len, &x))
            return false;
        if (pdu->tag != 5)
            tx->error = x;
        if (!ber_next_prim(&it, 2, &t))
            return false;
    }
    if (!ber_next(&it, &vb) || vb.cls != BER_UNIVERSAL || vb.tag != 16 || !vb.constructed)
        return false;
    /* every binding: SEQUENCE { name OID, value } */
    struct ber_iter bi = ber_iter_make(vb.val, vb.len);
    struct ber_tlv b;
    while (ber_next(&bi, &b)) {
        struct ber_iter x2 = ber_iter_make(b.val, b.len);
        if (!b.constructed || !ber_next_prim(&x2, 6, &t) || !ber_next(&x2, &t))
            return false;
    }
    if (bi.bad)
        return false;
    tx->vars = vb.val;
    tx->vars_len = vb.len;
    return true;
}

/* Decodes the datagram (held in tx->raw) into tx; false when malformed. */
static bool snmp_decode(struct snmp_state *st, struct snmp_tx *tx, int version,
                        struct ber_iter *it)
{
    struct ber_tlv t;
    if (version != 3) {
        if (!ber_next_prim(it, 4, &t))
            return false;
        tx->community = t.val;
        tx->community_len = t.len;
        tx->has_community = true;
        return ber_next(it, &t) && snmp_pdu(tx, &t);
    }
    struct ber_tlv global, flags, model, sec, data;
    uint64_t m;
    if (!ber_next(it, &global) || !global.constructed)
        return false;
    struct ber_iter gi = ber_iter_make(global.val, global.len);
    if (!ber_next_prim(&gi, 2, &t) || !ber_next_prim(&gi, 2, &t) ||
        !ber_next_prim(&gi, 4, &flags) || !ber_next_prim(&gi, 2, &model) ||
        !ber_uint(model.val, model.len, &m) || !ber_next_prim(it, 4, &sec) ||
        !ber_next(it, &data))
        return false;
    if (m == 3) {
        /* USM: engine id, boots, time, user name, auth and priv parameters */
        struct ber_tlv usm;
        if (ber_read(sec.val, sec.len, &usm) != 0 || !usm.constructed)
            return false;
        struct ber_iter ui = ber_iter_make(usm.val, usm.len);
        if (!ber_next_prim(&ui, 4, &t) || !ber_next_prim(&ui, 2, &t) ||
            !ber_next_prim(&ui, 2, &t) || !ber_next_prim(&ui, 4, &t))
            return false;
        tx->usm = t.val;
        tx->usm_len = t.len;
        tx->has_usm = true;
    } else {
        snmp_event(st, tx, SNMP_EV_UNKNOWN_SECURITY_MODEL);
    }
    if (data.cls == BER_UNIVERSAL && data.tag == 4 && !data.constructed) {
        tx->pdu_type = SNMP_PDU_ENCRYPTED;
        return true;
    }
    if (data.cls != BER_UNIVERSAL || data.tag != 16 || !data.constructed)
        return false;
    struct ber_iter si = ber_iter_make(data.val, data.len);
    return ber_next_prim(&si, 4, &t) && ber_next_prim(&si, 4, &t) && ber_next(&si, &t) &&
           snmp_pdu(tx, &t);
}

static void snmp_log_body(const void *object, struct json_writer *w);

static int snmp_parse(void *state, struct app_parse_ctx *ctx, uint8_t direction,
                      const uint8_t *data, uint32_t len, uint32_t flags)
{
    struct snmp_state *st = state;
    (void)direction;
    (void)flags;
    if (st->failed || !data || !len)
        return 0;
    st->ctx = ctx;
    app_txlist_free_done(&st->txs, sizeof(struct snmp_tx), snmp_tx_free, st);
    int rc = 0;
    struct ber_iter body;
    int version = snmp_envelope(data, len, &body);
    uint32_t ver = version < 0 ? 0 : version == 3 ? 3 : (uint32_t)version + 1;
    if (st->version == 0)
        st->version = ver;
    struct snmp_tx *tx = NULL;
    if (version < 0)
        goto malformed;
    tx = app_txlist_new(&st->txs, &app_parser_snmp, sizeof(*tx));
    if (!tx)
        goto out;
    app_parser_count_tx(ctx, APP_PROTO_SNMP);
    tx->version = st->version;
    tx->dir = direction & 1;
    tx->pdu_type = UINT32_MAX;
    if (ver != st->version)
        snmp_event(st, tx, SNMP_EV_VERSION_MISMATCH);
    if (app_thread_memory_reserve(st->thread, len)) {
        tx->raw = malloc(len);
        if (!tx->raw)
            app_thread_memory_release(st->thread, len);
    }
    if (!tx->raw)
        goto out;
    memcpy(tx->raw, data, len);
    tx->raw_len = len;
    (void)snmp_envelope(tx->raw, len, &body);
    if (!snmp_decode(st, tx, version, &body))
        goto malformed;
    tx->base.logged = true;
    app_parser_log(ctx, "snmp", direction & 1, snmp_log_body, tx);
    goto out;
malformed:
    /* Suricata sets the event on the flow's latest transaction and gives up. */
    snmp_event(st, tx ? tx : (struct snmp_tx *)st->txs.tail, SNMP_EV_MALFORMED_DATA);
    if (tx) {
        tx->base.logged = true; /* nothing of it to log */
    }
    st->failed = true;
    rc = -1;
out:
    st->ctx = NULL;
    return rc;
}

static enum app_probe_result snmp_probe(const uint8_t *data, uint32_t len, uint8_t direction)
{
    (void)direction;
    struct ber_iter body;
    int v = snmp_envelope(data, len, &body);
    if (v < 0)
        return APP_PROBE_NO;
    struct ber_tlv t;
    if (v == 3)
        return ber_next(&body, &t) && t.constructed && t.tag == 16 ? APP_PROBE_MATCH
                                                                   : APP_PROBE_NO;
    if (!ber_next_prim(&body, 4, &t) || !ber_next(&body, &t) || t.cls != BER_CONTEXT ||
        !t.constructed || t.tag > 8)
        return APP_PROBE_NO;
    return APP_PROBE_MATCH;
}

static void *snmp_state_new(struct app_parse_ctx *ctx)
{
    if (!app_memory_reserve(ctx, sizeof(struct snmp_state)))
        return NULL;
    struct snmp_state *st = calloc(1, sizeof(*st));
    if (!st) {
        app_memory_release(ctx, sizeof(struct snmp_state));
        return NULL;
    }
    st->thread = ctx->thread;
    app_txlist_init(&st->txs, ctx->thread);
    return st;
}

static void snmp_state_free(void *state)
{
    struct snmp_state *st = state;
    if (!st)
        return;
    app_txlist_free_all(&st->txs, sizeof(struct snmp_tx), snmp_tx_free, st);
    app_thread_memory_release(st->thread, sizeof(*st));
    free(st);
}

static int snmp_tx_foreach(void *state, int (*fn)(struct app_tx *tx, void *user), void *user)
{
    struct snmp_state *st = state;
    return app_txlist_foreach(&st->txs, fn, user);
}

static bool snmp_tx_complete(const struct app_tx *atx, uint8_t direction)
{
    (void)atx;
    (void)direction;
    return true;
}

static bool snmp_tx_has_event(const struct app_tx *atx, const char *name)
{
    const struct snmp_tx *tx = (const struct snmp_tx *)atx;
    for (int e = 0; e < SNMP_EV_COUNT; e++)
        if ((tx->events & (1u << e)) && strcasecmp(snmp_event_names[e], name) == 0)
            return true;
    return false;
}

/* A datagram is one side's: detection inspects it in that direction only. */
static int snmp_tx_direction(const struct app_tx *atx)
{
    return ((const struct snmp_tx *)atx)->dir;
}

static int snmp_tx_get_uint(const struct app_tx *atx, uint16_t field, uint32_t index,
                            uint64_t *value, const char **name)
{
    const struct snmp_tx *tx = (const struct snmp_tx *)atx;
    *name = NULL;
    if (index)
        return -ENOENT;
    switch (field) {
    case SNMP_F_VERSION:
        *value = tx->version;
        return 0;
    case SNMP_F_PDU_TYPE:
        if (tx->pdu_type > 8)
            return -ENOENT;
        *value = tx->pdu_type;
        *name = enum_name(snmp_pdu_enum, *value);
        return 0;
    case SNMP_F_TRAP_TYPE:
        if (!tx->has_trap)
            return -ENOENT;
        *value = tx->trap_type;
        *name = enum_name(snmp_trap_enum, *value);
        return 0;
    default:
        return -ENOENT;
    }
}

static int snmp_tx_get_buffer(const struct app_tx *atx, enum app_buffer buffer, uint32_t index,
                              const uint8_t **data, uint32_t *len)
{
    const struct snmp_tx *tx = (const struct snmp_tx *)atx;
    if ((index & ~(APP_BUFFER_INDEX_TOCLIENT | APP_BUFFER_INDEX_TOSERVER)) != 0)
        return -ENOENT;
    switch (buffer) {
    case APP_BUFFER_SNMP_COMMUNITY:
        if (!tx->has_community)
            return -ENOENT;
        *data = tx->community;
        *len = tx->community_len;
        return 0;
    case APP_BUFFER_SNMP_USM:
        if (!tx->has_usm)
            return -ENOENT;
        *data = tx->usm;
        *len = tx->usm_len;
        return 0;
    case APP_BUFFER_SNMP_TRAP_OID:
        if (!tx->has_trap)
            return -ENOENT;
        *data = (const uint8_t *)tx->trap_oid;
        *len = (uint32_t)strlen(tx->trap_oid);
        return 0;
    case APP_BUFFER_SNMP_TRAP_ADDRESS:
        if (!tx->has_trap)
            return -ENOENT;
        *data = (const uint8_t *)tx->trap_address;
        *len = (uint32_t)strlen(tx->trap_address);
        return 0;
    default:
        return -ENOENT;
    }
}

/* Names as Suricata's log writes them (the Rust enums' variant names). */
static const char *const snmp_error_names[] = {
    "NoError",      "TooBig",          "NoSuchName",          "BadValue",       "ReadOnly",
    "GenErr",       "NoAccess",        "WrongType",           "WrongLength",    "WrongEncoding",
    "WrongValue",   "NoCreation",      "InconsistentValue",   "ResourceUnavailable",
    "CommitFailed", "UndoFailed",      "AuthorizationError",  "NotWritable",    "InconsistentName"};
static const char *const snmp_trap_names[] = {
    "ColdStart", "WarmStart", "LinkDown", "LinkUp", "AuthenticationFailure", "EgpNeighborLoss",
    "EnterpriseSpecific"};

static void snmp_tx_write_json(const struct app_tx *atx, struct json_writer *w)
{
    const struct snmp_tx *tx = (const struct snmp_tx *)atx;
    char buf[64];
    json_key_object_begin(w, "snmp");
    json_key_u64(w, "version", tx->version);
    if (tx->pdu_type == SNMP_PDU_ENCRYPTED) {
        json_key_string(w, "pdu_type", "encrypted");
        json_object_end(w);
        return;
    }
    if (tx->pdu_type <= 8) {
        json_key_string(w, "pdu_type", enum_name(snmp_pdu_enum, tx->pdu_type));
        if (tx->error != 0) {
            if (tx->error > 0 && tx->error < (int64_t)(sizeof(snmp_error_names) /
                                                     sizeof(snmp_error_names[0])))
                json_key_string(w, "error", snmp_error_names[tx->error]);
            else {
                snprintf(buf, sizeof(buf), "ErrorStatus(%lld)", (long long)tx->error);
                json_key_string(w, "error", buf);
            }
        }
        if (tx->has_trap) {
            if (tx->trap_type < 7)
                json_key_string(w, "trap_type", snmp_trap_names[tx->trap_type]);
            else {
                snprintf(buf, sizeof(buf), "TrapType(%u)", tx->trap_type);
                json_key_string(w, "trap_type", buf);
            }
            json_key_string(w, "trap_oid", tx->trap_oid);
            json_key_string(w, "trap_address", tx->trap_address);
        }
        struct ber_iter bi = ber_iter_make(tx->vars, tx->vars_len);
        struct ber_tlv b, o;
        bool open = false;
        char oid[SNMP_OID_MAX];
        for (uint32_t n = 0; n < SNMP_MAX_VARS && ber_next(&bi, &b); n++) {
            struct ber_iter x = ber_iter_make(b.val, b.len);
            if (!ber_next_prim(&x, 6, &o) || !ber_oid_string(o.val, o.len, oid, sizeof(oid)))
                continue;
            if (!open) {
                json_key_array_begin(w, "vars");
                open = true;
            }
            json_write_string(w, oid);
        }
        if (open)
            json_array_end(w);
    }
    if (tx->has_community)
        json_key_string_from_bytes(w, "community", tx->community, tx->community_len);
    if (tx->has_usm)
        json_key_string_from_bytes(w, "usm", tx->usm, tx->usm_len);
    json_object_end(w);
}

static void snmp_log_body(const void *object, struct json_writer *w)
{
    snmp_tx_write_json(object, w);
}

const struct app_parser app_parser_snmp = {
    .proto = APP_PROTO_SNMP,
    .name = "snmp",
    .ipprotos = APP_IPPROTO_UDP,
    .ports = {161, 162},
    .probe = snmp_probe,
    .probe_needs_port = true,
    .state_new = snmp_state_new,
    .state_free = snmp_state_free,
    .parse = snmp_parse,
    .tx_foreach = snmp_tx_foreach,
    .tx_complete = snmp_tx_complete,
    .tx_get_buffer = snmp_tx_get_buffer,
    .tx_write_json = snmp_tx_write_json,
    .tx_has_event = snmp_tx_has_event,
    .tx_direction = snmp_tx_direction,
    .event_names = snmp_event_names,
    .uint_fields = snmp_fields,
    .n_uint_fields = SNMP_F_COUNT,
    .tx_get_field_uint = snmp_tx_get_uint,
};
