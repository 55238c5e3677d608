/* SPDX-License-Identifier: Apache-2.0 */
/* The indicator set: normalisation, exact and subdomain domains, nested
 * address ranges (checked against a brute-force scan on random data),
 * hashes in their wire forms, values shared by several indicators. */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decode/packet.h"
#include "intel/intel.h"
#include "intel/intel_internal.h"
#include "test.h"

static struct ip_address ip(const char *s)
{
    struct ip_address a;
    memset(&a, 0, sizeof a);
    if (strchr(s, ':')) {
        a.family = 6;
        inet_pton(AF_INET6, s, a.addr.u8);
    } else {
        a.family = 4;
        inet_pton(AF_INET, s, a.addr.u8 + 12);
    }
    return a;
}

static uint32_t meta(struct intel_builder *b, const char *id)
{
    struct intel_meta_in m = {.stix_id = id, .name = id, .confidence = 80, .tlp = "amber",
                              .shared_by = "Org", .source = "test"};
    return intel_builder_add_meta(b, &m);
}

static int add(struct intel_builder *b, enum intel_kind k, const char *v, uint32_t m)
{
    char err[128] = "";
    int rc = intel_builder_add(b, k, v, strlen(v), m, 0, err, sizeof err);
    if (rc)
        fprintf(stderr, "add %s: %s\n", v, err);
    return rc;
}

static const char *meta_id(const struct intel_set *s, const struct intel_hit *h, unsigned i)
{
    return intel_set_meta(s, h->metas[i])->stix_id;
}

static void test_url_normalize(void)
{
    char out[256];
    static const struct {
        const char *in, *want;
    } cases[] = {
        {"http://Evil.Example/a/b", "evil.example/a/b"},
        {"https://evil.example:443/x?Q=1", "evil.example/x?Q=1"},
        {"http://evil.example:8080/x", "evil.example:8080/x"},
        {"evil.example", "evil.example/"},
        {"http://evil.example/a/./b/../c//d", "evil.example/a/c/d"},
        {"http://evil.example/%61%2Fb\\c", "evil.example/a/b/c"},
        {"http://user:pw@evil.example/p#frag", "evil.example/p"},
        {"http://evil.example/p?x=%41#f", "evil.example/p?x=%41"},
        {"http://evil.example/../../etc", "evil.example/etc"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int n = intel_url_normalize(cases[i].in, strlen(cases[i].in), out, sizeof out);
        CHECK(n > 0);
        if (n > 0) {
            out[n] = '\0';
            CHECK_EQ_STR(out, cases[i].want);
        }
    }
}

static void test_kinds(void)
{
    struct intel_builder *b = intel_builder_new();
    uint32_t m1 = meta(b, "indicator--1"), m2 = meta(b, "indicator--2");
    CHECK_EQ_INT(add(b, INTEL_KIND_DOMAIN, "Evil.Example.", m1), 0);
    CHECK_EQ_INT(add(b, INTEL_KIND_DOMAIN, "*.bad.example", m1), 0);
    CHECK_EQ_INT(add(b, INTEL_KIND_DOMAIN, "*.deep.zone.bad.example", m2), 0);
    CHECK_EQ_INT(add(b, INTEL_KIND_DOMAIN, "evil.example", m2), 0); /* shared value */
    CHECK_EQ_INT(add(b, INTEL_KIND_DOMAIN, "bücher.example", m2), 0);
    CHECK(add(b, INTEL_KIND_DOMAIN, "bad..example", m2) != 0);
    CHECK(add(b, INTEL_KIND_DOMAIN, "bad example", m2) != 0);
    CHECK_EQ_INT(add(b, INTEL_KIND_URL, "http://www.evil.example/dl/x.exe", m1), 0);
    CHECK_EQ_INT(add(b, INTEL_KIND_EMAIL, "Mallory <Mallory@Evil.Example>", m1), 0);
    CHECK_EQ_INT(add(b, INTEL_KIND_FILE_MD5, "44D88612FEA8A8F36DE82E1278ABB02F", m1), 0);
    CHECK_EQ_INT(add(b, INTEL_KIND_FILE_MD5,
                     "275a021bbfb6489e54d471899f7db9d1663fc695ec2fe2a2c4538aabf651fd0f", m1), 0);
    CHECK_EQ_INT(add(b, INTEL_KIND_CERT_SHA1, "aa:bb:cc:dd:ee:ff:00:11:22:33:44:55:66:77:88:99:aa:bb:cc:dd", m1), 0);
    CHECK(add(b, INTEL_KIND_JA3, "123", m1) != 0);
    CHECK_EQ_INT(add(b, INTEL_KIND_JA3, "e7d705a3286e19ea42f587b344ee6865", m1), 0);
    CHECK_EQ_INT(add(b, INTEL_KIND_JA4, "t13d1516h2_8daaf6152771_b186095e22b6", m1), 0);
    CHECK_EQ_INT(add(b, INTEL_KIND_ADDR, "192.0.2.1", m1), 0);
    CHECK_EQ_INT(add(b, INTEL_KIND_ADDR, "198.51.100.77/16", m1), 0); /* host bits masked */
    CHECK_EQ_INT(add(b, INTEL_KIND_ADDR, "198.51.100.0/24", m2), 0);
    CHECK_EQ_INT(add(b, INTEL_KIND_ADDR, "2001:db8::/32", m1), 0);
    CHECK_EQ_INT(add(b, INTEL_KIND_ADDR, "::ffff:203.0.113.9", m2), 0);
    CHECK(add(b, INTEL_KIND_ADDR, "192.0.2.1/33", m1) != 0);
    CHECK(add(b, INTEL_KIND_ADDR, "evil.example", m1) != 0);
    CHECK_EQ_INT(add(b, INTEL_KIND_FILE_NAME, "invoice.pdf.exe", m1), 0);
    struct intel_set *s = intel_builder_finish(b, 7);
    CHECK(s != NULL);
    if (!s)
        return;
    CHECK_EQ_INT(intel_set_generation(s), 7);
    struct intel_hit h[INTEL_MAX_HITS];
    unsigned n = intel_set_lookup_domain(s, "EVIL.example", 12, h, INTEL_MAX_HITS);
    CHECK_EQ_INT(n, 1);
    if (n == 1) {
        CHECK_EQ_INT(h[0].meta_count, 2);
        CHECK_EQ_STR(meta_id(s, &h[0], 0), "indicator--1");
        CHECK_EQ_STR(meta_id(s, &h[0], 1), "indicator--2");
        CHECK(!h[0].subdomains);
    }
    CHECK_EQ_INT(intel_set_lookup_domain(s, "www.evil.example", 16, h, INTEL_MAX_HITS), 0);
    CHECK_EQ_INT(intel_set_lookup_domain(s, "bad.example", 11, h, INTEL_MAX_HITS), 1);
    n = intel_set_lookup_domain(s, "a.b.bad.example.", 16, h, INTEL_MAX_HITS);
    CHECK_EQ_INT(n, 1);
    if (n == 1) {
        CHECK(h[0].subdomains);
        CHECK_EQ_INT(h[0].value_len, 11);
    }
    CHECK_EQ_INT(intel_set_lookup_domain(s, "notbad.example", 14, h, INTEL_MAX_HITS), 0);
    /* entries of 2 and 4 labels: both depths probed, the others not */
    n = intel_set_lookup_domain(s, "a.b.deep.zone.bad.example", 25, h, INTEL_MAX_HITS);
    CHECK_EQ_INT(n, 2);
    if (n == 2) {
        CHECK_EQ_INT(h[0].value_len, 21);
        CHECK_EQ_INT(h[1].value_len, 11);
    }
    CHECK_EQ_INT(intel_set_lookup_domain(s, "zone.bad.example", 16, h, INTEL_MAX_HITS), 1);
    CHECK_EQ_INT(intel_set_lookup_domain(s, "xn--bcher-kva.example", 21, h, INTEL_MAX_HITS), 1);
    const char *u = "www.evil.example/dl/x.exe";
    CHECK_EQ_INT(intel_set_lookup(s, INTEL_KIND_URL, u, strlen(u), h, 4), 1);
    CHECK_EQ_INT(intel_set_lookup(s, INTEL_KIND_EMAIL, "<mallory@evil.example>", 22, h, 4), 1);
    CHECK_EQ_INT(intel_set_lookup(s, INTEL_KIND_FILE_MD5, "44d88612fea8a8f36de82e1278abb02f", 32,
                                  h, 4), 1);
    CHECK_EQ_INT(intel_set_lookup(s, INTEL_KIND_FILE_SHA256,
                                  "275A021BBFB6489E54D471899F7DB9D1663FC695EC2FE2A2C4538AABF651FD0F",
                                  64, h, 4), 1);
    CHECK_EQ_INT(intel_set_lookup(s, INTEL_KIND_FILE_SHA1,
                                  "275A021BBFB6489E54D471899F7DB9D1663FC695", 40, h, 4), 0);
    CHECK_EQ_INT(intel_set_lookup(s, INTEL_KIND_CERT_SHA1,
                                  "AABBCCDDEEFF00112233445566778899AABBCCDD", 40, h, 4), 1);
    CHECK_EQ_INT(intel_set_lookup(s, INTEL_KIND_JA3, "e7d705a3286e19ea42f587b344ee6865", 32, h, 4), 1);
    CHECK_EQ_INT(intel_set_lookup(s, INTEL_KIND_JA4, "t13d1516h2_8daaf6152771_b186095e22b6", 36, h, 4), 1);
    CHECK_EQ_INT(intel_set_lookup(s, INTEL_KIND_FILE_NAME, "invoice.pdf.exe", 15, h, 4), 1);
    CHECK_EQ_INT(intel_set_lookup(s, INTEL_KIND_FILE_NAME, "invoice.pdf", 11, h, 4), 0);

    struct ip_address a = ip("192.0.2.1");
    CHECK_EQ_INT(intel_set_lookup_addr(s, &a, h, INTEL_MAX_HITS), 1);
    /* the value of a hit on an address kept in its slot */
    CHECK(h[0].value_len == 4 && memcmp(h[0].value, "\xc0\x00\x02\x01", 4) == 0);
    CHECK_EQ_INT(h[0].prefix_len, 32);
    a = ip("192.0.2.2");
    CHECK_EQ_INT(intel_set_lookup_addr(s, &a, h, INTEL_MAX_HITS), 0);
    a = ip("198.51.100.200");
    n = intel_set_lookup_addr(s, &a, h, INTEL_MAX_HITS);
    CHECK_EQ_INT(n, 2); /* /24 then the enclosing /16 */
    if (n == 2) {
        CHECK_EQ_INT(h[0].prefix_len, 24);
        CHECK_EQ_INT(h[1].prefix_len, 16);
        CHECK_EQ_STR(meta_id(s, &h[0], 0), "indicator--2");
    }
    a = ip("198.51.7.1");
    n = intel_set_lookup_addr(s, &a, h, INTEL_MAX_HITS);
    CHECK_EQ_INT(n, 1);
    a = ip("198.52.0.0");
    CHECK_EQ_INT(intel_set_lookup_addr(s, &a, h, INTEL_MAX_HITS), 0);
    a = ip("2001:db8:ffff::1");
    CHECK_EQ_INT(intel_set_lookup_addr(s, &a, h, INTEL_MAX_HITS), 1);
    a = ip("2001:db9::1");
    CHECK_EQ_INT(intel_set_lookup_addr(s, &a, h, INTEL_MAX_HITS), 0);
    a = ip("203.0.113.9");
    CHECK_EQ_INT(intel_set_lookup_addr(s, &a, h, INTEL_MAX_HITS), 1);
    intel_set_free(s);
}

/* Random nested IPv4 ranges and addresses against a brute-force scan. */
static void test_ranges_random(void)
{
    enum { NR = 3000, NQ = 30000 };
    static uint32_t base[NR];
    static uint8_t plen[NR];
    srand(12345);
    struct intel_builder *b = intel_builder_new();
    uint32_t m = meta(b, "indicator--r");
    for (int i = 0; i < NR; i++) {
        uint32_t x = ((uint32_t)rand() << 16) ^ (uint32_t)rand();
        x = (x & 0x0fffffff) | 0x0a000000u * (uint32_t)(i % 3); /* clustered */
        plen[i] = (uint8_t)(8 + rand() % 25);
        uint32_t mask = plen[i] == 32 ? 0xffffffffu : ~(0xffffffffu >> plen[i]);
        base[i] = x & mask;
        char txt[32];
        snprintf(txt, sizeof txt, "%u.%u.%u.%u/%u", base[i] >> 24, (base[i] >> 16) & 255,
                 (base[i] >> 8) & 255, base[i] & 255, plen[i]);
        add(b, INTEL_KIND_ADDR, txt, m);
    }
    struct intel_set *s = intel_builder_finish(b, 1);
    CHECK(s != NULL);
    int bad = 0;
    for (int q = 0; q < NQ && s; q++) {
        uint32_t x;
        if (q % 2) {
            int i = rand() % NR;
            x = base[i] + (uint32_t)rand() % (plen[i] == 32 ? 1u : (1u << (32 - plen[i])));
        } else {
            x = ((uint32_t)rand() << 16) ^ (uint32_t)rand();
        }
        int best = -1, count = 0;
        for (int i = 0; i < NR; i++) {
            uint32_t mask = plen[i] == 32 ? 0xffffffffu : ~(0xffffffffu >> plen[i]);
            if ((x & mask) == base[i]) {
                bool dup = false;
                for (int j = 0; j < i; j++)
                    if (base[j] == base[i] && plen[j] == plen[i])
                        dup = true;
                if (dup)
                    continue;
                count++;
                if (best < 0 || plen[i] > best)
                    best = plen[i];
            }
        }
        struct ip_address a;
        memset(&a, 0, sizeof a);
        a.family = 4;
        a.addr.u8[12] = (uint8_t)(x >> 24);
        a.addr.u8[13] = (uint8_t)(x >> 16);
        a.addr.u8[14] = (uint8_t)(x >> 8);
        a.addr.u8[15] = (uint8_t)x;
        struct intel_hit h[64];
        unsigned n = intel_set_lookup_addr(s, &a, h, 64);
        if ((int)n != count || (n && h[0].prefix_len != best)) {
            if (bad++ < 5)
                fprintf(stderr, "address %08x: %u hits (want %d), first /%d (want /%d)\n", x, n,
                        count, n ? h[0].prefix_len : -1, best);
        }
    }
    CHECK_EQ_INT(bad, 0);
    intel_set_free(s);
}

static bool same_hits(const struct intel_hit *a, unsigned na, const struct intel_hit *b,
                      unsigned nb)
{
    if (na != nb)
        return false;
    for (unsigned i = 0; i < na; i++)
        if (a[i].kind != b[i].kind || a[i].value != b[i].value ||
            a[i].value_len != b[i].value_len || a[i].prefix_len != b[i].prefix_len ||
            a[i].subdomains != b[i].subdomains || a[i].meta_count != b[i].meta_count ||
            memcmp(a[i].metas, b[i].metas, a[i].meta_count * sizeof *a[i].metas) != 0)
            return false;
    return true;
}

/* Batched lookups give what the single lookups give, with and without the
 * fingerprint filter (sets of 64k+ values have one), for every kind of
 * query: exact and subdomain domains (several hits), addresses in nested
 * ranges, hashes raw and in hex, e-mail forms, values shared by several
 * indicators, absent values, batches larger than one pass. */
static void test_batch(void)
{
    for (int big = 0; big < 2; big++) {
        struct intel_builder *b = intel_builder_new();
        uint32_t m1 = meta(b, "indicator--b1"), m2 = meta(b, "indicator--b2");
        char v[128];
        int nfill = big ? 70000 : 50;
        for (int i = 0; i < nfill; i++) {
            snprintf(v, sizeof v, "fill%d.example.org", i);
            add(b, INTEL_KIND_DOMAIN, v, m1);
            snprintf(v, sizeof v, "%032x", i * 2654435761u);
            add(b, INTEL_KIND_FILE_MD5, v, m1);
        }
        add(b, INTEL_KIND_DOMAIN, "*.evil.example", m1);
        add(b, INTEL_KIND_DOMAIN, "*.b.evil.example", m2);
        add(b, INTEL_KIND_DOMAIN, "a.b.evil.example", m2);
        add(b, INTEL_KIND_DOMAIN, "a.b.evil.example", m1); /* shared */
        add(b, INTEL_KIND_ADDR, "10.0.0.0/8", m1);
        add(b, INTEL_KIND_ADDR, "10.1.0.0/16", m2);
        add(b, INTEL_KIND_ADDR, "10.1.2.3", m1);
        add(b, INTEL_KIND_ADDR, "2001:db8::/32", m1);
        add(b, INTEL_KIND_ADDR, "2001:db8::1", m2);
        add(b, INTEL_KIND_EMAIL, "Bad@Evil.Example", m1);
        add(b, INTEL_KIND_JA3, "e7d705a3286e19ea42f587b344ee6865", m2);
        struct intel_set *s = intel_builder_finish(b, 1);
        CHECK(s != NULL);
        if (!s)
            return;
        static const char *const names[] = {"A.B.Evil.Example.", "x.evil.example", "evil.example",
                                            "fill7.example.org", "fill7.example.org.x",
                                            "absent.test", "b.evil.example", ""};
        static const char *const addrs[] = {"10.1.2.3", "10.1.9.9", "10.200.0.1", "11.0.0.1",
                                            "2001:db8::1", "2001:db8:1::5", "::1"};
        struct intel_query q[40];
        struct ip_address ipa[8];
        char md5[8][40];
        unsigned n = 0;
        for (int rep = 0; rep < 2; rep++) {
            for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
                q[n++] = (struct intel_query){.kind = INTEL_KIND_DOMAIN, .value = names[i],
                                              .len = strlen(names[i])};
            for (size_t i = 0; i < sizeof addrs / sizeof addrs[0]; i++) {
                ipa[i] = ip(addrs[i]);
                q[n++] = (struct intel_query){.kind = INTEL_KIND_ADDR, .value = &ipa[i]};
            }
        }
        for (int i = 0; i < 4; i++) {
            snprintf(md5[i], sizeof md5[i], "%032x", (i * 7 + (i == 3 ? 100000 : 0)) * 2654435761u);
            q[n++] = (struct intel_query){.kind = INTEL_KIND_FILE_MD5, .value = md5[i], .len = 32};
        }
        q[n++] = (struct intel_query){.kind = INTEL_KIND_EMAIL, .value = "<bad@evil.example>",
                                      .len = 18};
        q[n++] = (struct intel_query){.kind = INTEL_KIND_JA3,
                                      .value = "E7:D7:05:A3:28:6E:19:EA:42:F5:87:B3:44:EE:68:65",
                                      .len = 47};
        q[n++] = (struct intel_query){.kind = INTEL_KIND_URL, .value = "x/y", .len = 3};
        unsigned total = intel_set_lookup_batch(s, q, n);
        unsigned want_total = 0, bad = 0;
        for (unsigned i = 0; i < n; i++) {
            struct intel_hit h[INTEL_MAX_HITS];
            unsigned k = q[i].kind == INTEL_KIND_ADDR
                             ? intel_set_lookup_addr(s, q[i].value, h, INTEL_MAX_HITS)
                             : intel_set_lookup(s, q[i].kind, q[i].value, q[i].len, h,
                                                INTEL_MAX_HITS);
            want_total += k;
            if (!same_hits(q[i].hits, q[i].nhits, h, k) && bad++ < 5)
                fprintf(stderr, "batch query %u (kind %d): %u hits, single %u\n", i,
                        (int)q[i].kind, q[i].nhits, k);
        }
        CHECK_EQ_INT(bad, 0);
        CHECK_EQ_INT(total, want_total);
        CHECK(want_total >= 20); /* the queries do hit */
        CHECK_EQ_INT(q[0].nhits, 3); /* exact (one entry, two indicators) + two subdomain entries */
        CHECK_EQ_INT(q[0].hits[0].meta_count, 2);
        intel_set_free(s);
    }
}

/* The word-at-a-time lower-casing of names equals the byte loop for every
 * byte value at every position and length (tails of 1-7 bytes included). */
static void test_lower_ascii(void)
{
    uint8_t in[40], out[48], want[40];
    for (int c = 0; c < 256; c++)
        for (size_t len = 1; len <= 17; len++)
            for (size_t pos = 0; pos < len; pos++) {
                for (size_t i = 0; i < len; i++)
                    in[i] = (uint8_t)("Ab.Z@[`z"[(i + (size_t)c) % 8]);
                in[pos] = (uint8_t)c;
                for (size_t i = 0; i < len; i++)
                    want[i] = (in[i] >= 'A' && in[i] <= 'Z') ? (uint8_t)(in[i] | 0x20) : in[i];
                memset(out, 0xee, sizeof out);
                intel_lower_ascii(out, in, len);
                CHECK(memcmp(out, want, len) == 0);
                CHECK(out[len] == 0xee); /* nothing written past the name */
            }
}

/* Exact names are hashed by the label fold when the set has "and
 * subdomains" entries, and in one pass otherwise: exact names of every
 * length (4 bytes too: IPv4 keys have their own hash) found either way, by
 * single and batched lookups. */
static void test_exact_fold(void)
{
    static const char *const exact[] = {"x.io", "ab.cd", "www.example.org", "a.b.c.d.e.f.example"};
    for (int with_sub = 0; with_sub < 2; with_sub++) {
        struct intel_builder *b = intel_builder_new();
        uint32_t m = meta(b, "indicator--f");
        for (size_t i = 0; i < sizeof exact / sizeof exact[0]; i++)
            CHECK_EQ_INT(add(b, INTEL_KIND_DOMAIN, exact[i], m), 0);
        CHECK_EQ_INT(add(b, INTEL_KIND_ADDR, "192.0.2.7", m), 0);
        if (with_sub) {
            char err[64];
            CHECK_EQ_INT(intel_builder_add(b, INTEL_KIND_DOMAIN, "evil.example", 12, m, INTEL_ADD_SUBDOMAINS, err,
                                           sizeof err), 0);
        }
        struct intel_set *s = intel_builder_finish(b, 1);
        CHECK(s != NULL);
        struct intel_hit h[INTEL_MAX_HITS];
        for (size_t i = 0; i < sizeof exact / sizeof exact[0]; i++) {
            unsigned k = intel_set_lookup_domain(s, exact[i], strlen(exact[i]), h, INTEL_MAX_HITS);
            CHECK_EQ_INT(k, 1);
            CHECK(k == 1 && !h[0].subdomains);
            struct intel_query q = {.kind = INTEL_KIND_DOMAIN, .value = exact[i],
                                    .len = strlen(exact[i])};
            CHECK_EQ_INT(intel_set_lookup_batch(s, &q, 1), 1);
        }
        CHECK_EQ_INT(intel_set_lookup_domain(s, "y.io", 4, h, INTEL_MAX_HITS), 0);
        CHECK_EQ_INT(intel_set_lookup_domain(s, "a.evil.example", 14, h, INTEL_MAX_HITS),
                     with_sub ? 1 : 0);
        struct ip_address a = ip("192.0.2.7");
        CHECK_EQ_INT(intel_set_lookup_addr(s, &a, h, INTEL_MAX_HITS), 1);
        intel_set_free(s);
    }
}

int main(void)
{
    test_exact_fold();
    test_lower_ascii();
    test_batch();
    test_url_normalize();
    test_kinds();
    test_ranges_random();
    TEST_MAIN_END();
}
