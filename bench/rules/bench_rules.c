/* SPDX-License-Identifier: Apache-2.0 */
/* Rule loading benchmark: loads ET Open (Suricata and Snort editions) and
 * reports rules loaded/failed by reason, parse time, engine build time
 * (Hyperscan) and peak RSS, against the targets (>= 97% loaded,
 * parse + build < 2.5 s, < 150 MB). Each edition runs in its own process so
 * its peak RSS is its own. Times are wall clock and process CPU; on a busy
 * machine the CPU time is the meaningful one. The baseline is reading the
 * same files and splitting them into lines, measured in the same run.
 *
 * usage: bench_rules [SHARED_DIR]   (default $VIGIL_SHARED or ../shared)
 * BENCH_PORT_GROUPS=N and BENCH_PATTERNS_PER_DB=N set the engine options. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "detect/detect_engine.h"
#include "detect/rule_set.h"

static double wall(void)
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

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int list_rules(const char *dir, char ***out)
{
    DIR *d = opendir(dir);
    if (!d)
        return -1;
    int n = 0, cap = 0;
    char **v = NULL;
    struct dirent *e;
    while ((e = readdir(d))) {
        size_t l = strlen(e->d_name);
        if (l < 7 || strcmp(e->d_name + l - 6, ".rules") != 0)
            continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 64;
            v = realloc(v, (size_t)cap * sizeof(*v));
        }
        size_t pl = strlen(dir) + l + 2;
        v[n] = malloc(pl);
        snprintf(v[n], pl, "%s/%s", dir, e->d_name);
        n++;
    }
    closedir(d);
    qsort(v, (size_t)n, sizeof(*v), cmp_str);
    *out = v;
    return n;
}

/* Baseline: read every file and count lines. */
static double baseline_read(char **files, int n, size_t *lines)
{
    double t0 = cpu();
    char buf[1 << 16];
    *lines = 0;
    for (int i = 0; i < n; i++) {
        FILE *f = fopen(files[i], "rb");
        if (!f)
            continue;
        size_t r;
        while ((r = fread(buf, 1, sizeof(buf), f)) > 0)
            for (size_t k = 0; k < r; k++)
                *lines += buf[k] == '\n';
        fclose(f);
    }
    return cpu() - t0;
}

/* Payload inspection: synthetic to-server traffic on port 80 from
 * 192.168.1.10 to 93.184.216.34 (HTTP-like
 * requests and binary segments, 1460-byte packets) through the prefilter of
 * the packet's groups, then full verification of each candidate's payload
 * lists (ip-only candidates are skipped: the packet path checks them once
 * per flow direction). Baseline: summing the same bytes (one plain read). */
static void bench_payload(const struct detect_engine *de, struct detect_thread_ctx *tc,
                          const struct rule_set *rs)
{
    const size_t pkt = 1460, npkts = 20000;
    uint8_t *data = malloc(pkt * npkts);
    if (!data)
        return;
    uint32_t seed = 12345;
    const char *tmpl[] = {"GET /index.php?id=%u&q=search HTTP/1.1\r\nHost: www.example%u.com\r\n"
                          "User-Agent: Mozilla/5.0 (Windows NT 10.0; Win64; x64)\r\nAccept: */*\r\n"
                          "Cookie: session=%u\r\n\r\n",
                          "POST /api/v1/upload/%u HTTP/1.1\r\nHost: cdn%u.example.net\r\n"
                          "Content-Type: application/octet-stream\r\nContent-Length: %u\r\n\r\n"};
    for (size_t i = 0; i < npkts; i++) {
        uint8_t *p = data + i * pkt;
        if (i % 2 == 0) {
            size_t off = 0;
            while (off < pkt) {
                char line[512];
                seed = seed * 1103515245u + 12345u;
                int n = snprintf(line, sizeof(line), tmpl[(seed >> 16) & 1], seed % 9973, seed % 97,
                                 seed % 65536);
                size_t take = (size_t)n < pkt - off ? (size_t)n : pkt - off;
                memcpy(p + off, line, take);
                off += take;
            }
        } else {
            for (size_t k = 0; k < pkt; k++) {
                seed = seed * 1103515245u + 12345u;
                p[k] = (uint8_t)(seed >> 16);
            }
        }
    }
    double b0 = cpu();
    volatile uint64_t sink = 0;
    for (int rep = 0; rep < 20; rep++) {
        uint64_t sum = 0;
        for (size_t i = 0; i < pkt * npkts; i++)
            sum += data[i];
        sink += sum;
    }
    double base = (cpu() - b0) / 20;
    const struct detect_group *g[2];
    unsigned ng = detect_engine_groups(de, DETECT_TRANSPORT_TCP, true, 80, g);
    uint64_t cands = 0, verified = 0, matches = 0, iponly = 0;
    double t0 = cpu();
    for (size_t i = 0; i < npkts; i++) {
        const uint8_t *p = data + i * pkt;
        detect_candidates_reset(tc);
        for (unsigned k = 0; k < ng; k++) {
            detect_prefilter_scan(g[k], 0, p, (uint32_t)pkt, tc);
            /* 192.168.1.10 -> 93.184.216.34 (HOME_NET to EXTERNAL_NET) */
            detect_candidates_add_nonprefilter_addr(g[k], rule_ip_from_v4(0xc0a8010a),
                                                    rule_ip_from_v4(0x5db8d822), tc);
        }
        const uint32_t *ids;
        uint32_t n = detect_candidates_get(tc, &ids);
        cands += n;
        for (uint32_t c = 0; c < n; c++) {
            const struct rule *r = rule_set_get(rs, ids[c]);
            if (r->flags & RULE_FLAG_IPONLY) {
                iponly++;
                continue;
            }
            bool all = r->nbuffers > 0;
            for (uint32_t b = 0; b < r->nbuffers && all; b++) {
                if (r->buffers[b].buffer_id != 0) {
                    all = false;
                    break;
                }
                verified++;
                all = detect_buffer_inspect(r, &r->buffers[b], p, (uint32_t)pkt, tc);
            }
            matches += all;
        }
    }
    double t = cpu() - t0;
    double mb = (double)(pkt * npkts) / 1048576.0;
    printf("payload: %.1f MB of to-server port-80 packets: %.1f MB/s (prefilter + verification), "
           "baseline byte sum %.0f MB/s, ratio 1/%.0f; %.1f candidates/packet of which %.1f "
           "ip-only (skipped), %.1f lists verified/packet, %llu matches%s\n",
           mb, mb / t, mb / base, base > 0 ? t / base : 0.0, (double)cands / npkts,
           (double)iponly / npkts, (double)verified / npkts, (unsigned long long)matches,
           sink ? "" : " ");
    free(data);
}

static int run_edition(const char *name, const char *dir)
{
    char **files;
    int n = list_rules(dir, &files);
    if (n <= 0) {
        fprintf(stderr, "bench_rules: no .rules files in %s\n", dir);
        return 1;
    }
    size_t lines;
    double base = baseline_read(files, n, &lines);
    base = baseline_read(files, n, &lines); /* warm cache */
    char cls[4200];
    snprintf(cls, sizeof(cls), "%.4000s/classification.config", dir);
    double w0 = wall(), c0 = cpu();
    struct rule_set *rs = rule_set_new(NULL);
    char err[512];
    if (rule_set_load_classification(rs, cls, err, sizeof(err)) != 0)
        fprintf(stderr, "bench_rules: %s (continuing without)\n", err);
    for (int i = 0; i < n; i++)
        rule_set_load_file(rs, files[i], NULL);
    rule_set_finalize(rs);
    double w1 = wall(), c1 = cpu();
    struct detect_engine_stats es;
    struct detect_engine_options opt = {0};
    if (getenv("BENCH_PORT_GROUPS"))
        opt.max_port_groups = (uint32_t)atoi(getenv("BENCH_PORT_GROUPS"));
    if (getenv("BENCH_PATTERNS_PER_DB"))
        opt.patterns_per_db = (uint32_t)atoi(getenv("BENCH_PATTERNS_PER_DB"));
    struct detect_engine *de = detect_engine_build(rs, &opt, &es, err, sizeof(err));
    double w2 = wall(), c2 = cpu();
    if (!de) {
        fprintf(stderr, "bench_rules: engine build failed: %s\n", err);
        return 1;
    }
    struct detect_thread_ctx *tc = detect_thread_ctx_new(de);
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    const struct rule_load_stats *st = rule_set_stats(rs);
    uint32_t total = st->loaded + st->failed;
    double pct = total ? 100.0 * st->loaded / total : 0;
    printf("== %s (%d files, %zu lines)\n", name, n, lines);
    printf("rules: %u loaded, %u failed (%.2f%% loaded), %u commented-out not counted\n",
           st->loaded, st->failed, pct, st->commented);
    if (st->failed) {
        printf("failures by reason:\n");
        rule_set_print_reasons(rs, stdout);
    }
    printf("parse:  %.3f s wall, %.3f s cpu (baseline read+split %.3f s cpu, ratio %.1fx)\n",
           w1 - w0, c1 - c0, base, base > 0 ? (c1 - c0) / base : 0.0);
    printf("build:  %.3f s wall, %.3f s cpu; %u groups, %u databases, %u patterns, "
           "%.1f MB databases, %u rules without prefilter (summed over groups)\n",
           w2 - w1, c2 - c1, es.groups, es.databases, es.patterns,
           (double)es.database_bytes / 1048576.0, es.non_prefilter_rules);
    printf("total:  %.3f s wall, %.3f s cpu; peak RSS %.1f MB (with one worker context)\n", w2 - w0,
           c2 - c0, (double)ru.ru_maxrss / 1024.0);
    printf("targets: loaded >= 97%%: %s; parse+build < 2.5 s cpu: %s; peak < 150 MB: %s\n",
           pct >= 97.0 ? "met" : "MISSED", (c2 - c0) < 2.5 ? "met" : "MISSED",
           ru.ru_maxrss < 150 * 1024 ? "met" : "MISSED");
    fflush(stdout);
    if (tc)
        bench_payload(de, tc, rs);
    fflush(stdout);
    detect_thread_ctx_free(tc);
    detect_engine_free(de);
    rule_set_free(rs);
    for (int i = 0; i < n; i++)
        free(files[i]);
    free(files);
    return 0;
}

int main(int argc, char **argv)
{
    const char *shared = argc > 1 ? argv[1] : getenv("VIGIL_SHARED");
    if (!shared)
        shared = "../shared";
    const char *editions[][2] = {{"ET Open, Suricata edition", "rules/et-open-suricata/rules"},
                                 {"ET Open, Snort 2.9 edition", "rules/et-open-snort/rules"}};
    int rc = 0;
    for (size_t i = 0; i < 2; i++) {
        char dir[4096];
        snprintf(dir, sizeof(dir), "%s/%s", shared, editions[i][1]);
        fflush(stdout);
        pid_t pid = fork();
        if (pid == 0)
            _exit(run_edition(editions[i][0], dir));
        int status = 0;
        if (pid < 0 || waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) ||
            WEXITSTATUS(status) != 0)
            rc = 1;
    }
    return rc;
}
