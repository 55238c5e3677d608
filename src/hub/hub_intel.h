/* SPDX-License-Identifier: Apache-2.0 */
/* The hub's side of the intelligence loop: sightings of shared indicators
 * reported by sensors, protected domains, where an indicator was sighted
 * (hub_intel.c). */
#ifndef VIGIL_HUB_INTEL_H
#define VIGIL_HUB_INTEL_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "hub/hub_store.h"

struct hub_server;
struct hub_request;
struct hub_response;

/* For one EVE alert of a shared indicator (gid 7000 with
 * alert.metadata.intel_stix_id): stores a sighting of that indicator in the
 * collection it was shared in (inside the caller's open write transaction).
 * Returns 0 when ev is not such an alert (the caller's default applies), 1
 * when it was handled (msg non-empty: refused, with the reason), <0 on a
 * storage error (msg says which). requested_tlp: the sensor's ?tlp=, or
 * NULL (the indicator's TLP). */
int hub_intel_sighting(struct hub_server *s, struct hub_db_conn *c,
                       const struct hub_caller *caller, const json_t *ev, int64_t date_added,
                       const char *requested_tlp, char *msg, size_t msglen);

/* Registers (or with remove, revokes) a protected domain of the caller's
 * organisation as a benign indicator marked x_vigil_protected_domain in the
 * national (default), sector or own collection, TLP tlp (default green).
 * Runs its own transaction. 0, -EINVAL/-EPERM/-ENOENT (msg), <0. */
int hub_intel_protect(struct hub_server *s, struct hub_db_conn *c, const struct hub_caller *caller,
                      const char *domain, const char *tlp, const char *collection, bool remove,
                      char *norm_out, size_t normlen, char *msg, size_t msglen);
json_t *hub_intel_protected_list(struct hub_db_conn *c, const struct hub_org *org, char *err,
                                 size_t errlen);


/* `vigil hub admin --db DB protected-domain add|remove|list ...` */
int hub_intel_admin(struct hub_db *db, const char *verb, int argc, char **argv);

#endif
