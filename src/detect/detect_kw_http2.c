/* SPDX-License-Identifier: Apache-2.0 */
/* Suricata's http2.* keywords (rules/http2-keywords); the sticky buffers
 * http2.header and http2.header_name are buffers of detect_buffer.c. Each
 * looks at the frames of the inspected direction of a transaction (a
 * stream, or one stream-0 frame):
 *   http2.frametype    multi-integer over frame types (names DATA, ...)
 *   http2.errorcode    multi-integer over RST_STREAM/GOAWAY error codes
 *   http2.priority     multi-integer over PRIORITY / HEADERS weights
 *   http2.window       multi-integer over WINDOW_UPDATE increments
 *   http2.size_update  multi-integer over HPACK dynamic table size updates
 *   http2.settings     SETTINGS_<NAME> [integer]: a setting of that id (with
 *                      a value matching the integer, when given) */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "app/app_http2.h"
#include "detect/detect_buffer.h"
#include "detect/detect_tx_kw.h"
#include "detect/rule.h"

/* Both spellings Suricata has accepted over its versions. */
static const struct detect_uint_name frametype_names[] = {
    {"DATA", 0},         {"HEADERS", 1},  {"PRIORITY", 2},      {"RST_STREAM", 3},
    {"RSTSTREAM", 3},    {"SETTINGS", 4}, {"PUSH_PROMISE", 5},  {"PUSHPROMISE", 5},
    {"PING", 6},         {"GOAWAY", 7},   {"WINDOW_UPDATE", 8}, {"WINDOWUPDATE", 8},
    {"CONTINUATION", 9}, {NULL, 0}};
static const struct detect_uint_name errorcode_names[] = {{"NO_ERROR", 0},
                                                          {"NOERROR", 0},
                                                          {"PROTOCOL_ERROR", 1},
                                                          {"PROTOCOLERROR", 1},
                                                          {"INTERNAL_ERROR", 2},
                                                          {"INTERNALERROR", 2},
                                                          {"FLOW_CONTROL_ERROR", 3},
                                                          {"FLOWCONTROLERROR", 3},
                                                          {"SETTINGS_TIMEOUT", 4},
                                                          {"SETTINGSTIMEOUT", 4},
                                                          {"STREAM_CLOSED", 5},
                                                          {"STREAMCLOSED", 5},
                                                          {"FRAME_SIZE_ERROR", 6},
                                                          {"FRAMESIZEERROR", 6},
                                                          {"REFUSED_STREAM", 7},
                                                          {"REFUSEDSTREAM", 7},
                                                          {"CANCEL", 8},
                                                          {"COMPRESSION_ERROR", 9},
                                                          {"COMPRESSIONERROR", 9},
                                                          {"CONNECT_ERROR", 10},
                                                          {"CONNECTERROR", 10},
                                                          {"ENHANCE_YOUR_CALM", 11},
                                                          {"ENHANCEYOURCALM", 11},
                                                          {"INADEQUATE_SECURITY", 12},
                                                          {"INADEQUATESECURITY", 12},
                                                          {"HTTP_1_1_REQUIRED", 13},
                                                          {"HTTP11_REQUIRED", 13},
                                                          {"HTTP11REQUIRED", 13},
                                                          {NULL, 0}};

static const struct detect_uint_spec spec_frametype = {.max = 0xff,
                                                       .names = frametype_names,
                                                       .names_kind = DETECT_UINT_NAMES_ENUM,
                                                       .names_nocase = true};
static const struct detect_uint_spec spec_errorcode = {.max = 0xffffffffu,
                                                       .names = errorcode_names,
                                                       .names_kind = DETECT_UINT_NAMES_ENUM,
                                                       .names_nocase = true};
static const struct detect_uint_spec spec_u8 = {.max = 0xff};
static const struct detect_uint_spec spec_window = {.max = 0x7fffffffu};
static const struct detect_uint_spec spec_u32 = {.max = 0xffffffffu};
static const struct detect_uint_spec spec_u64 = {.max = UINT64_MAX};

#define GETTER(fn, field)                                                                          \
    static uint32_t fn(const struct app_tx *tx, uint8_t dir, uint64_t *v, uint32_t max)            \
    {                                                                                              \
        return http2_tx_field_values(tx, field, dir, v, max);                                      \
    }
GETTER(get_frametype, HTTP2_FIELD_FRAMETYPE)
GETTER(get_errorcode, HTTP2_FIELD_ERRORCODE)
GETTER(get_priority, HTTP2_FIELD_PRIORITY)
GETTER(get_window, HTTP2_FIELD_WINDOW)
GETTER(get_size_update, HTTP2_FIELD_SIZE_UPDATE)
#undef GETTER

static const struct {
    const char *name;
    uint16_t id;
} settings_ids[] = {
    {"SETTINGS_HEADER_TABLE_SIZE", 1},       {"SETTINGS_ENABLE_PUSH", 2},
    {"SETTINGS_MAX_CONCURRENT_STREAMS", 3},  {"SETTINGS_INITIAL_WINDOW_SIZE", 4},
    {"SETTINGS_MAX_FRAME_SIZE", 5},          {"SETTINGS_MAX_HEADER_LIST_SIZE", 6},
    {"SETTINGS_ENABLE_CONNECT_PROTOCOL", 8},
};

struct settings_cond {
    uint16_t id;
    bool has_value;
    struct detect_uint value;
};

static int settings_parse(const char *value, void **data, char *err, size_t errlen)
{
    if (!value) {
        snprintf(err, errlen, "http2.settings needs a setting name");
        return -EINVAL;
    }
    while (isspace((unsigned char)*value))
        value++;
    size_t n = 0;
    while (isalnum((unsigned char)value[n]) || value[n] == '_')
        n++;
    struct settings_cond *c = calloc(1, sizeof(*c));
    if (!c)
        return -ENOMEM;
    bool found = false;
    for (size_t i = 0; i < sizeof(settings_ids) / sizeof(settings_ids[0]); i++) {
        if (strlen(settings_ids[i].name) == n && strncasecmp(settings_ids[i].name, value, n) == 0) {
            c->id = settings_ids[i].id;
            found = true;
        }
    }
    if (!found) {
        snprintf(err, errlen, "http2.settings: unknown setting '%.*s'", (int)(n < 64 ? n : 64),
                 value);
        free(c);
        return -EINVAL;
    }
    const char *rest = value + n;
    while (isspace((unsigned char)*rest))
        rest++;
    if (*rest) {
        if (detect_uint_parse_ex(rest, &spec_u32, &c->value, err, errlen) != 0) {
            free(c);
            return -EINVAL;
        }
        c->has_value = true;
    }
    *data = c;
    return 0;
}

static bool settings_match(const struct app_tx *tx, uint8_t direction, const void *data)
{
    const struct settings_cond *c = data;
    uint16_t id;
    uint32_t v;
    for (uint32_t i = 0; http2_tx_setting(tx, direction, i, &id, &v) == 0; i++)
        if (id == c->id && (!c->has_value || detect_uint_match(&c->value, v)))
            return true;
    return false;
}

#define BOTH DETECT_BUFFER_DIR_BOTH
const struct detect_tx_kw detect_tx_kw_http2[] = {
    {.name = "http2.frametype",
     .app_proto = RULE_APP_HTTP2,
     .dir = BOTH,
     .spec = &spec_frametype,
     .get = get_frametype,
     .multi = true},
    {.name = "http2.errorcode",
     .app_proto = RULE_APP_HTTP2,
     .dir = BOTH,
     .spec = &spec_errorcode,
     .get = get_errorcode,
     .multi = true},
    {.name = "http2.priority",
     .app_proto = RULE_APP_HTTP2,
     .dir = BOTH,
     .spec = &spec_u8,
     .get = get_priority,
     .multi = true},
    {.name = "http2.window",
     .app_proto = RULE_APP_HTTP2,
     .dir = BOTH,
     .spec = &spec_window,
     .get = get_window,
     .multi = true},
    {.name = "http2.size_update",
     .app_proto = RULE_APP_HTTP2,
     .dir = BOTH,
     .spec = &spec_u64,
     .get = get_size_update,
     .multi = true},
    {.name = "http2.settings",
     .app_proto = RULE_APP_HTTP2,
     .dir = BOTH,
     .parse = settings_parse,
     .match = settings_match},
    {.name = NULL},
};
