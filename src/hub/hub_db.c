/* SPDX-License-Identifier: Apache-2.0 */
/* Connection pool and backend dispatch for the hub storage interface. */
#include "hub/hub_db.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static _Atomic unsigned stats_generation;

struct hub_db {
    enum hub_db_kind kind;
    const struct hub_db_ops *ops;
    int size;
    int nfree;
    struct hub_db_conn **all;
    struct hub_db_conn **free_list;
    pthread_mutex_t lock;
    pthread_cond_t cond;
    void *bg; /* the backend's background work for the pool */
    struct hub_db_group *group; /* group commit of request writes */
    struct hub_db_conn *group_conn; /* the connection group commits write on */
};

static const struct hub_db_ops *conn_ops(struct hub_db_conn *c)
{
    return ((struct hub_db_conn_base *)c)->ops;
}

int hub_db_open(const char *uri, int pool_size, struct hub_db **out, char *err, size_t errlen)
{
    *out = NULL;
    const struct hub_db_ops *ops;
    enum hub_db_kind kind;
    const char *target;
    if (strncmp(uri, "sqlite:", 7) == 0) {
        ops = &hub_db_sqlite_ops;
        kind = HUB_DB_SQLITE;
        target = uri + 7;
        if (!*target) {
            snprintf(err, errlen, "--db '%s': empty SQLite path", uri);
            return -EINVAL;
        }
    } else if (strncmp(uri, "postgresql://", 13) == 0 || strncmp(uri, "postgres://", 11) == 0) {
        ops = &hub_db_pg_ops;
        kind = HUB_DB_POSTGRES;
        target = uri;
    } else {
        snprintf(err, errlen, "--db '%s': expected sqlite:PATH or postgresql://...", uri);
        return -EINVAL;
    }
    if (pool_size < 1)
        pool_size = 1;
    struct hub_db *db = calloc(1, sizeof *db);
    if (!db)
        return -ENOMEM;
    db->kind = kind;
    db->ops = ops;
    db->all = calloc((size_t)pool_size + 1, sizeof *db->all);
    db->free_list = calloc((size_t)pool_size, sizeof *db->free_list);
    pthread_mutex_init(&db->lock, NULL);
    pthread_cond_init(&db->cond, NULL);
    if (!db->all || !db->free_list) {
        hub_db_close(db);
        return -ENOMEM;
    }
    /* The first connection migrates the schema before the others open. */
    for (int i = 0; i < pool_size; i++) {
        struct hub_db_conn *c;
        int rc = ops->connect(target, &c, err, errlen);
        if (rc < 0) {
            hub_db_close(db);
            return rc;
        }
        db->all[db->size++] = c;
        db->free_list[db->nfree++] = c;
        if (i == 0) {
            rc = hub_schema_migrate(c, kind, err, errlen);
            int64_t rows = 0;
            /* (The hub's pool; a one-connection admin command needs none.) */
            if (rc == 0 && pool_size > 1)
                rc = hub_db_query_i64(c, "SELECT COUNT(*) FROM objects", 0, NULL, 0, &rows, err,
                                      errlen);
            /* Before the other connections open, so they load the result. */
            if (rc == 0 && pool_size > 1)
                rc = hub_db_analyze(db, c, rows, err, errlen);
            if (rc < 0) {
                hub_db_close(db);
                return rc;
            }
        }
    }
    /* Group commits write on a connection of their own, outside the pool:
     * its page cache and prepared statements stay warm (any pooled
     * connection that wrote found its cache stale after others had
     * written and read the pages again). */
    if (pool_size > 1) {
        struct hub_db_conn *gc;
        int rc = ops->connect(target, &gc, err, errlen);
        if (rc < 0) {
            hub_db_close(db);
            return rc;
        }
        db->all[db->size++] = gc;
        db->group_conn = gc;
        if (!(db->group = hub_db_group_new())) {
            hub_db_close(db);
            return -ENOMEM;
        }
    }
    if (pool_size > 1 && ops->pool_start && (db->bg = ops->pool_start(target)))
        for (int i = 0; i < db->size; i++)
            ops->pool_attach(db->bg, db->all[i]);
    *out = db;
    return 0;
}

void hub_db_close(struct hub_db *db)
{
    if (!db)
        return;
    /* Connections first: closing one may still commit (SQLite's optimize at
     * close) and so call the backend's hook, which uses the background
     * state; stopping that first left the hook locking a freed mutex (the
     * hub hung at SIGTERM). */
    for (int i = 0; i < db->size; i++)
        db->ops->disconnect(db->all[i]);
    if (db->bg)
        db->ops->pool_stop(db->bg);
    hub_db_group_free(db->group);
    free(db->all);
    free(db->free_list);
    pthread_mutex_destroy(&db->lock);
    pthread_cond_destroy(&db->cond);
    free(db);
}

enum hub_db_kind hub_db_kind(const struct hub_db *db)
{
    return db->kind;
}

struct hub_db_conn *hub_db_acquire(struct hub_db *db)
{
    pthread_mutex_lock(&db->lock);
    while (db->nfree == 0)
        pthread_cond_wait(&db->cond, &db->lock);
    struct hub_db_conn *c = db->free_list[--db->nfree];
    pthread_mutex_unlock(&db->lock);
    hub_db_conn_refresh(c);
    return c;
}

void hub_db_conn_refresh(struct hub_db_conn *c)
{
    struct hub_db_conn_base *b = (struct hub_db_conn_base *)c;
    unsigned gen = atomic_load(&stats_generation);
    if (b->stats_gen != gen && (!b->ops->stats_reload || b->ops->stats_reload(c)))
        b->stats_gen = gen;
}

int hub_db_analyze(struct hub_db *db, struct hub_db_conn *c, int64_t rows, char *err, size_t errlen)
{
    int rc;
    if (db->kind == HUB_DB_SQLITE && rows < HUB_DB_ANALYZE_MIN_ROWS) {
        int64_t has = 0;
        rc = hub_db_query_i64(c, "SELECT COUNT(*) FROM sqlite_schema WHERE name = 'sqlite_stat1'",
                              0, NULL, 0, &has, err, errlen);
        if (rc == 0 && has)
            rc = hub_db_exec(c, "DELETE FROM sqlite_stat1", 0, NULL, NULL, err, errlen);
    } else {
        /* PostgreSQL: the columns queries filter and sort on, from a
         * sample of 6,000 rows instead of 30,000 (statistics target 20):
         * a full-size sample read most of the heap, and analyzing the
         * bodies too made each refresh take two seconds of the server's
         * CPU at 100,000 objects (a quarter of it in bulk ingest, perf,
         * issue 12). Enough for what the plans choose between: an index on
         * coll/type/date_added or on stix_id. SQLite analyzes indexes only
         * (sampled, analysis_limit). */
        rc = 0;
        if (db->kind == HUB_DB_POSTGRES)
            rc = hub_db_exec(c, "SET default_statistics_target = 20", 0, NULL, NULL, err, errlen);
        rc = rc < 0 ? rc : hub_db_exec(c,
                         db->kind == HUB_DB_POSTGRES
                             ? "ANALYZE objects (id, coll, stix_id, type, spec_version, version,"
                               " date_added, tlp, producer_org, revoked, is_latest, is_first,"
                               " lineage, gtlp, owner_org)"
                             : "ANALYZE objects",
                         0, NULL, NULL, err, errlen);
        if (rc == 0)
            rc = hub_db_exec(c, "ANALYZE sightings", 0, NULL, NULL, err, errlen);
        char ignored[128];
        if (db->kind == HUB_DB_POSTGRES)
            hub_db_exec(c, "RESET default_statistics_target", 0, NULL, NULL, ignored,
                        sizeof ignored);
    }
    if (rc == 0)
        atomic_fetch_add(&stats_generation, 1);
    return rc;
}

void hub_db_release(struct hub_db *db, struct hub_db_conn *c)
{
    if (((struct hub_db_conn_base *)c)->in_tx)
        hub_db_rollback(c);
    pthread_mutex_lock(&db->lock);
    db->free_list[db->nfree++] = c;
    pthread_cond_signal(&db->cond);
    pthread_mutex_unlock(&db->lock);
}

static _Atomic uint64_t db_errors;

uint64_t hub_db_error_count(void)
{
    return atomic_load(&db_errors);
}

int hub_db_exec(struct hub_db_conn *c, const char *sql, int nparams,
                const struct hub_db_param *params, struct hub_db_result *res, char *err,
                size_t errlen)
{
    if (res)
        memset(res, 0, sizeof *res);
    int rc = conn_ops(c)->exec(c, sql, nparams, params, res, err, errlen);
    if (rc < 0 && rc != -EEXIST)
        atomic_fetch_add_explicit(&db_errors, 1, memory_order_relaxed);
    return rc;
}

int hub_db_exec_once(struct hub_db_conn *c, const char *sql, int nparams,
                     const struct hub_db_param *params, struct hub_db_result *res, char *err,
                     size_t errlen)
{
    ((struct hub_db_conn_base *)c)->unprepared = true;
    int rc = hub_db_exec(c, sql, nparams, params, res, err, errlen);
    ((struct hub_db_conn_base *)c)->unprepared = false;
    return rc;
}

int64_t hub_db_changes(struct hub_db_conn *c)
{
    return conn_ops(c)->changes(c);
}

int hub_db_begin(struct hub_db_conn *c, char *err, size_t errlen)
{
    int rc = hub_db_exec(c, conn_ops(c)->begin_write_sql, 0, NULL, NULL, err, errlen);
    if (rc == 0)
        ((struct hub_db_conn_base *)c)->in_tx = true;
    return rc;
}

void hub_db_objects_added(struct hub_db_conn *c)
{
    ((struct hub_db_conn_base *)c)->objects_added = true;
}

int hub_db_commit(struct hub_db_conn *c, char *err, size_t errlen)
{
    struct hub_db_conn_base *b = (struct hub_db_conn_base *)c;
    int rc = 0;
    /* In the transaction: the index never lags behind what is committed. */
    const char *const *sync = b->objects_added ? conn_ops(c)->search_sync_sql : NULL;
    for (; rc == 0 && sync && *sync; sync++)
        rc = hub_db_exec(c, *sync, 0, NULL, NULL, err, errlen);
    if (rc == 0)
        rc = hub_db_exec(c, "COMMIT", 0, NULL, NULL, err, errlen);
    if (rc < 0)
        hub_db_rollback(c);
    b->in_tx = false;
    b->objects_added = false;
    return rc;
}

void hub_db_rollback(struct hub_db_conn *c)
{
    char err[256];
    hub_db_exec(c, "ROLLBACK", 0, NULL, NULL, err, sizeof err);
    ((struct hub_db_conn_base *)c)->in_tx = false;
    ((struct hub_db_conn_base *)c)->objects_added = false;
}

void hub_db_result_free(struct hub_db_result *res)
{
    if (!res || !res->cells)
        return;
    for (int i = 0; i < res->nrows * res->ncols; i++)
        free(res->cells[i]);
    free(res->cells);
    res->cells = NULL;
    res->nrows = 0;
}

const char *hub_db_cell(const struct hub_db_result *res, int row, int col)
{
    if (row < 0 || row >= res->nrows || col < 0 || col >= res->ncols)
        return NULL;
    return res->cells[row * res->ncols + col];
}

int64_t hub_db_cell_i64(const struct hub_db_result *res, int row, int col)
{
    const char *s = hub_db_cell(res, row, col);
    return s ? strtoll(s, NULL, 10) : 0;
}

int hub_db_query_i64(struct hub_db_conn *c, const char *sql, int nparams,
                     const struct hub_db_param *params, int64_t dflt, int64_t *out, char *err,
                     size_t errlen)
{
    struct hub_db_result res;
    int rc = hub_db_exec(c, sql, nparams, params, &res, err, errlen);
    *out = dflt;
    if (rc == 0 && res.nrows > 0 && hub_db_cell(&res, 0, 0))
        *out = hub_db_cell_i64(&res, 0, 0);
    hub_db_result_free(&res);
    return rc;
}

struct hub_db_group *hub_db_group_of(struct hub_db *db)
{
    return db->group;
}

int hub_db_write_grouped(struct hub_db *db, struct hub_db_conn *c, hub_db_group_fn fn, void *arg,
                         char *err, size_t errlen)
{
    if (db->group)
        return hub_db_group_run(db->group, db->group_conn, fn, arg, err, errlen);
    int rc = hub_db_begin(c, err, errlen);
    if (rc == 0)
        rc = fn(arg, c, err, errlen);
    if (rc == 0)
        return hub_db_commit(c, err, errlen);
    hub_db_rollback(c);
    return rc;
}
