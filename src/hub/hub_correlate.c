/* SPDX-License-Identifier: Apache-2.0 */
/* Cross-organisation correlation: sightings of one indicator by two or more
 * organisations within --correlation-window raise (or extend) an incident.
 * Called by the object store for every stored sighting, inside its write
 * transaction. What a caller sees of incidents is filtered when they are
 * read (hub_risk.c), by the TLP of the sightings they come from. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "hub/hub_server.h"
#include "hub/hub_util.h"

int hub_correlate_sighting(struct hub_server *s, struct hub_db_conn *c, const char *indicator_id,
                           int64_t seen_us, char *err, size_t errlen)
{
    int64_t w = s->cfg.correlation_window_us;
    struct hub_db_param p[] = {DB_TEXT(indicator_id), DB_INT(seen_us - w), DB_INT(seen_us + w)};
    struct hub_db_result orgs;
    /* Per organisation that ever sighted the indicator (a walk over the
     * distinct org_id of sightings_org_seen, one seek each), its first and
     * last sighting in the window: a few index seeks per organisation. The
     * GROUP BY over the window it replaces read every sighting of the
     * indicator in the window for each new one, quadratic for a busy rule
     * (callgrind: 320,000 instructions per EVE line with 150 sightings per
     * rule, issue 12). */
    int rc = hub_db_exec(
        c,
        "WITH RECURSIVE o(org) AS (SELECT (SELECT org_id FROM sightings WHERE indicator_id = $1"
        " ORDER BY org_id LIMIT 1) UNION ALL SELECT (SELECT org_id FROM sightings"
        " WHERE indicator_id = $1 AND org_id > o.org ORDER BY org_id LIMIT 1) FROM o"
        " WHERE o.org IS NOT NULL)"
        " SELECT org, first, last FROM (SELECT org, (SELECT seen FROM sightings"
        " WHERE indicator_id = $1 AND org_id = o.org AND seen >= $2 AND seen <= $3"
        " ORDER BY seen LIMIT 1) AS first, (SELECT seen FROM sightings WHERE indicator_id = $1"
        " AND org_id = o.org AND seen >= $2 AND seen <= $3 ORDER BY seen DESC LIMIT 1) AS last"
        " FROM o WHERE org IS NOT NULL) w WHERE first IS NOT NULL",
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
        struct hub_db_param pn[] = {DB_TEXT(id), DB_TEXT(indicator_id), DB_INT(first), DB_INT(last),
                                    DB_INT(now)};
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
