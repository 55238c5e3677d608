/* SPDX-License-Identifier: Apache-2.0 */
/* Suricata's integer keyword syntax (see detect_uint.h). Parsing runs at rule
 * load only; matching is a switch on the mode. */
#include "detect/detect_uint.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static int uint_fail(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int uint_fail(char *err, size_t errlen, const char *fmt, ...)
{
    if (err && errlen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
    }
    return -EINVAL;
}

static const char *skip_ws(const char *s)
{
    while (isspace((unsigned char)*s))
        s++;
    return s;
}

/* A number at *sp: decimal or 0x hex, with an optional unit (kb/kib, mb/mib,
 * gb/gib, case-insensitive). Advances *sp past it. */
static int parse_number(const char **sp, uint64_t max, uint64_t *out)
{
    const char *s = skip_ws(*sp);
    if (!isdigit((unsigned char)*s))
        return -EINVAL;
    int base = (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) ? 16 : 10;
    if (base == 16 && !isxdigit((unsigned char)s[2]))
        return -EINVAL;
    errno = 0;
    char *end;
    unsigned long long v = strtoull(s, &end, base);
    if (errno == ERANGE)
        return -ERANGE;
    static const struct {
        const char *unit;
        uint64_t mult;
    } units[] = {{"kib", 1024ull},           {"kb", 1024ull},        {"mib", 1048576ull},
                 {"mb", 1048576ull},         {"gib", 1073741824ull}, {"gb", 1073741824ull}};
    for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
        size_t n = strlen(units[i].unit);
        if (strncasecmp(end, units[i].unit, n) == 0 && !isalnum((unsigned char)end[n])) {
            if (v > UINT64_MAX / units[i].mult)
                return -ERANGE;
            v *= units[i].mult;
            end += n;
            break;
        }
    }
    if (v > max)
        return -ERANGE;
    *out = v;
    *sp = end;
    return 0;
}

static bool at_end(const char *s)
{
    return *skip_ws(s) == '\0';
}

static const struct detect_uint_name *name_lookup(const struct detect_uint_spec *spec,
                                                  const char *name, size_t len)
{
    if (!spec->names)
        return NULL;
    for (const struct detect_uint_name *n = spec->names; n->name; n++) {
        if (strlen(n->name) != len)
            continue;
        if (spec->names_nocase ? strncasecmp(n->name, name, len) == 0
                               : strncmp(n->name, name, len) == 0)
            return n;
    }
    return NULL;
}

static bool is_name_char(char c)
{
    return isalnum((unsigned char)c) || c == '_' || c == '-' || c == '.';
}

/* "a,b,!c": named bits. */
static int parse_flags(const char *s, const struct detect_uint_spec *spec, struct detect_uint *out,
                       char *err, size_t errlen)
{
    uint64_t mask = 0, value = 0;
    for (;;) {
        s = skip_ws(s);
        bool neg = false;
        if (*s == '!') {
            neg = true;
            s = skip_ws(s + 1);
        }
        const char *start = s;
        while (is_name_char(*s))
            s++;
        if (s == start)
            return uint_fail(err, errlen, "expected a flag name at '%.20s'", start);
        const struct detect_uint_name *n = name_lookup(spec, start, (size_t)(s - start));
        if (!n)
            return uint_fail(err, errlen, "unknown flag '%.*s'", (int)(s - start), start);
        if (mask & n->value)
            return uint_fail(err, errlen, "flag '%s' given twice", n->name);
        mask |= n->value;
        if (!neg)
            value |= n->value;
        s = skip_ws(s);
        if (*s == '\0')
            break;
        if (*s != ',')
            return uint_fail(err, errlen, "unexpected '%c' in flag list", *s);
        s++;
    }
    out->mode = DETECT_UINT_MASK_EQ;
    out->a = mask;
    out->b = value;
    return 0;
}

int detect_uint_parse_ex(const char *text, const struct detect_uint_spec *spec,
                         struct detect_uint *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof(*out));
    if (!text)
        return uint_fail(err, errlen, "missing value");
    const char *s = skip_ws(text);
    if (!*s)
        return uint_fail(err, errlen, "empty value");
    uint64_t max = spec->max ? spec->max : UINT64_MAX;

    /* Names. */
    const char *p = s;
    if (*p == '!')
        p = skip_ws(p + 1);
    if (isalpha((unsigned char)*p) || *p == '_') {
        if (spec->names_kind == DETECT_UINT_NAMES_FLAGS)
            return parse_flags(s, spec, out, err, errlen);
        if (spec->names_kind != DETECT_UINT_NAMES_ENUM)
            return uint_fail(err, errlen, "'%.40s' is not a number", s);
        const char *start = p;
        while (is_name_char(*p))
            p++;
        const struct detect_uint_name *n = name_lookup(spec, start, (size_t)(p - start));
        if (!n || !at_end(p))
            return uint_fail(err, errlen, "unknown value '%.40s'", start);
        out->mode = *s == '!' ? DETECT_UINT_NE : DETECT_UINT_EQ;
        out->a = n->value;
        return 0;
    }

    /* Bitmask: &mask=value, &mask!=value. */
    if (*s == '&') {
        const char *q = s + 1;
        uint64_t mask, value;
        if (parse_number(&q, max, &mask))
            return uint_fail(err, errlen, "invalid bitmask '%.40s'", s);
        q = skip_ws(q);
        bool ne = false;
        if (q[0] == '!' && q[1] == '=') {
            ne = true;
            q += 2;
        } else if (q[0] == '=') {
            q++;
        } else {
            return uint_fail(err, errlen, "bitmask needs '=' or '!=' and a value");
        }
        if (parse_number(&q, max, &value) || !at_end(q))
            return uint_fail(err, errlen, "invalid bitmask value in '%.40s'", s);
        if (value & ~mask)
            return uint_fail(err, errlen, "bitmask value has bits outside the mask: never matches");
        out->mode = ne ? DETECT_UINT_MASK_NE : DETECT_UINT_MASK_EQ;
        out->a = mask;
        out->b = value;
        return 0;
    }

    bool neg = false;
    uint8_t mode = DETECT_UINT_EQ;
    if (s[0] == '!' && s[1] == '=') {
        mode = DETECT_UINT_NE;
        s += 2;
    } else if (s[0] == '!') {
        neg = true;
        s++;
    } else if (s[0] == '<' && s[1] == '=') {
        mode = DETECT_UINT_LE;
        s += 2;
    } else if (s[0] == '>' && s[1] == '=') {
        mode = DETECT_UINT_GE;
        s += 2;
    } else if (s[0] == '<') {
        mode = DETECT_UINT_LT;
        s++;
    } else if (s[0] == '>') {
        mode = DETECT_UINT_GT;
        s++;
    } else if (s[0] == '=') {
        s++;
    }
    uint64_t a;
    const char *q = s;
    int rc = parse_number(&q, max, &a);
    if (rc)
        return uint_fail(err, errlen, rc == -ERANGE ? "'%.40s' is out of range"
                                                    : "'%.40s' is not a number",
                         s);
    q = skip_ws(q);
    if ((q[0] == '-' || (q[0] == '<' && q[1] == '>')) && mode == DETECT_UINT_EQ) {
        q += q[0] == '-' ? 1 : 2;
        uint64_t b;
        if (parse_number(&q, max, &b) || !at_end(q))
            return uint_fail(err, errlen, "invalid range '%.40s'", text);
        if (a >= b)
            return uint_fail(err, errlen, "range %llu-%llu is empty", (unsigned long long)a,
                             (unsigned long long)b);
        out->mode = neg ? DETECT_UINT_NRANGE : DETECT_UINT_RANGE;
        out->a = a;
        out->b = b;
        return 0;
    }
    if (!at_end(q))
        return uint_fail(err, errlen, "unexpected text after the number: '%.20s'", q);
    if (neg)
        mode = DETECT_UINT_NE;
    if ((mode == DETECT_UINT_LT && a == 0) || (mode == DETECT_UINT_GT && a == max))
        return uint_fail(err, errlen, "comparison can never match");
    out->mode = mode;
    out->a = a;
    return 0;
}

static int parse_signed(const char **sp, int32_t *out)
{
    const char *s = skip_ws(*sp);
    bool neg = false;
    if (*s == '-') {
        neg = true;
        s++;
    }
    uint64_t v;
    if (parse_number(&s, 1u << 30, &v))
        return -EINVAL;
    *out = neg ? -(int32_t)v : (int32_t)v;
    *sp = s;
    return 0;
}

/* The index part of a multi-integer ("all", "nb>3", "-1", "2:4", ...). */
static int parse_index(const char *s, struct detect_uint_multi *m)
{
    s = skip_ws(s);
    static const struct {
        const char *word;
        uint8_t mode;
    } words[] = {{"any", DETECT_UINT_INDEX_ANY},
                 {"all_or_absent", DETECT_UINT_INDEX_ALL_OR_ABSENT},
                 {"all", DETECT_UINT_INDEX_ALL},
                 {"or_absent", DETECT_UINT_INDEX_OR_ABSENT}};
    for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
        size_t n = strlen(words[i].word);
        if (strncmp(s, words[i].word, n) == 0 && at_end(s + n)) {
            m->mode = words[i].mode;
            return 0;
        }
    }
    if (strncmp(s, "nb", 2) == 0) {
        struct detect_uint_spec count = {.max = UINT32_MAX};
        if (detect_uint_parse_ex(s + 2, &count, &m->nb, NULL, 0))
            return -EINVAL;
        m->mode = DETECT_UINT_INDEX_NB;
        return 0;
    }
    if (strncmp(s, "oob_or", 6) == 0) {
        const char *q = s + 6;
        if (parse_signed(&q, &m->index) || !at_end(q))
            return -EINVAL;
        m->mode = DETECT_UINT_INDEX_OOB_OR;
        return 0;
    }
    const char *q = s;
    if (parse_signed(&q, &m->index))
        return -EINVAL;
    q = skip_ws(q);
    if (*q == ':') {
        q++;
        if (parse_signed(&q, &m->end) || !at_end(q))
            return -EINVAL;
        m->mode = DETECT_UINT_INDEX_SLICE;
        return 0;
    }
    if (!at_end(q))
        return -EINVAL;
    m->mode = DETECT_UINT_INDEX_AT;
    return 0;
}

int detect_uint_multi_parse(const char *text, const struct detect_uint_spec *spec,
                            struct detect_uint_multi *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof(*out));
    if (!text)
        return uint_fail(err, errlen, "missing value");
    const char *s = skip_ws(text);
    if (strncmp(s, "count", 5) == 0 && !is_name_char(s[5])) {
        struct detect_uint_spec count = {.max = UINT32_MAX};
        if (detect_uint_parse_ex(s + 5, &count, &out->nb, err, errlen))
            return -EINVAL;
        out->mode = DETECT_UINT_INDEX_COUNT;
        return 0;
    }
    char buf[256];
    if (strlen(s) >= sizeof(buf))
        return uint_fail(err, errlen, "value too long");
    snprintf(buf, sizeof(buf), "%s", s);
    /* The index follows the last comma; a flag list keeps its commas when
     * what follows is no index. */
    char *comma = strrchr(buf, ',');
    if (comma) {
        struct detect_uint_multi idx;
        memset(&idx, 0, sizeof(idx));
        if (parse_index(comma + 1, &idx) == 0) {
            *comma = '\0';
            if (detect_uint_parse_ex(buf, spec, &out->value, err, errlen))
                return -EINVAL;
            out->mode = idx.mode;
            out->index = idx.index;
            out->end = idx.end;
            out->nb = idx.nb;
            return 0;
        }
        if (spec->names_kind != DETECT_UINT_NAMES_FLAGS)
            return uint_fail(err, errlen, "invalid index '%.40s'", comma + 1);
    }
    out->mode = DETECT_UINT_INDEX_ANY;
    return detect_uint_parse_ex(buf, spec, &out->value, err, errlen);
}

bool detect_uint_multi_needs_all(const struct detect_uint_multi *m)
{
    switch (m->mode) {
    case DETECT_UINT_INDEX_ALL:
    case DETECT_UINT_INDEX_ALL_OR_ABSENT:
    case DETECT_UINT_INDEX_OR_ABSENT:
    case DETECT_UINT_INDEX_NB:
    case DETECT_UINT_INDEX_COUNT:
    case DETECT_UINT_INDEX_OOB_OR:
        return true;
    case DETECT_UINT_INDEX_AT:
    case DETECT_UINT_INDEX_SLICE:
        return m->index < 0 || m->end < 0;
    default:
        return false;
    }
}

/* Resolves a possibly negative index against n: -1 if out of bounds. */
static int64_t resolve(int32_t index, uint32_t n)
{
    int64_t i = index < 0 ? (int64_t)n + index : index;
    return i >= 0 && i < (int64_t)n ? i : -1;
}

bool detect_uint_multi_match(const struct detect_uint_multi *m, const uint64_t *values,
                             uint32_t n)
{
    switch (m->mode) {
    case DETECT_UINT_INDEX_ANY:
    case DETECT_UINT_INDEX_OR_ABSENT:
        if (n == 0)
            return m->mode == DETECT_UINT_INDEX_OR_ABSENT;
        for (uint32_t i = 0; i < n; i++)
            if (detect_uint_match(&m->value, values[i]))
                return true;
        return false;
    case DETECT_UINT_INDEX_ALL:
    case DETECT_UINT_INDEX_ALL_OR_ABSENT:
        if (n == 0)
            return m->mode == DETECT_UINT_INDEX_ALL_OR_ABSENT;
        for (uint32_t i = 0; i < n; i++)
            if (!detect_uint_match(&m->value, values[i]))
                return false;
        return true;
    case DETECT_UINT_INDEX_NB: {
        uint64_t count = 0;
        for (uint32_t i = 0; i < n; i++)
            if (detect_uint_match(&m->value, values[i]))
                count++;
        return detect_uint_match(&m->nb, count);
    }
    case DETECT_UINT_INDEX_COUNT:
        return detect_uint_match(&m->nb, n);
    case DETECT_UINT_INDEX_AT: {
        int64_t i = resolve(m->index, n);
        return i >= 0 && detect_uint_match(&m->value, values[i]);
    }
    case DETECT_UINT_INDEX_OOB_OR: {
        int64_t i = resolve(m->index, n);
        return i < 0 || detect_uint_match(&m->value, values[i]);
    }
    case DETECT_UINT_INDEX_SLICE: {
        int64_t a = m->index < 0 ? (int64_t)n + m->index : m->index;
        int64_t b = m->end < 0 ? (int64_t)n + m->end : m->end;
        if (a < 0 || b > (int64_t)n || a >= b)
            return false;
        for (int64_t i = a; i < b; i++)
            if (detect_uint_match(&m->value, values[i]))
                return true;
        return false;
    }
    default:
        return false;
    }
}
