/* SPDX-License-Identifier: Apache-2.0 */
/* What a rule reload relies on in src/detect: content-addressed Hyperscan
 * databases (shared between engines, cached on disk, verified on load), the
 * content-defined split of pattern sets, and rule sets that take over their
 * predecessor's unchanged rules and flowbit ids. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "detect/detect_buffer.h"
#include "detect/detect_engine.h"
#include "detect/detect_hsdb.h"
#include "detect/rule_set.h"
#include "test.h"

static char tmpdir[] = "/tmp/vigil-test-reload-XXXXXX";

static int count_files(const char *dir, const char *suffix)
{
    DIR *d = opendir(dir);
    int n = 0;
    for (struct dirent *e; d && (e = readdir(d));) {
        size_t l = strlen(e->d_name), sl = strlen(suffix);
        if (l > sl && strcmp(e->d_name + l - sl, suffix) == 0)
            n++;
    }
    if (d)
        closedir(d);
    return n;
}

static void test_hsdb(void)
{
    const char *words[] = {"alpha", "bravo", "charlie", "delta"};
    struct hsdb_pattern p[4];
    for (int i = 0; i < 4; i++) {
        p[i].bytes = (const uint8_t *)words[i];
        p[i].len = (uint16_t)strlen(words[i]);
        p[i].flags = HS_FLAG_SINGLEMATCH;
    }
    char err[256];
    struct hsdb_request rq[3] = {{.pats = p, .n = 4}, {.pats = p, .n = 4}, {.pats = p, .n = 3}};
    struct hsdb_stats st = {0};
    CHECK_EQ_INT(hsdb_acquire_batch(rq, 3, 2, &st, err, sizeof err), 0);
    CHECK(rq[0].db && rq[0].db == rq[1].db); /* same content, same object */
    CHECK(rq[2].db && rq[2].db != rq[0].db);
    CHECK_EQ_INT(st.compiled, 2);
    CHECK_EQ_INT(count_files(tmpdir, ".hs"), 2); /* written to the cache */

    /* Still in memory: shared, nothing read or compiled. */
    struct hsdb_request again = {.pats = p, .n = 4};
    struct hsdb_stats st2 = {0};
    CHECK_EQ_INT(hsdb_acquire_batch(&again, 1, 1, &st2, err, sizeof err), 0);
    CHECK(again.db == rq[0].db);
    CHECK_EQ_INT(st2.memory_hits, 1);
    CHECK_EQ_INT(st2.compiled, 0);
    uint32_t count;
    size_t bytes;
    hsdb_memory_usage(&count, &bytes);
    CHECK_EQ_INT(count, 2);
    CHECK(bytes > 0);
    hsdb_release(again.db);
    for (int i = 0; i < 3; i++)
        hsdb_release(rq[i].db);
    hsdb_memory_usage(&count, &bytes);
    CHECK_EQ_INT(count, 0);

    /* Gone from memory: read back from disk, and it still matches. */
    struct hsdb_stats st3 = {0};
    struct hsdb_request fromdisk = {.pats = p, .n = 4};
    CHECK_EQ_INT(hsdb_acquire_batch(&fromdisk, 1, 1, &st3, err, sizeof err), 0);
    CHECK_EQ_INT(st3.disk_hits, 1);
    CHECK_EQ_INT(st3.compiled, 0);
    hs_scratch_t *scratch = NULL;
    CHECK(hs_alloc_scratch(hsdb_database(fromdisk.db), &scratch) == HS_SUCCESS);
    hsdb_release(fromdisk.db);
    hs_free_scratch(scratch);

    /* A corrupted file is refused, rebuilt and rewritten. */
    DIR *d = opendir(tmpdir);
    for (struct dirent *e; d && (e = readdir(d));) {
        if (!strstr(e->d_name, ".hs"))
            continue;
        char path[512];
        snprintf(path, sizeof path, "%s/%s", tmpdir, e->d_name);
        FILE *f = fopen(path, "r+b");
        if (f) {
            fseek(f, -3, SEEK_END);
            fputc('X', f);
            fclose(f);
        }
    }
    if (d)
        closedir(d);
    struct hsdb_stats st4 = {0};
    struct hsdb_request bad[2] = {{.pats = p, .n = 4}, {.pats = p, .n = 3}};
    CHECK_EQ_INT(hsdb_acquire_batch(bad, 2, 1, &st4, err, sizeof err), 0);
    CHECK_EQ_INT(st4.disk_rejected, 2);
    CHECK_EQ_INT(st4.compiled, 2);
    CHECK_EQ_INT(count_files(tmpdir, ".hs"), 2);
    hsdb_release(bad[0].db);
    hsdb_release(bad[1].db);
    struct hsdb_stats st5 = {0};
    struct hsdb_request good = {.pats = p, .n = 4};
    CHECK_EQ_INT(hsdb_acquire_batch(&good, 1, 1, &st5, err, sizeof err), 0);
    CHECK_EQ_INT(st5.disk_hits, 1);
    hsdb_release(good.db);

    /* A pattern Hyperscan refuses (an unknown flag) fails the batch cleanly. */
    struct hsdb_pattern empty = {.bytes = (const uint8_t *)"x", .len = 1, .flags = 1u << 30};
    struct hsdb_request failing[2] = {{.pats = p, .n = 2}, {.pats = &empty, .n = 1}};
    CHECK(hsdb_acquire_batch(failing, 2, 1, NULL, err, sizeof err) < 0);
    CHECK(failing[0].db == NULL && failing[1].db == NULL);
    hsdb_memory_usage(&count, NULL);
    CHECK_EQ_INT(count, 0);
}

/* Rules with distinct fast patterns, numbered from first. */
static char *make_rules(int first, int n, const char *extra)
{
    size_t cap = (size_t)n * 200 + 4096;
    char *buf = malloc(cap);
    size_t off = 0;
    off += (size_t)snprintf(buf + off, cap - off,
                            "alert tcp any any -> any any (msg:\"set\"; flow:to_server; "
                            "content:\"login\"; flowbits:set,logged_in; flowbits:noalert; "
                            "sid:1;)\n");
    for (int i = first; i < first + n; i++)
        off += (size_t)snprintf(buf + off, cap - off,
                                "alert tcp any any -> any 80 (msg:\"r%d\"; "
                                "content:\"pattern-%06d-xyz\"; sid:%d;)\n",
                                i, i * 7919 % 1000003, 1000 + i);
    if (extra)
        off += (size_t)snprintf(buf + off, cap - off, "%s\n", extra);
    return buf;
}

static struct rule_set *load(const char *text, const struct rule_set *prev)
{
    struct rule_set *rs = rule_set_new(NULL);
    if (prev)
        CHECK_EQ_INT(rule_set_inherit(rs, prev), 0);
    CHECK_EQ_INT(rule_set_load_buffer(rs, text, strlen(text), "test.rules", NULL), 0);
    rule_set_finalize(rs);
    return rs;
}

/* Prefilter candidates (by sid) of both engines for payloads holding old,
 * new and removed patterns are the same. */
static void check_same_candidates(const struct detect_engine *a, const struct detect_engine *b,
                                  const struct rule_set *ra, const struct rule_set *rb)
{
    struct detect_thread_ctx *ca = detect_thread_ctx_new(a), *cb = detect_thread_ctx_new(b);
    CHECK(ca && cb);
    char payload[4096];
    int checked = 0;
    for (int round = 0; ca && cb && round < 40; round++) {
        size_t off = 0;
        for (int k = 0; k < 12; k++) {
            int i = (round * 37 + k * 101) % 620;
            off += (size_t)snprintf(payload + off, sizeof payload - off, "..pattern-%06d-xyz..",
                                    i * 7919 % 1000003);
        }
        if (round % 3 == 0)
            off += (size_t)snprintf(payload + off, sizeof payload - off, "pattern-500000-xyy");
        const struct detect_group *ga[2], *gb[2];
        unsigned na = detect_engine_groups(a, DETECT_TRANSPORT_TCP, true, 80, ga);
        unsigned nb = detect_engine_groups(b, DETECT_TRANSPORT_TCP, true, 80, gb);
        CHECK_EQ_INT(na, nb);
        detect_candidates_reset(ca);
        detect_candidates_reset(cb);
        for (unsigned g = 0; g < na; g++)
            detect_prefilter_scan(ga[g], DETECT_BUFFER_PAYLOAD, (const uint8_t *)payload,
                                  (uint32_t)off, ca);
        for (unsigned g = 0; g < nb; g++)
            detect_prefilter_scan(gb[g], DETECT_BUFFER_PAYLOAD, (const uint8_t *)payload,
                                  (uint32_t)off, cb);
        const uint32_t *ia, *ib;
        uint32_t xa = detect_candidates_get(ca, &ia), xb = detect_candidates_get(cb, &ib);
        CHECK_EQ_INT(xa, xb);
        for (uint32_t k = 0; k < xa && k < xb; k++)
            CHECK_EQ_INT(rule_set_get(ra, ia[k])->sid, rule_set_get(rb, ib[k])->sid);
        checked += xa > 0;
    }
    CHECK(checked > 30);
    detect_thread_ctx_free(ca);
    detect_thread_ctx_free(cb);
}

static void test_engines_share(void)
{
    char err[256];
    struct detect_engine_options opt = {.patterns_per_db = 64, .compile_threads = 2};
    char *t1 = make_rules(0, 600, NULL);
    struct rule_set *rs1 = load(t1, NULL);
    CHECK_EQ_INT(rule_set_stats(rs1)->loaded, 601);
    struct detect_engine_stats s1;
    struct detect_engine *e1 = detect_engine_build(rs1, &opt, &s1, err, sizeof err);
    CHECK(e1 != NULL);
    CHECK(s1.databases >= 600 / 64);
    CHECK_EQ_INT(s1.db_compiled + s1.db_from_disk, s1.databases);

    /* The same rules again, beside the running engine: every rule and every
     * database is shared. */
    struct rule_set *rs2 = load(t1, rs1);
    CHECK_EQ_INT(rule_set_reused_count(rs2), 601);
    struct detect_engine_stats s2;
    struct detect_engine *e2 = detect_engine_build(rs2, &opt, &s2, err, sizeof err);
    CHECK(e2 != NULL);
    CHECK_EQ_INT(s2.db_shared, s2.databases);
    CHECK_EQ_INT(s2.db_compiled, 0);
    CHECK_EQ_INT(s2.database_bytes_new, 0);
    CHECK(detect_engine_generation(e2) > detect_engine_generation(e1));

    /* One rule added in the middle of the pattern order, one removed: the
     * content-defined split changes only the databases around them. */
    char extra[256];
    snprintf(extra, sizeof extra,
             "alert tcp any any -> any 80 (msg:\"new\"; content:\"pattern-500000-xyy\"; "
             "flowbits:isset,logged_in; flowbits:set,new_bit; sid:99999;)");
    char *t3 = make_rules(1, 599, extra);
    struct rule_set *rs3 = load(t3, rs2);
    CHECK_EQ_INT(rule_set_reused_count(rs3), 600);
    CHECK_EQ_INT(rule_set_stats(rs3)->loaded, 601);
    /* Flowbit ids carried over; the new name comes after them. */
    CHECK_EQ_INT(rule_set_var_lookup(rs3, RULE_VAR_FLOWBIT, "logged_in"),
                 rule_set_var_lookup(rs1, RULE_VAR_FLOWBIT, "logged_in"));
    CHECK_EQ_INT(rule_set_var_lookup(rs3, RULE_VAR_FLOWBIT, "new_bit"),
                 rule_set_var_count(rs1, RULE_VAR_FLOWBIT));
    /* That change as a reload beside e2 (no disk cache): the changed
     * databases are covered by e2's plus one small delta, and prefiltering
     * finds exactly the candidates of an engine built from scratch (e3). */
    hsdb_cache_configure(NULL, 0, NULL, 0);
    struct rule_set *rs4 = load(t3, rs2);
    struct detect_engine_options ropt = opt;
    ropt.prev = e2;
    struct detect_engine_stats s4;
    struct detect_engine *e4 = detect_engine_build(rs4, &ropt, &s4, err, sizeof err);
    CHECK(e4 != NULL);
    CHECK_EQ_INT(s4.db_delta, 1);
    CHECK_EQ_INT(s4.db_compiled, 1);
    hsdb_cache_configure(tmpdir, 3600, err, sizeof err);
    struct detect_engine_stats s3;
    struct detect_engine *e3 = detect_engine_build(rs3, &opt, &s3, err, sizeof err);
    CHECK(e3 != NULL);
    CHECK(s3.db_compiled >= 1);
    CHECK(s3.db_compiled <= 4);
    CHECK(s3.db_shared + s3.db_from_disk >= s3.databases - 4);

    check_same_candidates(e3, e4, rs3, rs4);
    detect_engine_free(e4);
    rule_set_free(rs4);

    /* Old engines go in any order; shared rules and databases live on. */
    detect_engine_free(e1);
    rule_set_free(rs1);
    detect_engine_free(e3);
    rule_set_free(rs3);
    CHECK(rule_set_find(rs2, 1, 1000) != NULL);
    CHECK_EQ_STR(rule_set_find(rs2, 1, 1000)->msg, "r0");
    detect_engine_free(e2);
    rule_set_free(rs2);
    uint32_t count;
    hsdb_memory_usage(&count, NULL);
    CHECK_EQ_INT(count, 0);

    /* A different variable context: nothing is shared (rules mean
     * something else). */
    struct rule_set *a = load(t1, NULL);
    struct rule_set *b = rule_set_new(NULL);
    rule_set_set_var(b, "HOME_NET", "10.0.0.0/8", false);
    CHECK_EQ_INT(rule_set_inherit(b, a), 0);
    rule_set_load_buffer(b, t1, strlen(t1), "test.rules", NULL);
    CHECK_EQ_INT(rule_set_reused_count(b), 0);
    rule_set_free(a);
    rule_set_finalize(b);
    rule_set_free(b);
    free(t1);
    free(t3);
}

/* The file loader reads in blocks: lines, CRLF endings and backslash
 * continuations that straddle a block boundary load exactly as from one
 * buffer (same rules, same failures at the same line numbers). */
static void test_loader_blocks(void)
{
    size_t cap = 400000, off = 0;
    char *text = malloc(cap);
    int sid = 1;
    while (off < cap - 2000) {
        int kind = sid % 5;
        if (kind == 0)
            off += (size_t)snprintf(text + off, cap - off, "# comment %d\r\n\n", sid);
        else if (kind == 1)
            off += (size_t)snprintf(text + off, cap - off,
                                    "alert tcp any any -> any any (msg:\"m%d\"; \\\r\n"
                                    "  content:\"c%d\"; sid:%d;)\r\n",
                                    sid, sid, sid);
        else if (kind == 2)
            off += (size_t)snprintf(text + off, cap - off, "alert tcp any any -> any any (msg:\"bad\"; "
                                    "nosuchkeyword; sid:%d;)\n", sid);
        else
            off += (size_t)snprintf(text + off, cap - off,
                                    "alert udp any any -> any 53 (msg:\"%0*d\"; sid:%d;)\n",
                                    (sid * 37) % 900 + 1, sid, sid);
        sid++;
    }
    char path[600];
    snprintf(path, sizeof path, "%s/blocks.rules", tmpdir);
    FILE *f = fopen(path, "wb");
    fwrite(text, 1, off, f);
    fclose(f);
    char *r1 = NULL, *r2 = NULL;
    size_t l1 = 0, l2 = 0;
    FILE *rep1 = open_memstream(&r1, &l1), *rep2 = open_memstream(&r2, &l2);
    struct rule_set *a = rule_set_new(NULL), *b = rule_set_new(NULL);
    CHECK_EQ_INT(rule_set_load_buffer(a, text, off, path, rep1), 0);
    CHECK_EQ_INT(rule_set_load_file(b, path, rep2), 0);
    fclose(rep1);
    fclose(rep2);
    CHECK(rule_set_stats(a)->loaded > 1000);
    CHECK_EQ_INT(rule_set_stats(a)->loaded, rule_set_stats(b)->loaded);
    CHECK_EQ_INT(rule_set_stats(a)->failed, rule_set_stats(b)->failed);
    CHECK(l1 > 0 && l1 == l2 && memcmp(r1, r2, l1) == 0);
    for (size_t i = 0; i < rule_set_count(a); i++)
        CHECK(rule_set_get(a, i)->line == rule_set_get(b, i)->line &&
              strcmp(rule_set_get(a, i)->text, rule_set_get(b, i)->text) == 0);
    rule_set_free(a);
    rule_set_free(b);
    free(r1);
    free(r2);
    free(text);
}

int main(void)
{
    if (!mkdtemp(tmpdir)) {
        perror("mkdtemp");
        return 1;
    }
    char err[256];
    CHECK_EQ_INT(hsdb_cache_configure(tmpdir, 3600, err, sizeof err), 0);
    test_hsdb();
    test_engines_share();
    test_loader_blocks();
    /* Prune: nothing is old yet; with an age of 0 s everything older than
     * now goes (files are touched on use). */
    CHECK_EQ_INT(hsdb_cache_prune(), 0);
    hsdb_cache_configure(NULL, 0, NULL, 0);
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf %s", tmpdir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", tmpdir);
    TEST_MAIN_END();
}
