/* SPDX-License-Identifier: Apache-2.0 */
/* STIX 2.1 patterning language parser (STIX 2.1 specification, section 9).
 *
 * A hand-written lexer and recursive-descent parser. Precedence, lowest first:
 *   observation level:  FOLLOWEDBY < OR < AND < qualified observation
 *   comparison level:   OR < AND < comparison / parenthesised comparison
 * Chains of one operator become one n-ary node (children linked through
 * `next`), so the tree depth is bounded by the parenthesis nesting, which is
 * limited to STIX_PATTERN_MAX_DEPTH: recursion cannot exhaust the stack
 * whatever the input. Every allocation of one pattern is chained into the
 * pattern, so freeing is one loop and an error half-way frees everything. */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "intel/stix_pattern.h"

enum pat_node_kind {
    PAT_OBS_FOLLOWEDBY,
    PAT_OBS_OR,
    PAT_OBS_AND,
    PAT_OBS_GROUP,   /* ( observation expressions ), child is the inner root */
    PAT_OBS_BRACKET, /* [ comparison expression ], child is the comparison root */
    PAT_CMP_OR,
    PAT_CMP_AND,
    PAT_CMP_TEST,
};

enum pat_qualifier_kind { PAT_QUAL_WITHIN, PAT_QUAL_REPEATS, PAT_QUAL_STARTSTOP };

enum pat_value_kind {
    PAT_VALUE_NONE, /* EXISTS */
    PAT_VALUE_STRING,
    PAT_VALUE_INT,
    PAT_VALUE_FLOAT,
    PAT_VALUE_BOOL,
    PAT_VALUE_TIMESTAMP,
    PAT_VALUE_HEX,
    PAT_VALUE_BINARY,
    PAT_VALUE_SET,
};

struct pat_qualifier {
    enum pat_qualifier_kind kind;
    const char *first;  /* WITHIN seconds, REPEATS count, START timestamp */
    const char *second; /* STOP timestamp */
    struct pat_qualifier *next;
};

struct pat_node {
    enum pat_node_kind kind;
    size_t offset; /* byte offset in the pattern text, for messages */
    struct pat_node *child;
    struct pat_node *next;
    struct pat_qualifier *qualifiers; /* observation nodes only */
    /* PAT_CMP_TEST */
    const char *object_type;
    const char *path;
    const char *op;
    bool negated;
    enum pat_value_kind value_kind;
    const char *value;
    const char *hash_algorithm; /* key after "hashes." when the path ends there */
};

struct pat_alloc {
    struct pat_alloc *next;
    max_align_t data[];
};

struct stix_pattern {
    struct pat_alloc *allocs;
    struct pat_node *root;
};

/* ------------------------------------------------------------------------ */
/* Known object types                                                       */
/* ------------------------------------------------------------------------ */

static const char *const sco_types[] = {
    "artifact",
    "autonomous-system",
    "directory",
    "domain-name",
    "email-addr",
    "email-message",
    "file",
    "ipv4-addr",
    "ipv6-addr",
    "mac-addr",
    "mutex",
    "network-traffic",
    "process",
    "software",
    "url",
    "user-account",
    "windows-registry-key",
    "x509-certificate",
    /* The STIX 2.1 specification's own examples (and the OASIS pattern
     * validator's test suite) write "win-registry-key"; accepted as an alias. */
    "win-registry-key",
};

/* Custom types: "x-" then ASCII lower case, digits and hyphens, 3..250
 * characters in total, as the specification requires of type names. */
static bool custom_type_is_valid(const char *type)
{
    size_t len = strlen(type);
    if (len < 3 || len > 250 || strncmp(type, "x-", 2) != 0)
        return false;
    for (size_t i = 2; i < len; i++) {
        char c = type[i];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'))
            return false;
    }
    return type[len - 1] != '-';
}

bool stix_pattern_sco_type_is_known(const char *type)
{
    if (!type)
        return false;
    for (size_t i = 0; i < sizeof(sco_types) / sizeof(sco_types[0]); i++)
        if (strcmp(type, sco_types[i]) == 0)
            return true;
    return custom_type_is_valid(type);
}

/* ------------------------------------------------------------------------ */
/* Timestamps                                                               */
/* ------------------------------------------------------------------------ */

static int digits_value(const char *s, int n)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

static bool year_is_leap(int y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/* Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar. */
static long long days_from_civil(int y, int m, int d)
{
    y -= m <= 2;
    long long era = (y >= 0 ? y : y - 399) / 400;
    long long yoe = y - era * 400;
    long long doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    long long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

int stix_timestamp_parse(const char *s, size_t len, long long *sec, long *nsec)
{
    static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    /* YYYY-MM-DDTHH:MM:SS then optional .fraction then Z */
    if (!s || len < 20 || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' ||
        s[16] != ':')
        return -EINVAL;
    int year = digits_value(s, 4), month = digits_value(s + 5, 2), day = digits_value(s + 8, 2);
    int hour = digits_value(s + 11, 2), minute = digits_value(s + 14, 2);
    int second = digits_value(s + 17, 2);
    if (year < 0 || month < 1 || month > 12 || day < 1 || hour < 0 || hour > 23 || minute < 0 ||
        minute > 59 || second < 0 || second > 60)
        return -EINVAL;
    int dim = mdays[month - 1] + (month == 2 && year_is_leap(year));
    if (day > dim)
        return -EINVAL;
    size_t i = 19;
    long frac = 0;
    if (s[i] == '.') {
        i++;
        size_t start = i;
        int used = 0;
        while (i < len && s[i] >= '0' && s[i] <= '9') {
            if (used < 9) {
                frac = frac * 10 + (s[i] - '0');
                used++;
            }
            i++;
        }
        if (i == start)
            return -EINVAL;
        while (used++ < 9)
            frac *= 10;
    }
    if (i + 1 != len || s[i] != 'Z')
        return -EINVAL;
    if (sec)
        *sec = days_from_civil(year, month, day) * 86400LL + hour * 3600LL + minute * 60LL + second;
    if (nsec)
        *nsec = frac;
    return 0;
}

/* ------------------------------------------------------------------------ */
/* Allocation                                                               */
/* ------------------------------------------------------------------------ */

static void *pat_alloc(struct stix_pattern *pattern, size_t size)
{
    struct pat_alloc *a = calloc(1, sizeof(*a) + size);
    if (!a)
        return NULL;
    a->next = pattern->allocs;
    pattern->allocs = a;
    return a->data;
}

void stix_pattern_free(struct stix_pattern *p)
{
    if (!p)
        return;
    struct pat_alloc *a = p->allocs;
    while (a) {
        struct pat_alloc *next = a->next;
        free(a);
        a = next;
    }
    free(p);
}

/* ------------------------------------------------------------------------ */
/* Lexer                                                                    */
/* ------------------------------------------------------------------------ */

enum tok_kind {
    TOK_EOF,
    TOK_LBRACK,
    TOK_RBRACK,
    TOK_LPAREN,
    TOK_RPAREN,
    TOK_COLON,
    TOK_COMMA,
    TOK_DOT,
    TOK_STAR,
    TOK_OP, /* comparison operator symbol */
    TOK_IDENT,
    TOK_STRING,
    TOK_INT,
    TOK_FLOAT,
    TOK_TIMESTAMP,
    TOK_HEX,
    TOK_BINARY,
};

struct token {
    enum tok_kind kind;
    size_t start;
    size_t len;
    const char *op; /* TOK_OP: canonical spelling */
};

struct parser {
    struct stix_pattern *pattern;
    const char *text;
    size_t len;
    size_t pos; /* next byte to lex */
    struct token tok;
    int depth;
    bool failed;
    char *err;
    size_t errlen;
};

__attribute__((format(printf, 3, 4))) static void perr(struct parser *p, size_t offset,
                                                       const char *fmt, ...)
{
    if (p->failed)
        return;
    p->failed = true;
    if (!p->err || p->errlen == 0)
        return;
    int n = snprintf(p->err, p->errlen, "offset %zu: ", offset);
    if (n < 0 || (size_t)n >= p->errlen)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(p->err + n, p->errlen - (size_t)n, fmt, ap);
    va_end(ap);
}

/* A printable description of the current token, for "found ..." messages. */
static const char *tok_describe(struct parser *p, char *buf, size_t buflen)
{
    if (p->tok.kind == TOK_EOF)
        return "end of pattern";
    size_t n = p->tok.len > 24 ? 24 : p->tok.len;
    size_t j = 0;
    buf[j++] = '"';
    for (size_t i = 0; i < n && j + 5 < buflen; i++) {
        unsigned char c = (unsigned char)p->text[p->tok.start + i];
        buf[j++] = (c >= 0x20 && c < 0x7f && c != '"') ? (char)c : '?';
    }
    if (n < p->tok.len && j + 5 < buflen) {
        buf[j++] = '.';
        buf[j++] = '.';
        buf[j++] = '.';
    }
    buf[j++] = '"';
    buf[j] = '\0';
    return buf;
}

static void expected(struct parser *p, const char *what)
{
    char buf[40];
    perr(p, p->tok.start, "expected %s, found %s", what, tok_describe(p, buf, sizeof(buf)));
}

static bool is_ident_start(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static bool is_ident_char(char c)
{
    return is_ident_start(c) || (c >= '0' && c <= '9') || c == '-';
}

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* Scans a quoted body starting at the quote at position q; returns the
 * position after the closing quote, or 0 on error (message set). Only \' and
 * \\ are escapes in STIX strings. */
static size_t lex_quoted(struct parser *p, size_t q)
{
    size_t i = q + 1;
    while (i < p->len) {
        char c = p->text[i];
        if (c == '\'')
            return i + 1;
        if (c == '\\') {
            if (i + 1 >= p->len) {
                break;
            }
            if (p->text[i + 1] != '\'' && p->text[i + 1] != '\\') {
                perr(p, i, "invalid escape in string: only \\' and \\\\ are allowed");
                return 0;
            }
            i += 2;
            continue;
        }
        i++;
    }
    perr(p, q, "unterminated string literal");
    return 0;
}

static bool lex_hex_body(const char *s, size_t n)
{
    if (n % 2)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!(is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')))
            return false;
    }
    return true;
}

static bool lex_base64_body(const char *s, size_t n)
{
    if (n % 4)
        return false;
    size_t pad = 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c == '=') {
            pad++;
            continue;
        }
        if (pad) /* data after padding */
            return false;
        if (!(is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '+' ||
              c == '/'))
            return false;
    }
    return pad <= 2;
}

/* Reads the next token into p->tok. On a lexical error, sets the error and
 * returns a TOK_EOF token so the parser unwinds. */
static void lex_next(struct parser *p)
{
    const char *t = p->text;
    while (p->pos < p->len && (t[p->pos] == ' ' || t[p->pos] == '\t' || t[p->pos] == '\n' ||
                               t[p->pos] == '\r' || t[p->pos] == '\f' || t[p->pos] == '\v'))
        p->pos++;
    struct token tok = {.kind = TOK_EOF, .start = p->pos, .len = 0, .op = NULL};
    if (p->failed || p->pos >= p->len) {
        p->tok = tok;
        return;
    }
    size_t i = p->pos;
    char c = t[i];
    char n1 = i + 1 < p->len ? t[i + 1] : '\0';
    switch (c) {
    case '[':
        tok.kind = TOK_LBRACK;
        tok.len = 1;
        break;
    case ']':
        tok.kind = TOK_RBRACK;
        tok.len = 1;
        break;
    case '(':
        tok.kind = TOK_LPAREN;
        tok.len = 1;
        break;
    case ')':
        tok.kind = TOK_RPAREN;
        tok.len = 1;
        break;
    case ':':
        tok.kind = TOK_COLON;
        tok.len = 1;
        break;
    case ',':
        tok.kind = TOK_COMMA;
        tok.len = 1;
        break;
    case '*':
        tok.kind = TOK_STAR;
        tok.len = 1;
        break;
    case '=':
        tok.kind = TOK_OP;
        tok.op = "=";
        tok.len = n1 == '=' ? 2 : 1;
        break;
    case '!':
        if (n1 != '=') {
            perr(p, i, "unexpected character '!' (did you mean '!='?)");
            p->tok = tok;
            return;
        }
        tok.kind = TOK_OP;
        tok.op = "!=";
        tok.len = 2;
        break;
    case '<':
        tok.kind = TOK_OP;
        if (n1 == '=') {
            tok.op = "<=";
            tok.len = 2;
        } else if (n1 == '>') {
            tok.op = "!=";
            tok.len = 2;
        } else {
            tok.op = "<";
            tok.len = 1;
        }
        break;
    case '>':
        tok.kind = TOK_OP;
        tok.op = n1 == '=' ? ">=" : ">";
        tok.len = n1 == '=' ? 2 : 1;
        break;
    case '\'': {
        size_t end = lex_quoted(p, i);
        if (!end) {
            p->tok = tok;
            return;
        }
        tok.kind = TOK_STRING;
        tok.len = end - i;
        break;
    }
    default:
        if ((c == 't' || c == 'h' || c == 'b') && n1 == '\'') {
            size_t end = lex_quoted(p, i + 1);
            if (!end) {
                p->tok = tok;
                return;
            }
            const char *body = t + i + 2;
            size_t blen = end - i - 3;
            if (c == 't') {
                if (stix_timestamp_parse(body, blen, NULL, NULL) != 0) {
                    perr(p, i, "invalid timestamp literal (expected t'YYYY-MM-DDTHH:MM:SS[.s]Z')");
                    p->tok = tok;
                    return;
                }
                tok.kind = TOK_TIMESTAMP;
            } else if (c == 'h') {
                if (!lex_hex_body(body, blen)) {
                    perr(p, i, "invalid hex literal (expected an even number of hex digits)");
                    p->tok = tok;
                    return;
                }
                tok.kind = TOK_HEX;
            } else {
                if (!lex_base64_body(body, blen)) {
                    perr(p, i, "invalid binary literal (expected base64)");
                    p->tok = tok;
                    return;
                }
                tok.kind = TOK_BINARY;
            }
            tok.len = end - i;
            break;
        }
        if (is_ident_start(c)) {
            size_t j = i + 1;
            while (j < p->len && is_ident_char(t[j]))
                j++;
            tok.kind = TOK_IDENT;
            tok.len = j - i;
            break;
        }
        if (is_digit(c) || c == '.' || c == '+' || c == '-') {
            size_t j = i;
            if (t[j] == '+' || t[j] == '-')
                j++;
            size_t int_start = j;
            while (j < p->len && is_digit(t[j]))
                j++;
            size_t int_digits = j - int_start;
            bool is_float = false;
            if (j < p->len && t[j] == '.') {
                size_t frac_start = ++j;
                while (j < p->len && is_digit(t[j]))
                    j++;
                if (j == frac_start) {
                    if (c == '.' && int_digits == 0) {
                        tok.kind = TOK_DOT;
                        tok.len = 1;
                        break;
                    }
                    perr(p, i, "invalid number: digits expected after '.'");
                    p->tok = tok;
                    return;
                }
                is_float = true;
            } else if (int_digits == 0) {
                perr(p, i, "unexpected character '%c'", c);
                p->tok = tok;
                return;
            } else if (int_digits > 1 && t[int_start] == '0') {
                perr(p, i, "invalid integer: leading zero");
                p->tok = tok;
                return;
            }
            if (j < p->len && (is_ident_start(t[j]) || t[j] == '\'')) {
                perr(p, i, "invalid number: unexpected '%c' after digits", t[j]);
                p->tok = tok;
                return;
            }
            tok.kind = is_float ? TOK_FLOAT : TOK_INT;
            tok.len = j - i;
            break;
        }
        if ((unsigned char)c >= 0x20 && (unsigned char)c < 0x7f)
            perr(p, i, "unexpected character '%c'", c);
        else
            perr(p, i, "unexpected byte 0x%02x", (unsigned char)c);
        p->tok = tok;
        return;
    }
    p->pos = i + tok.len;
    p->tok = tok;
}

static bool tok_is_keyword(const struct parser *p, const char *kw)
{
    size_t n = strlen(kw);
    return p->tok.kind == TOK_IDENT && p->tok.len == n &&
           memcmp(p->text + p->tok.start, kw, n) == 0;
}

static bool tok_is_keyword_ci(const struct parser *p, const char *kw)
{
    size_t n = strlen(kw);
    return p->tok.kind == TOK_IDENT && p->tok.len == n &&
           strncasecmp(p->text + p->tok.start, kw, n) == 0;
}

static char *pat_strndup(struct parser *p, const char *s, size_t n)
{
    char *d = pat_alloc(p->pattern, n + 1);
    if (!d) {
        perr(p, p->tok.start, "out of memory");
        return NULL;
    }
    memcpy(d, s, n);
    d[n] = '\0';
    return d;
}

/* Unescapes the quoted body of a string-like token; start is the position of
 * the opening quote. */
static char *string_decode(struct parser *p, size_t quote, size_t end_after_quote)
{
    size_t n = end_after_quote - quote - 2;
    char *d = pat_alloc(p->pattern, n + 1);
    if (!d) {
        perr(p, quote, "out of memory");
        return NULL;
    }
    size_t j = 0;
    for (size_t i = quote + 1; i < end_after_quote - 1; i++) {
        if (p->text[i] == '\\')
            i++;
        d[j++] = p->text[i];
    }
    d[j] = '\0';
    return d;
}

/* ------------------------------------------------------------------------ */
/* Parser                                                                   */
/* ------------------------------------------------------------------------ */

static struct pat_node *node_new(struct parser *p, enum pat_node_kind kind, size_t offset)
{
    struct pat_node *n = pat_alloc(p->pattern, sizeof(*n));
    if (!n) {
        perr(p, offset, "out of memory");
        return NULL;
    }
    n->kind = kind;
    n->offset = offset;
    return n;
}

/* A growable string in pattern memory, for rendering paths and sets. */
struct strbuf {
    char *data;
    size_t len;
    size_t cap;
    bool failed;
};

static void sb_append(struct strbuf *b, const char *s, size_t n)
{
    if (b->failed)
        return;
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 64;
        while (cap < b->len + n + 1)
            cap *= 2;
        char *d = realloc(b->data, cap);
        if (!d) {
            b->failed = true;
            return;
        }
        b->data = d;
        b->cap = cap;
    }
    memcpy(b->data + b->len, s, n);
    b->len += n;
    b->data[b->len] = '\0';
}

static void sb_puts(struct strbuf *b, const char *s)
{
    sb_append(b, s, strlen(s));
}

/* Appends s as a STIX quoted string: 'it\'s'. */
static void sb_quoted(struct strbuf *b, const char *s)
{
    sb_append(b, "'", 1);
    for (; *s; s++) {
        if (*s == '\'' || *s == '\\')
            sb_append(b, "\\", 1);
        sb_append(b, s, 1);
    }
    sb_append(b, "'", 1);
}

/* Moves the buffer into pattern memory; frees the heap buffer. */
static const char *sb_finish(struct parser *p, struct strbuf *b, size_t offset)
{
    const char *r = NULL;
    if (b->failed)
        perr(p, offset, "out of memory");
    else
        r = pat_strndup(p, b->data ? b->data : "", b->len);
    free(b->data);
    b->data = NULL;
    return r;
}

static bool property_name_is_valid(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] == '-')
            return false;
    return n > 0;
}

/* objectType ':' firstPathComponent objectPathComponent*; fills the test
 * node's object_type and path. */
static bool parse_object_path(struct parser *p, struct pat_node *test)
{
    if (p->tok.kind != TOK_IDENT) {
        expected(p, "an object path (object-type:property)");
        return false;
    }
    size_t type_off = p->tok.start;
    char *type = pat_strndup(p, p->text + p->tok.start, p->tok.len);
    if (!type)
        return false;
    if (!stix_pattern_sco_type_is_known(type)) {
        perr(p, type_off,
             "unknown object type '%.64s' (expected a STIX 2.1 cyber-observable type or a "
             "custom x- type)",
             type);
        return false;
    }
    test->object_type = type;
    lex_next(p);
    if (p->tok.kind != TOK_COLON) {
        expected(p, "':' after the object type");
        return false;
    }
    lex_next(p);
    struct strbuf b = {0};
    bool first = true;
    /* The last two keys, to spot "...hashes.<algorithm>" (checked later). */
    const char *prev_key = NULL, *last_key = NULL;
    for (;;) {
        if (first || p->tok.kind == TOK_DOT) {
            if (!first)
                lex_next(p);
            if (p->tok.kind == TOK_IDENT) {
                if (!property_name_is_valid(p->text + p->tok.start, p->tok.len)) {
                    perr(p, p->tok.start, "property name '%.*s' contains '-': quote it ('name')",
                         (int)(p->tok.len > 64 ? 64 : p->tok.len), p->text + p->tok.start);
                    break;
                }
                if (!first)
                    sb_append(&b, ".", 1);
                sb_append(&b, p->text + p->tok.start, p->tok.len);
                prev_key = last_key;
                last_key = pat_strndup(p, p->text + p->tok.start, p->tok.len);
            } else if (p->tok.kind == TOK_STRING) {
                char *key = string_decode(p, p->tok.start, p->tok.start + p->tok.len);
                if (!key)
                    break;
                if (!first)
                    sb_append(&b, ".", 1);
                sb_quoted(&b, key);
                prev_key = last_key;
                last_key = key;
            } else {
                expected(p, first ? "a property name after ':'" : "a property name after '.'");
                break;
            }
            first = false;
            lex_next(p);
        } else if (p->tok.kind == TOK_LBRACK) {
            lex_next(p);
            prev_key = last_key = NULL;
            if (p->tok.kind == TOK_STAR) {
                sb_puts(&b, "[*]");
            } else if (p->tok.kind == TOK_INT) {
                sb_append(&b, "[", 1);
                sb_append(&b, p->text + p->tok.start, p->tok.len);
                sb_append(&b, "]", 1);
            } else {
                expected(p, "a list index (integer or '*')");
                break;
            }
            lex_next(p);
            if (p->tok.kind != TOK_RBRACK) {
                expected(p, "']' after the list index");
                break;
            }
            lex_next(p);
        } else {
            break;
        }
    }
    if (p->failed) {
        free(b.data);
        return false;
    }
    if (prev_key && last_key && strcmp(prev_key, "hashes") == 0)
        test->hash_algorithm = last_key;
    test->path = sb_finish(p, &b, type_off);
    return test->path != NULL;
}

/* Like the OASIS pattern validator: a string compared (=, !=) with a hash of
 * a well-known algorithm must be hex of that algorithm's length. The
 * algorithm name is matched ignoring case and '-' ("SHA-256", "sha256"). */
static bool hash_value_check(struct parser *p, const struct pat_node *test, size_t offset)
{
    static const struct {
        const char *name;
        size_t len;
    } algs[] = {{"MD5", 32},     {"SHA1", 40},     {"SHA224", 56},    {"SHA256", 64},
                {"SHA384", 96},  {"SHA512", 128},  {"SHA3224", 56},   {"SHA3256", 64},
                {"SHA3384", 96}, {"SHA3512", 128}, {"RIPEMD160", 40}, {"WHIRLPOOL", 128}};
    if (!test->hash_algorithm || test->value_kind != PAT_VALUE_STRING ||
        (strcmp(test->op, "=") != 0 && strcmp(test->op, "!=") != 0))
        return true;
    char norm[32];
    size_t n = 0;
    for (const char *c = test->hash_algorithm; *c && n + 1 < sizeof(norm); c++)
        if (*c != '-')
            norm[n++] = (char)((*c >= 'a' && *c <= 'z') ? *c - 32 : *c);
    norm[n] = '\0';
    for (size_t i = 0; i < sizeof(algs) / sizeof(algs[0]); i++) {
        if (strcmp(norm, algs[i].name) != 0)
            continue;
        const char *v = test->value;
        bool ok = strlen(v) == algs[i].len;
        for (size_t j = 0; ok && v[j]; j++)
            ok = (v[j] >= '0' && v[j] <= '9') || (v[j] >= 'a' && v[j] <= 'f') ||
                 (v[j] >= 'A' && v[j] <= 'F');
        if (!ok) {
            perr(p, offset, "'%.40s' hash value is not %zu hex digits", test->hash_algorithm,
                 algs[i].len);
            return false;
        }
    }
    return true;
}

static bool tok_is_primitive(const struct parser *p)
{
    switch (p->tok.kind) {
    case TOK_STRING:
    case TOK_INT:
    case TOK_FLOAT:
    case TOK_TIMESTAMP:
    case TOK_HEX:
    case TOK_BINARY:
        return true;
    default:
        return tok_is_keyword_ci(p, "true") || tok_is_keyword_ci(p, "false");
    }
}

/* Reads one primitive literal into kind/value (strings unescaped, typed
 * literals without their prefix and quotes). */
static bool parse_primitive(struct parser *p, bool allow_bool, enum pat_value_kind *kind,
                            const char **value)
{
    const char *s = p->text + p->tok.start;
    switch (p->tok.kind) {
    case TOK_STRING:
        *kind = PAT_VALUE_STRING;
        *value = string_decode(p, p->tok.start, p->tok.start + p->tok.len);
        break;
    case TOK_INT:
        *kind = PAT_VALUE_INT;
        *value = pat_strndup(p, s, p->tok.len);
        break;
    case TOK_FLOAT:
        *kind = PAT_VALUE_FLOAT;
        *value = pat_strndup(p, s, p->tok.len);
        break;
    case TOK_TIMESTAMP:
    case TOK_HEX:
    case TOK_BINARY:
        *kind = p->tok.kind == TOK_TIMESTAMP ? PAT_VALUE_TIMESTAMP
                : p->tok.kind == TOK_HEX     ? PAT_VALUE_HEX
                                             : PAT_VALUE_BINARY;
        *value = string_decode(p, p->tok.start + 1, p->tok.start + p->tok.len);
        break;
    default:
        if (allow_bool && (tok_is_keyword_ci(p, "true") || tok_is_keyword_ci(p, "false"))) {
            *kind = PAT_VALUE_BOOL;
            *value = tok_is_keyword_ci(p, "true") ? "true" : "false";
            break;
        }
        expected(p, allow_bool ? "a literal value" : "an orderable literal (not a boolean)");
        return false;
    }
    if (!*value)
        return false;
    lex_next(p);
    return true;
}

/* '(' [primitive (',' primitive)*] ')', rendered as "(v1, v2)". */
static bool parse_set(struct parser *p, const char **value)
{
    size_t off = p->tok.start;
    if (p->tok.kind != TOK_LPAREN) {
        expected(p, "'(' starting a set after IN");
        return false;
    }
    lex_next(p);
    struct strbuf b = {0};
    sb_append(&b, "(", 1);
    bool first = true;
    enum pat_value_kind set_kind = PAT_VALUE_NONE;
    while (p->tok.kind != TOK_RPAREN) {
        if (!first) {
            if (p->tok.kind != TOK_COMMA) {
                expected(p, "',' or ')' in set");
                break;
            }
            lex_next(p);
            sb_append(&b, ", ", 2);
        }
        if (!tok_is_primitive(p)) {
            expected(p, "a literal value in set");
            break;
        }
        size_t item_off = p->tok.start;
        enum pat_value_kind kind;
        const char *item;
        if (!parse_primitive(p, true, &kind, &item))
            break;
        if (!first && kind != set_kind &&
            !((kind == PAT_VALUE_INT || kind == PAT_VALUE_FLOAT) &&
              (set_kind == PAT_VALUE_INT || set_kind == PAT_VALUE_FLOAT))) {
            perr(p, item_off, "set members must all be of the same type");
            break;
        }
        set_kind = kind;
        if (kind == PAT_VALUE_STRING)
            sb_quoted(&b, item);
        else
            sb_puts(&b, item);
        first = false;
    }
    if (p->failed) {
        free(b.data);
        return false;
    }
    lex_next(p); /* ')' */
    sb_append(&b, ")", 1);
    *value = sb_finish(p, &b, off);
    return *value != NULL;
}

static bool regex_check(struct parser *p, const char *re, size_t offset)
{
    int code;
    PCRE2_SIZE at;
    pcre2_code *c = pcre2_compile((PCRE2_SPTR)re, strlen(re), 0, &code, &at, NULL);
    if (!c) {
        PCRE2_UCHAR msg[128];
        pcre2_get_error_message(code, msg, sizeof(msg));
        perr(p, offset, "invalid regular expression for MATCHES at character %zu: %s", (size_t)at,
             (const char *)msg);
        return false;
    }
    pcre2_code_free(c);
    return true;
}

static const char *const string_ops[] = {"LIKE", "MATCHES", "ISSUBSET", "ISSUPERSET"};

/* propTest: objectPath NOT? op literal | NOT? EXISTS objectPath */
static struct pat_node *parse_comparison_test(struct parser *p)
{
    struct pat_node *test = node_new(p, PAT_CMP_TEST, p->tok.start);
    if (!test)
        return NULL;
    if (tok_is_keyword(p, "NOT") || tok_is_keyword(p, "EXISTS")) {
        if (tok_is_keyword(p, "NOT")) {
            test->negated = true;
            lex_next(p);
            if (!tok_is_keyword(p, "EXISTS")) {
                expected(p, "EXISTS after NOT (NOT goes after the object path for other "
                            "operators)");
                return NULL;
            }
        }
        lex_next(p);
        test->op = "EXISTS";
        test->value_kind = PAT_VALUE_NONE;
        if (!parse_object_path(p, test))
            return NULL;
        return test;
    }
    if (!parse_object_path(p, test))
        return NULL;
    if (tok_is_keyword(p, "NOT")) {
        test->negated = true;
        lex_next(p);
    }
    if (p->tok.kind == TOK_OP) {
        test->op = p->tok.op;
        bool ordered = strcmp(test->op, "=") != 0 && strcmp(test->op, "!=") != 0;
        lex_next(p);
        if (!tok_is_primitive(p)) {
            expected(p, "a literal value after the operator");
            return NULL;
        }
        size_t value_off = p->tok.start;
        if (!parse_primitive(p, !ordered, &test->value_kind, &test->value))
            return NULL;
        if (!hash_value_check(p, test, value_off))
            return NULL;
        return test;
    }
    if (tok_is_keyword(p, "IN")) {
        test->op = "IN";
        lex_next(p);
        test->value_kind = PAT_VALUE_SET;
        if (!parse_set(p, &test->value))
            return NULL;
        return test;
    }
    for (size_t i = 0; i < sizeof(string_ops) / sizeof(string_ops[0]); i++) {
        if (!tok_is_keyword(p, string_ops[i]))
            continue;
        test->op = string_ops[i];
        lex_next(p);
        if (p->tok.kind != TOK_STRING) {
            char what[48];
            snprintf(what, sizeof(what), "a string literal after %s", test->op);
            expected(p, what);
            return NULL;
        }
        size_t str_off = p->tok.start;
        if (!parse_primitive(p, false, &test->value_kind, &test->value))
            return NULL;
        if (i == 1 && !regex_check(p, test->value, str_off))
            return NULL;
        return test;
    }
    expected(p, "a comparison operator (=, !=, <, <=, >, >=, IN, LIKE, MATCHES, ISSUBSET, "
                "ISSUPERSET)");
    return NULL;
}

static struct pat_node *parse_comparison_or(struct parser *p);

static struct pat_node *parse_comparison_unit(struct parser *p)
{
    if (p->tok.kind == TOK_LPAREN) {
        size_t off = p->tok.start;
        if (++p->depth > STIX_PATTERN_MAX_DEPTH) {
            perr(p, off, "parentheses nested deeper than %d", STIX_PATTERN_MAX_DEPTH);
            return NULL;
        }
        lex_next(p);
        struct pat_node *inner = parse_comparison_or(p);
        if (!inner)
            return NULL;
        if (p->tok.kind != TOK_RPAREN) {
            expected(p, "')' or AND/OR in comparison expression");
            return NULL;
        }
        p->depth--;
        lex_next(p);
        return inner;
    }
    return parse_comparison_test(p);
}

/* The single object type all comparisons below n use, or NULL if mixed. */
static const char *comparison_single_type(const struct pat_node *n)
{
    if (n->kind == PAT_CMP_TEST)
        return n->object_type;
    const char *type = NULL;
    for (const struct pat_node *c = n->child; c; c = c->next) {
        const char *t = comparison_single_type(c);
        if (!t || (type && strcmp(type, t) != 0))
            return NULL;
        type = t;
    }
    return type;
}

/* Generic left-to-right n-ary chain: unit (KEYWORD unit)*. */
static struct pat_node *parse_chain(struct parser *p, const char *keyword, enum pat_node_kind kind,
                                    struct pat_node *(*unit)(struct parser *))
{
    size_t off = p->tok.start;
    struct pat_node *first = unit(p);
    if (!first || !tok_is_keyword(p, keyword))
        return first;
    struct pat_node *n = node_new(p, kind, off);
    if (!n)
        return NULL;
    n->child = first;
    struct pat_node *tail = first;
    while (tok_is_keyword(p, keyword)) {
        lex_next(p);
        struct pat_node *next = unit(p);
        if (!next)
            return NULL;
        tail->next = next;
        tail = next;
    }
    return n;
}

static struct pat_node *parse_comparison_and(struct parser *p)
{
    struct pat_node *n = parse_chain(p, "AND", PAT_CMP_AND, parse_comparison_unit);
    if (n && n->kind == PAT_CMP_AND && !comparison_single_type(n)) {
        perr(p, n->offset,
             "comparisons joined by AND must all use the same object type (STIX 2.1 "
             "section 9.5)");
        return NULL;
    }
    return n;
}

static struct pat_node *parse_comparison_or(struct parser *p)
{
    return parse_chain(p, "OR", PAT_CMP_OR, parse_comparison_and);
}

static struct pat_node *parse_observation_followedby(struct parser *p);

static bool parse_positive_int(struct parser *p, const char *what, const char **out)
{
    if (p->tok.kind != TOK_INT) {
        char msg[64];
        snprintf(msg, sizeof(msg), "a positive integer after %s", what);
        expected(p, msg);
        return false;
    }
    const char *s = p->text + p->tok.start;
    size_t n = p->tok.len;
    if (s[0] == '+') {
        s++;
        n--;
    }
    if (s[0] == '-' || (n == 1 && s[0] == '0')) {
        perr(p, p->tok.start, "%s needs a positive integer", what);
        return false;
    }
    if (n > 18) {
        perr(p, p->tok.start, "%s value too large", what);
        return false;
    }
    *out = pat_strndup(p, s, n);
    if (!*out)
        return false;
    lex_next(p);
    return true;
}

static bool qualifier_add(struct parser *p, struct pat_node *obs, struct pat_qualifier *q,
                          size_t off)
{
    static const char *const names[] = {"WITHIN", "REPEATS", "START/STOP"};
    struct pat_qualifier **tail = &obs->qualifiers;
    while (*tail) {
        /* The OASIS validator rejects two qualifiers of one kind directly on
         * one [...] expression: the second would silently override the first. */
        if (obs->kind == PAT_OBS_BRACKET && (*tail)->kind == q->kind) {
            perr(p, off, "duplicate %s qualifier on one observation expression", names[q->kind]);
            return false;
        }
        tail = &(*tail)->next;
    }
    *tail = q;
    return true;
}

static bool parse_qualifiers(struct parser *p, struct pat_node *obs)
{
    for (;;) {
        size_t off = p->tok.start;
        struct pat_qualifier *q;
        if (tok_is_keyword(p, "WITHIN")) {
            lex_next(p);
            q = pat_alloc(p->pattern, sizeof(*q));
            if (!q) {
                perr(p, off, "out of memory");
                return false;
            }
            q->kind = PAT_QUAL_WITHIN;
            if (p->tok.kind == TOK_FLOAT) {
                const char *s = p->text + p->tok.start;
                if (s[0] == '-' || strtod(s, NULL) <= 0) {
                    perr(p, p->tok.start, "WITHIN needs a positive number of seconds");
                    return false;
                }
                q->first = pat_strndup(p, s[0] == '+' ? s + 1 : s, p->tok.len - (s[0] == '+'));
                if (!q->first)
                    return false;
                lex_next(p);
            } else if (!parse_positive_int(p, "WITHIN", &q->first)) {
                return false;
            }
            if (!tok_is_keyword(p, "SECONDS")) {
                expected(p, "SECONDS after WITHIN n");
                return false;
            }
            lex_next(p);
        } else if (tok_is_keyword(p, "REPEATS")) {
            lex_next(p);
            q = pat_alloc(p->pattern, sizeof(*q));
            if (!q) {
                perr(p, off, "out of memory");
                return false;
            }
            q->kind = PAT_QUAL_REPEATS;
            if (!parse_positive_int(p, "REPEATS", &q->first))
                return false;
            if (!tok_is_keyword(p, "TIMES")) {
                expected(p, "TIMES after REPEATS n");
                return false;
            }
            lex_next(p);
        } else if (tok_is_keyword(p, "START")) {
            lex_next(p);
            q = pat_alloc(p->pattern, sizeof(*q));
            if (!q) {
                perr(p, off, "out of memory");
                return false;
            }
            q->kind = PAT_QUAL_STARTSTOP;
            long long s1, s2;
            long n1, n2;
            if (p->tok.kind != TOK_TIMESTAMP) {
                expected(p, "a timestamp literal t'...' after START");
                return false;
            }
            q->first = string_decode(p, p->tok.start + 1, p->tok.start + p->tok.len);
            if (!q->first)
                return false;
            lex_next(p);
            if (!tok_is_keyword(p, "STOP")) {
                expected(p, "STOP after START t'...'");
                return false;
            }
            lex_next(p);
            if (p->tok.kind != TOK_TIMESTAMP) {
                expected(p, "a timestamp literal t'...' after STOP");
                return false;
            }
            size_t stop_off = p->tok.start;
            q->second = string_decode(p, p->tok.start + 1, p->tok.start + p->tok.len);
            if (!q->second)
                return false;
            stix_timestamp_parse(q->first, strlen(q->first), &s1, &n1);
            stix_timestamp_parse(q->second, strlen(q->second), &s2, &n2);
            if (s2 < s1 || (s2 == s1 && n2 <= n1)) {
                perr(p, stop_off, "STOP timestamp must be later than START");
                return false;
            }
            lex_next(p);
        } else {
            return true;
        }
        if (!qualifier_add(p, obs, q, off))
            return false;
    }
}

static struct pat_node *parse_observation_unit(struct parser *p)
{
    size_t off = p->tok.start;
    struct pat_node *obs;
    if (p->tok.kind == TOK_LBRACK) {
        lex_next(p);
        struct pat_node *cmp = parse_comparison_or(p);
        if (!cmp)
            return NULL;
        if (p->tok.kind != TOK_RBRACK) {
            expected(p, "']' or AND/OR closing the observation expression");
            return NULL;
        }
        lex_next(p);
        obs = node_new(p, PAT_OBS_BRACKET, off);
        if (!obs)
            return NULL;
        obs->child = cmp;
    } else if (p->tok.kind == TOK_LPAREN) {
        if (++p->depth > STIX_PATTERN_MAX_DEPTH) {
            perr(p, off, "parentheses nested deeper than %d", STIX_PATTERN_MAX_DEPTH);
            return NULL;
        }
        lex_next(p);
        struct pat_node *inner = parse_observation_followedby(p);
        if (!inner)
            return NULL;
        if (p->tok.kind != TOK_RPAREN) {
            expected(p, "')' or AND/OR/FOLLOWEDBY in observation expression");
            return NULL;
        }
        p->depth--;
        lex_next(p);
        obs = node_new(p, PAT_OBS_GROUP, off);
        if (!obs)
            return NULL;
        obs->child = inner;
    } else {
        expected(p, "'[' or '(' starting an observation expression");
        return NULL;
    }
    if (!parse_qualifiers(p, obs))
        return NULL;
    return obs;
}

static struct pat_node *parse_observation_and(struct parser *p)
{
    return parse_chain(p, "AND", PAT_OBS_AND, parse_observation_unit);
}

static struct pat_node *parse_observation_or(struct parser *p)
{
    return parse_chain(p, "OR", PAT_OBS_OR, parse_observation_and);
}

static struct pat_node *parse_observation_followedby(struct parser *p)
{
    return parse_chain(p, "FOLLOWEDBY", PAT_OBS_FOLLOWEDBY, parse_observation_or);
}

struct stix_pattern *stix_pattern_parse(const char *text, char *err, size_t errlen)
{
    if (err && errlen)
        err[0] = '\0';
    if (!text) {
        if (err && errlen)
            snprintf(err, errlen, "offset 0: no pattern");
        return NULL;
    }
    size_t len = strlen(text);
    if (len > STIX_PATTERN_MAX_LEN) {
        if (err && errlen)
            snprintf(err, errlen, "offset %d: pattern longer than %d bytes", STIX_PATTERN_MAX_LEN,
                     STIX_PATTERN_MAX_LEN);
        return NULL;
    }
    struct stix_pattern *pattern = calloc(1, sizeof(*pattern));
    if (!pattern) {
        if (err && errlen)
            snprintf(err, errlen, "offset 0: out of memory");
        return NULL;
    }
    struct parser p = {.pattern = pattern, .text = text, .len = len, .err = err, .errlen = errlen};
    lex_next(&p);
    if (!p.failed && p.tok.kind == TOK_EOF)
        perr(&p, 0, "empty pattern: expected '[' or '('");
    struct pat_node *root = p.failed ? NULL : parse_observation_followedby(&p);
    if (root && !p.failed && p.tok.kind != TOK_EOF)
        expected(&p, "AND, OR, FOLLOWEDBY, a qualifier or end of pattern");
    if (p.failed || !root) {
        if (!p.failed)
            perr(&p, p.tok.start, "invalid pattern");
        stix_pattern_free(pattern);
        return NULL;
    }
    pattern->root = root;
    return pattern;
}

/* ------------------------------------------------------------------------ */
/* Accessors                                                                */
/* ------------------------------------------------------------------------ */

typedef int (*comparison_fn)(const char *, const char *, const char *, const char *, bool, void *);

static int walk(const struct pat_node *n, comparison_fn fn, void *ctx)
{
    for (; n; n = n->next) {
        if (n->kind == PAT_CMP_TEST) {
            int rc = fn(n->object_type, n->path, n->op, n->value, n->negated, ctx);
            if (rc)
                return rc;
        } else {
            int rc = walk(n->child, fn, ctx);
            if (rc)
                return rc;
        }
    }
    return 0;
}

int stix_pattern_foreach_comparison(const struct stix_pattern *p, comparison_fn fn, void *ctx)
{
    if (!p || !fn)
        return -EINVAL;
    return walk(p->root, fn, ctx);
}

static bool comparison_is_equality_or(const struct pat_node *n, bool any_op)
{
    if (n->kind == PAT_CMP_TEST)
        return !n->negated &&
               (any_op || (strcmp(n->op, "=") == 0 && n->value_kind != PAT_VALUE_SET));
    if (n->kind != PAT_CMP_OR)
        return false;
    for (const struct pat_node *c = n->child; c; c = c->next)
        if (!comparison_is_equality_or(c, any_op))
            return false;
    return true;
}

static bool observation_is_simple(const struct pat_node *n, bool any_op)
{
    if (n->qualifiers)
        return false;
    switch (n->kind) {
    case PAT_OBS_BRACKET:
        return comparison_is_equality_or(n->child, any_op);
    case PAT_OBS_GROUP:
        return observation_is_simple(n->child, any_op);
    case PAT_OBS_OR:
        for (const struct pat_node *c = n->child; c; c = c->next)
            if (!observation_is_simple(c, any_op))
                return false;
        return true;
    default:
        return false;
    }
}

bool stix_pattern_is_simple_disjunction(const struct stix_pattern *p)
{
    return p && p->root && observation_is_simple(p->root, false);
}

bool stix_pattern_is_disjunction(const struct stix_pattern *p)
{
    return p && p->root && observation_is_simple(p->root, true);
}
