/* SPDX-License-Identifier: Apache-2.0 */
#include "hub/hub_store.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "hub/hub_json.h"
#include "hub/hub_util.h"

static const char *const sectors[] = {"agriculture",
                                      "aerospace",
                                      "automotive",
                                      "chemical",
                                      "commercial",
                                      "communications",
                                      "construction",
                                      "defense",
                                      "education",
                                      "energy",
                                      "entertainment",
                                      "financial-services",
                                      "government",
                                      "government-emergency-services",
                                      "government-local",
                                      "government-national",
                                      "government-public-services",
                                      "government-regional",
                                      "healthcare",
                                      "hospitality-leisure",
                                      "infrastructure",
                                      "infrastructure-dams",
                                      "infrastructure-nuclear",
                                      "infrastructure-water",
                                      "insurance",
                                      "manufacturing",
                                      "mining",
                                      "non-profit",
                                      "pharmaceuticals",
                                      "retail",
                                      "technology",
                                      "telecommunications",
                                      "transportation",
                                      "utilities",
                                      NULL};

bool hub_sector_is_valid(const char *sector)
{
    for (int i = 0; sectors[i]; i++)
        if (strcmp(sectors[i], sector) == 0)
            return true;
    return false;
}

const char *hub_role_name(enum hub_role r)
{
    switch (r) {
    case HUB_ROLE_SENSOR:
        return "sensor";
    case HUB_ROLE_ANALYST:
        return "analyst";
    case HUB_ROLE_ADMIN:
        return "admin";
    }
    return "?";
}

int hub_role_parse(const char *s, enum hub_role *out)
{
    if (strcmp(s, "sensor") == 0)
        *out = HUB_ROLE_SENSOR;
    else if (strcmp(s, "analyst") == 0)
        *out = HUB_ROLE_ANALYST;
    else if (strcmp(s, "admin") == 0)
        *out = HUB_ROLE_ADMIN;
    else
        return -EINVAL;
    return 0;
}

static void org_from_row(const struct hub_db_result *r, int row, struct hub_org *o)
{
    memset(o, 0, sizeof *o);
    o->id = hub_db_cell_i64(r, row, 0);
    snprintf(o->name, sizeof o->name, "%s", hub_db_cell(r, row, 1) ? hub_db_cell(r, row, 1) : "");
    snprintf(o->sector, sizeof o->sector, "%s",
             hub_db_cell(r, row, 2) ? hub_db_cell(r, row, 2) : "");
    snprintf(o->identity_id, sizeof o->identity_id, "%s",
             hub_db_cell(r, row, 3) ? hub_db_cell(r, row, 3) : "");
    o->coordinator = hub_db_cell_i64(r, row, 4) != 0;
}

#define ORG_COLUMNS "id, name, sector, identity_id, coordinator"

static int org_query_one(struct hub_db_conn *c, const char *sql, struct hub_db_param p,
                         struct hub_org *out, char *err, size_t errlen)
{
    struct hub_db_result r;
    int rc = hub_db_exec(c, sql, 1, &p, &r, err, errlen);
    if (rc == 0) {
        if (r.nrows == 0)
            rc = -ENOENT;
        else
            org_from_row(&r, 0, out);
    }
    hub_db_result_free(&r);
    return rc;
}

int hub_org_find(struct hub_db_conn *c, const char *name, struct hub_org *out, char *err,
                 size_t errlen)
{
    return org_query_one(c, "SELECT " ORG_COLUMNS " FROM orgs WHERE name = $1", DB_TEXT(name), out,
                         err, errlen);
}

int hub_org_get(struct hub_db_conn *c, int64_t id, struct hub_org *out, char *err, size_t errlen)
{
    return org_query_one(c, "SELECT " ORG_COLUMNS " FROM orgs WHERE id = $1", DB_INT(id), out, err,
                         errlen);
}

int hub_org_list(struct hub_db_conn *c, struct hub_org **out, int *count, char *err, size_t errlen)
{
    struct hub_db_result r;
    *out = NULL;
    *count = 0;
    int rc =
        hub_db_exec(c, "SELECT " ORG_COLUMNS " FROM orgs ORDER BY name", 0, NULL, &r, err, errlen);
    if (rc == 0 && r.nrows > 0) {
        *out = calloc((size_t)r.nrows, sizeof **out);
        if (!*out)
            rc = -ENOMEM;
        else {
            for (int i = 0; i < r.nrows; i++)
                org_from_row(&r, i, &(*out)[i]);
            *count = r.nrows;
        }
    }
    hub_db_result_free(&r);
    return rc;
}

/* The identity object published for an organisation (TLP:CLEAR, national). */
static char *org_identity_json(const char *identity_id, const char *name, const char *sector,
                               const char *ts)
{
    json_t *o =
        json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:[s], s:[s]}", "type", "identity",
                  "spec_version", "2.1", "id", identity_id, "created", ts, "modified", ts, "name",
                  name, "identity_class", "organization", "sectors", sector, "object_marking_refs",
                  "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487");
    if (!o)
        return NULL;
    char *s = hub_json_compact(o, NULL);
    json_decref(o);
    return s;
}

int hub_org_add(struct hub_db_conn *c, const char *name, const char *sector, bool coordinator,
                struct hub_org *out, char *err, size_t errlen)
{
    if (!*name || strlen(name) >= sizeof out->name) {
        snprintf(err, errlen, "--name: must be 1 to %zu characters", sizeof out->name - 1);
        return -EINVAL;
    }
    /* The name goes into a STIX identity (JSON): it must be UTF-8. */
    json_t *probe = json_string(name);
    if (!probe) {
        snprintf(err, errlen, "--name: not valid UTF-8");
        return -EINVAL;
    }
    json_decref(probe);
    if (!hub_sector_is_valid(sector)) {
        snprintf(err, errlen,
                 "--sector '%s': not a STIX industry-sector-ov value (e.g. energy, "
                 "financial-services, telecommunications, transportation, government-national)",
                 sector);
        return -EINVAL;
    }
    int rc = hub_db_begin(c, err, errlen);
    if (rc < 0)
        return rc;
    struct hub_org existing;
    rc = hub_org_find(c, name, &existing, err, errlen);
    if (rc == 0) {
        snprintf(err, errlen, "organisation '%s' already exists (%s)", name, existing.identity_id);
        hub_db_rollback(c);
        return -EEXIST;
    }
    if (rc != -ENOENT)
        goto fail;
    char uuid[37], identity[64];
    hub_uuid4(uuid);
    snprintf(identity, sizeof identity, "identity--%s", uuid);
    int64_t now = hub_now_us();
    struct hub_db_param p[] = {DB_TEXT(name), DB_TEXT(sector), DB_TEXT(identity),
                               DB_INT(coordinator ? 1 : 0), DB_INT(now)};
    rc = hub_db_exec(c,
                     "INSERT INTO orgs (name, sector, identity_id, coordinator, created)"
                     " VALUES ($1, $2, $3, $4, $5)",
                     5, p, NULL, err, errlen);
    if (rc < 0)
        goto fail;
    rc = hub_org_find(c, name, out, err, errlen);
    if (rc < 0)
        goto fail;

    /* The sector's collection, deterministic id so every hub agrees. */
    char key[160], cid[64], title[160], desc[256];
    snprintf(key, sizeof key, "sector:%s", sector);
    hub_uuid5(key, uuid);
    snprintf(cid, sizeof cid, "%s", uuid);
    snprintf(desc, sizeof desc, "Sector collection for %s organisations", sector);
    struct hub_db_param ps[] = {DB_TEXT(cid), DB_TEXT(sector), DB_TEXT(desc)};
    rc = hub_db_exec(c,
                     "INSERT INTO collections (id, kind, title, description, sector)"
                     " VALUES ($1, 'sector', $2, $3, $2) ON CONFLICT (id) DO NOTHING",
                     3, ps, NULL, err, errlen);
    if (rc < 0)
        goto fail;
    snprintf(key, sizeof key, "org:%s", identity);
    hub_uuid5(key, uuid);
    snprintf(cid, sizeof cid, "%s", uuid);
    snprintf(title, sizeof title, "%s", name);
    snprintf(desc, sizeof desc, "Own collection of organisation %s (%s)", name, sector);
    struct hub_db_param po[] = {DB_TEXT(cid), DB_TEXT(title), DB_TEXT(desc), DB_TEXT(sector),
                                DB_INT(out->id)};
    rc = hub_db_exec(c,
                     "INSERT INTO collections (id, kind, title, description, sector, org_id)"
                     " VALUES ($1, 'org', $2, $3, $4, $5)",
                     5, po, NULL, err, errlen);
    if (rc < 0)
        goto fail;

    /* Publish the organisation's identity (TLP:CLEAR) in the national collection. */
    char ts[40];
    hub_timestamp_format(now, ts, sizeof ts);
    char *body = org_identity_json(identity, name, sector, ts);
    if (!body) {
        snprintf(err, errlen, "cannot build the organisation's identity: out of memory");
        rc = -ENOMEM;
        goto fail;
    }
    int64_t added;
    rc = hub_clock_reserve(c, 1, &added, err, errlen);
    if (rc == 0) {
        struct hub_db_param pi[] = {DB_TEXT(identity), DB_TEXT(ts), DB_INT(added), DB_INT(out->id),
                                    DB_TEXT(body)};
        rc = hub_db_exec(c,
                         "INSERT INTO objects (coll, stix_id, type, spec_version, version,"
                         " version_text, date_added, tlp, producer_org, body, owner_org) VALUES"
                         " ('2b3b8a5e-5c1d-4d7e-9a53-1f0e4a6f1c01', $1, 'identity',"
                         " '2.1', $2, $2, $3, 'clear', $4, $5, 0)",
                         5, pi, NULL, err, errlen);
    }
    /* (owner_org 0: organisation identities are the hub's; no member may
     * version them.) */
    free(body);
    if (rc < 0)
        goto fail;
    return hub_db_commit(c, err, errlen);
fail:
    hub_db_rollback(c);
    return rc;
}

void hub_token_id_of_hash(const char *hash, char out[24])
{
    snprintf(out, 24, "tok-%.16s", hash);
}

int hub_token_issue(struct hub_db_conn *c, const struct hub_org *org, enum hub_role role,
                    int64_t expires_us, char token_out[69], char *id_out, char *err, size_t errlen)
{
    if (hub_token_generate(token_out) < 0) {
        snprintf(err, errlen, "token: no random source");
        return -EIO;
    }
    char hash[65];
    hub_sha256_hex(token_out, strlen(token_out), hash);
    if (id_out)
        hub_token_id_of_hash(hash, id_out);
    struct hub_db_param p[] = {DB_INT(org->id), DB_TEXT(hub_role_name(role)), DB_TEXT(hash),
                               DB_INT(hub_now_us()), expires_us > 0 ? DB_INT(expires_us) : DB_NULL};
    return hub_db_exec(c,
                       "INSERT INTO tokens (org_id, role, hash, created, expires)"
                       " VALUES ($1, $2, $3, $4, $5)",
                       5, p, NULL, err, errlen);
}

int hub_token_revoke(struct hub_db_conn *c, const char *token, char *err, size_t errlen)
{
    char hash[65];
    hub_sha256_hex(token, strlen(token), hash);
    struct hub_db_param p[] = {DB_TEXT(hash)};
    int rc = hub_db_exec(c, "UPDATE tokens SET revoked = 1 WHERE hash = $1 AND revoked = 0", 1, p,
                         NULL, err, errlen);
    if (rc == 0 && hub_db_changes(c) == 0) {
        snprintf(err, errlen, "token: no such active token");
        return -ENOENT;
    }
    return rc;
}

int hub_token_revoke_id(struct hub_db_conn *c, const char *token_id, int64_t org_id, char *err,
                        size_t errlen)
{
    /* "tok-" + 16 hex digits: a prefix of the hash. */
    if (strncmp(token_id, "tok-", 4) != 0 || strlen(token_id) != 20 ||
        strspn(token_id + 4, "0123456789abcdef") != 16) {
        snprintf(err, errlen, "token id '%.40s': expected tok- and 16 hex digits", token_id);
        return -EINVAL;
    }
    char pattern[24];
    snprintf(pattern, sizeof pattern, "%s%%", token_id + 4);
    struct hub_db_param p[] = {DB_TEXT(pattern), DB_INT(org_id)};
    int rc = hub_db_exec(c,
                         "UPDATE tokens SET revoked = 1 WHERE hash LIKE $1 AND revoked = 0"
                         " AND ($2 < 0 OR org_id = $2)",
                         2, p, NULL, err, errlen);
    if (rc == 0 && hub_db_changes(c) == 0) {
        snprintf(err, errlen, "no such active token");
        return -ENOENT;
    }
    return rc;
}

int hub_token_set_expiry(struct hub_db_conn *c, int64_t token_row, int64_t expires_us, char *err,
                         size_t errlen)
{
    struct hub_db_param p[] = {expires_us > 0 ? DB_INT(expires_us) : DB_NULL, DB_INT(token_row)};
    return hub_db_exec(c, "UPDATE tokens SET expires = $1 WHERE id = $2", 2, p, NULL, err, errlen);
}

int hub_token_authenticate(struct hub_db_conn *c, const char *token, int64_t now_us,
                           struct hub_caller *caller, char *err, size_t errlen)
{
    char hash[65];
    hub_sha256_hex(token, strlen(token), hash);
    return hub_token_authenticate_hash(c, hash, now_us, caller, err, errlen);
}

int hub_token_authenticate_hash(struct hub_db_conn *c, const char *hash, int64_t now_us,
                                struct hub_caller *caller, char *err, size_t errlen)
{
    struct hub_db_param p[] = {DB_TEXT(hash)};
    struct hub_db_result r;
    int rc =
        hub_db_exec(c,
                    "SELECT o.id, o.name, o.sector, o.identity_id, o.coordinator, t.role, t.id,"
                    " t.revoked, t.expires FROM tokens t JOIN orgs o ON o.id = t.org_id"
                    " WHERE t.hash = $1",
                    1, p, &r, err, errlen);
    if (rc == 0) {
        int64_t expires = r.nrows ? hub_db_cell_i64(&r, 0, 8) : 0;
        if (r.nrows == 0 || hub_db_cell_i64(&r, 0, 7)) {
            snprintf(err, errlen, "unknown or revoked token");
            rc = -EACCES;
        } else if (hub_db_cell(&r, 0, 8) && expires <= now_us) {
            char ts[40];
            hub_timestamp_format(expires, ts, sizeof ts);
            snprintf(err, errlen,
                     "token expired at %s: ask your organisation's admin for a new "
                     "one",
                     ts);
            rc = -EACCES;
        } else {
            org_from_row(&r, 0, &caller->org);
            if (hub_role_parse(hub_db_cell(&r, 0, 5), &caller->role) < 0) {
                snprintf(err, errlen, "token has an unknown role");
                rc = -EACCES;
            }
            caller->token_id = hub_db_cell_i64(&r, 0, 6);
            caller->token_expires = hub_db_cell(&r, 0, 8) ? expires : 0;
            hub_token_id_of_hash(hash, caller->token_public);
        }
    }
    hub_db_result_free(&r);
    return rc;
}

int hub_token_list(struct hub_db_conn *c, int64_t org_id, struct hub_token_info **out, int *count,
                   char *err, size_t errlen)
{
    struct hub_db_param p[] = {DB_INT(org_id)};
    struct hub_db_result r;
    *out = NULL;
    *count = 0;
    int rc = hub_db_exec(c,
                         "SELECT t.id, t.hash, o.name, t.role, t.created, t.expires, t.revoked"
                         " FROM tokens t JOIN orgs o ON o.id = t.org_id"
                         " WHERE $1 < 0 OR t.org_id = $1 ORDER BY t.id DESC",
                         1, p, &r, err, errlen);
    if (rc == 0 && r.nrows > 0) {
        *out = calloc((size_t)r.nrows, sizeof **out);
        if (!*out)
            rc = -ENOMEM;
        for (int i = 0; rc == 0 && i < r.nrows; i++) {
            struct hub_token_info *t = &(*out)[i];
            t->row = hub_db_cell_i64(&r, i, 0);
            hub_token_id_of_hash(hub_db_cell(&r, i, 1), t->id);
            snprintf(t->org, sizeof t->org, "%s", hub_db_cell(&r, i, 2));
            snprintf(t->role, sizeof t->role, "%s", hub_db_cell(&r, i, 3));
            t->created_us = hub_db_cell_i64(&r, i, 4);
            t->expires_us = hub_db_cell_i64(&r, i, 5);
            t->revoked = hub_db_cell_i64(&r, i, 6) != 0;
        }
        if (rc == 0)
            *count = r.nrows;
    }
    hub_db_result_free(&r);
    return rc;
}

static void collection_from_row(const struct hub_db_result *r, int row, struct hub_collection *o)
{
    memset(o, 0, sizeof *o);
    snprintf(o->id, sizeof o->id, "%s", hub_db_cell(r, row, 0));
    const char *kind = hub_db_cell(r, row, 1);
    o->kind = strcmp(kind, "sector") == 0     ? HUB_COLL_SECTOR
              : strcmp(kind, "national") == 0 ? HUB_COLL_NATIONAL
                                              : HUB_COLL_ORG;
    snprintf(o->title, sizeof o->title, "%s", hub_db_cell(r, row, 2));
    snprintf(o->description, sizeof o->description, "%s", hub_db_cell(r, row, 3));
    const char *sector = hub_db_cell(r, row, 4);
    snprintf(o->sector, sizeof o->sector, "%s", sector ? sector : "");
    o->org_id = hub_db_cell_i64(r, row, 5);
}

#define COLL_COLUMNS "id, kind, title, description, sector, org_id"

int hub_collection_list(struct hub_db_conn *c, struct hub_collection **out, int *count, char *err,
                        size_t errlen)
{
    struct hub_db_result r;
    *out = NULL;
    *count = 0;
    int rc = hub_db_exec(c,
                         "SELECT " COLL_COLUMNS " FROM collections ORDER BY"
                         " CASE kind WHEN 'national' THEN 0 WHEN 'sector' THEN 1 ELSE 2 END, title",
                         0, NULL, &r, err, errlen);
    if (rc == 0 && r.nrows > 0) {
        *out = calloc((size_t)r.nrows, sizeof **out);
        if (!*out)
            rc = -ENOMEM;
        else {
            for (int i = 0; i < r.nrows; i++)
                collection_from_row(&r, i, &(*out)[i]);
            *count = r.nrows;
        }
    }
    hub_db_result_free(&r);
    return rc;
}

int hub_collection_get(struct hub_db_conn *c, const char *id, struct hub_collection *out, char *err,
                       size_t errlen)
{
    struct hub_db_param p[] = {DB_TEXT(id)};
    struct hub_db_result r;
    int rc = hub_db_exec(c, "SELECT " COLL_COLUMNS " FROM collections WHERE id = $1", 1, p, &r, err,
                         errlen);
    if (rc == 0) {
        if (r.nrows == 0)
            rc = -ENOENT;
        else
            collection_from_row(&r, 0, out);
    }
    hub_db_result_free(&r);
    return rc;
}

int hub_clock_reserve(struct hub_db_conn *c, int64_t n, int64_t *first, char *err, size_t errlen)
{
    /* The row lock taken by UPDATE serialises writers until commit, so
     * date_added order is also commit order: added_after paging never skips
     * a row that commits late. */
    int64_t now = hub_now_us();
    struct hub_db_param p[] = {DB_INT(n), DB_INT(now + n - 1)};
    int64_t last;
    int rc = hub_db_query_i64(c,
                              "UPDATE hub_clock SET last = CASE WHEN last + $1 > $2 THEN last + $1"
                              " ELSE $2 END WHERE id = 1 RETURNING last",
                              2, p, -1, &last, err, errlen);
    if (rc < 0)
        return rc;
    if (last < 0) {
        snprintf(err, errlen, "hub_clock: missing row");
        return -EIO;
    }
    *first = last - n + 1;
    return 0;
}
