/* SPDX-License-Identifier: Apache-2.0 */
/* Engine build (grouping, Hyperscan databases), per-thread contexts and the
 * prefilter scan. See detect_engine.h for the design. */
#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "detect/detect_buffer.h"
#include "detect/detect_engine_internal.h"
#include "detect/detect_hsdb.h"
#include "detect/rule_set.h"

/* ---- small helpers ---- */

struct u32vec {
    uint32_t *v;
    uint32_t n, cap;
};

static int u32vec_push(struct u32vec *a, uint32_t x)
{
    if (a->n == a->cap) {
        uint32_t nc = a->cap ? a->cap * 2 : 8;
        uint32_t *nv = realloc(a->v, nc * sizeof(*nv));
        if (!nv)
            return -ENOMEM;
        a->v = nv;
        a->cap = nc;
    }
    a->v[a->n++] = x;
    return 0;
}

static int u32_cmp(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

static uint64_t hash_u32s(const uint32_t *v, uint32_t n)
{
    uint64_t h = 1469598103934665603ull ^ n;
    for (uint32_t i = 0; i < n; i++)
        h = (h ^ v[i]) * 1099511628211ull;
    return h;
}

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

enum detect_transport detect_transport_of(uint8_t ipproto)
{
    switch (ipproto) {
    case 6:
        return DETECT_TRANSPORT_TCP;
    case 17:
        return DETECT_TRANSPORT_UDP;
    case 1:
    case 58:
        return DETECT_TRANSPORT_ICMP;
    default:
        return DETECT_TRANSPORT_OTHER;
    }
}

/* ---- group construction ---- */

/* A database already compiled, keyed by the rules whose fast patterns it
 * holds: two groups with the same rules in a buffer get the same database
 * (the patterns derive from the rules), so it is compiled once. */
struct db_cache_entry {
    int buffer_id;
    uint64_t hash;
    uint32_t *ids; /* owned */
    uint32_t n;
    const struct detect_prefilter_db *db;
};

/* One database of a buffer: which patterns of the buffer its ids stand
 * for. */
struct db_entry {
    struct hsdb *db;           /* a reference, once acquired */
    uint32_t first;            /* map NULL: id i is pattern first + i */
    uint32_t *map;             /* else id -> pattern index, UINT32_MAX: not used (owned) */
    struct hsdb_pattern *pats; /* a delta database's patterns (owned) */
    uint32_t npats;
};

/* The databases of one buffer of one group, planned during grouping and
 * acquired for every group at once at the end (build_acquire_databases). */
struct db_plan {
    struct detect_prefilter_db *pdb;
    int buffer_id;
    struct hsdb_pattern *hp;   /* the buffer's patterns in canonical order (owned) */
    uint32_t npats;
    uint32_t *chunk_first;     /* nchunks + 1 entries (owned) */
    uint32_t nchunks;
    struct db_entry *entries;  /* owned */
    uint32_t nentries, entries_cap;
};

/* A group's buffer whose rules are those of another group's buffer: it
 * shares that one's databases once they exist. */
struct db_alias {
    struct detect_prefilter_db *dst;
    const struct detect_prefilter_db *src;
};

struct pf_info {
    const uint8_t *bytes;
    uint16_t len;
    bool nocase;
    int buffer_id; /* -1: no fast pattern */
};

struct build {
    struct detect_engine *de;
    struct pf_info *pf; /* per rule */
    struct db_plan *plans;
    size_t nplans;
    struct db_alias *aliases;
    size_t naliases;
    uint32_t per_db;
    bool any_in_port; /* detect_engine_options.any_port_in_port_groups */
    struct db_cache_entry *cache;
    size_t ncache;
    struct detect_engine_stats *st;
    char *err;
    size_t errlen;
    bool failed;
    /* distinct groups by rule set */
    uint64_t *ghash;
};

struct pat_entry {
    const uint8_t *bytes;
    uint16_t len;
    bool nocase;
    struct u32vec rules;
};

static uint64_t pat_hash(const uint8_t *b, uint16_t len, bool nocase)
{
    uint64_t h = 1469598103934665603ull ^ len ^ (nocase ? 0x9e37u : 0);
    for (uint16_t i = 0; i < len; i++)
        h = (h ^ b[i]) * 1099511628211ull;
    return h;
}

/* Compiles the database of one buffer of a group from its rules. */
static int build_db_compile(struct build *b, struct detect_group *g, int buffer_id);

/* rule_prefilter_pattern() of a rule, computed once per build. */
static int build_pattern(const struct build *b, uint32_t id, const uint8_t **p, uint16_t *len,
                         bool *nocase)
{
    const struct pf_info *f = &b->pf[id];
    *p = f->bytes;
    *len = f->len;
    *nocase = f->nocase;
    return f->buffer_id;
}

static int build_db(struct build *b, struct detect_group *g, int buffer_id)
{
    struct u32vec ids = {0};
    for (uint32_t i = 0; i < g->nrules; i++) {
        const uint8_t *p;
        uint16_t len;
        bool nocase;
        if (build_pattern(b, g->rules[i], &p, &len, &nocase) == buffer_id &&
            u32vec_push(&ids, g->rules[i])) {
            free(ids.v);
            return -ENOMEM;
        }
    }
    uint64_t h = hash_u32s(ids.v, ids.n);
    for (size_t i = 0; i < b->ncache; i++) {
        const struct db_cache_entry *c = &b->cache[i];
        if (c->buffer_id == buffer_id && c->hash == h && c->n == ids.n &&
            memcmp(c->ids, ids.v, ids.n * sizeof(uint32_t)) == 0) {
            struct db_alias *na = realloc(b->aliases, (b->naliases + 1) * sizeof(*na));
            free(ids.v);
            if (!na)
                return -ENOMEM;
            b->aliases = na;
            na[b->naliases].dst = &g->dbs[buffer_id];
            na[b->naliases].src = c->db;
            b->naliases++;
            g->dbs[buffer_id].shared = true; /* nothing of its own to free */
            return 0;
        }
    }
    int rc = build_db_compile(b, g, buffer_id);
    if (rc == 0 && g->dbs[buffer_id].npatterns) {
        struct db_cache_entry *nc = realloc(b->cache, (b->ncache + 1) * sizeof(*nc));
        if (nc) {
            b->cache = nc;
            nc[b->ncache].buffer_id = buffer_id;
            nc[b->ncache].hash = h;
            nc[b->ncache].ids = ids.v;
            nc[b->ncache].n = ids.n;
            nc[b->ncache].db = &g->dbs[buffer_id];
            b->ncache++;
            return 0;
        }
    }
    free(ids.v);
    return rc;
}

static int pat_order_cmp(const void *a, const void *b)
{
    const struct hsdb_pattern *x = a, *y = b;
    if (x->len != y->len)
        return x->len < y->len ? -1 : 1;
    int c = memcmp(x->bytes, y->bytes, x->len);
    if (c)
        return c;
    return x->flags < y->flags ? -1 : x->flags > y->flags;
}

/* Cuts n canonically ordered patterns into databases of at most max: a cut
 * follows a pattern whose hash is 0 mod max/8 once a database holds 3/4 of
 * max (content-defined, so an insertion moves no later boundary), or falls
 * at max. Fills first[] (at least ceil(n/max) + 1 entries) and returns the
 * number of databases. */
static uint32_t chunk_patterns(const struct hsdb_pattern *p, uint32_t n, uint32_t max,
                               uint32_t *first)
{
    uint32_t min = max - max / 4, div = max / 8 ? max / 8 : 1, nd = 0, size = 0;
    for (uint32_t i = 0; i < n; i++) {
        if (size == 0)
            first[nd++] = i;
        size++;
        uint64_t h = pat_hash(p[i].bytes, p[i].len, p[i].flags & HS_FLAG_CASELESS);
        h ^= h >> 29;
        if (size >= max || (size >= min && h % div == 0))
            size = 0;
    }
    first[nd] = n;
    return nd;
}

/* Plans the databases of one buffer of a group from its rules: the pattern
 * to rule map now, the Hyperscan databases as requests that
 * detect_engine_build acquires for every group at once (compiled in
 * parallel, shared, cached). */
static int build_db_compile(struct build *b, struct detect_group *g, int buffer_id)
{
    const struct rule_set *rs = b->de->rs;
    size_t cap = 16;
    while (cap < (size_t)g->nrules * 2)
        cap *= 2;
    struct pat_entry *pats = calloc(cap, sizeof(*pats));
    uint32_t *order = calloc(cap, sizeof(*order));
    if (!pats || !order) {
        free(pats);
        free(order);
        return -ENOMEM;
    }
    uint32_t npats = 0;
    int rc = 0;
    for (uint32_t i = 0; i < g->nrules && rc == 0; i++) {
        const struct rule *r = rule_set_get(rs, g->rules[i]);
        const uint8_t *p;
        uint16_t len;
        bool nocase;
        if (build_pattern(b, r->id, &p, &len, &nocase) != buffer_id)
            continue;
        size_t slot = pat_hash(p, len, nocase) & (cap - 1);
        while (pats[slot].bytes && !(pats[slot].len == len && pats[slot].nocase == nocase &&
                                     memcmp(pats[slot].bytes, p, len) == 0))
            slot = (slot + 1) & (cap - 1);
        if (!pats[slot].bytes) {
            pats[slot].bytes = p;
            pats[slot].len = len;
            pats[slot].nocase = nocase;
            order[npats++] = (uint32_t)slot;
        }
        if (u32vec_push(&pats[slot].rules, r->id))
            rc = -ENOMEM;
    }
    struct detect_prefilter_db *pdb = &g->dbs[buffer_id];
    struct hsdb_pattern *hp = NULL;
    if (rc == 0 && npats) {
        hp = malloc(npats * sizeof(*hp));
        uint32_t *slot_of = malloc(npats * sizeof(*slot_of));
        if (!hp || !slot_of) {
            free(slot_of);
            rc = -ENOMEM;
            goto out;
        }
        /* Canonical order; the slot rides along in a parallel sort key. */
        for (uint32_t i = 0; i < npats; i++) {
            struct pat_entry *pe = &pats[order[i]];
            hp[i].bytes = pe->bytes;
            hp[i].len = pe->len;
            hp[i].flags = HS_FLAG_SINGLEMATCH | (pe->nocase ? HS_FLAG_CASELESS : 0);
        }
        qsort(hp, npats, sizeof(*hp), pat_order_cmp);
        for (uint32_t i = 0; i < npats; i++) {
            size_t slot = pat_hash(hp[i].bytes, hp[i].len, hp[i].flags & HS_FLAG_CASELESS) &
                          (cap - 1);
            bool nc = hp[i].flags & HS_FLAG_CASELESS;
            while (!(pats[slot].len == hp[i].len && pats[slot].nocase == nc &&
                     memcmp(pats[slot].bytes, hp[i].bytes, hp[i].len) == 0))
                slot = (slot + 1) & (cap - 1);
            slot_of[i] = (uint32_t)slot;
        }
        uint32_t total = 0;
        for (uint32_t i = 0; i < npats; i++)
            total += pats[slot_of[i]].rules.n;
        uint32_t maxdb = (npats + b->per_db - 1) / b->per_db * 2 + 2;
        struct db_plan *np = realloc(b->plans, (b->nplans + 1) * sizeof(*np));
        if (np)
            b->plans = np;
        uint32_t *chunk_first = malloc((maxdb + 1) * sizeof(uint32_t));
        pdb->pat_rule_start = malloc((npats + 1) * sizeof(uint32_t));
        pdb->pat_rules = malloc((total ? total : 1) * sizeof(uint32_t));
        if (!np || !chunk_first || !pdb->pat_rule_start || !pdb->pat_rules) {
            free(chunk_first);
            free(slot_of);
            rc = -ENOMEM;
            goto out;
        }
        uint32_t off = 0;
        for (uint32_t i = 0; i < npats; i++) {
            struct pat_entry *pe = &pats[slot_of[i]];
            pdb->pat_rule_start[i] = off;
            memcpy(pdb->pat_rules + off, pe->rules.v, pe->rules.n * sizeof(uint32_t));
            off += pe->rules.n;
        }
        free(slot_of);
        pdb->pat_rule_start[npats] = off;
        pdb->npatterns = npats;
        struct db_plan *plan = &b->plans[b->nplans++];
        memset(plan, 0, sizeof(*plan));
        plan->pdb = pdb;
        plan->buffer_id = buffer_id;
        plan->hp = hp;
        plan->npats = npats;
        plan->chunk_first = chunk_first;
        plan->nchunks = chunk_patterns(hp, npats, b->per_db, chunk_first);
        b->st->patterns += npats;
        hp = NULL;
    }
out:
    free(hp);
    for (size_t s = 0; s < cap; s++)
        free(pats[s].rules.v);
    free(pats);
    free(order);
    return rc;
}

static struct db_entry *plan_add_entry(struct db_plan *p)
{
    if (p->nentries == p->entries_cap) {
        uint32_t nc = p->entries_cap ? p->entries_cap * 2 : 4;
        struct db_entry *ne = realloc(p->entries, nc * sizeof(*ne));
        if (!ne)
            return NULL;
        p->entries = ne;
        p->entries_cap = nc;
    }
    struct db_entry *e = &p->entries[p->nentries++];
    memset(e, 0, sizeof(*e));
    return e;
}

static void plan_free(struct db_plan *p)
{
    for (uint32_t i = 0; i < p->nentries; i++) {
        hsdb_release(p->entries[i].db);
        free(p->entries[i].map);
        free(p->entries[i].pats);
    }
    free(p->entries);
    free(p->chunk_first);
    free(p->hp);
}

/* Index of the patterns of a running engine's databases: hash -> (database,
 * id), sorted by hash. */
struct prev_pattern {
    uint64_t hash;
    struct hsdb *db;
    uint32_t id;
};

static int prev_pattern_cmp(const void *a, const void *b)
{
    const struct prev_pattern *x = a, *y = b;
    return x->hash < y->hash ? -1 : x->hash > y->hash;
}

static struct prev_pattern *prev_index(const struct detect_engine *prev, size_t *n)
{
    size_t cap = 0, cnt = 0;
    struct prev_pattern *ix = NULL;
    struct hsdb **seen = NULL;
    size_t nseen = 0, seencap = 0;
    for (uint32_t g = 0; g < prev->ngroups; g++) {
        for (int k = 0; k < detect_buffer_count(); k++) {
            const struct detect_prefilter_db *pdb = &prev->groups[g]->dbs[k];
            for (uint32_t d = 0; pdb->hdb && d < pdb->ndb; d++) {
                struct hsdb *db = pdb->hdb[d];
                bool dup = false;
                for (size_t i = 0; i < nseen && !dup; i++)
                    dup = seen[i] == db;
                if (dup || !db)
                    continue;
                if (nseen == seencap) {
                    seencap = seencap ? seencap * 2 : 64;
                    struct hsdb **ns = realloc(seen, seencap * sizeof(*ns));
                    if (!ns)
                        goto oom;
                    seen = ns;
                }
                seen[nseen++] = db;
                uint32_t m;
                const uint64_t *h = hsdb_pattern_hashes(db, &m);
                if (cnt + m > cap) {
                    cap = (cnt + m) * 2;
                    struct prev_pattern *ni = realloc(ix, cap * sizeof(*ni));
                    if (!ni)
                        goto oom;
                    ix = ni;
                }
                for (uint32_t i = 0; i < m; i++)
                    ix[cnt++] = (struct prev_pattern){.hash = h[i], .db = db, .id = i};
            }
        }
    }
    free(seen);
    if (cnt)
        qsort(ix, cnt, sizeof(*ix), prev_pattern_cmp);
    *n = cnt;
    return ix;
oom:
    free(seen);
    free(ix);
    *n = 0;
    return NULL;
}

/* Open-addressing map pattern hash -> pattern index of one plan. */
struct hash_index {
    uint64_t *keys;
    uint32_t *vals;
    uint32_t mask;
};

static int hash_index_build(struct hash_index *hi, const uint64_t *h, uint32_t n)
{
    uint32_t cap = 16;
    while (cap < n * 2)
        cap *= 2;
    hi->keys = malloc(cap * sizeof(*hi->keys));
    hi->vals = malloc(cap * sizeof(*hi->vals));
    if (!hi->keys || !hi->vals)
        return -ENOMEM;
    hi->mask = cap - 1;
    memset(hi->vals, 0xff, cap * sizeof(*hi->vals));
    for (uint32_t i = 0; i < n; i++) {
        uint32_t s = (uint32_t)h[i] & hi->mask;
        while (hi->vals[s] != UINT32_MAX && hi->keys[s] != h[i])
            s = (s + 1) & hi->mask;
        hi->keys[s] = h[i];
        hi->vals[s] = i;
    }
    return 0;
}

static uint32_t hash_index_find(const struct hash_index *hi, uint64_t h)
{
    uint32_t s = (uint32_t)h & hi->mask;
    while (hi->vals[s] != UINT32_MAX) {
        if (hi->keys[s] == h)
            return hi->vals[s];
        s = (s + 1) & hi->mask;
    }
    return UINT32_MAX;
}

/* Patterns a reload may compile per buffer before it rebuilds whole
 * databases instead (a delta this small compiles in a few MB). */
#define DETECT_DELTA_MAX 128

/* Rule reload: the databases of a buffer that are neither in memory nor in
 * the cache would have to be compiled whole (hundreds of patterns: tens of
 * MB of compile memory each). Instead the running engine's databases that
 * hold most of the missing patterns are used as they are (patterns no longer
 * wanted are masked), and only the patterns no running database holds are
 * compiled, into one small delta database. Falls back to whole databases
 * when the delta would be large or the old databases mostly dead. Fills
 * need_compile[c] for chunks still to compile. */
static int plan_cover(struct db_plan *p, const bool *chunk_ok, const struct prev_pattern *ix,
                      size_t nix, bool *need_compile, uint32_t *delta_out)
{
    uint32_t n = p->npats;
    uint64_t *h = malloc((n ? n : 1) * sizeof(*h));
    uint8_t *owned = calloc(n ? n : 1, 1);
    struct hash_index hi = {0};
    int rc = -ENOMEM;
    uint32_t nentries0 = p->nentries;
    if (!h || !owned)
        goto out;
    for (uint32_t i = 0; i < n; i++)
        h[i] = hsdb_pattern_hash(&p->hp[i]);
    if (hash_index_build(&hi, h, n) != 0)
        goto out;
    uint32_t missing = 0;
    for (uint32_t c = 0; c < p->nchunks; c++)
        for (uint32_t i = p->chunk_first[c]; i < p->chunk_first[c + 1]; i++) {
            owned[i] = chunk_ok[c];
            missing += !chunk_ok[c];
        }
    /* Old databases by how many missing patterns they hold, best first. */
    for (;;) {
        struct hsdb *best = NULL;
        uint32_t best_count = 0;
        for (uint32_t i = 0; i < n; i++) {
            if (owned[i])
                continue;
            size_t lo = 0, hi2 = nix;
            while (lo < hi2) {
                size_t mid = (lo + hi2) / 2;
                if (ix[mid].hash < h[i])
                    lo = mid + 1;
                else
                    hi2 = mid;
            }
            for (size_t k = lo; k < nix && ix[k].hash == h[i]; k++) {
                uint32_t cnt = 0, m;
                const uint64_t *dh = hsdb_pattern_hashes(ix[k].db, &m);
                if (ix[k].db == best)
                    continue;
                uint32_t live = 0;
                for (uint32_t j = 0; j < m; j++) {
                    uint32_t pi = hash_index_find(&hi, dh[j]);
                    live += pi != UINT32_MAX;
                    cnt += pi != UINT32_MAX && !owned[pi];
                }
                /* Mostly dead databases cost more scanning than they save. */
                if (live * 2 >= m && cnt > best_count) {
                    best = ix[k].db;
                    best_count = cnt;
                }
            }
            if (best_count)
                break; /* the first missing pattern's best holder; repeat */
        }
        if (!best)
            break;
        uint32_t m;
        const uint64_t *dh = hsdb_pattern_hashes(best, &m);
        struct db_entry *e = plan_add_entry(p);
        uint32_t *map = malloc((m ? m : 1) * sizeof(*map));
        if (!e || !map) {
            free(map);
            goto out;
        }
        for (uint32_t j = 0; j < m; j++) {
            uint32_t pi = hash_index_find(&hi, dh[j]);
            if (pi != UINT32_MAX && !owned[pi]) {
                map[j] = pi;
                owned[pi] = 1;
                missing--;
            } else {
                map[j] = UINT32_MAX;
            }
        }
        hsdb_retain(best);
        e->db = best;
        e->map = map;
    }
    if (missing > DETECT_DELTA_MAX) {
        /* Too much is new: whole databases after all. */
        for (uint32_t k = nentries0; k < p->nentries; k++) {
            hsdb_release(p->entries[k].db);
            free(p->entries[k].map);
        }
        p->nentries = nentries0;
        for (uint32_t c = 0; c < p->nchunks; c++)
            need_compile[c] = !chunk_ok[c];
        *delta_out = 0;
        rc = 0;
        goto out;
    }
    if (missing) {
        struct db_entry *e = plan_add_entry(p);
        if (!e)
            goto out;
        e->pats = malloc(missing * sizeof(*e->pats));
        e->map = malloc(missing * sizeof(*e->map));
        if (!e->pats || !e->map)
            goto out;
        uint32_t k = 0;
        for (uint32_t i = 0; i < n; i++)
            if (!owned[i]) {
                e->pats[k] = p->hp[i];
                e->map[k++] = i;
            }
        e->npats = missing;
    }
    *delta_out = missing;
    rc = 0;
out:
    free(h);
    free(owned);
    free(hi.keys);
    free(hi.vals);
    return rc;
}

/* Acquires every planned database: canonical chunks shared with a running
 * engine, from the disk cache or compiled (on several threads); on a rule
 * reload (prev), changed chunks are covered by the running databases plus a
 * small delta (plan_cover). Then fills the groups' database arrays. */
static int build_acquire_databases(struct build *b, unsigned threads,
                                   const struct detect_engine *prev)
{
    int rc = 0;
    size_t nchunks = 0;
    for (size_t i = 0; i < b->nplans; i++)
        nchunks += b->plans[i].nchunks;
    struct hsdb_request *rq = calloc(nchunks ? nchunks : 1, sizeof(*rq));
    uint32_t *rq_plan = calloc(nchunks ? nchunks : 1, sizeof(*rq_plan));
    uint32_t *rq_chunk = calloc(nchunks ? nchunks : 1, sizeof(*rq_chunk));
    int32_t *rq_entry = NULL; /* second batch: the delta entry, or -1 for a chunk */
    bool *chunk_ok = calloc(nchunks ? nchunks : 1, sizeof(*chunk_ok));
    bool *need = calloc(nchunks ? nchunks : 1, sizeof(*need));
    struct prev_pattern *ix = NULL;
    size_t nix = 0, nrq = 0;
    struct hsdb_stats hst = {0};
    char err[300] = "";
    if (!rq || !rq_plan || !rq_chunk || !chunk_ok || !need) {
        rc = -ENOMEM;
        goto out;
    }
    /* 1. Whole chunks that exist already (all of them at start-up). */
    for (size_t i = 0; i < b->nplans; i++) {
        struct db_plan *p = &b->plans[i];
        for (uint32_t c = 0; c < p->nchunks; c++) {
            rq[nrq].pats = p->hp + p->chunk_first[c];
            rq[nrq].n = p->chunk_first[c + 1] - p->chunk_first[c];
            rq[nrq].cached_only = prev != NULL;
            rq_plan[nrq] = (uint32_t)i;
            rq_chunk[nrq++] = c;
        }
    }
    rc = hsdb_acquire_batch(rq, nrq, threads, &hst, err, sizeof err);
    if (rc != 0)
        goto out;
    size_t k = 0;
    for (size_t i = 0; i < b->nplans; i++) {
        struct db_plan *p = &b->plans[i];
        for (uint32_t c = 0; c < p->nchunks; c++, k++) {
            chunk_ok[k] = rq[k].db != NULL;
            if (!rq[k].db)
                continue;
            struct db_entry *e = plan_add_entry(p);
            if (!e) {
                hsdb_release(rq[k].db);
                rc = -ENOMEM;
                goto out;
            }
            e->db = rq[k].db;
            e->first = p->chunk_first[c];
            rq[k].db = NULL;
        }
    }
    /* 2. A reload: what changed, covered by the running databases and
     * deltas (or whole chunks when too much changed). */
    size_t ndelta = 0;
    if (prev) {
        ix = prev_index(prev, &nix);
        size_t base = 0;
        for (size_t i = 0; i < b->nplans; i++) {
            struct db_plan *p = &b->plans[i];
            bool complete = true;
            for (uint32_t c = 0; c < p->nchunks; c++)
                complete &= chunk_ok[base + c];
            if (!complete) {
                uint32_t delta = 0;
                rc = plan_cover(p, chunk_ok + base, ix, nix, need + base, &delta);
                if (rc != 0)
                    goto out;
                ndelta += delta != 0;
            }
            base += p->nchunks;
        }
        nrq = 0;
        base = 0;
        for (size_t i = 0; i < b->nplans; i++) {
            struct db_plan *p = &b->plans[i];
            for (uint32_t c = 0; c < p->nchunks; c++)
                if (need[base + c]) {
                    rq[nrq] = (struct hsdb_request){.pats = p->hp + p->chunk_first[c],
                                                    .n = p->chunk_first[c + 1] -
                                                         p->chunk_first[c]};
                    rq_plan[nrq] = (uint32_t)i;
                    rq_chunk[nrq++] = c;
                }
            base += p->nchunks;
        }
        /* Deltas go into the same batch. */
        struct hsdb_request *rq2 = realloc(rq, (nrq + ndelta + 1) * sizeof(*rq2));
        uint32_t *rp2 = realloc(rq_plan, (nrq + ndelta + 1) * sizeof(*rp2));
        uint32_t *rc2 = realloc(rq_chunk, (nrq + ndelta + 1) * sizeof(*rc2));
        rq_entry = malloc((nrq + ndelta + 1) * sizeof(*rq_entry));
        if (rq2)
            rq = rq2;
        if (rp2)
            rq_plan = rp2;
        if (rc2)
            rq_chunk = rc2;
        if (!rq2 || !rp2 || !rc2 || !rq_entry) {
            rc = -ENOMEM;
            goto out;
        }
        for (size_t r = 0; r < nrq; r++)
            rq_entry[r] = -1;
        for (size_t i = 0; i < b->nplans; i++) {
            struct db_plan *p = &b->plans[i];
            for (uint32_t e = 0; e < p->nentries; e++)
                if (p->entries[e].pats && !p->entries[e].db) {
                    rq[nrq] = (struct hsdb_request){.pats = p->entries[e].pats,
                                                    .n = p->entries[e].npats};
                    rq_plan[nrq] = (uint32_t)i;
                    rq_entry[nrq++] = (int32_t)e;
                }
        }
        if (nrq) {
            rc = hsdb_acquire_batch(rq, nrq, threads, &hst, err, sizeof err);
            if (rc != 0)
                goto out;
        }
        for (size_t r = 0; r < nrq; r++) {
            struct db_plan *p = &b->plans[rq_plan[r]];
            if (rq_entry[r] >= 0) {
                p->entries[rq_entry[r]].db = rq[r].db;
            } else {
                struct db_entry *e = plan_add_entry(p);
                if (!e) {
                    hsdb_release(rq[r].db);
                    rc = -ENOMEM;
                    goto out;
                }
                e->db = rq[r].db;
                e->first = p->chunk_first[rq_chunk[r]];
            }
            rq[r].db = NULL;
        }
    }
    /* 3. The groups' arrays. */
    for (size_t i = 0; i < b->nplans; i++) {
        struct db_plan *p = &b->plans[i];
        struct detect_prefilter_db *pdb = p->pdb;
        pdb->ndb = p->nentries;
        pdb->db = calloc(p->nentries ? p->nentries : 1, sizeof(*pdb->db));
        pdb->hdb = calloc(p->nentries ? p->nentries : 1, sizeof(*pdb->hdb));
        pdb->chunk_first = calloc(p->nentries ? p->nentries : 1, sizeof(*pdb->chunk_first));
        pdb->map = calloc(p->nentries ? p->nentries : 1, sizeof(*pdb->map));
        if (!pdb->db || !pdb->hdb || !pdb->chunk_first || !pdb->map) {
            pdb->ndb = 0;
            rc = -ENOMEM;
            goto out;
        }
        for (uint32_t e = 0; e < p->nentries; e++) {
            struct db_entry *en = &p->entries[e];
            pdb->hdb[e] = en->db;
            pdb->db[e] = hsdb_database(en->db);
            pdb->chunk_first[e] = en->first;
            pdb->map[e] = en->map;
            en->db = NULL; /* moved */
            en->map = NULL;
            bool dup = false;
            for (size_t q = 0; q < i && !dup; q++)
                for (uint32_t w = 0; w < b->plans[q].pdb->ndb && !dup; w++)
                    dup = b->plans[q].pdb->hdb[w] == pdb->hdb[e];
            for (uint32_t w = 0; w < e && !dup; w++)
                dup = pdb->hdb[w] == pdb->hdb[e];
            if (!dup)
                b->st->database_bytes += hsdb_bytes(pdb->hdb[e]);
            if (getenv("VIGIL_DEBUG_ENGINE")) {
                uint32_t m;
                hsdb_pattern_hashes(pdb->hdb[e], &m);
                fprintf(stderr, "db %s: %u patterns%s, %zu bytes\n",
                        detect_buffer_get(p->buffer_id)->name, m,
                        pdb->map[e] ? " (mapped)" : "", hsdb_bytes(pdb->hdb[e]));
            }
        }
        b->st->databases += p->nentries;
    }
    for (size_t i = 0; i < b->naliases; i++) {
        *b->aliases[i].dst = *b->aliases[i].src;
        b->aliases[i].dst->shared = true;
    }
    b->st->db_shared += hst.memory_hits;
    b->st->db_from_disk += hst.disk_hits;
    b->st->db_compiled += hst.compiled;
    b->st->db_cache_rejected += hst.disk_rejected;
    b->st->db_cache_write_errors += hst.disk_write_errors;
    b->st->compile_cpu_seconds += hst.compile_cpu_seconds;
    b->st->database_bytes_new += hst.bytes_new;
    b->st->db_delta += (uint32_t)ndelta;
out:
    if (rc != 0 && !err[0])
        snprintf(err, sizeof err, "out of memory");
    if (rc != 0)
        snprintf(b->err, b->errlen, "%s", err);
    for (size_t r = 0; rq && r < nrq; r++)
        hsdb_release(rq[r].db);
    free(rq);
    free(rq_plan);
    free(rq_chunk);
    free(rq_entry);
    free(chunk_ok);
    free(need);
    free(ix);
    return rc;
}

/* ---- address index for non-prefilter rules ---- */

#define ADDR_INDEX_MAX_SPAN ((rule_ip_t)1 << 24) /* a /8 of IPv4 */
#define ADDR_INDEX_MAX_RANGES 100000

/* Number of addresses of a set, saturated; ~0 for "any". */
static rule_ip_t addr_span(const struct rule_addr_set *s)
{
    if (s->any || s->count > ADDR_INDEX_MAX_RANGES)
        return ~(rule_ip_t)0;
    rule_ip_t span = 0;
    for (uint32_t i = 0; i < s->count; i++) {
        rule_ip_t w = s->ranges[i].hi - s->ranges[i].lo;
        if (w >= ADDR_INDEX_MAX_SPAN || span + w + 1 >= ADDR_INDEX_MAX_SPAN)
            return ~(rule_ip_t)0;
        span += w + 1;
    }
    return span;
}

static int ip_cmp(const void *a, const void *b)
{
    rule_ip_t x = *(const rule_ip_t *)a, y = *(const rule_ip_t *)b;
    return x < y ? -1 : x > y;
}

/* First k with starts[k] >= v. */
static uint32_t ip_lower_bound(const rule_ip_t *starts, uint32_t m, rule_ip_t v)
{
    uint32_t lo = 0, hi = m;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (starts[mid] < v)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static int addr_index_build(struct detect_addr_index *ix, const struct rule_set *rs,
                            const uint32_t *ids, uint32_t n, bool src_side)
{
    memset(ix, 0, sizeof(*ix));
    if (n == 0)
        return 0;
    size_t nb = 0;
    for (uint32_t i = 0; i < n; i++) {
        const struct rule *r = rule_set_get(rs, ids[i]);
        nb += 2 * (src_side ? r->src.count : r->dst.count);
    }
    rule_ip_t *b = malloc(nb * sizeof(*b));
    if (!b)
        return -ENOMEM;
    size_t k = 0;
    for (uint32_t i = 0; i < n; i++) {
        const struct rule *r = rule_set_get(rs, ids[i]);
        const struct rule_addr_set *s = src_side ? &r->src : &r->dst;
        for (uint32_t j = 0; j < s->count; j++) {
            b[k++] = s->ranges[j].lo;
            if (s->ranges[j].hi != ~(rule_ip_t)0)
                b[k++] = s->ranges[j].hi + 1;
        }
    }
    qsort(b, k, sizeof(*b), ip_cmp);
    uint32_t m = 0;
    for (size_t i = 0; i < k; i++)
        if (m == 0 || b[m - 1] != b[i])
            b[m++] = b[i];
    ix->starts = b;
    ix->m = m;
    ix->off = calloc((size_t)m + 1, sizeof(*ix->off));
    if (!ix->off)
        return -ENOMEM;
    for (int pass = 0; pass < 2; pass++) {
        uint32_t *fill = NULL;
        if (pass == 1) {
            for (uint32_t i = 0; i < m; i++)
                ix->off[i + 1] += ix->off[i];
            ix->ids = malloc((ix->off[m] ? ix->off[m] : 1) * sizeof(*ix->ids));
            fill = calloc(m ? m : 1, sizeof(*fill));
            if (!ix->ids || !fill) {
                free(fill);
                return -ENOMEM;
            }
        }
        for (uint32_t i = 0; i < n; i++) {
            const struct rule *r = rule_set_get(rs, ids[i]);
            const struct rule_addr_set *s = src_side ? &r->src : &r->dst;
            for (uint32_t j = 0; j < s->count; j++) {
                for (uint32_t q = ip_lower_bound(b, m, s->ranges[j].lo);
                     q < m && b[q] <= s->ranges[j].hi; q++) {
                    if (pass == 0)
                        ix->off[q + 1]++;
                    else
                        ix->ids[ix->off[q] + fill[q]++] = ids[i];
                }
            }
        }
        free(fill);
    }
    return 0;
}

static void addr_index_free(struct detect_addr_index *ix)
{
    free(ix->starts);
    free(ix->off);
    free(ix->ids);
}

static void addr_index_add(const struct detect_addr_index *ix, rule_ip_t ip,
                           struct detect_thread_ctx *ctx)
{
    if (!ix->m)
        return;
    uint32_t k = ip_lower_bound(ix->starts, ix->m, ip);
    if (k < ix->m && ix->starts[k] == ip)
        ; /* interval k starts exactly here */
    else if (k == 0)
        return;
    else
        k--;
    for (uint32_t i = ix->off[k]; i < ix->off[k + 1]; i++)
        detect_candidate_add(ctx, ix->ids[i]);
}

/* Splits a group's non-prefilter rules into always / by source / by destination. */
static int group_index_nonpf(const struct rule_set *rs, struct detect_group *g)
{
    struct u32vec always = {0}, bysrc = {0}, bydst = {0};
    int rc = 0;
    for (uint32_t i = 0; i < g->nnonpf && rc == 0; i++) {
        const struct rule *r = rule_set_get(rs, g->nonpf[i]);
        rule_ip_t ss = addr_span(&r->src), ds = addr_span(&r->dst);
        if ((r->flags & RULE_FLAG_BIDIRECTIONAL) || (ss == ~(rule_ip_t)0 && ds == ~(rule_ip_t)0))
            rc = u32vec_push(&always, r->id);
        else if (ss <= ds)
            rc = u32vec_push(&bysrc, r->id);
        else
            rc = u32vec_push(&bydst, r->id);
    }
    if (rc == 0)
        rc = addr_index_build(&g->by_src, rs, bysrc.v, bysrc.n, true);
    if (rc == 0)
        rc = addr_index_build(&g->by_dst, rs, bydst.v, bydst.n, false);
    free(bysrc.v);
    free(bydst.v);
    g->nonpf_always = always.v;
    g->nnonpf_always = always.n;
    return rc;
}

static void group_free(struct detect_group *g)
{
    if (!g)
        return;
    free(g->rules);
    free(g->nonpf);
    free(g->nonpf_always);
    addr_index_free(&g->by_src);
    addr_index_free(&g->by_dst);
    if (g->dbs) {
        for (int i = 0; i < detect_buffer_count(); i++) {
            if (g->dbs[i].shared)
                continue;
            for (uint32_t d = 0; d < g->dbs[i].ndb; d++) {
                if (g->dbs[i].hdb)
                    hsdb_release(g->dbs[i].hdb[d]);
                if (g->dbs[i].map)
                    free(g->dbs[i].map[d]);
            }
            free(g->dbs[i].map);
            free(g->dbs[i].db);
            free(g->dbs[i].hdb);
            free(g->dbs[i].chunk_first);
            free(g->dbs[i].pat_rule_start);
            free(g->dbs[i].pat_rules);
        }
        free(g->dbs);
    }
    free(g);
}

/* Returns the group for a sorted rule list, sharing identical ones. Takes
 * ownership of rules. */
static struct detect_group *group_get(struct build *b, uint32_t *rules, uint32_t n)
{
    struct detect_engine *de = b->de;
    uint64_t h = hash_u32s(rules, n);
    for (uint32_t i = 0; i < de->ngroups; i++) {
        struct detect_group *g = de->groups[i];
        if (b->ghash[i] == h && g->nrules == n &&
            memcmp(g->rules, rules, n * sizeof(*rules)) == 0) {
            free(rules);
            return g;
        }
    }
    struct detect_group *g = calloc(1, sizeof(*g));
    struct detect_group **ng = realloc(de->groups, (de->ngroups + 1) * sizeof(*ng));
    uint64_t *nh = realloc(b->ghash, (de->ngroups + 1) * sizeof(*nh));
    if (ng)
        de->groups = ng;
    if (nh)
        b->ghash = nh;
    if (!g || !ng || !nh) {
        free(g);
        free(rules);
        return NULL;
    }
    g->rules = rules;
    g->nrules = n;
    g->dbs = calloc((size_t)detect_buffer_count(), sizeof(*g->dbs));
    if (!g->dbs) {
        group_free(g);
        return NULL;
    }
    /* non-prefilter list and the buffers that need a database */
    bool *need = calloc((size_t)detect_buffer_count(), sizeof(*need));
    struct u32vec nonpf = {0};
    if (!need) {
        group_free(g);
        return NULL;
    }
    for (uint32_t i = 0; i < n; i++) {
        const struct rule *r = rule_set_get(de->rs, rules[i]);
        const uint8_t *pp;
        uint16_t pl;
        bool nc;
        int bid = build_pattern(b, r->id, &pp, &pl, &nc);
        if (bid >= 0)
            need[bid] = true;
        else if (u32vec_push(&nonpf, r->id)) {
            free(need);
            free(nonpf.v);
            group_free(g);
            return NULL;
        }
    }
    g->nonpf = nonpf.v;
    g->nnonpf = nonpf.n;
    b->st->non_prefilter_rules += nonpf.n;
    if (group_index_nonpf(de->rs, g) != 0) {
        free(need);
        group_free(g);
        return NULL;
    }
    for (int i = 0; i < detect_buffer_count(); i++) {
        if (need[i] && build_db(b, g, i) != 0) {
            free(need);
            group_free(g);
            b->failed = true;
            return NULL;
        }
    }
    free(need);
    b->ghash[de->ngroups] = h;
    de->groups[de->ngroups++] = g;
    b->st->groups++;
    return g;
}

static bool rule_in_transport(const struct rule *r, enum detect_transport t)
{
    if (r->ipproto == 0)
        return true; /* ip / pkthdr: every transport */
    return detect_transport_of(r->ipproto) == t;
}

struct interval_set {
    struct u32vec rules;
    uint64_t hash;
    int group; /* index in distinct list */
};

/* A port group's rules with the any-port group's (ag, may be NULL) added,
 * both sorted: the union, newly allocated (NULL when out of memory). */
static uint32_t *with_any_port(const struct detect_group *ag, const uint32_t *v, uint32_t n,
                               uint32_t *out_n)
{
    uint32_t na = ag ? ag->nrules : 0;
    uint32_t *u = malloc(((size_t)n + na ? (size_t)n + na : 1) * sizeof(*u));
    if (!u)
        return NULL;
    uint32_t i = 0, j = 0, k = 0;
    while (i < n || j < na) {
        if (j == na || (i < n && v[i] < ag->rules[j]))
            u[k++] = v[i++];
        else if (i == n || ag->rules[j] < v[i])
            u[k++] = ag->rules[j++];
        else {
            u[k++] = v[i++];
            j++;
        }
    }
    *out_n = k;
    return u;
}

static int build_transport_dir(struct build *b, enum detect_transport t, int dir,
                               uint32_t max_groups)
{
    struct detect_engine *de = b->de;
    const struct rule_set *rs = de->rs;
    size_t nr = rule_set_count(rs);
    struct u32vec any = {0}, specific = {0};
    bool ported = t == DETECT_TRANSPORT_TCP || t == DETECT_TRANSPORT_UDP;
    for (size_t i = 0; i < nr; i++) {
        const struct rule *r = rule_set_get(rs, i);
        if (!rule_in_transport(r, t))
            continue;
        if (dir == 0 && (r->flags & RULE_FLAG_TOCLIENT) && !(r->flags & RULE_FLAG_TOSERVER))
            continue;
        if (dir == 1 && (r->flags & RULE_FLAG_TOSERVER) && !(r->flags & RULE_FLAG_TOCLIENT))
            continue;
        const struct rule_port_set *ps = dir == 0 ? &r->dp : &r->sp;
        bool anyport =
            !ported || ps->any || (r->flags & RULE_FLAG_BIDIRECTIONAL) || r->ipproto == 0;
        if (u32vec_push(anyport ? &any : &specific, (uint32_t)i))
            goto oom;
    }
    if (any.n) {
        de->any[t][dir] = group_get(b, any.v, any.n);
        any.v = NULL;
        if (!de->any[t][dir])
            goto fail;
    }
    if (specific.n == 0) {
        free(specific.v);
        return 0;
    }
    /* Cut the port space at every range boundary. */
    struct u32vec bounds = {0};
    for (uint32_t i = 0; i < specific.n; i++) {
        const struct rule *r = rule_set_get(rs, specific.v[i]);
        const struct rule_port_set *ps = dir == 0 ? &r->dp : &r->sp;
        for (uint32_t k = 0; k < ps->count; k++) {
            if (u32vec_push(&bounds, ps->ranges[k].lo) ||
                u32vec_push(&bounds, (uint32_t)ps->ranges[k].hi + 1))
                goto oom_bounds;
        }
    }
    u32vec_push(&bounds, 0);
    u32vec_push(&bounds, 65536);
    qsort(bounds.v, bounds.n, sizeof(uint32_t), u32_cmp);
    uint32_t nb = 0;
    for (uint32_t i = 0; i < bounds.n; i++)
        if (nb == 0 || bounds.v[nb - 1] != bounds.v[i])
            bounds.v[nb++] = bounds.v[i];
    uint32_t nint = nb - 1; /* interval k = [bounds[k], bounds[k+1]) */
    struct interval_set *iv = calloc(nint, sizeof(*iv));
    if (!iv)
        goto oom_bounds;
    for (uint32_t i = 0; i < specific.n; i++) {
        const struct rule *r = rule_set_get(rs, specific.v[i]);
        const struct rule_port_set *ps = dir == 0 ? &r->dp : &r->sp;
        for (uint32_t k = 0; k < ps->count; k++) {
            /* first interval starting at lo */
            uint32_t lo = 0, hi = nint;
            while (lo < hi) {
                uint32_t mid = (lo + hi) / 2;
                if (bounds.v[mid] < ps->ranges[k].lo)
                    lo = mid + 1;
                else
                    hi = mid;
            }
            for (uint32_t j = lo; j < nint && bounds.v[j] <= ps->ranges[k].hi; j++) {
                struct u32vec *rv = &iv[j].rules;
                if (rv->n && rv->v[rv->n - 1] == specific.v[i])
                    continue;
                if (u32vec_push(rv, specific.v[i]))
                    goto oom_iv;
            }
        }
    }
    /* Distinct non-empty sets. */
    uint32_t ndistinct = 0;
    uint32_t *rep = calloc(nint, sizeof(*rep)); /* distinct -> representative interval */
    uint32_t *weight = calloc(nint, sizeof(*weight));
    if (!rep || !weight) {
        free(rep);
        free(weight);
        goto oom_iv;
    }
    for (uint32_t j = 0; j < nint; j++) {
        iv[j].group = -1;
        if (!iv[j].rules.n)
            continue;
        iv[j].hash = hash_u32s(iv[j].rules.v, iv[j].rules.n);
        for (uint32_t d = 0; d < ndistinct; d++) {
            struct interval_set *o = &iv[rep[d]];
            if (o->hash == iv[j].hash && o->rules.n == iv[j].rules.n &&
                memcmp(o->rules.v, iv[j].rules.v, o->rules.n * sizeof(uint32_t)) == 0) {
                iv[j].group = (int)d;
                break;
            }
        }
        if (iv[j].group < 0) {
            iv[j].group = (int)ndistinct;
            rep[ndistinct++] = j;
        }
    }
    /* Too many: keep the largest max_groups-1, merge the rest into one. */
    uint32_t *final_of = calloc(ndistinct ? ndistinct : 1, sizeof(*final_of));
    struct detect_group **final_groups = calloc(max_groups, sizeof(*final_groups));
    if (!final_of || !final_groups) {
        free(final_of);
        free(final_groups);
        free(rep);
        free(weight);
        goto oom_iv;
    }
    uint32_t *byweight = calloc(ndistinct ? ndistinct : 1, sizeof(*byweight));
    for (uint32_t d = 0; d < ndistinct && byweight; d++)
        byweight[d] = d;
    /* simple selection by rule count, largest first */
    for (uint32_t a = 0; byweight && a < ndistinct; a++)
        for (uint32_t c = a + 1; c < ndistinct; c++)
            if (iv[rep[byweight[c]]].rules.n > iv[rep[byweight[a]]].rules.n) {
                uint32_t tmp = byweight[a];
                byweight[a] = byweight[c];
                byweight[c] = tmp;
            }
    uint32_t nfinal = 0;
    struct u32vec merged = {0};
    for (uint32_t a = 0; byweight && a < ndistinct; a++) {
        uint32_t d = byweight[a];
        if (ndistinct <= max_groups || a < max_groups - 1) {
            uint32_t n = 0;
            uint32_t *copy = with_any_port(b->any_in_port ? de->any[t][dir] : NULL,
                                           iv[rep[d]].rules.v, iv[rep[d]].rules.n, &n);
            if (!copy)
                break;
            final_groups[nfinal] = group_get(b, copy, n);
            final_of[d] = nfinal++;
        } else {
            for (uint32_t k = 0; k < iv[rep[d]].rules.n; k++)
                u32vec_push(&merged, iv[rep[d]].rules.v[k]);
            final_of[d] = max_groups - 1;
        }
    }
    if (merged.n) {
        qsort(merged.v, merged.n, sizeof(uint32_t), u32_cmp);
        uint32_t m = 0;
        for (uint32_t k = 0; k < merged.n; k++)
            if (m == 0 || merged.v[m - 1] != merged.v[k])
                merged.v[m++] = merged.v[k];
        uint32_t n = 0;
        uint32_t *u = with_any_port(b->any_in_port ? de->any[t][dir] : NULL, merged.v, m, &n);
        free(merged.v);
        final_groups[max_groups - 1] = u ? group_get(b, u, n) : NULL;
        nfinal = max_groups;
    }
    uint16_t *map = malloc(65536 * sizeof(uint16_t));
    bool ok = map && byweight && !b->failed;
    for (uint32_t f = 0; ok && f < nfinal; f++)
        if (!final_groups[f])
            ok = false;
    if (ok) {
        for (uint32_t j = 0; j < nint; j++) {
            uint16_t gi = UINT16_MAX;
            if (iv[j].group >= 0) {
                struct detect_group *g = final_groups[final_of[iv[j].group]];
                for (uint32_t k = 0; k < de->ngroups; k++)
                    if (de->groups[k] == g)
                        gi = (uint16_t)k;
            }
            for (uint32_t p = bounds.v[j]; p < bounds.v[j + 1]; p++)
                map[p] = gi;
        }
        de->port_map[t][dir] = map;
    } else {
        free(map);
    }
    for (uint32_t j = 0; j < nint; j++)
        free(iv[j].rules.v);
    free(iv);
    free(rep);
    free(weight);
    free(final_of);
    free(final_groups);
    free(byweight);
    free(bounds.v);
    free(specific.v);
    if (!ok) {
        if (!b->failed)
            snprintf(b->err, b->errlen, "out of memory building port groups");
        b->failed = true;
        return -ENOMEM;
    }
    return 0;
oom_iv:
    for (uint32_t j = 0; j < nint; j++)
        free(iv[j].rules.v);
    free(iv);
oom_bounds:
    free(bounds.v);
oom:
    free(any.v);
    free(specific.v);
    snprintf(b->err, b->errlen, "out of memory building rule groups");
    b->failed = true;
    return -ENOMEM;
fail:
    free(specific.v);
    if (!b->failed)
        snprintf(b->err, b->errlen, "out of memory building rule groups");
    b->failed = true;
    return -ENOMEM;
}

struct detect_engine *detect_engine_build(const struct rule_set *rs,
                                          const struct detect_engine_options *opt,
                                          struct detect_engine_stats *stats, char *err,
                                          size_t errlen)
{
    double t0 = now_seconds();
    struct detect_engine_stats local;
    if (!stats)
        stats = &local;
    memset(stats, 0, sizeof(*stats));
    struct detect_engine *de = calloc(1, sizeof(*de));
    if (!de) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    static _Atomic uint64_t generations;
    de->rs = rs;
    de->generation = atomic_fetch_add(&generations, 1) + 1;
    de->nrules = (uint32_t)rule_set_count(rs);
    uint32_t max_groups =
        opt && opt->max_port_groups ? opt->max_port_groups : DETECT_MAX_PORT_GROUPS;
    if (max_groups < 2)
        max_groups = 2;
    struct build b = {.de = de, .st = stats, .err = err, .errlen = errlen};
    b.per_db = opt && opt->patterns_per_db ? opt->patterns_per_db : DETECT_PATTERNS_PER_DB;
    b.any_in_port = opt && opt->any_port_in_port_groups;
    de->any_in_port = b.any_in_port;
    if (err && errlen)
        err[0] = '\0';
    b.pf = calloc(de->nrules ? de->nrules : 1, sizeof(*b.pf));
    if (!b.pf) {
        snprintf(err, errlen, "out of memory");
        b.failed = true;
    }
    for (uint32_t i = 0; b.pf && i < de->nrules; i++) {
        struct pf_info *f = &b.pf[i];
        f->buffer_id = rule_prefilter_pattern(rule_set_get(rs, i), &f->bytes, &f->len, &f->nocase);
    }
    for (int t = 0; t < DETECT_TRANSPORT_MAX && !b.failed; t++)
        for (int dir = 0; dir < 2 && !b.failed; dir++)
            build_transport_dir(&b, (enum detect_transport)t, dir, max_groups);
    if (!b.failed &&
        build_acquire_databases(&b, opt ? opt->compile_threads : 0, opt ? opt->prev : NULL) != 0)
        b.failed = true;
    for (size_t i = 0; i < b.nplans; i++)
        plan_free(&b.plans[i]);
    free(b.plans);
    free(b.aliases);
    for (uint32_t i = 0; i < de->nrules; i++) {
        const struct rule *r = rule_set_get(rs, i);
        for (uint32_t k = 0; k < r->nbuffers; k++)
            for (uint32_t j = 0; j < r->buffers[k].nitems; j++)
                if (r->buffers[k].items[j].type == DETECT_ITEM_PCRE &&
                    r->buffers[k].items[j].u.pcre.capture_count > de->max_captures)
                    de->max_captures = r->buffers[k].items[j].u.pcre.capture_count;
    }
    free(b.ghash);
    free(b.pf);
    for (size_t i = 0; i < b.ncache; i++)
        free(b.cache[i].ids);
    free(b.cache);
    if (b.failed) {
        detect_engine_free(de);
        return NULL;
    }
    stats->build_seconds = now_seconds() - t0;
    return de;
}

void detect_engine_free(struct detect_engine *de)
{
    if (!de)
        return;
    for (uint32_t i = 0; i < de->ngroups; i++)
        group_free(de->groups[i]);
    free(de->groups);
    for (int t = 0; t < DETECT_TRANSPORT_MAX; t++)
        for (int d = 0; d < 2; d++)
            free(de->port_map[t][d]);
    free(de);
}

const struct rule_set *detect_engine_rule_set(const struct detect_engine *de)
{
    return de->rs;
}

uint64_t detect_engine_generation(const struct detect_engine *de)
{
    return de->generation;
}

unsigned detect_engine_groups(const struct detect_engine *de, enum detect_transport t,
                              bool toserver, uint16_t server_port,
                              const struct detect_group *out[2])
{
    unsigned n = 0;
    if ((unsigned)t >= DETECT_TRANSPORT_MAX)
        return 0;
    int dir = toserver ? 0 : 1;
    if (de->port_map[t][dir]) {
        uint16_t gi = de->port_map[t][dir][server_port];
        if (gi != UINT16_MAX) {
            out[n++] = de->groups[gi];
            if (de->any_in_port)
                return n; /* the port group holds the any-port rules too */
        }
    }
    if (de->any[t][dir])
        out[n++] = de->any[t][dir];
    return n;
}

const uint32_t *detect_group_rules(const struct detect_group *g, uint32_t *n)
{
    *n = g->nrules;
    return g->rules;
}

const uint32_t *detect_group_nonprefilter(const struct detect_group *g, uint32_t *n)
{
    *n = g->nnonpf;
    return g->nonpf;
}

/* ---- thread context ---- */

struct detect_thread_ctx *detect_thread_ctx_new(const struct detect_engine *de)
{
    struct detect_thread_ctx *ctx = calloc(1, sizeof(*ctx));
    if (!ctx)
        return NULL;
    ctx->de = de;
    for (uint32_t i = 0; i < de->ngroups; i++) {
        for (int k = 0; k < detect_buffer_count(); k++) {
            const struct detect_prefilter_db *pdb = &de->groups[i]->dbs[k];
            for (uint32_t d = 0; d < pdb->ndb; d++) {
                if (hs_alloc_scratch(pdb->db[d], &ctx->scratch) != HS_SUCCESS) {
                    detect_thread_ctx_free(ctx);
                    return NULL;
                }
            }
        }
    }
    ctx->md = pcre2_match_data_create(de->max_captures + 1 > 16 ? de->max_captures + 1 : 16, NULL);
    ctx->mctx = pcre2_match_context_create(NULL);
    ctx->mctx_nolimit = pcre2_match_context_create(NULL);
    ctx->jit_stack = pcre2_jit_stack_create(32 * 1024, 512 * 1024, NULL);
    ctx->seen = calloc(de->nrules ? de->nrules : 1, sizeof(*ctx->seen));
    ctx->cand_cap = 256;
    ctx->cand = malloc(ctx->cand_cap * sizeof(*ctx->cand));
    if (!ctx->md || !ctx->mctx || !ctx->mctx_nolimit || !ctx->seen || !ctx->cand) {
        detect_thread_ctx_free(ctx);
        return NULL;
    }
    pcre2_set_match_limit(ctx->mctx, DETECT_PCRE_MATCH_LIMIT);
    pcre2_set_depth_limit(ctx->mctx, DETECT_PCRE_DEPTH_LIMIT);
    if (ctx->jit_stack) {
        pcre2_jit_stack_assign(ctx->mctx, NULL, ctx->jit_stack);
        pcre2_jit_stack_assign(ctx->mctx_nolimit, NULL, ctx->jit_stack);
    }
    ctx->epoch = 1;
    return ctx;
}

void detect_thread_ctx_free(struct detect_thread_ctx *ctx)
{
    if (!ctx)
        return;
    hs_free_scratch(ctx->scratch);
    pcre2_match_data_free(ctx->md);
    pcre2_match_context_free(ctx->mctx);
    pcre2_match_context_free(ctx->mctx_nolimit);
    pcre2_jit_stack_free(ctx->jit_stack);
    free(ctx->xform[0].data);
    free(ctx->xform[1].data);
    free(ctx->b64.data);
    free(ctx->seen);
    free(ctx->cand);
    free(ctx);
}

/* ---- candidates ---- */

void detect_candidates_reset(struct detect_thread_ctx *ctx)
{
    ctx->ncand = 0;
    ctx->sorted = true;
    if (++ctx->epoch == 0) {
        memset(ctx->seen, 0, (ctx->de->nrules ? ctx->de->nrules : 1) * sizeof(*ctx->seen));
        ctx->epoch = 1;
    }
}

void detect_candidate_add(struct detect_thread_ctx *ctx, uint32_t rule_id)
{
    if (rule_id >= ctx->de->nrules || ctx->seen[rule_id] == ctx->epoch)
        return;
    if (ctx->ncand == ctx->cand_cap) {
        /* grows during warm-up only: bounded by the number of rules */
        uint32_t nc = ctx->cand_cap * 2;
        uint32_t *n = realloc(ctx->cand, nc * sizeof(*n));
        if (!n)
            return;
        ctx->cand = n;
        ctx->cand_cap = nc;
    }
    ctx->seen[rule_id] = ctx->epoch;
    if (ctx->ncand && ctx->cand[ctx->ncand - 1] > rule_id)
        ctx->sorted = false;
    ctx->cand[ctx->ncand++] = rule_id;
}

static int on_match(unsigned int id, unsigned long long from, unsigned long long to,
                    unsigned int flags, void *arg)
{
    struct detect_thread_ctx *ctx = arg;
    const struct detect_prefilter_db *db = ctx->cur_db;
    if (ctx->cur_map) {
        id = ctx->cur_map[id];
        if (id == UINT32_MAX)
            return 0; /* a pattern the rules no longer use (reused database) */
    } else {
        id += ctx->cur_first;
    }
    for (uint32_t k = db->pat_rule_start[id]; k < db->pat_rule_start[id + 1]; k++)
        detect_candidate_add(ctx, db->pat_rules[k]);
    return 0;
}

int detect_prefilter_scan(const struct detect_group *g, int buffer_id, const uint8_t *data,
                          uint32_t len, struct detect_thread_ctx *ctx)
{
    if (buffer_id < 0 || buffer_id >= detect_buffer_count() || !data)
        return -EINVAL;
    const struct detect_prefilter_db *db = &g->dbs[buffer_id];
    ctx->cur_db = db;
    for (uint32_t d = 0; d < db->ndb; d++) {
        ctx->cur_first = db->chunk_first[d];
        ctx->cur_map = db->map[d];
        hs_error_t rc = hs_scan(db->db[d], (const char *)data, len, 0, ctx->scratch, on_match, ctx);
        if (rc != HS_SUCCESS)
            return -EIO;
    }
    return 0;
}

void detect_candidates_add_nonprefilter(const struct detect_group *g, struct detect_thread_ctx *ctx)
{
    for (uint32_t i = 0; i < g->nnonpf; i++)
        detect_candidate_add(ctx, g->nonpf[i]);
}

void detect_candidates_add_nonprefilter_addr(const struct detect_group *g, rule_ip_t src,
                                             rule_ip_t dst, struct detect_thread_ctx *ctx)
{
    for (uint32_t i = 0; i < g->nnonpf_always; i++)
        detect_candidate_add(ctx, g->nonpf_always[i]);
    addr_index_add(&g->by_src, src, ctx);
    addr_index_add(&g->by_dst, dst, ctx);
}

uint32_t detect_candidates_get(struct detect_thread_ctx *ctx, const uint32_t **ids)
{
    if (!ctx->sorted) {
        qsort(ctx->cand, ctx->ncand, sizeof(*ctx->cand), u32_cmp);
        ctx->sorted = true;
    }
    *ids = ctx->cand;
    return ctx->ncand;
}
