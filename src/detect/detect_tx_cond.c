/* SPDX-License-Identifier: Apache-2.0 */
/* Transaction conditions that are not buffers: Suricata's integer keywords
 * on application-layer fields (krb5_msg_type, krb5_err_code,
 * krb5.ticket_encryption, nfs_procedure, nfs.version, dcerpc.opnum,
 * smb.version, ...) and dcerpc.iface.
 *
 * Generic: a protocol that has integer fields adds them to app/app_uint.h,
 * answers them in its parser's tx_get_uint (and uint_value_from_name for
 * named values), and adds one row to the keyword table below. A value is
 * a Suricata unsigned-integer condition ("5", "!5", "<5", ">=5", "1<>9"),
 * or a value name the protocol knows ("AS_REQ", "WRITE", "rc4-hmac"); keywords
 * marked `lists` take several, comma-separated, OR-ed. Unknown names are
 * load errors naming the keyword and the value. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "app/app.h"
#include "detect/detect_buffer.h"
#include "detect/detect_engine_internal.h"
#include "detect/rule_parse_internal.h"

struct tx_cond_keyword {
    const char *name;
    const char *alias;  /* another spelling, or NULL */
    uint8_t type;       /* enum rule_tx_cond_type */
    uint16_t field;     /* enum app_uint */
    uint16_t app_proto; /* enum rule_app_proto the keyword implies */
    uint64_t max;
    bool single;        /* Suricata refuses a second one in a rule */
    bool lists;         /* comma-separated values */
    bool inclusive_ranges; /* "a-b" includes both ends (dcerpc.opnum) */
    bool inclusive_between; /* "a<>b" includes both ends (nfs_procedure, as the
                               suricata-verify oracle nfs3-01 shows) */
};

static const struct tx_cond_keyword keywords[] = {
    {"dcerpc.iface", "dce_iface", RULE_TX_COND_DCERPC_IFACE, 0, RULE_APP_DCERPC, 0, false,
     false, false, false},
    {"dcerpc.opnum", "dce_opnum", RULE_TX_COND_UINT, APP_UINT_DCERPC_OPNUM, RULE_APP_DCERPC,
     65535, false, true, true, false},
    {"smb.version", NULL, RULE_TX_COND_UINT, APP_UINT_SMB_VERSION, RULE_APP_SMB, 255, true, false,
     false, false},
    {"krb5_msg_type", "krb5.msg_type", RULE_TX_COND_UINT, APP_UINT_KRB5_MSG_TYPE, RULE_APP_KRB5,
     255, false, false, false, false},
    {"krb5_err_code", "krb5.err_code", RULE_TX_COND_UINT, APP_UINT_KRB5_ERR_CODE, RULE_APP_KRB5,
     UINT32_MAX, false, false, false, false},
    {"krb5.ticket_encryption", NULL, RULE_TX_COND_UINT, APP_UINT_KRB5_TICKET_ENCRYPTION,
     RULE_APP_KRB5, UINT32_MAX, false, true, false, false},
    {"nfs_procedure", "nfs.procedure", RULE_TX_COND_UINT, APP_UINT_NFS_PROCEDURE, RULE_APP_NFS,
     UINT32_MAX, false, false, false, true},
    {"nfs.version", "nfs_version", RULE_TX_COND_UINT, APP_UINT_NFS_VERSION, RULE_APP_NFS,
     UINT32_MAX, false, false, false, true},
};
#define NKEYWORDS (sizeof(keywords) / sizeof(keywords[0]))

/* Kerberos encryption types Suricata calls weak (krb5.ticket_encryption:weak):
 * everything but AES (17-20) and Camellia (25, 26). Values are the Int32
 * etype as unsigned 32 bits, so Microsoft's negative types are weak too. */
static const struct detect_uint krb5_weak_etypes[] = {
    {.mode = DETECT_UINT_LE, .a = 16},
    {.mode = DETECT_UINT_RANGE, .a = 20, .b = 25},
    {.mode = DETECT_UINT_GE, .a = 27},
};

static int keyword_index(const char *name)
{
    for (size_t i = 0; i < NKEYWORDS; i++)
        if (!strcmp(keywords[i].name, name) ||
            (keywords[i].alias && !strcmp(keywords[i].alias, name)))
            return (int)i;
    return -1;
}

bool detect_tx_cond_is_keyword(const char *name)
{
    return keyword_index(name) >= 0;
}

void detect_tx_conds_free(struct rule *r)
{
    for (uint32_t i = 0; i < r->ntx_conds; i++) {
        struct rule_tx_cond *c = &r->tx_conds[i];
        if (c->names)
            for (uint8_t k = 0; k < c->nclauses; k++)
                free(c->names[k]);
        free(c->names);
        free(c->clauses);
    }
    free(r->tx_conds);
    r->tx_conds = NULL;
    r->ntx_conds = 0;
}

/* The protocol a keyword or buffer implies, checked against the rule's: the
 * DCE/RPC keywords also fit smb rules (DCE/RPC over SMB named pipes), as
 * Suricata's dcerpc signatures match smb flows. */
static int require_app(struct pctx *pc, uint16_t want, const char *what)
{
    struct rule *r = pc->r;
    uint16_t have = r->app_proto;
    if (have == want || (want == RULE_APP_DCERPC && have == RULE_APP_SMB))
        return 0;
    if (have != RULE_APP_NONE)
        return pctx_fail_reason(pc, "conflicting protocol", "'%s' needs protocol %s but the rule is for %s",
                                what, rule_app_proto_name(want), rule_app_proto_name(have));
    bool udp_ok = want == RULE_APP_DCERPC || want == RULE_APP_KRB5 || want == RULE_APP_NFS;
    if (r->ipproto == 17 && !udp_ok)
        return pctx_fail_reason(pc, "conflicting protocol", "'%s' cannot be used on a udp rule",
                                what);
    if (r->ipproto != 0 && r->ipproto != 6 && r->ipproto != 17)
        return pctx_fail_reason(pc, "conflicting protocol", "'%s' needs tcp or udp", what);
    r->app_proto = want;
    return 0;
}

static struct rule_tx_cond *cond_add(struct pctx *pc)
{
    struct rule *r = pc->r;
    struct rule_tx_cond *n = realloc(r->tx_conds, (r->ntx_conds + 1) * sizeof(*n));
    if (!n) {
        pctx_fail(pc, "out of memory");
        return NULL;
    }
    r->tx_conds = n;
    struct rule_tx_cond *c = &n[r->ntx_conds++];
    memset(c, 0, sizeof(*c));
    return c;
}

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
static int parse_iface(struct pctx *pc, struct rule_tx_cond *c, char *v)
{
    char *tok[4];
    int n = split_commas(v, tok, 4);
    if (n < 1 || n > 3)
        return pctx_fail(pc, "expected <uuid>[,<op><version>][,any_frag]");
    if (parse_uuid(str_trim(tok[0]), c->uuid))
        return pctx_fail(pc, "invalid interface uuid '%.40s'", str_trim(tok[0]));
    for (int i = 1; i < n; i++) {
        char *t = str_trim(tok[i]);
        if (!strcmp(t, "any_frag")) {
            if (c->any_frag)
                return pctx_fail(pc, "any_frag given twice");
            c->any_frag = true;
            continue;
        }
        if (c->has_version || (*t != '<' && *t != '>' && *t != '=' && *t != '!'))
            return pctx_fail(pc, "invalid option '%.40s' (expected <op><version> or any_frag)", t);
        char op = *t++;
        uint64_t ver;
        if (parse_u64(t, 65535, &ver))
            return pctx_fail(pc, "invalid interface version '%.20s'", t);
        c->version.a = ver;
        c->version.mode = op == '<'   ? DETECT_UINT_LT
                          : op == '>' ? DETECT_UINT_GT
                          : op == '!' ? DETECT_UINT_NE
                                      : DETECT_UINT_EQ;
        if ((op == '<' && ver == 0) || (op == '>' && ver == 65535))
            return pctx_fail(pc, "interface version condition can never match");
        c->has_version = true;
    }
    return 0;
}

static int add_clause(struct pctx *pc, struct rule_tx_cond *c, const struct detect_uint *u,
                      const char *name)
{
    if (c->nclauses >= RULE_TX_COND_MAX_CLAUSES)
        return pctx_fail(pc, "too many values (at most %d)", RULE_TX_COND_MAX_CLAUSES);
    if (!c->clauses) {
        c->clauses = calloc(RULE_TX_COND_MAX_CLAUSES, sizeof(*c->clauses));
        if (!c->clauses)
            return pctx_fail(pc, "out of memory");
    }
    if (name && !c->names) {
        c->names = calloc(RULE_TX_COND_MAX_CLAUSES, sizeof(*c->names));
        if (!c->names)
            return pctx_fail(pc, "out of memory");
    }
    if (u)
        c->clauses[c->nclauses] = *u;
    if (name) {
        c->names[c->nclauses] = strdup(name);
        if (!c->names[c->nclauses])
            return pctx_fail(pc, "out of memory");
    }
    c->nclauses++;
    return 0;
}

/* One value of an integer keyword: a condition or a name. */
static int parse_value(struct pctx *pc, const struct tx_cond_keyword *k, struct rule_tx_cond *c,
                       char *t)
{
    t = str_trim(t);
    if (!*t)
        return pctx_fail(pc, "empty value");
    struct detect_uint u;
    if (isdigit((unsigned char)*t) || *t == '<' || *t == '>' || *t == '=') {
        char *dash = k->inclusive_ranges ? strchr(t, '-') : NULL;
        if (dash && !strstr(t, "<>")) {
            *dash = '\0';
            uint64_t a, b;
            if (parse_u64(t, k->max, &a) || parse_u64(dash + 1, k->max, &b) || a > b)
                return pctx_fail(pc, "invalid range '%.20s-%.20s'", t, dash + 1);
            u.mode = a == 0 ? DETECT_UINT_LE : DETECT_UINT_RANGE;
            u.a = a == 0 ? b : a - 1;
            u.b = b + 1;
            return add_clause(pc, c, &u, NULL);
        }
        if (detect_uint_parse(t, k->max, &u))
            return pctx_fail(pc, "invalid value '%.40s'", t);
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
    if (c->field == APP_UINT_KRB5_TICKET_ENCRYPTION && !strcasecmp(t, "weak")) {
        for (size_t i = 0; i < sizeof(krb5_weak_etypes) / sizeof(krb5_weak_etypes[0]); i++)
            if (add_clause(pc, c, &krb5_weak_etypes[i], NULL))
                return -EINVAL;
        return 0;
    }
    for (const char *p = t; *p; p++)
        if (!isalnum((unsigned char)*p) && *p != '_' && *p != '-' && *p != '.')
            return pctx_fail(pc, "invalid value '%.40s'", t);
    uint64_t v;
    int known = app_uint_value_from_name((enum app_uint)c->field, t, &v);
    if (known < 0)
        return pctx_fail_reason(pc, "unknown keyword value", "unknown value '%.40s' for %s", t,
                                k->name);
    if (known == 1) {
        u.mode = DETECT_UINT_EQ;
        u.a = v;
        return add_clause(pc, c, &u, NULL);
    }
    return add_clause(pc, c, NULL, t);
}

int kw_tx_cond(struct pctx *pc, const char *name, char *value)
{
    int ki = keyword_index(name);
    if (ki < 0)
        return pctx_fail(pc, "unknown keyword");
    const struct tx_cond_keyword *k = &keywords[ki];
    if (!value)
        return pctx_fail(pc, "keyword needs a value");
    struct rule *r = pc->r;
    if (k->single) {
        for (uint32_t i = 0; i < r->ntx_conds; i++)
            if (r->tx_conds[i].keyword == ki)
                return pctx_fail(pc, "Can't use 2 or more %s declarations in the same sig",
                                 k->name);
    }
    if (require_app(pc, k->app_proto, k->name))
        return -EINVAL;
    char *v = pctx_unquote(pc, value);
    if (!v)
        return -EINVAL;
    struct rule_tx_cond *c = cond_add(pc);
    if (!c) {
        free(v);
        return -ENOMEM;
    }
    c->type = k->type;
    c->field = k->field;
    c->keyword = (uint16_t)ki;
    int rc = 0;
    if (k->type == RULE_TX_COND_DCERPC_IFACE) {
        rc = parse_iface(pc, c, v);
    } else {
        char *s = str_trim(v);
        if (*s == '!') {
            c->negated = true;
            s = str_trim(s + 1);
        }
        if (k->lists) {
            char *tok[RULE_TX_COND_MAX_CLAUSES];
            int n = split_commas(s, tok, RULE_TX_COND_MAX_CLAUSES);
            if (n < 1)
                rc = pctx_fail(pc, "expected a value");
            for (int i = 0; i < n && rc == 0; i++)
                rc = parse_value(pc, k, c, tok[i]);
        } else {
            rc = parse_value(pc, k, c, s);
        }
    }
    free(v);
    return rc;
}

/* ---- matching ---- */

static bool clause_hit(const struct rule_tx_cond *c, uint64_t value, const char *name)
{
    for (uint8_t k = 0; k < c->nclauses; k++) {
        if (c->names && c->names[k]) {
            if (name && !strcasecmp(name, c->names[k]))
                return true;
        } else if (detect_uint_match(&c->clauses[k], value)) {
            return true;
        }
    }
    return false;
}

static bool uint_cond_match(const struct rule_tx_cond *c, const struct app_tx *tx,
                            uint8_t direction)
{
    for (uint32_t i = 0; i < 64; i++) {
        uint64_t v;
        const char *name;
        if (app_tx_get_uint(tx, (enum app_uint)c->field, direction, i, &v, &name) != 0)
            return false;
        if (clause_hit(c, v, name) != c->negated)
            return true;
    }
    return false;
}

static bool iface_cond_match(const struct rule_tx_cond *c, const struct app_tx *tx,
                             uint8_t direction)
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

bool detect_tx_conds_match(const struct rule *r, const struct app_tx *tx, uint8_t direction)
{
    for (uint32_t i = 0; i < r->ntx_conds; i++) {
        const struct rule_tx_cond *c = &r->tx_conds[i];
        bool ok = c->type == RULE_TX_COND_DCERPC_IFACE ? iface_cond_match(c, tx, direction)
                                                       : uint_cond_match(c, tx, direction);
        if (!ok)
            return false;
    }
    return true;
}

int detect_rule_require_app(struct pctx *pc, uint16_t want, const char *what)
{
    return require_app(pc, want, what);
}
