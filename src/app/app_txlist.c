/* SPDX-License-Identifier: Apache-2.0 */
/* Transaction lists and message buffers of the request/response parsers
 * (see app_txlist.h). */
#include "app/app_txlist.h"

#include <stdlib.h>
#include <string.h>

void app_txlist_init(struct app_txlist *l, struct app_layer_thread_ctx *thread)
{
    memset(l, 0, sizeof(*l));
    l->thread = thread;
}

void *app_txlist_new(struct app_txlist *l, const struct app_parser *parser, size_t size)
{
    if (!app_thread_memory_reserve(l->thread, size))
        return NULL;
    struct app_list_tx *tx = calloc(1, size);
    if (!tx) {
        app_thread_memory_release(l->thread, size);
        return NULL;
    }
    tx->base.parser = parser;
    tx->base.id = l->next_id++;
    if (l->tail)
        l->tail->next = tx;
    else
        l->head = tx;
    l->tail = tx;
    l->live++;
    return tx;
}

static void txlist_free_one(struct app_txlist *l, struct app_list_tx *tx, size_t size,
                            app_txlist_free_fn fn, void *user)
{
    if (fn)
        fn(tx, user);
    free(tx);
    app_thread_memory_release(l->thread, size);
}

void app_txlist_free_done(struct app_txlist *l, size_t size, app_txlist_free_fn fn, void *user)
{
    while (l->head && app_tx_can_free(&l->head->base)) {
        struct app_list_tx *tx = l->head;
        l->head = tx->next;
        if (!l->head)
            l->tail = NULL;
        txlist_free_one(l, tx, size, fn, user);
        l->live--;
    }
}

void app_txlist_free_all(struct app_txlist *l, size_t size, app_txlist_free_fn fn, void *user)
{
    while (l->head) {
        struct app_list_tx *tx = l->head;
        l->head = tx->next;
        txlist_free_one(l, tx, size, fn, user);
    }
    l->tail = NULL;
    l->live = 0;
}

int app_txlist_foreach(struct app_txlist *l, int (*fn)(struct app_tx *tx, void *user), void *user)
{
    for (struct app_list_tx *tx = l->head; tx; tx = tx->next) {
        int rc = fn(&tx->base, user);
        if (rc)
            return rc;
    }
    return 0;
}

static bool msgbuf_append(struct app_msgbuf *b, struct app_layer_thread_ctx *thread,
                          const uint8_t *data, uint32_t len)
{
    uint32_t need = b->len + len;
    if (need > b->cap) {
        uint32_t cap = b->cap ? b->cap : 256;
        while (cap < need)
            cap *= 2;
        if (!app_thread_memory_reserve(thread, cap - b->cap))
            return false;
        uint8_t *n = realloc(b->buf, cap);
        if (!n) {
            app_thread_memory_release(thread, cap - b->cap);
            return false;
        }
        b->buf = n;
        b->cap = cap;
    }
    memmove(b->buf + b->len, data, len);
    b->len += len;
    return true;
}

int app_msgbuf_feed(struct app_msgbuf *b, struct app_layer_thread_ctx *thread,
                    const uint8_t *data, uint32_t len,
                    uint32_t (*consume)(void *user, const uint8_t *p, uint32_t n), void *user)
{
    const uint8_t *p = data;
    uint32_t n = len;
    bool buffered = b->len > 0;
    b->held = b->len;
    if (buffered) {
        if (!msgbuf_append(b, thread, data, len))
            return -1;
        p = b->buf;
        n = b->len;
    }
    uint32_t used = consume(user, p, n);
    if (used == UINT32_MAX)
        return -1;
    if (buffered) {
        memmove(b->buf, b->buf + used, n - used);
        b->len = n - used;
    } else if (used < n && !msgbuf_append(b, thread, p + used, n - used)) {
        return -1;
    }
    return 0;
}

void app_msgbuf_free(struct app_msgbuf *b, struct app_layer_thread_ctx *thread)
{
    if (b->buf) {
        app_thread_memory_release(thread, b->cap);
        free(b->buf);
    }
    memset(b, 0, sizeof(*b));
}
