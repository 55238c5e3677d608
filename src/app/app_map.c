/* SPDX-License-Identifier: Apache-2.0 */
/* Bounded hash table for parser state (see app_map.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "app/app_map.h"

static uint64_t app_map_hash(const uint8_t *k, uint8_t n)
{
    uint64_t h = 0xcbf29ce484222325ull;
    for (uint8_t i = 0; i < n; i++)
        h = (h ^ k[i]) * 0x100000001b3ull;
    return h | 1; /* 0 marks an empty slot */
}

static void app_map_entry_clear(struct app_map_entry *e, struct app_layer_thread_ctx *thread)
{
    if (e->val) {
        app_thread_memory_release(thread, e->vlen);
        free(e->val);
    }
    memset(e, 0, sizeof(*e));
}

static struct app_map_entry *app_map_slot(const struct app_map *m, const void *key, uint8_t klen,
                                          uint64_t h)
{
    if (!m->cap)
        return NULL;
    for (uint32_t i = 0; i < m->cap; i++) {
        struct app_map_entry *e = &m->e[(h + i) & (m->cap - 1)];
        if (!e->hash)
            return NULL;
        if (e->hash == h && e->klen == klen && memcmp(e->key, key, klen) == 0)
            return e;
    }
    return NULL;
}

/* Backward-shift deletion keeps probe chains intact. */
static void app_map_remove_slot(struct app_map *m, struct app_layer_thread_ctx *thread, uint32_t i)
{
    app_map_entry_clear(&m->e[i], thread);
    m->count--;
    uint32_t mask = m->cap - 1;
    uint32_t j = i;
    for (;;) {
        j = (j + 1) & mask;
        struct app_map_entry *e = &m->e[j];
        if (!e->hash)
            break;
        uint32_t home = (uint32_t)(e->hash & mask);
        bool between = i <= j ? (home > i && home <= j) : (home > i || home <= j);
        if (between)
            continue;
        m->e[i] = *e;
        memset(e, 0, sizeof(*e));
        i = j;
    }
}

void app_map_free(struct app_map *m, struct app_layer_thread_ctx *thread)
{
    for (uint32_t i = 0; i < m->cap; i++)
        if (m->e[i].hash)
            app_map_entry_clear(&m->e[i], thread);
    if (m->e)
        app_thread_memory_release(thread, m->cap * sizeof(*m->e));
    free(m->e);
    memset(m, 0, sizeof(*m));
}

static bool app_map_grow(struct app_map *m, struct app_parse_ctx *ctx)
{
    uint32_t ncap = m->cap ? m->cap * 2 : 16;
    if (!app_memory_reserve(ctx, ncap * sizeof(*m->e)))
        return false;
    struct app_map_entry *ne = calloc(ncap, sizeof(*ne));
    if (!ne) {
        app_memory_release(ctx, ncap * sizeof(*m->e));
        return false;
    }
    for (uint32_t i = 0; i < m->cap; i++) {
        struct app_map_entry *e = &m->e[i];
        if (!e->hash)
            continue;
        uint32_t k = (uint32_t)(e->hash & (ncap - 1));
        while (ne[k].hash)
            k = (k + 1) & (ncap - 1);
        ne[k] = *e;
    }
    if (m->e)
        app_memory_release(ctx, m->cap * sizeof(*m->e));
    free(m->e);
    m->e = ne;
    m->cap = ncap;
    return true;
}

int app_map_put(struct app_map *m, struct app_parse_ctx *ctx, const void *key, uint8_t klen,
                const void *val, uint32_t vlen)
{
    if (klen > APP_MAP_KEY_MAX)
        return -EINVAL;
    uint64_t h = app_map_hash(key, klen);
    struct app_map_entry *e = app_map_slot(m, key, klen, h);
    if (!e) {
        if (m->count >= APP_MAP_MAX) {
            /* Full: the oldest entry goes. */
            uint32_t oldest = 0;
            for (uint32_t i = 0; i < m->cap; i++)
                if (m->e[i].hash && (!m->e[oldest].hash || m->e[i].age < m->e[oldest].age))
                    oldest = i;
            app_map_remove_slot(m, ctx->thread, oldest);
        }
        if ((m->count + 1) * 4 > m->cap * 3 && !app_map_grow(m, ctx))
            return -ENOMEM;
        uint32_t k = (uint32_t)(h & (m->cap - 1));
        while (m->e[k].hash)
            k = (k + 1) & (m->cap - 1);
        e = &m->e[k];
        e->hash = h;
        e->klen = klen;
        memcpy(e->key, key, klen);
        m->count++;
    } else if (e->val) {
        app_memory_release(ctx, e->vlen);
        free(e->val);
        e->val = NULL;
        e->vlen = 0;
    }
    e->age = m->clock++;
    if (vlen) {
        if (!app_memory_reserve(ctx, vlen))
            goto fail;
        e->val = malloc(vlen);
        if (!e->val) {
            app_memory_release(ctx, vlen);
            goto fail;
        }
        memcpy(e->val, val, vlen);
        e->vlen = vlen;
    }
    return 0;
fail:
    app_map_remove_slot(m, ctx->thread, (uint32_t)(e - m->e));
    return -ENOMEM;
}

const uint8_t *app_map_get(const struct app_map *m, const void *key, uint8_t klen, uint32_t *vlen)
{
    if (klen > APP_MAP_KEY_MAX)
        return NULL;
    struct app_map_entry *e = app_map_slot(m, key, klen, app_map_hash(key, klen));
    if (!e)
        return NULL;
    if (vlen)
        *vlen = e->vlen;
    return e->val ? e->val : (const uint8_t *)"";
}

void app_map_del(struct app_map *m, struct app_layer_thread_ctx *thread, const void *key,
                 uint8_t klen)
{
    if (klen > APP_MAP_KEY_MAX)
        return;
    struct app_map_entry *e = app_map_slot(m, key, klen, app_map_hash(key, klen));
    if (e)
        app_map_remove_slot(m, thread, (uint32_t)(e - m->e));
}
