/* SPDX-License-Identifier: Apache-2.0 */
/* Internals of the indicator set shared by intel_set.c and intel_addr.c (and
 * the benchmarks and tests that look inside). Not for other subsystems. */
#ifndef VIGIL_INTEL_INTERNAL_H
#define VIGIL_INTEL_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "intel/intel.h"

/* Internal kind for "domain and all its subdomains" entries: hashed like
 * DOMAIN but a distinct key, so an exact entry and a subdomain entry of the
 * same name never merge. */
#define INTEL_KIND_DOMAIN_SUB ((uint8_t)INTEL_KIND_MAX)
#define INTEL_KIND_INTERNAL_MAX (INTEL_KIND_MAX + 1)

#define INTEL_ENTRY_MULTI 1u /* meta indexes meta_lists: [count, id, id, ...] */
#define INTEL_ENTRY_DEAD 2u  /* merged into an earlier identical entry */
#define INTEL_ENTRY_RANGE 4u /* an address range (in the prefix tables, not the hash) */

struct intel_entry {
    uint32_t value_off;
    uint16_t value_len;
    uint8_t kind;
    uint8_t flags;
    uint32_t meta;
    uint8_t prefix_len;
    uint8_t pad[3];
};

/* Sorted disjoint intervals of one address family: interval i covers
 * [start[i], start[i+1]) and belongs to range top[i] (UINT32_MAX: none).
 * Ranges nest (CIDR blocks are laminar): parent[] leads to the enclosing one. */
struct intel_prefix_table {
    uint32_t count;          /* intervals */
    uint32_t *start4;        /* IPv4: interval starts */
    unsigned __int128 *start6; /* IPv6 */
    uint32_t *top;           /* per interval: range index or UINT32_MAX */
    uint32_t *dir;           /* 65,537 entries (top 16 bits), or NULL for small tables */
    uint32_t nranges;
    uint32_t *range_entry;   /* per range: entry index */
    uint32_t *range_parent;  /* per range: enclosing range or UINT32_MAX */
    /* IPv4 tables of 64+ intervals: one bit per /24 block, set when a range
     * covers any of it (2 MB). An address outside every range (most of
     * them) is answered by one bit, before the directory and the search. */
    uint64_t *cover;
};

#define INTEL_COVER_BYTES ((size_t)1 << 21)

/* False if no range of t can contain the IPv4 address key (4 bytes). */
static inline bool intel_prefix_may_cover(const struct intel_prefix_table *t, const uint8_t *key)
{
    if (!t->cover)
        return t->nranges != 0;
    uint32_t blk = (uint32_t)key[0] << 16 | (uint32_t)key[1] << 8 | key[2];
    return (t->cover[blk >> 6] >> (blk & 63)) & 1;
}

static inline const uint64_t *intel_prefix_cover_word(const struct intel_prefix_table *t,
                                                      const uint8_t *key)
{
    uint32_t blk = (uint32_t)key[0] << 16 | (uint32_t)key[1] << 8 | key[2];
    return &t->cover[blk >> 6];
}

/* Fingerprint filter in front of the hash table (sets of 64k+ values): a
 * split-block Bloom filter, 32-byte blocks of eight 32-bit words, one bit set
 * per word, about 12 bits per value (false positive rate ~1 %). A key the
 * set does not hold is then answered from 4.5 MB (at 3M values) that the
 * caches keep, not from the 64 MB table; a domain's parent-domain probes
 * too. */
struct intel_filter {
    uint32_t (*blocks)[8];
    uint32_t nblocks; /* 0: no filter */
    size_t mapped;
};

static inline uint64_t intel_filter_key(uint64_t h)
{
    h ^= h >> 29;
    return h * 0xbf58476d1ce4e5b9ull;
}

static inline const uint32_t *intel_filter_block(const struct intel_filter *f, uint64_t h)
{
    uint64_t x = intel_filter_key(h);
    return f->blocks[((x >> 32) * (uint64_t)f->nblocks) >> 32];
}

static const uint32_t intel_filter_salt[8] = {0x47b6137bu, 0x44974d91u, 0x8824ad5bu,
                                               0xa2b7289du, 0x705495c7u, 0x2df1424bu,
                                               0x9efc4947u, 0x5c6bfb31u};

/* The bit of word i of a block that the key with hash h sets. */
static inline uint32_t intel_filter_bit(uint64_t h, int i)
{
    return 1u << (((uint32_t)intel_filter_key(h) * intel_filter_salt[i]) >> 27);
}

/* True if the key with hash h may be in the set (always true without a
 * filter). The key is mixed once and the eight words tested without a
 * branch (this was a fifth of a lookup's instructions). */
static inline bool intel_filter_may_hold(const struct intel_filter *f, uint64_t h)
{
    if (!f->nblocks)
        return true;
    const uint32_t *b = intel_filter_block(f, h);
    uint32_t k = (uint32_t)intel_filter_key(h);
#define INTEL_FILTER_MISS(i) (~b[i] & (1u << ((k * intel_filter_salt[i]) >> 27)))
    uint32_t miss = INTEL_FILTER_MISS(0) | INTEL_FILTER_MISS(1) | INTEL_FILTER_MISS(2) |
                    INTEL_FILTER_MISS(3) | INTEL_FILTER_MISS(4) | INTEL_FILTER_MISS(5) |
                    INTEL_FILTER_MISS(6) | INTEL_FILTER_MISS(7);
#undef INTEL_FILTER_MISS
    return miss == 0;
}

/* A slot of the hash table: the tag (high half of the hash), where the
 * value is and what a hit reports (the entry's meta and flags), so a probe
 * costs the slot and the value it compares: two memory accesses, not three. */
#define INTEL_SLOT_USED 0x80u
/* The value (4 bytes or fewer: IPv4 addresses) is in the slot itself, in
 * place of its offset: a hit on it costs the slot only. */
#define INTEL_SLOT_INLINE 0x40u
struct intel_slot {
    uint32_t tag;
    uint32_t value_off; /* INTEL_SLOT_INLINE: the value's bytes */
    uint32_t meta; /* as intel_entry.meta (while building: the entry index) */
    uint16_t value_len;
    uint8_t kind;
    uint8_t flags; /* INTEL_SLOT_USED | INLINE | the entry's INTEL_ENTRY_MULTI/RANGE; 0: empty */
};

static inline const uint8_t *intel_slot_value(const uint8_t *pool, const struct intel_slot *sl)
{
    return (sl->flags & INTEL_SLOT_INLINE) ? (const uint8_t *)&sl->value_off
                                           : pool + sl->value_off;
}

static inline bool intel_slot_holds(const uint8_t *pool, const struct intel_slot *sl, uint8_t kind,
                                    const void *key, size_t len)
{
    return sl->kind == kind && sl->value_len == len &&
           __builtin_memcmp(intel_slot_value(pool, sl), key, len) == 0;
}

struct intel_set {
    uint64_t seed;
    struct intel_filter filter;
    struct intel_slot *slots;
    size_t slots_mapped; /* bytes mmap'ed for slots (huge pages), 0: malloc'ed */
    uint64_t mask;
    struct intel_entry *entries; /* building: every value; built: the address ranges only */
    size_t entries_mapped;
    uint32_t nentries;
    uint8_t *pool;
    size_t pool_len;
    size_t pool_mapped;
    uint32_t *meta_lists;
    size_t meta_lists_len;
    struct intel_meta *metas;
    uint32_t nmetas;
    char *meta_pool;
    size_t meta_pool_len;
    struct intel_prefix_table v4, v6;
    size_t counts[INTEL_KIND_INTERNAL_MAX];
    /* label counts of the "and subdomains" entries: bit n for n labels
     * (bit 31: 31 or more); a name's suffixes of other depths are not
     * probed ("com" of "www.example.com" when every entry has 2+ labels) */
    uint32_t sub_depths;
    /* the set has "and subdomains" entries: exact names are hashed by the
     * label fold too, so one pass over a name looked up gives the hash of
     * the name and of each parent (hashed once per label suffix) */
    bool exact_fold;
    uint32_t generation;
    size_t memory;
};

/* dst = src with ASCII capitals lower-cased, eight bytes at a time (names on
 * the wire are short: the byte loop was half of a lookup's instructions).
 * Bytes >= 0x80 are left as they are. */
static inline void intel_lower_ascii(uint8_t *dst, const uint8_t *src, size_t len)
{
    const uint64_t ones = 0x0101010101010101ull;
    if (len < 8) {
        for (size_t i = 0; i < len; i++)
            dst[i] = (src[i] >= 'A' && src[i] <= 'Z') ? (uint8_t)(src[i] | 0x20) : src[i];
        return;
    }
    /* whole words, the last one overlapping the one before it (lower-casing
     * twice changes nothing) */
    for (size_t i = 0;; i += 8) {
        if (i + 8 > len)
            i = len - 8;
        uint64_t x;
        __builtin_memcpy(&x, src + i, 8);
        uint64_t low7 = x & (0x7f * ones);
        uint64_t ge_a = low7 + (0x3f * ones); /* bit 7 set: >= 'A' */
        uint64_t gt_z = low7 + (0x25 * ones); /* bit 7 set: > 'Z' */
        uint64_t upper = (ge_a ^ gt_z) & ~x & (0x80 * ones);
        x |= upper >> 2;
        __builtin_memcpy(dst + i, &x, 8);
        if (i + 8 == len)
            return;
    }
}

/* intel_addr.c: builds the tables from the ADDR range entries of s (entries
 * with INTEL_ENTRY_RANGE). Returns 0 or -ENOMEM. */
int intel_prefix_build(struct intel_set *s);
void intel_prefix_free(struct intel_prefix_table *t);
/* The innermost range containing the address (family 4: 4 bytes, 6: 16), or
 * UINT32_MAX. */
uint32_t intel_prefix_find(const struct intel_prefix_table *t, const uint8_t *addr, int family);

static inline uint32_t intel_depth_bit(unsigned labels)
{
    return 1u << (labels > 31 ? 31 : labels);
}

/* The table probe: the slot for key (kind, bytes) with hash h, or NULL. */
const struct intel_slot *intel_set_find(const struct intel_set *s, uint8_t kind, uint64_t h,
                                         const void *key, size_t len);
/* Hash of a key of kind (domains: label by label from the right). */
uint64_t intel_key_hash_slow(const struct intel_set *s, uint8_t kind, const void *key,
                             size_t len);
/* IPv4 addresses (4-byte ADDR keys) take two multiply-folds inline instead
 * of the general hash's call and four. */
static inline uint64_t intel_key_hash(const struct intel_set *s, uint8_t kind, const void *key,
                                      size_t len)
{
    if (len != 4 || kind != INTEL_KIND_ADDR)
        return intel_key_hash_slow(s, kind, key, len);
    uint32_t x;
    __builtin_memcpy(&x, key, 4);
    unsigned __int128 r = (unsigned __int128)(x ^ s->seed ^ kind) * 0xa0761d6478bd642full;
    uint64_t h = (uint64_t)r ^ (uint64_t)(r >> 64);
    r = (unsigned __int128)(h ^ 0xe7037ed1a0b428dbull) * (s->seed | 1);
    return (uint64_t)r ^ (uint64_t)(r >> 64);
}
/* Fills a hit from an entry (address ranges) or a slot (values). */
void intel_hit_from_entry(const struct intel_set *s, const struct intel_entry *e,
                          struct intel_hit *h);
void intel_hit_from_slot(const struct intel_set *s, const struct intel_slot *sl,
                         struct intel_hit *h);

/* Raw size of the hash kinds (16, 20, 32), 0 for the others. */
int intel_kind_hash_size(enum intel_kind kind);

/* Hex digits (with optional ':' or ' ' between bytes) to n raw bytes;
 * 0 or -1. */
int intel_hex_decode(const char *s, size_t len, uint8_t *out, size_t n);

#endif
