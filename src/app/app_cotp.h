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
};

struct app_cotp_ops {
    /* A TPDU other than DT (connection request/confirm, disconnect, ...):
     * its type (enum app_cotp_type) and the TPDU from its length byte. */
    void (*on_tpdu)(void *user, uint8_t type, const uint8_t *tpdu, uint32_t len);
    /* A complete TSDU (the user data of DT TPDUs up to end-of-TSDU). */
    void (*on_tsdu)(void *user, const uint8_t *data, uint32_t len);
    void (*on_event)(void *user, enum app_cotp_event e);
};

struct app_cotp_dir {
    struct app_framer framer;
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

/* Probe helper: whether data starts with a TPKT + COTP header. Sets *type to
 * the TPDU code and *user_off to where a DT TPDU's user data starts. */
enum app_probe_result app_cotp_probe(const uint8_t *data, uint32_t len, uint8_t *type,
                                     uint32_t *user_off);

#endif
