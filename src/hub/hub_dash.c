/* SPDX-License-Identifier: Apache-2.0 */
/* The dashboard's data (docs/hub.md, "Dashboard"): GET
 * /api/v1/dashboard/overview (sector x severity heat map, trend per sector,
 * top signatures and indicators, affected organisations),
 * /api/v1/dashboard/indicators (search), /api/v1/dashboard/indicators/{id}
 * (detail) and /api/v1/dashboard/sensors. Aggregation is done by the
 * database on indexed columns. Every row counted or shown passes the same
 * TLP rules as the TAXII API: sightings through hub_sighting_visibility
 * (hub_risk.c), objects through hub_tlp_sql per collection membership and
 * hub_taxii_visible_body for granular markings. Creating, revoking and
 * sharing indicators is done by the page through the TAXII API itself. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hub/hub_handlers.h"
#include "hub/hub_risk.h"
#include "hub/hub_taxii.h"
#include "hub/hub_tlp.h"
#include "hub/hub_util.h"
#include "util/log.h"

#define US_PER_S 1000000LL
#define TOP_CANDIDATES 40
#define TOP_SHOWN 10

static bool dash_role_ok(struct hub_request *req, struct hub_response *resp)
{
    if (req->caller.role != HUB_ROLE_SENSOR)
        return true;
    hub_response_error(resp, 403, "Forbidden", "the dashboard is for analyst and admin tokens");
    return false;
}

static void storage_error(struct hub_response *resp, const char *what, const char *err)
{
    log_error("hub: dashboard %s: %s", what, err);
    hub_response_error(resp, 500, "Internal error", "storage error");
}

/* SQL condition over objects "o" joined with collections "c": the rows the
 * caller may see, by its membership of each row's collection. Uses
 * placeholders org_param (organisation id) and sector_param. */
static void object_visibility(char *buf, size_t len, const struct hub_caller *caller,
                              int org_param, int sector_param)
{
    char in[400], out[400];
    hub_tlp_sql(in, sizeof in, true, caller, org_param);
    hub_tlp_sql(out, sizeof out, false, caller, org_param);
    if (strcmp(in, out) == 0) {
        snprintf(buf, len, "%s", in);
        return;
    }
    char member[200];
    snprintf(member, sizeof member,
             "(c.kind = 'national' OR (c.kind = 'sector' AND c.sector = $%d) OR"
             " (c.kind = 'org' AND c.org_id = $%d))",
             sector_param, org_param);
    snprintf(buf, len, "((%s AND %s) OR (NOT %s AND %s))", member, in, member, out);
}

struct range {
    const char *name;
    int64_t span_s;
    int buckets;
};
static const struct range ranges[] = {
    {"24h", 86400, 24},
    {"7d", 7 * 86400, 28},
    {"30d", 30 * 86400, 30},
};

static const char *const severities[] = {"high", "medium", "low", "unknown"};

static json_t *severity_counts(void)
{
    json_t *o = json_object();
    for (int i = 0; i < 4; i++)
        json_object_set_new(o, severities[i], json_integer(0));
    return o;
}

static json_t *sector_entry(json_t *sectors, const char *sector, int buckets)
{
    json_t *sec = json_object_get(sectors, sector);
    if (sec)
        return sec;
    json_t *trend = json_array();
    for (int i = 0; i < buckets; i++)
        json_array_append_new(trend, json_integer(0));
    sec = json_pack("{s:s, s:o, s:I, s:o, s:I, s:[]}", "sector", sector, "severity",
                    severity_counts(), "sightings", (json_int_t)0, "trend", trend,
                    "organisations_affected", (json_int_t)0, "organisations");
    json_object_set_new(sectors, sector, sec);
    return sec;
}

/* Latest visible copy of an indicator: its name and pattern type. */
static void indicator_facts(struct hub_request *req, const char *id, json_t *e)
{
    const struct hub_caller *caller = &req->caller;
    char vis[1400], sql[2000], err[256];
    object_visibility(vis, sizeof vis, caller, 2, 3);
    snprintf(sql, sizeof sql,
             "SELECT o.stix_id, o.type, o.tlp, o.body, o.gtlp, o.producer_org, o.id, o.coll"
             " FROM objects o JOIN collections c ON c.id = o.coll WHERE o.stix_id = $1"
             " AND o.is_latest = 1 AND %s ORDER BY +o.date_added DESC LIMIT 1",
             vis);
    struct hub_db_param p[] = {DB_TEXT(id), DB_INT(caller->org.id), DB_TEXT(caller->org.sector)};
    struct hub_db_result r;
    if (hub_db_exec(req->db, sql, 3, p, &r, err, sizeof err) == 0 && r.nrows == 1) {
        struct hub_collection coll;
        char *owned = NULL;
        const char *body = NULL;
        if (hub_collection_get(req->db, hub_db_cell(&r, 0, 7), &coll, err, sizeof err) == 0)
            body = hub_taxii_visible_body(req, &coll, &r, 0, &owned);
        json_t *o = body ? json_loads(body, 0, NULL) : NULL;
        const char *name = json_string_value(json_object_get(o, "name"));
        const char *pt = json_string_value(json_object_get(o, "pattern_type"));
        if (name)
            json_object_set_new(e, "name", hub_json_str(name));
        if (pt)
            json_object_set_new(e, "pattern_type", hub_json_str(pt));
        json_object_set_new(e, "tlp", hub_json_str(hub_db_cell(&r, 0, 2)));
        json_decref(o);
        free(owned);
    }
    hub_db_result_free(&r);
}

/* Overview answers cached per organisation (what it may see follows from
 * it alone), range and window end hour, while no sighting has been stored
 * since (hub_server.sightings_gen) and for at most OVERVIEW_TTL_US (for what
 * changes elsewhere: organisations added by `hub admin`, an indicator's
 * name or TLP, a sighting stored while the answer was computed). */
#define OVERVIEW_CACHE 64
#define OVERVIEW_TTL_US (30 * US_PER_S)
struct overview_entry {
    int64_t org, end_h, at;
    const struct range *range;
    long gen;
    char *body;
    size_t len;
};
static struct overview_entry overview_cache[OVERVIEW_CACHE];
static pthread_mutex_t overview_lock = PTHREAD_MUTEX_INITIALIZER;

static bool overview_cached(struct hub_request *req, const struct range *rg, int64_t end_h,
                            struct hub_response *resp)
{
    int64_t now = hub_now_us();
    long gen = req->server->sightings_gen;
    bool hit = false;
    pthread_mutex_lock(&overview_lock);
    for (int i = 0; i < OVERVIEW_CACHE && !hit; i++) {
        struct overview_entry *e = &overview_cache[i];
        if (!e->body || e->org != req->caller.org.id || e->range != rg || e->end_h != end_h ||
            e->gen != gen || now - e->at >= OVERVIEW_TTL_US)
            continue;
        char *copy = malloc(e->len + 1);
        if (copy) {
            memcpy(copy, e->body, e->len + 1);
            free(resp->body);
            resp->body = copy;
            resp->len = e->len;
            resp->status = 200;
            resp->content_type = "application/json";
            hit = true;
        }
    }
    pthread_mutex_unlock(&overview_lock);
    return hit;
}

static void overview_store(struct hub_request *req, const struct range *rg, int64_t end_h,
                           long gen, const struct hub_response *resp)
{
    if (resp->status != 200 || !resp->body)
        return;
    char *copy = malloc(resp->len + 1);
    if (!copy)
        return;
    memcpy(copy, resp->body, resp->len);
    copy[resp->len] = 0;
    int64_t now = hub_now_us();
    pthread_mutex_lock(&overview_lock);
    struct overview_entry *slot = &overview_cache[0];
    for (int i = 0; i < OVERVIEW_CACHE; i++) {
        struct overview_entry *e = &overview_cache[i];
        if (!e->body || (e->org == req->caller.org.id && e->range == rg)) {
            slot = e;
            break;
        }
        if (e->at < slot->at)
            slot = e;
    }
    free(slot->body);
    *slot = (struct overview_entry){.org = req->caller.org.id, .end_h = end_h, .at = now,
                                    .range = rg, .gen = gen, .body = copy, .len = resp->len};
    pthread_mutex_unlock(&overview_lock);
}

void dash_overview(struct hub_request *req, struct hub_response *resp)
{
    if (!dash_role_ok(req, resp))
        return;
    const struct hub_caller *caller = &req->caller;
    const struct range *rg = &ranges[0];
    const char *ra = hub_request_arg(req, "range");
    if (ra) {
        rg = NULL;
        for (size_t i = 0; i < sizeof ranges / sizeof ranges[0]; i++)
            if (strcmp(ra, ranges[i].name) == 0)
                rg = &ranges[i];
        if (!rg) {
            hub_response_error(resp, 400, "Bad request", "range '%s': expected 24h, 7d or 30d",
                               ra);
            return;
        }
    }
    int64_t now = hub_now_us();
    const char *until = hub_request_arg(req, "until");
    if (until && hub_timestamp_parse(until, &now) < 0) {
        hub_response_error(resp, 400, "Bad request", "until '%s': not a timestamp", until);
        return;
    }
    /* Whole hours of the pre-aggregated counters (sighting_hours): the
     * last bucket holds the current hour; buckets are aligned on their
     * size (1 h, 6 h, 1 day). */
    int64_t bucket_h = rg->span_s / 3600 / rg->buckets;
    int64_t now_h = now / HUB_HOUR_US;
    int64_t end_h = (now_h / bucket_h + 1) * bucket_h;
    int64_t start_h = end_h - bucket_h * rg->buckets;
    long gen = req->server->sightings_gen;
    if (overview_cached(req, rg, end_h, resp))
        return;
    int64_t bucket = bucket_h * HUB_HOUR_US, start = start_h * HUB_HOUR_US;
    now = end_h * HUB_HOUR_US;
    const char *vis = hub_sighting_visibility(caller);
    struct hub_db_param p[] = {DB_INT(caller->org.id), DB_TEXT(caller->org.sector),
                               DB_INT(start_h),        DB_INT(end_h),
                               DB_INT(bucket_h),       DB_INT(start),
                               DB_INT(now),            DB_INT(start_h / 24),
                               DB_INT((end_h - 1) / 24)};
    char sql[2048], err[512];
    struct hub_db_result r;
    json_t *sectors = json_object();
    json_int_t total = 0;

    /* Heat map cells and trend buckets in one pass over the range: hours
     * for 24 h and 7 d, days for 30 d (its buckets are days). */
    bool days = bucket_h == 24;
    const char *counters = days ? "sighting_days" : "sighting_hours";
    const char *unit = days ? "day" : "hour";
    if (days) {
        p[2] = DB_INT(start_h / 24);
        p[3] = DB_INT(end_h / 24);
        p[4] = DB_INT(1);
    }
    snprintf(sql, sizeof sql,
             "SELECT g.sector, g.severity, (g.%s - $3) / $5 AS b, SUM(g.count) FROM"
             " %s g WHERE g.%s >= $3 AND g.%s < $4 AND %s GROUP BY g.sector, g.severity, b",
             unit, counters, unit, unit, vis);
    if (hub_db_exec(req->db, sql, 5, p, &r, err, sizeof err) < 0) {
        hub_db_result_free(&r);
        json_decref(sectors);
        storage_error(resp, "overview", err);
        return;
    }
    for (int i = 0; i < r.nrows; i++) {
        json_t *sec = sector_entry(sectors, hub_db_cell(&r, i, 0), rg->buckets);
        int64_t sev = hub_db_cell_i64(&r, i, 1), b = hub_db_cell_i64(&r, i, 2);
        json_int_t n = hub_db_cell_i64(&r, i, 3);
        json_t *cells = json_object_get(sec, "severity");
        const char *sname = hub_severity_name(sev);
        json_object_set_new(cells, sname,
                            json_integer(json_integer_value(json_object_get(cells, sname)) + n));
        json_object_set_new(
            sec, "sightings",
            json_integer(json_integer_value(json_object_get(sec, "sightings")) + n));
        json_t *trend = json_object_get(sec, "trend");
        if (b >= rg->buckets)
            b = rg->buckets - 1;
        if (b >= 0)
            json_array_set_new(trend, (size_t)b,
                               json_integer(json_integer_value(json_array_get(trend, (size_t)b)) +
                                            n));
        total += n;
    }
    hub_db_result_free(&r);

    /* Affected organisations: counted from the visible sightings, named as
     * the sightings that name them may be seen. */
    snprintf(sql, sizeof sql,
             "SELECT g.sector, o.name, SUM(g.count) FROM %s g JOIN orgs o ON o.id ="
             " g.org_id WHERE g.%s >= $3 AND g.%s < $4 AND %s GROUP BY g.sector, o.name"
             " ORDER BY g.sector, o.name",
             counters, unit, unit, vis);
    if (hub_db_exec(req->db, sql, 4, p, &r, err, sizeof err) == 0) {
        for (int i = 0; i < r.nrows; i++) {
            json_t *sec = sector_entry(sectors, hub_db_cell(&r, i, 0), rg->buckets);
            json_array_append_new(json_object_get(sec, "organisations"),
                                  json_pack("{s:s, s:I}", "name", hub_db_cell(&r, i, 1),
                                            "sightings", (json_int_t)hub_db_cell_i64(&r, i, 2)));
            json_object_set_new(sec, "organisations_affected",
                                json_integer((json_int_t)json_array_size(
                                    json_object_get(sec, "organisations"))));
        }
    }
    hub_db_result_free(&r);

    /* Top signatures (Suricata rule indicators reported by sensors) and
     * top shared indicators. Grouping by an expression keeps SQLite from
     * walking the (indicator_id, seen) index for its order: a skip-scan
     * over every indicator, 8x slower at 100,000 sightings than the range
     * scan of the covering index. */
    json_t *top_sig = json_array(), *top_ind = json_array();
    int np = 7;
    if (rg->buckets == 24) {
        snprintf(sql, sizeof sql,
                 "SELECT g.indicator_id || '' AS i, SUM(g.count) AS n, COUNT(DISTINCT g.org_id),"
                 " COUNT(DISTINCT g.sector), MIN(g.severity) FROM sightings g WHERE g.seen >= $6"
                 " AND g.seen < $7 AND %s GROUP BY i ORDER BY n DESC, i LIMIT %d",
                 vis, TOP_CANDIDATES);
    } else {
        /* 7 and 30 days: whole UTC days of the daily counters. */
        np = 9;
        snprintf(sql, sizeof sql,
                 "SELECT g.indicator_id AS i, SUM(g.count) AS n, COUNT(DISTINCT g.org_id),"
                 " COUNT(DISTINCT g.sector), MIN(g.severity) FROM sighting_indicator_days g WHERE"
                 " g.day >= $8 AND g.day <= $9 AND %s GROUP BY g.indicator_id"
                 " ORDER BY n DESC, i LIMIT %d",
                 vis, TOP_CANDIDATES);
    }
    if (hub_db_exec(req->db, sql, np, p, &r, err, sizeof err) == 0) {
        for (int i = 0; i < r.nrows; i++) {
            json_t *e = json_pack(
                "{s:s, s:I, s:I, s:I, s:s}", "indicator_id", hub_db_cell(&r, i, 0), "sightings",
                (json_int_t)hub_db_cell_i64(&r, i, 1), "organisations",
                (json_int_t)hub_db_cell_i64(&r, i, 2), "sectors",
                (json_int_t)hub_db_cell_i64(&r, i, 3), "severity",
                hub_severity_name(hub_db_cell_i64(&r, i, 4)));
            indicator_facts(req, hub_db_cell(&r, i, 0), e);
            const char *pt = json_string_value(json_object_get(e, "pattern_type"));
            json_t *to = pt && strcmp(pt, "suricata") == 0 ? top_sig : top_ind;
            if (json_array_size(to) < TOP_SHOWN)
                json_array_append(to, e);
            json_decref(e);
        }
    }
    hub_db_result_free(&r);

    /* Every sector is listed, with zeros where nothing visible was seen:
     * for the coordinator each sector that has organisations, for an
     * organisation its own (plus any sector seen above). */
    if (caller->org.coordinator &&
        hub_db_exec(req->db, "SELECT DISTINCT sector FROM orgs ORDER BY sector", 0, NULL, &r,
                    err, sizeof err) == 0) {
        for (int i = 0; i < r.nrows; i++)
            sector_entry(sectors, hub_db_cell(&r, i, 0), rg->buckets);
    }
    if (caller->org.coordinator)
        hub_db_result_free(&r);
    sector_entry(sectors, caller->org.sector, rg->buckets);
    json_t *arr = json_array();
    const char *k;
    json_t *v;
    json_object_foreach(sectors, k, v) json_array_append(arr, v);
    json_decref(sectors);
    char ts[40], fs[40];
    hub_timestamp_format(now, ts, sizeof ts);
    hub_timestamp_format(start, fs, sizeof fs);
    hub_response_json(resp, 200, "application/json",
                      json_pack("{s:s, s:s, s:s, s:I, s:i, s:I, s:o, s:o, s:o}", "range", rg->name,
                                "from", fs, "until", ts, "bucket_seconds",
                                (json_int_t)(bucket / US_PER_S), "buckets", rg->buckets,
                                "sightings", total, "sectors", arr, "top_signatures", top_sig,
                                "top_indicators", top_ind));
    overview_store(req, rg, end_h, gen, resp);
}

/* Escapes LIKE wildcards of s (with '\' as the escape character). */
static char *like_pattern(const char *s)
{
    size_t n = strlen(s);
    char *out = malloc(2 * n + 3);
    if (!out)
        return NULL;
    size_t j = 0;
    out[j++] = '%';
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '%' || s[i] == '_' || s[i] == '\\')
            out[j++] = '\\';
        out[j++] = s[i];
    }
    out[j++] = '%';
    out[j] = 0;
    return out;
}

/* The value search of ?q=: an id is looked up by the id index; other text
 * in the name or pattern of indicators and reports. With SQLite a term of 3
 * characters or more that the trigram index (objects_fts, schema migration
 * 4) finds in fewer than SEARCH_DRIVE rows drives the query by those rows
 * (*by_ids: the type index is then not walked); a commoner term walks the
 * type index newest first, where matches come soon. PostgreSQL's planner
 * picks between pg_trgm's index on the same text and that walk itself. */
#define SEARCH_DRIVE 5000
#define SEARCH_TEXT_SQLITE                                                                         \
    "(coalesce(json_extract(o.body, '$.name'), '') || ' ' ||"                                      \
    " coalesce(json_extract(o.body, '$.pattern'), ''))"
#define SEARCH_TEXT_PG                                                                             \
    "(coalesce(o.body::jsonb ->> 'name', '') || ' ' || coalesce(o.body::jsonb ->> 'pattern', ''))"

static int search_filter(struct hub_request *req, struct query *q, struct query *w,
                         const char *text, bool *by_ids)
{
    const char *dash = strstr(text, "--");
    if (dash && dash > text &&
        strspn(text, "abcdefghijklmnopqrstuvwxyz-") >= (size_t)(dash - text)) {
        q_add(w, " AND o.stix_id = $%d", q_param(q, DB_TEXT(text)));
        return 0;
    }
    if (q->nowned >= 7)
        return -ENOMEM;
    char *like = like_pattern(text);
    if (!like)
        return -ENOMEM;
    q->owned[q->nowned++] = like;
    bool pg = hub_db_kind(req->server->db) == HUB_DB_POSTGRES;
    if (!pg && strlen(text) >= 3) {
        size_t n = strlen(text);
        char *phrase = malloc(2 * n + 3);
        if (!phrase)
            return -ENOMEM;
        size_t j = 0;
        phrase[j++] = '"';
        for (size_t i = 0; i < n; i++) {
            if (text[i] == '"')
                phrase[j++] = '"';
            phrase[j++] = text[i];
        }
        phrase[j++] = '"';
        phrase[j] = 0;
        q->owned[q->nowned++] = phrase;
        struct hub_db_param p[] = {DB_TEXT(phrase)};
        int64_t hits = SEARCH_DRIVE;
        char err[256];
        if (hub_db_query_i64(req->db,
                             "SELECT count(*) FROM (SELECT 1 FROM objects_fts WHERE objects_fts"
                             " MATCH $1 LIMIT 5000)", /* SEARCH_DRIVE */
                             1, p, 0, &hits, err, sizeof err) < 0)
            log_error("hub: search: %s", err);
        if (hits < SEARCH_DRIVE) {
            /* A trigram phrase matches exactly the texts containing it
             * (case-insensitively, as LIKE): no second test of each row. */
            *by_ids = true;
            q_add(w, " AND o.id IN (SELECT rowid FROM objects_fts WHERE objects_fts MATCH $%d)",
                  q_param(q, DB_TEXT(phrase)));
            return 0;
        }
    }
    q_add(w, " AND %s %s $%d ESCAPE '\\'", pg ? SEARCH_TEXT_PG : SEARCH_TEXT_SQLITE,
          pg ? "ILIKE" : "LIKE", q_param(q, DB_TEXT(like)));
    return 0;
}

/* Collection rows looked up once per request. */
struct coll_cache {
    struct hub_collection c[16];
    int n;
};

static const struct hub_collection *coll_cached(struct hub_request *req, struct coll_cache *cc,
                                                const char *id)
{
    for (int i = 0; i < cc->n; i++)
        if (strcmp(cc->c[i].id, id) == 0)
            return &cc->c[i];
    static _Thread_local struct hub_collection spare;
    struct hub_collection *slot = cc->n < 16 ? &cc->c[cc->n] : &spare;
    char err[256];
    if (hub_collection_get(req->db, id, slot, err, sizeof err) < 0)
        return NULL;
    if (slot != &spare)
        cc->n++;
    return slot;
}

/* Summary of a visible object body for the search list. */
static json_t *object_summary(const char *body)
{
    json_t *o = json_loads(body, 0, NULL);
    if (!o)
        return NULL;
    json_t *s = json_object();
    static const char *const keys[] = {"name",    "pattern",    "pattern_type", "valid_from",
                                       "created", "modified",   "revoked",      "indicator_types",
                                       "labels",  "report_types", "published",  "description"};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        json_t *v = json_object_get(o, keys[i]);
        if (v)
            json_object_set(s, keys[i], v);
    }
    json_decref(o);
    return s;
}

void dash_indicators(struct hub_request *req, struct hub_response *resp)
{
    if (!dash_role_ok(req, resp))
        return;
    const struct hub_caller *caller = &req->caller;
    struct query q = {0};
    char vis[1400];
    int porg = q_param(&q, DB_INT(caller->org.id));
    int psec = q_param(&q, DB_TEXT(caller->org.sector));
    object_visibility(vis, sizeof vis, caller, porg, psec);
    /* The filters go into w; the statement is assembled below, one SELECT
     * per type walking the (type, date_added) index newest first and
     * stopping at the limit, rather than sorting every visible row. */
    struct query w = {0};
    bool by_ids = false;
    q_add(&w, " AND %s", vis);
    const char *type = hub_request_arg(req, "type");
    if (type && *type && strcmp(type, "indicator") && strcmp(type, "report")) {
        q_free(&q);
        hub_response_error(resp, 400, "Bad request", "type '%s': indicator or report", type);
        return;
    }
    const char *tlp = hub_request_arg(req, "tlp");
    if (tlp && *tlp) {
        const char *t = hub_tlp_canonical(tlp);
        if (!t) {
            q_free(&q);
            hub_response_error(resp, 400, "Bad request", "tlp '%s': not a TLP", tlp);
            return;
        }
        q_add(&w, " AND o.tlp = $%d", q_param(&q, DB_TEXT(t)));
    }
    const char *sector = hub_request_arg(req, "sector");
    if (sector && *sector)
        q_add(&w, " AND (c.sector = $%d OR pr.sector = $%d)", q_param(&q, DB_TEXT(sector)),
              q.n);
    static const char *const bounds[] = {"since", "until"};
    for (int b = 0; b < 2; b++) {
        const char *a = hub_request_arg(req, bounds[b]);
        if (!a || !*a)
            continue;
        int64_t t;
        if (hub_timestamp_parse(a, &t) < 0) {
            q_free(&q);
            hub_response_error(resp, 400, "Bad request", "%s '%s': not a timestamp", bounds[b],
                               a);
            return;
        }
        q_add(&w, " AND o.date_added %s $%d", b == 0 ? ">=" : "<=", q_param(&q, DB_INT(t)));
    }
    const char *text = hub_request_arg(req, "q");
    if (text && *text) {
        if (strlen(text) > 200) {
            q_free(&q);
            hub_response_error(resp, 400, "Bad request", "q: at most 200 characters");
            return;
        }
        if (search_filter(req, &q, &w, text, &by_ids) < 0) {
            q_free(&q);
            q_free(&w);
            storage_error(resp, "search", "out of memory");
            return;
        }
    }
    long limit = 50;
    const char *l = hub_request_arg(req, "limit");
    if (l) {
        char *e;
        limit = strtol(l, &e, 10);
        if (e == l || *e || limit < 1 || limit > 500) {
            q_free(&q);
            hub_response_error(resp, 400, "Bad request", "limit '%s': expected 1..500", l);
            return;
        }
    }
    /* Copies of one id in several collections come out once (the first,
     * newest); the extra rows fetched cover them. */
    static const char *const types[] = {"indicator", "report"};
    int nsel = 0;
    for (int t = 0; t < 2; t++) {
        if (type && *type && strcmp(type, types[t]) != 0)
            continue;
        q_add(&q,
              "%sSELECT * FROM (SELECT o.stix_id, o.type, o.tlp, o.body, o.gtlp, o.producer_org,"
              " o.id, o.coll, o.date_added, o.revoked, c.title, pr.name, pr.sector FROM objects o"
              " JOIN collections c ON c.id = o.coll LEFT JOIN orgs pr ON pr.id = o.producer_org"
              " WHERE %so.type = '%s' AND o.is_latest = 1%s ORDER BY o.date_added DESC LIMIT %ld)"
              " AS t%d",
              nsel ? " UNION ALL " : "", by_ids ? "+" : "", types[t], w.sql, limit * 2, t);
        nsel++;
    }
    q_add(&q, " ORDER BY 9 DESC LIMIT %ld", limit * 2);
    q.overflow = q.overflow || w.overflow;
    q_free(&w);
    struct hub_db_result r;
    char err[512];
    if (q.overflow ||
        hub_db_exec_once(req->db, q.sql, q.n, q.params, &r, err, sizeof err) < 0) {
        if (!q.overflow)
            hub_db_result_free(&r);
        q_free(&q);
        storage_error(resp, "search", q.overflow ? "query too long" : err);
        return;
    }
    q_free(&q);
    json_t *arr = json_array(), *seen = json_object();
    struct coll_cache cc = {0};
    for (int i = 0; i < r.nrows && (long)json_array_size(arr) < limit; i++) {
        const char *id = hub_db_cell(&r, i, 0);
        if (json_object_get(seen, id))
            continue;
        const struct hub_collection *coll = coll_cached(req, &cc, hub_db_cell(&r, i, 7));
        char *owned = NULL;
        const char *body = coll ? hub_taxii_visible_body(req, coll, &r, i, &owned) : NULL;
        json_t *sum = body ? object_summary(body) : NULL;
        free(owned);
        if (!sum)
            continue;
        json_object_set_new(seen, id, json_true());
        char added[40];
        hub_timestamp_format(hub_db_cell_i64(&r, i, 8), added, sizeof added);
        json_object_set_new(sum, "id", hub_json_str(id));
        json_object_set_new(sum, "type", hub_json_str(hub_db_cell(&r, i, 1)));
        json_object_set_new(sum, "tlp", hub_json_str(hub_db_cell(&r, i, 2)));
        json_object_set_new(sum, "collection", hub_json_str(hub_db_cell(&r, i, 10)));
        json_object_set_new(sum, "date_added", hub_json_str(added));
        if (hub_db_cell(&r, i, 11))
            json_object_set_new(sum, "producer", hub_json_str(hub_db_cell(&r, i, 11)));
        if (hub_db_cell(&r, i, 12))
            json_object_set_new(sum, "producer_sector", hub_json_str(hub_db_cell(&r, i, 12)));
        json_array_append_new(arr, sum);
    }
    json_decref(seen);
    hub_db_result_free(&r);
    hub_response_json(resp, 200, "application/json", json_pack("{s:o}", "results", arr));
}

void dash_indicator(struct hub_request *req, struct hub_response *resp)
{
    if (!dash_role_ok(req, resp))
        return;
    const struct hub_caller *caller = &req->caller;
    const char *id = hub_request_param(req, "object");
    char vis[1400], sql[2400], err[512];
    object_visibility(vis, sizeof vis, caller, 2, 3);
    snprintf(sql, sizeof sql,
             "SELECT o.stix_id, o.type, o.tlp, o.body, o.gtlp, o.producer_org, o.id, o.coll,"
             " o.date_added, o.revoked, c.title, c.kind, pr.name FROM objects o"
             " JOIN collections c ON c.id = o.coll LEFT JOIN orgs pr ON pr.id = o.producer_org"
             " WHERE o.stix_id = $1 AND o.is_latest = 1 AND %s ORDER BY o.date_added DESC"
             " LIMIT 50",
             vis);
    struct hub_db_param p[] = {DB_TEXT(id), DB_INT(caller->org.id), DB_TEXT(caller->org.sector)};
    struct hub_db_result r;
    if (hub_db_exec(req->db, sql, 3, p, &r, err, sizeof err) < 0) {
        hub_db_result_free(&r);
        storage_error(resp, "detail", err);
        return;
    }
    json_t *object = NULL, *colls = json_array();
    struct coll_cache cc = {0};
    const char *producer = NULL;
    bool own = false;
    for (int i = 0; i < r.nrows; i++) {
        const struct hub_collection *coll = coll_cached(req, &cc, hub_db_cell(&r, i, 7));
        char *owned = NULL;
        const char *body = coll ? hub_taxii_visible_body(req, coll, &r, i, &owned) : NULL;
        if (body && !object) {
            object = json_loads(body, 0, NULL);
            producer = hub_db_cell(&r, i, 12);
            own = hub_db_cell_i64(&r, i, 5) == caller->org.id;
        }
        free(owned);
        if (body)
            json_array_append_new(colls, json_pack("{s:s, s:s, s:s, s:b}", "id",
                                                   hub_db_cell(&r, i, 7), "title",
                                                   hub_db_cell(&r, i, 10), "tlp",
                                                   hub_db_cell(&r, i, 2), "can_write",
                                                   coll && hub_collection_can_write(coll, caller)));
    }
    json_t *out = NULL;
    if (object) {
        out = json_pack("{s:o, s:o, s:b}", "object", object, "collections", colls, "own", own);
        colls = NULL;
        if (producer)
            json_object_set_new(out, "producer", hub_json_str(producer));
    }
    json_decref(colls);
    hub_db_result_free(&r);
    if (!out) {
        hub_response_error(resp, 404, "Not found", "no object %s", id);
        return;
    }
    /* Sightings per sector, as the caller may see them. */
    snprintf(sql, sizeof sql,
             "SELECT g.sector, SUM(g.count), MIN(g.seen), MAX(g.seen), COUNT(DISTINCT g.org_id)"
             " FROM sightings g WHERE g.indicator_id = $3 AND %s GROUP BY g.sector"
             " ORDER BY g.sector",
             hub_sighting_visibility(caller));
    struct hub_db_param ps[] = {DB_INT(caller->org.id), DB_TEXT(caller->org.sector), DB_TEXT(id)};
    json_t *per = json_array();
    json_int_t total = 0;
    if (hub_db_exec(req->db, sql, 3, ps, &r, err, sizeof err) == 0) {
        for (int i = 0; i < r.nrows; i++) {
            char f[40], l[40];
            hub_timestamp_format(hub_db_cell_i64(&r, i, 2), f, sizeof f);
            hub_timestamp_format(hub_db_cell_i64(&r, i, 3), l, sizeof l);
            json_int_t n = hub_db_cell_i64(&r, i, 1);
            total += n;
            json_array_append_new(per, json_pack("{s:s, s:I, s:s, s:s, s:I}", "sector",
                                                 hub_db_cell(&r, i, 0), "sightings", n,
                                                 "first_seen", f, "last_seen", l, "organisations",
                                                 (json_int_t)hub_db_cell_i64(&r, i, 4)));
        }
    }
    hub_db_result_free(&r);
    json_object_set_new(out, "sightings", json_integer(total));
    json_object_set_new(out, "sightings_by_sector", per);
    hub_response_json(resp, 200, "application/json", out);
}

/* Sensors: what they send is their EVE reports (POST /api/v1/eve): each
 * report updates the token's row of sensor_status (last report, totals,
 * the latest capture counters of a stats event, the User-Agent that names
 * the sensor's version) and is audited with the token that sent it
 * ("..., token tok-..."), which gives the last hour's alert rate through the
 * partial index on report rows. A sensor is one sensor token. The caller
 * sees its own organisation's sensors, the coordinator all. Silent: no
 * report for an hour. */
void dash_sensors(struct hub_request *req, struct hub_response *resp)
{
    if (!dash_role_ok(req, resp))
        return;
    const struct hub_caller *caller = &req->caller;
    int64_t now = hub_now_us(), hour = now - 3600 * US_PER_S;
    struct hub_db_param p[] = {DB_INT(caller->org.id), DB_INT(caller->org.coordinator ? 1 : 0),
                               DB_INT(hour)};
    struct hub_db_result r, a;
    char err[512];
    if (hub_db_exec(req->db,
                    "SELECT t.hash, o.name, t.created, t.revoked, s.last_report, s.reports,"
                    " s.alerts, s.kernel_packets, s.kernel_drops, s.agent"
                    " FROM tokens t JOIN orgs o ON o.id = t.org_id LEFT JOIN sensor_status s"
                    " ON s.token_id = 'tok-' || SUBSTR(t.hash, 1, 16) WHERE t.role = 'sensor'"
                    " AND (t.org_id = $1 OR $2 = 1) ORDER BY o.name, t.id",
                    2, p, &r, err, sizeof err) < 0) {
        hub_db_result_free(&r);
        storage_error(resp, "sensors", err);
        return;
    }
    /* The last hour's reports, for the alert rate. */
    if (hub_db_exec(req->db,
                    "SELECT a.detail FROM audit a WHERE a.action = 'report' AND a.ts >= $3"
                    " AND (a.org_id = $1 OR $2 = 1) AND a.role = 'sensor'",
                    3, p, &a, err, sizeof err) < 0) {
        hub_db_result_free(&a);
        a.nrows = 0;
    }
    json_t *arr = json_array();
    for (int i = 0; i < r.nrows; i++) {
        char id[24], created[40];
        hub_token_id_of_hash(hub_db_cell(&r, i, 0), id);
        hub_timestamp_format(hub_db_cell_i64(&r, i, 2), created, sizeof created);
        long reports = 0, alerts = 0;
        for (int j = 0; j < a.nrows; j++) {
            const char *d = hub_db_cell(&a, j, 0);
            const char *t = d ? strstr(d, "token ") : NULL;
            long n;
            if (!t || strcmp(t + 6, id) != 0 || sscanf(d, "eve: %ld alerts", &n) != 1)
                continue;
            reports++;
            alerts += n;
        }
        json_t *e = json_pack("{s:s, s:s, s:s, s:b, s:I, s:I}", "sensor", id, "organisation",
                              hub_db_cell(&r, i, 1), "created", created, "revoked",
                              hub_db_cell_i64(&r, i, 3) != 0, "reports_last_hour",
                              (json_int_t)reports, "alerts_last_hour", (json_int_t)alerts);
        if (hub_db_cell(&r, i, 4)) {
            int64_t last = hub_db_cell_i64(&r, i, 4);
            char ts[40];
            hub_timestamp_format(last, ts, sizeof ts);
            json_object_set_new(e, "last_report", hub_json_str(ts));
            json_object_set_new(e, "silent", json_boolean(last < hour));
            json_object_set_new(e, "reports", json_integer(hub_db_cell_i64(&r, i, 5)));
            json_object_set_new(e, "alerts", json_integer(hub_db_cell_i64(&r, i, 6)));
            if (hub_db_cell(&r, i, 7))
                json_object_set_new(e, "kernel_packets", json_integer(hub_db_cell_i64(&r, i, 7)));
            if (hub_db_cell(&r, i, 8))
                json_object_set_new(e, "kernel_drops", json_integer(hub_db_cell_i64(&r, i, 8)));
            if (hub_db_cell(&r, i, 9))
                json_object_set_new(e, "version", hub_json_str(hub_db_cell(&r, i, 9)));
        } else {
            json_object_set_new(e, "silent", json_true());
        }
        json_array_append_new(arr, e);
    }
    hub_db_result_free(&a);
    hub_db_result_free(&r);
    hub_response_json(resp, 200, "application/json", json_pack("{s:o}", "sensors", arr));
}
