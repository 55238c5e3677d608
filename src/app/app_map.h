/* SPDX-License-Identifier: Apache-2.0 */
/* A small bounded hash table for parser state (SMB file names and trees,
 * NFS file handles, pending requests, ...): keys of at most APP_MAP_KEY_MAX
 * bytes, values copied in, open addressing, at most APP_MAP_MAX entries
 * (inserting into a full table evicts the oldest entry), every byte
 * accounted to the app-layer memcap. Private to src/app. */
#ifndef VIGIL_APP_MAP_H
#define VIGIL_APP_MAP_H

#include <stdbool.h>
#include <stdint.h>

#include "app/app_parser.h"

#define APP_MAP_KEY_MAX 72
#define APP_MAP_MAX 4096

struct app_map_entry {
    uint64_t hash; /* 0: empty slot */
    uint32_t age;  /* insertion clock */
    uint8_t klen;
    uint8_t key[APP_MAP_KEY_MAX];
    uint32_t vlen;
    uint8_t *val; /* owned */
};

struct app_map {
    struct app_map_entry *e; /* cap slots, power of two */
    uint32_t cap, count, clock;
};

/* Inserts or replaces; 0, -EINVAL (key too long) or -ENOMEM (memcap). */
int app_map_put(struct app_map *m, struct app_parse_ctx *ctx, const void *key, uint8_t klen,
                const void *val, uint32_t vlen);
/* The value (valid until the next put/del) and its length, or NULL. */
const uint8_t *app_map_get(const struct app_map *m, const void *key, uint8_t klen, uint32_t *vlen);
void app_map_del(struct app_map *m, struct app_layer_thread_ctx *thread, const void *key,
                 uint8_t klen);
void app_map_free(struct app_map *m, struct app_layer_thread_ctx *thread);

#endif
