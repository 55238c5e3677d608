/* SPDX-License-Identifier: Apache-2.0 */
/* STIX patterning parser: every pattern of the OASIS spec examples and of the
 * shared sample bundles parses; malformed patterns fail with an offset; the
 * comparison walk and the simple-disjunction test see what was written. */
#include <errno.h>
#include <jansson.h>
#include <stdbool.h>

#include "intel/stix_pattern.h"
#include "test.h"

static const char *shared_dir(void)
{
    const char *s = getenv("VIGIL_SHARED");
    return s ? s : "../../shared";
}

static bool parses(const char *text)
{
    char err[256];
    struct stix_pattern *p = stix_pattern_parse(text, err, sizeof(err));
    if (!p)
        fprintf(stderr, "  rejected: %s\n    -> %s\n", text, err);
    stix_pattern_free(p);
    return p != NULL;
}

/* Expects a parse failure whose message contains want. */
static bool rejects(const char *text, const char *want)
{
    char err[256] = "";
    struct stix_pattern *p = stix_pattern_parse(text, err, sizeof(err));
    bool ok = p == NULL && strstr(err, want) != NULL && strncmp(err, "offset ", 7) == 0;
    if (!ok)
        fprintf(stderr, "  expected rejection containing '%s' for: %s\n    got: %s\n", want, text,
                p ? "(accepted)" : err);
    stix_pattern_free(p);
    return ok;
}

static void test_spec_examples(void)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/stix-samples/patterns/stix2patterns-v21-spec_examples.txt",
             shared_dir());
    FILE *f = fopen(path, "r");
    CHECK(f != NULL);
    if (!f)
        return;
    char line[4096];
    int n = 0, ok = 0;
    while (fgets(line, sizeof(line), f)) {
        line[strcspn(line, "\r\n")] = '\0';
        if (!line[0])
            continue;
        n++;
        ok += parses(line);
    }
    fclose(f);
    CHECK_EQ_INT(n, 23);
    CHECK_EQ_INT(ok, n);
}

static int walk_patterns(const json_t *j, int *count)
{
    int bad = 0;
    if (json_is_object(j)) {
        const json_t *pt = json_object_get(j, "pattern_type");
        const json_t *pat = json_object_get(j, "pattern");
        if (json_is_string(pat) && json_is_string(pt) &&
            strcmp(json_string_value(pt), "stix") == 0) {
            (*count)++;
            bad += !parses(json_string_value(pat));
        }
        const char *k;
        const json_t *v;
        json_object_foreach((json_t *)j, k, v) bad += walk_patterns(v, count);
    } else if (json_is_array(j)) {
        size_t i;
        const json_t *v;
        json_array_foreach(j, i, v) bad += walk_patterns(v, count);
    }
    return bad;
}

static void test_sample_bundles(void)
{
    static const char *const files[] = {
        "oasis-json-schemas-examples/apt1.json",
        "oasis-json-schemas-examples/poisonivy.json",
        "oasis-json-schemas-examples/indicator-for-c2-ip-address.json",
        "oasis-json-schemas-examples/indicators-for-C2-with-COA.json",
        "oasis-json-schemas-examples/malicious-email-indicator-with-attachment.json",
        "oasis-json-schemas-examples/indicator-to-campaign-relationship.json",
        "oasis-cti-documentation/indicator-for-malicious-url.json",
        "oasis-cti-documentation/malware-indicator-for-file-hash.json",
        "oasis-cti-documentation/sighting-of-an-indicator.json",
        "oasis-cti-documentation/using-granular-markings.json",
        "oasis-cti-documentation/using-marking-definitions.json",
        "taxii-fixtures/medallion-default_data.json",
    };
    int total = 0;
    for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
        char path[512];
        snprintf(path, sizeof(path), "%s/stix-samples/%s", shared_dir(), files[i]);
        json_error_t je;
        json_t *j = json_load_file(path, 0, &je);
        CHECK(j != NULL);
        if (!j) {
            fprintf(stderr, "  %s: %s\n", path, je.text);
            continue;
        }
        CHECK_EQ_INT(walk_patterns(j, &total), 0);
        json_decref(j);
    }
    /* Every file of stix-samples holding a "stix" pattern is listed above:
     * 52 patterns in all (counted with an independent JSON walk). */
    CHECK_EQ_INT(total, 52);
}

static void test_valid_forms(void)
{
    CHECK(parses("[ipv4-addr:value = '10.0.0.0']"));
    CHECK(parses("  [ ipv4-addr:value = '10.0.0.0' ]  "));
    CHECK(parses("[file:size > 100 AND file:size <= 2048]"));
    CHECK(parses("[file:size >= -5 AND file:size < +7]"));
    CHECK(parses("[file:name != 'a' AND file:name <> 'b']"));
    CHECK(parses("[file:name == 'a']"));
    CHECK(parses("[file:name NOT = 'a']"));
    CHECK(parses("[file:name IN ('a', 'b', 'c')]"));
    CHECK(parses("[file:size IN (1, 2, 3.5)]"));
    CHECK(parses("[file:name IN ()]"));
    CHECK(parses("[file:name NOT IN ('a')]"));
    CHECK(parses("[file:name LIKE 'foo%.exe']"));
    CHECK(parses("[file:name NOT MATCHES '^a+$']"));
    CHECK(parses("[ipv4-addr:value ISSUPERSET '10.0.0.1']"));
    CHECK(parses("[EXISTS file:hashes.MD5]"));
    CHECK(parses("[NOT EXISTS file:hashes.MD5]"));
    CHECK(parses("[file:x_flag = true AND file:y = FALSE]"));
    CHECK(parses("[artifact:payload_bin = b'aGVsbG8=']"));
    CHECK(parses("[artifact:payload_bin = b'']"));
    CHECK(parses("[file:magic_number_hex = h'']"));
    CHECK(parses("[file:created > t'2020-01-01T00:00:00.123456Z']"));
    CHECK(parses("[file:name = 'it\\'s \\\\ here']"));
    CHECK(parses("[process:'name' = 'x']"));
    CHECK(parses("[network-traffic:protocols[0] = 'tcp' AND network-traffic:protocols[-1] = "
                 "'ip']"));
    CHECK(parses("[file:extensions.'ntfs-ext'.alternate_data_streams[*].name = 'x']"));
    CHECK(parses("[x-custom-thing:some_prop = 1]"));
    CHECK(parses("[file:name = 'a'] WITHIN 1.5 SECONDS"));
    CHECK(parses("[file:name = 'a'] REPEATS 2 TIMES WITHIN 10 SECONDS"));
    CHECK(parses("[file:name = 'a'] START t'2016-06-01T00:00:00Z' STOP "
                 "t'2016-07-01T00:00:00Z'"));
    CHECK(parses("([file:name = 'a'] WITHIN 5 SECONDS) WITHIN 10 SECONDS"));
    CHECK(parses("[file:name = 'a'] AND [file:name = 'b'] OR [url:value = 'c'] FOLLOWEDBY "
                 "[url:value = 'd']"));
    CHECK(parses("((([file:name = 'a'])))"));
    CHECK(parses("[((file:name = 'a') OR (file:name = 'b')) AND file:size = 3]"));
    CHECK(parses("[ipv4-addr:value = '1.2.3.4' OR domain-name:value = 'x.example']"));
    CHECK(parses("[file:created = t'2016-02-29T23:59:60Z']"));
    CHECK(parses("[file:hashes.md5 = '00DBB9E1C09DBDAFB360F3163BA5A3DE']"));
    CHECK(parses("[file:hashes.'x-custom-hash' = 'anything']"));
    CHECK(parses("[file:hashes.MD5 LIKE 'ab%']"));
}

static void test_invalid_forms(void)
{
    CHECK(rejects("", "empty pattern"));
    CHECK(rejects("   ", "empty pattern"));
    CHECK(rejects("file:name = 'a'", "expected '[' or '('"));
    CHECK(rejects("[file:name = 'a'", "expected ']'"));
    CHECK(rejects("[file:name = 'a']]", "end of pattern"));
    CHECK(rejects("[file:name = 'a]", "unterminated string"));
    CHECK(rejects("[file:name = 'a\\x']", "invalid escape"));
    CHECK(rejects("[file:name 'a']", "comparison operator"));
    CHECK(rejects("[file:name =]", "literal value"));
    CHECK(rejects("[file name = 'a']", "expected ':'"));
    CHECK(rejects("[a:b = 1]", "unknown object type 'a'"));
    CHECK(rejects("[File:name = 'a']", "unknown object type"));
    CHECK(rejects("[file:name.sub-prop = 'a']", "contains '-'"));
    CHECK(rejects("[file:name = 'a' AND ipv4-addr:value = 'b']", "same object type"));
    CHECK(rejects("[(file:name = 'a' OR url:value = 'b') AND file:size = 1]", "same object type"));
    CHECK(rejects("[file:size > true]", "orderable"));
    CHECK(rejects("[file:name LIKE 5]", "string literal after LIKE"));
    CHECK(rejects("[file:name MATCHES '(']", "regular expression"));
    CHECK(rejects("[file:name IN ('a', 1)]", "same type"));
    CHECK(rejects("[file:name IN ('a' 'b')]", "',' or ')'"));
    CHECK(rejects("[file:name IN 'a']", "'(' starting a set"));
    CHECK(rejects("[file:size = 007]", "leading zero"));
    CHECK(rejects("[file:size = 1.]", "digits expected"));
    CHECK(rejects("[file:size = 12abc]", "after digits"));
    CHECK(rejects("[file:created = t'2016-13-01T00:00:00Z']", "invalid timestamp"));
    CHECK(rejects("[file:created = t'2015-02-29T00:00:00Z']", "invalid timestamp"));
    CHECK(rejects("[file:created = t'2016-01-01T00:00:00+01:00']", "invalid timestamp"));
    CHECK(rejects("[file:magic_number_hex = h'abc']", "hex literal"));
    CHECK(rejects("[file:magic_number_hex = h'zz']", "hex literal"));
    CHECK(rejects("[artifact:payload_bin = b'a=bc']", "base64"));
    CHECK(rejects("[file:name = 'a'] WITHIN 0 SECONDS", "positive"));
    CHECK(rejects("[file:name = 'a'] WITHIN -5 SECONDS", "positive"));
    CHECK(rejects("[file:name = 'a'] WITHIN 5", "SECONDS"));
    CHECK(rejects("[file:name = 'a'] REPEATS 0 TIMES", "positive"));
    CHECK(rejects("[file:name = 'a'] REPEATS 2", "TIMES"));
    CHECK(rejects("[file:name = 'a'] REPEATS 2 TIMES REPEATS 3 TIMES", "duplicate REPEATS"));
    CHECK(rejects("[file:name = 'a'] WITHIN 2 SECONDS WITHIN 3 SECONDS", "duplicate WITHIN"));
    CHECK(rejects("[file:name = 'a'] START t'2016-07-01T00:00:00Z' STOP t'2016-06-01T00:00:00Z'",
                  "later than START"));
    CHECK(rejects("[file:name = 'a'] START '2016-07-01T00:00:00Z' STOP t'2016-08-01T00:00:00Z'",
                  "timestamp literal"));
    CHECK(rejects("[file:name = 'a'] and [file:name = 'b']", "end of pattern"));
    CHECK(rejects("[file:name = 'a'] AND", "'[' or '('"));
    CHECK(rejects("[file:hashes[x] = 'a']", "list index"));
    CHECK(rejects("[file:hashes[1 = 'a']", "']' after the list index"));
    CHECK(rejects("[NOT file:name = 'a']", "EXISTS after NOT"));
    CHECK(rejects("[file:name = 'a' ; ]", "unexpected character ';'"));
    CHECK(rejects("[file:name = \"a\"]", "unexpected character '\"'"));
    CHECK(rejects("[file:name = 'a'] \x01", "unexpected byte 0x01"));
    CHECK(rejects("[file:name ! 'a']", "'!'"));
    CHECK(rejects("()", "'[' or '('"));
    CHECK(rejects("[]", "object path"));
    CHECK(rejects("[file:hashes.MD5 = 'abc']", "'MD5' hash value is not 32 hex digits"));
    CHECK(rejects("[file:hashes.'SHA-256' = 'zz']", "'SHA-256' hash value is not 64"));
    CHECK(rejects("[file:hashes.sha1 != '0123']", "not 40 hex"));
    CHECK(rejects("[file:name = 'a') ", "expected ']'"));
}

static void test_limits(void)
{
    /* Nesting beyond the limit is refused, not a stack overflow. */
    size_t depth = 5000;
    char *deep = malloc(depth * 2 + 64);
    size_t n = 0;
    for (size_t i = 0; i < depth; i++)
        deep[n++] = '(';
    n += (size_t)sprintf(deep + n, "[file:name = 'a']");
    for (size_t i = 0; i < depth; i++)
        deep[n++] = ')';
    deep[n] = '\0';
    CHECK(rejects(deep, "nested deeper"));
    /* The same inside a comparison. */
    n = (size_t)sprintf(deep, "[");
    for (size_t i = 0; i < depth; i++)
        deep[n++] = '(';
    n += (size_t)sprintf(deep + n, "file:name = 'a'");
    for (size_t i = 0; i < depth; i++)
        deep[n++] = ')';
    deep[n++] = ']';
    deep[n] = '\0';
    CHECK(rejects(deep, "nested deeper"));
    free(deep);

    /* A long flat OR chain is fine (n-ary nodes, no deep recursion). */
    size_t terms = 1500;
    char *wide = malloc(terms * 40 + 8);
    n = (size_t)sprintf(wide, "[");
    for (size_t i = 0; i < terms; i++)
        n += (size_t)sprintf(wide + n, "%sipv4-addr:value = '10.0.%zu.%zu'", i ? " OR " : "",
                             i / 256, i % 256);
    n += (size_t)sprintf(wide + n, "]");
    struct stix_pattern *p = stix_pattern_parse(wide, NULL, 0);
    CHECK(p != NULL);
    CHECK(stix_pattern_is_simple_disjunction(p));
    stix_pattern_free(p);
    free(wide);

    /* Over the length limit. */
    char *big = malloc(STIX_PATTERN_MAX_LEN + 16);
    memset(big, ' ', STIX_PATTERN_MAX_LEN + 10);
    memcpy(big, "[file:name = 'a']", 17);
    big[STIX_PATTERN_MAX_LEN + 10] = '\0';
    CHECK(rejects(big, "longer than"));
    free(big);
    CHECK(stix_pattern_parse(NULL, NULL, 0) == NULL);
}

struct collected {
    char text[2048];
    int count;
};

static int collect(const char *type, const char *path, const char *op, const char *value,
                   bool negated, void *ctx)
{
    struct collected *c = ctx;
    size_t n = strlen(c->text);
    snprintf(c->text + n, sizeof(c->text) - n, "%s%s|%s|%s%s|%s", c->count ? ";" : "", type, path,
             negated ? "NOT " : "", op, value ? value : "(null)");
    c->count++;
    return 0;
}

static void check_walk(const char *pattern, const char *want)
{
    struct collected c = {"", 0};
    char err[256];
    struct stix_pattern *p = stix_pattern_parse(pattern, err, sizeof(err));
    CHECK(p != NULL);
    if (!p) {
        fprintf(stderr, "  %s: %s\n", pattern, err);
        return;
    }
    CHECK_EQ_INT(stix_pattern_foreach_comparison(p, collect, &c), 0);
    CHECK_EQ_STR(c.text, want);
    stix_pattern_free(p);
}

static int stop_at_second(const char *type, const char *path, const char *op, const char *value,
                          bool negated, void *ctx)
{
    int *n = ctx;
    return ++*n == 2 ? 42 : 0;
}

static void test_walk(void)
{
    check_walk("[file:hashes.'SHA-256' LIKE 'ab%']", "file|hashes.'SHA-256'|LIKE|ab%");
    check_walk("[file:name = 'it\\'s']", "file|name|=|it's");
    check_walk("[windows-registry-key:key = 'HKLM\\\\x']", "windows-registry-key|key|=|HKLM\\x");
    check_walk("[file:extensions.'windows-pebinary-ext'.sections[*].entropy > 7.0]",
               "file|extensions.'windows-pebinary-ext'.sections[*].entropy|>|7.0");
    check_walk("[file:name NOT IN ('a', 'b\\'c')]", "file|name|NOT IN|('a', 'b\\'c')");
    check_walk("[file:size IN (1, 2.5)]", "file|size|IN|(1, 2.5)");
    check_walk("[NOT EXISTS file:hashes.MD5]", "file|hashes.MD5|NOT EXISTS|(null)");
    check_walk("[file:magic_number_hex = h'ffd8' AND file:created = t'2014-01-13T07:03:17Z']",
               "file|magic_number_hex|=|ffd8;file|created|=|2014-01-13T07:03:17Z");
    check_walk("[artifact:payload_bin = b'aGk=']", "artifact|payload_bin|=|aGk=");
    check_walk("[file:x = true]", "file|x|=|true");
    check_walk("[file:name <> 'a']", "file|name|!=|a");
    check_walk("[domain-name:value = 'a'] FOLLOWEDBY [url:value MATCHES 'b+']",
               "domain-name|value|=|a;url|value|MATCHES|b+");
    check_walk("[network-traffic:protocols[0] = 'tcp']", "network-traffic|protocols[0]|=|tcp");

    struct stix_pattern *p = stix_pattern_parse("[file:name = 'a' OR file:name = 'b' OR "
                                                "file:name = 'c']",
                                                NULL, 0);
    int n = 0;
    CHECK_EQ_INT(stix_pattern_foreach_comparison(p, stop_at_second, &n), 42);
    CHECK_EQ_INT(n, 2);
    CHECK_EQ_INT(stix_pattern_foreach_comparison(NULL, stop_at_second, &n), -EINVAL);
    stix_pattern_free(p);
}

static bool simple(const char *text)
{
    struct stix_pattern *p = stix_pattern_parse(text, NULL, 0);
    CHECK(p != NULL);
    bool r = stix_pattern_is_simple_disjunction(p);
    stix_pattern_free(p);
    return r;
}

static void test_simple_disjunction(void)
{
    CHECK(simple("[ipv4-addr:value = '1.2.3.4']"));
    CHECK(simple("[ipv4-addr:value = '1.2.3.4' OR ipv4-addr:value = '5.6.7.8']"));
    CHECK(simple("[domain-name:value = 'a' OR ipv4-addr:value = '1.2.3.4']"));
    CHECK(simple("[(url:value = 'a' OR url:value = 'b') OR url:value = 'c']"));
    CHECK(simple("[url:value = 'a'] OR [url:value = 'b']"));
    CHECK(!simple("[file:name = 'a' AND file:size = 1]"));
    CHECK(!simple("[file:name != 'a']"));
    CHECK(!simple("[file:name NOT = 'a']"));
    CHECK(!simple("[file:name IN ('a', 'b')]"));
    CHECK(!simple("[file:name MATCHES 'a']"));
    CHECK(!simple("[file:name = 'a'] WITHIN 5 SECONDS"));
    CHECK(!simple("[file:name = 'a'] AND [file:name = 'b']"));
    CHECK(!simple("[file:name = 'a'] FOLLOWEDBY [file:name = 'b']"));
    CHECK(!simple("[EXISTS file:name]"));
    CHECK(!stix_pattern_is_simple_disjunction(NULL));
}

static void test_timestamps(void)
{
    long long s;
    long ns;
    CHECK_EQ_INT(stix_timestamp_parse("1970-01-01T00:00:00Z", 20, &s, &ns), 0);
    CHECK_EQ_INT(s, 0);
    CHECK_EQ_INT(ns, 0);
    CHECK_EQ_INT(stix_timestamp_parse("2016-04-06T20:03:48.123Z", 24, &s, &ns), 0);
    CHECK_EQ_INT(s, 1459973028);
    CHECK_EQ_INT(ns, 123000000);
    CHECK_EQ_INT(stix_timestamp_parse("2000-02-29T00:00:00.000001Z", 27, &s, &ns), 0);
    CHECK_EQ_INT(ns, 1000);
    CHECK_EQ_INT(stix_timestamp_parse("1900-02-29T00:00:00Z", 20, &s, &ns), -EINVAL);
    CHECK_EQ_INT(stix_timestamp_parse("2016-04-06T20:03:48", 19, &s, &ns), -EINVAL);
    CHECK_EQ_INT(stix_timestamp_parse("2016-04-06T20:03:48.Z", 21, &s, &ns), -EINVAL);
    CHECK_EQ_INT(stix_timestamp_parse("2016-04-06 20:03:48Z", 20, &s, &ns), -EINVAL);
    CHECK_EQ_INT(stix_timestamp_parse("2016-04-06T24:00:00Z", 20, &s, &ns), -EINVAL);
    CHECK_EQ_INT(stix_timestamp_parse("2016-04-06T20:03:48ZZ", 21, &s, &ns), -EINVAL);
    CHECK(stix_pattern_sco_type_is_known("file"));
    CHECK(stix_pattern_sco_type_is_known("x-foo"));
    CHECK(!stix_pattern_sco_type_is_known("x-"));
    CHECK(!stix_pattern_sco_type_is_known("x-Foo"));
    CHECK(!stix_pattern_sco_type_is_known("indicator"));
}

int main(void)
{
    test_spec_examples();
    test_sample_bundles();
    test_valid_forms();
    test_invalid_forms();
    test_limits();
    test_walk();
    test_simple_disjunction();
    test_timestamps();
    TEST_MAIN_END();
}
