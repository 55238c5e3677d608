/* SPDX-License-Identifier: Apache-2.0 */
/* ISO 8583 card payment messages over TCP (issue 15).
 *
 * Framing: each message is preceded by its length, either 2 bytes binary
 * (big-endian; the most common on acquirer links) or 4 ASCII digits. The
 * two cannot be confused (a binary length up to ISO_MAX_MSG starts with a
 * byte below 0x30), so each message's prefix is recognised by itself unless
 * the server port is configured (app-layer.protocols.iso8583.binary2-ports /
 * ascii4-ports). Messages are framed with the shared framer (app_pdu.c:
 * bounded, resynchronising after garbage or a gap).
 *
 * Message: MTI, primary bitmap (bit 1: a secondary bitmap follows), then
 * the fields of the bitmaps in order, each fixed, LLVAR or LLLVAR as ISO
 * 8583:1987 defines it (the table below; binary fields of the standard as
 * hexadecimal characters, two per byte, as jPOS's ISO87APackager). Two
 * encodings, recognised per message or configured per port (bcd-ports):
 *   - ASCII (the default): MTI and numeric fields as ASCII digits, LL/LLL
 *     prefixes as 2/3 ASCII digits, bitmaps binary (8 bytes each) or as 16
 *     hexadecimal characters each (tried when binary does not fit);
 *   - BCD (ISO87BPackager): MTI 2 bytes, numeric and track-2 fields packed
 *     two digits a byte (odd lengths padded on the left), LL/LLL prefixes
 *     1/2 BCD bytes, character fields ASCII, binary fields raw, binary
 *     bitmaps.
 *
 * The primary account number (field 2; the PAN inside fields 34, 35, 36
 * and 45) is never kept in clear: the parser keeps it masked (first six,
 * last four digits) and as a keyed hash (behaviour detectors count
 * distinct cards with it); the field buffers rules see carry the masked
 * form. app_iso8583_redact masks payload bytes written by the outputs.
 *
 * One transaction and EVE "iso8583" event per message, in the direction
 * it travelled (vigil's shape, docs/app-layer.md). Requests are paired with
 * their responses by STAN (field 11) and terminal id (field 41). */
#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/app_buffer.h"
#include "app/app_iso8583.h"
#include "app/app_parser.h"
#include "app/app_pdu.h"
#include "decode/packet.h"
#include "flow/flow.h"
#include "stream/stream.h"
#include "util/config.h"
#include "util/json.h"

#define ISO_MAX_MSG 8192u
#define ISO_ARENA 8192u   /* decoded field values kept per message */
#define ISO_PENDING 64u   /* requests waiting for their response, per flow */
#define ISO_HDR 12u       /* bytes the framer needs to find a message's length */
#define ISO_TPDU 5u       /* a terminal's TPDU header: 0x60, destination and source NII */
#define ISO_REDACT_MAX (128u * 1024u) /* the largest output buffer redacted (else not written) */

enum iso_event {
    ISO_EV_INVALID_MTI = 0,    /* MTI not four digits */
    ISO_EV_INVALID_BITMAP,     /* the bitmap does not fit the message */
    ISO_EV_INVALID_LENGTH,     /* LL/LLL prefix not digits or above the field's maximum */
    ISO_EV_TRUNCATED_FIELD,    /* a field runs past the message */
    ISO_EV_INVALID_FIELD,      /* non-digit in a numeric field */
    ISO_EV_TRAILING_DATA,      /* bytes after the last field of the bitmap */
    ISO_EV_UNMATCHED_RESPONSE, /* a response to no pending request (STAN + terminal) */
    ISO_EV_INVALID_DATA,       /* bytes that are not a message */
    ISO_EV_TOO_MANY_TX,
    ISO_EV_COUNT,
};
static const char *const iso_event_names[ISO_EV_COUNT + 1] = {
    "invalid_mti",   "invalid_bitmap",     "invalid_length",
    "truncated_field", "invalid_field",    "trailing_data",
    "unmatched_response", "invalid_data",
    "too_many_transactions", NULL};

/* Field formats of ISO 8583:1987. */
enum { F_N = 1, F_AN, F_B, F_Z, F_XN }; /* numeric, characters, binary, track 2, C/D + numeric */
struct iso_fmt {
    uint8_t type, lentype; /* lentype 0 fixed, 2 LLVAR, 3 LLLVAR */
    uint16_t max;          /* characters (binary: bytes) */
};
static const struct iso_fmt iso_fmt[129] = {
    [2] = {F_N, 2, 19},    [3] = {F_N, 0, 6},     [4] = {F_N, 0, 12},   [5] = {F_N, 0, 12},
    [6] = {F_N, 0, 12},    [7] = {F_N, 0, 10},    [8] = {F_N, 0, 8},    [9] = {F_N, 0, 8},
    [10] = {F_N, 0, 8},    [11] = {F_N, 0, 6},    [12] = {F_N, 0, 6},   [13] = {F_N, 0, 4},
    [14] = {F_N, 0, 4},    [15] = {F_N, 0, 4},    [16] = {F_N, 0, 4},   [17] = {F_N, 0, 4},
    [18] = {F_N, 0, 4},    [19] = {F_N, 0, 3},    [20] = {F_N, 0, 3},   [21] = {F_N, 0, 3},
    [22] = {F_N, 0, 3},    [23] = {F_N, 0, 3},    [24] = {F_N, 0, 3},   [25] = {F_N, 0, 2},
    [26] = {F_N, 0, 2},    [27] = {F_N, 0, 1},    [28] = {F_XN, 0, 9},  [29] = {F_XN, 0, 9},
    [30] = {F_XN, 0, 9},   [31] = {F_XN, 0, 9},   [32] = {F_N, 2, 11},  [33] = {F_N, 2, 11},
    [34] = {F_AN, 2, 28},  [35] = {F_Z, 2, 37},   [36] = {F_AN, 3, 104}, [37] = {F_AN, 0, 12},
    [38] = {F_AN, 0, 6},   [39] = {F_AN, 0, 2},   [40] = {F_AN, 0, 3},  [41] = {F_AN, 0, 8},
    [42] = {F_AN, 0, 15},  [43] = {F_AN, 0, 40},  [44] = {F_AN, 2, 25}, [45] = {F_AN, 2, 76},
    [46] = {F_AN, 3, 999}, [47] = {F_AN, 3, 999}, [48] = {F_AN, 3, 999}, [49] = {F_AN, 0, 3},
    [50] = {F_AN, 0, 3},   [51] = {F_AN, 0, 3},   [52] = {F_B, 0, 8},   [53] = {F_N, 0, 16},
    [54] = {F_AN, 3, 120}, [55] = {F_AN, 3, 999}, [56] = {F_AN, 3, 999}, [57] = {F_AN, 3, 999},
    [58] = {F_AN, 3, 999}, [59] = {F_AN, 3, 999}, [60] = {F_AN, 3, 999}, [61] = {F_AN, 3, 999},
    [62] = {F_AN, 3, 999}, [63] = {F_AN, 3, 999}, [64] = {F_B, 0, 8},   [65] = {F_B, 0, 1},
    [66] = {F_N, 0, 1},    [67] = {F_N, 0, 2},    [68] = {F_N, 0, 3},   [69] = {F_N, 0, 3},
    [70] = {F_N, 0, 3},    [71] = {F_N, 0, 4},    [72] = {F_N, 0, 4},   [73] = {F_N, 0, 6},
    [74] = {F_N, 0, 10},   [75] = {F_N, 0, 10},   [76] = {F_N, 0, 10},  [77] = {F_N, 0, 10},
    [78] = {F_N, 0, 10},   [79] = {F_N, 0, 10},   [80] = {F_N, 0, 10},  [81] = {F_N, 0, 10},
    [82] = {F_N, 0, 12},   [83] = {F_N, 0, 12},   [84] = {F_N, 0, 12},  [85] = {F_N, 0, 12},
    [86] = {F_N, 0, 16},   [87] = {F_N, 0, 16},   [88] = {F_N, 0, 16},  [89] = {F_N, 0, 16},
    [90] = {F_N, 0, 42},   [91] = {F_AN, 0, 1},   [92] = {F_AN, 0, 2},  [93] = {F_AN, 0, 5},
    [94] = {F_AN, 0, 7},   [95] = {F_AN, 0, 42},  [96] = {F_B, 0, 8},   [97] = {F_XN, 0, 17},
    [98] = {F_AN, 0, 25},  [99] = {F_N, 2, 11},   [100] = {F_N, 2, 11}, [101] = {F_AN, 2, 17},
    [102] = {F_AN, 2, 28}, [103] = {F_AN, 2, 28}, [104] = {F_AN, 3, 100}, [105] = {F_AN, 3, 999},
    [106] = {F_AN, 3, 999}, [107] = {F_AN, 3, 999}, [108] = {F_AN, 3, 999}, [109] = {F_AN, 3, 999},
    [110] = {F_AN, 3, 999}, [111] = {F_AN, 3, 999}, [112] = {F_AN, 3, 999}, [113] = {F_AN, 3, 999},
    [114] = {F_AN, 3, 999}, [115] = {F_AN, 3, 999}, [116] = {F_AN, 3, 999}, [117] = {F_AN, 3, 999},
    [118] = {F_AN, 3, 999}, [119] = {F_AN, 3, 999}, [120] = {F_AN, 3, 999}, [121] = {F_AN, 3, 999},
    [122] = {F_AN, 3, 999}, [123] = {F_AN, 3, 999}, [124] = {F_AN, 3, 999}, [125] = {F_AN, 3, 999},
    [126] = {F_AN, 3, 999}, [127] = {F_AN, 3, 999}, [128] = {F_B, 0, 8},
};

/* Fields whose value holds a card number: kept masked only. */
static bool iso_field_has_pan(unsigned f)
{
    return f == 2 || f == 34 || f == 35 || f == 36 || f == 45;
}

enum { ISO_ENC_ASCII = 0, ISO_ENC_ASCII_HEXMAP, ISO_ENC_BCD };
static const char *const iso_enc_names[] = {"ascii", "ascii", "bcd"};

struct iso_tx {
    struct app_pdu_tx pdu;
    uint8_t encoding;
    uint8_t framing;   /* ISO8583_FRAMING_BINARY2 / ASCII4 */
    bool header_ok;    /* MTI and bitmaps read */
    char mti[5];
    uint8_t bitmap[16];
    uint16_t off[129], len[129]; /* decoded values in arena; len 0xffff: absent */
    uint16_t arena_used;
    uint32_t nfields;
    uint32_t msg_len;
    bool has_tpdu;
    uint8_t tpdu[ISO_TPDU];
    char pan_masked[24];
    uint8_t pan_len;
    uint64_t pan_hash;  /* keyed, 0: no PAN */
    bool has_amount;
    uint64_t amount;    /* field 4, minor units */
    /* Response: the request it answers. */
    struct app_pdu_answer answer;
    /* Where each field's value lies in the body (after MTI and prefix),
     * for the output redaction; body_parsed: the end of the last field
     * read, stop_field: the field a parse stopped in (0: none). */
    uint16_t raw_off[129], raw_len[129];
    uint16_t body_parsed;
    uint8_t stop_field;
    uint8_t arena[ISO_ARENA];
};

/* Byte ranges of the stream the outputs must mask (docs/app-layer.md,
 * "Card numbers"): recorded per message as it is parsed, in stream
 * offsets of its direction. ISO_RK_MSG marks bytes parsed as a message
 * (written as they are unless a range below covers them); bytes outside
 * every message get the digit-run fallback. */
enum {
    ISO_RK_MSG = 1,
    ISO_RK_CARD_ASCII, /* card data as characters: all but '^' and '=' masked */
    ISO_RK_CARD_BCD,   /* card data packed or binary: every byte 0xff */
    ISO_RK_OPAQUE,     /* free-form data: digit runs masked (packed ones when binary) */
    ISO_RK_OPAQUE_BIN, /* binary free-form data: ASCII and packed digit runs masked */
};
struct iso_range {
    uint64_t start;
    uint32_t len;
    uint8_t kind;
};
#define ISO_RANGES 64u /* per direction: the last few messages (oldest dropped first) */
struct iso_ranges {
    struct iso_range r[ISO_RANGES];
    uint32_t n; /* ranges ever added (the ring holds the last ISO_RANGES) */
};
/* Where ranges go: the state's ring (the oldest overwritten: a message's
 * ISO_RK_MSG is added first, so it goes before its card ranges and its
 * bytes fall back to the digit-run masking, never to clear) or an array
 * (full: the message's ranges are taken back by the caller). */
struct iso_rsink {
    struct iso_range *r;
    uint32_t n, cap;
    bool ring, full;
};

static void iso_rs_add(struct iso_rsink *s, uint64_t start, uint64_t len, uint8_t kind)
{
    if (len == 0)
        return;
    struct iso_range r = {.start = start, .len = len > UINT32_MAX ? UINT32_MAX : (uint32_t)len,
                          .kind = kind};
    if (s->ring)
        s->r[s->n++ % s->cap] = r;
    else if (s->n < s->cap)
        s->r[s->n++] = r;
    else
        s->full = true;
}

struct iso_pending {
    bool used;
    uint8_t dir;
    char stan[7], terminal[9];
    uint64_t tx_id, ts_usec;
};

struct iso_state {
    struct app_pdu_framed f;
    struct iso_pending pending[ISO_PENDING];
    uint32_t next_pending;
    uint32_t flow_events;
    uint8_t framing;  /* configured for the server port, 0: recognised per message */
    uint8_t encoding; /* configured: 0 auto, 1 ascii, 2 bcd */
    bool bcd_seen;    /* a message in BCD: output redaction masks packed digits too */
    bool bin_seen;    /* a message with binary free-form data (ICC data 55, ...): the same */
    uint64_t fed_end[2]; /* stream offset after the last bytes parsed, per direction */
    struct iso_ranges ranges[2];
};

/* ---- configuration ---- */

#define ISO_PORTS_MAX 32
static struct {
    uint16_t port[ISO_PORTS_MAX];
    uint8_t framing[ISO_PORTS_MAX], encoding[ISO_PORTS_MAX];
    uint32_t n;
} iso_ports;

static int iso_port_slot(uint16_t port)
{
    for (uint32_t i = 0; i < iso_ports.n; i++)
        if (iso_ports.port[i] == port)
            return (int)i;
    if (iso_ports.n >= ISO_PORTS_MAX)
        return -1;
    iso_ports.port[iso_ports.n] = port;
    iso_ports.framing[iso_ports.n] = 0;
    iso_ports.encoding[iso_ports.n] = 0;
    return (int)iso_ports.n++;
}

static void iso_config_list(const struct config *cfg, const char *key, int what, uint8_t value)
{
    const struct config_node *n = config_find(cfg, key);
    if (!n)
        return;
    for (const struct config_node *c = config_node_first_child(n); c; c = config_node_next(c)) {
        const char *v = config_node_value(c);
        char *end = NULL;
        long p = v ? strtol(v, &end, 10) : 0;
        if (!v || *end || p <= 0 || p > 65535)
            continue;
        int s = iso_port_slot((uint16_t)p);
        if (s < 0)
            continue;
        if (what == 0)
            iso_ports.framing[s] = value;
        else
            iso_ports.encoding[s] = value;
    }
    config_node_mark_subtree_used(n);
}

void app_iso8583_config_load(const struct config *cfg)
{
    iso_ports.n = 0;
    if (!cfg)
        return;
    iso_config_list(cfg, "app-layer.protocols.iso8583.binary2-ports", 0,
                    ISO8583_FRAMING_BINARY2);
    iso_config_list(cfg, "app-layer.protocols.iso8583.ascii4-ports", 0, ISO8583_FRAMING_ASCII4);
    iso_config_list(cfg, "app-layer.protocols.iso8583.ascii-ports", 1, 1);
    iso_config_list(cfg, "app-layer.protocols.iso8583.bcd-ports", 1, 2);
}

/* ---- helpers ---- */

static _Atomic uint64_t iso_hash_key;

/* Keyed FNV-1a of the PAN digits: counts distinct cards without keeping
 * them; the key is drawn once per process (the first worker to need it
 * publishes it; a racing one takes the published key). */
static uint64_t iso_pan_hash(const char *d, uint32_t n)
{
    uint64_t key = atomic_load(&iso_hash_key);
    if (!key) {
        uint64_t k = 0;
        FILE *r = fopen("/dev/urandom", "rb");
        if (r) {
            if (fread(&k, sizeof k, 1, r) != 1)
                k = 0;
            fclose(r);
        }
        k |= 1;
        uint64_t expected = 0;
        key = atomic_compare_exchange_strong(&iso_hash_key, &expected, k) ? k : expected;
    }
    uint64_t h = 1469598103934665603ull ^ key;
    for (uint32_t i = 0; i < n; i++) {
        h ^= (uint8_t)d[i];
        h *= 1099511628211ull;
    }
    return h ? h : 1;
}

static bool iso_digits(const uint8_t *d, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++)
        if (d[i] < '0' || d[i] > '9')
            return false;
    return true;
}

static bool iso_bcd_ok(const uint8_t *d, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++)
        if ((d[i] >> 4) > 9 || (d[i] & 15) > 9)
            return false;
    return true;
}

static int iso_hexval(uint8_t c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

static bool iso_bit(const uint8_t *bm, unsigned f)
{
    return bm[(f - 1) / 8] & (0x80u >> ((f - 1) % 8));
}

static uint32_t iso_num(const uint8_t *d, uint32_t n)
{
    uint32_t v = 0;
    for (uint32_t i = 0; i < n; i++)
        v = v * 10 + (uint32_t)(d[i] - '0');
    return v;
}

/* Masks digit runs of buf that may hold a card number: a run of 12 or more
 * digits keeps its first six and last four; a run that touches the start of
 * the buffer (the end of a number cut by a segment) keeps only its last
 * four, one that touches the end keeps only its first six (so two cut
 * halves never add up to a whole number). Other bytes are untouched. */
static void iso_mask_digits(uint8_t *b, uint32_t n, bool edges)
{
    uint32_t i = 0;
    while (i < n) {
        if (b[i] < '0' || b[i] > '9') {
            i++;
            continue;
        }
        uint32_t s = i;
        while (i < n && b[i] >= '0' && b[i] <= '9')
            i++;
        uint32_t len = i - s;
        bool at_start = edges && s == 0, at_end = edges && i == n;
        uint32_t keep_head = 6, keep_tail = 4;
        if (at_start && at_end) {
            if (len < 5)
                continue;
            keep_head = 0;
            keep_tail = 0;
        } else if (at_start) {
            if (len < 5)
                continue;
            keep_head = 0;
        } else if (at_end) {
            if (len < 7)
                continue;
            keep_tail = 0;
        } else if (len < 12) {
            continue;
        }
        for (uint32_t k = s + keep_head; k + keep_tail < i; k++)
            b[k] = '*';
    }
}

/* The same over packed BCD (two digits a byte): masked nibbles become 0xf. */
static void iso_mask_bcd(uint8_t *b, uint32_t n)
{
    uint32_t i = 0;
    while (i < n) {
        if (!iso_bcd_ok(b + i, 1)) {
            i++;
            continue;
        }
        uint32_t s = i;
        while (i < n && iso_bcd_ok(b + i, 1))
            i++;
        uint32_t nib = (i - s) * 2;
        if (nib < 12)
            continue;
        for (uint32_t k = 6; k + 4 < nib; k++) {
            uint8_t *p = b + s + k / 2;
            *p = (k & 1) ? (uint8_t)(*p | 0x0f) : (uint8_t)(*p | 0xf0);
        }
    }
}

/* ---- parsing ---- */

static void iso_event(struct iso_state *st, struct iso_tx *tx, enum iso_event e)
{
    app_pdu_event(st->f.ctx, APP_PROTO_ISO8583, tx ? &tx->pdu : NULL, tx ? NULL : &st->flow_events,
                  iso_event_names, e);
}

static void iso_log_body(const void *object, struct json_writer *w);

/* Decodes n characters (digits for BCD) of a field into the arena. */
static bool iso_arena_put(struct iso_tx *tx, unsigned f, const uint8_t *d, uint32_t n, bool bcd,
                          bool odd_pad, bool hex)
{
    uint32_t out = hex ? n * 2 : n;
    if (tx->arena_used + out > ISO_ARENA)
        return false;
    uint8_t *o = tx->arena + tx->arena_used;
    if (hex) {
        static const char hx[] = "0123456789ABCDEF";
        for (uint32_t i = 0; i < n; i++) {
            o[2 * i] = (uint8_t)hx[d[i] >> 4];
            o[2 * i + 1] = (uint8_t)hx[d[i] & 15];
        }
    } else if (bcd) {
        /* n digits from (n + 1) / 2 bytes, a pad nibble first when odd */
        uint32_t skip = odd_pad && (n & 1) ? 1 : 0;
        for (uint32_t i = 0; i < n; i++) {
            uint32_t k = i + skip;
            uint8_t nib = (k & 1) ? (d[k / 2] & 15) : (d[k / 2] >> 4);
            o[i] = (uint8_t)(nib < 10 ? '0' + nib : (nib == 0xd ? 'D' : '?'));
        }
    } else {
        memcpy(o, d, n);
    }
    tx->off[f] = tx->arena_used;
    tx->len[f] = (uint16_t)out;
    tx->arena_used = (uint16_t)(tx->arena_used + out);
    return true;
}

/* Parses the message body (after the length prefix) with one encoding.
 * Returns 0 when every field of the bitmaps was read and nothing is left,
 * else the event that stopped it (+1); tx holds what was read. */
static int iso_parse_body(struct iso_tx *tx, const uint8_t *d, uint32_t n, int enc)
{
    memset(tx->off, 0, sizeof tx->off);
    memset(tx->len, 0xff, sizeof tx->len);
    tx->body_parsed = 0;
    tx->stop_field = 0;
    tx->arena_used = 0;
    tx->nfields = 0;
    tx->header_ok = false;
    uint32_t p = 0;
    bool bcd = enc == ISO_ENC_BCD;
    if (bcd) {
        if (n < 2 || !iso_bcd_ok(d, 2))
            return ISO_EV_INVALID_MTI + 1;
        for (int i = 0; i < 4; i++) {
            uint8_t nib = (i & 1) ? (d[i / 2] & 15) : (d[i / 2] >> 4);
            tx->mti[i] = (char)('0' + nib);
        }
        p = 2;
    } else {
        if (n < 4 || !iso_digits(d, 4))
            return ISO_EV_INVALID_MTI + 1;
        memcpy(tx->mti, d, 4);
        p = 4;
    }
    tx->mti[4] = '\0';
    /* bitmaps */
    memset(tx->bitmap, 0, sizeof tx->bitmap);
    for (int b = 0; b < 2; b++) {
        if (b == 1 && !(tx->bitmap[0] & 0x80))
            break;
        if (enc == ISO_ENC_ASCII_HEXMAP) {
            if (n - p < 16)
                return ISO_EV_INVALID_BITMAP + 1;
            for (int i = 0; i < 8; i++) {
                int hi = iso_hexval(d[p + 2 * i]), lo = iso_hexval(d[p + 2 * i + 1]);
                if (hi < 0 || lo < 0)
                    return ISO_EV_INVALID_BITMAP + 1;
                tx->bitmap[b * 8 + i] = (uint8_t)(hi << 4 | lo);
            }
            p += 16;
        } else {
            if (n - p < 8)
                return ISO_EV_INVALID_BITMAP + 1;
            memcpy(tx->bitmap + b * 8, d + p, 8);
            p += 8;
        }
    }
    tx->header_ok = true;
    unsigned last = (tx->bitmap[0] & 0x80) ? 128 : 64;
    for (unsigned f = 2; f <= last; f++) {
        if (!iso_bit(tx->bitmap, f))
            continue;
        const struct iso_fmt *fm = &iso_fmt[f];
        uint32_t clen = fm->max; /* characters (digits, bytes for binary) */
        tx->body_parsed = (uint16_t)p;
        tx->stop_field = (uint8_t)f;
        if (fm->lentype) {
            uint32_t pl = bcd ? (fm->lentype == 2 ? 1 : 2) : fm->lentype;
            if (n - p < pl)
                return ISO_EV_TRUNCATED_FIELD + 1;
            if (bcd) {
                if (!iso_bcd_ok(d + p, pl))
                    return ISO_EV_INVALID_LENGTH + 1;
                clen = 0;
                for (uint32_t i = 0; i < pl; i++)
                    clen = clen * 100 + (uint32_t)(d[p + i] >> 4) * 10 + (d[p + i] & 15);
            } else {
                if (!iso_digits(d + p, pl))
                    return ISO_EV_INVALID_LENGTH + 1;
                clen = iso_num(d + p, pl);
            }
            if (clen > fm->max)
                return ISO_EV_INVALID_LENGTH + 1;
            p += pl;
        }
        uint32_t bytes;
        bool hexout = false, bcdval = false;
        if (fm->type == F_B) {
            /* ASCII: two hexadecimal characters a byte; BCD: raw bytes */
            bytes = bcd ? clen : clen * 2;
            hexout = bcd;
        } else if (bcd && (fm->type == F_N || fm->type == F_Z)) {
            bytes = (clen + 1) / 2;
            bcdval = true;
        } else if (bcd && fm->type == F_XN) {
            bytes = 1 + clen / 2; /* C/D then the digits packed */
        } else {
            bytes = clen;
        }
        if (n - p < bytes)
            return ISO_EV_TRUNCATED_FIELD + 1;
        const uint8_t *v = d + p;
        if (bcd && fm->type == F_XN) {
            uint8_t tmp[20];
            tmp[0] = v[0];
            for (uint32_t i = 0; i + 1 < clen && i < 18; i++) {
                uint8_t nib = (i & 1) ? (v[1 + i / 2] & 15) : (v[1 + i / 2] >> 4);
                tmp[1 + i] = (uint8_t)('0' + (nib < 10 ? nib : 0));
            }
            if (!iso_arena_put(tx, f, tmp, clen < 19 ? clen : 19, false, false, false))
                return 0; /* arena full: the rest is not kept */
        } else if (!iso_arena_put(tx, f, v, bcdval ? clen : bytes, bcdval, true, hexout)) {
            return 0;
        }
        if (fm->type == F_N && !bcd && !iso_digits(v, bytes))
            return ISO_EV_INVALID_FIELD + 1;
        if (bcdval && fm->type == F_N && !iso_bcd_ok(v, bytes))
            return ISO_EV_INVALID_FIELD + 1;
        tx->raw_off[f] = (uint16_t)(v - d);
        tx->raw_len[f] = (uint16_t)bytes;
        p += bytes;
        tx->body_parsed = (uint16_t)p;
        tx->stop_field = 0;
        tx->nfields++;
    }
    return p == n ? 0 : ISO_EV_TRAILING_DATA + 1;
}

static bool iso_get(const struct iso_tx *tx, unsigned f, const uint8_t **v, uint32_t *n)
{
    if (f < 2 || f > 128 || tx->len[f] == 0xffff)
        return false;
    *v = tx->arena + tx->off[f];
    *n = tx->len[f];
    return true;
}

static bool iso_get_str(const struct iso_tx *tx, unsigned f, char *out, size_t cap)
{
    const uint8_t *v;
    uint32_t n;
    if (!iso_get(tx, f, &v, &n) || n + 1 > cap)
        return false;
    memcpy(out, v, n);
    out[n] = '\0';
    return true;
}

/* Takes the PAN out of the card fields: masked in place, its digits
 * hashed. Field 2 gives the PAN; else the track data's (35: up to '=' or
 * 'D'; 45: between 'B' and '^'). */
static void iso_pan(struct iso_tx *tx)
{
    static const unsigned order[] = {2, 35, 45, 34, 36};
    for (size_t k = 0; k < sizeof order / sizeof order[0]; k++) {
        const uint8_t *v;
        uint32_t n;
        if (!iso_get(tx, order[k], &v, &n))
            continue;
        uint32_t s = 0;
        if (order[k] == 45 && n && (v[0] == 'B' || v[0] == 'b'))
            s = 1;
        uint32_t e = s;
        while (e < n && v[e] >= '0' && v[e] <= '9')
            e++;
        uint32_t len = e - s;
        if (tx->pan_hash == 0 && len >= 8 && len <= 19) {
            tx->pan_hash = iso_pan_hash((const char *)v + s, len);
            tx->pan_len = (uint8_t)len;
            memcpy(tx->pan_masked, v + s, len);
            tx->pan_masked[len] = '\0';
            for (uint32_t i = 6; i + 4 < len; i++)
                tx->pan_masked[i] = '*';
            if (len < 11) /* too short to keep six and four: all masked */
                memset(tx->pan_masked, '*', len);
        }
    }
    /* Mask every card-bearing field in the arena (the values rules and the
     * EVE see): the PAN's middle digits; track data after the PAN too. */
    for (size_t k = 0; k < sizeof order / sizeof order[0]; k++) {
        unsigned f = order[k];
        if (!iso_field_has_pan(f) || tx->len[f] == 0xffff)
            continue;
        uint8_t *v = tx->arena + tx->off[f];
        uint32_t n = tx->len[f];
        uint32_t s = (f == 45 && n && (v[0] == 'B' || v[0] == 'b')) ? 1 : 0, e = s;
        while (e < n && v[e] >= '0' && v[e] <= '9')
            e++;
        for (uint32_t i = s + 6; i + 4 < e; i++)
            v[i] = '*';
        if (e - s < 11) /* too short to keep six and four: all masked */
            for (uint32_t i = s; i < e; i++)
                v[i] = '*';
        /* track data after the PAN (expiry, service code, CVV): masked */
        for (uint32_t i = e + 1; f != 2 && f != 34 && i < n; i++)
            if (v[i] != '^')
                v[i] = '*';
    }
}

static bool iso_is_request(const struct iso_tx *tx)
{
    return tx->mti[2] == '0' || tx->mti[2] == '2' || tx->mti[2] == '4';
}

static void iso_pair(struct iso_state *st, struct iso_tx *tx)
{
    char stan[7] = "", term[9] = "";
    if (!iso_get_str(tx, 11, stan, sizeof stan))
        return;
    iso_get_str(tx, 41, term, sizeof term);
    uint64_t now = st->f.ctx->ts_usec;
    if (iso_is_request(tx)) {
        struct iso_pending *p = &st->pending[st->next_pending++ % ISO_PENDING];
        *p = (struct iso_pending){.used = true, .dir = st->f.dir, .tx_id = tx->pdu.base.id,
                                  .ts_usec = now};
        memcpy(p->stan, stan, sizeof stan);
        memcpy(p->terminal, term, sizeof term);
        return;
    }
    for (uint32_t i = 0; i < ISO_PENDING; i++) {
        struct iso_pending *p = &st->pending[i];
        if (p->used && p->dir != st->f.dir && strcmp(p->stan, stan) == 0 &&
            (term[0] == '\0' || p->terminal[0] == '\0' || strcmp(p->terminal, term) == 0)) {
            app_pdu_answer_set(&tx->answer, p->tx_id, p->ts_usec, now);
            p->used = false;
            return;
        }
    }
    iso_event(st, tx, ISO_EV_UNMATCHED_RESPONSE);
}

static int iso_encoding_guess(const uint8_t *d, uint32_t n)
{
    if (n >= 4 && iso_digits(d, 4))
        return ISO_ENC_ASCII;
    /* version 0-2, class 1-9 */
    if (n >= 2 && iso_bcd_ok(d, 2) && (d[0] >> 4) <= 2 && (d[0] & 15) != 0)
        return ISO_ENC_BCD;
    return -1;
}

/* Parses a message body in the configured encoding (0 auto, 1 ascii, 2
 * bcd) or the one it shows; returns iso_parse_body's result. */
static int iso_decode(struct iso_tx *tx, const uint8_t *b, uint32_t n, uint8_t configured)
{
    int enc = configured == 2 ? ISO_ENC_BCD
                              : configured == 1 ? ISO_ENC_ASCII : iso_encoding_guess(b, n);
    int rc;
    if (enc < 0) {
        enc = ISO_ENC_ASCII;
        rc = ISO_EV_INVALID_MTI + 1;
        memset(tx->len, 0xff, sizeof tx->len);
        tx->header_ok = false;
        tx->stop_field = 0;
        tx->body_parsed = 0;
    } else {
        rc = iso_parse_body(tx, b, n, enc);
        if (rc && enc == ISO_ENC_ASCII) {
            /* hexadecimal bitmaps? kept only if they fit better */
            int rc2 = iso_parse_body(tx, b, n, ISO_ENC_ASCII_HEXMAP);
            if (rc2 == 0)
                enc = ISO_ENC_ASCII_HEXMAP, rc = 0;
            else
                rc = iso_parse_body(tx, b, n, ISO_ENC_ASCII);
        }
    }
    tx->encoding = (uint8_t)enc;
    return rc;
}

static bool iso_ranges_message(const struct iso_tx *tx, const uint8_t *b, uint32_t n,
                               bool complete, uint64_t body_at, uint32_t pre,
                               struct iso_rsink *out);

/* A TPDU (5 bytes: 0x60 or 0x68, destination NII, source NII; card
 * terminals put it between a binary length and the MTI) before a message:
 * its length, else 0. n: bytes at hand after the length prefix. */
static uint32_t iso_tpdu(const uint8_t *b, uint32_t n)
{
    if (n < ISO_TPDU + 4 || (b[0] != 0x60 && b[0] != 0x68))
        return 0;
    return iso_encoding_guess(b + ISO_TPDU, 4) >= 0 ? ISO_TPDU : 0;
}

static void iso_message(struct iso_state *st, const uint8_t *d, uint32_t len)
{
    struct iso_tx *tx =
        app_pdu_tx_new(&st->f.q, st->f.ctx, &app_parser_iso8583, sizeof(struct iso_tx), st->f.dir);
    if (!tx)
        return;
    uint32_t pre = (d[0] >= '0' && d[0] <= '9') ? 4 : 2;
    tx->framing = pre == 4 ? ISO8583_FRAMING_ASCII4 : ISO8583_FRAMING_BINARY2;
    const uint8_t *b = d + pre;
    uint32_t n = len - pre;
    tx->msg_len = n;
    uint32_t tp = pre == 2 ? iso_tpdu(b, n) : 0;
    if (tp) {
        tx->has_tpdu = true;
        memcpy(tx->tpdu, b, ISO_TPDU);
        b += tp;
        n -= tp;
        pre += tp;
    }
    int rc = iso_decode(tx, b, n, st->encoding);
    if (tx->encoding == ISO_ENC_BCD)
        st->bcd_seen = true;
    /* where its card data lies, for the outputs (before iso_pan masks
     * the decoded values: the ranges are read from the raw bytes) */
    struct iso_ranges *rg = &st->ranges[st->f.dir & 1];
    struct iso_rsink rs = {.r = rg->r, .n = rg->n, .cap = ISO_RANGES, .ring = true};
    if (iso_ranges_message(tx, b, n, true, st->f.framer[st->f.dir & 1].pdu_offset + pre, pre,
                           &rs))
        st->bin_seen = true;
    rg->n = rs.n;
    if (rc)
        iso_event(st, tx, (enum iso_event)(rc - 1));
    iso_pan(tx);
    const uint8_t *v;
    uint32_t vn;
    if (iso_get(tx, 4, &v, &vn) && vn <= 19 && iso_digits(v, vn)) {
        tx->has_amount = true;
        tx->amount = 0;
        for (uint32_t i = 0; i < vn; i++)
            tx->amount = tx->amount * 10 + (uint64_t)(v[i] - '0');
    }
    if (tx->header_ok)
        iso_pair(st, tx);
    app_pdu_tx_log(&st->f.q, st->f.ctx, &tx->pdu, "iso8583", iso_log_body);
}

/* The length of the message at d (ISO_HDR bytes at hand) with its prefix,
 * or APP_FRAME_INVALID; framing: the configured one, 0 any. */
static int64_t iso_frame_len_with(const uint8_t *d, uint8_t framing)
{
    uint32_t len, pre;
    if (d[0] >= '0' && d[0] <= '9') {
        if (framing == ISO8583_FRAMING_BINARY2 || !iso_digits(d, 4))
            return APP_FRAME_INVALID;
        len = iso_num(d, 4);
        pre = 4;
    } else {
        if (framing == ISO8583_FRAMING_ASCII4)
            return APP_FRAME_INVALID;
        len = app_rd16be(d);
        pre = 2;
    }
    /* the smallest message: a BCD MTI and one bitmap */
    if (len < 10 || len > ISO_MAX_MSG ||
        (iso_encoding_guess(d + pre, 4) < 0 && (pre != 2 || !iso_tpdu(d + pre, len))))
        return APP_FRAME_INVALID;
    return (int64_t)(len + pre);
}

static int64_t iso_frame_len(const uint8_t *d, uint32_t n, void *user)
{
    (void)n;
    return iso_frame_len_with(d, ((const struct iso_state *)user)->framing);
}

static void iso_on_pdu(const uint8_t *d, uint32_t len, void *user)
{
    iso_message(user, d, len);
}

static void iso_on_skip(void *user, bool oversized)
{
    (void)oversized; /* never: a length above ISO_MAX_MSG cannot start a message */
    iso_event(user, NULL, ISO_EV_INVALID_DATA);
}

static const struct app_framer_ops iso_framer_ops = {
    .frame_len = iso_frame_len, .on_pdu = iso_on_pdu, .on_skip = iso_on_skip};

static int iso_parse(void *state, struct app_parse_ctx *ctx, uint8_t direction,
                     const uint8_t *data, uint32_t len, uint32_t flags)
{
    /* the stream offsets of the card data recorded (the framer's
     * pdu_offset): counted here, every byte the parser was given (gaps
     * included) as the TCP session delivered them (stream_seq_offset) */
    struct iso_state *st = state;
    uint64_t saved = ctx->stream_offset;
    ctx->stream_offset = st->fed_end[direction & 1];
    int rc = app_pdu_framed_parse(state, ctx, direction, data, len, flags, &iso_framer_ops);
    ctx->stream_offset = saved;
    st->fed_end[direction & 1] += len;
    return rc;
}

/* The first message must parse whole, every field of its bitmaps, in one
 * of the encodings: a length prefix and four digits alone are too weak. */
static enum app_probe_result iso_probe(const uint8_t *d, uint32_t len, uint8_t direction)
{
    (void)direction;
    if (len < ISO_HDR)
        return APP_PROBE_NEED_MORE;
    uint32_t mlen, pre;
    if (d[0] >= '0' && d[0] <= '9') {
        if (!iso_digits(d, 4))
            return APP_PROBE_NO;
        mlen = iso_num(d, 4);
        pre = 4;
    } else {
        mlen = app_rd16be(d);
        pre = 2;
    }
    uint32_t tp = pre == 2 ? iso_tpdu(d + pre, mlen) : 0;
    if (mlen < 10 || mlen > ISO_MAX_MSG || (iso_encoding_guess(d + pre, 4) < 0 && !tp))
        return APP_PROBE_NO;
    if (len < pre + mlen)
        return pre + mlen > 4096 ? APP_PROBE_NO : APP_PROBE_NEED_MORE;
    pre += tp;
    mlen -= tp;
    static _Thread_local struct iso_tx probe_tx;
    int enc = iso_encoding_guess(d + pre, mlen);
    if (iso_parse_body(&probe_tx, d + pre, mlen, enc) == 0 && probe_tx.nfields >= 2)
        return APP_PROBE_MATCH;
    if (enc == ISO_ENC_ASCII &&
        iso_parse_body(&probe_tx, d + pre, mlen, ISO_ENC_ASCII_HEXMAP) == 0 &&
        probe_tx.nfields >= 2)
        return APP_PROBE_MATCH;
    return APP_PROBE_NO;
}

static void *iso_state_new(struct app_parse_ctx *ctx)
{
    struct iso_state *st =
        app_pdu_framed_new(ctx, sizeof(struct iso_state), ISO_HDR, ISO_MAX_MSG + 4, NULL);
    if (st && ctx->flow) {
        for (uint32_t i = 0; i < iso_ports.n; i++) {
            if (iso_ports.port[i] == ctx->flow->key.dst_port ||
                iso_ports.port[i] == ctx->flow->key.src_port) {
                st->framing = iso_ports.framing[i];
                st->encoding = iso_ports.encoding[i];
            }
        }
    }
    return st;
}

static void iso_state_free(void *state)
{
    app_pdu_framed_free(state, sizeof(struct iso_state));
}

/* ---- EVE ---- */

static const char *iso_class_name(char c)
{
    switch (c) {
    case '1': return "authorization";
    case '2': return "financial";
    case '3': return "file_action";
    case '4': return "reversal";
    case '5': return "reconciliation";
    case '6': return "administrative";
    case '7': return "fee_collection";
    case '8': return "network_management";
    default: return "reserved";
    }
}

static const char *iso_function_name(char c)
{
    switch (c) {
    case '0': return "request";
    case '1': return "request_response";
    case '2': return "advice";
    case '3': return "advice_response";
    case '4': return "notification";
    case '5': return "notification_ack";
    case '6': return "instruction";
    case '7': return "instruction_ack";
    default: return "reserved";
    }
}

static const char *iso_origin_name(char c)
{
    switch (c) {
    case '0': return "acquirer";
    case '1': return "acquirer_repeat";
    case '2': return "issuer";
    case '3': return "issuer_repeat";
    case '4': return "other";
    case '5': return "other_repeat";
    default: return "reserved";
    }
}

static void iso_json_field(struct json_writer *w, const struct iso_tx *tx, const char *key,
                           unsigned f)
{
    const uint8_t *v;
    uint32_t n;
    if (iso_get(tx, f, &v, &n))
        json_key_string_len(w, key, v, n);
}

bool app_iso8583_approved(const char *rc)
{
    return strcmp(rc, "00") == 0 || strcmp(rc, "08") == 0 || strcmp(rc, "10") == 0 ||
           strcmp(rc, "11") == 0 || strcmp(rc, "16") == 0 || strcmp(rc, "85") == 0;
}

static void iso_tx_write_json(const struct app_tx *atx, struct json_writer *w)
{
    const struct iso_tx *tx = (const struct iso_tx *)atx;
    json_key_object_begin(w, "iso8583");
    json_key_string(w, "framing", tx->framing == ISO8583_FRAMING_ASCII4 ? "ascii4" : "binary2");
    json_key_string(w, "encoding", iso_enc_names[tx->encoding]);
    json_key_u64(w, "length", tx->msg_len);
    if (tx->has_tpdu) {
        char nii[5];
        json_key_object_begin(w, "tpdu");
        json_key_u64(w, "id", tx->tpdu[0]);
        snprintf(nii, sizeof nii, "%02x%02x", tx->tpdu[1], tx->tpdu[2]);
        json_key_string(w, "destination", nii);
        snprintf(nii, sizeof nii, "%02x%02x", tx->tpdu[3], tx->tpdu[4]);
        json_key_string(w, "source", nii);
        json_object_end(w);
    }
    if (tx->mti[0]) {
        json_key_string(w, "mti", tx->mti);
        json_key_string(w, "version",
                        tx->mti[0] == '0' ? "1987" : tx->mti[0] == '1' ? "1993"
                                                  : tx->mti[0] == '2' ? "2003" : "other");
        json_key_string(w, "class", iso_class_name(tx->mti[1]));
        json_key_string(w, "function", iso_function_name(tx->mti[2]));
        json_key_string(w, "origin", iso_origin_name(tx->mti[3]));
        json_key_bool(w, "request", iso_is_request(tx));
    }
    if (tx->header_ok) {
        char hex[33];
        unsigned nb = (tx->bitmap[0] & 0x80) ? 16 : 8;
        for (unsigned i = 0; i < nb; i++)
            snprintf(hex + 2 * i, 3, "%02x", tx->bitmap[i]);
        json_key_string(w, "bitmap", hex);
        json_key_array_begin(w, "fields");
        for (unsigned f = 2; f <= 128; f++)
            if (tx->len[f] != 0xffff)
                json_u64(w, f);
        json_array_end(w);
    }
    if (tx->pan_hash)
        json_key_string(w, "pan", tx->pan_masked);
    iso_json_field(w, tx, "processing_code", 3);
    if (tx->has_amount)
        json_key_u64(w, "amount", tx->amount);
    iso_json_field(w, tx, "currency", 49);
    iso_json_field(w, tx, "stan", 11);
    iso_json_field(w, tx, "local_time", 12);
    iso_json_field(w, tx, "local_date", 13);
    iso_json_field(w, tx, "pos_entry_mode", 22);
    iso_json_field(w, tx, "acquirer_id", 32);
    iso_json_field(w, tx, "rrn", 37);
    iso_json_field(w, tx, "auth_code", 38);
    const uint8_t *v;
    uint32_t n;
    if (iso_get(tx, 39, &v, &n)) {
        json_key_string_len(w, "response_code", v, n);
        char rc[3] = {0};
        memcpy(rc, v, n < 2 ? n : 2);
        json_key_bool(w, "approved", app_iso8583_approved(rc));
    }
    iso_json_field(w, tx, "terminal_id", 41);
    iso_json_field(w, tx, "merchant_id", 42);
    iso_json_field(w, tx, "card_acceptor", 43);
    json_key_bool(w, "track2", tx->len[35] != 0xffff);
    app_pdu_write_answers(w, "answers", &tx->answer);
    json_object_end(w);
}

static void iso_log_body(const void *object, struct json_writer *w)
{
    iso_tx_write_json(object, w);
}

static bool iso_tx_has_event(const struct app_tx *tx, const char *name)
{
    return app_pdu_has_event(tx, iso_event_names, ISO_EV_COUNT, name);
}

/* ---- for the detectors and the outputs ---- */

bool app_iso8583_tx_info(const struct app_tx *atx, struct app_iso8583_info *info)
{
    if (!atx || app_tx_proto(atx) != APP_PROTO_ISO8583)
        return false;
    const struct iso_tx *tx = (const struct iso_tx *)atx;
    if (!tx->header_ok)
        return false;
    memset(info, 0, sizeof *info);
    memcpy(info->mti, tx->mti, 5);
    info->request = iso_is_request(tx);
    info->has_amount = tx->has_amount;
    info->amount = tx->amount;
    info->pan_hash = tx->pan_hash;
    memcpy(info->pan_masked, tx->pan_masked, sizeof info->pan_masked);
    iso_get_str(tx, 39, info->response_code, sizeof info->response_code);
    iso_get_str(tx, 41, info->terminal_id, sizeof info->terminal_id);
    iso_get_str(tx, 42, info->merchant_id, sizeof info->merchant_id);
    return true;
}

/* Is the flow one that carries (or may carry) card payments? Detected as
 * ISO 8583, or not (yet) detected as anything on port 8583 or a port
 * configured for ISO 8583: a packet inspected before the receiver's
 * acknowledgement lets the parser see it, or a flow whose first message
 * the probe could not take, must not have its card numbers written. */
static bool iso_flow_may_carry_cards(const struct flow *f)
{
    if (f->app_proto == APP_PROTO_ISO8583 || f->app_proto_orig == APP_PROTO_ISO8583)
        return true;
    if (f->app_proto != APP_PROTO_UNKNOWN && f->app_proto != APP_PROTO_FAILED)
        return false;
    if (f->key.proto != 6)
        return false;
    if (f->key.dst_port == 8583 || f->key.src_port == 8583)
        return true;
    for (uint32_t i = 0; i < iso_ports.n; i++)
        if (iso_ports.port[i] == f->key.dst_port || iso_ports.port[i] == f->key.src_port)
            return true;
    return false;
}

static _Atomic uint64_t iso_redact_dropped;

uint64_t app_iso8583_redact_dropped(void)
{
    return atomic_load_explicit(&iso_redact_dropped, memory_order_relaxed);
}

/* Bytes of the stream at hand for a walk: the framer's buffered bytes of
 * the message being gathered and the output's bytes. */
struct iso_src {
    const uint8_t *fb, *pw;
    uint64_t fb_start, pw_start;
    uint32_t fb_len, pw_len;
};

/* Copies the contiguous bytes at stream offset m (at most want) to out;
 * returns how many there were. */
static uint32_t iso_gather(const struct iso_src *s, uint64_t m, uint32_t want, uint8_t *out)
{
    uint32_t got = 0;
    while (got < want) {
        uint64_t o = m + got;
        const uint8_t *src = NULL;
        uint64_t avail = 0;
        if (s->fb && o >= s->fb_start && o - s->fb_start < s->fb_len) {
            src = s->fb + (o - s->fb_start);
            avail = s->fb_len - (o - s->fb_start);
        } else if (s->pw && o >= s->pw_start && o - s->pw_start < s->pw_len) {
            src = s->pw + (o - s->pw_start);
            avail = s->pw_len - (o - s->pw_start);
        } else {
            break;
        }
        uint32_t k = avail < want - got ? (uint32_t)avail : want - got;
        memcpy(out + got, src, k);
        got += k;
    }
    return got;
}

/* Parses the messages that start at stream offset m, one after the other,
 * from the bytes at hand, and adds their ranges. strict: only whole
 * messages whose every field parses (the bytes' start is a guess, not a
 * boundary the parser knows). */
static void iso_walk(const struct iso_src *s, uint64_t m, uint8_t framing, uint8_t encoding,
                     bool strict, struct iso_rsink *out)
{
    static _Thread_local uint8_t msg[ISO_MAX_MSG + 4];
    static _Thread_local struct iso_tx tx;
    for (int guard = 0; guard < 4096; guard++) {
        uint32_t got = iso_gather(s, m, ISO_HDR, msg);
        if (got < ISO_HDR)
            return;
        int64_t l = iso_frame_len_with(msg, framing);
        if (l == APP_FRAME_INVALID)
            return;
        uint32_t n = iso_gather(s, m, (uint32_t)l, msg);
        bool complete = n == (uint32_t)l;
        if (strict && !complete)
            return;
        uint32_t pre = (msg[0] >= '0' && msg[0] <= '9') ? 4 : 2;
        if (pre == 2)
            pre += iso_tpdu(msg + 2, n - 2);
        int rc = iso_decode(&tx, msg + pre, n - pre, encoding);
        if (strict && (rc || tx.nfields < 2))
            return;
        uint32_t saved = out->n;
        iso_ranges_message(&tx, msg + pre, n - pre, complete, m + pre, pre, out);
        if (out->full) {
            out->n = saved; /* not all its ranges: none, the fallback masks it */
            return;
        }
        if (!complete || rc)
            return;
        m += (uint64_t)l;
    }
}

/* Masks one run of bytes whose content nobody parsed (or free-form
 * data): digit runs that may hold a card number, packed ones too when
 * bcd. */
static void iso_mask_unknown(uint8_t *b, uint32_t n, bool bcd)
{
    iso_mask_digits(b, n, true);
    if (bcd)
        iso_mask_bcd(b, n);
}

#define ISO_LOCAL_RANGES 512u
#define ISO_AHEAD (64u * 1024u) /* stream bytes gathered ahead of the parser */
#define ISO_VBASE (1ull << 40) /* stream offset given to a buffer whose place is not known */

const uint8_t *app_iso8583_redact_at(const struct flow *f, const uint8_t *d, uint32_t len,
                                     const struct app_iso8583_where *where)
{
    if (!f || !d || len == 0 || !iso_flow_may_carry_cards(f))
        return d;
    /* fixed per-thread buffers: nothing to free when a worker ends; a
     * larger buffer (a long reassembled stream) is not written at all */
    static _Thread_local uint8_t buf[ISO_REDACT_MAX], cls[ISO_REDACT_MAX];
    static _Thread_local struct iso_range local[ISO_LOCAL_RANGES];
    if (len > sizeof buf) {
        atomic_fetch_add_explicit(&iso_redact_dropped, 1, memory_order_relaxed);
        return NULL;
    }
    memcpy(buf, d, len);
    const struct iso_state *st = app_flow_parser_state(f, APP_PROTO_ISO8583);
    struct iso_rsink rs = {.r = local, .cap = ISO_LOCAL_RANGES};
    /* the stream's bytes d[at, at + plen) and the stream offset of d[0] */
    uint32_t at = 0, plen = where ? 0 : len;
    uint64_t base = ISO_VBASE;
    bool placed = false;
    if (where && where->at < len && where->len) {
        at = where->at;
        plen = where->len < len - at ? where->len : len - at;
        if (where->offset_known) {
            base = where->offset + ISO_VBASE - at;
            placed = true;
        }
    }
    if (plen) {
        struct iso_src src = {.pw = d + at, .pw_start = base + at, .pw_len = plen};
        uint8_t framing = st ? st->framing : 0, encoding = st ? st->encoding : 0;
        bool walked = false;
        if (placed && st) {
            uint8_t dir = where->direction & 1;
            uint64_t lo = base + at, hi = lo + plen;
            /* what the parser recorded of the messages it read */
            const struct iso_ranges *rg = &st->ranges[dir];
            uint32_t first = rg->n > ISO_RANGES ? rg->n - ISO_RANGES : 0;
            for (uint32_t i = first; i < rg->n && !rs.full; i++) {
                struct iso_range r = rg->r[i % ISO_RANGES];
                r.start += ISO_VBASE;
                if (r.start < hi && r.start + r.len > lo) {
                    if (rs.n < rs.cap)
                        rs.r[rs.n++] = r;
                    else
                        rs.full = true;
                }
            }
            if (rs.full) {
                rs.n = 0; /* too many to place: all to the fallback */
                rs.full = false;
            }
            /* bytes it did not read yet (a packet inspected before the
             * parser saw it): parsed here from the boundary it knows */
            const struct app_framer *fr = &st->f.framer[dir];
            uint64_t fed = st->fed_end[dir] + ISO_VBASE;
            if (!fr->resyncing && !fr->skip && hi > fed - fr->len) {
                /* from the message the framer is gathering: its bytes,
                 * then those the TCP session holds that the parser was
                 * not given yet (IDS: delivered on the receiver's ACK),
                 * then the output's own */
                static _Thread_local uint8_t ahead[ISO_AHEAD];
                uint32_t k = fr->len <= ISO_AHEAD ? fr->len : 0;
                if (k)
                    memcpy(ahead, fr->buf, k);
                uint64_t want = hi <= fed ? 0 : hi - fed < ISO_AHEAD - k ? hi - fed : ISO_AHEAD - k;
                if (k == fr->len)
                    k += stream_peek(f, dir, st->fed_end[dir], ahead + k, (uint32_t)want);
                src.fb = ahead;
                src.fb_start = fed - fr->len;
                src.fb_len = k;
                iso_walk(&src, src.fb_start, framing, encoding, false, &rs);
                walked = true;
            } else if (hi <= fed - fr->len) {
                walked = true; /* read already: the recorded ranges tell */
            }
        }
        if (!walked)
            iso_walk(&src, base + at, framing, encoding, true, &rs);
    }
    /* bytes of no message read: the digit-run fallback (packed digits
     * only where packed or binary data was seen, as ASCII digits are valid
     * packed digits too) */
    bool bcd = !st || st->bcd_seen || st->bin_seen;
    memset(cls, 0, len);
    if (plen && where) { /* headers around the stream's bytes (a packet) hold no card data */
        memset(cls, 1, at);
        memset(cls + at + plen, 1, len - at - plen);
    }
    for (uint32_t i = 0; i < rs.n; i++) {
        const struct iso_range *r = &rs.r[i];
        if (r->kind != ISO_RK_MSG || r->start + r->len <= base)
            continue;
        uint64_t a = r->start > base ? r->start - base : 0, e = r->start + r->len - base;
        for (uint64_t k = a; k < e && k < len; k++)
            cls[k] = 1;
    }
    for (uint32_t i = 0; i < len;) {
        if (cls[i]) {
            i++;
            continue;
        }
        uint32_t s0 = i;
        while (i < len && !cls[i])
            i++;
        iso_mask_unknown(buf + s0, i - s0, bcd);
    }
    for (uint32_t i = 0; i < rs.n; i++) {
        const struct iso_range *r = &rs.r[i];
        if (r->kind == ISO_RK_MSG || r->start + r->len <= base)
            continue;
        uint64_t a = r->start > base ? r->start - base : 0, e = r->start + r->len - base;
        if (a >= len)
            continue;
        uint32_t ua = (uint32_t)a, ue = e < len ? (uint32_t)e : len;
        switch (r->kind) {
        case ISO_RK_CARD_ASCII:
            for (uint32_t k = ua; k < ue; k++)
                if (buf[k] != '^' && buf[k] != '=')
                    buf[k] = '*';
            break;
        case ISO_RK_CARD_BCD: memset(buf + ua, 0xff, ue - ua); break;
        default: iso_mask_unknown(buf + ua, ue - ua, r->kind == ISO_RK_OPAQUE_BIN); break;
        }
    }
    return buf;
}

const uint8_t *app_iso8583_redact(const struct flow *f, const uint8_t *d, uint32_t len)
{
    return app_iso8583_redact_at(f, d, len, NULL);
}

bool app_iso8583_packet_where(const struct flow *f, const struct packet *p, uint32_t at,
                              struct app_iso8583_where *where)
{
    memset(where, 0, sizeof *where);
    if (!p || !p->payload || !p->payload_len)
        return false;
    where->at = at;
    where->len = p->payload_len;
    where->direction = p->flow_direction;
    where->offset_known = f && f->key.proto == 6 &&
                          stream_seq_offset(f, p->flow_direction, p->tcp_seq, &where->offset);
    return true;
}

/* ---- where card data lies (the outputs' redaction) ---- */

/* EMV tags that hold card data: PAN (5A), Track 2 Equivalent Data (57),
 * Track 1 Equivalent Data (56), Track 1/2 Discretionary Data (9F1F,
 * 9F20), Track 2 Data (9F6B). true: characters (56, 9F1F). */
static bool iso_emv_card_tag(uint32_t tag, bool *chars)
{
    *chars = tag == 0x56 || tag == 0x9f1f;
    return tag == 0x5a || tag == 0x57 || tag == 0x56 || tag == 0x9f1f || tag == 0x9f20 ||
           tag == 0x9f6b;
}

/* Walks BER-TLV (ICC data, field 55) and adds a range per card data
 * element: at + scale * (position in v) in the stream (scale 2: the data
 * was hexadecimal characters). false when v is not well-formed TLV. */
static bool iso_emv_walk(const uint8_t *v, uint32_t n, uint64_t at, uint32_t scale, int depth,
                         struct iso_rsink *out)
{
    uint32_t p = 0;
    while (p < n) {
        if (v[p] == 0x00 || v[p] == 0xff) { /* padding between elements */
            p++;
            continue;
        }
        uint8_t t0 = v[p++];
        uint32_t tag = t0;
        if ((t0 & 0x1f) == 0x1f) {
            int k = 0;
            uint8_t b;
            do {
                if (p >= n || ++k > 3)
                    return false;
                b = v[p++];
                tag = tag << 8 | b;
            } while (b & 0x80);
        }
        if (p >= n)
            return false;
        uint32_t l = v[p++];
        if (l & 0x80) {
            uint32_t k = l & 0x7f;
            if (k == 0 || k > 2 || n - p < k)
                return false;
            l = 0;
            while (k--)
                l = l << 8 | v[p++];
        }
        if (l > n - p)
            return false;
        bool chars;
        if ((t0 & 0x20) && depth < 4) {
            if (!iso_emv_walk(v + p, l, at + (uint64_t)scale * p, scale, depth + 1, out))
                return false;
        } else if (iso_emv_card_tag(tag, &chars)) {
            iso_rs_add(out, at + (uint64_t)scale * p, (uint64_t)scale * l,
                       chars || scale == 2 ? ISO_RK_CARD_ASCII : ISO_RK_CARD_BCD);
        }
        p += l;
    }
    return true;
}

static bool iso_printable(const uint8_t *v, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++)
        if (v[i] < 0x20 || v[i] > 0x7e)
            return false;
    return true;
}

/* ICC data (field 55): BER-TLV raw or as hexadecimal characters; what is
 * not well-formed is binary free-form data. */
static void iso_ranges_icc(const uint8_t *v, uint32_t n, uint64_t at, struct iso_rsink *out)
{
    uint32_t saved = out->n;
    bool hex = n && n % 2 == 0 && n <= 2 * 999;
    static _Thread_local uint8_t raw[999];
    for (uint32_t i = 0; hex && i < n; i += 2) {
        int hi = iso_hexval(v[i]), lo = iso_hexval(v[i + 1]);
        if (hi < 0 || lo < 0)
            hex = false;
        else
            raw[i / 2] = (uint8_t)(hi << 4 | lo);
    }
    if (hex && iso_emv_walk(raw, n / 2, at, 2, 0, out) && !out->full)
        return;
    out->n = saved;
    out->full = false;
    if (iso_emv_walk(v, n, at, 1, 0, out) && !out->full)
        return;
    out->n = saved;
    out->full = false;
    iso_rs_add(out, at, n, ISO_RK_OPAQUE_BIN);
}

/* The ranges of one message whose body (after the length prefix of pre
 * bytes) is b, n bytes of it at hand (complete: all of it), at stream
 * offset body_at. Returns true when it carries binary free-form data (ICC
 * data and the like). */
static bool iso_ranges_message(const struct iso_tx *tx, const uint8_t *b, uint32_t n,
                               bool complete, uint64_t body_at, uint32_t pre,
                               struct iso_rsink *out)
{
    if (!tx->header_ok)
        return false; /* nothing known: the fallback masks it all */
    bool bin = false, bcd = tx->encoding == ISO_ENC_BCD;
    uint64_t covered = tx->body_parsed;
    /* a message cut by the end of the bytes at hand: the field being read
     * is masked as binary free-form data */
    bool cut = !complete && tx->stop_field;
    if (cut)
        covered = n;
    iso_rs_add(out, body_at - pre, pre + covered, ISO_RK_MSG);
    if (cut) {
        /* the field being read when the bytes ran out: card data (ICC data
         * included) masked whole, anything else as binary free-form data */
        unsigned f = tx->stop_field;
        bool card = iso_field_has_pan(f) || f == 55;
        iso_rs_add(out, body_at + tx->body_parsed, n - tx->body_parsed,
                   !card ? ISO_RK_OPAQUE_BIN : bcd || f == 55 ? ISO_RK_CARD_BCD
                                                             : ISO_RK_CARD_ASCII);
    }
    for (unsigned f = 2; f <= 128; f++) {
        if (tx->len[f] == 0xffff || f == tx->stop_field)
            continue;
        const uint8_t *v = b + tx->raw_off[f];
        uint32_t vn = tx->raw_len[f];
        uint64_t at = body_at + tx->raw_off[f];
        const struct iso_fmt *fm = &iso_fmt[f];
        if (f == 2 || f == 35) {
            iso_rs_add(out, at, vn, bcd ? ISO_RK_CARD_BCD : ISO_RK_CARD_ASCII);
        } else if (f == 34 || f == 36 || f == 45) {
            iso_rs_add(out, at, vn, ISO_RK_CARD_ASCII);
        } else if (f == 55) {
            iso_ranges_icc(v, vn, at, out);
            bin = true;
        } else if (fm->lentype && fm->type != F_N) {
            /* free-form (private, additional data, account ids): may
             * hold anything, a card number too */
            bool binary = bcd || !iso_printable(v, vn);
            iso_rs_add(out, at, vn, binary ? ISO_RK_OPAQUE_BIN : ISO_RK_OPAQUE);
            bin |= binary;
        }
    }
    return bin;
}

/* ---- rule keywords ---- */

static int iso_out(const struct iso_tx *tx, unsigned f, uint32_t index, const uint8_t **data,
                   uint32_t *len)
{
    if (index || !iso_get(tx, f, data, len))
        return -ENOENT;
    return 0;
}

static int iso_tx_get_buffer(const struct app_tx *atx, enum app_buffer buffer, uint32_t index,
                             const uint8_t **data, uint32_t *len)
{
    const struct iso_tx *tx = (const struct iso_tx *)atx;
    switch (buffer) {
    case APP_BUFFER_ISO8583_MTI:
        if (index || !tx->header_ok)
            return -ENOENT;
        *data = (const uint8_t *)tx->mti;
        *len = 4;
        return 0;
    case APP_BUFFER_ISO8583_PAN:
        if (index || !tx->pan_hash)
            return -ENOENT;
        *data = (const uint8_t *)tx->pan_masked;
        *len = tx->pan_len;
        return 0;
    case APP_BUFFER_ISO8583_PROCESSING_CODE: return iso_out(tx, 3, index, data, len);
    case APP_BUFFER_ISO8583_RESPONSE_CODE: return iso_out(tx, 39, index, data, len);
    case APP_BUFFER_ISO8583_TERMINAL_ID: return iso_out(tx, 41, index, data, len);
    case APP_BUFFER_ISO8583_MERCHANT_ID: return iso_out(tx, 42, index, data, len);
    case APP_BUFFER_ISO8583_FIELD: {
        /* every field in turn (prefiltering) */
        uint32_t k = 0;
        for (unsigned f = 2; f <= 128; f++)
            if (tx->len[f] != 0xffff && k++ == index)
                return iso_out(tx, f, 0, data, len);
        return -ENOENT;
    }
    default: return -ENOENT;
    }
}

static int iso_tx_get_buffer_arg(const struct app_tx *atx, enum app_buffer buffer, uint32_t arg,
                                 uint32_t index, const uint8_t **data, uint32_t *len)
{
    if (buffer != APP_BUFFER_ISO8583_FIELD || arg > 128)
        return -ENOENT;
    return iso_out((const struct iso_tx *)atx, arg, index, data, len);
}

enum { ISO_F_MTI, ISO_F_AMOUNT, ISO_F_REQUEST, ISO_F_FIELDS, ISO_F_COUNT };

static const struct app_uint_field iso_fields[ISO_F_COUNT] = {
    [ISO_F_MTI] = {"iso8583.mti_code", 3, 9999, NULL, false},
    [ISO_F_AMOUNT] = {"iso8583.amount", 3, UINT64_MAX, NULL, false},
    [ISO_F_REQUEST] = {"iso8583.request", 3, 1, NULL, false},
    [ISO_F_FIELDS] = {"iso8583.field_count", 3, 128, NULL, false},
};

static int iso_tx_get_uint(const struct app_tx *atx, uint16_t field, uint32_t index,
                           uint64_t *value, const char **name)
{
    (void)name;
    const struct iso_tx *tx = (const struct iso_tx *)atx;
    if (index || !tx->header_ok)
        return -ENOENT;
    switch (field) {
    case ISO_F_MTI: *value = (uint64_t)atoi(tx->mti); return 0;
    case ISO_F_AMOUNT:
        if (!tx->has_amount)
            return -ENOENT;
        *value = tx->amount;
        return 0;
    case ISO_F_REQUEST: *value = iso_is_request(tx); return 0;
    case ISO_F_FIELDS: *value = tx->nfields; return 0;
    default: return -ENOENT;
    }
}

const struct app_parser app_parser_iso8583 = {
    .vigil_only = true,
    .proto = APP_PROTO_ISO8583,
    .name = "iso8583",
    .ipprotos = APP_IPPROTO_TCP,
    .ports = {8583},
    .probe = iso_probe,
    .state_new = iso_state_new,
    .state_free = iso_state_free,
    .parse = iso_parse,
    .tx_foreach = app_pdu_framed_foreach,
    .tx_complete = app_pdu_tx_complete,
    .tx_get_buffer = iso_tx_get_buffer,
    .tx_get_buffer_arg = iso_tx_get_buffer_arg,
    .tx_write_json = iso_tx_write_json,
    .tx_has_event = iso_tx_has_event,
    .events_on_packet = true,
    .event_names = iso_event_names,
    .tx_direction = app_pdu_tx_direction,
    .uint_fields = iso_fields,
    .n_uint_fields = ISO_F_COUNT,
    .tx_get_field_uint = iso_tx_get_uint,
};
