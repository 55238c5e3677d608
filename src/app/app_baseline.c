/* SPDX-License-Identifier: Apache-2.0 */
/* Industrial behaviour baselines (gid 7100; app_baseline.h,
 * docs/ics-baselines.md).
 *
 * Per worker, a table of facts learned from what the industrial parsers
 * report: which functions a client used on a server (per protocol), which
 * clients wrote to which servers, which object ranges each client wrote,
 * which masters talked to an IEC 104 outstation, which MACs published each
 * GOOSE control block. During the learning period (packet time, or a number
 * of messages) facts are only added; afterwards a fact not in the table
 * raises a built-in alert once, and is added (marked as alerted) so that it
 * does not alert again. Flows are spread over workers by their address pair,
 * so the facts of a client/server pair live on one worker; the saved file
 * merges every worker's table and each worker loads all of it.
 *
 * Bounded: the table grows (doubling, accounted to the app-layer memcap) up
 * to ics-baseline.memcap; past that, new facts are not stored (counted;
 * during detection a fact that cannot be stored may alert again). Nothing
 * is allocated per message once the table has grown. */
#include "app/app_baseline.h"

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "app/app_ics.h"
#include "decode/packet.h"
#include "flow/flow.h"
#include "util/builtin_alert.h"
#include "util/log.h"

#define BL_GID 7100
#define BL_INTERVALS 8
#define BL_MACS 4
#define BL_NAME_MAX 129
#define BL_TABLE_MIN 256u
#define BL_DEFAULT_LEARN_USEC (24ull * 3600 * 1000000)

enum bl_type {
    BL_FUNCTION = 1, /* (proto, client, server, function) */
    BL_WRITER,       /* (proto, client, server): the client wrote to the server */
    BL_RANGE,        /* (proto, client, server, space): the objects it wrote */
    BL_LINK,         /* (proto, client, server): a master of a link */
    BL_GOOSE,        /* (APPID, gocbRef): the publishers' MACs */
};
static const char *const bl_type_names[] = {NULL, "function", "writer", "range", "link", "goose"};

#define BL_LEARNED 1u /* learned during the learning period */
#define BL_ALERTED 2u /* first seen afterwards: alerted once */

struct bl_addr {
    uint8_t fam; /* 4, 6, or 1 for a MAC */
    uint8_t a[16];
};

struct bl_entry {
    uint64_t hash;
    uint8_t used, type, flags, n;
    uint16_t proto;
    uint32_t key; /* function, space or APPID */
    struct bl_addr client, server;
    union {
        struct {
            uint64_t lo, hi;
        } iv[BL_INTERVALS];
        uint8_t mac[BL_MACS][6];
    } u;
    uint8_t name_len;
    char name[BL_NAME_MAX + 1];
};

struct ics_baseline {
    struct app_layer_thread_ctx *thread;
    struct bl_entry *e;
    uint32_t cap, count, max_cap;
    uint64_t full_drops;
    bool learning;
    bool started;
    uint64_t start_usec, elapsed_usec; /* elapsed: learning time before this run */
    uint64_t learned_usec;             /* learning time so far (elapsed included) */
    uint64_t messages;
    uint64_t learn_usec, learn_messages;
};

/* ---------- table ---------- */

static uint64_t bl_mix(uint64_t h, const void *p, size_t n)
{
    const uint8_t *b = p;
    for (size_t i = 0; i < n; i++)
        h = (h ^ b[i]) * 0x100000001b3ull;
    return h;
}

static uint64_t bl_key_hash(const struct bl_entry *k)
{
    uint64_t h = 0xcbf29ce484222325ull;
    h = bl_mix(h, &k->type, 1);
    h = bl_mix(h, &k->proto, 2);
    h = bl_mix(h, &k->key, 4);
    h = bl_mix(h, &k->client, sizeof k->client);
    h = bl_mix(h, &k->server, sizeof k->server);
    h = bl_mix(h, k->name, k->name_len);
    return h | 1;
}

static bool bl_key_eq(const struct bl_entry *a, const struct bl_entry *b)
{
    return a->hash == b->hash && a->type == b->type && a->proto == b->proto && a->key == b->key &&
           memcmp(&a->client, &b->client, sizeof a->client) == 0 &&
           memcmp(&a->server, &b->server, sizeof a->server) == 0 && a->name_len == b->name_len &&
           memcmp(a->name, b->name, a->name_len) == 0;
}

static bool bl_grow(struct ics_baseline *b)
{
    uint32_t cap = b->cap ? b->cap * 2 : BL_TABLE_MIN;
    if (cap > b->max_cap)
        return false;
    size_t bytes = (size_t)cap * sizeof(struct bl_entry);
    if (b->thread && !app_thread_memory_reserve(b->thread, bytes))
        return false;
    struct bl_entry *n = calloc(cap, sizeof *n);
    if (!n) {
        if (b->thread)
            app_thread_memory_release(b->thread, bytes);
        return false;
    }
    for (uint32_t i = 0; i < b->cap; i++) {
        if (!b->e[i].used)
            continue;
        uint32_t k = (uint32_t)(b->e[i].hash & (cap - 1));
        while (n[k].used)
            k = (k + 1) & (cap - 1);
        n[k] = b->e[i];
    }
    if (b->e) {
        free(b->e);
        if (b->thread)
            app_thread_memory_release(b->thread, (size_t)b->cap * sizeof(struct bl_entry));
    }
    b->e = n;
    b->cap = cap;
    return true;
}

static struct bl_entry *bl_find(struct ics_baseline *b, const struct bl_entry *k)
{
    if (!b->cap)
        return NULL;
    uint32_t mask = b->cap - 1;
    for (uint32_t i = (uint32_t)(k->hash & mask);; i = (i + 1) & mask) {
        if (!b->e[i].used)
            return NULL;
        if (bl_key_eq(&b->e[i], k))
            return &b->e[i];
    }
}

/* Inserts the key (content zeroed); NULL when the table is full. */
static struct bl_entry *bl_insert(struct ics_baseline *b, const struct bl_entry *k)
{
    if ((uint64_t)(b->count + 1) * 4 > (uint64_t)b->cap * 3 && !bl_grow(b)) {
        b->full_drops++;
        return NULL;
    }
    uint32_t mask = b->cap - 1;
    uint32_t i = (uint32_t)(k->hash & mask);
    while (b->e[i].used)
        i = (i + 1) & mask;
    b->e[i] = *k;
    b->e[i].used = 1;
    b->e[i].n = 0;
    b->e[i].flags = 0;
    b->count++;
    return &b->e[i];
}

/* Adds [lo, hi] to an entry's intervals (sorted, merged when they touch;
 * past BL_INTERVALS the two closest are joined). */
static void bl_add_interval(struct bl_entry *e, uint64_t lo, uint64_t hi)
{
    uint8_t n = e->n;
    /* insert sorted */
    uint8_t pos = 0;
    while (pos < n && e->u.iv[pos].lo < lo)
        pos++;
    if (n == BL_INTERVALS) {
        /* no room: merge into the nearest neighbour first */
        uint8_t at = pos == 0 ? 0 : pos - 1;
        if (pos < n && pos > 0) {
            uint64_t dl = lo - e->u.iv[pos - 1].hi, dr = e->u.iv[pos].lo - hi;
            at = dl <= dr ? pos - 1 : pos;
        } else if (pos == n) {
            at = (uint8_t)(n - 1);
        }
        if (lo < e->u.iv[at].lo)
            e->u.iv[at].lo = lo;
        if (hi > e->u.iv[at].hi)
            e->u.iv[at].hi = hi;
    } else {
        memmove(&e->u.iv[pos + 1], &e->u.iv[pos], (size_t)(n - pos) * sizeof e->u.iv[0]);
        e->u.iv[pos].lo = lo;
        e->u.iv[pos].hi = hi;
        n++;
    }
    /* merge overlapping or adjacent neighbours */
    uint8_t w = 0;
    for (uint8_t r = 1; r < n; r++) {
        if (e->u.iv[r].lo <= e->u.iv[w].hi + 1 || e->u.iv[w].hi == UINT64_MAX) {
            if (e->u.iv[r].hi > e->u.iv[w].hi)
                e->u.iv[w].hi = e->u.iv[r].hi;
        } else {
            e->u.iv[++w] = e->u.iv[r];
        }
    }
    e->n = n ? (uint8_t)(w + 1) : 0;
}

static bool bl_covered(const struct bl_entry *e, uint64_t lo, uint64_t hi)
{
    for (uint8_t i = 0; i < e->n; i++)
        if (e->u.iv[i].lo <= lo && hi <= e->u.iv[i].hi)
            return true;
    return false;
}

static bool bl_has_mac(const struct bl_entry *e, const uint8_t *mac)
{
    for (uint8_t i = 0; i < e->n && i < BL_MACS; i++)
        if (memcmp(e->u.mac[i], mac, 6) == 0)
            return true;
    return false;
}

static void bl_add_mac(struct bl_entry *e, const uint8_t *mac)
{
    if (bl_has_mac(e, mac))
        return;
    if (e->n < BL_MACS)
        memcpy(e->u.mac[e->n++], mac, 6);
    else
        memcpy(e->u.mac[BL_MACS - 1], mac, 6); /* keeps the most recent */
}

/* ---------- life cycle ---------- */

struct ics_baseline *ics_baseline_new(struct app_layer_thread_ctx *thread,
                                      const struct app_layer_config *cfg)
{
    struct ics_baseline *b = calloc(1, sizeof *b);
    if (!b)
        return NULL;
    b->thread = thread;
    b->learning = true;
    b->learn_usec = cfg->baseline_learn_usec;
    b->learn_messages = cfg->baseline_learn_messages;
    if (!b->learn_usec && !b->learn_messages)
        b->learn_usec = BL_DEFAULT_LEARN_USEC;
    uint64_t max = cfg->baseline_memcap / sizeof(struct bl_entry);
    uint32_t cap = BL_TABLE_MIN;
    while ((uint64_t)cap * 2 <= max && cap < (1u << 26))
        cap *= 2;
    b->max_cap = cap;
    return b;
}

void ics_baseline_free(struct ics_baseline *b)
{
    if (!b)
        return;
    if (b->e) {
        free(b->e);
        if (b->thread)
            app_thread_memory_release(b->thread, (size_t)b->cap * sizeof(struct bl_entry));
    }
    free(b);
}

/* Counts a message and ends learning when its period is over. */
static bool bl_tick(struct ics_baseline *b, uint64_t now)
{
    if (!b->learning)
        return false;
    if (!b->started) {
        b->started = true;
        b->start_usec = now;
    }
    b->messages++;
    uint64_t elapsed = b->elapsed_usec + (now > b->start_usec ? now - b->start_usec : 0);
    b->learned_usec = elapsed;
    if ((b->learn_usec && elapsed >= b->learn_usec) ||
        (b->learn_messages && b->messages >= b->learn_messages)) {
        b->learning = false;
        log_info("ics-baseline: learning done after %" PRIu64 " s and %" PRIu64
                 " messages: %u facts",
                 elapsed / 1000000, b->messages, b->count);
        return false;
    }
    return true;
}

/* ---------- addresses and alerts ---------- */

static void bl_addr_ip(struct bl_addr *a, const struct ip_address *ip)
{
    memset(a, 0, sizeof *a);
    a->fam = ip->family;
    memcpy(a->a, ip->addr.u8, 16);
}

static void bl_addr_mac(struct bl_addr *a, const uint8_t *mac)
{
    memset(a, 0, sizeof *a);
    a->fam = 1;
    memcpy(a->a, mac, 6);
}

static void bl_addr_str(const struct bl_addr *a, char *out, size_t n)
{
    if (a->fam == 1)
        snprintf(out, n, "%02x:%02x:%02x:%02x:%02x:%02x", a->a[0], a->a[1], a->a[2], a->a[3],
                 a->a[4], a->a[5]);
    else if (a->fam == 4)
        inet_ntop(AF_INET, a->a + 12, out, (socklen_t)n);
    else if (a->fam == 6)
        inet_ntop(AF_INET6, a->a, out, (socklen_t)n);
    else
        snprintf(out, n, "-");
}

static bool bl_addr_parse(struct bl_addr *a, const char *s)
{
    memset(a, 0, sizeof *a);
    unsigned m[6];
    char extra;
    if (sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%c", &m[0], &m[1], &m[2], &m[3], &m[4], &m[5],
               &extra) == 6) {
        a->fam = 1;
        for (int i = 0; i < 6; i++)
            a->a[i] = (uint8_t)m[i];
        return true;
    }
    if (inet_pton(AF_INET, s, a->a + 12) == 1) {
        a->fam = 4;
        return true;
    }
    if (inet_pton(AF_INET6, s, a->a) == 1) {
        a->fam = 6;
        return true;
    }
    return strcmp(s, "-") == 0;
}

enum {
    SID_NEW_WRITER = 1,
    SID_NEW_WRITE_FUNCTION,
    SID_NEW_FUNCTION,
    SID_OUT_OF_RANGE,
    SID_NEW_MASTER,
    SID_GOOSE_NEW_MAC,
    SID_GOOSE_ROLLBACK,
};

static const struct {
    const char *msg;
    const char *category;
    uint8_t severity;
} bl_sigs[] = {
    [SID_NEW_WRITER] = {"VIGIL ICS baseline new client writes to a controller",
                        "Potentially Bad Traffic", 1},
    [SID_NEW_WRITE_FUNCTION] = {"VIGIL ICS baseline new write or control function for this "
                                "client and controller",
                                "Potentially Bad Traffic", 1},
    [SID_NEW_FUNCTION] = {"VIGIL ICS baseline new function for this client and controller",
                          "Misc activity", 3},
    [SID_OUT_OF_RANGE] = {"VIGIL ICS baseline write outside the learned objects",
                          "Potentially Bad Traffic", 2},
    [SID_NEW_MASTER] = {"VIGIL ICS baseline new master on an IEC 60870-5-104 link",
                        "Potentially Bad Traffic", 1},
    [SID_GOOSE_NEW_MAC] = {"VIGIL ICS baseline GOOSE publisher from a new MAC address",
                           "Potentially Bad Traffic", 1},
    [SID_GOOSE_ROLLBACK] = {"VIGIL ICS baseline GOOSE stNum rolled back",
                            "Potentially Bad Traffic", 1},
};

struct bl_alert_info {
    const struct bl_addr *client, *server;
    const struct ics_op *op;
    const char *objects;
    const char *extra_key, *extra_val;
};

static void bl_alert(struct app_parse_ctx *ctx, int sid, uint8_t direction,
                     const struct bl_alert_info *in, const struct app_tx *tx)
{
    char c[64] = "", s[64] = "", fn[48] = "";
    const char *md[16];
    int k = 0;
    if (in->op) {
        md[k++] = "ics_protocol";
        md[k++] = app_proto_name(in->op->proto);
        if (in->op->function_name)
            snprintf(fn, sizeof fn, "%s", in->op->function_name);
        else
            snprintf(fn, sizeof fn, "%u", in->op->function);
        md[k++] = "ics_function";
        md[k++] = fn;
    }
    if (in->client) {
        bl_addr_str(in->client, c, sizeof c);
        md[k++] = "ics_client";
        md[k++] = c;
    }
    if (in->server) {
        bl_addr_str(in->server, s, sizeof s);
        md[k++] = "ics_server";
        md[k++] = s;
    }
    if (in->objects) {
        md[k++] = "ics_objects";
        md[k++] = in->objects;
    }
    if (in->extra_key) {
        md[k++] = in->extra_key;
        md[k++] = in->extra_val;
    }
    md[k] = NULL;
    struct builtin_alert a = {
        .gid = BL_GID,
        .sid = (uint32_t)sid,
        .rev = 1,
        .signature = bl_sigs[sid].msg,
        .category = bl_sigs[sid].category,
        .severity = bl_sigs[sid].severity,
        .direction = direction,
        .metadata = md,
        .tx = tx,
        .tx_id = tx ? app_tx_id(tx) : 0,
    };
    app_parser_alert(ctx, &a);
}

/* ---------- operations ---------- */

static void bl_op(struct app_parse_ctx *ctx, struct ics_baseline *b, uint8_t direction,
                  const struct bl_addr *client, const struct bl_addr *server,
                  const struct ics_op *op)
{
    bool learning = bl_tick(b, ctx->ts_usec);
    bool writes = op->kind == ICS_OP_WRITE || op->kind == ICS_OP_CONTROL;
    struct bl_entry k;
    memset(&k, 0, sizeof k);
    k.proto = op->proto;
    k.client = *client;
    k.server = *server;
    bool alerted = false;

    /* A client that wrote to this server before. */
    if (writes) {
        k.type = BL_WRITER;
        k.key = 0;
        k.hash = bl_key_hash(&k);
        struct bl_entry *e = bl_find(b, &k);
        if (!e) {
            e = bl_insert(b, &k);
            if (!learning) {
                struct bl_alert_info in = {.client = client, .server = server, .op = op};
                bl_alert(ctx, SID_NEW_WRITER, direction, &in, op->tx);
                alerted = true;
            }
            if (e)
                e->flags |= learning ? BL_LEARNED : BL_ALERTED;
        }
    }

    /* The function, for this pair. A pair that never had a learned function
     * (a client new to the server) only alerts for writes (above). */
    k.type = BL_FUNCTION;
    k.key = 0xffffffffu;
    k.hash = bl_key_hash(&k);
    bool pair_known = bl_find(b, &k) != NULL; /* the pair's marker entry */
    if (!pair_known) {
        struct bl_entry *m = bl_insert(b, &k);
        if (m)
            m->flags |= learning ? BL_LEARNED : BL_ALERTED;
    }
    k.key = op->function;
    k.hash = bl_key_hash(&k);
    struct bl_entry *e = bl_find(b, &k);
    if (!e) {
        e = bl_insert(b, &k);
        if (e)
            e->flags |= learning ? BL_LEARNED : BL_ALERTED;
        if (!learning && !alerted && pair_known) {
            struct bl_alert_info in = {.client = client, .server = server, .op = op};
            bl_alert(ctx, writes ? SID_NEW_WRITE_FUNCTION : SID_NEW_FUNCTION, direction, &in,
                     op->tx);
            alerted = true;
        }
    }

    /* The objects written. */
    if (op->kind == ICS_OP_WRITE && op->has_objects) {
        k.type = BL_RANGE;
        k.key = op->space;
        k.hash = bl_key_hash(&k);
        struct bl_entry *r = bl_find(b, &k);
        bool covered = r && bl_covered(r, op->lo, op->hi);
        if (!covered) {
            if (!r)
                r = bl_insert(b, &k);
            if (!learning && !alerted) {
                char objs[64];
                snprintf(objs, sizeof objs, "%u:%" PRIu64 "-%" PRIu64, op->space, op->lo, op->hi);
                struct bl_alert_info in = {
                    .client = client, .server = server, .op = op, .objects = objs};
                bl_alert(ctx, SID_OUT_OF_RANGE, direction, &in, op->tx);
            }
            if (r) {
                bl_add_interval(r, op->lo, op->hi);
                r->flags |= learning ? BL_LEARNED : BL_ALERTED;
            }
        }
    }
}

void app_baseline_op(struct app_parse_ctx *ctx, uint8_t direction, const struct ics_op *op)
{
    struct ics_baseline *b = app_thread_baseline(ctx->thread);
    if (!b || !ctx->flow)
        return;
    struct bl_addr client, server;
    const struct flow_key *fk = &ctx->flow->key;
    bl_addr_ip(&client, direction ? &fk->dst : &fk->src);
    bl_addr_ip(&server, direction ? &fk->src : &fk->dst);
    bl_op(ctx, b, direction, &client, &server, op);
}

void app_baseline_op_port(struct app_parse_ctx *ctx, uint16_t server_port,
                          const struct ics_op *op)
{
    struct ics_baseline *b = app_thread_baseline(ctx->thread);
    if (!b || !ctx->flow)
        return;
    const struct flow_key *fk = &ctx->flow->key;
    bool src_is_server = fk->src_port == server_port && fk->dst_port != server_port;
    struct bl_addr client, server;
    bl_addr_ip(&client, src_is_server ? &fk->dst : &fk->src);
    bl_addr_ip(&server, src_is_server ? &fk->src : &fk->dst);
    bl_op(ctx, b, src_is_server ? 1 : 0, &client, &server, op);
}

/* Modbus/TCP: the function code, what it does, and for writes the table
 * (and unit) and the register/coil range. */
void app_baseline_modbus(struct app_parse_ctx *ctx, const struct app_tx *tx)
{
    const struct modbus_msg *m = modbus_tx_request(tx);
    if (!m || !app_thread_baseline(ctx->thread))
        return;
    struct ics_op op = {.proto = APP_PROTO_MODBUS, .function = m->function_raw & 0x7f, .tx = tx};
    uint8_t f = op.function;
    if (m->access_type & MODBUS_ACCESS_WRITE)
        op.kind = ICS_OP_WRITE;
    else if (f == MODBUS_FUNC_DIAGNOSTIC && (m->subfunction == 1 || m->subfunction == 4))
        op.kind = ICS_OP_CONTROL; /* restart communications, force listen only */
    else if (m->access_type & MODBUS_ACCESS_READ || f == MODBUS_FUNC_MEI ||
             f == MODBUS_FUNC_RD_EXC_STATUS || f == MODBUS_FUNC_DIAGNOSTIC)
        op.kind = ICS_OP_READ;
    else
        op.kind = ICS_OP_OTHER;
    static const char *const names[] = {
        [1] = "read_coils", [2] = "read_discrete_inputs", [3] = "read_holding_registers",
        [4] = "read_input_registers", [5] = "write_single_coil", [6] = "write_single_register",
        [7] = "read_exception_status", [8] = "diagnostic", [15] = "write_multiple_coils",
        [16] = "write_multiple_registers", [20] = "read_file_record",
        [21] = "write_file_record", [22] = "mask_write_register",
        [23] = "read_write_multiple_registers", [24] = "read_fifo_queue", [43] = "mei"};
    op.function_name = f < sizeof names / sizeof names[0] ? names[f] : NULL;
    uint16_t first, last;
    if (op.kind == ICS_OP_WRITE && modbus_msg_address_range(m, &first, &last)) {
        op.has_objects = true;
        op.space = (uint32_t)m->unit_id << 8 | (m->access_type & MODBUS_ACCESS_TABLE_MASK);
        op.lo = first;
        op.hi = last;
    }
    app_baseline_op_port(ctx, 502, &op);
}

/* EtherNet/IP: each CIP service of the request (those of a Multiple
 * Service Packet too), with class and instance for writes. */
void app_baseline_enip(struct app_parse_ctx *ctx, const struct app_tx *tx)
{
    const struct enip_pdu *p = enip_tx_request(tx);
    if (!p || !app_thread_baseline(ctx->thread))
        return;
    if (!p->nservices) {
        struct ics_op op = {.proto = APP_PROTO_ENIP, .kind = ICS_OP_OTHER,
                            .function = 0x10000u | p->command, .function_name = "encapsulation",
                            .tx = tx};
        app_baseline_op_port(ctx, 44818, &op);
        return;
    }
    for (uint32_t i = 0; i < p->nservices && i < 32; i++) {
        const struct enip_cip_service *s = &p->services[i];
        if (s->is_response || s->service == 0x0a)
            continue; /* the Multiple Service Packet itself: its children count */
        uint8_t c = s->service;
        struct ics_op op = {.proto = APP_PROTO_ENIP, .function = c, .tx = tx};
        op.kind = (c == 0x02 || c == 0x04 || c == 0x08 || c == 0x09 || c == 0x10 || c == 0x4d ||
                   c == 0x4e || c == 0x53 || c == 0x19 || c == 0x1a || c == 0x1b)
                      ? ICS_OP_WRITE
                  : (c == 0x05 || c == 0x06 || c == 0x07) ? ICS_OP_CONTROL /* reset, start, stop */
                  : (c == 0x01 || c == 0x03 || c == 0x0e || c == 0x4c || c == 0x52 || c == 0x18)
                      ? ICS_OP_READ
                      : ICS_OP_OTHER;
        if (op.kind == ICS_OP_WRITE) {
            bool cls = false, ins = false;
            for (uint32_t k = 0; k < s->npath; k++) {
                uint8_t t = s->path[k].type >> 2;
                if (t == 8 && !cls) {
                    op.space = s->path[k].value;
                    cls = true;
                } else if (t == 9 && !ins) {
                    op.lo = op.hi = s->path[k].value;
                    ins = true;
                }
            }
            op.has_objects = cls;
        }
        app_baseline_op_port(ctx, 44818, &op);
    }
}

/* DNP3: the application function of a master's request (IEEE 1815
 * function codes); writes (write, select/operate, save configuration,
 * assign class, files, activate configuration) with the object group and
 * the index range of the first object that names points. */
void app_baseline_dnp3(struct app_parse_ctx *ctx, uint8_t direction, const struct app_tx *tx)
{
    const struct dnp3_message *m = dnp3_tx_message(tx);
    if (!m || !m->request || !app_thread_baseline(ctx->thread))
        return;
    uint8_t f = m->function_code;
    struct ics_op op = {.proto = APP_PROTO_DNP3, .function = f, .tx = tx};
    if (f == 1)
        op.kind = ICS_OP_READ;
    else if ((f >= 2 && f <= 6) || f == 19 || f == 22 || (f >= 25 && f <= 31))
        op.kind = ICS_OP_WRITE;
    else if ((f >= 7 && f <= 18) || f == 20 || f == 21)
        op.kind = ICS_OP_CONTROL; /* freezes, restarts, init/start/stop, unsolicited on/off */
    else
        op.kind = ICS_OP_OTHER; /* confirm, delay measurement, time record, authentication */
    /* A WRITE of internal indications only (group 80: the master clearing
     * the restart bit after an outstation restart) is housekeeping every
     * master does after an event the learning period may not have seen:
     * not judged. (Time writes, group 50, stay writes: setting an
     * outstation's clock is worth knowing about.) */
    bool iin_only = f == 2 && m->nobjects > 0;
    for (uint32_t i = 0; iin_only && i < m->nobjects; i++)
        iin_only = m->objects[i].group == 80;
    if (iin_only)
        return;
    if (op.kind == ICS_OP_WRITE) {
        for (uint32_t i = 0; i < m->nobjects && !op.has_objects; i++) {
            const struct dnp3_object *o = &m->objects[i];
            for (uint32_t k = 0; k < o->npoints; k++) {
                uint32_t ix = o->points[k].index;
                if (!op.has_objects || ix < op.lo)
                    op.lo = ix;
                if (!op.has_objects || ix > op.hi)
                    op.hi = ix;
                op.has_objects = true;
            }
            op.space = o->group;
        }
    }
    app_baseline_op(ctx, direction, &op);
}

void app_baseline_op_l2(struct app_parse_ctx *ctx, const uint8_t src[6], const uint8_t dst[6],
                        const struct ics_op *op)
{
    struct ics_baseline *b = app_thread_baseline(ctx->thread);
    if (!b)
        return;
    struct bl_addr client, server;
    bl_addr_mac(&client, src);
    bl_addr_mac(&server, dst);
    bl_op(ctx, b, 0, &client, &server, op);
}

void app_baseline_link(struct app_parse_ctx *ctx, uint8_t direction, uint16_t proto,
                       uint16_t server_port, const struct app_tx *tx)
{
    struct ics_baseline *b = app_thread_baseline(ctx->thread);
    if (!b || !ctx->flow)
        return;
    const struct flow_key *fk = &ctx->flow->key;
    /* The outstation is the side with the protocol's port (if exactly one
     * has it), else the flow's responder. */
    bool src_is_server = fk->src_port == server_port && fk->dst_port != server_port;
    const struct ip_address *srv = src_is_server ? &fk->src : &fk->dst;
    const struct ip_address *cli = src_is_server ? &fk->dst : &fk->src;
    uint8_t sender_is_server = (uint8_t)((direction == 0) == src_is_server);
    if (sender_is_server)
        return; /* the outstation's own messages say nothing about masters */
    bool learning = bl_tick(b, ctx->ts_usec);
    struct bl_entry k;
    memset(&k, 0, sizeof k);
    k.type = BL_LINK;
    k.proto = proto;
    bl_addr_ip(&k.client, cli);
    bl_addr_ip(&k.server, srv);
    k.hash = bl_key_hash(&k);
    if (bl_find(b, &k))
        return;
    struct bl_entry *e = bl_insert(b, &k);
    if (e)
        e->flags |= learning ? BL_LEARNED : BL_ALERTED;
    if (!learning) {
        struct ics_op op = {.proto = proto, .kind = ICS_OP_OTHER, .function_name = "link"};
        struct bl_alert_info in = {.client = &k.client, .server = &k.server, .op = &op};
        bl_alert(ctx, SID_NEW_MASTER, direction, &in, tx);
    }
}

void app_baseline_goose(struct app_parse_ctx *ctx, const uint8_t mac[6], uint16_t appid,
                        const char *gocbref, uint8_t gocbref_len, bool rollback,
                        const struct app_tx *tx)
{
    struct ics_baseline *b = app_thread_baseline(ctx->thread);
    if (!b)
        return;
    bool learning = bl_tick(b, ctx->ts_usec);
    struct bl_entry k;
    memset(&k, 0, sizeof k);
    k.type = BL_GOOSE;
    k.proto = APP_PROTO_GOOSE;
    k.key = appid;
    k.name_len = gocbref_len > BL_NAME_MAX ? BL_NAME_MAX : gocbref_len;
    memcpy(k.name, gocbref, k.name_len);
    k.hash = bl_key_hash(&k);
    struct bl_entry *e = bl_find(b, &k);
    char macs[18], ref[BL_NAME_MAX + 1];
    snprintf(macs, sizeof macs, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2], mac[3],
             mac[4], mac[5]);
    memcpy(ref, k.name, k.name_len);
    ref[k.name_len] = 0;
    struct bl_addr pub;
    bl_addr_mac(&pub, mac);
    struct ics_op op = {.proto = APP_PROTO_GOOSE, .kind = ICS_OP_OTHER, .function = appid,
                        .function_name = "publish"};
    if (!e) {
        /* A control block not seen while learning is a new publisher. */
        e = bl_insert(b, &k);
        if (e) {
            e->flags |= learning ? BL_LEARNED : BL_ALERTED;
            bl_add_mac(e, mac);
        }
        if (!learning) {
            struct bl_alert_info in = {.client = &pub, .op = &op, .extra_key = "goose_gocb_ref",
                                       .extra_val = ref};
            bl_alert(ctx, SID_GOOSE_NEW_MAC, 0, &in, tx);
        }
    } else if (!bl_has_mac(e, mac)) {
        bl_add_mac(e, mac);
        if (!learning) {
            e->flags |= BL_ALERTED;
            struct bl_alert_info in = {.client = &pub, .op = &op, .extra_key = "goose_gocb_ref",
                                       .extra_val = ref};
            bl_alert(ctx, SID_GOOSE_NEW_MAC, 0, &in, tx);
        }
    }
    if (rollback && !learning) {
        struct bl_alert_info in = {.client = &pub, .op = &op, .extra_key = "goose_gocb_ref",
                                   .extra_val = ref};
        bl_alert(ctx, SID_GOOSE_ROLLBACK, 0, &in, tx);
    }
}

/* ---------- file ---------- */

static void bl_write_name(FILE *f, const char *s, uint8_t n)
{
    for (uint8_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c <= ' ' || c >= 0x7f || c == '\\')
            fprintf(f, "\\x%02x", c);
        else
            fputc(c, f);
    }
}

static void bl_write_entry(FILE *f, const struct bl_entry *e)
{
    char c[64], s[64];
    bl_addr_str(&e->client, c, sizeof c);
    bl_addr_str(&e->server, s, sizeof s);
    const char *state = (e->flags & BL_ALERTED) ? "alerted" : "learned";
    switch (e->type) {
    case BL_FUNCTION:
        if (e->key == 0xffffffffu)
            fprintf(f, "pair\t%s\t%s\t%s\t%s\n", app_proto_name(e->proto), c, s, state);
        else
            fprintf(f, "function\t%s\t%s\t%s\t%u\t%s\n", app_proto_name(e->proto), c, s, e->key,
                    state);
        break;
    case BL_WRITER:
    case BL_LINK:
        fprintf(f, "%s\t%s\t%s\t%s\t%s\n", bl_type_names[e->type], app_proto_name(e->proto), c,
                s, state);
        break;
    case BL_RANGE:
        fprintf(f, "range\t%s\t%s\t%s\t%u\t", app_proto_name(e->proto), c, s, e->key);
        for (uint8_t i = 0; i < e->n; i++)
            fprintf(f, "%s%" PRIu64 "-%" PRIu64, i ? "," : "", e->u.iv[i].lo, e->u.iv[i].hi);
        fprintf(f, "\t%s\n", state);
        break;
    case BL_GOOSE:
        fprintf(f, "goose\t%u\t", e->key);
        for (uint8_t i = 0; i < e->n; i++)
            fprintf(f, "%s%02x:%02x:%02x:%02x:%02x:%02x", i ? "," : "", e->u.mac[i][0],
                    e->u.mac[i][1], e->u.mac[i][2], e->u.mac[i][3], e->u.mac[i][4],
                    e->u.mac[i][5]);
        fprintf(f, "\t%s\t", state);
        bl_write_name(f, e->name, e->name_len);
        fputc('\n', f);
        break;
    default:
        break;
    }
}

int ics_baseline_save(struct ics_baseline *const *bs, size_t n, const char *path)
{
    char tmp[4096];
    if (snprintf(tmp, sizeof tmp, "%s.tmp", path) >= (int)sizeof tmp)
        return -ENAMETOOLONG;
    FILE *f = fopen(tmp, "w");
    if (!f)
        return -errno;
    /* Still learning if any worker is; the learning time and messages so
     * far are the largest of the workers'. */
    bool learning = false;
    uint64_t elapsed = 0, messages = 0;
    for (size_t i = 0; i < n; i++) {
        const struct ics_baseline *b = bs[i];
        if (!b)
            continue;
        if (b->learning)
            learning = true;
        uint64_t el = b->learned_usec > b->elapsed_usec ? b->learned_usec : b->elapsed_usec;
        if (el > elapsed)
            elapsed = el;
        if (b->messages > messages)
            messages = b->messages;
    }
    fprintf(f, "# vigil ics-baseline 1 (docs/ics-baselines.md)\n");
    fprintf(f, "state\t%s\t%" PRIu64 "\t%" PRIu64 "\n", learning ? "learning" : "done", elapsed,
            messages);
    for (size_t i = 0; i < n; i++) {
        const struct ics_baseline *b = bs[i];
        for (uint32_t j = 0; b && j < b->cap; j++)
            if (b->e[j].used)
                bl_write_entry(f, &b->e[j]);
    }
    int rc = 0;
    if (fflush(f) != 0 || ferror(f))
        rc = -EIO;
    if (fclose(f) != 0 && rc == 0)
        rc = -EIO;
    if (rc == 0 && rename(tmp, path) != 0)
        rc = -errno;
    if (rc != 0)
        unlink(tmp);
    return rc;
}

/* Parses one line into b. Returns 0 or -EINVAL. */
static int bl_load_line(struct ics_baseline *b, char *line)
{
    char *f[8] = {0}; /* fields past nf stay NULL (gcc -O3 cannot see nf guards them) */
    int nf = 0;
    for (char *p = line; nf < 8;) {
        f[nf++] = p;
        char *t = strchr(p, '\t');
        if (!t)
            break;
        *t = 0;
        p = t + 1;
    }
    if (nf < 1)
        return -EINVAL;
    struct bl_entry k;
    memset(&k, 0, sizeof k);
    const char *state = NULL;
    uint64_t lo, hi;
    if (strcmp(f[0], "state") == 0) {
        if (nf < 4)
            return -EINVAL;
        b->learning = strcmp(f[1], "learning") == 0;
        b->elapsed_usec = strtoull(f[2], NULL, 10);
        b->learned_usec = b->elapsed_usec;
        b->messages = strtoull(f[3], NULL, 10);
        return 0;
    }
    if (strcmp(f[0], "goose") == 0) {
        if (nf < 5)
            return -EINVAL;
        k.type = BL_GOOSE;
        k.proto = APP_PROTO_GOOSE;
        k.key = (uint32_t)strtoul(f[1], NULL, 10);
        state = f[3];
        const char *s = f[4];
        while (*s && k.name_len < BL_NAME_MAX) {
            unsigned v;
            if (s[0] == '\\' && s[1] == 'x' && sscanf(s + 2, "%2x", &v) == 1) {
                k.name[k.name_len++] = (char)v;
                s += 4;
            } else {
                k.name[k.name_len++] = *s++;
            }
        }
        k.hash = bl_key_hash(&k);
        struct bl_entry *e = bl_find(b, &k);
        if (!e)
            e = bl_insert(b, &k);
        if (!e)
            return 0;
        for (char *m = f[2]; m && *m;) {
            char *comma = strchr(m, ',');
            if (comma)
                *comma = 0;
            struct bl_addr a;
            if (!bl_addr_parse(&a, m) || a.fam != 1)
                return -EINVAL;
            bl_add_mac(e, a.a);
            m = comma ? comma + 1 : NULL;
        }
        e->flags |= strcmp(state, "alerted") == 0 ? BL_ALERTED : BL_LEARNED;
        return 0;
    }
    int proto;
    if (nf < 5 || (proto = app_proto_from_name(f[1])) < 0)
        return -EINVAL;
    k.proto = (uint16_t)proto;
    if (!bl_addr_parse(&k.client, f[2]) || !bl_addr_parse(&k.server, f[3]))
        return -EINVAL;
    const char *ranges = NULL;
    if (strcmp(f[0], "pair") == 0) {
        k.type = BL_FUNCTION;
        k.key = 0xffffffffu;
        state = f[4];
    } else if (strcmp(f[0], "function") == 0 && nf >= 6) {
        k.type = BL_FUNCTION;
        k.key = (uint32_t)strtoul(f[4], NULL, 10);
        state = f[5];
    } else if (strcmp(f[0], "writer") == 0) {
        k.type = BL_WRITER;
        state = f[4];
    } else if (strcmp(f[0], "link") == 0) {
        k.type = BL_LINK;
        state = f[4];
    } else if (strcmp(f[0], "range") == 0 && nf >= 7) {
        k.type = BL_RANGE;
        k.key = (uint32_t)strtoul(f[4], NULL, 10);
        ranges = f[5];
        state = f[6];
    } else {
        return -EINVAL;
    }
    k.hash = bl_key_hash(&k);
    struct bl_entry *e = bl_find(b, &k);
    if (!e)
        e = bl_insert(b, &k);
    if (!e)
        return 0;
    for (const char *r = ranges; r && *r;) {
        char *end;
        lo = strtoull(r, &end, 10);
        if (*end != '-')
            return -EINVAL;
        hi = strtoull(end + 1, &end, 10);
        if (hi < lo || (*end && *end != ','))
            return -EINVAL;
        bl_add_interval(e, lo, hi);
        r = *end ? end + 1 : NULL;
    }
    e->flags |= strcmp(state, "alerted") == 0 ? BL_ALERTED : BL_LEARNED;
    return 0;
}

int ics_baseline_load(struct ics_baseline *b, const char *path, char *err, size_t errlen)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        if (errno == ENOENT)
            return 0;
        if (err)
            snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return -errno;
    }
    char line[1024];
    unsigned lineno = 0;
    int rc = 0;
    bool had_state = false;
    while (fgets(line, sizeof line, f)) {
        lineno++;
        size_t n = strlen(line);
        if (n && line[n - 1] == '\n')
            line[--n] = 0;
        if (!n || line[0] == '#')
            continue;
        if (strncmp(line, "state\t", 6) == 0)
            had_state = true;
        if (bl_load_line(b, line) != 0) {
            if (err)
                snprintf(err, errlen, "%s:%u: invalid ics-baseline line", path, lineno);
            rc = -EINVAL;
            break;
        }
    }
    fclose(f);
    if (rc == 0 && had_state && !b->learning)
        log_info("ics-baseline: %s loaded: %u facts, learning done", path, b->count);
    return rc;
}
