/* SPDX-License-Identifier: Apache-2.0 */
#include "output/logfile.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

/* Lines per writev() when a prefix is added to each. */
#define LOG_FILE_IOV_MAX 64

struct log_file {
    enum log_file_kind kind;
    int fd;
    pthread_mutex_t lock;
    int write_error;         /* first errno of a failed write (regular files) */
    uint64_t dropped;        /* lines not written */
    uint64_t last_connect_ms; /* sockets: last connection attempt */
    unsigned mode;
    int syslog_pri;
    char *prefix;
    size_t prefix_len;
    struct log_file *next;   /* registry */
    char path[4096];
};

static pthread_mutex_t registry_lock = PTHREAD_MUTEX_INITIALIZER;
static struct log_file *registry;
static bool syslog_opened;

static const struct {
    const char *name;
    enum log_file_kind kind;
} kind_names[] = {
    {"regular", LOG_FILE_REGULAR},      {"file", LOG_FILE_REGULAR},
    {"unix_stream", LOG_FILE_UNIX_STREAM}, {"unix_dgram", LOG_FILE_UNIX_DGRAM},
    {"socket", LOG_FILE_UNIX_DGRAM},    {"syslog", LOG_FILE_SYSLOG},
};

int log_file_kind_from_name(const char *name)
{
    for (size_t i = 0; name && i < sizeof kind_names / sizeof kind_names[0]; i++)
        if (strcasecmp(name, kind_names[i].name) == 0)
            return (int)kind_names[i].kind;
    return -1;
}

const char *log_file_kind_name(enum log_file_kind kind)
{
    switch (kind) {
    case LOG_FILE_REGULAR: return "regular";
    case LOG_FILE_UNIX_STREAM: return "unix_stream";
    case LOG_FILE_UNIX_DGRAM: return "unix_dgram";
    case LOG_FILE_SYSLOG: return "syslog";
    }
    return "?";
}

int log_file_syslog_facility(const char *name)
{
    static const struct {
        const char *n;
        int v;
    } f[] = {{"kern", LOG_KERN},     {"user", LOG_USER},     {"mail", LOG_MAIL},
             {"daemon", LOG_DAEMON}, {"auth", LOG_AUTH},     {"syslog", LOG_SYSLOG},
             {"lpr", LOG_LPR},       {"news", LOG_NEWS},     {"uucp", LOG_UUCP},
             {"cron", LOG_CRON},     {"authpriv", LOG_AUTHPRIV}, {"ftp", LOG_FTP},
             {"local0", LOG_LOCAL0}, {"local1", LOG_LOCAL1}, {"local2", LOG_LOCAL2},
             {"local3", LOG_LOCAL3}, {"local4", LOG_LOCAL4}, {"local5", LOG_LOCAL5},
             {"local6", LOG_LOCAL6}, {"local7", LOG_LOCAL7}};
    for (size_t i = 0; name && i < sizeof f / sizeof f[0]; i++)
        if (strcasecmp(name, f[i].n) == 0)
            return f[i].v;
    return -1;
}

int log_file_syslog_priority(const char *name)
{
    static const struct {
        const char *n;
        int v;
    } p[] = {{"emergency", LOG_EMERG}, {"emerg", LOG_EMERG},   {"alert", LOG_ALERT},
             {"critical", LOG_CRIT},   {"crit", LOG_CRIT},     {"error", LOG_ERR},
             {"err", LOG_ERR},         {"warning", LOG_WARNING}, {"warn", LOG_WARNING},
             {"notice", LOG_NOTICE},   {"info", LOG_INFO},     {"debug", LOG_DEBUG}};
    for (size_t i = 0; name && i < sizeof p / sizeof p[0]; i++)
        if (strcasecmp(name, p[i].n) == 0)
            return p[i].v;
    return -1;
}

static uint64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static int open_regular(const struct log_file *lf, bool truncate)
{
    int flags = O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | (truncate ? O_TRUNC : 0);
    int fd = open(lf->path, flags, lf->mode);
    return fd < 0 ? -errno : fd;
}

static int connect_socket(struct log_file *lf)
{
    lf->last_connect_ms = now_ms();
    struct sockaddr_un sa;
    memset(&sa, 0, sizeof sa);
    sa.sun_family = AF_UNIX;
    if (strlen(lf->path) >= sizeof sa.sun_path)
        return -ENAMETOOLONG;
    memcpy(sa.sun_path, lf->path, strlen(lf->path));
    int type = lf->kind == LOG_FILE_UNIX_STREAM ? SOCK_STREAM : SOCK_DGRAM;
    int fd = socket(AF_UNIX, type | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -errno;
    if (connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
        int e = errno;
        close(fd);
        return -e;
    }
    /* A slow reader slows the sensor down (as with Suricata) rather than
     * losing events; one that stops reading costs at most a second per
     * write before lines are dropped and counted. */
    struct timeval tv = {.tv_sec = 1};
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    return fd;
}

struct log_file *log_file_open(const char *path, const struct log_file_options *opts, char *err,
                               size_t errlen)
{
    struct log_file *lf = calloc(1, sizeof *lf);
    if (!lf) {
        snprintf(err, errlen, "%s: out of memory", path);
        return NULL;
    }
    lf->kind = opts ? opts->kind : LOG_FILE_REGULAR;
    lf->fd = -1;
    lf->mode = opts && opts->mode ? opts->mode : 0640;
    snprintf(lf->path, sizeof lf->path, "%s", path);
    if (opts && opts->prefix && *opts->prefix) {
        lf->prefix = strdup(opts->prefix);
        lf->prefix_len = lf->prefix ? strlen(lf->prefix) : 0;
    }
    switch (lf->kind) {
    case LOG_FILE_REGULAR: {
        int fd = open_regular(lf, opts && opts->truncate);
        if (fd < 0) {
            snprintf(err, errlen, "%s: cannot open for writing: %s", path, strerror(-fd));
            free(lf->prefix);
            free(lf);
            return NULL;
        }
        lf->fd = fd;
        break;
    }
    case LOG_FILE_UNIX_STREAM:
    case LOG_FILE_UNIX_DGRAM: {
        if (strlen(path) >= sizeof(((struct sockaddr_un *)0)->sun_path)) {
            snprintf(err, errlen, "%s: socket path too long", path);
            free(lf->prefix);
            free(lf);
            return NULL;
        }
        int fd = connect_socket(lf);
        lf->fd = fd < 0 ? -1 : fd; /* not listening yet: retried when writing */
        break;
    }
    case LOG_FILE_SYSLOG: {
        int fac = opts && opts->syslog_facility ? opts->syslog_facility : LOG_LOCAL5;
        int pri = opts && opts->syslog_priority >= 0 ? opts->syslog_priority : LOG_INFO;
        lf->syslog_pri = fac | pri;
        if (!syslog_opened) {
            /* One identity per process (openlog is global). */
            static char ident[64];
            snprintf(ident, sizeof ident, "%s",
                     opts && opts->syslog_ident ? opts->syslog_ident : "suricata");
            openlog(ident, LOG_NDELAY | LOG_PID, fac);
            syslog_opened = true;
        }
        break;
    }
    }
    pthread_mutex_init(&lf->lock, NULL);
    pthread_mutex_lock(&registry_lock);
    lf->next = registry;
    registry = lf;
    pthread_mutex_unlock(&registry_lock);
    return lf;
}

/* Writes all of iov (regular files, stream sockets). One writev() unless the
 * kernel takes part of it (disk full, signal): then the rest follows. */
static int write_all(int fd, struct iovec *iov, int n, bool is_socket)
{
    while (n > 0) {
        ssize_t w;
        if (is_socket) {
            struct msghdr mh = {.msg_iov = iov, .msg_iovlen = (size_t)n};
            w = sendmsg(fd, &mh, MSG_NOSIGNAL);
        } else {
            w = writev(fd, iov, n);
        }
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return -errno;
        }
        size_t done = (size_t)w;
        while (n > 0 && done >= iov->iov_len) {
            done -= iov->iov_len;
            iov++;
            n--;
        }
        if (n > 0) {
            iov->iov_base = (char *)iov->iov_base + done;
            iov->iov_len -= done;
        }
    }
    return 0;
}

static size_t count_lines(const char *data, size_t len)
{
    size_t n = 0;
    for (const char *p = data; (p = memchr(p, '\n', (size_t)(data + len - p))) != NULL; p++)
        n++;
    return n + (len && data[len - 1] != '\n');
}

/* Regular files and streams: all lines in as few writev() calls as the
 * prefix allows (one without a prefix). */
static int write_stream(struct log_file *lf, const char *data, size_t len)
{
    bool sock = lf->kind == LOG_FILE_UNIX_STREAM;
    if (!lf->prefix_len) {
        struct iovec iov = {.iov_base = (void *)data, .iov_len = len};
        return write_all(lf->fd, &iov, 1, sock);
    }
    struct iovec iov[LOG_FILE_IOV_MAX * 2];
    int n = 0;
    const char *p = data, *end = data + len;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *stop = nl ? nl + 1 : end;
        iov[n].iov_base = lf->prefix;
        iov[n++].iov_len = lf->prefix_len;
        iov[n].iov_base = (void *)p;
        iov[n++].iov_len = (size_t)(stop - p);
        p = stop;
        if (n == LOG_FILE_IOV_MAX * 2 || p == end) {
            int rc = write_all(lf->fd, iov, n, sock);
            if (rc)
                return rc;
            n = 0;
        }
    }
    return 0;
}

/* Datagrams and syslog: one message per line, without the newline for
 * syslog (it frames messages itself). */
static void write_messages(struct log_file *lf, const char *data, size_t len)
{
    const char *p = data, *end = data + len;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *stop = nl ? nl + 1 : end;
        size_t n = (size_t)(stop - p);
        if (lf->kind == LOG_FILE_SYSLOG) {
            size_t body = nl ? n - 1 : n;
            syslog(lf->syslog_pri, "%s%.*s", lf->prefix ? lf->prefix : "", (int)body, p);
        } else if (lf->fd >= 0) {
            struct iovec iov[2] = {{lf->prefix, lf->prefix_len}, {(void *)p, n}};
            struct msghdr mh = {.msg_iov = lf->prefix_len ? iov : iov + 1,
                                .msg_iovlen = lf->prefix_len ? 2 : 1};
            ssize_t w;
            do {
                w = sendmsg(lf->fd, &mh, MSG_NOSIGNAL);
            } while (w < 0 && errno == EINTR);
            if (w < 0) {
                lf->dropped++;
                if (errno != EAGAIN && errno != ENOBUFS && errno != EMSGSIZE) {
                    close(lf->fd); /* reader went away: reconnect later */
                    lf->fd = -1;
                }
            }
        } else {
            lf->dropped++;
        }
        p = stop;
    }
}

void log_file_write(struct log_file *lf, const char *data, size_t len)
{
    if (!lf || len == 0)
        return;
    pthread_mutex_lock(&lf->lock);
    if ((lf->kind == LOG_FILE_UNIX_STREAM || lf->kind == LOG_FILE_UNIX_DGRAM) && lf->fd < 0 &&
        now_ms() - lf->last_connect_ms >= 1000) {
        int fd = connect_socket(lf);
        if (fd >= 0)
            lf->fd = fd;
    }
    switch (lf->kind) {
    case LOG_FILE_REGULAR: {
        int rc = write_stream(lf, data, len);
        if (rc && !lf->write_error)
            lf->write_error = -rc;
        if (rc)
            lf->dropped += count_lines(data, len);
        break;
    }
    case LOG_FILE_UNIX_STREAM:
        if (lf->fd < 0 || write_stream(lf, data, len) != 0) {
            lf->dropped += count_lines(data, len);
            if (lf->fd >= 0) {
                close(lf->fd); /* the reader went away: reconnect later */
                lf->fd = -1;
            }
        }
        break;
    case LOG_FILE_UNIX_DGRAM:
    case LOG_FILE_SYSLOG:
        write_messages(lf, data, len);
        break;
    }
    pthread_mutex_unlock(&lf->lock);
}

int log_file_reopen(struct log_file *lf)
{
    if (!lf)
        return 0;
    int rc = 0;
    pthread_mutex_lock(&lf->lock);
    switch (lf->kind) {
    case LOG_FILE_REGULAR: {
        int fd = open_regular(lf, false);
        if (fd < 0) {
            rc = fd;
        } else {
            close(lf->fd);
            lf->fd = fd;
            lf->write_error = 0;
        }
        break;
    }
    case LOG_FILE_UNIX_STREAM:
    case LOG_FILE_UNIX_DGRAM: {
        int fd = connect_socket(lf);
        if (fd < 0) {
            rc = fd;
        } else {
            if (lf->fd >= 0)
                close(lf->fd);
            lf->fd = fd;
        }
        break;
    }
    case LOG_FILE_SYSLOG:
        break;
    }
    pthread_mutex_unlock(&lf->lock);
    return rc;
}

int log_files_reopen_all(void)
{
    int failed = 0;
    pthread_mutex_lock(&registry_lock);
    for (struct log_file *lf = registry; lf; lf = lf->next) {
        int rc = log_file_reopen(lf);
        if (rc) {
            failed++;
            fprintf(stderr, "vigil: warning: %s: cannot reopen: %s (still writing to the old file)\n",
                    lf->path, strerror(-rc));
        }
    }
    pthread_mutex_unlock(&registry_lock);
    return failed;
}

int log_file_close(struct log_file *lf)
{
    if (!lf)
        return 0;
    pthread_mutex_lock(&registry_lock);
    for (struct log_file **pp = &registry; *pp; pp = &(*pp)->next) {
        if (*pp == lf) {
            *pp = lf->next;
            break;
        }
    }
    pthread_mutex_unlock(&registry_lock);
    int rc = -lf->write_error;
    if (lf->fd >= 0 && close(lf->fd) != 0 && rc == 0 && lf->kind == LOG_FILE_REGULAR)
        rc = -errno;
    pthread_mutex_destroy(&lf->lock);
    free(lf->prefix);
    free(lf);
    return rc;
}

const char *log_file_path(const struct log_file *lf)
{
    return lf->path;
}

enum log_file_kind log_file_kind(const struct log_file *lf)
{
    return lf->kind;
}

uint64_t log_file_dropped(const struct log_file *lf)
{
    return lf->dropped;
}

int log_file_chown(struct log_file *lf, unsigned uid, unsigned gid)
{
    if (lf->kind != LOG_FILE_REGULAR || lf->fd < 0)
        return 0;
    return fchown(lf->fd, (uid_t)uid, (gid_t)gid) == 0 ? 0 : -errno;
}

void log_files_chown_all(unsigned uid, unsigned gid)
{
    pthread_mutex_lock(&registry_lock);
    for (struct log_file *lf = registry; lf; lf = lf->next)
        log_file_chown(lf, uid, gid);
    pthread_mutex_unlock(&registry_lock);
}
