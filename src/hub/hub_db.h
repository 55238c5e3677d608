/* SPDX-License-Identifier: Apache-2.0 */
/* The hub's storage interface: a small SQL layer with two backends, SQLite
 * (embedded default) and PostgreSQL (libpq). Queries are written once with
 * $1..$N placeholders, numbered in order of first appearance, and run
 * unchanged on both backends; only the schema DDL differs (hub_schema.c).
 * A struct hub_db is a pool of connections shared by the server threads. */
#ifndef VIGIL_HUB_DB_H
#define VIGIL_HUB_DB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum hub_db_kind { HUB_DB_SQLITE, HUB_DB_POSTGRES };

enum hub_db_param_kind { HUB_DB_NULL, HUB_DB_TEXT, HUB_DB_INT };

struct hub_db_param {
    enum hub_db_param_kind kind;
    const char *text;
    int64_t i;
};

static inline struct hub_db_param hub_db_text(const char *s)
{
    return (struct hub_db_param){.kind = s ? HUB_DB_TEXT : HUB_DB_NULL, .text = s};
}
#define DB_TEXT(s) hub_db_text(s)
#define DB_INT(v) ((struct hub_db_param){.kind = HUB_DB_INT, .i = (int64_t)(v)})
#define DB_NULL ((struct hub_db_param){.kind = HUB_DB_NULL})

/* Rows of text cells (SQL NULL is a NULL pointer). Owned by the caller, freed
 * with hub_db_result_free. */
struct hub_db_result {
    int nrows;
    int ncols;
    char **cells;
};

struct hub_db;
struct hub_db_conn;

/* Backend operations; one table per backend. */
struct hub_db_ops {
    int (*connect)(const char *target, struct hub_db_conn **out, char *err, size_t errlen);
    void (*disconnect)(struct hub_db_conn *c);
    int (*exec)(struct hub_db_conn *c, const char *sql, int nparams,
                const struct hub_db_param *params, struct hub_db_result *res, char *err,
                size_t errlen);
    /* Number of rows changed by the last statement. */
    int64_t (*changes)(struct hub_db_conn *c);
    /* Makes a connection use planner statistics written by another one
     * (SQLite loads them per connection); NULL when not needed. */
    bool (*stats_reload)(struct hub_db_conn *c); /* false: not now, try again later */
    /* Background work of a pool (SQLite: WAL checkpoints off the request
     * path): started once the pool's connections are open, each attached to
     * it, stopped before they close. NULL when not needed; a start that
     * fails (NULL) leaves the connections as they were. */
    void *(*pool_start)(const char *target);
    void (*pool_attach)(void *bg, struct hub_db_conn *c);
    void (*pool_stop)(void *bg);
    const char *begin_write_sql;
    /* Statements run before the commit of a transaction that stored objects
     * (hub_db_objects_added): SQLite's search index catch-up, NULL-ended;
     * NULL when the backend indexes by itself. */
    const char *const *search_sync_sql;
};

extern const struct hub_db_ops hub_db_sqlite_ops;
extern const struct hub_db_ops hub_db_pg_ops;

/* Opens a pool of pool_size connections to uri ("sqlite:PATH" or
 * "postgresql://..." / "postgres://...") and applies pending schema
 * migrations. Returns 0 or -errno with a reason naming the uri in err.
 * Free with hub_db_close. */
int hub_db_open(const char *uri, int pool_size, struct hub_db **out, char *err, size_t errlen);
void hub_db_close(struct hub_db *db);
enum hub_db_kind hub_db_kind(const struct hub_db *db);

/* Borrows a connection (blocks until one is free); give it back with
 * hub_db_release. */
struct hub_db_conn *hub_db_acquire(struct hub_db *db);
void hub_db_release(struct hub_db *db, struct hub_db_conn *c);
/* Has c load planner statistics refreshed since its last use (done by
 * hub_db_acquire; group commit's own connection does it per group). */
void hub_db_conn_refresh(struct hub_db_conn *c);

/* Runs one statement. res may be NULL when no rows are wanted; otherwise it
 * is filled (and must be freed with hub_db_result_free even on error). */
int hub_db_exec(struct hub_db_conn *c, const char *sql, int nparams,
                const struct hub_db_param *params, struct hub_db_result *res, char *err,
                size_t errlen);
/* The same for statements built per request (filters): on PostgreSQL not
 * kept prepared but planned for the actual parameter values. */
int hub_db_exec_once(struct hub_db_conn *c, const char *sql, int nparams,
                     const struct hub_db_param *params, struct hub_db_result *res, char *err,
                     size_t errlen);
int64_t hub_db_changes(struct hub_db_conn *c);
int hub_db_begin(struct hub_db_conn *c, char *err, size_t errlen);
int hub_db_commit(struct hub_db_conn *c, char *err, size_t errlen);
void hub_db_rollback(struct hub_db_conn *c);
/* Says that the open transaction on c stored object rows: its commit
 * brings the search index up to date first (SQLite, hub_schema.c). */
void hub_db_objects_added(struct hub_db_conn *c);

void hub_db_result_free(struct hub_db_result *res);
/* Refreshes the planner statistics of the main tables (ANALYZE) and has
 * every pooled connection use them. SQLite tables under min_rows rows get
 * no statistics (statistics of a small table mislead the planner once it
 * has grown; without any, SQLite's defaults favour the indexes). */
int hub_db_analyze(struct hub_db *db, struct hub_db_conn *c, int64_t rows, char *err,
                   size_t errlen);
#define HUB_DB_ANALYZE_MIN_ROWS 10000

/* Group commit (hub_db_group.c): the writes of concurrent requests in one
 * transaction, each job in a savepoint of its own, one commit for all.
 * fn runs on whichever request's connection leads the group, inside the
 * transaction (it must not begin or commit one); it returns 0, or < 0 with a
 * reason in err to have its own writes undone (the others are kept).
 * c is the connection of the group's leader (hub_db_write_grouped: the
 * pool's group connection, c of the caller unused but still held).
 * hub_db_group_run returns 0 once the group holding the job has committed,
 * fn's error, or the commit's error (then nothing of the job is stored). */
typedef int (*hub_db_group_fn)(void *arg, struct hub_db_conn *c, char *err, size_t errlen);
#define HUB_DB_GROUP_MAX 32
struct hub_db_group;
struct hub_db_group *hub_db_group_new(void);
void hub_db_group_free(struct hub_db_group *g);
int hub_db_group_run(struct hub_db_group *g, struct hub_db_conn *c, hub_db_group_fn fn, void *arg,
                     char *err, size_t errlen);
/* Jobs waiting for a leader now. */
size_t hub_db_group_queued(struct hub_db_group *g);
/* Groups committed and jobs in them since start. */
void hub_db_group_stats(const struct hub_db_group *g, uint64_t *commits, uint64_t *jobs);
/* The pool's group (NULL for a one-connection pool: then fn runs alone). */
struct hub_db_group *hub_db_group_of(struct hub_db *db);
/* Runs fn through the pool's group commit (or in a transaction of its own
 * when the pool has none). */
int hub_db_write_grouped(struct hub_db *db, struct hub_db_conn *c, hub_db_group_fn fn, void *arg,
                         char *err, size_t errlen);

/* Statements that failed (other than constraint conflicts) since start. */
uint64_t hub_db_error_count(void);
const char *hub_db_cell(const struct hub_db_result *res, int row, int col);
int64_t hub_db_cell_i64(const struct hub_db_result *res, int row, int col);

/* Runs one query returning at most one integer (first column of first row);
 * *out is set to dflt when there is no row. */
int hub_db_query_i64(struct hub_db_conn *c, const char *sql, int nparams,
                     const struct hub_db_param *params, int64_t dflt, int64_t *out, char *err,
                     size_t errlen);

/* SQLite online backup from from_path into to_path, then an integrity
 * check of the copy (hub_db_sqlite.c). */
int hub_db_sqlite_copy(const char *from_path, const char *to_path, bool create_from, char *err,
                       size_t errlen);

/* Applies the schema migrations (hub_schema.c) on one connection. */
int hub_schema_migrate(struct hub_db_conn *c, enum hub_db_kind kind, char *err, size_t errlen);

/* Each backend's connection starts with this header so the generic layer can
 * dispatch. */
struct hub_db_conn_base {
    const struct hub_db_ops *ops;
    unsigned stats_gen; /* statistics generation this connection has loaded */
    bool in_tx;
    bool unprepared; /* the statement being run is planned for its parameters */
    bool objects_added; /* the open transaction stored objects (hub_db_objects_added) */
};

#endif
