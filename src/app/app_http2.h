/* SPDX-License-Identifier: Apache-2.0 */
/* HTTP/2 (app_http2.c): what other parts of vigil need of it. Not for use
 * outside src/app/ and src/detect/detect_kw_http2.c. */
#ifndef VIGIL_APP_HTTP2_H
#define VIGIL_APP_HTTP2_H

#include <stddef.h>
#include <stdint.h>

struct app_tx;

/* The HTTP/1 request that asked for "Upgrade: h2c" and was answered with
 * 101 (app_http.c builds it, the HTTP/2 parser's state_new takes it through
 * ctx->expectation_data): the request becomes stream 1's request headers,
 * its HTTP2-Settings header the client's first settings, and the bytes that
 * followed the 101 in the same chunk are parsed as HTTP/2 at once. */
struct http2_upgrade {
    uint8_t *method, *uri;
    size_t method_len, uri_len;
    uint32_t n_headers;
    uint8_t **names, **values;
    size_t *name_lens, *value_lens;
    uint8_t *rest[2]; /* per direction (0 to server): bytes after the upgrade */
    size_t rest_len[2];
};
void http2_upgrade_free(void *upgrade);

/* The integer fields of Suricata's http2.* keywords, per direction of a
 * transaction (0 to server), in frame order. */
enum http2_field {
    HTTP2_FIELD_FRAMETYPE = 0,
    HTTP2_FIELD_ERRORCODE,
    HTTP2_FIELD_PRIORITY,
    HTTP2_FIELD_WINDOW,
    HTTP2_FIELD_SIZE_UPDATE,
    HTTP2_FIELD_MAX
};
/* Writes up to max values, returns how many there are (may exceed max). */
uint32_t http2_tx_field_values(const struct app_tx *tx, enum http2_field field, uint8_t direction,
                               uint64_t *values, uint32_t max);
/* Setting `index` (in order) of the direction's SETTINGS frames: 0 and
 * *id, *value, or -1 past the last. */
int http2_tx_setting(const struct app_tx *tx, uint8_t direction, uint32_t index, uint16_t *id,
                     uint32_t *value);
/* Whether tx is an HTTP/2 transaction. */
int http2_tx_is_http2(const struct app_tx *tx);

#endif
