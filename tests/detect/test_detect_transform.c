/* SPDX-License-Identifier: Apache-2.0 */
/* Sticky-buffer transforms (detect_transform.c and the simple ones in
 * detect_inspect.c): the exact bytes each one produces on its own input,
 * their options and edge cases, the buffers they fail or empty, and
 * chains of several in rule order. */
#include <stdint.h>
#include <string.h>
#include <zlib.h>

#include "detect/detect_engine.h"
#include "detect/detect_transform.h"
#include "detect/rule_set.h"
#include "test.h"

static struct detect_thread_ctx *ctx;
static uint32_t sid = 1;

enum { XF_FAILED = -1, XF_BADRULE = -2 };

/* Applies the transforms of a rule's first list to in; returns the output
 * length (out gets the bytes), XF_FAILED when the buffer is not inspected,
 * XF_BADRULE when the rule does not load. */
static int xform_len(const char *opts, const void *in, uint32_t len, uint8_t *out, size_t cap)
{
    struct rule_set *rs = rule_set_new(NULL);
    char text[2048];
    snprintf(text, sizeof(text), "alert tcp any any -> any any (%s content:\"_\"; sid:%u;)", opts,
             sid++);
    struct rule_error e;
    if (rule_set_add_rule(rs, text, NULL, 1, &e) != 0) {
        rule_set_free(rs);
        return XF_BADRULE;
    }
    rule_set_finalize(rs);
    const struct rule *r = rule_set_get(rs, 0);
    uint32_t olen = 0;
    const uint8_t *o = detect_transforms_apply(&r->buffers[0], in, len, &olen, ctx);
    int rc = XF_FAILED;
    if (o) {
        rc = (int)olen;
        memcpy(out, o, olen < cap ? olen : cap);
    }
    rule_set_free(rs);
    return rc;
}

/* Expects the transforms in opts to turn in into want. */
static void expect(const char *opts, const char *in, const char *want, int line)
{
    uint8_t out[4096];
    int n = xform_len(opts, in, (uint32_t)strlen(in), out, sizeof(out));
    test_checks++;
    if (n < 0 || (size_t)n != strlen(want) || memcmp(out, want, (size_t)n) != 0) {
        fprintf(stderr, "line %d: %s on \"%s\": got %d \"%.*s\", want \"%s\"\n", line, opts, in,
                n, n > 0 ? n : 0, (const char *)out, want);
        test_failures++;
    }
}
#define XF(opts, in, want) expect(opts, in, want, __LINE__)

static int xform(const char *opts, const char *in, uint8_t *out)
{
    return xform_len(opts, in, (uint32_t)strlen(in), out, 4096);
}

static void test_simple(void)
{
    XF("http.uri; to_lowercase;", "GeT /IndeX.HTML?Q=1", "get /index.html?q=1");
    XF("http.uri; to_uppercase;", "mixed Case 42\xe9", "MIXED CASE 42\xe9");
    XF("http.uri; strip_whitespace;", " a\tb\r\nc \v\fd ", "abcd");
    /* a run of whitespace keeps its first byte */
    XF("http.uri; compress_whitespace;", "a  b\t\t\tc\r\nd e ", "a b\tc\rd e ");
    XF("http.uri; compress_whitespace;", "nospace", "nospace");
    XF("http.uri; url_decode;", "/p%2Fq+r%zz%4", "/p/q r%zz%4");
    XF("dns.query; dotprefix;", "example.net", ".example.net");
    XF("http.header; header_lowercase;", "X-Trace-ID: AbC\r\nHOST: Www.Example\r\n",
       "x-trace-id: AbC\r\nhost: Www.Example\r\n");
    XF("http.header; strip_pseudo_headers;", ":method: GET\n:path: /x\nuser-agent: t\n:a: b\nz: y\n",
       "user-agent: t\nz: y\n");
    XF("http.header; pcrexform:\"id=([0-9]+)\";", "user=bob&id=12345&x=1", "12345");
    /* pcrexform without a match leaves the buffer as it is */
    XF("http.header; pcrexform:\"id=([0-9]+)\";", "nothing here", "nothing here");

    uint8_t out[64];
    /* md5("vigil"), sha1 and sha256 of "" */
    CHECK_EQ_INT(xform("http.uri; to_md5;", "", out), 16);
    CHECK(memcmp(out, "\xd4\x1d\x8c\xd9\x8f\x00\xb2\x04\xe9\x80\x09\x98\xec\xf8\x42\x7e", 16) == 0);
    CHECK_EQ_INT(xform("http.uri; to_sha1;", "", out), 20);
    CHECK(memcmp(out, "\xda\x39\xa3\xee\x5e\x6b\x4b\x0d\x32\x55", 10) == 0);
    CHECK_EQ_INT(xform("http.uri; to_sha256;", "", out), 32);
    CHECK(memcmp(out, "\xe3\xb0\xc4\x42\x98\xfc\x1c\x14", 8) == 0);
}

static void test_xor(void)
{
    uint8_t out[64];
    /* static key, cycled */
    CHECK_EQ_INT(xform("http.uri; xor:\"2020\";", "HeLLo", out), 5);
    CHECK(memcmp(out, "hEllO", 5) == 0);
    /* offset: the first bytes are kept */
    CHECK_EQ_INT(xform("http.uri; xor:offset 2,\"01\";", "ab`cd", out), 5);
    CHECK(memcmp(out, "ababe", 5) == 0);
    /* the key read from the buffer: 1 byte at offset 0, applied from 1 */
    CHECK_EQ_INT(xform("http.uri; xor:offset 1,extract 1 0;", "\x01hdmmn", out), 6);
    CHECK(memcmp(out, "\x01iello", 6) == 0);
    /* a key beyond the buffer leaves it unchanged */
    XF("http.uri; xor:extract 4 10;", "short", "short");
    XF("http.uri; xor:offset 9,\"01\";", "short", "short");
    CHECK_EQ_INT(xform("http.uri; xor:\"0\";", "x", out), XF_BADRULE);
    CHECK_EQ_INT(xform("http.uri; xor:\"0g\";", "x", out), XF_BADRULE);
    CHECK_EQ_INT(xform("http.uri; xor:extract 0 1;", "x", out), XF_BADRULE);
    CHECK_EQ_INT(xform("http.uri; xor:offset 1;", "x", out), XF_BADRULE);
}

static void test_base64(void)
{
    uint8_t out[64];
    XF("http.uri; from_base64;", "dmlnaWwgcnVsZXM=", "vigil rules");
    /* an incomplete final quantum still gives its bytes */
    XF("http.uri; from_base64;", "dmlnaWw", "vigil");
    XF("http.uri; from_base64: offset 4;", "ARG=dmlnaWw=", "vigil");
    XF("http.uri; from_base64: bytes 4;", "dmlnaWw=", "vig");
    /* rfc4648 stops at a character outside the alphabet, rfc2045 skips it,
     * strict fails */
    XF("http.uri; from_base64: mode rfc4648;", "dmln aWw=", "vig");
    XF("http.uri; from_base64: mode rfc2045;", "dmln aWw=", "vigil");
    CHECK_EQ_INT(xform("http.uri; from_base64: mode strict;", "dmln aWw=", out), XF_FAILED);
    XF("http.uri; from_base64: mode strict;", "dmlnaWw=", "vigil");
    /* nothing decodable: the buffer is not inspected */
    CHECK_EQ_INT(xform("http.uri; from_base64;", "****", out), XF_FAILED);
    /* an offset beyond the buffer leaves it unchanged */
    XF("http.uri; from_base64: offset 40;", "dmlnaWw=", "dmlnaWw=");
    CHECK_EQ_INT(xform("http.uri; from_base64: mode nope;", "x", out), XF_BADRULE);
    CHECK_EQ_INT(xform("http.uri; from_base64: bytes x;", "x", out), XF_BADRULE);
    CHECK_EQ_INT(xform("http.uri; from_base64: mode strict, mode strict;", "x", out),
                 XF_BADRULE);
    uint8_t dec[16];
    CHECK_EQ_INT(detect_base64_decode((const uint8_t *)"QUJD", 4, dec, DETECT_BASE64_RFC4648), 3);
    CHECK(memcmp(dec, "ABC", 3) == 0);
}

static int compress_to(int wbits, const char *text, uint8_t *out, size_t cap)
{
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    if (deflateInit2(&zs, 6, Z_DEFLATED, wbits, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        return -1;
    zs.next_in = (Bytef *)(uintptr_t)text;
    zs.avail_in = (uInt)strlen(text);
    zs.next_out = out;
    zs.avail_out = (uInt)cap;
    int rc = deflate(&zs, Z_FINISH);
    int n = (int)(cap - zs.avail_out);
    deflateEnd(&zs);
    return rc == Z_STREAM_END ? n : -1;
}

static void test_decompress(void)
{
    const char *text = "control room telemetry, control room telemetry, control room";
    uint8_t z[256], out[4096];
    int gz = compress_to(16 + MAX_WBITS, text, z, sizeof z);
    CHECK(gz > 0);
    CHECK_EQ_INT(xform_len("http.uri; gunzip;", z, (uint32_t)gz, out, sizeof out),
                 (int)strlen(text));
    CHECK(memcmp(out, text, strlen(text)) == 0);
    /* max-size caps the output */
    CHECK_EQ_INT(xform_len("http.uri; gunzip: max-size 7;", z, (uint32_t)gz, out, sizeof out), 7);
    CHECK(memcmp(out, "control", 7) == 0);
    /* a truncated stream gives what was decoded; garbage gives nothing */
    int part = xform_len("http.uri; gunzip;", z, (uint32_t)gz - 12, out, sizeof out);
    CHECK(part > 0 && part <= (int)strlen(text) && memcmp(out, text, (size_t)part) == 0);
    CHECK_EQ_INT(xform_len("http.uri; gunzip;", "not gzip at all", 15, out, sizeof out), 0);
    uint8_t zz[256];
    int zl = compress_to(MAX_WBITS, text, zz, sizeof zz);
    CHECK(zl > 0);
    CHECK_EQ_INT(xform_len("http.uri; zlib_deflate;", zz, (uint32_t)zl, out, sizeof out),
                 (int)strlen(text));
    CHECK(memcmp(out, text, strlen(text)) == 0);
    /* gzip framing is not zlib framing, and the reverse */
    CHECK_EQ_INT(xform_len("http.uri; zlib_deflate;", z, (uint32_t)gz, out, sizeof out), 0);
    CHECK_EQ_INT(xform_len("http.uri; gunzip;", zz, (uint32_t)zl, out, sizeof out), 0);
    CHECK_EQ_INT(xform("http.uri; gunzip: max-size 0;", "x", out), XF_BADRULE);
    CHECK_EQ_INT(xform("http.uri; gunzip: size 10;", "x", out), XF_BADRULE);
    CHECK_EQ_INT(xform("http.uri; zlib_deflate: max-size 2kb;", "x", out), 0);
}

static void test_subslice(void)
{
    uint8_t out[64];
    XF("http.uri; subslice:2;", "0123456789", "23456789");
    XF("http.uri; subslice:2, 3;", "0123456789", "234");
    XF("http.uri; subslice:-3;", "0123456789", "789");
    XF("http.uri; subslice:1, -2;", "0123456789", "1234567");
    /* out of range: empty, or clamped with truncate */
    CHECK_EQ_INT(xform("http.uri; subslice:5, 20;", "0123456789", out), 0);
    XF("http.uri; subslice:5, 20, truncate;", "0123456789", "56789");
    CHECK_EQ_INT(xform("http.uri; subslice:-20;", "0123456789", out), 0);
    XF("http.uri; subslice:-20, truncate;", "0123456789", "0123456789");
    CHECK_EQ_INT(xform("http.uri; subslice:11;", "0123456789", out), 0);
    CHECK_EQ_INT(xform("http.uri; subslice;", "x", out), XF_BADRULE);
    CHECK_EQ_INT(xform("http.uri; subslice:a;", "x", out), XF_BADRULE);
    CHECK_EQ_INT(xform("http.uri; subslice:1, 2, 3;", "x", out), XF_BADRULE);
}

static void test_domain(void)
{
    uint8_t out[64];
    XF("dns.query; domain;", "mail.intranet.example.com", "example.com");
    XF("dns.query; domain;", "a.b.gov.uk", "b.gov.uk");
    XF("dns.query; domain;", "Portal.Example.CO.UK.", "Example.CO.UK");
    XF("dns.query; tld;", "a.b.gov.uk", "gov.uk");
    XF("dns.query; tld;", "www.example.com", "com");
    XF("dns.query; tld;", "host.example.zzunlistedzz", "zzunlistedzz");
    /* a public suffix has no registrable domain; malformed names give nothing */
    CHECK_EQ_INT(xform("dns.query; domain;", "co.uk", out), 0);
    CHECK_EQ_INT(xform("dns.query; domain;", "a..example.com", out), 0);
    CHECK_EQ_INT(xform("dns.query; tld;", ".example.com", out), 0);
    CHECK_EQ_INT(xform("dns.query; domain:1;", "x", out), XF_BADRULE);
}

static void test_chains(void)
{
    /* transforms apply in rule order */
    XF("http.uri; url_decode; to_lowercase; strip_whitespace;", "/A%20B+C%2fD", "/abc/d");
    XF("http.uri; strip_whitespace; from_base64: mode strict;", "dmln aWw=", "vigil");
    XF("http.uri; from_base64; to_uppercase;", "dmlnaWwgcnVsZXM=", "VIGIL RULES");
    XF("http.uri; from_base64: offset 2; xor:\"20\"; subslice:0, 3;", "x=dmlnaWw=", "VIG");
    XF("http.header; pcrexform:\"k=([^&]+)\"; url_decode; compress_whitespace;",
       "a=1&k=x%20%20%20y&b=2", "x y");
    XF("dns.query; to_lowercase; dotprefix;", "WWW.Example.ORG", ".www.example.org");
    XF("dns.query; domain; to_lowercase; dotprefix;", "WWW.Example.ORG", ".example.org");
    XF("http.uri; pcrexform:\"//([^/]+)/\"; tld;", "http://cdn.site.co.jp/x", "co.jp");
    /* a hash of a transformed buffer differs from the hash of the original */
    uint8_t a[32], b[32];
    CHECK_EQ_INT(xform("http.uri; to_lowercase; to_md5;", "ABC", a), 16);
    CHECK_EQ_INT(xform("http.uri; to_md5;", "abc", b), 16);
    CHECK(memcmp(a, b, 16) == 0);
    CHECK(memcmp(a, "\x90\x01\x50\x98\x3c\xd2\x4f\xb0", 8) == 0);
    /* a failing transform stops the chain */
    CHECK_EQ_INT(xform("http.uri; to_lowercase; from_base64; to_uppercase;", "!!!!", a),
                 XF_FAILED);
    /* the same transforms again: results do not leak between calls */
    XF("http.uri; gunzip; to_lowercase;", "", "");
    XF("http.uri; to_lowercase;", "Q", "q");
}

int main(void)
{
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
    test_simple();
    test_xor();
    test_base64();
    test_decompress();
    test_subslice();
    test_domain();
    test_chains();
    detect_thread_ctx_free(ctx);
    detect_engine_free(de);
    rule_set_free(rs);
    TEST_MAIN_END();
}
