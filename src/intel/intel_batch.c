/* SPDX-License-Identifier: Apache-2.0 */
/* Batched lookups (intel_set_lookup_batch): the probes of all the values of
 * a batch (one per exact value, one per label of a domain for the
 * "and subdomains" entries) go through the stages filter -> slot -> value
 * together, each stage prefetching what the next one reads, so the
 * memory latencies of the batch overlap instead of adding up. The results
 * are those of the single lookups in intel_set.c (same order of hits). */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "decode/packet.h"
#include "intel/intel_internal.h"

enum { BATCH_QUERIES = 16, BATCH_PROBES = 96, KEY_CAP = 256, MAX_LABELS = 24 };

struct probe {
    uint64_t h;
    const uint8_t *key;
    uint32_t len;
    uint8_t kind;
    uint8_t query;
    bool alive;
    uint64_t slot_pos;                /* where the tag matched */
    const struct intel_slot *found; /* result */
};

struct batch {
    const struct intel_set *s;
    struct probe p[BATCH_PROBES];
    unsigned np;
    struct intel_query *q[BATCH_QUERIES];
    unsigned nq;
    uint8_t keys[BATCH_QUERIES][KEY_CAP];
};

static void add_probe(struct batch *b, uint8_t kind, uint64_t h, const uint8_t *key, size_t len)
{
    struct probe *p = &b->p[b->np++];
    p->h = h;
    p->key = key;
    p->len = (uint32_t)len;
    p->kind = kind;
    p->query = (uint8_t)(b->nq - 1);
    p->alive = b->s->slots != NULL;
    p->found = NULL;
}

static void run(struct batch *b)
{
    const struct intel_set *s = b->s;
    const struct intel_filter *f = &s->filter;
    /* stage 1: the filter blocks (or, without a filter, the slots) */
    for (unsigned i = 0; i < b->np; i++) {
        if (f->nblocks)
            __builtin_prefetch(intel_filter_block(f, b->p[i].h));
        else if (b->p[i].alive)
            __builtin_prefetch(&s->slots[b->p[i].h & s->mask]);
    }
    /* stage 2: filter test, slots of the survivors */
    if (f->nblocks)
        for (unsigned i = 0; i < b->np; i++) {
            struct probe *p = &b->p[i];
            p->alive = p->alive && intel_filter_may_hold(f, p->h);
            if (p->alive)
                __builtin_prefetch(&s->slots[p->h & s->mask]);
        }
    /* the prefix directory rows of the addresses a range may cover (their
     * /24 bitmap words were prefetched when they were added) */
    for (unsigned k = 0; k < b->nq; k++) {
        const struct intel_query *q = b->q[k];
        if (q->kind != INTEL_KIND_ADDR)
            continue;
        const struct ip_address *a = q->value;
        if (a->family != 4 || !s->v4.cover || !s->v4.dir)
            continue;
        const uint8_t *key = a->addr.u8 + 12;
        if (intel_prefix_may_cover(&s->v4, key))
            __builtin_prefetch(&s->v4.dir[key[0] << 8 | key[1]]);
    }
    /* stage 3: the first slot of the run with the tag; its value
     * (the prefix tables' rows of the addresses too) */
    for (unsigned i = 0; i < b->np; i++) {
        struct probe *p = &b->p[i];
        if (!p->alive)
            continue;
        uint32_t tag = (uint32_t)(p->h >> 32);
        p->alive = false;
        for (uint64_t j = p->h & s->mask;; j = (j + 1) & s->mask) {
            const struct intel_slot *sl = &s->slots[j];
            if (!sl->flags)
                break;
            if (sl->tag == tag) {
                p->alive = true;
                p->slot_pos = j;
                if (!(sl->flags & INTEL_SLOT_INLINE))
                    __builtin_prefetch(s->pool + sl->value_off);
                break;
            }
        }
    }
    for (unsigned k = 0; k < b->nq; k++) {
        const struct intel_query *q = b->q[k];
        if (q->kind != INTEL_KIND_ADDR)
            continue;
        const struct ip_address *a = q->value;
        const struct intel_prefix_table *t = a->family == 4 ? &s->v4 : &s->v6;
        if (!t->nranges || !t->dir)
            continue;
        const uint8_t *key = a->family == 4 ? a->addr.u8 + 12 : a->addr.u8;
        if (a->family == 4 && !intel_prefix_may_cover(t, key))
            continue;
        uint32_t lo = t->dir[key[0] << 8 | key[1]];
        if (a->family == 4)
            __builtin_prefetch(&t->start4[lo]);
        else
            __builtin_prefetch(&t->start6[lo]);
        __builtin_prefetch(&t->top[lo]);
    }
    /* stage 4: compare (a tag that matched another value: the rest of the
     * run) */
    for (unsigned i = 0; i < b->np; i++) {
        struct probe *p = &b->p[i];
        if (!p->alive)
            continue;
        const struct intel_slot *sl = &s->slots[p->slot_pos];
        p->found = intel_slot_holds(s->pool, sl, p->kind, p->key, p->len)
                       ? sl
                       : intel_set_find(s, p->kind, p->h, p->key, p->len);
    }
    /* results, in probe order (per query: exact value first, then the
     * "and subdomains" entries from the full name to the TLD; addresses:
     * the exact entry, then the ranges containing it) */
    for (unsigned i = 0; i < b->np; i++) {
        struct probe *p = &b->p[i];
        struct intel_query *q = b->q[p->query];
        if (p->alive && p->found && q->nhits < INTEL_MAX_HITS)
            intel_hit_from_slot(s, p->found, &q->hits[q->nhits++]);
    }
    for (unsigned k = 0; k < b->nq; k++) {
        struct intel_query *q = b->q[k];
        if (q->kind != INTEL_KIND_ADDR || !q->value)
            continue;
        const struct ip_address *a = q->value;
        const struct intel_prefix_table *t = a->family == 4 ? &s->v4 : &s->v6;
        if (!t->nranges)
            continue;
        const uint8_t *key = a->family == 4 ? a->addr.u8 + 12 : a->addr.u8;
        for (uint32_t r = intel_prefix_find(t, key, a->family == 4 ? 4 : 6);
             r != UINT32_MAX && q->nhits < INTEL_MAX_HITS; r = t->range_parent[r])
            intel_hit_from_entry(s, &s->entries[t->range_entry[r]], &q->hits[q->nhits++]);
    }
    b->np = 0;
    b->nq = 0;
}

/* The probes of a domain name; false if the name is to be looked up alone. */
static bool add_domain(struct batch *b, struct intel_query *q, uint8_t *buf)
{
    const struct intel_set *s = b->s;
    const uint8_t *in = q->value;
    size_t len = q->len;
    while (len && in[len - 1] == '.')
        len--;
    if (len == 0 || len > 253)
        return true; /* no hits */
    bool have_exact = s->counts[INTEL_KIND_DOMAIN] != 0;
    bool have_sub = s->counts[INTEL_KIND_DOMAIN_SUB] != 0;
    unsigned starts[MAX_LABELS];
    unsigned nl = 0;
    starts[nl++] = 0;
    intel_lower_ascii(buf, in, len);
    for (const uint8_t *d = buf; have_sub && (d = memchr(d, '.', len - (size_t)(d - buf)));
         d++) {
        if (nl == MAX_LABELS)
            return false;
        starts[nl++] = (unsigned)(d - buf) + 1;
    }
    uint64_t hs[MAX_LABELS];
    if (have_sub) {
        uint64_t h = s->seed;
        size_t end = len;
        for (unsigned k = nl; k > 0; k--) {
            size_t st = starts[k - 1];
            if (st > end)
                return false; /* an empty label: the single lookup decides */
            h = intel_hash_bytes(buf + st, end - st, h);
            hs[k - 1] = h;
            end = st ? st - 1 : 0;
        }
    }
    if (have_exact && s->exact_fold && have_sub)
        add_probe(b, INTEL_KIND_DOMAIN, hs[0] ^ (uint64_t)INTEL_KIND_DOMAIN * 0x9e3779b97f4a7c15ull,
                  buf, len);
    else if (have_exact)
        add_probe(b, INTEL_KIND_DOMAIN, intel_key_hash(s, INTEL_KIND_DOMAIN, buf, len), buf, len);
    const uint64_t ks = (uint64_t)INTEL_KIND_DOMAIN_SUB * 0x9e3779b97f4a7c15ull;
    for (unsigned k = 0; have_sub && k < nl; k++)
        if (s->sub_depths & intel_depth_bit(nl - k)) /* entries with that many labels */
            add_probe(b, INTEL_KIND_DOMAIN_SUB, hs[k] ^ ks, buf + starts[k], len - starts[k]);
    return true;
}

unsigned intel_set_lookup_batch(const struct intel_set *s, struct intel_query *q, unsigned n)
{
    struct batch b;
    b.s = s;
    b.np = b.nq = 0;
    unsigned total = 0;
    for (unsigned i = 0; i < n; i++)
        q[i].nhits = 0;
    if (!s)
        return 0;
    /* one or two addresses (a flow's endpoints): the single lookups, which
     * load the filter, the slot and the range bitmap together, cost fewer
     * instructions than the stages (callgrind: 265 against 417 per
     * address) and the two overlap as well */
    if (n && n <= 2 && q[0].kind == INTEL_KIND_ADDR && q[n - 1].kind == INTEL_KIND_ADDR) {
        for (unsigned i = 0; i < n; i++)
            if (q[i].value)
                total += q[i].nhits = intel_set_lookup_addr(s, q[i].value, q[i].hits,
                                                            INTEL_MAX_HITS);
        return total;
    }
    for (unsigned i = 0; i < n; i++) {
        struct intel_query *qi = &q[i];
        enum intel_kind kind = qi->kind;
        if ((unsigned)kind >= INTEL_KIND_MAX || !qi->value)
            continue;
        if (kind == INTEL_KIND_DOMAIN ? !intel_set_has_kind(s, kind) : !s->counts[kind])
            continue;
        if (b.nq == BATCH_QUERIES || b.np + MAX_LABELS + 1 > BATCH_PROBES)
            run(&b);
        uint8_t *buf = b.keys[b.nq];
        b.q[b.nq++] = qi;
        bool alone = false;
        if (kind == INTEL_KIND_DOMAIN) {
            alone = !add_domain(&b, qi, buf);
        } else if (kind == INTEL_KIND_ADDR) {
            const struct ip_address *a = qi->value;
            const uint8_t *key = a->family == 4 ? a->addr.u8 + 12 : a->addr.u8;
            size_t klen = a->family == 4 ? 4 : 16;
            add_probe(&b, INTEL_KIND_ADDR, intel_key_hash(s, INTEL_KIND_ADDR, key, klen), key,
                      klen);
            const struct intel_prefix_table *t = a->family == 4 ? &s->v4 : &s->v6;
            if (t->cover)
                __builtin_prefetch(intel_prefix_cover_word(t, key)); /* its /24 block */
            else if (t->nranges && t->dir)
                __builtin_prefetch(&t->dir[key[0] << 8 | key[1]]); /* top 16 bits */
        } else {
            const void *key = qi->value;
            size_t klen = qi->len;
            int hb = intel_kind_hash_size(kind);
            if (hb && klen != (size_t)hb) {
                if (intel_hex_decode(qi->value, klen, buf, (size_t)hb) != 0) {
                    b.nq--; /* not a hash: no hits */
                    continue;
                }
                key = buf;
                klen = (size_t)hb;
            } else if (kind == INTEL_KIND_EMAIL || kind == INTEL_KIND_JA4) {
                alone = true; /* normalised by the single lookup */
            }
            if (!alone)
                add_probe(&b, (uint8_t)kind, intel_key_hash(s, (uint8_t)kind, key, klen), key,
                          klen);
        }
        if (alone) {
            b.nq--;
            qi->nhits = kind == INTEL_KIND_DOMAIN
                            ? intel_set_lookup_domain(s, qi->value, qi->len, qi->hits,
                                                      INTEL_MAX_HITS)
                            : intel_set_lookup(s, kind, qi->value, qi->len, qi->hits,
                                               INTEL_MAX_HITS);
        }
    }
    if (b.nq)
        run(&b);
    for (unsigned i = 0; i < n; i++)
        total += q[i].nhits;
    return total;
}
