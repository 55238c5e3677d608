/* SPDX-License-Identifier: Apache-2.0 */
/* HTTP/2 outputs (the parser is app_http2.c): the http.* buffers Suricata
 * maps onto an HTTP/2 stream and http2.header(_name), the values of the
 * http2.* integer keywords (detect_kw_http2.c), app-layer events, and the
 * EVE "http" object of a stream (version "2", request/response headers,
 * the http2 object with settings, error code, priority) as Suricata's http2
 * logger writes it. */
#include <errno.h>
#include <stdio.h>
#include <strings.h>

#include "app/app_http2_int.h"
#include "app/file.h"
#include "util/json.h"

/* ---------- detection buffers ---------- */

static int h2_set(const uint8_t **data, uint32_t *len, const void *p, size_t n)
{
    *data = p ? p : (const uint8_t *)"";
    *len = (uint32_t)n;
    return 0;
}

static int h2_set_header(const struct h2_side *s, const char *name, const uint8_t **data,
                         uint32_t *len)
{
    const struct h2_header *h = h2_find(s, name);
    if (!h)
        return -ENOENT;
    return h2_set(data, len, h2_hvalue(s, h), h->value_len);
}

static int h2_host_norm(const struct h2_tx *tx, const uint8_t **data, uint32_t *len)
{
    const struct h2_side *s = &tx->side[0];
    if (!h2_find(s, ":authority") && !h2_find(s, "host"))
        return -ENOENT;
    return h2_set(data, len, s->host_norm.p, s->host_norm.len);
}

static int h2_get_dir(const struct h2_tx *tx, enum app_buffer buffer, int dir, uint32_t index,
                      const uint8_t **data, uint32_t *len)
{
    const struct h2_side *s = &tx->side[dir];
    const struct h2_side *rq = &tx->side[0], *rs = &tx->side[1];
    if (tx->global)
        return -ENOENT; /* a connection frame: no request, no response */
    switch (buffer) {
    case APP_BUFFER_HTTP_REQUEST_HEADER:
    case APP_BUFFER_HTTP_RESPONSE_HEADER:
    case APP_BUFFER_HTTP2_HEADER: {
        const struct h2_side *x = buffer == APP_BUFFER_HTTP_REQUEST_HEADER    ? rq
                                  : buffer == APP_BUFFER_HTTP_RESPONSE_HEADER ? rs
                                                                              : s;
        if (!x->line_offs || index >= h2_line_count(x))
            return -ENOENT;
        return h2_set(data, len, x->lines.p + x->line_offs[index],
                      (x->line_offs[index + 1] - x->line_offs[index]));
    }
    case APP_BUFFER_HTTP2_HEADER_NAME: {
        uint32_t k = 0;
        for (uint32_t i = 0; i < s->n_hdrs; i++) {
            const struct h2_header *h = &s->hdrs[i];
            if (h->kind == H2_HDR_OK && k++ == index)
                return h2_set(data, len, h2_hname(s, h), h->name_len);
        }
        return -ENOENT;
    }
    default:
        break;
    }
    if (index != 0 && buffer != APP_BUFFER_FILE_DATA && buffer != APP_BUFFER_FILE_NAME)
        return -ENOENT;
    switch (buffer) {
    case APP_BUFFER_HTTP_URI:
    case APP_BUFFER_HTTP_URI_RAW:
        return h2_set_header(rq, ":path", data, len);
    case APP_BUFFER_HTTP_METHOD:
        return h2_set_header(rq, ":method", data, len);
    case APP_BUFFER_HTTP_PROTOCOL:
        return h2_set(data, len, "HTTP/2", 6);
    case APP_BUFFER_HTTP_HOST:
        return h2_host_norm(tx, data, len);
    case APP_BUFFER_HTTP_HOST_RAW:
        if (h2_set_header(rq, ":authority", data, len) == 0)
            return 0;
        return h2_set_header(rq, "host", data, len);
    case APP_BUFFER_HTTP_USER_AGENT:
        return h2_set_header(rq, "user-agent", data, len);
    case APP_BUFFER_HTTP_HEADER:
    case APP_BUFFER_HTTP_HEADER_RAW:
        if (!s->n_hdrs)
            return -ENOENT;
        return h2_set(data, len, s->header.p, s->header.len);
    case APP_BUFFER_HTTP_HEADER_NAMES:
        if (!s->n_hdrs)
            return -ENOENT;
        return h2_set(data, len, s->names.p, s->names.len);
    case APP_BUFFER_HTTP_COOKIE:
        if (!h2_find(s, "cookie"))
            return -ENOENT;
        return h2_set(data, len, s->cookie.p, s->cookie.len);
    case APP_BUFFER_HTTP_REFERER:
        return h2_set_header(rq, "referer", data, len);
    case APP_BUFFER_HTTP_CONTENT_TYPE:
        return h2_set_header(s, "content-type", data, len);
    case APP_BUFFER_HTTP_CONTENT_LEN:
        return h2_set_header(s, "content-length", data, len);
    case APP_BUFFER_HTTP_ACCEPT:
        return h2_set_header(rq, "accept", data, len);
    case APP_BUFFER_HTTP_ACCEPT_ENC:
        return h2_set_header(rq, "accept-encoding", data, len);
    case APP_BUFFER_HTTP_ACCEPT_LANG:
        return h2_set_header(rq, "accept-language", data, len);
    case APP_BUFFER_HTTP_CONNECTION:
        return h2_set_header(s, "connection", data, len);
    case APP_BUFFER_HTTP_SERVER:
        return h2_set_header(rs, "server", data, len);
    case APP_BUFFER_HTTP_LOCATION:
        return h2_set_header(rs, "location", data, len);
    case APP_BUFFER_HTTP_STAT_CODE:
        return h2_set_header(rs, ":status", data, len);
    case APP_BUFFER_HTTP_STAT_MSG:
        /* HTTP/2 has no reason phrase: present and empty once answered */
        if (!h2_find(rs, ":status"))
            return -ENOENT;
        return h2_set(data, len, "", 0);
    case APP_BUFFER_HTTP_REQUEST_LINE:
        if (!rq->start.len)
            return -ENOENT;
        return h2_set(data, len, rq->start.p, rq->start.len);
    case APP_BUFFER_HTTP_RESPONSE_LINE:
        if (!rs->start.len)
            return -ENOENT;
        return h2_set(data, len, rs->start.p, rs->start.len);
    case APP_BUFFER_HTTP_START:
        if (!s->start.len)
            return -ENOENT;
        return h2_set(data, len, s->start.p, s->start.len);
    case APP_BUFFER_HTTP_REQUEST_BODY:
        if (!rq->body.len)
            return -ENOENT;
        return h2_set(data, len, rq->body.p, rq->body.len);
    case APP_BUFFER_HTTP_RESPONSE_BODY:
        if (!rs->body.len)
            return -ENOENT;
        return h2_set(data, len, rs->body.p, rs->body.len);
    case APP_BUFFER_FILE_DATA: {
        uint32_t i = 0;
        for (const struct app_file *f = tx->files; f; f = f->next) {
            if (f->direction != dir)
                continue;
            if (i++ == index)
                return h2_set(data, len, f->data, f->data_len);
        }
        return -ENOENT;
    }
    case APP_BUFFER_FILE_NAME: {
        uint32_t i = 0;
        for (const struct app_file *f = tx->files; f; f = f->next)
            if (f->direction == dir && i++ == index)
                return h2_set(data, len, f->name, f->name_len);
        return -ENOENT;
    }
    default:
        return -ENOENT;
    }
}

static int h2_get_dir_tx(const struct app_tx *atx, enum app_buffer buffer, int dir, uint32_t index,
                         const uint8_t **data, uint32_t *len)
{
    return h2_get_dir((const struct h2_tx *)atx, buffer, dir, index, data, len);
}

int h2_tx_get_buffer(const struct app_tx *atx, enum app_buffer buffer, uint32_t index,
                     const uint8_t **data, uint32_t *len)
{
    return app_buffer_get_sided(atx, buffer, index, app_buffer_http_two_sided(buffer),
                                h2_get_dir_tx, data, len);
}

int h2_tx_get_buffer_side(const struct app_tx *atx, enum app_buffer buffer, uint8_t direction,
                          uint32_t index, const uint8_t **data, uint32_t *len)
{
    if (!app_buffer_http_two_sided(buffer))
        return -EAGAIN;
    index &= ~(APP_BUFFER_INDEX_TOCLIENT | APP_BUFFER_INDEX_TOSERVER);
    return h2_get_dir((const struct h2_tx *)atx, buffer, direction ? 1 : 0, index, data, len);
}

/* ---------- keywords ---------- */

int http2_tx_is_http2(const struct app_tx *tx)
{
    return tx && tx->parser == &app_parser_http2;
}

uint32_t http2_tx_field_values(const struct app_tx *atx, enum http2_field field, uint8_t direction,
                               uint64_t *values, uint32_t max)
{
    if (!http2_tx_is_http2(atx) || field >= HTTP2_FIELD_MAX)
        return 0;
    const struct h2_tx *tx = (const struct h2_tx *)atx;
    const struct h2_vals *v = &tx->side[direction ? 1 : 0].vals[field];
    for (uint32_t i = 0; i < v->n && i < max; i++)
        values[i] = v->v[i];
    return v->n;
}

int http2_tx_setting(const struct app_tx *atx, uint8_t direction, uint32_t index, uint16_t *id,
                     uint32_t *value)
{
    if (!http2_tx_is_http2(atx))
        return -1;
    const struct h2_tx *tx = (const struct h2_tx *)atx;
    const struct h2_side *s = &tx->side[direction ? 1 : 0];
    if (index >= s->n_settings)
        return -1;
    *id = s->settings[index].id;
    *value = s->settings[index].value;
    return 0;
}

bool h2_tx_has_event(const struct app_tx *atx, const char *event_name)
{
    const struct h2_tx *tx = (const struct h2_tx *)atx;
    for (int i = 0; i < H2_EV_MAX; i++)
        if ((tx->events & (1ull << i)) && strcasecmp(h2_event_names[i], event_name) == 0)
            return true;
    return false;
}

/* ---------- EVE ---------- */

static const char *const h2_settings_names[] = {
    NULL,
    "SETTINGSHEADERTABLESIZE",
    "SETTINGSENABLEPUSH",
    "SETTINGSMAXCONCURRENTSTREAMS",
    "SETTINGSINITIALWINDOWSIZE",
    "SETTINGSMAXFRAMESIZE",
    "SETTINGSMAXHEADERLISTSIZE",
    NULL,
    "SETTINGSENABLECONNECTPROTOCOL",
};

static const char *const h2_error_names[] = {
    "NOERROR",      "PROTOCOLERROR",   "INTERNALERROR",      "FLOWCONTROLERROR", "SETTINGSTIMEOUT",
    "STREAMCLOSED", "FRAMESIZEERROR",  "REFUSEDSTREAM",      "CANCEL",           "COMPRESSIONERROR",
    "CONNECTERROR", "ENHANCEYOURCALM", "INADEQUATESECURITY", "HTTP11REQUIRED",
};

static void h2_write_headers(const struct h2_side *s, struct json_writer *w, const char *key)
{
    if (!s->n_hdrs)
        return;
    json_key_array_begin(w, key);
    for (uint32_t i = 0; i < s->n_hdrs; i++) {
        const struct h2_header *h = &s->hdrs[i];
        json_object_begin(w);
        if (h->kind == H2_HDR_OK) {
            json_key_string_from_bytes(w, "name", h2_hname(s, h), h->name_len);
            json_key_string_from_bytes(w, "value", h2_hvalue(s, h), h->value_len);
        } else if (h->kind == H2_HDR_SIZE_UPDATE) {
            json_key_u64(w, "table_size_update", h->size_update);
        } else {
            json_key_string(w, "error", "HTTP2HeaderDecodeIntegerOverflow");
        }
        json_object_end(w);
    }
    json_array_end(w);
}

static void h2_write_side(const struct h2_side *s, struct json_writer *w)
{
    if (s->n_settings) {
        json_key_array_begin(w, "settings");
        for (uint32_t i = 0; i < s->n_settings; i++) {
            json_object_begin(w);
            uint16_t id = s->settings[i].id;
            if (id < sizeof(h2_settings_names) / sizeof(h2_settings_names[0]) &&
                h2_settings_names[id]) {
                json_key_string(w, "settings_id", h2_settings_names[id]);
            } else {
                char b[24];
                snprintf(b, sizeof b, "SETTINGS%u", id);
                json_key_string(w, "settings_id", b);
            }
            json_key_u64(w, "settings_value", s->settings[i].value);
            json_object_end(w);
        }
        json_array_end(w);
    }
    if (s->has_error_code) {
        if (s->error_code < sizeof(h2_error_names) / sizeof(h2_error_names[0])) {
            json_key_string(w, "error_code", h2_error_names[s->error_code]);
        } else {
            char b[16];
            snprintf(b, sizeof b, "%u", s->error_code);
            json_key_string(w, "error_code", b);
        }
    }
    if (s->has_priority)
        json_key_u64(w, "priority", s->priority);
    if (s->has_multiple)
        json_key_string(w, "has_multiple", s->has_multiple);
}

static bool h2_side_has_json(const struct h2_side *s)
{
    return s->n_settings || s->has_error_code || s->has_priority || s->has_multiple;
}

static void h2_key_header(struct json_writer *w, const char *key, const struct h2_side *s,
                          const char *name)
{
    const struct h2_header *h = h2_find(s, name);
    if (h)
        json_key_string_from_bytes(w, key, h2_hvalue(s, h), h->value_len);
}

static void h2_key_uint_header(struct json_writer *w, const char *key, const struct h2_side *s,
                               const char *name)
{
    const struct h2_header *h = h2_find(s, name);
    if (!h || !h->value_len || h->value_len > 19)
        return;
    uint64_t v = 0;
    const uint8_t *p = h2_hvalue(s, h);
    for (uint32_t i = 0; i < h->value_len; i++) {
        if (p[i] < '0' || p[i] > '9')
            return;
        v = v * 10 + (uint64_t)(p[i] - '0');
    }
    json_key_u64(w, key, v);
}

void h2_write_http(const struct h2_tx *tx, struct json_writer *w)
{
    const struct h2_side *rq = &tx->side[0], *rs = &tx->side[1];
    json_key_object_begin(w, "http");
    h2_key_header(w, "hostname", rq, ":authority");
    h2_key_header(w, "url", rq, ":path");
    h2_key_header(w, "http_user_agent", rq, "user-agent");
    h2_key_header(w, "http_refer", rq, "referer");
    h2_key_header(w, "http_method", rq, ":method");
    h2_key_uint_header(w, "status", rs, ":status");
    h2_key_uint_header(w, "length", rs, "content-length");
    json_key_string(w, "version", "2");
    h2_write_headers(rq, w, "request_headers");
    h2_write_headers(rs, w, "response_headers");
    json_key_object_begin(w, "http2");
    json_key_u64(w, "stream_id", tx->stream_id);
    /* an empty side is left out (Suricata's schema: at least one member) */
    if (h2_side_has_json(rq)) {
        json_key_object_begin(w, "request");
        h2_write_side(rq, w);
        json_object_end(w);
    }
    if (h2_side_has_json(rs)) {
        json_key_object_begin(w, "response");
        h2_write_side(rs, w);
        json_object_end(w);
    }
    json_object_end(w);
    json_object_end(w);
}

void h2_tx_write_json(const struct app_tx *atx, struct json_writer *w)
{
    h2_write_http((const struct h2_tx *)atx, w);
}
