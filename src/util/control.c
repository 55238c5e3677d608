/* SPDX-License-Identifier: Apache-2.0 */
/* The unix control socket: one thread polls the listening socket, the
 * clients and a wake-up pipe (for asynchronous answers). See control.h. */
#include "util/control.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdatomic.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "util/control_test.h"
#include "util/log.h"

#define CONTROL_MAX_CLIENTS 64
#define CONTROL_MAX_MESSAGE (64 * 1024)     /* a request longer than this closes the client */
#define CONTROL_MAX_OUTPUT (64u << 20)      /* answers waiting for a client that does not read */
#define CONTROL_IDLE_MS 10000               /* a half-sent message or handshake times out */

struct command {
    char *name;
    control_handler fn;
    control_async_handler afn;
    void *data;
    unsigned flags;
};

struct control_reply {
    uint64_t client_id;
    int version;
    bool ok;
    json_t *message;
    struct control_reply *next;
};

struct client {
    int fd;
    uint64_t id;
    int version; /* 0 until the handshake */
    char *in;
    size_t in_len;
    char *out;
    size_t out_len, out_off;
    bool busy; /* an asynchronous command is running for it */
    uint64_t last_ms;
};

static struct {
    pthread_mutex_t table_lock; /* commands[] */
    pthread_mutex_t exec_lock;  /* held while a handler runs */
    struct command *commands;
    size_t ncommands;

    pthread_mutex_t state_lock; /* running, path, replies */
    bool running;
    pthread_t thread;
    int listen_fd;
    int wake[2];
    char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
    struct control_reply *replies; /* completed asynchronous answers */
    _Atomic bool stop;

    struct client clients[CONTROL_MAX_CLIENTS];
    size_t nclients;
    uint64_t next_client_id;
} ctl = {
    .table_lock = PTHREAD_MUTEX_INITIALIZER,
    .exec_lock = PTHREAD_MUTEX_INITIALIZER,
    .state_lock = PTHREAD_MUTEX_INITIALIZER,
    .listen_fd = -1,
    .wake = {-1, -1},
};

static uint64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* ---- command table ---- */

static int add_command(const char *name, control_handler fn, control_async_handler afn, void *data,
                       unsigned flags)
{
    if (!name || !*name || (!fn && !afn))
        return -EINVAL;
    pthread_mutex_lock(&ctl.table_lock);
    int rc = 0;
    for (size_t i = 0; i < ctl.ncommands; i++)
        if (strcmp(ctl.commands[i].name, name) == 0)
            rc = -EEXIST;
    struct command *nc = NULL;
    char *copy = NULL;
    if (rc == 0) {
        nc = realloc(ctl.commands, (ctl.ncommands + 1) * sizeof *nc);
        copy = strdup(name);
        if (nc)
            ctl.commands = nc;
        if (!nc || !copy)
            rc = -ENOMEM;
    }
    if (rc == 0)
        ctl.commands[ctl.ncommands++] =
            (struct command){.name = copy, .fn = fn, .afn = afn, .data = data, .flags = flags};
    else
        free(copy);
    pthread_mutex_unlock(&ctl.table_lock);
    return rc;
}

int control_register(const char *name, control_handler fn, void *data, unsigned flags)
{
    return add_command(name, fn, NULL, data, flags);
}

int control_register_async(const char *name, control_async_handler fn, void *data, unsigned flags)
{
    return add_command(name, NULL, fn, data, flags);
}

int control_unregister(const char *name)
{
    pthread_mutex_lock(&ctl.exec_lock);
    pthread_mutex_lock(&ctl.table_lock);
    int rc = -ENOENT;
    for (size_t i = 0; i < ctl.ncommands; i++) {
        if (strcmp(ctl.commands[i].name, name) == 0) {
            free(ctl.commands[i].name);
            memmove(&ctl.commands[i], &ctl.commands[i + 1],
                    (ctl.ncommands - i - 1) * sizeof *ctl.commands);
            ctl.ncommands--;
            rc = 0;
            break;
        }
    }
    pthread_mutex_unlock(&ctl.table_lock);
    pthread_mutex_unlock(&ctl.exec_lock);
    return rc;
}

json_t *control_command_list(void)
{
    json_t *a = json_array();
    pthread_mutex_lock(&ctl.table_lock);
    for (size_t i = 0; a && i < ctl.ncommands; i++)
        json_array_append_new(a, json_string(ctl.commands[i].name));
    pthread_mutex_unlock(&ctl.table_lock);
    return a;
}

int control_answer_string(json_t *answer, const char *message)
{
    json_object_set_new(answer, "message", json_string(message));
    return 0;
}

int control_answer_error(json_t *answer, const char *message)
{
    json_object_set_new(answer, "message", json_string(message));
    return -1;
}

int control_answer(json_t *answer, json_t *value)
{
    json_object_set_new(answer, "message", value ? value : json_null());
    return 0;
}

/* ---- clients ---- */

static void client_close(size_t i)
{
    struct client *c = &ctl.clients[i];
    close(c->fd);
    free(c->in);
    free(c->out);
    ctl.clients[i] = ctl.clients[--ctl.nclients];
}

static struct client *client_by_id(uint64_t id)
{
    for (size_t i = 0; i < ctl.nclients; i++)
        if (ctl.clients[i].id == id)
            return &ctl.clients[i];
    return NULL;
}

/* Queues an answer and sends what the socket takes now. false: the client
 * is to be closed. */
static bool client_send(struct client *c, json_t *msg)
{
    char *text = json_dumps(msg, JSON_COMPACT | JSON_ENSURE_ASCII | JSON_PRESERVE_ORDER);
    if (!text)
        return false;
    size_t n = strlen(text);
    size_t need = c->out_len - c->out_off + n + 1;
    if (need > CONTROL_MAX_OUTPUT) {
        free(text);
        return false;
    }
    if (c->out_off) {
        memmove(c->out, c->out + c->out_off, c->out_len - c->out_off);
        c->out_len -= c->out_off;
        c->out_off = 0;
    }
    char *o = realloc(c->out, c->out_len + n + 1);
    if (!o) {
        free(text);
        return false;
    }
    c->out = o;
    memcpy(c->out + c->out_len, text, n);
    c->out_len += n;
    if (c->version >= 2)
        c->out[c->out_len++] = '\n';
    free(text);
    while (c->out_off < c->out_len) {
        ssize_t w = send(c->fd, c->out + c->out_off, c->out_len - c->out_off,
                         MSG_NOSIGNAL | MSG_DONTWAIT);
        if (w < 0) {
            if (errno == EAGAIN || errno == EWOULDBLOCK)
                break;
            if (errno == EINTR)
                continue;
            return false;
        }
        c->out_off += (size_t)w;
    }
    if (c->out_off == c->out_len)
        c->out_off = c->out_len = 0;
    return true;
}

static bool client_flush(struct client *c)
{
    while (c->out_off < c->out_len) {
        ssize_t w = send(c->fd, c->out + c->out_off, c->out_len - c->out_off,
                         MSG_NOSIGNAL | MSG_DONTWAIT);
        if (w < 0) {
            if (errno == EAGAIN || errno == EWOULDBLOCK)
                return true;
            if (errno == EINTR)
                continue;
            return false;
        }
        c->out_off += (size_t)w;
    }
    c->out_off = c->out_len = 0;
    return true;
}

static void consume(struct client *c, size_t n)
{
    memmove(c->in, c->in + n, c->in_len - n);
    c->in_len -= n;
}

/* Runs one request; false closes the client. */
static bool execute(struct client *c, json_t *req)
{
    json_t *cmd = json_object_get(req, "command");
    if (!json_is_string(cmd))
        return false; /* as Suricata: not a command at all */
    const char *name = json_string_value(cmd);
    json_t *args = json_object_get(req, "arguments");
    json_t *answer = json_object();
    if (!answer)
        return false;
    pthread_mutex_lock(&ctl.exec_lock);
    pthread_mutex_lock(&ctl.table_lock);
    struct command found = {0};
    for (size_t i = 0; i < ctl.ncommands; i++)
        if (strcmp(ctl.commands[i].name, name) == 0)
            found = ctl.commands[i];
    pthread_mutex_unlock(&ctl.table_lock);
    int ok = -1;
    bool deferred = false;
    if (!found.name) {
        json_object_set_new(answer, "message", json_string("Unknown command"));
    } else if ((found.flags & CONTROL_TAKES_ARGS) && !json_is_object(args)) {
        json_object_set_new(answer, "message", json_string("arguments are missing"));
    } else {
        const json_t *a = (found.flags & CONTROL_TAKES_ARGS) || json_is_object(args) ? args : NULL;
        if (found.afn) {
            struct control_reply *r = calloc(1, sizeof *r);
            if (r) {
                r->client_id = c->id;
                r->version = c->version;
                c->busy = true;
                deferred = true;
                found.afn(a, r, found.data);
            } else {
                json_object_set_new(answer, "message", json_string("out of memory"));
            }
        } else {
            ok = found.fn(a, answer, found.data);
        }
    }
    pthread_mutex_unlock(&ctl.exec_lock);
    if (deferred) {
        json_decref(answer);
        return true;
    }
    json_object_set_new(answer, "return", json_string(ok == 0 ? "OK" : "NOK"));
    bool sent = client_send(c, answer);
    json_decref(answer);
    return sent;
}

/* Handles every complete message in the client's buffer. false closes it. */
static bool client_process(struct client *c)
{
    while (!c->busy && c->out_len == 0 && c->in_len) {
        json_t *msg = NULL;
        size_t used = 0;
        if (c->version >= 2) {
            char *nl = memchr(c->in, '\n', c->in_len);
            if (!nl)
                return c->in_len <= CONTROL_MAX_MESSAGE;
            used = (size_t)(nl - c->in) + 1;
            size_t l = used - 1;
            while (l && (c->in[l - 1] == '\r' || c->in[l - 1] == ' ' || c->in[l - 1] == '\t'))
                l--;
            size_t s = 0;
            while (s < l && (c->in[s] == ' ' || c->in[s] == '\t'))
                s++;
            if (s == l) {
                consume(c, used); /* empty line */
                continue;
            }
            json_error_t e;
            msg = json_loadb(c->in + s, l - s, 0, &e);
            if (!msg)
                return false;
        } else {
            /* Handshake and protocol 0.1: one JSON object, no delimiter. */
            size_t s = 0;
            while (s < c->in_len && strchr(" \t\r\n", c->in[s]))
                s++;
            if (s == c->in_len) {
                consume(c, s);
                return true;
            }
            json_error_t e;
            msg = json_loadb(c->in + s, c->in_len - s, JSON_DISABLE_EOF_CHECK, &e);
            if (!msg) {
                if (json_error_code(&e) == json_error_premature_end_of_input)
                    return c->in_len <= CONTROL_MAX_MESSAGE;
                return false;
            }
            used = s + (size_t)e.position;
        }
        consume(c, used);
        if (!json_is_object(msg)) {
            json_decref(msg);
            return false;
        }
        bool keep;
        if (c->version == 0) {
            json_t *v = json_object_get(msg, "version");
            const char *vs = json_string_value(v);
            keep = vs && (strcmp(vs, "0.1") == 0 || strcmp(vs, "0.2") == 0);
            if (keep) {
                c->version = strcmp(vs, "0.1") == 0 ? 1 : 2;
                json_t *ok = json_pack("{s:s}", "return", "OK");
                keep = ok && client_send(c, ok);
                json_decref(ok);
            }
        } else {
            keep = execute(c, msg);
        }
        json_decref(msg);
        if (!keep)
            return false;
    }
    return true;
}

static bool client_read(struct client *c)
{
    for (;;) {
        if (c->in_len >= CONTROL_MAX_MESSAGE + 1)
            return client_process(c) && c->in_len <= CONTROL_MAX_MESSAGE;
        size_t cap = CONTROL_MAX_MESSAGE + 1;
        if (!c->in) {
            c->in = malloc(cap);
            if (!c->in)
                return false;
        }
        ssize_t r = recv(c->fd, c->in + c->in_len, cap - c->in_len, MSG_DONTWAIT);
        if (r == 0)
            return false;
        if (r < 0) {
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK)
                break;
            return false;
        }
        c->in_len += (size_t)r;
        c->last_ms = now_ms();
        if (!client_process(c))
            return false;
    }
    return client_process(c);
}

/* ---- asynchronous answers ---- */

void control_reply_send(struct control_reply *reply, bool ok, json_t *message)
{
    if (!reply) {
        json_decref(message);
        return;
    }
    reply->ok = ok;
    reply->message = message;
    pthread_mutex_lock(&ctl.state_lock);
    if (!ctl.running) {
        pthread_mutex_unlock(&ctl.state_lock);
        json_decref(message);
        free(reply);
        return;
    }
    reply->next = ctl.replies;
    ctl.replies = reply;
    int fd = ctl.wake[1];
    pthread_mutex_unlock(&ctl.state_lock);
    char b = 1;
    if (fd >= 0 && write(fd, &b, 1) < 0 && errno != EAGAIN)
        log_warning("control socket: cannot wake the control thread: %s", strerror(errno));
}

static void deliver_replies(void)
{
    pthread_mutex_lock(&ctl.state_lock);
    struct control_reply *list = ctl.replies;
    ctl.replies = NULL;
    pthread_mutex_unlock(&ctl.state_lock);
    /* Oldest first. */
    struct control_reply *rev = NULL;
    while (list) {
        struct control_reply *n = list->next;
        list->next = rev;
        rev = list;
        list = n;
    }
    while (rev) {
        struct control_reply *r = rev;
        rev = r->next;
        struct client *c = client_by_id(r->client_id);
        if (c) {
            json_t *answer = json_object();
            bool keep = false;
            if (answer) {
                json_object_set_new(answer, "message", r->message ? r->message : json_null());
                r->message = NULL;
                json_object_set_new(answer, "return", json_string(r->ok ? "OK" : "NOK"));
                c->busy = false;
                keep = client_send(c, answer) && client_process(c);
                json_decref(answer);
            }
            if (!keep)
                client_close((size_t)(c - ctl.clients));
        }
        json_decref(r->message);
        free(r);
    }
}

/* ---- the thread ---- */

static void accept_clients(void)
{
    for (;;) {
        int fd = accept4(ctl.listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0)
            return;
        if (ctl.nclients >= CONTROL_MAX_CLIENTS) {
            close(fd);
            continue;
        }
        ctl.clients[ctl.nclients++] =
            (struct client){.fd = fd, .id = ++ctl.next_client_id, .last_ms = now_ms()};
    }
}

static void *control_main(void *arg)
{
    (void)arg;
    struct pollfd pfd[CONTROL_MAX_CLIENTS + 2];
    while (!atomic_load(&ctl.stop)) {
        pfd[0] = (struct pollfd){.fd = ctl.wake[0], .events = POLLIN};
        pfd[1] = (struct pollfd){.fd = ctl.listen_fd, .events = POLLIN};
        size_t n = ctl.nclients;
        uint64_t ids[CONTROL_MAX_CLIENTS];
        for (size_t i = 0; i < n; i++) {
            struct client *c = &ctl.clients[i];
            short ev = 0;
            if (!c->busy && c->out_len == 0)
                ev |= POLLIN;
            if (c->out_len)
                ev |= POLLOUT;
            pfd[2 + i] = (struct pollfd){.fd = c->fd, .events = ev};
            ids[i] = c->id;
        }
        int r = poll(pfd, 2 + n, 200);
        if (r < 0 && errno != EINTR) {
            log_error("control socket: poll: %s", strerror(errno));
            break;
        }
        if (atomic_load(&ctl.stop))
            break;
        if (r > 0 && (pfd[0].revents & POLLIN)) {
            char buf[64];
            while (read(ctl.wake[0], buf, sizeof buf) > 0)
                ;
        }
        deliver_replies();
        for (size_t i = 0; r > 0 && i < n; i++) {
            if (!pfd[2 + i].revents)
                continue;
            struct client *c = client_by_id(ids[i]);
            if (!c)
                continue;
            bool keep = true;
            if (pfd[2 + i].revents & POLLOUT)
                keep = client_flush(c) && client_process(c);
            if (keep && (pfd[2 + i].revents & (POLLIN | POLLHUP | POLLERR)))
                keep = client_read(c);
            else if (keep && (pfd[2 + i].revents & (POLLHUP | POLLERR)) && !c->busy)
                keep = false;
            if (!keep)
                client_close((size_t)(c - ctl.clients));
        }
        if (r > 0 && (pfd[1].revents & POLLIN))
            accept_clients();
        /* A client that stopped in the middle of a message, or never said
         * which version it speaks, goes. */
        uint64_t t = now_ms();
        for (size_t i = 0; i < ctl.nclients;) {
            struct client *c = &ctl.clients[i];
            if (!c->busy && (c->in_len || c->version == 0 || c->out_len) &&
                t - c->last_ms > CONTROL_IDLE_MS)
                client_close(i);
            else
                i++;
        }
    }
    while (ctl.nclients)
        client_close(0);
    return NULL;
}

static int mkdir_parent(const char *path)
{
    char dir[sizeof ctl.path];
    snprintf(dir, sizeof dir, "%s", path);
    char *slash = strrchr(dir, '/');
    if (!slash || slash == dir)
        return 0;
    *slash = '\0';
    for (char *p = dir + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(dir, 0750) != 0 && errno != EEXIST)
            return -errno;
        *p = '/';
    }
    if (mkdir(dir, 0750) != 0 && errno != EEXIST)
        return -errno;
    return 0;
}

int control_start(const char *path, char *err, size_t errlen)
{
    pthread_mutex_lock(&ctl.state_lock);
    bool running = ctl.running;
    pthread_mutex_unlock(&ctl.state_lock);
    if (running) {
        snprintf(err, errlen, "control socket already running at %s", ctl.path);
        return -EBUSY;
    }
    struct sockaddr_un addr = {.sun_family = AF_UNIX};
    if (!path || strlen(path) >= sizeof addr.sun_path) {
        snprintf(err, errlen, "control socket path '%s' is too long (at most %zu bytes)",
                 path ? path : "", sizeof addr.sun_path - 1);
        return -ENAMETOOLONG;
    }
    snprintf(addr.sun_path, sizeof addr.sun_path, "%s", path);
    int rc = mkdir_parent(path);
    if (rc != 0) {
        snprintf(err, errlen, "control socket %s: cannot create its directory: %s", path,
                 strerror(-rc));
        return rc;
    }
    /* A socket file left by a process that is gone is replaced; a live one
     * is not stolen. */
    struct stat st;
    if (lstat(path, &st) == 0) {
        if (!S_ISSOCK(st.st_mode)) {
            snprintf(err, errlen, "control socket %s: exists and is not a socket", path);
            return -EEXIST;
        }
        int probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (probe >= 0 && connect(probe, (struct sockaddr *)&addr, sizeof addr) == 0) {
            close(probe);
            snprintf(err, errlen, "control socket %s: another process is listening on it", path);
            return -EADDRINUSE;
        }
        if (probe >= 0)
            close(probe);
        unlink(path);
    }
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        rc = -errno;
        snprintf(err, errlen, "control socket: %s", strerror(errno));
        return rc;
    }
    mode_t old = umask(0117); /* socket file mode 0660 */
    int b = bind(fd, (struct sockaddr *)&addr, sizeof addr);
    int be = errno;
    umask(old);
    if (b != 0 || listen(fd, 16) != 0) {
        rc = -(b != 0 ? be : errno);
        snprintf(err, errlen, "control socket %s: %s", path, strerror(-rc));
        close(fd);
        return rc;
    }
    if (pipe2(ctl.wake, O_NONBLOCK | O_CLOEXEC) != 0) {
        rc = -errno;
        snprintf(err, errlen, "control socket: %s", strerror(errno));
        close(fd);
        unlink(path);
        return rc;
    }
    ctl.listen_fd = fd;
    snprintf(ctl.path, sizeof ctl.path, "%s", path);
    atomic_store(&ctl.stop, false);
    pthread_mutex_lock(&ctl.state_lock);
    ctl.running = true;
    pthread_mutex_unlock(&ctl.state_lock);
    rc = pthread_create(&ctl.thread, NULL, control_main, NULL);
    if (rc != 0) {
        pthread_mutex_lock(&ctl.state_lock);
        ctl.running = false;
        pthread_mutex_unlock(&ctl.state_lock);
        close(fd);
        close(ctl.wake[0]);
        close(ctl.wake[1]);
        ctl.wake[0] = ctl.wake[1] = ctl.listen_fd = -1;
        unlink(path);
        snprintf(err, errlen, "control socket: cannot start its thread: %s", strerror(rc));
        return -rc;
    }
    return 0;
}

void control_stop(void)
{
    pthread_mutex_lock(&ctl.state_lock);
    bool running = ctl.running;
    pthread_mutex_unlock(&ctl.state_lock);
    if (!running)
        return;
    atomic_store(&ctl.stop, true);
    char b = 1;
    if (write(ctl.wake[1], &b, 1) < 0 && errno != EAGAIN)
        log_warning("control socket: cannot wake the control thread: %s", strerror(errno));
    pthread_join(ctl.thread, NULL);
    pthread_mutex_lock(&ctl.state_lock);
    ctl.running = false;
    struct control_reply *r = ctl.replies;
    ctl.replies = NULL;
    close(ctl.wake[0]);
    close(ctl.wake[1]);
    ctl.wake[0] = ctl.wake[1] = -1;
    pthread_mutex_unlock(&ctl.state_lock);
    while (r) {
        struct control_reply *n = r->next;
        json_decref(r->message);
        free(r);
        r = n;
    }
    close(ctl.listen_fd);
    ctl.listen_fd = -1;
    unlink(ctl.path);
    ctl.path[0] = '\0';
}

const char *control_path(void)
{
    return ctl.path[0] ? ctl.path : NULL;
}

/* ---- test and fuzzing hook (control_test.h) ---- */

struct control_test_client {
    struct client c;
    int peer;
    bool closed;
};

struct control_test_client *control_test_client_new(void)
{
    struct control_test_client *t = calloc(1, sizeof *t);
    int sv[2];
    if (!t || socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv) != 0) {
        free(t);
        return NULL;
    }
    t->c.fd = sv[0];
    t->c.id = UINT64_MAX; /* never a real client's: asynchronous answers are dropped */
    t->c.last_ms = now_ms();
    t->peer = sv[1];
    return t;
}

bool control_test_client_feed(struct control_test_client *t, const void *data, size_t len)
{
    const uint8_t *p = data;
    while (!t->closed && len) {
        ssize_t w = send(t->peer, p, len, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (w <= 0) {
            if (w < 0 && errno != EAGAIN && errno != EWOULDBLOCK)
                return false;
            w = 0;
        }
        p += w;
        len -= (size_t)w;
        /* What the control thread does when the socket is readable or
         * writable. */
        if (!client_flush(&t->c) || !client_process(&t->c) || !client_read(&t->c))
            t->closed = true;
        if (!t->closed && w == 0 && len) {
            /* The peer's buffer is full of answers nobody reads. */
            char sink[4096];
            if (recv(t->peer, sink, sizeof sink, MSG_DONTWAIT) <= 0)
                return false;
        }
    }
    return !t->closed;
}

size_t control_test_client_output(struct control_test_client *t, char *buf, size_t cap)
{
    size_t got = 0;
    while (got < cap) {
        if (!t->closed && !client_flush(&t->c))
            t->closed = true;
        ssize_t r = recv(t->peer, buf + got, cap - got, MSG_DONTWAIT);
        if (r <= 0)
            break;
        got += (size_t)r;
    }
    return got;
}

void control_test_client_free(struct control_test_client *t)
{
    if (!t)
        return;
    close(t->c.fd);
    close(t->peer);
    free(t->c.in);
    free(t->c.out);
    free(t);
}
