/* SPDX-License-Identifier: Apache-2.0 */
/* The `modbus` keyword, with Suricata's three forms (rules/modbus-keyword):
 *   modbus: function <n>[, subfunction <n>]
 *   modbus: function [!]<assigned|unassigned|public|user|reserved|all>
 *   modbus: access <read|write> [discretes|coils|input|holding]
 *           [, address <n|<n|>n|n<>m> [, value <n|<n|>n|n<>m>]]
 *   modbus: unit <n|<n|>n|n<>m> [, <one of the above>]
 * It inspects the request of a transaction (the response when there is no
 * request). A numeric function compares the function's name class, so every
 * undefined code matches every other (Suricata's behaviour); addresses are
 * 1-based as in Suricata (PDU address + 1). */
#include <errno.h>
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/app_ics.h"
#include "detect/detect_buffer.h"
#include "detect/detect_tx_kw.h"
#include "detect/rule.h"

/* A value or range of the signature: [lo, hi) semantics as Suricata's
 * Range<u16>: lo == hi is "exactly lo"; lo == 0 is "< hi"; hi == 65535 is
 * "> lo"; otherwise lo < x < hi. */
struct mb_range {
    bool set;
    uint16_t lo, hi;
};

struct mb_sig {
    bool has_category;
    uint8_t category; /* MODBUS_CAT_* bits (negation already applied) */
    bool has_function;
    uint8_t function; /* enum modbus_function */
    bool has_subfunction;
    uint16_t subfunction;
    bool has_access;
    uint8_t access; /* MODBUS_ACCESS_* */
    struct mb_range unit, address, value;
};

static const char *const access_re =
    "^[[:space:]]*\"?[[:space:]]*access[[:space:]]*(read|write)"
    "[[:space:]]*(discretes|coils|input|holding)?"
    "(?:,[[:space:]]*address[[:space:]]+([<>]?[[:digit:]]+)(?:<>([[:digit:]]+))?"
    "(?:,[[:space:]]*value[[:space:]]+([<>]?[[:digit:]]+)(?:<>([[:digit:]]+))?)?)?"
    "[[:space:]]*\"?[[:space:]]*$";
static const char *const func_re =
    "^[[:space:]]*\"?[[:space:]]*function[[:space:]]*(!?[A-z0-9]+)"
    "(?:,[[:space:]]*subfunction[[:space:]]+([[:digit:]]+))?[[:space:]]*\"?[[:space:]]*$";
static const char *const unit_re =
    "^[[:space:]]*\"?[[:space:]]*unit[[:space:]]+([<>]?[[:digit:]]+)"
    "(?:<>([[:digit:]]+))?(?:,[[:space:]]*(.*))?[[:space:]]*\"?[[:space:]]*$";

/* Captures of re on s: groups[i] is the i-th group (empty when unset). */
#define MB_GROUPS 7
struct mb_caps {
    char g[MB_GROUPS][128];
    bool set[MB_GROUPS];
};

static bool mb_match(const char *re, const char *s, struct mb_caps *caps)
{
    int errcode;
    PCRE2_SIZE erroff;
    pcre2_code *code = pcre2_compile((PCRE2_SPTR)re, PCRE2_ZERO_TERMINATED, 0, &errcode, &erroff,
                                     NULL);
    if (!code)
        return false;
    pcre2_match_data *md = pcre2_match_data_create_from_pattern(code, NULL);
    bool ok = md && pcre2_match(code, (PCRE2_SPTR)s, strlen(s), 0, 0, md, NULL) >= 0;
    memset(caps, 0, sizeof(*caps));
    if (ok) {
        PCRE2_SIZE *ov = pcre2_get_ovector_pointer(md);
        uint32_t n = pcre2_get_ovector_count(md);
        for (uint32_t i = 1; i < n && i < MB_GROUPS; i++) {
            if (ov[2 * i] == PCRE2_UNSET)
                continue;
            size_t len = ov[2 * i + 1] - ov[2 * i];
            if (len >= sizeof(caps->g[i]))
                len = sizeof(caps->g[i]) - 1;
            memcpy(caps->g[i], s + ov[2 * i], len);
            caps->g[i][len] = '\0';
            caps->set[i] = true;
        }
    }
    pcre2_match_data_free(md);
    pcre2_code_free(code);
    return ok;
}

static int parse_u16(const char *s, uint16_t *out)
{
    char *end;
    unsigned long v = strtoul(s, &end, 10);
    if (end == s || *end || v > 0xffff)
        return -EINVAL;
    *out = (uint16_t)v;
    return 0;
}

/* Suricata's parse_range: "n", "<n", ">n", or min and max. */
static int parse_range(const char *min, const char *max, struct mb_range *r)
{
    r->set = true;
    if (max && *max) {
        if (parse_u16(min, &r->lo) || parse_u16(max, &r->hi))
            return -EINVAL;
        return 0;
    }
    uint16_t n;
    if (*min == '<' || *min == '>') {
        if (parse_u16(min + 1, &n))
            return -EINVAL;
        if (*min == '<') {
            r->lo = 0;
            r->hi = n;
        } else {
            r->lo = n;
            r->hi = 0xffff;
        }
        return 0;
    }
    if (parse_u16(min, &n))
        return -EINVAL;
    r->lo = r->hi = n;
    return 0;
}

static bool range_match_value(const struct mb_range *r, uint16_t v)
{
    if (r->lo == r->hi)
        return r->lo == v;
    if (r->lo == 0)
        return r->hi > v;
    if (r->hi == 0xffff)
        return r->lo < v;
    return r->lo < v && v < r->hi;
}

static bool range_match_range(const struct mb_range *r, uint16_t first, uint16_t last)
{
    if (r->lo == r->hi)
        return r->lo >= first && r->lo <= last;
    if (r->lo == 0)
        return r->hi > first;
    if (r->hi == 0xffff)
        return r->lo < last;
    return r->lo < last && first < r->hi;
}

static int parse_access(const char *s, struct mb_sig *sig, char *err, size_t errlen)
{
    struct mb_caps c;
    if (!mb_match(access_re, s, &c))
        return -EINVAL;
    sig->has_access = true;
    sig->access = strcmp(c.g[1], "read") == 0 ? MODBUS_ACCESS_READ : MODBUS_ACCESS_WRITE;
    if (c.set[2]) {
        if (strcmp(c.g[2], "coils") == 0) {
            sig->access |= MODBUS_ACCESS_COILS;
        } else if (strcmp(c.g[2], "holding") == 0) {
            sig->access |= MODBUS_ACCESS_HOLDING;
        } else if (sig->access == MODBUS_ACCESS_WRITE) {
            snprintf(err, errlen, "%s access is only read access", c.g[2]);
            return -EINVAL;
        } else {
            sig->access |= strcmp(c.g[2], "discretes") == 0 ? MODBUS_ACCESS_DISCRETES
                                                            : MODBUS_ACCESS_INPUT;
        }
    }
    if (!c.set[3])
        return 0;
    if (parse_range(c.g[3], c.set[4] ? c.g[4] : NULL, &sig->address)) {
        snprintf(err, errlen, "invalid address '%s'", c.g[3]);
        return -EINVAL;
    }
    if (!c.set[5])
        return 0;
    if (sig->address.lo != sig->address.hi) {
        snprintf(err, errlen, "rule contains conflicting keywords (address range and value)");
        return -EINVAL;
    }
    if (sig->access == MODBUS_ACCESS_READ) {
        snprintf(err, errlen, "value keyword only works in write access");
        return -EINVAL;
    }
    if (parse_range(c.g[5], c.set[6] ? c.g[6] : NULL, &sig->value)) {
        snprintf(err, errlen, "invalid value '%s'", c.g[5]);
        return -EINVAL;
    }
    return 0;
}

static int parse_function(const char *s, struct mb_sig *sig, char *err, size_t errlen)
{
    struct mb_caps c;
    if (!mb_match(func_re, s, &c))
        return -EINVAL;
    const char *word = c.g[1];
    uint16_t num;
    if (parse_u16(word, &num) == 0) {
        if (num == 0 || num > 255) {
            snprintf(err, errlen, "invalid modbus function value '%s'", word);
            return -EINVAL;
        }
        sig->has_function = true;
        uint8_t raw = (uint8_t)num;
        sig->function = ((raw >= 1 && raw <= 24) || raw == MODBUS_FUNC_MEI) ? raw
                                                                            : MODBUS_FUNC_UNKNOWN;
        if (c.set[2]) {
            if (parse_u16(c.g[2], &sig->subfunction)) {
                snprintf(err, errlen, "invalid subfunction value '%s'", c.g[2]);
                return -EINVAL;
            }
            sig->has_subfunction = true;
        }
        return 0;
    }
    bool neg = word[0] == '!';
    const char *w = word + (neg ? 1 : 0);
    uint8_t cat;
    if (strcmp(w, "assigned") == 0)
        cat = MODBUS_CAT_PUBLIC_ASSIGNED;
    else if (strcmp(w, "unassigned") == 0)
        cat = MODBUS_CAT_PUBLIC_UNASSIGNED;
    else if (strcmp(w, "public") == 0)
        cat = MODBUS_CAT_PUBLIC_ASSIGNED | MODBUS_CAT_PUBLIC_UNASSIGNED;
    else if (strcmp(w, "user") == 0)
        cat = MODBUS_CAT_USER_DEFINED;
    else if (strcmp(w, "reserved") == 0)
        cat = MODBUS_CAT_RESERVED;
    else if (strcmp(w, "all") == 0)
        cat = MODBUS_CAT_PUBLIC_ASSIGNED | MODBUS_CAT_PUBLIC_UNASSIGNED |
              MODBUS_CAT_USER_DEFINED | MODBUS_CAT_RESERVED;
    else {
        snprintf(err, errlen, "keyword unknown: %s", word);
        return -EINVAL;
    }
    sig->has_category = true;
    sig->category = neg ? (uint8_t)~cat : cat;
    return 0;
}

static int parse_unit(const char *s, struct mb_sig *sig, char *err, size_t errlen)
{
    struct mb_caps c;
    if (!mb_match(unit_re, s, &c))
        return -EINVAL;
    if (c.set[3] && c.g[3][0]) {
        /* The group may have kept a closing quote; strip trailing spaces/quotes. */
        size_t n = strlen(c.g[3]);
        while (n && (c.g[3][n - 1] == ' ' || c.g[3][n - 1] == '"'))
            c.g[3][--n] = '\0';
        if (parse_function(c.g[3], sig, err, errlen) != 0 &&
            parse_access(c.g[3], sig, err, errlen) != 0) {
            if (!err[0])
                snprintf(err, errlen, "invalid modbus option: %s", c.g[3]);
            return -EINVAL;
        }
    }
    if (parse_range(c.g[1], c.set[2] ? c.g[2] : NULL, &sig->unit)) {
        snprintf(err, errlen, "invalid unit '%s'", c.g[1]);
        return -EINVAL;
    }
    return 0;
}

static int modbus_kw_parse(const char *value, void **data, char *err, size_t errlen)
{
    struct mb_sig *sig = calloc(1, sizeof(*sig));
    if (!sig)
        return -ENOMEM;
    err[0] = '\0';
    int rc = parse_unit(value, sig, err, errlen);
    if (rc && !err[0]) {
        memset(sig, 0, sizeof(*sig));
        rc = parse_function(value, sig, err, errlen);
    }
    if (rc && !err[0]) {
        memset(sig, 0, sizeof(*sig));
        rc = parse_access(value, sig, err, errlen);
    }
    if (rc) {
        if (!err[0])
            snprintf(err, errlen, "invalid modbus option '%.60s'", value);
        free(sig);
        return -EINVAL;
    }
    *data = sig;
    return 0;
}

static bool inspect_data(const struct modbus_msg *m, const struct mb_sig *sig)
{
    if (!sig->address.set)
        return true;
    uint16_t first, last;
    if (!modbus_msg_address_range(m, &first, &last) ||
        !range_match_range(&sig->address, first, last))
        return false;
    if (!sig->value.set)
        return true;
    uint16_t v;
    return modbus_msg_write_value_at(m, sig->address.lo, &v) && range_match_value(&sig->value, v);
}

static bool modbus_kw_match(const struct app_tx *tx, uint8_t direction, const void *data)
{
    (void)direction;
    const struct mb_sig *sig = data;
    const struct modbus_msg *m = modbus_tx_request(tx);
    if (!m)
        m = modbus_tx_response(tx);
    if (!m)
        return false;
    if (sig->unit.set && !range_match_value(&sig->unit, m->unit_id))
        return false;
    if (sig->has_access) {
        uint8_t rw = sig->access & (MODBUS_ACCESS_READ | MODBUS_ACCESS_WRITE);
        uint8_t table = sig->access & MODBUS_ACCESS_TABLE_MASK;
        if (!rw || !(m->access_type & rw) || (table && !(m->access_type & table)))
            return false;
        return inspect_data(m, sig);
    }
    if (sig->has_category)
        return (m->category & sig->category) != 0;
    if (!sig->has_function)
        return true;
    if (sig->function != m->function_code)
        return false;
    if (!sig->has_subfunction)
        return true;
    return m->data_kind == MODBUS_DATA_DIAGNOSTIC && m->subfunction == sig->subfunction;
}

const struct detect_tx_kw detect_tx_kw_modbus[] = {
    {.name = "modbus", .app_proto = RULE_APP_MODBUS, .dir = DETECT_BUFFER_DIR_TOSERVER,
     .parse = modbus_kw_parse, .match = modbus_kw_match},
    {0},
};
