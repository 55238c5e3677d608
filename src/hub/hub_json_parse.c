/* SPDX-License-Identifier: Apache-2.0 */
/* A fast path for parsing request bodies into jansson values (hub_json.h).
 * jansson's own parser reads through a character stream with per-character
 * callbacks and UTF-8 checks: about 160 instructions per byte, half of the
 * hub's instructions in bulk ingest (callgrind, issue 12). This parser scans
 * the buffer directly and builds the same values; whenever the input is not
 * plainly valid JSON of the common kind (an error, \u0000, numbers out of
 * range, deep nesting, an unusual locale) it gives up and the caller runs
 * jansson on the same bytes, so errors keep jansson's messages and every
 * accepted document is one jansson accepts (tested against jansson in
 * hub_unit and by fuzz_hub_json). */
#include "hub/hub_json.h"

#include <errno.h>
#include <locale.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/json.h"

/* Deeper documents go to jansson (which stops at 2048 levels). */
#define FP_MAX_DEPTH 256

struct fp {
    const unsigned char *p, *end;
    char *scratch; /* decoded strings with escapes */
    size_t scap;
    int depth;
    bool dot_ok; /* the locale's decimal point is '.' (strtod) */
};

static json_t *fp_value(struct fp *f);

static inline void fp_ws(struct fp *f)
{
    while (f->p < f->end && (*f->p == ' ' || *f->p == '\n' || *f->p == '\r' || *f->p == '\t'))
        f->p++;
}

static bool fp_reserve(struct fp *f, size_t need)
{
    if (need <= f->scap)
        return true;
    size_t cap = f->scap ? f->scap : 256;
    while (cap < need)
        cap *= 2;
    char *n = realloc(f->scratch, cap);
    if (!n)
        return false;
    f->scratch = n;
    f->scap = cap;
    return true;
}

static int fp_hex4(const unsigned char *p)
{
    int v = 0;
    for (int i = 0; i < 4; i++) {
        int c = p[i], d;
        if (c >= '0' && c <= '9')
            d = c - '0';
        else if (c >= 'a' && c <= 'f')
            d = c - 'a' + 10;
        else if (c >= 'A' && c <= 'F')
            d = c - 'A' + 10;
        else
            return -1;
        v = v * 16 + d;
    }
    return v;
}

static size_t fp_utf8(char *out, uint32_t cp)
{
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (char)(0xc0 | (cp >> 6));
        out[1] = (char)(0x80 | (cp & 0x3f));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (char)(0xe0 | (cp >> 12));
        out[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
        out[2] = (char)(0x80 | (cp & 0x3f));
        return 3;
    }
    out[0] = (char)(0xf0 | (cp >> 18));
    out[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
    out[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
    out[3] = (char)(0x80 | (cp & 0x3f));
    return 4;
}

/* The string at f->p (its opening quote): s and n point into the input when
 * it has no escapes, else into f->scratch (valid until the next string). */
static bool fp_string(struct fp *f, const char **s, size_t *n)
{
    const unsigned char *start = f->p + 1, *p = start;
    bool high = false;
    while (p < f->end && *p != '"' && *p != '\\') {
        if (*p < 0x20)
            return false;
        high |= *p >= 0x80;
        p++;
    }
    if (p >= f->end)
        return false;
    if (*p == '"') {
        if (high && !json_utf8_valid(start, (size_t)(p - start)))
            return false;
        *s = (const char *)start;
        *n = (size_t)(p - start);
        f->p = p + 1;
        return true;
    }
    size_t len = (size_t)(p - start);
    if (!fp_reserve(f, len + 64))
        return false;
    memcpy(f->scratch, start, len);
    while (p < f->end && *p != '"') {
        if (!fp_reserve(f, len + 8))
            return false;
        unsigned char c = *p;
        if (c < 0x20)
            return false;
        if (c != '\\') {
            f->scratch[len++] = (char)c;
            p++;
            continue;
        }
        if (f->end - p < 2)
            return false;
        char e = (char)p[1];
        p += 2;
        switch (e) {
        case '"': f->scratch[len++] = '"'; break;
        case '\\': f->scratch[len++] = '\\'; break;
        case '/': f->scratch[len++] = '/'; break;
        case 'b': f->scratch[len++] = '\b'; break;
        case 'f': f->scratch[len++] = '\f'; break;
        case 'n': f->scratch[len++] = '\n'; break;
        case 'r': f->scratch[len++] = '\r'; break;
        case 't': f->scratch[len++] = '\t'; break;
        case 'u': {
            if (f->end - p < 4)
                return false;
            int v = fp_hex4(p);
            p += 4;
            if (v <= 0 || (v >= 0xdc00 && v <= 0xdfff))
                return false; /* \u0000, a lone low surrogate */
            uint32_t cp = (uint32_t)v;
            if (v >= 0xd800 && v <= 0xdbff) {
                if (f->end - p < 6 || p[0] != '\\' || p[1] != 'u')
                    return false;
                int lo = fp_hex4(p + 2);
                if (lo < 0xdc00 || lo > 0xdfff)
                    return false;
                p += 6;
                cp = 0x10000 + (((uint32_t)v - 0xd800) << 10) + ((uint32_t)lo - 0xdc00);
            }
            len += fp_utf8(f->scratch + len, cp);
            break;
        }
        default:
            return false;
        }
    }
    if (p >= f->end)
        return false;
    if (!json_utf8_valid((const unsigned char *)f->scratch, len))
        return false;
    *s = f->scratch;
    *n = len;
    f->p = p + 1;
    return true;
}

static inline bool fp_digit(const unsigned char *p, const unsigned char *end)
{
    return p < end && *p >= '0' && *p <= '9';
}

static json_t *fp_number(struct fp *f)
{
    const unsigned char *s = f->p, *p = s, *end = f->end;
    bool real = false;
    if (p < end && *p == '-')
        p++;
    if (!fp_digit(p, end))
        return NULL;
    if (*p == '0')
        p++;
    else
        while (fp_digit(p, end))
            p++;
    if (p < end && *p == '.') {
        real = true;
        p++;
        if (!fp_digit(p, end))
            return NULL;
        while (fp_digit(p, end))
            p++;
    }
    if (p < end && (*p == 'e' || *p == 'E')) {
        real = true;
        p++;
        if (p < end && (*p == '+' || *p == '-'))
            p++;
        if (!fp_digit(p, end))
            return NULL;
        while (fp_digit(p, end))
            p++;
    }
    size_t len = (size_t)(p - s);
    char buf[64];
    if (len >= sizeof buf || (real && !f->dot_ok))
        return NULL;
    memcpy(buf, s, len);
    buf[len] = 0;
    char *e;
    errno = 0;
    json_t *v;
    if (!real) {
        long long i = strtoll(buf, &e, 10);
        v = errno || e != buf + len ? NULL : json_integer(i);
    } else {
        double d = strtod(buf, &e);
        v = errno || e != buf + len ? NULL : json_real(d);
    }
    if (v)
        f->p = p;
    return v;
}

/* After '{' or '[' (at f->p): true if the container closes at once. */
static bool fp_open(struct fp *f, unsigned char close)
{
    f->p++;
    fp_ws(f);
    if (f->p < f->end && *f->p == close) {
        f->p++;
        return true;
    }
    return false;
}

/* After a member or element: 1 another follows (','), 0 the container
 * closed, -1 anything else. */
static int fp_next(struct fp *f, unsigned char close)
{
    fp_ws(f);
    if (f->p < f->end && (*f->p == ',' || *f->p == close))
        return *f->p++ == ',' ? 1 : 0;
    return -1;
}

static json_t *fp_object(struct fp *f)
{
    json_t *o = json_object();
    if (!o)
        return NULL;
    if (fp_open(f, '}'))
        return o;
    for (;;) {
        fp_ws(f);
        if (f->p >= f->end || *f->p != '"')
            goto fail;
        const char *k;
        size_t kn;
        if (!fp_string(f, &k, &kn))
            goto fail;
        char *kcopy = NULL;
        if (k == f->scratch) { /* the value's strings reuse the scratch */
            kcopy = malloc(kn + 1);
            if (!kcopy)
                goto fail;
            memcpy(kcopy, k, kn);
            k = kcopy;
        }
        fp_ws(f);
        json_t *v = NULL;
        if (f->p < f->end && *f->p == ':') {
            f->p++;
            fp_ws(f);
            v = fp_value(f);
        }
        size_t before = json_object_size(o);
        /* A repeated key replaces the value without growing the object:
         * refused (JSON_REJECT_DUPLICATES), jansson says why. */
        bool ok = v && json_object_setn_new_nocheck(o, k, kn, v) == 0 &&
                  json_object_size(o) == before + 1;
        free(kcopy);
        int next = ok ? fp_next(f, '}') : -1;
        if (next == 0)
            return o;
        if (next < 0)
            goto fail;
    }
fail:
    json_decref(o);
    return NULL;
}

static json_t *fp_array(struct fp *f)
{
    json_t *a = json_array();
    if (!a)
        return NULL;
    if (fp_open(f, ']'))
        return a;
    for (;;) {
        fp_ws(f);
        json_t *v = fp_value(f);
        int next = v && json_array_append_new(a, v) == 0 ? fp_next(f, ']') : -1;
        if (next == 0)
            return a;
        if (next < 0)
            goto fail;
    }
fail:
    json_decref(a);
    return NULL;
}

static bool fp_word(struct fp *f, const char *w, size_t n)
{
    if ((size_t)(f->end - f->p) < n || memcmp(f->p, w, n) != 0)
        return false;
    f->p += n;
    return true;
}

static json_t *fp_value(struct fp *f)
{
    if (f->p >= f->end)
        return NULL;
    json_t *v = NULL;
    switch (*f->p) {
    case '{':
    case '[':
        if (++f->depth > FP_MAX_DEPTH)
            return NULL;
        v = *f->p == '{' ? fp_object(f) : fp_array(f);
        f->depth--;
        return v;
    case '"': {
        const char *s;
        size_t n;
        return fp_string(f, &s, &n) ? json_stringn_nocheck(s, n) : NULL;
    }
    case 't':
        return fp_word(f, "true", 4) ? json_true() : NULL;
    case 'f':
        return fp_word(f, "false", 5) ? json_false() : NULL;
    case 'n':
        return fp_word(f, "null", 4) ? json_null() : NULL;
    default:
        return fp_number(f);
    }
}

json_t *hub_json_parse_fast(const char *buf, size_t len)
{
    struct fp f = {.p = (const unsigned char *)buf, .end = (const unsigned char *)buf + len};
    const struct lconv *lc = localeconv();
    f.dot_ok = lc && lc->decimal_point && strcmp(lc->decimal_point, ".") == 0;
    fp_ws(&f);
    json_t *v = NULL;
    /* As json_loadb without JSON_DECODE_ANY: an object or an array. */
    if (f.p < f.end && (*f.p == '{' || *f.p == '['))
        v = fp_value(&f);
    free(f.scratch);
    if (v) {
        fp_ws(&f);
        if (f.p != f.end) {
            json_decref(v);
            v = NULL;
        }
    }
    return v;
}

json_t *hub_json_loadb(const char *buf, size_t len, json_error_t *err)
{
    json_t *v = hub_json_parse_fast(buf, len);
    return v ? v : json_loadb(buf, len, JSON_REJECT_DUPLICATES, err);
}
