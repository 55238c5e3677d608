/* SPDX-License-Identifier: Apache-2.0 */
#include "util/json.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int json_writer_init(struct json_writer *w, size_t initial_cap)
{
    memset(w, 0, sizeof *w);
    if (initial_cap < 64)
        initial_cap = 64;
    w->data = malloc(initial_cap);
    if (!w->data)
        return -ENOMEM;
    w->cap = initial_cap;
    return 0;
}

void json_writer_free(struct json_writer *w)
{
    free(w->data);
    memset(w, 0, sizeof *w);
}

void json_writer_reset(struct json_writer *w)
{
    w->len = 0;
    w->depth = 0;
    w->need_comma[0] = false;
    w->failed = false;
}

static bool reserve(struct json_writer *w, size_t extra)
{
    if (w->failed)
        return false;
    if (w->len + extra <= w->cap)
        return true;
    size_t cap = w->cap ? w->cap : 64;
    while (cap < w->len + extra)
        cap *= 2;
    char *p = realloc(w->data, cap);
    if (!p) {
        w->failed = true;
        return false;
    }
    w->data = p;
    w->cap = cap;
    return true;
}

static inline void put(struct json_writer *w, const char *s, size_t n)
{
    if (!reserve(w, n))
        return;
    memcpy(w->data + w->len, s, n);
    w->len += n;
}

static inline void put_char(struct json_writer *w, char c)
{
    if (!reserve(w, 1))
        return;
    w->data[w->len++] = c;
}

void json_append_raw(struct json_writer *w, const char *s, size_t len)
{
    put(w, s, len);
}

/* Called before every value or key: writes the comma if a sibling precedes. */
static void separate(struct json_writer *w)
{
    if (w->need_comma[w->depth])
        put_char(w, ',');
    w->need_comma[w->depth] = true;
}

static void open_container(struct json_writer *w, char c)
{
    put_char(w, c);
    if (w->depth + 1 >= JSON_MAX_DEPTH) {
        w->failed = true;
        return;
    }
    w->depth++;
    w->need_comma[w->depth] = false;
}

static void close_container(struct json_writer *w, char c)
{
    put_char(w, c);
    if (w->depth > 0)
        w->depth--;
}

void json_object_begin(struct json_writer *w)
{
    separate(w);
    open_container(w, '{');
}

void json_object_end(struct json_writer *w)
{
    close_container(w, '}');
}

void json_array_begin(struct json_writer *w)
{
    separate(w);
    open_container(w, '[');
}

void json_array_end(struct json_writer *w)
{
    close_container(w, ']');
}

/* True if s[0..len) is well-formed UTF-8 (no overlongs, surrogates or code
 * points past U+10FFFF). */
bool json_utf8_valid(const unsigned char *s, size_t len)
{
    size_t i = 0;
    while (i < len) {
        unsigned char c = s[i];
        if (c < 0x80) {
            i++;
            continue;
        }
        size_t need;
        uint32_t cp;
        if ((c & 0xe0) == 0xc0) { need = 1; cp = c & 0x1f; }
        else if ((c & 0xf0) == 0xe0) { need = 2; cp = c & 0x0f; }
        else if ((c & 0xf8) == 0xf0) { need = 3; cp = c & 0x07; }
        else return false;
        if (len - i <= need)
            return false;
        for (size_t k = 1; k <= need; k++) {
            if ((s[i + k] & 0xc0) != 0x80)
                return false;
            cp = (cp << 6) | (s[i + k] & 0x3f);
        }
        static const uint32_t min_cp[] = {0, 0x80, 0x800, 0x10000};
        if (cp < min_cp[need] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
            return false;
        i += need + 1;
    }
    return true;
}

/* Appends the escaped body of a string (no quotes); room for len * 6 bytes
 * must have been reserved. As Suricata's JSON builder does: bytes of a valid
 * UTF-8 value are written as such (control characters, quote and backslash
 * escaped per RFC 8259); in a value that is not valid UTF-8 (as_bytes) every
 * byte at or above 0x80 is written as the four characters \xNN (lower-case
 * hex), which JSON spells "\\xNN", so the logged text shows the raw bytes. */
static void escape_body(struct json_writer *w, const unsigned char *s, size_t len, bool as_bytes)
{
    static const char hex[] = "0123456789abcdef";
    char *out = w->data + w->len;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = s[i];
        if (c >= 0x80) {
            if (as_bytes) {
                *out++ = '\\'; *out++ = '\\'; *out++ = 'x';
                *out++ = hex[c >> 4]; *out++ = hex[c & 15];
            } else {
                *out++ = (char)c;
            }
            continue;
        }
        if (c >= 0x20 && c != '"' && c != '\\') {
            *out++ = (char)c;
            continue;
        }
        *out++ = '\\';
        switch (c) {
        case '"': *out++ = '"'; break;
        case '\\': *out++ = '\\'; break;
        case '\n': *out++ = 'n'; break;
        case '\r': *out++ = 'r'; break;
        case '\t': *out++ = 't'; break;
        case '\b': *out++ = 'b'; break;
        case '\f': *out++ = 'f'; break;
        default:
            *out++ = 'u'; *out++ = '0'; *out++ = '0';
            *out++ = hex[c >> 4]; *out++ = hex[c & 15];
        }
    }
    w->len = (size_t)(out - w->data);
}

/* The one string encoder of every EVE field (see escape_body). */
static void write_escaped(struct json_writer *w, const unsigned char *s, size_t len)
{
    /* Most strings (ids, names, timestamps, patterns) are printable ASCII
     * without quotes or backslashes: copied as they are. The per-byte
     * escaper and the UTF-8 check cost about 20 instructions a byte (a
     * fifth of the hub's bulk-ingest instructions, callgrind, issue 12). */
    size_t plain = 0;
    while (plain < len && s[plain] >= 0x20 && s[plain] < 0x80 && s[plain] != '"' &&
           s[plain] != '\\')
        plain++;
    if (plain == len) {
        if (!reserve(w, len + 2))
            return;
        w->data[w->len++] = '"';
        memcpy(w->data + w->len, s, len);
        w->len += len;
        w->data[w->len++] = '"';
        return;
    }
    /* The rest: worst case every byte becomes \u00XX. The ASCII prefix is
     * valid UTF-8 and ends a character, so the rest decides validity. */
    if (!reserve(w, plain + (len - plain) * 6 + 2))
        return;
    w->data[w->len++] = '"';
    memcpy(w->data + w->len, s, plain);
    w->len += plain;
    escape_body(w, s + plain, len - plain, !json_utf8_valid(s + plain, len - plain));
    w->data[w->len++] = '"';
}

/* After a value written right after a key, the next sibling needs a comma. */
static inline void value_done(struct json_writer *w)
{
    w->need_comma[w->depth] = true;
}

void json_write_string_from_bytes(struct json_writer *w, const void *data, size_t len,
                                  const char *suffix)
{
    const unsigned char *s = data;
    size_t slen = suffix ? strlen(suffix) : 0;
    separate(w);
    if (!reserve(w, (len + slen) * 6 + 2))
        return;
    w->data[w->len++] = '"';
    escape_body(w, s, len, !json_utf8_valid(s, len));
    escape_body(w, (const unsigned char *)suffix, slen, false);
    w->data[w->len++] = '"';
    value_done(w);
}

void json_key_string_from_bytes(struct json_writer *w, const char *key, const void *s, size_t len)
{
    json_key(w, key);
    json_write_string_from_bytes(w, s, len, NULL);
}

void json_key(struct json_writer *w, const char *key)
{
    separate(w);
    write_escaped(w, (const unsigned char *)key, strlen(key));
    put_char(w, ':');
    /* The value that follows must not get a comma of its own. */
    w->need_comma[w->depth] = false;
}


void json_write_string_len(struct json_writer *w, const void *s, size_t len)
{
    separate(w);
    write_escaped(w, s, len);
    value_done(w);
}

void json_write_string(struct json_writer *w, const char *s)
{
    if (!s) {
        json_write_null(w);
        return;
    }
    json_write_string_len(w, s, strlen(s));
}

void json_u64(struct json_writer *w, uint64_t v)
{
    char buf[24];
    char *p = buf + sizeof buf;
    do {
        *--p = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    separate(w);
    put(w, p, (size_t)(buf + sizeof buf - p));
    value_done(w);
}

void json_i64(struct json_writer *w, int64_t v)
{
    if (v >= 0) {
        json_u64(w, (uint64_t)v);
        return;
    }
    char buf[24];
    int n = snprintf(buf, sizeof buf, "%" PRId64, v);
    separate(w);
    put(w, buf, (size_t)n);
    value_done(w);
}

void json_double(struct json_writer *w, double v)
{
    char buf[40];
    int n;
    if (!isfinite(v))
        n = snprintf(buf, sizeof buf, "null");
    else
        n = snprintf(buf, sizeof buf, "%.6g", v);
    separate(w);
    put(w, buf, (size_t)n);
    value_done(w);
}

void json_bool(struct json_writer *w, bool v)
{
    separate(w);
    if (v)
        put(w, "true", 4);
    else
        put(w, "false", 5);
    value_done(w);
}

void json_write_null(struct json_writer *w)
{
    separate(w);
    put(w, "null", 4);
    value_done(w);
}

void json_raw(struct json_writer *w, const char *text, size_t len)
{
    separate(w);
    put(w, text, len);
    value_done(w);
}

void json_key_object_begin(struct json_writer *w, const char *key)
{
    json_key(w, key);
    json_object_begin(w);
}

void json_key_array_begin(struct json_writer *w, const char *key)
{
    json_key(w, key);
    json_array_begin(w);
}

void json_key_string(struct json_writer *w, const char *key, const char *s)
{
    json_key(w, key);
    json_write_string(w, s);
}

void json_key_string_len(struct json_writer *w, const char *key, const void *s, size_t len)
{
    json_key(w, key);
    json_write_string_len(w, s, len);
}

void json_key_u64(struct json_writer *w, const char *key, uint64_t v)
{
    json_key(w, key);
    json_u64(w, v);
}

void json_key_i64(struct json_writer *w, const char *key, int64_t v)
{
    json_key(w, key);
    json_i64(w, v);
}

void json_key_double(struct json_writer *w, const char *key, double v)
{
    json_key(w, key);
    json_double(w, v);
}

void json_key_bool(struct json_writer *w, const char *key, bool v)
{
    json_key(w, key);
    json_bool(w, v);
}
