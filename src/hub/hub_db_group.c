/* SPDX-License-Identifier: Apache-2.0 */
/* Group commit: the writes of requests that arrive while another request's
 * transaction is being made durable wait for it, then go to storage together
 * in one transaction with one commit (one WAL sync on SQLite, one WAL
 * flush on PostgreSQL) for all of them.
 *
 * Leader/follower: a request appends its job to the queue; if no leader is
 * at work it becomes the leader, takes every job waiting (its own included),
 * runs them on the writer connection it was given and commits; otherwise it sleeps until a
 * leader has finished its job, or until there is no leader and its job is
 * still waiting (then it leads the next group). A job is answered only after
 * the commit of its group has returned: acknowledged = durable as before.
 * Nothing is delayed on purpose: a group is whatever queued while the
 * previous one was committing, so a lone writer commits at once. */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hub/hub_db.h"

struct hub_db_group_job {
    hub_db_group_fn fn;
    void *arg;
    int rc;
    bool done;
    char err[256];
    struct hub_db_group_job *next;
};

struct hub_db_group {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    struct hub_db_group_job *head, **tail;
    bool leading;
    size_t queued; /* jobs waiting for a leader */
    _Atomic uint64_t commits, jobs;
};

struct hub_db_group *hub_db_group_new(void)
{
    struct hub_db_group *g = calloc(1, sizeof *g);
    if (!g)
        return NULL;
    pthread_mutex_init(&g->lock, NULL);
    pthread_cond_init(&g->cond, NULL);
    g->tail = &g->head;
    return g;
}

void hub_db_group_free(struct hub_db_group *g)
{
    if (!g)
        return;
    pthread_mutex_destroy(&g->lock);
    pthread_cond_destroy(&g->cond);
    free(g);
}

size_t hub_db_group_queued(struct hub_db_group *g)
{
    pthread_mutex_lock(&g->lock);
    size_t n = g->queued;
    pthread_mutex_unlock(&g->lock);
    return n;
}

void hub_db_group_stats(const struct hub_db_group *g, uint64_t *commits, uint64_t *jobs)
{
    *commits = g ? atomic_load(&g->commits) : 0;
    *jobs = g ? atomic_load(&g->jobs) : 0;
}

/* Runs jobs first..(n of them) in one transaction on c. Returns 0 when
 * committed; < 0 when a job failed (*failed_job set, the transaction
 * rolled back) or the transaction itself did (err). */
static int run_tx(struct hub_db_group_job *first, size_t n, struct hub_db_conn *c,
                  struct hub_db_group_job **failed_job, char *err, size_t errlen)
{
    *failed_job = NULL;
    int rc = hub_db_begin(c, err, errlen);
    size_t k = 0;
    for (struct hub_db_group_job *j = first; rc == 0 && j && k < n; j = j->next, k++) {
        j->rc = j->fn(j->arg, c, j->err, sizeof j->err);
        if (j->rc < 0) {
            *failed_job = j;
            rc = j->rc;
        }
    }
    if (rc == 0)
        return hub_db_commit(c, err, errlen);
    hub_db_rollback(c);
    return rc;
}

/* Runs a group on connection c: all jobs in one transaction, one commit.
 * Should a job fail, the transaction is rolled back and every job of the
 * group runs again in a transaction of its own, so that one envelope's
 * storage error does not refuse the others; the same when the commit fails
 * (a deferred constraint of one job, or an I/O error that then fails each). (Savepoints per job would avoid
 * the second run, but SQLite copies every page a savepoint changes into its
 * sub-journal: 5% of the hub's CPU in bulk ingest, perf, for an error that
 * almost never happens.) A job is answered with success only once a
 * commit holding it has returned. */
static void run_group(struct hub_db_group_job *first, size_t n, struct hub_db_conn *c)
{
    char err[256];
    hub_db_conn_refresh(c);
    struct hub_db_group_job *failed;
    int rc = run_tx(first, n, c, &failed, err, sizeof err);
    if (rc == 0)
        return;
    if (n > 1) {
        for (struct hub_db_group_job *j = first; j; j = j->next) {
            struct hub_db_group_job *next = j->next;
            j->next = NULL; /* (a group of one) */
            struct hub_db_group_job *f;
            if (run_tx(j, 1, c, &f, err, sizeof err) < 0 && !f) {
                j->rc = -EIO;
                snprintf(j->err, sizeof j->err, "%.240s", err);
            }
            j->next = next;
        }
        return;
    }
    if (failed)
        return; /* (its own error) */
    for (struct hub_db_group_job *j = first; j; j = j->next) {
        if (j->rc >= 0) {
            j->rc = -EIO;
            snprintf(j->err, sizeof j->err, "group commit: %.200s", err);
        }
    }
}

int hub_db_group_run(struct hub_db_group *g, struct hub_db_conn *c, hub_db_group_fn fn, void *arg,
                     char *err, size_t errlen)
{
    /* 1: not run yet (a group whose transaction never started fails it). */
    struct hub_db_group_job job = {.fn = fn, .arg = arg, .rc = 1};
    pthread_mutex_lock(&g->lock);
    *g->tail = &job;
    g->tail = &job.next;
    g->queued++;
    while (!job.done) {
        if (g->leading) {
            pthread_cond_wait(&g->cond, &g->lock);
            continue;
        }
        /* Lead: take what waits, at most HUB_DB_GROUP_MAX jobs. */
        g->leading = true;
        struct hub_db_group_job *first = g->head, *last = first;
        size_t n = 1;
        while (last->next && n < HUB_DB_GROUP_MAX) {
            last = last->next;
            n++;
        }
        g->head = last->next;
        if (!g->head)
            g->tail = &g->head;
        last->next = NULL;
        g->queued -= n;
        pthread_mutex_unlock(&g->lock);
        run_group(first, n, c);
        atomic_fetch_add_explicit(&g->commits, 1, memory_order_relaxed);
        atomic_fetch_add_explicit(&g->jobs, n, memory_order_relaxed);
        pthread_mutex_lock(&g->lock);
        for (struct hub_db_group_job *j = first; j; j = j->next)
            j->done = true;
        g->leading = false;
        pthread_cond_broadcast(&g->cond);
    }
    pthread_mutex_unlock(&g->lock);
    if (job.rc < 0)
        snprintf(err, errlen, "%s", job.err);
    return job.rc < 0 ? job.rc : 0;
}
