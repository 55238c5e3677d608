/* SPDX-License-Identifier: Apache-2.0 */
/* Address ranges (CIDR blocks) of an indicator set as sorted disjoint
 * intervals. CIDR blocks either nest or are disjoint, so one sweep over the
 * blocks sorted by (start, prefix length) with a stack of open blocks cuts
 * the address space into intervals, each owned by its innermost block; a
 * block's parent is the block below it on the stack. A lookup is a binary
 * search for the last interval starting at or before the address, narrowed
 * first by a directory of the top 16 bits (two reads, then a handful of
 * steps), then a walk up the parents for the enclosing blocks. Large IPv4
 * tables have a bitmap of the /24 blocks any range touches in front. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "intel/intel_internal.h"

typedef unsigned __int128 u128;

struct range_in {
    u128 start, end; /* inclusive */
    uint8_t plen;
    uint32_t entry;
};

static int range_cmp(const void *a, const void *b)
{
    const struct range_in *x = a, *y = b;
    if (x->start != y->start)
        return x->start < y->start ? -1 : 1;
    return (int)x->plen - (int)y->plen;
}

static u128 load_addr(const uint8_t *p, int family)
{
    u128 v = 0;
    int n = family == 4 ? 4 : 16;
    for (int i = 0; i < n; i++)
        v = (v << 8) | p[i];
    return v;
}

struct sweep {
    u128 *starts;
    uint32_t *tops;
    uint32_t n, cap;
};

static int emit(struct sweep *w, u128 pos, uint32_t top)
{
    if (w->n && w->starts[w->n - 1] == pos) {
        w->tops[w->n - 1] = top;
        return 0;
    }
    if (w->n && w->tops[w->n - 1] == top)
        return 0; /* same owner continues */
    if (w->n == w->cap) {
        uint32_t nc = w->cap ? w->cap * 2 : 64;
        u128 *s = realloc(w->starts, nc * sizeof *s);
        if (!s)
            return -ENOMEM;
        w->starts = s;
        uint32_t *t = realloc(w->tops, nc * sizeof *t);
        if (!t)
            return -ENOMEM;
        w->tops = t;
        w->cap = nc;
    }
    w->starts[w->n] = pos;
    w->tops[w->n] = top;
    w->n++;
    return 0;
}

static int build_family(struct intel_set *s, int family, struct intel_prefix_table *t)
{
    memset(t, 0, sizeof *t);
    size_t alen = family == 4 ? 4 : 16;
    int bits = family == 4 ? 32 : 128;
    uint32_t nr = 0;
    for (uint32_t i = 0; i < s->nentries; i++) {
        const struct intel_entry *e = &s->entries[i];
        if ((e->flags & INTEL_ENTRY_RANGE) && !(e->flags & INTEL_ENTRY_DEAD) &&
            e->value_len == alen + 1)
            nr++;
    }
    if (!nr)
        return 0;
    struct range_in *r = malloc(nr * sizeof *r);
    uint32_t *stack = malloc(nr * sizeof *stack);
    t->range_entry = malloc(nr * sizeof *t->range_entry);
    t->range_parent = malloc(nr * sizeof *t->range_parent);
    struct sweep w = {0};
    int rc = -ENOMEM;
    if (!r || !stack || !t->range_entry || !t->range_parent)
        goto out;
    uint32_t k = 0;
    for (uint32_t i = 0; i < s->nentries; i++) {
        const struct intel_entry *e = &s->entries[i];
        if (!(e->flags & INTEL_ENTRY_RANGE) || (e->flags & INTEL_ENTRY_DEAD) ||
            e->value_len != alen + 1)
            continue;
        u128 a = load_addr(s->pool + e->value_off, family);
        u128 host = e->prefix_len >= bits ? 0 : (((u128)1 << (bits - e->prefix_len)) - 1);
        if (e->prefix_len == 0)
            host = family == 4 ? (u128)0xffffffffu : ~(u128)0;
        r[k].start = a & ~host;
        r[k].end = r[k].start | host;
        r[k].plen = e->prefix_len;
        r[k].entry = i;
        k++;
    }
    qsort(r, nr, sizeof *r, range_cmp);
    t->nranges = nr;
    uint32_t sp = 0;
    const u128 max = family == 4 ? (u128)0xffffffffu : ~(u128)0;
    if (emit(&w, 0, UINT32_MAX))
        goto out;
    for (uint32_t i = 0; i < nr; i++) {
        while (sp && r[stack[sp - 1]].end < r[i].start) {
            uint32_t done = stack[--sp];
            if (r[done].end != max &&
                emit(&w, r[done].end + 1, sp ? stack[sp - 1] : UINT32_MAX))
                goto out;
        }
        t->range_entry[i] = r[i].entry;
        t->range_parent[i] = sp ? stack[sp - 1] : UINT32_MAX;
        stack[sp++] = i;
        if (emit(&w, r[i].start, i))
            goto out;
    }
    while (sp) {
        uint32_t done = stack[--sp];
        if (r[done].end != max && emit(&w, r[done].end + 1, sp ? stack[sp - 1] : UINT32_MAX))
            goto out;
    }
    t->count = w.n;
    t->top = w.tops;
    w.tops = NULL;
    if (family == 4) {
        t->start4 = malloc(w.n * sizeof *t->start4);
        if (!t->start4)
            goto out;
        for (uint32_t i = 0; i < w.n; i++)
            t->start4[i] = (uint32_t)w.starts[i];
    } else {
        t->start6 = w.starts;
        w.starts = NULL;
    }
    if (w.n > 64) {
        /* dir[x]: the interval containing address x << (bits - 16) */
        t->dir = malloc(65537 * sizeof *t->dir);
        if (!t->dir)
            goto out;
        uint32_t j = 0;
        for (uint32_t x = 0; x <= 65536; x++) {
            u128 pos = x == 65536 ? max : ((u128)x << (bits - 16));
            while (j + 1 < w.n &&
                   (family == 4 ? (u128)t->start4[j + 1] : t->start6[j + 1]) <= pos)
                j++;
            t->dir[x] = j;
        }
    }
    if (family == 4 && w.n > 64) {
        t->cover = calloc(1, INTEL_COVER_BYTES);
        if (!t->cover)
            goto out;
        for (uint32_t i = 0; i < nr; i++) {
            uint32_t b = (uint32_t)(r[i].start >> 8), e = (uint32_t)(r[i].end >> 8);
            for (;;) {
                if ((b & 63) == 0 && e - b >= 63) {
                    t->cover[b >> 6] = ~0ull;
                    if (e - b == 63)
                        break;
                    b += 64;
                    continue;
                }
                t->cover[b >> 6] |= 1ull << (b & 63);
                if (b == e)
                    break;
                b++;
            }
        }
    }
    rc = 0;
out:
    free(r);
    free(stack);
    free(w.starts);
    free(w.tops);
    return rc;
}

int intel_prefix_build(struct intel_set *s)
{
    if (build_family(s, 4, &s->v4) != 0 || build_family(s, 6, &s->v6) != 0)
        return -ENOMEM;
    return 0;
}

void intel_prefix_free(struct intel_prefix_table *t)
{
    free(t->start4);
    free(t->start6);
    free(t->top);
    free(t->dir);
    free(t->range_entry);
    free(t->range_parent);
    free(t->cover);
    memset(t, 0, sizeof *t);
}

uint32_t intel_prefix_find(const struct intel_prefix_table *t, const uint8_t *addr, int family)
{
    if (!t->count)
        return UINT32_MAX;
    uint32_t lo = 0, hi = t->count - 1;
    if (family == 4) {
        if (!intel_prefix_may_cover(t, addr))
            return UINT32_MAX;
        uint32_t a = (uint32_t)addr[0] << 24 | (uint32_t)addr[1] << 16 | (uint32_t)addr[2] << 8 |
                     addr[3];
        if (t->dir) {
            lo = t->dir[a >> 16];
            hi = t->dir[(a >> 16) + 1];
        }
        /* last start <= a in [lo, hi] (start[lo] <= a holds) */
        while (lo < hi) {
            uint32_t mid = lo + (hi - lo + 1) / 2;
            if (t->start4[mid] <= a)
                lo = mid;
            else
                hi = mid - 1;
        }
        return t->top[lo];
    }
    u128 a = load_addr(addr, 6);
    if (t->dir) {
        uint32_t x = (uint32_t)(a >> 112);
        lo = t->dir[x];
        hi = t->dir[x + 1];
    }
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo + 1) / 2;
        if (t->start6[mid] <= a)
            lo = mid;
        else
            hi = mid - 1;
    }
    return t->top[lo];
}
