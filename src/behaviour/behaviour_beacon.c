/* SPDX-License-Identifier: Apache-2.0 */
/* Beaconing (gid 7203): connections from one host to one destination
 * (address, port, protocol) at regular intervals with similar sizes, as
 * command-and-control implants poll their server. Scored as RITA does:
 * for the intervals between connection starts and for the client's bytes
 * per connection, a Bowley-skewness score (1 - |skew|: symmetric around the
 * median) and a dispersion score (1 - MAD/median); the beacon score is the
 * mean of the four, in [0, 1]. An alert needs both dispersion scores at
 * min-score or above (interval regularity, size similarity).
 *
 * The flows of one address pair always reach the same worker (the capture
 * dispatch hashes the address pair), so each worker keeps its pairs in a
 * private tracker store without a lock, bounded by behaviour.beacon.memcap.
 * A tracker keeps the last BEACON_RING connection starts and sizes in its
 * bitmap bytes. See docs/behaviour.md. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "behaviour/behaviour_internal.h"
#include "flow/flow.h"

#define BEACON_RING 16

/* struct scan_tracker.n of a SCAN_T_BEACON tracker. */
enum { BN_COUNT, BN_ALERTED };

struct beacon_ring {
    uint32_t start_ms[BEACON_RING]; /* since the tracker's first_usec */
    uint32_t bytes[BEACON_RING];
};
_Static_assert(sizeof(struct beacon_ring) <= SCAN_BITMAP_BITS / 8, "ring fits the bitmap");

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Quantile p of sorted v[0..n-1], linear interpolation. */
static double quantile(const double *v, int n, double p)
{
    double pos = p * (n - 1);
    int i = (int)pos;
    if (i >= n - 1)
        return v[n - 1];
    return v[i] + (pos - i) * (v[i + 1] - v[i]);
}

/* RITA's two scores of one series: symmetry (Bowley) and dispersion
 * (median absolute deviation over the median), each clamped to [0, 1];
 * returns their mean, the dispersion score in *disp. */
static double series_score(double *v, int n, double *median_out, double *disp)
{
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    double q1 = quantile(v, n, 0.25), q2 = quantile(v, n, 0.5), q3 = quantile(v, n, 0.75);
    double skew = 0.0;
    if (q3 - q1 > 0 && q2 != q1 && q2 != q3)
        skew = (q1 + q3 - 2 * q2) / (q3 - q1);
    double dev[BEACON_RING];
    for (int i = 0; i < n; i++)
        dev[i] = v[i] > q2 ? v[i] - q2 : q2 - v[i];
    qsort(dev, (size_t)n, sizeof *dev, cmp_double);
    double mad = quantile(dev, n, 0.5);
    double ratio = q2 > 0 ? mad / q2 : (mad > 0 ? 1.0 : 0.0);
    double s_skew = 1.0 - (skew < 0 ? -skew : skew);
    double s_mad = 1.0 - ratio;
    if (s_mad < 0)
        s_mad = 0;
    if (s_skew < 0)
        s_skew = 0;
    if (median_out)
        *median_out = q2;
    if (disp)
        *disp = s_mad;
    return (s_skew + s_mad) / 2;
}

double behaviour_beacon_score(const uint64_t *start_usec, const uint64_t *bytes, int n,
                              double *interval_sec, double *regularity, double *similarity)
{
    if (n < 3 || n > BEACON_RING)
        return 0.0;
    double t[BEACON_RING], iv[BEACON_RING], sz[BEACON_RING];
    for (int i = 0; i < n; i++)
        t[i] = (double)start_usec[i] / 1e6;
    qsort(t, (size_t)n, sizeof *t, cmp_double);
    for (int i = 1; i < n; i++)
        iv[i - 1] = t[i] - t[i - 1];
    for (int i = 0; i < n; i++)
        sz[i] = (double)bytes[i];
    double ts = series_score(iv, n - 1, interval_sec, regularity);
    double ds = series_score(sz, n, NULL, similarity);
    return (ts + ds) / 2;
}

static bool port_ignored(const struct behaviour_config *c, uint16_t port)
{
    for (uint32_t i = 0; i < c->beacon.ignore_port_count; i++)
        if (c->beacon.ignore_ports[i] == port)
            return true;
    return false;
}

void behaviour_beacon_conn(struct behaviour_ctx *c, struct flow *f, uint8_t proto,
                           const struct ip_address *src, const struct ip_address *dst,
                           uint16_t dport, uint64_t ts, uint64_t client_bytes)
{
    if (!c || !c->beacon || !c->cfg.beacon.enabled || behaviour_addr_is_group(dst) ||
        port_ignored(&c->cfg, dport) || client_bytes > c->cfg.beacon.max_bytes)
        return;
    c->stats.beacon_conns++;
    struct scan_key k;
    memset(&k, 0, sizeof k);
    k.type = SCAN_T_BEACON;
    k.proto = proto;
    k.port = dport;
    k.src = *src;
    k.other = *dst;
    /* The store is this worker's own: its lock is never contended (taken
     * for the stats reader only). */
    struct behaviour_store *bs = c->beacon;
    pthread_mutex_lock(&bs->lock);
    struct scan_tracker *t = behaviour_tracker_get(bs, &k, ts);
    if (!t) {
        pthread_mutex_unlock(&bs->lock);
        return;
    }
    struct beacon_ring *r = (struct beacon_ring *)t->bits;
    if (t->first_usec == 0 || ts < t->first_usec ||
        ts - t->first_usec > (uint64_t)UINT32_MAX * 1000ull) {
        /* New, or out of the ring's time range: start over. */
        memset(t->n, 0, sizeof t->n);
        t->first_usec = ts ? ts : 1;
    }
    if (ts > t->last_usec)
        t->last_usec = ts;
    uint32_t slot = t->n[BN_COUNT] % BEACON_RING;
    r->start_ms[slot] = (uint32_t)((ts - t->first_usec) / 1000);
    r->bytes[slot] = client_bytes > UINT32_MAX ? UINT32_MAX : (uint32_t)client_bytes;
    t->n[BN_COUNT]++;
    if (t->n[BN_ALERTED] || t->n[BN_COUNT] < c->cfg.beacon.min_connections) {
        pthread_mutex_unlock(&bs->lock);
        return;
    }
    int n = t->n[BN_COUNT] < BEACON_RING ? (int)t->n[BN_COUNT] : BEACON_RING;
    uint64_t st[BEACON_RING], by[BEACON_RING];
    for (int i = 0; i < n; i++) {
        st[i] = (uint64_t)r->start_ms[i] * 1000ull;
        by[i] = r->bytes[i];
    }
    double interval, regular, similar;
    double score = behaviour_beacon_score(st, by, n, &interval, &regular, &similar);
    /* The dispersion scores decide: Bowley's skewness of 10-16 samples
     * is too noisy to gate on (a +-20 % jitter gives 0.57-0.94), it is
     * part of the reported score only. */
    bool raise = regular >= c->cfg.beacon.min_score && similar >= c->cfg.beacon.min_score &&
                 interval >= c->cfg.beacon.min_interval_sec &&
                 interval <= c->cfg.beacon.max_interval_sec;
    if (raise)
        t->n[BN_ALERTED] = 1;
    uint32_t count = t->n[BN_COUNT];
    pthread_mutex_unlock(&bs->lock);
    if (!raise)
        return;
    c->stats.beacon_alerts++;
    char conns[16], iv[24], sc[16], jt[16], rg[16];
    snprintf(conns, sizeof conns, "%u", count);
    snprintf(iv, sizeof iv, "%.1f", interval);
    snprintf(sc, sizeof sc, "%.2f", score);
    snprintf(rg, sizeof rg, "%.2f", regular);
    snprintf(jt, sizeof jt, "%.2f", similar);
    const char *meta[] = {"beacon_connections", conns, "beacon_interval_sec", iv,
                          "beacon_score", sc, "beacon_regularity", rg,
                          "beacon_size_similarity", jt, NULL};
    struct builtin_alert a = {
        .gid = BEHAVIOUR_GID_BEACON,
        .sid = BEHAVIOUR_SID_BEACON,
        .rev = 1,
        .signature = "VIGIL BEACON periodic small connections from one host to one "
                     "destination (command and control)",
        .category = "A Network Trojan was detected",
        .severity = 2,
        .direction = 0,
        .metadata = meta,
    };
    if (c->alert)
        c->alert(c->alert_user, f, &a);
}

void behaviour_beacon_flow_end(struct behaviour_ctx *b, struct flow *f)
{
    if (!b->beacon)
        return;
    /* A real exchange: a TCP session the server accepted, or UDP with a
     * reply (probes belong to the scan detector). */
    if (f->key.proto == 6) {
        if (!(f->tcp_flags_toserver & TCP_FLAG_SYN) || !(f->tcp_flags_toclient & TCP_FLAG_SYN) ||
            !(f->tcp_flags_toclient & TCP_FLAG_ACK))
            return;
    } else if (f->key.proto != 17 || f->pkts_toclient == 0) {
        return;
    }
    behaviour_beacon_conn(b, f, f->key.proto, &f->key.src, &f->key.dst, f->key.dst_port,
                          f->start_usec, f->bytes_toserver);
}
