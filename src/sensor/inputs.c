/* SPDX-License-Identifier: Apache-2.0 */
/* Capture-file inputs of `vigil run -r`: a file, or a directory whose
 * capture files are read in order of modification time (then name) as one
 * stream, flows carrying over from file to file, as Suricata does. With
 * --pcap-file-continuous (pcap-file.continuous) the directories are polled
 * for new files (pcap-file.poll-interval, default 5 s) until a signal stops
 * the sensor; a new file is read once it has not changed for
 * pcap-file.delay seconds (default 30), so a file still being written is
 * not read half-way. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "sensor/sensor_internal.h"
#include "sensor/unix_pcap.h"
#include "util/config.h"
#include "util/log.h"

struct dir_entry {
    char *path;
    struct timespec mtime;
};

static int entry_cmp(const void *a, const void *b)
{
    const struct dir_entry *x = a, *y = b;
    if (x->mtime.tv_sec != y->mtime.tv_sec)
        return x->mtime.tv_sec < y->mtime.tv_sec ? -1 : 1;
    if (x->mtime.tv_nsec != y->mtime.tv_nsec)
        return x->mtime.tv_nsec < y->mtime.tv_nsec ? -1 : 1;
    return strcmp(x->path, y->path);
}

static const char *input_path(const struct run_state *rs, uint32_t i)
{
    return sensor_input_track(rs, i)->name;
}

static bool input_known(const struct run_state *rs, const char *path)
{
    for (uint32_t i = 0; i < rs->ninputs; i++)
        if (strcmp(input_path(rs, i), path) == 0)
            return true;
    return false;
}

/* The list only grows, in chunks that never move: workers read the names
 * of earlier files while the main thread adds new ones. */
static int input_add(struct run_state *rs, const char *path, bool from_dir)
{
    uint32_t chunk = rs->ninputs / SENSOR_INPUT_CHUNK;
    if (chunk >= SENSOR_INPUT_CHUNKS)
        return -ENOMEM; /* 4 million files in one run */
    if (!rs->input_track[chunk]) {
        rs->input_track[chunk] = calloc(SENSOR_INPUT_CHUNK, sizeof *rs->input_track[chunk]);
        if (!rs->input_track[chunk])
            return -ENOMEM;
    }
    struct sensor_input_track *t = sensor_input_track(rs, rs->ninputs);
    t->name = strdup(path);
    if (!t->name)
        return -ENOMEM;
    t->from_dir = from_dir;
    rs->ninputs++;
    return 0;
}

void sensor_inputs_free(struct run_state *rs)
{
    for (uint32_t i = 0; i < rs->ninputs; i++)
        free(sensor_input_track(rs, i)->name);
    rs->ninputs = 0;
    for (uint32_t c = 0; c < SENSOR_INPUT_CHUNKS && rs->input_track[c]; c++) {
        free(rs->input_track[c]);
        rs->input_track[c] = NULL;
    }
    rs->inputs_read = rs->inputs_decided = 0;
}

int sensor_inputs_set_one(struct run_state *rs, const char *path)
{
    sensor_inputs_free(rs);
    return input_add(rs, path, false);
}

/* Collects the regular files under dir (recursively if asked) that are not
 * inputs yet; with min_age, only those unchanged for that many seconds. */
static int scan_dir(struct run_state *rs, const char *dir, bool recursive, int depth,
                    time_t min_age, struct dir_entry **out, size_t *n, size_t *cap)
{
    DIR *d = opendir(dir);
    if (!d)
        return -errno;
    struct dirent *de;
    time_t now = time(NULL);
    while ((de = readdir(d)) != NULL) {
        if (de->d_name[0] == '.')
            continue; /* hidden files and partial downloads (.x.pcap.tmp) */
        char path[SENSOR_PATH_MAX];
        snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
        struct stat st;
        if (stat(path, &st) != 0)
            continue;
        if (S_ISDIR(st.st_mode)) {
            if (recursive && depth < 16)
                scan_dir(rs, path, recursive, depth + 1, min_age, out, n, cap);
            continue;
        }
        if (!S_ISREG(st.st_mode) || input_known(rs, path))
            continue;
        if (min_age && now - st.st_mtim.tv_sec < min_age)
            continue;
        if (*n == *cap) {
            size_t c = *cap ? *cap * 2 : 64;
            struct dir_entry *ne = realloc(*out, c * sizeof *ne);
            if (!ne)
                break;
            *out = ne;
            *cap = c;
        }
        (*out)[*n].path = strdup(path);
        (*out)[*n].mtime = st.st_mtim;
        if ((*out)[*n].path)
            (*n)++;
    }
    closedir(d);
    return 0;
}

/* Adds a directory's new files to the inputs, oldest first. */
static int add_dir_files(struct run_state *rs, const char *dir, time_t min_age)
{
    struct dir_entry *e = NULL;
    size_t n = 0, cap = 0;
    int rc = scan_dir(rs, dir, rs->pcap_recursive, 0, min_age, &e, &n, &cap);
    if (n)
        qsort(e, n, sizeof *e, entry_cmp);
    for (size_t i = 0; i < n; i++) {
        if (rc == 0)
            rc = input_add(rs, e[i].path, true);
        free(e[i].path);
    }
    free(e);
    return rc;
}

static bool is_dir(const char *path)
{
    struct stat st;
    return strcmp(path, "-") != 0 && stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

int sensor_inputs_expand(struct run_state *rs)
{
    const struct config *cfg = rs->cfg;
    rs->pcap_recursive = rs->opts.pcap_recursive ||
                         config_get_bool(cfg, "pcap-file.recursive", false);
    rs->pcap_continuous = rs->opts.pcap_continuous ||
                          config_get_bool(cfg, "pcap-file.continuous", false);
    const char *del = config_get(cfg, "pcap-file.delete-when-done");
    bool b;
    if (rs->opts.pcap_delete)
        rs->pcap_delete = PCAP_DELETE_ALWAYS;
    else if (del && strcmp(del, "non-alerts") == 0)
        rs->pcap_delete = PCAP_DELETE_NON_ALERTS;
    else if (del && config_parse_bool(del, &b) == 0 && b)
        rs->pcap_delete = PCAP_DELETE_ALWAYS;
    long long v;
    rs->pcap_delay_sec = 30;
    rs->pcap_poll_sec = 5;
    if (config_get_int(cfg, "pcap-file.delay", &v) == 0 && v >= 0 && v <= 86400)
        rs->pcap_delay_sec = (uint32_t)v;
    if (config_get_int(cfg, "pcap-file.poll-interval", &v) == 0 && v >= 1 && v <= 86400)
        rs->pcap_poll_sec = (uint32_t)v;

    bool any_dir = false;
    for (int i = 0; i < rs->opts.pcap_file_count; i++) {
        const char *p = rs->opts.pcap_files[i];
        int rc;
        if (is_dir(p)) {
            any_dir = true;
            rc = add_dir_files(rs, p, 0);
            if (rc == -EACCES || rc == -ENOENT) {
                log_error("capture directory '%s': %s", p, strerror(-rc));
                return 2;
            }
        } else {
            rc = input_add(rs, p, false);
        }
        if (rc == -ENOMEM)
            return 1;
    }
    if (rs->pcap_continuous && !any_dir) {
        log_error("--pcap-file-continuous needs a directory given with -r");
        return 2;
    }
    return 0;
}

/* Any thread, for an index it received through a ring (after the main
 * thread added it): ninputs is not read, it belongs to the main thread. */
const char *sensor_input_name(const struct run_state *rs, uint32_t index)
{
    const struct sensor_input_track *t = sensor_input_track(rs, index);
    return t ? t->name : NULL;
}

static void delete_input(struct run_state *rs, uint32_t i)
{
    const char *path = input_path(rs, i);
    if (strcmp(path, "-") == 0)
        return;
    if (unlink(path) != 0)
        log_warning("%s: cannot delete after reading: %s", path, strerror(errno));
    else
        log_info("%s: deleted (pcap-file delete-when-done)", path);
}

/* A file was read to its end. delete-when-done: yes deletes it now; with
 * non-alerts it is judged once every flow holding its packets ended
 * (sensor_inputs_reap): alerts at flow timeout, stream reassembly and the
 * workers' lag in threaded mode all come after the file's last packet. */
static void done_with_file(struct run_state *rs, uint32_t i, bool ok)
{
    struct sensor_input_track *t = sensor_input_track(rs, i);
    if (t)
        t->read_ok = ok;
    rs->inputs_read = i + 1;
    if (ok && rs->pcap_delete == PCAP_DELETE_ALWAYS)
        delete_input(rs, i);
    sensor_inputs_reap(rs, false);
}

/* Threaded: every worker processed every frame of file i (it has seen a
 * frame or tick of a later file). */
static bool workers_past(const struct run_state *rs, uint32_t i)
{
    for (int w = 0; w < rs->nworkers; w++) {
        uint32_t seen = atomic_load_explicit(&rs->workers[w].input_seen, memory_order_acquire);
        if (seen == UINT32_MAX || seen < i)
            return false;
    }
    return true;
}

void sensor_inputs_reap(struct run_state *rs, bool final)
{
    while (rs->inputs_decided < rs->inputs_read) {
        uint32_t i = rs->inputs_decided;
        struct sensor_input_track *t = sensor_input_track(rs, i);
        if (!t)
            break;
        if (!final) {
            if (rs->threaded && !workers_past(rs, i))
                break;
            /* Flows are counted in the file of their first packet; files
             * are judged in order, so earlier files' flows all ended. */
            if (atomic_load_explicit(&t->live_flows, memory_order_acquire) != 0)
                break;
        }
        rs->inputs_decided++;
        if (rs->pcap_delete == PCAP_DELETE_NON_ALERTS && t->read_ok &&
            !atomic_load_explicit(&t->alerted, memory_order_acquire))
            delete_input(rs, i);
    }
}

/* Total size of the inputs not read yet, for the progress line's ETA. */
static void progress_total(struct run_state *rs, uint32_t from)
{
    for (uint32_t i = from; i < rs->ninputs; i++) {
        struct stat st;
        const char *path = input_path(rs, i);
        if (strcmp(path, "-") != 0 && stat(path, &st) == 0)
            rs->progress_total_bytes += (uint64_t)st.st_size;
    }
}

int sensor_read_inputs(struct run_state *rs)
{
    /* Input checking already rejected a bad file given by name; a bad file
     * found in a directory is reported and skipped. */
    uint32_t next = 0;
    progress_total(rs, 0);
    for (;;) {
        while (next < rs->ninputs && !sensor_stop_requested()) {
            uint32_t i = next++;
            int rc = sensor_read_pcap_file(rs, input_path(rs, i), i);
            /* A file cut short (a signal, pcap-interrupt) is never deleted. */
            bool whole = rc == 0 && !sensor_stop_requested() &&
                         !(rs->socket_mode && unix_pcap_interrupted());
            done_with_file(rs, i, whole);
            if (rc != 0 && !sensor_input_track(rs, i)->from_dir)
                return rc;
        }
        if (!rs->pcap_continuous || sensor_stop_requested())
            return 0;
        /* Follow the directories: housekeeping goes on while waiting. */
        uint64_t next_scan = sensor_monotonic_ms() + (uint64_t)rs->pcap_poll_sec * 1000u;
        while (!sensor_stop_requested() && sensor_monotonic_ms() < next_scan) {
            struct timespec nap = {0, 100 * 1000 * 1000};
            nanosleep(&nap, NULL);
            sensor_housekeeping(rs);
            sensor_inputs_reap(rs, false);
        }
        uint32_t before = rs->ninputs;
        for (int i = 0; i < rs->opts.pcap_file_count; i++)
            if (is_dir(rs->opts.pcap_files[i]))
                add_dir_files(rs, rs->opts.pcap_files[i], (time_t)rs->pcap_delay_sec);
        progress_total(rs, before);
    }
}
