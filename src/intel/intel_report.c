/* SPDX-License-Identifier: Apache-2.0 */
/* Alert reporting to the hub with a bounded on-disk spool (intel_report.h).
 *
 * Spool layout (DIR/vigil-spool/): segment files seg-NNNNNNNNNNNNNNNNNNNN.ndjson
 * of at most 1 MiB, appended in order, and "pos" = "<segment> <offset>", the
 * first byte not yet delivered. Only the sender thread touches the spool. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "intel/intel_report.h"
#include "util/log.h"

#define SEGMENT_BYTES (1u << 20)
#define MAX_SEGMENTS 65536

struct line {
    char *data;
    size_t len;
};

struct line_vec {
    struct line *v;
    size_t n, cap;
};

struct intel_reporter {
    struct intel_reporter_config cfg;
    char dir[4096];
    char eve_path[512];
    struct hub_client *hub;

    pthread_mutex_t lock;
    pthread_cond_t cond;
    struct line_vec queue;
    bool stop;
    uint64_t stop_deadline_ms;
    pthread_t thread;
    bool started;

    uint64_t run_id;
    _Atomic uint64_t seq;

    /* spool (sender thread only) */
    uint64_t first_seg, last_seg; /* segments first..last exist when have_segments */
    bool have_segments;
    uint64_t pos_seg, pos_off;
    uint64_t spool_bytes; /* bytes not yet delivered */
    uint64_t spool_lines;
    int attempt;          /* consecutive failed deliveries */
    uint64_t retry_at_ms;
    bool down_logged;

    _Atomic uint64_t stats_submitted; /* of submitted: stats events, not alerts */
    _Atomic uint64_t submitted, sent, spooled, retried, dropped, rejected, posts, post_errors,
        queued;
};

static uint64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void vec_free(struct line_vec *v)
{
    for (size_t i = 0; i < v->n; i++)
        free(v->v[i].data);
    free(v->v);
    memset(v, 0, sizeof *v);
}

/* ---------- spool ---------- */

static void seg_path(const struct intel_reporter *r, uint64_t seg, char *out, size_t cap)
{
    snprintf(out, cap, "%s/seg-%020" PRIu64 ".ndjson", r->dir, seg);
}

static void pos_save(struct intel_reporter *r)
{
    char path[4200], tmp[4300];
    snprintf(path, sizeof path, "%s/pos", r->dir);
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    FILE *fp = fopen(tmp, "w");
    if (!fp)
        return;
    fprintf(fp, "%" PRIu64 " %" PRIu64 "\n", r->pos_seg, r->pos_off);
    if (fclose(fp) == 0)
        rename(tmp, path);
}

static uint64_t count_lines_from(const char *path, uint64_t off, uint64_t *bytes)
{
    FILE *fp = fopen(path, "r");
    uint64_t n = 0, b = 0;
    if (!fp)
        return 0;
    if (off && fseeko(fp, (off_t)off, SEEK_SET) != 0) {
        fclose(fp);
        return 0;
    }
    char buf[65536];
    size_t k;
    while ((k = fread(buf, 1, sizeof buf, fp)) > 0) {
        b += k;
        for (size_t i = 0; i < k; i++)
            if (buf[i] == '\n')
                n++;
    }
    fclose(fp);
    if (bytes)
        *bytes = b;
    return n;
}

static int spool_open(struct intel_reporter *r, char *err, size_t errlen)
{
    snprintf(r->dir, sizeof r->dir, "%s/vigil-spool", r->cfg.spool_dir);
    if (mkdir(r->dir, 0700) != 0 && errno != EEXIST) {
        snprintf(err, errlen, "alert spool %s: %s", r->dir, strerror(errno));
        return -1;
    }
    DIR *d = opendir(r->dir);
    if (!d) {
        snprintf(err, errlen, "alert spool %s: %s", r->dir, strerror(errno));
        return -1;
    }
    struct dirent *e;
    while ((e = readdir(d))) {
        uint64_t seg;
        if (sscanf(e->d_name, "seg-%20" SCNu64 ".ndjson", &seg) != 1)
            continue;
        if (!r->have_segments || seg < r->first_seg)
            r->first_seg = seg;
        if (!r->have_segments || seg > r->last_seg)
            r->last_seg = seg;
        r->have_segments = true;
    }
    closedir(d);
    char path[4200];
    snprintf(path, sizeof path, "%s/pos", r->dir);
    FILE *fp = fopen(path, "r");
    r->pos_seg = r->first_seg;
    r->pos_off = 0;
    if (fp) {
        uint64_t s, o;
        if (fscanf(fp, "%" SCNu64 " %" SCNu64, &s, &o) == 2 && r->have_segments &&
            s >= r->first_seg && s <= r->last_seg) {
            r->pos_seg = s;
            r->pos_off = o;
        }
        fclose(fp);
    }
    if (r->have_segments) {
        /* segments wholly before the position were delivered */
        for (uint64_t s = r->first_seg; s < r->pos_seg; s++) {
            seg_path(r, s, path, sizeof path);
            unlink(path);
        }
        r->first_seg = r->pos_seg;
        for (uint64_t s = r->first_seg; s <= r->last_seg; s++) {
            uint64_t b = 0;
            seg_path(r, s, path, sizeof path);
            r->spool_lines += count_lines_from(path, s == r->pos_seg ? r->pos_off : 0, &b);
            r->spool_bytes += b;
        }
        if (r->spool_lines)
            log_info("hub report: %" PRIu64 " alerts left in the spool from an earlier run",
                     r->spool_lines);
    }
    return 0;
}

/* Drops whole segments from the oldest until the spool fits. */
static void spool_enforce_bound(struct intel_reporter *r)
{
    while (r->have_segments && r->spool_bytes > r->cfg.spool_max_bytes &&
           r->first_seg < r->last_seg) {
        char path[4200];
        seg_path(r, r->first_seg, path, sizeof path);
        uint64_t b = 0;
        uint64_t n = count_lines_from(path, r->first_seg == r->pos_seg ? r->pos_off : 0, &b);
        unlink(path);
        r->first_seg++;
        r->pos_seg = r->first_seg;
        r->pos_off = 0;
        r->spool_bytes -= b > r->spool_bytes ? r->spool_bytes : b;
        r->spool_lines -= n > r->spool_lines ? r->spool_lines : n;
        atomic_fetch_add(&r->dropped, n);
        log_warning("hub report: spool over %" PRIu64 " bytes: dropped the oldest %" PRIu64
                    " alerts",
                    r->cfg.spool_max_bytes, n);
        pos_save(r);
    }
}

static void spool_append(struct intel_reporter *r, const struct line *lines, size_t n)
{
    if (n == 0)
        return;
    if (!r->have_segments) {
        r->have_segments = true;
        r->first_seg = r->last_seg = r->pos_seg = r->pos_seg ? r->pos_seg : 1;
        r->pos_off = 0;
    }
    char path[4200];
    seg_path(r, r->last_seg, path, sizeof path);
    struct stat sb;
    if (stat(path, &sb) == 0 && (uint64_t)sb.st_size >= SEGMENT_BYTES && r->last_seg >= r->pos_seg) {
        r->last_seg++;
        seg_path(r, r->last_seg, path, sizeof path);
    }
    FILE *fp = fopen(path, "a");
    if (!fp) {
        atomic_fetch_add(&r->dropped, n);
        log_warning("hub report: cannot write the spool %s: %s; %zu alerts dropped", path,
                    strerror(errno), n);
        return;
    }
    for (size_t i = 0; i < n; i++) {
        fwrite(lines[i].data, 1, lines[i].len, fp);
        fputc('\n', fp);
        r->spool_bytes += lines[i].len + 1;
    }
    if (fflush(fp) != 0 || fsync(fileno(fp)) != 0)
        log_warning("hub report: writing the spool %s: %s", path, strerror(errno));
    fclose(fp);
    r->spool_lines += n;
    atomic_fetch_add(&r->spooled, n);
    spool_enforce_bound(r);
}

/* Reads up to max lines from the spool position into v (without removing
 * them). Returns bytes read. */
static size_t spool_peek(struct intel_reporter *r, struct line_vec *v, size_t max,
                         uint64_t *end_seg, uint64_t *end_off)
{
    *end_seg = r->pos_seg;
    *end_off = r->pos_off;
    if (!r->have_segments || r->spool_lines == 0)
        return 0;
    size_t total = 0;
    uint64_t seg = r->pos_seg, off = r->pos_off;
    char *buf = NULL;
    size_t cap = 0;
    while (v->n < max && seg <= r->last_seg) {
        char path[4200];
        seg_path(r, seg, path, sizeof path);
        FILE *fp = fopen(path, "r");
        if (!fp) {
            seg++;
            off = 0;
            continue;
        }
        if (fseeko(fp, (off_t)off, SEEK_SET) != 0) {
            fclose(fp);
            break;
        }
        ssize_t len;
        while (v->n < max && (len = getline(&buf, &cap, fp)) > 0) {
            if (buf[len - 1] != '\n')
                break; /* partial line (a crash while appending): stop here */
            off += (uint64_t)len;
            total += (size_t)len;
            if (len > 1) {
                if (v->n == v->cap) {
                    size_t nc = v->cap ? v->cap * 2 : 64;
                    struct line *nv = realloc(v->v, nc * sizeof *nv);
                    if (!nv)
                        break;
                    v->v = nv;
                    v->cap = nc;
                }
                v->v[v->n].data = strndup(buf, (size_t)len - 1);
                v->v[v->n].len = (size_t)len - 1;
                v->n++;
            }
        }
        bool at_end = feof(fp);
        fclose(fp);
        if (v->n < max && at_end && seg < r->last_seg) {
            seg++;
            off = 0;
            continue;
        }
        break;
    }
    free(buf);
    *end_seg = seg;
    *end_off = off;
    return total;
}

static void spool_advance(struct intel_reporter *r, uint64_t seg, uint64_t off, size_t lines,
                          size_t bytes)
{
    char path[4200];
    for (uint64_t s = r->first_seg; s < seg; s++) {
        seg_path(r, s, path, sizeof path);
        unlink(path);
    }
    r->first_seg = seg;
    r->pos_seg = seg;
    r->pos_off = off;
    r->spool_lines -= lines > r->spool_lines ? r->spool_lines : lines;
    r->spool_bytes -= bytes > r->spool_bytes ? r->spool_bytes : bytes;
    if (r->spool_lines == 0) {
        /* everything delivered: start over with an empty spool */
        for (uint64_t s = r->first_seg; s <= r->last_seg; s++) {
            seg_path(r, s, path, sizeof path);
            unlink(path);
        }
        r->have_segments = false;
        r->pos_seg = r->last_seg + 1;
        r->first_seg = r->last_seg = r->pos_seg;
        r->pos_off = 0;
        r->spool_bytes = 0;
    }
    pos_save(r);
}

/* ---------- delivery ---------- */

enum post_result { POST_OK, POST_RETRY, POST_REJECTED };

static enum post_result post_lines(struct intel_reporter *r, const struct line *lines, size_t n)
{
    size_t total = 0;
    for (size_t i = 0; i < n; i++)
        total += lines[i].len + 1;
    char *body = malloc(total + 1);
    if (!body)
        return POST_RETRY;
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        memcpy(body + o, lines[i].data, lines[i].len);
        o += lines[i].len;
        body[o++] = '\n';
    }
    if (r->attempt > 0)
        atomic_fetch_add(&r->retried, 1);
    atomic_fetch_add(&r->posts, 1);
    struct hub_response_buf resp;
    char err[512];
    int rc = hub_client_post(r->hub, r->eve_path, "application/x-ndjson", body, o, &resp, err,
                             sizeof err);
    free(body);
    if (rc != 0 || resp.status == 401 || resp.status == 403 || resp.status == 404 ||
        resp.status == 408 || resp.status == 429 || resp.status >= 500) {
        atomic_fetch_add(&r->post_errors, 1);
        if (!r->down_logged) {
            if (rc != 0)
                log_warning("hub report: %s; alerts are spooled and retried", err);
            else
                log_warning("hub report: the hub answered HTTP %ld; alerts are spooled and "
                            "retried",
                            resp.status);
            r->down_logged = true;
        }
        return POST_RETRY;
    }
    if (r->down_logged)
        log_info("hub report: the hub accepts alerts again");
    r->down_logged = false;
    if (resp.status < 200 || resp.status >= 300) {
        atomic_fetch_add(&r->rejected, n);
        log_warning("hub report: the hub refused a batch of %zu alerts: HTTP %ld %.200s", n,
                    resp.status, resp.data);
        return POST_REJECTED;
    }
    json_t *j = json_loads(resp.data, 0, NULL);
    json_int_t failed = json_integer_value(json_object_get(j, "failed"));
    if (failed > 0)
        atomic_fetch_add(&r->rejected, (uint64_t)failed);
    json_decref(j);
    atomic_fetch_add(&r->sent, n - (size_t)(failed > 0 ? failed : 0));
    return POST_OK;
}

static void backoff(struct intel_reporter *r)
{
    r->attempt++;
    uint64_t delay = 1000;
    for (int i = 1; i < r->attempt && delay < 60000; i++)
        delay *= 2;
    if (delay > 60000)
        delay = 60000;
    /* +-20 % jitter so that many sensors do not return in step */
    uint64_t jitter = delay / 5;
    delay = delay - jitter + (uint64_t)(rand() % (int)(2 * jitter + 1));
    r->retry_at_ms = mono_ms() + delay;
}

/* Sends the spool, oldest first. Returns true when it is empty. */
static bool drain_spool(struct intel_reporter *r)
{
    while (r->spool_lines) {
        struct line_vec v = {0};
        uint64_t seg, off;
        size_t bytes = spool_peek(r, &v, r->cfg.batch_max, &seg, &off);
        if (v.n == 0 && bytes == 0) {
            vec_free(&v);
            /* nothing readable (partial tail): forget it */
            r->spool_lines = 0;
            spool_advance(r, r->last_seg + 1, 0, 0, r->spool_bytes);
            return true;
        }
        enum post_result pr = v.n ? post_lines(r, v.v, v.n) : POST_OK;
        size_t n = v.n;
        vec_free(&v);
        if (pr == POST_RETRY) {
            backoff(r);
            return false;
        }
        r->attempt = 0;
        spool_advance(r, seg, off, n, bytes);
    }
    return true;
}

/* Sends lines in batches; what is not delivered goes to the spool. */
static void deliver(struct intel_reporter *r, struct line_vec *q)
{
    size_t i = 0;
    if (r->spool_lines == 0 && mono_ms() >= r->retry_at_ms) {
        while (i < q->n) {
            size_t n = q->n - i < r->cfg.batch_max ? q->n - i : r->cfg.batch_max;
            enum post_result pr = post_lines(r, q->v + i, n);
            if (pr == POST_RETRY) {
                backoff(r);
                break;
            }
            r->attempt = 0;
            i += n;
        }
    }
    if (i < q->n)
        spool_append(r, q->v + i, q->n - i);
    vec_free(q);
}

static void *sender_main(void *arg)
{
    struct intel_reporter *r = arg;
    for (;;) {
        pthread_mutex_lock(&r->lock);
        uint64_t first_wait_start = mono_ms();
        for (;;) {
            if (r->stop)
                break;
            uint64_t now = mono_ms();
            bool retry_due = r->spool_lines && now >= r->retry_at_ms;
            bool batch_full = r->queue.n >= r->cfg.batch_max;
            bool flush_due = r->queue.n && now - first_wait_start >= r->cfg.flush_ms;
            /* while backing off, spill the queue to disk so memory stays small */
            bool spill = r->queue.n && now < r->retry_at_ms;
            if (retry_due || batch_full || flush_due || spill)
                break;
            uint64_t wait = r->queue.n ? r->cfg.flush_ms : 1000;
            if (r->spool_lines && r->retry_at_ms > now && r->retry_at_ms - now < wait)
                wait = r->retry_at_ms - now;
            struct timespec until;
            clock_gettime(CLOCK_REALTIME, &until);
            uint64_t ns = (uint64_t)until.tv_nsec + wait * 1000000u;
            until.tv_sec += (time_t)(ns / 1000000000u);
            until.tv_nsec = (long)(ns % 1000000000u);
            if (!r->queue.n)
                first_wait_start = mono_ms();
            pthread_cond_timedwait(&r->cond, &r->lock, &until);
        }
        struct line_vec q = r->queue;
        memset(&r->queue, 0, sizeof r->queue);
        atomic_store(&r->queued, 0);
        bool stop = r->stop;
        uint64_t deadline = r->stop_deadline_ms;
        pthread_mutex_unlock(&r->lock);

        if (stop) {
            /* last chance: deliver if the hub answers before the deadline */
            r->retry_at_ms = 0;
            while (mono_ms() < deadline && r->spool_lines && !drain_spool(r)) {
                struct timespec nap = {0, 200 * 1000 * 1000};
                nanosleep(&nap, NULL);
                r->retry_at_ms = 0;
            }
            if (mono_ms() < deadline)
                r->retry_at_ms = 0;
            else
                r->retry_at_ms = UINT64_MAX; /* spool the queue */
            deliver(r, &q);
            break;
        }
        if (mono_ms() >= r->retry_at_ms && r->spool_lines)
            drain_spool(r);
        deliver(r, &q);
    }
    return NULL;
}

/* ---------- public ---------- */

struct intel_reporter *intel_reporter_start(const struct intel_reporter_config *c, char *err,
                                            size_t errlen)
{
    struct intel_reporter *r = calloc(1, sizeof *r);
    if (!r) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    r->cfg = *c;
    if (!r->cfg.spool_max_bytes)
        r->cfg.spool_max_bytes = 64ull << 20;
    if (!r->cfg.batch_max)
        r->cfg.batch_max = 500;
    if (!r->cfg.flush_ms)
        r->cfg.flush_ms = 200;
    if (!r->cfg.queue_max)
        r->cfg.queue_max = 100000;
    if (c->tlp)
        snprintf(r->eve_path, sizeof r->eve_path, "/api/v1/eve?tlp=%s", c->tlp);
    else
        snprintf(r->eve_path, sizeof r->eve_path, "/api/v1/eve");
    pthread_mutex_init(&r->lock, NULL);
    pthread_cond_init(&r->cond, NULL);
    FILE *fp = fopen("/dev/urandom", "rb");
    if (!fp || fread(&r->run_id, sizeof r->run_id, 1, fp) != 1)
        r->run_id = (uint64_t)time(NULL) * 0x9e3779b97f4a7c15ull ^ (uint64_t)getpid();
    if (fp)
        fclose(fp);
    srand((unsigned)r->run_id);
    r->hub = hub_client_new(&c->hub, err, errlen);
    if (!r->hub || spool_open(r, err, errlen) != 0) {
        hub_client_free(r->hub);
        free(r);
        return NULL;
    }
    if (pthread_create(&r->thread, NULL, sender_main, r) != 0) {
        snprintf(err, errlen, "cannot start the report thread");
        hub_client_free(r->hub);
        free(r);
        return NULL;
    }
    r->started = true;
    return r;
}

static void submit(struct intel_reporter *r, const char *line, size_t len, bool stats)
{
    if (!r || len < 2 || line[0] != '{')
        return;
    while (len && (line[len - 1] == '\n' || line[len - 1] == '\r'))
        len--;
    uint64_t seq = atomic_fetch_add(&r->seq, 1);
    char id[80];
    int il = snprintf(id, sizeof id, "{\"vigil_report_id\":\"%016" PRIx64 "-%016" PRIx64 "\",",
                      r->run_id, seq);
    bool empty_object = len == 2; /* "{}" */
    size_t n = (size_t)il + len - 1;
    char *copy = malloc(n + 1);
    if (!copy) {
        atomic_fetch_add(&r->dropped, 1);
        return;
    }
    memcpy(copy, id, (size_t)il);
    memcpy(copy + il, line + 1, len - 1);
    if (empty_object) {
        copy[il - 1] = '}';
        n = (size_t)il;
    }
    copy[n] = '\0';
    /* submitted first: a reader that loads stats_submitted before
     * submitted never sees more stats events than events */
    atomic_fetch_add(&r->submitted, 1);
    if (stats)
        atomic_fetch_add(&r->stats_submitted, 1);
    pthread_mutex_lock(&r->lock);
    if (r->queue.n >= r->cfg.queue_max || r->stop) {
        pthread_mutex_unlock(&r->lock);
        free(copy);
        atomic_fetch_add(&r->dropped, 1);
        return;
    }
    if (r->queue.n == r->queue.cap) {
        size_t nc = r->queue.cap ? r->queue.cap * 2 : 256;
        struct line *nv = realloc(r->queue.v, nc * sizeof *nv);
        if (!nv) {
            pthread_mutex_unlock(&r->lock);
            free(copy);
            atomic_fetch_add(&r->dropped, 1);
            return;
        }
        r->queue.v = nv;
        r->queue.cap = nc;
    }
    r->queue.v[r->queue.n].data = copy;
    r->queue.v[r->queue.n].len = n;
    r->queue.n++;
    atomic_store(&r->queued, r->queue.n);
    if (r->queue.n == 1 || r->queue.n >= r->cfg.batch_max)
        pthread_cond_signal(&r->cond);
    pthread_mutex_unlock(&r->lock);
}

void intel_reporter_submit(struct intel_reporter *r, const char *line, size_t len)
{
    submit(r, line, len, false);
}

void intel_reporter_submit_stats(struct intel_reporter *r, const char *line, size_t len)
{
    submit(r, line, len, true);
}

void intel_reporter_stop(struct intel_reporter *r, uint32_t wait_ms,
                         struct intel_reporter_stats *final)
{
    if (!r)
        return;
    pthread_mutex_lock(&r->lock);
    r->stop = true;
    r->stop_deadline_ms = mono_ms() + wait_ms;
    pthread_cond_signal(&r->cond);
    pthread_mutex_unlock(&r->lock);
    if (r->started)
        pthread_join(r->thread, NULL);
    struct intel_reporter_stats st;
    intel_reporter_get_stats(r, &st);
    if (final)
        *final = st;
    if (st.pending)
        log_info("hub report: %" PRIu64 " alerts kept in the spool for the next run", st.pending);
    vec_free(&r->queue);
    hub_client_free(r->hub);
    pthread_mutex_destroy(&r->lock);
    pthread_cond_destroy(&r->cond);
    free(r);
}

void intel_reporter_get_stats(struct intel_reporter *r, struct intel_reporter_stats *o)
{
    memset(o, 0, sizeof *o);
    if (!r)
        return;
    o->stats_submitted = atomic_load(&r->stats_submitted);
    o->submitted = atomic_load(&r->submitted);
    o->sent = atomic_load(&r->sent);
    o->spooled = atomic_load(&r->spooled);
    o->retried = atomic_load(&r->retried);
    o->dropped = atomic_load(&r->dropped);
    o->rejected = atomic_load(&r->rejected);
    o->posts = atomic_load(&r->posts);
    o->post_errors = atomic_load(&r->post_errors);
    /* spool_lines is the sender's; read without the lock as an estimate */
    o->pending = atomic_load(&r->queued) + __atomic_load_n(&r->spool_lines, __ATOMIC_RELAXED);
}
