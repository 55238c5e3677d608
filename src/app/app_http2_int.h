/* SPDX-License-Identifier: Apache-2.0 */
/* HTTP/2 internals shared by the parser (app_http2.c) and its outputs
 * (app_http2_out.c: detection buffers, keyword values, EVE). Not for use
 * outside these two files. */
#ifndef VIGIL_APP_HTTP2_INT_H
#define VIGIL_APP_HTTP2_INT_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <zlib.h>

#include "app/app_http2.h"
#include "app/app_parser.h"

struct json_writer;

/* App-layer events (Suricata's http2 events). */
#define H2_EVENT_LIST(X)                                                                           \
    X(INVALID_FRAME_HEADER, "invalid_frame_header")                                                \
    X(INVALID_CLIENT_MAGIC, "invalid_client_magic")                                                \
    X(INVALID_HEADER, "invalid_header")                                                            \
    X(INVALID_FRAME_LENGTH, "invalid_frame_length")                                                \
    X(LONG_FRAME_DATA, "long_frame_data")                                                          \
    X(STREAM_ID_REUSE, "stream_id_reuse")                                                          \
    X(INVALID_HTTP1_SETTINGS, "invalid_http1_settings")                                            \
    X(FAILED_DECOMPRESSION, "failed_decompression")                                                \
    X(TOO_MANY_STREAMS, "too_many_streams")                                                        \
    X(AUTHORITY_HOST_MISMATCH, "authority_host_mismatch")                                          \
    X(USERINFO_IN_URI, "userinfo_in_uri")                                                          \
    X(DATA_STREAM_ZERO, "data_stream_zero")

enum h2_event {
#define H2_EV_ENUM(id, name) H2_EV_##id,
    H2_EVENT_LIST(H2_EV_ENUM)
#undef H2_EV_ENUM
        H2_EV_MAX
};
extern const char *const h2_event_names[H2_EV_MAX + 1];

struct h2_buf {
    uint8_t *p;
    uint32_t len, cap;
};

struct h2_vals {
    uint32_t *v;
    uint32_t n, cap;
};

enum { H2_HDR_OK = 0, H2_HDR_SIZE_UPDATE, H2_HDR_ERROR };

struct h2_header {
    uint32_t name_off, name_len, value_off, value_len; /* in side.hstore */
    uint32_t size_update;
    uint8_t kind;
};

struct h2_setting {
    uint16_t id;
    uint32_t value;
};

struct h2_side {
    struct h2_header *hdrs;
    uint32_t n_hdrs, cap_hdrs;
    struct h2_buf hstore; /* header names and values */
    struct h2_setting *settings;
    uint32_t n_settings;
    struct h2_vals vals[HTTP2_FIELD_MAX];
    bool has_error_code, has_priority;
    uint32_t error_code;
    uint32_t priority;
    const char *has_multiple;
    /* detection buffers, rebuilt after each header block */
    struct h2_buf header, names, lines, start, host_norm;
    struct h2_buf cookie; /* the cookie fields joined with "; " (RFC 9113 8.2.3) */
    uint32_t *line_offs;  /* n_hdrs + 1 offsets into lines */
    struct h2_buf body;   /* http.request_body / http.response_body (decoded) */
    bool end;
    bool hdr_error;
    /* content decoding of the body */
    int encoding; /* 0 none, 1 gzip/deflate (zlib), 2 br (brotli) */
    struct BrotliDecoderStateStruct *br;
    bool z_init, z_failed, z_raw_tried;
    z_stream z;
    struct app_file *file;
};

struct h2_state;

struct h2_tx {
    struct app_tx base;
    struct h2_tx *next;
    struct h2_state *st;
    uint32_t stream_id;
    bool global;
    struct h2_side side[2];
    struct app_file *files;
    uint64_t events;
    bool done[2];
};

/* ---------- header access ---------- */

/* (The store is empty, NULL, while only size updates or errors were seen.) */
static inline const uint8_t *h2_hname(const struct h2_side *s, const struct h2_header *h)
{
    return s->hstore.p ? s->hstore.p + h->name_off : (const uint8_t *)"";
}
static inline const uint8_t *h2_hvalue(const struct h2_side *s, const struct h2_header *h)
{
    return s->hstore.p ? s->hstore.p + h->value_off : (const uint8_t *)"";
}

/* The last header of that name in the side, or NULL. HTTP/2 header names
 * are lower case (RFC 9113 8.2.1): the name is compared as is, as Suricata
 * does (an upgraded HTTP/1 request's "User-Agent" is not "user-agent"). */
static inline const struct h2_header *h2_find(const struct h2_side *s, const char *name)
{
    size_t n = strlen(name);
    const struct h2_header *found = NULL;
    for (uint32_t i = 0; i < s->n_hdrs; i++) {
        const struct h2_header *h = &s->hdrs[i];
        if (h->kind == H2_HDR_OK && h->name_len == n && memcmp(h2_hname(s, h), name, n) == 0)
            found = h;
    }
    return found;
}

static inline uint32_t h2_line_count(const struct h2_side *s)
{
    uint32_t n = 0;
    for (uint32_t i = 0; i < s->n_hdrs; i++)
        n += s->hdrs[i].kind == H2_HDR_OK;
    return n;
}

/* app_http2_out.c */
void h2_write_http(const struct h2_tx *tx, struct json_writer *w);
void h2_tx_write_json(const struct app_tx *atx, struct json_writer *w);
int h2_tx_get_buffer(const struct app_tx *atx, enum app_buffer buffer, uint32_t index,
                     const uint8_t **data, uint32_t *len);
int h2_tx_get_buffer_side(const struct app_tx *atx, enum app_buffer buffer, uint8_t direction,
                          uint32_t index, const uint8_t **data, uint32_t *len);
bool h2_tx_has_event(const struct app_tx *atx, const char *event_name);

#endif
