/* SPDX-License-Identifier: Apache-2.0 */
/* Indicator sets swapped under running readers (the sensor's update path):
 * a writer builds each new set beside the current one, publishes it with
 * one atomic store and frees the old one after every reader passed a
 * quiescent point. Readers, between two "packets", must always see a whole
 * set: every value of its generation present, none of another generation,
 * and never a freed set (ASan builds catch that). */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#include "intel/intel.h"
#include "test.h"
#include "util/swap.h"

#define READERS 3
#define VALUES 300
#define GENERATIONS 60

static struct swap_domain dom;
static struct swap_slot slot;
static atomic_bool done;
static atomic_ulong packets, bad;

static struct intel_set *build(uint32_t g)
{
    struct intel_builder *b = intel_builder_new();
    struct intel_meta_in m = {.name = "gen", .confidence = -1};
    uint32_t meta = intel_builder_add_meta(b, &m);
    char v[64], err[64];
    for (int i = 0; i < VALUES; i++) {
        int n = snprintf(v, sizeof v, "g%u-v%d.example", g, i);
        intel_builder_add(b, INTEL_KIND_DOMAIN, v, (size_t)n, meta, 0, err, sizeof err);
    }
    return intel_builder_finish(b, g);
}

static void *reader(void *arg)
{
    struct swap_reader *r = arg;
    struct intel_hit h[4];
    char v[64];
    while (!atomic_load(&done)) {
        const struct intel_set *s = swap_slot_get(&slot);
        if (s) {
            uint32_t g = intel_set_generation(s);
            /* one "packet": a few lookups on one set */
            for (int k = 0; k < 5; k++) {
                int i = (int)((atomic_load(&packets) * 7 + (unsigned)k * 31) % VALUES);
                int n = snprintf(v, sizeof v, "g%u-v%d.example", g, i);
                if (intel_set_lookup_domain(s, v, (size_t)n, h, 4) != 1)
                    atomic_fetch_add(&bad, 1);
                n = snprintf(v, sizeof v, "g%u-v%d.example", g + 1, i);
                if (intel_set_lookup_domain(s, v, (size_t)n, h, 4) != 0)
                    atomic_fetch_add(&bad, 1);
            }
            if (intel_set_count(s, INTEL_KIND_DOMAIN) != VALUES)
                atomic_fetch_add(&bad, 1);
            atomic_fetch_add(&packets, 1);
        }
        swap_reader_quiescent(r);
    }
    swap_reader_offline(r);
    return NULL;
}

int main(void)
{
    swap_domain_init(&dom);
    struct swap_reader *rs[READERS];
    pthread_t th[READERS];
    for (int i = 0; i < READERS; i++)
        rs[i] = swap_reader_register(&dom);
    swap_slot_publish(&slot, build(1));
    for (int i = 0; i < READERS; i++)
        pthread_create(&th[i], NULL, reader, rs[i]);
    unsigned long swaps = 0;
    for (uint32_t g = 2; g <= GENERATIONS; g++) {
        struct intel_set *next = build(g); /* beside the current one */
        struct intel_set *old = swap_slot_publish(&slot, next);
        CHECK_EQ_INT(swap_synchronize(&dom, NULL, 0), 0);
        intel_set_free(old); /* no reader can hold it any more */
        swaps++;
    }
    unsigned long before = atomic_load(&packets);
    while (atomic_load(&packets) < before + 1000)
        ;
    atomic_store(&done, true);
    for (int i = 0; i < READERS; i++)
        pthread_join(th[i], NULL);
    intel_set_free(swap_slot_publish(&slot, NULL));
    fprintf(stderr, "%lu swaps under %lu reader packets, %lu inconsistent reads\n", swaps,
            atomic_load(&packets), atomic_load(&bad));
    CHECK_EQ_INT(atomic_load(&bad), 0);
    CHECK(atomic_load(&packets) > 1000);
    TEST_MAIN_END();
}
