/* SPDX-License-Identifier: Apache-2.0 */
/* Indicator set at scale: N domains + N addresses (a tenth of them CIDR
 * ranges) + N file hashes (SHA-256) written as list files, loaded through
 * the real loaders (intel_load_file) and built into one set; load time,
 * resident memory, and single-thread lookups per second for each kind on a
 * mix of hits and misses, with the cost of only hashing the same keys as the
 * baseline of the same run.
 *
 *   bench_intel [N [domains|addresses|sha256|load [QUERIES]]]
 *   (default 1000000 values of each kind, every kind, 4,000,000 queries per
 *   pass; fewer queries for valgrind --tool=callgrind, whose instruction
 *   counts per lookup are the figure that the machine's load does not move) */
#include <arpa/inet.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "decode/packet.h"
#include "intel/intel.h"
#include "intel/intel_source.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double cpu(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static long rss_kb(const char *field)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    long v = -1;
    while (f && fgets(line, sizeof line, f))
        if (strncmp(line, field, strlen(field)) == 0)
            v = strtol(line + strlen(field), NULL, 10);
    if (f)
        fclose(f);
    return v;
}

static uint64_t rng = 0x9e3779b97f4a7c15ull;
static uint64_t next(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static const char *const words[] = {"secure", "login", "update", "cdn", "mail", "portal",
                                    "cloud", "data", "api", "shop", "news", "bank",
                                    "grid", "power", "track", "files"};
static const char *const tlds[] = {"com", "net", "org", "info", "ru", "cn", "xyz", "top"};

static void domain(uint64_t i, char *out, size_t cap)
{
    uint64_t x = i * 0x9e3779b97f4a7c15ull + 12345;
    snprintf(out, cap, "%s%llx-%s.%s", words[x % 16], (unsigned long long)(i * 2654435761u),
             words[(x >> 8) % 16], tlds[(x >> 16) % 8]);
}

int main(int argc, char **argv)
{
    long n = argc > 1 ? atol(argv[1]) : 1000000;
    char dir[4096] = "/tmp/vigil-bench-intel-XXXXXX";
    bool write_only = argc > 3 && strcmp(argv[2], "write") == 0;
    if (write_only)
        snprintf(dir, sizeof dir, "%s", argv[3]); /* bench_intel N write DIR: the files only */
    else if (!mkdtemp(dir))
        return 1;
    char pd[4200], pa[4200], ph[4200];
    snprintf(pd, sizeof pd, "%s/domains.txt", dir);
    snprintf(pa, sizeof pa, "%s/addresses.txt", dir);
    snprintf(ph, sizeof ph, "%s/sha256.txt", dir);
    FILE *fd = fopen(pd, "w"), *fa = fopen(pa, "w"), *fh = fopen(ph, "w");
    char buf[256];
    for (long i = 0; i < n; i++) {
        domain((uint64_t)i, buf, sizeof buf);
        fprintf(fd, "%s\n", buf);
        uint32_t a = (uint32_t)(i * 2654435761u) ^ 0x5a000000u;
        if (i % 10 == 0)
            fprintf(fa, "%u.%u.%u.0/24\n", a >> 24, (a >> 16) & 255, (a >> 8) & 255);
        else
            fprintf(fa, "%u.%u.%u.%u\n", a >> 24, (a >> 16) & 255, (a >> 8) & 255, a & 255);
        uint64_t h1 = (uint64_t)i * 0xd6e8feb86659fd93ull, h2 = h1 ^ 0x243f6a8885a308d3ull;
        fprintf(fh, "%016llx%016llx%016llx%016llx\n", (unsigned long long)h1,
                (unsigned long long)h2, (unsigned long long)(h1 * 3), (unsigned long long)(h2 * 5));
    }
    fclose(fd);
    fclose(fa);
    fclose(fh);
    if (write_only)
        return 0;
    long rss0 = rss_kb("VmRSS:");
    double t0 = now(), c0 = cpu();
    struct intel_builder *b = intel_builder_new();
    struct intel_load_opts o;
    intel_load_opts_init(&o);
    struct intel_load_stats st = {0};
    char err[256];
    o.kind = INTEL_KIND_DOMAIN;
    intel_load_file(b, pd, &o, &st, err, sizeof err);
    o.kind = INTEL_KIND_ADDR;
    intel_load_file(b, pa, &o, &st, err, sizeof err);
    o.kind = INTEL_KIND_FILE_SHA256;
    intel_load_file(b, ph, &o, &st, err, sizeof err);
    double t1 = now(), c1 = cpu();
    struct intel_set *s = intel_builder_finish(b, 1);
    double t2 = now(), c2 = cpu();
    long rss1 = rss_kb("VmRSS:"), hwm = rss_kb("VmHWM:");
    printf("loaded %zu values (%zu invalid) from 3 files: parse %.2f s + build %.2f s = %.2f s "
           "wall, %.2f s CPU (parse %.2f + build %.2f)\n",
           st.values, st.invalid, t1 - t0, t2 - t1, t2 - t0, c2 - c0, c1 - c0, c2 - c1);
    printf("memory: set %.1f MB; process RSS +%.1f MB (peak RSS %.1f MB)\n",
           (double)intel_set_memory(s) / 1e6, (double)(rss1 - rss0) / 1e3, (double)hwm / 1e3);

    if (argc > 2 && strcmp(argv[2], "load") == 0)
        return 0;
    double dep_ns = 0; /* one dependent random load, measured below */
    {
        /* the machine's ceiling in the same run: random 8-byte loads from
         * 64 MB (huge pages, as the set's table), independent (the most a
         * batch can overlap) and dependent (one lone lookup's latency) */
        size_t nwords = (64u << 20) / 8;
        uint64_t *mem = mmap(NULL, nwords * 8, PROT_READ | PROT_WRITE,
                             MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (mem != MAP_FAILED) {
            madvise(mem, nwords * 8, MADV_HUGEPAGE);
            for (size_t i = 0; i < nwords; i++)
                mem[i] = i * 0x9e3779b97f4a7c15ull;
            enum { LOADS = 2000000 };
            uint64_t x = 1, acc = 0;
            double m0 = cpu();
            for (int i = 0; i < LOADS; i++) {
                x = x * 6364136223846793005ull + 1442695040888963407ull;
                acc += mem[(x >> 20) & (nwords - 1)];
            }
            double m1 = cpu();
            uint64_t y = 1;
            for (int i = 0; i < LOADS; i++)
                y = mem[((y + (uint64_t)i) * 0x9e3779b97f4a7c15ull >> 20) & (nwords - 1)] | 1;
            double m2 = cpu();
            dep_ns = (m2 - m1) / LOADS * 1e9;
            printf("memory of this machine now: %.1f M independent random loads/s; a dependent "
                   "load %.0f ns (%.1f M/s)\n",
                   LOADS / (m1 - m0) / 1e6, (m2 - m1) / LOADS * 1e9, LOADS / (m2 - m1) / 1e6);
            munmap(mem, nwords * 8);
            if ((acc ^ y) == 42)
                printf(" \n");
        }
    }
    long Q = argc > 3 && strcmp(argv[2], "write") != 0 ? atol(argv[3]) : 4000000;
    if (Q < 64 || Q % 16) {
        fprintf(stderr, "bench_intel: QUERIES must be a multiple of 16, at least 64\n");
        return 2;
    }
    long D = Q / 4, HOT = D < 20000 ? D : 20000;
    struct intel_hit h[INTEL_MAX_HITS];
    volatile uint64_t sink = 0;
    /* queries: half present, half absent; traffic-like ("hot": 20,000
     * distinct values, as a network's working set of names, addresses and
     * files in a few minutes) and uniform over the whole set ("cold": every
     * lookup a cache miss) */
    char (*names)[64] = malloc((size_t)D * 64);
    struct ip_address *addrs = malloc(sizeof *addrs * D);
    uint8_t (*hs)[32] = malloc((size_t)D * 32);
    for (long i = 0; i < D; i++) {
        long k = (long)(next() % (uint64_t)n);
        if (i & 1)
            domain((uint64_t)k, names[i], 64);
        else
            snprintf(names[i], 64, "www.absent%ld.example.com", k);
        memset(&addrs[i], 0, sizeof addrs[i]);
        addrs[i].family = 4;
        uint32_t a = (i & 1) ? ((uint32_t)(k * 2654435761u) ^ 0x5a000000u) : (uint32_t)next();
        a = htonl(a);
        memcpy(addrs[i].addr.u8 + 12, &a, 4);
        uint64_t h1 = (uint64_t)k * 0xd6e8feb86659fd93ull, h2 = h1 ^ 0x243f6a8885a308d3ull;
        uint64_t w[4] = {h1, h2, h1 * 3, h2 * 5};
        for (int j = 0; j < 4; j++)
            for (int b8 = 0; b8 < 8; b8++)
                hs[i][j * 8 + b8] = (uint8_t)(w[j] >> (56 - 8 * b8));
        if (!(i & 1))
            hs[i][0] ^= 0x55;
    }
    static const char *const kinds[] = {"domains", "addresses", "sha256"};
    /* bench_intel N domains|addresses|sha256: that kind only */
    const char *only = argc > 2 && strcmp(argv[2], "write") != 0 ? argv[2] : NULL;
    for (int kind = 0; kind < 3; kind++) {
        if (only && strcmp(only, kinds[kind]) != 0)
            continue;
        for (int pass = 0; pass < 2; pass++) {
            long distinct = pass == 0 ? HOT : D;
            double b0 = cpu();
            for (long i = 0; i < Q; i++) {
                long j = i % distinct;
                if (kind == 0)
                    sink += intel_hash_bytes(names[j], strlen(names[j]), 1);
                else if (kind == 1)
                    sink += intel_hash_bytes(addrs[j].addr.u8 + 12, 4, 1);
                else
                    sink += intel_hash_bytes(hs[j], 32, 1);
            }
            double b1 = cpu();
            unsigned long hits = 0;
            for (long i = 0; i < Q; i++) {
                long j = i % distinct;
                if (kind == 0)
                    hits += intel_set_lookup_domain(s, names[j], strlen(names[j]), h,
                                                    INTEL_MAX_HITS);
                else if (kind == 1)
                    hits += intel_set_lookup_addr(s, &addrs[j], h, INTEL_MAX_HITS);
                else
                    hits += intel_set_lookup(s, INTEL_KIND_FILE_SHA256, hs[j], 32, h, 4);
            }
            double b2 = cpu();
            /* the time of a lookup in dependent loads of this run: the
             * figure the machine's load moves least (a lone lookup that
             * misses the caches is 1-2 of them) */
            printf("%-9s %-4s: %5.1f M lookups/s per core (%lu hits of %ld); hashing the keys "
                   "only: %5.1f M/s; ratio %.2f; %.2f dependent loads per lookup\n",
                   kinds[kind], pass == 0 ? "hot" : "cold", Q / (b2 - b1) / 1e6, hits, Q,
                   Q / (b1 - b0) / 1e6, (b2 - b1) / (b1 - b0),
                   dep_ns > 0 ? (b2 - b1) / (double)Q * 1e9 / dep_ns : 0.0);
            /* batched: the values of a packet / transaction / file together */
            static const unsigned sizes[] = {2, 4, 16};
            for (unsigned si = 0; si < sizeof sizes / sizeof sizes[0]; si++) {
                unsigned bs = sizes[si];
                static struct intel_query q[16];
                unsigned long bhits = 0;
                double c0b = cpu();
                for (long i = 0; i < Q; i += bs) {
                    for (unsigned k = 0; k < bs; k++) {
                        long j = (i + k) % distinct;
                        if (kind == 0) {
                            q[k].kind = INTEL_KIND_DOMAIN;
                            q[k].value = names[j];
                            q[k].len = strlen(names[j]);
                        } else if (kind == 1) {
                            q[k].kind = INTEL_KIND_ADDR;
                            q[k].value = &addrs[j];
                        } else {
                            q[k].kind = INTEL_KIND_FILE_SHA256;
                            q[k].value = hs[j];
                            q[k].len = 32;
                        }
                    }
                    bhits += intel_set_lookup_batch(s, q, bs);
                }
                double c1b = cpu();
                printf("%-9s %-4s: batches of %2u: %5.1f M lookups/s per core (%lu hits); "
                       "ratio to single lookups %.2f\n",
                       kinds[kind], pass == 0 ? "hot" : "cold", bs, Q / (c1b - c0b) / 1e6,
                       bhits, (c1b - c0b) / (b2 - b1));
                if (bhits != hits)
                    printf("  MISMATCH: batched hits %lu, single %lu\n", bhits, hits);
            }
        }
    }
    (void)sink;
    intel_set_free(s);
    unlink(pd);
    unlink(pa);
    unlink(ph);
    rmdir(dir);
    free(names);
    free(addrs);
    free(hs);
    return 0;
}
