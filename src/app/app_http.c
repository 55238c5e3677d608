/* SPDX-License-Identifier: Apache-2.0 */
/* HTTP/1.x parser on top of libhtp (Debian libhtp 0.5.x), configured as
 * Suricata configures it by default (personality IDS, no lowercase path,
 * spaces allowed in the URI, response decompression with 2 layers, field and
 * header-count limits). libhtp pairs requests and responses (pipelining),
 * de-chunks and decompresses bodies; this file keeps, per transaction, the
 * detection buffers in Suricata's shapes, files (request and response
 * bodies), app-layer events, and writes the EVE "http" event when the
 * response is complete (or at flow end). */
#include <ctype.h>
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/time.h>
#include <arpa/inet.h>

#include <htp/htp.h>

#include "app/app_http2.h"
#include "app/app_parser.h"
#include "app/file.h"
#include "decode/packet.h"
#include "flow/flow.h"
#include "util/config.h"
#include "util/json.h"

#define HTTP_MAX_ANOMALIES 512    /* per flow, as Suricata's HTP_MAX_MESSAGES */
#define HTTP_PENDING_MAX 65536    /* request bytes held back while a CONNECT is answered */
#define HTTP_HEADER_RAW_MAX 65536 /* raw header copy kept per direction */
#define HTTP_FEED_SLICE 2048      /* bytes per libhtp call */
#define HTTP_TX_MEM 2048          /* accounted per transaction for libhtp's own structures */

struct http_buf {
    uint8_t *p;
    uint32_t len, cap;
};

/* App-layer events (Suricata's http decoder events). */
/* clang-format off */
#define HTTP_EVENT_LIST(X)                                                                         \
    X(UNKNOWN_ERROR)                                                                               \
    X(GZIP_DECOMPRESSION_FAILED)                                                                   \
    X(REQUEST_FIELD_MISSING_COLON)                                                                 \
    X(RESPONSE_FIELD_MISSING_COLON)                                                                \
    X(INVALID_REQUEST_CHUNK_LEN)                                                                   \
    X(INVALID_RESPONSE_CHUNK_LEN)                                                                  \
    X(INVALID_TRANSFER_ENCODING_VALUE_IN_REQUEST)                                                  \
    X(INVALID_TRANSFER_ENCODING_VALUE_IN_RESPONSE)                                                 \
    X(INVALID_CONTENT_LENGTH_FIELD_IN_REQUEST)                                                     \
    X(INVALID_CONTENT_LENGTH_FIELD_IN_RESPONSE)                                                    \
    X(DUPLICATE_CONTENT_LENGTH_FIELD_IN_REQUEST)                                                   \
    X(DUPLICATE_CONTENT_LENGTH_FIELD_IN_RESPONSE)                                                  \
    X(100_CONTINUE_ALREADY_SEEN)                                                                   \
    X(UNABLE_TO_MATCH_RESPONSE_TO_REQUEST)                                                         \
    X(INVALID_SERVER_PORT_IN_REQUEST)                                                              \
    X(INVALID_AUTHORITY_PORT)                                                                      \
    X(REQUEST_HEADER_INVALID)                                                                      \
    X(RESPONSE_HEADER_INVALID)                                                                     \
    X(MISSING_HOST_HEADER)                                                                         \
    X(HOST_HEADER_AMBIGUOUS)                                                                       \
    X(INVALID_REQUEST_FIELD_FOLDING)                                                               \
    X(INVALID_RESPONSE_FIELD_FOLDING)                                                              \
    X(REQUEST_FIELD_TOO_LONG)                                                                      \
    X(RESPONSE_FIELD_TOO_LONG)                                                                     \
    X(FILE_NAME_TOO_LONG)                                                                          \
    X(REQUEST_LINE_INVALID)                                                                        \
    X(REQUEST_BODY_UNEXPECTED)                                                                     \
    X(REQUEST_SERVER_PORT_TCP_PORT_MISMATCH)                                                       \
    X(URI_HOST_INVALID)                                                                            \
    X(HEADER_HOST_INVALID)                                                                         \
    X(METHOD_DELIM_NON_COMPLIANT)                                                                  \
    X(URI_DELIM_NON_COMPLIANT)                                                                     \
    X(REQUEST_LINE_LEADING_WHITESPACE)                                                             \
    X(TOO_MANY_ENCODING_LAYERS)                                                                    \
    X(ABNORMAL_CE_HEADER)                                                                          \
    X(REQUEST_AUTH_UNRECOGNIZED)                                                                   \
    X(REQUEST_HEADER_REPETITION)                                                                   \
    X(RESPONSE_HEADER_REPETITION)                                                                  \
    X(RESPONSE_MULTIPART_BYTERANGES)                                                               \
    X(RESPONSE_ABNORMAL_TRANSFER_ENCODING)                                                         \
    X(RESPONSE_CHUNKED_OLD_PROTO)                                                                  \
    X(RESPONSE_INVALID_PROTOCOL)                                                                   \
    X(RESPONSE_INVALID_STATUS)                                                                     \
    X(REQUEST_LINE_INCOMPLETE)                                                                     \
    X(LZMA_MEMLIMIT_REACHED)                                                                       \
    X(COMPRESSION_BOMB)                                                                            \
    X(REQUEST_LINE_MISSING_PROTOCOL)                                                               \
    X(REQUEST_TOO_MANY_HEADERS)                                                                    \
    X(RESPONSE_TOO_MANY_HEADERS)                                                                   \
    X(SWITCHING_PROTO_WITH_CONTENT_LENGTH)                                                         \
    X(TOO_MANY_WARNINGS)                                                                           \
    X(TOO_MANY_TRANSACTIONS)                                                                       \
    X(DOUBLE_ENCODED_URI)
/* clang-format on */

enum http_event {
#define HTTP_EVENT_ENUM(n) HTTP_EVENT_##n,
    HTTP_EVENT_LIST(HTTP_EVENT_ENUM)
#undef HTTP_EVENT_ENUM
        HTTP_EVENT_MAX
};

static const char *const http_event_names[HTTP_EVENT_MAX + 1] = {
#define HTTP_EVENT_NAME(n) [HTTP_EVENT_##n] = #n,
    HTTP_EVENT_LIST(HTTP_EVENT_NAME)
#undef HTTP_EVENT_NAME
};

_Static_assert(HTTP_EVENT_MAX <= 64, "events are a 64-bit mask");

struct http_state;

struct http_tx {
    struct app_tx base;
    struct http_tx *next;
    struct http_state *state;
    htp_tx_t *htp;
    struct http_buf uri_norm;
    struct http_buf hdr[2], hdr_raw[2], names[2], start[2];
    /* http.request_header / http.response_header: one "Name: value" per
     * header, kept back to back in lines[dir], instance i at line_off[dir][i] */
    struct http_buf lines[2];
    uint32_t *line_off[2];
    uint32_t line_count[2];
    struct http_buf body[2];
    struct http_buf host_raw;
    struct http_buf host_lower; /* http.host: the hostname lower-cased */
    char stat_code[4];
    struct app_file *files;       /* all files of the transaction, in opening order */
    struct app_file *cur_file[2]; /* the file being written per direction */
    bool req_done, res_done;
    bool body_limited[2];
    /* frames (http1.request / http1.response): the open frame of each
     * direction and its stream offset */
    uint64_t frame_id[2], frame_start[2];
    uint64_t events;
    size_t mem;
};

struct http_state {
    htp_connp_t *connp;
    struct app_layer_thread_ctx *thread;
    struct app_parse_ctx *ctx;          /* the call in progress (callbacks run inside it) */
    const struct app_layer_config *cfg; /* the worker's, for logging outside a call */
    struct http_tx *head, *tail;
    uint32_t live;
    uint64_t next_id;
    uint16_t switch_to;
    uint8_t cur_dir;
    /* frames: stream offset of the bytes libhtp is being fed (UINT64_MAX:
     * not known, no frames) */
    uint64_t feed_off;
    bool gave_up;
    bool too_many;    /* max_tx_per_flow reached: the flow is given up */
    uint8_t *pending; /* to-server bytes libhtp could not take yet (CONNECT) */
    uint32_t pending_len;
    /* "Upgrade: h2c" answered with 101: the request, handed to the HTTP/2
     * parser (switch_data), and where the HTTP/2 bytes start in the chunk */
    struct http2_upgrade *h2_upgrade;
    const uint8_t *h2_rest;
    uint32_t anomalies;
    size_t mem;
};

/* ---------- small helpers ---------- */

static bool http_reserve(struct http_state *st, size_t n)
{
    if (st->ctx)
        return app_memory_reserve(st->ctx, n);
    return app_thread_memory_reserve(st->thread, n);
}

static void http_release(struct http_state *st, size_t n)
{
    if (n)
        app_thread_memory_release(st->thread, n);
}

/* Appends to a buffer, growing it up to `limit` bytes in total; bytes
 * beyond the limit are dropped. Returns false when truncated or on ENOMEM. */
static bool http_buf_add(struct http_tx *tx, struct http_buf *b, const void *data, size_t len,
                         uint32_t limit)
{
    bool complete = true;
    if (b->len >= limit)
        return len == 0;
    if (len > limit - b->len) {
        len = limit - b->len;
        complete = false;
    }
    if (len == 0)
        return complete;
    if (b->len + len > b->cap) {
        size_t cap = b->cap ? b->cap : 128;
        while (cap < b->len + len)
            cap *= 2;
        if (cap > limit)
            cap = limit;
        if (!http_reserve(tx->state, cap - b->cap))
            return false;
        uint8_t *np = realloc(b->p, cap);
        if (!np) {
            http_release(tx->state, cap - b->cap);
            return false;
        }
        tx->mem += cap - b->cap;
        b->p = np;
        b->cap = (uint32_t)cap;
    }
    memcpy(b->p + b->len, data, len);
    b->len += (uint32_t)len;
    return complete;
}

static bool http_buf_add_bstr(struct http_tx *tx, struct http_buf *b, const bstr *s, uint32_t limit)
{
    if (!s)
        return true;
    return http_buf_add(tx, b, bstr_ptr(s), bstr_len(s), limit);
}

#define HTTP_BUF_STR(tx, b, s) http_buf_add(tx, b, s, sizeof(s) - 1, UINT32_MAX)

/* The query of the normalised URI (http.uri) is percent-decoded as Suricata
 * 8's HTTP parser does (a rule sees "/?arg=a b" for "/?arg=a%20b"); '+' is
 * kept, and so is a '%' not followed by two hex digits. */
static bool http_buf_add_query_decoded(struct http_tx *tx, struct http_buf *b, const bstr *s)
{
    if (!s)
        return true;
    const uint8_t *p = bstr_ptr(s);
    size_t n = bstr_len(s), i = 0;
    while (i < n) {
        const uint8_t *pct = memchr(p + i, '%', n - i);
        size_t run = pct ? (size_t)(pct - (p + i)) : n - i;
        if (run && !http_buf_add(tx, b, p + i, run, UINT32_MAX))
            return false;
        i += run;
        if (i >= n)
            break;
        if (i + 2 < n && isxdigit(p[i + 1]) && isxdigit(p[i + 2])) {
            char hex[3] = {(char)p[i + 1], (char)p[i + 2], 0};
            uint8_t c = (uint8_t)strtoul(hex, NULL, 16);
            if (!http_buf_add(tx, b, &c, 1, UINT32_MAX))
                return false;
            i += 3;
        } else {
            if (!http_buf_add(tx, b, "%", 1, UINT32_MAX))
                return false;
            i++;
        }
    }
    return true;
}

static struct http_state *http_state_of(const htp_tx_t *htx)
{
    return htp_connp_get_user_data(htx->connp);
}

static struct http_tx *http_tx_of(const htp_tx_t *htx)
{
    return htx ? htp_tx_get_user_data(htx) : NULL;
}

static void http_event_set(struct http_state *st, struct http_tx *tx, enum http_event ev)
{
    if (tx) {
        if (tx->events & (1ull << ev))
            return;
        tx->events |= 1ull << ev;
    }
    if (!st->ctx)
        return;
    if (st->anomalies >= HTTP_MAX_ANOMALIES)
        return;
    if (++st->anomalies == HTTP_MAX_ANOMALIES) {
        app_parser_anomaly(st->ctx, APP_PROTO_HTTP, http_event_names[HTTP_EVENT_TOO_MANY_WARNINGS]);
        return;
    }
    app_parser_anomaly(st->ctx, APP_PROTO_HTTP, http_event_names[ev]);
}

static const htp_header_t *http_header_get(const htp_table_t *t, const char *name)
{
    if (!t)
        return NULL;
    return htp_table_get_c(t, name);
}

/* ---------- X-Forwarded-For ---------- */

bool app_http_tx_xff(const struct app_tx *atx, const char *header, bool forward, char *ip,
                     size_t iplen)
{
    if (!atx || atx->parser != &app_parser_http || !header || iplen < 2)
        return false;
    const struct http_tx *tx = (const struct http_tx *)atx;
    const htp_header_t *h = tx->htp ? http_header_get(tx->htp->request_headers, header) : NULL;
    if (!h || !h->value)
        return false;
    const char *v = (const char *)bstr_ptr(h->value);
    size_t n = bstr_len(h->value);
    /* The list is "client, proxy1, proxy2": forward deployment takes the
     * first address, reverse the last (Suricata's xff deployment). */
    bool found = false;
    size_t i = 0;
    while (i < n) {
        size_t s = i;
        while (i < n && v[i] != ',')
            i++;
        size_t e = i++;
        while (s < e && (v[s] == ' ' || v[s] == '\t'))
            s++;
        while (e > s && (v[e - 1] == ' ' || v[e - 1] == '\t'))
            e--;
        char cand[INET6_ADDRSTRLEN + 1];
        unsigned char bin[16];
        if (e - s == 0 || e - s >= sizeof(cand))
            continue;
        memcpy(cand, v + s, e - s);
        cand[e - s] = '\0';
        if (inet_pton(AF_INET, cand, bin) != 1 && inet_pton(AF_INET6, cand, bin) != 1)
            continue;
        snprintf(ip, iplen, "%s", cand);
        found = true;
        if (forward)
            break;
    }
    return found;
}

/* ---------- libhtp configuration (one, shared read-only by all flows) ---------- */

static htp_cfg_t *http_cfg;
static pthread_once_t http_cfg_once = PTHREAD_ONCE_INIT;

static int http_cb_request_start(htp_tx_t *htx);
static int http_cb_request_line(htp_tx_t *htx);
static int http_cb_request_headers(htp_tx_t *htx);
static int http_cb_request_header_data(htp_tx_data_t *d);
static int http_cb_request_body(htp_tx_data_t *d);
static int http_cb_request_complete(htp_tx_t *htx);
static int http_cb_response_start(htp_tx_t *htx);
static int http_cb_response_headers(htp_tx_t *htx);
static int http_cb_response_header_data(htp_tx_data_t *d);
static int http_cb_response_body(htp_tx_data_t *d);
static int http_cb_response_complete(htp_tx_t *htx);
static int http_cb_log(htp_log_t *log);

static void http_cfg_create(void)
{
    htp_cfg_t *c = htp_config_create();
    if (!c)
        return;
    htp_config_set_server_personality(c, HTP_SERVER_IDS);
    /* Suricata: personalities may enable flags incompatible with its
     * normalisation; it turns lowercase conversion off again. */
    htp_config_set_convert_lowercase(c, HTP_DECODER_URL_PATH, 0);
    htp_config_set_parse_request_cookies(c, 0);
    htp_config_set_parse_request_auth(c, 1);
    htp_config_set_allow_space_uri(c, 1);
    htp_config_set_plusspace_decode(c, HTP_DECODER_URLENCODED, 0);
    htp_config_set_request_decompression(c, 1);
    htp_config_set_response_decompression(c, 1);
    htp_config_set_response_decompression_layer_limit(c, 2);
    htp_config_set_lzma_layers(c, 1);
    htp_config_set_lzma_memlimit(c, 1024 * 1024);
    htp_config_set_compression_bomb_limit(c, 1024 * 1024);
    htp_config_set_compression_time_limit(c, 100000);
    htp_config_set_field_limits(c, 9000, 18000);
    htp_config_set_number_headers_limit(c, 1024);
    htp_config_set_tx_auto_destroy(c, 0);
    htp_config_set_log_level(c, HTP_LOG_NOTICE);
    htp_config_register_request_start(c, http_cb_request_start);
    htp_config_register_request_line(c, http_cb_request_line);
    htp_config_register_request_headers(c, http_cb_request_headers);
    htp_config_register_request_header_data(c, http_cb_request_header_data);
    htp_config_register_request_body_data(c, http_cb_request_body);
    htp_config_register_request_complete(c, http_cb_request_complete);
    htp_config_register_response_start(c, http_cb_response_start);
    htp_config_register_response_headers(c, http_cb_response_headers);
    htp_config_register_response_header_data(c, http_cb_response_header_data);
    htp_config_register_response_body_data(c, http_cb_response_body);
    htp_config_register_response_complete(c, http_cb_response_complete);
    htp_config_register_log(c, http_cb_log);
    http_cfg = c;
}

/* ---------- configuration ---------- */

void app_http_config_load(struct app_layer_config *out, const struct config *cfg)
{
    out->http_dump_headers = 0;
    out->http_xff = false;
    out->http_xff_header = "X-Forwarded-For";
    out->smtp_extended = false;
    out->ftp_max_line_length = 4096;
    out->file_force_magic = false;
    out->http_double_decode_path = out->http_double_decode_query = false;
    if (!cfg)
        return;
    out->http_double_decode_path = config_get_bool(
        cfg, "app-layer.protocols.http.libhtp.default-config.double-decode-path", false);
    out->http_double_decode_query = config_get_bool(
        cfg, "app-layer.protocols.http.libhtp.default-config.double-decode-query", false);
    uint64_t ml;
    if (config_get_size(cfg, "app-layer.protocols.ftp.max-line-length", &ml) == 0 && ml >= 16 &&
        ml <= 1024 * 1024)
        out->ftp_max_line_length = (uint32_t)ml;
    /* outputs.N.eve-log.types.M.{http,smtp}.* */
    const struct config_node *outputs = config_find(cfg, "outputs");
    for (const struct config_node *o = outputs ? config_node_first_child(outputs) : NULL; o;
         o = config_node_next(o)) {
        const struct config_node *types = config_node_find(o, "eve-log.types");
        for (const struct config_node *t = types ? config_node_first_child(types) : NULL; t;
             t = config_node_next(t)) {
            const char *tname = config_node_peek_value(t); /* dispatch: not a read */
            if (!tname)
                continue;
            const struct config_node *body = config_node_child(t, tname);
            if (!body)
                continue;
            if (strcmp(tname, "http") == 0) {
                const struct config_node *d = config_node_child(body, "dump-all-headers");
                const char *v = d ? config_node_value(d) : NULL;
                if (v && strcasecmp(v, "both") == 0)
                    out->http_dump_headers = 3;
                else if (v && strcasecmp(v, "request") == 0)
                    out->http_dump_headers = 1;
                else if (v && strcasecmp(v, "response") == 0)
                    out->http_dump_headers = 2;
                const struct config_node *x = config_node_find(body, "xff.enabled");
                const struct config_node *m = config_node_find(body, "xff.mode");
                const struct config_node *h = config_node_find(body, "xff.header");
                bool en = false;
                if (x && config_node_value(x))
                    config_parse_bool(config_node_value(x), &en);
                const char *mode = m ? config_node_value(m) : NULL;
                if (en && (!mode || strcasecmp(mode, "extra-data") == 0))
                    out->http_xff = true;
                if (h && config_node_value(h))
                    out->http_xff_header = config_node_value(h);
                const struct config_node *dep = config_node_find(body, "xff.deployment");
                const char *dv = dep ? config_node_value(dep) : NULL;
                out->http_xff_forward = dv && strcasecmp(dv, "forward") == 0;
            } else if (strcmp(tname, "files") == 0) {
                const struct config_node *fm = config_node_child(body, "force-magic");
                if (fm && config_node_value(fm))
                    config_parse_bool(config_node_value(fm), &out->file_force_magic);
                /* force-hash: [md5, sha1, sha256] (or one scalar) */
                const struct config_node *fh = config_node_child(body, "force-hash");
                const char *one = fh ? config_node_value(fh) : NULL;
                const struct config_node *it = fh ? config_node_first_child(fh) : NULL;
                for (; one || it; it = it ? config_node_next(it) : NULL) {
                    const char *h = it ? config_node_value(it) : one;
                    if (h && strcasecmp(h, "md5") == 0)
                        out->file_hash_md5 = true;
                    else if (h && strcasecmp(h, "sha1") == 0)
                        out->file_hash_sha1 = true;
                    else if (h && strcasecmp(h, "sha256") == 0)
                        out->file_hash_sha256 = true;
                    if (!it)
                        break;
                }
            } else if (strcmp(tname, "smtp") == 0) {
                const struct config_node *e = config_node_child(body, "extended");
                bool en = false;
                if (e && config_node_value(e) && config_parse_bool(config_node_value(e), &en) == 0)
                    out->smtp_extended = en;
            }
        }
    }
}

/* ---------- transactions ---------- */

static void http_tx_free(struct http_tx *tx)
{
    for (int d = 0; d < 2; d++) {
        free(tx->hdr[d].p);
        free(tx->hdr_raw[d].p);
        free(tx->names[d].p);
        free(tx->start[d].p);
        free(tx->body[d].p);
        free(tx->lines[d].p);
        free(tx->line_off[d]);
    }
    free(tx->uri_norm.p);
    free(tx->host_raw.p);
    free(tx->host_lower.p);
    file_list_free(tx->files);
    http_release(tx->state, tx->mem);
    free(tx);
}

/* Suricata's HTTP/1 frames: request and response, each from its first
 * byte (request or status line) to its last (end of body), belonging to
 * the transaction. */
enum { HTTP_FRAME_REQUEST, HTTP_FRAME_RESPONSE };
static const char *const http_frame_names[] = {"request", "response", NULL};

static uint64_t http_frame_pos(struct http_state *st, int dir)
{
    return st->feed_off + (dir ? htp_connp_res_data_consumed(st->connp)
                               : htp_connp_req_data_consumed(st->connp));
}

static void http_frame_open(struct http_state *st, struct http_tx *tx, int dir)
{
    if (!app_frames_on(st->ctx) || st->feed_off == UINT64_MAX || tx->frame_id[dir])
        return;
    tx->frame_start[dir] = http_frame_pos(st, dir);
    tx->frame_id[dir] = app_frame_open(st->ctx, (uint8_t)dir, tx->frame_start[dir],
                                       dir ? HTTP_FRAME_RESPONSE : HTTP_FRAME_REQUEST,
                                       (int64_t)tx->base.id);
}

static void http_frame_close(struct http_state *st, struct http_tx *tx, int dir)
{
    if (!tx->frame_id[dir] || !app_frames_on(st->ctx) || st->feed_off == UINT64_MAX)
        return;
    uint64_t end = http_frame_pos(st, dir);
    app_frame_close(st->ctx, (uint8_t)dir, tx->frame_id[dir],
                    end > tx->frame_start[dir] ? (int64_t)(end - tx->frame_start[dir]) : 0);
    tx->frame_id[dir] = 0;
}

static int http_cb_request_start(htp_tx_t *htx)
{
    struct http_state *st = http_state_of(htx);
    const struct app_layer_config *cfg = st->ctx ? app_parser_config(st->ctx) : NULL;
    uint32_t max_tx = cfg && cfg->max_tx_per_flow ? cfg->max_tx_per_flow : 512;
    if (st->live >= max_tx || st->too_many) {
        /* libhtp does not stop on a failing request_start hook: flag it and
         * let http_feed() stop between slices. */
        if (!st->too_many)
            http_event_set(st, NULL, HTTP_EVENT_TOO_MANY_TRANSACTIONS);
        st->too_many = true;
        return HTP_OK;
    }
    if (!http_reserve(st, sizeof(struct http_tx) + HTTP_TX_MEM))
        return HTP_ERROR;
    struct http_tx *tx = calloc(1, sizeof(*tx));
    if (!tx) {
        http_release(st, sizeof(struct http_tx) + HTTP_TX_MEM);
        return HTP_ERROR;
    }
    tx->mem = sizeof(struct http_tx) + HTTP_TX_MEM;
    tx->base.parser = &app_parser_http;
    tx->base.id = st->next_id++;
    tx->state = st;
    tx->htp = htx;
    htp_tx_set_user_data(htx, tx);
    if (st->tail)
        st->tail->next = tx;
    else
        st->head = tx;
    st->tail = tx;
    st->live++;
    if (st->ctx)
        app_parser_count_tx(st->ctx, APP_PROTO_HTTP);
    http_frame_open(st, tx, 0);
    return HTP_OK;
}

/* Suricata's normalised URI: libhtp's normalised path, then "?query" and
 * "#fragment" as parsed (uri-include-all: no). */
static int http_cb_request_line(htp_tx_t *htx)
{
    struct http_tx *tx = http_tx_of(htx);
    if (!tx)
        return HTP_OK;
    const htp_uri_t *u = htx->parsed_uri;
    const struct app_layer_config *cfg = tx->state->ctx ? app_parser_config(tx->state->ctx) : NULL;
    if (u && cfg) {
        /* double-decode-path/query (Suricata): decode the normalised part
         * once more; if it shrank, the URI was encoded twice */
        bstr *parts[2] = {cfg->http_double_decode_path ? u->path : NULL,
                          cfg->http_double_decode_query ? u->query : NULL};
        for (int i = 0; i < 2; i++) {
            if (!parts[i])
                continue;
            uint64_t fl = 0;
            size_t before = bstr_len(parts[i]);
            if (htp_urldecode_inplace(htx->cfg, HTP_DECODER_URLENCODED, parts[i], &fl) == HTP_OK &&
                bstr_len(parts[i]) < before)
                http_event_set(tx->state, tx, HTTP_EVENT_DOUBLE_ENCODED_URI);
        }
    }
    if (u) {
        http_buf_add_bstr(tx, &tx->uri_norm, u->path, UINT32_MAX);
        if (u->query) {
            HTTP_BUF_STR(tx, &tx->uri_norm, "?");
            http_buf_add_query_decoded(tx, &tx->uri_norm, u->query);
        }
        if (u->fragment) {
            HTTP_BUF_STR(tx, &tx->uri_norm, "#");
            http_buf_add_bstr(tx, &tx->uri_norm, u->fragment, UINT32_MAX);
        }
    }
    if (htx->is_protocol_0_9 && htx->request_method_number == HTP_M_UNKNOWN &&
        (htx->request_protocol_number == HTP_PROTOCOL_INVALID ||
         htx->request_protocol_number == HTP_PROTOCOL_UNKNOWN))
        http_event_set(tx->state, tx, HTTP_EVENT_REQUEST_LINE_INVALID);
    return HTP_OK;
}

/* Builds http.header ("Name: value\r\n" each, without Cookie/Set-Cookie),
 * http.header_names ("\r\nName\r\n...\r\n\r\n") and http.start (line +
 * "\r\n" + every header + "\r\n") for one direction. */
static void http_build_header_buffers(struct http_tx *tx, int dir)
{
    const htp_tx_t *htx = tx->htp;
    const htp_table_t *t = dir == 0 ? htx->request_headers : htx->response_headers;
    const bstr *line = dir == 0 ? htx->request_line : htx->response_line;
    const char *skip = dir == 0 ? "cookie" : "set-cookie";
    size_t skip_len = strlen(skip);
    tx->hdr[dir].len = tx->names[dir].len = tx->start[dir].len = 0;
    http_buf_add_bstr(tx, &tx->start[dir], line, UINT32_MAX);
    HTTP_BUF_STR(tx, &tx->start[dir], "\r\n");
    HTTP_BUF_STR(tx, &tx->names[dir], "\r\n");
    size_t n = t ? htp_table_size(t) : 0;
    for (size_t i = 0; i < n; i++) {
        const htp_header_t *h = htp_table_get_index(t, i, NULL);
        if (!h || !h->name)
            continue;
        const bstr *v = h->value;
        bool is_cookie = bstr_len(h->name) == skip_len &&
                         strncasecmp((const char *)bstr_ptr(h->name), skip, skip_len) == 0;
        if (!is_cookie) {
            http_buf_add_bstr(tx, &tx->hdr[dir], h->name, UINT32_MAX);
            HTTP_BUF_STR(tx, &tx->hdr[dir], ": ");
            http_buf_add_bstr(tx, &tx->hdr[dir], v, UINT32_MAX);
            HTTP_BUF_STR(tx, &tx->hdr[dir], "\r\n");
        }
        http_buf_add_bstr(tx, &tx->start[dir], h->name, UINT32_MAX);
        HTTP_BUF_STR(tx, &tx->start[dir], ": ");
        http_buf_add_bstr(tx, &tx->start[dir], v, UINT32_MAX);
        HTTP_BUF_STR(tx, &tx->start[dir], "\r\n");
        http_buf_add_bstr(tx, &tx->names[dir], h->name, UINT32_MAX);
        HTTP_BUF_STR(tx, &tx->names[dir], "\r\n");
    }
    HTTP_BUF_STR(tx, &tx->start[dir], "\r\n");
    HTTP_BUF_STR(tx, &tx->names[dir], "\r\n");
    /* per-header instances: offsets of each "Name: value" (start, end pairs) */
    free(tx->line_off[dir]);
    tx->line_off[dir] = NULL;
    tx->line_count[dir] = 0;
    tx->lines[dir].len = 0;
    if (n == 0 || n > 1024 || !http_reserve(tx->state, n * 2 * sizeof(uint32_t)))
        return;
    tx->mem += n * 2 * sizeof(uint32_t);
    tx->line_off[dir] = malloc(n * 2 * sizeof(uint32_t));
    if (!tx->line_off[dir])
        return;
    for (size_t i = 0; i < n; i++) {
        const htp_header_t *h = htp_table_get_index(t, i, NULL);
        if (!h || !h->name)
            continue;
        uint32_t start = tx->lines[dir].len;
        http_buf_add_bstr(tx, &tx->lines[dir], h->name, UINT32_MAX);
        HTTP_BUF_STR(tx, &tx->lines[dir], ": ");
        http_buf_add_bstr(tx, &tx->lines[dir], h->value, UINT32_MAX);
        tx->line_off[dir][2 * tx->line_count[dir]] = start;
        tx->line_off[dir][2 * tx->line_count[dir] + 1] = tx->lines[dir].len;
        tx->line_count[dir]++;
    }
}

static int http_cb_request_headers(htp_tx_t *htx)
{
    struct http_tx *tx = http_tx_of(htx);
    if (!tx)
        return HTP_OK;
    struct http_state *st = tx->state;
    http_build_header_buffers(tx, 0);
    /* http.host.raw: the authority of an absolute URI, else the Host header. */
    if (htx->parsed_uri_raw && htx->parsed_uri_raw->hostname) {
        http_buf_add_bstr(tx, &tx->host_raw, htx->parsed_uri_raw->hostname, UINT32_MAX);
    } else {
        const htp_header_t *h = http_header_get(htx->request_headers, "host");
        if (h)
            http_buf_add_bstr(tx, &tx->host_raw, h->value, UINT32_MAX);
    }
    if (htx->request_hostname) {
        http_buf_add_bstr(tx, &tx->host_lower, htx->request_hostname, UINT32_MAX);
        for (uint32_t i = 0; i < tx->host_lower.len; i++)
            tx->host_lower.p[i] = (uint8_t)tolower(tx->host_lower.p[i]);
    }
    uint64_t f = htx->flags;
    if (f & HTP_REQUEST_INVALID_T_E)
        http_event_set(st, tx, HTTP_EVENT_INVALID_TRANSFER_ENCODING_VALUE_IN_REQUEST);
    if (f & HTP_REQUEST_INVALID_C_L)
        http_event_set(st, tx, HTTP_EVENT_INVALID_CONTENT_LENGTH_FIELD_IN_REQUEST);
    if (f & HTP_HOST_MISSING)
        http_event_set(st, tx, HTTP_EVENT_MISSING_HOST_HEADER);
    if (f & HTP_HOST_AMBIGUOUS)
        http_event_set(st, tx, HTTP_EVENT_HOST_HEADER_AMBIGUOUS);
    if (f & HTP_HOSTU_INVALID)
        http_event_set(st, tx, HTTP_EVENT_URI_HOST_INVALID);
    if (f & HTP_HOSTH_INVALID)
        http_event_set(st, tx, HTTP_EVENT_HEADER_HOST_INVALID);
    if (htx->request_auth_type == HTP_AUTH_UNRECOGNIZED)
        http_event_set(st, tx, HTTP_EVENT_REQUEST_AUTH_UNRECOGNIZED);
    return HTP_OK;
}

static int http_cb_header_data(htp_tx_data_t *d, int dir)
{
    struct http_tx *tx = http_tx_of(d->tx);
    if (!tx || !d->data)
        return HTP_OK;
    http_buf_add(tx, &tx->hdr_raw[dir], d->data, d->len, HTTP_HEADER_RAW_MAX);
    return HTP_OK;
}

static int http_cb_request_header_data(htp_tx_data_t *d)
{
    return http_cb_header_data(d, 0);
}
static int http_cb_response_header_data(htp_tx_data_t *d)
{
    return http_cb_header_data(d, 1);
}

/* Value of a parameter (filename=...) in a Content-Disposition value. */
static bool http_disposition_filename(const uint8_t *v, size_t len, const uint8_t **name,
                                      size_t *name_len)
{
    static const char key[] = "filename=";
    size_t kl = sizeof(key) - 1;
    for (size_t i = 0; i + kl <= len; i++) {
        if (strncasecmp((const char *)v + i, key, kl) != 0)
            continue;
        if (i > 0 && v[i - 1] != ';' && v[i - 1] != ' ' && v[i - 1] != '\t')
            continue;
        const uint8_t *p = v + i + kl;
        size_t rest = len - i - kl;
        if (rest && *p == '"') {
            p++;
            rest--;
            const uint8_t *q = memchr(p, '"', rest);
            *name = p;
            *name_len = q ? (size_t)(q - p) : rest;
        } else {
            size_t n = 0;
            while (n < rest && p[n] != ';' && p[n] != ' ' && p[n] != '\r' && p[n] != '\n')
                n++;
            *name = p;
            *name_len = n;
        }
        return true;
    }
    return false;
}

static struct app_file *http_file_open(struct http_tx *tx, int dir, const uint8_t *name,
                                       size_t name_len)
{
    struct http_state *st = tx->state;
    if (!st->ctx)
        return NULL;
    const struct app_layer_config *cfg = app_parser_config(st->ctx);
    uint32_t limit = dir == 0 ? cfg->http_request_body_limit : cfg->http_response_body_limit;
    if (limit == 0)
        limit = UINT32_MAX;
    struct app_file *f = file_open(st->ctx, name, name_len, tx->base.id, (uint8_t)dir, limit);
    if (!f)
        return NULL;
    if (tx->base.file_store & (1u << dir))
        file_store_mark(f); /* filestore with scope tx matched already */
    struct app_file **pp = &tx->files;
    while (*pp)
        pp = &(*pp)->next;
    *pp = f;
    return f;
}

/* The default file name: the normalised URI path (Suricata logs "/" for the root). */
static struct app_file *http_file_open_default(struct http_tx *tx, int dir)
{
    const htp_tx_t *htx = tx->htp;
    const htp_table_t *t = dir == 0 ? htx->request_headers : htx->response_headers;
    const htp_header_t *cd = http_header_get(t, "content-disposition");
    const uint8_t *name = NULL;
    size_t name_len = 0;
    if (cd && cd->value &&
        http_disposition_filename(bstr_ptr(cd->value), bstr_len(cd->value), &name, &name_len)) {
        /* name from the header */
    } else if (htx->parsed_uri && htx->parsed_uri->path) {
        name = bstr_ptr(htx->parsed_uri->path);
        name_len = bstr_len(htx->parsed_uri->path);
    }
    return http_file_open(tx, dir, name ? name : (const uint8_t *)"", name_len);
}

static bool http_is_multipart(const htp_tx_t *htx, const uint8_t **boundary, size_t *blen)
{
    const htp_header_t *ct = http_header_get(htx->request_headers, "content-type");
    if (!ct || !ct->value)
        return false;
    const char *v = (const char *)bstr_ptr(ct->value);
    size_t len = bstr_len(ct->value);
    if (len < 19 || strncasecmp(v, "multipart/form-data", 19) != 0)
        return false;
    for (size_t i = 19; i + 9 <= len; i++) {
        if (strncasecmp(v + i, "boundary=", 9) == 0) {
            const char *b = v + i + 9;
            size_t n = len - i - 9;
            if (n && *b == '"') {
                b++;
                n--;
                const char *q = memchr(b, '"', n);
                if (q)
                    n = (size_t)(q - b);
            } else {
                size_t k = 0;
                while (k < n && b[k] != ';' && b[k] != ' ')
                    k++;
                n = k;
            }
            if (n == 0 || n > 200)
                return false;
            *boundary = (const uint8_t *)b;
            *blen = n;
            return true;
        }
    }
    return false;
}

static const uint8_t *http_memmem(const uint8_t *h, size_t hl, const uint8_t *n, size_t nl)
{
    if (nl == 0 || hl < nl)
        return NULL;
    return memmem(h, hl, n, nl);
}

/* Multipart/form-data upload: each part with a filename becomes a file
 * (Suricata's multipart handling). Works on the buffered request body. */
static void http_multipart_files(struct http_tx *tx, const uint8_t *boundary, size_t blen)
{
    const struct http_buf *b = &tx->body[0];
    uint8_t delim[210];
    delim[0] = '-';
    delim[1] = '-';
    memcpy(delim + 2, boundary, blen);
    size_t dl = blen + 2;
    if (!b->p)
        return; /* no body buffered */
    const uint8_t *p = b->p, *end = b->p + b->len;
    const uint8_t *d = http_memmem(p, (size_t)(end - p), delim, dl);
    while (d) {
        const uint8_t *part = d + dl;
        if (end - part >= 2 && part[0] == '-' && part[1] == '-')
            break;
        const uint8_t *hdr_end =
            http_memmem(part, (size_t)(end - part), (const uint8_t *)"\r\n\r\n", 4);
        if (!hdr_end)
            break;
        const uint8_t *data = hdr_end + 4;
        const uint8_t *next = http_memmem(data, (size_t)(end - data), delim, dl);
        const uint8_t *data_end = next ? next : end;
        bool complete = next != NULL;
        if (next && next - data >= 2 && next[-2] == '\r' && next[-1] == '\n')
            data_end = next - 2;
        /* Content-Disposition of the part */
        const uint8_t *name = NULL;
        size_t name_len = 0;
        const uint8_t *h = part;
        while (h < hdr_end) {
            const uint8_t *eol =
                http_memmem(h, (size_t)(hdr_end + 2 - h), (const uint8_t *)"\r\n", 2);
            if (!eol)
                eol = hdr_end;
            size_t ll = (size_t)(eol - h);
            if (ll > 20 && strncasecmp((const char *)h, "content-disposition:", 20) == 0)
                http_disposition_filename(h + 20, ll - 20, &name, &name_len);
            h = eol + 2;
        }
        if (name) {
            struct app_file *f = http_file_open(tx, 0, name, name_len);
            if (f) {
                file_append(tx->state->ctx, f, data, (size_t)(data_end - data));
                file_close(tx->state->ctx, f,
                           complete && !tx->body_limited[0] ? FILE_STATE_CLOSED
                                                            : FILE_STATE_TRUNCATED);
            }
        }
        d = next;
    }
}

static int http_cb_body(htp_tx_data_t *d, int dir)
{
    struct http_tx *tx = http_tx_of(d->tx);
    if (!tx || d->len == 0)
        return HTP_OK;
    struct http_state *st = tx->state;
    if (!d->data) {
        tx->body_limited[dir] = true;
        if (!tx->cur_file[dir] && (dir == 1 || d->tx->request_method_number == HTP_M_POST ||
                                   d->tx->request_method_number == HTP_M_PUT))
            tx->cur_file[dir] = http_file_open_default(tx, dir);
        if (tx->cur_file[dir])
            file_add_gap(tx->cur_file[dir], d->len);
        return HTP_OK;
    }
    const struct app_layer_config *cfg = st->ctx ? app_parser_config(st->ctx) : NULL;
    uint32_t limit = cfg ? (dir == 0 ? cfg->http_request_body_limit : cfg->http_response_body_limit)
                         : 100 * 1024;
    if (limit == 0)
        limit = UINT32_MAX;
    if (!http_buf_add(tx, &tx->body[dir], d->data, d->len, limit))
        tx->body_limited[dir] = true;
    const htp_tx_t *htx = d->tx;
    const uint8_t *bnd;
    size_t blen;
    if (dir == 0) {
        if (http_is_multipart(htx, &bnd, &blen))
            return HTP_OK; /* files are cut out of the buffered body at request end */
        if (htx->request_method_number != HTP_M_POST && htx->request_method_number != HTP_M_PUT)
            return HTP_OK;
    }
    if (!tx->cur_file[dir])
        tx->cur_file[dir] = http_file_open_default(tx, dir);
    if (tx->cur_file[dir])
        file_append(st->ctx, tx->cur_file[dir], d->data, d->len);
    return HTP_OK;
}

static int http_cb_request_body(htp_tx_data_t *d)
{
    return http_cb_body(d, 0);
}
static int http_cb_response_body(htp_tx_data_t *d)
{
    return http_cb_body(d, 1);
}

static void http_tx_write_json_cb(const void *object, struct json_writer *w);
static void http_write_http(const struct http_tx *tx, struct json_writer *w);

static void http_write_file_proto(const void *tx, struct json_writer *w)
{
    http_write_http(tx, w);
}

static void http_close_file(struct http_tx *tx, int dir, enum file_state state)
{
    struct app_file *f = tx->cur_file[dir];
    if (!f)
        return;
    tx->cur_file[dir] = NULL;
    /* a file with a hole is not complete (Suricata: TRUNCATED, gaps true) */
    if (f->gaps && state == FILE_STATE_CLOSED)
        state = FILE_STATE_TRUNCATED;
    file_close(tx->state->ctx, f, state);
}

static void http_log_files(struct http_tx *tx)
{
    if (!tx->state->ctx)
        return;
    for (struct app_file *f = tx->files; f; f = f->next)
        if (f->state != FILE_STATE_OPEN && !f->logged)
            file_log(tx->state->ctx, f, http_write_file_proto, tx);
}

static int http_cb_request_complete(htp_tx_t *htx)
{
    struct http_tx *tx = http_tx_of(htx);
    if (!tx)
        return HTP_OK;
    const uint8_t *bnd;
    size_t blen;
    if (http_is_multipart(htx, &bnd, &blen))
        http_multipart_files(tx, bnd, blen);
    http_close_file(tx, 0, FILE_STATE_CLOSED);
    http_frame_close(tx->state, tx, 0);
    tx->req_done = true;
    http_log_files(tx);
    return HTP_OK;
}

static int http_cb_response_start(htp_tx_t *htx)
{
    struct http_tx *tx = http_tx_of(htx);
    if (tx)
        http_frame_open(tx->state, tx, 1);
    return HTP_OK;
}

/* Whether a 101 answers "Upgrade: h2c" (cleartext HTTP/2, RFC 7540 3.2). */
static bool http_upgrade_h2c(const htp_tx_t *htx)
{
    const htp_header_t *h = http_header_get(htx->response_headers, "upgrade");
    if (!h || !h->value)
        h = http_header_get(htx->request_headers, "upgrade");
    if (!h || !h->value)
        return false;
    const uint8_t *v = bstr_ptr(h->value);
    size_t n = bstr_len(h->value);
    for (size_t i = 0; i + 3 <= n; i++)
        if (strncasecmp((const char *)v + i, "h2c", 3) == 0)
            return true;
    return false;
}

static uint8_t *http_dup_bstr(const bstr *b, size_t *len)
{
    size_t n = b ? bstr_len(b) : 0;
    uint8_t *p = malloc(n ? n : 1);
    if (p && n)
        memcpy(p, bstr_ptr(b), n);
    *len = n;
    return p;
}

/* The upgraded request, for the HTTP/2 parser's stream 1. */
static struct http2_upgrade *http_h2c_request(const htp_tx_t *htx)
{
    struct http2_upgrade *u = calloc(1, sizeof(*u));
    if (!u)
        return NULL;
    size_t n = htx->request_headers ? htp_table_size(htx->request_headers) : 0;
    u->names = calloc(n ? n : 1, sizeof(*u->names));
    u->values = calloc(n ? n : 1, sizeof(*u->values));
    u->name_lens = calloc(n ? n : 1, sizeof(*u->name_lens));
    u->value_lens = calloc(n ? n : 1, sizeof(*u->value_lens));
    if (!u->names || !u->values || !u->name_lens || !u->value_lens)
        goto fail;
    if (htx->request_method && !(u->method = http_dup_bstr(htx->request_method, &u->method_len)))
        goto fail;
    if (htx->request_uri && !(u->uri = http_dup_bstr(htx->request_uri, &u->uri_len)))
        goto fail;
    for (size_t i = 0; i < n; i++) {
        const htp_header_t *h = htp_table_get_index(htx->request_headers, i, NULL);
        if (!h || !h->name)
            continue;
        uint32_t k = u->n_headers;
        u->names[k] = http_dup_bstr(h->name, &u->name_lens[k]);
        u->values[k] = http_dup_bstr(h->value, &u->value_lens[k]);
        u->n_headers++;
        if (!u->names[k] || !u->values[k])
            goto fail;
    }
    return u;
fail:
    http2_upgrade_free(u);
    return NULL;
}

static int http_cb_response_headers(htp_tx_t *htx)
{
    struct http_tx *tx = http_tx_of(htx);
    if (!tx)
        return HTP_OK;
    http_build_header_buffers(tx, 1);
    if (htx->response_status) {
        size_t n = bstr_len(htx->response_status);
        if (n > 3)
            n = 3;
        memcpy(tx->stat_code, bstr_ptr(htx->response_status), n);
        tx->stat_code[n] = 0;
    }
    struct http_state *st = tx->state;
    /* CONNECT answered with 2xx, or 101 Switching Protocols: the rest of the
     * stream is another protocol. */
    if ((htx->request_method_number == HTP_M_CONNECT && htx->response_status_number >= 200 &&
         htx->response_status_number < 300) ||
        htx->response_status_number == 101)
        st->switch_to = APP_PROTO_DETECT_AGAIN;
    if (htx->response_status_number == 101 && http_upgrade_h2c(htx)) {
        struct http2_upgrade *u = http_h2c_request(htx);
        if (u) {
            http2_upgrade_free(st->h2_upgrade);
            st->h2_upgrade = u;
            st->switch_to = APP_PROTO_HTTP2;
        }
    }
    return HTP_OK;
}

static void http_tx_log(struct http_tx *tx);

static int http_cb_response_complete(htp_tx_t *htx)
{
    struct http_tx *tx = http_tx_of(htx);
    if (!tx)
        return HTP_OK;
    http_close_file(tx, 1, FILE_STATE_CLOSED);
    http_frame_close(tx->state, tx, 1);
    tx->res_done = true;
    http_tx_log(tx);
    return HTP_OK;
}

/* libhtp's warnings, mapped to Suricata's events by message prefix. */
static const struct {
    const char *prefix;
    enum http_event ev;
} http_log_map[] = {
    {"GZip decompressor:", HTTP_EVENT_GZIP_DECOMPRESSION_FAILED},
    {"Request field invalid: colon missing", HTTP_EVENT_REQUEST_FIELD_MISSING_COLON},
    {"Response field invalid: missing colon", HTTP_EVENT_RESPONSE_FIELD_MISSING_COLON},
    {"Request chunk encoding: Invalid chunk length", HTTP_EVENT_INVALID_REQUEST_CHUNK_LEN},
    {"Response chunk encoding: Invalid chunk length", HTTP_EVENT_INVALID_RESPONSE_CHUNK_LEN},
    {"Invalid C-L field in response", HTTP_EVENT_INVALID_CONTENT_LENGTH_FIELD_IN_RESPONSE},
    {"Ambiguous request C-L value", HTTP_EVENT_DUPLICATE_CONTENT_LENGTH_FIELD_IN_REQUEST},
    {"Ambiguous response C-L value", HTTP_EVENT_DUPLICATE_CONTENT_LENGTH_FIELD_IN_RESPONSE},
    {"Request field invalid", HTTP_EVENT_REQUEST_HEADER_INVALID},
    {"Response field invalid", HTTP_EVENT_RESPONSE_HEADER_INVALID},
    {"Request header name is not a token", HTTP_EVENT_REQUEST_HEADER_INVALID},
    {"Response header name is not a token", HTTP_EVENT_RESPONSE_HEADER_INVALID},
    {"Invalid request field folding", HTTP_EVENT_INVALID_REQUEST_FIELD_FOLDING},
    {"Invalid response field folding", HTTP_EVENT_INVALID_RESPONSE_FIELD_FOLDING},
    {"Request buffer over", HTTP_EVENT_REQUEST_FIELD_TOO_LONG},
    {"Response buffer over", HTTP_EVENT_RESPONSE_FIELD_TOO_LONG},
    {"Request line: URI contains non-compliant delimiter", HTTP_EVENT_URI_DELIM_NON_COMPLIANT},
    {"Request line: non-compliant delimiter between Method and URI",
     HTTP_EVENT_METHOD_DELIM_NON_COMPLIANT},
    {"Request line: leading whitespace", HTTP_EVENT_REQUEST_LINE_LEADING_WHITESPACE},
    {"Request line: missing protocol", HTTP_EVENT_REQUEST_LINE_MISSING_PROTOCOL},
    {"Too many response content encoding layers", HTTP_EVENT_TOO_MANY_ENCODING_LAYERS},
    {"C-E ", HTTP_EVENT_ABNORMAL_CE_HEADER},
    {"Transfer-encoding has abnormal chunked value",
     HTTP_EVENT_RESPONSE_ABNORMAL_TRANSFER_ENCODING},
    {"Chunked transfer-encoding on HTTP/0.9 or HTTP/1.0", HTTP_EVENT_RESPONSE_CHUNKED_OLD_PROTO},
    {"Invalid response line: invalid protocol", HTTP_EVENT_RESPONSE_INVALID_PROTOCOL},
    {"Invalid response line: invalid response status", HTTP_EVENT_RESPONSE_INVALID_STATUS},
    {"Request line incomplete", HTTP_EVENT_REQUEST_LINE_INCOMPLETE},
    {"Unexpected request body", HTTP_EVENT_REQUEST_BODY_UNEXPECTED},
    {"LZMA decompressor: memory limit reached", HTTP_EVENT_LZMA_MEMLIMIT_REACHED},
    {"Compression bomb", HTTP_EVENT_COMPRESSION_BOMB},
    {"Too many request headers", HTTP_EVENT_REQUEST_TOO_MANY_HEADERS},
    {"Too many response headers", HTTP_EVENT_RESPONSE_TOO_MANY_HEADERS},
    {"Switching Protocol with Content-Length", HTTP_EVENT_SWITCHING_PROTO_WITH_CONTENT_LENGTH},
};

static int http_cb_log(htp_log_t *log)
{
    if (!log || !log->msg || !log->connp)
        return HTP_OK;
    struct http_state *st = htp_connp_get_user_data(log->connp);
    if (!st)
        return HTP_OK;
    struct http_tx *tx = http_tx_of(log->tx);
    if (strncmp(log->msg, "Repetition for header", 21) == 0) {
        http_event_set(st, tx,
                       st->cur_dir == 0 ? HTTP_EVENT_REQUEST_HEADER_REPETITION
                                        : HTTP_EVENT_RESPONSE_HEADER_REPETITION);
        return HTP_OK;
    }
    for (size_t i = 0; i < sizeof(http_log_map) / sizeof(http_log_map[0]); i++) {
        size_t n = strlen(http_log_map[i].prefix);
        if (strncmp(log->msg, http_log_map[i].prefix, n) == 0) {
            http_event_set(st, tx, http_log_map[i].ev);
            return HTP_OK;
        }
    }
    return HTP_OK;
}

/* ---------- EVE ---------- */

static void http_key_bstr(struct json_writer *w, const char *key, const bstr *b)
{
    if (b)
        json_key_string_len(w, key, bstr_ptr(b), bstr_len(b));
}

static void http_key_header(struct json_writer *w, const char *key, const htp_table_t *t,
                            const char *name)
{
    const htp_header_t *h = http_header_get(t, name);
    if (h && h->value)
        http_key_bstr(w, key, h->value);
}

static void http_write_headers(struct json_writer *w, const char *key, const htp_table_t *t)
{
    json_key_array_begin(w, key);
    size_t n = t ? htp_table_size(t) : 0;
    for (size_t i = 0; i < n; i++) {
        const htp_header_t *h = htp_table_get_index(t, i, NULL);
        if (!h || !h->name)
            continue;
        json_object_begin(w);
        http_key_bstr(w, "name", h->name);
        if (h->value)
            http_key_bstr(w, "value", h->value);
        else
            json_key_string(w, "value", "");
        json_object_end(w);
    }
    json_array_end(w);
}

/* RFC 9110 token characters. A "method" with anything else ("GET/",
 * "OPTIONSHTTP/1.1", binary) is not one: libhtp still makes a transaction of
 * the line and we keep it (status, buffers), but do not log it as a method
 * (deliberate difference from Suricata, see docs/app-layer.md). */
static bool http_method_is_token(const bstr *m)
{
    if (!m || bstr_len(m) == 0)
        return false;
    const uint8_t *p = bstr_ptr(m);
    for (size_t i = 0; i < bstr_len(m); i++) {
        uint8_t c = p[i];
        if (c <= 32 || c >= 127 || strchr("\"(),/:;<=>?@[\\]{}", c))
            return false;
    }
    return true;
}

/* Writes "http": {...} in Suricata's field order (basic, then extended). */
static void http_write_http(const struct http_tx *tx, struct json_writer *w)
{
    const htp_tx_t *htx = tx->htp;
    const struct app_layer_config *cfg = tx->state->cfg;
    json_key_object_begin(w, "http");
    const bstr *host = htx->request_hostname;
    const htp_header_t *hh = http_header_get(htx->request_headers, "host");
    if (host && memchr(bstr_ptr(host), '/', bstr_len(host)) && hh && hh->value &&
        bstr_len(hh->value)) {
        /* CONNECT with a path as target: libhtp takes "/" as the host; log
         * the Host header's host instead (deliberate difference, see docs). */
        const uint8_t *h = bstr_ptr(hh->value);
        size_t n = bstr_len(hh->value);
        const uint8_t *colon = memchr(h, ':', n);
        if (colon && h[0] != '[')
            n = (size_t)(colon - h);
        json_key_string_len(w, "hostname", h, n);
        host = NULL;
    } else {
        http_key_bstr(w, "hostname", host);
    }
    if (htx->request_port_number >= 0)
        json_key_u64(w, "http_port", (uint64_t)htx->request_port_number);
    http_key_bstr(w, "url", htx->request_uri);
    http_key_header(w, "http_user_agent", htx->request_headers, "user-agent");
    char xff[64];
    if (cfg && cfg->http_xff && cfg->http_xff_header &&
        app_http_tx_xff(&tx->base, cfg->http_xff_header, cfg->http_xff_forward, xff, sizeof xff))
        json_key_string(w, "xff", xff);
    const htp_header_t *ct = http_header_get(htx->response_headers, "content-type");
    if (ct && ct->value) {
        const uint8_t *v = bstr_ptr(ct->value);
        size_t n = bstr_len(ct->value);
        const uint8_t *semi = memchr(v, ';', n);
        if (semi)
            n = (size_t)(semi - v);
        json_key_string_len(w, "http_content_type", v, n);
    }
    const htp_header_t *cr = http_header_get(htx->response_headers, "content-range");
    if (cr && cr->value) {
        json_key_object_begin(w, "content_range");
        http_key_bstr(w, "raw", cr->value);
        /* "bytes START-END/SIZE" */
        char tmp[128];
        size_t n = bstr_len(cr->value) < sizeof(tmp) - 1 ? bstr_len(cr->value) : sizeof(tmp) - 1;
        memcpy(tmp, bstr_ptr(cr->value), n);
        tmp[n] = 0;
        long long s = -1, e = -1, z = -1;
        const char *p = tmp;
        while (*p == ' ')
            p++;
        if (strncasecmp(p, "bytes", 5) == 0) {
            p += 5;
            while (*p == ' ')
                p++;
            if (*p == '*') {
                p++;
            } else if (isdigit((unsigned char)*p)) {
                s = strtoll(p, (char **)&p, 10);
                if (*p == '-' && isdigit((unsigned char)p[1]))
                    e = strtoll(p + 1, (char **)&p, 10);
            }
            if (*p == '/' && isdigit((unsigned char)p[1]))
                z = strtoll(p + 1, NULL, 10);
            if (s >= 0)
                json_key_u64(w, "start", (uint64_t)s);
            if (e >= 0)
                json_key_u64(w, "end", (uint64_t)e);
            if (z >= 0)
                json_key_u64(w, "size", (uint64_t)z);
        }
        json_object_end(w);
    }
    http_key_header(w, "http_refer", htx->request_headers, "referer");
    if (http_method_is_token(htx->request_method))
        http_key_bstr(w, "http_method", htx->request_method);
    http_key_bstr(w, "protocol", htx->request_protocol);
    if (htx->response_status) {
        char tmp[16];
        size_t n = bstr_len(htx->response_status) < 15 ? bstr_len(htx->response_status) : 15;
        memcpy(tmp, bstr_ptr(htx->response_status), n);
        tmp[n] = 0;
        json_key_u64(w, "status", strtoul(tmp, NULL, 10));
        http_key_header(w, "redirect", htx->response_headers, "location");
    }
    json_key_u64(w, "length",
                 htx->response_message_len > 0 ? (uint64_t)htx->response_message_len : 0);
    if (cfg && (cfg->http_dump_headers & 1))
        http_write_headers(w, "request_headers", htx->request_headers);
    if (cfg && (cfg->http_dump_headers & 2))
        http_write_headers(w, "response_headers", htx->response_headers);
    json_object_end(w);
}

static void http_tx_write_json_cb(const void *object, struct json_writer *w)
{
    const struct http_tx *tx = object;
    json_key_u64(w, "tx_id", tx->base.id);
    http_write_http(tx, w);
}

static void http_tx_log(struct http_tx *tx)
{
    if (tx->base.logged || !tx->state->ctx)
        return;
    if (!tx->htp->request_method && !tx->htp->request_line)
        return;
    tx->base.logged = true;
    app_parser_log(tx->state->ctx, "http", 1, http_tx_write_json_cb, tx);
    http_log_files(tx);
}

/* ---------- parser ops ---------- */

static enum app_probe_result http_probe(const uint8_t *data, uint32_t len, uint8_t direction)
{
    static const char *const methods[] = {
        "GET",         "POST",       "HEAD",
        "PUT",         "DELETE",     "OPTIONS",
        "CONNECT",     "TRACE",      "PATCH",
        "PROPFIND",    "PROPPATCH",  "MKCOL",
        "COPY",        "MOVE",       "LOCK",
        "UNLOCK",      "SEARCH",     "CHECKOUT",
        "MERGE",       "REPORT",     "SUBSCRIBE",
        "NOTIFY",      "M-SEARCH",   "MKACTIVITY",
        "CHECKIN",     "UNCHECKOUT", "VERSION-CONTROL",
        "UPDATE",      "LABEL",      "BASELINE-CONTROL",
        "MKWORKSPACE", "ACL",        "POLL",
        "BCOPY",       "BMOVE",      "BDELETE",
        "BPROPFIND",   "BPROPPATCH",
    };
    if (direction == 1) {
        if (len < 5)
            return memcmp(data, "HTTP/", len) == 0 ? APP_PROBE_NEED_MORE : APP_PROBE_NO;
        return memcmp(data, "HTTP/", 5) == 0 ? APP_PROBE_MATCH : APP_PROBE_NO;
    }
    bool maybe = false;
    for (size_t i = 0; i < sizeof(methods) / sizeof(methods[0]); i++) {
        size_t n = strlen(methods[i]);
        if (len > n) {
            if (strncasecmp((const char *)data, methods[i], n) == 0 &&
                (data[n] == ' ' || data[n] == '\t'))
                return APP_PROBE_MATCH;
        } else if (strncasecmp((const char *)data, methods[i], len) == 0) {
            maybe = true;
        }
    }
    return maybe ? APP_PROBE_NEED_MORE : APP_PROBE_NO;
}

static void http_ip_string(const struct ip_address *a, char *out, size_t n)
{
    if (a->family == 4)
        inet_ntop(AF_INET, a->addr.u8 + 12, out, (socklen_t)n);
    else
        inet_ntop(AF_INET6, a->addr.u8, out, (socklen_t)n);
}

static void *http_state_new(struct app_parse_ctx *ctx)
{
    pthread_once(&http_cfg_once, http_cfg_create);
    if (!http_cfg)
        return NULL;
    if (!app_memory_reserve(ctx, sizeof(struct http_state) + 4096))
        return NULL;
    struct http_state *st = calloc(1, sizeof(*st));
    if (!st) {
        app_memory_release(ctx, sizeof(struct http_state) + 4096);
        return NULL;
    }
    st->mem = sizeof(struct http_state) + 4096;
    st->thread = ctx->thread;
    st->cfg = app_parser_config(ctx);
    st->connp = htp_connp_create(http_cfg);
    if (!st->connp) {
        app_memory_release(ctx, st->mem);
        free(st);
        return NULL;
    }
    htp_connp_set_user_data(st->connp, st);
    struct timeval tv = {.tv_sec = (time_t)(ctx->ts_usec / 1000000),
                         .tv_usec = (suseconds_t)(ctx->ts_usec % 1000000)};
    char cs[64] = "", ss[64] = "";
    int cp = 0, sp = 0;
    if (ctx->flow) {
        http_ip_string(&ctx->flow->key.src, cs, sizeof(cs));
        http_ip_string(&ctx->flow->key.dst, ss, sizeof(ss));
        cp = ctx->flow->key.src_port;
        sp = ctx->flow->key.dst_port;
    }
    htp_connp_open(st->connp, cs, cp, ss, sp, &tv);
    return st;
}

static void http_state_free(void *state)
{
    struct http_state *st = state;
    if (!st)
        return;
    st->ctx = NULL;
    struct http_tx *tx = st->head;
    while (tx) {
        struct http_tx *n = tx->next;
        http_tx_free(tx);
        tx = n;
    }
    htp_connp_destroy_all(st->connp);
    http2_upgrade_free(st->h2_upgrade);
    free(st->pending);
    http_release(st, st->mem);
    free(st);
}

/* Frees the transactions that are complete in both directions and logged,
 * oldest first (handles handed to detection are only valid until the next
 * call, so this is done at the start of a call). */
static void http_tx_gc(struct http_state *st)
{
    while (st->head && st->head->req_done && st->head->res_done &&
           app_tx_can_free(&st->head->base)) {
        struct http_tx *tx = st->head;
        if (tx->htp == htp_connp_get_in_tx(st->connp) || tx->htp == htp_connp_get_out_tx(st->connp))
            break;
        st->head = tx->next;
        if (!st->head)
            st->tail = NULL;
        st->live--;
        htp_tx_set_user_data(tx->htp, NULL);
        htp_tx_destroy(tx->htp);
        http_tx_free(tx);
    }
}

static int http_feed(struct http_state *st, uint8_t direction, const uint8_t *data, uint32_t len,
                     struct timeval *tv)
{
    int rc;
    /* Feed big chunks in slices so that a flood of pipelined requests stops
     * soon after max_tx_per_flow (libhtp would create them all). */
    while (len > HTTP_FEED_SLICE) {
        rc = http_feed(st, direction, data, HTTP_FEED_SLICE, tv);
        if (st->feed_off != UINT64_MAX)
            st->feed_off += HTTP_FEED_SLICE;
        if (rc == HTP_STREAM_ERROR || rc == HTP_STREAM_DATA_OTHER || rc == HTP_STREAM_TUNNEL ||
            st->too_many)
            return st->too_many ? HTP_STREAM_ERROR : rc;
        data += HTTP_FEED_SLICE;
        len -= HTTP_FEED_SLICE;
    }
    if (direction == 0) {
        rc = htp_connp_req_data(st->connp, tv, data, len);
        if (rc == HTP_STREAM_DATA_OTHER) {
            size_t used = htp_connp_req_data_consumed(st->connp);
            if (used < len) {
                uint32_t rest = len - (uint32_t)used;
                if (st->pending_len + rest <= HTTP_PENDING_MAX) {
                    uint8_t *np = realloc(st->pending, st->pending_len + rest);
                    if (np) {
                        memcpy(np + st->pending_len, data + used, rest);
                        st->pending = np;
                        st->pending_len += rest;
                    }
                }
            }
        }
    } else {
        rc = htp_connp_res_data(st->connp, tv, data, len);
        if (st->switch_to == APP_PROTO_HTTP2 && st->h2_upgrade && !st->h2_rest) {
            size_t used = htp_connp_res_data_consumed(st->connp);
            st->h2_rest = data + (used < len ? used : len);
        }
    }
    return st->too_many ? HTP_STREAM_ERROR : rc;
}

/* libhtp 0.5 fails the stream on a second "100 Continue" for the same
 * request; servers do send them (Suricata 8 accepts it). When a chunk starts
 * with another complete interim 100 response while the transaction already
 * saw one and waits for its final response line, it is skipped (and
 * 100_CONTINUE_ALREADY_SEEN raised). Returns the bytes to skip. */
static uint32_t http_extra_continue(struct http_state *st, const uint8_t *data, uint32_t len)
{
    htp_tx_t *out = htp_connp_get_out_tx(st->connp);
    if (!out || !out->seen_100continue || out->response_progress > HTP_RESPONSE_LINE)
        return 0;
    if (len < 12 || memcmp(data, "HTTP/1.", 7) != 0 || memcmp(data + 8, " 100", 4) != 0)
        return 0;
    const uint8_t *end = http_memmem(data, len, (const uint8_t *)"\r\n\r\n", 4);
    if (!end)
        return 0;
    http_event_set(st, http_tx_of(out), HTTP_EVENT_100_CONTINUE_ALREADY_SEEN);
    return (uint32_t)(end + 4 - data);
}

static int http_parse(void *state, struct app_parse_ctx *ctx, uint8_t direction,
                      const uint8_t *data, uint32_t len, uint32_t flags)
{
    struct http_state *st = state;
    if (st->gave_up)
        return -1;
    st->ctx = ctx;
    st->cur_dir = direction;
    http_tx_gc(st);
    struct timeval tv = {.tv_sec = (time_t)(ctx->ts_usec / 1000000),
                         .tv_usec = (suseconds_t)(ctx->ts_usec % 1000000)};
    int rc = HTP_STREAM_DATA;
    st->feed_off = UINT64_MAX;
    if (flags & APP_DATA_GAP) {
        /* libhtp accepts a gap inside a body (data NULL): the file gets a
         * hole; a gap anywhere else is a stream error and the flow is given up. */
        st->feed_off = ctx->stream_offset;
        if (len)
            rc = direction == 0 ? htp_connp_req_data(st->connp, &tv, NULL, len)
                                : htp_connp_res_data(st->connp, &tv, NULL, len);
    } else if (len && data) {
        uint32_t skip = direction == 1 ? http_extra_continue(st, data, len) : 0;
        st->feed_off = ctx->stream_offset + skip;
        if (skip < len)
            rc = http_feed(st, direction, data + skip, len - skip, &tv);
    }
    if (st->h2_rest && st->h2_upgrade && !st->h2_upgrade->rest[1] && data &&
        st->h2_rest >= data && st->h2_rest <= data + len) {
        /* the HTTP/2 bytes after the 101, for the HTTP/2 parser */
        size_t n = (size_t)(data + len - st->h2_rest);
        if (n && (st->h2_upgrade->rest[1] = malloc(n)) != NULL) {
            memcpy(st->h2_upgrade->rest[1], st->h2_rest, n);
            st->h2_upgrade->rest_len[1] = n;
        }
    }
    if (st->h2_upgrade && st->pending_len && !st->h2_upgrade->rest[0]) {
        /* client bytes held back while the upgrade was answered */
        st->h2_upgrade->rest[0] = st->pending;
        st->h2_upgrade->rest_len[0] = st->pending_len;
        st->pending = NULL;
        st->pending_len = 0;
    }
    if (direction == 1 && st->pending_len && st->switch_to == 0) {
        /* the CONNECT was answered: give libhtp the held-back request bytes */
        uint8_t *p = st->pending;
        uint32_t n = st->pending_len;
        st->pending = NULL;
        st->pending_len = 0;
        st->cur_dir = 0;
        st->feed_off = UINT64_MAX; /* bytes of an earlier call: no frames */
        http_feed(st, 0, p, n, &tv);
        free(p);
    }
    if (flags & APP_DATA_EOF) {
        if (direction == 0)
            htp_connp_req_close(st->connp, &tv);
        else
            htp_connp_close(st->connp, &tv);
    }
    st->ctx = NULL;
    if (rc == HTP_STREAM_ERROR && st->switch_to == 0) {
        st->gave_up = true;
        return -1;
    }
    return 0;
}

static void http_flow_end(void *state, struct app_parse_ctx *ctx)
{
    struct http_state *st = state;
    st->ctx = ctx;
    for (struct http_tx *tx = st->head; tx; tx = tx->next) {
        const uint8_t *bnd;
        size_t blen;
        if (!tx->req_done && tx->htp && http_is_multipart(tx->htp, &bnd, &blen)) {
            tx->body_limited[0] = true; /* parts cut short are TRUNCATED */
            http_multipart_files(tx, bnd, blen);
            tx->req_done = true;
        }
        for (int d = 0; d < 2; d++)
            http_close_file(tx, d, FILE_STATE_TRUNCATED);
        http_tx_log(tx);
        http_log_files(tx);
    }
    st->ctx = NULL;
}

static int http_tx_foreach(void *state, int (*fn)(struct app_tx *tx, void *user), void *user)
{
    struct http_state *st = state;
    for (struct http_tx *tx = st->head; tx; tx = tx->next) {
        int r = fn(&tx->base, user);
        if (r)
            return r;
    }
    return 0;
}

static bool http_tx_complete(const struct app_tx *atx, uint8_t direction)
{
    const struct http_tx *tx = (const struct http_tx *)atx;
    return direction == 0 ? tx->req_done : tx->res_done;
}

static int http_set(const uint8_t **data, uint32_t *len, const void *p, size_t n)
{
    if (!p && n)
        return -ENOENT;
    *data = p ? p : (const uint8_t *)"";
    *len = (uint32_t)n;
    return 0;
}

static int http_set_bstr(const uint8_t **data, uint32_t *len, const bstr *b)
{
    if (!b)
        return -ENOENT;
    return http_set(data, len, bstr_ptr(b), bstr_len(b));
}

static int http_set_buf(const uint8_t **data, uint32_t *len, const struct http_buf *b, bool need)
{
    if (need && b->len == 0)
        return -ENOENT;
    return http_set(data, len, b->p, b->len);
}

static int http_set_header(const uint8_t **data, uint32_t *len, const htp_table_t *t,
                           const char *name)
{
    const htp_header_t *h = http_header_get(t, name);
    if (!h || !h->value)
        return -ENOENT;
    return http_set_bstr(data, len, h->value);
}

/* One direction's instance `index` of a buffer. */
static int http_tx_get_buffer_dir(const struct http_tx *tx, enum app_buffer buffer, int dir,
                                  uint32_t index, const uint8_t **data, uint32_t *len)
{
    const htp_tx_t *htx = tx->htp;
    const htp_table_t *hdrs = dir ? htx->response_headers : htx->request_headers;
    if (buffer == APP_BUFFER_FILE_DATA) {
        /* file.data: the files of the direction; a response body is always one. */
        uint32_t i = 0;
        for (const struct app_file *f = tx->files; f; f = f->next) {
            if (f->direction != dir)
                continue;
            if (i++ == index)
                return http_set(data, len, f->data, f->data_len);
        }
        if (dir == 1 && i == 0 && index == 0 && tx->body[1].len)
            return http_set_buf(data, len, &tx->body[1], true);
        return -ENOENT;
    }
    if (buffer == APP_BUFFER_FILE_NAME) {
        /* file.name: one instance per file of the direction (an upload's
         * names to the server, a download's to the client). */
        uint32_t i = 0;
        for (const struct app_file *f = tx->files; f; f = f->next)
            if (f->direction == dir && i++ == index)
                return http_set(data, len, f->name, f->name_len);
        return -ENOENT;
    }
    if (buffer == APP_BUFFER_HTTP_REQUEST_HEADER || buffer == APP_BUFFER_HTTP_RESPONSE_HEADER) {
        /* multi-buffer: instance `index` is the index-th header, "Name: value" */
        int d = buffer == APP_BUFFER_HTTP_RESPONSE_HEADER ? 1 : 0;
        if (index >= tx->line_count[d] || !tx->lines[d].p)
            return -ENOENT;
        uint32_t s0 = tx->line_off[d][2 * index], s1 = tx->line_off[d][2 * index + 1];
        return http_set(data, len, tx->lines[d].p + s0, s1 - s0);
    }
    if (index != 0)
        return -ENOENT;
    switch (buffer) {
    case APP_BUFFER_HTTP_URI:
        if (!htx->parsed_uri)
            return -ENOENT;
        return http_set_buf(data, len, &tx->uri_norm, false);
    case APP_BUFFER_HTTP_URI_RAW:
        return http_set_bstr(data, len, htx->request_uri);
    case APP_BUFFER_HTTP_METHOD:
        return http_set_bstr(data, len, htx->request_method);
    case APP_BUFFER_HTTP_PROTOCOL:
        return http_set_bstr(data, len, dir ? htx->response_protocol : htx->request_protocol);
    case APP_BUFFER_HTTP_HOST:
        if (!htx->request_hostname)
            return -ENOENT;
        return http_set_buf(data, len, &tx->host_lower, false);
    case APP_BUFFER_HTTP_HOST_RAW:
        return http_set_buf(data, len, &tx->host_raw, true);
    case APP_BUFFER_HTTP_USER_AGENT:
        return http_set_header(data, len, htx->request_headers, "user-agent");
    case APP_BUFFER_HTTP_HEADER:
        return http_set_buf(data, len, &tx->hdr[dir],
                            !(dir ? htx->response_headers : htx->request_headers));
    case APP_BUFFER_HTTP_HEADER_RAW:
        return http_set_buf(data, len, &tx->hdr_raw[dir], true);
    case APP_BUFFER_HTTP_RESPONSE_HEADER_RAW:
        return http_set_buf(data, len, &tx->hdr_raw[1], true);
    case APP_BUFFER_HTTP_HEADER_NAMES:
        return http_set_buf(data, len, &tx->names[dir], true);
    case APP_BUFFER_HTTP_COOKIE:
        return http_set_header(data, len, hdrs, dir ? "set-cookie" : "cookie");
    case APP_BUFFER_HTTP_REFERER:
        return http_set_header(data, len, htx->request_headers, "referer");
    case APP_BUFFER_HTTP_CONTENT_TYPE:
        return http_set_header(data, len, hdrs, "content-type");
    case APP_BUFFER_HTTP_CONTENT_LEN:
        return http_set_header(data, len, hdrs, "content-length");
    case APP_BUFFER_HTTP_ACCEPT:
        return http_set_header(data, len, htx->request_headers, "accept");
    case APP_BUFFER_HTTP_ACCEPT_ENC:
        return http_set_header(data, len, htx->request_headers, "accept-encoding");
    case APP_BUFFER_HTTP_ACCEPT_LANG:
        return http_set_header(data, len, htx->request_headers, "accept-language");
    case APP_BUFFER_HTTP_CONNECTION:
        return http_set_header(data, len, hdrs, "connection");
    case APP_BUFFER_HTTP_REQUEST_LINE:
        return http_set_bstr(data, len, htx->request_line);
    case APP_BUFFER_HTTP_START:
        if (!(dir ? htx->response_line : htx->request_line))
            return -ENOENT;
        return http_set_buf(data, len, &tx->start[dir], true);
    case APP_BUFFER_HTTP_REQUEST_BODY:
        return http_set_buf(data, len, &tx->body[0], true);
    case APP_BUFFER_HTTP_RESPONSE_BODY:
        return http_set_buf(data, len, &tx->body[1], true);
    case APP_BUFFER_HTTP_STAT_CODE:
        if (!tx->stat_code[0])
            return -ENOENT;
        return http_set(data, len, tx->stat_code, strlen(tx->stat_code));
    case APP_BUFFER_HTTP_STAT_MSG:
        return http_set_bstr(data, len, htx->response_message);
    case APP_BUFFER_HTTP_RESPONSE_LINE:
        return http_set_bstr(data, len, htx->response_line);
    case APP_BUFFER_HTTP_SERVER:
        return http_set_header(data, len, htx->response_headers, "server");
    case APP_BUFFER_HTTP_LOCATION:
        return http_set_header(data, len, htx->response_headers, "location");
    default:
        return -ENOENT;
    }
}

/* The index selects the direction with APP_BUFFER_INDEX_TOSERVER or
 * APP_BUFFER_INDEX_TOCLIENT; with neither, a two-sided buffer lists the
 * request instances first, then the response ones. */
static int http_get_dir_tx(const struct app_tx *atx, enum app_buffer buffer, int dir,
                           uint32_t index, const uint8_t **data, uint32_t *len)
{
    return http_tx_get_buffer_dir((const struct http_tx *)atx, buffer, dir, index, data, len);
}

static int http_tx_get_buffer(const struct app_tx *atx, enum app_buffer buffer, uint32_t index,
                              const uint8_t **data, uint32_t *len)
{
    return app_buffer_get_sided(atx, buffer, index, app_buffer_http_two_sided(buffer),
                                http_get_dir_tx, data, len);
}

/* Per-side access (app_tx_get_buffer_dir): the given side of a two-sided
 * buffer; one-sided buffers fall back to http_tx_get_buffer. */
static int http_tx_get_buffer_side(const struct app_tx *atx, enum app_buffer buffer,
                                   uint8_t direction, uint32_t index, const uint8_t **data,
                                   uint32_t *len)
{
    if (!app_buffer_http_two_sided(buffer))
        return -EAGAIN;
    index &= ~(APP_BUFFER_INDEX_TOCLIENT | APP_BUFFER_INDEX_TOSERVER);
    return http_tx_get_buffer_dir((const struct http_tx *)atx, buffer, direction ? 1 : 0, index,
                                  data, len);
}

static void http_tx_write_json(const struct app_tx *atx, struct json_writer *w)
{
    http_write_http((const struct http_tx *)atx, w);
}

static uint16_t http_switch_proto(void *state)
{
    struct http_state *st = state;
    return st->switch_to;
}

static void *http_switch_data(void *state, void (**data_free)(void *data))
{
    struct http_state *st = state;
    if (st->switch_to != APP_PROTO_HTTP2 || !st->h2_upgrade)
        return NULL;
    struct http2_upgrade *u = st->h2_upgrade;
    st->h2_upgrade = NULL;
    *data_free = http2_upgrade_free;
    return u;
}

/* Suricata's HTTP events this parser does not raise. */
static const char *const http_event_names_unsupported[] = {
    "compression_bomb_limit_reached", "failed_protocol_change", "multipart_generic_error",
    "multipart_invalid_header", "multipart_no_filedata", "range_invalid",
    "request_chunk_extension", "request_header_host_invalid", "request_uri_host_invalid",
    "response_chunk_extension", NULL};

static bool http_tx_has_event(const struct app_tx *atx, const char *event_name)
{
    const struct http_tx *tx = (const struct http_tx *)atx;
    for (int i = 0; i < HTTP_EVENT_MAX; i++)
        if ((tx->events & (1ull << i)) && strcasecmp(http_event_names[i], event_name) == 0)
            return true;
    return false;
}

static struct app_file *http_tx_files(const struct app_tx *atx)
{
    return ((const struct http_tx *)atx)->files;
}

const struct app_parser app_parser_http = {
    .tx_files = http_tx_files,
    .proto = APP_PROTO_HTTP,
    .name = "http",
    .ipprotos = APP_IPPROTO_TCP,
    .ports = {80, 8080, 8000, 8081, 3128, 0},
    .probe = http_probe,
    .frame_names = http_frame_names,
    .state_new = http_state_new,
    .state_free = http_state_free,
    .parse = http_parse,
    .flow_end = http_flow_end,
    .tx_foreach = http_tx_foreach,
    .tx_complete = http_tx_complete,
    .tx_get_buffer = http_tx_get_buffer,
    .tx_write_json = http_tx_write_json,
    .switch_proto = http_switch_proto,
    .switch_data = http_switch_data,
    .tx_has_event = http_tx_has_event,
    .event_names = http_event_names,
    .event_names_unsupported = http_event_names_unsupported,
    .tx_get_buffer_dir = http_tx_get_buffer_side,
};
