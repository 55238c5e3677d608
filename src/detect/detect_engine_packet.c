/* SPDX-License-Identifier: Apache-2.0 */
/* Per-packet detection (see detect_engine_packet.h).
 *
 * For every packet three kinds of inspection run, in this order, each on
 * the candidates the Hyperscan prefilter (plus the non-prefilter lists)
 * yields for the packet's rule groups:
 *   1. packet rules on the packet payload; for TCP packets of a tracked
 *      session, on the raw stream window instead: the packet's payload
 *      preceded by up to DETECT_STREAM_LOOKBACK bytes that came before it
 *      in sequence, so patterns that straddle segments match, as Suricata's
 *      raw stream inspection does. A window match must involve the new
 *      bytes (a match in the old bytes alone was reported before). Rules
 *      that need the packet itself (dsize, flow:no_stream) see the payload.
 *   2. transaction rules (rules with application-layer buffers, or an
 *      application protocol in their header) on each live transaction of
 *      the flow, once per transaction: a rule is decided for a transaction
 *      when it matched or the transaction is complete in its direction.
 * Candidates are evaluated in Suricata's order (pass first, then drop,
 * reject, alert; flowbit setters before readers; priority; file order), so
 * flowbits set by one rule are seen by the next in the same packet, and a
 * matching pass rule stops inspection of the packet and of its flow.
 * Nothing here allocates per packet once a flow's state exists. */
#include "detect/detect_iprep.h"
#include "detect/detect_lua.h"
#include "detect/detect_engine_packet.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "app/app.h"
#include "decode/decode.h"
#include "decode/decode_util.h"
#include "detect/detect_buffer.h"
#include "detect/detect_engine.h"
#include "detect/detect_engine_internal.h"
#include "detect/detect_tx_kw.h"
#include "detect/rule_set.h"
#include "flow/flow.h"
#include "stream/stream.h"
#include "util/json.h"

#define DETECT_STREAM_LOOKBACK 1024u
#define DETECT_MAX_DECIDED 512u       /* (tx, rule) decisions remembered per flow */
#define THRESHOLD_TABLE_SIZE 4096u    /* per sensor (struct detect_shared); power of two */
/* Rules are named in per-flow state by gid:sid, not by their index in the
 * rule set, so the state stays valid when a rule reload swaps the engine. */
#define RULE_KEY(r) ((uint64_t)(r)->gid << 32 | (r)->sid)
#define TX_DONE_KEY(dir) (0xfffffff0u + (uint64_t)(dir)) /* gid 0: transaction fully decided */

/* What a recently inspected transaction direction looked like, so an
 * unchanged transaction is not scanned again on the next packet. */
#define TX_SEEN_MAX 64
struct tx_seen {
    uint64_t tx_id;
    uint64_t signature;
    uint32_t body_scanned[3]; /* bytes of each body buffer already prefiltered */
    uint64_t head_signature;  /* the non-body buffers when last scanned */
    uint32_t head_cands[24];  /* the candidates those buffers gave */
    uint8_t nhead_cands;
    bool head_cands_valid;
    uint8_t dir;
    bool used;
};

/* Per-flow detection state, allocated on the flow's first inspection. */
struct detect_flow_state {
    uint8_t *flowbits;           /* bitmap over the rule set's flowbit names */
    int64_t *flowint_value;
    uint8_t *flowint_set;
    /* The engine this state was last used with, and the sizes it allocated:
     * after a rule reload the first packet brings the state up to the new
     * engine (see flow_state_upgrade). */
    uint64_t engine_gen;
    uint32_t flowbit_bytes, nflowints;
    bool passed;                 /* a pass rule matched: no more inspection */
    /* The application layer got data since transactions were last
     * inspected on a packet of this direction. With ACK-based delivery a
     * request is parsed on the server's ACK, and, as in Suricata, its
     * to-server rules run on the client's next packet. */
    bool tx_pending[2];
    struct {
        uint8_t *tail;                        /* last in-sequence bytes inspected
                                               * (DETECT_STREAM_LOOKBACK, allocated
                                               * with the first payload) */
        uint32_t tail_len;
        uint32_t next_seq;                    /* sequence number after them */
        bool seq_known;
        uint64_t bytes;                       /* in-sequence payload bytes seen */
    } stream[2];
    /* (tx_id, RULE_KEY) pairs that matched, and (tx_id, TX_DONE_KEY(dir))
     * for transactions closed in a direction; a ring: transactions retire
     * in order, so the oldest entries go first. */
    struct {
        uint64_t tx_id;
        uint64_t rule_key;
    } *decided;                 /* grows from 8 to DETECT_MAX_DECIDED entries */
    uint32_t decided_count, decided_next, decided_cap;
    struct tx_seen *tx_seen;     /* grows to TX_SEEN_MAX entries, then a ring */
    uint32_t tx_seen_cap;
    uint32_t tx_seen_next;
    /* tag:session: packets of this flow after the alert are logged too */
    struct {
        bool active;
        uint8_t metric;         /* enum rule_tag_metric */
        uint64_t remaining;     /* packets or bytes */
        uint64_t until_usec;    /* seconds metric */
    } tag;
};

/* tag:host: packets to or from a tagged address (per sensor, bounded). */
#define HOST_TAG_TABLE_SIZE 1024u
struct host_tag {
    struct ip_address addr;
    bool used;
    uint8_t metric;
    uint64_t remaining, until_usec;
};

/* The pseudo signature Suricata reports tagged packets under. */
static char tag_rule_msg[] = "Tagged Packet";
static const struct rule tag_rule = {.gid = 2, .sid = 1, .rev = 1, .msg = tag_rule_msg,
                                     .class_id = -1, .fp_buffer = -1, .fp_item = -1};

struct threshold_entry {
    uint64_t key;       /* 0 = empty */
    uint64_t window_start_usec;
    uint64_t count;
    uint64_t next;      /* backoff: the count that alerts next */
    bool fired;
};

/* Cross-flow detection state: threshold / detection_filter / rate_filter
 * counts and tag:host entries. One per sensor, shared by its workers (flows
 * are spread over workers, so per-worker counts by source or destination
 * would let N times the alerts through with N workers). Only touched when a
 * thresholded rule matches or a host tag is active, so one mutex suffices;
 * the per-packet host tag check reads an atomic count first and takes no
 * lock while no tag is active (the normal case). */
struct detect_shared {
    pthread_mutex_t lock;
    struct threshold_entry *thresholds;
    struct host_tag *host_tags;
    _Atomic uint32_t host_tags_used;
};

/* Frame rules (frame:<proto>.<name>) inspect the frames parsers report. */
struct frame_type_rules {
    uint16_t app_proto;
    uint8_t type;
    uint32_t start, n; /* in frame_rules */
    bool any_pf;       /* some of them have a fast pattern in the frame buffer */
};
enum rule_kind { RULE_KIND_PACKET, RULE_KIND_TX, RULE_KIND_FRAME };

struct detect_worker {
    const struct detect_engine *de;
    const struct rule_set *rs;
    struct detect_thread_ctx *ctx;
    uint32_t nrules;
    uint8_t *kind;               /* enum rule_kind per rule id */
    uint8_t *needs_payload;      /* per rule id: inspects pkt_data */
    uint8_t *ip_only;            /* per rule id: inspected once per flow direction */
    int16_t *pkt_event;          /* per rule id: decode/stream event id, -1 none, -2 unknown */
    uint32_t *rank;              /* evaluation order per rule id */
    uint32_t *by_rank;           /* rule id per evaluation position */
    int16_t *app_proto_of_rule;  /* header app proto mapped to enum app_proto, -1 none */
    int16_t *app_proto_match;    /* app-layer-protocol: mapped, -1 none */
    int16_t buffer_to_app[256];  /* detect buffer id -> enum app_buffer, -1 none */
    uint8_t is_body[256];        /* 1-3: request body, response body, file data; 0: not a body */
    uint16_t used_app_buffers[256];
    uint8_t buffer_dirs[256];    /* DETECT_BUFFER_DIR_* of each buffer */
    uint32_t nused_app_buffers;
    uint32_t *l2_rules;          /* transaction rules of layer-2 protocols */
    uint32_t nl2_rules;
    uint32_t *frame_rules;       /* frame rules by (protocol, frame type), then rank */
    uint32_t nframe_rules;
    bool *frame_pf;              /* frame_rules[i] has a fast pattern in the frame buffer */
    struct frame_type_rules *frame_types; /* runs of frame_rules of one frame type */
    uint32_t nframe_types;
    int frame_buffer;            /* the "frame" buffer's id */
    uint32_t flowbit_bytes, nflowints;
    uint64_t gen;                /* detect_engine_generation(de) */
    uint32_t prefilter_lookback; /* longest fast pattern - 1: enough to find any
                                  * pattern that ends in new bytes */

    /* per-packet scratch */
    uint8_t *window;             /* raw stream window of the current packet */
    uint32_t window_len, window_cap, window_new_from;
    int window_dir;
    uint32_t *payload_tx_cands;  /* transaction rules the payload scan found */
    uint32_t npayload_tx_cands;
    uint32_t *order;             /* candidates sorted by rank */
    uint32_t *order_tmp;
    uint32_t order_cap;
    uint8_t *alerted;            /* per rule id: alerted on this packet */
    uint32_t *alerted_list;
    uint32_t alerted_count;

    struct detect_shared *shared;      /* own_shared or the sensor's */
    void (*order_wait)(void *user, uint64_t pcap_cnt); /* see detect_worker_set_order */
    void *order_user;
    struct detect_shared *own_shared;  /* used while no sensor-wide one is set */
    struct detect_worker_stats stats;
    struct detect_verdict verdict;   /* of the last packet */
    struct detect_lua_worker *lua;   /* Lua states of the rules' scripts, made on first use */
};

/* ---- set-up ---- */

static int map_rule_app_proto(uint16_t p)
{
    if (p == RULE_APP_NONE)
        return -1;
    if (p == RULE_APP_HTTP || p == RULE_APP_HTTP1)
        return APP_PROTO_HTTP;
    if (p == RULE_APP_FAILED)
        return APP_PROTO_FAILED;
    int a = app_proto_from_name(rule_app_proto_name((enum rule_app_proto)p));
    /* A protocol vigil has no parser for yet can never match: use a value
     * no flow carries. */
    return a < 0 ? APP_PROTO_MAX : a;
}

/* Protocols parsed at layer 2, outside flows (app_layer_handle_l2). */
static bool app_proto_is_l2(int p)
{
    return p == APP_PROTO_GOOSE || p == APP_PROTO_SV || p == APP_PROTO_PROFINET;
}

static bool rule_sets_flowbits(const struct rule *r)
{
    for (uint32_t i = 0; i < r->nflowbits; i++)
        if (r->flowbits[i].cmd == RULE_FLOWBIT_SET || r->flowbits[i].cmd == RULE_FLOWBIT_UNSET ||
            r->flowbits[i].cmd == RULE_FLOWBIT_TOGGLE)
            return true;
    return false;
}

static bool rule_reads_flowbits(const struct rule *r)
{
    for (uint32_t i = 0; i < r->nflowbits; i++)
        if (r->flowbits[i].cmd == RULE_FLOWBIT_ISSET || r->flowbits[i].cmd == RULE_FLOWBIT_ISNOTSET)
            return true;
    return false;
}

/* Suricata's signature ordering: action, then flowbits (set-only before
 * set-and-read before read-only before none), then priority, then file order. */
static uint64_t rule_order_key(const struct rule *r, const uint8_t *rank)
{
    /* action-order (rule_set_action_rank): pass, drop, reject, alert by default */
    static const uint8_t action_kind[] = {
        [RULE_ACTION_PASS] = RULE_ORDER_PASS,        [RULE_ACTION_DROP] = RULE_ORDER_DROP,
        [RULE_ACTION_REJECT] = RULE_ORDER_REJECT,    [RULE_ACTION_REJECTSRC] = RULE_ORDER_REJECT,
        [RULE_ACTION_REJECTDST] = RULE_ORDER_REJECT, [RULE_ACTION_REJECTBOTH] = RULE_ORDER_REJECT,
        [RULE_ACTION_ALERT] = RULE_ORDER_ALERT,
    };
    uint64_t a = rank[r->action < sizeof action_kind ? action_kind[r->action] : RULE_ORDER_ALERT];
    bool sets = rule_sets_flowbits(r), reads = rule_reads_flowbits(r);
    uint64_t fb = sets && !reads ? 0 : sets && reads ? 1 : reads ? 2 : 3;
    uint64_t prio = r->priority > 0 && r->priority < 256 ? (uint64_t)r->priority : 255;
    return a << 60 | fb << 56 | prio << 40 | (uint64_t)r->id;
}

/* qsort_r: contexts are built on several threads (a rule reload prepares
 * every worker's beside the running ones). */
static int compare_rank(const void *a, const void *b, void *arg)
{
    const struct detect_worker *dw = arg;
    const uint8_t *rank = rule_set_action_rank(dw->rs);
    uint64_t ka = rule_order_key(rule_set_get(dw->rs, *(const uint32_t *)a), rank);
    uint64_t kb = rule_order_key(rule_set_get(dw->rs, *(const uint32_t *)b), rank);
    return ka < kb ? -1 : ka > kb;
}

/* Frame rules by (protocol, frame type), in rank order within. */
static int compare_frame_rule(const void *a, const void *b, void *arg)
{
    const struct detect_worker *dw = arg;
    const struct rule *ra = rule_set_get(dw->rs, *(const uint32_t *)a);
    const struct rule *rb = rule_set_get(dw->rs, *(const uint32_t *)b);
    if (ra->frame_app_proto != rb->frame_app_proto)
        return ra->frame_app_proto < rb->frame_app_proto ? -1 : 1;
    if (ra->frame_type != rb->frame_type)
        return ra->frame_type < rb->frame_type ? -1 : 1;
    return compare_rank(a, b, arg);
}

/* The frame prefilter's index: frame rules grouped by frame type (a frame
 * only meets the rules of its type), and which of them the engine's
 * prefilter databases know through a fast pattern in the frame buffer (the
 * others are always evaluated). */
static int frame_rules_index(struct detect_worker *dw)
{
    qsort_r(dw->frame_rules, dw->nframe_rules, sizeof *dw->frame_rules, compare_frame_rule, dw);
    dw->frame_pf = calloc(dw->nframe_rules, sizeof *dw->frame_pf);
    dw->frame_types = calloc(dw->nframe_rules, sizeof *dw->frame_types);
    if (!dw->frame_pf || !dw->frame_types)
        return -1;
    for (uint32_t i = 0; i < dw->nframe_rules; i++) {
        const struct rule *r = rule_set_get(dw->rs, dw->frame_rules[i]);
        const uint8_t *pat;
        uint16_t plen;
        bool nocase;
        dw->frame_pf[i] = rule_prefilter_pattern(r, &pat, &plen, &nocase) == dw->frame_buffer;
        struct frame_type_rules *t =
            dw->nframe_types ? &dw->frame_types[dw->nframe_types - 1] : NULL;
        if (!t || t->app_proto != r->frame_app_proto || t->type != r->frame_type) {
            t = &dw->frame_types[dw->nframe_types++];
            *t = (struct frame_type_rules){.app_proto = r->frame_app_proto,
                                           .type = r->frame_type, .start = i};
        }
        t->n++;
        t->any_pf |= dw->frame_pf[i];
    }
    return 0;
}

struct detect_worker *detect_worker_new(const struct detect_engine *de)
{
    struct detect_worker *dw = calloc(1, sizeof *dw);
    if (!dw)
        return NULL;
    dw->de = de;
    dw->rs = detect_engine_rule_set(de);
    dw->ctx = detect_thread_ctx_new(de);
    dw->nrules = (uint32_t)rule_set_count(dw->rs);
    uint32_t n = dw->nrules ? dw->nrules : 1;
    dw->kind = calloc(n, 1);
    dw->needs_payload = calloc(n, 1);
    dw->ip_only = calloc(n, 1);
    dw->pkt_event = calloc(n, sizeof *dw->pkt_event);
    dw->rank = calloc(n, sizeof *dw->rank);
    dw->app_proto_of_rule = calloc(n, sizeof *dw->app_proto_of_rule);
    dw->app_proto_match = calloc(n, sizeof *dw->app_proto_match);
    dw->alerted = calloc(n, 1);
    dw->alerted_list = calloc(n, sizeof *dw->alerted_list);
    dw->payload_tx_cands = calloc(n, sizeof *dw->payload_tx_cands);
    dw->own_shared = detect_shared_new();
    dw->shared = dw->own_shared;
    uint32_t *by_rank = calloc(n, sizeof *by_rank);
    if (!dw->ctx || !dw->kind || !dw->needs_payload || !dw->ip_only || !dw->pkt_event || !dw->rank || !dw->app_proto_of_rule || !dw->app_proto_match ||
        !dw->alerted || !dw->alerted_list || !dw->own_shared ||
        !dw->payload_tx_cands || !by_rank) {
        free(by_rank);
        detect_worker_free(dw);
        return NULL;
    }

    for (int id = 0; id < 256; id++)
        dw->buffer_to_app[id] = -1;
    int nbuf = detect_buffer_count();
    for (int id = 0; id < nbuf && id < 256; id++) {
        const struct detect_buffer_info *bi = detect_buffer_get(id);
        int ab = bi ? app_buffer_from_name(bi->name) : -1;
        dw->buffer_to_app[id] = (int16_t)ab;
        dw->buffer_dirs[id] = bi ? bi->dir : DETECT_BUFFER_DIR_BOTH;
        dw->is_body[id] = !bi                                           ? 0
                          : strcmp(bi->name, "http.request_body") == 0  ? 1
                          : strcmp(bi->name, "http.response_body") == 0 ? 2
                          : strcmp(bi->name, "file.data") == 0          ? 3
                                                                        : 0;
    }
    bool used[256] = {false};
    for (uint32_t i = 0; i < dw->nrules; i++) {
        const struct rule *r = rule_set_get(dw->rs, i);
        /* Transaction rules: those with application-layer buffers, those with
         * protocol keywords (dnp3_func, modbus, ...), and app-layer-event
         * rules of a protocol (Suricata inspects those on the transactions'
         * events). A protocol rule that inspects only the payload, or nothing
         * at all (Suricata's "app_layer" rule type: alert http ... (sid:1;)),
         * is a packet rule with a protocol check: it matches every packet of
         * the flow once the protocol is known. */
        bool tx = (r->app_event && r->app_proto != RULE_APP_NONE &&
                   r->app_proto != RULE_APP_FAILED) ||
                  r->ntx_conds > 0;
        for (uint32_t b = 0; b < r->nbuffers; b++) {
            uint16_t id = r->buffers[b].buffer_id;
            if (id == DETECT_BUFFER_PAYLOAD)
                dw->needs_payload[i] = 1;
            if (id < 256 && dw->buffer_to_app[id] >= 0) {
                tx = true;
                used[id] = true;
            }
        }
        /* The script of a protocol rule reads its transaction (http.get_tx()),
         * unless the rule inspects the payload: then it runs on packets. */
        if (r->nlua && r->app_proto != RULE_APP_NONE && r->app_proto != RULE_APP_FAILED &&
            !dw->needs_payload[i])
            tx = true;
        dw->kind[i] = r->has_frame ? RULE_KIND_FRAME : tx ? RULE_KIND_TX : RULE_KIND_PACKET;
        if (r->has_frame)
            dw->nframe_rules++;
        /* Event rules have nothing but a header and an event: the parser
         * calls them IP-only, but they must see every packet. */
        dw->ip_only[i] = (r->flags & RULE_FLAG_IPONLY) && !r->pkt_event && !r->app_event;
        dw->pkt_event[i] = -1;
        if (r->pkt_event) {
            int ev = r->pkt_event_kind == RULE_EVENT_STREAM ? stream_event_from_name(r->pkt_event)
                                                            : decode_event_from_name(r->pkt_event);
            dw->pkt_event[i] = (int16_t)(ev < 0 ? -2 : ev);
        }
        dw->app_proto_of_rule[i] = (int16_t)map_rule_app_proto(r->app_proto);
        dw->app_proto_match[i] = (int16_t)map_rule_app_proto(r->app_proto_match);
        by_rank[i] = i;
        if (app_proto_is_l2(dw->app_proto_of_rule[i]))
            dw->nl2_rules++;
    }
    if (dw->nl2_rules) {
        dw->l2_rules = calloc(dw->nl2_rules, sizeof *dw->l2_rules);
        if (!dw->l2_rules) {
            free(by_rank);
            detect_worker_free(dw);
            return NULL;
        }
        dw->nl2_rules = 0;
        for (uint32_t i = 0; i < dw->nrules; i++)
            if (app_proto_is_l2(dw->app_proto_of_rule[i]))
                dw->l2_rules[dw->nl2_rules++] = i;
    }
    dw->frame_buffer = detect_buffer_lookup("frame");
    if (dw->nframe_rules) {
        dw->frame_rules = calloc(dw->nframe_rules, sizeof *dw->frame_rules);
        if (!dw->frame_rules) {
            free(by_rank);
            detect_worker_free(dw);
            return NULL;
        }
        dw->nframe_rules = 0;
        for (uint32_t i = 0; i < dw->nrules; i++)
            if (dw->kind[i] == RULE_KIND_FRAME) {
                dw->frame_rules[dw->nframe_rules++] = i;
                if (rule_set_get(dw->rs, i)->frame_type == APP_FRAME_TYPE_STREAM)
                    app_layer_set_stream_frames_active(true);
            }
        app_layer_set_frames_active(true); /* parsers report frames from now on */
    }
    for (int id = 0; id < 256; id++)
        if (used[id])
            dw->used_app_buffers[dw->nused_app_buffers++] = (uint16_t)id;
    qsort_r(by_rank, dw->nrules, sizeof *by_rank, compare_rank, dw);
    for (uint32_t i = 0; i < dw->nrules; i++)
        dw->rank[by_rank[i]] = i;
    dw->by_rank = by_rank;
    if (dw->nl2_rules)
        qsort_r(dw->l2_rules, dw->nl2_rules, sizeof *dw->l2_rules, compare_rank, dw);
    if (dw->nframe_rules && frame_rules_index(dw) != 0) {
        detect_worker_free(dw);
        return NULL;
    }
    uint32_t max_fp = 1;
    for (uint32_t i = 0; i < dw->nrules; i++) {
        const struct rule *r = rule_set_get(dw->rs, i);
        if (r->fp_buffer < 0 || r->fp_item < 0 || (uint32_t)r->fp_buffer >= r->nbuffers)
            continue;
        const struct rule_buffer_match *bl = &r->buffers[r->fp_buffer];
        if ((uint32_t)r->fp_item < bl->nitems && bl->items[r->fp_item].type == DETECT_ITEM_CONTENT &&
            bl->items[r->fp_item].u.content.len > max_fp)
            max_fp = bl->items[r->fp_item].u.content.len;
    }
    dw->prefilter_lookback = max_fp - 1 < DETECT_STREAM_LOOKBACK ? max_fp - 1 : DETECT_STREAM_LOOKBACK;
    dw->flowbit_bytes = (rule_set_var_count(dw->rs, RULE_VAR_FLOWBIT) + 7) / 8;
    dw->nflowints = rule_set_var_count(dw->rs, RULE_VAR_FLOWINT);
    dw->gen = detect_engine_generation(de);
    return dw;
}

struct detect_shared *detect_shared_new(void)
{
    struct detect_shared *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->thresholds = calloc(THRESHOLD_TABLE_SIZE, sizeof *s->thresholds);
    s->host_tags = calloc(HOST_TAG_TABLE_SIZE, sizeof *s->host_tags);
    if (!s->thresholds || !s->host_tags || pthread_mutex_init(&s->lock, NULL) != 0) {
        free(s->thresholds);
        free(s->host_tags);
        free(s);
        return NULL;
    }
    return s;
}

void detect_shared_free(struct detect_shared *s)
{
    if (!s)
        return;
    pthread_mutex_destroy(&s->lock);
    free(s->thresholds);
    free(s->host_tags);
    free(s);
}

void detect_worker_set_shared(struct detect_worker *dw, struct detect_shared *s)
{
    dw->shared = s ? s : dw->own_shared;
}

void detect_worker_set_order(struct detect_worker *dw,
                             void (*wait)(void *user, uint64_t pcap_cnt), void *user)
{
    dw->order_wait = wait;
    dw->order_user = user;
}

/* Takes the shared state's lock, once the other workers are past the
 * packets before p (when the sensor orders decisions). */
static void shared_lock(struct detect_worker *dw, const struct packet *p)
{
    if (dw->order_wait && p->pcap_cnt)
        dw->order_wait(dw->order_user, p->pcap_cnt);
    pthread_mutex_lock(&dw->shared->lock);
}

void detect_worker_carry_over(struct detect_worker *to, struct detect_worker *from)
{
    to->order_wait = from->order_wait;
    to->order_user = from->order_user;
    struct detect_shared *t = to->own_shared;
    to->own_shared = from->own_shared;
    from->own_shared = t;
    bool own = from->shared == to->own_shared;
    to->shared = own ? to->own_shared : from->shared;
    from->shared = from->own_shared;
    to->stats = from->stats;
    detect_lua_worker_carry_over(&to->lua, from->lua);
}

void detect_worker_free(struct detect_worker *dw)
{
    if (!dw)
        return;
    if (dw->ctx)
        detect_thread_ctx_free(dw->ctx);
    free(dw->kind);
    free(dw->l2_rules);
    free(dw->frame_rules);
    free(dw->frame_pf);
    free(dw->frame_types);
    free(dw->needs_payload);
    free(dw->ip_only);
    free(dw->pkt_event);
    free(dw->rank);
    free(dw->by_rank);
    free(dw->app_proto_of_rule);
    free(dw->app_proto_match);
    free(dw->alerted);
    free(dw->alerted_list);
    free(dw->payload_tx_cands);
    detect_shared_free(dw->own_shared);
    free(dw->order);
    free(dw->order_tmp);

    free(dw->window);
    detect_lua_worker_free(dw->lua);
    free(dw);
}

const struct detect_worker_stats *detect_worker_stats(const struct detect_worker *dw)
{
    return &dw->stats;
}

const struct detect_verdict *detect_last_verdict(const struct detect_worker *dw)
{
    return &dw->verdict;
}

void detect_flow_state_free(void *state)
{
    struct detect_flow_state *s = state;
    if (!s)
        return;
    free(s->flowbits);
    free(s->flowint_value);
    free(s->flowint_set);
    free(s->stream[0].tail);
    free(s->stream[1].tail);
    free(s->decided);
    free(s->tx_seen);
    free(s);
}

/* Brings a flow's state, last used with another engine, up to this one
 * (after a rule reload). Flowbit and flowint ids are stable across reloads
 * (the new rule set inherits the old one's names, rule_set_inherit_vars), so
 * the values stay and the arrays only grow for new names; rules are named by
 * gid:sid in the decided list and thresholds, so those stay too. Candidate
 * lists cached per transaction hold rule indexes of the old engine: they are
 * dropped, and bodies are prefiltered again from their start so that rules
 * the reload added see the whole body (rules that already alerted on a
 * transaction are decided and do not alert twice). */
static bool flow_state_upgrade(struct detect_worker *dw, struct detect_flow_state *s)
{
    if (dw->flowbit_bytes > s->flowbit_bytes) {
        uint8_t *n = realloc(s->flowbits, dw->flowbit_bytes);
        if (!n)
            return false;
        memset(n + s->flowbit_bytes, 0, dw->flowbit_bytes - s->flowbit_bytes);
        s->flowbits = n;
        s->flowbit_bytes = dw->flowbit_bytes;
    }
    if (dw->nflowints > s->nflowints) {
        int64_t *v = realloc(s->flowint_value, dw->nflowints * sizeof *v);
        if (v)
            s->flowint_value = v;
        uint8_t *set = v ? realloc(s->flowint_set, dw->nflowints) : NULL;
        if (!v || !set)
            return false;
        memset(v + s->nflowints, 0, (dw->nflowints - s->nflowints) * sizeof *v);
        memset(set + s->nflowints, 0, dw->nflowints - s->nflowints);
        s->flowint_set = set;
        s->nflowints = dw->nflowints;
    }
    uint32_t used = s->tx_seen_next < s->tx_seen_cap ? s->tx_seen_next : s->tx_seen_cap;
    for (uint32_t k = 0; k < used; k++) {
        s->tx_seen[k].head_cands_valid = false;
        memset(s->tx_seen[k].body_scanned, 0, sizeof s->tx_seen[k].body_scanned);
    }
    s->engine_gen = dw->gen;
    return true;
}

static struct detect_flow_state *flow_state_get(struct detect_worker *dw, struct flow *f)
{
    if (f->detect_state) {
        struct detect_flow_state *s = f->detect_state;
        if (s->engine_gen != dw->gen && !flow_state_upgrade(dw, s))
            return NULL; /* out of memory: no detection on this packet */
        return s;
    }
    struct detect_flow_state *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    if (dw->flowbit_bytes)
        s->flowbits = calloc(dw->flowbit_bytes, 1);
    if (dw->nflowints) {
        s->flowint_value = calloc(dw->nflowints, sizeof *s->flowint_value);
        s->flowint_set = calloc(dw->nflowints, 1);
    }
    if ((dw->flowbit_bytes && !s->flowbits) ||
        (dw->nflowints && (!s->flowint_value || !s->flowint_set))) {
        detect_flow_state_free(s);
        return NULL;
    }
    s->flowbit_bytes = dw->flowbit_bytes;
    s->nflowints = dw->nflowints;
    s->engine_gen = dw->gen;
    f->detect_state = s;
    return s;
}

/* ---- stream window ---- */

static bool window_reserve(struct detect_worker *dw, uint32_t need)
{
    if (need <= dw->window_cap)
        return true;
    uint32_t cap = dw->window_cap ? dw->window_cap : 4096;
    while (cap < need)
        cap *= 2;
    uint8_t *n = realloc(dw->window, cap);
    if (!n)
        return false;
    dw->window = n;
    dw->window_cap = cap;
    return true;
}

/* The reassembler delivered bytes to the application layer: transactions
 * may have changed, in both directions' view. */
void detect_stream_data(struct detect_worker *dw, struct flow *f, uint8_t direction,
                        const uint8_t *data, uint32_t len)
{
    (void)direction;
    struct detect_flow_state *s = flow_state_get(dw, f);
    if (s && data && len)
        s->tx_pending[0] = s->tx_pending[1] = true;
}

/* Builds the raw stream window of a TCP packet with payload: lookback plus
 * payload when the packet continues the sequence, the payload alone after a
 * gap or reordering, nothing for a retransmission. Returns the window length
 * (0: inspect no window) and the new bytes' offset in *new_from. */
static uint32_t stream_window_build(struct detect_worker *dw, struct detect_flow_state *s,
                                    const struct packet *p, uint32_t *new_from)
{
    int dir = p->flow_direction ? 1 : 0;
    uint32_t seq = p->tcp_seq, len = p->payload_len;
    uint32_t tail = 0;
    if (s->stream[dir].seq_known) {
        int32_t delta = (int32_t)(seq - s->stream[dir].next_seq);
        if (delta < 0 && (int32_t)(seq + len - s->stream[dir].next_seq) <= 0)
            return 0; /* all of it seen before: a retransmission */
        if (delta == 0)
            tail = s->stream[dir].tail_len;
    }
    if (!window_reserve(dw, tail + len))
        return 0;
    if (tail)
        memcpy(dw->window, s->stream[dir].tail + s->stream[dir].tail_len - tail, tail);
    memcpy(dw->window + tail, p->payload, len);
    dw->window_len = tail + len;
    dw->window_dir = dir;
    s->stream[dir].bytes += len; /* counted before detection, as the stream engine does */
    *new_from = tail;
    return dw->window_len;
}

/* After the packet: the window's last bytes become the next lookback. */
static void stream_window_commit(struct detect_worker *dw, struct detect_flow_state *s,
                                 const struct packet *p)
{
    if (!dw->window_len || !s)
        return;
    int dir = dw->window_dir;
    uint32_t n = dw->window_len < DETECT_STREAM_LOOKBACK ? dw->window_len : DETECT_STREAM_LOOKBACK;
    if (!s->stream[dir].tail) {
        s->stream[dir].tail = malloc(DETECT_STREAM_LOOKBACK);
        if (!s->stream[dir].tail) {
            dw->window_len = 0;
            return; /* no lookback for this flow: patterns across segments are missed */
        }
    }
    memcpy(s->stream[dir].tail, dw->window + dw->window_len - n, n);
    s->stream[dir].tail_len = n;
    s->stream[dir].next_seq = p->tcp_seq + p->payload_len;
    s->stream[dir].seq_known = true;
    dw->window_len = 0;
}

/* ---- header, flow and packet keywords ---- */

static bool addr_match(const struct rule_addr_set *s, const struct ip_address *a)
{
    if (s->any)
        return true;
    if (a->family == 4) {
        const uint8_t *b = &a->addr.u8[12];
        return rule_addr_set_match_v4(s, (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 |
                                             (uint32_t)b[2] << 8 | b[3]);
    }
    return rule_addr_set_match_v6(s, a->addr.u8);
}

static bool proto_has_ports(uint8_t proto)
{
    return proto == 6 || proto == 17 || proto == 132;
}

static bool header_match(const struct rule *r, const struct packet *p)
{
    switch (r->ipproto) {
    case 0:
    case 255:
        break;
    case 1:
        if (p->proto != 1 && p->proto != 58)
            return false;
        break;
    default:
        if (p->proto != r->ipproto)
            return false;
    }
    bool ports = proto_has_ports(p->proto);
    if (addr_match(&r->src, &p->src) && addr_match(&r->dst, &p->dst) &&
        (!ports || (rule_port_set_match(&r->sp, p->src_port) &&
                    rule_port_set_match(&r->dp, p->dst_port))))
        return true;
    if (r->flags & RULE_FLAG_BIDIRECTIONAL)
        return addr_match(&r->src, &p->dst) && addr_match(&r->dst, &p->src) &&
               (!ports || (rule_port_set_match(&r->sp, p->dst_port) &&
                           rule_port_set_match(&r->dp, p->src_port)));
    return false;
}

/* flow:established. For TCP it is the session's state (a handshake was
 * seen, or the session was picked up midstream), not the flow table's. */
static bool flow_is_established(const struct flow *f)
{
    if (f->key.proto != 6)
        return f->state == FLOW_STATE_ESTABLISHED;
    const char *st = stream_session_state_name(f);
    if (!st)
        return false;
    /* Suricata: every state past the handshake, closing and closed ones
     * included (the response of a short HTTP exchange often arrives with
     * the FIN). */
    return strcmp(st, "none") != 0 && strcmp(st, "syn_sent") != 0 &&
           strcmp(st, "syn_recv") != 0;
}

static bool flow_flags_match(const struct rule *r, const struct packet *p, const struct flow *f,
                             bool stream_ctx)
{
    uint32_t ff = r->flow_flags;
    if (!ff)
        return true;
    if (ff & (RULE_FLOW_ESTABLISHED | RULE_FLOW_NOT_ESTABLISHED | RULE_FLOW_TOSERVER |
              RULE_FLOW_TOCLIENT)) {
        if (!f)
            return false;
        bool est = flow_is_established(f);
        if ((ff & RULE_FLOW_ESTABLISHED) && !est)
            return false;
        if ((ff & RULE_FLOW_NOT_ESTABLISHED) && est)
            return false;
        if ((ff & RULE_FLOW_TOSERVER) && p->flow_direction != 0)
            return false;
        if ((ff & RULE_FLOW_TOCLIENT) && p->flow_direction != 1)
            return false;
    }
    if ((ff & RULE_FLOW_ONLY_STREAM) && !stream_ctx)
        return false;
    if ((ff & RULE_FLOW_NO_STREAM) && stream_ctx)
        return false;
    if ((ff & RULE_FLOW_ONLY_FRAG) && !(p->flags & PACKET_FLAG_REASSEMBLED))
        return false;
    if ((ff & RULE_FLOW_NO_FRAG) && (p->flags & PACKET_FLAG_REASSEMBLED))
        return false;
    return true;
}

static bool bits_match(uint8_t have, uint8_t want, uint8_t modifier, uint8_t ignore)
{
    have &= (uint8_t)~ignore;
    switch (modifier) {
    case RULE_BITS_PLUS: return (have & want) == want;
    case RULE_BITS_ANY: return (have & want) != 0;
    case RULE_BITS_NOT: return (have & want) == 0;
    default: return have == want;
    }
}

static bool ipopt_match(const struct packet *p, uint8_t index)
{
    /* Index into the rule parser's names: rr eol nop ts sec esec lsrr ssrr satid any. */
    static const uint16_t bits[] = {IPV4_OPTION_RR,  IPV4_OPTION_EOL,  IPV4_OPTION_NOP,
                                    IPV4_OPTION_TS,  IPV4_OPTION_SEC,  IPV4_OPTION_ESEC,
                                    IPV4_OPTION_LSRR, IPV4_OPTION_SSRR, IPV4_OPTION_SATID};
    if (p->ip_version != 4)
        return false;
    if (index >= sizeof bits / sizeof bits[0])
        return p->ipv4_options != 0;
    return (p->ipv4_options & bits[index]) != 0;
}

static bool icmp_is_echo(const struct packet *p)
{
    if (p->proto == 1)
        return p->icmp_type == 0 || p->icmp_type == 8 || p->icmp_type == 13 ||
               p->icmp_type == 14 || p->icmp_type == 15 || p->icmp_type == 16 ||
               p->icmp_type == 17 || p->icmp_type == 18;
    return p->icmp_type == 128 || p->icmp_type == 129;
}

/* stream_size: bytes each side sent in sequence, plus one for the SYN, as
 * Suricata counts next_seq - isn. */
static bool stream_size_match(const struct rule_pkt_match *m, const struct detect_flow_state *s,
                              const struct packet *p)
{
    if (!s || p->proto != 6)
        return false;
    uint64_t client = s->stream[0].bytes + 1, server = s->stream[1].bytes + 1;
    switch (m->modifier) {
    case 0: return detect_uint_match(&m->num, server);
    case 1: return detect_uint_match(&m->num, client);
    case 2: return detect_uint_match(&m->num, client) && detect_uint_match(&m->num, server);
    default: return detect_uint_match(&m->num, client) || detect_uint_match(&m->num, server);
    }
}

/* Whether a checksum is valid, computed on demand (the decoder verifies
 * checksums only with -k all; the *-csum keywords always need them). A
 * packet without the layer, or captured too short to verify, does not
 * match either way. */
static int checksum_valid(const struct packet *p, uint8_t which)
{
    if (!p->l3 || (p->flags & PACKET_FLAG_TRUNCATED))
        return -1;
    if (which == RULE_CSUM_IPV4) {
        if (p->ip_version != 4)
            return -1;
        uint32_t hlen = (uint32_t)(p->l3[0] & 15) * 4;
        if (hlen < 20 || hlen > p->l3_len)
            return -1;
        return decode_csum_fold(decode_csum_add(0, p->l3, hlen)) == 0;
    }
    uint8_t proto = which == RULE_CSUM_TCPV4 || which == RULE_CSUM_TCPV6     ? 6
                    : which == RULE_CSUM_UDPV4 || which == RULE_CSUM_UDPV6   ? 17
                    : which == RULE_CSUM_ICMPV4                              ? 1
                    : which == RULE_CSUM_ICMPV6                              ? 58
                                                                             : 2;
    uint8_t version = which == RULE_CSUM_TCPV6 || which == RULE_CSUM_UDPV6 ||
                              which == RULE_CSUM_ICMPV6
                          ? 6
                          : 4;
    if (p->proto != proto || p->ip_version != version || !p->l4 || p->l4_len < 4)
        return -1;
    if (proto == 17 && version == 4 && p->l4_len >= 8 && p->l4[6] == 0 && p->l4[7] == 0)
        return 1; /* UDP over IPv4 without a checksum */
    uint64_t sum = 0;
    if (proto != 1 && proto != 2) {
        uint8_t pseudo[40];
        uint32_t n;
        if (version == 4) {
            memcpy(pseudo, &p->src.addr.u8[12], 4);
            memcpy(pseudo + 4, &p->dst.addr.u8[12], 4);
            pseudo[8] = 0;
            pseudo[9] = proto;
            pseudo[10] = (uint8_t)(p->l4_len >> 8);
            pseudo[11] = (uint8_t)p->l4_len;
            n = 12;
        } else {
            memcpy(pseudo, p->src.addr.u8, 16);
            memcpy(pseudo + 16, p->dst.addr.u8, 16);
            pseudo[32] = (uint8_t)(p->l4_len >> 24);
            pseudo[33] = (uint8_t)(p->l4_len >> 16);
            pseudo[34] = (uint8_t)(p->l4_len >> 8);
            pseudo[35] = (uint8_t)p->l4_len;
            pseudo[36] = pseudo[37] = pseudo[38] = 0;
            pseudo[39] = proto;
            n = 40;
        }
        sum = decode_csum_add(sum, pseudo, n);
    }
    sum = decode_csum_add(sum, p->l4, p->l4_len);
    return decode_csum_fold(sum) == 0;
}

static bool pkt_match_one(const struct rule_pkt_match *m, const struct packet *p,
                          const struct detect_flow_state *s)
{
    bool is_icmp = p->proto == 1 || p->proto == 58;
    switch (m->type) {
    case RULE_PKT_DSIZE:
        return detect_uint_match(&m->num, p->payload_len);
    case RULE_PKT_TTL:
        return p->ip_version && detect_uint_match(&m->num, p->ttl);
    case RULE_PKT_TOS:
        return p->ip_version == 4 && detect_uint_match(&m->num, p->tos);
    case RULE_PKT_ID:
        return p->ip_version == 4 && detect_uint_match(&m->num, p->ip_id);
    case RULE_PKT_IPOPTS:
        return ipopt_match(p, m->bits);
    case RULE_PKT_FRAGBITS: {
        if (p->ip_version != 4)
            return false;
        uint8_t have = (uint8_t)((p->frag_more ? RULE_FRAG_MF : 0) |
                                 (p->frag_df ? RULE_FRAG_DF : 0) |
                                 (p->frag_reserved ? RULE_FRAG_RB : 0));
        return bits_match(have, m->bits, m->modifier, 0);
    }
    case RULE_PKT_FRAGOFFSET:
        return p->ip_version == 4 && detect_uint_match(&m->num, (uint64_t)p->frag_offset * 8);
    case RULE_PKT_SAMEIP:
        return p->ip_version && memcmp(&p->src, &p->dst, sizeof p->src) == 0;
    case RULE_PKT_FLAGS:
        return p->proto == 6 && p->l4 && bits_match(p->tcp_flags, m->bits, m->modifier, m->ignore);
    case RULE_PKT_SEQ:
        return p->proto == 6 && p->l4 && detect_uint_match(&m->num, p->tcp_seq);
    case RULE_PKT_ACK:
        return p->proto == 6 && p->l4 && detect_uint_match(&m->num, p->tcp_ack);
    case RULE_PKT_WINDOW:
        return p->proto == 6 && p->l4 && detect_uint_match(&m->num, p->tcp_window);
    case RULE_PKT_ITYPE:
        return is_icmp && p->l4 && detect_uint_match(&m->num, p->icmp_type);
    case RULE_PKT_ICODE:
        return is_icmp && p->l4 && detect_uint_match(&m->num, p->icmp_code);
    case RULE_PKT_ICMP_ID:
        return is_icmp && p->l4 && icmp_is_echo(p) && detect_uint_match(&m->num, p->icmp_id);
    case RULE_PKT_ICMP_SEQ:
        return is_icmp && p->l4 && icmp_is_echo(p) && detect_uint_match(&m->num, p->icmp_seq);
    case RULE_PKT_IP_PROTO:
        return p->ip_version && detect_uint_match(&m->num, p->proto);
    case RULE_PKT_STREAM_SIZE:
        return stream_size_match(m, s, p);
    case RULE_PKT_TCP_MSS:
        return p->proto == 6 && (p->flags & PACKET_FLAG_HAS_TCP_MSS) &&
               detect_uint_match(&m->num, p->tcp_mss);
    case RULE_PKT_IPREP:
        return detect_iprep_match(m->modifier, m->bits, m->ignore, &m->num, p);
    case RULE_PKT_CHECKSUM: {
        /* Returns "valid"; the rule's "invalid" form is the negation. An
         * unverifiable packet matches neither form. */
        int v = checksum_valid(p, m->modifier);
        if (v < 0)
            return m->negated; /* cancelled by the negation in pkt_matches */
        return v == 1;
    }
    default:
        return false;
    }
}

static bool pkt_matches(const struct rule *r, const struct packet *p,
                        const struct detect_flow_state *s)
{
    for (uint32_t i = 0; i < r->npkt; i++) {
        bool m = pkt_match_one(&r->pkt[i], p, s);
        if (r->pkt[i].negated)
            m = !m;
        if (!m)
            return false;
    }
    return true;
}

static bool flowbit_isset(const struct detect_flow_state *s, uint32_t id)
{
    return s && s->flowbits && (s->flowbits[id >> 3] & (1u << (id & 7)));
}

/* The first set flowbit at or after i, n when none (s->flowbits set): every
 * event of a flow writes its variables, so whole clear bytes are skipped. */
static uint32_t flowbit_next(const struct detect_flow_state *s, uint32_t i, uint32_t n)
{
    while (i < n) {
        unsigned b = (unsigned)s->flowbits[i >> 3] >> (i & 7);
        if (b) {
            i += (uint32_t)__builtin_ctz(b);
            return i < n ? i : n;
        }
        i = (i | 7u) + 1;
    }
    return n;
}

void detect_flow_write_vars(const struct rule_set *rs, const struct flow *f,
                            struct json_writer *w)
{
    const struct detect_flow_state *s = f ? f->detect_state : NULL;
    if (!s || !rs)
        return;
    uint32_t nbits = s->flowbits ? rule_set_var_count(rs, RULE_VAR_FLOWBIT) : 0;
    uint32_t nints = s->flowint_set ? rule_set_var_count(rs, RULE_VAR_FLOWINT) : 0;
    /* A flow not inspected since a rule reload has the arrays of the engine
     * before: names past them were added by the reload and are not set. */
    if (nbits > s->flowbit_bytes * 8)
        nbits = s->flowbit_bytes * 8;
    if (nints > s->nflowints)
        nints = s->nflowints;
    static const char *const traffic[] = {"traffic/id/", "traffic/label/"};
    /* Pass 0: traffic id/label; pass 1: other flowbits; then flowints. */
    bool open_traffic = false;
    for (int kind = 0; kind < 2; kind++) {
        bool open_arr = false;
        size_t pl = strlen(traffic[kind]);
        for (uint32_t i = flowbit_next(s, 0, nbits); i < nbits; i = flowbit_next(s, i + 1, nbits)) {
            const char *name = rule_set_var_name(rs, RULE_VAR_FLOWBIT, i);
            if (!name || strncmp(name, traffic[kind], pl) != 0)
                continue;
            if (!open_traffic) {
                json_key_object_begin(w, "traffic");
                open_traffic = true;
            }
            if (!open_arr) {
                json_key_array_begin(w, kind == 0 ? "id" : "label");
                open_arr = true;
            }
            json_write_string(w, name + pl);
        }
        if (open_arr)
            json_array_end(w);
    }
    if (open_traffic)
        json_object_end(w);
    bool open_md = false, open_arr = false;
    for (uint32_t i = flowbit_next(s, 0, nbits); i < nbits; i = flowbit_next(s, i + 1, nbits)) {
        const char *name = rule_set_var_name(rs, RULE_VAR_FLOWBIT, i);
        if (!name || strncmp(name, "traffic/", 8) == 0)
            continue;
        if (!open_md) {
            json_key_object_begin(w, "metadata");
            open_md = true;
        }
        if (!open_arr) {
            json_key_array_begin(w, "flowbits");
            open_arr = true;
        }
        json_write_string(w, name);
    }
    if (open_arr)
        json_array_end(w);
    bool open_ints = false;
    for (uint32_t i = 0; i < nints; i++) {
        const char *name = rule_set_var_name(rs, RULE_VAR_FLOWINT, i);
        if (!s->flowint_set[i] || !name)
            continue;
        if (!open_md) {
            json_key_object_begin(w, "metadata");
            open_md = true;
        }
        if (!open_ints) {
            json_key_object_begin(w, "flowints");
            open_ints = true;
        }
        json_key_i64(w, name, s->flowint_value[i]);
    }
    if (open_ints)
        json_object_end(w);
    if (open_md)
        json_object_end(w);
}


/* Flowbits and flowint conditions (isset, isnotset, comparisons). */
static bool flowvar_conditions(const struct rule *r, const struct detect_flow_state *s)
{
    for (uint32_t i = 0; i < r->nflowbits; i++) {
        const struct rule_flowbit *fb = &r->flowbits[i];
        if (fb->is_xbits && fb->track != 0)
            return false; /* host/ip-pair xbits are not tracked */
        if (fb->cmd == RULE_FLOWBIT_ISSET || fb->cmd == RULE_FLOWBIT_ISNOTSET) {
            bool any = false;
            for (uint16_t k = 0; k < fb->nids; k++) {
                bool set = flowbit_isset(s, fb->ids[k]);
                if ((fb->cmd == RULE_FLOWBIT_ISSET) == set) {
                    any = true;
                    break;
                }
            }
            if (!any)
                return false;
        }
    }
    for (uint32_t i = 0; i < r->nflowints; i++) {
        const struct rule_flowint *fi = &r->flowints[i];
        bool set = s && s->flowint_set && s->flowint_set[fi->id];
        if (fi->op == RULE_FLOWINT_ISSET) {
            if (!set)
                return false;
            continue;
        }
        if (fi->op == RULE_FLOWINT_NOTSET) {
            if (set)
                return false;
            continue;
        }
        if (fi->op <= RULE_FLOWINT_SUB)
            continue; /* actions */
        if (!set)
            return false;
        int64_t v = s->flowint_value[fi->id], want = fi->value;
        if (fi->value_is_var) {
            if (!s->flowint_set[fi->value])
                return false;
            want = s->flowint_value[fi->value];
        }
        bool ok;
        switch (fi->op) {
        case RULE_FLOWINT_EQ: ok = v == want; break;
        case RULE_FLOWINT_NE: ok = v != want; break;
        case RULE_FLOWINT_LT: ok = v < want; break;
        case RULE_FLOWINT_LE: ok = v <= want; break;
        case RULE_FLOWINT_GT: ok = v > want; break;
        case RULE_FLOWINT_GE: ok = v >= want; break;
        default: ok = false;
        }
        if (!ok)
            return false;
    }
    return true;
}

static void flowvar_actions(const struct rule *r, struct detect_flow_state *s)
{
    if (!s)
        return;
    for (uint32_t i = 0; i < r->nflowbits; i++) {
        const struct rule_flowbit *fb = &r->flowbits[i];
        if (!s->flowbits || (fb->is_xbits && fb->track != 0))
            continue;
        for (uint16_t k = 0; k < fb->nids; k++) {
            uint32_t id = fb->ids[k];
            uint8_t bit = (uint8_t)(1u << (id & 7));
            if (fb->cmd == RULE_FLOWBIT_SET)
                s->flowbits[id >> 3] |= bit;
            else if (fb->cmd == RULE_FLOWBIT_UNSET)
                s->flowbits[id >> 3] &= (uint8_t)~bit;
            else if (fb->cmd == RULE_FLOWBIT_TOGGLE)
                s->flowbits[id >> 3] ^= bit;
        }
    }
    for (uint32_t i = 0; i < r->nflowints; i++) {
        const struct rule_flowint *fi = &r->flowints[i];
        if (fi->op > RULE_FLOWINT_SUB || !s->flowint_set)
            continue;
        int64_t v = fi->value;
        if (fi->value_is_var) {
            if (!s->flowint_set[fi->value])
                continue;
            v = s->flowint_value[fi->value];
        }
        if (fi->op == RULE_FLOWINT_SET) {
            s->flowint_value[fi->id] = v;
            s->flowint_set[fi->id] = 1;
        } else if (s->flowint_set[fi->id]) {
            s->flowint_value[fi->id] += fi->op == RULE_FLOWINT_ADD ? v : -v;
        } else if (fi->op == RULE_FLOWINT_ADD) {
            /* Suricata: adding to an unset flowint sets it. */
            s->flowint_value[fi->id] = v;
            s->flowint_set[fi->id] = 1;
        }
    }
}

static bool rule_is_noalert(const struct rule *r)
{
    if (r->flags & RULE_FLAG_NOALERT)
        return true;
    for (uint32_t i = 0; i < r->nflowbits; i++)
        if (r->flowbits[i].cmd == RULE_FLOWBIT_NOALERT)
            return true;
    return false;
}

/* ---- thresholds and suppression ---- */

static uint64_t hash_mix(uint64_t x)
{
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdull;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ull;
    x ^= x >> 33;
    return x;
}

static uint64_t addr_hash(const struct ip_address *a)
{
    uint64_t lo, hi;
    memcpy(&lo, a->addr.u8, 8);
    memcpy(&hi, a->addr.u8 + 8, 8);
    return hash_mix(lo ^ hash_mix(hi));
}

/* Applies one threshold (limit / threshold / both / detection_filter) to a
 * match: true if the alert is to be raised. The table is the sensor's
 * (struct detect_shared), so counts by source or destination are the same
 * with one worker and with several. */
/* The table key of a rule's threshold (salt tells the kinds apart), by
 * gid:sid so counts carry over a rule reload (as Suricata's do). Never 0. */
static uint64_t threshold_key(const struct rule *r, const struct rule_threshold *t,
                              const struct packet *p, int salt)
{
    uint64_t key = hash_mix(hash_mix(RULE_KEY(r)) + ((uint64_t)salt << 4 | t->track) + 1);
    if (t->track == RULE_TRACK_BY_SRC)
        key ^= addr_hash(&p->src);
    else if (t->track == RULE_TRACK_BY_DST)
        key ^= addr_hash(&p->dst);
    else if (t->track == RULE_TRACK_BY_BOTH) {
        /* An address pair, whichever way the packet goes (Suricata's
         * by_both tracks the IP pair, not a direction). */
        uint64_t a = addr_hash(&p->src), b = addr_hash(&p->dst);
        key ^= a < b ? a * 3 + b : b * 3 + a;
    }
    else if (t->track == RULE_TRACK_BY_FLOW && p->flow)
        key ^= hash_mix(p->flow->flow_id);
    return key ? key : 1;
}

/* Time since a window started. Workers run a little apart in packet time,
 * so a packet may be older than the window another worker started: that
 * packet is within the window. */
static inline uint64_t since_usec(uint64_t now, uint64_t start)
{
    return now > start ? now - start : 0;
}

static bool threshold_apply(struct threshold_entry *table, const struct rule *r,
                            const struct rule_threshold *t, const struct packet *p, int salt);

static bool threshold_allows(struct detect_worker *dw, const struct rule *r,
                             const struct rule_threshold *t, const struct packet *p, int salt)
{
    struct detect_shared *sh = dw->shared;
    shared_lock(dw, p);
    bool ok = threshold_apply(sh->thresholds, r, t, p, salt);
    pthread_mutex_unlock(&sh->lock);
    return ok;
}

static bool threshold_apply(struct threshold_entry *table, const struct rule *r,
                            const struct rule_threshold *t, const struct packet *p, int salt)
{
    uint64_t key = threshold_key(r, t, p, salt);
    uint32_t mask = THRESHOLD_TABLE_SIZE - 1, slot = (uint32_t)key & mask;
    struct threshold_entry *e = NULL;
    for (uint32_t probe = 0; probe < 16; probe++) {
        struct threshold_entry *c = &table[(slot + probe) & mask];
        if (c->key == key || c->key == 0) {
            e = c;
            break;
        }
    }
    uint64_t window = (uint64_t)t->seconds * 1000000u;
    if (!e) {
        /* Table crowded: reuse the slot whose window is oldest. */
        e = &table[slot];
        for (uint32_t probe = 1; probe < 16; probe++) {
            struct threshold_entry *c = &table[(slot + probe) & mask];
            if (c->window_start_usec < e->window_start_usec)
                e = c;
        }
        e->key = 0;
    }
    bool backoff = t->type == RULE_THRESHOLD_BACKOFF; /* no time window */
    if (e->key != key || (!backoff && since_usec(p->ts_usec, e->window_start_usec) >= window)) {
        e->key = key;
        e->window_start_usec = p->ts_usec;
        e->count = 0;
        e->next = t->count;
        e->fired = false;
    }
    e->count++;
    switch (t->type) {
    case RULE_THRESHOLD_BACKOFF:
        /* Suricata 8: alert at count, count*multiplier, count*multiplier^2... */
        if (e->count == e->next) {
            uint64_t m = t->multiplier > 1 ? t->multiplier : 2;
            e->next = e->next > UINT64_MAX / m ? UINT64_MAX : e->next * m;
            return true;
        }
        return false;
    case RULE_THRESHOLD_LIMIT:
        return e->count <= t->count;
    case RULE_THRESHOLD_THRESHOLD:
        if (e->count >= t->count) {
            e->count = 0;
            e->window_start_usec = p->ts_usec;
            return true;
        }
        return false;
    case RULE_THRESHOLD_BOTH:
        if (e->count >= t->count && !e->fired) {
            e->fired = true;
            return true;
        }
        return false;
    case RULE_THRESHOLD_DETECTION_FILTER:
        return e->count > t->count;
    default:
        return true;
    }
}

static bool suppressed_by_config(struct detect_worker *dw, const struct rule *r,
                                 const struct packet *p, bool *has_override,
                                 const struct rule_threshold **override)
{
    size_t n = rule_set_threshold_cfg_count(dw->rs);
    *has_override = false;
    for (size_t i = 0; i < n; i++) {
        const struct rule_threshold_cfg *c = rule_set_threshold_cfg(dw->rs, i);
        if ((c->sid && c->sid != r->sid) || (c->gid && c->gid != r->gid))
            continue;
        if (c->type == RULE_TCFG_SUPPRESS) {
            if (!c->has_ip)
                return true;
            const struct ip_address *a = c->t.track == RULE_TRACK_BY_DST ? &p->dst : &p->src;
            if (c->t.track == RULE_TRACK_BY_BOTH) {
                if (addr_match(&c->ip, &p->src) || addr_match(&c->ip, &p->dst))
                    return true;
            } else if (addr_match(&c->ip, a)) {
                return true;
            }
        } else if (c->type == RULE_TCFG_EVENT_FILTER && !*has_override) {
            *has_override = true;
            *override = &c->t;
        }
    }
    return false;
}

/* rate_filter (threshold.config): once a rule matched more than count times
 * within seconds (by rule, source, destination or both), its action becomes
 * new_action for timeout seconds, as in Suricata. Returns the action in
 * effect, or -1 when no rate_filter changes it. */
static int rate_filter_apply(struct detect_worker *dw, struct threshold_entry *table,
                             const struct rule *r, const struct packet *p);

static int rate_filter_action(struct detect_worker *dw, const struct rule *r,
                              const struct packet *p)
{
    struct detect_shared *sh = dw->shared;
    shared_lock(dw, p);
    int a = rate_filter_apply(dw, sh->thresholds, r, p);
    pthread_mutex_unlock(&sh->lock);
    return a;
}

static int rate_filter_apply(struct detect_worker *dw, struct threshold_entry *table,
                             const struct rule *r, const struct packet *p)
{
    size_t n = rule_set_threshold_cfg_count(dw->rs);
    for (size_t i = 0; i < n; i++) {
        const struct rule_threshold_cfg *c = rule_set_threshold_cfg(dw->rs, i);
        if (c->type != RULE_TCFG_RATE_FILTER || (c->sid && c->sid != r->sid) ||
            (c->gid && c->gid != r->gid))
            continue;
        const struct rule_threshold *t = &c->t;
        uint64_t key = threshold_key(r, t, p, 3);
        uint32_t mask = THRESHOLD_TABLE_SIZE - 1, slot = (uint32_t)key & mask;
        struct threshold_entry *e = &table[slot];
        for (uint32_t probe = 0; probe < 16; probe++) {
            struct threshold_entry *x = &table[(slot + probe) & mask];
            if (x->key == key || x->key == 0) {
                e = x;
                break;
            }
        }
        uint64_t now = p->ts_usec;
        if (e->key != key) {
            memset(e, 0, sizeof *e);
            e->key = key;
            e->window_start_usec = now;
        }
        /* e->next: end of the new_action period (0: none). */
        if (e->next && now < e->next)
            return c->new_action;
        if (e->next) {
            e->next = 0;
            e->count = 0;
            e->window_start_usec = now;
        }
        if (since_usec(now, e->window_start_usec) >= (uint64_t)t->seconds * 1000000u) {
            e->count = 0;
            e->window_start_usec = now;
        }
        if (++e->count > t->count) {
            e->next = now + (uint64_t)c->timeout * 1000000u;
            if (!e->next)
                e->next = 1;
            return c->new_action;
        }
        return -1;
    }
    return -1;
}

/* The thresholding stage of a full match: ALERT_OK, or held back - a
 * suppress still applies the rule's action (ALERT_SUPPRESSED), a threshold
 * or detection_filter not reached does not (ALERT_HELD). */
enum { ALERT_HELD = 0, ALERT_OK = 1, ALERT_SUPPRESSED = 2 };
static int alert_check(struct detect_worker *dw, const struct rule *r, const struct packet *p)
{
    if (r->flags & RULE_FLAG_HAS_DETECTION_FILTER)
        if (!threshold_allows(dw, r, &r->detection_filter, p, 1))
            return ALERT_HELD;
    bool has_override = false;
    const struct rule_threshold *override = NULL;
    if (rule_set_threshold_cfg_count(dw->rs) &&
        suppressed_by_config(dw, r, p, &has_override, &override))
        return ALERT_SUPPRESSED;
    if (rule_set_threshold_cfg_count(dw->rs) && has_override)
        return threshold_allows(dw, r, override, p, 2) ? ALERT_OK : ALERT_HELD;
    if (r->flags & RULE_FLAG_HAS_THRESHOLD)
        return threshold_allows(dw, r, &r->threshold, p, 0) ? ALERT_OK : ALERT_HELD;
    return ALERT_OK;
}

/* ---- buffer inspection ---- */

struct inspect_source {
    const uint8_t *payload;     /* packet payload or stream window */
    uint32_t payload_len;
    const struct app_tx *tx;    /* NULL outside transaction inspection */
    uint8_t direction;          /* the side of the transaction inspected */
    const struct packet *packet; /* for the address buffers (ip.src, ip.dst) */
    const struct app_frame_info *frame; /* the frame inspected (frame rules) */
};

static bool list_match_tx_buffer(struct detect_worker *dw, const struct rule *r,
                                 const struct rule_buffer_match *bl, const struct app_tx *tx,
                                 int app_buffer, uint8_t direction)
{
    for (uint32_t idx = 0; idx < 64; idx++) {
        const uint8_t *d;
        uint32_t len;
        int rc = bl->has_arg ? app_tx_get_buffer_arg(tx, (enum app_buffer)app_buffer, bl->arg, idx,
                                                     &d, &len)
                             : app_tx_get_buffer_dir(tx, (enum app_buffer)app_buffer, direction,
                                                     idx, &d, &len);
        if (rc != 0)
            return false;
        /* An empty buffer is no buffer (Suricata does not inspect it, so a
         * negated content cannot match it), except for bsize checks. */
        if (len == 0 && !(bl->nitems && bl->items[0].type == DETECT_ITEM_BSIZE))
            continue;
        if (detect_buffer_inspect(r, bl, d, len, dw->ctx))
            return true;
    }
    return false;
}

static bool buffers_match(struct detect_worker *dw, const struct rule *r,
                          const struct inspect_source *src)
{
    /* A new evaluation of the rule: datajson contexts recorded by an
     * earlier one that did not alert (another packet, maybe another flow)
     * must not reach this one's alert. */
    dw->ctx->rule = NULL;
    dw->ctx->ndsctx = 0;
    for (uint32_t i = 0; i < r->nbuffers; i++) {
        const struct rule_buffer_match *bl = &r->buffers[i];
        if (bl->buffer_id == DETECT_BUFFER_BASE64_DATA)
            continue; /* inspected by base64_decode within its source list */
        int ab = bl->buffer_id < 256 ? dw->buffer_to_app[bl->buffer_id] : -1;
        if (ab >= 0) {
            if (!src->tx || !list_match_tx_buffer(dw, r, bl, src->tx, ab, src->direction))
                return false;
        } else if (bl->buffer_id == DETECT_BUFFER_PAYLOAD) {
            if (!src->payload || src->payload_len == 0)
                return false;
            if (!detect_buffer_inspect(r, bl, src->payload, src->payload_len, dw->ctx))
                return false;
        } else if (bl->buffer_id == dw->frame_buffer) {
            if (!src->frame || !detect_buffer_inspect(r, bl, src->frame->data,
                                                      src->frame->data_len, dw->ctx))
                return false;
        } else if (bl->buffer_id == DETECT_BUFFER_IP_SRC || bl->buffer_id == DETECT_BUFFER_IP_DST) {
            const struct packet *p = src->packet;
            if (!p || (p->ip_version != 4 && p->ip_version != 6))
                return false;
            const struct ip_address *a = bl->buffer_id == DETECT_BUFFER_IP_SRC ? &p->src : &p->dst;
            bool v4 = a->family == 4;
            if (!detect_buffer_inspect(r, bl, v4 ? a->addr.u8 + 12 : a->addr.u8, v4 ? 4 : 16,
                                       dw->ctx))
                return false;
        } else {
            return false; /* a buffer vigil does not provide */
        }
    }
    return true;
}

/* ---- alert collection ---- */

struct packet_run {
    struct detect_worker *dw;
    const struct packet *p;
    struct flow *f;
    struct detect_flow_state *s;
    struct detect_alert *alerts;
    uint32_t nalerts, max;
    bool pass;
    bool pass_flow;      /* the pass applies to the flow (see add_alert) */
    uint32_t pass_rank;  /* rank of the first matching pass rule (action-order) */
    bool tag_started;    /* this packet started a tag: it is not itself "tagged" */
    const struct detect_packet_events *events;
    uint16_t l2_proto;   /* a layer-2 frame's protocol (detect_l2_packet), else 0 */
    const struct app_frame_info *frame; /* during the frame pass: the frame */
    const struct detect_group *const *groups; /* the packet's rule groups */
    unsigned ngroups;
};

/* The tag of address a (sh->lock held). */
static struct host_tag *host_tag_slot(struct detect_shared *sh, const struct ip_address *a,
                                      bool create)
{
    uint32_t mask = HOST_TAG_TABLE_SIZE - 1, slot = (uint32_t)addr_hash(a) & mask;
    for (uint32_t probe = 0; probe < 8; probe++) {
        struct host_tag *h = &sh->host_tags[(slot + probe) & mask];
        if (h->used && memcmp(&h->addr, a, sizeof *a) == 0)
            return h;
        if (!h->used && create) {
            memset(h, 0, sizeof *h);
            h->addr = *a;
            h->used = true;
            atomic_fetch_add_explicit(&sh->host_tags_used, 1, memory_order_relaxed);
            return h;
        }
    }
    if (!create)
        return NULL;
    /* Crowded: the new tag replaces the entry at the home slot. */
    struct host_tag *h = &sh->host_tags[slot];
    memset(h, 0, sizeof *h);
    h->addr = *a;
    h->used = true;
    return h;
}

static void tag_start(struct packet_run *run, const struct rule_tag *t)
{
    /* As Suricata counts it, the packet that starts the tag is its first
     * (it is logged as the alert, not as a tagged packet). */
    uint64_t use = t->metric == RULE_TAG_BYTES ? run->p->caplen : 1;
    uint64_t remaining = t->count > use ? t->count - use : 0, until = 0;
    if (t->metric == RULE_TAG_SECONDS)
        until = run->p->ts_usec + (uint64_t)t->count * 1000000u;
    if (t->type == RULE_TAG_SESSION) {
        if (!run->s)
            return;
        run->s->tag.active = true;
        run->s->tag.metric = t->metric;
        run->s->tag.remaining = remaining;
        run->s->tag.until_usec = until;
        return;
    }
    const struct ip_address *a = t->direction == 0 ? &run->p->src : &run->p->dst;
    struct detect_shared *sh = run->dw->shared;
    shared_lock(run->dw, run->p);
    struct host_tag *h = host_tag_slot(sh, a, true);
    h->metric = t->metric;
    h->remaining = remaining;
    h->until_usec = until;
    pthread_mutex_unlock(&sh->lock);
}

/* Consumes one packet of a tag; false when the tag has run out. */
static bool tag_consume(uint8_t metric, uint64_t *remaining, uint64_t until_usec,
                        const struct packet *p)
{
    if (metric == RULE_TAG_SECONDS)
        return p->ts_usec <= until_usec;
    uint64_t use = metric == RULE_TAG_BYTES ? p->caplen : 1;
    if (*remaining == 0)
        return false;
    *remaining = *remaining > use ? *remaining - use : 0;
    return true;
}

/* Packets after a tagging alert are reported as "Tagged Packet". */
static void tag_check(struct packet_run *run)
{
    const struct packet *p = run->p;
    bool tagged = false;
    if (run->s && run->s->tag.active) {
        if (tag_consume(run->s->tag.metric, &run->s->tag.remaining, run->s->tag.until_usec, p))
            tagged = true;
        else
            run->s->tag.active = false;
    }
    struct detect_shared *sh = run->dw->shared;
    if (p->ip_version && atomic_load_explicit(&sh->host_tags_used, memory_order_relaxed)) {
        pthread_mutex_lock(&sh->lock);
        for (int side = 0; side < 2; side++) {
            struct host_tag *h = host_tag_slot(sh, side ? &p->dst : &p->src, false);
            if (!h)
                continue;
            if (tag_consume(h->metric, &h->remaining, h->until_usec, p)) {
                tagged = true;
            } else {
                h->used = false;
                atomic_fetch_sub_explicit(&sh->host_tags_used, 1, memory_order_relaxed);
            }
        }
        pthread_mutex_unlock(&sh->lock);
    }
    if (tagged && run->nalerts < run->max) {
        struct detect_alert *a = &run->alerts[run->nalerts++];
        memset(a, 0, sizeof *a);
        a->rule = &tag_rule;
        a->direction = p->flow_direction;
        run->dw->stats.alerts++;
    }
}

static void add_alert(struct packet_run *run, const struct rule *r, const struct app_tx *tx,
                      bool from_stream)
{
    struct detect_worker *dw = run->dw;
    /* A packet rule alerts once per packet; a transaction rule once per
     * transaction (tx_decide), so several transactions completed by one
     * packet each get their alert, as in Suricata. Event rules match the
     * events raised on the packet, so they too alert once per packet. */
    if (dw->alerted[r->id] && !run->frame && (!tx || r->app_event || r->pkt_event))
        return; /* (a frame rule alerts once per frame) */
    if (!dw->alerted[r->id]) {
        dw->alerted[r->id] = 1;
        dw->alerted_list[dw->alerted_count++] = r->id;
    }
    /* Suricata applies a drop or pass to the flow when the match was on a
     * transaction or on stream data, or the rule is IP-only or an
     * application-layer rule (a protocol in the header and no packet
     * keyword: Suricata's app_layer type); a packet rule's (dsize, flags,
     * ... even with a protocol in its header) only to the packet. */
    bool to_flow = tx || from_stream || dw->ip_only[r->id] || dw->kind[r->id] == RULE_KIND_TX ||
                   (dw->app_proto_of_rule[r->id] >= 0 && r->npkt == 0);
    bool noalert = rule_is_noalert(r);
    bool has_cfg = rule_set_threshold_cfg_count(dw->rs) > 0;
    if (r->action == RULE_ACTION_PASS && !has_cfg) {
        run->pass = true;
        run->pass_flow = to_flow && run->f;
        if (dw->rank[r->id] < run->pass_rank)
            run->pass_rank = dw->rank[r->id];
        return;
    }
    int allow = noalert ? ALERT_OK : alert_check(dw, r, run->p);
    if (allow == ALERT_HELD) {
        dw->stats.alerts_suppressed++;
        return;
    }
    uint8_t action = r->action;
    bool rate_modified = false;
    if (has_cfg) {
        int ra = rate_filter_action(dw, r, run->p);
        if (ra >= 0) {
            action = (uint8_t)ra;
            rate_modified = true;
        }
    }
    if (action == RULE_ACTION_PASS) {
        run->pass = true;
        run->pass_flow = to_flow && run->f;
        if (dw->rank[r->id] < run->pass_rank)
            run->pass_rank = dw->rank[r->id];
        return;
    }
    if (action != RULE_ACTION_ALERT) {
        static const uint8_t bits[] = {
            [RULE_ACTION_DROP] = DETECT_ACTION_DROP,
            [RULE_ACTION_REJECT] = DETECT_ACTION_REJECT | DETECT_ACTION_DROP,
            [RULE_ACTION_REJECTSRC] = DETECT_ACTION_REJECT | DETECT_ACTION_DROP,
            [RULE_ACTION_REJECTDST] = DETECT_ACTION_REJECT_DST | DETECT_ACTION_DROP,
            [RULE_ACTION_REJECTBOTH] = DETECT_ACTION_REJECT_BOTH | DETECT_ACTION_DROP,
        };
        struct detect_verdict *v = &dw->verdict;
        if (action < sizeof bits)
            v->actions |= bits[action];
        if (!v->drop_rule) {
            v->drop_rule = r;
            v->rate_filter = rate_modified;
        }
        if (to_flow && run->f)
            v->drop_flow = true;
    }
    if (allow == ALERT_SUPPRESSED) {
        dw->stats.alerts_suppressed++;
        return;
    }
    if (noalert)
        return;
    if (run->nalerts >= run->max) {
        dw->stats.alert_queue_overflow++;
        return;
    }
    if (r->flags & RULE_FLAG_HAS_TAG) {
        run->tag_started = true;
        for (uint8_t i = 0; i < r->ntags; i++)
            tag_start(run, &r->tag[i]);
    }
    struct detect_alert *a = &run->alerts[run->nalerts++];
    a->rule = r;
    a->tx = tx;
    a->tx_id = tx ? app_tx_id(tx) : 0;
    a->direction = run->p->flow_direction;
    a->from_stream = from_stream;
    a->action = action;
    a->rate_modified = rate_modified;
    a->has_frame = run->frame != NULL;
    /* the datajson members its evaluation matched (alert.context) */
    struct detect_thread_ctx *tc = dw->ctx;
    a->ncontext = tc->rule == r ? tc->ndsctx : 0;
    for (uint8_t i = 0; i < a->ncontext; i++)
        a->context[i] = tc->dsctx[i];
    tc->ndsctx = 0;
    if (run->frame) {
        const struct app_frame_info *fi = run->frame;
        a->frame = (struct detect_alert_frame){.id = fi->id, .offset = fi->offset, .len = fi->len,
                                               .tx_id = fi->log_tx_id, .type = fi->type_name,
                                               .direction = fi->direction,
                                               .complete = fi->complete,
                                               .data = fi->data,
                                               .data_len = fi->data_len,
                                               .missing = fi->missing,
                                               .missing_at = fi->missing_at};
    }
    dw->stats.alerts++;
}

/* The candidates collected since the last reset, unsorted: the engine's
 * own accessor sorts them by rule id, which evaluation order doesn't need. */
static uint32_t candidates_unsorted(struct detect_worker *dw, const uint32_t **ids)
{
    *ids = dw->ctx->cand;
    return dw->ctx->ncand;
}

static rule_ip_t packet_rule_ip(const struct ip_address *a)
{
    if (a->family == 4) {
        const uint8_t *b = &a->addr.u8[12];
        return rule_ip_from_v4((uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 |
                               b[3]);
    }
    return rule_ip_from_v6(a->addr.u8);
}

/* Collects candidates of every group for the given buffers, and the groups'
 * non-prefilter rules that can match the packet's addresses (the engine's
 * address index skips IP-reputation rules for other addresses). IP-only
 * rules among them are dropped at evaluation unless ip_only is true (first
 * packet of a flow direction, or a packet without a flow). */
static uint32_t gather_candidates(struct detect_worker *dw, const struct detect_group *const *g,
                                  unsigned ng, const uint8_t *const *datas, const uint32_t *lens,
                                  const int *buffer_ids, unsigned nb, const struct packet *p,
                                  const uint32_t **ids)
{
    detect_candidates_reset(dw->ctx);
    rule_ip_t src = 0, dst = 0;
    if (p->ip_version) {
        src = packet_rule_ip(&p->src);
        dst = packet_rule_ip(&p->dst);
    }
    for (unsigned i = 0; i < ng; i++) {
        for (unsigned b = 0; b < nb; b++)
            if (datas[b] && lens[b])
                detect_prefilter_scan(g[i], buffer_ids[b], datas[b], lens[b], dw->ctx);
        if (p->ip_version)
            detect_candidates_add_nonprefilter_addr(g[i], src, dst, dw->ctx);
        else
            detect_candidates_add_nonprefilter(g[i], dw->ctx);
    }
    return candidates_unsorted(dw, ids);
}

static bool order_reserve(struct detect_worker *dw, uint32_t n)
{
    if (n <= dw->order_cap)
        return true;
    uint32_t cap = dw->order_cap ? dw->order_cap : 64;
    while (cap < n)
        cap *= 2;
    uint32_t *o = realloc(dw->order, cap * sizeof *o);
    uint32_t *t = realloc(dw->order_tmp, cap * sizeof *t);
    if (o)
        dw->order = o;
    if (t)
        dw->order_tmp = t;
    if (!o || !t)
        return false;
    dw->order_cap = cap;
    return true;
}

/* Puts the candidates (any order) into evaluation order: an LSD radix sort
 * of their ranks (8 bits a pass, as many passes as the rule count needs),
 * then ranks mapped back to rule ids. No comparison sort, no allocation. */
static uint32_t order_candidates(struct detect_worker *dw, const uint32_t *ids, uint32_t n)
{
    if (!order_reserve(dw, n))
        return 0;
    uint32_t *a = dw->order, *b = dw->order_tmp;
    for (uint32_t i = 0; i < n; i++)
        a[i] = dw->rank[ids[i]];
    if (n <= 32) {
        /* Few candidates (most packets): an insertion sort beats clearing
         * and summing the radix passes' 257 counters. */
        for (uint32_t i = 1; i < n; i++) {
            uint32_t v = a[i], j = i;
            for (; j > 0 && a[j - 1] > v; j--)
                a[j] = a[j - 1];
            a[j] = v;
        }
        for (uint32_t i = 0; i < n; i++)
            a[i] = dw->by_rank[a[i]];
        return n;
    }
    for (unsigned shift = 0; shift < 32 && (dw->nrules - 1) >> shift; shift += 8) {
        uint32_t count[257] = {0};
        for (uint32_t i = 0; i < n; i++)
            count[((a[i] >> shift) & 0xff) + 1]++;
        for (int k = 0; k < 256; k++)
            count[k + 1] += count[k];
        for (uint32_t i = 0; i < n; i++)
            b[count[(a[i] >> shift) & 0xff]++] = a[i];
        uint32_t *t = a;
        a = b;
        b = t;
    }
    for (uint32_t i = 0; i < n; i++)
        dw->order[i] = dw->by_rank[a[i]];
    return n;
}


static bool app_proto_ok(const struct detect_worker *dw, const struct rule *r, const struct flow *f,
                         uint16_t l2_proto)
{
    int want = dw->app_proto_of_rule[r->id];
    if (!f && l2_proto)
        return want == l2_proto && dw->app_proto_match[r->id] < 0;
    /* As in Suricata, dcerpc rules also see DCE/RPC over SMB, and http rules
     * (not http1 ones) both HTTP/1 and HTTP/2. */
    if (want >= 0 && (!f || (f->app_proto != want &&
                             !(want == APP_PROTO_DCERPC && f->app_proto == APP_PROTO_SMB) &&
                             !(want == APP_PROTO_HTTP && r->app_proto == RULE_APP_HTTP &&
                               f->app_proto == APP_PROTO_HTTP2))))
        return false;
    int m = dw->app_proto_match[r->id];
    if (m >= 0) {
        /* A negated app-layer-protocol only matches once the protocol is
         * known: an undecided flow is not "not http" yet. */
        if (!f || (f->app_proto == APP_PROTO_UNKNOWN && m != APP_PROTO_UNKNOWN))
            return false;
        bool eq = f->app_proto == m;
        if (r->flags & RULE_FLAG_APP_PROTO_NEGATED ? eq : !eq)
            return false;
        for (uint8_t i = 0; i < r->n_app_proto_match_extra; i++) {
            int x = map_rule_app_proto(r->app_proto_match_extra[i]);
            bool xeq = x >= 0 && f->app_proto == x;
            if ((r->app_proto_extra_negated >> i) & 1 ? xeq : !xeq)
                return false;
        }
    }
    return true;
}

/* decode-event / stream-event / app-layer-event: raised on this packet. */
static int other_tx_has_event(struct app_tx *other, void *user)
{
    const struct app_tx **args = user; /* {tx, (const char *) name} */
    return other != args[0] && app_tx_has_event(other, (const char *)args[1]);
}

/* A packet event of a parser that raises each event on the packet delivering
 * its message belongs to the transaction that records it: when another
 * transaction of the flow does and this one does not, it is not this one's
 * (so the alert names the right transaction). Events no transaction records
 * (framing errors) belong to the flow and stay matched. */
static bool packet_event_is_other_tx(struct flow *f, const struct app_tx *tx, const char *name)
{
    if (!f || !f->app || !tx || !app_tx_events_on_packet(tx) || app_tx_has_event(tx, name))
        return false;
    const void *args[2] = {tx, name};
    return app_flow_state_tx_foreach(f->app, other_tx_has_event, (void *)args) != 0;
}

static bool events_match(const struct detect_worker *dw, const struct rule *r,
                         const struct packet *p, struct flow *f,
                         const struct detect_packet_events *ev, const struct app_tx *tx)
{
    int16_t want = dw->pkt_event[r->id];
    if (want != -1) {
        bool found = false;
        if (want >= 0 && r->pkt_event_kind == RULE_EVENT_STREAM) {
            for (uint32_t i = 0; ev && i < ev->nstream && !found; i++)
                found = ev->stream[i] == want;
        } else if (want >= 0) {
            for (uint8_t i = 0; i < p->event_count && !found; i++)
                found = p->events[i] == want;
        }
        if (!found)
            return false;
    }
    if (r->app_event) {
        bool found = false;
        const char *want_name = r->app_event;
        const char *dot = strchr(want_name, '.');
        for (uint32_t i = 0; ev && i < ev->napp && !found; i++) {
            const char *proto = app_proto_name(ev->app[i].app_proto);
            if (dot) {
                size_t pl = (size_t)(dot - want_name);
                found = strlen(proto) == pl && strncasecmp(want_name, proto, pl) == 0 &&
                        strcasecmp(dot + 1, ev->app[i].name) == 0;
            } else {
                found = strcasecmp(want_name, ev->app[i].name) == 0;
            }
        }
        if (found && packet_event_is_other_tx(f, tx, want_name))
            found = false;
        /* Events match on the packet that raised them. With ACK-based
         * delivery a request's events are raised on the server's ACK, so a
         * rule bound to the request side also looks at the events kept on the
         * transaction it inspects (rules without a direction do not, or the
         * same event would match on both sides). A one-sided transaction
         * (DNS, DNP3) has one side only, so any rule may look at its events. */
        if (!found && tx &&
            ((r->flags & (RULE_FLAG_TOSERVER | RULE_FLAG_TOCLIENT)) || app_tx_direction(tx) >= 0))
            found = app_tx_has_event(tx, want_name);
        if (r->flags & RULE_FLAG_APP_EVENT_NEGATED ? found : !found)
            return false;
    }
    return true;
}

static bool lua_flowint_get(void *state, uint32_t id, int64_t *value)
{
    const struct detect_flow_state *s = state;
    if (!s || !s->flowint_set || id >= s->nflowints || !s->flowint_set[id])
        return false;
    *value = s->flowint_value[id];
    return true;
}

static void lua_flowint_put(void *state, uint32_t id, int64_t value)
{
    struct detect_flow_state *s = state;
    if (!s || !s->flowint_set || id >= s->nflowints)
        return;
    s->flowint_value[id] = value;
    s->flowint_set[id] = 1;
}

/* The rule's Lua scripts, after everything else held (detect_lua.h). */
static bool lua_conditions(struct packet_run *run, const struct rule *r,
                           const struct inspect_source *src)
{
    struct detect_worker *dw = run->dw;
    for (uint32_t i = 0; i < r->nlua; i++) {
        struct detect_lua_ctx c = {.p = run->p, .f = run->f, .tx = src->tx,
                                   .direction = src->tx ? src->direction : run->p->flow_direction,
                                   .rule = r, .rs = dw->rs, .thread = dw->ctx,
                                   .flow_state = run->s, .flowint_get = lua_flowint_get,
                                   .flowint_put = lua_flowint_put};
        int b = detect_lua_buffer(r->lua[i]);
        if (b >= 0 && src->tx) {
            const uint8_t *d;
            uint32_t len;
            if (app_tx_get_buffer_dir(src->tx, (enum app_buffer)b, c.direction, 0, &d, &len) == 0) {
                c.buffer = d;
                c.buffer_len = len;
            }
        } else if (src->payload) {
            c.buffer = src->payload;
            c.buffer_len = src->payload_len;
        }
        int m = detect_lua_match(&dw->lua, r->lua[i], &c);
        struct detect_lua_stats ls = detect_lua_worker_stats(dw->lua);
        dw->stats.lua_errors = ls.errors;
        dw->stats.lua_blocked_function_errors = ls.blocked_function_errors;
        dw->stats.lua_instruction_limit_errors = ls.instruction_limit_errors;
        dw->stats.lua_memory_limit_errors = ls.memory_limit_errors;
        if (!m)
            return false;
    }
    return true;
}

/* Common checks and evaluation of one candidate in one context. */
static bool rule_matches(struct packet_run *run, const struct rule *r,
                         const struct inspect_source *src, bool stream_ctx)
{
    struct detect_worker *dw = run->dw;
    dw->stats.rules_evaluated++;
    if (!header_match(r, run->p))
        return false;
    if (!flow_flags_match(r, run->p, run->f, stream_ctx))
        return false;
    if (!app_proto_ok(dw, r, run->f, run->l2_proto))
        return false;
    if (!pkt_matches(r, run->p, run->s))
        return false;
    if ((r->pkt_event || r->app_event) &&
        !events_match(dw, r, run->p, run->f, run->events, src->tx))
        return false;
    if (!flowvar_conditions(r, run->s))
        return false;
    if (!buffers_match(dw, r, src))
        return false;
    /* Transaction keywords (dnp3_func, modbus, mqtt.type, ...). */
    for (uint32_t i = 0; i < r->ntx_conds; i++)
        if (!src->tx || !detect_tx_kw_match(r->tx_conds[i].kw, src->tx, src->direction,
                                            r->tx_conds[i].data))
            return false;
    if (r->nlua && !lua_conditions(run, r, src))
        return false;
    return true;
}

/* Rules that inspect the packet itself rather than the stream window. */
static bool rule_needs_packet(const struct rule *r)
{
    if (r->flow_flags & RULE_FLOW_NO_STREAM)
        return true;
    for (uint32_t i = 0; i < r->npkt; i++)
        if (r->pkt[i].type == RULE_PKT_DSIZE)
            return true;
    return false;
}

static void run_packet_rules(struct packet_run *run, const struct detect_group *const *g,
                             unsigned ng)
{
    struct detect_worker *dw = run->dw;
    const struct packet *p = run->p;
    bool pseudo = p->flags & PACKET_FLAG_PSEUDO;
    bool have_payload = !pseudo && p->payload_len > 0;
    uint32_t wlen = 0, new_from = 0;
    /* Data on a SYN is not stream data yet (the stream takes it once the
     * SYN/ACK acknowledges it, TCP Fast Open): rules see it as the packet's
     * payload, so a drop or pass it triggers applies to the packet only. */
    bool syn_data = p->proto == 6 && (p->tcp_flags & TCP_FLAG_SYN);
    if (have_payload && p->proto == 6 && run->f && run->f->tcp && run->s && !syn_data)
        wlen = stream_window_build(dw, run->s, p, &new_from);
    /* The window ends with the payload: scanning it covers both. Only the
     * part that can hold a fast pattern ending in new bytes is scanned. */
    uint32_t scan_from = 0;
    if (wlen && new_from > dw->prefilter_lookback)
        scan_from = new_from - dw->prefilter_lookback;
    const uint8_t *datas[2] = {have_payload && !wlen ? p->payload : NULL,
                               wlen ? dw->window + scan_from : NULL};
    uint32_t lens[2] = {have_payload && !wlen ? p->payload_len : 0, wlen - scan_from};
    int bufs[2] = {DETECT_BUFFER_PAYLOAD, DETECT_BUFFER_PAYLOAD};
    const uint32_t *ids;
    bool first_of_direction = !pseudo && (!run->f || (p->flow_direction
                                                          ? run->f->pkts_toclient == 1
                                                          : run->f->pkts_toserver == 1));
    uint32_t n = gather_candidates(dw, g, ng, datas, lens, bufs, 2, p, &ids);
    /* Transaction rules whose fast pattern is in the payload: kept for the
     * transaction pass, which then need not scan the payload again. */
    dw->npayload_tx_cands = 0;
    for (uint32_t i = 0; i < n; i++)
        if (dw->kind[ids[i]] == RULE_KIND_TX)
            dw->payload_tx_cands[dw->npayload_tx_cands++] = ids[i];
    n = order_candidates(dw, ids, n);
    for (uint32_t i = 0; i < n && !run->pass; i++) {
        const struct rule *r = rule_set_get(dw->rs, dw->order[i]);
        if (dw->kind[r->id] != RULE_KIND_PACKET || dw->alerted[r->id])
            continue;
        if (pseudo || (dw->needs_payload[r->id] && !have_payload))
            continue;
        if (dw->ip_only[r->id] && !first_of_direction)
            continue; /* an IP-only rule with a prefilter hit on a later packet */
        bool use_window = wlen && dw->needs_payload[r->id] && !rule_needs_packet(r);
        bool matched, from_stream = false;
        if (use_window) {
            struct inspect_source ws = {.payload = dw->window, .payload_len = wlen, .packet = p};
            matched = rule_matches(run, r, &ws, true);
            if (matched && new_from > 0) {
                /* Seen already if the old bytes alone match. That second
                 * evaluation must not take the datajson contexts the
                 * first recorded for the alert. */
                struct detect_thread_ctx *tc = dw->ctx;
                struct detect_dataset_context kept[DATASET_MAX_CONTEXT];
                uint8_t nkept = tc->ndsctx;
                memcpy(kept, tc->dsctx, nkept * sizeof kept[0]);
                struct inspect_source old = {.payload = dw->window, .payload_len = new_from,
                                             .packet = p};
                matched = !rule_matches(run, r, &old, true);
                memcpy(tc->dsctx, kept, nkept * sizeof kept[0]);
                tc->ndsctx = nkept;
                tc->rule = r;
            }
            from_stream = matched;
        } else if (p->proto == 6 && run->f && run->f->tcp && dw->needs_payload[r->id] &&
                   !rule_needs_packet(r) && !wlen && !syn_data) {
            matched = false; /* a retransmission: its bytes were inspected already */
        } else {
            struct inspect_source src = {.payload = p->payload, .payload_len = p->payload_len,
                                         .packet = p};
            if ((r->flow_flags & RULE_FLOW_ONLY_STREAM) && p->proto == 6)
                continue;
            matched = rule_matches(run, r, &src, false);
        }
        if (matched) {
            flowvar_actions(r, run->s);
            add_alert(run, r, NULL, from_stream);
        }
    }
}

static bool tx_decided(const struct detect_flow_state *s, uint64_t tx_id, uint64_t rule_key)
{
    for (uint32_t i = 0; i < s->decided_count; i++)
        if (s->decided[i].rule_key == rule_key && s->decided[i].tx_id == tx_id)
            return true;
    return false;
}

static void tx_decide(struct detect_flow_state *s, uint64_t tx_id, uint64_t rule_key)
{
    if (s->decided_count == s->decided_cap && s->decided_cap < DETECT_MAX_DECIDED) {
        uint32_t cap = s->decided_cap ? s->decided_cap * 2 : 8;
        void *n = realloc(s->decided, cap * sizeof *s->decided);
        if (n) {
            s->decided = n;
            s->decided_cap = cap;
            s->decided_next = s->decided_count; /* the ring was full and in order */
        }
    }
    if (!s->decided_cap)
        return; /* out of memory: the rule may alert again on this transaction */
    s->decided[s->decided_next].tx_id = tx_id;
    s->decided[s->decided_next].rule_key = rule_key;
    s->decided_next = (s->decided_next + 1) % s->decided_cap;
    if (s->decided_count < s->decided_cap)
        s->decided_count++;
}

struct tx_run {
    struct packet_run *run;
    const struct detect_group *const *groups;
    unsigned ngroups;
};

static int inspect_tx(struct app_tx *tx, void *user)
{
    struct tx_run *tr = user;
    struct packet_run *run = tr->run;
    struct detect_worker *dw = run->dw;
    const struct packet *p = run->p;
    uint8_t dir = p->flow_direction;
    uint64_t tx_id = app_tx_id(tx);
    /* Every rule was decided for this transaction and direction already. */
    uint64_t done_mark = TX_DONE_KEY(dir);
    if (tx_decided(run->s, tx_id, done_mark)) {
        app_tx_set_detect_done(tx, dir);
        return 0;
    }
    /* A one-sided transaction (a DNS message, an industrial PDU) has nothing
     * to inspect in the other direction, as Suricata's unidirectional
     * transactions (skip-inspect flags). */
    int own_dir = app_tx_direction(tx);
    if (own_dir >= 0 && own_dir != dir) {
        app_tx_set_detect_done(tx, dir);
        return 0;
    }

    /* Skip a transaction whose buffers did not change since it was last
     * inspected in this direction. */
    /* Only buffers that exist in this direction are scanned (a rule on a
     * response buffer is inspected on packets to the client). */
    uint8_t dir_bit = dir ? DETECT_BUFFER_DIR_TOCLIENT : DETECT_BUFFER_DIR_TOSERVER;
    bool complete_now = app_tx_complete(tx, dir) || (p->flags & PACKET_FLAG_PSEUDO);
    uint64_t sig = 0xcbf29ce484222325ull ^ (complete_now ? 1 : 0) ^ ((uint64_t)app_tx_changes(tx) << 1);
    uint64_t head_sig = sig;
    for (uint32_t i = 0; i < dw->nused_app_buffers; i++) {
        uint16_t id = dw->used_app_buffers[i];
        for (uint32_t idx = 0; idx < 64; idx++) {
            const uint8_t *d;
            uint32_t len;
            if (app_tx_get_buffer_dir(tx, (enum app_buffer)dw->buffer_to_app[id], dir, idx, &d,
                                      &len) != 0)
                break;
            uint64_t v = (uint64_t)id << 40 | (uint64_t)idx << 32 | len;
            sig = (sig ^ v) * 0x100000001b3ull;
            if (!dw->is_body[id])
                head_sig = (head_sig ^ v) * 0x100000001b3ull;
        }
    }
    struct detect_flow_state *fs = run->s;
    uint32_t seen = UINT32_MAX, used = fs->tx_seen_next < fs->tx_seen_cap ? fs->tx_seen_next
                                                                           : fs->tx_seen_cap;
    for (uint32_t k = 0; k < used; k++) {
        if (fs->tx_seen[k].used && fs->tx_seen[k].tx_id == tx_id && fs->tx_seen[k].dir == dir) {
            if (fs->tx_seen[k].signature == sig)
                return 0;
            seen = k;
            break;
        }
    }
    if (seen == UINT32_MAX) {
        if (fs->tx_seen_next >= fs->tx_seen_cap && fs->tx_seen_cap < TX_SEEN_MAX) {
            uint32_t cap = fs->tx_seen_cap ? fs->tx_seen_cap * 2 : 4;
            struct tx_seen *n = realloc(fs->tx_seen, cap * sizeof *n);
            if (n) {
                fs->tx_seen = n;
                fs->tx_seen_cap = cap;
            }
        }
        if (fs->tx_seen_cap) {
            seen = fs->tx_seen_next++ % fs->tx_seen_cap;
            memset(&fs->tx_seen[seen], 0, sizeof fs->tx_seen[seen]);
            fs->tx_seen[seen].used = true;
            fs->tx_seen[seen].tx_id = tx_id;
            fs->tx_seen[seen].dir = dir;
        }
    }
    /* Out of memory: scan without remembering. */
    struct tx_seen scratch;
    memset(&scratch, 0, sizeof scratch);
    struct tx_seen *e = seen == UINT32_MAX ? &scratch : &fs->tx_seen[seen];
    e->signature = sig;
    uint32_t *body_scanned = e->body_scanned;
    uint32_t body_len_now[3] = {0, 0, 0};
    /* When only a body grew, the other buffers' candidates are those of the
     * last scan: reuse them instead of scanning the headers again. */
    bool reuse_head = e->head_cands_valid &&
                      e->head_signature == head_sig;

    /* Candidates from this transaction's buffers (every instance of a
     * multi-buffer such as http.response_header). Bodies are prefiltered
     * incrementally: only what arrived since the last scan, after enough
     * lookback for a fast pattern across the boundary. */
    detect_candidates_reset(dw->ctx);
    if (reuse_head) {
        for (uint8_t k = 0; k < e->nhead_cands; k++)
            detect_candidate_add(dw->ctx, e->head_cands[k]);
    } else {
        for (unsigned g = 0; g < tr->ngroups; g++) {
            for (uint32_t i = 0; i < dw->nused_app_buffers; i++) {
                uint16_t id = dw->used_app_buffers[i];
                if (dw->is_body[id] || !(dw->buffer_dirs[id] & dir_bit))
                    continue;
                for (uint32_t idx = 0; idx < 64; idx++) {
                    const uint8_t *d;
                    uint32_t len;
                    if (app_tx_get_buffer_dir(tx, (enum app_buffer)dw->buffer_to_app[id], dir,
                                              idx, &d, &len) != 0)
                        break;
                    if (len)
                        detect_prefilter_scan(tr->groups[g], id, d, len, dw->ctx);
                }
            }
        }
        const uint32_t *head;
        uint32_t nhead = candidates_unsorted(dw, &head);
        e->head_signature = head_sig;
        e->head_cands_valid = nhead <= 24;
        if (nhead <= 24) {
            memcpy(e->head_cands, head, nhead * sizeof *head);
            e->nhead_cands = (uint8_t)nhead;
        }
    }
    for (unsigned g = 0; g < tr->ngroups; g++) {
        for (uint32_t i = 0; i < dw->nused_app_buffers; i++) {
            uint16_t id = dw->used_app_buffers[i];
            if (!dw->is_body[id] || !(dw->buffer_dirs[id] & dir_bit))
                continue;
            const uint8_t *d;
            uint32_t len;
            if (app_tx_get_buffer_dir(tx, (enum app_buffer)dw->buffer_to_app[id], dir, 0, &d,
                                      &len) != 0)
                continue;
            uint32_t done = body_scanned[dw->is_body[id] - 1], from = 0;
            if (done <= len)
                from = done > dw->prefilter_lookback ? done - dw->prefilter_lookback : 0;
            if (len == done && done > 0)
                from = len; /* nothing new */
            body_len_now[dw->is_body[id] - 1] = len;
            if (len > from)
                detect_prefilter_scan(tr->groups[g], id, d + from, len - from, dw->ctx);
        }
        if (p->ip_version)
            detect_candidates_add_nonprefilter_addr(tr->groups[g], packet_rule_ip(&p->src),
                                                    packet_rule_ip(&p->dst), dw->ctx);
        else
            detect_candidates_add_nonprefilter(tr->groups[g], dw->ctx);
    }
    for (int b = 0; b < 3; b++)
        if (body_len_now[b])
            body_scanned[b] = body_len_now[b];
    for (uint32_t k = 0; k < dw->npayload_tx_cands; k++)
        detect_candidate_add(dw->ctx, dw->payload_tx_cands[k]);
    const uint32_t *ids;
    uint32_t n = candidates_unsorted(dw, &ids);
    n = order_candidates(dw, ids, n);
    struct inspect_source src = {.payload = p->payload, .payload_len = p->payload_len, .tx = tx,
                                 .direction = dir, .packet = p};
    int tx_dir = app_tx_direction(tx);
    if (dw->window_len && dw->window_dir == dir) {
        src.payload = dw->window;
        src.payload_len = dw->window_len;
    } else if (!p->payload_len && run->s->stream[dir].tail_len) {
        src.payload = run->s->stream[dir].tail;
        src.payload_len = run->s->stream[dir].tail_len;
    }
    for (uint32_t i = 0; i < n && !run->pass; i++) {
        const struct rule *r = rule_set_get(dw->rs, dw->order[i]);
        if (dw->kind[r->id] != RULE_KIND_TX)
            continue;
        /* A rule is inspected on packets of its direction. */
        if ((r->flags & RULE_FLAG_TOSERVER) && dir != 0)
            continue;
        if ((r->flags & RULE_FLAG_TOCLIENT) && dir != 1)
            continue;
        /* As Suricata keeps a detection state per direction, a rule that
         * inspects the transaction can match once in each direction; a
         * rule with no inspection at all matches once per transaction. */
        uint64_t key = (r->nbuffers || r->ntx_conds) ? (RULE_KEY(r) << 1 | dir) : RULE_KEY(r) << 1;
        if (tx_decided(run->s, tx_id, key))
            continue;
        /* A one-sided transaction (a DNS or DNP3 request or response) is
         * only seen by rules of its side, and inspected on packets of its
         * side (Suricata skips inspecting it in the other direction). */
        if (tx_dir >= 0 && (r->flags & (RULE_FLAG_TOSERVER | RULE_FLAG_TOCLIENT)) &&
            tx_dir != ((r->flags & RULE_FLAG_TOSERVER) ? 0 : 1))
            continue;
        /* ... and inspected from its own side only (a Kerberos reply is not
         * inspected again by the next request's packet). */
        if (tx_dir >= 0 && tx_dir != dir && (r->nbuffers || r->ntx_conds))
            continue;
        /* Only matches are remembered; a transaction complete in this
         * direction is closed for every rule at once below. */
        if (rule_matches(run, r, &src, false)) {
            tx_decide(run->s, tx_id, key);
            flowvar_actions(r, run->s);
            add_alert(run, r, tx, false);
        }
    }
    if (complete_now && !run->pass) {
        tx_decide(run->s, tx_id, done_mark);
        app_tx_set_detect_done(tx, dir);
    }
    return run->pass ? 1 : 0;
}

struct frame_tx_find {
    int64_t id;
    const struct app_tx *tx;
};

static int frame_tx_find(struct app_tx *tx, void *user)
{
    struct frame_tx_find *ft = user;
    if ((int64_t)app_tx_id(tx) != ft->id)
        return 0;
    ft->tx = tx;
    return 1;
}

static int u32_cmp_key(const void *k, const void *e)
{
    uint32_t a = *(const uint32_t *)k, b = *(const uint32_t *)e;
    return a < b ? -1 : a > b;
}

/* The frame rules of the frame's protocol and type, on its bytes; an alert
 * names the frame (and its transaction, when the parser gave one). Rules
 * with a fast pattern in the frame buffer are evaluated only when the
 * packet's groups' prefilter finds it in the frame's bytes (one Hyperscan
 * scan per frame); the others always. */
static void inspect_frame(const struct app_frame_info *fi, void *user)
{
    struct packet_run *run = user;
    struct detect_worker *dw = run->dw;
    const struct frame_type_rules *t = NULL;
    for (uint32_t k = 0; k < dw->nframe_types && !t; k++)
        if (dw->frame_types[k].app_proto == fi->app_proto && dw->frame_types[k].type == fi->type)
            t = &dw->frame_types[k];
    if (!t)
        return;
    const uint32_t *cand = NULL;
    uint32_t ncand = 0;
    if (t->any_pf) {
        detect_candidates_reset(dw->ctx);
        for (unsigned g = 0; g < run->ngroups; g++)
            detect_prefilter_scan(run->groups[g], dw->frame_buffer, fi->data, fi->data_len,
                                  dw->ctx);
        ncand = detect_candidates_get(dw->ctx, &cand);
    }
    struct frame_tx_find ft = {.id = fi->tx_id, .tx = NULL};
    bool tx_looked = false;
    run->frame = fi;
    for (uint32_t i = t->start; i < t->start + t->n && !run->pass; i++) {
        uint32_t id = dw->frame_rules[i];
        if (dw->frame_pf[i] && !bsearch(&id, cand, ncand, sizeof *cand, u32_cmp_key)) {
            dw->stats.frame_rules_prefiltered++;
            continue;
        }
        const struct rule *r = rule_set_get(dw->rs, id);
        /* the stream frame is one frame: a rule alerts on it once */
        bool stream = fi->type == APP_FRAME_TYPE_STREAM && run->f && run->f->app;
        if (stream && app_flow_stream_frame_alerted(run->f->app, fi->direction, id, false))
            continue;
        if (!tx_looked && fi->tx_id >= 0 && run->f && run->f->app) {
            app_flow_state_tx_foreach(run->f->app, frame_tx_find, &ft);
            tx_looked = true;
        }
        struct inspect_source src = {.packet = run->p, .frame = fi, .tx = ft.tx,
                                     .direction = fi->direction};
        if (rule_matches(run, r, &src, true)) {
            if (stream)
                app_flow_stream_frame_alerted(run->f->app, fi->direction, id, true);
            flowvar_actions(r, run->s);
            add_alert(run, r, ft.tx, true);
        }
    }
    run->frame = NULL;
}

/* A pass rule matched: the alerts of rules ranked before it stay (with
 * the default action-order pass comes first and none do); returns how many
 * (moved to the front) and whether one of them drops or rejects the packet
 * (then its verdict stands and the pass does not apply). */
static uint32_t pass_ranked_before(struct detect_worker *dw, struct packet_run *run, bool *drops)
{
    uint32_t keep = 0;
    *drops = false;
    for (uint32_t i = 0; i < run->nalerts; i++) {
        const struct rule *r = run->alerts[i].rule;
        if (dw->rank[r->id] >= run->pass_rank)
            continue;
        run->alerts[keep++] = run->alerts[i];
        *drops |= run->alerts[i].action != RULE_ACTION_ALERT &&
                  run->alerts[i].action != RULE_ACTION_PASS;
    }
    return keep;
}

uint32_t detect_packet(struct detect_worker *dw, const struct packet *p, struct flow *f,
                       const struct detect_packet_events *events, struct detect_alert *alerts,
                       uint32_t max)
{
    struct packet_run run = {.dw = dw, .p = p, .f = f, .alerts = alerts, .max = max,
                             .pass_rank = UINT32_MAX,
                             .events = events};
    memset(&dw->verdict, 0, sizeof dw->verdict);
    if (f) {
        run.s = flow_state_get(dw, f);
        if (run.s && run.s->passed)
            return 0;
    }
    dw->stats.packets_inspected++;
    bool toserver = !f || p->flow_direction == 0;
    uint16_t server_port = toserver ? p->dst_port : p->src_port;
    const struct detect_group *groups[2];
    unsigned ng = detect_engine_groups(dw->de, detect_transport_of(p->proto), toserver,
                                       server_port, groups);

    run.groups = groups;
    run.ngroups = ng;
    run_packet_rules(&run, groups, ng);
    /* Transactions only change when the application layer got data with
     * this packet (or at flow end); otherwise there is nothing new to see. */
    int pdir = p->flow_direction ? 1 : 0;
    if (run.s && p->proto != 6 && p->payload_len > 0)
        run.s->tx_pending[pdir] = true;
    if (f && f->app && run.s && !run.pass &&
        ((p->flags & PACKET_FLAG_PSEUDO) || run.s->tx_pending[pdir])) {
        /* As in Suricata, a direction's transaction rules run on packets of
         * that direction, when the application layer got data (of either
         * side) since they last ran. With ACK-based delivery a request is
         * parsed on the server's ACK, so its rules run on the client's next
         * packet, which is where Suricata reports them too. */
        run.s->tx_pending[pdir] = false;
        struct tx_run tr = {.run = &run, .groups = groups, .ngroups = ng};
        app_flow_state_tx_foreach(f->app, inspect_tx, &tr);
    }

    /* Frames the parsers reported in this direction: each once (the worker
     * forgets them after the packet: app_flow_frames_clear). */
    if (dw->nframe_rules && f && f->app && run.s && !run.pass)
        app_flow_frames_foreach(f->app, (uint8_t)pdir, (p->flags & PACKET_FLAG_PSEUDO) != 0,
                                inspect_frame, &run);

    bool drop_before_pass = false;
    uint32_t kept = run.pass ? pass_ranked_before(dw, &run, &drop_before_pass) : 0;
    if (drop_before_pass) {
        /* action-order put a drop or reject rule before the pass rule:
         * its alert and verdict stand, the pass does not apply. */
        run.nalerts = kept;
    } else if (run.pass) {
        /* Suricata: a matching pass rule drops the packet's alerts (and the
         * actions of the rules ranked after it) and, when it applies to the
         * flow, passes the rest of the flow. */
        run.nalerts = kept;
        memset(&dw->verdict, 0, sizeof dw->verdict);
        dw->verdict.actions = DETECT_ACTION_PASS;
        dw->verdict.pass_flow = run.pass_flow;
        if (run.s && run.pass_flow) {
            run.s->passed = true;
            dw->stats.passed_flows++;
        }
    }
    if (!run.pass && !run.tag_started && !(p->flags & PACKET_FLAG_PSEUDO) && run.nalerts == 0)
        tag_check(&run);
    for (uint32_t i = 0; i < dw->alerted_count; i++)
        dw->alerted[dw->alerted_list[i]] = 0;
    dw->alerted_count = 0;
    stream_window_commit(dw, run.s, p);
    if (run.nalerts && f)
        f->alerted = true;
    return run.nalerts;
}

uint32_t detect_l2_packet(struct detect_worker *dw, const struct packet *p, const struct app_tx *tx,
                          const struct detect_packet_events *events, struct detect_alert *alerts,
                          uint32_t max)
{
    memset(&dw->verdict, 0, sizeof dw->verdict);
    if (!dw->nl2_rules || !tx)
        return 0;
    struct packet_run run = {.dw = dw, .p = p, .alerts = alerts, .max = max, .events = events,
                             .l2_proto = app_tx_proto(tx)};
    dw->stats.packets_inspected++;
    struct inspect_source src = {.tx = tx, .direction = 0};
    /* Few rules name a layer-2 protocol: each is evaluated, in rank order. */
    for (uint32_t i = 0; i < dw->nl2_rules && !run.pass; i++) {
        const struct rule *r = rule_set_get(dw->rs, dw->l2_rules[i]);
        if (dw->app_proto_of_rule[r->id] != run.l2_proto)
            continue;
        if (rule_matches(&run, r, &src, false))
            add_alert(&run, r, tx, false);
    }
    for (uint32_t i = 0; i < dw->alerted_count; i++)
        dw->alerted[dw->alerted_list[i]] = 0;
    dw->alerted_count = 0;
    if (run.pass) {
        run.nalerts = 0;
        memset(&dw->verdict, 0, sizeof dw->verdict);
        dw->verdict.actions = DETECT_ACTION_PASS;
    }
    return run.nalerts;
}

/* ---- alert metadata ---- */

const char *detect_rule_category(const struct detect_engine *de, const struct rule *r)
{
    const struct rule_classification *c =
        r->class_id >= 0 ? rule_set_classification(detect_engine_rule_set(de), r->class_id) : NULL;
    return c ? c->description : "";
}

int detect_rule_severity(const struct detect_engine *de, const struct rule *r)
{
    if (r->priority > 0)
        return r->priority;
    const struct rule_classification *c =
        r->class_id >= 0 ? rule_set_classification(detect_engine_rule_set(de), r->class_id) : NULL;
    return c && c->priority > 0 ? c->priority : 3;
}
