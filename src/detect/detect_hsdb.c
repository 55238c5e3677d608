/* SPDX-License-Identifier: Apache-2.0 */
/* Content-addressed, shared and disk-cached Hyperscan databases. See
 * detect_hsdb.h for the design. */
#include "detect/detect_hsdb.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>

#define HSDB_MAGIC "VIGILHS1"
#define HSDB_HEADER_LEN (8 + HSDB_KEY_LEN + 8 + 32)
#define HSDB_FORMAT "vigil-hsdb-1"

struct hsdb {
    uint8_t key[HSDB_KEY_LEN];
    hs_database_t *db;
    size_t bytes;
    uint64_t *hashes; /* hsdb_pattern_hash of each pattern, in id order */
    uint32_t npatterns;
    uint32_t refs;    /* under registry.lock */
};

static struct {
    pthread_mutex_t lock;
    struct hsdb **items;
    size_t n, cap;
    size_t bytes;
    char *dir;
    uint64_t max_age_sec;
} registry = {.lock = PTHREAD_MUTEX_INITIALIZER};

/* ---- keys ---- */

static void put_le(uint8_t *p, uint64_t v, int n)
{
    for (int i = 0; i < n; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static int compute_key(const struct hsdb_pattern *pats, uint32_t n, uint8_t key[HSDB_KEY_LEN])
{
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    if (!md)
        return -ENOMEM;
    hs_platform_info_t plat;
    memset(&plat, 0, sizeof plat);
    hs_populate_platform(&plat);
    uint8_t hdr[8 + 8 + 4 + 4];
    put_le(hdr, plat.tune, 4);
    put_le(hdr + 4, 0, 4);
    put_le(hdr + 8, plat.cpu_features, 8);
    put_le(hdr + 16, HS_MODE_BLOCK, 4);
    put_le(hdr + 20, n, 4);
    const char *ver = hs_version();
    int ok = EVP_DigestInit_ex(md, EVP_sha256(), NULL) &&
             EVP_DigestUpdate(md, HSDB_FORMAT, sizeof HSDB_FORMAT) &&
             EVP_DigestUpdate(md, ver, strlen(ver) + 1) && EVP_DigestUpdate(md, hdr, sizeof hdr);
    for (uint32_t i = 0; ok && i < n; i++) {
        uint8_t ph[6];
        put_le(ph, pats[i].flags, 4);
        put_le(ph + 4, pats[i].len, 2);
        ok = EVP_DigestUpdate(md, ph, sizeof ph) &&
             EVP_DigestUpdate(md, pats[i].bytes, pats[i].len);
    }
    unsigned int outlen = 0;
    ok = ok && EVP_DigestFinal_ex(md, key, &outlen) && outlen == HSDB_KEY_LEN;
    EVP_MD_CTX_free(md);
    return ok ? 0 : -EIO;
}

static int sha256(const void *data, size_t len, uint8_t out[32])
{
    unsigned int outlen = 0;
    return EVP_Digest(data, len, out, &outlen, EVP_sha256(), NULL) && outlen == 32 ? 0 : -EIO;
}

static void key_hex(const uint8_t key[HSDB_KEY_LEN], char out[2 * HSDB_KEY_LEN + 1])
{
    static const char hx[] = "0123456789abcdef";
    for (int i = 0; i < HSDB_KEY_LEN; i++) {
        out[2 * i] = hx[key[i] >> 4];
        out[2 * i + 1] = hx[key[i] & 15];
    }
    out[2 * HSDB_KEY_LEN] = '\0';
}

/* ---- registry (caller holds the lock) ---- */

static struct hsdb *registry_find(const uint8_t key[HSDB_KEY_LEN])
{
    for (size_t i = 0; i < registry.n; i++)
        if (memcmp(registry.items[i]->key, key, HSDB_KEY_LEN) == 0)
            return registry.items[i];
    return NULL;
}

static int registry_add(struct hsdb *d)
{
    if (registry.n == registry.cap) {
        size_t nc = registry.cap ? registry.cap * 2 : 64;
        struct hsdb **ni = realloc(registry.items, nc * sizeof *ni);
        if (!ni)
            return -ENOMEM;
        registry.items = ni;
        registry.cap = nc;
    }
    registry.items[registry.n++] = d;
    registry.bytes += d->bytes;
    return 0;
}

static void registry_remove(struct hsdb *d)
{
    for (size_t i = 0; i < registry.n; i++) {
        if (registry.items[i] == d) {
            registry.items[i] = registry.items[--registry.n];
            registry.bytes -= d->bytes;
            return;
        }
    }
}

/* ---- configuration ---- */

static int mkdir_p(const char *path)
{
    char buf[4096];
    if (snprintf(buf, sizeof buf, "%s", path) >= (int)sizeof buf)
        return -ENAMETOOLONG;
    for (char *p = buf + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(buf, 0750) != 0 && errno != EEXIST)
            return -errno;
        *p = '/';
    }
    if (mkdir(buf, 0750) != 0 && errno != EEXIST)
        return -errno;
    return 0;
}

int hsdb_cache_configure(const char *dir, uint64_t max_age_sec, char *err, size_t errlen)
{
    char *copy = NULL;
    int rc = 0;
    if (dir && *dir) {
        rc = mkdir_p(dir);
        if (rc == 0 && access(dir, W_OK | X_OK) != 0)
            rc = -errno;
        if (rc != 0) {
            if (err && errlen)
                snprintf(err, errlen, "%s: %s", dir, strerror(-rc));
        } else {
            copy = strdup(dir);
            if (!copy)
                rc = -ENOMEM;
        }
    }
    pthread_mutex_lock(&registry.lock);
    free(registry.dir);
    registry.dir = copy;
    registry.max_age_sec = max_age_sec;
    pthread_mutex_unlock(&registry.lock);
    return rc;
}

const char *hsdb_cache_dir(void)
{
    return registry.dir;
}

/* ---- disk ---- */

static void cache_path(const char *dir, const uint8_t key[HSDB_KEY_LEN], char *out, size_t len)
{
    char hex[2 * HSDB_KEY_LEN + 1];
    key_hex(key, hex);
    snprintf(out, len, "%s/%s.hs", dir, hex);
}

/* Reads and verifies one cache file. Returns the database, or NULL with
 * *rejected set when a file existed but was refused (and is removed). */
static hs_database_t *disk_load(const char *dir, const uint8_t key[HSDB_KEY_LEN], bool *rejected)
{
    char path[4200];
    cache_path(dir, key, path, sizeof path);
    *rejected = false;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return NULL;
    struct stat st;
    uint8_t *buf = NULL;
    hs_database_t *db = NULL;
    if (fstat(fd, &st) != 0 || st.st_size < HSDB_HEADER_LEN || st.st_size > (1 << 30))
        goto bad;
    buf = malloc((size_t)st.st_size);
    if (!buf)
        goto out; /* not the file's fault */
    size_t got = 0;
    while (got < (size_t)st.st_size) {
        ssize_t r = read(fd, buf + got, (size_t)st.st_size - got);
        if (r <= 0)
            goto bad;
        got += (size_t)r;
    }
    uint64_t len = 0;
    for (int i = 0; i < 8; i++)
        len |= (uint64_t)buf[8 + HSDB_KEY_LEN + i] << (8 * i);
    uint8_t sum[32];
    if (memcmp(buf, HSDB_MAGIC, 8) != 0 || memcmp(buf + 8, key, HSDB_KEY_LEN) != 0 ||
        len != (uint64_t)st.st_size - HSDB_HEADER_LEN)
        goto bad;
    if (sha256(buf + HSDB_HEADER_LEN, (size_t)len, sum) != 0 ||
        memcmp(sum, buf + 8 + HSDB_KEY_LEN + 8, 32) != 0)
        goto bad;
    if (hs_deserialize_database((const char *)buf + HSDB_HEADER_LEN, (size_t)len, &db) !=
        HS_SUCCESS) {
        db = NULL;
        goto bad;
    }
    futimens(fd, NULL); /* used: keeps it from being pruned */
    goto out;
bad:
    *rejected = true;
    unlink(path);
out:
    free(buf);
    close(fd);
    return db;
}

static int disk_store(const char *dir, const uint8_t key[HSDB_KEY_LEN], const hs_database_t *db)
{
    char *ser = NULL;
    size_t len = 0;
    if (hs_serialize_database(db, &ser, &len) != HS_SUCCESS)
        return -EIO;
    uint8_t hdr[HSDB_HEADER_LEN];
    memcpy(hdr, HSDB_MAGIC, 8);
    memcpy(hdr + 8, key, HSDB_KEY_LEN);
    put_le(hdr + 8 + HSDB_KEY_LEN, len, 8);
    int rc = sha256(ser, len, hdr + 8 + HSDB_KEY_LEN + 8);
    char path[4200], tmp[4300];
    cache_path(dir, key, path, sizeof path);
    snprintf(tmp, sizeof tmp, "%s.tmp.%ld.%lx", path, (long)getpid(),
             (unsigned long)pthread_self());
    int fd = rc == 0 ? open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640) : -1;
    if (fd < 0) {
        free(ser);
        return rc ? rc : -errno;
    }
    const uint8_t *parts[2] = {hdr, (const uint8_t *)ser};
    size_t lens[2] = {sizeof hdr, len};
    for (int p = 0; p < 2 && rc == 0; p++) {
        size_t off = 0;
        while (off < lens[p]) {
            ssize_t w = write(fd, parts[p] + off, lens[p] - off);
            if (w <= 0) {
                rc = w < 0 ? -errno : -EIO;
                break;
            }
            off += (size_t)w;
        }
    }
    if (close(fd) != 0 && rc == 0)
        rc = -errno;
    if (rc == 0 && rename(tmp, path) != 0)
        rc = -errno;
    if (rc != 0)
        unlink(tmp);
    free(ser);
    return rc;
}

int hsdb_cache_prune(void)
{
    pthread_mutex_lock(&registry.lock);
    char *dir = registry.dir ? strdup(registry.dir) : NULL;
    uint64_t max_age = registry.max_age_sec;
    pthread_mutex_unlock(&registry.lock);
    if (!dir || max_age == 0) {
        free(dir);
        return 0;
    }
    DIR *d = opendir(dir);
    int removed = 0;
    time_t now = time(NULL);
    for (struct dirent *e; d && (e = readdir(d));) {
        size_t nl = strlen(e->d_name);
        bool ours = nl == 2 * HSDB_KEY_LEN + 3 && strcmp(e->d_name + nl - 3, ".hs") == 0;
        bool tmp = strstr(e->d_name, ".hs.tmp.") != NULL;
        if (!ours && !tmp)
            continue;
        char path[4400];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        struct stat st;
        if (stat(path, &st) != 0)
            continue;
        uint64_t age = now > st.st_mtime ? (uint64_t)(now - st.st_mtime) : 0;
        /* Temporary files of a crashed writer go after an hour. */
        if ((ours && age > max_age) || (tmp && age > 3600)) {
            if (unlink(path) == 0)
                removed++;
        }
    }
    if (d)
        closedir(d);
    free(dir);
    return removed;
}

/* ---- compile ---- */

struct compile_job {
    struct hsdb_request *req;
    uint8_t key[HSDB_KEY_LEN];
    hs_database_t *db;
    char err[256];
    int rc;
    bool from_disk, disk_rejected, stored, store_failed;
};

struct compile_pool {
    struct compile_job **jobs;
    size_t njobs;
    _Atomic size_t next;
    const char *dir;
    _Atomic uint64_t cpu_nsec;
};

static uint64_t thread_cpu_nsec(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void compile_one(struct compile_job *j, const char *dir)
{
    const struct hsdb_request *r = j->req;
    const char **exprs = malloc(r->n * sizeof *exprs);
    size_t *lens = malloc(r->n * sizeof *lens);
    unsigned *flags = malloc(r->n * sizeof *flags);
    unsigned *ids = malloc(r->n * sizeof *ids);
    if (!exprs || !lens || !flags || !ids) {
        j->rc = -ENOMEM;
        snprintf(j->err, sizeof j->err, "out of memory");
    } else {
        for (uint32_t i = 0; i < r->n; i++) {
            exprs[i] = (const char *)r->pats[i].bytes;
            lens[i] = r->pats[i].len;
            flags[i] = r->pats[i].flags;
            ids[i] = i;
        }
        hs_compile_error_t *cerr = NULL;
        if (hs_compile_lit_multi(exprs, flags, ids, lens, r->n, HS_MODE_BLOCK, NULL, &j->db,
                                 &cerr) != HS_SUCCESS) {
            j->db = NULL;
            j->rc = -EINVAL;
            snprintf(j->err, sizeof j->err, "%s",
                     cerr && cerr->message ? cerr->message : "compile failed");
        }
        if (cerr)
            hs_free_compile_error(cerr);
    }
    free(exprs);
    free(lens);
    free(flags);
    free(ids);
    if (j->db && dir) {
        if (disk_store(dir, j->key, j->db) == 0)
            j->stored = true;
        else
            j->store_failed = true;
    }
}

static void *compile_thread(void *arg)
{
    struct compile_pool *p = arg;
    uint64_t t0 = thread_cpu_nsec();
    for (;;) {
        size_t i = atomic_fetch_add(&p->next, 1);
        if (i >= p->njobs)
            break;
        compile_one(p->jobs[i], p->dir);
    }
    atomic_fetch_add(&p->cpu_nsec, thread_cpu_nsec() - t0);
    return NULL;
}

static unsigned online_cpus(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? (unsigned)n : 1;
}

int hsdb_acquire_batch(struct hsdb_request *req, size_t nreq, unsigned threads,
                       struct hsdb_stats *stats, char *err, size_t errlen)
{
    struct hsdb_stats local = {0};
    if (!stats)
        stats = &local;
    struct compile_job *jobs = calloc(nreq ? nreq : 1, sizeof *jobs);
    struct compile_job **todo = calloc(nreq ? nreq : 1, sizeof *todo);
    size_t *first = calloc(nreq ? nreq : 1, sizeof *first); /* duplicate -> first job */
    if (!jobs || !todo || !first) {
        free(jobs);
        free(todo);
        free(first);
        snprintf(err, errlen, "out of memory");
        return -ENOMEM;
    }
    int rc = 0;
    for (size_t i = 0; i < nreq; i++) {
        req[i].db = NULL;
        jobs[i].req = &req[i];
        first[i] = i;
        if (rc == 0 && compute_key(req[i].pats, req[i].n, jobs[i].key) != 0) {
            snprintf(err, errlen, "cannot hash a pattern set");
            rc = -EIO;
        }
    }
    stats->requests += (uint32_t)nreq;
    /* Memory first; duplicates within the batch wait for their first copy. */
    char *dir = NULL;
    pthread_mutex_lock(&registry.lock);
    if (registry.dir)
        dir = strdup(registry.dir);
    for (size_t i = 0; rc == 0 && i < nreq; i++) {
        struct hsdb *d = registry_find(jobs[i].key);
        if (d) {
            d->refs++;
            req[i].db = d;
            stats->memory_hits++;
            continue;
        }
        for (size_t k = 0; k < i; k++) {
            if (!req[k].db && first[k] == k && req[k].cached_only == req[i].cached_only &&
                memcmp(jobs[k].key, jobs[i].key, HSDB_KEY_LEN) == 0) {
                first[i] = k;
                break;
            }
        }
    }
    pthread_mutex_unlock(&registry.lock);
    /* Then the disk; what remains is compiled. */
    size_t ntodo = 0;
    for (size_t i = 0; rc == 0 && i < nreq; i++) {
        if (req[i].db || first[i] != i)
            continue;
        if (dir) {
            jobs[i].db = disk_load(dir, jobs[i].key, &jobs[i].disk_rejected);
            if (jobs[i].disk_rejected)
                stats->disk_rejected++;
            if (jobs[i].db) {
                jobs[i].from_disk = true;
                stats->disk_hits++;
                continue;
            }
        }
        if (!req[i].cached_only)
            todo[ntodo++] = &jobs[i];
    }
    if (rc == 0 && ntodo) {
        if (threads == 0)
            threads = online_cpus();
        if (threads > ntodo)
            threads = (unsigned)ntodo;
        struct compile_pool pool = {.jobs = todo, .njobs = ntodo, .dir = dir};
        pthread_t tids[64];
        unsigned started = 0;
        for (unsigned t = 1; t < threads && t < 64; t++)
            if (pthread_create(&tids[started], NULL, compile_thread, &pool) == 0)
                started++;
        compile_thread(&pool); /* this thread works too */
        for (unsigned t = 0; t < started; t++)
            pthread_join(tids[t], NULL);
        stats->compile_cpu_seconds += (double)atomic_load(&pool.cpu_nsec) / 1e9;
        for (size_t k = 0; k < ntodo; k++) {
            struct compile_job *j = todo[k];
            if (j->db)
                stats->compiled++;
            if (j->store_failed)
                stats->disk_write_errors++;
            if (j->rc != 0 && rc == 0) {
                rc = j->rc;
                snprintf(err, errlen, "hyperscan: %s (%u patterns)", j->err, j->req->n);
            }
        }
    }
    /* Publish the new databases (another build may have added the same one
     * meanwhile: then share that one). */
    pthread_mutex_lock(&registry.lock);
    for (size_t i = 0; i < nreq; i++) {
        struct compile_job *j = &jobs[i];
        if (req[i].db || first[i] != i || !j->db)
            continue;
        if (rc != 0) {
            hs_free_database(j->db);
            j->db = NULL;
            continue;
        }
        struct hsdb *d = registry_find(j->key);
        if (d) {
            hs_free_database(j->db);
            j->db = NULL;
            d->refs++;
            req[i].db = d;
            stats->memory_hits++;
            continue;
        }
        d = calloc(1, sizeof *d);
        if (d) {
            memcpy(d->key, j->key, HSDB_KEY_LEN);
            if (hs_database_size(j->db, &d->bytes) != HS_SUCCESS)
                d->bytes = 0;
            d->db = j->db;
            d->refs = 1;
            d->npatterns = j->req->n;
            d->hashes = malloc((j->req->n ? j->req->n : 1) * sizeof *d->hashes);
            for (uint32_t k = 0; d->hashes && k < j->req->n; k++)
                d->hashes[k] = hsdb_pattern_hash(&j->req->pats[k]);
        }
        if (!d || !d->hashes || registry_add(d) != 0) {
            if (d)
                free(d->hashes);
            free(d);
            hs_free_database(j->db);
            j->db = NULL;
            snprintf(err, errlen, "out of memory");
            rc = -ENOMEM;
            continue;
        }
        j->db = NULL;
        req[i].db = d;
        stats->bytes_new += d->bytes;
    }
    for (size_t i = 0; rc == 0 && i < nreq; i++) {
        if (first[i] != i) {
            struct hsdb *d = req[first[i]].db;
            if (d)
                d->refs++;
            req[i].db = d;
        }
    }
    pthread_mutex_unlock(&registry.lock);
    if (rc != 0) {
        for (size_t i = 0; i < nreq; i++) {
            hsdb_release(req[i].db);
            req[i].db = NULL;
        }
    }
    free(dir);
    free(jobs);
    free(todo);
    free(first);
    return rc;
}

hs_database_t *hsdb_database(const struct hsdb *d)
{
    return d ? d->db : NULL;
}

size_t hsdb_bytes(const struct hsdb *d)
{
    return d ? d->bytes : 0;
}

void hsdb_release(struct hsdb *d)
{
    if (!d)
        return;
    pthread_mutex_lock(&registry.lock);
    bool last = --d->refs == 0;
    if (last)
        registry_remove(d);
    pthread_mutex_unlock(&registry.lock);
    if (last) {
        hs_free_database(d->db);
        free(d->hashes);
        free(d);
    }
}

void hsdb_retain(struct hsdb *d)
{
    pthread_mutex_lock(&registry.lock);
    d->refs++;
    pthread_mutex_unlock(&registry.lock);
}

uint64_t hsdb_pattern_hash(const struct hsdb_pattern *p)
{
    uint64_t h = 1469598103934665603ull ^ ((uint64_t)p->flags << 32) ^ p->len;
    for (uint16_t i = 0; i < p->len; i++)
        h = (h ^ p->bytes[i]) * 1099511628211ull;
    h ^= h >> 31;
    h *= 0x9e3779b97f4a7c15ull;
    return h ^ (h >> 29);
}

const uint64_t *hsdb_pattern_hashes(const struct hsdb *d, uint32_t *n)
{
    *n = d->npatterns;
    return d->hashes;
}

void hsdb_memory_usage(uint32_t *count, size_t *bytes)
{
    pthread_mutex_lock(&registry.lock);
    if (count)
        *count = (uint32_t)registry.n;
    if (bytes)
        *bytes = registry.bytes;
    pthread_mutex_unlock(&registry.lock);
}
