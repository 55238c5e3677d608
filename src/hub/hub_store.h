/* SPDX-License-Identifier: Apache-2.0 */
/* Organisations, tokens and collections on top of the storage interface
 * (hub_db.h). Everything here runs unchanged on SQLite and PostgreSQL. */
#ifndef VIGIL_HUB_STORE_H
#define VIGIL_HUB_STORE_H

#include <stdbool.h>
#include <stdint.h>

#include "hub/hub_db.h"

enum hub_role { HUB_ROLE_SENSOR, HUB_ROLE_ANALYST, HUB_ROLE_ADMIN };

struct hub_org {
    int64_t id;
    char name[128];
    char sector[64];
    char identity_id[64];
    bool coordinator;
};

/* The authenticated caller of one request. */
struct hub_caller {
    struct hub_org org;
    enum hub_role role;
    int64_t token_id;      /* row of the token used */
    char token_public[24]; /* its public id "tok-..." */
    int64_t token_expires; /* 0: never */
};

enum hub_collection_kind { HUB_COLL_SECTOR, HUB_COLL_NATIONAL, HUB_COLL_ORG };

struct hub_collection {
    char id[64];
    enum hub_collection_kind kind;
    char title[128];
    char description[256];
    char sector[64];
    int64_t org_id;
};

const char *hub_role_name(enum hub_role r);
int hub_role_parse(const char *s, enum hub_role *out);
/* True if sector is a value of the STIX 2.1 industry-sector-ov vocabulary. */
bool hub_sector_is_valid(const char *sector);

/* Adds an organisation, its own collection and (if new) its sector's
 * collection, and a STIX identity for it in the national collection.
 * Returns 0, -EEXIST (name taken), -EINVAL (bad sector) or -EIO. */
int hub_org_add(struct hub_db_conn *c, const char *name, const char *sector, bool coordinator,
                struct hub_org *out, char *err, size_t errlen);
/* Returns 0 and fills out, -ENOENT if absent. */
int hub_org_find(struct hub_db_conn *c, const char *name, struct hub_org *out, char *err,
                 size_t errlen);
int hub_org_get(struct hub_db_conn *c, int64_t id, struct hub_org *out, char *err, size_t errlen);
/* All organisations ordered by name; caller frees out with free(). */
int hub_org_list(struct hub_db_conn *c, struct hub_org **out, int *count, char *err, size_t errlen);

/* Issues a token; writes it (shown once, stored hashed) into token_out.
 * expires_us: absolute expiry time in microseconds, 0 for none. The id
 * written into id_out (if not NULL, >= 24 bytes) names the token in lists
 * and revocations without revealing it. */
int hub_token_issue(struct hub_db_conn *c, const struct hub_org *org, enum hub_role role,
                    int64_t expires_us, char token_out[69], char *id_out, char *err, size_t errlen);
/* Revokes a token given its text. -ENOENT if unknown. */
int hub_token_revoke(struct hub_db_conn *c, const char *token, char *err, size_t errlen);
/* Revokes a token of organisation org_id (any organisation when org_id < 0)
 * given its id ("tok-..."). -ENOENT if there is none. */
int hub_token_revoke_id(struct hub_db_conn *c, const char *token_id, int64_t org_id, char *err,
                        size_t errlen);
/* Sets a token's expiry (0: none), e.g. the grace period after a rotation. */
int hub_token_set_expiry(struct hub_db_conn *c, int64_t token_row, int64_t expires_us, char *err,
                         size_t errlen);
/* Looks a token up at time now_us; 0 and caller filled, -EACCES if unknown,
 * revoked or expired (the reason in err). */
int hub_token_authenticate(struct hub_db_conn *c, const char *token, int64_t now_us,
                           struct hub_caller *caller, char *err, size_t errlen);
/* The same given the token's SHA-256 hex (a browser session keeps only the
 * hash of the token it was opened with). */
int hub_token_authenticate_hash(struct hub_db_conn *c, const char *hash, int64_t now_us,
                                struct hub_caller *caller, char *err, size_t errlen);

struct hub_token_info {
    int64_t row;
    char id[24];
    char org[128];
    char role[12];
    int64_t created_us;
    int64_t expires_us; /* 0: never */
    bool revoked;
};
/* Tokens of organisation org_id (all when org_id < 0), newest first; the
 * caller frees *out. */
int hub_token_list(struct hub_db_conn *c, int64_t org_id, struct hub_token_info **out, int *count,
                   char *err, size_t errlen);
/* The public id of a token from its SHA-256 hex hash. */
void hub_token_id_of_hash(const char *hash, char out[24]);

/* All collections; caller frees out with free(). */
int hub_collection_list(struct hub_db_conn *c, struct hub_collection **out, int *count, char *err,
                        size_t errlen);
/* -ENOENT if absent. */
int hub_collection_get(struct hub_db_conn *c, const char *id, struct hub_collection *out, char *err,
                       size_t errlen);

/* Reserves n strictly increasing date_added values (microseconds) that are
 * also later than any value handed out before, by this or any other hub on
 * the same database; must run inside a write transaction. */
int hub_clock_reserve(struct hub_db_conn *c, int64_t n, int64_t *first, char *err, size_t errlen);

#endif
