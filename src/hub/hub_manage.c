/* SPDX-License-Identifier: Apache-2.0 */
/* Management over HTTP (JSON): an organisation's admin issues and revokes
 * its organisation's tokens; the coordinator's admin manages the hub (adds
 * organisations, manages every organisation's tokens). Everyone may list the
 * member organisations (their identities are TLP:CLEAR), which is how RED
 * recipients are found.
 *   GET  /api/v1/orgs
 *   POST /api/v1/orgs            {"name", "sector", "coordinator"?}
 *   POST /api/v1/tokens          {"role", "org"?}   -> {"token"} (shown once)
 *   POST /api/v1/tokens/revoke   {"token"} */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hub/hub_server.h"
#include "hub/hub_util.h"
#include "util/log.h"

static bool is_hub_admin(const struct hub_caller *c)
{
    return c->role == HUB_ROLE_ADMIN && c->org.coordinator;
}

static json_t *parse_body(struct hub_request *req, struct hub_response *resp)
{
    const char *ct = hub_request_header(req, "Content-Type");
    if (!ct || strncmp(ct, "application/json", 16) != 0) {
        hub_response_error(resp, 415, "Unsupported media type",
                           "Content-Type must be application/json");
        return NULL;
    }
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

static void orgs_list(struct hub_request *req, struct hub_response *resp)
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
        json_array_append_new(arr, json_pack("{s:s, s:s, s:s, s:b}", "name", orgs[i].name,
                                             "sector", orgs[i].sector, "identity_id",
                                             orgs[i].identity_id, "coordinator",
                                             orgs[i].coordinator));
    free(orgs);
    hub_response_json(resp, 200, "application/json", json_pack("{s:o}", "organisations", arr));
}

static void orgs_add(struct hub_request *req, struct hub_response *resp)
{
    if (!is_hub_admin(&req->caller)) {
        hub_response_error(resp, 403, "Forbidden", "only the coordinator's admin adds organisations");
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

static void tokens_issue(struct hub_request *req, struct hub_response *resp)
{
    const struct hub_caller *caller = &req->caller;
    if (caller->role != HUB_ROLE_ADMIN) {
        hub_response_error(resp, 403, "Forbidden", "tokens are issued by admin tokens");
        return;
    }
    json_t *body = parse_body(req, resp);
    if (!body)
        return;
    static const char *const allowed[] = {"role", "org", NULL};
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
            hub_response_error(resp, rc == -ENOENT ? 404 : 500,
                               rc == -ENOENT ? "Not found" : "Internal error",
                               "organisation '%s' %s", org_name,
                               rc == -ENOENT ? "does not exist" : "unavailable");
            json_decref(body);
            return;
        }
    }
    json_decref(body);
    char token[69];
    if (hub_token_issue(req->db, &org, role, token, err, sizeof err) < 0) {
        log_error("hub: token issue: %s", err);
        hub_response_error(resp, 500, "Internal error", "storage error");
        return;
    }
    hub_audit_write(req->db, caller, "token-issue", NULL, org.identity_id, NULL,
                    hub_role_name(role));
    hub_response_json(resp, 201, "application/json",
                      json_pack("{s:s, s:s, s:s}", "org", org.name, "role", hub_role_name(role),
                                "token", token));
}

static void tokens_revoke(struct hub_request *req, struct hub_response *resp)
{
    const struct hub_caller *caller = &req->caller;
    if (caller->role != HUB_ROLE_ADMIN) {
        hub_response_error(resp, 403, "Forbidden", "tokens are revoked by admin tokens");
        return;
    }
    json_t *body = parse_body(req, resp);
    if (!body)
        return;
    static const char *const allowed[] = {"token", NULL};
    const char *token = json_string_value(json_object_get(body, "token"));
    if (!only_fields(body, allowed, resp)) {
        json_decref(body);
        return;
    }
    if (!token) {
        json_decref(body);
        hub_response_error(resp, 400, "Bad request", "request body: 'token' required");
        return;
    }
    /* Only tokens of the caller's organisation, unless the caller runs the hub;
     * a token of another organisation is reported as unknown. */
    char err[256];
    struct hub_caller owner;
    int rc = hub_token_authenticate(req->db, token, &owner, err, sizeof err);
    if (rc == 0 && (owner.org.id == caller->org.id || is_hub_admin(caller)))
        rc = hub_token_revoke(req->db, token, err, sizeof err);
    else if (rc == 0 || rc == -EACCES)
        rc = -ENOENT;
    json_decref(body);
    if (rc == -ENOENT) {
        hub_response_error(resp, 404, "Not found", "no such active token");
        return;
    }
    if (rc < 0) {
        log_error("hub: token revoke: %s", err);
        hub_response_error(resp, 500, "Internal error", "storage error");
        return;
    }
    hub_audit_write(req->db, caller, "token-revoke", NULL, owner.org.identity_id, NULL,
                    hub_role_name(owner.role));
    hub_response_json(resp, 200, "application/json", json_pack("{s:b}", "revoked", 1));
}

bool hub_manage_handle(struct hub_request *req, struct hub_response *resp, const char *path)
{
    bool get = strcmp(req->method, "GET") == 0, post = strcmp(req->method, "POST") == 0;
    if (strcmp(path, "orgs") == 0 || strcmp(path, "orgs/") == 0) {
        if (get)
            orgs_list(req, resp);
        else if (post)
            orgs_add(req, resp);
        else
            hub_response_error(resp, 405, "Method not allowed", "orgs supports GET and POST");
        return true;
    }
    if (strcmp(path, "tokens") == 0 || strcmp(path, "tokens/") == 0) {
        if (post)
            tokens_issue(req, resp);
        else
            hub_response_error(resp, 405, "Method not allowed", "tokens supports POST");
        return true;
    }
    if (strcmp(path, "tokens/revoke") == 0 || strcmp(path, "tokens/revoke/") == 0) {
        if (post)
            tokens_revoke(req, resp);
        else
            hub_response_error(resp, 405, "Method not allowed", "tokens/revoke supports POST");
        return true;
    }
    return false;
}
