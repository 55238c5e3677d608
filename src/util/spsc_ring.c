/* SPDX-License-Identifier: Apache-2.0 */
#include "util/spsc_ring.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* Record layout: a size_t header holding the payload length, then the payload,
 * padded to 16 bytes. A header with the WRAP marker tells the consumer that
 * the rest of the buffer is unused and the next record starts at offset 0,
 * so every record is contiguous in memory. */
#define RECORD_ALIGN 16
#define WRAP_MARKER ((size_t)-1)
#define HEADER_SIZE RECORD_ALIGN

static size_t record_size(size_t len)
{
    return HEADER_SIZE + ((len + RECORD_ALIGN - 1) & ~(size_t)(RECORD_ALIGN - 1));
}

int spsc_ring_init(struct spsc_ring *r, size_t size)
{
    size_t s = 4096;
    while (s < size)
        s <<= 1;
    memset(r, 0, sizeof *r);
    r->buf = aligned_alloc(64, s);
    if (!r->buf)
        return -ENOMEM;
    r->size = s;
    atomic_init(&r->head, 0);
    atomic_init(&r->tail, 0);
    return 0;
}

void spsc_ring_free(struct spsc_ring *r)
{
    free(r->buf);
    r->buf = NULL;
}

/* Pending reservation (producer side only). */
static _Thread_local struct {
    struct spsc_ring *ring;
    size_t new_head;
} pending;

void *spsc_ring_reserve(struct spsc_ring *r, size_t len)
{
    size_t need = record_size(len);
    if (need > r->size / 4)
        return NULL;
    size_t head = atomic_load_explicit(&r->head, memory_order_relaxed);
    size_t tail = atomic_load_explicit(&r->tail, memory_order_acquire);
    size_t offset = head & (r->size - 1);
    size_t to_end = r->size - offset;
    size_t total = need;
    bool wrap = to_end < need;
    if (wrap)
        total += to_end;
    if (r->size - (head - tail) < total)
        return NULL;
    if (wrap) {
        *(size_t *)(r->buf + offset) = WRAP_MARKER;
        head += to_end;
        offset = 0;
    }
    *(size_t *)(r->buf + offset) = len;
    pending.ring = r;
    pending.new_head = head + need;
    return r->buf + offset + HEADER_SIZE;
}

void spsc_ring_commit(struct spsc_ring *r)
{
    atomic_store_explicit(&r->head, pending.new_head, memory_order_release);
}

void *spsc_ring_peek(struct spsc_ring *r, size_t *len)
{
    size_t tail = atomic_load_explicit(&r->tail, memory_order_relaxed);
    size_t head = atomic_load_explicit(&r->head, memory_order_acquire);
    if (tail == head)
        return NULL;
    size_t offset = tail & (r->size - 1);
    size_t l = *(size_t *)(r->buf + offset);
    if (l == WRAP_MARKER) {
        tail += r->size - offset;
        atomic_store_explicit(&r->tail, tail, memory_order_release);
        if (tail == head)
            return NULL;
        offset = 0;
        l = *(size_t *)(r->buf);
    }
    *len = l;
    return r->buf + offset + HEADER_SIZE;
}

void spsc_ring_release(struct spsc_ring *r)
{
    size_t tail = atomic_load_explicit(&r->tail, memory_order_relaxed);
    size_t offset = tail & (r->size - 1);
    size_t l = *(size_t *)(r->buf + offset);
    atomic_store_explicit(&r->tail, tail + record_size(l), memory_order_release);
}
