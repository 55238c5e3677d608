/* SPDX-License-Identifier: Apache-2.0 */
/* IP fragment reassembly. Trackers (one per datagram being reassembled) live
 * in a hash table keyed by (family, src, dst, id, proto, vlans, tunnel depth)
 * and in a list ordered by creation time, which makes timeouts O(expired).
 * Trackers are allocated in chunks on demand and never freed before the table
 * is: a released tracker goes to a free list and keeps its data buffer, so a
 * warmed-up worker reassembles without touching the heap.
 *
 * Memory: every tracker and every data buffer is accounted in memuse, which
 * never exceeds cfg->defrag_memcap. When a new fragment would need more, the
 * buffers of idle trackers are released first; if that is not enough the new
 * fragment is dropped (frag_memcap_drops). When defrag_max_trackers datagrams
 * are in progress, a fragment of a new datagram is dropped
 * (frag_tracker_drops) after expiring timed-out trackers. Existing
 * datagrams are never evicted to make room: an attacker flooding new
 * datagrams cannot push out legitimate ones already in progress. */
#include <assert.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "decode/defrag.h"

#define DEFRAG_CHUNK_TRACKERS 32
#define DEFRAG_MIN_BUFFER 256u
/* Bytes one datagram may hold, duplicates and overlaps included. */
#define DEFRAG_MAX_STORE (2u * DEFRAG_MAX_DATAGRAM)

struct defrag_piece {
    uint32_t offset, len; /* bytes within the fragmentable part */
    uint32_t store;       /* where its bytes are in the tracker's buffer */
};

struct defrag_tracker {
    struct defrag_tracker *hash_next;
    struct defrag_tracker *age_prev,
        *age_next; /* in-use list, oldest first; free list via age_next */
    uint32_t bucket;
    uint32_t id;
    uint8_t family, proto, tunnel_depth, hdr_len, nh_offset;
    uint16_t vlan0, vlan1;
    uint8_t src[16], dst[16];
    uint64_t first_ts;
    uint8_t *buf; /* pieces' bytes, appended as they arrive */
    uint32_t buf_cap, buf_used;
    uint32_t total_len; /* valid when have_last */
    bool have_first, have_last, overlapped;
    uint16_t npieces;
    uint8_t hdr[DEFRAG_MAX_HDR];
    struct defrag_piece pieces[DEFRAG_MAX_FRAGS]; /* in arrival order */
};

struct defrag_table {
    struct decode_config cfg;
    struct decode_stats *stats;
    struct defrag_tracker **buckets;
    uint32_t mask;
    uint32_t seed;
    struct defrag_tracker *free_list;
    struct defrag_tracker *oldest, *newest;
    uint32_t allocated, active;
    struct defrag_tracker **chunks;
    uint32_t nchunks, chunks_cap;
    uint64_t memuse;
    uint8_t *out;   /* DEFRAG_MAX_DATAGRAM + DEFRAG_MAX_HDR; fixed per-table cost */
    uint8_t *owner; /* per byte of a datagram: index of the piece that wrote it */
};

static void defrag_memuse_add(struct defrag_table *t, uint64_t n)
{
    t->memuse += n;
    t->stats->frag_memuse = t->memuse;
    if (t->memuse > t->stats->frag_memuse_peak)
        t->stats->frag_memuse_peak = t->memuse;
}

static void defrag_memuse_sub(struct defrag_table *t, uint64_t n)
{
    assert(t->memuse >= n);
    t->memuse -= n;
    t->stats->frag_memuse = t->memuse;
}

struct defrag_table *defrag_table_new(const struct decode_config *cfg, struct decode_stats *stats)
{
    struct defrag_table *t = calloc(1, sizeof(*t));
    if (t == NULL)
        return NULL;
    t->cfg = *cfg;
    t->stats = stats;
    uint32_t want = cfg->defrag_max_trackers ? cfg->defrag_max_trackers : 1;
    if (want > (1u << 20))
        want = 1u << 20;
    uint32_t n = 64;
    while (n < want)
        n <<= 1;
    t->buckets = calloc(n, sizeof(*t->buckets));
    t->out = malloc(DEFRAG_MAX_DATAGRAM + DEFRAG_MAX_HDR);
    t->owner = malloc(DEFRAG_MAX_DATAGRAM + 1);
    if (t->buckets == NULL || t->out == NULL || t->owner == NULL) {
        free(t->buckets);
        free(t->out);
        free(t->owner);
        free(t);
        return NULL;
    }
    t->mask = n - 1;
    /* Per-table seed so bucket placement is not predictable from outside. */
    t->seed = (uint32_t)((uintptr_t)t >> 4) * 0x9e3779b1u ^ 0x5bd1e995u;
    return t;
}

void defrag_table_free(struct defrag_table *t)
{
    if (t == NULL)
        return;
    for (uint32_t c = 0; c < t->nchunks; c++) {
        for (uint32_t i = 0; i < DEFRAG_CHUNK_TRACKERS; i++)
            free(t->chunks[c][i].buf);
        free(t->chunks[c]);
    }
    free(t->chunks);
    free(t->buckets);
    free(t->out);
    free(t->owner);
    t->stats->frag_memuse = 0;
    t->stats->frag_trackers_active = 0;
    free(t);
}

uint64_t defrag_table_memuse(const struct defrag_table *t)
{
    return t->memuse;
}

static inline uint32_t defrag_mix(uint32_t h, uint32_t v)
{
    h ^= v;
    h *= 0x85ebca6bu;
    h ^= h >> 13;
    return h;
}

static uint32_t defrag_hash(const struct defrag_table *t, const struct defrag_fragment *f)
{
    uint32_t h = t->seed;
    uint32_t w;
    for (int i = 0; i < 16; i += 4) {
        memcpy(&w, f->src + i, 4);
        h = defrag_mix(h, w);
        memcpy(&w, f->dst + i, 4);
        h = defrag_mix(h, w);
    }
    h = defrag_mix(h, f->id);
    h = defrag_mix(h, (uint32_t)f->proto << 24 | (uint32_t)f->family << 16 | f->tunnel_depth);
    h = defrag_mix(h, (uint32_t)f->vlan0 << 16 | f->vlan1);
    h ^= h >> 16;
    return h & t->mask;
}

static bool defrag_key_match(const struct defrag_tracker *tr, const struct defrag_fragment *f)
{
    return tr->id == f->id && tr->family == f->family && tr->proto == f->proto &&
           tr->vlan0 == f->vlan0 && tr->vlan1 == f->vlan1 && tr->tunnel_depth == f->tunnel_depth &&
           memcmp(tr->src, f->src, 16) == 0 && memcmp(tr->dst, f->dst, 16) == 0;
}

/* Unlinks an in-use tracker from its bucket and the age list and puts it on
 * the free list; its buffer is kept for reuse (still accounted). */
static void defrag_tracker_release(struct defrag_table *t, struct defrag_tracker *tr)
{
    struct defrag_tracker **pp = &t->buckets[tr->bucket];
    while (*pp != tr) {
        assert(*pp != NULL);
        pp = &(*pp)->hash_next;
    }
    *pp = tr->hash_next;
    if (tr->age_prev)
        tr->age_prev->age_next = tr->age_next;
    else
        t->oldest = tr->age_next;
    if (tr->age_next)
        tr->age_next->age_prev = tr->age_prev;
    else
        t->newest = tr->age_prev;
    tr->hash_next = NULL;
    tr->age_prev = NULL;
    tr->age_next = t->free_list;
    t->free_list = tr;
    assert(t->active > 0);
    t->active--;
    t->stats->frag_trackers_active = t->active;
}

static bool defrag_expired(const struct defrag_table *t, const struct defrag_tracker *tr,
                           uint64_t now_usec)
{
    uint64_t timeout = (uint64_t)t->cfg.defrag_timeout_sec * 1000000u;
    return now_usec > tr->first_ts && now_usec - tr->first_ts > timeout;
}

void defrag_table_expire(struct defrag_table *t, uint64_t now_usec)
{
    while (t->oldest != NULL && defrag_expired(t, t->oldest, now_usec)) {
        defrag_tracker_release(t, t->oldest);
        t->stats->frag_timeouts++;
    }
}

/* Adds a chunk of trackers to the free list if the tracker limit and the
 * memcap allow it. */
static int defrag_grow_pool(struct defrag_table *t)
{
    uint64_t bytes = (uint64_t)DEFRAG_CHUNK_TRACKERS * sizeof(struct defrag_tracker);
    if (t->allocated >= t->cfg.defrag_max_trackers)
        return -ENOSPC;
    if (t->memuse + bytes > t->cfg.defrag_memcap)
        return -ENOMEM;
    if (t->nchunks == t->chunks_cap) {
        uint32_t cap = t->chunks_cap ? t->chunks_cap * 2 : 16;
        struct defrag_tracker **c = realloc(t->chunks, cap * sizeof(*c));
        if (c == NULL)
            return -ENOMEM;
        t->chunks = c;
        t->chunks_cap = cap;
    }
    struct defrag_tracker *chunk = calloc(DEFRAG_CHUNK_TRACKERS, sizeof(*chunk));
    if (chunk == NULL)
        return -ENOMEM;
    t->chunks[t->nchunks++] = chunk;
    for (uint32_t i = 0; i < DEFRAG_CHUNK_TRACKERS; i++) {
        chunk[i].age_next = t->free_list;
        t->free_list = &chunk[i];
    }
    t->allocated += DEFRAG_CHUNK_TRACKERS;
    defrag_memuse_add(t, bytes);
    return 0;
}

static struct defrag_tracker *defrag_tracker_new(struct defrag_table *t,
                                                 const struct defrag_fragment *f, uint32_t bucket)
{
    if (t->active >= t->cfg.defrag_max_trackers) {
        t->stats->frag_tracker_drops++;
        return NULL;
    }
    if (t->free_list == NULL) {
        int rc = defrag_grow_pool(t);
        if (rc == -ENOSPC) {
            t->stats->frag_tracker_drops++;
            return NULL;
        }
        if (rc < 0) {
            t->stats->frag_memcap_drops++;
            return NULL;
        }
    }
    struct defrag_tracker *tr = t->free_list;
    t->free_list = tr->age_next;
    tr->bucket = bucket;
    tr->id = f->id;
    tr->family = f->family;
    tr->proto = f->proto;
    tr->tunnel_depth = f->tunnel_depth;
    tr->vlan0 = f->vlan0;
    tr->vlan1 = f->vlan1;
    memcpy(tr->src, f->src, 16);
    memcpy(tr->dst, f->dst, 16);
    tr->first_ts = f->ts_usec;
    tr->total_len = 0;
    tr->have_first = false;
    tr->have_last = false;
    tr->overlapped = false;
    tr->buf_used = 0;
    tr->npieces = 0;
    tr->hdr_len = 0;
    tr->hash_next = t->buckets[bucket];
    t->buckets[bucket] = tr;
    tr->age_next = NULL;
    tr->age_prev = t->newest;
    if (t->newest)
        t->newest->age_next = tr;
    else
        t->oldest = tr;
    t->newest = tr;
    t->active++;
    t->stats->frag_trackers_active = t->active;
    if (t->active > t->stats->frag_trackers_peak)
        t->stats->frag_trackers_peak = t->active;
    return tr;
}

/* Releases the data buffers of idle trackers until `need` more bytes fit
 * under the memcap. Returns true if they do. */
static bool defrag_reclaim(struct defrag_table *t, uint64_t need)
{
    for (struct defrag_tracker *tr = t->free_list;
         tr != NULL && t->memuse + need > t->cfg.defrag_memcap; tr = tr->age_next) {
        if (tr->buf != NULL) {
            free(tr->buf);
            defrag_memuse_sub(t, tr->buf_cap);
            tr->buf = NULL;
            tr->buf_cap = 0;
        }
    }
    return t->memuse + need <= t->cfg.defrag_memcap;
}

static int defrag_buffer_reserve(struct defrag_table *t, struct defrag_tracker *tr, uint32_t need)
{
    if (need <= tr->buf_cap)
        return 0;
    uint32_t cap = tr->buf_cap ? tr->buf_cap : DEFRAG_MIN_BUFFER;
    while (cap < need)
        cap *= 2;
    if (cap > DEFRAG_MAX_STORE)
        cap = DEFRAG_MAX_STORE;
    uint64_t delta = cap - tr->buf_cap;
    if (t->memuse + delta > t->cfg.defrag_memcap && !defrag_reclaim(t, delta))
        return -ENOMEM;
    uint8_t *b = realloc(tr->buf, cap);
    if (b == NULL)
        return -ENOMEM;
    tr->buf = b;
    tr->buf_cap = cap;
    defrag_memuse_add(t, delta);
    return 0;
}

/* Whether the new fragment's bytes replace the bytes of an earlier piece
 * where they overlap, per the target-based policies (Novak, "Target-Based
 * Fragmentation Reassembly"): first-wins, last-wins, BSD (the new piece wins
 * only if it starts before the old one), Linux (wins if it starts before or
 * at the same offset). */
static bool defrag_new_wins(enum defrag_overlap_policy pol, uint32_t new_off, uint32_t old_off)
{
    switch (pol) {
    case DEFRAG_POLICY_FIRST:
        return false;
    case DEFRAG_POLICY_LAST:
        return true;
    case DEFRAG_POLICY_BSD:
        return new_off < old_off;
    case DEFRAG_POLICY_LINUX:
        return new_off <= old_off;
    }
    return false;
}

static uint16_t defrag_ipv4_checksum(const uint8_t *h, uint32_t len)
{
    uint32_t sum = 0;
    for (uint32_t i = 0; i + 1 < len; i += 2)
        sum += (uint32_t)h[i] << 8 | h[i + 1];
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return (uint16_t)~sum;
}

/* Copies header + data into t->out and fixes the header up. Pieces are
 * laid down in arrival order; where they overlap, the policy decides per
 * byte whether the later piece replaces what an earlier one wrote. */
static uint32_t defrag_build(struct defrag_table *t, const struct defrag_tracker *tr)
{
    uint8_t *o = t->out;
    memcpy(o, tr->hdr, tr->hdr_len);
    uint8_t *data = o + tr->hdr_len;
    if (!tr->overlapped) {
        for (uint16_t i = 0; i < tr->npieces; i++) {
            const struct defrag_piece *pc = &tr->pieces[i];
            memcpy(data + pc->offset, tr->buf + pc->store, pc->len);
        }
    } else {
        uint8_t *owner = t->owner;
        memset(owner, 0xff, tr->total_len);
        for (uint16_t i = 0; i < tr->npieces; i++) {
            const struct defrag_piece *pc = &tr->pieces[i];
            const uint8_t *src = tr->buf + pc->store;
            for (uint32_t b = 0; b < pc->len; b++) {
                uint32_t at = pc->offset + b;
                if (at >= tr->total_len)
                    break;
                uint8_t cur = owner[at];
                if (cur == 0xff ||
                    defrag_new_wins(t->cfg.defrag_policy, pc->offset, tr->pieces[cur].offset)) {
                    data[at] = src[b];
                    owner[at] = (uint8_t)i;
                }
            }
        }
    }
    uint32_t len = tr->hdr_len + tr->total_len;
    if (tr->family == 4) {
        o[2] = (uint8_t)(len >> 8);
        o[3] = (uint8_t)len;
        o[6] &= 0x40; /* keep DF, clear reserved/MF/offset */
        o[7] = 0;
        o[10] = o[11] = 0;
        uint16_t c = defrag_ipv4_checksum(o, tr->hdr_len);
        o[10] = (uint8_t)(c >> 8);
        o[11] = (uint8_t)c;
    } else {
        uint32_t plen = len - 40;
        o[4] = (uint8_t)(plen >> 8);
        o[5] = (uint8_t)plen;
        o[tr->nh_offset] = tr->proto; /* the fragment header is removed */
    }
    return len;
}

/* True when the pieces cover [0, total_len) without a hole. */
static bool defrag_covered(const struct defrag_tracker *tr)
{
    uint8_t idx[DEFRAG_MAX_FRAGS];
    uint16_t n = tr->npieces;
    for (uint16_t i = 0; i < n; i++) { /* insertion sort by offset; n <= 64 */
        uint16_t j = i;
        while (j > 0 && tr->pieces[idx[j - 1]].offset > tr->pieces[i].offset) {
            idx[j] = idx[j - 1];
            j--;
        }
        idx[j] = (uint8_t)i;
    }
    uint32_t covered = 0;
    for (uint16_t i = 0; i < n; i++) {
        const struct defrag_piece *pc = &tr->pieces[idx[i]];
        if (pc->offset > covered)
            return false;
        if (pc->offset + pc->len > covered)
            covered = pc->offset + pc->len;
    }
    return covered >= tr->total_len;
}

enum defrag_result defrag_insert(struct defrag_table *t, const struct defrag_fragment *f,
                                 const uint8_t **out, uint32_t *out_len, uint32_t *events)
{
    *events = 0;
    uint32_t end = f->offset + f->data_len;
    /* IPv4 limits the whole datagram to 65535 bytes, IPv6 the payload, which
     * includes the extension headers kept before the data. */
    uint32_t hdr_room = f->family == 4 ? f->hdr_len : f->hdr_len - 40;
    if ((uint64_t)hdr_room + end > DEFRAG_MAX_DATAGRAM) {
        *events |= DEFRAG_EVENT_TOO_LARGE;
        t->stats->frag_too_large++;
        return DEFRAG_DROPPED;
    }
    if (f->data_len == 0)
        return DEFRAG_DROPPED;

    uint32_t bucket = defrag_hash(t, f);
    struct defrag_tracker *tr = t->buckets[bucket];
    while (tr != NULL && !defrag_key_match(tr, f))
        tr = tr->hash_next;
    if (tr != NULL && defrag_expired(t, tr, f->ts_usec)) {
        defrag_tracker_release(t, tr);
        t->stats->frag_timeouts++;
        tr = NULL;
    }
    if (tr == NULL) {
        defrag_table_expire(t, f->ts_usec);
        uint64_t memcap_drops = t->stats->frag_memcap_drops;
        tr = defrag_tracker_new(t, f, bucket);
        if (tr == NULL) {
            if (t->stats->frag_memcap_drops != memcap_drops)
                *events |= DEFRAG_EVENT_MEMCAP;
            return DEFRAG_DROPPED;
        }
    }

    /* A datagram has one end: a last fragment that disagrees with it is
     * dropped; a piece running past it is cut at the end (tshark does the
     * same; the part inside may fill a hole). Both are reported as overlaps. */
    uint32_t dlen = f->data_len;
    bool past_end = false;
    if (!f->more) {
        if (tr->have_last && tr->total_len != end) {
            *events |= DEFRAG_EVENT_OVERLAP;
            t->stats->frag_overlaps++;
            return DEFRAG_DROPPED;
        }
    } else if (tr->have_last && end > tr->total_len) {
        if (f->offset >= tr->total_len) {
            *events |= DEFRAG_EVENT_OVERLAP;
            t->stats->frag_overlaps++;
            return DEFRAG_DROPPED;
        }
        past_end = true;
        end = tr->total_len;
        dlen = end - f->offset;
    }
    if (tr->npieces >= DEFRAG_MAX_FRAGS || tr->buf_used + dlen > DEFRAG_MAX_STORE) {
        t->stats->frag_max_frags_drops++;
        return DEFRAG_DROPPED;
    }
    if (defrag_buffer_reserve(t, tr, tr->buf_used + dlen) < 0) {
        t->stats->frag_memcap_drops++;
        *events |= DEFRAG_EVENT_MEMCAP;
        return DEFRAG_DROPPED;
    }

    /* Overlap detection; which bytes win is decided when the datagram is
     * built. Overlaps whose bytes differ are counted separately. */
    bool overlap = past_end, differ = false;
    for (uint16_t i = 0; i < tr->npieces; i++) {
        const struct defrag_piece *pc = &tr->pieces[i];
        uint32_t pend = pc->offset + pc->len;
        if (pend <= f->offset || pc->offset >= end)
            continue;
        uint32_t lo = pc->offset > f->offset ? pc->offset : f->offset;
        uint32_t hi = pend < end ? pend : end;
        overlap = true;
        if (memcmp(tr->buf + pc->store + (lo - pc->offset), f->data + (lo - f->offset), hi - lo))
            differ = true;
    }
    struct defrag_piece *np = &tr->pieces[tr->npieces++];
    np->offset = f->offset;
    np->len = dlen;
    np->store = tr->buf_used;
    memcpy(tr->buf + tr->buf_used, f->data, dlen);
    tr->buf_used += dlen;

    if (overlap) {
        tr->overlapped = true;
        *events |= DEFRAG_EVENT_OVERLAP;
        t->stats->frag_overlaps++;
        if (differ)
            t->stats->frag_overlaps_differ++;
    }
    if (!f->more) {
        tr->have_last = true;
        tr->total_len = end;
    }
    if (f->offset == 0 && !tr->have_first) {
        uint32_t hl = f->hdr_len, nh = f->nh_offset;
        if (hl > DEFRAG_MAX_HDR || nh >= hl) { /* only IPv6 can get here */
            hl = 40;
            nh = 6;
        }
        memcpy(tr->hdr, f->hdr, hl);
        tr->hdr_len = (uint8_t)hl;
        tr->nh_offset = (uint8_t)nh;
        tr->have_first = true;
    }
    if (!tr->have_first || !tr->have_last || !defrag_covered(tr))
        return DEFRAG_HELD;
    if ((tr->family == 4 ? tr->hdr_len : tr->hdr_len - 40u) + tr->total_len > DEFRAG_MAX_DATAGRAM) {
        /* possible when the first fragment has a longer header than the rest */
        *events |= DEFRAG_EVENT_TOO_LARGE;
        t->stats->frag_too_large++;
        defrag_tracker_release(t, tr);
        return DEFRAG_DROPPED;
    }
    *out_len = defrag_build(t, tr);
    *out = t->out;
    if (tr->family == 4)
        t->stats->frag_ipv4_reassembled++;
    else
        t->stats->frag_ipv6_reassembled++;
    defrag_tracker_release(t, tr);
    return DEFRAG_COMPLETE;
}
