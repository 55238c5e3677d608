/* SPDX-License-Identifier: Apache-2.0 */
/* Content-addressed Hyperscan databases: compiled once, shared, cached on disk.
 *
 * A database of literals is named by its content: the SHA-256 of the
 * Hyperscan version and platform, the mode and, in order, every pattern's
 * flags, length and bytes (pattern i has id i). Two engines that need the
 * same database - the running one and the one a rule reload builds beside it,
 * or two groups of one engine - get the same object, reference-counted; a
 * reload therefore compiles only the databases whose patterns changed.
 *
 * With a cache directory set (detect.sgh-mpm-caching), a database not in
 * memory is looked for in DIR/<key>.hs: a header (magic, key, length,
 * SHA-256 of the serialised bytes) verified before hs_deserialize_database(),
 * which itself refuses another Hyperscan version or platform. A missing,
 * corrupt or stale file is rebuilt and rewritten (write to a temporary file,
 * then rename, so a crash never leaves a torn file); files are touched on
 * use and those unused for max_age are pruned by hsdb_cache_prune().
 *
 * Thread safety: every function may be called from any thread (one mutex
 * guards the registry); workers only read hs_database_t pointers they were
 * given and never call in here. */
#ifndef VIGIL_DETECT_HSDB_H
#define VIGIL_DETECT_HSDB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <hs/hs.h>

#define HSDB_KEY_LEN 32

struct hsdb;

/* One literal: bytes[0..len) with Hyperscan flags (HS_FLAG_CASELESS,
 * HS_FLAG_SINGLEMATCH); its id in the database is its index. */
struct hsdb_pattern {
    const uint8_t *bytes;
    uint16_t len;
    unsigned flags;
};

/* One database wanted by an engine build. The caller fills pats/n (the
 * patterns must stay valid until hsdb_acquire_batch returns); the call fills
 * db (a reference the caller releases with hsdb_release). */
struct hsdb_request {
    const struct hsdb_pattern *pats;
    uint32_t n;
    bool cached_only; /* from memory or disk only: db stays NULL (no error) otherwise */
    struct hsdb *db;
};

struct hsdb_stats {
    uint32_t requests;
    uint32_t memory_hits;     /* already loaded (shared with a running engine) */
    uint32_t disk_hits;       /* read from the cache directory */
    uint32_t compiled;        /* compiled now */
    uint32_t disk_rejected;   /* cache files refused (corrupt, stale) and rebuilt */
    uint32_t disk_write_errors;
    double compile_cpu_seconds; /* summed over compile threads */
    size_t bytes_new;         /* bytes of databases this call added to memory */
};

/* Sets the on-disk cache: dir NULL disables it. The directory is created
 * (mode 0750) if missing. max_age_sec 0 = never prune. Returns 0, or -errno
 * when the directory cannot be created or written (the cache is then off and
 * err says why; databases are still compiled and shared in memory). */
int hsdb_cache_configure(const char *dir, uint64_t max_age_sec, char *err, size_t errlen);
/* The configured directory or NULL. */
const char *hsdb_cache_dir(void);

/* Acquires every request's database: from memory, then the disk cache, and
 * compiles the rest on up to `threads` threads (0 = number of online CPUs).
 * On failure (-EINVAL: Hyperscan refused a pattern set, -ENOMEM) err names the
 * failing database, every reference taken by the call is released and every
 * req->db is NULL. stats (may be NULL) is added to. */
int hsdb_acquire_batch(struct hsdb_request *req, size_t nreq, unsigned threads,
                       struct hsdb_stats *stats, char *err, size_t errlen);

hs_database_t *hsdb_database(const struct hsdb *d);
/* A pattern's identity (bytes, length, flags) as a 64-bit hash. */
uint64_t hsdb_pattern_hash(const struct hsdb_pattern *p);
/* The database's patterns as hsdb_pattern_hash values, in id order. */
const uint64_t *hsdb_pattern_hashes(const struct hsdb *d, uint32_t *n);
/* One more reference (released with hsdb_release). */
void hsdb_retain(struct hsdb *d);
size_t hsdb_bytes(const struct hsdb *d);
/* Drops one reference; the database is freed with its last one. NULL is a no-op. */
void hsdb_release(struct hsdb *d);

/* Databases and bytes held in memory now (all engines). */
void hsdb_memory_usage(uint32_t *count, size_t *bytes);

/* Deletes cache files not used for max_age (set by hsdb_cache_configure).
 * Returns the number deleted. */
int hsdb_cache_prune(void);

#endif
