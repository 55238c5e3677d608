/* SPDX-License-Identifier: Apache-2.0 */
/* STIX 2.1 object validation and TLP marking helpers for the hub.
 * The validator checks one object (not a bundle) against the STIX 2.1
 * specification: common properties, required properties per type, property
 * types, identifier references and, for indicators with pattern_type "stix",
 * the pattern itself. Open vocabularies stay open; custom x- types and
 * custom properties are accepted. See docs/stix.md. */
#ifndef VIGIL_HUB_STIX_VALIDATE_H
#define VIGIL_HUB_STIX_VALIDATE_H

#include <stdbool.h>
#include <stddef.h>
#include <jansson.h>

/* Returns 0 if obj is a valid STIX 2.1 object, else -EINVAL with a reason in
 * err naming the object id (or type) and the property, e.g.
 * "indicator--...: property 'valid_from': not a STIX timestamp".
 * err may be NULL when errlen is 0. Nothing is allocated for the caller. */
int stix_object_validate(const json_t *obj, char *err, size_t errlen);

/* Maps a TLP 1.0 or TLP 2.0 marking-definition id to "clear", "green",
 * "amber", "amber+strict" or "red" (TLP 1.0 WHITE gives "clear"); NULL if the
 * id is not a TLP marking. The returned string is static. */
const char *stix_tlp_marking_normalize(const char *marking_definition_id);

/* The TLP 2.0 marking-definition id for a name ("clear", "white" (alias of
 * clear), "green", "amber", "amber+strict", "red"; case-insensitive, an
 * optional "TLP:" prefix is accepted); NULL if unknown. Static string. */
const char *stix_tlp2_marking_id(const char *tlp_name);

/* Helpers shared with eve_ingest and the hub. */

/* True if s is a STIX timestamp: RFC 3339, UTC "Z", optional fraction. */
bool stix_timestamp_is_valid(const char *s);

/* True if s is "<type>--<UUID>" with a well-formed RFC 4122 UUID. If
 * type is non-NULL, the type part must equal it. */
bool stix_identifier_is_valid(const char *s, const char *type);

#endif
