/* SPDX-License-Identifier: Apache-2.0 */
/* Rules that load but can never match in this build: they need an
 * application-layer protocol for which the app layer has no parser
 * (`alert modbus ...`, `app-layer-event:smb.*`, a `dcerpc.*` buffer). The
 * answer comes from the app-layer registry, so a parser added later makes
 * its rules count at once. */
#include <stdio.h>
#include <string.h>

#include "app/app.h"
#include "detect/detect_buffer.h"
#include "detect/rule_set.h"

static bool names_protocol(const char *name)
{
    return rule_app_proto_lookup(name) >= 0 || app_proto_from_name(name) >= 0;
}

static const char *missing(const char *name)
{
    if (!name || !*name || strcmp(name, "unknown") == 0 || strcmp(name, "failed") == 0)
        return NULL;
    return app_layer_has_parser(name) ? NULL : name;
}

const char *rule_missing_parser(const struct rule *r)
{
    const char *m;
    if (r->app_proto != RULE_APP_NONE && r->app_proto != RULE_APP_FAILED &&
        (m = missing(rule_app_proto_name((enum rule_app_proto)r->app_proto))))
        return m;
    if (r->app_proto_match != RULE_APP_NONE && !(r->flags & RULE_FLAG_APP_PROTO_NEGATED) &&
        r->app_proto_match != RULE_APP_FAILED &&
        (m = missing(rule_app_proto_name((enum rule_app_proto)r->app_proto_match))))
        return m;
    for (uint8_t i = 0; i < r->n_app_proto_match_extra; i++) {
        if (r->app_proto_extra_negated & (1u << i))
            continue;
        if ((m = missing(rule_app_proto_name((enum rule_app_proto)r->app_proto_match_extra[i]))))
            return m;
    }
    if (r->app_event && !(r->flags & RULE_FLAG_APP_EVENT_NEGATED)) {
        /* "smb.internal_error": the part before the first dot. */
        static _Thread_local char proto[32];
        const char *dot = strchr(r->app_event, '.');
        size_t n = dot ? (size_t)(dot - r->app_event) : 0;
        if (n && n < sizeof proto) {
            memcpy(proto, r->app_event, n);
            proto[n] = '\0';
            if (names_protocol(proto) && (m = missing(proto)))
                return m;
        }
    }
    for (uint32_t i = 0; i < r->nbuffers; i++) {
        const struct detect_buffer_info *b = detect_buffer_get(r->buffers[i].buffer_id);
        if (b && b->app_proto != RULE_APP_NONE &&
            (m = missing(rule_app_proto_name((enum rule_app_proto)b->app_proto))))
            return m;
    }
    return NULL;
}

size_t rule_set_report_unmatchable(const struct rule_set *rs, FILE *each, char *summary,
                                   size_t summary_len)
{
    struct {
        const char *proto;
        size_t n;
    } by[64];
    size_t nby = 0, total = 0;
    for (size_t i = 0; i < rule_set_count(rs); i++) {
        const struct rule *r = rule_set_get(rs, i);
        const char *m = rule_missing_parser(r);
        if (!m)
            continue;
        total++;
        if (each)
            fprintf(each, "%s:%u: sid %u: no parser for %s: the rule loads but cannot match\n",
                    r->file ? r->file : "(rules)", r->line, r->sid, m);
        size_t k = 0;
        while (k < nby && strcmp(by[k].proto, m) != 0)
            k++;
        if (k == nby && nby < sizeof by / sizeof by[0]) {
            by[nby].proto = m;
            by[nby++].n = 0;
        }
        if (k < nby)
            by[k].n++;
    }
    if (summary && summary_len) {
        summary[0] = '\0';
        size_t len = 0;
        /* Most frequent first. */
        for (size_t a = 0; a < nby; a++)
            for (size_t b = a + 1; b < nby; b++)
                if (by[b].n > by[a].n) {
                    __typeof__(by[0]) t = by[a];
                    by[a] = by[b];
                    by[b] = t;
                }
        for (size_t k = 0; k < nby && len < summary_len; k++) {
            int w = snprintf(summary + len, summary_len - len, "%s%s %zu", k ? ", " : "",
                             by[k].proto, by[k].n);
            if (w < 0)
                break;
            len += (size_t)w;
        }
    }
    return total;
}
