/* SPDX-License-Identifier: Apache-2.0 */
/* Risk views: GET /api/v1/risk, GET /api/v1/incidents and GET /api/v1/audit. Every aggregate counts
 * only the sightings the caller may see under the TLP policy. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hub/hub_handlers.h"
#include "hub/hub_risk.h"
#include "hub/hub_tlp.h"
#include "hub/hub_util.h"
#include "util/log.h"

const char *hub_severity_name(int64_t sev)
{
    switch (sev) {
    case 1:
        return "high";
    case 2:
        return "medium";
    case 3:
        return "low";
    default:
        return "unknown";
    }
}

/* SQL condition over sightings alias "g" for what the caller may see: its
 * own, CLEAR/GREEN, and AMBER in collections it is a member of (all, for
 * the coordinator). RED sightings count only for their producer. Placeholders
 * $1 = caller org id, $2 = caller sector. */
const char *hub_sighting_visibility(const struct hub_caller *caller)
{
    if (caller->org.coordinator)
        return "(g.org_id = $1 OR g.tlp IN ('clear', 'green', 'amber', 'amber+strict'))";
    return "(g.org_id = $1 OR g.tlp IN ('clear', 'green') OR (g.tlp IN ('amber', 'amber+strict')"
           " AND g.coll IN (SELECT c.id FROM collections c WHERE c.kind = 'national'"
           " OR (c.kind = 'sector' AND c.sector = $2) OR (c.kind = 'org' AND c.org_id = $1))))";
}

/* Indicator display name from any stored copy the caller may see. */
json_t *hub_indicator_name(struct hub_request *req, const char *indicator_id)
{
    struct hub_db_param p[] = {DB_TEXT(indicator_id), DB_INT(req->caller.org.id)};
    struct hub_db_result r;
    char err[256];
    json_t *name = NULL;
    char sql[1024];
    char vis[512];
    /* Membership differs per collection; the conservative test (non-member)
     * plus the caller's own copies is enough for a display name. */
    hub_tlp_sql(vis, sizeof vis, false, &req->caller, 2);
    snprintf(sql, sizeof sql, "SELECT o.body FROM objects o WHERE o.stix_id = $1 AND %s LIMIT 1",
             vis);
    if (hub_db_exec(req->db, sql, 2, p, &r, err, sizeof err) == 0 && r.nrows > 0) {
        json_t *o = json_loads(hub_db_cell(&r, 0, 0), 0, NULL);
        const char *n = json_string_value(json_object_get(o, "name"));
        if (n)
            name = hub_json_str(n);
        json_decref(o);
    }
    hub_db_result_free(&r);
    return name;
}

void risk_get(struct hub_request *req, struct hub_response *resp)
{
    const struct hub_caller *caller = &req->caller;
    int64_t now = hub_now_us();
    /* ?until=T moves the end of the 24 h / 7 d windows, e.g. to look at a
     * replayed capture. */
    const char *until = hub_request_arg(req, "until");
    if (until && hub_timestamp_parse(until, &now) < 0) {
        hub_response_error(resp, 400, "Bad request", "until '%s': not a timestamp", until);
        return;
    }
    int64_t d1 = now - 86400LL * 1000000, d7 = now - 7 * 86400LL * 1000000;
    char sql[2048], err[512];
    const char *vis = hub_sighting_visibility(caller);
    struct hub_db_param p[] = {DB_INT(caller->org.id), DB_TEXT(caller->org.sector), DB_INT(d1),
                               DB_INT(d7), DB_INT(now)};
    struct hub_db_result r;
    snprintf(sql, sizeof sql,
             "SELECT g.sector, g.severity, SUM(CASE WHEN g.seen >= $3 THEN g.count ELSE 0 END),"
             " SUM(CASE WHEN g.seen >= $4 THEN g.count ELSE 0 END) FROM sightings g"
             " WHERE g.seen >= $4 AND g.seen <= $5 AND %s GROUP BY g.sector, g.severity"
             " ORDER BY g.sector",
             vis);
    if (hub_db_exec(req->db, sql, 5, p, &r, err, sizeof err) < 0) {
        hub_db_result_free(&r);
        log_error("hub: risk: %s", err);
        hub_response_error(resp, 500, "Internal error", "storage error");
        return;
    }
    json_t *sectors = json_object();
    for (int i = 0; i < r.nrows; i++) {
        const char *sector = hub_db_cell(&r, i, 0);
        json_t *sec = json_object_get(sectors, sector);
        if (!sec) {
            sec = json_pack("{s:s, s:{s:i, s:i, s:i, s:i}, s:{s:i, s:i, s:i, s:i}, s:i, s:[]}",
                            "sector", sector, "sightings_24h", "high", 0, "medium", 0, "low", 0,
                            "unknown", 0, "sightings_7d", "high", 0, "medium", 0, "low", 0,
                            "unknown", 0, "organisations_affected", 0, "top_indicators");
            json_object_set_new(sectors, sector, sec);
        }
        const char *sev = hub_severity_name(hub_db_cell_i64(&r, i, 1));
        json_object_set_new(json_object_get(sec, "sightings_24h"), sev,
                            json_integer(hub_db_cell_i64(&r, i, 2)));
        json_object_set_new(json_object_get(sec, "sightings_7d"), sev,
                            json_integer(hub_db_cell_i64(&r, i, 3)));
    }
    hub_db_result_free(&r);
    snprintf(sql, sizeof sql,
             "SELECT g.sector, COUNT(DISTINCT g.org_id) FROM sightings g WHERE g.seen >= $3"
             " AND g.seen <= $4 AND %s GROUP BY g.sector",
             vis);
    struct hub_db_param p3[] = {DB_INT(caller->org.id), DB_TEXT(caller->org.sector), DB_INT(d7),
                                DB_INT(now)};
    if (hub_db_exec(req->db, sql, 4, p3, &r, err, sizeof err) == 0) {
        for (int i = 0; i < r.nrows; i++) {
            json_t *sec = json_object_get(sectors, hub_db_cell(&r, i, 0));
            if (sec)
                json_object_set_new(sec, "organisations_affected",
                                    json_integer(hub_db_cell_i64(&r, i, 1)));
        }
    }
    hub_db_result_free(&r);
    snprintf(sql, sizeof sql,
             "SELECT g.sector, g.indicator_id, SUM(g.count) AS n, COUNT(DISTINCT g.org_id)"
             " FROM sightings g WHERE g.seen >= $3 AND g.seen <= $4 AND %s"
             " GROUP BY g.sector, g.indicator_id"
             " ORDER BY g.sector, n DESC, g.indicator_id",
             vis);
    if (hub_db_exec(req->db, sql, 4, p3, &r, err, sizeof err) == 0) {
        for (int i = 0; i < r.nrows; i++) {
            json_t *sec = json_object_get(sectors, hub_db_cell(&r, i, 0));
            json_t *top = json_object_get(sec, "top_indicators");
            if (!top || json_array_size(top) >= 10)
                continue;
            json_t *e = json_pack("{s:s, s:I, s:I}", "indicator_id", hub_db_cell(&r, i, 1),
                                  "sightings", (json_int_t)hub_db_cell_i64(&r, i, 2),
                                  "organisations", (json_int_t)hub_db_cell_i64(&r, i, 3));
            json_t *name = hub_indicator_name(req, hub_db_cell(&r, i, 1));
            if (name)
                json_object_set_new(e, "name", name);
            json_array_append_new(top, e);
        }
    }
    hub_db_result_free(&r);
    json_t *arr = json_array();
    const char *k;
    json_t *v;
    json_object_foreach(sectors, k, v) json_array_append(arr, v);
    json_decref(sectors);
    char ts[40];
    hub_timestamp_format(now, ts, sizeof ts);
    hub_response_json(resp, 200, "application/json",
                      json_pack("{s:s, s:s, s:o}", "until", ts, "organisation", caller->org.name,
                                "sectors", arr));
}

#define INCIDENT_TIMELINE 25

/* The incident of row i of r (id, indicator_id, first_seen, last_seen,
 * created, updated, status) as the caller may see it, or NULL. An incident
 * is derived from its sightings and filtered by their TLP: the caller gets
 * it only when the sightings it may see come from two organisations or
 * more, and counts only those. */
static json_t *incident_view(struct hub_request *req, const struct hub_db_result *r, int i)
{
    const struct hub_caller *caller = &req->caller;
    char err[512], sql[2048];
    const char *vis = hub_sighting_visibility(caller);
    struct hub_db_param ps[] = {DB_INT(caller->org.id), DB_TEXT(caller->org.sector),
                                DB_TEXT(hub_db_cell(r, i, 1)), DB_INT(hub_db_cell_i64(r, i, 2)),
                                DB_INT(hub_db_cell_i64(r, i, 3))};
    /* The organisations behind the visible sightings (the covering index
     * sightings_incident answers it without reading table rows). */
    snprintf(sql, sizeof sql,
             "SELECT o.name, COUNT(*), SUM(g.count) FROM sightings g JOIN orgs o ON o.id ="
             " g.org_id WHERE g.indicator_id = $3 AND g.seen >= $4 AND g.seen <= $5 AND %s"
             " GROUP BY o.name ORDER BY o.name",
             vis);
    struct hub_db_result sr;
    if (hub_db_exec(req->db, sql, 5, ps, &sr, err, sizeof err) < 0 || sr.nrows < 2) {
        hub_db_result_free(&sr);
        return NULL;
    }
    json_t *names = json_array();
    json_int_t nsightings = 0;
    for (int j = 0; j < sr.nrows; j++) {
        json_array_append_new(names, hub_json_str(hub_db_cell(&sr, j, 0)));
        nsightings += hub_db_cell_i64(&sr, j, 1);
    }
    int norgs = sr.nrows;
    hub_db_result_free(&sr);
    char f[40], l[40], c[40], u[40];
    hub_timestamp_format(hub_db_cell_i64(r, i, 2), f, sizeof f);
    hub_timestamp_format(hub_db_cell_i64(r, i, 3), l, sizeof l);
    hub_timestamp_format(hub_db_cell_i64(r, i, 4), c, sizeof c);
    hub_timestamp_format(hub_db_cell_i64(r, i, 5), u, sizeof u);
    const char *status = hub_db_cell(r, i, 6);
    json_t *inc = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "id", hub_db_cell(r, i, 0),
                            "indicator_id", hub_db_cell(r, i, 1), "first_seen", f, "last_seen", l,
                            "created", c, "updated", u, "status", status ? status : "new");
    /* The timeline: the latest INCIDENT_TIMELINE visible sightings, oldest
     * first; sightings_total counts them all. */
    snprintf(sql, sizeof sql,
             "SELECT g.sighting_id, o.name, g.sector, g.severity, g.seen, g.count, g.tlp"
             " FROM sightings g JOIN orgs o ON o.id = g.org_id WHERE g.indicator_id = $3"
             " AND g.seen >= $4 AND g.seen <= $5 AND %s ORDER BY g.seen DESC LIMIT %d",
             vis, INCIDENT_TIMELINE);
    json_t *sightings = json_array();
    if (hub_db_exec(req->db, sql, 5, ps, &sr, err, sizeof err) == 0) {
        for (int j = sr.nrows - 1; j >= 0; j--) {
            char seen[40];
            hub_timestamp_format(hub_db_cell_i64(&sr, j, 4), seen, sizeof seen);
            json_array_append_new(
                sightings,
                json_pack("{s:s, s:s, s:s, s:s, s:s, s:I, s:s}", "sighting_id",
                          hub_db_cell(&sr, j, 0), "organisation", hub_db_cell(&sr, j, 1), "sector",
                          hub_db_cell(&sr, j, 2), "severity",
                          hub_severity_name(hub_db_cell_i64(&sr, j, 3)), "seen", seen, "count",
                          (json_int_t)hub_db_cell_i64(&sr, j, 5), "tlp", hub_db_cell(&sr, j, 6)));
        }
    }
    hub_db_result_free(&sr);
    json_object_set_new(inc, "organisations_affected", json_integer(norgs));
    json_object_set_new(inc, "organisations", names);
    json_object_set_new(inc, "sightings", sightings);
    json_object_set_new(inc, "sightings_total", json_integer(nsightings));
    json_t *name = hub_indicator_name(req, hub_db_cell(r, i, 1));
    if (name)
        json_object_set_new(inc, "indicator_name", name);
    return inc;
}

#define INCIDENT_COLUMNS                                                                           \
    "SELECT i.id, i.indicator_id, i.first_seen, i.last_seen, i.created, i.updated, i.status"      \
    " FROM incidents i"
/* The coordinator sees every incident, an organisation those it is part of. */
#define INCIDENT_MEMBER                                                                            \
    " EXISTS (SELECT 1 FROM incident_orgs x WHERE x.incident_id = i.id AND x.org_id = $1)"

void incidents_get(struct hub_request *req, struct hub_response *resp)
{
    const struct hub_caller *caller = &req->caller;
    char err[512];
    struct hub_db_result r;
    long limit = 500;
    const char *l = hub_request_arg(req, "limit");
    if (l) {
        char *e;
        limit = strtol(l, &e, 10);
        if (e == l || *e || limit < 1 || limit > 500) {
            hub_response_error(resp, 400, "Bad request", "limit '%s': expected 1..500", l);
            return;
        }
    }
    struct hub_db_param p[] = {DB_INT(caller->org.id), DB_INT(limit)};
    int rc = hub_db_exec(req->db,
                         caller->org.coordinator
                             ? INCIDENT_COLUMNS " WHERE $1 = $1 ORDER BY i.created DESC LIMIT $2"
                             : INCIDENT_COLUMNS " WHERE" INCIDENT_MEMBER
                                                " ORDER BY i.created DESC LIMIT $2",
                         2, p, &r, err, sizeof err);
    if (rc < 0) {
        hub_db_result_free(&r);
        log_error("hub: incidents: %s", err);
        hub_response_error(resp, 500, "Internal error", "storage error");
        return;
    }
    json_t *arr = json_array();
    for (int i = 0; i < r.nrows; i++) {
        json_t *inc = incident_view(req, &r, i);
        if (inc)
            json_array_append_new(arr, inc);
    }
    hub_db_result_free(&r);
    hub_response_json(resp, 200, "application/json", json_pack("{s:o}", "incidents", arr));
}

/* POST /api/v1/incidents/{incident}/status {"status": "investigating"}:
 * analysts of an organisation that may see the incident (the same check as
 * the listing) and the coordinator change its status; audited. */
void incident_status_post(struct hub_request *req, struct hub_response *resp)
{
    const struct hub_caller *caller = &req->caller;
    const char *id = hub_request_param(req, "incident");
    if (caller->role == HUB_ROLE_SENSOR) {
        hub_response_error(resp, 403, "Forbidden", "sensor tokens cannot change incidents");
        return;
    }
    json_t *doc = json_loadb(req->body, req->body_len, 0, NULL);
    const char *status = json_string_value(json_object_get(doc, "status"));
    if (!status || (strcmp(status, "new") && strcmp(status, "investigating") &&
                    strcmp(status, "closed"))) {
        json_decref(doc);
        hub_response_error(resp, 400, "Bad request",
                           "expected {\"status\": \"new\" | \"investigating\" | \"closed\"}");
        return;
    }
    char err[512];
    struct hub_db_param p[] = {DB_INT(caller->org.id), DB_TEXT(id)};
    struct hub_db_result r;
    int rc = hub_db_exec(req->db,
                         caller->org.coordinator
                             ? INCIDENT_COLUMNS " WHERE $1 = $1 AND i.id = $2"
                             : INCIDENT_COLUMNS " WHERE" INCIDENT_MEMBER " AND i.id = $2",
                         2, p, &r, err, sizeof err);
    json_t *inc = rc == 0 && r.nrows == 1 ? incident_view(req, &r, 0) : NULL;
    if (rc < 0 || !inc) {
        hub_db_result_free(&r);
        json_decref(doc);
        if (rc < 0)
            hub_response_error(resp, 500, "Internal error", "storage error");
        else
            hub_response_error(resp, 404, "Not found", "no incident %s", id);
        return;
    }
    char detail[64];
    const char *old = hub_db_cell(&r, 0, 6);
    snprintf(detail, sizeof detail, "status %s -> %s", old ? old : "new", status);
    struct hub_db_param pu[] = {DB_TEXT(status), DB_INT(hub_now_us()), DB_TEXT(id)};
    rc = hub_db_begin(req->db, err, sizeof err);
    if (rc == 0)
        rc = hub_db_exec(req->db, "UPDATE incidents SET status = $1, updated = $2 WHERE id = $3",
                         3, pu, NULL, err, sizeof err);
    if (rc == 0)
        rc = hub_audit_write(req->db, caller, "incident-status", NULL, id, NULL, detail);
    if (rc == 0)
        rc = hub_db_commit(req->db, err, sizeof err);
    else
        hub_db_rollback(req->db);
    hub_db_result_free(&r);
    if (rc < 0) {
        json_decref(doc);
        json_decref(inc);
        log_error("hub: incident status: %s", err);
        hub_response_error(resp, 500, "Internal error", "storage error");
        return;
    }
    json_object_set_new(inc, "status", hub_json_str(status));
    json_decref(doc);
    hub_response_json(resp, 200, "application/json", inc);
}

void audit_get(struct hub_request *req, struct hub_response *resp)
{
    const struct hub_caller *caller = &req->caller;
    if (caller->role != HUB_ROLE_ADMIN) {
        hub_response_error(resp, 403, "Forbidden", "the audit log is for admin tokens");
        return;
    }
    long limit = 100;
    const char *l = hub_request_arg(req, "limit");
    if (l) {
        char *e;
        limit = strtol(l, &e, 10);
        if (e == l || *e || limit < 1 || limit > 10000) {
            hub_response_error(resp, 400, "Bad request", "limit '%s': expected 1..10000", l);
            return;
        }
    }
    /* An organisation's admin sees its own organisation's entries; the
     * coordinator's admin sees all. */
    struct hub_db_param p[] = {DB_INT(caller->org.id), DB_INT(caller->org.coordinator ? 1 : 0),
                               DB_INT(limit)};
    struct hub_db_result r;
    char err[256];
    if (hub_db_exec(req->db,
                    "SELECT a.ts, o.name, a.role, a.action, a.coll, a.stix_id, a.tlp, a.detail"
                    " FROM audit a LEFT JOIN orgs o ON o.id = a.org_id WHERE (a.org_id = $1 OR"
                    " $2 = 1) ORDER BY a.id DESC LIMIT $3",
                    3, p, &r, err, sizeof err) < 0) {
        hub_db_result_free(&r);
        hub_response_error(resp, 500, "Internal error", "storage error");
        return;
    }
    json_t *arr = json_array();
    static const char *const keys[] = {"ts",         "organisation", "role", "action",
                                       "collection", "object",       "tlp",  "detail"};
    for (int i = 0; i < r.nrows; i++) {
        json_t *e = json_object();
        /* Entries about another organisation's TLP:RED objects say what was
         * done, not to which object: RED stays with its recipients, the
         * coordinator's admin included. */
        const char *etlp = hub_db_cell(&r, i, 6);
        bool withheld = etlp && strcmp(etlp, "red") == 0 &&
                        strcmp(hub_db_cell(&r, i, 1) ? hub_db_cell(&r, i, 1) : "",
                               caller->org.name) != 0;
        if (withheld)
            json_object_set_new(e, "object_withheld", json_true());
        for (int j = 0; j < 8; j++) {
            const char *v = hub_db_cell(&r, i, j);
            if (!v || (withheld && (j == 5 || j == 7)))
                continue;
            if (j == 0) {
                char ts[40];
                hub_timestamp_format(hub_db_cell_i64(&r, i, 0), ts, sizeof ts);
                json_object_set_new(e, keys[j], hub_json_str(ts));
            } else {
                json_object_set_new(e, keys[j], hub_json_str(v));
            }
        }
        json_array_append_new(arr, e);
    }
    hub_db_result_free(&r);
    hub_response_json(resp, 200, "application/json", json_pack("{s:o}", "entries", arr));
}
