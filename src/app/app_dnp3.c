/* SPDX-License-Identifier: Apache-2.0 */
/* DNP3 (IEEE 1815) over TCP and UDP as Suricata 8 parses it:
 *
 * - Link layer: frames start 0x05 0x64; the length octet counts control,
 *   addresses and user data; a CRC (polynomial 0x3D65, reflected, inverted)
 *   follows the 8-octet header and every 16 octets of user data. Only user
 *   data frames (link functions 3 and 4) are used. A bad start, a bad header
 *   CRC (bad_link_crc) or a length below 5 (len_too_small) is an error that
 *   ends parsing of the flow; a frame too short for the transport and
 *   application headers raises len_too_small (and ends a response stream);
 *   a bad user-data CRC raises bad_transport_crc and skips the frame.
 * - Transport: segments are reassembled per direction into one application
 *   fragment: FIR starts a transaction, later segments join the open
 *   transaction of the same link source and destination whose sequence
 *   number they continue (mod 64), FIN ends it. A fragment longer than
 *   63 * 255 octets raises too_long_reassembly and ends the transaction.
 * - Transactions are unidirectional: each request and each response (or
 *   unsolicited response) is one. Suricata ignores requests with the
 *   CONFIRM function; vigil makes them transactions too unless
 *   app-layer.protocols.dnp3.log-confirms is off. More than max-tx (32)
 *   live transactions raise flooded.
 * - Deliberate difference: Suricata drops a chunk to the client that holds
 *   "DNP3" anywhere (taking it for an outstation banner); vigil only when the
 *   chunk does not start a link frame.
 * - Application: the object headers are decoded with their points as far as
 *   the objects are known (app_dnp3_objects.h); an unknown or malformed
 *   object raises unknown_object and stops decoding. At most max-objects
 *   (2048) objects and max-points (16384) points per message
 *   (too_many_objects, too_many_points).
 * - EVE "dnp3" per message, when it is complete (else at flow end, if its
 *   final segment came), in Suricata's shape; alerts carry it as
 *   {"request"|"response": {...}}.
 * Limits: a direction buffers at most one link frame (292 octets); a
 * transaction holds its fragment (<= 16065 octets) and decoded points. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/app_baseline.h"
#include "app/app_dnp3_objects.h"
#include "app/app_ics.h"
#include "app/app_parser.h"
#include "flow/flow.h"
#include "util/json.h"

#define DNP3_PORT 20000
#define DNP3_LINK_HDR 10        /* start(2) len ctrl dst(2) src(2) crc(2) */
#define DNP3_LINK_LEN_BASE 5    /* octets of the header counted by the length */
#define DNP3_BLOCK 16
#define DNP3_CRC 2
#define DNP3_BUF_CAP 512 /* more than a frame (at most 292 octets) */
#define DNP3_MAX_REASSEMBLY (63u * 255u)
#define DNP3_FC_CONFIRM 0
#define DNP3_FC_UNSOLICITED 130

enum dnp3_event {
    DNP3_EV_FLOODED = 0,
    DNP3_EV_LEN_TOO_SMALL,
    DNP3_EV_BAD_LINK_CRC,
    DNP3_EV_BAD_TRANSPORT_CRC,
    DNP3_EV_MALFORMED,
    DNP3_EV_UNKNOWN_OBJECT,
    DNP3_EV_TOO_MANY_POINTS,
    DNP3_EV_TOO_MANY_OBJECTS,
    DNP3_EV_TOO_LONG_REASSEMBLY,
    DNP3_EV_COUNT,
};
static const char *const dnp3_event_names[DNP3_EV_COUNT + 1] = {
    "flooded",       "len_too_small",   "bad_link_crc",     "bad_transport_crc",
    "malformed",     "unknown_object",  "too_many_points",  "too_many_objects",
    "too_long_reassembly", NULL};

struct dnp3_state;

struct dnp3_tx {
    struct app_tx base;
    struct dnp3_state *st;
    struct dnp3_tx *next;
    uint64_t num; /* 1-based */
    struct dnp3_message msg;
    uint8_t th; /* last transport header, for the sequence of the next segment */
    uint8_t *buf;
    uint32_t buf_len, buf_cap;
    struct dnp3_object *objects;
    uint32_t nobjects, cap_objects;
    struct dnp3_point *points;
    uint32_t npoints, cap_points;
    uint32_t events;
    size_t mem; /* reserved against the memcap, besides the struct */
};

struct dnp3_state {
    struct app_layer_thread_ctx *thread;
    struct dnp3_tx *head, *tail, *curr;
    uint32_t live;
    uint64_t tx_max; /* transactions created */
    bool flooded;
    bool udp;
    bool dir_known, reversed;
    bool dead; /* parsing ended (error or gap) */
    uint8_t buf[2][DNP3_BUF_CAP];
    uint32_t buf_len[2];
    struct app_parse_ctx *ctx; /* during a parse call */
    uint64_t link_off;         /* frames: stream offset of the link layer's input */
    uint8_t wire;              /* frames: the wire direction being parsed */
};

/* ------------------------------------------------------------ helpers */

static uint16_t dnp3_crc(const uint8_t *p, uint32_t n)
{
    uint16_t crc = 0;
    while (n--) {
        crc ^= *p++;
        for (int i = 0; i < 8; i++)
            crc = (crc & 1) ? (uint16_t)((crc >> 1) ^ 0xA6BC) : (uint16_t)(crc >> 1);
    }
    return (uint16_t)~crc;
}

/* A block of data followed by its CRC (at least one data octet). */
static bool dnp3_crc_ok(const uint8_t *block, uint32_t len)
{
    if (len < DNP3_CRC + 1)
        return false;
    uint16_t crc = dnp3_crc(block, len - DNP3_CRC);
    return block[len - 2] == (crc & 0xff) && block[len - 1] == (crc >> 8);
}

static bool dnp3_user_data_crcs_ok(const uint8_t *p, uint32_t len)
{
    uint32_t off = 0;
    while (off < len) {
        uint32_t n = len - off >= DNP3_BLOCK + DNP3_CRC ? DNP3_BLOCK + DNP3_CRC : len - off;
        if (!dnp3_crc_ok(p + off, n))
            return false;
        off += n;
    }
    return true;
}

/* The frame length with CRCs for a link length octet, 0 if below 5. */
static uint32_t dnp3_frame_len(uint8_t length)
{
    if (length < DNP3_LINK_LEN_BASE)
        return 0;
    uint32_t n = (uint32_t)length - DNP3_LINK_LEN_BASE;
    uint32_t f = (n / DNP3_BLOCK) * (DNP3_BLOCK + DNP3_CRC);
    if (n % DNP3_BLOCK)
        f += n % DNP3_BLOCK + DNP3_CRC;
    return f + DNP3_LINK_HDR;
}

static uint16_t le16(const uint8_t *p)
{
    return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static bool dnp3_has_banner(const uint8_t *p, uint32_t len)
{
    for (uint32_t i = 0; i + 4 <= len; i++)
        if (memcmp(p + i, "DNP3", 4) == 0)
            return true;
    return false;
}

static bool dnp3_banner_printable(const uint8_t *p, uint32_t len)
{
    for (uint32_t i = 0; i < len && i < 0x100; i++)
        if (p[i] < 0x20 || p[i] > 0x7e)
            return false;
    return true;
}

/* ------------------------------------------------------------ object decoding */

static const struct dnp3_odesc *dnp3_odesc_find(uint8_t group, uint8_t variation)
{
    for (size_t i = 0; i < sizeof(dnp3_objects) / sizeof(dnp3_objects[0]); i++)
        if (dnp3_objects[i].group == group && dnp3_objects[i].variation == variation)
            return &dnp3_objects[i];
    return NULL;
}

static bool dnp3_prefix_is_size(uint8_t prefix_code)
{
    return prefix_code >= 4 && prefix_code <= 6;
}

static uint32_t dnp3_prefix_len(uint8_t prefix_code)
{
    switch (prefix_code) {
    case 1:
    case 4:
        return 1;
    case 2:
    case 5:
        return 2;
    case 3:
    case 6:
        return 4;
    default:
        return 0;
    }
}

static uint32_t read_le(const uint8_t *p, uint32_t n)
{
    uint32_t v = 0;
    for (uint32_t i = 0; i < n; i++)
        v |= (uint32_t)p[i] << (8 * i);
    return v;
}

#define DNP3_MAX_FIELDS 24

/* Reads one (unpacked) point's fields at buf[off] (the octets after its
 * prefix). Returns the octets read, or -1 if the data ends first. Fields
 * are written to out (up to max; *nout counts them all) when out is set. */
static int dnp3_read_point(const struct dnp3_odesc *od, const uint8_t *buf, uint32_t len,
                           uint32_t off, uint32_t prefix, struct dnp3_field *out, uint32_t max,
                           uint32_t *nout)
{
    uint64_t vals[DNP3_MAX_FIELDS] = {0};
    uint32_t pos = off, n = 0;
    uint8_t octet = 0, shift = 0;
    for (uint32_t fi = 0; od->fields[fi].kind != DF_END && fi < DNP3_MAX_FIELDS; fi++) {
        const struct dnp3_fdesc *fd = &od->fields[fi];
        struct dnp3_field f = {.name = fd->name, .type = DNP3_FIELD_UINT};
        uint32_t need = 0, flen = 0;
        switch (fd->kind) {
        case DF_U8: need = 1; break;
        case DF_U16: case DF_I16: need = 2; break;
        case DF_U24: need = 3; break;
        case DF_U32: case DF_I32: case DF_F32: need = 4; break;
        case DF_F64: need = 8; break;
        case DF_TIME: need = 6; break;
        case DF_OCTET: need = 1; break;
        case DF_VSTR4: need = 4; break;
        case DF_BITS: need = 0; break;
        case DF_CHARS: case DF_BYTES:
            flen = (uint32_t)vals[fd->arg];
            need = flen;
            break;
        case DF_CHARS_PFX: case DF_BYTES_PFX: {
            /* The size prefix less what this point used so far, in the
             * width of Suricata's (unlogged) length field. */
            uint64_t v = (uint64_t)prefix - (pos - off);
            if (fd->arg == 1)
                v &= 0xff;
            else if (fd->arg == 2)
                v &= 0xffff;
            else
                v &= 0xffffffffu;
            flen = (uint32_t)v;
            need = flen;
            break;
        }
        default:
            return -1;
        }
        if (need > len - pos)
            return -1;
        const uint8_t *p = buf + pos;
        switch (fd->kind) {
        case DF_U8: f.u = p[0]; break;
        case DF_U16: f.u = le16(p); break;
        case DF_U24: f.u = read_le(p, 3); break;
        case DF_U32: f.u = le32(p); break;
        case DF_I16: f.type = DNP3_FIELD_INT; f.i = (int16_t)le16(p); break;
        case DF_I32: f.type = DNP3_FIELD_INT; f.i = (int32_t)le32(p); break;
        case DF_F32: {
            uint32_t b = le32(p);
            float x;
            memcpy(&x, &b, sizeof(x));
            f.type = DNP3_FIELD_FLOAT;
            f.f = x;
            break;
        }
        case DF_F64: {
            uint64_t b = (uint64_t)le32(p) | (uint64_t)le32(p + 4) << 32;
            double x;
            memcpy(&x, &b, sizeof(x));
            f.type = DNP3_FIELD_FLOAT;
            f.f = x;
            break;
        }
        case DF_TIME: f.u = (uint64_t)le32(p) | (uint64_t)le16(p + 4) << 32; break;
        case DF_OCTET: octet = p[0]; shift = 0; break;
        case DF_BITS:
            f.u = (octet >> shift) & ((1u << fd->arg) - 1);
            shift = (uint8_t)(shift + fd->arg);
            break;
        case DF_VSTR4:
            f.type = DNP3_FIELD_CHARS;
            f.bytes = p;
            f.len = 4;
            break;
        case DF_CHARS: case DF_CHARS_PFX:
            f.type = DNP3_FIELD_CHARS;
            f.bytes = p;
            f.len = flen;
            break;
        case DF_BYTES: case DF_BYTES_PFX:
            f.type = DNP3_FIELD_BYTES;
            f.bytes = p;
            f.len = flen;
            break;
        default:
            break;
        }
        vals[fi] = f.type == DNP3_FIELD_INT ? (uint64_t)f.i : f.u;
        pos += need;
        if (fd->kind == DF_OCTET)
            continue;
        if (out && n < max)
            out[n] = f;
        n++;
    }
    if (nout)
        *nout = n;
    return (int)(pos - off);
}

uint32_t dnp3_point_fields(const struct dnp3_message *m, const struct dnp3_object *o,
                           const struct dnp3_point *p, struct dnp3_field *out, uint32_t max)
{
    if (!m || !o || !p)
        return 0;
    const struct dnp3_odesc *od = dnp3_odesc_find(o->group, o->variation);
    if (!od || p->offset >= m->data_len)
        return 0;
    if (od->packed) {
        if (max) {
            out[0] = (struct dnp3_field){.name = od->fields[0].name, .type = DNP3_FIELD_UINT};
            out[0].u = (m->data[p->offset] >> p->shift) & ((1u << od->packed) - 1);
        }
        return 1;
    }
    uint32_t n = 0;
    if (dnp3_read_point(od, m->data, m->data_len, p->offset, p->prefix, out, max, &n) < 0)
        return 0;
    return n;
}

/* ------------------------------------------------------------ transactions */

static void dnp3_event_tx(struct dnp3_state *st, struct dnp3_tx *tx, enum dnp3_event e)
{
    if (!tx)
        return;
    tx->events |= 1u << e;
    if (st->ctx)
        app_parser_anomaly(st->ctx, APP_PROTO_DNP3, dnp3_event_names[e]);
}

/* Suricata sets link-level events on the transaction created last. */
static void dnp3_event(struct dnp3_state *st, enum dnp3_event e)
{
    dnp3_event_tx(st, st->curr, e);
}

static bool dnp3_grow(struct dnp3_state *st, struct dnp3_tx *tx, void **arr, uint32_t *cap,
                      size_t elem, uint32_t need)
{
    if (need <= *cap)
        return true;
    uint32_t ncap = *cap ? *cap : 8;
    while (ncap < need)
        ncap *= 2;
    size_t add = (size_t)(ncap - *cap) * elem;
    if (!st->ctx || !app_memory_reserve(st->ctx, add))
        return false;
    void *n = realloc(*arr, (size_t)ncap * elem);
    if (!n) {
        app_memory_release(st->ctx, add);
        return false;
    }
    *arr = n;
    *cap = ncap;
    tx->mem += add;
    return true;
}

static void dnp3_tx_free(struct dnp3_state *st, struct dnp3_tx *tx)
{
    app_thread_memory_release(st->thread, sizeof(*tx) + tx->mem);
    free(tx->buf);
    free(tx->objects);
    free(tx->points);
    free(tx);
}

static void dnp3_log_body(const void *object, struct json_writer *w);

static void dnp3_log(struct dnp3_state *st, struct dnp3_tx *tx)
{
    if (tx->base.logged || !st->ctx)
        return;
    tx->base.logged = true;
    app_parser_log(st->ctx, "dnp3", tx->msg.request ? 0 : 1, dnp3_log_body, tx);
}

static uint32_t dnp3_max_tx(const struct dnp3_state *st)
{
    return st->ctx ? app_parser_config(st->ctx)->ics.dnp3_max_tx : 32;
}

static void dnp3_free_done(struct dnp3_state *st)
{
    /* Flooded: like Suricata, the transactions max-tx or more behind the
     * newest count as complete, so they are logged now and can go (a stream
     * of messages that never complete cannot pile up). */
    if (st->flooded) {
        uint32_t max = dnp3_max_tx(st);
        for (struct dnp3_tx *tx = st->head; tx; tx = tx->next)
            if (!tx->base.logged && st->tx_max - tx->num >= max)
                dnp3_log(st, tx);
    }
    struct dnp3_tx **pp = &st->head, *prev = NULL;
    while (*pp) {
        struct dnp3_tx *tx = *pp;
        if (!app_tx_can_free(&tx->base)) {
            prev = tx;
            pp = &tx->next;
            continue;
        }
        *pp = tx->next;
        if (st->tail == tx)
            st->tail = prev;
        if (st->curr == tx)
            st->curr = NULL;
        dnp3_tx_free(st, tx);
        st->live--;
    }
    if (st->flooded && st->live < dnp3_max_tx(st))
        st->flooded = false;
}

static struct dnp3_tx *dnp3_tx_new(struct dnp3_state *st, bool request)
{
    struct app_parse_ctx *ctx = st->ctx;
    if (!app_memory_reserve(ctx, sizeof(struct dnp3_tx)))
        return NULL;
    struct dnp3_tx *tx = calloc(1, sizeof(*tx));
    if (!tx) {
        app_memory_release(ctx, sizeof(struct dnp3_tx));
        return NULL;
    }
    tx->base.parser = &app_parser_dnp3;
    tx->base.id = st->tx_max;
    tx->num = ++st->tx_max;
    tx->st = st;
    tx->msg.request = request;
    if (st->tail)
        st->tail->next = tx;
    else
        st->head = tx;
    st->tail = tx;
    st->curr = tx;
    st->live++;
    app_parser_count_tx(ctx, APP_PROTO_DNP3);
    uint32_t max = app_parser_config(ctx)->ics.dnp3_max_tx;
    if (max && st->live > max && !st->flooded) {
        dnp3_event(st, DNP3_EV_FLOODED);
        st->flooded = true;
    }
    return tx;
}

/* Appends a frame's user data (from its transport header on, CRCs still in)
 * to the transaction's fragment. False if the frame is malformed. */
static bool dnp3_reassemble(struct dnp3_state *st, struct dnp3_tx *tx, const uint8_t *in,
                            uint32_t in_len)
{
    if (in_len < DNP3_CRC)
        return false;
    uint32_t blocks = in_len / (DNP3_BLOCK + DNP3_CRC), rem = in_len % (DNP3_BLOCK + DNP3_CRC);
    if (rem && rem < DNP3_CRC)
        return false;
    uint32_t total = blocks * DNP3_BLOCK + (rem ? rem - DNP3_CRC : 0);
    if (total <= 1)
        return false;
    total--; /* the transport header */
    if (tx->buf_len + total > DNP3_MAX_REASSEMBLY) {
        dnp3_event_tx(st, tx, DNP3_EV_TOO_LONG_REASSEMBLY);
        return false;
    }
    void *b = tx->buf;
    if (!dnp3_grow(st, tx, &b, &tx->buf_cap, 1, tx->buf_len + total))
        return false;
    tx->buf = b;
    uint32_t off = 0;
    while (off < in_len) {
        uint32_t n = in_len - off > DNP3_BLOCK + DNP3_CRC ? DNP3_BLOCK + DNP3_CRC : in_len - off;
        uint32_t from = off;
        if (off == 0) {
            from++;
            n--;
        }
        if (n < DNP3_CRC + 1)
            return false;
        memcpy(tx->buf + tx->buf_len, in + from, n - DNP3_CRC);
        tx->buf_len += n - DNP3_CRC;
        off = from + n;
    }
    tx->msg.data = tx->buf;
    tx->msg.data_len = tx->buf_len;
    return true;
}

static bool dnp3_add_point(struct dnp3_state *st, struct dnp3_tx *tx, uint8_t prefix_code,
                           uint32_t prefix, uint32_t index, uint32_t offset, uint8_t shift)
{
    void *p = tx->points;
    if (!dnp3_grow(st, tx, &p, &tx->cap_points, sizeof(struct dnp3_point), tx->npoints + 1))
        return false;
    tx->points = p;
    struct dnp3_point *pt = &tx->points[tx->npoints++];
    *pt = (struct dnp3_point){.prefix = prefix, .index = index, .offset = offset, .shift = shift};
    if (prefix_code >= 1 && prefix_code <= 3)
        pt->index = prefix;
    else if (dnp3_prefix_is_size(prefix_code))
        pt->size = prefix;
    return true;
}

/* Decodes count points of an object at *pos. 0 on success, else the event. */
static int dnp3_decode_points(struct dnp3_state *st, struct dnp3_tx *tx, struct dnp3_object *o,
                              uint32_t *pos)
{
    const struct dnp3_odesc *od = dnp3_odesc_find(o->group, o->variation);
    if (!od)
        return DNP3_EV_UNKNOWN_OBJECT;
    const uint8_t *buf = tx->buf;
    uint32_t len = tx->buf_len;
    uint32_t count = o->count, index = o->start, prefix = 0;
    uint32_t plen = dnp3_prefix_len(o->prefix_code);
    if (od->packed) {
        uint32_t bytes = count / 8 + 1;
        if (plen > len - *pos)
            return DNP3_EV_MALFORMED;
        prefix = read_le(buf + *pos, plen);
        *pos += plen;
        for (uint32_t i = 0; i < bytes; i++) {
            if (*pos >= len)
                return DNP3_EV_MALFORMED;
            uint32_t at = (*pos)++;
            for (uint32_t j = 0; j < 8 && count; j += od->packed) {
                if (!dnp3_add_point(st, tx, o->prefix_code, prefix, index, at, (uint8_t)j))
                    return DNP3_EV_MALFORMED;
                count--;
                index++;
            }
        }
        return 0;
    }
    if (od->constraint == DC_SIZE_PREFIX && !dnp3_prefix_is_size(o->prefix_code))
        return DNP3_EV_MALFORMED;
    if (od->constraint == DC_PREFIX_5 && o->prefix_code != 5)
        return DNP3_EV_MALFORMED;
    if (len - *pos < count / 8)
        return DNP3_EV_MALFORMED;
    while (count--) {
        if (plen > len - *pos)
            return DNP3_EV_MALFORMED;
        prefix = read_le(buf + *pos, plen);
        *pos += plen;
        int used = dnp3_read_point(od, buf, len, *pos, prefix, NULL, 0, NULL);
        if (used < 0)
            return DNP3_EV_MALFORMED;
        if (!dnp3_add_point(st, tx, o->prefix_code, prefix, index, *pos, 0))
            return DNP3_EV_MALFORMED;
        *pos += (uint32_t)used;
        index++;
    }
    return 0;
}

/* Decodes the object headers after the application (and IIN) header.
 * Returns true if all were decoded. */
static bool dnp3_decode_objects(struct dnp3_state *st, struct dnp3_tx *tx, uint32_t pos)
{
    const uint8_t *b = tx->buf;
    uint32_t len = tx->buf_len;
    const struct app_ics_config *cfg = st->ctx ? &app_parser_config(st->ctx)->ics : NULL;
    uint32_t max_objects = cfg ? cfg->dnp3_max_objects : 2048;
    uint32_t max_points = cfg ? cfg->dnp3_max_points : 16384;
    bool ok = false;
    if (pos >= len)
        return true;
    while (pos < len) {
        if (len - pos < 3)
            goto done;
        if (max_objects && tx->nobjects >= max_objects) {
            dnp3_event_tx(st, tx, DNP3_EV_TOO_MANY_OBJECTS);
            goto done;
        }
        void *a = tx->objects;
        if (!dnp3_grow(st, tx, &a, &tx->cap_objects, sizeof(struct dnp3_object),
                       tx->nobjects + 1))
            goto done;
        tx->objects = a;
        struct dnp3_object *o = &tx->objects[tx->nobjects++];
        memset(o, 0, sizeof(*o));
        o->group = b[pos];
        o->variation = b[pos + 1];
        o->qualifier = b[pos + 2];
        o->prefix_code = (o->qualifier >> 4) & 0x7;
        o->range_code = o->qualifier & 0xf;
        pos += 3;
        uint32_t rl = 0;
        bool range = false;
        switch (o->range_code) {
        case 0x0: case 0x3: rl = 1; range = true; break;
        case 0x1: case 0x4: rl = 2; range = true; break;
        case 0x2: case 0x5: rl = 4; range = true; break;
        case 0x6: break;
        case 0x7: case 0xb: rl = 1; break;
        case 0x8: rl = 2; break;
        case 0x9: rl = 4; break;
        default: goto done; /* reserved */
        }
        if (range) {
            if (2 * rl > len - pos)
                goto done;
            o->start = read_le(b + pos, rl);
            o->stop = read_le(b + pos + rl, rl);
            o->count = o->stop - o->start + 1;
            pos += 2 * rl;
        } else if (rl) {
            if (rl > len - pos)
                goto done;
            o->count = read_le(b + pos, rl);
            pos += rl;
        }
        if (o->variation == 0 || o->count == 0)
            continue;
        if (max_points && (o->count > max_points || tx->npoints > max_points - o->count)) {
            dnp3_event_tx(st, tx, DNP3_EV_TOO_MANY_POINTS);
            goto done;
        }
        uint32_t first = tx->npoints;
        int ev = dnp3_decode_points(st, tx, o, &pos);
        o->npoints = tx->npoints - first;
        if (ev) {
            dnp3_event_tx(st, tx, DNP3_EV_UNKNOWN_OBJECT);
            goto done;
        }
    }
    ok = true;
done:;
    /* Points are stored in object order: give each object its slice. */
    uint32_t at = 0;
    for (uint32_t i = 0; i < tx->nobjects; i++) {
        tx->objects[i].points = tx->objects[i].npoints ? tx->points + at : NULL;
        at += tx->objects[i].npoints;
    }
    tx->msg.objects = tx->objects;
    tx->msg.nobjects = tx->nobjects;
    return ok;
}

/* A user data frame (CRCs checked) of one direction. */
static void dnp3_user_data(struct dnp3_state *st, const uint8_t *f, uint32_t flen, bool request)
{
    uint8_t th = f[DNP3_LINK_HDR];
    uint16_t dst = le16(f + 4), src = le16(f + 6);
    struct dnp3_tx *tx = NULL;
    if (!(th & 0x40)) { /* not FIR: continues an open message */
        for (struct dnp3_tx *t = st->head; t; t = t->next) {
            if (t->msg.request == request && t->msg.link_src == src && t->msg.link_dst == dst &&
                !t->msg.done && (((t->th & 0x3f) + 1) % 64) == (th & 0x3f)) {
                tx = t;
                break;
            }
        }
        if (!tx)
            return;
        tx->th = th;
    } else {
        const uint8_t *ah = f + DNP3_LINK_HDR + 1;
        /* Suricata ignores confirm requests; vigil logs them unless
         * dnp3.log-confirms is off (they are application messages, and what
         * acknowledges an unsolicited response is worth seeing). */
        if (request && ah[1] == DNP3_FC_CONFIRM &&
            !(st->ctx && app_parser_config(st->ctx)->ics.dnp3_log_confirms))
            return;
        tx = dnp3_tx_new(st, request);
        if (!tx)
            return;
        tx->th = th;
        tx->msg.link_control = f[3];
        tx->msg.link_src = src;
        tx->msg.link_dst = dst;
        tx->msg.transport = th;
        tx->msg.app_control = ah[0];
        tx->msg.function_code = ah[1];
        /* A response frame holds at least five octets of user data, all in
         * the first block: transport, application header, IIN. */
        if (!request)
            tx->msg.iin = (uint16_t)(ah[2] << 8 | ah[3]);
    }
    if (!dnp3_reassemble(st, tx, f + DNP3_LINK_HDR, flen - DNP3_LINK_HDR)) {
        if (!(tx->events & (1u << DNP3_EV_TOO_LONG_REASSEMBLY)))
            dnp3_event(st, DNP3_EV_MALFORMED);
        if (request || (tx->events & (1u << DNP3_EV_TOO_LONG_REASSEMBLY)))
            tx->msg.done = true;
        return;
    }
    if (!(th & 0x80))
        return;
    tx->msg.done = true;
    if (dnp3_decode_objects(st, tx, request ? 2 : 4))
        tx->msg.complete = true;
    if (request && st->ctx)
        app_baseline_dnp3(st->ctx, st->wire, &tx->base);
    if (tx->msg.complete)
        dnp3_log(st, tx);
}

/* Frames of a link frame (vigil's, Suricata has none for DNP3): pdu (the
 * whole link frame with its CRCs), hdr (the 10-octet link header) and data
 * (the user data blocks with their CRCs: transport, application header and
 * objects). */
enum { DNP3_FRAME_PDU, DNP3_FRAME_HDR, DNP3_FRAME_DATA };
static const char *const dnp3_frame_names[] = {"pdu", "hdr", "data", NULL};

/* Handles the link frames in p; returns the octets used (whole frames), or
 * -1 if the stream does not look like DNP3 any more. */
static int dnp3_link_layer(struct dnp3_state *st, const uint8_t *p, uint32_t len, bool request)
{
    uint32_t used = 0;
    while (len - used >= DNP3_LINK_HDR) {
        const uint8_t *f = p + used;
        if (f[0] != 0x05 || f[1] != 0x64)
            return -1;
        if (!dnp3_crc_ok(f, DNP3_LINK_HDR)) {
            dnp3_event(st, DNP3_EV_BAD_LINK_CRC);
            return -1;
        }
        uint32_t flen = dnp3_frame_len(f[2]);
        if (flen == 0) {
            dnp3_event(st, DNP3_EV_LEN_TOO_SMALL);
            return -1;
        }
        if (len - used < flen)
            break;
        app_frame_add_pdu(st->ctx, st->wire, st->link_off + used, f, flen, DNP3_LINK_HDR,
                          DNP3_FRAME_PDU, DNP3_FRAME_HDR, DNP3_FRAME_DATA, -1);
        uint8_t lfc = f[3] & 0x0f;
        if (lfc == 3 || lfc == 4) {
            /* transport + application header (+ IIN for responses) */
            uint32_t min = DNP3_LINK_LEN_BASE + 1 + 2 + (request ? 0 : 2);
            if (f[2] < min) {
                dnp3_event(st, DNP3_EV_LEN_TOO_SMALL);
                if (!request)
                    return -1;
            } else if (!dnp3_user_data_crcs_ok(f + DNP3_LINK_HDR, flen - DNP3_LINK_HDR)) {
                dnp3_event(st, DNP3_EV_BAD_TRANSPORT_CRC);
            } else {
                dnp3_user_data(st, f, flen, request);
            }
        }
        used += flen;
    }
    return (int)used;
}

/* ------------------------------------------------------------ parser interface */

/* Suricata's probe (limited to the DNP3 port): a printable banner holding
 * "DNP3", or a link header with the start octets and a length of 5 or
 * more. */
static enum app_probe_result dnp3_probe(const uint8_t *data, uint32_t len, uint8_t direction)
{
    (void)direction;
    if (dnp3_has_banner(data, len) && dnp3_banner_printable(data, len))
        return APP_PROBE_MATCH;
    if (len < DNP3_LINK_HDR)
        return APP_PROBE_NEED_MORE;
    if (data[0] != 0x05 || data[1] != 0x64 || data[2] < DNP3_LINK_LEN_BASE)
        return APP_PROBE_NO;
    return APP_PROBE_MATCH;
}

static void *dnp3_state_new(struct app_parse_ctx *ctx)
{
    if (!app_memory_reserve(ctx, sizeof(struct dnp3_state)))
        return NULL;
    struct dnp3_state *st = calloc(1, sizeof(*st));
    if (!st) {
        app_memory_release(ctx, sizeof(struct dnp3_state));
        return NULL;
    }
    st->thread = ctx->thread;
    if (ctx->flow) {
        st->udp = ctx->flow->key.proto == 17;
        /* Suricata turns a TCP flow around on the probe's word only when
         * the session was picked up midstream (no SYN from the client). */
        if (!st->udp && (ctx->flow->tcp_flags_toserver & 0x02))
            st->dir_known = true;
    }
    return st;
}

static void dnp3_state_free(void *state)
{
    struct dnp3_state *st = state;
    if (!st)
        return;
    while (st->head) {
        struct dnp3_tx *tx = st->head;
        st->head = tx->next;
        dnp3_tx_free(st, tx);
    }
    app_thread_memory_release(st->thread, sizeof(*st));
    free(st);
}

/* As Suricata's probe does, the first data decides which side is the master:
 * a link header whose DIR bit disagrees with the direction it came from (or
 * a banner sent to the server) turns the flow around. */
static void dnp3_learn_direction(struct dnp3_state *st, uint8_t direction, const uint8_t *data,
                                 uint32_t len)
{
    if (st->dir_known || !len)
        return;
    if (dnp3_has_banner(data, len) && dnp3_banner_printable(data, len)) {
        st->reversed = direction == 0;
        st->dir_known = true;
        return;
    }
    if (len < 4 || data[0] != 0x05 || data[1] != 0x64)
        return;
    bool from_master = (data[3] & 0x80) != 0;
    st->reversed = from_master != (direction == 0);
    st->dir_known = true;
}

static int dnp3_parse(void *state, struct app_parse_ctx *ctx, uint8_t direction,
                      const uint8_t *data, uint32_t len, uint32_t flags)
{
    struct dnp3_state *st = state;
    st->ctx = ctx;
    dnp3_free_done(st);
    int rc = 0;
    if (st->dead)
        goto out;
    if (flags & APP_DATA_GAP) {
        /* Suricata's DNP3 parser does not take gaps: parsing ends. */
        st->dead = !st->udp;
        goto out;
    }
    if (!data || !len)
        goto out;
    dnp3_learn_direction(st, direction & 1, data, len);
    uint8_t d = (direction & 1) ^ (st->reversed ? 1 : 0);
    bool request = d == 0;
    uint64_t pos = ctx->stream_offset; /* of data */
    st->wire = direction & 1;
    st->link_off = pos;
    if (st->udp) {
        if (!request && !(data[0] == 0x05 && (len < 2 || data[1] == 0x64)) &&
            dnp3_has_banner(data, len))
            goto out;
        (void)dnp3_link_layer(st, data, len, request);
        goto out;
    }
    /* Suricata skips a chunk to the client that holds "DNP3" anywhere (an
     * outstation's banner); vigil only when it does not start a link frame,
     * so that a file transfer mentioning DNP3 is not lost. */
    if (!request && st->buf_len[d] == 0 && !(data[0] == 0x05 && (len < 2 || data[1] == 0x64)) &&
        dnp3_has_banner(data, len))
        goto out;
    while (len > 0) {
        if (st->buf_len[d]) {
            uint32_t take = DNP3_BUF_CAP - st->buf_len[d];
            if (take > len)
                take = len;
            memcpy(st->buf[d] + st->buf_len[d], data, take);
            st->link_off = pos - st->buf_len[d];
            st->buf_len[d] += take;
            data += take;
            len -= take;
            pos += take;
            int used = dnp3_link_layer(st, st->buf[d], st->buf_len[d], request);
            if (used < 0)
                goto error;
            memmove(st->buf[d], st->buf[d] + used, st->buf_len[d] - (uint32_t)used);
            st->buf_len[d] -= (uint32_t)used;
            continue;
        }
        st->link_off = pos;
        int used = dnp3_link_layer(st, data, len, request);
        if (used < 0)
            goto error;
        data += used;
        len -= (uint32_t)used;
        pos += (uint32_t)used;
        if (len) { /* less than a frame: keep it */
            memcpy(st->buf[d], data, len);
            st->buf_len[d] = len;
            len = 0;
        }
    }
    goto out;
error:
    st->buf_len[d] = 0;
    st->dead = true;
    rc = -1;
out:
    st->ctx = NULL;
    return rc;
}

static void dnp3_flow_end(void *state, struct app_parse_ctx *ctx)
{
    struct dnp3_state *st = state;
    st->ctx = ctx;
    /* Messages whose final segment never came are not logged (Suricata
     * leaves an unfinished reassembly out of the log, dnp3-max-points). */
    for (struct dnp3_tx *tx = st->head; tx; tx = tx->next)
        if (tx->msg.done)
            dnp3_log(st, tx);
    st->ctx = NULL;
}

static int dnp3_tx_foreach(void *state, int (*fn)(struct app_tx *tx, void *user), void *user)
{
    struct dnp3_state *st = state;
    for (struct dnp3_tx *tx = st->head; tx; tx = tx->next) {
        int rc = fn(&tx->base, user);
        if (rc)
            return rc;
    }
    return 0;
}

/* Suricata: a DNP3 transaction is complete when its message is (all objects
 * decoded); when flooded, old transactions count as complete. */
static bool dnp3_tx_complete(const struct app_tx *atx, uint8_t direction)
{
    (void)direction;
    const struct dnp3_tx *tx = (const struct dnp3_tx *)atx;
    if (tx->msg.complete)
        return true;
    const struct dnp3_state *st = tx->st;
    return st->flooded && st->tx_max - tx->num >= dnp3_max_tx(st);
}

static int dnp3_tx_direction(const struct app_tx *atx)
{
    const struct dnp3_tx *tx = (const struct dnp3_tx *)atx;
    return tx->msg.request ? 0 : 1;
}

static bool dnp3_tx_has_event(const struct app_tx *atx, const char *name)
{
    const struct dnp3_tx *tx = (const struct dnp3_tx *)atx;
    for (int e = 0; e < DNP3_EV_COUNT; e++)
        if ((tx->events & (1u << e)) && strcmp(dnp3_event_names[e], name) == 0)
            return true;
    return false;
}

static int dnp3_tx_get_buffer(const struct app_tx *atx, enum app_buffer buffer, uint32_t index,
                              const uint8_t **data, uint32_t *len)
{
    const struct dnp3_tx *tx = (const struct dnp3_tx *)atx;
    if (buffer != APP_BUFFER_DNP3_DATA ||
        (index & ~(APP_BUFFER_INDEX_TOCLIENT | APP_BUFFER_INDEX_TOSERVER)) != 0 || !tx->buf)
        return -ENOENT;
    if ((index & APP_BUFFER_INDEX_TOCLIENT) && tx->msg.request)
        return -ENOENT;
    if ((index & APP_BUFFER_INDEX_TOSERVER) && !tx->msg.request)
        return -ENOENT;
    *data = tx->buf;
    *len = tx->buf_len;
    return 0;
}

/* ------------------------------------------------------------ EVE */

/* A double as Rust's Display writes it (Suricata's JsonBuilder): the
 * shortest digits that read back the same, never an exponent. */
static void dnp3_json_float(struct json_writer *w, const char *key, double v)
{
    json_key(w, key);
    if (!isfinite(v)) {
        json_write_null(w);
        return;
    }
    char e[40];
    for (int prec = 1; prec <= 17; prec++) {
        snprintf(e, sizeof(e), "%.*e", prec - 1, v);
        if (strtod(e, NULL) == v)
            break;
    }
    /* e is [-]d[.ddd]e[+-]xx */
    char digits[24];
    size_t nd = 0;
    bool neg = e[0] == '-';
    const char *s = e + (neg ? 1 : 0);
    for (; *s && *s != 'e'; s++)
        if (*s >= '0' && *s <= '9' && nd < sizeof(digits) - 1)
            digits[nd++] = *s;
    int exp10 = *s == 'e' ? atoi(s + 1) : 0;
    while (nd > 1 && digits[nd - 1] == '0')
        nd--;
    char out[400];
    size_t o = 0;
    if (neg && !(nd == 1 && digits[0] == '0'))
        out[o++] = '-';
    int point = exp10 + 1; /* digits before the decimal point */
    if (point <= 0) {
        out[o++] = '0';
        out[o++] = '.';
        for (int i = 0; i < -point && o < sizeof(out) - 30; i++)
            out[o++] = '0';
        for (size_t i = 0; i < nd; i++)
            out[o++] = digits[i];
    } else {
        for (int i = 0; i < point && o < sizeof(out) - 30; i++)
            out[o++] = (size_t)i < nd ? digits[i] : '0';
        if ((size_t)point < nd) {
            out[o++] = '.';
            for (size_t i = (size_t)point; i < nd; i++)
                out[o++] = digits[i];
        }
    }
    json_raw(w, out, o);
}

static void dnp3_json_base64(struct json_writer *w, const char *key, const uint8_t *p,
                             uint32_t n)
{
    static const char tbl[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t olen = ((size_t)n + 2) / 3 * 4;
    char *out = malloc(olen + 1);
    if (!out)
        return;
    size_t o = 0;
    for (uint32_t i = 0; i < n; i += 3) {
        uint32_t v = (uint32_t)p[i] << 16;
        if (i + 1 < n)
            v |= (uint32_t)p[i + 1] << 8;
        if (i + 2 < n)
            v |= p[i + 2];
        out[o++] = tbl[(v >> 18) & 63];
        out[o++] = tbl[(v >> 12) & 63];
        out[o++] = i + 1 < n ? tbl[(v >> 6) & 63] : '=';
        out[o++] = i + 2 < n ? tbl[v & 63] : '=';
    }
    json_key_string_len(w, key, out, o);
    free(out);
}

static void dnp3_write_point(struct json_writer *w, const struct dnp3_message *m,
                             const struct dnp3_object *o, const struct dnp3_point *p)
{
    json_object_begin(w);
    json_key_u64(w, "prefix", p->prefix);
    json_key_u64(w, "index", p->index);
    if (dnp3_prefix_is_size(o->prefix_code))
        json_key_u64(w, "size", p->size);
    struct dnp3_field f[DNP3_MAX_FIELDS];
    uint32_t n = dnp3_point_fields(m, o, p, f, DNP3_MAX_FIELDS);
    if (n > DNP3_MAX_FIELDS)
        n = DNP3_MAX_FIELDS;
    for (uint32_t i = 0; i < n; i++) {
        char key[64];
        switch (f[i].type) {
        case DNP3_FIELD_UINT:
            json_key_u64(w, f[i].name, f[i].u);
            break;
        case DNP3_FIELD_INT: /* Suricata logs signed fields as unsigned */
            json_key_u64(w, f[i].name, (uint64_t)f[i].i);
            break;
        case DNP3_FIELD_FLOAT:
            dnp3_json_float(w, f[i].name, f[i].f);
            break;
        case DNP3_FIELD_CHARS: {
            /* A C string: up to the first NUL. vendor_code is logged
             * under "data->vendor_code", as Suricata's generator has it. */
            const void *nul = memchr(f[i].bytes, 0, f[i].len);
            uint32_t l = nul ? (uint32_t)((const uint8_t *)nul - f[i].bytes) : f[i].len;
            const char *name = f[i].name;
            if (strcmp(name, "vendor_code") == 0) {
                snprintf(key, sizeof(key), "data->%s", name);
                name = key;
            }
            json_key_string_from_bytes(w, name, f[i].bytes, l);
            break;
        }
        case DNP3_FIELD_BYTES:
            snprintf(key, sizeof(key), "data->%s", f[i].name);
            dnp3_json_base64(w, key, f[i].bytes, f[i].len);
            break;
        default:
            break;
        }
    }
    json_object_end(w);
}

static const struct {
    uint16_t bit;
    const char *name;
} dnp3_iin_names[] = {
    {DNP3_IIN_ALL_STATIONS, "all_stations"},
    {DNP3_IIN_CLASS_1_EVENTS, "class_1_events"},
    {DNP3_IIN_CLASS_2_EVENTS, "class_2_events"},
    {DNP3_IIN_CLASS_3_EVENTS, "class_3_events"},
    {DNP3_IIN_NEED_TIME, "need_time"},
    {DNP3_IIN_LOCAL_CONTROL, "local_control"},
    {DNP3_IIN_DEVICE_TROUBLE, "device_trouble"},
    {DNP3_IIN_DEVICE_RESTART, "device_restart"},
    {DNP3_IIN_NO_FUNC_CODE_SUPPORT, "no_func_code_support"},
    {DNP3_IIN_OBJECT_UNKNOWN, "object_unknown"},
    {DNP3_IIN_PARAMETER_ERROR, "parameter_error"},
    {DNP3_IIN_EVENT_BUFFER_OVERFLOW, "event_buffer_overflow"},
    {DNP3_IIN_ALREADY_EXECUTING, "already_executing"},
    {DNP3_IIN_CONFIG_CORRUPT, "config_corrupt"},
    {DNP3_IIN_RESERVED_2, "reserved_2"},
    {DNP3_IIN_RESERVED_1, "reserved_1"},
};

static void dnp3_write_message(const struct dnp3_tx *tx, struct json_writer *w)
{
    const struct dnp3_message *m = &tx->msg;
    const char *type = m->request ? "request"
                       : m->function_code == DNP3_FC_UNSOLICITED ? "unsolicited_response"
                                                                 : "response";
    json_key_string(w, "type", type);
    json_key_object_begin(w, "control");
    json_key_bool(w, "dir", (m->link_control & 0x80) != 0);
    json_key_bool(w, "pri", (m->link_control & 0x40) != 0);
    json_key_bool(w, "fcb", (m->link_control & 0x20) != 0);
    json_key_bool(w, "fcv", (m->link_control & 0x10) != 0);
    json_key_u64(w, "function_code", m->link_control & 0x0f);
    json_object_end(w);
    json_key_u64(w, "src", m->link_src);
    json_key_u64(w, "dst", m->link_dst);
    json_key_object_begin(w, "application");
    json_key_object_begin(w, "control");
    json_key_bool(w, "fir", (m->app_control & 0x80) != 0);
    json_key_bool(w, "fin", (m->app_control & 0x40) != 0);
    json_key_bool(w, "con", (m->app_control & 0x20) != 0);
    json_key_bool(w, "uns", (m->app_control & 0x10) != 0);
    json_key_u64(w, "sequence", m->app_control & 0x0f);
    json_object_end(w);
    json_key_u64(w, "function_code", m->function_code);
    if (m->nobjects) {
        json_key_array_begin(w, "objects");
        for (uint32_t i = 0; i < m->nobjects; i++) {
            const struct dnp3_object *o = &m->objects[i];
            json_object_begin(w);
            json_key_u64(w, "group", o->group);
            json_key_u64(w, "variation", o->variation);
            json_key_u64(w, "qualifier", o->qualifier);
            json_key_u64(w, "prefix_code", o->prefix_code);
            json_key_u64(w, "range_code", o->range_code);
            json_key_u64(w, "start", o->start);
            json_key_u64(w, "stop", o->stop);
            json_key_u64(w, "count", o->count);
            if (o->npoints) {
                json_key_array_begin(w, "points");
                for (uint32_t j = 0; j < o->npoints; j++)
                    dnp3_write_point(w, m, o, &o->points[j]);
                json_array_end(w);
            }
            json_object_end(w);
        }
        json_array_end(w);
    }
    json_key_bool(w, "complete", m->complete);
    json_object_end(w);
    if (!m->request) {
        json_key_object_begin(w, "iin");
        if (m->iin) {
            json_key_array_begin(w, "indicators");
            for (size_t i = 0; i < sizeof(dnp3_iin_names) / sizeof(dnp3_iin_names[0]); i++)
                if (m->iin & dnp3_iin_names[i].bit)
                    json_write_string(w, dnp3_iin_names[i].name);
            json_array_end(w);
        }
        json_object_end(w);
    }
}

/* Alert metadata: {"dnp3": {"request": {...}}} or {"response": ...}. */
static void dnp3_tx_write_json(const struct app_tx *atx, struct json_writer *w)
{
    const struct dnp3_tx *tx = (const struct dnp3_tx *)atx;
    json_key_object_begin(w, "dnp3");
    json_key_object_begin(w, tx->msg.request ? "request" : "response");
    dnp3_write_message(tx, w);
    json_object_end(w);
    json_object_end(w);
}

/* The "dnp3" event: the message itself under "dnp3". */
static void dnp3_log_body(const void *object, struct json_writer *w)
{
    const struct dnp3_tx *tx = object;
    json_key_object_begin(w, "dnp3");
    dnp3_write_message(tx, w);
    json_object_end(w);
}

/* ------------------------------------------------------------ accessors */

const struct dnp3_message *dnp3_tx_message(const struct app_tx *atx)
{
    if (!atx || atx->parser != &app_parser_dnp3)
        return NULL;
    return &((const struct dnp3_tx *)atx)->msg;
}

const struct app_parser app_parser_dnp3 = {
    .proto = APP_PROTO_DNP3,
    .name = "dnp3",
    .ipprotos = APP_IPPROTO_TCP | APP_IPPROTO_UDP,
    .ports = {DNP3_PORT},
    .probe = dnp3_probe,
    .probe_needs_port = true,
    .state_new = dnp3_state_new,
    .state_free = dnp3_state_free,
    .parse = dnp3_parse,
    .frame_names = dnp3_frame_names,
    .flow_end = dnp3_flow_end,
    .tx_foreach = dnp3_tx_foreach,
    .tx_complete = dnp3_tx_complete,
    .tx_get_buffer = dnp3_tx_get_buffer,
    .tx_write_json = dnp3_tx_write_json,
    .tx_has_event = dnp3_tx_has_event,
    .tx_direction = dnp3_tx_direction,
    .event_names = dnp3_event_names,
};
