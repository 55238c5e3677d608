/* SPDX-License-Identifier: Apache-2.0 */
/* GTP (issue 15): GTPv1-C (3GPP TS 29.060) and GTPv2-C (TS 29.274) over
 * UDP 2123, and the GTP-U messages (TS 29.281) that the decoder does not
 * decapsulate (echo, error indication, end marker, G-PDUs that carry no
 * IP) over UDP 2152.
 *
 * A datagram holds one message, or for GTPv2 a message with a piggybacked
 * one (P flag; at most GTP_MAX_PIGGY of them). GTPv1 headers: flags
 * (version, PT, E, S, PN), type, length of what follows the 8 mandatory
 * bytes, TEID, then the optional sequence number, N-PDU number and next
 * extension header type when any of E, S, PN is set, and the extension
 * header chain. GTPv2: flags (version, P, T, MP), type, length of what
 * follows the first 4 bytes, the TEID when T is set, a 24-bit sequence
 * number and a spare byte. The information elements are walked with
 * bounds on every read: GTPv1's TV elements have fixed lengths from the
 * specification (an unknown TV type ends the walk, malformed_ie), its TLV
 * elements (type >= 128) a 16-bit length; GTPv2's are all TLIV, Grouped
 * ones (Bearer Context) one level deep. Read: IMSI, MSISDN, MEI/IMEI(SV)
 * (TBCD digits), APN (labels joined with dots), RAT type, cause,
 * recovery, the sender's control-plane TEID (TEID Control Plane or the
 * first F-TEID), the data TEID and the end user / PDN address.
 *
 * One transaction and one EVE "gtp" event per message, in the direction it
 * travelled (vigil's shape, docs/app-layer.md). Requests and responses are
 * paired by version and sequence number (the response travels the other
 * way): the response's event names the request's transaction and the
 * round trip; a response to no pending request raises unmatched_response.
 *
 * G-PDUs the decoder decapsulates (the subscriber's IPv4/IPv6 packets, which
 * become inner flows) are logged from the decoder's record of the tunnel
 * header (app_gtp_tunnel_log): one "gtp" event per GTP-U header with the
 * inner addresses, on the outer UDP flow.
 *
 * IMSI and MSISDN are logged as sent unless app-layer.protocols.gtp.mask-imsi
 * / mask-msisdn is on (then only the first GTP_MASK_KEEP digits, the
 * operator's MCC+MNC for an IMSI, are kept and the rest written as '*');
 * rules see the real digits.
 *
 * The peer detector (gid 7301) is app_telecom_peer_unexpected below. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "app/app_buffer.h"
#include "app/app_cursor.h"
#include "app/app_parser.h"
#include "app/app_pdu.h"
#include "util/config.h"
#include "decode/decode.h"
#include "decode/packet.h"
#include "flow/flow.h"
#include "util/json.h"

#define GTP_PENDING 64u
#define GTP_MAX_PIGGY 2u
#define GTP_MAX_EXT 16u
#define GTP_DIGITS_MAX 16u
#define GTP_APN_MAX 100u
#define GTP_MASK_KEEP 5u
#define TELECOM_PEERS_GID 7301u

enum gtp_event {
    GTP_EV_INVALID_HEADER = 0, /* version not 1/2, PT 0 (GTP'), header longer than the message */
    GTP_EV_TRUNCATED,          /* the length field runs past the datagram */
    GTP_EV_MALFORMED_IE,       /* an IE that overruns its message, or an unknown TV type */
    GTP_EV_INVALID_TBCD,       /* IMSI/MSISDN/MEI digits that are not BCD */
    GTP_EV_UNKNOWN_MESSAGE,    /* a message type the specification does not define */
    GTP_EV_UNMATCHED_RESPONSE,
    GTP_EV_TRAILING_DATA,      /* bytes after the message that are not a piggybacked one */
    GTP_EV_TOO_MANY_TX,
    GTP_EV_COUNT,
};
static const char *const gtp_event_names[GTP_EV_COUNT + 1] = {
    "invalid_header", "truncated_message", "malformed_ie",   "invalid_tbcd",
    "unknown_message_type", "unmatched_response", "trailing_data", "too_many_transactions",
};

enum gtp_kind { GTP_KIND_OTHER = 0, GTP_KIND_REQUEST, GTP_KIND_RESPONSE };

struct gtp_digits {
    uint8_t len;
    char d[GTP_DIGITS_MAX + 1];
};

struct gtp_tx {
    struct app_pdu_tx pdu;
    uint8_t version, flags, msg_type, kind;
    uint16_t length;
    bool has_teid, has_seq, piggybacked;
    uint32_t teid, seq;
    uint8_t n_ext;
    uint8_t ext[GTP_MAX_EXT];
    struct gtp_digits imsi, msisdn, mei;
    uint8_t apn_len;
    bool has_apn;
    char apn[GTP_APN_MAX + 1];
    bool has_cause, has_rat, has_recovery, has_ctrl_teid, has_data_teid, has_nsapi;
    uint8_t cause, rat_type, recovery, nsapi;
    uint32_t ctrl_teid, data_teid;
    struct ip_address eua; /* end user / PDN address, family 0 when none */
    uint32_t ies;
    /* A response: the request it answers. */
    struct app_pdu_answer answer;
    /* A G-PDU logged from the decoder: the inner packet's addresses. */
    bool has_inner;
    struct ip_address inner_src, inner_dst;
    bool mask_imsi, mask_msisdn; /* the configuration when it was parsed */
};

struct gtp_pending {
    bool used;
    uint8_t dir, version;
    uint32_t seq;
    uint64_t tx_id, ts_usec;
};

struct gtp_state {
    struct app_pdu_queue q;
    struct gtp_pending pending[GTP_PENDING];
    uint32_t next_pending;
    uint32_t flow_events;
    struct app_parse_ctx *ctx;
    uint8_t dir;
};

static void gtp_log_body(const void *object, struct json_writer *w);

static void gtp_event(struct gtp_state *st, struct gtp_tx *tx, enum gtp_event e)
{
    app_pdu_event(st->ctx, APP_PROTO_GTP, tx ? &tx->pdu : NULL, tx ? NULL : &st->flow_events,
                  gtp_event_names, e);
}

/* ---- message types ---- */

/* Request and response types: a response is request + 1 in these pairs. */
static enum gtp_kind gtp_kind_of(uint8_t version, uint8_t t)
{
    static const uint8_t req1[] = {1,  3,  5,  16, 18, 20, 22, 27, 29, 32, 34, 36, 48, 50,
                                   52, 54, 56, 58, 60, 62, 64, 70, 96, 98, 100, 102, 240, 0};
    static const uint8_t req2[] = {1,   32,  34,  36,  38,  64,  66,  68,  95,  97,  99,
                                   101, 128, 130, 133, 135, 137, 139, 141, 149, 151, 153,
                                   158, 160, 162, 164, 166, 168, 170, 176, 200, 211, 231, 0};
    for (const uint8_t *r = version == 1 ? req1 : req2; *r; r++) {
        if (t == *r)
            return GTP_KIND_REQUEST;
        if (t == *r + 1)
            return GTP_KIND_RESPONSE;
    }
    return GTP_KIND_OTHER;
}

static const char *gtp_v1_name(uint8_t t)
{
    switch (t) {
    case 1: return "echo_request";
    case 2: return "echo_response";
    case 3: return "version_not_supported";
    case 16: return "create_pdp_context_request";
    case 17: return "create_pdp_context_response";
    case 18: return "update_pdp_context_request";
    case 19: return "update_pdp_context_response";
    case 20: return "delete_pdp_context_request";
    case 21: return "delete_pdp_context_response";
    case 22: return "initiate_pdp_context_activation_request";
    case 23: return "initiate_pdp_context_activation_response";
    case 26: return "error_indication";
    case 27: return "pdu_notification_request";
    case 28: return "pdu_notification_response";
    case 29: return "pdu_notification_reject_request";
    case 30: return "pdu_notification_reject_response";
    case 31: return "supported_extension_headers_notification";
    case 32: return "send_routeing_information_request";
    case 33: return "send_routeing_information_response";
    case 48: return "identification_request";
    case 49: return "identification_response";
    case 50: return "sgsn_context_request";
    case 51: return "sgsn_context_response";
    case 52: return "sgsn_context_acknowledge";
    case 54: return "forward_relocation_request";
    case 55: return "forward_relocation_response";
    case 240: return "data_record_transfer_request";
    case 241: return "data_record_transfer_response";
    case 254: return "end_marker";
    case 255: return "g_pdu";
    default: return NULL;
    }
}

static const char *gtp_v2_name(uint8_t t)
{
    switch (t) {
    case 1: return "echo_request";
    case 2: return "echo_response";
    case 3: return "version_not_supported";
    case 32: return "create_session_request";
    case 33: return "create_session_response";
    case 34: return "modify_bearer_request";
    case 35: return "modify_bearer_response";
    case 36: return "delete_session_request";
    case 37: return "delete_session_response";
    case 38: return "change_notification_request";
    case 39: return "change_notification_response";
    case 64: return "modify_bearer_command";
    case 65: return "modify_bearer_failure_indication";
    case 66: return "delete_bearer_command";
    case 67: return "delete_bearer_failure_indication";
    case 68: return "bearer_resource_command";
    case 69: return "bearer_resource_failure_indication";
    case 70: return "downlink_data_notification_failure_indication";
    case 95: return "create_bearer_request";
    case 96: return "create_bearer_response";
    case 97: return "update_bearer_request";
    case 98: return "update_bearer_response";
    case 99: return "delete_bearer_request";
    case 100: return "delete_bearer_response";
    case 128: return "identification_request";
    case 129: return "identification_response";
    case 130: return "context_request";
    case 131: return "context_response";
    case 132: return "context_acknowledge";
    case 133: return "forward_relocation_request";
    case 134: return "forward_relocation_response";
    case 170: return "release_access_bearers_request";
    case 171: return "release_access_bearers_response";
    case 176: return "downlink_data_notification";
    case 177: return "downlink_data_notification_acknowledge";
    case 211: return "modify_access_bearers_request";
    case 212: return "modify_access_bearers_response";
    default: return NULL;
    }
}

/* ---- information elements ---- */

/* TBCD digits (low nibble first; an 0xF nibble ends them). */
static bool gtp_tbcd(struct gtp_digits *out, const uint8_t *d, uint32_t n)
{
    if (out->len)
        return true; /* the first one counts */
    bool ok = true;
    uint32_t k = 0;
    for (uint32_t i = 0; i < n && k < GTP_DIGITS_MAX; i++) {
        uint8_t nib[2] = {(uint8_t)(d[i] & 0x0f), (uint8_t)(d[i] >> 4)};
        for (int j = 0; j < 2 && k < GTP_DIGITS_MAX; j++) {
            if (nib[j] == 0x0f) {
                if (i + 1 != n || j != 1)
                    ok = false; /* a filler only at the very end */
                i = n;
                break;
            }
            if (nib[j] > 9) {
                ok = false;
                continue;
            }
            out->d[k++] = (char)('0' + nib[j]);
        }
    }
    out->d[k] = '\0';
    out->len = (uint8_t)k;
    return ok;
}

/* An APN: length-prefixed labels, written with dots. */
static void gtp_apn(struct gtp_tx *tx, const uint8_t *d, uint32_t n)
{
    if (tx->has_apn)
        return;
    tx->has_apn = true;
    uint32_t i = 0, k = 0;
    while (i < n && k < GTP_APN_MAX) {
        uint32_t l = d[i++];
        if (l > n - i)
            l = n - i;
        if (k && k < GTP_APN_MAX)
            tx->apn[k++] = '.';
        for (uint32_t j = 0; j < l && k < GTP_APN_MAX; j++) {
            uint8_t c = d[i + j];
            tx->apn[k++] = (c >= 0x20 && c < 0x7f) ? (char)c : '?';
        }
        i += l;
    }
    tx->apn[k] = '\0';
    tx->apn_len = (uint8_t)k;
}

static void gtp_ip(struct ip_address *a, const uint8_t *d, uint32_t n)
{
    memset(a, 0, sizeof *a);
    if (n == 4) {
        a->family = 4;
        a->addr.u8[10] = a->addr.u8[11] = 0xff;
        memcpy(a->addr.u8 + 12, d, 4);
    } else if (n == 16) {
        a->family = 6;
        memcpy(a->addr.u8, d, 16);
    }
}

static void gtp_digits_ie(struct gtp_state *st, struct gtp_tx *tx, struct gtp_digits *out,
                          const uint8_t *d, uint32_t n)
{
    if (!gtp_tbcd(out, d, n))
        gtp_event(st, tx, GTP_EV_INVALID_TBCD);
}

/* GTPv1 TV element lengths (TS 29.060 7.7), 0 for types that are not TV. */
static uint8_t gtp_v1_tv_len(uint8_t t)
{
    static const uint8_t len[30] = {
        [1] = 1,  [2] = 8,  [3] = 6,  [4] = 4,  [5] = 4,  [8] = 1,  [9] = 28, [11] = 1,
        [12] = 3, [13] = 1, [14] = 1, [15] = 1, [16] = 4, [17] = 4, [18] = 5, [19] = 1,
        [20] = 1, [21] = 1, [22] = 9, [23] = 1, [24] = 1, [25] = 2, [26] = 2, [27] = 2,
        [28] = 2, [29] = 1};
    if (t < sizeof len)
        return len[t];
    return t == 127 ? 4 : 0; /* Charging ID */
}

static bool gtp_v1_ies(struct gtp_state *st, struct gtp_tx *tx, const uint8_t *p, uint32_t n)
{
    struct app_cursor c = app_cursor_make(p, n);
    while (c.left > 0) {
        uint8_t t;
        const uint8_t *d;
        uint32_t dlen;
        (void)app_cur_u8(&c, &t);
        if (t < 128) {
            dlen = gtp_v1_tv_len(t);
            if (dlen == 0)
                return false;
        } else if (t == 141) { /* Extension Header Type List: a 1-byte length */
            uint8_t l;
            if (!app_cur_u8(&c, &l))
                return false;
            dlen = l;
        } else {
            uint16_t l;
            if (!app_cur_u16be(&c, &l))
                return false;
            dlen = l;
        }
        if (!app_cur_take(&c, dlen, &d))
            return false;
        tx->ies++;
        switch (t) {
        case 1:
            if (!tx->has_cause) {
                tx->has_cause = true;
                tx->cause = d[0];
            }
            break;
        case 2: gtp_digits_ie(st, tx, &tx->imsi, d, dlen); break;
        case 14:
            tx->has_recovery = true;
            tx->recovery = d[0];
            break;
        case 16:
            if (!tx->has_data_teid) {
                tx->has_data_teid = true;
                tx->data_teid = app_rd32be(d);
            }
            break;
        case 17:
            if (!tx->has_ctrl_teid) {
                tx->has_ctrl_teid = true;
                tx->ctrl_teid = app_rd32be(d);
            }
            break;
        case 20:
            tx->has_nsapi = true;
            tx->nsapi = d[0] & 0x0f;
            break;
        case 128: /* End User Address: PDP type organisation, number, address */
            if (dlen >= 2 && (d[0] & 0x0f) == 1 && tx->eua.family == 0)
                gtp_ip(&tx->eua, d + 2, dlen - 2 >= 16 ? 16 : dlen - 2 == 4 ? 4 : 0);
            break;
        case 131: gtp_apn(tx, d, dlen); break;
        case 134: /* MSISDN: an address-string octet, then TBCD digits */
            if (dlen >= 1)
                gtp_digits_ie(st, tx, &tx->msisdn, d + 1, dlen - 1);
            break;
        case 151:
            if (dlen >= 1 && !tx->has_rat) {
                tx->has_rat = true;
                tx->rat_type = d[0];
            }
            break;
        case 154: gtp_digits_ie(st, tx, &tx->mei, d, dlen); break;
        default: break;
        }
    }
    return true;
}

static bool gtp_v2_ies(struct gtp_state *st, struct gtp_tx *tx, const uint8_t *p, uint32_t n,
                       int depth)
{
    struct app_cursor c = app_cursor_make(p, n);
    while (c.left > 0) {
        uint8_t t, inst;
        uint16_t l;
        const uint8_t *d;
        if (!app_cur_u8(&c, &t) || !app_cur_u16be(&c, &l) || !app_cur_u8(&c, &inst) ||
            !app_cur_take(&c, l, &d))
            return false;
        inst &= 0x0f;
        if (depth == 0)
            tx->ies++;
        switch (t) {
        case 1: if (depth == 0) gtp_digits_ie(st, tx, &tx->imsi, d, l); break;
        case 2:
            if (depth == 0 && l >= 1 && !tx->has_cause) {
                tx->has_cause = true;
                tx->cause = d[0];
            }
            break;
        case 3:
            if (l >= 1) {
                tx->has_recovery = true;
                tx->recovery = d[0];
            }
            break;
        case 71: if (depth == 0) gtp_apn(tx, d, l); break;
        case 73:
            if (l >= 1 && !tx->has_nsapi) {
                tx->has_nsapi = true;
                tx->nsapi = d[0] & 0x0f;
            }
            break;
        case 75: if (depth == 0) gtp_digits_ie(st, tx, &tx->mei, d, l); break;
        case 76: if (depth == 0) gtp_digits_ie(st, tx, &tx->msisdn, d, l); break;
        case 79: /* PDN Address Allocation: PDN type, then the address */
            if (depth == 0 && l >= 5 && (d[0] & 7) == 1 && tx->eua.family == 0)
                gtp_ip(&tx->eua, d + 1, 4);
            else if (depth == 0 && l >= 18 && (d[0] & 7) == 2 && tx->eua.family == 0)
                gtp_ip(&tx->eua, d + 2, 16);
            break;
        case 82:
            if (l >= 1 && !tx->has_rat) {
                tx->has_rat = true;
                tx->rat_type = d[0];
            }
            break;
        case 87: /* F-TEID: flags and interface type, TEID/GRE key, addresses */
            if (l >= 5) {
                if (depth == 0 && inst == 0 && !tx->has_ctrl_teid) {
                    tx->has_ctrl_teid = true;
                    tx->ctrl_teid = app_rd32be(d + 1);
                } else if (depth == 1 && !tx->has_data_teid) {
                    tx->has_data_teid = true;
                    tx->data_teid = app_rd32be(d + 1);
                }
            }
            break;
        case 93: /* Bearer Context (Grouped) */
            if (depth == 0 && !gtp_v2_ies(st, tx, d, l, 1))
                return false;
            break;
        default: break;
        }
    }
    return true;
}

/* ---- headers ---- */

/* Reads a GTP header at d (n bytes at hand). Returns the message's total
 * length (header included, > 0), 0 when the bytes are not a GTPv1/v2
 * header, -1 when the header is there but its length runs past n.
 * *ies_off: where the IEs or the payload start. */
static int32_t gtp_header(struct gtp_tx *tx, const uint8_t *d, uint32_t n, uint32_t *ies_off)
{
    if (n < 4)
        return 0;
    uint8_t v = d[0] >> 5;
    tx->version = v;
    tx->flags = d[0];
    tx->msg_type = d[1];
    tx->length = app_rd16be(d + 2);
    if (v == 1) {
        if (!(d[0] & 0x10) || n < 8)
            return 0; /* GTP' (PT 0) is not parsed */
        uint32_t total = 8u + tx->length;
        tx->has_teid = true;
        tx->teid = app_rd32be(d + 4);
        uint32_t off = 8;
        if (d[0] & 0x07) {
            if (total < 12 || n < 12)
                return total > n ? -1 : 0;
            tx->has_seq = (d[0] & 0x02) != 0;
            tx->seq = app_rd16be(d + 8);
            off = 12;
            uint8_t next = (d[0] & 0x04) ? d[11] : 0;
            while (next != 0) {
                if (tx->n_ext >= GTP_MAX_EXT || off >= total || off >= n)
                    return total > n ? -1 : 0;
                tx->ext[tx->n_ext++] = next;
                uint32_t elen = (uint32_t)d[off] * 4;
                if (elen == 0 || off + elen > total || off + elen > n)
                    return total > n ? -1 : 0;
                next = d[off + elen - 1];
                off += elen;
            }
        }
        if (total > n)
            return -1;
        *ies_off = off;
        return (int32_t)total;
    }
    if (v == 2) {
        uint32_t total = 4u + tx->length;
        uint32_t hlen = (d[0] & 0x08) ? 12 : 8;
        if (total < hlen)
            return 0;
        if (n < hlen)
            return -1;
        uint32_t off = 4;
        if (d[0] & 0x08) {
            tx->has_teid = true;
            tx->teid = app_rd32be(d + 4);
            off = 8;
        }
        tx->has_seq = true;
        tx->seq = (uint32_t)d[off] << 16 | (uint32_t)d[off + 1] << 8 | d[off + 2];
        if (total > n)
            return -1;
        *ies_off = hlen;
        return (int32_t)total;
    }
    return 0;
}

static bool gtp_header_ok(const uint8_t *d, uint32_t n)
{
    struct gtp_tx t;
    memset(&t, 0, sizeof t);
    uint32_t off = 0;
    return gtp_header(&t, d, n, &off) != 0;
}

/* ---- the peer detector (gid 7301) ---- */

struct telecom_peer {
    uint8_t used, kind;
    struct ip_address addr;
};

struct telecom_peers {
    uint32_t cap, count, max;
    bool started[APP_TELECOM_PEER_KINDS];
    uint64_t start_usec[APP_TELECOM_PEER_KINDS];
    struct telecom_peer slot[];
};

void app_telecom_peers_free(void *peers)
{
    free(peers);
}

static uint32_t telecom_hash(uint8_t kind, const struct ip_address *a)
{
    uint32_t h = 2166136261u ^ kind;
    for (int i = 0; i < 16; i++)
        h = (h ^ a->addr.u8[i]) * 16777619u;
    return h;
}

bool app_telecom_peer_unexpected(struct app_parse_ctx *ctx, uint8_t kind,
                                 const struct ip_address *addr)
{
    const struct app_layer_config *cfg = app_parser_config(ctx);
    if (!cfg->telecom_peers_enabled || kind >= APP_TELECOM_PEER_KINDS || !addr->family)
        return false;
    struct telecom_peers **slotp = (struct telecom_peers **)app_thread_telecom_peers(ctx->thread);
    struct telecom_peers *t = *slotp;
    if (!t) {
        uint32_t max = cfg->telecom_peers_max ? cfg->telecom_peers_max : 1;
        uint32_t cap = 16;
        while (cap < max * 2u && cap < (1u << 24))
            cap <<= 1;
        t = calloc(1, sizeof *t + (size_t)cap * sizeof t->slot[0]);
        if (!t)
            return false;
        t->cap = cap;
        t->max = max;
        *slotp = t;
    }
    if (!t->started[kind]) {
        t->started[kind] = true;
        t->start_usec[kind] = ctx->ts_usec;
    }
    uint32_t i = telecom_hash(kind, addr) & (t->cap - 1);
    while (t->slot[i].used) {
        if (t->slot[i].kind == kind && t->slot[i].addr.family == addr->family &&
            memcmp(t->slot[i].addr.addr.u8, addr->addr.u8, 16) == 0)
            return false;
        i = (i + 1) & (t->cap - 1);
    }
    /* A new peer. Past max-peers nothing is learned or reported. */
    if (t->count >= t->max)
        return false;
    t->slot[i].used = 1;
    t->slot[i].kind = kind;
    t->slot[i].addr = *addr;
    t->count++;
    /* Packet time before the start (a capture out of order): still learning. */
    return ctx->ts_usec >= t->start_usec[kind] &&
           ctx->ts_usec - t->start_usec[kind] >= cfg->telecom_peers_learn_usec;
}

void app_telecom_alert(struct app_parse_ctx *ctx, uint32_t sid, const char *sig, uint8_t dir,
                       const struct app_tx *tx)
{
    static const char *const md[] = {"detector", "telecom-peers", NULL};
    struct builtin_alert a = {
        .gid = TELECOM_PEERS_GID,
        .sid = sid,
        .rev = 1,
        .signature = sig,
        .category = "Potentially Bad Traffic",
        .severity = 2,
        .direction = dir,
        .metadata = md,
        .tx = tx,
        .tx_id = tx ? tx->id : 0,
    };
    app_parser_alert(ctx, &a);
}

/* The sender of a message of direction dir on the context's flow. */
const struct ip_address *app_telecom_sender(const struct app_parse_ctx *ctx, uint8_t dir)
{
    if (!ctx->flow)
        return ctx->packet ? &ctx->packet->src : NULL;
    return dir ? &ctx->flow->key.dst : &ctx->flow->key.src;
}

/* ---- messages ---- */

static void gtp_pair(struct gtp_state *st, struct gtp_tx *tx)
{
    if (!tx->has_seq || tx->kind == GTP_KIND_OTHER)
        return;
    uint64_t now = st->ctx->ts_usec;
    if (tx->kind == GTP_KIND_REQUEST) {
        for (uint32_t i = 0; i < GTP_PENDING; i++) {
            struct gtp_pending *p = &st->pending[i];
            if (p->used && p->dir == st->dir && p->version == tx->version && p->seq == tx->seq)
                return; /* a retransmitted request: keep the first */
        }
        struct gtp_pending *p = &st->pending[st->next_pending++ % GTP_PENDING];
        *p = (struct gtp_pending){.used = true,
                                  .dir = st->dir,
                                  .version = tx->version,
                                  .seq = tx->seq,
                                  .tx_id = tx->pdu.base.id,
                                  .ts_usec = now};
        return;
    }
    for (uint32_t i = 0; i < GTP_PENDING; i++) {
        struct gtp_pending *p = &st->pending[i];
        if (p->used && p->dir != st->dir && p->version == tx->version && p->seq == tx->seq) {
            app_pdu_answer_set(&tx->answer, p->tx_id, p->ts_usec, now);
            p->used = false;
            return;
        }
    }
    gtp_event(st, tx, GTP_EV_UNMATCHED_RESPONSE);
}

/* One message at d (len bytes, its header already checked). */
static void gtp_message(struct gtp_state *st, const uint8_t *d, uint32_t len, bool piggy)
{
    struct gtp_tx *tx =
        app_pdu_tx_new(&st->q, st->ctx, &app_parser_gtp, sizeof(struct gtp_tx), st->dir);
    if (!tx)
        return;
    uint32_t off = 0;
    int32_t total = gtp_header(tx, d, len, &off);
    tx->piggybacked = piggy;
    tx->mask_imsi = app_parser_config(st->ctx)->gtp_mask_imsi;
    tx->mask_msisdn = app_parser_config(st->ctx)->gtp_mask_msisdn;
    if (total <= 0) {
        gtp_event(st, tx, total < 0 ? GTP_EV_TRUNCATED : GTP_EV_INVALID_HEADER);
        app_pdu_tx_log(&st->q, st->ctx, &tx->pdu, "gtp", gtp_log_body);
        return;
    }
    const char *name = tx->version == 1 ? gtp_v1_name(tx->msg_type) : gtp_v2_name(tx->msg_type);
    tx->kind = (uint8_t)gtp_kind_of(tx->version, tx->msg_type);
    if (!name && tx->kind == GTP_KIND_OTHER)
        gtp_event(st, tx, GTP_EV_UNKNOWN_MESSAGE);
    /* G-PDUs carry user data, End Markers nothing: no IEs to read. */
    if (!(tx->version == 1 && tx->msg_type >= 254)) {
        bool ok = tx->version == 1 ? gtp_v1_ies(st, tx, d + off, (uint32_t)total - off)
                                   : gtp_v2_ies(st, tx, d + off, (uint32_t)total - off, 0);
        if (!ok)
            gtp_event(st, tx, GTP_EV_MALFORMED_IE);
    }
    gtp_pair(st, tx);
    const struct ip_address *peer = app_telecom_sender(st->ctx, st->dir);
    if (peer && app_telecom_peer_unexpected(st->ctx, APP_TELECOM_PEER_GTP, peer))
        app_telecom_alert(st->ctx, 1, "VIGIL GTP message from an unexpected peer", st->dir,
                          &tx->pdu.base);
    /* Signalling from inside a user-plane tunnel: a subscriber talking to
     * the core's control plane. */
    const struct packet *pkt = st->ctx->packet;
    if (pkt && pkt->tunnel_type == DECODE_TUNNEL_GTPU)
        app_telecom_alert(st->ctx, 4, "VIGIL GTP message inside a GTP-U tunnel", st->dir,
                          &tx->pdu.base);
    app_pdu_tx_log(&st->q, st->ctx, &tx->pdu, "gtp", gtp_log_body);
}

static int gtp_parse(void *state, struct app_parse_ctx *ctx, uint8_t direction,
                     const uint8_t *data, uint32_t len, uint32_t flags)
{
    (void)flags;
    struct gtp_state *st = state;
    if (!data || len == 0)
        return 0;
    st->ctx = ctx;
    st->dir = direction & 1;
    app_pdu_queue_gc(&st->q);
    uint32_t off = 0;
    for (uint32_t m = 0; m <= GTP_MAX_PIGGY && off < len; m++) {
        struct gtp_tx h;
        memset(&h, 0, sizeof h);
        uint32_t io = 0;
        int32_t total = gtp_header(&h, data + off, len - off, &io);
        if (total <= 0 && m > 0) {
            /* The message before had P set: what follows must be one. */
            gtp_event(st, NULL, total < 0 || len - off < 12 ? GTP_EV_TRUNCATED
                                                            : GTP_EV_INVALID_HEADER);
            break;
        }
        gtp_message(st, data + off, len - off, m > 0);
        if (total <= 0)
            break;
        off += (uint32_t)total;
        if (h.version == 2 && (h.flags & 0x10) && off >= len) {
            gtp_event(st, NULL, GTP_EV_TRUNCATED); /* the piggybacked message is missing */
            break;
        }
        /* Only a GTPv2 message with P set has a message after it. */
        if (!(h.version == 2 && (h.flags & 0x10))) {
            if (off < len && !(h.version == 1 && h.msg_type == 255))
                gtp_event(st, NULL, GTP_EV_TRAILING_DATA);
            break;
        }
    }
    st->ctx = NULL;
    return 0;
}

static enum app_probe_result gtp_probe(const uint8_t *d, uint32_t len, uint8_t direction)
{
    (void)direction;
    /* A header whose message runs past the datagram (truncated) is GTP too. */
    return gtp_header_ok(d, len) ? APP_PROBE_MATCH : APP_PROBE_NO;
}

static void *gtp_state_new(struct app_parse_ctx *ctx)
{
    if (!app_memory_reserve(ctx, sizeof(struct gtp_state)))
        return NULL;
    struct gtp_state *st = calloc(1, sizeof *st);
    if (!st) {
        app_memory_release(ctx, sizeof(struct gtp_state));
        return NULL;
    }
    app_pdu_queue_init(&st->q, ctx, NULL);
    return st;
}

static void gtp_state_free(void *state)
{
    struct gtp_state *st = state;
    if (!st)
        return;
    struct app_layer_thread_ctx *t = st->q.thread;
    app_pdu_queue_free(&st->q);
    free(st);
    struct app_parse_ctx pc = {.thread = t};
    app_memory_release(&pc, sizeof(struct gtp_state));
}

static int gtp_foreach(void *state, int (*fn)(struct app_tx *tx, void *user), void *user)
{
    struct gtp_state *st = state;
    return app_pdu_queue_foreach(&st->q, fn, user);
}

/* ---- G-PDUs decapsulated by the decoder ---- */

void app_gtp_tunnel_log(struct app_parse_ctx *ctx, uint8_t direction, const uint8_t *hdr,
                        uint32_t hdr_len, const struct ip_address *inner_src,
                        const struct ip_address *inner_dst, bool gtp_inside)
{
    struct gtp_tx tx;
    memset(&tx, 0, sizeof tx);
    tx.pdu.base.parser = &app_parser_gtp;
    tx.pdu.direction = direction & 1;
    uint32_t off = 0;
    int32_t total = gtp_header(&tx, hdr, hdr_len, &off);
    /* The decoder took the message's own length; hdr_len ends with the
     * header, so only the header's fields count here. */
    (void)total;
    tx.kind = GTP_KIND_OTHER;
    if (inner_src && inner_dst) {
        tx.has_inner = true;
        tx.inner_src = *inner_src;
        tx.inner_dst = *inner_dst;
    }
    const struct app_layer_config *cfg = app_parser_config(ctx);
    if (cfg->enabled[APP_PROTO_GTP] && cfg->gtp_log_gpdu)
        app_parser_log(ctx, "gtp", direction & 1, gtp_log_body, &tx);
    if (gtp_inside)
        app_telecom_alert(ctx, 3, "VIGIL GTP-U tunnel inside a GTP-U tunnel", direction & 1,
                          &tx.pdu.base);
}

/* ---- EVE ---- */

static void gtp_json_ip(struct json_writer *w, const char *key, const struct ip_address *a)
{
    char s[64];
    if (a->family == 4)
        inet_ntop(AF_INET, a->addr.u8 + 12, s, sizeof s);
    else
        inet_ntop(AF_INET6, a->addr.u8, s, sizeof s);
    json_key_string(w, key, s);
}

static void gtp_json_digits(struct json_writer *w, const char *key, const struct gtp_digits *g,
                            bool mask)
{
    if (!g->len)
        return;
    char s[GTP_DIGITS_MAX + 1];
    memcpy(s, g->d, g->len);
    if (mask)
        for (uint32_t i = GTP_MASK_KEEP; i < g->len; i++)
            s[i] = '*';
    json_key_string_len(w, key, s, g->len);
}

static void gtp_tx_write_json(const struct app_tx *atx, struct json_writer *w)
{
    const struct gtp_tx *tx = (const struct gtp_tx *)atx;
    json_key_object_begin(w, "gtp");
    json_key_u64(w, "version", tx->version);
    json_key_u64(w, "message_type", tx->msg_type);
    const char *name = tx->version == 1 ? gtp_v1_name(tx->msg_type)
                       : tx->version == 2 ? gtp_v2_name(tx->msg_type)
                                          : NULL;
    if (name)
        json_key_string(w, "message_name", name);
    if (tx->kind != GTP_KIND_OTHER)
        json_key_bool(w, "request", tx->kind == GTP_KIND_REQUEST);
    json_key_u64(w, "length", tx->length);
    if (tx->has_teid)
        json_key_u64(w, "teid", tx->teid);
    if (tx->has_seq)
        json_key_u64(w, "seq", tx->seq);
    if (tx->piggybacked)
        json_key_bool(w, "piggybacked", true);
    if (tx->n_ext) {
        json_key_array_begin(w, "extension_headers");
        for (uint8_t i = 0; i < tx->n_ext; i++)
            json_u64(w, tx->ext[i]);
        json_array_end(w);
    }
    gtp_json_digits(w, "imsi", &tx->imsi, tx->mask_imsi);
    gtp_json_digits(w, "msisdn", &tx->msisdn, tx->mask_msisdn);
    gtp_json_digits(w, "mei", &tx->mei, false);
    if (tx->has_apn)
        json_key_string_len(w, "apn", tx->apn, tx->apn_len);
    if (tx->has_rat)
        json_key_u64(w, "rat_type", tx->rat_type);
    if (tx->has_cause)
        json_key_u64(w, "cause", tx->cause);
    if (tx->has_recovery)
        json_key_u64(w, "recovery", tx->recovery);
    if (tx->has_nsapi)
        json_key_u64(w, tx->version == 2 ? "ebi" : "nsapi", tx->nsapi);
    if (tx->has_ctrl_teid)
        json_key_u64(w, "sender_teid_c", tx->ctrl_teid);
    if (tx->has_data_teid)
        json_key_u64(w, "teid_u", tx->data_teid);
    if (tx->eua.family)
        gtp_json_ip(w, "end_user_address", &tx->eua);
    if (!tx->has_inner && !(tx->version == 1 && tx->msg_type == 255))
        json_key_u64(w, "ies", tx->ies);
    app_pdu_write_answers(w, "response_to", &tx->answer);
    if (tx->has_inner) {
        json_key_object_begin(w, "inner");
        gtp_json_ip(w, "src_ip", &tx->inner_src);
        gtp_json_ip(w, "dest_ip", &tx->inner_dst);
        json_object_end(w);
    }
    json_object_end(w);
}

static void gtp_log_body(const void *object, struct json_writer *w)
{
    gtp_tx_write_json(object, w);
}

static bool gtp_tx_has_event(const struct app_tx *tx, const char *name)
{
    return app_pdu_has_event(tx, gtp_event_names, GTP_EV_COUNT, name);
}

/* ---- rule keywords ---- */

static int gtp_out(bool present, const char *s, uint32_t n, const uint8_t **data, uint32_t *len)
{
    if (!present)
        return -ENOENT;
    *data = (const uint8_t *)s;
    *len = n;
    return 0;
}

static int gtp_tx_get_buffer(const struct app_tx *atx, enum app_buffer buffer, uint32_t index,
                             const uint8_t **data, uint32_t *len)
{
    const struct gtp_tx *tx = (const struct gtp_tx *)atx;
    if (index)
        return -ENOENT;
    switch (buffer) {
    case APP_BUFFER_GTP_IMSI: return gtp_out(tx->imsi.len, tx->imsi.d, tx->imsi.len, data, len);
    case APP_BUFFER_GTP_MSISDN:
        return gtp_out(tx->msisdn.len, tx->msisdn.d, tx->msisdn.len, data, len);
    case APP_BUFFER_GTP_APN: return gtp_out(tx->has_apn, tx->apn, tx->apn_len, data, len);
    default: return -ENOENT;
    }
}

enum {
    GTP_F_MSGTYPE,
    GTP_F_VERSION,
    GTP_F_TEID,
    GTP_F_CAUSE,
    GTP_F_RAT_TYPE,
    GTP_F_COUNT,
};

static const struct app_uint_enum gtp_msg_enum[] = {
    {"echo_request", 1},          {"echo_response", 2},         {"error_indication", 26},
    {"create_session_request", 32}, {"create_session_response", 33},
    {"modify_bearer_request", 34}, {"modify_bearer_response", 35},
    {"delete_session_request", 36}, {"delete_session_response", 37},
    {"create_pdp_context_request", 16}, {"create_pdp_context_response", 17},
    {"update_pdp_context_request", 18}, {"update_pdp_context_response", 19},
    {"delete_pdp_context_request", 20}, {"delete_pdp_context_response", 21},
    {"end_marker", 254},          {"g_pdu", 255},               {NULL, 0}};

static const struct app_uint_field gtp_fields[GTP_F_COUNT] = {
    [GTP_F_MSGTYPE] = {"gtp.msgtype", 3, 255, gtp_msg_enum, false},
    [GTP_F_VERSION] = {"gtp.version", 3, 7, NULL, false},
    [GTP_F_TEID] = {"gtp.teid", 3, UINT32_MAX, NULL, false},
    [GTP_F_CAUSE] = {"gtp.cause", 3, 255, NULL, false},
    [GTP_F_RAT_TYPE] = {"gtp.rat_type", 3, 255, NULL, false},
};

static int gtp_tx_get_uint(const struct app_tx *atx, uint16_t field, uint32_t index,
                           uint64_t *value, const char **name)
{
    (void)name;
    const struct gtp_tx *tx = (const struct gtp_tx *)atx;
    if (index)
        return -ENOENT;
    bool has;
    switch (field) {
    case GTP_F_MSGTYPE: has = true, *value = tx->msg_type; break;
    case GTP_F_VERSION: has = true, *value = tx->version; break;
    case GTP_F_TEID: has = tx->has_teid, *value = tx->teid; break;
    case GTP_F_CAUSE: has = tx->has_cause, *value = tx->cause; break;
    case GTP_F_RAT_TYPE: has = tx->has_rat, *value = tx->rat_type; break;
    default: return -ENOENT;
    }
    return has ? 0 : -ENOENT;
}

/* ---- configuration ---- */

void app_gtp_config_load(struct app_layer_config *out, const struct config *cfg)
{
    out->gtp_mask_imsi = false;
    out->gtp_mask_msisdn = false;
    out->diameter_mask_imsi = false;
    out->diameter_mask_msisdn = false;
    /* off by default: one EVE line per subscriber packet is too much on a
     * busy S1-U/Gn link; the signalling is logged either way */
    out->gtp_log_gpdu = false;
    out->telecom_peers_enabled = true;
    out->telecom_peers_learn_usec = 3600ull * 1000000;
    out->telecom_peers_max = 4096;
    if (!cfg)
        return;
    out->gtp_mask_imsi = config_get_bool(cfg, "app-layer.protocols.gtp.mask-imsi", false);
    out->gtp_mask_msisdn = config_get_bool(cfg, "app-layer.protocols.gtp.mask-msisdn", false);
    out->diameter_mask_imsi =
        config_get_bool(cfg, "app-layer.protocols.diameter.mask-imsi", false);
    out->diameter_mask_msisdn =
        config_get_bool(cfg, "app-layer.protocols.diameter.mask-msisdn", false);
    out->gtp_log_gpdu = config_get_bool(cfg, "app-layer.protocols.gtp.log-g-pdu", false);
    out->telecom_peers_enabled = config_get_bool(cfg, "telecom-peers.enabled", true);
    long long n;
    if (config_get_int(cfg, "telecom-peers.learning-time", &n) == 0 && n >= 0)
        out->telecom_peers_learn_usec = (uint64_t)n * 1000000;
    if (config_get_int(cfg, "telecom-peers.max-peers", &n) == 0 && n > 0 && n <= (1 << 22))
        out->telecom_peers_max = (uint32_t)n;
}

const struct app_parser app_parser_gtp = {
    .vigil_only = true,
    .proto = APP_PROTO_GTP,
    .name = "gtp",
    .ipprotos = APP_IPPROTO_UDP,
    .ports = {2123, 2152},
    .probe = gtp_probe,
    .probe_needs_port = true,
    .state_new = gtp_state_new,
    .state_free = gtp_state_free,
    .parse = gtp_parse,
    .tx_foreach = gtp_foreach,
    .tx_complete = app_pdu_tx_complete,
    .tx_get_buffer = gtp_tx_get_buffer,
    .tx_write_json = gtp_tx_write_json,
    .tx_has_event = gtp_tx_has_event,
    .events_on_packet = true,
    .event_names = gtp_event_names,
    .tx_direction = app_pdu_tx_direction,
    .uint_fields = gtp_fields,
    .n_uint_fields = GTP_F_COUNT,
    .tx_get_field_uint = gtp_tx_get_uint,
};
