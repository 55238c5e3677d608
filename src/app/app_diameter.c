/* SPDX-License-Identifier: Apache-2.0 */
/* Diameter (RFC 6733) over TCP, port 3868, and over SCTP (RFC 9260: the
 * user data of DATA chunks with PPID 46, or 0 on port 3868, fed in TSN
 * order by app_layer_handle_sctp; a message fragmented over several chunks
 * is put together by the same length framer) (issue 15).
 *
 * A message is a 20-byte header (version 1, 24-bit length, flags R P E T,
 * 24-bit command code, Application-Id, Hop-by-Hop and End-to-End
 * identifiers) and AVPs (code, flags V M P, 24-bit length, the Vendor-Id
 * when V is set, data padded to 4 bytes). Messages are framed by their
 * length with the shared framer (app_pdu.c: bounded, resynchronising after
 * garbage or a gap). The AVPs of the base protocol, NASREQ and Credit
 * Control that identify a message are read, Grouped ones
 * (Experimental-Result, Vendor-Specific-Application-Id, Subscription-Id)
 * one level deep.
 *
 * One transaction and one EVE "diameter" event per message, in the
 * direction it travelled (vigil's shape, docs/app-layer.md). Requests and
 * answers are paired by Hop-by-Hop identifier (the answer travels the
 * other way): the answer's event names the request it answers and the
 * round trip; an answer to no pending request raises unmatched_answer.
 * Limits: a message is at most DIA_MAX_MSG bytes; DIA_PENDING requests per
 * flow wait for their answers (the oldest is forgotten). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "app/app_buffer.h"
#include "app/app_cursor.h"
#include "app/app_parser.h"
#include "app/app_pdu.h"
#include "decode/packet.h"
#include "flow/flow.h"
#include "util/json.h"

#define DIA_HDR 20u
#define DIA_MAX_MSG (1024u * 1024u)
#define DIA_PENDING 64u
#define DIA_STR_MAX 128u

enum dia_event {
    DIA_EV_INVALID_HEADER = 0, /* version not 1, length not a multiple of 4 or below 20 */
    DIA_EV_MALFORMED_AVP,      /* an AVP that overruns its message or is shorter than its header */
    DIA_EV_INVALID_FLAGS,      /* reserved bits, or E set on a request */
    DIA_EV_UNMATCHED_ANSWER,
    DIA_EV_MISSING_AVP,        /* no Origin-Host or Origin-Realm */
    DIA_EV_MESSAGE_TOO_LARGE,
    DIA_EV_INVALID_DATA,       /* bytes that are not a message */
    DIA_EV_TOO_MANY_TX,
    DIA_EV_COUNT,
};
static const char *const dia_event_names[DIA_EV_COUNT + 1] = {
    "invalid_header", "malformed_avp", "invalid_flags", "unmatched_answer",
    "missing_avp", "message_too_large", "invalid_data", "too_many_transactions",
};

/* AVP codes (RFC 6733, 4006, 7155). */
enum {
    AVP_USER_NAME = 1,
    AVP_HOST_IP_ADDRESS = 257,
    AVP_AUTH_APPLICATION_ID = 258,
    AVP_ACCT_APPLICATION_ID = 259,
    AVP_VENDOR_SPECIFIC_APPLICATION_ID = 260,
    AVP_SESSION_ID = 263,
    AVP_ORIGIN_HOST = 264,
    AVP_VENDOR_ID = 266,
    AVP_RESULT_CODE = 268,
    AVP_PRODUCT_NAME = 269,
    AVP_DISCONNECT_CAUSE = 273,
    AVP_ERROR_MESSAGE = 281,
    AVP_DESTINATION_REALM = 283,
    AVP_DESTINATION_HOST = 293,
    AVP_ORIGIN_REALM = 296,
    AVP_EXPERIMENTAL_RESULT = 297,
    AVP_EXPERIMENTAL_RESULT_CODE = 298,
    AVP_CC_REQUEST_NUMBER = 415,
    AVP_CC_REQUEST_TYPE = 416,
    AVP_SUBSCRIPTION_ID = 443,
    AVP_SUBSCRIPTION_ID_DATA = 444,
    AVP_SUBSCRIPTION_ID_TYPE = 450,
};

struct dia_str {
    uint8_t len;
    bool present;
    char s[DIA_STR_MAX];
};

struct dia_tx {
    struct app_pdu_tx pdu;
    uint8_t version, flags;
    uint32_t length, command_code, application_id, hop_by_hop, end_to_end;
    struct dia_str session_id, origin_host, origin_realm, destination_host, destination_realm,
        user_name, product_name, error_message, subscription_id;
    bool has_result, has_exp_result, has_auth_app, has_acct_app, has_cc_type, has_cc_number,
        has_sub_type;
    uint32_t result_code, exp_result_code, auth_app, acct_app, cc_type, cc_number, sub_type;
    uint32_t avps;
    bool mask_imsi, mask_msisdn; /* the configuration when it was parsed */
    /* Answer: the request it answers. */
    struct app_pdu_answer answer;
};

struct dia_pending {
    bool used;
    uint8_t dir; /* the request's direction */
    uint32_t hop_by_hop, command_code;
    uint64_t tx_id, ts_usec;
};

struct dia_state {
    struct app_pdu_framed f; /* transactions and framers */
    struct dia_pending pending[DIA_PENDING];
    uint32_t next_pending;
    uint32_t flow_events;
};

static void dia_event(struct dia_state *st, struct dia_tx *tx, enum dia_event e)
{
    app_pdu_event(st->f.ctx, APP_PROTO_DIAMETER, tx ? &tx->pdu : NULL, tx ? NULL : &st->flow_events,
                  dia_event_names, e);
}

static void dia_log_body(const void *object, struct json_writer *w);

static void dia_str_set(struct dia_str *s, const uint8_t *d, uint32_t n)
{
    if (s->present)
        return;
    if (n > DIA_STR_MAX)
        n = DIA_STR_MAX;
    memcpy(s->s, d, n);
    s->len = (uint8_t)(n == DIA_STR_MAX ? DIA_STR_MAX - 1 : n);
    s->present = true;
}

static bool dia_u32(const uint8_t *d, uint32_t n, uint32_t *v)
{
    if (n != 4)
        return false;
    *v = app_rd32be(d);
    return true;
}

/* Walks the AVPs of p (n bytes); depth 0 is the message, 1 a Grouped AVP. */
static bool dia_avps(struct dia_state *st, struct dia_tx *tx, const uint8_t *p, uint32_t n,
                     uint32_t parent, int depth)
{
    struct app_cursor c = app_cursor_make(p, n);
    while (c.left > 0) {
        uint32_t code, vendor = 0, fl_len;
        if (!app_cur_u32be(&c, &code) || !app_cur_u32be(&c, &fl_len))
            return false;
        uint8_t aflags = (uint8_t)(fl_len >> 24);
        uint32_t alen = fl_len & 0xffffff, hdr = (aflags & 0x80) ? 12 : 8;
        if (alen < hdr)
            return false;
        if ((aflags & 0x80) && !app_cur_u32be(&c, &vendor))
            return false;
        const uint8_t *d;
        uint32_t dlen = alen - hdr;
        if (!app_cur_take(&c, dlen, &d))
            return false;
        uint32_t pad = (4 - (alen & 3)) & 3;
        if (c.left < pad && c.left > 0)
            return false;
        app_cur_skip(&c, pad < c.left ? pad : c.left);
        if (depth == 0)
            tx->avps++;
        if (vendor != 0)
            continue; /* vendor AVPs: not read */
        uint32_t v;
        switch (code) {
        case AVP_SESSION_ID: if (depth == 0) dia_str_set(&tx->session_id, d, dlen); break;
        case AVP_ORIGIN_HOST: if (depth == 0) dia_str_set(&tx->origin_host, d, dlen); break;
        case AVP_ORIGIN_REALM: if (depth == 0) dia_str_set(&tx->origin_realm, d, dlen); break;
        case AVP_DESTINATION_HOST: if (depth == 0) dia_str_set(&tx->destination_host, d, dlen); break;
        case AVP_DESTINATION_REALM:
            if (depth == 0)
                dia_str_set(&tx->destination_realm, d, dlen);
            break;
        case AVP_USER_NAME: if (depth == 0) dia_str_set(&tx->user_name, d, dlen); break;
        case AVP_PRODUCT_NAME: if (depth == 0) dia_str_set(&tx->product_name, d, dlen); break;
        case AVP_ERROR_MESSAGE: if (depth == 0) dia_str_set(&tx->error_message, d, dlen); break;
        case AVP_RESULT_CODE:
            if (depth == 0 && !tx->has_result && dia_u32(d, dlen, &v)) {
                tx->has_result = true;
                tx->result_code = v;
            }
            break;
        case AVP_EXPERIMENTAL_RESULT_CODE:
            if (parent == AVP_EXPERIMENTAL_RESULT && !tx->has_exp_result && dia_u32(d, dlen, &v)) {
                tx->has_exp_result = true;
                tx->exp_result_code = v;
            }
            break;
        case AVP_AUTH_APPLICATION_ID:
            if (!tx->has_auth_app && dia_u32(d, dlen, &v)) {
                tx->has_auth_app = true;
                tx->auth_app = v;
            }
            break;
        case AVP_ACCT_APPLICATION_ID:
            if (!tx->has_acct_app && dia_u32(d, dlen, &v)) {
                tx->has_acct_app = true;
                tx->acct_app = v;
            }
            break;
        case AVP_CC_REQUEST_TYPE:
            if (depth == 0 && !tx->has_cc_type && dia_u32(d, dlen, &v)) {
                tx->has_cc_type = true;
                tx->cc_type = v;
            }
            break;
        case AVP_CC_REQUEST_NUMBER:
            if (depth == 0 && !tx->has_cc_number && dia_u32(d, dlen, &v)) {
                tx->has_cc_number = true;
                tx->cc_number = v;
            }
            break;
        case AVP_SUBSCRIPTION_ID_DATA:
            if (parent == AVP_SUBSCRIPTION_ID)
                dia_str_set(&tx->subscription_id, d, dlen);
            break;
        case AVP_SUBSCRIPTION_ID_TYPE:
            if (parent == AVP_SUBSCRIPTION_ID && !tx->has_sub_type && dia_u32(d, dlen, &v)) {
                tx->has_sub_type = true;
                tx->sub_type = v;
            }
            break;
        case AVP_EXPERIMENTAL_RESULT:
        case AVP_VENDOR_SPECIFIC_APPLICATION_ID:
        case AVP_SUBSCRIPTION_ID:
            if (depth == 0 && !dia_avps(st, tx, d, dlen, code, 1))
                return false;
            break;
        default: break;
        }
    }
    return true;
}

static void dia_pair(struct dia_state *st, struct dia_tx *tx)
{
    bool request = tx->flags & 0x80;
    uint64_t now = st->f.ctx->ts_usec;
    if (request) {
        /* Retransmission (T flag) of a pending request: keep the first. */
        for (uint32_t i = 0; i < DIA_PENDING; i++) {
            struct dia_pending *p = &st->pending[i];
            if (p->used && p->dir == st->f.dir && p->hop_by_hop == tx->hop_by_hop)
                return;
        }
        struct dia_pending *p = &st->pending[st->next_pending++ % DIA_PENDING];
        *p = (struct dia_pending){.used = true,
                                  .dir = st->f.dir,
                                  .hop_by_hop = tx->hop_by_hop,
                                  .command_code = tx->command_code,
                                  .tx_id = tx->pdu.base.id,
                                  .ts_usec = now};
        return;
    }
    for (uint32_t i = 0; i < DIA_PENDING; i++) {
        struct dia_pending *p = &st->pending[i];
        if (p->used && p->dir != st->f.dir && p->hop_by_hop == tx->hop_by_hop &&
            p->command_code == tx->command_code) {
            app_pdu_answer_set(&tx->answer, p->tx_id, p->ts_usec, now);
            p->used = false;
            return;
        }
    }
    dia_event(st, tx, DIA_EV_UNMATCHED_ANSWER);
}

static void dia_message(struct dia_state *st, const uint8_t *d, uint32_t len)
{
    struct dia_tx *tx =
        app_pdu_tx_new(&st->f.q, st->f.ctx, &app_parser_diameter, sizeof(struct dia_tx), st->f.dir);
    if (!tx)
        return;
    tx->mask_imsi = app_parser_config(st->f.ctx)->diameter_mask_imsi;
    tx->mask_msisdn = app_parser_config(st->f.ctx)->diameter_mask_msisdn;
    tx->version = d[0];
    tx->length = (uint32_t)d[1] << 16 | (uint32_t)d[2] << 8 | d[3];
    tx->flags = d[4];
    tx->command_code = (uint32_t)d[5] << 16 | (uint32_t)d[6] << 8 | d[7];
    tx->application_id = app_rd32be(d + 8);
    tx->hop_by_hop = app_rd32be(d + 12);
    tx->end_to_end = app_rd32be(d + 16);
    if ((tx->flags & 0x0f) || ((tx->flags & 0x80) && (tx->flags & 0x20)))
        dia_event(st, tx, DIA_EV_INVALID_FLAGS);
    if (!dia_avps(st, tx, d + DIA_HDR, len - DIA_HDR, 0, 0))
        dia_event(st, tx, DIA_EV_MALFORMED_AVP);
    if (!tx->origin_host.present || !tx->origin_realm.present)
        dia_event(st, tx, DIA_EV_MISSING_AVP);
    dia_pair(st, tx);
    const struct ip_address *peer = app_telecom_sender(st->f.ctx, st->f.dir);
    if (peer && app_telecom_peer_unexpected(st->f.ctx, APP_TELECOM_PEER_DIAMETER, peer))
        app_telecom_alert(st->f.ctx, 2, "VIGIL Diameter message from an unexpected peer", st->f.dir,
                          &tx->pdu.base);
    app_pdu_tx_log(&st->f.q, st->f.ctx, &tx->pdu, "diameter", dia_log_body);
}

static bool dia_header_ok(const uint8_t *d)
{
    uint32_t len = (uint32_t)d[1] << 16 | (uint32_t)d[2] << 8 | d[3];
    return d[0] == 1 && len >= DIA_HDR && (len & 3) == 0 && (d[4] & 0x0f) == 0;
}

static int64_t dia_frame_len(const uint8_t *d, uint32_t n, void *user)
{
    (void)n;
    (void)user;
    if (!dia_header_ok(d))
        return APP_FRAME_INVALID;
    return (int64_t)((uint32_t)d[1] << 16 | (uint32_t)d[2] << 8 | d[3]);
}

static void dia_on_pdu(const uint8_t *d, uint32_t len, void *user)
{
    dia_message(user, d, len);
}

static void dia_on_skip(void *user, bool oversized)
{
    dia_event(user, NULL, oversized ? DIA_EV_MESSAGE_TOO_LARGE : DIA_EV_INVALID_DATA);
}

static const struct app_framer_ops dia_framer_ops = {
    .frame_len = dia_frame_len, .on_pdu = dia_on_pdu, .on_skip = dia_on_skip};

static int dia_parse(void *state, struct app_parse_ctx *ctx, uint8_t direction,
                     const uint8_t *data, uint32_t len, uint32_t flags)
{
    return app_pdu_framed_parse(state, ctx, direction, data, len, flags, &dia_framer_ops);
}

static enum app_probe_result dia_probe(const uint8_t *d, uint32_t len, uint8_t direction)
{
    (void)direction;
    if (len < 1)
        return APP_PROBE_NEED_MORE;
    if (d[0] != 1)
        return APP_PROBE_NO;
    if (len < DIA_HDR)
        return APP_PROBE_NEED_MORE;
    if (!dia_header_ok(d))
        return APP_PROBE_NO;
    /* The first AVP's length must fit. */
    uint32_t mlen = (uint32_t)d[1] << 16 | (uint32_t)d[2] << 8 | d[3];
    if (mlen == DIA_HDR)
        return APP_PROBE_MATCH;
    if (len < DIA_HDR + 8)
        return APP_PROBE_NEED_MORE;
    uint32_t alen = app_rd32be(d + DIA_HDR + 4) & 0xffffff;
    return alen >= 8 && alen <= mlen - DIA_HDR ? APP_PROBE_MATCH : APP_PROBE_NO;
}

static void *dia_state_new(struct app_parse_ctx *ctx)
{
    return app_pdu_framed_new(ctx, sizeof(struct dia_state), DIA_HDR, DIA_MAX_MSG, NULL);
}

static void dia_state_free(void *state)
{
    app_pdu_framed_free(state, sizeof(struct dia_state));
}

/* ---- EVE ---- */

static const char *dia_command_name(uint32_t code)
{
    switch (code) {
    case 257: return "Capabilities-Exchange";
    case 258: return "Re-Auth";
    case 265: return "AA";
    case 268: return "Diameter-EAP";
    case 271: return "Accounting";
    case 272: return "Credit-Control";
    case 274: return "Abort-Session";
    case 275: return "Session-Termination";
    case 280: return "Device-Watchdog";
    case 282: return "Disconnect-Peer";
    case 300: return "User-Authorization";
    case 301: return "Server-Assignment";
    case 302: return "Location-Info";
    case 303: return "Multimedia-Auth";
    case 304: return "Registration-Termination";
    case 305: return "Push-Profile";
    case 306: return "User-Data";
    case 316: return "Update-Location";
    case 317: return "Cancel-Location";
    case 318: return "Authentication-Information";
    case 319: return "Insert-Subscriber-Data";
    case 320: return "Delete-Subscriber-Data";
    case 321: return "Purge-UE";
    case 322: return "Reset";
    case 323: return "Notify";
    default: return NULL;
    }
}

static void dia_json_str(struct json_writer *w, const char *key, const struct dia_str *s)
{
    if (s->present)
        json_key_string_len(w, key, s->s, s->len);
}

/* RFC 3966's visual separators (and the space people type): a number
 * written "tel:+1-201-555-0123" is one run of digits. */
static bool dia_visual_separator(char c)
{
    return c == '-' || c == '.' || c == ' ' || c == '(' || c == ')';
}

static bool dia_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* A subscriber identity as logged when masked (as GTP's mask-imsi): in
 * every run of 6 or more digits (an IMSI, an MSISDN, the IMSI of an NAI
 * such as 0001010123456789@wlan.mnc001.mcc001.3gppnetwork.org; digits
 * joined by visual separators count as one run) only the first 5 digits
 * stay (MCC+MNC, a country and operator); the other digits become '*'.
 * Rules (diameter.user_name) still see the value as sent. */
static void dia_json_identity(struct json_writer *w, const char *key, const struct dia_str *s,
                              bool mask)
{
    if (!s->present)
        return;
    if (!mask) {
        json_key_string_len(w, key, s->s, s->len);
        return;
    }
    char m[DIA_STR_MAX];
    memcpy(m, s->s, s->len);
    for (uint32_t i = 0; i < s->len;) {
        if (!dia_digit(m[i])) {
            i++;
            continue;
        }
        uint32_t b = i, end = i, digits = 0;
        while (i < s->len) {
            if (dia_digit(m[i])) {
                digits++;
                end = ++i;
            } else if (dia_visual_separator(m[i])) {
                i++;
            } else {
                break;
            }
        }
        i = end; /* separators after the last digit are not part of the run */
        if (digits < 6)
            continue;
        uint32_t kept = 0;
        for (uint32_t j = b; j < end; j++)
            if (dia_digit(m[j]) && ++kept > 5)
                m[j] = '*';
    }
    json_key_string_len(w, key, m, s->len);
}

static void dia_tx_write_json(const struct app_tx *atx, struct json_writer *w)
{
    const struct dia_tx *tx = (const struct dia_tx *)atx;
    json_key_object_begin(w, "diameter");
    json_key_u64(w, "version", tx->version);
    json_key_u64(w, "length", tx->length);
    json_key_u64(w, "command_code", tx->command_code);
    const char *cn = dia_command_name(tx->command_code);
    if (cn)
        json_key_string(w, "command_name", cn);
    json_key_bool(w, "request", tx->flags & 0x80);
    json_key_object_begin(w, "flags");
    json_key_bool(w, "proxiable", tx->flags & 0x40);
    json_key_bool(w, "error", tx->flags & 0x20);
    json_key_bool(w, "retransmitted", tx->flags & 0x10);
    json_object_end(w);
    json_key_u64(w, "application_id", tx->application_id);
    json_key_u64(w, "hop_by_hop_id", tx->hop_by_hop);
    json_key_u64(w, "end_to_end_id", tx->end_to_end);
    dia_json_str(w, "session_id", &tx->session_id);
    dia_json_str(w, "origin_host", &tx->origin_host);
    dia_json_str(w, "origin_realm", &tx->origin_realm);
    dia_json_str(w, "destination_host", &tx->destination_host);
    dia_json_str(w, "destination_realm", &tx->destination_realm);
    /* User-Name: an IMSI (S6a, SWx) or an NAI carrying one */
    dia_json_identity(w, "user_name", &tx->user_name, tx->mask_imsi);
    dia_json_str(w, "product_name", &tx->product_name);
    if (tx->has_result)
        json_key_u64(w, "result_code", tx->result_code);
    if (tx->has_exp_result)
        json_key_u64(w, "experimental_result_code", tx->exp_result_code);
    dia_json_str(w, "error_message", &tx->error_message);
    if (tx->has_auth_app)
        json_key_u64(w, "auth_application_id", tx->auth_app);
    if (tx->has_acct_app)
        json_key_u64(w, "acct_application_id", tx->acct_app);
    if (tx->has_cc_type)
        json_key_u64(w, "cc_request_type", tx->cc_type);
    if (tx->has_cc_number)
        json_key_u64(w, "cc_request_number", tx->cc_number);
    if (tx->subscription_id.present) {
        json_key_object_begin(w, "subscription_id");
        if (tx->has_sub_type)
            json_key_u64(w, "type", tx->sub_type);
        /* Subscription-Id-Type: 0 E.164 (MSISDN), 1 IMSI, 2 SIP URI, 3 NAI,
         * 4 private; absent or private: masked when either option is on */
        uint32_t t = tx->has_sub_type ? tx->sub_type : 4;
        bool mask = t == 0 || t == 2   ? tx->mask_msisdn
                    : t == 1 || t == 3 ? tx->mask_imsi
                                       : tx->mask_imsi || tx->mask_msisdn;
        dia_json_identity(w, "data", &tx->subscription_id, mask);
        json_object_end(w);
    }
    json_key_u64(w, "avps", tx->avps);
    app_pdu_write_answers(w, "answers", &tx->answer);
    json_object_end(w);
}

static void dia_log_body(const void *object, struct json_writer *w)
{
    dia_tx_write_json(object, w);
}

static bool dia_tx_has_event(const struct app_tx *tx, const char *name)
{
    return app_pdu_has_event(tx, dia_event_names, DIA_EV_COUNT, name);
}

/* ---- rule keywords ---- */

static int dia_out(const struct dia_str *s, uint32_t index, const uint8_t **data, uint32_t *len)
{
    if (index || !s->present)
        return -ENOENT;
    *data = (const uint8_t *)s->s;
    *len = s->len;
    return 0;
}

static int dia_tx_get_buffer(const struct app_tx *atx, enum app_buffer buffer, uint32_t index,
                             const uint8_t **data, uint32_t *len)
{
    const struct dia_tx *tx = (const struct dia_tx *)atx;
    switch (buffer) {
    case APP_BUFFER_DIAMETER_SESSION_ID: return dia_out(&tx->session_id, index, data, len);
    case APP_BUFFER_DIAMETER_ORIGIN_HOST: return dia_out(&tx->origin_host, index, data, len);
    case APP_BUFFER_DIAMETER_ORIGIN_REALM: return dia_out(&tx->origin_realm, index, data, len);
    case APP_BUFFER_DIAMETER_DESTINATION_HOST:
        return dia_out(&tx->destination_host, index, data, len);
    case APP_BUFFER_DIAMETER_DESTINATION_REALM:
        return dia_out(&tx->destination_realm, index, data, len);
    case APP_BUFFER_DIAMETER_USER_NAME: return dia_out(&tx->user_name, index, data, len);
    default: return -ENOENT;
    }
}

enum {
    DIA_F_CMD_CODE,
    DIA_F_APPLICATION_ID,
    DIA_F_RESULT_CODE,
    DIA_F_REQUEST,
    DIA_F_COUNT,
};

static const struct app_uint_enum dia_cmd_enum[] = {
    {"capabilities_exchange", 257}, {"re_auth", 258},         {"aa", 265},
    {"accounting", 271},            {"credit_control", 272},  {"abort_session", 274},
    {"session_termination", 275},   {"device_watchdog", 280}, {"disconnect_peer", 282},
    {"update_location", 316},       {"cancel_location", 317}, {"authentication_information", 318},
    {"insert_subscriber_data", 319}, {"purge_ue", 321},       {NULL, 0}};

static const struct app_uint_field dia_fields[DIA_F_COUNT] = {
    [DIA_F_CMD_CODE] = {"diameter.cmd_code", 3, 0xffffff, dia_cmd_enum, false},
    [DIA_F_APPLICATION_ID] = {"diameter.application_id", 3, UINT32_MAX, NULL, false},
    [DIA_F_RESULT_CODE] = {"diameter.result_code", 3, UINT32_MAX, NULL, false},
    [DIA_F_REQUEST] = {"diameter.request", 3, 1, NULL, false},
};

static int dia_tx_get_uint(const struct app_tx *atx, uint16_t field, uint32_t index,
                           uint64_t *value, const char **name)
{
    (void)name;
    const struct dia_tx *tx = (const struct dia_tx *)atx;
    if (index)
        return -ENOENT;
    switch (field) {
    case DIA_F_CMD_CODE: *value = tx->command_code; return 0;
    case DIA_F_APPLICATION_ID: *value = tx->application_id; return 0;
    case DIA_F_REQUEST: *value = (tx->flags & 0x80) ? 1 : 0; return 0;
    case DIA_F_RESULT_CODE:
        if (tx->has_result) {
            *value = tx->result_code;
            return 0;
        }
        if (tx->has_exp_result) {
            *value = tx->exp_result_code;
            return 0;
        }
        return -ENOENT;
    default: return -ENOENT;
    }
}

const struct app_parser app_parser_diameter = {
    .vigil_only = true,
    .proto = APP_PROTO_DIAMETER,
    .name = "diameter",
    .ipprotos = APP_IPPROTO_TCP,
    .ports = {3868},
    .probe = dia_probe,
    .probe_needs_port = true,
    .state_new = dia_state_new,
    .state_free = dia_state_free,
    .parse = dia_parse,
    .tx_foreach = app_pdu_framed_foreach,
    .tx_complete = app_pdu_tx_complete,
    .tx_get_buffer = dia_tx_get_buffer,
    .tx_write_json = dia_tx_write_json,
    .tx_has_event = dia_tx_has_event,
    .events_on_packet = true,
    .event_names = dia_event_names,
    .tx_direction = app_pdu_tx_direction,
    .uint_fields = dia_fields,
    .n_uint_fields = DIA_F_COUNT,
    .tx_get_field_uint = dia_tx_get_uint,
};
