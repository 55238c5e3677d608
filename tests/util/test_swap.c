/* SPDX-License-Identifier: Apache-2.0 */
/* The swap of shared immutable objects: readers never see a freed or
 * half-built object while a writer keeps publishing new ones; offline
 * readers do not hold a writer up; a stalled reader does (until timeout). */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

#include "test.h"
#include "util/swap.h"

#define OBJ_WORDS 64
#define MAGIC 0x5eed5eedu

struct obj {
    uint32_t magic;
    uint32_t generation;
    uint32_t words[OBJ_WORDS]; /* all equal to generation when complete */
};

static struct swap_domain domain;
static struct swap_slot slot;
static _Atomic bool stop;
static _Atomic uint64_t bad_reads, reads;

static struct obj *obj_new(uint32_t gen)
{
    struct obj *o = malloc(sizeof *o);
    o->magic = MAGIC;
    o->generation = gen;
    for (int i = 0; i < OBJ_WORDS; i++)
        o->words[i] = gen;
    return o;
}

static void obj_free(struct obj *o)
{
    /* Poison first: a reader still looking would see it (and ASan would
     * report the use after free). */
    o->magic = 0;
    for (int i = 0; i < OBJ_WORDS; i++)
        o->words[i] = 0xdeadbeef;
    free(o);
}

static void *reader_main(void *arg)
{
    struct swap_reader *r = arg;
    uint64_t n = 0;
    uint32_t last_gen = 0;
    while (!atomic_load(&stop)) {
        /* One "packet": read the current object several times. */
        const struct obj *o = swap_slot_get(&slot);
        for (int k = 0; k < 4; k++) {
            if (o->magic != MAGIC || o->generation < last_gen)
                atomic_fetch_add(&bad_reads, 1);
            for (int i = 0; i < OBJ_WORDS; i++)
                if (o->words[i] != o->generation)
                    atomic_fetch_add(&bad_reads, 1);
        }
        last_gen = o->generation;
        n++;
        swap_reader_quiescent(r);
        /* Every so often go idle, as a live worker waiting for packets. */
        if ((n & 1023) == 0) {
            swap_reader_offline(r);
            struct timespec nap = {0, 50 * 1000};
            nanosleep(&nap, NULL);
            swap_reader_online(r);
        }
    }
    atomic_fetch_add(&reads, n);
    swap_reader_offline(r);
    return NULL;
}

static void test_concurrent_swaps(void)
{
    swap_domain_init(&domain);
    swap_slot_publish(&slot, obj_new(1));
    enum { NREADERS = 3, SWAPS = 300 };
    pthread_t th[NREADERS];
    struct swap_reader *rd[NREADERS];
    for (int i = 0; i < NREADERS; i++) {
        rd[i] = swap_reader_register(&domain);
        CHECK(rd[i] != NULL);
    }
    for (int i = 0; i < NREADERS; i++)
        pthread_create(&th[i], NULL, reader_main, rd[i]);
    for (uint32_t gen = 2; gen < 2 + SWAPS; gen++) {
        struct obj *old = swap_slot_publish(&slot, obj_new(gen));
        CHECK_EQ_INT(swap_synchronize(&domain, NULL, 0), 0);
        obj_free(old);
    }
    atomic_store(&stop, true);
    for (int i = 0; i < NREADERS; i++)
        pthread_join(th[i], NULL);
    CHECK_EQ_INT(atomic_load(&bad_reads), 0);
    CHECK(atomic_load(&reads) > 0);
    obj_free(swap_slot_publish(&slot, NULL));
    for (int i = 0; i < NREADERS; i++)
        swap_reader_unregister(rd[i]);
}

static void test_offline_and_stalled_readers(void)
{
    swap_domain_init(&domain);
    struct swap_reader *idle = swap_reader_register(&domain);
    struct swap_reader *stalled = swap_reader_register(&domain);
    struct swap_reader *self = swap_reader_register(&domain);
    CHECK(idle && stalled && self);
    swap_reader_offline(idle);
    /* stalled is online and never passes a quiescent point: a writer times
     * out instead of freeing under it. */
    CHECK_EQ_INT(swap_synchronize(&domain, self, 20), -ETIMEDOUT);
    swap_reader_quiescent(stalled);
    /* The caller (a reader itself, e.g. the single-threaded pcap loop
     * reloading between packets) does not wait for itself. */
    CHECK_EQ_INT(swap_synchronize(&domain, self, 20), -ETIMEDOUT); /* stalled is behind again */
    swap_reader_unregister(stalled);
    CHECK_EQ_INT(swap_synchronize(&domain, self, 20), 0);
    /* Slots are reused after unregistering. */
    struct swap_reader *again = swap_reader_register(&domain);
    CHECK(again == stalled);
    swap_reader_unregister(again);
    swap_reader_unregister(idle);
    swap_reader_unregister(self);
}

int main(void)
{
    test_concurrent_swaps();
    test_offline_and_stalled_readers();
    TEST_MAIN_END();
}
