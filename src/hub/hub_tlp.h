/* SPDX-License-Identifier: Apache-2.0 */
/* TLP 2.0 sharing policy. The rules (docs/hub.md):
 *  - clear, green: every member organisation;
 *  - amber, amber+strict: the members of the collection the object was posted
 *    to, its producer and the coordinator; amber+strict objects are never
 *    re-posted to another collection except by their producer;
 *  - red: the producer and the organisations named in x_vigil_recipients.
 * Unmarked objects get the hub's default (amber unless configured).
 * Membership: a sector collection's members are the organisations of that
 * sector; the national collection's are all organisations; an organisation's
 * own collection has that organisation only. */
#ifndef VIGIL_HUB_TLP_H
#define VIGIL_HUB_TLP_H

#include <stdbool.h>
#include <stddef.h>
#include <jansson.h>

#include "hub/hub_store.h"

/* The TLP name of an object from its object_marking_refs: the most
 * restrictive TLP marking, or dflt when there is none. TLP
 * marking-definition objects themselves are "clear". Static string. */
const char *hub_tlp_of_object(const json_t *obj, const char *dflt);
/* 0 clear .. 4 red; -1 unknown. */
int hub_tlp_rank(const char *tlp);
/* Canonical name for a user-given TLP ("TLP:AMBER", "white"...), or NULL. */
const char *hub_tlp_canonical(const char *name);

bool hub_collection_is_member(const struct hub_collection *coll, const struct hub_org *org);
bool hub_collection_can_write(const struct hub_collection *coll, const struct hub_caller *caller);
/* Every caller can list every collection; what it sees inside is filtered. */
bool hub_collection_can_read(const struct hub_collection *coll, const struct hub_caller *caller);

/* Whether caller may see an object stored with tlp in a collection.
 * is_recipient: the caller is named in the object's x_vigil_recipients. */
bool hub_tlp_visible(const char *tlp, int64_t producer_org, bool is_recipient, bool member,
                     const struct hub_caller *caller);

/* Writes into buf an SQL boolean expression over table alias "o" (columns
 * tlp, producer_org, id) that is true for the rows of one collection the
 * caller may see. org_param is the placeholder number bound to the caller's
 * organisation id. */
void hub_tlp_sql(char *buf, size_t len, bool member, const struct hub_caller *caller,
                 int org_param);

#endif
