/* SPDX-License-Identifier: Apache-2.0 */
/* The rule language added for Suricata 8 parity (requires, and the keyword
 * families of issue 11): parsing, load-time errors and, where the keyword
 * works on its own, its matching. End-to-end behaviour on traffic is in
 * tests/sensor/detect_keywords.py. */
#include <errno.h>
#include <stdint.h>

#include "detect/rule_set.h"
#include "test.h"

static struct rule_set *rs;
static uint32_t next_sid = 1;

/* Adds a rule; returns rule_set_add_rule's result (0 loaded, 1 skipped,
 * <0 failed) and copies the error. */
static int add(const char *text, struct rule_error *e)
{
    return rule_set_add_rule(rs, text, "test.rules", next_sid++, e);
}

static void expect(const char *text, int want, const char *fragment, int line)
{
    struct rule_error e;
    int rc = add(text, &e);
    int got = rc == 0 ? 0 : rc == 1 ? 1 : -1;
    test_checks++;
    if (got != want || (fragment && !strstr(e.message, fragment))) {
        fprintf(stderr, "line %d: %s\n  got %d (want %d): keyword '%s' reason '%s' message '%s'\n",
                line, text, got, want, e.keyword, e.reason, e.message);
        test_failures++;
    }
}
#define LOADS(t) expect(t, 0, NULL, __LINE__)
#define SKIPS(t, frag) expect(t, 1, frag, __LINE__)
#define FAILS(t, frag) expect(t, -1, frag, __LINE__)

static void test_requires(void)
{
    /* vigil follows Suricata 9.0.0. */
    LOADS("alert http any any -> any any (content:\"x\"; requires: version >= 8.0.0; sid:1;)");
    LOADS("alert http any any -> any any (requires: version >= 9; sid:2;)");
    LOADS("alert http any any -> any any (requires: version >= 7.0.3 < 8 | >= 9.0.0; sid:3;)");
    LOADS("alert http any any -> any any (requires: version > 8.9.255 <= 9.0; sid:4;)");
    SKIPS("alert http any any -> any any (requires: version >= 7 < 8; sid:5;)", "older version");
    SKIPS("alert http any any -> any any (requires: version >= 9.0.1; sid:6;)", "less than");
    SKIPS("alert http any any -> any any (requires: version >= 7.0.3 < 8 | >= 9.0.99; sid:7;)",
          NULL);
    /* Features, keywords, unknown requirements. */
    LOADS("alert tls any any -> any any (requires: feature ja3, feature ja4; sid:10;)");
    SKIPS("alert tls any any -> any any (requires: feature no_such_feature; sid:11;)",
          "feature no_such_feature");
    LOADS("alert http any any -> any any (requires: version >= 8, keyword sid; sid:12;)");
    LOADS("alert http any any -> any any (requires: keyword http.uri, keyword content; sid:13;)");
    SKIPS("alert http any any -> any any (requires: keyword foobar; sid:14;)", "keyword foobar");
    SKIPS("alert http any any -> any any (requires: foo bar; sid:15;)", "unknown requirement");
    /* Checked before anything else: syntax of a later version is skipped. */
    SKIPS("alert vxlan any any -> any any (requires: version >= 10; sid:20;)", NULL);
    SKIPS("alert http any any => any any (requires: version >= 10; sid:21;)", NULL);
    SKIPS("alert tcp any any -> any any (no_such_kw:1; requires: version >= 10; sid:22;)", NULL);
    /* Met requirements do not excuse the rest. */
    FAILS("alert asdf any any -> any any (requires: version >= 6; sid:23;)", NULL);
    /* Malformed values are errors. */
    FAILS("alert tcp any any -> any any (requires: version 9; sid:30;)", "version expression");
    FAILS("alert tcp any any -> any any (requires: version >= x; sid:31;)", NULL);
    FAILS("alert tcp any any -> any any (requires: version >= 8, version >= 7; sid:32;)",
          "only be given once");
    FAILS("alert tcp any any -> any any (requires: version >= 256; sid:33;)", NULL);
    FAILS("alert tcp any any -> any any (requires: feature; sid:34;)", NULL);
    /* A ';' inside a quoted value before requires does not hide it. */
    SKIPS("alert tcp any any -> any any (content:\"a\\;b\"; requires: version < 8; sid:35;)", NULL);
    /* Features turned off by configuration. */
    rule_set_set_feature(rs, "ja4", false);
    SKIPS("alert tls any any -> any any (requires: feature ja4; sid:40;)", "feature ja4");
    CHECK_EQ_INT(rule_set_set_feature(rs, "no_such_feature", false), -ENOENT);
    rule_set_set_feature(rs, "ja4", true);
    LOADS("alert tls any any -> any any (requires: feature ja4; sid:41;)");
}

/* Skipped rules are counted apart from loaded and failed ones. */
static void test_requires_stats(void)
{
    struct rule_set *s = rule_set_new(NULL);
    const char *text = "alert tcp any any -> any any (requires: version >= 10; sid:1;)\n"
                       "alert tcp any any -> any any (requires: version >= 9; sid:2;)\n"
                       "alert tcp any any -> any any (requires: version >= 6; foo:bar; sid:3;)\n";
    CHECK_EQ_INT(rule_set_load_buffer(s, text, strlen(text), "mem", NULL), 0);
    const struct rule_load_stats *st = rule_set_stats(s);
    CHECK_EQ_INT(st->loaded, 1);
    CHECK_EQ_INT(st->failed, 1);
    CHECK_EQ_INT(st->skipped, 1);
    rule_set_free(s);
}

int main(void)
{
    rs = rule_set_new(NULL);
    test_requires();
    test_requires_stats();
    rule_set_free(rs);
    TEST_MAIN_END();
}
