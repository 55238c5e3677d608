/* SPDX-License-Identifier: Apache-2.0 */
#include "util/log.h"

#include "util/json.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

static const char *const level_names[] = {"error", "warning", "notice", "info",
                                          "perf",  "config",  "debug"};

static enum log_level console_level = LOG_LEVEL_NOTICE;
static bool console_on = true;
static bool progress_shown;

/* The optional file and syslog outputs, set up once at start-up. */
static pthread_mutex_t file_lock = PTHREAD_MUTEX_INITIALIZER;
static int file_fd = -1;
static char file_path[4096];
static enum log_level file_level = LOG_LEVEL_INFO;
static bool file_json;
static bool syslog_on;
static enum log_level syslog_level = LOG_LEVEL_NOTICE;

void log_set_level(enum log_level level)
{
    console_level = level;
}

enum log_level log_get_level(void)
{
    return console_level;
}

int log_level_from_name(const char *name)
{
    for (size_t i = 0; name && i < sizeof level_names / sizeof level_names[0]; i++)
        if (strcasecmp(name, level_names[i]) == 0)
            return (int)i;
    if (name && (strcasecmp(name, "emergency") == 0 || strcasecmp(name, "alert") == 0 ||
                 strcasecmp(name, "critical") == 0))
        return LOG_LEVEL_ERROR;
    return -1;
}

int log_output_file(const char *path, enum log_level level, bool json)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
    if (fd < 0)
        return -errno;
    pthread_mutex_lock(&file_lock);
    if (file_fd >= 0)
        close(file_fd);
    file_fd = fd;
    snprintf(file_path, sizeof file_path, "%s", path);
    file_level = level;
    file_json = json;
    pthread_mutex_unlock(&file_lock);
    return 0;
}

void log_output_syslog(int facility, enum log_level level)
{
    openlog("vigil", LOG_PID | LOG_NDELAY, facility);
    syslog_on = true;
    syslog_level = level;
}

void log_output_console(bool on)
{
    console_on = on;
}

void log_output_reopen(void)
{
    pthread_mutex_lock(&file_lock);
    if (file_fd >= 0) {
        int fd = open(file_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
        if (fd >= 0) {
            close(file_fd);
            file_fd = fd;
        }
    }
    pthread_mutex_unlock(&file_lock);
}

void log_set_progress_line(bool shown)
{
    progress_shown = shown;
}

static void log_write(enum log_level level, const char *fmt, va_list ap)
{
    bool to_console = console_on && level <= console_level;
    bool to_file = file_fd >= 0 && level <= file_level;
    bool to_syslog = syslog_on && level <= syslog_level;
    if (!to_console && !to_file && !to_syslog)
        return;
    char msg[2048];
    vsnprintf(msg, sizeof msg, fmt, ap);
    if (to_console) {
        /* One fprintf per line keeps lines whole when worker threads log. */
        fprintf(stderr, "%svigil: %s: %s\n", progress_shown ? "\r\033[K" : "", level_names[level],
                msg);
    }
    if (to_file) {
        char ts[64], zone[8], line[2300];
        struct timespec now;
        clock_gettime(CLOCK_REALTIME, &now);
        struct tm tm;
        localtime_r(&now.tv_sec, &tm);
        strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%S", &tm);
        strftime(zone, sizeof zone, "%z", &tm);
        int n;
        if (file_json) {
            /* Suricata's level names are capitalised in its JSON log. */
            static const char *const json_levels[] = {"Error", "Warning", "Notice", "Info",
                                                      "Perf",  "Config",  "Debug"};
            char stamp[96];
            snprintf(stamp, sizeof stamp, "%s.%06ld%s", ts, now.tv_nsec / 1000, zone);
            struct json_writer w;
            n = -1;
            if (json_writer_init(&w, 256) == 0) {
                json_object_begin(&w);
                json_key_string(&w, "timestamp", stamp);
                json_key_string(&w, "log_level", json_levels[level]);
                json_key_string(&w, "event_type", "engine");
                json_key_object_begin(&w, "engine");
                json_key_string_from_bytes(&w, "message", msg, strlen(msg));
                json_object_end(&w);
                json_object_end(&w);
                if (!w.failed && w.len + 1 < sizeof line) {
                    memcpy(line, w.data, w.len);
                    line[w.len] = '\n';
                    n = (int)w.len + 1;
                }
                json_writer_free(&w);
            }
        } else {
            n = snprintf(line, sizeof line, "[%ld] %s.%06ld%s <%s> -- %s\n", (long)getpid(), ts,
                         now.tv_nsec / 1000, zone, level_names[level], msg);
        }
        if (n > 0) {
            size_t len = (size_t)n < sizeof line ? (size_t)n : sizeof line - 1;
            pthread_mutex_lock(&file_lock);
            ssize_t w = write(file_fd, line, len);
            (void)w;
            pthread_mutex_unlock(&file_lock);
        }
    }
    if (to_syslog) {
        static const int prio[] = {LOG_ERR, LOG_WARNING, LOG_NOTICE, LOG_INFO,
                                   LOG_INFO, LOG_INFO, LOG_DEBUG};
        syslog(prio[level], "<%s> -- %s", level_names[level], msg);
    }
}

#define LOG_FN(name, level)                                                                        \
    void name(const char *fmt, ...)                                                                \
    {                                                                                              \
        va_list ap;                                                                                \
        va_start(ap, fmt);                                                                         \
        log_write(level, fmt, ap);                                                                 \
        va_end(ap);                                                                                \
    }

LOG_FN(log_error, LOG_LEVEL_ERROR)
LOG_FN(log_warning, LOG_LEVEL_WARNING)
LOG_FN(log_notice, LOG_LEVEL_NOTICE)
LOG_FN(log_info, LOG_LEVEL_INFO)
LOG_FN(log_perf, LOG_LEVEL_PERF)
LOG_FN(log_config, LOG_LEVEL_CONFIG)
LOG_FN(log_debug, LOG_LEVEL_DEBUG)
