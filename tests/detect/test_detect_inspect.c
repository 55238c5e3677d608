/* SPDX-License-Identifier: Apache-2.0 */
/* Matching semantics of the payload inspection engine (relative content,
 * backtracking, negation, pcre, byte_*, isdataat, bsize, transforms, base64)
 * and the Hyperscan prefilter with its grouping. */
#include <stdint.h>

#include "detect/detect_buffer.h"
#include "detect/detect_engine.h"
#include "detect/rule_set.h"
#include "test.h"

static struct detect_thread_ctx *ctx;
static uint32_t sid = 1;

/* Does the first buffer list of a rule with these options match data? */
static int match_len(const char *opts, const void *data, uint32_t len)
{
    struct rule_set *rs = rule_set_new(NULL);
    char text[4096];
    snprintf(text, sizeof(text), "alert tcp any any -> any any (%s sid:%u;)", opts, sid++);
    struct rule_error e;
    if (rule_set_add_rule(rs, text, NULL, 1, &e) != 0) {
        fprintf(stderr, "rule failed: %s: %s: %s\n", text, e.keyword, e.message);
        rule_set_free(rs);
        return -1;
    }
    rule_set_finalize(rs);
    const struct rule *r = rule_set_get(rs, 0);
    int m = detect_buffer_inspect(r, &r->buffers[0], data, len, ctx) ? 1 : 0;
    rule_set_free(rs);
    return m;
}

static int match(const char *opts, const char *data)
{
    return match_len(opts, data, (uint32_t)strlen(data));
}

#define YES(opts, data) CHECK_EQ_INT(match(opts, data), 1)
#define NO(opts, data) CHECK_EQ_INT(match(opts, data), 0)

static void test_content(void)
{
    YES("content:\"abc\";", "xxabcxx");
    NO("content:\"abc\";", "xxABCxx");
    YES("content:\"abc\"; nocase;", "xxABCxx");
    CHECK_EQ_INT(match_len("content:\"|00 01|ab\";",
                           "\x09\x00\x01"
                           "ab",
                           5),
                 1);
    /* offset / depth (depth counts from offset, as in Snort and Suricata) */
    YES("content:\"abc\"; offset:2; depth:3;", "xxabc");
    NO("content:\"abc\"; offset:2; depth:3;", "xxxabc");
    NO("content:\"abc\"; offset:3;", "xxabc");
    YES("content:\"abc\"; depth:5;", "xxabc");
    NO("content:\"abc\"; depth:4;", "xxabc");
    /* distance / within relative to the previous match */
    YES("content:\"a\"; content:\"b\"; distance:1; within:2;", "a_b");
    NO("content:\"a\"; content:\"b\"; distance:1;", "ab");
    YES("content:\"a\"; content:\"b\"; distance:0;", "ab");
    NO("content:\"a\"; content:\"b\"; distance:1; within:2;", "a___b");
    YES("content:\"ab\"; content:\"a\"; distance:-2; within:1;", "xab");
    /* backtracking: the first "a" fails the within, the second one matches */
    YES("content:\"a\"; content:\"b\"; within:1;", "a_ab");
    YES("content:\"GET\"; content:\"HTTP\"; within:10;", "GET /x GET / HTTP/1.1");
    NO("content:\"a\"; content:\"b\"; within:1;", "a_a_b");
    /* order matters without relative modifiers only through the list */
    YES("content:\"b\"; content:\"a\";", "ab");
    /* negation */
    NO("content:!\"evil\";", "an evil string");
    YES("content:!\"evil\";", "a good string");
    NO("content:\"a\"; content:!\"b\"; within:3;", "a_b");
    YES("content:\"a\"; content:!\"b\"; within:3;", "a___b");
    YES("content:\"a\"; content:!\"b\"; distance:0;", "ba");
    /* startswith / endswith */
    YES("content:\"ab\"; startswith;", "abc");
    NO("content:\"ab\"; startswith;", "cab");
    YES("content:\"bc\"; endswith;", "abc");
    NO("content:\"bc\"; endswith;", "bca");
    YES("content:\"bc\"; endswith;", "bcxbc");
    YES("content:\"abc\"; startswith; endswith;", "abc");
    NO("content:\"abc\"; startswith; endswith;", "abcd");
    NO("content:!\"bc\"; endswith;", "abc");
    YES("content:!\"bc\"; endswith;", "bca");
    /* a content longer than the buffer */
    NO("content:\"abcdef\";", "abc");
    CHECK_EQ_INT(match_len("content:\"a\";", "", 0), 0);
}

static void test_pcre(void)
{
    YES("pcre:\"/a\\d+b/\";", "xa12b");
    NO("pcre:\"/a\\d+b/\";", "xab");
    YES("pcre:\"/A\\d+B/i\";", "xa12b");
    YES("content:\"x\"; pcre:\"/^a/R\";", "xa");
    NO("content:\"x\"; pcre:\"/^a/R\";", "xba");
    NO("pcre:!\"/evil/\";", "so evil");
    YES("pcre:!\"/evil/\";", "so good");
    /* pcre followed by a relative content: the next pcre match is tried */
    YES("pcre:\"/k./\"; content:\"v\"; within:1;", "kzzkxv");
    YES("pcre:\"/^abc$/m\";", "x\nabc\ny");
    NO("pcre:\"/^abc$/\";", "x\nabc\ny");
    YES("pcre:\"/a.b/s\";", "a\nb");
    NO("pcre:\"/a.b/\";", "a\nb");
    YES("pcre:\"/a b c/x\";", "abc");
    /* catastrophic backtracking hits the match limit: no match, quickly */
    char buf[4096];
    memset(buf, 'a', 4000);
    buf[4000] = '!';
    buf[4001] = '\0';
    NO("pcre:\"/(a+)+$/\";", buf);
    NO("pcre:\"/(a|aa)+b/\";", buf);
}

static void test_bytes(void)
{
    CHECK_EQ_INT(match_len("byte_test:2,=,16,0;", "\x00\x10", 2), 1);
    CHECK_EQ_INT(match_len("byte_test:2,>,15,0;", "\x00\x10", 2), 1);
    CHECK_EQ_INT(match_len("byte_test:2,!>,15,0;", "\x00\x10", 2), 0);
    CHECK_EQ_INT(match_len("byte_test:2,=,4096,0,little;", "\x00\x10", 2), 1);
    CHECK_EQ_INT(match_len("byte_test:2,&,16,0;", "\x00\x10", 2), 1);
    CHECK_EQ_INT(match_len("byte_test:2,^,16,0;", "\x00\x10", 2), 0);
    CHECK_EQ_INT(match_len("byte_test:4,=,16,0;", "\x00\x10", 2), 0); /* not enough data */
    CHECK_EQ_INT(match_len("byte_test:1,=,1,0,bitmask 0xf0;", "\x1f", 1), 1);
    YES("byte_test:3,=,123,0,string,dec;", "123");
    YES("byte_test:2,=,255,0,string,hex;", "ff");
    YES("byte_test:2,=,8,0,string,oct;", "10");
    NO("byte_test:3,=,123,0,string,dec;", "abc");
    YES("byte_test:0,>,40,0,string,dec;", "123x");
    YES("content:\"len=\"; byte_test:2,<=,42,0,relative,string,dec;", "xxlen=42");
    NO("content:\"len=\"; byte_test:2,<,42,0,relative,string,dec;", "xxlen=42");
    /* byte_jump */
    CHECK_EQ_INT(
        match_len("content:\"A\"; byte_jump:1,0,relative; content:\"Z\"; within:1;", "A\x02xxZ", 5),
        1);
    CHECK_EQ_INT(
        match_len("content:\"A\"; byte_jump:1,0,relative; content:\"Z\"; within:1;", "A\x03xxZ", 5),
        0);
    CHECK_EQ_INT(match_len("byte_jump:1,0,from_beginning; content:\"Z\"; within:1;", "\x03xxZ", 4),
                 1);
    CHECK_EQ_INT(match_len("byte_jump:1,0,multiplier 2; content:\"Z\"; within:1;", "\x02xxxxZ", 6),
                 1);
    CHECK_EQ_INT(match_len("byte_jump:1,0,align; content:\"Z\"; within:1;", "\x02xxxxZ", 6),
                 1); /* value 2 aligned to 4, after the 1 byte read */
    CHECK_EQ_INT(match_len("byte_jump:1,0,align; content:\"Z\"; within:1;", "\x02xxZ", 4), 0);
    CHECK_EQ_INT(match_len("byte_jump:1,0,post_offset -1; content:\"Q\"; within:1;", "\x02xQ", 3),
                 1);
    CHECK_EQ_INT(match_len("byte_jump:1,0;", "\x7f", 1), 0); /* jumps past the end */
    /* byte_extract variables */
    CHECK_EQ_INT(match_len("byte_extract:1,0,len; content:\"abc\"; depth:len;", "\x05xabc", 5), 1);
    CHECK_EQ_INT(match_len("byte_extract:1,0,len; content:\"abc\"; depth:len;", "\x04xabc", 5), 0);
    CHECK_EQ_INT(match_len("byte_extract:1,0,n; byte_test:1,=,n,1;", "\x07\x07", 2), 1);
    CHECK_EQ_INT(match_len("byte_extract:1,0,n; byte_test:1,=,n,1;", "\x07\x08", 2), 0);
    CHECK_EQ_INT(
        match_len("byte_extract:1,0,n; content:\"x\"; distance:n; within:1;", "\x02..x", 4), 1);
    CHECK_EQ_INT(match_len("byte_extract:1,0,n,multiplier 2; isdataat:n;", "\x02....", 5), 1);
    CHECK_EQ_INT(match_len("byte_extract:1,0,n,multiplier 2; isdataat:n;", "\x02...", 4), 0);
    CHECK_EQ_INT(match_len("byte_extract:1,0,n; byte_jump:1,0,relative; "
                           "content:\"k\"; within:1;",
                           "\x09\x01_k", 4),
                 1);
    CHECK_EQ_INT(detect_thread_byte_var(ctx, 0), 9);
    /* byte_math */
    CHECK_EQ_INT(match_len("byte_math:bytes 1, offset 0, oper +, rvalue 2, result r; "
                           "byte_test:1,=,r,1;",
                           "\x03\x05", 2),
                 1);
    CHECK_EQ_INT(match_len("byte_math:bytes 1, offset 0, oper <<, rvalue 1, result r; "
                           "byte_test:1,=,r,1;",
                           "\x03\x06", 2),
                 1);
    /* isdataat */
    YES("content:\"a\"; isdataat:2,relative;", "abc");
    NO("content:\"a\"; isdataat:2,relative;", "ab");
    YES("content:\"c\"; isdataat:!1,relative;", "abc");
    YES("isdataat:2;", "abc");
    NO("isdataat:3;", "abc");
    YES("isdataat:!3;", "abc");
}

static void test_buffers_and_transforms(void)
{
    YES("http.uri; bsize:3;", "abc");
    NO("http.uri; bsize:3;", "abcd");
    YES("http.uri; bsize:2<>5; content:\"b\";", "abcd");
    YES("http.uri; to_lowercase; content:\"abc\";", "xABCx");
    YES("http.uri; to_uppercase; content:\"ABC\";", "xabcx");
    YES("http.uri; url_decode; content:\"/a b\";", "/%61+b");
    YES("http.uri; strip_whitespace; content:\"abc\";", "a b\tc");
    YES("http.uri; compress_whitespace; content:\"a b\";", "a  \t b");
    YES("dns.query; dotprefix; content:\".evil.com\"; endswith;", "evil.com");
    NO("dns.query; dotprefix; content:\".evil.com\"; endswith;", "notevil.com");
    YES("http.uri; to_md5; content:\"|90 01 50 98 3c d2 4f b0 d6 96 3f 7d 28 e1 7f 72|\"; "
        "bsize:16;",
        "abc");
    YES("http.uri; to_sha1; content:\"|a9 99 3e 36|\"; startswith;", "abc");
    YES("http.uri; to_sha256; content:\"|ba 78 16 bf|\"; startswith;", "abc");
    YES("http.header; pcrexform:\"Host: ([^\\x0d]+)\"; content:\"example.org\"; bsize:11;",
        "Accept: x\r\nHost: example.org\r\n");
    YES("http.uri; xor:\"0102\"; content:\"|60 60|\";", "ab");
    YES("http.header; header_lowercase; content:\"content-type: Text\";", "Content-Type: Text");
    YES("http.header; strip_pseudo_headers; content:\"a: b\"; startswith;", ":path: /\na: b\n");
    YES("http.uri; from_base64; content:\"hello\";", "aGVsbG8=");
    YES("base64_decode; base64_data; content:\"hello\";", "aGVsbG8gd29ybGQ=");
    NO("base64_decode; base64_data; content:\"bye\";", "aGVsbG8gd29ybGQ=");
    YES("content:\"b64=\"; base64_decode:relative; base64_data; content:\"hello\";",
        "xb64=aGVsbG8=");
    YES("base64_decode:bytes 8, offset 4; base64_data; content:\"hello\"; bsize:<7;",
        "....aGVsbG8gd29ybGQ=");
}

static void test_recursion_limit(void)
{
    /* A list that backtracks over many occurrences ends at the limit. */
    char buf[20000];
    memset(buf, 'a', sizeof(buf) - 1);
    buf[sizeof(buf) - 1] = '\0';
    NO("content:\"a\"; content:\"a\"; within:1; content:\"a\"; within:1; content:\"b\"; "
       "within:1;",
       buf);
    CHECK(detect_thread_last_steps(ctx) <= DETECT_RECURSION_LIMIT);
}

/* merged: the any-port rules in every port group as well (one group per
 * packet); else only in their own group (two groups on a named port). The
 * candidates are the same. */
static void test_prefilter_mode(bool merged)
{
    struct rule_set *rs = rule_set_new(NULL);
    const char *rules[] = {
        "alert tcp any any -> any 80 (msg:\"r0\"; flow:to_server; content:\"evil\"; sid:1;)",
        "alert tcp any any -> any any (msg:\"r1\"; content:\"bad\"; nocase; sid:2;)",
        "alert http any any -> any any (msg:\"r2\"; http.uri; content:\"/admin\"; sid:3;)",
        "alert tcp any any -> any any (msg:\"r3\"; dsize:>100; sid:4;)",
        "alert udp any any -> any 53 (msg:\"r4\"; dns.query; content:\"x.com\"; sid:5;)",
        "alert tcp any any -> any any (msg:\"r5\"; content:!\"ok\"; sid:6;)",
        "alert tcp any 80 -> any any (msg:\"r6\"; flow:to_client; content:\"200 OK\"; sid:7;)",
        "alert tcp any any -> any 8000:8100 (content:\"abcdefgh\"; fast_pattern:2,3; sid:8;)",
        "alert ip any any -> any any (msg:\"r8\"; content:\"ipany\"; sid:9;)",
    };
    struct rule_error e;
    for (size_t i = 0; i < sizeof(rules) / sizeof(rules[0]); i++) {
        int rc = rule_set_add_rule(rs, rules[i], NULL, (uint32_t)i + 1, &e);
        CHECK_EQ_INT(rc, 0);
        if (rc)
            fprintf(stderr, "%s: %s\n", e.keyword, e.message);
    }
    rule_set_finalize(rs);
    char err[256];
    struct detect_engine_stats st;
    struct detect_engine_options opt = {.any_port_in_port_groups = merged};
    struct detect_engine *de = detect_engine_build(rs, &opt, &st, err, sizeof(err));
    CHECK(de != NULL);
    if (!de) {
        fprintf(stderr, "%s\n", err);
        rule_set_free(rs);
        return;
    }
    CHECK(st.databases > 0);
    struct detect_thread_ctx *tc = detect_thread_ctx_new(de);
    CHECK(tc != NULL);
    const struct detect_group *g[2];
    const uint32_t *ids;

    /* tcp to server, port 80: the port group (r0) and the any-port group, or
     * merged the port group (r0 and the any-port rules) */
    unsigned ng = detect_engine_groups(de, DETECT_TRANSPORT_TCP, true, 80, g);
    CHECK_EQ_INT(ng, merged ? 1 : 2);
    detect_candidates_reset(tc);
    const char *payload = "xx evil xx BaD ipany";
    for (unsigned i = 0; i < ng; i++)
        detect_prefilter_scan(g[i], DETECT_BUFFER_PAYLOAD, (const uint8_t *)payload,
                              (uint32_t)strlen(payload), tc);
    uint32_t n = detect_candidates_get(tc, &ids);
    CHECK_EQ_INT(n, 3);
    if (n == 3) {
        CHECK_EQ_INT(ids[0], 0);
        CHECK_EQ_INT(ids[1], 1);
        CHECK_EQ_INT(ids[2], 8);
    }
    /* the non-prefilter rules: r3 (no content) and r5 (only negated) */
    detect_candidates_reset(tc);
    for (unsigned i = 0; i < ng; i++)
        detect_candidates_add_nonprefilter(g[i], tc);
    n = detect_candidates_get(tc, &ids);
    CHECK_EQ_INT(n, 2);
    if (n == 2) {
        CHECK_EQ_INT(ids[0], 3);
        CHECK_EQ_INT(ids[1], 5);
    }
    /* http.uri buffer */
    detect_candidates_reset(tc);
    for (unsigned i = 0; i < ng; i++)
        detect_prefilter_scan(g[i], detect_buffer_lookup("http.uri"),
                              (const uint8_t *)"/ADMIN/admin/x", 14, tc);
    n = detect_candidates_get(tc, &ids);
    CHECK(n == 1 && ids[0] == 2);
    /* port 81: r0 is not a candidate */
    ng = detect_engine_groups(de, DETECT_TRANSPORT_TCP, true, 81, g);
    detect_candidates_reset(tc);
    for (unsigned i = 0; i < ng; i++)
        detect_prefilter_scan(g[i], DETECT_BUFFER_PAYLOAD, (const uint8_t *)payload,
                              (uint32_t)strlen(payload), tc);
    n = detect_candidates_get(tc, &ids);
    CHECK(n == 2 && ids[0] == 1 && ids[1] == 8);
    /* chopped fast pattern: only "cde" is in the database */
    ng = detect_engine_groups(de, DETECT_TRANSPORT_TCP, true, 8050, g);
    detect_candidates_reset(tc);
    for (unsigned i = 0; i < ng; i++)
        detect_prefilter_scan(g[i], DETECT_BUFFER_PAYLOAD, (const uint8_t *)"xxcdexx", 7, tc);
    n = detect_candidates_get(tc, &ids);
    CHECK(n == 1 && ids[0] == 7);
    /* to client from port 80: r6 but not r0 */
    ng = detect_engine_groups(de, DETECT_TRANSPORT_TCP, false, 80, g);
    detect_candidates_reset(tc);
    for (unsigned i = 0; i < ng; i++)
        detect_prefilter_scan(g[i], DETECT_BUFFER_PAYLOAD, (const uint8_t *)"HTTP/1.1 200 OK evil",
                              20, tc);
    n = detect_candidates_get(tc, &ids);
    CHECK(n == 1 && ids[0] == 6);
    /* udp/53: dns.query */
    ng = detect_engine_groups(de, DETECT_TRANSPORT_UDP, true, 53, g);
    CHECK(ng >= 1);
    detect_candidates_reset(tc);
    for (unsigned i = 0; i < ng; i++)
        detect_prefilter_scan(g[i], detect_buffer_lookup("dns.query"), (const uint8_t *)"www.x.com",
                              9, tc);
    n = detect_candidates_get(tc, &ids);
    CHECK(n == 1 && ids[0] == 4);
    /* full verification of a candidate */
    const struct rule *r1 = rule_set_get(rs, 1);
    CHECK(detect_buffer_inspect(r1, &r1->buffers[0], (const uint8_t *)payload,
                                (uint32_t)strlen(payload), tc));
    detect_thread_ctx_free(tc);
    detect_engine_free(de);
    rule_set_free(rs);
}

static void test_prefilter(void)
{
    test_prefilter_mode(false);
    test_prefilter_mode(true);
}

static void test_address_index(void)
{
    struct rule_set *rs = rule_set_new(NULL);
    const char *rules[] = {
        "alert tcp [1.2.3.4,5.6.7.0/24] any -> $HOME_NET any (flags:S; sid:1;)",
        "alert tcp $HOME_NET any -> [9.9.9.9,2001:db8::7] any (flags:S; sid:2;)",
        "alert tcp any any -> any any (flags:S; sid:3;)",
        "alert tcp [1.2.3.4] any <> any any (flags:S; sid:4;)",
        "alert ip [5.6.7.8] any -> any any (sid:5;)",
    };
    struct rule_error e;
    for (size_t i = 0; i < sizeof(rules) / sizeof(rules[0]); i++)
        CHECK_EQ_INT(rule_set_add_rule(rs, rules[i], NULL, 1, &e), 0);
    rule_set_finalize(rs);
    char err[256];
    struct detect_engine *de = detect_engine_build(rs, NULL, NULL, err, sizeof(err));
    CHECK(de != NULL);
    struct detect_thread_ctx *tc = de ? detect_thread_ctx_new(de) : NULL;
    if (!tc) {
        detect_engine_free(de);
        rule_set_free(rs);
        return;
    }
    const struct detect_group *g[2];
    unsigned ng = detect_engine_groups(de, DETECT_TRANSPORT_TCP, true, 80, g);
    struct {
        uint32_t src, dst;
        uint32_t want[5]; /* rule 3 (<>) is always a candidate */
        uint32_t nwant;
    } cases[] = {
        {0x01020304, 0x0a000001, {0, 2, 3}, 3},    /* 1.2.3.4 -> 10.0.0.1 */
        {0x05060708, 0x0a000001, {0, 2, 3, 4}, 4}, /* 5.6.7.8 (in /24 and rule 5) */
        {0x0a000001, 0x09090909, {1, 2, 3}, 3},    /* to 9.9.9.9 (and <> rule 4 stays) */
        {0x0a000001, 0x08080808, {2, 3}, 2},       /* nothing indexed matches */
        {0x01020305, 0x0a000001, {2, 3}, 2},       /* next to 1.2.3.4 */
        {0x050607ff, 0x0a000001, {0, 2, 3}, 3},    /* end of the /24 */
        {0x05060800, 0x0a000001, {2, 3}, 2},       /* just past it */
    };
    for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
        detect_candidates_reset(tc);
        for (unsigned i = 0; i < ng; i++)
            detect_candidates_add_nonprefilter_addr(g[i], rule_ip_from_v4(cases[c].src),
                                                    rule_ip_from_v4(cases[c].dst), tc);
        const uint32_t *ids;
        uint32_t n = detect_candidates_get(tc, &ids);
        CHECK_EQ_INT(n, cases[c].nwant);
        for (uint32_t k = 0; k < n && k < cases[c].nwant; k++)
            CHECK_EQ_INT(ids[k], cases[c].want[k]);
    }
    uint8_t v6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 7};
    detect_candidates_reset(tc);
    for (unsigned i = 0; i < ng; i++)
        detect_candidates_add_nonprefilter_addr(g[i], rule_ip_from_v4(0x0a000001),
                                                rule_ip_from_v6(v6), tc);
    const uint32_t *ids;
    uint32_t n = detect_candidates_get(tc, &ids);
    CHECK(n == 3 && ids[0] == 1);
    detect_thread_ctx_free(tc);
    detect_engine_free(de);
    rule_set_free(rs);
}

/* Transformed lists: the prefilter scans the raw buffer, so a fast pattern
 * is only taken where the raw buffer still contains it. */
static void test_prefilter_transforms(void)
{
    struct rule_set *rs = rule_set_new(NULL);
    const char *rules[] = {
        "alert http any any -> any any (http.uri; to_lowercase; content:\"/admin\"; sid:1;)",
        "alert dns any any -> any any (dns.query; dotprefix; content:\".evil.com\"; sid:2;)",
        "alert http any any -> any any (http.uri; url_decode; content:\"/a b\"; sid:3;)",
        ("alert http any any -> any any (http.uri; url_decode; content:\"/x y\"; fast_pattern; "
         "http.host; content:\"example\"; sid:4;)"),
        /* parts of the input: the raw buffer holds the pattern */
        "alert dns any any -> any any (dns.query; domain; content:\"example.com\"; sid:5;)",
        "alert http any any -> any any (http.uri; subslice:1; content:\"admin\"; sid:6;)",
    };
    struct rule_error e;
    for (size_t i = 0; i < sizeof(rules) / sizeof(rules[0]); i++)
        CHECK_EQ_INT(rule_set_add_rule(rs, rules[i], NULL, 1, &e), 0);
    rule_set_finalize(rs);
    const uint8_t *p;
    uint16_t len;
    bool nocase;
    int uri = detect_buffer_lookup("http.uri");
    CHECK_EQ_INT(rule_prefilter_pattern(rule_set_get(rs, 0), &p, &len, &nocase), uri);
    CHECK(nocase && len == 6);
    CHECK_EQ_INT(rule_prefilter_pattern(rule_set_get(rs, 1), &p, &len, &nocase),
                 detect_buffer_lookup("dns.query"));
    CHECK(len == 8 && memcmp(p, "evil.com", 8) == 0);
    CHECK_EQ_INT(rule_prefilter_pattern(rule_set_get(rs, 2), &p, &len, &nocase), -1);
    /* explicit fast_pattern in a url_decoded list: the host content is used */
    CHECK_EQ_INT(rule_prefilter_pattern(rule_set_get(rs, 3), &p, &len, &nocase),
                 detect_buffer_lookup("http.host"));
    CHECK_EQ_INT(rule_prefilter_pattern(rule_set_get(rs, 4), &p, &len, &nocase),
                 detect_buffer_lookup("dns.query"));
    CHECK(len == 11 && !nocase && memcmp(p, "example.com", 11) == 0);
    CHECK_EQ_INT(rule_prefilter_pattern(rule_set_get(rs, 5), &p, &len, &nocase), uri);
    char err[256];
    struct detect_engine *de = detect_engine_build(rs, NULL, NULL, err, sizeof(err));
    struct detect_thread_ctx *tc = de ? detect_thread_ctx_new(de) : NULL;
    CHECK(tc != NULL);
    if (tc) {
        const struct detect_group *g[2];
        unsigned ng = detect_engine_groups(de, DETECT_TRANSPORT_TCP, true, 80, g);
        detect_candidates_reset(tc);
        for (unsigned i = 0; i < ng; i++)
            detect_prefilter_scan(g[i], uri, (const uint8_t *)"/ADMIN", 6, tc);
        const uint32_t *ids;
        uint32_t n = detect_candidates_get(tc, &ids);
        CHECK(n == 1 && ids[0] == 0);
        const struct rule *r0 = rule_set_get(rs, 0);
        CHECK(detect_buffer_inspect(r0, &r0->buffers[0], (const uint8_t *)"/ADMIN", 6, tc));
        ng = detect_engine_groups(de, DETECT_TRANSPORT_UDP, true, 53, g);
        detect_candidates_reset(tc);
        for (unsigned i = 0; i < ng; i++)
            detect_prefilter_scan(g[i], detect_buffer_lookup("dns.query"),
                                  (const uint8_t *)"evil.com", 8, tc);
        n = detect_candidates_get(tc, &ids);
        CHECK(n == 1 && ids[0] == 1);
        ng = detect_engine_groups(de, DETECT_TRANSPORT_TCP, true, 80, g);
        detect_candidates_reset(tc);
        for (unsigned i = 0; i < ng; i++)
            detect_candidates_add_nonprefilter(g[i], tc);
        n = detect_candidates_get(tc, &ids);
        CHECK(n == 1 && ids[0] == 2);
    }
    detect_thread_ctx_free(tc);
    detect_engine_free(de);
    rule_set_free(rs);
}

static void test_engine_on_et(const char *shared)
{
    /* Build the engine on a real ruleset file and scan a request. */
    struct rule_set *rs = rule_set_new(NULL);
    char path[1024];
    snprintf(path, sizeof(path), "%s/rules/et-open-suricata/rules/emerging-user_agents.rules",
             shared);
    CHECK_EQ_INT(rule_set_load_file(rs, path, NULL), 0);
    rule_set_finalize(rs);
    CHECK(rule_set_count(rs) > 50);
    char err[256];
    struct detect_engine *de = detect_engine_build(rs, NULL, NULL, err, sizeof(err));
    CHECK(de != NULL);
    if (de) {
        struct detect_thread_ctx *tc = detect_thread_ctx_new(de);
        CHECK(tc != NULL);
        const struct detect_group *g[2];
        unsigned ng = detect_engine_groups(de, DETECT_TRANSPORT_TCP, true, 80, g);
        CHECK(ng >= 1);
        detect_candidates_reset(tc);
        const char *ua = "Mozilla/4.0 (compatible; MSIE 6.0; Windows NT 5.1)";
        for (unsigned i = 0; i < ng; i++)
            detect_prefilter_scan(g[i], detect_buffer_lookup("http.user_agent"),
                                  (const uint8_t *)ua, (uint32_t)strlen(ua), tc);
        const uint32_t *ids;
        uint32_t n = detect_candidates_get(tc, &ids);
        for (uint32_t i = 1; i < n; i++)
            CHECK(ids[i - 1] < ids[i]);
        detect_thread_ctx_free(tc);
        detect_engine_free(de);
    }
    rule_set_free(rs);
}

int main(void)
{
    const char *shared = getenv("VIGIL_SHARED");
    if (!shared)
        shared = "../../shared";
    /* a context from a small engine serves all inspection tests */
    struct rule_set *rs = rule_set_new(NULL);
    struct rule_error e;
    rule_set_add_rule(rs, "alert tcp any any -> any any (content:\"x\"; sid:1;)", NULL, 1, &e);
    rule_set_finalize(rs);
    char err[256];
    struct detect_engine *de = detect_engine_build(rs, NULL, NULL, err, sizeof(err));
    CHECK(de != NULL);
    ctx = de ? detect_thread_ctx_new(de) : NULL;
    CHECK(ctx != NULL);
    if (!ctx)
        TEST_MAIN_END();
    test_content();
    test_pcre();
    test_bytes();
    test_buffers_and_transforms();
    test_recursion_limit();
    test_prefilter();
    test_address_index();
    test_prefilter_transforms();
    test_engine_on_et(shared);
    detect_thread_ctx_free(ctx);
    detect_engine_free(de);
    rule_set_free(rs);
    TEST_MAIN_END();
}
