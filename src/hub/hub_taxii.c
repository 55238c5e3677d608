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

#include "hub/hub_granular.h"
#include "hub/hub_json.h"
#include "hub/hub_handlers.h"
#include "hub/hub_taxii.h"
#include "hub/hub_tlp.h"
#include "hub/hub_util.h"
#include "hub/stix_validate.h"
#include "util/log.h"

/* ---- helpers -------------------------------------------------------------- */

static void base_url(const struct hub_request *req, char *out, size_t outlen)
{
    const char *host = hub_request_header(req, "Host");
    char safe[128] = "127.0.0.1";
    if (host && strlen(host) < sizeof safe &&
        strspn(host, "abcdefghijklmnopqrstuvwxyz"
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

void q_add(struct query *q, const char *fmt, ...)
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
int q_param(struct query *q, struct hub_db_param p)
{
    if (q->n >= (int)(sizeof q->params / sizeof q->params[0])) {
        q->overflow = true;
        return q->n;
    }
    q->params[q->n++] = p;
    return q->n;
}

void q_free(struct query *q)
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

int parse_page_args(const struct hub_request *req, struct page_args *pa, struct hub_response *resp)
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
            hub_response_error(resp, 400, "Bad request",
                               "next '%s': not a value this server issued", next);
            return -EINVAL;
        }
        if (v > pa->after)
            pa->after = v;
    }
    return 0;
}

/* Builds the common SELECT over one collection: visibility, pagination and
 * the requested filters. columns: the select list. */
int build_object_query(struct query *q, struct hub_request *req, const struct hub_collection *coll,
                       const char *columns, const char *stix_id, const char *version_default,
                       const struct page_args *pa, struct hub_response *resp)
{
    const struct hub_caller *caller = &req->caller;
    bool member = hub_collection_is_member(coll, &caller->org);
    q_add(q, "SELECT %s FROM objects o WHERE o.coll = $%d", columns, q_param(q, DB_TEXT(coll->id)));
    char vis[512];
    hub_tlp_sql(vis, sizeof vis, member, caller, q_param(q, DB_INT(caller->org.id)));
    q_add(q, " AND %s", vis);
    if (caller->role == HUB_ROLE_SENSOR)
        q_add(q, " AND o.type = 'indicator'");
    if (pa->after >= 0)
        q_add(q, " AND o.date_added > $%d", q_param(q, DB_INT(pa->after)));
    if (stix_id)
        q_add(q, " AND o.stix_id = $%d", q_param(q, DB_TEXT(stix_id)));
    else if (q_match_list(q, "o.stix_id", hub_request_arg(req, "match[id]"), "match[id]", resp) < 0)
        return -EINVAL;
    if (q_match_list(q, "o.type", hub_request_arg(req, "match[type]"), "match[type]", resp) < 0 ||
        q_match_list(q, "o.spec_version", hub_request_arg(req, "match[spec_version]"),
                     "match[spec_version]", resp) < 0 ||
        q_match_version(q, hub_request_arg(req, "match[version]"), version_default, resp) < 0)
        return -EINVAL;
    /* With an id given, the id index finds the few rows and they are sorted;
     * "+" keeps SQLite from walking the (coll, date_added) index in order
     * instead, which scans the whole collection when statistics are stale. */
    bool by_id = stix_id || hub_request_arg(req, "match[id]");
    q_add(q, " ORDER BY %so.date_added LIMIT %d", by_id ? "+" : "", pa->limit + 1);
    if (q->overflow) {
        hub_response_error(resp, 400, "Bad request", "filters too long");
        return -EINVAL;
    }
    return 0;
}

int run_query(struct hub_request *req, struct query *q, struct hub_db_result *res,
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

void taxii_discovery(struct hub_request *req, struct hub_response *resp)
{
    char base[200], root[256];
    base_url(req, base, sizeof base);
    snprintf(root, sizeof root, "%s%s", base, HUB_API_ROOT);
    hub_response_json(resp, 200, HUB_TAXII_MEDIA,
                      json_pack("{s:s, s:s, s:s, s:[s]}", "title", "vigil hub", "description",
                                "TAXII 2.1 sharing hub for critical-sector organisations",
                                "default", root, "api_roots", root));
}

void taxii_api_root(struct hub_request *req, struct hub_response *resp)
{
    hub_response_json(resp, 200, HUB_TAXII_MEDIA,
                      json_pack("{s:s, s:s, s:[s], s:I}", "title", "vigil", "description",
                                "Sector, national and organisation collections; TLP 2.0 enforced",
                                "versions", HUB_TAXII_MEDIA, "max_content_length",
                                (json_int_t)req->server->cfg.max_body));
}

void taxii_collections(struct hub_request *req, struct hub_response *resp)
{
    struct hub_collection *colls;
    int n;
    char err[256];
    if (hub_collection_list(req->db, &colls, &n, err, sizeof err) < 0) {
        log_error("hub: collections: %s", err);
        hub_response_error(resp, 500, "Internal error", "storage error");
        return;
    }
    /* The caller's own collection first, then its sector's, the national
     * one, other sectors, other organisations: clients that pick the first
     * writable collection pick one that takes any TLP. */
    const struct hub_caller *caller = &req->caller;
    json_t *arr = json_array();
    for (int pass = 0; pass < 5; pass++) {
        for (int i = 0; i < n; i++) {
            const struct hub_collection *c = &colls[i];
            int rank = c->kind == HUB_COLL_ORG ? (c->org_id == caller->org.id ? 0 : 4)
                       : c->kind == HUB_COLL_SECTOR
                           ? (strcmp(c->sector, caller->org.sector) == 0 ? 1 : 3)
                           : 2;
            if (rank == pass && hub_collection_can_read(c, caller))
                json_array_append_new(arr, collection_json(c, caller));
        }
    }
    free(colls);
    json_t *body = json_object();
    if (json_array_size(arr))
        json_object_set_new(body, "collections", arr);
    else
        json_decref(arr);
    hub_response_json(resp, 200, HUB_TAXII_MEDIA, body);
}

/* What one caller may see of the granular-marked parts of one object. */
struct part_view {
    bool member, coordinator, producer, recipient;
};

static bool part_hidden(int rank, void *ctx)
{
    const struct part_view *v = ctx;
    if (v->producer || rank <= 1)
        return false;
    if (rank <= 3)
        return !v->member && !v->coordinator;
    return !v->recipient;
}

/* The body of row i as the caller may see it: the stored text, or (when
 * parts are marked with a TLP the caller may not see) a redacted copy in
 * *owned, or NULL when the object must be withheld. */
const char *hub_taxii_visible_body(struct hub_request *req, const struct hub_collection *coll,
                                   const struct hub_db_result *res, int i, char **owned)
{
    *owned = NULL;
    const char *body = hub_db_cell(res, i, 3);
    const char *gtlp = hub_db_cell(res, i, 4);
    if (!gtlp)
        return body;
    const struct hub_caller *caller = &req->caller;
    struct part_view v = {.member = hub_collection_is_member(coll, &caller->org),
                          .coordinator = caller->org.coordinator,
                          .producer = hub_db_cell_i64(res, i, 5) == caller->org.id};
    int top = hub_tlp_rank(gtlp);
    if (top == 4 && !v.producer) {
        struct hub_db_param p[] = {DB_INT(hub_db_cell_i64(res, i, 6)), DB_INT(caller->org.id)};
        int64_t one = 0;
        char err[256];
        hub_db_query_i64(req->db,
                         "SELECT 1 FROM object_recipients WHERE object_id = $1 AND org_id = $2", 2,
                         p, 0, &one, err, sizeof err);
        v.recipient = one == 1;
    }
    bool any = false;
    for (int r = 2; r <= top; r++)
        any = any || part_hidden(r, &v);
    if (!any)
        return body;
    json_t *obj = json_loads(body, 0, NULL);
    if (!obj)
        return NULL;
    hub_granular_redact(obj, part_hidden, &v);
    char err[256];
    if (stix_object_validate(obj, err, sizeof err) == 0)
        *owned = hub_json_compact(obj, NULL);
    json_decref(obj);
    return *owned;
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
    if (build_object_query(q, req, coll,
                           "o.date_added, o.stix_id, o.tlp, o.body, o.gtlp, o.producer_org, o.id",
                           stix_id, "last", &pa, resp) < 0 ||
        run_query(req, q, &res, resp) < 0) {
        q_free(q);
        free(q);
        hub_db_result_free(&res);
        return;
    }
    free(q);
    bool more = res.nrows > pa.limit;
    int n = more ? pa.limit : res.nrows;
    /* Bodies as the caller may see them (stored text unless redacted). */
    const char **bodies = n ? calloc((size_t)n, sizeof *bodies) : NULL;
    char **owned = n ? calloc((size_t)n, sizeof *owned) : NULL;
    if (n && (!bodies || !owned)) {
        free(bodies);
        free(owned);
        hub_db_result_free(&res);
        hub_response_error(resp, 500, "Internal error", "out of memory");
        return;
    }
    int shown = 0;
    size_t cap = 128;
    for (int i = 0; i < n; i++) {
        bodies[i] = hub_taxii_visible_body(req, coll, &res, i, &owned[i]);
        if (bodies[i]) {
            cap += strlen(bodies[i]) + 1;
            shown++;
        }
    }
    if (stix_id && shown == 0 && !hub_request_arg(req, "next")) {
        for (int i = 0; i < n; i++)
            free(owned[i]);
        free(owned);
        free(bodies);
        hub_db_result_free(&res);
        hub_response_error(resp, 404, "Not found", "no object %s in collection %s", stix_id,
                           coll->id);
        return;
    }
    /* The stored bodies are already compact JSON: the envelope is assembled
     * around them without re-parsing. */
    char *out = malloc(cap);
    if (!out) {
        for (int i = 0; i < n; i++)
            free(owned[i]);
        free(owned);
        free(bodies);
        hub_db_result_free(&res);
        hub_response_error(resp, 500, "Internal error", "out of memory");
        return;
    }
    size_t len = (size_t)snprintf(out, cap, "{\"more\":%s", more ? "true" : "false");
    if (more)
        len += (size_t)snprintf(out + len, cap - len, ",\"next\":\"%lld\"",
                                (long long)hub_db_cell_i64(&res, n - 1, 0));
    if (shown > 0) {
        len += (size_t)snprintf(out + len, cap - len, ",\"objects\":[");
        bool first = true;
        for (int i = 0; i < n; i++) {
            if (!bodies[i])
                continue;
            size_t bl = strlen(bodies[i]);
            if (!first)
                out[len++] = ',';
            first = false;
            memcpy(out + len, bodies[i], bl);
            len += bl;
            free(owned[i]);
            const char *tlp = hub_db_cell(&res, i, 2);
            if (hub_tlp_rank(tlp) >= 2)
                hub_audit_read(req->server, &req->caller, coll->id, hub_db_cell(&res, i, 1), tlp);
        }
        out[len++] = ']';
    }
    out[len++] = '}';
    out[len] = 0;
    free(owned);
    free(bodies);
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
    if (build_object_query(q, req, coll,
                           "o.date_added, o.stix_id, COALESCE(o.version_text, o.version)", stix_id,
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
            json_array_append_new(arr,
                                  json_pack("{s:s, s:s, s:s, s:s}", "id", hub_db_cell(&res, i, 1),
                                            "date_added", ts, "version", hub_db_cell(&res, i, 2),
                                            "media_type", HUB_STIX_MEDIA));
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

void taxii_status(struct hub_request *req, struct hub_response *resp)
{
    const char *id = hub_request_param(req, "status");
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

/* ---- handlers (one per route line) -------------------------------------- */

int taxii_collection_of(struct hub_request *req, struct hub_response *resp,
                        struct hub_collection *coll)
{
    const char *id = hub_request_param(req, "collection");
    char err[256];
    int rc = hub_collection_get(req->db, id, coll, err, sizeof err);
    if (rc == -ENOENT || (rc == 0 && !hub_collection_can_read(coll, &req->caller))) {
        hub_response_error(resp, 404, "Not found", "no collection %s", id);
        return -ENOENT;
    }
    if (rc < 0) {
        log_error("hub: collection: %s", err);
        hub_response_error(resp, 500, "Internal error", "storage error");
    }
    return rc;
}

void taxii_collection(struct hub_request *req, struct hub_response *resp)
{
    struct hub_collection coll;
    if (taxii_collection_of(req, resp, &coll) == 0)
        hub_response_json(resp, 200, HUB_TAXII_MEDIA, collection_json(&coll, &req->caller));
}

void taxii_objects_get(struct hub_request *req, struct hub_response *resp)
{
    struct hub_collection coll;
    if (taxii_collection_of(req, resp, &coll) == 0)
        handle_objects_get(req, resp, &coll, NULL);
}

void taxii_object_get(struct hub_request *req, struct hub_response *resp)
{
    struct hub_collection coll;
    if (taxii_collection_of(req, resp, &coll) == 0)
        handle_objects_get(req, resp, &coll, hub_request_param(req, "object"));
}

void taxii_object_versions(struct hub_request *req, struct hub_response *resp)
{
    struct hub_collection coll;
    if (taxii_collection_of(req, resp, &coll) == 0)
        handle_manifest_or_versions(req, resp, &coll, hub_request_param(req, "object"));
}

void taxii_manifest(struct hub_request *req, struct hub_response *resp)
{
    struct hub_collection coll;
    if (taxii_collection_of(req, resp, &coll) == 0)
        handle_manifest_or_versions(req, resp, &coll, NULL);
}
