/* SPDX-License-Identifier: Apache-2.0 */
/* Helpers shared by the parsers that keep request/response transactions in
 * a list and gather messages from the stream themselves (app_enip.c,
 * app_mqtt.c, app_modbus.c): private to src/app/.
 *
 * 1. A flow's transactions in creation order. The parser's transaction
 *    struct starts with struct app_list_tx (its app_tx and the link); the
 *    list gives ids, accounts memory against the app-layer memcap, walks
 *    them for the framework and frees those detection is through with.
 *
 * 2. A growable per-direction buffer for messages split across segments:
 *    bytes are parsed in place when no partial message is pending, and only
 *    the unparsed rest is kept (memory accounted against the memcap). */
#ifndef VIGIL_APP_TXLIST_H
#define VIGIL_APP_TXLIST_H

#include <stddef.h>
#include <stdint.h>

#include "app/app_parser.h"

struct app_list_tx {
    struct app_tx base;
    struct app_list_tx *next;
};

struct app_txlist {
    struct app_list_tx *head, *tail;
    uint32_t live;
    uint64_t next_id;
    struct app_layer_thread_ctx *thread;
};

/* Frees what a parser hangs off a transaction and the transaction itself
 * (its struct, `size` bytes as given to app_txlist_new, is released by the
 * list). */
typedef void (*app_txlist_free_fn)(struct app_list_tx *tx, void *user);

void app_txlist_init(struct app_txlist *l, struct app_layer_thread_ctx *thread);
/* A zeroed transaction of `size` bytes (the parser's struct) with the next
 * id, appended; NULL when the memcap or memory runs out. */
void *app_txlist_new(struct app_txlist *l, const struct app_parser *parser, size_t size);
/* Frees the oldest transactions as long as app_tx_can_free allows. */
void app_txlist_free_done(struct app_txlist *l, size_t size, app_txlist_free_fn fn, void *user);
/* Frees them all (state_free). */
void app_txlist_free_all(struct app_txlist *l, size_t size, app_txlist_free_fn fn, void *user);
/* struct app_parser.tx_foreach over the list. */
int app_txlist_foreach(struct app_txlist *l, int (*fn)(struct app_tx *tx, void *user), void *user);

struct app_msgbuf {
    uint8_t *buf;
    uint32_t len, cap;
    /* During consume: how many bytes of what it is given came before the
     * data of this feed (a pending partial message), so that p[i] is at
     * stream offset (offset of data) - held + i. */
    uint32_t held;
};

/* Parses stream bytes with consume (returns the bytes it used up: whole
 * messages; UINT32_MAX when the stream is malformed), first appending them
 * to a pending partial message if there is one. Returns 0, or -1 when
 * consume failed or the rest could not be kept (memcap). */
int app_msgbuf_feed(struct app_msgbuf *b, struct app_layer_thread_ctx *thread,
                    const uint8_t *data, uint32_t len,
                    uint32_t (*consume)(void *user, const uint8_t *p, uint32_t n), void *user);
/* Drops a pending partial message (a gap: framing is lost). */
static inline void app_msgbuf_reset(struct app_msgbuf *b)
{
    b->len = 0;
}
void app_msgbuf_free(struct app_msgbuf *b, struct app_layer_thread_ctx *thread);

#endif
