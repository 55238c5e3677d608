/* SPDX-License-Identifier: Apache-2.0 */
/* Payload keywords: content and its modifiers, pcre, byte_test/jump/
 * extract/math, isdataat, bsize/urilen, base64_decode, sticky buffers,
 * legacy content modifiers and transforms. Items are appended to the list of
 * the current buffer (the packet payload until a sticky buffer is named).
 *
 * Depth is stored as Suricata stores it: the absolute end of the search
 * window (offset + depth) when both are constants. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "detect/detect_buffer.h"
#include "detect/detect_transform.h"
#include "detect/rule_parse_internal.h"

#define MAX_ITEMS_PER_LIST 256
#define MAX_LISTS 64
#define MAX_TRANSFORMS 16
#define MAX_CONTENT_LEN 65535
#define MAX_PCRE_LEN 8192

/* ---- lists and items ---- */

static int list_new(struct pctx *pc, int buffer_id)
{
    struct rule *r = pc->r;
    if (r->nbuffers >= MAX_LISTS)
        return pctx_fail(pc, "too many buffers in one rule (limit %d)", MAX_LISTS);
    struct rule_buffer_match *nb = realloc(r->buffers, (r->nbuffers + 1) * sizeof(*nb));
    if (!nb)
        return pctx_fail(pc, "out of memory");
    r->buffers = nb;
    memset(&nb[r->nbuffers], 0, sizeof(nb[0]));
    nb[r->nbuffers].buffer_id = (uint16_t)buffer_id;
    return (int)r->nbuffers++;
}

/* The plain (untransformed) list of a buffer, created when missing. */
static int list_get(struct pctx *pc, int buffer_id)
{
    for (uint32_t i = 0; i < pc->r->nbuffers; i++)
        if (pc->r->buffers[i].buffer_id == buffer_id && pc->r->buffers[i].ntransforms == 0 &&
            !pc->r->buffers[i].has_arg)
            return (int)i;
    return list_new(pc, buffer_id);
}

static int list_current(struct pctx *pc)
{
    if (pc->cur_list >= 0)
        return pc->cur_list;
    return list_get(pc, DETECT_BUFFER_PAYLOAD);
}

/* Appends a zeroed item; returns its index or -1. */
int item_add(struct pctx *pc, int list, uint8_t type)
{
    struct rule_buffer_match *bm = &pc->r->buffers[list];
    if (bm->nitems >= MAX_ITEMS_PER_LIST) {
        pctx_fail(pc, "too many match keywords on one buffer (limit %d)", MAX_ITEMS_PER_LIST);
        return -1;
    }
    if (bm->nitems == bm->cap) {
        uint32_t nc = bm->cap ? bm->cap * 2 : 4;
        struct detect_item *ni = realloc(bm->items, nc * sizeof(*ni));
        if (!ni) {
            pctx_fail(pc, "out of memory");
            return -1;
        }
        bm->items = ni;
        bm->cap = nc;
    }
    memset(&bm->items[bm->nitems], 0, sizeof(bm->items[0]));
    bm->items[bm->nitems].type = type;
    if (list == pc->cur_list)
        pc->cur_list_fresh = false;
    return (int)bm->nitems++;
}

static void item_free(struct detect_item *it)
{
    switch (it->type) {
    case DETECT_ITEM_CONTENT:
        free(it->u.content.pattern);
        break;
    case DETECT_ITEM_PCRE:
        pcre2_code_free(it->u.pcre.code);
        free(it->u.pcre.source);
        break;
    default:
        break;
    }
}

void buffer_match_free(struct rule_buffer_match *bm)
{
    for (uint32_t i = 0; i < bm->nitems; i++)
        item_free(&bm->items[i]);
    free(bm->items);
    for (uint32_t i = 0; i < bm->ntransforms; i++) {
        free(bm->transforms[i].key);
        pcre2_code_free(bm->transforms[i].code);
    }
    free(bm->transforms);
    memset(bm, 0, sizeof(*bm));
}

static struct detect_content *last_content(struct pctx *pc)
{
    if (pc->last_content_list < 0) {
        pctx_fail(pc, "no preceding content");
        return NULL;
    }
    return &pc->r->buffers[pc->last_content_list].items[pc->last_content_item].u.content;
}

/* ---- content ---- */

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

/* Parses [!]"text|hex|text" into a malloc'd pattern. */
static int parse_content_value(struct pctx *pc, const char *v, uint8_t **out, uint16_t *outlen,
                               bool *negated)
{
    while (isspace((unsigned char)*v))
        v++;
    *negated = false;
    if (*v == '!') {
        *negated = true;
        v++;
        while (isspace((unsigned char)*v))
            v++;
    }
    if (*v != '"')
        return pctx_fail(pc, "content must be a quoted string");
    v++;
    size_t cap = strlen(v);
    uint8_t *buf = malloc(cap + 1);
    if (!buf)
        return pctx_fail(pc, "out of memory");
    size_t n = 0;
    bool hex = false, closed = false;
    int half = -1;
    const char *p = v;
    for (; *p; p++) {
        char c = *p;
        if (hex) {
            if (c == '|') {
                if (half >= 0) {
                    free(buf);
                    return pctx_fail(pc, "odd number of hex digits in content");
                }
                hex = false;
            } else if (isspace((unsigned char)c)) {
                if (half >= 0) {
                    free(buf);
                    return pctx_fail(pc, "space inside a hex byte in content");
                }
            } else if (hexval((unsigned char)c) >= 0) {
                if (half < 0) {
                    half = hexval((unsigned char)c);
                } else {
                    buf[n++] = (uint8_t)(half << 4 | hexval((unsigned char)c));
                    half = -1;
                }
            } else if (c == '"' && p[1] == '\0') {
                free(buf);
                return pctx_fail(pc, "unterminated hex section in content (missing '|')");
            } else {
                free(buf);
                return pctx_fail(pc, "invalid character '%c' in hex part of content", c);
            }
            continue;
        }
        if (c == '\\') {
            char nx = p[1];
            if (nx == '"' || nx == ';' || nx == '\\' || nx == ':' || nx == '|') {
                buf[n++] = (uint8_t)nx;
                p++;
                continue;
            }
            free(buf);
            if (!nx)
                return pctx_fail(pc, "unterminated string");
            return pctx_fail(pc, "invalid escape '\\%c' in content", nx);
        }
        if (c == '|') {
            hex = true;
            continue;
        }
        if (c == '"') {
            closed = true;
            p++;
            break;
        }
        buf[n++] = (uint8_t)c;
    }
    if (hex) {
        free(buf);
        return pctx_fail(pc, "unterminated hex section in content (missing '|')");
    }
    if (!closed) {
        free(buf);
        return pctx_fail(pc, "unterminated string");
    }
    while (isspace((unsigned char)*p))
        p++;
    if (*p) {
        free(buf);
        return pctx_fail(pc, "unexpected text after content string: '%.20s'", p);
    }
    if (n == 0) {
        free(buf);
        return pctx_fail(pc, "empty content");
    }
    if (n > MAX_CONTENT_LEN) {
        free(buf);
        return pctx_fail(pc, "content longer than %d bytes", MAX_CONTENT_LEN);
    }
    *out = buf;
    *outlen = (uint16_t)n;
    return 0;
}

static int add_content(struct pctx *pc, int list, char *v)
{
    uint8_t *pat = NULL;
    uint16_t len = 0;
    bool neg = false;
    if (parse_content_value(pc, v, &pat, &len, &neg))
        return -EINVAL;
    int idx = item_add(pc, list, DETECT_ITEM_CONTENT);
    if (idx < 0) {
        free(pat);
        return -EINVAL;
    }
    struct detect_content *c = &pc->r->buffers[list].items[idx].u.content;
    c->pattern = pat;
    c->len = len;
    if (neg)
        c->flags |= DETECT_CONTENT_NEGATED;
    pc->last_content_list = list;
    pc->last_content_item = (uint32_t)idx;
    return 0;
}

int kw_content(struct pctx *pc, char *v)
{
    int list = list_current(pc);
    if (list < 0)
        return -EINVAL;
    return add_content(pc, list, v);
}

int kw_uricontent(struct pctx *pc, char *v)
{
    int list = list_get(pc, detect_buffer_lookup("http.uri"));
    if (list < 0)
        return -EINVAL;
    return add_content(pc, list, v);
}

int kw_nocase(struct pctx *pc, char *v)
{
    struct detect_content *c = last_content(pc);
    if (!c)
        return -EINVAL;
    if (c->flags & DETECT_CONTENT_NOCASE)
        return pctx_fail(pc, "nocase given twice for one content");
    c->flags |= DETECT_CONTENT_NOCASE;
    for (uint16_t i = 0; i < c->len; i++)
        c->pattern[i] = (uint8_t)tolower(c->pattern[i]);
    return 0;
}

int kw_rawbytes(struct pctx *pc, char *v)
{
    struct detect_content *c = last_content(pc);
    if (!c)
        return -EINVAL;
    c->flags |= DETECT_CONTENT_RAWBYTES;
    return 0;
}

/* A number in [min, max] or the name of a byte_extract/byte_math variable. */
static int num_or_var(struct pctx *pc, const char *v, int64_t min, int64_t max, int32_t *out,
                      bool *is_var)
{
    char buf[64];
    snprintf(buf, sizeof(buf), "%s", v);
    char *s = str_trim(buf);
    int64_t x;
    *is_var = false;
    int rc = parse_i64(s, min, max, &x);
    if (rc == 0) {
        *out = (int32_t)x;
        return 0;
    }
    if (isdigit((unsigned char)*s) || *s == '-' || *s == '+')
        return pctx_fail(pc, "value '%.40s' out of range %lld..%lld", s, (long long)min,
                         (long long)max);
    for (uint32_t i = 0; i < pc->r->nbyte_vars; i++) {
        if (!strcmp(pc->r->byte_var_names[i], s)) {
            *out = (int32_t)i;
            *is_var = true;
            return 0;
        }
    }
    return pctx_fail(pc, "'%.40s' is neither a number nor a byte_extract/byte_math variable", s);
}

#define ABSOLUTE_FLAGS (DETECT_CONTENT_DEPTH | DETECT_CONTENT_OFFSET)
#define RELATIVE_FLAGS (DETECT_CONTENT_DISTANCE | DETECT_CONTENT_WITHIN)

int kw_depth(struct pctx *pc, char *v)
{
    struct detect_content *c = last_content(pc);
    if (!c)
        return -EINVAL;
    if (c->flags & DETECT_CONTENT_DEPTH)
        return pctx_fail(pc, "depth given twice for one content");
    if (c->flags & (RELATIVE_FLAGS | DETECT_CONTENT_STARTSWITH))
        return pctx_fail(pc, "depth cannot be combined with distance, within or startswith");
    bool var;
    int32_t d;
    if (num_or_var(pc, v, 1, 65535, &d, &var))
        return -EINVAL;
    c->flags |= DETECT_CONTENT_DEPTH | (var ? DETECT_CONTENT_DEPTH_VAR : 0);
    if (!var && (c->flags & DETECT_CONTENT_OFFSET) && !(c->flags & DETECT_CONTENT_OFFSET_VAR))
        d += c->offset;
    c->depth = d;
    return 0;
}

int kw_offset(struct pctx *pc, char *v)
{
    struct detect_content *c = last_content(pc);
    if (!c)
        return -EINVAL;
    if (c->flags & DETECT_CONTENT_OFFSET)
        return pctx_fail(pc, "offset given twice for one content");
    if (c->flags & (RELATIVE_FLAGS | DETECT_CONTENT_STARTSWITH))
        return pctx_fail(pc, "offset cannot be combined with distance, within or startswith");
    bool var;
    int32_t o;
    if (num_or_var(pc, v, 0, 65535, &o, &var))
        return -EINVAL;
    c->flags |= DETECT_CONTENT_OFFSET | (var ? DETECT_CONTENT_OFFSET_VAR : 0);
    c->offset = o;
    if (!var && (c->flags & DETECT_CONTENT_DEPTH) && !(c->flags & DETECT_CONTENT_DEPTH_VAR))
        c->depth += o;
    return 0;
}

int kw_distance(struct pctx *pc, char *v)
{
    struct detect_content *c = last_content(pc);
    if (!c)
        return -EINVAL;
    if (c->flags & DETECT_CONTENT_DISTANCE)
        return pctx_fail(pc, "distance given twice for one content");
    if (c->flags & (ABSOLUTE_FLAGS | DETECT_CONTENT_STARTSWITH))
        return pctx_fail(pc, "distance cannot be combined with depth, offset or startswith");
    bool var;
    int32_t d;
    if (num_or_var(pc, v, -65535, 65535, &d, &var))
        return -EINVAL;
    c->flags |= DETECT_CONTENT_DISTANCE | (var ? DETECT_CONTENT_DISTANCE_VAR : 0);
    c->distance = d;
    return 0;
}

int kw_within(struct pctx *pc, char *v)
{
    struct detect_content *c = last_content(pc);
    if (!c)
        return -EINVAL;
    if (c->flags & DETECT_CONTENT_WITHIN)
        return pctx_fail(pc, "within given twice for one content");
    if (c->flags & (ABSOLUTE_FLAGS | DETECT_CONTENT_STARTSWITH))
        return pctx_fail(pc, "within cannot be combined with depth, offset or startswith");
    bool var;
    int32_t w;
    if (num_or_var(pc, v, 1, 65535, &w, &var))
        return -EINVAL;
    c->flags |= DETECT_CONTENT_WITHIN | (var ? DETECT_CONTENT_WITHIN_VAR : 0);
    c->within = w;
    return 0;
}

int kw_startswith(struct pctx *pc, char *v)
{
    struct detect_content *c = last_content(pc);
    if (!c)
        return -EINVAL;
    if (c->flags & (ABSOLUTE_FLAGS | RELATIVE_FLAGS | DETECT_CONTENT_STARTSWITH))
        return pctx_fail(pc, "startswith cannot be combined with depth, offset, distance or "
                             "within");
    c->flags |= DETECT_CONTENT_STARTSWITH | DETECT_CONTENT_DEPTH;
    c->depth = c->len;
    c->offset = 0;
    return 0;
}

int kw_endswith(struct pctx *pc, char *v)
{
    struct detect_content *c = last_content(pc);
    if (!c)
        return -EINVAL;
    if (c->flags & DETECT_CONTENT_ENDSWITH)
        return pctx_fail(pc, "endswith given twice for one content");
    c->flags |= DETECT_CONTENT_ENDSWITH;
    return 0;
}

int kw_fast_pattern(struct pctx *pc, char *v)
{
    struct detect_content *c = last_content(pc);
    if (!c)
        return -EINVAL;
    if (pc->have_fast_pattern)
        return pctx_fail(pc, "fast_pattern can be used on only one content per rule");
    pc->have_fast_pattern = true;
    c->flags |= DETECT_CONTENT_FAST_PATTERN;
    if (!v)
        return 0;
    char *s = str_trim(v);
    if (!strcmp(s, "only")) {
        c->flags |= DETECT_CONTENT_FP_ONLY;
        return 0;
    }
    char *comma = strchr(s, ',');
    if (!comma)
        return pctx_fail(pc, "expected 'only' or 'offset,length', got '%.40s'", s);
    *comma = '\0';
    int64_t off, len;
    if (parse_i64(s, 0, 65535, &off) || parse_i64(comma + 1, 1, 65535, &len))
        return pctx_fail(pc, "invalid fast_pattern chop '%.20s,%.20s'", s, comma + 1);
    if (off + len > c->len)
        return pctx_fail(pc, "fast_pattern chop %lld,%lld goes past the content (%u bytes)",
                         (long long)off, (long long)len, c->len);
    c->flags |= DETECT_CONTENT_FP_CHOP;
    c->fp_chop_offset = (uint16_t)off;
    c->fp_chop_len = (uint16_t)len;
    return 0;
}

/* ---- bsize, urilen ---- */

static int add_bsize(struct pctx *pc, int list, const char *v, uint64_t max)
{
    struct detect_uint u;
    if (detect_uint_parse(v, max, &u))
        return pctx_fail(pc, "invalid size '%.40s'", v);
    int idx = item_add(pc, list, DETECT_ITEM_BSIZE);
    if (idx < 0)
        return -EINVAL;
    pc->r->buffers[list].items[idx].u.bsize = u;
    return 0;
}

int kw_bsize(struct pctx *pc, char *v)
{
    if (pc->cur_list < 0)
        return pctx_fail(pc, "bsize needs a sticky buffer");
    return add_bsize(pc, pc->cur_list, v, UINT32_MAX);
}

int kw_urilen(struct pctx *pc, char *v)
{
    char *c = strchr(v, ',');
    const char *buf = "http.uri";
    if (c) {
        *c = '\0';
        char *mode = str_trim(c + 1);
        if (!strcmp(mode, "raw"))
            buf = "http.uri.raw";
        else if (strcmp(mode, "norm") != 0)
            return pctx_fail(pc, "urilen mode must be raw or norm, not '%.20s'", mode);
    }
    int list = list_get(pc, detect_buffer_lookup(buf));
    if (list < 0)
        return -EINVAL;
    return add_bsize(pc, list, v, 65535);
}

/* ---- pcre ---- */

int kw_pcre(struct pctx *pc, char *v)
{
    char *s = str_trim(v);
    bool neg = false;
    if (*s == '!') {
        neg = true;
        s = str_trim(s + 1);
    }
    size_t len = strlen(s);
    /* Suricata also accepts the unquoted Snort form pcre:/regex/flags; */
    bool quoted = len >= 2 && s[0] == '"' && s[len - 1] == '"';
    if (!quoted && (len < 2 || s[0] != '/'))
        return pctx_fail(pc, "pcre must be a quoted \"/regex/flags\" string");
    if (quoted) {
        s[len - 1] = '\0';
        s++;
    }
    if (*s != '/')
        return pctx_fail(pc, "pcre must start with '/'");
    char *end = strrchr(s, '/');
    if (end == s)
        return pctx_fail(pc, "pcre has no closing '/'");
    *end = '\0';
    const char *re = s + 1;
    const char *flags = end + 1;
    size_t relen = strlen(re);
    if (relen == 0)
        return pctx_fail(pc, "empty pcre");
    if (relen > MAX_PCRE_LEN)
        return pctx_fail(pc, "pcre longer than %d bytes", MAX_PCRE_LEN);
    uint32_t opts = 0, pflags = neg ? DETECT_PCRE_NEGATED : 0;
    int buffer = -1;
    for (const char *f = flags; *f; f++) {
        switch (*f) {
        case 'i':
            opts |= PCRE2_CASELESS;
            break;
        case 's':
            opts |= PCRE2_DOTALL;
            break;
        case 'm':
            opts |= PCRE2_MULTILINE;
            break;
        case 'x':
            opts |= PCRE2_EXTENDED;
            break;
        case 'A':
            opts |= PCRE2_ANCHORED;
            break;
        case 'E':
            opts |= PCRE2_DOLLAR_ENDONLY;
            break;
        case 'G':
            opts |= PCRE2_UNGREEDY;
            break;
        case 'R':
            pflags |= DETECT_PCRE_RELATIVE;
            break;
        case 'B':
            pflags |= DETECT_PCRE_RAWBYTES;
            break;
        case 'O':
            pflags |= DETECT_PCRE_NO_LIMIT;
            break;
        default: {
            int id = detect_buffer_lookup_pcre_flag(*f);
            if (id < 0)
                return pctx_fail(pc, "unknown pcre flag '%c'", *f);
            if (buffer >= 0 && buffer != id)
                return pctx_fail(pc, "pcre names two buffers ('%c')", *f);
            buffer = id;
        }
        }
    }
    int list;
    if (buffer >= 0) {
        int fdata = detect_buffer_lookup("file.data");
        int rbody = detect_buffer_lookup("http.response_body");
        int cur = pc->cur_list >= 0 ? pc->r->buffers[pc->cur_list].buffer_id : -1;
        bool body_alias = (cur == fdata || cur == rbody) && (buffer == fdata || buffer == rbody);
        if (cur >= 0 && cur != buffer && !body_alias)
            return pctx_fail(pc, "pcre buffer flag conflicts with sticky buffer '%s'",
                             detect_buffer_get(pc->r->buffers[pc->cur_list].buffer_id)->name);
        list = pc->cur_list >= 0 ? pc->cur_list : list_get(pc, buffer);
    } else {
        list = list_current(pc);
    }
    if (list < 0)
        return -EINVAL;
    int errcode;
    PCRE2_SIZE erroff;
    pcre2_compile_context *cc = pcre2_compile_context_create(NULL);
    if (cc)
        pcre2_set_parens_nest_limit(cc, 64);
    pcre2_code *code = pcre2_compile((PCRE2_SPTR)re, relen, opts, &errcode, &erroff, cc);
    pcre2_compile_context_free(cc);
    if (!code) {
        char msg[160];
        pcre2_get_error_message(errcode, (PCRE2_UCHAR *)msg, sizeof(msg));
        return pctx_fail(pc, "pcre '/%.60s/' does not compile at offset %zu: %s", re,
                         (size_t)erroff, msg);
    }
    pcre2_jit_compile(code, PCRE2_JIT_COMPLETE); /* falls back to the interpreter */
    int idx = item_add(pc, list, DETECT_ITEM_PCRE);
    if (idx < 0) {
        pcre2_code_free(code);
        return -EINVAL;
    }
    struct detect_pcre *p = &pc->r->buffers[list].items[idx].u.pcre;
    p->code = code;
    p->source = strdup(re);
    p->flags = pflags;
    pcre2_pattern_info(code, PCRE2_INFO_CAPTURECOUNT, &p->capture_count);
    return 0;
}

/* ---- byte keywords ---- */

static int byte_var_define(struct pctx *pc, const char *name, uint8_t *out)
{
    if (!*name || isdigit((unsigned char)*name) || strlen(name) > 64)
        return pctx_fail(pc, "invalid variable name '%.40s'", name);
    for (uint32_t i = 0; i < pc->r->nbyte_vars; i++)
        if (!strcmp(pc->r->byte_var_names[i], name))
            return pctx_fail(pc, "variable '%.40s' defined twice", name);
    if (pc->r->nbyte_vars >= RULE_MAX_BYTE_VARS)
        return pctx_fail(pc, "too many byte_extract/byte_math variables (limit %d)",
                         RULE_MAX_BYTE_VARS);
    char *dup = strdup(name);
    if (!dup)
        return pctx_fail(pc, "out of memory");
    pc->r->byte_var_names[pc->r->nbyte_vars] = dup;
    *out = (uint8_t)pc->r->nbyte_vars++;
    return 0;
}

static int byte_base(struct pctx *pc, const char *s, struct detect_byte *b)
{
    if (!strcmp(s, "hex"))
        b->base = 16;
    else if (!strcmp(s, "dec"))
        b->base = 10;
    else if (!strcmp(s, "oct"))
        b->base = 8;
    else
        return -1;
    return 0;
}

/* Common trailing options; `kind` selects which are allowed. */
enum { BK_TEST, BK_JUMP, BK_EXTRACT, BK_MATH };

static int byte_opts(struct pctx *pc, char **tok, int n, struct detect_byte *b, int kind)
{
    bool have_endian = false;
    for (int i = 0; i < n; i++) {
        char *t = tok[i];
        char *arg = t;
        while (*arg && !isspace((unsigned char)*arg))
            arg++;
        if (*arg)
            *arg++ = '\0';
        arg = str_trim(arg);
        int64_t x;
        if (!strcmp(t, "relative")) {
            b->flags |= DETECT_BYTE_RELATIVE;
        } else if (!strcmp(t, "big") || !strcmp(t, "little") || !strcmp(t, "dce")) {
            if (have_endian)
                return pctx_fail(pc, "endianness given twice");
            have_endian = true;
            b->endian = !strcmp(t, "big")      ? DETECT_ENDIAN_BIG
                        : !strcmp(t, "little") ? DETECT_ENDIAN_LITTLE
                                               : DETECT_ENDIAN_DCE;
        } else if (!strcmp(t, "endian") && kind == BK_MATH) {
            if (!strcmp(arg, "big"))
                b->endian = DETECT_ENDIAN_BIG;
            else if (!strcmp(arg, "little"))
                b->endian = DETECT_ENDIAN_LITTLE;
            else if (!strcmp(arg, "dce"))
                b->endian = DETECT_ENDIAN_DCE;
            else
                return pctx_fail(pc, "unknown endian '%.20s'", arg);
            have_endian = true;
        } else if (!strcmp(t, "string")) {
            b->flags |= DETECT_BYTE_STRING;
            if (*arg && byte_base(pc, arg, b))
                return pctx_fail(pc, "unknown string base '%.20s'", arg);
        } else if (byte_base(pc, t, b) == 0) {
            /* base given on its own (after "string") */
        } else if (!strcmp(t, "align") && kind == BK_JUMP) {
            b->flags |= DETECT_BYTE_ALIGN;
            b->align = 4;
        } else if (!strcmp(t, "align") && kind == BK_EXTRACT) {
            if (parse_i64(arg, 2, 4, &x) || x == 3)
                return pctx_fail(pc, "align must be 2 or 4");
            b->flags |= DETECT_BYTE_ALIGN;
            b->align = (uint8_t)x;
        } else if (!strcmp(t, "from_beginning") && kind == BK_JUMP) {
            b->flags |= DETECT_BYTE_FROM_BEGINNING;
        } else if (!strcmp(t, "from_end") && kind == BK_JUMP) {
            b->flags |= DETECT_BYTE_FROM_END;
        } else if (!strcmp(t, "multiplier") && (kind == BK_JUMP || kind == BK_EXTRACT)) {
            if (parse_i64(arg, 1, 65535, &x))
                return pctx_fail(pc, "invalid multiplier '%.20s' (1..65535)", arg);
            b->multiplier = (uint32_t)x;
        } else if (!strcmp(t, "post_offset") && kind == BK_JUMP) {
            if (parse_i64(arg, -65535, 65535, &x))
                return pctx_fail(pc, "invalid post_offset '%.20s'", arg);
            b->post_offset = (int32_t)x;
        } else if (!strcmp(t, "bitmask") && kind != BK_EXTRACT) {
            uint64_t m;
            if (parse_u64(arg, UINT32_MAX, &m) || m == 0)
                return pctx_fail(pc, "invalid bitmask '%.20s'", arg);
            b->flags |= DETECT_BYTE_BITMASK;
            b->bitmask = (uint32_t)m;
        } else {
            return pctx_fail(pc, "unknown option '%.40s'", t);
        }
    }
    if (b->base && !(b->flags & DETECT_BYTE_STRING))
        return pctx_fail(pc, "hex/dec/oct need 'string'");
    if ((b->flags & DETECT_BYTE_STRING) && !b->base)
        b->base = 10;
    if ((b->flags & DETECT_BYTE_STRING) && b->endian == DETECT_ENDIAN_DCE)
        return pctx_fail(pc, "dce cannot be used with string");
    if ((b->flags & DETECT_BYTE_FROM_BEGINNING) && (b->flags & DETECT_BYTE_FROM_END))
        return pctx_fail(pc, "from_beginning and from_end together");
    return 0;
}

static int byte_nbytes(struct pctx *pc, const char *s, struct detect_byte *b)
{
    int64_t x;
    /* 0 is accepted as Suricata does: with string, the digits present are
     * read; without, the value read is 0. */
    if (parse_i64(s, 0, 23, &x) == 0) {
        b->nbytes = (uint8_t)x;
        return 0;
    }
    for (uint32_t i = 0; i < pc->r->nbyte_vars; i++) {
        if (!strcmp(pc->r->byte_var_names[i], s)) {
            b->nbytes = (uint8_t)i;
            b->flags |= DETECT_BYTE_NBYTES_VAR;
            return 0;
        }
    }
    return pctx_fail(pc, "invalid number of bytes '%.20s' (1..8, or up to 23 with string)", s);
}

static int byte_check_nbytes(struct pctx *pc, const struct detect_byte *b)
{
    if (b->flags & DETECT_BYTE_NBYTES_VAR)
        return 0;
    if (!(b->flags & DETECT_BYTE_STRING) && b->nbytes > 8)
        return pctx_fail(pc, "more than 8 bytes need 'string'");
    return 0;
}

static int add_byte_item(struct pctx *pc, uint8_t type, const struct detect_byte *b)
{
    int list = list_current(pc);
    if (list < 0)
        return -EINVAL;
    int idx = item_add(pc, list, type);
    if (idx < 0)
        return -EINVAL;
    pc->r->buffers[list].items[idx].u.byte = *b;
    return 0;
}

int kw_byte_test(struct pctx *pc, char *v)
{
    char *tok[16];
    int n = split_commas(v, tok, 16);
    if (n < 4)
        return pctx_fail(pc, "byte_test needs 'bytes, operator, value, offset[, options]'");
    struct detect_byte b = {0};
    if (byte_nbytes(pc, tok[0], &b))
        return -EINVAL;
    char *op = tok[1];
    if (*op == '!') {
        b.flags |= DETECT_BYTE_NEGOP;
        op = str_trim(op + 1);
    }
    if (!strcmp(op, "<"))
        b.op = DETECT_BYTE_OP_LT;
    else if (!strcmp(op, ">"))
        b.op = DETECT_BYTE_OP_GT;
    else if (!strcmp(op, "=") || (!*op && (b.flags & DETECT_BYTE_NEGOP)))
        b.op = DETECT_BYTE_OP_EQ;
    else if (!strcmp(op, "&"))
        b.op = DETECT_BYTE_OP_AND;
    else if (!strcmp(op, "^"))
        b.op = DETECT_BYTE_OP_OR;
    else if (!strcmp(op, "<="))
        b.op = DETECT_BYTE_OP_LE;
    else if (!strcmp(op, ">="))
        b.op = DETECT_BYTE_OP_GE;
    else
        return pctx_fail(pc, "unknown operator '%.10s'", tok[1]);
    uint64_t val;
    if (parse_u64(tok[2], UINT64_MAX, &val) == 0) {
        b.value = val;
    } else {
        bool var;
        int32_t id;
        if (num_or_var(pc, tok[2], 0, 0, &id, &var))
            return -EINVAL;
        b.value = (uint64_t)id;
        b.flags |= DETECT_BYTE_VALUE_VAR;
    }
    bool var;
    if (num_or_var(pc, tok[3], -INT32_MAX, INT32_MAX, &b.offset, &var))
        return -EINVAL;
    if (var)
        b.flags |= DETECT_BYTE_OFFSET_VAR;
    if (byte_opts(pc, tok + 4, n - 4, &b, BK_TEST) || byte_check_nbytes(pc, &b))
        return -EINVAL;
    return add_byte_item(pc, DETECT_ITEM_BYTE_TEST, &b);
}

int kw_byte_jump(struct pctx *pc, char *v)
{
    char *tok[16];
    int n = split_commas(v, tok, 16);
    if (n < 2)
        return pctx_fail(pc, "byte_jump needs 'bytes, offset[, options]'");
    struct detect_byte b = {0};
    if (byte_nbytes(pc, tok[0], &b))
        return -EINVAL;
    bool var;
    if (num_or_var(pc, tok[1], -INT32_MAX, INT32_MAX, &b.offset, &var))
        return -EINVAL;
    if (var)
        b.flags |= DETECT_BYTE_OFFSET_VAR;
    b.multiplier = 1;
    if (byte_opts(pc, tok + 2, n - 2, &b, BK_JUMP) || byte_check_nbytes(pc, &b))
        return -EINVAL;
    return add_byte_item(pc, DETECT_ITEM_BYTE_JUMP, &b);
}

int kw_byte_extract(struct pctx *pc, char *v)
{
    char *tok[16];
    int n = split_commas(v, tok, 16);
    if (n < 3)
        return pctx_fail(pc, "byte_extract needs 'bytes, offset, name[, options]'");
    struct detect_byte b = {0};
    int64_t x;
    if (parse_i64(tok[0], 1, 23, &x))
        return pctx_fail(pc, "invalid number of bytes '%.20s'", tok[0]);
    b.nbytes = (uint8_t)x;
    if (parse_i64(tok[1], -65535, 65535, &x))
        return pctx_fail(pc, "invalid offset '%.20s'", tok[1]);
    b.offset = (int32_t)x;
    b.multiplier = 1;
    if (byte_opts(pc, tok + 3, n - 3, &b, BK_EXTRACT) || byte_check_nbytes(pc, &b))
        return -EINVAL;
    if (byte_var_define(pc, tok[2], &b.var))
        return -EINVAL;
    return add_byte_item(pc, DETECT_ITEM_BYTE_EXTRACT, &b);
}

int kw_byte_math(struct pctx *pc, char *v)
{
    char *tok[16];
    int n = split_commas(v, tok, 16);
    if (n < 0)
        return pctx_fail(pc, "too many options");
    struct detect_byte b = {0};
    char *rest[16];
    int nrest = 0;
    bool have_bytes = false, have_offset = false, have_oper = false, have_rvalue = false;
    const char *result = NULL;
    for (int i = 0; i < n; i++) {
        char *t = tok[i];
        char *arg = t;
        while (*arg && !isspace((unsigned char)*arg))
            arg++;
        char save = *arg;
        if (*arg)
            *arg = '\0';
        char *a = str_trim(arg + (save ? 1 : 0));
        int64_t x;
        if (!strcmp(t, "bytes")) {
            if (byte_nbytes(pc, a, &b))
                return -EINVAL;
            have_bytes = true;
        } else if (!strcmp(t, "offset")) {
            if (parse_i64(a, -65535, 65535, &x))
                return pctx_fail(pc, "invalid offset '%.20s'", a);
            b.offset = (int32_t)x;
            have_offset = true;
        } else if (!strcmp(t, "oper")) {
            static const struct {
                const char *s;
                uint8_t op;
            } ops[] = {{"+", DETECT_BYTE_OP_ADD},  {"-", DETECT_BYTE_OP_SUB},
                       {"*", DETECT_BYTE_OP_MUL},  {"/", DETECT_BYTE_OP_DIV},
                       {"<<", DETECT_BYTE_OP_SHL}, {">>", DETECT_BYTE_OP_SHR}};
            int k = -1;
            for (int j = 0; j < 6; j++)
                if (!strcmp(a, ops[j].s))
                    k = j;
            if (k < 0)
                return pctx_fail(pc, "unknown oper '%.10s'", a);
            b.op = ops[k].op;
            have_oper = true;
        } else if (!strcmp(t, "rvalue")) {
            uint64_t rv;
            if (parse_u64(a, UINT32_MAX, &rv) == 0) {
                b.value = rv;
            } else {
                bool var;
                int32_t id;
                if (num_or_var(pc, a, 0, 0, &id, &var))
                    return -EINVAL;
                b.value = (uint64_t)id;
                b.flags |= DETECT_BYTE_VALUE_VAR;
            }
            have_rvalue = true;
        } else if (!strcmp(t, "result")) {
            result = a;
        } else {
            if (save)
                *arg = save;
            rest[nrest++] = t;
        }
    }
    if (!have_bytes || !have_offset || !have_oper || !have_rvalue || !result)
        return pctx_fail(pc, "byte_math needs bytes, offset, oper, rvalue and result");
    if (byte_opts(pc, rest, nrest, &b, BK_MATH) || byte_check_nbytes(pc, &b))
        return -EINVAL;
    if (b.op == DETECT_BYTE_OP_DIV && !(b.flags & DETECT_BYTE_VALUE_VAR) && b.value == 0)
        return pctx_fail(pc, "division by zero");
    if (byte_var_define(pc, result, &b.var))
        return -EINVAL;
    return add_byte_item(pc, DETECT_ITEM_BYTE_MATH, &b);
}

int kw_isdataat(struct pctx *pc, char *v)
{
    char *tok[4];
    int n = split_commas(v, tok, 4);
    if (n < 1 || !*tok[0])
        return pctx_fail(pc, "isdataat needs a value");
    struct detect_isdataat d = {0};
    char *val = tok[0];
    if (*val == '!') {
        d.flags |= DETECT_ISDATAAT_NEGATED;
        val = str_trim(val + 1);
    }
    bool var;
    int32_t x;
    if (num_or_var(pc, val, 0, 65535, &x, &var))
        return -EINVAL;
    d.value = (uint32_t)x;
    if (var)
        d.flags |= DETECT_ISDATAAT_VAR;
    for (int i = 1; i < n; i++) {
        if (!strcmp(tok[i], "relative"))
            d.flags |= DETECT_ISDATAAT_RELATIVE;
        else if (strcmp(tok[i], "rawbytes") != 0)
            return pctx_fail(pc, "unknown isdataat option '%.20s'", tok[i]);
    }
    int list = list_current(pc);
    if (list < 0)
        return -EINVAL;
    int idx = item_add(pc, list, DETECT_ITEM_ISDATAAT);
    if (idx < 0)
        return -EINVAL;
    pc->r->buffers[list].items[idx].u.isdataat = d;
    return 0;
}

int kw_base64_decode(struct pctx *pc, char *v)
{
    struct detect_base64 b = {0};
    if (v) {
        char *tok[4];
        int n = split_commas(v, tok, 4);
        if (n < 0)
            return pctx_fail(pc, "too many options");
        for (int i = 0; i < n; i++) {
            if (!*tok[i])
                continue;
            char *t = tok[i], *a = t;
            while (*a && !isspace((unsigned char)*a))
                a++;
            if (*a)
                *a++ = '\0';
            a = str_trim(a);
            int64_t x;
            if (!strcmp(t, "relative")) {
                b.relative = true;
            } else if (!strcmp(t, "bytes")) {
                if (parse_i64(a, 1, 65535, &x))
                    return pctx_fail(pc, "invalid bytes '%.20s'", a);
                b.bytes = (uint32_t)x;
            } else if (!strcmp(t, "offset")) {
                if (parse_i64(a, 0, 65535, &x))
                    return pctx_fail(pc, "invalid offset '%.20s'", a);
                b.offset = (uint32_t)x;
            } else {
                return pctx_fail(pc, "unknown base64_decode option '%.20s'", t);
            }
        }
    }
    /* Without a sticky buffer, base64_decode decodes the buffer of the
     * previous content or pcre (content:"x"; http_uri; base64_decode;), as
     * in Suricata. */
    int list = pc->cur_list < 0 && pc->last_content_list >= 0 ? pc->last_content_list
                                                              : list_current(pc);
    if (list < 0)
        return -EINVAL;
    if (pc->r->buffers[list].buffer_id == DETECT_BUFFER_BASE64_DATA)
        return pctx_fail(pc, "base64_decode cannot inspect base64_data");
    int idx = item_add(pc, list, DETECT_ITEM_BASE64_DECODE);
    if (idx < 0)
        return -EINVAL;
    pc->r->buffers[list].items[idx].u.base64 = b;
    return 0;
}

/* ---- buffers ---- */

int kw_pkt_data(struct pctx *pc, char *v)
{
    pc->cur_list = -1;
    pc->cur_list_fresh = false;
    return 0;
}

int kw_sticky_buffer(struct pctx *pc, int buffer_id)
{
    if (buffer_id == DETECT_BUFFER_PAYLOAD)
        return kw_pkt_data(pc, NULL);
    int list = list_get(pc, buffer_id);
    if (list < 0)
        return -EINVAL;
    /* A multi-buffer (one instance per header, certificate, ...) named
     * again after matches is a list of its own, matched against any
     * instance independently (Suricata 7, bug 5780): http.request_header;
     * content:"a"; http.request_header; content:"b"; matches a and b in
     * two different headers. */
    const struct detect_buffer_info *bi = detect_buffer_get(buffer_id);
    if (bi && bi->multi && pc->r->buffers[list].nitems) {
        list = list_new(pc, buffer_id);
        if (list < 0)
            return -EINVAL;
    }
    pc->cur_list = list;
    pc->cur_list_fresh = true;
    return 0;
}

int kw_sticky_buffer_arg(struct pctx *pc, int buffer_id, uint32_t arg)
{
    int list = -1;
    for (uint32_t i = 0; i < pc->r->nbuffers; i++)
        if (pc->r->buffers[i].buffer_id == buffer_id && pc->r->buffers[i].ntransforms == 0 &&
            pc->r->buffers[i].has_arg && pc->r->buffers[i].arg == arg)
            list = (int)i;
    if (list < 0) {
        list = list_new(pc, buffer_id);
        if (list < 0)
            return -EINVAL;
        pc->r->buffers[list].has_arg = true;
        pc->r->buffers[list].arg = arg;
    }
    pc->cur_list = list;
    pc->cur_list_fresh = true;
    return 0;
}

int kw_content_modifier(struct pctx *pc, int buffer_id)
{
    if (pc->last_content_list < 0)
        return pctx_fail(pc, "content modifier without a preceding content");
    struct rule_buffer_match *from = &pc->r->buffers[pc->last_content_list];
    if (from->buffer_id == buffer_id)
        return 0;
    if (from->buffer_id != DETECT_BUFFER_PAYLOAD)
        return pctx_fail(pc, "content modifier cannot move a content out of sticky buffer '%s'",
                         detect_buffer_get(from->buffer_id)->name);
    int to = list_get(pc, buffer_id);
    if (to < 0)
        return -EINVAL;
    from = &pc->r->buffers[pc->last_content_list]; /* list_get may realloc */
    struct detect_item moved = from->items[pc->last_content_item];
    memmove(&from->items[pc->last_content_item], &from->items[pc->last_content_item + 1],
            (from->nitems - pc->last_content_item - 1) * sizeof(moved));
    from->nitems--;
    int idx = item_add(pc, to, DETECT_ITEM_CONTENT);
    if (idx < 0) {
        item_free(&moved);
        return -EINVAL;
    }
    pc->r->buffers[to].items[idx] = moved;
    pc->last_content_list = to;
    pc->last_content_item = (uint32_t)idx;
    return 0;
}

static const char *const transform_names[] = {
    [DETECT_TRANSFORM_TO_LOWERCASE] = "to_lowercase",
    [DETECT_TRANSFORM_TO_UPPERCASE] = "to_uppercase",
    [DETECT_TRANSFORM_STRIP_WHITESPACE] = "strip_whitespace",
    [DETECT_TRANSFORM_COMPRESS_WHITESPACE] = "compress_whitespace",
    [DETECT_TRANSFORM_URL_DECODE] = "url_decode",
    [DETECT_TRANSFORM_DOTPREFIX] = "dotprefix",
    [DETECT_TRANSFORM_TO_MD5] = "to_md5",
    [DETECT_TRANSFORM_TO_SHA1] = "to_sha1",
    [DETECT_TRANSFORM_TO_SHA256] = "to_sha256",
    [DETECT_TRANSFORM_PCREXFORM] = "pcrexform",
    [DETECT_TRANSFORM_XOR] = "xor",
    [DETECT_TRANSFORM_HEADER_LOWERCASE] = "header_lowercase",
    [DETECT_TRANSFORM_STRIP_PSEUDO_HEADERS] = "strip_pseudo_headers",
    [DETECT_TRANSFORM_FROM_BASE64] = "from_base64",
    [DETECT_TRANSFORM_GUNZIP] = "gunzip",
    [DETECT_TRANSFORM_ZLIB_DEFLATE] = "zlib_deflate",
    [DETECT_TRANSFORM_SUBSLICE] = "subslice",
    [DETECT_TRANSFORM_DOMAIN] = "domain",
    [DETECT_TRANSFORM_TLD] = "tld",
};

const char *detect_transform_name(size_t i)
{
    return i < sizeof(transform_names) / sizeof(transform_names[0]) ? transform_names[i] : NULL;
}

size_t detect_transform_name_count(void)
{
    return sizeof(transform_names) / sizeof(transform_names[0]);
}

int detect_transform_lookup(const char *name)
{
    for (size_t i = 0; i < sizeof(transform_names) / sizeof(transform_names[0]); i++)
        if (transform_names[i] && !strcmp(transform_names[i], name))
            return (int)i;
    return -1;
}

int kw_transform(struct pctx *pc, int type, char *v)
{
    if (pc->cur_list < 0)
        return pctx_fail(pc, "transforms need a sticky buffer before them");
    /* A transform after matches (http.uri; content:"a"; from_base64;
     * content:"b";) starts a transformed list of the same buffer, below. */
    struct detect_transform t = {.type = (uint8_t)type};
    if (detect_transform_owns((uint8_t)type)) {
        char err[200] = "";
        if (detect_transform_parse(&t, v, err, sizeof(err)) != 0) {
            free(t.key);
            return pctx_fail(pc, "%s", err);
        }
    } else if (type == DETECT_TRANSFORM_PCREXFORM) {
        /* The expression is a quoted string, as in Suricata. */
        while (v && isspace((unsigned char)*v))
            v++;
        if (v && *v != '"')
            return pctx_fail(pc, "pcrexform needs a quoted regular expression, not '%.40s'", v);
        char *re = v ? pctx_unquote(pc, v) : NULL;
        if (!re)
            return v ? -EINVAL : pctx_fail(pc, "pcrexform needs a regular expression");
        int errcode;
        PCRE2_SIZE erroff;
        t.code = pcre2_compile((PCRE2_SPTR)re, strlen(re), 0, &errcode, &erroff, NULL);
        if (!t.code) {
            char msg[160];
            pcre2_get_error_message(errcode, (PCRE2_UCHAR *)msg, sizeof(msg));
            int rc = pctx_fail(pc, "pcrexform '%.60s' does not compile: %s", re, msg);
            free(re);
            return rc;
        }
        uint32_t caps = 0;
        pcre2_pattern_info(t.code, PCRE2_INFO_CAPTURECOUNT, &caps);
        if (caps < 1) {
            pcre2_code_free(t.code);
            free(re);
            return pctx_fail(pc, "pcrexform needs a capture group");
        }
        free(re);
        pcre2_jit_compile(t.code, PCRE2_JIT_COMPLETE);
    } else if (v) {
        return pctx_fail(pc, "transform takes no value");
    }
    struct rule_buffer_match *bm = &pc->r->buffers[pc->cur_list];
    if (bm->nitems > 0) {
        /* The sticky buffer was used before in this rule: a transformed
         * variant is a list of its own. */
        bool has_arg = bm->has_arg;
        uint32_t arg = bm->arg;
        int list = list_new(pc, bm->buffer_id);
        if (list < 0) {
            free(t.key);
            pcre2_code_free(t.code);
            return -EINVAL;
        }
        pc->cur_list = list;
        bm = &pc->r->buffers[list];
        bm->has_arg = has_arg;
        bm->arg = arg;
    }
    if (bm->ntransforms >= MAX_TRANSFORMS) {
        free(t.key);
        pcre2_code_free(t.code);
        return pctx_fail(pc, "too many transforms (limit %d)", MAX_TRANSFORMS);
    }
    struct detect_transform *nt = realloc(bm->transforms, (bm->ntransforms + 1) * sizeof(*nt));
    if (!nt) {
        free(t.key);
        pcre2_code_free(t.code);
        return pctx_fail(pc, "out of memory");
    }
    bm->transforms = nt;
    nt[bm->ntransforms++] = t;
    return 0;
}

/* ---- whole-rule checks ---- */

static uint64_t bsize_max(const struct detect_uint *u)
{
    switch (u->mode) {
    case DETECT_UINT_EQ:
    case DETECT_UINT_LE:
        return u->a;
    case DETECT_UINT_LT:
        return u->a ? u->a - 1 : 0;
    case DETECT_UINT_RANGE:
        return u->b - 1;
    default:
        return UINT64_MAX;
    }
}

int payload_check_rule(struct pctx *pc)
{
    struct rule *r = pc->r;
    pc->kw = NULL;
    for (uint32_t b = 0; b < r->nbuffers; b++) {
        struct rule_buffer_match *bm = &r->buffers[b];
        uint64_t max = UINT64_MAX;
        for (uint32_t i = 0; i < bm->nitems; i++)
            if (bm->items[i].type == DETECT_ITEM_BSIZE && bsize_max(&bm->items[i].u.bsize) < max)
                max = bsize_max(&bm->items[i].u.bsize);
        for (uint32_t i = 0; i < bm->nitems; i++) {
            if (bm->items[i].type != DETECT_ITEM_CONTENT)
                continue;
            const struct detect_content *c = &bm->items[i].u.content;
            pc->kw = "content";
            /* A content the transformed buffer can never hold (Suricata
             * rejects these rules too). A negated one is always true, and
             * a nocase one is stored lower-cased: neither is checked. */
            const char *xf = bm->ntransforms && !(c->flags & (DETECT_CONTENT_NEGATED |
                                                              DETECT_CONTENT_NOCASE))
                                 ? detect_transforms_content_conflict(bm, c->pattern, c->len)
                                 : NULL;
            if (xf) {
                char shown[61];
                uint32_t n = c->len < 60 ? c->len : 60;
                for (uint32_t k = 0; k < n; k++)
                    shown[k] = isprint(c->pattern[k]) ? (char)c->pattern[k] : '.';
                shown[n] = '\0';
                return pctx_fail_reason(pc, "content incompatible with transform",
                                        "content \"%s\" is incompatible with %s transform "
                                        "(it can never match)",
                                        shown, xf);
            }
            if (!(c->flags & DETECT_CONTENT_NEGATED) && c->len > max)
                return pctx_fail_reason(pc, "content longer than bsize",
                                        "content of %u bytes can never fit bsize (max %llu)",
                                        c->len, (unsigned long long)max);
            if ((c->flags & DETECT_CONTENT_WITHIN) && !(c->flags & DETECT_CONTENT_WITHIN_VAR) &&
                c->within < c->len) {
                pc->kw = "within";
                return pctx_fail(pc, "within %d is less than the content length %u", c->within,
                                 c->len);
            }
            if ((c->flags & DETECT_CONTENT_DEPTH) &&
                !(c->flags & (DETECT_CONTENT_DEPTH_VAR | DETECT_CONTENT_OFFSET_VAR)) &&
                c->depth - c->offset < c->len) {
                pc->kw = "depth";
                return pctx_fail(pc, "depth %d is less than the content length %u",
                                 c->depth - c->offset, c->len);
            }
            if ((c->flags & DETECT_CONTENT_FP_ONLY) &&
                (c->flags & (DETECT_CONTENT_NEGATED | ABSOLUTE_FLAGS | RELATIVE_FLAGS))) {
                pc->kw = "fast_pattern";
                return pctx_fail(pc, "fast_pattern:only cannot be used with negation or "
                                     "position modifiers");
            }
        }
    }
    /* Drop an empty payload list (all its contents moved to http buffers). */
    for (uint32_t b = 0; b < r->nbuffers; b++) {
        if (r->buffers[b].nitems == 0 && r->buffers[b].buffer_id == DETECT_BUFFER_PAYLOAD) {
            buffer_match_free(&r->buffers[b]);
            memmove(&r->buffers[b], &r->buffers[b + 1],
                    (r->nbuffers - b - 1) * sizeof(r->buffers[0]));
            r->nbuffers--;
            b--;
        }
    }
    pc->kw = NULL;
    return 0;
}
