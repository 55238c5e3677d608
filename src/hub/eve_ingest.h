/* SPDX-License-Identifier: Apache-2.0 */
/* Suricata EVE alert -> STIX 2.1 indicator + sighting. See docs/stix.md for
 * the mapping. */
#ifndef VIGIL_HUB_EVE_INGEST_H
#define VIGIL_HUB_EVE_INGEST_H

#include <stddef.h>
#include <jansson.h>

/* Converts one EVE event with event_type "alert" into:
 *  - *indicator_out: an indicator (pattern_type "suricata") whose id is a
 *    UUIDv5 of "gid:sid" under the fixed vigil namespace, so every
 *    organisation's report of one rule names the same indicator;
 *  - *sighting_out: a sighting of that indicator by org_identity_id with the
 *    event time as first_seen/last_seen and the observed addresses in
 *    x_vigil_observed.
 * org_identity_id must be an "identity--<uuid>" id. Returns 0, or -EINVAL with
 * a reason in err naming the field (outputs left NULL), or -ENOMEM.
 * The caller frees both outputs with json_decref. */
int eve_alert_to_stix(const json_t *eve_alert, const char *org_identity_id, json_t **indicator_out,
                      json_t **sighting_out, char *err, size_t errlen);

/* The deterministic indicator id for a Suricata rule, written into out
 * (at least 49 bytes: "indicator--" + 36 + NUL). Returns 0 or -EINVAL. */
int eve_indicator_id(unsigned long gid, unsigned long sid, char *out, size_t outlen);

/* Suricata's EVE timestamp ("2024-01-02T03:04:05.123456+0000", or with
 * "+00:00" / "Z") as a STIX timestamp in UTC. 0 or -EINVAL. */
int eve_timestamp_to_stix(const char *in, char *out, size_t outlen);

#endif
