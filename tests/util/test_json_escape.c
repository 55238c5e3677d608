/* SPDX-License-Identifier: Apache-2.0 */
/* The EVE string encoder: valid UTF-8 passes through, anything else has its
 * high bytes written as \xNN text (Suricata's form), control characters are
 * JSON escapes, and every output is valid JSON. */
#include "test.h"
#include "util/json.h"

static char out[512];

static const char *enc(const void *s, size_t n)
{
    struct json_writer w;
    json_writer_init(&w, 16);
    json_write_string_len(&w, s, n);
    size_t len = w.len < sizeof out - 1 ? w.len : sizeof out - 1;
    memcpy(out, w.data, len);
    out[len] = 0;
    json_writer_free(&w);
    return out;
}

#define ENC(lit) enc(lit, sizeof(lit) - 1)

int main(void)
{
    CHECK_EQ_STR(ENC("plain"), "\"plain\"");
    /* Latin-1 e-acute alone is not UTF-8: written as the text \xe9. */
    CHECK_EQ_STR(ENC("caf\xe9"), "\"caf\\\\xe9\"");
    /* Valid UTF-8 e-acute is kept as is. */
    CHECK_EQ_STR(ENC("caf\xc3\xa9"), "\"caf\xc3\xa9\"");
    /* One invalid byte makes the whole value byte-escaped, valid sequences too. */
    CHECK_EQ_STR(ENC("\xc3\xa9\xff"), "\"\\\\xc3\\\\xa9\\\\xff\"");
    /* Control characters: short escapes where JSON has them, else \u00XX. */
    CHECK_EQ_STR(ENC("a\nb\tc\x01\x1a"), "\"a\\nb\\tc\\u0001\\u001a\"");
    /* Control characters keep their JSON escape in a byte-escaped value. */
    CHECK_EQ_STR(ENC("\x9f" "i\x1a\x8e"), "\"\\\\x9fi\\u001a\\\\x8e\"");
    /* Quote and backslash. */
    CHECK_EQ_STR(ENC("\"\\"), "\"\\\"\\\\\"");
    /* Overlong encoding, surrogate and truncated sequence are not UTF-8. */
    CHECK_EQ_STR(ENC("\xc0\xaf"), "\"\\\\xc0\\\\xaf\"");
    CHECK_EQ_STR(ENC("\xed\xa0\x80"), "\"\\\\xed\\\\xa0\\\\x80\"");
    CHECK_EQ_STR(ENC("ab\xe2\x82"), "\"ab\\\\xe2\\\\x82\"");
    /* Four-byte sequence (U+1F600) kept. */
    CHECK_EQ_STR(ENC("\xf0\x9f\x98\x80"), "\"\xf0\x9f\x98\x80\"");
    /* NUL inside a value. */
    CHECK_EQ_STR(enc("a\0b", 3), "\"a\\u0000b\"");
    /* Keys use the same encoder. */
    struct json_writer w;
    json_writer_init(&w, 16);
    json_object_begin(&w);
    json_key_string_len(&w, "k\xe9", "v", 1);
    json_object_end(&w);
    json_append_raw(&w, "", 1);
    CHECK_EQ_STR(w.data, "{\"k\\\\xe9\":\"v\"}");
    json_writer_free(&w);
    TEST_MAIN_END();
}
