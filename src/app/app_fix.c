/* SPDX-License-Identifier: Apache-2.0 */
/* FIX (Financial Information eXchange) 4.0 to 5.0 SP2 and FIXT 1.1,
 * tag=value encoding over TCP (issue 15).
 *
 * A message is `8=<BeginString> SOH 9=<BodyLength> SOH <body> 10=<CheckSum>
 * SOH`; BodyLength counts the bytes from the field after BodyLength up to
 * and including the SOH before `10=`, CheckSum is the sum of every byte
 * before `10=` modulo 256, written with three digits. Messages are found
 * by content on any TCP port (a stream that starts with `8=FIX`); framing
 * follows BodyLength and, when BodyLength is wrong, the trailer
 * (`SOH 10=nnn SOH`), so one bad length costs one event, not the session.
 * Raw data fields (RawData, XmlData, Signature, the Encoded* fields) take
 * their length from the length field before them, so a SOH inside them does
 * not split the field.
 *
 * One transaction and one EVE "fix" event per message, in the direction it
 * travelled (vigil's shape, docs/app-layer.md). The session of each
 * direction (the sender's) is followed: expected MsgSeqNum, SenderCompID
 * and TargetCompID, Logon/Logout. Anomaly events: sequence gaps, numbers
 * lower than expected without PossDupFlag, resets (SequenceReset-Reset,
 * ResetSeqNumFlag), a SenderCompID or TargetCompID changing within a TCP
 * session, checksum and body-length errors, header fields out of order,
 * malformed fields, bytes that are not FIX. The fraud detector (gid 7302,
 * docs/app-layer.md) alerts on gaps, resets and low sequence numbers outside
 * a Logon, and on a new SenderCompID on a known session.
 *
 * Rule keywords: fix.msgtype, fix.sender, fix.target, fix.begin_string
 * (sticky buffers), fix.tag:N (the value of every tag N of the message),
 * fix.seqnum (integer). Limits: a message is at most FIX_MAX_MSG bytes
 * (longer ones are skipped with message_too_large); at most FIX_MAX_FIELDS
 * fields are indexed for fix.tag. Messages of up to FIX_INLINE bytes and
 * FIX_INLINE_FIELDS fields are kept in the transaction itself, so a steady
 * stream of them allocates nothing. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "app/app_buffer.h"
#include "app/app_parser.h"
#include "app/app_pdu.h"
#include "app/app_txlist.h"
#include "util/json.h"

#define FIX_SOH 0x01
#define FIX_MAX_MSG (256u * 1024u)
#define FIX_MAX_FIELDS 4096u
#define FIX_INLINE 1024u
#define FIX_INLINE_FIELDS 64u
#define FIX_COMPID_MAX 64u
#define FIX_HEADER_MAX 48u /* "8=FIXT.1.1|9=1234567|": longer is not a header */
#define FIX_GID 7302u

enum fix_event {
    FIX_EV_INVALID_DATA = 0,   /* bytes that cannot start a message */
    FIX_EV_BODY_LENGTH_MISMATCH,
    FIX_EV_CHECKSUM_MISMATCH,
    FIX_EV_INVALID_CHECKSUM,   /* CheckSum not three digits */
    FIX_EV_HEADER_ORDER,       /* 8, 9, 35 not the first three fields */
    FIX_EV_MISSING_FIELD,      /* MsgType, SenderCompID, TargetCompID or MsgSeqNum absent */
    FIX_EV_MALFORMED_FIELD,    /* a field without tag=value form */
    FIX_EV_MESSAGE_TOO_LARGE,
    FIX_EV_SEQ_GAP,
    FIX_EV_SEQ_TOO_LOW,
    FIX_EV_SEQ_RESET,
    FIX_EV_SENDER_CHANGED,
    FIX_EV_TARGET_CHANGED,
    FIX_EV_UNKNOWN_BEGIN_STRING, /* FIX-style framing of another protocol (8=O, FIXCOMP) */
    FIX_EV_TOO_MANY_TX,
    FIX_EV_COUNT,
};
static const char *const fix_event_names[FIX_EV_COUNT + 1] = {
    "invalid_data",     "body_length_mismatch", "checksum_mismatch",   "invalid_checksum",
    "header_order",     "missing_field",        "malformed_field",     "message_too_large",
    "seq_gap",          "seq_too_low",          "seq_reset",           "sender_changed",
    "target_changed",   "unknown_begin_string", "too_many_transactions",
};

struct fix_field {
    uint32_t tag;
    uint32_t off, len; /* value, in the message copy */
};

struct fix_str {
    uint32_t off, len; /* in the message copy; len 0: absent */
    bool present;
};

struct fix_tx {
    struct app_pdu_tx pdu;
    const uint8_t *msg; /* the message: inline_msg or heap */
    uint32_t msg_len;
    struct fix_field *fields; /* inline_fields or heap */
    uint32_t nfields;
    bool heap_msg, heap_fields;
    struct fix_str begin_string, msg_type, sender, target, sending_time, text, test_req_id,
        appl_ver_id, default_appl_ver_id, username;
    bool has_body_length, has_seq, has_checksum, has_new_seq, has_heartbeat;
    bool poss_dup, poss_resend, reset_flag, gap_fill;
    uint32_t body_length;
    uint64_t seq, new_seq;
    uint32_t checksum, checksum_computed;
    uint32_t heartbeat;
    uint64_t expected_seq; /* the session's expected MsgSeqNum before this message (0: unknown) */
    uint8_t inline_msg[FIX_INLINE];
    struct fix_field inline_fields[FIX_INLINE_FIELDS];
};

/* The session as one direction's sender sees it. */
struct fix_side {
    uint64_t next_seq; /* 0: unknown */
    bool logged_on;
    uint8_t sender_len, target_len;
    char sender[FIX_COMPID_MAX], target[FIX_COMPID_MAX];
    bool sender_known, target_known;
    uint8_t alerted; /* detector sids raised for this direction (bit sid) */
};

struct fix_state {
    struct app_pdu_queue q;
    struct app_msgbuf buf[2];
    struct fix_side side[2];
    uint32_t flow_events;
    bool garbage_run[2]; /* inside a run of bytes that are not FIX */
    struct app_parse_ctx *ctx;
    uint8_t dir;
};

static void fix_event(struct fix_state *st, struct fix_tx *tx, enum fix_event e)
{
    app_pdu_event(st->ctx, APP_PROTO_FIX, tx ? &tx->pdu : NULL, tx ? NULL : &st->flow_events,
                  fix_event_names, e);
}

static void fix_log_body(const void *object, struct json_writer *w);

/* ---- the fraud detector (gid 7302) ---- */

enum fix_sid {
    FIX_SID_SEQ_GAP = 1,
    FIX_SID_SEQ_RESET = 2,
    FIX_SID_SEQ_TOO_LOW = 3,
    FIX_SID_NEW_SENDER = 4,
};

static void fix_alert(struct fix_state *st, struct fix_tx *tx, enum fix_sid sid, const char *sig)
{
    static const char *const md[] = {"detector", "fix-session", NULL};
    /* Once per sid and direction of a TCP session: the events of every
     * message stay on its transaction. */
    uint8_t *done = &st->side[st->dir].alerted;
    if (*done & (1u << sid))
        return;
    *done |= (uint8_t)(1u << sid);
    struct builtin_alert a = {
        .gid = FIX_GID,
        .sid = sid,
        .rev = 1,
        .signature = sig,
        .category = "Potentially Bad Traffic",
        .severity = 2,
        .direction = st->dir,
        .metadata = md,
        .tx = &tx->pdu.base,
        .tx_id = tx->pdu.base.id,
    };
    app_parser_alert(st->ctx, &a);
}

/* ---- message parsing ---- */

static bool fix_is(const struct fix_tx *tx, const struct fix_str *s, const char *v)
{
    size_t n = strlen(v);
    return s->present && s->len == n && memcmp(tx->msg + s->off, v, n) == 0;
}

static bool fix_parse_uint(const uint8_t *p, uint32_t n, uint64_t *v)
{
    if (n == 0 || n > 19)
        return false;
    uint64_t x = 0;
    for (uint32_t i = 0; i < n; i++) {
        if (p[i] < '0' || p[i] > '9')
            return false;
        x = x * 10 + (uint64_t)(p[i] - '0');
    }
    *v = x;
    return true;
}

/* The data field whose length the field `tag` gives (FIX's Length/data
 * pairs), or 0. */
static uint32_t fix_data_tag_of(uint32_t tag)
{
    switch (tag) {
    case 90: return 91;   /* SecureDataLen / SecureData */
    case 93: return 89;   /* SignatureLength / Signature */
    case 95: return 96;   /* RawDataLength / RawData */
    case 212: return 213; /* XmlDataLen / XmlData */
    case 348: case 350: case 352: case 354: case 356: case 358: case 360: case 362: case 364:
    case 445: case 618: case 621:
        return tag + 1;   /* Encoded* */
    default: return 0;
    }
}

static void fix_str_set(struct fix_str *s, uint32_t off, uint32_t len)
{
    s->present = true;
    s->off = off;
    s->len = len;
}

/* Splits the message (copied in tx->msg) into fields and reads those of
 * the standard header and trailer and of the session messages. */
static void fix_fields(struct fix_state *st, struct fix_tx *tx, struct app_parse_ctx *ctx)
{
    const uint8_t *m = tx->msg;
    uint32_t n = tx->msg_len, off = 0, cap = FIX_INLINE_FIELDS, idx = 0;
    uint64_t data_len = 0;
    uint32_t data_tag = 0;
    bool malformed = false;
    tx->fields = tx->inline_fields;
    while (off < n) {
        uint32_t t0 = off;
        uint64_t tag = 0;
        while (off < n && m[off] >= '0' && m[off] <= '9' && off - t0 < 10)
            tag = tag * 10 + (uint64_t)(m[off++] - '0');
        if (off == t0 || off >= n || m[off] != '=' || tag == 0 || tag > UINT32_MAX) {
            malformed = true;
            /* Skip to the next SOH. */
            while (off < n && m[off] != FIX_SOH)
                off++;
            off++;
            data_tag = 0;
            continue;
        }
        off++; /* '=' */
        uint32_t v0 = off, vlen;
        if (data_tag && tag == data_tag && data_len <= n - v0) {
            vlen = (uint32_t)data_len;
            off = v0 + vlen;
            if (off < n && m[off] != FIX_SOH) {
                /* The length was wrong: fall back to the SOH. */
                malformed = true;
                while (off < n && m[off] != FIX_SOH)
                    off++;
                vlen = off - v0;
            }
        } else {
            while (off < n && m[off] != FIX_SOH)
                off++;
            vlen = off - v0;
        }
        off++; /* SOH (or past the end) */
        uint32_t dt = fix_data_tag_of((uint32_t)tag);
        data_tag = 0;
        if (dt && fix_parse_uint(m + v0, vlen, &data_len))
            data_tag = dt;
        /* Index the field. */
        if (tx->nfields < FIX_MAX_FIELDS) {
            if (tx->nfields == cap) {
                uint32_t ncap = cap * 4 > FIX_MAX_FIELDS ? FIX_MAX_FIELDS : cap * 4;
                size_t sz = (size_t)ncap * sizeof(struct fix_field);
                struct fix_field *nf = NULL;
                if (app_pdu_tx_reserve(&st->q, &tx->pdu, sz - (tx->heap_fields ? (size_t)cap * sizeof(*nf) : 0)))
                    nf = malloc(sz);
                if (nf) {
                    memcpy(nf, tx->fields, (size_t)tx->nfields * sizeof(*nf));
                    if (tx->heap_fields)
                        free(tx->fields);
                    tx->fields = nf;
                    tx->heap_fields = true;
                    cap = ncap;
                }
            }
            if (tx->nfields < cap)
                tx->fields[tx->nfields++] = (struct fix_field){(uint32_t)tag, v0, vlen};
        }
        idx++;
        /* Header order: BeginString, BodyLength, MsgType first. */
        if ((idx == 1 && tag != 8) || (idx == 2 && tag != 9) || (idx == 3 && tag != 35))
            fix_event(st, tx, FIX_EV_HEADER_ORDER);
        uint64_t v;
        switch (tag) {
        case 8: if (!tx->begin_string.present) fix_str_set(&tx->begin_string, v0, vlen); break;
        case 9:
            if (!tx->has_body_length && fix_parse_uint(m + v0, vlen, &v) && v <= UINT32_MAX) {
                tx->has_body_length = true;
                tx->body_length = (uint32_t)v;
            }
            break;
        case 35: if (!tx->msg_type.present) fix_str_set(&tx->msg_type, v0, vlen); break;
        case 49: if (!tx->sender.present) fix_str_set(&tx->sender, v0, vlen); break;
        case 56: if (!tx->target.present) fix_str_set(&tx->target, v0, vlen); break;
        case 52: if (!tx->sending_time.present) fix_str_set(&tx->sending_time, v0, vlen); break;
        case 58: if (!tx->text.present) fix_str_set(&tx->text, v0, vlen); break;
        case 112: if (!tx->test_req_id.present) fix_str_set(&tx->test_req_id, v0, vlen); break;
        case 553: if (!tx->username.present) fix_str_set(&tx->username, v0, vlen); break;
        case 1128: if (!tx->appl_ver_id.present) fix_str_set(&tx->appl_ver_id, v0, vlen); break;
        case 1137:
            if (!tx->default_appl_ver_id.present)
                fix_str_set(&tx->default_appl_ver_id, v0, vlen);
            break;
        case 34:
            if (!tx->has_seq && fix_parse_uint(m + v0, vlen, &v)) {
                tx->has_seq = true;
                tx->seq = v;
            } else if (!tx->has_seq) {
                malformed = true;
            }
            break;
        case 36:
            if (!tx->has_new_seq && fix_parse_uint(m + v0, vlen, &v)) {
                tx->has_new_seq = true;
                tx->new_seq = v;
            }
            break;
        case 108:
            if (!tx->has_heartbeat && fix_parse_uint(m + v0, vlen, &v) && v <= UINT32_MAX) {
                tx->has_heartbeat = true;
                tx->heartbeat = (uint32_t)v;
            }
            break;
        case 43: tx->poss_dup = vlen == 1 && m[v0] == 'Y'; break;
        case 97: tx->poss_resend = vlen == 1 && m[v0] == 'Y'; break;
        case 141: tx->reset_flag = vlen == 1 && m[v0] == 'Y'; break;
        case 123: tx->gap_fill = vlen == 1 && m[v0] == 'Y'; break;
        case 10:
            if (vlen == 3 && fix_parse_uint(m + v0, vlen, &v)) {
                tx->has_checksum = true;
                tx->checksum = (uint32_t)v;
            } else {
                fix_event(st, tx, FIX_EV_INVALID_CHECKSUM);
            }
            break;
        default: break;
        }
    }
    (void)ctx;
    if (malformed)
        fix_event(st, tx, FIX_EV_MALFORMED_FIELD);
}

static void fix_remember(char *dst, uint8_t *dlen, bool *known, const uint8_t *v, uint32_t n)
{
    if (n > FIX_COMPID_MAX)
        n = FIX_COMPID_MAX;
    memcpy(dst, v, n);
    *dlen = (uint8_t)n;
    *known = true;
}

static bool fix_same(const char *a, uint8_t alen, const uint8_t *v, uint32_t n)
{
    if (n > FIX_COMPID_MAX)
        n = FIX_COMPID_MAX;
    return alen == n && memcmp(a, v, n) == 0;
}

/* Follows the sender's session: sequence numbers, CompIDs, logon state. */
static void fix_session(struct fix_state *st, struct fix_tx *tx)
{
    struct fix_side *s = &st->side[st->dir];
    bool logon = fix_is(tx, &tx->msg_type, "A");
    bool logout = fix_is(tx, &tx->msg_type, "5");
    bool seq_reset = fix_is(tx, &tx->msg_type, "4");
    /* CompIDs: a change within the TCP session. */
    if (tx->sender.present) {
        const uint8_t *v = tx->msg + tx->sender.off;
        if (!s->sender_known) {
            fix_remember(s->sender, &s->sender_len, &s->sender_known, v, tx->sender.len);
        } else if (!fix_same(s->sender, s->sender_len, v, tx->sender.len)) {
            fix_event(st, tx, FIX_EV_SENDER_CHANGED);
            fix_alert(st, tx, FIX_SID_NEW_SENDER, "VIGIL FIX new SenderCompID on a known session");
            fix_remember(s->sender, &s->sender_len, &s->sender_known, v, tx->sender.len);
        }
    }
    if (tx->target.present) {
        const uint8_t *v = tx->msg + tx->target.off;
        if (!s->target_known) {
            fix_remember(s->target, &s->target_len, &s->target_known, v, tx->target.len);
        } else if (!fix_same(s->target, s->target_len, v, tx->target.len)) {
            fix_event(st, tx, FIX_EV_TARGET_CHANGED);
            fix_remember(s->target, &s->target_len, &s->target_known, v, tx->target.len);
        }
    }
    tx->expected_seq = s->next_seq;
    if (logon)
        s->logged_on = true;
    if (tx->reset_flag) {
        /* ResetSeqNumFlag: both sides start again at 1; expected on a
         * Logon, a reset anywhere else. */
        fix_event(st, tx, FIX_EV_SEQ_RESET);
        if (!logon)
            fix_alert(st, tx, FIX_SID_SEQ_RESET,
                      "VIGIL FIX sequence number reset outside a Logon");
        s->next_seq = tx->has_seq ? tx->seq + 1 : 0;
        st->side[st->dir ^ 1].next_seq = 0;
    } else if (tx->has_seq) {
        if (s->next_seq && tx->seq > s->next_seq) {
            fix_event(st, tx, FIX_EV_SEQ_GAP);
            if (!logon)
                fix_alert(st, tx, FIX_SID_SEQ_GAP,
                          "VIGIL FIX message sequence gap outside a Logon");
        } else if (s->next_seq && tx->seq < s->next_seq && !tx->poss_dup && !seq_reset &&
                   !(logon && tx->seq == 1)) {
            /* (A Logon at 1 starts a new session on the connection.) */
            fix_event(st, tx, FIX_EV_SEQ_TOO_LOW);
            if (!logon)
                fix_alert(st, tx, FIX_SID_SEQ_TOO_LOW,
                          "VIGIL FIX MsgSeqNum lower than expected without PossDupFlag");
        }
        if (!s->next_seq || tx->seq + 1 > s->next_seq || (logon && !tx->poss_dup))
            s->next_seq = tx->seq + 1;
    }
    if (seq_reset && tx->has_new_seq) {
        if (!tx->gap_fill) {
            /* SequenceReset-Reset: the administrative reset of the
             * sequence, outside any Logon. */
            fix_event(st, tx, FIX_EV_SEQ_RESET);
            fix_alert(st, tx, FIX_SID_SEQ_RESET,
                      "VIGIL FIX sequence number reset outside a Logon");
        }
        s->next_seq = tx->new_seq;
    }
    if (logout)
        s->logged_on = false;
}

static void fix_message(struct fix_state *st, const uint8_t *d, uint32_t len, uint32_t trailer,
                        bool length_ok)
{
    struct fix_tx *tx =
        app_pdu_tx_new(&st->q, st->ctx, &app_parser_fix, sizeof(struct fix_tx), st->dir);
    if (!tx)
        return;
    if (len <= FIX_INLINE) {
        memcpy(tx->inline_msg, d, len);
        tx->msg = tx->inline_msg;
    } else {
        uint8_t *c = NULL;
        if (app_pdu_tx_reserve(&st->q, &tx->pdu, len))
            c = malloc(len);
        if (!c) {
            /* Out of memory: log what fits. */
            len = FIX_INLINE;
            memcpy(tx->inline_msg, d, len);
            tx->msg = tx->inline_msg;
        } else {
            memcpy(c, d, len);
            tx->msg = c;
            tx->heap_msg = true;
        }
    }
    tx->msg_len = len;
    fix_fields(st, tx, st->ctx);
    if (!length_ok)
        fix_event(st, tx, FIX_EV_BODY_LENGTH_MISMATCH);
    uint32_t sum = 0;
    for (uint32_t i = 0; i < trailer && i < len; i++)
        sum += d[i];
    tx->checksum_computed = sum & 0xff;
    if (tx->has_checksum && tx->checksum != tx->checksum_computed)
        fix_event(st, tx, FIX_EV_CHECKSUM_MISMATCH);
    if (!tx->msg_type.present || !tx->sender.present || !tx->target.present || !tx->has_seq)
        fix_event(st, tx, FIX_EV_MISSING_FIELD);
    fix_session(st, tx);
    app_pdu_tx_log(&st->q, st->ctx, &tx->pdu, "fix", fix_log_body);
}

/* ---- framing ---- */

/* Offset of the next possible message start ("8=") at or after `from`, or
 * of a trailing '8', or n. */
static uint32_t fix_next_start(const uint8_t *p, uint32_t n, uint32_t from)
{
    for (uint32_t i = from; i < n; i++)
        if (p[i] == '8' && (i + 1 == n || p[i + 1] == '='))
            return i;
    return n;
}

/* A BeginString of FIX: "FIX.x.y" or "FIXT.x.y" (not FIXCOMP, whose body
 * is compressed). */
static bool fix_begin_string_ok(const uint8_t *v, uint32_t n)
{
    return (n >= 4 && memcmp(v, "FIX.", 4) == 0) || (n >= 5 && memcmp(v, "FIXT.", 5) == 0);
}

/* Finds the trailer "SOH 10=ddd SOH" whose "10=" starts at or after from:
 * the offset of "10=", or UINT32_MAX. */
static uint32_t fix_find_trailer(const uint8_t *p, uint32_t n, uint32_t from)
{
    for (uint32_t i = from ? from : 1; i + 7 <= n; i++) {
        if (p[i] == '1' && p[i + 1] == '0' && p[i + 2] == '=' && p[i - 1] == FIX_SOH &&
            p[i + 6] == FIX_SOH)
            return i;
    }
    return UINT32_MAX;
}

/* Parses the header "8=...SOH9=nnnSOH" at p: 1 with the offset after it,
 * the body length and the BeginString's length, 0 when more bytes are
 * needed, -1 when this is no header. */
static int fix_header(const uint8_t *p, uint32_t n, uint32_t *body_off, uint64_t *body_len,
                      uint32_t *bs_len)
{
    if (n < 2)
        return 0;
    if (p[0] != '8' || p[1] != '=')
        return -1;
    uint32_t i = 2;
    while (i < n && p[i] > 0x20 && p[i] < 0x7f && i < FIX_HEADER_MAX)
        i++;
    if (i >= n)
        return n >= FIX_HEADER_MAX ? -1 : 0;
    if (p[i] != FIX_SOH || i == 2)
        return -1;
    *bs_len = i - 2;
    i++;
    if (n - i < 2)
        return 0;
    if (p[i] != '9' || p[i + 1] != '=')
        return -1;
    i += 2;
    uint32_t d0 = i;
    while (i < n && p[i] >= '0' && p[i] <= '9' && i - d0 < 10)
        i++;
    if (i >= n)
        return i - d0 >= 10 ? -1 : 0;
    if (p[i] != FIX_SOH || i == d0)
        return -1;
    uint64_t v = 0;
    for (uint32_t k = d0; k < i; k++)
        v = v * 10 + (uint64_t)(p[k] - '0');
    *body_off = i + 1;
    *body_len = v;
    return 1;
}

static uint32_t fix_consume(void *user, const uint8_t *p, uint32_t n)
{
    struct fix_state *st = user;
    uint32_t off = 0;
    while (off < n) {
        const uint8_t *m = p + off;
        uint32_t left = n - off;
        uint32_t body_off, bs_len;
        uint64_t body_len;
        int h = fix_header(m, left, &body_off, &body_len, &bs_len);
        if (h == 0)
            break;
        if (h < 0) {
            if (!st->garbage_run[st->dir]) {
                st->garbage_run[st->dir] = true;
                fix_event(st, NULL, FIX_EV_INVALID_DATA);
            }
            off = fix_next_start(p, n, off + 1);
            continue;
        }
        st->garbage_run[st->dir] = false;
        if (!fix_begin_string_ok(m + 2, bs_len)) {
            /* The framing of FIX around something else: skipped by its
             * BodyLength (no trailer follows). */
            fix_event(st, NULL, FIX_EV_UNKNOWN_BEGIN_STRING);
            uint64_t total = (uint64_t)body_off + body_len;
            if (total > FIX_MAX_MSG) {
                fix_event(st, NULL, FIX_EV_MESSAGE_TOO_LARGE);
                off = fix_next_start(p, n, off + 1);
                continue;
            }
            if (total > left)
                break;
            off += (uint32_t)total;
            continue;
        }
        uint64_t declared = (uint64_t)body_off + body_len; /* where "10=" should be */
        bool length_ok = false;
        uint32_t trailer = UINT32_MAX;
        if (declared + 7 <= left) {
            uint32_t t = (uint32_t)declared;
            if (body_len > 0 && m[t - 1] == FIX_SOH && m[t] == '1' && m[t + 1] == '0' &&
                m[t + 2] == '=' && m[t + 6] == FIX_SOH) {
                trailer = t;
                length_ok = true;
            }
        }
        if (trailer == UINT32_MAX) {
            /* Wrong BodyLength, or the message is not all here yet: a
             * trailer before the declared end ends the message. */
            uint32_t lim = declared + 7 <= left ? (uint32_t)declared + 7 : left;
            uint32_t t = fix_find_trailer(m, lim, body_off);
            if (t == UINT32_MAX && declared + 7 <= left)
                t = fix_find_trailer(m, left, body_off);
            if (t != UINT32_MAX) {
                trailer = t;
            } else if (left >= FIX_MAX_MSG) {
                /* No end in sight within the limit: skip this start. */
                fix_event(st, NULL, FIX_EV_MESSAGE_TOO_LARGE);
                off = fix_next_start(p, n, off + 1);
                continue;
            } else {
                break; /* need more */
            }
        }
        uint32_t mlen = trailer + 7;
        if (mlen > FIX_MAX_MSG) {
            fix_event(st, NULL, FIX_EV_MESSAGE_TOO_LARGE);
            off += mlen;
            continue;
        }
        fix_message(st, m, mlen, trailer, length_ok);
        off += mlen;
    }
    return off;
}

static int fix_parse(void *state, struct app_parse_ctx *ctx, uint8_t direction, const uint8_t *data,
                     uint32_t len, uint32_t flags)
{
    struct fix_state *st = state;
    st->ctx = ctx;
    st->dir = direction & 1;
    app_pdu_queue_gc(&st->q);
    int rc = 0;
    if (flags & APP_DATA_GAP) {
        /* Bytes were lost: framing restarts at the next message start, and
         * the sequence numbers can no longer be followed. */
        app_msgbuf_reset(&st->buf[st->dir]);
        st->side[st->dir].next_seq = 0;
    }
    if (data && len)
        rc = app_msgbuf_feed(&st->buf[st->dir], ctx->thread, data, len, fix_consume, st);
    st->ctx = NULL;
    return rc;
}

static enum app_probe_result fix_probe(const uint8_t *d, uint32_t len, uint8_t direction)
{
    (void)direction;
    uint32_t body_off, bs_len;
    uint64_t body_len;
    int h = fix_header(d, len, &body_off, &body_len, &bs_len);
    if (h < 0)
        return APP_PROBE_NO;
    if (h == 0)
        return APP_PROBE_NEED_MORE;
    /* "8=FIX...SOH9=nSOH" and then a tag: FIX. */
    if (len > body_off)
        return d[body_off] >= '1' && d[body_off] <= '9' ? APP_PROBE_MATCH : APP_PROBE_NO;
    return APP_PROBE_NEED_MORE;
}

static void fix_tx_free(struct app_pdu_queue *q, struct app_pdu_tx *ptx)
{
    (void)q;
    struct fix_tx *tx = (struct fix_tx *)ptx;
    if (tx->heap_msg)
        free((void *)tx->msg);
    if (tx->heap_fields)
        free(tx->fields);
    tx->heap_msg = tx->heap_fields = false;
}

static void *fix_state_new(struct app_parse_ctx *ctx)
{
    struct fix_state *st = app_state_alloc(ctx, sizeof(struct fix_state));
    if (!st)
        return NULL;
    app_pdu_queue_init(&st->q, ctx, fix_tx_free);
    return st;
}

static void fix_state_free(void *state)
{
    struct fix_state *st = state;
    if (!st)
        return;
    struct app_layer_thread_ctx *t = st->q.thread;
    app_pdu_queue_free(&st->q);
    for (int d = 0; d < 2; d++)
        app_msgbuf_free(&st->buf[d], t);
    app_thread_memory_release(t, sizeof(*st));
    free(st);
}

static int fix_tx_foreach(void *state, int (*fn)(struct app_tx *tx, void *user), void *user)
{
    return app_pdu_queue_foreach(&((struct fix_state *)state)->q, fn, user);
}

/* ---- EVE ---- */

static const char *fix_msg_type_name(const struct fix_tx *tx)
{
    static const struct {
        const char *code, *name;
    } names[] = {
        {"0", "Heartbeat"},        {"1", "TestRequest"},        {"2", "ResendRequest"},
        {"3", "Reject"},           {"4", "SequenceReset"},      {"5", "Logout"},
        {"A", "Logon"},            {"D", "NewOrderSingle"},     {"8", "ExecutionReport"},
        {"F", "OrderCancelRequest"}, {"G", "OrderCancelReplaceRequest"},
        {"9", "OrderCancelReject"}, {"j", "BusinessMessageReject"}, {"V", "MarketDataRequest"},
        {"W", "MarketDataSnapshotFullRefresh"}, {"X", "MarketDataIncrementalRefresh"},
        {"BE", "UserRequest"},     {"BF", "UserResponse"},      {"BC", "NetworkCounterpartySystemStatusRequest"},
        {"BD", "NetworkCounterpartySystemStatusResponse"}, {"AE", "TradeCaptureReport"},
        {"R", "QuoteRequest"},     {"S", "Quote"},              {"h", "TradingSessionStatus"},
    };
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if (fix_is(tx, &tx->msg_type, names[i].code))
            return names[i].name;
    return NULL;
}

static void fix_json_str(struct json_writer *w, const struct fix_tx *tx, const char *key,
                         const struct fix_str *s)
{
    if (s->present)
        json_key_string_len(w, key, (const char *)tx->msg + s->off, s->len);
}

static void fix_tx_write_json(const struct app_tx *atx, struct json_writer *w)
{
    const struct fix_tx *tx = (const struct fix_tx *)atx;
    json_key_object_begin(w, "fix");
    fix_json_str(w, tx, "begin_string", &tx->begin_string);
    if (tx->has_body_length)
        json_key_u64(w, "body_length", tx->body_length);
    fix_json_str(w, tx, "msg_type", &tx->msg_type);
    const char *mn = fix_msg_type_name(tx);
    if (mn)
        json_key_string(w, "msg_type_name", mn);
    fix_json_str(w, tx, "sender_comp_id", &tx->sender);
    fix_json_str(w, tx, "target_comp_id", &tx->target);
    if (tx->has_seq)
        json_key_u64(w, "msg_seq_num", tx->seq);
    if (tx->expected_seq)
        json_key_u64(w, "expected_seq_num", tx->expected_seq);
    fix_json_str(w, tx, "sending_time", &tx->sending_time);
    if (tx->poss_dup)
        json_key_bool(w, "poss_dup", true);
    if (tx->poss_resend)
        json_key_bool(w, "poss_resend", true);
    if (tx->reset_flag)
        json_key_bool(w, "reset_seq_num", true);
    if (tx->has_new_seq) {
        json_key_u64(w, "new_seq_num", tx->new_seq);
        json_key_bool(w, "gap_fill", tx->gap_fill);
    }
    if (tx->has_heartbeat)
        json_key_u64(w, "heart_bt_int", tx->heartbeat);
    fix_json_str(w, tx, "test_req_id", &tx->test_req_id);
    fix_json_str(w, tx, "username", &tx->username);
    fix_json_str(w, tx, "appl_ver_id", &tx->appl_ver_id);
    fix_json_str(w, tx, "default_appl_ver_id", &tx->default_appl_ver_id);
    fix_json_str(w, tx, "text", &tx->text);
    json_key_u64(w, "fields", tx->nfields);
    if (tx->has_checksum)
        json_key_u64(w, "checksum", tx->checksum);
    json_key_bool(w, "checksum_valid", tx->has_checksum && tx->checksum == tx->checksum_computed);
    json_object_end(w);
}

static void fix_log_body(const void *object, struct json_writer *w)
{
    fix_tx_write_json(object, w);
}

static bool fix_tx_has_event(const struct app_tx *tx, const char *name)
{
    return app_pdu_has_event(tx, fix_event_names, FIX_EV_COUNT, name);
}

/* ---- rule keywords ---- */

static int fix_out(const struct fix_tx *tx, const struct fix_str *s, uint32_t index,
                   const uint8_t **data, uint32_t *len)
{
    if (index || !s->present)
        return -ENOENT;
    *data = tx->msg + s->off;
    *len = s->len;
    return 0;
}

static int fix_tx_get_buffer(const struct app_tx *atx, enum app_buffer buffer, uint32_t index,
                             const uint8_t **data, uint32_t *len)
{
    const struct fix_tx *tx = (const struct fix_tx *)atx;
    switch (buffer) {
    case APP_BUFFER_FIX_MSGTYPE: return fix_out(tx, &tx->msg_type, index, data, len);
    case APP_BUFFER_FIX_SENDER: return fix_out(tx, &tx->sender, index, data, len);
    case APP_BUFFER_FIX_TARGET: return fix_out(tx, &tx->target, index, data, len);
    case APP_BUFFER_FIX_BEGIN_STRING: return fix_out(tx, &tx->begin_string, index, data, len);
    case APP_BUFFER_FIX_TAG:
        /* Without a tag number: every field's value (prefiltering). */
        if (index >= tx->nfields)
            return -ENOENT;
        *data = tx->msg + tx->fields[index].off;
        *len = tx->fields[index].len;
        return 0;
    default: return -ENOENT;
    }
}

/* fix.tag:N: the index-th field with tag N. */
static int fix_tx_get_buffer_arg(const struct app_tx *atx, enum app_buffer buffer, uint32_t arg,
                                 uint32_t index, const uint8_t **data, uint32_t *len)
{
    const struct fix_tx *tx = (const struct fix_tx *)atx;
    if (buffer != APP_BUFFER_FIX_TAG)
        return -ENOENT;
    for (uint32_t i = 0; i < tx->nfields; i++) {
        if (tx->fields[i].tag != arg)
            continue;
        if (index-- == 0) {
            *data = tx->msg + tx->fields[i].off;
            *len = tx->fields[i].len;
            return 0;
        }
    }
    return -ENOENT;
}

enum { FIX_F_SEQNUM, FIX_F_BODY_LENGTH, FIX_F_HEARTBTINT, FIX_F_COUNT };

static const struct app_uint_field fix_fields_table[FIX_F_COUNT] = {
    [FIX_F_SEQNUM] = {"fix.seqnum", 3, UINT64_MAX, NULL, false},
    [FIX_F_BODY_LENGTH] = {"fix.body_length", 3, UINT32_MAX, NULL, false},
    [FIX_F_HEARTBTINT] = {"fix.heartbtint", 3, UINT32_MAX, NULL, false},
};

static int fix_tx_get_uint(const struct app_tx *atx, uint16_t field, uint32_t index,
                           uint64_t *value, const char **name)
{
    (void)name;
    const struct fix_tx *tx = (const struct fix_tx *)atx;
    if (index)
        return -ENOENT;
    switch (field) {
    case FIX_F_SEQNUM:
        if (!tx->has_seq)
            return -ENOENT;
        *value = tx->seq;
        return 0;
    case FIX_F_BODY_LENGTH:
        if (!tx->has_body_length)
            return -ENOENT;
        *value = tx->body_length;
        return 0;
    case FIX_F_HEARTBTINT:
        if (!tx->has_heartbeat)
            return -ENOENT;
        *value = tx->heartbeat;
        return 0;
    default: return -ENOENT;
    }
}

const struct app_parser app_parser_fix = {
    .vigil_only = true,
    .proto = APP_PROTO_FIX,
    .name = "fix",
    .ipprotos = APP_IPPROTO_TCP,
    .ports = {0},
    .probe = fix_probe,
    .state_new = fix_state_new,
    .state_free = fix_state_free,
    .parse = fix_parse,
    .tx_foreach = fix_tx_foreach,
    .tx_complete = app_pdu_tx_complete,
    .tx_get_buffer = fix_tx_get_buffer,
    .tx_get_buffer_arg = fix_tx_get_buffer_arg,
    .tx_write_json = fix_tx_write_json,
    .tx_has_event = fix_tx_has_event,
    .events_on_packet = true,
    .event_names = fix_event_names,
    .tx_direction = app_pdu_tx_direction,
    .uint_fields = fix_fields_table,
    .n_uint_fields = FIX_F_COUNT,
    .tx_get_field_uint = fix_tx_get_uint,
};
