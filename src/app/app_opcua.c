/* SPDX-License-Identifier: Apache-2.0 */
/* OPC UA binary over TCP (OPC 10000-6 "UA TCP", port 4840): message chunks
 * (HEL, ACK, ERR, RHE, OPN, MSG, CLO; final, intermediate or abort), the
 * hello/acknowledge parameters and endpoint URL, error code and reason, the
 * secure channel id, the asymmetric security header of OPN (security policy
 * URI, certificate lengths), the sequence header and the body's encoding
 * NodeId (the service) of chunks that are not encrypted, and the security
 * mode and request type of a plaintext OpenSecureChannel request.
 *
 * A secure channel whose policy is not None is taken as encrypted: its MSG
 * and CLO bodies are not decoded (no service is guessed). Sessions created
 * or used over a channel with SecurityPolicy None raise "insecure_session"
 * (once per flow; discovery services such as GetEndpoints do not), and
 * every OPN with policy None raises "security_policy_none".
 *
 * One transaction and one EVE "opcua" event per chunk (vigil's shape,
 * ../shared/pcaps/README.md). Limits: chunks up to OPCUA_MAX_CHUNK bytes
 * are parsed (larger ones are skipped with an anomaly); strings kept up to
 * OPCUA_STR_MAX bytes. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "app/app_baseline.h"
#include "app/app_parser.h"
#include "app/app_pdu.h"
#include "util/json.h"

#define OPCUA_HEADER 8u
#define OPCUA_MAX_CHUNK (4u * 1024u * 1024u)
#define OPCUA_STR_MAX 256u

enum opcua_event {
    OPCUA_EV_INVALID_HEADER = 0,  /* bytes that are not a chunk header */
    OPCUA_EV_CHUNK_TOO_LARGE,
    OPCUA_EV_MALFORMED_CHUNK,     /* a chunk shorter than its fields */
    OPCUA_EV_SECURITY_NONE,       /* OPN with SecurityPolicy#None */
    OPCUA_EV_INSECURE_SESSION,    /* session services over a None channel */
    OPCUA_EV_ABORT_CHUNK,         /* chunk type A */
    OPCUA_EV_TOO_MANY_TX,
    OPCUA_EV_COUNT,
};
static const char *const opcua_event_names[OPCUA_EV_COUNT + 1] = {
    "invalid_header",      "chunk_too_large",  "malformed_chunk", "security_policy_none",
    "insecure_session",    "abort_chunk",      "too_many_transactions",
};

enum opcua_msg { OPCUA_HEL = 1, OPCUA_ACK, OPCUA_ERR, OPCUA_RHE, OPCUA_OPN, OPCUA_MSG, OPCUA_CLO };
static const char *const opcua_msg_names[8] = {NULL,  "HEL", "ACK", "ERR",
                                               "RHE", "OPN", "MSG", "CLO"};

static const char opcua_none_uri[] = "http://opcfoundation.org/UA/SecurityPolicy#None";

static const struct {
    uint32_t id;
    const char *name;
} opcua_services[] = {
    {397, "ServiceFault"}, {422, "FindServersRequest"}, {425, "FindServersResponse"},
    {428, "GetEndpointsRequest"}, {431, "GetEndpointsResponse"},
    {437, "RegisterServerRequest"}, {440, "RegisterServerResponse"},
    {446, "OpenSecureChannelRequest"}, {449, "OpenSecureChannelResponse"},
    {452, "CloseSecureChannelRequest"}, {455, "CloseSecureChannelResponse"},
    {461, "CreateSessionRequest"}, {464, "CreateSessionResponse"},
    {467, "ActivateSessionRequest"}, {470, "ActivateSessionResponse"},
    {473, "CloseSessionRequest"}, {476, "CloseSessionResponse"}, {479, "CancelRequest"},
    {482, "CancelResponse"}, {488, "AddNodesRequest"}, {491, "AddNodesResponse"},
    {494, "AddReferencesRequest"}, {497, "AddReferencesResponse"},
    {500, "DeleteNodesRequest"}, {503, "DeleteNodesResponse"},
    {506, "DeleteReferencesRequest"}, {509, "DeleteReferencesResponse"},
    {527, "BrowseRequest"}, {530, "BrowseResponse"}, {533, "BrowseNextRequest"},
    {536, "BrowseNextResponse"}, {554, "TranslateBrowsePathsToNodeIdsRequest"},
    {557, "TranslateBrowsePathsToNodeIdsResponse"}, {560, "RegisterNodesRequest"},
    {563, "RegisterNodesResponse"}, {566, "UnregisterNodesRequest"},
    {569, "UnregisterNodesResponse"}, {613, "QueryFirstRequest"}, {616, "QueryFirstResponse"},
    {619, "QueryNextRequest"}, {622, "QueryNextResponse"}, {631, "ReadRequest"},
    {634, "ReadResponse"}, {664, "HistoryReadRequest"}, {667, "HistoryReadResponse"},
    {673, "WriteRequest"}, {676, "WriteResponse"}, {700, "HistoryUpdateRequest"},
    {703, "HistoryUpdateResponse"}, {712, "CallRequest"}, {715, "CallResponse"},
    {751, "CreateMonitoredItemsRequest"}, {754, "CreateMonitoredItemsResponse"},
    {763, "ModifyMonitoredItemsRequest"}, {766, "ModifyMonitoredItemsResponse"},
    {769, "SetMonitoringModeRequest"}, {772, "SetMonitoringModeResponse"},
    {775, "SetTriggeringRequest"}, {778, "SetTriggeringResponse"},
    {781, "DeleteMonitoredItemsRequest"}, {784, "DeleteMonitoredItemsResponse"},
    {787, "CreateSubscriptionRequest"}, {790, "CreateSubscriptionResponse"},
    {793, "ModifySubscriptionRequest"}, {796, "ModifySubscriptionResponse"},
    {799, "SetPublishingModeRequest"}, {802, "SetPublishingModeResponse"},
    {826, "PublishRequest"}, {829, "PublishResponse"}, {832, "RepublishRequest"},
    {835, "RepublishResponse"}, {841, "TransferSubscriptionsRequest"},
    {844, "TransferSubscriptionsResponse"}, {847, "DeleteSubscriptionsRequest"},
    {850, "DeleteSubscriptionsResponse"}, {12208, "FindServersOnNetworkRequest"},
    {12211, "FindServersOnNetworkResponse"}, {12193, "RegisterServer2Request"},
    {12194, "RegisterServer2Response"},
};

static const char *opcua_service_name(uint32_t id)
{
    for (size_t i = 0; i < sizeof(opcua_services) / sizeof(opcua_services[0]); i++)
        if (opcua_services[i].id == id)
            return opcua_services[i].name;
    return NULL;
}

/* Services that need no session: a client may use a None channel for them
 * on any system (discovery, channel management). */
static bool opcua_discovery_service(uint32_t id)
{
    switch (id) {
    case 397: case 422: case 425: case 428: case 431: case 437: case 440: case 446: case 449:
    case 452: case 455: case 12208: case 12211: case 12193: case 12194:
        return true;
    default:
        return false;
    }
}

struct opcua_tx {
    struct app_pdu_tx pdu;
    uint8_t msg;          /* enum opcua_msg, 0 unknown */
    char msg_raw[4];
    char chunk;           /* 'F', 'C', 'A' */
    uint32_t size;
    bool has_scid;
    uint32_t scid;
    bool has_seq;
    uint32_t seq, request_id;
    bool has_token;
    uint32_t token_id;
    bool has_service;
    uint32_t service;     /* numeric NodeId identifier, namespace 0 */
    bool has_mode;
    uint32_t security_mode, request_type;
    bool has_hello;
    uint32_t version, recv_buf, send_buf, max_msg, max_chunks;
    bool has_error;
    uint32_t error;
    uint16_t policy_len;  /* OPN */
    char policy[OPCUA_STR_MAX + 1];
    bool has_policy;
    int32_t cert_len, thumb_len;
    uint16_t url_len;     /* HEL / RHE endpoint, ERR reason */
    char url[OPCUA_STR_MAX + 1];
    bool has_url;
    uint16_t reason_len;
    char reason[OPCUA_STR_MAX + 1];
    bool has_reason;
};

struct opcua_state {
    struct app_pdu_queue q;
    struct app_framer framer[2];
    uint32_t flow_events;
    /* Secure channel security: unknown until an OPN is seen; then whether
     * its policy is None (bodies in plaintext). */
    bool policy_known;
    bool policy_none;
    bool insecure_reported;
    int32_t mode;         /* MessageSecurityMode from a plaintext OPN request, -1 */
    bool continuing[2];   /* inside a multi-chunk message, per direction */
    struct app_parse_ctx *ctx;
    uint8_t dir;
};

static void opcua_event(struct opcua_state *st, struct opcua_tx *tx, enum opcua_event e)
{
    app_pdu_event(st->ctx, APP_PROTO_OPCUA, tx ? &tx->pdu : NULL, &st->flow_events,
                  opcua_event_names, e);
}

static void opcua_log_body(const void *object, struct json_writer *w);

/* An OPC UA String / ByteString: Int32 length (-1 null) and bytes. */
static bool opcua_string(const uint8_t *d, uint32_t n, uint32_t *off, const uint8_t **s,
                         int32_t *len)
{
    if (*off + 4 > n)
        return false;
    int32_t l = (int32_t)app_rd32le(d + *off);
    *off += 4;
    if (l < 0) {
        *s = NULL;
        *len = -1;
        return true;
    }
    if ((uint32_t)l > n - *off)
        return false;
    *s = d + *off;
    *len = l;
    *off += (uint32_t)l;
    return true;
}

static uint16_t opcua_copy(char *dst, const uint8_t *s, int32_t len)
{
    if (!s || len <= 0)
        return 0;
    uint32_t n = (uint32_t)len > OPCUA_STR_MAX ? OPCUA_STR_MAX : (uint32_t)len;
    memcpy(dst, s, n);
    dst[n] = 0;
    return (uint16_t)n;
}

/* The body's encoding NodeId; numeric ones of namespace 0 are services. */
static bool opcua_nodeid(const uint8_t *d, uint32_t n, uint32_t *off, uint32_t *id)
{
    if (*off + 1 > n)
        return false;
    uint8_t enc = d[*off] & 0x3f;
    switch (enc) {
    case 0x00:
        if (*off + 2 > n)
            return false;
        *id = d[*off + 1];
        *off += 2;
        return true;
    case 0x01:
        if (*off + 4 > n || d[*off + 1] != 0)
            return false;
        *id = app_rd16le(d + *off + 2);
        *off += 4;
        return true;
    case 0x02:
        if (*off + 7 > n || app_rd16le(d + *off + 1) != 0)
            return false;
        *id = app_rd32le(d + *off + 3);
        *off += 7;
        return true;
    default:
        return false;
    }
}

/* Sequence header then body NodeId (and, for an OpenSecureChannel request,
 * its request type and security mode past the request header). */
static void opcua_body(struct opcua_state *st, struct opcua_tx *tx, const uint8_t *d, uint32_t n,
                       uint32_t off)
{
    if (off + 8 > n) {
        opcua_event(st, tx, OPCUA_EV_MALFORMED_CHUNK);
        return;
    }
    tx->has_seq = true;
    tx->seq = app_rd32le(d + off);
    tx->request_id = app_rd32le(d + off + 4);
    off += 8;
    /* Chunks after the first of a message continue its body: no NodeId. */
    bool *cont = &st->continuing[st->dir];
    if (*cont) {
        if (tx->chunk != 'C')
            *cont = false;
        return;
    }
    if (tx->chunk == 'C')
        *cont = true;
    uint32_t id;
    if (!opcua_nodeid(d, n, &off, &id))
        return;
    tx->has_service = true;
    tx->service = id;
    if (id == 446) {
        /* RequestHeader: authenticationToken NodeId, timestamp (8),
         * requestHandle (4), returnDiagnostics (4), auditEntryId String,
         * timeoutHint (4), additionalHeader ExtensionObject; then
         * clientProtocolVersion, requestType, securityMode. */
        uint32_t tok;
        if (off < n && (d[off] & 0x3f) <= 2 && opcua_nodeid(d, n, &off, &tok) &&
            off + 16 <= n) {
            off += 16;
            const uint8_t *s;
            int32_t l;
            if (opcua_string(d, n, &off, &s, &l) && off + 4 + 3 <= n) {
                off += 4; /* timeoutHint */
                /* additionalHeader: NodeId type id + encoding byte (+ body). */
                uint32_t tid;
                if (opcua_nodeid(d, n, &off, &tid) && off + 1 <= n) {
                    uint8_t enc = d[off++];
                    if (enc != 0) {
                        if (off + 4 > n)
                            return;
                        uint32_t bl = app_rd32le(d + off);
                        if (bl > n - off - 4)
                            return;
                        off += 4 + bl;
                    }
                    if (off + 12 <= n) {
                        tx->has_mode = true;
                        tx->request_type = app_rd32le(d + off + 4);
                        tx->security_mode = app_rd32le(d + off + 8);
                        st->mode = (int32_t)tx->security_mode;
                    }
                }
            }
        }
    }
}

static void opcua_chunk(struct opcua_state *st, const uint8_t *d, uint32_t n)
{
    struct opcua_tx *tx =
        app_pdu_tx_new(&st->q, st->ctx, &app_parser_opcua, sizeof(struct opcua_tx), st->dir);
    if (!tx)
        return;
    memcpy(tx->msg_raw, d, 3);
    tx->msg_raw[3] = 0;
    for (uint8_t m = OPCUA_HEL; m <= OPCUA_CLO; m++)
        if (memcmp(d, opcua_msg_names[m], 3) == 0)
            tx->msg = m;
    tx->chunk = (char)d[3];
    tx->size = app_rd32le(d + 4);
    if (tx->chunk == 'A')
        opcua_event(st, tx, OPCUA_EV_ABORT_CHUNK);
    uint32_t off = OPCUA_HEADER;
    const uint8_t *s;
    int32_t l;
    switch (tx->msg) {
    case OPCUA_HEL:
    case OPCUA_ACK:
        if (n < off + 20) {
            opcua_event(st, tx, OPCUA_EV_MALFORMED_CHUNK);
            break;
        }
        tx->has_hello = true;
        tx->version = app_rd32le(d + off);
        tx->recv_buf = app_rd32le(d + off + 4);
        tx->send_buf = app_rd32le(d + off + 8);
        tx->max_msg = app_rd32le(d + off + 12);
        tx->max_chunks = app_rd32le(d + off + 16);
        off += 20;
        if (tx->msg == OPCUA_HEL) {
            if (opcua_string(d, n, &off, &s, &l)) {
                tx->has_url = l >= 0;
                tx->url_len = opcua_copy(tx->url, s, l);
            } else {
                opcua_event(st, tx, OPCUA_EV_MALFORMED_CHUNK);
            }
        }
        break;
    case OPCUA_ERR:
        if (n < off + 4) {
            opcua_event(st, tx, OPCUA_EV_MALFORMED_CHUNK);
            break;
        }
        tx->has_error = true;
        tx->error = app_rd32le(d + off);
        off += 4;
        if (opcua_string(d, n, &off, &s, &l) && l >= 0) {
            tx->has_reason = true;
            tx->reason_len = opcua_copy(tx->reason, s, l);
        }
        break;
    case OPCUA_RHE:
        if (opcua_string(d, n, &off, &s, &l) && opcua_string(d, n, &off, &s, &l) && l >= 0) {
            tx->has_url = true;
            tx->url_len = opcua_copy(tx->url, s, l);
        }
        break;
    case OPCUA_OPN: {
        if (n < off + 4) {
            opcua_event(st, tx, OPCUA_EV_MALFORMED_CHUNK);
            break;
        }
        tx->has_scid = true;
        tx->scid = app_rd32le(d + off);
        off += 4;
        const uint8_t *cert, *thumb;
        if (!opcua_string(d, n, &off, &s, &l) || !opcua_string(d, n, &off, &cert, &tx->cert_len) ||
            !opcua_string(d, n, &off, &thumb, &tx->thumb_len)) {
            opcua_event(st, tx, OPCUA_EV_MALFORMED_CHUNK);
            break;
        }
        tx->has_policy = l >= 0;
        tx->policy_len = opcua_copy(tx->policy, s, l);
        bool none = l == (int32_t)(sizeof(opcua_none_uri) - 1) &&
                    memcmp(s, opcua_none_uri, sizeof(opcua_none_uri) - 1) == 0;
        st->policy_known = true;
        st->policy_none = none;
        if (none) {
            opcua_event(st, tx, OPCUA_EV_SECURITY_NONE);
            opcua_body(st, tx, d, n, off);
        }
        break;
    }
    case OPCUA_MSG:
    case OPCUA_CLO:
        if (n < off + 8) {
            opcua_event(st, tx, OPCUA_EV_MALFORMED_CHUNK);
            break;
        }
        tx->has_scid = true;
        tx->scid = app_rd32le(d + off);
        tx->has_token = true;
        tx->token_id = app_rd32le(d + off + 4);
        off += 8;
        /* Plaintext when the channel's policy is None (or, for a channel
         * set up before the capture, when the body looks like one). */
        if (st->policy_known ? st->policy_none : true) {
            if (tx->chunk != 'A')
                opcua_body(st, tx, d, n, off);
            else
                st->continuing[st->dir] = false;
            if (tx->has_service && (!st->policy_known) &&
                !opcua_service_name(tx->service))
                tx->has_service = false; /* not a service: an encrypted body */
            if (tx->has_service && st->policy_none && !opcua_discovery_service(tx->service) &&
                !st->insecure_reported) {
                st->insecure_reported = true;
                opcua_event(st, tx, OPCUA_EV_INSECURE_SESSION);
            }
        }
        break;
    default:
        opcua_event(st, tx, OPCUA_EV_INVALID_HEADER);
        break;
    }
    app_pdu_tx_log(&st->q, st->ctx, &tx->pdu, "opcua", opcua_log_body);
    const char *sn = tx->has_service ? opcua_service_name(tx->service) : NULL;
    size_t sl = sn ? strlen(sn) : 0;
    if (sn && sl > 7 && strcmp(sn + sl - 7, "Request") == 0) {
        uint32_t svc = tx->service;
        struct ics_op op = {.proto = APP_PROTO_OPCUA, .function = svc, .function_name = sn,
                            .tx = &tx->pdu.base};
        op.kind = (svc == 673 || svc == 700 || svc == 488 || svc == 494 || svc == 500 || svc == 506)
                      ? ICS_OP_WRITE
                  : svc == 712 ? ICS_OP_CONTROL /* Call: methods act on the device */
                  : (svc == 631 || svc == 527 || svc == 533 || svc == 554 || svc == 664 || svc == 751 ||
                     svc == 787 || svc == 826)
                      ? ICS_OP_READ
                      : ICS_OP_OTHER;
        app_baseline_op(st->ctx, st->dir, &op);
    }
}

static bool opcua_type_ok(const uint8_t *d)
{
    for (uint8_t m = OPCUA_HEL; m <= OPCUA_CLO; m++)
        if (memcmp(d, opcua_msg_names[m], 3) == 0)
            return d[3] == 'F' || d[3] == 'C' || d[3] == 'A';
    return false;
}

static int64_t opcua_frame_len(const uint8_t *d, uint32_t n, void *user)
{
    (void)n;
    (void)user;
    if (!opcua_type_ok(d))
        return APP_FRAME_INVALID;
    uint32_t sz = app_rd32le(d + 4);
    return sz < OPCUA_HEADER ? APP_FRAME_INVALID : (int64_t)sz;
}

static void opcua_on_pdu(const uint8_t *d, uint32_t len, void *user)
{
    opcua_chunk(user, d, len);
}

static void opcua_on_skip(void *user, bool oversized)
{
    opcua_event(user, NULL, oversized ? OPCUA_EV_CHUNK_TOO_LARGE : OPCUA_EV_INVALID_HEADER);
}

static const struct app_framer_ops opcua_framer_ops = {
    .frame_len = opcua_frame_len, .on_pdu = opcua_on_pdu, .on_skip = opcua_on_skip};

static int opcua_parse(void *state, struct app_parse_ctx *ctx, uint8_t direction,
                       const uint8_t *data, uint32_t len, uint32_t flags)
{
    struct opcua_state *st = state;
    st->ctx = ctx;
    st->dir = direction & 1;
    app_pdu_queue_gc(&st->q);
    int rc =
        app_framer_feed(&st->framer[st->dir], ctx, data, len, flags, &opcua_framer_ops, st);
    st->ctx = NULL;
    return rc;
}

static enum app_probe_result opcua_probe(const uint8_t *d, uint32_t len, uint8_t direction)
{
    (void)direction;
    static const char *const starts[] = {"HEL", "ACK", "ERR", "RHE", "OPN", "MSG", "CLO"};
    uint32_t n = len < 3 ? len : 3;
    bool prefix = false;
    for (size_t i = 0; i < 7; i++)
        if (memcmp(d, starts[i], n) == 0)
            prefix = true;
    if (!prefix)
        return APP_PROBE_NO;
    if (len < OPCUA_HEADER)
        return APP_PROBE_NEED_MORE;
    if (!opcua_type_ok(d) || app_rd32le(d + 4) < OPCUA_HEADER + 4)
        return APP_PROBE_NO;
    return APP_PROBE_MATCH;
}

static void *opcua_state_new(struct app_parse_ctx *ctx)
{
    if (!app_memory_reserve(ctx, sizeof(struct opcua_state)))
        return NULL;
    struct opcua_state *st = calloc(1, sizeof(*st));
    if (!st) {
        app_memory_release(ctx, sizeof(struct opcua_state));
        return NULL;
    }
    app_pdu_queue_init(&st->q, ctx, NULL);
    st->mode = -1;
    for (int d = 0; d < 2; d++)
        app_framer_init(&st->framer[d], OPCUA_HEADER, OPCUA_MAX_CHUNK);
    return st;
}

static void opcua_state_free(void *state)
{
    struct opcua_state *st = state;
    if (!st)
        return;
    struct app_layer_thread_ctx *t = st->q.thread;
    app_pdu_queue_free(&st->q);
    for (int d = 0; d < 2; d++)
        app_framer_free(&st->framer[d], t);
    app_thread_memory_release(t, sizeof(*st));
    free(st);
}

static int opcua_tx_foreach(void *state, int (*fn)(struct app_tx *tx, void *user), void *user)
{
    return app_pdu_queue_foreach(&((struct opcua_state *)state)->q, fn, user);
}

static const char *opcua_mode_name(uint32_t m)
{
    switch (m) {
    case 0: return "invalid";
    case 1: return "none";
    case 2: return "sign";
    case 3: return "sign_and_encrypt";
    default: return NULL;
    }
}

static void opcua_tx_write_json(const struct app_tx *atx, struct json_writer *w)
{
    const struct opcua_tx *tx = (const struct opcua_tx *)atx;
    json_key_object_begin(w, "opcua");
    json_key_string(w, "msg_type", tx->msg ? opcua_msg_names[tx->msg] : tx->msg_raw);
    json_key_string_len(w, "chunk_type", &tx->chunk, 1);
    json_key_u64(w, "message_size", tx->size);
    if (tx->has_hello) {
        json_key_u64(w, "protocol_version", tx->version);
        json_key_u64(w, "receive_buffer_size", tx->recv_buf);
        json_key_u64(w, "send_buffer_size", tx->send_buf);
        json_key_u64(w, "max_message_size", tx->max_msg);
        json_key_u64(w, "max_chunk_count", tx->max_chunks);
    }
    if (tx->has_url)
        json_key_string_len(w, "endpoint_url", tx->url, tx->url_len);
    if (tx->has_error) {
        json_key_u64(w, "error", tx->error);
        if (tx->has_reason)
            json_key_string_len(w, "reason", tx->reason, tx->reason_len);
    }
    if (tx->has_scid)
        json_key_u64(w, "secure_channel_id", tx->scid);
    if (tx->has_policy) {
        json_key_string_len(w, "security_policy_uri", tx->policy, tx->policy_len);
        json_key_i64(w, "sender_certificate_length", tx->cert_len);
    }
    if (tx->has_token)
        json_key_u64(w, "token_id", tx->token_id);
    if (tx->has_seq) {
        json_key_u64(w, "sequence_number", tx->seq);
        json_key_u64(w, "request_id", tx->request_id);
    }
    if (tx->has_service) {
        json_key_u64(w, "service_id", tx->service);
        const char *sn = opcua_service_name(tx->service);
        if (sn)
            json_key_string(w, "service", sn);
    }
    if (tx->has_mode) {
        const char *mn = opcua_mode_name(tx->security_mode);
        if (mn)
            json_key_string(w, "security_mode", mn);
        else
            json_key_u64(w, "security_mode", tx->security_mode);
        json_key_string(w, "request_type", tx->request_type == 0 ? "issue" : "renew");
    }
    json_object_end(w);
}

static void opcua_log_body(const void *object, struct json_writer *w)
{
    opcua_tx_write_json(object, w);
}

static bool opcua_tx_has_event(const struct app_tx *tx, const char *name)
{
    return app_pdu_has_event(tx, opcua_event_names, OPCUA_EV_COUNT, name);
}

static int opcua_tx_get_buffer(const struct app_tx *atx, enum app_buffer buffer, uint32_t index,
                               const uint8_t **data, uint32_t *len)
{
    const struct opcua_tx *tx = (const struct opcua_tx *)atx;
    if (index)
        return -ENOENT;
    if (buffer == APP_BUFFER_OPCUA_SECURITY_POLICY && tx->has_policy) {
        *data = (const uint8_t *)tx->policy;
        *len = tx->policy_len;
        return 0;
    }
    if (buffer == APP_BUFFER_OPCUA_ENDPOINT_URL && tx->has_url) {
        *data = (const uint8_t *)tx->url;
        *len = tx->url_len;
        return 0;
    }
    return -ENOENT;
}

/* ---- integer keywords ---- */

enum {
    OPCUA_F_MSG_TYPE,
    OPCUA_F_SERVICE,
    OPCUA_F_SECURITY_MODE,
    OPCUA_F_ERROR,
    OPCUA_F_SECURE_CHANNEL_ID,
    OPCUA_F_COUNT,
};

static const struct app_uint_enum opcua_msg_enum[] = {
    {"hel", OPCUA_HEL}, {"ack", OPCUA_ACK}, {"err", OPCUA_ERR}, {"rhe", OPCUA_RHE},
    {"opn", OPCUA_OPN}, {"msg", OPCUA_MSG}, {"clo", OPCUA_CLO}, {NULL, 0}};
static const struct app_uint_enum opcua_mode_enum[] = {
    {"invalid", 0}, {"none", 1}, {"sign", 2}, {"sign_and_encrypt", 3}, {"signandencrypt", 3},
    {NULL, 0}};
static const struct app_uint_enum opcua_service_enum[] = {
    {"ServiceFault", 397}, {"FindServers", 422}, {"GetEndpoints", 428},
    {"OpenSecureChannel", 446}, {"CloseSecureChannel", 452}, {"CreateSession", 461},
    {"ActivateSession", 467}, {"CloseSession", 473}, {"Cancel", 479}, {"AddNodes", 488},
    {"AddReferences", 494}, {"DeleteNodes", 500}, {"DeleteReferences", 506}, {"Browse", 527},
    {"BrowseNext", 533}, {"TranslateBrowsePathsToNodeIds", 554}, {"RegisterNodes", 560},
    {"Read", 631}, {"HistoryRead", 664}, {"Write", 673}, {"HistoryUpdate", 700}, {"Call", 712},
    {"CreateMonitoredItems", 751}, {"DeleteMonitoredItems", 781},
    {"CreateSubscription", 787}, {"Publish", 826}, {"DeleteSubscriptions", 847},
    {NULL, 0}};

static const struct app_uint_field opcua_fields[OPCUA_F_COUNT] = {
    [OPCUA_F_MSG_TYPE] = {"opcua.msg_type", 3, 7, opcua_msg_enum, false},
    [OPCUA_F_SERVICE] = {"opcua.service", 3, UINT32_MAX, opcua_service_enum, false},
    [OPCUA_F_SECURITY_MODE] = {"opcua.security_mode", 3, UINT32_MAX, opcua_mode_enum, false},
    [OPCUA_F_ERROR] = {"opcua.error", 3, UINT32_MAX, NULL, false},
    [OPCUA_F_SECURE_CHANNEL_ID] = {"opcua.secure_channel_id", 3, UINT32_MAX, NULL, false},
};

static int opcua_tx_get_uint(const struct app_tx *atx, uint16_t field, uint32_t index, uint64_t *value,
                             const char **name)
{
    (void)name;
    const struct opcua_tx *tx = (const struct opcua_tx *)atx;
    if (index)
        return -ENOENT;
    switch (field) {
    case OPCUA_F_MSG_TYPE:
        if (!tx->msg)
            return -ENOENT;
        *value = tx->msg;
        return 0;
    case OPCUA_F_SERVICE:
        if (!tx->has_service)
            return -ENOENT;
        *value = tx->service;
        return 0;
    case OPCUA_F_SECURITY_MODE:
        /* The request's mode; an OPN with policy None is mode None. */
        if (tx->has_mode) {
            *value = tx->security_mode;
            return 0;
        }
        if (tx->msg == OPCUA_OPN && tx->has_policy && tx->policy_len ==
            sizeof(opcua_none_uri) - 1 && memcmp(tx->policy, opcua_none_uri, tx->policy_len) == 0) {
            *value = 1;
            return 0;
        }
        return -ENOENT;
    case OPCUA_F_ERROR:
        if (!tx->has_error)
            return -ENOENT;
        *value = tx->error;
        return 0;
    case OPCUA_F_SECURE_CHANNEL_ID:
        if (!tx->has_scid)
            return -ENOENT;
        *value = tx->scid;
        return 0;
    default:
        return -ENOENT;
    }
}

const struct app_parser app_parser_opcua = {
    .vigil_only = true,
    .proto = APP_PROTO_OPCUA,
    .name = "opcua",
    .ipprotos = APP_IPPROTO_TCP,
    .ports = {4840},
    .probe = opcua_probe,
    .state_new = opcua_state_new,
    .state_free = opcua_state_free,
    .parse = opcua_parse,
    .tx_foreach = opcua_tx_foreach,
    .tx_complete = app_pdu_tx_complete,
    .tx_get_buffer = opcua_tx_get_buffer,
    .tx_write_json = opcua_tx_write_json,
    .tx_has_event = opcua_tx_has_event,
    .events_on_packet = true,
    .event_names = opcua_event_names,
    .tx_direction = app_pdu_tx_direction,
    .uint_fields = opcua_fields,
    .n_uint_fields = OPCUA_F_COUNT,
    .tx_get_field_uint = opcua_tx_get_uint,
};
