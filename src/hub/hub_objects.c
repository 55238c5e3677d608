/* SPDX-License-Identifier: Apache-2.0 */
/* Storing one posted STIX object: validation, role and TLP policy, version
 * bookkeeping (first/last), RED recipients, sightings for risk reporting,
 * and the audit row. Shared by TAXII POST and /api/v1/eve. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hub/hub_server.h"
#include "hub/hub_tlp.h"
#include "hub/hub_util.h"
#include "hub/stix_validate.h"

static bool sensor_may_post(const char *type)
{
    return strcmp(type, "sighting") == 0 || strcmp(type, "observed-data") == 0 ||
           strcmp(type, "indicator") == 0;
}

static int severity_of(const json_t *obj)
{
    const json_t *v = json_object_get(obj, "x_vigil_severity");
    if (json_is_integer(v)) {
        json_int_t i = json_integer_value(v);
        return i >= 1 && i <= 3 ? (int)i : (i > 3 ? 3 : 0);
    }
    const char *s = json_string_value(v);
    if (!s)
        return 0;
    if (strcmp(s, "high") == 0 || strcmp(s, "critical") == 0)
        return 1;
    if (strcmp(s, "medium") == 0)
        return 2;
    if (strcmp(s, "low") == 0)
        return 3;
    return 0;
}

static int record_sighting(struct hub_server *s, struct hub_db_conn *c,
                           const struct hub_collection *coll, const struct hub_caller *caller,
                           const json_t *obj, const char *tlp, int severity, char *msg,
                           size_t msglen)
{
    const char *ref = json_string_value(json_object_get(obj, "sighting_of_ref"));
    if (!ref || strncmp(ref, "indicator--", 11) != 0)
        return 0;
    const char *when = json_string_value(json_object_get(obj, "last_seen"));
    if (!when)
        when = json_string_value(json_object_get(obj, "first_seen"));
    if (!when)
        when = json_string_value(json_object_get(obj, "created"));
    int64_t seen;
    if (!when || hub_timestamp_parse(when, &seen) < 0)
        seen = hub_now_us();
    json_int_t count = json_integer_value(json_object_get(obj, "count"));
    if (count < 1)
        count = 1;
    if (count > 999999999)
        count = 999999999;
    if (!severity)
        severity = severity_of(obj);
    struct hub_db_param p[] = {DB_TEXT(json_string_value(json_object_get(obj, "id"))),
                               DB_TEXT(ref),
                               DB_INT(caller->org.id),
                               DB_TEXT(caller->org.sector),
                               DB_TEXT(coll->id),
                               DB_TEXT(tlp),
                               DB_INT(severity),
                               DB_INT(seen),
                               DB_INT(count)};
    int rc = hub_db_exec(c,
                         "INSERT INTO sightings (sighting_id, indicator_id, org_id, sector, coll,"
                         " tlp, severity, seen, count) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                         9, p, NULL, msg, msglen);
    if (rc < 0)
        return rc;
    return hub_correlate_sighting(s, c, ref, seen, msg, msglen);
}

/* Rewrites TLP 1.0 marking references (object and granular markings) to
 * their TLP 2.0 ids: the hub accepts both and emits TLP 2.0. */
static void tlp_refs_to_v2(json_t *obj)
{
    json_t *refs = json_object_get(obj, "object_marking_refs");
    size_t i;
    json_t *ref;
    json_array_foreach(refs, i, ref)
    {
        const char *name = stix_tlp_marking_normalize(json_string_value(ref));
        const char *v2 = name ? stix_tlp2_marking_id(name) : NULL;
        if (v2 && strcmp(v2, json_string_value(ref)) != 0)
            json_array_set_new(refs, i, hub_json_str(v2));
    }
    json_t *granular = json_object_get(obj, "granular_markings");
    json_t *g;
    json_array_foreach(granular, i, g)
    {
        const char *id = json_string_value(json_object_get(g, "marking_ref"));
        const char *name = id ? stix_tlp_marking_normalize(id) : NULL;
        const char *v2 = name ? stix_tlp2_marking_id(name) : NULL;
        if (v2 && strcmp(v2, id) != 0)
            json_object_set_new(g, "marking_ref", hub_json_str(v2));
    }
}

void hub_object_prepared_free(struct hub_object_prepared *p)
{
    free(p->body);
    p->body = NULL;
}

int hub_object_prepare(struct hub_server *s, const struct hub_collection *coll,
                       const struct hub_caller *caller, json_t *obj, struct hub_object_prepared *p,
                       char *msg, size_t msglen)
{
    memset(p, 0, sizeof *p);
    p->obj = obj;
    if (!json_is_object(obj)) {
        snprintf(msg, msglen, "not a JSON object");
        return -EINVAL;
    }
    if (stix_object_validate(obj, msg, msglen) < 0)
        return -EINVAL;
    const char *id = json_string_value(json_object_get(obj, "id"));
    const char *type = json_string_value(json_object_get(obj, "type"));
    if (!id || !type) {
        snprintf(msg, msglen, "object: missing 'id' or 'type'");
        return -EINVAL;
    }
    if (strlen(id) > 120) {
        snprintf(msg, msglen, "%.60s...: property 'id': too long", id);
        return -EINVAL;
    }
    p->id = id;
    p->type = type;
    if (caller->role == HUB_ROLE_SENSOR && !sensor_may_post(type)) {
        snprintf(msg, msglen,
                 "%s: role sensor may only report sighting, observed-data and indicator objects",
                 id);
        return -EPERM;
    }
    p->tlp = hub_tlp_of_object(obj, s->cfg.unmarked_tlp);
    int rank = hub_tlp_rank(p->tlp);
    if (coll->kind == HUB_COLL_NATIONAL && (rank == 2 || rank == 3)) {
        snprintf(msg, msglen,
                 "%s: TLP:%s objects are not accepted in the national collection (it reaches "
                 "every organisation); post them to a sector or organisation collection",
                 id, p->tlp);
        return -EPERM;
    }
    const char *when = json_string_value(json_object_get(obj, "modified"));
    if (!when)
        when = json_string_value(json_object_get(obj, "created"));
    if (when) {
        int64_t vus;
        if (hub_timestamp_parse(when, &vus) < 0) {
            snprintf(msg, msglen, "%s: property 'modified': not a timestamp", id);
            return -EINVAL;
        }
        hub_timestamp_format(vus, p->version, sizeof p->version);
    }
    p->spec_version = json_string_value(json_object_get(obj, "spec_version"));
    if (!p->spec_version)
        p->spec_version = "2.1";
    p->revoked = json_is_true(json_object_get(obj, "revoked"));
    if (strcmp(type, "marking-definition") != 0)
        tlp_refs_to_v2(obj);
    p->body = json_dumps(obj, JSON_COMPACT);
    if (!p->body) {
        snprintf(msg, msglen, "%s: out of memory", id);
        return -ENOMEM;
    }
    p->ok = true;
    return 0;
}

int hub_object_commit(struct hub_server *s, struct hub_db_conn *c,
                      const struct hub_collection *coll, const struct hub_caller *caller,
                      struct hub_object_prepared *p, int64_t date_added, int severity,
                      char *version_out, char *msg, size_t msglen)
{
    version_out[0] = 0;
    const char *id = p->id, *type = p->type, *tlp = p->tlp;
    int rank = hub_tlp_rank(tlp);
    /* Objects without modified/created (SCOs) are versioned by date_added. */
    if (!p->version[0])
        hub_timestamp_format(date_added, p->version, sizeof p->version);
    const char *version = p->version;
    bool revoked = p->revoked;

    /* Existing versions, in this and other collections. */
    struct hub_db_param pid[] = {DB_TEXT(id)};
    struct hub_db_result r;
    int rc = hub_db_exec(c,
                         "SELECT coll, version, revoked, tlp, producer_org FROM objects"
                         " WHERE stix_id = $1",
                         1, pid, &r, msg, msglen);
    if (rc < 0) {
        hub_db_result_free(&r);
        return rc;
    }
    bool newest = true, oldest = true, was_revoked = false;
    int nexisting = r.nrows;
    for (int i = 0; i < r.nrows; i++) {
        const char *rcoll = hub_db_cell(&r, i, 0);
        const char *rversion = hub_db_cell(&r, i, 1);
        const char *rtlp = hub_db_cell(&r, i, 3);
        int64_t rproducer = hub_db_cell_i64(&r, i, 4);
        if (strcmp(rcoll, coll->id) != 0) {
            if (strcmp(rtlp, "amber+strict") == 0 && rproducer != caller->org.id) {
                snprintf(msg, msglen,
                         "%s: TLP:AMBER+STRICT object may only be re-posted by its producer", id);
                hub_db_result_free(&r);
                return -EPERM;
            }
            continue;
        }
        int cmp = strcmp(rversion, version);
        if (cmp == 0) {
            /* The same version again: idempotent success. */
            snprintf(version_out, 40, "%s", version);
            hub_db_result_free(&r);
            return 0;
        }
        if (cmp > 0)
            newest = false;
        else
            oldest = false;
        if (hub_db_cell_i64(&r, i, 2))
            was_revoked = true;
    }
    hub_db_result_free(&r);
    if (was_revoked) {
        snprintf(msg, msglen, "%s: object was revoked; no further versions accepted", id);
        return -EPERM;
    }

    struct hub_db_param pi[] = {
        DB_TEXT(coll->id), DB_TEXT(id),        DB_TEXT(type),  DB_TEXT(p->spec_version),
        DB_TEXT(version),  DB_INT(date_added), DB_TEXT(tlp),   DB_INT(caller->org.id),
        DB_INT(revoked),   DB_INT(newest),     DB_INT(oldest), DB_TEXT(p->body)};
    int64_t row_id;
    rc = hub_db_query_i64(c,
                          "INSERT INTO objects (coll, stix_id, type, spec_version, version,"
                          " date_added, tlp, producer_org, revoked, is_latest, is_first, body)"
                          " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)"
                          " RETURNING id",
                          12, pi, -1, &row_id, msg, msglen);
    if (rc < 0)
        return rc;
    if (nexisting > 0 && (newest || oldest)) {
        struct hub_db_param pu[] = {DB_TEXT(coll->id), DB_TEXT(id), DB_INT(row_id)};
        if (newest)
            rc = hub_db_exec(c,
                             "UPDATE objects SET is_latest = 0 WHERE coll = $1 AND stix_id = $2"
                             " AND id <> $3 AND is_latest = 1",
                             3, pu, NULL, msg, msglen);
        if (rc == 0 && oldest)
            rc = hub_db_exec(c,
                             "UPDATE objects SET is_first = 0 WHERE coll = $1 AND stix_id = $2"
                             " AND id <> $3 AND is_first = 1",
                             3, pu, NULL, msg, msglen);
        if (rc < 0)
            return rc;
    }
    if (rank == 4) {
        const json_t *recipients = json_object_get(p->obj, "x_vigil_recipients");
        size_t i;
        const json_t *rec;
        json_array_foreach(recipients, i, rec)
        {
            if (!json_is_string(rec))
                continue;
            struct hub_db_param pr[] = {DB_INT(row_id), DB_TEXT(json_string_value(rec))};
            rc = hub_db_exec(c,
                             "INSERT INTO object_recipients (object_id, org_id)"
                             " SELECT $1, id FROM orgs WHERE identity_id = $2"
                             " ON CONFLICT DO NOTHING",
                             2, pr, NULL, msg, msglen);
            if (rc < 0)
                return rc;
        }
    }
    if (strcmp(type, "sighting") == 0 && !revoked) {
        rc = record_sighting(s, c, coll, caller, p->obj, tlp, severity, msg, msglen);
        if (rc < 0)
            return rc;
    }
    rc = hub_audit_write(c, caller, "write", coll->id, id, tlp, version);
    if (rc < 0) {
        snprintf(msg, msglen, "%s: audit log unavailable", id);
        return rc;
    }
    snprintf(version_out, 40, "%s", version);
    return 0;
}

int hub_object_store(struct hub_server *s, struct hub_db_conn *c, const struct hub_collection *coll,
                     const struct hub_caller *caller, json_t *obj, int64_t date_added, int severity,
                     char *version_out, char *msg, size_t msglen)
{
    struct hub_object_prepared p;
    version_out[0] = 0;
    int rc = hub_object_prepare(s, coll, caller, obj, &p, msg, msglen);
    if (rc == 0)
        rc = hub_object_commit(s, c, coll, caller, &p, date_added, severity, version_out, msg,
                               msglen);
    hub_object_prepared_free(&p);
    return rc;
}
