/* SPDX-License-Identifier: Apache-2.0 */
/* RFB, the remote framebuffer protocol of VNC (RFC 6143, and the 3.3 and
 * 3.7 versions before it), as Suricata parses it: the handshake only.
 *
 * - Messages, in the order the protocol fixes: ProtocolVersion both ways
 *   ("RFB xxx.yyy\n"); then, when the client speaks 3.3, the server's
 *   chosen security type (u32), else the server's list of security types
 *   (u8 count, types; a count of 0 is followed by a failure reason) and the
 *   client's choice (u8); for VNC authentication (type 2) the server's
 *   16-byte challenge and the client's 16-byte response; SecurityResult
 *   (u32; 3.8 sends it for type None too, and a reason after a failure);
 *   ClientInit (shared flag) and ServerInit (framebuffer size, pixel
 *   format, name). After ServerInit the session's messages are not parsed.
 * - One transaction per connection, complete at ServerInit or at a failed
 *   security handshake; logged then (or at flow end) as EVE "rfb" in
 *   Suricata's shape. A security type other than None and VNC
 *   authentication is `unimplemented_security_type` (the handshake is not
 *   followed further), a SecurityResult other than 0/1/2
 *   `unknown_security_result`, a message that does not parse
 *   `malformed_message`, data for a side whose turn it is not, beyond what a
 *   handshake message can hold, `confused_state`.
 * - Rule keywords rfb.name (buffer), rfb.sectype and rfb.secresult
 *   (integers; ok, fail, toomany, unknown); frame rfb.pdu (one per
 *   handshake message).
 * Limits: the desktop name and failure reasons are at most RFB_STR_MAX
 * bytes (longer: malformed_message). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "app/app_parser.h"
#include "app/app_txlist.h"
#include "flow/flow.h"
#include "util/json.h"

#define RFB_PORT 5900
#define RFB_STR_MAX 65535u
#define RFB_HELD_MAX (RFB_STR_MAX + 64u)

enum rfb_event {
    RFB_EV_MALFORMED_MESSAGE = 0,
    RFB_EV_UNIMPLEMENTED_SECURITY_TYPE,
    RFB_EV_UNKNOWN_SECURITY_RESULT,
    RFB_EV_CONFUSED_STATE,
    RFB_EV_COUNT,
};
static const char *const rfb_event_names[RFB_EV_COUNT + 1] = {
    "malformed_message", "unimplemented_security_type", "unknown_security_result",
    "confused_state", NULL};

/* What the handshake waits for next (and from which side: TC server, TS client). */
enum rfb_step {
    RFB_TC_VERSION,
    RFB_TS_VERSION,
    RFB_TC_SECURITY_TYPE, /* 3.3: the server decides */
    RFB_TC_SECURITY_TYPES,
    RFB_TS_SECURITY_SELECTION,
    RFB_TC_VNC_CHALLENGE,
    RFB_TS_VNC_RESPONSE,
    RFB_TC_SECURITY_RESULT,
    RFB_TC_FAILURE_REASON,
    RFB_TS_CLIENT_INIT,
    RFB_TC_SERVER_INIT,
    RFB_DONE,
};

static bool rfb_step_to_server(enum rfb_step s)
{
    return s == RFB_TS_VERSION || s == RFB_TS_SECURITY_SELECTION || s == RFB_TS_VNC_RESPONSE ||
           s == RFB_TS_CLIENT_INIT;
}

enum { RFB_F_SECTYPE, RFB_F_SECRESULT, RFB_F_COUNT };
static const struct app_uint_enum rfb_secresult_enum[] = {
    {"ok", 0}, {"fail", 1}, {"toomany", 2}, {"unknown", 3}, {NULL, 0}};
static const struct app_uint_field rfb_fields[RFB_F_COUNT] = {
    /* Suricata inspects the chosen type with the client's side and the
     * result with the server's. */
    [RFB_F_SECTYPE] = {"rfb.sectype", 1, UINT32_MAX, NULL, false},
    [RFB_F_SECRESULT] = {"rfb.secresult", 2, UINT32_MAX, rfb_secresult_enum, false},
};

struct rfb_pixel_format {
    uint8_t bpp, depth, big_endian, true_color;
    uint16_t red_max, green_max, blue_max;
    uint8_t red_shift, green_shift, blue_shift;
};

struct rfb_tx {
    union {
        struct app_list_tx lt;
        struct app_tx base;
    };
    char server_version[2][4], client_version[2][4]; /* major, minor */
    bool has_server_version, has_client_version;
    bool has_sectype, has_challenge, has_response, has_result, has_client_init,
        has_server_init;
    uint32_t sectype;
    uint8_t challenge[16], response[16];
    uint32_t result;
    uint8_t shared;
    uint16_t width, height;
    struct rfb_pixel_format pf;
    uint8_t *name; /* owned, name_len bytes */
    uint32_t name_len;
    uint8_t *reason; /* failure reason, owned */
    uint32_t reason_len;
    bool has_reason;
    bool complete;
    uint32_t events;
};

struct rfb_state {
    struct app_layer_thread_ctx *thread;
    struct app_parse_ctx *ctx;
    struct app_txlist txs;
    struct rfb_tx *tx;
    struct app_msgbuf buf[2];
    enum rfb_step step;
    bool v33;      /* the client speaks 3.3: the server picks the type */
    bool v38;      /* the client speaks 3.8 or later: SecurityResult always */
    bool stopped;  /* handshake over or given up: later bytes are ignored */
    uint8_t feed_dir;
    uint64_t frame_base;
    uint64_t end_off[2]; /* stream offset after the last byte fed, per side */
};

extern const struct app_parser app_parser_rfb;

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint16_t be16(const uint8_t *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}

static void rfb_event(struct rfb_state *st, enum rfb_event e)
{
    if (st->tx)
        st->tx->events |= 1u << e;
    if (st->ctx)
        app_parser_anomaly(st->ctx, APP_PROTO_RFB, rfb_event_names[e]);
}

static void rfb_tx_free(struct app_list_tx *ltx, void *user)
{
    struct rfb_state *st = user;
    struct rfb_tx *tx = (struct rfb_tx *)ltx;
    if (tx->name) {
        app_thread_memory_release(st->thread, tx->name_len);
        free(tx->name);
    }
    if (tx->reason) {
        app_thread_memory_release(st->thread, tx->reason_len);
        free(tx->reason);
    }
}

static uint8_t *rfb_copy(struct rfb_state *st, const uint8_t *p, uint32_t n)
{
    if (!app_thread_memory_reserve(st->thread, n))
        return NULL;
    uint8_t *c = malloc(n ? n : 1);
    if (!c) {
        app_thread_memory_release(st->thread, n);
        return NULL;
    }
    memcpy(c, p, n);
    return c;
}

/* "RFB xxx.yyy\n": 12 bytes, digits. */
static bool rfb_version_valid(const uint8_t *p)
{
    if (memcmp(p, "RFB ", 4) != 0 || p[7] != '.' || p[11] != '\n')
        return false;
    for (int i = 4; i < 11; i++)
        if (i != 7 && (p[i] < '0' || p[i] > '9'))
            return false;
    return true;
}

/* Bytes the message expected at this step needs, from what is there (p, n):
 * > 0 its whole length (possibly more than n: wait for the rest), 0 more
 * bytes are needed to tell, -1 malformed. */
static int64_t rfb_msg_len(const struct rfb_state *st, const uint8_t *p, uint32_t n)
{
    switch (st->step) {
    case RFB_TC_VERSION:
    case RFB_TS_VERSION:
        return n < 12 ? 0 : (rfb_version_valid(p) ? 12 : -1);
    case RFB_TC_SECURITY_TYPE:
        if (n < 4)
            return 0;
        if (be32(p) != 0)
            return 4;
        /* type 0: a failure reason follows */
        if (n < 8)
            return 0;
        return be32(p + 4) > RFB_STR_MAX ? -1 : 8 + (int64_t)be32(p + 4);
    case RFB_TC_SECURITY_TYPES:
        if (n < 1)
            return 0;
        if (p[0] != 0)
            return 1 + (int64_t)p[0];
        if (n < 5)
            return 0;
        return be32(p + 1) > RFB_STR_MAX ? -1 : 5 + (int64_t)be32(p + 1);
    case RFB_TS_SECURITY_SELECTION:
    case RFB_TS_CLIENT_INIT:
        return n < 1 ? 0 : 1;
    case RFB_TC_VNC_CHALLENGE:
    case RFB_TS_VNC_RESPONSE:
        return n < 16 ? 0 : 16;
    case RFB_TC_SECURITY_RESULT:
        return n < 4 ? 0 : 4;
    case RFB_TC_FAILURE_REASON:
        if (n < 4)
            return 0;
        return be32(p) > RFB_STR_MAX ? -1 : 4 + (int64_t)be32(p);
    case RFB_TC_SERVER_INIT:
        if (n < 24)
            return 0;
        return be32(p + 20) > RFB_STR_MAX ? -1 : 24 + (int64_t)be32(p + 20);
    default:
        return -1;
    }
}

static void rfb_finish(struct rfb_state *st)
{
    if (st->tx)
        st->tx->complete = true;
    st->step = RFB_DONE;
    st->stopped = true;
}

static void rfb_set_reason(struct rfb_state *st, const uint8_t *p, uint32_t n)
{
    struct rfb_tx *tx = st->tx;
    if (tx->reason) {
        app_thread_memory_release(st->thread, tx->reason_len);
        free(tx->reason);
    }
    tx->reason = rfb_copy(st, p, n);
    tx->reason_len = tx->reason ? n : 0;
    tx->has_reason = tx->reason != NULL;
}

/* After a security type is known (chosen by the client or, in 3.3, by the
 * server): where the handshake goes. */
static void rfb_after_sectype(struct rfb_state *st, uint32_t type)
{
    st->tx->has_sectype = true;
    st->tx->sectype = type;
    if (type == 2) {
        st->step = RFB_TC_VNC_CHALLENGE;
    } else if (type == 1) {
        st->step = st->v38 ? RFB_TC_SECURITY_RESULT : RFB_TS_CLIENT_INIT;
    } else {
        rfb_event(st, RFB_EV_UNIMPLEMENTED_SECURITY_TYPE);
        rfb_finish(st);
    }
}

/* Handles the message of the current step (len bytes at p, from
 * rfb_msg_len). */
static void rfb_message(struct rfb_state *st, const uint8_t *p, uint32_t len)
{
    struct rfb_tx *tx = st->tx;
    tx->base.changes++; /* detection looks at the transaction again */
    switch (st->step) {
    case RFB_TC_VERSION:
        memcpy(tx->server_version[0], p + 4, 3);
        memcpy(tx->server_version[1], p + 8, 3);
        tx->has_server_version = true;
        st->step = RFB_TS_VERSION;
        break;
    case RFB_TS_VERSION: {
        memcpy(tx->client_version[0], p + 4, 3);
        memcpy(tx->client_version[1], p + 8, 3);
        tx->has_client_version = true;
        unsigned minor = (unsigned)((p[8] - '0') * 100 + (p[9] - '0') * 10 + (p[10] - '0'));
        st->v33 = memcmp(p + 4, "003.003", 7) == 0;
        st->v38 = !st->v33 && minor >= 8;
        st->step = st->v33 ? RFB_TC_SECURITY_TYPE : RFB_TC_SECURITY_TYPES;
        break;
    }
    case RFB_TC_SECURITY_TYPE: {
        uint32_t type = be32(p);
        if (type == 0) {
            tx->has_sectype = true;
            tx->sectype = 0;
            rfb_set_reason(st, p + 8, len - 8);
            rfb_finish(st);
        } else {
            rfb_after_sectype(st, type);
        }
        break;
    }
    case RFB_TC_SECURITY_TYPES:
        if (p[0] == 0) {
            rfb_set_reason(st, p + 5, len - 5);
            rfb_finish(st);
        } else {
            st->step = RFB_TS_SECURITY_SELECTION;
        }
        break;
    case RFB_TS_SECURITY_SELECTION:
        rfb_after_sectype(st, p[0]);
        break;
    case RFB_TC_VNC_CHALLENGE:
        memcpy(tx->challenge, p, 16);
        tx->has_challenge = true;
        st->step = RFB_TS_VNC_RESPONSE;
        break;
    case RFB_TS_VNC_RESPONSE:
        memcpy(tx->response, p, 16);
        tx->has_response = true;
        st->step = RFB_TC_SECURITY_RESULT;
        break;
    case RFB_TC_SECURITY_RESULT:
        tx->has_result = true;
        tx->result = be32(p);
        if (tx->result == 0) {
            st->step = RFB_TS_CLIENT_INIT;
        } else if (tx->result == 1 || tx->result == 2) {
            /* 3.8 explains a failure; earlier versions close */
            if (st->v38)
                st->step = RFB_TC_FAILURE_REASON;
            else
                rfb_finish(st);
        } else {
            rfb_event(st, RFB_EV_UNKNOWN_SECURITY_RESULT);
            rfb_finish(st);
        }
        break;
    case RFB_TC_FAILURE_REASON:
        rfb_set_reason(st, p + 4, len - 4);
        rfb_finish(st);
        break;
    case RFB_TS_CLIENT_INIT:
        tx->shared = p[0];
        tx->has_client_init = true;
        st->step = RFB_TC_SERVER_INIT;
        break;
    case RFB_TC_SERVER_INIT:
        tx->width = be16(p);
        tx->height = be16(p + 2);
        tx->pf.bpp = p[4];
        tx->pf.depth = p[5];
        tx->pf.big_endian = p[6];
        tx->pf.true_color = p[7];
        tx->pf.red_max = be16(p + 8);
        tx->pf.green_max = be16(p + 10);
        tx->pf.blue_max = be16(p + 12);
        tx->pf.red_shift = p[14];
        tx->pf.green_shift = p[15];
        tx->pf.blue_shift = p[16];
        tx->name = rfb_copy(st, p + 24, len - 24);
        tx->name_len = tx->name ? len - 24 : 0;
        tx->has_server_init = true;
        rfb_finish(st);
        break;
    default:
        break;
    }
}

/* Frames: one "pdu" per handshake message. */
enum { RFB_FRAME_PDU };
static const char *const rfb_frame_names[] = {"pdu", NULL};

static uint32_t rfb_consume(void *user, const uint8_t *p, uint32_t n)
{
    struct rfb_state *st = user;
    uint8_t d = st->feed_dir;
    uint32_t pos = 0;
    while (pos < n && !st->stopped) {
        if (rfb_step_to_server(st->step) != (d == 0)) {
            /* The other side's turn: keep these bytes for later, unless
             * they are more than a handshake message can be. */
            if (n - pos > RFB_HELD_MAX) {
                rfb_event(st, RFB_EV_CONFUSED_STATE);
                st->stopped = true;
                return n;
            }
            break;
        }
        int64_t l = rfb_msg_len(st, p + pos, n - pos);
        if (l < 0) {
            rfb_event(st, RFB_EV_MALFORMED_MESSAGE);
            st->stopped = true;
            return n;
        }
        if (l == 0 || (uint64_t)l > n - pos)
            break; /* the rest of the message is still to come */
        if (!st->tx) {
            st->tx = app_txlist_new(&st->txs, &app_parser_rfb, sizeof(*st->tx));
            if (!st->tx) {
                st->stopped = true;
                return n;
            }
            if (st->ctx)
                app_parser_count_tx(st->ctx, APP_PROTO_RFB);
        }
        if (app_frames_on(st->ctx))
            app_frame_add(st->ctx, d, st->frame_base - st->buf[d].held + pos, l, RFB_FRAME_PDU,
                          (int64_t)st->tx->base.id, p + pos, (uint32_t)l);
        rfb_message(st, p + pos, (uint32_t)l);
        pos += (uint32_t)l;
    }
    return st->stopped ? n : pos;
}

static void rfb_feed(struct rfb_state *st, uint8_t d, const uint8_t *data, uint32_t len)
{
    static const uint8_t none[1];
    st->feed_dir = d;
    st->frame_base = st->end_off[d];
    if (app_msgbuf_feed(&st->buf[d], st->thread, data ? data : none, len, rfb_consume, st) != 0)
        st->stopped = true;
}

static void rfb_log_body(const void *object, struct json_writer *w);

static void rfb_log_ready(struct rfb_state *st, bool all)
{
    struct rfb_tx *tx = st->tx;
    if (!st->ctx || !tx || tx->base.logged || (!all && !tx->complete))
        return;
    tx->base.logged = true;
    app_parser_log(st->ctx, "rfb", 0, rfb_log_body, tx);
}

static int rfb_parse(void *state, struct app_parse_ctx *ctx, uint8_t direction,
                     const uint8_t *data, uint32_t len, uint32_t flags)
{
    struct rfb_state *st = state;
    uint8_t d = direction & 1;
    st->ctx = ctx;
    if (flags & APP_DATA_GAP) {
        /* Framing of a handshake is lost with a gap. */
        if (!st->stopped && len)
            rfb_finish(st);
        goto out;
    }
    if (st->stopped || !data || !len)
        goto out;
    st->end_off[d] = ctx->stream_offset;
    rfb_feed(st, d, data, len);
    st->end_off[d] = ctx->stream_offset + len;
    /* Bytes a side sent before its turn wait in its buffer: hand them on
     * as the other side's messages move the handshake along. */
    for (bool progress = true; progress && !st->stopped;) {
        progress = false;
        for (int k = 1; k >= 0 && !st->stopped; k--) {
            uint8_t o = (uint8_t)(d ^ (uint8_t)k);
            uint32_t before = st->buf[o].len;
            if (!before)
                continue;
            rfb_feed(st, o, NULL, 0);
            progress |= st->buf[o].len != before;
        }
    }
    if (st->stopped) {
        app_msgbuf_reset(&st->buf[0]);
        app_msgbuf_reset(&st->buf[1]);
    }
out:
    rfb_log_ready(st, false);
    st->ctx = NULL;
    return 0;
}

static enum app_probe_result rfb_probe(const uint8_t *data, uint32_t len, uint8_t direction)
{
    (void)direction;
    static const char magic[] = "RFB ";
    uint32_t n = len < 4 ? len : 4;
    if (memcmp(data, magic, n) != 0)
        return APP_PROBE_NO;
    if (len < 12)
        return APP_PROBE_NEED_MORE;
    return rfb_version_valid(data) ? APP_PROBE_MATCH : APP_PROBE_NO;
}

static void *rfb_state_new(struct app_parse_ctx *ctx)
{
    if (!app_memory_reserve(ctx, sizeof(struct rfb_state)))
        return NULL;
    struct rfb_state *st = calloc(1, sizeof(*st));
    if (!st) {
        app_memory_release(ctx, sizeof(struct rfb_state));
        return NULL;
    }
    st->thread = ctx->thread;
    app_txlist_init(&st->txs, ctx->thread);
    st->step = RFB_TC_VERSION;
    return st;
}

static void rfb_state_free(void *state)
{
    struct rfb_state *st = state;
    if (!st)
        return;
    app_txlist_free_all(&st->txs, sizeof(struct rfb_tx), rfb_tx_free, st);
    for (int d = 0; d < 2; d++)
        app_msgbuf_free(&st->buf[d], st->thread);
    app_thread_memory_release(st->thread, sizeof(*st));
    free(st);
}

static void rfb_flow_end(void *state, struct app_parse_ctx *ctx)
{
    struct rfb_state *st = state;
    st->ctx = ctx;
    rfb_log_ready(st, true);
    st->ctx = NULL;
}

static int rfb_tx_foreach(void *state, int (*fn)(struct app_tx *tx, void *user), void *user)
{
    struct rfb_state *st = state;
    return app_txlist_foreach(&st->txs, fn, user);
}

static bool rfb_tx_complete(const struct app_tx *atx, uint8_t direction)
{
    (void)direction;
    return ((const struct rfb_tx *)atx)->complete;
}

static bool rfb_tx_has_event(const struct app_tx *atx, const char *name)
{
    const struct rfb_tx *tx = (const struct rfb_tx *)atx;
    for (int e = 0; e < RFB_EV_COUNT; e++)
        if ((tx->events & (1u << e)) && strcasecmp(rfb_event_names[e], name) == 0)
            return true;
    return false;
}

static int rfb_tx_get_uint(const struct app_tx *atx, uint16_t field, uint32_t index,
                           uint64_t *value, const char **name)
{
    const struct rfb_tx *tx = (const struct rfb_tx *)atx;
    *name = NULL;
    if (index)
        return -ENOENT;
    if (field == RFB_F_SECTYPE && tx->has_sectype) {
        *value = tx->sectype;
        return 0;
    }
    if (field == RFB_F_SECRESULT && tx->has_result) {
        *value = tx->result;
        for (const struct app_uint_enum *e = rfb_secresult_enum; e->name; e++)
            if (e->value == tx->result)
                *name = e->name;
        return 0;
    }
    return -ENOENT;
}

static int rfb_tx_get_buffer(const struct app_tx *atx, enum app_buffer buffer, uint32_t index,
                             const uint8_t **data, uint32_t *len)
{
    const struct rfb_tx *tx = (const struct rfb_tx *)atx;
    if ((index & ~(APP_BUFFER_INDEX_TOCLIENT | APP_BUFFER_INDEX_TOSERVER)) != 0)
        return -ENOENT;
    if (buffer == APP_BUFFER_RFB_NAME && tx->has_server_init) {
        *data = tx->name ? tx->name : (const uint8_t *)"";
        *len = tx->name_len;
        return 0;
    }
    return -ENOENT;
}

static void rfb_write_hex16(struct json_writer *w, const char *key, const uint8_t *b)
{
    char hex[33];
    for (int i = 0; i < 16; i++)
        snprintf(hex + 2 * i, 3, "%02x", b[i]);
    json_key_string(w, key, hex);
}

static void rfb_tx_write_json(const struct app_tx *atx, struct json_writer *w)
{
    const struct rfb_tx *tx = (const struct rfb_tx *)atx;
    json_key_object_begin(w, "rfb");
    if (tx->has_server_version) {
        json_key_object_begin(w, "server_protocol_version");
        json_key_string_len(w, "major", tx->server_version[0], 3);
        json_key_string_len(w, "minor", tx->server_version[1], 3);
        json_object_end(w);
    }
    if (tx->has_client_version) {
        json_key_object_begin(w, "client_protocol_version");
        json_key_string_len(w, "major", tx->client_version[0], 3);
        json_key_string_len(w, "minor", tx->client_version[1], 3);
        json_object_end(w);
    }
    json_key_object_begin(w, "authentication");
    if (tx->has_sectype)
        json_key_u64(w, "security_type", tx->sectype);
    if (tx->has_sectype && tx->sectype == 2) {
        json_key_object_begin(w, "vnc");
        if (tx->has_challenge)
            rfb_write_hex16(w, "challenge", tx->challenge);
        if (tx->has_response)
            rfb_write_hex16(w, "response", tx->response);
        json_object_end(w);
    }
    if (tx->has_result) {
        static const char *const names[] = {"OK", "FAIL", "TOOMANY"};
        char buf[32];
        if (tx->result < 3)
            json_key_string(w, "security_result", names[tx->result]);
        else {
            snprintf(buf, sizeof(buf), "UNKNOWN (%u)", tx->result);
            json_key_string(w, "security_result", buf);
        }
    }
    json_object_end(w);
    if (tx->has_reason)
        json_key_string_from_bytes(w, "server_security_failure_reason", tx->reason,
                                   tx->reason_len);
    if (tx->has_client_init)
        json_key_bool(w, "screen_shared", tx->shared != 0);
    if (tx->has_server_init) {
        json_key_object_begin(w, "framebuffer");
        json_key_u64(w, "width", tx->width);
        json_key_u64(w, "height", tx->height);
        json_key_string_from_bytes(w, "name", tx->name ? tx->name : (const uint8_t *)"",
                                   tx->name_len);
        json_key_object_begin(w, "pixel_format");
        json_key_u64(w, "bits_per_pixel", tx->pf.bpp);
        json_key_u64(w, "depth", tx->pf.depth);
        json_key_bool(w, "big_endian", tx->pf.big_endian != 0);
        json_key_bool(w, "true_color", tx->pf.true_color != 0);
        json_key_u64(w, "red_max", tx->pf.red_max);
        json_key_u64(w, "green_max", tx->pf.green_max);
        json_key_u64(w, "blue_max", tx->pf.blue_max);
        json_key_u64(w, "red_shift", tx->pf.red_shift);
        json_key_u64(w, "green_shift", tx->pf.green_shift);
        json_key_u64(w, "blue_shift", tx->pf.blue_shift);
        json_object_end(w);
        json_object_end(w);
    }
    json_object_end(w);
}

static void rfb_log_body(const void *object, struct json_writer *w)
{
    rfb_tx_write_json(object, w);
}

const struct app_parser app_parser_rfb = {
    .proto = APP_PROTO_RFB,
    .name = "rfb",
    .ipprotos = APP_IPPROTO_TCP,
    .ports = {RFB_PORT},
    .probe = rfb_probe,
    .state_new = rfb_state_new,
    .state_free = rfb_state_free,
    .parse = rfb_parse,
    .flow_end = rfb_flow_end,
    .tx_foreach = rfb_tx_foreach,
    .tx_complete = rfb_tx_complete,
    .tx_get_buffer = rfb_tx_get_buffer,
    .tx_write_json = rfb_tx_write_json,
    .tx_has_event = rfb_tx_has_event,
    .event_names = rfb_event_names,
    .frame_names = rfb_frame_names,
    .uint_fields = rfb_fields,
    .n_uint_fields = RFB_F_COUNT,
    .tx_get_field_uint = rfb_tx_get_uint,
};
