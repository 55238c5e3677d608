/* SPDX-License-Identifier: Apache-2.0 */
/* Payload inspection with Suricata's semantics (its
 * DetectEngineContentInspection): items are evaluated in rule order with a
 * running buffer offset; when an item relative to a content (or pcre) fails,
 * the next occurrence of that content is tried, recursively, bounded by
 * DETECT_RECURSION_LIMIT. Each step returns 1 (the rest of the list
 * matched), 0 (no match, an earlier item may retry) or -1 (no match and no
 * retry can help). */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "detect/detect_buffer.h"
#include "detect/detect_engine_internal.h"
#include "detect/detect_transform.h"
#include "util/base64.h"

int detect_grow(struct detect_grow_buf *b, uint32_t need)
{
    if (need <= b->cap)
        return 0;
    uint32_t nc = b->cap ? b->cap : 4096;
    while (nc < need) {
        if (nc > UINT32_MAX / 2)
            return -ENOMEM;
        nc *= 2;
    }
    uint8_t *nd = realloc(b->data, nc);
    if (!nd)
        return -ENOMEM;
    b->data = nd;
    b->cap = nc;
    return 0;
}

/* ---- search ---- */

static const uint8_t *search_nocase(const uint8_t *hay, uint32_t hlen, const uint8_t *pat,
                                    uint16_t plen)
{
    /* pat is lower-case */
    if (plen > hlen)
        return NULL;
    uint8_t first = pat[0];
    uint8_t up = (uint8_t)toupper(first);
    const uint8_t *end = hay + hlen - plen;
    for (const uint8_t *p = hay; p <= end; p++) {
        if (*p != first && *p != up)
            continue;
        uint16_t i = 1;
        while (i < plen && tolower(p[i]) == pat[i])
            i++;
        if (i == plen)
            return p;
    }
    return NULL;
}

static const uint8_t *search(const struct detect_content *c, const uint8_t *hay, uint32_t hlen)
{
    if (c->len > hlen)
        return NULL;
    if (c->flags & DETECT_CONTENT_NOCASE)
        return search_nocase(hay, hlen, c->pattern, c->len);
    return memmem(hay, hlen, c->pattern, c->len);
}

/* ---- byte extraction ---- */

/* Reads nbytes at ptr as a number; 0 or -1 (not a number). With string and
 * nbytes 0, reads the digits present (at most 23, within avail); *used is
 * the number of bytes consumed. */
static int extract_value(const uint8_t *ptr, uint32_t nbytes, uint32_t avail,
                         const struct detect_byte *b, uint64_t *out, uint32_t *used)
{
    *used = nbytes;
    if (b->flags & DETECT_BYTE_STRING) {
        char buf[32];
        uint32_t n = nbytes ? nbytes : (avail < 23 ? avail : 23);
        if (n >= sizeof(buf) || n > avail)
            return -1;
        memcpy(buf, ptr, n);
        buf[n] = '\0';
        char *end;
        errno = 0;
        unsigned long long v = strtoull(buf, &end, b->base);
        if (end == buf || errno == ERANGE || buf[0] == '-' || buf[0] == '+' ||
            isspace((unsigned char)buf[0]))
            return -1;
        *out = v;
        if (!nbytes)
            *used = (uint32_t)(end - buf);
        return 0;
    }
    if (nbytes > 8)
        return -1;
    uint64_t v = 0;
    /* dce: the stub data's own byte order; DCE/RPC traffic is little endian
     * (NDR with drep 0x10) in practice. */
    if (b->endian == DETECT_ENDIAN_LITTLE || b->endian == DETECT_ENDIAN_DCE) {
        for (uint32_t i = nbytes; i-- > 0;)
            v = (v << 8) | ptr[i];
    } else {
        for (uint32_t i = 0; i < nbytes; i++)
            v = (v << 8) | ptr[i];
    }
    *out = v;
    return 0;
}

static uint64_t apply_bitmask(const struct detect_byte *b, uint64_t v)
{
    if (!(b->flags & DETECT_BYTE_BITMASK))
        return v;
    v &= b->bitmask;
    uint32_t m = b->bitmask;
    while (m && !(m & 1)) {
        m >>= 1;
        v >>= 1;
    }
    return v;
}

/* Position of a byte_* read: NULL when outside the buffer. */
static const uint8_t *byte_ptr(const struct detect_byte *b, int64_t offset, uint32_t nbytes,
                               const uint8_t *data, uint32_t len, uint32_t buffer_offset)
{
    int64_t pos = offset;
    if (b->flags & DETECT_BYTE_RELATIVE)
        pos += buffer_offset;
    if (pos < 0 || pos >= (int64_t)len || (int64_t)len - pos < (int64_t)nbytes)
        return NULL;
    return data + pos;
}

static bool byte_test(const struct detect_byte *b, const uint8_t *data, uint32_t len,
                      struct detect_thread_ctx *ctx)
{
    int64_t offset = b->offset;
    if (b->flags & DETECT_BYTE_OFFSET_VAR)
        offset = (int64_t)(int32_t)ctx->byte_values[b->offset];
    uint32_t nbytes = b->nbytes;
    if (b->flags & DETECT_BYTE_NBYTES_VAR)
        nbytes = (uint32_t)ctx->byte_values[b->nbytes];
    uint64_t value = b->value;
    if (b->flags & DETECT_BYTE_VALUE_VAR)
        value = ctx->byte_values[b->value];
    const uint8_t *p = byte_ptr(b, offset, nbytes, data, len, ctx->buffer_offset);
    uint64_t v;
    uint32_t used;
    if (!p || extract_value(p, nbytes, (uint32_t)(data + len - p), b, &v, &used))
        return false;
    v = apply_bitmask(b, v);
    bool m;
    switch (b->op) {
    case DETECT_BYTE_OP_LT:
        m = v < value;
        break;
    case DETECT_BYTE_OP_GT:
        m = v > value;
        break;
    case DETECT_BYTE_OP_EQ:
        m = v == value;
        break;
    case DETECT_BYTE_OP_AND:
        m = (v & value) != 0;
        break;
    case DETECT_BYTE_OP_OR:
        m = (v ^ value) != 0;
        break;
    case DETECT_BYTE_OP_LE:
        m = v <= value;
        break;
    case DETECT_BYTE_OP_GE:
        m = v >= value;
        break;
    default:
        m = false;
    }
    if (b->flags & DETECT_BYTE_NEGOP)
        m = !m;
    return m;
}

static bool byte_jump(const struct detect_byte *b, const uint8_t *data, uint32_t len,
                      struct detect_thread_ctx *ctx)
{
    int64_t offset = b->offset;
    if (b->flags & DETECT_BYTE_OFFSET_VAR)
        offset = (int64_t)(int32_t)ctx->byte_values[b->offset];
    uint32_t nbytes = b->nbytes;
    if (b->flags & DETECT_BYTE_NBYTES_VAR)
        nbytes = (uint32_t)ctx->byte_values[b->nbytes];
    const uint8_t *p = byte_ptr(b, offset, nbytes, data, len, ctx->buffer_offset);
    uint64_t v;
    uint32_t used;
    if (!p || extract_value(p, nbytes, (uint32_t)(data + len - p), b, &v, &used))
        return false;
    nbytes = used;
    v = apply_bitmask(b, v);
    if (v > UINT32_MAX)
        return false;
    v *= b->multiplier ? b->multiplier : 1;
    if ((b->flags & DETECT_BYTE_ALIGN) && (v % 4))
        v += 4 - (v % 4);
    int64_t target;
    if (b->flags & DETECT_BYTE_FROM_BEGINNING)
        target = (int64_t)v;
    else if (b->flags & DETECT_BYTE_FROM_END)
        target = (int64_t)len + (int64_t)v;
    else
        target = (p - data) + (int64_t)nbytes + (int64_t)v;
    target += b->post_offset;
    if (target < 0)
        target = 0;
    if (target > (int64_t)len)
        return false;
    ctx->buffer_offset = (uint32_t)target;
    return true;
}

static bool byte_extract(const struct detect_byte *b, const uint8_t *data, uint32_t len,
                         struct detect_thread_ctx *ctx)
{
    const uint8_t *p = byte_ptr(b, b->offset, b->nbytes, data, len, ctx->buffer_offset);
    uint64_t v;
    uint32_t used;
    if (!p || extract_value(p, b->nbytes, (uint32_t)(data + len - p), b, &v, &used))
        return false;
    if (b->multiplier > 1)
        v *= b->multiplier;
    if ((b->flags & DETECT_BYTE_ALIGN) && b->align && (v % b->align))
        v += b->align - (v % b->align);
    ctx->byte_values[b->var] = v;
    ctx->buffer_offset = (uint32_t)((p - data) + used);
    return true;
}

static bool byte_math(const struct detect_byte *b, const uint8_t *data, uint32_t len,
                      struct detect_thread_ctx *ctx)
{
    uint32_t nbytes = b->nbytes;
    if (b->flags & DETECT_BYTE_NBYTES_VAR)
        nbytes = (uint32_t)ctx->byte_values[b->nbytes];
    const uint8_t *p = byte_ptr(b, b->offset, nbytes, data, len, ctx->buffer_offset);
    uint64_t v;
    uint32_t used;
    if (!p || extract_value(p, nbytes, (uint32_t)(data + len - p), b, &v, &used))
        return false;
    v = apply_bitmask(b, v);
    uint64_t rv = b->value;
    if (b->flags & DETECT_BYTE_VALUE_VAR)
        rv = ctx->byte_values[b->value];
    switch (b->op) {
    case DETECT_BYTE_OP_ADD:
        v += rv;
        break;
    case DETECT_BYTE_OP_SUB:
        v -= rv;
        break;
    case DETECT_BYTE_OP_MUL:
        v *= rv;
        break;
    case DETECT_BYTE_OP_DIV:
        if (rv == 0)
            return false;
        v /= rv;
        break;
    case DETECT_BYTE_OP_SHL:
        v = rv >= 64 ? 0 : v << rv;
        break;
    case DETECT_BYTE_OP_SHR:
        v = rv >= 64 ? 0 : v >> rv;
        break;
    default:
        return false;
    }
    ctx->byte_values[b->var] = v;
    return true;
}

/* ---- base64 ---- */

/* RFC 2045-style: whitespace skipped, stops at '=' or another character. */
static uint32_t base64_decode(const uint8_t *in, uint32_t len, uint8_t *out)
{
    uint32_t o = 0, acc = 0;
    int bits = 0;
    for (uint32_t i = 0; i < len; i++) {
        uint8_t c = in[i];
        if (c == '\r' || c == '\n' || c == ' ' || c == '\t')
            continue;
        int v = base64_value(c);
        if (v < 0)
            break;
        acc = (acc << 6) | (uint32_t)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[o++] = (uint8_t)(acc >> bits);
        }
    }
    return o;
}

/* ---- the recursive inspection ---- */

struct inspect {
    const struct rule *r;
    const struct rule_buffer_match *list;
    const uint8_t *data;
    uint32_t len;
    struct detect_thread_ctx *ctx;
};

/* A datajson member matched while evaluating ctx->rule: kept (one per key,
 * the latest) for the rule's alert (detect_engine_packet.c add_alert). */
static void detect_context_record(struct detect_thread_ctx *ctx,
                                  const struct detect_dataset_context *dc)
{
    uint8_t i = 0;
    while (i < ctx->ndsctx && strcmp(ctx->dsctx[i].key, dc->key) != 0)
        i++;
    if (i == DATASET_MAX_CONTEXT)
        return;
    ctx->dsctx[i] = *dc;
    if (i == ctx->ndsctx)
        ctx->ndsctx++;
}

static int inspect_from(const struct inspect *in, uint32_t idx);

static int pcre_match_once(const struct detect_pcre *pe, const struct inspect *in)
{
    struct detect_thread_ctx *ctx = in->ctx;
    const uint8_t *ptr = in->data;
    uint32_t plen = in->len;
    if (pe->flags & DETECT_PCRE_RELATIVE) {
        if (ctx->buffer_offset > in->len)
            return (pe->flags & DETECT_PCRE_NEGATED) ? 1 : 0;
        ptr = in->data + ctx->buffer_offset;
        plen = in->len - ctx->buffer_offset;
    }
    PCRE2_SIZE start = 0;
    if (ctx->pcre_match_start_offset != 0) {
        int64_t s = (int64_t)ctx->pcre_match_start_offset - (ptr - in->data);
        if (s < 0)
            s = 0;
        if (s > plen)
            return 0;
        start = (PCRE2_SIZE)s;
    }
    pcre2_match_context *mc = (pe->flags & DETECT_PCRE_NO_LIMIT) ? ctx->mctx_nolimit : ctx->mctx;
    int rc = pcre2_match(pe->code, ptr, plen, start, 0, ctx->md, mc);
    if (rc == PCRE2_ERROR_NOMATCH)
        return (pe->flags & DETECT_PCRE_NEGATED) ? 1 : 0;
    if (rc < 0 && rc != 0)
        return 0; /* match limit, JIT stack limit, ...: no match, as Suricata */
    if (pe->flags & DETECT_PCRE_NEGATED)
        return 0;
    PCRE2_SIZE *ov = pcre2_get_ovector_pointer(ctx->md);
    ctx->buffer_offset = (uint32_t)((ptr - in->data) + ov[1]);
    ctx->pcre_match_start_offset = (uint32_t)((ptr - in->data) + ov[0] + 1);
    return 1;
}

static int inspect_content(const struct inspect *in, uint32_t idx)
{
    const struct detect_content *cd = &in->list->items[idx].u.content;
    struct detect_thread_ctx *ctx = in->ctx;
    const uint32_t buffer_len = in->len;
    bool last = idx + 1 == in->list->nitems;
    uint32_t prev_offset = 0;
    uint32_t prev_buffer_offset = ctx->buffer_offset;
    for (;;) {
        uint32_t depth = buffer_len;
        uint32_t offset = 0;
        if (cd->flags & (DETECT_CONTENT_DISTANCE | DETECT_CONTENT_WITHIN)) {
            offset = prev_buffer_offset;
            int64_t distance = cd->distance;
            if (cd->flags & DETECT_CONTENT_DISTANCE) {
                if (cd->flags & DETECT_CONTENT_DISTANCE_VAR)
                    distance = (int32_t)ctx->byte_values[cd->distance];
                if (distance < 0 && (uint64_t)(-distance) > offset)
                    offset = 0;
                else
                    offset = (uint32_t)((int64_t)offset + distance);
            } else {
                distance = 0;
            }
            if (cd->flags & DETECT_CONTENT_WITHIN) {
                int64_t within = cd->within;
                if (cd->flags & DETECT_CONTENT_WITHIN_VAR)
                    within = (int64_t)ctx->byte_values[cd->within];
                int64_t lim = (int64_t)prev_buffer_offset + within + distance;
                if (lim < 0)
                    lim = 0;
                if ((int64_t)depth > lim)
                    depth = (uint32_t)lim;
            }
        } else {
            if (cd->flags & DETECT_CONTENT_DEPTH_VAR) {
                uint64_t d = ctx->byte_values[cd->depth];
                depth = d > UINT32_MAX ? UINT32_MAX : (uint32_t)d;
            } else if (cd->flags & DETECT_CONTENT_DEPTH) {
                depth = (uint32_t)cd->depth;
            }
            if (cd->flags & DETECT_CONTENT_OFFSET_VAR) {
                uint64_t o = ctx->byte_values[cd->offset];
                offset = o > UINT32_MAX ? UINT32_MAX : (uint32_t)o;
            } else {
                offset = (uint32_t)cd->offset;
            }
            if (cd->flags & (DETECT_CONTENT_OFFSET_VAR | DETECT_CONTENT_DEPTH_VAR)) {
                if (cd->flags & DETECT_CONTENT_DEPTH)
                    depth = (uint64_t)depth + offset > UINT32_MAX ? UINT32_MAX : depth + offset;
            }
            prev_buffer_offset = 0;
        }
        if (prev_offset != 0)
            offset = prev_offset;
        if (depth > buffer_len)
            depth = buffer_len;
        if (offset > depth || depth == 0) {
            if (cd->flags & DETECT_CONTENT_NEGATED)
                goto match;
            return 0;
        }
        const uint8_t *sbuf = in->data + offset;
        uint32_t slen = depth - offset;
        const uint8_t *found;
        if ((cd->flags & DETECT_CONTENT_ENDSWITH) && depth < buffer_len)
            found = NULL;
        else
            found = search(cd, sbuf, slen);
        if (!found) {
            if (!(cd->flags & DETECT_CONTENT_NEGATED)) {
                if (!(cd->flags & (DETECT_CONTENT_DISTANCE | DETECT_CONTENT_WITHIN)))
                    return -1;
                return 0;
            }
            goto match;
        }
        uint32_t match_offset = (uint32_t)((found - in->data) + cd->len);
        if (cd->flags & DETECT_CONTENT_NEGATED) {
            if ((cd->flags & DETECT_CONTENT_ENDSWITH) && match_offset != buffer_len)
                goto match;
            if (!(cd->flags & (DETECT_CONTENT_DISTANCE | DETECT_CONTENT_WITHIN)))
                return -1;
            return 0;
        }
        ctx->buffer_offset = match_offset;
        if (!(cd->flags & DETECT_CONTENT_ENDSWITH) || match_offset == buffer_len) {
            if (last)
                return 1;
            if (++ctx->steps >= DETECT_RECURSION_LIMIT)
                return -1;
            int r = inspect_from(in, idx + 1);
            if (r == 1)
                return 1;
            if (r == -1)
                return -1;
            if (!(cd->flags & DETECT_CONTENT_WITHIN_NEXT))
                return -1;
        }
        prev_offset = match_offset - (cd->len - 1);
    }
match:
    if (last)
        return 1;
    if (++ctx->steps >= DETECT_RECURSION_LIMIT)
        return -1;
    return inspect_from(in, idx + 1);
}

static int inspect_pcre(const struct inspect *in, uint32_t idx)
{
    const struct detect_pcre *pe = &in->list->items[idx].u.pcre;
    struct detect_thread_ctx *ctx = in->ctx;
    bool last = idx + 1 == in->list->nitems;
    uint32_t prev_buffer_offset = ctx->buffer_offset;
    ctx->pcre_match_start_offset = 0;
    for (;;) {
        if (!pcre_match_once(pe, in))
            return 0;
        if (last)
            return 1;
        if (++ctx->steps >= DETECT_RECURSION_LIMIT)
            return -1;
        if (!(pe->flags & DETECT_PCRE_RELATIVE_NEXT))
            return inspect_from(in, idx + 1);
        uint32_t prev_offset = ctx->pcre_match_start_offset;
        int r = inspect_from(in, idx + 1);
        if (r == 1)
            return 1;
        if (r == -1)
            return -1;
        if (prev_offset == 0)
            return 0;
        ctx->buffer_offset = prev_buffer_offset;
        ctx->pcre_match_start_offset = prev_offset;
    }
}

static int inspect_from(const struct inspect *in, uint32_t idx)
{
    struct detect_thread_ctx *ctx = in->ctx;
    if (idx >= in->list->nitems)
        return 1;
    const struct detect_item *it = &in->list->items[idx];
    bool ok;
    switch (it->type) {
    case DETECT_ITEM_CONTENT:
        return inspect_content(in, idx);
    case DETECT_ITEM_PCRE:
        return inspect_pcre(in, idx);
    case DETECT_ITEM_ISDATAAT: {
        const struct detect_isdataat *d = &it->u.isdataat;
        uint64_t at = d->value;
        bool neg = d->flags & DETECT_ISDATAAT_NEGATED;
        if (d->flags & DETECT_ISDATAAT_VAR) {
            at = ctx->byte_values[d->value];
            if (at >= 100000000) {
                if (!neg)
                    return 0;
                goto next;
            }
        }
        if (d->flags & DETECT_ISDATAAT_RELATIVE) {
            if ((uint64_t)ctx->buffer_offset + at > in->len) {
                if (neg)
                    goto next;
                return (d->flags & DETECT_ISDATAAT_VAR) ? 0 : -1;
            }
            if (neg)
                return 0;
            goto next;
        }
        if (at < in->len) {
            if (neg)
                return (d->flags & DETECT_ISDATAAT_VAR) ? 0 : -1;
            goto next;
        }
        if (neg)
            goto next;
        return (d->flags & DETECT_ISDATAAT_VAR) ? 0 : -1;
    }
    case DETECT_ITEM_BYTE_TEST:
        ok = byte_test(&it->u.byte, in->data, in->len, ctx);
        break;
    case DETECT_ITEM_BYTE_JUMP:
        ok = byte_jump(&it->u.byte, in->data, in->len, ctx);
        break;
    case DETECT_ITEM_BYTE_EXTRACT:
        ok = byte_extract(&it->u.byte, in->data, in->len, ctx);
        break;
    case DETECT_ITEM_BYTE_MATH:
        ok = byte_math(&it->u.byte, in->data, in->len, ctx);
        break;
    case DETECT_ITEM_BSIZE:
        if (!detect_uint_match(&it->u.bsize, in->len))
            return -1;
        goto next;
    case DETECT_ITEM_DATASET: {
        struct detect_dataset_context dc;
        if (!detect_dataset_match(&it->u.dataset, in->data, in->len, &dc))
            return -1;
        if (dc.json)
            detect_context_record(ctx, &dc);
        goto next;
    }
    case DETECT_ITEM_BASE64_DECODE: {
        const struct detect_base64 *b = &it->u.base64;
        uint64_t start = (uint64_t)b->offset + (b->relative ? ctx->buffer_offset : 0);
        if (start >= in->len)
            return 0;
        uint32_t n = in->len - (uint32_t)start;
        if (b->bytes && b->bytes < n)
            n = b->bytes;
        if (detect_grow(&ctx->b64, n / 4 * 3 + 4))
            return 0;
        uint32_t dlen = base64_decode(in->data + start, n, ctx->b64.data);
        if (dlen == 0)
            return 0;
        for (uint32_t i = 0; i < in->r->nbuffers; i++) {
            const struct rule_buffer_match *bl = &in->r->buffers[i];
            if (bl->buffer_id != DETECT_BUFFER_BASE64_DATA)
                continue;
            struct inspect sub = {in->r, bl, ctx->b64.data, dlen, ctx};
            uint32_t saved = ctx->buffer_offset;
            ctx->buffer_offset = 0;
            int r = inspect_from(&sub, 0);
            ctx->buffer_offset = saved;
            if (r == 1)
                return 1; /* base64 is terminal */
        }
        return 0;
    }
    default:
        return -1;
    }
    if (!ok) {
        /* Relative byte keywords may succeed after an earlier retry. */
        return (it->u.byte.flags & DETECT_BYTE_RELATIVE) ? 0 : -1;
    }
next:
    if (idx + 1 >= in->list->nitems)
        return 1;
    if (++ctx->steps >= DETECT_RECURSION_LIMIT)
        return -1;
    return inspect_from(in, idx + 1);
}

/* ---- transforms ---- */

static uint32_t xf_url_decode(const uint8_t *in, uint32_t len, uint8_t *out)
{
    uint32_t o = 0;
    for (uint32_t i = 0; i < len; i++) {
        if (in[i] == '%' && i + 2 < len && isxdigit(in[i + 1]) && isxdigit(in[i + 2])) {
            int hi = isdigit(in[i + 1]) ? in[i + 1] - '0' : (tolower(in[i + 1]) - 'a' + 10);
            int lo = isdigit(in[i + 2]) ? in[i + 2] - '0' : (tolower(in[i + 2]) - 'a' + 10);
            out[o++] = (uint8_t)(hi << 4 | lo);
            i += 2;
        } else if (in[i] == '+') {
            out[o++] = ' ';
        } else {
            out[o++] = in[i];
        }
    }
    return o;
}

static uint32_t xf_one(const struct detect_transform *t, const uint8_t *in, uint32_t len,
                       struct detect_grow_buf *out, struct detect_thread_ctx *ctx, bool *same)
{
    *same = false;
    uint32_t o = 0;
    switch (t->type) {
    case DETECT_TRANSFORM_TO_LOWERCASE:
    case DETECT_TRANSFORM_TO_UPPERCASE:
        if (detect_grow(out, len + 1))
            return 0;
        for (uint32_t i = 0; i < len; i++)
            out->data[i] = (uint8_t)(t->type == DETECT_TRANSFORM_TO_LOWERCASE ? tolower(in[i])
                                                                              : toupper(in[i]));
        return len;
    case DETECT_TRANSFORM_STRIP_WHITESPACE:
        if (detect_grow(out, len + 1))
            return 0;
        for (uint32_t i = 0; i < len; i++)
            if (!isspace(in[i]))
                out->data[o++] = in[i];
        return o;
    case DETECT_TRANSFORM_COMPRESS_WHITESPACE:
        if (detect_grow(out, len + 1))
            return 0;
        for (uint32_t i = 0; i < len; i++) {
            if (isspace(in[i])) {
                /* a run keeps its first whitespace byte, as in Suricata */
                if (o && isspace(out->data[o - 1]))
                    continue;
                out->data[o++] = in[i];
            } else {
                out->data[o++] = in[i];
            }
        }
        return o;
    case DETECT_TRANSFORM_URL_DECODE:
        if (detect_grow(out, len + 1))
            return 0;
        return xf_url_decode(in, len, out->data);
    case DETECT_TRANSFORM_DOTPREFIX:
        if (detect_grow(out, len + 2))
            return 0;
        out->data[0] = '.';
        memcpy(out->data + 1, in, len);
        return len + 1;
    case DETECT_TRANSFORM_TO_MD5:
    case DETECT_TRANSFORM_TO_SHA1:
    case DETECT_TRANSFORM_TO_SHA256: {
        if (detect_grow(out, EVP_MAX_MD_SIZE))
            return 0;
        const EVP_MD *md = t->type == DETECT_TRANSFORM_TO_MD5    ? EVP_md5()
                           : t->type == DETECT_TRANSFORM_TO_SHA1 ? EVP_sha1()
                                                                 : EVP_sha256();
        unsigned int mdlen = 0;
        if (!EVP_Digest(in, len, out->data, &mdlen, md, NULL))
            return 0;
        return mdlen;
    }
    case DETECT_TRANSFORM_PCREXFORM: {
        int rc = pcre2_match(t->code, in, len, 0, 0, ctx->md, ctx->mctx);
        if (rc < 2) {
            *same = true;
            return len;
        }
        PCRE2_SIZE *ov = pcre2_get_ovector_pointer(ctx->md);
        uint32_t n = (uint32_t)(ov[3] - ov[2]);
        if (detect_grow(out, n + 1))
            return 0;
        memcpy(out->data, in + ov[2], n);
        return n;
    }
    case DETECT_TRANSFORM_HEADER_LOWERCASE: {
        if (detect_grow(out, len + 1))
            return 0;
        bool in_name = true;
        for (uint32_t i = 0; i < len; i++) {
            uint8_t c = in[i];
            if (c == '\n')
                in_name = true;
            else if (c == ':' && in_name && i > 0 && in[i - 1] != '\n')
                in_name = false;
            out->data[i] = in_name ? (uint8_t)tolower(c) : c;
        }
        return len;
    }
    case DETECT_TRANSFORM_STRIP_PSEUDO_HEADERS: {
        if (detect_grow(out, len + 1))
            return 0;
        uint32_t i = 0;
        while (i < len) {
            const uint8_t *nl = memchr(in + i, '\n', len - i);
            uint32_t end = nl ? (uint32_t)(nl - in) + 1 : len;
            if (in[i] != ':') {
                memcpy(out->data + o, in + i, end - i);
                o += end - i;
            }
            i = end;
        }
        return o;
    }
    default:
        break;
    }
    *same = true;
    return len;
}

const uint8_t *detect_transforms_apply(const struct rule_buffer_match *list, const uint8_t *data,
                                       uint32_t len, uint32_t *out_len,
                                       struct detect_thread_ctx *ctx)
{
    const uint8_t *cur = data;
    uint32_t cur_len = len;
    int which = 0;
    for (uint32_t i = 0; i < list->ntransforms; i++) {
        bool same;
        struct detect_grow_buf *out = &ctx->xform[which];
        const struct detect_transform *t = &list->transforms[i];
        uint32_t n = 0;
        if (detect_transform_owns(t->type)) {
            int rc = detect_transform_run(t, cur, cur_len, out, &n);
            if (rc < 0)
                return NULL; /* the transform failed: nothing to inspect */
            same = rc == 1;
        } else {
            n = xf_one(t, cur, cur_len, out, ctx, &same);
        }
        if (same)
            continue;
        if (!out->data) {
            /* allocation failed: inspect an empty buffer rather than garbage */
            *out_len = 0;
            return (const uint8_t *)"";
        }
        cur = out->data;
        cur_len = n;
        which ^= 1;
    }
    *out_len = cur_len;
    return cur;
}

bool detect_buffer_inspect(const struct rule *r, const struct rule_buffer_match *list,
                           const uint8_t *data, uint32_t len, struct detect_thread_ctx *ctx)
{
    if (!data)
        return false;
    uint32_t tlen = len;
    const uint8_t *tdata =
        list->ntransforms ? detect_transforms_apply(list, data, len, &tlen, ctx) : data;
    if (!tdata)
        return false;
    struct inspect in = {r, list, tdata, tlen, ctx};
    ctx->buffer_offset = 0;
    ctx->pcre_match_start_offset = 0;
    ctx->steps = 0;
    if (ctx->rule != r)
        ctx->ndsctx = 0;
    ctx->rule = r;
    if (list->nitems == 0)
        return true;
    return inspect_from(&in, 0) == 1;
}

uint64_t detect_thread_byte_var(const struct detect_thread_ctx *ctx, unsigned idx)
{
    return idx < RULE_MAX_BYTE_VARS ? ctx->byte_values[idx] : 0;
}

uint32_t detect_thread_last_steps(const struct detect_thread_ctx *ctx)
{
    return ctx->steps;
}
