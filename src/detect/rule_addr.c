/* SPDX-License-Identifier: Apache-2.0 */
/* Address/port list parsing by recursive descent with set algebra on sorted
 * range lists: a list is (union of its positive items, or everything when it
 * has none) minus the union of its negated items, which is Suricata's
 * reading of `[1.0.0.0/8,!1.2.3.4]` and of `[!$HOME_NET]`. Variables expand
 * recursively with a depth limit so `A: $B`, `B: $A` is an error, not a hang. */
#include "detect/rule_addr.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define VAR_DEPTH_MAX 16
#define RANGES_MAX 100000

struct rset {
    struct rule_addr_range *r;
    size_t n, cap;
    bool oom;
};

struct aparse {
    rule_var_lookup_fn lookup;
    void *ctx;
    bool is_port;
    rule_ip_t max;
    char *err;
    size_t errlen;
    bool failed;
};

static void perr(struct aparse *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void perr(struct aparse *p, const char *fmt, ...)
{
    if (p->failed)
        return;
    p->failed = true;
    va_list ap;
    va_start(ap, fmt);
    if (p->err && p->errlen)
        vsnprintf(p->err, p->errlen, fmt, ap);
    va_end(ap);
}

static void rset_add(struct rset *s, rule_ip_t lo, rule_ip_t hi)
{
    if (s->oom)
        return;
    if (s->n == s->cap) {
        size_t nc = s->cap ? s->cap * 2 : 4;
        if (nc > RANGES_MAX) {
            s->oom = true;
            return;
        }
        struct rule_addr_range *nr = realloc(s->r, nc * sizeof(*nr));
        if (!nr) {
            s->oom = true;
            return;
        }
        s->r = nr;
        s->cap = nc;
    }
    s->r[s->n].lo = lo;
    s->r[s->n].hi = hi;
    s->n++;
}

static int range_cmp(const void *a, const void *b)
{
    const struct rule_addr_range *x = a, *y = b;
    return x->lo < y->lo ? -1 : x->lo > y->lo ? 1 : 0;
}

static void rset_normalize(struct rset *s)
{
    if (s->n < 2)
        return;
    qsort(s->r, s->n, sizeof(*s->r), range_cmp);
    size_t w = 0;
    for (size_t i = 1; i < s->n; i++) {
        if (s->r[i].lo <= s->r[w].hi || (s->r[w].hi + 1 != 0 && s->r[i].lo == s->r[w].hi + 1)) {
            if (s->r[i].hi > s->r[w].hi)
                s->r[w].hi = s->r[i].hi;
        } else {
            s->r[++w] = s->r[i];
        }
    }
    s->n = w + 1;
}

static void rset_free(struct rset *s)
{
    free(s->r);
    s->r = NULL;
    s->n = s->cap = 0;
}

/* out = complement of normalized s within [0, max] */
static struct rset rset_complement(const struct rset *s, rule_ip_t max)
{
    struct rset o = {0};
    rule_ip_t next = 0;
    bool done = false;
    for (size_t i = 0; i < s->n && !done; i++) {
        if (s->r[i].lo > next)
            rset_add(&o, next, s->r[i].lo - 1);
        if (s->r[i].hi >= max)
            done = true;
        else
            next = s->r[i].hi + 1;
    }
    if (!done)
        rset_add(&o, next, max);
    o.oom |= s->oom;
    return o;
}

/* a ∩ b, both normalized */
static struct rset rset_intersect(const struct rset *a, const struct rset *b)
{
    struct rset o = {0};
    size_t i = 0, j = 0;
    while (i < a->n && j < b->n) {
        rule_ip_t lo = a->r[i].lo > b->r[j].lo ? a->r[i].lo : b->r[j].lo;
        rule_ip_t hi = a->r[i].hi < b->r[j].hi ? a->r[i].hi : b->r[j].hi;
        if (lo <= hi)
            rset_add(&o, lo, hi);
        if (a->r[i].hi < b->r[j].hi)
            i++;
        else
            j++;
    }
    o.oom |= a->oom || b->oom;
    return o;
}

static void skip_ws(const char **s)
{
    while (isspace((unsigned char)**s))
        (*s)++;
}

static int parse_item(struct aparse *p, const char **s, struct rset *out, int depth);

/* Parses a value text completely (a variable's value or the whole field). */
static int parse_text(struct aparse *p, const char *text, struct rset *out, int depth)
{
    const char *s = text;
    if (parse_item(p, &s, out, depth))
        return -1;
    skip_ws(&s);
    if (*s) {
        perr(p, "unexpected '%.20s' in '%.60s'", s, text);
        return -1;
    }
    return 0;
}

static int parse_list(struct aparse *p, const char **s, struct rset *out, int depth)
{
    struct rset pos = {0}, neg = {0};
    (*s)++; /* '[' */
    for (;;) {
        skip_ws(s);
        bool negated = false;
        while (**s == '!') {
            negated = !negated;
            (*s)++;
            skip_ws(s);
        }
        struct rset item = {0};
        if (parse_item(p, s, &item, depth + 1)) {
            rset_free(&item);
            goto fail;
        }
        struct rset *dst = negated ? &neg : &pos;
        for (size_t i = 0; i < item.n; i++)
            rset_add(dst, item.r[i].lo, item.r[i].hi);
        dst->oom |= item.oom;
        rset_free(&item);
        skip_ws(s);
        if (**s == ',') {
            (*s)++;
            continue;
        }
        if (**s == ']') {
            (*s)++;
            break;
        }
        perr(p, "expected ',' or ']' in list at '%.20s'", *s);
        goto fail;
    }
    rset_normalize(&pos);
    rset_normalize(&neg);
    if (pos.n == 0)
        rset_add(&pos, 0, p->max);
    struct rset cn = rset_complement(&neg, p->max);
    *out = rset_intersect(&pos, &cn);
    rset_free(&cn);
    rset_free(&pos);
    rset_free(&neg);
    return 0;
fail:
    rset_free(&pos);
    rset_free(&neg);
    return -1;
}

static int parse_ip(struct aparse *p, const char *tok, struct rset *out)
{
    char buf[128];
    snprintf(buf, sizeof(buf), "%s", tok);
    char *dash = strchr(buf, '-');
    char *slash = strchr(buf, '/');
    rule_ip_t lo, hi;
    if (dash && !slash) {
        *dash = '\0';
        struct rset a = {0}, b = {0};
        if (parse_ip(p, buf, &a) || parse_ip(p, dash + 1, &b)) {
            rset_free(&a);
            rset_free(&b);
            return -1;
        }
        lo = a.r[0].lo;
        hi = b.r[0].hi;
        rset_free(&a);
        rset_free(&b);
        if (lo > hi) {
            perr(p, "address range '%s' ends before it starts", tok);
            return -1;
        }
        rset_add(out, lo, hi);
        return 0;
    }
    int bits = -1;
    char *mask = NULL;
    if (slash) {
        *slash = '\0';
        mask = slash + 1;
    }
    struct in_addr a4;
    struct in6_addr a6;
    int total;
    rule_ip_t v = 0;
    if (inet_pton(AF_INET, buf, &a4) == 1) {
        uint32_t h = ntohl(a4.s_addr);
        v = ((rule_ip_t)0xffff << 32) | h;
        total = 32;
    } else if (inet_pton(AF_INET6, buf, &a6) == 1) {
        for (int i = 0; i < 16; i++)
            v = (v << 8) | a6.s6_addr[i];
        total = 128;
    } else {
        perr(p, "invalid address '%s'", tok);
        return -1;
    }
    if (mask) {
        if (total == 32 && strchr(mask, '.')) {
            struct in_addr m;
            if (inet_pton(AF_INET, mask, &m) != 1) {
                perr(p, "invalid netmask in '%s'", tok);
                return -1;
            }
            uint32_t hm = ntohl(m.s_addr);
            bits = 0;
            while (bits < 32 && (hm & (0x80000000u >> bits)))
                bits++;
            if (bits < 32 && (hm << bits) != 0) {
                perr(p, "non-contiguous netmask in '%s'", tok);
                return -1;
            }
        } else {
            char *end;
            long b = strtol(mask, &end, 10);
            if (*mask == '\0' || *end || b < 0 || b > total) {
                perr(p, "invalid prefix length in '%s'", tok);
                return -1;
            }
            bits = (int)b;
        }
    } else {
        bits = total;
    }
    int hostbits = total - bits;
    rule_ip_t hostmask = hostbits >= 128 ? ~(rule_ip_t)0 : (((rule_ip_t)1 << hostbits) - 1);
    lo = v & ~hostmask;
    hi = lo | hostmask;
    rset_add(out, lo, hi);
    return 0;
}

static int parse_port_tok(struct aparse *p, const char *tok, struct rset *out)
{
    const char *colon = strchr(tok, ':');
    long lo, hi;
    char *end;
    if (!colon) {
        lo = strtol(tok, &end, 10);
        if (!isdigit((unsigned char)tok[0]) || *end || lo > 65535) {
            perr(p, "invalid port '%s'", tok);
            return -1;
        }
        hi = lo;
    } else {
        if (colon == tok) {
            lo = 0;
        } else {
            lo = strtol(tok, &end, 10);
            if (!isdigit((unsigned char)tok[0]) || end != colon || lo > 65535) {
                perr(p, "invalid port range '%s'", tok);
                return -1;
            }
        }
        if (colon[1] == '\0') {
            hi = 65535;
        } else {
            hi = strtol(colon + 1, &end, 10);
            if (!isdigit((unsigned char)colon[1]) || *end || hi > 65535) {
                perr(p, "invalid port range '%s'", tok);
                return -1;
            }
        }
        if (lo > hi) {
            perr(p, "port range '%s' ends before it starts", tok);
            return -1;
        }
    }
    rset_add(out, (rule_ip_t)lo, (rule_ip_t)hi);
    return 0;
}

static int parse_item(struct aparse *p, const char **s, struct rset *out, int depth)
{
    if (depth > VAR_DEPTH_MAX) {
        perr(p, "%s list nested too deeply (brackets or variables, limit %d levels)",
             p->is_port ? "port" : "address", VAR_DEPTH_MAX);
        return -1;
    }
    skip_ws(s);
    if (**s == '!') {
        (*s)++;
        struct rset in = {0};
        if (parse_item(p, s, &in, depth + 1)) {
            rset_free(&in);
            return -1;
        }
        rset_normalize(&in);
        *out = rset_complement(&in, p->max);
        rset_free(&in);
        return 0;
    }
    if (**s == '[')
        return parse_list(p, s, out, depth);
    const char *start = *s;
    while (**s && **s != ',' && **s != ']' && **s != '[' && !isspace((unsigned char)**s))
        (*s)++;
    size_t len = (size_t)(*s - start);
    if (len == 0) {
        perr(p, "empty %s", p->is_port ? "port" : "address");
        return -1;
    }
    char tok[128];
    if (len >= sizeof(tok)) {
        perr(p, "%s '%.40s...' too long", p->is_port ? "port" : "address", start);
        return -1;
    }
    memcpy(tok, start, len);
    tok[len] = '\0';
    if (strcasecmp(tok, "any") == 0) {
        rset_add(out, 0, p->max);
        return 0;
    }
    if (tok[0] == '$') {
        const char *val = p->lookup ? p->lookup(p->ctx, tok + 1, p->is_port) : NULL;
        if (!val) {
            perr(p, "undefined variable '%s'", tok);
            return -1;
        }
        return parse_text(p, val, out, depth + 1);
    }
    return p->is_port ? parse_port_tok(p, tok, out) : parse_ip(p, tok, out);
}

static int parse_set(struct aparse *p, const char *text, struct rset *out)
{
    if (parse_text(p, text, out, 0))
        return -1;
    rset_normalize(out);
    if (out->oom) {
        perr(p, "%s list '%.60s' too large", p->is_port ? "port" : "address", text);
        return -1;
    }
    if (out->n == 0) {
        perr(p, "%s list '%.60s' matches nothing", p->is_port ? "port" : "address", text);
        return -1;
    }
    return 0;
}

int rule_addr_parse(const char *text, rule_var_lookup_fn lookup, void *ctx,
                    struct rule_addr_set *out, char *err, size_t errlen)
{
    struct aparse p = {
        .lookup = lookup, .ctx = ctx, .max = ~(rule_ip_t)0, .err = err, .errlen = errlen};
    struct rset s = {0};
    memset(out, 0, sizeof(*out));
    if (parse_set(&p, text, &s)) {
        rset_free(&s);
        return -EINVAL;
    }
    out->any = s.n == 1 && s.r[0].lo == 0 && s.r[0].hi == p.max;
    out->ranges = s.r;
    out->count = (uint32_t)s.n;
    return 0;
}

int rule_port_parse(const char *text, rule_var_lookup_fn lookup, void *ctx,
                    struct rule_port_set *out, char *err, size_t errlen)
{
    struct aparse p = {
        .lookup = lookup, .ctx = ctx, .is_port = true, .max = 65535, .err = err, .errlen = errlen};
    struct rset s = {0};
    memset(out, 0, sizeof(*out));
    if (parse_set(&p, text, &s)) {
        rset_free(&s);
        return -EINVAL;
    }
    out->ranges = malloc(s.n * sizeof(*out->ranges));
    if (!out->ranges) {
        rset_free(&s);
        return -ENOMEM;
    }
    for (size_t i = 0; i < s.n; i++) {
        out->ranges[i].lo = (uint16_t)s.r[i].lo;
        out->ranges[i].hi = (uint16_t)s.r[i].hi;
    }
    out->count = (uint32_t)s.n;
    out->any = s.n == 1 && s.r[0].lo == 0 && s.r[0].hi == 65535;
    rset_free(&s);
    return 0;
}

static bool addr_match(const struct rule_addr_set *s, rule_ip_t v)
{
    if (s->any)
        return true;
    uint32_t lo = 0, hi = s->count;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (v < s->ranges[mid].lo)
            hi = mid;
        else if (v > s->ranges[mid].hi)
            lo = mid + 1;
        else
            return true;
    }
    return false;
}

rule_ip_t rule_ip_from_v4(uint32_t addr_host_order)
{
    return ((rule_ip_t)0xffff << 32) | addr_host_order;
}

rule_ip_t rule_ip_from_v6(const uint8_t addr[16])
{
    rule_ip_t v = 0;
    for (int i = 0; i < 16; i++)
        v = (v << 8) | addr[i];
    return v;
}

bool rule_addr_set_match(const struct rule_addr_set *s, rule_ip_t addr)
{
    return addr_match(s, addr);
}

bool rule_addr_set_match_v4(const struct rule_addr_set *s, uint32_t addr_host_order)
{
    return addr_match(s, rule_ip_from_v4(addr_host_order));
}

bool rule_addr_set_match_v6(const struct rule_addr_set *s, const uint8_t addr[16])
{
    return addr_match(s, rule_ip_from_v6(addr));
}

bool rule_port_set_match(const struct rule_port_set *s, uint16_t port)
{
    if (s->any)
        return true;
    uint32_t lo = 0, hi = s->count;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (port < s->ranges[mid].lo)
            hi = mid;
        else if (port > s->ranges[mid].hi)
            lo = mid + 1;
        else
            return true;
    }
    return false;
}
