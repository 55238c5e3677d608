/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer harness: the compiled-database cache reader (detect_hsdb.c).
 * Input: a cache file, made from a valid one (written at start-up) by the
 * first byte's choice: 0 XOR the rest over it, 1 truncate it at the length the
 * next two bytes give, 2 the input's bytes as they are. It is put where the cache would hold the
 * database of a fixed pattern set and loaded: whatever the bytes, the load
 * either yields a database that scans, or refuses the file (magic, key,
 * length, SHA-256 of the serialised bytes) and compiles the patterns again.
 * The bytes never reach Hyperscan's deserialiser unless their SHA-256
 * matches: the checksum guards against truncated or corrupted files, not
 * against someone who can write the cache directory (keep it the sensor
 * user's, mode 0750, as the sensor creates it). */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <unistd.h>

#include "detect/detect_hsdb.h"

static char dir[] = "/tmp/vigil-fuzz-hsdb-XXXXXX";
static char path[600];
static uint8_t *valid;
static size_t valid_len;
static const struct hsdb_pattern pats[2] = {
    {(const uint8_t *)"fuzz", 4, HS_FLAG_SINGLEMATCH},
    {(const uint8_t *)"cache", 5, HS_FLAG_SINGLEMATCH | HS_FLAG_CASELESS},
};

static int on_match(unsigned id, unsigned long long from, unsigned long long to, unsigned flags,
                    void *ctx)
{
    (void)id;
    (void)from;
    (void)to;
    (void)flags;
    (*(int *)ctx)++;
    return 0;
}

static void init(void)
{
    FILE *f;
    if (!mkdtemp(dir))
        abort();
    char err[256];
    if (hsdb_cache_configure(dir, 0, err, sizeof err) != 0)
        abort();
    /* Learn the file name: compile once, find the file it wrote. */
    struct hsdb_request r = {.pats = pats, .n = 2};
    if (hsdb_acquire_batch(&r, 1, 1, NULL, err, sizeof err) != 0)
        abort();
    hsdb_release(r.db);
    DIR *d = opendir(dir);
    for (struct dirent *e; d && (e = readdir(d));)
        if (strstr(e->d_name, ".hs"))
            snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
    if (d)
        closedir(d);
    if (!path[0])
        abort();
    f = fopen(path, "rb");
    valid = malloc(1 << 20);
    valid_len = f && valid ? fread(valid, 1, 1 << 20, f) : 0;
    if (f)
        fclose(f);
    if (!valid_len)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!path[0])
        init();
    uint8_t *file = malloc(valid_len + size + 1);
    size_t len = valid_len;
    memcpy(file, valid, valid_len);
    int mode = size ? data[0] % 3 : 0;
    if (mode == 0) {
        for (size_t i = 1; i < size; i++)
            file[(i - 1) % valid_len] ^= data[i];
    } else if (mode == 1 && size >= 3) {
        len = (size_t)(data[1] | data[2] << 8) % valid_len;
    } else if (mode == 2) {
        memcpy(file, data + 1, size - 1);
        len = size - 1;
    }
    FILE *f = fopen(path, "wb");
    if (!f) {
        free(file);
        return 0;
    }
    fwrite(file, 1, len, f);
    fclose(f);
    free(file);
    char err[256];
    struct hsdb_request r = {.pats = pats, .n = 2};
    if (hsdb_acquire_batch(&r, 1, 1, NULL, err, sizeof err) != 0 || !r.db)
        abort(); /* a bad file must be rebuilt, never fail the build */
    hs_scratch_t *scratch = NULL;
    int hits = 0;
    if (hs_alloc_scratch(hsdb_database(r.db), &scratch) != HS_SUCCESS ||
        hs_scan(hsdb_database(r.db), "a fuzz CACHE", 12, 0, scratch, on_match, &hits) !=
            HS_SUCCESS ||
        hits != 2)
        abort();
    hs_free_scratch(scratch);
    hsdb_release(r.db);
    return 0;
}
