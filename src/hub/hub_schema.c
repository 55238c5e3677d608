/* SPDX-License-Identifier: Apache-2.0 */
/* Versioned schema migrations. Each migration is a list of statements per
 * backend, applied in one transaction at start; hub_meta.schema_version
 * records the last applied. Several hubs sharing one PostgreSQL cluster
 * serialise their migrations on an advisory lock. Never edit a released
 * migration: append a new one. */
#include "hub/hub_db.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

/* Tables common to both backends except for the auto-increment spelling,
 * written with a %s placeholder replaced per backend. */
#define SERIAL_SQLITE "INTEGER PRIMARY KEY AUTOINCREMENT"
#define SERIAL_PG "BIGSERIAL PRIMARY KEY"

static const char *const migration1[] = {
    "CREATE TABLE orgs (id %s, name TEXT NOT NULL UNIQUE, sector TEXT NOT NULL,"
    " identity_id TEXT NOT NULL UNIQUE, coordinator INTEGER NOT NULL DEFAULT 0,"
    " created BIGINT NOT NULL)",
    "CREATE TABLE tokens (id %s, org_id BIGINT NOT NULL REFERENCES orgs(id), role TEXT NOT NULL,"
    " hash TEXT NOT NULL UNIQUE, created BIGINT NOT NULL, revoked INTEGER NOT NULL DEFAULT 0)",
    "CREATE TABLE collections (id TEXT PRIMARY KEY, kind TEXT NOT NULL, title TEXT NOT NULL,"
    " description TEXT NOT NULL, sector TEXT, org_id BIGINT)",
    "CREATE TABLE objects (id %s, coll TEXT NOT NULL, stix_id TEXT NOT NULL, type TEXT NOT NULL,"
    " spec_version TEXT NOT NULL, version TEXT NOT NULL, date_added BIGINT NOT NULL,"
    " tlp TEXT NOT NULL, producer_org BIGINT NOT NULL, revoked INTEGER NOT NULL DEFAULT 0,"
    " is_latest INTEGER NOT NULL DEFAULT 1, is_first INTEGER NOT NULL DEFAULT 1,"
    " body TEXT NOT NULL, UNIQUE (stix_id, coll, version))",
    "CREATE INDEX objects_coll_added ON objects (coll, date_added)",
    "CREATE TABLE object_recipients (object_id BIGINT NOT NULL, org_id BIGINT NOT NULL,"
    " PRIMARY KEY (object_id, org_id))",
    "CREATE TABLE hub_clock (id INTEGER PRIMARY KEY, last BIGINT NOT NULL)",
    "INSERT INTO hub_clock (id, last) VALUES (1, 0)",
    "CREATE TABLE statuses (id TEXT PRIMARY KEY, org_id BIGINT NOT NULL, created BIGINT NOT NULL,"
    " body TEXT NOT NULL)",
    "CREATE TABLE sightings (id %s, sighting_id TEXT NOT NULL, indicator_id TEXT NOT NULL,"
    " org_id BIGINT NOT NULL, sector TEXT NOT NULL, coll TEXT NOT NULL, tlp TEXT NOT NULL,"
    " severity INTEGER NOT NULL, seen BIGINT NOT NULL, count INTEGER NOT NULL,"
    " indicator_name TEXT)",
    "CREATE INDEX sightings_indicator ON sightings (indicator_id, seen)",
    "CREATE INDEX sightings_seen ON sightings (seen)",
    "CREATE TABLE incidents (id TEXT PRIMARY KEY, indicator_id TEXT NOT NULL,"
    " first_seen BIGINT NOT NULL, last_seen BIGINT NOT NULL, created BIGINT NOT NULL,"
    " updated BIGINT NOT NULL)",
    "CREATE INDEX incidents_indicator ON incidents (indicator_id)",
    "CREATE TABLE incident_orgs (incident_id TEXT NOT NULL, org_id BIGINT NOT NULL,"
    " PRIMARY KEY (incident_id, org_id))",
    "CREATE TABLE audit (id %s, ts BIGINT NOT NULL, org_id BIGINT, role TEXT, action TEXT NOT NULL,"
    " coll TEXT, stix_id TEXT, tlp TEXT, detail TEXT)",
    "INSERT INTO collections (id, kind, title, description) VALUES"
    " ('2b3b8a5e-5c1d-4d7e-9a53-1f0e4a6f1c01', 'national', 'national',"
    " 'National collection: TLP:CLEAR and TLP:GREEN for every member organisation')",
    NULL};

/* Migration 2 (issue 12): object ownership (objects.owner_org: the
 * organisation that created the id, 0 for the hub itself: organisation
 * identities and Suricata rule indicators; kept on every row so that the
 * versions lookup that runs anyway answers it), token
 * expiry, `modified` kept as posted (version_text), quarantined lineages of
 * ids that collide with objects invisible to their poster (lineage: 0 for
 * the owner's, else the poster's organisation id; part of the unique key),
 * the strictest TLP of granular markings the object may be served without
 * (gtlp), and an index for match[type]. */
#define OBJECTS2_COLUMNS                                                                           \
    "id %s, coll TEXT NOT NULL, stix_id TEXT NOT NULL, type TEXT NOT NULL,"                        \
    " spec_version TEXT NOT NULL, version TEXT NOT NULL, date_added BIGINT NOT NULL,"              \
    " tlp TEXT NOT NULL, producer_org BIGINT NOT NULL, revoked INTEGER NOT NULL DEFAULT 0,"        \
    " is_latest INTEGER NOT NULL DEFAULT 1, is_first INTEGER NOT NULL DEFAULT 1,"                  \
    " body TEXT NOT NULL, version_text TEXT, lineage BIGINT NOT NULL DEFAULT 0, gtlp TEXT,"        \
    " owner_org BIGINT"
static const char *const migration2_sqlite[] = {
    "CREATE TABLE objects2 (" OBJECTS2_COLUMNS ", UNIQUE (stix_id, coll, version, lineage))",
    "INSERT INTO objects2 (id, coll, stix_id, type, spec_version, version, date_added, tlp,"
    " producer_org, revoked, is_latest, is_first, body) SELECT id, coll, stix_id, type,"
    " spec_version, version, date_added, tlp, producer_org, revoked, is_latest, is_first, body"
    " FROM objects",
    "DROP TABLE objects",
    "ALTER TABLE objects2 RENAME TO objects",
    "CREATE INDEX objects_coll_added ON objects (coll, date_added)",
    NULL};
static const char *const migration2_pg[] = {
    "ALTER TABLE objects DROP CONSTRAINT objects_stix_id_coll_version_key",
    "ALTER TABLE objects ADD COLUMN version_text TEXT",
    "ALTER TABLE objects ADD COLUMN lineage BIGINT NOT NULL DEFAULT 0",
    "ALTER TABLE objects ADD COLUMN gtlp TEXT",
    "ALTER TABLE objects ADD COLUMN owner_org BIGINT",
    "CREATE UNIQUE INDEX objects_key ON objects (stix_id, coll, version, lineage)",
    NULL};
static const char *const migration2[] = {
    "CREATE INDEX objects_coll_type_added ON objects (coll, type, date_added)",
    "UPDATE objects SET owner_org = (SELECT x.producer_org FROM objects x"
    " WHERE x.stix_id = objects.stix_id ORDER BY x.id LIMIT 1)",
    "UPDATE objects SET owner_org = 0 WHERE stix_id IN (SELECT identity_id FROM orgs)",
    "UPDATE objects SET owner_org = 0 WHERE type = 'indicator'"
    " AND body LIKE '%%\"pattern_type\":\"suricata\"%%'",
    "ALTER TABLE tokens ADD COLUMN expires BIGINT",
    "ALTER TABLE tokens ADD COLUMN rotated_to BIGINT",
    NULL};

/* Migration 3 (issue 14, the dashboard): browser sessions (a token exchanged
 * at login for a random session id; only hashes are stored; each request
 * re-checks the token, so revoking or expiring it ends its sessions),
 * incident status (new, investigating, closed), and the indexes the
 * dashboard's aggregates need. */
static const char *const migration3[] = {
    "CREATE TABLE sessions (hash TEXT PRIMARY KEY, token_hash TEXT NOT NULL, csrf TEXT NOT NULL,"
    " created BIGINT NOT NULL, expires BIGINT NOT NULL, last_used BIGINT NOT NULL)",
    "CREATE INDEX sessions_expires ON sessions (expires)",
    "ALTER TABLE incidents ADD COLUMN status TEXT NOT NULL DEFAULT 'new'",
    /* Covers the dashboard's aggregates over a time range: no table row read. */
    "CREATE INDEX sightings_dash ON sightings (seen, sector, severity, org_id, tlp, coll, count,"
    " indicator_id)",
    "CREATE INDEX objects_type_added ON objects (type, date_added)",
    NULL};

/* Migration 4 (issue 12): the (coll, date_added) index covers the manifest
 * and the visibility test of every listing (TLP, producer, lineage, latest,
 * type), so a manifest page reads index entries only, not the table rows
 * with their bodies. It replaces objects_coll_added (same leading columns).
 * PostgreSQL keeps the key short and carries the rest as INCLUDE columns
 * (index-only scans once the visibility map is set by autovacuum). */
static const char *const migration4_sqlite[] = {
    "CREATE INDEX objects_coll_added_cover ON objects (coll, date_added, is_latest, lineage,"
    " producer_org, tlp, type, stix_id, version, version_text)",
    NULL};
static const char *const migration4_pg[] = {
    "CREATE INDEX objects_coll_added_cover ON objects (coll, date_added) INCLUDE (is_latest,"
    " lineage, producer_org, tlp, type, stix_id, version, version_text, id)",
    NULL};
static const char *const migration4[] = {"DROP INDEX objects_coll_added", NULL};

/* Migration 5 (issue 14): the dashboard's pre-aggregated sighting counters,
 * maintained by every sighting stored (hub_objects.c) and filled here from
 * the sightings already stored. Keys hold every column the TLP rules read
 * (org_id, tlp, coll), so a caller's counts are the same as over the raw
 * rows. Hours (seen / 3,600 s) serve the heat map, trends and affected
 * organisations of 24 h and 7 d, days those of 30 d, days per indicator the
 * top lists of 7 and 30 days. The tables are created per backend (below):
 * SQLite clusters them by their key (WITHOUT ROWID), so that a range is read
 * without a row lookup each. */
#define SIGHTING_HOURS_TABLE                                                                       \
    "CREATE TABLE sighting_hours (hour BIGINT NOT NULL, sector TEXT NOT NULL,"                     \
    " severity INTEGER NOT NULL, org_id BIGINT NOT NULL, tlp TEXT NOT NULL, coll TEXT NOT NULL,"   \
    " count BIGINT NOT NULL, PRIMARY KEY (hour, sector, severity, org_id, tlp, coll))"
#define SIGHTING_DAYS_TABLE                                                                        \
    "CREATE TABLE sighting_days (day BIGINT NOT NULL, sector TEXT NOT NULL,"                       \
    " severity INTEGER NOT NULL, org_id BIGINT NOT NULL, tlp TEXT NOT NULL, coll TEXT NOT NULL,"   \
    " count BIGINT NOT NULL, PRIMARY KEY (day, sector, severity, org_id, tlp, coll))"
#define SIGHTING_INDICATOR_DAYS_TABLE                                                              \
    "CREATE TABLE sighting_indicator_days (day BIGINT NOT NULL, indicator_id TEXT NOT NULL,"       \
    " sector TEXT NOT NULL, severity INTEGER NOT NULL, org_id BIGINT NOT NULL,"                    \
    " tlp TEXT NOT NULL, coll TEXT NOT NULL, count BIGINT NOT NULL,"                               \
    " PRIMARY KEY (day, indicator_id, sector, severity, org_id, tlp, coll))"
static const char *const migration5[] = {
    "INSERT INTO sighting_hours (hour, sector, severity, org_id, tlp, coll, count)"
    " SELECT seen / 3600000000, sector, severity, org_id, tlp, coll, SUM(count) FROM sightings"
    " GROUP BY seen / 3600000000, sector, severity, org_id, tlp, coll",
    "INSERT INTO sighting_days (day, sector, severity, org_id, tlp, coll, count)"
    " SELECT seen / 86400000000, sector, severity, org_id, tlp, coll, SUM(count) FROM sightings"
    " GROUP BY seen / 86400000000, sector, severity, org_id, tlp, coll",
    "INSERT INTO sighting_indicator_days (day, indicator_id, sector, severity, org_id, tlp, coll,"
    " count) SELECT seen / 86400000000, indicator_id, sector, severity, org_id, tlp, coll,"
    " SUM(count) FROM sightings GROUP BY seen / 86400000000, indicator_id, sector, severity,"
    " org_id, tlp, coll",
    /* The sensors view: each reporting token's latest report (POST
     * /api/v1/eve), and the last hour's reports without scanning the
     * whole audit log. */
    "CREATE TABLE sensor_status (token_id TEXT PRIMARY KEY, org_id BIGINT NOT NULL,"
    " last_report BIGINT NOT NULL, reports BIGINT NOT NULL, alerts BIGINT NOT NULL,"
    " kernel_packets BIGINT, kernel_drops BIGINT, agent TEXT)",
    "CREATE INDEX audit_reports ON audit (ts) WHERE action = 'report'",
    /* Covers an incident's visible organisations (hub_risk.c) and an
     * indicator's sightings per sector (hub_dash.c). */
    "CREATE INDEX sightings_incident ON sightings (indicator_id, seen, org_id, tlp, coll,"
    " count, sector)",
    NULL};

/* Search of indicators and reports by value (hub_dash.c): their name and
 * pattern indexed by trigrams, so that a substring is found without reading
 * every body. SQLite: an FTS5 trigram table kept by a trigger (contentless:
 * rowid = objects.id; objects are never deleted, older versions drop out by
 * the is_latest join). PostgreSQL: pg_trgm's GIN index on the same text. */
static const char *const migration5_sqlite[] = {
    SIGHTING_HOURS_TABLE " WITHOUT ROWID", SIGHTING_DAYS_TABLE " WITHOUT ROWID",
    SIGHTING_INDICATOR_DAYS_TABLE " WITHOUT ROWID",
    "CREATE VIRTUAL TABLE objects_fts USING fts5(text, content='', tokenize='trigram')",
    "CREATE TRIGGER objects_fts_insert AFTER INSERT ON objects"
    " WHEN new.type IN ('indicator', 'report') BEGIN"
    " INSERT INTO objects_fts (rowid, text) VALUES (new.id,"
    " coalesce(json_extract(new.body, '$.name'), '') || ' ' ||"
    " coalesce(json_extract(new.body, '$.pattern'), '')); END",
    "INSERT INTO objects_fts (rowid, text) SELECT id, coalesce(json_extract(body, '$.name'), '')"
    " || ' ' || coalesce(json_extract(body, '$.pattern'), '') FROM objects"
    " WHERE type IN ('indicator', 'report')",
    NULL};
static const char *const migration5_pg[] = {
    SIGHTING_HOURS_TABLE, SIGHTING_DAYS_TABLE, SIGHTING_INDICATOR_DAYS_TABLE,
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX objects_search ON objects USING gin ((coalesce(body::jsonb ->> 'name', '')"
    " || ' ' || coalesce(body::jsonb ->> 'pattern', '')) gin_trgm_ops)"
    " WHERE type IN ('indicator', 'report')",
    NULL};

/* Migration 6 (issue 12): the search index is brought up to date once per
 * transaction by the hub (hub_db_commit, hub_db_sqlite.c) instead of a
 * trigger per row; search_state.upto is the last object id it has seen. */
static const char *const migration6_sqlite[] = {
    "DROP TRIGGER objects_fts_insert",
    "CREATE TABLE search_state (upto BIGINT NOT NULL)",
    "INSERT INTO search_state (upto) SELECT coalesce(max(id), 0) FROM objects", NULL};
/* The organisations that sighted an indicator, each one's sightings in
 * time order: correlation seeks per organisation instead of reading every
 * sighting of the indicator in the window for each new one (hub_correlate.c). */
static const char *const migration6[] = {
    "CREATE INDEX sightings_org_seen ON sightings (indicator_id, org_id, seen)", NULL};

struct migration {
    const char *const *backend[2]; /* per hub_db_kind, run first; may be NULL */
    const char *const *common;
};
static const struct migration migrations[] = {
    {{NULL, NULL}, migration1},
    {{migration2_sqlite, migration2_pg}, migration2},
    {{NULL, NULL}, migration3},
    {{migration4_sqlite, migration4_pg}, migration4},
    {{migration5_sqlite, migration5_pg}, migration5},
    {{migration6_sqlite, NULL}, migration6},
};
#define MIGRATION_COUNT ((int)(sizeof migrations / sizeof migrations[0]))

static int run_statements(struct hub_db_conn *c, enum hub_db_kind kind, int m,
                          const char *const *list, char *err, size_t errlen)
{
    for (const char *const *s = list; s && *s; s++) {
        char sql[2048];
        snprintf(sql, sizeof sql, *s, kind == HUB_DB_SQLITE ? SERIAL_SQLITE : SERIAL_PG);
        int rc = hub_db_exec(c, sql, 0, NULL, NULL, err, errlen);
        if (rc < 0) {
            char inner[512];
            snprintf(inner, sizeof inner, "%s", err);
            snprintf(err, errlen, "schema migration %d: %s", m + 1, inner);
            return rc;
        }
    }
    return 0;
}

int hub_schema_migrate(struct hub_db_conn *c, enum hub_db_kind kind, char *err, size_t errlen)
{
    int rc = hub_db_begin(c, err, errlen);
    if (rc < 0)
        return rc;
    if (kind == HUB_DB_POSTGRES) {
        rc = hub_db_exec(c, "SELECT pg_advisory_xact_lock(74171)", 0, NULL, NULL, err, errlen);
        if (rc < 0)
            goto fail;
    }
    /* Inside the transaction (and the lock): hubs starting together on one
     * PostgreSQL database do not race on creating it. */
    rc = hub_db_exec(c, "CREATE TABLE IF NOT EXISTS hub_meta (schema_version INTEGER NOT NULL)", 0,
                     NULL, NULL, err, errlen);
    if (rc < 0)
        goto fail;
    int64_t version;
    rc = hub_db_query_i64(c, "SELECT schema_version FROM hub_meta", 0, NULL, -1, &version, err,
                          errlen);
    if (rc < 0)
        goto fail;
    if (version < 0) {
        rc = hub_db_exec(c, "INSERT INTO hub_meta (schema_version) VALUES (0)", 0, NULL, NULL, err,
                         errlen);
        if (rc < 0)
            goto fail;
        version = 0;
    }
    if (version > MIGRATION_COUNT) {
        snprintf(err, errlen,
                 "database schema version %lld is newer than this vigil (%d): upgrade vigil",
                 (long long)version, MIGRATION_COUNT);
        rc = -EPROTO;
        goto fail;
    }
    for (int m = (int)version; m < MIGRATION_COUNT; m++) {
        rc = run_statements(c, kind, m, migrations[m].backend[kind], err, errlen);
        if (rc == 0)
            rc = run_statements(c, kind, m, migrations[m].common, err, errlen);
        if (rc < 0)
            goto fail;
        struct hub_db_param p[] = {DB_INT(m + 1)};
        rc = hub_db_exec(c, "UPDATE hub_meta SET schema_version = $1", 1, p, NULL, err, errlen);
        if (rc < 0)
            goto fail;
    }
    return hub_db_commit(c, err, errlen);
fail:
    hub_db_rollback(c);
    return rc;
}
