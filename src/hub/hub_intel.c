/* SPDX-License-Identifier: Apache-2.0 */
/* The hub's side of the intelligence loop (hub_intel.h):
 *  - an alert a sensor raised on a shared indicator (gid 7000, the
 *    indicator's id in alert.metadata.intel_stix_id; or gid 7001, a
 *    look-alike of a protected domain shared through the hub, whose
 *    indicator it names the same way) becomes a STIX sighting
 *    OF THAT INDICATOR (sighting_of_ref the shared indicator,
 *    where_sighted_refs the reporting organisation), stored in the
 *    collection the indicator was shared in and marked with the indicator's
 *    TLP (or the stricter TLP the sensor asks for), so everyone who received
 *    the indicator - its author first - sees where it fired and the sector's
 *    risk picture counts it; a RED report names the author as recipient;
 *  - protected domains: an organisation registers the domains it protects
 *    (its login portals, its customer-facing names); each becomes a "benign"
 *    indicator with x_vigil_protected_domain: true, shared under TLP like any
 *    object, which entitled sensors pull and use for look-alike detection;
 *  - GET /api/v1/sightings?indicator=ID: where an indicator was sighted, for
 *    whoever may see those sightings. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "hub/eve_ingest.h"
#include "hub/hub_handlers.h"
#include "hub/hub_intel.h"
#include "hub/hub_server.h"
#include "hub/hub_tlp.h"
#include "hub/hub_util.h"
#include "hub/stix_validate.h"
#include "intel/intel.h"
#include "util/log.h"

#define INTEL_GID 7000
#define LOOKALIKE_GID 7001 /* a look-alike of a protected domain: a sighting of it */

static const char *md_first(const json_t *md, const char *key)
{
    const json_t *v = json_object_get(md, key);
    if (json_is_array(v))
        v = json_array_get(v, 0);
    return json_string_value(v);
}

/* The visible latest copy of an indicator for caller: its collection, TLP
 * and producer. 0 found, -ENOENT, <0 storage error. */
static int find_indicator(struct hub_db_conn *c, const struct hub_caller *caller, const char *id,
                          struct hub_collection *coll, char *tlp, size_t tlplen,
                          int64_t *producer, char *err, size_t errlen)
{
    struct hub_db_param p[] = {DB_TEXT(id)};
    struct hub_db_result r;
    int rc = hub_db_exec(c,
                         "SELECT o.coll, o.tlp, o.producer_org, o.id FROM objects o"
                         " WHERE o.stix_id = $1 AND o.is_latest = 1 AND o.revoked = 0"
                         " ORDER BY o.date_added",
                         1, p, &r, err, errlen);
    if (rc < 0)
        return rc;
    rc = -ENOENT;
    for (int i = 0; i < r.nrows && rc == -ENOENT; i++) {
        struct hub_collection cl;
        if (hub_collection_get(c, hub_db_cell(&r, i, 0), &cl, err, errlen) < 0)
            continue;
        const char *t = hub_db_cell(&r, i, 1);
        int64_t prod = hub_db_cell_i64(&r, i, 2);
        bool recipient = false;
        if (hub_tlp_rank(t) == 4) {
            struct hub_db_param pr[] = {DB_INT(hub_db_cell_i64(&r, i, 3)), DB_INT(caller->org.id)};
            int64_t n = 0;
            if (hub_db_query_i64(c,
                                 "SELECT COUNT(*) FROM object_recipients WHERE object_id = $1"
                                 " AND org_id = $2",
                                 2, pr, 0, &n, err, errlen) == 0)
                recipient = n > 0;
        }
        if (!hub_tlp_visible(t, prod, recipient, hub_collection_is_member(&cl, &caller->org),
                             caller))
            continue;
        *coll = cl;
        snprintf(tlp, tlplen, "%s", t);
        *producer = prod;
        rc = 0;
    }
    hub_db_result_free(&r);
    return rc;
}

int hub_intel_sighting(struct hub_server *s, struct hub_db_conn *c,
                       const struct hub_caller *caller, const json_t *ev, int64_t date_added,
                       const char *requested_tlp, char *msg, size_t msglen)
{
    const json_t *alert = json_object_get(ev, "alert");
    json_int_t gid = json_integer_value(json_object_get(alert, "gid"));
    if (gid != INTEL_GID && gid != LOOKALIKE_GID)
        return 0;
    const json_t *md = json_object_get(alert, "metadata");
    const char *ind = md_first(md, "intel_stix_id");
    if (!ind || !stix_identifier_is_valid(ind, "indicator"))
        return 0; /* an indicator from a file of the sensor's own: the default path */
    const char *ts_in = json_string_value(json_object_get(ev, "timestamp"));
    char ts[48];
    if (!ts_in || eve_timestamp_to_stix(ts_in, ts, sizeof ts) != 0) {
        snprintf(msg, msglen, "intel alert: timestamp missing or invalid");
        return 1;
    }
    struct hub_collection coll;
    char tlp[32];
    int64_t producer = 0;
    char err[400];
    int rc = find_indicator(c, caller, ind, &coll, tlp, sizeof tlp, &producer, err, sizeof err);
    if (rc < 0 && rc != -ENOENT) {
        snprintf(msg, msglen, "%s", err);
        return rc;
    }
    if (rc == -ENOENT) {
        /* not (or no longer) visible here: the sighting stays with the
         * reporter, in its own collection */
        struct hub_db_param pc[] = {DB_INT(caller->org.id)};
        struct hub_db_result cr;
        rc = hub_db_exec(c, "SELECT id FROM collections WHERE kind = 'org' AND org_id = $1", 1,
                         pc, &cr, err, sizeof err);
        if (rc == 0 && cr.nrows == 1)
            rc = hub_collection_get(c, hub_db_cell(&cr, 0, 0), &coll, err, sizeof err);
        else if (rc == 0)
            rc = -ENOENT;
        hub_db_result_free(&cr);
        if (rc < 0) {
            snprintf(msg, msglen, "%s", err);
            return rc;
        }
        snprintf(tlp, sizeof tlp, "%s", requested_tlp ? requested_tlp : "amber");
        producer = 0;
    } else if (requested_tlp && hub_tlp_rank(requested_tlp) > hub_tlp_rank(tlp)) {
        snprintf(tlp, sizeof tlp, "%s", requested_tlp);
    }
    /* Sighting id: one per reported alert (the sensor's report id, else
     * the event's identifying fields), so a re-sent alert is the same
     * sighting and is not counted twice. */
    const char *rid = json_string_value(json_object_get(ev, "vigil_report_id"));
    char name[600], uuid[37], sid[64];
    if (rid)
        snprintf(name, sizeof name, "intel-sighting|%s|%s", caller->org.identity_id, rid);
    else
        snprintf(name, sizeof name, "intel-sighting|%s|%s|%s|%s|%s|%lld",
                 caller->org.identity_id, ind, ts,
                 json_string_value(json_object_get(ev, "src_ip")) ?: "",
                 json_string_value(json_object_get(ev, "dest_ip")) ?: "",
                 (long long)json_integer_value(json_object_get(ev, "flow_id")));
    hub_uuid5(name, uuid);
    snprintf(sid, sizeof sid, "sighting--%s", uuid);
    json_t *sig = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:i, s:s, s:[s]}", "type",
                            "sighting", "spec_version", "2.1", "id", sid, "created_by_ref",
                            caller->org.identity_id, "created", ts, "modified", ts, "first_seen",
                            ts, "last_seen", ts, "count", 1, "sighting_of_ref", ind,
                            "where_sighted_refs", caller->org.identity_id);
    const char *marking = stix_tlp2_marking_id(tlp);
    if (marking)
        json_object_set_new(sig, "object_marking_refs", json_pack("[s]", marking));
    if (hub_tlp_rank(tlp) == 4 && producer) {
        struct hub_org author;
        if (hub_org_get(c, producer, &author, err, sizeof err) == 0)
            json_object_set_new(sig, "x_vigil_recipients", json_pack("[s]", author.identity_id));
    }
    json_t *obs = json_object();
    static const char *const fields[] = {"src_ip", "dest_ip", "src_port", "dest_port", "proto",
                                         "app_proto", "flow_id", NULL};
    for (const char *const *f = fields; *f; f++) {
        json_t *v = json_object_get(ev, *f);
        if (v)
            json_object_set(obs, *f, v);
    }
    json_object_set_new(sig, "x_vigil_observed", obs);
    json_t *intel = json_object();
    static const char *const keys[] = {"intel_kind", "intel_value", "intel_seen",
                                       "intel_seen_in", NULL};
    for (const char *const *k = keys; *k; k++) {
        const char *v = md_first(md, *k);
        if (v)
            json_object_set_new(intel, *k + 6, json_string(v));
    }
    json_object_set_new(sig, "x_vigil_intel", intel);
    if (gid == LOOKALIKE_GID) { /* which name imitated the protected domain, and how */
        json_t *la = json_object();
        static const char *const lkeys[] = {"lookalike_protected_domain", "lookalike_technique",
                                            "lookalike_seen", "lookalike_unicode",
                                            "lookalike_seen_in", NULL};
        for (const char *const *k = lkeys; *k; k++) {
            const char *v = md_first(md, *k);
            if (v)
                json_object_set_new(la, *k + 10, json_string(v));
        }
        json_object_set_new(sig, "x_vigil_lookalike", la);
    }
    json_int_t sev = json_integer_value(json_object_get(alert, "severity"));
    char version[40];
    rc = hub_object_store(s, c, &coll, caller, sig, date_added,
                          sev >= 1 && sev <= 3 ? (int)sev : (sev > 3 ? 3 : 0), 0, version, msg,
                          msglen);
    json_decref(sig);
    if (rc == -EINVAL || rc == -EPERM)
        return 1; /* reported as a failed line; msg says why */
    return rc < 0 ? rc : 1;
}

/* ---------- protected domains ---------- */

static int org_collection(struct hub_db_conn *c, const struct hub_org *org, const char *which,
                          struct hub_collection *out, char *err, size_t errlen)
{
    struct hub_db_result r;
    int rc;
    if (!which || strcmp(which, "national") == 0) {
        rc = hub_db_exec(c, "SELECT id FROM collections WHERE kind = 'national'", 0, NULL, &r,
                         err, errlen);
    } else if (strcmp(which, "sector") == 0) {
        struct hub_db_param p[] = {DB_TEXT(org->sector)};
        rc = hub_db_exec(c, "SELECT id FROM collections WHERE kind = 'sector' AND sector = $1", 1,
                         p, &r, err, errlen);
    } else if (strcmp(which, "own") == 0 || strcmp(which, "org") == 0) {
        struct hub_db_param p[] = {DB_INT(org->id)};
        rc = hub_db_exec(c, "SELECT id FROM collections WHERE kind = 'org' AND org_id = $1", 1, p,
                         &r, err, errlen);
    } else {
        snprintf(err, errlen, "collection '%s': expected national, sector or own", which);
        return -EINVAL;
    }
    if (rc < 0)
        return rc;
    if (r.nrows != 1) {
        hub_db_result_free(&r);
        snprintf(err, errlen, "collection '%s' not found", which ? which : "national");
        return -ENOENT;
    }
    rc = hub_collection_get(c, hub_db_cell(&r, 0, 0), out, err, errlen);
    hub_db_result_free(&r);
    return rc;
}

static void protected_id(const struct hub_org *org, const char *domain, char *out, size_t cap)
{
    char name[400], uuid[37];
    snprintf(name, sizeof name, "protected-domain|%s|%s", org->identity_id, domain);
    hub_uuid5(name, uuid);
    snprintf(out, cap, "indicator--%s", uuid);
}

int hub_intel_protect(struct hub_server *s, struct hub_db_conn *c, const struct hub_caller *caller,
                      const char *domain, const char *tlp, const char *collection, bool remove,
                      char *norm_out, size_t normlen, char *msg, size_t msglen)
{
    uint8_t norm[260];
    unsigned flags = 0;
    char why[160];
    /* "LABEL.*": the organisation holds LABEL under every public suffix
     * (its country sites): checked as LABEL.com, kept as LABEL.* */
    size_t dl = strlen(domain);
    bool any_suffix = dl > 2 && strcmp(domain + dl - 2, ".*") == 0;
    char probe[260];
    if (any_suffix) {
        if (dl - 2 > 240 || memchr(domain, '.', dl - 2)) {
            snprintf(msg, msglen, "'%s': expected LABEL.* (one label before .*)", domain);
            return -EINVAL;
        }
        snprintf(probe, sizeof probe, "%.*s.com", (int)(dl - 2), domain);
    }
    const char *in = any_suffix ? probe : domain;
    int n = intel_normalize(INTEL_KIND_DOMAIN, in, strlen(in), norm, 253, NULL, &flags, why,
                            sizeof why);
    if (n <= 0 || !memchr(norm, '.', (size_t)n)) {
        snprintf(msg, msglen, "'%s': %s", domain, n <= 0 ? why : "not a registrable domain name");
        return -EINVAL;
    }
    char d[260];
    memcpy(d, norm, (size_t)n);
    d[n] = '\0';
    if (any_suffix)
        strcpy(strchr(d, '.') + 1, "*"); /* "label.com" -> "label.*" */
    snprintf(norm_out, normlen, "%s", d);
    const char *t = hub_tlp_canonical(tlp ? tlp : "green");
    if (!t) {
        snprintf(msg, msglen, "tlp '%s': expected clear, green, amber, amber+strict or red", tlp);
        return -EINVAL;
    }
    struct hub_collection coll;
    int rc = org_collection(c, &caller->org, collection, &coll, msg, msglen);
    if (rc < 0)
        return rc;
    char id[80], now[48];
    protected_id(&caller->org, d, id, sizeof id);
    int64_t us = hub_now_us();
    hub_timestamp_format(us, now, sizeof now);
    char pattern[400], name[320];
    if (any_suffix) /* STIX LIKE: '%' is any run of characters */
        snprintf(pattern, sizeof pattern, "[domain-name:value LIKE '%.*s.%%']",
                 (int)(strlen(d) - 2), d);
    else
        snprintf(pattern, sizeof pattern, "[domain-name:value = '%s']", d);
    snprintf(name, sizeof name, "Protected domain %s", d);
    json_t *obj = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:[s], s:b, s:[s]}",
                            "type", "indicator", "spec_version", "2.1", "id", id, "created_by_ref",
                            caller->org.identity_id, "created", now, "modified", now, "name", name,
                            "pattern", pattern, "pattern_type", "stix", "valid_from", now,
                            "indicator_types", "benign", "x_vigil_protected_domain", true,
                            "object_marking_refs", stix_tlp2_marking_id(t));
    json_object_set_new(obj, "x_vigil_protected_name", json_string(d));
    if (remove)
        json_object_set_new(obj, "revoked", json_true());
    rc = hub_db_begin(c, msg, msglen);
    int64_t added = 0;
    if (rc == 0)
        rc = hub_clock_reserve(c, 1, &added, msg, msglen);
    char version[40];
    if (rc == 0)
        rc = hub_object_store(s, c, &coll, caller, obj, added, 0, 0, version, msg, msglen);
    if (rc == 0)
        rc = hub_db_commit(c, msg, msglen);
    else
        hub_db_rollback(c);
    json_decref(obj);
    return rc;
}

/* The caller's organisation's protected domains (latest versions, not
 * revoked), as a JSON array of {domain, id, tlp, collection}. */
json_t *hub_intel_protected_list(struct hub_db_conn *c, const struct hub_org *org, char *err,
                                 size_t errlen)
{
    struct hub_db_param p[] = {DB_INT(org->id)};
    struct hub_db_result r;
    if (hub_db_exec(c,
                    "SELECT o.stix_id, o.tlp, o.coll, o.body FROM objects o WHERE o.producer_org = $1"
                    " AND o.type = 'indicator' AND o.is_latest = 1 AND o.revoked = 0"
                    " AND o.body LIKE '%\"x_vigil_protected_domain\":true%' ORDER BY o.date_added",
                    1, p, &r, err, errlen) < 0)
        return NULL;
    json_t *arr = json_array();
    for (int i = 0; i < r.nrows; i++) {
        json_t *b = json_loads(hub_db_cell(&r, i, 3), 0, NULL);
        const char *pname = json_string_value(json_object_get(b, "x_vigil_protected_name"));
        const char *pat = json_string_value(json_object_get(b, "pattern"));
        const char *q = pat ? strchr(pat, '\'') : NULL;
        const char *q2 = q ? strchr(q + 1, '\'') : NULL;
        if (pname)
            json_array_append_new(arr, json_pack("{s:s, s:s, s:s, s:s}", "domain", pname, "id",
                                                 hub_db_cell(&r, i, 0), "tlp",
                                                 hub_db_cell(&r, i, 1), "collection",
                                                 hub_db_cell(&r, i, 2)));
        else if (q && q2)
            json_array_append_new(arr, json_pack("{s:s%, s:s, s:s, s:s}", "domain", q + 1,
                                                 (size_t)(q2 - q - 1), "id", hub_db_cell(&r, i, 0),
                                                 "tlp", hub_db_cell(&r, i, 1), "collection",
                                                 hub_db_cell(&r, i, 2)));
        json_decref(b);
    }
    hub_db_result_free(&r);
    return arr;
}

/* ---------- HTTP ---------- */

static void handle_protected(struct hub_request *req, struct hub_response *resp, const char *rest)
{
    const struct hub_caller *caller = &req->caller;
    char err[512];
    if (strcmp(req->method, "GET") == 0) {
        json_t *arr = hub_intel_protected_list(req->db, &caller->org, err, sizeof err);
        if (!arr) {
            hub_response_error(resp, 500, "Internal error", "storage error");
            return;
        }
        hub_response_json(resp, 200, "application/json", json_pack("{s:o}", "domains", arr));
        return;
    }
    if (caller->role == HUB_ROLE_SENSOR) {
        hub_response_error(resp, 403, "Forbidden",
                           "registering protected domains needs an analyst or admin token");
        return;
    }
    if (strcmp(req->method, "DELETE") == 0 && rest && *rest) {
        char norm[260];
        int rc = hub_intel_protect(req->server, req->db, caller, rest, NULL, NULL, true, norm,
                                   sizeof norm, err, sizeof err);
        if (rc == -EINVAL || rc == -EPERM)
            hub_response_error(resp, 400, "Bad request", "%s", err);
        else if (rc < 0)
            hub_response_error(resp, 500, "Internal error", "storage error");
        else
            hub_response_json(resp, 200, "application/json",
                              json_pack("{s:s, s:b}", "domain", norm, "revoked", 1));
        return;
    }
    if (strcmp(req->method, "POST") != 0) {
        hub_response_error(resp, 405, "Method not allowed",
                           "/api/v1/protected-domains supports GET, POST and DELETE /{domain}");
        return;
    }
    json_error_t je;
    json_t *body = json_loadb(req->body ? req->body : "", req->body_len, 0, &je);
    const json_t *domains = json_object_get(body, "domains");
    if (!json_is_object(body) || !json_is_array(domains)) {
        json_decref(body);
        hub_response_error(resp, 400, "Bad request",
                           "expected {\"domains\": [\"name\", ...], \"tlp\"?, \"collection\"?}");
        return;
    }
    const char *key;
    json_t *v;
    json_object_foreach(body, key, v)
    {
        if (strcmp(key, "domains") && strcmp(key, "tlp") && strcmp(key, "collection")) {
            hub_response_error(resp, 400, "Bad request", "unknown field '%s'", key);
            json_decref(body);
            return;
        }
    }
    const char *tlp = json_string_value(json_object_get(body, "tlp"));
    const char *coll = json_string_value(json_object_get(body, "collection"));
    json_t *added = json_array(), *failed = json_array();
    size_t i;
    json_t *d;
    json_array_foreach(domains, i, d)
    {
        char norm[260];
        const char *name = json_string_value(d);
        if (!name) {
            json_array_append_new(failed, json_pack("{s:s}", "error", "not a string"));
            continue;
        }
        int rc = hub_intel_protect(req->server, req->db, caller, name, tlp, coll, false, norm,
                                   sizeof norm, err, sizeof err);
        if (rc == 0) {
            json_array_append_new(added, json_string(norm));
        } else if (rc == -EINVAL || rc == -EPERM || rc == -ENOENT) {
            json_array_append_new(failed, json_pack("{s:s, s:s}", "domain", name, "error", err));
        } else {
            log_error("hub: protected domain %s: %s", name, err);
            json_array_append_new(failed,
                                  json_pack("{s:s, s:s}", "domain", name, "error", "storage error"));
        }
    }
    json_decref(body);
    int status = json_array_size(added) ? 201 : 400;
    hub_response_json(resp, status, "application/json",
                      json_pack("{s:o, s:o}", "protected", added, "failed", failed));
}

/* Where an indicator was sighted, as the caller may see it. */
static void handle_sightings(struct hub_request *req, struct hub_response *resp)
{
    const char *ind = hub_request_arg(req, "indicator");
    if (!ind || !stix_identifier_is_valid(ind, "indicator")) {
        hub_response_error(resp, 400, "Bad request", "?indicator=indicator--UUID is required");
        return;
    }
    const struct hub_caller *caller = &req->caller;
    struct hub_db_param p[] = {DB_TEXT(ind)};
    struct hub_db_result r;
    char err[512];
    if (hub_db_exec(req->db,
                    "SELECT g.sighting_id, o.name, o.identity_id, g.sector, g.seen, g.count, g.tlp,"
                    " g.coll, g.org_id, (SELECT b.id FROM objects b WHERE b.stix_id = g.sighting_id"
                    " AND b.coll = g.coll ORDER BY b.date_added DESC LIMIT 1)"
                    " FROM sightings g JOIN orgs o ON o.id = g.org_id WHERE g.indicator_id = $1"
                    " ORDER BY g.seen",
                    1, p, &r, err, sizeof err) < 0) {
        log_error("hub: sightings: %s", err);
        hub_response_error(resp, 500, "Internal error", "storage error");
        return;
    }
    json_t *arr = json_array();
    for (int i = 0; i < r.nrows; i++) {
        struct hub_collection coll;
        if (hub_collection_get(req->db, hub_db_cell(&r, i, 7), &coll, err, sizeof err) < 0)
            continue;
        const char *tlp = hub_db_cell(&r, i, 6);
        bool recipient = false;
        if (hub_tlp_rank(tlp) == 4) {
            struct hub_db_param pr[] = {DB_INT(hub_db_cell_i64(&r, i, 9)), DB_INT(caller->org.id)};
            int64_t n = 0;
            if (hub_db_query_i64(req->db,
                                 "SELECT COUNT(*) FROM object_recipients WHERE object_id = $1"
                                 " AND org_id = $2",
                                 2, pr, 0, &n, err, sizeof err) == 0)
                recipient = n > 0;
        }
        if (!hub_tlp_visible(tlp, hub_db_cell_i64(&r, i, 8), recipient,
                             hub_collection_is_member(&coll, &caller->org), caller))
            continue;
        char seen[48];
        hub_timestamp_format(hub_db_cell_i64(&r, i, 4), seen, sizeof seen);
        json_array_append_new(
            arr, json_pack("{s:s, s:s, s:s, s:s, s:s, s:I, s:s, s:s}", "sighting",
                           hub_db_cell(&r, i, 0), "organisation", hub_db_cell(&r, i, 1),
                           "identity", hub_db_cell(&r, i, 2), "sector", hub_db_cell(&r, i, 3),
                           "seen", seen, "count", (json_int_t)hub_db_cell_i64(&r, i, 5), "tlp",
                           tlp, "collection", coll.title));
    }
    hub_db_result_free(&r);
    hub_response_json(resp, 200, "application/json",
                      json_pack("{s:s, s:o}", "indicator", ind, "sightings", arr));
}

void intel_protected_list(struct hub_request *req, struct hub_response *resp)
{
    handle_protected(req, resp, NULL);
}

void intel_protected_add(struct hub_request *req, struct hub_response *resp)
{
    handle_protected(req, resp, NULL);
}

void intel_protected_remove(struct hub_request *req, struct hub_response *resp)
{
    handle_protected(req, resp, hub_request_param(req, "domain"));
}

void intel_sightings_get(struct hub_request *req, struct hub_response *resp)
{
    handle_sightings(req, resp);
}

/* ---------- admin CLI ---------- */

int hub_intel_admin(struct hub_db *db, const char *verb, int argc, char **argv)
{
    const char *org_name = NULL, *tlp = NULL, *coll = NULL;
    const char *domains[256];
    int nd = 0;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        const char **target = NULL;
        if (strncmp(a, "--org", 5) == 0)
            target = &org_name;
        else if (strncmp(a, "--tlp", 5) == 0)
            target = &tlp;
        else if (strncmp(a, "--collection", 12) == 0)
            target = &coll;
        if (target) {
            const char *eq = strchr(a, '=');
            if (eq)
                *target = eq + 1;
            else if (i + 1 < argc)
                *target = argv[++i];
            continue;
        }
        if (strncmp(a, "--domain", 8) == 0) {
            const char *eq = strchr(a, '=');
            const char *v = eq ? eq + 1 : (i + 1 < argc ? argv[++i] : NULL);
            if (v && nd < 256)
                domains[nd++] = v;
            continue;
        }
        fprintf(stderr, "vigil: hub admin: protected-domain: unknown argument '%s'\n", a);
        return 2;
    }
    bool add = strcmp(verb, "add") == 0, list = strcmp(verb, "list") == 0,
         rm = strcmp(verb, "remove") == 0;
    if ((!add && !list && !rm) || !org_name || ((add || rm) && nd == 0)) {
        fprintf(stderr, "vigil: hub admin: protected-domain add|remove --org NAME --domain D "
                        "[--domain D ...] [--tlp T] [--collection national|sector|own], "
                        "or protected-domain list --org NAME\n");
        return 2;
    }
    struct hub_db_conn *c = hub_db_acquire(db);
    char err[512];
    struct hub_caller caller = {.role = HUB_ROLE_ADMIN};
    int rc = hub_org_find(c, org_name, &caller.org, err, sizeof err);
    if (rc == -ENOENT)
        snprintf(err, sizeof err, "--org '%s': no such organisation", org_name);
    struct hub_server srv;
    memset(&srv, 0, sizeof srv);
    srv.cfg.unmarked_tlp = "amber";
    srv.cfg.correlation_window_us = 86400LL * 1000000;
    srv.db = db;
    int bad = 0;
    if (rc == 0 && list) {
        json_t *arr = hub_intel_protected_list(c, &caller.org, err, sizeof err);
        size_t i;
        json_t *e;
        json_array_foreach(arr, i, e)
            printf("%s\t%s\t%s\n", json_string_value(json_object_get(e, "domain")),
                   json_string_value(json_object_get(e, "tlp")),
                   json_string_value(json_object_get(e, "id")));
        rc = arr ? 0 : -EIO;
        json_decref(arr);
    }
    for (int i = 0; rc == 0 && (add || rm) && i < nd; i++) {
        char norm[260], msg[512];
        int r = hub_intel_protect(&srv, c, &caller, domains[i], tlp, coll, rm, norm, sizeof norm,
                                  msg, sizeof msg);
        if (r == 0) {
            printf("%s %s\n", rm ? "revoked" : "protected", norm);
        } else {
            fprintf(stderr, "vigil: hub admin: %s: %s\n", domains[i], msg);
            bad = 1;
            if (r != -EINVAL && r != -EPERM && r != -ENOENT)
                rc = r;
        }
    }
    hub_db_release(db, c);
    if (rc < 0) {
        fprintf(stderr, "vigil: hub admin: %s\n", err);
        return 1;
    }
    return bad ? 1 : 0;
}
