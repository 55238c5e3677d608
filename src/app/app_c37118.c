/* SPDX-License-Identifier: Apache-2.0 */
/* IEEE C37.118.2 synchrophasor frames (TCP 4712, UDP 4713): the common
 * header (SYNC with frame type and version, FRAMESIZE, IDCODE, SOC,
 * FRACSEC with time quality), the CRC-CCITT check word, command frames,
 * configuration frames 1 and 2 (time base, PMUs with station name, IDCODE,
 * data format, channel counts, nominal frequency, configuration change
 * count; data rate), and data frames, whose per-PMU STAT words are read with
 * the layout of the last configuration frame seen on the flow (CFG-3's
 * variable layout is logged by its header only).
 *
 * One transaction and one EVE "c37118" event per frame (vigil's shape,
 * ../shared/pcaps/README.md); a TCP segment or UDP datagram may hold
 * several. Limits: a frame is at most 65535 bytes (FRAMESIZE); at most
 * C37_MAX_PMUS PMUs of a configuration are kept. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "app/app_baseline.h"
#include "app/app_parser.h"
#include "app/app_pdu.h"
#include "flow/flow.h"
#include "util/json.h"

#define C37_SYNC 0xaa
#define C37_MIN_FRAME 16u /* header 14 + CHK 2 */
#define C37_MAX_PMUS 64u
#define C37_LOG_PMUS 8u   /* PMUs listed in an event */
#define C37_STN_LEN 16u

enum c37_type { C37_DATA = 0, C37_HEADER, C37_CFG1, C37_CFG2, C37_COMMAND, C37_CFG3 };

enum c37_event {
    C37_EV_INVALID_SYNC = 0,   /* bytes that are not a frame start */
    C37_EV_INVALID_FRAME_SIZE, /* shorter than a frame header */
    C37_EV_CRC_MISMATCH,
    C37_EV_UNKNOWN_FRAME_TYPE,
    C37_EV_UNKNOWN_COMMAND,
    C37_EV_MALFORMED_CONFIG,   /* configuration shorter than its PMUs need */
    C37_EV_DATA_SIZE_MISMATCH, /* data frame does not fit the configuration */
    C37_EV_TOO_MANY_TX,
    C37_EV_COUNT,
};
static const char *const c37_event_names[C37_EV_COUNT + 1] = {
    "invalid_sync",        "invalid_frame_size", "crc_mismatch",
    "unknown_frame_type",  "unknown_command",    "malformed_config",
    "data_size_mismatch",  "too_many_transactions",
};

static const char *const c37_type_names[6] = {"data", "header", "cfg1", "cfg2", "command",
                                              "cfg3"};

static const char *c37_command_name(uint16_t c)
{
    switch (c) {
    case 1: return "turn_off_transmission";
    case 2: return "turn_on_transmission";
    case 3: return "send_header";
    case 4: return "send_cfg1";
    case 5: return "send_cfg2";
    case 6: return "send_cfg3";
    case 8: return "extended_frame";
    default: return NULL;
    }
}

/* A PMU of a configuration: what data frames need to be read. */
struct c37_pmu_cfg {
    uint16_t idcode;
    uint16_t format;      /* bit 0 polar, 1 phasors float, 2 analogs float, 3 freq float */
    uint16_t phnmr, annmr, dgnmr;
};

struct c37_pmu_log {
    char station[C37_STN_LEN + 1];
    uint16_t idcode, format, phnmr, annmr, dgnmr, fnom, cfgcnt;
};

struct c37_tx {
    struct app_pdu_tx pdu;
    uint8_t type, version;
    uint16_t framesize;
    uint16_t idcode;
    uint32_t soc;
    uint32_t fracsec;     /* 24-bit fraction */
    uint8_t time_quality;
    bool has_command;
    uint16_t command;
    bool has_cfg;
    uint32_t time_base;
    uint16_t num_pmu;
    uint16_t data_rate;
    uint16_t cfg_cnt;     /* first PMU's */
    uint8_t nlog;
    struct c37_pmu_log pmus[C37_LOG_PMUS];
    uint8_t nstat;
    uint16_t stat[C37_LOG_PMUS];
};

/* The configuration a direction's data frames follow. */
struct c37_config {
    bool known;
    uint16_t num_pmu;
    struct c37_pmu_cfg pmu[C37_MAX_PMUS];
};

struct c37_state {
    struct app_pdu_queue q;
    struct app_framer framer[2];
    /* Configurations travel from the PMU/PDC; data frames follow the one
     * sent in the same direction (or, if none, the other). */
    struct c37_config cfg[2];
    uint32_t flow_events;
    bool udp;
    struct app_parse_ctx *ctx;
    uint8_t dir;
};

static void c37_event(struct c37_state *st, struct c37_tx *tx, enum c37_event e)
{
    app_pdu_event(st->ctx, APP_PROTO_C37118, tx ? &tx->pdu : NULL, &st->flow_events,
                  c37_event_names, e);
}

static void c37_log_body(const void *object, struct json_writer *w);

/* CRC-CCITT (polynomial 0x1021, initial 0xffff), as the standard's CHK. */
static uint16_t c37_crc(const uint8_t *d, uint32_t n)
{
    uint16_t crc = 0xffff;
    for (uint32_t i = 0; i < n; i++) {
        crc ^= (uint16_t)d[i] << 8;
        for (int b = 0; b < 8; b++)
            crc = (crc & 0x8000) ? (uint16_t)((crc << 1) ^ 0x1021) : (uint16_t)(crc << 1);
    }
    return crc;
}

/* CFG-1/2: TIME_BASE, NUM_PMU, per PMU (STN 16, IDCODE, FORMAT, PHNMR,
 * ANNMR, DGNMR, CHNAM 16 per channel and 16 per digital word, PHUNIT 4
 * each, ANUNIT 4 each, DIGUNIT 4 each, FNOM, CFGCNT), DATA_RATE. */
static void c37_config(struct c37_state *st, struct c37_tx *tx, const uint8_t *p, uint32_t n)
{
    if (n < 6) {
        c37_event(st, tx, C37_EV_MALFORMED_CONFIG);
        return;
    }
    tx->has_cfg = true;
    tx->time_base = app_rd32be(p) & 0xffffff;
    tx->num_pmu = app_rd16be(p + 4);
    struct c37_config *cfg = &st->cfg[st->dir];
    cfg->known = false;
    cfg->num_pmu = 0;
    uint32_t off = 6;
    bool ok = true;
    for (uint32_t i = 0; i < tx->num_pmu; i++) {
        if (off + C37_STN_LEN + 10 > n) {
            ok = false;
            break;
        }
        const uint8_t *m = p + off;
        uint16_t idc = app_rd16be(m + 16), fmt = app_rd16be(m + 18);
        uint16_t ph = app_rd16be(m + 20), an = app_rd16be(m + 22), dg = app_rd16be(m + 24);
        uint64_t chn = (uint64_t)16 * ((uint64_t)ph + an + 16u * dg);
        uint64_t units = 4ull * ph + 4ull * an + 4ull * dg;
        uint64_t len = C37_STN_LEN + 10 + chn + units + 4;
        if (off + len > n) {
            ok = false;
            break;
        }
        const uint8_t *tail = m + len - 4;
        if (i < C37_LOG_PMUS) {
            struct c37_pmu_log *lg = &tx->pmus[tx->nlog++];
            /* Station names are space padded. */
            uint32_t sl = C37_STN_LEN;
            while (sl && (m[sl - 1] == ' ' || m[sl - 1] == 0))
                sl--;
            memcpy(lg->station, m, sl);
            lg->station[sl] = 0;
            lg->idcode = idc;
            lg->format = fmt;
            lg->phnmr = ph;
            lg->annmr = an;
            lg->dgnmr = dg;
            lg->fnom = app_rd16be(tail);
            lg->cfgcnt = app_rd16be(tail + 2);
        }
        if (i == 0)
            tx->cfg_cnt = app_rd16be(tail + 2);
        if (i < C37_MAX_PMUS) {
            struct c37_pmu_cfg *pc = &cfg->pmu[cfg->num_pmu++];
            pc->idcode = idc;
            pc->format = fmt;
            pc->phnmr = ph;
            pc->annmr = an;
            pc->dgnmr = dg;
        }
        off += (uint32_t)len;
    }
    if (!ok || off + 2 > n) {
        c37_event(st, tx, C37_EV_MALFORMED_CONFIG);
        return;
    }
    tx->data_rate = app_rd16be(p + off);
    cfg->known = tx->num_pmu <= C37_MAX_PMUS;
}

/* Data frame: per PMU STAT, phasors, FREQ, DFREQ, analogs, digitals, in
 * the configuration's formats. */
static void c37_data(struct c37_state *st, struct c37_tx *tx, const uint8_t *p, uint32_t n)
{
    const struct c37_config *cfg = st->cfg[st->dir].known ? &st->cfg[st->dir]
                                   : st->cfg[st->dir ^ 1].known ? &st->cfg[st->dir ^ 1]
                                                                : NULL;
    if (!cfg)
        return;
    uint32_t off = 0;
    for (uint16_t i = 0; i < cfg->num_pmu; i++) {
        const struct c37_pmu_cfg *pc = &cfg->pmu[i];
        uint32_t ph = (pc->format & 2) ? 8 : 4, an = (pc->format & 4) ? 4 : 2;
        uint32_t fr = (pc->format & 8) ? 4 : 2;
        uint64_t len = 2 + (uint64_t)ph * pc->phnmr + 2ull * fr + (uint64_t)an * pc->annmr +
                       2ull * pc->dgnmr;
        if (off + len > n) {
            c37_event(st, tx, C37_EV_DATA_SIZE_MISMATCH);
            return;
        }
        if (tx->nstat < C37_LOG_PMUS)
            tx->stat[tx->nstat++] = app_rd16be(p + off);
        off += (uint32_t)len;
    }
    if (off != n)
        c37_event(st, tx, C37_EV_DATA_SIZE_MISMATCH);
}

static void c37_frame(struct c37_state *st, const uint8_t *d, uint32_t len)
{
    struct c37_tx *tx =
        app_pdu_tx_new(&st->q, st->ctx, &app_parser_c37118, sizeof(struct c37_tx), st->dir);
    if (!tx)
        return;
    tx->type = (d[1] >> 4) & 7;
    tx->version = d[1] & 0x0f;
    tx->framesize = app_rd16be(d + 2);
    if (len >= 14) {
        tx->idcode = app_rd16be(d + 4);
        tx->soc = app_rd32be(d + 6);
        tx->time_quality = d[10];
        tx->fracsec = app_rd32be(d + 10) & 0xffffff;
    }
    if (len < C37_MIN_FRAME) {
        c37_event(st, tx, C37_EV_INVALID_FRAME_SIZE);
        app_pdu_tx_log(&st->q, st->ctx, &tx->pdu, "c37118", c37_log_body);
        return;
    }
    if (c37_crc(d, len - 2) != app_rd16be(d + len - 2))
        c37_event(st, tx, C37_EV_CRC_MISMATCH);
    const uint8_t *p = d + 14;
    uint32_t n = len - 16;
    switch (tx->type) {
    case C37_COMMAND:
        if (n >= 2) {
            tx->has_command = true;
            tx->command = app_rd16be(p);
            if (!c37_command_name(tx->command) && tx->command < 256)
                c37_event(st, tx, C37_EV_UNKNOWN_COMMAND);
        } else {
            c37_event(st, tx, C37_EV_INVALID_FRAME_SIZE);
        }
        break;
    case C37_CFG1:
    case C37_CFG2:
        c37_config(st, tx, p, n);
        break;
    case C37_DATA:
        c37_data(st, tx, p, n);
        break;
    case C37_HEADER:
    case C37_CFG3:
        break;
    default:
        c37_event(st, tx, C37_EV_UNKNOWN_FRAME_TYPE);
        break;
    }
    app_pdu_tx_log(&st->q, st->ctx, &tx->pdu, "c37118", c37_log_body);
    if (tx->has_command) {
        uint16_t c = tx->command;
        struct ics_op op = {.proto = APP_PROTO_C37118,
                            .kind = (c == 1 || c == 2) ? ICS_OP_CONTROL
                                    : (c >= 3 && c <= 6) ? ICS_OP_READ
                                                         : ICS_OP_OTHER,
                            .function = c, .function_name = c37_command_name(c),
                            .tx = &tx->pdu.base};
        app_baseline_op(st->ctx, st->dir, &op);
    }
}

static int64_t c37_frame_len(const uint8_t *d, uint32_t n, void *user)
{
    (void)n;
    (void)user;
    if (d[0] != C37_SYNC || ((d[1] >> 4) & 7) > 5 || (d[1] & 0x80))
        return APP_FRAME_INVALID;
    uint16_t fs = app_rd16be(d + 2);
    return fs < C37_MIN_FRAME ? APP_FRAME_INVALID : (int64_t)fs;
}

static void c37_on_pdu(const uint8_t *d, uint32_t len, void *user)
{
    c37_frame(user, d, len);
}

static void c37_on_skip(void *user, bool oversized)
{
    (void)oversized;
    c37_event(user, NULL, C37_EV_INVALID_SYNC);
}

static const struct app_framer_ops c37_framer_ops = {
    .frame_len = c37_frame_len, .on_pdu = c37_on_pdu, .on_skip = c37_on_skip};

static int c37_parse(void *state, struct app_parse_ctx *ctx, uint8_t direction,
                     const uint8_t *data, uint32_t len, uint32_t flags)
{
    struct c37_state *st = state;
    st->ctx = ctx;
    st->dir = direction & 1;
    app_pdu_queue_gc(&st->q);
    int rc = 0;
    if (st->udp) {
        /* A datagram holds whole frames. */
        uint32_t off = 0;
        while (data && off < len) {
            if (len - off < 4 || c37_frame_len(data + off, len - off, NULL) < 0) {
                c37_event(st, NULL, C37_EV_INVALID_SYNC);
                break;
            }
            uint32_t fl = app_rd16be(data + off + 2);
            if (fl > len - off) {
                c37_event(st, NULL, C37_EV_INVALID_FRAME_SIZE);
                break;
            }
            c37_frame(st, data + off, fl);
            off += fl;
        }
    } else {
        rc = app_framer_feed(&st->framer[st->dir], ctx, data, len, flags, &c37_framer_ops, st);
    }
    st->ctx = NULL;
    return rc;
}

static enum app_probe_result c37_probe(const uint8_t *d, uint32_t len, uint8_t direction)
{
    (void)direction;
    if (len < 1)
        return APP_PROBE_NEED_MORE;
    if (d[0] != C37_SYNC)
        return APP_PROBE_NO;
    if (len < 4)
        return APP_PROBE_NEED_MORE;
    uint8_t type = (d[1] >> 4) & 7, ver = d[1] & 0x0f;
    if ((d[1] & 0x80) || type > 5 || ver < 1 || ver > 3)
        return APP_PROBE_NO;
    uint16_t fs = app_rd16be(d + 2);
    if (fs < C37_MIN_FRAME)
        return APP_PROBE_NO;
    if (len < fs)
        return len >= 512 ? APP_PROBE_MATCH : APP_PROBE_NEED_MORE;
    return c37_crc(d, fs - 2u) == app_rd16be(d + fs - 2) ? APP_PROBE_MATCH : APP_PROBE_NO;
}

static void *c37_state_new(struct app_parse_ctx *ctx)
{
    if (!app_memory_reserve(ctx, sizeof(struct c37_state)))
        return NULL;
    struct c37_state *st = calloc(1, sizeof(*st));
    if (!st) {
        app_memory_release(ctx, sizeof(struct c37_state));
        return NULL;
    }
    app_pdu_queue_init(&st->q, ctx, NULL);
    st->udp = ctx->flow && ctx->flow->key.proto == 17;
    for (int d = 0; d < 2; d++)
        app_framer_init(&st->framer[d], 4, 65535);
    return st;
}

static void c37_state_free(void *state)
{
    struct c37_state *st = state;
    if (!st)
        return;
    struct app_layer_thread_ctx *t = st->q.thread;
    app_pdu_queue_free(&st->q);
    for (int d = 0; d < 2; d++)
        app_framer_free(&st->framer[d], t);
    app_thread_memory_release(t, sizeof(*st));
    free(st);
}

static int c37_tx_foreach(void *state, int (*fn)(struct app_tx *tx, void *user), void *user)
{
    return app_pdu_queue_foreach(&((struct c37_state *)state)->q, fn, user);
}

static void c37_tx_write_json(const struct app_tx *atx, struct json_writer *w)
{
    const struct c37_tx *tx = (const struct c37_tx *)atx;
    json_key_object_begin(w, "c37118");
    if (tx->type < 6)
        json_key_string(w, "frame_type", c37_type_names[tx->type]);
    else
        json_key_u64(w, "frame_type", tx->type);
    json_key_u64(w, "version", tx->version);
    json_key_u64(w, "framesize", tx->framesize);
    json_key_u64(w, "idcode", tx->idcode);
    json_key_u64(w, "soc", tx->soc);
    json_key_u64(w, "fracsec", tx->fracsec);
    json_key_u64(w, "time_quality", tx->time_quality);
    if (tx->has_command) {
        json_key_u64(w, "command", tx->command);
        const char *cn = c37_command_name(tx->command);
        if (cn)
            json_key_string(w, "command_name", cn);
    }
    if (tx->has_cfg) {
        json_key_u64(w, "time_base", tx->time_base);
        json_key_u64(w, "num_pmu", tx->num_pmu);
        json_key_u64(w, "data_rate", tx->data_rate);
        if (tx->nlog) {
            json_key_u64(w, "cfg_cnt", tx->cfg_cnt);
            json_key_array_begin(w, "pmus");
            for (uint8_t i = 0; i < tx->nlog; i++) {
                const struct c37_pmu_log *lg = &tx->pmus[i];
                json_object_begin(w);
                json_key_string(w, "station", lg->station);
                json_key_u64(w, "idcode", lg->idcode);
                json_key_u64(w, "format", lg->format);
                json_key_u64(w, "phasors", lg->phnmr);
                json_key_u64(w, "analogs", lg->annmr);
                json_key_u64(w, "digitals", lg->dgnmr);
                json_key_u64(w, "nominal_frequency", (lg->fnom & 1) ? 50 : 60);
                json_key_u64(w, "cfg_cnt", lg->cfgcnt);
                json_object_end(w);
            }
            json_array_end(w);
        }
    }
    if (tx->nstat) {
        json_key_array_begin(w, "stat");
        for (uint8_t i = 0; i < tx->nstat; i++)
            json_u64(w, tx->stat[i]);
        json_array_end(w);
    }
    json_object_end(w);
}

static void c37_log_body(const void *object, struct json_writer *w)
{
    c37_tx_write_json(object, w);
}

static bool c37_tx_has_event(const struct app_tx *tx, const char *name)
{
    return app_pdu_has_event(tx, c37_event_names, C37_EV_COUNT, name);
}

/* ---- integer keywords ---- */

enum {
    C37_F_FRAME_TYPE,
    C37_F_COMMAND,
    C37_F_IDCODE,
    C37_F_VERSION,
    C37_F_NUM_PMU,
    C37_F_STAT,
    C37_F_TIME_QUALITY,
    C37_F_COUNT,
};

static const struct app_uint_enum c37_type_enum[] = {
    {"data", 0}, {"header", 1}, {"cfg1", 2}, {"cfg2", 3}, {"command", 4}, {"cfg3", 5},
    {NULL, 0}};
static const struct app_uint_enum c37_command_enum[] = {
    {"turn_off_transmission", 1}, {"turn_on_transmission", 2}, {"send_header", 3},
    {"send_cfg1", 4}, {"send_cfg2", 5}, {"send_cfg3", 6}, {"extended_frame", 8}, {NULL, 0}};

static const struct app_uint_field c37_fields[C37_F_COUNT] = {
    [C37_F_FRAME_TYPE] = {"c37118.frame_type", 3, 7, c37_type_enum, false},
    [C37_F_COMMAND] = {"c37118.command", 3, 65535, c37_command_enum, false},
    [C37_F_IDCODE] = {"c37118.idcode", 3, 65535, NULL, false},
    [C37_F_VERSION] = {"c37118.version", 3, 15, NULL, false},
    [C37_F_NUM_PMU] = {"c37118.num_pmu", 3, 65535, NULL, false},
    [C37_F_STAT] = {"c37118.stat", 3, 65535, NULL, false},
    [C37_F_TIME_QUALITY] = {"c37118.time_quality", 3, 255, NULL, false},
};

static int c37_tx_get_uint(const struct app_tx *atx, uint16_t field, uint32_t index, uint64_t *value,
                           const char **name)
{
    (void)name;
    const struct c37_tx *tx = (const struct c37_tx *)atx;
    if (field == C37_F_STAT) {
        if (index >= tx->nstat)
            return -ENOENT;
        *value = tx->stat[index];
        return 0;
    }
    if (index)
        return -ENOENT;
    switch (field) {
    case C37_F_FRAME_TYPE: *value = tx->type; return 0;
    case C37_F_VERSION: *value = tx->version; return 0;
    case C37_F_IDCODE: *value = tx->idcode; return 0;
    case C37_F_TIME_QUALITY: *value = tx->time_quality; return 0;
    case C37_F_COMMAND:
        if (!tx->has_command)
            return -ENOENT;
        *value = tx->command;
        return 0;
    case C37_F_NUM_PMU:
        if (!tx->has_cfg)
            return -ENOENT;
        *value = tx->num_pmu;
        return 0;
    default:
        return -ENOENT;
    }
}

const struct app_parser app_parser_c37118 = {
    .vigil_only = true,
    .proto = APP_PROTO_C37118,
    .name = "c37118",
    .ipprotos = APP_IPPROTO_TCP | APP_IPPROTO_UDP,
    .ports = {4712, 4713},
    .probe = c37_probe,
    .state_new = c37_state_new,
    .state_free = c37_state_free,
    .parse = c37_parse,
    .tx_foreach = c37_tx_foreach,
    .tx_complete = app_pdu_tx_complete,
    .tx_write_json = c37_tx_write_json,
    .tx_has_event = c37_tx_has_event,
    .events_on_packet = true,
    .event_names = c37_event_names,
    .tx_direction = app_pdu_tx_direction,
    .uint_fields = c37_fields,
    .n_uint_fields = C37_F_COUNT,
    .tx_get_field_uint = c37_tx_get_uint,
};
