/* SPDX-License-Identifier: Apache-2.0 */
/* SQLite backend: WAL journal with synchronous=FULL, so a committed (and
 * therefore acknowledged) write survives a crash of the process or of the
 * machine. Prepared statements are cached per connection by SQL text. */
#include "hub/hub_db.h"

#include <ctype.h>
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SQLITE_STMT_CACHE 64

struct sqlite_cached {
    char *sql;
    size_t len; /* of sql: most texts differ in length, so few compares */
    sqlite3_stmt *stmt;
    bool positional; /* parameter k is named $k: bound by position */
    uint64_t used;   /* last use, for least-recently-used replacement */
};

struct sqlite_conn {
    struct hub_db_conn_base base;
    sqlite3 *db;
    struct sqlite_cached cache[SQLITE_STMT_CACHE];
    int ncache;
    uint64_t uses;
};

static int sqlite_connect(const char *path, struct hub_db_conn **out, char *err, size_t errlen)
{
    struct sqlite_conn *c = calloc(1, sizeof *c);
    if (!c)
        return -ENOMEM;
    c->base.ops = &hub_db_sqlite_ops;
    int rc = sqlite3_open_v2(
        path, &c->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
    if (rc != SQLITE_OK) {
        snprintf(err, errlen, "sqlite:%s: %s", path,
                 c->db ? sqlite3_errmsg(c->db) : sqlite3_errstr(rc));
        sqlite3_close(c->db);
        free(c);
        return -EIO;
    }
    sqlite3_busy_timeout(c->db, 30000);
    static const char *const pragmas[] = {
        "PRAGMA journal_mode=WAL",   "PRAGMA synchronous=FULL",  "PRAGMA foreign_keys=ON",
        "PRAGMA temp_store=MEMORY",  "PRAGMA cache_size=-65536", "PRAGMA wal_autocheckpoint=8192",
        /* No memory mapping: the map of a growing file is remapped as it
         * grows and every connection then faulted its pages in again,
         * which grew with the table in bulk ingest; the page cache above
         * keeps the hot index pages instead. */
        "PRAGMA mmap_size=0",
        /* ANALYZE samples about this many rows per index instead of reading
         * every index whole: with statistics refreshed after each 20% of
         * growth, full passes over a growing table were the part of the
         * hub's ingest CPU that grew with the table (perf, issue 12). */
        "PRAGMA analysis_limit=2000"};
    for (size_t i = 0; i < sizeof pragmas / sizeof pragmas[0]; i++) {
        char *msg = NULL;
        if (sqlite3_exec(c->db, pragmas[i], NULL, NULL, &msg) != SQLITE_OK) {
            snprintf(err, errlen, "sqlite:%s: %s: %s", path, pragmas[i], msg ? msg : "error");
            sqlite3_free(msg);
            sqlite3_close(c->db);
            free(c);
            return -EIO;
        }
    }
    *out = (struct hub_db_conn *)c;
    return 0;
}

static void sqlite_disconnect(struct hub_db_conn *hc)
{
    struct sqlite_conn *c = (struct sqlite_conn *)hc;
    sqlite3_exec(c->db, "PRAGMA optimize", NULL, NULL, NULL);
    for (int i = 0; i < c->ncache; i++) {
        sqlite3_finalize(c->cache[i].stmt);
        free(c->cache[i].sql);
    }
    sqlite3_close(c->db);
    free(c);
}

/* Whether the statement's k-th parameter is "$k" for every k: true for SQL
 * written with $1..$N numbered in order of first appearance (SQLite numbers
 * named parameters in that order). Worked out from the text, once per
 * prepared statement: asking SQLite for each name is a scan of the
 * statement's names, quadratic for the bulk statements' 2,048 parameters
 * (re-prepared after every statistics refresh). */
static bool positional_params(sqlite3_stmt *st, const char *sql)
{
    int n = sqlite3_bind_parameter_count(st);
    long seen = 0;
    bool quoted = false;
    for (const char *p = sql; *p; p++) {
        if (*p == '\'') {
            quoted = !quoted;
            continue;
        }
        if (quoted || *p != '$')
            continue;
        if (p > sql && (isalnum((unsigned char)p[-1]) || p[-1] == '_' || p[-1] == '$'))
            return false; /* "$" inside an identifier: not ours, ask no further */
        char *end;
        long k = strtol(p + 1, &end, 10);
        if (end == p + 1 || k < 1 || k > seen + 1)
            return false;
        if (k == seen + 1)
            seen = k;
        p = end - 1;
    }
    return seen == n;
}

/* Returns a prepared statement; *cached tells whether the cache owns it. */
static sqlite3_stmt *sqlite_prepare(struct sqlite_conn *c, const char *sql, bool *cached,
                                    bool *positional, char *err, size_t errlen)
{
    size_t len = strlen(sql);
    for (int i = 0; i < c->ncache; i++) {
        if (c->cache[i].len == len && memcmp(c->cache[i].sql, sql, len) == 0) {
            *cached = true;
            *positional = c->cache[i].positional;
            c->cache[i].used = ++c->uses;
            return c->cache[i].stmt;
        }
    }
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(c->db, sql, -1, &st, NULL) != SQLITE_OK) {
        snprintf(err, errlen, "sqlite: %s", sqlite3_errmsg(c->db));
        return NULL;
    }
    *cached = false;
    *positional = positional_params(st, sql);
    /* A full cache replaces its least recently used statement: with the
     * many texts of filtered queries it would otherwise stay full of old
     * ones and the bulk insert statements (2,048 parameters) would be
     * prepared again for every envelope. */
    int slot = c->ncache;
    if (slot == SQLITE_STMT_CACHE) {
        slot = 0;
        for (int i = 1; i < c->ncache; i++)
            if (c->cache[i].used < c->cache[slot].used)
                slot = i;
    }
    char *copy = strdup(sql);
    if (copy) {
        if (slot < c->ncache) {
            sqlite3_finalize(c->cache[slot].stmt);
            free(c->cache[slot].sql);
        } else {
            c->ncache++;
        }
        c->cache[slot].sql = copy;
        c->cache[slot].len = len;
        c->cache[slot].stmt = st;
        c->cache[slot].positional = *positional;
        c->cache[slot].used = ++c->uses;
        *cached = true;
    }
    return st;
}

static int sqlite_exec(struct hub_db_conn *hc, const char *sql, int nparams,
                       const struct hub_db_param *params, struct hub_db_result *res, char *err,
                       size_t errlen)
{
    struct sqlite_conn *c = (struct sqlite_conn *)hc;
    bool cached, positional;
    sqlite3_stmt *st = sqlite_prepare(c, sql, &cached, &positional, err, errlen);
    if (!st)
        return -EIO;
    int count = sqlite3_bind_parameter_count(st);
    for (int i = 0; i < nparams; i++) {
        int idx;
        if (positional) {
            idx = i < count ? i + 1 : 0;
        } else {
            char name[16];
            snprintf(name, sizeof name, "$%d", i + 1);
            idx = sqlite3_bind_parameter_index(st, name);
        }
        if (idx <= 0)
            continue;
        switch (params[i].kind) {
        case HUB_DB_NULL:
            sqlite3_bind_null(st, idx);
            break;
        case HUB_DB_TEXT:
            sqlite3_bind_text(st, idx, params[i].text, -1, SQLITE_STATIC);
            break;
        case HUB_DB_INT:
            sqlite3_bind_int64(st, idx, params[i].i);
            break;
        }
    }
    int rc = 0;
    int cap = 0;
    for (;;) {
        int step = sqlite3_step(st);
        if (step == SQLITE_DONE)
            break;
        if (step != SQLITE_ROW) {
            snprintf(err, errlen, "sqlite: %s", sqlite3_errmsg(c->db));
            rc = step == SQLITE_CONSTRAINT ? -EEXIST : (step == SQLITE_BUSY ? -EBUSY : -EIO);
            break;
        }
        if (!res)
            continue;
        int ncols = sqlite3_column_count(st);
        res->ncols = ncols;
        if ((res->nrows + 1) * ncols > cap) {
            int ncap = cap ? cap * 2 : 16 * (ncols ? ncols : 1);
            while (ncap < (res->nrows + 1) * ncols)
                ncap *= 2;
            char **cells = realloc(res->cells, (size_t)ncap * sizeof *cells);
            if (!cells) {
                rc = -ENOMEM;
                break;
            }
            res->cells = cells;
            cap = ncap;
        }
        for (int j = 0; j < ncols; j++) {
            const unsigned char *t = sqlite3_column_text(st, j);
            char *v = NULL;
            if (t) {
                int n = sqlite3_column_bytes(st, j);
                v = malloc((size_t)n + 1);
                if (v) {
                    memcpy(v, t, (size_t)n);
                    v[n] = 0;
                }
            }
            res->cells[res->nrows * ncols + j] = v;
        }
        res->nrows++;
    }
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    if (!cached)
        sqlite3_finalize(st);
    return rc;
}

static int64_t sqlite_changes(struct hub_db_conn *hc)
{
    return sqlite3_changes64(((struct sqlite_conn *)hc)->db);
}

/* Loads the statistics another connection wrote and drops the cached
 * statements, which were planned without them. `ANALYZE sqlite_schema`
 * takes the write lock: run while an ingest transaction was open it made
 * the request wait for that commit (reads right after each statistics
 * refresh queued behind bulk ingest, issue 12). So it does not wait: when
 * a writer is busy the connection keeps its statistics and tries again
 * at its next use. */
static bool sqlite_stats_reload(struct hub_db_conn *hc)
{
    struct sqlite_conn *c = (struct sqlite_conn *)hc;
    sqlite3_busy_timeout(c->db, 0);
    int rc = sqlite3_exec(c->db, "ANALYZE sqlite_schema", NULL, NULL, NULL);
    sqlite3_busy_timeout(c->db, 30000);
    if (rc != SQLITE_OK)
        return false;
    for (int i = 0; i < c->ncache; i++) {
        sqlite3_finalize(c->cache[i].stmt);
        free(c->cache[i].sql);
    }
    c->ncache = 0;
    return true;
}

/* WAL checkpoints of a pool, in a thread of their own. With SQLite's
 * automatic checkpoints the committing request copied 32 MiB of WAL back
 * into the database every few envelopes, inside its answer time (12% of
 * the hub's CPU in bulk ingest, perf, issue 12). Now the committing
 * connection only signals once the WAL holds CKPT_FRAMES pages, and this
 * thread checkpoints (PASSIVE: never blocks readers or the writer) while
 * requests go on. The larger WAL also writes an index page that several
 * envelopes changed once instead of once per checkpoint. Durability is
 * unchanged: a transaction is durable once its WAL frames are synced at
 * commit. Should the thread fall behind, a committing connection
 * checkpoints itself past CKPT_WRITER_FRAMES, as SQLite would. (A
 * connection that has not read the database yet does not know it is in
 * WAL mode, and its checkpoints do nothing: hence the PRAGMA at start.) */
#define CKPT_FRAMES 16384             /* 64 MiB of 4 KiB pages */
#define RESTART_FRAMES (4 * CKPT_FRAMES)
#define CKPT_WRITER_FRAMES (8 * CKPT_FRAMES)

struct sqlite_ckpt {
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t cond;
    bool want, stop;
    int signalled; /* WAL frames when the thread was last asked */
    sqlite3 *db;
};

static void *ckpt_main(void *arg)
{
    struct sqlite_ckpt *k = arg;
    pthread_mutex_lock(&k->lock);
    for (;;) {
        while (!k->want && !k->stop)
            pthread_cond_wait(&k->cond, &k->lock);
        bool stop = k->stop;
        k->want = false;
        pthread_mutex_unlock(&k->lock);
        int frames = -1;
        sqlite3_wal_checkpoint_v2(k->db, NULL, SQLITE_CHECKPOINT_PASSIVE, &frames, NULL);
        /* A writer starts the WAL again from its beginning only if every
         * frame was copied when its transaction began, which the next
         * writer, already waiting, seldom sees: the WAL grew by each
         * envelope. Past RESTART_FRAMES, a RESTART checkpoint waits for the
         * current writer (the frames are nearly all copied by then). */
        if (frames >= RESTART_FRAMES)
            sqlite3_wal_checkpoint_v2(k->db, NULL, SQLITE_CHECKPOINT_RESTART, NULL, NULL);
        pthread_mutex_lock(&k->lock);
        if (stop)
            break;
    }
    pthread_mutex_unlock(&k->lock);
    return NULL;
}

static int ckpt_hook(void *arg, sqlite3 *db, const char *name, int frames)
{
    struct sqlite_ckpt *k = arg;
    if (frames >= CKPT_WRITER_FRAMES) {
        sqlite3_wal_checkpoint_v2(db, name, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
    } else {
        /* Every CKPT_FRAMES new frames, not after every commit past it: an
         * index page changed by several envelopes is then copied once. */
        pthread_mutex_lock(&k->lock);
        if (frames < k->signalled)
            k->signalled = 0; /* the WAL started again */
        if (frames - k->signalled >= CKPT_FRAMES) {
            k->signalled = frames;
            k->want = true;
            pthread_cond_signal(&k->cond);
        }
        pthread_mutex_unlock(&k->lock);
    }
    return SQLITE_OK;
}

static void *sqlite_pool_start(const char *path)
{
    struct sqlite_ckpt *k = calloc(1, sizeof *k);
    if (!k)
        return NULL;
    if (sqlite3_open_v2(path, &k->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL) !=
            SQLITE_OK ||
        sqlite3_exec(k->db, "PRAGMA journal_mode=WAL", NULL, NULL, NULL) != SQLITE_OK) {
        sqlite3_close(k->db);
        free(k);
        return NULL;
    }
    sqlite3_busy_timeout(k->db, 30000);
    pthread_mutex_init(&k->lock, NULL);
    pthread_cond_init(&k->cond, NULL);
    if (pthread_create(&k->thread, NULL, ckpt_main, k) != 0) {
        pthread_mutex_destroy(&k->lock);
        pthread_cond_destroy(&k->cond);
        sqlite3_close(k->db);
        free(k);
        return NULL;
    }
    return k;
}

static void sqlite_pool_attach(void *bg, struct hub_db_conn *hc)
{
    sqlite3_wal_hook(((struct sqlite_conn *)hc)->db, ckpt_hook, bg);
}

static void sqlite_pool_stop(void *bg)
{
    struct sqlite_ckpt *k = bg;
    pthread_mutex_lock(&k->lock);
    k->stop = true;
    pthread_cond_signal(&k->cond);
    pthread_mutex_unlock(&k->lock);
    pthread_join(k->thread, NULL);
    pthread_mutex_destroy(&k->lock);
    pthread_cond_destroy(&k->cond);
    sqlite3_close(k->db);
    free(k);
}

/* The search index (objects_fts, hub_schema.c migration 6) catches up once
 * per transaction with the indicators and reports stored since its
 * watermark. It used to be kept by a trigger per inserted row: every
 * statement that stored objects then opened a statement savepoint on the
 * FTS5 table, and FTS5 (SQLite 3.40) writes its pending terms out as a new
 * segment at each savepoint, so each 128-row insert made a segment to be
 * merged again: 29% of the hub's instructions in bulk ingest (callgrind,
 * issue 12). Object ids are AUTOINCREMENT, never reused, so everything
 * above the watermark is new. */
static const char *const sqlite_search_sync[] = {
    "INSERT INTO objects_fts (rowid, text) SELECT id, coalesce(json_extract(body, '$.name'), '')"
    " || ' ' || coalesce(json_extract(body, '$.pattern'), '') FROM objects"
    " WHERE id > (SELECT upto FROM search_state) AND type IN ('indicator', 'report')",
    "UPDATE search_state SET upto = (SELECT coalesce(max(id), 0) FROM objects)", NULL};

const struct hub_db_ops hub_db_sqlite_ops = {
    .search_sync_sql = sqlite_search_sync,
    .stats_reload = sqlite_stats_reload,
    .pool_start = sqlite_pool_start,
    .pool_attach = sqlite_pool_attach,
    .pool_stop = sqlite_pool_stop,
    .connect = sqlite_connect,
    .disconnect = sqlite_disconnect,
    .exec = sqlite_exec,
    .changes = sqlite_changes,
    .begin_write_sql = "BEGIN IMMEDIATE",
};

/* Copies the database at from_path into to_path with SQLite's online backup
 * API: writers may go on meanwhile, and the result is one consistent
 * snapshot. to_path must not be in use. */
int hub_db_sqlite_copy(const char *from_path, const char *to_path, bool create_from, char *err,
                       size_t errlen)
{
    sqlite3 *src = NULL, *dst = NULL;
    int rc = sqlite3_open_v2(from_path, &src,
                             SQLITE_OPEN_READWRITE | (create_from ? SQLITE_OPEN_CREATE : 0), NULL);
    if (rc != SQLITE_OK) {
        snprintf(err, errlen, "%s: %s", from_path, src ? sqlite3_errmsg(src) : sqlite3_errstr(rc));
        sqlite3_close(src);
        return -EIO;
    }
    sqlite3_busy_timeout(src, 30000);
    rc = sqlite3_open_v2(to_path, &dst, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL);
    if (rc != SQLITE_OK) {
        snprintf(err, errlen, "%s: %s", to_path, dst ? sqlite3_errmsg(dst) : sqlite3_errstr(rc));
        sqlite3_close(src);
        sqlite3_close(dst);
        return -EIO;
    }
    sqlite3_busy_timeout(dst, 30000);
    sqlite3_backup *b = sqlite3_backup_init(dst, "main", src, "main");
    if (!b) {
        snprintf(err, errlen, "%s: %s", to_path, sqlite3_errmsg(dst));
        sqlite3_close(src);
        sqlite3_close(dst);
        return -EIO;
    }
    /* The whole copy in one step: one read transaction, so one snapshot.
     * In small steps, every write by another connection (the running hub)
     * between two steps restarts the copy, and a hub that keeps writing
     * makes it never end. In WAL mode (the hub's) a reader does not hold
     * writers off, so one step costs them nothing. */
    do {
        rc = sqlite3_backup_step(b, -1);
        if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED)
            sqlite3_sleep(20);
    } while (rc == SQLITE_OK || rc == SQLITE_BUSY || rc == SQLITE_LOCKED);
    sqlite3_backup_finish(b);
    int ret = 0;
    if (rc != SQLITE_DONE) {
        snprintf(err, errlen, "backup of %s into %s: %s", from_path, to_path, sqlite3_errstr(rc));
        ret = -EIO;
    } else {
        /* The copy must be readable on its own: check it. */
        sqlite3_stmt *st = NULL;
        if (sqlite3_prepare_v2(dst, "PRAGMA quick_check", -1, &st, NULL) == SQLITE_OK &&
            sqlite3_step(st) == SQLITE_ROW) {
            const char *r = (const char *)sqlite3_column_text(st, 0);
            if (!r || strcmp(r, "ok") != 0) {
                snprintf(err, errlen, "%s: integrity check failed: %s", to_path, r ? r : "?");
                ret = -EIO;
            }
        }
        sqlite3_finalize(st);
    }
    sqlite3_close(src);
    sqlite3_close(dst);
    return ret;
}
