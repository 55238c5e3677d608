/* SPDX-License-Identifier: Apache-2.0 */
/* File tracking for the application-layer parsers (HTTP bodies, SMTP
 * attachments, FTP data): a file is opened with a name, fed bytes in order
 * (with gaps), and closed with a final state. While it is open the hashes
 * (md5/sha1/sha256, OpenSSL EVP, incremental) are updated, the first bytes are
 * kept for libmagic, an inspection copy of the first `inspect_limit` bytes is
 * kept for the file.data buffer, and, if configured, the content is written
 * to cfg->file_store_dir and renamed to its sha256 on close.
 *
 * A file belongs to the parser transaction that opened it; the parser frees
 * it with file_free() when the transaction is freed. Memory is accounted to
 * the app-layer memcap through app_memory_reserve(). */
#ifndef VIGIL_APP_FILE_H
#define VIGIL_APP_FILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct app_parse_ctx;
struct app_layer_thread_ctx;
struct json_writer;

enum file_state {
    FILE_STATE_OPEN = 0,
    FILE_STATE_CLOSED,    /* complete */
    FILE_STATE_TRUNCATED, /* the transfer ended early (flow end, limit, gap at the end) */
    FILE_STATE_ERROR,     /* the parser could not follow the transfer */
};

#define FILE_MAGIC_HEAD 512 /* bytes kept for libmagic */

struct app_file {
    struct app_file *next; /* next file of the same transaction */
    uint8_t *name;         /* raw bytes as seen on the wire (not NUL-terminated) */
    uint32_t name_len;
    uint64_t size; /* bytes seen, gaps included */
    uint64_t tx_id;
    uint8_t direction; /* 0: to server, 1: to client */
    uint8_t state;     /* enum file_state */
    bool gaps;
    bool stored;       /* written to the file store (file_id: store_id) */
    bool store_wanted; /* a rule's filestore keyword chose it (file_store_mark) */
    bool store_pending; /* closed whole, kept in tmp until a rule chooses it or it is freed */
    uint32_t store_id; /* Suricata's file_id: the file store's number, from 1 */
    bool logged; /* fileinfo event written */
    bool hashes_done;
    bool want_md5, want_sha1, want_sha256; /* log these hashes */
    bool have_md5, have_sha1, have_sha256; /* computed (for logging or inspection), once closed */
    bool want_magic; /* files.force-magic (needs libmagic: VIGIL_HAVE_MAGIC) */
    void *md5_ctx, *sha1_ctx, *sha256_ctx; /* EVP_MD_CTX */
    uint8_t md5[16], sha1[20], sha256[32];
    uint8_t head[FILE_MAGIC_HEAD];
    uint32_t head_len;
    char *magic;   /* libmagic description, or NULL */
    uint8_t *data; /* inspection copy: first data_limit bytes */
    uint32_t data_len, data_cap, data_limit;
    int store_fd;    /* -1 when not extracting */
    char *store_tmp;  /* temporary path while extracting */
    char *store_meta; /* <final>.<secs>.<id>.json to write with the fileinfo, or NULL */
    size_t mem;      /* bytes reserved against the memcap */
    struct app_layer_thread_ctx *thread;
};

/* Opens a file. name may contain any bytes. inspect_limit bounds the copy kept
 * for file.data (0: none). Returns NULL when the memcap or malloc refuses
 * (counted by the framework). The caller owns the result: file_free(). */
struct app_file *file_open(struct app_parse_ctx *ctx, const void *name, size_t name_len,
                           uint64_t tx_id, uint8_t direction, uint32_t inspect_limit);
/* Appends in-order content. Returns 0, or -ENOMEM when the inspection copy
 * could not grow (the file goes on without it). No-op once closed. */
int file_append(struct app_parse_ctx *ctx, struct app_file *f, const void *data, size_t len);
/* Records that len bytes were lost: hashes become invalid, size grows. */
void file_add_gap(struct app_file *f, uint64_t len);
/* Finishes hashes, magic and extraction. Closing a closed file does nothing. */
void file_close(struct app_parse_ctx *ctx, struct app_file *f, enum file_state state);
/* Frees one file (and closes it as TRUNCATED first if still open). */
void file_free(struct app_file *f);
/* Frees a whole list linked through ->next. */
void file_list_free(struct app_file *head);

/* A rule chose the file for the file store (Suricata's filestore keyword):
 * kept when it closes whole. No effect without a file store. */
void file_store_mark(struct app_file *f);
/* Makes the file store's tree under dir (dir, 00..ff, tmp). Returns 0, or
 * -1 with the reason in err. */
int file_store_prepare(const char *dir, char *err, size_t errlen);

/* "CLOSED", "TRUNCATED", "ERROR", "UNKNOWN" (open). */
const char *file_state_name(uint8_t state);

/* Writes "fileinfo": {...} (Suricata's shape) into an open object. */
void file_write_fileinfo(const struct app_file *f, struct json_writer *w);
/* Alert metadata: "files": [...] of the first n files of the list (0: all)
 * linked through ->next, as Suricata adds them to an alert on a
 * transaction with files; nothing when the list is empty. */
void file_write_alert_files(const struct app_file *head, uint32_t n, struct json_writer *w);

/* Logs an EVE fileinfo event for the file: write_tx (may be NULL) writes the
 * protocol member of the owning transaction ("http": {...}), then
 * "fileinfo" follows. Marks the file logged. */
void file_log(struct app_parse_ctx *ctx, struct app_file *f,
              void (*write_tx)(const void *tx, struct json_writer *w), const void *tx);

/* Lowercase hex of n bytes into out (2n+1 bytes). */
void file_hex(const uint8_t *in, size_t n, char *out);

#endif
