/* SPDX-License-Identifier: Apache-2.0 */
/* Reassembly of a file written or read in chunks at explicit offsets (SMB
 * reads and writes, NFS READ/WRITE): chunks at the file's end are appended,
 * chunks beyond it wait (copied, within queue limits) until the hole before
 * them fills, chunks before it overlap (first data wins, reported). A chunk
 * may arrive in pieces: ftrack_chunk starts it with the bytes at hand,
 * ftrack_more / ftrack_gap continue it. Holes left at close become gaps of
 * the file. Memory is accounted to the app-layer memcap. Private to src/app. */
#ifndef VIGIL_APP_FTRACK_H
#define VIGIL_APP_FTRACK_H

#include <stdbool.h>
#include <stdint.h>

#include "app/app_parser.h"
#include "app/file.h"

struct ftrack_chunk {
    struct ftrack_chunk *next;
    uint64_t offset;
    uint32_t len, cap;
    uint8_t *data; /* owned */
};

struct ftrack {
    struct app_file *file;      /* owned; NULL when it could not be opened */
    uint64_t tracked;           /* next contiguous offset */
    struct ftrack_chunk *queue; /* sorted by offset */
    uint32_t queued_bytes, queued_cnt;
    struct ftrack_chunk *pending; /* queued chunk still arriving */
    uint64_t next_offset;         /* offset of the next streamed byte */
};

#define FTRACK_OVERLAP 0x1u    /* the chunk starts before the file's end */
#define FTRACK_QUEUE_SIZE 0x2u /* dropped: queued bytes would pass max_size */
#define FTRACK_QUEUE_CNT 0x4u  /* dropped: queued chunks would pass max_cnt */

/* A chunk of total bytes at offset, len of them in data. max_size / max_cnt
 * bound the queue (0: no bound). Returns FTRACK_* flags. */
uint32_t ftrack_chunk(struct app_parse_ctx *ctx, struct ftrack *ft, uint64_t offset,
                      const uint8_t *data, uint32_t len, uint32_t total, uint32_t max_size,
                      uint32_t max_cnt);
/* The next bytes of the current chunk. */
void ftrack_more(struct app_parse_ctx *ctx, struct ftrack *ft, const uint8_t *data, uint32_t len);
/* Bytes of the current chunk that were lost. */
void ftrack_gap(struct ftrack *ft, uint32_t len);
/* Closes the file (state how); holes still open become gaps first. */
void ftrack_close(struct app_parse_ctx *ctx, struct ftrack *ft, enum file_state how);
/* Alert metadata: the tracked file as Suricata's "files" array (nothing
 * when there is no file). */
struct json_writer;
void ftrack_write_alert_files(const struct ftrack *ft, struct json_writer *w);
/* Frees the file and the queue. */
void ftrack_free(struct ftrack *ft, struct app_layer_thread_ctx *thread);

#endif
