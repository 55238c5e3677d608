/* SPDX-License-Identifier: Apache-2.0 */
/* Suricata's integer keyword syntax (detect_uint.c): every form, names as
 * enumeration and as flags, units, the forms Suricata rejects, and the
 * multi-integer indexes. */
#include "detect/detect_uint.h"
#include "test.h"

static const struct detect_uint_spec u8 = {.max = 0xff};
static const struct detect_uint_spec u32 = {.max = 0xffffffff};
static const struct detect_uint_name colours[] = {{"red", 1}, {"green", 2}, {"blue", 3},
                                                  {NULL, 0}};
static const struct detect_uint_spec en = {.max = 0xff, .names = colours,
                                           .names_kind = DETECT_UINT_NAMES_ENUM,
                                           .names_nocase = true};
static const struct detect_uint_name bits[] = {{"a", 0x01}, {"b", 0x02}, {"c", 0x80}, {NULL, 0}};
static const struct detect_uint_spec fl = {.max = 0xff, .names = bits,
                                           .names_kind = DETECT_UINT_NAMES_FLAGS};

/* Whether text parses with spec and matches v. */
static bool m(const struct detect_uint_spec *spec, const char *text, uint64_t v)
{
    struct detect_uint d;
    char err[128];
    if (detect_uint_parse_ex(text, spec, &d, err, sizeof(err)) != 0) {
        fprintf(stderr, "'%s' does not parse: %s\n", text, err);
        return false;
    }
    return detect_uint_match(&d, v);
}

static bool rejects(const struct detect_uint_spec *spec, const char *text)
{
    struct detect_uint d;
    char err[128];
    return detect_uint_parse_ex(text, spec, &d, err, sizeof(err)) != 0;
}

static void test_forms(void)
{
    CHECK(m(&u8, "19", 19) && !m(&u8, "19", 18));
    CHECK(m(&u8, "=19", 19));
    CHECK(m(&u8, " 0x13 ", 19));
    CHECK(m(&u8, "!19", 18) && !m(&u8, "!19", 19));
    CHECK(m(&u8, "!=19", 20));
    CHECK(m(&u8, "<19", 18) && !m(&u8, "<19", 19));
    CHECK(m(&u8, "<=19", 19) && !m(&u8, "<=19", 20));
    CHECK(m(&u8, ">19", 20) && !m(&u8, ">19", 19));
    CHECK(m(&u8, ">=19", 19));
    CHECK(m(&u8, "19-22", 20) && !m(&u8, "19-22", 19) && !m(&u8, "19-22", 22));
    CHECK(m(&u8, "19<>22", 21) && !m(&u8, "19<>22", 22));
    CHECK(m(&u8, "!19-22", 19) && !m(&u8, "!19-22", 20));
    CHECK(m(&u8, "&0xc0=0x80", 0x8f) && !m(&u8, "&0xc0=0x80", 0xcf));
    CHECK(m(&u8, "&0xc0!=0", 0x40) && !m(&u8, "&0xc0!=0", 0x3f));
    CHECK(m(&u32, "1kb", 1024) && m(&u32, "2mb", 2u << 20));
    /* Forms that can never match, or out of range, are refused. */
    CHECK(rejects(&u8, "<0"));
    CHECK(rejects(&u8, ">255"));
    CHECK(rejects(&u8, "256"));
    CHECK(rejects(&u8, "22-19"));
    CHECK(rejects(&u8, ""));
    CHECK(rejects(&u8, "abc"));
    CHECK(rejects(&u8, "1x"));
}

static void test_names(void)
{
    CHECK(m(&en, "green", 2) && !m(&en, "green", 3));
    CHECK(m(&en, "GREEN", 2));
    CHECK(m(&en, "!blue", 2) && !m(&en, "!blue", 3));
    CHECK(m(&en, "3", 3));
    CHECK(rejects(&en, "purple"));
    CHECK(m(&fl, "a", 0x81) && !m(&fl, "a", 0x80));
    CHECK(m(&fl, "a,!b", 0x01) && !m(&fl, "a,!b", 0x03));
    CHECK(m(&fl, "c,a", 0x81) && !m(&fl, "c,a", 0x80));
    CHECK(m(&fl, "!c", 0x03));
    CHECK(rejects(&fl, "a,z"));
}

static bool mm(const char *text, const uint64_t *v, uint32_t n)
{
    struct detect_uint_multi d;
    char err[128];
    if (detect_uint_multi_parse(text, &en, &d, err, sizeof(err)) != 0) {
        fprintf(stderr, "'%s' does not parse: %s\n", text, err);
        return false;
    }
    return detect_uint_multi_match(&d, v, n);
}

static void test_multi(void)
{
    const uint64_t v[] = {1, 2, 2, 3};
    CHECK(mm("green", v, 4));
    CHECK(mm("green,any", v, 4));
    CHECK(!mm("green,all", v, 4));
    CHECK(mm(">0,all", v, 4));
    CHECK(!mm(">0,all", v, 0));
    CHECK(mm(">0,all_or_absent", v, 0));
    CHECK(mm("red,or_absent", v, 0) && mm("red,or_absent", v, 4));
    CHECK(mm("green,nb 2", v, 4) && !mm("green,nb 1", v, 4));
    CHECK(mm("green,nb >1", v, 4));
    CHECK(mm("red,0", v, 4) && !mm("red,1", v, 4));
    CHECK(mm("blue,-1", v, 4) && !mm("blue,-2", v, 4));
    CHECK(mm("red,oob_or 9", v, 4) && mm("red,oob_or 0", v, 4) && !mm("blue,oob_or 0", v, 4));
    CHECK(mm("blue,2:4", v, 4) && !mm("red,1:4", v, 4) && !mm("blue,0:2", v, 4));
    CHECK(mm("count 4", v, 4) && mm("count >3", v, 4) && !mm("count 3", v, 4));
    struct detect_uint_multi d;
    char err[128];
    CHECK(detect_uint_multi_parse("green,sideways", &en, &d, err, sizeof(err)) != 0);
    CHECK(detect_uint_multi_parse("green,all", &en, &d, err, sizeof(err)) == 0 &&
          detect_uint_multi_needs_all(&d));
    CHECK(detect_uint_multi_parse("green,0", &en, &d, err, sizeof(err)) == 0 &&
          !detect_uint_multi_needs_all(&d));
}

int main(void)
{
    test_forms();
    test_names();
    test_multi();
    TEST_MAIN_END();
}
