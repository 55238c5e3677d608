/* SPDX-License-Identifier: Apache-2.0 */
/* Flow table: hash of chained buckets, one LRU list per (protocol class,
 * state) so that each list holds flows with the same idle timeout ordered by
 * last activity, a free list of recycled flows, and emergency mode. See
 * docs/flow-and-stream.md for the design and the policies. */
#include "flow/flow_table.h"

#include <assert.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/json.h"

#define FLOW_LRU_LISTS (FLOW_PROTO_CLASS_MAX * 4)

struct flow_lru {
    struct flow *head, *tail;
};

struct flow_table {
    struct flow_config cfg;
    struct flow_hooks hooks;
    struct flow **buckets;
    uint32_t mask;
    struct flow_lru lru[FLOW_LRU_LISTS];
    struct flow *free_list;
    struct flow *last;       /* flow of the previous flow_table_get, refiled lazily */
    uint64_t next_seq;
    uint64_t capacity;       /* flows that fit in the memcap */
    uint64_t allocated;      /* flows allocated (active + spare) */
    bool emergency;
    uint64_t last_timeout_usec; /* packet time of the last full timeout scan */
    uint32_t timeout_tab[FLOW_LRU_LISTS]; /* seconds, by lru class, for the current mode */
    struct flow_stats stats;
};

void flow_config_defaults(struct flow_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->memcap = 128ull * 1024 * 1024;
    cfg->hash_size = 65536;
    cfg->prealloc = 10000;
    cfg->emergency_recovery = 30;
    /* suricata.yaml flow-timeouts: new, established, closed, bypassed. */
    static const struct flow_timeouts defaults[FLOW_PROTO_CLASS_MAX] = {
        [FLOW_PROTO_DEFAULT] = {{30, 300, 0, 100}, {10, 100, 0, 50}},
        [FLOW_PROTO_TCP] = {{60, 600, 60, 100}, {5, 100, 10, 50}},
        [FLOW_PROTO_UDP] = {{30, 300, 0, 100}, {10, 100, 0, 50}},
        [FLOW_PROTO_ICMP] = {{30, 300, 0, 100}, {10, 100, 0, 50}},
    };
    memcpy(cfg->timeouts, defaults, sizeof defaults);
}

const char *flow_state_name(uint8_t state)
{
    switch (state) {
    case FLOW_STATE_NEW: return "new";
    case FLOW_STATE_ESTABLISHED: return "established";
    case FLOW_STATE_CLOSED: return "closed";
    case FLOW_STATE_BYPASSED: return "bypassed";
    default: return "unknown";
    }
}

const char *flow_end_reason_name(uint8_t reason)
{
    switch (reason) {
    case FLOW_END_TIMEOUT: return "timeout";
    case FLOW_END_FORCED: return "forced";
    case FLOW_END_SHUTDOWN: return "shutdown";
    default: return "unknown";
    }
}

/* ------------------------------------------------------------------ */
/* Keys and hashing                                                     */

#define ICMP6_PROTO 58

static bool proto_has_ports(uint8_t proto)
{
    return proto == IPPROTO_TCP || proto == IPPROTO_UDP || proto == IPPROTO_SCTP;
}

static int proto_class(uint8_t proto)
{
    switch (proto) {
    case IPPROTO_TCP: return FLOW_PROTO_TCP;
    case IPPROTO_UDP: return FLOW_PROTO_UDP;
    case IPPROTO_ICMP:
    case ICMP6_PROTO: return FLOW_PROTO_ICMP;
    default: return FLOW_PROTO_DEFAULT;
    }
}

static bool icmp_is_error(const struct packet *p)
{
    return (p->proto == IPPROTO_ICMP || p->proto == ICMP6_PROTO) && p->icmp_inner_proto != 0;
}

/* The key of p as sent (src = sender). ICMP errors use the quoted packet's
 * tuple when inner is true. ICMP (non-error) flows are keyed by addresses
 * only, as Suricata does: all echo, timestamp... traffic between two hosts is
 * one flow. */
static void key_from_packet(const struct packet *p, bool inner, struct flow_key *k)
{
    memset(k, 0, sizeof *k);
    if (inner) {
        k->src = p->icmp_inner_src;
        k->dst = p->icmp_inner_dst;
        k->proto = p->icmp_inner_proto;
        if (proto_has_ports(k->proto)) {
            k->src_port = p->icmp_inner_src_port;
            k->dst_port = p->icmp_inner_dst_port;
        }
    } else {
        k->src = p->src;
        k->dst = p->dst;
        k->proto = p->proto;
        if (proto_has_ports(p->proto)) {
            k->src_port = p->src_port;
            k->dst_port = p->dst_port;
        }
    }
    k->tunnel_depth = p->tunnel_depth;
    k->vlan_count = p->vlan_count > PACKET_MAX_VLANS ? PACKET_MAX_VLANS : p->vlan_count;
    for (int i = 0; i < k->vlan_count; i++)
        k->vlan_id[i] = p->vlan_id[i] & 0x0fff;
}

static int addr_cmp(const struct ip_address *a, const struct ip_address *b)
{
    if (a->family != b->family)
        return a->family < b->family ? -1 : 1;
    return memcmp(a->addr.u8, b->addr.u8, 16);
}

static bool addr_eq(const struct ip_address *a, const struct ip_address *b)
{
    return a->family == b->family && a->addr.u32[0] == b->addr.u32[0] &&
           a->addr.u32[1] == b->addr.u32[1] && a->addr.u32[2] == b->addr.u32[2] &&
           a->addr.u32[3] == b->addr.u32[3];
}

/* Returns 0 if k equals the flow key as is, 1 if reversed, -1 if different. */
static int key_match(const struct flow_key *fk, const struct flow_key *k)
{
    if (fk->proto != k->proto || fk->tunnel_depth != k->tunnel_depth ||
        fk->vlan_count != k->vlan_count)
        return -1;
    for (int i = 0; i < k->vlan_count; i++)
        if (fk->vlan_id[i] != k->vlan_id[i])
            return -1;
    if (fk->src_port == k->src_port && fk->dst_port == k->dst_port &&
        addr_eq(&fk->src, &k->src) && addr_eq(&fk->dst, &k->dst))
        return 0;
    if (fk->src_port == k->dst_port && fk->dst_port == k->src_port &&
        addr_eq(&fk->src, &k->dst) && addr_eq(&fk->dst, &k->src))
        return 1;
    return -1;
}

/* SipHash-1-3 with a process-wide random key: the hash decides buckets and
 * worker pinning, so an attacker must not be able to aim at one bucket. */
static uint64_t hash_k0 = 0x736f6d6570736575ull, hash_k1 = 0x646f72616e646f6dull;
static pthread_once_t hash_key_once = PTHREAD_ONCE_INIT;
static bool hash_key_fixed;

void flow_hash_set_key(uint64_t k0, uint64_t k1)
{
    hash_k0 = k0;
    hash_k1 = k1;
    hash_key_fixed = true;
}

static void hash_key_random(void)
{
    if (hash_key_fixed)
        return;
    uint64_t k[2];
    FILE *f = fopen("/dev/urandom", "rb");
    if (f) {
        if (fread(k, sizeof k, 1, f) == 1) {
            hash_k0 ^= k[0];
            hash_k1 ^= k[1];
        }
        fclose(f);
    }
}

/* The key is chosen once per process (thread-safe): every table and the
 * worker-pinning hash must agree for the life of the process. */
static void hash_key_init(void)
{
    pthread_once(&hash_key_once, hash_key_random);
}

#define ROTL(x, b) (uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))
#define SIPROUND                                                                                 \
    do {                                                                                         \
        v0 += v1; v1 = ROTL(v1, 13); v1 ^= v0; v0 = ROTL(v0, 32);                                \
        v2 += v3; v3 = ROTL(v3, 16); v3 ^= v2;                                                   \
        v0 += v3; v3 = ROTL(v3, 21); v3 ^= v0;                                                   \
        v2 += v1; v1 = ROTL(v1, 17); v1 ^= v2; v2 = ROTL(v2, 32);                                \
    } while (0)

static uint64_t siphash13(const uint64_t *words, int nwords, uint64_t k0, uint64_t k1)
{
    uint64_t v0 = 0x736f6d6570736575ull ^ k0, v1 = 0x646f72616e646f6dull ^ k1;
    uint64_t v2 = 0x6c7967656e657261ull ^ k0, v3 = 0x7465646279746573ull ^ k1;
    for (int i = 0; i < nwords; i++) {
        v3 ^= words[i];
        SIPROUND;
        v0 ^= words[i];
    }
    uint64_t b = (uint64_t)(nwords * 8) << 56;
    v3 ^= b;
    SIPROUND;
    v0 ^= b;
    v2 ^= 0xff;
    SIPROUND;
    SIPROUND;
    SIPROUND;
    return v0 ^ v1 ^ v2 ^ v3;
}

/* Hash of the direction-independent form of k: the lower (address, port)
 * endpoint first. */
static uint32_t key_hash(const struct flow_key *k)
{
    uint64_t w[6];
    const struct ip_address *a = &k->src, *b = &k->dst;
    uint16_t pa = k->src_port, pb = k->dst_port;
    if (a->family == 4 && b->family == 4) {
        /* IPv4 (the common case): any consistent order of the endpoints
         * will do, so compare the raw words; half the hash input. */
        uint32_t ua = a->addr.u32[3], ub = b->addr.u32[3];
        if (ua > ub || (ua == ub && pa > pb)) {
            uint32_t tu = ua;
            ua = ub;
            ub = tu;
            uint16_t tp = pa;
            pa = pb;
            pb = tp;
        }
        w[0] = (uint64_t)ua | (uint64_t)ub << 32;
        w[1] = (uint64_t)pa | (uint64_t)pb << 16 | (uint64_t)k->proto << 32 |
               (uint64_t)k->tunnel_depth << 40 | (uint64_t)k->vlan_count << 48 | 4ull << 56;
        w[2] = (uint64_t)k->vlan_id[0] | (uint64_t)k->vlan_id[1] << 16 |
               (uint64_t)k->vlan_id[2] << 32;
        uint64_t h4 = siphash13(w, 3, hash_k0, hash_k1);
        return (uint32_t)(h4 ^ (h4 >> 32));
    }
    int c = addr_cmp(a, b);
    if (c > 0 || (c == 0 && pa > pb)) {
        a = &k->dst;
        b = &k->src;
        pa = k->dst_port;
        pb = k->src_port;
    }
    uint64_t meta = (uint64_t)pa | (uint64_t)pb << 16 | (uint64_t)k->proto << 32 |
                    (uint64_t)k->tunnel_depth << 40 | (uint64_t)k->vlan_count << 48 |
                    (uint64_t)a->family << 56;
    uint64_t vlans = (uint64_t)k->vlan_id[0] | (uint64_t)k->vlan_id[1] << 16 |
                     (uint64_t)k->vlan_id[2] << 32;
    memcpy(&w[0], a->addr.u8, 16);
    memcpy(&w[2], b->addr.u8, 16);
    w[4] = meta;
    w[5] = vlans;
    uint64_t h = siphash13(w, 6, hash_k0, hash_k1);
    return (uint32_t)(h ^ (h >> 32));
}

static bool packet_gets_flow(const struct packet *p)
{
    if (p->flags & PACKET_FLAG_INVALID)
        return false;
    if (p->ip_version != 4 && p->ip_version != 6)
        return false;
    if ((p->flags & PACKET_FLAG_FRAGMENT) && !(p->flags & PACKET_FLAG_REASSEMBLED))
        return false;
    if (p->src.family != 4 && p->src.family != 6)
        return false;
    return true;
}

uint32_t flow_hash_packet(const struct packet *p)
{
    if (!packet_gets_flow(p))
        return 0;
    hash_key_init();
    struct flow_key k;
    key_from_packet(p, icmp_is_error(p), &k);
    return key_hash(&k);
}

/* Flow ids: a bijection of (thread, sequence) onto 51 bits, so ids are
 * unique within a run and look random (as Suricata's do). The per-start
 * seed is folded into the input (still a bijection): another run or another
 * sensor numbers its flows in another order, so ids from different runs do
 * not collide in a SIEM (a 1 in 2^51 chance per pair). */
static uint64_t flow_id_make(uint32_t thread_id, uint64_t seq, uint64_t seed)
{
    const uint64_t mask = (1ull << 51) - 1;
    uint64_t x = (((uint64_t)(thread_id & 0x7ff) << 40) | (seq & ((1ull << 40) - 1))) & mask;
    x ^= seed & mask;
    x = (x * 0x9e3779b97f4a7c15ull) & mask;
    x ^= x >> 23;
    x = (x * 0xbf58476d1ce4e5b9ull) & mask;
    x ^= x >> 29;
    x = (x * 0x94d049bb133111ebull) & mask;
    x ^= x >> 26;
    return x;
}

/* ------------------------------------------------------------------ */
/* Table                                                                */

static uint32_t round_pow2(uint32_t v)
{
    uint32_t r = 1;
    while (r < v && r < (1u << 30))
        r <<= 1;
    return r;
}

static void timeouts_refresh(struct flow_table *t);

static void stats_memuse(struct flow_table *t)
{
    t->stats.memuse = t->allocated * sizeof(struct flow) + ((uint64_t)t->mask + 1) * sizeof(struct flow *);
    if (t->stats.memuse > t->stats.memuse_peak)
        t->stats.memuse_peak = t->stats.memuse;
    t->stats.spare = t->allocated - t->stats.active;
}

struct flow_table *flow_table_new(const struct flow_config *cfg, const struct flow_hooks *hooks,
                                  char *err, size_t errlen)
{
    struct flow_table *t = calloc(1, sizeof *t);
    if (!t) {
        if (err)
            snprintf(err, errlen, "flow table: out of memory");
        return NULL;
    }
    t->cfg = *cfg;
    if (hooks)
        t->hooks = *hooks;
    uint32_t hs = round_pow2(cfg->hash_size ? cfg->hash_size : 1);
    uint64_t bucket_bytes = (uint64_t)hs * sizeof(struct flow *);
    if (cfg->memcap < bucket_bytes + sizeof(struct flow)) {
        if (err)
            snprintf(err, errlen,
                     "flow.memcap %llu is too small for flow.hash-size %u (needs at least %llu bytes)",
                     (unsigned long long)cfg->memcap, hs,
                     (unsigned long long)(bucket_bytes + sizeof(struct flow)));
        free(t);
        return NULL;
    }
    t->buckets = calloc(hs, sizeof *t->buckets);
    if (!t->buckets) {
        if (err)
            snprintf(err, errlen, "flow table: out of memory for %u buckets", hs);
        free(t);
        return NULL;
    }
    t->mask = hs - 1;
    t->capacity = (cfg->memcap - bucket_bytes) / sizeof(struct flow);
    t->next_seq = 1;
    timeouts_refresh(t);
    hash_key_init();
    uint64_t pre = cfg->prealloc < t->capacity ? cfg->prealloc : t->capacity;
    for (uint64_t i = 0; i < pre; i++) {
        struct flow *f = malloc(sizeof *f);
        if (!f)
            break;
        f->hash_next = t->free_list;
        t->free_list = f;
        t->allocated++;
    }
    stats_memuse(t);
    return t;
}

static void free_chain(struct flow *f)
{
    while (f) {
        struct flow *n = f->hash_next;
        free(f);
        f = n;
    }
}

void flow_table_free(struct flow_table *t)
{
    if (!t)
        return;
    /* Flows still in the table (no shutdown: an error path) keep no
     * session memory behind. */
    for (uint32_t i = 0; i <= t->mask; i++) {
        for (struct flow *f = t->buckets[i]; f; f = f->hash_next)
            if (f->tcp && t->hooks.tcp_free)
                t->hooks.tcp_free(t->hooks.tcp_user, f);
        free_chain(t->buckets[i]);
    }
    free_chain(t->free_list);
    free(t->buckets);
    free(t);
}

static uint8_t flow_lru_class(const struct flow *f);

/* Current timeout of a flow: a table lookup by (protocol class, state),
 * refreshed when emergency mode starts or ends. */
static uint32_t flow_timeout_sec(const struct flow_table *t, const struct flow *f)
{
    return t->timeout_tab[flow_lru_class(f)];
}

static void timeouts_refresh(struct flow_table *t)
{
    for (int c = 0; c < FLOW_PROTO_CLASS_MAX; c++)
        for (int st = 0; st < 4; st++)
            t->timeout_tab[c * 4 + st] = t->emergency ? t->cfg.timeouts[c].emergency[st]
                                                      : t->cfg.timeouts[c].normal[st];
}

static uint8_t flow_lru_class(const struct flow *f)
{
    uint8_t st = f->state < 4 ? f->state : FLOW_STATE_CLOSED;
    return (uint8_t)(proto_class(f->key.proto) * 4 + st);
}

static void lru_unlink(struct flow_table *t, struct flow *f)
{
    struct flow_lru *l = &t->lru[f->lru_class];
    if (f->lru_prev)
        f->lru_prev->lru_next = f->lru_next;
    else
        l->head = f->lru_next;
    if (f->lru_next)
        f->lru_next->lru_prev = f->lru_prev;
    else
        l->tail = f->lru_prev;
    f->lru_prev = f->lru_next = NULL;
}

static void lru_append(struct flow_table *t, struct flow *f)
{
    f->lru_class = flow_lru_class(f);
    struct flow_lru *l = &t->lru[f->lru_class];
    f->lru_next = NULL;
    f->lru_prev = l->tail;
    if (l->tail)
        l->tail->lru_next = f;
    else
        l->head = f;
    l->tail = f;
}

/* The stream engine changes f->state after flow_table_get returned; the flow
 * touched last is the most recently active one, so re-appending it to the
 * tail of its (new) list keeps every list ordered by last activity. */
static void settle_last(struct flow_table *t)
{
    struct flow *f = t->last;
    if (!f)
        return;
    t->last = NULL;
    if (flow_lru_class(f) != f->lru_class) {
        lru_unlink(t, f);
        lru_append(t, f);
    }
    f->timeout_sec = flow_timeout_sec(t, f);
}

static void hash_unlink(struct flow_table *t, struct flow *f)
{
    struct flow **pp = &t->buckets[f->hash & t->mask];
    while (*pp && *pp != f)
        pp = &(*pp)->hash_next;
    assert(*pp == f);
    if (*pp)
        *pp = f->hash_next;
    f->hash_next = NULL;
}

static void maybe_leave_emergency(struct flow_table *t)
{
    if (!t->emergency)
        return;
    uint64_t limit = t->capacity * (100 - (t->cfg.emergency_recovery > 100 ? 100 : t->cfg.emergency_recovery)) / 100;
    if (t->stats.active <= limit) {
        t->emergency = false;
        timeouts_refresh(t);
        t->stats.emerg_mode_over++;
    }
}

/* Ends one flow: unlinks it, runs the hooks, frees its TCP session and puts
 * it on the free list. */
static void flow_end(struct flow_table *t, struct flow *f, uint8_t reason)
{
    hash_unlink(t, f);
    lru_unlink(t, f);
    if (t->last == f)
        t->last = NULL;
    f->end_reason = reason;
    if (t->hooks.flow_end)
        t->hooks.flow_end(t->hooks.user, f);
    if (f->tcp && t->hooks.tcp_free)
        t->hooks.tcp_free(t->hooks.tcp_user, f);
    assert(f->tcp == NULL);
    f->tcp = NULL;
    switch (reason) {
    case FLOW_END_TIMEOUT: t->stats.timeout++; break;
    case FLOW_END_FORCED: t->stats.get_used++; break;
    case FLOW_END_SHUTDOWN: t->stats.shutdown++; break;
    }
    t->stats.active--;
    f->hash_next = t->free_list;
    t->free_list = f;
    stats_memuse(t);
}

static bool flow_timed_out(const struct flow_table *t, const struct flow *f, uint64_t now_usec)
{
    uint64_t to = (uint64_t)flow_timeout_sec(t, f) * 1000000ull;
    return now_usec > f->last_usec + to;
}

void flow_table_timeout(struct flow_table *t, uint64_t now_usec)
{
    settle_last(t);
    /* Timeouts have a granularity of seconds: scanning the list heads more
     * often than once per second of packet time gains nothing. */
    if (now_usec >= t->last_timeout_usec && now_usec - t->last_timeout_usec < 1000000ull &&
        t->last_timeout_usec != 0)
        return;
    t->last_timeout_usec = now_usec;
    for (int c = 0; c < FLOW_LRU_LISTS; c++) {
        struct flow *f;
        while ((f = t->lru[c].head) != NULL && flow_timed_out(t, f, now_usec))
            flow_end(t, f, FLOW_END_TIMEOUT);
    }
    maybe_leave_emergency(t);
}

static struct flow *flow_alloc(struct flow_table *t, uint64_t now_usec)
{
    struct flow *f = t->free_list;
    if (f) {
        t->free_list = f->hash_next;
        return f;
    }
    if (t->allocated < t->capacity) {
        f = malloc(sizeof *f);
        if (f) {
            t->allocated++;
            return f;
        }
    }
    /* Memcap reached: emergency mode shortens the timeouts, then the least
     * recently active flow is evicted by force. */
    t->stats.memcap++;
    if (!t->emergency) {
        t->emergency = true;
        timeouts_refresh(t);
        t->stats.emerg_mode_entered++;
    }
    for (int c = 0; c < FLOW_LRU_LISTS; c++) {
        struct flow *h;
        while ((h = t->lru[c].head) != NULL && flow_timed_out(t, h, now_usec))
            flow_end(t, h, FLOW_END_TIMEOUT);
    }
    if (!t->free_list) {
        struct flow *oldest = NULL;
        for (int c = 0; c < FLOW_LRU_LISTS; c++) {
            struct flow *h = t->lru[c].head;
            if (h && (!oldest || h->last_usec < oldest->last_usec ||
                      (h->last_usec == oldest->last_usec && h->create_seq < oldest->create_seq)))
                oldest = h;
        }
        if (oldest)
            flow_end(t, oldest, FLOW_END_FORCED);
    }
    f = t->free_list;
    if (f)
        t->free_list = f->hash_next;
    return f;
}

static bool tcp_flow_closed(const struct flow *f)
{
    if (f->state == FLOW_STATE_CLOSED)
        return true;
    if (f->tcp)
        return false;
    uint8_t all = f->tcp_flags_toserver | f->tcp_flags_toclient;
    return (all & TCP_FLAG_RST) ||
           ((f->tcp_flags_toserver & TCP_FLAG_FIN) && (f->tcp_flags_toclient & TCP_FLAG_FIN));
}

static struct flow *lookup(struct flow_table *t, const struct flow_key *k, uint32_t h, int *dir)
{
    for (struct flow *f = t->buckets[h & t->mask]; f; f = f->hash_next) {
        if (f->hash != h)
            continue;
        int m = key_match(&f->key, k);
        if (m >= 0) {
            *dir = m;
            return f;
        }
    }
    return NULL;
}

/* Takes a flow from the pool and initialises it for p's key k (hash h),
 * oriented by the client/server rule; *dir gets p's direction. NULL when the
 * memcap allows no flow. */
static struct flow *flow_create(struct flow_table *t, const struct packet *p,
                                const struct flow_key *k, uint32_t h, int *dir)
{
    struct flow *f = flow_alloc(t, p->ts_usec);
    if (!f)
        return NULL;
    memset(f, 0, sizeof *f);
    /* The first packet's sender is the client, except that a SYN/ACK seen
     * first was sent by the server (Suricata does the same). */
    bool reverse = k->proto == IPPROTO_TCP &&
                   (p->tcp_flags & (TCP_FLAG_SYN | TCP_FLAG_ACK)) == (TCP_FLAG_SYN | TCP_FLAG_ACK);
    f->key = *k;
    if (reverse) {
        f->key.src = k->dst;
        f->key.dst = k->src;
        f->key.src_port = k->dst_port;
        f->key.dst_port = k->src_port;
    }
    *dir = reverse ? 1 : 0;
    f->hash = h;
    f->create_seq = t->next_seq++;
    f->flow_id = flow_id_make(t->cfg.thread_id, f->create_seq, t->cfg.id_seed);
    f->start_usec = p->ts_usec;
    f->last_usec = p->ts_usec;
    f->state = FLOW_STATE_NEW;
    if (k->proto == IPPROTO_ICMP || k->proto == ICMP6_PROTO) {
        f->icmp_type = p->icmp_type;
        f->icmp_code = p->icmp_code;
    }
    f->hash_next = t->buckets[h & t->mask];
    t->buckets[h & t->mask] = f;
    t->stats.total++;
    t->stats.active++;
    switch (k->proto) {
    case IPPROTO_TCP: t->stats.tcp++; break;
    case IPPROTO_UDP: t->stats.udp++; break;
    case IPPROTO_ICMP: t->stats.icmpv4++; break;
    case ICMP6_PROTO: t->stats.icmpv6++; break;
    default: t->stats.other++; break;
    }
    lru_append(t, f);
    stats_memuse(t);
    return f;
}

struct flow *flow_table_get(struct flow_table *t, struct packet *p)
{
    settle_last(t);
    p->flow = NULL;
    p->flow_direction = 0;
    if (!packet_gets_flow(p))
        return NULL;

    struct flow_key k;
    int dir = 0;
    struct flow *f = NULL;
    bool attributed = false, created = false;
    uint32_t h;
    if (icmp_is_error(p)) {
        /* An ICMP error belongs to the flow of the packet it quotes, if that
         * flow exists; otherwise it is an ordinary ICMP flow. */
        key_from_packet(p, true, &k);
        h = key_hash(&k);
        f = lookup(t, &k, h, &dir);
        if (f && !flow_timed_out(t, f, p->ts_usec)) {
            /* The error travels towards the quoted packet's sender. */
            dir = addr_eq(&p->dst, &f->key.src) ? 1 : 0;
            t->stats.icmp_error_attributed++;
            attributed = true;
            if (dir == 1 && f->icmp_errors_toclient < UINT8_MAX)
                f->icmp_errors_toclient++;
        } else {
            f = NULL;
        }
    }
    if (!attributed) {
        key_from_packet(p, false, &k);
        h = key_hash(&k);
        f = lookup(t, &k, h, &dir);
        if (f && flow_timed_out(t, f, p->ts_usec)) {
            flow_end(t, f, FLOW_END_TIMEOUT);
            f = NULL;
        } else if (f && k.proto == IPPROTO_TCP &&
                   (p->tcp_flags & (TCP_FLAG_SYN | TCP_FLAG_ACK | TCP_FLAG_RST)) == TCP_FLAG_SYN &&
                   tcp_flow_closed(f)) {
            /* TCP port reuse: a new SYN on a closed session starts a new flow. */
            t->stats.tcp_reuse++;
            flow_end(t, f, FLOW_END_TIMEOUT);
            f = NULL;
        }
        if (!f) {
            if (t->cfg.simulate_memcap_at && p->pcap_cnt == t->cfg.simulate_memcap_at) {
                t->stats.memcap++; /* QA simulation: as if the memcap was reached */
                f = NULL;
            } else {
                f = flow_create(t, p, &k, h, &dir);
            }
            if (!f) {
                t->stats.no_flow++;
                p->exceptions |= PACKET_EXC_FLOW_MEMCAP;
                return NULL;
            }
            created = true;
        }
    }
    if (!created) {
        lru_unlink(t, f);
        lru_append(t, f);
    }
    if (!attributed && (k.proto == IPPROTO_ICMP || k.proto == ICMP6_PROTO) && dir == 1 &&
        !f->icmp_response_seen) {
        f->icmp_response_type = p->icmp_type;
        f->icmp_response_code = p->icmp_code;
        f->icmp_response_seen = true;
    }

    if (dir == 0) {
        f->pkts_toserver++;
        f->bytes_toserver += p->caplen;
        if (p->proto == IPPROTO_TCP)
            f->tcp_flags_toserver |= p->tcp_flags;
    } else {
        f->pkts_toclient++;
        f->bytes_toclient += p->caplen;
        if (p->proto == IPPROTO_TCP)
            f->tcp_flags_toclient |= p->tcp_flags;
    }
    if (p->ts_usec > f->last_usec)
        f->last_usec = p->ts_usec;
    /* Non-TCP flows are established once both sides have spoken (Suricata).
     * So are TCP flows the stream engine does not track (no session: e.g.
     * picked up midstream with midstream off), which would otherwise stay
     * "new" and time out after 60 s of silence. */
    if ((f->key.proto != IPPROTO_TCP || f->tcp == NULL) && f->state == FLOW_STATE_NEW &&
        f->pkts_toserver && f->pkts_toclient) {
        f->state = FLOW_STATE_ESTABLISHED;
    }
    f->timeout_sec = flow_timeout_sec(t, f);
    p->flow = f;
    p->flow_direction = (uint8_t)dir;
    t->last = f;
    return f;
}

void flow_swap(struct flow *f)
{
    struct ip_address a = f->key.src;
    f->key.src = f->key.dst;
    f->key.dst = a;
    uint16_t port = f->key.src_port;
    f->key.src_port = f->key.dst_port;
    f->key.dst_port = port;
    uint64_t v = f->pkts_toserver;
    f->pkts_toserver = f->pkts_toclient;
    f->pkts_toclient = v;
    v = f->bytes_toserver;
    f->bytes_toserver = f->bytes_toclient;
    f->bytes_toclient = v;
    uint8_t fl = f->tcp_flags_toserver;
    f->tcp_flags_toserver = f->tcp_flags_toclient;
    f->tcp_flags_toclient = fl;
}

static int cmp_create_seq(const void *a, const void *b)
{
    const struct flow *fa = *(struct flow *const *)a, *fb = *(struct flow *const *)b;
    return fa->create_seq < fb->create_seq ? -1 : fa->create_seq > fb->create_seq;
}

void flow_table_shutdown(struct flow_table *t)
{
    settle_last(t);
    uint64_t n = t->stats.active;
    if (n == 0)
        return;
    struct flow **all = malloc(n * sizeof *all);
    if (!all) {
        /* Out of memory: still end every flow, in list order. */
        for (int c = 0; c < FLOW_LRU_LISTS; c++)
            while (t->lru[c].head)
                flow_end(t, t->lru[c].head, FLOW_END_SHUTDOWN);
        return;
    }
    uint64_t i = 0;
    for (int c = 0; c < FLOW_LRU_LISTS; c++)
        for (struct flow *f = t->lru[c].head; f && i < n; f = f->lru_next)
            all[i++] = f;
    assert(i == n);
    qsort(all, i, sizeof *all, cmp_create_seq);
    for (uint64_t j = 0; j < i; j++)
        flow_end(t, all[j], FLOW_END_SHUTDOWN);
    free(all);
    maybe_leave_emergency(t);
}

const struct flow_stats *flow_table_stats(const struct flow_table *t)
{
    return &t->stats;
}

bool flow_table_in_emergency(const struct flow_table *t)
{
    return t->emergency;
}

void flow_stats_add(struct flow_stats *dst, const struct flow_stats *src)
{
    uint64_t peak = dst->memuse_peak > src->memuse_peak ? dst->memuse_peak : src->memuse_peak;
    dst->total += src->total;
    dst->tcp += src->tcp;
    dst->udp += src->udp;
    dst->icmpv4 += src->icmpv4;
    dst->icmpv6 += src->icmpv6;
    dst->other += src->other;
    dst->active += src->active;
    dst->memuse += src->memuse;
    dst->memcap += src->memcap;
    dst->emerg_mode_entered += src->emerg_mode_entered;
    dst->emerg_mode_over += src->emerg_mode_over;
    dst->tcp_reuse += src->tcp_reuse;
    dst->timeout += src->timeout;
    dst->get_used += src->get_used;
    dst->shutdown += src->shutdown;
    dst->no_flow += src->no_flow;
    dst->icmp_error_attributed += src->icmp_error_attributed;
    dst->spare += src->spare;
    dst->memuse_peak = peak;
}

void flow_stats_write_json(const struct flow_stats *s, struct json_writer *w)
{
    json_key_object_begin(w, "flow");
    json_key_u64(w, "memcap", s->memcap);
    json_key_u64(w, "total", s->total);
    json_key_u64(w, "active", s->active);
    json_key_u64(w, "tcp", s->tcp);
    json_key_u64(w, "udp", s->udp);
    json_key_u64(w, "icmpv4", s->icmpv4);
    json_key_u64(w, "icmpv6", s->icmpv6);
    json_key_u64(w, "tcp_reuse", s->tcp_reuse);
    json_key_u64(w, "get_used", s->get_used);
    json_key_u64(w, "get_used_failed", s->no_flow);
    json_key_u64(w, "spare", s->spare);
    json_key_u64(w, "emerg_mode_entered", s->emerg_mode_entered);
    json_key_u64(w, "emerg_mode_over", s->emerg_mode_over);
    json_key_u64(w, "timeout", s->timeout);
    json_key_u64(w, "shutdown", s->shutdown);
    json_key_object_begin(w, "mgr");
    json_key_u64(w, "flows_timeout", s->timeout);
    json_key_u64(w, "flows_evicted", s->get_used);
    json_object_end(w);
    json_key_u64(w, "memuse", s->memuse);
    json_object_end(w);
}
