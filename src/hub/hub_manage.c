/* SPDX-License-Identifier: Apache-2.0 */
/* Management over HTTP (JSON): an organisation's admin issues and revokes
 * its organisation's tokens; the coordinator's admin manages the hub (adds
 * organisations, manages every organisation's tokens). Everyone may list the
 * member organisations (their identities are TLP:CLEAR), which is how RED
 * recipients are found.
 *   GET  /api/v1/orgs
 *   POST /api/v1/orgs            {"name", "sector", "coordinator"?}
 *   GET  /api/v1/tokens          the caller's own tokens (an admin: its
 *                                organisation's; the coordinator's admin: all)
 *   POST /api/v1/tokens          {"role", "org"?, "expires_days"?}
 *                                -> {"token", "id", "expires"} (shown once)
 *   POST /api/v1/tokens/revoke   {"token"} or {"id"}
 *   POST /api/v1/tokens/rotate   {"grace_seconds"?} -> a new token like the
 *                                caller's; the caller's expires after the grace
 *                                period (default 0: at once, max 7 days) */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hub/hub_handlers.h"
#include "hub/hub_util.h"
#include "util/log.h"

static bool is_hub_admin(const struct hub_caller *c)
{
    return c->role == HUB_ROLE_ADMIN && c->org.coordinator;
}

static json_t *parse_body(struct hub_request *req, struct hub_response *resp)
{
    json_error_t jerr;
    json_t *body = json_loadb(req->body, req->body_len, JSON_REJECT_DUPLICATES, &jerr);
    if (!json_is_object(body)) {
        hub_response_error(resp, 400, "Bad request", "request body: %s",
                           body ? "expected a JSON object" : jerr.text);
        json_decref(body);
        return NULL;
    }
    return body;
}

/* Rejects fields outside the allowed list (NULL-terminated). */
static bool only_fields(json_t *body, const char *const *allowed, struct hub_response *resp)
{
    const char *key;
    json_t *v;
    json_object_foreach(body, key, v)
    {
        bool ok = false;
        for (const char *const *a = allowed; *a; a++)
            ok = ok || strcmp(*a, key) == 0;
        if (!ok) {
            hub_response_error(resp, 400, "Bad request", "request body: unknown field '%s'", key);
            return false;
        }
    }
    return true;
}

void orgs_list(struct hub_request *req, struct hub_response *resp)
{
    struct hub_org *orgs;
    int n;
    char err[256];
    if (hub_org_list(req->db, &orgs, &n, err, sizeof err) < 0) {
        log_error("hub: orgs: %s", err);
        hub_response_error(resp, 500, "Internal error", "storage error");
        return;
    }
    json_t *arr = json_array();
    for (int i = 0; i < n; i++)
        json_array_append_new(arr, json_pack("{s:s, s:s, s:s, s:b}", "name", orgs[i].name, "sector",
                                             orgs[i].sector, "identity_id", orgs[i].identity_id,
                                             "coordinator", orgs[i].coordinator));
    free(orgs);
    hub_response_json(resp, 200, "application/json", json_pack("{s:o}", "organisations", arr));
}

void orgs_add(struct hub_request *req, struct hub_response *resp)
{
    if (!is_hub_admin(&req->caller)) {
        hub_response_error(resp, 403, "Forbidden",
                           "only the coordinator's admin adds organisations");
        return;
    }
    json_t *body = parse_body(req, resp);
    if (!body)
        return;
    static const char *const allowed[] = {"name", "sector", "coordinator", NULL};
    const char *name = json_string_value(json_object_get(body, "name"));
    const char *sector = json_string_value(json_object_get(body, "sector"));
    bool coordinator = json_is_true(json_object_get(body, "coordinator"));
    if (!only_fields(body, allowed, resp)) {
        json_decref(body);
        return;
    }
    if (!name || !sector) {
        hub_response_error(resp, 400, "Bad request", "request body: 'name' and 'sector' required");
        json_decref(body);
        return;
    }
    struct hub_org org;
    char err[512];
    int rc = hub_org_add(req->db, name, sector, coordinator, &org, err, sizeof err);
    json_decref(body);
    if (rc == -EINVAL || rc == -EEXIST) {
        hub_response_error(resp, rc == -EEXIST ? 409 : 400,
                           rc == -EEXIST ? "Conflict" : "Bad request", "%s", err);
        return;
    }
    if (rc < 0) {
        log_error("hub: org add: %s", err);
        hub_response_error(resp, 500, "Internal error", "storage error");
        return;
    }
    hub_audit_write(req->db, &req->caller, "org-add", NULL, org.identity_id, NULL, org.name);
    hub_response_json(resp, 201, "application/json",
                      json_pack("{s:s, s:s, s:s}", "name", org.name, "sector", org.sector,
                                "identity_id", org.identity_id));
}

void tokens_issue(struct hub_request *req, struct hub_response *resp)
{
    const struct hub_caller *caller = &req->caller;
    if (caller->role != HUB_ROLE_ADMIN) {
        hub_response_error(resp, 403, "Forbidden", "tokens are issued by admin tokens");
        return;
    }
    json_t *body = parse_body(req, resp);
    if (!body)
        return;
    static const char *const allowed[] = {"role", "org", "expires_days", NULL};
    if (!only_fields(body, allowed, resp)) {
        json_decref(body);
        return;
    }
    const char *role_name = json_string_value(json_object_get(body, "role"));
    const char *org_name = json_string_value(json_object_get(body, "org"));
    enum hub_role role;
    if (!role_name || hub_role_parse(role_name, &role) < 0) {
        hub_response_error(resp, 400, "Bad request",
                           "request body: 'role' must be sensor, analyst or admin");
        json_decref(body);
        return;
    }
    struct hub_org org = caller->org;
    char err[256];
    if (org_name && strcmp(org_name, caller->org.name) != 0) {
        if (!is_hub_admin(caller)) {
            json_decref(body);
            hub_response_error(resp, 403, "Forbidden",
                               "an organisation's admin manages its own tokens only");
            return;
        }
        int rc = hub_org_find(req->db, org_name, &org, err, sizeof err);
        if (rc < 0) {
            hub_response_error(
                resp, rc == -ENOENT ? 404 : 500, rc == -ENOENT ? "Not found" : "Internal error",
                "organisation '%s' %s", org_name, rc == -ENOENT ? "does not exist" : "unavailable");
            json_decref(body);
            return;
        }
    }
    int64_t lifetime_s = req->server->cfg.token_lifetime_s;
    json_t *days = json_object_get(body, "expires_days");
    if (days) {
        if (!json_is_integer(days) || json_integer_value(days) < 0 ||
            json_integer_value(days) > 36500) {
            json_decref(body);
            hub_response_error(resp, 400, "Bad request",
                               "request body: 'expires_days' must be 0 (never) to 36500");
            return;
        }
        lifetime_s = (int64_t)json_integer_value(days) * 86400;
    }
    json_decref(body);
    char token[69], id[24];
    int64_t expires = lifetime_s > 0 ? hub_now_us() + lifetime_s * 1000000 : 0;
    if (hub_token_issue(req->db, &org, role, expires, token, id, err, sizeof err) < 0) {
        log_error("hub: token issue: %s", err);
        hub_response_error(resp, 500, "Internal error", "storage error");
        return;
    }
    hub_audit_write(req->db, caller, "token-issue", NULL, org.identity_id, NULL, id);
    json_t *out = json_pack("{s:s, s:s, s:s, s:s}", "org", org.name, "role", hub_role_name(role),
                            "token", token, "id", id);
    char ts[40];
    hub_timestamp_format(expires, ts, sizeof ts);
    json_object_set_new(out, "expires", expires ? hub_json_str(ts) : json_null());
    hub_response_json(resp, 201, "application/json", out);
}

void tokens_revoke(struct hub_request *req, struct hub_response *resp)
{
    const struct hub_caller *caller = &req->caller;
    if (caller->role != HUB_ROLE_ADMIN) {
        hub_response_error(resp, 403, "Forbidden", "tokens are revoked by admin tokens");
        return;
    }
    json_t *body = parse_body(req, resp);
    if (!body)
        return;
    static const char *const allowed[] = {"token", "id", NULL};
    const char *token = json_string_value(json_object_get(body, "token"));
    const char *id = json_string_value(json_object_get(body, "id"));
    if (!only_fields(body, allowed, resp)) {
        json_decref(body);
        return;
    }
    if (!token == !id) {
        json_decref(body);
        hub_response_error(resp, 400, "Bad request", "request body: 'token' or 'id' required");
        return;
    }
    /* Only tokens of the caller's organisation, unless the caller runs the hub;
     * a token of another organisation is reported as unknown. */
    char err[256], public_id[24] = "";
    int rc;
    if (token) {
        struct hub_caller owner;
        rc = hub_token_authenticate(req->db, token, hub_now_us(), &owner, err, sizeof err);
        if (rc == 0 && (owner.org.id == caller->org.id || is_hub_admin(caller))) {
            rc = hub_token_revoke(req->db, token, err, sizeof err);
            snprintf(public_id, sizeof public_id, "%s", owner.token_public);
        } else if (rc == 0 || rc == -EACCES) {
            rc = -ENOENT;
        }
    } else {
        rc = hub_token_revoke_id(req->db, id, is_hub_admin(caller) ? -1 : caller->org.id, err,
                                 sizeof err);
        snprintf(public_id, sizeof public_id, "%s", id);
    }
    json_decref(body);
    if (rc == -ENOENT || rc == -EINVAL) {
        hub_response_error(resp, rc == -EINVAL ? 400 : 404,
                           rc == -EINVAL ? "Bad request" : "Not found", "%s",
                           rc == -EINVAL ? err : "no such active token");
        return;
    }
    if (rc < 0) {
        log_error("hub: token revoke: %s", err);
        hub_response_error(resp, 500, "Internal error", "storage error");
        return;
    }
    hub_audit_write(req->db, caller, "token-revoke", NULL, caller->org.identity_id, NULL,
                    public_id);
    hub_response_json(resp, 200, "application/json",
                      json_pack("{s:b, s:s}", "revoked", 1, "id", public_id));
}

static json_t *token_json(const struct hub_token_info *t, const struct hub_caller *caller)
{
    char created[40], expires[40];
    hub_timestamp_format(t->created_us, created, sizeof created);
    hub_timestamp_format(t->expires_us, expires, sizeof expires);
    int64_t now = hub_now_us();
    const char *state = t->revoked                                ? "revoked"
                        : (t->expires_us && t->expires_us <= now) ? "expired"
                                                                  : "active";
    json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:b}", "id", t->id, "organisation", t->org,
                          "role", t->role, "created", created, "state", state, "current",
                          strcmp(t->id, caller->token_public) == 0);
    json_object_set_new(o, "expires", t->expires_us ? hub_json_str(expires) : json_null());
    return o;
}

void tokens_list(struct hub_request *req, struct hub_response *resp)
{
    const struct hub_caller *caller = &req->caller;
    struct hub_token_info *list;
    int n;
    char err[256];
    int64_t scope = is_hub_admin(caller) ? -1 : caller->org.id;
    if (hub_token_list(req->db, scope, &list, &n, err, sizeof err) < 0) {
        log_error("hub: token list: %s", err);
        hub_response_error(resp, 500, "Internal error", "storage error");
        return;
    }
    json_t *arr = json_array();
    for (int i = 0; i < n; i++) {
        /* Sensors and analysts see only the token they use. */
        if (caller->role != HUB_ROLE_ADMIN && strcmp(list[i].id, caller->token_public) != 0)
            continue;
        json_array_append_new(arr, token_json(&list[i], caller));
    }
    free(list);
    hub_response_json(resp, 200, "application/json", json_pack("{s:o}", "tokens", arr));
}

void tokens_rotate(struct hub_request *req, struct hub_response *resp)
{
    const struct hub_caller *caller = &req->caller;
    int64_t grace_s = 0;
    if (req->body_len) {
        json_t *body = parse_body(req, resp);
        if (!body)
            return;
        static const char *const allowed[] = {"grace_seconds", NULL};
        if (!only_fields(body, allowed, resp)) {
            json_decref(body);
            return;
        }
        json_t *g = json_object_get(body, "grace_seconds");
        if (g && (!json_is_integer(g) || json_integer_value(g) < 0 ||
                  json_integer_value(g) > 7 * 86400)) {
            json_decref(body);
            hub_response_error(resp, 400, "Bad request",
                               "request body: 'grace_seconds' must be 0 to 604800");
            return;
        }
        grace_s = g ? (int64_t)json_integer_value(g) : 0;
        json_decref(body);
    }
    /* The new token lives as long as the hub's default lifetime, never
     * longer than... a rotation is how a token is renewed, so it gets the
     * full default lifetime. */
    int64_t now = hub_now_us();
    int64_t lifetime_s = req->server->cfg.token_lifetime_s;
    int64_t expires = lifetime_s > 0 ? now + lifetime_s * 1000000 : 0;
    char err[256], token[69], id[24];
    int rc = hub_db_begin(req->db, err, sizeof err);
    if (rc == 0)
        rc = hub_token_issue(req->db, &caller->org, caller->role, expires, token, id, err,
                             sizeof err);
    int64_t old_expiry = now + grace_s * 1000000;
    if (caller->token_expires && caller->token_expires < old_expiry)
        old_expiry = caller->token_expires;
    if (rc == 0)
        rc = hub_token_set_expiry(req->db, caller->token_id, old_expiry, err, sizeof err);
    if (rc == 0)
        rc = hub_audit_write(req->db, caller, "token-rotate", NULL, caller->org.identity_id, NULL,
                             id);
    if (rc == 0)
        rc = hub_db_commit(req->db, err, sizeof err);
    if (rc < 0) {
        hub_db_rollback(req->db);
        log_error("hub: token rotate: %s", err);
        hub_response_error(resp, 500, "Internal error", "storage error");
        return;
    }
    char ts[40], old_ts[40];
    hub_timestamp_format(expires, ts, sizeof ts);
    hub_timestamp_format(old_expiry, old_ts, sizeof old_ts);
    json_t *out = json_pack("{s:s, s:s, s:s, s:s, s:s}", "token", token, "id", id, "role",
                            hub_role_name(caller->role), "replaces", caller->token_public,
                            "replaced_expires", old_ts);
    json_object_set_new(out, "expires", expires ? hub_json_str(ts) : json_null());
    hub_response_json(resp, 201, "application/json", out);
}
