/* SPDX-License-Identifier: Apache-2.0 */
/* POST /api/v1/eve: Suricata EVE alerts from an organisation's sensors become
 * a rule indicator and a sighting each (eve_ingest.c), stored in the
 * organisation's own collection with the TLP of ?tlp= (default AMBER). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hub/hub_intel.h"
#include "hub/hub_json.h"
#include "hub/eve_ingest.h"
#include "hub/hub_handlers.h"
#include "hub/hub_tlp.h"
#include "hub/hub_util.h"
#include "hub/stix_validate.h"
#include "util/log.h"

#define EVE_LINE_ERRORS_MAX 50

/* The capture counters of a Suricata-shaped stats event
 * (stats.capture.kernel_packets / kernel_drops), the latest of a report. */
static void sensor_stats(const json_t *ev, json_int_t *packets, json_int_t *drops)
{
    const json_t *cap = json_object_get(json_object_get(ev, "stats"), "capture");
    const json_t *p = json_object_get(cap, "kernel_packets");
    const json_t *d = json_object_get(cap, "kernel_drops");
    if (json_is_integer(p))
        *packets = json_integer_value(p);
    if (json_is_integer(d))
        *drops = json_integer_value(d);
}

/* What the dashboard's sensors view shows of each reporting token
 * (sensor_status, schema migration 5): last report, totals, the latest
 * capture counters and the client's User-Agent ("vigil-sensor/VERSION"),
 * kept printable and short. */
static int sensor_status_write(struct hub_request *req, long alerts, json_int_t packets,
                               json_int_t drops, char *err, size_t errlen)
{
    char agent[64] = "";
    const char *ua = hub_request_header(req, "User-Agent");
    for (size_t i = 0; ua && ua[i] && i < sizeof agent - 1; i++)
        agent[i] = ua[i] >= 0x20 && ua[i] < 0x7f ? ua[i] : '?';
    struct hub_db_param p[] = {DB_TEXT(req->caller.token_public),
                               DB_INT(req->caller.org.id),
                               DB_INT(hub_now_us()),
                               DB_INT(alerts),
                               packets >= 0 ? DB_INT(packets) : DB_NULL,
                               drops >= 0 ? DB_INT(drops) : DB_NULL,
                               agent[0] ? DB_TEXT(agent) : DB_NULL};
    return hub_db_exec(req->db,
                       "INSERT INTO sensor_status (token_id, org_id, last_report, reports, alerts,"
                       " kernel_packets, kernel_drops, agent) VALUES ($1, $2, $3, 1, $4, $5, $6,"
                       " $7) ON CONFLICT (token_id) DO UPDATE SET last_report = excluded.last_report,"
                       " reports = sensor_status.reports + 1, alerts = sensor_status.alerts +"
                       " excluded.alerts, kernel_packets = coalesce(excluded.kernel_packets,"
                       " sensor_status.kernel_packets), kernel_drops ="
                       " coalesce(excluded.kernel_drops, sensor_status.kernel_drops), agent ="
                       " coalesce(excluded.agent, sensor_status.agent)",
                       7, p, NULL, err, errlen);
}

void eve_post(struct hub_request *req, struct hub_response *resp)
{
    struct hub_server *s = req->server;
    const struct hub_caller *caller = &req->caller;
    const char *tlp = "amber";
    const char *tlp_arg = hub_request_arg(req, "tlp");
    if (tlp_arg) {
        tlp = hub_tlp_canonical(tlp_arg);
        if (!tlp) {
            hub_response_error(resp, 400, "Bad request",
                               "tlp '%s': expected clear, green, amber, amber+strict or red",
                               tlp_arg);
            return;
        }
    }
    const char *marking = stix_tlp2_marking_id(tlp);
    /* The organisation's own collection receives its reports. */
    struct hub_db_result cr;
    char err[512];
    struct hub_db_param pc[] = {DB_INT(caller->org.id)};
    int rc = hub_db_exec(req->db, "SELECT id FROM collections WHERE kind = 'org' AND org_id = $1",
                         1, pc, &cr, err, sizeof err);
    struct hub_collection coll;
    if (rc == 0 && cr.nrows == 1)
        rc = hub_collection_get(req->db, hub_db_cell(&cr, 0, 0), &coll, err, sizeof err);
    else if (rc == 0)
        rc = -ENOENT;
    hub_db_result_free(&cr);
    if (rc < 0) {
        log_error("hub: eve: organisation collection: %s", err);
        hub_response_error(resp, 500, "Internal error", "storage error");
        return;
    }

    /* Count lines first so that date_added values are reserved in one go. */
    size_t nlines = 0;
    for (size_t i = 0; i < req->body_len; i++)
        if (req->body[i] == '\n')
            nlines++;
    nlines++;
    rc = hub_db_begin(req->db, err, sizeof err);
    int64_t first_added = 0;
    if (rc == 0)
        rc = hub_clock_reserve(req->db, (int64_t)nlines * 2, &first_added, err, sizeof err);
    json_t *errors = json_array();
    json_int_t kpackets = -1, kdrops = -1;
    long lines = 0, alerts = 0, stored = 0, skipped = 0, failed = 0;
    const char *p = req->body, *end = req->body + req->body_len;
    size_t lineno = 0;
    while (rc == 0 && p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
        const char *line = p;
        p = nl ? nl + 1 : end;
        lineno++;
        while (len && (line[len - 1] == '\r' || line[len - 1] == ' '))
            len--;
        if (len == 0)
            continue;
        lines++;
        char msg[512] = "";
        json_error_t jerr;
        /* The envelopes' fast parser (hub_json_parse.c), its values in this
         * thread's arena, recycled after each line (nothing of ev outlives
         * it); what it cannot decide (errors, repeated keys, which EVE
         * readers accept) goes to jansson as before. */
        hub_json_arena_begin();
        json_t *ev = hub_json_parse_fast(line, len);
        hub_json_arena_end();
        if (!ev)
            ev = json_loadb(line, len, 0, &jerr);
        if (!json_is_object(ev)) {
            snprintf(msg, sizeof msg, "line %zu: invalid JSON: %s", lineno,
                     ev ? "not an object" : jerr.text);
        } else {
            const char *et = json_string_value(json_object_get(ev, "event_type"));
            if (et && strcmp(et, "stats") == 0)
                sensor_stats(ev, &kpackets, &kdrops);
            if (!et || strcmp(et, "alert") != 0) {
                skipped++;
                json_decref(ev);
                hub_json_arena_reset();
                continue;
            }
            alerts++;
            /* an alert of a shared indicator: a sighting of that indicator */
            int irc = hub_intel_sighting(s, req->db, caller, ev,
                                         first_added + (int64_t)(lineno - 1) * 2,
                                         tlp_arg ? tlp : NULL, msg, sizeof msg);
            if (irc < 0) {
                rc = irc;
                snprintf(err, sizeof err, "%s", msg);
                msg[0] = '\0';
            } else if (irc == 1 && !msg[0]) {
                stored++;
            }
            json_t *ind = NULL, *sig = NULL;
            char cerr[400];
            if (irc != 0) {
                /* handled above */
            } else if (eve_alert_to_stix(ev, caller->org.identity_id, &ind, &sig, cerr,
                                         sizeof cerr) < 0) {
                snprintf(msg, sizeof msg, "line %zu: %s", lineno, cerr);
            } else {
                if (marking) {
                    json_object_set_new(ind, "object_marking_refs", json_pack("[s]", marking));
                    json_object_set_new(sig, "object_marking_refs", json_pack("[s]", marking));
                }
                json_int_t sev =
                    json_integer_value(json_object_get(json_object_get(ev, "alert"), "severity"));
                char version[48], omsg[400];
                int64_t added = first_added + (int64_t)(lineno - 1) * 2;
                /* The rule indicator is the hub's (one id per rule for every
                 * organisation, which is how sightings correlate): stored once
                 * per collection, never attributed to the reporter. */
                json_object_del(ind, "created_by_ref");
                int orc = hub_object_store(s, req->db, &coll, caller, ind, added, 0,
                                           HUB_STORE_AS_HUB | HUB_STORE_ONCE_PER_COLLECTION,
                                           version, omsg, sizeof omsg);
                if (orc == 0)
                    orc = hub_object_store(s, req->db, &coll, caller, sig, added + 1,
                                           sev >= 1 && sev <= 3 ? (int)sev : (sev > 3 ? 3 : 0), 0,
                                           version, omsg, sizeof omsg);
                if (orc == 0)
                    stored++;
                else if (orc == -EINVAL || orc == -EPERM)
                    snprintf(msg, sizeof msg, "line %zu: %s", lineno, omsg);
                else {
                    rc = orc;
                    snprintf(err, sizeof err, "%s", omsg);
                }
            }
            json_decref(ind);
            json_decref(sig);
        }
        json_decref(ev);
        hub_json_arena_reset();
        if (msg[0]) {
            failed++;
            if (json_array_size(errors) < EVE_LINE_ERRORS_MAX)
                json_array_append_new(errors, hub_json_str(msg));
        }
    }
    if (rc == 0) {
        char detail[160];
        snprintf(detail, sizeof detail, "eve: %ld alerts, %ld stored, %ld failed, token %s",
                 alerts, stored, failed, caller->token_public);
        rc = hub_audit_write(req->db, caller, "report", coll.id, NULL, tlp, detail);
    }
    if (rc == 0)
        rc = sensor_status_write(req, alerts, kpackets, kdrops, err, sizeof err);
    if (rc == 0)
        rc = hub_db_commit(req->db, err, sizeof err);
    if (rc < 0) {
        hub_db_rollback(req->db);
        json_decref(errors);
        log_error("hub: eve: %s", err);
        hub_response_error(resp, 500, "Internal error", "nothing stored: storage error");
        return;
    }
    s->stored_since_analyze += stored * 2;
    atomic_fetch_add(&s->metrics.objects_total, (int64_t)stored * 2);
    hub_count(&s->metrics.objects_stored, (uint64_t)stored * 2);
    hub_count(&s->metrics.eve_lines, (uint64_t)lines);
    hub_count(&s->metrics.eve_alerts, (uint64_t)alerts);
    json_t *body = json_pack("{s:I, s:I, s:I, s:I, s:I, s:s, s:s, s:o}", "lines", (json_int_t)lines,
                             "alerts", (json_int_t)alerts, "stored", (json_int_t)stored, "skipped",
                             (json_int_t)skipped, "failed", (json_int_t)failed, "collection",
                             coll.id, "tlp", tlp, "errors", errors);
    hub_response_json(resp, lines > 0 && failed == lines ? 400 : 200, "application/json", body);
}
