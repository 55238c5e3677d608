/* SPDX-License-Identifier: Apache-2.0 */
/* A single-producer single-consumer ring of variable-length records, used to
 * hand captured frames from the reader thread to a worker. The producer
 * copies a frame in once; the consumer reads it in place and releases it.
 * Lock-free: head and tail are C11 atomics, each written by one side only. */
#ifndef VIGIL_UTIL_SPSC_RING_H
#define VIGIL_UTIL_SPSC_RING_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct spsc_ring {
    uint8_t *buf;
    size_t size;                  /* power of two */
    _Alignas(64) _Atomic size_t head; /* next byte the producer writes (monotonic) */
    _Alignas(64) _Atomic size_t tail; /* next byte the consumer reads (monotonic) */
};

/* size is rounded up to a power of two; returns 0 or -ENOMEM. */
int spsc_ring_init(struct spsc_ring *r, size_t size);
void spsc_ring_free(struct spsc_ring *r);

/* Producer: reserves a contiguous record of len bytes and returns a pointer
 * to fill, or NULL if the ring is full right now (retry later). len must be
 * at most size/4. Publish with spsc_ring_commit(). */
void *spsc_ring_reserve(struct spsc_ring *r, size_t len);
void spsc_ring_commit(struct spsc_ring *r);

/* Consumer: the oldest record (and its length) or NULL if empty. Release
 * with spsc_ring_release() when done with it. */
void *spsc_ring_peek(struct spsc_ring *r, size_t *len);
void spsc_ring_release(struct spsc_ring *r);

#endif
