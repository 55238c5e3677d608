/* SPDX-License-Identifier: Apache-2.0 */
/* HTTP/2 (RFC 9113) over cleartext TCP, as Suricata parses it: the client
 * connection preface ("prior knowledge") or an HTTP/1 "Upgrade: h2c"
 * answered with 101 (app_http.c hands the request over, app_http2.h).
 * Frames are reassembled per direction (9-byte header + payload; DATA
 * payloads are streamed, never held whole); header blocks (HEADERS,
 * PUSH_PROMISE, CONTINUATION) are decompressed with Debian's libnghttp2
 * HPACK inflater (one per direction, its table size following the peer's
 * SETTINGS_HEADER_TABLE_SIZE); dynamic table size updates are recorded as
 * Suricata logs them. Transactions: one per stream (stream id), and, as in
 * Suricata, one "global" transaction per frame on stream 0 (SETTINGS,
 * PING, GOAWAY, WINDOW_UPDATE), complete at once. A stream transaction is
 * complete in a direction at END_STREAM or RST_STREAM and logged as an EVE
 * "http" event (version "2", request/response headers, the http2 object)
 * when both directions are, or at flow end. Bodies are files (fileinfo),
 * gzip/deflate content-encoding decoded with zlib, br with libbrotli. Detection: the http.*
 * buffers mapped onto the stream's headers, http2.header(_name), and the
 * http2.* integer keywords (detect_kw_http2.c). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <brotli/decode.h>
#include <nghttp2/nghttp2.h>
#include <zlib.h>

#include "app/app_http2_int.h"
#include "app/file.h"
#include "util/json.h"

#define H2_PREFACE "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
#define H2_PREFACE_LEN 24
#define H2_FRAME_HDR 9
#define H2_FRAME_BUF_MAX (65536u + H2_FRAME_HDR) /* larger non-DATA frames are skipped */
#define H2_MAX_STREAMS 4096                      /* live transactions (Suricata max-streams) */
#define H2_MAX_HEADERS 512                       /* per direction of a stream */
#define H2_MAX_HEADER_BYTES (256u * 1024u)       /* names + values per direction */
#define H2_MAX_VALUES 1024                       /* per integer field and direction */
#define H2_MAX_SETTINGS 256
#define H2_BODY_DEFAULT (100u * 1024u)
#define H2_TX_MEM 1024

enum h2_type {
    H2_DATA = 0,
    H2_HEADERS,
    H2_PRIORITY,
    H2_RST_STREAM,
    H2_SETTINGS,
    H2_PUSH_PROMISE,
    H2_PING,
    H2_GOAWAY,
    H2_WINDOW_UPDATE,
    H2_CONTINUATION,
};
#define H2_FLAG_END_STREAM 0x1
#define H2_FLAG_ACK 0x1
#define H2_FLAG_END_HEADERS 0x4
#define H2_FLAG_PADDED 0x8
#define H2_FLAG_PRIORITY 0x20

const char *const h2_event_names[H2_EV_MAX + 1] = {
#define H2_EV_NAME(id, name) [H2_EV_##id] = name,
    H2_EVENT_LIST(H2_EV_NAME)
#undef H2_EV_NAME
};
static const char *const h2_event_names_unsupported[] = {"invalid_frame_data",
                                                         "extra_header_data",
                                                         "invalid_range",
                                                         "header_integer_overflow",
                                                         "reassembly_limit_reached",
                                                         "dns_request_too_long",
                                                         "dns_response_too_long",
                                                         NULL};

static int h2_buf_add(struct h2_buf *b, const void *d, size_t n, uint32_t max)
{
    if (n > max || b->len > max - n)
        return -1;
    if (b->len + n > b->cap) {
        uint32_t nc = b->cap ? b->cap : 256;
        while (nc < b->len + n)
            nc *= 2;
        uint8_t *np = realloc(b->p, nc);
        if (!np)
            return -1;
        b->p = np;
        b->cap = nc;
    }
    if (n)
        memcpy(b->p + b->len, d, n);
    b->len += (uint32_t)n;
    return 0;
}

static void h2_vals_push(struct h2_vals *v, uint32_t x)
{
    if (v->n >= H2_MAX_VALUES)
        return;
    if (v->n == v->cap) {
        uint32_t nc = v->cap ? v->cap * 2 : 8;
        uint32_t *np = realloc(v->v, nc * sizeof(*np));
        if (!np)
            return;
        v->v = np;
        v->cap = nc;
    }
    v->v[v->n++] = x;
}

struct h2_dir {
    uint8_t hdr[H2_FRAME_HDR];
    uint32_t hdr_len;
    bool in_frame;
    uint32_t flen;
    uint8_t ftype, fflags;
    uint32_t fsid;
    uint8_t *buf; /* whole frame (header included) when buffered */
    uint32_t buf_len, buf_cap;
    bool streaming; /* DATA frame: payload handed on as it comes */
    uint32_t got;   /* payload bytes seen of the current frame */
    uint8_t pad;    /* DATA: padding length (0 until read) */
    bool pad_read;
    bool skip; /* frame too long to buffer: skipped */
    uint64_t frame_off;
    uint64_t off; /* stream offset of the next byte */
    uint32_t preface_got;
    bool preface_done;
    bool preface_bad;
    bool lost; /* a gap outside a DATA payload: the direction is not parsed */
    /* open header block: stream and frame type that opened it */
    bool in_block;
    uint32_t block_sid;
    struct h2_tx *block_tx;
    bool block_first;
};

struct h2_state {
    struct app_layer_thread_ctx *thread;
    struct app_parse_ctx *ctx;
    struct h2_tx *head, *tail;
    uint32_t live;
    uint64_t next_id;
    uint32_t max_sid[2];
    nghttp2_hd_inflater *inflater[2];
    struct h2_dir dir[2];
    uint32_t body_limit[2];
    uint32_t last_push_id;
    uint32_t max_frame[2]; /* largest frame the receiver accepts (SETTINGS_MAX_FRAME_SIZE) */
    bool gave_up;
};

/* ---------- transactions ---------- */

static void h2_side_free(struct h2_side *s)
{
    free(s->hdrs);
    free(s->hstore.p);
    free(s->settings);
    for (int i = 0; i < HTTP2_FIELD_MAX; i++)
        free(s->vals[i].v);
    free(s->header.p);
    free(s->names.p);
    free(s->lines.p);
    free(s->start.p);
    free(s->host_norm.p);
    free(s->cookie.p);
    free(s->line_offs);
    free(s->body.p);
    if (s->z_init)
        inflateEnd(&s->z);
    if (s->br)
        BrotliDecoderDestroyInstance(s->br);
}

static void h2_tx_free(struct h2_state *st, struct h2_tx *tx)
{
    for (int d = 0; d < 2; d++)
        h2_side_free(&tx->side[d]);
    file_list_free(tx->files);
    free(tx);
    app_thread_memory_release(st->thread, H2_TX_MEM);
}

static void h2_event(struct h2_state *st, struct h2_tx *tx, enum h2_event ev)
{
    if (tx)
        tx->events |= 1ull << ev;
    if (st->ctx)
        app_parser_anomaly(st->ctx, APP_PROTO_HTTP2, h2_event_names[ev]);
}

static struct h2_tx *h2_tx_new(struct h2_state *st, uint32_t sid)
{
    if (st->live >= H2_MAX_STREAMS) {
        h2_event(st, NULL, H2_EV_TOO_MANY_STREAMS);
        return NULL;
    }
    if (!app_thread_memory_reserve(st->thread, H2_TX_MEM))
        return NULL;
    struct h2_tx *tx = calloc(1, sizeof(*tx));
    if (!tx) {
        app_thread_memory_release(st->thread, H2_TX_MEM);
        return NULL;
    }
    tx->base.parser = &app_parser_http2;
    tx->base.id = st->next_id++;
    tx->st = st;
    tx->stream_id = sid;
    tx->global = sid == 0;
    if (st->tail)
        st->tail->next = tx;
    else
        st->head = tx;
    st->tail = tx;
    st->live++;
    if (st->ctx)
        app_parser_count_tx(st->ctx, APP_PROTO_HTTP2);
    return tx;
}

static struct h2_tx *h2_tx_find(struct h2_state *st, uint32_t sid)
{
    for (struct h2_tx *tx = st->head; tx; tx = tx->next)
        if (!tx->global && tx->stream_id == sid)
            return tx;
    return NULL;
}

static void h2_tx_gc(struct h2_state *st)
{
    struct h2_tx **pp = &st->head, *prev = NULL;
    while (*pp) {
        struct h2_tx *tx = *pp;
        bool busy = st->dir[0].block_tx == tx || st->dir[1].block_tx == tx;
        if (tx->done[0] && tx->done[1] && tx->base.logged && !busy && app_tx_can_free(&tx->base)) {
            *pp = tx->next;
            if (st->tail == tx)
                st->tail = prev;
            st->live--;
            h2_tx_free(st, tx);
            continue;
        }
        prev = tx;
        pp = &tx->next;
    }
}

/* ---------- header access ---------- */

/* http.host: the authority (or Host), lower case, without port or
 * userinfo; built with the request's other buffers. */
static void h2_host_norm_build(struct h2_side *s)
{
    s->host_norm.len = 0;
    const struct h2_header *h = h2_find(s, ":authority");
    if (!h)
        h = h2_find(s, "host");
    if (!h)
        return;
    const uint8_t *v = h2_hvalue(s, h);
    uint32_t n = h->value_len;
    const uint8_t *at = memchr(v, '@', n);
    if (at) {
        n -= (uint32_t)(at + 1 - v);
        v = at + 1;
    }
    if (n && v[0] == '[') {
        const uint8_t *e = memchr(v, ']', n);
        if (e)
            n = (uint32_t)(e + 1 - v);
    } else {
        const uint8_t *c = memchr(v, ':', n);
        if (c)
            n = (uint32_t)(c - v);
    }
    if (h2_buf_add(&s->host_norm, v, n, UINT32_MAX) < 0)
        return;
    for (uint32_t i = 0; i < s->host_norm.len; i++)
        if (s->host_norm.p[i] >= 'A' && s->host_norm.p[i] <= 'Z')
            s->host_norm.p[i] = (uint8_t)(s->host_norm.p[i] + 32);
}

/* Rebuilds the side's detection buffers from its headers. */
static void h2_side_build(struct h2_side *s, int dir)
{
    s->header.len = s->names.len = s->lines.len = s->start.len = s->cookie.len = 0;
    free(s->line_offs);
    s->line_offs = calloc((size_t)s->n_hdrs + 1, sizeof(uint32_t));
    h2_buf_add(&s->names, "\r\n", 2, UINT32_MAX);
    uint32_t nl = 0;
    for (uint32_t i = 0; i < s->n_hdrs; i++) {
        const struct h2_header *h = &s->hdrs[i];
        if (h->kind != H2_HDR_OK)
            continue;
        const uint8_t *nm = h2_hname(s, h), *v = h2_hvalue(s, h);
        if (!(h->name_len && nm[0] == ':')) {
            h2_buf_add(&s->header, nm, h->name_len, UINT32_MAX);
            h2_buf_add(&s->header, ": ", 2, UINT32_MAX);
            h2_buf_add(&s->header, v, h->value_len, UINT32_MAX);
            h2_buf_add(&s->header, "\r\n", 2, UINT32_MAX);
        }
        h2_buf_add(&s->names, nm, h->name_len, UINT32_MAX);
        h2_buf_add(&s->names, "\r\n", 2, UINT32_MAX);
        if (h->name_len == 6 && memcmp(nm, "cookie", 6) == 0) {
            /* a client may split the Cookie header into several fields */
            if (s->cookie.len)
                h2_buf_add(&s->cookie, "; ", 2, UINT32_MAX);
            h2_buf_add(&s->cookie, v, h->value_len, UINT32_MAX);
        }
        if (s->line_offs)
            s->line_offs[nl++] = s->lines.len;
        h2_buf_add(&s->lines, nm, h->name_len, UINT32_MAX);
        h2_buf_add(&s->lines, ": ", 2, UINT32_MAX);
        h2_buf_add(&s->lines, v, h->value_len, UINT32_MAX);
    }
    if (s->line_offs)
        s->line_offs[nl] = s->lines.len;
    /* http.request_line / http.response_line */
    if (dir == 0) {
        h2_host_norm_build(s);
        const struct h2_header *m = h2_find(s, ":method"), *p = h2_find(s, ":path");
        if (m) {
            h2_buf_add(&s->start, h2_hvalue(s, m), m->value_len, UINT32_MAX);
            h2_buf_add(&s->start, " ", 1, UINT32_MAX);
            if (p)
                h2_buf_add(&s->start, h2_hvalue(s, p), p->value_len, UINT32_MAX);
            h2_buf_add(&s->start, " HTTP/2", 7, UINT32_MAX);
        }
    } else {
        const struct h2_header *st = h2_find(s, ":status");
        if (st) {
            h2_buf_add(&s->start, "HTTP/2 ", 7, UINT32_MAX);
            h2_buf_add(&s->start, h2_hvalue(s, st), st->value_len, UINT32_MAX);
            h2_buf_add(&s->start, "\r\n", 2, UINT32_MAX);
        }
    }
}

static int h2_add_header(struct h2_side *s, uint8_t kind, const uint8_t *name, size_t nlen,
                         const uint8_t *value, size_t vlen, uint32_t size_update)
{
    if (s->n_hdrs >= H2_MAX_HEADERS)
        return -1;
    if (s->n_hdrs == s->cap_hdrs) {
        uint32_t nc = s->cap_hdrs ? s->cap_hdrs * 2 : 16;
        struct h2_header *np = realloc(s->hdrs, nc * sizeof(*np));
        if (!np)
            return -1;
        s->hdrs = np;
        s->cap_hdrs = nc;
    }
    struct h2_header h = {.kind = kind, .size_update = size_update};
    h.name_off = s->hstore.len;
    if (h2_buf_add(&s->hstore, name, nlen, H2_MAX_HEADER_BYTES) < 0)
        return -1;
    h.name_len = (uint32_t)nlen;
    h.value_off = s->hstore.len;
    if (h2_buf_add(&s->hstore, value, vlen, H2_MAX_HEADER_BYTES) < 0) {
        s->hstore.len = h.name_off;
        return -1;
    }
    h.value_len = (uint32_t)vlen;
    s->hdrs[s->n_hdrs++] = h;
    return 0;
}

/* ---------- bodies and files ---------- */

static void h2_write_file_proto(const void *tx, struct json_writer *w)
{
    h2_write_http(tx, w);
}

static void h2_log_files(struct h2_tx *tx)
{
    if (!tx->st->ctx)
        return;
    for (struct app_file *f = tx->files; f; f = f->next)
        if (f->state != FILE_STATE_OPEN && !f->logged)
            file_log(tx->st->ctx, f, h2_write_file_proto, tx);
}

static void h2_body_out(struct h2_tx *tx, int dir, const uint8_t *d, size_t n)
{
    struct h2_state *st = tx->st;
    struct h2_side *s = &tx->side[dir];
    if (!n)
        return;
    if (s->body.len < st->body_limit[dir]) {
        size_t room = st->body_limit[dir] - s->body.len;
        h2_buf_add(&s->body, d, n < room ? n : room, UINT32_MAX);
    }
    if (s->file && st->ctx)
        file_append(st->ctx, s->file, d, n);
}

/* Content-Encoding: br (RFC 7932), decoded as it comes. */
static void h2_body_brotli(struct h2_tx *tx, int dir, const uint8_t *d, size_t n)
{
    struct h2_side *s = &tx->side[dir];
    if (!s->br && !(s->br = BrotliDecoderCreateInstance(NULL, NULL, NULL))) {
        s->z_failed = true;
        h2_body_out(tx, dir, d, n);
        return;
    }
    uint8_t out[4096];
    size_t avail_in = n;
    const uint8_t *next_in = d;
    for (;;) {
        size_t avail_out = sizeof(out);
        uint8_t *next_out = out;
        BrotliDecoderResult r =
            BrotliDecoderDecompressStream(s->br, &avail_in, &next_in, &avail_out, &next_out, NULL);
        h2_body_out(tx, dir, out, sizeof(out) - avail_out);
        if (r == BROTLI_DECODER_RESULT_NEEDS_MORE_OUTPUT)
            continue;
        if (r == BROTLI_DECODER_RESULT_ERROR) {
            s->z_failed = true;
            h2_event(tx->st, tx, H2_EV_FAILED_DECOMPRESSION);
        }
        break;
    }
}

static void h2_body_data(struct h2_tx *tx, int dir, const uint8_t *d, size_t n)
{
    struct h2_state *st = tx->st;
    struct h2_side *s = &tx->side[dir];
    if (!s->file && st->ctx) {
        /* the file's name is the request's path, as for HTTP/1 */
        const struct h2_header *p = h2_find(&tx->side[0], ":path");
        const uint8_t *name = p ? h2_hvalue(&tx->side[0], p) : (const uint8_t *)"";
        size_t nlen = p ? p->value_len : 0;
        const uint8_t *q = memchr(name, '?', nlen);
        if (q)
            nlen = (size_t)(q - name);
        s->file = file_open(st->ctx, name, nlen, tx->base.id, (uint8_t)dir, st->body_limit[dir]);
        if (s->file) {
            s->file->next = tx->files;
            tx->files = s->file;
        }
    }
    if (s->encoding == 2 && !s->z_failed) {
        h2_body_brotli(tx, dir, d, n);
        return;
    }
    if (s->encoding != 1 || s->z_failed) {
        h2_body_out(tx, dir, d, n);
        return;
    }
    if (!s->z_init) {
        memset(&s->z, 0, sizeof(s->z));
        if (inflateInit2(&s->z, 15 + 32) != Z_OK) {
            s->z_failed = true;
            h2_body_out(tx, dir, d, n);
            return;
        }
        s->z_init = true;
    }
    uint8_t out[4096];
    s->z.next_in = (Bytef *)(uintptr_t)d;
    s->z.avail_in = (uInt)n;
    while (s->z.avail_in) {
        s->z.next_out = out;
        s->z.avail_out = sizeof(out);
        int rc = inflate(&s->z, Z_NO_FLUSH);
        h2_body_out(tx, dir, out, sizeof(out) - s->z.avail_out);
        if (rc == Z_DATA_ERROR && !s->z_raw_tried && s->z.total_out == 0) {
            /* "deflate" sent as a raw deflate stream (no zlib header) */
            s->z_raw_tried = true;
            inflateEnd(&s->z);
            memset(&s->z, 0, sizeof(s->z));
            if (inflateInit2(&s->z, -15) != Z_OK) {
                s->z_init = false;
                s->z_failed = true;
                return;
            }
            s->z.next_in = (Bytef *)(uintptr_t)d;
            s->z.avail_in = (uInt)n;
            continue;
        }
        if (rc == Z_STREAM_END)
            break;
        if (rc != Z_OK && rc != Z_BUF_ERROR) {
            s->z_failed = true;
            h2_event(st, tx, H2_EV_FAILED_DECOMPRESSION);
            break;
        }
        if (rc == Z_BUF_ERROR && s->z.avail_out != 0)
            break;
    }
}

static void h2_side_end(struct h2_tx *tx, int dir, enum file_state fs)
{
    struct h2_side *s = &tx->side[dir];
    s->end = true;
    tx->done[dir] = true;
    if (s->file && tx->st->ctx) {
        if (s->file->gaps && fs == FILE_STATE_CLOSED)
            fs = FILE_STATE_TRUNCATED;
        file_close(tx->st->ctx, s->file, fs);
    }
    s->file = NULL;
}

static void h2_tx_write_json_cb(const void *object, struct json_writer *w)
{
    h2_write_http(object, w);
}

/* Suricata writes an HTTP/2 transaction only when it has something to say:
 * headers, settings, an error code or a priority (a PING or a
 * WINDOW_UPDATE alone is no event). */
static bool h2_tx_loggable(const struct h2_tx *tx)
{
    for (int d = 0; d < 2; d++) {
        const struct h2_side *s = &tx->side[d];
        if (s->n_hdrs || s->n_settings || s->has_error_code || s->has_priority)
            return true;
    }
    return false;
}

static void h2_tx_maybe_log(struct h2_tx *tx)
{
    if (tx->base.logged || !tx->st->ctx || !(tx->done[0] && tx->done[1]))
        return;
    tx->base.logged = true;
    if (h2_tx_loggable(tx))
        app_parser_log(tx->st->ctx, "http", 1, h2_tx_write_json_cb, tx);
    h2_log_files(tx);
}

/* ---------- header blocks ---------- */

static bool h2_eq(const uint8_t *a, size_t n, const char *b)
{
    return strlen(b) == n && strncasecmp((const char *)a, b, n) == 0;
}

/* After a complete header block: content coding, events. */
static void h2_block_done(struct h2_state *st, struct h2_tx *tx, int dir)
{
    struct h2_side *s = &tx->side[dir];
    h2_side_build(s, dir);
    const struct h2_header *ce = h2_find(s, "content-encoding");
    if (ce) {
        const uint8_t *v = h2_hvalue(s, ce);
        if (h2_eq(v, ce->value_len, "gzip") || h2_eq(v, ce->value_len, "deflate") ||
            h2_eq(v, ce->value_len, "x-gzip"))
            s->encoding = 1;
        else if (h2_eq(v, ce->value_len, "br"))
            s->encoding = 2;
    }
    if (dir == 0) {
        const struct h2_header *a = h2_find(s, ":authority"), *h = h2_find(s, "host");
        if (a && memchr(h2_hvalue(s, a), '@', a->value_len))
            h2_event(st, tx, H2_EV_USERINFO_IN_URI);
        if (a && h &&
            (a->value_len != h->value_len ||
             strncasecmp((const char *)h2_hvalue(s, a), (const char *)h2_hvalue(s, h),
                         a->value_len) != 0))
            h2_event(st, tx, H2_EV_AUTHORITY_HOST_MISMATCH);
    }
}

/* Dynamic table size updates at the start of a block (RFC 7541 6.3): Suricata
 * logs them as header entries of their own. Returns bytes read (the inflater
 * still gets the whole block and applies them). */
static void h2_scan_size_updates(struct h2_side *s, const uint8_t *p, size_t n)
{
    size_t i = 0;
    while (i < n && (p[i] & 0xe0) == 0x20) {
        uint64_t v = p[i] & 0x1f;
        i++;
        if (v == 0x1f) {
            unsigned shift = 0;
            for (;;) {
                if (i >= n || shift > 28)
                    return;
                uint8_t b = p[i++];
                v += (uint64_t)(b & 0x7f) << shift;
                shift += 7;
                if (!(b & 0x80))
                    break;
            }
        }
        h2_add_header(s, H2_HDR_SIZE_UPDATE, NULL, 0, NULL, 0, (uint32_t)v);
        for (int k = 0; k < 1; k++)
            h2_vals_push(&s->vals[HTTP2_FIELD_SIZE_UPDATE], (uint32_t)v);
    }
}

static void h2_inflate(struct h2_state *st, struct h2_tx *tx, int dir, const uint8_t *p, size_t n,
                       bool final, bool first)
{
    struct h2_side *s = tx ? &tx->side[dir] : NULL;
    nghttp2_hd_inflater *inf = st->inflater[dir];
    if (!inf)
        return;
    if (s && first)
        h2_scan_size_updates(s, p, n);
    for (;;) {
        nghttp2_nv nv;
        int flags = 0;
        ssize_t rv = nghttp2_hd_inflate_hd2(inf, &nv, &flags, p, n, final ? 1 : 0);
        if (rv < 0) {
            /* the compression context is lost: headers of this direction
             * can no longer be read (Suricata: invalid_header) */
            if (s && !s->hdr_error) {
                s->hdr_error = true;
                h2_add_header(s, H2_HDR_ERROR, NULL, 0, NULL, 0, 0);
            }
            h2_event(st, tx, H2_EV_INVALID_HEADER);
            nghttp2_hd_inflate_del(inf);
            st->inflater[dir] = NULL;
            nghttp2_hd_inflate_new(&st->inflater[dir]);
            return;
        }
        p += rv;
        n -= (size_t)rv;
        if ((flags & NGHTTP2_HD_INFLATE_EMIT) && s) {
            if (h2_add_header(s, H2_HDR_OK, nv.name, nv.namelen, nv.value, nv.valuelen, 0) < 0)
                h2_event(st, tx, H2_EV_INVALID_HEADER);
        }
        if (flags & NGHTTP2_HD_INFLATE_FINAL) {
            nghttp2_hd_inflate_end_headers(inf);
            break;
        }
        if ((flags & NGHTTP2_HD_INFLATE_EMIT) == 0 && n == 0)
            break;
    }
}

/* ---------- frames ---------- */

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static struct h2_tx *h2_stream_tx(struct h2_state *st, uint32_t sid, int dir, bool opening)
{
    struct h2_tx *tx = h2_tx_find(st, sid);
    if (tx) {
        if (opening && dir == 0 && tx->done[0] && tx->side[0].n_hdrs && tx->side[0].end)
            h2_event(st, tx, H2_EV_STREAM_ID_REUSE);
        return tx;
    }
    /* a frame other than HEADERS on a stream already closed and freed (a
     * late WINDOW_UPDATE or RST_STREAM) opens nothing */
    if (!opening && (sid <= st->max_sid[0] || sid <= st->max_sid[1]) && (sid & 1) == 1)
        return NULL;
    if (sid > st->max_sid[dir])
        st->max_sid[dir] = sid;
    return h2_tx_new(st, sid);
}

static void h2_record_frame(struct h2_tx *tx, int dir, uint8_t type)
{
    if (tx)
        h2_vals_push(&tx->side[dir].vals[HTTP2_FIELD_FRAMETYPE], type);
}

static void h2_error_code(struct h2_side *s, uint32_t code)
{
    h2_vals_push(&s->vals[HTTP2_FIELD_ERRORCODE], code);
    if (!s->has_error_code) {
        s->has_error_code = true;
        s->error_code = code;
    } else if (!s->has_multiple) {
        s->has_multiple = "error_code";
    }
}

static void h2_priority(struct h2_side *s, uint8_t weight)
{
    h2_vals_push(&s->vals[HTTP2_FIELD_PRIORITY], weight);
    if (!s->has_priority) {
        s->has_priority = true;
        s->priority = weight;
    } else if (!s->has_multiple) {
        s->has_multiple = "priority";
    }
}

/* SETTINGS payload into side s (frame or HTTP2-Settings header). */
static int h2_settings(struct h2_side *s, const uint8_t *p, uint32_t n, struct h2_state *st,
                       int dir)
{
    if (n % 6)
        return -1;
    for (uint32_t i = 0; i + 6 <= n; i += 6) {
        uint16_t id = (uint16_t)(p[i] << 8 | p[i + 1]);
        uint32_t v = be32(p + i + 2);
        if (id == 5 && st && v >= 16384 && v <= 16777215)
            st->max_frame[dir ^ 1] = v; /* what this side accepts from the peer */
        if (id == 1 && st) {
            /* the peer's decoder table size bounds this side's encoder: the
             * inflater of the other direction follows it */
            nghttp2_hd_inflater *inf = st->inflater[dir ^ 1];
            if (inf)
                nghttp2_hd_inflate_change_table_size(inf, v);
        }
        if (s->n_settings >= H2_MAX_SETTINGS)
            continue;
        if (!s->settings) {
            s->settings = calloc(H2_MAX_SETTINGS, sizeof(*s->settings));
            if (!s->settings)
                return 0;
        }
        s->settings[s->n_settings].id = id;
        s->settings[s->n_settings].value = v;
        s->n_settings++;
    }
    return 0;
}

/* A complete non-DATA frame (header at f, payload f + 9, len bytes). */
static void h2_frame(struct h2_state *st, int dir, const uint8_t *f, uint32_t len)
{
    uint8_t type = f[3], flags = f[4];
    uint32_t sid = be32(f + 5) & 0x7fffffffu;
    const uint8_t *p = f + H2_FRAME_HDR;
    struct h2_dir *d = &st->dir[dir];

    if (d->in_block && type != H2_CONTINUATION) {
        /* a header block must be continued at once (RFC 9113 6.10) */
        h2_event(st, d->block_tx, H2_EV_INVALID_FRAME_HEADER);
        d->in_block = false;
        d->block_tx = NULL;
    }
    if (sid == 0 && type <= H2_CONTINUATION && type != H2_SETTINGS && type != H2_PING &&
        type != H2_GOAWAY && type != H2_WINDOW_UPDATE) {
        h2_event(st, NULL, H2_EV_INVALID_FRAME_HEADER);
        return;
    }
    if (sid == 0) {
        struct h2_tx *tx = h2_tx_new(st, 0);
        if (!tx)
            return;
        struct h2_side *s = &tx->side[dir];
        h2_record_frame(tx, dir, type);
        switch (type) {
        case H2_SETTINGS:
            if ((flags & H2_FLAG_ACK) ? len != 0 : h2_settings(s, p, len, st, dir) < 0)
                h2_event(st, tx, H2_EV_INVALID_FRAME_LENGTH);
            break;
        case H2_PING:
            if (len != 8)
                h2_event(st, tx, H2_EV_INVALID_FRAME_LENGTH);
            break;
        case H2_GOAWAY:
            if (len < 8)
                h2_event(st, tx, H2_EV_INVALID_FRAME_LENGTH);
            else
                h2_error_code(s, be32(p + 4));
            break;
        case H2_WINDOW_UPDATE:
            if (len != 4)
                h2_event(st, tx, H2_EV_INVALID_FRAME_LENGTH);
            else
                h2_vals_push(&s->vals[HTTP2_FIELD_WINDOW], be32(p) & 0x7fffffffu);
            break;
        default:
            break; /* unknown frame types are ignored (RFC 9113 5.5) */
        }
        tx->done[0] = tx->done[1] = true;
        h2_tx_maybe_log(tx);
        return;
    }

    switch (type) {
    case H2_HEADERS:
    case H2_PUSH_PROMISE: {
        uint32_t off = 0, pad = 0;
        if (flags & H2_FLAG_PADDED) {
            if (len < 1) {
                h2_event(st, NULL, H2_EV_INVALID_FRAME_LENGTH);
                return;
            }
            pad = p[0];
            off = 1;
        }
        struct h2_tx *tx;
        int hdir = dir;
        if (type == H2_PUSH_PROMISE) {
            if (len < off + 4) {
                h2_event(st, NULL, H2_EV_INVALID_FRAME_LENGTH);
                return;
            }
            /* the promised stream's request, sent by the server */
            uint32_t promised = be32(p + off) & 0x7fffffffu;
            off += 4;
            st->last_push_id = promised;
            struct h2_tx *orig = h2_tx_find(st, sid);
            h2_record_frame(orig, dir, type);
            tx = h2_stream_tx(st, promised, 0, true);
            hdir = 0;
        } else {
            tx = h2_stream_tx(st, sid, dir, true);
            h2_record_frame(tx, dir, type);
            if (tx && (flags & H2_FLAG_PRIORITY)) {
                if (len < off + 5) {
                    h2_event(st, tx, H2_EV_INVALID_FRAME_LENGTH);
                    return;
                }
                h2_priority(&tx->side[dir], p[off + 4]);
                off += 5;
            }
        }
        if (off + pad > len) {
            h2_event(st, tx, H2_EV_INVALID_FRAME_LENGTH);
            return;
        }
        bool end_headers = (flags & H2_FLAG_END_HEADERS) != 0;
        h2_inflate(st, tx, dir, p + off, len - off - pad, end_headers, true);
        if (!tx)
            return;
        if (end_headers) {
            h2_block_done(st, tx, hdir);
        } else {
            d->in_block = true;
            d->block_sid = sid;
            d->block_tx = tx;
        }
        if (type == H2_HEADERS && (flags & H2_FLAG_END_STREAM)) {
            if (end_headers)
                h2_side_end(tx, dir, FILE_STATE_CLOSED);
            else
                tx->side[dir].end = true; /* closes at the block's end */
        }
        if (type == H2_PUSH_PROMISE)
            tx->done[0] = true; /* a promised request has no client side */
        if (tx->done[0] && tx->done[1])
            h2_tx_maybe_log(tx);
        break;
    }
    case H2_CONTINUATION: {
        if (!d->in_block || d->block_sid != sid) {
            h2_event(st, NULL, H2_EV_INVALID_FRAME_HEADER);
            return;
        }
        struct h2_tx *tx = d->block_tx;
        h2_record_frame(tx, dir, type);
        bool end_headers = (flags & H2_FLAG_END_HEADERS) != 0;
        h2_inflate(st, tx, dir, p, len, end_headers, false);
        if (end_headers) {
            d->in_block = false;
            d->block_tx = NULL;
            int hdir = tx && tx->stream_id == st->last_push_id && dir == 1 && !tx->side[1].n_hdrs
                           ? 0
                           : dir;
            if (tx) {
                h2_block_done(st, tx, hdir);
                if (tx->side[dir].end && !tx->done[dir])
                    h2_side_end(tx, dir, FILE_STATE_CLOSED);
                h2_tx_maybe_log(tx);
            }
        }
        break;
    }
    case H2_PRIORITY: {
        struct h2_tx *tx = h2_stream_tx(st, sid, dir, false);
        h2_record_frame(tx, dir, type);
        if (len != 5)
            h2_event(st, tx, H2_EV_INVALID_FRAME_LENGTH);
        else if (tx)
            h2_priority(&tx->side[dir], p[4]);
        break;
    }
    case H2_RST_STREAM: {
        struct h2_tx *tx = h2_stream_tx(st, sid, dir, false);
        h2_record_frame(tx, dir, type);
        if (len != 4) {
            h2_event(st, tx, H2_EV_INVALID_FRAME_LENGTH);
            break;
        }
        if (!tx)
            break;
        h2_error_code(&tx->side[dir], be32(p));
        /* the stream is closed both ways */
        for (int k = 0; k < 2; k++)
            if (!tx->done[k])
                h2_side_end(tx, k, FILE_STATE_TRUNCATED);
        h2_tx_maybe_log(tx);
        break;
    }
    case H2_WINDOW_UPDATE: {
        struct h2_tx *tx = h2_stream_tx(st, sid, dir, false);
        h2_record_frame(tx, dir, type);
        if (len != 4)
            h2_event(st, tx, H2_EV_INVALID_FRAME_LENGTH);
        else if (tx)
            h2_vals_push(&tx->side[dir].vals[HTTP2_FIELD_WINDOW], be32(p) & 0x7fffffffu);
        break;
    }
    case H2_SETTINGS:
    case H2_PING:
    case H2_GOAWAY:
        /* connection frames on a stream (RFC 9113: PROTOCOL_ERROR) */
        h2_event(st, NULL, H2_EV_INVALID_FRAME_HEADER);
        break;
    default:
        break;
    }
}

/* DATA payload bytes (padding excluded) of the current frame. */
static void h2_data(struct h2_state *st, int dir, uint32_t sid, const uint8_t *p, uint32_t n)
{
    struct h2_tx *tx = h2_tx_find(st, sid);
    if (!tx || tx->done[dir])
        return;
    h2_body_data(tx, dir, p, n);
}

static void h2_data_frame_start(struct h2_state *st, int dir, uint32_t sid)
{
    if (sid == 0) {
        h2_event(st, NULL, H2_EV_DATA_STREAM_ZERO);
        return;
    }
    struct h2_tx *tx = h2_tx_find(st, sid);
    if (!tx)
        tx = h2_stream_tx(st, sid, dir, false);
    h2_record_frame(tx, dir, H2_DATA);
}

static void h2_data_frame_end(struct h2_state *st, int dir, uint32_t sid, uint8_t flags)
{
    if (!(flags & H2_FLAG_END_STREAM) || sid == 0)
        return;
    struct h2_tx *tx = h2_tx_find(st, sid);
    if (tx && !tx->done[dir]) {
        h2_side_end(tx, dir, FILE_STATE_CLOSED);
        h2_tx_maybe_log(tx);
    }
}

enum { H2_FRAME_PDU = 0, H2_FRAME_HDR_T, H2_FRAME_DATA_T };
static const char *const h2_frame_names[] = {"pdu", "hdr", "data", NULL};

static void h2_frames_report(struct h2_state *st, int dir, const uint8_t *f, uint32_t avail,
                             uint32_t len)
{
    struct app_parse_ctx *ctx = st->ctx;
    if (!app_frames_on(ctx))
        return;
    struct h2_dir *d = &st->dir[dir];
    uint32_t sid = be32(f + 5) & 0x7fffffffu;
    int64_t txid = -1;
    struct h2_tx *tx = sid ? h2_tx_find(st, sid) : NULL;
    if (tx)
        txid = (int64_t)tx->base.id;
    app_frame_add(ctx, (uint8_t)dir, d->frame_off, (int64_t)len + H2_FRAME_HDR, H2_FRAME_PDU, txid,
                  f, avail);
    app_frame_add(ctx, (uint8_t)dir, d->frame_off, H2_FRAME_HDR, H2_FRAME_HDR_T, txid, f,
                  avail < H2_FRAME_HDR ? avail : H2_FRAME_HDR);
    if (len)
        app_frame_add(ctx, (uint8_t)dir, d->frame_off + H2_FRAME_HDR, len, H2_FRAME_DATA_T, txid,
                      f + H2_FRAME_HDR, avail > H2_FRAME_HDR ? avail - H2_FRAME_HDR : 0);
}

/* Feeds stream bytes of one direction. */
static void h2_feed(struct h2_state *st, int dir, const uint8_t *data, uint32_t len)
{
    struct h2_dir *d = &st->dir[dir];
    while (len) {
        if (dir == 0 && !d->preface_done) {
            uint32_t want = H2_PREFACE_LEN - d->preface_got;
            uint32_t n = len < want ? len : want;
            if (memcmp(data, &H2_PREFACE[d->preface_got], n) != 0) {
                if (!d->preface_bad)
                    h2_event(st, NULL, H2_EV_INVALID_CLIENT_MAGIC);
                d->preface_bad = true;
                d->preface_done = true; /* parse on as frames */
                continue;
            }
            d->preface_got += n;
            d->off += n;
            data += n;
            len -= n;
            if (d->preface_got == H2_PREFACE_LEN)
                d->preface_done = true;
            continue;
        }
        if (!d->in_frame) {
            uint32_t n = H2_FRAME_HDR - d->hdr_len;
            if (n > len)
                n = len;
            if (d->hdr_len == 0)
                d->frame_off = d->off;
            memcpy(d->hdr + d->hdr_len, data, n);
            d->hdr_len += n;
            d->off += n;
            data += n;
            len -= n;
            if (d->hdr_len < H2_FRAME_HDR)
                return;
            d->hdr_len = 0;
            d->in_frame = true;
            d->flen = (uint32_t)d->hdr[0] << 16 | (uint32_t)d->hdr[1] << 8 | d->hdr[2];
            d->ftype = d->hdr[3];
            d->fflags = d->hdr[4];
            d->fsid = be32(d->hdr + 5) & 0x7fffffffu;
            d->got = 0;
            d->pad = 0;
            d->pad_read = !(d->ftype == H2_DATA && (d->fflags & H2_FLAG_PADDED));
            d->streaming = d->ftype == H2_DATA;
            d->skip = false;
            d->buf_len = 0;
            if (d->flen > st->max_frame[dir]) /* longer than the peer allows */
                h2_event(st, NULL, H2_EV_LONG_FRAME_DATA);
            if (d->streaming) {
                h2_data_frame_start(st, dir, d->fsid);
                /* frames: the header at least (the payload is streamed) */
                h2_frames_report(st, dir, d->hdr, H2_FRAME_HDR, d->flen);
            } else if (d->flen + H2_FRAME_HDR > H2_FRAME_BUF_MAX) {
                d->skip = true; /* too long to hold: skipped */
                if (d->flen <= st->max_frame[dir])
                    h2_event(st, NULL, H2_EV_LONG_FRAME_DATA);
            } else {
                if (d->buf_cap < d->flen + H2_FRAME_HDR) {
                    uint32_t nc = d->flen + H2_FRAME_HDR;
                    if (nc < 1024)
                        nc = 1024;
                    uint8_t *np = realloc(d->buf, nc);
                    if (!np) {
                        d->skip = true;
                    } else {
                        d->buf = np;
                        d->buf_cap = nc;
                    }
                }
                if (!d->skip) {
                    memcpy(d->buf, d->hdr, H2_FRAME_HDR);
                    d->buf_len = H2_FRAME_HDR;
                }
            }
        }
        uint32_t remain = d->flen - d->got;
        uint32_t n = remain < len ? remain : len;
        if (d->streaming) {
            uint32_t i = 0;
            if (!d->pad_read && n) {
                d->pad = data[0];
                d->pad_read = true;
                i = 1;
                if (d->pad >= d->flen)
                    h2_event(st, NULL, H2_EV_INVALID_FRAME_LENGTH);
            }
            /* payload bytes [got, got+n) of the frame; data ends at flen - pad */
            uint32_t data_end = d->flen > d->pad ? d->flen - d->pad : 0;
            uint32_t from = d->got + i, to = d->got + n;
            if (to > data_end)
                to = data_end;
            if (from < to && d->fsid)
                h2_data(st, dir, d->fsid, data + (from - d->got), to - from);
        } else if (!d->skip) {
            memcpy(d->buf + d->buf_len, data, n);
            d->buf_len += n;
        }
        d->got += n;
        d->off += n;
        data += n;
        len -= n;
        if (d->got < d->flen)
            return;
        d->in_frame = false;
        if (d->streaming) {
            h2_data_frame_end(st, dir, d->fsid, d->fflags);
        } else if (!d->skip) {
            h2_frame(st, dir, d->buf, d->flen);
            h2_frames_report(st, dir, d->buf, d->buf_len, d->flen);
        }
    }
}

/* ---------- upgrade from HTTP/1 ---------- */

void http2_upgrade_free(void *upgrade)
{
    struct http2_upgrade *u = upgrade;
    if (!u)
        return;
    free(u->method);
    free(u->uri);
    for (uint32_t i = 0; i < u->n_headers; i++) {
        free(u->names[i]);
        free(u->values[i]);
    }
    free(u->names);
    free(u->values);
    free(u->name_lens);
    free(u->value_lens);
    free(u->rest[0]);
    free(u->rest[1]);
    free(u);
}

/* base64url (RFC 4648 5), padding optional. Returns bytes or -1. */
static int h2_b64url(const uint8_t *in, size_t n, uint8_t *out, size_t cap)
{
    uint32_t acc = 0;
    int bits = 0;
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        int v;
        uint8_t c = in[i];
        if (c >= 'A' && c <= 'Z')
            v = c - 'A';
        else if (c >= 'a' && c <= 'z')
            v = c - 'a' + 26;
        else if (c >= '0' && c <= '9')
            v = c - '0' + 52;
        else if (c == '-' || c == '+')
            v = 62;
        else if (c == '_' || c == '/')
            v = 63;
        else if (c == '=')
            break;
        else
            return -1;
        acc = acc << 6 | (uint32_t)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            if (o >= cap)
                return -1;
            out[o++] = (uint8_t)(acc >> bits);
        }
    }
    return (int)o;
}

static void h2_upgrade_apply(struct h2_state *st, const struct http2_upgrade *u)
{
    /* the HTTP2-Settings header: the client's settings, a global tx */
    struct h2_tx *tx = NULL;
    for (uint32_t i = 0; i < u->n_headers; i++) {
        if (!h2_eq(u->names[i], u->name_lens[i], "http2-settings"))
            continue;
        uint8_t buf[1024];
        int n = h2_b64url(u->values[i], u->value_lens[i], buf, sizeof(buf));
        struct h2_tx *g = h2_tx_new(st, 0);
        if (!g)
            break;
        if (n < 0 || h2_settings(&g->side[0], buf, (uint32_t)n, st, 0) < 0)
            h2_event(st, g, H2_EV_INVALID_HTTP1_SETTINGS);
        g->done[0] = g->done[1] = true;
        h2_tx_maybe_log(g);
    }
    /* the request becomes stream 1 (RFC 9113 3.1: half-closed (local)) */
    tx = h2_tx_new(st, 1);
    if (!tx)
        return;
    struct h2_side *s = &tx->side[0];
    if (u->method)
        h2_add_header(s, H2_HDR_OK, (const uint8_t *)":method", 7, u->method, u->method_len, 0);
    if (u->uri)
        h2_add_header(s, H2_HDR_OK, (const uint8_t *)":path", 5, u->uri, u->uri_len, 0);
    for (uint32_t i = 0; i < u->n_headers; i++) {
        if (h2_eq(u->names[i], u->name_lens[i], "http2-settings"))
            continue;
        if (h2_eq(u->names[i], u->name_lens[i], "host"))
            h2_add_header(s, H2_HDR_OK, (const uint8_t *)":authority", 10, u->values[i],
                          u->value_lens[i], 0);
        else
            h2_add_header(s, H2_HDR_OK, u->names[i], u->name_lens[i], u->values[i],
                          u->value_lens[i], 0);
    }
    h2_block_done(st, tx, 0);
    h2_side_end(tx, 0, FILE_STATE_CLOSED);
    st->max_sid[0] = 1;
}

/* ---------- parser ops ---------- */

static enum app_probe_result h2_probe(const uint8_t *data, uint32_t len, uint8_t direction)
{
    if (direction != 0)
        return APP_PROBE_NO;
    uint32_t n = len < H2_PREFACE_LEN ? len : H2_PREFACE_LEN;
    if (memcmp(data, H2_PREFACE, n) != 0)
        return APP_PROBE_NO;
    return n == H2_PREFACE_LEN ? APP_PROBE_MATCH : APP_PROBE_NEED_MORE;
}

static void h2_state_free(void *state);

static void *h2_state_new(struct app_parse_ctx *ctx)
{
    struct h2_state *st = calloc(1, sizeof(*st));
    if (!st)
        return NULL;
    st->thread = ctx->thread;
    st->next_id = 0;
    st->max_frame[0] = st->max_frame[1] = 16384; /* RFC 9113 6.5.2 initial value */
    for (int d = 0; d < 2; d++) {
        if (nghttp2_hd_inflate_new(&st->inflater[d]) != 0) {
            h2_state_free(st);
            return NULL;
        }
    }
    const struct app_layer_config *cfg = app_parser_config(ctx);
    st->body_limit[0] =
        cfg && cfg->http_request_body_limit ? cfg->http_request_body_limit : H2_BODY_DEFAULT;
    st->body_limit[1] =
        cfg && cfg->http_response_body_limit ? cfg->http_response_body_limit : H2_BODY_DEFAULT;
    if (ctx->proto_orig == APP_PROTO_HTTP) {
        /* h2c upgrade: no client preface is needed before the request's
         * stream (the client still sends it first, RFC 9113 3.2). */
        const struct http2_upgrade *u = ctx->expectation_data;
        st->ctx = ctx;
        if (u) {
            h2_upgrade_apply(st, u);
            for (int d = 0; d < 2; d++)
                if (u->rest_len[d])
                    h2_feed(st, d, u->rest[d], (uint32_t)u->rest_len[d]);
        }
        st->ctx = NULL;
    }
    return st;
}

static void h2_state_free(void *state)
{
    struct h2_state *st = state;
    if (!st)
        return;
    while (st->head) {
        struct h2_tx *tx = st->head;
        st->head = tx->next;
        h2_tx_free(st, tx);
    }
    for (int d = 0; d < 2; d++) {
        if (st->inflater[d])
            nghttp2_hd_inflate_del(st->inflater[d]);
        free(st->dir[d].buf);
    }
    free(st);
}

/* Bytes lost in one direction. Inside a DATA frame's payload the frame
 * goes on (its file gets a hole); anywhere else frame boundaries and the
 * HPACK context of the direction are lost: it is no longer parsed (the
 * other direction is). */
static void h2_gap(struct h2_state *st, int dir, uint32_t len)
{
    struct h2_dir *d = &st->dir[dir];
    if (d->lost)
        return;
    if (d->in_frame && d->streaming && d->pad_read && d->flen - d->got >= len) {
        uint32_t data_end = d->flen > d->pad ? d->flen - d->pad : 0;
        if (d->got + len <= data_end && d->fsid) {
            struct h2_tx *tx = h2_tx_find(st, d->fsid);
            if (tx && tx->side[dir].file)
                file_add_gap(tx->side[dir].file, len);
        }
        d->got += len;
        d->off += len;
        if (d->got == d->flen) {
            d->in_frame = false;
            h2_data_frame_end(st, dir, d->fsid, d->fflags);
        }
        return;
    }
    d->lost = true;
    for (struct h2_tx *tx = st->head; tx; tx = tx->next)
        if (!tx->done[dir] && tx->side[dir].file)
            file_add_gap(tx->side[dir].file, len);
}

static int h2_parse(void *state, struct app_parse_ctx *ctx, uint8_t direction, const uint8_t *data,
                    uint32_t len, uint32_t flags)
{
    struct h2_state *st = state;
    if (st->gave_up)
        return -1;
    int dir = direction ? 1 : 0;
    st->ctx = ctx;
    h2_tx_gc(st);
    struct h2_dir *d = &st->dir[dir];
    if (flags & APP_DATA_GAP) {
        h2_gap(st, dir, len);
        st->ctx = NULL;
        return 0;
    }
    if (d->lost) {
        st->ctx = NULL;
        return 0;
    }
    d->off = ctx->stream_offset;
    if (len && data)
        h2_feed(st, dir, data, len);
    st->ctx = NULL;
    return 0;
}

static void h2_flow_end(void *state, struct app_parse_ctx *ctx)
{
    struct h2_state *st = state;
    st->ctx = ctx;
    for (struct h2_tx *tx = st->head; tx; tx = tx->next) {
        for (int d = 0; d < 2; d++)
            if (!tx->done[d])
                h2_side_end(tx, d, FILE_STATE_TRUNCATED);
        h2_tx_maybe_log(tx);
        h2_log_files(tx);
    }
    st->ctx = NULL;
}

static int h2_tx_foreach(void *state, int (*fn)(struct app_tx *tx, void *user), void *user)
{
    struct h2_state *st = state;
    for (struct h2_tx *tx = st->head; tx; tx = tx->next) {
        int rc = fn(&tx->base, user);
        if (rc)
            return rc;
    }
    return 0;
}

/* As in Suricata, a stream's progress is the stream's state, one for both
 * directions: frames of a side that ended (a client's WINDOW_UPDATE while
 * the response comes) are inspected until the stream is closed. */
static bool h2_tx_complete(const struct app_tx *atx, uint8_t direction)
{
    const struct h2_tx *tx = (const struct h2_tx *)atx;
    (void)direction;
    return tx->done[0] && tx->done[1];
}

/* A stream-0 transaction holds one frame: it belongs to that frame's side. */
static int h2_tx_direction(const struct app_tx *atx)
{
    const struct h2_tx *tx = (const struct h2_tx *)atx;
    if (!tx->global)
        return -1;
    return tx->side[1].vals[HTTP2_FIELD_FRAMETYPE].n && !tx->side[0].vals[HTTP2_FIELD_FRAMETYPE].n
               ? 1
               : 0;
}

const struct app_parser app_parser_http2 = {
    .proto = APP_PROTO_HTTP2,
    .name = "http2",
    .ipprotos = APP_IPPROTO_TCP,
    .ports = {0},
    .probe = h2_probe,
    .state_new = h2_state_new,
    .state_free = h2_state_free,
    .parse = h2_parse,
    .flow_end = h2_flow_end,
    .tx_foreach = h2_tx_foreach,
    .tx_complete = h2_tx_complete,
    .tx_direction = h2_tx_direction,
    .tx_get_buffer = h2_tx_get_buffer,
    .tx_write_json = h2_tx_write_json,
    .tx_has_event = h2_tx_has_event,
    .event_names = h2_event_names,
    .event_names_unsupported = h2_event_names_unsupported,
    .tx_get_buffer_dir = h2_tx_get_buffer_side,
    .frame_names = h2_frame_names,
};
