/* SPDX-License-Identifier: Apache-2.0 */
/* Swapping immutable shared structures (the rule engine on reload, indicator
 * sets on a feed update) under running workers without locks on the packet
 * path: quiescent-state-based reclamation, as in userspace RCU.
 *
 * Readers are the worker threads. Each registers once and calls
 * swap_reader_quiescent() between two packets: at that point it holds no
 * pointer obtained from a slot before the call. A writer publishes a new
 * object with swap_slot_publish() (one atomic store: each packet sees either
 * the old object or the new one, never a mixture) and then
 * swap_synchronize() waits until every online reader has passed a quiescent
 * point, after which the old object may be freed. A reader that blocks for
 * input (idle live capture) goes offline first, so it never delays a swap.
 *
 * Cost on the packet path: one relaxed load and, only after a publish, one
 * store per quiescent call. */
#ifndef VIGIL_UTIL_SWAP_H
#define VIGIL_UTIL_SWAP_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#define SWAP_MAX_READERS 128

struct swap_reader {
    struct swap_domain *domain;
    /* The epoch this reader last announced; 0 while offline. */
    _Atomic uint64_t seen;
    bool registered;
};

struct swap_domain {
    _Atomic uint64_t epoch; /* starts at 1; 0 means offline in reader->seen */
    struct swap_reader readers[SWAP_MAX_READERS];
    _Atomic uint32_t nreaders;
};

/* A published pointer. Zero-initialised means NULL. */
struct swap_slot {
    _Atomic(void *) ptr;
};

void swap_domain_init(struct swap_domain *d);

/* Registers the calling reader thread (online from now). Returns NULL when
 * SWAP_MAX_READERS are registered. Not thread-safe against other
 * registrations: register readers before starting them, or under a lock. */
struct swap_reader *swap_reader_register(struct swap_domain *d);
/* The reader leaves for good (e.g. its thread ends); it never blocks a
 * writer afterwards. */
void swap_reader_unregister(struct swap_reader *r);

/* Between packets: everything read from slots before this call is no longer
 * used by this reader. */
static inline void swap_reader_quiescent(struct swap_reader *r)
{
    uint64_t e = atomic_load_explicit(&r->domain->epoch, memory_order_acquire);
    if (atomic_load_explicit(&r->seen, memory_order_relaxed) != e)
        atomic_store_explicit(&r->seen, e, memory_order_release);
}

/* Before blocking for input / after it: an offline reader holds nothing. */
void swap_reader_offline(struct swap_reader *r);
void swap_reader_online(struct swap_reader *r);

/* Reader side: the current object (valid until the next quiescent call). */
static inline void *swap_slot_get(struct swap_slot *s)
{
    return atomic_load_explicit(&s->ptr, memory_order_acquire);
}

/* Writer side: makes obj the current object and returns the previous one,
 * which readers may still use until swap_synchronize() returns. Writers of
 * one slot must be serialised by the caller. */
void *swap_slot_publish(struct swap_slot *s, void *obj);

/* Waits until every online reader has passed a quiescent point after this
 * call began (self, if the caller is a registered reader, counts as
 * quiescent: pass it, or NULL). Returns 0, or -ETIMEDOUT after timeout_ms
 * (0: wait forever); on timeout nothing may be freed yet. */
int swap_synchronize(struct swap_domain *d, const struct swap_reader *self, uint32_t timeout_ms);

#endif
