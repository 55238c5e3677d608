/* SPDX-License-Identifier: Apache-2.0 */
/* BACnet/IP (ASHRAE 135 Annex J, UDP 47808): the BVLC header and its
 * functions (results, broadcast distribution and foreign device tables,
 * forwarded and original NPDUs, secured BVLL), the NPDU (control, remote
 * destination and source networks, hop count, network-layer messages) and
 * the APDU header of all eight PDU types (segmentation flags, invoke ID,
 * sequence number and window, service choice, error class and code, reject
 * and abort reasons) with the object identifier and property of the
 * services that lead with them.
 *
 * One transaction and one EVE "bacnet" event per BVLC message (vigil's
 * shape, ../shared/pcaps/README.md). A datagram is parsed in place; nothing
 * is buffered. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "app/app_baseline.h"
#include "app/app_parser.h"
#include "app/app_pdu.h"
#include "util/json.h"

enum bacnet_event {
    BACNET_EV_INVALID_BVLC = 0,      /* type not 0x81, unknown function */
    BACNET_EV_LENGTH_MISMATCH,       /* BVLC length differs from the datagram */
    BACNET_EV_MALFORMED_NPDU,
    BACNET_EV_MALFORMED_APDU,
    BACNET_EV_TOO_MANY_TX,
    BACNET_EV_COUNT,
};
static const char *const bacnet_event_names[BACNET_EV_COUNT + 1] = {
    "invalid_bvlc", "length_mismatch", "malformed_npdu", "malformed_apdu",
    "too_many_transactions",
};

static const char *const bvlc_names[13] = {
    "bvlc_result",
    "write_broadcast_distribution_table",
    "read_broadcast_distribution_table",
    "read_broadcast_distribution_table_ack",
    "forwarded_npdu",
    "register_foreign_device",
    "read_foreign_device_table",
    "read_foreign_device_table_ack",
    "delete_foreign_device_table_entry",
    "distribute_broadcast_to_network",
    "original_unicast_npdu",
    "original_broadcast_npdu",
    "secured_bvll",
};

static const char *const apdu_names[8] = {
    "confirmed_request", "unconfirmed_request", "simple_ack", "complex_ack",
    "segment_ack",       "error",               "reject",     "abort",
};

static const char *const confirmed_names[34] = {
    "acknowledgeAlarm", "confirmedCOVNotification", "confirmedEventNotification",
    "getAlarmSummary", "getEnrollmentSummary", "subscribeCOV", "atomicReadFile",
    "atomicWriteFile", "addListElement", "removeListElement", "createObject", "deleteObject",
    "readProperty", "readPropertyConditional", "readPropertyMultiple", "writeProperty",
    "writePropertyMultiple", "deviceCommunicationControl", "confirmedPrivateTransfer",
    "confirmedTextMessage", "reinitializeDevice", "vtOpen", "vtClose", "vtData", "authenticate",
    "requestKey", "readRange", "lifeSafetyOperation", "subscribeCOVProperty",
    "getEventInformation", "subscribeCOVPropertyMultiple", "confirmedCOVNotificationMultiple",
    "confirmedAuditNotification", "auditLogQuery",
};
static const char *const unconfirmed_names[15] = {
    "i-Am", "i-Have", "unconfirmedCOVNotification", "unconfirmedEventNotification",
    "unconfirmedPrivateTransfer", "unconfirmedTextMessage", "timeSynchronization", "who-Has",
    "who-Is", "utcTimeSynchronization", "writeGroup", "unconfirmedCOVNotificationMultiple",
    "unconfirmedAuditNotification", "who-Am-I", "you-Are",
};

struct bacnet_tx {
    struct app_pdu_tx pdu;
    uint8_t bvlc_function;
    uint16_t bvlc_length;
    uint16_t bvlc_result;
    bool has_result;
    bool has_npdu;
    uint8_t npdu_control;
    bool has_dnet, has_snet;
    uint16_t dnet, snet;
    bool has_msg_type;
    uint8_t msg_type;
    bool has_apdu;
    uint8_t apdu_type;
    uint8_t apdu_flags;   /* low nibble of the first octet */
    bool has_invoke;
    uint8_t invoke_id;
    bool has_service;
    uint8_t service;
    bool segmented;
    uint8_t sequence, window;
    bool has_object;
    uint16_t object_type;
    uint32_t instance;
    bool has_property;
    uint32_t property;
    bool has_error;
    uint32_t error_class, error_code;
    bool has_reason;
    uint8_t reason;       /* reject or abort reason */
};

struct bacnet_state {
    struct app_pdu_queue q;
    uint32_t flow_events;
    struct app_parse_ctx *ctx;
    uint8_t dir;
};

static void bacnet_event(struct bacnet_state *st, struct bacnet_tx *tx, enum bacnet_event e)
{
    app_pdu_event(st->ctx, APP_PROTO_BACNET, tx ? &tx->pdu : NULL, &st->flow_events,
                  bacnet_event_names, e);
}

static void bacnet_log_body(const void *object, struct json_writer *w);

/* One BACnet tag: number, context class, value (length/value/type) or
 * opening/closing. Returns the header length, 0 if malformed. */
struct bacnet_tag {
    uint8_t number;
    bool context;
    bool opening, closing;
    uint32_t len; /* value bytes (application boolean: 0, value in lvt) */
    uint8_t lvt;
};

static uint32_t bacnet_tag_read(const uint8_t *d, uint32_t n, struct bacnet_tag *t)
{
    if (n < 1)
        return 0;
    uint32_t p = 1;
    t->number = d[0] >> 4;
    t->context = (d[0] & 0x08) != 0;
    t->lvt = d[0] & 7;
    t->opening = t->context && t->lvt == 6;
    t->closing = t->context && t->lvt == 7;
    if (t->number == 15) {
        if (p >= n)
            return 0;
        t->number = d[p++];
    }
    if (t->opening || t->closing) {
        t->len = 0;
        return p;
    }
    if (!t->context && t->number == 1) { /* boolean: value in lvt */
        t->len = 0;
        return p;
    }
    if (t->lvt < 5) {
        t->len = t->lvt;
    } else {
        if (p >= n)
            return 0;
        uint8_t l = d[p++];
        if (l == 254) {
            if (p + 2 > n)
                return 0;
            t->len = app_rd16be(d + p);
            p += 2;
        } else if (l == 255) {
            if (p + 4 > n)
                return 0;
            t->len = app_rd32be(d + p);
            p += 4;
        } else {
            t->len = l;
        }
    }
    if (t->len > n - p)
        return 0;
    return p;
}

static uint32_t bacnet_unsigned(const uint8_t *v, uint32_t len)
{
    uint32_t x = 0;
    for (uint32_t i = 0; i < len && i < 4; i++)
        x = x << 8 | v[i];
    return x;
}

/* The leading object identifier ([0] or application tag 12) and property
 * identifier ([1]) of a service, and, for errors, the first two enumerated
 * values (error class and code). */
static void bacnet_service_fields(struct bacnet_tx *tx, const uint8_t *d, uint32_t n)
{
    uint32_t off = 0;
    int nenum = 0;
    for (int i = 0; i < 8 && off < n; i++) {
        struct bacnet_tag t;
        uint32_t h = bacnet_tag_read(d + off, n - off, &t);
        if (!h)
            return;
        const uint8_t *v = d + off + h;
        if (tx->apdu_type == 5) {
            if (!t.context && t.number == 9 && t.len >= 1 && t.len <= 4) {
                if (nenum == 0)
                    tx->error_class = bacnet_unsigned(v, t.len);
                else
                    tx->error_code = bacnet_unsigned(v, t.len);
                if (++nenum == 2) {
                    tx->has_error = true;
                    return;
                }
            }
        } else if (i == 0 && t.len == 4 && ((t.context && t.number == 0) ||
                                            (!t.context && t.number == 12))) {
            uint32_t oid = app_rd32be(v);
            tx->has_object = true;
            tx->object_type = (uint16_t)(oid >> 22);
            tx->instance = oid & 0x3fffff;
        } else if (i == 1 && tx->has_object && t.context && t.number == 1 && t.len >= 1 &&
                   t.len <= 4) {
            tx->has_property = true;
            tx->property = bacnet_unsigned(v, t.len);
            return;
        } else if (i >= 1) {
            return;
        }
        off += h + t.len;
    }
}

static void bacnet_apdu(struct bacnet_state *st, struct bacnet_tx *tx, const uint8_t *a,
                        uint32_t n)
{
    if (n < 1)
        return;
    tx->has_apdu = true;
    tx->apdu_type = a[0] >> 4;
    tx->apdu_flags = a[0] & 0x0f;
    uint32_t need, svc_off = 0;
    switch (tx->apdu_type) {
    case 0: /* confirmed request: flags, max segs/resp, invoke, [seq, window], service */
        tx->segmented = (a[0] & 0x08) != 0;
        need = tx->segmented ? 6 : 4;
        if (n < need)
            break;
        tx->has_invoke = true;
        tx->invoke_id = a[2];
        if (tx->segmented) {
            tx->sequence = a[3];
            tx->window = a[4];
        }
        tx->has_service = true;
        tx->service = a[need - 1];
        svc_off = need;
        break;
    case 1: /* unconfirmed request: service */
        need = 2;
        if (n < need)
            break;
        tx->has_service = true;
        tx->service = a[1];
        svc_off = 2;
        break;
    case 2: /* simple ACK: invoke, service */
        need = 3;
        if (n < need)
            break;
        tx->has_invoke = true;
        tx->invoke_id = a[1];
        tx->has_service = true;
        tx->service = a[2];
        break;
    case 3: /* complex ACK: flags, invoke, [seq, window], service */
        tx->segmented = (a[0] & 0x08) != 0;
        need = tx->segmented ? 5 : 3;
        if (n < need)
            break;
        tx->has_invoke = true;
        tx->invoke_id = a[1];
        if (tx->segmented) {
            tx->sequence = a[2];
            tx->window = a[3];
        }
        tx->has_service = true;
        tx->service = a[need - 1];
        /* Only the first segment starts with the service's fields. */
        if (!tx->segmented || tx->sequence == 0)
            svc_off = need;
        break;
    case 4: /* segment ACK: invoke, sequence, window */
        need = 4;
        if (n < need)
            break;
        tx->has_invoke = true;
        tx->invoke_id = a[1];
        tx->sequence = a[2];
        tx->window = a[3];
        break;
    case 5: /* error: invoke, service, error */
        need = 3;
        if (n < need)
            break;
        tx->has_invoke = true;
        tx->invoke_id = a[1];
        tx->has_service = true;
        tx->service = a[2];
        svc_off = 3;
        break;
    case 6: /* reject: invoke, reason */
    case 7: /* abort: invoke, reason */
        need = 3;
        if (n < need)
            break;
        tx->has_invoke = true;
        tx->invoke_id = a[1];
        tx->has_reason = true;
        tx->reason = a[2];
        break;
    default:
        need = UINT32_MAX;
        break;
    }
    if (n < need) {
        bacnet_event(st, tx, BACNET_EV_MALFORMED_APDU);
        return;
    }
    if (svc_off && svc_off < n)
        bacnet_service_fields(tx, a + svc_off, n - svc_off);
}

/* NPDU: version, control, [DNET DLEN DADR], [SNET SLEN SADR], [hop count],
 * network message type [vendor id] or APDU. */
static void bacnet_npdu(struct bacnet_state *st, struct bacnet_tx *tx, const uint8_t *d,
                        uint32_t n)
{
    if (n < 2) {
        bacnet_event(st, tx, BACNET_EV_MALFORMED_NPDU);
        return;
    }
    tx->has_npdu = true;
    uint8_t ctl = d[1];
    tx->npdu_control = ctl;
    if (d[0] != 1)
        bacnet_event(st, tx, BACNET_EV_MALFORMED_NPDU);
    uint32_t off = 2;
    if (ctl & 0x20) {
        if (off + 3 > n || off + 3u + d[off + 2] > n) {
            bacnet_event(st, tx, BACNET_EV_MALFORMED_NPDU);
            return;
        }
        tx->has_dnet = true;
        tx->dnet = app_rd16be(d + off);
        off += 3u + d[off + 2];
    }
    if (ctl & 0x08) {
        if (off + 3 > n || off + 3u + d[off + 2] > n) {
            bacnet_event(st, tx, BACNET_EV_MALFORMED_NPDU);
            return;
        }
        tx->has_snet = true;
        tx->snet = app_rd16be(d + off);
        off += 3u + d[off + 2];
    }
    if (ctl & 0x20) {
        if (off + 1 > n) {
            bacnet_event(st, tx, BACNET_EV_MALFORMED_NPDU);
            return;
        }
        off++; /* hop count */
    }
    if (ctl & 0x80) {
        if (off + 1 > n) {
            bacnet_event(st, tx, BACNET_EV_MALFORMED_NPDU);
            return;
        }
        tx->has_msg_type = true;
        tx->msg_type = d[off];
        return;
    }
    bacnet_apdu(st, tx, d + off, n - off);
}

/* Requests for the behaviour baseline: confirmed services (and the
 * unconfirmed ones that act on devices) with the object they name. */
static void bacnet_baseline(struct bacnet_state *st, const struct bacnet_tx *tx)
{
    if (!tx->has_apdu || !tx->has_service || tx->apdu_type > 1)
        return;
    struct ics_op op = {.proto = APP_PROTO_BACNET, .tx = &tx->pdu.base};
    uint8_t s = tx->service;
    if (tx->apdu_type == 0) {
        op.function = s;
        op.function_name = s < 34 ? confirmed_names[s] : NULL;
        op.kind = (s == 7 || s == 8 || s == 9 || s == 10 || s == 11 || s == 15 || s == 16)
                      ? ICS_OP_WRITE
                  : (s == 17 || s == 20 || s == 27) ? ICS_OP_CONTROL
                  : (s == 6 || s == 12 || s == 13 || s == 14 || s == 26 || s == 29 || s == 3 ||
                     s == 4 || s == 5 || s == 28)
                      ? ICS_OP_READ
                      : ICS_OP_OTHER;
    } else {
        /* unconfirmed: only those that change devices */
        if (s != 6 && s != 9 && s != 10)
            return;
        op.function = 0x100u | s;
        op.function_name = unconfirmed_names[s];
        op.kind = s == 10 ? ICS_OP_WRITE : ICS_OP_CONTROL;
    }
    if (op.kind == ICS_OP_WRITE && tx->has_object) {
        op.has_objects = true;
        op.space = tx->object_type;
        op.lo = op.hi = tx->instance;
    }
    app_baseline_op(st->ctx, st->dir, &op);
}

static void bacnet_message(struct bacnet_state *st, const uint8_t *d, uint32_t n)
{
    struct bacnet_tx *tx =
        app_pdu_tx_new(&st->q, st->ctx, &app_parser_bacnet, sizeof(struct bacnet_tx), st->dir);
    if (!tx)
        return;
    tx->bvlc_function = d[1];
    tx->bvlc_length = app_rd16be(d + 2);
    uint32_t len = tx->bvlc_length;
    if (len != n) {
        bacnet_event(st, tx, BACNET_EV_LENGTH_MISMATCH);
        if (len > n || len < 4)
            len = n;
    }
    switch (tx->bvlc_function) {
    case 0x00:
        if (len >= 6) {
            tx->has_result = true;
            tx->bvlc_result = app_rd16be(d + 4);
        }
        break;
    case 0x04:
        if (len >= 10)
            bacnet_npdu(st, tx, d + 10, len - 10);
        else
            bacnet_event(st, tx, BACNET_EV_INVALID_BVLC);
        break;
    case 0x09:
    case 0x0a:
    case 0x0b:
        bacnet_npdu(st, tx, d + 4, len - 4);
        break;
    default:
        if (tx->bvlc_function > 0x0c)
            bacnet_event(st, tx, BACNET_EV_INVALID_BVLC);
        break;
    }
    app_pdu_tx_log(&st->q, st->ctx, &tx->pdu, "bacnet", bacnet_log_body);
    bacnet_baseline(st, tx);
}

static int bacnet_parse(void *state, struct app_parse_ctx *ctx, uint8_t direction,
                        const uint8_t *data, uint32_t len, uint32_t flags)
{
    struct bacnet_state *st = state;
    (void)flags;
    if (!data || len == 0)
        return 0;
    st->ctx = ctx;
    st->dir = direction & 1;
    app_pdu_queue_gc(&st->q);
    if (len < 4 || data[0] != 0x81)
        bacnet_event(st, NULL, BACNET_EV_INVALID_BVLC);
    else
        bacnet_message(st, data, len);
    st->ctx = NULL;
    return 0;
}

static enum app_probe_result bacnet_probe(const uint8_t *d, uint32_t len, uint8_t direction)
{
    (void)direction;
    if (len < 4 || d[0] != 0x81 || d[1] > 0x0c)
        return APP_PROBE_NO;
    /* The BVLC length should be the datagram's; some senders get it wrong
     * (reported as length_mismatch), so it only has to be plausible. */
    uint16_t l = app_rd16be(d + 2);
    if (l < 4)
        return APP_PROBE_NO;
    if (d[1] == 0x09 || d[1] == 0x0a || d[1] == 0x0b)
        return len >= 6 && d[4] == 1 ? APP_PROBE_MATCH : APP_PROBE_NO;
    if (d[1] == 0x04)
        return len >= 12 && d[10] == 1 ? APP_PROBE_MATCH : APP_PROBE_NO;
    return APP_PROBE_MATCH;
}

static void *bacnet_state_new(struct app_parse_ctx *ctx)
{
    if (!app_memory_reserve(ctx, sizeof(struct bacnet_state)))
        return NULL;
    struct bacnet_state *st = calloc(1, sizeof(*st));
    if (!st) {
        app_memory_release(ctx, sizeof(struct bacnet_state));
        return NULL;
    }
    app_pdu_queue_init(&st->q, ctx, NULL);
    return st;
}

static void bacnet_state_free(void *state)
{
    struct bacnet_state *st = state;
    if (!st)
        return;
    struct app_layer_thread_ctx *t = st->q.thread;
    app_pdu_queue_free(&st->q);
    app_thread_memory_release(t, sizeof(*st));
    free(st);
}

static int bacnet_tx_foreach(void *state, int (*fn)(struct app_tx *tx, void *user), void *user)
{
    return app_pdu_queue_foreach(&((struct bacnet_state *)state)->q, fn, user);
}

static void bacnet_tx_write_json(const struct app_tx *atx, struct json_writer *w)
{
    const struct bacnet_tx *tx = (const struct bacnet_tx *)atx;
    json_key_object_begin(w, "bacnet");
    if (tx->bvlc_function < 13)
        json_key_string(w, "bvlc_function", bvlc_names[tx->bvlc_function]);
    else
        json_key_u64(w, "bvlc_function", tx->bvlc_function);
    json_key_u64(w, "bvlc_length", tx->bvlc_length);
    if (tx->has_result)
        json_key_u64(w, "bvlc_result", tx->bvlc_result);
    if (tx->has_npdu) {
        json_key_object_begin(w, "npdu");
        json_key_u64(w, "control", tx->npdu_control);
        if (tx->has_dnet)
            json_key_u64(w, "dnet", tx->dnet);
        if (tx->has_snet)
            json_key_u64(w, "snet", tx->snet);
        if (tx->has_msg_type)
            json_key_u64(w, "message_type", tx->msg_type);
        json_object_end(w);
    }
    if (tx->has_apdu) {
        json_key_object_begin(w, "apdu");
        if (tx->apdu_type < 8)
            json_key_string(w, "type", apdu_names[tx->apdu_type]);
        else
            json_key_u64(w, "type", tx->apdu_type);
        if (tx->has_service) {
            const char *sn = NULL;
            if (tx->apdu_type == 1)
                sn = tx->service < 15 ? unconfirmed_names[tx->service] : NULL;
            else
                sn = tx->service < 34 ? confirmed_names[tx->service] : NULL;
            if (sn)
                json_key_string(w, "service", sn);
            else
                json_key_u64(w, "service", tx->service);
        }
        if (tx->has_invoke)
            json_key_u64(w, "invoke_id", tx->invoke_id);
        if (tx->segmented || tx->apdu_type == 4) {
            json_key_bool(w, "segmented", tx->segmented);
            json_key_bool(w, "more_follows", (tx->apdu_flags & 0x04) != 0);
            json_key_u64(w, "sequence", tx->sequence);
            json_key_u64(w, "window", tx->window);
        }
        if (tx->has_object) {
            json_key_u64(w, "object_type", tx->object_type);
            json_key_u64(w, "instance", tx->instance);
        }
        if (tx->has_property)
            json_key_u64(w, "property", tx->property);
        if (tx->has_error) {
            json_key_u64(w, "error_class", tx->error_class);
            json_key_u64(w, "error_code", tx->error_code);
        }
        if (tx->has_reason)
            json_key_u64(w, tx->apdu_type == 6 ? "reject_reason" : "abort_reason", tx->reason);
        json_object_end(w);
    }
    json_object_end(w);
}

static void bacnet_log_body(const void *object, struct json_writer *w)
{
    bacnet_tx_write_json(object, w);
}

static bool bacnet_tx_has_event(const struct app_tx *tx, const char *name)
{
    return app_pdu_has_event(tx, bacnet_event_names, BACNET_EV_COUNT, name);
}

/* ---- integer keywords ---- */

enum {
    BACNET_F_BVLC,
    BACNET_F_APDU_TYPE,
    BACNET_F_SERVICE,
    BACNET_F_INVOKE_ID,
    BACNET_F_OBJECT_TYPE,
    BACNET_F_INSTANCE,
    BACNET_F_PROPERTY,
    BACNET_F_NETWORK_MESSAGE,
    BACNET_F_ERROR_CLASS,
    BACNET_F_ERROR_CODE,
    BACNET_F_REASON,
    BACNET_F_COUNT,
};

static const struct app_uint_enum bvlc_enum[] = {
    {"bvlc_result", 0}, {"write_bdt", 1}, {"read_bdt", 2}, {"read_bdt_ack", 3},
    {"forwarded_npdu", 4}, {"register_foreign_device", 5}, {"read_fdt", 6},
    {"read_fdt_ack", 7}, {"delete_fdt_entry", 8}, {"distribute_broadcast_to_network", 9},
    {"original_unicast_npdu", 10}, {"original_broadcast_npdu", 11}, {"secured_bvll", 12},
    {NULL, 0}};
static const struct app_uint_enum apdu_enum[] = {
    {"confirmed_request", 0}, {"unconfirmed_request", 1}, {"simple_ack", 2},
    {"complex_ack", 3},       {"segment_ack", 4},         {"error", 5},
    {"reject", 6},            {"abort", 7},               {NULL, 0}};
/* Confirmed service names; the unconfirmed ones (numbered from 0 too) are
 * given as unconfirmed_<name>, e.g. "unconfirmed_who-Is" or who_is. */
static const struct app_uint_enum bacnet_service_enum[] = {
    {"acknowledgeAlarm", 0}, {"confirmedCOVNotification", 1},
    {"confirmedEventNotification", 2}, {"getAlarmSummary", 3}, {"getEnrollmentSummary", 4},
    {"subscribeCOV", 5}, {"atomicReadFile", 6}, {"atomicWriteFile", 7}, {"addListElement", 8},
    {"removeListElement", 9}, {"createObject", 10}, {"deleteObject", 11}, {"readProperty", 12},
    {"readPropertyConditional", 13}, {"readPropertyMultiple", 14}, {"writeProperty", 15},
    {"writePropertyMultiple", 16}, {"deviceCommunicationControl", 17},
    {"confirmedPrivateTransfer", 18}, {"confirmedTextMessage", 19}, {"reinitializeDevice", 20},
    {"vtOpen", 21}, {"vtClose", 22}, {"vtData", 23}, {"authenticate", 24}, {"requestKey", 25},
    {"readRange", 26}, {"lifeSafetyOperation", 27}, {"subscribeCOVProperty", 28},
    {"getEventInformation", 29}, {"i_am", 0}, {"i_have", 1}, {"timeSynchronization", 6},
    {"who_has", 7}, {"who_is", 8}, {"utcTimeSynchronization", 9}, {"writeGroup", 10},
    {NULL, 0}};

static const struct app_uint_field bacnet_fields[BACNET_F_COUNT] = {
    [BACNET_F_BVLC] = {"bacnet.bvlc_function", 3, 255, bvlc_enum, false},
    [BACNET_F_APDU_TYPE] = {"bacnet.apdu_type", 3, 15, apdu_enum, false},
    [BACNET_F_SERVICE] = {"bacnet.service", 3, 255, bacnet_service_enum, false},
    [BACNET_F_INVOKE_ID] = {"bacnet.invoke_id", 3, 255, NULL, false},
    [BACNET_F_OBJECT_TYPE] = {"bacnet.object_type", 3, 1023, NULL, false},
    [BACNET_F_INSTANCE] = {"bacnet.instance", 3, 0x3fffff, NULL, false},
    [BACNET_F_PROPERTY] = {"bacnet.property", 3, UINT32_MAX, NULL, false},
    [BACNET_F_NETWORK_MESSAGE] = {"bacnet.network_message", 3, 255, NULL, false},
    [BACNET_F_ERROR_CLASS] = {"bacnet.error_class", 3, UINT32_MAX, NULL, false},
    [BACNET_F_ERROR_CODE] = {"bacnet.error_code", 3, UINT32_MAX, NULL, false},
    [BACNET_F_REASON] = {"bacnet.reason", 3, 255, NULL, false},
};

static int bacnet_tx_get_uint(const struct app_tx *atx, uint16_t field, uint32_t index, uint64_t *value,
                              const char **name)
{
    (void)name;
    const struct bacnet_tx *tx = (const struct bacnet_tx *)atx;
    if (index)
        return -ENOENT;
    bool ok;
    uint64_t v = 0;
    switch (field) {
    case BACNET_F_BVLC: ok = true; v = tx->bvlc_function; break;
    case BACNET_F_APDU_TYPE: ok = tx->has_apdu; v = tx->apdu_type; break;
    case BACNET_F_SERVICE: ok = tx->has_service; v = tx->service; break;
    case BACNET_F_INVOKE_ID: ok = tx->has_invoke; v = tx->invoke_id; break;
    case BACNET_F_OBJECT_TYPE: ok = tx->has_object; v = tx->object_type; break;
    case BACNET_F_INSTANCE: ok = tx->has_object; v = tx->instance; break;
    case BACNET_F_PROPERTY: ok = tx->has_property; v = tx->property; break;
    case BACNET_F_NETWORK_MESSAGE: ok = tx->has_msg_type; v = tx->msg_type; break;
    case BACNET_F_ERROR_CLASS: ok = tx->has_error; v = tx->error_class; break;
    case BACNET_F_ERROR_CODE: ok = tx->has_error; v = tx->error_code; break;
    case BACNET_F_REASON: ok = tx->has_reason; v = tx->reason; break;
    default: ok = false; break;
    }
    if (!ok)
        return -ENOENT;
    *value = v;
    return 0;
}

const struct app_parser app_parser_bacnet = {
    .vigil_only = true,
    .proto = APP_PROTO_BACNET,
    .name = "bacnet",
    .ipprotos = APP_IPPROTO_UDP,
    .ports = {47808},
    .probe = bacnet_probe,
    .state_new = bacnet_state_new,
    .state_free = bacnet_state_free,
    .parse = bacnet_parse,
    .tx_foreach = bacnet_tx_foreach,
    .tx_complete = app_pdu_tx_complete,
    .tx_write_json = bacnet_tx_write_json,
    .tx_has_event = bacnet_tx_has_event,
    .events_on_packet = true,
    .event_names = bacnet_event_names,
    .tx_direction = app_pdu_tx_direction,
    .uint_fields = bacnet_fields,
    .n_uint_fields = BACNET_F_COUNT,
    .tx_get_field_uint = bacnet_tx_get_uint,
};
