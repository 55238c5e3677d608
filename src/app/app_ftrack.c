/* SPDX-License-Identifier: Apache-2.0 */
/* File reassembly from offset chunks (see app_ftrack.h). */
#include <stdlib.h>
#include <string.h>

#include "app/app_ftrack.h"
#include "util/json.h"

static void ftrack_append(struct app_parse_ctx *ctx, struct ftrack *ft, const uint8_t *d,
                          uint32_t n)
{
    if (ft->file)
        file_append(ctx, ft->file, d, n);
    ft->tracked += n;
}

static void ftrack_chunk_free(struct app_layer_thread_ctx *thread, struct ftrack_chunk *c)
{
    app_thread_memory_release(thread, sizeof(*c) + c->cap);
    free(c->data);
    free(c);
}

/* Appends what became contiguous. */
static void ftrack_flush(struct app_parse_ctx *ctx, struct ftrack *ft)
{
    struct ftrack_chunk *c;
    while ((c = ft->queue) && c->offset <= ft->tracked && c != ft->pending) {
        uint64_t end = c->offset + c->len;
        if (end > ft->tracked) {
            uint32_t skip = (uint32_t)(ft->tracked - c->offset);
            ftrack_append(ctx, ft, c->data + skip, c->len - skip);
        }
        ft->queue = c->next;
        ft->queued_bytes -= c->cap;
        ft->queued_cnt--;
        ftrack_chunk_free(ctx->thread, c);
    }
}

uint32_t ftrack_chunk(struct app_parse_ctx *ctx, struct ftrack *ft, uint64_t offset,
                      const uint8_t *data, uint32_t len, uint32_t total, uint32_t max_size,
                      uint32_t max_cnt)
{
    uint32_t flags = 0;
    ft->pending = NULL;
    ft->next_offset = offset + len;
    if (offset < ft->tracked)
        flags |= FTRACK_OVERLAP;
    if (offset > ft->tracked) {
        if (max_size && ft->queued_bytes + (uint64_t)total > max_size)
            return flags | FTRACK_QUEUE_SIZE;
        if (max_cnt && ft->queued_cnt >= max_cnt)
            return flags | FTRACK_QUEUE_CNT;
        if (!app_memory_reserve(ctx, sizeof(struct ftrack_chunk) + total))
            return flags;
        struct ftrack_chunk *c = calloc(1, sizeof(*c));
        uint8_t *d = malloc(total ? total : 1);
        if (!c || !d) {
            free(c);
            free(d);
            app_memory_release(ctx, sizeof(struct ftrack_chunk) + total);
            return flags;
        }
        c->offset = offset;
        c->cap = total;
        c->data = d;
        if (len > total)
            len = total;
        memcpy(d, data, len);
        c->len = len;
        struct ftrack_chunk **pp = &ft->queue;
        while (*pp && (*pp)->offset <= offset)
            pp = &(*pp)->next;
        c->next = *pp;
        *pp = c;
        ft->queued_cnt++;
        ft->queued_bytes += total;
        if (len < total)
            ft->pending = c;
        return flags;
    }
    uint64_t end = offset + len;
    if (end > ft->tracked) {
        uint32_t skip = (uint32_t)(ft->tracked - offset);
        ftrack_append(ctx, ft, data + skip, len - skip);
    }
    ftrack_flush(ctx, ft);
    return flags;
}

void ftrack_more(struct app_parse_ctx *ctx, struct ftrack *ft, const uint8_t *data, uint32_t len)
{
    uint64_t offset = ft->next_offset;
    ft->next_offset += len;
    if (ft->pending) {
        struct ftrack_chunk *c = ft->pending;
        uint32_t n = c->cap - c->len < len ? c->cap - c->len : len;
        memcpy(c->data + c->len, data, n);
        c->len += n;
        if (c->len == c->cap)
            ft->pending = NULL;
        ftrack_flush(ctx, ft);
        return;
    }
    if (offset > ft->tracked)
        return; /* its queue entry could not be made: dropped */
    uint64_t end = offset + len;
    if (end > ft->tracked) {
        uint32_t skip = (uint32_t)(ft->tracked - offset);
        ftrack_append(ctx, ft, data + skip, len - skip);
    }
    ftrack_flush(ctx, ft);
}

void ftrack_gap(struct ftrack *ft, uint32_t len)
{
    uint64_t offset = ft->next_offset;
    ft->next_offset += len;
    if (ft->pending) {
        /* A queued chunk with a hole: it keeps its first bytes only. */
        ft->pending = NULL;
        return;
    }
    if (offset == ft->tracked) {
        if (ft->file)
            file_add_gap(ft->file, len);
        ft->tracked += len;
    }
}

void ftrack_close(struct app_parse_ctx *ctx, struct ftrack *ft, enum file_state how)
{
    ft->pending = NULL;
    while (ft->queue) {
        struct ftrack_chunk *c = ft->queue;
        if (c->offset > ft->tracked) {
            if (ft->file)
                file_add_gap(ft->file, c->offset - ft->tracked);
            ft->tracked = c->offset;
        }
        ftrack_flush(ctx, ft);
    }
    if (ft->file && ft->file->state == FILE_STATE_OPEN)
        file_close(ctx, ft->file, how);
}

void ftrack_free(struct ftrack *ft, struct app_layer_thread_ctx *thread)
{
    file_free(ft->file);
    ft->file = NULL;
    while (ft->queue) {
        struct ftrack_chunk *c = ft->queue;
        ft->queue = c->next;
        ftrack_chunk_free(thread, c);
    }
    ft->pending = NULL;
    ft->queued_bytes = ft->queued_cnt = 0;
}

void ftrack_write_alert_files(const struct ftrack *ft, struct json_writer *w)
{
    file_write_alert_files(ft->file, 1, w);
}
