/* SPDX-License-Identifier: Apache-2.0 */
/* TAXII 2.1 endpoints: discovery, API root, collections, objects, object,
 * versions, manifest, status. Every listing is filtered by the TLP policy in
 * SQL (hub_tlp_sql), so objects the caller may not see are absent from
 * results, counts, manifests and version lists alike. */
#include <ctype.h>
#include <stdarg.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "hub/hub_server.h"
#include "hub/hub_tlp.h"
#include "hub/hub_util.h"
#include "util/log.h"

/* ---- media types ---------------------------------------------------------- */

/* True if one media range of an Accept header admits mtype (e.g.
 * "application/taxii+json") at version 2.1. A missing header admits all. */
static bool accept_ok(const char *accept, const char *mtype)
{
    if (!accept || !*accept)
        return true;
    const char *p = accept;
    while (*p) {
        const char *end = strchr(p, ',');
        size_t n = end ? (size_t)(end - p) : strlen(p);
        char range[256];
        snprintf(range, sizeof range, "%.*s", (int)(n < 255 ? n : 255), p);
        char *s = range;
        while (*s == ' ' || *s == '\t')
            s++;
        char *semi = strchr(s, ';');
        char *params = semi ? semi + 1 : NULL;
        if (semi)
            *semi = 0;
        size_t tl = strlen(s);
        while (tl && (s[tl - 1] == ' ' || s[tl - 1] == '\t'))
            s[--tl] = 0;
        bool type_ok = strcasecmp(s, mtype) == 0 || strcmp(s, "*/*") == 0 ||
                       strcasecmp(s, "application/*") == 0;
        bool version_ok = true;
        if (type_ok && params && strcasecmp(s, mtype) == 0) {
            const char *v = strcasestr(params, "version=");
            if (v) {
                v += 8;
                version_ok = strncmp(v, "2.1", 3) == 0 && !isdigit((unsigned char)v[3]);
            }
        }
        if (type_ok && version_ok)
            return true;
        if (!end)
            break;
        p = end + 1;
    }
    return false;
}

static bool content_type_ok(const char *ct, const char *mtype)
{
    if (!ct)
        return false;
    size_t n = strlen(mtype);
    if (strncasecmp(ct, mtype, n) != 0)
        return false;
    const char *rest = ct + n;
    while (*rest == ' ')
        rest++;
    if (!*rest)
        return true;
    if (*rest != ';')
        return false;
    const char *v = strcasestr(rest, "version=");
    return !v || (strncmp(v + 8, "2.1", 3) == 0 && !isdigit((unsigned char)v[11]));
}

/* ---- helpers -------------------------------------------------------------- */

static void base_url(const struct hub_request *req, char *out, size_t outlen)
{
    const char *host = hub_request_header(req, "Host");
    char safe[128] = "127.0.0.1";
    if (host && strlen(host) < sizeof safe && strspn(host, "abcdefghijklmnopqrstuvwxyz"
                                                           "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                                           "0123456789.-:[]") == strlen(host))
        snprintf(safe, sizeof safe, "%s", host);
    snprintf(out, outlen, "%s://%s", req->server->cfg.plain_http ? "http" : "https", safe);
}

static json_t *collection_json(const struct hub_collection *coll, const struct hub_caller *caller)
{
    return json_pack("{s:s, s:s, s:s, s:b, s:b, s:[s]}", "id", coll->id, "title", coll->title,
                     "description", coll->description, "can_read",
                     hub_collection_can_read(coll, caller), "can_write",
                     hub_collection_can_write(coll, caller), "media_types", HUB_STIX_MEDIA);
}

/* A growing SQL statement with its parameters; strings referenced by params
 * are kept in `owned` until the statement ran. */
struct query {
    char sql[16384];
    size_t len;
    struct hub_db_param params[4 * HUB_MATCH_MAX + 16];
    int n;
    char *owned[8];
    int nowned;
    bool overflow;
};

static void q_add(struct query *q, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void q_add(struct query *q, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(q->sql + q->len, sizeof q->sql - q->len, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof q->sql - q->len)
        q->overflow = true;
    else
        q->len += (size_t)n;
}

/* Adds a parameter and returns its placeholder number. */
static int q_param(struct query *q, struct hub_db_param p)
{
    if (q->n >= (int)(sizeof q->params / sizeof q->params[0])) {
        q->overflow = true;
        return q->n;
    }
    q->params[q->n++] = p;
    return q->n;
}

static void q_free(struct query *q)
{
    for (int i = 0; i < q->nowned; i++)
        free(q->owned[i]);
    q->nowned = 0;
}

/* Splits a comma-separated filter value in place; returns the count or -1
 * when there are too many values. */
static int split_csv(char *s, char **items, int max)
{
    int n = 0;
    char *save = NULL;
    for (char *tok = strtok_r(s, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        while (*tok == ' ')
            tok++;
        if (!*tok)
            continue;
        if (n == max)
            return -1;
        items[n++] = tok;
    }
    return n;
}

/* " AND column IN ($a, $b...)" for match[...] filters. */
static int q_match_list(struct query *q, const char *column, const char *value, const char *what,
                        struct hub_response *resp)
{
    if (!value)
        return 0;
    if (q->nowned >= 8)
        return -EINVAL;
    char *copy = strdup(value);
    if (!copy)
        return -ENOMEM;
    q->owned[q->nowned++] = copy;
    char *items[HUB_MATCH_MAX];
    int n = split_csv(copy, items, HUB_MATCH_MAX);
    if (n < 0) {
        hub_response_error(resp, 400, "Bad request", "%s: more than %d values", what,
                           HUB_MATCH_MAX);
        return -EINVAL;
    }
    if (n == 0) {
        hub_response_error(resp, 400, "Bad request", "%s: empty", what);
        return -EINVAL;
    }
    q_add(q, " AND %s IN (", column);
    for (int i = 0; i < n; i++)
        q_add(q, "%s$%d", i ? ", " : "", q_param(q, DB_TEXT(items[i])));
    q_add(q, ")");
    return 0;
}

/* match[version]: first, last, all, or timestamps. */
static int q_match_version(struct query *q, const char *value, const char *dflt,
                           struct hub_response *resp)
{
    if (!value)
        value = dflt;
    if (!value)
        return 0;
    char *copy = strdup(value);
    if (!copy || q->nowned >= 8) {
        free(copy);
        return -ENOMEM;
    }
    q->owned[q->nowned++] = copy;
    char *items[HUB_MATCH_MAX];
    int n = split_csv(copy, items, HUB_MATCH_MAX);
    if (n <= 0) {
        hub_response_error(resp, 400, "Bad request", "match[version]: %s",
                           n < 0 ? "too many values" : "empty");
        return -EINVAL;
    }
    /* Normalised timestamps live after the copy in a second owned buffer. */
    char *norm = calloc((size_t)n, 40);
    if (!norm)
        return -ENOMEM;
    if (q->nowned >= 8) {
        free(norm);
        return -ENOMEM;
    }
    q->owned[q->nowned++] = norm;
    bool first = false, last = false, all = false;
    int nts = 0;
    for (int i = 0; i < n; i++) {
        int64_t us;
        if (strcmp(items[i], "first") == 0)
            first = true;
        else if (strcmp(items[i], "last") == 0)
            last = true;
        else if (strcmp(items[i], "all") == 0)
            all = true;
        else if (hub_timestamp_parse(items[i], &us) == 0)
            hub_timestamp_format(us, norm + 40 * nts++, 40);
        else {
            hub_response_error(resp, 400, "Bad request",
                               "match[version]: '%s' is not first, last, all or a timestamp",
                               items[i]);
            return -EINVAL;
        }
    }
    if (all)
        return 0;
    q_add(q, " AND (1 = 0");
    if (first)
        q_add(q, " OR o.is_first = 1");
    if (last)
        q_add(q, " OR o.is_latest = 1");
    if (nts) {
        q_add(q, " OR o.version IN (");
        for (int i = 0; i < nts; i++)
            q_add(q, "%s$%d", i ? ", " : "", q_param(q, DB_TEXT(norm + 40 * i)));
        q_add(q, ")");
    }
    q_add(q, ")");
    return 0;
}

struct page_args {
    int limit;
    int64_t after; /* exclusive lower bound on date_added (us) */
};

static int parse_page_args(const struct hub_request *req, struct page_args *pa,
                           struct hub_response *resp)
{
    pa->limit = HUB_PAGE_DEFAULT;
    pa->after = -1;
    const char *limit = hub_request_arg(req, "limit");
    if (limit) {
        char *end;
        long v = strtol(limit, &end, 10);
        if (end == limit || *end || v < 1) {
            hub_response_error(resp, 400, "Bad request", "limit '%s': expected a positive integer",
                               limit);
            return -EINVAL;
        }
        pa->limit = v > HUB_PAGE_MAX ? HUB_PAGE_MAX : (int)v;
    }
    const char *added_after = hub_request_arg(req, "added_after");
    if (added_after) {
        int64_t us;
        if (hub_timestamp_parse(added_after, &us) < 0) {
            hub_response_error(resp, 400, "Bad request", "added_after '%s': not a timestamp",
                               added_after);
            return -EINVAL;
        }
        pa->after = us;
    }
    const char *next = hub_request_arg(req, "next");
    if (next) {
        char *end;
        long long v = strtoll(next, &end, 10);
        if (end == next || *end || v < 0) {
            hub_response_error(resp, 400, "Bad request", "next '%s': not a value this server issued",
                               next);
            return -EINVAL;
        }
        if (v > pa->after)
            pa->after = v;
    }
    return 0;
}

/* Builds the common SELECT over one collection: visibility, pagination and
 * the requested filters. columns: the select list. */
static int build_object_query(struct query *q, struct hub_request *req,
                              const struct hub_collection *coll, const char *columns,
                              const char *stix_id, const char *version_default,
                              const struct page_args *pa, struct hub_response *resp)
{
    const struct hub_caller *caller = &req->caller;
    bool member = hub_collection_is_member(coll, &caller->org);
    q_add(q, "SELECT %s FROM objects o WHERE o.coll = $%d", columns,
          q_param(q, DB_TEXT(coll->id)));
    char vis[512];
    hub_tlp_sql(vis, sizeof vis, member, caller, q_param(q, DB_INT(caller->org.id)));
    q_add(q, " AND %s", vis);
    if (caller->role == HUB_ROLE_SENSOR)
        q_add(q, " AND o.type = 'indicator'");
    if (pa->after >= 0)
        q_add(q, " AND o.date_added > $%d", q_param(q, DB_INT(pa->after)));
    if (stix_id)
        q_add(q, " AND o.stix_id = $%d", q_param(q, DB_TEXT(stix_id)));
    else if (q_match_list(q, "o.stix_id", hub_request_arg(req, "match[id]"), "match[id]", resp) <
             0)
        return -EINVAL;
    if (q_match_list(q, "o.type", hub_request_arg(req, "match[type]"), "match[type]", resp) < 0 ||
        q_match_list(q, "o.spec_version", hub_request_arg(req, "match[spec_version]"),
                     "match[spec_version]", resp) < 0 ||
        q_match_version(q, hub_request_arg(req, "match[version]"), version_default, resp) < 0)
        return -EINVAL;
    q_add(q, " ORDER BY o.date_added LIMIT %d", pa->limit + 1);
    if (q->overflow) {
        hub_response_error(resp, 400, "Bad request", "filters too long");
        return -EINVAL;
    }
    return 0;
}

static int run_query(struct hub_request *req, struct query *q, struct hub_db_result *res,
                     struct hub_response *resp)
{
    char err[512];
    int rc = hub_db_exec_once(req->db, q->sql, q->n, q->params, res, err, sizeof err);
    q_free(q);
    if (rc < 0) {
        log_error("hub: %s %s: %s", req->method, req->url, err);
        hub_response_error(resp, 500, "Internal error", "storage error");
    }
    return rc;
}

static void date_headers(struct hub_response *resp, const struct hub_db_result *res, int nrows,
                         int col)
{
    if (nrows <= 0)
        return;
    char ts[40];
    hub_timestamp_format(hub_db_cell_i64(res, 0, col), ts, sizeof ts);
    hub_response_header(resp, "X-TAXII-Date-Added-First", ts);
    hub_timestamp_format(hub_db_cell_i64(res, nrows - 1, col), ts, sizeof ts);
    hub_response_header(resp, "X-TAXII-Date-Added-Last", ts);
}

/* ---- endpoints ------------------------------------------------------------ */

static void handle_discovery(struct hub_request *req, struct hub_response *resp)
{
    char base[200], root[256];
    base_url(req, base, sizeof base);
    snprintf(root, sizeof root, "%s%s", base, HUB_API_ROOT);
    hub_response_json(resp, 200, HUB_TAXII_MEDIA,
                      json_pack("{s:s, s:s, s:s, s:[s]}", "title", "vigil hub", "description",
                                "TAXII 2.1 sharing hub for critical-sector organisations",
                                "default", root, "api_roots", root));
}

static void handle_api_root(struct hub_request *req, struct hub_response *resp)
{
    hub_response_json(resp, 200, HUB_TAXII_MEDIA,
                      json_pack("{s:s, s:s, s:[s], s:I}", "title", "vigil", "description",
                                "Sector, national and organisation collections; TLP 2.0 enforced",
                                "versions", HUB_TAXII_MEDIA, "max_content_length",
                                (json_int_t)req->server->cfg.max_body));
}

static void handle_collections(struct hub_request *req, struct hub_response *resp)
{
    struct hub_collection *colls;
    int n;
    char err[256];
    if (hub_collection_list(req->db, &colls, &n, err, sizeof err) < 0) {
        log_error("hub: collections: %s", err);
        hub_response_error(resp, 500, "Internal error", "storage error");
        return;
    }
    json_t *arr = json_array();
    for (int i = 0; i < n; i++)
        if (hub_collection_can_read(&colls[i], &req->caller))
            json_array_append_new(arr, collection_json(&colls[i], &req->caller));
    free(colls);
    json_t *body = json_object();
    if (json_array_size(arr))
        json_object_set_new(body, "collections", arr);
    else
        json_decref(arr);
    hub_response_json(resp, 200, HUB_TAXII_MEDIA, body);
}

static void handle_objects_get(struct hub_request *req, struct hub_response *resp,
                               const struct hub_collection *coll, const char *stix_id)
{
    struct page_args pa;
    if (parse_page_args(req, &pa, resp) < 0)
        return;
    struct query *q = calloc(1, sizeof *q);
    if (!q) {
        hub_response_error(resp, 500, "Internal error", "out of memory");
        return;
    }
    struct hub_db_result res = {0};
    if (build_object_query(q, req, coll, "o.date_added, o.stix_id, o.tlp, o.body", stix_id, "last",
                           &pa, resp) < 0 ||
        run_query(req, q, &res, resp) < 0) {
        q_free(q);
        free(q);
        hub_db_result_free(&res);
        return;
    }
    free(q);
    bool more = res.nrows > pa.limit;
    int n = more ? pa.limit : res.nrows;
    if (stix_id && n == 0 && !hub_request_arg(req, "next")) {
        hub_db_result_free(&res);
        hub_response_error(resp, 404, "Not found", "no object %s in collection %s", stix_id,
                           coll->id);
        return;
    }
    /* The stored bodies are already compact JSON: the envelope is assembled
     * around them without re-parsing. */
    size_t cap = 128;
    for (int i = 0; i < n; i++)
        cap += strlen(hub_db_cell(&res, i, 3)) + 1;
    char *out = malloc(cap);
    if (!out) {
        hub_db_result_free(&res);
        hub_response_error(resp, 500, "Internal error", "out of memory");
        return;
    }
    size_t len = (size_t)snprintf(out, cap, "{\"more\":%s", more ? "true" : "false");
    if (more)
        len += (size_t)snprintf(out + len, cap - len, ",\"next\":\"%lld\"",
                                (long long)hub_db_cell_i64(&res, n - 1, 0));
    if (n > 0) {
        len += (size_t)snprintf(out + len, cap - len, ",\"objects\":[");
        for (int i = 0; i < n; i++) {
            const char *body = hub_db_cell(&res, i, 3);
            size_t bl = strlen(body);
            if (i)
                out[len++] = ',';
            memcpy(out + len, body, bl);
            len += bl;
            const char *tlp = hub_db_cell(&res, i, 2);
            if (hub_tlp_rank(tlp) >= 2)
                hub_audit_read(req->server, &req->caller, coll->id, hub_db_cell(&res, i, 1), tlp);
        }
        out[len++] = ']';
    }
    out[len++] = '}';
    out[len] = 0;
    date_headers(resp, &res, n, 0);
    hub_db_result_free(&res);
    resp->status = 200;
    resp->content_type = HUB_TAXII_MEDIA;
    resp->body = out;
    resp->len = len;
}

static void handle_manifest_or_versions(struct hub_request *req, struct hub_response *resp,
                                        const struct hub_collection *coll, const char *stix_id)
{
    struct page_args pa;
    if (parse_page_args(req, &pa, resp) < 0)
        return;
    struct query *q = calloc(1, sizeof *q);
    if (!q) {
        hub_response_error(resp, 500, "Internal error", "out of memory");
        return;
    }
    struct hub_db_result res = {0};
    /* Versions list every version; the manifest defaults to the latest. */
    if (build_object_query(q, req, coll, "o.date_added, o.stix_id, o.version", stix_id,
                           stix_id ? "all" : "last", &pa, resp) < 0 ||
        run_query(req, q, &res, resp) < 0) {
        q_free(q);
        free(q);
        hub_db_result_free(&res);
        return;
    }
    free(q);
    bool more = res.nrows > pa.limit;
    int n = more ? pa.limit : res.nrows;
    if (stix_id && n == 0 && !hub_request_arg(req, "next")) {
        hub_db_result_free(&res);
        hub_response_error(resp, 404, "Not found", "no object %s in collection %s", stix_id,
                           coll->id);
        return;
    }
    json_t *body = json_pack("{s:b}", "more", more);
    if (more) {
        char next[32];
        snprintf(next, sizeof next, "%lld", (long long)hub_db_cell_i64(&res, n - 1, 0));
        json_object_set_new(body, "next", hub_json_str(next));
    }
    json_t *arr = json_array();
    for (int i = 0; i < n; i++) {
        if (stix_id) {
            json_array_append_new(arr, hub_json_str(hub_db_cell(&res, i, 2)));
        } else {
            char ts[40];
            hub_timestamp_format(hub_db_cell_i64(&res, i, 0), ts, sizeof ts);
            json_array_append_new(arr, json_pack("{s:s, s:s, s:s, s:s}", "id",
                                                 hub_db_cell(&res, i, 1), "date_added", ts,
                                                 "version", hub_db_cell(&res, i, 2), "media_type",
                                                 HUB_STIX_MEDIA));
        }
    }
    if (n > 0)
        json_object_set_new(body, stix_id ? "versions" : "objects", arr);
    else
        json_decref(arr);
    date_headers(resp, &res, n, 0);
    hub_db_result_free(&res);
    hub_response_json(resp, 200, HUB_TAXII_MEDIA, body);
}

static void handle_object_delete(struct hub_request *req, struct hub_response *resp,
                                 const struct hub_collection *coll, const char *stix_id)
{
    const struct hub_caller *caller = &req->caller;
    struct page_args pa = {.limit = HUB_PAGE_MAX * 10, .after = -1};
    struct query *q = calloc(1, sizeof *q);
    if (!q) {
        hub_response_error(resp, 500, "Internal error", "out of memory");
        return;
    }
    struct hub_db_result res = {0};
    char err[512];
    int rc = hub_db_begin(req->db, err, sizeof err);
    if (rc < 0) {
        free(q);
        log_error("hub: delete: %s", err);
        hub_response_error(resp, 503, "Unavailable", "storage busy");
        return;
    }
    if (build_object_query(q, req, coll, "o.id, o.producer_org, o.tlp", stix_id, "all", &pa,
                           resp) < 0 ||
        run_query(req, q, &res, resp) < 0) {
        q_free(q);
        free(q);
        hub_db_result_free(&res);
        hub_db_rollback(req->db);
        return;
    }
    free(q);
    if (res.nrows == 0) {
        hub_db_result_free(&res);
        hub_db_rollback(req->db);
        hub_response_error(resp, 404, "Not found", "no object %s in collection %s", stix_id,
                           coll->id);
        return;
    }
    bool hub_admin = caller->org.coordinator && caller->role == HUB_ROLE_ADMIN;
    for (int i = 0; i < res.nrows; i++) {
        if (caller->role == HUB_ROLE_SENSOR ||
            (!hub_admin && hub_db_cell_i64(&res, i, 1) != caller->org.id)) {
            hub_db_result_free(&res);
            hub_db_rollback(req->db);
            hub_response_error(resp, 403, "Forbidden",
                               "only the producing organisation (analyst or admin) or the "
                               "coordinator's admin may delete %s",
                               stix_id);
            return;
        }
    }
    for (int i = 0; rc == 0 && i < res.nrows; i++) {
        struct hub_db_param p[] = {DB_INT(hub_db_cell_i64(&res, i, 0))};
        rc = hub_db_exec(req->db, "DELETE FROM object_recipients WHERE object_id = $1", 1, p,
                         NULL, err, sizeof err);
        if (rc == 0)
            rc = hub_db_exec(req->db, "DELETE FROM objects WHERE id = $1", 1, p, NULL, err,
                             sizeof err);
    }
    if (rc == 0) {
        /* The remaining versions get their first/last flags back. */
        struct hub_db_param p[] = {DB_TEXT(coll->id), DB_TEXT(stix_id)};
        rc = hub_db_exec(req->db,
                         "UPDATE objects SET is_latest = CASE WHEN version = (SELECT MAX(version)"
                         " FROM objects x WHERE x.coll = $1 AND x.stix_id = $2) THEN 1 ELSE 0 END,"
                         " is_first = CASE WHEN version = (SELECT MIN(version) FROM objects y"
                         " WHERE y.coll = $1 AND y.stix_id = $2) THEN 1 ELSE 0 END"
                         " WHERE coll = $1 AND stix_id = $2",
                         2, p, NULL, err, sizeof err);
    }
    if (rc == 0) {
        char detail[32];
        snprintf(detail, sizeof detail, "%d versions", res.nrows);
        rc = hub_audit_write(req->db, caller, "delete", coll->id, stix_id,
                             hub_db_cell(&res, 0, 2), detail);
    }
    hub_db_result_free(&res);
    if (rc == 0)
        rc = hub_db_commit(req->db, err, sizeof err);
    if (rc < 0) {
        hub_db_rollback(req->db);
        log_error("hub: delete %s: %s", stix_id, err);
        hub_response_error(resp, 500, "Internal error", "storage error");
        return;
    }
    resp->status = 200;
    resp->content_type = HUB_TAXII_MEDIA;
    resp->body = strdup("{}");
    resp->len = resp->body ? 2 : 0;
}

static void handle_objects_post(struct hub_request *req, struct hub_response *resp,
                                const struct hub_collection *coll)
{
    struct hub_server *s = req->server;
    const struct hub_caller *caller = &req->caller;
    if (!content_type_ok(hub_request_header(req, "Content-Type"), "application/taxii+json")) {
        hub_response_error(resp, 415, "Unsupported media type", "Content-Type must be %s",
                           HUB_TAXII_MEDIA);
        return;
    }
    if (!hub_collection_can_write(coll, caller)) {
        hub_response_error(resp, 403, "Forbidden", "%s '%s' may not write to collection %s (%s)",
                           hub_role_name(caller->role), caller->org.name, coll->id, coll->title);
        return;
    }
    json_error_t jerr;
    json_t *env = json_loadb(req->body, req->body_len, JSON_REJECT_DUPLICATES, &jerr);
    if (!env) {
        hub_response_error(resp, 400, "Bad request", "request body: invalid JSON at line %d, "
                           "column %d: %s", jerr.line, jerr.column, jerr.text);
        return;
    }
    const char *key;
    json_t *val;
    json_object_foreach(env, key, val)
    {
        if (strcmp(key, "objects") != 0 && strcmp(key, "more") != 0 && strcmp(key, "next") != 0) {
            hub_response_error(resp, 400, "Bad request",
                               "request body: unknown field '%s' in the envelope", key);
            json_decref(env);
            return;
        }
    }
    json_t *objects = json_object_get(env, "objects");
    if (!json_is_object(env) || !json_is_array(objects)) {
        hub_response_error(resp, 400, "Bad request",
                           "request body: expected a TAXII envelope {\"objects\": [...]}");
        json_decref(env);
        return;
    }
    size_t total = json_array_size(objects);
    if (total > HUB_ENVELOPE_MAX_OBJECTS) {
        hub_response_error(resp, 413, "Payload too large",
                           "envelope of %zu objects exceeds the limit of %d objects", total,
                           HUB_ENVELOPE_MAX_OBJECTS);
        json_decref(env);
        return;
    }
    json_t *successes = json_array(), *failures = json_array();
    char err[512];
    /* Phase 1, outside the write lock: validate, classify, serialise. */
    struct hub_object_prepared *prep = total ? calloc(total, sizeof *prep) : NULL;
    char (*msgs)[512] = total ? calloc(total, sizeof *msgs) : NULL;
    int rc = (total && (!prep || !msgs)) ? -ENOMEM : 0;
    if (rc < 0)
        snprintf(err, sizeof err, "out of memory for %zu objects", total);
    size_t i;
    json_t *obj;
    json_array_foreach(objects, i, obj)
    {
        if (rc < 0)
            break;
        int prc = hub_object_prepare(s, coll, caller, obj, &prep[i], msgs[i], sizeof msgs[i]);
        if (prc == -ENOMEM) {
            rc = prc;
            snprintf(err, sizeof err, "out of memory");
        } else if (prc < 0 && !json_is_object(obj)) {
            snprintf(msgs[i], sizeof msgs[i], "objects[%zu]: not a JSON object", i);
        }
    }
    /* Phase 2, in one write transaction. */
    int64_t first_added = 0;
    if (rc == 0)
        rc = hub_db_begin(req->db, err, sizeof err);
    if (rc == 0 && total)
        rc = hub_clock_reserve(req->db, (int64_t)total, &first_added, err, sizeof err);
    json_array_foreach(objects, i, obj)
    {
        if (rc < 0)
            break;
        char version[40];
        const char *id = json_string_value(json_object_get(obj, "id"));
        int orc = prep[i].ok ? -1 : -EINVAL;
        if (prep[i].ok)
            orc = hub_object_commit(s, req->db, coll, caller, &prep[i], first_added + (int64_t)i,
                                    0, version, msgs[i], sizeof msgs[i]);
        if (orc == -EINVAL || orc == -EPERM || (!prep[i].ok)) {
            json_t *f = json_pack("{s:s, s:s}", "id", id ? id : "", "message", msgs[i]);
            json_array_append_new(failures, f);
        } else if (orc < 0) {
            snprintf(err, sizeof err, "%s", msgs[i]);
            rc = orc;
        } else {
            json_array_append_new(successes, json_pack("{s:s, s:s}", "id", id, "version", version));
        }
    }
    for (i = 0; prep && i < total; i++)
        hub_object_prepared_free(&prep[i]);
    free(prep);
    free(msgs);
    char status_id[37], ts[40];
    hub_uuid4(status_id);
    hub_timestamp_format(hub_now_us(), ts, sizeof ts);
    json_t *status = json_pack("{s:s, s:s, s:s, s:I, s:I, s:I, s:I}", "id", status_id, "status",
                               "complete", "request_timestamp", ts, "total_count",
                               (json_int_t)total, "success_count",
                               (json_int_t)json_array_size(successes), "failure_count",
                               (json_int_t)json_array_size(failures), "pending_count",
                               (json_int_t)0);
    if (json_array_size(successes))
        json_object_set(status, "successes", successes);
    if (json_array_size(failures))
        json_object_set(status, "failures", failures);
    json_decref(successes);
    json_decref(failures);
    json_decref(env);
    char *status_text = json_dumps(status, JSON_COMPACT);
    if (rc == 0 && !status_text)
        rc = -ENOMEM;
    if (rc == 0) {
        struct hub_db_param p[] = {DB_TEXT(status_id), DB_INT(caller->org.id),
                                   DB_INT(hub_now_us()), DB_TEXT(status_text)};
        rc = hub_db_exec(req->db,
                         "INSERT INTO statuses (id, org_id, created, body) VALUES ($1, $2, $3, $4)",
                         4, p, NULL, err, sizeof err);
    }
    free(status_text);
    /* Success is reported only after the commit: an acknowledged object is durable. */
    if (rc == 0)
        rc = hub_db_commit(req->db, err, sizeof err);
    if (rc < 0) {
        hub_db_rollback(req->db);
        json_decref(status);
        log_error("hub: POST %s: %s", req->url, err);
        hub_response_error(resp, rc == -EBUSY ? 503 : 500,
                           rc == -EBUSY ? "Unavailable" : "Internal error",
                           "nothing stored: storage error");
        return;
    }
    s->stored_since_analyze += (long)json_integer_value(json_object_get(status, "success_count"));
    hub_response_json(resp, 202, HUB_TAXII_MEDIA, status);
}

static void handle_status(struct hub_request *req, struct hub_response *resp, const char *id)
{
    struct hub_db_param p[] = {DB_TEXT(id), DB_INT(req->caller.org.id)};
    struct hub_db_result res;
    char err[256];
    int rc = hub_db_exec(req->db, "SELECT body FROM statuses WHERE id = $1 AND org_id = $2", 2, p,
                         &res, err, sizeof err);
    if (rc < 0) {
        log_error("hub: status: %s", err);
        hub_response_error(resp, 500, "Internal error", "storage error");
    } else if (res.nrows == 0) {
        hub_response_error(resp, 404, "Not found", "no status %s", id);
    } else {
        resp->status = 200;
        resp->content_type = HUB_TAXII_MEDIA;
        resp->body = strdup(hub_db_cell(&res, 0, 0));
        resp->len = resp->body ? strlen(resp->body) : 0;
    }
    hub_db_result_free(&res);
}

/* Splits the path after the API root into at most 6 segments. */
static int split_path(const char *path, char segs[6][160])
{
    int n = 0;
    const char *p = path;
    while (*p) {
        while (*p == '/')
            p++;
        if (!*p)
            break;
        const char *e = strchr(p, '/');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        if (n == 6 || len >= 160)
            return -1;
        memcpy(segs[n], p, len);
        segs[n][len] = 0;
        n++;
        p += len;
    }
    return n;
}

void hub_taxii_handle(struct hub_request *req, struct hub_response *resp)
{
    bool get = strcmp(req->method, "GET") == 0 || strcmp(req->method, "HEAD") == 0;
    bool post = strcmp(req->method, "POST") == 0;
    bool del = strcmp(req->method, "DELETE") == 0;
    if (!accept_ok(hub_request_header(req, "Accept"), "application/taxii+json")) {
        hub_response_error(resp, 406, "Not acceptable", "this endpoint produces %s",
                           HUB_TAXII_MEDIA);
        return;
    }
    if (strcmp(req->url, "/taxii2/") == 0 || strcmp(req->url, "/taxii2") == 0) {
        if (!get)
            hub_response_error(resp, 405, "Method not allowed", "discovery supports GET only");
        else
            handle_discovery(req, resp);
        return;
    }
    size_t rl = strlen(HUB_API_ROOT) - 1;
    if (strncmp(req->url, HUB_API_ROOT, rl) != 0 || (req->url[rl] && req->url[rl] != '/')) {
        hub_response_error(resp, 404, "Not found", "no resource at %s", req->url);
        return;
    }
    char segs[6][160];
    int n = split_path(req->url + rl, segs);
    if (n < 0) {
        hub_response_error(resp, 404, "Not found", "no resource at that path");
        return;
    }
    if (n == 0) {
        if (!get)
            hub_response_error(resp, 405, "Method not allowed", "the API root supports GET only");
        else
            handle_api_root(req, resp);
        return;
    }
    if (n == 2 && strcmp(segs[0], "status") == 0) {
        if (!get)
            hub_response_error(resp, 405, "Method not allowed", "status supports GET only");
        else
            handle_status(req, resp, segs[1]);
        return;
    }
    if (strcmp(segs[0], "collections") != 0) {
        hub_response_error(resp, 404, "Not found", "no resource at %s", req->url);
        return;
    }
    if (n == 1) {
        if (!get)
            hub_response_error(resp, 405, "Method not allowed", "collections supports GET only");
        else
            handle_collections(req, resp);
        return;
    }
    struct hub_collection coll;
    char err[256];
    int rc = hub_collection_get(req->db, segs[1], &coll, err, sizeof err);
    if (rc == -ENOENT || (rc == 0 && !hub_collection_can_read(&coll, &req->caller))) {
        hub_response_error(resp, 404, "Not found", "no collection %s", segs[1]);
        return;
    }
    if (rc < 0) {
        log_error("hub: collection: %s", err);
        hub_response_error(resp, 500, "Internal error", "storage error");
        return;
    }
    if (n == 2) {
        if (!get)
            hub_response_error(resp, 405, "Method not allowed", "a collection supports GET only");
        else
            hub_response_json(resp, 200, HUB_TAXII_MEDIA, collection_json(&coll, &req->caller));
        return;
    }
    if (n == 3 && strcmp(segs[2], "objects") == 0) {
        if (get)
            handle_objects_get(req, resp, &coll, NULL);
        else if (post)
            handle_objects_post(req, resp, &coll);
        else
            hub_response_error(resp, 405, "Method not allowed", "objects supports GET and POST");
        return;
    }
    if (n == 3 && strcmp(segs[2], "manifest") == 0) {
        if (!get)
            hub_response_error(resp, 405, "Method not allowed", "manifest supports GET only");
        else
            handle_manifest_or_versions(req, resp, &coll, NULL);
        return;
    }
    if (n == 4 && strcmp(segs[2], "objects") == 0) {
        if (get)
            handle_objects_get(req, resp, &coll, segs[3]);
        else if (del)
            handle_object_delete(req, resp, &coll, segs[3]);
        else
            hub_response_error(resp, 405, "Method not allowed", "an object supports GET and DELETE");
        return;
    }
    if (n == 5 && strcmp(segs[2], "objects") == 0 && strcmp(segs[4], "versions") == 0) {
        if (!get)
            hub_response_error(resp, 405, "Method not allowed", "versions supports GET only");
        else
            handle_manifest_or_versions(req, resp, &coll, segs[3]);
        return;
    }
    hub_response_error(resp, 404, "Not found", "no resource at %s", req->url);
}
