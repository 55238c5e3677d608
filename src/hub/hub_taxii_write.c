/* SPDX-License-Identifier: Apache-2.0 */
/* TAXII 2.1 writes: POST of an envelope to a collection's objects, DELETE of
 * an object. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hub/hub_json.h"
#include "hub/hub_handlers.h"
#include "hub/hub_taxii.h"
#include "hub/hub_tlp.h"
#include "hub/hub_util.h"
#include "util/log.h"

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
    if (build_object_query(q, req, coll, "o.id, o.producer_org, o.tlp, o.lineage", stix_id, "all",
                           &pa, resp) < 0 ||
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
        rc = hub_db_exec(req->db, "DELETE FROM object_recipients WHERE object_id = $1", 1, p, NULL,
                         err, sizeof err);
        if (rc == 0)
            rc = hub_db_exec(req->db, "DELETE FROM objects WHERE id = $1", 1, p, NULL, err,
                             sizeof err);
    }
    if (rc == 0) {
        /* The remaining versions get their first/last flags back. */
        struct hub_db_param p[] = {DB_TEXT(coll->id), DB_TEXT(stix_id),
                                   DB_INT(hub_db_cell_i64(&res, 0, 3))};
        rc = hub_db_exec(req->db,
                         "UPDATE objects SET is_latest = CASE WHEN version = (SELECT MAX(version)"
                         " FROM objects x WHERE x.coll = $1 AND x.stix_id = $2 AND x.lineage = $3)"
                         " THEN 1 ELSE 0 END, is_first = CASE WHEN version = (SELECT MIN(version)"
                         " FROM objects y WHERE y.coll = $1 AND y.stix_id = $2 AND y.lineage = $3)"
                         " THEN 1 ELSE 0 END WHERE coll = $1 AND stix_id = $2 AND lineage = $3",
                         3, p, NULL, err, sizeof err);
    }
    if (rc == 0) {
        char detail[32];
        snprintf(detail, sizeof detail, "%d versions", res.nrows);
        rc = hub_audit_write(req->db, caller, "delete", coll->id, stix_id, hub_db_cell(&res, 0, 2),
                             detail);
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

struct post_job {
    struct hub_server *s;
    const struct hub_collection *coll;
    const struct hub_caller *caller;
    json_t *objects;
    size_t total;
    struct hub_object_prepared *prep;
    char (*msgs)[512];
    json_t *status;    /* out */
    char *status_text; /* out, the stored text and the answer */
};

/* Stores one envelope's prepared objects and its status, inside the write
 * transaction of its group (hub_db_write_grouped). */
static int post_store(void *arg, struct hub_db_conn *c, char *err, size_t errlen)
{
    struct post_job *j = arg;
    struct hub_object_prepared *prep = j->prep;
    size_t total = j->total;
    /* Run again when its group was undone (hub_db_group.c): nothing of the
     * first try may remain. */
    json_decref(j->status);
    free(j->status_text);
    j->status = NULL;
    j->status_text = NULL;
    for (size_t k = 0; k < total; k++) {
        prep[k].committed = false;
        if (prep[k].version_auto) {
            prep[k].version[0] = 0;
            prep[k].version_text[0] = 0;
            prep[k].version_auto = false;
        }
    }
    int64_t first_added = 0;
    int rc = 0;
    if (total)
        rc = hub_clock_reserve(c, (int64_t)total, &first_added, err, errlen);
    /* New ids in bulk, a few statements for many objects; the rest below. */
    if (rc == 0 && total)
        rc = hub_object_commit_batch(j->s, c, j->coll, j->caller, prep, total, first_added, err,
                                     errlen);
    json_t *successes = json_array(), *failures = json_array();
    size_t i;
    json_t *obj;
    json_array_foreach(j->objects, i, obj)
    {
        if (rc < 0)
            break;
        char version[48];
        const char *id = json_string_value(json_object_get(obj, "id"));
        if (prep[i].committed) {
            json_array_append_new(
                successes, json_pack("{s:s, s:s}", "id", id, "version", prep[i].version_text));
            continue;
        }
        int orc = prep[i].ok ? -1 : -EINVAL;
        if (prep[i].ok)
            orc = hub_object_commit(j->s, c, j->coll, j->caller, &prep[i],
                                    first_added + (int64_t)i, 0, version, j->msgs[i],
                                    sizeof j->msgs[i]);
        if (orc == -EINVAL || orc == -EPERM || (!prep[i].ok)) {
            json_t *f = json_pack("{s:s, s:s}", "id", id ? id : "", "message", j->msgs[i]);
            json_array_append_new(failures, f);
        } else if (orc < 0) {
            snprintf(err, errlen, "%s", j->msgs[i]);
            rc = orc;
        } else {
            json_array_append_new(successes, json_pack("{s:s, s:s}", "id", id, "version", version));
        }
    }
    char status_id[37], ts[40];
    hub_uuid4(status_id);
    hub_timestamp_format(hub_now_us(), ts, sizeof ts);
    json_t *status =
        json_pack("{s:s, s:s, s:s, s:I, s:I, s:I, s:I}", "id", status_id, "status", "complete",
                  "request_timestamp", ts, "total_count", (json_int_t)total, "success_count",
                  (json_int_t)json_array_size(successes), "failure_count",
                  (json_int_t)json_array_size(failures), "pending_count", (json_int_t)0);
    if (json_array_size(successes))
        json_object_set(status, "successes", successes);
    if (json_array_size(failures))
        json_object_set(status, "failures", failures);
    json_decref(successes);
    json_decref(failures);
    char *status_text = status ? hub_json_compact(status, NULL) : NULL;
    if (rc == 0 && !status_text) {
        snprintf(err, errlen, "out of memory for the status");
        rc = -ENOMEM;
    }
    if (rc == 0) {
        struct hub_db_param p[] = {DB_TEXT(status_id), DB_INT(j->caller->org.id),
                                   DB_INT(hub_now_us()), DB_TEXT(status_text)};
        rc = hub_db_exec(c,
                         "INSERT INTO statuses (id, org_id, created, body) VALUES ($1, $2, $3, $4)",
                         4, p, NULL, err, errlen);
    }
    j->status = status;
    j->status_text = status_text;
    return rc;
}

static void handle_objects_post(struct hub_request *req, struct hub_response *resp,
                                const struct hub_collection *coll)
{
    struct hub_server *s = req->server;
    const struct hub_caller *caller = &req->caller;
    if (!hub_collection_can_write(coll, caller)) {
        hub_response_error(resp, 403, "Forbidden", "%s '%s' may not write to collection %s (%s)",
                           hub_role_name(caller->role), caller->org.name, coll->id, coll->title);
        return;
    }
    json_error_t jerr;
    /* The parsed envelope lives in this thread's arena (hub_json.h) until
     * taxii_objects_post resets it. */
    hub_json_arena_begin();
    json_t *env = hub_json_loadb(req->body, req->body_len, &jerr);
    hub_json_arena_end();
    if (!env) {
        hub_response_error(resp, 400, "Bad request",
                           "request body: invalid JSON at line %d, "
                           "column %d: %s",
                           jerr.line, jerr.column, jerr.text);
        return;
    }
    /* A STIX bundle is accepted where an envelope is expected, as the OASIS
     * reference server does (the stix2 library's TAXIICollectionSink posts
     * bundles). */
    bool bundle = json_is_object(env) && json_is_string(json_object_get(env, "type")) &&
                  strcmp(json_string_value(json_object_get(env, "type")), "bundle") == 0;
    const char *key;
    json_t *val;
    json_object_foreach(env, key, val)
    {
        bool ok = strcmp(key, "objects") == 0 ||
                  (!bundle && (strcmp(key, "more") == 0 || strcmp(key, "next") == 0)) ||
                  (bundle && (strcmp(key, "type") == 0 || strcmp(key, "id") == 0 ||
                              strcmp(key, "spec_version") == 0));
        if (!ok) {
            hub_response_error(resp, 400, "Bad request",
                               "request body: unknown field '%s' in the envelope", key);
            json_decref(env);
            return;
        }
    }
    json_t *objects = json_object_get(env, "objects");
    if (!json_is_object(env) || !json_is_array(objects)) {
        hub_response_error(
            resp, 400, "Bad request",
            "request body: expected a TAXII envelope {\"objects\": [...]} or a STIX bundle");
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
    char err[512];
    /* Phase 1, outside the write lock: validate, classify, serialise. */
    struct hub_object_prepared *prep = total ? calloc(total, sizeof *prep) : NULL;
    char(*msgs)[512] = total ? calloc(total, sizeof *msgs) : NULL;
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
    /* Phase 2, in a write transaction shared with the envelopes of other
     * requests waiting at the same time (group commit, hub_db_group.c). */
    struct post_job job = {.s = s,
                           .coll = coll,
                           .caller = caller,
                           .objects = objects,
                           .total = total,
                           .prep = prep,
                           .msgs = msgs};
    if (rc == 0)
        rc = hub_db_write_grouped(s->db, req->db, post_store, &job, err, sizeof err);
    for (i = 0; prep && i < total; i++)
        hub_object_prepared_free(&prep[i]);
    free(prep);
    free(msgs);
    json_decref(env);
    json_t *status = job.status;
    char *status_text = job.status_text;
    /* Success is reported only after the commit: an acknowledged object is durable. */
    if (rc < 0) {
        free(status_text);
        json_decref(status);
        log_error("hub: POST %s: %s", req->url, err);
        hub_response_error(resp, rc == -EBUSY ? 503 : 500,
                           rc == -EBUSY ? "Unavailable" : "Internal error",
                           "nothing stored: storage error");
        return;
    }
    json_int_t stored = json_integer_value(json_object_get(status, "success_count"));
    s->stored_since_analyze += (long)stored;
    atomic_fetch_add(&s->metrics.objects_total, (int64_t)stored);
    hub_count(&s->metrics.objects_stored, (uint64_t)stored);
    hub_count(&s->metrics.objects_refused,
              (uint64_t)json_integer_value(json_object_get(status, "failure_count")));
    json_decref(status);
    /* The stored text is the answer (serialised once). */
    resp->status = 202;
    resp->content_type = HUB_TAXII_MEDIA;
    free(resp->body);
    resp->body = status_text;
    resp->len = strlen(status_text);
}

void taxii_objects_post(struct hub_request *req, struct hub_response *resp)
{
    struct hub_collection coll;
    if (taxii_collection_of(req, resp, &coll) == 0)
        handle_objects_post(req, resp, &coll);
    /* Every value of the envelope is gone (handle_objects_post keeps none). */
    hub_json_arena_reset();
}

void taxii_object_delete(struct hub_request *req, struct hub_response *resp)
{
    struct hub_collection coll;
    if (taxii_collection_of(req, resp, &coll) == 0)
        handle_object_delete(req, resp, &coll, hub_request_param(req, "object"));
}
