/* SPDX-License-Identifier: Apache-2.0 */
/* Rule keywords about the flow and its variables (flow, flowbits, xbits,
 * flowint) and about alerting over time (threshold, detection_filter, tag).
 * Part of the rule parser (rule_parse.c has the keyword table). */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "detect/rule_internal.h"
#include "detect/rule_parse_internal.h"

/* ---- flow ---- */

int kw_flow(struct pctx *pc, char *v)
{
    char *tok[16];
    int n = split_commas(v, tok, 16);
    if (n < 0)
        return pctx_fail(pc, "too many flow options");
    uint32_t f = 0;
    for (int i = 0; i < n; i++) {
        const char *t = tok[i];
        uint32_t bit;
        if (!strcmp(t, "established"))
            bit = RULE_FLOW_ESTABLISHED;
        else if (!strcmp(t, "not_established"))
            bit = RULE_FLOW_NOT_ESTABLISHED;
        else if (!strcmp(t, "stateless"))
            bit = RULE_FLOW_STATELESS;
        else if (!strcmp(t, "to_server") || !strcmp(t, "from_client"))
            bit = RULE_FLOW_TOSERVER;
        else if (!strcmp(t, "to_client") || !strcmp(t, "from_server"))
            bit = RULE_FLOW_TOCLIENT;
        else if (!strcmp(t, "only_stream"))
            bit = RULE_FLOW_ONLY_STREAM;
        else if (!strcmp(t, "no_stream"))
            bit = RULE_FLOW_NO_STREAM;
        else if (!strcmp(t, "only_frag"))
            bit = RULE_FLOW_ONLY_FRAG;
        else if (!strcmp(t, "no_frag"))
            bit = RULE_FLOW_NO_FRAG;
        else
            return pctx_fail(pc, "unknown flow option '%.40s'", t);
        if (f & bit)
            return pctx_fail(pc, "flow option '%s' given twice", t);
        f |= bit;
    }
    if ((f & RULE_FLOW_TOSERVER) && (f & RULE_FLOW_TOCLIENT))
        return pctx_fail(pc, "to_server and to_client together can never match");
    if ((f & RULE_FLOW_ESTABLISHED) && (f & (RULE_FLOW_NOT_ESTABLISHED | RULE_FLOW_STATELESS)))
        return pctx_fail(pc, "established conflicts with not_established/stateless");
    if ((f & RULE_FLOW_ONLY_STREAM) && (f & RULE_FLOW_NO_STREAM))
        return pctx_fail(pc, "only_stream and no_stream together can never match");
    if (pc->r->flags & RULE_FLAG_HAS_FLOW)
        return pctx_fail(pc, "only one flow keyword per rule");
    pc->r->flow_flags |= f;
    pc->r->flags |= RULE_FLAG_HAS_FLOW;
    return 0;
}

static int valid_var_name(const char *s)
{
    if (!*s || strlen(s) > 255)
        return 0;
    for (; *s; s++)
        if (isspace((unsigned char)*s) || *s == ',' || *s == ';' || *s == '"')
            return 0;
    return 1;
}

static int add_flowbit(struct pctx *pc, struct rule_flowbit *fb)
{
    if (pc->r->nflowbits >= 64) {
        free(fb->ids);
        return pctx_fail(pc, "too many flowbits keywords");
    }
    struct rule_flowbit *na = realloc(pc->r->flowbits, (pc->r->nflowbits + 1) * sizeof(*na));
    if (!na) {
        free(fb->ids);
        return pctx_fail(pc, "out of memory");
    }
    pc->r->flowbits = na;
    na[pc->r->nflowbits++] = *fb;
    return 0;
}

static int parse_bit_names(struct pctx *pc, char *names, enum rule_var_kind kind,
                           struct rule_flowbit *fb, bool allow_or)
{
    char *p = names;
    bool has_or = strchr(p, '|') != NULL, has_and = strchr(p, '&') != NULL;
    if (has_or && has_and)
        return pctx_fail(pc, "cannot mix '|' and '&' in one name list");
    if (has_or && !allow_or)
        return pctx_fail(pc, "'|' lists are only valid with isset and isnotset");
    char sep = has_or ? '|' : '&';
    for (;;) {
        char *c = strchr(p, sep);
        if (c)
            *c = '\0';
        char *name = str_trim(p);
        if (!valid_var_name(name)) {
            free(fb->ids);
            fb->ids = NULL;
            return pctx_fail(pc, "invalid name '%.60s'", name);
        }
        uint32_t id;
        if (name_table_intern(&pc->rs->vars_by_kind[kind], name, &id))
            return pctx_fail(pc, "out of memory");
        if (fb->nids >= 64) {
            free(fb->ids);
            fb->ids = NULL;
            return pctx_fail(pc, "too many names");
        }
        uint32_t *ni = realloc(fb->ids, (fb->nids + 1) * sizeof(*ni));
        if (!ni) {
            free(fb->ids);
            fb->ids = NULL;
            return pctx_fail(pc, "out of memory");
        }
        fb->ids = ni;
        ni[fb->nids++] = id;
        if (!c)
            break;
        p = c + 1;
    }
    return 0;
}

int kw_flowbits(struct pctx *pc, char *v)
{
    char *c = strchr(v, ',');
    if (c)
        *c = '\0';
    char *cmd = str_trim(v);
    struct rule_flowbit fb = {0};
    static const char *const cmds[] = {"set", "isset", "isnotset", "unset", "toggle", "noalert"};
    int k = -1;
    for (int i = 0; i < 6; i++)
        if (!strcmp(cmd, cmds[i]))
            k = i;
    if (k < 0)
        return pctx_fail(pc, "unknown flowbits command '%.40s'", cmd);
    fb.cmd = (uint8_t)k;
    if (k == RULE_FLOWBIT_NOALERT) {
        if (c)
            return pctx_fail(pc, "noalert takes no name");
        pc->r->flags |= RULE_FLAG_NOALERT;
        return 0;
    }
    if (!c)
        return pctx_fail(pc, "flowbits:%s needs a name", cmd);
    if (parse_bit_names(pc, c + 1, RULE_VAR_FLOWBIT, &fb,
                        k == RULE_FLOWBIT_ISSET || k == RULE_FLOWBIT_ISNOTSET))
        return -EINVAL;
    return add_flowbit(pc, &fb);
}

int kw_xbits(struct pctx *pc, char *v)
{
    char *tok[8];
    int n = split_commas(v, tok, 8);
    if (n < 1)
        return pctx_fail(pc, "xbits needs a command");
    struct rule_flowbit fb = {.is_xbits = true};
    const char *cmd = tok[0];
    if (!strcmp(cmd, "noalert")) {
        pc->r->flags |= RULE_FLAG_NOALERT;
        return 0;
    }
    static const char *const cmds[] = {"set", "isset", "isnotset", "unset", "toggle"};
    int k = -1;
    for (int i = 0; i < 5; i++)
        if (!strcmp(cmd, cmds[i]))
            k = i;
    if (k < 0)
        return pctx_fail(pc, "unknown xbits command '%.40s'", cmd);
    if (n < 3)
        return pctx_fail(pc, "xbits needs 'command,name,track ip_src|ip_dst|ip_pair'");
    fb.cmd = (uint8_t)k;
    for (int i = 2; i < n; i++) {
        if (!strncmp(tok[i], "track", 5)) {
            const char *t = str_trim(tok[i] + 5);
            if (!strcmp(t, "ip_src"))
                fb.track = 1;
            else if (!strcmp(t, "ip_dst"))
                fb.track = 2;
            else if (!strcmp(t, "ip_pair"))
                fb.track = 3;
            else if (!strcmp(t, "tx"))
                return pctx_fail_reason(pc, "unsupported xbits option",
                                        "xbits track tx is not supported");
            else
                return pctx_fail(pc, "unknown xbits track '%.40s'", t);
        } else if (!strncmp(tok[i], "expire", 6)) {
            int64_t x;
            if (parse_i64(tok[i] + 6, 1, UINT32_MAX, &x))
                return pctx_fail(pc, "invalid expire '%.40s'", tok[i] + 6);
            fb.expire = (uint32_t)x;
        } else {
            return pctx_fail(pc, "unknown xbits option '%.40s'", tok[i]);
        }
    }
    if (!fb.track)
        return pctx_fail(pc, "xbits needs a track option");
    if (parse_bit_names(pc, tok[1], RULE_VAR_XBIT, &fb,
                        k == RULE_FLOWBIT_ISSET || k == RULE_FLOWBIT_ISNOTSET))
        return -EINVAL;
    return add_flowbit(pc, &fb);
}

int kw_flowint(struct pctx *pc, char *v)
{
    char *tok[4];
    int n = split_commas(v, tok, 4);
    if (n < 2)
        return pctx_fail(pc, "flowint needs 'name, operator[, value]'");
    struct rule_flowint fi = {0};
    if (!valid_var_name(tok[0]))
        return pctx_fail(pc, "invalid flowint name '%.40s'", tok[0]);
    static const struct {
        const char *s;
        uint8_t op;
        bool needs_value;
    } ops[] = {{"=", RULE_FLOWINT_SET, true},          {"+", RULE_FLOWINT_ADD, true},
               {"-", RULE_FLOWINT_SUB, true},          {"==", RULE_FLOWINT_EQ, true},
               {"!=", RULE_FLOWINT_NE, true},          {"<", RULE_FLOWINT_LT, true},
               {"<=", RULE_FLOWINT_LE, true},          {">", RULE_FLOWINT_GT, true},
               {">=", RULE_FLOWINT_GE, true},          {"isset", RULE_FLOWINT_ISSET, false},
               {"notset", RULE_FLOWINT_NOTSET, false}, {"isnotset", RULE_FLOWINT_NOTSET, false}};
    int k = -1;
    for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
        if (!strcmp(tok[1], ops[i].s))
            k = (int)i;
    if (k < 0)
        return pctx_fail(pc, "unknown flowint operator '%.10s'", tok[1]);
    fi.op = ops[k].op;
    if (ops[k].needs_value) {
        if (n != 3 || !*tok[2])
            return pctx_fail(pc, "flowint operator '%s' needs a value", tok[1]);
        int64_t x;
        if (parse_i64(tok[2], 0, UINT32_MAX, &x) == 0) {
            fi.value = (uint32_t)x;
        } else if (isdigit((unsigned char)tok[2][0]) || tok[2][0] == '-') {
            return pctx_fail(pc, "flowint value '%.40s' out of range 0..%u", tok[2], UINT32_MAX);
        } else {
            if (!valid_var_name(tok[2]))
                return pctx_fail(pc, "invalid flowint value '%.40s'", tok[2]);
            if (name_table_intern(&pc->rs->vars_by_kind[RULE_VAR_FLOWINT], tok[2], &fi.value))
                return pctx_fail(pc, "out of memory");
            fi.value_is_var = true;
        }
    } else if (n != 2) {
        return pctx_fail(pc, "flowint '%s' takes no value", tok[1]);
    }
    if (name_table_intern(&pc->rs->vars_by_kind[RULE_VAR_FLOWINT], tok[0], &fi.id))
        return pctx_fail(pc, "out of memory");
    if (pc->r->nflowints >= 64)
        return pctx_fail(pc, "too many flowint keywords");
    struct rule_flowint *na = realloc(pc->r->flowints, (pc->r->nflowints + 1) * sizeof(*na));
    if (!na)
        return pctx_fail(pc, "out of memory");
    pc->r->flowints = na;
    na[pc->r->nflowints++] = fi;
    return 0;
}

/* ---- thresholds, tags, app-layer ---- */

static int parse_threshold_opts(struct pctx *pc, char *v, struct rule_threshold *t, bool need_type)
{
    char *tok[8];
    int n = split_commas(v, tok, 8);
    if (n < 0)
        return pctx_fail(pc, "too many options");
    bool have_type = false, have_track = false, have_count = false, have_seconds = false;
    for (int i = 0; i < n; i++) {
        char *k = tok[i], *val = k;
        while (*val && !isspace((unsigned char)*val))
            val++;
        if (*val)
            *val++ = '\0';
        val = str_trim(val);
        if (!strcmp(k, "type") && need_type) {
            if (!strcmp(val, "limit"))
                t->type = RULE_THRESHOLD_LIMIT;
            else if (!strcmp(val, "threshold"))
                t->type = RULE_THRESHOLD_THRESHOLD;
            else if (!strcmp(val, "both"))
                t->type = RULE_THRESHOLD_BOTH;
            else if (!strcmp(val, "backoff"))
                t->type = RULE_THRESHOLD_BACKOFF;
            else
                return pctx_fail(pc, "unknown type '%.40s'", val);
            have_type = true;
        } else if (!strcmp(k, "track")) {
            if (!strcmp(val, "by_src"))
                t->track = RULE_TRACK_BY_SRC;
            else if (!strcmp(val, "by_dst"))
                t->track = RULE_TRACK_BY_DST;
            else if (!strcmp(val, "by_rule"))
                t->track = RULE_TRACK_BY_RULE;
            else if (!strcmp(val, "by_both"))
                t->track = RULE_TRACK_BY_BOTH;
            else if (!strcmp(val, "by_flow"))
                t->track = RULE_TRACK_BY_FLOW;
            else
                return pctx_fail(pc, "unknown track '%.40s'", val);
            have_track = true;
        } else if (!strcmp(k, "multiplier") && need_type) {
            int64_t x;
            if (parse_i64(val, 1, UINT32_MAX, &x))
                return pctx_fail(pc, "invalid multiplier '%.40s'", val);
            t->multiplier = (uint32_t)x;
        } else if (!strcmp(k, "unique_on")) {
            return pctx_fail_reason(pc, "unsupported option unique_on",
                                    "unique_on (Suricata 8) is not supported");
        } else if (!strcmp(k, "count")) {
            int64_t x;
            if (parse_i64(val, 1, UINT32_MAX, &x))
                return pctx_fail(pc, "invalid count '%.40s'", val);
            t->count = (uint32_t)x;
            have_count = true;
        } else if (!strcmp(k, "seconds")) {
            int64_t x;
            if (parse_i64(val, 1, UINT32_MAX, &x))
                return pctx_fail(pc, "invalid seconds '%.40s'", val);
            t->seconds = (uint32_t)x;
            have_seconds = true;
        } else {
            return pctx_fail(pc, "unknown option '%.40s'", k);
        }
    }
    if (have_type && t->type == RULE_THRESHOLD_BACKOFF) {
        if (!have_track || !have_count || !t->multiplier || have_seconds)
            return pctx_fail(pc, "backoff needs track, count and multiplier (and no seconds)");
        return 0;
    }
    if (t->multiplier)
        return pctx_fail(pc, "multiplier is only valid with type backoff");
    if ((need_type && !have_type) || !have_track || !have_count || !have_seconds)
        return pctx_fail(pc, "%s and count and seconds are all required",
                         need_type ? "type, track" : "track");
    return 0;
}

int kw_threshold(struct pctx *pc, char *v)
{
    if (pc->r->flags & RULE_FLAG_HAS_THRESHOLD)
        return pctx_fail(pc, "only one threshold per rule");
    if (parse_threshold_opts(pc, v, &pc->r->threshold, true))
        return -EINVAL;
    pc->r->flags |= RULE_FLAG_HAS_THRESHOLD;
    return 0;
}

int kw_detection_filter(struct pctx *pc, char *v)
{
    if (pc->r->flags & RULE_FLAG_HAS_DETECTION_FILTER)
        return pctx_fail(pc, "only one detection_filter per rule");
    if (parse_threshold_opts(pc, v, &pc->r->detection_filter, false))
        return -EINVAL;
    pc->r->detection_filter.type = RULE_THRESHOLD_DETECTION_FILTER;
    pc->r->flags |= RULE_FLAG_HAS_DETECTION_FILTER;
    return 0;
}

int kw_tag(struct pctx *pc, char *v)
{
    char *tok[6];
    int n = split_commas(v, tok, 6);
    if (n < 1)
        return pctx_fail(pc, "tag needs session or host");
    if (pc->r->ntags >= RULE_MAX_TAGS)
        return pctx_fail(pc, "at most %d tag keywords per rule", RULE_MAX_TAGS);
    struct rule_tag *t = &pc->r->tag[pc->r->ntags];
    if (!strcmp(tok[0], "session"))
        t->type = RULE_TAG_SESSION;
    else if (!strcmp(tok[0], "host"))
        t->type = RULE_TAG_HOST;
    else
        return pctx_fail(pc, "tag type must be session or host, not '%.40s'", tok[0]);
    t->count = 256;
    t->metric = RULE_TAG_PACKETS;
    if (n >= 2) {
        int64_t x;
        if (parse_i64(tok[1], 1, UINT32_MAX, &x))
            return pctx_fail(pc, "invalid tag count '%.40s'", tok[1]);
        t->count = (uint32_t)x;
        if (n < 3)
            return pctx_fail(pc, "tag count needs a metric (packets, seconds, bytes)");
        if (!strcmp(tok[2], "packets"))
            t->metric = RULE_TAG_PACKETS;
        else if (!strcmp(tok[2], "seconds"))
            t->metric = RULE_TAG_SECONDS;
        else if (!strcmp(tok[2], "bytes"))
            t->metric = RULE_TAG_BYTES;
        else
            return pctx_fail(pc, "unknown tag metric '%.40s'", tok[2]);
    }
    if (n >= 4) {
        if (t->type != RULE_TAG_HOST)
            return pctx_fail(pc, "a direction is only valid for host tags");
        if (!strcmp(tok[3], "src"))
            t->direction = 0;
        else if (!strcmp(tok[3], "dst"))
            t->direction = 1;
        else
            return pctx_fail(pc, "tag direction must be src or dst");
    }
    if (n > 4)
        return pctx_fail(pc, "too many tag options");
    pc->r->ntags++;
    pc->r->flags |= RULE_FLAG_HAS_TAG;
    return 0;
}
