/* SPDX-License-Identifier: Apache-2.0 */
/* SIP (RFC 3261) over UDP and TCP, with SDP bodies (RFC 4566), the way
 * Suricata 8 parses and logs it:
 *
 * - One transaction and one EVE "sip" event per message, logged as the
 *   message travelled. Requests are parsed in the to-server direction and
 *   responses in the to-client one; a message that does not start with the
 *   start line its direction expects is "invalid_data" and not logged.
 * - UDP: one message per datagram; the body is all that follows the blank
 *   line, as Suricata takes it (RFC 3261 18.3 would cut it to
 *   Content-Length; keeping the rest leaves nothing of a datagram out of
 *   inspection); a body shorter than Content-Length raises
 *   "incomplete_data".
 * - TCP: messages are framed by the blank line and Content-Length (0 when
 *   absent); several may share a segment and one may span many. A message
 *   is complete in place when a segment holds it whole, else gathered in a
 *   per-direction buffer bounded by SIP_MAX_HEADERS (header section) and
 *   SIP_MAX_BODY (body kept): a longer body is logged truncated and the rest
 *   skipped. After a gap, lines are skipped up to the next start line.
 * - Header names are matched case-insensitively, the compact forms of RFC
 *   3261 7.3.3 included (f: From, t: To, v: Via, ...); folded lines are
 *   part of the value; of a header given several times, the last counts
 *   (as Suricata's header keywords see it).
 * - An application/sdp body (or one starting with "v=") is parsed into the
 *   session and media descriptions Suricata logs as "sdp".
 *
 * Rule buffers: sip.method, sip.uri, sip.request_line, sip.stat_code,
 * sip.stat_msg, sip.response_line, sip.protocol, the header buffers
 * sip.from/to/via/user_agent/content_type/content_length and the sdp.*
 * buffers. App-layer events: invalid_data, incomplete_data,
 * too_many_transactions.
 *
 * Frames (Suricata's): pdu (the message: a UDP datagram, a TCP message with
 * its body), request.line / response.line (the start line with its CRLF),
 * request.headers / response.headers (the header lines after it, up to the
 * CRLF of the last one: the blank line is in neither), request.body /
 * response.body (what follows the blank line, when there is any), with the
 * message's transaction numbered from 1 as Suricata's frames do (a UDP pdu
 * has none). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "app/app_parser.h"
#include "app/app_pdu.h"
#include "app/app_sip.h"
#include "util/json.h"

#define SIP_MAX_HEADERS (64u * 1024u)   /* header section of one message */
#define SIP_MAX_BODY (1024u * 1024u)    /* body bytes kept per message */
#define SDP_MAX_LIST 16u                /* bandwidths, attributes, times per section */
#define SDP_MAX_MEDIA 16u

enum sip_event { SIP_EV_INVALID_DATA = 0, SIP_EV_INCOMPLETE_DATA, SIP_EV_TOO_MANY_TX, SIP_EV_COUNT };
static const char *const sip_event_names[SIP_EV_COUNT + 1] = {
    "invalid_data", "incomplete_data", "too_many_transactions", NULL};

/* A part of the message copy: offset and length. */
struct sip_span {
    uint32_t off, len;
};

enum sip_hdr {
    SIP_H_FROM = 0,
    SIP_H_TO,
    SIP_H_VIA,
    SIP_H_USER_AGENT,
    SIP_H_CONTENT_TYPE,
    SIP_H_CONTENT_LENGTH,
    SIP_H_CALL_ID,
    SIP_H_CSEQ,
    SIP_H_COUNT,
};

/* Full names and compact forms (RFC 3261 7.3.3 and 20). */
static const struct {
    const char *name;
    char compact;
} sip_hdr_names[SIP_H_COUNT] = {
    [SIP_H_FROM] = {"From", 'f'},
    [SIP_H_TO] = {"To", 't'},
    [SIP_H_VIA] = {"Via", 'v'},
    [SIP_H_USER_AGENT] = {"User-Agent", 0},
    [SIP_H_CONTENT_TYPE] = {"Content-Type", 'c'},
    [SIP_H_CONTENT_LENGTH] = {"Content-Length", 'l'},
    [SIP_H_CALL_ID] = {"Call-ID", 'i'},
    [SIP_H_CSEQ] = {"CSeq", 0},
};

struct sdp_media {
    struct sip_span media, info, conn, key;
    struct sip_span bw[SDP_MAX_LIST];
    struct sip_span attr[SDP_MAX_LIST];
    uint8_t nbw, nattr;
};

struct sdp_time {
    struct sip_span time, repeat;
};

struct sip_sdp {
    struct sip_span version, origin, name, info, uri, email, phone, conn, zone, key;
    struct sip_span bw[SDP_MAX_LIST];
    struct sip_span attr[SDP_MAX_LIST];
    struct sdp_time times[SDP_MAX_LIST];
    uint8_t nbw, nattr, ntimes, nmedia;
    struct sdp_media media[SDP_MAX_MEDIA];
};

struct sip_tx {
    struct app_pdu_tx pdu;
    uint8_t *msg; /* copy of the message (start line, headers, kept body) */
    uint32_t msg_len;
    bool request;
    /* request: method, uri, version; response: version, code, reason */
    struct sip_span method, uri, version, code, reason, start_line;
    struct sip_span hdr[SIP_H_COUNT];
    uint8_t has_hdr; /* bit per enum sip_hdr */
    struct sip_span body;
    struct sip_sdp *sdp; /* NULL without an SDP body */
};

/* Per-direction TCP stream state. */
struct sip_stream {
    uint8_t *buf;
    uint32_t len, cap;
    uint64_t skip;  /* body bytes past SIP_MAX_BODY still to skip */
    uint64_t buf_off; /* frames: stream offset of buf[0] */
    bool resync;    /* after a gap or garbage: skip to the next start line */
};

struct sip_state {
    struct app_pdu_queue q;
    const struct app_parser *parser;
    struct sip_stream s[2];
    uint32_t flow_events;
    struct app_parse_ctx *ctx;
};

/* ---------- lexical helpers ---------- */

static bool sip_is_token(uint8_t c)
{
    /* RFC 3261 token characters */
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
        return true;
    return c && strchr("-.!%*_+`'~", c) != NULL;
}

static bool sip_is_ws(uint8_t c)
{
    return c == ' ' || c == '\t';
}

/* Length of the line at d (without its CRLF or LF); *eol gets the length of
 * the terminator (0 if none within n). */
static uint32_t sip_line(const uint8_t *d, uint32_t n, uint32_t *eol)
{
    const uint8_t *lf = memchr(d, '\n', n);
    if (!lf) {
        *eol = 0;
        return n;
    }
    uint32_t l = (uint32_t)(lf - d);
    *eol = 1;
    if (l > 0 && d[l - 1] == '\r') {
        l--;
        *eol = 2;
    }
    return l;
}

/* "SIP/" 1*DIGIT "." 1*DIGIT */
static bool sip_version_ok(const uint8_t *d, uint32_t n)
{
    if (n < 7 || memcmp(d, "SIP/", 4) != 0)
        return false;
    uint32_t i = 4, digits = 0;
    while (i < n && d[i] >= '0' && d[i] <= '9') {
        i++;
        digits++;
    }
    if (!digits || i >= n || d[i] != '.')
        return false;
    i++;
    digits = 0;
    while (i < n && d[i] >= '0' && d[i] <= '9') {
        i++;
        digits++;
    }
    return digits && i == n;
}

/* Request-Line = Method SP Request-URI SP SIP-Version. Fills the spans
 * (offsets relative to d) when they are given. */
static bool sip_request_line(const uint8_t *d, uint32_t n, struct sip_span *method,
                             struct sip_span *uri, struct sip_span *version)
{
    uint32_t i = 0;
    while (i < n && sip_is_token(d[i]))
        i++;
    if (i == 0 || i >= n || d[i] != ' ')
        return false;
    uint32_t m = i++;
    uint32_t us = i;
    while (i < n && d[i] != ' ' && d[i] > 0x20 && d[i] < 0x7f)
        i++;
    if (i == us || i >= n || d[i] != ' ')
        return false;
    uint32_t ue = i++;
    if (!sip_version_ok(d + i, n - i))
        return false;
    if (method) {
        *method = (struct sip_span){0, m};
        *uri = (struct sip_span){us, ue - us};
        *version = (struct sip_span){i, n - i};
    }
    return true;
}

/* Status-Line = SIP-Version SP Status-Code SP Reason-Phrase */
static bool sip_status_line(const uint8_t *d, uint32_t n, struct sip_span *version,
                            struct sip_span *code, struct sip_span *reason)
{
    const uint8_t *sp = memchr(d, ' ', n);
    if (!sp)
        return false;
    uint32_t v = (uint32_t)(sp - d);
    if (!sip_version_ok(d, v))
        return false;
    uint32_t i = v + 1;
    if (n - i < 3 || d[i] < '1' || d[i] > '6' || d[i + 1] < '0' || d[i + 1] > '9' ||
        d[i + 2] < '0' || d[i + 2] > '9')
        return false;
    if (n - i > 3 && d[i + 3] != ' ')
        return false;
    if (version) {
        *version = (struct sip_span){0, v};
        *code = (struct sip_span){i, 3};
        uint32_t r = n - i > 3 ? i + 4 : n;
        *reason = (struct sip_span){r, n - r};
    }
    return true;
}

static bool sip_start_line_ok(const uint8_t *d, uint32_t n)
{
    return sip_request_line(d, n, NULL, NULL, NULL) || sip_status_line(d, n, NULL, NULL, NULL);
}

/* ---------- content detection ---------- */

static enum app_probe_result sip_probe(const uint8_t *d, uint32_t len, uint8_t direction)
{
    (void)direction;
    uint32_t eol;
    uint32_t l = sip_line(d, len, &eol);
    if (!eol) {
        /* No full line yet: possible if what is there could still start one. */
        if (l > 512)
            return APP_PROBE_NO;
        if (l >= 4 && memcmp(d, "SIP/", 4) == 0)
            return APP_PROBE_NEED_MORE;
        for (uint32_t i = 0; i < l; i++) {
            if (d[i] == ' ')
                return i > 0 ? APP_PROBE_NEED_MORE : APP_PROBE_NO;
            if (!sip_is_token(d[i]))
                return APP_PROBE_NO;
        }
        return l ? APP_PROBE_NEED_MORE : APP_PROBE_NO;
    }
    return sip_start_line_ok(d, l) ? APP_PROBE_MATCH : APP_PROBE_NO;
}

/* ---------- SDP ---------- */

static void sdp_add(struct sip_span *list, uint8_t *n, struct sip_span v)
{
    if (*n < SDP_MAX_LIST)
        list[(*n)++] = v;
}

/* Parses the SDP body at msg[body]; spans are offsets into msg. Returns
 * false if the body is not SDP (no "v=" first line). */
static bool sdp_parse(struct sip_sdp *sdp, const uint8_t *msg, struct sip_span body)
{
    memset(sdp, 0, sizeof(*sdp));
    uint32_t off = body.off, end = body.off + body.len;
    bool first = true;
    struct sdp_media *m = NULL;
    while (off < end) {
        uint32_t eol;
        uint32_t l = sip_line(msg + off, end - off, &eol);
        const uint8_t *p = msg + off;
        uint32_t at = off;
        off += l + eol;
        if (l == 0)
            continue;
        if (l < 2 || p[1] != '=' || p[0] < 'a' || p[0] > 'z') {
            if (first)
                return false;
            continue;
        }
        struct sip_span v = {at + 2, l - 2};
        if (first) {
            if (p[0] != 'v')
                return false;
            sdp->version = v;
            first = false;
            continue;
        }
        if (p[0] == 'm') {
            if (sdp->nmedia < SDP_MAX_MEDIA) {
                m = &sdp->media[sdp->nmedia++];
                m->media = v;
            } else {
                m = NULL; /* beyond the limit: its lines are dropped */
                off = end;
            }
            continue;
        }
        if (m) {
            switch (p[0]) {
            case 'i': m->info = v; break;
            case 'c': m->conn = v; break;
            case 'k': m->key = v; break;
            case 'b': sdp_add(m->bw, &m->nbw, v); break;
            case 'a': sdp_add(m->attr, &m->nattr, v); break;
            default: break;
            }
            continue;
        }
        switch (p[0]) {
        case 'o': sdp->origin = v; break;
        case 's': sdp->name = v; break;
        case 'i': sdp->info = v; break;
        case 'u': sdp->uri = v; break;
        case 'e': sdp->email = v; break;
        case 'p': sdp->phone = v; break;
        case 'c': sdp->conn = v; break;
        case 'z': sdp->zone = v; break;
        case 'k': sdp->key = v; break;
        case 'b': sdp_add(sdp->bw, &sdp->nbw, v); break;
        case 'a': sdp_add(sdp->attr, &sdp->nattr, v); break;
        case 't':
            if (sdp->ntimes < SDP_MAX_LIST)
                sdp->times[sdp->ntimes++].time = v;
            break;
        case 'r':
            if (sdp->ntimes && !sdp->times[sdp->ntimes - 1].repeat.len)
                sdp->times[sdp->ntimes - 1].repeat = v;
            break;
        default: break;
        }
    }
    return !first;
}

/* ---------- messages ---------- */

static void sip_event(struct sip_state *st, struct sip_tx *tx, enum sip_event e)
{
    app_pdu_event(st->ctx, APP_PROTO_SIP, tx ? &tx->pdu : NULL, &st->flow_events,
                  sip_event_names, e);
}

static void sip_tx_free(struct app_pdu_queue *q, struct app_pdu_tx *ptx)
{
    (void)q;
    struct sip_tx *tx = (struct sip_tx *)ptx;
    free(tx->msg);
    free(tx->sdp);
    tx->msg = NULL;
    tx->sdp = NULL;
}

static int sip_header_id(const uint8_t *name, uint32_t n)
{
    for (int h = 0; h < SIP_H_COUNT; h++) {
        if (n == 1 && sip_hdr_names[h].compact &&
            (name[0] | 0x20) == sip_hdr_names[h].compact)
            return h;
        if (strlen(sip_hdr_names[h].name) == n && strncasecmp((const char *)name,
                                                              sip_hdr_names[h].name, n) == 0)
            return h;
    }
    return -1;
}

/* "Name: value" (white space allowed around the colon, trimmed from the
 * value): the name's length and the value's start and end in p. */
static bool sip_header_line(const uint8_t *p, uint32_t l, uint32_t *name_len, uint32_t *vs,
                            uint32_t *ve)
{
    uint32_t i = 0;
    while (i < l && sip_is_token(p[i]))
        i++;
    *name_len = i;
    while (i < l && sip_is_ws(p[i]))
        i++;
    if (*name_len == 0 || i >= l || p[i] != ':')
        return false;
    i++;
    while (i < l && sip_is_ws(p[i]))
        i++;
    uint32_t e = l;
    while (e > i && sip_is_ws(p[e - 1]))
        e--;
    *vs = i;
    *ve = e;
    return true;
}

/* Content-Length value: digits (with surrounding white space trimmed
 * already). -1 if not a number. */
static int64_t sip_number(const uint8_t *d, uint32_t n)
{
    if (n == 0 || n > 10)
        return -1;
    int64_t v = 0;
    for (uint32_t i = 0; i < n; i++) {
        if (d[i] < '0' || d[i] > '9')
            return -1;
        v = v * 10 + (d[i] - '0');
    }
    return v;
}

/* The header section of msg (start line included, ending with the blank
 * line or at n): fills the header spans. Returns the offset of the body
 * (n when no blank line was found). */
static uint32_t sip_headers(struct sip_state *st, struct sip_tx *tx, const uint8_t *msg, uint32_t n,
                            uint32_t off, uint32_t *hdr_end)
{
    *hdr_end = n;
    int cur = -1; /* header a folded line continues */
    bool bad = false;
    while (off < n) {
        uint32_t eol;
        uint32_t l = sip_line(msg + off, n - off, &eol);
        const uint8_t *p = msg + off;
        uint32_t at = off;
        off += l + eol;
        if (l == 0) {
            *hdr_end = at;
            return eol ? off : n; /* blank line: the body follows */
        }
        if (sip_is_ws(p[0])) {
            /* folded continuation (RFC 3261 7.3.1) */
            if (cur >= 0) {
                uint32_t e = at + l;
                while (e > tx->hdr[cur].off && sip_is_ws(msg[e - 1]))
                    e--;
                tx->hdr[cur].len = e - tx->hdr[cur].off;
            } else if (!bad) {
                bad = true;
            }
            continue;
        }
        uint32_t name_len, i, e;
        if (!sip_header_line(p, l, &name_len, &i, &e)) {
            bad = true;
            cur = -1;
            continue;
        }
        cur = sip_header_id(p, name_len);
        if (cur >= 0) {
            tx->hdr[cur] = (struct sip_span){at + i, e - i};
            tx->has_hdr |= (uint8_t)(1u << cur);
        }
    }
    if (bad)
        sip_event(st, tx, SIP_EV_INVALID_DATA);
    return n;
}

static void sip_log_body(const void *object, struct json_writer *w);

/* One message: msg[0..n) with its header section ending at hdr_end (0: not
 * known yet, UDP); body_len: the body bytes of msg to keep (UDP: from the
 * header end to n, cut to Content-Length here). truncated: the message had
 * more body than was kept. */
enum {
    SIP_FRAME_PDU,
    SIP_FRAME_REQUEST_LINE,
    SIP_FRAME_RESPONSE_LINE,
    SIP_FRAME_REQUEST_HEADERS,
    SIP_FRAME_RESPONSE_HEADERS,
    SIP_FRAME_REQUEST_BODY,
    SIP_FRAME_RESPONSE_BODY,
};
static const char *const sip_frame_names[] = {"pdu",
                                              "request.line",
                                              "response.line",
                                              "request.headers",
                                              "response.headers",
                                              "request.body",
                                              "response.body",
                                              NULL};

/* The frames of a message's parts (the pdu is added before parsing). */
static void sip_frames(struct sip_state *st, uint8_t dir, uint64_t at, const uint8_t *msg,
                       uint32_t n, uint32_t line_end, uint32_t hdr_end, uint32_t body_off,
                       int64_t tx_id)
{
    uint8_t r = dir ? 1 : 0; /* response types follow their request ones */
    app_frame_add(st->ctx, dir, at, line_end, (uint8_t)(SIP_FRAME_REQUEST_LINE + r), tx_id, msg,
                  line_end);
    if (hdr_end > line_end)
        app_frame_add(st->ctx, dir, at + line_end, hdr_end - line_end,
                      (uint8_t)(SIP_FRAME_REQUEST_HEADERS + r), tx_id, msg + line_end,
                      hdr_end - line_end);
    if (body_off < n)
        app_frame_add(st->ctx, dir, at + body_off, n - body_off,
                      (uint8_t)(SIP_FRAME_REQUEST_BODY + r), tx_id, msg + body_off, n - body_off);
}

/* at: the stream offset of msg[0] (frames). */
static void sip_message(struct sip_state *st, uint8_t dir, const uint8_t *msg, uint32_t n, bool udp,
                        bool truncated, uint64_t at)
{
    uint32_t eol;
    uint32_t l = sip_line(msg, n, &eol);
    struct sip_span a, b, c;
    bool ok = dir == 0 ? sip_request_line(msg, l, &a, &b, &c) : sip_status_line(msg, l, &a, &b, &c);
    if (!ok) {
        if (app_frames_on(st->ctx))
            app_frame_add(st->ctx, dir, at, n, SIP_FRAME_PDU, -1, msg, n);
        sip_event(st, NULL, SIP_EV_INVALID_DATA);
        return;
    }
    struct sip_tx *tx = app_pdu_tx_new(&st->q, st->ctx, st->parser, sizeof(struct sip_tx), dir);
    /* a datagram's pdu has no transaction, a TCP message's has its
     * message's (logged from 1: frame_tx_id_from_one) */
    int64_t frame_tx = tx ? (int64_t)tx->pdu.base.id : -1;
    if (app_frames_on(st->ctx))
        app_frame_add(st->ctx, dir, at, n, SIP_FRAME_PDU, udp ? -1 : frame_tx, msg, n);
    if (!tx)
        return;
    if (!app_pdu_tx_reserve(&st->q, &tx->pdu, n ? n : 1) || !(tx->msg = malloc(n ? n : 1))) {
        sip_event(st, tx, SIP_EV_INCOMPLETE_DATA);
        app_pdu_tx_log(&st->q, st->ctx, &tx->pdu, "sip", sip_log_body);
        return;
    }
    memcpy(tx->msg, msg, n);
    tx->msg_len = n;
    tx->request = dir == 0;
    tx->start_line = (struct sip_span){0, l};
    if (tx->request) {
        tx->method = a;
        tx->uri = b;
        tx->version = c;
    } else {
        tx->version = a;
        tx->code = b;
        tx->reason = c;
    }
    uint32_t hdr_end;
    uint32_t body_off = sip_headers(st, tx, tx->msg, n, l + eol, &hdr_end);
    uint32_t body_len = n - body_off;
    if (app_frames_on(st->ctx))
        sip_frames(st, dir, at, tx->msg, n, l + eol, hdr_end, body_off, frame_tx);
    if (tx->has_hdr & (1u << SIP_H_CONTENT_LENGTH)) {
        struct sip_span cl = tx->hdr[SIP_H_CONTENT_LENGTH];
        int64_t v = sip_number(tx->msg + cl.off, cl.len);
        if (v < 0) {
            sip_event(st, tx, SIP_EV_INVALID_DATA);
        } else if (udp && (uint64_t)v > body_len) {
            sip_event(st, tx, SIP_EV_INCOMPLETE_DATA);
        }
    }
    if (truncated)
        sip_event(st, tx, SIP_EV_INCOMPLETE_DATA);
    tx->body = (struct sip_span){body_off, body_len};
    if (body_len > 0) {
        bool sdp_type = false;
        if (tx->has_hdr & (1u << SIP_H_CONTENT_TYPE)) {
            struct sip_span ct = tx->hdr[SIP_H_CONTENT_TYPE];
            sdp_type = ct.len >= 15 &&
                       strncasecmp((const char *)tx->msg + ct.off, "application/sdp", 15) == 0;
        }
        if (sdp_type || (body_len >= 2 && memcmp(tx->msg + body_off, "v=", 2) == 0)) {
            struct sip_sdp *sdp = NULL;
            if (app_pdu_tx_reserve(&st->q, &tx->pdu, sizeof(*sdp)))
                sdp = malloc(sizeof(*sdp));
            if (sdp && sdp_parse(sdp, tx->msg, tx->body))
                tx->sdp = sdp;
            else
                free(sdp);
        }
    }
    app_pdu_tx_log(&st->q, st->ctx, &tx->pdu, "sip", sip_log_body);
}

/* ---------- TCP framing ---------- */

/* End of the header section of d (offset just past the blank line), or 0
 * if not complete within n. */
static uint32_t sip_header_end(const uint8_t *d, uint32_t n)
{
    for (uint32_t i = 0; i + 1 < n; i++) {
        if (d[i] != '\n')
            continue;
        if (d[i + 1] == '\n')
            return i + 2;
        if (i + 2 < n && d[i + 1] == '\r' && d[i + 2] == '\n')
            return i + 3;
    }
    return 0;
}

/* Content-Length of a complete header section (0 if absent or invalid:
 * the message is then logged with the event and the next one is looked for
 * right after the header section). */
static uint64_t sip_content_length(const uint8_t *d, uint32_t n)
{
    uint64_t v = 0;
    uint32_t off = 0;
    uint32_t eol;
    off += sip_line(d, n, &eol) + eol; /* start line */
    while (off < n) {
        uint32_t l = sip_line(d + off, n - off, &eol);
        const uint8_t *p = d + off;
        off += l + eol;
        uint32_t name_len, i, e;
        if (!sip_header_line(p, l, &name_len, &i, &e) ||
            sip_header_id(p, name_len) != SIP_H_CONTENT_LENGTH)
            continue;
        int64_t x = sip_number(p + i, e - i);
        v = x < 0 ? 0 : (uint64_t)x;
    }
    return v;
}

/* Consumes what it can of d: complete messages, skipped bytes. Returns the
 * bytes consumed; the rest must be kept for later. eof: nothing follows. */
static uint32_t sip_tcp_consume(struct sip_state *st, uint8_t dir, const uint8_t *d, uint32_t n,
                                bool eof, uint64_t d_off)
{
    struct sip_stream *s = &st->s[dir];
    uint32_t off = 0;
    while (off < n) {
        if (s->skip) {
            uint64_t k = s->skip < n - off ? s->skip : n - off;
            s->skip -= k;
            off += (uint32_t)k;
            continue;
        }
        const uint8_t *p = d + off;
        uint32_t left = n - off;
        /* CRLF keep-alives between messages (RFC 5626 4.4.1) */
        if (p[0] == '\r' || p[0] == '\n') {
            off++;
            continue;
        }
        uint32_t eol;
        uint32_t l = sip_line(p, left, &eol);
        if (!eol) {
            if (l > SIP_MAX_HEADERS || eof) {
                if (!s->resync)
                    sip_event(st, NULL, SIP_EV_INVALID_DATA);
                s->resync = true;
                off = n;
            }
            break;
        }
        if (s->resync) {
            if (!sip_start_line_ok(p, l)) {
                off += l + eol;
                continue;
            }
            s->resync = false;
        } else if (!sip_start_line_ok(p, l)) {
            sip_event(st, NULL, SIP_EV_INVALID_DATA);
            s->resync = true;
            off += l + eol;
            continue;
        }
        uint32_t he = sip_header_end(p, left);
        if (!he) {
            if (left > SIP_MAX_HEADERS || eof) {
                /* never-ending header section: log what there is, resync */
                uint32_t take = left > SIP_MAX_HEADERS ? SIP_MAX_HEADERS : left;
                sip_message(st, dir, p, take, false, true, d_off + off);
                off += take;
                s->resync = true;
                continue;
            }
            break;
        }
        uint64_t cl = sip_content_length(p, he);
        uint64_t keep = cl > SIP_MAX_BODY ? SIP_MAX_BODY : cl;
        if ((uint64_t)left < he + keep) {
            if (eof) {
                sip_message(st, dir, p, left, false, true, d_off + off);
                off = n;
            }
            break;
        }
        sip_message(st, dir, p, he + (uint32_t)keep, false, keep < cl, d_off + off);
        off += he + (uint32_t)keep;
        s->skip = cl - keep;
    }
    return off;
}

static bool sip_stream_append(struct sip_state *st, struct sip_stream *s, const uint8_t *d,
                              uint32_t n)
{
    uint32_t need = s->len + n;
    if (need > s->cap) {
        uint32_t cap = s->cap ? s->cap : 1024;
        while (cap < need)
            cap *= 2;
        if (!app_memory_reserve(st->ctx, cap - s->cap))
            return false;
        uint8_t *b = realloc(s->buf, cap);
        if (!b) {
            app_memory_release(st->ctx, cap - s->cap);
            return false;
        }
        s->buf = b;
        s->cap = cap;
    }
    memcpy(s->buf + s->len, d, n);
    s->len += n;
    return true;
}

static void sip_stream_reset(struct sip_state *st, struct sip_stream *s)
{
    if (s->buf) {
        free(s->buf);
        app_thread_memory_release(st->q.thread, s->cap);
    }
    s->buf = NULL;
    s->len = s->cap = 0;
}

/* The buffer holds at most one unfinished message: its header section
 * (<= SIP_MAX_HEADERS) and kept body (<= SIP_MAX_BODY). */
#define SIP_MAX_BUFFER (SIP_MAX_HEADERS + SIP_MAX_BODY + 2u)

static int sip_tcp(struct sip_state *st, uint8_t dir, const uint8_t *data, uint32_t len,
                   uint32_t flags, uint64_t data_off)
{
    struct sip_stream *s = &st->s[dir];
    if (flags & APP_DATA_GAP) {
        sip_stream_reset(st, s);
        s->skip = 0;
        s->resync = true;
        return 0;
    }
    bool eof = (flags & APP_DATA_EOF) != 0;
    while (len > 0 || (eof && s->len)) {
        if (s->len == 0) {
            uint32_t used = sip_tcp_consume(st, dir, data, len, eof, data_off);
            data += used;
            len -= used;
            data_off += used;
            if (len == 0)
                break;
            s->buf_off = data_off;
        }
        uint32_t room = SIP_MAX_BUFFER - s->len;
        uint32_t n = len < room ? len : room;
        if (n) {
            if (!sip_stream_append(st, s, data, n)) {
                sip_stream_reset(st, s);
                s->resync = true;
                return 0;
            }
            data += n;
            len -= n;
            data_off += n;
        }
        uint32_t used = sip_tcp_consume(st, dir, s->buf, s->len, eof && len == 0, s->buf_off);
        if (used == 0 && s->len >= SIP_MAX_BUFFER) {
            /* cannot happen with the limits above; never loop */
            s->len = 0;
            s->resync = true;
            continue;
        }
        memmove(s->buf, s->buf + used, s->len - used);
        s->len -= used;
        s->buf_off += used;
        if (used == 0 && len == 0)
            break;
    }
    if (s->len == 0 && s->cap > 4096)
        sip_stream_reset(st, s); /* do not keep a large buffer for small messages */
    return 0;
}

/* ---------- parser callbacks ---------- */

static int sip_parse(void *state, struct app_parse_ctx *ctx, uint8_t direction,
                     const uint8_t *data, uint32_t len, uint32_t flags)
{
    struct sip_state *st = state;
    uint8_t dir = direction & 1;
    st->ctx = ctx;
    app_pdu_queue_gc(&st->q);
    int rc = 0;
    if (st->parser->ipprotos & APP_IPPROTO_UDP) {
        if (data && len > 0)
            sip_message(st, dir, data, len, true, false, ctx->stream_offset);
    } else {
        rc = sip_tcp(st, dir, data, len, flags, ctx->stream_offset);
    }
    st->ctx = NULL;
    return rc;
}

static void *sip_state_new_for(struct app_parse_ctx *ctx, const struct app_parser *parser)
{
    if (!app_memory_reserve(ctx, sizeof(struct sip_state)))
        return NULL;
    struct sip_state *st = calloc(1, sizeof(*st));
    if (!st) {
        app_memory_release(ctx, sizeof(struct sip_state));
        return NULL;
    }
    app_pdu_queue_init(&st->q, ctx, sip_tx_free);
    st->parser = parser;
    return st;
}

extern const struct app_parser app_parser_sip_udp;
extern const struct app_parser app_parser_sip_tcp;

static void *sip_udp_state_new(struct app_parse_ctx *ctx)
{
    return sip_state_new_for(ctx, &app_parser_sip_udp);
}

static void *sip_tcp_state_new(struct app_parse_ctx *ctx)
{
    return sip_state_new_for(ctx, &app_parser_sip_tcp);
}

static void sip_state_free(void *state)
{
    struct sip_state *st = state;
    if (!st)
        return;
    struct app_layer_thread_ctx *t = st->q.thread;
    app_pdu_queue_free(&st->q);
    for (int d = 0; d < 2; d++)
        sip_stream_reset(st, &st->s[d]);
    app_thread_memory_release(t, sizeof(*st));
    free(st);
}

static void sip_flow_end(void *state, struct app_parse_ctx *ctx)
{
    struct sip_state *st = state;
    st->ctx = ctx;
    /* an unfinished TCP message is logged as far as it came */
    for (uint8_t d = 0; d < 2; d++)
        if (st->s[d].len && !st->s[d].skip)
            sip_tcp(st, d, NULL, 0, APP_DATA_EOF, 0);
    st->ctx = NULL;
}

static int sip_tx_foreach(void *state, int (*fn)(struct app_tx *tx, void *user), void *user)
{
    return app_pdu_queue_foreach(&((struct sip_state *)state)->q, fn, user);
}

/* ---------- EVE ---------- */

static void sip_key_span(struct json_writer *w, const char *key, const struct sip_tx *tx,
                         struct sip_span s)
{
    json_key_string_from_bytes(w, key, tx->msg + s.off, s.len);
}

static void sip_span_array(struct json_writer *w, const char *key, const struct sip_tx *tx,
                           const struct sip_span *list, uint8_t n)
{
    if (!n)
        return;
    json_key_array_begin(w, key);
    for (uint8_t i = 0; i < n; i++)
        json_write_string_from_bytes(w, tx->msg + list[i].off, list[i].len, 0);
    json_array_end(w);
}

static void sip_write_sdp(const struct sip_tx *tx, struct json_writer *w)
{
    const struct sip_sdp *s = tx->sdp;
    json_key_object_begin(w, "sdp");
    int64_t v = sip_number(tx->msg + s->version.off, s->version.len);
    json_key_i64(w, "version", v < 0 ? 0 : v);
    const struct {
        const char *key;
        struct sip_span sp;
    } single[] = {
        {"origin", s->origin},     {"session_name", s->name}, {"session_info", s->info},
        {"uri", s->uri},           {"email", s->email},       {"phone_number", s->phone},
        {"connection_data", s->conn},
    };
    for (size_t i = 0; i < sizeof(single) / sizeof(single[0]); i++)
        if (single[i].sp.len || !strcmp(single[i].key, "origin") ||
            !strcmp(single[i].key, "session_name"))
            sip_key_span(w, single[i].key, tx, single[i].sp);
    sip_span_array(w, "bandwidths", tx, s->bw, s->nbw);
    if (s->ntimes) {
        json_key_array_begin(w, "time_descriptions");
        for (uint8_t i = 0; i < s->ntimes; i++) {
            json_object_begin(w);
            sip_key_span(w, "time", tx, s->times[i].time);
            if (s->times[i].repeat.len)
                sip_key_span(w, "repeat_time", tx, s->times[i].repeat);
            json_object_end(w);
        }
        json_array_end(w);
    }
    if (s->zone.len)
        sip_key_span(w, "timezone", tx, s->zone);
    if (s->key.len)
        sip_key_span(w, "encryption_key", tx, s->key);
    sip_span_array(w, "attributes", tx, s->attr, s->nattr);
    if (s->nmedia) {
        json_key_array_begin(w, "media_descriptions");
        for (uint8_t i = 0; i < s->nmedia; i++) {
            const struct sdp_media *m = &s->media[i];
            json_object_begin(w);
            sip_key_span(w, "media", tx, m->media);
            if (m->info.len)
                sip_key_span(w, "media_info", tx, m->info);
            sip_span_array(w, "bandwidths", tx, m->bw, m->nbw);
            if (m->conn.len)
                sip_key_span(w, "connection_data", tx, m->conn);
            if (m->key.len)
                sip_key_span(w, "encryption_key", tx, m->key);
            sip_span_array(w, "attributes", tx, m->attr, m->nattr);
            json_object_end(w);
        }
        json_array_end(w);
    }
    json_object_end(w);
}

static void sip_tx_write_json(const struct app_tx *atx, struct json_writer *w)
{
    const struct sip_tx *tx = (const struct sip_tx *)atx;
    json_key_object_begin(w, "sip");
    if (tx->msg) {
        if (tx->request) {
            sip_key_span(w, "method", tx, tx->method);
            sip_key_span(w, "uri", tx, tx->uri);
            sip_key_span(w, "version", tx, tx->version);
            sip_key_span(w, "request_line", tx, tx->start_line);
        } else {
            sip_key_span(w, "version", tx, tx->version);
            sip_key_span(w, "code", tx, tx->code);
            sip_key_span(w, "reason", tx, tx->reason);
            sip_key_span(w, "response_line", tx, tx->start_line);
        }
        if (tx->sdp)
            sip_write_sdp(tx, w);
    }
    json_object_end(w);
}

static void sip_log_body(const void *object, struct json_writer *w)
{
    sip_tx_write_json(object, w);
}

/* ---------- detection ---------- */

static bool sip_tx_has_event(const struct app_tx *tx, const char *name)
{
    return app_pdu_has_event(tx, sip_event_names, SIP_EV_COUNT, name);
}

static int sip_out(const struct sip_tx *tx, struct sip_span s, bool present, const uint8_t **data,
                   uint32_t *len)
{
    if (!present)
        return -ENOENT;
    *data = tx->msg + s.off;
    *len = s.len;
    return 0;
}

/* Instance `index` of a list. */
static int sip_list(const struct sip_tx *tx, const struct sip_span *list, uint32_t n,
                    uint32_t index, const uint8_t **data, uint32_t *len)
{
    return sip_out(tx, index < n ? list[index] : (struct sip_span){0, 0}, index < n, data, len);
}

static int sip_hdr_buf(const struct sip_tx *tx, enum sip_hdr h, uint32_t index,
                       const uint8_t **data, uint32_t *len)
{
    return sip_out(tx, tx->hdr[h], index == 0 && (tx->has_hdr & (1u << h)), data, len);
}

static int sip_tx_get_buffer(const struct app_tx *atx, enum app_buffer buffer, uint32_t index,
                             const uint8_t **data, uint32_t *len)
{
    const struct sip_tx *tx = (const struct sip_tx *)atx;
    if (!tx->msg)
        return -ENOENT;
    /* A transaction is one message of one direction: a direction filter on
     * the index that is not the message's own finds nothing. */
    uint32_t want = index & (APP_BUFFER_INDEX_TOCLIENT | APP_BUFFER_INDEX_TOSERVER);
    if ((want == APP_BUFFER_INDEX_TOCLIENT && tx->request) ||
        (want == APP_BUFFER_INDEX_TOSERVER && !tx->request))
        return -ENOENT;
    index &= ~(APP_BUFFER_INDEX_TOCLIENT | APP_BUFFER_INDEX_TOSERVER);
    bool one = index == 0;
    const struct sip_sdp *s = tx->sdp;
    switch (buffer) {
    case APP_BUFFER_SIP_METHOD: return sip_out(tx, tx->method, one && tx->request, data, len);
    case APP_BUFFER_SIP_URI: return sip_out(tx, tx->uri, one && tx->request, data, len);
    case APP_BUFFER_SIP_REQUEST_LINE:
        return sip_out(tx, tx->start_line, one && tx->request, data, len);
    case APP_BUFFER_SIP_STAT_CODE: return sip_out(tx, tx->code, one && !tx->request, data, len);
    case APP_BUFFER_SIP_STAT_MSG: return sip_out(tx, tx->reason, one && !tx->request, data, len);
    case APP_BUFFER_SIP_RESPONSE_LINE:
        return sip_out(tx, tx->start_line, one && !tx->request, data, len);
    case APP_BUFFER_SIP_PROTOCOL: return sip_out(tx, tx->version, one, data, len);
    case APP_BUFFER_SIP_FROM: return sip_hdr_buf(tx, SIP_H_FROM, index, data, len);
    case APP_BUFFER_SIP_TO: return sip_hdr_buf(tx, SIP_H_TO, index, data, len);
    case APP_BUFFER_SIP_VIA: return sip_hdr_buf(tx, SIP_H_VIA, index, data, len);
    case APP_BUFFER_SIP_USER_AGENT: return sip_hdr_buf(tx, SIP_H_USER_AGENT, index, data, len);
    case APP_BUFFER_SIP_CONTENT_TYPE: return sip_hdr_buf(tx, SIP_H_CONTENT_TYPE, index, data, len);
    case APP_BUFFER_SIP_CONTENT_LENGTH:
        return sip_hdr_buf(tx, SIP_H_CONTENT_LENGTH, index, data, len);
    default: break;
    }
    if (!s)
        return -ENOENT;
    switch (buffer) {
    case APP_BUFFER_SDP_ORIGIN: return sip_out(tx, s->origin, one && s->origin.len, data, len);
    case APP_BUFFER_SDP_SESSION_NAME: return sip_out(tx, s->name, one && s->name.len, data, len);
    case APP_BUFFER_SDP_SESSION_INFO: return sip_out(tx, s->info, one && s->info.len, data, len);
    case APP_BUFFER_SDP_URI: return sip_out(tx, s->uri, one && s->uri.len, data, len);
    case APP_BUFFER_SDP_EMAIL: return sip_out(tx, s->email, one && s->email.len, data, len);
    case APP_BUFFER_SDP_PHONE_NUMBER: return sip_out(tx, s->phone, one && s->phone.len, data, len);
    case APP_BUFFER_SDP_CONNECTION_DATA: return sip_out(tx, s->conn, one && s->conn.len, data, len);
    case APP_BUFFER_SDP_TIMEZONE: return sip_out(tx, s->zone, one && s->zone.len, data, len);
    case APP_BUFFER_SDP_ENCRYPTION_KEY: return sip_out(tx, s->key, one && s->key.len, data, len);
    case APP_BUFFER_SDP_BANDWIDTH: return sip_list(tx, s->bw, s->nbw, index, data, len);
    case APP_BUFFER_SDP_ATTRIBUTE: return sip_list(tx, s->attr, s->nattr, index, data, len);
    case APP_BUFFER_SDP_TIME:
        return sip_out(tx, index < s->ntimes ? s->times[index].time : (struct sip_span){0, 0},
                       index < s->ntimes, data, len);
    case APP_BUFFER_SDP_REPEAT_TIME: {
        /* the time descriptions that have one, in order */
        uint32_t k = 0;
        for (uint8_t i = 0; i < s->ntimes; i++)
            if (s->times[i].repeat.len && k++ == index)
                return sip_out(tx, s->times[i].repeat, true, data, len);
        return -ENOENT;
    }
    case APP_BUFFER_SDP_MEDIA_MEDIA:
    case APP_BUFFER_SDP_MEDIA_MEDIA_INFO:
    case APP_BUFFER_SDP_MEDIA_CONNECTION_DATA:
    case APP_BUFFER_SDP_MEDIA_ENCRYPTION_KEY: {
        /* one instance per media description that has the field */
        uint32_t k = 0;
        for (uint8_t i = 0; i < s->nmedia; i++) {
            const struct sdp_media *m = &s->media[i];
            struct sip_span sp = buffer == APP_BUFFER_SDP_MEDIA_MEDIA         ? m->media
                                 : buffer == APP_BUFFER_SDP_MEDIA_MEDIA_INFO  ? m->info
                                 : buffer == APP_BUFFER_SDP_MEDIA_CONNECTION_DATA ? m->conn
                                                                                  : m->key;
            if (sp.len && k++ == index)
                return sip_out(tx, sp, true, data, len);
        }
        return -ENOENT;
    }
    default: return -ENOENT;
    }
}

#define SIP_PARSER_COMMON                                                                          \
    .proto = APP_PROTO_SIP, .name = "sip", .ports = {5060, 5061}, .probe = sip_probe,              \
    .state_free = sip_state_free, .parse = sip_parse, .tx_foreach = sip_tx_foreach,                \
    .tx_complete = app_pdu_tx_complete, .tx_get_buffer = sip_tx_get_buffer,                        \
    .tx_write_json = sip_tx_write_json, .tx_has_event = sip_tx_has_event,                          \
    .events_on_packet = true, .event_names = sip_event_names, .frame_names = sip_frame_names,      \
    .frame_tx_id_from_one = true,                                                                  \
    .tx_direction = app_pdu_tx_direction

const struct app_parser app_parser_sip_udp = {
    SIP_PARSER_COMMON,
    .ipprotos = APP_IPPROTO_UDP,
    .state_new = sip_udp_state_new,
};

const struct app_parser app_parser_sip_tcp = {
    SIP_PARSER_COMMON,
    .ipprotos = APP_IPPROTO_TCP,
    .state_new = sip_tcp_state_new,
    .flow_end = sip_flow_end,
};

/* ---- for the fraud detectors (app_sip.h) ---- */

/* The user part of a SIP/SIPS/TEL URI found in s (a Request-URI or a
 * name-addr header value): between the scheme and '@' (or ';'/'>' for tel:). */
static struct app_sip_str sip_uri_user(const char *s, uint32_t n)
{
    struct app_sip_str out = {NULL, 0};
    for (uint32_t i = 0; i + 4 <= n; i++) {
        uint32_t k = 0;
        if (strncasecmp(s + i, "sip:", 4) == 0)
            k = 4;
        else if (i + 5 <= n && strncasecmp(s + i, "sips:", 5) == 0)
            k = 5;
        else if (strncasecmp(s + i, "tel:", 4) == 0)
            k = 4;
        if (!k)
            continue;
        uint32_t b = i + k, e = b;
        while (e < n && s[e] != '@' && s[e] != ';' && s[e] != '>' && s[e] != ' ' && s[e] != ':')
            e++;
        bool tel = k == 4 && strncasecmp(s + i, "tel:", 4) == 0;
        if ((e < n && s[e] == '@') || tel) {
            out.s = s + b;
            out.len = e - b;
        }
        return out;
    }
    return out;
}

bool app_sip_tx_info(const struct app_tx *atx, struct app_sip_info *info)
{
    if (!atx || app_tx_proto(atx) != APP_PROTO_SIP)
        return false;
    const struct sip_tx *tx = (const struct sip_tx *)atx;
    if (!tx->msg)
        return false;
    memset(info, 0, sizeof *info);
    const char *m = (const char *)tx->msg;
    info->request = tx->request;
    if (tx->request) {
        info->method = (struct app_sip_str){m + tx->method.off, tx->method.len};
        info->uri_user = sip_uri_user(m + tx->uri.off, tx->uri.len);
    } else {
        int code = 0;
        for (uint32_t i = 0; i < tx->code.len && i < 3; i++)
            code = code * 10 + (m[tx->code.off + i] - '0');
        info->status = code;
    }
    if (tx->has_hdr & (1u << SIP_H_CSEQ)) {
        /* "<number> <method>" */
        const char *c = m + tx->hdr[SIP_H_CSEQ].off;
        uint32_t n = tx->hdr[SIP_H_CSEQ].len, i = 0;
        while (i < n && c[i] >= '0' && c[i] <= '9')
            i++;
        while (i < n && (c[i] == ' ' || c[i] == '\t'))
            i++;
        uint32_t s = i;
        while (i < n && c[i] != ' ' && c[i] != '\t' && c[i] != '\r')
            i++;
        info->cseq_method = (struct app_sip_str){c + s, i - s};
    }
    if (tx->has_hdr & (1u << SIP_H_CALL_ID))
        info->call_id = (struct app_sip_str){m + tx->hdr[SIP_H_CALL_ID].off,
                                             tx->hdr[SIP_H_CALL_ID].len};
    if (tx->has_hdr & (1u << SIP_H_TO))
        info->to_user = sip_uri_user(m + tx->hdr[SIP_H_TO].off, tx->hdr[SIP_H_TO].len);
    return true;
}
