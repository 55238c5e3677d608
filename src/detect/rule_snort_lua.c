/* SPDX-License-Identifier: Apache-2.0 */
/* Snort 3's alert filters from a snort.lua: the top-level tables
 * `event_filter`, `suppress` and `rate_filter`, read without running Lua.
 *
 *   event_filter = { { gid = 1, sid = 2, type = 'limit', track = 'by_src',
 *                      count = 1, seconds = 60 }, ... }
 *   suppress = { { gid = 1, sid = 3, track = 'by_dst', ip = '10.1.0.0/16' } }
 *   rate_filter = { { gid = 1, sid = 4, track = 'by_src', count = 5, seconds = 1,
 *                     new_action = 'drop', timeout = 10 } }
 *
 * Only table constructors of literal strings, numbers and booleans are read
 * for those three names (a variable, call or `..` there is an error naming
 * the line and field); everything else in the file (other modules, code) is
 * skipped unread. The entries become threshold.config entries, so they mean
 * what Suricata's suppress / event_filter / rate_filter lines mean, which is
 * what Snort 3 documents for them: gid/sid 0 = all, event_filter count -1 =
 * no limit. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "detect/rule_addr.h"
#include "detect/rule_internal.h"
#include "detect/rule_set.h"

#define LUA_FILE_MAX (16u << 20)

enum lua_tok { TOK_EOF, TOK_NAME, TOK_STRING, TOK_NUMBER, TOK_PUNCT, TOK_ERROR };

struct lua_lex {
    const char *p, *end;
    unsigned line;
    enum lua_tok tok;
    unsigned tok_line;
    char text[512]; /* NAME / STRING / NUMBER text, or the punctuation */
    const char *err;
};

/* Length of a long bracket opener "[", "=" x n, "[" at p (0 if none). */
static size_t long_open(const char *p, const char *end, size_t *level)
{
    if (p >= end || *p != '[')
        return 0;
    const char *q = p + 1;
    while (q < end && *q == '=')
        q++;
    if (q >= end || *q != '[')
        return 0;
    *level = (size_t)(q - p - 1);
    return (size_t)(q - p + 1);
}

/* Skips past the matching "]" "=" x level "]"; false when unterminated. */
static bool long_skip(struct lua_lex *lx, size_t level, char *out, size_t outlen)
{
    size_t n = 0;
    while (lx->p < lx->end) {
        if (*lx->p == ']') {
            const char *q = lx->p + 1;
            size_t l = 0;
            while (q < lx->end && *q == '=' && l < level)
                q++, l++;
            if (l == level && q < lx->end && *q == ']') {
                lx->p = q + 1;
                if (out)
                    out[n] = '\0';
                return true;
            }
        }
        if (*lx->p == '\n')
            lx->line++;
        if (out && n + 1 < outlen)
            out[n++] = *lx->p;
        lx->p++;
    }
    return false;
}

static void lex_next(struct lua_lex *lx)
{
    lx->text[0] = '\0';
    for (;;) {
        while (lx->p < lx->end && isspace((unsigned char)*lx->p)) {
            if (*lx->p == '\n')
                lx->line++;
            lx->p++;
        }
        if (lx->end - lx->p >= 2 && lx->p[0] == '-' && lx->p[1] == '-') {
            lx->p += 2;
            size_t level;
            size_t ol = long_open(lx->p, lx->end, &level);
            if (ol) {
                lx->p += ol;
                if (!long_skip(lx, level, NULL, 0)) {
                    lx->tok = TOK_ERROR;
                    lx->err = "unterminated comment";
                    return;
                }
            } else {
                while (lx->p < lx->end && *lx->p != '\n')
                    lx->p++;
            }
            continue;
        }
        break;
    }
    lx->tok_line = lx->line;
    if (lx->p >= lx->end) {
        lx->tok = TOK_EOF;
        return;
    }
    unsigned char c = (unsigned char)*lx->p;
    size_t n = 0;
    if (isalpha(c) || c == '_') {
        while (lx->p < lx->end && (isalnum((unsigned char)*lx->p) || *lx->p == '_')) {
            if (n + 1 < sizeof lx->text)
                lx->text[n++] = *lx->p;
            lx->p++;
        }
        lx->text[n] = '\0';
        lx->tok = TOK_NAME;
        return;
    }
    if (isdigit(c) || (c == '.' && lx->p + 1 < lx->end && isdigit((unsigned char)lx->p[1]))) {
        while (lx->p < lx->end && (isalnum((unsigned char)*lx->p) || *lx->p == '.')) {
            if (n + 1 < sizeof lx->text)
                lx->text[n++] = *lx->p;
            lx->p++;
        }
        lx->text[n] = '\0';
        lx->tok = TOK_NUMBER;
        return;
    }
    if (c == '"' || c == '\'') {
        lx->p++;
        while (lx->p < lx->end && *lx->p != (char)c && *lx->p != '\n') {
            char ch = *lx->p++;
            if (ch == '\\' && lx->p < lx->end) {
                char e = *lx->p++;
                ch = e == 'n' ? '\n' : e == 't' ? '\t' : e;
            }
            if (n + 1 < sizeof lx->text)
                lx->text[n++] = ch;
        }
        if (lx->p >= lx->end || *lx->p != (char)c) {
            lx->tok = TOK_ERROR;
            lx->err = "unterminated string";
            return;
        }
        lx->p++;
        lx->text[n] = '\0';
        lx->tok = TOK_STRING;
        return;
    }
    size_t level;
    size_t ol = long_open(lx->p, lx->end, &level);
    if (ol) {
        lx->p += ol;
        if (lx->p < lx->end && *lx->p == '\n') /* Lua drops a first newline */
            lx->p++, lx->line++;
        if (!long_skip(lx, level, lx->text, sizeof lx->text)) {
            lx->tok = TOK_ERROR;
            lx->err = "unterminated long string";
            return;
        }
        lx->tok = TOK_STRING;
        return;
    }
    lx->text[0] = (char)c;
    lx->text[1] = '\0';
    if (c == '.' && lx->p + 1 < lx->end && lx->p[1] == '.') /* ".." concatenation */
        lx->text[1] = '.', lx->text[2] = '\0', lx->p++;
    lx->p++;
    lx->tok = TOK_PUNCT;
}

/* Copies at most n - 1 bytes of s, always terminated. */
static void copy_text(char *d, size_t n, const char *s)
{
    size_t l = strlen(s);
    if (l >= n)
        l = n - 1;
    memcpy(d, s, l);
    d[l] = '\0';
}

static bool is_punct(const struct lua_lex *lx, const char *s)
{
    return lx->tok == TOK_PUNCT && strcmp(lx->text, s) == 0;
}

/* One entry's fields, as read. */
struct lua_field {
    char name[32];
    char value[512];
    bool is_number;
    unsigned line;
};

#define ENTRY_FIELDS_MAX 16

struct lua_reader {
    struct rule_set *rs;
    const char *path;
    FILE *report;
    int bad;
};

static void report_error(struct lua_reader *rd, unsigned line, const char *table,
                         const char *field, const char *msg)
{
    rd->bad++;
    if (!rd->report)
        return;
    if (field && *field)
        fprintf(rd->report, "%s:%u: %s: %s: %s\n", rd->path, line, table, field, msg);
    else
        fprintf(rd->report, "%s:%u: %s: %s\n", rd->path, line, table, msg);
}

static const char *rs_var_lookup(void *ctx, const char *name, bool is_port)
{
    return rule_set_get_var(ctx, name, is_port);
}

static bool parse_u32(const char *s, bool allow_minus_one, long long *out)
{
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno || *end || !*s || v > UINT32_MAX || (v < 0 && !(allow_minus_one && v == -1)))
        return false;
    *out = v;
    return true;
}

/* Turns one table entry into a threshold.config entry; false after
 * reporting what is wrong. */
static bool entry_convert(struct lua_reader *rd, const char *table, unsigned line,
                          const struct lua_field *f, size_t nf)
{
    bool is_suppress = strcmp(table, "suppress") == 0;
    bool is_rate = strcmp(table, "rate_filter") == 0;
    struct rule_threshold_cfg t = {0};
    t.type = is_suppress ? RULE_TCFG_SUPPRESS : is_rate ? RULE_TCFG_RATE_FILTER
                                                        : RULE_TCFG_EVENT_FILTER;
    /* Snort 3's defaults: event_filter/rate_filter gid 1 sid 1; suppress gid
     * 0 sid 0 (all). */
    t.gid = is_suppress ? 0 : 1;
    t.sid = is_suppress ? 0 : 1;
    bool have_type = false, have_track = false, have_action = false, disabled = false;
    const char *ip = NULL;
    unsigned ip_line = line;
    for (size_t i = 0; i < nf; i++) {
        const char *n = f[i].name, *v = f[i].value;
        long long num = 0;
        bool numeric = strcmp(n, "gid") == 0 || strcmp(n, "sid") == 0 ||
                       strcmp(n, "count") == 0 || strcmp(n, "seconds") == 0 ||
                       strcmp(n, "timeout") == 0;
        if (numeric) {
            bool minus_one = strcmp(n, "count") == 0 && !is_suppress;
            if (!f[i].is_number || !parse_u32(v, minus_one, &num)) {
                report_error(rd, f[i].line, table, n, "expected a whole number");
                return false;
            }
        }
        if (strcmp(n, "gid") == 0) {
            t.gid = (uint32_t)num;
        } else if (strcmp(n, "sid") == 0) {
            t.sid = (uint32_t)num;
        } else if (strcmp(n, "count") == 0 && !is_suppress) {
            if (num < 0)
                disabled = true;
            else
                t.t.count = (uint32_t)num;
        } else if (strcmp(n, "seconds") == 0 && !is_suppress) {
            t.t.seconds = (uint32_t)num;
        } else if (strcmp(n, "timeout") == 0 && is_rate) {
            t.timeout = (uint32_t)num;
        } else if (strcmp(n, "type") == 0 && !is_suppress && !is_rate) {
            have_type = true;
            if (strcmp(v, "limit") == 0)
                t.t.type = RULE_THRESHOLD_LIMIT;
            else if (strcmp(v, "threshold") == 0)
                t.t.type = RULE_THRESHOLD_THRESHOLD;
            else if (strcmp(v, "both") == 0)
                t.t.type = RULE_THRESHOLD_BOTH;
            else {
                report_error(rd, f[i].line, table, n, "expected 'limit', 'threshold' or 'both'");
                return false;
            }
        } else if (strcmp(n, "track") == 0) {
            have_track = true;
            if (strcmp(v, "by_src") == 0)
                t.t.track = RULE_TRACK_BY_SRC;
            else if (strcmp(v, "by_dst") == 0)
                t.t.track = RULE_TRACK_BY_DST;
            else if (is_rate && strcmp(v, "by_rule") == 0)
                t.t.track = RULE_TRACK_BY_RULE;
            else {
                report_error(rd, f[i].line, table, n,
                             is_rate ? "expected 'by_src', 'by_dst' or 'by_rule'"
                                     : "expected 'by_src' or 'by_dst'");
                return false;
            }
        } else if (strcmp(n, "new_action") == 0 && is_rate) {
            have_action = true;
            if (strcmp(v, "alert") == 0 || strcmp(v, "log") == 0)
                t.new_action = RULE_ACTION_ALERT;
            else if (strcmp(v, "drop") == 0 || strcmp(v, "block") == 0)
                t.new_action = RULE_ACTION_DROP;
            else if (strcmp(v, "pass") == 0)
                t.new_action = RULE_ACTION_PASS;
            else if (strcmp(v, "reject") == 0)
                t.new_action = RULE_ACTION_REJECT;
            else {
                report_error(rd, f[i].line, table, n,
                             "expected 'alert', 'log', 'pass', 'drop', 'block' or 'reject'");
                return false;
            }
        } else if ((strcmp(n, "ip") == 0 && !is_rate) || (strcmp(n, "apply_to") == 0 && is_rate)) {
            if (f[i].is_number) {
                report_error(rd, f[i].line, table, n, "expected an address string");
                return false;
            }
            ip = v;
            ip_line = f[i].line;
        } else {
            report_error(rd, f[i].line, table, n, "unknown field");
            return false;
        }
    }
    if (!is_suppress && !is_rate && !have_type) {
        report_error(rd, line, table, "type", "required ('limit', 'threshold' or 'both')");
        return false;
    }
    if (!is_suppress && !have_track) {
        report_error(rd, line, table, "track", "required");
        return false;
    }
    if (is_rate && !have_action) {
        report_error(rd, line, table, "new_action", "required");
        return false;
    }
    if (is_suppress && ip && !have_track) {
        report_error(rd, line, table, "track", "required with ip ('by_src' or 'by_dst')");
        return false;
    }
    if (is_suppress && !ip && have_track) {
        report_error(rd, line, table, "ip", "required with track");
        return false;
    }
    if (ip) {
        /* Snort lists addresses separated by spaces or commas. */
        char list[600];
        size_t n = 0;
        list[n++] = '[';
        bool sep = false;
        for (const char *s = ip; *s && n + 3 < sizeof list; s++) {
            if (isspace((unsigned char)*s) || *s == ',') {
                sep = n > 1;
                continue;
            }
            if (*s == '[' || *s == ']')
                continue;
            if (sep)
                list[n++] = ',';
            sep = false;
            list[n++] = *s;
        }
        list[n++] = ']';
        list[n] = '\0';
        char e[256];
        if (n <= 2 || rule_addr_parse(list, rs_var_lookup, rd->rs, &t.ip, e, sizeof e) != 0) {
            report_error(rd, ip_line, table, is_rate ? "apply_to" : "ip",
                         n <= 2 ? "empty address list" : e);
            return false;
        }
        t.has_ip = true;
        if (is_rate) {
            /* vigil's rate_filter has no apply_to: refuse rather than
             * widen the filter to every address. */
            free(t.ip.ranges);
            report_error(rd, ip_line, table, "apply_to", "not supported by vigil");
            return false;
        }
    }
    if (disabled) { /* count -1: the filter never trips */
        free(t.ip.ranges);
        return true;
    }
    if (rule_set_add_threshold_cfg(rd->rs, &t) != 0) {
        free(t.ip.ranges);
        report_error(rd, line, table, NULL, "out of memory");
        return false;
    }
    return true;
}

/* Reads `{ {...}, {...} }` after "name =". Returns false when the reader
 * cannot go on (the file's structure is lost). */
static bool read_table(struct lua_reader *rd, struct lua_lex *lx, const char *table)
{
    if (!is_punct(lx, "{")) {
        report_error(rd, lx->tok_line, table, NULL,
                     "expected a table constructor '{ ... }' (variables and calls are not "
                     "evaluated)");
        return true;
    }
    lex_next(lx);
    for (;;) {
        if (is_punct(lx, "}")) {
            lex_next(lx);
            return true;
        }
        if (!is_punct(lx, "{")) {
            report_error(rd, lx->tok_line, table, NULL, "expected '{' starting an entry");
            return false;
        }
        unsigned entry_line = lx->tok_line;
        struct lua_field f[ENTRY_FIELDS_MAX];
        size_t nf = 0;
        bool entry_ok = true;
        lex_next(lx);
        while (!is_punct(lx, "}")) {
            if (lx->tok != TOK_NAME) {
                report_error(rd, lx->tok_line, table, NULL, "expected 'field = value'");
                return false;
            }
            struct lua_field fld = {.line = lx->tok_line};
            copy_text(fld.name, sizeof fld.name, lx->text);
            lex_next(lx);
            if (!is_punct(lx, "=")) {
                report_error(rd, lx->tok_line, table, fld.name, "expected '='");
                return false;
            }
            lex_next(lx);
            bool neg = false;
            if (is_punct(lx, "-")) {
                neg = true;
                lex_next(lx);
            }
            if (lx->tok == TOK_STRING && !neg) {
                copy_text(fld.value, sizeof fld.value, lx->text);
            } else if (lx->tok == TOK_NUMBER) {
                fld.value[0] = '-';
                copy_text(fld.value + neg, sizeof fld.value - 1, lx->text);
                fld.is_number = true;
            } else {
                report_error(rd, lx->tok_line, table, fld.name,
                             lx->tok == TOK_NAME ? "a variable or expression is not evaluated: "
                                                   "write the value"
                                                 : "expected a string or a number");
                entry_ok = false;
                /* skip to the end of the entry */
                int depth = 0;
                while (lx->tok != TOK_EOF && lx->tok != TOK_ERROR &&
                       !(depth == 0 && is_punct(lx, "}"))) {
                    if (is_punct(lx, "{"))
                        depth++;
                    else if (is_punct(lx, "}"))
                        depth--;
                    lex_next(lx);
                }
                break;
            }
            lex_next(lx);
            if (is_punct(lx, "..")) {
                report_error(rd, lx->tok_line, table, fld.name,
                             "concatenation is not evaluated: write the value");
                return false;
            }
            if (nf == ENTRY_FIELDS_MAX) {
                report_error(rd, fld.line, table, fld.name, "too many fields");
                return false;
            }
            f[nf++] = fld;
            if (is_punct(lx, ",") || is_punct(lx, ";"))
                lex_next(lx);
            else if (!is_punct(lx, "}")) {
                report_error(rd, lx->tok_line, table, fld.name, "expected ',' or '}'");
                return false;
            }
        }
        if (!is_punct(lx, "}"))
            return false;
        lex_next(lx);
        if (entry_ok)
            entry_convert(rd, table, entry_line, f, nf);
        if (is_punct(lx, ",") || is_punct(lx, ";"))
            lex_next(lx);
    }
}

int rule_set_load_snort_lua_buffer(struct rule_set *rs, const char *data, size_t len,
                                   const char *name, FILE *report)
{
    struct lua_reader rd = {.rs = rs, .path = name, .report = report};
    struct lua_lex lx = {.p = data, .end = data + len, .line = 1};
    int depth = 0;
    lex_next(&lx);
    while (lx.tok != TOK_EOF) {
        if (lx.tok == TOK_ERROR) {
            report_error(&rd, lx.line, "snort.lua", NULL, lx.err);
            break;
        }
        if (depth == 0 && lx.tok == TOK_NAME &&
            (strcmp(lx.text, "event_filter") == 0 || strcmp(lx.text, "suppress") == 0 ||
             strcmp(lx.text, "rate_filter") == 0)) {
            char table[16];
            copy_text(table, sizeof table, lx.text);
            lex_next(&lx);
            if (!is_punct(&lx, "="))
                continue; /* a use, not the assignment */
            lex_next(&lx);
            if (!read_table(&rd, &lx, table))
                break;
            continue;
        }
        if (is_punct(&lx, "{"))
            depth++;
        else if (is_punct(&lx, "}") && depth > 0)
            depth--;
        lex_next(&lx);
    }
    return rd.bad;
}

int rule_set_load_snort_lua(struct rule_set *rs, const char *path, FILE *report)
{
    FILE *fp = fopen(path, "rb");
    if (!fp) {
        int e = errno;
        if (report)
            fprintf(report, "%s: cannot open: %s\n", path, strerror(e));
        return -e;
    }
    long size = fseek(fp, 0, SEEK_END) == 0 ? ftell(fp) : -1;
    if (size < 0 || (unsigned long)size > LUA_FILE_MAX) {
        fclose(fp);
        if (report)
            fprintf(report, "%s: %s\n", path,
                    size < 0 ? "cannot read its size" : "larger than 16 MiB: not read");
        return 1;
    }
    rewind(fp);
    char *buf = malloc((size_t)size + 1);
    if (!buf) {
        fclose(fp);
        return -ENOMEM;
    }
    size_t len = fread(buf, 1, (size_t)size, fp);
    fclose(fp);
    int bad = rule_set_load_snort_lua_buffer(rs, buf, len, path, report);
    free(buf);
    return bad;
}
