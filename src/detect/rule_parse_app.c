/* SPDX-License-Identifier: Apache-2.0 */
/* Application-layer integer keywords (iec104.typeid, s7comm.function,
 * goose.stnum, ...): the parsers list them (struct app_uint_field); a rule
 * keeps one struct rule_app_uint per keyword. The value takes Suricata's
 * integer forms (N, =N, !N, !=N, <N, <=N, >N, >=N, A-B, A<>B, !A-B,
 * &MASK=V, &MASK!=V) and, where the field has them, value names in place of
 * numbers ("s7comm.function:plc_stop", "iec104.cot:!spont"). */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "app/app.h"
#include "detect/detect_buffer.h"
#include "detect/rule_internal.h"
#include "detect/rule_parse_internal.h"

/* Replaces value names in v by their numbers (into out). Numbers (decimal
 * or 0x hex) are copied as they are; a name is a run of letters, digits,
 * '_' and '-' that starts with a letter. */
static int substitute_names(struct pctx *pc, const struct app_uint_field *f, const char *v,
                            char *out, size_t outlen)
{
    size_t o = 0;
    for (const char *p = v; *p;) {
        const char *start = p;
        if (isdigit((unsigned char)*p)) {
            while (isalnum((unsigned char)*p))
                p++;
        } else if (isalpha((unsigned char)*p)) {
            while (isalnum((unsigned char)*p) || *p == '_' || *p == '-')
                p++;
            /* Names may hold '-' ("who-Is"), which is also the range
             * operator: the longest name that ends at a '-' or the run's
             * end wins ("i-Am-who-Is" is a range). */
            const struct app_uint_enum *e = NULL;
            size_t n = (size_t)(p - start);
            for (;;) {
                for (e = f->names; e && e->name; e++)
                    if (strlen(e->name) == n && strncasecmp(e->name, start, n) == 0)
                        break;
                if (e && e->name)
                    break;
                while (n > 0 && start[n - 1] != '-')
                    n--;
                if (n <= 1)
                    break;
                n--; /* before that '-' */
            }
            if (!e || !e->name) {
                n = (size_t)(p - start);
                return pctx_fail(pc, "unknown value '%.*s' for %s", (int)(n > 40 ? 40 : n), start,
                                 f->keyword);
            }
            p = start + n;
            int w = snprintf(out + o, outlen - o, "%llu", (unsigned long long)e->value);
            if (w < 0 || (size_t)w >= outlen - o)
                return pctx_fail(pc, "value too long");
            o += (size_t)w;
            continue;
        } else {
            p++;
        }
        size_t n = (size_t)(p - start);
        if (o + n >= outlen)
            return pctx_fail(pc, "value too long");
        memcpy(out + o, start, n);
        o += n;
    }
    out[o] = '\0';
    return 0;
}

int kw_app_uint(struct pctx *pc, const struct app_uint_field *f, uint16_t app_proto,
                uint16_t field, char *v)
{
    if (!v)
        return pctx_fail(pc, "keyword needs a value");
    char *val = pctx_unquote(pc, v);
    if (!val)
        return -EINVAL;
    char num[128];
    int rc = substitute_names(pc, f, str_trim(val), num, sizeof num);
    free(val);
    if (rc)
        return rc;
    struct detect_uint u;
    if (detect_uint_parse(num, f->max, &u))
        return pctx_fail(pc, "invalid value '%.40s' for %s (0..%llu)", num, f->keyword,
                         (unsigned long long)f->max);
    struct rule *r = pc->r;
    if (r->napp_uints >= 32)
        return pctx_fail(pc, "too many integer keywords");
    struct rule_app_uint *na = realloc(r->app_uints, (r->napp_uints + 1) * sizeof(*na));
    if (!na)
        return pctx_fail(pc, "out of memory");
    r->app_uints = na;
    na[r->napp_uints].app_proto = app_proto;
    na[r->napp_uints].field = field;
    na[r->napp_uints].dir = f->dir;
    na[r->napp_uints].u = u;
    r->napp_uints++;
    return 0;
}

int app_uints_check(struct pctx *pc, bool *ts_only, bool *tc_only)
{
    struct rule *r = pc->r;
    for (uint32_t i = 0; i < r->napp_uints; i++) {
        const struct rule_app_uint *au = &r->app_uints[i];
        const char *pname = app_proto_name(au->app_proto);
        int want = rule_app_proto_lookup(pname);
        if (want < 0)
            return pctx_fail(pc, "integer keyword of unknown protocol %s", pname);
        if (r->app_proto == RULE_APP_NONE) {
            uint8_t tp = rule_app_proto_ipproto(want);
            if (r->ipproto == 1 || (r->ipproto && tp && r->ipproto != tp))
                return pctx_fail_reason(pc, "conflicting protocol",
                                        "%s keywords cannot be used on this rule's protocol",
                                        pname);
            r->app_proto = (uint16_t)want;
        } else if (r->app_proto != want) {
            return pctx_fail_reason(pc, "conflicting protocol",
                                    "a %s keyword on a rule for %s", pname,
                                    rule_app_proto_name((enum rule_app_proto)r->app_proto));
        }
        if (au->dir == DETECT_BUFFER_DIR_TOSERVER)
            *ts_only = true;
        else if (au->dir == DETECT_BUFFER_DIR_TOCLIENT)
            *tc_only = true;
    }
    return 0;
}
