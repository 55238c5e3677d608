/* SPDX-License-Identifier: Apache-2.0 */
/* PROFINET real-time frames (Ethertype 0x8892), parsed at layer 2 outside
 * flows (app_layer_handle_l2): the frame ID class (cyclic RT, alarms, PTCP,
 * DCP) and, for DCP (Discovery and Configuration Protocol), the header
 * (service Get/Set/Identify/Hello, service type, Xid, response delay,
 * data length) and its blocks: option/suboption, block info or qualifier,
 * and the values an engineer looks for: name of station, IP address, mask
 * and gateway, vendor and device IDs, type of station, device role, and
 * control requests (start/stop, signal, factory reset, reset to factory).
 *
 * A Set request that changes a device's IP parameters or name, and a
 * factory reset, are app-layer events (profinet.dcp_set_ip,
 * profinet.dcp_set_name, profinet.dcp_factory_reset): the classic ways of
 * taking a PROFINET device off its controller.
 *
 * One transaction per frame; an EVE "profinet" event for DCP and alarm
 * frames (cyclic data and PTCP run at the cycle rate and are not logged).
 * Limits: at most PN_MAX_BLOCKS blocks and PN_MAX_NAMES names/addresses are
 * kept per frame; strings up to 240 bytes (the NameOfStation maximum). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/app_baseline.h"
#include "app/app_parser.h"
#include "app/app_pdu.h"
#include "decode/packet.h"
#include "util/json.h"

#define PN_MAX_BLOCKS 32u
#define PN_MAX_NAMES 4u
#define PN_STR_MAX 240u

enum pn_event {
    PN_EV_MALFORMED = 0,     /* DCP header or block that does not fit */
    PN_EV_DCP_SET_IP,
    PN_EV_DCP_SET_NAME,
    PN_EV_DCP_FACTORY_RESET,
    PN_EV_COUNT,
};
static const char *const pn_event_names[PN_EV_COUNT + 1] = {
    "malformed_dcp", "dcp_set_ip", "dcp_set_name", "dcp_factory_reset",
};

struct pn_str {
    uint8_t len;
    char s[PN_STR_MAX + 1];
};

struct pn_tx {
    struct app_tx base;
    uint32_t events;
    uint16_t frame_id;
    bool dcp;
    uint8_t service_id, service_type;
    uint32_t xid;
    uint16_t delay, data_len;
    uint8_t nblocks;
    uint16_t blocks[PN_MAX_BLOCKS]; /* option << 8 | suboption */
    uint8_t nnames, nips;
    struct pn_str names[PN_MAX_NAMES];
    struct pn_str type_of_station;
    uint8_t ips[PN_MAX_NAMES][12]; /* address, mask, gateway */
    bool has_ids;
    uint16_t vendor_id, device_id;
    bool has_role;
    uint8_t role;
    uint8_t src[6], dst[6];
    bool has_mac;
};

struct pn_state {
    uint64_t next_id;
    struct app_layer_thread_ctx *thread;
    struct pn_tx cur;
};

static void pn_event(struct app_parse_ctx *ctx, struct pn_tx *tx, enum pn_event e)
{
    if (tx->events & (1u << e))
        return;
    tx->events |= 1u << e;
    app_parser_anomaly(ctx, APP_PROTO_PROFINET, pn_event_names[e]);
}

static const char *pn_frame_class(uint16_t id)
{
    if (id >= 0xfefc && id <= 0xfeff)
        return "dcp";
    if (id == 0xfc01 || id == 0xfe01)
        return "alarm";
    if (id <= 0x00ff || (id >= 0xff00 && id <= 0xff7f))
        return "ptcp";
    if (id >= 0x0100 && id <= 0xfbff)
        return "cyclic";
    return "other";
}

static void pn_str_set(struct pn_str *s, const uint8_t *v, uint32_t n)
{
    s->len = (uint8_t)(n > PN_STR_MAX ? PN_STR_MAX : n);
    memcpy(s->s, v, s->len);
    s->s[s->len] = 0;
}

/* One DCP block. Responses (and Get/Set responses) carry a 2-byte block
 * info before the value; Set requests a 2-byte block qualifier; Identify
 * and Get requests neither (filters and option lists). */
static void pn_block(struct app_parse_ctx *ctx, struct pn_tx *tx, uint8_t opt, uint8_t sub,
                     const uint8_t *v, uint32_t n)
{
    if (tx->nblocks < PN_MAX_BLOCKS)
        tx->blocks[tx->nblocks++] = (uint16_t)(opt << 8 | sub);
    bool response = tx->service_type != 0;
    bool set_req = tx->service_id == 4 && !response;
    bool get_req = tx->service_id == 3 && !response;
    uint32_t skip = (response || set_req) && !(opt == 0xff) ? 2 : 0;
    if (get_req)
        return; /* a list of options asked for */
    if (n < skip)
        return;
    v += skip;
    n -= skip;
    if (opt == 1 && sub == 2 && n >= 12) {
        if (tx->nips < PN_MAX_NAMES)
            memcpy(tx->ips[tx->nips++], v, 12);
        if (set_req)
            pn_event(ctx, tx, PN_EV_DCP_SET_IP);
    } else if (opt == 2 && sub == 2) {
        if (tx->nnames < PN_MAX_NAMES)
            pn_str_set(&tx->names[tx->nnames++], v, n);
        if (set_req)
            pn_event(ctx, tx, PN_EV_DCP_SET_NAME);
    } else if (opt == 2 && sub == 1) {
        pn_str_set(&tx->type_of_station, v, n);
    } else if (opt == 2 && sub == 3 && n >= 4) {
        tx->has_ids = true;
        tx->vendor_id = app_rd16be(v);
        tx->device_id = app_rd16be(v + 2);
    } else if (opt == 2 && sub == 4 && n >= 1) {
        tx->has_role = true;
        tx->role = v[0];
    } else if (opt == 5 && (sub == 5 || sub == 6) && set_req) {
        pn_event(ctx, tx, PN_EV_DCP_FACTORY_RESET);
    }
}

static void pn_dcp(struct app_parse_ctx *ctx, struct pn_tx *tx, const uint8_t *d, uint32_t n)
{
    if (n < 10) {
        pn_event(ctx, tx, PN_EV_MALFORMED);
        return;
    }
    tx->dcp = true;
    tx->service_id = d[0];
    tx->service_type = d[1];
    tx->xid = app_rd32be(d + 2);
    tx->delay = app_rd16be(d + 6);
    tx->data_len = app_rd16be(d + 8);
    uint32_t len = tx->data_len;
    if (len > n - 10) {
        pn_event(ctx, tx, PN_EV_MALFORMED);
        len = n - 10;
    }
    const uint8_t *b = d + 10;
    uint32_t off = 0;
    while (off + 4 <= len) {
        uint8_t opt = b[off], sub = b[off + 1];
        uint32_t bl = app_rd16be(b + off + 2);
        if (bl > len - off - 4) {
            pn_event(ctx, tx, PN_EV_MALFORMED);
            break;
        }
        pn_block(ctx, tx, opt, sub, b + off + 4, bl);
        off += 4 + bl + (bl & 1); /* blocks are padded to an even length */
    }
}

static void pn_log_body(const void *object, struct json_writer *w);

static const char *pn_service_name(uint8_t s);

static struct app_tx *pn_frame(void *state, struct app_parse_ctx *ctx, const uint8_t *d,
                               uint32_t n)
{
    struct pn_state *st = state;
    struct pn_tx *tx = &st->cur;
    memset(tx, 0, sizeof(*tx));
    tx->base.parser = &app_parser_profinet;
    tx->base.id = st->next_id++;
    const struct packet *p = ctx->packet;
    if (p && p->ethernet) {
        tx->has_mac = true;
        memcpy(tx->dst, p->ethernet, 6);
        memcpy(tx->src, p->ethernet + 6, 6);
    }
    if (n < 2) {
        pn_event(ctx, tx, PN_EV_MALFORMED);
        return &tx->base;
    }
    tx->frame_id = app_rd16be(d);
    const char *cls = pn_frame_class(tx->frame_id);
    bool log = false;
    if (strcmp(cls, "dcp") == 0) {
        pn_dcp(ctx, tx, d + 2, n - 2);
        log = true;
    } else if (strcmp(cls, "alarm") == 0) {
        log = true;
    }
    /* A DCP Get or Set request to one device, for the behaviour baseline:
     * the engineering stations that configure devices are few and fixed. */
    if (tx->dcp && tx->service_type == 0 && (tx->service_id == 3 || tx->service_id == 4) &&
        tx->has_mac && !(tx->dst[0] & 1)) {
        uint16_t first = tx->nblocks ? tx->blocks[0] : 0;
        struct ics_op op = {.proto = APP_PROTO_PROFINET,
                            .function = (uint32_t)tx->service_id << 16 | first,
                            .function_name = pn_service_name(tx->service_id),
                            .tx = &tx->base};
        op.kind = tx->service_id == 3        ? ICS_OP_READ
                  : (first >> 8) == 5        ? ICS_OP_CONTROL
                                             : ICS_OP_WRITE;
        app_baseline_op_l2(ctx, tx->src, tx->dst, &op);
    }
    if (log || tx->events) {
        app_parser_count_tx(ctx, APP_PROTO_PROFINET);
        tx->base.logged = true;
        app_parser_log(ctx, "profinet", 0, pn_log_body, tx);
    }
    return &tx->base;
}

static const char *pn_service_name(uint8_t s)
{
    switch (s) {
    case 3: return "get";
    case 4: return "set";
    case 5: return "identify";
    case 6: return "hello";
    default: return NULL;
    }
}

static void pn_json_ip(struct json_writer *w, const uint8_t *a)
{
    char b[16];
    snprintf(b, sizeof b, "%u.%u.%u.%u", a[0], a[1], a[2], a[3]);
    json_write_string(w, b);
}

static void pn_json_mac(struct json_writer *w, const char *key, const uint8_t *m)
{
    char b[18];
    snprintf(b, sizeof b, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
    json_key_string(w, key, b);
}

static void pn_tx_write_json(const struct app_tx *atx, struct json_writer *w)
{
    const struct pn_tx *tx = (const struct pn_tx *)atx;
    json_key_object_begin(w, "profinet");
    json_key_u64(w, "frame_id", tx->frame_id);
    json_key_string(w, "frame_class", pn_frame_class(tx->frame_id));
    if (tx->has_mac) {
        pn_json_mac(w, "src_mac", tx->src);
        pn_json_mac(w, "dst_mac", tx->dst);
    }
    if (tx->dcp) {
        json_key_object_begin(w, "dcp");
        const char *sn = pn_service_name(tx->service_id);
        if (sn)
            json_key_string(w, "service_id", sn);
        else
            json_key_u64(w, "service_id", tx->service_id);
        json_key_u64(w, "service_type", tx->service_type);
        json_key_u64(w, "xid", tx->xid);
        json_key_u64(w, "data_length", tx->data_len);
        if (tx->nblocks) {
            json_key_array_begin(w, "blocks");
            for (uint8_t i = 0; i < tx->nblocks; i++) {
                json_object_begin(w);
                json_key_u64(w, "option", tx->blocks[i] >> 8);
                json_key_u64(w, "suboption", tx->blocks[i] & 0xff);
                json_object_end(w);
            }
            json_array_end(w);
        }
        if (tx->nnames == 1) {
            json_key_string_len(w, "name_of_station", tx->names[0].s, tx->names[0].len);
        } else if (tx->nnames) {
            json_key_array_begin(w, "name_of_station");
            for (uint8_t i = 0; i < tx->nnames; i++)
                json_write_string_len(w, tx->names[i].s, tx->names[i].len);
            json_array_end(w);
        }
        if (tx->nips) {
            json_key(w, "ip");
            if (tx->nips == 1) {
                pn_json_ip(w, tx->ips[0]);
            } else {
                json_array_begin(w);
                for (uint8_t i = 0; i < tx->nips; i++)
                    pn_json_ip(w, tx->ips[i]);
                json_array_end(w);
            }
            json_key(w, "netmask");
            pn_json_ip(w, tx->ips[0] + 4);
            json_key(w, "gateway");
            pn_json_ip(w, tx->ips[0] + 8);
        }
        if (tx->type_of_station.len)
            json_key_string_len(w, "type_of_station", tx->type_of_station.s,
                                tx->type_of_station.len);
        if (tx->has_ids) {
            json_key_u64(w, "vendor_id", tx->vendor_id);
            json_key_u64(w, "device_id", tx->device_id);
        }
        if (tx->has_role)
            json_key_u64(w, "device_role", tx->role);
        json_object_end(w);
    }
    if (tx->events) {
        json_key_array_begin(w, "events");
        for (int e = 0; e < PN_EV_COUNT; e++)
            if (tx->events & (1u << e))
                json_write_string(w, pn_event_names[e]);
        json_array_end(w);
    }
    json_object_end(w);
}

static void pn_log_body(const void *object, struct json_writer *w)
{
    pn_tx_write_json(object, w);
}

static bool pn_tx_has_event(const struct app_tx *atx, const char *name)
{
    const struct pn_tx *tx = (const struct pn_tx *)atx;
    for (int e = 0; e < PN_EV_COUNT; e++)
        if ((tx->events & (1u << e)) && strcmp(pn_event_names[e], name) == 0)
            return true;
    return false;
}

static int pn_tx_get_buffer(const struct app_tx *atx, enum app_buffer buffer, uint32_t index,
                            const uint8_t **data, uint32_t *len)
{
    const struct pn_tx *tx = (const struct pn_tx *)atx;
    if (buffer != APP_BUFFER_PROFINET_NAME_OF_STATION || index >= tx->nnames)
        return -ENOENT;
    *data = (const uint8_t *)tx->names[index].s;
    *len = tx->names[index].len;
    return 0;
}

enum {
    PN_F_FRAME_ID,
    PN_F_DCP_SERVICE,
    PN_F_DCP_SERVICE_TYPE,
    PN_F_DCP_XID,
    PN_F_DCP_OPTION,
    PN_F_VENDOR_ID,
    PN_F_DEVICE_ID,
    PN_F_COUNT,
};

static const struct app_uint_enum pn_service_enum[] = {
    {"get", 3}, {"set", 4}, {"identify", 5}, {"hello", 6}, {NULL, 0}};
static const struct app_uint_enum pn_type_enum[] = {
    {"request", 0}, {"response", 1}, {"not_supported", 5}, {NULL, 0}};
/* dcp_option: option * 256 + suboption. */
static const struct app_uint_enum pn_option_enum[] = {
    {"mac", 0x0101},           {"ip", 0x0102},           {"full_ip", 0x0103},
    {"type_of_station", 0x0201}, {"name_of_station", 0x0202}, {"device_id", 0x0203},
    {"device_role", 0x0204},   {"device_options", 0x0205}, {"alias_name", 0x0206},
    {"start", 0x0501},         {"stop", 0x0502},         {"signal", 0x0503},
    {"factory_reset", 0x0505}, {"reset_to_factory", 0x0506}, {"all", 0xffff},
    {NULL, 0}};

static const struct app_uint_field pn_fields[PN_F_COUNT] = {
    [PN_F_FRAME_ID] = {"profinet.frame_id", 3, 65535, NULL, false},
    [PN_F_DCP_SERVICE] = {"profinet.dcp_service", 3, 255, pn_service_enum, false},
    [PN_F_DCP_SERVICE_TYPE] = {"profinet.dcp_service_type", 3, 255, pn_type_enum, false},
    [PN_F_DCP_XID] = {"profinet.dcp_xid", 3, UINT32_MAX, NULL, false},
    [PN_F_DCP_OPTION] = {"profinet.dcp_option", 3, 65535, pn_option_enum, false},
    [PN_F_VENDOR_ID] = {"profinet.vendor_id", 3, 65535, NULL, false},
    [PN_F_DEVICE_ID] = {"profinet.device_id", 3, 65535, NULL, false},
};

static int pn_tx_get_uint(const struct app_tx *atx, uint16_t field, uint32_t index, uint64_t *value,
                          const char **name)
{
    (void)name;
    const struct pn_tx *tx = (const struct pn_tx *)atx;
    if (field == PN_F_DCP_OPTION) {
        if (index >= tx->nblocks)
            return -ENOENT;
        *value = tx->blocks[index];
        return 0;
    }
    if (index)
        return -ENOENT;
    if (field == PN_F_FRAME_ID) {
        *value = tx->frame_id;
        return 0;
    }
    if (!tx->dcp)
        return -ENOENT;
    switch (field) {
    case PN_F_DCP_SERVICE: *value = tx->service_id; return 0;
    case PN_F_DCP_SERVICE_TYPE: *value = tx->service_type; return 0;
    case PN_F_DCP_XID: *value = tx->xid; return 0;
    case PN_F_VENDOR_ID:
    case PN_F_DEVICE_ID:
        if (!tx->has_ids)
            return -ENOENT;
        *value = field == PN_F_VENDOR_ID ? tx->vendor_id : tx->device_id;
        return 0;
    default:
        return -ENOENT;
    }
}

static void *pn_state_new(struct app_parse_ctx *ctx)
{
    if (!app_memory_reserve(ctx, sizeof(struct pn_state)))
        return NULL;
    struct pn_state *st = calloc(1, sizeof(*st));
    if (!st) {
        app_memory_release(ctx, sizeof(struct pn_state));
        return NULL;
    }
    st->thread = ctx->thread;
    return st;
}

static void pn_state_free(void *state)
{
    struct pn_state *st = state;
    if (!st)
        return;
    app_thread_memory_release(st->thread, sizeof(*st));
    free(st);
}

const struct app_parser app_parser_profinet = {
    .vigil_only = true,
    .proto = APP_PROTO_PROFINET,
    .name = "profinet",
    .state_new = pn_state_new,
    .state_free = pn_state_free,
    .tx_get_buffer = pn_tx_get_buffer,
    .tx_write_json = pn_tx_write_json,
    .tx_has_event = pn_tx_has_event,
    .event_names = pn_event_names,
    .uint_fields = pn_fields,
    .n_uint_fields = PN_F_COUNT,
    .tx_get_field_uint = pn_tx_get_uint,
    .ethertype = 0x8892,
    .l2_frame = pn_frame,
};
