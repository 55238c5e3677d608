/* SPDX-License-Identifier: Apache-2.0 */
/* Telecom and payment fraud (issue 15), from the SIP and ISO 8583
 * transactions (docs/behaviour.md):
 *
 * SIP fraud, gid 7300, per source (the sender of a request, whichever
 * flow and worker carries it):
 *   1  registration brute force: failed REGISTER/INVITE (final responses
 *      400-699 to them, the 401/407 challenges included) reach
 *      behaviour.sip.failures within behaviour.sip.window;
 *   2  scanning: failed REGISTER/INVITE/OPTIONS for behaviour.sip.scan-users
 *      distinct target users (To) within the window;
 *   3  toll fraud: an INVITE to a number that starts with one of
 *      behaviour.sip.toll-prefixes from a new source (first request seen
 *      less than behaviour.sip.new-source seconds ago, and not within the
 *      first behaviour.sip.learning seconds of SIP traffic, whose sources
 *      are known);
 *   4  a long call from a new source: an answered INVITE (200 with CSeq
 *      INVITE) whose BYE comes more than behaviour.sip.long-call seconds
 *      later (calls are tracked by Call-ID).
 * Payment fraud, gid 7303, per terminal (field 41 and the acquirer host):
 *   1  a burst of declines: responses whose response code is not an
 *      approval reach behaviour.iso8583.declines within the window;
 *   2  card testing: authorisation or financial requests for at most
 *      behaviour.iso8583.small-amount (minor units) with
 *      behaviour.iso8583.cards distinct card numbers (keyed hashes: the
 *      numbers themselves are never kept) within the window.
 * Each sid alerts once per source/terminal and window. The state is one
 * table shared by the workers (a mutex taken only for SIP and ISO 8583
 * transactions), of behaviour.fraud-entries entries allocated at start:
 * a full neighbourhood reuses its least recently touched entry (counted). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/app.h"
#include "app/app_iso8583.h"
#include "app/app_sip.h"
#include "behaviour/behaviour_internal.h"
#include "flow/flow.h"

enum { FRAUD_K_SIP_SOURCE = 1, FRAUD_K_SIP_CALL, FRAUD_K_TERMINAL };

#define FRAUD_PROBE 8 /* entries looked at per key */

struct fraud_entry {
    uint64_t key;                /* 0: free */
    uint64_t first_usec;         /* first seen (a source's age) */
    uint64_t last_usec;
    uint64_t win_usec;           /* the current window's start */
    uint32_t count;              /* failures / declines in the window */
    uint32_t distinct;           /* distinct users / cards in the window */
    uint64_t bits[4];            /* hashed users / cards (only under-counts) */
    uint8_t alerted;             /* bit per sid, this window */
    bool is_new;                 /* a call: from a new source */
};

struct fraud_table {
    pthread_mutex_t lock;
    struct fraud_entry *e;
    uint32_t mask;
    uint64_t sip_start;          /* the first SIP message's time: learning starts */
};

static uint64_t fraud_hash(uint8_t kind, const void *a, size_t an, const void *b, size_t bn)
{
    uint64_t h = 1469598103934665603ull ^ kind;
    const uint8_t *p = a;
    for (size_t i = 0; i < an; i++)
        h = (h ^ p[i]) * 1099511628211ull;
    h = (h ^ 0xff) * 1099511628211ull;
    p = b;
    for (size_t i = 0; i < bn; i++)
        h = (h ^ p[i]) * 1099511628211ull;
    h ^= h >> 29;
    return h ? h : 1;
}

struct fraud_table *behaviour_fraud_new(const struct behaviour_config *c, uint64_t *memuse)
{
    if (!c->enabled || !(c->sip.enabled || c->iso8583.enabled))
        return NULL;
    struct fraud_table *t = calloc(1, sizeof *t);
    if (!t)
        return NULL;
    uint32_t n = 64;
    while (n < c->fraud_entries && n < (1u << 24))
        n <<= 1;
    t->e = calloc(n, sizeof *t->e);
    if (!t->e || pthread_mutex_init(&t->lock, NULL) != 0) {
        free(t->e);
        free(t);
        return NULL;
    }
    t->mask = n - 1;
    *memuse += sizeof *t + (uint64_t)n * sizeof *t->e;
    return t;
}

void behaviour_fraud_free(struct fraud_table *t)
{
    if (!t)
        return;
    pthread_mutex_destroy(&t->lock);
    free(t->e);
    free(t);
}

/* The entry of key (lock held): found, a free one, or the least recently
 * touched of the neighbourhood, reset. *fresh: it was not there. */
static struct fraud_entry *fraud_get(struct behaviour_ctx *b, struct fraud_table *t, uint64_t key,
                                     uint64_t now, bool *fresh)
{
    struct fraud_entry *victim = NULL;
    for (uint32_t i = 0; i < FRAUD_PROBE; i++) {
        struct fraud_entry *e = &t->e[(key + i) & t->mask];
        if (e->key == key) {
            *fresh = false;
            return e;
        }
        if (!victim || (victim->key && (!e->key || e->last_usec < victim->last_usec)))
            victim = e;
    }
    if (victim->key)
        b->stats.fraud_evictions++;
    memset(victim, 0, sizeof *victim);
    victim->key = key;
    victim->first_usec = victim->last_usec = victim->win_usec = now ? now : 1;
    *fresh = true;
    return victim;
}

/* Starts a new window when the current one is over. */
static void fraud_window(struct fraud_entry *e, uint64_t now, uint64_t win)
{
    if (now >= e->win_usec + win) {
        e->win_usec = now;
        e->count = e->distinct = 0;
        memset(e->bits, 0, sizeof e->bits);
        e->alerted = 0;
    }
    if (now > e->last_usec)
        e->last_usec = now;
}

static bool fraud_add_distinct(struct fraud_entry *e, uint64_t h)
{
    unsigned bit = (unsigned)(h % 256);
    if (e->bits[bit / 64] & (1ull << (bit % 64)))
        return false;
    e->bits[bit / 64] |= 1ull << (bit % 64);
    e->distinct++;
    return true;
}

/* Marks sid alerted in the window; true the first time. */
static bool fraud_once(struct fraud_entry *e, unsigned sid)
{
    if (e->alerted & (1u << sid))
        return false;
    e->alerted |= (uint8_t)(1u << sid);
    return true;
}

static void fraud_alert(struct behaviour_ctx *b, struct flow *f, const struct app_tx *tx,
                        uint32_t gid, uint32_t sid, const char *sig, uint8_t direction,
                        const char *const *meta)
{
    struct builtin_alert a = {
        .gid = gid,
        .sid = sid,
        .rev = 1,
        .signature = sig,
        .category = gid == BEHAVIOUR_GID_SIP ? "Attempted User Privilege Gain"
                                             : "Potentially Bad Traffic",
        .severity = 2,
        .direction = direction,
        .metadata = meta,
        .tx = tx,
        .tx_id = app_tx_id(tx),
    };
    b->stats.fraud_alerts++;
    if (b->alert)
        b->alert(b->alert_user, f, &a);
}

static bool str_is(struct app_sip_str s, const char *v)
{
    size_t n = strlen(v);
    return s.len == n && strncasecmp(s.s, v, n) == 0;
}

/* A dialled number (the Request-URI's user, visual separators and a
 * leading '+' kept as they are) that starts with a configured prefix. */
static const char *toll_prefix(const struct behaviour_config *c, struct app_sip_str user)
{
    for (uint32_t i = 0; i < c->sip.toll_prefix_count; i++) {
        const char *p = c->sip.toll_prefixes[i];
        size_t n = strlen(p);
        if (n && user.len > n && memcmp(user.s, p, n) == 0)
            return p;
    }
    return NULL;
}

static void fraud_sip(struct behaviour_ctx *b, struct fraud_table *t, struct flow *f,
                      uint64_t now, const struct app_tx *tx, uint8_t dir)
{
    struct app_sip_info si;
    if (!app_sip_tx_info(tx, &si))
        return;
    const struct behaviour_config *c = &b->cfg;
    uint64_t win = (uint64_t)c->sip.window_sec * 1000000ull;
    uint64_t new_for = (uint64_t)c->sip.new_source_sec * 1000000ull;
    /* the request's sender: the flow's side that sent it, or that received the response */
    bool src_side = si.request ? dir == 0 : dir == 1;
    const struct ip_address *src = src_side ? &f->key.src : &f->key.dst;
    uint64_t skey = fraud_hash(FRAUD_K_SIP_SOURCE, src, sizeof *src, NULL, 0);
    char n1[16], n2[16], num[48], callid[80];
    const char *meta[12];
    unsigned fire = 0; /* bits of sids to raise */
    uint32_t counts[3] = {0, 0, 0};
    uint64_t dur = 0;
    const char *prefix = NULL;

    pthread_mutex_lock(&t->lock);
    bool fresh;
    if (!t->sip_start)
        t->sip_start = now ? now : 1;
    /* new: first seen after the learning period, and not long ago */
    uint64_t learnt = t->sip_start + (uint64_t)c->sip.learning_sec * 1000000ull;
    if (si.request) {
        struct fraud_entry *e = fraud_get(b, t, skey, now, &fresh);
        fraud_window(e, now, win);
        bool is_new = e->first_usec >= learnt && now < e->first_usec + new_for;
        if (str_is(si.method, "INVITE") && is_new && (prefix = toll_prefix(c, si.uri_user)) &&
            fraud_once(e, 3)) {
            fire |= 1u << 3;
            snprintf(num, sizeof num, "%.*s", (int)(si.uri_user.len < 40 ? si.uri_user.len : 40),
                     si.uri_user.s);
        }
    } else if (si.status >= 200 && si.call_id.len) {
        bool invite = str_is(si.cseq_method, "INVITE"), reg = str_is(si.cseq_method, "REGISTER");
        bool failed = si.status >= 400 && (invite || reg || str_is(si.cseq_method, "OPTIONS"));
        struct fraud_entry *e = fraud_get(b, t, skey, now, &fresh);
        fraud_window(e, now, win);
        if (failed) {
            b->stats.sip_failures++;
            if (invite || reg)
                e->count++;
            if (si.to_user.len)
                fraud_add_distinct(e, fraud_hash(0, si.to_user.s, si.to_user.len, NULL, 0));
            if (c->sip.failures && e->count >= c->sip.failures && fraud_once(e, 1)) {
                fire |= 1u << 1;
                counts[1] = e->count;
            }
            if (c->sip.scan_users && e->distinct >= c->sip.scan_users && fraud_once(e, 2)) {
                fire |= 1u << 2;
                counts[2] = e->distinct;
            }
        } else if (invite && si.status < 300 && c->sip.long_call_sec) {
            /* answered: the call starts (a repeated 200 keeps the first) */
            bool is_new = e->first_usec >= learnt && now < e->first_usec + new_for;
            uint64_t ckey = fraud_hash(FRAUD_K_SIP_CALL, si.call_id.s, si.call_id.len, src,
                                       sizeof *src);
            struct fraud_entry *ce = fraud_get(b, t, ckey, now, &fresh);
            if (fresh)
                ce->is_new = is_new;
        }
    }
    if (si.request && str_is(si.method, "BYE") && si.call_id.len && c->sip.long_call_sec) {
        /* either side may hang up: the call is keyed by its caller */
        for (int side = 0; side < 2 && !fire; side++) {
            const struct ip_address *caller = side ? &f->key.dst : &f->key.src;
            uint64_t ckey = fraud_hash(FRAUD_K_SIP_CALL, si.call_id.s, si.call_id.len, caller,
                                       sizeof *caller);
            struct fraud_entry *ce = NULL;
            for (uint32_t i = 0; i < FRAUD_PROBE; i++)
                if (t->e[(ckey + i) & t->mask].key == ckey)
                    ce = &t->e[(ckey + i) & t->mask];
            if (!ce)
                continue;
            dur = now > ce->first_usec ? now - ce->first_usec : 0;
            if (ce->is_new && dur > (uint64_t)c->sip.long_call_sec * 1000000ull)
                fire |= 1u << 4;
            ce->key = 0; /* the call is over */
            src = caller;
        }
        snprintf(callid, sizeof callid, "%.*s", (int)(si.call_id.len < 64 ? si.call_id.len : 64),
                 si.call_id.s);
    }
    pthread_mutex_unlock(&t->lock);
    if (!fire)
        return;
    uint8_t adir = src_side ? 0 : 1;
    static const char *const sig12[3][2] = {
        {NULL, NULL},
        {"sip_failures", "VIGIL SIP registration brute force (many failed REGISTER/INVITE from "
                         "one source)"},
        {"sip_users", "VIGIL SIP scanning (failed requests for many users from one source)"},
    };
    for (unsigned sid = 1; sid <= 2; sid++) {
        if (!(fire & (1u << sid)))
            continue;
        snprintf(n1, sizeof n1, "%u", counts[sid]);
        snprintf(n2, sizeof n2, "%u", c->sip.window_sec);
        const char *m[] = {"detector", "sip-fraud", sig12[sid][0], n1, "window_sec", n2, NULL};
        fraud_alert(b, f, tx, BEHAVIOUR_GID_SIP, sid, sig12[sid][1], adir, m);
    }
    if (fire & (1u << 3)) {
        const char *m[] = {"detector", "sip-fraud", "sip_number", num, "sip_prefix", prefix, NULL};
        fraud_alert(b, f, tx, BEHAVIOUR_GID_SIP, 3,
                    "VIGIL SIP toll fraud (INVITE to a premium or international number from a new "
                    "source)",
                    adir, m);
    }
    if (fire & (1u << 4)) {
        snprintf(n1, sizeof n1, "%llu", (unsigned long long)(dur / 1000000ull));
        meta[0] = "detector";
        meta[1] = "sip-fraud";
        meta[2] = "call_duration_sec";
        meta[3] = n1;
        meta[4] = "sip_call_id";
        meta[5] = callid;
        meta[6] = NULL;
        fraud_alert(b, f, tx, BEHAVIOUR_GID_SIP, 4,
                    "VIGIL SIP unusually long call from a new source", dir, meta);
    }
}

static void fraud_iso8583(struct behaviour_ctx *b, struct fraud_table *t, struct flow *f,
                          uint64_t now, const struct app_tx *tx, uint8_t dir)
{
    struct app_iso8583_info ii;
    if (!app_iso8583_tx_info(tx, &ii) || !ii.terminal_id[0])
        return;
    const struct behaviour_config *c = &b->cfg;
    uint64_t win = (uint64_t)c->iso8583.window_sec * 1000000ull;
    /* the acquirer host: the side that receives the requests */
    bool to_server = ii.request ? dir == 0 : dir == 1;
    const struct ip_address *host = to_server ? &f->key.dst : &f->key.src;
    uint64_t key = fraud_hash(FRAUD_K_TERMINAL, ii.terminal_id, strlen(ii.terminal_id), host,
                              sizeof *host);
    bool decline = !ii.request && ii.response_code[0] && !app_iso8583_approved(ii.response_code) &&
                   (ii.mti[1] == '1' || ii.mti[1] == '2');
    bool small = ii.request && (ii.mti[1] == '1' || ii.mti[1] == '2') && ii.has_amount &&
                 ii.amount <= c->iso8583.small_amount && ii.pan_hash;
    if (!decline && !small)
        return;
    unsigned fire = 0;
    uint32_t count = 0, cards = 0;
    pthread_mutex_lock(&t->lock);
    bool fresh;
    struct fraud_entry *e = fraud_get(b, t, key, now, &fresh);
    fraud_window(e, now, win);
    if (decline) {
        b->stats.iso8583_declines++;
        e->count++;
        if (c->iso8583.declines && e->count >= c->iso8583.declines && fraud_once(e, 1)) {
            fire |= 1u << 1;
            count = e->count;
        }
    }
    if (small) {
        fraud_add_distinct(e, ii.pan_hash);
        if (c->iso8583.cards && e->distinct >= c->iso8583.cards && fraud_once(e, 2)) {
            fire |= 1u << 2;
            cards = e->distinct;
        }
    }
    pthread_mutex_unlock(&t->lock);
    char n1[16], n2[16], n3[24];
    snprintf(n2, sizeof n2, "%u", c->iso8583.window_sec);
    if (fire & (1u << 1)) {
        snprintf(n1, sizeof n1, "%u", count);
        const char *m[] = {"detector", "iso8583-fraud", "terminal_id", ii.terminal_id,
                           "declines", n1, "window_sec", n2, "response_code", ii.response_code,
                           NULL};
        fraud_alert(b, f, tx, BEHAVIOUR_GID_ISO8583, 1,
                    "VIGIL ISO8583 burst of declined transactions from one terminal", dir, m);
    }
    if (fire & (1u << 2)) {
        snprintf(n1, sizeof n1, "%u", cards);
        snprintf(n3, sizeof n3, "%u", c->iso8583.small_amount);
        const char *m[] = {"detector", "iso8583-fraud", "terminal_id", ii.terminal_id,
                           "distinct_cards", n1, "window_sec", n2, "small_amount", n3,
                           "pan_example_masked", ii.pan_masked, NULL};
        fraud_alert(b, f, tx, BEHAVIOUR_GID_ISO8583, 2,
                    "VIGIL ISO8583 card testing (small authorisations with many cards from one "
                    "terminal)",
                    dir, m);
    }
}

void behaviour_fraud_tx(struct behaviour_ctx *b, struct flow *f, uint64_t ts,
                        const struct app_tx *tx, uint8_t direction)
{
    struct fraud_table *t = b->store ? b->store->fraud : NULL;
    if (!t)
        return;
    /* per-message transactions: once, in the direction the message went */
    int d = app_tx_direction(tx);
    if (d >= 0 && d != (direction & 1))
        return;
    uint16_t proto = app_tx_proto(tx);
    if (proto == APP_PROTO_SIP && b->cfg.sip.enabled)
        fraud_sip(b, t, f, ts, tx, direction & 1);
    else if (proto == APP_PROTO_ISO8583 && b->cfg.iso8583.enabled)
        fraud_iso8583(b, t, f, ts, tx, direction & 1);
}
