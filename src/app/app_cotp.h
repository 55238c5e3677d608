/* SPDX-License-Identifier: Apache-2.0 */
/* ISO transport over TCP (RFC 1006 TPKT, ISO 8073 COTP class 0), shared by
 * the parsers on TCP port 102 (app_s7comm.c, app_mms.c): private to
 * src/app/. Per direction: TPKT framing (app_pdu.h framer, at most 65535
 * bytes a packet), COTP TPDU header, and reassembly of data TPDUs into a
 * TSDU up to the one that has the end-of-TSDU mark (bounded by
 * APP_COTP_TSDU_MAX; past it the TSDU is dropped with an anomaly). */
#ifndef VIGIL_APP_COTP_H
#define VIGIL_APP_COTP_H

#include <stdbool.h>
#include <stdint.h>

#include "app/app_pdu.h"

#define APP_COTP_TSDU_MAX (1024u * 1024u)

/* COTP TPDU codes (high nibble of the type byte; CR/CC also carry a credit). */
enum app_cotp_type {
    APP_COTP_ED = 0x10,
    APP_COTP_EA = 0x20,
    APP_COTP_RJ = 0x50,
    APP_COTP_AK = 0x60,
    APP_COTP_ER = 0x70,
    APP_COTP_DR = 0x80,
    APP_COTP_DC = 0xc0,
    APP_COTP_CC = 0xd0,
    APP_COTP_CR = 0xe0,
    APP_COTP_DT = 0xf0,
};

enum app_cotp_event {
    APP_COTP_EV_BAD_TPKT,   /* bytes that are not a TPKT header */
    APP_COTP_EV_BAD_COTP,   /* COTP header longer than the packet, unknown TPDU */
    APP_COTP_EV_TSDU_LIMIT, /* a TSDU longer than APP_COTP_TSDU_MAX */
    APP_COTP_EV_OVERSIZED,  /* TPKT length past its limit */
    APP_COTP_EV_COUNT
};

struct app_cotp_ops {
    /* A TPDU other than DT (connection request/confirm, disconnect, ...):
     * its type (enum app_cotp_type) and the TPDU from its length byte. */
    void (*on_tpdu)(void *user, uint8_t type, const uint8_t *tpdu, uint32_t len);
    /* A complete TSDU (the user data of DT TPDUs up to end-of-TSDU). */
    void (*on_tsdu)(void *user, const uint8_t *data, uint32_t len);
    /* An anomaly: on_event gets the parser's own event for it,
     * events[enum app_cotp_event]. */
    void (*on_event)(void *user, unsigned parser_event);
    unsigned events[APP_COTP_EV_COUNT];
};

/* Frames the transport reports for the parsers on it, whose frame_names
 * must start with these two: "tpkt" (each TPKT packet) and "pdu" (the user
 * data of a data TPDU that holds a whole TSDU: an S7comm PDU, an ISO
 * session SPDU; a TSDU split over several TPDUs has no pdu frame). */
enum { APP_COTP_FRAME_TPKT, APP_COTP_FRAME_PDU };
#define APP_COTP_FRAME_NAMES "tpkt", "pdu"

struct app_cotp_dir {
    struct app_framer framer;
    uint8_t dir; /* 0 to server, 1 to client (frames) */
    uint8_t *tsdu;
    uint32_t tsdu_len, tsdu_cap;
    bool tsdu_dropping; /* the current TSDU went past the limit */
    /* during app_cotp_feed */
    const struct app_cotp_ops *ops;
    void *user;
    struct app_parse_ctx *ctx;
};

void app_cotp_init(struct app_cotp_dir *c);
int app_cotp_feed(struct app_cotp_dir *c, struct app_parse_ctx *ctx, const uint8_t *data,
                  uint32_t len, uint32_t flags, const struct app_cotp_ops *ops, void *user);
void app_cotp_free(struct app_cotp_dir *c, struct app_layer_thread_ctx *thread);

/* The flow state the port-102 parsers (S7comm, MMS) share: their per-PDU
 * transactions, both directions' ISO transport, the flow's events and the
 * parse call's context. A parser's state struct starts with it. */
struct app_cotp_conn {
    struct app_pdu_queue q;
    struct app_cotp_dir cotp[2];
    uint32_t flow_events;
    struct app_parse_ctx *ctx; /* during a parse call */
    uint8_t dir;               /* of the bytes being parsed: 0 to server */
};

/* A zeroed state of `size` bytes (starting with struct app_cotp_conn),
 * accounted against the memcap; NULL when it runs out. */
void *app_cotp_conn_new(struct app_parse_ctx *ctx, size_t size,
                        void (*tx_free)(struct app_pdu_queue *q, struct app_pdu_tx *tx));
void app_cotp_conn_free(void *state, size_t size);
/* struct app_parser.parse: feeds the direction's transport with ops (their
 * user is the state). */
int app_cotp_conn_parse(void *state, struct app_parse_ctx *ctx, uint8_t direction,
                        const uint8_t *data, uint32_t len, uint32_t flags,
                        const struct app_cotp_ops *ops);
/* struct app_parser.tx_foreach. */
int app_cotp_conn_tx_foreach(void *state, int (*fn)(struct app_tx *tx, void *user), void *user);

/* Probe helper: whether data starts with a TPKT + COTP header. Sets *type to
 * the TPDU code and *user_off to where a DT TPDU's user data starts. */
enum app_probe_result app_cotp_probe(const uint8_t *data, uint32_t len, uint8_t *type,
                                     uint32_t *user_off);
/* Probe of the protocols on TPKT/COTP: walks the TPKT packets at the start
 * of data (up to 8; connection set-up TPDUs are skipped) to the first data
 * TPDU and lets check judge its user data u: avail bytes of it at hand, ulen
 * in the TPDU. NEED_MORE while fewer than `need` bytes of it are at hand, NO
 * when the TPDU holds fewer than min_len. */
enum app_probe_result app_cotp_probe_data(const uint8_t *data, uint32_t len, uint32_t need,
                                          uint32_t min_len,
                                          enum app_probe_result (*check)(const uint8_t *u,
                                                                         uint32_t avail,
                                                                         uint32_t ulen));

#endif
