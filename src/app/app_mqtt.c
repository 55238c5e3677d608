/* SPDX-License-Identifier: Apache-2.0 */
/* MQTT 3.1, 3.1.1 and 5 (OASIS MQTT v3.1.1 and v5.0) as Suricata 8 parses it:
 *
 * - Messages: fixed header (type, DUP, QoS, RETAIN, remaining length as a
 *   variable integer of at most 4 bytes), then the variable header and
 *   payload of each type, with MQTT 5 properties where the version of the
 *   flow's CONNECT says so. A message longer than max-msg-length is not kept:
 *   it becomes a "truncated" message (type and skipped length) and its bytes
 *   are skipped. A message that does not parse is `malformed_traffic` and the
 *   parser gives up on the flow.
 * - Transactions group a message with its answers by packet identifier:
 *   CONNECT+CONNACK, PUBLISH (QoS 1/2)+PUBACK/PUBREC/PUBREL/PUBCOMP,
 *   SUBSCRIBE+SUBACK, UNSUBSCRIBE+UNSUBACK; every other message is its own
 *   transaction. Events: missing_connect, missing_publish, missing_subscribe,
 *   missing_unsubscribe, double_connect, unintroduced_message,
 *   invalid_qos_level, missing_msg_id, unassigned_msg_type,
 *   too_many_transactions, malformed_traffic, too_many_messages.
 * - EVE "mqtt" when a transaction completes (or at flow end): one object per
 *   message named by its type, Suricata's shape; strings longer than
 *   string-log-limit are cut with "[truncated N additional bytes]" (the topics
 *   of one SUBSCRIBE/UNSUBSCRIBE share one budget).
 * Limits: max-msg-length bounds what a direction buffers, max-tx the live
 * transactions, max-messages the messages per transaction. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/app_ics.h"
#include "app/app_cursor.h"
#include "app/app_parser.h"
#include "app/app_txlist.h"
#include "flow/flow.h"
#include "util/json.h"

#define MQTT_CONNECT_PKT_ID UINT32_MAX /* the pseudo packet id of the first CONNECT */

enum mqtt_event {
    MQTT_EV_MISSING_CONNECT = 0,
    MQTT_EV_MISSING_PUBLISH,
    MQTT_EV_MISSING_SUBSCRIBE,
    MQTT_EV_MISSING_UNSUBSCRIBE,
    MQTT_EV_DOUBLE_CONNECT,
    MQTT_EV_UNINTRODUCED_MESSAGE,
    MQTT_EV_INVALID_QOS_LEVEL,
    MQTT_EV_MISSING_MSG_ID,
    MQTT_EV_UNASSIGNED_MSG_TYPE,
    MQTT_EV_TOO_MANY_TRANSACTIONS,
    MQTT_EV_MALFORMED_TRAFFIC,
    MQTT_EV_TOO_MANY_MESSAGES,
    MQTT_EV_COUNT,
};
static const char *const mqtt_event_names[MQTT_EV_COUNT + 1] = {
    "missing_connect",      "missing_publish",       "missing_subscribe",
    "missing_unsubscribe",  "double_connect",        "unintroduced_message",
    "invalid_qos_level",    "missing_msg_id",        "unassigned_msg_type",
    "too_many_transactions", "malformed_traffic",    "too_many_messages",
    NULL};

static const char *const mqtt_type_names[16] = {
    "unassigned", "connect", "connack",  "publish",     "puback",   "pubrec",
    "pubrel",     "pubcomp", "subscribe", "suback",     "unsubscribe", "unsuback",
    "pingreq",    "pingresp", "disconnect", "auth"};

struct mqtt_state;

/* A message and the bytes its fields point into (one allocation). */
struct mqtt_stored {
    struct mqtt_message msg;
    size_t alloc; /* bytes accounted to the memcap */
};

struct mqtt_tx {
    union {
        struct app_list_tx lt; /* the transaction and its link (app_txlist.h) */
        struct app_tx base;
    };
    struct mqtt_state *state;
    struct mqtt_stored **msgs; /* owned */
    uint32_t nmsgs, cap;
    bool has_pkt_id;
    uint32_t pkt_id;
    bool complete, toclient, toserver;
    uint32_t events;
};

struct mqtt_state {
    struct app_layer_thread_ctx *thread;
    struct app_txlist txs;
    uint8_t protocol_version;
    bool connected;
    bool reversed; /* picked up from the broker's side: port 1883 is the server */
    uint64_t skip[2];
    struct app_msgbuf buf[2]; /* partial message per side */
    uint8_t feed_dir;         /* during app_msgbuf_feed */
    /* Frames: stream offset of the bytes being fed, and where consume's
     * input starts (app_msgbuf.held bytes before them). */
    uint64_t frame_base;
    const uint8_t *feed_start;
    uint32_t feed_len;
    struct app_parse_ctx *ctx;
    const struct app_ics_config *cfg;
};

/* ------------------------------------------------------------ decoding helpers */

/* Parse results. */
enum { MQTT_OK = 0, MQTT_INCOMPLETE = 1, MQTT_ERROR = 2 };

/* Fixed-size fields through the shared cursor (app_cursor.h). */
static int cur_u8(struct app_cursor *c, uint8_t *v)
{
    return app_cur_u8(c, v) ? MQTT_OK : MQTT_ERROR;
}

static int cur_u16(struct app_cursor *c, uint16_t *v)
{
    return app_cur_u16be(c, v) ? MQTT_OK : MQTT_ERROR;
}

static int cur_u32(struct app_cursor *c, uint32_t *v)
{
    return app_cur_u32be(c, v) ? MQTT_OK : MQTT_ERROR;
}

/* Variable byte integer: up to 3 bytes with the continuation bit, then one
 * without. Running out of bytes is incomplete (the header is streamed); a
 * fourth continuation byte is an error. */
static int varint(const uint8_t *p, uint32_t len, uint32_t *value, uint32_t *used)
{
    uint32_t v = 0, mult = 1;
    for (uint32_t i = 0; i < 4; i++) {
        if (i >= len)
            return MQTT_INCOMPLETE;
        uint8_t b = p[i];
        if ((b & 0x80) && i == 3)
            return MQTT_ERROR;
        v += (uint32_t)(b & 0x7f) * mult;
        mult *= 128;
        if (!(b & 0x80)) {
            *value = v;
            *used = i + 1;
            return MQTT_OK;
        }
    }
    return MQTT_ERROR;
}

static int cur_varint(struct app_cursor *c, uint32_t *v)
{
    uint32_t used;
    int rc = varint(c->p, c->left, v, &used);
    if (rc != MQTT_OK)
        return MQTT_ERROR; /* inside a complete message: short is malformed */
    c->p += used;
    c->left -= used;
    return MQTT_OK;
}

/* A span of the message body: offset and length (present marks optional
 * fields). */
struct span {
    uint32_t off, len;
    bool present;
    bool is_string; /* converted to UTF-8 when stored */
};

static int cur_span(struct app_cursor *c, const uint8_t *base, struct span *s, bool is_string)
{
    uint16_t n;
    if (cur_u16(c, &n) != MQTT_OK || c->left < n)
        return MQTT_ERROR;
    s->off = (uint32_t)(c->p - base);
    s->len = n;
    s->present = true;
    s->is_string = is_string;
    c->p += n;
    c->left -= n;
    return MQTT_OK;
}

/* One MQTT 5 property; values are only validated here. */
static int skip_property(struct app_cursor *c)
{
    uint32_t id, v32;
    uint16_t v16;
    uint8_t v8;
    if (cur_varint(c, &id) != MQTT_OK)
        return MQTT_ERROR;
    switch (id) {
    case 1: case 23: case 25: case 36: case 37: case 40: case 41: case 42:
        return cur_u8(c, &v8);
    case 19: case 33: case 34: case 35:
        return cur_u16(c, &v16);
    case 2: case 17: case 24: case 39:
        return cur_u32(c, &v32);
    case 11:
        return cur_varint(c, &v32);
    case 3: case 8: case 9: case 18: case 21: case 22: case 26: case 28: case 31: {
        struct span s;
        return cur_span(c, c->p, &s, false);
    }
    case 38: {
        struct span s;
        if (cur_span(c, c->p, &s, false) != MQTT_OK)
            return MQTT_ERROR;
        return cur_span(c, c->p, &s, false);
    }
    default:
        return MQTT_OK; /* unknown identifier: nothing more is read */
    }
}

/* The property block (length-prefixed): validated, its bytes spanned. */
static int cur_properties(struct app_cursor *c, const uint8_t *base, struct span *s)
{
    uint32_t n;
    if (cur_varint(c, &n) != MQTT_OK)
        return MQTT_ERROR;
    if (n == 0)
        return MQTT_OK;
    if (c->left < n)
        return MQTT_ERROR;
    struct app_cursor pc = {.p = c->p, .left = n};
    while (pc.left > 0)
        if (skip_property(&pc) != MQTT_OK)
            return MQTT_ERROR;
    s->off = (uint32_t)(c->p - base);
    s->len = n;
    s->present = true;
    c->p += n;
    c->left -= n;
    return MQTT_OK;
}

/* ------------------------------------------------------------ UTF-8 */

/* Rust's String::from_utf8_lossy: every maximal invalid subsequence becomes
 * U+FFFD. Writes to out (NULL: only measures); returns the output length. */
static uint32_t utf8_lossy(const uint8_t *s, uint32_t len, uint8_t *out)
{
    uint32_t o = 0, i = 0;
    while (i < len) {
        uint8_t c = s[i];
        if (c < 0x80) {
            if (out)
                out[o] = c;
            o++;
            i++;
            continue;
        }
        uint32_t need = 0;
        uint8_t lo = 0x80, hi = 0xbf;
        if (c >= 0xc2 && c <= 0xdf) {
            need = 1;
        } else if (c >= 0xe0 && c <= 0xef) {
            need = 2;
            if (c == 0xe0)
                lo = 0xa0;
            else if (c == 0xed)
                hi = 0x9f;
        } else if (c >= 0xf0 && c <= 0xf4) {
            need = 3;
            if (c == 0xf0)
                lo = 0x90;
            else if (c == 0xf4)
                hi = 0x8f;
        }
        uint32_t k = 0;
        if (need) {
            for (k = 1; k <= need && i + k < len; k++) {
                uint8_t b = s[i + k];
                uint8_t l = k == 1 ? lo : 0x80, h = k == 1 ? hi : 0xbf;
                if (b < l || b > h)
                    break;
            }
        }
        if (need && k == need + 1) {
            if (out)
                memcpy(out + o, s + i, need + 1);
            o += need + 1;
            i += need + 1;
        } else {
            if (out) {
                out[o] = 0xef;
                out[o + 1] = 0xbf;
                out[o + 2] = 0xbd;
            }
            o += 3;
            i += k ? k : 1;
        }
    }
    return o;
}

/* ------------------------------------------------------------ message parsing */

/* What a parse produced before it is stored: spans into the body. */
struct mqtt_parsed {
    struct mqtt_message m;
    struct span protocol_string, client_id, will_topic, will_message, username, password;
    struct span topic, payload, codes, properties, will_properties;
    struct span *topics; /* owned scratch */
    uint32_t ntopics, topics_cap;
};

static int add_topic(struct mqtt_parsed *pp, struct span s, uint8_t qos)
{
    if (pp->ntopics == pp->topics_cap) {
        uint32_t cap = pp->topics_cap ? pp->topics_cap * 2 : 8;
        struct span *n = realloc(pp->topics, cap * sizeof(*n) * 2);
        if (!n)
            return MQTT_ERROR;
        pp->topics = n;
        pp->topics_cap = cap;
    }
    pp->topics[pp->ntopics * 2] = s;
    pp->topics[pp->ntopics * 2 + 1].off = qos;
    pp->ntopics++;
    return MQTT_OK;
}

/* Parses the body (exactly remaining_length bytes) of one message. */
static int mqtt_parse_body(struct mqtt_parsed *pp, const uint8_t *body, uint32_t len,
                           uint8_t version)
{
    struct mqtt_message *m = &pp->m;
    struct app_cursor c = {.p = body, .left = len};
    bool v5 = version == 5;
    switch (m->type) {
    case MQTT_TYPE_CONNECT: {
        if (cur_span(&c, body, &pp->protocol_string, true) || cur_u8(&c, &m->protocol_version) ||
            cur_u8(&c, &m->connect_flags) || cur_u16(&c, &m->keepalive))
            return MQTT_ERROR;
        bool v5c = m->protocol_version == 5, will = m->connect_flags & MQTT_CONNECT_WILL;
        if (v5c && cur_properties(&c, body, &pp->properties))
            return MQTT_ERROR;
        if (cur_span(&c, body, &pp->client_id, true))
            return MQTT_ERROR;
        if (v5c && will && cur_properties(&c, body, &pp->will_properties))
            return MQTT_ERROR;
        if (will && (cur_span(&c, body, &pp->will_topic, true) ||
                     cur_span(&c, body, &pp->will_message, false)))
            return MQTT_ERROR;
        if ((m->connect_flags & MQTT_CONNECT_USERNAME) &&
            cur_span(&c, body, &pp->username, true))
            return MQTT_ERROR;
        if ((m->connect_flags & MQTT_CONNECT_PASSWORD) &&
            cur_span(&c, body, &pp->password, false))
            return MQTT_ERROR;
        return MQTT_OK;
    }
    case MQTT_TYPE_CONNACK: {
        uint8_t flags;
        if (cur_u8(&c, &flags) || cur_u8(&c, &m->return_code))
            return MQTT_ERROR;
        m->session_present = flags & 1;
        if (v5 && cur_properties(&c, body, &pp->properties))
            return MQTT_ERROR;
        return MQTT_OK;
    }
    case MQTT_TYPE_PUBLISH:
        if (cur_span(&c, body, &pp->topic, true))
            return MQTT_ERROR;
        if (m->qos > 0) {
            if (cur_u16(&c, &m->message_id))
                return MQTT_ERROR;
            m->has_message_id = true;
        }
        if (v5 && cur_properties(&c, body, &pp->properties))
            return MQTT_ERROR;
        pp->payload.off = (uint32_t)(c.p - body);
        pp->payload.len = c.left;
        pp->payload.present = true;
        return MQTT_OK;
    case MQTT_TYPE_PUBACK:
    case MQTT_TYPE_PUBREC:
    case MQTT_TYPE_PUBREL:
    case MQTT_TYPE_PUBCOMP:
        if (cur_u16(&c, &m->message_id))
            return MQTT_ERROR;
        m->has_message_id = true;
        if (!v5)
            return MQTT_OK;
        m->has_reason_code = true;
        if (len == 2) {
            m->reason_code = 0;
            return MQTT_OK;
        }
        if (cur_u8(&c, &m->reason_code))
            return MQTT_ERROR;
        if (len == 3)
            return MQTT_OK;
        return cur_properties(&c, body, &pp->properties);
    case MQTT_TYPE_SUBSCRIBE:
        if (cur_u16(&c, &m->message_id))
            return MQTT_ERROR;
        m->has_message_id = true;
        if (v5 && cur_properties(&c, body, &pp->properties))
            return MQTT_ERROR;
        for (;;) {
            struct app_cursor save = c;
            struct span t;
            uint8_t qos;
            if (cur_span(&c, body, &t, true) || cur_u8(&c, &qos)) {
                c = save;
                break;
            }
            if (add_topic(pp, t, qos))
                return MQTT_ERROR;
        }
        return pp->ntopics ? MQTT_OK : MQTT_ERROR; /* at least one topic */
    case MQTT_TYPE_SUBACK:
    case MQTT_TYPE_UNSUBACK:
        if (cur_u16(&c, &m->message_id))
            return MQTT_ERROR;
        m->has_message_id = true;
        if (v5 && cur_properties(&c, body, &pp->properties))
            return MQTT_ERROR;
        pp->codes.off = (uint32_t)(c.p - body);
        pp->codes.len = c.left;
        pp->codes.present = true;
        return MQTT_OK;
    case MQTT_TYPE_UNSUBSCRIBE:
        if (cur_u16(&c, &m->message_id))
            return MQTT_ERROR;
        m->has_message_id = true;
        if (v5 && cur_properties(&c, body, &pp->properties))
            return MQTT_ERROR;
        for (;;) {
            struct span t;
            if (cur_span(&c, body, &t, true))
                break;
            if (add_topic(pp, t, 0))
                return MQTT_ERROR;
        }
        return MQTT_OK;
    case MQTT_TYPE_DISCONNECT:
        if (!v5)
            return MQTT_OK;
        m->has_reason_code = true;
        if (len == 0)
            return MQTT_OK;
        if (cur_u8(&c, &m->reason_code))
            return MQTT_ERROR;
        if (len == 1) {
            m->reason_code = 0; /* (sic: Suricata reports 0 here) */
            return MQTT_OK;
        }
        return cur_properties(&c, body, &pp->properties);
    case MQTT_TYPE_AUTH:
        if (cur_u8(&c, &m->reason_code))
            return MQTT_ERROR;
        m->has_reason_code = true;
        return cur_properties(&c, body, &pp->properties);
    default:
        return MQTT_OK; /* PINGREQ, PINGRESP, unassigned */
    }
}

/* Copies a parsed message into one allocation: the body, then each string
 * converted to UTF-8, then the topic list. NULL on ENOMEM or memcap. */
static struct mqtt_stored *mqtt_store(struct mqtt_state *st, struct mqtt_parsed *pp,
                                      const uint8_t *body, uint32_t body_len)
{
    struct span *strings[] = {&pp->protocol_string, &pp->client_id, &pp->will_topic,
                              &pp->username, &pp->topic};
    size_t extra = 0;
    for (size_t i = 0; i < sizeof(strings) / sizeof(strings[0]); i++)
        if (strings[i]->present)
            extra += utf8_lossy(body + strings[i]->off, strings[i]->len, NULL);
    for (uint32_t t = 0; t < pp->ntopics; t++)
        extra += utf8_lossy(body + pp->topics[t * 2].off, pp->topics[t * 2].len, NULL);
    size_t size = sizeof(struct mqtt_stored) + pp->ntopics * sizeof(struct mqtt_topic_filter) +
                  body_len + extra;
    if (!app_thread_memory_reserve(st->thread, size))
        return NULL;
    struct mqtt_stored *s = malloc(size);
    if (!s) {
        app_thread_memory_release(st->thread, size);
        return NULL;
    }
    s->alloc = size;
    s->msg = pp->m;
    struct mqtt_topic_filter *topics = (struct mqtt_topic_filter *)(s + 1);
    uint8_t *arena = (uint8_t *)(topics + pp->ntopics);
    memcpy(arena, body, body_len);
    uint8_t *strbuf = arena + body_len;
    struct mqtt_message *m = &s->msg;
#define MQTT_RAW(field, sp)                                                                        \
    do {                                                                                           \
        m->field.present = (sp).present;                                                           \
        m->field.data = (sp).present ? arena + (sp).off : NULL;                                    \
        m->field.len = (sp).present ? (sp).len : 0;                                                \
    } while (0)
#define MQTT_STR(field, sp)                                                                        \
    do {                                                                                           \
        m->field.present = (sp).present;                                                           \
        m->field.data = strbuf;                                                                    \
        m->field.len = (sp).present ? utf8_lossy(body + (sp).off, (sp).len, strbuf) : 0;         \
        strbuf += m->field.len;                                                                    \
    } while (0)
    MQTT_STR(protocol_string, pp->protocol_string);
    MQTT_STR(client_id, pp->client_id);
    MQTT_STR(will_topic, pp->will_topic);
    MQTT_STR(username, pp->username);
    MQTT_STR(topic, pp->topic);
    MQTT_RAW(will_message, pp->will_message);
    MQTT_RAW(password, pp->password);
    MQTT_RAW(payload, pp->payload);
    MQTT_RAW(codes, pp->codes);
    MQTT_RAW(properties, pp->properties);
    MQTT_RAW(will_properties, pp->will_properties);
    for (uint32_t t = 0; t < pp->ntopics; t++) {
        topics[t].qos = (uint8_t)pp->topics[t * 2 + 1].off;
        topics[t].topic.present = true;
        topics[t].topic.data = strbuf;
        topics[t].topic.len =
            utf8_lossy(body + pp->topics[t * 2].off, pp->topics[t * 2].len, strbuf);
        strbuf += topics[t].topic.len;
    }
#undef MQTT_RAW
#undef MQTT_STR
    m->topics = pp->ntopics ? topics : NULL;
    m->ntopics = pp->ntopics;
    return s;
}

static void mqtt_stored_free(struct mqtt_state *st, struct mqtt_stored *s)
{
    if (!s)
        return;
    app_thread_memory_release(st->thread, s->alloc);
    free(s);
}

/* ------------------------------------------------------------ transactions */

static void mqtt_set_event(struct mqtt_state *st, struct mqtt_tx *tx, enum mqtt_event e)
{
    if (tx->events & (1u << e))
        return;
    tx->events |= 1u << e;
    if (st->ctx)
        app_parser_anomaly(st->ctx, APP_PROTO_MQTT, mqtt_event_names[e]);
}

static struct mqtt_tx *mqtt_first(const struct mqtt_state *st)
{
    return (struct mqtt_tx *)st->txs.head;
}

static struct mqtt_tx *mqtt_next(const struct mqtt_tx *tx)
{
    return (struct mqtt_tx *)tx->lt.next;
}

static void mqtt_tx_free(struct app_list_tx *ltx, void *user)
{
    struct mqtt_state *st = user;
    struct mqtt_tx *tx = (struct mqtt_tx *)ltx;
    for (uint32_t i = 0; i < tx->nmsgs; i++)
        mqtt_stored_free(st, tx->msgs[i]);
    free(tx->msgs);
    app_thread_memory_release(st->thread, tx->cap * sizeof(*tx->msgs));
}

/* A new transaction (appended to the list). When the live transactions
 * exceed max-tx, the oldest incomplete one is closed with
 * too_many_transactions. NULL on ENOMEM/memcap. */
static struct mqtt_tx *mqtt_tx_new(struct mqtt_state *st, bool toclient)
{
    struct mqtt_tx *tx = app_txlist_new(&st->txs, &app_parser_mqtt, sizeof(*tx));
    if (!tx)
        return NULL;
    tx->state = st;
    if (toclient)
        tx->toclient = true;
    else
        tx->toserver = true;
    if (st->txs.live - 1 > st->cfg->mqtt_max_tx) { /* the others than this one */
        for (struct mqtt_tx *old = mqtt_first(st); old != tx; old = mqtt_next(old)) {
            if (!old->complete) {
                old->complete = true;
                mqtt_set_event(st, old, MQTT_EV_TOO_MANY_TRANSACTIONS);
                break;
            }
        }
    }
    if (st->ctx)
        app_parser_count_tx(st->ctx, APP_PROTO_MQTT);
    return tx;
}

/* Appends a message (ownership passes to the transaction). */
static void mqtt_tx_add(struct mqtt_state *st, struct mqtt_tx *tx, struct mqtt_stored *s)
{
    if (tx->nmsgs >= st->cfg->mqtt_max_messages) {
        mqtt_set_event(st, tx, MQTT_EV_TOO_MANY_MESSAGES);
        tx->complete = true;
        mqtt_stored_free(st, s);
        return;
    }
    if (tx->nmsgs == tx->cap) {
        uint32_t cap = tx->cap ? tx->cap * 2 : 2;
        if (!app_thread_memory_reserve(st->thread, (cap - tx->cap) * sizeof(*tx->msgs))) {
            mqtt_stored_free(st, s);
            return;
        }
        struct mqtt_stored **n = realloc(tx->msgs, cap * sizeof(*n));
        if (!n) {
            app_thread_memory_release(st->thread, (cap - tx->cap) * sizeof(*tx->msgs));
            mqtt_stored_free(st, s);
            return;
        }
        tx->msgs = n;
        tx->cap = cap;
    }
    tx->msgs[tx->nmsgs++] = s;
}

static struct mqtt_tx *mqtt_tx_by_pkt_id(struct mqtt_state *st, uint32_t id)
{
    for (struct mqtt_tx *tx = mqtt_first(st); tx; tx = mqtt_next(tx))
        if (!tx->complete && tx->has_pkt_id && tx->pkt_id == id)
            return tx;
    return NULL;
}

static void mqtt_log_body(const void *object, struct json_writer *w);

static void mqtt_log_ready(struct mqtt_state *st, bool all)
{
    if (!st->ctx)
        return;
    for (struct mqtt_tx *tx = mqtt_first(st); tx; tx = mqtt_next(tx)) {
        if (tx->base.logged || (!tx->complete && !all) || tx->nmsgs == 0)
            continue;
        tx->base.logged = true;
        app_parser_log(st->ctx, "mqtt", 0, mqtt_log_body, tx);
    }
}

/* A new transaction holding s; with an event when e >= 0. */
static struct mqtt_tx *mqtt_new_with(struct mqtt_state *st, struct mqtt_stored *s, bool toclient,
                                     int e)
{
    struct mqtt_tx *tx = mqtt_tx_new(st, toclient);
    if (!tx) {
        mqtt_stored_free(st, s);
        return NULL;
    }
    mqtt_tx_add(st, tx, s);
    if (e >= 0)
        mqtt_set_event(st, tx, (enum mqtt_event)e);
    return tx;
}

/* Files a message into its transaction (Suricata's handle_msg). */
static void mqtt_handle(struct mqtt_state *st, struct mqtt_stored *s, bool toclient)
{
    const struct mqtt_message *m = &s->msg;
    struct mqtt_tx *tx;
    if (m->truncated) {
        if ((tx = mqtt_new_with(st, s, toclient, -1)))
            tx->complete = true;
        return;
    }
    switch (m->type) {
    case MQTT_TYPE_CONNECT:
        st->protocol_version = m->protocol_version;
        if (st->connected) {
            mqtt_new_with(st, s, toclient, MQTT_EV_DOUBLE_CONNECT);
        } else if ((tx = mqtt_new_with(st, s, toclient, -1))) {
            tx->has_pkt_id = true;
            tx->pkt_id = MQTT_CONNECT_PKT_ID;
        }
        return;
    case MQTT_TYPE_UNASSIGNED:
        if ((tx = mqtt_new_with(st, s, toclient, MQTT_EV_UNASSIGNED_MSG_TYPE)))
            tx->complete = true;
        return;
    case MQTT_TYPE_CONNACK:
        if ((tx = mqtt_tx_by_pkt_id(st, MQTT_CONNECT_PKT_ID))) {
            mqtt_tx_add(st, tx, s);
            tx->complete = true;
            tx->has_pkt_id = false;
            st->connected = true;
        } else {
            mqtt_new_with(st, s, toclient, MQTT_EV_MISSING_CONNECT);
        }
        return;
    default:
        break;
    }
    if (!st->connected) {
        mqtt_new_with(st, s, toclient, MQTT_EV_UNINTRODUCED_MESSAGE);
        return;
    }
    switch (m->type) {
    case MQTT_TYPE_PUBLISH:
    case MQTT_TYPE_SUBSCRIBE:
    case MQTT_TYPE_UNSUBSCRIBE:
        if (m->qos == 0) {
            if ((tx = mqtt_new_with(st, s, toclient, -1)))
                tx->complete = true;
        } else if (m->qos <= 2) {
            if (m->type == MQTT_TYPE_PUBLISH && !m->has_message_id) {
                mqtt_new_with(st, s, toclient, MQTT_EV_MISSING_MSG_ID);
            } else if ((tx = mqtt_new_with(st, s, toclient, -1))) {
                tx->has_pkt_id = true;
                tx->pkt_id = m->message_id;
            }
        } else {
            mqtt_new_with(st, s, toclient, MQTT_EV_INVALID_QOS_LEVEL);
        }
        return;
    case MQTT_TYPE_PUBREC:
    case MQTT_TYPE_PUBREL:
        if ((tx = mqtt_tx_by_pkt_id(st, m->message_id)))
            mqtt_tx_add(st, tx, s);
        else
            mqtt_new_with(st, s, toclient, MQTT_EV_MISSING_PUBLISH);
        return;
    case MQTT_TYPE_PUBACK:
    case MQTT_TYPE_PUBCOMP:
    case MQTT_TYPE_SUBACK:
    case MQTT_TYPE_UNSUBACK: {
        int missing = m->type == MQTT_TYPE_SUBACK     ? MQTT_EV_MISSING_SUBSCRIBE
                      : m->type == MQTT_TYPE_UNSUBACK ? MQTT_EV_MISSING_UNSUBSCRIBE
                                                      : MQTT_EV_MISSING_PUBLISH;
        if ((tx = mqtt_tx_by_pkt_id(st, m->message_id))) {
            mqtt_tx_add(st, tx, s);
            tx->complete = true;
            tx->has_pkt_id = false;
        } else {
            mqtt_new_with(st, s, toclient, missing);
        }
        return;
    }
    default: /* AUTH, DISCONNECT, PINGREQ, PINGRESP */
        if ((tx = mqtt_new_with(st, s, toclient, -1)))
            tx->complete = true;
        return;
    }
}

/* malformed_traffic on a transaction of its own. */
static void mqtt_malformed(struct mqtt_state *st, bool toclient)
{
    struct mqtt_tx *tx = mqtt_tx_new(st, toclient);
    if (!tx)
        return;
    tx->complete = true;
    tx->base.logged = true; /* nothing to log: no message */
    mqtt_set_event(st, tx, MQTT_EV_MALFORMED_TRAFFIC);
}

/* Parses one message at in. Returns MQTT_OK with *used set (a stored
 * message in *out, or a truncated one whose skipped bytes may exceed len),
 * MQTT_INCOMPLETE, or MQTT_ERROR. */
static int mqtt_parse_one(struct mqtt_state *st, const uint8_t *in, uint32_t len,
                          struct mqtt_stored **out, uint64_t *used)
{
    *out = NULL;
    if (len < 1)
        return MQTT_INCOMPLETE;
    uint32_t rl, vl;
    int rc = varint(in + 1, len - 1, &rl, &vl);
    if (rc != MQTT_OK)
        return rc;
    uint32_t hdr = 1 + vl;
    struct mqtt_parsed pp;
    memset(&pp, 0, sizeof(pp));
    struct mqtt_message *m = &pp.m;
    m->type = in[0] >> 4;
    m->header_flags = in[0] & 0x0f;
    m->dup = in[0] & 0x08;
    m->qos = (in[0] >> 1) & 3;
    m->retain = in[0] & 1;
    m->remaining_length = rl;
    if (rl > st->cfg->mqtt_max_msg_len) {
        m->truncated = true;
        m->skipped_length = rl + hdr;
        *used = (uint64_t)rl + hdr;
        *out = mqtt_store(st, &pp, in, 0);
        return *out ? MQTT_OK : MQTT_ERROR;
    }
    if (len - hdr < rl)
        return MQTT_INCOMPLETE;
    const uint8_t *body = in + hdr;
    rc = mqtt_parse_body(&pp, body, rl, st->protocol_version);
    if (rc == MQTT_OK)
        *out = mqtt_store(st, &pp, body, rl);
    free(pp.topics);
    if (rc != MQTT_OK || !*out)
        return MQTT_ERROR;
    *used = hdr + rl;
    return MQTT_OK;
}

/* Frames of a message (Suricata's mqtt frames): pdu (the whole message, at
 * its offset in the wire direction's stream), header and data. As in
 * Suricata 7 and 8, header and data are placed at the start of the bytes
 * being parsed (the first message not consumed yet), not at the message
 * they belong to: header is the 2 bytes there, data the message's remaining
 * length after them. For the first message of a chunk (nearly every message)
 * that is the message's fixed header (one length byte) and its variable
 * header and payload; for a second message in the same chunk they repeat
 * the first message's bytes, which Suricata's frame rules see and vigil's
 * reproduce (suricata-verify mqtt-frames-xpdu). With
 * app-layer.protocols.mqtt.frames-at-message, header (fixed header) and
 * data (the rest) sit at their own message whatever the segmentation. */
enum { MQTT_FRAME_PDU, MQTT_FRAME_HEADER, MQTT_FRAME_DATA };
static const char *const mqtt_frame_names[] = {"pdu", "header", "data", NULL};

static void mqtt_frames(struct mqtt_state *st, const uint8_t *msg, uint32_t avail, uint64_t used)
{
    struct app_parse_ctx *ctx = st->ctx;
    if (!app_frames_on(ctx))
        return;
    uint8_t d = st->feed_dir;
    uint8_t wire = d ^ (st->reversed ? 1 : 0);
    uint64_t base = st->frame_base - st->buf[d].held;
    uint64_t off = base + (uint64_t)(msg - st->feed_start);
    uint32_t rl, vl;
    if (varint(msg + 1, avail - 1, &rl, &vl) != MQTT_OK)
        return;
    uint32_t have = avail < used ? avail : (uint32_t)used;
    app_frame_add(ctx, wire, off, (int64_t)used, MQTT_FRAME_PDU, -1, msg, have);
    if (app_parser_config(ctx)->ics.mqtt_frames_at_message) {
        uint32_t hdr = 1 + vl;
        app_frame_add(ctx, wire, off, hdr, MQTT_FRAME_HEADER, -1, msg, have < hdr ? have : hdr);
        if (rl)
            app_frame_add(ctx, wire, off + hdr, rl, MQTT_FRAME_DATA, -1, msg + hdr,
                          have > hdr ? have - hdr : 0);
        return;
    }
    uint32_t slice = st->feed_len;
    app_frame_add(ctx, wire, base, 2, MQTT_FRAME_HEADER, -1, st->feed_start, slice < 2 ? slice : 2);
    if (rl)
        app_frame_add(ctx, wire, base + 2, rl, MQTT_FRAME_DATA, -1, st->feed_start + 2,
                      slice > 2 ? (slice - 2 < rl ? slice - 2 : rl) : 0);
}

/* Parses the messages at the start of data; returns the bytes consumed, or
 * UINT32_MAX after a malformed message. */
static uint32_t mqtt_consume(void *user, const uint8_t *data, uint32_t len)
{
    struct mqtt_state *st = user;
    uint8_t d = st->feed_dir;
    st->feed_start = data;
    st->feed_len = len;
    uint32_t pos = 0;
    while (pos < len) {
        struct mqtt_stored *s;
        uint64_t used;
        int rc = mqtt_parse_one(st, data + pos, len - pos, &s, &used);
        if (rc == MQTT_INCOMPLETE)
            break;
        if (rc == MQTT_ERROR) {
            mqtt_malformed(st, d == 1);
            return UINT32_MAX;
        }
        mqtt_frames(st, data + pos, len - pos, used);
        /* Suricata files truncated to-server messages as to-client ones. */
        bool toclient = s->msg.truncated ? true : d == 1;
        mqtt_handle(st, s, toclient);
        if (used > len - pos) {
            st->skip[d] = used - (len - pos);
            return len;
        }
        pos += (uint32_t)used;
    }
    return pos;
}

/* ------------------------------------------------------------ parser interface */

static enum app_probe_result mqtt_probe(const uint8_t *data, uint32_t len, uint8_t direction)
{
    (void)direction;
    if (len < 1)
        return APP_PROBE_NEED_MORE;
    uint32_t rl, used;
    int rc = varint(data + 1, len - 1, &rl, &used);
    if (rc == MQTT_INCOMPLETE)
        return APP_PROBE_NEED_MORE;
    if (rc == MQTT_ERROR)
        return APP_PROBE_NO;
    if ((data[0] >> 4) == MQTT_TYPE_UNASSIGNED || ((data[0] >> 1) & 3) > 2)
        return APP_PROBE_NO;
    return APP_PROBE_MATCH;
}

static void *mqtt_state_new(struct app_parse_ctx *ctx)
{
    if (!app_memory_reserve(ctx, sizeof(struct mqtt_state)))
        return NULL;
    struct mqtt_state *st = calloc(1, sizeof(*st));
    if (!st) {
        app_memory_release(ctx, sizeof(struct mqtt_state));
        return NULL;
    }
    st->thread = ctx->thread;
    app_txlist_init(&st->txs, ctx->thread);
    st->cfg = &app_parser_config(ctx)->ics;
    if (ctx->flow && ctx->flow->key.src_port == 1883 && ctx->flow->key.dst_port != 1883)
        st->reversed = true;
    return st;
}

static void mqtt_state_free(void *state)
{
    struct mqtt_state *st = state;
    if (!st)
        return;
    app_txlist_free_all(&st->txs, sizeof(struct mqtt_tx), mqtt_tx_free, st);
    for (int d = 0; d < 2; d++)
        app_msgbuf_free(&st->buf[d], st->thread);
    app_thread_memory_release(st->thread, sizeof(*st));
    free(st);
}

static void mqtt_free_done(struct mqtt_state *st)
{
    app_txlist_free_done(&st->txs, sizeof(struct mqtt_tx), mqtt_tx_free, st);
}

static int mqtt_parse(void *state, struct app_parse_ctx *ctx, uint8_t direction,
                      const uint8_t *data, uint32_t len, uint32_t flags)
{
    struct mqtt_state *st = state;
    uint8_t d = (direction & 1) ^ (st->reversed ? 1 : 0);
    st->ctx = ctx;
    mqtt_free_done(st);
    int rc = 0;
    if (flags & APP_DATA_GAP) {
        /* The message boundary is lost: drop what was buffered. */
        app_msgbuf_reset(&st->buf[d]);
        st->skip[d] = 0;
        goto out;
    }
    if (!data || !len)
        goto out;
    uint64_t skipped = 0;
    if (st->skip[d]) {
        uint64_t n = st->skip[d] < len ? st->skip[d] : len;
        st->skip[d] -= n;
        data += n;
        len -= (uint32_t)n;
        skipped = n;
    }
    if (!len)
        goto out;
    st->feed_dir = d;
    st->frame_base = ctx->stream_offset + skipped;
    rc = app_msgbuf_feed(&st->buf[d], st->thread, data, len, mqtt_consume, st);
out:
    mqtt_log_ready(st, false);
    st->ctx = NULL;
    return rc;
}

static void mqtt_flow_end(void *state, struct app_parse_ctx *ctx)
{
    struct mqtt_state *st = state;
    st->ctx = ctx;
    mqtt_log_ready(st, true);
    st->ctx = NULL;
}

static int mqtt_tx_foreach(void *state, int (*fn)(struct app_tx *tx, void *user), void *user)
{
    struct mqtt_state *st = state;
    return app_txlist_foreach(&st->txs, fn, user);
}

/* Suricata: a transaction is done in the direction it did not start in, and
 * in the other once complete. */
static bool mqtt_tx_complete(const struct app_tx *atx, uint8_t direction)
{
    const struct mqtt_tx *tx = (const struct mqtt_tx *)atx;
    if (tx->complete)
        return true;
    return direction == 0 ? tx->toclient : tx->toserver;
}

/* Suricata inspects an MQTT transaction only in the direction of its first
 * message (AppLayerTxData::for_direction). */
static int mqtt_tx_direction(const struct app_tx *atx)
{
    const struct mqtt_tx *tx = (const struct mqtt_tx *)atx;
    return tx->toclient ? 1 : 0;
}

static bool mqtt_tx_has_event(const struct app_tx *atx, const char *name)
{
    const struct mqtt_tx *tx = (const struct mqtt_tx *)atx;
    for (int e = 0; e < MQTT_EV_COUNT; e++)
        if ((tx->events & (1u << e)) && strcmp(mqtt_event_names[e], name) == 0)
            return true;
    return false;
}

static int mqtt_tx_get_buffer(const struct app_tx *atx, enum app_buffer buffer, uint32_t index,
                              const uint8_t **data, uint32_t *len)
{
    const struct mqtt_tx *tx = (const struct mqtt_tx *)atx;
    index &= ~(APP_BUFFER_INDEX_TOCLIENT | APP_BUFFER_INDEX_TOSERVER);
    uint32_t seen = 0;
    for (uint32_t i = 0; i < tx->nmsgs; i++) {
        const struct mqtt_message *m = &tx->msgs[i]->msg;
        const struct mqtt_bytes *b = NULL;
        switch (buffer) {
        case APP_BUFFER_MQTT_CONNECT_CLIENTID:
            b = m->type == MQTT_TYPE_CONNECT ? &m->client_id : NULL;
            break;
        case APP_BUFFER_MQTT_CONNECT_USERNAME:
            b = m->type == MQTT_TYPE_CONNECT ? &m->username : NULL;
            break;
        case APP_BUFFER_MQTT_CONNECT_PASSWORD:
            b = m->type == MQTT_TYPE_CONNECT ? &m->password : NULL;
            break;
        case APP_BUFFER_MQTT_CONNECT_PROTOCOL_STRING:
            b = m->type == MQTT_TYPE_CONNECT ? &m->protocol_string : NULL;
            break;
        case APP_BUFFER_MQTT_CONNECT_WILLTOPIC:
            b = m->type == MQTT_TYPE_CONNECT ? &m->will_topic : NULL;
            break;
        case APP_BUFFER_MQTT_CONNECT_WILLMESSAGE:
            b = m->type == MQTT_TYPE_CONNECT ? &m->will_message : NULL;
            break;
        case APP_BUFFER_MQTT_PUBLISH_TOPIC:
            b = m->type == MQTT_TYPE_PUBLISH ? &m->topic : NULL;
            break;
        case APP_BUFFER_MQTT_PUBLISH_MESSAGE:
            b = m->type == MQTT_TYPE_PUBLISH ? &m->payload : NULL;
            break;
        case APP_BUFFER_MQTT_SUBSCRIBE_TOPIC:
        case APP_BUFFER_MQTT_UNSUBSCRIBE_TOPIC: {
            uint8_t want = buffer == APP_BUFFER_MQTT_SUBSCRIBE_TOPIC ? MQTT_TYPE_SUBSCRIBE
                                                                     : MQTT_TYPE_UNSUBSCRIBE;
            if (m->type != want || m->truncated)
                continue;
            if (index < seen + m->ntopics) {
                const struct mqtt_bytes *t = &m->topics[index - seen].topic;
                if (!t->len)
                    return -ENOENT;
                *data = t->data;
                *len = t->len;
                return 0;
            }
            seen += m->ntopics;
            continue;
        }
        default:
            return -ENOENT;
        }
        /* Single buffers: the first message that has a non-empty value. */
        if (index == 0 && b && !m->truncated && b->present && b->len) {
            *data = b->data;
            *len = b->len;
            return 0;
        }
    }
    return -ENOENT;
}

/* ------------------------------------------------------------ EVE */

struct mqtt_log {
    const struct mqtt_tx *tx;
    uint32_t limit;
    bool passwords;
};

/* A string field, cut to the log limit. budget (may be NULL) is a shared
 * remaining allowance: exhausted means the field is left out. */
static void mqtt_write_limited(struct json_writer *w, const char *key, const uint8_t *data,
                               uint32_t len, uint32_t limit, uint32_t *budget, bool append)
{
    uint32_t max = limit;
    if (budget)
        max = *budget;
    char suffix[64];
    const char *sfx = NULL;
    uint32_t n = len;
    if (limit && len > max) {
        n = max;
        snprintf(suffix, sizeof(suffix), "[truncated %u additional bytes]", len - max);
        sfx = suffix;
    }
    if (budget && limit)
        *budget -= n;
    if (!append)
        json_key(w, key);
    json_write_string_from_bytes(w, data, n, sfx);
}

static void mqtt_write_str(struct json_writer *w, const char *key, const struct mqtt_bytes *b,
                           uint32_t limit)
{
    mqtt_write_limited(w, key, b->data, b->len, limit, NULL, false);
}

/* MQTT 5 properties as Suricata names them. */
static void mqtt_write_properties(struct json_writer *w, const char *key,
                                  const struct mqtt_bytes *props)
{
    if (!props->present)
        return;
    json_key_object_begin(w, key);
    struct app_cursor c = {.p = props->data, .left = props->len};
    while (c.left > 0) {
        uint32_t id, v32;
        uint16_t v16;
        uint8_t v8;
        if (cur_varint(&c, &id) != MQTT_OK)
            break;
        static const char *const names[43] = {
            [1] = "payload_format_indicator",  [2] = "message_expiry_interval",
            [3] = "content_type",               [8] = "response_topic",
            [9] = "correlation_data",           [11] = "subscription_identifier",
            [17] = "session_expiry_interval",   [18] = "assigned_client_identifier",
            [19] = "server_keep_alive",         [21] = "authentication_method",
            [22] = "authentication_data",       [23] = "request_problem_information",
            [24] = "will_delay_interval",       [25] = "request_response_information",
            [26] = "response_information",      [28] = "server_reference",
            [31] = "reason_string",             [33] = "receive_maximum",
            [34] = "topic_alias_maximum",       [35] = "topic_alias",
            [36] = "maximum_qos",               [37] = "retain_available",
            [39] = "maximum_packet_size",       [40] = "wildcard_subscription_available",
            [41] = "subscription_identifier_available", [42] = "shared_subscription_available",
        };
        const char *name = id < 43 ? names[id] : NULL;
        bool ok = true;
        switch (id) {
        case 1: case 23: case 25: case 36: case 37: case 40: case 41: case 42:
            ok = cur_u8(&c, &v8) == MQTT_OK;
            if (ok)
                json_key_u64(w, name, v8);
            break;
        case 19: case 33: case 34: case 35:
            ok = cur_u16(&c, &v16) == MQTT_OK;
            if (ok)
                json_key_u64(w, name, v16);
            break;
        case 2: case 17: case 24: case 39:
            ok = cur_u32(&c, &v32) == MQTT_OK;
            if (ok)
                json_key_u64(w, name, v32);
            break;
        case 11:
            ok = cur_varint(&c, &v32) == MQTT_OK;
            if (ok)
                json_key_u64(w, name, v32);
            break;
        case 3: case 8: case 18: case 21: case 26: case 28: case 31: case 9: case 22: {
            struct span s;
            const uint8_t *base = c.p;
            ok = cur_span(&c, base, &s, false) == MQTT_OK;
            if (!ok)
                break;
            if (id == 9 || id == 22) {
                json_key_string_from_bytes(w, name, base + s.off, s.len);
            } else {
                uint8_t tmp[3 * 256];
                uint32_t lim = s.len > 256 ? 256 : s.len;
                uint32_t n = utf8_lossy(base + s.off, lim, tmp);
                json_key(w, name);
                json_write_string_len(w, tmp, n);
            }
            break;
        }
        case 38: {
            struct span k, v;
            const uint8_t *base = c.p;
            ok = cur_span(&c, base, &k, false) == MQTT_OK;
            if (!ok)
                break;
            const uint8_t *vbase = c.p;
            ok = cur_span(&c, vbase, &v, false) == MQTT_OK;
            if (!ok)
                break;
            char keybuf[3 * 128 + 1];
            uint32_t kn = utf8_lossy(base + k.off, k.len > 128 ? 128 : k.len, (uint8_t *)keybuf);
            keybuf[kn] = '\0';
            uint8_t tmp[3 * 256];
            uint32_t vn = utf8_lossy(vbase + v.off, v.len > 256 ? 256 : v.len, tmp);
            json_key(w, keybuf);
            json_write_string_len(w, tmp, vn);
            break;
        }
        default:
            break; /* unknown identifier: nothing logged */
        }
        if (!ok)
            break;
    }
    json_object_end(w);
}

static void mqtt_write_header(struct json_writer *w, const struct mqtt_message *m)
{
    json_key_u64(w, "qos", m->qos);
    json_key_bool(w, "retain", m->retain);
    json_key_bool(w, "dup", m->dup);
}

static void mqtt_write_message(struct json_writer *w, const struct mqtt_message *m,
                               const struct mqtt_log *lg)
{
    uint32_t limit = lg->limit;
    if (m->truncated) {
        json_key_object_begin(w, mqtt_type_names[m->type & 15]);
        mqtt_write_header(w, m);
        json_key_bool(w, "truncated", true);
        json_key_u64(w, "skipped_length", m->skipped_length);
        json_object_end(w);
        return;
    }
    if (m->type == MQTT_TYPE_UNASSIGNED)
        return;
    json_key_object_begin(w, mqtt_type_names[m->type]);
    mqtt_write_header(w, m);
    switch (m->type) {
    case MQTT_TYPE_CONNECT:
        mqtt_write_str(w, "protocol_string", &m->protocol_string, limit);
        json_key_u64(w, "protocol_version", m->protocol_version);
        mqtt_write_str(w, "client_id", &m->client_id, limit);
        json_key_object_begin(w, "flags");
        json_key_bool(w, "username", m->connect_flags & MQTT_CONNECT_USERNAME);
        json_key_bool(w, "password", m->connect_flags & MQTT_CONNECT_PASSWORD);
        json_key_bool(w, "will_retain", m->connect_flags & MQTT_CONNECT_WILL_RETAIN);
        json_key_bool(w, "will", m->connect_flags & MQTT_CONNECT_WILL);
        json_key_bool(w, "clean_session", m->connect_flags & MQTT_CONNECT_CLEAN_SESSION);
        json_object_end(w);
        if (m->username.present)
            mqtt_write_str(w, "username", &m->username, limit);
        if (lg->passwords && m->password.present)
            mqtt_write_str(w, "password", &m->password, limit);
        if (m->connect_flags & MQTT_CONNECT_WILL) {
            json_key_object_begin(w, "will");
            if (m->will_topic.present)
                mqtt_write_str(w, "topic", &m->will_topic, limit);
            if (m->will_message.present)
                mqtt_write_str(w, "message", &m->will_message, limit);
            mqtt_write_properties(w, "properties", &m->will_properties);
            json_object_end(w);
        }
        mqtt_write_properties(w, "properties", &m->properties);
        break;
    case MQTT_TYPE_CONNACK:
        json_key_bool(w, "session_present", m->session_present);
        json_key_u64(w, "return_code", m->return_code);
        mqtt_write_properties(w, "properties", &m->properties);
        break;
    case MQTT_TYPE_PUBLISH:
        mqtt_write_str(w, "topic", &m->topic, limit);
        if (m->has_message_id)
            json_key_u64(w, "message_id", m->message_id);
        mqtt_write_str(w, "message", &m->payload, limit);
        mqtt_write_properties(w, "properties", &m->properties);
        break;
    case MQTT_TYPE_PUBACK:
    case MQTT_TYPE_PUBREC:
    case MQTT_TYPE_PUBREL:
    case MQTT_TYPE_PUBCOMP:
        json_key_u64(w, "message_id", m->message_id);
        if (m->has_reason_code)
            json_key_u64(w, "reason_code", m->reason_code);
        mqtt_write_properties(w, "properties", &m->properties);
        break;
    case MQTT_TYPE_SUBSCRIBE: {
        json_key_u64(w, "message_id", m->message_id);
        json_key_array_begin(w, "topics");
        uint32_t budget = limit;
        for (uint32_t i = 0; i < m->ntopics; i++) {
            if (limit && budget == 0)
                break;
            json_object_begin(w);
            mqtt_write_limited(w, "topic", m->topics[i].topic.data, m->topics[i].topic.len, limit,
                               &budget, false);
            json_key_u64(w, "qos", m->topics[i].qos);
            json_object_end(w);
        }
        json_array_end(w);
        mqtt_write_properties(w, "properties", &m->properties);
        break;
    }
    case MQTT_TYPE_SUBACK:
        json_key_u64(w, "message_id", m->message_id);
        json_key_array_begin(w, "qos_granted");
        for (uint32_t i = 0; i < m->codes.len; i++)
            json_u64(w, m->codes.data[i]);
        json_array_end(w);
        break;
    case MQTT_TYPE_UNSUBSCRIBE: {
        json_key_u64(w, "message_id", m->message_id);
        json_key_array_begin(w, "topics");
        uint32_t budget = limit;
        for (uint32_t i = 0; i < m->ntopics; i++) {
            if (limit && budget == 0)
                break;
            mqtt_write_limited(w, NULL, m->topics[i].topic.data, m->topics[i].topic.len, limit,
                               &budget, true);
        }
        json_array_end(w);
        break;
    }
    case MQTT_TYPE_UNSUBACK:
        json_key_u64(w, "message_id", m->message_id);
        if (m->codes.len) {
            json_key_array_begin(w, "reason_codes");
            for (uint32_t i = 0; i < m->codes.len; i++)
                json_u64(w, m->codes.data[i]);
            json_array_end(w);
        }
        break;
    case MQTT_TYPE_AUTH:
        json_key_u64(w, "reason_code", m->reason_code);
        mqtt_write_properties(w, "properties", &m->properties);
        break;
    case MQTT_TYPE_DISCONNECT:
        if (m->has_reason_code)
            json_key_u64(w, "reason_code", m->reason_code);
        mqtt_write_properties(w, "properties", &m->properties);
        break;
    default: /* PINGREQ, PINGRESP */
        break;
    }
    json_object_end(w);
}

static void mqtt_write_tx(const struct mqtt_tx *tx, struct json_writer *w)
{
    const struct app_ics_config *cfg = tx->state->cfg;
    struct mqtt_log lg = {.tx = tx, .limit = cfg->mqtt_string_log_limit,
                          .passwords = cfg->mqtt_log_passwords};
    json_key_object_begin(w, "mqtt");
    for (uint32_t i = 0; i < tx->nmsgs; i++)
        mqtt_write_message(w, &tx->msgs[i]->msg, &lg);
    json_object_end(w);
}

static void mqtt_tx_write_json(const struct app_tx *atx, struct json_writer *w)
{
    mqtt_write_tx((const struct mqtt_tx *)atx, w);
}

static void mqtt_log_body(const void *object, struct json_writer *w)
{
    mqtt_write_tx(object, w);
}

/* ------------------------------------------------------------ accessors */

const struct mqtt_message *mqtt_tx_message(const struct app_tx *atx, uint32_t index)
{
    if (!atx || atx->parser != &app_parser_mqtt)
        return NULL;
    const struct mqtt_tx *tx = (const struct mqtt_tx *)atx;
    return index < tx->nmsgs ? &tx->msgs[index]->msg : NULL;
}

uint8_t mqtt_tx_protocol_version(const struct app_tx *atx)
{
    if (!atx || atx->parser != &app_parser_mqtt)
        return 0;
    return ((const struct mqtt_tx *)atx)->state->protocol_version;
}

const struct app_parser app_parser_mqtt = {
    .proto = APP_PROTO_MQTT,
    .name = "mqtt",
    .ipprotos = APP_IPPROTO_TCP,
    .ports = {1883},
    .probe = mqtt_probe,
    .probe_needs_port = true,
    .state_new = mqtt_state_new,
    .state_free = mqtt_state_free,
    .parse = mqtt_parse,
    .flow_end = mqtt_flow_end,
    .tx_foreach = mqtt_tx_foreach,
    .frame_names = mqtt_frame_names,
    .tx_complete = mqtt_tx_complete,
    .tx_get_buffer = mqtt_tx_get_buffer,
    .tx_write_json = mqtt_tx_write_json,
    .tx_has_event = mqtt_tx_has_event,
    .tx_direction = mqtt_tx_direction,
    .event_names = mqtt_event_names,
};
