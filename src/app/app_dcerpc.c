/* SPDX-License-Identifier: Apache-2.0 */
/* DCE/RPC: the connection-oriented protocol (version 5) over TCP (the
 * endpoint mapper on 135 and the dynamic ports it hands out, found by
 * content) and the connectionless one (version 4) over UDP, plus the pieces
 * SMB shares for DCE/RPC over named pipes (app_dcerpc.h).
 *
 * TCP: PDUs are reassembled per direction up to their frag_length (at most
 * 65535 bytes, accounted to the memcap). A transaction is one call: a bind
 * and its bind_ack, an alter_context and its response, or a request (all its
 * fragments, stub data concatenated) and its response or fault. A response
 * without its request (lost in a gap, or the capture started after it) gets
 * a transaction of its own, logged with request "REQUEST_LOST"; a request
 * never answered is logged at flow end as "UNREPLIED". After a gap the parser
 * skips the rest of the PDU it was in, or, when the gap went past it, looks
 * for the next plausible PDU header.
 *
 * UDP: one datagram is one PDU (80-byte header, body); a transaction is
 * keyed by activity UUID and sequence number and pairs the request with its
 * response, whichever direction they travel (broadcast requests and their
 * answers often share one flow direction).
 *
 * EVE "dcerpc" as Suricata writes it; dcerpc.stub_data, dcerpc.iface and
 * dcerpc.opnum for rules. Limits: max-tx transactions per flow
 * (app-layer.protocols.dcerpc.max-tx, else app-layer.max-tx; the oldest is
 * then logged and dropped), stub data per call and side
 * app-layer.protocols.dcerpc.max-stub-size (DCERPC_STUB_MAX), PDU size 65535. */
#include <errno.h>
#include <stdio.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "app/app_dcerpc.h"
#include "app/app_parser.h"
#include "app/app_pdu.h"
#include "util/json.h"

/* ---------- shared pieces ---------- */

static const char *const ptype_names[] = {
    "REQUEST",   "PING",     "RESPONSE",      "FAULT",
    "WORKING",   "NOCALL",   "REJECT",        "ACK",
    "CL_CANCEL", "FACK",     "CANCEL_ACK",    "BIND",
    "BINDACK",   "BINDNAK",  "ALTER_CONTEXT", "ALTER_CONTEXT_RESP",
    "AUTH3",     "SHUTDOWN", "CO_CANCEL",     "ORPHANED",
    "RTS"};

const char *dcerpc_ptype_name(uint8_t ptype)
{
    return ptype < sizeof(ptype_names) / sizeof(ptype_names[0]) ? ptype_names[ptype] : "UNKNOWN";
}

static uint16_t rd16(const uint8_t *p, bool le)
{
    return le ? (uint16_t)(p[0] | p[1] << 8) : (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t rd32(const uint8_t *p, bool le)
{
    return le ? (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24
              : (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

int dcerpc_hdr_parse(const uint8_t *d, uint32_t len, struct dcerpc_hdr *h)
{
    if (len < DCERPC_HDR_LEN)
        return -EAGAIN;
    if (d[0] != 5 || d[1] > 1)
        return -EINVAL;
    h->vers = d[0];
    h->vers_minor = d[1];
    h->ptype = d[2];
    h->flags = d[3];
    h->le = (d[4] & 0x10) != 0;
    h->frag_len = rd16(d + 8, h->le);
    h->auth_len = rd16(d + 10, h->le);
    h->call_id = rd32(d + 12, h->le);
    if (h->frag_len < DCERPC_HDR_LEN)
        return -EINVAL;
    return 0;
}

bool dcerpc_looks_like_pdu(const uint8_t *d, uint32_t len)
{
    struct dcerpc_hdr h;
    if (dcerpc_hdr_parse(d, len, &h) != 0)
        return false;
    /* drep: integer representation nibble 0 or 1, ASCII/EBCDIC, IEEE/VAX/... */
    if ((d[4] & 0xef) != 0 || d[5] > 3 || h.ptype > DCERPC_RTS)
        return false;
    return (uint32_t)h.auth_len + DCERPC_HDR_LEN <= h.frag_len;
}

void dcerpc_uuid_from_wire(const uint8_t *w, bool le, uint8_t out[16])
{
    if (le) {
        out[0] = w[3];
        out[1] = w[2];
        out[2] = w[1];
        out[3] = w[0];
        out[4] = w[5];
        out[5] = w[4];
        out[6] = w[7];
        out[7] = w[6];
    } else {
        memcpy(out, w, 8);
    }
    memcpy(out + 8, w + 8, 8);
}

void dcerpc_uuid_format(const uint8_t u[16], char out[37])
{
    snprintf(out, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", u[0],
             u[1], u[2], u[3], u[4], u[5], u[6], u[7], u[8], u[9], u[10], u[11], u[12], u[13],
             u[14], u[15]);
}

void dcerpc_call_add_stub(struct dcerpc_call *c, struct app_parse_ctx *ctx, uint8_t dir,
                          const uint8_t *d, uint32_t n)
{
    struct dcerpc_buf *b = &c->stub[dir & 1];
    const struct app_layer_config *cfg = app_parser_config(ctx);
    uint32_t max = cfg && cfg->dcerpc_max_stub_size ? cfg->dcerpc_max_stub_size : DCERPC_STUB_MAX;
    if (n == 0)
        return;
    if (b->len >= max) {
        c->stub_truncated = true;
        return;
    }
    if (b->len + (uint64_t)n > max) {
        c->stub_truncated = true;
        n = max - b->len;
        if (n == 0)
            return;
    }
    if (b->len + n > b->cap) {
        uint64_t cap64 = b->cap ? b->cap : 256;
        while (cap64 < (uint64_t)b->len + n && cap64 < max)
            cap64 *= 2;
        uint32_t cap = cap64 > max ? max : (uint32_t)cap64;
        if (!app_memory_reserve(ctx, cap - b->cap)) {
            c->stub_truncated = true;
            return;
        }
        uint8_t *nd = realloc(b->data, cap);
        if (!nd) {
            app_memory_release(ctx, cap - b->cap);
            c->stub_truncated = true;
            return;
        }
        b->data = nd;
        b->cap = cap;
    }
    memcpy(b->data + b->len, d, n);
    b->len += n;
}

void dcerpc_call_release(struct dcerpc_call *c, struct app_layer_thread_ctx *thread)
{
    for (int d = 0; d < 2; d++) {
        if (c->stub[d].data) {
            app_thread_memory_release(thread, c->stub[d].cap);
            free(c->stub[d].data);
        }
        c->stub[d].data = NULL;
        c->stub[d].len = c->stub[d].cap = 0;
    }
    if (c->bind_ifaces) {
        app_thread_memory_release(thread, c->nbind_ifaces * sizeof(struct dcerpc_iface));
        free(c->bind_ifaces);
        c->bind_ifaces = NULL;
    }
    c->nbind_ifaces = 0;
}

/* bind / alter_context: the presentation contexts offered. A bind starts a
 * new association (the context list is replaced); alter_context adds. */
static void dcerpc_bind(struct dcerpc_call *c, struct dcerpc_bindings *b, struct app_parse_ctx *ctx,
                        const struct dcerpc_hdr *h, const uint8_t *pdu, uint32_t len)
{
    /* A bind not flagged as a first fragment starts nothing (Suricata
     * ignores its contexts, so dcerpc.iface cannot match through it). */
    if (len < DCERPC_HDR_LEN + 12 || !(h->flags & DCERPC_PFC_FIRST_FRAG))
        return;
    const uint8_t *p = pdu + DCERPC_HDR_LEN;
    uint32_t n = p[8], off = DCERPC_HDR_LEN + 12;
    if (h->ptype == DCERPC_BIND) {
        b->count = 0;
        b->ack_next = 0;
    } else {
        b->ack_next = b->count;
    }
    uint16_t first = b->count;
    for (uint32_t i = 0; i < n; i++) {
        if (len < off + 4 + 20)
            break;
        uint16_t ctxid = rd16(pdu + off, h->le);
        uint8_t ntransfer = pdu[off + 2];
        if (b->count < DCERPC_MAX_IFACES) {
            struct dcerpc_iface *f = &b->ifaces[b->count++];
            memset(f, 0, sizeof(*f));
            f->ctxid = ctxid;
            dcerpc_uuid_from_wire(pdu + off + 4, h->le, f->uuid);
            f->ver = rd16(pdu + off + 20, h->le);
            f->ver_minor = rd16(pdu + off + 22, h->le);
        }
        off += 4 + 20 + 20u * ntransfer;
    }
    uint16_t cnt = (uint16_t)(b->count - first);
    if (cnt && !c->bind_ifaces) {
        size_t sz = cnt * sizeof(struct dcerpc_iface);
        if (app_memory_reserve(ctx, sz)) {
            c->bind_ifaces = malloc(sz);
            if (c->bind_ifaces) {
                memcpy(c->bind_ifaces, &b->ifaces[first], sz);
                c->nbind_ifaces = cnt;
            } else {
                app_memory_release(ctx, sz);
            }
        }
    }
}

/* bind_ack / alter_context_resp: one result per offered context, in order. */
static void dcerpc_bind_ack(struct dcerpc_call *c, struct dcerpc_bindings *b,
                            const struct dcerpc_hdr *h, const uint8_t *pdu, uint32_t len)
{
    if (len < DCERPC_HDR_LEN + 10)
        return;
    uint32_t sec_len = rd16(pdu + DCERPC_HDR_LEN + 8, h->le);
    uint32_t off = DCERPC_HDR_LEN + 10 + sec_len;
    off = (off + 3) & ~3u; /* results are 4-byte aligned in the PDU */
    if (len < off + 4)
        return;
    uint32_t n = pdu[off];
    off += 4;
    for (uint32_t i = 0; i < n && len >= off + 24; i++, off += 24) {
        uint16_t result = rd16(pdu + off, h->le), reason = rd16(pdu + off + 2, h->le);
        if (b->ack_next < b->count) {
            struct dcerpc_iface *f = &b->ifaces[b->ack_next++];
            f->acked = true;
            f->ack_result = result;
            f->ack_reason = reason;
        }
        if (i < c->nbind_ifaces) {
            c->bind_ifaces[i].acked = true;
            c->bind_ifaces[i].ack_result = result;
            c->bind_ifaces[i].ack_reason = reason;
        }
    }
}

/* The stub data of a request (dir 0) or response (dir 1) PDU: after the
 * body header, before the authentication verifier and its 8-byte trailer. */
static bool dcerpc_stub(const struct dcerpc_hdr *h, const uint8_t *pdu, uint32_t len, uint8_t dir,
                        const uint8_t **stub, uint32_t *stub_len)
{
    /* As Suricata counts it: a request's stub starts after its 8-byte body
     * header (an object UUID, if flagged, is part of it), a response's right
     * after the common header. */
    uint32_t start = dir == 0 ? DCERPC_HDR_LEN + 8 : DCERPC_HDR_LEN;
    (void)h;
    uint32_t end = len;
    if (h->auth_len) {
        uint32_t trailer = (uint32_t)h->auth_len + 8;
        end = end > trailer ? end - trailer : 0;
    }
    if (end < start)
        return false;
    *stub = pdu + start;
    *stub_len = end - start;
    return true;
}

void dcerpc_call_apply(struct dcerpc_call *c, struct dcerpc_bindings *b, struct app_parse_ctx *ctx,
                       uint8_t dir, const struct dcerpc_hdr *h, const uint8_t *pdu, uint32_t len)
{
    c->call_id = h->call_id;
    c->bindings = b;
    bool last = (h->flags & DCERPC_PFC_LAST_FRAG) != 0;
    switch (h->ptype) {
    case DCERPC_BIND:
    case DCERPC_ALTER_CONTEXT:
        c->req_cmd = h->ptype;
        c->req_seen = c->req_done = true;
        c->first_frag = true;
        dcerpc_bind(c, b, ctx, h, pdu, len);
        break;
    case DCERPC_BIND_ACK:
    case DCERPC_ALTER_CONTEXT_RESP:
        c->res_cmd = h->ptype;
        c->res_seen = c->res_done = true;
        dcerpc_bind_ack(c, b, h, pdu, len);
        break;
    case DCERPC_REQUEST: {
        c->req_cmd = h->ptype;
        c->req_seen = true;
        if (h->flags & DCERPC_PFC_FIRST_FRAG)
            c->first_frag = true;
        if (len >= DCERPC_HDR_LEN + 8) {
            c->ctxid = rd16(pdu + DCERPC_HDR_LEN + 4, h->le);
            c->opnum = rd16(pdu + DCERPC_HDR_LEN + 6, h->le);
        }
        c->frag_cnt[0]++;
        const uint8_t *s;
        uint32_t sl;
        if (dcerpc_stub(h, pdu, len, 0, &s, &sl))
            dcerpc_call_add_stub(c, ctx, 0, s, sl);
        if (last)
            c->req_done = true;
        break;
    }
    case DCERPC_RESPONSE: {
        c->res_cmd = h->ptype;
        c->res_seen = true;
        c->frag_cnt[1]++;
        const uint8_t *s;
        uint32_t sl;
        if (dcerpc_stub(h, pdu, len, 1, &s, &sl))
            dcerpc_call_add_stub(c, ctx, 1, s, sl);
        if (last)
            c->res_done = true;
        break;
    }
    default:
        /* fault, bind_nak, ...: the answer, or a request-side PDU without one */
        if (dir == 1) {
            c->res_cmd = h->ptype;
            c->res_seen = c->res_done = true;
        } else {
            c->req_cmd = h->ptype;
            c->req_seen = c->req_done = true;
        }
        break;
    }
}

/* Written at configuration, before workers start; read-only afterwards. */
static bool log_names;

void dcerpc_set_log_names(bool on)
{
    log_names = on;
}

static void write_iface(struct json_writer *w, const struct dcerpc_iface *f, bool ack, bool reason,
                        bool procedure, uint16_t opnum)
{
    char text[37], ver[16];
    json_object_begin(w);
    dcerpc_uuid_format(f->uuid, text);
    json_key_string(w, "uuid", text);
    snprintf(ver, sizeof(ver), "%u.%u", f->ver, f->ver_minor);
    json_key_string(w, "version", ver);
    if (ack && f->acked) {
        json_key_u64(w, "ack_result", f->ack_result);
        if (reason)
            json_key_u64(w, "ack_reason", f->ack_reason);
    }
    const char *svc = log_names ? dcerpc_service_name(f->uuid) : NULL;
    if (svc)
        json_key_string(w, "service", svc);
    const char *proc = log_names && procedure ? dcerpc_procedure_name(f->uuid, opnum) : NULL;
    if (proc)
        json_key_string(w, "procedure", proc);
    json_object_end(w);
}

/* The interfaces accepted for the request's presentation context. */
static void write_request_ifaces(const struct dcerpc_call *c, struct json_writer *w)
{
    const struct dcerpc_bindings *b = c->bindings;
    if (!b)
        return;
    bool open = false;
    for (uint16_t i = 0; i < b->count; i++) {
        const struct dcerpc_iface *f = &b->ifaces[i];
        if (f->ctxid != c->ctxid || !f->acked || f->ack_result != 0)
            continue;
        if (!open) {
            json_key_array_begin(w, "interfaces");
            open = true;
        }
        write_iface(w, &b->ifaces[i], false, false, true, c->opnum);
    }
    if (open)
        json_array_end(w);
}

void dcerpc_call_write_json(const struct dcerpc_call *c, struct json_writer *w,
                            enum dcerpc_log_flavor flavor, const char *rpc_version)
{
    bool smb = flavor == DCERPC_LOG_SMB;
    json_key_string(w, "request", c->req_seen ? dcerpc_ptype_name(c->req_cmd) : "REQUEST_LOST");
    if (smb)
        json_key_string(w, "response", c->res_seen ? dcerpc_ptype_name(c->res_cmd) : "UNREPLIED");
    if (c->req_seen && c->req_cmd == DCERPC_REQUEST) {
        if (smb)
            json_key_u64(w, "opnum", c->opnum);
        json_key_object_begin(w, "req");
        if (!smb)
            json_key_u64(w, "opnum", c->opnum);
        json_key_u64(w, "frag_cnt", c->frag_cnt[0]);
        json_key_u64(w, "stub_data_size", c->stub[0].len);
        json_object_end(w);
        write_request_ifaces(c, w);
    } else if (c->req_seen && (c->req_cmd == DCERPC_BIND || c->req_cmd == DCERPC_ALTER_CONTEXT) &&
               c->nbind_ifaces) {
        json_key_array_begin(w, "interfaces");
        for (uint16_t i = 0; i < c->nbind_ifaces; i++)
            write_iface(w, &c->bind_ifaces[i], true, smb, false, 0);
        json_array_end(w);
    }
    if (!smb)
        json_key_string(w, "response", c->res_seen ? dcerpc_ptype_name(c->res_cmd) : "UNREPLIED");
    if (c->res_seen && c->res_cmd == DCERPC_RESPONSE) {
        json_key_object_begin(w, "res");
        json_key_u64(w, "frag_cnt", c->frag_cnt[1]);
        json_key_u64(w, "stub_data_size", c->stub[1].len);
        json_object_end(w);
    }
    json_key_u64(w, "call_id", c->call_id);
    if (rpc_version)
        json_key_string(w, "rpc_version", rpc_version);
}

int dcerpc_call_get_buffer(const struct dcerpc_call *c, enum app_buffer buffer, uint8_t direction,
                           uint32_t index, const uint8_t **data, uint32_t *len)
{
    if (buffer == APP_BUFFER_DCERPC_STUB_DATA) {
        const struct dcerpc_buf *b = &c->stub[direction & 1];
        if (index || !b->len)
            return -ENOENT;
        *data = b->data;
        *len = b->len;
        return 0;
    }
    if (buffer == APP_BUFFER_DCERPC_IFACE_DATA) {
        /* The accepted interface of the request's context. */
        const struct dcerpc_bindings *b = c->bindings;
        if (!b || !c->req_seen || c->req_cmd != DCERPC_REQUEST)
            return -ENOENT;
        static _Thread_local uint8_t out[APP_DCERPC_IFACE_LEN];
        uint32_t k = 0;
        for (uint16_t i = 0; i < b->count; i++) {
            const struct dcerpc_iface *f = &b->ifaces[i];
            if (f->ctxid != c->ctxid || !f->acked || f->ack_result != 0)
                continue;
            if (k++ != index)
                continue;
            memcpy(out, f->uuid, 16);
            out[16] = (uint8_t)f->ver;
            out[17] = (uint8_t)(f->ver >> 8);
            out[18] = (uint8_t)f->ver_minor;
            out[19] = (uint8_t)(f->ver_minor >> 8);
            out[20] = c->first_frag ? APP_DCERPC_IFACE_FIRST_FRAG : 0;
            *data = out;
            *len = APP_DCERPC_IFACE_LEN;
            return 0;
        }
        return -ENOENT;
    }
    return -ENOENT;
}

/* dcerpc.opnum has Suricata's own syntax (ranges, lists): detect_kw_winrpc.c. */
const struct app_uint_field dcerpc_opnum_field = {"dcerpc.opnum", 3, 65535, NULL, true};

int dcerpc_call_opnum(const struct dcerpc_call *c, uint64_t *value)
{
    if (!c->req_seen || c->req_cmd != DCERPC_REQUEST)
        return -ENOENT;
    *value = c->opnum;
    return 0;
}

/* ---------- the dcerpc parsers (TCP and UDP) ---------- */

#define DCERPC_UDP_HDR_LEN 80
#define DCERPC_CL_FLAG_LASTFRAG 0x02
#define DCERPC_CL_FLAG_FRAG 0x04

struct dcerpc_state;

struct dcerpc_tx {
    struct app_tx base;
    struct dcerpc_tx *next;
    struct dcerpc_state *state;
    struct dcerpc_call call;
    /* UDP */
    uint8_t activity[16], if_uuid[16];
    uint32_t seqnum, if_vers;
};

struct dcerpc_reasm {
    uint8_t *buf; /* owned; cap bytes accounted */
    uint32_t len, cap;
    uint32_t skip; /* bytes of a PDU to drop (after a gap inside it) */
    bool lost;     /* looking for the next PDU header */
};

struct dcerpc_state {
    struct app_layer_thread_ctx *thread;
    bool udp;
    bool refeed; /* parsing bytes held back from earlier calls: no frames */
    struct dcerpc_bindings bindings;
    struct dcerpc_tx *head, *tail;
    uint32_t ntx;
    uint64_t next_id;
    struct dcerpc_reasm dir[2];
    uint8_t vers, vers_minor;
    bool have_vers;
};

static void dcerpc_tx_free(struct dcerpc_state *st, struct dcerpc_tx *tx)
{
    dcerpc_call_release(&tx->call, st->thread);
    app_thread_memory_release(st->thread, sizeof(*tx));
    free(tx);
}

static void dcerpc_log_body(const void *object, struct json_writer *w);

static void dcerpc_tx_log(struct dcerpc_state *st, struct app_parse_ctx *ctx, struct dcerpc_tx *tx)
{
    if (tx->base.logged)
        return;
    tx->base.logged = true;
    app_parser_log(ctx, "dcerpc", 0, dcerpc_log_body, &tx->base);
    (void)st;
}

/* Logs complete transactions (all at flow end) and frees those detection is
 * done with. */
static void dcerpc_sweep(struct dcerpc_state *st, struct app_parse_ctx *ctx, bool at_end)
{
    struct dcerpc_tx **pp = &st->head, *prev = NULL;
    while (*pp) {
        struct dcerpc_tx *tx = *pp;
        if (!tx->base.logged && (at_end || (tx->call.req_done && tx->call.res_done)))
            dcerpc_tx_log(st, ctx, tx);
        if (app_tx_can_free(&tx->base)) {
            *pp = tx->next;
            if (st->tail == tx)
                st->tail = prev;
            st->ntx--;
            dcerpc_tx_free(st, tx);
            continue;
        }
        prev = tx;
        pp = &tx->next;
    }
}

static struct dcerpc_tx *dcerpc_tx_new(struct dcerpc_state *st, struct app_parse_ctx *ctx)
{
    const struct app_layer_config *cfg = app_parser_config(ctx);
    uint32_t max_tx = cfg->dcerpc_max_tx     ? cfg->dcerpc_max_tx
                      : cfg->max_tx_per_flow ? cfg->max_tx_per_flow
                                             : 512;
    if (st->ntx >= max_tx && st->head) {
        /* The oldest is given up on: logged as it is. */
        st->head->call.req_done = st->head->call.res_done = true;
        dcerpc_tx_log(st, ctx, st->head);
        st->head->base.detect_done = 3;
        dcerpc_sweep(st, ctx, false);
    }
    if (!app_memory_reserve(ctx, sizeof(struct dcerpc_tx)))
        return NULL;
    struct dcerpc_tx *tx = calloc(1, sizeof(*tx));
    if (!tx) {
        app_memory_release(ctx, sizeof(struct dcerpc_tx));
        return NULL;
    }
    tx->base.parser = st->udp ? &app_parser_dcerpc_udp : &app_parser_dcerpc_tcp;
    tx->base.id = st->next_id++;
    tx->state = st;
    tx->call.bindings = &st->bindings;
    if (st->tail)
        st->tail->next = tx;
    else
        st->head = tx;
    st->tail = tx;
    st->ntx++;
    app_parser_count_tx(ctx, APP_PROTO_DCERPC);
    return tx;
}

static bool is_request_side(uint8_t ptype)
{
    return ptype == DCERPC_REQUEST || ptype == DCERPC_BIND || ptype == DCERPC_ALTER_CONTEXT ||
           ptype == DCERPC_AUTH3 || ptype == DCERPC_CO_CANCEL || ptype == DCERPC_ORPHANED;
}

/* One complete connection-oriented PDU. */
static void dcerpc_tcp_pdu(struct dcerpc_state *st, struct app_parse_ctx *ctx, uint8_t dir,
                           const uint8_t *pdu, uint32_t len)
{
    struct dcerpc_hdr h;
    if (dcerpc_hdr_parse(pdu, len, &h) != 0)
        return;
    if (!st->have_vers) {
        st->vers = h.vers;
        st->vers_minor = h.vers_minor;
        st->have_vers = true;
    }
    /* Authentication legs and cancels have no answer and carry nothing we log. */
    if (h.ptype == DCERPC_AUTH3 || h.ptype == DCERPC_CO_CANCEL || h.ptype == DCERPC_ORPHANED ||
        h.ptype == DCERPC_SHUTDOWN || h.ptype == DCERPC_RTS)
        return;
    struct dcerpc_tx *tx = NULL;
    if (is_request_side(h.ptype)) {
        bool continuation = h.ptype == DCERPC_REQUEST && !(h.flags & DCERPC_PFC_FIRST_FRAG);
        if (continuation)
            for (struct dcerpc_tx *t = st->head; t; t = t->next)
                if (t->call.call_id == h.call_id && t->call.req_seen && !t->call.req_done &&
                    t->call.req_cmd == DCERPC_REQUEST)
                    tx = t;
    } else {
        for (struct dcerpc_tx *t = st->head; t && !tx; t = t->next)
            if (t->call.call_id == h.call_id && t->call.req_seen && !t->call.res_done &&
                !t->base.logged)
                tx = t;
        if (!tx && h.ptype == DCERPC_RESPONSE && !(h.flags & DCERPC_PFC_FIRST_FRAG))
            for (struct dcerpc_tx *t = st->head; t && !tx; t = t->next)
                if (t->call.call_id == h.call_id && t->call.res_seen && !t->call.res_done &&
                    !t->base.logged)
                    tx = t;
    }
    if (!tx) {
        tx = dcerpc_tx_new(st, ctx);
        if (!tx)
            return;
    }
    dcerpc_call_apply(&tx->call, &st->bindings, ctx, dir, &h, pdu, len);
    /* An answer without its request: nothing more will come for the request. */
    if (!is_request_side(h.ptype) && !tx->call.req_seen)
        tx->call.req_done = true;
}

/* Suricata's DCE/RPC frames: pdu (a whole PDU), hdr (its 16-byte common
 * header) and data (the rest), of a PDU whose last byte ends at stream
 * offset `end`. */
enum { DCERPC_FRAME_PDU, DCERPC_FRAME_HDR, DCERPC_FRAME_DATA };
static const char *const dcerpc_frame_names[] = {"pdu", "hdr", "data", NULL};

static void dcerpc_tcp_pdu_framed(struct dcerpc_state *st, struct app_parse_ctx *ctx, uint8_t dir,
                                  const uint8_t *pdu, uint32_t len, uint64_t end)
{
    if (app_frames_on(ctx) && !st->refeed && end >= len)
        app_frame_add_pdu(ctx, dir, end - len, pdu, len, DCERPC_HDR_LEN, DCERPC_FRAME_PDU,
                          DCERPC_FRAME_HDR, DCERPC_FRAME_DATA, -1);
    dcerpc_tcp_pdu(st, ctx, dir, pdu, len);
}

static bool reasm_grow(struct dcerpc_state *st, struct app_parse_ctx *ctx, struct dcerpc_reasm *r,
                       uint32_t need)
{
    (void)st;
    return app_buf_grow(ctx, &r->buf, &r->cap, need, 1024, 0);
}

static void reasm_free(struct dcerpc_state *st, struct dcerpc_reasm *r)
{
    if (r->buf) {
        app_thread_memory_release(st->thread, r->cap);
        free(r->buf);
    }
    memset(r, 0, sizeof(*r));
}

static int dcerpc_tcp_parse(void *state, struct app_parse_ctx *ctx, uint8_t direction,
                            const uint8_t *data, uint32_t len, uint32_t flags)
{
    struct dcerpc_state *st = state;
    uint8_t d = direction & 1;
    struct dcerpc_reasm *r = &st->dir[d];
    if (flags & APP_DATA_GAP) {
        /* Inside a PDU whose length we know: skip the rest of it. */
        if (r->len >= DCERPC_HDR_LEN && !r->lost) {
            struct dcerpc_hdr h;
            if (dcerpc_hdr_parse(r->buf, r->len, &h) == 0 && h.frag_len > r->len &&
                len <= (uint32_t)h.frag_len - r->len) {
                r->skip = h.frag_len - r->len - len;
                r->len = 0;
                dcerpc_sweep(st, ctx, false);
                return 0;
            }
        } else if (r->skip >= len) {
            r->skip -= len;
            return 0;
        }
        r->len = 0;
        r->skip = 0;
        r->lost = true;
        return 0;
    }
    const uint8_t *start = data;
    uint64_t base = app_frames_on(ctx) ? ctx->stream_offset : 0;
    while (data && len) {
        if (r->skip) {
            uint32_t n = r->skip < len ? r->skip : len;
            r->skip -= n;
            data += n;
            len -= n;
            continue;
        }
        if (r->lost) {
            /* Keep at most one header's worth of unmatched bytes. */
            uint32_t n = len;
            if (!reasm_grow(st, ctx, r, r->len + n))
                return -1;
            memcpy(r->buf + r->len, data, n);
            r->len += n;
            data += n;
            len -= n;
            uint32_t i = 0;
            for (; i + DCERPC_HDR_LEN <= r->len; i++)
                if (dcerpc_looks_like_pdu(r->buf + i, r->len - i))
                    break;
            if (i + DCERPC_HDR_LEN <= r->len) {
                r->lost = false;
                memmove(r->buf, r->buf + i, r->len - i);
                r->len -= i;
            } else {
                uint32_t keep = r->len < DCERPC_HDR_LEN - 1 ? r->len : DCERPC_HDR_LEN - 1;
                memmove(r->buf, r->buf + r->len - keep, keep);
                r->len = keep;
                break;
            }
            /* fall through to PDU assembly with what is buffered */
            uint32_t pending = r->len;
            r->len = 0;
            uint8_t *tmp = r->buf;
            /* Re-feed the buffered bytes through the normal path. */
            r->buf = NULL;
            uint32_t cap = r->cap;
            r->cap = 0;
            bool was = st->refeed;
            st->refeed = true;
            int rc = dcerpc_tcp_parse(st, ctx, d, tmp, pending, 0);
            st->refeed = was;
            app_memory_release(ctx, cap);
            free(tmp);
            if (rc)
                return rc;
            continue;
        }
        /* Assemble the header, then the PDU. */
        uint32_t need = DCERPC_HDR_LEN;
        struct dcerpc_hdr h;
        if (r->len >= DCERPC_HDR_LEN) {
            if (dcerpc_hdr_parse(r->buf, r->len, &h) != 0)
                return -1;
            need = h.frag_len;
        } else if (r->len == 0 && len >= DCERPC_HDR_LEN) {
            /* Fast path: a whole PDU in this chunk. */
            int rc = dcerpc_hdr_parse(data, len, &h);
            if (rc != 0) {
                app_parser_anomaly(ctx, APP_PROTO_DCERPC, "malformed_data");
                return -1;
            }
            if (len >= h.frag_len) {
                dcerpc_tcp_pdu_framed(st, ctx, d, data, h.frag_len,
                                      base + (uint64_t)(data - start) + h.frag_len);
                data += h.frag_len;
                len -= h.frag_len;
                continue;
            }
            need = h.frag_len;
        }
        uint32_t want = need - r->len;
        uint32_t n = want < len ? want : len;
        if (!reasm_grow(st, ctx, r, r->len + n))
            return -1;
        memcpy(r->buf + r->len, data, n);
        r->len += n;
        data += n;
        len -= n;
        if (r->len == DCERPC_HDR_LEN && need == DCERPC_HDR_LEN) {
            if (dcerpc_hdr_parse(r->buf, r->len, &h) != 0) {
                app_parser_anomaly(ctx, APP_PROTO_DCERPC, "malformed_data");
                return -1;
            }
            if (h.frag_len > DCERPC_HDR_LEN)
                continue;
        }
        if (r->len >= DCERPC_HDR_LEN && dcerpc_hdr_parse(r->buf, r->len, &h) == 0 &&
            r->len == h.frag_len) {
            dcerpc_tcp_pdu_framed(st, ctx, d, r->buf, r->len, base + (uint64_t)(data - start));
            r->len = 0;
        }
    }
    if (r->len == 0 && r->buf && r->cap > 4096) {
        /* Give a large PDU buffer back once it is empty. */
        app_memory_release(ctx, r->cap);
        free(r->buf);
        r->buf = NULL;
        r->cap = 0;
    }
    dcerpc_sweep(st, ctx, false);
    return 0;
}

/* ---------- UDP ---------- */

static int dcerpc_udp_parse(void *state, struct app_parse_ctx *ctx, uint8_t direction,
                            const uint8_t *data, uint32_t len, uint32_t flags)
{
    struct dcerpc_state *st = state;
    (void)direction;
    (void)flags;
    if (!data || len < DCERPC_UDP_HDR_LEN || data[0] != 4) {
        if (data && len)
            app_parser_anomaly(ctx, APP_PROTO_DCERPC, "malformed_data");
        return 0;
    }
    uint8_t ptype = data[1], flags1 = data[2];
    bool le = (data[4] & 0x10) != 0;
    /* Suricata reads connectionless UUIDs as little endian whatever the
     * drep says; so do we, for the same text. */
    uint8_t activity[16];
    dcerpc_uuid_from_wire(data + 40, true, activity);
    uint32_t seqnum = rd32(data + 64, le);
    uint16_t opnum = rd16(data + 68, le);
    uint16_t body_len = rd16(data + 74, le);
    uint16_t fragnum = rd16(data + 76, le);
    struct dcerpc_tx *tx = NULL;
    for (struct dcerpc_tx *t = st->head; t && !tx; t = t->next)
        if (t->seqnum == seqnum && memcmp(t->activity, activity, 16) == 0 && !t->base.logged)
            tx = t;
    bool request = ptype == DCERPC_REQUEST || ptype == DCERPC_PING || ptype == DCERPC_FACK ||
                   ptype == DCERPC_CL_CANCEL || ptype == DCERPC_ACK;
    if (!tx) {
        if (ptype == DCERPC_ACK || ptype == DCERPC_FACK)
            return 0; /* acknowledgements of fragments carry no call */
        tx = dcerpc_tx_new(st, ctx);
        if (!tx)
            return 0;
        memcpy(tx->activity, activity, 16);
        tx->seqnum = seqnum;
    }
    struct dcerpc_call *c = &tx->call;
    const uint8_t *body = data + DCERPC_UDP_HDR_LEN;
    uint32_t blen = len - DCERPC_UDP_HDR_LEN;
    if (body_len < blen)
        blen = body_len;
    bool last = !(flags1 & DCERPC_CL_FLAG_FRAG) || (flags1 & DCERPC_CL_FLAG_LASTFRAG);
    if (request) {
        if (ptype == DCERPC_ACK || ptype == DCERPC_FACK)
            return 0;
        c->req_cmd = ptype;
        c->req_seen = true;
        c->opnum = opnum;
        if (fragnum == 0)
            c->first_frag = true;
        dcerpc_uuid_from_wire(data + 24, true, tx->if_uuid);
        tx->if_vers = rd32(data + 60, le);
        c->frag_cnt[0]++;
        dcerpc_call_add_stub(c, ctx, 0, body, blen);
        if (last)
            c->req_done = true;
    } else {
        c->res_cmd = ptype;
        c->res_seen = true;
        c->frag_cnt[1]++;
        if (ptype == DCERPC_RESPONSE)
            dcerpc_call_add_stub(c, ctx, 1, body, blen);
        if (last || ptype != DCERPC_RESPONSE)
            c->res_done = true;
        if (!c->req_seen)
            c->req_done = true;
    }
    dcerpc_sweep(st, ctx, false);
    return 0;
}

/* ---------- framework glue ---------- */

static void *dcerpc_state_new_common(struct app_parse_ctx *ctx, bool udp)
{
    struct dcerpc_state *st = app_state_alloc(ctx, sizeof(*st));
    if (!st)
        return NULL;
    st->thread = ctx->thread;
    st->udp = udp;
    return st;
}

static void *dcerpc_tcp_state_new(struct app_parse_ctx *ctx)
{
    return dcerpc_state_new_common(ctx, false);
}

static void *dcerpc_udp_state_new(struct app_parse_ctx *ctx)
{
    return dcerpc_state_new_common(ctx, true);
}

static void dcerpc_state_free(void *state)
{
    struct dcerpc_state *st = state;
    if (!st)
        return;
    while (st->head) {
        struct dcerpc_tx *n = st->head->next;
        dcerpc_tx_free(st, st->head);
        st->head = n;
    }
    reasm_free(st, &st->dir[0]);
    reasm_free(st, &st->dir[1]);
    app_thread_memory_release(st->thread, sizeof(*st));
    free(st);
}

static void dcerpc_flow_end(void *state, struct app_parse_ctx *ctx)
{
    dcerpc_sweep(state, ctx, true);
}

static void dcerpc_tx_write_json(const struct app_tx *atx, struct json_writer *w)
{
    const struct dcerpc_tx *tx = (const struct dcerpc_tx *)atx;
    const struct dcerpc_state *st = tx->state;
    json_key_object_begin(w, "dcerpc");
    if (st->udp) {
        const struct dcerpc_call *c = &tx->call;
        json_key_string(w, "request", c->req_seen ? dcerpc_ptype_name(c->req_cmd) : "REQUEST_LOST");
        if (c->req_seen && c->req_cmd == DCERPC_REQUEST) {
            json_key_object_begin(w, "req");
            json_key_u64(w, "opnum", c->opnum);
            json_key_u64(w, "frag_cnt", c->frag_cnt[0]);
            json_key_u64(w, "stub_data_size", c->stub[0].len);
            json_object_end(w);
        }
        json_key_string(w, "response", c->res_seen ? dcerpc_ptype_name(c->res_cmd) : "UNREPLIED");
        if (c->res_seen && c->res_cmd == DCERPC_RESPONSE) {
            json_key_object_begin(w, "res");
            json_key_u64(w, "frag_cnt", c->frag_cnt[1]);
            json_key_u64(w, "stub_data_size", c->stub[1].len);
            json_object_end(w);
        }
        char text[37];
        dcerpc_uuid_format(tx->activity, text);
        json_key_string(w, "activityuuid", text);
        json_key_u64(w, "seqnum", tx->seqnum);
        json_key_string(w, "rpc_version", "4.0");
    } else {
        char ver[16];
        snprintf(ver, sizeof(ver), "%u.%u", st->vers, st->vers_minor);
        dcerpc_call_write_json(&tx->call, w, DCERPC_LOG_TCP, st->have_vers ? ver : NULL);
    }
    json_object_end(w);
}

static void dcerpc_log_body(const void *object, struct json_writer *w)
{
    dcerpc_tx_write_json(object, w);
}

static int dcerpc_tx_foreach(void *state, int (*fn)(struct app_tx *tx, void *user), void *user)
{
    struct dcerpc_state *st = state;
    return app_tx_list_foreach(st->head, offsetof(struct dcerpc_tx, next), fn, user);
}

static bool dcerpc_tx_complete(const struct app_tx *atx, uint8_t direction)
{
    const struct dcerpc_tx *tx = (const struct dcerpc_tx *)atx;
    return direction ? tx->call.res_done : tx->call.req_done;
}

static int dcerpc_tx_get_buffer_dir(const struct app_tx *atx, enum app_buffer buffer,
                                    uint8_t direction, uint32_t index, const uint8_t **data,
                                    uint32_t *len)
{
    const struct dcerpc_tx *tx = (const struct dcerpc_tx *)atx;
    if (tx->state->udp && buffer == APP_BUFFER_DCERPC_IFACE_DATA) {
        const struct dcerpc_call *c = &tx->call;
        if (index || !c->req_seen || c->req_cmd != DCERPC_REQUEST)
            return -ENOENT;
        static _Thread_local uint8_t out[APP_DCERPC_IFACE_LEN];
        memcpy(out, tx->if_uuid, 16);
        out[16] = (uint8_t)tx->if_vers;
        out[17] = (uint8_t)(tx->if_vers >> 8);
        out[18] = (uint8_t)(tx->if_vers >> 16);
        out[19] = (uint8_t)(tx->if_vers >> 24);
        out[20] = c->first_frag ? APP_DCERPC_IFACE_FIRST_FRAG : 0;
        *data = out;
        *len = APP_DCERPC_IFACE_LEN;
        return 0;
    }
    return dcerpc_call_get_buffer(&tx->call, buffer, direction, index, data, len);
}

static int dcerpc_tx_get_buffer(const struct app_tx *atx, enum app_buffer buffer, uint32_t index,
                                const uint8_t **data, uint32_t *len)
{
    uint8_t dir = (index & APP_BUFFER_INDEX_TOCLIENT) ? 1 : 0;
    return dcerpc_tx_get_buffer_dir(
        atx, buffer, dir, index & ~(APP_BUFFER_INDEX_TOCLIENT | APP_BUFFER_INDEX_TOSERVER), data,
        len);
}

static int dcerpc_tx_get_uint(const struct app_tx *atx, uint16_t field, uint32_t index,
                              uint64_t *value, const char **name)
{
    const struct dcerpc_tx *tx = (const struct dcerpc_tx *)atx;
    (void)name;
    return field == 0 && index == 0 ? dcerpc_call_opnum(&tx->call, value) : -ENOENT;
}

/* A bind or alter_context (any flags), or a request starting a call. */
static enum app_probe_result dcerpc_tcp_probe(const uint8_t *data, uint32_t len, uint8_t direction)
{
    if (len >= 1 && data[0] != 5)
        return APP_PROBE_NO;
    if (len >= 2 && data[1] > 1)
        return APP_PROBE_NO;
    if (len < DCERPC_HDR_LEN)
        return APP_PROBE_NEED_MORE;
    if (!dcerpc_looks_like_pdu(data, len))
        return APP_PROBE_NO;
    uint8_t ptype = data[2];
    if (direction == 0 &&
        (ptype == DCERPC_BIND || ptype == DCERPC_ALTER_CONTEXT || ptype == DCERPC_REQUEST))
        return APP_PROBE_MATCH;
    if (direction == 1 && (ptype == DCERPC_BIND_ACK || ptype == DCERPC_ALTER_CONTEXT_RESP ||
                           ptype == DCERPC_RESPONSE || ptype == DCERPC_BIND_NAK))
        return APP_PROBE_MATCH;
    return APP_PROBE_NO;
}

/* Version 4, a known packet type, a sane body length for the datagram. */
static enum app_probe_result dcerpc_udp_probe(const uint8_t *data, uint32_t len, uint8_t direction)
{
    (void)direction;
    if (len < DCERPC_UDP_HDR_LEN || data[0] != 4 || data[1] > DCERPC_CANCEL_ACK)
        return APP_PROBE_NO;
    if ((data[4] & 0xef) != 0 || data[5] > 3)
        return APP_PROBE_NO;
    bool le = (data[4] & 0x10) != 0;
    uint16_t body = rd16(data + 74, le);
    if ((uint32_t)body + DCERPC_UDP_HDR_LEN > len)
        return APP_PROBE_NO;
    return APP_PROBE_MATCH;
}

const struct app_parser app_parser_dcerpc_tcp = {
    .proto = APP_PROTO_DCERPC,
    .name = "dcerpc",
    .ipprotos = APP_IPPROTO_TCP,
    .ports = {135},
    .probe = dcerpc_tcp_probe,
    .frame_names = dcerpc_frame_names,
    .state_new = dcerpc_tcp_state_new,
    .state_free = dcerpc_state_free,
    .parse = dcerpc_tcp_parse,
    .flow_end = dcerpc_flow_end,
    .tx_foreach = dcerpc_tx_foreach,
    .tx_complete = dcerpc_tx_complete,
    .tx_get_buffer = dcerpc_tx_get_buffer,
    .tx_write_json = dcerpc_tx_write_json,
    .tx_get_buffer_dir = dcerpc_tx_get_buffer_dir,
    .uint_fields = &dcerpc_opnum_field,
    .n_uint_fields = 1,
    .tx_get_field_uint = dcerpc_tx_get_uint,
};

const struct app_parser app_parser_dcerpc_udp = {
    .proto = APP_PROTO_DCERPC,
    .name = "dcerpc",
    .ipprotos = APP_IPPROTO_UDP,
    .ports = {135},
    .probe = dcerpc_udp_probe,
    .state_new = dcerpc_udp_state_new,
    .state_free = dcerpc_state_free,
    .parse = dcerpc_udp_parse,
    .flow_end = dcerpc_flow_end,
    .tx_foreach = dcerpc_tx_foreach,
    .tx_complete = dcerpc_tx_complete,
    .tx_get_buffer = dcerpc_tx_get_buffer,
    .tx_write_json = dcerpc_tx_write_json,
    .tx_get_buffer_dir = dcerpc_tx_get_buffer_dir,
    .uint_fields = &dcerpc_opnum_field,
    .n_uint_fields = 1,
    .tx_get_field_uint = dcerpc_tx_get_uint,
};
