/* SPDX-License-Identifier: Apache-2.0 */
/* The internal hosts' profiles across restarts: what a host normally sends
 * out and whom it talks to takes the learning period (a day by default) to
 * learn, and a sensor restarted for an upgrade or a configuration change
 * must not go blind (and then noisy) for that long.
 *
 * The file: "VIGILPRF", a format version, the record count, the records
 * (oldest first, so a smaller memcap on load keeps the most recent), then
 * a CRC-32 of everything before it. Integers are little-endian whatever
 * the machine. It is written to a temporary name, flushed to disk and
 * renamed over the old one: a crash while saving leaves the previous file
 * whole. A file that is short, of another version or fails its checksum
 * is refused with an error naming it and what is wrong; nothing of it is
 * used. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <zlib.h>

#include "behaviour/behaviour_internal.h"

#define PERSIST_MAGIC "VIGILPRF"
#define PERSIST_VERSION 1u
/* family, address, first and last seen, then struct host_profile's fields */
#define PERSIST_RECORD (1 + 16 + 8 + 8 + 4 * 8 + 8 + 3 * 4 + 32 + 32)
#define PERSIST_HEADER (8 + 4 + 4)

static uint8_t *put_u32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        *p++ = (uint8_t)(v >> (8 * i));
    return p;
}

static uint8_t *put_u64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        *p++ = (uint8_t)(v >> (8 * i));
    return p;
}

static uint32_t get_u32(const uint8_t **p)
{
    uint32_t v = 0;
    for (int i = 0; i < 4; i++)
        v |= (uint32_t)(*p)[i] << (8 * i);
    *p += 4;
    return v;
}

static uint64_t get_u64(const uint8_t **p)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v |= (uint64_t)(*p)[i] << (8 * i);
    *p += 8;
    return v;
}

static uint8_t *put_record(uint8_t *p, const struct scan_tracker *t)
{
    const struct host_profile *h = (const struct host_profile *)t->bits;
    *p++ = t->key.src.family;
    memcpy(p, t->key.src.addr.u8, 16);
    p += 16;
    p = put_u64(p, t->first_usec);
    p = put_u64(p, t->last_usec);
    p = put_u64(p, h->win_start);
    p = put_u64(p, h->win_bytes);
    p = put_u64(p, h->dns_bytes);
    p = put_u64(p, h->icmp_bytes);
    uint64_t bits;
    memcpy(&bits, &h->baseline, sizeof bits);
    p = put_u64(p, bits);
    p = put_u32(p, h->windows);
    p = put_u32(p, h->flows);
    p = put_u32(p, h->flags);
    memcpy(p, h->dests, 32);
    p += 32;
    memcpy(p, h->fps, 32);
    return p + 32;
}

uint8_t *behaviour_profiles_snapshot(struct behaviour_store *s, size_t *size, int *count,
                                     char *err, size_t errlen)
{
    struct behaviour_store *ps = s ? s->profiles : NULL;
    *size = 0;
    *count = 0;
    if (!ps)
        return NULL;
    /* A copy under the lock, the disk elsewhere: the workers wait for a
     * memcpy-sized moment, never for the disk. */
    pthread_mutex_lock(&ps->lock);
    size_t n = 0;
    for (const struct scan_tracker *t = ps->lru_head; t; t = t->lru_next)
        n += t->key.type == SCAN_T_PROFILE && t->first_usec != 0;
    size_t total = PERSIST_HEADER + n * PERSIST_RECORD + 4;
    uint8_t *buf = malloc(total);
    if (!buf) {
        pthread_mutex_unlock(&ps->lock);
        snprintf(err, errlen, "out of memory for %zu profiles", n);
        return NULL;
    }
    uint8_t *p = buf;
    memcpy(p, PERSIST_MAGIC, 8);
    p = put_u32(p + 8, PERSIST_VERSION);
    p = put_u32(p, (uint32_t)n);
    for (const struct scan_tracker *t = ps->lru_head; t; t = t->lru_next)
        if (t->key.type == SCAN_T_PROFILE && t->first_usec != 0)
            p = put_record(p, t);
    pthread_mutex_unlock(&ps->lock);
    put_u32(p, (uint32_t)crc32(0L, buf, (uInt)(total - 4)));
    *size = total;
    *count = (int)n;
    return buf;
}

int behaviour_profiles_write(const char *path, const uint8_t *buf, size_t size, char *err,
                             size_t errlen)
{
    char tmp[4096];
    if ((size_t)snprintf(tmp, sizeof tmp, "%s.tmp", path) >= sizeof tmp) {
        snprintf(err, errlen, "%s: path too long", path);
        return -1;
    }
    FILE *f = fopen(tmp, "wb");
    if (!f) {
        snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
        return -1;
    }
    bool ok = fwrite(buf, 1, size, f) == size && fflush(f) == 0 && fsync(fileno(f)) == 0;
    int e = errno;
    ok = fclose(f) == 0 && ok;
    if (!ok || rename(tmp, path) != 0) {
        if (ok)
            e = errno;
        snprintf(err, errlen, "%s: writing failed: %s", ok ? path : tmp, strerror(e));
        unlink(tmp);
        return -1;
    }
    return 0;
}

int behaviour_profiles_save(struct behaviour_store *s, const char *path, char *err,
                            size_t errlen)
{
    size_t size;
    int n;
    char why[300] = "";
    uint8_t *buf = behaviour_profiles_snapshot(s, &size, &n, why, sizeof why);
    if (!buf) {
        if (!why[0])
            return 0;
        snprintf(err, errlen, "%s: %s", path, why);
        return -1;
    }
    int rc = behaviour_profiles_write(path, buf, size, err, errlen);
    free(buf);
    return rc < 0 ? -1 : n;
}

/* The records of a whole file's bytes (size of them) into the store. */
int behaviour_profiles_parse(struct behaviour_store *s, const uint8_t *buf, size_t size,
                             const char *path, char *err, size_t errlen)
{
    struct behaviour_store *ps = s ? s->profiles : NULL;
    if (!ps)
        return 0;
    if (size < PERSIST_HEADER + 4 || memcmp(buf, PERSIST_MAGIC, 8) != 0) {
        snprintf(err, errlen, "%s: not a vigil profiles file", path);
        return -1;
    }
    const uint8_t *hp = buf + 8;
    uint32_t version = get_u32(&hp), n = get_u32(&hp);
    if (version != PERSIST_VERSION) {
        snprintf(err, errlen, "%s: format version %u, this vigil reads %u", path, version,
                 PERSIST_VERSION);
        return -1;
    }
    size_t want = PERSIST_HEADER + (size_t)n * PERSIST_RECORD + 4;
    if (size != want) {
        snprintf(err, errlen, "%s: %zu bytes, %u profiles need %zu (truncated or padded)", path,
                 size, n, want);
        return -1;
    }
    const uint8_t *cp = buf + size - 4;
    if (get_u32(&cp) != (uint32_t)crc32(0L, buf, (uInt)(size - 4))) {
        snprintf(err, errlen, "%s: checksum mismatch (corrupt)", path);
        return -1;
    }
    const uint8_t *p = buf + PERSIST_HEADER;
    int loaded = 0;
    pthread_mutex_lock(&ps->lock);
    for (uint32_t i = 0; i < n; i++) {
        const uint8_t *next = p + PERSIST_RECORD;
        struct scan_key k;
        memset(&k, 0, sizeof k);
        k.type = SCAN_T_PROFILE;
        k.src.family = *p++;
        memcpy(k.src.addr.u8, p, 16);
        p += 16;
        uint64_t first = get_u64(&p), last = get_u64(&p);
        /* Checksummed, so written so; still, a record that cannot be
         * right is skipped rather than trusted. */
        struct scan_tracker *t = NULL;
        if ((k.src.family == 4 || k.src.family == 6) && first != 0 && last >= first)
            t = behaviour_tracker_get(ps, &k, last);
        if (!t) {
            p = next;
            continue;
        }
        t->first_usec = first;
        t->last_usec = last;
        struct host_profile *h = (struct host_profile *)t->bits;
        memset(h, 0, sizeof *h);
        h->win_start = get_u64(&p);
        h->win_bytes = get_u64(&p);
        h->dns_bytes = get_u64(&p);
        h->icmp_bytes = get_u64(&p);
        uint64_t bits = get_u64(&p);
        memcpy(&h->baseline, &bits, sizeof bits);
        if (!(h->baseline >= 0 && h->baseline < 1e30))
            h->baseline = 0; /* NaN or absurd: learn it again */
        h->windows = get_u32(&p);
        h->flows = get_u32(&p);
        h->flags = get_u32(&p);
        memcpy(h->dests, p, 32);
        p += 32;
        memcpy(h->fps, p, 32);
        p = next;
        loaded++;
    }
    pthread_mutex_unlock(&ps->lock);
    return loaded;
}

int behaviour_profiles_load(struct behaviour_store *s, const char *path, char *err,
                            size_t errlen)
{
    if (!s || !s->profiles)
        return 0;
    FILE *f = fopen(path, "rb");
    if (!f) {
        if (errno == ENOENT)
            return 0; /* the first start */
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    /* The header's count bounds the read: a file claiming more than it
     * holds is refused by its length, never read past what it says. */
    uint8_t head[PERSIST_HEADER];
    size_t got = fread(head, 1, sizeof head, f);
    size_t size = sizeof head;
    if (got == sizeof head && memcmp(head, PERSIST_MAGIC, 8) == 0) {
        const uint8_t *hp = head + 12;
        size = PERSIST_HEADER + (size_t)get_u32(&hp) * PERSIST_RECORD + 4;
        /* Never allocate what the file does not hold (a damaged count
         * could ask for hundreds of gigabytes): the parse below names the
         * mismatch. */
        struct stat sb;
        if (fstat(fileno(f), &sb) == 0 && (uint64_t)sb.st_size < size)
            size = (size_t)sb.st_size;
    }
    uint8_t *buf = malloc(size + 1);
    if (!buf) {
        fclose(f);
        snprintf(err, errlen, "%s: out of memory", path);
        return -1;
    }
    memcpy(buf, head, got);
    if (got == sizeof head)
        got += fread(buf + got, 1, size + 1 - got, f);
    fclose(f);
    int r = behaviour_profiles_parse(s, buf, got, path, err, errlen);
    free(buf);
    return r;
}
