/* SPDX-License-Identifier: Apache-2.0 */
/* Risk reporting: EVE alert ingestion (POST /api/v1/eve), cross-organisation
 * correlation into incidents, and the dashboard endpoints GET /api/v1/risk,
 * GET /api/v1/incidents and GET /api/v1/audit. Every aggregate counts only
 * the sightings the caller may see under the TLP policy. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hub/eve_ingest.h"
#include "hub/hub_intel.h"
#include "hub/hub_server.h"
#include "hub/hub_tlp.h"
#include "hub/hub_util.h"
#include "hub/stix_validate.h"
#include "util/log.h"

#define EVE_LINE_ERRORS_MAX 50

static const char *severity_name(int64_t sev)
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

int hub_risk_correlate(struct hub_server *s, struct hub_db_conn *c, const char *indicator_id,
                       int64_t seen_us, char *err, size_t errlen)
{
    int64_t w = s->cfg.correlation_window_us;
    struct hub_db_param p[] = {DB_TEXT(indicator_id), DB_INT(seen_us - w), DB_INT(seen_us + w)};
    struct hub_db_result orgs;
    int rc = hub_db_exec(c,
                         "SELECT org_id, MIN(seen), MAX(seen) FROM sightings WHERE indicator_id = $1"
                         " AND seen >= $2 AND seen <= $3 GROUP BY org_id",
                         3, p, &orgs, err, errlen);
    if (rc < 0 || orgs.nrows < 2) {
        hub_db_result_free(&orgs);
        return rc;
    }
    int64_t first = INT64_MAX, last = INT64_MIN;
    for (int i = 0; i < orgs.nrows; i++) {
        int64_t a = hub_db_cell_i64(&orgs, i, 1), b = hub_db_cell_i64(&orgs, i, 2);
        first = a < first ? a : first;
        last = b > last ? b : last;
    }
    /* An open incident on this indicator overlapping the window is extended;
     * otherwise a new one is raised. */
    struct hub_db_param pi[] = {DB_TEXT(indicator_id), DB_INT(seen_us - w), DB_INT(seen_us + w)};
    struct hub_db_result inc;
    rc = hub_db_exec(c,
                     "SELECT id, first_seen, last_seen FROM incidents WHERE indicator_id = $1"
                     " AND last_seen >= $2 AND first_seen <= $3 ORDER BY created LIMIT 1",
                     3, pi, &inc, err, errlen);
    char id[64];
    int64_t now = hub_now_us();
    if (rc == 0 && inc.nrows > 0) {
        snprintf(id, sizeof id, "%s", hub_db_cell(&inc, 0, 0));
        int64_t f = hub_db_cell_i64(&inc, 0, 1), l = hub_db_cell_i64(&inc, 0, 2);
        struct hub_db_param pu[] = {DB_INT(first < f ? first : f), DB_INT(last > l ? last : l),
                                    DB_INT(now), DB_TEXT(id)};
        rc = hub_db_exec(c,
                         "UPDATE incidents SET first_seen = $1, last_seen = $2, updated = $3"
                         " WHERE id = $4",
                         4, pu, NULL, err, errlen);
    } else if (rc == 0) {
        char uuid[37];
        hub_uuid4(uuid);
        snprintf(id, sizeof id, "incident--%s", uuid);
        struct hub_db_param pn[] = {DB_TEXT(id), DB_TEXT(indicator_id), DB_INT(first),
                                    DB_INT(last), DB_INT(now)};
        rc = hub_db_exec(c,
                         "INSERT INTO incidents (id, indicator_id, first_seen, last_seen, created,"
                         " updated) VALUES ($1, $2, $3, $4, $5, $5)",
                         5, pn, NULL, err, errlen);
    }
    hub_db_result_free(&inc);
    for (int i = 0; rc == 0 && i < orgs.nrows; i++) {
        struct hub_db_param po[] = {DB_TEXT(id), DB_INT(hub_db_cell_i64(&orgs, i, 0))};
        rc = hub_db_exec(c,
                         "INSERT INTO incident_orgs (incident_id, org_id) VALUES ($1, $2)"
                         " ON CONFLICT DO NOTHING",
                         2, po, NULL, err, errlen);
    }
    hub_db_result_free(&orgs);
    return rc;
}

/* SQL condition over sightings alias "g" for what the caller may see: its
 * own, CLEAR/GREEN, and AMBER in collections it is a member of (all, for
 * the coordinator). RED sightings count only for their producer. Placeholders
 * $1 = caller org id, $2 = caller sector. */
static const char *sighting_visibility(const struct hub_caller *caller)
{
    if (caller->org.coordinator)
        return "(g.org_id = $1 OR g.tlp IN ('clear', 'green', 'amber', 'amber+strict'))";
    return "(g.org_id = $1 OR g.tlp IN ('clear', 'green') OR (g.tlp IN ('amber', 'amber+strict')"
           " AND g.coll IN (SELECT c.id FROM collections c WHERE c.kind = 'national'"
           " OR (c.kind = 'sector' AND c.sector = $2) OR (c.kind = 'org' AND c.org_id = $1))))";
}

static void handle_eve(struct hub_request *req, struct hub_response *resp)
{
    struct hub_server *s = req->server;
    const struct hub_caller *caller = &req->caller;
    const char *ct = hub_request_header(req, "Content-Type");
    if (!ct || (strncmp(ct, "application/x-ndjson", 20) != 0 &&
                strncmp(ct, "application/json", 16) != 0 &&
                strncmp(ct, "application/jsonl", 17) != 0)) {
        hub_response_error(resp, 415, "Unsupported media type",
                           "Content-Type must be application/x-ndjson (one EVE event per line)");
        return;
    }
    const char *tlp = "amber";
    const char *tlp_arg = hub_request_arg(req, "tlp");
    if (tlp_arg) {
        tlp = hub_tlp_canonical(tlp_arg);
        if (!tlp) {
            hub_response_error(resp, 400, "Bad request",
                               "tlp '%s': expected clear, green, amber, amber+strict or red",
                               tlp_arg);
            return;
        }
    }
    const char *marking = stix_tlp2_marking_id(tlp);
    /* The organisation's own collection receives its reports. */
    struct hub_db_result cr;
    char err[512];
    struct hub_db_param pc[] = {DB_INT(caller->org.id)};
    int rc = hub_db_exec(req->db, "SELECT id FROM collections WHERE kind = 'org' AND org_id = $1",
                         1, pc, &cr, err, sizeof err);
    struct hub_collection coll;
    if (rc == 0 && cr.nrows == 1)
        rc = hub_collection_get(req->db, hub_db_cell(&cr, 0, 0), &coll, err, sizeof err);
    else if (rc == 0)
        rc = -ENOENT;
    hub_db_result_free(&cr);
    if (rc < 0) {
        log_error("hub: eve: organisation collection: %s", err);
        hub_response_error(resp, 500, "Internal error", "storage error");
        return;
    }

    /* Count lines first so that date_added values are reserved in one go. */
    size_t nlines = 0;
    for (size_t i = 0; i < req->body_len; i++)
        if (req->body[i] == '\n')
            nlines++;
    nlines++;
    rc = hub_db_begin(req->db, err, sizeof err);
    int64_t first_added = 0;
    if (rc == 0)
        rc = hub_clock_reserve(req->db, (int64_t)nlines * 2, &first_added, err, sizeof err);
    json_t *errors = json_array();
    long lines = 0, alerts = 0, stored = 0, skipped = 0, failed = 0;
    const char *p = req->body, *end = req->body + req->body_len;
    size_t lineno = 0;
    while (rc == 0 && p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
        const char *line = p;
        p = nl ? nl + 1 : end;
        lineno++;
        while (len && (line[len - 1] == '\r' || line[len - 1] == ' '))
            len--;
        if (len == 0)
            continue;
        lines++;
        char msg[512] = "";
        json_error_t jerr;
        json_t *ev = json_loadb(line, len, 0, &jerr);
        if (!json_is_object(ev)) {
            snprintf(msg, sizeof msg, "line %zu: invalid JSON: %s", lineno,
                     ev ? "not an object" : jerr.text);
        } else {
            const char *et = json_string_value(json_object_get(ev, "event_type"));
            if (!et || strcmp(et, "alert") != 0) {
                skipped++;
                json_decref(ev);
                continue;
            }
            alerts++;
            /* an alert of a shared indicator: a sighting of that indicator */
            int irc = hub_intel_sighting(s, req->db, caller, ev,
                                         first_added + (int64_t)(lineno - 1) * 2,
                                         tlp_arg ? tlp : NULL, msg, sizeof msg);
            if (irc < 0) {
                rc = irc;
                snprintf(err, sizeof err, "%s", msg);
                msg[0] = '\0';
            } else if (irc == 1 && !msg[0]) {
                stored++;
            }
            json_t *ind = NULL, *sig = NULL;
            char cerr[400];
            if (irc != 0) {
                /* handled above */
            } else if (eve_alert_to_stix(ev, caller->org.identity_id, &ind, &sig, cerr, sizeof cerr) < 0) {
                snprintf(msg, sizeof msg, "line %zu: %s", lineno, cerr);
            } else {
                if (marking) {
                    json_object_set_new(ind, "object_marking_refs", json_pack("[s]", marking));
                    json_object_set_new(sig, "object_marking_refs", json_pack("[s]", marking));
                }
                json_int_t sev = json_integer_value(
                    json_object_get(json_object_get(ev, "alert"), "severity"));
                char version[40], omsg[400];
                int64_t added = first_added + (int64_t)(lineno - 1) * 2;
                int orc = hub_object_store(s, req->db, &coll, caller, ind, added, 0, version,
                                           omsg, sizeof omsg);
                if (orc == 0)
                    orc = hub_object_store(s, req->db, &coll, caller, sig, added + 1,
                                           sev >= 1 && sev <= 3 ? (int)sev : (sev > 3 ? 3 : 0),
                                           version, omsg, sizeof omsg);
                if (orc == 0)
                    stored++;
                else if (orc == -EINVAL || orc == -EPERM)
                    snprintf(msg, sizeof msg, "line %zu: %s", lineno, omsg);
                else {
                    rc = orc;
                    snprintf(err, sizeof err, "%s", omsg);
                }
            }
            json_decref(ind);
            json_decref(sig);
        }
        json_decref(ev);
        if (msg[0]) {
            failed++;
            if (json_array_size(errors) < EVE_LINE_ERRORS_MAX)
                json_array_append_new(errors, hub_json_str(msg));
        }
    }
    if (rc == 0) {
        char detail[128];
        snprintf(detail, sizeof detail, "eve: %ld alerts, %ld stored, %ld failed", alerts, stored,
                 failed);
        rc = hub_audit_write(req->db, caller, "report", coll.id, NULL, tlp, detail);
    }
    if (rc == 0)
        rc = hub_db_commit(req->db, err, sizeof err);
    if (rc < 0) {
        hub_db_rollback(req->db);
        json_decref(errors);
        log_error("hub: eve: %s", err);
        hub_response_error(resp, 500, "Internal error", "nothing stored: storage error");
        return;
    }
    s->stored_since_analyze += stored * 2;
    json_t *body = json_pack("{s:I, s:I, s:I, s:I, s:I, s:s, s:s, s:o}", "lines",
                             (json_int_t)lines, "alerts", (json_int_t)alerts, "stored",
                             (json_int_t)stored, "skipped", (json_int_t)skipped, "failed",
                             (json_int_t)failed, "collection", coll.id, "tlp", tlp, "errors",
                             errors);
    hub_response_json(resp, lines > 0 && failed == lines ? 400 : 200, "application/json", body);
}

/* Indicator display name from any stored copy the caller may see. */
static json_t *indicator_name(struct hub_request *req, const char *indicator_id)
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

static void handle_risk(struct hub_request *req, struct hub_response *resp)
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
    const char *vis = sighting_visibility(caller);
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
        const char *sev = severity_name(hub_db_cell_i64(&r, i, 1));
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
            json_t *name = indicator_name(req, hub_db_cell(&r, i, 1));
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
                      json_pack("{s:s, s:s, s:o}", "until", ts, "organisation",
                                caller->org.name, "sectors", arr));
}

static void handle_incidents(struct hub_request *req, struct hub_response *resp)
{
    const struct hub_caller *caller = &req->caller;
    char err[512], sql[2048];
    struct hub_db_result r;
    struct hub_db_param p[] = {DB_INT(caller->org.id)};
    /* The coordinator sees every incident, an organisation those it is part of. */
    int rc = hub_db_exec(req->db,
                         caller->org.coordinator
                             ? "SELECT i.id, i.indicator_id, i.first_seen, i.last_seen, i.created,"
                               " i.updated FROM incidents i WHERE $1 = $1 ORDER BY i.created DESC"
                               " LIMIT 500"
                             : "SELECT i.id, i.indicator_id, i.first_seen, i.last_seen, i.created,"
                               " i.updated FROM incidents i WHERE EXISTS (SELECT 1 FROM"
                               " incident_orgs x WHERE x.incident_id = i.id AND x.org_id = $1)"
                               " ORDER BY i.created DESC LIMIT 500",
                         1, p, &r, err, sizeof err);
    if (rc < 0) {
        hub_db_result_free(&r);
        log_error("hub: incidents: %s", err);
        hub_response_error(resp, 500, "Internal error", "storage error");
        return;
    }
    json_t *arr = json_array();
    snprintf(sql, sizeof sql,
             "SELECT g.sighting_id, o.name, g.sector, g.severity, g.seen, g.count, g.tlp"
             " FROM sightings g JOIN orgs o ON o.id = g.org_id WHERE g.indicator_id = $3"
             " AND g.seen >= $4 AND g.seen <= $5 AND %s ORDER BY g.seen LIMIT 1000",
             sighting_visibility(caller));
    for (int i = 0; i < r.nrows; i++) {
        char f[40], l[40], c[40];
        hub_timestamp_format(hub_db_cell_i64(&r, i, 2), f, sizeof f);
        hub_timestamp_format(hub_db_cell_i64(&r, i, 3), l, sizeof l);
        hub_timestamp_format(hub_db_cell_i64(&r, i, 4), c, sizeof c);
        struct hub_db_param pc[] = {DB_TEXT(hub_db_cell(&r, i, 0))};
        int64_t norgs = 0;
        hub_db_query_i64(req->db, "SELECT COUNT(*) FROM incident_orgs WHERE incident_id = $1", 1,
                         pc, 0, &norgs, err, sizeof err);
        json_t *inc = json_pack("{s:s, s:s, s:s, s:s, s:s, s:I}", "id", hub_db_cell(&r, i, 0),
                                "indicator_id", hub_db_cell(&r, i, 1), "first_seen", f,
                                "last_seen", l, "created", c, "organisations_affected",
                                (json_int_t)norgs);
        struct hub_db_param ps[] = {DB_INT(caller->org.id), DB_TEXT(caller->org.sector),
                                    DB_TEXT(hub_db_cell(&r, i, 1)),
                                    DB_INT(hub_db_cell_i64(&r, i, 2)),
                                    DB_INT(hub_db_cell_i64(&r, i, 3))};
        struct hub_db_result sr;
        json_t *sightings = json_array();
        if (hub_db_exec(req->db, sql, 5, ps, &sr, err, sizeof err) == 0) {
            for (int j = 0; j < sr.nrows; j++) {
                char seen[40];
                hub_timestamp_format(hub_db_cell_i64(&sr, j, 4), seen, sizeof seen);
                json_array_append_new(
                    sightings,
                    json_pack("{s:s, s:s, s:s, s:s, s:s, s:I, s:s}", "sighting_id",
                              hub_db_cell(&sr, j, 0), "organisation", hub_db_cell(&sr, j, 1),
                              "sector", hub_db_cell(&sr, j, 2), "severity",
                              severity_name(hub_db_cell_i64(&sr, j, 3)), "seen", seen, "count",
                              (json_int_t)hub_db_cell_i64(&sr, j, 5), "tlp",
                              hub_db_cell(&sr, j, 6)));
            }
        }
        hub_db_result_free(&sr);
        json_object_set_new(inc, "sightings", sightings);
        json_t *name = indicator_name(req, hub_db_cell(&r, i, 1));
        if (name)
            json_object_set_new(inc, "indicator_name", name);
        json_array_append_new(arr, inc);
    }
    hub_db_result_free(&r);
    hub_response_json(resp, 200, "application/json", json_pack("{s:o}", "incidents", arr));
}

static void handle_audit(struct hub_request *req, struct hub_response *resp)
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
    static const char *const keys[] = {"ts", "organisation", "role", "action", "collection",
                                       "object", "tlp", "detail"};
    for (int i = 0; i < r.nrows; i++) {
        json_t *e = json_object();
        for (int j = 0; j < 8; j++) {
            const char *v = hub_db_cell(&r, i, j);
            if (!v)
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

void hub_risk_handle(struct hub_request *req, struct hub_response *resp)
{
    const char *path = req->url + strlen("/api/v1/");
    size_t n = strcspn(path, "/");
    bool get = strcmp(req->method, "GET") == 0;
    if (n == 3 && strncmp(path, "eve", 3) == 0 && !path[n + (path[n] == '/')]) {
        if (strcmp(req->method, "POST") != 0)
            hub_response_error(resp, 405, "Method not allowed", "/api/v1/eve supports POST");
        else
            handle_eve(req, resp);
    } else if (n == 4 && strncmp(path, "risk", 4) == 0 && !path[n + (path[n] == '/')]) {
        if (!get)
            hub_response_error(resp, 405, "Method not allowed", "/api/v1/risk supports GET");
        else
            handle_risk(req, resp);
    } else if (n == 9 && strncmp(path, "incidents", 9) == 0 && !path[n + (path[n] == '/')]) {
        if (!get)
            hub_response_error(resp, 405, "Method not allowed", "/api/v1/incidents supports GET");
        else
            handle_incidents(req, resp);
    } else if (n == 5 && strncmp(path, "audit", 5) == 0 && !path[n + (path[n] == '/')]) {
        if (!get)
            hub_response_error(resp, 405, "Method not allowed", "/api/v1/audit supports GET");
        else
            handle_audit(req, resp);
    } else if (!hub_intel_handle(req, resp, path) && !hub_manage_handle(req, resp, path)) {
        hub_response_error(resp, 404, "Not found", "no resource at %s", req->url);
    }
}
