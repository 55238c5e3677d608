/* SPDX-License-Identifier: Apache-2.0 */
/* Storing one posted STIX object: validation, size limits, role and TLP
 * policy, ownership (only the organisation that created an object may post
 * its later versions; STIX 2.1 §3.6), version bookkeeping (first/last), RED
 * recipients, sightings for risk reporting, and the audit row. Shared by
 * TAXII POST and /api/v1/eve.
 *
 * Ownership: objects.owner_org records who created each id (org 0: the hub,
 * for organisation identities and Suricata rule indicators). Another
 * organisation that can see the object may re-post it unchanged into
 * another collection (a relay); any other version from it is refused with
 * the reason. The coordinator's admin may correct or retract (revoke)
 * others' objects by giving x_vigil_correction_reason; the version is
 * stamped x_vigil_corrected_by and audited as "correct" / "retract".
 * An id that exists only where the poster cannot see it is answered
 * exactly as a new id would be: the poster's object is stored in a lineage
 * of its own (objects.lineage = its organisation), which only it sees, so
 * the answer reveals nothing and the owner's object is untouched; the
 * collision is audited. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hub/hub_json.h"
#include "hub/hub_granular.h"
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
    /* The dashboard's counters (schema migration 5), in the same
     * transaction: per hour and per day for the heat map and trends, per
     * day and indicator for the top lists. Keyed by every column the TLP rules of
     * hub_sighting_visibility read, so each caller's view stays exact. */
    struct hub_db_param ph[] = {DB_INT(seen / HUB_HOUR_US), DB_TEXT(caller->org.sector),
                                DB_INT(severity),           DB_INT(caller->org.id),
                                DB_TEXT(tlp),               DB_TEXT(coll->id),
                                DB_INT(count),              DB_TEXT(ref)};
    rc = hub_db_exec(c,
                     "INSERT INTO sighting_hours (hour, sector, severity, org_id, tlp, coll, count)"
                     " VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (hour, sector, severity,"
                     " org_id, tlp, coll) DO UPDATE SET count = sighting_hours.count +"
                     " excluded.count",
                     7, ph, NULL, msg, msglen);
    if (rc < 0)
        return rc;
    ph[0] = DB_INT(seen / HUB_DAY_US);
    rc = hub_db_exec(c,
                     "INSERT INTO sighting_days (day, sector, severity, org_id, tlp, coll, count)"
                     " VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (day, sector, severity,"
                     " org_id, tlp, coll) DO UPDATE SET count = sighting_days.count +"
                     " excluded.count",
                     7, ph, NULL, msg, msglen);
    if (rc < 0)
        return rc;
    rc = hub_db_exec(c,
                     "INSERT INTO sighting_indicator_days (day, sector, severity, org_id, tlp, coll,"
                     " count, indicator_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT"
                     " (day, indicator_id, sector, severity, org_id, tlp, coll) DO UPDATE SET"
                     " count = sighting_indicator_days.count + excluded.count",
                     8, ph, NULL, msg, msglen);
    if (rc < 0)
        return rc;
    s->sightings_gen++;
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

/* Limits on stored content, within what common STIX clients parse (the
 * OASIS Python libraries recurse per nesting level). */
#define STIX_MAX_DEPTH 32
#define STIX_MAX_STRING (1u << 20)
#define STIX_MAX_ARRAY 10000
#define STIX_MAX_MEMBERS 1000

/* One step of the property path to a value: written out only for an
 * error message (formatting it for every nested member cost ~6,000
 * instructions per realistic object; callgrind, issue 12). */
struct limit_path {
    const struct limit_path *up;
    const char *key; /* member name, or NULL for list item index */
    size_t index;
};

static void limit_path_format(const struct limit_path *lp, char *out, size_t outlen)
{
    const struct limit_path *steps[STIX_MAX_DEPTH + 2];
    int n = 0;
    for (; lp && n < (int)(sizeof steps / sizeof steps[0]); lp = lp->up)
        steps[n++] = lp;
    size_t len = 0;
    out[0] = 0;
    for (int i = n - 1; i >= 0 && len < outlen; i--) {
        int w = steps[i]->key ? snprintf(out + len, outlen - len, "%s%.64s", len ? "." : "",
                                         steps[i]->key)
                              : snprintf(out + len, outlen - len, ".[%zu]", steps[i]->index);
        len += w > 0 ? (size_t)w : 0;
    }
}

/* Checks nesting depth and sizes; lp is the property path so far. */
static int check_limits(const json_t *v, int depth, const struct limit_path *lp, char *msg,
                        size_t msglen)
{
    char path[1024];
    if (depth > STIX_MAX_DEPTH) {
        limit_path_format(lp, path, sizeof path);
        snprintf(msg, msglen, "property '%.500s': nested more than %d levels deep", path,
                 STIX_MAX_DEPTH);
        return -EINVAL;
    }
    if (json_is_string(v) && json_string_length(v) > STIX_MAX_STRING) {
        limit_path_format(lp, path, sizeof path);
        snprintf(msg, msglen, "property '%.500s': string of %zu bytes, limit %u", path,
                 json_string_length(v), STIX_MAX_STRING);
        return -EINVAL;
    }
    if (json_is_array(v)) {
        if (json_array_size(v) > STIX_MAX_ARRAY) {
            limit_path_format(lp, path, sizeof path);
            snprintf(msg, msglen, "property '%.500s': list of %zu items, limit %d", path,
                     json_array_size(v), STIX_MAX_ARRAY);
            return -EINVAL;
        }
        size_t i;
        const json_t *e;
        json_array_foreach(v, i, e)
        {
            if (json_is_string(e) && json_string_length(e) <= STIX_MAX_STRING)
                continue;
            if (json_is_array(e) || json_is_object(e) || json_is_string(e)) {
                struct limit_path step = {.up = lp, .index = i};
                int rc = check_limits(e, depth + 1, &step, msg, msglen);
                if (rc < 0)
                    return rc;
            }
        }
    } else if (json_is_object(v)) {
        if (json_object_size(v) > STIX_MAX_MEMBERS) {
            limit_path_format(lp, path, sizeof path);
            snprintf(msg, msglen, "property '%.500s': %zu members, limit %d", lp ? path : "(object)",
                     json_object_size(v), STIX_MAX_MEMBERS);
            return -EINVAL;
        }
        const char *k;
        const json_t *e;
        json_object_foreach((json_t *)v, k, e)
        {
            if (json_is_string(e) && json_string_length(e) <= STIX_MAX_STRING)
                continue;
            if (json_is_array(e) || json_is_object(e) || json_is_string(e)) {
                struct limit_path step = {.up = lp, .key = k};
                int rc = check_limits(e, depth + 1, &step, msg, msglen);
                if (rc < 0)
                    return rc;
            }
        }
    }
    return 0;
}

static const char *const tlp_by_rank[] = {"clear", "green", "amber", "amber+strict", "red"};

int hub_object_prepare(struct hub_server *s, const struct hub_collection *coll,
                       const struct hub_caller *caller, json_t *obj, struct hub_object_prepared *p,
                       char *msg, size_t msglen)
{
    bool as_hub = p->as_hub, once = p->once_per_collection;
    memset(p, 0, sizeof *p);
    p->as_hub = as_hub;
    p->once_per_collection = once;
    p->obj = obj;
    if (!json_is_object(obj)) {
        snprintf(msg, msglen, "not a JSON object");
        return -EINVAL;
    }
    const char *id = json_string_value(json_object_get(obj, "id"));
    char lim[600];
    if (check_limits(obj, 0, NULL, lim, sizeof lim) < 0) {
        snprintf(msg, msglen,
                 "%.120s: %s (the hub keeps objects that common STIX clients can "
                 "read)",
                 id ? id : "object", lim);
        return -EINVAL;
    }
    if (stix_object_validate(obj, msg, msglen) < 0)
        return -EINVAL;
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
    const char *obj_tlp = hub_tlp_of_object(obj, s->cfg.unmarked_tlp);
    bool unmarked = obj_tlp == s->cfg.unmarked_tlp && !json_object_get(obj, "object_marking_refs");
    int eff, part;
    hub_granular_classify(obj, hub_tlp_rank(obj_tlp), &eff, &part);
    p->tlp = eff >= 0 ? tlp_by_rank[eff] : obj_tlp;
    p->gtlp = part >= 0 ? tlp_by_rank[part] : NULL;
    int rank = hub_tlp_rank(p->tlp);
    if (coll->kind == HUB_COLL_NATIONAL && (rank == 2 || rank == 3)) {
        snprintf(msg, msglen,
                 "%s: %s TLP:%s, and the national collection reaches every organisation: mark it "
                 "TLP:CLEAR or TLP:GREEN (\"object_marking_refs\": [\"%s\"] for GREEN)%s, or post "
                 "it to your sector's or your own collection",
                 id, unmarked ? "an object without a TLP marking counts as" : "the object is",
                 p->tlp, stix_tlp2_marking_id("green"),
                 eff > hub_tlp_rank(obj_tlp) ? " and its granular markings allow that" : "");
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
        snprintf(p->version_text, sizeof p->version_text, "%s", when);
    }
    p->spec_version = json_string_value(json_object_get(obj, "spec_version"));
    if (!p->spec_version)
        p->spec_version = "2.1";
    p->revoked = json_is_true(json_object_get(obj, "revoked"));
    p->correction = json_string_value(json_object_get(obj, "x_vigil_correction_reason"));
    if (p->correction && !*p->correction)
        p->correction = NULL;
    /* created_by_ref: the poster's identity, set when absent (not on the
     * hub's own objects, TLP marking definitions, or objects without
     * versioning properties). */
    const char *creator = json_string_value(json_object_get(obj, "created_by_ref"));
    bool tlp_definition =
        strcmp(type, "marking-definition") == 0 && stix_tlp_marking_normalize(id) != NULL;
    if (creator && strcmp(creator, caller->org.identity_id) != 0 && !p->as_hub)
        p->foreign_creator = true;
    else if (!creator && !p->as_hub && !tlp_definition && json_object_get(obj, "created")) {
        json_object_set_new(obj, "created_by_ref", hub_json_str(caller->org.identity_id));
        p->creator_added = true;
    }
    if (strcmp(type, "marking-definition") != 0)
        tlp_refs_to_v2(obj);
    p->body = hub_json_compact(obj, NULL);
    if (!p->body) {
        snprintf(msg, msglen, "%s: out of memory", id);
        return -ENOMEM;
    }
    p->ok = true;
    return 0;
}

/* SQL condition: the caller may see row "o" in whatever collection it is
 * ($1 org id, $2 sector, $3 coordinator 0/1). */
#define VISIBLE_ANYWHERE                                                                           \
    "(o.producer_org = $1 OR o.tlp IN ('clear', 'green') OR (o.tlp IN ('amber', 'amber+strict')"   \
    " AND ($3 = 1 OR o.coll IN (SELECT c.id FROM collections c WHERE c.kind = 'national'"          \
    " OR (c.kind = 'sector' AND c.sector = $2) OR (c.kind = 'org' AND c.org_id = $1))))"           \
    " OR (o.tlp = 'red' AND EXISTS (SELECT 1 FROM object_recipients r WHERE r.object_id = o.id"    \
    " AND r.org_id = $1)))"

/* Whether a posted object is the stored one. A posted object without
 * created_by_ref (the hub added the poster's) matches whatever attribution
 * the stored one has: it restates the object without claiming it. */
static bool same_content(const char *stored, json_t *posted, bool creator_added)
{
    json_t *a = json_loads(stored, 0, NULL);
    if (!a)
        return false;
    bool eq;
    if (creator_added) {
        json_t *b = json_copy(posted);
        json_object_del(b, "created_by_ref");
        json_object_del(a, "created_by_ref");
        eq = json_equal(a, b);
        json_decref(b);
    } else {
        eq = json_equal(a, posted);
    }
    json_decref(a);
    return eq;
}

/* NEW: the id was unknown (no version can exist: the existing-versions
 * lookup is skipped, which is the bulk-ingest path). */
enum ownership { OWN, NEW, RELAY, CORRECT, SHADOW };

/* Decides how the caller may post p (see the file comment). Returns 0 with
 * *how set, or -EPERM with the reason in msg. */
static int decide_ownership(struct hub_db_conn *c, const struct hub_caller *caller,
                            struct hub_object_prepared *p, enum ownership *how, int64_t *owner_out,
                            char *msg, size_t msglen)
{
    int64_t me = p->as_hub ? 0 : caller->org.id;
    const char *creator_refusal =
        "%s: created_by_ref must be your organisation's identity %s, or absent (the hub then "
        "sets it): only the creator of an object may post it (STIX 2.1 section 3.6)";
    /* The owner is on every row of the id (owner_org); none: a new id. */
    int64_t owner = -1;
    struct hub_db_param pid[] = {DB_TEXT(p->id)};
    int rc = hub_db_query_i64(c,
                              "SELECT COALESCE(owner_org, producer_org) FROM objects"
                              " WHERE stix_id = $1 AND lineage = 0 LIMIT 1",
                              1, pid, -1, &owner, msg, msglen);
    if (rc < 0)
        return rc;
    *owner_out = owner < 0 ? me : owner;
    if (owner < 0 || owner == me) {
        if (p->foreign_creator) {
            snprintf(msg, msglen, creator_refusal, p->id, caller->org.identity_id);
            return -EPERM;
        }
        *how = owner < 0 ? NEW : OWN;
        return 0;
    }
    /* Someone else's: what of it may the caller see? */
    struct hub_db_param pv[] = {DB_INT(caller->org.id), DB_TEXT(caller->org.sector),
                                DB_INT(caller->org.coordinator ? 1 : 0), DB_TEXT(p->id),
                                DB_TEXT(p->version)};
    struct hub_db_result r;
    rc = hub_db_exec(c,
                     "SELECT o.version, o.body, o.tlp, o.producer_org FROM objects o"
                     " WHERE o.stix_id = $4 AND o.lineage = 0 AND " VISIBLE_ANYWHERE
                     " ORDER BY CASE WHEN o.version = $5 THEN 0 ELSE 1 END, o.version DESC"
                     " LIMIT 1",
                     5, pv, &r, msg, msglen);
    if (rc < 0) {
        hub_db_result_free(&r);
        return rc;
    }
    if (r.nrows == 0) {
        hub_db_result_free(&r);
        /* Invisible: answered as a new id would be. */
        if (p->foreign_creator) {
            snprintf(msg, msglen, creator_refusal, p->id, caller->org.identity_id);
            return -EPERM;
        }
        *how = SHADOW;
        return 0;
    }
    bool same_version = strcmp(hub_db_cell(&r, 0, 0), p->version) == 0;
    if (same_version && same_content(hub_db_cell(&r, 0, 1), p->obj, p->creator_added)) {
        bool strict = strcmp(hub_db_cell(&r, 0, 2), "amber+strict") == 0 &&
                      hub_db_cell_i64(&r, 0, 3) != caller->org.id;
        char *stored = strdup(hub_db_cell(&r, 0, 1));
        hub_db_result_free(&r);
        if (strict) {
            free(stored);
            snprintf(msg, msglen,
                     "%s: TLP:AMBER+STRICT object may only be re-posted by its producer", p->id);
            return -EPERM;
        }
        /* The stored text, not the hub-completed one. */
        if (!stored)
            return -ENOMEM;
        free(p->body);
        p->body = stored;
        *how = RELAY;
        return 0;
    }
    if (p->correction && caller->org.coordinator && caller->role == HUB_ROLE_ADMIN) {
        /* Keep the creator's attribution; stamp the correction. */
        json_t *prev = json_loads(hub_db_cell(&r, 0, 1), 0, NULL);
        json_t *cb = prev ? json_object_get(prev, "created_by_ref") : NULL;
        if (cb)
            json_object_set(p->obj, "created_by_ref", cb);
        else
            json_object_del(p->obj, "created_by_ref");
        json_decref(prev);
        json_object_set_new(p->obj, "x_vigil_corrected_by", hub_json_str(caller->org.identity_id));
        char *body = hub_json_compact(p->obj, NULL);
        hub_db_result_free(&r);
        if (!body)
            return -ENOMEM;
        free(p->body);
        p->body = body;
        *how = CORRECT;
        return 0;
    }
    hub_db_result_free(&r);
    if (owner == 0)
        snprintf(msg, msglen,
                 "%s: managed by the hub (organisation identities and rule indicators are "
                 "changed with vigil hub admin or /api/v1/orgs), not by posting",
                 p->id);
    else
        snprintf(msg, msglen,
                 "%s: created by another organisation: only its creator may post new versions of "
                 "it or revoke it (STIX 2.1 section 3.6); the coordinator's admin may correct or "
                 "retract it with x_vigil_correction_reason",
                 p->id);
    return -EPERM;
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
    if (!p->version[0]) {
        hub_timestamp_format(date_added, p->version, sizeof p->version);
        p->version_auto = true;
    }
    if (!p->version_text[0])
        snprintf(p->version_text, sizeof p->version_text, "%s", p->version);
    const char *version = p->version;
    bool revoked = p->revoked;

    enum ownership how;
    int64_t owner;
    int rc = decide_ownership(c, caller, p, &how, &owner, msg, msglen);
    if (rc < 0)
        return rc;
    int64_t lineage = how == SHADOW ? caller->org.id : 0;
    if (how == SHADOW)
        owner = caller->org.id;

    /* Existing versions of this lineage, in this and other collections. */
    struct hub_db_param pid[] = {DB_TEXT(id), DB_INT(lineage)};
    struct hub_db_result r = {0};
    if (how != NEW)
        rc = hub_db_exec(c,
                         "SELECT coll, version, revoked, tlp, producer_org FROM objects"
                         " WHERE stix_id = $1 AND lineage = $2",
                         2, pid, &r, msg, msglen);
    if (rc < 0) {
        hub_db_result_free(&r);
        return rc;
    }
    bool newest = true, oldest = true, was_revoked = false, in_collection = false;
    int nexisting = 0;
    for (int i = 0; i < r.nrows; i++) {
        const char *rcoll = hub_db_cell(&r, i, 0);
        const char *rversion = hub_db_cell(&r, i, 1);
        const char *rtlp = hub_db_cell(&r, i, 3);
        int64_t rproducer = hub_db_cell_i64(&r, i, 4);
        if (strcmp(rcoll, coll->id) != 0) {
            if (strcmp(rtlp, "amber+strict") == 0 && rproducer != caller->org.id &&
                how != CORRECT) {
                snprintf(msg, msglen,
                         "%s: TLP:AMBER+STRICT object may only be re-posted by its producer", id);
                hub_db_result_free(&r);
                return -EPERM;
            }
            continue;
        }
        in_collection = true;
        nexisting++;
        int cmp = strcmp(rversion, version);
        if (cmp == 0) {
            /* The same version again: idempotent success. */
            snprintf(version_out, 48, "%s", p->version_text);
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
    if (in_collection && p->once_per_collection) {
        snprintf(version_out, 48, "%s", p->version_text);
        return 0;
    }
    if (was_revoked) {
        snprintf(msg, msglen, "%s: object was revoked; no further versions accepted", id);
        return -EPERM;
    }

    struct hub_db_param pi[] = {
        DB_TEXT(coll->id),        DB_TEXT(id),        DB_TEXT(type),    DB_TEXT(p->spec_version),
        DB_TEXT(version),         DB_INT(date_added), DB_TEXT(tlp),     DB_INT(caller->org.id),
        DB_INT(revoked),          DB_INT(newest),     DB_INT(oldest),   DB_TEXT(p->body),
        DB_TEXT(p->version_text), DB_INT(lineage),    DB_TEXT(p->gtlp), DB_INT(owner)};
    int64_t row_id;
    rc = hub_db_query_i64(c,
                          "INSERT INTO objects (coll, stix_id, type, spec_version, version,"
                          " date_added, tlp, producer_org, revoked, is_latest, is_first, body,"
                          " version_text, lineage, gtlp, owner_org)"
                          " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14,"
                          " $15, $16) RETURNING id",
                          16, pi, -1, &row_id, msg, msglen);
    if (rc < 0)
        return rc;
    hub_db_objects_added(c);
    if (nexisting > 0 && (newest || oldest)) {
        struct hub_db_param pu[] = {DB_TEXT(coll->id), DB_TEXT(id), DB_INT(row_id),
                                    DB_INT(lineage)};
        if (newest)
            rc = hub_db_exec(c,
                             "UPDATE objects SET is_latest = 0 WHERE coll = $1 AND stix_id = $2"
                             " AND id <> $3 AND is_latest = 1 AND lineage = $4",
                             4, pu, NULL, msg, msglen);
        if (rc == 0 && oldest)
            rc = hub_db_exec(c,
                             "UPDATE objects SET is_first = 0 WHERE coll = $1 AND stix_id = $2"
                             " AND id <> $3 AND is_first = 1 AND lineage = $4",
                             4, pu, NULL, msg, msglen);
        if (rc < 0)
            return rc;
    }
    if (rank == 4 || (p->gtlp && strcmp(p->gtlp, "red") == 0)) {
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
    /* Sightings in a quarantined lineage do not feed correlation. */
    if (strcmp(type, "sighting") == 0 && !revoked && how != SHADOW) {
        rc = record_sighting(s, c, coll, caller, p->obj, tlp, severity, msg, msglen);
        if (rc < 0)
            return rc;
    }
    const char *action = how == SHADOW    ? "write-collision"
                         : how == CORRECT ? (revoked ? "retract" : "correct")
                         : how == RELAY   ? "relay"
                                          : "write";
    char detail[300];
    snprintf(detail, sizeof detail, "%s%s%.200s", p->version_text, how == CORRECT ? ": " : "",
             how == CORRECT ? p->correction : "");
    rc = hub_audit_write(c, caller, action, coll->id, id, tlp, detail);
    if (rc < 0) {
        snprintf(msg, msglen, "%s: audit log unavailable", id);
        return rc;
    }
    snprintf(version_out, 48, "%s", p->version_text);
    return 0;
}

int hub_object_store(struct hub_server *s, struct hub_db_conn *c, const struct hub_collection *coll,
                     const struct hub_caller *caller, json_t *obj, int64_t date_added, int severity,
                     unsigned flags, char *version_out, char *msg, size_t msglen)
{
    struct hub_object_prepared p = {.as_hub = (flags & HUB_STORE_AS_HUB) != 0,
                                    .once_per_collection =
                                        (flags & HUB_STORE_ONCE_PER_COLLECTION) != 0};
    version_out[0] = 0;
    int rc = hub_object_prepare(s, coll, caller, obj, &p, msg, msglen);
    if (rc == 0)
        rc = hub_object_commit(s, c, coll, caller, &p, date_added, severity, version_out, msg,
                               msglen);
    hub_object_prepared_free(&p);
    return rc;
}

/* ---- bulk path ------------------------------------------------------------ */

/* Rows per multi-row statement: the largest of these that fits, so that only
 * a handful of statement texts exist (each is prepared once per connection). */
static const size_t batch_sizes[] = {128, 32, 8, 2, 1};

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Builds "INSERT ... VALUES (...),(...)" of rows rows of ncols placeholders
 * each (numbered in order) followed by tail. Caller frees. */
static char *multi_insert_sql(const char *head, int ncols, size_t rows, const char *tail)
{
    size_t cap = strlen(head) + strlen(tail) + rows * (size_t)ncols * 8 + rows * 4 + 16;
    char *sql = malloc(cap);
    if (!sql)
        return NULL;
    size_t len = (size_t)snprintf(sql, cap, "%s", head);
    int k = 1;
    for (size_t r = 0; r < rows; r++) {
        len += (size_t)snprintf(sql + len, cap - len, "%s(", r ? "," : "");
        for (int c = 0; c < ncols; c++)
            len += (size_t)snprintf(sql + len, cap - len, "%s$%d", c ? "," : "", k++);
        len += (size_t)snprintf(sql + len, cap - len, ")");
    }
    snprintf(sql + len, cap - len, "%s", tail);
    return sql;
}

/* The statement texts of the bulk path, built once per process: a few
 * kilobytes each, formerly formatted again for every 128 objects. */
#define NBATCH (sizeof batch_sizes / sizeof batch_sizes[0])
static char *sql_exists[NBATCH], *sql_objects[NBATCH], *sql_audit[NBATCH];
static bool sql_ready;
static pthread_once_t sql_once = PTHREAD_ONCE_INIT;

static void bulk_sql_build(void)
{
    bool ok = true;
    for (size_t k = 0; k < NBATCH; k++) {
        size_t rows = batch_sizes[k];
        size_t cap = rows * 8 + 64;
        sql_exists[k] = malloc(cap);
        if (sql_exists[k]) {
            size_t len =
                (size_t)snprintf(sql_exists[k], cap, "SELECT stix_id FROM objects WHERE stix_id IN (");
            for (size_t r = 0; r < rows; r++)
                len += (size_t)snprintf(sql_exists[k] + len, cap - len, "%s$%zu", r ? "," : "",
                                        r + 1);
            snprintf(sql_exists[k] + len, cap - len, ")");
        }
        sql_objects[k] = multi_insert_sql(
            "INSERT INTO objects (coll, stix_id, type, spec_version, version, date_added, tlp,"
            " producer_org, revoked, is_latest, is_first, body, version_text, lineage, gtlp,"
            " owner_org) VALUES ",
            16, rows, "");
        sql_audit[k] = multi_insert_sql(
            "INSERT INTO audit (ts, org_id, role, action, coll, stix_id, tlp, detail) VALUES ", 8,
            rows, "");
        ok = ok && sql_exists[k] && sql_objects[k] && sql_audit[k];
    }
    sql_ready = ok;
}

/* The largest batch size that fits in left rows (index into batch_sizes). */
static size_t batch_pick(size_t left)
{
    for (size_t k = 0; k < NBATCH; k++)
        if (batch_sizes[k] <= left)
            return k;
    return NBATCH - 1;
}

int hub_object_commit_batch(struct hub_server *s, struct hub_db_conn *c,
                            const struct hub_collection *coll, const struct hub_caller *caller,
                            struct hub_object_prepared *p, size_t n, int64_t first_added, char *msg,
                            size_t msglen)
{
    (void)s;
    if (n < 2)
        return 0;
    pthread_once(&sql_once, bulk_sql_build);
    if (!sql_ready)
        return 0; /* the per-object path still works */
    /* Candidates: plain objects whose id appears once in the envelope. */
    size_t *cand = malloc(n * sizeof *cand);
    const char **ids = malloc(n * sizeof *ids);
    if (!cand || !ids) {
        free(cand);
        free(ids);
        return 0; /* the per-object path still works */
    }
    size_t nids = 0;
    for (size_t i = 0; i < n; i++)
        if (p[i].ok && p[i].id)
            ids[nids++] = p[i].id;
    qsort(ids, nids, sizeof *ids, cmp_str);
    size_t ncand = 0;
    for (size_t i = 0; i < n; i++) {
        struct hub_object_prepared *o = &p[i];
        if (!o->ok || o->foreign_creator || o->as_hub || o->once_per_collection || o->correction ||
            strcmp(o->type, "sighting") == 0 || hub_tlp_rank(o->tlp) == 4 ||
            (o->gtlp && strcmp(o->gtlp, "red") == 0))
            continue;
        const char **hit = bsearch(&o->id, ids, nids, sizeof *ids, cmp_str);
        if (!hit || (hit > ids && strcmp(hit[-1], o->id) == 0) ||
            (hit + 1 < ids + nids && strcmp(hit[1], o->id) == 0))
            continue;
        cand[ncand++] = i;
    }
    free(ids);
    int rc = 0;
    int64_t now = hub_now_us();
    struct hub_db_param *params = malloc(128 * 16 * sizeof *params);
    bool *is_new = calloc(n, sizeof *is_new);
    if (!params || !is_new) {
        free(params);
        free(is_new);
        free(cand);
        return 0;
    }
    /* 1. Which ids exist already (any lineage)? The others are new. */
    for (size_t k = 0; k < ncand; k++)
        is_new[cand[k]] = true;
    for (size_t done = 0; rc == 0 && done < ncand;) {
        size_t bk = batch_pick(ncand - done), rows = batch_sizes[bk];
        const char *sql = sql_exists[bk];
        for (size_t r = 0; r < rows; r++)
            params[r] = DB_TEXT(p[cand[done + r]].id);
        struct hub_db_result res = {0};
        /* Planned for these ids (PostgreSQL): a generic plan made while the
         * table was small stays a sequential scan as it grows, which was
         * 72% of the server's CPU in bulk ingest (perf, issue 12). */
        rc = hub_db_exec_once(c, sql, (int)rows, params, &res, msg, msglen);
        for (int k = 0; rc == 0 && k < res.nrows; k++)
            for (size_t r = 0; r < rows; r++)
                if (strcmp(hub_db_cell(&res, k, 0), p[cand[done + r]].id) == 0)
                    is_new[cand[done + r]] = false;
        hub_db_result_free(&res);
        done += rows;
    }
    /* 2. The new ones: objects, then their audit rows. */
    size_t nnew = 0;
    for (size_t k = 0; k < ncand; k++)
        if (is_new[cand[k]])
            cand[nnew++] = cand[k];
    for (size_t done = 0; rc == 0 && done < nnew;) {
        size_t bk = batch_pick(nnew - done), rows = batch_sizes[bk];
        for (size_t r = 0; r < rows; r++) {
            size_t i = cand[done + r];
            struct hub_object_prepared *o = &p[i];
            int64_t added = first_added + (int64_t)i;
            if (!o->version[0]) {
                hub_timestamp_format(added, o->version, sizeof o->version);
                o->version_auto = true;
            }
            if (!o->version_text[0])
                snprintf(o->version_text, sizeof o->version_text, "%s", o->version);
            struct hub_db_param *q = params + r * 16;
            q[0] = DB_TEXT(coll->id);
            q[1] = DB_TEXT(o->id);
            q[2] = DB_TEXT(o->type);
            q[3] = DB_TEXT(o->spec_version);
            q[4] = DB_TEXT(o->version);
            q[5] = DB_INT(added);
            q[6] = DB_TEXT(o->tlp);
            q[7] = DB_INT(caller->org.id);
            q[8] = DB_INT(o->revoked);
            q[9] = DB_INT(1);
            q[10] = DB_INT(1);
            q[11] = DB_TEXT(o->body);
            q[12] = DB_TEXT(o->version_text);
            q[13] = DB_INT(0);
            q[14] = DB_TEXT(o->gtlp);
            q[15] = DB_INT(caller->org.id);
        }
        rc = hub_db_exec(c, sql_objects[bk], (int)rows * 16, params, NULL, msg, msglen);
        if (rc < 0)
            break;
        hub_db_objects_added(c);
        for (size_t r = 0; r < rows; r++) {
            struct hub_object_prepared *o = &p[cand[done + r]];
            struct hub_db_param *q = params + r * 8;
            q[0] = DB_INT(now);
            q[1] = DB_INT(caller->org.id);
            q[2] = DB_TEXT(hub_role_name(caller->role));
            q[3] = DB_TEXT("write");
            q[4] = DB_TEXT(coll->id);
            q[5] = DB_TEXT(o->id);
            q[6] = DB_TEXT(o->tlp);
            q[7] = DB_TEXT(o->version_text);
        }
        rc = hub_db_exec(c, sql_audit[bk], (int)rows * 8, params, NULL, msg, msglen);
        for (size_t r = 0; rc == 0 && r < rows; r++)
            p[cand[done + r]].committed = true;
        done += rows;
    }
    free(params);
    free(is_new);
    free(cand);
    return rc;
}
