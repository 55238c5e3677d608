/* SPDX-License-Identifier: Apache-2.0 */
/* Transforms with options (see detect_transform.h), as Suricata defines
 * them:
 *
 *   xor:"0d0ac8ff";                    static hex key (1..255 bytes)
 *   xor:extract 1 0;  (or: var 1 0)    key of N bytes read at offset O of
 *                                      the buffer being transformed
 *   xor:offset 1,"42"; xor:offset 1,extract 1 0;
 *                                      decoding starts at offset 1, the
 *                                      bytes before it are kept
 *   from_base64[: bytes N, offset O, mode rfc4648|rfc2045|strict];
 *   gunzip[: max-size N]; zlib_deflate[: max-size N];   (default 1024)
 *   subslice: offset[, nbytes][, truncate];   negative values count from
 *                                      the end; without truncate a slice
 *                                      out of range is an empty buffer
 *   domain; tld;                       registrable domain / public suffix
 *                                      of a host name (Public Suffix List)
 *
 * A transform that cannot apply leaves the buffer as it is (xor with a key
 * or offset beyond the buffer, from_base64 with an offset or length beyond
 * it); a decoding that yields nothing fails the buffer (from_base64), and a
 * decompression error empties it. */
#include "detect/detect_transform.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <libpsl.h>
#include <zlib.h>

#include "detect/detect_engine_internal.h"
#include "util/base64.h"

#define DECOMPRESS_DEFAULT_MAX 1024u

bool detect_transform_owns(uint8_t type)
{
    switch (type) {
    case DETECT_TRANSFORM_XOR:
    case DETECT_TRANSFORM_FROM_BASE64:
    case DETECT_TRANSFORM_GUNZIP:
    case DETECT_TRANSFORM_ZLIB_DEFLATE:
    case DETECT_TRANSFORM_SUBSLICE:
    case DETECT_TRANSFORM_DOMAIN:
    case DETECT_TRANSFORM_TLD:
        return true;
    default:
        return false;
    }
}

/* ---- base64 ---- */

uint32_t detect_base64_decode(const uint8_t *in, uint32_t len, uint8_t *out, uint8_t mode)
{
    uint32_t o = 0, acc = 0, nchars = 0;
    for (uint32_t i = 0; i < len; i++) {
        uint8_t c = in[i];
        if (c == '=')
            break;
        int v = base64_value(c);
        if (v < 0) {
            if (mode == DETECT_BASE64_RFC2045)
                continue;
            if (mode == DETECT_BASE64_STRICT)
                return 0;
            break;
        }
        acc = (acc << 6) | (uint32_t)v;
        if (++nchars == 4) {
            out[o++] = (uint8_t)(acc >> 16);
            out[o++] = (uint8_t)(acc >> 8);
            out[o++] = (uint8_t)acc;
            acc = nchars = 0;
        }
    }
    /* The final incomplete quantum: 2 characters carry one byte, 3 two. */
    if (nchars == 2) {
        out[o++] = (uint8_t)(acc >> 4);
    } else if (nchars == 3) {
        out[o++] = (uint8_t)(acc >> 10);
        out[o++] = (uint8_t)(acc >> 2);
    } else if (nchars == 1 && mode == DETECT_BASE64_STRICT) {
        return 0;
    }
    return o;
}

/* ---- parsing ---- */

static char *trim(char *s)
{
    while (isspace((unsigned char)*s))
        s++;
    char *e = s + strlen(s);
    while (e > s && isspace((unsigned char)e[-1]))
        *--e = '\0';
    return s;
}

static char *unquote(char *s)
{
    s = trim(s);
    size_t n = strlen(s);
    if (n >= 2 && s[0] == '"' && s[n - 1] == '"') {
        s[n - 1] = '\0';
        s++;
    }
    return s;
}

/* A non-negative integer up to max; whole string. */
static int parse_num(const char *s, uint64_t max, uint64_t *out)
{
    if (!isdigit((unsigned char)*s))
        return -EINVAL;
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || *end || v > max)
        return -EINVAL;
    *out = v;
    return 0;
}

static int parse_snum(const char *s, int64_t min, int64_t max, int64_t *out)
{
    if (!isdigit((unsigned char)*s) && !(*s == '-' && isdigit((unsigned char)s[1])))
        return -EINVAL;
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno || *end || v < min || v > max)
        return -EINVAL;
    *out = v;
    return 0;
}

/* A keyword followed by whitespace; returns what follows, or NULL. */
static char *after_word(char *s, const char *word)
{
    size_t n = strlen(word);
    if (strncmp(s, word, n) != 0 || (s[n] && !isspace((unsigned char)s[n])))
        return NULL;
    return trim(s + n);
}

static int hexval(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* The key part of xor: "extract N O" / "var N O", or a hex key. */
static int xor_key(struct detect_transform *t, char *s, char *err, size_t errlen)
{
    char *rest = after_word(s, "extract");
    if (!rest)
        rest = after_word(s, "var");
    if (rest) {
        char *sp = rest;
        while (*sp && !isspace((unsigned char)*sp))
            sp++;
        if (!*sp) {
            snprintf(err, errlen, "xor: a key from the buffer needs 'extract <nbytes> <offset>'");
            return -EINVAL;
        }
        *sp++ = '\0';
        uint64_t nb, off;
        if (parse_num(rest, 255, &nb) || nb == 0) {
            snprintf(err, errlen, "xor: key length '%.20s' must be 1..255", rest);
            return -EINVAL;
        }
        if (parse_num(trim(sp), 65535, &off)) {
            snprintf(err, errlen, "xor: key offset '%.20s' must be 0..65535", trim(sp));
            return -EINVAL;
        }
        t->flags |= DETECT_XFORM_XOR_KEY_IN_BUFFER;
        t->key_len = (uint32_t)nb;
        t->key_offset = (uint32_t)off;
        return 0;
    }
    char *hex = unquote(s);
    size_t kl = strlen(hex);
    if (kl == 0 || kl % 2 || kl > 510) {
        snprintf(err, errlen, "xor key must be an even number of hex digits (1 to 255 bytes)");
        return -EINVAL;
    }
    t->key = malloc(kl / 2);
    if (!t->key) {
        snprintf(err, errlen, "out of memory");
        return -ENOMEM;
    }
    for (size_t i = 0; i < kl / 2; i++) {
        int hi = hexval((unsigned char)hex[2 * i]), lo = hexval((unsigned char)hex[2 * i + 1]);
        if (hi < 0 || lo < 0) {
            free(t->key);
            t->key = NULL;
            snprintf(err, errlen, "xor key '%.40s' is not hex", hex);
            return -EINVAL;
        }
        t->key[i] = (uint8_t)(hi << 4 | lo);
    }
    t->key_len = (uint32_t)(kl / 2);
    return 0;
}

static int parse_xor(struct detect_transform *t, char *v, char *err, size_t errlen)
{
    if (!v || !*trim(v)) {
        snprintf(err, errlen, "xor needs a key");
        return -EINVAL;
    }
    v = trim(v);
    char *rest = after_word(v, "offset");
    if (rest) {
        char *comma = strchr(rest, ',');
        if (!comma) {
            snprintf(err, errlen, "xor: 'offset' needs 'offset <N>,<key>'");
            return -EINVAL;
        }
        *comma = '\0';
        uint64_t off;
        if (parse_num(trim(rest), UINT32_MAX, &off)) {
            snprintf(err, errlen, "xor: invalid offset '%.20s'", trim(rest));
            return -EINVAL;
        }
        t->offset = (uint32_t)off;
        v = trim(comma + 1);
        if (!*v) {
            snprintf(err, errlen, "xor: 'offset' needs a key after it");
            return -EINVAL;
        }
    }
    return xor_key(t, v, err, errlen);
}

static int parse_from_base64(struct detect_transform *t, char *v, char *err, size_t errlen)
{
    t->mode = DETECT_BASE64_RFC4648;
    if (!v || !*trim(v))
        return 0;
    bool have_mode = false, have_bytes = false, have_offset = false;
    int n = 0;
    char *save = NULL;
    for (char *tok = strtok_r(v, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        if (++n > 3) {
            snprintf(err, errlen, "from_base64 takes at most bytes, offset and mode");
            return -EINVAL;
        }
        tok = trim(tok);
        char *val;
        if ((val = after_word(tok, "mode"))) {
            if (have_mode) {
                snprintf(err, errlen, "from_base64: mode given twice");
                return -EINVAL;
            }
            have_mode = true;
            if (!strcmp(val, "rfc4648"))
                t->mode = DETECT_BASE64_RFC4648;
            else if (!strcmp(val, "rfc2045"))
                t->mode = DETECT_BASE64_RFC2045;
            else if (!strcmp(val, "strict"))
                t->mode = DETECT_BASE64_STRICT;
            else {
                snprintf(err, errlen, "from_base64: unknown mode '%.20s'", val);
                return -EINVAL;
            }
        } else if ((val = after_word(tok, "bytes")) || (val = after_word(tok, "offset"))) {
            bool is_bytes = tok[0] == 'b';
            if (is_bytes ? have_bytes : have_offset) {
                snprintf(err, errlen, "from_base64: %s given twice", is_bytes ? "bytes" : "offset");
                return -EINVAL;
            }
            uint64_t x;
            if (parse_num(val, 65535, &x)) {
                snprintf(err, errlen,
                         "from_base64: %s must be a number 0..65535 (variables are not allowed), "
                         "not '%.20s'",
                         is_bytes ? "bytes" : "offset", val);
                return -EINVAL;
            }
            if (is_bytes) {
                have_bytes = true;
                t->nbytes = (uint32_t)x;
            } else {
                have_offset = true;
                t->offset = (uint32_t)x;
            }
        } else {
            snprintf(err, errlen, "from_base64: unknown option '%.30s'", tok);
            return -EINVAL;
        }
    }
    return 0;
}

/* max-size N, or max-size=N; units kb/mb as Suricata's integers. */
static int parse_decompress(struct detect_transform *t, char *v, char *err, size_t errlen)
{
    const char *name = t->type == DETECT_TRANSFORM_GUNZIP ? "gunzip" : "zlib_deflate";
    t->offset = DECOMPRESS_DEFAULT_MAX;
    if (!v || !*trim(v))
        return 0;
    bool have = false;
    char *save = NULL;
    for (char *tok = strtok_r(v, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        tok = trim(tok);
        if (strncmp(tok, "max-size", 8) != 0 || (tok[8] != '=' && !isspace((unsigned char)tok[8]))) {
            snprintf(err, errlen, "%s: unknown option '%.30s'", name, tok);
            return -EINVAL;
        }
        if (have) {
            snprintf(err, errlen, "%s: max-size given twice", name);
            return -EINVAL;
        }
        have = true;
        char *val = trim(tok + 9);
        char *end;
        errno = 0;
        unsigned long long x = isdigit((unsigned char)*val) ? strtoull(val, &end, 10) : 0;
        if (!isdigit((unsigned char)*val) || errno) {
            snprintf(err, errlen, "%s: invalid max-size '%.20s'", name, val);
            return -EINVAL;
        }
        unsigned long long mult = 1;
        if (!strcasecmp(end, "kb") || !strcasecmp(end, "kib"))
            mult = 1024;
        else if (!strcasecmp(end, "mb") || !strcasecmp(end, "mib"))
            mult = 1024 * 1024;
        else if (*end) {
            snprintf(err, errlen, "%s: invalid max-size '%.20s'", name, val);
            return -EINVAL;
        }
        if (x == 0 || x * mult > UINT32_MAX / 2) {
            snprintf(err, errlen, "%s: max-size must be 1 byte to 2 GiB", name);
            return -EINVAL;
        }
        t->offset = (uint32_t)(x * mult);
    }
    return 0;
}

static int parse_subslice(struct detect_transform *t, char *v, char *err, size_t errlen)
{
    if (!v || !*trim(v)) {
        snprintf(err, errlen, "subslice needs an offset");
        return -EINVAL;
    }
    char *tok[4];
    int n = 0;
    char *save = NULL;
    for (char *p = strtok_r(v, ",", &save); p; p = strtok_r(NULL, ",", &save)) {
        if (n == 3) {
            snprintf(err, errlen, "subslice takes offset[, nbytes][, truncate]");
            return -EINVAL;
        }
        tok[n++] = trim(p);
    }
    if (n == 0 || parse_snum(tok[0], -65535, 65535, &t->slice_offset)) {
        snprintf(err, errlen, "subslice: invalid offset '%.20s'", n ? tok[0] : "");
        return -EINVAL;
    }
    for (int i = 1; i < n; i++) {
        if (!strcmp(tok[i], "truncate") && i == n - 1) {
            t->flags |= DETECT_XFORM_SUBSLICE_TRUNCATE;
        } else if (i == 1 && parse_snum(tok[i], -65535, 65535, &t->slice_nbytes) == 0) {
            t->flags |= DETECT_XFORM_SUBSLICE_NBYTES;
        } else {
            snprintf(err, errlen, "subslice: invalid option '%.20s'", tok[i]);
            return -EINVAL;
        }
    }
    return 0;
}

int detect_transform_parse(struct detect_transform *t, const char *value, char *err,
                           size_t errlen)
{
    char *v = value ? strdup(value) : NULL;
    if (value && !v) {
        snprintf(err, errlen, "out of memory");
        return -ENOMEM;
    }
    int rc;
    switch (t->type) {
    case DETECT_TRANSFORM_XOR:
        rc = parse_xor(t, v, err, errlen);
        break;
    case DETECT_TRANSFORM_FROM_BASE64:
        rc = parse_from_base64(t, v, err, errlen);
        break;
    case DETECT_TRANSFORM_GUNZIP:
    case DETECT_TRANSFORM_ZLIB_DEFLATE:
        rc = parse_decompress(t, v, err, errlen);
        break;
    case DETECT_TRANSFORM_SUBSLICE:
        rc = parse_subslice(t, v, err, errlen);
        break;
    case DETECT_TRANSFORM_DOMAIN:
    case DETECT_TRANSFORM_TLD:
        rc = 0;
        if (v && *trim(v)) {
            snprintf(err, errlen, "%s takes no value",
                     t->type == DETECT_TRANSFORM_DOMAIN ? "domain" : "tld");
            rc = -EINVAL;
        }
        break;
    default:
        snprintf(err, errlen, "not a transform with options");
        rc = -EINVAL;
    }
    free(v);
    return rc;
}

/* ---- application ---- */

static int run_xor(const struct detect_transform *t, const uint8_t *in, uint32_t len,
                   struct detect_grow_buf *out, uint32_t *out_len)
{
    if (len == 0 || t->offset > len)
        return 1;
    uint8_t keybuf[255];
    const uint8_t *key = t->key;
    if (t->flags & DETECT_XFORM_XOR_KEY_IN_BUFFER) {
        if ((uint64_t)t->key_offset + t->key_len > len)
            return 1;
        /* A copy: the output may be decoded over the key's bytes. */
        memcpy(keybuf, in + t->key_offset, t->key_len);
        key = keybuf;
    }
    if (detect_grow(out, len + 1))
        return -1;
    memcpy(out->data, in, t->offset);
    for (uint32_t i = t->offset, k = 0; i < len; i++, k = k + 1 == t->key_len ? 0 : k + 1)
        out->data[i] = in[i] ^ key[k];
    *out_len = len;
    return 0;
}

static int run_from_base64(const struct detect_transform *t, const uint8_t *in, uint32_t len,
                           struct detect_grow_buf *out, uint32_t *out_len)
{
    if (len == 0)
        return 1;
    if (t->offset) {
        if (t->offset >= len)
            return 1;
        in += t->offset;
        len -= t->offset;
    }
    if (t->nbytes) {
        if (t->nbytes >= len)
            return 1;
        len = t->nbytes;
    }
    if (detect_grow(out, len / 4 * 3 + 4))
        return -1;
    uint32_t n = detect_base64_decode(in, len, out->data, t->mode);
    if (n == 0)
        return -1;
    *out_len = n;
    return 0;
}

/* Inflates up to t->offset bytes; gzip or zlib framing. A stream that
 * ends early gives what was decoded; a corrupt one an empty buffer. */
static int run_inflate(const struct detect_transform *t, const uint8_t *in, uint32_t len,
                       struct detect_grow_buf *out, uint32_t *out_len)
{
    if (len == 0)
        return 1;
    if (detect_grow(out, t->offset + 1))
        return -1;
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    int wbits = t->type == DETECT_TRANSFORM_GUNZIP ? 16 + MAX_WBITS : MAX_WBITS;
    if (inflateInit2(&zs, wbits) != Z_OK)
        return -1;
    zs.next_in = (Bytef *)(uintptr_t)in;
    zs.avail_in = len;
    zs.next_out = out->data;
    zs.avail_out = t->offset;
    int rc = inflate(&zs, Z_SYNC_FLUSH);
    uint32_t produced = t->offset - zs.avail_out;
    inflateEnd(&zs);
    if (rc != Z_OK && rc != Z_STREAM_END && rc != Z_BUF_ERROR)
        produced = 0;
    *out_len = produced;
    return 0;
}

static int run_subslice(const struct detect_transform *t, const uint8_t *in, uint32_t len,
                        struct detect_grow_buf *out, uint32_t *out_len)
{
    bool truncate = t->flags & DETECT_XFORM_SUBSLICE_TRUNCATE;
    int64_t n = len;
    int64_t start = t->slice_offset >= 0 ? t->slice_offset : n + t->slice_offset;
    int64_t end = n;
    bool empty = false;
    if (start < 0) {
        if (truncate)
            start = 0;
        else
            empty = true;
    }
    if (start > n)
        empty = true;
    if (t->flags & DETECT_XFORM_SUBSLICE_NBYTES) {
        end = t->slice_nbytes >= 0 ? start + t->slice_nbytes : n + t->slice_nbytes;
        if (end > n) {
            if (truncate)
                end = n;
            else
                empty = true;
        }
        if (end < start) {
            if (truncate)
                end = start;
            else
                empty = true;
        }
    }
    if (detect_grow(out, 1))
        return -1;
    if (empty || end <= start) {
        *out_len = 0;
        return 0;
    }
    /* A view of the input would do, but the pipeline hands out its own
     * buffers; slices are short. */
    if (detect_grow(out, (uint32_t)(end - start) + 1))
        return -1;
    memcpy(out->data, in + start, (size_t)(end - start));
    *out_len = (uint32_t)(end - start);
    return 0;
}

/* domain: the registrable domain (www.bbc.co.uk -> bbc.co.uk); tld: the
 * public suffix (co.uk), both by the Public Suffix List with its private
 * section, as Suricata (psl crate). A name without a registrable domain
 * (a public suffix itself) gives an empty domain, a malformed name (empty
 * label, NUL byte) an empty buffer for both. The lookup is on
 * a lowercased copy; the output keeps the bytes of the input. */
static int run_psl(const struct detect_transform *t, const uint8_t *in, uint32_t len,
                   struct detect_grow_buf *out, uint32_t *out_len)
{
    if (detect_grow(out, len + 1))
        return -1;
    *out_len = 0;
    if (len == 0 || memchr(in, 0, len))
        return 0;
    for (uint32_t i = 0; i < len; i++)
        out->data[i] = (uint8_t)tolower(in[i]);
    out->data[len] = '\0';
    /* a fully qualified name's final dot is not a label */
    uint32_t n = len;
    if (out->data[n - 1] == '.')
        out->data[--n] = '\0';
    const char *name = (const char *)out->data;
    if (n == 0 || name[0] == '.' || strstr(name, ".."))
        return 0;
    const psl_ctx_t *psl = psl_builtin();
    if (!psl)
        return 0;
    const char *r = t->type == DETECT_TRANSFORM_DOMAIN ? psl_registrable_domain(psl, name)
                                                       : psl_unregistrable_domain(psl, name);
    if (!r || !*r)
        return 0;
    uint32_t start = (uint32_t)(r - name);
    memmove(out->data, in + start, n - start);
    *out_len = n - start;
    return 0;
}

/* ---- contents a transformed buffer can never hold ---- */

enum {
    FORM_LOWER = 1 << 0,     /* no upper-case letters */
    FORM_UPPER = 1 << 1,     /* no lower-case letters */
    FORM_NO_SPACE = 1 << 2,  /* no whitespace */
    FORM_NO_DOUBLE = 1 << 3, /* no two whitespace bytes in a row */
};

static bool is_ws(uint8_t c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

const char *detect_transforms_content_conflict(const struct rule_buffer_match *list,
                                               const uint8_t *content, uint32_t len)
{
    /* What the output is guaranteed to be, and which transform said so. */
    unsigned form = 0;
    const char *lower_by = NULL, *upper_by = NULL, *space_by = NULL, *double_by = NULL;
    for (uint32_t i = 0; i < list->ntransforms; i++) {
        switch (list->transforms[i].type) {
        case DETECT_TRANSFORM_TO_LOWERCASE:
            form = (form & ~(unsigned)FORM_UPPER) | FORM_LOWER;
            lower_by = "to_lowercase";
            break;
        case DETECT_TRANSFORM_TO_UPPERCASE:
            form = (form & ~(unsigned)FORM_LOWER) | FORM_UPPER;
            upper_by = "to_uppercase";
            break;
        case DETECT_TRANSFORM_STRIP_WHITESPACE:
            form |= FORM_NO_SPACE | FORM_NO_DOUBLE;
            space_by = double_by = "strip_whitespace";
            break;
        case DETECT_TRANSFORM_COMPRESS_WHITESPACE:
            if (!(form & FORM_NO_DOUBLE))
                double_by = "compress_whitespace";
            form |= FORM_NO_DOUBLE;
            break;
        case DETECT_TRANSFORM_DOTPREFIX: /* adds a '.' */
        case DETECT_TRANSFORM_SUBSLICE:  /* a part keeps the whole's form */
            break;
        default: /* hashes, decoders, captures: anything can come out */
            form = 0;
            break;
        }
    }
    for (uint32_t i = 0; i < len && form; i++) {
        uint8_t c = content[i];
        if ((form & FORM_LOWER) && c >= 'A' && c <= 'Z')
            return lower_by;
        if ((form & FORM_UPPER) && c >= 'a' && c <= 'z')
            return upper_by;
        if ((form & FORM_NO_SPACE) && is_ws(c))
            return space_by;
        if ((form & FORM_NO_DOUBLE) && is_ws(c) && i + 1 < len && is_ws(content[i + 1]))
            return double_by;
    }
    return NULL;
}

int detect_transform_run(const struct detect_transform *t, const uint8_t *in, uint32_t len,
                         struct detect_grow_buf *out, uint32_t *out_len)
{
    switch (t->type) {
    case DETECT_TRANSFORM_XOR:
        return run_xor(t, in, len, out, out_len);
    case DETECT_TRANSFORM_FROM_BASE64:
        return run_from_base64(t, in, len, out, out_len);
    case DETECT_TRANSFORM_GUNZIP:
    case DETECT_TRANSFORM_ZLIB_DEFLATE:
        return run_inflate(t, in, len, out, out_len);
    case DETECT_TRANSFORM_SUBSLICE:
        return run_subslice(t, in, len, out, out_len);
    case DETECT_TRANSFORM_DOMAIN:
    case DETECT_TRANSFORM_TLD:
        return run_psl(t, in, len, out, out_len);
    default:
        return 1;
    }
}
