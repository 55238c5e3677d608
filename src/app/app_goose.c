/* SPDX-License-Identifier: Apache-2.0 */
/* IEC 61850-8-1 GOOSE (Ethertype 0x88b8) and IEC 61850-9-2 Sampled Values
 * (0x88ba), parsed at layer 2 outside flows (app_layer_handle_l2).
 *
 * GOOSE: the header (APPID, length, reserved words with the Ed. 2
 * simulation bit) and the goosePdu (gocbRef, timeAllowedtoLive, datSet,
 * goID, t, stNum, sqNum, simulation/test, confRev, ndsCom,
 * numDatSetEntries, allData count). Each publisher (source MAC, APPID,
 * gocbRef) is tracked in a per-worker table so that the sequence of its
 * messages is checked: a jump of stNum (state changes missed), a stNum that
 * goes back (replay or a forged publisher), a gap or repeat of sqNum within
 * a state, an sqNum not restarted on a state change, a message later than
 * the previous one's timeAllowedtoLive (and, by the timer, a publisher
 * silent past it), a changed confRev, and the simulation flag being set.
 * Each is an app-layer event ("goose.<name>", EVE anomaly).
 *
 * Sampled Values: the savPdu (noASDU, and per ASDU svID, datSet, smpCnt,
 * confRev, smpSynch, smpRate); streams (source MAC, APPID, svID) are
 * tracked for smpCnt continuity, confRev changes and loss of
 * synchronisation. At 4000+ frames a second per stream, an EVE "sv" event
 * is written for a stream's first frame and for frames with an event, not
 * for every frame (app-layer.protocols.sv.log-all: yes logs every frame).
 *
 * One transaction and EVE "goose" event per GOOSE frame (vigil's shape,
 * ../shared/pcaps/README.md). Limits: publisher/stream table bounded by
 * app-layer.l2.memcap (least recently seen entries are evicted); BER
 * elements read within the frame; strings kept up to 129 bytes (the
 * longest IEC 61850 object reference); at most GOOSE_MAX_DEPTH of nesting
 * counted in allData. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "app/app_baseline.h"
#include "app/app_ber.h"
#include "app/app_parser.h"
#include "app/app_pdu.h"
#include "decode/packet.h"
#include "util/json.h"

#define GOOSE_STR_MAX 129u
#define GOOSE_HEADER 8u
#define SV_MAX_ASDU 8u
#define L2_TABLE_MIN 64u

enum goose_event {
    GOOSE_EV_MALFORMED = 0,   /* header or PDU that does not decode */
    GOOSE_EV_LENGTH_MISMATCH, /* length field and frame disagree */
    GOOSE_EV_TRUNCATED,       /* PDU cut short */
    GOOSE_EV_STNUM_JUMP,
    GOOSE_EV_STNUM_ROLLBACK,
    GOOSE_EV_SQNUM_GAP,
    GOOSE_EV_SQNUM_REPLAY,
    GOOSE_EV_SQNUM_NOT_RESET,
    GOOSE_EV_TTL_EXPIRED,
    GOOSE_EV_CONFREV_CHANGED,
    GOOSE_EV_SIMULATION,
    GOOSE_EV_COUNT,
};
static const char *const goose_event_names[GOOSE_EV_COUNT + 1] = {
    "malformed",    "length_mismatch", "truncated",       "stnum_jump",
    "stnum_rollback", "sqnum_gap",     "sqnum_replay",    "sqnum_not_reset",
    "ttl_expired",  "confrev_changed", "simulation",
};

enum sv_event {
    SV_EV_MALFORMED = 0,
    SV_EV_LENGTH_MISMATCH,
    SV_EV_SMPCNT_GAP,
    SV_EV_CONFREV_CHANGED,
    SV_EV_SYNC_LOST,
    SV_EV_SIMULATION,
    SV_EV_COUNT,
};
static const char *const sv_event_names[SV_EV_COUNT + 1] = {
    "malformed", "length_mismatch", "smpcnt_gap", "confrev_changed", "sync_lost", "simulation",
};

struct goose_str {
    uint8_t len;
    bool present;
    char s[GOOSE_STR_MAX + 1];
};

struct goose_tx {
    struct app_tx base;
    uint32_t events;
    uint16_t appid, length;
    bool sim_bit;        /* reserved 1 bit 15 (Ed. 2 simulation) */
    struct goose_str gocbref, datset, goid;
    bool has_ttl, has_t, has_stnum, has_sqnum, has_test, has_confrev, has_ndscom, has_entries;
    uint32_t ttl;        /* ms */
    uint8_t t[8];
    uint32_t stnum, sqnum, confrev, entries;
    bool test, ndscom;
    uint32_t ndata;      /* allData elements */
    uint8_t src[6], dst[6];
    bool has_mac;
};

struct sv_asdu {
    struct goose_str svid, datset;
    bool has_smpcnt, has_confrev, has_synch, has_rate;
    uint16_t smpcnt, rate;
    uint32_t confrev;
    uint8_t synch;
};

struct sv_tx {
    struct app_tx base;
    uint32_t events;
    uint16_t appid, length;
    bool sim_bit;
    uint32_t no_asdu;
    uint8_t nasdu;
    struct sv_asdu asdu[SV_MAX_ASDU];
    uint8_t src[6], dst[6];
    bool has_mac;
};

/* A publisher (GOOSE) or stream (SV). */
struct l2_entry {
    bool used;
    bool ttl_reported;
    uint8_t mac[6];
    uint16_t appid;
    uint8_t name_len;
    char name[GOOSE_STR_MAX + 1]; /* gocbRef or svID */
    uint64_t hash;
    uint64_t last_usec;
    uint32_t a, b;     /* GOOSE stNum/sqNum; SV smpCnt/- */
    uint32_t ttl_ms;
    uint32_t confrev;
    bool flag;         /* GOOSE simulation seen / SV synchronised */
    bool has_cand;     /* GOOSE: the last rejected (replayed/rolled back) message */
    uint32_t cand_st, cand_sq;
};

struct l2_table {
    struct l2_entry *e;
    uint32_t cap, count, max_cap;
    uint64_t evictions;
};

struct goose_state {
    struct app_layer_thread_ctx *thread;
    struct l2_table table;
    uint64_t next_id;
    bool sv;
    bool sv_log_all;
    union {
        struct goose_tx goose;
        struct sv_tx sv;
    } cur;
};

/* ---------- publisher table ---------- */

static uint64_t l2_hash(const uint8_t *mac, uint16_t appid, const char *name, size_t n)
{
    uint64_t h = 0xcbf29ce484222325ull;
    for (int i = 0; i < 6; i++)
        h = (h ^ mac[i]) * 0x100000001b3ull;
    h = (h ^ appid) * 0x100000001b3ull;
    for (size_t i = 0; i < n; i++)
        h = (h ^ (uint8_t)name[i]) * 0x100000001b3ull;
    return h | 1;
}

static bool l2_table_grow(struct goose_state *st)
{
    struct l2_table *t = &st->table;
    uint32_t cap = t->cap ? t->cap * 2 : L2_TABLE_MIN;
    if (cap > t->max_cap)
        return false;
    if (!app_thread_memory_reserve(st->thread, (size_t)cap * sizeof(struct l2_entry)))
        return false;
    struct l2_entry *n = calloc(cap, sizeof(*n));
    if (!n) {
        app_thread_memory_release(st->thread, (size_t)cap * sizeof(struct l2_entry));
        return false;
    }
    for (uint32_t i = 0; i < t->cap; i++) {
        if (!t->e[i].used)
            continue;
        uint32_t k = (uint32_t)(t->e[i].hash & (cap - 1));
        while (n[k].used)
            k = (k + 1) & (cap - 1);
        n[k] = t->e[i];
    }
    if (t->e) {
        free(t->e);
        app_thread_memory_release(st->thread, (size_t)t->cap * sizeof(struct l2_entry));
    }
    t->e = n;
    t->cap = cap;
    return true;
}

/* Removes slot i from the linear-probing table (backward shift). */
static void l2_table_remove(struct l2_table *t, uint32_t i)
{
    uint32_t mask = t->cap - 1;
    t->e[i].used = false;
    t->count--;
    uint32_t j = i;
    for (;;) {
        j = (j + 1) & mask;
        if (!t->e[j].used)
            return;
        uint32_t home = (uint32_t)(t->e[j].hash & mask);
        /* Move j back to i if its home is not in (i, j]. */
        bool between = i <= j ? (home > i && home <= j) : (home > i || home <= j);
        if (!between) {
            t->e[i] = t->e[j];
            t->e[j].used = false;
            i = j;
        }
    }
}

/* Finds or creates the entry; *created tells which. NULL if no room. */
static struct l2_entry *l2_lookup(struct goose_state *st, const uint8_t *mac, uint16_t appid,
                                  const char *name, uint8_t name_len, uint64_t now,
                                  bool *created)
{
    struct l2_table *t = &st->table;
    *created = false;
    uint64_t h = l2_hash(mac, appid, name, name_len);
    if (t->cap) {
        uint32_t mask = t->cap - 1;
        for (uint32_t k = (uint32_t)(h & mask);; k = (k + 1) & mask) {
            struct l2_entry *e = &t->e[k];
            if (!e->used)
                break;
            if (e->hash == h && e->appid == appid && e->name_len == name_len &&
                memcmp(e->mac, mac, 6) == 0 && memcmp(e->name, name, name_len) == 0)
                return e;
        }
    }
    if ((uint64_t)(t->count + 1) * 4 > (uint64_t)t->cap * 3 && !l2_table_grow(st)) {
        if (!t->cap)
            return NULL;
        /* Full at the memcap: the least recently seen entry goes. */
        uint32_t old = 0;
        for (uint32_t i = 0; i < t->cap; i++)
            if (t->e[i].used && (!t->e[old].used || t->e[i].last_usec < t->e[old].last_usec))
                old = i;
        l2_table_remove(t, old);
        t->evictions++;
    }
    uint32_t mask = t->cap - 1;
    uint32_t k = (uint32_t)(h & mask);
    while (t->e[k].used)
        k = (k + 1) & mask;
    struct l2_entry *e = &t->e[k];
    memset(e, 0, sizeof(*e));
    e->used = true;
    e->hash = h;
    memcpy(e->mac, mac, 6);
    e->appid = appid;
    e->name_len = name_len;
    memcpy(e->name, name, name_len);
    e->last_usec = now;
    t->count++;
    *created = true;
    return e;
}

/* ---------- GOOSE ---------- */

static void goose_event(struct goose_state *st, struct app_parse_ctx *ctx, struct goose_tx *tx,
                        enum goose_event e)
{
    if (tx->events & (1u << e))
        return;
    tx->events |= 1u << e;
    app_parser_anomaly(ctx, APP_PROTO_GOOSE, goose_event_names[e]);
    (void)st;
}

static void goose_str(struct goose_str *s, const uint8_t *v, uint32_t n)
{
    s->present = true;
    s->len = (uint8_t)(n > GOOSE_STR_MAX ? GOOSE_STR_MAX : n);
    memcpy(s->s, v, s->len);
    s->s[s->len] = 0;
}

static bool goose_u32(const struct ber_tlv *t, uint32_t *out)
{
    uint64_t v;
    if (!ber_uint(t->val, t->len, &v) || v > UINT32_MAX)
        return false;
    *out = (uint32_t)v;
    return true;
}

static void goose_log_body(const void *object, struct json_writer *w);
static void sv_log_body(const void *object, struct json_writer *w);

static void l2_frame_head(const struct app_parse_ctx *ctx, uint8_t *src, uint8_t *dst,
                          bool *has_mac)
{
    const struct packet *p = ctx->packet;
    *has_mac = p && p->ethernet;
    if (*has_mac) {
        memcpy(dst, p->ethernet, 6);
        memcpy(src, p->ethernet + 6, 6);
    }
}

/* The sequence checks of a publisher's new message. */
static void goose_track(struct goose_state *st, struct app_parse_ctx *ctx, struct goose_tx *tx)
{
    if (!tx->has_stnum || !tx->has_sqnum || !tx->gocbref.present)
        return;
    static const uint8_t zero[6];
    const uint8_t *mac = tx->has_mac ? tx->src : zero;
    bool created;
    struct l2_entry *e = l2_lookup(st, mac, tx->appid, tx->gocbref.s, tx->gocbref.len,
                                   ctx->ts_usec, &created);
    if (!e)
        return;
    if (!created && e->has_cand && tx->stnum == e->cand_st && tx->sqnum == e->cand_sq + 1) {
        /* The rejected message started a new sequence (the publisher
         * restarted, or a replay goes on): follow it, reported once. */
        e->a = e->cand_st;
        e->b = e->cand_sq;
    }
    e->has_cand = false;
    if (!created) {
        uint32_t st0 = e->a, sq0 = e->b;
        if (tx->stnum == st0) {
            if (tx->sqnum <= sq0 && !(sq0 >= 0xfffffff0u && tx->sqnum <= 1))
                goose_event(st, ctx, tx, GOOSE_EV_SQNUM_REPLAY);
            else if (tx->sqnum > sq0 + 1)
                goose_event(st, ctx, tx, GOOSE_EV_SQNUM_GAP);
        } else if (tx->stnum > st0 || (st0 >= 0xfffffff0u && tx->stnum <= 16)) {
            uint32_t step = tx->stnum - st0;
            if (step > 1 && tx->stnum > st0)
                goose_event(st, ctx, tx, GOOSE_EV_STNUM_JUMP);
            if (tx->sqnum > 1)
                goose_event(st, ctx, tx, GOOSE_EV_SQNUM_NOT_RESET);
        } else {
            goose_event(st, ctx, tx, GOOSE_EV_STNUM_ROLLBACK);
        }
        if (e->ttl_ms && ctx->ts_usec > e->last_usec &&
            ctx->ts_usec - e->last_usec > (uint64_t)e->ttl_ms * 1000u && !e->ttl_reported)
            goose_event(st, ctx, tx, GOOSE_EV_TTL_EXPIRED);
        if (tx->has_confrev && tx->confrev != e->confrev)
            goose_event(st, ctx, tx, GOOSE_EV_CONFREV_CHANGED);
    }
    bool sim = (tx->has_test && tx->test) || tx->sim_bit;
    if (sim && (created || !e->flag))
        goose_event(st, ctx, tx, GOOSE_EV_SIMULATION);
    e->flag = sim;
    /* A rolled-back or replayed message does not move the publisher back. */
    if (!(tx->events & ((1u << GOOSE_EV_STNUM_ROLLBACK) | (1u << GOOSE_EV_SQNUM_REPLAY)))) {
        e->a = tx->stnum;
        e->b = tx->sqnum;
    } else {
        e->has_cand = true;
        e->cand_st = tx->stnum;
        e->cand_sq = tx->sqnum;
    }
    e->ttl_ms = tx->has_ttl ? tx->ttl : 0;
    e->confrev = tx->confrev;
    e->last_usec = ctx->ts_usec;
    e->ttl_reported = false;
    app_baseline_goose(ctx, mac, tx->appid, tx->gocbref.s, tx->gocbref.len,
                       (tx->events & (1u << GOOSE_EV_STNUM_ROLLBACK)) != 0, &tx->base);
}

static struct app_tx *goose_frame(void *state, struct app_parse_ctx *ctx, const uint8_t *d,
                                  uint32_t n)
{
    struct goose_state *st = state;
    struct goose_tx *tx = &st->cur.goose;
    memset(tx, 0, sizeof(*tx));
    tx->base.parser = &app_parser_goose;
    tx->base.id = st->next_id++;
    app_parser_count_tx(ctx, APP_PROTO_GOOSE);
    l2_frame_head(ctx, tx->src, tx->dst, &tx->has_mac);
    if (n < GOOSE_HEADER) {
        goose_event(st, ctx, tx, GOOSE_EV_MALFORMED);
        goto log;
    }
    tx->appid = app_rd16be(d);
    tx->length = app_rd16be(d + 2);
    tx->sim_bit = (d[4] & 0x80) != 0;
    uint32_t len = tx->length;
    if (len < GOOSE_HEADER || len > n) {
        goose_event(st, ctx, tx, GOOSE_EV_LENGTH_MISMATCH);
        len = n;
    }
    const uint8_t *p = d + GOOSE_HEADER;
    uint32_t pn = len - GOOSE_HEADER;
    /* goosePdu [APPLICATION 1]; read leniently when cut short. */
    if (pn < 2 || p[0] != 0x61) {
        goose_event(st, ctx, tx, GOOSE_EV_MALFORMED);
        goto log;
    }
    uint32_t hl = 2, cl = p[1];
    if (p[1] & 0x80) {
        uint32_t k = p[1] & 0x7f;
        if (k == 0 || k > 4 || 2 + k > pn) {
            goose_event(st, ctx, tx, GOOSE_EV_MALFORMED);
            goto log;
        }
        cl = 0;
        for (uint32_t i = 0; i < k; i++)
            cl = cl << 8 | p[2 + i];
        hl = 2 + k;
    }
    if (cl > pn - hl) {
        goose_event(st, ctx, tx, GOOSE_EV_TRUNCATED);
        cl = pn - hl;
    }
    const uint8_t *c = p + hl;
    uint32_t off = 0;
    while (off < cl) {
        struct ber_tlv t;
        if (ber_read(c + off, cl - off, &t) != 0) {
            goose_event(st, ctx, tx, GOOSE_EV_TRUNCATED);
            break;
        }
        if (t.cls == BER_CONTEXT) {
            switch (t.tag) {
            case 0: goose_str(&tx->gocbref, t.val, t.len); break;
            case 1: tx->has_ttl = goose_u32(&t, &tx->ttl); break;
            case 2: goose_str(&tx->datset, t.val, t.len); break;
            case 3: goose_str(&tx->goid, t.val, t.len); break;
            case 4:
                if (t.len == 8) {
                    tx->has_t = true;
                    memcpy(tx->t, t.val, 8);
                }
                break;
            case 5: tx->has_stnum = goose_u32(&t, &tx->stnum); break;
            case 6: tx->has_sqnum = goose_u32(&t, &tx->sqnum); break;
            case 7:
                tx->has_test = t.len == 1;
                tx->test = t.len == 1 && t.val[0] != 0;
                break;
            case 8: tx->has_confrev = goose_u32(&t, &tx->confrev); break;
            case 9:
                tx->has_ndscom = t.len == 1;
                tx->ndscom = t.len == 1 && t.val[0] != 0;
                break;
            case 10: tx->has_entries = goose_u32(&t, &tx->entries); break;
            case 11: {
                uint32_t o2 = 0;
                while (o2 < t.len) {
                    struct ber_tlv x;
                    if (ber_read(t.val + o2, t.len - o2, &x) != 0)
                        break;
                    tx->ndata++;
                    o2 += x.total;
                }
                break;
            }
            default:
                break;
            }
        }
        off += t.total;
    }
    if (tx->has_entries && tx->ndata != tx->entries && !(tx->events & (1u << GOOSE_EV_TRUNCATED)))
        goose_event(st, ctx, tx, GOOSE_EV_MALFORMED);
    goose_track(st, ctx, tx);
log:
    tx->base.logged = true;
    app_parser_log(ctx, "goose", 0, goose_log_body, tx);
    return &tx->base;
}

static void json_mac(struct json_writer *w, const char *key, const uint8_t *m);

struct goose_silence {
    const struct l2_entry *e;
    uint64_t silent_usec;
};

/* An "anomaly" event in Suricata's applayer shape (its schema allows no
 * protocol object there). */
static void goose_silence_anomaly(const void *object, struct json_writer *w)
{
    (void)object;
    json_key_string(w, "app_proto", "goose");
    json_key_object_begin(w, "anomaly");
    json_key_string(w, "app_proto", "goose");
    json_key_string(w, "type", "applayer");
    json_key_string(w, "event", goose_event_names[GOOSE_EV_TTL_EXPIRED]);
    json_key_string(w, "layer", "proto_parser");
    json_object_end(w);
}

/* The silent publisher, as a "goose" event: its last state, the event and
 * how long it has been silent. */
static void goose_silence_body(const void *object, struct json_writer *w)
{
    const struct goose_silence *g = object;
    json_key_object_begin(w, "goose");
    json_key_u64(w, "appid", g->e->appid);
    json_key_string_len(w, "gocb_ref", g->e->name, g->e->name_len);
    json_key_u64(w, "st_num", g->e->a);
    json_key_u64(w, "sq_num", g->e->b);
    json_key_u64(w, "time_allowed_to_live", g->e->ttl_ms);
    json_key_u64(w, "silent_ms", g->silent_usec / 1000u);
    json_key_array_begin(w, "events");
    json_write_string(w, goose_event_names[GOOSE_EV_TTL_EXPIRED]);
    json_array_end(w);
    json_mac(w, "src_mac", g->e->mac);
    json_object_end(w);
}

/* A publisher silent past its time allowed to live (the subscriber would
 * declare its data invalid): once per silence. */
static void goose_timeout(void *state, struct app_parse_ctx *ctx, uint64_t now)
{
    struct goose_state *st = state;
    struct l2_table *t = &st->table;
    for (uint32_t i = 0; i < t->cap; i++) {
        struct l2_entry *e = &t->e[i];
        if (!e->used || e->ttl_reported || !e->ttl_ms || now <= e->last_usec)
            continue;
        if (now - e->last_usec > (uint64_t)e->ttl_ms * 1000u) {
            e->ttl_reported = true;
            struct goose_silence g = {.e = e, .silent_usec = now - e->last_usec};
            app_parser_log(ctx, "anomaly", 0, goose_silence_anomaly, &g);
            app_parser_log(ctx, "goose", 0, goose_silence_body, &g);
        }
    }
}

static void *l2_state_new(struct app_parse_ctx *ctx, bool sv)
{
    if (!app_memory_reserve(ctx, sizeof(struct goose_state)))
        return NULL;
    struct goose_state *st = calloc(1, sizeof(*st));
    if (!st) {
        app_memory_release(ctx, sizeof(struct goose_state));
        return NULL;
    }
    st->thread = ctx->thread;
    st->sv = sv;
    const struct app_layer_config *cfg = app_parser_config(ctx);
    st->sv_log_all = cfg->sv_log_all;
    /* The table's share of the layer-2 memcap (GOOSE and SV each half),
     * as a power of two number of entries. */
    uint64_t max = cfg->l2_memcap / 2 / sizeof(struct l2_entry);
    uint32_t cap = L2_TABLE_MIN;
    while ((uint64_t)cap * 2 <= max && cap < (1u << 24))
        cap *= 2;
    st->table.max_cap = cap;
    return st;
}

static void *goose_state_new(struct app_parse_ctx *ctx)
{
    return l2_state_new(ctx, false);
}

static void *sv_state_new(struct app_parse_ctx *ctx)
{
    return l2_state_new(ctx, true);
}

static void l2_state_free(void *state)
{
    struct goose_state *st = state;
    if (!st)
        return;
    if (st->table.e) {
        free(st->table.e);
        app_thread_memory_release(st->thread, (size_t)st->table.cap * sizeof(struct l2_entry));
    }
    app_thread_memory_release(st->thread, sizeof(*st));
    free(st);
}

static void json_mac(struct json_writer *w, const char *key, const uint8_t *m)
{
    char b[18];
    snprintf(b, sizeof b, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
    json_key_string(w, key, b);
}

/* UtcTime: seconds (4), fraction of a second (3, binary), quality (1). */
static void goose_json_time(struct json_writer *w, const uint8_t *t)
{
    time_t sec = (time_t)app_rd32be(t);
    uint32_t frac = (uint32_t)t[4] << 16 | (uint32_t)t[5] << 8 | t[6];
    uint32_t ms = (uint32_t)(((uint64_t)frac * 1000u) >> 24);
    struct tm tm;
    char b[48];
    if (!gmtime_r(&sec, &tm))
        return;
    size_t k = strftime(b, sizeof b, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(b + k, sizeof b - k, ".%03uZ", ms);
    json_key_string(w, "t", b);
}

static void goose_tx_write_json(const struct app_tx *atx, struct json_writer *w)
{
    const struct goose_tx *tx = (const struct goose_tx *)atx;
    json_key_object_begin(w, "goose");
    json_key_u64(w, "appid", tx->appid);
    json_key_u64(w, "length", tx->length);
    if (tx->gocbref.present)
        json_key_string_len(w, "gocb_ref", tx->gocbref.s, tx->gocbref.len);
    if (tx->has_ttl)
        json_key_u64(w, "time_allowed_to_live", tx->ttl);
    if (tx->datset.present)
        json_key_string_len(w, "dat_set", tx->datset.s, tx->datset.len);
    if (tx->goid.present)
        json_key_string_len(w, "go_id", tx->goid.s, tx->goid.len);
    if (tx->has_t)
        goose_json_time(w, tx->t);
    if (tx->has_stnum)
        json_key_u64(w, "st_num", tx->stnum);
    if (tx->has_sqnum)
        json_key_u64(w, "sq_num", tx->sqnum);
    if (tx->has_test)
        json_key_bool(w, "simulation", tx->test);
    if (tx->sim_bit)
        json_key_bool(w, "simulation_bit", true);
    if (tx->has_confrev)
        json_key_u64(w, "conf_rev", tx->confrev);
    if (tx->has_ndscom)
        json_key_bool(w, "nds_com", tx->ndscom);
    if (tx->has_entries)
        json_key_u64(w, "num_dat_set_entries", tx->entries);
    json_key_u64(w, "all_data_count", tx->ndata);
    if (tx->events) {
        json_key_array_begin(w, "events");
        for (int e = 0; e < GOOSE_EV_COUNT; e++)
            if (tx->events & (1u << e))
                json_write_string(w, goose_event_names[e]);
        json_array_end(w);
    }
    if (tx->has_mac) {
        json_mac(w, "src_mac", tx->src);
        json_mac(w, "dst_mac", tx->dst);
    }
    json_object_end(w);
}

static void goose_log_body(const void *object, struct json_writer *w)
{
    goose_tx_write_json(object, w);
}

static bool goose_tx_has_event(const struct app_tx *atx, const char *name)
{
    const struct goose_tx *tx = (const struct goose_tx *)atx;
    for (int e = 0; e < GOOSE_EV_COUNT; e++)
        if ((tx->events & (1u << e)) && strcmp(goose_event_names[e], name) == 0)
            return true;
    return false;
}

static int goose_tx_get_buffer(const struct app_tx *atx, enum app_buffer buffer, uint32_t index,
                               const uint8_t **data, uint32_t *len)
{
    const struct goose_tx *tx = (const struct goose_tx *)atx;
    const struct goose_str *s = buffer == APP_BUFFER_GOOSE_GOCBREF ? &tx->gocbref
                                : buffer == APP_BUFFER_GOOSE_DATSET ? &tx->datset
                                : buffer == APP_BUFFER_GOOSE_GOID   ? &tx->goid
                                                                    : NULL;
    if (!s || !s->present || index)
        return -ENOENT;
    *data = (const uint8_t *)s->s;
    *len = s->len;
    return 0;
}

enum {
    GOOSE_F_APPID,
    GOOSE_F_STNUM,
    GOOSE_F_SQNUM,
    GOOSE_F_TTL,
    GOOSE_F_CONFREV,
    GOOSE_F_SIMULATION,
    GOOSE_F_NDSCOM,
    GOOSE_F_ENTRIES,
    GOOSE_F_COUNT,
};

static const struct app_uint_field goose_fields[GOOSE_F_COUNT] = {
    [GOOSE_F_APPID] = {"goose.appid", 3, 65535, NULL, false},
    [GOOSE_F_STNUM] = {"goose.stnum", 3, UINT32_MAX, NULL, false},
    [GOOSE_F_SQNUM] = {"goose.sqnum", 3, UINT32_MAX, NULL, false},
    [GOOSE_F_TTL] = {"goose.ttl", 3, UINT32_MAX, NULL, false},
    [GOOSE_F_CONFREV] = {"goose.confrev", 3, UINT32_MAX, NULL, false},
    [GOOSE_F_SIMULATION] = {"goose.simulation", 3, 1, NULL, false},
    [GOOSE_F_NDSCOM] = {"goose.ndscom", 3, 1, NULL, false},
    [GOOSE_F_ENTRIES] = {"goose.num_entries", 3, UINT32_MAX, NULL, false},
};

static int goose_tx_get_uint(const struct app_tx *atx, uint16_t field, uint32_t index, uint64_t *value,
                             const char **name)
{
    (void)name;
    const struct goose_tx *tx = (const struct goose_tx *)atx;
    if (index)
        return -ENOENT;
    bool ok = true;
    switch (field) {
    case GOOSE_F_APPID: *value = tx->appid; break;
    case GOOSE_F_STNUM: ok = tx->has_stnum; *value = tx->stnum; break;
    case GOOSE_F_SQNUM: ok = tx->has_sqnum; *value = tx->sqnum; break;
    case GOOSE_F_TTL: ok = tx->has_ttl; *value = tx->ttl; break;
    case GOOSE_F_CONFREV: ok = tx->has_confrev; *value = tx->confrev; break;
    case GOOSE_F_SIMULATION: *value = tx->test || tx->sim_bit; break;
    case GOOSE_F_NDSCOM: ok = tx->has_ndscom; *value = tx->ndscom; break;
    case GOOSE_F_ENTRIES: ok = tx->has_entries; *value = tx->entries; break;
    default: ok = false; break;
    }
    return ok ? 0 : -ENOENT;
}

const struct app_parser app_parser_goose = {
    .vigil_only = true,
    .proto = APP_PROTO_GOOSE,
    .name = "goose",
    .state_new = goose_state_new,
    .state_free = l2_state_free,
    .tx_get_buffer = goose_tx_get_buffer,
    .tx_write_json = goose_tx_write_json,
    .tx_has_event = goose_tx_has_event,
    .event_names = goose_event_names,
    .uint_fields = goose_fields,
    .n_uint_fields = GOOSE_F_COUNT,
    .tx_get_field_uint = goose_tx_get_uint,
    .ethertype = 0x88b8,
    .l2_frame = goose_frame,
    .l2_timeout = goose_timeout,
};

/* ---------- Sampled Values ---------- */

static void sv_event(struct app_parse_ctx *ctx, struct sv_tx *tx, enum sv_event e)
{
    if (tx->events & (1u << e))
        return;
    tx->events |= 1u << e;
    app_parser_anomaly(ctx, APP_PROTO_SV, sv_event_names[e]);
}

static void sv_asdu(struct sv_asdu *a, const uint8_t *d, uint32_t n)
{
    uint32_t off = 0;
    while (off < n) {
        struct ber_tlv t;
        if (ber_read(d + off, n - off, &t) != 0)
            return;
        if (t.cls == BER_CONTEXT) {
            uint32_t v;
            switch (t.tag) {
            case 0: goose_str(&a->svid, t.val, t.len); break;
            case 1: goose_str(&a->datset, t.val, t.len); break;
            case 2:
                if (t.len == 2) {
                    a->has_smpcnt = true;
                    a->smpcnt = app_rd16be(t.val);
                }
                break;
            case 3:
                if (t.len == 4) {
                    a->has_confrev = true;
                    a->confrev = app_rd32be(t.val);
                }
                break;
            case 5:
                if (t.len == 1) {
                    a->has_synch = true;
                    a->synch = t.val[0];
                }
                break;
            case 6:
                if (t.len == 2) {
                    a->has_rate = true;
                    a->rate = app_rd16be(t.val);
                }
                break;
            default:
                (void)v;
                break;
            }
        }
        off += t.total;
    }
}

static bool sv_track(struct goose_state *st, struct app_parse_ctx *ctx, struct sv_tx *tx,
                     const struct sv_asdu *a)
{
    if (!a->svid.present || !a->has_smpcnt)
        return false;
    static const uint8_t zero[6];
    bool created;
    struct l2_entry *e = l2_lookup(st, tx->has_mac ? tx->src : zero, tx->appid, a->svid.s,
                                   a->svid.len, ctx->ts_usec, &created);
    if (!e)
        return false;
    if (!created) {
        uint16_t want = (uint16_t)(e->a + 1);
        /* smpCnt wraps at the sample rate per second (or 65536); a restart
         * at 0 is no gap. */
        if (a->smpcnt != want && a->smpcnt != 0)
            sv_event(ctx, tx, SV_EV_SMPCNT_GAP);
        if (a->has_confrev && a->confrev != e->confrev)
            sv_event(ctx, tx, SV_EV_CONFREV_CHANGED);
        if (a->has_synch && e->flag && a->synch == 0)
            sv_event(ctx, tx, SV_EV_SYNC_LOST);
    }
    e->a = a->smpcnt;
    e->confrev = a->confrev;
    e->flag = a->has_synch && a->synch != 0;
    e->last_usec = ctx->ts_usec;
    return created;
}

static struct app_tx *sv_frame(void *state, struct app_parse_ctx *ctx, const uint8_t *d,
                               uint32_t n)
{
    struct goose_state *st = state;
    struct sv_tx *tx = &st->cur.sv;
    memset(tx, 0, sizeof(*tx));
    tx->base.parser = &app_parser_sv;
    tx->base.id = st->next_id++;
    app_parser_count_tx(ctx, APP_PROTO_SV);
    l2_frame_head(ctx, tx->src, tx->dst, &tx->has_mac);
    bool log = st->sv_log_all;
    if (n < GOOSE_HEADER) {
        sv_event(ctx, tx, SV_EV_MALFORMED);
        goto out;
    }
    tx->appid = app_rd16be(d);
    tx->length = app_rd16be(d + 2);
    tx->sim_bit = (d[4] & 0x80) != 0;
    uint32_t len = tx->length;
    if (len < GOOSE_HEADER || len > n) {
        sv_event(ctx, tx, SV_EV_LENGTH_MISMATCH);
        len = n;
    }
    struct ber_tlv pdu;
    if (ber_read(d + GOOSE_HEADER, len - GOOSE_HEADER, &pdu) != 0 || pdu.id != 0x60) {
        sv_event(ctx, tx, SV_EV_MALFORMED);
        goto out;
    }
    uint32_t off = 0;
    while (off < pdu.len) {
        struct ber_tlv t;
        if (ber_read(pdu.val + off, pdu.len - off, &t) != 0) {
            sv_event(ctx, tx, SV_EV_MALFORMED);
            break;
        }
        if (t.id == 0x80) {
            uint64_t v;
            if (ber_uint(t.val, t.len, &v) && v <= UINT32_MAX)
                tx->no_asdu = (uint32_t)v;
        } else if (t.id == 0xa2) {
            uint32_t o2 = 0;
            while (o2 < t.len) {
                struct ber_tlv a;
                if (ber_read(t.val + o2, t.len - o2, &a) != 0) {
                    sv_event(ctx, tx, SV_EV_MALFORMED);
                    break;
                }
                if (a.id == 0x30 && tx->nasdu < SV_MAX_ASDU)
                    sv_asdu(&tx->asdu[tx->nasdu++], a.val, a.len);
                o2 += a.total;
            }
        }
        off += t.total;
    }
    if (tx->sim_bit)
        sv_event(ctx, tx, SV_EV_SIMULATION);
    for (uint8_t i = 0; i < tx->nasdu; i++)
        if (sv_track(st, ctx, tx, &tx->asdu[i]))
            log = true; /* a new stream */
out:
    if (tx->events)
        log = true;
    tx->base.logged = true;
    if (log)
        app_parser_log(ctx, "sv", 0, sv_log_body, tx);
    return &tx->base;
}

static void sv_tx_write_json(const struct app_tx *atx, struct json_writer *w)
{
    const struct sv_tx *tx = (const struct sv_tx *)atx;
    json_key_object_begin(w, "sv");
    json_key_u64(w, "appid", tx->appid);
    json_key_u64(w, "length", tx->length);
    if (tx->sim_bit)
        json_key_bool(w, "simulation", true);
    json_key_u64(w, "no_asdu", tx->no_asdu);
    json_key_array_begin(w, "asdu");
    for (uint8_t i = 0; i < tx->nasdu; i++) {
        const struct sv_asdu *a = &tx->asdu[i];
        json_object_begin(w);
        if (a->svid.present)
            json_key_string_len(w, "sv_id", a->svid.s, a->svid.len);
        if (a->datset.present)
            json_key_string_len(w, "dat_set", a->datset.s, a->datset.len);
        if (a->has_smpcnt)
            json_key_u64(w, "smp_cnt", a->smpcnt);
        if (a->has_confrev)
            json_key_u64(w, "conf_rev", a->confrev);
        if (a->has_synch)
            json_key_u64(w, "smp_synch", a->synch);
        if (a->has_rate)
            json_key_u64(w, "smp_rate", a->rate);
        json_object_end(w);
    }
    json_array_end(w);
    if (tx->events) {
        json_key_array_begin(w, "events");
        for (int e = 0; e < SV_EV_COUNT; e++)
            if (tx->events & (1u << e))
                json_write_string(w, sv_event_names[e]);
        json_array_end(w);
    }
    if (tx->has_mac) {
        json_mac(w, "src_mac", tx->src);
        json_mac(w, "dst_mac", tx->dst);
    }
    json_object_end(w);
}

static void sv_log_body(const void *object, struct json_writer *w)
{
    sv_tx_write_json(object, w);
}

static bool sv_tx_has_event(const struct app_tx *atx, const char *name)
{
    const struct sv_tx *tx = (const struct sv_tx *)atx;
    for (int e = 0; e < SV_EV_COUNT; e++)
        if ((tx->events & (1u << e)) && strcmp(sv_event_names[e], name) == 0)
            return true;
    return false;
}

static int sv_tx_get_buffer(const struct app_tx *atx, enum app_buffer buffer, uint32_t index,
                            const uint8_t **data, uint32_t *len)
{
    const struct sv_tx *tx = (const struct sv_tx *)atx;
    if (buffer != APP_BUFFER_SV_SVID || index >= tx->nasdu || !tx->asdu[index].svid.present)
        return -ENOENT;
    *data = (const uint8_t *)tx->asdu[index].svid.s;
    *len = tx->asdu[index].svid.len;
    return 0;
}

enum { SV_F_APPID, SV_F_SMPCNT, SV_F_CONFREV, SV_F_SMPSYNCH, SV_F_NOASDU, SV_F_COUNT };

static const struct app_uint_field sv_fields[SV_F_COUNT] = {
    [SV_F_APPID] = {"sv.appid", 3, 65535, NULL, false},
    [SV_F_SMPCNT] = {"sv.smpcnt", 3, 65535, NULL, false},
    [SV_F_CONFREV] = {"sv.confrev", 3, UINT32_MAX, NULL, false},
    [SV_F_SMPSYNCH] = {"sv.smpsynch", 3, 255, NULL, false},
    [SV_F_NOASDU] = {"sv.no_asdu", 3, UINT32_MAX, NULL, false},
};

static int sv_tx_get_uint(const struct app_tx *atx, uint16_t field, uint32_t index, uint64_t *value,
                          const char **name)
{
    (void)name;
    const struct sv_tx *tx = (const struct sv_tx *)atx;
    if (field == SV_F_APPID || field == SV_F_NOASDU) {
        if (index)
            return -ENOENT;
        *value = field == SV_F_APPID ? tx->appid : tx->no_asdu;
        return 0;
    }
    if (index >= tx->nasdu)
        return -ENOENT;
    const struct sv_asdu *a = &tx->asdu[index];
    switch (field) {
    case SV_F_SMPCNT:
        if (!a->has_smpcnt)
            return -ENOENT;
        *value = a->smpcnt;
        return 0;
    case SV_F_CONFREV:
        if (!a->has_confrev)
            return -ENOENT;
        *value = a->confrev;
        return 0;
    case SV_F_SMPSYNCH:
        if (!a->has_synch)
            return -ENOENT;
        *value = a->synch;
        return 0;
    default:
        return -ENOENT;
    }
}

const struct app_parser app_parser_sv = {
    .vigil_only = true,
    .proto = APP_PROTO_SV,
    .name = "sv",
    .state_new = sv_state_new,
    .state_free = l2_state_free,
    .tx_get_buffer = sv_tx_get_buffer,
    .tx_write_json = sv_tx_write_json,
    .tx_has_event = sv_tx_has_event,
    .event_names = sv_event_names,
    .uint_fields = sv_fields,
    .n_uint_fields = SV_F_COUNT,
    .tx_get_field_uint = sv_tx_get_uint,
    .ethertype = 0x88ba,
    .l2_frame = sv_frame,
};
