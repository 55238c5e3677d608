/* SPDX-License-Identifier: Apache-2.0 */
/* Audit log in the database (table audit). Writes are recorded in the same
 * transaction as the write itself, so an acknowledged write always has its
 * audit row. Reads of AMBER/RED objects are queued in memory and flushed by
 * a background thread every 200 ms in one transaction, so that reads do not
 * pay a synchronous commit each; the queue has a memcap (AUDIT_QUEUE_MAX
 * entries) and, when full, the reader flushes synchronously rather than drop
 * an entry. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdatomic.h>
#include <time.h>

#include "hub/hub_server.h"
#include "hub/hub_util.h"
#include "util/log.h"

#define AUDIT_QUEUE_MAX 65536

struct audit_entry {
    int64_t ts;
    int64_t org_id;
    char role[12];
    char coll[64];
    char stix_id[128];
    char tlp[16];
};

struct hub_audit_queue {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    pthread_mutex_t flush_lock;
    struct audit_entry *entries;
    size_t n;
    size_t cap;
    bool stop;
    pthread_t thread;
    struct hub_server *server;
};

int hub_audit_write(struct hub_db_conn *c, const struct hub_caller *caller, const char *action,
                    const char *coll, const char *stix_id, const char *tlp, const char *detail)
{
    char err[256];
    struct hub_db_param p[] = {DB_INT(hub_now_us()),
                               caller ? DB_INT(caller->org.id) : DB_NULL,
                               DB_TEXT(caller ? hub_role_name(caller->role) : NULL),
                               DB_TEXT(action),
                               DB_TEXT(coll),
                               DB_TEXT(stix_id),
                               DB_TEXT(tlp),
                               DB_TEXT(detail)};
    int rc = hub_db_exec(c,
                         "INSERT INTO audit (ts, org_id, role, action, coll, stix_id, tlp, detail)"
                         " VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                         8, p, NULL, err, sizeof err);
    if (rc < 0)
        log_error("hub: audit: %s", err);
    return rc;
}

/* Writes the queued read entries; called with flush_lock held. */
static void audit_flush(struct hub_audit_queue *q)
{
    pthread_mutex_lock(&q->lock);
    struct audit_entry *batch = q->entries;
    size_t n = q->n;
    q->entries = NULL;
    q->n = 0;
    q->cap = 0;
    pthread_mutex_unlock(&q->lock);
    if (!n) {
        free(batch);
        return;
    }
    struct hub_db_conn *c = hub_db_acquire(q->server->db);
    char err[256];
    int rc = hub_db_begin(c, err, sizeof err);
    for (size_t i = 0; rc == 0 && i < n; i++) {
        struct audit_entry *e = &batch[i];
        struct hub_db_param p[] = {DB_INT(e->ts),    DB_INT(e->org_id),   DB_TEXT(e->role),
                                   DB_TEXT(e->coll), DB_TEXT(e->stix_id), DB_TEXT(e->tlp)};
        rc = hub_db_exec(c,
                         "INSERT INTO audit (ts, org_id, role, action, coll, stix_id, tlp)"
                         " VALUES ($1, $2, $3, 'read', $4, $5, $6)",
                         6, p, NULL, err, sizeof err);
    }
    if (rc == 0)
        rc = hub_db_commit(c, err, sizeof err);
    if (rc < 0) {
        hub_db_rollback(c);
        log_error("hub: audit: %zu read entries not recorded: %s", n, err);
    }
    hub_db_release(q->server->db, c);
    free(batch);
}

static void housekeeping(struct hub_server *s, bool force);

static void *audit_thread(void *arg)
{
    struct hub_audit_queue *q = arg;
    for (;;) {
        pthread_mutex_lock(&q->lock);
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_nsec += 200 * 1000000;
        if (ts.tv_nsec >= 1000000000) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000;
        }
        if (!q->stop)
            pthread_cond_timedwait(&q->cond, &q->lock, &ts);
        bool stop = q->stop;
        pthread_mutex_unlock(&q->lock);
        pthread_mutex_lock(&q->flush_lock);
        audit_flush(q);
        pthread_mutex_unlock(&q->flush_lock);
        if (stop)
            return NULL;
        housekeeping(q->server, false);
    }
}

/* Planner statistics follow the tables as they grow (both backends: SQLite
 * never gathers them by itself, and autovacuum lags behind bulk loads), and
 * the object count for /metrics. */
static void housekeeping(struct hub_server *s, bool force)
{
    static int64_t last_count_us;
    int64_t now = hub_now_us();
    /* After 20% growth (at least HUB_ANALYZE_EVERY objects). */
    long threshold = (long)(atomic_load(&s->metrics.objects_total) / 5);
    if (threshold < HUB_ANALYZE_EVERY)
        threshold = HUB_ANALYZE_EVERY;
    bool analyze = force || s->stored_since_analyze >= threshold;
    /* The exact count is a scan of the objects (on PostgreSQL of the whole
     * heap until a vacuum marks it all-visible: at 1M objects about a
     * second of the server's CPU); between counts the writers add what
     * they stored, so it is taken every 30 s per 100,000 objects. */
    int64_t every = 30 * 1000000LL * (1 + atomic_load(&s->metrics.objects_total) / 100000);
    bool count = force || now - last_count_us > every;
    if (!analyze && !count)
        return;
    struct hub_db_conn *c = hub_db_acquire(s->db);
    char err[256];
    if (count) {
        last_count_us = now;
        int64_t n = 0;
        if (hub_db_query_i64(c, "SELECT COUNT(*) FROM objects", 0, NULL, 0, &n, err, sizeof err) ==
            0)
            atomic_store(&s->metrics.objects_total, n);
    }
    if (analyze) {
        s->stored_since_analyze = 0;
        if (hub_db_analyze(s->db, c, atomic_load(&s->metrics.objects_total), err, sizeof err) < 0)
            log_warning("hub: refreshing planner statistics: %s", err);
    }
    hub_db_release(s->db, c);
}

int hub_audit_start(struct hub_server *s)
{
    struct hub_audit_queue *q = calloc(1, sizeof *q);
    if (!q)
        return -ENOMEM;
    pthread_mutex_init(&q->lock, NULL);
    pthread_mutex_init(&q->flush_lock, NULL);
    pthread_cond_init(&q->cond, NULL);
    q->server = s;
    /* The object count at start (statistics were refreshed by hub_db_open). */
    housekeeping(s, false);
    if (pthread_create(&q->thread, NULL, audit_thread, q) != 0) {
        free(q);
        return -EAGAIN;
    }
    s->audit = q;
    return 0;
}

void hub_audit_stop(struct hub_server *s)
{
    struct hub_audit_queue *q = s->audit;
    if (!q)
        return;
    pthread_mutex_lock(&q->lock);
    q->stop = true;
    pthread_cond_signal(&q->cond);
    pthread_mutex_unlock(&q->lock);
    pthread_join(q->thread, NULL);
    free(q->entries);
    pthread_mutex_destroy(&q->lock);
    pthread_mutex_destroy(&q->flush_lock);
    pthread_cond_destroy(&q->cond);
    free(q);
    s->audit = NULL;
}

void hub_audit_read(struct hub_server *s, const struct hub_caller *caller, const char *coll,
                    const char *stix_id, const char *tlp)
{
    struct hub_audit_queue *q = s->audit;
    if (!q)
        return;
    for (;;) {
        pthread_mutex_lock(&q->lock);
        if (q->n < AUDIT_QUEUE_MAX) {
            if (q->n == q->cap) {
                size_t ncap = q->cap ? q->cap * 2 : 256;
                struct audit_entry *ne = realloc(q->entries, ncap * sizeof *ne);
                if (ne) {
                    q->entries = ne;
                    q->cap = ncap;
                }
                if (!ne) {
                    pthread_mutex_unlock(&q->lock);
                    log_error("hub: audit: out of memory, read of %s by org %lld not recorded",
                              stix_id, (long long)caller->org.id);
                    return;
                }
            }
            struct audit_entry *e = &q->entries[q->n++];
            e->ts = hub_now_us();
            e->org_id = caller->org.id;
            snprintf(e->role, sizeof e->role, "%s", hub_role_name(caller->role));
            snprintf(e->coll, sizeof e->coll, "%s", coll);
            snprintf(e->stix_id, sizeof e->stix_id, "%s", stix_id);
            snprintf(e->tlp, sizeof e->tlp, "%s", tlp);
            pthread_mutex_unlock(&q->lock);
            return;
        }
        pthread_mutex_unlock(&q->lock);
        pthread_mutex_lock(&q->flush_lock);
        audit_flush(q);
        pthread_mutex_unlock(&q->flush_lock);
    }
}

void hub_audit_flush(struct hub_server *s)
{
    struct hub_audit_queue *q = s->audit;
    if (!q)
        return;
    pthread_mutex_lock(&q->flush_lock);
    audit_flush(q);
    pthread_mutex_unlock(&q->flush_lock);
}
