/* SPDX-License-Identifier: Apache-2.0 */
/* File tracking: hashes, magic, inspection copy, extraction, fileinfo EVE. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

#ifdef VIGIL_HAVE_MAGIC
#include <magic.h>
#endif

#include "app/app_parser.h"
#include "app/file.h"
#include "util/json.h"
#include "util/log.h"

/* Suricata's file_id: one number per stored-file candidate, process-wide. */
static atomic_uint file_store_ids;
/* Files being written now, all workers (outputs.file-store.max-open-files). */
static atomic_uint file_store_open_now;

/* Ends the writing of f's temporary file (its descriptor given back). */
static void store_fd_close(struct app_file *f)
{
    close(f->store_fd);
    f->store_fd = -1;
    atomic_fetch_sub(&file_store_open_now, 1);
}

int file_store_prepare(const char *dir, char *err, size_t errlen)
{
    char path[4200];
    size_t n = strlen(dir);
    if (n + 8 > sizeof(path)) {
        snprintf(err, errlen, "path too long");
        return -1;
    }
    /* The directory itself, and its parents (as mkdir -p). */
    memcpy(path, dir, n + 1);
    for (size_t i = 1; i <= n; i++) {
        if (path[i] != '/' && path[i] != 0)
            continue;
        char c = path[i];
        path[i] = 0;
        if (mkdir(path, 0755) != 0 && errno != EEXIST) {
            snprintf(err, errlen, "cannot create %s: %s", path, strerror(errno));
            return -1;
        }
        path[i] = c;
    }
    for (int i = 0; i <= 256; i++) {
        if (i < 256)
            snprintf(path, sizeof(path), "%s/%02x", dir, i);
        else
            snprintf(path, sizeof(path), "%s/tmp", dir);
        if (mkdir(path, 0755) != 0 && errno != EEXIST) {
            snprintf(err, errlen, "cannot create %s: %s", path, strerror(errno));
            return -1;
        }
    }
    return 0;
}

static void file_store_finish(struct app_parse_ctx *ctx, const char *dir, struct app_file *f);

void file_store_mark(struct app_file *f)
{
    if (!f || f->store_wanted)
        return;
    f->store_wanted = true;
    if (f->store_pending) {
        /* Closed whole before the rule matched (the same packet): stored
         * now; its fileinfo event is already out. */
        f->store_pending = false;
        char *slash = f->store_tmp ? strrchr(f->store_tmp, '/') : NULL;
        if (slash && slash - f->store_tmp >= 4 && !strncmp(slash - 4, "/tmp", 4)) {
            slash[-4] = 0;
            char dir[4200];
            snprintf(dir, sizeof(dir), "%s", f->store_tmp);
            slash[-4] = '/';
            file_store_finish(NULL, dir, f);
        }
        if (!f->stored)
            unlink(f->store_tmp);
    }
}

static bool file_mem_take(struct app_parse_ctx *ctx, struct app_file *f, size_t n)
{
    if (ctx && !app_memory_reserve(ctx, n))
        return false;
    f->mem += n;
    return true;
}

static void *file_md_new(const EVP_MD *md)
{
    EVP_MD_CTX *c = EVP_MD_CTX_new();
    if (!c)
        return NULL;
    if (EVP_DigestInit_ex(c, md, NULL) != 1) {
        EVP_MD_CTX_free(c);
        return NULL;
    }
    return c;
}

struct app_file *file_open(struct app_parse_ctx *ctx, const void *name, size_t name_len,
                           uint64_t tx_id, uint8_t direction, uint32_t inspect_limit)
{
    if (name_len > 4096)
        name_len = 4096; /* bound hostile Content-Disposition / URI names */
    size_t need = sizeof(struct app_file) + name_len + 1;
    if (ctx && !app_memory_reserve(ctx, need))
        return NULL;
    struct app_file *f = calloc(1, sizeof(*f));
    if (!f) {
        if (ctx)
            app_memory_release(ctx, need);
        return NULL;
    }
    f->mem = need;
    f->thread = ctx ? ctx->thread : NULL;
    f->store_fd = -1;
    f->name = malloc(name_len + 1);
    if (!f->name) {
        file_free(f);
        return NULL;
    }
    if (name_len)
        memcpy(f->name, name, name_len);
    f->name[name_len] = 0;
    f->name_len = (uint32_t)name_len;
    f->tx_id = tx_id;
    f->direction = direction;
    f->data_limit = inspect_limit;

    const struct app_layer_config *cfg = ctx ? app_parser_config(ctx) : NULL;
    bool storing = cfg && cfg->file_store_dir && cfg->file_store_dir[0];
    f->want_md5 = cfg && cfg->file_hash_md5;
    f->want_sha1 = cfg && cfg->file_hash_sha1;
    f->want_sha256 = cfg && (cfg->file_hash_sha256 || storing);
    f->want_magic = cfg && cfg->file_force_magic;
    f->store_wanted = storing && app_parser_files_store_all(ctx, direction);
    /* Built-in inspection (shared indicators of file hashes) needs the
     * kinds its current sets hold. */
    unsigned inspect = ctx ? app_layer_inspection_hashes() : 0;
    if (f->want_md5 || (inspect & APP_INSPECT_MD5))
        f->md5_ctx = file_md_new(EVP_md5());
    if (f->want_sha1 || (inspect & APP_INSPECT_SHA1))
        f->sha1_ctx = file_md_new(EVP_sha1());
    if (f->want_sha256 || (inspect & APP_INSPECT_SHA256))
        f->sha256_ctx = file_md_new(EVP_sha256());
    if (storing && cfg->file_store_max_open &&
        atomic_fetch_add(&file_store_open_now, 1) >= cfg->file_store_max_open) {
        /* As many files as allowed are being written: this one is followed
         * (hashes, fileinfo) but not stored. */
        atomic_fetch_sub(&file_store_open_now, 1);
        app_file_store_open_max_hit(f->thread);
        storing = false;
    } else if (storing && !cfg->file_store_max_open) {
        atomic_fetch_add(&file_store_open_now, 1);
    }
    if (storing) {
        /* Written from the first byte, whether stored or not: a rule may
         * choose the file only later (filestore), and the content is not
         * kept in memory. Kept or removed when it closes. The name holds
         * the process id: sensors may share a store directory. */
        size_t plen = strlen(cfg->file_store_dir) + 48;
        f->store_tmp = malloc(plen);
        if (f->store_tmp) {
            f->store_id = atomic_fetch_add(&file_store_ids, 1) + 1;
            snprintf(f->store_tmp, plen, "%s/tmp/file.%ld.%u", cfg->file_store_dir,
                     (long)getpid(), f->store_id);
            f->store_fd =
                open(f->store_tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
            if (f->store_fd < 0) {
                app_file_store_error(f->thread);
                log_warning("file store: cannot create %s: %s", f->store_tmp, strerror(errno));
                free(f->store_tmp);
                f->store_tmp = NULL;
            }
        }
        if (f->store_fd < 0)
            atomic_fetch_sub(&file_store_open_now, 1); /* nothing being written */
    }
    return f;
}

int file_append(struct app_parse_ctx *ctx, struct app_file *f, const void *data, size_t len)
{
    if (!f || f->state != FILE_STATE_OPEN || len == 0)
        return 0;
    const uint8_t *p = data;
    f->size += len;
    if (f->md5_ctx)
        EVP_DigestUpdate(f->md5_ctx, p, len);
    if (f->sha1_ctx)
        EVP_DigestUpdate(f->sha1_ctx, p, len);
    if (f->sha256_ctx)
        EVP_DigestUpdate(f->sha256_ctx, p, len);
    if (f->head_len < FILE_MAGIC_HEAD) {
        size_t n = FILE_MAGIC_HEAD - f->head_len;
        if (n > len)
            n = len;
        memcpy(f->head + f->head_len, p, n);
        f->head_len += (uint32_t)n;
    }
    if (f->store_fd >= 0) {
        size_t off = 0;
        while (off < len) {
            ssize_t w = write(f->store_fd, p + off, len - off);
            if (w <= 0) {
                app_file_store_error(f->thread);
                log_warning("file store: write to %s failed: %s", f->store_tmp, strerror(errno));
                store_fd_close(f);
                unlink(f->store_tmp);
                break;
            }
            off += (size_t)w;
        }
    }
    int rc = 0;
    if (f->data_len < f->data_limit) {
        size_t n = f->data_limit - f->data_len;
        if (n > len)
            n = len;
        if (f->data_len + n > f->data_cap) {
            size_t cap = f->data_cap ? f->data_cap : 1024;
            while (cap < f->data_len + n)
                cap *= 2;
            if (cap > f->data_limit)
                cap = f->data_limit;
            if (!file_mem_take(ctx, f, cap - f->data_cap)) {
                rc = -ENOMEM;
                n = 0;
            } else {
                uint8_t *nd = realloc(f->data, cap);
                if (!nd) {
                    rc = -ENOMEM;
                    n = 0;
                } else {
                    f->data = nd;
                    f->data_cap = (uint32_t)cap;
                }
            }
        }
        if (n) {
            memcpy(f->data + f->data_len, p, n);
            f->data_len += (uint32_t)n;
        }
    }
    return rc;
}

void file_add_gap(struct app_file *f, uint64_t len)
{
    if (!f || f->state != FILE_STATE_OPEN)
        return;
    f->gaps = true;
    f->size += len;
    /* Hashes over a file with holes mean nothing: drop them. */
    EVP_MD_CTX_free(f->md5_ctx);
    EVP_MD_CTX_free(f->sha1_ctx);
    EVP_MD_CTX_free(f->sha256_ctx);
    f->md5_ctx = f->sha1_ctx = f->sha256_ctx = NULL;
    if (f->store_fd >= 0) {
        store_fd_close(f);
        unlink(f->store_tmp);
    }
}

static bool file_md_final(void **pctx, uint8_t *out)
{
    if (!*pctx)
        return false;
    unsigned int n = 0;
    bool ok = EVP_DigestFinal_ex(*pctx, out, &n) == 1;
    EVP_MD_CTX_free(*pctx);
    *pctx = NULL;
    return ok;
}

#ifdef VIGIL_HAVE_MAGIC
static _Thread_local magic_t file_magic_cookie;
static _Thread_local bool file_magic_tried;

static void file_magic_compute(struct app_file *f)
{
    if (!file_magic_tried) {
        file_magic_tried = true;
        file_magic_cookie = magic_open(MAGIC_NONE);
        if (file_magic_cookie && magic_load(file_magic_cookie, NULL) != 0) {
            magic_close(file_magic_cookie);
            file_magic_cookie = NULL;
        }
    }
    if (!file_magic_cookie || f->head_len == 0)
        return;
    const char *m = magic_buffer(file_magic_cookie, f->head, f->head_len);
    if (m)
        f->magic = strdup(m);
}
#endif

/* Moves the stored file to <dir>/<xx>/<sha256> (the same content stored
 * before: the temporary copy goes, the old one stays) and, with ctx (at
 * close) and write-fileinfo on, names its fileinfo record. */
static void file_store_finish(struct app_parse_ctx *ctx, const char *dir, struct app_file *f)
{
    char hex[65];
    file_hex(f->sha256, 32, hex);
    size_t plen = strlen(dir) + 128;
    char *path = malloc(plen);
    if (!path)
        return;
    snprintf(path, plen, "%s/%c%c/%s", dir, hex[0], hex[1], hex);
    struct stat sb;
    if (stat(path, &sb) == 0) {
        if (unlink(f->store_tmp) != 0)
            app_file_store_error(f->thread);
        f->stored = true;
    } else if (rename(f->store_tmp, path) == 0) {
        f->stored = true;
    } else {
        app_file_store_error(f->thread);
        log_warning("file store: rename %s to %s failed: %s", f->store_tmp, path,
                    strerror(errno));
    }
    const struct app_layer_config *cfg = ctx ? app_parser_config(ctx) : NULL;
    if (f->stored && cfg && cfg->file_store_fileinfo) {
        size_t l = strlen(path);
        snprintf(path + l, plen - l, ".%llu.%u.json",
                 (unsigned long long)(ctx->ts_usec / 1000000u), f->store_id);
        f->store_meta = path;
        return;
    }
    free(path);
}

void file_close(struct app_parse_ctx *ctx, struct app_file *f, enum file_state state)
{
    if (!f || f->state != FILE_STATE_OPEN)
        return;
    f->state = (uint8_t)(state == FILE_STATE_OPEN ? FILE_STATE_CLOSED : state);
    bool h1 = file_md_final(&f->md5_ctx, f->md5);
    bool h2 = file_md_final(&f->sha1_ctx, f->sha1);
    bool h3 = file_md_final(&f->sha256_ctx, f->sha256);
    f->want_md5 = f->want_md5 && h1;
    f->want_sha1 = f->want_sha1 && h2;
    f->have_md5 = h1;
    f->have_sha1 = h2;
    f->have_sha256 = h3;
    bool have_sha256 = h3;
    f->want_sha256 = f->want_sha256 && h3;
    f->hashes_done = true;
#ifdef VIGIL_HAVE_MAGIC
    if (f->want_magic)
        file_magic_compute(f);
#endif
    if (f->store_fd >= 0) {
        store_fd_close(f);
        const struct app_layer_config *cfg = ctx ? app_parser_config(ctx) : NULL;
        /* Suricata stores truncated files too (their sha256 is that of
         * what was seen); a file with a gap has no hash and is not kept. */
        bool whole = cfg && have_sha256 &&
                     (f->state == FILE_STATE_CLOSED || f->state == FILE_STATE_TRUNCATED);
        if (whole && (cfg->file_store_force || f->store_wanted))
            file_store_finish(ctx, cfg->file_store_dir, f);
        else if (whole)
            f->store_pending = true; /* a rule may still choose it (file_store_mark) */
        if (!f->stored && !f->store_pending)
            unlink(f->store_tmp);
    }
    if (ctx)
        app_parser_file_closed(ctx, f);
}

void file_free(struct app_file *f)
{
    if (!f)
        return;
    if (f->state == FILE_STATE_OPEN)
        file_close(NULL, f, FILE_STATE_TRUNCATED);
    EVP_MD_CTX_free(f->md5_ctx);
    EVP_MD_CTX_free(f->sha1_ctx);
    EVP_MD_CTX_free(f->sha256_ctx);
    if (f->store_fd >= 0) {
        store_fd_close(f);
        unlink(f->store_tmp);
    }
    if (f->store_pending)
        unlink(f->store_tmp); /* no rule chose it */
    if (f->thread && f->mem) {
        struct app_parse_ctx c = {.thread = f->thread};
        app_memory_release(&c, f->mem);
    }
    free(f->store_tmp);
    free(f->store_meta);
    free(f->magic);
    free(f->data);
    free(f->name);
    free(f);
}

void file_list_free(struct app_file *head)
{
    while (head) {
        struct app_file *n = head->next;
        file_free(head);
        head = n;
    }
}

const char *file_state_name(uint8_t state)
{
    switch (state) {
    case FILE_STATE_CLOSED:
        return "CLOSED";
    case FILE_STATE_TRUNCATED:
        return "TRUNCATED";
    case FILE_STATE_ERROR:
        return "ERROR";
    default:
        return "UNKNOWN";
    }
}

void file_hex(const uint8_t *in, size_t n, char *out)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[in[i] >> 4];
        out[2 * i + 1] = digits[in[i] & 15];
    }
    out[2 * n] = 0;
}

void file_write_alert_files(const struct app_file *head, uint32_t n, struct json_writer *w)
{
    if (!head)
        return;
    json_key_array_begin(w, "files");
    uint32_t i = 0;
    for (const struct app_file *f = head; f && (n == 0 || i < n); f = f->next, i++) {
        json_object_begin(w);
        json_key_string_len(w, "filename", f->name, f->name_len);
        json_key_bool(w, "gaps", f->gaps);
        json_key_string(w, "state", file_state_name(f->state));
        json_key_bool(w, "stored", f->stored);
        json_key_u64(w, "size", f->size);
        json_key_u64(w, "tx_id", f->tx_id);
        json_object_end(w);
    }
    json_array_end(w);
}

void file_write_fileinfo(const struct app_file *f, struct json_writer *w)
{
    char hex[65];
    json_key_object_begin(w, "fileinfo");
    json_key_string_len(w, "filename", f->name, f->name_len);
    if (f->magic)
        json_key_string(w, "magic", f->magic);
    json_key_bool(w, "gaps", f->gaps);
    json_key_string(w, "state", file_state_name(f->state));
    if (f->hashes_done && f->state == FILE_STATE_CLOSED) {
        if (f->want_md5) {
            file_hex(f->md5, 16, hex);
            json_key_string(w, "md5", hex);
        }
        if (f->want_sha1) {
            file_hex(f->sha1, 20, hex);
            json_key_string(w, "sha1", hex);
        }
    }
    if (f->hashes_done && f->want_sha256) {
        file_hex(f->sha256, 32, hex);
        json_key_string(w, "sha256", hex);
    }
    json_key_bool(w, "stored", f->stored);
    if (f->stored)
        json_key_u64(w, "file_id", f->store_id);
    else if (f->store_wanted && f->state == FILE_STATE_OPEN)
        json_key_bool(w, "storing", true);
    json_key_u64(w, "size", f->size);
    json_key_u64(w, "tx_id", f->tx_id);
    json_object_end(w);
}

struct file_log_item {
    const struct app_file *file;
    void (*write_tx)(const void *tx, struct json_writer *w);
    const void *tx;
};

static void file_log_write(const void *object, struct json_writer *w)
{
    const struct file_log_item *it = object;
    if (it->write_tx)
        it->write_tx(it->tx, w);
    file_write_fileinfo(it->file, w);
}

void file_log(struct app_parse_ctx *ctx, struct app_file *f,
              void (*write_tx)(const void *tx, struct json_writer *w), const void *tx)
{
    if (!f || f->logged)
        return;
    f->logged = true;
    struct file_log_item it = {.file = f, .write_tx = write_tx, .tx = tx};
    app_parser_log(ctx, "fileinfo", f->direction, file_log_write, &it);
    /* The stored file's own fileinfo record (write-fileinfo). */
    if (f->store_meta)
        app_parser_log_to_file(ctx, f->store_meta, "fileinfo", f->direction, file_log_write,
                               &it);
}
