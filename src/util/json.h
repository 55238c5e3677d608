/* SPDX-License-Identifier: Apache-2.0 */
/* A streaming JSON writer into a growable buffer that is reused across events:
 * after warm-up, writing an event allocates nothing. Commas are inserted
 * automatically; the caller only opens/closes containers and writes keys and
 * values. Strings are escaped per RFC 8259; a string that is not valid UTF-8
 * has each byte >= 0x80 written as the text \xNN (JSON "\\xNN"), as Suricata
 * writes it, so output is always valid JSON whatever the traffic contains. */
#ifndef VIGIL_UTIL_JSON_H
#define VIGIL_UTIL_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define JSON_MAX_DEPTH 32

struct json_writer {
    char *data;
    size_t len;
    size_t cap;
    int depth;
    bool need_comma[JSON_MAX_DEPTH];
    bool failed; /* allocation failed or depth exceeded; output is unusable */
};

/* Initialises with an initial capacity; returns 0 or -ENOMEM. Free with json_writer_free. */
int json_writer_init(struct json_writer *w, size_t initial_cap);
void json_writer_free(struct json_writer *w);
/* Forgets the content, keeps the buffer. */
void json_writer_reset(struct json_writer *w);

void json_object_begin(struct json_writer *w);
void json_object_end(struct json_writer *w);
void json_array_begin(struct json_writer *w);
void json_array_end(struct json_writer *w);
/* Opens "key": { / "key": [ inside an object. */
void json_key_object_begin(struct json_writer *w, const char *key);
void json_key_array_begin(struct json_writer *w, const char *key);

void json_key(struct json_writer *w, const char *key);
/* Named json_write_* (not json_string/json_null) so that they do not
 * interpose jansson's functions of those names at link time. */
void json_write_string(struct json_writer *w, const char *s);
void json_write_string_len(struct json_writer *w, const void *s, size_t len);
void json_u64(struct json_writer *w, uint64_t v);
void json_i64(struct json_writer *w, int64_t v);
void json_double(struct json_writer *w, double v);
void json_bool(struct json_writer *w, bool v);
void json_write_null(struct json_writer *w);
/* Appends already-formatted JSON text as one value. */
void json_raw(struct json_writer *w, const char *text, size_t len);

/* Bytes as Suricata's set_string_from_bytes writes them: valid UTF-8 as is,
 * otherwise every byte from 0x80 up as the text \xNN; suffix (ASCII, may be
 * NULL) is appended inside the string (truncation notes). */
void json_write_string_from_bytes(struct json_writer *w, const void *s, size_t len,
                                  const char *suffix);
void json_key_string_from_bytes(struct json_writer *w, const char *key, const void *s, size_t len);
void json_key_string(struct json_writer *w, const char *key, const char *s);
void json_key_string_len(struct json_writer *w, const char *key, const void *s, size_t len);
void json_key_u64(struct json_writer *w, const char *key, uint64_t v);
void json_key_i64(struct json_writer *w, const char *key, int64_t v);
void json_key_double(struct json_writer *w, const char *key, double v);
void json_key_bool(struct json_writer *w, const char *key, bool v);

/* Appends raw bytes (no separator logic): for line endings. */
void json_append_raw(struct json_writer *w, const char *s, size_t len);

/* True if s[0..len) is well-formed UTF-8 (no overlongs, surrogates or code
 * points past U+10FFFF). */
bool json_utf8_valid(const unsigned char *s, size_t len);

#endif
