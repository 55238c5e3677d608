/* SPDX-License-Identifier: Apache-2.0 */
/* Transaction keywords of DCE/RPC, SMB, Kerberos and NFS, in the registry of
 * detect_tx_kw.h: Suricata's integer keywords on their fields (dcerpc.opnum,
 * smb.version, krb5_msg_type, krb5_err_code, krb5.ticket_encryption,
 * nfs_procedure, nfs.version) and dcerpc.iface.
 *
 * The fields are the parsers' own integer fields (struct app_uint_field,
 * app.h), found by name when a rule loads (app_uint_ref_resolve: dcerpc.opnum
 * is a field of DCE/RPC and of SMB) and read with app_tx_get_uint_ref; names
 * of values come through app_uint_value_from_name, so one keyword may name
 * values that differ with the transaction (nfs_procedure:WRITE is 7 in NFSv3
 * and 38 in NFSv4). A value is a Suricata unsigned-integer condition ("5",
 * "!5", "<5", ">=5", "1<>9"), or a value name ("AS_REQ", "WRITE",
 * "rc4-hmac"); keywords marked `lists` take several, comma-separated, OR-ed.
 * Unknown names are load errors naming the keyword and the value. */
#include <ctype.h>
#include <stdarg.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "app/app.h"
#include "detect/detect_buffer.h"
#include "detect/detect_tx_kw.h"
#include "detect/detect_uint.h"
#include "detect/rule_parse_internal.h"

enum tx_cond_type {
    TX_COND_UINT,
    TX_COND_DCERPC_IFACE,
};

/* What a keyword's value means. */
struct tx_cond_keyword {
    const char *name; /* for messages */
    uint8_t type;     /* enum tx_cond_type */
    const char *field; /* the parsers' field (struct app_uint_field.keyword) */
    uint64_t max;
    bool lists;             /* comma-separated values */
    bool inclusive_ranges;  /* "a-b" includes both ends (dcerpc.opnum) */
    bool inclusive_between; /* "a<>b" includes both ends (nfs_procedure, as the
                               suricata-verify oracle nfs3-01 shows) */
};

enum {
    KW_IFACE,
    KW_OPNUM,
    KW_SMB_VERSION,
    KW_KRB5_MSG_TYPE,
    KW_KRB5_ERR_CODE,
    KW_KRB5_TICKET_ENC,
    KW_NFS_PROCEDURE,
    KW_NFS_VERSION
};

static const struct tx_cond_keyword keywords[] = {
    [KW_IFACE] = {"dcerpc.iface", TX_COND_DCERPC_IFACE, 0, 0, false, false, false},
    [KW_OPNUM] = {"dcerpc.opnum", TX_COND_UINT, "dcerpc.opnum", 65535, true, true, false},
    [KW_SMB_VERSION] = {"smb.version", TX_COND_UINT, "smb.version", 255, false, false,
                        false},
    [KW_KRB5_MSG_TYPE] = {"krb5_msg_type", TX_COND_UINT, "krb5.msg_type", 255, false, false,
                          false},
    [KW_KRB5_ERR_CODE] = {"krb5_err_code", TX_COND_UINT, "krb5.err_code", UINT32_MAX, false,
                          false, false},
    [KW_KRB5_TICKET_ENC] = {"krb5.ticket_encryption", TX_COND_UINT, "krb5.ticket_encryption",
                            UINT32_MAX, true, false, false},
    [KW_NFS_PROCEDURE] = {"nfs_procedure", TX_COND_UINT, "nfs.procedure", UINT32_MAX, false,
                          false, true},
    [KW_NFS_VERSION] = {"nfs.version", TX_COND_UINT, "nfs.version", UINT32_MAX, false, false,
                        true},
};

#define TX_COND_MAX_CLAUSES 32

/* A parsed value. It holds when some instance of the field satisfies one of
 * its clauses (numeric conditions or value names, OR-ed); `negated` inverts
 * the clauses per instance, so a transaction without the field never
 * matches, as in Suricata. */
struct tx_cond {
    const struct tx_cond_keyword *k;
    bool negated;
    uint8_t nclauses;
    struct app_uint_ref ref; /* the field in each protocol that has it */
    struct detect_uint clauses[TX_COND_MAX_CLAUSES];
    char *names[TX_COND_MAX_CLAUSES]; /* owned; per clause a name, or NULL: numeric */
    /* dcerpc.iface */
    uint8_t uuid[16];
    bool any_frag, has_version;
    struct detect_uint version;
};

/* Error reporting into the registry's buffer. */
struct perr {
    char *buf;
    size_t len;
};

__attribute__((format(printf, 2, 3))) static int fail(struct perr *e, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->buf, e->len, fmt, ap);
    va_end(ap);
    return -EINVAL;
}

/* Kerberos encryption types Suricata calls weak (krb5.ticket_encryption:weak):
 * everything but AES (17-20) and Camellia (25, 26). Values are the Int32
 * etype as unsigned 32 bits, so Microsoft's negative types are weak too. */
static const struct detect_uint krb5_weak_etypes[] = {
    {.mode = DETECT_UINT_LE, .a = 16},
    {.mode = DETECT_UINT_RANGE, .a = 20, .b = 25},
    {.mode = DETECT_UINT_GE, .a = 27},
};

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c = (char)tolower((unsigned char)c);
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* "12345678-1234-abcd-ef00-0123456789ab" into 16 bytes in text order. */
static int parse_uuid(const char *s, uint8_t out[16])
{
    static const int groups[5] = {8, 4, 4, 4, 12};
    int o = 0;
    for (int g = 0; g < 5; g++) {
        if (g && *s++ != '-')
            return -EINVAL;
        for (int i = 0; i < groups[g]; i += 2) {
            int a = hexval(s[0]), b = a >= 0 ? hexval(s[1]) : -1;
            if (a < 0 || b < 0)
                return -EINVAL;
            out[o++] = (uint8_t)(a << 4 | b);
            s += 2;
        }
    }
    return *s ? -EINVAL : 0;
}

/* dcerpc.iface:<uuid>[,<op><version>][,any_frag] with op one of < > = ! */
static int parse_iface(struct perr *pc, struct tx_cond *c, char *v)
{
    char *tok[4];
    int n = split_commas(v, tok, 4);
    if (n < 1 || n > 3)
        return fail(pc, "expected <uuid>[,<op><version>][,any_frag]");
    if (parse_uuid(str_trim(tok[0]), c->uuid))
        return fail(pc, "invalid interface uuid '%.40s'", str_trim(tok[0]));
    for (int i = 1; i < n; i++) {
        char *t = str_trim(tok[i]);
        if (!strcmp(t, "any_frag")) {
            if (c->any_frag)
                return fail(pc, "any_frag given twice");
            c->any_frag = true;
            continue;
        }
        if (c->has_version || (*t != '<' && *t != '>' && *t != '=' && *t != '!'))
            return fail(pc, "invalid option '%.40s' (expected <op><version> or any_frag)", t);
        char op = *t++;
        uint64_t ver;
        if (parse_u64(t, 65535, &ver))
            return fail(pc, "invalid interface version '%.20s'", t);
        c->version.a = ver;
        c->version.mode = op == '<'   ? DETECT_UINT_LT
                          : op == '>' ? DETECT_UINT_GT
                          : op == '!' ? DETECT_UINT_NE
                                      : DETECT_UINT_EQ;
        if ((op == '<' && ver == 0) || (op == '>' && ver == 65535))
            return fail(pc, "interface version condition can never match");
        c->has_version = true;
    }
    return 0;
}

static int add_clause(struct perr *pc, struct tx_cond *c, const struct detect_uint *u,
                      const char *name)
{
    if (c->nclauses >= TX_COND_MAX_CLAUSES)
        return fail(pc, "too many values (at most %d)", TX_COND_MAX_CLAUSES);
    if (u)
        c->clauses[c->nclauses] = *u;
    if (name) {
        c->names[c->nclauses] = strdup(name);
        if (!c->names[c->nclauses])
            return fail(pc, "out of memory");
    }
    c->nclauses++;
    return 0;
}

/* One value of an integer keyword: a condition or a name. */
static int parse_value(struct perr *pc, const struct tx_cond_keyword *k, struct tx_cond *c, char *t)
{
    t = str_trim(t);
    if (!*t)
        return fail(pc, "empty value");
    struct detect_uint u;
    if (isdigit((unsigned char)*t) || *t == '<' || *t == '>' || *t == '=') {
        char *dash = k->inclusive_ranges ? strchr(t, '-') : NULL;
        if (dash && !strstr(t, "<>")) {
            *dash = '\0';
            uint64_t a, b;
            if (parse_u64(t, k->max, &a) || parse_u64(dash + 1, k->max, &b) || a > b)
                return fail(pc, "invalid range '%.20s-%.20s'", t, dash + 1);
            u.mode = a == 0 ? DETECT_UINT_LE : DETECT_UINT_RANGE;
            u.a = a == 0 ? b : a - 1;
            u.b = b + 1;
            return add_clause(pc, c, &u, NULL);
        }
        if (detect_uint_parse(t, k->max, &u))
            return fail(pc, "invalid value '%.40s'", t);
        if (k->inclusive_between && u.mode == DETECT_UINT_RANGE) {
            if (u.a == 0) {
                u.mode = DETECT_UINT_LE;
                u.a = u.b;
            } else {
                u.a--;
                u.b = u.b < UINT64_MAX ? u.b + 1 : u.b;
            }
        }
        return add_clause(pc, c, &u, NULL);
    }
    if (!strcmp(k->field, "krb5.ticket_encryption") && !strcasecmp(t, "weak")) {
        for (size_t i = 0; i < sizeof(krb5_weak_etypes) / sizeof(krb5_weak_etypes[0]); i++)
            if (add_clause(pc, c, &krb5_weak_etypes[i], NULL))
                return -EINVAL;
        return 0;
    }
    for (const char *p = t; *p; p++)
        if (!isalnum((unsigned char)*p) && *p != '_' && *p != '-' && *p != '.')
            return fail(pc, "invalid value '%.40s'", t);
    uint64_t v;
    int known = app_uint_value_from_name(k->field, t, &v);
    if (known < 0)
        return fail(pc, "unknown value '%.40s' for %s", t, k->name);
    if (known == 1) {
        u.mode = DETECT_UINT_EQ;
        u.a = v;
        return add_clause(pc, c, &u, NULL);
    }
    return add_clause(pc, c, NULL, t);
}

static void cond_free(void *data)
{
    struct tx_cond *c = data;
    if (!c)
        return;
    for (uint8_t k = 0; k < c->nclauses; k++)
        free(c->names[k]);
    free(c);
}

static int cond_parse(int ki, const char *value, void **data, char *err, size_t errlen)
{
    struct perr pe = {err, errlen};
    const struct tx_cond_keyword *k = &keywords[ki];
    if (!value || !*value)
        return fail(&pe, "%s needs a value", k->name);
    struct tx_cond *c = calloc(1, sizeof(*c));
    char *v = strdup(value);
    if (!c || !v) {
        free(c);
        free(v);
        return fail(&pe, "out of memory");
    }
    c->k = k;
    int rc = 0;
    if (k->type == TX_COND_DCERPC_IFACE) {
        rc = parse_iface(&pe, c, v);
    } else if (app_uint_ref_resolve(k->field, &c->ref) == 0) {
        rc = fail(&pe, "%s: no parser provides the field %s", k->name, k->field);
    } else {
        char *s = str_trim(v);
        if (*s == '!') {
            c->negated = true;
            s = str_trim(s + 1);
        }
        if (k->lists) {
            char *tok[TX_COND_MAX_CLAUSES];
            int n = split_commas(s, tok, TX_COND_MAX_CLAUSES);
            if (n < 1)
                rc = fail(&pe, "expected a value");
            for (int i = 0; i < n && rc == 0; i++)
                rc = parse_value(&pe, k, c, tok[i]);
        } else {
            rc = parse_value(&pe, k, c, s);
        }
    }
    free(v);
    if (rc) {
        cond_free(c);
        return rc;
    }
    *data = c;
    return 0;
}

/* ---- matching ---- */

static bool clause_hit(const struct tx_cond *c, uint64_t value, const char *name)
{
    for (uint8_t k = 0; k < c->nclauses; k++) {
        if (c->names[k]) {
            if (name && !strcasecmp(name, c->names[k]))
                return true;
        } else if (detect_uint_match(&c->clauses[k], value)) {
            return true;
        }
    }
    return false;
}

static bool uint_cond_match(const struct tx_cond *c, const struct app_tx *tx)
{
    for (uint32_t i = 0; i < 64; i++) {
        uint64_t v;
        const char *name;
        if (app_tx_get_uint_ref(tx, &c->ref, i, &v, &name) != 0)
            return false;
        if (clause_hit(c, v, name) != c->negated)
            return true;
    }
    return false;
}

static bool iface_cond_match(const struct tx_cond *c, const struct app_tx *tx, uint8_t direction)
{
    for (uint32_t i = 0; i < 64; i++) {
        const uint8_t *d;
        uint32_t len;
        if (app_tx_get_buffer_dir(tx, APP_BUFFER_DCERPC_IFACE_DATA, direction, i, &d, &len) != 0)
            return false;
        if (len < APP_DCERPC_IFACE_LEN)
            continue;
        if (!c->any_frag && !(d[20] & APP_DCERPC_IFACE_FIRST_FRAG))
            continue;
        if (memcmp(d, c->uuid, 16) != 0)
            continue;
        uint64_t major = (uint64_t)d[16] | (uint64_t)d[17] << 8;
        if (c->has_version && !detect_uint_match(&c->version, major))
            continue;
        return true;
    }
    return false;
}

static bool cond_match(const struct app_tx *tx, uint8_t direction, const void *data)
{
    const struct tx_cond *c = data;
    return c->k->type == TX_COND_DCERPC_IFACE ? iface_cond_match(c, tx, direction)
                                              : uint_cond_match(c, tx);
}

/* ---- registry rows ---- */

#define KW_PARSER(fn, ki)                                                                          \
    static int fn(const char *value, void **data, char *err, size_t errlen)                        \
    {                                                                                              \
        return cond_parse(ki, value, data, err, errlen);                                           \
    }
KW_PARSER(parse_iface_kw, KW_IFACE)
KW_PARSER(parse_opnum_kw, KW_OPNUM)
KW_PARSER(parse_smb_version_kw, KW_SMB_VERSION)
KW_PARSER(parse_krb5_msg_type_kw, KW_KRB5_MSG_TYPE)
KW_PARSER(parse_krb5_err_code_kw, KW_KRB5_ERR_CODE)
KW_PARSER(parse_krb5_ticket_enc_kw, KW_KRB5_TICKET_ENC)
KW_PARSER(parse_nfs_procedure_kw, KW_NFS_PROCEDURE)
KW_PARSER(parse_nfs_version_kw, KW_NFS_VERSION)

#define BOTH DETECT_BUFFER_DIR_BOTH
#define TS DETECT_BUFFER_DIR_TOSERVER
#define ROW(name, app, dir, flags, parse)                                                          \
    {                                                                                              \
        name, app, dir, flags, parse, cond_match, cond_free, NULL, NULL, false, false, 0, 0        \
    }

/* DCE/RPC keywords fit smb rules too (rule_require_app). NFS's keywords
 * inspect requests, as Suricata's nfs_request engine. */
const struct detect_tx_kw detect_tx_kw_winrpc[] = {
    ROW("dcerpc.iface", RULE_APP_DCERPC, BOTH, 0, parse_iface_kw),
    ROW("dce_iface", RULE_APP_DCERPC, BOTH, 0, parse_iface_kw),
    ROW("dcerpc.opnum", RULE_APP_DCERPC, BOTH, 0, parse_opnum_kw),
    ROW("dce_opnum", RULE_APP_DCERPC, BOTH, 0, parse_opnum_kw),
    ROW("smb.version", RULE_APP_SMB, BOTH, DETECT_TX_KW_SINGLE, parse_smb_version_kw),
    ROW("krb5_msg_type", RULE_APP_KRB5, BOTH, 0, parse_krb5_msg_type_kw),
    ROW("krb5.msg_type", RULE_APP_KRB5, BOTH, 0, parse_krb5_msg_type_kw),
    ROW("krb5_err_code", RULE_APP_KRB5, BOTH, 0, parse_krb5_err_code_kw),
    ROW("krb5.err_code", RULE_APP_KRB5, BOTH, 0, parse_krb5_err_code_kw),
    ROW("krb5.ticket_encryption", RULE_APP_KRB5, BOTH, 0, parse_krb5_ticket_enc_kw),
    ROW("nfs_procedure", RULE_APP_NFS, TS, 0, parse_nfs_procedure_kw),
    ROW("nfs.procedure", RULE_APP_NFS, TS, 0, parse_nfs_procedure_kw),
    ROW("nfs.version", RULE_APP_NFS, TS, 0, parse_nfs_version_kw),
    ROW("nfs_version", RULE_APP_NFS, TS, 0, parse_nfs_version_kw),
    {NULL, 0, 0, 0, NULL, NULL, NULL, NULL, NULL, false, false, 0, 0},
};
