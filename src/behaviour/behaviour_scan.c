/* SPDX-License-Identifier: Apache-2.0 */
/* Scan detection (gid 7200): a finished flow that looks like a probe counts
 * towards two trackers of its source, one per destination host (vertical:
 * distinct ports) and one per destination port (horizontal: distinct hosts).
 * A tracker whose distinct count reaches the threshold within the window
 * raises one alert, and a source raises at most one alert per kind (TCP/UDP,
 * vertical/horizontal) per window. See docs/behaviour.md. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "behaviour/behaviour_internal.h"
#include "flow/flow.h"

static const char *const probe_names[BEHAVIOUR_PROBE_MAX] = {
    [BEHAVIOUR_PROBE_NONE] = "none",      [BEHAVIOUR_PROBE_SYN] = "syn",
    [BEHAVIOUR_PROBE_HALF_OPEN] = "half_open", [BEHAVIOUR_PROBE_FIN] = "fin",
    [BEHAVIOUR_PROBE_NULL] = "null",      [BEHAVIOUR_PROBE_XMAS] = "xmas",
    [BEHAVIOUR_PROBE_UDP] = "udp",       [BEHAVIOUR_PROBE_ICMP] = "icmp",
};

const char *behaviour_probe_name(enum behaviour_probe p)
{
    return (unsigned)p < BEHAVIOUR_PROBE_MAX ? probe_names[p] : "none";
}

enum behaviour_probe behaviour_classify(uint8_t proto, uint8_t ts, uint8_t tc,
                                        uint64_t pkts_toserver, uint64_t replies)
{
    if (proto == 17)
        /* No UDP reply at all (an ICMP error is not counted as a reply by the
         * caller), and only a few datagrams: a one-way stream (syslog,
         * NetFlow) is no probe. */
        return pkts_toserver >= 1 && pkts_toserver <= 3 && replies == 0 ? BEHAVIOUR_PROBE_UDP
                                                                         : BEHAVIOUR_PROBE_NONE;
    if (proto != 6 || pkts_toserver == 0)
        return BEHAVIOUR_PROBE_NONE;
    if (ts & TCP_FLAG_SYN) {
        if (!(tc & TCP_FLAG_SYN)) {
            /* Never a SYN/ACK: unanswered, or rejected with RST (an ICMP
             * error leaves no TCP flags). An initiator that went on with ACK
             * or data is a real connection seen from one side only. */
            if (ts & (TCP_FLAG_ACK | TCP_FLAG_PSH | TCP_FLAG_FIN))
                return BEHAVIOUR_PROBE_NONE;
            if (tc & ~(TCP_FLAG_RST | TCP_FLAG_ACK))
                return BEHAVIOUR_PROBE_NONE;
            return BEHAVIOUR_PROBE_SYN;
        }
        /* SYN/ACK came back, and the initiator reset the session without
         * sending anything: a SYN scan's open port (or a connect scan's). */
        if ((ts & TCP_FLAG_RST) && !(ts & (TCP_FLAG_PSH | TCP_FLAG_FIN)) && pkts_toserver <= 3)
            return BEHAVIOUR_PROBE_HALF_OPEN;
        return BEHAVIOUR_PROBE_NONE;
    }
    /* No SYN and no ACK from the initiator: stealth probes (a TCP stack
     * never sends those; RST-only flows are late resets, not probes). */
    if (ts & (TCP_FLAG_ACK | TCP_FLAG_RST) || pkts_toserver > 3)
        return BEHAVIOUR_PROBE_NONE;
    if (tc & ~(TCP_FLAG_RST | TCP_FLAG_ACK))
        return BEHAVIOUR_PROBE_NONE;
    uint8_t f = ts & (TCP_FLAG_FIN | TCP_FLAG_PSH | TCP_FLAG_URG);
    if (f == 0)
        return BEHAVIOUR_PROBE_NULL;
    if (f == (TCP_FLAG_FIN | TCP_FLAG_PSH | TCP_FLAG_URG))
        return BEHAVIOUR_PROBE_XMAS;
    if (f & TCP_FLAG_FIN)
        return BEHAVIOUR_PROBE_FIN;
    return BEHAVIOUR_PROBE_NONE;
}

enum behaviour_probe behaviour_classify_icmp(uint8_t proto, uint8_t icmp_type,
                                             uint64_t pkts_toserver)
{
    /* Requests a sweep sends to find live hosts: echo, timestamp and
     * address mask (ICMPv6: echo). A long-running ping is one flow of many
     * packets, no probe. */
    if (pkts_toserver == 0 || pkts_toserver > 3)
        return BEHAVIOUR_PROBE_NONE;
    if (proto == 1 && (icmp_type == 8 || icmp_type == 13 || icmp_type == 17))
        return BEHAVIOUR_PROBE_ICMP;
    if (proto == 58 && icmp_type == 128)
        return BEHAVIOUR_PROBE_ICMP;
    return BEHAVIOUR_PROBE_NONE;
}

struct behaviour_store *behaviour_store_new(const struct behaviour_config *c)
{
    if (!behaviour_any_enabled(c) ||
        !(c->scan.enabled || c->bruteforce.enabled || c->dns.enabled ||
          behaviour_profiles_wanted(c) || c->sip.enabled || c->iso8583.enabled))
        return NULL;
    struct behaviour_store *s = behaviour_store_new_cap(c, c->memcap, 0);
    if (s && (c->sip.enabled || c->iso8583.enabled)) {
        s->fraud = behaviour_fraud_new(c, &s->stats.fraud_memuse);
        if (!s->fraud) {
            behaviour_store_free(s);
            return NULL;
        }
    }
    if (s && behaviour_profiles_wanted(c)) {
        /* A host's profile is worth keeping as long as the memcap allows:
         * reusable only after 30 days without traffic. */
        s->profiles = behaviour_store_new_cap(c, c->profiles_memcap, 30ull * 86400 * 1000000);
        if (!s->profiles) {
            behaviour_store_free(s);
            return NULL;
        }
    }
    return s;
}

struct behaviour_store *behaviour_store_new_cap(const struct behaviour_config *c, uint64_t memcap,
                                                uint64_t idle_usec)
{
    struct behaviour_store *b = calloc(1, sizeof *b);
    if (!b)
        return NULL;
    b->cfg = *c;
    b->window_usec = (uint64_t)c->scan.window_sec * 1000000ull;
    b->bf_window_usec = (uint64_t)c->bruteforce.window_sec * 1000000ull;
    b->dns_window_usec = (uint64_t)c->dns.window_sec * 1000000ull;
    b->max_window_usec = b->window_usec > b->bf_window_usec ? b->window_usec : b->bf_window_usec;
    if (b->dns_window_usec > b->max_window_usec)
        b->max_window_usec = b->dns_window_usec;
    if (idle_usec)
        b->max_window_usec = idle_usec;
    b->seed = (uint32_t)time(NULL) ^ (uint32_t)(uintptr_t)b;
    /* The store and the bucket array (at most one bucket per tracker)
     * count against the memcap too. */
    uint64_t per = sizeof(struct scan_tracker) + sizeof(struct scan_tracker *);
    uint64_t max = memcap > sizeof *b ? (memcap - sizeof *b) / per : 0;
    if (max < 16)
        max = 16;
    if (max > (1u << 24))
        max = 1u << 24;
    b->max_trackers = (uint32_t)max;
    uint32_t nb = 16;
    while (nb < max / 2)
        nb <<= 1;
    b->buckets = calloc(nb, sizeof *b->buckets);
    if (!b->buckets || pthread_mutex_init(&b->lock, NULL) != 0) {
        free(b->buckets);
        free(b);
        return NULL;
    }
    b->mask = nb - 1;
    b->stats.memuse = sizeof *b + (uint64_t)nb * sizeof *b->buckets;
    return b;
}

void behaviour_store_free(struct behaviour_store *b)
{
    if (!b)
        return;
    struct scan_tracker *t = b->lru_head;
    while (t) {
        struct scan_tracker *n = t->lru_next;
        free(t);
        t = n;
    }
    behaviour_store_free(b->profiles);
    behaviour_fraud_free(b->fraud);
    pthread_mutex_destroy(&b->lock);
    free(b->buckets);
    free(b);
}

void behaviour_stats_get(const struct behaviour_ctx *b, struct behaviour_stats *s)
{
    memset(s, 0, sizeof *s);
    if (!b)
        return;
    *s = b->stats;
    if (b->report_store) {
        pthread_mutex_lock(&b->store->lock);
        s->trackers = b->store->stats.trackers;
        s->tracker_reused = b->store->stats.tracker_reused;
        s->memcap_evictions = b->store->stats.memcap_evictions;
        s->memuse = b->store->stats.memuse;
        s->fraud_memuse = b->store->stats.fraud_memuse;
        pthread_mutex_unlock(&b->store->lock);
        if (b->store->profiles) {
            pthread_mutex_lock(&b->store->profiles->lock);
            s->profiles = b->store->profiles->stats.trackers;
            s->profile_evictions = b->store->profiles->stats.memcap_evictions;
            s->profile_memuse = b->store->profiles->stats.memuse;
            pthread_mutex_unlock(&b->store->profiles->lock);
        }
    }
    if (b->beacon) {
        pthread_mutex_lock(&b->beacon->lock);
        s->beacon_trackers = b->beacon->stats.trackers;
        s->beacon_evictions = b->beacon->stats.memcap_evictions;
        s->beacon_memuse = b->beacon->stats.memuse;
        pthread_mutex_unlock(&b->beacon->lock);
    }
}

static uint32_t key_hash(const struct behaviour_store *b, const struct scan_key *k)
{
    /* FNV-1a over the key, seeded per store (an attacker choosing
     * addresses cannot aim at one chain). */
    const uint8_t *p = (const uint8_t *)k;
    uint32_t h = 2166136261u ^ b->seed;
    for (size_t i = 0; i < sizeof *k; i++) {
        h ^= p[i];
        h *= 16777619u;
    }
    return h;
}

static void lru_unlink(struct behaviour_store *b, struct scan_tracker *t)
{
    if (t->lru_prev)
        t->lru_prev->lru_next = t->lru_next;
    else
        b->lru_head = t->lru_next;
    if (t->lru_next)
        t->lru_next->lru_prev = t->lru_prev;
    else
        b->lru_tail = t->lru_prev;
    t->lru_prev = t->lru_next = NULL;
}

static void lru_append(struct behaviour_store *b, struct scan_tracker *t)
{
    t->lru_prev = b->lru_tail;
    t->lru_next = NULL;
    if (b->lru_tail)
        b->lru_tail->lru_next = t;
    else
        b->lru_head = t;
    b->lru_tail = t;
}

static void hash_unlink(struct behaviour_store *b, struct scan_tracker *t)
{
    struct scan_tracker **pp = &b->buckets[t->hash & b->mask];
    while (*pp && *pp != t)
        pp = &(*pp)->hnext;
    if (*pp)
        *pp = t->hnext;
}

/* The tracker for k, created (or recycled) when absent; NULL only when no
 * memory could be had. now_usec: the latest probe time seen. */
struct scan_tracker *behaviour_tracker_get(struct behaviour_store *b, const struct scan_key *k,
                                           uint64_t now_usec)
{
    uint32_t h = key_hash(b, k);
    for (struct scan_tracker *t = b->buckets[h & b->mask]; t; t = t->hnext) {
        if (t->hash == h && memcmp(&t->key, k, sizeof *k) == 0) {
            lru_unlink(b, t);
            lru_append(b, t);
            return t;
        }
    }
    struct scan_tracker *t = b->lru_head;
    if (t && t->last_usec + b->max_window_usec < now_usec) {
        b->stats.tracker_reused++; /* its window is over: nothing is lost */
    } else if (b->stats.trackers < b->max_trackers || !t) {
        t = malloc(sizeof *t);
        if (!t)
            return NULL;
        b->stats.trackers++;
        b->stats.memuse += sizeof *t;
        memset(t, 0, sizeof *t);
        t->key = *k;
        t->hash = h;
        t->hnext = b->buckets[h & b->mask];
        b->buckets[h & b->mask] = t;
        lru_append(b, t);
        return t;
    } else {
        b->stats.memcap_evictions++;
    }
    hash_unlink(b, t);
    lru_unlink(b, t);
    memset(t, 0, sizeof *t);
    t->key = *k;
    t->hash = h;
    t->hnext = b->buckets[h & b->mask];
    b->buckets[h & b->mask] = t;
    lru_append(b, t);
    return t;
}

bool behaviour_addr_is_group(const struct ip_address *a)
{
    /* IPv4 is held in the last four bytes (decode.c). */
    if (a->family == 4)
        return a->addr.u8[12] >= 224 || a->addr.u32[3] == 0xffffffffu;
    return a->addr.u8[0] == 0xff;
}

static uint32_t mix(uint32_t x)
{
    x ^= x >> 16;
    x *= 0x7feb352du;
    x ^= x >> 15;
    x *= 0x846ca68bu;
    x ^= x >> 16;
    return x;
}

bool behaviour_tracker_add(struct scan_tracker *t, uint32_t v)
{
    uint32_t bit = mix(v) % SCAN_BITMAP_BITS;
    uint8_t m = (uint8_t)(1u << (bit & 7));
    if (t->bits[bit >> 3] & m)
        return false;
    t->bits[bit >> 3] |= m;
    t->distinct++;
    return true;
}

/* Starts a new window when ts is past the tracker's. */
static void tracker_window(struct behaviour_store *b, struct scan_tracker *t, uint64_t ts)
{
    if (t->first_usec == 0 || ts >= t->first_usec + b->window_usec) {
        t->first_usec = ts ? ts : 1;
        t->distinct = 0;
        t->alerted = false;
        t->probe_kinds = 0;
        memset(t->bits, 0, sizeof t->bits);
    }
    if (ts > t->last_usec)
        t->last_usec = ts;
}

static const char *const sig[SCAN_K_MAX] = {
    [SCAN_K_TCP_V] = "VIGIL SCAN TCP port scan (one source, many ports of one host)",
    [SCAN_K_TCP_H] = "VIGIL SCAN TCP port sweep (one source, one port of many hosts)",
    [SCAN_K_UDP_V] = "VIGIL SCAN UDP port scan (one source, many ports of one host)",
    [SCAN_K_UDP_H] = "VIGIL SCAN UDP port sweep (one source, one port of many hosts)",
    [SCAN_K_ICMP_H] = "VIGIL SCAN ICMP sweep (one source, many hosts)",
};
static const uint32_t sids[SCAN_K_MAX] = {
    [SCAN_K_TCP_V] = BEHAVIOUR_SID_TCP_PORTSCAN, [SCAN_K_TCP_H] = BEHAVIOUR_SID_TCP_PORTSWEEP,
    [SCAN_K_UDP_V] = BEHAVIOUR_SID_UDP_PORTSCAN, [SCAN_K_UDP_H] = BEHAVIOUR_SID_UDP_PORTSWEEP,
    [SCAN_K_ICMP_H] = BEHAVIOUR_SID_ICMP_SWEEP,
};

/* An alert decided under the store's lock, raised after it is released. */
struct pending_alert {
    int kind;
    uint32_t distinct;
    uint16_t probe_kinds;
};

/* With the store locked: does tracker t alert now? */
static bool tracker_check(struct behaviour_ctx *c, struct scan_tracker *t, int kind,
                          uint32_t threshold, uint64_t ts, uint64_t now, struct pending_alert *pa)
{
    struct behaviour_store *b = c->store;
    if (t->alerted || t->distinct < threshold)
        return false;
    t->alerted = true;
    /* One alert per source and kind per window. */
    struct scan_key sk;
    memset(&sk, 0, sizeof sk);
    sk.type = SCAN_T_SOURCE;
    sk.src = t->key.src;
    struct scan_tracker *s = behaviour_tracker_get(b, &sk, now);
    if (!s)
        return false;
    if (s->alert_usec[kind] && ts < s->alert_usec[kind] + b->window_usec &&
        ts + b->window_usec > s->alert_usec[kind]) {
        c->stats.scan_suppressed++;
        return false;
    }
    s->alert_usec[kind] = ts ? ts : 1;
    if (ts > s->last_usec)
        s->last_usec = ts;
    if (!s->first_usec)
        s->first_usec = s->last_usec;
    pa->kind = kind;
    pa->distinct = t->distinct;
    pa->probe_kinds = t->probe_kinds;
    return true;
}

/* Without the lock: the alert, through the worker's callback. */
static void raise_alert(struct behaviour_ctx *b, struct flow *f, const struct pending_alert *pa)
{
    b->stats.scan_alerts++;
    size_t n = 0;
    b->meta_probes[0] = '\0';
    for (int p = 1; p < BEHAVIOUR_PROBE_MAX; p++)
        if (pa->probe_kinds & (1u << p))
            n += (size_t)snprintf(b->meta_probes + n, sizeof b->meta_probes - n, "%s%s",
                                  n ? "," : "", probe_names[p]);
    snprintf(b->meta_count, sizeof b->meta_count, "%u", pa->distinct);
    snprintf(b->meta_window, sizeof b->meta_window, "%u", b->cfg.scan.window_sec);
    int kind = pa->kind;
    bool vertical = kind == SCAN_K_TCP_V || kind == SCAN_K_UDP_V;
    const char *meta[] = {"scan_kind", vertical ? "vertical" : "horizontal",
                          "scan_probes", b->meta_probes,
                          vertical ? "scan_ports" : "scan_hosts", b->meta_count,
                          "scan_window_sec", b->meta_window,
                          NULL};
    struct builtin_alert a = {
        .gid = BEHAVIOUR_GID_SCAN,
        .sid = sids[kind],
        .rev = 1,
        .signature = sig[kind],
        .category = "Attempted Information Leak", /* classtype attempted-recon */
        .severity = 2,
        .direction = 0,
        .metadata = meta,
    };
    if (b->alert)
        b->alert(b->alert_user, f, &a);
}

void behaviour_scan_probe(struct behaviour_ctx *c, struct flow *f, uint8_t proto,
                          enum behaviour_probe kind, const struct ip_address *src,
                          const struct ip_address *dst, uint16_t dport, uint64_t ts_usec)
{
    if (!c || !c->store || kind == BEHAVIOUR_PROBE_NONE || behaviour_addr_is_group(dst))
        return;
    c->stats.scan_probes++;
    struct behaviour_store *b = c->store;
    uint64_t now = ts_usec;
    struct scan_key k;
    bool icmp = proto == 1 || proto == 58;
    struct pending_alert pa[2];
    int npa = 0;

    pthread_mutex_lock(&b->lock);
    memset(&k, 0, sizeof k);
    k.type = SCAN_T_VERTICAL;
    k.proto = proto;
    k.src = *src;
    k.other = *dst;
    /* ICMP has no ports: only sweeps. */
    struct scan_tracker *v = icmp ? NULL : behaviour_tracker_get(b, &k, now);
    if (v) {
        tracker_window(b, v, ts_usec);
        v->probe_kinds |= (uint16_t)(1u << kind);
        behaviour_tracker_add(v, dport);
        if (tracker_check(c, v, proto == 6 ? SCAN_K_TCP_V : SCAN_K_UDP_V,
                          c->cfg.scan.vertical_ports, ts_usec, now, &pa[npa]))
            npa++;
    }

    memset(&k, 0, sizeof k);
    k.type = SCAN_T_HORIZONTAL;
    k.proto = proto;
    k.port = dport;
    k.src = *src;
    struct scan_tracker *h = behaviour_tracker_get(b, &k, now);
    if (h) {
        tracker_window(b, h, ts_usec);
        h->probe_kinds |= (uint16_t)(1u << kind);
        uint32_t hv = dst->addr.u32[0] ^ mix(dst->addr.u32[1]) ^ mix(dst->addr.u32[2] + 1) ^
                      mix(dst->addr.u32[3] + 2);
        behaviour_tracker_add(h, hv);
        if (tracker_check(c, h, icmp ? SCAN_K_ICMP_H : proto == 6 ? SCAN_K_TCP_H : SCAN_K_UDP_H,
                          c->cfg.scan.horizontal_hosts, ts_usec, now, &pa[npa]))
            npa++;
    }
    pthread_mutex_unlock(&b->lock);
    for (int i = 0; i < npa; i++)
        raise_alert(c, f, &pa[i]);
}
