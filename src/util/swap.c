/* SPDX-License-Identifier: Apache-2.0 */
#include "util/swap.h"

#include <errno.h>
#include <string.h>
#include <time.h>

void swap_domain_init(struct swap_domain *d)
{
    memset(d, 0, sizeof *d);
    atomic_store(&d->epoch, 1);
}

struct swap_reader *swap_reader_register(struct swap_domain *d)
{
    uint32_t n = atomic_load(&d->nreaders);
    for (uint32_t i = 0; i < n; i++) {
        struct swap_reader *r = &d->readers[i];
        if (!r->registered) {
            r->domain = d;
            r->registered = true;
            atomic_store(&r->seen, atomic_load(&d->epoch));
            return r;
        }
    }
    if (n >= SWAP_MAX_READERS)
        return NULL;
    struct swap_reader *r = &d->readers[n];
    r->domain = d;
    r->registered = true;
    atomic_store(&r->seen, atomic_load(&d->epoch));
    atomic_store(&d->nreaders, n + 1);
    return r;
}

void swap_reader_unregister(struct swap_reader *r)
{
    if (!r)
        return;
    atomic_store(&r->seen, 0);
    r->registered = false;
}

void swap_reader_offline(struct swap_reader *r)
{
    atomic_store_explicit(&r->seen, 0, memory_order_release);
}

void swap_reader_online(struct swap_reader *r)
{
    /* seq_cst: the announcement is visible before any slot read that follows. */
    atomic_store(&r->seen, atomic_load(&r->domain->epoch));
}

void *swap_slot_publish(struct swap_slot *s, void *obj)
{
    return atomic_exchange_explicit(&s->ptr, obj, memory_order_acq_rel);
}

int swap_synchronize(struct swap_domain *d, const struct swap_reader *self, uint32_t timeout_ms)
{
    /* A reader that announces the new epoch has passed a quiescent point
     * after the publish that preceded this increment. */
    uint64_t target = atomic_fetch_add(&d->epoch, 1) + 1;
    struct timespec start;
    clock_gettime(CLOCK_MONOTONIC, &start);
    uint32_t n = atomic_load(&d->nreaders);
    for (uint32_t i = 0; i < n; i++) {
        const struct swap_reader *r = &d->readers[i];
        if (r == self)
            continue;
        unsigned spins = 0;
        for (;;) {
            uint64_t seen = atomic_load(&r->seen);
            if (seen == 0 || seen >= target)
                break;
            if (++spins < 64)
                continue;
            struct timespec nap = {0, 200 * 1000}; /* 0.2 ms */
            nanosleep(&nap, NULL);
            if (timeout_ms) {
                struct timespec now;
                clock_gettime(CLOCK_MONOTONIC, &now);
                uint64_t ms = (uint64_t)(now.tv_sec - start.tv_sec) * 1000 +
                              (uint64_t)((now.tv_nsec - start.tv_nsec) / 1000000);
                if (ms >= timeout_ms)
                    return -ETIMEDOUT;
            }
        }
    }
    return 0;
}
