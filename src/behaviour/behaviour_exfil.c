/* SPDX-License-Identifier: Apache-2.0 */
/* Per-host profiles of the internal hosts (HOME_NET): what they send out
 * and whom they talk to, for data leaving in bulk (gid 7204, sids 1-4) and
 * for what is new for a host (gid 7205, sids 1-3).
 *
 * A host's flows land on any worker (the capture dispatch hashes address
 * pairs, not hosts), so the profiles are one store shared by the workers,
 * under its own lock, taken once per finished flow that has an internal
 * and an external end (and once per TLS/SSH client fingerprint). Bounded by
 * behaviour.profiles.memcap; the least recently used profile is dropped
 * when it is full (counted).
 *
 * Baselines are learnt, never configured per host: the bytes a host sends
 * out per window (behaviour.exfil.window) are folded into an exponentially
 * weighted mean when the window ends, silent windows counting as zero. A
 * profile whose host was silent longer than the learning period starts
 * over, so a capture replayed years after another (or a host that comes
 * back after months) is learnt again rather than compared with a stale
 * past. See docs/behaviour.md. */
#include <stdio.h>
#include <string.h>

#include "app/app.h"
#include "behaviour/behaviour_internal.h"
#include "flow/flow.h"

/* Weight of the window that ends in the baseline (a day of hourly windows
 * is the learning period by default: about 0.1 keeps a week's memory). */
#define EXFIL_ALPHA 0.1

enum {
    PF_SERVER = 1u << 0,         /* accepted a connection */
    PF_OUTBOUND = 1u << 1,       /* opened a connection to an external host */
    PF_ALERT_VOLUME = 1u << 2,   /* sid 7204:1 in this window */
    PF_ALERT_DNS = 1u << 3,      /* 7204:3 in this window */
    PF_ALERT_ICMP = 1u << 4,     /* 7204:4 in this window */
    PF_ALERT_SERVER_OUT = 1u << 5,
    PF_WINDOW_ALERTS = PF_ALERT_VOLUME | PF_ALERT_DNS | PF_ALERT_ICMP,
};

bool behaviour_profiles_wanted(const struct behaviour_config *c)
{
    return c->enabled && (c->exfil.enabled || c->rare.enabled);
}

static uint32_t hash_bytes(const uint8_t *d, size_t n, uint32_t seed)
{
    uint32_t h = 2166136261u ^ seed;
    for (size_t i = 0; i < n; i++) {
        h ^= d[i];
        h *= 16777619u;
    }
    h ^= h >> 15;
    h *= 0x2c1b3c6du;
    h ^= h >> 12;
    return h;
}

/* A 256-bit Bloom filter with two probes: true when v was (probably)
 * there. It only errs towards "seen": a saturated filter silences the
 * "new" alerts of a very busy host, it never invents one. */
static bool bloom_test_set(uint8_t bits[32], const uint8_t *v, size_t n)
{
    uint32_t h1 = hash_bytes(v, n, 0x9e3779b9u) & 255u;
    uint32_t h2 = hash_bytes(v, n, 0x7f4a7c15u) & 255u;
    bool seen = (bits[h1 >> 3] & (1u << (h1 & 7))) && (bits[h2 >> 3] & (1u << (h2 & 7)));
    bits[h1 >> 3] |= (uint8_t)(1u << (h1 & 7));
    bits[h2 >> 3] |= (uint8_t)(1u << (h2 & 7));
    return seen;
}


/* The host's profile, locked (the caller unlocks profiles->lock), with its
 * windows brought up to ts; NULL (unlocked) when there is no room. */
static struct host_profile *profile_get(struct behaviour_ctx *b, const struct ip_address *host,
                                        uint64_t ts, struct scan_tracker **tp)
{
    struct behaviour_store *ps = b->store ? b->store->profiles : NULL;
    if (!ps)
        return NULL;
    struct scan_key k;
    memset(&k, 0, sizeof k);
    k.type = SCAN_T_PROFILE;
    k.src = *host;
    pthread_mutex_lock(&ps->lock);
    struct scan_tracker *t = behaviour_tracker_get(ps, &k, ts);
    if (!t) {
        pthread_mutex_unlock(&ps->lock);
        return NULL;
    }
    struct host_profile *p = (struct host_profile *)t->bits;
    uint64_t learn = (uint64_t)b->cfg.rare.learning_sec * 1000000ull;
    uint64_t win = (uint64_t)b->cfg.exfil.window_sec * 1000000ull;
    uint64_t idle_reset = learn > 2 * win ? learn : 2 * win;
    if (t->first_usec == 0 || ts + idle_reset < t->first_usec ||
        (t->last_usec && ts > t->last_usec + idle_reset)) {
        /* New, or back after a silence longer than the learning period
         * (or from the past): learn it again. */
        memset(p, 0, sizeof *p);
        t->first_usec = ts ? ts : 1;
        t->last_usec = t->first_usec;
        p->win_start = t->first_usec;
    }
    if (ts > t->last_usec)
        t->last_usec = ts;
    if (ts >= p->win_start + win) {
        uint64_t ended = (ts - p->win_start) / win; /* windows that ended, >= 1 */
        double w = (double)p->win_bytes;
        p->baseline = p->windows ? EXFIL_ALPHA * w + (1 - EXFIL_ALPHA) * p->baseline : w;
        /* Silent windows count as zero (at most a learning period's worth:
         * the baseline is near zero by then anyway). */
        for (uint64_t i = 1; i < ended && i < 64; i++)
            p->baseline *= 1 - EXFIL_ALPHA;
        p->windows += ended > UINT32_MAX - p->windows ? 0 : (uint32_t)ended;
        p->win_start += ended * win;
        p->win_bytes = p->dns_bytes = p->icmp_bytes = 0;
        p->flags &= ~(uint32_t)PF_WINDOW_ALERTS;
    }
    *tp = t;
    return p;
}

static bool host_learnt(const struct behaviour_ctx *b, const struct scan_tracker *t,
                        const struct host_profile *p, uint64_t ts)
{
    return ts >= t->first_usec + (uint64_t)b->cfg.rare.learning_sec * 1000000ull &&
           p->flows >= b->cfg.rare.learning_flows;
}

struct pending {
    int gid, sid;
    uint64_t value, threshold;
    double baseline;
    uint32_t windows;
};

static const char *const exfil_sig[] = {
    [BEHAVIOUR_SID_EXFIL_VOLUME] =
        "VIGIL EXFIL bytes sent out by an internal host far above its baseline",
    [BEHAVIOUR_SID_EXFIL_NEW_DEST] =
        "VIGIL EXFIL large upload from an internal host to a destination it never used",
    [BEHAVIOUR_SID_EXFIL_DNS] = "VIGIL EXFIL many bytes sent out over DNS by an internal host",
    [BEHAVIOUR_SID_EXFIL_ICMP] = "VIGIL EXFIL many bytes sent out over ICMP by an internal host",
};
static const char *const new_sig[] = {
    [BEHAVIOUR_SID_NEW_SERVER_OUT] =
        "VIGIL NEW internal server opened a connection to the Internet for the first time",
    [BEHAVIOUR_SID_NEW_JA4] = "VIGIL NEW TLS client fingerprint (JA4) for an internal host",
    [BEHAVIOUR_SID_NEW_HASSH] = "VIGIL NEW SSH client fingerprint (HASSH) for an internal host",
};

static void raise_profile_alert(struct behaviour_ctx *b, struct flow *f, const struct pending *pe,
                  const char *extra_key, const char *extra_val)
{
    char v[24], th[24], bl[24], wn[16];
    const char *meta[12];
    int i = 0;
    struct builtin_alert a = {
        .gid = (uint32_t)pe->gid,
        .sid = (uint32_t)pe->sid,
        .rev = 1,
        .severity = 2,
        .direction = 0,
        .metadata = meta,
    };
    if (pe->gid == BEHAVIOUR_GID_EXFIL) {
        b->stats.exfil_alerts++;
        a.signature = exfil_sig[pe->sid];
        a.category = "Potential Corporate Privacy Violation";
        snprintf(v, sizeof v, "%llu", (unsigned long long)pe->value);
        snprintf(th, sizeof th, "%llu", (unsigned long long)pe->threshold);
        meta[i++] = "exfil_bytes";
        meta[i++] = v;
        meta[i++] = "exfil_threshold_bytes";
        meta[i++] = th;
        if (pe->sid == BEHAVIOUR_SID_EXFIL_VOLUME) {
            snprintf(bl, sizeof bl, "%.0f", pe->baseline);
            snprintf(wn, sizeof wn, "%u", pe->windows);
            meta[i++] = "exfil_baseline_bytes";
            meta[i++] = bl;
            meta[i++] = "exfil_windows_learnt";
            meta[i++] = wn;
        }
    } else {
        b->stats.new_alerts++;
        a.signature = new_sig[pe->sid];
        a.category = pe->sid == BEHAVIOUR_SID_NEW_SERVER_OUT ? "Potentially Bad Traffic"
                                                             : "Misc activity";
        a.severity = pe->sid == BEHAVIOUR_SID_NEW_SERVER_OUT ? 2 : 3;
    }
    if (extra_key) {
        meta[i++] = extra_key;
        meta[i++] = extra_val;
    }
    meta[i] = NULL;
    if (b->alert)
        b->alert(b->alert_user, f, &a);
}

static bool dns_port(uint16_t port)
{
    return port == 53 || port == 853 || port == 5353;
}

void behaviour_profile_flow(struct behaviour_ctx *b, struct flow *f,
                            const struct ip_address *host, const struct ip_address *peer,
                            bool host_is_client, uint8_t proto, uint16_t dport, bool dns,
                            uint64_t out_bytes, uint64_t ts)
{
    if (!b || !b->store || !b->store->profiles)
        return;
    const struct behaviour_config *c = &b->cfg;
    struct scan_tracker *t;
    struct host_profile *p = profile_get(b, host, ts, &t);
    if (!p)
        return;
    b->stats.exfil_flows++;
    struct pending pe[4];
    int np = 0;
    bool learnt = host_learnt(b, t, p, ts);
    /* An internal server's first own connection to the Internet: an
     * implant calling home from a machine that only ever answered. Name
     * resolution and time are what servers do on their own: they neither
     * alert nor count as contact. */
    if (host_is_client && !dns_port(dport) && dport != 123) {
        if (c->rare.enabled && c->rare.server && (p->flags & PF_SERVER) &&
            !(p->flags & (PF_OUTBOUND | PF_ALERT_SERVER_OUT)) && learnt) {
            p->flags |= PF_ALERT_SERVER_OUT;
            pe[np++] = (struct pending){.gid = BEHAVIOUR_GID_NEW,
                                        .sid = BEHAVIOUR_SID_NEW_SERVER_OUT};
        }
        p->flags |= PF_OUTBOUND;
    }
    p->flows++;
    if (c->exfil.enabled) {
        bool exfil_learnt = p->windows >= c->exfil.learning_windows;
        p->win_bytes += out_bytes;
        if (dns)
            p->dns_bytes += out_bytes;
        if (proto == 1 || proto == 58)
            p->icmp_bytes += out_bytes;
        if (exfil_learnt && !(p->flags & PF_ALERT_VOLUME) && p->win_bytes >= c->exfil.min_bytes &&
            (double)p->win_bytes > c->exfil.factor * p->baseline) {
            p->flags |= PF_ALERT_VOLUME;
            pe[np++] = (struct pending){.gid = BEHAVIOUR_GID_EXFIL,
                                        .sid = BEHAVIOUR_SID_EXFIL_VOLUME,
                                        .value = p->win_bytes,
                                        .threshold = c->exfil.min_bytes,
                                        .baseline = p->baseline,
                                        .windows = p->windows};
        }
        bool new_dest = !bloom_test_set(p->dests, peer->addr.u8, sizeof peer->addr.u8);
        if (new_dest && exfil_learnt && out_bytes >= c->exfil.new_dest_bytes)
            pe[np++] = (struct pending){.gid = BEHAVIOUR_GID_EXFIL,
                                        .sid = BEHAVIOUR_SID_EXFIL_NEW_DEST,
                                        .value = out_bytes,
                                        .threshold = c->exfil.new_dest_bytes};
        if (dns && !(p->flags & PF_ALERT_DNS) && p->dns_bytes >= c->exfil.dns_bytes) {
            p->flags |= PF_ALERT_DNS;
            pe[np++] = (struct pending){.gid = BEHAVIOUR_GID_EXFIL,
                                        .sid = BEHAVIOUR_SID_EXFIL_DNS,
                                        .value = p->dns_bytes,
                                        .threshold = c->exfil.dns_bytes};
        }
        if ((proto == 1 || proto == 58) && !(p->flags & PF_ALERT_ICMP) &&
            p->icmp_bytes >= c->exfil.icmp_bytes) {
            p->flags |= PF_ALERT_ICMP;
            pe[np++] = (struct pending){.gid = BEHAVIOUR_GID_EXFIL,
                                        .sid = BEHAVIOUR_SID_EXFIL_ICMP,
                                        .value = p->icmp_bytes,
                                        .threshold = c->exfil.icmp_bytes};
        }
    }
    pthread_mutex_unlock(&b->store->profiles->lock);
    char win[16];
    snprintf(win, sizeof win, "%u", c->exfil.window_sec);
    for (int i = 0; i < np; i++)
        raise_profile_alert(b, f, &pe[i], pe[i].gid == BEHAVIOUR_GID_EXFIL ? "exfil_window_sec" : NULL, win);
}

void behaviour_profile_served(struct behaviour_ctx *b, const struct ip_address *host,
                              uint64_t ts)
{
    if (!b || !b->cfg.rare.enabled || !b->cfg.rare.server)
        return;
    struct scan_tracker *t;
    struct host_profile *p = profile_get(b, host, ts, &t);
    if (!p)
        return;
    p->flags |= PF_SERVER;
    pthread_mutex_unlock(&b->store->profiles->lock);
}

void behaviour_profile_fingerprint(struct behaviour_ctx *b, struct flow *f, int sid,
                                   const struct ip_address *host, const uint8_t *fp,
                                   size_t len, uint64_t ts)
{
    if (!b || !b->cfg.rare.enabled || !b->cfg.rare.fingerprints || len == 0)
        return;
    struct scan_tracker *t;
    struct host_profile *p = profile_get(b, host, ts, &t);
    if (!p)
        return;
    /* JA4 and HASSH share the filter: the sid is part of the value. */
    uint8_t v[128];
    size_t n = len < sizeof v - 1 ? len : sizeof v - 1;
    v[0] = (uint8_t)sid;
    memcpy(v + 1, fp, n);
    bool learnt = host_learnt(b, t, p, ts);
    bool seen = bloom_test_set(p->fps, v, n + 1);
    pthread_mutex_unlock(&b->store->profiles->lock);
    if (seen || !learnt)
        return;
    char val[128];
    memcpy(val, fp, n);
    val[n] = '\0';
    struct pending pe = {.gid = BEHAVIOUR_GID_NEW, .sid = sid};
    raise_profile_alert(b, f, &pe, sid == BEHAVIOUR_SID_NEW_JA4 ? "ja4" : "hassh", val);
}

void behaviour_profile_flow_end(struct behaviour_ctx *b, struct flow *f)
{
    if (!b->store || !b->store->profiles)
        return;
    const struct behaviour_config *c = &b->cfg;
    bool src_home = behaviour_is_home(c, &f->key.src);
    bool dst_home = behaviour_is_home(c, &f->key.dst);
    if (!src_home && !dst_home)
        return;
    bool accepted;
    if (f->key.proto == 6)
        accepted = (f->tcp_flags_toclient & (TCP_FLAG_SYN | TCP_FLAG_ACK)) ==
                       (TCP_FLAG_SYN | TCP_FLAG_ACK) &&
                   (f->tcp_flags_toserver & TCP_FLAG_SYN);
    else
        accepted = f->pkts_toclient > 0;
    if (dst_home && f->key.proto == 6 && accepted && !behaviour_addr_is_group(&f->key.dst))
        behaviour_profile_served(b, &f->key.dst, f->start_usec);
    if (src_home == dst_home || behaviour_addr_is_group(&f->key.dst))
        return;
    /* TCP that never got an answer is a probe (the scan detector's), not
     * a contact; UDP and ICMP count as sent. */
    if (f->key.proto == 6 && !accepted)
        return;
    bool dns = src_home && (f->app_proto == APP_PROTO_DNS || dns_port(f->key.dst_port));
    if (src_home)
        behaviour_profile_flow(b, f, &f->key.src, &f->key.dst, true, f->key.proto,
                               f->key.dst_port, dns, f->bytes_toserver, f->last_usec);
    else
        behaviour_profile_flow(b, f, &f->key.dst, &f->key.src, false, f->key.proto,
                               f->key.dst_port, dns, f->bytes_toclient, f->last_usec);
}
