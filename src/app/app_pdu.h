/* SPDX-License-Identifier: Apache-2.0 */
/* Helpers shared by the parsers of the grid and industrial protocols
 * (app_iec104.c, app_s7comm.c, app_mms.c, app_c37118.c, app_bacnet.c,
 * app_opcua.c and the layer-2 ones): private to src/app/.
 *
 * 1. Per-PDU transactions. Each of these protocols is logged one EVE event
 *    per PDU (APDU, TPDU, frame, chunk), in the direction it travelled, so
 *    a transaction is one PDU: created when the PDU is parsed, logged at
 *    once, inspected by the rules of its direction, and freed when
 *    detection is through with it (a few freed ones are kept and reused, so
 *    a steady stream of PDUs allocates nothing). A flow holds at most max-tx of them
 *    (app-layer.max-tx); past that the oldest is dropped and the flow gets
 *    a "too_many_transactions" anomaly once.
 *
 * 2. A framer for length-delimited PDUs over TCP: complete PDUs are handed
 *    over in place when a segment holds them whole, otherwise bytes are
 *    gathered in a buffer bounded by the protocol's largest PDU (memory
 *    accounted against the app-layer memcap). Bytes that cannot start a PDU
 *    (after a gap, mid-stream pick-up or garbage) are skipped until one can,
 *    with one anomaly per run of skipped bytes; a PDU longer than the limit
 *    is skipped whole. */
#ifndef VIGIL_APP_PDU_H
#define VIGIL_APP_PDU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "app/app_parser.h"

struct app_pdu_tx {
    struct app_tx base;
    struct app_pdu_tx *next;
    size_t size;       /* bytes accounted for the transaction */
    size_t base_size;  /* the parser's struct (size - base_size: extras) */
    uint32_t events;   /* the parser's event bits */
    uint8_t direction; /* 0 to server, 1 to client */
};

#define APP_PDU_SPARE 8 /* freed transactions kept for reuse */

struct app_pdu_queue {
    struct app_pdu_tx *head, *tail;
    struct app_pdu_tx *spare; /* freed ones, reused: no allocation per PDU */
    uint32_t nspare;
    uint32_t count;
    uint64_t next_id;
    bool overflowed;
    struct app_layer_thread_ctx *thread;
    /* Frees what a parser hangs off its transactions (may be NULL). */
    void (*tx_free)(struct app_pdu_queue *q, struct app_pdu_tx *tx);
};

void app_pdu_queue_init(struct app_pdu_queue *q, struct app_parse_ctx *ctx,
                        void (*tx_free)(struct app_pdu_queue *q, struct app_pdu_tx *tx));
/* A zeroed transaction of `size` bytes (the parser's struct, which starts
 * with struct app_pdu_tx) appended to the queue; NULL when the memcap or
 * memory runs out. Transactions detection is done with are freed first. */
void *app_pdu_tx_new(struct app_pdu_queue *q, struct app_parse_ctx *ctx,
                     const struct app_parser *parser, size_t size, uint8_t direction);
/* Extra bytes a parser allocates for a transaction: reserved against the
 * memcap and released with the transaction. */
bool app_pdu_tx_reserve(struct app_pdu_queue *q, struct app_pdu_tx *tx, size_t size);
/* Logs the transaction (event_type, one event) and hands it to detection:
 * the other direction's rules never look at it, so it is marked done there. */
void app_pdu_tx_log(struct app_pdu_queue *q, struct app_parse_ctx *ctx, struct app_pdu_tx *tx,
                    const char *event_type,
                    void (*write_body)(const void *object, struct json_writer *w));
/* Frees the transactions detection is done with (oldest first). */
void app_pdu_queue_gc(struct app_pdu_queue *q);
void app_pdu_queue_free(struct app_pdu_queue *q);
int app_pdu_queue_foreach(struct app_pdu_queue *q, int (*fn)(struct app_tx *tx, void *user),
                          void *user);

/* Callbacks for struct app_parser. */
int app_pdu_tx_direction(const struct app_tx *tx);
bool app_pdu_tx_complete(const struct app_tx *tx, uint8_t direction);

/* Raises event e (a bit index into names) on the transaction (if any) and as
 * an app-layer anomaly of app_proto, once per transaction. */
void app_pdu_event(struct app_parse_ctx *ctx, uint16_t app_proto, struct app_pdu_tx *tx,
                   uint32_t *flow_events, const char *const *names, unsigned e);
/* True if the transaction's events include `name`. */
bool app_pdu_has_event(const struct app_tx *tx, const char *const *names, unsigned count,
                       const char *name);

/* A response paired with its request (Diameter, GTP, ISO 8583): the
 * request's transaction and the round trip. */
struct app_pdu_answer {
    bool answered;
    uint64_t request_tx_id, rtt_usec;
};
/* Marks a as answering the request of transaction request_tx_id seen at
 * request_usec (now: this response's time; a clock going back gives 0). */
void app_pdu_answer_set(struct app_pdu_answer *a, uint64_t request_tx_id, uint64_t request_usec,
                        uint64_t now);
/* Writes {"tx_id": ..., "rtt_usec": ...} under key when a is answered. */
void app_pdu_write_answers(struct json_writer *w, const char *key,
                           const struct app_pdu_answer *a);

/* ---- framer ---- */

/* Length of the PDU that starts at d (n bytes at hand, n >= the protocol's
 * header size): > 0 the PDU's total length, APP_FRAME_INVALID if d cannot
 * start a PDU. */
#define APP_FRAME_INVALID (-1)

struct app_framer {
    uint8_t *buf;
    uint32_t len, cap;
    uint32_t skip;      /* bytes of an oversized PDU still to skip */
    bool resyncing;     /* skipping bytes that cannot start a PDU */
    uint32_t header;    /* bytes frame_len needs */
    uint32_t max_pdu;   /* longest PDU accepted */
    uint64_t pdu_offset; /* during on_pdu: the PDU's offset in the stream
                          * (with frames active: see app_frame_add) */
};

struct app_framer_ops {
    int64_t (*frame_len)(const uint8_t *d, uint32_t n, void *user);
    void (*on_pdu)(const uint8_t *pdu, uint32_t len, void *user);
    /* A run of bytes was skipped (garbage, or an oversized PDU when
     * oversized is true). May be NULL. */
    void (*on_skip)(void *user, bool oversized);
};

void app_framer_init(struct app_framer *fr, uint32_t header, uint32_t max_pdu);
/* Feeds stream bytes (data NULL with APP_DATA_GAP in flags: bytes were
 * lost; the buffer is dropped and the framer resynchronises). Returns -1 if
 * the buffer could not be grown (memcap), else 0. */
int app_framer_feed(struct app_framer *fr, struct app_parse_ctx *ctx, const uint8_t *data,
                    uint32_t len, uint32_t flags, const struct app_framer_ops *ops, void *user);
void app_framer_free(struct app_framer *fr, struct app_layer_thread_ctx *thread);

/* A parser state made of per-PDU transactions and a framer per direction
 * (app_diameter.c, app_iso8583.c): the parser's state struct starts with
 * this member. */
struct app_pdu_framed {
    struct app_pdu_queue q;
    struct app_framer framer[2];
    struct app_parse_ctx *ctx; /* during app_pdu_framed_parse, else NULL */
    uint8_t dir;               /* the direction being parsed */
};
/* A zeroed state of `size` bytes (accounted) with its queue and framers
 * set up; NULL on memcap or memory exhaustion. */
void *app_pdu_framed_new(struct app_parse_ctx *ctx, size_t size, uint32_t header,
                         uint32_t max_pdu,
                         void (*tx_free)(struct app_pdu_queue *q, struct app_pdu_tx *tx));
/* Frees such a state (NULL is fine). */
void app_pdu_framed_free(void *state, size_t size);
/* struct app_parser.parse over such a state: the direction's bytes are
 * framed and each PDU handed to ops (user: the state), with ctx and dir
 * set meanwhile; finished transactions are collected first. */
int app_pdu_framed_parse(void *state, struct app_parse_ctx *ctx, uint8_t direction,
                         const uint8_t *data, uint32_t len, uint32_t flags,
                         const struct app_framer_ops *ops);
/* struct app_parser.tx_foreach over such a state. */
int app_pdu_framed_foreach(void *state, int (*fn)(struct app_tx *tx, void *user), void *user);

/* ---- small readers ---- */

static inline uint16_t app_rd16be(const uint8_t *p)
{
    return (uint16_t)((uint16_t)p[0] << 8 | p[1]);
}
static inline uint16_t app_rd16le(const uint8_t *p)
{
    return (uint16_t)((uint16_t)p[1] << 8 | p[0]);
}
static inline uint32_t app_rd32be(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}
static inline uint32_t app_rd32le(const uint8_t *p)
{
    return (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0];
}

/* 3. Small helpers of the TCP parsers' own framing (SMB, NFS, DCE/RPC,
 *    Kerberos and the framer above). */

/* Grows an accounted buffer (*buf of *cap bytes) to hold need bytes:
 * doubling from first (or *cap), at most max bytes when max is not 0.
 * Returns false (buffer unchanged) on memcap or memory exhaustion. */
bool app_buf_grow(struct app_parse_ctx *ctx, uint8_t **buf, uint32_t *cap, uint32_t need,
                  uint32_t first, uint32_t max);
/* Frees an accounted buffer holding nothing when it grew past keep bytes. */
void app_buf_shrink(struct app_layer_thread_ctx *thread, uint8_t **buf, uint32_t *cap,
                    uint32_t used, uint32_t keep);
/* Frees an accounted buffer (released against the memcap). */
void app_buf_free(struct app_layer_thread_ctx *thread, uint8_t **buf, uint32_t *cap);
/* Gathers a 4-byte big-endian length (an ONC RPC record mark, a Kerberos TCP
 * length) that may be split across segments: takes bytes from data and len
 * into mark (*have of them so far). Returns true with *value once all four
 * are there (*have stays 4: the caller resets it). */
bool app_be32_gather(uint8_t mark[4], uint8_t *have, const uint8_t **data, uint32_t *len,
                     uint32_t *value);

/* A zeroed parser state (or other object) of size bytes, accounted against
 * the memcap; NULL on memcap or memory exhaustion. */
void *app_state_alloc(struct app_parse_ctx *ctx, size_t size);
/* Calls fn for each transaction of a singly linked list (first, then the
 * pointer at next_off within each transaction, whose struct app_tx is its
 * first member), oldest first; stops on and returns a non-zero result. The
 * next pointer is read before fn runs. */
int app_tx_list_foreach(void *first, size_t next_off, int (*fn)(struct app_tx *tx, void *user),
                        void *user);

#endif
