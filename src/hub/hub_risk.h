/* SPDX-License-Identifier: Apache-2.0 */
/* What the risk views (hub_risk.c) share with the dashboard's (hub_dash.c):
 * the one visibility rule for sightings, display names of indicators. */
#ifndef VIGIL_HUB_RISK_H
#define VIGIL_HUB_RISK_H

#include <stdint.h>
#include <jansson.h>

struct hub_caller;
struct hub_request;

/* SQL condition over sightings alias "g" for what the caller may see: its
 * own, CLEAR/GREEN, and AMBER in collections it is a member of (all, for
 * the coordinator); RED only its own. Placeholders $1 = caller org id,
 * $2 = caller sector. */
const char *hub_sighting_visibility(const struct hub_caller *caller);
/* Name of an indicator from a stored copy the caller may see, or NULL. */
json_t *hub_indicator_name(struct hub_request *req, const char *indicator_id);
/* "high", "medium", "low", "unknown" for 1, 2, 3, other. */
const char *hub_severity_name(int64_t sev);

#endif
