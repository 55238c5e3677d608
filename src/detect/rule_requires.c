/* SPDX-License-Identifier: Apache-2.0 */
/* The `requires` rule option (Suricata 7.0.3+): a rule states what the
 * engine must have to load it, and an engine without it skips the rule
 * quietly (counted as skipped, neither loaded nor failed):
 *
 *   requires: feature ja4, version >= 7.0.3 < 8 | >= 8.0.1, keyword sid;
 *
 * - `feature NAME`: a build feature (ja3, ja4, lua, ...);
 * - `version EXPR`: alternatives separated by '|', each a list of
 *   comparisons (>=, >, <=, <) against a version of one to three parts
 *   (missing parts are 0) that must all hold; at most one version per rule;
 * - `keyword NAME`: a rule keyword the engine implements;
 * - anything else is an unknown requirement: the rule is skipped (Suricata
 *   8 no longer honours ignore-unknown-requirements).
 *
 * The check runs on the rule text before anything else is parsed, so a rule
 * for a later version may use syntax this one does not know (a protocol in
 * the header, a new keyword): it is skipped, not reported as invalid. A
 * malformed requires value is an error. */
#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "detect/rule_internal.h"

/* The Suricata version vigil's rule language and outputs follow, for
 * `requires: version`: the suricata-verify suite vigil is checked against
 * is at 9.0.0 (rules written for 7.x/8.x only are skipped, as there). */
#define RULE_COMPAT_MAJOR 9
#define RULE_COMPAT_MINOR 0
#define RULE_COMPAT_PATCH 0

const char *rule_compat_version(void)
{
    return "9.0.0";
}

/* Build features a rule may require. */
static const char *const features[] = {
    "ja3",
    "ja4",
#ifdef VIGIL_HAVE_LUA
    "lua",
#endif
#ifdef VIGIL_HAVE_MAGIC
    "magic",
#endif
};

static int feature_index(const char *name)
{
    for (size_t i = 0; i < sizeof features / sizeof features[0]; i++)
        if (strcmp(features[i], name) == 0)
            return (int)i;
    return -1;
}

bool rule_feature_present(const struct rule_set *rs, const char *name)
{
    int i = feature_index(name);
    return i >= 0 && !(rs && (rs->features_off >> i) & 1);
}

int rule_set_set_feature(struct rule_set *rs, const char *name, bool present)
{
    int i = feature_index(name);
    if (i < 0)
        return -ENOENT;
    if (present)
        rs->features_off &= ~(1u << i);
    else
        rs->features_off |= 1u << i;
    return 0;
}

/* Finds the value of the first `requires` option of a rule (the options
 * between the first '(' and the matching end, split on unescaped ';').
 * Returns a malloc'd copy, or NULL if there is none (*oom on failure). */
static char *find_requires(const char *text, bool *oom)
{
    *oom = false;
    const char *p = strchr(text, '(');
    if (!p)
        return NULL;
    p++;
    while (*p) {
        while (*p == ' ' || *p == '\t' || *p == ';')
            p++;
        const char *name = p;
        while (*p && *p != ':' && *p != ';' && *p != ')')
            p++;
        const char *name_end = p;
        while (name_end > name && isspace((unsigned char)name_end[-1]))
            name_end--;
        const char *value = NULL, *value_end = NULL;
        if (*p == ':') {
            value = ++p;
            while (*p && *p != ';') {
                if (*p == '\\' && p[1])
                    p++;
                p++;
            }
            value_end = p;
        }
        if ((size_t)(name_end - name) == 8 && strncmp(name, "requires", 8) == 0 && value) {
            size_t n = (size_t)(value_end - value);
            char *v = malloc(n + 1);
            if (!v) {
                *oom = true;
                return NULL;
            }
            memcpy(v, value, n);
            v[n] = '\0';
            return v;
        }
        if (!*p || *p == ')')
            break;
        p++;
    }
    return NULL;
}

struct version {
    int major, minor, patch;
};

static int version_cmp(const struct version *a, const struct version *b)
{
    if (a->major != b->major)
        return a->major < b->major ? -1 : 1;
    if (a->minor != b->minor)
        return a->minor < b->minor ? -1 : 1;
    if (a->patch != b->patch)
        return a->patch < b->patch ? -1 : 1;
    return 0;
}

/* One version part: 0..255. */
static int parse_part(const char **sp, int *out)
{
    const char *s = *sp;
    if (!isdigit((unsigned char)*s))
        return -EINVAL;
    int v = 0;
    while (isdigit((unsigned char)*s)) {
        v = v * 10 + (*s - '0');
        if (v > 255)
            return -EINVAL;
        s++;
    }
    *out = v;
    *sp = s;
    return 0;
}

/* Evaluates a version expression; 1 holds, 0 does not, -EINVAL malformed.
 * *too_old is set when no alternative held and the first failure was a
 * lower bound (the engine is older than required). */
static int version_holds(const char *expr, bool *too_old)
{
    const struct version have = {RULE_COMPAT_MAJOR, RULE_COMPAT_MINOR, RULE_COMPAT_PATCH};
    const char *s = expr;
    bool any_alt = false, first_fail_known = false;
    *too_old = false;
    for (;;) {
        bool alt_ok = true;
        int ncmp = 0;
        for (;;) {
            while (isspace((unsigned char)*s))
                s++;
            if (!*s || *s == '|')
                break;
            int op; /* 0 >=, 1 >, 2 <=, 3 < */
            if (s[0] == '>' && s[1] == '=') {
                op = 0;
                s += 2;
            } else if (s[0] == '>') {
                op = 1;
                s++;
            } else if (s[0] == '<' && s[1] == '=') {
                op = 2;
                s += 2;
            } else if (s[0] == '<') {
                op = 3;
                s++;
            } else {
                return -EINVAL;
            }
            while (isspace((unsigned char)*s))
                s++;
            struct version v = {0, 0, 0};
            if (parse_part(&s, &v.major))
                return -EINVAL;
            if (*s == '.') {
                s++;
                if (parse_part(&s, &v.minor))
                    return -EINVAL;
                if (*s == '.') {
                    s++;
                    if (parse_part(&s, &v.patch))
                        return -EINVAL;
                }
            }
            if (*s && !isspace((unsigned char)*s) && *s != '|')
                return -EINVAL;
            ncmp++;
            int c = version_cmp(&have, &v);
            bool ok = op == 0 ? c >= 0 : op == 1 ? c > 0 : op == 2 ? c <= 0 : c < 0;
            if (!ok && alt_ok) {
                alt_ok = false;
                if (!first_fail_known) {
                    first_fail_known = true;
                    *too_old = op <= 1;
                }
            }
        }
        if (ncmp == 0)
            return -EINVAL;
        if (alt_ok)
            any_alt = true;
        if (!*s)
            break;
        s++; /* '|' */
    }
    return any_alt ? 1 : 0;
}

int rule_requires_check(const struct rule_set *rs, const char *text, char *why, size_t whylen)
{
    bool oom;
    char *req = find_requires(text, &oom);
    if (!req) {
        if (oom) {
            snprintf(why, whylen, "out of memory");
            return -ENOMEM;
        }
        return 0;
    }
    int rc = 0;
    bool have_version = false;
    char unknown[128] = "", missing[128] = "", version_fail[160] = "";
    /* Requirements are separated by commas: "<key> <value>". */
    char *save = NULL;
    for (char *item = strtok_r(req, ",", &save); item; item = strtok_r(NULL, ",", &save)) {
        while (isspace((unsigned char)*item))
            item++;
        char *end = item + strlen(item);
        while (end > item && isspace((unsigned char)end[-1]))
            *--end = '\0';
        if (!*item)
            continue;
        char *key = item, *val = item;
        while (*val && (isalnum((unsigned char)*val) || *val == '-' || *val == '_'))
            val++;
        size_t keylen = (size_t)(val - key);
        while (isspace((unsigned char)*val))
            val++;
        if (keylen == 7 && strncmp(key, "feature", 7) == 0) {
            if (!*val) {
                snprintf(why, whylen, "requires: feature needs a name");
                rc = -EINVAL;
                break;
            }
            if (!missing[0] && !rule_feature_present(rs, val))
                snprintf(missing, sizeof missing, "feature %s", val);
        } else if (keylen == 7 && strncmp(key, "version", 7) == 0) {
            if (have_version) {
                snprintf(why, whylen, "requires: version may only be given once");
                rc = -EINVAL;
                break;
            }
            have_version = true;
            bool too_old;
            int h = version_holds(val, &too_old);
            if (h < 0) {
                snprintf(why, whylen, "requires: invalid version expression '%.60s'", val);
                rc = -EINVAL;
                break;
            }
            if (h == 0)
                snprintf(version_fail, sizeof version_fail,
                         too_old ? "the running version %s is less than required (%.60s)"
                                 : "it is for an older version than %s (%.60s)",
                         rule_compat_version(), val);
        } else if (keylen == 7 && strncmp(key, "keyword", 7) == 0) {
            if (!*val) {
                snprintf(why, whylen, "requires: keyword needs a name");
                rc = -EINVAL;
                break;
            }
            if (!missing[0] && !rule_keyword_known(val))
                snprintf(missing, sizeof missing, "keyword %s", val);
        } else if (!unknown[0]) {
            snprintf(unknown, sizeof unknown, "%.*s", (int)(end - key), key);
        }
    }
    free(req);
    if (rc)
        return rc;
    /* Reported in Suricata's order: unknown, version, feature. */
    if (unknown[0]) {
        snprintf(why, whylen, "unknown requirement '%s'", unknown);
        return 1;
    }
    if (version_fail[0]) {
        snprintf(why, whylen, "%s", version_fail);
        return 1;
    }
    if (missing[0]) {
        snprintf(why, whylen, "missing a required feature: %s", missing);
        return 1;
    }
    return 0;
}
