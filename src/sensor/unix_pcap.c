/* SPDX-License-Identifier: Apache-2.0 */
/* Suricata's unix-socket run mode: `vigil run --unix-socket` without -r or
 * -i loads the rules once and waits; each `pcap-file FILE OUTPUT-DIR`
 * command queues a capture file that is then processed as `-r FILE -l
 * OUTPUT-DIR` would be (flows and streams start afresh, logs go to that
 * directory), with the engine loaded once for all of them. The commands:
 * pcap-file, pcap-file-list, pcap-file-number, pcap-current,
 * pcap-last-processed, pcap-interrupt (pcap-file-continuous is refused:
 * directory following is not supported in this mode). */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "sensor/unix_pcap.h"
#include "util/control.h"
#include "util/log.h"

struct queued {
    struct unix_pcap_job job;
    struct queued *next;
};

static struct {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    struct queued *head, *tail;
    size_t count;
    char *current;
    uint64_t last_processed_ms;
    _Atomic bool interrupt;
} Q = {.lock = PTHREAD_MUTEX_INITIALIZER, .cond = PTHREAD_COND_INITIALIZER};

static int cmd_pcap_file(const json_t *args, json_t *answer, void *data)
{
    (void)data;
    const char *file = json_string_value(json_object_get(args, "filename"));
    if (!file)
        return control_answer_error(answer, "filename is not a string");
    struct stat st;
    if (stat(file, &st) != 0)
        return control_answer_error(answer, "filename does not exist");
    if (S_ISDIR(st.st_mode))
        return control_answer_error(answer, "filename is a directory: give a capture file");
    json_t *o = json_object_get(args, "output-dir");
    if (!o)
        return control_answer_error(answer, "output-dir param is mandatory");
    const char *dir = json_string_value(o);
    if (!dir)
        return control_answer_error(answer, "output-dir is not a string");
    if (stat(dir, &st) != 0)
        return control_answer_error(answer, "output-dir does not exist");
    json_t *t = json_object_get(args, "tenant");
    if (t && !json_is_integer(t))
        return control_answer_error(answer, "tenant is not a number");
    json_t *cont = json_object_get(args, "continuous");
    if (cont && json_is_true(cont))
        return control_answer_error(answer, "continuous mode is not supported in unix-socket mode");
    struct queued *q = calloc(1, sizeof *q);
    if (!q || !(q->job.file = strdup(file)) || !(q->job.output_dir = strdup(dir))) {
        if (q) {
            free(q->job.file);
            free(q);
        }
        return control_answer_error(answer, "Unable to add file to list");
    }
    q->job.delete_when_done = json_is_true(json_object_get(args, "delete-when-done"));
    pthread_mutex_lock(&Q.lock);
    if (Q.tail)
        Q.tail->next = q;
    else
        Q.head = q;
    Q.tail = q;
    Q.count++;
    pthread_cond_broadcast(&Q.cond);
    pthread_mutex_unlock(&Q.lock);
    log_info("unix socket: added file '%s' to the list", file);
    return control_answer_string(answer, "Successfully added file to list");
}

static int cmd_pcap_file_continuous(const json_t *args, json_t *answer, void *data)
{
    (void)args;
    (void)data;
    return control_answer_error(answer, "continuous mode is not supported in unix-socket mode");
}

static int cmd_pcap_file_list(const json_t *args, json_t *answer, void *data)
{
    (void)args;
    (void)data;
    json_t *files = json_array();
    pthread_mutex_lock(&Q.lock);
    for (struct queued *q = Q.head; q && files; q = q->next)
        json_array_append_new(files, json_string(q->job.file));
    size_t n = Q.count;
    pthread_mutex_unlock(&Q.lock);
    return control_answer(answer, json_pack("{s:I,s:o}", "count", (json_int_t)n, "files", files));
}

static int cmd_pcap_file_number(const json_t *args, json_t *answer, void *data)
{
    (void)args;
    (void)data;
    pthread_mutex_lock(&Q.lock);
    size_t n = Q.count;
    pthread_mutex_unlock(&Q.lock);
    return control_answer(answer, json_integer((json_int_t)n));
}

static int cmd_pcap_current(const json_t *args, json_t *answer, void *data)
{
    (void)args;
    (void)data;
    pthread_mutex_lock(&Q.lock);
    json_t *v = json_string(Q.current ? Q.current : "None");
    pthread_mutex_unlock(&Q.lock);
    return control_answer(answer, v);
}

static int cmd_pcap_last_processed(const json_t *args, json_t *answer, void *data)
{
    (void)args;
    (void)data;
    pthread_mutex_lock(&Q.lock);
    json_int_t ms = (json_int_t)Q.last_processed_ms;
    pthread_mutex_unlock(&Q.lock);
    return control_answer(answer, json_integer(ms));
}

static int cmd_pcap_interrupt(const json_t *args, json_t *answer, void *data)
{
    (void)args;
    (void)data;
    atomic_store(&Q.interrupt, true);
    return control_answer_string(answer, "Interrupted");
}

int unix_pcap_register(void)
{
    struct {
        const char *name;
        control_handler fn;
        unsigned flags;
    } cmds[] = {
        {"pcap-file", cmd_pcap_file, CONTROL_TAKES_ARGS},
        {"pcap-file-continuous", cmd_pcap_file_continuous, CONTROL_TAKES_ARGS},
        {"pcap-file-list", cmd_pcap_file_list, 0},
        {"pcap-file-number", cmd_pcap_file_number, 0},
        {"pcap-current", cmd_pcap_current, 0},
        {"pcap-last-processed", cmd_pcap_last_processed, 0},
        {"pcap-interrupt", cmd_pcap_interrupt, 0},
    };
    for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++) {
        int rc = control_register(cmds[i].name, cmds[i].fn, NULL, cmds[i].flags);
        if (rc != 0 && rc != -EEXIST)
            return rc;
    }
    return 0;
}

bool unix_pcap_next(struct unix_pcap_job *job, uint32_t timeout_ms)
{
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += timeout_ms / 1000;
    until.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
    if (until.tv_nsec >= 1000000000L) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&Q.lock);
    while (!Q.head)
        if (pthread_cond_timedwait(&Q.cond, &Q.lock, &until) == ETIMEDOUT)
            break;
    struct queued *q = Q.head;
    if (q) {
        Q.head = q->next;
        if (!Q.head)
            Q.tail = NULL;
        Q.count--;
        free(Q.current);
        Q.current = strdup(q->job.file);
        *job = q->job;
        free(q);
        atomic_store(&Q.interrupt, false);
    }
    pthread_mutex_unlock(&Q.lock);
    return q != NULL;
}

bool unix_pcap_interrupted(void)
{
    return atomic_load_explicit(&Q.interrupt, memory_order_relaxed);
}

void unix_pcap_done(struct unix_pcap_job *job, uint64_t last_packet_usec)
{
    if (job->delete_when_done && remove(job->file) != 0)
        log_warning("unix socket: cannot delete %s: %s", job->file, strerror(errno));
    pthread_mutex_lock(&Q.lock);
    free(Q.current);
    Q.current = NULL;
    if (last_packet_usec)
        Q.last_processed_ms = last_packet_usec / 1000u;
    pthread_mutex_unlock(&Q.lock);
    free(job->file);
    free(job->output_dir);
    job->file = job->output_dir = NULL;
}

void unix_pcap_clear(void)
{
    pthread_mutex_lock(&Q.lock);
    while (Q.head) {
        struct queued *q = Q.head;
        Q.head = q->next;
        free(q->job.file);
        free(q->job.output_dir);
        free(q);
    }
    Q.tail = NULL;
    Q.count = 0;
    free(Q.current);
    Q.current = NULL;
    pthread_mutex_unlock(&Q.lock);
}
