/* SPDX-License-Identifier: Apache-2.0 */
/* STIX 2.1 indicators to sensor indicators. A pattern is matchable when it
 * is a disjunction (observations and comparisons joined by OR, no
 * qualifiers, nothing negated) whose every comparison tests one observable
 * the sensor sees on the wire:
 *
 *   ipv4-addr:value, ipv6-addr:value, network-traffic:src_ref.value,
 *   network-traffic:dst_ref.value                       -> addr (address or CIDR)
 *   domain-name:value                                   -> domain
 *   url:value                                           -> url
 *   email-addr:value, email-message:from_ref.value,
 *   sender_ref.value, to_refs[*].value, cc_refs[*].value -> email
 *   file:hashes.MD5 / 'SHA-1' / 'SHA-256'               -> file hash
 *   file:name                                           -> file name
 *   x509-certificate:hashes.'SHA-1' / 'SHA-256'         -> certificate hash
 *   network-traffic:extensions.'http-request-ext'.request_header.'User-Agent'
 *                                                       -> software
 *   x-ja3:value, x-ja3s:value, x-ja4:value, x-hassh:value, x-hassh-server:value
 *                                                       -> fingerprints
 *
 * with the operators = and IN, and LIKE '%.name' on domain-name:value (the
 * domain's subdomains). Anything else (AND, FOLLOWEDBY, WITHIN, other
 * properties) is unmatchable: counted and reported with the reason. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "intel/intel_source.h"
#include "intel/stix_pattern.h"

static const struct {
    const char *id, *name;
} tlp_markings[] = {
    {"marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9", "clear"}, /* TLP 1.0 WHITE */
    {"marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da", "green"},
    {"marking-definition--f88d31f6-486f-44da-b317-01333bde0b82", "amber"},
    {"marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed", "red"},
    {"marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487", "clear"}, /* TLP 2.0 */
    {"marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb", "green"},
    {"marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421", "amber"},
    {"marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003", "amber+strict"},
    {"marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1", "red"},
};

const char *intel_tlp_of_marking(const char *marking_id)
{
    if (!marking_id)
        return NULL;
    for (size_t i = 0; i < sizeof tlp_markings / sizeof tlp_markings[0]; i++)
        if (strcasecmp(marking_id, tlp_markings[i].id) == 0)
            return tlp_markings[i].name;
    return NULL;
}

static int tlp_rank(const char *t)
{
    static const char *const order[] = {"clear", "green", "amber", "amber+strict", "red"};
    for (int i = 0; i < 5; i++)
        if (t && strcmp(t, order[i]) == 0)
            return i;
    return -1;
}

static int64_t ts_sec(const char *s)
{
    long long sec;
    long nsec;
    if (!s || stix_timestamp_parse(s, strlen(s), &sec, &nsec) != 0)
        return 0;
    return (int64_t)sec;
}

int intel_stix_indicator_read(const json_t *obj, struct intel_stix_indicator *out, char *why,
                              size_t whylen)
{
    memset(out, 0, sizeof *out);
    out->confidence = -1;
    const char *type = json_string_value(json_object_get(obj, "type"));
    if (!type || strcmp(type, "indicator") != 0) {
        snprintf(why, whylen, "not an indicator");
        return -1;
    }
    out->id = json_string_value(json_object_get(obj, "id"));
    out->pattern = json_string_value(json_object_get(obj, "pattern"));
    out->pattern_type = json_string_value(json_object_get(obj, "pattern_type"));
    if (!out->id || !out->pattern) {
        snprintf(why, whylen, "indicator without id or pattern");
        return -1;
    }
    out->name = json_string_value(json_object_get(obj, "name"));
    out->description = json_string_value(json_object_get(obj, "description"));
    out->created_by_ref = json_string_value(json_object_get(obj, "created_by_ref"));
    out->modified = json_string_value(json_object_get(obj, "modified"));
    out->created = json_string_value(json_object_get(obj, "created"));
    json_t *c = json_object_get(obj, "confidence");
    if (json_is_integer(c))
        out->confidence = (int)json_integer_value(c);
    out->revoked = json_is_true(json_object_get(obj, "revoked"));
    out->valid_from = ts_sec(json_string_value(json_object_get(obj, "valid_from")));
    out->valid_until = ts_sec(json_string_value(json_object_get(obj, "valid_until")));
    json_t *marks = json_object_get(obj, "object_marking_refs");
    size_t i;
    json_t *m;
    json_array_foreach(marks, i, m)
    {
        const char *t = intel_tlp_of_marking(json_string_value(m));
        if (t && tlp_rank(t) > tlp_rank(out->tlp))
            out->tlp = t;
    }
    return 0;
}

/* ---------- patterns ---------- */

struct prop_map {
    const char *type, *path;
    enum intel_kind kind;
};

static const struct prop_map prop_maps[] = {
    {"ipv4-addr", "value", INTEL_KIND_ADDR},
    {"ipv6-addr", "value", INTEL_KIND_ADDR},
    {"network-traffic", "src_ref.value", INTEL_KIND_ADDR},
    {"network-traffic", "dst_ref.value", INTEL_KIND_ADDR},
    {"domain-name", "value", INTEL_KIND_DOMAIN},
    {"url", "value", INTEL_KIND_URL},
    {"email-addr", "value", INTEL_KIND_EMAIL},
    {"email-message", "from_ref.value", INTEL_KIND_EMAIL},
    {"email-message", "sender_ref.value", INTEL_KIND_EMAIL},
    {"email-message", "to_refs[*].value", INTEL_KIND_EMAIL},
    {"email-message", "cc_refs[*].value", INTEL_KIND_EMAIL},
    {"email-message", "bcc_refs[*].value", INTEL_KIND_EMAIL},
    {"file", "hashes.MD5", INTEL_KIND_FILE_MD5},
    {"file", "hashes.'MD5'", INTEL_KIND_FILE_MD5},
    {"file", "hashes.'SHA-1'", INTEL_KIND_FILE_SHA1},
    {"file", "hashes.SHA1", INTEL_KIND_FILE_SHA1},
    {"file", "hashes.'SHA1'", INTEL_KIND_FILE_SHA1},
    {"file", "hashes.'SHA-256'", INTEL_KIND_FILE_SHA256},
    {"file", "hashes.SHA256", INTEL_KIND_FILE_SHA256},
    {"file", "hashes.'SHA256'", INTEL_KIND_FILE_SHA256},
    {"file", "name", INTEL_KIND_FILE_NAME},
    {"artifact", "hashes.'SHA-256'", INTEL_KIND_FILE_SHA256},
    {"artifact", "hashes.MD5", INTEL_KIND_FILE_MD5},
    {"x509-certificate", "hashes.'SHA-1'", INTEL_KIND_CERT_SHA1},
    {"x509-certificate", "hashes.SHA1", INTEL_KIND_CERT_SHA1},
    {"x509-certificate", "hashes.'SHA-256'", INTEL_KIND_CERT_SHA256},
    {"x509-certificate", "hashes.SHA256", INTEL_KIND_CERT_SHA256},
    {"network-traffic", "extensions.'http-request-ext'.request_header.'User-Agent'",
     INTEL_KIND_SOFTWARE},
    {"x-ja3", "value", INTEL_KIND_JA3},
    {"x-ja3s", "value", INTEL_KIND_JA3S},
    {"x-ja4", "value", INTEL_KIND_JA4},
    {"x-hassh", "value", INTEL_KIND_HASSH},
    {"x-hassh-server", "value", INTEL_KIND_HASSH},
};

struct map_ctx {
    int (*emit)(void *user, enum intel_kind kind, const char *value, size_t len, unsigned flags);
    void *user;
    char *why;
    size_t whylen;
    int status; /* 0, 1 unmatchable, -1 emit failed */
};

/* Items of a rendered set "('a', 'b')": calls emit for each string item. */
static int emit_set(struct map_ctx *m, enum intel_kind kind, const char *set)
{
    const char *p = set;
    if (*p == '(')
        p++;
    char item[4096];
    while (*p) {
        while (*p == ' ' || *p == ',')
            p++;
        if (*p == ')' || !*p)
            break;
        if (*p != '\'')
            return 1; /* not a string set */
        p++;
        size_t n = 0;
        while (*p && *p != '\'') {
            if (*p == '\\' && p[1])
                p++;
            if (n + 1 < sizeof item)
                item[n++] = *p;
            p++;
        }
        if (*p != '\'')
            return 1;
        p++;
        if (m->emit(m->user, kind, item, n, 0) < 0)
            return -1;
    }
    return 0;
}

static int map_comparison(const char *object_type, const char *property_path, const char *op,
                          const char *value, bool negated, void *ctx)
{
    struct map_ctx *m = ctx;
    const struct prop_map *pm = NULL;
    for (size_t i = 0; i < sizeof prop_maps / sizeof prop_maps[0]; i++)
        if (strcmp(prop_maps[i].type, object_type) == 0 &&
            strcmp(prop_maps[i].path, property_path) == 0)
            pm = &prop_maps[i];
    if (!pm) {
        snprintf(m->why, m->whylen, "%s:%s is not observed on the wire", object_type,
                 property_path);
        m->status = 1;
        return 1;
    }
    if (negated || !value) {
        snprintf(m->why, m->whylen, "negated or EXISTS comparison on %s:%s", object_type,
                 property_path);
        m->status = 1;
        return 1;
    }
    int rc;
    if (strcmp(op, "=") == 0) {
        rc = m->emit(m->user, pm->kind, value, strlen(value), 0);
    } else if (strcmp(op, "IN") == 0) {
        rc = emit_set(m, pm->kind, value);
    } else if (strcmp(op, "LIKE") == 0 && pm->kind == INTEL_KIND_DOMAIN &&
               strncmp(value, "%.", 2) == 0 && !strpbrk(value + 2, "%_")) {
        rc = m->emit(m->user, pm->kind, value + 2, strlen(value + 2), INTEL_ADD_SUBDOMAINS);
    } else {
        snprintf(m->why, m->whylen, "operator %s on %s:%s", op, object_type, property_path);
        m->status = 1;
        return 1;
    }
    if (rc != 0) {
        if (rc > 0)
            snprintf(m->why, m->whylen, "set of non-string values on %s:%s", object_type,
                     property_path);
        m->status = rc;
        return 1;
    }
    return 0;
}

int intel_stix_pattern_map(const char *pattern,
                           int (*emit)(void *user, enum intel_kind kind, const char *value,
                                       size_t len, unsigned flags),
                           void *user, char *why, size_t whylen)
{
    char err[256];
    struct stix_pattern *p = stix_pattern_parse(pattern, err, sizeof err);
    if (!p) {
        snprintf(why, whylen, "pattern does not parse: %s", err);
        return 1;
    }
    if (!stix_pattern_is_disjunction(p)) {
        snprintf(why, whylen,
                 "pattern is not a disjunction of comparisons (AND, FOLLOWEDBY, qualifiers or "
                 "NOT cannot be tested on one observable)");
        stix_pattern_free(p);
        return 1;
    }
    struct map_ctx m = {.emit = emit, .user = user, .why = why, .whylen = whylen};
    stix_pattern_foreach_comparison(p, map_comparison, &m);
    stix_pattern_free(p);
    return m.status;
}

/* ---------- adding an indicator ---------- */

struct add_ctx {
    struct intel_builder *b;
    uint32_t meta;
    unsigned flags;
    size_t added, invalid;
    const struct intel_load_opts *o;
    const char *id;
};

static int add_value(void *user, enum intel_kind kind, const char *value, size_t len,
                     unsigned flags)
{
    struct add_ctx *a = user;
    char err[160];
    int rc = intel_builder_add(a->b, kind, value, len, a->meta, flags | a->flags, err, sizeof err);
    if (rc == -ENOMEM)
        return -1;
    if (rc) {
        a->invalid++;
        if (a->o && a->o->report) {
            char what[300];
            snprintf(what, sizeof what, "%s value '%.*s'", a->id, (int)(len > 100 ? 100 : len),
                     value);
            a->o->report(a->o->user, false, what, err);
        }
        return 0;
    }
    a->added++;
    return 0;
}

/* Counts the values of a pattern without adding them (to decide whether an
 * indicator is matchable before creating its metadata). */
static int count_value(void *user, enum intel_kind kind, const char *value, size_t len,
                       unsigned flags)
{
    (void)kind;
    (void)value;
    (void)len;
    (void)flags;
    (*(size_t *)user)++;
    return 0;
}

int intel_stix_add(struct intel_builder *b, const struct intel_stix_indicator *ind,
                   const char *shared_by, const char *source, const struct intel_load_opts *o,
                   struct intel_load_stats *st)
{
    st->indicators++;
    int64_t now = o && o->now_sec ? o->now_sec : (int64_t)time(NULL);
    if (ind->revoked) {
        st->revoked++;
        return 1;
    }
    if (ind->valid_until && ind->valid_until <= now) {
        st->expired++;
        return 1;
    }
    if (ind->valid_from && ind->valid_from > now) {
        st->not_yet_valid++;
        return 1;
    }
    char why[300];
    if (ind->pattern_type && strcmp(ind->pattern_type, "stix") != 0) {
        snprintf(why, sizeof why, "pattern_type '%s' (only stix patterns are matched)",
                 ind->pattern_type);
        st->unmatchable++;
        if (o && o->report)
            o->report(o->user, true, ind->id, why);
        return 1;
    }
    size_t nvalues = 0;
    int rc = intel_stix_pattern_map(ind->pattern, count_value, &nvalues, why, sizeof why);
    if (rc != 0) {
        st->unmatchable++;
        if (o && o->report)
            o->report(o->user, true, ind->id, why);
        return 1;
    }
    struct intel_meta_in mi = {
        .stix_id = ind->id,
        .name = ind->name,
        .confidence = ind->confidence,
        .tlp = ind->tlp,
        .shared_by = shared_by ? shared_by : ind->created_by_ref,
        .source = source,
        .first_generation = o ? o->generation : 0,
    };
    uint32_t meta = intel_builder_add_meta(b, &mi);
    if (meta == UINT32_MAX)
        return -ENOMEM;
    struct add_ctx a = {.b = b, .meta = meta, .o = o, .id = ind->id,
                        .flags = o && o->subdomains ? INTEL_ADD_SUBDOMAINS : 0};
    rc = intel_stix_pattern_map(ind->pattern, add_value, &a, why, sizeof why);
    if (rc < 0)
        return -ENOMEM;
    st->values += a.added;
    st->invalid += a.invalid;
    if (a.added == 0) {
        st->unmatchable++;
        if (o && o->report)
            o->report(o->user, true, ind->id, "no valid value in the pattern");
        return 1;
    }
    return 0;
}
