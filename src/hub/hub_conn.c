/* SPDX-License-Identifier: Apache-2.0 */
/* Connection guard (hub_conn.h): a list of live connections in accept order
 * under one mutex, and a thread that closes connections past their header
 * deadline. Closing is shutdown(2) of the socket: libmicrohttpd then sees
 * end-of-file and releases the connection itself (the descriptor is not
 * closed under its feet, so it cannot be reused while it polls it). */
#include "hub/hub_conn.h"

#include <errno.h>
#include <microhttpd.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "hub/hub_util.h"
#include "util/log.h"

struct tracked {
    struct tracked *prev, *next;
    int fd;
    int64_t phase_start_us; /* connected, or previous response finished */
    bool authenticated;
    bool in_request; /* headers complete, request being served */
    bool closing;
};

struct hub_conn_table {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    struct tracked *head, *tail; /* oldest first */
    int64_t unauthenticated;
    bool stop;
    pthread_t thread;
    struct hub_server *server;
};

static int64_t unauth_cap(const struct hub_server *s)
{
    int64_t cap = (int64_t)s->cfg.max_connections * 3 / 4;
    return cap < 1 ? 1 : cap;
}

/* Closes one tracked connection (lock held). */
static void close_tracked(struct hub_conn_table *t, struct tracked *c)
{
    if (c->closing)
        return;
    c->closing = true;
    if (c->fd >= 0)
        shutdown(c->fd, SHUT_RDWR);
    (void)t;
}

static void set_authenticated(struct hub_conn_table *t, struct tracked *c, bool on)
{
    if (c->authenticated == on)
        return;
    c->authenticated = on;
    t->unauthenticated += on ? -1 : 1;
    atomic_store(&t->server->metrics.connections_unauthenticated, t->unauthenticated);
}

void hub_conn_notify(void *cls, struct MHD_Connection *conn, void **socket_context, int code)
{
    struct hub_server *s = cls;
    struct hub_conn_table *t = s->conns;
    if (!t)
        return;
    if (code == MHD_CONNECTION_NOTIFY_STARTED) {
        struct tracked *c = calloc(1, sizeof *c);
        *socket_context = c;
        if (!c)
            return;
        const union MHD_ConnectionInfo *ci =
            MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
        c->fd = ci ? ci->connect_fd : -1;
        c->phase_start_us = hub_now_us();
        hub_count(&s->metrics.connections_accepted, 1);
        atomic_fetch_add(&s->metrics.connections_open, 1);
        pthread_mutex_lock(&t->lock);
        c->prev = t->tail;
        if (t->tail)
            t->tail->next = c;
        else
            t->head = c;
        t->tail = c;
        t->unauthenticated++;
        /* Over the share of unauthenticated connections: make room by
         * closing the oldest one that is still sending its headers. */
        if (t->unauthenticated > unauth_cap(s)) {
            for (struct tracked *o = t->head; o && o != c; o = o->next) {
                if (!o->authenticated && !o->in_request && !o->closing) {
                    close_tracked(t, o);
                    hub_count(&s->metrics.connections_evicted, 1);
                    break;
                }
            }
        }
        atomic_store(&s->metrics.connections_unauthenticated, t->unauthenticated);
        pthread_mutex_unlock(&t->lock);
    } else if (code == MHD_CONNECTION_NOTIFY_CLOSED) {
        struct tracked *c = *socket_context;
        *socket_context = NULL;
        if (!c)
            return;
        atomic_fetch_sub(&s->metrics.connections_open, 1);
        pthread_mutex_lock(&t->lock);
        if (c->prev)
            c->prev->next = c->next;
        else
            t->head = c->next;
        if (c->next)
            c->next->prev = c->prev;
        else
            t->tail = c->prev;
        if (!c->authenticated)
            t->unauthenticated--;
        atomic_store(&s->metrics.connections_unauthenticated, t->unauthenticated);
        pthread_mutex_unlock(&t->lock);
        free(c);
    }
}

static struct tracked *tracked_of(struct MHD_Connection *conn)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    return ci ? ci->socket_context : NULL;
}

void hub_conn_request_started(struct hub_server *s, struct MHD_Connection *conn)
{
    struct tracked *c = tracked_of(conn);
    if (!c || !s->conns)
        return;
    pthread_mutex_lock(&s->conns->lock);
    c->in_request = true;
    pthread_mutex_unlock(&s->conns->lock);
}

void hub_conn_request_finished(struct hub_server *s, struct MHD_Connection *conn)
{
    struct tracked *c = tracked_of(conn);
    if (!c || !s->conns)
        return;
    pthread_mutex_lock(&s->conns->lock);
    c->in_request = false;
    c->phase_start_us = hub_now_us();
    pthread_mutex_unlock(&s->conns->lock);
}

void hub_conn_authenticated(struct hub_server *s, struct MHD_Connection *conn)
{
    struct tracked *c = tracked_of(conn);
    if (!c || !s->conns)
        return;
    pthread_mutex_lock(&s->conns->lock);
    set_authenticated(s->conns, c, true);
    pthread_mutex_unlock(&s->conns->lock);
}

/* Closes connections whose request headers are overdue. */
static void *guard_thread(void *arg)
{
    struct hub_conn_table *t = arg;
    struct hub_server *s = t->server;
    pthread_mutex_lock(&t->lock);
    while (!t->stop) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_nsec += 250 * 1000000;
        if (ts.tv_nsec >= 1000000000) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000;
        }
        pthread_cond_timedwait(&t->cond, &t->lock, &ts);
        int64_t now = hub_now_us();
        int64_t unauth_limit = (int64_t)s->cfg.header_timeout_s * 1000000;
        int64_t auth_limit = (int64_t)s->cfg.connection_timeout_s * 1000000;
        for (struct tracked *c = t->head; c; c = c->next) {
            if (c->in_request || c->closing)
                continue;
            if (now - c->phase_start_us > (c->authenticated ? auth_limit : unauth_limit)) {
                close_tracked(t, c);
                hub_count(&s->metrics.header_timeouts, 1);
            }
        }
    }
    pthread_mutex_unlock(&t->lock);
    return NULL;
}

int hub_conn_start(struct hub_server *s)
{
    struct hub_conn_table *t = calloc(1, sizeof *t);
    if (!t)
        return -ENOMEM;
    pthread_mutex_init(&t->lock, NULL);
    pthread_cond_init(&t->cond, NULL);
    t->server = s;
    if (pthread_create(&t->thread, NULL, guard_thread, t) != 0) {
        free(t);
        return -EAGAIN;
    }
    s->conns = t;
    return 0;
}

void hub_conn_stop(struct hub_server *s)
{
    struct hub_conn_table *t = s->conns;
    if (!t)
        return;
    pthread_mutex_lock(&t->lock);
    t->stop = true;
    pthread_cond_signal(&t->cond);
    pthread_mutex_unlock(&t->lock);
    pthread_join(t->thread, NULL);
    /* The daemon is stopped: every connection was reported closed. */
    pthread_mutex_destroy(&t->lock);
    pthread_cond_destroy(&t->cond);
    free(t);
    s->conns = NULL;
}
